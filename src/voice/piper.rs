//! Piper, kept loaded: one `piper` process per session, `prepare` or `render`, fed one line at a
//! time.
//!
//! Loading a Piper voice takes seconds (1.5 to 4.4 s on a Raspberry Pi), far longer than most
//! lines take to make, so the program is started once, on the first line, and kept running:
//! `piper --model MODEL --output-dir DIR` reads one line of text per line of standard input and
//! writes each as its own WAV file in DIR. A file is whole only once piper has closed it, and
//! piper says so after closing it, naming the file: "Wrote DIR/123.wav" on standard error (the
//! `piper-tts` package) or the bare path on standard output (the older C++ program). That
//! message, not the file's appearance, is what marks a line as made; a file is never read before.
//!
//! Piper runs at a lower priority (nice 10) than limber, so that making lines ahead, which keeps
//! every core busy for a moment, never delays a chime or a word that is playing.
//!
//! The rules are the command engine's ([`super::command`]): the program runs directly in its own
//! process group; each line has the time limit `timeout` (a hung piper is killed with everything
//! it started); a piper killed by a signal it did not ask for is started again for one more try
//! at the line; any other failure (exit status and piper's own last words) fails the line, and
//! the session's voices move on to the next engine.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::command::{self, CommandEngine};
use crate::sound::clip::Clip;

/// The speaking rate at which a voice speaks at its own pace: limber's default rate.
const NATURAL_RATE: f64 = 160.0;

/// How far below limber piper runs (`nice`): 10, as for background work.
const NICENESS: i32 = 10;

/// How much of piper's standard error is kept, for messages: the end says what went wrong.
const KEPT_ERRORS: usize = 40;

/// Piper as an engine: the program, its model, the pace, and the process once started.
pub struct Piper {
    engine: CommandEngine,
    length_scale: f64,
    running: Mutex<Option<Process>>,
    /// Why a line failed, once one has: every later line fails the same way at once, rather
    /// than start (or wait for) another piper that would fail as well.
    failed: Mutex<Option<String>>,
    /// How many piper processes this engine has started, for `-v` and the tests.
    started: std::sync::atomic::AtomicUsize,
}

/// What a reader of piper's output heard.
enum Heard {
    /// A line's WAV file is whole.
    Wrote(PathBuf),
    /// One of piper's output streams closed: it has exited, or is about to.
    Closed,
}

/// A running piper.
struct Process {
    child: Child,
    stdin: ChildStdin,
    /// Where piper writes its files; removed with the process.
    _dir: tempfile::TempDir,
    heard: Receiver<Heard>,
    /// The last lines piper wrote on standard error.
    errors: Arc<Mutex<std::collections::VecDeque<String>>>,
    /// Streams still open (standard output and error).
    open: usize,
    /// Whether it has been waited for: its process group is then no longer ours to kill.
    reaped: bool,
}

impl Process {
    /// Kills piper and all it started.
    fn kill(&mut self) {
        if !self.reaped {
            command::kill_group(self.child.id());
            let _ = self.child.kill();
            let _ = self.child.wait();
            command::untrack(self.child.id());
            self.reaped = true;
        }
    }

    fn said(&self) -> String {
        let errors = self.errors.lock().unwrap_or_else(|p| p.into_inner());
        // A Python traceback ends with the error itself; the lines before it say where.
        let text = errors
            .iter()
            .rev()
            .find(|l| !l.starts_with(' ') && !l.trim().is_empty())
            .cloned()
            .unwrap_or_default();
        let text = text.trim();
        if text.is_empty() {
            String::new()
        } else if text.chars().count() > 400 {
            let skip = text.chars().count() - 400;
            format!(": ...{}", text.chars().skip(skip).collect::<String>())
        } else {
            format!(": {text}")
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        // The session, prepare or render is over: piper and all it started go.
        self.kill();
    }
}

/// How one try at a line went wrong; `true` when it is worth another (piper was killed by a
/// signal that limber did not send).
type Failure = (String, bool);

impl Piper {
    /// Piper as `engine` describes it (its program, model, rate, extra arguments and timeout).
    pub fn new(mut engine: CommandEngine) -> Piper {
        // Only the arguments given after the preset's own are piper's to add: limber chooses
        // the model, the output and the pace itself.
        let preset = CommandEngine::preset("piper", &[]).map(|p| p.arguments);
        if let Some(preset) = preset
            && engine.arguments.starts_with(&preset)
        {
            engine.arguments.drain(..preset.len());
        }
        let length_scale = length_scale(engine.rate, engine.model.as_deref());
        Piper {
            engine,
            length_scale,
            running: Mutex::new(None),
            failed: Mutex::new(None),
            started: Default::default(),
        }
    }

