//! The timeline: every word and sound of a session, and exactly when.
//!
//! [`plan`] is a pure function from a validated routine and the settings to an ordered list of
//! cues. The player walks this list in real time and the renderer writes it to a file, so what
//! `limber plan` prints is what a person hears.
//!
//! Two clocks meet here. Speech takes as long as the voice takes, so its length is estimated from
//! the text and the speaking rate (a real voice replaces the estimate later). Holds, rests and
//! breaths are exact. A cue is either *sequential* (it waits for everything before it to finish) or
//! *pinned* to the start of the hold it belongs to (the countdown, "halfway", the hold-end chime,
//! the breath tones): a late sequential cue pushes the rest of the session back, but nothing ever
//! moves a pinned cue relative to its hold, so a hold lasts exactly its seconds.

use std::fmt;

use serde::Serialize;

use crate::plan::settings::{Settings, Sound, fill};
use crate::report::words::clock;
use crate::routine::template::{Values, Var, format_seconds};
use crate::routine::{Breathe, Exercise, Ms, Routine, Side, Step, Work};

/// What a cue does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CueKind {
    Speech,
    Chime,
    Breath,
    Tick,
    Silence,
}

/// What a silence is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Quiet {
    Hold,
    Rest,
    GetReady,
    Switch,
}

impl Quiet {
    fn label(self) -> &'static str {
        match self {
            Quiet::Hold => "hold",
            Quiet::Rest => "rest",
            Quiet::GetReady => "get ready",
            Quiet::Switch => "switch",
        }
    }
}

/// Where in an exercise a cue falls: what captions show besides the words.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Place {
    pub exercise: String,
    /// In a breathing step, `rep` counts breaths.
    #[serde(skip)]
    pub breathing: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub side: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rep: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reps: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sets: Option<u32>,
}

impl Place {
    /// Where in the exercise, without its name: "left, set 1 of 2, rep 3 of 5". A single rep is
    /// not counted; in a breathing step the reps are breaths.
    pub fn within(&self) -> Vec<String> {
        let mut parts = Vec::new();
        if let Some(side) = self.side {
            parts.push(side.to_string());
        }
        if let (Some(set), Some(sets)) = (self.set, self.sets) {
            parts.push(format!("set {set} of {sets}"));
        }
        if let (Some(rep), Some(reps)) = (self.rep, self.reps)
            && reps > 1
        {
            let unit = if self.breathing { "breath" } else { "rep" };
            parts.push(format!("{unit} {rep} of {reps}"));
        }
        parts
    }
}

/// The place as captions, `limber ctl status` and resuming say it: "Bird dog, right, rep 2 of 8".
impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.exercise)?;
        for part in self.within() {
            write!(f, ", {part}")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cue {
    pub at: Ms,
    /// How long it sounds (estimated for speech), or how long a silence lasts.
    pub duration: Ms,
    pub kind: CueKind,
    pub what: What,
    /// The 1-based step it belongs to; `None` for the session's opening and closing words.
    pub step: Option<usize>,
    /// Pinned to the start of its hold rather than waiting for the cue before it.
    pub pinned: bool,
    pub place: Option<Place>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum What {
    Text(String),
    Sound(Sound),
    Quiet(Quiet),
}

/// A step's stretch of the session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Span {
    pub step: usize,
    pub title: String,
    pub start: Ms,
    pub end: Ms,
    /// An exercise or breathing: a step worth a chapter of its own, not a line or a rest.
    #[serde(skip)]
    pub main: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    pub routine: String,
    pub cues: Vec<Cue>,
    pub steps: Vec<Span>,
    /// How many steps the whole routine has: a step is "N of" this, with `--from` and `--only`
    /// as without them (`steps` holds only the ones planned).
    pub routine_steps: usize,
    pub total: Ms,
}

/// Estimated length of a spoken line: words at the speaking rate, a pause at each comma or full
/// stop inside the line, and the voice's onset and trailing silence.
///
/// Fitted to espeak-ng (which the system voice also uses here) over every line the built-in
/// routines speak: at "160 words a minute" it says a routine's words in about 0.24 s each, pauses
/// about 0.65 s at punctuation, and adds about 0.65 s around each line. The fit is rounded up a
/// little: a line that ends early only adds a moment of quiet, one that runs late pushes
/// everything after it back.
pub fn speech_ms(text: &str, words_per_minute: f64) -> Ms {
    let words = text.split_whitespace().count() as f64;
    let trimmed = text.trim_end_matches(['.', '!', '?', ' ']);
    let pauses = trimmed
        .chars()
        .filter(|c| matches!(c, ',' | '.' | ';' | ':' | '!' | '?'))
        .count() as f64;
    let ms = 700.0 + words * 38_400.0 / words_per_minute + pauses * 650.0;
    ((ms / 10.0).round() * 10.0) as Ms
}

/// Plans a whole session.
pub fn plan(routine: &Routine, settings: &Settings) -> Timeline {
    plan_steps(routine, settings, 0..routine.steps.len())
}

/// Which steps of a routine to coach, as `--from` and `--only` ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    All,
    /// From this step (counted from 1) to the end.
    From(usize),
    /// This step alone.
    Only(usize),
}

