//! Sessions put together from the log's records, whatever files and order they came in.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};

use super::level::{Ladder, Outcome, Standing, standing};
use super::record::{Begin, End, Ended, Line, Rated, Rating};
use super::stats::{self, Tally};
use super::store::{self, LogError};

/// One session: what it was to be, how it ended, how it felt. Any part may be missing: a session
/// that was killed has no end, one whose begin is in a file since deleted has no begin.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub id: String,
    pub begin: Option<Begin>,
    pub end: Option<End>,
    pub rating: Option<Rated>,
    /// When it began (or, without a begin, the earliest time it has), for ordering.
    pub start: Option<Timestamp>,
    /// The day it began, in the time zone it was done in.
    pub date: Option<Date>,
}

/// How a session ended, for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ending {
    /// Reached its end with nothing skipped.
    Completed,
    /// Reached its end with steps skipped.
    Skipped,
    Stopped,
    /// No end was recorded: killed, a crash, a power cut (or still running).
    Unfinished,
}

impl Ending {
    /// From how the end record says it ended and whether it skipped steps; `None` without one.
    pub fn of(end: Option<(Ended, bool)>) -> Ending {
        match end {
            None => Ending::Unfinished,
            Some((Ended::Stopped, _)) => Ending::Stopped,
            Some((_, false)) => Ending::Completed,
            Some((_, true)) => Ending::Skipped,
        }
    }
}

/// Seconds of exercise in a session that lasted `elapsed` seconds and was paused for `paused`.
pub fn active_seconds(elapsed: f64, paused: f64) -> f64 {
    (elapsed - paused).max(0.0)
}

impl Session {
    pub fn routine_id(&self) -> Option<&str> {
        self.begin.as_ref().map(|b| b.routine.id.as_str())
    }

    pub fn finished(&self) -> bool {
        self.end
            .as_ref()
            .is_some_and(|e| e.ended == Ended::Finished)
    }

    pub fn how(&self) -> Ending {
        Ending::of(self.end.as_ref().map(|e| (e.ended, !e.skipped.is_empty())))
    }

    /// Seconds of exercise: from the first cue to the end, less the time paused.
    pub fn active_seconds(&self) -> f64 {
        self.end
            .as_ref()
            .map_or(0.0, |e| active_seconds(e.elapsed_s, e.paused_s))
    }

    pub fn rating(&self) -> Option<Rating> {
        self.rating.as_ref().map(|r| r.rating)
    }

    /// What the weeks and the calendar need of it.
    pub fn tally(&self) -> Tally {
        let seconds = self.active_seconds();
        Tally {
            date: self.date,
            seconds,
            counts: stats::counts(
                self.end.as_ref().map(|e| e.ended),
                seconds,
                self.begin.as_ref().map_or(0.0, |b| b.planned_s),
            ),
        }
    }

    /// Whether the exercise named `name` was done: at least one rep, and not skipped.
    pub fn did(&self, name: &str) -> bool {
        self.end.as_ref().is_some_and(|e| {
            e.exercises
                .iter()
                .any(|d| d.name == name && d.reps > 0 && !e.skipped.contains(&d.step))
        })
    }
}

/// Everything read from the log.
#[derive(Debug, Default)]
pub struct History {
    /// In the order they began.
    pub sessions: Vec<Session>,
    /// Lines skipped because they were cut short, with their file.
    pub torn: Vec<(PathBuf, usize)>,
}

impl History {
    /// Reads the log at `path` and the older logs beside it, every exercise of every session.
    /// What the list, the week, the streak and the calendar need is read for far less time and
    /// memory by `brief::Briefs::read`.
    pub fn load(path: &Path) -> Result<History, LogError> {
        let mut sessions = Assembly::default();
        let mut torn = Vec::new();
        for file in store::files(path) {
            let skipped = store::each_line::<Line>(&file, |_, line| sessions.add(line))?;
            torn.extend(skipped.into_iter().map(|n| (file.clone(), n)));
        }
        Ok(History {
            sessions: sessions.finish(),
            torn,
        })
    }

    /// The sessions of the routine `id`, in order.
    pub fn of<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Session> + 'a {
        self.sessions
            .iter()
            .filter(move |s| s.routine_id() == Some(id))
    }

    /// Where the exercise `name` of routine `id` stands.
    pub fn standing(&self, id: &str, name: &str, ladder: &Ladder) -> Standing {
        standing(
            ladder,
            self.of(id).map(|s| Outcome {
                rating: s.rating(),
                finished: s.finished(),
                did: s.did(name),
                by_hand: s.begin.as_ref().is_some_and(|b| b.level_override.is_some()),
            }),
        )
    }

    /// Whether the last session of routine `id` that ended or was rated was rated "pain": the
    /// next one opens with the advice to see a clinician if the pain goes on.
    pub fn pain_last(&self, id: &str) -> bool {
        self.of(id)
            .filter(|s| s.end.is_some() || s.rating.is_some())
            .last()
            .is_some_and(|s| s.rating() == Some(Rating::Pain))
    }

    /// The last session begun, of any routine.
    pub fn last(&self) -> Option<&Session> {
        self.sessions.iter().rev().find(|s| s.begin.is_some())
    }
}

