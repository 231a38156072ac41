//! Listening to a recording: when each chime was heard, and where there was speech.
//!
//! Used by the end-to-end tests (which record a real sound server) and by the benchmarks, to
//! compare what was heard with what was planned. A bell is recognised by its fundamental *and* its
//! second partial together, measured with the Goertzel algorithm over short overlapping frames, so
//! a vowel that happens to carry one of the frequencies is not taken for a chime.

use limber::plan::settings::Sound;
use limber::sound::chime;

/// Analysis frame length and hop, in seconds.
const FRAME: f64 = 0.020;
const HOP: f64 = 0.002;

/// The power of one frequency in a frame, relative to the frame's total power (0 to 1).
fn tone_share(frame: &[f32], rate: u32, freq: f64) -> f64 {
    let n = frame.len() as f64;
    let w = std::f64::consts::TAU * freq / f64::from(rate);
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    let mut energy = 0.0f64;
    for (i, &x) in frame.iter().enumerate() {
        // A Hann window keeps neighbouring frequencies out.
        let h = 0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / (n - 1.0)).cos();
        let x = f64::from(x) * h;
        energy += x * x;
        let s = x + coeff * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    if energy < 1e-9 {
        return 0.0;
    }
    let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    // For a pure windowed sine, power is (n * 0.5)^2 * amp^2 / 4 and energy n * 0.375 * amp^2 / 2.
    (power / (energy * n * 0.6667)).min(1.0)
}

/// The root-mean-square level of some samples (0 for none).
pub fn rms(frame: &[f32]) -> f64 {
    (frame.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>() / frame.len().max(1) as f64).sqrt()
}

/// Where a bell's attack is, searching `from..to` (samples): the first millisecond whose level
/// reaches a quarter of the loudest millisecond in the 60 ms after it. Every bell is measured the
/// same way, so intervals between bells are exact to well under a millisecond.
fn attack(samples: &[f32], rate: u32, from: usize, to: usize) -> usize {
    let block = ((0.001 * f64::from(rate)) as usize).max(1);
    let end = (to + (0.06 * f64::from(rate)) as usize).min(samples.len());
    let levels: Vec<f64> = (from..end)
        .step_by(block)
        .map(|k| rms(&samples[k..(k + block).min(end)]))
        .collect();
    let peak = levels.iter().copied().fold(0.0, f64::max);
    let first = levels.iter().position(|l| *l >= peak * 0.25).unwrap_or(0);
    from + first * block
}

/// The moments (seconds from the start) at which `sound` starts, in mono samples at `rate`.
/// Only the hold chimes and the finish bell have the two partials this looks for.
pub fn onsets(samples: &[f32], rate: u32, sound: Sound) -> Vec<f64> {
    let f = chime::pitch(sound);
    let frame = (FRAME * f64::from(rate)) as usize;
    let hop = ((HOP * f64::from(rate)) as usize).max(1);
    let mut found = Vec::new();
    let mut quiet_since: Option<usize> = Some(0);
    let mut i = 0;
    while i + frame <= samples.len() {
        let window = &samples[i..i + frame];
        let loud = rms(window) > 0.003;
        let bell = loud && tone_share(window, rate, f) + tone_share(window, rate, 2.0 * f) > 0.45;
        if bell {
            if quiet_since.is_some_and(|q| i - q >= (0.15 * f64::from(rate)) as usize) {
                found.push(
                    attack(samples, rate, i.saturating_sub(frame), i + frame) as f64
                        / f64::from(rate),
                );
            }
            quiet_since = None;
        } else if quiet_since.is_none() {
            quiet_since = Some(i);
        }
        i += hop;
    }
    found
}

/// Where `sound` starts, to a fraction of a sample, near each moment [`onsets`] finds: the lag
/// within 15 ms that best matches the recording with the sound itself (normalised
/// cross-correlation over the sound's first 100 ms, refined between samples by a parabola).
/// `clip` is the sound as mono samples at `rate`. Overlapping speech barely moves the peak, as
/// it is uncorrelated with the bell.
pub fn matched_onsets(samples: &[f32], rate: u32, sound: Sound, clip: &[f32]) -> Vec<f64> {
    let n = ((0.1 * f64::from(rate)) as usize).min(clip.len());
    let template = &clip[..n];
    let energy: f64 = template.iter().map(|x| f64::from(*x).powi(2)).sum();
    let span = (0.015 * f64::from(rate)) as isize;
    onsets(samples, rate, sound)
        .into_iter()
        .map(|t| {
            let guess = (t * f64::from(rate)) as isize;
            let score = |lag: isize| -> f64 {
                let at = guess + lag;
                if at < 0 || at as usize + n > samples.len() {
                    return 0.0;
                }
                let window = &samples[at as usize..at as usize + n];
                let (mut dot, mut power) = (0.0f64, 0.0f64);
                for (a, b) in window.iter().zip(template) {
                    dot += f64::from(*a) * f64::from(*b);
                    power += f64::from(*a).powi(2);
                }
                if power <= 0.0 {
                    0.0
                } else {
                    dot / (power * energy).sqrt()
                }
            };
            let scores: Vec<f64> = (-span..=span).map(score).collect();
            let best = (0..scores.len())
                .max_by(|a, b| scores[*a].total_cmp(&scores[*b]))
                .unwrap_or(span as usize);
            // Between samples: the top of the parabola through the best and its neighbours.
            let shift = if best > 0 && best + 1 < scores.len() {
                let (a, b, c) = (scores[best - 1], scores[best], scores[best + 1]);
                let d = a - 2.0 * b + c;
                if d.abs() > 1e-12 {
                    0.5 * (a - c) / d
                } else {
                    0.0
                }
            } else {
                0.0
            };
            (guess + best as isize - span) as f64 / f64::from(rate) + shift / f64::from(rate)
        })
        .collect()
}

