//! A routine at its levels: the values each exercise with a `progress` has reached, from the log,
//! or as chosen by hand for one session (`--level N`, `--no-progress`).

use serde::Serialize;

use crate::routine::{Exercise, Routine, Step, Work};

use super::level::{Ladder, Standing};
use super::sessions::History;

/// Which levels a session plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Choice {
    /// The levels the log has reached.
    #[default]
    Log,
    /// Every exercise at this level (or its top).
    Level(u32),
    /// Every exercise as written (level 1).
    Off,
}

impl Choice {
    /// How the choice is recorded in the log, when it is one made by hand.
    pub fn by_hand(self) -> Option<String> {
        match self {
            Choice::Log => None,
            Choice::Level(n) => Some(format!("--level {n}")),
            Choice::Off => Some("--no-progress".into()),
        }
    }
}

/// Where one exercise stands, for `limber plan` and `plan --json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Level {
    /// The step's number, from 1.
    pub step: usize,
    pub exercise: String,
    pub level: u32,
    pub levels: u32,
    /// The values at this level: the hold (or a timed activity's length) in seconds, and reps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hold_seconds: Option<f64>,
    pub reps: u32,
    /// The values at the next level, and how many good sessions it takes; absent at the top.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<Next>,
    /// Chosen by hand for this session rather than reached.
    pub by_hand: bool,
    /// Brought down a level by the last session, rated "pain".
    #[serde(skip)]
    pub eased: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Next {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hold_seconds: Option<f64>,
    pub reps: u32,
    /// Good sessions still needed (with the level reached from the log).
    pub after: u32,
}

/// The exercise's ladder, where it has a progression.
pub fn ladder(e: &Exercise) -> Option<Ladder> {
    let progress = e.progress?;
    let hold = match &e.work {
        Work::Hold(ms) | Work::Duration(ms) => Some(*ms),
        Work::Phases(_) => None,
    };
    Some(Ladder {
        hold,
        reps: e.reps,
        progress,
    })
}

/// `routine` with each exercise at its level, and the levels. `id` is the routine's id in the log.
pub fn apply(
    routine: &Routine,
    id: &str,
    history: Option<&History>,
    choice: Choice,
) -> (Routine, Vec<Level>) {
    let mut out = routine.clone();
    let mut levels = Vec::new();
    for (i, step) in out.steps.iter_mut().enumerate() {
        let Step::Exercise(e) = step else { continue };
        let Some(ladder) = ladder(e) else { continue };
        let standing = match (choice, history) {
            (Choice::Log, Some(h)) => h.standing(id, &e.name, &ladder),
            (Choice::Log, None) | (Choice::Off, _) => Standing {
                level: 1,
                good: 0,
                eased: false,
            },
            (Choice::Level(n), _) => Standing {
                level: ladder.clamp(n),
                good: 0,
                eased: false,
            },
        };
        let level = standing.level;
        let hold = ladder.hold_at(level);
        let reps = ladder.reps_at(level);
        e.reps = reps;
        match &mut e.work {
            Work::Hold(ms) | Work::Duration(ms) => *ms = hold.unwrap_or(*ms),
            Work::Phases(_) => {}
        }
        let next = (level < ladder.levels()).then(|| Next {
            hold_seconds: ladder.hold_at(level + 1).map(seconds),
            reps: ladder.reps_at(level + 1),
            after: ladder.progress.after.max(1) - standing.good,
        });
        levels.push(Level {
            step: i + 1,
            exercise: e.name.clone(),
            level,
            levels: ladder.levels(),
            hold_seconds: hold.map(seconds),
            reps,
            next,
            by_hand: choice != Choice::Log,
            eased: standing.eased,
        });
    }
    (out, levels)
}

fn seconds(ms: u64) -> f64 {
    ms as f64 / 1000.0
}

/// One line for a person: "Bridge: level 3 of 5, 7 s x 10; next: 8 s x 11 after 1 more good
/// session".
pub fn describe(l: &Level) -> String {
    let values = |hold: Option<f64>, reps: u32| match hold {
        Some(h) => format!("{} s x {reps}", crate::routine::template::format_seconds(h)),
        None => format!("{reps} reps"),
    };
    let mut out = format!(
        "{}: level {} of {}, {}",
        l.exercise,
        l.level,
        l.levels,
        values(l.hold_seconds, l.reps)
    );
    match &l.next {
        None => out.push_str(" (the top level)"),
        Some(_) if l.by_hand => out.push_str(" (chosen for this session)"),
        Some(n) => {
            let sessions = if n.after == 1 { "session" } else { "sessions" };
            out.push_str(&format!(
                "; next: {} after {} more good {sessions}",
                values(n.hold_seconds, n.reps),
                n.after
            ));
        }
    }
    out
}
