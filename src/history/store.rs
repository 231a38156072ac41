//! The session log on disk: `history.jsonl` in the state folder, appended to and never rewritten.
//!
//! Writing: each record is one line, written with a single `write` on a file opened for appending,
//! under an advisory lock, then flushed to the disk. A line cut short (a kill in the middle of a
//! write, a full disk, a power cut) is never glued to the next record: a writer that finds the file
//! not ending in a newline starts its record with one. Two sessions never write at once (the
//! session's lock), and `limber rate` beside a session is safe: both append whole lines under the
//! lock, so neither can tear or interleave the other.
//!
//! Reading: the records of every `history*.jsonl` in the folder (old logs may be moved aside as
//! `history-2025.jsonl` and are still read). A line that ends before its JSON does (a torn line),
//! or holds only NUL bytes (what some file systems leave after a power cut), is skipped, with a
//! note under `-v`. Anything else that is not a record, or a record from a newer limber, is an
//! error that names the file and line: limber changes nothing in the file, so nothing is lost, and
//! says how to go on.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use super::record::{FORMAT, Line};

/// The log's file name in the state folder.
pub const FILE: &str = "history.jsonl";

/// The log file: `$LIMBER_HISTORY`, else `history.jsonl` in `$XDG_STATE_HOME/limber`
/// (`~/.local/state/limber`).
pub fn default_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("LIMBER_HISTORY").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(path));
    }
    directories::ProjectDirs::from("", "", "limber")
        .and_then(|d| d.state_dir().map(|s| s.join(FILE)))
}

pub use crate::report::error::LogError;

/// Appends one record as one line, flushed to the disk before it returns.
pub fn append(path: &Path, line: &Line) -> Result<(), String> {
    let shown = path.display();
    // What failed, on which file, in plain words, and what to do.
    let cannot = |what: &str, e: &std::io::Error| {
        format!(
            "cannot {what} the session log {shown} ({}): check that its folder may be written to, or choose another file with $LIMBER_HISTORY",
            crate::report::error::plain(e)
        )
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| cannot("make the folder of", &e))?;
    }
    let file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| cannot("open", &e))?;
    // Held until the file is closed, at the end of this function.
    rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive)
        .map_err(|e| cannot("lock", &e.into()))?;
    let mut text = Vec::with_capacity(512);
    if !ends_with_newline(&file).map_err(|e| cannot("read", &e))? {
        text.push(b'\n');
    }
    serde_json::to_writer(&mut text, line).map_err(|e| cannot("write", &e.into()))?;
    text.push(b'\n');
    // One write: with O_APPEND the whole line lands at the end, or (a full disk) a part of it,
    // which the reader skips and the next writer starts a new line after.
    let written = (&file).write(&text).map_err(|e| cannot("write", &e))?;
    if written < text.len() {
        return Err(format!(
            "cannot write the session log {shown}: only {written} of {} bytes were written (is the disk full?)",
            text.len()
        ));
    }
    file.sync_data().map_err(|e| cannot("write", &e))?;
    Ok(())
}

fn ends_with_newline(file: &File) -> std::io::Result<bool> {
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(true);
    }
    let mut last = [0u8];
    file.read_exact_at(&mut last, len - 1)?;
    Ok(last[0] == b'\n')
}

/// The records of one file, in file order, each with its line number; torn lines are reported
/// in `torn` and skipped.
#[derive(Debug, Default)]
pub struct FileRecords {
    pub lines: Vec<(usize, Line)>,
    pub torn: Vec<usize>,
}

/// Reads the file at `path` whole, every exercise included.
pub fn read_file(path: &Path) -> Result<FileRecords, LogError> {
    let mut out = FileRecords::default();
    out.torn = each_line::<Line>(path, |n, line| out.lines.push((n, line)))?;
    Ok(out)
}

/// The records in `bytes`, the content of the file at `path`.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<FileRecords, LogError> {
    let mut out = FileRecords::default();
    out.torn = records::<Line>(path, bytes, |n, line| out.lines.push((n, line)))?;
    Ok(out)
}

