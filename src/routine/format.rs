//! The routine format, described once.
//!
//! Every object a routine file may contain, every key it may have, the type and the limits of each
//! value, and the words that explain it. The validator reads these tables to check keys, types and
//! ranges (and to suggest "did you mean"), and the JSON Schema is generated from the same tables,
//! so the two cannot disagree.

/// What a value must be.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// Plain text, not spoken with placeholders (names, descriptions).
    Text {
        max_chars: usize,
    },
    /// Spoken text that may contain placeholders such as `{side}`.
    Template,
    /// A number of seconds (fractions allowed, kept to the millisecond).
    Seconds {
        min: f64,
        max: f64,
    },
    /// A whole number.
    Count {
        min: u32,
        max: u32,
    },
    Flag,
    /// `["left", "right"]` or `["right", "left"]`.
    Sides,
    /// A list of plain texts.
    TextList {
        max_items: usize,
    },
    /// A program's arguments: any texts, in order, perhaps none.
    Arguments {
        max_items: usize,
    },
    /// One of a few words.
    Choice(&'static [&'static str]),
    /// Text that may be empty, which means "the default" (a voice name, a sound file).
    OptionalText {
        max_chars: usize,
    },
    /// A number in a range, such as a volume from 0 to 1.
    Number {
        min: f64,
        max: f64,
    },
    Object(&'static Shape),
    /// A list of objects of one shape, or of steps when the shape is [`STEP`].
    List(&'static Shape, usize),
}

#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub doc: &'static str,
}

#[derive(Debug)]
pub struct Shape {
    /// How the object is called in messages ("exercise step", "phase").
    pub name: &'static str,
    pub doc: &'static str,
    pub fields: &'static [Field],
    pub required: &'static [&'static str],
    /// Keys of which exactly one must be present.
    pub one_of: &'static [&'static str],
}

