//! `limber prepare` and `limber render`: speech made ahead, and a session written to a file at the
//! timeline's exact samples.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use limber::plan::settings::{Settings, Sound};
use limber::plan::timeline::{self, What};
use limber::sound::clip::SoundSet;
use limber::sound::render::{Mix, convert, render, sample_at};

fn limber(home: &Path) -> Command {
    let mut cmd = Command::cargo_bin("limber").unwrap();
    cmd.env("LIMBER_ROUTINES", home.join("routines"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("LIMBER_CONFIG", "");
    cmd
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn espeak() -> bool {
    let found = std::process::Command::new("espeak-ng")
        .arg("--version")
        .output()
        .is_ok();
    if !found {
        eprintln!("SKIPPED: espeak-ng is not installed; run scripts/setup");
    }
    found
}

fn samples(path: &Path) -> (Vec<i16>, u32) {
    let mut r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    assert_eq!((spec.channels, spec.bits_per_sample), (1, 16));
    (
        r.samples::<i16>().map(Result::unwrap).collect(),
        spec.sample_rate,
    )
}

fn plan_json(home: &Path, routine: &str, voice: &str) -> serde_json::Value {
    let out = limber(home)
        .args(["plan", routine, "--json", "--voice", voice])
        .output()
        .unwrap();
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn every_chime_starts_at_its_exact_sample() {
    let routine = limber::routine::library::find("in-bed", None)
        .unwrap()
        .load()
        .unwrap();
    let sounds = SoundSet::built_in();
    let settings = Settings {
        sounds: sounds.lengths(),
        ..Settings::default()
    };
    let plan = timeline::plan(&routine, &settings);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in-bed.wav");
    let rate = 24_000;
    let mix = Mix {
        sounds: &sounds,
        sound_volume: 0.8,
        speech: None,
        voice_volume: 1.0,
        rate,
        stopped: || false,
    };
    let written = render(&plan, &mix, &path).unwrap();
    let (file, file_rate) = samples(&path);
    assert_eq!(file_rate, rate);
    assert_eq!(file.len() as u64, written);
    assert_eq!(written, sample_at(plan.total, rate));

    let mut checked = 0;
    for cue in &plan.cues {
        let What::Sound(sound) = cue.what else {
            continue;
        };
        let start = sample_at(cue.at, rate) as usize;
        let expect: Vec<i16> = convert(sounds.clip(sound), rate)
            .iter()
            .map(|s| (s * 0.8 * 32767.0).round() as i16)
            .collect();
        // Where the sound before has died away, the chime's first sample is its first sample.
        if file[start.saturating_sub(1)] == 0 || start == 0 {
            let n = 200.min(expect.len());
            assert_eq!(
                &file[start..start + n],
                &expect[..n],
                "{sound:?} at {} ms",
                cue.at
            );
            assert!(expect[..n].iter().any(|s| *s != 0));
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} chimes were checked");
    // Silence before the first chime: no speech was asked for.
    let first = plan
        .cues
        .iter()
        .find(|c| {
            matches!(
                c.what,
                What::Sound(Sound::HoldStart) | What::Sound(Sound::BreatheIn)
            )
        })
        .unwrap();
    assert!(
        file[..sample_at(first.at, rate) as usize]
            .iter()
            .all(|s| *s == 0)
    );
}

#[test]
fn a_rendered_twenty_minute_session_lasts_the_plans_total_to_the_sample() {
    if !espeak() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let out_path = home.path().join("lower back.wav");
    let chapters = home.path().join("chapters.json");
    let out = limber(home.path())
        .args(["render", "lower-back-basics", "--voice", "espeak-ng", "-o"])
        .arg(&out_path)
        .arg("--chapters")
        .arg(&chapters)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.starts_with("Wrote "), "{stdout}");
    // The plan, made afterwards from the same cache, is exact, and the file is exactly as long.
    let plan = plan_json(home.path(), "lower-back-basics", "espeak-ng");
    assert_eq!(plan["speech"]["measured"], plan["speech"]["lines"]);
    let total_ms = (plan["total_seconds"].as_f64().unwrap() * 1000.0).round() as u64;
    assert!(total_ms > 20 * 60 * 1000, "{total_ms} ms");
    let (file, rate) = samples(&out_path);
    assert_eq!(rate, 24_000);
    assert_eq!(file.len() as u64, total_ms * 24);
    // A chapter for each exercise, at the plan's times, starting with the opening words.
    let chapters: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&chapters).unwrap()).unwrap();
    let list = chapters["chapters"].as_array().unwrap();
    assert_eq!(list[0]["title"], "Opening");
    assert_eq!(list[0]["start_seconds"], 0.0);
    let steps = plan["steps"].as_array().unwrap();
    let exercises = routine_exercises("lower-back-basics");
    assert_eq!(list.len(), exercises + 1);
    for chapter in &list[1..] {
        let step = &steps[chapter["step"].as_u64().unwrap() as usize - 1];
        assert_eq!(step["title"], chapter["title"]);
        // A chapter takes in the words before its exercise, never starting after it.
        assert!(chapter["start_seconds"].as_f64() <= step["at"].as_f64());
    }
    for pair in list.windows(2) {
        assert_eq!(pair[0]["end_seconds"], pair[1]["start_seconds"]);
    }
    assert_eq!(list.last().unwrap()["end_seconds"], plan["total_seconds"]);
}

fn routine_exercises(name: &str) -> usize {
    let r = limber::routine::library::find(name, None)
        .unwrap()
        .load()
        .unwrap();
    r.steps
        .iter()
        .filter(|s| {
            matches!(
                s,
                limber::routine::Step::Exercise(_) | limber::routine::Step::Breathe(_)
            )
        })
        .count()
}

#[test]
fn prepare_fills_the_cache_once_and_makes_the_plan_exact() {
    if !espeak() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let before = plan_json(home.path(), "in-bed", "espeak-ng");
    assert_eq!(before["speech"]["measured"], 0);
    let out = limber(home.path())
        .args(["prepare", "in-bed", "--voice", "espeak-ng"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = before["speech"]["lines"].as_u64().unwrap();
    assert!(
        stdout.starts_with(&format!("In bed: {lines} lines, {lines} made now in ")),
        "{stdout}"
    );
    assert!(stdout.contains("Speech cache (espeak-ng): "), "{stdout}");
    let after = plan_json(home.path(), "in-bed", "espeak-ng");
    assert_eq!(after["speech"]["measured"], lines);
    // Real lengths, not the estimate: the plan moved.
    assert_ne!(before["total_seconds"], after["total_seconds"]);
    // A second time there is nothing to make.
    let again = limber(home.path())
        .args(["prepare", "in-bed", "--voice", "espeak-ng"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&again.stdout)
            .starts_with(&format!("In bed: {lines} lines, 0 made now in ")),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
    // Another voice is another cache entry: its plan is estimated again.
    let slower = limber(home.path())
        .args([
            "plan",
            "in-bed",
            "--json",
            "--voice",
            "espeak-ng",
            "--voice-rate",
            "120",
        ])
        .output()
        .unwrap();
    let slower: serde_json::Value = serde_json::from_slice(&slower.stdout).unwrap();
    assert_eq!(slower["speech"]["measured"], 0);
}

/// A configuration whose voice is the program `body`, written as a script.
fn own_program(home: &Path, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let program = home.join("my-tts");
    std::fs::write(&program, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    let config = home.join("config.json");
    std::fs::write(
        &config,
        serde_json::json!({
            "voice": { "engine": "command", "program": program, "arguments": ["{output}"], "timeout": 1 }
        })
        .to_string(),
    )
    .unwrap();
    config
}

#[test]
fn an_engine_that_fails_is_named_with_its_own_error_and_nothing_is_written() {
    let home = tempfile::tempdir().unwrap();
    let config = own_program(home.path(), "echo 'voice model is missing' >&2\nexit 2");
    let out_path = home.path().join("out.wav");
    let out = limber(home.path())
        .env("LIMBER_CONFIG", &config)
        .args(["render", "in-bed", "-o"])
        .arg(&out_path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("limber: cannot make the speech for In bed with my-tts: ")
            && stderr
                .trim_end()
                .ends_with("failed (exit status: 2): voice model is missing"),
        "{stderr}"
    );
    assert!(!out_path.exists());
    assert_eq!(
        std::fs::read_dir(home.path())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .contains("render")
            })
            .count(),
        0,
        "no temporary file is left"
    );

    // One that hangs is given up after its timeout.
    let config = own_program(home.path(), "sleep 30");
    let started = std::time::Instant::now();
    let out = limber(home.path())
        .env("LIMBER_CONFIG", &config)
        .args(["prepare", "in-bed"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(started.elapsed().as_secs() < 10);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("took longer than 1 s over one line"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn render_asks_for_a_known_format_and_the_system_voice_cannot_prepare() {
    let home = tempfile::tempdir().unwrap();
    let out = limber(home.path())
        .args(["render", "in-bed", "-o", "in-bed.ogg"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(
            "cannot tell the format of in-bed.ogg: name it .wav, .flac or .mp3, or give --format"
        ),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = limber(home.path())
        .args(["prepare", "in-bed", "--voice", "system"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("the system voice makes no sound files; choose one that does"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_routine_renders_with_chimes_alone() {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("quiet.wav");
    let chapters = home.path().join("quiet.txt");
    let routine = root().join("tests/routines/heard.json");
    limber(home.path())
        .args(["render"])
        .arg(&routine)
        .args(["--voice", "none", "-o"])
        .arg(&path)
        .arg("--chapters")
        .arg(&chapters)
        .assert()
        .success();
    let plan = plan_json(home.path(), routine.to_str().unwrap(), "none");
    let total_ms = (plan["total_seconds"].as_f64().unwrap() * 1000.0).round() as u64;
    assert_eq!(samples(&path).0.len() as u64, total_ms * 24);
    let text = std::fs::read_to_string(&chapters).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(lines[0], "00:00:00.000 Opening");
    assert!(
        lines[1].ends_with(" Knee hug") && lines[2].ends_with(" Bridge"),
        "{text}"
    );
}

#[test]
fn ctrl_c_during_a_render_stops_the_engine_and_leaves_nothing() {
    let home = tempfile::tempdir().unwrap();
    let pid_file = home.path().join("tts.pid");
    let config = own_program(
        home.path(),
        &format!("echo $$ > {}\nsleep 20", pid_file.display()),
    );
    let out_path = home.path().join("out.wav");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_limber"))
        .env("LIMBER_ROUTINES", home.path().join("routines"))
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .env("LIMBER_CONFIG", &config)
        .args(["render", "in-bed", "-o"])
        .arg(&out_path)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the engine is at work on the first line.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !pid_file.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the engine never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let engine = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .to_string();
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let started = std::time::Instant::now();
    let status = child.wait().unwrap();
    assert!(started.elapsed().as_secs() < 3);
    assert_eq!(status.code(), Some(130));
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(stderr, "limber: stopped; nothing was written\n");
    assert!(!out_path.exists());
    let left: Vec<_> = std::fs::read_dir(home.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with(".limber-render"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // The engine went with it.
    std::thread::sleep(std::time::Duration::from_millis(100));
    let state = std::fs::read_to_string(format!("/proc/{engine}/stat"));
    assert!(
        state.is_err() || state.unwrap().contains(") Z "),
        "the engine {engine} still runs"
    );
}
