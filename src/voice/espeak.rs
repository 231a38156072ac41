//! The `espeak-ng` program as a voice: it writes each utterance to a WAV file, which is played
//! through the session's one audio output.
//!
//! The program, not a binding: it is the dependable interface, and a program that hangs or dies
//! can be killed without taking the session with it. The text goes in on standard input, so no
//! word of a routine is ever read as an option, and nothing runs through a shell.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use super::{Heard, Voice};
use crate::audio::Output;
use crate::sounds::Clip;

/// How long one utterance may take to synthesize before the engine is given up.
const SYNTHESIS_DEADLINE: Duration = Duration::from_secs(5);

/// How many lines the look-ahead may have ready: enough to stay ahead, little memory.
const LOOK_AHEAD: usize = 12;

#[derive(Debug, Clone, PartialEq)]
pub struct EspeakSettings {
    pub program: PathBuf,
    /// Words per minute.
    pub rate: u32,
    /// 0 to 99; 50 is the voice's own.
    pub pitch: u32,
    /// A voice name from `espeak-ng --voices`, such as "en-gb" or "de".
    pub voice: Option<String>,
    /// 0 to 1, applied when the speech is played.
    pub volume: f32,
}

impl Default for EspeakSettings {
    fn default() -> Self {
        EspeakSettings {
            program: "espeak-ng".into(),
            rate: 160,
            pitch: 50,
            voice: None,
            volume: 1.0,
        }
    }
}

pub struct Espeak {
    settings: EspeakSettings,
    output: Rc<dyn Output>,
    dir: Arc<tempfile::TempDir>,
    ahead: Arc<(Mutex<Ahead>, Condvar)>,
}

/// Lines synthesized ahead of the player, and how far it has got.
#[derive(Default)]
struct Ahead {
    /// Ready clips by text, with how many of the coming lines say that text.
    ready: HashMap<String, (Clip, usize)>,
    said: usize,
    stopped: bool,
}

/// Each synthesis writes its own file, so the look-ahead and the player never share one.
static NEXT_FILE: AtomicUsize = AtomicUsize::new(0);

impl Espeak {
    /// Checks that the program runs, so a missing program is found before the session starts.
    pub fn new(settings: EspeakSettings, output: Rc<dyn Output>) -> Result<Espeak, String> {
        let dir = tempfile::Builder::new()
            .prefix("limber-speech")
            .tempdir()
            .map_err(|e| format!("cannot make a folder for speech: {e}"))?;
        let voice = Espeak {
            settings,
            output,
            dir: Arc::new(dir),
            ahead: Arc::default(),
        };
        voice.synthesize("ready")?;
        Ok(voice)
    }

    /// Speaks `text` into a clip.
    pub fn synthesize(&self, text: &str) -> Result<Clip, String> {
        synthesize(&self.settings, self.dir.path(), text)
    }
}

impl Drop for Espeak {
    fn drop(&mut self) {
        let (lock, wake) = &*self.ahead;
        lock.lock().unwrap_or_else(|p| p.into_inner()).stopped = true;
        wake.notify_all();
    }
}

/// Speaks `text` into a clip with `s`, through a file of its own in `dir`.
fn synthesize(s: &EspeakSettings, dir: &Path, text: &str) -> Result<Clip, String> {
    let wav = dir.join(format!(
        "utterance-{}.wav",
        NEXT_FILE.fetch_add(1, Ordering::Relaxed)
    ));
    let mut command = Command::new(&s.program);
    command
        .arg("-w")
        .arg(&wav)
        .args(["-s", &s.rate.to_string(), "-p", &s.pitch.to_string()]);
    if let Some(v) = &s.voice {
        command.args(["-v", v]);
    }
    // Its own process group: Ctrl-C on the terminal is for limber, which stops the session
    // itself; espeak-ng must not die mid-line and be mistaken for a failing voice.
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command
        .arg("--stdin")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", s.program.display()))?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(text.as_bytes());
    }
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > SYNTHESIS_DEADLINE => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{} took longer than {} s",
                    s.program.display(),
                    SYNTHESIS_DEADLINE.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => return Err(e.to_string()),
        }
    };
    if !status.success() {
        let mut err = String::new();
        if let Some(mut stderr) = child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut stderr, &mut err);
        }
        return Err(format!(
            "{} failed ({status}): {}",
            s.program.display(),
            err.trim()
        ));
    }
    let bytes =
        std::fs::read(&wav).map_err(|e| format!("{} wrote no speech: {e}", s.program.display()))?;
    let _ = std::fs::remove_file(&wav);
    Clip::from_wav(&bytes).map_err(|e| format!("{} wrote {e}", s.program.display()))
}

