//! The system voice: speech-dispatcher on Linux, through the `tts` crate.
//!
//! Every call into speech-dispatcher waits for the daemon's reply, and a daemon that is stopped
//! (SIGSTOP, a swapped-out machine) or wedged never replies. So the `tts` handle lives on a thread
//! of its own and the session only ever sends it requests: the session's thread never blocks on
//! its voice, and keeps its chimes, its control socket and its signals whatever the daemon does.
//! The player's deadline on each utterance catches a daemon that stops answering, and
//! [`super::Voices`] moves on to the next voice. Starting the voice waits at most
//! [`ANSWER_WITHIN`] for the daemon.
//!
//! speech-dispatcher reports the end of each utterance on a thread of its own; the callback hands it
//! to the waiting future through a oneshot channel. When the daemon's audio path is broken, the end
//! never comes: the player's deadline catches that too.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use tokio::sync::oneshot;
use tts::{Tts, UtteranceId};

use super::{Heard, Voice};

/// How long speech-dispatcher may take to answer when the voice starts or lists its voices.
pub const ANSWER_WITHIN: Duration = Duration::from_secs(5);

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

type Done = oneshot::Sender<Result<(), String>>;

#[derive(Default)]
struct Waiting {
    senders: HashMap<u64, Done>,
    /// Ends reported before anyone waited for them.
    ended: HashSet<u64>,
}

/// What the session asks of the thread that talks to speech-dispatcher.
enum Ask {
    Say(String, Done),
    Stop,
    Volume(f32),
}

pub struct System {
    asks: mpsc::Sender<Ask>,
    /// Set when the session lets go of this voice: the thread then says nothing more.
    gone: Arc<AtomicBool>,
    /// How many lines it has been asked to say.
    spoken: u32,
}

impl Drop for System {
    fn drop(&mut self) {
        self.gone.store(true, Ordering::SeqCst);
        let _ = self.asks.send(Ask::Stop);
    }
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

/// Runs `work` on a thread of its own and waits for it at most `limit`; a call that does not come
/// back in time is left to finish (or hang) there.
fn within<T: Send + 'static>(
    limit: Duration,
    work: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("speech-dispatcher".into())
        .spawn(move || {
            let _ = tx.send(work());
        })
        .ok()?;
    rx.recv_timeout(limit).ok()
}

fn no_answer() -> String {
    format!(
        "speech-dispatcher did not answer within {} s",
        ANSWER_WITHIN.as_secs()
    )
}

