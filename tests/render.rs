//! `limber prepare` and `limber render`: speech made ahead, and a session written to a file at the
//! timeline's exact samples.

use std::path::{Path, PathBuf};

use limber::plan::settings::{Settings, Sound};
use limber::plan::timeline::{self, What};
use limber::sound::clip::SoundSet;
use limber_lab::Home;

use limber::plan::timeline::Timeline;
use limber::sound::render::{Mix, convert, render};

mod common;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Whether espeak-ng is there; without it a test says so and returns, or fails in CI
/// (LIMBER_REQUIRE_AUDIO=1), like every test that needs a real part.
fn espeak() -> bool {
    !common::missing(&["espeak-ng"], "render tests with a voice")
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

fn plan_json(home: &Home, routine: &str, voice: &str) -> serde_json::Value {
    home.test()
        .args(["plan", routine, "--json", "--voice", voice])
        .run()
        .json()
}

/// Renders in-bed's chimes alone (no voice) at `rate`, to a file that lasts the plan's total to
/// the sample.
fn render_chimes(rate: u32) -> (Timeline, SoundSet, Vec<i16>) {
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
    assert_eq!(written as usize, sample(plan.total, rate));
    (plan, sounds, file)
}

/// The sample of a moment of the plan, worked out here and not by the renderer.
fn sample(ms: u64, rate: u32) -> usize {
    (ms * u64::from(rate) / 1000) as usize
}

#[test]
fn every_chime_starts_at_its_exact_sample() {
    // At the sounds' own rate nothing is converted, so each chime in the file must be the
    // sound file's own samples at the sound volume, from its cue's exact sample.
    let rate = limber::sound::chime::RATE;
    let (plan, sounds, file) = render_chimes(rate);

    let mut checked = 0;
    for cue in &plan.cues {
        let What::Sound(sound) = cue.what else {
            continue;
        };
        let clip = sounds.clip(sound);
        assert_eq!((clip.channels, clip.rate), (1, rate), "{sound:?}");
        let start = sample(cue.at, rate);
        let expect: Vec<i16> = clip
            .samples
            .iter()
            .map(|s| (s * 0.8 * 32767.0).round() as i16)
            .collect();
        // Where the sound before has died away, the chime's first sample is its first sample.
        if start == 0 || file[start - 1] == 0 {
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
    assert!(file[..sample(first.at, rate)].iter().all(|s| *s == 0));
}

#[test]
fn at_another_rate_each_chime_starts_on_time_and_keeps_its_length_and_level() {
    let rate = 24_000;
    let (plan, sounds, file) = render_chimes(rate);
    let mut checked = 0;
    for cue in &plan.cues {
        let What::Sound(sound) = cue.what else {
            continue;
        };
        let start = sample(cue.at, rate);
        let clip = sounds.clip(sound);
        let length = clip.samples.len() * rate as usize / clip.rate as usize;
        let end = (start + length).min(file.len());
        // Only chimes heard alone: silence just before, and nothing starting within them.
        let alone = (start == 0 || file[start - 1] == 0)
            && !plan.cues.iter().any(|c| {
                c.at > cue.at && sample(c.at, rate) < end && matches!(c.what, What::Sound(_))
            });
        if !alone {
            continue;
        }
        let peak = |s: &[i16]| s.iter().map(|v| i32::from(*v).abs()).max().unwrap_or(0);
        let want = (clip.samples.iter().fold(0f32, |m, s| m.max(s.abs())) * 0.8 * 32767.0) as i32;
        let got = peak(&file[start..end]);
        assert!(
            (got - want).abs() <= want / 20,
            "{sound:?} at {} ms peaks at {got}, not {want}",
            cue.at
        );
        // It is first heard where the sound file is first heard (within a millisecond: the
        // conversion smooths the edge), and has died away by its end.
        let audible = |v: f32| (v * 0.8 * 32767.0).round() != 0.0;
        let lead = clip.samples.iter().position(|v| audible(*v)).unwrap() * rate as usize
            / clip.rate as usize;
        let heard = file[start..end].iter().position(|v| *v != 0).unwrap();
        assert!(
            heard.abs_diff(lead) <= rate as usize / 1000,
            "{sound:?} is first heard {heard} samples after its cue, not {lead}"
        );
        if end + 10 < file.len() {
            assert!(
                peak(&file[end..end + 10]) <= want / 50,
                "{sound:?} lasts too long"
            );
        }
        checked += 1;
    }
    assert!(checked > 10, "only {checked} chimes were checked");
}

#[test]
fn a_rendered_twenty_minute_session_lasts_the_plans_total_to_the_sample() {
    if !espeak() {
        return;
    }
    let home = Home::new();
    let out_path = home.path().join("lower back.wav");
    let chapters = home.path().join("chapters.json");
    let stdout = home
        .test()
        .args(["render", "lower-back-basics", "--voice", "espeak-ng", "-o"])
        .arg(&out_path)
        .arg("--chapters")
        .arg(&chapters)
        .run()
        .stdout;
    assert!(stdout.starts_with("Wrote "), "{stdout}");
    // The plan, made afterwards from the same cache, is exact, and the file is exactly as long.
    let plan = plan_json(&home, "lower-back-basics", "espeak-ng");
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
    let home = Home::new();
    let before = plan_json(&home, "in-bed", "espeak-ng");
    assert_eq!(before["speech"]["measured"], 0);
    let stdout = home
        .test()
        .args(["prepare", "in-bed", "--voice", "espeak-ng"])
        .run()
        .stdout;
    let lines = before["speech"]["lines"].as_u64().unwrap();
    assert!(
        stdout.starts_with(&format!("In bed: {lines} lines, {lines} made now in ")),
        "{stdout}"
    );
    assert!(stdout.contains("Speech cache (espeak-ng): "), "{stdout}");
    let after = plan_json(&home, "in-bed", "espeak-ng");
    assert_eq!(after["speech"]["measured"], lines);
    // Real lengths, not the estimate: the plan moved.
    assert_ne!(before["total_seconds"], after["total_seconds"]);
    // A second time there is nothing to make.
    let again = home
        .test()
        .args(["prepare", "in-bed", "--voice", "espeak-ng"])
        .any_status()
        .run()
        .stdout;
    assert!(
        again.starts_with(&format!("In bed: {lines} lines, 0 made now in ")),
        "{again}"
    );
    // Another voice is another cache entry: its plan is estimated again.
    let slower = home
        .test()
        .args([
            "plan",
            "in-bed",
            "--json",
            "--voice",
            "espeak-ng",
            "--voice-rate",
            "120",
        ])
        .any_status()
        .run()
        .json();
    assert_eq!(slower["speech"]["measured"], 0);
}

/// A configuration whose voice is the program `body`, written as a script.
fn own_program(home: &Home, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let program = home.join("my-tts");
    std::fs::write(&program, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
    home.config(serde_json::json!({
        "voice": { "engine": "command", "program": program, "arguments": ["{output}"], "timeout": 1 }
    }))
}

#[test]
fn an_engine_that_fails_is_named_with_its_own_error_and_nothing_is_written() {
    let home = Home::new();
    let config = own_program(&home, "echo 'voice model is missing' >&2\nexit 2");
    let out_path = home.path().join("out.wav");
    let stderr = home
        .test()
        .env("LIMBER_CONFIG", &config)
        .args(["render", "in-bed", "-o"])
        .arg(&out_path)
        .status(1)
        .run()
        .stderr;
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
    let config = own_program(&home, "sleep 30");
    let started = std::time::Instant::now();
    home.test()
        .env("LIMBER_CONFIG", &config)
        .args(["prepare", "in-bed"])
        .status(1)
        .stderr_has("took longer than 1 s over one line")
        .run();
    assert!(started.elapsed().as_secs() < 10);
}

#[test]
fn render_asks_for_a_known_format_and_the_system_voice_cannot_prepare() {
    let home = Home::new();
    home.test()
        .args(["render", "in-bed", "-o", "in-bed.ogg"])
        .status(2)
        .stderr_has(
            "cannot tell the format of in-bed.ogg: name it .wav, .flac or .mp3, or give --format",
        )
        .run();
    home.test()
        .args(["prepare", "in-bed", "--voice", "system"])
        .status(2)
        .stderr_has("the system voice makes no sound files; choose one that does")
        .run();
}

#[test]
fn a_routine_renders_with_chimes_alone() {
    let home = Home::new();
    let path = home.path().join("quiet.wav");
    let chapters = home.path().join("quiet.txt");
    let routine = root().join("tests/routines/heard.json");
    home.test()
        .arg("render")
        .arg(&routine)
        .args(["--voice", "none", "-o"])
        .arg(&path)
        .arg("--chapters")
        .arg(&chapters)
        .run();
    let plan = plan_json(&home, routine.to_str().unwrap(), "none");
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
    let home = Home::new();
    let pid_file = home.path().join("tts.pid");
    let config = own_program(
        &home,
        &format!("echo $$ > {}\nsleep 20", pid_file.display()),
    );
    let out_path = home.path().join("out.wav");
    let mut child = home
        .test()
        .env("LIMBER_CONFIG", &config)
        .args(["render", "in-bed", "-o"])
        .arg(&out_path)
        .spawn();
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

/// Piper, as `scripts/setup` installs it and `auto` finds it: a whole built-in routine is made by
/// one piper process, and rendered with every line where the plan puts it, silence everywhere
/// else, and every hold exact to the sample.
#[test]
fn piper_prepares_a_routine_in_one_process_and_renders_it_where_the_plan_says() {
    let Some(data) = common::installed_piper() else {
        return;
    };
    let home = Home::new();
    let counting = common::give_piper(home.path(), &data);
    let config =
        home.config(serde_json::json!({ "voice": { "program": counting, "timeout": 120 } }));
    let run = |args: &[&str]| {
        let out = home.test().env("LIMBER_CONFIG", &config).args(args).run();
        (out.stdout, out.stderr)
    };
    let (stdout, stderr) = run(&["prepare", "in-bed", "-v"]);
    assert!(
        stderr.contains("voice: auto: piper, with the voice en_US-joe-medium"),
        "{stderr}"
    );
    assert!(stdout.contains("Speech cache (piper): "), "{stdout}");
    // One piper for all the lines.
    assert_eq!(common::piper_starts(home.path()).len(), 1, "{stdout}");
    assert!(
        common::piper_starts(home.path())
            .iter()
            .all(|p| !common::alive(*p)),
        "piper outlived prepare"
    );

    let (json, _) = run(&["plan", "in-bed", "--json"]);
    let plan: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(plan["speech"]["engine"], "piper");
    assert_eq!(plan["speech"]["voice"], "en_US-joe-medium");
    assert_eq!(plan["speech"]["measured"], plan["speech"]["lines"]);
    let out_path = home.path().join("in-bed.wav");
    run(&["render", "in-bed", "-o", out_path.to_str().unwrap()]);
    // Everything was in the cache: no piper at all.
    assert_eq!(common::piper_starts(home.path()).len(), 1);

    let (file, rate) = samples(&out_path);
    let total = plan["total_seconds"].as_f64().unwrap();
    assert!(((file.len() as f64 / rate as f64) - total).abs() < 0.001);
    let at = |s: f64| ((s * rate as f64).round() as usize).min(file.len());
    // The plan's times are to the hundredth of a second.
    let slack = 0.011;
    let mut sounding = vec![false; file.len()];
    let cues = plan["cues"].as_array().unwrap();
    let mut spoken = 0;
    for cue in cues {
        if cue["kind"] == "silence" {
            continue;
        }
        let (from, to) = (
            cue["at"].as_f64().unwrap(),
            cue["at"].as_f64().unwrap() + cue["seconds"].as_f64().unwrap(),
        );
        sounding[at(from - slack)..at(to + slack)].fill(true);
        if cue["kind"] == "speech" {
            // Speech from its first moments: the first syllable is where the plan says.
            let words = &file[at(from + slack)..at(to - slack)];
            let loud = |part: &[i16]| part.iter().any(|s| s.unsigned_abs() > 1000);
            let tenth = at(0.3).min(words.len());
            assert!(
                loud(&words[..tenth.max(1)]) || loud(&words[..words.len().min(at(0.5))]),
                "no speech at the start of {:?} at {from} s",
                cue["text"]
            );
            spoken += 1;
        }
    }
    assert_eq!(
        spoken,
        cues.iter().filter(|c| c["kind"] == "speech").count()
    );
    assert!(spoken > 100, "{spoken}");
    // Nothing sounds where the plan has nothing.
    if let Some(stray) = (0..file.len()).find(|i| !sounding[*i] && file[*i] != 0) {
        panic!(
            "sound at {:.3} s, where the plan has none",
            stray as f64 / rate as f64
        );
    }
    // Each hold, from the first sample of its start chime to the first of its end chime, lasts
    // exactly its seconds.
    let sounds = SoundSet::built_in();
    let chime = |sound: Sound| -> Vec<i16> {
        convert(sounds.clip(sound), rate)
            .iter()
            .take(200)
            .map(|s| (s * 0.8 * 32767.0).round() as i16)
            .collect()
    };
    let (high, low) = (chime(Sound::HoldStart), chime(Sound::HoldEnd));
    // The sample where the chime's own first samples are, within the plan's rounding.
    let onset = |near: f64, expect: &[i16]| {
        (at(near - slack)..at(near + slack)).find(|i| file[*i..].starts_with(expect))
    };
    let mut holds = 0;
    for (i, cue) in cues.iter().enumerate() {
        if cue["kind"] != "silence" || cue["silence"] != "hold" {
            continue;
        }
        let start = cues[..i]
            .iter()
            .rev()
            .find(|c| c["sound"] == "hold_start")
            .unwrap();
        let end = cues[i..].iter().find(|c| c["sound"] == "hold_end").unwrap();
        let (Some(s), Some(e)) = (
            onset(start["at"].as_f64().unwrap(), &high),
            onset(end["at"].as_f64().unwrap(), &low),
        ) else {
            panic!("a hold's chimes are not where the plan says: {cue}");
        };
        let seconds = cue["seconds"].as_f64().unwrap();
        assert_eq!(e - s, (seconds * rate as f64).round() as usize, "{cue}");
        holds += 1;
    }
    assert!(holds > 20, "{holds}");
}

/// A Piper voice that is not there, or not a voice, is an error with Piper's own words, and
/// nothing is made.
#[test]
fn a_missing_or_corrupt_piper_model_is_named() {
    let Some(data) = common::installed_piper() else {
        return;
    };
    let home = Home::new();
    common::give_piper(home.path(), &data);
    let config = home.config(
        serde_json::json!({ "voice": { "engine": "piper", "model": "/nonexistent/en_US-x-medium.onnx" } }),
    );
    let stderr = home
        .test()
        .env("LIMBER_CONFIG", &config)
        .args(["prepare", "in-bed"])
        .status(1)
        .run()
        .stderr;
    assert_eq!(
        stderr.trim_end(),
        "limber: piper cannot start (its voice model /nonexistent/en_US-x-medium.onnx is not there)"
    );

    // A model file that is not one, beside the joe voice's own settings.
    let voices = home.path().join(".local/share/limber/voices");
    std::fs::write(voices.join("en_US-broken-medium.onnx"), b"not a model").unwrap();
    std::fs::copy(
        data.join("voices/en_US-joe-medium.onnx.json"),
        voices.join("en_US-broken-medium.onnx.json"),
    )
    .unwrap();
    let stderr = home
        .test()
        .args([
            "prepare",
            "in-bed",
            "--voice",
            "piper",
            "--voice-name",
            "en_US-broken-medium",
        ])
        .status(1)
        .run()
        .stderr;
    assert!(
        stderr.contains("piper failed (exit status: 1): ") && stderr.contains("INVALID_PROTOBUF"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_dir(home.path().join("cache/limber/speech")).map_or(0, |d| d.count()),
        0,
        "nothing half-made is kept"
    );
    // A name that is no voice lists those there are.
    let stderr = home
        .test()
        .args([
            "plan",
            "in-bed",
            "--voice",
            "piper",
            "--voice-name",
            "en_US-elvish-medium",
        ])
        .status(2)
        .run()
        .stderr;
    assert_eq!(
        stderr.trim_end(),
        "limber: piper has no voice named \"en_US-elvish-medium\"; it has en_US-broken-medium, en_US-joe-medium"
    );
}
