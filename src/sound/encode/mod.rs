//! Audio files: a session's sound written as WAV, FLAC or MP3.
//!
//! Every format sits behind one small interface, [`Encoder`]: it is opened with the sound's rate
//! and channels, its length when known, and its chapters; it takes blocks of interleaved `f32`
//! frames (-1 to 1) as they are mixed, and [`Encoder::finish`] completes the file. Memory stays
//! the size of a block however long the session.
//!
//! Each format writes straight through to its [`Sink`], so a file can go to standard output. A
//! sink that can seek (a file) lets a format go back when the sound is done and fill in what it
//! learnt only at the end (FLAC's checksum and frame sizes, MP3's encoder delay for gapless
//! players); on a pipe those parts say "unknown", which every player accepts.
//!
//! - WAV: 16-bit PCM; no chapters (few players read WAV cue points; `--chapters` writes them
//!   beside the file).
//! - FLAC: lossless, 16-bit, from the pure-Rust `flacenc`; chapters as Vorbis comments
//!   (`CHAPTER001=00:01:05.250`, `CHAPTER001NAME=Bridge`), as Ogg and FLAC players read them.
//! - MP3: LAME (built from its source in `mp3lame-sys`), which every phone and car plays, at a
//!   variable bit rate of about 40 kbit/s for speech; chapters as ID3v2 `CHAP` frames with a `CTOC`
//!   table, as podcast players read them.

mod flac;
mod mp3;
mod wav;

use std::fmt;
use std::io::{self, Seek, SeekFrom, Write};
use std::path::Path;

/// A kind of audio file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Uncompressed 16-bit PCM: the largest file, for editing.
    Wav,
    /// Lossless and half the size of WAV.
    Flac,
    /// Compressed for phones: about 0.25 MB a minute, with chapters.
    Mp3,
}

impl Format {
    /// The format a file's name asks for, by its extension.
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "wav" | "wave" => Some(Format::Wav),
            "flac" => Some(Format::Flac),
            "mp3" => Some(Format::Mp3),
            _ => None,
        }
    }

    /// The usual extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Wav => "wav",
            Format::Flac => "flac",
            Format::Mp3 => "mp3",
        }
    }

    /// Whether the file carries chapters of its own.
    pub fn has_chapters(self) -> bool {
        !matches!(self, Format::Wav)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Wav => "WAV",
            Format::Flac => "FLAC",
            Format::Mp3 => "MP3",
        })
    }
}

/// The shape of the sound to be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    /// Frames per second.
    pub rate: u32,
    /// Samples per frame: 1 or 2.
    pub channels: u16,
    /// How many frames will be written, when known ahead (it always is for a session).
    pub frames: Option<u64>,
}

/// A named part of the sound, from `start` to `end`, in milliseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chapter {
    pub title: String,
    pub start_ms: u64,
    pub end_ms: u64,
}

/// What is written into the file besides the sound.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tags {
    /// The title of the whole recording (the routine's name).
    pub title: Option<String>,
    pub chapters: Vec<Chapter>,
}

/// Where an encoder writes: a file it may go back in, or a stream it may not.
pub trait Sink: Write {
    /// Overwrites `bytes` at `at` from the start, then goes on at the end. Returns `false`, and
    /// writes nothing, when the sink cannot go back (a pipe).
    fn patch(&mut self, at: u64, bytes: &[u8]) -> io::Result<bool>;
}

/// A sink that can go back: a file.
pub struct Seekable<W: Write + Seek>(pub W);

impl<W: Write + Seek> Write for Seekable<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl<W: Write + Seek> Sink for Seekable<W> {
    fn patch(&mut self, at: u64, bytes: &[u8]) -> io::Result<bool> {
        let end = self.0.stream_position()?;
        self.0.seek(SeekFrom::Start(at))?;
        self.0.write_all(bytes)?;
        self.0.seek(SeekFrom::Start(end))?;
        Ok(true)
    }
}

/// A sink that only goes forward: a pipe, standard output.
pub struct Stream<W: Write>(pub W);

impl<W: Write> Write for Stream<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl<W: Write> Sink for Stream<W> {
    fn patch(&mut self, _at: u64, _bytes: &[u8]) -> io::Result<bool> {
        Ok(false)
    }
}

/// Writes sound into a file of one format.
pub trait Encoder {
    /// Adds interleaved frames: `channels` samples each, from -1 to 1 (louder is clipped).
    fn write(&mut self, samples: &[f32]) -> io::Result<()>;
    /// Completes the file and flushes it; returns the frames written.
    fn finish(self: Box<Self>) -> io::Result<u64>;
}