/// Puts records together by session. The result does not depend on the order of `lines`.
pub fn assemble(lines: impl IntoIterator<Item = Line>) -> Vec<Session> {
    let mut sessions = Assembly::default();
    for line in lines {
        sessions.add(line);
    }
    sessions.finish()
}

/// Sessions being put together, a record at a time, as the log is read.
#[derive(Default)]
struct Assembly {
    sessions: Vec<Session>,
    by_id: HashMap<String, usize>,
}

impl Assembly {
    fn add(&mut self, line: Line) {
        let i = match self.by_id.get(&line.session) {
            Some(i) => *i,
            None => {
                self.sessions.push(Session {
                    id: line.session.clone(),
                    begin: None,
                    end: None,
                    rating: None,
                    start: None,
                    date: None,
                });
                self.by_id.insert(line.session, self.sessions.len() - 1);
                self.sessions.len() - 1
            }
        };
        let s = &mut self.sessions[i];
        // Where a record is repeated (a log copied into two files), one is kept, the same one
        // whatever the order (by `Moment`'s order, as `brief` keeps them).
        if let Some(b) = line.begin {
            keep(&mut s.begin, b, |b| Moment::of(&b.at));
        }
        if let Some(e) = line.end {
            keep(&mut s.end, e, |e| Moment::of(&e.at));
        }
        if let Some(r) = line.rating {
            // The latest rating is the one that holds.
            keep(&mut s.rating, r, |r| (Moment::of(&r.at), r.rating));
        }
    }

    fn finish(self) -> Vec<Session> {
        let mut sessions = self.sessions;
        for s in &mut sessions {
            let first = s
                .begin
                .as_ref()
                .map(|b| &b.at)
                .or(s.end.as_ref().map(|e| &e.at))
                .or(s.rating.as_ref().map(|r| &r.at))
                .map(|at| Moment::of(at));
            s.start = first.and_then(|m| m.stamp);
            s.date = first.and_then(|m| m.local).map(|d| d.date());
        }
        sessions.sort_by(|a, b| (a.start, &a.id).cmp(&(b.start, &b.id)));
        sessions
    }
}

/// Keeps the greater of `slot` and `new` by `key`.
pub(crate) fn keep<T, K: Ord>(slot: &mut Option<T>, new: T, key: impl Fn(&T) -> K) {
    match slot {
        Some(old) if key(old) >= key(&new) => {}
        _ => *slot = Some(new),
    }
}

/// A record's time (`at`) as it is ordered: by the instant, then (two records of one instant
/// written with different offsets) by the local time. Any order would do that does not depend on
/// which record came first; this one needs nothing but what a session in brief keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Moment {
    /// The instant, where `at` has one (RFC 3339 with its offset).
    pub stamp: Option<Timestamp>,
    /// The local time, in the offset it was written with.
    pub local: Option<DateTime>,
}

impl Moment {
    pub fn of(at: &str) -> Moment {
        Moment::written(at).unwrap_or_else(|| Moment {
            stamp: stamp(at),
            local: at.parse().ok(),
        })
    }

