//! The player: walks a timeline in real time, speaking, chiming and keeping exact time.
//!
//! Every cue is due at an absolute moment: the session's one monotonic clock plus its planned
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
//! The person controls the session while it plays ([`Control`]):
//!
//! - *Pause* silences speech and sounds at once and holds the clock. *Resume* says where the
//!   session was ("Resuming: Bridge, rep 3 of 5."), and then, by [`OnResume`], either the
//!   interrupted wait (a hold, a rest) continues with exactly the time it had left, or the rep
//!   starts again from its first cue. The time paused, announcement included, is added to the
//!   session's delay, so every later cue keeps its place relative to the others.
//! - *Next* and *previous* jump to a step's first cue, and the clock is re-based there: the rest
//!   of the timeline keeps its relative times. *Previous* goes back to the start of the current
//!   step when it began more than [`RESTART_WITHIN`] ago, as a music player does, else to the
//!   step before. A skip while paused ends the pause.
//! - *Repeat* says the last spoken cue's words again (cutting off what is being said); it takes
//!   the voice like any speech, so a hold keeps its time. While paused it is ignored: a pause is
//!   quiet.
//! - *Volume up/down* changes the voice's volume by a tenth.
//!
//! A [`Status`] snapshot is published on a watch channel at every cue and change of state, and an
//! [`Event`] is handed to a callback for the hooks.
//!
//! The session's clock is the output's ([`Output::now`]): the real output counts the frames its
//! device has taken, so a 30-minute session keeps the sound card's time, not the CPU's. Each cue
//! is placed on that clock [`Output::lookahead`] before its moment (the look-ahead of Web Audio
//! scheduling), so it is heard exactly then however late the player woke; speech made as clips
//! says exactly when it ends, and what follows it is placed from there. A voice that plays on its
//! own (speech-dispatcher) is started when its moment comes, on a timer. With the recording
//! output the clock is tokio's, so tests run whole sessions on paused time in milliseconds.

use std::collections::{BTreeSet, VecDeque};
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, sleep_until};

use crate::plan::settings::Sound;
use crate::plan::timeline::{Cue, CueKind, Place, Quiet, Timeline, What};
use crate::routine::Ms;
use crate::session::captions::Captions;
use crate::sound::clip::SoundSet;
use crate::sound::output::Output;
use crate::voice::{Heard, Voices};

/// What the person can ask of a running session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Pause,
    Resume,
    /// Pause when playing, resume when paused.
    Toggle,
    Next,
    Previous,
    Repeat,
    Stop,
    VolumeUp,
    VolumeDown,
    /// Show the keys (from the terminal only).
    Help,
}

impl Control {
    pub const ALL: [Control; 9] = [
        Control::Pause,
        Control::Resume,
        Control::Toggle,
        Control::Next,
        Control::Previous,
        Control::Repeat,
        Control::Stop,
        Control::VolumeUp,
        Control::VolumeDown,
    ];

    /// The word for it on the command line and in the control protocol.
    pub fn word(self) -> &'static str {
        match self {
            Control::Pause => "pause",
            Control::Resume => "resume",
            Control::Toggle => "toggle",
            Control::Next => "next",
            Control::Previous => "previous",
            Control::Repeat => "repeat",
            Control::Stop => "stop",
            Control::VolumeUp => "volume-up",
            Control::VolumeDown => "volume-down",
            Control::Help => "help",
        }
    }

    pub fn parse(word: &str) -> Option<Control> {
        Control::ALL.into_iter().find(|c| c.word() == word)
    }
}

/// What resuming does, as the configuration says.
pub use crate::config::OnResume;

/// Where a running session is, for `limber ctl status`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Status {
    pub routine: String,
    /// The current step, from 1; `None` in the opening and closing words.
    pub step: Option<usize>,
    /// The routine's steps, as `step` counts them: all of them, also with `--from` or `--only`.
    pub steps: usize,
    pub title: Option<String>,
    pub place: Option<Place>,
    pub paused: bool,
    /// The session has ended (finished or stopped).
    pub over: bool,
    /// Time left in the step and the session at `as_of`.
    pub step_left: Duration,
    pub session_left: Duration,
    pub as_of: Option<Instant>,
    /// Waiting for `--at` or `--wait`: when it starts.
    pub starts_at: Option<jiff::Timestamp>,
}

