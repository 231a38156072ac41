//! The voice a command speaks with: the configuration's, with the command line's changes.

use super::{Config, Engine};
use crate::plan::settings::Settings;
use crate::voice::command::CommandEngine;
use crate::voice::speaker::Synth;

/// The voice, as the configuration and the command line choose it.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub engine: Engine,
    pub rate: u32,
    pub pitch: u32,
    pub volume: f32,
    pub name: Option<String>,
}

impl Choice {
    /// The settings to plan with: the configuration's, at this voice's rate.
    pub fn settings(&self, settings: &Settings) -> Settings {
        Settings {
            words_per_minute: f64::from(self.rate),
            ..settings.clone()
        }
    }

    /// The program that makes this voice's sound files; `None` for the system voice and none.
    pub fn program(&self, config: &Config) -> Option<CommandEngine> {
        let voice = &config.voice;
        // The configured program, arguments and model belong to the configured engine, not to
        // another one chosen on the command line.
        let configured = self.engine == voice.engine;
        let extra: &[String] = if configured { &voice.arguments } else { &[] };
        let mut engine = match self.engine {
            Engine::Preset(name) => CommandEngine::preset(name, extra)?,
            Engine::Command => CommandEngine {
                name: voice
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
            Engine::System | Engine::None => return None,
        };
        if configured && let Some(program) = &voice.program {
            engine.program = program.clone();
        }
        // Only Piper (or the user's own program) uses a model; it is set wherever it is given.
        engine.model = voice.model.clone();
        engine.rate = self.rate;
        engine.pitch = self.pitch;
        engine.voice = self.name.clone();
        engine.timeout = std::time::Duration::from_millis(voice.timeout);
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