/// Opens an encoder of `format` writing into `sink`.
pub fn open<'a>(
    format: Format,
    spec: Spec,
    tags: &Tags,
    sink: Box<dyn Sink + 'a>,
) -> io::Result<Box<dyn Encoder + 'a>> {
    if !(1..=2).contains(&spec.channels) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{} channels: only mono and stereo are written",
                spec.channels
            ),
        ));
    }
    describable(format, spec).map_err(|why| io::Error::new(io::ErrorKind::InvalidInput, why))?;
    Ok(match format {
        Format::Wav => Box::new(wav::Wav::new(spec, sink)?),
        Format::Flac => Box::new(flac::Flac::new(spec, tags, sink)?),
        Format::Mp3 => Box::new(mp3::Mp3::new(spec, tags, sink)?),
    })
}

/// Whether a file of `format` can describe a sound of `spec`; if not, why, and what to do.
///
/// A WAV file keeps its length in 32 bits: past 4 GiB of samples the header wraps, and players
/// see a short file or none. Such a file is refused before anything is written rather than
/// written as RF64, which many players and editors do not read; FLAC (36-bit sample count) and
/// MP3 have no such limit. A session is at most four hours, which is 2.8 GB of mono WAV at the
/// highest rate, so only a longer sound could be refused here.
pub fn describable(format: Format, spec: Spec) -> Result<(), String> {
    let bytes = spec
        .frames
        .unwrap_or(0)
        .saturating_mul(u64::from(spec.channels) * 2);
    if format == Format::Wav && bytes > wav::MAX_DATA {
        return Err(format!(
            "{:.1} GB of sound is more than a WAV file can describe (4 GB); write FLAC (-o FILE.flac), use a lower --rate, or render part of it with --from or --only",
            bytes as f64 / 1e9
        ));
    }
    Ok(())
}

/// A sample from -1..1 as 16 bits.
fn to_i16(s: f32) -> i16 {
    (s.clamp(-1.0, 1.0) * 32767.0).round() as i16
}

/// A moment as Vorbis comments and cue sheets write it: `HH:MM:SS.mmm`.
pub fn clock(ms: u64) -> String {
    let s = ms / 1000;
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        s / 3600,
        (s / 60) % 60,
        s % 60,
        ms % 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_follow_the_extension() {
        assert_eq!(Format::from_path(Path::new("a.WAV")), Some(Format::Wav));
        assert_eq!(Format::from_path(Path::new("x/a.flac")), Some(Format::Flac));
        assert_eq!(Format::from_path(Path::new("a.mp3")), Some(Format::Mp3));
        assert_eq!(Format::from_path(Path::new("a.ogg")), None);
        assert_eq!(Format::from_path(Path::new("-")), None);
    }

    #[test]
    fn clock_reads_as_hours_minutes_seconds() {
        assert_eq!(clock(0), "00:00:00.000");
        assert_eq!(clock(3_723_004), "01:02:03.004");
    }

    /// Every format, to memory, for its size and first bytes; the decoding tests are in
    /// tests/render.rs, with tools that are not ours.
    #[test]
    fn each_format_writes_its_own_kind_of_file() {
        let spec = Spec {
            rate: 24_000,
            channels: 1,
            frames: Some(24_000),
        };
        let tags = Tags {
            title: Some("Test".into()),
            chapters: vec![Chapter {
                title: "One".into(),
                start_ms: 0,
                end_ms: 1000,
            }],
        };
        let tone: Vec<f32> = (0..24_000)
            .map(|i| (i as f32 * 440.0 * std::f32::consts::TAU / 24_000.0).sin() * 0.5)
            .collect();
        for (format, magic) in [
            (Format::Wav, &b"RIFF"[..]),
            (Format::Flac, b"fLaC"),
            (Format::Mp3, b"ID3"),
        ] {
            let mut out = io::Cursor::new(Vec::new());
            let mut enc = open(format, spec, &tags, Box::new(Seekable(&mut out))).unwrap();
            for block in tone.chunks(5000) {
                enc.write(block).unwrap();
            }
            assert_eq!(enc.finish().unwrap(), 24_000);
            let bytes = out.into_inner();
            assert!(bytes.starts_with(magic), "{format}");
            assert!(bytes.len() > 1000, "{format}: {} bytes", bytes.len());
        }
    }
}