    pub fn engine(&self) -> &CommandEngine {
        &self.engine
    }

    /// How many piper processes have been started.
    pub fn processes_started(&self) -> usize {
        self.started.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Everything that shapes the sound but the text, for the cache: the program, the model (its
    /// size and date, and its settings file's), the pace and the extra arguments. Pitch and
    /// volume are not in it: Piper has no pitch, and loudness is set as a line plays.
    pub fn identity(&self) -> String {
        let mut id = format!(
            "piper (one process)\n{}\nlength-scale {:.3}",
            self.engine.program.display(),
            self.length_scale
        );
        for arg in &self.engine.arguments {
            id.push('\n');
            id.push_str(arg);
        }
        if let Some(model) = &self.engine.model {
            id.push_str(&format!("\nmodel {}", model.display()));
            let json = config_path(model);
            for file in [model.as_path(), json.as_path()] {
                if let Ok(meta) = std::fs::metadata(file) {
                    let modified = meta
                        .modified()
                        .ok()
                        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                        .map_or(0, |d| d.as_secs());
                    id.push_str(&format!("\n{} {modified}", meta.len()));
                }
            }
        }
        id
    }

    /// The arguments piper is started with.
    fn arguments(&self, dir: &Path) -> Vec<String> {
        let model = self
            .engine
            .model
            .as_deref()
            .map(|m| m.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut args = vec![
            "--model".to_string(),
            model,
            "--output_dir".to_string(),
            dir.to_string_lossy().into_owned(),
            "--length_scale".to_string(),
            format!("{:.3}", self.length_scale),
        ];
        args.extend(self.engine.arguments.iter().cloned());
        args
    }

    fn start(&self) -> Result<Process, String> {
        let program = self.engine.program.display();
        if command::stopping() {
            return Err("limber is stopping".into());
        }
        let dir = tempfile::Builder::new()
            .prefix("limber-piper")
            .tempdir()
            .map_err(|e| format!("cannot make a folder for {program}: {e}"))?;
        let mut cmd = Command::new(&self.engine.program);
        cmd.args(self.arguments(dir.path()))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // Its own process group: Ctrl-C on the terminal is limber's to handle, and a hung piper
        // is killed with whatever it started.
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot start {program}: {e}"))?;
        command::track(child.id());
        // Below limber and the sound server: making lines ahead must never starve the audio of
        // a session that is playing. Set before piper has loaded anything, so every thread it
        // starts (onnxruntime's, one per core) is as nice.
        if let Some(pid) = i32::try_from(child.id())
            .ok()
            .and_then(rustix::process::Pid::from_raw)
        {
            let _ = rustix::process::setpriority_process(Some(pid), NICENESS);
        }
        self.started
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let (tx, heard) = std::sync::mpsc::channel();
        let errors = Arc::new(Mutex::new(std::collections::VecDeque::new()));
        let dir_text = dir.path().to_string_lossy().into_owned();
        if let Some(out) = child.stdout.take() {
            listen(out, dir_text.clone(), tx.clone(), None);
        }
        if let Some(err) = child.stderr.take() {
            listen(err, dir_text, tx, Some(Arc::clone(&errors)));
        }
        let stdin = child.stdin.take().expect("piped");
        Ok(Process {
            child,
            stdin,
            _dir: dir,
            heard,
            errors,
            open: 2,
            reaped: false,
        })
    }

    /// Speaks `text` into the file `out` (which exists, empty), and reads it back as a clip.
    pub fn synthesize(&self, text: &str, out: &mut std::fs::File) -> Result<Clip, String> {
        // Piper reads a line per line: the words go on one. A line with no words makes no sound
        // file at all (piper 1.8 even stops with an error), so it is not sent: it is a moment of
        // silence.
        let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let bytes = if !line.chars().any(char::is_alphanumeric) {
            silence()
        } else {
            let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
            let mut failed = self.failed.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(why) = failed.as_ref() {
                return Err(why.clone());
            }
            let made = match self.once(&mut running, &line) {
                Err((_, true)) if !command::stopping() => self.once(&mut running, &line),
                other => other,
            };
            match made {
                Ok(bytes) => bytes,
                Err((why, _)) => {
                    if !command::stopping() {
                        *failed = Some(why.clone());
                    }
                    return Err(why);
                }
            }
        };
        let program = self.engine.program.display();
        let clip = Clip::from_wav(&bytes).map_err(|e| format!("{program} wrote {e}"))?;
        if clip.duration_ms() > 120_000 {
            return Err(format!(
                "{program} wrote {} s of sound for one line",
                clip.duration_ms() / 1000
            ));
        }
        out.write_all(&bytes)
            .map_err(|e| format!("cannot keep what {program} said: {e}"))?;
        Ok(clip)
    }

    /// One try at a line, starting piper if it is not running. Piper is left running after a
    /// line it made, and gone after any failure.
    fn once(&self, running: &mut Option<Process>, line: &str) -> Result<Vec<u8>, Failure> {
        let program = self.engine.program.display().to_string();
        if running.is_none() {
            *running = Some(self.start().map_err(|e| (e, false))?);
        }
        let process = running.as_mut().expect("started");
        let result = self.ask(process, line, &program);
        if result.is_err() {
            // Whatever went wrong, this process is done with.
            if let Some(mut p) = running.take() {
                p.kill();
            }
        }
        result
    }

    fn ask(&self, p: &mut Process, line: &str, program: &str) -> Result<Vec<u8>, Failure> {
        // A piper that has died cannot take the line: its exit is found below.
        let _ = p
            .stdin
            .write_all(format!("{line}\n").as_bytes())
            .and_then(|_| p.stdin.flush());
        let started = Instant::now();
        loop {
            if command::stopping() {
                return Err(("limber is stopping".into(), false));
            }
            if started.elapsed() > self.engine.timeout {
                return Err((
                    format!(
                        "{program} took longer than {} s over one line",
                        self.engine.timeout.as_secs_f64()
                    ),
                    false,
                ));
            }
            match p.heard.recv_timeout(Duration::from_millis(20)) {
                Ok(Heard::Wrote(path)) => {
                    let mut bytes = Vec::new();
                    let read =
                        std::fs::File::open(&path).and_then(|mut f| f.read_to_end(&mut bytes));
                    let _ = std::fs::remove_file(&path);
                    read.map_err(|e| (format!("{program} wrote no speech ({e})"), false))?;
                    if bytes.is_empty() {
                        return Err((format!("{program} wrote no speech"), false));
                    }
                    return Ok(bytes);
                }
                Ok(Heard::Closed) => p.open = p.open.saturating_sub(1),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => p.open = 0,
            }
            if p.open == 0 || matches!(p.child.try_wait(), Ok(Some(_))) {
                // Its last words are read before they are quoted.
                let deadline = Instant::now() + Duration::from_millis(500);
                while p.open > 0 && Instant::now() < deadline {
                    match p.heard.recv_timeout(Duration::from_millis(20)) {
                        Ok(Heard::Closed) => p.open -= 1,
                        Err(RecvTimeoutError::Disconnected) => p.open = 0,
                        _ => {}
                    }
                }
                // Whatever it left running in its group goes too.
                command::kill_group(p.child.id());
                let status = p
                    .child
                    .wait()
                    .map_err(|e| (format!("{program}: {e}"), false))?;
                command::untrack(p.child.id());
                p.reaped = true;
                let signalled = std::os::unix::process::ExitStatusExt::signal(&status).is_some();
                let what = if status.success() {
                    "stopped before it had said the line".to_string()
                } else {
                    format!("failed ({status})")
                };
                return Err((format!("{program} {what}{}", p.said()), signalled));
            }
        }
    }
}

/// Reads one of piper's output streams, line by line: a line naming a file in `dir` says the
/// file is whole; standard error's other lines are kept for messages.
fn listen(
    stream: impl Read + Send + 'static,
    dir: String,
    tx: Sender<Heard>,
    errors: Option<Arc<Mutex<std::collections::VecDeque<String>>>>,
) {
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stream);
        let mut line = Vec::new();
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            let text = String::from_utf8_lossy(&line);
            let text = text.trim_end();
            if let Some(at) = text.find(&dir)
                && text.ends_with(".wav")
            {
                if tx.send(Heard::Wrote(PathBuf::from(&text[at..]))).is_err() {
                    break;
                }
                continue;
            }
            if let Some(errors) = &errors {
                let mut errors = errors.lock().unwrap_or_else(|p| p.into_inner());
                if errors.len() == KEPT_ERRORS {
                    errors.pop_front();
                }
                errors.push_back(text.to_string());
            }
        }
        let _ = tx.send(Heard::Closed);
    });
}

