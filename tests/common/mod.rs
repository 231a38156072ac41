//! What the end-to-end tests with a real sound server share: finding the tools, skipping (or, in
//! CI, failing) without them, and a private PulseAudio server with a null sink.

// Each test binary uses its own part of this.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn have(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// Whether the tools are missing: then the test says so and should return, unless
/// LIMBER_REQUIRE_AUDIO=1 (as in CI), when it fails.
pub fn missing(programs: &[&str], what: &str) -> bool {
    let missing: Vec<&str> = programs.iter().copied().filter(|p| !have(p)).collect();
    if missing.is_empty() {
        return false;
    }
    skip(&format!(
        "{what} need {}; run scripts/setup --test",
        missing.join(", ")
    ));
    true
}

/// Says why a test does not run; in CI (LIMBER_REQUIRE_AUDIO=1) that is a failure.
pub fn skip(why: &str) {
    if std::env::var_os("LIMBER_REQUIRE_AUDIO").is_some_and(|v| v == "1") {
        panic!("{why}");
    }
    eprintln!("SKIPPED: {why}");
}

/// Writes the configuration of a private sound server in `dir`: a socket `dir/native` and a
/// null sink `lab` whose monitor can be recorded.
pub fn write_server_config(dir: &Path) {
    std::fs::write(
        dir.join("lab.pa"),
        format!(
            "load-module module-native-protocol-unix auth-anonymous=1 socket={}\n\
             load-module module-null-sink sink_name=lab rate=48000 channels=2\n\
             set-default-sink lab\n",
            dir.join("native").display()
        ),
    )
    .unwrap();
}

/// Starts the private sound server configured in `dir`, with `dir/xdg` as its runtime folder,
/// and waits until it listens.
pub fn start_server(dir: &Path) -> Child {
    let socket = dir.join("native");
    let _ = std::fs::remove_file(&socket);
    let server = Command::new("pulseaudio")
        .args(["-n", "-F"])
        .arg(dir.join("lab.pa"))
        .args(["--daemonize=no", "--exit-idle-time=-1"])
        .env("XDG_RUNTIME_DIR", dir.join("xdg"))
        .env("HOME", dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("pulseaudio starts");
    wait_for("the private sound server", || socket.exists());
    server
}

/// Sets what limber needs to play into the server in `dir` and nothing else of the user's:
/// runtime folder, home, configuration, routines.
pub fn lab_env(cmd: &mut Command, dir: &Path) {
    cmd.env(
        "PULSE_SERVER",
        format!("unix:{}", dir.join("native").display()),
    )
    .env("XDG_RUNTIME_DIR", dir.join("xdg"))
    .env("HOME", dir)
    .env("XDG_CONFIG_HOME", dir.join("config"))
    .env("LIMBER_ROUTINES", dir.join("routines"))
    .env("LIMBER_CONFIG", "");
}

/// A recorder of the lab's sink in `dir` into the WAV file `path`: mono at 48 kHz, in `format`
/// ("s16le", or "float32le" for levels far below a 16-bit step), with no output of its own.
pub fn recorder(dir: &Path, path: &Path, format: &str) -> Command {
    let mut cmd = Command::new("parec");
    cmd.args([
        "-d",
        "lab.monitor",
        "--latency-msec=20",
        "--file-format=wav",
        "--rate=48000",
        "--channels=1",
    ])
    .arg(format!("--format={format}"))
    .arg(path)
    .stdout(Stdio::null())
    .stderr(Stdio::null());
    lab_env(&mut cmd, dir);
    cmd
}

/// Makes `dir/xdg` a runtime folder, private as one must be.
pub fn make_runtime_dir(dir: &Path) {
    let xdg = dir.join("xdg");
    std::fs::create_dir_all(&xdg).unwrap();
    std::fs::set_permissions(&xdg, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
}

/// Waits up to 15 s for `ready`.
pub fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !ready() {
        assert!(Instant::now() < deadline, "{what} never became ready");
        std::thread::sleep(Duration::from_millis(50));
    }
}
