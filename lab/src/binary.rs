//! The real `limber` binary under test, in a home folder of the test's own.
//!
//! [`Home`] is a temporary folder laid out as a user's: the routines folder, the configuration and
//! cache folders, a private runtime folder (so a control socket of its own), and, when asked for,
//! a sink of its own on the test binary's sound server ([`Home::with_sound`]). Nothing of the
//! machine's user leaks in: every variable limber reads is set to the home or removed.
//!
//! [`Test`] is one run of the binary there, in the manner of casey/just's test builder:
//!
//! ```text
//! Test::new().routine("mine", JSON).args(["plan", "mine"]).stdout_has("Bridge").run();
//! home.test().args(["check", "x.json"]).status(1).stderr("limber: ...\n").run();
//! ```
//!
//! `run` waits for the binary, checks every expectation given (the exit status is 0 unless told
//! otherwise), and returns what it printed; [`Test::spawn`] starts it for a test that drives a
//! session while it runs.
//!
//! Layout of a home, and the variables that point into it:
//!
//! ```text
//! HOME             the folder; ~/.local/share (limber's voices) and ~/.local/state (history)
//! routines/        LIMBER_ROUTINES
//! config/          XDG_CONFIG_HOME (LIMBER_CONFIG is empty: no configuration file unless given)
//! cache/           XDG_CACHE_HOME (the speech cache)
//! xdg/             XDG_RUNTIME_DIR, private (the control socket)
//! ```

use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::server::{Server, Sink};

/// The binary: cargo tells an integration test where it is (`CARGO_BIN_EXE_limber`, at run time
/// since cargo 1.94); before that it sits beside the test binary's folder.
pub fn limber_bin() -> PathBuf {
    if let Some(path) = std::env::var_os("CARGO_BIN_EXE_limber") {
        return path.into();
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    let dir = exe.parent().expect("the test binary's folder");
    let dir = if dir.ends_with("deps") {
        dir.parent().expect("the build folder")
    } else {
        dir
    };
    dir.join(format!("limber{}", std::env::consts::EXE_SUFFIX))
}

/// A home folder of a test's own; removed when dropped.
pub struct Home {
    dir: tempfile::TempDir,
    sink: Option<Sink>,
}

impl Default for Home {
    fn default() -> Self {
        Home::new()
    }
}

impl Home {
    /// An empty home with no sound server: limber finds no audio output there.
    pub fn new() -> Home {
        let dir = tempfile::Builder::new()
            .prefix("limber-home-")
            .tempdir()
            .expect("a temporary folder");
        for sub in ["routines", "config", "cache", "xdg"] {
            std::fs::create_dir(dir.path().join(sub)).unwrap();
        }
        std::fs::set_permissions(
            dir.path().join("xdg"),
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )
        .unwrap();
        Home { dir, sink: None }
    }

    /// A home whose programs play into a sink of its own on the test binary's sound server;
    /// `None` (after saying why, or failing in CI) without one.
    pub fn with_sound() -> Option<Home> {
        let sink = Server::shared()?.sink();
        Some(Home::new().sound(sink))
    }

    /// This home, playing into `sink` (for instance a private server's).
    pub fn sound(mut self, sink: Sink) -> Home {
        self.sink = Some(sink);
        self
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `path` inside the home.
    pub fn join(&self, path: impl AsRef<Path>) -> PathBuf {
        self.dir.path().join(path)
    }

    /// The sink its programs play into, if it has one.
    pub fn sink(&self) -> Option<&Sink> {
        self.sink.as_ref()
    }

    /// Writes the routine `routines/NAME.json`.
    pub fn routine(&self, name: &str, json: &str) -> &Home {
        self.write(&format!("routines/{name}.json"), json)
    }

    /// Writes `contents` to `path` inside the home, making its folders.
    pub fn write(&self, path: &str, contents: &str) -> &Home {
        let path = self.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, contents).unwrap();
        self
    }

    /// Writes `json` as the configuration file `config.json` in the home: its path, for
    /// `--config` or `LIMBER_CONFIG`.
    pub fn config(&self, json: impl std::fmt::Display) -> PathBuf {
        self.write("config.json", &json.to_string());
        self.join("config.json")
    }

    /// The control socket of a session running in this home.
    pub fn socket(&self) -> PathBuf {
        self.join("xdg/limber/control.sock")
    }

    /// The session log, where limber keeps it when nothing says otherwise.
    pub fn log(&self) -> PathBuf {
        self.join(".local/state/limber/history.jsonl")
    }

    /// Gives `cmd` this home's environment, and nothing of the user's.
    pub fn env(&self, cmd: &mut Command) {
        let dir = self.path();
        cmd.env("HOME", dir)
            .env("LIMBER_ROUTINES", dir.join("routines"))
            .env("XDG_CONFIG_HOME", dir.join("config"))
            .env("XDG_CACHE_HOME", dir.join("cache"))
            .env("XDG_RUNTIME_DIR", dir.join("xdg"))
            .env("LIMBER_CONFIG", "")
            .env_remove("XDG_DATA_HOME")
            .env_remove("XDG_STATE_HOME")
            .env_remove("LIMBER_HISTORY")
            .env_remove("NO_COLOR")
            .env_remove("SPEECHD_ADDRESS")
            .env_remove("PULSE_SINK")
            // No server there: with no sink, no audio output.
            .env(
                "PULSE_SERVER",
                format!("unix:{}", dir.join("no-server").display()),
            );
        if let Some(sink) = &self.sink {
            sink.env(cmd);
        }
    }

    /// The environment of [`Home::env`] as `NAME=value` arguments, for `env -i` under another
    /// program (tmux).
    pub fn env_args(&self) -> Vec<String> {
        let dir = self.path();
        let mut vars = vec![
            format!("HOME={}", dir.display()),
            format!("LIMBER_ROUTINES={}", dir.join("routines").display()),
            format!("XDG_CONFIG_HOME={}", dir.join("config").display()),
            format!("XDG_CACHE_HOME={}", dir.join("cache").display()),
            format!("XDG_RUNTIME_DIR={}", dir.join("xdg").display()),
            "LIMBER_CONFIG=".to_string(),
        ];
        match &self.sink {
            Some(sink) => vars.extend(sink.env_args()),
            None => vars.push(format!(
                "PULSE_SERVER=unix:{}",
                dir.join("no-server").display()
            )),
        }
        vars
    }

    /// The binary with this home's environment, not started: for running it under another
    /// program, or as a test needs beyond [`Test`].
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(limber_bin());
        self.env(&mut cmd);
        cmd.stdin(Stdio::null());
        cmd
    }

    /// A run of the binary in this home.
    pub fn test(&self) -> Test<'_> {
        Test::within(Within::Borrowed(self))
    }

    /// `limber ARGS` here, which must succeed: what it printed on stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        self.test().args(args).run().stdout
    }
}