/// The `.onnx.json` that goes with a model.
pub fn config_path(model: &Path) -> PathBuf {
    let mut name = model.as_os_str().to_owned();
    name.push(".json");
    PathBuf::from(name)
}

/// Piper's pace for a speaking rate: the voice's own length scale (from its `.onnx.json`, 1
/// without one) at limber's default rate, shorter for faster speech. Piper changes the length of
/// every sound, so the rate is words per minute only as nearly as the voice's own pace is 160.
pub fn length_scale(rate: u32, model: Option<&Path>) -> f64 {
    let own = model
        .and_then(|m| std::fs::read_to_string(config_path(m)).ok())
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v["inference"]["length_scale"].as_f64())
        .filter(|s| *s > 0.0)
        .unwrap_or(1.0);
    (own * NATURAL_RATE / f64::from(rate.max(1))).clamp(0.25, 4.0)
}

/// A fifth of a second of silence, as WAV: what a line without words sounds like.
fn silence() -> Vec<u8> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 22_050,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut out = std::io::Cursor::new(Vec::new());
    let mut w = hound::WavWriter::new(&mut out, spec).expect("a WAV in memory");
    for _ in 0..22_050 / 5 {
        w.write_sample(0i16).expect("a WAV in memory");
    }
    w.finalize().expect("a WAV in memory");
    out.into_inner()
}