/// A record as one line of the log is read: [`Line`], everything in it, or a lighter shape that
/// keeps only some of it, borrowed from the line (`brief::Record`, for the list and the week).
/// Either is checked the same way: a line that is not one of this limber's records is an error.
pub trait Record<'a>: serde::Deserialize<'a> {
    /// The line's `v`.
    fn format(&self) -> u32;
    /// Whether it has a begin, an end and a rating.
    fn parts(&self) -> [bool; 3];
}

/// How each line is read: `Shape::Record<'a>` is the record, borrowed from a line that lives
/// for `'a` (only as long as the reader is on it).
pub trait Shape {
    type Record<'a>: Record<'a>;
}

impl Record<'_> for Line {
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

impl Shape for Line {
    type Record<'a> = Line;
}

/// Gives each record of the file at `path` to `record` with its line number, as it is read: a
/// line at a time, each parsed where it lies in one reused buffer, so a long log is never held
/// in memory, and a shape that borrows from the line copies nothing it does not keep. A file
/// that does not exist has no records. Returns the numbers of the torn lines skipped.
pub fn each_line<S: Shape>(
    path: &Path,
    record: impl FnMut(usize, S::Record<'_>),
) -> Result<Vec<usize>, LogError> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(cannot_read(path, e)),
    };
    records::<S>(path, file, record)
}

/// The records read from `source`, the content of the file at `path`, as [`each_line`] gives them.
pub(crate) fn records<S: Shape>(
    path: &Path,
    source: impl std::io::Read,
    mut record: impl FnMut(usize, S::Record<'_>),
) -> Result<Vec<usize>, LogError> {
    let mut lines = Lines::new(source);
    let mut torn = Vec::new();
    let mut number = 0;
    while let Some((line, complete)) = lines.next().map_err(|e| cannot_read(path, e))? {
        number += 1;
        match one_line::<S::Record<'_>>(path, number, line, complete)? {
            Read::Record(line) => record(number, line),
            Read::Torn => torn.push(number),
            Read::Blank => {}
        }
    }
    Ok(torn)
}

fn cannot_read(path: &Path, e: std::io::Error) -> LogError {
    LogError {
        path: path.to_path_buf(),
        line: 0,
        message: format!(
            "cannot read it ({}): check that it is a file you may read",
            crate::report::error::plain(&e)
        ),
    }
}

/// The lines of a file, each lent where it lies in one buffer (which grows to the longest line):
/// nothing is copied but the start of a line that one read cut in two.
struct Lines<R> {
    source: R,
    buf: Vec<u8>,
    /// The bytes read and not yet given out are `buf[start..end]`; those before `scanned` hold
    /// no newline.
    start: usize,
    scanned: usize,
    end: usize,
}

impl<R: std::io::Read> Lines<R> {
    fn new(source: R) -> Lines<R> {
        Lines {
            source,
            buf: vec![0; 1 << 16],
            start: 0,
            scanned: 0,
            end: 0,
        }
    }

    /// The next line without its newline, and whether it had one (the last line of a file may
    /// not); `None` at the end.
    fn next(&mut self) -> std::io::Result<Option<(&[u8], bool)>> {
        loop {
            if let Some(i) = memchr::memchr(b'\n', &self.buf[self.scanned..self.end]) {
                let line = self.start..self.scanned + i;
                self.start = line.end + 1;
                self.scanned = self.start;
                return Ok(Some((&self.buf[line], true)));
            }
            self.scanned = self.end;
            // No whole line left: move what there is of one to the front, and read on.
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.scanned = self.end;
                self.start = 0;
            }
            if self.end == self.buf.len() {
                self.buf.resize(self.buf.len() * 2, 0);
            }
            let n = match self.source.read(&mut self.buf[self.end..]) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if n == 0 {
                if self.start == self.end {
                    return Ok(None);
                }
                let line = self.start..self.end;
                self.start = self.end;
                self.scanned = self.end;
                return Ok(Some((&self.buf[line], false)));
            }
            self.end += n;
        }
    }
}

// Made and matched at once for each line: boxing the record would allocate for every line.
#[allow(clippy::large_enum_variant)]
enum Read<T> {
    Record(T),
    Torn,
    Blank,
}

