//! Controlling a real session: the real binary playing into a private PulseAudio null sink,
//! driven by `limber ctl` and by signals, each test with its own runtime folder (so its own
//! control socket).
//!
//! They need pulseaudio (`scripts/setup --test` installs it). Without it the tests that need a session
//! say so and pass, unless LIMBER_REQUIRE_AUDIO=1 (as in CI), when they fail.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::RwLock;
use std::time::{Duration, Instant};

mod common;
use common::{have, missing, skip, wait_for};
use limber_lab::{Home, Output};

/// Sessions run side by side, each in a home and a sink of its own; the one whose sound server
/// goes away, and which times the whole session, runs alone.
static SESSIONS: RwLock<()> = RwLock::new(());

/// A greeting, then two long steps, so a session stays in a known place while it is driven.
const ROUTINE: &str = r#"{ "name": "Tiny", "steps": [
  { "say": "Hello." },
  { "exercise": "Bridge", "reps": 2, "hold": 60 },
  { "exercise": "Cat", "reps": 1, "hold": 60 } ] }"#;

/// A home, with a sink to play into, and the session running there.
struct Lab {
    home: Home,
    /// A server of the lab's own, for the test that stops it; the others share the test
    /// binary's.
    server: Option<common::Server>,
    session: Option<Child>,
}

impl Lab {
    fn within(home: Home) -> Lab {
        home.routine("tiny", ROUTINE);
        Lab {
            home,
            server: None,
            session: None,
        }
    }

    /// A lab with no sound server, for what needs none.
    fn bare() -> Lab {
        Lab::within(Home::new())
    }

    /// A lab with a sink on the shared sound server, or `None` (after saying why) without
    /// pulseaudio.
    fn start() -> Option<Lab> {
        Some(Lab::within(Home::with_sound()?))
    }

    /// A lab with a sound server of its own, which it can stop and start.
    fn start_private() -> Option<Lab> {
        let server = common::Server::private()?;
        let mut lab = Lab::within(Home::new().sound(server.default_sink()));
        lab.server = Some(server);
        Some(lab)
    }

    fn start_server(&mut self) {
        self.server.as_ref().expect("a server of its own").restart();
    }

    fn stop_server(&mut self) {
        self.server.as_ref().expect("a server of its own").stop();
    }

    fn socket(&self) -> PathBuf {
        self.home.socket()
    }

    /// `limber ctl ARGS`: its exit code, stdout and stderr.
    fn ctl(&self, args: &[&str]) -> (Option<i32>, String, String) {
        let out = self.home.test().arg("ctl").args(args).any_status().run();
        (out.status, out.stdout, out.stderr)
    }

    /// The session's status as JSON.
    fn status(&self) -> serde_json::Value {
        let (code, out, err) = self.ctl(&["status", "--json"]);
        assert_eq!(code, Some(0), "{err}");
        serde_json::from_str(&out).unwrap()
    }

    /// Starts `limber run tiny --voice none --captions` and waits until it answers `ctl`.
    fn run(&mut self) {
        self.run_with(&["run", "tiny", "--voice", "none", "--captions"]);
    }

    fn run_quietly(&mut self) {
        self.run_with(&["run", "tiny", "--voice", "none", "--captions", "-q"]);
    }

    fn run_with(&mut self, args: &[&str]) {
        self.session = Some(self.home.test().args(args).spawn());
        wait_for("the session's control socket", || {
            self.ctl(&["status"]).0 == Some(0)
        });
    }

    /// Waits for the session to end: its exit code, captions and notices.
    fn finish(&mut self) -> (Option<i32>, String, String) {
        let child = self.session.take().expect("a session runs");
        let deadline = Instant::now() + Duration::from_secs(40);
        let waiter = std::thread::spawn(move || child.wait_with_output().unwrap());
        while !waiter.is_finished() {
            assert!(Instant::now() < deadline, "the session did not end");
            std::thread::sleep(Duration::from_millis(50));
        }
        let out = Output::from(waiter.join().unwrap());
        (out.status, out.stdout, out.stderr)
    }

