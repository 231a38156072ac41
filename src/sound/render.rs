//! A whole session as one audio file: every cue of the timeline at its exact sample.
//!
//! The rendering and the live session share everything that decides what is heard and when: the
//! timeline (planned with the real speech lengths from the cache), the same sound clips, the same
//! volumes, and rodio's own conversion to the output rate. The file is mixed a second at a time,
//! so memory stays small however long the session, and written under a temporary name that is
//! renamed into place when it is whole: a render that fails, or is stopped by Ctrl-C, leaves no
//! half a file.

use std::collections::HashMap;
use std::num::NonZero;
use std::path::Path;
use std::sync::Arc;

use crate::plan::settings::Sound;
use crate::plan::timeline::{Timeline, What};
use crate::routine::Ms;
use crate::sound::clip::{Clip, SoundSet};
use crate::sound::mixer::{Command, Group, Mixer, Samples};

/// What goes into the file besides the timeline.
pub struct Mix<'a> {
    pub sounds: &'a SoundSet,
    pub sound_volume: f32,
    /// The voice, or `None` for chimes only.
    pub speech: Option<&'a dyn Speech>,
    pub voice_volume: f32,
    /// Samples per second of the file.
    pub rate: u32,
    /// Asked between seconds of the file: `true` stops the render (Ctrl-C), with nothing written.
    pub stopped: fn() -> bool,
}

/// What makes the spoken lines, as clips.
pub trait Speech {
    fn clip(&self, text: &str) -> Result<Clip, String>;
}

/// The sample where a moment of the timeline falls.
pub fn sample_at(ms: Ms, rate: u32) -> u64 {
    ms * u64::from(rate) / 1000
}

/// A clip converted to mono at `rate`, as the live output would convert it.
pub fn convert(clip: &Clip, rate: u32) -> Vec<f32> {
    let (Some(channels), Some(from), Some(to)) = (
        NonZero::new(clip.channels),
        NonZero::new(clip.rate),
        NonZero::new(rate),
    ) else {
        return Vec::new();
    };
    let source = rodio::buffer::SamplesBuffer::new(channels, from, clip.samples.to_vec());
    rodio::source::UniformSourceIterator::new(source, NonZero::<u16>::MIN, to).collect()
}

/// Writes `timeline` to the WAV file `path`; returns the number of samples written.
pub fn render(timeline: &Timeline, mix: &Mix, path: &Path) -> Result<u64, String> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file = tempfile::Builder::new()
        .prefix(".limber-render-")
        .suffix(".wav")
        .tempfile_in(dir)
        .map_err(|e| format!("cannot write in {}: {e}", dir.display()))?;
    let spec = hound::WavSpec {
        channels: CHANNELS as u16,
        sample_rate: mix.rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let fail = |e: hound::Error| format!("cannot write {}: {e}", path.display());
    let mut writer =
        hound::WavWriter::new(std::io::BufWriter::new(file.as_file()), spec).map_err(fail)?;
    let total = frames(timeline, mix, CHANNELS, &mut |block| {
        for s in block {
            writer
                .write_sample((s.clamp(-1.0, 1.0) * 32767.0).round() as i16)
                .map_err(fail)?;
        }
        Ok(())
    })?;
    writer.finalize().map_err(fail)?;
    // Readable by others, as a file a person saves usually is (a media server, say).
    let _ = file
        .as_file()
        .set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    file.persist(path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(total)
}

/// The channels of a rendered file: the voice and chimes are mono.
const CHANNELS: usize = 1;

/// Mixes `timeline` on the session's [`Mixer`] and hands the frames to `write`, interleaved
/// `f32` at `mix.rate` with `channels` channels, a second at a time (so an encoder can sit
/// behind it); returns the number of frames made.
pub fn frames(
    timeline: &Timeline,
    mix: &Mix,
    channels: usize,
    write: &mut dyn FnMut(&[f32]) -> Result<(), String>,
) -> Result<u64, String> {
    let total = sample_at(timeline.total, mix.rate);
    let mut mixer = Mixer::new(mix.rate);
    let mut sounds: HashMap<Sound, Samples> = HashMap::new();
    let mut cues = timeline.cues.iter().peekable();
    let block = u64::from(mix.rate);
    let mut buffer = vec![0f32; block as usize * channels];
    let mut at = 0;
    while at < total {
        if (mix.stopped)() {
            return Err("stopped".into());
        }
        let end = (at + block).min(total);
        // Everything that starts in this block goes on the schedule.
        while let Some(cue) = cues.peek() {
            let start = sample_at(cue.at, mix.rate);
            if start >= end {
                break;
            }
            let cue = cues.next().expect("peeked");
            let placed = match &cue.what {
                What::Sound(sound) => Some((
                    Arc::clone(
                        sounds
                            .entry(*sound)
                            .or_insert_with(|| convert(mix.sounds.clip(*sound), mix.rate).into()),
                    ),
                    mix.sound_volume,
                    Group::Sound,
                )),
                What::Text(text) => match mix.speech {
                    Some(speech) => Some((
                        convert(&speech.clip(text)?, mix.rate).into(),
                        mix.voice_volume,
                        Group::Voice,
                    )),
                    None => None,
                },
                What::Quiet(_) => None,
            };
            if let Some((samples, gain, group)) = placed {
                mixer.apply(Command::Play {
                    at: start,
                    samples,
                    gain,
                    group,
                });
            }
        }
        let out = &mut buffer[..(end - at) as usize * channels];
        mixer.fill(out, channels);
        write(out)?;
        at = end;
    }
    Ok(total)
}

/// The chapters of a rendered session: where each step starts.
pub fn chapters(timeline: &Timeline, json: bool) -> String {
    // A chapter for each exercise and breathing, taking in the words and rests before it, so
    // jumping to one starts with its introduction. A player starts at the first chapter: the
    // opening words are one of their own.
    let mut marks: Vec<(Option<usize>, &str, Ms, Ms)> = Vec::new();
    let first = timeline.steps.first().map_or(timeline.total, |s| s.start);
    if first > 0 {
        marks.push((None, "Opening", 0, first));
    }
    let any_main = timeline.steps.iter().any(|s| s.main);
    let mut from = first;
    for (i, s) in timeline.steps.iter().enumerate() {
        if s.main || !any_main {
            marks.push((Some(s.step), &s.title, from, s.end));
            from = s.end;
        } else if !timeline.steps[i..].iter().any(|t| t.main) {
            // Words and rests after the last exercise close its chapter.
            if let Some(last) = marks.last_mut() {
                last.3 = s.end;
            }
        }
    }
    // The closing words belong to the last chapter.
    if let Some(last) = marks.last_mut() {
        last.3 = timeline.total;
    }
    if json {
        let items: Vec<serde_json::Value> = marks
            .iter()
            .map(|(step, title, start, end)| {
                serde_json::json!({
                    "step": step,
                    "title": title,
                    "start_seconds": *start as f64 / 1000.0,
                    "end_seconds": *end as f64 / 1000.0,
                })
            })
            .collect();
        let mut text = serde_json::to_string_pretty(&serde_json::json!({
            "routine": timeline.routine,
            "total_seconds": timeline.total as f64 / 1000.0,
            "chapters": items,
        }))
        .expect("chapters serialize");
        text.push('\n');
        return text;
    }
    marks
        .iter()
        .map(|(_, title, start, _)| {
            let s = start / 1000;
            format!(
                "{:02}:{:02}:{:02}.{:03} {title}\n",
                s / 3600,
                (s / 60) % 60,
                s % 60,
                start % 1000
            )
        })
        .collect()
}
