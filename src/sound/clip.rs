//! The sounds a session plays: the built-in ones (embedded in the binary) or the user's own files.
//!
//! A sound file named in the configuration replaces the built-in one. A file that is missing or
//! cannot be decoded is reported once, naming the file, and the built-in sound plays instead: a
//! typo in a path must never cost a person their hold chimes.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::plan::settings::{Sound, SoundLengths};
use crate::routine::Ms;

/// Decoded audio, ready to play: interleaved samples in -1..1.
#[derive(Debug, Clone, PartialEq)]
pub struct Clip {
    pub samples: Arc<[f32]>,
    pub channels: u16,
    pub rate: u32,
}

/// How long `frames` samples per channel last at `rate`, rounded up to the millisecond. The one
/// rule for a sound's length, so a clip in memory and a file's header (the speech cache) agree.
pub fn frames_ms(frames: u64, rate: u32) -> Ms {
    (frames * 1000).div_ceil(u64::from(rate.max(1)))
}

impl Clip {
    pub fn duration_ms(&self) -> Ms {
        frames_ms(
            self.samples.len() as u64 / u64::from(self.channels.max(1)),
            self.rate,
        )
    }

    /// Decodes a WAV file's bytes (8, 16, 24 or 32-bit integer, or 32-bit float).
    pub fn from_wav(bytes: &[u8]) -> Result<Clip, String> {
        Clip::read_wav(bytes, bytes.len() as u64)
    }

    /// Decodes a WAV file as it is read from `reader`, which holds at most `size` bytes: the
    /// samples are never in memory twice, nor beside the file's bytes.
    pub fn read_wav(reader: impl std::io::Read, size: u64) -> Result<Clip, String> {
        let reader = hound::WavReader::new(reader).map_err(|e| format!("not a WAV file ({e})"))?;
        let spec = reader.spec();
        if spec.channels == 0 || spec.sample_rate == 0 {
            return Err("the WAV file has no channels or no sample rate".into());
        }
        // Decoded straight into the shared buffer the mixer plays from, sized from the header
        // (no more than the bytes can hold): a line is never in memory twice as samples.
        let width = usize::from(spec.bits_per_sample.div_ceil(8)).max(1);
        let len = (reader.len() as usize).min(usize::try_from(size).unwrap_or(usize::MAX) / width);
        let mut samples: Arc<[f32]> = std::iter::repeat_n(0.0, len).collect();
        let slots = Arc::get_mut(&mut samples).expect("made here, held nowhere else");
        let filled = match spec.sample_format {
            hound::SampleFormat::Float => fill(slots, reader.into_samples::<f32>()),
            hound::SampleFormat::Int => {
                let scale = 1.0 / (1u64 << (spec.bits_per_sample.saturating_sub(1))) as f32;
                fill(
                    slots,
                    reader
                        .into_samples::<i32>()
                        .map(|s| s.map(|v| v as f32 * scale)),
                )
            }
        };
        let filled = filled.map_err(|e| format!("the WAV file is damaged ({e})"))?;
        if filled < len {
            samples = samples[..filled].into();
        }
        if samples.is_empty() {
            return Err("the WAV file holds no sound".into());
        }
        Ok(Clip {
            samples,
            channels: spec.channels,
            rate: spec.sample_rate,
        })
    }
}

/// Fills `slots` from `samples` in order; returns how many were filled.
fn fill(
    slots: &mut [f32],
    samples: impl Iterator<Item = Result<f32, hound::Error>>,
) -> Result<usize, hound::Error> {
    let mut filled = 0;
    for (slot, sample) in slots.iter_mut().zip(samples) {
        *slot = sample?;
        filled += 1;
    }
    Ok(filled)
}

fn built_in_bytes(sound: Sound) -> &'static [u8] {
    match sound {
        Sound::HoldStart => include_bytes!("../../sounds/hold_start.wav"),
        Sound::HoldEnd => include_bytes!("../../sounds/hold_end.wav"),
        Sound::BreatheIn => include_bytes!("../../sounds/breathe_in.wav"),
        Sound::BreatheOut => include_bytes!("../../sounds/breathe_out.wav"),
        Sound::Tick => include_bytes!("../../sounds/tick.wav"),
        Sound::Finish => include_bytes!("../../sounds/finish.wav"),
    }
}

/// The longest a replacement sound may be: a chime that rings on into the next cue would overlap it.
pub const MAX_SOUND_MS: Ms = 5000;

/// The largest sound file read: 5 s of 8-channel 32-bit sound at 96 kHz is 15 MB.
const MAX_SOUND_BYTES: u64 = 20 * 1024 * 1024;

/// One clip for each [`Sound`].
#[derive(Debug, Clone)]
pub struct SoundSet {
    clips: Vec<Clip>,
}

impl SoundSet {
    pub fn built_in() -> SoundSet {
        SoundSet {
            clips: Sound::ALL
                .iter()
                .map(|s| Clip::from_wav(built_in_bytes(*s)).expect("built-in sounds decode"))
                .collect(),
        }
    }

