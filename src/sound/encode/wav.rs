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