impl Part {
    /// The part `--from` or `--only` asks for (by a step's number or name); all without either.
    pub fn of(routine: &Routine, from: Option<&str>, only: Option<&str>) -> Result<Part, String> {
        Ok(match (from, only) {
            (Some(step), _) => Part::From(find_step(routine, step)?),
            (_, Some(step)) => Part::Only(find_step(routine, step)?),
            _ => Part::All,
        })
    }

    pub fn range(self, steps: usize) -> std::ops::Range<usize> {
        match self {
            Part::All => 0..steps,
            Part::From(n) => (n - 1).min(steps)..steps,
            Part::Only(n) => (n - 1).min(steps)..n.min(steps),
        }
    }
}

/// Finds a step by its number (from 1, as `limber plan` shows) or its name.
pub fn find_step(routine: &Routine, which: &str) -> Result<usize, String> {
    let count = routine.steps.len();
    if let Ok(n) = which.trim().parse::<usize>() {
        return if (1..=count).contains(&n) {
            Ok(n)
        } else {
            Err(format!(
                "\"{}\" has steps 1 to {count}, not {n}",
                routine.name
            ))
        };
    }
    let wanted = which.trim().to_lowercase();
    let titles: Vec<String> = routine
        .steps
        .iter()
        .map(|s| s.title().to_lowercase())
        .collect();
    let exact: Vec<usize> = (0..count).filter(|&i| titles[i] == wanted).collect();
    let partial: Vec<usize> = (0..count)
        .filter(|&i| titles[i].contains(&wanted))
        .collect();
    match (exact.as_slice(), partial.as_slice()) {
        ([i, ..], _) | ([], [i]) => Ok(i + 1),
        _ => {
            let names: Vec<String> = routine
                .steps
                .iter()
                .enumerate()
                .filter(|(_, s)| matches!(s, Step::Exercise(_) | Step::Breathe(_)))
                .map(|(i, s)| format!("{} {}", i + 1, s.title()))
                .collect();
            let why = if partial.is_empty() {
                "has no step called"
            } else {
                "has several steps called"
            };
            Err(format!(
                "\"{}\" {why} \"{which}\"; give a step's number or a name from: {}",
                routine.name,
                names.join(", ")
            ))
        }
    }
}

/// Plans the steps in `range`, numbered as they are in the whole routine.
pub fn plan_steps(
    routine: &Routine,
    settings: &Settings,
    range: std::ops::Range<usize>,
) -> Timeline {
    match plan_within(routine, settings, range, Ms::MAX) {
        Ok(timeline) => timeline,
        // Without a time limit only the cue limit stops a plan: the routine language's own
        // limits keep every routine below it, but a plan is never left unbounded.
        Err(too_long) => Timeline {
            routine: routine.name.clone(),
            cues: Vec::new(),
            steps: Vec::new(),
            routine_steps: routine.steps.len(),
            total: too_long.at,
        },
    }
}

/// The most cues one plan may hold. The longest built-in routine has about 700; four hours of
/// one-second positions with a word each would have about 30,000.
pub const MAX_CUES: usize = 100_000;

/// A plan that would pass `limit` (or [`MAX_CUES`]): where it did.
#[derive(Debug, Clone, PartialEq)]
pub struct TooLong {
    /// The step (1-based) it passed the limit in; `None` in the opening or closing words.
    pub step: Option<usize>,
    /// The time it had reached; when [`TooLong::counted`], the least the whole plan would last.
    pub at: Ms,
    /// Whether the cue limit, not the time, was passed.
    pub cues: bool,
    /// Found by counting what the routine asks for, before any of it was planned.
    pub counted: bool,
}

