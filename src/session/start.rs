//! When a session starts: `--at 07:30` (the next 07:30 in local time, so tomorrow's when today's
//! has passed) or `--wait 10m`.
//!
//! The wait is one timer at a time, not a busy loop: it wakes at most once a minute to look at
//! the wall clock again, because the monotonic clock stands still while a machine is suspended,
//! and a laptop that slept through the night should still start at 07:30, not hours later.
//! While waiting, the session already answers `limber ctl` (status says when it will start; stop
//! cancels it) and signals (SIGINT and SIGTERM cancel it).

use std::time::Duration;

use jiff::civil::Time;
use jiff::{Timestamp, ToSpan, Zoned};

/// Parses `HH:MM` or `HH:MM:SS`, 24-hour (the hour may have one digit: `7:30`).
pub fn parse_at(text: &str) -> Result<Time, String> {
    let bad = || format!("\"{text}\" is not a time of day; give it as HH:MM, 24-hour, like 07:30");
    let text = text.trim();
    ["%H:%M:%S", "%H:%M"]
        .iter()
        .find_map(|format| {
            jiff::fmt::strtime::parse(format, text)
                .and_then(|t| t.to_time())
                .ok()
        })
        .ok_or_else(bad)
}

/// Parses a length: seconds alone (`90`), or jiff's friendly durations (`90s`, `10m`, `1h30m`,
/// `2m30s`, `1 hour`). At most a week.
pub fn parse_wait(text: &str) -> Result<Duration, String> {
    let bad = || format!("\"{text}\" is not a length of time; give it like 90s, 10m, 1h30m");
    let trimmed = text.trim();
    let length = match trimmed.parse::<u64>() {
        Ok(seconds) => Duration::from_secs(seconds),
        Err(_) => trimmed
            .parse::<jiff::SignedDuration>()
            .ok()
            .and_then(|d| Duration::try_from(d).ok())
            .ok_or_else(bad)?,
    };
    if length > Duration::from_secs(7 * 24 * 3600) {
        return Err(format!(
            "\"{trimmed}\" is more than a week; limber waits at most 7 days"
        ));
    }
    Ok(length)
}

/// The next moment the clock shows `at` after `now`: today, or tomorrow when that has passed.
/// A time that a daylight-saving change skips is taken as the moment just after the change.
pub fn next(at: Time, now: &Zoned) -> Zoned {
    let today = now
        .date()
        .to_datetime(at)
        .to_zoned(now.time_zone().clone())
        .unwrap_or_else(|_| now.clone());
    if today.timestamp() > now.timestamp() {
        today
    } else {
        let tomorrow = now.date().tomorrow().unwrap_or(now.date()).to_datetime(at);
        tomorrow
            .to_zoned(now.time_zone().clone())
            .unwrap_or_else(|_| now.checked_add(1.day()).unwrap_or_else(|_| now.clone()))
    }
}

/// When a session waiting for `--at` or `--wait` starts, from now.
pub fn target(at: Option<Time>, wait: Option<Duration>) -> Option<Zoned> {
    let now = Zoned::now();
    match (at, wait) {
        (Some(at), _) => Some(next(at, &now)),
        (None, Some(wait)) => now.checked_add(wait).ok(),
        (None, None) => None,
    }
}

/// How it is said: "07:30:00 (in 9 h 12 min)", "07:30:00 tomorrow (in 23 h 59 min)", "(in 5 s)".
pub fn describe(target: &Zoned) -> String {
    let now = Zoned::now();
    let left = left(target);
    let day = if target.date() == now.date() {
        ""
    } else if Some(target.date()) == now.date().tomorrow().ok() {
        " tomorrow"
    } else {
        " on a later day"
    };
    // Rounded, not cut: `--wait 5s` is "in 5 s" a few microseconds later, not "in 4 s".
    let span = crate::report::words::short(left);
    format!("{}{day} (in {span})", target.strftime("%H:%M:%S"))
}

/// Time left until `target` by the wall clock.
pub fn left(target: &Zoned) -> Duration {
    let now = Timestamp::now();
    let d = target.timestamp().as_duration() - now.as_duration();
    d.try_into().unwrap_or(Duration::ZERO)
}

/// Sleeps until `target` by the wall clock, waking at most once a minute to check it.
pub async fn sleep_until(target: &Zoned) {
    loop {
        let left = left(target);
        if left.is_zero() {
            return;
        }
        tokio::time::sleep(left.min(Duration::from_secs(60))).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Time {
        parse_at(text).unwrap()
    }

    #[test]
    fn times_of_day() {
        assert_eq!(at("07:30"), Time::new(7, 30, 0, 0).unwrap());
        assert_eq!(at("7:05:09"), Time::new(7, 5, 9, 0).unwrap());
        assert_eq!(at("23:59"), Time::new(23, 59, 0, 0).unwrap());
        for bad in [
            "24:00",
            "7",
            "07",
            "07:60",
            "7:30pm",
            "",
            "07:30:00:00",
            "-1:30",
            "7.30",
        ] {
            let e = parse_at(bad).unwrap_err();
            assert!(e.contains("give it as HH:MM"), "{bad}: {e}");
        }
    }

    #[test]
    fn lengths() {
        assert_eq!(parse_wait("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_wait("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_wait("10m").unwrap(), Duration::from_secs(600));
        assert_eq!(parse_wait("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_wait("2m30s").unwrap(), Duration::from_secs(150));
        for bad in ["", "m", "10x", "1h30", "-5m", "ten"] {
            assert!(parse_wait(bad).is_err(), "{bad}");
        }
        assert!(parse_wait("8d").is_err());
        assert!(
            parse_wait("1d").is_err(),
            "a day is a calendar unit, not a length"
        );
        assert!(parse_wait("200h").unwrap_err().contains("at most 7 days"));
    }

    #[test]
    fn the_next_time_is_today_or_tomorrow() {
        let now: Zoned = "2026-03-10T06:00:00[Europe/Berlin]".parse().unwrap();
        assert_eq!(
            next(at("07:30"), &now).to_string(),
            "2026-03-10T07:30:00+01:00[Europe/Berlin]"
        );
        // Passed already today: tomorrow.
        assert_eq!(
            next(at("05:59"), &now).to_string(),
            "2026-03-11T05:59:00+01:00[Europe/Berlin]"
        );
        // Right now counts as passed.
        assert_eq!(
            next(at("06:00"), &now).to_string(),
            "2026-03-11T06:00:00+01:00[Europe/Berlin]"
        );
        // Across the change to summer time, 02:30 does not exist: just after the change.
        let before: Zoned = "2026-03-28T23:00:00[Europe/Berlin]".parse().unwrap();
        assert_eq!(
            next(at("02:30"), &before).to_string(),
            "2026-03-29T03:30:00+02:00[Europe/Berlin]"
        );
    }
}
