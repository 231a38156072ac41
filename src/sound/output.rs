//! Where sounds are played: one audio output for the whole session.
//!
//! The real output is rodio's mixer on the default device; every clip gets its own player on that
//! mixer, so a chime can ring while a voice clip plays and `stop` silences everything at once. The
//! recording output is for tests: it plays nothing and remembers what it was asked to play, when.

use std::cell::{Cell, RefCell};
use std::num::NonZero;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::sound::clip::Clip;

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
    /// Errors in the current second: a flood means the device is not coming back by itself.
    window: Option<(std::time::Instant, u64)>,
}

/// More errors than this in a second: the device has stopped working (a sound server that died
/// makes every call fail at once, thousands of times a second), not hiccuped.
const FLOOD: u64 = 1000;

/// How the real output behaves besides playing clips.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputSettings {
    /// An output by name (from `limber devices`); `None` for the default.
    pub device: Option<String>,
    /// Keep an inaudible tone playing while the session runs, so an output that sleeps in
    /// silence (many Bluetooth speakers) is awake for every cue.
    pub keep_alive: bool,
}

impl Default for OutputSettings {
    fn default() -> Self {
        OutputSettings {
            device: None,
            keep_alive: true,
        }
    }
}

/// The keep-alive tone: 40 Hz at about -70 dBFS, far below hearing on any speaker, but not the
/// digital silence that puts outputs to sleep.
const KEEP_ALIVE_LEVEL: f32 = 0.0003;
const KEEP_ALIVE_HZ: f32 = 40.0;

/// A second of the keep-alive tone (a whole number of cycles, so it loops without a click).
pub fn keep_alive_clip() -> Clip {
    let rate = 48_000u32;
    let samples: Vec<f32> = (0..rate)
        .map(|i| {
            KEEP_ALIVE_LEVEL
                * (std::f32::consts::TAU * KEEP_ALIVE_HZ * i as f32 / rate as f32).sin()
        })
        .collect();
    Clip {
        samples: samples.into(),
        channels: 1,
        rate,
    }
}

/// `ms` of the keep-alive tone: the lead-in before the first cue.
pub fn quiet_clip(ms: crate::routine::Ms) -> Clip {
    let tone = keep_alive_clip();
    let frames = (u64::from(tone.rate) * ms / 1000) as usize;
    let samples: Vec<f32> = tone.samples.iter().copied().cycle().take(frames).collect();
    Clip {
        samples: samples.into(),
        ..tone
    }
}

/// How often limber tries to open an output that went away.
pub const RETRY: std::time::Duration = std::time::Duration::from_secs(5);

/// An audio device through rodio: the default one or one by name.
///
/// When the device goes away mid-session (a USB speaker unplugged, the sound server gone), it says
/// so once on stderr and plays nothing, so the session keeps its time with captions; at the next
/// sound at least [`RETRY`] later it tries to open the device again, and says when it is back.
pub struct RodioOutput {
    settings: OutputSettings,
    sink: RefCell<Option<rodio::MixerDeviceSink>>,
    players: RefCell<Vec<rodio::Player>>,
    keep_alive: RefCell<Option<rodio::Player>>,
    errors: Arc<Mutex<DeviceErrors>>,
    /// Set by the device's error callback when the device is gone.
    lost: Arc<AtomicBool>,
    retry_at: Cell<Option<std::time::Instant>>,
}

/// An output device as `limber devices` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// The name to give `--device`: ALSA's ("default", "pulse", "hw:CARD=Headphones,DEV=0").
    pub name: String,
    /// What the system says it is.
    pub description: String,
    pub default: bool,
}

fn describe(d: &rodio::cpal::Device, default: Option<&str>) -> Device {
    use rodio::cpal::traits::DeviceTrait;
    let name = d
        .id()
        .map(|id| id.id().to_string())
        .unwrap_or_else(|_| d.to_string());
    Device {
        description: d.to_string(),
        default: default == Some(name.as_str()),
        name,
    }
}

/// The output devices there are, with the audio library's own noise held back.
fn output_devices() -> Result<(Vec<rodio::cpal::Device>, Vec<Device>), String> {
    use rodio::cpal::traits::{DeviceTrait, HostTrait};
    let quiet = gag::Gag::stderr().ok();
    let host = rodio::cpal::default_host();
    let default = host
        .default_output_device()
        .and_then(|d| d.id().ok())
        .map(|id| id.id().to_string());
    let listed = host
        .output_devices()
        .map(|d| d.collect::<Vec<_>>())
        .map_err(|e| format!("cannot list the audio outputs: {e}"));
    drop(quiet);
    // ALSA also lists its converter and effect plugins (lavrate, upmix, speex...) and a null
    // sink: none is a speaker a person would pick, and most fail when opened as one.
    let (all, described): (Vec<_>, Vec<_>) = listed?
        .into_iter()
        .map(|d| {
            let described = describe(&d, default.as_deref());
            (d, described)
        })
        .filter(|(_, d)| d.default || is_output(&d.name))
        .unzip();
    Ok((all, described))
}

