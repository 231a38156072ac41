//! Sessions in brief: what `limber history`'s list, week, streak and calendar, and `limber rate`,
//! need of each session, read straight from the log's lines.
//!
//! Most of a line is its exercises, and a whole session (`sessions::Session`, with its strings
//! and lists) takes about 1 KB of memory. A session in brief is a few numbers, its routine as a
//! place in a table of the routines, and a rating's note where it has one: 240 bytes, so 10,000
//! sessions take 2.4 MB.
//!
//! Each line is read as a [`Record`]: the fields of `record::Line`, of the same types, checked the
//! same way (a line one refuses the other refuses, in the same words), but with its strings
//! borrowed from the line, what the view does not show checked and dropped, and the exercises
//! passed over in the parser. Records are put together by session as `sessions` does, keeping the
//! same record where one is repeated, so these are the sessions `History::load` reads, less what
//! the view does not need: [`Briefs::of`] makes them from a `History`, and a test checks that both
//! agree.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use jiff::civil::Date;
use serde::Deserialize;
use serde::de::IgnoredAny;

use super::record::{Ended, Rating};
use super::sessions::{self, Ending, History, Moment, keep};
use super::stats::{self, Tally};
use super::store::{self, LogError};

/// One session in brief. Any part may be missing, as in a whole session.
#[derive(Debug, Clone, PartialEq)]
pub struct Brief {
    pub id: Box<str>,
    pub begin: Option<BriefBegin>,
    pub end: Option<BriefEnd>,
    pub rating: Option<BriefRating>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BriefBegin {
    pub at: Moment,
    /// The first 16 bytes of its `at`, "2026-12-01T22:50", where it has them.
    head: Option<[u8; 16]>,
    /// Its routine, by its place in [`Briefs::routines`].
    pub routine: u32,
    /// The planned length in seconds.
    pub planned_s: f64,
    pub steps: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BriefEnd {
    pub at: Moment,
    pub ended: Ended,
    pub elapsed_s: f64,
    pub paused_s: f64,
    /// How many steps were done, and skipped.
    pub done: usize,
    pub skipped: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BriefRating {
    pub at: Moment,
    pub rating: Rating,
    pub note: Option<Box<str>>,
}

impl BriefBegin {
    /// The day and time it began as written, to the minute: "2026-12-01T22:50".
    pub fn head(&self) -> Option<&str> {
        self.head.as_ref().and_then(|h| std::str::from_utf8(h).ok())
    }

    /// The time of day it began as written, "22:50".
    pub fn clock(&self) -> Option<&str> {
        self.head().and_then(|h| h.get(11..16))
    }
}

fn head(at: &str) -> Option<[u8; 16]> {
    at.get(..16).and_then(|h| h.as_bytes().try_into().ok())
}

impl Brief {
    /// The time of its first part: the begin's, else the end's, else the rating's.
    fn first(&self) -> Option<&Moment> {
        (self.begin.as_ref().map(|b| &b.at))
            .or(self.end.as_ref().map(|e| &e.at))
            .or(self.rating.as_ref().map(|r| &r.at))
    }

    /// When it began (or, without a begin, the earliest time it has), for ordering.
    pub fn start(&self) -> Option<Timestamp> {
        self.first().and_then(|m| m.stamp)
    }

    /// The day it began, in the time zone it was done in.
    pub fn date(&self) -> Option<Date> {
        self.first().and_then(|m| m.local).map(|d| d.date())
    }

    /// How it ended, as `Session::how` says.
    pub fn how(&self) -> Ending {
        Ending::of(self.end.as_ref().map(|e| (e.ended, e.skipped > 0)))
    }

    /// Seconds of exercise: from the first cue to the end, less the time paused.
    pub fn active_seconds(&self) -> f64 {
        self.end
            .as_ref()
            .map_or(0.0, |e| sessions::active_seconds(e.elapsed_s, e.paused_s))
    }

    pub fn rating(&self) -> Option<Rating> {
        self.rating.as_ref().map(|r| r.rating)
    }

    pub fn note(&self) -> Option<&str> {
        self.rating.as_ref().and_then(|r| r.note.as_deref())
    }

    /// What the weeks and the calendar need of it, as `Session::tally` says.
    pub fn tally(&self) -> Tally {
        let seconds = self.active_seconds();
        Tally {
            date: self.date(),
            seconds,
            counts: stats::counts(
                self.end.as_ref().map(|e| e.ended),
                seconds,
                self.begin.as_ref().map_or(0.0, |b| b.planned_s),
            ),
        }
    }
}

/// A routine as the list names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// The name `limber run` was given.
    pub id: Box<str>,
    pub name: Box<str>,
}

/// The sessions of the log in brief.
#[derive(Debug, Default)]
pub struct Briefs {
    /// In the order they began, as `History::sessions`.
    pub sessions: Vec<Brief>,
    /// The routines the sessions were of, each once.
    pub routines: Vec<Named>,
    /// Lines skipped because they were cut short, with their file.
    pub torn: Vec<(PathBuf, usize)>,
}

impl Briefs {
    /// Reads the log at `path` and the older logs beside it, as `History::load` does.
    pub fn read(path: &Path) -> Result<Briefs, LogError> {
        let mut sessions = Assembly::default();
        let mut torn = Vec::new();
        for file in store::files(path) {
            let skipped = store::each_line::<Record>(&file, |_, line| sessions.add(line))?;
            torn.extend(skipped.into_iter().map(|n| (file.clone(), n)));
        }
        let (sessions, routines) = sessions.finish();
        Ok(Briefs {
            sessions,
            routines,
            torn,
        })
    }

    /// The sessions of `history` in brief, in the same order.
    pub fn of(history: &History) -> Briefs {
        let mut routines = Routines::default();
        let sessions = history
            .sessions
            .iter()
            .map(|s| Brief {
                id: s.id.as_str().into(),
                begin: s.begin.as_ref().map(|b| BriefBegin {
                    at: Moment::of(&b.at),
                    head: head(&b.at),
                    routine: routines.place(&b.routine.id, &b.routine.name),
                    planned_s: b.planned_s,
                    steps: b.steps,
                }),
                end: s.end.as_ref().map(|e| BriefEnd {
                    at: Moment::of(&e.at),
                    ended: e.ended,
                    elapsed_s: e.elapsed_s,
                    paused_s: e.paused_s,
                    done: e.done.len(),
                    skipped: e.skipped.len(),
                }),
                rating: s.rating.as_ref().map(|r| BriefRating {
                    at: Moment::of(&r.at),
                    rating: r.rating,
                    note: r.note.as_deref().map(Box::from),
                }),
            })
            .collect();
        Briefs {
            sessions,
            routines: routines.list,
            torn: history.torn.clone(),
        }
    }

    /// The routine session `s` was of, where its begin was recorded.
    pub fn routine(&self, s: &Brief) -> Option<&Named> {
        s.begin
            .as_ref()
            .and_then(|b| self.routines.get(b.routine as usize))
    }

    /// The last session begun, of any routine.
    pub fn last(&self) -> Option<&Brief> {
        self.sessions.iter().rev().find(|s| s.begin.is_some())
    }

    /// Whether both are the same sessions of the same routines, whatever place each routine
    /// has in its table.
    #[cfg(test)]
    pub(crate) fn same_as(&self, other: &Briefs) -> bool {
        let resolved = |log: &Briefs| -> Vec<(Brief, Option<Named>)> {
            (log.sessions.iter())
                .map(|s| {
                    let mut b = s.clone();
                    if let Some(begin) = &mut b.begin {
                        begin.routine = 0;
                    }
                    (b, log.routine(s).cloned())
                })
                .collect()
        };
        resolved(self) == resolved(other) && self.torn == other.torn
    }
}

/// The routines met so far, each given a place once.
#[derive(Default)]
struct Routines {
    list: Vec<Named>,
    /// Each routine's place, by its id and name in one string (`key`).
    places: HashMap<Box<str>, u32>,
    key: String,
}

impl Routines {
    fn place(&mut self, id: &str, name: &str) -> u32 {
        // The id's length first, so that no two pairs make the same key.
        use std::fmt::Write;
        self.key.clear();
        let _ = write!(self.key, "{}:{id}{name}", id.len());
        if let Some(place) = self.places.get(self.key.as_str()) {
            return *place;
        }
        let place = u32::try_from(self.list.len()).unwrap_or(u32::MAX);
        self.list.push(Named {
            id: id.into(),
            name: name.into(),
        });
        self.places.insert(self.key.as_str().into(), place);
        place
    }
}

/// Sessions in brief being put together, a record at a time, as `sessions`' assembly does.
#[derive(Default)]
struct Assembly {
    sessions: Vec<Brief>,
    /// Each session's place in `sessions`, by its id (which moves into the session at the end).
    by_id: HashMap<Box<str>, usize>,
    routines: Routines,
}

impl Assembly {
    fn add(&mut self, line: Record<'_>) {
        let i = match self.by_id.get(&*line.session) {
            Some(i) => *i,
            None => {
                self.sessions.push(Brief {
                    id: Box::default(),
                    begin: None,
                    end: None,
                    rating: None,
                });
                self.by_id
                    .insert(line.session.as_ref().into(), self.sessions.len() - 1);
                self.sessions.len() - 1
            }
        };
        let s = &mut self.sessions[i];
        if let Some(b) = line.begin {
            let begin = BriefBegin {
                at: Moment::of(&b.at),
                head: head(&b.at),
                routine: self.routines.place(&b.routine.id, &b.routine.name),
                planned_s: b.planned_s,
                steps: b.steps,
            };
            keep(&mut s.begin, begin, |b| b.at);
        }
        if let Some(e) = line.end {
            let end = BriefEnd {
                at: Moment::of(&e.at),
                ended: e.ended,
                elapsed_s: e.elapsed_s,
                paused_s: e.paused_s,
                done: e.done.0,
                skipped: e.skipped.0,
            };
            keep(&mut s.end, end, |e| e.at);
        }
        if let Some(r) = line.rating {
            let rating = BriefRating {
                at: Moment::of(&r.at),
                rating: r.rating,
                note: r.note.map(String::into_boxed_str),
            };
            keep(&mut s.rating, rating, |r| (r.at, r.rating));
        }
    }

    fn finish(self) -> (Vec<Brief>, Vec<Named>) {
        let mut sessions = self.sessions;
        for (id, i) in self.by_id {
            sessions[i].id = id;
        }
        // Ids are unique, so an unstable sort gives the one order, in place: a stable sort would
        // take a second list as long as this one to do it.
        sessions.shrink_to_fit();
        sessions.sort_unstable_by(|a, b| (a.start(), &a.id).cmp(&(b.start(), &b.id)));
        (sessions, self.routines.list)
    }
}

// --- One line, as this module reads it --------------------------------------------------------
//
// The fields and types of `record::Line` and the records in it, under the same names, and the
// same names in serde's words ("missing field `voice`", "expected struct Begin"). A string the
// view does not show is a `Text`, a list of step numbers a `Count`, the exercises `IgnoredAny`.

/// One line of the log, borrowed from it.
#[derive(Deserialize)]
#[serde(expecting = "struct Line")]
pub struct Record<'a> {
    v: u32,
    #[serde(borrow)]
    session: Cow<'a, str>,
    #[serde(default, borrow)]
    begin: Option<BeginRecord<'a>>,
    #[serde(default, borrow)]
    end: Option<EndRecord<'a>>,
    #[serde(default, borrow)]
    rating: Option<RatedRecord<'a>>,
}

impl<'a> store::Record<'a> for Record<'a> {
    fn format(&self) -> u32 {
        self.v
    }

