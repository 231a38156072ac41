//! `limber plan`: everything a routine will say and play, and when, without playing it.

use std::process::ExitCode;

use super::args::{LevelArgs, VoiceArgs};
use super::print;
use crate::config::{Config, Engine};
use crate::report::error::Error;
use crate::routine::library;
use crate::voice::lengths;

pub fn plan(
    config: &Config,
    name: &str,
    (from, only): (Option<String>, Option<String>),
    json: bool,
    voice: &VoiceArgs,
    levels: LevelArgs,
) -> Result<ExitCode, Error> {
    let found = library::find(name, config.routines.as_deref())?;
    let written = crate::plan::load(&found)?;
    let leveled = super::leveled(config, &found.id, &written, levels);
    let routine = leveled.routine;
    let part = crate::plan::timeline::Part::of(&routine, from.as_deref(), only.as_deref())
        .map_err(Error::Usage)?;
    let sounds = config.sounds(&mut |w| super::warn(&w));
    let choice = super::chosen_voice(config, voice)?;
    let mut settings = choice.settings(&config.settings_for(&sounds));
    settings.eased = leveled.eased;
    settings.hurt = leveled.hurt;
    let synth = choice
        .synth(config, &mut |w| super::warn(&w))
        .and_then(Result::ok);
    let range = part.range(routine.steps.len());
    let timeline = lengths::plan(&routine, &settings, range, synth.as_ref(), None)
        .map_err(|e| e.error(&found.source, &routine, Error::Write))?;
    let lines = lengths::lines(&timeline);
    let measured = synth
        .as_ref()
        .map_or(0, |s| lines.iter().filter(|l| s.has(l)).count());
    let engine = choice.engine.name();
    if json {
        let mut value = serde_json::to_value(timeline.to_json()).expect("a plan serializes");
        value["speech"] = serde_json::json!({
            "engine": engine,
            "auto": choice.auto,
            "voice": choice
                .model
                .as_deref()
                .and_then(|m| m.file_stem())
                .map(|n| n.to_string_lossy().into_owned())
                .or_else(|| choice.name.clone()),
            "lines": lines.len(),
            "measured": measured,
        });
        value["levels"] = serde_json::to_value(&leveled.levels).expect("levels serialize");
        let mut text = serde_json::to_string_pretty(&value).expect("a plan serializes");
        text.push('\n');
        print(&text)?;
    } else {
        let note = match (&synth, measured) {
            (None, _) if choice.engine == Engine::None => {
                "No voice is chosen: the times of the words are estimated from the speaking rate."
                    .to_string()
            }
            (None, _) if choice.engine == Engine::System => format!(
                "Speech is estimated from the speaking rate: the {engine} voice speaks live and cannot be measured."
            ),
            (None, _) => {
                "Speech is estimated from the speaking rate: the speech cache cannot be used."
                    .to_string()
            }
            (Some(s), m) if m == lines.len() => format!(
                "Speech times are exact: all {m} lines are in the {} speech cache.",
                s.engine.name
            ),
            (Some(_), m) => format!(
                "Speech times are exact for {m} of {} lines, estimated for the rest; `limber prepare {name}{}` makes them all exact.",
                lines.len(),
                voice.flags()
            ),
        };
        // The length `limber list` gives, the same however full the cache: from the speaking rate.
        let about = crate::report::words::about_minutes(
            crate::plan::timeline::plan(&routine, &settings).total,
        );
        let about = match part.range(routine.steps.len()) == (0..routine.steps.len()) {
            true => format!(", {about} as `limber list` says"),
            false => String::new(),
        };
        let mut levels = String::new();
        if !leveled.levels.is_empty() {
            let whence = if leveled.levels.iter().any(|l| l.by_hand) {
                "chosen for this session"
            } else {
                "from the session log; --level N or --no-progress choose for one session"
            };
            levels.push_str(&format!("\nLevels ({whence}):\n"));
            for l in &leveled.levels {
                levels.push_str(&format!("  {}\n", crate::history::progression::describe(l)));
            }
        }
        let text = format!("{timeline}{about}\n{levels}\n{note}\n");
        print(&crate::report::words::shown_lines(&text))?;
    }
    Ok(ExitCode::SUCCESS)
}
