//! `limber history`: the log as a person reads it (the last sessions, this week against the goal,
//! the streak, a calendar of twelve weeks) and as JSON for scripts.

use jiff::civil::Date;
use serde::Serialize;

use super::brief::{Brief, Briefs};
use super::record::{Ended, Rating};
use super::sessions::{Ending, History, Session};
use super::stats::{self, Day, Week};

/// Which sessions to show.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// A routine's id (its file name) or name, in any case.
    pub routine: Option<String>,
    /// Sessions on or after this day.
    pub since: Option<Date>,
}

impl Filter {
    /// The filter in words, for "No sessions of core-strength since 2026-11-01"; empty for none.
    pub fn words(&self) -> String {
        let mut out = String::new();
        if let Some(r) = &self.routine {
            out.push_str(&format!(" of {r}"));
        }
        if let Some(d) = self.since {
            out.push_str(&format!(" since {d}"));
        }
        out
    }

    /// Whether session `s` of `log` is shown.
    pub fn keeps(&self, log: &Briefs, s: &Brief) -> bool {
        let routine = self.routine.as_ref().is_none_or(|want| {
            log.routine(s).is_some_and(|r| {
                r.id.eq_ignore_ascii_case(want) || r.name.eq_ignore_ascii_case(want)
            })
        });
        let since = self
            .since
            .is_none_or(|d| s.date().is_some_and(|date| date >= d));
        routine && since
    }
}

/// Everything `limber history` shows, made from the sessions in brief: the list (the last
/// sessions shown), the week, the streak and the calendar. [`Report::json`] adds the sessions
/// whole, for `--json`.
#[derive(Debug)]
pub struct Report<'a> {
    log: &'a Briefs,
    /// The sessions shown, by their place in the log, oldest first.
    pub shown: Vec<usize>,
    pub goal: u32,
    /// This week.
    pub week: Week,
    /// Weeks in a row that met the goal.
    pub streak: u32,
    /// Every week from the first session shown (or the calendar's first week) to this one.
    pub weeks: Vec<Week>,
    /// The last 12 weeks, a day each, Monday to Sunday.
    pub calendar: Vec<Day>,
    /// Which sessions are shown, in words (" of core-strength"); empty for all.
    pub filter: String,
}

/// The report as `--json` prints it: each session's JSON made as it is written (a long log's is
/// never held whole).
#[derive(Debug, Serialize)]
pub struct Json<'a> {
    #[serde(serialize_with = "sessions_json")]
    pub sessions: Vec<&'a Session>,
    pub goal: u32,
    pub week: Week,
    pub streak: u32,
    pub weeks: &'a [Week],
    pub calendar: &'a [Day],
}

#[derive(Debug, Serialize)]
pub struct SessionJson {
    pub session: String,
    pub start: Option<String>,
    pub date: Option<Date>,
    pub routine: Option<super::record::RoutineId>,
    pub voice: Option<String>,
    pub planned_seconds: Option<f64>,
    /// Seconds of exercise (pauses left out); 0 when no end was recorded.
    pub seconds: f64,
    pub paused_seconds: f64,
    pub ended: Ending,
    /// Steps planned, done and skipped (numbers from 1).
    pub steps: Option<usize>,
    pub done: Vec<usize>,
    pub skipped: Vec<usize>,
    pub exercises: Vec<ExerciseJson>,
    pub rating: Option<Rating>,
    pub note: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ExerciseJson {
    pub step: usize,
    pub name: String,
    /// Planned: reps per side, sets, hold seconds, level.
    pub planned_reps: Option<u32>,
    pub sets: Option<u32>,
    pub hold_seconds: Option<f64>,
    pub level: Option<u32>,
    /// Done: reps in all, sides, seconds held in all.
    pub reps_done: u32,
    pub sides_done: Vec<String>,
    pub seconds_held: f64,
}

fn sessions_json<S: serde::Serializer>(sessions: &[&Session], out: S) -> Result<S::Ok, S::Error> {
    out.collect_seq(sessions.iter().map(|s| session_json(s)))
}

impl<'a> Report<'a> {
    pub fn new(log: &'a Briefs, filter: &Filter, today: Date, goal: u32) -> Report<'a> {
        let shown: Vec<usize> = (0..log.sessions.len())
            .filter(|i| filter.keeps(log, &log.sessions[*i]))
            .collect();
        let tallies = || shown.iter().map(|i| log.sessions[*i].tally());
        let first = tallies().filter_map(|t| t.date).min().unwrap_or(today).min(
            today
                .checked_sub(jiff::Span::new().weeks(i64::from(stats::CALENDAR_WEEKS - 1)))
                .unwrap_or(today),
        );
        let weeks = stats::weeks(tallies(), first, today, goal);
        let calendar = stats::calendar(tallies(), today);
        let week = *weeks.last().expect("at least this week");
        Report {
            log,
            shown,
            goal,
            week,
            streak: stats::streak(&weeks),
            calendar,
            weeks,
            filter: filter.words(),
        }
    }

    /// The report with the sessions shown whole, for `--json`: `history` is the log that
    /// `self`'s sessions in brief were made from ([`Briefs::of`]), in the same order.
    pub fn json(&'a self, history: &'a History) -> Json<'a> {
        Json {
            sessions: self.shown.iter().map(|i| &history.sessions[*i]).collect(),
            goal: self.goal,
            week: self.week,
            streak: self.streak,
            weeks: &self.weeks,
            calendar: &self.calendar,
        }
    }