enum Within<'a> {
    Owned(Home),
    Borrowed(&'a Home),
}

/// One run of the binary, with what it must do.
#[must_use = "a Test does nothing until it is run"]
pub struct Test<'a> {
    home: Within<'a>,
    args: Vec<OsString>,
    env: Vec<(OsString, Option<OsString>)>,
    stdin: Option<Vec<u8>>,
    dir: Option<PathBuf>,
    status: Option<i32>,
    any_status: bool,
    stdout: Option<String>,
    stderr: Option<String>,
    stdout_has: Vec<String>,
    stderr_has: Vec<String>,
    stdout_lacks: Vec<String>,
    stderr_lacks: Vec<String>,
}

impl Test<'static> {
    /// A run in a new home of its own.
    pub fn new() -> Test<'static> {
        Test::within(Within::Owned(Home::new()))
    }
}

impl Default for Test<'static> {
    fn default() -> Self {
        Test::new()
    }
}

impl<'a> Test<'a> {
    fn within(home: Within<'a>) -> Test<'a> {
        Test {
            home,
            args: Vec::new(),
            env: Vec::new(),
            stdin: None,
            dir: None,
            status: None,
            any_status: false,
            stdout: None,
            stderr: None,
            stdout_has: Vec::new(),
            stderr_has: Vec::new(),
            stdout_lacks: Vec::new(),
            stderr_lacks: Vec::new(),
        }
    }

    /// The home it runs in.
    pub fn home(&self) -> &Home {
        match &self.home {
            Within::Owned(home) => home,
            Within::Borrowed(home) => home,
        }
    }

    /// Writes the routine `routines/NAME.json` in its home.
    pub fn routine(self, name: &str, json: &str) -> Self {
        self.home().routine(name, json);
        self
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.env
            .push((key.as_ref().to_owned(), Some(value.as_ref().to_owned())));
        self
    }

    /// The folder it runs in (the test binary's, unless told).
    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.dir = Some(dir.as_ref().to_path_buf());
        self
    }

    pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> Self {
        self.env.push((key.as_ref().to_owned(), None));
        self
    }

    /// What it reads on stdin (nothing, by default).
    pub fn stdin(mut self, input: impl AsRef<[u8]>) -> Self {
        self.stdin = Some(input.as_ref().to_vec());
        self
    }

