//! Routines: the language a person writes, read and checked, and the model it becomes.
//!
//! - [`format`]: every key, its type and its limits, written once for the validator and the schema.
//! - [`source`]: reading a file as JSON with comments, keeping where each value is (line, column).
//! - [`validate`]: from parsed JSON to a [`Routine`], or every reason it is not one.
//! - [`template`]: the spoken text with placeholders, such as `{n} breaths`.
//! - [`library`]: the routines a person can name: the built-in ones and their own.
//! - [`schema`]: the JSON Schema for editors, made from [`format`].
//! - [`suggest`]: "did you mean", one rule for keys, kinds, placeholders and names.
//!
//! This file is the model: a validated routine, what the file said, checked and with the
//! routine's defaults applied. Values the routine leaves open (`rest`, `countdown`...) stay `None`
//! here; the timeline fills them from the settings, so that a user's configuration can change the
//! defaults of every routine.

pub mod format;
pub mod library;
pub mod schema;
pub mod source;
pub mod suggest;
pub mod template;
pub mod validate;

use template::Template;

/// Milliseconds: every time in limber is kept as a whole number of them, so sums are exact.
pub type Ms = u64;

#[derive(Debug, Clone, PartialEq)]
pub struct Routine {
    pub name: String,
    pub description: Option<String>,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Say(Template),
    Rest { rest: Ms, say: Option<Template> },
    Breathe(Breathe),
    Exercise(Exercise),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Breathe {
    pub name: Option<String>,
    pub cycles: u32,
    pub inhale: Ms,
    pub hold: Ms,
    pub exhale: Ms,
    pub hold_out: Ms,
    pub say: Option<Template>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Left,
    Right,
}

impl Side {
    pub fn name(self) -> &'static str {
        match self {
            Side::Left => "left",
            Side::Right => "right",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Exercise {
    pub name: String,
    pub setup: Option<Template>,
    pub cue: Option<Template>,
    pub sides: Option<[Side; 2]>,
    pub alternate: bool,
    pub reps: u32,
    pub sets: u32,
    pub work: Work,
    pub rest: Option<Ms>,
    pub set_rest: Option<Ms>,
    pub countdown: Option<u32>,
    pub halfway: Option<bool>,
    pub setup_time: Option<Ms>,
    /// How it grows from session to session; the level it has reached comes from the log.
    pub progress: Option<Progress>,
}

/// How an exercise grows, as the routine file says (`"progress"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Milliseconds added to the hold (or a timed activity's length) each level, and its maximum.
    pub hold: Option<Grow>,
    /// Reps added each level, and their maximum.
    pub reps: Option<Grow>,
    /// Good sessions in a row that move it up a level.
    pub after: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grow {
    pub step: u64,
    pub max: u64,
}

/// What one rep of an exercise is.
#[derive(Debug, Clone, PartialEq)]
pub enum Work {
    /// Hold a position for this long, between the start and end chimes.
    Hold(Ms),
    /// Move through positions, each held for its time, paced by a tick.
    Phases(Vec<Phase>),
    /// One timed activity, such as a walk: a single hold with no reps.
    Duration(Ms),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Phase {
    pub say: Template,
    pub hold: Ms,
}

impl Step {
    /// A short name for the step, for plans, captions and `--from`.
    pub fn title(&self) -> String {
        match self {
            // The first words, which is how a person remembers it.
            Step::Say(text) => crate::report::words::first_words(&text.to_string(), 4),
            Step::Rest { rest, .. } => format!("Rest, {}", crate::report::words::length(*rest)),
            Step::Breathe(b) => b.name.clone().unwrap_or_else(|| "breathing".into()),
            Step::Exercise(e) => e.name.clone(),
        }
    }
}

impl Routine {
    pub fn exercise_count(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| matches!(s, Step::Exercise(_) | Step::Breathe(_)))
            .count()
    }
}
