//! MP3: LAME, at a variable bit rate (LAME's V6) that comes to about 35-45 kbit/s for mono speech
//! at 24 kHz: a 22-minute session is about 5.5 MB, and every phone and car plays it. (At a
//! constant rate, LAME's tag with the exact length does not fit in a frame below 64 kbit/s at
//! 24 kHz.)
//!
//! The ID3v2.3 tag comes first, written by the `id3` crate with the title and a `CHAP` frame for
//! each chapter under one `CTOC` table. LAME's first frame is its "Info" tag, which tells players
//! the encoder's delay and padding so that they play the exact length, and where each tenth of the
//! file is for seeking; LAME knows it only at the end, so on a file it is written again then, and
//! on a pipe it stays blank (a silent frame: a pipe's MP3 is about 0.1 s longer).

use std::io;

use id3::TagLike;
use mp3lame_encoder::{Builder, FlushGap, InterleavedPcm, Mode, MonoPcm, Quality, VbrMode};

use super::{Encoder, Sink, Spec, Tags};

pub struct Mp3<'a> {
    sink: Box<dyn Sink + 'a>,
    spec: Spec,
    lame: mp3lame_encoder::Encoder,
    /// Where the first MP3 frame starts: after the ID3 tag.
    audio_at: u64,
    buf: Vec<u8>,
    frames: u64,
}

fn fail(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("MP3 encoder: {e}"))
}

/// The ID3v2 tag, with chapters as podcast players read them.
fn tag(tags: &Tags) -> io::Result<Vec<u8>> {
    let mut tag = id3::Tag::new();
    if let Some(title) = &tags.title {
        tag.set_title(title);
    }
    tag.set_text("TSSE", concat!("limber ", env!("CARGO_PKG_VERSION")));
    let ids: Vec<String> = (1..=tags.chapters.len())
        .map(|i| format!("ch{i}"))
        .collect();
    if !tags.chapters.is_empty() {
        tag.add_frame(id3::frame::TableOfContents {
            element_id: "toc".into(),
            top_level: true,
            ordered: true,
            elements: ids.clone(),
            frames: Vec::new(),
        });
    }
    for (c, id) in tags.chapters.iter().zip(ids) {
        tag.add_frame(id3::frame::Chapter {
            element_id: id,
            start_time: u32::try_from(c.start_ms).unwrap_or(u32::MAX),
            end_time: u32::try_from(c.end_ms).unwrap_or(u32::MAX),
            // No byte offsets: players go by the times.
            start_offset: u32::MAX,
            end_offset: u32::MAX,
            frames: vec![id3::Frame::text("TIT2", c.title.clone())],
        });
    }
    let mut out = Vec::new();
    tag.write_to(&mut out, id3::Version::Id3v23).map_err(fail)?;
    Ok(out)
}

impl<'a> Mp3<'a> {
    pub fn new(spec: Spec, tags: &Tags, mut sink: Box<dyn Sink + 'a>) -> io::Result<Self> {
        let mode = match spec.channels {
            1 => Mode::Mono,
            _ => Mode::JointStereo,
        };
        let mut b = Builder::new().ok_or_else(|| fail("LAME could not start"))?;
        b.set_num_channels(spec.channels as u8).map_err(fail)?;
        b.set_sample_rate(spec.rate).map_err(fail)?;
        b.set_mode(mode).map_err(fail)?;
        b.set_vbr_mode(VbrMode::Mtrh).map_err(fail)?;
        b.set_vbr_quality(Quality::Decent).map_err(fail)?;
        b.set_quality(Quality::Good).map_err(fail)?;
        b.set_to_write_vbr_tag(true).map_err(fail)?;
        let lame = b.build().map_err(fail)?;
        let tag = tag(tags)?;
        sink.write_all(&tag)?;
        Ok(Mp3 {
            sink,
            spec,
            lame,
            audio_at: tag.len() as u64,
            buf: Vec::new(),
            frames: 0,
        })
    }
}

impl Encoder for Mp3<'_> {
    fn write(&mut self, samples: &[f32]) -> io::Result<()> {
        let frames = samples.len() / usize::from(self.spec.channels);
        self.buf.clear();
        self.buf
            .reserve(mp3lame_encoder::max_required_buffer_size(frames));
        if self.spec.channels == 1 {
            self.lame.encode_to_vec(MonoPcm(samples), &mut self.buf)
        } else {
            self.lame
                .encode_to_vec(InterleavedPcm(samples), &mut self.buf)
        }
        .map_err(fail)?;
        self.sink.write_all(&self.buf)?;
        self.frames += frames as u64;
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> io::Result<u64> {
        self.buf.clear();
        self.buf.reserve(7200);
        self.lame
            .flush_to_vec::<FlushGap>(&mut self.buf)
            .map_err(fail)?;
        self.sink.write_all(&self.buf)?;
        let mut info = Vec::with_capacity(self.lame.lame_tag_size());
        if self.lame.lame_tag_encode_to_vec(&mut info).is_some() {
            self.sink.patch(self.audio_at, &info)?;
        }
        self.sink.flush()?;
        Ok(self.frames)
    }
}
