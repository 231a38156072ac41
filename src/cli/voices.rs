//! `limber voices`: what a person can choose, per engine, for --voice, --voice-name and the
//! configuration.

use std::process::ExitCode;

use super::args::VoiceArgs;
use super::print;
use crate::config::Config;
use crate::report::error::Error;

/// `limber voices`: what a person can choose, per engine: the installed Piper voices first, then
/// espeak-ng's languages and pico2wave's; speech-dispatcher's (thousands, nearly all the same
/// few voices in every language) only with `limber voices system`.
pub fn list_voices(config: &Config, only: Option<&str>) -> Result<ExitCode, Error> {
    use crate::voice::piper;
    let wanted = |engine: &str| only.is_none_or(|o| o == engine);
    let mut parts = Vec::new();
    let choice = VoiceArgs::default().choice(config);
    if only.is_none() {
        let now = match &choice.auto {
            Some(why) => format!("auto, which chooses {why}"),
            None => choice.engine.name().to_string(),
        };
        parts.push(format!(
            "limber speaks with {now}.\nChoose with --voice ENGINE and --voice-name NAME, or \"voice\" in the configuration.\n"
        ));
    }
    if wanted("piper") {
        let voices = piper::voices();
        let program = match piper::find() {
            Some(p) => p.display().to_string(),
            None => "not installed; `limber voices --help` says how to install it".into(),
        };
        let folder = piper::voices_dir()
            .map_or_else(|| "its voices folder".into(), |d| d.display().to_string());
        let mut out = format!(
            "Piper ({program}), {} in {folder}:\n",
            count(voices.len(), "voice")
        );
        let chosen = choice.model.as_deref();
        let rows: Vec<Vec<String>> = voices
            .iter()
            .map(|v| {
                let mark = if chosen == Some(v.model.as_path()) {
                    "(in use)"
                } else {
                    ""
                };
                vec![
                    v.name.clone(),
                    v.language.clone(),
                    v.quality.replace('_', " "),
                    mark.into(),
                ]
            })
            .collect();
        out.push_str(&columns(&rows));
        if voices.is_empty() {
            out.push_str("  none: `limber voices --help` says how to add one\n");
        }
        parts.push(out);
    }
    if wanted("espeak-ng") {
        parts.push(
            match crate::voice::espeak::voices(std::path::Path::new("espeak-ng")) {
                Ok(voices) => {
                    let mut out = format!(
                        "espeak-ng, {}; use with --voice espeak-ng --voice-name LANGUAGE:\n",
                        count(voices.len(), "language")
                    );
                    let rows: Vec<Vec<String>> = voices
                        .into_iter()
                        .map(|(language, name)| vec![language, name.replace('_', " ")])
                        .collect();
                    out.push_str(&columns(&rows));
                    out
                }
                Err(why) => format!("espeak-ng: not available ({why})\n"),
            },
        );
    }
    let installed = |program: &str| {
        if crate::voice::command::find_program(std::path::Path::new(program)).is_some() {
            "installed"
        } else {
            "not installed"
        }
    };
    if wanted("pico2wave") {
        parts.push(format!(
            "pico2wave ({}), 6 languages; use with --voice pico2wave --voice-name LANGUAGE:\n  {}\n",
            installed("pico2wave"),
            crate::voice::choose::PICO.join("  ")
        ));
    }
    if only == Some("system") {
        parts.push(match crate::voice::system::voices() {
            Ok(voices) => {
                let mut out = format!(
                    "System voice (speech-dispatcher), {}; use with --voice system --voice-name NAME:\n",
                    count(voices.len(), "voice")
                );
                let rows: Vec<Vec<String>> = voices.into_iter().map(|(n, l)| vec![n, l]).collect();
                out.push_str(&columns(&rows));
                out
            }
            Err(why) => format!("System voice: not available ({why})\n"),
        });
    } else if only.is_none() {
        parts.push(
            "The system voice (speech-dispatcher): `limber voices system` lists its voices.\n"
                .into(),
        );
    }
    let out = parts.join("\n");
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// "1 voice", "3 voices".
fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// Rows as aligned columns, each line indented by two spaces.
fn columns(rows: &[Vec<String>]) -> String {
    let mut widths = Vec::new();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if widths.len() <= i {
                widths.push(0);
            }
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::from(" ");
        for (i, cell) in row.iter().enumerate() {
            line.push(' ');
            line.push_str(cell);
            if i + 1 < row.len() {
                line.push_str(&" ".repeat(widths[i] - cell.chars().count() + 1));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