impl Voice for Espeak {
    fn name(&self) -> &str {
        "espeak-ng"
    }

    fn prepare(&mut self, texts: &[String]) {
        let settings = self.settings.clone();
        let dir = Arc::clone(&self.dir);
        let ahead = Arc::clone(&self.ahead);
        let texts = texts.to_vec();
        // Synthesizing takes tens of milliseconds a line (more on a small board); done here, in
        // order and a few lines ahead of the player, a cue never waits for it.
        std::thread::spawn(move || {
            let (lock, wake) = &*ahead;
            for (i, text) in texts.iter().enumerate() {
                {
                    let mut state = lock.lock().unwrap_or_else(|p| p.into_inner());
                    while !state.stopped && i >= state.said + LOOK_AHEAD {
                        state = wake.wait(state).unwrap_or_else(|p| p.into_inner());
                    }
                    if state.stopped {
                        return;
                    }
                    if let Some((_, count)) = state.ready.get_mut(text) {
                        *count += 1;
                        continue;
                    }
                }
                let Ok(clip) = synthesize(&settings, dir.path(), text) else {
                    continue;
                };
                let mut state = lock.lock().unwrap_or_else(|p| p.into_inner());
                state.ready.entry(text.clone()).or_insert((clip, 0)).1 += 1;
            }
        });
    }

    fn say(&mut self, text: &str) -> Result<Heard, String> {
        let ready = {
            let (lock, wake) = &*self.ahead;
            let mut state = lock.lock().unwrap_or_else(|p| p.into_inner());
            state.said += 1;
            wake.notify_all();
            let clip = state.ready.get_mut(text).map(|(clip, count)| {
                *count -= 1;
                (clip.clone(), *count == 0)
            });
            if let Some((_, true)) = clip {
                state.ready.remove(text);
            }
            clip.map(|(clip, _)| clip)
        };
        // A line not ready yet (the first, or after a skip) is made on the spot.
        let clip = match ready {
            Some(clip) => clip,
            None => self.synthesize(text)?,
        };
        self.output.play(&clip, self.settings.volume);
        let length = Duration::from_millis(clip.duration_ms());
        Ok(Box::pin(async move {
            tokio::time::sleep(length).await;
            Ok(())
        }))
    }

    fn stop(&mut self) {
        // The speech is a clip on the shared output, which the session stops as a whole.
    }

    fn set_volume(&mut self, volume: f32) {
        self.settings.volume = volume;
    }
}

/// The voices `espeak-ng --voices` lists: (name, language).
pub fn voices(program: &std::path::Path) -> Result<Vec<(String, String)>, String> {
    let out = Command::new(program)
        .arg("--voices")
        .stderr(Stdio::null())
        .output()
        .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(text
        .lines()
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split_whitespace().collect();
            // Pty Language Age/Gender VoiceName File Other...
            (cols.len() >= 4).then(|| (cols[1].to_string(), cols[3].to_string()))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn espeak_present() -> bool {
        Command::new("espeak-ng").arg("--version").output().is_ok()
    }

    #[test]
    fn speaks_into_a_clip_whose_length_is_real() {
        if !espeak_present() {
            eprintln!("espeak-ng is not installed; scripts/setup installs it");
            return;
        }
        let voice = Espeak::new(EspeakSettings::default(), Rc::new(crate::audio::Silent)).unwrap();
        let clip = voice
            .synthesize("Pull your left knee toward your chest.")
            .unwrap();
        let ms = clip.duration_ms();
        assert!((1000..5000).contains(&ms), "{ms} ms");
        // Text that looks like an option is spoken, not obeyed.
        assert!(voice.synthesize("--help").unwrap().duration_ms() > 200);
    }

    #[test]
    fn a_missing_program_is_a_clear_error() {
        let settings = EspeakSettings {
            program: "/nonexistent/espeak-ng".into(),
            ..Default::default()
        };
        let e = Espeak::new(settings, Rc::new(crate::audio::Silent))
            .err()
            .unwrap();
        assert!(
            e.starts_with("cannot start /nonexistent/espeak-ng: "),
            "{e}"
        );
    }
}