/// limber's own data folder: `~/.local/share/limber` (`$XDG_DATA_HOME/limber`), where
/// `scripts/setup` puts Piper (`piper/`) and its voices (`voices/`).
pub fn data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "limber").map(|d| d.data_dir().to_path_buf())
}

/// The folder of Piper voices limber finds by itself.
pub fn voices_dir() -> Option<PathBuf> {
    data_dir().map(|d| d.join("voices"))
}

/// The piper program: the one `scripts/setup` installed, else the first on the PATH.
pub fn find() -> Option<PathBuf> {
    data_dir()
        .map(|d| d.join("piper/bin/piper"))
        .and_then(|p| command::find_program(&p))
        .or_else(|| command::find_program(Path::new("piper")))
}

/// A Piper voice on disk: a model with its `.onnx.json` beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct VoiceFile {
    /// The file's name without `.onnx`, as Piper's voice collection names it:
    /// "en_US-joe-medium".
    pub name: String,
    pub model: PathBuf,
    /// The language, from the `.onnx.json`: "en_US".
    pub language: String,
    /// "x_low", "low", "medium" or "high".
    pub quality: String,
}

impl VoiceFile {
    /// The voice at `model`, if it is a model with its settings beside it.
    pub fn at(model: &Path) -> Option<VoiceFile> {
        let name = model
            .file_name()?
            .to_str()?
            .strip_suffix(".onnx")?
            .to_string();
        if !model.is_file() {
            return None;
        }
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(config_path(model)).ok()?).ok()?;
        let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
        Some(VoiceFile {
            name,
            model: model.to_path_buf(),
            language: text(&json["language"]["code"]),
            quality: text(&json["audio"]["quality"]),
        })
    }
}

