//! The timeline: what a routine says and plays, and when, to the millisecond.
//!
//! [`timeline::plan`] turns a [`crate::routine::Routine`] and the [`settings::Settings`] (phrases,
//! rests, the length of each sound and line) into a [`timeline::Timeline`]: a pure value, the same
//! for the live session, the rendered file and `limber plan`, which prints it as text or JSON.

pub mod settings;
pub mod timeline;

use crate::error::{Diagnostic, Error};
use crate::history::progression;
use crate::routine::format::MAX_SESSION_SECONDS;
use crate::routine::library::Found;
use crate::routine::{Routine, validate};

/// A routine to use: valid, and short enough to be one session once planned.
///
/// The length is the one last check of a routine, made only when the file has no other problem:
/// it needs the timeline, which needs a valid routine.
pub fn load(found: &Found) -> Result<Routine, Error> {
    let routine = found.load()?;
    let settings = settings::Settings::default();
    let too_long = |total: u64, message: String, help: &str| Error::Invalid {
        origin: found.source.origin.clone(),
        diagnostics: vec![Diagnostic {
            path: "steps".into(),
            at: validate::key_start(&found.source, "steps"),
            message: format!(
                "{message} would last {}; a session is at most 4 hours",
                crate::words::length(total)
            ),
            help: Some(help.into()),
        }],
    };
    let total = timeline::plan(&routine, &settings).total;
    if total / 1000 > MAX_SESSION_SECONDS {
        return Err(too_long(
            total,
            "the session".into(),
            "split it into several routines",
        ));
    }
    // Progressions only lengthen a routine: its longest session has every exercise at its top.
    let (top, levels) =
        progression::apply(&routine, "", None, progression::Choice::Level(u32::MAX));
    let total = timeline::plan(&top, &settings).total;
    if total / 1000 > MAX_SESSION_SECONDS {
        let most = levels.iter().map(|l| l.levels).max().unwrap_or(1);
        return Err(too_long(
            total,
            format!("at the top of its progressions (level {most}), the session"),
            "lower a \"max\" in the exercises' \"progress\", or split the routine into several",
        ));
    }
    Ok(routine)
}
