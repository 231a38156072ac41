//! FLAC: lossless, from the pure-Rust `flacenc`, a block of 4096 frames at a time.
//!
//! The stream is laid out by hand around flacenc's frames: `fLaC`, STREAMINFO, a VORBIS_COMMENT
//! block with the title and chapters, then the frames. STREAMINFO is written first with the
//! length the session will have and "unknown" for what only the end knows (the MD5 of the samples
//! and the smallest and largest frame); on a file it is written again, whole, at the end.

use std::io;

use flacenc::bitsink::MemSink;
use flacenc::component::{BitRepr, StreamInfo};
use flacenc::error::Verify;
use flacenc::source::{Context, Fill, FrameBuf};

use super::{Encoder, Sink, Spec, Tags, clock, to_i16};

const BLOCK: usize = 4096;
const STREAMINFO_AT: u64 = 8;

pub struct Flac<'a> {
    sink: Box<dyn Sink + 'a>,
    spec: Spec,
    config: flacenc::error::Verified<flacenc::config::Encoder>,
    info: StreamInfo,
    framebuf: FrameBuf,
    context: Context,
    /// Samples of the block being gathered, interleaved.
    pending: Vec<i32>,
    frame_number: usize,
    frames: u64,
}

fn fail(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("FLAC encoder: {e}"))
}

/// A part of the stream as bytes (each is a whole number of them).
fn bytes(part: &impl BitRepr) -> io::Result<Vec<u8>> {
    let mut sink = MemSink::<u8>::with_capacity(part.count_bits());
    part.write(&mut sink).map_err(fail)?;
    Ok(sink.into_inner())
}

/// A metadata block's 4-byte header.
fn block_header(kind: u8, last: bool, len: usize) -> [u8; 4] {
    let len = len as u32;
    [
        kind | if last { 0x80 } else { 0 },
        (len >> 16) as u8,
        (len >> 8) as u8,
        len as u8,
    ]
}

/// The Vorbis comments: title and chapters, as Ogg and FLAC players read them.
fn comments(tags: &Tags) -> Vec<u8> {
    let mut list: Vec<String> = Vec::new();
    if let Some(title) = &tags.title {
        list.push(format!("TITLE={title}"));
    }
    for (i, c) in tags.chapters.iter().enumerate() {
        list.push(format!("CHAPTER{:03}={}", i + 1, clock(c.start_ms)));
        list.push(format!("CHAPTER{:03}NAME={}", i + 1, c.title));
    }
    let vendor = concat!("limber ", env!("CARGO_PKG_VERSION"));
    let mut out = Vec::new();
    out.extend((vendor.len() as u32).to_le_bytes());
    out.extend(vendor.as_bytes());
    out.extend((list.len() as u32).to_le_bytes());
    for c in &list {
        out.extend((c.len() as u32).to_le_bytes());
        out.extend(c.as_bytes());
    }
    out
}

impl<'a> Flac<'a> {
    pub fn new(spec: Spec, tags: &Tags, mut sink: Box<dyn Sink + 'a>) -> io::Result<Self> {
        let mut config = flacenc::config::Encoder::default();
        config.block_size = BLOCK;
        // One core of a small computer is plenty for speech; and leaves the other for the rest.
        config.multithread = false;
        let config = config.into_verified().map_err(|(_, e)| fail(e))?;
        let info = StreamInfo::new(spec.rate as usize, spec.channels as usize, 16).map_err(fail)?;

        let mut first = info.clone();
        first.set_block_sizes(BLOCK, BLOCK).map_err(fail)?;
        first.set_frame_sizes(0, 0).map_err(fail)?;
        first.set_total_samples(spec.frames.unwrap_or(0) as usize);
        let comments = comments(tags);
        sink.write_all(b"fLaC")?;
        sink.write_all(&block_header(0, false, 34))?;
        sink.write_all(&bytes(&first)?)?;
        sink.write_all(&block_header(4, true, comments.len()))?;
        sink.write_all(&comments)?;
        Ok(Flac {
            sink,
            spec,
            config,
            info,
            framebuf: FrameBuf::with_size(spec.channels as usize, BLOCK).map_err(fail)?,
            context: Context::new(16, spec.channels as usize),
            pending: Vec::with_capacity(BLOCK * spec.channels as usize),
            frame_number: 0,
            frames: 0,
        })
    }

    /// Encodes the pending samples as one frame.
    fn frame(&mut self) -> io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        self.framebuf
            .fill_interleaved(&self.pending)
            .map_err(fail)?;
        self.context.fill_interleaved(&self.pending).map_err(fail)?;
        let frame = flacenc::encode_fixed_size_frame(
            &self.config,
            &self.framebuf,
            self.frame_number,
            &self.info,
        )
        .map_err(fail)?;
        self.info.update_frame_info(&frame);
        self.sink.write_all(&bytes(&frame)?)?;
        self.frame_number += 1;
        self.pending.clear();
        Ok(())
    }
}

impl Encoder for Flac<'_> {
    fn write(&mut self, samples: &[f32]) -> io::Result<()> {
        let full = BLOCK * usize::from(self.spec.channels);
        for s in samples {
            self.pending.push(i32::from(to_i16(*s)));
            if self.pending.len() == full {
                self.frame()?;
            }
        }
        self.frames += (samples.len() / usize::from(self.spec.channels)) as u64;
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> io::Result<u64> {
        self.frame()?;
        let mut info = self.info.clone();
        // The smallest block counts all but the last, which may be shorter.
        let block = BLOCK.min(self.frames.max(16) as usize);
        info.set_block_sizes(block, block).map_err(fail)?;
        info.set_md5_digest(&self.context.md5_digest());
        info.set_total_samples(self.frames as usize);
        self.sink.patch(STREAMINFO_AT, &bytes(&info)?)?;
        self.sink.flush()?;
        Ok(self.frames)
    }
}
