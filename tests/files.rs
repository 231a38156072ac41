//! `limber render` in each format, decoded by tools that are not ours: ffmpeg and ffprobe (from
//! Debian's ffmpeg) and sox. Each file must last the plan's total, to the sample for WAV and FLAC
//! and within one MP3 frame for MP3, and carry the chapters `--chapters` writes.
//!
//! Without the tools the tests say so and pass, unless LIMBER_REQUIRE_AUDIO=1 (as in CI).

mod common;

use limber_lab::Home;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Samples in an MPEG-2 Layer III frame, as at 24 kHz.
const MP3_FRAME: i64 = 576;

fn routine() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/routines/heard.json")
}

fn tools_missing() -> bool {
    let ff = ["ffmpeg", "ffprobe"].iter().all(|p| {
        Command::new(p)
            .arg("-version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
    });
    if !ff {
        common::skip("the file format tests need ffmpeg and ffprobe; run scripts/setup --test");
        return true;
    }
    common::missing(&["sox", "espeak-ng"], "the file format tests")
}

/// The file decoded by ffmpeg to mono 16-bit samples at its own rate.
fn decode(path: &Path) -> Vec<i16> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-f", "s16le", "-ac", "1", "-"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "ffmpeg: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

/// The file decoded by ffmpeg, which must last the plan's `total` samples, give or take
/// `tolerance`: its samples.
fn decode_lasting(path: &Path, total: i64, tolerance: i64) -> Vec<i16> {
    let samples = decode(path);
    let n = samples.len() as i64;
    assert!(
        (n - total).abs() <= tolerance,
        "{} decodes to {n} samples, the plan has {total}",
        path.display()
    );
    samples
}

/// The plan's total with `voice`, in samples at the rate limber renders at (24 kHz).
fn planned_samples(home: &Home, voice: &str) -> i64 {
    let plan = home
        .test()
        .arg("plan")
        .arg(routine())
        .args(["--json", "--voice", voice])
        .run()
        .json();
    (plan["total_seconds"].as_f64().unwrap() * 24_000.0).round() as i64
}

/// What ffprobe says of the file: its stream and its chapters.
fn probe(path: &Path) -> serde_json::Value {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-of",
            "json",
            "-show_chapters",
            "-show_streams",
        ])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The chapters as ffprobe reads them: title and start in milliseconds.
fn chapters_of(probe: &serde_json::Value) -> Vec<(String, i64)> {
    probe["chapters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let start: f64 = c["start_time"].as_str().unwrap().parse().unwrap();
            (
                c["tags"]["title"].as_str().unwrap_or("").to_string(),
                (start * 1000.0).round() as i64,
            )
        })
        .collect()
}

/// The chapters limber writes beside the file, in milliseconds.
fn expected_chapters(path: &Path) -> Vec<(String, i64)> {
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    json["chapters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["title"].as_str().unwrap().to_string(),
                (c["start_seconds"].as_f64().unwrap() * 1000.0).round() as i64,
            )
        })
        .collect()
}

#[test]
fn each_format_decodes_to_the_plans_length_with_its_chapters() {
    if tools_missing() {
        return;
    }
    let home = Home::new();
    let chapters = home.join("chapters.json");
    let mut files = Vec::new();
    for ext in ["wav", "flac", "mp3"] {
        let path = home.join(format!("heard.{ext}"));
        home.test()
            .arg("render")
            .arg(routine())
            .args(["--voice", "espeak-ng", "-o"])
            .arg(&path)
            .arg("--chapters")
            .arg(&chapters)
            .stdout_has(ext.to_uppercase())
            .run();
        files.push(path);
    }
    let total = planned_samples(&home, "espeak-ng");
    let expected = expected_chapters(&chapters);
    assert!(expected.len() >= 3, "{expected:?}");

    // WAV and FLAC: the exact length, and the very same samples.
    let wav = decode_lasting(&files[0], total, 0);
    let flac = decode_lasting(&files[1], total, 0);
    assert!(
        wav.iter().any(|s| s.unsigned_abs() > 3000),
        "the voice is in the file"
    );
    assert!(flac == wav, "FLAC decodes to the WAV's samples");
    // sox reads them too, and agrees on the length.
    for path in &files[..2] {
        let out = Command::new("sox")
            .arg("--i")
            .arg("-s")
            .arg(path)
            .output()
            .unwrap();
        let n: i64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
        assert_eq!(n, total, "sox on {}", path.display());
    }
    let info = probe(&files[1]);
    assert_eq!(info["streams"][0]["sample_rate"], "24000");
    assert_eq!(chapters_of(&info), expected, "FLAC chapters");

    // MP3: within a frame, the same sound, and chapters.
    let mp3 = decode_lasting(&files[2], total, MP3_FRAME);
    let info = probe(&files[2]);
    assert_eq!(info["streams"][0]["codec_name"], "mp3");
    assert_eq!(chapters_of(&info), expected, "MP3 chapters");
    // Loud where the WAV is loud: the same sound, not just the same length.
    let loud = |s: &[i16]| s.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / s.len() as f64;
    let (a, b) = (loud(&wav), loud(&mp3));
    assert!((a / b - 1.0).abs() < 0.2, "WAV power {a}, MP3 power {b}");
    // Much smaller than the WAV.
    let size = |p: &Path| std::fs::metadata(p).unwrap().len();
    assert!(size(&files[2]) * 5 < size(&files[0]));
}

#[test]
fn render_to_standard_output_streams_a_whole_file() {
    if tools_missing() {
        return;
    }
    let home = Home::new();
    for (format, tolerance) in [("flac", 0), ("mp3", 4 * MP3_FRAME)] {
        let out = home
            .test()
            .arg("render")
            .arg(routine())
            .args(["--voice", "none", "--format", format, "-o", "-"])
            .stderr_has("to standard output")
            .run();
        let path = home.join(format!("piped.{format}"));
        std::fs::write(&path, &out.bytes).unwrap();
        // A pipe cannot go back for MP3's delay tag: the decoder keeps the encoder's delay and
        // padding and the blank tag frame, about 0.1 s in all.
        decode_lasting(&path, planned_samples(&home, "none"), tolerance);
        assert_eq!(chapters_of(&probe(&path)).len(), 3, "{format}");
    }
}

#[test]
fn a_twenty_minute_session_is_well_under_twenty_megabytes_as_mp3() {
    if tools_missing() {
        return;
    }
    let home = Home::new();
    let path = home.join("basics.mp3");
    home.test()
        .args(["render", "lower-back-basics", "--voice", "none", "-o"])
        .arg(&path)
        .run();
    let info = probe(&path);
    let seconds: f64 = info["streams"][0]["duration"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let mb = std::fs::metadata(&path).unwrap().len() as f64 / 1e6;
    assert!(seconds > 20.0 * 60.0, "{seconds} s");
    assert!(mb < 10.0, "{mb:.1} MB for {seconds:.0} s");
}