    fn signal(&self, name: &str) {
        let pid = self.session.as_ref().expect("a session runs").id();
        let ok = Command::new("kill")
            .args([&format!("-{name}"), &pid.to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{name} {pid}");
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        if let Some(child) = self.session.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Polls the status until `check` holds (a control takes effect within a moment).
fn wait_status(lab: &Lab, what: &str, check: impl Fn(&serde_json::Value) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let s = lab.status();
        if check(&s) {
            return;
        }
        assert!(Instant::now() < deadline, "{what}: the status is {s:#}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn mode(path: &Path) -> u32 {
    std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(path).unwrap().permissions()) & 0o777
}

#[test]
fn ctl_without_a_session_says_so() {
    let lab = Lab::bare();
    for command in ["status", "pause", "stop"] {
        let (code, out, err) = lab.ctl(&[command]);
        assert_eq!(code, Some(1), "{out}{err}");
        assert_eq!(
            err,
            "limber: no limber session is running; start one with `limber run`\n"
        );
    }
    // A socket left by a session that crashed is nobody: the same message.
    let dir = lab.home.path().join("xdg/limber");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    drop(std::os::unix::net::UnixListener::bind(dir.join("control.sock")).unwrap());
    assert!(dir.join("control.sock").exists());
    let (code, _, err) = lab.ctl(&["status"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("no limber session is running"), "{err}");
    // An unknown command is a usage error.
    let (code, _, err) = lab.ctl(&["dance"]);
    assert_eq!(code, Some(2), "{err}");
}

#[test]
fn a_folder_others_can_read_is_refused() {
    let lab = Lab::bare();
    let dir = lab.home.path().join("xdg/limber");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let (code, _, err) = lab.ctl(&["status"]);
    assert_eq!(code, Some(1));
    assert!(err.contains("is not private to you"), "{err}");
    // A session still runs, without a socket there, and says so.
    let Output {
        status: code,
        stderr: err,
        ..
    } = lab
        .home
        .test()
        .args(["run", "tiny", "--voice", "none", "--wait", "0"])
        .env("PULSE_SERVER", "unix:/nonexistent")
        .any_status()
        .run();
    assert!(
        err.contains("is not private to you (owner ")
            && err.contains(
                "; `limber ctl` will not reach this session (signals and keys still work)"
            ),
        "{err}"
    );
    assert_eq!(code, Some(1), "no audio as a service: {err}");
    assert!(!dir.join("control.sock").exists());
}

#[test]
fn ctl_drives_a_running_session() {
    let _beside = SESSIONS.read().unwrap_or_else(|p| p.into_inner());
    let Some(mut lab) = Lab::start() else {
        return;
    };
    // A socket left by a crash is taken over.
    let dir = lab.home.path().join("xdg/limber");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    drop(std::os::unix::net::UnixListener::bind(lab.socket()).unwrap());
    lab.run();
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&lab.socket()), 0o600, "the socket is the user's alone");

    wait_status(&lab, "step 2 starts", |s| s["step"] == 2);
    let s = lab.status();
    assert_eq!(s["routine"], "Tiny");
    assert_eq!(s["steps"], 3);
    assert_eq!(s["title"], "Bridge");
    assert_eq!(s["paused"], false);
    let (_, shown, _) = lab.ctl(&["status"]);
    assert!(
        shown.contains("routine: Tiny\nstep:    2 of 3, Bridge\n"),
        "{shown}"
    );
    assert!(shown.contains("state:   playing\n"), "{shown}");

    // A second session is refused while this one runs.
    let err = lab
        .home
        .test()
        .args(["run", "tiny", "--voice", "none"])
        .status(1)
        .run()
        .stderr;
    assert!(
        err.starts_with("limber: a session is already running (Tiny, step 2 of 3)"),
        "{err}"
    );

    let (code, said, _) = lab.ctl(&["pause"]);
    assert_eq!(code, Some(0));
    // One line that says what was done.
    assert_eq!(said, "Paused Tiny, step 2 of 3: Bridge.\n");
    wait_status(&lab, "paused", |s| s["paused"] == true);
    // The clock stands still while paused.
    let before = lab.status()["session_left_seconds"].as_f64().unwrap();
    std::thread::sleep(Duration::from_millis(1200));
    let after = lab.status()["session_left_seconds"].as_f64().unwrap();
    assert_eq!(before, after, "time passed while paused");

    assert_eq!(lab.ctl(&["resume"]).0, Some(0));
    wait_status(&lab, "resumed", |s| s["paused"] == false);
    let (code, said, _) = lab.ctl(&["next"]);
    assert_eq!(code, Some(0));
    assert_eq!(said, "Skipped to Tiny, step 3 of 3: Cat.\n");
    wait_status(&lab, "step 3", |s| s["step"] == 3 && s["title"] == "Cat");
    assert_eq!(lab.ctl(&["previous"]).0, Some(0));
    wait_status(&lab, "back at step 2 (step 3 had just begun)", |s| {
        s["step"] == 2
    });
    assert_eq!(lab.ctl(&["repeat"]).0, Some(0));
    assert_eq!(lab.ctl(&["stop"]).0, Some(0));
    let pid = lab.session.as_ref().unwrap().id();
    let (code, captions, notices) = lab.finish();
    assert_eq!(code, Some(130), "{captions}{notices}");
    // What the person did is among the captions, with the session's time, and says how to go
    // on: no keys are read here, so the command and the signal.
    let paused = format!("  Paused: `limber ctl resume` or `kill -USR1 {pid}` goes on.\n");
    assert!(captions.contains(&paused), "{captions}");
    assert!(captions.contains("  Resuming: Bridge"), "{captions}");
    assert!(
        captions.contains("  Skipping to step 3, Cat\n"),
        "{captions}"
    );
    for line in captions
        .lines()
        .filter(|l| l.contains("Paused") || l.contains("Resuming"))
    {
        assert!(
            line.as_bytes()[2] == b':' && line[5..].starts_with("  "),
            "{line:?}"
        );
    }
    // And not a line of limber's log.
    assert!(!notices.contains("paused"), "{notices}");
    assert!(!notices.contains("Resuming"), "{notices}");
    assert!(!notices.contains("skipping"), "{notices}");
    // Not a terminal: every line says when.
    for line in notices.lines() {
        let (time, rest) = line.split_at(9);
        assert!(
            time.len() == 9
                && time.as_bytes()[2] == b':'
                && time.as_bytes()[5] == b':'
                && time.ends_with(' ')
                && rest.starts_with("limber: "),
            "{line:?}"
        );
    }
    assert!(captions.contains("Stopped Tiny after"), "{captions}");
    assert!(!lab.socket().exists(), "the socket is removed at the end");
    assert_eq!(
        lab.ctl(&["status"]).0,
        Some(1),
        "no session once it has ended"
    );
}

#[test]
fn signals_pause_resume_and_skip() {
    let _beside = SESSIONS.read().unwrap_or_else(|p| p.into_inner());
    let Some(mut lab) = Lab::start() else {
        return;
    };
    lab.run_quietly();
    wait_status(&lab, "step 2 starts", |s| s["step"] == 2);
    // A burst (a bouncing button: two presses 50 ms apart) counts once: paused, not paused and
    // resumed at once.
    let pid = lab.session.as_ref().unwrap().id().to_string();
    let burst = Command::new("sh")
        .args(["-c", "kill -USR1 $0; sleep 0.05; kill -USR1 $0", &pid])
        .status()
        .unwrap();
    assert!(burst.success());
    wait_status(&lab, "paused by SIGUSR1", |s| s["paused"] == true);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(lab.status()["paused"], true);
    lab.signal("USR1");
    wait_status(&lab, "resumed by SIGUSR1", |s| s["paused"] == false);
    lab.signal("USR2");
    wait_status(&lab, "step 3 by SIGUSR2", |s| s["step"] == 3);
    lab.signal("TERM");
    let (code, captions, notices) = lab.finish();
    assert_eq!(code, Some(130), "{captions}{notices}");
    assert!(
        captions.contains("Stopped Tiny after")
            && captions.contains("1 of 3 steps done, 1 skipped;"),
        "{captions}"
    );
}

#[test]
fn keys_under_a_real_terminal() {
    let _beside = SESSIONS.read().unwrap_or_else(|p| p.into_inner());
    if missing(&["python3"], "the terminal tests") {
        return;
    }
    let lab = Lab::bare();
    let steps = serde_json::json!([
        // The live display's status area names the key for the keys.
        ["expect", "? keys"],
        ["send", "?"],
        ["expect", "keys: space pause/resume, n next step"],
        ["expect", "Hello."],
        ["send", " "],
        // Paused is said in the status area, with how to go on, and not again as a message.
        ["expect", "Paused: press space to go on"],
        ["sleep", "1"],
        ["send", " "],
        ["expect", "  Resuming."],
        ["send", "n"],
        ["expect", "  Skipping to step 2, Bridge"],
        ["expect", "Bridge. 2 reps"],
        ["send", "-"],
        ["expect", "  Voice volume 90%"],
        ["send", "q"],
    ]);
    // With no sound server, a session at a terminal carries on with captions.
    let mut cmd = Command::new("python3");
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TERM", "xterm");
    lab.home.env(&mut cmd);
    let out = cmd
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pty_drive.py"))
        .arg(steps.to_string())
        .args([
            env!("CARGO_BIN_EXE_limber"),
            "run",
            "tiny",
            "--voice",
            "none",
        ])
        .output()
        .unwrap();
    let Output {
        status: code,
        stdout: screen,
        stderr: err,
        ..
    } = Output::from(out);
    assert_eq!(code, Some(130), "{screen}\n{err}");
    assert!(
        screen.contains("Stopped Tiny after 00:0"),
        "q stops the session: {screen}"
    );
    // The live display wraps the summary at the terminal's width.
    let words = screen.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("1 skipped; stopped during step 2 (Bridge)"),
        "{screen}"
    );
    // What the person did reads as the session's captions, not as limber's messages.
    assert!(!screen.contains("limber: Resuming"), "{screen}");
    assert!(!screen.contains("limber: skipping"), "{screen}");
    // The keys were not echoed: no "n" or "q" alone on a line.
    assert!(
        !screen.lines().any(|l| matches!(l.trim(), "n" | "q" | "-")),
        "{screen}"
    );
    assert_eq!(err, "terminal: restored\n", "{screen}");
}

#[test]
fn the_event_hook_hears_every_event_with_its_details() {
    let _beside = SESSIONS.read().unwrap_or_else(|p| p.into_inner());
    let Some(mut lab) = Lab::start() else {
        return;
    };
    lab.home.routine(
        "short",
        r#"{ "name": "Short", "steps": [ { "say": "Hello." },
             { "exercise": "Bridge", "reps": 1, "hold": 3, "countdown": 0 } ] }"#,
    );
    let log = lab.home.path().join("events.log");
    let hook = lab.home.path().join("hook");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\nprintf '%s|%s|%s\\n' \"$LIMBER_EVENT\" \"$LIMBER_STEP\" \"$*\" >> {}\n",
            log.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let hook = hook.display().to_string();
    lab.run_with(&["run", "short", "--voice", "none", "-v", "--on-event", &hook]);
    wait_status(&lab, "step 2 starts", |s| s["step"] == 2);
    let (code, said, _) = lab.ctl(&["pause"]);
    assert_eq!(code, Some(0));
    // One line that says what was done.
    assert_eq!(said, "Paused Short, step 2 of 2: Bridge.\n");
    wait_status(&lab, "paused", |s| s["paused"] == true);
    assert_eq!(lab.ctl(&["resume"]).0, Some(0));
    let (code, captions, notices) = lab.finish();
    assert_eq!(code, Some(0), "{captions}{notices}");
    let events = std::fs::read_to_string(&log).unwrap();
    let names: Vec<&str> = events
        .lines()
        .map(|l| l.split('|').next().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "session_start",
            "step_start",
            "step_start",
            "pause",
            "resume",
            "hold_start",
            "hold_end",
            "finish"
        ],
        "{events}"
    );
    let lines: Vec<&str> = events.lines().collect();
    assert_eq!(lines[0], "session_start||session_start");
    // A say step is named by its first words.
    assert_eq!(lines[1], "step_start|1|step_start step=1 title=Hello");
    assert!(
        lines[2].starts_with("step_start|2|step_start step=2 title=Bridge exercise=Bridge"),
        "{events}"
    );
    assert!(
        lines[5].starts_with("hold_start|2|hold_start step=2 title=Bridge exercise=Bridge"),
        "{events}"
    );
    assert!(
        !notices.contains("hook"),
        "a working hook is never mentioned: {notices}"
    );
    // -v tells every event.
    assert!(
        notices.contains(" limber: step start: step 2 (Bridge)\n")
            && notices.contains(" limber: hold start: step 2 (Bridge)\n")
            && notices.contains(" limber: finish"),
        "{notices}"
    );
}

