//! End to end with real parts: the real binary, a real voice, a real sound server.
//!
//! Each test plays into a null sink of its own on the test binary's private PulseAudio server,
//! records the sink's monitor while `limber run` plays into it, and checks from the recording what a person would have heard: the
//! words and the chimes, in order, each hold exactly its seconds, and silence soon after Ctrl-C.
//! Every process a test starts is stopped when it ends, speech-dispatcher included.
//!
//! They need pulseaudio, parec, espeak-ng and speech-dispatcher (`scripts/setup --test` installs them).
//! Without them the tests say so and pass, unless LIMBER_REQUIRE_AUDIO=1 (as in CI), when they fail.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use limber::plan::settings::Sound;
use limber_lab::listen;

mod common;

use limber_lab::Home;

/// One session at a time: two sessions sharing the two cores would time each other (each plays
/// into a sink of its own, but side by side on a loaded machine chimes were lost).
static SERIAL: Mutex<()> = Mutex::new(());

const TOLERANCE: f64 = 0.030;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A home with a sink of its own on the test binary's sound server, and the recorders started
/// to listen to it.
struct Lab {
    home: Home,
    recordings: Vec<common::Recording>,
}

impl Lab {
    /// A home and a sink, or `None` (after saying why) when the tools are missing.
    fn start() -> Option<Lab> {
        if common::missing(&["espeak-ng"], "audio tests") {
            return None;
        }
        Some(Lab {
            home: Home::with_sound()?,
            recordings: Vec::new(),
        })
    }

    /// Starts recording the sink, and waits until the recording runs.
    fn record(&mut self, name: &str) -> PathBuf {
        let path = self.home.join(name);
        let sink = self.home.sink().expect("a lab with a sink");
        self.recordings.push(sink.record(&path, "s16le"));
        path
    }

    /// Stops the recorder so the file is complete, and reads it.
    fn stop_recording(&mut self, path: &Path) -> (Vec<f32>, u32) {
        std::thread::sleep(Duration::from_millis(500));
        drop(self.recordings.pop());
        listen::read_wav(path).unwrap()
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        self.recordings.clear();
        // speech-dispatcher was started by the session with our runtime folder: find it by that.
        let marker = self.home.path().to_string_lossy().into_owned();
        if let Ok(procs) = std::fs::read_dir("/proc") {
            for p in procs.flatten() {
                let Ok(pid) = p.file_name().to_string_lossy().parse::<i32>() else {
                    continue;
                };
                let cmdline = std::fs::read(p.path().join("cmdline")).unwrap_or_default();
                if String::from_utf8_lossy(&cmdline).contains(&marker) {
                    let _ = Command::new("kill")
                        .args(["-KILL", &pid.to_string()])
                        .status();
                }
            }
        }
    }
}

/// What was heard: hold lengths in order, and whether words came before the first chime.
fn check_heard(samples: &[f32], rate: u32, holds: &[f64]) {
    let starts = listen::onsets(samples, rate, Sound::HoldStart);
    let ends = listen::onsets(samples, rate, Sound::HoldEnd);
    assert_eq!(
        starts.len(),
        holds.len(),
        "hold-start chimes heard at {starts:?}"
    );
    assert_eq!(ends.len(), holds.len(), "hold-end chimes heard at {ends:?}");
    for (i, ((s, e), want)) in starts.iter().zip(&ends).zip(holds).enumerate() {
        assert!(s < e, "hold {} ends before it starts", i + 1);
        if let Some(next) = starts.get(i + 1) {
            assert!(e < next, "hold {} ends after the next one starts", i + 1);
        }
        let lasted = e - s;
        assert!(
            (lasted - want).abs() <= TOLERANCE,
            "hold {} lasted {lasted:.3} s, not {want} s",
            i + 1
        );
    }
    // Words before the first chime and between holds: the cue of each rep.
    let spans = listen::sound_spans(samples, rate, 0.01);
    let before = |t: f64, from: f64| spans.iter().any(|(a, b)| *a >= from && *b <= t - 0.05);
    assert!(
        before(starts[0], 0.0),
        "no words were heard before the first hold: {spans:?}"
    );
    for i in 1..starts.len() {
        assert!(
            before(starts[i], ends[i - 1] + 0.8),
            "no cue was heard before hold {}",
            i + 1
        );
    }
    // The closing bells after the last hold.
    let finish = listen::onsets(samples, rate, Sound::Finish);
    assert!(
        finish.iter().any(|f| *f > ends[ends.len() - 1]),
        "no closing chime after the last hold"
    );
}

fn session(voice: &str) {
    let _one = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let Some(mut lab) = Lab::start() else { return };
    let wav = lab.record(&format!("{voice}.wav"));
    let routine = root().join("tests/routines/heard.json");
    let out = lab
        .home
        .test()
        .args([
            "run",
            routine.to_str().unwrap(),
            "--voice",
            voice,
            "--captions",
        ])
        .run();
    let (stdout, stderr) = (&out.stdout, &out.stderr);
    assert!(!stderr.contains("ALSA lib"), "{stderr}");
    // The server holds a second and a half made ahead: nothing breaks up, and nothing is told
    // that did not happen (a first write left waiting for the server was told as a gap).
    assert!(!stderr.contains("broke up"), "a gap was told: {stderr}");
    assert!(
        stdout.contains("Finished Heard test: 3 of 3 steps"),
        "{stdout}"
    );
    if voice == "system" {
        assert!(
            !stderr.contains("carrying on with"),
            "the system voice gave up: {stderr}"
        );
    }
    let (samples, rate) = lab.stop_recording(&wav);
    check_heard(&samples, rate, &[4.0, 4.0, 3.0, 3.0]);
}

