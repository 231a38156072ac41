//! Plain words for numbers and lengths of time, the same everywhere limber writes them: "1
//! exercise", "3 exercises", "about 21 minutes", "10 seconds", "5 s".

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
    format!("about {}", count(minutes, "minute", "minutes"))
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
        assert_eq!(about_minutes(50_000), "about 1 minute");
        assert_eq!(about_minutes(1_310_000), "about 22 minutes");
        assert_eq!(
            first_words("Lie on your back and rest.", 4),
            "Lie on your back…"
        );
        assert_eq!(first_words("Well done.", 4), "Well done");
    }
}