    /// The built-in sounds with some replaced by files; `warn` hears about each file that could
    /// not be used.
    pub fn with_files(files: &[(Sound, PathBuf)], warn: &mut dyn FnMut(String)) -> SoundSet {
        let mut set = SoundSet::built_in();
        for (sound, path) in files {
            match load_file(path) {
                Ok(clip) => set.clips[index(*sound)] = clip,
                Err(why) => warn(format!(
                    "sound {}: {}: {why}; playing the built-in {} sound instead",
                    sound.name(),
                    path.display(),
                    sound.name().replace('_', " ")
                )),
            }
        }
        set
    }

    pub fn clip(&self, sound: Sound) -> &Clip {
        &self.clips[index(sound)]
    }

    /// How long each sound lasts, for the timeline.
    pub fn lengths(&self) -> SoundLengths {
        let of = |s| self.clip(s).duration_ms();
        SoundLengths {
            hold_start: of(Sound::HoldStart),
            hold_end: of(Sound::HoldEnd),
            breathe_in: of(Sound::BreatheIn),
            breathe_out: of(Sound::BreatheOut),
            tick: of(Sound::Tick),
            finish: of(Sound::Finish),
        }
    }
}

fn index(sound: Sound) -> usize {
    Sound::ALL
        .iter()
        .position(|s| *s == sound)
        .expect("every sound is listed")
}

fn load_file(path: &Path) -> Result<Clip, String> {
    let bytes =
        crate::routine::source::read_bounded(path, MAX_SOUND_BYTES).map_err(|e| match e {
            crate::routine::source::Unreadable::TooLarge(_) => {
                "the file is larger than 20 MB".to_string()
            }
            e => e.to_string(),
        })?;
    let clip = Clip::from_wav(&bytes)?;
    if clip.duration_ms() > MAX_SOUND_MS {
        return Err(format!(
            "it lasts {:.1} s; a sound may last at most {} s",
            clip.duration_ms() as f64 / 1000.0,
            MAX_SOUND_MS / 1000
        ));
    }
    Ok(clip)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_lengths_are_what_the_timeline_assumes() {
        assert_eq!(SoundSet::built_in().lengths(), SoundLengths::default());
    }

    #[test]
    fn a_missing_or_broken_file_warns_and_keeps_the_built_in_sound() {
        let dir = tempfile::tempdir().unwrap();
        let broken = dir.path().join("broken.wav");
        std::fs::write(&broken, b"RIFF not really").unwrap();
        let mut warnings = Vec::new();
        let set = SoundSet::with_files(
            &[
                (Sound::HoldStart, dir.path().join("missing.wav")),
                (Sound::Tick, broken.clone()),
            ],
            &mut |w| warnings.push(w),
        );
        assert_eq!(warnings.len(), 2);
        assert!(
            warnings[0].starts_with("sound hold_start: "),
            "{}",
            warnings[0]
        );
        assert!(
            warnings[0].contains("missing.wav: there is no such file or folder"),
            "{}",
            warnings[0]
        );
        assert!(warnings[1].contains("not a WAV file"), "{}", warnings[1]);
        assert_eq!(
            set.clip(Sound::HoldStart),
            SoundSet::built_in().clip(Sound::HoldStart)
        );
    }

    #[test]
    fn a_pipe_or_an_endless_device_is_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("bell.wav");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let mut warnings = Vec::new();
        let started = std::time::Instant::now();
        SoundSet::with_files(
            &[
                (Sound::HoldStart, fifo),
                (Sound::HoldEnd, PathBuf::from("/dev/zero")),
            ],
            &mut |w| warnings.push(w),
        );
        // Before, the pipe blocked forever and /dev/zero was read until memory ran out.
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert!(
            warnings[0].contains("bell.wav: is a named pipe (FIFO), not a file"),
            "{}",
            warnings[0]
        );
        assert!(
            warnings[1].contains("/dev/zero: is a device, not a file"),
            "{}",
            warnings[1]
        );
    }

    #[test]
    fn a_good_file_replaces_the_sound() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("knock.wav");
        std::fs::write(&path, crate::sound::chime::wav(Sound::Tick)).unwrap();
        let set = SoundSet::with_files(&[(Sound::HoldStart, path)], &mut |w| panic!("{w}"));
        assert_eq!(set.lengths().hold_start, 120);
    }

    #[test]
    fn a_file_read_as_a_stream_decodes_as_its_bytes_do_and_a_cut_one_is_damaged() {
        let bytes = crate::sound::chime::wav(Sound::HoldStart);
        let whole = Clip::from_wav(&bytes).unwrap();
        let streamed = Clip::read_wav(
            std::io::BufReader::with_capacity(7, bytes.as_slice()),
            bytes.len() as u64,
        )
        .unwrap();
        assert_eq!(streamed, whole);
        // Cut short (a full disk while it was written): damaged, read either way, so the cache
        // makes the line again.
        let cut = &bytes[..bytes.len() / 2];
        let damaged = Clip::read_wav(cut, cut.len() as u64).unwrap_err();
        assert!(damaged.contains("damaged"), "{damaged}");
        assert_eq!(Clip::from_wav(cut).unwrap_err(), damaged);
        // A header that claims more than the file holds does not size the buffer: no more
        // samples than `size` bytes can hold.
        let bounded = Clip::read_wav(cut, 100).unwrap();
        assert_eq!(bounded.samples[..], whole.samples[..50]);
    }
}
