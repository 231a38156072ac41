//! What a session writes to the log: its begin record as it starts, its end record when it ends,
//! and the rating when one is given. Built from the timeline (what was planned) and the player's
//! report (what was played), without looking inside the player.

use std::path::{Path, PathBuf};

use crate::player::Report;
use crate::settings::Sound;
use crate::timeline::{CueKind, Timeline, What};

use super::record::{Begin, Done, End, Ended, Line, Planned, Rated, Rating};
use super::store;

/// A session's place in the log.
#[derive(Debug, Clone)]
pub struct Recorder {
    pub path: PathBuf,
    pub id: String,
}

impl Recorder {
    /// Writes the begin record: from here on, the session is in the log even if it is killed.
    pub fn start(path: &Path, begin: Begin) -> Result<Recorder, String> {
        let id = new_id();
        store::append(path, &Line::begin(&id, begin))?;
        Ok(Recorder {
            path: path.to_path_buf(),
            id,
        })
    }

    pub fn end(&self, end: End) -> Result<(), String> {
        store::append(&self.path, &Line::end(&self.id, end))
    }

    pub fn rate(&self, rating: Rating, note: Option<String>, by: &str) -> Result<(), String> {
        rate(&self.path, &self.id, rating, note, by)
    }
}

/// Appends a rating of session `id`.
pub fn rate(
    path: &Path,
    id: &str,
    rating: Rating,
    note: Option<String>,
    by: &str,
) -> Result<(), String> {
    let line = Line::rating(
        id,
        Rated {
            at: now().0,
            rating,
            note,
            by: Some(by.to_string()),
        },
    );
    store::append(path, &line)
}

/// The local time now as RFC 3339 with its offset, to the millisecond, and the zone's name.
pub fn now() -> (String, Option<String>) {
    let now = jiff::Zoned::now();
    let at = now.strftime("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string();
    (at, now.time_zone().iana_name().map(str::to_string))
}

/// A session's id: its start in milliseconds and the process, unique on one machine.
fn new_id() -> String {
    format!(
        "{}-{}",
        jiff::Timestamp::now().as_millisecond(),
        std::process::id()
    )
}

/// A hash of a routine file's content: the same text, the same hash.
pub fn content_hash(text: &[u8]) -> String {
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(text))
}

/// What each exercise of the timeline was to be: reps, sets, sides and hold as planned.
pub fn planned(
    routine: &crate::routine::Routine,
    range: std::ops::Range<usize>,
    levels: &[(usize, u32)],
) -> Vec<Planned> {
    use crate::routine::{Step, Work};
    routine
        .steps
        .iter()
        .enumerate()
        .filter(|(i, _)| range.contains(i))
        .filter_map(|(i, step)| match step {
            Step::Exercise(e) => Some(Planned {
                step: i + 1,
                name: e.name.clone(),
                reps: e.reps,
                sets: e.sets,
                sides: if e.sides.is_some() { 2 } else { 1 },
                hold_s: match &e.work {
                    Work::Hold(ms) | Work::Duration(ms) => Some(*ms as f64 / 1000.0),
                    Work::Phases(_) => None,
                },
                level: levels.iter().find(|(s, _)| *s == i + 1).map(|(_, l)| *l),
            }),
            _ => None,
        })
        .collect()
}

/// The end record of a session that played `timeline` as `report` says.
pub fn end(timeline: &Timeline, report: &Report, planned: &[Planned]) -> End {
    End {
        at: now().0,
        ended: if report.finished {
            Ended::Finished
        } else {
            Ended::Stopped
        },
        elapsed_s: report.elapsed as f64 / 1000.0,
        paused_s: report.paused as f64 / 1000.0,
        done: report.done.clone(),
        skipped: report.skipped.clone(),
        exercises: done(timeline, report, planned),
    }
}

/// What was done of each exercise begun: a rep counts when its hold's end chime was played (for a
/// flow, when its last position was reached); a step gone past in full counts all its reps.
pub fn done(timeline: &Timeline, report: &Report, planned: &[Planned]) -> Vec<Done> {
    let mut out = Vec::new();
    for p in planned {
        let cues: Vec<usize> = report
            .played
            .iter()
            .filter(|c| !c.skipped && timeline.cues[c.index].step == Some(p.step))
            .map(|c| c.index)
            .collect();
        if cues.is_empty() {
            continue;
        }
        let mut sides: Vec<String> = Vec::new();
        let mut held = std::collections::BTreeSet::new();
        let mut hold_ms: u64 = 0;
        for &i in &cues {
            let cue = &timeline.cues[i];
            let Some(place) = &cue.place else { continue };
            if let Some(side) = place.side
                && !sides.iter().any(|s| s == side)
            {
                sides.push(side.to_string());
            }
            let ended_hold = matches!(cue.what, What::Sound(Sound::HoldEnd));
            // In a flow, reaching a position counts the time of the one before it.
            let position = cue.kind == CueKind::Tick;
            if ended_hold || position {
                held.insert((place.set, place.side, place.rep));
            }
            if ended_hold {
                hold_ms += p.hold_s.map_or(0, |h| (h * 1000.0) as u64);
            }
        }
        let full = report.done.contains(&p.step);
        let total = p.reps * p.sets * p.sides;
        let reps = if full {
            total
        } else if p.hold_s.is_some() {
            held.len() as u32
        } else {
            // A flow's round is done when the next one starts.
            (held.len() as u32).saturating_sub(1)
        };
        let hold_s = if full {
            p.hold_s.map_or(0.0, |h| h * f64::from(total))
        } else {
            hold_ms as f64 / 1000.0
        };
        out.push(Done {
            step: p.step,
            name: p.name.clone(),
            reps: reps.min(total),
            sides,
            hold_s,
        });
    }
    out
}