/// The voices in a folder (`*.onnx` with their `.onnx.json`), by name.
pub fn voices_in(dir: &Path) -> Vec<VoiceFile> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut voices: Vec<VoiceFile> = entries
        .flatten()
        .filter_map(|e| VoiceFile::at(&e.path()))
        .collect();
    voices.sort_by(|a, b| a.name.cmp(&b.name));
    voices
}

/// The voices limber finds by itself, in [`voices_dir`].
pub fn voices() -> Vec<VoiceFile> {
    voices_dir().map(|d| voices_in(&d)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Piper and joe voice that `scripts/setup` installs; `None` (and a message) when they
    /// are not there, except in CI, where they must be.
    pub(crate) fn installed() -> Option<(PathBuf, PathBuf)> {
        let program = data_dir().map(|d| d.join("piper/bin/piper"));
        let model = voices_dir().map(|d| d.join("en_US-joe-medium.onnx"));
        match (program, model) {
            (Some(p), Some(m)) if p.is_file() && m.is_file() => Some((p, m)),
            _ => {
                assert!(
                    std::env::var_os("LIMBER_REQUIRE_PIPER").is_none(),
                    "Piper is not installed: run scripts/setup"
                );
                eprintln!("Piper is not installed; scripts/setup installs it");
                None
            }
        }
    }

    fn engine(program: &Path, model: &Path) -> CommandEngine {
        CommandEngine {
            program: program.to_path_buf(),
            model: Some(model.to_path_buf()),
            timeout: Duration::from_secs(60),
            ..CommandEngine::preset("piper", &[]).unwrap()
        }
    }

    fn say(piper: &Piper, text: &str) -> Result<Clip, String> {
        let mut out = tempfile::tempfile().unwrap();
        piper.synthesize(text, &mut out)
    }

    #[test]
    fn one_piper_makes_every_line() {
        let Some((program, model)) = installed() else {
            return;
        };
        let piper = Piper::new(engine(&program, &model));
        let long = say(
            &piper,
            "Lie on your back with your knees bent and your feet flat.",
        )
        .unwrap();
        let short = say(&piper, "Breathe in.").unwrap();
        // Words on several lines are one line to Piper; a line of no words is a short silence.
        let two = say(&piper, "Slowly\nlower your hips.").unwrap();
        let none = say(&piper, " ... ").unwrap();
        let after = say(&piper, "-rf and $(reboot)").unwrap();
        assert!(
            long.duration_ms() > 2 * short.duration_ms(),
            "{long:?} {short:?}"
        );
        assert!(
            (300..3000).contains(&short.duration_ms()),
            "{}",
            short.duration_ms()
        );
        assert!(two.duration_ms() > short.duration_ms());
        assert_eq!(none.duration_ms(), 200);
        assert!(after.duration_ms() > 500);
        assert_eq!(piper.processes_started(), 1);
        // It runs below limber, so a session's sound comes first.
        let pid = piper
            .running
            .lock()
            .unwrap()
            .as_ref()
            .map(|p| p.child.id())
            .unwrap();
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        let nice = stat
            .rsplit(')')
            .next()
            .unwrap()
            .split_whitespace()
            .nth(16)
            .unwrap();
        assert_eq!(nice, NICENESS.to_string(), "{stat}");

        // Faster speech is shorter: the rate is Piper's length scale.
        let fast = Piper::new(CommandEngine {
            rate: 240,
            ..engine(&program, &model)
        });
        let quick = say(
            &fast,
            "Lie on your back with your knees bent and your feet flat.",
        )
        .unwrap();
        // Piper's lengths vary a little from run to run (its duration predictor adds noise), and
        // the silence it ends with does not scale: about 0.73 is expected, 0.80 has been seen.
        let ratio = quick.duration_ms() as f64 / long.duration_ms() as f64;
        assert!((0.55..0.9).contains(&ratio), "{ratio}");
        assert_ne!(fast.identity(), piper.identity());
    }

    #[test]
    fn a_corrupt_model_is_reported_in_pipers_words() {
        let Some((program, joe)) = installed() else {
            return;
        };
        // The voice's own settings, beside a model file that is not one.
        let dir = tempfile::tempdir().unwrap();
        let model = dir.path().join("broken.onnx");
        std::fs::write(&model, b"this is not a model").unwrap();
        std::fs::copy(config_path(&joe), config_path(&model)).unwrap();
        let piper = Piper::new(engine(&program, &model));
        let e = say(&piper, "Hello.").unwrap_err();
        assert!(
            e.starts_with(&format!("{} failed (exit status: 1): ", program.display())),
            "{e}"
        );
        assert!(
            e.to_lowercase().contains("protobuf") || e.contains("onnx"),
            "{e}"
        );
    }

    #[test]
    fn a_killed_piper_is_started_again_once_and_a_hung_one_is_stopped() {
        let Some((program, model)) = installed() else {
            return;
        };
        let piper = Piper::new(engine(&program, &model));
        say(&piper, "One.").unwrap();
        let pid = |piper: &Piper| {
            piper
                .running
                .lock()
                .unwrap()
                .as_ref()
                .map(|p| p.child.id())
                .unwrap()
        };
        // Killed between lines by a signal it did not ask for: the next line starts a new one.
        let first = pid(&piper);
        command::kill_group(first);
        assert!(say(&piper, "Two.").unwrap().duration_ms() > 200);
        assert_eq!(piper.processes_started(), 2);
        assert_ne!(pid(&piper), first);

        // Stopped (hung) mid-line: the line's time limit ends it, with everything it started.
        let mut hung = Piper::new(engine(&program, &model));
        say(&hung, "Warm up.").unwrap();
        hung.engine.timeout = Duration::from_secs(3);
        let stopped = pid(&hung);
        rustix::process::kill_process(
            rustix::process::Pid::from_raw(stopped as i32).unwrap(),
            rustix::process::Signal::STOP,
        )
        .unwrap();
        let started = Instant::now();
        let e = say(&hung, "This line never comes.").unwrap_err();
        assert_eq!(
            e,
            format!("{} took longer than 3 s over one line", program.display())
        );
        assert!(started.elapsed() < Duration::from_secs(6));
        assert!(hung.running.lock().unwrap().is_none());
        // Given up: later lines fail the same way at once, without another piper.
        let again = Instant::now();
        assert_eq!(say(&hung, "Next line.").unwrap_err(), e);
        assert!(again.elapsed() < Duration::from_secs(1));
        assert_eq!(hung.processes_started(), 1);
        std::thread::sleep(Duration::from_millis(100));
        let state = std::fs::read_to_string(format!("/proc/{stopped}/stat"));
        assert!(
            state.is_err() || state.unwrap().contains(") Z "),
            "piper {stopped} still runs"
        );
    }

    #[test]
    fn voices_are_models_with_their_settings() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("en_GB-alba-medium.onnx"), b"model").unwrap();
        std::fs::write(
            dir.path().join("en_GB-alba-medium.onnx.json"),
            br#"{"language": {"code": "en_GB"}, "audio": {"quality": "medium"}, "inference": {"length_scale": 1.2}}"#,
        )
        .unwrap();
        // A model without its settings is not a voice Piper can load.
        std::fs::write(dir.path().join("half.onnx"), b"model").unwrap();
        std::fs::write(dir.path().join("notes.txt"), b"").unwrap();
        let voices = voices_in(dir.path());
        assert_eq!(
            voices,
            [VoiceFile {
                name: "en_GB-alba-medium".into(),
                model: dir.path().join("en_GB-alba-medium.onnx"),
                language: "en_GB".into(),
                quality: "medium".into(),
            }]
        );
        // The voice's own pace is kept at limber's default rate.
        let model = dir.path().join("en_GB-alba-medium.onnx");
        assert_eq!(length_scale(160, Some(&model)), 1.2);
        assert_eq!(length_scale(320, Some(&model)), 0.6);
        assert_eq!(length_scale(160, None), 1.0);
    }
}
