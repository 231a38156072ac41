//! `limber voices`: the voices of each speech engine, for --voice-name and the configuration.

use std::process::ExitCode;

use super::print;
use crate::error::Error;

/// `limber voices`: the voices of each engine.
pub fn list_voices(only: Option<&str>) -> Result<ExitCode, Error> {
    let wanted = |engine: &str| only.is_none_or(|o| o == engine);
    let mut parts = Vec::new();
    // The default engine first; the system voice, which may have thousands, last.
    if wanted("espeak-ng") {
        parts.push(
            match crate::voice::espeak::voices(std::path::Path::new("espeak-ng")) {
                Ok(voices) => {
                    let mut out = format!(
                        "espeak-ng (the default), {} voices; use with --voice-name NAME:\n",
                        voices.len()
                    );
                    for (language, name) in voices {
                        out.push_str(&format!("  {language:<12} {name}\n"));
                    }
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
            "pico2wave ({}): --voice pico2wave --voice-name en-US, en-GB, de-DE, es-ES, fr-FR or it-IT\n",
            installed("pico2wave")
        ));
    }
    if wanted("piper") {
        parts.push(format!(
            "piper ({}): each voice is a model file, set as \"model\" in the configuration (`limber config` shows where)\n",
            installed("piper")
        ));
    }
    if wanted("system") {
        parts.push(match crate::voice::system::voices() {
            Ok(voices) => {
                let mut out = format!(
                    "System voice (speech-dispatcher), {} voices; use with --voice system --voice-name NAME:\n",
                    voices.len()
                );
                for (name, language) in voices {
                    out.push_str(&format!("  {name:<32} {language}\n"));
                }
                out
            }
            Err(why) => format!("System voice: not available ({why})\n"),
        });
    }
    let out = parts.join("\n");
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}
