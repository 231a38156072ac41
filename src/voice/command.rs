//! Any text-to-speech program that writes WAV, as an engine: espeak-ng, Piper, pico2wave, or the
//! user's own, given as a program and a list of arguments.
//!
//! The program runs directly, never through a shell, with the arguments as a list. Placeholders in
//! the arguments are filled in per line: `{text}`, `{output}` (the WAV file to write), `{rate}`,
//! `{pitch}`, `{voice}` and `{model}`. Without `{text}` the words go in on standard input, so a
//! line that starts with a dash is spoken, not read as an option; without `{output}` the WAV is
//! read from standard output. The program gets its own process group, so Ctrl-C on the terminal
//! (which limber handles itself) does not kill it mid-line, and a program that takes too long is
//! killed with everything it started.
//!
//! A program must not outlive limber either, even one killed outright (kill -9, the OOM killer),
//! which cannot clean up after itself: the program is started through util-linux's `setpriv
//! --pdeathsig KILL`, which asks the kernel to kill it when the thread that started it dies and
//! then becomes the program (same process, same process group). Without setpriv it runs as it is.

use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::sound::clip::Clip;

/// How to run one engine.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandEngine {
    /// How it is named in messages: "espeak-ng", "piper".
    pub name: String,
    pub program: PathBuf,
    /// The arguments, with placeholders.
    pub arguments: Vec<String>,
    /// Values for `{rate}`, `{pitch}`, `{voice}` and `{model}`.
    pub rate: u32,
    pub pitch: u32,
    pub voice: Option<String>,
    pub model: Option<PathBuf>,
    /// How long one line may take.
    pub timeout: Duration,
}

/// Set when limber is stopping: programs still making speech are killed, and no more start.
static STOPPING: AtomicBool = AtomicBool::new(false);

/// The process groups of the programs making speech now.
static RUNNING: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// Stops all speech being made, now and from now on: for the end of a session, or Ctrl-C in
/// `prepare` or `render`. A program limber started never outlives it.
pub fn stop_all() {
    STOPPING.store(true, Ordering::SeqCst);
    for pid in RUNNING.lock().unwrap_or_else(|p| p.into_inner()).iter() {
        kill_group(*pid);
    }
}

/// Counts a process group as making speech, so [`stop_all`] kills it.
pub(super) fn track(pid: u32) {
    RUNNING.lock().unwrap_or_else(|p| p.into_inner()).push(pid);
}

/// A process group that no longer makes speech.
pub(super) fn untrack(pid: u32) {
    RUNNING
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .retain(|p| *p != pid);
}

/// Whether [`stop_all`] has been called.
pub fn stopping() -> bool {
    STOPPING.load(Ordering::SeqCst)
}

/// The engines limber knows how to call, by name.
pub const PRESETS: &[&str] = &["espeak-ng", "piper", "pico2wave"];

impl CommandEngine {
    /// A preset: the program's usual name and its arguments, with `extra` arguments after them.
    pub fn preset(name: &str, extra: &[String]) -> Option<CommandEngine> {
        let args: &[&str] = match name {
            // -w writes the file; the words come on standard input.
            "espeak-ng" => &[
                "-w", "{output}", "-s", "{rate}", "-p", "{pitch}", "-v", "{voice}", "--stdin",
            ],
            // Piper reads the words on standard input; the model is the voice.
            "piper" => &["--model", "{model}", "--output_file", "{output}"],
            // pico2wave wants the words as its last argument; "--" keeps them from being options.
            "pico2wave" => &["-l", "{voice}", "-w", "{output}", "--", "{text}"],
            _ => return None,
        };
        let mut arguments: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        arguments.extend(extra.iter().cloned());
        Some(CommandEngine {
            name: name.to_string(),
            program: name.into(),
            arguments,
            rate: 160,
            pitch: 50,
            voice: None,
            model: None,
            timeout: Duration::from_secs(30),
        })
    }

