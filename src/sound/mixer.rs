//! The one mixer: every sound of a session placed at a frame on the output's own sample counter.
//!
//! A [`Mixer`] holds a schedule of clips (speech, chimes, breath tones, ticks), each due at a frame
//! position, and makes the output block by block as interleaved `f32` frames. The renderer drives
//! it straight into a file; the live output drives it from the audio device's callback, and the
//! player reaches it through a [`Schedule`], which sends commands over a bounded lock-free channel.
//!
//! The callback side never allocates, never locks and never frees memory: the voices live in a
//! vector whose capacity is set once, the channel's slots are allocated up front (the standard
//! library's bounded channel only takes a lock to wake a blocked sender, and senders here never
//! block), and every clip handed over is also kept by the [`Schedule`] until the mixer is done
//! with it, so the last reference to a clip is always dropped outside the callback.
//!
//! The frame counter is the session's clock: the mixer publishes how many frames it has made, and
//! a clip due at frame `f` starts exactly there however late the player woke up, as long as it
//! was scheduled before the mixer got to `f` (the player schedules a look-ahead ahead). A clip
//! that arrives late starts at once, whole: the first syllable is never lost.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};

/// What a clip is heard as: speech and sounds have their own volume and can be stopped apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Voice,
    Sound,
}

/// Mono samples, at the rate a [`Command::Play`] gives with them.
pub type Samples = Arc<[f32]>;

/// A change to the schedule.
#[derive(Debug, Clone)]
pub enum Command {
    /// Plays `samples`, made at `rate` samples a second, from frame `at` (or at once, if that
    /// has passed). A clip at another rate than the mixer's is converted as it is played.
    Play {
        at: u64,
        samples: Samples,
        rate: u32,
        gain: f32,
        group: Group,
    },
    /// Stops every clip of the group (all with `None`), with a short fade so nothing clicks.
    Cancel(Option<Group>),
    /// Sets the gain of what the group is playing now.
    Gain(Group, f32),
    /// The keep-alive tone on (with its level) or off.
    KeepAlive(Option<f32>),
}

/// At most this many clips sound at once; a session has two or three.
pub const VOICES: usize = 32;

/// How long a cancelled clip takes to fade out: short enough to be heard as stopping at once.
const FADE_MS: u64 = 5;

/// The keep-alive tone's pitch: far below speech, inaudible at its level on any speaker.
pub const KEEP_ALIVE_HZ: u64 = 40;

#[derive(Debug)]
struct Voice {
    at: u64,
    samples: Samples,
    /// The clip's own rate.
    rate: u32,
    /// How many of the mixer's frames the clip lasts: [`frames_at`].
    frames: u64,
    gain: f32,
    group: Group,
    /// Frames of fade left after a cancel, from `fade_from`.
    fading: Option<(u64, u64)>,
}

/// The mixer itself: owned by whoever makes the frames (the renderer, the device's callback).
pub struct Mixer {
    rate: u32,
    position: u64,
    voices: Vec<Voice>,
    keep_alive: Option<f32>,
    /// The keep-alive tone at full scale, a whole number of its cycles, made once.
    tone: Vec<f32>,
    commands: Option<Receiver<Command>>,
    clock: Arc<AtomicU64>,
    /// Clips the schedule could not take (all voices busy), for the report.
    dropped: Arc<AtomicU64>,
    /// Frames behind the position the mixer can go back to and make again ([`Mixer::rewind`]):
    /// clips that ended less than this long ago are kept.
    keep: u64,
}