/// Whether an ALSA device name is a real output: a sound card, a sound server, or the default.
fn is_output(name: &str) -> bool {
    matches!(name, "default" | "pulse" | "pipewire" | "jack")
        || name.contains("CARD=")
        || ["sysdefault", "hw:", "plughw:"]
            .iter()
            .any(|p| name.starts_with(p))
}

/// The output devices there are.
pub fn devices() -> Result<Vec<Device>, String> {
    Ok(output_devices()?.1)
}

/// The device named `name`: by its name or description, or else the one whose name or
/// description contains it (ignoring case).
fn find_device(name: &str) -> Result<rodio::cpal::Device, String> {
    let (all, described) = output_devices()?;
    let exact = described
        .iter()
        .position(|d| d.name == name || d.description == name);
    let lower = name.to_lowercase();
    let partial: Vec<usize> = (0..described.len())
        .filter(|&i| {
            described[i].name.to_lowercase().contains(&lower)
                || described[i].description.to_lowercase().contains(&lower)
        })
        .collect();
    let names = |indexes: &mut dyn Iterator<Item = usize>| -> String {
        list(
            &indexes
                .map(|i| described[i].name.clone())
                .collect::<Vec<_>>(),
        )
    };
    let index = match (exact, partial.as_slice()) {
        (Some(i), _) | (None, &[i]) => i,
        (None, []) => {
            return Err(format!(
                "there is no audio output named \"{name}\"; those present: {} (`limber devices` describes them)",
                names(&mut (0..described.len()))
            ));
        }
        (None, many) => {
            return Err(format!(
                "\"{name}\" could be any of these audio outputs: {}; give the whole name",
                names(&mut many.iter().copied())
            ));
        }
    };
    Ok(all
        .into_iter()
        .nth(index)
        .expect("the index is of this list"))
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names
            .iter()
            .map(|n| format!("\"{n}\""))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Opens the device: the audio library prints a dozen lines of its own to stderr when there is
/// none; those are held back, and the one error that matters is returned.
fn open_sink(
    device: Option<&str>,
    errors: &Arc<Mutex<DeviceErrors>>,
    lost: &Arc<AtomicBool>,
) -> Result<rodio::MixerDeviceSink, String> {
    // The device's own complaints while it plays (on some sound servers a stream of transient
    // I/O errors) are counted, not printed as they come: the session reports them once. A device
    // that is gone is noted, to stop playing into it.
    let record = {
        let errors = Arc::clone(errors);
        let lost = Arc::clone(lost);
        move |e: rodio::cpal::Error| {
            if matches!(
                e.kind(),
                rodio::cpal::ErrorKind::DeviceNotAvailable
                    | rodio::cpal::ErrorKind::HostUnavailable
            ) {
                lost.store(true, Ordering::Relaxed);
            }
            let mut errors = errors.lock().unwrap_or_else(|p| p.into_inner());
            errors.count += 1;
            if errors.first.is_none() {
                errors.first = Some(e.to_string());
            }
            let now = std::time::Instant::now();
            let window = match errors.window {
                Some((start, n)) if now - start < std::time::Duration::from_secs(1) => {
                    (start, n + 1)
                }
                _ => (now, 1),
            };
            errors.window = Some(window);
            if window.1 > FLOOD {
                lost.store(true, Ordering::Relaxed);
            }
        }
    };
    let builder = || match device {
        Some(name) => {
            let d = find_device(name)?;
            rodio::DeviceSinkBuilder::from_device(d).map_err(|e| chain(&e))
        }
        None => rodio::DeviceSinkBuilder::from_default_device().map_err(|e| chain(&e)),
    };
    let quiet = gag::Gag::stderr().ok();
    // A short device buffer (about 10 ms) so a chime starts within a few ms of its moment;
    // devices that refuse it get their own default.
    let opened = builder().and_then(|b| {
        b.with_buffer_size(rodio::cpal::BufferSize::Fixed(512))
            .with_error_callback(record.clone())
            .open_sink_or_fallback()
            .or_else(|_| {
                builder().and_then(|b| {
                    b.with_error_callback(record)
                        .open_sink_or_fallback()
                        .map_err(|e| chain(&e))
                })
            })
    });
    drop(quiet);
    let mut sink = opened?;
    sink.log_on_drop(false);
    lost.store(false, Ordering::Relaxed);
    Ok(sink)
}

/// An error with its causes, one after the other.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        text.push_str(&format!(": {inner}"));
        source = inner.source();
    }
    text
}

