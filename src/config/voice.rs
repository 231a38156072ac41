//! The voice a command speaks with: the configuration's, with the command line's changes, and
//! what `auto` finds.

use std::path::PathBuf;

use super::{Config, Engine};
use crate::plan::settings::Settings;
use crate::voice::choose::{self, Auto};
use crate::voice::command::CommandEngine;
use crate::voice::speaker::Synth;

const PIPER: Engine = Engine::Preset("piper");
const ESPEAK: Engine = Engine::Preset("espeak-ng");

/// What the command line asks for, over the configuration; `None` where it says nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Asked {
    pub engine: Option<Engine>,
    pub name: Option<String>,
    pub rate: Option<u32>,
    pub pitch: Option<u32>,
    pub volume: Option<f32>,
}

/// "Piper is not installed" as the middle of a sentence.
fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) if text.starts_with("Piper") => format!("{c}{}", chars.as_str()),
        Some(c) => format!("{}{}", c.to_lowercase(), chars.as_str()),
        None => String::new(),
    }
}

/// The voice, as the configuration and the command line choose it.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    /// The engine to speak with; never `auto`, which is settled here.
    pub engine: Engine,
    /// What `auto` found, when it chose the engine: "piper, with the voice en_US-joe-medium".
    pub auto: Option<String>,
    pub rate: u32,
    pub pitch: u32,
    pub volume: f32,
    pub name: Option<String>,
    /// The program, its extra arguments and the Piper model: the configuration's, or what
    /// `auto` or a Piper voice's name found. They belong to `own`, the engine they were chosen
    /// for, not to another one that takes over.
    pub program: Option<PathBuf>,
    pub arguments: Vec<String>,
    pub model: Option<PathBuf>,
    own: Engine,
}

impl Choice {
    pub fn new(config: &Config, asked: Asked) -> Choice {
        let wanted = asked.engine.unwrap_or(config.voice.engine);
        // The configured voice, program, arguments and model belong to the configured engine,
        // not to another one chosen on the command line.
        let configured = wanted == config.voice.engine;
        let voice = &config.voice;
        let mut name = asked
            .name
            .or_else(|| voice.name.clone().filter(|_| configured));
        let mut program = voice.program.clone().filter(|_| configured);
        let mut model = voice.model.clone().filter(|_| configured);
        let arguments = if configured {
            voice.arguments.clone()
        } else {
            Vec::new()
        };
        let mut auto = None;
        let engine = match wanted {
            Engine::Auto => match Auto::find(program.as_deref(), model.as_deref(), name.as_deref())
            {
                Auto::Piper { program: p, voice } => {
                    auto = Some(format!("piper, with the voice {}", voice.name));
                    program = Some(p);
                    model = Some(voice.model);
                    // The name was the Piper voice's.
                    name = None;
                    PIPER
                }
                Auto::Espeak(why) => {
                    auto = Some(format!("espeak-ng, since {}", lower_first(&why)));
                    program = None;
                    model = None;
                    ESPEAK
                }
            },
            PIPER => {
                if program.is_none() {
                    program = crate::voice::piper::find();
                }
                // A voice by name is one of the installed ones; without a name or a model, the
                // one the setup installed.
                if let Some(n) = name.as_deref() {
                    if let Some(v) = crate::voice::piper::voices()
                        .into_iter()
                        .find(|v| v.name.eq_ignore_ascii_case(n))
                    {
                        model = Some(v.model);
                        name = None;
                    }
                } else if model.is_none() {
                    model = choose::preferred(crate::voice::piper::voices()).map(|v| v.model);
                }
                PIPER
            }
            other => other,
        };
        Choice {
            engine,
            auto,
            rate: asked
                .rate
                .unwrap_or(config.settings.words_per_minute.round() as u32),
            pitch: asked.pitch.unwrap_or(config.voice.pitch),
            volume: asked.volume.unwrap_or(config.voice.volume),
            name,
            program,
            arguments,
            model,
            own: engine,
        }
    }

    /// The same choice with another engine, which uses its own program and voice.
    pub fn with_engine(&self, engine: Engine) -> Choice {
        Choice {
            engine,
            name: self.name.clone().filter(|_| engine == self.engine),
            ..self.clone()
        }
    }

    /// How the engine is described to the person: "piper (auto: ...)".
    pub fn describe(&self) -> String {
        match &self.auto {
            Some(why) => format!("auto: {why}"),
            None => self.engine.name().to_string(),
        }
    }

    /// A voice name that the engine does not have is an error that lists those it has.
    pub fn check_name(&self) -> Result<(), String> {
        let Some(name) = self.name.as_deref() else {
            return Ok(());
        };
        let engine = self.engine.name();
        let Some(Ok(names)) = choose::names(engine) else {
            // An engine that cannot list its voices is reported when it is started.
            return Ok(());
        };
        if choose::known(engine, name, &names) {
            return Ok(());
        }
        let mut why = choose::unknown(engine, name, &names);
        if self.auto.is_some() {
            // `auto` looked for the name among Piper's voices first.
            if let Some(Ok(piper)) = choose::names("piper")
                && crate::voice::piper::find().is_some()
            {
                why = format!("{}, and {why}", choose::unknown("piper", name, &piper));
            }
        }
        Err(why)
    }

    /// The settings to plan with: the configuration's, at this voice's rate.
    pub fn settings(&self, settings: &Settings) -> Settings {
        Settings {
            words_per_minute: f64::from(self.rate),
            ..settings.clone()
        }
    }

    /// The program that makes this voice's sound files; `None` for the system voice and none.
    pub fn program(&self, config: &Config) -> Option<CommandEngine> {
        let own = self.engine == self.own;
        let extra: &[String] = if own { &self.arguments } else { &[] };
        let mut engine = match self.engine {
            Engine::Preset(name) => CommandEngine::preset(name, extra)?,
            Engine::Command => CommandEngine {
                name: self
                    .program
                    .as_deref()
                    .and_then(|p| p.file_name())
                    .map_or("the command voice".into(), |n| {
                        n.to_string_lossy().into_owned()
                    }),
                program: Default::default(),
                arguments: extra.to_vec(),
                ..CommandEngine::preset("espeak-ng", &[])?
            },
            Engine::Auto | Engine::System | Engine::None => return None,
        };
        if own {
            if let Some(program) = &self.program {
                engine.program = program.clone();
            }
            // Only Piper (or the user's own program) uses a model.
            engine.model = self.model.clone();
        }
        engine.rate = self.rate;
        engine.pitch = self.pitch;
        engine.voice = self.name.clone();
        engine.timeout = std::time::Duration::from_millis(config.voice.timeout);
        Some(engine)
    }

    /// The engine with its speech cache, for a voice that makes sound files.
    pub fn synth(
        &self,
        config: &Config,
        warn: &mut dyn FnMut(String),
    ) -> Option<Result<Synth, String>> {
        let engine = self.program(config)?;
        Some(Synth::new(
            engine,
            config.cache.as_deref(),
            config.cache_max_bytes,
            warn,
        ))
    }
}