impl Status {
    /// Time left in the step and the session now: the clock stands still while paused.
    pub fn left_now(&self) -> (Duration, Duration) {
        let gone = match (self.paused, self.as_of) {
            (false, Some(t)) => t.elapsed(),
            _ => Duration::ZERO,
        };
        (
            self.step_left.saturating_sub(gone),
            self.session_left.saturating_sub(gone),
        )
    }
}

/// Something that happened, for the hooks: `name` is one of [`Event::NAMES`].
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub name: &'static str,
    pub routine: String,
    pub step: Option<usize>,
    pub title: Option<String>,
    pub place: Option<Place>,
}

impl Event {
    pub const NAMES: [&'static str; 8] = [
        "session_start",
        "step_start",
        "hold_start",
        "hold_end",
        "pause",
        "resume",
        "finish",
        "stop",
    ];
}

/// How a session is controlled and watched from outside.
pub struct Controls {
    pub rx: mpsc::UnboundedReceiver<Control>,
    pub status: watch::Sender<Status>,
    pub on_resume: OnResume,
    /// The voice's volume at the start, which volume up and down change.
    pub voice_volume: f32,
    pub on_event: Box<dyn FnMut(&Event)>,
}

impl Controls {
    /// No controls at all: for a session nobody steers (a rendering, a test).
    pub fn none() -> Controls {
        // With every sender gone the channel never yields a control, and the player never waits
        // on it.
        Controls::new(mpsc::unbounded_channel().1)
    }

    /// Controls from `rx`, with the defaults and no hooks.
    pub fn new(rx: mpsc::UnboundedReceiver<Control>) -> Controls {
        Controls {
            rx,
            status: watch::Sender::new(Status::default()),
            on_resume: OnResume::default(),
            voice_volume: 1.0,
            on_event: Box::new(|_| {}),
        }
    }
}

/// *Previous* within this long of a step's start goes to the step before.
pub const RESTART_WITHIN: Duration = Duration::from_secs(5);

/// What the player needs besides the timeline.
pub struct Devices<'a> {
    pub voices: &'a mut Voices,
    pub output: &'a dyn Output,
    pub sounds: &'a SoundSet,
    pub captions: &'a mut dyn Captions,
    /// Volume of chimes and tones, 0 to 1.
    pub sound_volume: f32,
    /// The speaking rate, to estimate words the plan does not have (resuming, repeating).
    pub words_per_minute: f64,
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
    /// Every cue played, in the order played: a skip leaves cues out, going back plays some twice.
    pub played: Vec<Played>,
    /// The session reached its end; false when it was stopped.
    pub finished: bool,
    pub elapsed: Ms,
    /// The steps that were done, in the order they were: those the session went past (the next
    /// step began, or the session finished), not merely started, and not skipped.
    pub done: Vec<usize>,
    /// The steps left by *next* before they were done.
    pub skipped: Vec<usize>,
    /// How long the session was paused in all.
    pub paused: Ms,
}

impl Report {
    pub fn steps_done(&self) -> usize {
        self.done.len()
    }
}

/// How late past its known end speech may be heard to end and still count as on time.
const ON_TIME: Duration = Duration::from_millis(30);

/// Why a wait ended early: a control the caller must act on.
enum Interrupt {
    Control(Control),
}

/// What to do after a control.
enum Flow {
    /// Try the same cue again: its moment may have moved.
    Retry,
    Goto(usize),
    Stop,
}

struct Speaking {
    heard: Heard,
    text: String,
    started: Instant,
    deadline: Instant,
    estimate: Ms,
}

