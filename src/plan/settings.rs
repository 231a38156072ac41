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
    /// The real lengths of lines the voice has already made (from the speech cache); any other
    /// line's length is estimated from the speaking rate.
    pub spoken: std::collections::HashMap<String, Ms>,
    /// The last session of this routine was rated "pain" and its exercises came down a level:
    /// the session opens by saying that they are a step easier, with the advice to see a
    /// clinician if the pain goes on.
    pub eased: bool,
    /// The last session of this routine was rated "pain": without `eased` (nothing could be made
    /// easier, every exercise being at level 1 or without a progression) the session opens with
    /// the advice alone, never saying that the exercises are easier when they are not.
    pub hurt: bool,
}

impl Settings {
    /// How long `text` takes to say: its real length when known, else an estimate.
    pub fn speech_ms(&self, text: &str) -> Ms {
        self.spoken
            .get(text)
            .copied()
            .unwrap_or_else(|| crate::plan::timeline::speech_ms(text, self.words_per_minute))
    }
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
            spoken: Default::default(),
            eased: false,
            hurt: false,
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

macro_rules! phrases {
    ($($field:ident: $default:literal, [$($var:literal),*], $doc:literal;)*) => {
        /// The coach's own words. Placeholders such as `{n}` are filled in where they are spoken.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Phrases {
            $(pub $field: String,)*
            /// Spoken numbers for the countdown, from one upwards.
            pub numbers: Vec<String>,
        }

        impl Default for Phrases {
            fn default() -> Self {
                Phrases {
                    $($field: $default.to_string(),)*
                    numbers: ["One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten"]
                        .map(String::from)
                        .to_vec(),
                }
            }
        }

        impl Phrases {
            /// Every phrase: its name, the placeholders it may use, and what it is for.
            pub const TABLE: &[(&str, &[&str], &str)] = &[$((stringify!($field), &[$($var),*], $doc)),*];

            /// A phrase by name.
            pub fn get(&self, name: &str) -> Option<&str> {
                match name {
                    $(stringify!($field) => Some(&self.$field),)*
                    _ => None,
                }
            }

            /// Sets a phrase by name; false when there is no phrase of that name.
            pub fn set(&mut self, name: &str, value: String) -> bool {
                match name {
                    $(stringify!($field) => self.$field = value,)*
                    _ => return false,
                }
                true
            }
        }

        /// The phrases as fields of the configuration format.
        pub static PHRASE_FIELDS: &[crate::routine::format::Field] = &[
            $(crate::routine::format::Field {
                name: stringify!($field),
                kind: crate::routine::format::Kind::Text { max_chars: 300 },
                doc: $doc,
            },)*
            crate::routine::format::Field {
                name: "numbers",
                kind: crate::routine::format::Kind::TextList { max_items: 10 },
                doc: "The countdown's numbers, all ten, from one up to ten.",
            },
        ];
    };
}

