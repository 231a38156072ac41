//! The `espeak-ng` program as a voice: it writes each utterance to a WAV file, which is played
//! through the session's one audio output.
//!
//! The program, not a binding: it is the dependable interface, and a program that hangs or dies
//! can be killed without taking the session with it. The text goes in on standard input, so no
//! word of a routine is ever read as an option, and nothing runs through a shell.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::rc::Rc;
use std::time::{Duration, Instant};

use super::{Heard, Voice};
use crate::audio::Output;
use crate::sounds::Clip;

/// How long one utterance may take to synthesize before the engine is given up.
const SYNTHESIS_DEADLINE: Duration = Duration::from_secs(5);

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
    dir: tempfile::TempDir,
}

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
            dir,
        };
        voice.synthesize("ready")?;
        Ok(voice)
    }

    /// Speaks `text` into a clip.
    pub fn synthesize(&self, text: &str) -> Result<Clip, String> {
        let wav = self.dir.path().join("utterance.wav");
        let s = &self.settings;
        let mut command = Command::new(&s.program);
        command
            .arg("-w")
            .arg(&wav)
            .args(["-s", &s.rate.to_string(), "-p", &s.pitch.to_string()]);
        if let Some(v) = &s.voice {
            command.args(["-v", v]);
        }
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
        let bytes = std::fs::read(&wav)
            .map_err(|e| format!("{} wrote no speech: {e}", s.program.display()))?;
        Clip::from_wav(&bytes).map_err(|e| format!("{} wrote {e}", s.program.display()))
    }
}

impl Voice for Espeak {
    fn name(&self) -> &str {
        "espeak-ng"
    }

    fn say(&mut self, text: &str) -> Result<Heard, String> {
        let clip = self.synthesize(text)?;
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
