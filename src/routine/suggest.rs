//! "Did you mean": the one rule for which known word a mistyped one most likely meant, so that a
//! key, a step kind, a placeholder and a routine's name are all suggested alike.

/// The candidate closest to `word`, if any is close enough: similar by Jaro-Winkler (which
/// favours a shared start), or one edit away (two for a long word), ignoring case.
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word = word.trim().to_lowercase();
    candidates
        .into_iter()
        .map(|c| {
            let lower = c.to_lowercase();
            (
                c,
                strsim::jaro_winkler(&lower, &word),
                strsim::damerau_levenshtein(&lower, &word),
            )
        })
        .filter(|(c, jw, dl)| *jw >= 0.8 || (*dl <= 1 && c.len() > 2) || (*dl <= 2 && c.len() > 5))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(c, _, _)| c)
}

#[cfg(test)]
mod tests {
    use super::nearest;

    #[test]
    fn close_words_are_suggested_and_far_ones_are_not() {
        let keys = ["hold", "reps", "rest", "exercise", "countdown"];
        assert_eq!(nearest("hodl", keys), Some("hold"));
        assert_eq!(nearest("Exersise", keys), Some("exercise"));
        assert_eq!(nearest("countdwn", keys), Some("countdown"));
        assert_eq!(nearest("banana", keys), None);
        assert_eq!(nearest("x", keys), None);
    }
}
