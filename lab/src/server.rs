//! A private PulseAudio server with no sound card, for the tests that play and listen.
//!
//! One server serves all the tests of a test binary ([`Server::shared`], started on first use),
//! and each test plays into a null sink of its own ([`Server::sink`]): its programs get
//! `PULSE_SINK` with the sink's name ([`Sink::env`]), and it records that sink's monitor
//! ([`Sink::record`]), so tests that run side by side never hear each other. What a client plays
//! without naming a sink goes to the server's default sink, `nowhere`, which no test records.
//!
//! The server never outlives its test binary, however that ends (passed, panicked, killed): it
//! reads commands on its standard input (`module-cli exit_on_eof=1`), a pipe whose other end only
//! this process holds (std opens pipes close-on-exec, so no child inherits it). When the process
//! ends, the kernel closes that end and the server exits. A shared server's folder is removed by
//! the next test binary that starts one; a private one's ([`Server::private`]) when it is dropped.
//!
//! Readiness is polled, not slept for: the server is ready when `pactl info` answers, and a
//! recording when its file has sound data in it (see [`Sink::record`]).

use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The rate of every sink and recording, and the sample rate the tests analyse.
pub const RATE: u32 = 48_000;

/// A running PulseAudio server.
pub struct Server {
    /// Its folder: configuration, socket, runtime folder and log. Removed on drop when it is a
    /// private server's; a shared server is never dropped.
    dir: PathBuf,
    temp: Option<tempfile::TempDir>,
    /// The name of its default sink.
    default_sink: String,
    process: Mutex<Option<(Child, ChildStdin)>>,
    sinks: AtomicUsize,
}

