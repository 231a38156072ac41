//! The records of the session log, one JSON object a line.
//!
//! A session writes a `begin` record before its first cue (so a session killed outright still
//! leaves a trace), an `end` record when it finishes or is stopped, and a `rating` record when the
//! person says how it went (at the end of the session, or later with `limber rate`). The three are
//! tied together by `session`, the session's id; which file and which line they are on does not
//! matter, so a log that was split, merged or reordered reads the same.
//!
//! ```text
//! {"v":1,"session":"1764625805123-4242","begin":{"at":"2026-12-01T22:50:05.123+01:00",...}}
//! {"v":1,"session":"1764625805123-4242","end":{"at":"...","ended":"finished",...}}
//! {"v":1,"session":"1764625805123-4242","rating":{"at":"...","rating":"easy"}}
//! ```
//!
//! `v` is the format of the line. A reader refuses a line of a newer format rather than guess at
//! it (and leaves it as it is); fields it does not know are ignored, so a later limber may add some
//! without a new format.
//!
//! `brief::Record` reads the same lines with the same fields, keeping only what `limber history`
//! lists: a field added here goes there too (its test edits lines and compares the two).

use serde::{Deserialize, Serialize};

/// The format this limber writes and reads.
pub const FORMAT: u32 = 1;

/// One line of the log. Exactly one of `begin`, `end` and `rating` is present.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    pub v: u32,
    pub session: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub begin: Option<Begin>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<End>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<Rated>,
}

impl Line {
    pub fn begin(session: &str, begin: Begin) -> Line {
        Line {
            v: FORMAT,
            session: session.to_string(),
            begin: Some(begin),
            end: None,
            rating: None,
        }
    }

    pub fn end(session: &str, end: End) -> Line {
        Line {
            v: FORMAT,
            session: session.to_string(),
            begin: None,
            end: Some(end),
            rating: None,
        }
    }

    pub fn rating(session: &str, rating: Rated) -> Line {
        Line {
            v: FORMAT,
            session: session.to_string(),
            begin: None,
            end: None,
            rating: Some(rating),
        }
    }
}

/// What a session was to be, written as it starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Begin {
    /// The local time it started, RFC 3339 with the offset: `2026-12-01T22:50:05.123+01:00`.
    pub at: String,
    /// The time zone's name, where it is known (`Europe/Berlin`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tz: Option<String>,
    pub routine: RoutineId,
    /// The planned length in seconds.
    pub planned_s: f64,
    /// How many steps were to be played.
    #[serde(default)]
    pub steps: usize,
    /// The voice chosen (`espeak-ng`, `piper`, `none`...).
    pub voice: String,
    /// Part of the routine only (`--from 5`, `--only bridge`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<String>,
    /// Levels set by hand for this session (`--level 3`, `--no-progress`): such a session does
    /// not move a level up, though "pain" still moves it down.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level_override: Option<String>,
    /// The exercises as planned, at their level.
    #[serde(default)]
    pub exercises: Vec<Planned>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutineId {
    /// The name `limber run` was given (`lower-back-basics`, or a file's name without `.json`).
    pub id: String,
    pub name: String,
    /// A hash of the routine file's content, so a changed routine can be told apart.
    pub hash: String,
}

/// One exercise as planned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Planned {
    /// The step's number, from 1.
    pub step: usize,
    pub name: String,
    /// Reps per side (or in all).
    pub reps: u32,
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub sets: u32,
    /// 2 with sides, else 1.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub sides: u32,
    /// Seconds of each hold (a timed activity's length); absent for a flow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold_s: Option<f64>,
    /// The exercise's level, from 1, where it has a progression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<u32>,
}

fn one() -> u32 {
    1
}

fn is_one(n: &u32) -> bool {
    *n == 1
}

/// How a session ended, written when it does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct End {
    pub at: String,
    pub ended: Ended,
    /// From the first cue to the end, in seconds, pauses included.
    pub elapsed_s: f64,
    pub paused_s: f64,
    /// The steps done and skipped (numbers from 1).
    #[serde(default)]
    pub done: Vec<usize>,
    #[serde(default)]
    pub skipped: Vec<usize>,
    /// What was actually done of each exercise that was begun.
    #[serde(default)]
    pub exercises: Vec<Done>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ended {
    /// It reached its end (steps may have been skipped on the way).
    Finished,
    /// Stopped by the person (a key, `limber ctl stop`, Ctrl-C, a service stopping).
    Stopped,
}

/// What was done of one exercise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Done {
    pub step: usize,
    pub name: String,
    /// Reps (or rounds of a flow) completed, all sides and sets together.
    pub reps: u32,
    /// The sides worked on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sides: Vec<String>,
    /// Seconds held in all (the hold chimes' time; a flow's positions).
    pub hold_s: f64,
}

/// How a session felt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rated {
    pub at: String,
    pub rating: Rating,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// How it was given: `key`, `ctl`, `button`, `rate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    Easy,
    Fine,
    Hard,
    Pain,
}

impl Rating {
    pub const ALL: [Rating; 4] = [Rating::Easy, Rating::Fine, Rating::Hard, Rating::Pain];

    pub fn word(self) -> &'static str {
        match self {
            Rating::Easy => "easy",
            Rating::Fine => "fine",
            Rating::Hard => "hard",
            Rating::Pain => "pain",
        }
    }

    /// The word, or its number on the keys (1 easy ... 4 pain); "painful" is taken for "pain".
    pub fn parse(word: &str) -> Option<Rating> {
        match word.trim().to_ascii_lowercase().as_str() {
            "easy" | "1" => Some(Rating::Easy),
            "fine" | "ok" | "2" => Some(Rating::Fine),
            "hard" | "3" => Some(Rating::Hard),
            "pain" | "painful" | "4" => Some(Rating::Pain),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_one_compact_object() {
        let line = Line::rating(
            "1-2",
            Rated {
                at: "2026-12-01T22:50:05+01:00".into(),
                rating: Rating::Easy,
                note: None,
                by: Some("rate".into()),
            },
        );
        let text = serde_json::to_string(&line).unwrap();
        assert_eq!(
            text,
            r#"{"v":1,"session":"1-2","rating":{"at":"2026-12-01T22:50:05+01:00","rating":"easy","by":"rate"}}"#
        );
        assert_eq!(serde_json::from_str::<Line>(&text).unwrap(), line);
    }

    #[test]
    fn ratings_by_word_and_key() {
        assert_eq!(Rating::parse("Painful"), Some(Rating::Pain));
        assert_eq!(Rating::parse("2"), Some(Rating::Fine));
        assert_eq!(Rating::parse("meh"), None);
        for r in Rating::ALL {
            assert_eq!(Rating::parse(r.word()), Some(r));
        }
    }
}