/// The least the steps in `range` can last, counted from the routine alone: every hold, position,
/// breath and rest it asks for (reps x sides x sets x positions), without the speech and sounds
/// around them, which only add to it. One pass over the steps, whatever they ask for. Also the
/// step (1-based) in which that count passes `limit`, if it does.
pub fn least(
    routine: &Routine,
    settings: &Settings,
    range: std::ops::Range<usize>,
    limit: Ms,
) -> (Ms, Option<usize>) {
    let mut total: Ms = 0;
    let mut passed = None;
    let first = range.start;
    for (i, step) in routine.steps[range].iter().enumerate() {
        let length = match step {
            Step::Say(_) => 0,
            Step::Rest { rest, .. } => *rest,
            Step::Breathe(b) => {
                Ms::from(b.cycles).saturating_mul(b.inhale + b.hold + b.exhale + b.hold_out)
            }
            Step::Exercise(e) => least_exercise(e, settings),
        };
        total = total.saturating_add(length);
        if total > limit && passed.is_none() {
            passed = Some(first + i + 1);
        }
    }
    (total, passed)
}

/// An exercise's holds and rests, as [`Builder::exercise`] lays them out.
fn least_exercise(e: &Exercise, s: &Settings) -> Ms {
    let work = match &e.work {
        Work::Hold(h) | Work::Duration(h) => *h,
        Work::Phases(phases) => phases
            .iter()
            .fold(0, |sum: Ms, p| sum.saturating_add(p.hold)),
    };
    let rest = e.rest.unwrap_or(s.rest);
    let blocks: Ms = match (e.sides, e.alternate) {
        (Some(_), false) => 2,
        _ => 1,
    };
    let per_set = Ms::from(e.reps) * if e.sides.is_some() { 2 } else { 1 };
    let set = per_set
        .saturating_mul(work)
        .saturating_add((per_set - blocks.min(per_set)).saturating_mul(rest))
        .saturating_add((blocks - 1).saturating_mul(s.switch_time.max(rest)));
    let sets = Ms::from(e.sets);
    let setup = if e.setup.is_some() {
        e.setup_time.unwrap_or(s.setup_time)
    } else {
        0
    };
    sets.saturating_mul(set)
        .saturating_add(
            sets.saturating_sub(1)
                .saturating_mul(e.set_rest.unwrap_or(s.set_rest)),
        )
        .saturating_add(setup)
}

