//! Voices: what turns a cue's words into speech.
//!
//! Every engine starts an utterance at once and hands back a future that finishes when the words
//! have been heard. The player puts its own deadline on that future, because a speech engine with
//! a broken audio path can hang forever; when one fails, [`Voices`] moves on to the next engine,
//! says so once, and the session carries on (in the end with captions alone).

pub mod cache;
pub mod choose;
pub mod command;
pub mod espeak;
pub mod lengths;
pub mod piper;
pub mod speaker;
pub mod system;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// Finishes when an utterance has been heard (or, for a voice that plays clips, a look-ahead
/// before), with the moment it ends on the session's clock if the voice knows it, or with the
/// reason it failed.
pub type Heard = Pin<Box<dyn Future<Output = Result<Option<tokio::time::Instant>, String>>>>;

/// A speech engine.
pub trait Voice {
    /// How the engine is called in messages: "the system voice", "espeak-ng".
    fn name(&self) -> &str;
    /// The lines the session will speak, in order, so an engine can get them ready ahead.
    fn prepare(&mut self, _texts: &[String]) {}
    /// Starts speaking `text` now.
    fn say(&mut self, text: &str) -> Result<Heard, String>;
    /// Whether the voice plays its lines as clips on the session's output, so a line can be
    /// placed at a moment ahead ([`Voice::say_at`]) rather than started when its moment comes.
    fn scheduled(&self) -> bool {
        false
    }
    /// Speaks `text` from the moment `at` of the session's clock; a voice that is not
    /// [`Voice::scheduled`] starts now.
    fn say_at(&mut self, text: &str, _at: tokio::time::Instant) -> Result<Heard, String> {
        self.say(text)
    }
    /// Whether `text` can start sounding at once. Words pinned to a hold's clock are left out
    /// rather than said late.
    fn ready(&self, _text: &str) -> bool {
        true
    }
    /// How long past its expected length an utterance may take before the engine counts as hung:
    /// an engine that makes speech on demand needs its time to make a line.
    fn patience(&self) -> Duration {
        Duration::from_secs(4)
    }
    /// Stops speaking at once.
    fn stop(&mut self);
    /// Sets the loudness of what it says from now on, 0 to 1.
    fn set_volume(&mut self, _volume: f32) {}
}

/// The engines to use, best first. When the current one fails, the next one takes over.
pub struct Voices {
    engines: Vec<Box<dyn Voice>>,
    /// The session's lines, for an engine that takes over to prepare.
    texts: Vec<String>,
}

impl Voices {
    pub fn new(engines: Vec<Box<dyn Voice>>) -> Voices {
        Voices {
            engines,
            texts: Vec::new(),
        }
    }

    /// Tells the current engine what the session will say.
    pub fn prepare(&mut self, texts: Vec<String>) {
        if let Some(v) = self.engines.first_mut() {
            v.prepare(&texts);
        }
        self.texts = texts;
    }

    /// No voice at all: chimes and captions.
    pub fn none() -> Voices {
        Voices::new(Vec::new())
    }

    pub fn current(&mut self) -> Option<&mut (dyn Voice + 'static)> {
        self.engines.first_mut().map(|v| &mut **v)
    }

    pub fn name(&self) -> Option<&str> {
        self.engines.first().map(|v| v.name())
    }

    /// Gives up on the current engine; returns the notice to show, naming what comes next.
    pub fn fail(&mut self, why: &str) -> String {
        if self.engines.is_empty() {
            return why.to_string();
        }
        let mut failed = self.engines.remove(0);
        failed.stop();
        if let Some(v) = self.engines.first_mut() {
            v.prepare(&self.texts);
        }
        let next = self.engines.first().map_or_else(
            || "captions and chimes only".to_string(),
            |v| v.name().to_string(),
        );
        format!("{}: {why}; carrying on with {next}", failed.name())
    }

    pub fn stop(&mut self) {
        if let Some(v) = self.engines.first_mut() {
            v.stop();
        }
    }

    /// Sets every engine's volume, so one that takes over speaks as loud.
    pub fn set_volume(&mut self, volume: f32) {
        for v in &mut self.engines {
            v.set_volume(volume.clamp(0.0, 1.0));
        }
    }
}
