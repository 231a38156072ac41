//! Plain words for numbers and lengths of time, the same everywhere limber writes them: "1
//! exercise", "3 exercises", "about 21 minutes", "10 seconds", "5 s", and the one way a time in a
//! session is shown as a clock, "00:16" ([`clock`]).

/// `n` and the noun, singular or plural: "1 exercise", "2 exercises".
pub fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A length in words, to the second: "10 seconds", "1 minute", "2 minutes 30 seconds",
/// "1 hour 5 minutes". Fractions of a second are kept below a minute ("1.5 seconds").
pub fn length(ms: u64) -> String {
    if ms < 60_000 {
        // Whole seconds without a fraction, others to the millisecond: "10", "1.5".
        let s = if ms % 1000 == 0 {
            (ms / 1000).to_string()
        } else {
            format!("{}", ms as f64 / 1000.0)
        };
        return if s == "1" {
            "1 second".into()
        } else {
            format!("{s} seconds")
        };
    }
    let total = (ms + 500) / 1000;
    let (h, m, s) = (total / 3600, (total / 60) % 60, total % 60);
    let mut parts = Vec::new();
    if h > 0 {
        parts.push(count(h as usize, "hour", "hours"));
    }
    if m > 0 {
        parts.push(count(m as usize, "minute", "minutes"));
    }
    if s > 0 {
        parts.push(count(s as usize, "second", "seconds"));
    }
    parts.join(" ")
}

/// A moment of a session or a length as a clock shows it, to the whole second gone: "00:16",
/// "23:05", and from an hour on "1:05:00". Every time stamp and length limber shows this way
/// (the plan, captions, the status area, `ctl status`, `history`, the summary) is written by this,
/// so the same length reads the same everywhere.
pub fn clock(ms: u64) -> String {
    let s = ms / 1000;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
    } else {
        format!("{:02}:{:02}", s / 60, s % 60)
    }
}

/// A length as a short measure, for status lines and messages: "45 s", "5 min", "1 h 30 min".
pub fn short(d: std::time::Duration) -> String {
    let total = d.as_secs_f64().round() as u64;
    match total {
        0..60 => format!("{total} s"),
        60..3600 if total % 60 == 0 => format!("{} min", total / 60),
        60..3600 => format!("{} min {} s", total / 60, total % 60),
        _ if (total % 3600) / 60 == 0 => format!("{} h", total / 3600),
        _ => format!("{} h {} min", total / 3600, (total % 3600) / 60),
    }
}

/// The length of a whole session, rounded to the minute, as the list and the README show it:
/// "about 21 minutes", "about 1 minute".
pub fn about_minutes(ms: u64) -> String {
    let minutes = ((ms + 30_000) / 60_000).max(1) as usize;
    // From an hour on, in hours and minutes, as the clock writes it (3:49:04): "about 229
    // minutes" makes a person do the sum.
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("about {}", count(m, "minute", "minutes")),
        (h, 0) => format!("about {}", count(h, "hour", "hours")),
        (h, m) => format!(
            "about {} {}",
            count(h, "hour", "hours"),
            count(m, "minute", "minutes")
        ),
    }
}

/// The first words of a line, for a title: "Lie on your back…".
pub fn first_words(text: &str, words: usize) -> String {
    let all: Vec<&str> = text.split_whitespace().collect();
    if all.len() <= words {
        return all
            .join(" ")
            .trim_end_matches(['.', ',', ';', ':'])
            .to_string();
    }
    let head = all[..words].join(" ");
    format!("{}…", head.trim_end_matches(['.', ',', ';', ':']))
}

