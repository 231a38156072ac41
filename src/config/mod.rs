//! The configuration file: settings that apply to every session.
//!
//! Found at `--config FILE`, else `$LIMBER_CONFIG`, else `config.json` in the configuration folder
//! (`~/.config/limber/config.json` on Linux). Every key is optional; `config.example.json` shows
//! them all. It is checked like a routine: an unknown key or a bad value is an error that names
//! the file, the line, the key and the fix, and nothing runs with a half-read configuration.

use std::path::{Path, PathBuf};

use crate::plan::settings::Settings;
use crate::report::error::Error;
use crate::routine::Ms;
use crate::routine::source::Source;

mod check;
pub mod format;
mod voice;

pub use check::load_config;
pub use voice::{Asked, Choice};

/// What resuming does to the hold or rep that a pause interrupted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnResume {
    /// The interrupted wait continues with the time it had left.
    #[default]
    Continue,
    /// The rep (or the side, or the step's opening) starts again from its first cue; after a
    /// pause in a rest, the next rep starts.
    RestartRep,
}

/// What a configuration file said; `None` where it said nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConfigFile {
    pub routines: Option<String>,
    pub engine: Option<String>,
    pub rate: Option<u32>,
    pub pitch: Option<u32>,
    pub voice_volume: Option<f64>,
    pub voice_name: Option<String>,
    pub program: Option<String>,
    pub arguments: Option<Vec<String>>,
    pub model: Option<String>,
    pub timeout: Option<Ms>,
    pub cache_folder: Option<String>,
    pub cache_megabytes: Option<u32>,
    pub sound_volume: Option<f64>,
    pub sound_files: Vec<(crate::plan::settings::Sound, String)>,
    pub captions: Option<bool>,
    pub rest: Option<Ms>,
    pub set_rest: Option<Ms>,
    pub countdown: Option<u32>,
    pub halfway: Option<bool>,
    pub setup_time: Option<Ms>,
    pub switch_time: Option<Ms>,
    pub phrases: Vec<(String, String)>,
    pub numbers: Option<Vec<String>>,
    /// `audio.device`: an output by name; empty for the default.
    pub device: Option<String>,
    /// `audio.lead_in`.
    pub lead_in: Option<Ms>,
    /// `audio.keep_alive`.
    pub keep_alive: Option<bool>,
    /// `controls.resume`: "continue" or "restart_rep".
    pub resume: Option<String>,
    /// `controls.on_event`: a program; empty for none.
    pub on_event: Option<String>,
    /// `history.goal`, `history.ask`, `history.answer_time`, `history.file`.
    pub goal: Option<u32>,
    pub ask: Option<String>,
    pub answer_time: Option<Ms>,
    pub history_file: Option<String>,
}

/// When a session asks how it went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ask {
    /// When keys can answer: a terminal.
    #[default]
    Auto,
    Always,
    Never,
}

/// The speech engine to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// Piper when its program and a voice are installed, else espeak-ng.
    Auto,
    /// A program limber knows: "espeak-ng", "piper", "pico2wave".
    Preset(&'static str),
    /// The user's own program.
    Command,
    /// speech-dispatcher, through the `tts` crate.
    System,
    None,
}

impl Engine {
    pub fn parse(word: &str) -> Option<Engine> {
        match word {
            "auto" => Some(Engine::Auto),
            "system" => Some(Engine::System),
            "command" => Some(Engine::Command),
            "none" => Some(Engine::None),
            _ => crate::voice::command::PRESETS
                .iter()
                .find(|p| **p == word)
                .map(|p| Engine::Preset(p)),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Engine::Auto => "auto",
            Engine::Preset(name) => name,
            Engine::Command => "command",
            Engine::System => "system",
            Engine::None => "none",
        }
    }
}

pub const DEFAULT_ENGINE: Engine = Engine::Auto;

