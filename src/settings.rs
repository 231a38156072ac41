//! What the timeline needs besides the routine: the coach's own words, how fast it speaks, how
//! long its sounds last, and the defaults for values a routine leaves open.
//!
//! Every phrase is a template so that a configuration can coach in another language.

use crate::routine::Ms;

#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Speaking rate used to estimate how long speech lasts, until a real voice measures it.
    pub words_per_minute: f64,
    /// Quiet after each spoken line before the next cue.
    pub gap: Ms,
    /// Quiet after "switch sides", to turn over.
    pub switch_time: Ms,
    pub rest: Ms,
    pub set_rest: Ms,
    pub setup_time: Ms,
    pub countdown: u32,
    pub halfway: bool,
    pub sounds: SoundLengths,
    pub phrases: Phrases,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            words_per_minute: 160.0,
            gap: 500,
            switch_time: 3000,
            rest: 5000,
            set_rest: 30_000,
            setup_time: 5000,
            countdown: 3,
            halfway: true,
            sounds: SoundLengths::default(),
            phrases: Phrases::default(),
        }
    }
}

/// The sounds limber plays besides speech.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Sound {
    HoldStart,
    HoldEnd,
    BreatheIn,
    BreatheOut,
    Tick,
    Finish,
}

impl Sound {
    pub const ALL: [Sound; 6] = [
        Sound::HoldStart,
        Sound::HoldEnd,
        Sound::BreatheIn,
        Sound::BreatheOut,
        Sound::Tick,
        Sound::Finish,
    ];

    /// The name used in plans, the configuration and file names.
    pub fn name(self) -> &'static str {
        match self {
            Sound::HoldStart => "hold_start",
            Sound::HoldEnd => "hold_end",
            Sound::BreatheIn => "breathe_in",
            Sound::BreatheOut => "breathe_out",
            Sound::Tick => "tick",
            Sound::Finish => "finish",
        }
    }
}

/// How long each sound lasts, so that nothing is scheduled on top of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SoundLengths {
    pub hold_start: Ms,
    pub hold_end: Ms,
    pub breathe_in: Ms,
    pub breathe_out: Ms,
    pub tick: Ms,
    pub finish: Ms,
}

impl Default for SoundLengths {
    fn default() -> Self {
        SoundLengths {
            hold_start: 700,
            hold_end: 700,
            breathe_in: 600,
            breathe_out: 600,
            tick: 120,
            finish: 1800,
        }
    }
}

impl SoundLengths {
    pub fn of(&self, sound: Sound) -> Ms {
        match sound {
            Sound::HoldStart => self.hold_start,
            Sound::HoldEnd => self.hold_end,
            Sound::BreatheIn => self.breathe_in,
            Sound::BreatheOut => self.breathe_out,
            Sound::Tick => self.tick,
            Sound::Finish => self.finish,
        }
    }
}

/// The coach's own words. `{n}`, `{seconds}`, `{rep}`... are filled in where they are spoken.
#[derive(Debug, Clone, PartialEq)]
pub struct Phrases {
    pub start: String,
    pub finish: String,
    pub switch_sides: String,
    pub halfway: String,
    pub minutes_left: String,
    pub one_minute_left: String,
    pub seconds_left: String,
    pub rep: String,
    pub set: String,
    pub set_rest: String,
    pub rest: String,
    pub hold: String,
    pub begin: String,
    pub each_side: String,
    pub reps: String,
    pub one_rep: String,
    pub sets: String,
    pub alternating: String,
    pub holds: String,
    pub rounds: String,
    pub minutes: String,
    pub seconds: String,
    pub breathing: String,
    pub breaths: String,
    pub breathe_in_for: String,
    pub hold_for: String,
    pub breathe_out_for: String,
    pub breathe_in: String,
    pub breathe_hold: String,
    pub breathe_out: String,
    pub left: String,
    pub right: String,
    /// Spoken numbers for the countdown, from one upwards.
    pub numbers: Vec<String>,
}

impl Default for Phrases {
    fn default() -> Self {
        let s = |t: &str| t.to_string();
        Phrases {
            start: s("Starting {name}."),
            finish: s("Session complete. Well done."),
            switch_sides: s("Switch sides."),
            halfway: s("Halfway."),
            minutes_left: s("{n} minutes left."),
            one_minute_left: s("One minute left."),
            seconds_left: s("{n} seconds left."),
            rep: s("Rep {rep} of {reps}."),
            set: s("Set {set} of {sets}."),
            set_rest: s("Rest for {seconds} seconds before the next set."),
            rest: s("Rest for {seconds} seconds."),
            hold: s("Hold for {seconds} seconds."),
            begin: s("Begin now."),
            each_side: s("{reps} on each side"),
            reps: s("{reps} reps"),
            one_rep: s("1 rep"),
            sets: s("{sets} sets of {reps}"),
            alternating: s("alternating"),
            holds: s("{seconds} second holds"),
            rounds: s("{reps} rounds"),
            minutes: s("{n} minutes"),
            seconds: s("{n} seconds"),
            breathing: s("Paced breathing"),
            breaths: s("{n} breaths"),
            breathe_in_for: s("in for {n}"),
            hold_for: s("hold for {n}"),
            breathe_out_for: s("out for {n}"),
            breathe_in: s("Breathe in."),
            breathe_hold: s("Hold."),
            breathe_out: s("Breathe out."),
            left: s("left"),
            right: s("right"),
            numbers: [
                "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten",
            ]
            .map(String::from)
            .to_vec(),
        }
    }
}

/// Fills `{key}` placeholders in a phrase. Phrases come from the configuration, not from
/// routines, so an unknown placeholder is left as written rather than failing a session.
pub fn fill(phrase: &str, values: &[(&str, &str)]) -> String {
    let mut out = phrase.to_string();
    for (key, value) in values {
        out = out.replace(&format!("{{{key}}}"), value);
    }
    out
}