/// Plans the steps in `range`, stopping as soon as the plan would pass `limit`: the work and the
/// memory are bounded by the limit, whatever the routine asks for (500 steps of 100 reps of 20
/// sets on both sides with 20 positions each would be billions of cues). What the routine asks
/// for is counted first ([`least`]), so a plan that cannot fit is refused before any of it is
/// made.
pub fn plan_within(
    routine: &Routine,
    settings: &Settings,
    range: std::ops::Range<usize>,
    limit: Ms,
) -> Result<Timeline, TooLong> {
    if let (at, Some(step)) = least(routine, settings, range.clone(), limit) {
        return Err(TooLong {
            step: Some(step),
            at,
            cues: false,
            counted: true,
        });
    }
    let mut b = Builder {
        s: settings,
        now: 0,
        free: 0,
        cues: Vec::new(),
        step: None,
        place: None,
        limit,
        over: None,
    };
    b.speak(fill(&settings.phrases.start, &[("name", &routine.name)]));
    if settings.eased {
        b.speak(settings.phrases.eased.clone());
    } else if settings.hurt {
        b.speak(settings.phrases.hurt.clone());
    }
    // Someone new to limber hears what the two bells mean before the first one rings.
    let holds = routine.steps[range.clone()].iter().any(
        |s| matches!(s, Step::Exercise(e) if matches!(e.work, Work::Hold(_) | Work::Duration(_))),
    );
    if holds {
        b.speak(settings.phrases.bells.clone());
    }
    let mut steps = Vec::new();
    for (i, step) in routine
        .steps
        .iter()
        .enumerate()
        .skip(range.start)
        .take(range.len())
    {
        if let Some(over) = b.over {
            return Err(over);
        }
        b.step = Some(i + 1);
        b.place = None;
        let start = b.align();
        if let Some(prev) = steps.last_mut() {
            let prev: &mut Span = prev;
            prev.end = start;
        }
        steps.push(Span {
            step: i + 1,
            title: step.title(),
            start,
            end: start,
            main: matches!(step, Step::Exercise(_) | Step::Breathe(_)),
        });
        match step {
            Step::Say(t) => b.speak(t.render(&Values::default())),
            Step::Rest { rest, say } => {
                let text = match say {
                    Some(t) => t.render(&Values {
                        seconds: Some(*rest as f64 / 1000.0),
                        ..Values::default()
                    }),
                    None => fill(
                        &settings.phrases.rest,
                        &[("duration", &settings.phrases.duration(*rest))],
                    ),
                };
                b.rest_with(*rest, text);
            }
            Step::Breathe(breathe) => b.breathe(breathe),
            Step::Exercise(exercise) => b.exercise(exercise),
        }
    }
    b.step = None;
    b.place = None;
    let end = b.align();
    if let Some(last) = steps.last_mut() {
        last.end = end;
    }
    let p = &settings.phrases;
    let exercises = routine.steps[range]
        .iter()
        .filter(|s| matches!(s, Step::Exercise(_) | Step::Breathe(_)))
        .count();
    let count = if exercises == 1 {
        p.one_exercise.clone()
    } else {
        fill(&p.exercises, &[("n", &exercises.to_string())])
    };
    // "about 23 minutes": the length so far, to the nearest minute once past one.
    let so_far = if end >= 90_000 {
        (end + 30_000) / 60_000 * 60_000
    } else {
        end.div_ceil(1000) * 1000
    };
    let finish = if exercises == 0 {
        &p.finish_short
    } else {
        &p.finish
    };
    b.speak(fill(
        finish,
        &[("exercises", &count), ("duration", &p.duration(so_far))],
    ));
    b.sound(Sound::Finish);
    if let Some(over) = b.over {
        return Err(over);
    }
    let total = b.cues.iter().map(|c| c.at + c.duration).max().unwrap_or(0);
    Ok(Timeline {
        routine: routine.name.clone(),
        cues: b.cues,
        steps,
        routine_steps: routine.steps.len(),
        total,
    })
}

struct Builder<'s> {
    s: &'s Settings,
    /// Where the session is on the plan: a rest or hold moves it.
    now: Ms,
    /// When the last sound ends, plus the gap: nothing audible starts before this.
    free: Ms,
    cues: Vec<Cue>,
    step: Option<usize>,
    place: Option<Place>,
    /// No cue may end after this.
    limit: Ms,
    /// Set when a cue would have: the plan stops there.
    over: Option<TooLong>,
}

/// A spoken mark inside a hold, at an offset from its start.
struct Mark {
    offset: Ms,
    text: String,
    priority: u8,
}

