//! The player: walks a timeline in real time, speaking, chiming and keeping exact time.
//!
//! Every cue is due at an absolute moment: the session's one monotonic start plus its planned
//! time plus the delay carried so far, so nothing drifts however long the session runs.
//!
//! - A *sequential* cue waits for the speech before it to end (plus the usual gap). When speech
//!   runs longer than planned, the cue starts late and the lateness is carried to every cue after
//!   it: nothing is cut off and nothing overlaps.
//! - A *pinned* cue (a hold's end chime, the countdown, "halfway", breath tones) is due at its
//!   hold's start plus its offset. Its sound plays on time whatever else is happening, so a hold
//!   lasts exactly its seconds; pinned words that would not fit before the next pinned cue are
//!   left out rather than let them push or overlap it.
//!
//! Time is tokio's, so tests run whole sessions on paused time in milliseconds.

use std::time::Duration;

use tokio::sync::watch;
use tokio::time::{Instant, sleep_until};

use crate::audio::Output;
use crate::captions::Captions;
use crate::routine::Ms;
use crate::sounds::SoundSet;
use crate::timeline::{CueKind, Quiet, Timeline, What};
use crate::voice::{Heard, Voices};

/// What the player needs besides the timeline.
pub struct Devices<'a> {
    pub voices: &'a mut Voices,
    pub output: &'a dyn Output,
    pub sounds: &'a SoundSet,
    pub captions: &'a mut dyn Captions,
    /// Volume of chimes and tones, 0 to 1.
    pub sound_volume: f32,
    /// Quiet after speech before the next cue.
    pub gap: Ms,
}

/// What happened to one cue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Played {
    pub index: usize,
    /// When the plan had it, and when it started, in ms from the session's start.
    pub planned: Ms,
    pub at: Ms,
    /// Left out because it would have overlapped what was still playing.
    pub skipped: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub played: Vec<Played>,
    /// Every cue was reached; false when the session was stopped.
    pub finished: bool,
    pub elapsed: Ms,
}

impl Report {
    /// The steps that were done: those the session went past (the next step began, or the
    /// session finished), not merely started.
    pub fn steps_done(&self, timeline: &Timeline) -> usize {
        let reached = self.played.len();
        timeline
            .steps
            .iter()
            .filter(|span| {
                let after = timeline
                    .cues
                    .iter()
                    .position(|c| c.step.is_none_or(|n| n > span.step) && c.at >= span.end);
                match after {
                    Some(next) => next < reached,
                    None => self.finished,
                }
            })
            .count()
    }
}

/// How late past its known end speech may be heard to end and still count as on time.
const ON_TIME: Duration = Duration::from_millis(30);

/// The session was stopped from outside.
struct Stopped;

struct Speaking {
    heard: Heard,
    started: Instant,
    deadline: Instant,
    estimate: Ms,
}

struct Player<'a, 'd> {
    dev: &'a mut Devices<'d>,
    start: Instant,
    /// How late the session runs against the plan, from speech that ran long.
    delay: Duration,
    /// Nothing sequential starts before this: the end of the last speech plus the gap.
    free: Instant,
    speaking: Option<Speaking>,
    /// Actual speech length over the estimate, smoothed: how this voice compares to the plan.
    ratio: f64,
    /// The end of the hold under way, for the countdown line.
    hold_until: Option<Instant>,
}

fn ms(d: Duration) -> Ms {
    d.as_millis() as Ms
}