impl Mixer {
    /// A mixer at `rate` frames a second, for one caller to feed directly (a rendering).
    pub fn new(rate: u32) -> Mixer {
        // The fewest frames that hold a whole number of the tone's cycles: it loops seamlessly.
        let gcd = |mut a: u64, mut b: u64| {
            while b != 0 {
                (a, b) = (b, a % b);
            }
            a
        };
        let rate64 = u64::from(rate.max(1));
        let len = rate64 / gcd(rate64, KEEP_ALIVE_HZ);
        let tone = (0..len)
            .map(|k| {
                (std::f64::consts::TAU * KEEP_ALIVE_HZ as f64 * k as f64 / rate64 as f64).sin()
                    as f32
            })
            .collect();
        Mixer {
            tone,
            rate,
            position: 0,
            voices: Vec::with_capacity(VOICES),
            keep_alive: None,
            commands: None,
            clock: Arc::new(AtomicU64::new(0)),
            dropped: Arc::new(AtomicU64::new(0)),
            keep: 0,
        }
    }

    /// Lets the mixer go back up to `frames` and make that stretch again: an output that
    /// buffers ahead rewrites what it buffered when the schedule changes (a control, a clip
    /// placed inside the buffer).
    pub fn keep(&mut self, frames: u64) {
        self.keep = frames;
    }

    /// Goes back to frame `to` (no further than [`Mixer::keep`] allows), so the next frames made
    /// start there with the schedule as it is now.
    pub fn rewind(&mut self, to: u64) {
        self.position = to.clamp(self.position.saturating_sub(self.keep), self.position);
        self.clock.store(self.position, Ordering::Release);
    }

    /// Takes the commands the [`Schedule`] sent, for an owner that applies them itself (after
    /// deciding where to rewind to); [`Mixer::fill`] no longer applies them then.
    pub fn take_commands(&mut self) -> Option<Receiver<Command>> {
        self.commands.take()
    }

    /// A mixer fed from another thread through the returned [`Schedule`] (a live output).
    pub fn scheduled(rate: u32) -> (Mixer, Schedule) {
        // Far more than a session ever has in flight between two device periods.
        let (tx, rx) = sync_channel(256);
        let mut mixer = Mixer::new(rate);
        mixer.commands = Some(rx);
        let schedule = Schedule {
            tx,
            clock: Arc::clone(&mixer.clock),
            dropped: Arc::clone(&mixer.dropped),
            rate,
            held: Vec::new(),
        };
        (mixer, schedule)
    }

    pub fn rate(&self) -> u32 {
        self.rate
    }

