//! Captions: each cue written out as it is spoken or played, for whoever can see a screen, and
//! what the person did (paused, resuming, skipping), as the session's own lines with their time.
//! Messages from limber (a fault, a hint) are not captions: they go to stderr ([`crate::report::log`]).
//!
//! On a terminal a line under the captions counts down the current hold. Anywhere else (a pipe,
//! a log, systemd's journal) the captions are plain lines with no control codes.

use std::io::Write;

use crate::plan::timeline::{Cue, CueKind, Place, What};
use crate::report::words::clock;

/// Where captions go.
pub trait Captions {
    /// A cue has started, `elapsed` ms of session time into the session: time paused does not
    /// count.
    fn cue(&mut self, cue: &Cue, elapsed: u64);
    /// Whether to call [`Captions::remaining`]: only a screen can show a countdown line.
    fn wants_countdown(&self) -> bool {
        false
    }
    /// Whole seconds left in the current hold, once a second while it lasts.
    fn remaining(&mut self, _seconds: u64) {}
    /// Something the person should know that is not part of the routine: a fault.
    fn notice(&mut self, text: &str);
    /// Something limber tells that is not a fault (a hint, waiting to start): quieter than a
    /// fault, left out with `-q`.
    fn info(&mut self, text: &str) {
        self.notice(text);
    }
    /// What the person did, or what the session does about it ("skipping to step 3, Cat",
    /// "Resuming: Bridge, rep 2 of 5.", "voice volume 90%"), `elapsed` ms of session time in:
    /// one of the session's captions where there are captions.
    fn action(&mut self, text: &str, _elapsed: u64) {
        self.info(text);
    }
    /// Whether keys are read from the terminal: how to go on from a pause says so.
    fn keys(&mut self, _reading: bool) {}
    /// The session has paused, `elapsed` ms of session time in. Where a status area shows it,
    /// nothing more is written.
    fn paused(&mut self, _elapsed: u64) {
        self.info("paused");
    }
    /// The last line of a session.
    fn summary(&mut self, text: &str);
}

/// How to go on from a pause, with what this session has: a key when keys are read, else the
/// control command or the signal (SIGUSR1 pauses and resumes).
pub fn how_to_resume(keys: bool) -> String {
    if keys {
        "press space to go on".to_string()
    } else {
        format!(
            "`limber ctl resume` or `kill -USR1 {}` goes on",
            std::process::id()
        )
    }
}