impl Server {
    /// The test binary's server, started on the first call; `None` (after saying why, or failing
    /// in CI) without pulseaudio and pactl.
    pub fn shared() -> Option<&'static Server> {
        static SHARED: OnceLock<Server> = OnceLock::new();
        if let Some(server) = SHARED.get() {
            return Some(server);
        }
        if crate::need::missing(
            &["pulseaudio", "pactl", "parec"],
            "tests with a sound server",
        ) {
            return None;
        }
        Some(SHARED.get_or_init(|| {
            remove_stale();
            let dir = tempfile::Builder::new()
                .prefix(&format!("{STALE_PREFIX}{}-", std::process::id()))
                .tempdir()
                .expect("a temporary folder")
                .keep();
            Server::start_in(dir, None, "nowhere")
        }))
    }

    /// A server of the caller's own, with one sink, `lab`, the default: for a test that stops
    /// and starts its server ([`Server::stop`], [`Server::restart`]). `None` as [`Server::shared`].
    pub fn private() -> Option<Server> {
        if crate::need::missing(
            &["pulseaudio", "pactl", "parec"],
            "tests with a sound server",
        ) {
            return None;
        }
        let temp = tempfile::Builder::new()
            .prefix("limber-sound-")
            .tempdir()
            .expect("a temporary folder");
        Some(Server::start_in(
            temp.path().to_path_buf(),
            Some(temp),
            "lab",
        ))
    }

    fn start_in(dir: PathBuf, temp: Option<tempfile::TempDir>, default_sink: &str) -> Server {
        let xdg = dir.join("xdg");
        std::fs::create_dir_all(&xdg).unwrap();
        std::fs::set_permissions(&xdg, std::os::unix::fs::PermissionsExt::from_mode(0o700))
            .unwrap();
        std::fs::write(
            dir.join("lab.pa"),
            format!(
                "load-module module-native-protocol-unix auth-anonymous=1 socket={}\n\
                 load-module module-null-sink sink_name={default_sink} rate={RATE} channels=2\n\
                 set-default-sink {default_sink}\n\
                 load-module module-cli exit_on_eof=1\n",
                dir.join("native").display()
            ),
        )
        .unwrap();
        let server = Server {
            dir,
            temp,
            default_sink: default_sink.to_string(),
            process: Mutex::new(None),
            sinks: AtomicUsize::new(0),
        };
        server.restart();
        server
    }

    /// The address clients connect to, as `PULSE_SERVER` takes it.
    pub fn address(&self) -> String {
        format!("unix:{}", self.dir.join("native").display())
    }

    /// Starts the server (again, after [`Server::stop`]) and waits until it answers.
    pub fn restart(&self) {
        let mut process = self.process.lock().unwrap_or_else(|p| p.into_inner());
        assert!(process.is_none(), "the sound server runs already");
        let _ = std::fs::remove_file(self.dir.join("native"));
        let log = std::fs::File::create(self.dir.join("server.log")).unwrap();
        let mut child = Command::new("pulseaudio")
            .args(["-n", "-F"])
            .arg(self.dir.join("lab.pa"))
            .args(["--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no"])
            .env("XDG_RUNTIME_DIR", self.dir.join("xdg"))
            .env("HOME", &self.dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("pulseaudio starts");
        let stdin = child.stdin.take().expect("the server's standard input");
        let deadline = Instant::now() + Duration::from_secs(15);
        while !self.answers() {
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "the sound server ended ({status}) before it answered:\n{}",
                    self.log()
                );
            }
            assert!(
                Instant::now() < deadline,
                "the sound server did not answer within 15 s:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        *process = Some((child, stdin));
    }

    /// Stops the server, as a sound server that crashes or is switched off.
    pub fn stop(&self) {
        let taken = self
            .process
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some((mut child, stdin)) = taken {
            drop(stdin);
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn answers(&self) -> bool {
        Command::new("pactl")
            .arg("info")
            .env("PULSE_SERVER", self.address())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }

    /// `pactl ARGS` against this server: what it printed. Panics when it fails.
    /// Its folder: its socket, its runtime folder, and its home (where it keeps its cookie,
    /// `.config/pulse/cookie`).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn pactl(&self, args: &[&str]) -> String {
        pactl(&self.address(), args).unwrap_or_else(|e| panic!("{e}"))
    }

    /// A new null sink of the caller's own, removed from the server when dropped.
    pub fn sink(&self) -> Sink {
        let n = self.sinks.fetch_add(1, Ordering::Relaxed);
        let name = format!("test{n}");
        let module = self.pactl(&[
            "load-module",
            "module-null-sink",
            &format!("sink_name={name}"),
            &format!("rate={RATE}"),
            "channels=2",
        ]);
        Sink {
            server: self.address(),
            name,
            module: Some(module.trim().to_string()),
        }
    }

    /// The default sink, for a private server's only test. It lives as long as the server.
    pub fn default_sink(&self) -> Sink {
        Sink {
            server: self.address(),
            name: self.default_sink.clone(),
            module: None,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
        drop(self.temp.take());
    }
}

/// How a shared server's folder is named: the prefix, then the test binary's process id.
const STALE_PREFIX: &str = "limber-sound-shared-";

/// Removes the folders of shared servers whose test binaries have ended.
fn remove_stale() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix(STALE_PREFIX)
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn pactl(server: &str, args: &[&str]) -> Result<String, String> {
    let out = Command::new("pactl")
        .args(args)
        .env("PULSE_SERVER", server)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("pactl cannot start: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "pactl {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A null sink on a [`Server`]: what a test plays into and records.
pub struct Sink {
    server: String,
    name: String,
    /// The module that made it, unloaded on drop; `None` for a server's default sink.
    module: Option<String>,
}

impl Sink {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The server's address, as `PULSE_SERVER` takes it.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// Makes `cmd` play into this sink: the server's address and the sink's name.
    pub fn env(&self, cmd: &mut Command) {
        cmd.env("PULSE_SERVER", &self.server)
            .env("PULSE_SINK", &self.name);
    }

    /// The variables of [`Sink::env`], as `NAME=value`, for a command line such as `env`'s.
    pub fn env_args(&self) -> [String; 2] {
        [
            format!("PULSE_SERVER={}", self.server),
            format!("PULSE_SINK={}", self.name),
        ]
    }

    /// A recorder of this sink into the WAV file `path`, not started: mono at [`RATE`], in
    /// `format` ("s16le", or "float32le" for levels far below a 16-bit step). [`Sink::record`]
    /// starts one and waits for it.
    ///
    /// The recorder runs ahead of everything else on the machine (`nice -n -15`, where it may:
    /// root, as in CI; elsewhere `nice` says it cannot and runs it as it is). A recorder that
    /// waits behind busy processes drops stretches of the monitor's sound, and the recording
    /// would then show gaps and shifts that were never heard.
    pub fn recorder(&self, path: &Path, format: &str) -> Command {
        let mut cmd = Command::new("nice");
        cmd.args(["-n", "-15", "parec", "-d"])
            .arg(format!("{}.monitor", self.name))
            .args(["--latency-msec=20", "--file-format=wav", "--channels=1"])
            .arg(format!("--rate={RATE}"))
            .arg(format!("--format={format}"))
            .arg(path)
            .env("PULSE_SERVER", &self.server)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        cmd
    }

    /// Starts recording this sink into `path` and waits until sound data reaches the file.
    ///
    /// A null sink nobody plays into sleeps in blocks of about 2 s, and a recorder that joins it
    /// gets its first samples only when the block ends; sounds played meanwhile stall. So when
    /// nothing plays into the sink yet, it is suspended and resumed once the recorder is there,
    /// which wakes it at the recorder's 20 ms latency.
    pub fn record(&self, path: &Path, format: &str) -> Recording {
        let child = self.recorder(path, format).spawn().expect("parec starts");
        let mut recording = Recording {
            child: Some(child),
            path: path.to_path_buf(),
        };
        let monitor = format!("{}.monitor", self.name);
        let source = self.index("sources", &monitor);
        let sink = self.index("sinks", &self.name);
        self.wait("the recorder to join the sink", &mut recording, || {
            self.listed("source-outputs")
                .iter()
                .any(|l| l.get(1) == Some(&source))
        });
        let playing = self
            .listed("sink-inputs")
            .iter()
            .any(|l| l.get(1) == Some(&sink));
        if !playing {
            self.pactl_ok(&["suspend-sink", &self.name, "1"]);
            self.pactl_ok(&["suspend-sink", &self.name, "0"]);
        }
        // A tenth of a second of samples: the recorder runs at its pace.
        let bytes = if format == "float32le" { 4 } else { 2 };
        let enough = 44 + u64::from(RATE) / 10 * bytes;
        self.wait("the recording to start", &mut recording, || {
            std::fs::metadata(path).is_ok_and(|m| m.len() >= enough)
        });
        recording
    }

    fn wait(&self, what: &str, recording: &mut Recording, mut ready: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while !ready() {
            if let Some(child) = recording.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!("parec ended ({status}) while waiting for {what}");
            }
            assert!(Instant::now() < deadline, "waited 15 s for {what}");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn pactl_ok(&self, args: &[&str]) -> String {
        pactl(&self.server, args).unwrap_or_else(|e| panic!("{e}"))
    }

    /// `pactl list short WHAT`, split into lines of tab-separated fields.
    fn listed(&self, what: &str) -> Vec<Vec<String>> {
        self.pactl_ok(&["list", "short", what])
            .lines()
            .map(|l| l.split('\t').map(str::to_string).collect())
            .collect()
    }

    /// The index of the sink or source `name`.
    fn index(&self, what: &str, name: &str) -> String {
        self.listed(what)
            .into_iter()
            .find(|l| l.get(1).map(String::as_str) == Some(name))
            .and_then(|l| l.into_iter().next())
            .unwrap_or_else(|| panic!("the server has no {what} named {name}"))
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        if let Some(module) = &self.module {
            // The server may have gone (a test that stops its own): nothing to remove then.
            let _ = pactl(&self.server, &["unload-module", module]);
        }
    }
}

/// A recorder writing a WAV file; stopped (and the file completed) by [`Recording::finish`],
/// or killed when dropped.
pub struct Recording {
    child: Option<Child>,
    path: PathBuf,
}

impl Recording {
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stops the recorder and reads the file: mono samples and their rate.
    pub fn finish(mut self) -> (Vec<f32>, u32) {
        self.stop();
        crate::listen::read_wav(&self.path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", self.path.display()))
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Recording {
    fn drop(&mut self) {
        self.stop();
    }
}