struct Player<'a, 'd> {
    dev: &'a mut Devices<'d>,
    /// The session's start, for reports.
    origin: Instant,
    /// The clock: the cue planned at `anchor_at` is due at `anchor` plus `delay`. A skip moves
    /// the anchor; speech that runs long and pauses add to the delay.
    anchor: Instant,
    anchor_at: Ms,
    delay: Duration,
    /// Nothing sequential starts before this: the end of the last speech plus the gap.
    free: Instant,
    speaking: Option<Speaking>,
    /// Actual speech length over the estimate, smoothed: how this voice compares to the plan.
    ratio: f64,
    /// The end of the hold under way, for the countdown line.
    hold_until: Option<Instant>,
    /// Controls read early (while a voice failed), still to act on.
    pending: VecDeque<Control>,
    /// The words of the last spoken cue, for *repeat*.
    last_said: Option<String>,
    /// A cue placed ahead by the silence it starts with, and when it will be heard.
    placed: Option<(usize, Option<Instant>)>,
    volume: f32,
    /// The last cue played, and when its step began.
    position: Option<usize>,
    step_began: Instant,
    /// Steps with a cue played, done, skipped.
    entered: BTreeSet<usize>,
    done: Vec<usize>,
    skipped: Vec<usize>,
    /// For each step, the first cue after it: reaching that cue makes the step done.
    after: Vec<(usize, Option<usize>)>,
    paused: Duration,
    /// When the pause under way began: the session's time stands still from there.
    pause_began: Option<Instant>,
}

fn ms(d: Duration) -> Ms {
    d.as_millis() as Ms
}