/// Text as it may reach a terminal: every control character written as an escape a person can
/// read and find in the file (`\u001b`), so text from a routine, a configuration or a file name
/// can never move the cursor, clear the screen, retitle the window or ring the bell. C0 controls
/// (NUL to US, tabs and line breaks too), DEL and the C1 controls (U+0080 to U+009F, which some
/// terminals act on as ESC sequences) are escaped; everything else is kept as it is. Borrowed,
/// and so free, when there is nothing to escape, which is almost always.
///
/// Every place that writes such text to a terminal goes through this: captions and the live
/// display, `plan`, `check`, `list`, `prepare`, `show` and every error and warning.
pub fn shown(text: &str) -> std::borrow::Cow<'_, str> {
    escaped(text, false)
}

/// [`shown`] for text of several lines (a message with its help, a file shown as it is): line
/// breaks and tabs are kept, every other control character is escaped.
pub fn shown_lines(text: &str) -> std::borrow::Cow<'_, str> {
    escaped(text, true)
}

/// Whether `c` is a control character: C0, DEL or C1.
pub fn is_control(c: char) -> bool {
    c.is_control()
}

fn escaped(text: &str, layout: bool) -> std::borrow::Cow<'_, str> {
    let kept = |c: char| !is_control(c) || (layout && matches!(c, '\n' | '\t'));
    if text.chars().all(kept) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if kept(c) {
            out.push(c);
        } else {
            out.push_str(&format!("\\u{:04x}", c as u32));
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn numbers_and_lengths_read_as_words() {
        assert_eq!(count(1, "exercise", "exercises"), "1 exercise");
        assert_eq!(count(0, "exercise", "exercises"), "0 exercises");
        assert_eq!(length(10_000), "10 seconds");
        assert_eq!(length(1_000), "1 second");
        assert_eq!(length(1_500), "1.5 seconds");
        assert_eq!(length(60_000), "1 minute");
        assert_eq!(length(150_000), "2 minutes 30 seconds");
        assert_eq!(length(3_900_000), "1 hour 5 minutes");
        assert_eq!(short(Duration::from_secs(5)), "5 s");
        assert_eq!(short(Duration::from_secs(600)), "10 min");
        assert_eq!(short(Duration::from_secs(90)), "1 min 30 s");
        assert_eq!(short(Duration::from_secs(5400)), "1 h 30 min");
        assert_eq!(short(Duration::from_secs(15_300)), "4 h 15 min");
        assert_eq!(about_minutes(50_000), "about 1 minute");
        assert_eq!(about_minutes(1_310_000), "about 22 minutes");
        assert_eq!(about_minutes(3_600_000), "about 1 hour");
        assert_eq!(about_minutes(13_744_150), "about 3 hours 49 minutes");
        assert_eq!(
            first_words("Lie on your back and rest.", 4),
            "Lie on your back…"
        );
        assert_eq!(first_words("Well done.", 4), "Well done");
    }

    #[test]
    fn a_clock_reads_the_same_everywhere() {
        assert_eq!(clock(0), "00:00");
        assert_eq!(clock(16_999), "00:16");
        assert_eq!(clock(17_000), "00:17");
        assert_eq!(clock(1_385_000), "23:05");
        assert_eq!(clock(3_599_999), "59:59");
        assert_eq!(clock(3_900_000), "1:05:00");
        assert_eq!(clock(14_400_000), "4:00:00");
    }

    #[test]
    fn control_characters_are_shown_escaped() {
        let title = "\u{1b}]0;pwned\u{7}Bridge\u{1b}[2J\u{0}\u{7f}\u{9b}";
        assert_eq!(
            shown(title),
            "\\u001b]0;pwned\\u0007Bridge\\u001b[2J\\u0000\\u007f\\u009b"
        );
        assert_eq!(shown("a\tb\nc"), "a\\u0009b\\u000ac");
        assert_eq!(shown_lines("a\tb\nc\u{1b}"), "a\tb\nc\\u001b");
        // Everything else is kept, and not copied.
        let plain = "Knee rolls, ½ turn — «gently» 🙂";
        assert!(matches!(shown(plain), std::borrow::Cow::Borrowed(_)));
        assert_eq!(shown(plain), plain);
    }
}
