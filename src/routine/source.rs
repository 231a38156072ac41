//! Reading a routine's text safely and locating things in it.
//!
//! A routine file is read with hard bounds (size, nesting) before any parsing, so that a 50 MB log
//! file or a million nested brackets given by mistake costs a few milliseconds and one clear line,
//! not memory or a stack overflow. Parsing keeps byte ranges for every value, which is what lets
//! every later error say `file:line:column`.

use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

use jsonc_parser::ast::Value;
use jsonc_parser::{CollectOptions, ParseOptions};

use crate::report::error::Error;

/// How far apart the character counts of [`Source`] are kept, in bytes.
const MARK_EVERY: usize = 4096;

/// The largest routine file accepted. The longest built-in routine is about 10 KB.
pub const MAX_BYTES: u64 = 1024 * 1024;
/// The deepest nesting of arrays and objects accepted. A routine needs four levels.
pub const MAX_DEPTH: usize = 32;

/// The text of a routine and where it came from, with a line index for error locations.
#[derive(Debug, Clone)]
pub struct Source {
    /// How the source is named in messages: a path, or `built-in:NAME`.
    pub origin: String,
    pub text: String,
    line_starts: Vec<usize>,
    /// (byte offset, characters before it) every [`MARK_EVERY`] bytes or so, so a column on a
    /// long line is found without counting the whole line: `locate` costs the same on a 1 MB
    /// line as on a short one, and a file with thousands of errors is reported in linear time.
    char_marks: Vec<(usize, usize)>,
    /// What the text should be, for the message when it is empty.
    expected: &'static str,
}

const ROUTINE_EXAMPLE: &str = "a routine is a JSON object such as {\"name\": \"My stretches\", \"steps\": [{\"say\": \"Hello.\"}]}";

pub use crate::report::error::Location;

impl Source {
    /// A byte-order mark, which some Windows editors write, is dropped: it is not part of the JSON.
    pub fn new(origin: impl Into<String>, text: impl Into<String>) -> Self {
        let mut text: String = text.into();
        if text.starts_with('\u{feff}') {
            text.drain(..'\u{feff}'.len_utf8());
        }
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let mut char_marks = vec![(0, 0)];
        let mut next = MARK_EVERY;
        for (chars, (i, _)) in text.char_indices().enumerate() {
            if i >= next {
                char_marks.push((i, chars));
                next = i + MARK_EVERY;
            }
        }
        Source {
            origin: origin.into(),
            text,
            line_starts,
            char_marks,
            expected: ROUTINE_EXAMPLE,
        }
    }

    /// The same source, described as a configuration file in messages.
    pub fn as_config(mut self) -> Self {
        self.expected =
            "a configuration is a JSON object such as {\"countdown\": 5}, or delete the file";
        self
    }

    /// Reads a file, refusing anything too large or not text before it is held in memory.
    pub fn read(path: &Path) -> Result<Source, Error> {
        Source::read_as(path, "routine file", "(routines are short JSON files)")
    }

    /// Reads a configuration file as [`Source::read`] does a routine, and says so in messages.
    /// Before: `--config /tmp` was told "/tmp: is a folder, not a routine file".
    pub fn read_config(path: &Path) -> Result<Source, Error> {
        Ok(Source::read_as(path, "configuration file", "(see `limber config`)")?.as_config())
    }

    fn read_as(path: &Path, kind: &str, why: &str) -> Result<Source, Error> {
        let origin = path.display().to_string();
        let bytes = match read_bounded(path, MAX_BYTES) {
            Ok(bytes) => bytes,
            Err(Unreadable::Io(e)) => {
                return Err(Error::Read {
                    path: origin,
                    reason: crate::report::error::plain(&e),
                });
            }
            Err(Unreadable::NotAFile(what)) => {
                return Err(Error::NotARoutine {
                    origin,
                    reason: format!("{what}, not a {kind}"),
                });
            }
            Err(Unreadable::TooLarge(size)) => {
                return Err(Error::NotARoutine {
                    origin,
                    reason: format!("is {}; a {kind} is at most 1 MB {why}", human_size(size)),
                });
            }
        };
        Source::from_bytes(origin, bytes)
    }

    /// A file's bytes as a source: text, UTF-8, with no NUL (which only a binary file has).
    pub fn from_bytes(origin: impl Into<String>, bytes: Vec<u8>) -> Result<Source, Error> {
        let origin = origin.into();
        if bytes.contains(&0) {
            return Err(Error::NotARoutine {
                origin,
                reason: "is a binary file, not a JSON routine".into(),
            });
        }
        let text = String::from_utf8(bytes).map_err(|e| {
            let valid = e.utf8_error().valid_up_to();
            let prefix = String::from_utf8_lossy(&e.as_bytes()[..valid]).into_owned();
            let at = Source::new("", prefix).locate(valid);
            Error::Syntax {
                origin: origin.clone(),
                line: at.line,
                column: at.column,
                message: "this is not UTF-8 text; save the file as UTF-8".into(),
            }
        })?;
        Ok(Source::new(origin, text))
    }

