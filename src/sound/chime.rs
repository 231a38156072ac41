//! The generator of limber's own sounds.
//!
//! Every sound in `sounds/` is made here from a few lines of arithmetic, so anyone can read how a
//! chime is built, change it, and write the files again with `cargo run --example make-sounds`.
//! The files are checked in (and embedded in the binary) so that a build needs no generator run;
//! a test makes sure they are exactly what this code produces.
//!
//! The hold chimes are struck bells: a few inharmonic partials, each dying away at its own rate,
//! with a soft attack so nothing clicks. The hold-start bell is high and the hold-end bell lower, so
//! the two are told apart by ear. Breath tones are gentle swells that rise (in) or fall (out); the
//! phase tick is a short wooden knock; the end of a session is three bells rising.

use crate::plan::settings::Sound;

/// The sample rate of every built-in sound.
pub const RATE: u32 = 48_000;

/// The pitch that identifies each sound, for tests that listen to a recording.
pub fn pitch(sound: Sound) -> f64 {
    match sound {
        Sound::HoldStart => 880.0,
        Sound::HoldEnd => 659.25,
        Sound::BreatheIn => 392.0,
        Sound::BreatheOut => 523.25,
        Sound::Tick => 1244.5,
        Sound::Finish => 523.25,
    }
}

/// A bell's partials: frequency ratio, loudness and how fast it dies away (seconds to 1/e).
const BELL: [(f64, f64, f64); 5] = [
    (1.0, 1.0, 0.30),
    (2.0, 0.45, 0.20),
    (2.76, 0.30, 0.12),
    (5.40, 0.15, 0.07),
    (8.93, 0.08, 0.04),
];

fn samples(seconds: f64) -> usize {
    (seconds * f64::from(RATE)).round() as usize
}

/// A raised-cosine ramp up over `attack` seconds and down over the last `release` seconds of
/// `total`, so no sound starts or stops with a click.
fn fade(t: f64, total: f64, attack: f64, release: f64) -> f64 {
    let edge = |x: f64, ramp: f64| {
        if x >= ramp {
            1.0
        } else {
            0.5 - 0.5 * (std::f64::consts::PI * x / ramp).cos()
        }
    };
    edge(t, attack) * edge(total - t, release)
}

/// Adds a struck bell at `fundamental` Hz, starting `at` seconds in.
fn strike(out: &mut [f64], at: f64, fundamental: f64, loudness: f64) {
    let start = samples(at);
    let total = out.len() as f64 / f64::from(RATE);
    for (i, sample) in out.iter_mut().enumerate().skip(start) {
        let t = (i - start) as f64 / f64::from(RATE);
        let mut v = 0.0;
        for (ratio, amp, decay) in BELL {
            v += amp * (-t / decay).exp() * (std::f64::consts::TAU * fundamental * ratio * t).sin();
        }
        *sample += loudness * v * fade(t, total - at, 0.004, 0.12);
    }
}

/// A tone gliding from `from` to `to` Hz, swelling in and out: a breath.
fn swell(seconds: f64, from: f64, to: f64) -> Vec<f64> {
    let n = samples(seconds);
    let mut phase = 0.0;
    (0..n)
        .map(|i| {
            let t = i as f64 / f64::from(RATE);
            let x = t / seconds;
            let f = from + (to - from) * x;
            phase += std::f64::consts::TAU * f / f64::from(RATE);
            let envelope = (std::f64::consts::PI * x).sin().powi(2);
            envelope * (phase.sin() + 0.25 * (2.0 * phase).sin())
        })
        .collect()
}

/// Scales to a peak of 0.7 (about -3 dBFS) and converts to 16-bit samples.
fn finish(v: Vec<f64>) -> Vec<i16> {
    let peak = v.iter().fold(0.0f64, |m, s| m.max(s.abs())).max(1e-9);
    v.into_iter()
        .map(|s| (s / peak * 0.7 * f64::from(i16::MAX)).round() as i16)
        .collect()
}

/// The samples of a built-in sound: mono, 16-bit, at [`RATE`].
pub fn synthesize(sound: Sound) -> Vec<i16> {
    let v = match sound {
        Sound::HoldStart | Sound::HoldEnd => {
            let mut out = vec![0.0; samples(0.7)];
            strike(&mut out, 0.0, pitch(sound), 1.0);
            out
        }
        Sound::BreatheIn => swell(0.6, 392.0, 523.25),
        Sound::BreatheOut => swell(0.6, 523.25, 392.0),
        Sound::Tick => {
            let n = samples(0.12);
            (0..n)
                .map(|i| {
                    let t = i as f64 / f64::from(RATE);
                    let knock = (std::f64::consts::TAU * 1244.5 * t).sin()
                        + 0.5 * (std::f64::consts::TAU * 2489.0 * t).sin();
                    knock * (-t / 0.018).exp() * fade(t, 0.12, 0.002, 0.02)
                })
                .collect()
        }
        Sound::Finish => {
            let mut out = vec![0.0; samples(1.8)];
            for (i, f) in [523.25, 659.25, 783.99].into_iter().enumerate() {
                strike(&mut out, i as f64 * 0.25, f, 0.8);
            }
            out
        }
    };
    finish(v)
}

/// The WAV file of a built-in sound, as written to `sounds/`.
pub fn wav(sound: Sound) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut bytes = std::io::Cursor::new(Vec::new());
    let mut writer = hound::WavWriter::new(&mut bytes, spec).expect("a WAV header fits in memory");
    for s in synthesize(sound) {
        writer.write_sample(s).expect("writing to memory succeeds");
    }
    writer.finalize().expect("writing to memory succeeds");
    bytes.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checked_in_sounds_are_what_the_generator_makes() {
        for sound in Sound::ALL {
            let path = format!("{}/sounds/{}.wav", env!("CARGO_MANIFEST_DIR"), sound.name());
            let on_disk = std::fs::read(&path).unwrap_or_default();
            let made = wav(sound);
            let samples = |b: &[u8]| -> Vec<i16> {
                hound::WavReader::new(b)
                    .map(|r| r.into_samples().map(Result::unwrap).collect())
                    .unwrap_or_default()
            };
            let (a, b) = (samples(&on_disk), samples(&made));
            // The same to within one step, whatever the platform's sin and exp do in the last bit.
            let same = a.len() == b.len()
                && a.iter()
                    .zip(&b)
                    .all(|(x, y)| (i32::from(*x) - i32::from(*y)).abs() <= 1);
            assert!(
                same,
                "{path} differs from the generator: run `cargo run --example make-sounds`"
            );
        }
    }

    #[test]
    fn sounds_start_and_end_quietly_and_peak_below_full_scale() {
        for sound in Sound::ALL {
            let s = synthesize(sound);
            assert!(
                s[0].abs() < 200 && s[s.len() - 1].abs() < 200,
                "{} clicks",
                sound.name()
            );
            let peak = s.iter().map(|x| x.unsigned_abs()).max().unwrap();
            assert!(peak <= (0.71 * f64::from(i16::MAX)) as u16);
        }
    }
}