    /// The report for a person: `color` shades the calendar, else it is drawn in plain
    /// characters. `last` is how many sessions are listed.
    pub fn text(&self, color: bool, last: usize) -> String {
        let mut out = String::new();
        let count = self.shown.len();
        if count == 0 && self.filter.is_empty() {
            out.push_str("No sessions yet. `limber run` starts one; each is recorded here.\n");
        } else if count == 0 {
            out.push_str(&format!("No sessions{}.\n", self.filter));
        } else if last == 0 {
            out.push_str(&format!(
                "{}{}.\n",
                crate::report::words::count(count, "session", "sessions"),
                self.filter
            ));
        } else {
            let n = count.min(last);
            out.push_str(&if count == 1 {
                format!("1 session{}:\n", self.filter)
            } else {
                format!("Last {} of {} sessions{}:\n", n, count, self.filter)
            });
            let rows: Vec<[String; 5]> = self.shown[count - n..]
                .iter()
                .rev()
                .map(|i| row(self.log, &self.log.sessions[*i]))
                .collect();
            let width = |i: usize| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0);
            let widths = [width(0), width(1), width(2), width(3)];
            for r in &rows {
                let line = format!(
                    "  {:<w0$}  {:<w1$}  {:>w2$}  {:<w3$}  {}",
                    r[0],
                    r[1],
                    r[2],
                    r[3],
                    r[4],
                    w0 = widths[0],
                    w1 = widths[1],
                    w2 = widths[2],
                    w3 = widths[3],
                );
                out.push_str(line.trim_end());
                out.push('\n');
            }
        }
        out.push('\n');
        let w = &self.week;
        let to_go = w.goal.saturating_sub(w.sessions);
        let against = match (w.goal, to_go) {
            (0, _) => "no weekly goal".to_string(),
            (g, 0) => format!("goal {g} a week: met"),
            (g, 1) => format!("goal {g} a week: 1 more to go"),
            (g, n) => format!("goal {g} a week: {n} more to go"),
        };
        out.push_str(&format!(
            "This week: {} {}, {} min ({against})\n",
            w.sessions,
            plural(w.sessions, "session", "sessions"),
            w.minutes.round() as u64
        ));
        if w.goal > 0 {
            out.push_str(&match self.streak {
                0 => "Streak: no week in a row has met the goal yet\n".to_string(),
                n => format!(
                    "Streak: {n} {} in a row met the goal\n",
                    plural(n, "week", "weeks")
                ),
            });
        }
        out.push('\n');
        out.push_str(&calendar_text(&self.calendar, color));
        out
    }
}

fn plural<'a>(n: u32, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

