//! What a session writes to the session log (`crate::history`): its begin record as it starts, its end record when it ends,
//! and the rating when one is given. Built from the timeline (what was planned) and the player's
//! report (what was played), without looking inside the player.

use std::path::{Path, PathBuf};

use crate::history::record::{Begin, Done, End, Ended, Line, Planned, Rated, Rating};
use crate::history::sessions::{Session, assemble};
use crate::history::store;
use crate::plan::settings::Phrases;
use crate::plan::settings::Sound;
use crate::plan::timeline::{CueKind, Timeline, What};
use crate::session::captions::Captions;
use crate::session::player::Control;
use crate::session::player::Report;
use crate::voice::Voices;

/// A session's place in the log.
#[derive(Debug, Clone)]
pub struct Recorder {
    pub path: PathBuf,
    pub id: String,
    pub begin: Begin,
}

impl Recorder {
    /// Writes the begin record: from here on, the session is in the log even if it is killed.
    pub fn start(path: &Path, begin: Begin) -> Result<Recorder, String> {
        let id = new_id();
        store::append(path, &Line::begin(&id, begin.clone()))?;
        Ok(Recorder {
            path: path.to_path_buf(),
            id,
            begin,
        })
    }

    /// This session as the log has it once it has ended.
    pub fn session(&self, end: End) -> Session {
        assemble([
            Line::begin(&self.id, self.begin.clone()),
            Line::end(&self.id, end),
        ])
        .remove(0)
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
            let ended_hold = matches!(cue.what, What::Sound(Sound::HoldEnd));
            // In a flow, reaching a position counts the time of the one before it.
            let position = cue.kind == CueKind::Tick;
            if ended_hold || position {
                held.insert((place.set, place.side, place.rep));
                // A side is worked on once a hold on it has ended (or a flow has moved on it).
                if let Some(side) = place.side
                    && !sides.iter().any(|s| s == side)
                {
                    sides.push(side.to_string());
                }
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

/// Where answers to "how did it go?" go while a session can take them: the keys 1 to 4 and
/// `limber ctl rate WORD` send here, from their own thread and task. One session a process.
static ANSWERS: std::sync::Mutex<
    Option<tokio::sync::mpsc::UnboundedSender<(Rating, &'static str)>>,
> = std::sync::Mutex::new(None);

/// Starts taking answers; they arrive on the receiver, with how they were given.
pub fn take_answers() -> tokio::sync::mpsc::UnboundedReceiver<(Rating, &'static str)> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    *ANSWERS.lock().unwrap_or_else(|p| p.into_inner()) = Some(tx);
    rx
}

/// Stops taking answers: later ones are refused (`limber rate` takes them).
pub fn stop_answers() {
    *ANSWERS.lock().unwrap_or_else(|p| p.into_inner()) = None;
}

/// Hands an answer to the session; false when it takes none now.
pub fn answer(rating: Rating, by: &'static str) -> bool {
    ANSWERS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .as_ref()
        .is_some_and(|tx| tx.send((rating, by)).is_ok())
}

/// The rating a key gives: 1 easy, 2 fine, 3 hard, 4 pain.
pub fn key_rating(key: u8) -> Option<Rating> {
    match key {
        b'1'..=b'4' => Some(Rating::ALL[usize::from(key - b'1')]),
        _ => None,
    }
}

/// After a press of the button, how long to wait for another before counting them.
const PRESSES_END: std::time::Duration = std::time::Duration::from_millis(2500);

/// Asks how the session went and waits up to `wait` for an answer: a key (1 to 4), `limber ctl
/// rate WORD`, or presses of the bedside button (SIGUSR1 or `limber ctl toggle`: once for easy,
/// twice for fine, three times for hard, four times for pain, counted when it has been still for
/// a moment). Stop (`q`, Ctrl-C, SIGTERM) ends the question without an answer.
pub async fn ask(
    voices: &mut Voices,
    captions: &mut dyn Captions,
    phrases: &Phrases,
    compared: Option<&str>,
    answers: &mut tokio::sync::mpsc::UnboundedReceiver<(Rating, &'static str)>,
    controls: &mut tokio::sync::mpsc::UnboundedReceiver<Control>,
    wait: std::time::Duration,
) -> Option<(Rating, &'static str)> {
    if let Some(c) = compared {
        say(voices, c).await;
    }
    captions.info(&format!(
        "{} (1 to 4, `limber ctl rate WORD`, or the button: 1 to 4 presses)",
        phrases.ask
    ));
    say(voices, &phrases.ask).await;
    let deadline = tokio::time::Instant::now() + wait;
    let mut presses = 0usize;
    let mut last_press = None;
    let answer = loop {
        let counted = last_press.map(|t: tokio::time::Instant| t + PRESSES_END);
        tokio::select! {
            a = answers.recv() => break a,
            c = controls.recv() => match c {
                Some(Control::Toggle) => {
                    presses += 1;
                    last_press = Some(tokio::time::Instant::now());
                }
                Some(Control::Stop) | None => break None,
                Some(_) => {}
            },
            () = tokio::time::sleep_until(counted.unwrap_or(deadline)), if counted.is_some() => {
                break Some((Rating::ALL[presses.clamp(1, 4) - 1], "button"));
            }
            () = tokio::time::sleep_until(deadline), if counted.is_none() => break None,
        }
    };
    match answer {
        Some((Rating::Pain, _)) => {
            captions.info(&phrases.noted_pain);
            say(voices, &phrases.noted_pain).await;
        }
        Some((r, _)) => {
            let text = crate::plan::settings::fill(&phrases.noted, &[("rating", r.word())]);
            captions.info(&text);
            say(voices, &text).await;
        }
        None => {}
    }
    answer
}

/// Says `text` and waits until it has been heard (at most half a minute).
async fn say(voices: &mut Voices, text: &str) {
    if let Some(v) = voices.current()
        && let Ok(heard) = v.say(text)
    {
        let _ = tokio::time::timeout(std::time::Duration::from_secs(30), heard).await;
    }
}
