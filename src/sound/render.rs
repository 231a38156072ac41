//! A whole session as one audio file: every cue of the timeline at its exact sample.
//!
//! The rendering and the live session share everything that decides what is heard and when: the
//! timeline (planned with the real speech lengths from the cache), the same sound clips, the same
//! volumes, and the mixer's own conversion to the output rate. The file is mixed a second at a time
//! and handed to an encoder (WAV, FLAC or MP3: `sound::encode`),
//! so memory stays small however long the session, and written under a temporary name that is
//! renamed into place when it is whole: a render that fails, or is stopped by Ctrl-C, leaves no
//! half a file.
//!
//! A render killed outright (kill -9, a power cut) cannot remove its temporary file, so each
//! render holds a lock on its own, and the next render in the folder removes every one whose lock
//! it can take: nobody is writing those any more. A render still running keeps its lock, and its
//! file.

use std::collections::HashMap;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::Arc;

use crate::plan::settings::Sound;
use crate::plan::timeline::{Timeline, What};
use crate::report::error::plain;
use crate::routine::Ms;
use crate::sound::clip::{Clip, SoundSet};
use crate::sound::encode::{self, Chapter, Format, Spec, Tags};
use crate::sound::mixer::{Command, Group, Mixer, Samples, frames_at};

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

/// A clip in mono at its own rate, as the mixer takes it ([`Command::Play`] converts the rate as
/// it plays): the clip itself when it is mono already, with nothing copied.
pub fn mono(clip: &Clip) -> Samples {
    let channels = usize::from(clip.channels.max(1));
    if channels == 1 {
        return Arc::clone(&clip.samples);
    }
    let scale = 1.0 / channels as f32;
    clip.samples
        .chunks_exact(channels)
        .map(|frame| frame.iter().sum::<f32>() * scale)
        .collect()
}

/// A clip as it is heard at `rate`: in mono, converted by the mixer as a session plays it. For
/// finding a sound in a recording.
pub fn convert(clip: &Clip, rate: u32) -> Vec<f32> {
    let samples = mono(clip);
    let mut mixer = Mixer::new(rate);
    let mut out = vec![0.0; frames_at(samples.len(), clip.rate, rate) as usize];
    mixer.apply(Command::Play {
        at: 0,
        samples,
        rate: clip.rate,
        gain: 1.0,
        group: Group::Sound,
    });
    mixer.fill(&mut out, 1);
    out
}

/// How a render's temporary file is named, before `XXXXXX.wav` (or its format's extension).
const TEMPORARY: &str = ".limber-render-";

/// Removes the temporary files of renders that died in `dir`: those nobody holds a lock on.
/// Returns how many were removed.
pub fn clean_stale(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !name.starts_with(TEMPORARY) {
            continue;
        }
        // Only a file (never what a link points to), opened without blocking.
        let path = entry.path();
        if !std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
            continue;
        }
        let flags = rustix::fs::OFlags::NONBLOCK | rustix::fs::OFlags::NOFOLLOW;
        let Ok(file) = std::fs::File::options()
            .read(true)
            .custom_flags(flags.bits() as i32)
            .open(&path)
        else {
            continue;
        };
        let free =
            rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive).is_ok();
        if free && std::fs::remove_file(&path).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// Writes `timeline` to the WAV file `path`; returns the number of samples written.
pub fn render(timeline: &Timeline, mix: &Mix, path: &Path) -> Result<u64, String> {
    render_as(timeline, mix, path, Format::Wav)
}