#[test]
fn a_session_is_heard_with_espeak_ng() {
    session("espeak-ng");
}

#[test]
fn a_session_is_heard_with_the_system_voice() {
    if common::missing(&["speech-dispatcher"], "the system voice's test") {
        return;
    }
    session("system");
}

#[test]
fn ctrl_c_silences_the_session_at_once() {
    let _one = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let Some(mut lab) = Lab::start() else { return };
    let wav = lab.record("stopped.wav");
    let child = lab
        .home
        .test()
        .args([
            "run",
            "lower-back-basics",
            "--voice",
            "espeak-ng",
            "--no-captions",
        ])
        .spawn();
    // Stop in the middle of words: watch the recording until the last moments of it are loud.
    let started = Instant::now();
    let recorded_before = loop {
        assert!(
            started.elapsed() < Duration::from_secs(40),
            "no words were heard to interrupt"
        );
        std::thread::sleep(Duration::from_millis(50));
        let Ok((samples, rate)) = listen::read_wav(&wav) else {
            continue;
        };
        let tail = &samples[samples.len().saturating_sub(rate as usize / 5)..];
        let level = listen::rms(tail);
        if started.elapsed() > Duration::from_secs(3) && level > 0.02 {
            break std::fs::metadata(&wav).unwrap().len();
        }
    };
    let sent = Instant::now();
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let took = sent.elapsed();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(took < Duration::from_secs(1), "it took {took:?} to stop");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("Stopped Lower back basics after 00:0"),
        "{stdout}"
    );
    let (samples, rate) = lab.stop_recording(&wav);
    // Where the signal fell in the recording: the bytes written by then, less the header.
    let at = ((recorded_before.saturating_sub(44)) / 2) as usize;
    let window = |from: f64, to: f64| {
        let a = (at as f64 + from * f64::from(rate)).max(0.0) as usize;
        let b = ((at as f64 + to * f64::from(rate)) as usize).min(samples.len());
        let s = &samples[a.min(b)..b];
        listen::rms(s)
    };
    assert!(
        window(-0.6, 0.0) > 0.01,
        "words were being spoken when Ctrl-C came"
    );
    let after = window(0.25, 2.0);
    assert!(after < 0.001, "sound went on after Ctrl-C (level {after})");
}

