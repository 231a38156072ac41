//! The live display as a person sees it: the real binary in a real terminal (tmux), its screen
//! captured at known moments of a session, wide and at 40 columns, and kept as snapshots
//! (tests/snapshots/screen__*.snap). Times and a running bar's fill change from run to run, so
//! they are masked in the snapshot (`mm:ss`, `N s`, `▒`); everything else is as shown.
//!
//! They need tmux and pulseaudio (`scripts/setup --test`); without them they say so and pass,
//! unless LIMBER_REQUIRE_AUDIO=1 (as in CI).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use limber_lab::Home;
use limber_lab::binary::limber_bin;

/// Words long enough to wrap at 40 columns, sides, and a hold long enough to look at.
const ROUTINE: &str = r#"{ "name": "Screen test", "steps": [
  { "say": "Lie on your back with your knees bent and your feet flat on the floor." },
  { "exercise": "Knee to chest", "cue": "Bring your {side} knee toward your chest and hold it there.",
    "sides": ["left", "right"], "reps": 2, "hold": 40 } ] }"#;

/// A home with a sink of its own on the test binary's sound server, and tmux.
struct Lab {
    home: Home,
    /// Each terminal has a tmux server of its own: `tmux0`, `tmux1`...
    terminals: std::cell::Cell<usize>,
}

impl Lab {
    fn new() -> Option<Lab> {
        if common::missing(&["tmux"], "the screen tests") {
            return None;
        }
        let home = Home::with_sound()?;
        home.routine("screen", ROUTINE);
        Some(Lab {
            home,
            terminals: std::cell::Cell::new(0),
        })
    }

    fn path(&self) -> &Path {
        self.home.path()
    }

    /// The environment a session gets, as `env` arguments: the lab's and nothing of the user's.
    fn env(&self, extra: &[&str]) -> Vec<String> {
        let mut env = vec![
            "env".to_string(),
            "-i".into(),
            format!("PATH={}", std::env::var("PATH").unwrap_or_default()),
            "TERM=xterm-256color".into(),
        ];
        env.extend(self.home.env_args());
        env.extend(extra.iter().map(|s| s.to_string()));
        env
    }