/// How the voice speaks.
#[derive(Debug, Clone, PartialEq)]
pub struct VoiceConfig {
    pub engine: Engine,
    /// 0 to 99; 50 is the voice's own.
    pub pitch: u32,
    /// 0 to 1.
    pub volume: f32,
    pub name: Option<String>,
    /// The program to run, for a program engine; `None` for the preset's own.
    pub program: Option<PathBuf>,
    /// The command engine's arguments, or arguments added after a preset's.
    pub arguments: Vec<String>,
    /// A Piper voice model.
    pub model: Option<PathBuf>,
    /// How long one line may take to make.
    pub timeout: Ms,
}

impl Default for VoiceConfig {
    fn default() -> Self {
        VoiceConfig {
            engine: DEFAULT_ENGINE,
            pitch: 50,
            volume: 1.0,
            name: None,
            program: None,
            arguments: Vec::new(),
            model: None,
            timeout: 30_000,
        }
    }
}

/// Everything the configuration decides.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub settings: Settings,
    pub voice: VoiceConfig,
    /// Volume of chimes and tones, 0 to 1.
    pub sound_volume: f32,
    /// The user's own sound files, in place of built-in sounds.
    pub sound_files: Vec<(crate::plan::settings::Sound, PathBuf)>,
    /// Captions on or off; `None` leaves it to whether the output is a terminal.
    pub captions: Option<bool>,
    /// The user's routines folder.
    pub routines: Option<PathBuf>,
    /// The speech cache's folder (`None` when there is no usual one) and size bound.
    pub cache: Option<PathBuf>,
    pub cache_max_bytes: u64,
    /// The file it was read from, if any.
    pub file: Option<PathBuf>,
    /// The audio output by name, if not the default.
    pub device: Option<String>,
    /// Near-silent sound before the first cue.
    pub lead_in: Ms,
    /// An inaudible tone while the session runs.
    pub keep_alive: bool,
    /// What resuming after a pause does.
    pub on_resume: OnResume,
    /// The program the hooks run, if any.
    pub on_event: Option<PathBuf>,
    /// Sessions a week to aim for (0: none).
    pub goal: u32,
    /// When to ask how a session went, and how long to wait for the answer.
    pub ask: Ask,
    pub answer_time: Ms,
    /// The session log, if there is a place for it.
    pub history_file: Option<PathBuf>,
}

/// How long the question at the end waits, unless the configuration says otherwise.
pub const ANSWER_TIME: Ms = 20_000;

/// Near-silent sound before the first cue, unless the configuration says otherwise: enough for
/// most Bluetooth speakers and HDMI outputs to wake.
pub const LEAD_IN: Ms = 500;

/// The configuration folder, `~/.config/limber` on Linux.
pub fn config_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "limber").map(|d| d.config_dir().to_path_buf())
}

impl Config {
    /// Reads the configuration: `explicit` (from `--config`) or `$LIMBER_CONFIG` must exist; the
    /// default file may be absent.
    pub fn load(explicit: Option<&Path>) -> Result<Config, Error> {
        let from_env = std::env::var_os("LIMBER_CONFIG")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        let (path, required) = match (explicit, from_env) {
            (Some(p), _) => (Some(p.to_path_buf()), true),
            (None, Some(p)) => (Some(p), true),
            (None, None) => (config_dir().map(|d| d.join("config.json")), false),
        };
        let file = match path {
            Some(p) if required || p.exists() => Some(p),
            _ => None,
        };
        let parsed = match &file {
            Some(p) => load_config(&Source::read_config(p)?)?,
            None => ConfigFile::default(),
        };
        Ok(Config::from_file(parsed, file))
    }