/// Plays a timeline until it ends or `stop` turns true.
pub async fn play(
    timeline: &Timeline,
    dev: &mut Devices<'_>,
    stop: &mut watch::Receiver<bool>,
) -> Report {
    let start = Instant::now();
    let mut player = Player {
        dev,
        start,
        delay: Duration::ZERO,
        free: start,
        speaking: None,
        ratio: 1.0,
        hold_until: None,
    };
    let texts: Vec<String> = timeline
        .cues
        .iter()
        .filter_map(|c| match &c.what {
            What::Text(t) => Some(t.clone()),
            _ => None,
        })
        .collect();
    player.dev.voices.prepare(texts);
    let mut played = Vec::new();
    let mut finished = true;
    for index in 0..timeline.cues.len() {
        match player.cue(timeline, index, stop).await {
            Ok(p) => played.push(p),
            Err(Stopped) => {
                finished = false;
                break;
            }
        }
    }
    // The last words and the closing chime are heard out before the output is let go.
    let end = start + Duration::from_millis(timeline.total) + player.delay;
    if finished
        && (player.wait(None, stop).await.is_err() || player.wait(Some(end), stop).await.is_err())
    {
        finished = false;
    }
    if !finished {
        player.dev.voices.stop();
        player.dev.output.stop();
    }
    Report {
        played,
        finished,
        elapsed: ms(start.elapsed()),
    }
}

impl Player<'_, '_> {
    fn elapsed(&self) -> Ms {
        ms(self.start.elapsed())
    }

    async fn cue(
        &mut self,
        timeline: &Timeline,
        index: usize,
        stop: &mut watch::Receiver<bool>,
    ) -> Result<Played, Stopped> {
        let cue = &timeline.cues[index];
        let due = self.start + Duration::from_millis(cue.at) + self.delay;
        let mut played = Played {
            index,
            planned: cue.at,
            at: 0,
            skipped: false,
        };

        if cue.kind == CueKind::Silence {
            // A silence is a mark on the way, not a sound: it waits for its moment, but not for
            // words that are still being said.
            self.wait(Some(due), stop).await?;
            if cue.what == What::Quiet(Quiet::Hold) {
                self.hold_until = Some(due + Duration::from_millis(cue.duration));
            }
            self.dev.captions.cue(cue, self.elapsed());
            played.at = cue.at + ms(self.delay);
            return Ok(played);
        }

        // The moment this cue was due to start: what its sound's length is counted from.
        let mut moment = due;
        if cue.pinned {
            if cue.kind == CueKind::Speech {
                self.wait(Some(due), stop).await?;
                let now = Instant::now();
                let predicted = Duration::from_millis((cue.duration as f64 * self.ratio) as u64);
                let next_pinned = timeline.cues[index + 1..]
                    .iter()
                    .find(|c| c.kind != CueKind::Silence)
                    .filter(|c| c.pinned)
                    .map(|c| self.start + Duration::from_millis(c.at) + self.delay);
                let late = now > due + Duration::from_millis(250);
                let crowded = next_pinned.is_some_and(|next| now + predicted > next);
                // Words not made yet would start late: on a hold's clock, late is wrong.
                let unready = match (&cue.what, self.dev.voices.current()) {
                    (What::Text(text), Some(voice)) => !voice.ready(text),
                    _ => false,
                };
                if self.speaking.is_some() || late || crowded || unready {
                    played.skipped = true;
                    played.at = ms(now - self.start);
                    return Ok(played);
                }
            } else {
                self.wait(Some(due), stop).await?;
            }
        } else {
            self.wait(None, stop).await?;
            let target = due.max(self.free);
            self.wait(Some(target), stop).await?;
            // Only the lateness that speech caused is carried forward. A timer that wakes a
            // millisecond late must not add up over a session's hundreds of cues.
            self.delay += target.saturating_duration_since(due);
            moment = target;
        }

        played.at = self.elapsed();
        self.dev.captions.cue(cue, played.at);
        match &cue.what {
            What::Text(text) => self.speak(text, cue.duration, moment, stop),
            What::Sound(sound) => {
                self.dev
                    .output
                    .play(self.dev.sounds.clip(*sound), self.dev.sound_volume);
            }
            What::Quiet(_) => {}
        }
        if cue.kind != CueKind::Silence && self.hold_until.is_some_and(|h| Instant::now() >= h) {
            self.hold_until = None;
        }
        Ok(played)
    }

