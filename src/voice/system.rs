//! The system voice: speech-dispatcher on Linux, through the `tts` crate.
//!
//! speech-dispatcher reports the end of each utterance on a thread of its own; the callback hands it
//! to the waiting future through a oneshot channel. When the daemon's audio path is broken, the end
//! never comes: the player's deadline catches that, and [`super::Voices`] moves on.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;
use tts::{Tts, UtteranceId};

use super::{Heard, Voice};

#[derive(Debug, Clone, PartialEq)]
pub struct SystemSettings {
    /// Words per minute; mapped onto speech-dispatcher's -100..100 scale.
    pub rate: u32,
    /// 0 to 99; 50 is the voice's own.
    pub pitch: u32,
    /// 0 to 1.
    pub volume: f32,
    /// A voice name from `limber voices`.
    pub voice: Option<String>,
}

#[derive(Default)]
struct Waiting {
    senders: HashMap<u64, oneshot::Sender<()>>,
    /// Ends reported before anyone waited for them.
    ended: HashSet<u64>,
}

pub struct System {
    tts: Tts,
    waiting: Arc<Mutex<Waiting>>,
}

fn id(u: UtteranceId) -> u64 {
    #[allow(unreachable_patterns)]
    match u {
        UtteranceId::SpeechDispatcher(n) => n,
        _ => 0,
    }
}

/// speech-dispatcher's rate 0 is about 175 words a minute, and each step is roughly 2.75 more.
fn dispatcher_rate(words_per_minute: u32) -> f32 {
    ((words_per_minute as f32 - 175.0) / 2.75).clamp(-100.0, 100.0)
}

impl System {
    pub fn new(settings: &SystemSettings) -> Result<System, String> {
        let mut tts = Tts::default().map_err(|e| e.to_string())?;
        if !tts.supported_features().utterance_callbacks {
            return Err("it cannot tell when speech ends".into());
        }
        let waiting = Arc::new(Mutex::new(Waiting::default()));
        for register in [Tts::on_utterance_end, Tts::on_utterance_stop] {
            let waiting = Arc::clone(&waiting);
            register(
                &tts,
                Some(Box::new(move |u: UtteranceId| {
                    let n = id(u);
                    let mut w = waiting.lock().unwrap_or_else(|p| p.into_inner());
                    match w.senders.remove(&n) {
                        Some(tx) => {
                            let _ = tx.send(());
                        }
                        None => {
                            w.ended.insert(n);
                        }
                    }
                })),
            )
            .map_err(|e| e.to_string())?;
        }
        let _ = tts.set_rate(dispatcher_rate(settings.rate));
        let _ = tts.set_pitch(((settings.pitch as f32 - 50.0) * 2.0).clamp(-100.0, 100.0));
        let _ = tts.set_volume(dispatcher_volume(settings.volume));
        if let Some(name) = &settings.voice {
            let voices = tts.voices().map_err(|e| e.to_string())?;
            let Some(v) = voices.iter().find(|v| v.name().eq_ignore_ascii_case(name)) else {
                return Err(format!(
                    "it has no voice named \"{name}\"; `limber voices` lists them"
                ));
            };
            tts.set_voice(v).map_err(|e| e.to_string())?;
        }
        Ok(System { tts, waiting })
    }
}

impl Voice for System {
    fn name(&self) -> &str {
        "the system voice"
    }

    fn say(&mut self, text: &str) -> Result<Heard, String> {
        let (tx, rx) = oneshot::channel();
        // Hold the lock across `speak`, so an end that arrives at once finds the sender.
        let waiting = Arc::clone(&self.waiting);
        let mut w = waiting.lock().unwrap_or_else(|p| p.into_inner());
        let Some(u) = self.tts.speak(text, false).map_err(|e| e.to_string())? else {
            return Err("it gave no utterance to wait for".into());
        };
        let n = id(u);
        if w.ended.remove(&n) {
            let _ = tx.send(());
        } else {
            w.senders.insert(n, tx);
        }
        drop(w);
        Ok(Box::pin(async move {
            rx.await
                .map(|()| None)
                .map_err(|_| "it stopped without finishing".to_string())
        }))
    }

    fn stop(&mut self) {
        let _ = self.tts.stop();
    }

    fn set_volume(&mut self, volume: f32) {
        let _ = self.tts.set_volume(dispatcher_volume(volume));
    }
}

/// speech-dispatcher's volume runs from -100 to 100.
fn dispatcher_volume(volume: f32) -> f32 {
    (volume.clamp(0.0, 1.0) * 200.0 - 100.0).clamp(-100.0, 100.0)
}

/// The system's voices: (name, language).
pub fn voices() -> Result<Vec<(String, String)>, String> {
    let tts = Tts::default().map_err(|e| e.to_string())?;
    let voices = tts.voices().map_err(|e| e.to_string())?;
    Ok(voices
        .into_iter()
        .map(|v| (v.name(), v.language().to_string()))
        .collect())
}
