//! The voice a command speaks with, and plans made with its real speech lengths.
//!
//! A voice that makes sound files (espeak-ng, Piper, pico2wave, the user's own program) keeps each
//! line in the speech cache. Once a line is there its length is known to the millisecond, so the
//! plan, the live session and the rendered file all put every cue at the same moment.

use crate::cli::VoiceArgs;
use crate::config::{Config, Engine};
use crate::routine::{Ms, Routine};
use crate::settings::Settings;
use crate::timeline::{self, Timeline, What};
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
    pub fn new(config: &Config, args: &VoiceArgs) -> Choice {
        let engine = args
            .voice
            .as_deref()
            .and_then(Engine::parse)
            .unwrap_or(config.voice.engine);
        // A voice named in the configuration is one of the configured engine's voices.
        let configured_name = config
            .voice
            .name
            .clone()
            .filter(|_| engine == config.voice.engine);
        Choice {
            engine,
            rate: args
                .voice_rate
                .unwrap_or(config.settings.words_per_minute.round() as u32),
            pitch: args.voice_pitch.unwrap_or(config.voice.pitch),
            volume: args.voice_volume.unwrap_or(config.voice.volume),
            name: args.voice_name.clone().or(configured_name),
        }
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

/// Hears of each line as it is made: its number, how many there are, and the line.
pub type Progress<'a> = dyn FnMut(usize, usize, &str) + 'a;

/// The different lines a timeline speaks, in the order it first speaks them.
pub fn lines(timeline: &Timeline) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    timeline
        .cues
        .iter()
        .filter_map(|c| match &c.what {
            What::Text(t) if seen.insert(t.as_str()) => Some(t.clone()),
            _ => None,
        })
        .collect()
}

/// Plans `range` of a routine with the real length of every line the cache holds. With `make`,
/// lines not yet in the cache are made first (`progress` hears of each); otherwise their length
/// is estimated.
///
/// The plan is made again until it is stable, because the closing words say how long the session
/// took, and a new length can change them.
pub fn plan(
    routine: &Routine,
    settings: &Settings,
    range: std::ops::Range<usize>,
    synth: Option<&Synth>,
    make: Option<&mut Progress<'_>>,
) -> Result<Timeline, String> {
    let mut settings = settings.clone();
    let Some(synth) = synth else {
        return Ok(timeline::plan_steps(routine, &settings, range));
    };
    let mut make = make;
    for _ in 0..4 {
        let timeline = timeline::plan_steps(routine, &settings, range.clone());
        let lines = lines(&timeline);
        let todo: Vec<&String> = lines
            .iter()
            .filter(|t| !settings.spoken.contains_key(*t))
            .collect();
        let mut learnt = false;
        for (i, text) in todo.iter().enumerate() {
            let length: Option<Ms> = match make.as_mut() {
                Some(progress) => {
                    progress(i, todo.len(), text);
                    Some(synth.clip(text)?.duration_ms())
                }
                None => synth.length(text),
            };
            if let Some(ms) = length {
                settings.spoken.insert(text.to_string(), ms);
                learnt = true;
            }
        }
        if !learnt {
            return Ok(timeline);
        }
    }
    Ok(timeline::plan_steps(routine, &settings, range))
}
