//! Everything a file given to limber goes through before anything is heard, as one function of
//! bytes, for the fuzz target in `fuzz/` and for the property test that CI runs (`tests/fuzz.rs`):
//! a routine is read as text, parsed, validated and planned with the settings of a configuration
//! that is read, parsed and validated the same way, and every error is rendered as the user would
//! see it. Nothing here touches a file, a device or the network, so millions of inputs can go
//! through it.
//!
//! An input is a routine's bytes, optionally followed by the byte 0xFF and a configuration's
//! bytes. 0xFF never occurs in UTF-8 text, so the split never cuts a real file in two.

use std::sync::OnceLock;

use crate::config::Config;
use crate::plan::settings::Settings;
use crate::plan::timeline::{Timeline, plan_within};
use crate::routine::source::{MAX_BYTES, Source};
use crate::sound::clip::SoundSet;

/// Where a configuration starts in an input.
pub const SEPARATOR: u8 = 0xFF;

/// What one input came to, for the harnesses to check.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The configuration part was valid (or there was none).
    pub config_valid: bool,
    /// The routine was valid, and its plan.
    pub timeline: Option<Timeline>,
    /// The error the user would see, if any.
    pub error: Option<String>,
}

/// The built-in sounds, decoded once.
fn sounds() -> &'static SoundSet {
    static SOUNDS: OnceLock<SoundSet> = OnceLock::new();
    SOUNDS.get_or_init(SoundSet::built_in)
}

/// Reads, validates and plans one input as `limber plan` would, with no voice (speech lengths
/// estimated from the speaking rate), and renders the plan in both of its forms.
pub fn input(data: &[u8]) -> Outcome {
    let (routine, config) = match data.iter().position(|&b| b == SEPARATOR) {
        Some(at) => (&data[..at], Some(&data[at + 1..])),
        None => (data, None),
    };
    let mut outcome = Outcome {
        config_valid: true,
        ..Outcome::default()
    };
    let mut settings = Settings::default();
    if let Some(bytes) = config {
        let parsed = bounded(bytes)
            .and_then(|b| Source::from_bytes("config.json", b))
            .and_then(|s| crate::config::load_config(&s.as_config()));
        match parsed {
            Ok(file) => settings = Config::from_file(file, None).settings_for(sounds()),
            Err(e) => {
                outcome.config_valid = false;
                outcome.error = Some(e.report());
            }
        }
    }
    let source = bounded(routine).and_then(|b| Source::from_bytes("routine.json", b));
    let planned = source.and_then(|source| {
        let routine = crate::routine::validate::load(&source)?;
        // Bounded as every command bounds it: by the longest a session may be.
        let all = 0..routine.steps.len();
        plan_within(&routine, &settings, all, crate::plan::MAX_SESSION_MS)
            .map_err(|t| crate::plan::too_long(&source, &routine, &t, crate::plan::SETTINGS_HELP))
    });
    match planned {
        Ok(timeline) => {
            let text = timeline.to_string();
            let json = serde_json::to_string(&timeline.to_json()).expect("a plan serializes");
            assert!(!text.is_empty() && !json.is_empty());
            outcome.timeline = Some(timeline);
        }
        Err(e) => outcome.error = Some(e.report()),
    }
    outcome
}

/// An input larger than a file may be is refused as reading the file would refuse it.
fn bounded(bytes: &[u8]) -> Result<Vec<u8>, crate::Error> {
    if bytes.len() as u64 > MAX_BYTES {
        return Err(crate::Error::NotARoutine {
            origin: "input".into(),
            reason: "is larger than 1 MB".into(),
        });
    }
    Ok(bytes.to_vec())
}