/// Connects to speech-dispatcher and sets the voice up, on the calling thread (which may block).
fn connect(settings: &SystemSettings, waiting: &Arc<Mutex<Waiting>>) -> Result<Tts, String> {
    let mut tts = Tts::default().map_err(|e| e.to_string())?;
    if !tts.supported_features().utterance_callbacks {
        return Err("it cannot tell when speech ends".into());
    }
    for register in [Tts::on_utterance_end, Tts::on_utterance_stop] {
        let waiting = Arc::clone(waiting);
        register(
            &tts,
            Some(Box::new(move |u: UtteranceId| {
                let n = id(u);
                let mut w = waiting.lock().unwrap_or_else(|p| p.into_inner());
                match w.senders.remove(&n) {
                    Some(tx) => {
                        let _ = tx.send(Ok(()));
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
    Ok(tts)
}

/// The thread that owns the connection: it does what is asked, in order, for as long as the
/// session wants this voice.
fn serve(
    mut tts: Tts,
    waiting: Arc<Mutex<Waiting>>,
    asks: mpsc::Receiver<Ask>,
    gone: Arc<AtomicBool>,
) {
    while let Ok(ask) = asks.recv() {
        if gone.load(Ordering::SeqCst) {
            let _ = tts.stop();
            return;
        }
        match ask {
            Ask::Say(text, done) => {
                // Words the session stopped waiting for (it gave up on a hung daemon, or skipped)
                // would only be heard late, over whatever is said now.
                if done.is_closed() {
                    continue;
                }
                // Hold the lock across `speak`, so an end that arrives at once finds the sender.
                let mut w = waiting.lock().unwrap_or_else(|p| p.into_inner());
                match tts.speak(&text, false) {
                    Ok(Some(u)) => {
                        let n = id(u);
                        if w.ended.remove(&n) {
                            let _ = done.send(Ok(()));
                        } else {
                            w.senders.insert(n, done);
                        }
                    }
                    Ok(None) => {
                        let _ = done.send(Err("it gave no utterance to wait for".into()));
                    }
                    Err(e) => {
                        let _ = done.send(Err(e.to_string()));
                    }
                }
                drop(w);
                // A daemon that answered only after the session let go must not speak on.
                if gone.load(Ordering::SeqCst) {
                    let _ = tts.stop();
                    return;
                }
            }
            Ask::Stop => {
                let _ = tts.stop();
            }
            Ask::Volume(v) => {
                let _ = tts.set_volume(dispatcher_volume(v));
            }
        }
    }
}

impl System {
    pub fn new(settings: &SystemSettings) -> Result<System, String> {
        let (asks, rx) = mpsc::channel();
        let (ready_tx, ready) = mpsc::channel();
        let gone = Arc::new(AtomicBool::new(false));
        let settings = settings.clone();
        let thread_gone = Arc::clone(&gone);
        std::thread::Builder::new()
            .name("speech-dispatcher".into())
            .spawn(move || {
                let waiting = Arc::new(Mutex::new(Waiting::default()));
                match connect(&settings, &waiting) {
                    Ok(tts) => {
                        if ready_tx.send(Ok(())).is_ok() {
                            serve(tts, waiting, rx, thread_gone);
                        }
                    }
                    Err(why) => {
                        let _ = ready_tx.send(Err(why));
                    }
                }
            })
            .map_err(|e| format!("cannot start a thread for it: {e}"))?;
        match ready.recv_timeout(ANSWER_WITHIN) {
            Ok(Ok(())) => Ok(System {
                asks,
                gone,
                spoken: 0,
            }),
            Ok(Err(why)) => Err(why),
            Err(_) => {
                gone.store(true, Ordering::SeqCst);
                Err(no_answer())
            }
        }
    }
}

impl Voice for System {
    fn name(&self) -> &str {
        "the system voice"
    }

    fn patience(&self) -> Duration {
        // speech-dispatcher starts its speech module and its sound for the first line: on a
        // loaded machine that alone was seen to take more than the 4 s allowed a line. (Asked
        // for once a line has been asked for.)
        match self.spoken {
            0 | 1 => Duration::from_secs(15),
            _ => Duration::from_secs(4),
        }
    }

    fn say(&mut self, text: &str) -> Result<Heard, String> {
        self.spoken += 1;
        let (tx, rx) = oneshot::channel();
        self.asks
            .send(Ask::Say(text.to_string(), tx))
            .map_err(|_| "it stopped".to_string())?;
        Ok(Box::pin(async move {
            rx.await
                .unwrap_or_else(|_| Err("it stopped without finishing".to_string()))
                .map(|()| None)
        }))
    }

    fn stop(&mut self) {
        let _ = self.asks.send(Ask::Stop);
    }

    fn set_volume(&mut self, volume: f32) {
        let _ = self.asks.send(Ask::Volume(volume));
    }
}

/// speech-dispatcher's volume runs from -100 to 100.
fn dispatcher_volume(volume: f32) -> f32 {
    (volume.clamp(0.0, 1.0) * 200.0 - 100.0).clamp(-100.0, 100.0)
}

/// The system's voices: (name, language).
pub fn voices() -> Result<Vec<(String, String)>, String> {
    within(ANSWER_WITHIN, || {
        let tts = Tts::default().map_err(|e| e.to_string())?;
        let voices = tts.voices().map_err(|e| e.to_string())?;
        Ok(voices
            .into_iter()
            .map(|v| (v.name(), v.language().to_string()))
            .collect())
    })
    .unwrap_or_else(|| Err(no_answer()))
}