/// What the person did as a caption: escaped, and a sentence ("Skipping to step 3, Cat").
pub fn action_caption(text: &str) -> String {
    let text = crate::report::words::shown(text);
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The caption of a cue, or `None` for cues that are better left unwritten (ticks). Its words
/// have their control characters escaped, for the terminal and the live display alike.
///
/// A spoken line starts with where it is ("Knee to chest | Rep 1 of 2. Bring your left knee..."),
/// less what the line itself says: the exercise's name, the side or the rep it names already.
pub fn caption(cue: &Cue) -> Option<String> {
    let body = match (&cue.kind, &cue.what) {
        (_, What::Text(t)) => t.clone(),
        (CueKind::Chime, _) | (CueKind::Breath, _) => format!("({})", cue.detail()),
        (CueKind::Silence, What::Quiet(_)) => format!("[{} {}]", cue.label(), cue.detail()),
        _ => return None,
    };
    let body = crate::report::words::shown(&body).into_owned();
    Some(
        match cue.place.as_ref().filter(|_| cue.kind == CueKind::Speech) {
            Some(place) => match unsaid(place, &body) {
                Some(where_) => format!("{} | {body}", crate::report::words::shown(&where_)),
                None => body,
            },
            None => body,
        },
    )
}

/// The parts of `place` that `text` does not say, joined as the place is written.
fn unsaid(place: &Place, text: &str) -> Option<String> {
    let text = text.to_lowercase();
    let parts: Vec<String> = std::iter::once(place.exercise.clone())
        .chain(place.within())
        .filter(|part| !says(&text, &part.to_lowercase()))
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// Whether `text` has `words` as whole words (both in lower case).
fn says(text: &str, words: &str) -> bool {
    let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    text.match_indices(words).any(|(i, _)| {
        !word(text[..i].chars().next_back()) && !word(text[i + words.len()..].chars().next())
    })
}

/// Captions on standard output.
pub struct Terminal {
    tty: bool,
    /// A countdown line is showing and must be cleared before the next caption.
    countdown: bool,
    /// Keys are read from the terminal.
    keys: bool,
}

impl Terminal {
    pub fn new(tty: bool) -> Terminal {
        Terminal {
            tty,
            countdown: false,
            keys: false,
        }
    }

    fn line(&mut self, text: &str) {
        let mut out = std::io::stdout().lock();
        if self.countdown {
            let _ = write!(out, "\r\x1b[2K");
            self.countdown = false;
        }
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }
}

impl Captions for Terminal {
    fn wants_countdown(&self) -> bool {
        self.tty
    }

    fn cue(&mut self, cue: &Cue, elapsed: u64) {
        if let Some(text) = caption(cue) {
            self.line(&format!("{}  {text}", clock(elapsed)));
        }
    }

    fn remaining(&mut self, seconds: u64) {
        if self.tty {
            let mut out = std::io::stdout().lock();
            let _ = write!(out, "\r\x1b[2K       {seconds} s left");
            let _ = out.flush();
            self.countdown = true;
        }
    }

    fn notice(&mut self, text: &str) {
        if self.countdown {
            self.line("");
        }
        crate::report::log::fault(text);
    }

    fn info(&mut self, text: &str) {
        if crate::report::log::level() >= crate::report::log::NORMAL {
            if self.countdown {
                self.line("");
            }
            crate::report::log::info(text);
        }
    }

    fn action(&mut self, text: &str, elapsed: u64) {
        self.line(&format!("{}  {}", clock(elapsed), action_caption(text)));
    }

    fn keys(&mut self, reading: bool) {
        self.keys = reading;
    }

    fn paused(&mut self, elapsed: u64) {
        let words = format!("Paused: {}.", how_to_resume(self.keys));
        self.line(&format!("{}  {words}", clock(elapsed)));
    }

    fn summary(&mut self, text: &str) {
        // It names exercises from the session log, which is the user's file.
        self.line(&crate::report::words::shown_lines(text));
    }
}

/// No captions; notices, and what the person did, still go to stderr, where a service's log
/// keeps them.
#[derive(Default)]
pub struct Quiet {
    keys: bool,
}

impl Captions for Quiet {
    fn cue(&mut self, _: &Cue, _: u64) {}
    fn notice(&mut self, text: &str) {
        crate::report::log::fault(text);
    }
    fn info(&mut self, text: &str) {
        crate::report::log::info(text);
    }
    fn keys(&mut self, reading: bool) {
        self.keys = reading;
    }
    fn paused(&mut self, _: u64) {
        crate::report::log::info(&format!("paused; {}", how_to_resume(self.keys)));
    }
    fn summary(&mut self, text: &str) {
        println!("{}", crate::report::words::shown_lines(text));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caption_never_carries_a_control_character() {
        let cue = Cue {
            at: 0,
            duration: 1000,
            kind: CueKind::Speech,
            what: What::Text("Up\u{1b}]0;pwned\u{7}.".into()),
            step: Some(1),
            pinned: false,
            place: Some(Place {
                exercise: "Bridge\u{1b}[2J".into(),
                ..Place::default()
            }),
        };
        assert_eq!(
            caption(&cue).unwrap(),
            "Bridge\\u001b[2J | Up\\u001b]0;pwned\\u0007."
        );
    }

    #[test]
    fn what_the_person_did_reads_as_a_caption_and_a_pause_says_how_to_go_on() {
        assert_eq!(
            action_caption("skipping to step 3, Cat\u{1b}[2J"),
            "Skipping to step 3, Cat\\u001b[2J"
        );
        assert_eq!(how_to_resume(true), "press space to go on");
        assert_eq!(
            how_to_resume(false),
            format!(
                "`limber ctl resume` or `kill -USR1 {}` goes on",
                std::process::id()
            )
        );
    }

    fn spoken(text: &str, side: Option<&'static str>, rep: Option<u32>) -> Cue {
        Cue {
            at: 0,
            duration: 1000,
            kind: CueKind::Speech,
            what: What::Text(text.into()),
            step: Some(2),
            pinned: false,
            place: Some(Place {
                exercise: "Knee to chest".into(),
                breathing: false,
                side,
                rep,
                reps: rep.map(|_| 2),
                set: None,
                sets: None,
            }),
        }
    }

    #[test]
    fn a_caption_does_not_repeat_what_its_line_says() {
        let intro = spoken("Knee to chest. 2 reps on each side.", None, None);
        assert_eq!(
            caption(&intro).unwrap(),
            "Knee to chest. 2 reps on each side."
        );
        let rep = spoken(
            "Rep 1 of 2. Bring your left knee toward your chest.",
            Some("left"),
            Some(1),
        );
        assert_eq!(
            caption(&rep).unwrap(),
            "Knee to chest | Rep 1 of 2. Bring your left knee toward your chest."
        );
        let bare = spoken("Hold it there.", Some("left"), Some(1));
        assert_eq!(
            caption(&bare).unwrap(),
            "Knee to chest, left, rep 1 of 2 | Hold it there."
        );
        // A word inside another is not the word: "leftover" does not say "left".
        let inside = spoken("Breathe out the leftover air.", Some("left"), None);
        assert_eq!(
            caption(&inside).unwrap(),
            "Knee to chest, left | Breathe out the leftover air."
        );
    }
}
