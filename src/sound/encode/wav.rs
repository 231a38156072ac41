//! WAV: 16-bit PCM in a RIFF file.
//!
//! The header is written first with the length the session will have, so the file streams to a
//! pipe as well; on a file it is written again at the end with the length actually written.

use std::io::{self, Write};

use super::{Encoder, Sink, Spec, to_i16};

pub struct Wav<'a> {
    sink: Box<dyn Sink + 'a>,
    spec: Spec,
    frames: u64,
    buf: Vec<u8>,
}

/// The most bytes of samples a WAV file's 32-bit lengths can describe (the RIFF length counts
/// the 36 bytes of header after it too).
pub const MAX_DATA: u64 = u32::MAX as u64 - 36;

/// The 44 bytes before the samples, for `frames` frames.
fn header(spec: Spec, frames: Option<u64>) -> [u8; 44] {
    let block = u32::from(spec.channels) * 2;
    // A length not known ahead is written as the largest there is, as streaming tools do.
    let data = frames.map_or(u32::MAX - 36, |f| {
        u32::try_from(f * u64::from(block)).unwrap_or(u32::MAX - 36)
    });
    let mut h = [0u8; 44];
    h[0..4].copy_from_slice(b"RIFF");
    h[4..8].copy_from_slice(&(data.saturating_add(36)).to_le_bytes());
    h[8..12].copy_from_slice(b"WAVE");
    h[12..16].copy_from_slice(b"fmt ");
    h[16..20].copy_from_slice(&16u32.to_le_bytes());
    h[20..22].copy_from_slice(&1u16.to_le_bytes()); // PCM
    h[22..24].copy_from_slice(&spec.channels.to_le_bytes());
    h[24..28].copy_from_slice(&spec.rate.to_le_bytes());
    h[28..32].copy_from_slice(&(spec.rate * block).to_le_bytes());
    h[32..34].copy_from_slice(&(block as u16).to_le_bytes());
    h[34..36].copy_from_slice(&16u16.to_le_bytes());
    h[36..40].copy_from_slice(b"data");
    h[40..44].copy_from_slice(&data.to_le_bytes());
    h
}

impl<'a> Wav<'a> {
    pub fn new(spec: Spec, mut sink: Box<dyn Sink + 'a>) -> io::Result<Self> {
        sink.write_all(&header(spec, spec.frames))?;
        Ok(Wav {
            sink,
            spec,
            frames: 0,
            buf: Vec::new(),
        })
    }
}

impl Encoder for Wav<'_> {
    fn write(&mut self, samples: &[f32]) -> io::Result<()> {
        // A sound of unknown length is refused when it reaches the limit, not written past it.
        let bytes = (self.frames * u64::from(self.spec.channels) + samples.len() as u64) * 2;
        if bytes > MAX_DATA {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the sound is longer than a WAV file can describe (4 GB); write FLAC instead",
            ));
        }
        self.buf.clear();
        self.buf
            .extend(samples.iter().flat_map(|s| to_i16(*s).to_le_bytes()));
        self.sink.write_all(&self.buf)?;
        self.frames += (samples.len() / usize::from(self.spec.channels)) as u64;
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> io::Result<u64> {
        if self.spec.frames != Some(self.frames) {
            self.sink.patch(0, &header(self.spec, Some(self.frames)))?;
        }
        self.sink.flush()?;
        Ok(self.frames)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sound::encode::{Format, Seekable, Tags, open};

    #[test]
    fn a_sound_a_wav_header_cannot_describe_is_refused_before_a_byte_is_written() {
        // 6.5 hours at 96 kHz: 4.5 GB, whose length would wrap in the header.
        let spec = Spec {
            rate: 96_000,
            channels: 1,
            frames: Some(96_000 * 23_400),
        };
        let mut out = io::Cursor::new(Vec::new());
        let e = open(
            Format::Wav,
            spec,
            &Tags::default(),
            Box::new(Seekable(&mut out)),
        )
        .err()
        .expect("refused");
        assert!(
            e.to_string().contains("more than a WAV file can describe"),
            "{e}"
        );
        assert!(out.into_inner().is_empty());
        // FLAC can say how long it is.
        let mut out = io::Cursor::new(Vec::new());
        assert!(
            open(
                Format::Flac,
                spec,
                &Tags::default(),
                Box::new(Seekable(&mut out))
            )
            .is_ok()
        );
    }

    #[test]
    fn a_stream_of_unknown_length_stops_at_the_limit() {
        let spec = Spec {
            rate: 96_000,
            channels: 1,
            frames: None,
        };
        let mut out = io::Cursor::new(Vec::new());
        let mut wav = Wav::new(spec, Box::new(Seekable(&mut out))).unwrap();
        wav.frames = MAX_DATA / 2 - 10;
        assert!(wav.write(&[0.0; 10]).is_ok());
        assert!(wav.write(&[0.0; 1]).is_err());
    }
}
