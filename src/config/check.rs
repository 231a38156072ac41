//! Checking a configuration file, with the same checker and messages as a routine.

use jsonc_parser::ast::Value;

use super::ConfigFile;
use super::format::CONFIG;
use crate::plan::settings::{Phrases, Sound};
use crate::report::error::Error;
use crate::routine::source::Source;
use crate::routine::validate::{Checker, describe, placeholders, prop_name, start};

/// Parses and checks a configuration file.
pub fn load_config(source: &Source) -> Result<ConfigFile, Error> {
    let value = source.parse()?;
    let mut checker = Checker {
        source,
        diagnostics: Vec::new(),
    };
    let config = config(&mut checker, &value);
    checker
        .diagnostics
        .sort_by_key(|d| d.at.map(|a| (a.line, a.column)));
    if checker.diagnostics.is_empty() {
        Ok(config)
    } else {
        Err(Error::Invalid {
            origin: source.origin.clone(),
            diagnostics: checker.diagnostics,
        })
    }
}

fn config(c: &mut Checker, value: &Value) -> ConfigFile {
    let Value::Object(node) = value else {
        c.error(
            "",
            start(value),
            format!(
                "a configuration is an object in {{ }}, found {}",
                describe(value)
            ),
            "see config.example.json",
        );
        return ConfigFile::default();
    };
    let obj = c.open(node, String::new(), &CONFIG, &[]);
    c.text(&obj, "$schema");
    let mut config = ConfigFile::default();
    if let Some(voice) = c.object(&obj, "voice") {
        config.engine = c.choice(&voice, "engine");
        config.rate = c.count(&voice, "rate");
        config.pitch = c.count(&voice, "pitch");
        config.voice_volume = c.fraction(&voice, "volume");
        config.voice_name = c.optional_text(&voice, "name");
        config.program = c.optional_text(&voice, "program");
        config.arguments = c.arguments(&voice, "arguments");
        config.model = c.optional_text(&voice, "model");
        config.timeout = c.seconds(&voice, "timeout");
        // An engine without what it needs (Piper without a model) is not an error here: the
        // session says so and speaks with espeak-ng, so a half-done setup never costs a
        // morning session its voice.
    }
    if let Some(cache) = c.object(&obj, "speech_cache") {
        config.cache_folder = c.optional_text(&cache, "folder");
        config.cache_megabytes = c.count(&cache, "max_megabytes");
    }
    if let Some(sounds) = c.object(&obj, "sounds") {
        config.sound_volume = c.fraction(&sounds, "volume");
        for sound in Sound::ALL {
            if let Some(path) = c.optional_text(&sounds, sound.name()) {
                config.sound_files.push((sound, path));
            }
        }
    }
    if let Some(audio) = c.object(&obj, "audio") {
        config.device = c.optional_text(&audio, "device");
        config.lead_in = c.seconds(&audio, "lead_in");
        config.keep_alive = c.flag(&audio, "keep_alive");
    }
    if let Some(controls) = c.object(&obj, "controls") {
        config.resume = c.choice(&controls, "resume");
        config.on_event = c.optional_text(&controls, "on_event");
    }
    if let Some(history) = c.object(&obj, "history") {
        config.goal = c.count(&history, "goal");
        config.ask = c.choice(&history, "ask");
        config.answer_time = c.seconds(&history, "answer_time");
        config.history_file = c.optional_text(&history, "file");
    }
    config.captions = c.choice(&obj, "captions").and_then(|c| match c.as_str() {
        "on" => Some(true),
        "off" => Some(false),
        _ => None,
    });
    let mut phrases = Vec::new();
    let mut numbers = None;
    if let Some(p) = c.object(&obj, "phrases") {
        for prop in &p.node.properties {
            let name = prop_name(&prop.name);
            if name == "numbers" {
                numbers = c.text_list(&p, "numbers");
                continue;
            }
            let Some((_, vars, _)) = Phrases::TABLE.iter().find(|(n, _, _)| *n == name) else {
                continue;
            };
            let Some(text) = c.text(&p, name) else {
                continue;
            };
            let mut ok = true;
            for (offset, placeholder) in placeholders(&text) {
                if !vars.contains(&placeholder) {
                    let at = start(&prop.value) + 1 + offset;
                    let help = if vars.is_empty() {
                        format!("the {name} phrase takes no placeholders")
                    } else {
                        let list: Vec<String> = vars.iter().map(|v| format!("{{{v}}}")).collect();
                        format!("the {name} phrase can use {}", list.join(", "))
                    };
                    c.error(
                        &p.path(name),
                        at,
                        format!("{{{placeholder}}} has no value in this phrase"),
                        help,
                    );
                    ok = false;
                }
            }
            if ok {
                phrases.push((name.to_string(), text));
            }
        }
    }
    ConfigFile {
        routines: c.text(&obj, "routines"),
        rest: c.seconds(&obj, "rest"),
        set_rest: c.seconds(&obj, "set_rest"),
        countdown: c.count(&obj, "countdown"),
        halfway: c.flag(&obj, "halfway"),
        setup_time: c.seconds(&obj, "setup_time"),
        switch_time: c.seconds(&obj, "switch_time"),
        phrases,
        numbers,
        ..config
    }
}