phrases! {
    start: "Starting {name}.", ["name"], "Said first; {name} is the routine's name.";
    eased: "Last time it hurt, so today the exercises are a step easier. Stop if anything hurts, and if the pain goes on, see a doctor or physiotherapist.", [], "Said after the opening words when the last session of the routine was rated pain and its exercises came down a level.";
    hurt: "Last time it hurt. Go gently today: stop if anything hurts, and if the pain goes on, see a doctor or physiotherapist.", [], "Said after the opening words instead when the last session was rated pain but nothing could be made easier (no exercise above level 1).";
    ask: "How did that feel? Press 1 for easy, 2 for fine, 3 for hard, or 4 if it hurt.", [], "Asked when a session ends, if the configuration's history.ask says so.";
    noted: "Noted: {rating}.", ["rating"], "The answer to the question, said back; {rating} is easy, fine or hard.";
    noted_pain: "Noted. Next time, exercises that can ease off will. If the pain goes on, stop, and see a doctor or physiotherapist.", [], "Said back when the answer is that it hurt.";
    bells: "A high bell starts each hold, and a lower bell ends it.", [], "Said after the opening words of a routine with holds.";
    finish: "Session complete: {exercises} in about {duration}. Well done.", ["exercises", "duration"], "Said at the end, before the closing chime.";
    finish_short: "Session complete. Well done.", [], "Said at the end of a part with no exercises, before the closing chime.";
    exercises: "{n} exercises", ["n"], "How many exercises were done, in the closing words.";
    one_exercise: "1 exercise", [], "One exercise done, in the closing words.";
    switch_sides: "Switch sides.", [], "Said between the sides of an exercise.";
    halfway: "Halfway.", [], "Said halfway through a hold of 20 seconds or more.";
    minutes_left: "{n} minutes left.", ["n"], "Said at each whole minute left in a long hold.";
    one_minute_left: "One minute left.", [], "Said with one minute left in a long hold.";
    seconds_left: "{n} seconds left.", ["n"], "Said with 30 and 10 seconds left in a long hold.";
    rep: "Rep {rep} of {reps}.", ["rep", "reps"], "Said before each rep.";
    set: "Set {set} of {sets}.", ["set", "sets"], "Said before each set.";
    set_rest: "Rest for {duration} before the next set.", ["duration"], "Said as the rest between sets begins; {duration} is spoken like \"30 seconds\".";
    rest: "Rest for {duration}.", ["duration"], "Said by a rest step that has no words of its own.";
    hold: "Hold for {duration}.", ["duration"], "Starts a single rep that has no cue.";
    side: "{side} side.", ["side"], "Names the side before a rep whose cue does not.";
    round: "Round {rep} of {reps}.", ["rep", "reps"], "Said before each round of a flow.";
    begin: "Begin now.", [], "Starts a timed activity that has no cue.";
    each_side: "{reps} on each side", ["reps"], "Announcing an exercise: its reps on each side.";
    reps: "{reps} reps", ["reps"], "Announcing an exercise: its number of reps.";
    one_rep: "1 rep", [], "Announcing an exercise of a single rep.";
    sets: "{sets} sets of {reps}", ["sets", "reps"], "Announcing an exercise done in sets.";
    alternating: "alternating", [], "Announcing an exercise whose sides alternate.";
    holds: "{seconds} second holds", ["seconds"], "Announcing an exercise: how long each hold is.";
    rounds: "{reps} rounds", ["reps"], "Announcing a flow: how many rounds.";
    one_second: "1 second", [], "A length of one second.";
    seconds: "{n} seconds", ["n"], "A length in seconds.";
    one_minute: "1 minute", [], "A length of one minute.";
    minutes: "{n} minutes", ["n"], "A length in whole minutes.";
    breathing: "Paced breathing", [], "The name of a breathing step that has none.";
    breaths: "{n} breaths", ["n"], "Introducing breathing: how many breaths.";
    one_breath: "1 breath", [], "Introducing breathing of a single breath.";
    breathe_in_for: "in for {n}", ["n"], "Introducing breathing: the in-breath.";
    hold_for: "hold for {n}", ["n"], "Introducing breathing: a held breath.";
    breathe_out_for: "out for {n}", ["n"], "Introducing breathing: the out-breath.";
    breathe_in: "Breathe in.", [], "Prompt as each in-breath starts.";
    breathe_hold: "Hold.", [], "Prompt as each held breath starts.";
    breathe_out: "Breathe out.", [], "Prompt as each out-breath starts.";
    left: "left", [], "The word for the left side, as {side} speaks it.";
    right: "right", [], "The word for the right side, as {side} speaks it.";
}

impl Phrases {
    /// A length as spoken: "1 second", "45 seconds", "2 minutes".
    pub fn duration(&self, ms: Ms) -> String {
        match ms {
            1000 => self.one_second.clone(),
            60_000 => self.one_minute.clone(),
            _ if ms % 60_000 == 0 => fill(&self.minutes, &[("n", &(ms / 60_000).to_string())]),
            _ => fill(
                &self.seconds,
                &[(
                    "n",
                    &crate::routine::template::format_seconds(ms as f64 / 1000.0),
                )],
            ),
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
