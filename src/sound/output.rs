//! Where sounds are played: one audio output for the whole session.
//!
//! An [`Output`] places clips at moments of the session's clock, which is the output's own: the
//! real one ([`crate::sound::stream::LiveOutput`]) counts the frames its device has taken, so a sound
//! placed at a moment is heard exactly there however late the player woke up. The player
//! schedules each cue [`Output::lookahead`] ahead of its moment. The recording output is for
//! tests: it plays nothing and remembers what it was asked to play, when, on tokio's clock.

use std::time::Duration;

use crate::sound::clip::Clip;
pub use crate::sound::mixer::Group;
use tokio::time::Instant;

/// Something that can play clips.
pub trait Output {
    /// Plays a clip from the moment `at` of the session's clock (at once if that has passed),
    /// at `volume` (0 to 1), without waiting for it to end; returns when it starts.
    fn play_at(&self, clip: &Clip, volume: f32, group: Group, at: Instant) -> Instant;
    /// Plays a sound now.
    fn play(&self, clip: &Clip, volume: f32) -> Instant {
        self.play_at(clip, volume, Group::Sound, self.now())
    }
    /// Stops what the group is playing or is to play (everything with `None`).
    fn cancel(&self, group: Option<Group>);
    /// Silences everything that is playing or scheduled.
    fn stop(&self) {
        self.cancel(None);
    }
    /// Sets the volume of what the group is playing now.
    fn gain(&self, _group: Group, _volume: f32) {}
    /// The session's clock.
    fn now(&self) -> Instant {
        Instant::now()
    }
    /// How far ahead of its moment a sound is placed, so it is heard exactly then however late
    /// the player wakes.
    fn lookahead(&self) -> Duration {
        Duration::ZERO
    }
    /// How soon from now a sound can be placed at the earliest: what the output is already
    /// making. Sounds asked for "now" (the first words, words made late) are placed this far on.
    fn soonest(&self) -> Duration {
        Duration::ZERO
    }
}

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

/// `ms` of the keep-alive tone: the lead-in before the first cue, for an output without the tone.
pub fn quiet_clip(ms: crate::routine::Ms) -> Clip {
    let rate = 48_000u32;
    let frames = (u64::from(rate) * ms / 1000) as usize;
    let mut mixer = crate::sound::mixer::Mixer::new(rate);
    mixer.apply(crate::sound::mixer::Command::KeepAlive(Some(
        crate::sound::stream::KEEP_ALIVE_LEVEL,
    )));
    let mut samples = vec![0.0; frames];
    mixer.fill(&mut samples, 1);
    Clip {
        samples: samples.into(),
        channels: 1,
        rate,
    }
}

/// How often limber tries to open an output that went away.
pub const RETRY: std::time::Duration = std::time::Duration::from_secs(5);

/// An output device as `limber devices` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// The name to give `--device`: the sound server's ("alsa_output.usb-JBL_Flip_5-00.analog-
    /// stereo"), or ALSA's ("default", "hw:CARD=Headphones,DEV=0") without a server.
    pub name: String,
    /// What the system says it is.
    pub description: String,
    pub default: bool,
}

/// Whether an ALSA device name is a real output: a sound card, a sound server, or the default.
pub fn is_output(name: &str) -> bool {
    matches!(name, "default" | "pulse" | "pipewire" | "jack")
        || name.contains("CARD=")
        || ["sysdefault", "hw:", "plughw:"]
            .iter()
            .any(|p| name.starts_with(p))
}

/// The outputs there are.
pub fn devices() -> Result<Vec<Device>, String> {
    crate::sound::stream::devices()
}

/// Which of `described` is meant by `name`: by its name or description, or else the one whose
/// name or description contains it (ignoring case).
pub fn pick(described: &[Device], name: &str) -> Result<usize, String> {
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
    Ok(index)
}

pub fn list(names: &[String]) -> String {
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

/// An error with its causes, one after the other.
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        text.push_str(&format!(": {inner}"));
        source = inner.source();
    }
    text
}

/// An output that plays nothing: a session with captions only.
pub struct Silent;

impl Output for Silent {
    fn play_at(&self, _: &Clip, _: f32, _: Group, at: Instant) -> Instant {
        at
    }
    fn cancel(&self, _: Option<Group>) {}
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