impl Builder<'_> {
    /// The time the next sequential cue starts.
    fn align(&mut self) -> Ms {
        self.now = self.now.max(self.free);
        self.now
    }

    fn push(&mut self, at: Ms, duration: Ms, what: What, pinned: bool) {
        let kind = match &what {
            What::Text(_) => CueKind::Speech,
            What::Quiet(_) => CueKind::Silence,
            What::Sound(Sound::BreatheIn | Sound::BreatheOut) => CueKind::Breath,
            What::Sound(Sound::Tick) => CueKind::Tick,
            What::Sound(_) => CueKind::Chime,
        };
        if kind != CueKind::Silence {
            self.free = self.free.max(at + duration + self.s.gap);
        }
        let cues = self.cues.len() >= MAX_CUES;
        if at.saturating_add(duration) > self.limit || cues {
            self.over.get_or_insert(TooLong {
                step: self.step,
                at,
                cues,
                counted: false,
            });
        }
        if self.over.is_some() {
            return;
        }
        self.cues.push(Cue {
            at,
            duration,
            kind,
            what,
            step: self.step,
            pinned,
            place: self.place.clone(),
        });
    }

    fn speak(&mut self, text: String) {
        let at = self.align();
        let duration = self.s.speech_ms(&text);
        self.push(at, duration, What::Text(text), false);
        self.now = self.free;
    }

    /// A sound that waits for what came before; the plan stays at its start.
    fn sound(&mut self, sound: Sound) -> Ms {
        let at = self.align();
        self.push(at, self.s.sounds.of(sound), What::Sound(sound), false);
        at
    }

    fn quiet(&mut self, at: Ms, duration: Ms, quiet: Quiet) {
        if duration > 0 {
            self.push(at, duration, What::Quiet(quiet), false);
        }
    }

    /// Silence for `duration` once everything so far has been heard.
    fn pause(&mut self, duration: Ms, quiet: Quiet) {
        let at = self.align();
        self.quiet(at, duration, quiet);
        self.now = at + duration;
    }

    /// A rest that starts where the plan is (the end of a hold), while its chime still rings.
    fn rest_after_hold(&mut self, rest: Ms) {
        self.quiet(self.now, rest, Quiet::Rest);
        self.now += rest;
    }

    /// A rest with a line spoken at its start; it lasts `rest`, or the line if that is longer.
    fn rest_with(&mut self, rest: Ms, text: String) {
        let at = self.align();
        self.quiet(at, rest, Quiet::Rest);
        let duration = self.s.speech_ms(&text);
        self.push(at, duration, What::Text(text), false);
        self.now = at + rest;
    }

    /// A hold between the start and end chimes, exactly `hold` long, with its spoken marks.
    fn hold(&mut self, hold: Ms, countdown: u32, halfway: bool) {
        let t0 = self.sound(Sound::HoldStart);
        self.quiet(t0, hold, Quiet::Hold);
        self.marks(t0, hold, self.s.sounds.hold_start, countdown, halfway);
        self.push(
            t0 + hold,
            self.s.sounds.hold_end,
            What::Sound(Sound::HoldEnd),
            true,
        );
        self.now = t0 + hold;
    }

    /// A position in a flow: a tick, then `hold` of quiet (with marks if it is long).
    fn position(&mut self, hold: Ms, countdown: u32, halfway: bool) {
        let t0 = self.sound(Sound::Tick);
        self.quiet(t0, hold, Quiet::Hold);
        self.marks(t0, hold, self.s.sounds.tick, countdown, halfway);
        self.now = t0 + hold;
    }

    /// The countdown, "halfway" and "N left" inside a hold, pinned to its start. A mark that would
    /// overlap a more important one, the opening sound or the hold's end is left out.
    fn marks(&mut self, t0: Ms, hold: Ms, opening: Ms, countdown: u32, halfway: bool) {
        let p = &self.s.phrases;
        let mut marks = Vec::new();
        if countdown > 0 && hold >= Ms::from(countdown + 2) * 1000 {
            for k in 1..=countdown {
                let text = p
                    .numbers
                    .get(k as usize - 1)
                    .cloned()
                    .unwrap_or_else(|| k.to_string());
                marks.push(Mark {
                    offset: hold - Ms::from(k) * 1000,
                    text,
                    priority: 3,
                });
            }
        }
        if halfway && hold >= 20_000 {
            marks.push(Mark {
                offset: hold / 2,
                text: p.halfway.clone(),
                priority: 2,
            });
        }
        let mut left = |remaining: Ms, text: String| {
            if remaining + 5000 < hold {
                marks.push(Mark {
                    offset: hold - remaining,
                    text,
                    priority: 1,
                });
            }
        };
        if hold >= 120_000 {
            for m in 1..=(hold / 60_000) {
                let text = if m == 1 {
                    p.one_minute_left.clone()
                } else {
                    fill(&p.minutes_left, &[("n", &m.to_string())])
                };
                left(m * 60_000, text);
            }
        }
        if hold >= 60_000 {
            left(30_000, fill(&p.seconds_left, &[("n", "30")]));
        }
        if hold >= 45_000 && countdown < 10 {
            left(10_000, fill(&p.seconds_left, &[("n", "10")]));
        }
        marks.sort_by_key(|m| std::cmp::Reverse(m.priority));
        let mut kept: Vec<(Ms, Ms, String)> = Vec::new();
        for mark in marks {
            let len = self.s.speech_ms(&mark.text);
            let (from, to) = (mark.offset, mark.offset + len);
            let clear = from >= opening + self.s.gap
                && to <= hold
                && kept.iter().all(|&(a, b, _)| to <= a || from >= b);
            if clear {
                kept.push((from, to, mark.text));
            }
        }
        kept.sort_by_key(|k| k.0);
        for (from, to, text) in kept {
            self.push(t0 + from, to - from, What::Text(text), true);
        }
    }

    fn breathe(&mut self, b: &Breathe) {
        let p = &self.s.phrases;
        let n = |ms: Ms| format_seconds(ms as f64 / 1000.0);
        let mut pattern = vec![fill(&p.breathe_in_for, &[("n", &n(b.inhale))])];
        if b.hold > 0 {
            pattern.push(fill(&p.hold_for, &[("n", &n(b.hold))]));
        }
        pattern.push(fill(&p.breathe_out_for, &[("n", &n(b.exhale))]));
        if b.hold_out > 0 {
            pattern.push(fill(&p.hold_for, &[("n", &n(b.hold_out))]));
        }
        let name = b.name.clone().unwrap_or_else(|| p.breathing.clone());
        let intro = format!(
            "{name}. {}: {}.",
            if b.cycles == 1 {
                p.one_breath.clone()
            } else {
                fill(&p.breaths, &[("n", &b.cycles.to_string())])
            },
            pattern.join(", ")
        );
        self.place = Some(Place {
            exercise: name,
            breathing: true,
            ..Place::default()
        });
        self.speak(intro);
        if let Some(say) = &b.say {
            self.speak(say.render(&Values::default()));
        }
        let phases = [
            (b.inhale, Sound::BreatheIn, p.breathe_in.clone()),
            (b.hold, Sound::Tick, p.breathe_hold.clone()),
            (b.exhale, Sound::BreatheOut, p.breathe_out.clone()),
            (b.hold_out, Sound::Tick, p.breathe_hold.clone()),
        ];
        let mut t = self.align();
        // The first tone waits for the introduction; every later one is pinned to it, so the
        // breathing keeps its pace whatever the voice does.
        let mut first = true;
        for cycle in 1..=b.cycles {
            if self.over.is_some() {
                return;
            }
            if let Some(place) = &mut self.place {
                place.rep = Some(cycle);
                place.reps = Some(b.cycles);
            }
            for (len, sound, prompt) in &phases {
                if *len == 0 {
                    continue;
                }
                let tone = self.s.sounds.of(*sound);
                self.push(t, tone, What::Sound(*sound), !first);
                first = false;
                // A prompt only where it and the usual gap fit before the next tone.
                let said = self.s.speech_ms(prompt);
                let at = t + tone + 100;
                if at + said + self.s.gap <= t + len {
                    self.push(at, said, What::Text(prompt.clone()), true);
                }
                t += len;
            }
        }
        self.now = t;
    }

    fn exercise(&mut self, e: &Exercise) {
        let s = self.s;
        let p = &s.phrases;
        let countdown = e.countdown.unwrap_or(s.countdown);
        let halfway = e.halfway.unwrap_or(s.halfway);
        let rest = e.rest.unwrap_or(s.rest);
        let (hold_ms, flow) = match &e.work {
            Work::Hold(h) | Work::Duration(h) => (Some(*h), None),
            Work::Phases(phases) => (None, Some(phases)),
        };
        let seconds = hold_ms.map(|h| h as f64 / 1000.0);

        self.place = Some(Place {
            exercise: e.name.clone(),
            ..Place::default()
        });
        self.speak(format!("{}. {}.", e.name, summary(e, s)));
        if let Some(setup) = &e.setup {
            self.speak(setup.render(&Values {
                reps: Some(e.reps),
                sets: Some(e.sets),
                seconds,
                ..Values::default()
            }));
            self.pause(e.setup_time.unwrap_or(s.setup_time), Quiet::GetReady);
        }

        let blocks: Vec<Vec<(Option<Side>, u32)>> = match (e.sides, e.alternate) {
            (None, _) => vec![(1..=e.reps).map(|r| (None, r)).collect()],
            (Some(sides), false) => sides
                .iter()
                .map(|&side| (1..=e.reps).map(|r| (Some(side), r)).collect())
                .collect(),
            (Some(sides), true) => vec![
                (1..=e.reps)
                    .flat_map(|r| sides.iter().map(move |&side| (Some(side), r)))
                    .collect(),
            ],
        };
        let per_set: usize = blocks.iter().map(Vec::len).sum();
        for set in 1..=e.sets {
            if self.over.is_some() {
                return;
            }
            if e.sets > 1 {
                let set_s = set.to_string();
                let sets_s = e.sets.to_string();
                self.speak(fill(&p.set, &[("set", &set_s), ("sets", &sets_s)]));
            }
            let mut done = 0;
            for (bi, block) in blocks.iter().enumerate() {
                if bi > 0 {
                    // Straight after the last rep's end chime: the rest between reps becomes
                    // time to turn over.
                    self.place = Some(Place {
                        exercise: e.name.clone(),
                        side: block.first().and_then(|(side, _)| side.map(Side::name)),
                        ..Place::default()
                    });
                    self.speak(p.switch_sides.clone());
                    self.pause(s.switch_time.max(rest), Quiet::Switch);
                }
                for (i, &(side, rep)) in block.iter().enumerate() {
                    if self.over.is_some() {
                        return;
                    }
                    let side_word = side.map(|side| match side {
                        Side::Left => p.left.as_str(),
                        Side::Right => p.right.as_str(),
                    });
                    self.place = Some(Place {
                        exercise: e.name.clone(),
                        side: side.map(Side::name),
                        rep: Some(rep),
                        reps: Some(e.reps),
                        set: (e.sets > 1).then_some(set),
                        sets: (e.sets > 1).then_some(e.sets),
                        breathing: false,
                    });
                    let values = Values {
                        side: side_word,
                        rep: Some(rep),
                        reps: Some(e.reps),
                        set: Some(set),
                        sets: Some(e.sets),
                        seconds,
                    };
                    let full_cue =
                        i == 0 || e.alternate || e.cue.as_ref().is_some_and(|c| c.uses(Var::Rep));
                    let mut words = Vec::new();
                    let counted = e.cue.as_ref().is_some_and(|c| c.uses(Var::Rep))
                        || flow.is_some_and(|f| f.iter().any(|ph| ph.say.uses(Var::Rep)));
                    let side_named = e.cue.as_ref().is_some_and(|c| c.uses(Var::Side))
                        || flow.is_some_and(|f| f.iter().any(|ph| ph.say.uses(Var::Side)));
                    if let Some(word) = side_word.filter(|_| !side_named && (i == 0 || e.alternate))
                    {
                        words.push(capitalize(&fill(&p.side, &[("side", word)])));
                    }
                    if e.reps > 1 && !counted {
                        let (r, rs) = (rep.to_string(), e.reps.to_string());
                        let phrase = if flow.is_some() { &p.round } else { &p.rep };
                        words.push(fill(phrase, &[("rep", &r), ("reps", &rs)]));
                    }
                    if let Some(cue) = e.cue.as_ref().filter(|_| full_cue) {
                        words.push(cue.render(&values));
                    }
                    match (&e.work, flow) {
                        (Work::Hold(h), _) => {
                            if words.is_empty() {
                                words.push(fill(&p.hold, &[("duration", &p.duration(*h))]));
                            }
                            self.speak(words.join(" "));
                            self.hold(*h, countdown, halfway);
                        }
                        (Work::Duration(d), _) => {
                            if words.is_empty() {
                                words.push(p.begin.clone());
                            }
                            self.speak(words.join(" "));
                            self.hold(*d, countdown, halfway);
                        }
                        (Work::Phases(_), Some(phases)) => {
                            for (pi, phase) in phases.iter().enumerate() {
                                let said = phase.say.render(&Values {
                                    seconds: Some(phase.hold as f64 / 1000.0),
                                    ..values
                                });
                                if pi == 0 && !words.is_empty() {
                                    words.push(said);
                                    self.speak(words.join(" "));
                                } else {
                                    self.speak(said);
                                }
                                self.position(phase.hold, countdown, halfway);
                            }
                        }
                        (Work::Phases(_), None) => unreachable!("a flow always has phases"),
                    }
                    done += 1;
                    let ends_side = i + 1 == block.len() && bi + 1 < blocks.len();
                    if done < per_set && !ends_side {
                        self.rest_after_hold(rest);
                    }
                }
            }
            if set < e.sets {
                let set_rest = e.set_rest.unwrap_or(s.set_rest);
                let text = fill(&p.set_rest, &[("duration", &p.duration(set_rest))]);
                self.place = Some(Place {
                    exercise: e.name.clone(),
                    ..Place::default()
                });
                self.rest_with(set_rest, text);
            }
        }
    }
}