    fn parts(&self) -> [bool; 3] {
        [
            self.begin.is_some(),
            self.end.is_some(),
            self.rating.is_some(),
        ]
    }
}

impl store::Shape for Record<'_> {
    type Record<'a> = Record<'a>;
}

#[derive(Deserialize)]
#[serde(expecting = "struct Begin")]
struct BeginRecord<'a> {
    #[serde(borrow)]
    at: Cow<'a, str>,
    #[serde(default, rename = "tz")]
    _tz: Option<Text>,
    #[serde(borrow)]
    routine: RoutineRecord<'a>,
    planned_s: f64,
    #[serde(default)]
    steps: usize,
    #[serde(rename = "voice")]
    _voice: Text,
    #[serde(default, rename = "part")]
    _part: Option<Text>,
    #[serde(default, rename = "level_override")]
    _level_override: Option<Text>,
    #[serde(default, rename = "exercises")]
    _exercises: IgnoredAny,
}

#[derive(Deserialize)]
#[serde(expecting = "struct RoutineId")]
struct RoutineRecord<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(rename = "hash")]
    _hash: Text,
}

#[derive(Deserialize)]
#[serde(expecting = "struct End")]
struct EndRecord<'a> {
    #[serde(borrow)]
    at: Cow<'a, str>,
    ended: Ended,
    elapsed_s: f64,
    paused_s: f64,
    #[serde(default)]
    done: Count,
    #[serde(default)]
    skipped: Count,
    #[serde(default, rename = "exercises")]
    _exercises: IgnoredAny,
}