/// Reads line `number` (without its newline; `complete` when it had one).
fn one_line<'a, T: Record<'a>>(
    path: &Path,
    number: usize,
    line: &'a [u8],
    complete: bool,
) -> Result<Read<T>, LogError> {
    if line.iter().all(|b| b.is_ascii_whitespace() || *b == 0) {
        return Ok(if line.contains(&0) {
            Read::Torn
        } else {
            Read::Blank
        });
    }
    let error = |message: String| LogError {
        path: path.to_path_buf(),
        line: number,
        message,
    };
    // The same parser either way; from text already checked to be UTF-8 whole, it does not
    // check each string again (a tenth of reading a long log in brief).
    let parsed = match std::str::from_utf8(line) {
        Ok(text) => serde_json::from_str::<T>(text),
        Err(_) => serde_json::from_slice::<T>(line),
    };
    match parsed {
        Ok(record) if record.format() > FORMAT => Err(error(newer(record.format()))),
        Ok(record) => {
            if record.parts().iter().filter(|p| **p).count() != 1 {
                return Err(error(format!(
                    "a record has exactly one of \"begin\", \"end\" and \"rating\"; {KEPT}"
                )));
            }
            Ok(Read::Record(record))
        }
        // Cut short: by a kill or a full disk. What was written before it is whole.
        Err(e) if e.is_eof() || !complete => Ok(Read::Torn),
        Err(e) => {
            #[derive(serde::Deserialize)]
            struct Version {
                v: u32,
            }
            if let Ok(Version { v }) = serde_json::from_slice::<Version>(line)
                && v > FORMAT
            {
                return Err(error(newer(v)));
            }
            // serde's words, less its "at line 1 column 56": the line is the file's.
            let words = e.to_string();
            let words = words.rfind(" at line ").map_or(&words[..], |i| &words[..i]);
            Err(error(format!(
                "not a limber history record (at column {}: {words}); {KEPT}",
                e.column()
            )))
        }
    }
}

const KEPT: &str = "limber changed nothing in the file: correct or delete that line (each line is one record; see `limber history --help`)";

fn newer(v: u32) -> String {
    format!(
        "written by a newer limber (history format {v}; this limber reads format {FORMAT}): update limber to read it. limber changed nothing in the file"
    )
}