/// Plays a timeline until it ends or a control stops it.
pub async fn play(timeline: &Timeline, dev: &mut Devices<'_>, ctl: &mut Controls) -> Report {
    // The first cue is placed where the output can still place it, so it is on time too.
    let start = dev.output.now() + dev.output.soonest();
    let after = timeline
        .steps
        .iter()
        .map(|span| {
            let next = timeline
                .cues
                .iter()
                .position(|c| c.step.is_none_or(|n| n > span.step) && c.at >= span.end);
            (span.step, next)
        })
        .collect();
    let mut player = Player {
        dev,
        origin: start,
        anchor: start,
        anchor_at: 0,
        delay: Duration::ZERO,
        free: start,
        speaking: None,
        ratio: 1.0,
        hold_until: None,
        pending: VecDeque::new(),
        last_said: None,
        placed: None,
        volume: ctl.voice_volume,
        position: None,
        step_began: start,
        entered: BTreeSet::new(),
        done: Vec::new(),
        skipped: Vec::new(),
        after,
        paused: Duration::ZERO,
        pause_began: None,
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
    player.publish(timeline, ctl, false);
    player.event(timeline, ctl, "session_start");
    let mut played = Vec::new();
    let mut index = 0;
    let finished = loop {
        let result = if index < timeline.cues.len() {
            player.cue(timeline, index, ctl).await.map(Some)
        } else {
            player.end(timeline, ctl).await.map(|()| None)
        };
        match result {
            Ok(Some(p)) => {
                player.reached(timeline, index, ctl);
                played.push(p);
                index += 1;
            }
            Ok(None) => break true,
            Err(Interrupt::Control(c)) => match player.control(c, timeline, index, ctl).await {
                Flow::Retry => {}
                Flow::Goto(j) => index = j,
                Flow::Stop => break false,
            },
        }
    };
    if finished {
        for &(step, next) in &player.after {
            if next.is_none() && player.entered.contains(&step) && !player.done.contains(&step) {
                player.done.push(step);
            }
        }
    } else {
        player.silence();
    }
    let mut status = ctl.status.borrow().clone();
    status.over = true;
    status.paused = false;
    ctl.status.send_replace(status);
    player.event(timeline, ctl, if finished { "finish" } else { "stop" });
    Report {
        played,
        finished,
        elapsed: ms(player.now() - start),
        done: player.done,
        skipped: player.skipped,
        paused: ms(player.paused),
    }
}

impl Player<'_, '_> {
    fn elapsed(&self) -> Ms {
        ms(self.now() - self.origin)
    }

    /// The session's time at `at`, as captions show it: from its start, less the time it was
    /// paused (Ctrl-Z included), so a cue shown after a pause has the time it would have had
    /// without it.
    fn session_time(&self, at: Instant) -> Ms {
        let at = self.pause_began.map_or(at, |began| at.min(began));
        ms(at.saturating_duration_since(self.origin)).saturating_sub(ms(self.paused))
    }

    /// The session's time now.
    fn time(&self) -> Ms {
        self.session_time(self.now())
    }

    /// The pause under way has ended, `held` after it began.
    fn unpause(&mut self, held: Duration) {
        self.paused += held;
        self.pause_began = None;
    }

    /// The session's clock: the output's.
    fn now(&self) -> Instant {
        self.dev.output.now()
    }

    /// When to place a sound due at `t`: a look-ahead before.
    fn early(&self, t: Instant) -> Instant {
        t.checked_sub(self.dev.output.lookahead()).unwrap_or(t)
    }

    /// When the cue planned at `at` is due.
    fn due(&self, at: Ms) -> Instant {
        self.anchor + Duration::from_millis(at.saturating_sub(self.anchor_at)) + self.delay
    }

    /// Silences everything now.
    fn silence(&mut self) {
        self.placed = None;
        self.speaking = None;
        self.dev.voices.stop();
        self.dev.output.stop();
    }

    /// The cue that says where the session is: the last played, or the first.
    fn here(&self, timeline: &Timeline, index: usize) -> usize {
        self.position
            .unwrap_or(index)
            .min(timeline.cues.len().saturating_sub(1))
    }

    fn publish(&self, timeline: &Timeline, ctl: &Controls, paused: bool) {
        let now = self.now();
        let cue = timeline.cues.get(self.here(timeline, 0));
        let step = cue.and_then(|c| c.step);
        let span = step.and_then(|n| timeline.steps.iter().find(|s| s.step == n));
        ctl.status.send_replace(Status {
            routine: timeline.routine.clone(),
            step,
            steps: timeline.routine_steps,
            title: span.map(|s| s.title.clone()),
            place: cue.and_then(|c| c.place.clone()),
            paused,
            over: false,
            step_left: span.map_or(Duration::ZERO, |s| {
                self.due(s.end).saturating_duration_since(now)
            }),
            session_left: self.due(timeline.total).saturating_duration_since(now),
            as_of: Some(Instant::now()),
            starts_at: None,
        });
    }

    fn event(&self, timeline: &Timeline, ctl: &mut Controls, name: &'static str) {
        let cue = self.position.and_then(|i| timeline.cues.get(i));
        let step = cue.and_then(|c| c.step);
        (ctl.on_event)(&Event {
            name,
            routine: timeline.routine.clone(),
            step,
            title: step
                .and_then(|n| timeline.steps.iter().find(|s| s.step == n))
                .map(|s| s.title.clone()),
            place: cue.and_then(|c| c.place.clone()),
        });
    }

    /// Cue `index` has played: keep the place, the steps done, the status and the events.
    fn reached(&mut self, timeline: &Timeline, index: usize, ctl: &mut Controls) {
        let before = self.position.and_then(|i| timeline.cues[i].step);
        self.position = Some(index);
        let cue = &timeline.cues[index];
        for &(step, next) in &self.after {
            if next == Some(index) && self.entered.contains(&step) && !self.done.contains(&step) {
                self.done.push(step);
            }
        }
        if let Some(step) = cue.step {
            self.entered.insert(step);
            if before != Some(step) {
                self.step_began = self.now();
                self.event(timeline, ctl, "step_start");
            }
        }
        match cue.what {
            What::Quiet(Quiet::Hold) => self.event(timeline, ctl, "hold_start"),
            What::Sound(Sound::HoldEnd) => self.event(timeline, ctl, "hold_end"),
            _ => {}
        }
        self.publish(timeline, ctl, false);
    }

    /// The next control: one read early, else the channel's. `None` once no one can send any.
    async fn next_control(&mut self, ctl: &mut Controls) -> Option<Control> {
        match self.pending.pop_front() {
            Some(c) => Some(c),
            None => ctl.rx.recv().await,
        }
    }

    /// Acts on a control that changes where the session is.
    async fn control(
        &mut self,
        c: Control,
        timeline: &Timeline,
        index: usize,
        ctl: &mut Controls,
    ) -> Flow {
        match c {
            Control::Stop => Flow::Stop,
            Control::Pause | Control::Toggle => self.paused(timeline, index, ctl).await,
            Control::Next | Control::Previous => self.skip(c, timeline),
            _ => Flow::Retry,
        }
    }

    /// Jumps to the next or previous step's first cue and re-bases the clock there.
    fn skip(&mut self, c: Control, timeline: &Timeline) -> Flow {
        let cues = &timeline.cues;
        let here = self.position;
        let step = here.and_then(|i| cues[i].step);
        let first_of = |n: usize| cues.iter().position(|c| c.step == Some(n));
        let target = if c == Control::Next {
            let from = here.map_or(0, |i| i + 1);
            (from..cues.len())
                .find(|&j| match (step, cues[j].step) {
                    (Some(a), Some(b)) => b > a,
                    (Some(_), None) => true,
                    (None, Some(_)) => true,
                    (None, None) => false,
                })
                .unwrap_or(cues.len())
        } else {
            let last_step = timeline.steps.last().map(|s| s.step);
            match (step, here) {
                // Before the first step: the start.
                (None, None) => 0,
                (None, Some(i)) if !cues[..i].iter().any(|c| c.step.is_some()) => 0,
                // In the closing words: the last step.
                (None, Some(_)) => last_step.and_then(first_of).unwrap_or(0),
                (Some(n), _) => {
                    if self.now() - self.step_began > RESTART_WITHIN || n == 1 {
                        first_of(n).unwrap_or(0)
                    } else {
                        first_of(n - 1).unwrap_or(0)
                    }
                }
            }
        };
        if c == Control::Next
            && let Some(n) = step
            && !self.done.contains(&n)
            && !self.skipped.contains(&n)
        {
            self.skipped.push(n);
            self.entered.remove(&n);
        }
        self.rebase(timeline, target);
        let what = match cues.get(target).and_then(|c| c.step) {
            Some(n) => timeline
                .steps
                .iter()
                .find(|s| s.step == n)
                .map_or(format!("step {n}"), |s| format!("step {n}, {}", s.title)),
            None if target == 0 => "the start".to_string(),
            None => "the end".to_string(),
        };
        // Words for what happens: a step forward, back to one before, or this one again.
        let target_step = cues.get(target).and_then(|c| c.step);
        let words = match c {
            Control::Next => format!("skipping to {what}"),
            _ if target_step.is_some() && target_step == step => {
                format!("back to the start of {what}")
            }
            _ => format!("back to {what}"),
        };
        self.dev.captions.action(&words, self.time());
        Flow::Goto(target)
    }

    /// Silences everything and makes cue `target` due now, the rest keeping their relative times.
    fn rebase(&mut self, timeline: &Timeline, target: usize) {
        self.silence();
        let now = self.now();
        self.anchor = now;
        self.anchor_at = timeline.cues.get(target).map_or(timeline.total, |c| c.at);
        self.delay = Duration::ZERO;
        self.free = now;
        self.hold_until = None;
        // The session stands just before the target.
        self.position = target.checked_sub(1);
    }

    /// Holds the session until it is resumed, stopped or skipped.
    async fn paused(&mut self, timeline: &Timeline, index: usize, ctl: &mut Controls) -> Flow {
        let since = self.now();
        self.pause_began = Some(since);
        self.silence();
        self.publish(timeline, ctl, true);
        self.event(timeline, ctl, "pause");
        self.dev.captions.paused(self.time());
        loop {
            let c = self.next_control(ctl).await.unwrap_or(Control::Resume);
            match c {
                Control::Pause | Control::Repeat => {}
                Control::Help => self.dev.captions.notice(crate::session::keys::HELP),
                Control::VolumeUp | Control::VolumeDown => self.volume(c),
                Control::Stop => {
                    self.unpause(self.now() - since);
                    return Flow::Stop;
                }
                Control::Next | Control::Previous => {
                    self.unpause(self.now() - since);
                    return self.skip(c, timeline);
                }
                Control::Resume | Control::Toggle => {
                    let here = self.here(timeline, index);
                    let words = resume_words(timeline, here);
                    self.dev.captions.action(&words, self.time());
                    self.say_now(&words, ctl);
                    match self.wait(None, ctl).await {
                        Ok(()) => {}
                        Err(Interrupt::Control(Control::Stop)) => {
                            self.unpause(self.now() - since);
                            return Flow::Stop;
                        }
                        Err(Interrupt::Control(Control::Pause | Control::Toggle)) => {
                            self.silence();
                            self.dev.captions.paused(self.time());
                            continue;
                        }
                        Err(Interrupt::Control(c @ (Control::Next | Control::Previous))) => {
                            self.unpause(self.now() - since);
                            return self.skip(c, timeline);
                        }
                        Err(Interrupt::Control(_)) => {}
                    }
                    // Paused until the resuming words end (a voice of clips says when, a
                    // look-ahead early).
                    let words_end = self
                        .free
                        .checked_sub(Duration::from_millis(self.dev.gap))
                        .unwrap_or(self.free);
                    let held = words_end.max(self.now()) - since;
                    self.unpause(held);
                    if ctl.on_resume == OnResume::RestartRep {
                        // A pause in a rest was rest enough: the next rep starts.
                        let resting = timeline.cues.get(here).map(|c| &c.what)
                            == Some(&What::Quiet(Quiet::Rest));
                        let start = match resting {
                            true => index,
                            false => rep_start(timeline, here.min(index)),
                        };
                        self.rebase(timeline, start);
                        self.free = self.free.max(self.now());
                        self.publish(timeline, ctl, false);
                        self.event(timeline, ctl, "resume");
                        return Flow::Goto(start);
                    }
                    self.delay += held;
                    // Time paused does not count as time in the step, for *previous*.
                    self.step_began += held;
                    if let Some(h) = self.hold_until.as_mut() {
                        *h += held;
                    }
                    self.publish(timeline, ctl, false);
                    self.event(timeline, ctl, "resume");
                    return Flow::Retry;
                }
            }
        }
    }

    fn volume(&mut self, c: Control) {
        let step = if c == Control::VolumeUp { 0.1 } else { -0.1 };
        self.volume = ((self.volume + step) * 10.0).round().clamp(0.0, 10.0) / 10.0;
        self.dev.voices.set_volume(self.volume);
        let words = format!("voice volume {:.0}%", self.volume * 100.0);
        self.dev.captions.action(&words, self.time());
    }

    /// The last cue's words again, from the start.
    fn repeat(&mut self, ctl: &mut Controls) {
        if let Some(text) = self.last_said.clone() {
            if self.speaking.is_some() {
                self.speaking = None;
                self.dev.voices.stop();
            }
            // What is said again is written again, for whoever reads instead of listening.
            self.dev
                .captions
                .action(&format!("again: {text}"), self.time());
            self.say_now(&text, ctl);
        }
    }

    /// Says words the plan does not time (resuming, repeating), from now.
    fn say_now(&mut self, text: &str, ctl: &mut Controls) {
        let estimate = crate::plan::timeline::speech_ms(text, self.dev.words_per_minute);
        let now = self.now();
        self.say(text, estimate, now, ctl);
    }

    /// The end: the last words and the closing chime are heard out before the output is let go.
    async fn end(&mut self, timeline: &Timeline, ctl: &mut Controls) -> Result<(), Interrupt> {
        self.wait(None, ctl).await?;
        let end = self.due(timeline.total);
        self.wait(Some(end), ctl).await
    }

    async fn cue(
        &mut self,
        timeline: &Timeline,
        index: usize,
        ctl: &mut Controls,
    ) -> Result<Played, Interrupt> {
        let cue = &timeline.cues[index];
        let due = self.due(cue.at);

        if cue.kind == CueKind::Silence {
            // What starts with the silence (a rest's words) is placed a look-ahead early, as
            // every sound is: placed when the silence's moment came, it would start a device
            // buffer late.
            if let Some(next) = timeline
                .cues
                .get(index + 1)
                .filter(|n| n.at == cue.at && n.kind != CueKind::Silence)
                && self.placed.is_none_or(|(i, _)| i != index + 1)
            {
                let placed = self.place(next, index + 1, timeline, ctl).await?;
                self.placed = Some((index + 1, placed));
            }
            // A silence is a mark on the way, not a sound: it waits for its moment, but not for
            // words that are still being said.
            self.wait(Some(due), ctl).await?;
            if cue.what == What::Quiet(Quiet::Hold) {
                self.hold_until = Some(due + Duration::from_millis(cue.duration));
            }
            self.dev.captions.cue(cue, self.session_time(self.now()));
            return Ok(Played {
                index,
                planned: cue.at,
                at: ms(due.saturating_duration_since(self.origin)),
                skipped: false,
            });
        }

        let placed = match self.placed.take() {
            Some((i, placed)) if i == index => placed,
            _ => self.place(cue, index, timeline, ctl).await?,
        };
        let Some(placed_at) = placed else {
            return Ok(Played {
                index,
                planned: cue.at,
                at: self.elapsed(),
                skipped: true,
            });
        };
        // The sound is placed ahead on the output's clock; what the person sees (the caption,
        // the status, the events for hooks) comes when it is heard.
        self.wait(Some(placed_at), ctl).await?;
        self.dev.captions.cue(cue, self.session_time(placed_at));
        if self.hold_until.is_some_and(|h| self.now() >= h) {
            self.hold_until = None;
        }
        Ok(Played {
            index,
            planned: cue.at,
            at: ms(placed_at - self.origin),
            skipped: false,
        })
    }

    /// Places a speech or sound cue on the output, a look-ahead before its moment: when it will
    /// be heard, or `None` where it is left out (a pinned line that would overlap or start late).
    async fn place(
        &mut self,
        cue: &Cue,
        index: usize,
        timeline: &Timeline,
        ctl: &mut Controls,
    ) -> Result<Option<Instant>, Interrupt> {
        let due = self.due(cue.at);
        // The moment this cue was due to start: what its sound's length is counted from.
        let mut moment = due;
        if cue.pinned {
            if cue.kind == CueKind::Speech {
                self.wait(Some(self.early(due)), ctl).await?;
                let now = self.now().max(due);
                let predicted = Duration::from_millis((cue.duration as f64 * self.ratio) as u64);
                let next_pinned = timeline.cues[index + 1..]
                    .iter()
                    .find(|c| c.kind != CueKind::Silence)
                    .filter(|c| c.pinned)
                    .map(|c| self.due(c.at));
                let late = now > due + Duration::from_millis(250);
                let crowded = next_pinned.is_some_and(|next| now + predicted > next);
                // Words not made yet would start late: on a hold's clock, late is wrong.
                let unready = match (&cue.what, self.dev.voices.current()) {
                    (What::Text(text), Some(voice)) => !voice.ready(text),
                    _ => false,
                };
                if self.speaking.is_some() || late || crowded || unready {
                    return Ok(None);
                }
            } else {
                self.wait(Some(self.early(due)), ctl).await?;
            }
        } else {
            self.wait(None, ctl).await?;
            let target = due.max(self.free);
            self.wait(Some(self.early(target)), ctl).await?;
            // Only the lateness that speech caused is carried forward. A timer that wakes a
            // millisecond late must not add up over a session's hundreds of cues.
            self.delay += target.saturating_duration_since(due);
            moment = target;
        }

        // A voice that speaks on its own starts when its moment comes.
        let placed = self.dev.voices.current().is_some_and(|v| v.scheduled());
        if matches!(cue.what, What::Text(_)) && !placed {
            self.wait(Some(moment), ctl).await?;
        }
        let placed_at = moment.max(self.now());
        match &cue.what {
            What::Text(text) => {
                self.last_said = Some(text.clone());
                self.say(text, cue.duration, moment, ctl);
            }
            What::Sound(sound) => {
                self.dev.output.play_at(
                    self.dev.sounds.clip(*sound),
                    self.dev.sound_volume,
                    crate::sound::output::Group::Sound,
                    moment,
                );
            }
            What::Quiet(_) => {}
        }
        Ok(Some(placed_at))
    }

    /// Starts speaking with the first engine that will; with none left, the caption is enough.
    fn say(&mut self, text: &str, estimate: Ms, moment: Instant, ctl: &mut Controls) {
        loop {
            let now = self.now();
            let Some(voice) = self.dev.voices.current() else {
                self.free = now;
                return;
            };
            let scheduled = voice.scheduled();
            let said = match scheduled {
                true => voice.say_at(text, moment),
                false => voice.say(text),
            };
            match said {
                Ok(heard) => {
                    // A generous deadline: a slow voice is fine, a hung one is not.
                    let patience = voice.patience().as_millis() as Ms;
                    let allowance = Duration::from_millis((estimate * 3).max(estimate + patience));
                    self.speaking = Some(Speaking {
                        heard,
                        text: text.to_string(),
                        // A clip starts at its moment; a voice of its own, when asked.
                        started: if scheduled { moment } else { moment.min(now) },
                        deadline: now + allowance,
                        estimate,
                    });
                    return;
                }
                Err(why) => {
                    // A voice cut off because the session is stopping has not failed.
                    while let Ok(c) = ctl.rx.try_recv() {
                        self.pending.push_back(c);
                    }
                    if self.pending.contains(&Control::Stop) {
                        return;
                    }
                    let notice = self.dev.voices.fail(&why);
                    self.dev.captions.notice(&notice);
                }
            }
        }
    }

    /// Waits until `until`, or, with `None`, until the current speech has been heard; meanwhile
    /// it notices speech ending or hanging, keeps the countdown line, acts on repeat and volume,
    /// and hands back any other control.
    async fn wait(&mut self, until: Option<Instant>, ctl: &mut Controls) -> Result<(), Interrupt> {
        loop {
            if let Some(c) = self.pending.pop_front() {
                match c {
                    Control::Repeat => self.repeat(ctl),
                    Control::VolumeUp | Control::VolumeDown => self.volume(c),
                    Control::Resume => {}
                    Control::Help => self.dev.captions.notice(crate::session::keys::HELP),
                    c => return Err(Interrupt::Control(c)),
                }
                continue;
            }
            let now = self.now();
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
                // A control channel whose senders are gone can never say anything: ignore it.
                Some(c) = ctl.rx.recv() => {
                    self.speaking = speaking;
                    self.pending.push_back(c);
                }
                result = heard => {
                    let s = speaking.take().expect("only a voice that speaks is heard");
                    let now = self.now();
                    let end = match result {
                        Some(Ok(end)) => Ok(end),
                        Some(Err(why)) => Err(why),
                        None => Ok(None),
                    };
                    if let Err(why) = &end {
                        let notice = self.dev.voices.fail(why);
                        self.dev.captions.notice(&notice);
                        // The line it could not say is said by the voice taking over, at once.
                        if self.dev.voices.current().is_some() {
                            self.say(&s.text, s.estimate, now, ctl);
                            continue;
                        }
                    }
                    let known_end = end.ok().flatten();
                    let actual = (known_end.unwrap_or(now) - s.started).as_millis() as f64;
                    if s.estimate > 0 {
                        self.ratio = (0.7 * self.ratio + 0.3 * actual / s.estimate as f64).clamp(0.5, 3.0);
                    }
                    // A voice of clips says when its words end, to the sample. Words that end on
                    // time, within a timer's wake-up of their known length, end when they were
                    // known to: a millisecond late per line would add up over a session's
                    // hundreds of lines.
                    let known = s.started + Duration::from_millis(s.estimate);
                    let ended = match known_end {
                        Some(t) => t,
                        None if now <= known + ON_TIME => now.min(known),
                        None => now,
                    };
                    self.free = ended + Duration::from_millis(self.dev.gap);
                }
                _ = sleep_until(Instant::now() + wake.saturating_duration_since(now)) => {
                    self.speaking = speaking;
                    let now = self.now();
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

/// What resuming says: "Resuming: Bridge, rep 3 of 5."
pub fn resume_words(timeline: &Timeline, here: usize) -> String {
    let cue = timeline.cues.get(here);
    // In a rest, the rep before it is done: the place without it.
    let resting = cue.is_some_and(|c| c.what == What::Quiet(Quiet::Rest));
    let place = cue
        .and_then(|c| c.place.clone())
        .map(|p| match resting {
            true => Place { rep: None, ..p },
            false => p,
        })
        .map(|p| p.to_string())
        .or_else(|| {
            let n = cue.and_then(|c| c.step)?;
            let span = timeline.steps.iter().find(|s| s.step == n)?;
            // Only an exercise or a breathing has a name worth saying; words and rests do not.
            Some(span.title.clone()).filter(|_| span.main)
        });
    match place {
        Some(p) => format!("Resuming: {p}."),
        None => "Resuming.".to_string(),
    }
}

/// The first cue of the rep that cue `i` belongs to: the run of cues before it in the same
/// step and the same place (exercise, side, set, rep).
pub fn rep_start(timeline: &Timeline, i: usize) -> usize {
    let cues = &timeline.cues;
    let Some(cue) = cues.get(i) else {
        return i;
    };
    let key = |c: &crate::plan::timeline::Cue| {
        (
            c.step,
            c.place
                .as_ref()
                .map(|p| (p.exercise.clone(), p.side, p.set, p.rep)),
        )
    };
    let mine = key(cue);
    let mut j = i;
    while j > 0 && key(&cues[j - 1]) == mine {
        j -= 1;
    }
    j
}