    /// The line and column of a byte offset.
    pub fn locate(&self, offset: usize) -> Location {
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts[line - 1];
        let end = offset.min(self.text.len());
        let column = match (self.chars_before(start), self.chars_before(end)) {
            (Some(a), Some(b)) => b - a + 1,
            _ => 1,
        };
        Location { line, column }
    }

    /// How many characters come before a byte offset (`None` inside a character).
    fn chars_before(&self, offset: usize) -> Option<usize> {
        let mark = self.char_marks.partition_point(|&(b, _)| b <= offset) - 1;
        let (from, chars) = self.char_marks[mark];
        Some(chars + self.text.get(from..offset)?.chars().count())
    }

    /// Parses the text as strict JSON (no comments, no trailing commas), keeping byte ranges.
    pub fn parse(&self) -> Result<Value<'_>, Error> {
        if self.text.trim().is_empty() {
            return Err(Error::NotARoutine {
                origin: self.origin.clone(),
                reason: format!("is empty; {}", self.expected),
            });
        }
        if let Some((offset, message)) = prescan(&self.text) {
            let at = self.locate(offset);
            return Err(Error::Syntax {
                origin: self.origin.clone(),
                line: at.line,
                column: at.column,
                message,
            });
        }
        let options = ParseOptions {
            allow_comments: false,
            allow_loose_object_property_names: false,
            allow_trailing_commas: false,
            allow_missing_commas: false,
            allow_single_quoted_strings: false,
            allow_hexadecimal_numbers: false,
            allow_unary_plus_numbers: false,
            allow_bare_decimal_point_numbers: false,
            allow_non_finite_numbers: false,
            allow_extended_string_escapes: false,
        };
        let parsed = jsonc_parser::parse_to_ast(&self.text, &CollectOptions::default(), &options)
            .map_err(|e| Error::Syntax {
            origin: self.origin.clone(),
            line: e.line_display(),
            column: e.column_display(),
            message: syntax_message(&e.kind().to_string()),
        })?;
        parsed.value.ok_or_else(|| Error::NotARoutine {
            origin: self.origin.clone(),
            reason: "holds no JSON value".into(),
        })
    }
}

/// The parser's messages are accurate but terse; say what to do for the common slips.
fn syntax_message(kind: &str) -> String {
    let lower = kind.to_lowercase();
    let hint = if lower.contains("trailing comma") {
        "; remove the comma after the last item"
    } else if lower.contains("comments are not allowed") {
        "; JSON has no comments: put notes in \"description\" or in a \"say\" step"
    } else if lower.contains("single-quoted") {
        "; use double quotes \" around text"
    } else if lower.contains("expected comma") {
        "; items in a list or object are separated by commas"
    } else if lower.contains("escape") {
        "; in text, a backslash starts an escape such as \\n or \\\"; write \\\\ for a backslash"
    } else if lower.contains("unterminated string") {
        "; a text is missing its closing quote \""
    } else if lower.contains("unterminated") {
        "; a closing ] or } is missing"
    } else if lower.contains("expected string for object property") || lower.contains("word") {
        "; keys are written in double quotes, like \"hold\""
    } else {
        ""
    };
    let mut message = kind.to_string();
    if let Some(first) = message.get_mut(0..1) {
        first.make_ascii_lowercase();
    }
    format!("{message}{hint}")
}

