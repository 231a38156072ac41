//! What the log adds up to: minutes and sessions a week against the goal, the streak of weeks that
//! met it, and a calendar of days. Pure functions of each session's [`Tally`] (its day, its
//! minutes, whether it counts) and of today's date, so whole sessions and sessions in brief add up
//! the same.
//!
//! Weeks start on Monday, in the time zone each session was done in. A session counts towards the
//! goal when at least half its planned length was done, however it ended: ten minutes of a
//! twenty-minute routine is a session; two minutes before the phone rang is not, and neither is a
//! routine skipped through to its end in a minute.

use jiff::ToSpan;
use jiff::civil::{Date, Weekday};

use super::record::Ended;

/// The weekly goal unless the configuration says otherwise.
pub const DEFAULT_GOAL: u32 = 3;
/// Weeks in the calendar.
pub const CALENDAR_WEEKS: i32 = 12;

/// The Monday of the week `date` is in.
pub fn week_of(date: Date) -> Date {
    let back = i64::from(date.weekday().to_monday_zero_offset());
    date.checked_sub(back.days()).unwrap_or(date)
}

/// What the weeks and the calendar need of a session.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tally {
    /// The day it began, in the time zone it was done in.
    pub date: Option<Date>,
    /// Seconds of exercise (pauses left out).
    pub seconds: f64,
    /// Whether it counts towards the weekly goal ([`counts`]).
    pub counts: bool,
}

/// Whether a session counts towards the weekly goal: `ended` is how it ended (`None` without an
/// end), `seconds` its seconds of exercise, `planned` its planned length (0 without a begin, when
/// a finished session counts, having nothing to be measured against).
pub fn counts(ended: Option<Ended>, seconds: f64, planned: f64) -> bool {
    match ended {
        None => false,
        Some(_) if planned > 0.0 => seconds >= planned / 2.0,
        Some(ended) => ended == Ended::Finished,
    }
}

/// One week's sessions.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Week {
    /// Its Monday.
    pub start: Date,
    /// Sessions that count towards the goal.
    pub sessions: u32,
    /// Minutes of exercise, of every session.
    pub minutes: f64,
    pub goal: u32,
    pub met: bool,
}

/// One day of the calendar.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Day {
    pub date: Date,
    pub minutes: f64,
    pub sessions: u32,
}

/// The weeks from the Monday of `from`'s week to `today`'s, oldest first.
pub fn weeks(
    sessions: impl IntoIterator<Item = Tally>,
    from: Date,
    today: Date,
    goal: u32,
) -> Vec<Week> {
    let first = week_of(from.min(today));
    let this = week_of(today);
    let count = usize::try_from((this - first).get_days() / 7 + 1).unwrap_or(1);
    let mut out: Vec<Week> = (0..count)
        .map(|i| Week {
            start: first.checked_add((7 * i as i64).days()).unwrap_or(first),
            sessions: 0,
            minutes: 0.0,
            goal,
            met: false,
        })
        .collect();
    for s in sessions {
        let Some(date) = s.date else { continue };
        let Ok(i) = usize::try_from((week_of(date) - first).get_days() / 7) else {
            continue;
        };
        if date > today || i >= out.len() {
            continue;
        }
        out[i].minutes += s.seconds / 60.0;
        out[i].sessions += u32::from(s.counts);
    }
    for w in &mut out {
        w.met = goal > 0 && w.sessions >= goal;
    }
    out
}

/// Weeks in a row that met the goal, up to last week, and this week too once it has met it
/// (a week still under way has not failed yet).
pub fn streak(weeks: &[Week]) -> u32 {
    let Some((this, before)) = weeks.split_last() else {
        return 0;
    };
    let past = before.iter().rev().take_while(|w| w.met).count() as u32;
    past + u32::from(this.met)
}

/// The last [`CALENDAR_WEEKS`] weeks, Monday to Sunday, ending with this week (days after today
/// included, with nothing in them).
pub fn calendar(sessions: impl IntoIterator<Item = Tally>, today: Date) -> Vec<Day> {
    let end = week_of(today).checked_add(6.days()).unwrap_or(today);
    let start = week_of(today)
        .checked_sub(((CALENDAR_WEEKS - 1) * 7).days())
        .unwrap_or(today);
    let mut days: Vec<Day> = start
        .series(1.day())
        .take_while(|d| *d <= end)
        .map(|date| Day {
            date,
            minutes: 0.0,
            sessions: 0,
        })
        .collect();
    for s in sessions {
        let Some(date) = s.date.filter(|d| (start..=end).contains(d)) else {
            continue;
        };
        let i = (date - start).get_days() as usize;
        days[i].minutes += s.seconds / 60.0;
        days[i].sessions += 1;
    }
    days
}

/// How a day is shaded: 0 for nothing, then under 10 minutes, 10 to 19, 20 to 29, 30 or more.
pub fn shade(minutes: f64) -> usize {
    match minutes {
        m if m <= 0.0 => 0,
        m if m < 10.0 => 1,
        m if m < 20.0 => 2,
        m if m < 30.0 => 3,
        _ => 4,
    }
}

