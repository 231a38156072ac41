//! Which engine and voice to speak with: what `auto` picks, and the voices each engine has, so a
//! voice name that matches none of them is an error that lists what there is.

use std::path::{Path, PathBuf};

use super::piper::{self, VoiceFile};

/// What `"engine": "auto"` found.
#[derive(Debug, Clone, PartialEq)]
pub enum Auto {
    /// Piper's program and one of its voices.
    Piper { program: PathBuf, voice: VoiceFile },
    /// No Piper (the reason), so espeak-ng.
    Espeak(String),
}

impl Auto {
    /// Piper when its program and a voice are found, else espeak-ng.
    ///
    /// The program is `program` (the configuration's), else the one `scripts/setup` installs,
    /// else `piper` on the PATH. The voice is `model` (the configuration's), else the one `name`
    /// names among the voices in `~/.local/share/limber/voices`, else the first of them, the
    /// English "joe" voice that the setup installs before any other. A `name` that is no Piper
    /// voice leaves the choice to espeak-ng, whose voice it may be.
    pub fn find(program: Option<&Path>, model: Option<&Path>, name: Option<&str>) -> Auto {
        let program = match program {
            Some(p) => super::command::find_program(p),
            None => piper::find(),
        };
        let Some(program) = program else {
            return Auto::Espeak("Piper is not installed (`limber voices --help` says how)".into());
        };
        if let Some(model) = model {
            return match VoiceFile::at(model) {
                Some(voice) => Auto::Piper { program, voice },
                None => Auto::Espeak(format!(
                    "the Piper voice {} is not there, or has no .onnx.json beside it",
                    model.display()
                )),
            };
        }
        let voices = piper::voices();
        let voice = match name {
            Some(name) => voices
                .into_iter()
                .find(|v| v.name.eq_ignore_ascii_case(name)),
            None => preferred(voices),
        };
        match voice {
            Some(voice) => Auto::Piper { program, voice },
            None if name.is_some() => Auto::Espeak(format!(
                "Piper has no voice named \"{}\"",
                name.unwrap_or("")
            )),
            None => Auto::Espeak(format!(
                "Piper has no voices in {}",
                piper::voices_dir()
                    .map_or_else(|| "its voices folder".into(), |d| d.display().to_string())
            )),
        }
    }
}

/// The voice to use of those installed: the one the setup installs, else the first by name.
pub fn preferred(voices: Vec<VoiceFile>) -> Option<VoiceFile> {
    let joe = voices.iter().position(|v| v.name == "en_US-joe-medium");
    match joe {
        Some(i) => voices.into_iter().nth(i),
        None => voices.into_iter().next(),
    }
}

/// The names a voice of `engine` may be chosen by, or why they cannot be known. `None` for an
/// engine whose voices limber cannot list (the user's own program, none).
pub fn names(engine: &str) -> Option<Result<Vec<String>, String>> {
    match engine {
        "espeak-ng" => Some(super::espeak::voices(Path::new("espeak-ng")).map(|voices| {
            // Either the language (en-gb) or the voice's own name (English_(Great_Britain)).
            let mut names: Vec<String> = voices
                .into_iter()
                .flat_map(|(language, name)| [language, name])
                .collect();
            names.dedup();
            names
        })),
        "pico2wave" => Some(Ok(PICO.iter().map(|v| v.to_string()).collect())),
        "piper" => Some(Ok(piper::voices().into_iter().map(|v| v.name).collect())),
        "system" => Some(super::system::voices().map(|v| v.into_iter().map(|v| v.0).collect())),
        _ => None,
    }
}

/// pico2wave's languages.
pub const PICO: &[&str] = &["en-US", "en-GB", "de-DE", "es-ES", "fr-FR", "it-IT"];

/// Whether `name` is one of `names`. An espeak-ng voice may carry a variant (`en-gb+f3`): the
/// part before the `+` is the voice.
pub fn known(engine: &str, name: &str, names: &[String]) -> bool {
    let name = match engine {
        "espeak-ng" => name.split('+').next().unwrap_or(name),
        _ => name,
    };
    names.iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// The error for a voice name that `engine` does not have: what it has, all of them when they
/// are few, else the closest and how to see them all.
pub fn unknown(engine: &str, name: &str, names: &[String]) -> String {
    let list = |names: &[String]| names.join(", ");
    let how = if engine == "system" {
        "`limber voices system`".to_string()
    } else {
        format!("`limber voices {engine}`")
    };
    if names.is_empty() {
        return match engine {
            "piper" => format!(
                "piper has no voice named \"{name}\": it has no voices at all; add one to {} as `limber voices --help` says",
                piper::voices_dir()
                    .map_or_else(|| "its voices folder".into(), |d| d.display().to_string())
            ),
            _ => format!("{engine} has no voice named \"{name}\": it lists no voices at all"),
        };
    }
    if names.len() <= 12 {
        return format!(
            "{engine} has no voice named \"{name}\"; it has {}",
            list(names)
        );
    }
    let mut close: Vec<(f64, &String)> = names
        .iter()
        .map(|n| {
            (
                strsim::jaro_winkler(&n.to_lowercase(), &name.to_lowercase()),
                n,
            )
        })
        .collect();
    close.sort_by(|a, b| b.0.total_cmp(&a.0));
    let closest: Vec<String> = close.iter().take(8).map(|(_, n)| (*n).clone()).collect();
    format!(
        "{engine} has no voice named \"{name}\"; the closest of its voices are {} ({how} lists them all)",
        list(&closest)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_name_lists_what_there_is() {
        let pico: Vec<String> = PICO.iter().map(|s| s.to_string()).collect();
        assert_eq!(
            unknown("pico2wave", "klingon", &pico),
            "pico2wave has no voice named \"klingon\"; it has en-US, en-GB, de-DE, es-ES, fr-FR, it-IT"
        );
        assert!(known("pico2wave", "en-gb", &pico));
        let many: Vec<String> = (0..100)
            .map(|i| format!("voice{i}"))
            .chain(["en-gb".into()])
            .collect();
        let e = unknown("espeak-ng", "en-gv", &many);
        assert!(
            e.starts_with(
                "espeak-ng has no voice named \"en-gv\"; the closest of its voices are en-gb, "
            ),
            "{e}"
        );
        assert!(
            e.ends_with("(`limber voices espeak-ng` lists them all)"),
            "{e}"
        );
        assert!(known("espeak-ng", "en-GB+f3", &many));
        assert!(!known("espeak-ng", "klingon", &many));
    }

    #[test]
    fn auto_takes_piper_only_with_a_voice() {
        let dir = tempfile::tempdir().unwrap();
        let program = Path::new("/bin/true");
        let model = dir.path().join("en_GB-alba-medium.onnx");
        std::fs::write(&model, b"model").unwrap();
        assert!(matches!(
            Auto::find(Some(program), Some(&model), None),
            Auto::Espeak(why) if why.contains("has no .onnx.json")
        ));
        std::fs::write(piper::config_path(&model), b"{}").unwrap();
        assert!(matches!(
            Auto::find(Some(program), Some(&model), None),
            Auto::Piper { voice, .. } if voice.name == "en_GB-alba-medium"
        ));
        assert!(matches!(
            Auto::find(Some(Path::new("/nonexistent/piper")), Some(&model), None),
            Auto::Espeak(why) if why.starts_with("Piper is not installed")
        ));
    }
}