    /// tmux, on the lab's own server.
    fn tmux(&self, args: &[&str]) -> String {
        let socket = format!("tmux{}", self.terminals.get());
        let out = Command::new("tmux")
            .arg("-S")
            .arg(self.path().join(socket))
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Starts `command` in a terminal of `width` columns and 30 lines.
    fn terminal(&self, width: u16, command: &[String]) {
        if self
            .path()
            .join(format!("tmux{}", self.terminals.get()))
            .exists()
        {
            self.tmux(&["kill-server"]);
            self.terminals.set(self.terminals.get() + 1);
        }
        let mut args = vec![
            "new-session".to_string(),
            "-d".into(),
            "-x".into(),
            width.to_string(),
            "-y".into(),
            "30".into(),
        ];
        args.extend(command.iter().cloned());
        // The screen stays when the program ends, to be read.
        args.extend([";", "set-option", "-g", "remain-on-exit", "on"].map(String::from));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.tmux(&args);
    }

    /// The screen as text; with `colour`, with its escape codes.
    fn screen(&self, colour: bool) -> String {
        let mut args = vec!["capture-pane", "-p"];
        if colour {
            args.push("-e");
        }
        self.tmux(&args)
    }

    /// `limber ctl ARGS`'s output, when it succeeds.
    fn ctl(&self, args: &[&str]) -> Option<String> {
        let out = self.home.test().arg("ctl").args(args).any_status().run();
        (out.status == Some(0)).then_some(out.stdout)
    }

    fn status(&self) -> Option<serde_json::Value> {
        self.ctl(&["status", "--json"])
            .and_then(|s| serde_json::from_str(&s).ok())
    }

    /// Waits up to 30 s for the session's status to satisfy `ready`.
    fn until(&self, what: &str, ready: impl Fn(&serde_json::Value) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if self.status().is_some_and(|s| ready(&s)) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "never {what}; the screen:\n{}",
                self.screen(false)
            );
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    /// Waits up to 30 s for the screen to show `text`.
    fn until_shown(&self, text: &str) -> String {
        self.until_screen(text, |screen| screen.contains(text))
    }

    /// Waits up to 30 s for the screen to satisfy `ready`.
    fn until_screen(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let screen = self.screen(false);
            if ready(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "the screen never showed {what}:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits for the hold's bar in the status area.
    fn until_holding(&self) -> String {
        self.until_screen("the hold's bar", |screen| {
            screen
                .lines()
                .any(|l| l.starts_with("hold ") && l.contains(['█', '░']))
        })
    }

    /// Pauses the session and waits until the display says so.
    fn pause(&self) -> String {
        assert!(self.ctl(&["pause"]).is_some());
        self.until_shown("Paused")
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        self.tmux(&["kill-server"]);
    }
}

/// The screen with what changes from run to run masked: times, seconds left, a bar's fill, and
/// the blank lines below the last one. Messages about the audio output (a loaded machine's
/// sound server may drop out) and tmux's own last line are left out, and only the last 12 lines
/// are kept, which do not depend on how many lines such messages took.
fn masked(screen: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in screen.trim_end().lines() {
        if line.starts_with("limber: ") {
            skipping = line.contains("audio output");
        } else if !line.starts_with("        ") {
            skipping = false;
        }
        if skipping || line.starts_with("Pane is dead") {
            continue;
        }
        let mut l = String::new();
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let clock = i + 5 <= chars.len()
                && chars[i..i + 5].iter().enumerate().all(|(k, c)| {
                    if k == 2 {
                        *c == ':'
                    } else {
                        c.is_ascii_digit()
                    }
                });
            if clock {
                l.push_str("mm:ss");
                i += 5;
                continue;
            }
            match c {
                '█' | '░' => l.push('▒'),
                _ => l.push(c),
            }
            i += 1;
        }
        // Seconds left in a hold: "  12 s" at the end of the meter's line.
        if let Some(pos) = l.rfind(" s")
            && pos + 2 == l.len()
            && l.contains('▒')
        {
            let start = l[..pos]
                .trim_end_matches(|c: char| c.is_ascii_digit())
                .len();
            l = format!("{} N s", l[..start].trim_end());
        }
        out.push_str(l.trim_end());
        out.push('\n');
    }
    let lines: Vec<&str> = out.trim_end().lines().collect();
    lines[lines.len().saturating_sub(12)..].join("\n") + "\n"
}

fn session(lab: &Lab, width: u16, extra_env: &[&str]) {
    let mut command = lab.env(extra_env);
    command.extend(
        [limber_bin().display().to_string()]
            .into_iter()
            .chain(["run", "screen", "--voice", "none"].map(String::from)),
    );
    lab.terminal(width, &command);
}

#[test]
fn the_live_display_reads_well_wide_and_narrow() {
    let Some(lab) = Lab::new() else {
        return;
    };
    for (width, name, env) in [
        (100u16, "wide", &[][..]),
        (40, "narrow", &["NO_COLOR=1"][..]),
    ] {
        session(&lab, width, env);
        // The first moment: the first side's cue has just been said.
        lab.until("at the left side", |s| s["side"] == "left");
        let paused = lab.pause();
        insta::assert_snapshot!(format!("{name}_paused_at_the_first_cue"), masked(&paused));
        let coloured = lab.screen(true);
        // tmux gives the screen's styles as escape codes of its own: there are some where
        // colour helps, and none at all with NO_COLOR.
        if env.is_empty() {
            assert!(coloured.contains("\x1b["), "colour where it helps");
        } else {
            assert!(!coloured.contains("\x1b["), "NO_COLOR: {coloured:?}");
        }
        for line in paused.lines() {
            assert!(line.chars().count() <= width as usize, "{line:?}");
        }
        // Paused is said once, in the status area, with how to go on.
        assert!(paused.contains("Paused: press space to go on"), "{paused}");
        assert!(!paused.contains("limber: paused"), "{paused}");
        // The second: resumed, and into the hold, with its bar.
        assert!(lab.ctl(&["resume"]).is_some());
        let holding = lab.until_holding();
        insta::assert_snapshot!(format!("{name}_in_the_hold"), masked(&holding));
        // The last: stopped with q.
        lab.tmux(&["send-keys", "q"]);
        // Waited for to its last words: on a busy machine the screen was once read between the
        // summary's two lines.
        let done = lab.until_shown("says how it went.");
        // The status area is gone and the summary is the last word; what was above it depends
        // on the moment q came, so only the summary is kept.
        let done = masked(&done);
        let summary = &done[done.find("Stopped Screen test").unwrap()..];
        assert!(!done.contains("? keys"), "{done}");
        insta::assert_snapshot!(format!("{name}_stopped"), summary);
    }
}

#[test]
fn ctrl_z_pauses_and_fg_goes_on_with_the_keys_working() {
    let Some(lab) = Lab::new() else {
        return;
    };
    // A shell, for its job control: Ctrl-Z and fg are the shell's.
    let mut shell = lab.env(&["PS1=$ "]);
    shell.extend(["bash", "--norc", "--noprofile", "-i"].map(String::from));
    lab.terminal(80, &shell);
    let line = format!("{} run screen --voice none", limber_bin().display());
    lab.tmux(&["send-keys", "-l", &line]);
    lab.tmux(&["send-keys", "Enter"]);
    lab.until_holding();
    let before = lab.status().unwrap();
    let left = |s: &serde_json::Value| s["session_left_seconds"].as_f64().unwrap();
    let t0 = Instant::now();
    lab.tmux(&["send-keys", "C-z"]);
    lab.until_shown("Stopped");
    // Longer than the 5 s after which a device whose counter stands still is taken for gone.
    std::thread::sleep(Duration::from_secs(6));
    lab.tmux(&["send-keys", "-l", "fg"]);
    lab.tmux(&["send-keys", "Enter"]);
    lab.until("resumed", |s| s["paused"] == false);
    let after = lab.status().unwrap();
    let gone = left(&before) - left(&after);
    let wall = t0.elapsed().as_secs_f64();
    // Only the moments before the stop and after fg count: the suspended seconds are a pause.
    assert!(
        gone < wall - 3.0,
        "{gone:.1} s of the session went in {wall:.1} s, 6 of them suspended"
    );
    assert!(lab.screen(false).contains("Resuming: Knee to chest, left"));
    // Before: the stop itself was told as a fault of the sound, after fg and at the end.
    std::thread::sleep(Duration::from_secs(1));
    assert!(
        !lab.screen(false).contains("went away"),
        "{}",
        lab.screen(false)
    );
    // A key works at once, without Enter.
    lab.tmux(&["send-keys", " "]);
    lab.until("paused by the space key", |s| s["paused"] == true);
    lab.tmux(&["send-keys", "q"]);
    lab.until_shown("Stopped Screen test");
    let end = lab.screen(false);
    assert!(
        !end.contains("went away") && !end.contains("broke up"),
        "{end}"
    );
}