    /// Starts speaking with the first engine that will; with none left, the caption is enough.
    fn speak(&mut self, text: &str, estimate: Ms, moment: Instant, stop: &watch::Receiver<bool>) {
        loop {
            let Some(voice) = self.dev.voices.current() else {
                self.free = Instant::now();
                return;
            };
            match voice.say(text) {
                Ok(heard) => {
                    let now = Instant::now();
                    // A generous deadline: a slow voice is fine, a hung one is not.
                    let patience = voice.patience().as_millis() as Ms;
                    let allowance = Duration::from_millis((estimate * 3).max(estimate + patience));
                    self.speaking = Some(Speaking {
                        heard,
                        started: moment.min(now),
                        deadline: now + allowance,
                        estimate,
                    });
                    return;
                }
                Err(_) if *stop.borrow() => return,
                Err(why) => {
                    let notice = self.dev.voices.fail(&why);
                    self.dev.captions.notice(&notice);
                }
            }
        }
    }

    /// Waits until `until`, or, with `None`, until the current speech has been heard; meanwhile
    /// it notices speech ending or hanging, keeps the countdown line, and listens for `stop`.
    async fn wait(
        &mut self,
        until: Option<Instant>,
        stop: &mut watch::Receiver<bool>,
    ) -> Result<(), Stopped> {
        loop {
            if *stop.borrow() {
                return Err(Stopped);
            }
            let now = Instant::now();
            match until {
                Some(t) if now >= t => return Ok(()),
                None if self.speaking.is_none() => return Ok(()),
                _ => {}
            }
            let far = now + Duration::from_secs(3600);
            let mut wake = until.unwrap_or(far);
            if let Some(s) = &self.speaking {
                wake = wake.min(s.deadline);
            }
            let tick = self
                .hold_until
                .filter(|h| *h > now && self.dev.captions.wants_countdown())
                .map(|h| {
                    let left = h - now;
                    // The next moment the whole seconds left change.
                    let frac = Duration::from_nanos((left.as_nanos() % 1_000_000_000) as u64);
                    now + if frac.is_zero() {
                        Duration::from_secs(1)
                    } else {
                        frac
                    }
                });
            if let Some(t) = tick {
                wake = wake.min(t);
            }
            let mut speaking = self.speaking.take();
            let heard = async {
                match speaking.as_mut() {
                    Some(s) => Some((&mut s.heard).await),
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                biased;
                // A stop channel whose sender is gone can never say stop: ignore it.
                Ok(()) = stop.changed() => {
                    self.speaking = speaking;
                    return Err(Stopped);
                }
                result = heard => {
                    let s = speaking.take().expect("only a voice that speaks is heard");
                    let now = Instant::now();
                    if let Some(Err(why)) = result {
                        let notice = self.dev.voices.fail(&why);
                        self.dev.captions.notice(&notice);
                    }
                    let actual = (now - s.started).as_millis() as f64;
                    if s.estimate > 0 {
                        self.ratio = (0.7 * self.ratio + 0.3 * actual / s.estimate as f64).clamp(0.5, 3.0);
                    }
                    // Words that end on time, within a timer's wake-up of their known length, end
                    // when they were known to: a millisecond late per line would add up over a
                    // session's hundreds of lines.
                    let known = s.started + Duration::from_millis(s.estimate);
                    let ended = if now <= known + ON_TIME { now.min(known) } else { now };
                    self.free = ended + Duration::from_millis(self.dev.gap);
                }
                _ = sleep_until(wake) => {
                    self.speaking = speaking;
                    let now = Instant::now();
                    if let Some(s) = &self.speaking && now >= s.deadline {
                        let waited = (s.deadline - s.started).as_secs();
                        self.speaking = None;
                        let notice = self.dev.voices.fail(&format!("it did not finish speaking within {waited} s"));
                        self.dev.captions.notice(&notice);
                        self.free = now;
                    }
                    if let Some(h) = self.hold_until {
                        if h > now {
                            let left = (h - now).as_millis().div_ceil(1000) as u64;
                            self.dev.captions.remaining(left);
                        } else {
                            self.hold_until = None;
                        }
                    }
                }
            }
        }
    }
}