fn session_json(s: &Session) -> SessionJson {
    let planned = s.begin.as_ref().map(|b| &b.exercises[..]).unwrap_or(&[]);
    let done = s.end.as_ref().map(|e| &e.exercises[..]).unwrap_or(&[]);
    let mut steps: Vec<usize> = planned.iter().map(|p| p.step).collect();
    steps.extend(done.iter().map(|d| d.step));
    steps.sort_unstable();
    steps.dedup();
    let exercises = steps
        .into_iter()
        .map(|step| {
            let p = planned.iter().find(|p| p.step == step);
            let d = done.iter().find(|d| d.step == step);
            ExerciseJson {
                step,
                name: p
                    .map(|p| p.name.clone())
                    .or(d.map(|d| d.name.clone()))
                    .unwrap_or_default(),
                planned_reps: p.map(|p| p.reps),
                sets: p.map(|p| p.sets),
                hold_seconds: p.and_then(|p| p.hold_s),
                level: p.and_then(|p| p.level),
                reps_done: d.map_or(0, |d| d.reps),
                sides_done: d.map(|d| d.sides.clone()).unwrap_or_default(),
                seconds_held: d.map_or(0.0, |d| d.hold_s),
            }
        })
        .collect();
    SessionJson {
        session: s.id.clone(),
        start: s.begin.as_ref().map(|b| b.at.clone()),
        date: s.date,
        routine: s.begin.as_ref().map(|b| b.routine.clone()),
        voice: s.begin.as_ref().map(|b| b.voice.clone()),
        planned_seconds: s.begin.as_ref().map(|b| b.planned_s),
        seconds: round1(s.active_seconds()),
        paused_seconds: s.end.as_ref().map_or(0.0, |e| e.paused_s),
        ended: s.how(),
        steps: s.begin.as_ref().map(|b| b.steps),
        done: s.end.as_ref().map(|e| e.done.clone()).unwrap_or_default(),
        skipped: s
            .end
            .as_ref()
            .map(|e| e.skipped.clone())
            .unwrap_or_default(),
        exercises,
        rating: s.rating(),
        note: s.rating.as_ref().and_then(|r| r.note.clone()),
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// One row of the list: date, routine, length, done of planned, rating.
fn row(log: &Briefs, s: &Brief) -> [String; 5] {
    let when = match (&s.begin, s.date()) {
        (Some(begin), Some(date)) => {
            let time = begin.clock().unwrap_or("");
            format!("{} {}", date.strftime("%a %e %b"), time)
        }
        _ => "?".into(),
    };
    // The log is the user's file, and may have been edited by hand: its text is shown escaped.
    let shown = |text: &str| crate::report::words::shown(text).into_owned();
    let routine = log
        .routine(s)
        .map_or("(begin not recorded)".to_string(), |r| shown(&r.name));
    let ending = s.how();
    let length = match ending {
        Ending::Unfinished => "-".to_string(),
        _ => crate::report::words::clock((round1(s.active_seconds()) * 1000.0).round() as u64),
    };
    let steps = s
        .begin
        .as_ref()
        .map_or("?".to_string(), |b| b.steps.to_string());
    let (done, skipped) = s.end.as_ref().map_or((0, 0), |e| (e.done, e.skipped));
    let done = match ending {
        Ending::Completed => format!("{done}/{steps} steps"),
        Ending::Skipped => format!("{done}/{steps} steps, {skipped} skipped"),
        Ending::Stopped => format!("{done}/{steps} steps, stopped"),
        Ending::Unfinished => "no end recorded (killed?)".to_string(),
    };
    let mut rating = s.rating().map_or("-".to_string(), |r| r.word().to_string());
    if let Some(note) = s.note() {
        rating.push_str(&format!(": {}", shown(note)));
    }
    [when, routine, length, done, rating]
}

/// The plain characters for each shade, and the coloured cells' 256-colour codes.
const PLAIN: [char; 5] = ['.', '-', '+', '*', '#'];
const COLOURS: [u8; 5] = [238, 22, 28, 34, 46];

/// The calendar: a row a weekday, a column a week, a cell a day, months above.
pub fn calendar_text(days: &[Day], color: bool) -> String {
    let weeks = days.len() / 7;
    let mut out = format!("Last {weeks} weeks, a column a week:\n");
    // Month names over the first week that starts in each month.
    let mut months = String::from("      ");
    let mut free = 0;
    for w in 0..weeks {
        let monday = days[w * 7].date;
        let col = 6 + w * 2;
        let new_month = w == 0 || monday.month() != days[(w - 1) * 7].date.month();
        if new_month && col >= free {
            while months.chars().count() < col {
                months.push(' ');
            }
            months.push_str(&monday.strftime("%b").to_string());
            free = months.chars().count() + 1;
        }
    }
    out.push_str(months.trim_end());
    out.push('\n');
    let today = jiff::Zoned::now().date();
    for (d, weekday) in stats::WEEKDAYS.iter().enumerate() {
        out.push_str(&format!("  {}", &format!("{weekday:?}")[..3]));
        for w in 0..weeks {
            let day = &days[w * 7 + d];
            out.push(' ');
            if day.date > today && day.sessions == 0 {
                out.push(' ');
                continue;
            }
            let shade = stats::shade(day.minutes);
            if color {
                out.push_str(&format!("\x1b[38;5;{}m\u{25a0}\x1b[0m", COLOURS[shade]));
            } else {
                out.push(PLAIN[shade]);
            }
        }
        out.push('\n');
    }
    let cell = |s: usize| {
        if color {
            format!("\x1b[38;5;{}m\u{25a0}\x1b[0m", COLOURS[s])
        } else {
            PLAIN[s].to_string()
        }
    };
    out.push_str(&format!(
        "  minutes a day: {} none  {} under 10  {} 10-19  {} 20-29  {} 30 or more\n",
        cell(0),
        cell(1),
        cell(2),
        cell(3),
        cell(4)
    ));
    out
}

/// The end of a session, compared with the ones before it: "Third session this week. Bridge
/// holds up from 5 to 6 seconds." `sessions` are the log's sessions before this one (of every
/// routine); `this` is the one just ended.
pub fn comparison(sessions: &[Session], this: &Session, goal: u32) -> Option<String> {
    let date = this.date?;
    let week = stats::week_of(date);
    let mut parts = Vec::new();
    if this.tally().counts {
        let before = sessions
            .iter()
            .filter(|s| {
                s.id != this.id
                    && s.date
                        .is_some_and(|d| stats::week_of(d) == week && d <= date)
            })
            .filter(|s| s.tally().counts)
            .count() as u32;
        let nth = before + 1;
        let mut sentence = format!("{} session this week", ordinal(nth));
        if goal > 0 && nth == goal {
            sentence.push_str(": the week's goal is met");
        } else if goal > 0 && nth < goal {
            let left = goal - nth;
            sentence.push_str(&format!(", {left} more to meet the week's goal"));
        }
        parts.push(capitalise(&sentence));
    }
    // The last session of the same routine that got to each exercise.
    let routine = this.routine_id()?;
    let earlier: Vec<&Session> = sessions
        .iter()
        .filter(|s| s.id != this.id && s.routine_id() == Some(routine) && s.start < this.start)
        .collect();
    let begin = this.begin.as_ref()?;
    let mut changes = Vec::new();
    for p in &begin.exercises {
        if !this.did(&p.name) {
            continue;
        }
        let Some(before) = earlier.iter().rev().find_map(|s| {
            s.begin
                .as_ref()
                .filter(|_| s.did(&p.name))
                .and_then(|b| b.exercises.iter().find(|q| q.name == p.name))
        }) else {
            continue;
        };
        if let (Some(a), Some(b)) = (before.hold_s, p.hold_s)
            && a != b
        {
            changes.push(format!(
                "{} holds {} from {} to {} seconds",
                p.name,
                if b > a { "up" } else { "down" },
                crate::routine::template::format_seconds(a),
                crate::routine::template::format_seconds(b)
            ));
        }
        if before.reps != p.reps {
            changes.push(format!(
                "{} {} from {} to {} reps",
                p.name,
                if p.reps > before.reps { "up" } else { "down" },
                before.reps,
                p.reps
            ));
        }
    }
    if !changes.is_empty() {
        parts.push(capitalise(&changes.join("; ")));
    }
    if parts.is_empty() {
        None
    } else {
        Some(parts.join(". ") + ".")
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

pub fn ordinal(n: u32) -> String {
    const WORDS: [&str; 10] = [
        "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
        "tenth",
    ];
    match n {
        1..=10 => WORDS[n as usize - 1].to_string(),
        n if n % 10 == 1 && n % 100 != 11 => format!("{n}st"),
        n if n % 10 == 2 && n % 100 != 12 => format!("{n}nd"),
        n if n % 10 == 3 && n % 100 != 13 => format!("{n}rd"),
        n => format!("{n}th"),
    }
}

/// Whether the session ended, for summaries.
pub fn ended_word(e: Ended) -> &'static str {
    match e {
        Ended::Finished => "finished",
        Ended::Stopped => "stopped",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::record::{Begin, Done, End, Line, Planned, Rated, RoutineId};
    use crate::history::sessions::assemble;
    use jiff::civil::date;

    fn planned(hold: f64, reps: u32) -> Planned {
        Planned {
            step: 2,
            name: "Bridge".into(),
            reps,
            sets: 1,
            sides: 1,
            hold_s: Some(hold),
            level: Some(1),
        }
    }

    fn lines(id: &str, day: &str, hold: f64, rating: Option<Rating>) -> Vec<Line> {
        let mut out = vec![
            Line::begin(
                id,
                Begin {
                    at: format!("{day}T07:30:00+01:00"),
                    tz: Some("Europe/Berlin".into()),
                    routine: RoutineId {
                        id: "lower-back-basics".into(),
                        name: "Lower back basics".into(),
                        hash: "ab".into(),
                    },
                    planned_s: 1380.0,
                    voice: "espeak-ng".into(),
                    part: None,
                    level_override: None,
                    steps: 3,
                    exercises: vec![planned(hold, 8)],
                },
            ),
            Line::end(
                id,
                End {
                    at: format!("{day}T07:55:00+01:00"),
                    ended: Ended::Finished,
                    elapsed_s: 1400.0,
                    paused_s: 20.0,
                    done: vec![1, 2, 3],
                    skipped: vec![],
                    exercises: vec![Done {
                        step: 2,
                        name: "Bridge".into(),
                        reps: 8,
                        sides: vec![],
                        hold_s: hold * 8.0,
                    }],
                },
            ),
        ];
        if let Some(r) = rating {
            out.push(Line::rating(
                id,
                Rated {
                    at: format!("{day}T07:56:00+01:00"),
                    rating: r,
                    note: None,
                    by: Some("key".into()),
                },
            ));
        }
        out
    }

    #[test]
    fn the_report_lists_sessions_and_the_week_in_plain_text() {
        let mut all = lines("a", "2026-11-30", 5.0, Some(Rating::Easy));
        all.extend(lines("b", "2026-12-01", 6.0, None));
        let history = History {
            sessions: assemble(all),
            torn: vec![],
        };
        let log = Briefs::of(&history);
        let report = Report::new(&log, &Filter::default(), date(2026, 12, 2), 3);
        assert_eq!(report.week.sessions, 2);
        assert_eq!(report.streak, 0);
        assert_eq!(report.calendar.len(), 84);
        let text = report.text(false, 10);
        assert!(text.starts_with("Last 2 of 2 sessions:\n  Tue  1 Dec 07:30  Lower back basics  23:00  3/3 steps  -\n  Mon 30 Nov 07:30  Lower back basics  23:00  3/3 steps  easy\n"), "{text}");
        assert!(
            text.contains("This week: 2 sessions, 46 min (goal 3 a week: 1 more to go)"),
            "{text}"
        );
        assert!(!text.contains('\x1b'), "plain text has no colour");
        assert!(text.contains("  Mon"));

        let json = serde_json::to_value(report.json(&history)).unwrap();
        assert_eq!(json["sessions"][0]["ended"], "completed");
        assert_eq!(json["sessions"][0]["rating"], "easy");
        assert_eq!(json["sessions"][0]["exercises"][0]["hold_seconds"], 5.0);
        assert_eq!(json["week"]["start"], "2026-11-30");

        let only = Filter {
            routine: Some("LOWER BACK BASICS".into()),
            since: Some(date(2026, 12, 1)),
        };
        let one = Report::new(&log, &only, date(2026, 12, 2), 3);
        assert_eq!(one.shown, [1]);
        assert!(
            one.text(false, 10)
                .starts_with("1 session of LOWER BACK BASICS since 2026-12-01:\n"),
            "{}",
            one.text(false, 10)
        );
        let none = Filter {
            routine: Some("core-strength".into()),
            since: None,
        };
        let text = Report::new(&log, &none, date(2026, 12, 2), 3).text(false, 10);
        assert!(
            text.starts_with("No sessions of core-strength.\n"),
            "{text}"
        );
        assert!(report.text(false, 0).starts_with("2 sessions.\n"));
    }

    #[test]
    fn the_end_compares_with_the_sessions_before() {
        let mut all = lines("a", "2026-11-30", 5.0, Some(Rating::Easy));
        all.extend(lines("b", "2026-12-01", 5.0, None));
        all.extend(lines("c", "2026-12-02", 6.0, None));
        let sessions = assemble(all);
        let said = comparison(&sessions[..2], &sessions[2], 3).unwrap();
        assert_eq!(
            said,
            "Third session this week: the week's goal is met. Bridge holds up from 5 to 6 seconds."
        );
        let said = comparison(&sessions[..1], &sessions[1], 3).unwrap();
        assert_eq!(
            said,
            "Second session this week, 1 more to meet the week's goal."
        );
    }

    #[test]
    fn ordinals() {
        assert_eq!(ordinal(3), "third");
        assert_eq!(ordinal(11), "11th");
        assert_eq!(ordinal(22), "22nd");
    }
}