    /// Frames made so far.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// Applies one change to the schedule.
    pub fn apply(&mut self, command: Command) {
        match command {
            Command::Play {
                at,
                samples,
                rate,
                gain,
                group,
            } => {
                if samples.is_empty() || rate == 0 {
                    return;
                }
                if self.voices.len() == self.voices.capacity() {
                    self.dropped.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                self.voices.push(Voice {
                    at: at.max(self.position),
                    frames: frames_at(samples.len(), rate, self.rate),
                    samples,
                    rate,
                    gain,
                    group,
                    fading: None,
                });
            }
            Command::Cancel(which) => {
                let fade = (u64::from(self.rate) * FADE_MS / 1000).max(1);
                let now = self.position;
                self.voices.retain_mut(|v| {
                    if which.is_some_and(|g| g != v.group) {
                        return true;
                    }
                    // Not started yet: gone. Sounding: fades out from here.
                    if v.at >= now {
                        return false;
                    }
                    if v.fading.is_none() {
                        v.fading = Some((now, fade));
                    }
                    true
                });
            }
            Command::Gain(group, gain) => {
                for v in self.voices.iter_mut().filter(|v| v.group == group) {
                    v.gain = gain;
                }
            }
            Command::KeepAlive(level) => self.keep_alive = level,
        }
    }

    /// Makes the next `out.len() / channels` frames, interleaved, every channel the same.
    pub fn fill(&mut self, out: &mut [f32], channels: usize) {
        if let Some(rx) = self.commands.take() {
            while let Ok(c) = rx.try_recv() {
                self.apply(c);
            }
            self.commands = Some(rx);
        }
        let channels = channels.max(1);
        let frames = out.len() / channels;
        let start = self.position;
        let end = start + frames as u64;
        // Mixed in mono into the first `frames` samples, voice by voice over the stretch each
        // covers (a tight loop the compiler vectorises: the callback runs every period, and most
        // periods hold only the keep-alive tone), then spread to every channel. A frame's sum is
        // made in the same order as one frame at a time would: the voices in turn, then the tone.
        let mono = &mut out[..frames];
        mono.fill(0.0);
        for v in &self.voices {
            let from = v.at.max(start);
            let to = (v.at + v.frames).min(end);
            if from >= to {
                continue;
            }
            let dst = &mut mono[(from - start) as usize..(to - start) as usize];
            match v.fading {
                None => v.add(dst, from - v.at, self.rate, |_| v.gain),
                Some((faded_from, len)) => v.add(dst, from - v.at, self.rate, |k| {
                    let gone = (v.at + k).saturating_sub(faded_from);
                    v.gain * (len.saturating_sub(gone)) as f32 / len as f32
                }),
            }
        }
        if let Some(level) = self.keep_alive
            && !self.tone.is_empty()
        {
            let cycle = self.tone.len();
            let mut phase = (start % cycle as u64) as usize;
            let mut rest = &mut mono[..];
            while !rest.is_empty() {
                let n = rest.len().min(cycle - phase);
                let (now, later) = rest.split_at_mut(n);
                for (d, t) in now.iter_mut().zip(&self.tone[phase..phase + n]) {
                    *d += level * t;
                }
                rest = later;
                phase = 0;
            }
        }
        if channels > 1 {
            // Back to front, so no frame is overwritten before it is spread.
            for k in (0..frames).rev() {
                let s = out[k];
                out[k * channels..(k + 1) * channels].fill(s);
            }
        }
        self.position = start + frames as u64;
        // What ended within the stretch a rewind may go back over is kept.
        let end = self.position.saturating_sub(self.keep);
        self.voices.retain(|v| {
            let over = v.at + v.frames <= end;
            let faded = v.fading.is_some_and(|(from, len)| from + len <= end);
            !(over || faded)
        });
        self.clock.store(self.position, Ordering::Release);
    }

    /// Whether anything is still to be heard (the keep-alive tone aside).
    pub fn busy(&self) -> bool {
        let now = self.position;
        self.voices
            .iter()
            .any(|v| v.at + v.frames > now && v.fading.is_none_or(|(from, len)| from + len > now))
    }
}

/// How many frames at `to` a clip of `len` samples at `from` lasts: every frame whose moment falls
/// before the clip's end.
pub fn frames_at(len: usize, from: u32, to: u32) -> u64 {
    if from == to {
        return len as u64;
    }
    (len as u64 * u64::from(to)).div_ceil(u64::from(from.max(1)))
}

impl Voice {
    /// Adds the clip's frames from its own frame `k` on into `dst`, each times `gain(k)`.
    ///
    /// At another rate than the mixer's, frame `k` is read at the clip's moment `k * rate / to`,
    /// between its two nearest samples (linear interpolation, as rodio converts; the sample after
    /// the last is silence). That depends on `k` alone, not on what was made before, so a
    /// rendering and a live output make the same samples however their blocks fall, and a
    /// rewound stretch is made again exactly. A clip is kept at its own rate rather than
    /// converted once: a line at 22 050 Hz takes less than half the memory it would at 48 kHz.
    fn add(&self, dst: &mut [f32], k: u64, to: u32, gain: impl Fn(u64) -> f32) {
        if self.rate == to {
            let src = &self.samples[k as usize..k as usize + dst.len()];
            for (n, (d, s)) in dst.iter_mut().zip(src).enumerate() {
                *d += s * gain(k + n as u64);
            }
            return;
        }
        let (from, to) = (u64::from(self.rate), u64::from(to));
        let step = 1.0 / to as f32;
        let moment = k * from;
        let mut i = (moment / to) as usize;
        let mut part = moment % to;
        for (n, d) in dst.iter_mut().enumerate() {
            *d += interpolate(&self.samples, i, part as f32 * step) * gain(k + n as u64);
            part += from;
            while part >= to {
                part -= to;
                i += 1;
            }
        }
    }
}

/// The clip's value `fraction` of the way from its sample `i` to the next.
#[inline]
fn interpolate(samples: &[f32], i: usize, fraction: f32) -> f32 {
    let a = samples[i];
    let b = samples.get(i + 1).copied().unwrap_or(0.0);
    a + (b - a) * fraction
}

/// The player's side of a live mixer: schedules clips at frames and reads the frame counter.
pub struct Schedule {
    tx: SyncSender<Command>,
    clock: Arc<AtomicU64>,
    dropped: Arc<AtomicU64>,
    rate: u32,
    /// Every clip sent, until the mixer has let go of it.
    held: Vec<Samples>,
}

impl Schedule {
    pub fn rate(&self) -> u32 {
        self.rate
    }