/// Writes `timeline` to `path` in `format` (standard output when `path` is `-`), with its
/// chapters in the file where the format has them; returns the number of frames written.
pub fn render_as(
    timeline: &Timeline,
    mix: &Mix,
    path: &Path,
    format: Format,
) -> Result<u64, String> {
    let spec = Spec {
        rate: mix.rate,
        channels: CHANNELS as u16,
        frames: Some(sample_at(timeline.total, mix.rate)),
    };
    let tags = Tags {
        title: Some(timeline.routine.clone()),
        chapters: marks(timeline)
            .into_iter()
            .map(|m| Chapter {
                title: m.title.to_string(),
                start_ms: m.start,
                end_ms: m.end,
            })
            .collect(),
    };
    // Refused before a temporary file is made or a second is mixed.
    encode::describable(format, spec)
        .map_err(|why| format!("cannot write {}: {why}", path.display()))?;
    if path == Path::new("-") {
        let out = std::io::stdout().lock();
        let sink = Box::new(encode::Stream(std::io::BufWriter::new(out)));
        let fail = |e: std::io::Error| format!("cannot write to standard output: {}", plain(&e));
        let mut encoder = encode::open(format, spec, &tags, sink).map_err(fail)?;
        frames(timeline, mix, CHANNELS, &mut |block| {
            encoder.write(block).map_err(fail)
        })?;
        return encoder.finish().map_err(fail);
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let fail = |e: std::io::Error| format!("cannot write {}: {}", path.display(), plain(&e));
    clean_stale(dir);
    let file = tempfile::Builder::new()
        .prefix(TEMPORARY)
        .suffix(&format!(".{}", format.extension()))
        .tempfile_in(dir)
        .map_err(|e| format!("cannot write in {}: {}", dir.display(), plain(&e)))?;
    // Held until the file is renamed into place or removed: the sign that it is being written.
    rustix::fs::flock(
        file.as_file(),
        rustix::fs::FlockOperation::NonBlockingLockExclusive,
    )
    .map_err(|e| format!("cannot lock {}: {e}", file.path().display()))?;
    let sink = Box::new(encode::Seekable(std::io::BufWriter::new(file.as_file())));
    let mut encoder = encode::open(format, spec, &tags, sink).map_err(fail)?;
    frames(timeline, mix, CHANNELS, &mut |block| {
        encoder.write(block).map_err(fail)
    })?;
    let total = encoder.finish().map_err(fail)?;
    // Readable by others, as a file a person saves usually is (a media server, say).
    let _ = file
        .as_file()
        .set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    file.persist(path).map_err(|e| fail(e.error))?;
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
                What::Sound(sound) => {
                    let clip = mix.sounds.clip(*sound);
                    let samples = sounds.entry(*sound).or_insert_with(|| mono(clip));
                    Some((
                        Arc::clone(samples),
                        clip.rate,
                        mix.sound_volume,
                        Group::Sound,
                    ))
                }
                What::Text(text) => match mix.speech {
                    Some(speech) => {
                        let clip = speech.clip(text)?;
                        Some((mono(&clip), clip.rate, mix.voice_volume, Group::Voice))
                    }
                    None => None,
                },
                What::Quiet(_) => None,
            };
            if let Some((samples, rate, gain, group)) = placed {
                mixer.apply(Command::Play {
                    at: start,
                    samples,
                    rate,
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

/// A chapter of a rendered session: its step (none for the opening words), title, start and end.
struct Mark<'a> {
    step: Option<usize>,
    title: &'a str,
    start: Ms,
    end: Ms,
}

/// Where each chapter of a rendered session starts and ends.
fn marks(timeline: &Timeline) -> Vec<Mark<'_>> {
    // A chapter for each exercise and breathing, taking in the words and rests before it, so
    // jumping to one starts with its introduction. A player starts at the first chapter: the
    // opening words are one of their own.
    let mut marks: Vec<Mark> = Vec::new();
    let first = timeline.steps.first().map_or(timeline.total, |s| s.start);
    if first > 0 {
        marks.push(Mark {
            step: None,
            title: "Opening",
            start: 0,
            end: first,
        });
    }
    let any_main = timeline.steps.iter().any(|s| s.main);
    let mut from = first;
    for (i, s) in timeline.steps.iter().enumerate() {
        if s.main || !any_main {
            marks.push(Mark {
                step: Some(s.step),
                title: &s.title,
                start: from,
                end: s.end,
            });
            from = s.end;
        } else if !timeline.steps[i..].iter().any(|t| t.main) {
            // Words and rests after the last exercise close its chapter.
            if let Some(last) = marks.last_mut() {
                last.end = s.end;
            }
        }
    }
    // The closing words belong to the last chapter.
    if let Some(last) = marks.last_mut() {
        last.end = timeline.total;
    }
    marks
}

/// The chapters of a rendered session, as text (`00:01:05.250 Bridge` lines) or JSON.
pub fn chapters(timeline: &Timeline, json: bool) -> String {
    let marks = marks(timeline);
    if json {
        let items: Vec<serde_json::Value> = marks
            .iter()
            .map(|m| {
                serde_json::json!({
                    "step": m.step,
                    "title": m.title,
                    "start_seconds": m.start as f64 / 1000.0,
                    "end_seconds": m.end as f64 / 1000.0,
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
        .map(|m| format!("{} {}\n", encode::clock(m.start), m.title))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wav_its_header_cannot_describe_is_refused_before_a_file_is_made() {
        // Before: a 6.5-hour render at 96 kHz wrote a WAV whose header wrapped at 4 GiB (rc 0).
        let timeline = Timeline {
            routine: "Long".into(),
            cues: Vec::new(),
            steps: Vec::new(),
            routine_steps: 0,
            total: (6 * 3600 + 30 * 60) * 1000,
        };
        let sounds = crate::sound::clip::SoundSet::built_in();
        let mix = Mix {
            sounds: &sounds,
            sound_volume: 1.0,
            speech: None,
            voice_volume: 1.0,
            rate: 96_000,
            stopped: || false,
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("long.wav");
        let e = render(&timeline, &mix, &path).unwrap_err();
        assert!(e.contains("more than a WAV file can describe"), "{e}");
        assert!(e.contains("FLAC"), "{e}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_dead_renders_file_is_removed_and_a_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        // Left by a render killed with -9: nobody holds it.
        let dead = dir.path().join(".limber-render-AbCdEf.wav");
        std::fs::write(&dead, vec![0u8; 4096]).unwrap();
        // Being written by a render that runs now: it holds the lock.
        let live = dir.path().join(".limber-render-GhIjKl.wav");
        let writing = std::fs::File::create(&live).unwrap();
        rustix::fs::flock(
            &writing,
            rustix::fs::FlockOperation::NonBlockingLockExclusive,
        )
        .unwrap();
        // Not a render's: kept whatever it is called.
        let other = dir.path().join("limber-render-mine.wav");
        std::fs::write(&other, b"mine").unwrap();
        assert_eq!(clean_stale(dir.path()), 1);
        assert!(!dead.exists());
        assert!(live.exists() && other.exists());
        drop(writing);
        assert_eq!(clean_stale(dir.path()), 1);
        assert!(!live.exists());
    }
}