/// "3 reps on each side, alternating, 20 second holds": what an exercise announces.
fn summary(e: &Exercise, s: &Settings) -> String {
    let p = &s.phrases;
    let reps = e.reps.to_string();
    let sets = e.sets.to_string();
    let mut parts = Vec::new();
    if let Work::Duration(d) = e.work {
        return capitalize(&p.duration(d));
    }
    let count = match (e.sets > 1, e.sides.is_some(), &e.work) {
        (true, _, _) => fill(&p.sets, &[("sets", &sets), ("reps", &reps)]),
        (false, _, Work::Phases(_)) => fill(&p.rounds, &[("reps", &reps)]),
        _ if e.reps == 1 => p.one_rep.clone(),
        _ => fill(&p.reps, &[("reps", &reps)]),
    };
    let count = if e.sides.is_some() {
        fill(&p.each_side, &[("reps", &count)])
    } else {
        count
    };
    // "1 reps" reads badly: a single rep without sides or sets is announced by its hold alone.
    if e.reps > 1 || e.sets > 1 || e.sides.is_some() {
        parts.push(count);
    }
    if e.alternate {
        parts.push(p.alternating.clone());
    }
    if let Work::Hold(h) = e.work {
        parts.push(fill(
            &p.holds,
            &[("seconds", &format_seconds(h as f64 / 1000.0))],
        ));
    }
    capitalize(&parts.join(", "))
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl Cue {
    /// A short label for the plan: `speak`, `chime`, `tone`, `tick`, `hold`, `rest`...
    pub fn label(&self) -> &'static str {
        match (&self.kind, &self.what) {
            (_, What::Quiet(q)) => q.label(),
            (CueKind::Speech, _) => "speak",
            (CueKind::Chime, _) => "chime",
            (CueKind::Breath, _) => "tone",
            (CueKind::Tick, _) => "tick",
            (CueKind::Silence, _) => "quiet",
        }
    }

    /// The words, sound name or silence length, as the plan shows it.
    pub fn detail(&self) -> String {
        match &self.what {
            What::Text(t) => t.clone(),
            What::Sound(s) => s.name().replace('_', " "),
            What::Quiet(_) => format!("{} s", format_seconds(self.duration as f64 / 1000.0)),
        }
    }
}