/// Finds what the parser would handle badly, in one pass over the bytes: nesting deeper than
/// [`MAX_DEPTH`] (which would cost stack), and a text whose closing quote is missing (which the
/// parser reports as a confusing "unexpected token" somewhere later).
fn prescan(text: &str) -> Option<(usize, String)> {
    let (mut depth, mut string_start, mut escaped) = (0usize, None, false);
    for (i, b) in text.bytes().enumerate() {
        if let Some(start) = string_start {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => string_start = None,
                (false, b'\n') => {
                    return Some((
                        start,
                        "this text has no closing quote before the end of its line; add the \" \
                         that ends it"
                            .into(),
                    ));
                }
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => string_start = Some(i),
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some((
                        i,
                        format!(
                            "nested more than {MAX_DEPTH} levels deep; a routine needs only a few \
                             levels"
                        ),
                    ));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Why a file could not be read within its bound.
#[derive(Debug)]
pub enum Unreadable {
    Io(std::io::Error),
    /// Not a regular file: says what it is ("is a named pipe (FIFO)").
    NotAFile(&'static str),
    /// Larger than the bound; its size.
    TooLarge(u64),
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unreadable::Io(e) => write!(f, "{}", crate::report::error::plain(e)),
            Unreadable::NotAFile(what) => write!(f, "{what}, not a file"),
            Unreadable::TooLarge(size) => write!(f, "it is {}", human_size(*size)),
        }
    }
}

/// What a path that is not a regular file is, in words.
fn kind_of(t: std::fs::FileType) -> Option<&'static str> {
    if t.is_file() {
        None
    } else if t.is_dir() {
        Some("is a folder")
    } else if t.is_fifo() {
        Some("is a named pipe (FIFO)")
    } else if t.is_char_device() || t.is_block_device() {
        Some("is a device")
    } else if t.is_socket() {
        Some("is a socket")
    } else {
        Some("is not a regular file")
    }
}

/// Reads a whole regular file of at most `max` bytes.
///
/// Anything else is refused before it is read: a named pipe (which would block until someone
/// writes to it), a device such as /dev/zero (which never ends), a folder. The file is opened
/// without blocking, so a path swapped for a pipe after the check cannot hang, and the read is
/// bounded by `max` itself, not by the size the file claims: a file that grows while it is read
/// is refused too.
pub fn read_bounded(path: &Path, max: u64) -> Result<Vec<u8>, Unreadable> {
    let (mut file, len) = open_bounded(path, max)?;
    let mut bytes = Vec::with_capacity(len as usize);
    file.read_to_end(&mut bytes).map_err(Unreadable::Io)?;
    if bytes.len() as u64 > max {
        return Err(Unreadable::TooLarge(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Opens a regular file of at most `max` bytes to be read as a stream, with the same checks as
/// [`read_bounded`]; returns a reader that ends after `max + 1` bytes, and the file's length.
/// A reader that gets more than `max` bytes knows the file grew.
pub fn open_bounded(
    path: &Path,
    max: u64,
) -> Result<(std::io::Take<std::fs::File>, u64), Unreadable> {
    let meta = std::fs::metadata(path).map_err(Unreadable::Io)?;
    if let Some(what) = kind_of(meta.file_type()) {
        return Err(Unreadable::NotAFile(what));
    }
    let flags = rustix::fs::OFlags::NONBLOCK | rustix::fs::OFlags::NOCTTY;
    let file = std::fs::File::options()
        .read(true)
        .custom_flags(flags.bits() as i32)
        .open(path)
        .map_err(Unreadable::Io)?;
    let meta = file.metadata().map_err(Unreadable::Io)?;
    if let Some(what) = kind_of(meta.file_type()) {
        return Err(Unreadable::NotAFile(what));
    }
    if meta.len() > max {
        return Err(Unreadable::TooLarge(meta.len()));
    }
    Ok((file.take(max + 1), meta.len()))
}

fn human_size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_lines_and_columns_in_characters() {
        let s = Source::new("t", "{\n  \"ä\": 1,\n  \"b\": 2\n}");
        assert_eq!(s.locate(0), Location { line: 1, column: 1 });
        let b = s.text.find("\"b\"").unwrap();
        assert_eq!(s.locate(b), Location { line: 3, column: 3 });
        let one = s.text.find('1').unwrap();
        assert_eq!(s.locate(one), Location { line: 2, column: 8 });
    }

    #[test]
    fn a_pipe_or_a_device_is_refused_without_reading_it() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("routine.json");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        // Before, opening the pipe blocked until someone wrote to it: forever.
        let err = Source::read(&fifo).unwrap_err().to_string();
        assert!(
            err.ends_with("routine.json: is a named pipe (FIFO), not a routine file"),
            "{err}"
        );
        // Before, /dev/zero was called "1.0 MB".
        let err = Source::read(Path::new("/dev/zero"))
            .unwrap_err()
            .to_string();
        assert_eq!(err, "/dev/zero: is a device, not a routine file");
        let err = Source::read(dir.path()).unwrap_err().to_string();
        assert!(err.ends_with(": is a folder, not a routine file"), "{err}");
    }

    #[test]
    fn a_read_is_bounded_by_the_limit_not_the_size_claimed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.json");
        std::fs::write(&path, vec![b' '; 5000]).unwrap();
        assert!(matches!(
            read_bounded(&path, 4096),
            Err(Unreadable::TooLarge(5000))
        ));
        assert_eq!(read_bounded(&path, 5000).unwrap().len(), 5000);
    }

    #[test]
    fn columns_on_a_long_line_are_counted_in_characters() {
        // Past many marks, with characters of several bytes on the way.
        let text = format!("{}\n{}x", "ä".repeat(10_000), "ü€".repeat(5_000));
        let s = Source::new("t", text.clone());
        let x = text.rfind('x').unwrap();
        assert_eq!(
            s.locate(x),
            Location {
                line: 2,
                column: 10_001
            }
        );
        let mid = "ä".len() * 7_000;
        assert_eq!(
            s.locate(mid),
            Location {
                line: 1,
                column: 7_001
            }
        );
        assert_eq!(
            s.locate(text.len()),
            Location {
                line: 2,
                column: 10_002
            }
        );
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let text = "[".repeat(100_000);
        let err = Source::new("deep.json", text)
            .parse()
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "deep.json:1:33: nested more than 32 levels deep; a routine needs only a few levels"
        );
    }

    #[test]
    fn brackets_inside_strings_do_not_count_as_nesting() {
        let text = format!("{{\"say\": \"{}\"}}", "[".repeat(100));
        assert_eq!(prescan(&text), None);
    }

    #[test]
    fn trailing_comma_gets_a_fix() {
        let err = Source::new("t.json", "{\"a\": 1,}")
            .parse()
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("t.json:1:8: trailing commas"), "{err}");
        assert!(err.contains("remove the comma"), "{err}");
    }
}
