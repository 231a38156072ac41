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

#[cfg(doc)]
use super::record::Summary;
use super::record::{Exercises, FORMAT, Full, Line};

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
    let torn = each_line::<Full>(path, |n, line| out.lines.push((n, line)))?;
    out.torn = torn;
    Ok(out)
}

/// Gives each record of the file at `path` to `record` with its line number, as it is read: a
/// line at a time, in one reused buffer, so a long log is never held in memory, and (with
/// [`Summary`]) its exercises are passed over, never kept. A file that does not exist has no
/// records. Returns the numbers of the torn lines skipped.
pub fn each_line<X: Exercises>(
    path: &Path,
    mut record: impl FnMut(usize, Line<X>),
) -> Result<Vec<usize>, LogError> {
    let cannot = |e: std::io::Error| LogError {
        path: path.to_path_buf(),
        line: 0,
        message: format!(
            "cannot read it ({}): check that it is a file you may read",
            crate::report::error::plain(&e)
        ),
    };
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(cannot(e)),
    };
    let mut reader = std::io::BufReader::with_capacity(1 << 16, file);
    let mut torn = Vec::new();
    let mut buf = Vec::with_capacity(4096);
    let mut number = 0;
    loop {
        buf.clear();
        let n = std::io::BufRead::read_until(&mut reader, b'\n', &mut buf).map_err(cannot)?;
        if n == 0 {
            break;
        }
        number += 1;
        let complete = buf.last() == Some(&b'\n');
        if complete {
            buf.pop();
        }
        match one_line(path, number, &buf, complete)? {
            Read::Record(line) => record(number, line),
            Read::Torn => torn.push(number),
            Read::Blank => {}
        }
    }
    Ok(torn)
}

/// The records in `bytes`, the content of the file at `path`.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<FileRecords, LogError> {
    let mut out = FileRecords::default();
    let mut number = 0;
    let mut rest = bytes;
    while !rest.is_empty() {
        number += 1;
        let (line, complete) = match memchr(rest) {
            Some(i) => {
                let line = &rest[..i];
                rest = &rest[i + 1..];
                (line, true)
            }
            None => (std::mem::take(&mut rest), false),
        };
        match one_line(path, number, line, complete)? {
            Read::Record(line) => out.lines.push((number, line)),
            Read::Torn => out.torn.push(number),
            Read::Blank => {}
        }
    }
    Ok(out)
}

// Made and matched at once for each line: boxing the record would allocate for every line.
#[allow(clippy::large_enum_variant)]
enum Read<X: Exercises> {
    Record(Line<X>),
    Torn,
    Blank,
}

/// Reads line `number` (without its newline; `complete` when it had one).
fn one_line<X: Exercises>(
    path: &Path,
    number: usize,
    line: &[u8],
    complete: bool,
) -> Result<Read<X>, LogError> {
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
    match serde_json::from_slice::<Line<X>>(line) {
        Ok(record) if record.v > FORMAT => Err(error(newer(record.v))),
        Ok(record) => {
            let parts = [
                record.begin.is_some(),
                record.end.is_some(),
                record.rating.is_some(),
            ];
            if parts.iter().filter(|p| **p).count() != 1 {
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

fn memchr(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|b| *b == b'\n')
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