impl fmt::Display for Timeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.routine)?;
        let mut step = None;
        for cue in &self.cues {
            if cue.step != step {
                step = cue.step;
                match step.and_then(|n| self.steps.iter().find(|s| s.step == n)) {
                    Some(span) => writeln!(f, "\n       step {}: {}", span.step, span.title)?,
                    None => writeln!(f)?,
                }
            }
            writeln!(f, "{}  {:<9} {}", clock(cue.at), cue.label(), cue.detail())?;
        }
        write!(
            f,
            "\nTotal {} ({} s), {}",
            clock(self.total),
            format_seconds(self.total as f64 / 1000.0),
            crate::report::words::count(self.steps.len(), "step", "steps")
        )
    }
}

/// The `--json` form of a plan.
#[derive(Debug, Serialize)]
pub struct PlanJson<'a> {
    pub routine: &'a str,
    pub total_seconds: f64,
    pub steps: Vec<StepJson<'a>>,
    pub cues: Vec<CueJson<'a>>,
}

#[derive(Debug, Serialize)]
pub struct StepJson<'a> {
    pub step: usize,
    pub title: &'a str,
    pub at: f64,
    pub seconds: f64,
}

#[derive(Debug, Serialize)]
pub struct CueJson<'a> {
    pub at: f64,
    pub kind: CueKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sound: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub silence: Option<Quiet>,
    pub seconds: f64,
    pub step: Option<usize>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub place: Option<&'a Place>,
}

fn secs(ms: Ms) -> f64 {
    ms as f64 / 1000.0
}

impl Timeline {
    pub fn to_json(&self) -> PlanJson<'_> {
        PlanJson {
            routine: &self.routine,
            total_seconds: secs(self.total),
            steps: self
                .steps
                .iter()
                .map(|s| StepJson {
                    step: s.step,
                    title: &s.title,
                    at: secs(s.start),
                    seconds: secs(s.end - s.start),
                })
                .collect(),
            cues: self
                .cues
                .iter()
                .map(|c| CueJson {
                    at: secs(c.at),
                    kind: c.kind,
                    text: match &c.what {
                        What::Text(t) => Some(t),
                        _ => None,
                    },
                    sound: match &c.what {
                        What::Sound(s) => Some(s.name()),
                        _ => None,
                    },
                    silence: match &c.what {
                        What::Quiet(q) => Some(*q),
                        _ => None,
                    },
                    seconds: secs(c.duration),
                    step: c.step,
                    place: c.place.as_ref(),
                })
                .collect(),
        }
    }
}