    /// The exit status it must end with; 0 unless told.
    pub fn status(mut self, code: i32) -> Self {
        self.status = Some(code);
        self
    }

    /// Any exit status will do: the test looks at [`Output::status`] itself.
    pub fn any_status(mut self) -> Self {
        self.any_status = true;
        self
    }

    /// All it must print on stdout.
    pub fn stdout(mut self, text: impl Into<String>) -> Self {
        self.stdout = Some(text.into());
        self
    }

    /// All it must print on stderr.
    pub fn stderr(mut self, text: impl Into<String>) -> Self {
        self.stderr = Some(text.into());
        self
    }

    /// Something its stdout must contain.
    pub fn stdout_has(mut self, text: impl Into<String>) -> Self {
        self.stdout_has.push(text.into());
        self
    }

    /// Something its stderr must contain.
    pub fn stderr_has(mut self, text: impl Into<String>) -> Self {
        self.stderr_has.push(text.into());
        self
    }

    /// Something its stdout must not contain.
    pub fn stdout_lacks(mut self, text: impl Into<String>) -> Self {
        self.stdout_lacks.push(text.into());
        self
    }

    /// Something its stderr must not contain.
    pub fn stderr_lacks(mut self, text: impl Into<String>) -> Self {
        self.stderr_lacks.push(text.into());
        self
    }

    /// The command it runs, with the home's environment and the test's own on top.
    pub fn command(&self) -> Command {
        let mut cmd = self.home().command();
        cmd.args(&self.args);
        if let Some(dir) = &self.dir {
            cmd.current_dir(dir);
        }
        for (key, value) in &self.env {
            match value {
                Some(value) => cmd.env(key, value),
                None => cmd.env_remove(key),
            };
        }
        cmd
    }

    /// Starts it, its stdout and stderr piped, for a test that drives it while it runs; the
    /// expectations are not checked.
    pub fn spawn(&self) -> Child {
        let mut cmd = self.command();
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        if self.stdin.is_some() {
            cmd.stdin(Stdio::piped());
        }
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("limber cannot start: {e}"));
        if let (Some(input), Some(mut stdin)) = (self.stdin.clone(), child.stdin.take()) {
            // From a thread of its own, so a program that writes before it reads never blocks
            // on a full pipe; closed once written.
            std::thread::spawn(move || {
                let _ = stdin.write_all(&input);
            });
        }
        child
    }

    /// Runs it to its end, checks what it must do, and returns what it printed.
    #[track_caller]
    pub fn run(self) -> Output {
        let output = Output::from(self.spawn().wait_with_output().unwrap());
        self.check(&output);
        output
    }

    #[track_caller]
    fn check(&self, out: &Output) {
        let shown = || {
            format!(
                "limber {}\nexit status: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
                self.args
                    .iter()
                    .map(|a| a.to_string_lossy())
                    .collect::<Vec<_>>()
                    .join(" "),
                out.status,
                out.stdout,
                out.stderr
            )
        };
        if !self.any_status {
            let want = self.status.unwrap_or(0);
            assert_eq!(out.status, Some(want), "the exit status\n{}", shown());
        }
        if let Some(want) = &self.stdout {
            assert_eq!(&out.stdout, want, "stdout\n{}", shown());
        }
        if let Some(want) = &self.stderr {
            assert_eq!(&out.stderr, want, "stderr\n{}", shown());
        }
        let streams = [
            ("stdout", &out.stdout, &self.stdout_has, &self.stdout_lacks),
            ("stderr", &out.stderr, &self.stderr_has, &self.stderr_lacks),
        ];
        for (name, text, has, lacks) in streams {
            for want in has {
                assert!(
                    text.contains(want.as_str()),
                    "{name} lacks {want:?}\n{}",
                    shown()
                );
            }
            for unwanted in lacks {
                assert!(
                    !text.contains(unwanted.as_str()),
                    "{name} has {unwanted:?}\n{}",
                    shown()
                );
            }
        }
    }
}

/// What a run printed, and how it ended.
#[derive(Debug, Clone)]
pub struct Output {
    /// The exit code; `None` when a signal ended it.
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// Its stdout as it was written, for what is not text (a rendered file).
    pub bytes: Vec<u8>,
}

impl From<std::process::Output> for Output {
    /// What a finished process left (one started by [`Test::spawn`], or under another program).
    fn from(out: std::process::Output) -> Output {
        Output {
            status: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            bytes: out.stdout,
        }
    }
}

impl Output {
    /// Its stdout as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}