#[test]
fn a_waiting_session_starts_at_once_on_resume() {
    let _beside = SESSIONS.read().unwrap_or_else(|p| p.into_inner());
    let Some(mut lab) = Lab::start() else { return };
    lab.run_with(&[
        "run",
        "tiny",
        "--voice",
        "none",
        "--captions",
        "--wait",
        "1h",
    ]);
    assert!(lab.status()["starts_at"].is_string());
    assert_eq!(lab.ctl(&["resume"]).0, Some(0));
    wait_status(&lab, "the session to start", |s| {
        s["starts_at"].is_null() && s["step"].as_u64().is_some_and(|n| n >= 1)
    });
    assert_eq!(lab.ctl(&["stop"]).0, Some(0));
    let (code, captions, notices) = lab.finish();
    assert_eq!(code, Some(130), "{captions}{notices}");
    assert!(captions.contains("Hello."), "{captions}");
}

#[test]
fn a_session_waits_for_its_time_and_can_be_cancelled() {
    let _beside = SESSIONS.read().unwrap_or_else(|p| p.into_inner());
    // No sound is opened before the time comes: this needs no sound server.
    let mut lab = Lab::bare();
    lab.run_with(&["run", "tiny", "--voice", "none", "--wait", "1h"]);
    let s = lab.status();
    assert_eq!(s["routine"], "Tiny");
    assert!(s["starts_at"].is_string(), "{s:#}");
    let (_, shown, _) = lab.ctl(&["status"]);
    assert!(
        shown.contains("state:   waiting to start at ")
            && (shown.contains("(in 1 h)") || shown.contains("(in 59 min")),
        "{shown}"
    );
    // Another session is refused while this one waits.
    let err = lab
        .home
        .test()
        .args(["run", "tiny", "--at", "07:30"])
        .status(1)
        .run()
        .stderr;
    assert!(err.contains("a session is already running (Tiny)"), "{err}");
    // Nothing to pause or skip yet: said, with a failing status, so a script can tell.
    let (code, _, err) = lab.ctl(&["next"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("the session has not started yet: `limber ctl resume`"),
        "{err}"
    );
    assert_eq!(lab.ctl(&["stop"]).0, Some(0));
    let (code, captions, notices) = lab.finish();
    assert_eq!(code, Some(130), "{captions}{notices}");
    assert!(
        notices.contains("limber: waiting until ") && notices.contains(" to start Tiny; "),
        "{notices}"
    );
    assert_eq!(captions, "Stopped Tiny before it began.\n");

    // Bad times are usage errors that say what is expected.
    let err = lab
        .home
        .test()
        .args(["run", "tiny", "--at", "7.30"])
        .status(2)
        .run()
        .stderr;
    assert!(
        err.contains("give it as HH:MM, 24-hour, like 07:30"),
        "{err}"
    );
}

#[test]
fn a_session_starts_when_its_wait_is_over() {
    let _beside = SESSIONS.read().unwrap_or_else(|p| p.into_inner());
    let Some(mut lab) = Lab::start() else {
        return;
    };
    let started = Instant::now();
    lab.run_with(&["run", "tiny", "--voice", "none", "--wait", "2s"]);
    assert!(lab.status()["starts_at"].is_string());
    wait_status(&lab, "the session started", |s| {
        s["step"] == 1 || s["step"] == 2
    });
    assert!(started.elapsed() >= Duration::from_secs(2));
    assert!(lab.status()["starts_at"].is_null());
    assert_eq!(lab.ctl(&["stop"]).0, Some(0));
    assert_eq!(lab.finish().0, Some(130));
}

#[test]
fn an_output_that_goes_away_is_told_and_the_session_keeps_its_time() {
    let _alone = SESSIONS.write().unwrap_or_else(|p| p.into_inner());
    let Some(mut lab) = Lab::start_private() else {
        return;
    };
    // A chime every two or three seconds, for about 50 s in all.
    lab.home.routine(
        "chimes",
        r#"{ "name": "Chimes", "steps": [ { "exercise": "Bridge", "reps": 5, "hold": 3, "rest": 2, "countdown": 0 } ] }"#,
    );
    // The server's cookie, where a desktop user has it: the sound server's own client then
    // answers, and lists the outputs by the server's names, with its descriptions.
    let cookie = lab.home.path().join(".config/pulse");
    std::fs::create_dir_all(&cookie).unwrap();
    std::fs::copy(
        lab.server
            .as_ref()
            .unwrap()
            .dir()
            .join(".config/pulse/cookie"),
        cookie.join("cookie"),
    )
    .unwrap();
    let listed = lab.home.test().arg("devices").run().stdout;
    assert!(
        listed.contains("\n  lab  Null Output (the default)"),
        "{listed}"
    );
    let err = lab
        .home
        .test()
        .args(["run", "chimes", "--device", "no-such-speaker"])
        .status(1)
        .run()
        .stderr;
    assert!(
        err.starts_with(
            "limber: there is no audio output named \"no-such-speaker\"; those present: "
        ) && err.contains("\"lab\""),
        "{err}"
    );

    lab.run_with(&["run", "chimes", "--voice", "none", "--device", "lab"]);
    wait_status(&lab, "the first rep", |s| s["rep"] == 1);
    // What is left of the session from here, by its own account.
    let started = Instant::now();
    let left = lab.status()["session_left_seconds"].as_f64().unwrap();
    lab.stop_server();
    std::thread::sleep(Duration::from_secs(8));
    assert_eq!(lab.status()["over"], false, "the session goes on");
    lab.start_server();
    let (code, captions, notices) = lab.finish();
    assert_eq!(code, Some(0), "{captions}{notices}");
    assert!(
        captions.contains("Finished Chimes: 1 of 1 steps"),
        "{captions}"
    );
    // On time: the sound server's 8 s absence cost the session nothing, within what ending
    // takes on a loaded machine. (From a moment in the session to its exit, so a slow start is
    // not counted.)
    let took = started.elapsed().as_secs_f64();
    assert!(
        took < left + 4.0,
        "{took} s for the {left} s the session had left"
    );
    assert!(
        notices
            .contains("limber: \"lab\" went away or stopped working; the session keeps its time"),
        "{notices}"
    );
    assert!(notices.contains("limber: \"lab\" is back"), "{notices}");
    // In limber's words alone, each once: nothing of what the audio library said about it.
    for line in notices.lines() {
        assert!(
            line.get(9..).is_some_and(|l| l.starts_with("limber: ")),
            "{notices}"
        );
    }
    assert_eq!(notices.matches("went away").count(), 1, "{notices}");
    for raw in ["ALSA", "snd_pcm", "said:", "reported:"] {
        assert!(!notices.contains(raw), "{notices}");
    }
}

#[test]
fn a_panic_puts_the_terminal_back() {
    if missing(&["python3"], "the terminal tests") {
        return;
    }
    // `cargo test` builds the examples beside the test binaries' folder.
    let example = std::env::current_exe()
        .unwrap()
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .join("examples/keys-panic");
    if !example.exists() {
        // `cargo test --test controls` alone does not build examples; `cargo test` does.
        skip(&format!(
            "{} is not built; run all of `cargo test`",
            example.display()
        ));
        return;
    }
    let steps = serde_json::json!([["expect", "keys: on"]]);
    let out = Command::new("python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pty_drive.py"))
        .arg(steps.to_string())
        .arg(&example)
        .output()
        .unwrap();
    let Output {
        status: code,
        stdout: screen,
        stderr: err,
        ..
    } = Output::from(out);
    assert_eq!(code, Some(101), "it panicked: {screen}\n{err}");
    assert!(screen.contains("on purpose"), "{screen}");
    assert_eq!(err, "terminal: restored\n", "{screen}");
}