#[test]
fn no_audio_output_as_a_service_is_a_clear_error() {
    let _one = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    // A home with no sound server.
    let stderr = limber_lab::Test::new()
        .args(["run", "in-bed", "--voice", "none"])
        .status(1)
        .run()
        .stderr;
    assert!(stderr.starts_with("limber: no audio output: "), "{stderr}");
    assert!(stderr.contains("Connect or unmute a speaker"), "{stderr}");
    assert!(
        !stderr.contains("ALSA lib"),
        "the audio library's own noise leaked: {stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

/// Reads a process's CPU time (user + system, seconds) and peak resident memory (KB) from /proc.
fn usage(pid: u32) -> Option<(f64, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let hwm = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some((ticks / 100.0, hwm))
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Each planned line's text, where the live recording has it against the rendering (ms, after
/// the neighbouring chimes are aligned) and how alike the two are there (the waveforms'
/// correlation: 1 is the same samples). The chimes are given as (live, rendered) onsets in seconds,
/// in order, with `planned_first`, the plan's moment of the first.
///
/// A line is compared at the offset of the chime just before it and of the chime just after it,
/// and the nearer of the two matches is kept (or the clearly better one): a gap the device or its bridge puts into the output (an
/// underrun) shifts everything after it, so a line is measured against the chimes on its own side
/// of such a gap, and the gap itself shows in the chimes' own figures. Within that, a coarse
/// search on the loudness contour (1 ms steps, 150 ms either way) then a fine one on the samples
/// (2 ms either way).
fn spoken_lines(
    plan: &serde_json::Value,
    live: (&[f32], u32),
    file: (&[f32], u32),
    chimes: &[(f64, f64)],
    planned_first: f64,
) -> Vec<(String, f64, f64)> {
    assert_eq!(
        live.1, file.1,
        "the recording and the rendering at one rate"
    );
    let step = live.1 as usize / 1000;
    // Sums of squares, for the loudness of any stretch from any sample.
    let energy = |samples: &[f32]| -> Vec<f64> {
        std::iter::once(0.0)
            .chain(samples.iter().scan(0.0, |sum, &x| {
                *sum += f64::from(x) * f64::from(x);
                Some(*sum)
            }))
            .collect()
    };
    let (a, b) = (energy(live.0), energy(file.0));
    let mut lines = Vec::new();
    for cue in plan["cues"].as_array().unwrap() {
        if cue["kind"] != "speech" {
            continue;
        }
        let at = cue["at"].as_f64().unwrap() - planned_first;
        let len = cue["seconds"].as_f64().unwrap().min(3.0);
        // Where the line is in the rendering.
        let from_file = chimes[0].1 + at;
        let after = chimes.partition_point(|c| c.1 <= from_file);
        let mut best: Option<(f64, f64)> = None;
        for &(heard, rendered) in [after.checked_sub(1), Some(after)]
            .into_iter()
            .flatten()
            .filter_map(|i| chimes.get(i))
        {
            let offset = heard - rendered;
            // Both neighbours find the same samples where a line is whole; the nearer match is
            // the one on the line's side of a gap.
            if let Some(found) = compare(&a, &b, live.0, file.0, step, from_file, offset, len)
                && best.is_none_or(|b| {
                    (found.1 - b.1) > 0.01 || (found.1 > b.1 - 0.01 && found.0.abs() < b.0.abs())
                })
            {
                best = Some(found);
            }
        }
        if let Some((shift, r)) = best {
            lines.push((cue["text"].as_str().unwrap().to_string(), shift, r));
        }
    }
    lines
}

/// The best match of the rendering's `len` seconds from `from` (seconds) in the live recording
/// around `from + offset`: the shift from there in ms, and the waveforms' correlation. The
/// `energy` of each is its running sum of squares.
#[allow(clippy::too_many_arguments)]
fn compare(
    live_energy: &[f64],
    file_energy: &[f64],
    live: &[f32],
    file: &[f32],
    step: usize,
    from: f64,
    offset: f64,
    len: f64,
) -> Option<(f64, f64)> {
    let rate = (step * 1000) as f64;
    // The loudness in 1 ms steps of `ms` milliseconds from sample `start`.
    let contour = |energy: &[f64], start: i64, ms: usize| -> Option<Vec<f64>> {
        let start = usize::try_from(start).ok()?;
        energy.get(start + ms * step)?;
        Some(
            (0..ms)
                .map(|k| {
                    let (i, j) = (start + k * step, start + (k + 1) * step);
                    ((energy[j] - energy[i]) / step as f64).sqrt()
                })
                .collect(),
        )
    };
    let ms = (len * 1000.0) as usize;
    let want = contour(file_energy, (from * rate) as i64, ms)?;
    let mut coarse = (0i64, f64::MIN);
    for shift in -150i64..=150 {
        let start = ((from + offset) * rate) as i64 + shift * step as i64;
        let Some(got) = contour(live_energy, start, ms) else {
            continue;
        };
        let r = correlation(&got, &want);
        if r > coarse.1 {
            coarse = (shift, r);
        }
    }
    let want: Vec<f64> = file
        .get((from * rate) as usize..((from + len) * rate) as usize)?
        .iter()
        .map(|&x| f64::from(x))
        .collect();
    let reach = 2 * step;
    let start = usize::try_from(((from + offset) * rate) as i64 + coarse.0 * step as i64)
        .ok()?
        .checked_sub(reach)?;
    let near: Vec<f64> = live
        .get(start..start + want.len() + 2 * reach)?
        .iter()
        .map(|&x| f64::from(x))
        .collect();
    let mut fine = (0i64, f64::MIN);
    for shift in 0..=2 * reach {
        let r = correlation(&near[shift..shift + want.len()], &want);
        if r > fine.1 {
            fine = (shift as i64 - reach as i64, r);
        }
    }
    let shift = (coarse.0 * step as i64 + fine.0) as f64 / rate * 1000.0;
    Some((shift, fine.1))
}

/// Pearson's correlation of two series of one length.
fn correlation(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx).powi(2);
        syy += (b - my).powi(2);
    }
    sxy / (sxx * syy).sqrt().max(f64::MIN_POSITIVE)
}

/// The detections that are the planned chimes, and the others. The plan is aligned on one of the
/// first hold-start detections (the one that matches the most); each planned chime is then the
/// detection of its kind nearest its moment, within a quarter of a second.
fn pick(
    found: &[(f64, &'static str)],
    planned: &[(f64, &str)],
) -> (Vec<(f64, &'static str)>, Vec<f64>) {
    let Some(first) = planned.iter().find(|p| p.1 == "hold_start") else {
        return (found.to_vec(), Vec::new());
    };
    let nearest = |offset: f64, p: &(f64, &str)| {
        found
            .iter()
            .enumerate()
            .filter(|(_, f)| f.1 == p.1 && (f.0 - (p.0 + offset)).abs() < 0.25)
            .min_by(|a, b| {
                (a.1.0 - p.0 - offset)
                    .abs()
                    .total_cmp(&(b.1.0 - p.0 - offset).abs())
            })
            .map(|(i, _)| i)
    };
    let best = found
        .iter()
        .filter(|f| f.1 == "hold_start")
        .take(3)
        .map(|f| f.0 - first.0)
        .max_by_key(|offset| {
            planned
                .iter()
                .filter(|p| nearest(*offset, p).is_some())
                .count()
        });
    let Some(offset) = best else {
        return (Vec::new(), found.iter().map(|f| f.0).collect());
    };
    let chosen: Vec<usize> = planned.iter().filter_map(|p| nearest(offset, p)).collect();
    let others = (0..found.len())
        .filter(|i| !chosen.contains(i))
        .map(|i| found[i].0)
        .collect();
    (chosen.into_iter().map(|i| found[i]).collect(), others)
}

/// Where each hold chime and the closing bell start in a recording, to a fraction of a
/// millisecond (matched filtering against the sounds themselves), in order.
fn heard_chimes(samples: &[f32], rate: u32) -> Vec<(f64, &'static str)> {
    let set = limber::sound::clip::SoundSet::built_in();
    let mut heard: Vec<(f64, &str)> = Vec::new();
    for (sound, name) in [
        (Sound::HoldStart, "hold_start"),
        (Sound::HoldEnd, "hold_end"),
        (Sound::Finish, "finish"),
    ] {
        let clip = limber::sound::render::convert(set.clip(sound), rate);
        heard.extend(
            listen::matched_onsets(samples, rate, sound, &clip)
                .into_iter()
                .map(|t| (t, name)),
        );
    }
    heard.sort_by(|a, b| a.0.total_cmp(&b.0));
    heard
}

/// The numbers in BENCHMARKS.md. Plays a whole built-in routine in real time (about 13 minutes):
///
///     cargo test --release --test heard -- --ignored --nocapture measure_a_whole_session
#[test]
#[ignore = "plays a 13-minute session in real time; run it for BENCHMARKS.md"]
fn measure_a_whole_session() {
    measure(0);
}

/// The same with both cores kept busy by two other processes for the whole session.
///
///     cargo test --release --test heard -- --ignored --nocapture measure_a_session_under_load
#[test]
#[ignore = "plays a 13-minute session in real time on a loaded machine; run it for BENCHMARKS.md"]
fn measure_a_session_under_load() {
    measure(2);
}

fn measure(busy: usize) {
    let _one = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let Some(mut lab) = Lab::start() else { return };
    let routine = std::env::var("LIMBER_BENCH_ROUTINE").unwrap_or_else(|_| "in-bed".into());
    // `LIMBER_BENCH_VOICE=piper` measures a session spoken by the Piper that scripts/setup
    // installed (its data folder is this user's, not the lab's).
    let voice = std::env::var("LIMBER_BENCH_VOICE").unwrap_or_else(|_| "espeak-ng".into());
    if voice == "piper" {
        let Some(data) = common::installed_piper() else {
            return;
        };
        common::give_piper(lab.home.path(), &data);
    }
    // A warm speech cache, as every session after the first has: the plan is exact.
    let prepared = lab
        .home
        .test()
        .args(["prepare", &routine, "--voice", &voice])
        .run();
    print!("{}", prepared.stdout);
    let plan = lab
        .home
        .test()
        .args(["plan", &routine, "--json", "--voice", &voice])
        .any_status()
        .run()
        .json();
    assert_eq!(plan["speech"]["measured"], plan["speech"]["lines"]);
    // The same routine rendered, to compare chime for chime.
    let rendered = lab.home.path().join("rendered.wav");
    lab.home
        .test()
        .args([
            "render",
            &routine,
            "--voice",
            &voice,
            "--rate",
            "48000",
            "-o",
            rendered.to_str().unwrap(),
        ])
        .run();
    let wav = lab.record("measure.wav");
    // Busy loops on every core, for the whole session: as on a Raspberry Pi making speech.
    let mut loops: Vec<Child> = (0..busy)
        .map(|_| {
            Command::new("sh")
                .args(["-c", "while :; do :; done"])
                .spawn()
                .unwrap()
        })
        .collect();
    let launched = Instant::now();
    let mut child = lab
        .home
        .test()
        .args(["run", &routine, "--voice", &voice, "--no-captions", "-v"])
        .command()
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut last = (0.0, 0);
    while child.try_wait().unwrap().is_none() {
        if let Some(u) = usage(pid) {
            last = u;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let wall = launched.elapsed().as_secs_f64();
    for l in &mut loops {
        let _ = l.kill();
        let _ = l.wait();
    }
    let stderr = String::from_utf8_lossy(&child.wait_with_output().unwrap().stderr).into_owned();
    let (samples, rate) = lab.stop_recording(&wav);
    if let Ok(dir) = std::env::var("LIMBER_BENCH_KEEP") {
        let _ = std::fs::copy(
            &wav,
            Path::new(&dir).join(format!("session-busy{busy}.wav")),
        );
    }

    let planned: Vec<(f64, &str)> = plan["cues"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            ["hold_start", "hold_end", "finish"].contains(&c["sound"].as_str().unwrap_or(""))
        })
        .map(|c| (c["at"].as_f64().unwrap(), c["sound"].as_str().unwrap()))
        .collect();
    let found = heard_chimes(&samples, rate);
    let (rendered_samples, rendered_rate) = listen::read_wav(&rendered).unwrap();
    let found_in_file = heard_chimes(&rendered_samples, rendered_rate);
    let (heard, others) = pick(&found, &planned);
    let (in_file, others_in_file) = pick(&found_in_file, &planned);
    // What the detector took for a chime besides the chimes (a breath tone, a syllable) is
    // the routine's own sound when the rendering has it at the same moment too.
    println!(
        "other sounds taken for chimes: {} live, {} in the rendering",
        others.len(),
        others_in_file.len()
    );
    // With -v the session logs every event; what matters here is what came late or failed.
    let faults: Vec<&str> = stderr
        .lines()
        .filter(|l| {
            ["late", "went away", "gap", "error", "back"]
                .iter()
                .any(|w| l.contains(w))
        })
        .collect();
    println!("what the session reported of its sound: {faults:#?}");
    println!(
        "chimes: {} planned, {} heard, {} in the rendering",
        planned.len(),
        heard.len(),
        in_file.len()
    );
    assert_eq!(
        heard.len(),
        planned.len(),
        "every chime was heard: {heard:?}"
    );
    let against = |a: &[(f64, &str)], b: &[(f64, &str)]| -> Vec<f64> {
        a.iter()
            .zip(b)
            .map(|(x, y)| {
                assert_eq!(x.1, y.1, "the chimes came in the planned order");
                ((x.0 - a[0].0) - (y.0 - b[0].0)).abs() * 1000.0
            })
            .collect()
    };
    let holds: Vec<(f64, &str)> = heard.iter().copied().filter(|c| c.1 != "finish").collect();
    let planned_holds: Vec<(f64, &str)> = planned
        .iter()
        .copied()
        .filter(|c| c.1 != "finish")
        .collect();
    let on_plan = against(&holds, &planned_holds);
    let lengths: Vec<f64> = holds
        .chunks(2)
        .zip(planned_holds.chunks(2))
        .map(|(h, p)| ((h[1].0 - h[0].0) - (p[1].0 - p[0].0)).abs() * 1000.0)
        .collect();
    let end_off = against(&heard, &planned)
        .last()
        .copied()
        .unwrap_or(f64::NAN);
    let minutes = wall / 60.0;
    let worst = |v: &[f64]| v.iter().copied().fold(0.0, f64::max);
    println!(
        "routine {routine}: {minutes:.1} minutes, {} hold chimes, {busy} busy loops",
        holds.len()
    );
    println!(
        "hold chime onsets against the plan (from the first chime): median {:.2} ms, worst {:.2} ms",
        median(&mut on_plan.clone()),
        worst(&on_plan)
    );
    println!(
        "hold lengths against the plan: median {:.2} ms, worst {:.2} ms",
        median(&mut lengths.clone()),
        worst(&lengths)
    );
    println!("the closing bell against the plan (the session's end): {end_off:.2} ms");
    if in_file.len() == heard.len() {
        let mut live_vs_file = against(&heard, &in_file);
        println!(
            "live against the rendering, chime for chime: median {:.2} ms, worst {:.2} ms",
            median(&mut live_vs_file),
            worst(&live_vs_file)
        );
    }
    println!(
        "session length: planned {:.1} s, took {wall:.1} s from launch to exit",
        plan["total_seconds"].as_f64().unwrap()
    );
    println!(
        "CPU time: {:.2} s in all, {:.3} s per minute of session",
        last.0,
        last.0 / minutes
    );
    println!("peak memory (VmHWM): {:.1} MB", last.1 as f64 / 1024.0);
    // Every spoken line where the plan says and whole: each line's stretch of the live recording
    // has the samples of the same stretch of the rendering (which puts every line exactly at its
    // planned moment), within a millisecond of where the chimes around it say.
    if in_file.len() == heard.len() && !heard.is_empty() {
        let pairs: Vec<(f64, f64)> = heard
            .iter()
            .zip(&in_file)
            .map(|(h, f)| (h.0, f.0))
            .collect();
        // Where the output moved against the rendering between one chime and the next: a gap
        // the device or its bridge put in, carried by everything after it.
        let moves: Vec<String> = pairs
            .windows(2)
            .filter_map(|w| {
                let moved = ((w[1].0 - w[1].1) - (w[0].0 - w[0].1)) * 1000.0;
                (moved.abs() > 1.0).then(|| format!("{moved:+.1} ms before {:.1} s", w[1].1))
            })
            .collect();
        println!("the output moved against the rendering: {moves:?}");
        let lines = spoken_lines(
            &plan,
            (&samples, rate),
            (&rendered_samples, rendered_rate),
            &pairs,
            planned[0].0,
        );
        let mut shifts: Vec<f64> = lines.iter().map(|l| l.1.abs()).collect();
        let unlike: Vec<&(String, f64, f64)> = lines
            .iter()
            .filter(|l| l.2 < 0.99 || l.1.abs() > 1.0)
            .collect();
        println!(
            "spoken lines against the rendering: {} lines, shift median {:.2} ms, worst {:.2} ms, correlation lowest {:.5}, {} unlike it",
            lines.len(),
            median(&mut shifts),
            worst(&shifts),
            lines.iter().map(|l| l.2).fold(1.0, f64::min),
            unlike.len()
        );
        assert!(unlike.is_empty(), "lines not heard as planned: {unlike:?}");
    }
    if let (Some(h), Some(f)) = (heard.first(), in_file.first()) {
        // A syllable can match a chime's filter just above its threshold in one recording and
        // just below in the other; the lines were found sample for sample above, so what is
        // taken for a chime within a line is that line's own sound.
        let spoken = |o: f64| {
            let at = planned[0].0 + o;
            plan["cues"].as_array().unwrap().iter().any(|c| {
                c["kind"] == "speech"
                    && (c["at"].as_f64().unwrap()
                        ..=c["at"].as_f64().unwrap() + c["seconds"].as_f64().unwrap())
                        .contains(&at)
            })
        };
        let only_live: Vec<f64> = others
            .iter()
            .map(|o| o - h.0)
            .filter(|o| !others_in_file.iter().any(|f2| (f2 - f.0 - o).abs() < 0.05))
            .filter(|o| !(in_file.len() == heard.len() && spoken(*o)))
            .collect();
        assert!(
            only_live.is_empty(),
            "sounds heard live that the rendering does not have, seconds after the first chime: {only_live:?}"
        );
    }
    assert!(
        !stderr.contains("went away"),
        "the device was reported lost: {stderr}"
    );
}

#[test]
fn with_no_speech_engine_there_is_one_notice_then_chimes_and_captions() {
    let _one = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let Some(mut lab) = Lab::start() else { return };
    let wav = lab.record("mute.wav");
    let routine = root().join("tests/routines/heard.json");
    // No espeak-ng on the PATH: the only engine asked for cannot start.
    let empty = lab.home.path().join("empty-path");
    std::fs::create_dir(&empty).unwrap();
    let out = lab
        .home
        .test()
        .args([
            "run",
            routine.to_str().unwrap(),
            "--voice",
            "espeak-ng",
            "--captions",
        ])
        .env("PATH", &empty)
        .run();
    let (stdout, stderr) = (&out.stdout, &out.stderr);
    // A loaded null sink can make the device report transient errors, summed up in one line of
    // their own; what this test is about is the notice on the speech engine.
    // Not on a terminal, each line starts with the time: "07:30:05 limber: ...".
    let notices: Vec<&str> = stderr
        .lines()
        .map(|l| {
            l.get(9..)
                .filter(|_| l.as_bytes().get(2) == Some(&b':'))
                .unwrap_or(l)
        })
        .filter(|l| !l.starts_with("limber: the audio output reported"))
        .collect();
    assert_eq!(notices.len(), 1, "one notice: {stderr}");
    assert!(
        notices[0].starts_with("limber: espeak-ng cannot start (cannot start espeak-ng: "),
        "{stderr}"
    );
    assert!(
        stderr.contains("the session runs with chimes and captions"),
        "{stderr}"
    );
    assert!(
        stdout.contains("Knee hug | Hug your left knee."),
        "{stdout}"
    );
    let (samples, rate) = lab.stop_recording(&wav);
    assert_eq!(listen::onsets(&samples, rate, Sound::HoldStart).len(), 4);
    assert_eq!(listen::onsets(&samples, rate, Sound::HoldEnd).len(), 4);
}

#[test]
fn voices_are_listed_for_each_engine() {
    let _one = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let Some(lab) = Lab::start() else { return };
    let stdout = lab.home.test().arg("voices").run().stdout;
    // What auto chose first; then Piper's voices, espeak-ng's languages in columns, and the
    // system voice's thousands only when asked for.
    assert!(
        stdout.starts_with(
            "limber speaks with auto, which chooses espeak-ng, since Piper is not installed (`limber voices --help` says how).\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "\n\nPiper (not installed; `limber voices --help` says how to install it), 0 voices in "
        ),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("  en-gb ") && l.ends_with(" English (Great Britain)")),
        "{stdout}"
    );
    assert!(
        stdout.ends_with(
            "\nThe system voice (speech-dispatcher): `limber voices system` lists its voices.\n"
        ),
        "{stdout}"
    );
    assert!(stdout.lines().count() < 200, "{stdout}");
    let system = lab
        .home
        .test()
        .args(["voices", "system"])
        .any_status()
        .run()
        .stdout;
    assert!(
        system.starts_with("System voice (speech-dispatcher), "),
        "{system}"
    );
    // One engine alone.
    let stdout = lab.home.test().args(["voices", "espeak-ng"]).run().stdout;
    assert!(
        !stdout.contains("System voice") && !stdout.contains("pico2wave"),
        "{stdout}"
    );
}

#[test]
fn sigterm_stops_like_ctrl_c() {
    let _one = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let Some(lab) = Lab::start() else { return };
    let child = lab
        .home
        .test()
        .args(["run", "in-bed", "--voice", "none", "--captions"])
        .spawn();
    std::thread::sleep(Duration::from_secs(4));
    let sent = Instant::now();
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(sent.elapsed() < Duration::from_secs(1));
    assert_eq!(out.status.code(), Some(130));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout
            .lines()
            .last()
            .unwrap_or_default()
            .starts_with("Stopped In bed after 00:0"),
        "{stdout}"
    );
}

/// The moments each chime starts, in seconds.
fn chimes(samples: &[f32], rate: u32) -> Vec<(Sound, f64)> {
    let mut all: Vec<(Sound, f64)> = [Sound::HoldStart, Sound::HoldEnd, Sound::Finish]
        .into_iter()
        .flat_map(|s| {
            listen::onsets(samples, rate, s)
                .into_iter()
                .map(move |t| (s, t))
        })
        .collect();
    all.sort_by(|a, b| a.1.total_cmp(&b.1));
    all
}

#[test]
fn a_rendered_file_and_a_live_session_sound_the_same() {
    let _one = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let Some(mut lab) = Lab::start() else { return };
    let routine = root().join("tests/routines/heard.json");
    let routine = routine.to_str().unwrap();
    let rendered = lab.home.path().join("rendered.wav");
    lab.home
        .test()
        .args([
            "render",
            routine,
            "-o",
            rendered.to_str().unwrap(),
            "--voice",
            "espeak-ng",
            "--rate",
            "48000",
        ])
        .run();
    // Rendering filled the speech cache, so the live plan is exact too.
    lab.home
        .test()
        .args(["plan", routine, "--voice", "espeak-ng"])
        .any_status()
        .stdout_has("Speech times are exact: all")
        .run();

    let wav = lab.record("live.wav");
    let stderr = lab
        .home
        .test()
        .args([
            "run",
            routine,
            "--voice",
            "espeak-ng",
            "--no-captions",
            "-v",
        ])
        .run()
        .stderr;
    // What came late, if anything, said under -v: the first thing to read when this fails.
    let late: Vec<&str> = stderr.lines().filter(|l| l.contains("late")).collect();
    let (live, live_rate) = lab.stop_recording(&wav);
    let (file, file_rate) = listen::read_wav(&rendered).unwrap();

    let heard = chimes(&live, live_rate);
    let written = chimes(&file, file_rate);
    let kinds = |v: &[(Sound, f64)]| v.iter().map(|c| c.0).collect::<Vec<_>>();
    assert_eq!(
        kinds(&heard),
        kinds(&written),
        "the same chimes, in the same order"
    );
    assert_eq!(written.len(), 9, "{written:?}");
    // The recording starts a while before the session: line the first chimes up, then every
    // other one must fall at the same moment.
    let offset = heard[0].1 - written[0].1;
    for (h, w) in heard.iter().zip(&written) {
        let apart = h.1 - offset - w.1;
        assert!(
            apart.abs() <= TOLERANCE,
            "{:?} at {:.3} s in the file, {:.3} s live: {:.0} ms apart; {late:?}",
            w.0,
            w.1,
            h.1 - offset,
            apart * 1000.0
        );
    }
    // The words too: each spoken stretch of the file starts when the live one does.
    let spans = |s: &[f32], r: u32| listen::sound_spans(s, r, 0.01);
    let live_spans = spans(&live, live_rate);
    let file_spans = spans(&file, file_rate);
    let first_live = live_spans[0].0;
    let first_file = file_spans[0].0;
    for (i, (a, _)) in file_spans.iter().enumerate() {
        let near = live_spans
            .iter()
            .any(|(b, _)| ((b - first_live) - (a - first_file)).abs() <= 0.05);
        assert!(
            near,
            "sound {i} of the file, at {:.3} s, was not heard live; {late:?}; the file's: {:?}; live: {:?}",
            a - first_file,
            file_spans
                .iter()
                .map(|(a, b)| (a - first_file, b - first_file))
                .collect::<Vec<_>>(),
            live_spans
                .iter()
                .map(|(a, b)| (a - first_live, b - first_live))
                .collect::<Vec<_>>()
        );
    }
}

#[test]
fn a_failing_engine_is_named_and_espeak_ng_takes_over() {
    let _one = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let Some(mut lab) = Lab::start() else { return };
    // The user's own engine, which cannot load its voice.
    let program = lab.home.path().join("my-tts");
    std::fs::write(
        &program,
        "#!/bin/sh\necho 'cannot load voice model' >&2\nexit 2\n",
    )
    .unwrap();
    std::fs::set_permissions(
        &program,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let config = lab.home.config(format!(
        r#"{{ "voice": {{ "engine": "command", "program": "{}", "arguments": ["{{output}}"] }} }}"#,
        program.display()
    ));
    let wav = lab.record("fallback.wav");
    let routine = root().join("tests/routines/heard.json");
    let stderr = lab
        .home
        .test()
        .args(["run", routine.to_str().unwrap(), "--no-captions"])
        .env("LIMBER_CONFIG", &config)
        .run()
        .stderr;
    let notice = format!(
        "limber: my-tts: {} failed (exit status: 2): cannot load voice model; carrying on with espeak-ng",
        program.display()
    );
    // Without a terminal, each line starts with the time: "08:28:26 limber: ...".
    assert!(
        stderr
            .lines()
            .any(|l| l.split_once(' ').is_some_and(|(_, rest)| rest == notice)),
        "expected the line\n{notice}\nin\n{stderr}"
    );
    let (samples, rate) = lab.stop_recording(&wav);
    check_heard(&samples, rate, &[4.0, 4.0, 3.0, 3.0]);
}

/// A session with Piper, found by `auto` in the lab's home as `scripts/setup` leaves it, through a
/// program that counts the pipers started. `during` runs beside the session with the home folder
/// and a flag that turns true when the session is over. Returns what limber wrote on stderr, and
/// the home folder's piper starts.
fn piper_session(
    timeout: u32,
    during: impl FnOnce(&Path, &std::sync::atomic::AtomicBool) + Send,
) -> Option<(String, Vec<i32>)> {
    let _one = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let data = common::installed_piper()?;
    let mut lab = Lab::start()?;
    let home = lab.home.path().to_path_buf();
    let counting = common::give_piper(&home, &data);
    let config = lab
        .home
        .config(serde_json::json!({ "voice": { "program": counting, "timeout": timeout } }));
    let wav = lab.record("piper.wav");
    let routine = root().join("tests/routines/heard.json");
    let over = std::sync::atomic::AtomicBool::new(false);
    let out = std::thread::scope(|s| {
        s.spawn(|| during(&home, &over));
        // Any status: `over` must be told before the session's end is checked.
        let out = lab
            .home
            .test()
            .args(["run", routine.to_str().unwrap(), "--captions", "-v"])
            .env("LIMBER_CONFIG", &config)
            .any_status()
            .run();
        over.store(true, std::sync::atomic::Ordering::SeqCst);
        out
    });
    let (stdout, stderr) = (&out.stdout, out.stderr.clone());
    assert_eq!(
        out.status,
        Some(0),
        "exit {:?}\n{stdout}\n{stderr}",
        out.status
    );
    assert!(
        stdout.contains("Finished Heard test: 3 of 3 steps"),
        "{stdout}"
    );
    assert!(
        stderr.contains("voice: auto: piper, with the voice en_US-joe-medium"),
        "{stderr}"
    );
    let starts = common::piper_starts(&home);
    // A killed process takes a moment to go (one reading its model may be in the middle of a
    // read); one still there two seconds after the session has outlived it.
    let deadline = Instant::now() + Duration::from_secs(2);
    while starts.iter().any(|p| common::alive(*p)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        starts.iter().all(|p| !common::alive(*p)),
        "a piper outlived the session: {starts:?}"
    );
    let (samples, rate) = lab.stop_recording(&wav);
    check_heard(&samples, rate, &[4.0, 4.0, 3.0, 3.0]);
    Some((stderr, starts))
}

/// Sends `signal` to every piper the session starts once it has made a few lines.
fn signal_pipers(home: &Path, over: &std::sync::atomic::AtomicBool, signal: &str) {
    let speech = home.join("cache/limber/speech");
    let made = || std::fs::read_dir(&speech).map_or(0, |d| d.count());
    let mut signalled = Vec::new();
    while !over.load(std::sync::atomic::Ordering::SeqCst) {
        if made() >= 3 {
            for pid in common::piper_starts(home) {
                if !signalled.contains(&pid) {
                    let _ = Command::new("kill")
                        .args([signal, &pid.to_string()])
                        .status();
                    signalled.push(pid);
                }
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The notices that the voice gave way.
fn gave_way(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.contains("carrying on with"))
        .collect()
}

#[test]
fn a_session_is_heard_with_piper_from_one_process() {
    let Some((stderr, starts)) = piper_session(60, |_, _| {}) else {
        return;
    };
    assert!(gave_way(&stderr).is_empty(), "{stderr}");
    assert_eq!(starts.len(), 1, "{stderr}");
}

/// A Piper session whose pipers are sent `signal` once a few lines are made, with Piper's
/// deadline `timeout`: the one notice that Piper gave way to another voice, what limber wrote on
/// stderr, and the pipers started.
fn piper_gives_way(timeout: u32, signal: &str) -> Option<(String, String, Vec<i32>)> {
    let (stderr, starts) = piper_session(timeout, |home, over| signal_pipers(home, over, signal))?;
    let notices = gave_way(&stderr);
    assert_eq!(notices.len(), 1, "{stderr}");
    assert!(notices[0].contains("limber: piper: "), "{stderr}");
    Some((notices[0].to_string(), stderr, starts))
}

#[test]
fn a_piper_killed_mid_session_gives_way_to_espeak_ng_once() {
    let Some((notice, stderr, starts)) = piper_gives_way(60, "-KILL") else {
        return;
    };
    // Killed, it was given one more try, as any speech program is; killed again, espeak-ng
    // took over, and said so once, and no third piper was started.
    assert!(
        notice.contains("failed (signal: 9 (SIGKILL)); carrying on with espeak-ng"),
        "{stderr}"
    );
    assert_eq!(starts.len(), 2, "{stderr}");
}

#[test]
fn a_hung_piper_is_given_up_at_its_deadline_and_espeak_ng_goes_on() {
    let Some((notice, stderr, starts)) = piper_gives_way(8, "-STOP") else {
        return;
    };
    assert!(
        notice.ends_with("took longer than 8 s over one line; carrying on with espeak-ng"),
        "{stderr}"
    );
    // Given up, it is not started again for the lines after.
    assert_eq!(starts.len(), 1, "{stderr}");
}

#[test]
#[ignore = "plays a short session twice in real time; run it for BENCHMARKS.md"]
fn measure_launch_to_first_word_with_piper() {
    let _one = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let Some(data) = common::installed_piper() else {
        return;
    };
    let Some(mut lab) = Lab::start() else { return };
    common::give_piper(lab.home.path(), &data);
    let routine = std::env::var("LIMBER_BENCH_ROUTINE").unwrap_or_else(|_| "in-bed".into());
    for cache in ["cold", "warm"] {
        let wav = lab.record(&format!("{cache}.wav"));
        let recorded_before = std::fs::metadata(&wav).unwrap().len();
        let mut child = lab
            .home
            .test()
            .args(["run", &routine, "--no-captions"])
            .command()
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // The first words are enough.
        std::thread::sleep(Duration::from_secs(12));
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let _ = child.wait();
        let (samples, rate) = lab.stop_recording(&wav);
        let launch_at = (recorded_before.saturating_sub(44) / 2) as f64 / f64::from(rate);
        // Above the keep-alive tone's level: the first word, not the lead-in.
        let first = listen::sound_spans(&samples, rate, 0.01)
            .into_iter()
            .find(|(a, _)| *a >= launch_at)
            .map(|(a, _)| a - launch_at);
        println!(
            "{routine}, {cache} cache: launch to first word {:.0} ms (including about 20 ms of recorder latency)",
            first.expect("a word was heard") * 1000.0
        );
        lab.recordings.clear();
    }
}