    /// Frames the mixer has made so far: the output's sample counter.
    pub fn position(&self) -> u64 {
        self.clock.load(Ordering::Acquire)
    }

    /// Clips that could not be played because too many were sounding.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Sends a change; false when the mixer is gone (the device with it) or has not kept up.
    pub fn send(&mut self, command: Command) -> bool {
        self.held.retain(|s| Arc::strong_count(s) > 1);
        if let Command::Play { samples, .. } = &command
            && !self.held.iter().any(|h| Arc::ptr_eq(h, samples))
        {
            self.held.push(Arc::clone(samples));
        }
        match self.tx.try_send(command) {
            Ok(()) => true,
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clip(n: usize, value: f32) -> Samples {
        vec![value; n].into()
    }

    fn play(m: &mut Mixer, at: u64, samples: &Samples, gain: f32, group: Group) {
        let rate = m.rate();
        play_at_rate(m, at, samples, rate, gain, group);
    }

    fn play_at_rate(m: &mut Mixer, at: u64, samples: &Samples, rate: u32, gain: f32, group: Group) {
        m.apply(Command::Play {
            at,
            samples: Arc::clone(samples),
            rate,
            gain,
            group,
        });
    }

    /// Runs the mixer for `frames` in periods of `period`, mono.
    fn run(m: &mut Mixer, frames: usize, period: usize) -> Vec<f32> {
        let mut out = vec![0.0; frames];
        for block in out.chunks_mut(period) {
            m.fill(block, 1);
        }
        out
    }

    #[test]
    fn a_clip_starts_at_its_exact_frame_and_crosses_periods_whole() {
        let mut m = Mixer::new(1000);
        let ramp: Samples = (1..=300).map(|i| i as f32 / 1000.0).collect();
        play(&mut m, 250, &ramp, 1.0, Group::Sound);
        // Periods of 128 frames: the clip starts inside the second and spans three boundaries.
        let out = run(&mut m, 1024, 128);
        assert!(out[..250].iter().all(|s| *s == 0.0));
        assert_eq!(&out[250..550], &ramp[..]);
        assert!(out[550..].iter().all(|s| *s == 0.0));
        assert!(!m.busy(), "a clip heard to its end is let go");
    }

    #[test]
    fn a_clip_at_another_rate_is_stretched_to_the_mixer_s_and_read_between_its_samples() {
        let mut m = Mixer::new(1000);
        let steps: Samples = vec![0.0, 1.0, 2.0, 3.0].into();
        // At half the mixer's rate: eight frames, from frame 3, halfway values between.
        play_at_rate(&mut m, 3, &steps, 500, 1.0, Group::Voice);
        let out = run(&mut m, 16, 5);
        assert_eq!(out[..3], [0.0; 3]);
        assert_eq!(out[3..11], [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 1.5]);
        assert_eq!(out[11..], [0.0; 5]);
        assert!(!m.busy());
        // Speech at 22 050 Hz into 48 kHz: the length is every frame before the clip's end, and
        // a steady level stays that level.
        assert_eq!(frames_at(22_050, 22_050, 48_000), 48_000);
        assert_eq!(frames_at(100, 22_050, 48_000), 218);
        let mut m = Mixer::new(48_000);
        let level: Samples = vec![0.25; 22_050].into();
        play_at_rate(&mut m, 0, &level, 22_050, 1.0, Group::Voice);
        let out = run(&mut m, 48_100, 4096);
        assert!(out[..47_998].iter().all(|&s| s == 0.25));
        assert!(out[47_998..48_000].iter().all(|&s| s > 0.0 && s < 0.25));
        assert!(out[48_000..].iter().all(|&s| s == 0.0));
    }

    #[test]
    fn a_clip_at_another_rate_is_made_the_same_in_any_blocks_and_again_after_a_rewind() {
        let line: Samples = (0..5000).map(|i| (i as f32 * 0.05).sin()).collect();
        let mut whole = Mixer::new(48_000);
        play_at_rate(&mut whole, 100, &line, 22_050, 0.5, Group::Voice);
        let one = run(&mut whole, 12_000, 12_000);
        let mut parts = Mixer::new(48_000);
        parts.keep(4000);
        play_at_rate(&mut parts, 100, &line, 22_050, 0.5, Group::Voice);
        let mut split = run(&mut parts, 7000, 333);
        assert_eq!(split, one[..7000]);
        parts.rewind(3500);
        split.truncate(3500);
        split.extend(run(&mut parts, 8500, 1001));
        assert_eq!(split, one);
    }

    #[test]
    fn clips_add_up_with_their_gains_on_every_channel() {
        let mut m = Mixer::new(1000);
        play(&mut m, 0, &clip(10, 0.5), 0.5, Group::Voice);
        play(&mut m, 5, &clip(10, 0.25), 2.0, Group::Sound);
        let mut out = vec![0.0; 40];
        m.fill(&mut out, 2);
        let left: Vec<f32> = out.iter().step_by(2).copied().collect();
        let right: Vec<f32> = out.iter().skip(1).step_by(2).copied().collect();
        assert_eq!(left, right);
        assert_eq!(left[..5], [0.25; 5]);
        assert_eq!(left[5..10], [0.75; 5]);
        assert_eq!(left[10..15], [0.5; 5]);
        assert_eq!(left[15..], [0.0; 5]);
    }

    #[test]
    fn a_late_clip_starts_at_once_and_whole() {
        let mut m = Mixer::new(1000);
        run(&mut m, 100, 100);
        let ramp: Samples = (1..=20).map(|i| i as f32).collect();
        play(&mut m, 40, &ramp, 1.0, Group::Voice);
        let out = run(&mut m, 50, 50);
        assert_eq!(&out[..20], &ramp[..]);
    }

    #[test]
    fn cancel_stops_a_group_with_a_short_fade_and_drops_what_has_not_started() {
        let mut m = Mixer::new(1000);
        let voice = clip(1000, 1.0);
        let chime = clip(1000, 0.5);
        play(&mut m, 0, &voice, 1.0, Group::Voice);
        play(&mut m, 0, &chime, 1.0, Group::Sound);
        play(&mut m, 500, &voice, 1.0, Group::Voice);
        run(&mut m, 100, 100);
        m.apply(Command::Cancel(Some(Group::Voice)));
        let out = run(&mut m, 700, 100);
        // The voice fades over 5 frames (5 ms at this rate); the chime goes on.
        assert_eq!(out[0], 1.5);
        assert!(out[1] < 1.5 && out[1] > 0.5);
        assert!(out[5..].iter().all(|s| *s == 0.5), "{:?}", &out[..10]);
        // The line due at frame 500 was taken off the schedule.
        m.apply(Command::Cancel(None));
        let out = run(&mut m, 300, 100);
        assert!(out[5..].iter().all(|s| *s == 0.0));
        assert!(!m.busy());
    }

    #[test]
    fn gain_changes_what_is_sounding() {
        let mut m = Mixer::new(1000);
        play(&mut m, 0, &clip(100, 1.0), 1.0, Group::Voice);
        play(&mut m, 0, &clip(100, 1.0), 1.0, Group::Sound);
        run(&mut m, 10, 10);
        m.apply(Command::Gain(Group::Voice, 0.25));
        let out = run(&mut m, 10, 10);
        assert_eq!(out, vec![1.25; 10]);
    }

    #[test]
    fn the_keep_alive_tone_is_continuous_across_periods() {
        let rate = 48_000;
        let mut whole = Mixer::new(rate);
        whole.apply(Command::KeepAlive(Some(0.0003)));
        let one = run(&mut whole, 12_000, 12_000);
        let mut parts = Mixer::new(rate);
        parts.apply(Command::KeepAlive(Some(0.0003)));
        // Odd period sizes, as a device may ask for.
        let mut split = Vec::new();
        for n in [1, 511, 2048, 4096, 5344] {
            split.extend(run(&mut parts, n, n));
        }
        assert_eq!(one, split);
        // 40 Hz: a cycle every 1200 frames, at its level.
        let peak = one.iter().copied().fold(0.0f32, f32::max);
        assert!((peak - 0.0003).abs() < 1e-6, "{peak}");
        for k in 0..10 {
            assert!((one[k * 1200 + 300] - 0.0003).abs() < 1e-7);
        }
        // The step between two frames is never more than the tone's own slope.
        let slope = one
            .windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0, f32::max);
        assert!(slope < 0.0003 * std::f32::consts::TAU * 40.0 / 48_000.0 * 1.01);
    }

    #[test]
    fn a_schedule_reaches_the_mixer_from_another_thread_and_reads_its_clock() {
        let (mut m, mut s) = Mixer::scheduled(1000);
        let c = clip(10, 1.0);
        assert!(s.send(Command::Play {
            at: 5,
            samples: Arc::clone(&c),
            rate: 1000,
            gain: 1.0,
            group: Group::Sound
        }));
        let out = std::thread::spawn(move || {
            let out = run(&mut m, 30, 10);
            (out, m)
        })
        .join()
        .unwrap();
        assert_eq!(s.position(), 30);
        assert_eq!(out.0[5..15], [1.0; 10]);
        // The mixer let go of the clip; the schedule keeps one copy, however often it is sent,
        // and lets go of it on its own side once nobody else has it.
        assert_eq!(Arc::strong_count(&c), 2);
        for _ in 0..3 {
            s.send(Command::Play {
                at: 0,
                samples: Arc::clone(&c),
                rate: 1000,
                gain: 1.0,
                group: Group::Sound,
            });
        }
        assert_eq!(s.held.len(), 1);
        drop(out);
        let weak = Arc::downgrade(&c);
        drop(c);
        s.send(Command::Cancel(None));
        assert!(weak.upgrade().is_none());
    }

    /// One frame at a time, as the mixer once made them: what the block-wise mixing must equal.
    /// A clip at another rate is read at its moment `k * rate / to`, computed afresh.
    fn reference(m: &Mixer, at: u64) -> f32 {
        let (voices, tone, keep_alive) = (&m.voices, &m.tone, m.keep_alive);
        let mut acc = 0.0f32;
        for v in voices {
            if at < v.at || at - v.at >= v.frames {
                continue;
            }
            let k = at - v.at;
            let s = if v.rate == m.rate {
                v.samples[k as usize]
            } else {
                let moment = k * u64::from(v.rate);
                let to = u64::from(m.rate);
                let i = (moment / to) as usize;
                interpolate(&v.samples, i, (moment % to) as f32 * (1.0 / to as f32))
            };
            let gain = match v.fading {
                Some((from, len)) => {
                    let gone = at.saturating_sub(from);
                    v.gain * (len.saturating_sub(gone)) as f32 / len as f32
                }
                None => v.gain,
            };
            acc += s * gain;
        }
        if let Some(level) = keep_alive {
            acc += level * tone[(at % tone.len() as u64) as usize];
        }
        acc
    }

    #[test]
    fn mixing_block_by_block_gives_the_same_samples_as_frame_by_frame() {
        // A small deterministic generator: schedules with overlaps, fades, gains, late clips.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for round in 0..200 {
            let channels = 1 + (round % 3);
            let mut m = Mixer::new(8000);
            if round % 2 == 0 {
                m.apply(Command::KeepAlive(Some(0.001)));
            }
            let mut out = Vec::new();
            let mut expected = Vec::new();
            for _ in 0..20 {
                for _ in 0..next(3) {
                    let len = 1 + next(700) as usize;
                    let samples: Samples = (0..len).map(|i| (i as f32 * 0.37).sin()).collect();
                    let at = m.position() + next(900);
                    let group = if next(2) == 0 {
                        Group::Voice
                    } else {
                        Group::Sound
                    };
                    // Some at the mixer's rate, some slower (speech), some faster.
                    let rate = [8000, 8000, 3000, 22_050, 11_025][next(5) as usize];
                    play_at_rate(&mut m, at.saturating_sub(100), &samples, rate, 0.5, group);
                }
                match next(8) {
                    0 => m.apply(Command::Cancel(Some(Group::Voice))),
                    1 => m.apply(Command::Gain(Group::Sound, 0.25)),
                    _ => {}
                }
                let frames = 1 + next(600) as usize;
                let start = m.position();
                let want: Vec<f32> = (0..frames as u64)
                    .map(|k| reference(&m, start + k))
                    .collect();
                let mut block = vec![9.0; frames * channels as usize];
                m.fill(&mut block, channels as usize);
                for frame in block.chunks(channels as usize) {
                    assert!(
                        frame.iter().all(|s| *s == frame[0]),
                        "every channel the same"
                    );
                    out.push(frame[0]);
                }
                expected.extend(want);
            }
            assert_eq!(out, expected, "round {round}");
        }
    }

