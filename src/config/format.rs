//! The configuration file's format, described once for its checker and its JSON Schema, as
//! [`crate::routine::format`] describes a routine's.

use crate::routine::format::*;

/// The configuration file: settings for every session. See `config.example.json`.
pub static CONFIG: Shape = Shape {
    name: "configuration",
    doc: "limber's configuration. Every key is optional. `limber config` prints an example with every setting and what it does.",
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
        f(
            "history",
            Kind::Object(&HISTORY),
            "The session log: the weekly goal, and asking how a session went.",
        ),
    ],
    required: &[],
    one_of: &[],
};

pub static HISTORY: Shape = Shape {
    name: "history",
    doc: "The session log: the weekly goal, and asking how a session went.",
    fields: &[
        f(
            "goal",
            Kind::Count { min: 0, max: 14 },
            "Sessions a week to aim for, shown by `limber history`; 0 for no goal.",
        ),
        f(
            "ask",
            Kind::Choice(&["auto", "always", "never"]),
            "Ask how the session went when it ends: \"auto\" when keys can answer (a terminal), \"always\" (by the bedside: a button or `limber ctl rate` answers), or \"never\".",
        ),
        f(
            "answer_time",
            Kind::Seconds {
                min: 3.0,
                max: 300.0,
            },
            "Seconds the question waits for an answer.",
        ),
        f(
            "file",
            Kind::OptionalText { max_chars: 4096 },
            "The log file; empty for history.jsonl in the state folder (~/.local/state/limber). $LIMBER_HISTORY overrides it.",
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
    fields: crate::plan::settings::PHRASE_FIELDS,
    required: &[],
    one_of: &[],
};