    /// A time in the one form limber writes, `2026-12-01T22:50:05.123+01:00`, read in one pass
    /// rather than twice by jiff's parser (an instant, then a local time: a tenth of reading a
    /// long log). `None` for any other form, and for anything jiff's own types refuse, which
    /// [`Moment::of`] leaves to the parser; where this gives a moment, it is the parser's.
    fn written(at: &str) -> Option<Moment> {
        let b = at.as_bytes();
        let shape = b.len() == 29
            && [
                (4, b'-'),
                (7, b'-'),
                (10, b'T'),
                (13, b':'),
                (16, b':'),
                (19, b'.'),
                (26, b':'),
            ]
            .iter()
            .all(|(i, c)| b[*i] == *c);
        if !shape {
            return None;
        }
        let number = |from: usize, to: usize| -> Option<i32> {
            b[from..to].iter().try_fold(0i32, |n, d| {
                d.is_ascii_digit().then(|| n * 10 + i32::from(d - b'0'))
            })
        };
        let sign = match b[23] {
            b'+' => 1,
            b'-' => -1,
            _ => return None,
        };
        let minutes = number(27, 29).filter(|m| *m < 60)?;
        let offset = sign * (number(24, 26)? * 3600 + minutes * 60);
        // "-00:00" (an offset not known) is left to the parser.
        if sign < 0 && offset == 0 {
            return None;
        }
        let small = |n: i32| i8::try_from(n).ok();
        let date = jiff::civil::Date::new(
            i16::try_from(number(0, 4)?).ok()?,
            small(number(5, 7)?)?,
            small(number(8, 10)?)?,
        )
        .ok()?;
        let time = jiff::civil::Time::new(
            small(number(11, 13)?)?,
            small(number(14, 16)?)?,
            small(number(17, 19)?)?,
            number(20, 23)? * 1_000_000,
        )
        .ok()?;
        let local = DateTime::from_parts(date, time);
        let stamp = jiff::tz::Offset::from_seconds(offset)
            .ok()?
            .to_timestamp(local)
            .ok()?;
        Some(Moment {
            stamp: Some(stamp),
            local: Some(local),
        })
    }
}

