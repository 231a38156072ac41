//! Where sounds are played: one audio output for the whole session.
//!
//! The real output is rodio's mixer on the default device; every clip gets its own player on that
//! mixer, so a chime can ring while a voice clip plays and `stop` silences everything at once. The
//! recording output is for tests: it plays nothing and remembers what it was asked to play, when.

use std::cell::RefCell;
use std::num::NonZero;

use crate::sounds::Clip;

/// Something that can play clips.
pub trait Output {
    /// Starts playing a clip now, at `volume` (0 to 1), without waiting for it to end.
    fn play(&self, clip: &Clip, volume: f32);
    /// Silences everything that is playing.
    fn stop(&self);
}

/// Errors the audio device reported while playing: how many, and the first.
#[derive(Debug, Default)]
pub struct DeviceErrors {
    pub count: u64,
    pub first: Option<String>,
}

/// The default audio device, through rodio.
pub struct RodioOutput {
    sink: rodio::MixerDeviceSink,
    players: RefCell<Vec<rodio::Player>>,
    errors: std::sync::Arc<std::sync::Mutex<DeviceErrors>>,
}

impl RodioOutput {
    /// Opens the default output. The audio library prints a dozen lines of its own to stderr when
    /// there is no device; those are held back, and the one error that matters is returned.
    pub fn open() -> Result<RodioOutput, String> {
        let errors = std::sync::Arc::new(std::sync::Mutex::new(DeviceErrors::default()));
        // The device's own complaints while it plays (on some sound servers a stream of transient
        // I/O errors) are counted, not printed as they come: the session reports them once.
        let record = {
            let errors = std::sync::Arc::clone(&errors);
            move |e: rodio::cpal::Error| {
                let mut errors = errors.lock().unwrap_or_else(|p| p.into_inner());
                errors.count += 1;
                if errors.first.is_none() {
                    errors.first = Some(e.to_string());
                }
            }
        };
        let quiet = gag::Gag::stderr().ok();
        // A short device buffer (about 10 ms) so a chime starts within a few ms of its moment;
        // devices that refuse it get their own default.
        let opened = rodio::DeviceSinkBuilder::from_default_device()
            .and_then(|b| {
                b.with_buffer_size(rodio::cpal::BufferSize::Fixed(512))
                    .with_error_callback(record.clone())
                    .open_sink_or_fallback()
            })
            .or_else(|_| {
                rodio::DeviceSinkBuilder::from_default_device()
                    .and_then(|b| b.with_error_callback(record).open_sink_or_fallback())
            });
        drop(quiet);
        let mut sink = opened.map_err(|e| {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(inner) = source {
                text.push_str(&format!(": {inner}"));
                source = inner.source();
            }
            text
        })?;
        sink.log_on_drop(false);
        Ok(RodioOutput {
            sink,
            players: RefCell::new(Vec::new()),
            errors,
        })
    }

    /// The errors the device has reported so far.
    pub fn errors(&self) -> (u64, Option<String>) {
        let e = self.errors.lock().unwrap_or_else(|p| p.into_inner());
        (e.count, e.first.clone())
    }
}

impl Output for RodioOutput {
    fn play(&self, clip: &Clip, volume: f32) {
        let (Some(channels), Some(rate)) = (NonZero::new(clip.channels), NonZero::new(clip.rate))
        else {
            return;
        };
        let player = rodio::Player::connect_new(self.sink.mixer());
        player.set_volume(volume.clamp(0.0, 1.0));
        player.append(rodio::buffer::SamplesBuffer::new(
            channels,
            rate,
            clip.samples.to_vec(),
        ));
        let mut players = self.players.borrow_mut();
        players.retain(|p| !p.empty());
        players.push(player);
    }

    fn stop(&self) {
        for player in self.players.borrow_mut().drain(..) {
            player.stop();
        }
    }
}

/// A fake output that records what it was asked to play and when (on tokio's clock).
#[derive(Default)]
pub struct RecordingOutput {
    pub played: RefCell<Vec<(tokio::time::Instant, usize, f32)>>,
    pub stops: RefCell<usize>,
}

impl Output for RecordingOutput {
    fn play(&self, clip: &Clip, volume: f32) {
        self.played
            .borrow_mut()
            .push((tokio::time::Instant::now(), clip.samples.len(), volume));
    }

    fn stop(&self) {
        *self.stops.borrow_mut() += 1;
    }
}

/// An output that plays nothing: a session with captions only.
pub struct Silent;

impl Output for Silent {
    fn play(&self, _: &Clip, _: f32) {}
    fn stop(&self) {}
}