#[derive(Deserialize)]
#[serde(expecting = "struct Rated")]
struct RatedRecord<'a> {
    #[serde(borrow)]
    at: Cow<'a, str>,
    rating: Rating,
    #[serde(default)]
    note: Option<String>,
    #[serde(default, rename = "by")]
    _by: Option<Text>,
}

/// A string, checked to be one as a `String` is, and not kept.
struct Text;

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Text;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E>(self, _: &str) -> Result<Text, E> {
                Ok(Text)
            }
        }
        d.deserialize_string(Visitor)
    }
}

/// A list of numbers, checked to be one as a `Vec<usize>` is, and counted.
#[derive(Default)]
struct Count(usize);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Count, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Count;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a sequence")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Count, A::Error> {
                let mut n = 0;
                while seq.next_element::<usize>()?.is_some() {
                    n += 1;
                }
                Ok(Count(n))
            }
        }
        d.deserialize_seq(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::sessions::assemble;
    use proptest::prelude::*;

    /// Lines of two sessions, one with a note and a name with escapes, one without its begin;
    /// no exercises (the test below edits them, and exercises are read only whole).
    const LOG: &[&str] = &[
        r#"{"v":1,"session":"1-1","begin":{"at":"2026-11-30T07:30:00.000+01:00","tz":"Europe/Berlin","routine":{"id":"in-bed","name":"In bed \"gentle\" \u00fc","hash":"ab"},"planned_s":1380.0,"steps":18,"voice":"espeak-ng","part":"--from 2","level_override":"--level 2"}}"#,
        r#"{"v":1,"session":"1-1","end":{"at":"2026-11-30T07:53:00.000+01:00","ended":"finished","elapsed_s":1390.0,"paused_s":12.5,"done":[1,2,3],"skipped":[2]}}"#,
        r#"{"v":1,"session":"1-1","rating":{"at":"2026-11-30T07:54:00.000+01:00","rating":"pain","note":"the knee\nagain","by":"key"}}"#,
        r#"{"v":1,"session":"2-1","end":{"at":"2026-12-01T08:00:00+00:00","ended":"stopped","elapsed_s":600,"paused_s":0}}"#,
        r#"{"v":1,"session":"2-1","rating":{"at":"2026-12-01T08:01:00Z","rating":"easy"}}"#,
    ];

    /// What the lines in `bytes` come to read whole (then put in brief), or the error's words.
    fn whole(bytes: &[u8]) -> Result<Briefs, String> {
        let read = store::parse(Path::new("h.jsonl"), bytes).map_err(|e| e.to_string())?;
        let history = History {
            sessions: assemble(read.lines.into_iter().map(|(_, l)| l)),
            torn: read
                .torn
                .iter()
                .map(|n| (PathBuf::from("h.jsonl"), *n))
                .collect(),
        };
        Ok(Briefs::of(&history))
    }

    /// The same, read in brief.
    fn brief(bytes: &[u8]) -> Result<Briefs, String> {
        let mut sessions = Assembly::default();
        let torn = store::records::<Record>(Path::new("h.jsonl"), bytes, |_, l| sessions.add(l))
            .map_err(|e| e.to_string())?;
        let (sessions, routines) = sessions.finish();
        Ok(Briefs {
            sessions,
            routines,
            torn: torn
                .iter()
                .map(|n| (PathBuf::from("h.jsonl"), *n))
                .collect(),
        })
    }

    fn text(lines: &[&str]) -> Vec<u8> {
        lines
            .iter()
            .flat_map(|l| format!("{l}\n").into_bytes())
            .collect()
    }

    #[test]
    fn sessions_in_brief_are_the_whole_sessions_less_what_the_list_does_not_show() {
        let log = brief(&text(LOG)).unwrap();
        assert!(log.same_as(&whole(&text(LOG)).unwrap()));
        let [a, b] = &log.sessions[..] else {
            panic!("{log:?}")
        };
        assert_eq!(&*a.id, "1-1");
        assert_eq!(log.routine(a).unwrap().name.as_ref(), "In bed \"gentle\" ü");
        assert_eq!(a.begin.as_ref().unwrap().head(), Some("2026-11-30T07:30"));
        assert_eq!(a.begin.as_ref().unwrap().clock(), Some("07:30"));
        assert_eq!(a.date(), Some(jiff::civil::date(2026, 11, 30)));
        assert_eq!((a.how(), a.active_seconds()), (Ending::Skipped, 1377.5));
        assert_eq!(a.end.as_ref().map(|e| (e.done, e.skipped)), Some((3, 1)));
        assert_eq!(
            (a.rating(), a.note()),
            (Some(Rating::Pain), Some("the knee\nagain"))
        );
        assert!(a.tally().counts);
        // Without a begin: no routine, the end's time; stopped early, so it does not count.
        assert_eq!(log.routine(b), None);
        assert_eq!(b.date(), Some(jiff::civil::date(2026, 12, 1)));
        assert_eq!(b.how(), Ending::Stopped);
        assert!(!b.tally().counts);
        assert_eq!(log.last().map(|s| &*s.id), Some("1-1"));
        assert_eq!(log.routines.len(), 1);

        // Repeated and reordered, the same sessions; the latest rating holds.
        let mut lines = LOG.to_vec();
        lines.extend_from_slice(&LOG[..3]);
        lines.reverse();
        let later = r#"{"v":1,"session":"1-1","rating":{"at":"2026-11-30T09:00:00.000+01:00","rating":"fine"}}"#;
        lines.insert(2, later);
        let again = brief(&text(&lines)).unwrap();
        assert!(again.same_as(&whole(&text(&lines)).unwrap()));
        assert_eq!(again.sessions[0].rating(), Some(Rating::Fine));
        assert_eq!(again.sessions[0].note(), None);
        assert_eq!(again.routines.len(), 1, "a routine has one place");
    }

    #[test]
    fn the_exercises_are_passed_over_unread() {
        // Only the picture, `--json` and the levels read them (and refuse a bad one).
        let line = LOG[1].replace(
            r#""skipped":[2]"#,
            r#""skipped":[2],"exercises":[{"step":"x"}]"#,
        ) + "\n";
        assert!(
            whole(line.as_bytes())
                .unwrap_err()
                .contains("expected usize")
        );
        assert_eq!(brief(line.as_bytes()).unwrap().sessions.len(), 1);
    }

    #[test]
    fn a_session_in_brief_is_small() {
        // 240 bytes on x86_64, besides its id and a note: 10,000 sessions in 2.4 MB. A string or
        // a list kept for each session would show here.
        assert!(
            std::mem::size_of::<Brief>() <= 256,
            "{}",
            std::mem::size_of::<Brief>()
        );
    }

    /// An edit of a line: a byte removed, put in, or replaced, or the line cut there.
    fn edit() -> impl Strategy<Value = (prop::sample::Index, u8, u8)> {
        (
            any::<prop::sample::Index>(),
            0..4u8,
            prop::sample::select(b"\"{}[],:01-.e\\ nulZ+\x00x".to_vec()),
        )
    }

    proptest! {
        /// A line however edited is read in brief as it is read whole: the same sessions, the
        /// same torn lines, or the same error in the same words.
        #[test]
        fn a_line_in_brief_is_refused_as_it_is_whole(
            which in 0..LOG.len(),
            edits in prop::collection::vec(edit(), 1..4),
        ) {
            let mut line = LOG[which].as_bytes().to_vec();
            for (at, how, byte) in edits {
                let i = at.index(line.len() + 1);
                match how {
                    0 if i < line.len() => { line.remove(i); }
                    1 => line.insert(i, byte),
                    2 if i < line.len() => line[i] = byte,
                    _ => line.truncate(i),
                }
            }
            // Then the rest of the log, and the edited line once more without its newline.
            let mut bytes = line.clone();
            bytes.push(b'\n');
            bytes.extend(text(LOG));
            bytes.extend(&line);
            match (whole(&bytes), brief(&bytes)) {
                (Ok(a), Ok(b)) => prop_assert!(a.same_as(&b), "{a:?}\n{b:?}"),
                (a, b) => prop_assert_eq!(a.map(|_| ()), b.map(|_| ())),
            }
        }
    }
}
