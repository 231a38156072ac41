//! The timeline: what a routine says and plays, and when, to the millisecond.
//!
//! [`timeline::plan`] turns a [`crate::routine::Routine`] and the [`settings::Settings`] (phrases,
//! rests, the length of each sound and line) into a [`timeline::Timeline`]: a pure value, the same
//! for the live session, the rendered file and `limber plan`, which prints it as text or JSON.

pub mod settings;
pub mod timeline;

use crate::history::progression;
use crate::report::error::{Diagnostic, Error};
use crate::routine::format::MAX_SESSION_SECONDS;
use crate::routine::library::Found;
use crate::routine::source::Source;
use crate::routine::{Routine, validate};

/// A routine to use: valid, and short enough to be one session once planned with the default
/// settings. [`load_with`] checks it with the settings in force.
pub fn load(found: &Found) -> Result<Routine, Error> {
    load_with(found, &settings::Settings::default())
}

/// A routine to use: valid, and short enough to be one session once planned with `settings`
/// (a configuration's rests and speaking rate make a session longer).
///
/// The length is the one last check of a routine, made only when the file has no other problem:
/// it needs the timeline, which needs a valid routine. What the routine asks for is counted before
/// anything is planned, and the plan stops as soon as it passes the limit, so a routine that asks
/// for days of cues is refused at once and costs no more memory than one of four hours.
pub fn load_with(found: &Found, settings: &settings::Settings) -> Result<Routine, Error> {
    let routine = found.load()?;
    if let Err(t) = fits(&routine, settings) {
        // Said differently when the routine would fit as written, but not with these settings.
        let help = match fits(&routine, &settings::Settings::default()) {
            Ok(()) => SETTINGS_HELP,
            Err(_) => DEFAULT_HELP,
        };
        return Err(too_long(&found.source, &routine, &t, help));
    }
    // Progressions only lengthen a routine: its longest session has every exercise at its top.
    let (top, levels) =
        progression::apply(&routine, "", None, progression::Choice::Level(u32::MAX));
    if let Err(t) = fits(&top, settings) {
        let most = levels.iter().map(|l| l.levels).max().unwrap_or(1);
        let mut error = too_long(&found.source, &top, &t, TOP_HELP);
        if let Error::Invalid { diagnostics, .. } = &mut error {
            for d in diagnostics {
                d.message = format!(
                    "at the top of its progressions (level {most}), {}",
                    d.message
                );
            }
        }
        return Err(error);
    }
    Ok(routine)
}

/// What to do about a routine that fits at level 1 but would not once its exercises have grown.
pub const TOP_HELP: &str = "it fits as it starts, but its exercises grow past that: lower a \"max\" in their \"progress\", or split the routine into several";

/// Whether the whole routine, planned with `settings`, fits in a session.
pub fn fits(routine: &Routine, settings: &settings::Settings) -> Result<(), timeline::TooLong> {
    timeline::plan_within(routine, settings, 0..routine.steps.len(), MAX_SESSION_MS).map(|_| ())
}

/// The longest session, in milliseconds.
pub const MAX_SESSION_MS: crate::routine::Ms = MAX_SESSION_SECONDS * 1000;

/// What to do about a routine too long as written.
pub const DEFAULT_HELP: &str = "split it into several routines";

/// What to do about a routine that fits as written but not as it would play.
pub const SETTINGS_HELP: &str = "it fits as written, but not with the settings in force (the configuration's rests, the voice's speaking rate and line lengths, the levels reached): change them, play part of it with --from or --only, or split the routine";

/// The error for a plan over the limit: the file, the step in which the session passes four
/// hours (line, column and path), how long it would be, and `help`.
pub fn too_long(source: &Source, routine: &Routine, t: &timeline::TooLong, help: &str) -> Error {
    let (path, at) = match t.step {
        Some(n) => (
            format!("steps[{}]", n - 1),
            validate::item_start(source, "steps", n - 1),
        ),
        None => ("steps".to_string(), None),
    };
    let at = at.or_else(|| validate::key_start(source, "steps"));
    Error::Invalid {
        origin: source.origin.clone(),
        diagnostics: vec![Diagnostic {
            path,
            at,
            message: too_long_message(routine, t),
            help: Some(help.into()),
        }],
    }
}

/// "the session would last more than 4 hours (past 4 hours in step 12, Bridge); a session is at
/// most 4 hours"
pub fn too_long_message(routine: &Routine, t: &timeline::TooLong) -> String {
    // Counted, the step is the one by which the session is surely past the limit; planned, the
    // one in which it passes it.
    let by = if t.counted { "by" } else { "in" };
    let place = match t
        .step
        .and_then(|n| routine.steps.get(n - 1).map(|s| (n, s)))
    {
        Some((n, step)) => format!(" (past 4 hours {by} step {n}, {})", step.title()),
        None => String::new(),
    };
    let length = if t.cues {
        format!("would have more than {} cues", timeline::MAX_CUES)
    } else if t.counted {
        format!(
            "would last at least {}",
            crate::report::words::short(std::time::Duration::from_millis(t.at))
        )
    } else {
        "would last more than 4 hours".to_string()
    };
    format!("the session {length}{place}; a session is at most 4 hours")
}
