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

const fn f(name: &'static str, kind: Kind, doc: &'static str) -> Field {
    Field { name, kind, doc }
}

pub static ROUTINE: Shape = Shape {
    name: "routine",
    doc: "A limber routine: what to say and do, step by step. See docs/routines.md.",
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

const REST: Kind = Kind::Seconds {
    min: 0.0,
    max: 600.0,
};
const COUNTDOWN: Kind = Kind::Count { min: 0, max: 10 };
const SETUP_TIME: Kind = Kind::Seconds {
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

/// Every shape that is a JSON object with keys, for the schema and its sync test.
pub static OBJECT_SHAPES: [&Shape; 8] = [
    &ROUTINE,
    &DEFAULTS,
    &SAY_STEP,
    &REST_STEP,
    &BREATHE_STEP,
    &BREATHING,
    &EXERCISE_STEP,
    &PHASE,
];

/// The configuration file: settings for every session. See `config.example.json`.
pub static CONFIG: Shape = Shape {
    name: "configuration",
    doc: "limber's configuration. Every key is optional. See config.example.json.",
    fields: &[
        f(
            "$schema",
            Kind::Text { max_chars: 1000 },
            "Where an editor finds the JSON Schema for this file; limber ignores it.",
        ),
        f(
            "routines",
            Kind::Text { max_chars: 4096 },
            "The folder of your own routines: a leading ~ is your home folder, and a relative path is relative to this file's folder.",
        ),
        f("voice", Kind::Object(&VOICE), "How limber speaks."),
        f("sounds", Kind::Object(&SOUNDS), "The chimes and tones."),
        f(
            "speech_cache",
            Kind::Object(&SPEECH_CACHE),
            "Where spoken lines are kept, so later sessions start at once and plan exactly.",
        ),
        f(
            "captions",
            Kind::Choice(&["auto", "on", "off"]),
            "Write each cue as it is spoken: \"on\", \"off\", or \"auto\" (on when the output is a terminal).",
        ),
        f(
            "rest",
            REST,
            "Seconds of rest between reps, for exercises and routines that do not say.",
        ),
        f(
            "set_rest",
            REST,
            "Seconds of rest between sets, for exercises and routines that do not say.",
        ),
        f(
            "countdown",
            COUNTDOWN,
            "Count aloud the last N seconds of each hold, unless a routine says otherwise (0 turns it off).",
        ),
        f(
            "halfway",
            Kind::Flag,
            "Say \"halfway\" in holds of 20 seconds or more, unless a routine says otherwise.",
        ),
        f(
            "setup_time",
            SETUP_TIME,
            "Seconds of quiet after an exercise's setup, unless a routine says otherwise.",
        ),
        f(
            "switch_time",
            Kind::Seconds {
                min: 0.0,
                max: 30.0,
            },
            "Seconds of quiet after \"switch sides\", to turn over.",
        ),
        f(
            "phrases",
            Kind::Object(&PHRASES),
            "The coach's own words, to change them or coach in another language.",
        ),
        f(
            "audio",
            Kind::Object(&AUDIO),
            "Which audio output, and keeping it awake.",
        ),
        f(
            "controls",
            Kind::Object(&CONTROLS),
            "Pausing, and a program to tell about the session's events.",
        ),
    ],
    required: &[],
    one_of: &[],
};

pub static AUDIO: Shape = Shape {
    name: "audio",
    doc: "Which audio output, and keeping it awake.",
    fields: &[
        f(
            "device",
            Kind::OptionalText { max_chars: 300 },
            "An audio output by name, from `limber devices`; empty for the default. --device overrides it.",
        ),
        f(
            "lead_in",
            Kind::Seconds {
                min: 0.0,
                max: 10.0,
            },
            "Seconds of near-silent sound before the first cue, to wake an output that sleeps (Bluetooth speakers).",
        ),
        f(
            "keep_alive",
            Kind::Flag,
            "Keep an inaudible tone playing while the session runs, so an output that sleeps in silence does not clip the next cue.",
        ),
    ],
    required: &[],
    one_of: &[],
};

pub static CONTROLS: Shape = Shape {
    name: "controls",
    doc: "Pausing, and a program to tell about the session's events.",
    fields: &[
        f(
            "resume",
            Kind::Choice(&["continue", "restart_rep"]),
            "After a pause: \"continue\" the interrupted hold with the time it had left, or \"restart_rep\" from its first cue.",
        ),
        f(
            "on_event",
            Kind::OptionalText { max_chars: 4096 },
            "A program to run at each event (session_start, step_start, hold_start, hold_end, pause, resume, finish, stop), with the event and its details as arguments and LIMBER_* variables; never through a shell. Empty for none; --on-event overrides it.",
        ),
    ],
    required: &[],
    one_of: &[],
};

/// The speech engines `voice.engine` and `--voice` accept.
pub const ENGINES: &[&str] = &[
    "auto",
    "espeak-ng",
    "piper",
    "pico2wave",
    "command",
    "system",
    "none",
];

pub static VOICE: Shape = Shape {
    name: "voice",
    doc: "How limber speaks.",
    fields: &[
        f(
            "engine",
            Kind::Choice(ENGINES),
            "\"auto\" (the default: Piper when it and a voice are installed, else espeak-ng), \"espeak-ng\", \"piper\" (a voice from `limber voices piper`, or \"model\"), \"pico2wave\", \"command\" (your own program: set \"program\" and \"arguments\"), \"system\" (speech-dispatcher, which cannot be prepared ahead or rendered), or \"none\" for chimes only.",
        ),
        f(
            "rate",
            Kind::Count { min: 80, max: 400 },
            "Speaking rate in words per minute (about 160 is natural).",
        ),
        f(
            "pitch",
            Kind::Count { min: 0, max: 99 },
            "Pitch from 0 to 99; 50 is the voice's own.",
        ),
        f("volume", VOLUME, "Loudness of the voice, from 0 to 1."),
        f(
            "name",
            Kind::OptionalText { max_chars: 100 },
            "A voice by name, from `limber voices`; empty for the engine's own. For pico2wave, a language such as \"en-GB\".",
        ),
        f(
            "program",
            Kind::OptionalText { max_chars: 4096 },
            "The text-to-speech program to run: required for \"command\"; for the others, where it is if not on the PATH. A leading ~ is your home folder.",
        ),
        f(
            "arguments",
            Kind::Arguments { max_items: 64 },
            "For \"command\", the program's arguments; for the others, arguments added after their own. Placeholders: {text}, {output} (the WAV file to write), {rate}, {pitch}, {voice}, {model}. Without {text} the words go to standard input; without {output} the WAV is read from standard output.",
        ),
        f(
            "model",
            Kind::OptionalText { max_chars: 4096 },
            "A Piper voice model (the .onnx file, with its .onnx.json beside it), for a voice outside ~/.local/share/limber/voices. A relative path is relative to this file's folder.",
        ),
        f(
            "timeout",
            Kind::Seconds {
                min: 1.0,
                max: 300.0,
            },
            "Seconds one line may take to make before the engine is given up (30 unless set).",
        ),
    ],
    required: &[],
    one_of: &[],
};

pub static SPEECH_CACHE: Shape = Shape {
    name: "speech_cache",
    doc: "Where spoken lines are kept, so later sessions start at once and plan exactly.",
    fields: &[
        f(
            "folder",
            Kind::OptionalText { max_chars: 4096 },
            "The cache folder; empty for the usual one (~/.cache/limber/speech). A relative path is relative to this file's folder.",
        ),
        f(
            "max_megabytes",
            Kind::Count {
                min: 1,
                max: 100_000,
            },
            "The most space the cache may take; the lines used least recently go first (200 unless set).",
        ),
    ],
    required: &[],
    one_of: &[],
};

const VOLUME: Kind = Kind::Number { min: 0.0, max: 1.0 };
const SOUND_FILE: Kind = Kind::OptionalText { max_chars: 4096 };

pub static SOUNDS: Shape = Shape {
    name: "sounds",
    doc: "The chimes and tones: how loud, and your own WAV files in place of the built-in ones.",
    fields: &[
        f(
            "volume",
            VOLUME,
            "Loudness of chimes and tones, from 0 to 1.",
        ),
        f(
            "hold_start",
            SOUND_FILE,
            "A WAV file to play when a hold starts; empty for the built-in sound. A relative path is relative to this file.",
        ),
        f(
            "hold_end",
            SOUND_FILE,
            "A WAV file to play when a hold ends; empty for the built-in sound. A relative path is relative to this file.",
        ),
        f(
            "breathe_in",
            SOUND_FILE,
            "A WAV file to play as each in-breath starts; empty for the built-in sound. A relative path is relative to this file.",
        ),
        f(
            "breathe_out",
            SOUND_FILE,
            "A WAV file to play as each out-breath starts; empty for the built-in sound. A relative path is relative to this file.",
        ),
        f(
            "tick",
            SOUND_FILE,
            "A WAV file to mark each position of a flow and each held breath; empty for the built-in sound.",
        ),
        f(
            "finish",
            SOUND_FILE,
            "A WAV file to play when the session ends; empty for the built-in sound. A relative path is relative to this file.",
        ),
    ],
    required: &[],
    one_of: &[],
};

pub static PHRASES: Shape = Shape {
    name: "phrases",
    doc: "The coach's own words. Each may use only the placeholders its description names.",
    fields: crate::settings::PHRASE_FIELDS,
    required: &[],
    one_of: &[],
};