    pub(crate) fn from_file(c: ConfigFile, file: Option<PathBuf>) -> Config {
        let mut s = Settings::default();
        if let Some(rate) = c.rate {
            s.words_per_minute = f64::from(rate);
        }
        s.rest = c.rest.unwrap_or(s.rest);
        s.set_rest = c.set_rest.unwrap_or(s.set_rest);
        s.countdown = c.countdown.unwrap_or(s.countdown);
        s.halfway = c.halfway.unwrap_or(s.halfway);
        s.setup_time = c.setup_time.unwrap_or(s.setup_time);
        s.switch_time = c.switch_time.unwrap_or(s.switch_time);
        for (name, text) in c.phrases {
            let known = s.phrases.set(&name, text);
            debug_assert!(known, "validation lets only known phrases through");
        }
        if let Some(numbers) = c.numbers {
            s.phrases.numbers = numbers;
        }
        // The environment wins over the file, so a script can point one run elsewhere. A relative
        // path in the file is relative to the file's folder, so the example's "routines" is the
        // usual place wherever the configuration folder is.
        let base = file
            .as_deref()
            .and_then(Path::parent)
            .map(Path::to_path_buf);
        let routines = std::env::var_os("LIMBER_ROUTINES")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| c.routines.as_deref().map(|r| resolve(r, base.as_deref())))
            .or_else(|| config_dir().map(|d| d.join("routines")));
        let d = VoiceConfig::default();
        let voice = VoiceConfig {
            engine: c
                .engine
                .as_deref()
                .and_then(Engine::parse)
                .unwrap_or(d.engine),
            pitch: c.pitch.unwrap_or(d.pitch),
            volume: c.voice_volume.map_or(d.volume, |v| v as f32),
            name: c.voice_name,
            program: c.program.as_deref().map(|p| {
                // A bare name is looked up on the PATH, as a shell would; a path is a path.
                if p.contains('/') {
                    resolve(p, base.as_deref())
                } else {
                    PathBuf::from(p)
                }
            }),
            arguments: c.arguments.unwrap_or_default(),
            model: c.model.as_deref().map(|m| resolve(m, base.as_deref())),
            timeout: c.timeout.unwrap_or(d.timeout),
        };
        let cache = c
            .cache_folder
            .as_deref()
            .map(|f| resolve(f, base.as_deref()))
            .or_else(crate::voice::cache::default_dir);
        let sound_files = c
            .sound_files
            .iter()
            .map(|(sound, path)| (*sound, resolve(path, base.as_deref())))
            .collect();
        let on_resume = match c.resume.as_deref() {
            Some("restart_rep") => OnResume::RestartRep,
            _ => OnResume::Continue,
        };
        let on_event = c
            .on_event
            .as_deref()
            .filter(|p| !p.is_empty())
            // A bare name is found on PATH, like a command; a path is resolved like "routines".
            .map(|p| match p.contains('/') {
                true => resolve(p, base.as_deref()),
                false => PathBuf::from(p),
            });
        let ask = match c.ask.as_deref() {
            Some("always") => Ask::Always,
            Some("never") => Ask::Never,
            _ => Ask::Auto,
        };
        // $LIMBER_HISTORY, then the configuration, then the state folder.
        let history_file = std::env::var_os("LIMBER_HISTORY")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                c.history_file
                    .as_deref()
                    .filter(|f| !f.is_empty())
                    .map(|f| resolve(f, base.as_deref()))
            })
            .or_else(crate::history::store::default_path);
        Config {
            goal: c.goal.unwrap_or(crate::history::stats::DEFAULT_GOAL),
            ask,
            answer_time: c.answer_time.unwrap_or(ANSWER_TIME),
            history_file,
            settings: s,
            voice,
            device: c.device.filter(|d| !d.is_empty()),
            lead_in: c.lead_in.unwrap_or(LEAD_IN),
            keep_alive: c.keep_alive.unwrap_or(true),
            on_resume,
            on_event,
            sound_volume: c.sound_volume.map_or(0.8, |v| v as f32),
            sound_files,
            captions: c.captions,
            routines,
            cache,
            cache_max_bytes: c
                .cache_megabytes
                .map_or(crate::voice::cache::DEFAULT_MAX_BYTES, |m| {
                    u64::from(m) * 1024 * 1024
                }),
            file,
        }
    }
}

impl Config {
    /// The sounds to play: the built-in ones, with any files the configuration names in their
    /// place; `warn` hears about each file that cannot be used.
    pub fn sounds(&self, warn: &mut dyn FnMut(String)) -> crate::sound::clip::SoundSet {
        crate::sound::clip::SoundSet::with_files(&self.sound_files, warn)
    }

    /// The settings for planning, with the real lengths of the sounds that will play.
    pub fn settings_for(&self, sounds: &crate::sound::clip::SoundSet) -> Settings {
        Settings {
            sounds: sounds.lengths(),
            ..self.settings.clone()
        }
    }
}