    /// The arguments for one line, with the placeholders filled in. An option whose value is an
    /// unset voice (`-v {voice}`) is left out, so the program uses its own default.
    fn arguments_for(&self, text: &str, output: &Path) -> Vec<String> {
        let voice = self
            .voice
            .clone()
            .unwrap_or_else(|| match self.name.as_str() {
                "pico2wave" => "en-US".into(),
                _ => String::new(),
            });
        let mut out = Vec::with_capacity(self.arguments.len());
        let mut args = self.arguments.iter().peekable();
        while let Some(arg) = args.next() {
            if voice.is_empty()
                && arg.starts_with('-')
                && args.peek().is_some_and(|next| *next == "{voice}")
            {
                args.next();
                continue;
            }
            out.push(self.fill(arg, text, output, &voice));
        }
        out
    }

    /// One argument with its placeholders filled, in one pass: a value that itself looks like a
    /// placeholder (words that say "{output}") stays as it is.
    fn fill(&self, arg: &str, text: &str, output: &Path, voice: &str) -> String {
        let mut out = String::with_capacity(arg.len());
        let mut rest = arg;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open..];
            let value = after.find('}').and_then(|close| {
                let value = match &after[1..close] {
                    "text" => text.to_string(),
                    "output" => output.to_string_lossy().into_owned(),
                    "rate" => self.rate.to_string(),
                    "pitch" => self.pitch.to_string(),
                    "voice" => voice.to_string(),
                    "model" => self
                        .model
                        .as_deref()
                        .map(|m| m.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    _ => return None,
                };
                Some((value, close + 1))
            });
            match value {
                Some((value, len)) => {
                    out.push_str(&value);
                    rest = &after[len..];
                }
                None => {
                    out.push('{');
                    rest = &after[1..];
                }
            }
        }
        out.push_str(rest);
        out
    }

    fn text_on_stdin(&self) -> bool {
        !self.arguments.iter().any(|a| a.contains("{text}"))
    }

    fn writes_file(&self) -> bool {
        self.arguments.iter().any(|a| a.contains("{output}"))
    }

    /// Everything that shapes the sound but the text, for the cache: the program, the arguments,
    /// and the model file's size and date (a new model is a new voice).
    pub fn identity(&self) -> String {
        let mut id = format!("{}\n{}", self.name, self.program.display());
        for arg in self.arguments_for("{text}", Path::new("{output}")) {
            id.push('\n');
            id.push_str(&arg);
        }
        if let Some(meta) = self
            .model
            .as_deref()
            .and_then(|m| std::fs::metadata(m).ok())
        {
            let modified = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_secs());
            id.push_str(&format!("\nmodel {} {modified}", meta.len()));
        }
        id
    }

    /// Finds a problem before the session starts: a program that is not there, a model that is
    /// not there.
    pub fn check(&self) -> Result<(), String> {
        if self.program.as_os_str().is_empty() {
            return Err(
                "no program is set: give \"program\" and \"arguments\" in the configuration's \"voice\" (`limber config` shows an example)".into(),
            );
        }
        if find_program(&self.program).is_none() {
            return Err(format!(
                "cannot start {}: no such program{}",
                self.program.display(),
                if self.program.components().count() == 1 {
                    " on the PATH"
                } else {
                    ""
                }
            ));
        }
        if self.arguments.iter().any(|a| a.contains("{model}")) {
            match &self.model {
                None => {
                    return Err(format!(
                        "{} needs a voice model: set \"model\" in the configuration's \"voice\" to the model file",
                        self.name
                    ));
                }
                Some(m) if !m.is_file() => {
                    return Err(format!("its voice model {} is not there", m.display()));
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// Speaks `text` into the file `out` (which exists, empty), and reads it back as a clip.
    ///
    /// A program killed by a signal it did not ask for (a `systemctl kill` meant for limber that
    /// reached the whole service, say) is given one more try before the line counts as failed.
    pub fn synthesize(
        &self,
        text: &str,
        out: &mut std::fs::File,
        path: &Path,
    ) -> Result<Clip, String> {
        match self.synthesize_once(text, out, path) {
            Err((_, true)) if !stopping() => {
                let _ = out.set_len(0);
                let _ = out.rewind();
                self.synthesize_once(text, out, path)
                    .map_err(|(why, _)| why)
            }
            other => other.map_err(|(why, _)| why),
        }
    }

    /// One try; a failure says whether it is worth another.
    fn synthesize_once(
        &self,
        text: &str,
        out: &mut std::fs::File,
        path: &Path,
    ) -> Result<Clip, (String, bool)> {
        let fail = |why: String| (why, false);
        let program = self.program.display();
        let mut command = match setpriv() {
            Some(setpriv) => {
                let mut c = Command::new(setpriv);
                c.args(["--pdeathsig", "KILL", "--"]).arg(&self.program);
                c
            }
            None => Command::new(&self.program),
        };
        command.args(self.arguments_for(text, path));
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut errors =
            tempfile::tempfile().map_err(|e| fail(format!("cannot run {program}: {e}")))?;
        command.stderr(Stdio::from(
            errors
                .try_clone()
                .map_err(|e| fail(format!("cannot run {program}: {e}")))?,
        ));
        command.stdout(if self.writes_file() {
            Stdio::null()
        } else {
            Stdio::from(
                out.try_clone()
                    .map_err(|e| fail(format!("cannot run {program}: {e}")))?,
            )
        });
        let stdin = self.text_on_stdin();
        command.stdin(if stdin { Stdio::piped() } else { Stdio::null() });
        if stopping() {
            return Err(fail("limber is stopping".into()));
        }
        let mut child = command
            .spawn()
            .map_err(|e| fail(format!("cannot start {program}: {e}")))?;
        let pid = child.id();
        track(pid);
        let status = self.wait(&mut child, text);
        untrack(pid);
        let status = status.map_err(fail)?;
        let mut said = || {
            let mut text = String::new();
            let _ = errors.rewind();
            let _ = errors.read_to_string(&mut text);
            let text = text.trim();
            // The end of a long complaint says what went wrong.
            let tail: String = if text.chars().count() > 400 {
                let skip = text.chars().count() - 400;
                format!("...{}", text.chars().skip(skip).collect::<String>())
            } else {
                text.to_string()
            };
            if tail.is_empty() {
                String::new()
            } else {
                format!(": {tail}")
            }
        };
        if !status.success() {
            let signalled = std::os::unix::process::ExitStatusExt::signal(&status).is_some();
            return Err((format!("{program} failed ({status}){}", said()), signalled));
        }
        let mut bytes = Vec::new();
        // The program may have written the file by name (a new file) or through our handle.
        std::fs::File::open(path)
            .and_then(|mut f| f.read_to_end(&mut bytes))
            .map_err(|e| fail(format!("{program} wrote no speech ({e})")))?;
        if bytes.is_empty() {
            return Err(fail(format!("{program} wrote no speech{}", said())));
        }
        let clip =
            Clip::from_wav(&bytes).map_err(|e| fail(format!("{program} wrote {e}{}", said())))?;
        if clip.duration_ms() > 120_000 {
            return Err(fail(format!(
                "{program} wrote {} s of sound for one line",
                clip.duration_ms() / 1000
            )));
        }
        Ok(clip)
    }
}

impl CommandEngine {
    /// Gives the program its words and waits for it, within the time limit; a program still
    /// running when limber stops is killed.
    fn wait(
        &self,
        child: &mut std::process::Child,
        text: &str,
    ) -> Result<std::process::ExitStatus, String> {
        let program = self.program.display();
        if let Some(mut input) = child.stdin.take() {
            // A program that exits without reading is caught by its status below.
            let _ = input.write_all(text.as_bytes());
            let _ = input.write_all(b"\n");
        }
        let started = Instant::now();
        loop {
            match child.try_wait() {
                Ok(Some(status)) => return Ok(status),
                Ok(None) if stopping() || started.elapsed() > self.timeout => {
                    kill_group(child.id());
                    let _ = child.kill();
                    let _ = child.wait();
                    if stopping() {
                        return Err("limber is stopping".into());
                    }
                    return Err(format!(
                        "{program} took longer than {} s over one line",
                        self.timeout.as_secs_f64()
                    ));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(5)),
                Err(e) => return Err(format!("{program}: {e}")),
            }
        }
    }
}

/// util-linux's setpriv, which starts a program so that it dies with limber; looked for once.
fn setpriv() -> Option<&'static Path> {
    static SETPRIV: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    SETPRIV
        .get_or_init(|| {
            ["/usr/bin/setpriv", "/bin/setpriv"]
                .iter()
                .map(PathBuf::from)
                .find(|p| find_program(p).is_some())
        })
        .as_deref()
}

/// Kills a process group we started, so a program's own children go with it.
pub(super) fn kill_group(pid: u32) {
    if let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
}

/// Where a program is: a path as given, or the first match on the PATH.
pub fn find_program(program: &Path) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let runnable = |p: &Path| {
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if program.components().count() > 1 {
        return runnable(program).then(|| program.to_path_buf());
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|p| runnable(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_fill_their_placeholders() {
        let mut e = CommandEngine::preset("espeak-ng", &[]).unwrap();
        e.rate = 180;
        let out = Path::new("/tmp/x.wav");
        assert_eq!(
            e.arguments_for("Hello", out),
            ["-w", "/tmp/x.wav", "-s", "180", "-p", "50", "--stdin"]
        );
        e.voice = Some("en-gb".into());
        assert_eq!(
            e.arguments_for("Hello", out)[6..],
            ["-v", "en-gb", "--stdin"]
        );
        assert!(e.text_on_stdin() && e.writes_file());

        // Words that look like placeholders are said as they are.
        let mut own = CommandEngine::preset("espeak-ng", &[]).unwrap();
        own.arguments = vec![
            "--text={text}".into(),
            "{unknown}".into(),
            "-o{output}".into(),
        ];
        own.voice = Some("{text}".into());
        assert_eq!(
            own.arguments_for("say {output} and {rate}", out),
            [
                "--text=say {output} and {rate}",
                "{unknown}",
                "-o/tmp/x.wav"
            ]
        );

        let pico = CommandEngine::preset("pico2wave", &[]).unwrap();
        assert_eq!(
            pico.arguments_for("-rf /", out),
            ["-l", "en-US", "-w", "/tmp/x.wav", "--", "-rf /"]
        );
        assert!(!pico.text_on_stdin());

        let mut piper =
            CommandEngine::preset("piper", &["--length_scale".into(), "1.2".into()]).unwrap();
        piper.model = Some("/models/en.onnx".into());
        assert_eq!(
            piper.arguments_for("Hi", out),
            [
                "--model",
                "/models/en.onnx",
                "--output_file",
                "/tmp/x.wav",
                "--length_scale",
                "1.2"
            ]
        );
        assert!(CommandEngine::preset("festival", &[]).is_none());
    }

    #[test]
    fn the_identity_changes_with_what_shapes_the_sound() {
        let a = CommandEngine::preset("espeak-ng", &[]).unwrap();
        let mut b = a.clone();
        assert_eq!(a.identity(), b.identity());
        b.pitch = 60;
        assert_ne!(a.identity(), b.identity());
        assert!(!a.identity().contains("Hello"));
    }

    #[test]
    fn a_model_that_is_missing_is_named() {
        let mut piper = CommandEngine::preset("piper", &[]).unwrap();
        piper.program = "/bin/true".into();
        assert!(piper.check().unwrap_err().contains("needs a voice model"));
        piper.model = Some("/nonexistent/en.onnx".into());
        assert_eq!(
            piper.check().unwrap_err(),
            "its voice model /nonexistent/en.onnx is not there"
        );
        piper.program = "no-such-program-here".into();
        assert_eq!(
            piper.check().unwrap_err(),
            "cannot start no-such-program-here: no such program on the PATH"
        );
    }
}