impl RodioOutput {
    /// Opens the default output, with a keep-alive tone.
    pub fn open() -> Result<RodioOutput, String> {
        RodioOutput::open_with(OutputSettings::default())
    }

    /// Opens the output the settings name.
    pub fn open_with(settings: OutputSettings) -> Result<RodioOutput, String> {
        let errors = Arc::new(Mutex::new(DeviceErrors::default()));
        let lost = Arc::new(AtomicBool::new(false));
        let sink = open_sink(settings.device.as_deref(), &errors, &lost)?;
        let output = RodioOutput {
            settings,
            sink: RefCell::new(Some(sink)),
            players: RefCell::new(Vec::new()),
            keep_alive: RefCell::new(None),
            errors,
            lost,
            retry_at: Cell::new(None),
        };
        output.start_keep_alive();
        Ok(output)
    }

    fn start_keep_alive(&self) {
        if !self.settings.keep_alive {
            return;
        }
        if let Some(sink) = self.sink.borrow().as_ref() {
            let clip = keep_alive_clip();
            let player = rodio::Player::connect_new(sink.mixer());
            if let (Some(channels), Some(rate)) =
                (NonZero::new(clip.channels), NonZero::new(clip.rate))
            {
                player.append(rodio::source::Source::repeat_infinite(
                    rodio::buffer::SamplesBuffer::new(channels, rate, clip.samples.to_vec()),
                ));
            }
            *self.keep_alive.borrow_mut() = Some(player);
        }
    }

    /// The device's name for messages.
    fn name(&self) -> String {
        match &self.settings.device {
            Some(d) => format!("\"{d}\""),
            None => "the default audio output".into(),
        }
    }

    /// Notices a device that went away, and tries again to open one that did, now and then.
    /// Returns whether there is a device to play into.
    fn ready(&self) -> bool {
        let now = std::time::Instant::now();
        if self.lost.swap(false, Ordering::Relaxed) && self.sink.borrow().is_some() {
            self.players.borrow_mut().clear();
            self.keep_alive.borrow_mut().take();
            self.sink.borrow_mut().take();
            self.retry_at.set(Some(now + RETRY));
            crate::log::fault(&format!(
                "{} went away or stopped working; the session keeps its time without sound, and limber tries to reconnect every {} s",
                self.name(),
                RETRY.as_secs()
            ));
            return false;
        }
        if self.sink.borrow().is_some() {
            return true;
        }
        if self.retry_at.get().is_some_and(|t| now < t) {
            return false;
        }
        match open_sink(self.settings.device.as_deref(), &self.errors, &self.lost) {
            Ok(sink) => {
                *self.sink.borrow_mut() = Some(sink);
                self.retry_at.set(None);
                self.start_keep_alive();
                crate::log::fault(&format!("{} is back", self.name()));
                true
            }
            Err(_) => {
                self.retry_at.set(Some(now + RETRY));
                false
            }
        }
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
        if !self.ready() {
            return;
        }
        let sink = self.sink.borrow();
        let Some(sink) = sink.as_ref() else {
            return;
        };
        let player = rodio::Player::connect_new(sink.mixer());
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
        // The keep-alive goes on: a paused session's speaker stays awake for the resume.
        for player in self.players.borrow_mut().drain(..) {
            player.stop();
        }
    }
}

/// An output that plays nothing: a session with captions only.
pub struct Silent;

impl Output for Silent {
    fn play(&self, _: &Clip, _: f32) {}
    fn stop(&self) {}
}

#[cfg(test)]
mod outputs {
    #[test]
    fn only_cards_servers_and_the_default_are_outputs() {
        for name in [
            "default",
            "pulse",
            "pipewire",
            "sysdefault:CARD=Headphones",
            "hw:CARD=vc4hdmi0,DEV=0",
            "plughw:CARD=Device,DEV=0",
            "front:CARD=PCH,DEV=0",
        ] {
            assert!(super::is_output(name), "{name}");
        }
        for name in [
            "null",
            "lavrate",
            "samplerate",
            "speexrate",
            "upmix",
            "vdownmix",
            "speex",
            "oss",
        ] {
            assert!(!super::is_output(name), "{name}");
        }
    }
}