/// Spans (start, end in seconds) where something was heard at all.
pub fn sound_spans(samples: &[f32], rate: u32, threshold: f64) -> Vec<(f64, f64)> {
    let frame = (FRAME * f64::from(rate)) as usize;
    let mut spans: Vec<(f64, f64)> = Vec::new();
    for (k, chunk) in samples.chunks(frame).enumerate() {
        if rms(chunk) > threshold {
            let t = k as f64 * FRAME;
            match spans.last_mut() {
                Some(last) if t - last.1 <= 0.25 => last.1 = t + FRAME,
                _ => spans.push((t, t + FRAME)),
            }
        }
    }
    spans
}

/// Reads a recording as mono samples.
pub fn read_wav(path: &std::path::Path) -> Result<(Vec<f32>, u32), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    // parec writes a header with unknown lengths; hound wants them right, so mend them.
    let mut bytes = bytes;
    if bytes.len() > 44 && &bytes[0..4] == b"RIFF" {
        let riff = (bytes.len() - 8) as u32;
        bytes[4..8].copy_from_slice(&riff.to_le_bytes());
        if let Some(pos) = bytes.windows(4).position(|w| w == b"data") {
            let data = (bytes.len() - pos - 8) as u32;
            bytes[pos + 4..pos + 8].copy_from_slice(&data.to_le_bytes());
        }
    }
    let clip = limber::sound::clip::Clip::from_wav(&bytes)?;
    let channels = usize::from(clip.channels);
    let mono = clip
        .samples
        .chunks(channels)
        .map(|c| c.iter().sum::<f32>() / channels as f32)
        .collect();
    Ok((mono, clip.rate))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clip(sound: Sound) -> Vec<f32> {
        chime::synthesize(sound)
            .into_iter()
            .map(|s| f32::from(s) / 32768.0)
            .collect()
    }

    /// A recording: quiet, noise like speech, then the chimes at known places.
    fn scene() -> (Vec<f32>, Vec<(Sound, f64)>) {
        let rate = chime::RATE as usize;
        let mut out = vec![0.0f32; rate * 12];
        // Broadband "speech": noise shaped by a slow envelope, loud, with no steady tone.
        let mut seed = 12345u32;
        for (i, s) in out.iter_mut().enumerate().take(rate * 3).skip(rate / 2) {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let noise = (f64::from(seed >> 16) / 32768.0 - 1.0) as f32;
            let env = ((i as f32 / rate as f32) * 7.0).sin().abs();
            *s = 0.3 * noise * env;
        }
        let placed = vec![
            (Sound::HoldStart, 3.4567),
            (Sound::HoldEnd, 8.4567),
            (Sound::Finish, 10.0),
        ];
        for (sound, at) in &placed {
            let start = (at * rate as f64) as usize;
            for (k, v) in clip(*sound).into_iter().enumerate() {
                out[start + k] += v;
            }
        }
        (out, placed)
    }

    #[test]
    fn finds_each_chime_within_a_few_milliseconds_and_nothing_else() {
        let (samples, placed) = scene();
        for (sound, at) in &placed {
            if *sound == Sound::Finish {
                continue;
            }
            let found = onsets(&samples, chime::RATE, *sound);
            assert_eq!(found.len(), 1, "{sound:?}: {found:?}");
            assert!(
                (found[0] - at).abs() < 0.005,
                "{sound:?} found at {} not {at}",
                found[0]
            );
        }
    }

    #[test]
    fn matched_filtering_finds_each_chime_to_a_fraction_of_a_millisecond() {
        let (samples, placed) = scene();
        for (sound, at) in &placed {
            if *sound == Sound::Finish {
                continue;
            }
            let found = matched_onsets(&samples, chime::RATE, *sound, &clip(*sound));
            assert_eq!(found.len(), 1, "{sound:?}: {found:?}");
            assert!(
                (found[0] - at).abs() < 0.0001,
                "{sound:?} found at {} not {at}",
                found[0]
            );
        }
    }

    #[test]
    fn speech_is_heard_as_sound_not_as_a_chime() {
        let (samples, _) = scene();
        let spans = sound_spans(&samples, chime::RATE, 0.01);
        assert!(spans[0].0 < 0.6 && spans[0].1 > 2.5, "{spans:?}");
    }
}