    #[test]
    fn a_full_mixer_drops_a_clip_and_counts_it() {
        let (mut m, s) = Mixer::scheduled(1000);
        for _ in 0..VOICES + 1 {
            play(&mut m, 0, &clip(10, 0.0), 1.0, Group::Sound);
        }
        assert_eq!(s.dropped(), 1);
        assert_eq!(m.voices.capacity(), VOICES);
    }

    #[test]
    fn a_rewound_stretch_is_made_again_with_the_change_and_nothing_else() {
        let clip_a = clip(1000, 0.5);
        let mut m = Mixer::new(1000);
        m.keep(600);
        play(&mut m, 100, &clip_a, 1.0, Group::Voice);
        let first = run(&mut m, 800, 256);
        // Back to frame 400, where a chime is placed and the voice is stopped.
        m.rewind(400);
        assert_eq!(m.position(), 400);
        let chime = clip(50, 0.25);
        play(&mut m, 450, &chime, 1.0, Group::Sound);
        m.apply(Command::Cancel(Some(Group::Voice)));
        let again = run(&mut m, 400, 128);
        // Before the change, the same frames as first made; the voice fades from 400 (5 frames at
        // this rate); the chime sounds exactly at 450.
        assert_eq!(again[0], first[400]);
        assert!(again[5..50].iter().all(|&s| s == 0.0), "{:?}", &again[..60]);
        assert!(again[50..100].iter().all(|&s| s == 0.25));
        assert!(again[100..].iter().all(|&s| s == 0.0));
    }

    #[test]
    fn a_rewind_goes_back_no_further_than_kept_and_keeps_what_ended_meanwhile() {
        let short = clip(100, 0.5);
        let mut m = Mixer::new(1000);
        m.keep(300);
        play(&mut m, 0, &short, 1.0, Group::Sound);
        run(&mut m, 1000, 100);
        m.rewind(0);
        assert_eq!(m.position(), 700, "no further back than kept");
        // A clip that ended inside the kept stretch is made again there.
        let mut m = Mixer::new(1000);
        m.keep(300);
        play(&mut m, 750, &short, 1.0, Group::Sound);
        let first = run(&mut m, 1000, 100);
        assert!(!m.busy(), "kept is not still playing");
        m.rewind(700);
        let again = run(&mut m, 300, 100);
        assert_eq!(&again[..], &first[700..]);
    }
}