impl Shape {
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// The longest spoken text in one field. A cue is a sentence or two; a page is a mistake.
pub const MAX_SPOKEN_CHARS: usize = 600;
/// The longest a whole session may be once planned.
pub const MAX_SESSION_SECONDS: u64 = 4 * 60 * 60;

pub(crate) const fn f(name: &'static str, kind: Kind, doc: &'static str) -> Field {
    Field { name, kind, doc }
}

pub static ROUTINE: Shape = Shape {
    name: "routine",
    doc: "A limber routine: what to say and do, step by step. `limber show ROUTINE` prints a built-in one, `limber new NAME --from ROUTINE` copies one to change, and `limber check FILE` checks one.",
    fields: &[
        f(
            "$schema",
            Kind::Text { max_chars: 1000 },
            "Where an editor finds the JSON Schema for routines; limber ignores it.",
        ),
        f(
            "name",
            Kind::Text { max_chars: 80 },
            "The routine's title, spoken when the session starts.",
        ),
        f(
            "description",
            Kind::Text { max_chars: 1000 },
            "What the routine is for; shown by `limber list`.",
        ),
        f(
            "defaults",
            Kind::Object(&DEFAULTS),
            "Values for every exercise that does not set them itself.",
        ),
        f(
            "steps",
            Kind::List(&STEP, 500),
            "The steps, in order. Each is one of: say, rest, breathe, exercise.",
        ),
    ],
    required: &["name", "steps"],
    one_of: &[],
};

pub static DEFAULTS: Shape = Shape {
    name: "defaults",
    doc: "Values for every exercise that does not set them itself.",
    fields: &[
        f("rest", REST, "Seconds of rest between reps."),
        f("set_rest", REST, "Seconds of rest between sets."),
        f(
            "countdown",
            COUNTDOWN,
            "Count aloud the last N seconds of each hold (0 turns it off).",
        ),
        f(
            "halfway",
            Kind::Flag,
            "Say \"halfway\" in holds of 20 seconds or more.",
        ),
        f(
            "setup_time",
            SETUP_TIME,
            "Seconds of quiet after an exercise's setup, to get into position.",
        ),
    ],
    required: &[],
    one_of: &[],
};

pub(crate) const REST: Kind = Kind::Seconds {
    min: 0.0,
    max: 600.0,
};
pub(crate) const COUNTDOWN: Kind = Kind::Count { min: 0, max: 10 };
pub(crate) const SETUP_TIME: Kind = Kind::Seconds {
    min: 0.0,
    max: 120.0,
};
const HOLD: Kind = Kind::Seconds {
    min: 1.0,
    max: 600.0,
};

/// Not an object of its own: a step is one of the four kinds below. The validator picks the kind by
/// its key (`exercise`, `breathe`, `rest`, `say`, in that order); the schema lists them as `oneOf`.
pub static STEP: Shape = Shape {
    name: "step",
    doc: "One step of a routine: a say, rest, breathe or exercise step.",
    fields: &[],
    required: &[],
    one_of: &[],
};

/// The step kinds, each with the key that marks it.
pub static STEP_KINDS: [(&str, &Shape); 4] = [
    ("exercise", &EXERCISE_STEP),
    ("breathe", &BREATHE_STEP),
    ("rest", &REST_STEP),
    ("say", &SAY_STEP),
];

pub static SAY_STEP: Shape = Shape {
    name: "say step",
    doc: "Speak a line.",
    fields: &[f("say", Kind::Template, "The words to speak.")],
    required: &["say"],
    one_of: &[],
};

pub static REST_STEP: Shape = Shape {
    name: "rest step",
    doc: "A timed pause, optionally with a line spoken at its start.",
    fields: &[
        f(
            "rest",
            Kind::Seconds {
                min: 1.0,
                max: 600.0,
            },
            "How long the rest lasts, in seconds.",
        ),
        f(
            "say",
            Kind::Template,
            "Spoken as the rest begins; {seconds} is the rest's length. Without it limber says how long the rest is.",
        ),
    ],
    required: &["rest"],
    one_of: &[],
};

pub static BREATHE_STEP: Shape = Shape {
    name: "breathe step",
    doc: "Paced breathing, guided by voice and breath tones.",
    fields: &[
        f(
            "breathe",
            Kind::Object(&BREATHING),
            "The breathing pattern.",
        ),
        f(
            "say",
            Kind::Template,
            "An extra instruction, spoken after the introduction.",
        ),
    ],
    required: &["breathe"],
    one_of: &[],
};

pub static BREATHING: Shape = Shape {
    name: "breathing pattern",
    doc: "Seconds for each phase of one breath; phases of 0 are skipped.",
    fields: &[
        f(
            "name",
            Kind::Text { max_chars: 80 },
            "What to call this breathing, spoken first (for example \"Box breathing\").",
        ),
        f(
            "cycles",
            Kind::Count { min: 1, max: 100 },
            "How many breaths.",
        ),
        f("inhale", BREATH, "Seconds breathing in."),
        f(
            "hold",
            BREATH_HOLD,
            "Seconds holding the breath in (0 to skip).",
        ),
        f("exhale", BREATH, "Seconds breathing out."),
        f(
            "hold_out",
            BREATH_HOLD,
            "Seconds resting with lungs empty (0 to skip).",
        ),
    ],
    required: &["cycles", "inhale", "exhale"],
    one_of: &[],
};

const BREATH: Kind = Kind::Seconds {
    min: 1.0,
    max: 60.0,
};
const BREATH_HOLD: Kind = Kind::Seconds {
    min: 0.0,
    max: 60.0,
};

pub static EXERCISE_STEP: Shape = Shape {
    name: "exercise step",
    doc: "An exercise: held reps (hold), a flow of positions (phases), or one timed activity (duration).",
    fields: &[
        f(
            "exercise",
            Kind::Text { max_chars: 80 },
            "The exercise's name, spoken to announce it.",
        ),
        f(
            "setup",
            Kind::Template,
            "How to get into the starting position; spoken once.",
        ),
        f(
            "cue",
            Kind::Template,
            "What to do in each rep, spoken before it. May use {side}, {rep}, {reps}, {set}, {sets}, {seconds}.",
        ),
        f(
            "sides",
            Kind::Sides,
            "Do the exercise on both sides: [\"left\", \"right\"] or [\"right\", \"left\"].",
        ),
        f(
            "alternate",
            Kind::Flag,
            "Alternate sides every rep instead of doing all reps on one side first.",
        ),
        f(
            "reps",
            Kind::Count { min: 1, max: 100 },
            "Reps per side (or in all, without sides). Default 1.",
        ),
        f(
            "hold",
            HOLD,
            "Seconds to hold each rep, between the start and end chimes.",
        ),
        f("rest", REST, "Seconds of rest between reps."),
        f(
            "sets",
            Kind::Count { min: 1, max: 20 },
            "How many times to do all the reps. Default 1.",
        ),
        f("set_rest", REST, "Seconds of rest between sets."),
        f(
            "phases",
            Kind::List(&PHASE, 20),
            "A flow: each rep moves through these positions, each held for its seconds.",
        ),
        f(
            "duration",
            Kind::Seconds {
                min: 1.0,
                max: 3600.0,
            },
            "One timed activity (such as a walk), in seconds, instead of reps.",
        ),
        f(
            "countdown",
            COUNTDOWN,
            "Count aloud the last N seconds of each hold (0 turns it off).",
        ),
        f(
            "halfway",
            Kind::Flag,
            "Say \"halfway\" in holds of 20 seconds or more.",
        ),
        f(
            "setup_time",
            SETUP_TIME,
            "Seconds of quiet after the setup, to get into position.",
        ),
        f(
            "progress",
            Kind::Object(&PROGRESS),
            "How the exercise grows from session to session: its hold and reps a step at a time, up to a maximum, after good sessions; a session rated \"pain\" moves it back a step.",
        ),
    ],
    required: &["exercise"],
    one_of: &["hold", "phases", "duration"],
};

pub static PHASE: Shape = Shape {
    name: "phase",
    doc: "One position in a flow: spoken, then held.",
    fields: &[
        f("say", Kind::Template, "What to do in this position."),
        f("hold", HOLD, "Seconds to stay in this position."),
    ],
    required: &["say", "hold"],
    one_of: &[],
};

pub static PROGRESS: Shape = Shape {
    name: "progress",
    doc: "How an exercise grows: at least one of hold and reps, and after how many good sessions. `limber show core-strength` has examples; `limber plan ROUTINE` shows each exercise's level.",
    fields: &[
        f(
            "hold",
            Kind::Object(&GROW_HOLD),
            "The hold (or a duration) grows by step seconds a level, up to max.",
        ),
        f(
            "reps",
            Kind::Object(&GROW_REPS),
            "The reps grow by step a level, up to max.",
        ),
        f(
            "after",
            Kind::Count { min: 1, max: 20 },
            "Good sessions in a row (rated easy or fine, or finished and not rated) that move it up a level. Default 2.",
        ),
    ],
    required: &[],
    one_of: &[],
};

pub static GROW_HOLD: Shape = Shape {
    name: "hold progression",
    doc: "Seconds added to the hold each level, and the longest it may grow to.",
    fields: &[
        f(
            "step",
            Kind::Seconds {
                min: 1.0,
                max: 600.0,
            },
            "Seconds added each level.",
        ),
        f(
            "max",
            Kind::Seconds {
                min: 1.0,
                max: 3600.0,
            },
            "The longest the hold may grow to, in seconds: at least the exercise's own hold.",
        ),
    ],
    required: &["step", "max"],
    one_of: &[],
};

pub static GROW_REPS: Shape = Shape {
    name: "reps progression",
    doc: "Reps added each level, and the most there may be.",
    fields: &[
        f(
            "step",
            Kind::Count { min: 1, max: 100 },
            "Reps added each level.",
        ),
        f(
            "max",
            Kind::Count { min: 1, max: 100 },
            "The most reps there may be: at least the exercise's own reps.",
        ),
    ],
    required: &["step", "max"],
    one_of: &[],
};

/// Every shape that is a JSON object with keys, for the schema and its sync test.
pub static OBJECT_SHAPES: [&Shape; 11] = [
    &ROUTINE,
    &DEFAULTS,
    &SAY_STEP,
    &REST_STEP,
    &BREATHE_STEP,
    &BREATHING,
    &EXERCISE_STEP,
    &PHASE,
    &PROGRESS,
    &GROW_HOLD,
    &GROW_REPS,
];