/// Every log file to read beside `path`: `path` itself and the others named `history*.jsonl` in
/// its folder, oldest name first.
pub fn files(path: &Path) -> Vec<PathBuf> {
    let mut out = vec![path.to_path_buf()];
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return out;
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    // Only beside the standard name: a log given by hand is read alone.
    if name != FILE {
        return out;
    }
    let mut others: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("history") && n.ends_with(".jsonl") && n != FILE)
        })
        .collect();
    others.sort();
    others.append(&mut out);
    others
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::record::{Rated, Rating};

    fn rated(session: &str) -> Line {
        Line::rating(
            session,
            Rated {
                at: "2026-12-01T22:50:05+01:00".into(),
                rating: Rating::Fine,
                note: None,
                by: None,
            },
        )
    }

    #[test]
    fn records_append_as_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/limber/history.jsonl");
        append(&path, &rated("a")).unwrap();
        append(&path, &rated("b")).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2);
        assert!(text.ends_with('\n'));
        let read = read_file(&path).unwrap();
        let ids: Vec<_> = read
            .lines
            .iter()
            .map(|(n, l)| (*n, &l.session[..]))
            .collect();
        assert_eq!(ids, [(1, "a"), (2, "b")]);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the log is private");
    }

    #[test]
    fn a_torn_last_line_is_skipped_and_the_next_record_starts_its_own_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.jsonl");
        append(&path, &rated("a")).unwrap();
        let whole = serde_json::to_string(&rated("torn")).unwrap();
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(&whole.as_bytes()[..whole.len() / 2]).unwrap();
        drop(f);
        assert_eq!(read_file(&path).unwrap().torn, [2]);

        append(&path, &rated("b")).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[2].starts_with(r#"{"v":1,"session":"b""#), "{text}");
        let read = read_file(&path).unwrap();
        assert_eq!(read.torn, [2]);
        let ids: Vec<_> = read.lines.iter().map(|(_, l)| &l.session[..]).collect();
        assert_eq!(ids, ["a", "b"]);
    }

    #[test]
    fn nul_bytes_from_a_power_cut_are_skipped() {
        let bytes = b"\0\0\0\0\n{\"v\":1,\"session\":\"a\",\"rating\":{\"at\":\"x\",\"rating\":\"easy\"}}\n";
        let read = parse(Path::new("h.jsonl"), bytes).unwrap();
        assert_eq!(read.torn, [1]);
        assert_eq!(read.lines.len(), 1);
    }

    #[test]
    fn every_cut_of_a_record_is_torn_not_an_error() {
        let whole = serde_json::to_string(&rated("a")).unwrap();
        for cut in 1..whole.len() {
            let mut bytes = whole.as_bytes()[..cut].to_vec();
            bytes.push(b'\n');
            bytes.extend_from_slice(whole.as_bytes());
            let read =
                parse(Path::new("h.jsonl"), &bytes).unwrap_or_else(|e| panic!("cut at {cut}: {e}"));
            assert_eq!(read.torn, [1], "cut at {cut}");
            assert_eq!(read.lines.len(), 1);
        }
    }

    #[test]
    fn a_newer_format_is_refused_naming_the_line() {
        let bytes = b"{\"v\":1,\"session\":\"a\",\"rating\":{\"at\":\"x\",\"rating\":\"easy\"}}\n{\"v\":2,\"session\":\"b\",\"mood\":{}}\n";
        let e = parse(Path::new("/s/history.jsonl"), bytes).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(
            e.to_string()
                .starts_with("/s/history.jsonl:2: written by a newer limber (history format 2"),
            "{e}"
        );
        // A newer record that happens to have this format's shape is refused too.
        let bytes = b"{\"v\":3,\"session\":\"a\",\"rating\":{\"at\":\"x\",\"rating\":\"easy\"}}\n";
        assert!(
            parse(Path::new("h"), bytes)
                .unwrap_err()
                .message
                .contains("format 3")
        );
    }

    #[test]
    fn a_bad_hand_edit_is_an_error_naming_the_line() {
        let bytes = b"{\"v\":1,\"session\":\"a\",\"rating\":{\"at\":\"x\",\"rating\":\"easy\"}}\n{\"v\":1,\"session\":\"a\",\"rating\":{\"at\":\"x\",\"rating\":\"great\"}}\n\n";
        let e = parse(Path::new("h.jsonl"), bytes).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("unknown variant `great`"), "{e}");
        assert!(e.message.contains("changed nothing"), "{e}");
        let e = parse(Path::new("h.jsonl"), b"{\"v\":1,\"session\":\"a\"}\n").unwrap_err();
        assert!(e.message.contains("exactly one of"), "{e}");
    }

    /// A reader that gives a few bytes at a time, as a pipe or a slow disk may.
    struct Trickle<'a>(&'a [u8], usize);

    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.1 = self.1 % 7 + 1;
            let n = self.1.min(buf.len()).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn lines_are_found_however_the_reads_cut_them() {
        // Lines longer than the buffer too, and a last line without its newline.
        let long = "x".repeat(200_000);
        let text = format!("a\n\n{long}\nbc\r\n{long}{long}\nlast");
        let want: Vec<(&str, bool)> = vec![
            ("a", true),
            ("", true),
            (&long, true),
            ("bc\r", true),
            (&text[text.len() - 4 - 400_001..text.len() - 5], true),
            ("last", false),
        ];
        for trickle in [false, true] {
            let mut lines = if trickle {
                Lines::new(Box::new(Trickle(text.as_bytes(), 0)) as Box<dyn std::io::Read>)
            } else {
                Lines::new(Box::new(text.as_bytes()) as Box<dyn std::io::Read>)
            };
            let mut got = Vec::new();
            while let Some((line, complete)) = lines.next().unwrap() {
                got.push((String::from_utf8(line.to_vec()).unwrap(), complete));
            }
            let got: Vec<(&str, bool)> = got.iter().map(|(l, c)| (l.as_str(), *c)).collect();
            assert_eq!(got, want, "trickle: {trickle}");
        }
        let mut none = Lines::new(&b""[..]);
        assert!(none.next().unwrap().is_none());
    }

    #[test]
    fn logs_moved_aside_are_read_too() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        std::fs::write(dir.path().join("history-2025.jsonl"), "").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "").unwrap();
        let found = files(&path);
        assert_eq!(found, [dir.path().join("history-2025.jsonl"), path.clone()]);
        let alone = dir.path().join("mine.jsonl");
        assert_eq!(files(&alone), vec![alone]);
    }
}