/// Records the lab's sink for `seconds`, once the recorder runs: mono samples at 48 kHz.
fn record(lab: &Lab, name: &str, seconds: f64) -> Vec<f32> {
    let path = lab.home.path().join(name);
    let sink = lab.home.sink().expect("a lab with a sink");
    let recording = sink.record(&path, "float32le");
    std::thread::sleep(Duration::from_secs_f64(seconds));
    let (samples, rate) = recording.finish();
    assert_eq!(rate, 48_000);
    samples
}

#[test]
fn a_paused_session_keeps_the_speaker_awake_with_an_inaudible_tone() {
    let _beside = SESSIONS.read().unwrap_or_else(|p| p.into_inner());
    let Some(mut lab) = Lab::start() else {
        return;
    };
    if !have("parec") {
        panic!("parec is installed with pulseaudio-utils (scripts/setup --test)");
    }
    let mut levels = Vec::new();
    for keep_alive in [true, false] {
        let config = lab
            .home
            .path()
            .join(format!("keep-alive-{keep_alive}.json"));
        std::fs::write(
            &config,
            format!(r#"{{ "audio": {{ "keep_alive": {keep_alive} }} }}"#),
        )
        .unwrap();
        let config = config.display().to_string();
        lab.run_with(&["run", "tiny", "--voice", "none", "--config", &config]);
        wait_status(&lab, "step 1", |s| s["step"] == 1);
        assert_eq!(lab.ctl(&["pause"]).0, Some(0));
        // The last second of a paused session: nothing but the keep-alive, if any.
        let samples = record(&lab, &format!("paused-{keep_alive}.wav"), 1.5);
        let last = &samples[samples.len() - 48_000..];
        let level = limber_lab::listen::rms(last);
        let crossings = last
            .windows(2)
            .filter(|w| (w[0] < 0.0) != (w[1] < 0.0))
            .count();
        levels.push((level, crossings));
        assert_eq!(lab.ctl(&["stop"]).0, Some(0));
        assert_eq!(lab.finish().0, Some(130));
    }
    let (on, crossings) = levels[0];
    let (off, _) = levels[1];
    // About -73 dB RMS: a 40 Hz hum far below hearing, but not digital silence.
    assert!(on > 0.0001 && on < 0.0005, "keep-alive level {on}");
    assert!(
        (70..=90).contains(&crossings),
        "{crossings} zero crossings in a second: not 40 Hz"
    );
    assert!(
        off < 0.00001,
        "without keep-alive the paused output is silent: {off}"
    );
}

/// How soon each control is heard: from the moment it is sent while words are spoken to the
/// moment the recording falls silent. For BENCHMARKS.md:
///
///     cargo test --release --test controls -- --ignored --nocapture measure_how_soon
#[test]
#[ignore = "plays sessions in real time to measure them; run it for BENCHMARKS.md"]
fn measure_how_soon_controls_are_heard() {
    // Alone: other sessions beside it would time it.
    let _alone = SESSIONS.write().unwrap_or_else(|p| p.into_inner());
    let Some(mut lab) = Lab::start() else {
        return;
    };
    let path = lab.home.path().join("controls.wav");
    let rec = lab.home.sink().expect("a sink").record(&path, "float32le");
    // The recording so far, and the sample it has reached.
    let recorded = || {
        let (samples, _) = limber_lab::listen::read_wav(&path).unwrap_or_default();
        samples
    };
    // Waits until words are being spoken, then sends the control; returns the sample it was
    // sent at.
    let speaking_then = |lab: &Lab, send: &dyn Fn(&Lab)| -> usize {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            assert!(Instant::now() < deadline, "no words to interrupt");
            std::thread::sleep(Duration::from_millis(20));
            let s = recorded();
            let tail = &s[s.len().saturating_sub(4800)..];
            if s.len() > 48_000 && limber_lab::listen::rms(tail) > 0.02 {
                let at = s.len();
                send(lab);
                return at;
            }
        }
    };
    // From `at`, the first moment after which `ms` are silent (the keep-alive tone is far below
    // the threshold). Words that stop for good are measured over 200 ms; words cut off and
    // followed by others (next, previous, repeat) over 20 ms, which a pause between two words
    // of espeak-ng can also be: those figures are at most what they say.
    let silent_after = |at: usize, ms: usize| -> f64 {
        std::thread::sleep(Duration::from_millis(1500));
        let s = recorded();
        let hop = 48;
        let span = ms * 48;
        let mut i = at;
        while i + span <= s.len() {
            if (0..span / 480)
                .all(|k| limber_lab::listen::rms(&s[i + k * 480..i + (k + 1) * 480]) < 0.002)
            {
                return (i - at) as f64 / 48.0;
            }
            i += hop;
        }
        f64::NAN
    };
    let mut results = Vec::new();
    let run = |lab: &mut Lab| {
        lab.run_with(&[
            "run",
            "lower-back-basics",
            "--voice",
            "espeak-ng",
            "--no-captions",
        ]);
    };
    run(&mut lab);
    for word in ["pause", "next", "previous", "repeat"] {
        for _ in 0..3 {
            let at = speaking_then(&lab, &|lab| {
                assert_eq!(lab.ctl(&[word]).0, Some(0));
            });
            results.push((
                word,
                silent_after(at, if word == "pause" { 200 } else { 20 }),
            ));
            if word == "pause" {
                assert_eq!(lab.ctl(&["resume"]).0, Some(0));
            }
        }
    }
    assert_eq!(lab.ctl(&["stop"]).0, Some(0));
    lab.finish();
    for signal in ["INT", "TERM"] {
        for _ in 0..3 {
            run(&mut lab);
            let at = speaking_then(&lab, &|lab| lab.signal(signal));
            results.push((signal, silent_after(at, 200)));
            lab.finish();
        }
    }
    drop(rec.finish());
    for (what, ms) in &results {
        println!("{what}: silent {ms:.0} ms after it was sent");
    }
}