pub const WEEKDAYS: [Weekday; 7] = [
    Weekday::Monday,
    Weekday::Tuesday,
    Weekday::Wednesday,
    Weekday::Thursday,
    Weekday::Friday,
    Weekday::Saturday,
    Weekday::Sunday,
];

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    /// A session that lasted `minutes`: one finished was planned for as long, one stopped or
    /// killed for 20 minutes.
    fn session(day: Date, minutes: f64, ended: Option<Ended>) -> Tally {
        let seconds = if ended.is_some() { minutes * 60.0 } else { 0.0 };
        let planned = if ended == Some(Ended::Finished) {
            seconds
        } else {
            1200.0
        };
        Tally {
            date: Some(day),
            seconds,
            counts: counts(ended, seconds, planned),
        }
    }

    #[test]
    fn weeks_start_on_monday() {
        assert_eq!(week_of(date(2026, 12, 1)), date(2026, 11, 30));
        assert_eq!(week_of(date(2026, 11, 30)), date(2026, 11, 30));
        assert_eq!(week_of(date(2026, 12, 6)), date(2026, 11, 30));
    }

    #[test]
    fn a_session_counts_when_finished_or_half_done() {
        let d = date(2026, 12, 1);
        assert!(session(d, 1.0, Some(Ended::Finished)).counts);
        assert!(session(d, 10.0, Some(Ended::Stopped)).counts);
        assert!(!session(d, 9.0, Some(Ended::Stopped)).counts);
        assert!(!session(d, 0.0, None).counts);
    }

    #[test]
    fn a_session_skipped_through_to_its_end_does_not_count() {
        // Twenty minutes planned, every step skipped: finished in half a minute.
        assert!(!counts(Some(Ended::Finished), 30.0, 1200.0));
        assert!(counts(Some(Ended::Finished), 600.0, 1200.0));
        // Without a begin there is no length to measure against: finished counts, stopped not.
        assert!(counts(Some(Ended::Finished), 30.0, 0.0));
        assert!(!counts(Some(Ended::Stopped), 30.0, 0.0));
    }

    #[test]
    fn weeks_streak_and_calendar() {
        // Today is Thursday 3 December 2026. Three weeks ago: 3 sessions; two weeks ago: 3; last
        // week: 2; this week: 3 so far, one of them stopped early.
        let today = date(2026, 12, 3);
        let f = Some(Ended::Finished);
        let sessions = vec![
            session(date(2026, 11, 9), 20.0, f),
            session(date(2026, 11, 11), 20.0, f),
            session(date(2026, 11, 13), 20.0, f),
            session(date(2026, 11, 16), 15.0, f),
            session(date(2026, 11, 18), 15.0, f),
            session(date(2026, 11, 20), 15.0, f),
            session(date(2026, 11, 24), 25.0, f),
            session(date(2026, 11, 26), 25.0, f),
            session(date(2026, 11, 30), 5.0, f),
            session(date(2026, 12, 1), 2.0, Some(Ended::Stopped)),
            session(date(2026, 12, 1), 22.0, f),
            session(date(2026, 12, 3), 35.0, f),
        ];
        let w = weeks(sessions.iter().copied(), date(2026, 11, 9), today, 3);
        let summary: Vec<_> = w
            .iter()
            .map(|w| {
                (
                    w.start.to_string(),
                    w.sessions,
                    w.minutes.round() as u32,
                    w.met,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("2026-11-09".into(), 3, 60, true),
                ("2026-11-16".into(), 3, 45, true),
                ("2026-11-23".into(), 2, 50, false),
                ("2026-11-30".into(), 3, 64, true),
            ]
        );
        assert_eq!(streak(&w), 1, "last week broke it; this week has met it");
        assert_eq!(streak(&w[..3]), 2, "a week under way has not failed yet");
        assert_eq!(streak(&w[..2]), 2);
        // This week not yet met: the streak is the weeks before it.
        let w = weeks(
            sessions[..9].iter().copied(),
            date(2026, 11, 9),
            date(2026, 11, 30),
            2,
        );
        assert_eq!(streak(&w), 3);

        let days = calendar(sessions.iter().copied(), today);
        assert_eq!(days.len(), 84);
        assert_eq!(days[0].date, date(2026, 9, 14));
        assert_eq!(days[83].date, date(2026, 12, 6));
        let dec1 = days.iter().find(|d| d.date == date(2026, 12, 1)).unwrap();
        assert_eq!((dec1.sessions, dec1.minutes.round() as u32), (2, 24));
        assert_eq!(shade(dec1.minutes), 3);
        let shades: Vec<usize> = days[77..].iter().map(|d| shade(d.minutes)).collect();
        assert_eq!(shades, [1, 3, 0, 4, 0, 0, 0]);
    }
}