/// `~/x` is `x` in the home folder; a relative path is relative to `base`.
fn resolve(path: &str, base: Option<&Path>) -> PathBuf {
    if let (Some(rest), Some(dirs)) = (path.strip_prefix("~/"), directories::BaseDirs::new()) {
        return dirs.home_dir().join(rest);
    }
    match base {
        Some(base) if Path::new(path).is_relative() => base.join(path),
        _ => PathBuf::from(path),
    }
}

/// The configuration's JSON Schema, checked in at `docs/config.schema.json`.
pub fn schema_text() -> String {
    crate::routine::schema::text(&crate::routine::schema::schema_of(
        &format::CONFIG,
        "limber configuration",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<ConfigFile, String> {
        load_config(&Source::new("config.json", text)).map_err(|e| e.to_string())
    }

    #[test]
    fn the_example_is_valid_and_says_the_defaults() {
        let text = include_str!("../../config.example.json");
        let file = load(text).unwrap();
        let config = Config::from_file(file, None);
        let defaults = Settings::default();
        assert_eq!(
            config.settings, defaults,
            "config.example.json shows the defaults"
        );
    }

    #[test]
    fn control_characters_in_a_configuration_are_refused_where_they_are() {
        // Before: NUL in a phrase was accepted, and then every hook of the session failed.
        let e = load(
            "{\n  \"phrases\": { \"halfway\": \"Half\\u0000way.\" },\n  \"controls\": { \"on_event\": \"/bin/hook\\u001b[2J\" },\n  \"voice\": { \"program\": \"say\", \"arguments\": [\"-o\", \"{output}\\u0007\"] },\n  \"phrases2\": 1\n}",
        )
        .unwrap_err();
        for expected in [
            "config.json:2:32: phrases.halfway: has NUL (\\u0000) in it",
            "config.json:3:39: controls.on_event: has ESC (\\u001b) in it",
            "config.json:4:61: voice.arguments[1]: has BEL (\\u0007) in it",
        ] {
            assert!(e.contains(expected), "{expected}\n{e}");
        }
        let e = load(r#"{"phrases": {"numbers": ["One", "Tw\no", "3", "4", "5", "6", "7", "8", "9", "10"]}}"#)
            .unwrap_err();
        assert!(
            e.contains("phrases.numbers[1]: has a line break (\\u000a) in it"),
            "{e}"
        );
        assert!(e.contains("help: write a space instead"), "{e}");
        // Text that may be left empty is blank here, but a tab is still written in it, as the
        // schema says too (before, it was read as empty).
        let e = load("{\"voice\": {\"name\": \" \\t\"}}").unwrap_err();
        assert!(
            e.contains("config.json:1:22: voice.name: has a tab (\\u0009) in it"),
            "{e}"
        );
    }

    #[test]
    fn phrases_and_settings_apply() {
        let file = load(r#"{"countdown": 5, "voice": {"rate": 120}, "phrases": {"switch_sides": "Seite wechseln.", "numbers": ["Eins", "Zwei", "Drei", "Vier", "Fünf", "Sechs", "Sieben", "Acht", "Neun", "Zehn"]}}"#).unwrap();
        let s = Config::from_file(file, None).settings;
        assert_eq!(s.countdown, 5);
        assert_eq!(s.words_per_minute, 120.0);
        assert_eq!(s.phrases.switch_sides, "Seite wechseln.");
        assert_eq!(s.phrases.numbers[..3], ["Eins", "Zwei", "Drei"]);
        let short = load(r#"{"phrases": {"numbers": ["Eins", "Zwei"]}}"#).unwrap_err();
        assert!(
            short.contains("phrases.numbers: has 2 words; give all 10"),
            "{short}"
        );
    }

    #[test]
    fn mistakes_name_the_file_line_key_and_fix() {
        let e = load("{\n  \"countdwn\": 3,\n  \"phrases\": {\"halfway\": \"Half {way}.\", \"swich_sides\": \"x\"}\n}").unwrap_err();
        assert_eq!(
            e,
            "config.json:2:3: countdwn: unknown key \"countdwn\" in the configuration\n  help: did you mean \"countdown\"?\n\
             config.json:3:32: phrases.halfway: {way} has no value in this phrase\n  help: the halfway phrase takes no placeholders\n\
             config.json:3:41: phrases.swich_sides: unknown key \"swich_sides\" in the phrases\n  help: did you mean \"switch_sides\"?"
        );
    }
}

/// The configuration with every key at its default: what `config.example.json` holds.
pub fn example() -> serde_json::Value {
    // The defaults are the configuration of an empty file: written once, in `from_file`.
    let d = Config::from_file(ConfigFile::default(), None);
    let (s, v) = (&d.settings, &d.voice);
    let secs = |ms: Ms| {
        if ms % 1000 == 0 {
            serde_json::json!(ms / 1000)
        } else {
            serde_json::json!(ms as f64 / 1000.0)
        }
    };
    let mut phrases = serde_json::Map::new();
    for (name, _, _) in crate::plan::settings::Phrases::TABLE {
        phrases.insert(name.to_string(), serde_json::json!(s.phrases.get(name)));
    }
    phrases.insert("numbers".into(), serde_json::json!(s.phrases.numbers));
    let sounds: serde_json::Map<String, serde_json::Value> = std::iter::once((
        "volume".to_string(),
        serde_json::json!((f64::from(d.sound_volume) * 100.0).round() / 100.0),
    ))
    .chain(
        crate::plan::settings::Sound::ALL
            .iter()
            .map(|s| (s.name().to_string(), serde_json::json!(""))),
    )
    .collect();
    serde_json::json!({
        "routines": "routines",
        "voice": {
            "engine": v.engine.name(),
            "rate": s.words_per_minute as u32,
            "pitch": v.pitch,
            "volume": v.volume,
            "name": "",
            "program": "",
            "arguments": [],
            "model": "",
            "timeout": secs(v.timeout),
        },
        "sounds": sounds,
        "speech_cache": { "folder": "", "max_megabytes": d.cache_max_bytes / 1024 / 1024 },
        "captions": "auto",
        "rest": secs(s.rest),
        "set_rest": secs(s.set_rest),
        "countdown": s.countdown,
        "halfway": s.halfway,
        "setup_time": secs(s.setup_time),
        "switch_time": secs(s.switch_time),
        "phrases": phrases,
        "audio": { "device": "", "lead_in": secs(d.lead_in), "keep_alive": d.keep_alive },
        "controls": { "resume": "continue", "on_event": "" },
        "history": { "goal": crate::history::stats::DEFAULT_GOAL, "ask": "auto", "answer_time": secs(ANSWER_TIME), "file": "" },
    })
}

/// [`example`] as written to `config.example.json`.
pub fn example_text() -> String {
    let mut text = serde_json::to_string_pretty(&example()).expect("the example serializes");
    text.push('\n');
    text
}

#[cfg(test)]
mod example {
    #[test]
    fn checked_in_example_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/config.example.json");
        if std::env::var_os("LIMBER_BLESS").is_some() {
            std::fs::write(path, super::example_text()).unwrap();
        }
        let on_disk = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            on_disk == super::example_text(),
            "config.example.json is out of date: run `LIMBER_BLESS=1 cargo test example`"
        );
    }

    use super::format::CONFIG;
    use crate::routine::format::{Kind, Shape};

    #[test]
    fn checked_in_schema_is_current() {
        crate::routine::schema::assert_checked_in("config.schema.json", &super::schema_text());
    }

    #[test]
    fn the_example_names_every_key() {
        let text = include_str!("../../config.example.json");
        fn walk(shape: &Shape, text: &str) {
            for field in shape.fields.iter().filter(|f| f.name != "$schema") {
                assert!(
                    text.contains(&format!("\"{}\":", field.name)),
                    "config.example.json lacks \"{}\"",
                    field.name
                );
                if let Kind::Object(inner) = field.kind {
                    walk(inner, text);
                }
            }
        }
        walk(&CONFIG, text);
    }
}
