//! Everything a user can get wrong, as one error type whose messages name the file, the field and
//! the fix. Internal failures are rare enough to share the `Read`/`Write` variants.

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: cannot read: {reason}")]
    Read { path: String, reason: String },

    #[error("{origin}: {reason}")]
    NotARoutine { origin: String, reason: String },

    #[error("{origin}:{line}:{column}: {message}")]
    Syntax {
        origin: String,
        line: usize,
        column: usize,
        message: String,
    },

    /// Every problem found in one routine; printed one per line, with a fix under each.
    #[error("{}", render_diagnostics(.origin, .diagnostics))]
    Invalid {
        origin: String,
        diagnostics: Vec<Diagnostic>,
    },

    #[error(
        "no routine named \"{name}\" among the built-in routines or in {searched}{suggestion}; `limber list` shows every routine, or give a path to a .json file"
    )]
    UnknownRoutine {
        name: String,
        searched: String,
        suggestion: String,
    },

    #[error("{0}")]
    Write(String),

    /// A command-line value that names nothing (a step that does not exist).
    #[error("{0}")]
    Usage(String),

    #[error(
        "no audio output: {}. Connect or unmute a speaker, pick a device that works (for example set PULSE_SERVER or ~/.asoundrc), or run with a terminal to continue with captions only",
        clause(.0)
    )]
    NoAudio(String),

    /// An audio output asked for by name that cannot be used.
    #[error("{0}")]
    Device(String),

    /// Controlling a session: none running, one already running, a socket that cannot be used.
    #[error("{0}")]
    Control(String),

    /// A session log that cannot be read: the file and line, what is wrong, and that nothing
    /// was changed.
    #[error("{0}")]
    History(#[from] LogError),
}

impl Error {
    /// The process exit code for this error: every user error is a failure (1); usage errors
    /// (2) are reported by the argument parser before any of these can happen.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) => 2,
            _ => 1,
        }
    }

    /// The error as printed: a message about a file starts with the file (so editors and `grep`
    /// can jump to it); anything else is prefixed with the program's name. Control characters
    /// from a file or a name are shown escaped.
    pub fn report(&self) -> String {
        let text = match self {
            Error::Read { .. }
            | Error::NotARoutine { .. }
            | Error::Syntax { .. }
            | Error::Invalid { .. }
            | Error::History(_) => self.to_string(),
            _ => format!("limber: {self}"),
        };
        crate::report::words::shown_lines(&text).into_owned()
    }
}

fn render_diagnostics(origin: &str, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for (i, d) in diagnostics.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&d.render(origin));
    }
    out
}

/// One problem in a routine or a configuration file: where, what, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The JSON path of the value, such as `steps[3].hold`; empty for the whole file.
    pub path: String,
    pub at: Option<Location>,
    pub message: String,
    pub help: Option<String>,
}

impl Diagnostic {
    /// The problem as printed; what came from the file (its name, keys, values) has its control
    /// characters escaped ([`crate::report::words::shown`]).
    pub fn render(&self, origin: &str) -> String {
        use crate::report::words::shown;
        let mut out = shown(origin).into_owned();
        if let Some(at) = self.at {
            out.push_str(&format!(":{}:{}", at.line, at.column));
        }
        out.push_str(": ");
        if !self.path.is_empty() {
            out.push_str(&shown(&self.path));
            out.push_str(": ");
        }
        out.push_str(&shown(&self.message));
        if let Some(help) = &self.help {
            out.push_str("\n  help: ");
            out.push_str(&shown(help));
        }
        out
    }
}

/// A 1-based line and column (in characters) in a source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

/// A problem with the session log that stops it being read: the file, the line and what is
/// wrong (see `history::store`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}: {message}", path.display())]
pub struct LogError {
    pub path: std::path::PathBuf,
    pub line: usize,
    pub message: String,
}

/// A cause to put inside a sentence: without the full stop it may end with ("disconnected."),
/// so the sentence around it does not end in two.
pub fn clause(text: &str) -> &str {
    text.trim_end().trim_end_matches('.')
}

/// An operating system's error in plain words, without its number: "there is no such file or
/// folder", not "No such file or directory (os error 2)".
pub fn plain(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    let words = match e.kind() {
        K::NotFound => "there is no such file or folder",
        K::PermissionDenied => "permission denied",
        K::ConnectionRefused => "nothing is listening there",
        K::ConnectionReset | K::ConnectionAborted => "the other side closed the connection",
        K::BrokenPipe => "the other side stopped reading",
        K::AlreadyExists => "it already exists",
        K::StorageFull => "the disk is full",
        K::ReadOnlyFilesystem => "the disk is read-only",
        K::IsADirectory => "it is a folder",
        K::NotADirectory => "a part of the path is not a folder",
        K::TimedOut => "it took too long",
        K::Interrupted => "it was interrupted",
        K::InvalidFilename => "the name is too long or not allowed",
        _ => {
            // Other errors keep their words, less the number.
            let text = e.to_string();
            let text = match text.find(" (os error ") {
                Some(i) => text[..i].to_string(),
                None => text,
            };
            let mut chars = text.chars();
            return match chars.next() {
                Some(first) => first.to_lowercase().chain(chars).collect(),
                None => text,
            };
        }
    };
    words.to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn os_errors_read_as_words_without_numbers() {
        let e = std::io::Error::from_raw_os_error(2);
        assert_eq!(super::plain(&e), "there is no such file or folder");
        let e = std::io::Error::from_raw_os_error(104);
        assert_eq!(super::plain(&e), "the other side closed the connection");
        let e = std::io::Error::from_raw_os_error(7);
        assert!(
            !super::plain(&e).contains("os error"),
            "{}",
            super::plain(&e)
        );
    }

    #[test]
    fn a_cause_inside_a_sentence_does_not_end_it_twice() {
        let e = super::Error::NoAudio("It may have been disconnected.".into());
        let text = e.to_string();
        assert!(
            text.starts_with("no audio output: It may have been disconnected. Connect"),
            "{text}"
        );
        assert!(!text.contains(".."), "{text}");
    }
}
