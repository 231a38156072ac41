//! `limber list`: the built-in routines and the user's, with their length.

use std::process::ExitCode;

use super::args::VoiceArgs;
use super::print;
use crate::config::Config;
use crate::plan::settings::Settings;
use crate::plan::timeline;
use crate::report::error::Error;
use crate::routine::Routine;
use crate::routine::library::{self, Found, Origin};
use crate::voice::lengths;
use crate::voice::speaker::Synth;

/// How long routines last, as `plan` would say: exact for lines in the default voice's cache.
pub struct Lengths {
    pub(crate) settings: Settings,
    synth: Option<Synth>,
}

impl Lengths {
    pub fn new(config: &Config) -> Lengths {
        let choice = VoiceArgs::default().choice(config);
        Lengths {
            settings: choice.settings(&config.settings_for(&config.sounds(&mut |_| {}))),
            synth: choice.synth(config, &mut |_| {}).and_then(Result::ok),
        }
    }

    pub fn total(&self, routine: &Routine) -> crate::routine::Ms {
        let all = 0..routine.steps.len();
        lengths::plan(routine, &self.settings, all, self.synth.as_ref(), None).map_or_else(
            |_| timeline::plan(routine, &self.settings).total,
            |t| t.total,
        )
    }

    /// The length to the minute, from the speaking rate alone, so that it does not change as
    /// the speech cache fills: "about 22 minutes".
    pub fn about(&self, routine: &Routine) -> String {
        crate::report::words::about_minutes(timeline::plan(routine, &self.settings).total)
    }
}

/// A routine's length and exercises in words: ("about 22 minutes", "8 exercises").
pub fn summary(routine: &Routine, lengths: &Lengths) -> (String, String) {
    (
        lengths.about(routine),
        crate::report::words::count(routine.exercise_count(), "exercise", "exercises"),
    )
}

pub fn list(config: &Config, json: bool) -> Result<ExitCode, Error> {
    let dir = config.routines.as_deref();
    let lengths = Lengths::new(config);
    let mut rows = Vec::new();
    for entry in library::everything(dir) {
        let row = match entry {
            Ok(found) => {
                let loaded = crate::plan::load_with(&found, &lengths.settings);
                (Some(found), loaded)
            }
            Err(e) => (None, Err(e)),
        };
        rows.push(row);
    }
    if json {
        let items: Vec<serde_json::Value> = rows
            .iter()
            .map(|(found, loaded)| match (found, loaded) {
                (Some(found), Ok(routine)) => serde_json::json!({
                    "id": found.id,
                    "name": routine.name,
                    "description": routine.description,
                    "built_in": found.origin == Origin::BuiltIn,
                    "path": found.path(),
                    "total_seconds": lengths.total(routine) as f64 / 1000.0,
                    "exercises": routine.exercise_count(),
                }),
                (found, Err(e)) => serde_json::json!({
                    "id": found.as_ref().map(|f| f.id.clone()),
                    "name": null,
                    "description": null,
                    "built_in": false,
                    "path": found.as_ref().and_then(|f| f.path()),
                    "total_seconds": null,
                    "exercises": null,
                    "error": e.report(),
                }),
                (None, Ok(_)) => unreachable!("a routine is loaded from a file that was found"),
            })
            .collect();
        let mut text = serde_json::to_string_pretty(&items).expect("a list serializes");
        text.push('\n');
        print(&text)?;
        return Ok(ExitCode::SUCCESS);
    }

    let mut out = String::new();
    let dir_text = dir.map_or("no configuration folder".into(), |d| {
        d.display().to_string()
    });
    let user_rows: Vec<_> = rows
        .iter()
        .filter(|(f, _)| {
            !matches!(
                f,
                Some(Found {
                    origin: Origin::BuiltIn,
                    ..
                })
            )
        })
        .collect();
    let built_rows: Vec<_> = rows
        .iter()
        .filter(|(f, _)| {
            matches!(
                f,
                Some(Found {
                    origin: Origin::BuiltIn,
                    ..
                })
            )
        })
        .collect();
    let width = rows
        .iter()
        .filter_map(|(f, _)| f.as_ref().map(|f| f.id.chars().count()))
        .max()
        .unwrap_or(10)
        .max(10);
    let line = |found: &Found, loaded: &Result<Routine, Error>| match loaded {
        Ok(routine) => {
            let (length, exercises) = summary(routine, &lengths);
            let replaces =
                if found.origin != Origin::BuiltIn && library::built_in(&found.id).is_some() {
                    "  (replaces the built-in one)"
                } else {
                    ""
                };
            format!(
                "  {:<width$}  {:<16}  {:<12}  {}{replaces}\n",
                found.id, length, exercises, routine.name
            )
        }
        Err(_) => format!(
            "  {:<width$}  invalid: run `limber check {}`\n",
            found.id,
            found
                .path()
                .map_or(found.id.clone(), |p| p.display().to_string())
        ),
    };
    out.push_str("Built-in routines:\n");
    for (found, loaded) in &built_rows {
        out.push_str(&line(found.as_ref().expect("built-ins are found"), loaded));
    }
    out.push_str(&format!("\nYour routines ({dir_text}):\n"));
    if user_rows.is_empty() {
        out.push_str("  none yet: `limber new NAME --from ROUTINE` copies one there to change\n");
    }
    for (found, loaded) in &user_rows {
        match found {
            Some(found) => out.push_str(&line(found, loaded)),
            None => {
                if let Err(e) = loaded {
                    out.push_str(&format!("  unreadable: {e}\n"));
                }
            }
        }
    }
    // Two routines with one name cannot be told apart when spoken or listed.
    let mut seen: Vec<(String, &str)> = Vec::new();
    for (found, loaded) in &rows {
        if let (Some(found), Ok(routine)) = (found, loaded) {
            let key = routine.name.to_lowercase();
            if let Some((_, other)) = seen.iter().find(|(n, _)| *n == key) {
                out.push_str(&format!(
                    "\nwarning: \"{}\" and \"{other}\" are both called \"{}\"; give each its own \"name\"\n",
                    found.id, routine.name
                ));
            } else {
                seen.push((key, &found.id));
            }
        }
    }
    out.push_str(
        "\nLengths are from the speaking rate, to the minute; `limber plan NAME` gives the exact time\nand everything it says.\n",
    );
    print(&crate::report::words::shown_lines(&out))?;
    Ok(ExitCode::SUCCESS)
}