fn stamp(text: &str) -> Option<Timestamp> {
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::level::{Grow, Progress};
    use crate::history::record::{Done, RoutineId};
    use proptest::prelude::*;

    pub(crate) fn begin(at: &str, routine: &str) -> Begin {
        Begin {
            at: at.into(),
            tz: None,
            routine: RoutineId {
                id: routine.into(),
                name: routine.into(),
                hash: "0".into(),
            },
            planned_s: 600.0,
            voice: "none".into(),
            part: None,
            level_override: None,
            steps: 1,
            exercises: vec![],
        }
    }

    pub(crate) fn end(at: &str, ended: Ended, exercise: &str) -> End {
        End {
            at: at.into(),
            ended,
            elapsed_s: 600.0,
            paused_s: 0.0,
            done: vec![1],
            skipped: vec![],
            exercises: vec![Done {
                step: 1,
                name: exercise.into(),
                reps: 8,
                sides: vec![],
                hold_s: 40.0,
            }],
        }
    }

    /// The lines of `n` sessions of "r", each finished and rated as `ratings` says.
    fn log(ratings: &[Option<Rating>]) -> Vec<Line> {
        let mut lines = Vec::new();
        for (i, r) in ratings.iter().enumerate() {
            let id = format!("s{i}");
            let day = 1 + i % 28;
            let month = 1 + i / 28;
            let at = format!("2026-{month:02}-{day:02}T08:00:00+01:00");
            let later = format!("2026-{month:02}-{day:02}T08:10:00+01:00");
            lines.push(Line::begin(&id, begin(&at, "r")));
            lines.push(Line::end(&id, end(&later, Ended::Finished, "Bridge")));
            if let Some(r) = r {
                lines.push(Line::rating(
                    &id,
                    Rated {
                        at: later.clone(),
                        rating: *r,
                        note: None,
                        by: None,
                    },
                ));
            }
        }
        lines
    }

    fn ladder() -> Ladder {
        Ladder {
            hold: Some(5000),
            reps: 8,
            progress: Progress {
                hold: Some(Grow {
                    step: 1000,
                    max: 12_000,
                }),
                reps: None,
                after: 2,
            },
        }
    }

    fn history(lines: Vec<Line>) -> History {
        History {
            sessions: assemble(lines),
            torn: vec![],
        }
    }

    #[test]
    fn records_join_by_session_and_sort_by_start() {
        let mut lines = log(&[Some(Rating::Easy), None, Some(Rating::Pain)]);
        lines.reverse();
        let h = history(lines);
        let ids: Vec<_> = h.sessions.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["s0", "s1", "s2"]);
        assert_eq!(h.sessions[0].rating(), Some(Rating::Easy));
        assert_eq!(h.sessions[0].date, Some(jiff::civil::date(2026, 1, 1)));
        assert_eq!(h.sessions[0].how(), Ending::Completed);
        assert!(h.pain_last("r"));
        assert!(!h.pain_last("other"));
        assert_eq!(h.standing("r", "Bridge", &ladder()).level, 1);
        assert_eq!(h.standing("r", "Bridge", &ladder()).good, 0);
    }

    #[test]
    fn the_latest_rating_holds() {
        let mut lines = log(&[Some(Rating::Hard)]);
        lines.push(Line::rating(
            "s0",
            Rated {
                at: "2026-01-01T09:00:00+01:00".into(),
                rating: Rating::Fine,
                note: Some("better after a walk".into()),
                by: Some("rate".into()),
            },
        ));
        lines.rotate_left(2);
        let h = history(lines);
        assert_eq!(h.sessions[0].rating(), Some(Rating::Fine));
    }

    #[test]
    fn a_killed_session_is_unfinished() {
        let h = history(vec![Line::begin(
            "k",
            begin("2026-01-01T08:00:00+01:00", "r"),
        )]);
        assert_eq!(h.sessions[0].how(), Ending::Unfinished);
        assert_eq!(h.sessions[0].active_seconds(), 0.0);
        assert_eq!(h.standing("r", "Bridge", &ladder()).level, 1);
    }

    #[test]
    fn a_time_as_limber_writes_it_is_read_in_one_pass() {
        // As a session writes it (session::record::now).
        let now = jiff::Zoned::now()
            .strftime("%Y-%m-%dT%H:%M:%S%.3f%:z")
            .to_string();
        assert!(Moment::written(&now).is_some(), "{now}");
        assert_eq!(Moment::written(&now), Some(parsed(&now)));
        for other in [
            "2026-12-01T22:50:05+01:00",
            "2026-12-01T22:50:05.123Z",
            "x",
            "",
        ] {
            assert_eq!(Moment::written(other), None, "{other}");
            assert_eq!(Moment::of(other), parsed(other));
        }
    }

    /// A moment as jiff's parser reads it.
    fn parsed(at: &str) -> Moment {
        Moment {
            stamp: at.parse().ok(),
            local: at.parse().ok(),
        }
    }

    proptest! {
        /// Where the one-pass reading gives a moment, it is the parser's, whatever the digits.
        #[test]
        fn a_time_read_in_one_pass_is_the_parsers(
            parts in (0..=9999u32, 0..=13u32, 0..=32u32, 0..=25u32, 0..=61u32, 0..=61u32),
            millis in 0..=999u32,
            sign in prop::sample::select(vec!['+', '-']),
            offset in (0..=27u32, 0..=61u32),
        ) {
            let (y, mo, d, h, mi, s) = parts;
            let at = format!(
                "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{millis:03}{sign}{:02}:{:02}",
                offset.0, offset.1
            );
            if let Some(m) = Moment::written(&at) {
                prop_assert_eq!(m, parsed(&at), "{}", at);
            }
            prop_assert_eq!(Moment::of(&at), parsed(&at), "{}", at);
        }
    }

    fn rating() -> impl Strategy<Value = Option<Rating>> {
        prop::option::of(prop::sample::select(Rating::ALL.to_vec()))
    }

    proptest! {
        /// The same ratings give the same level however the log was split across files,
        /// reordered, or had lines repeated.
        #[test]
        fn the_level_does_not_depend_on_how_the_log_is_kept(
            ratings in prop::collection::vec(rating(), 0..40),
            cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..4),
            order in any::<u64>(),
            repeat in any::<prop::sample::Index>(),
        ) {
            let lines = log(&ratings);
            let whole = history(lines.clone()).standing("r", "Bridge", &ladder());

            // Split into files at the cuts, each file written and read back.
            let dir = tempfile::tempdir().unwrap();
            let mut at: Vec<usize> = cuts.iter().map(|c| c.index(lines.len() + 1)).collect();
            at.push(0);
            at.push(lines.len());
            at.sort();
            let mut names = Vec::new();
            for (n, w) in at.windows(2).enumerate() {
                let name = if n + 2 == at.len() {
                    store::FILE.to_string()
                } else {
                    format!("history-{n:02}.jsonl")
                };
                let mut text = String::new();
                for line in &lines[w[0]..w[1]] {
                    text.push_str(&serde_json::to_string(line).unwrap());
                    text.push('\n');
                }
                std::fs::write(dir.path().join(&name), text).unwrap();
                names.push(name);
            }
            let read = History::load(&dir.path().join(store::FILE)).unwrap();
            prop_assert_eq!(read.standing("r", "Bridge", &ladder()), whole);
            prop_assert_eq!(&read.sessions, &history(lines.clone()).sessions);
            // In brief, the same sessions.
            let brief = crate::history::brief::Briefs::read(&dir.path().join(store::FILE)).unwrap();
            prop_assert!(brief.same_as(&crate::history::brief::Briefs::of(&read)));

            // Reordered, with one line repeated.
            let mut shuffled = lines.clone();
            if !shuffled.is_empty() {
                let again = shuffled[repeat.index(shuffled.len())].clone();
                shuffled.push(again);
            }
            let mut seed = order;
            for i in (1..shuffled.len()).rev() {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                shuffled.swap(i, (seed >> 33) as usize % (i + 1));
            }
            prop_assert_eq!(history(shuffled).standing("r", "Bridge", &ladder()), whole);
        }
    }
}
