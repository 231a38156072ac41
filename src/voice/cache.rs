//! The speech cache: every line a voice has spoken, as a WAV file on disk, so the next session
//! starts speaking at once and its plan knows how long each line really lasts.
//!
//! A line's file is named by a hash of everything that shapes the sound: the engine, its program
//! and arguments (rate, pitch, voice, model), and the text. Writing is safe against a session
//! killed mid-write and against two sessions at once: each writer makes a temporary file in the
//! cache folder and renames it into place, which is atomic, so a reader sees a whole file or none.
//! The folder is kept under a size bound by removing the lines used least recently.
//!
//! The cache only ever removes files in a folder it knows to be its own: one that holds its tag,
//! `CACHEDIR.TAG` (the common mark of a cache folder, which backup tools skip). The tag is written
//! in a folder the cache made, in an empty one, and in the usual folder; a folder of the user's
//! that already holds other files (a `"speech_cache"` pointed at a shared sounds folder, say) gets
//! lines written into it but nothing in it is ever removed, since a file named like a line there
//! may be the user's own.
//!
//! A full disk cuts a line short without anyone noticing: espeak-ng exits 0 with a WAV whose
//! header matches the part it could write. So a line made while the disk has less than
//! [`FULL`] free is not kept, and is made again elsewhere (see `voice::speaker`).

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::routine::Ms;
use crate::sound::clip::Clip;

/// The default bound on the cache's size.
pub const DEFAULT_MAX_BYTES: u64 = 200 * 1024 * 1024;

/// The largest line file read: two minutes (the longest line an engine may make) of 16-bit
/// stereo at 96 kHz is 44 MB.
const MAX_LINE_BYTES: u64 = 64 * 1024 * 1024;

/// A temporary file older than this was left by a writer that died.
const STALE: Duration = Duration::from_secs(3600);

/// With less than this free on the cache's disk, the disk counts as full: a line written there may
/// have been cut short.
pub const FULL: u64 = 1024 * 1024;

/// The mark of a folder that is the cache's own (see <https://bford.info/cachedir/>).
const TAG: &str = "CACHEDIR.TAG";
const TAG_TEXT: &str = "Signature: 8a477f597d28d172789f06886806bc55\n\
# This file is a cache directory tag created by limber: its speech cache.\n\
# limber removes files only in a folder that holds this tag.\n";

#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
    max_bytes: u64,
    /// Whether the folder is the cache's own, so its files may be removed.
    owned: bool,
}

/// The cache's usual folder: `~/.cache/limber/speech` on Linux.
pub fn default_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "limber").map(|d| d.cache_dir().join("speech"))
}

/// The name of a line's file: a hash of the engine's identity and the text.
pub fn key(engine: &str, text: &str) -> String {
    let mut bytes = Vec::with_capacity(engine.len() + text.len() + 1);
    bytes.extend_from_slice(engine.as_bytes());
    // A separator that cannot appear in either, so ("ab", "c") and ("a", "bc") differ.
    bytes.push(0);
    bytes.extend_from_slice(text.as_bytes());
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(&bytes))
}

impl Cache {
    /// Opens (and if needed makes) the cache folder.
    pub fn open(dir: &Path, max_bytes: u64) -> Result<Cache, String> {
        let made = !dir.exists();
        std::fs::create_dir_all(dir)
            .map_err(|e| {
                format!(
                    "cannot make the speech cache {} ({}): choose a folder you may write to with \"speech_cache\": {{\"folder\": ...}} in the configuration",
                    dir.display(),
                    crate::report::error::plain(&e)
                )
            })?;
        let tagged = std::fs::symlink_metadata(dir.join(TAG)).is_ok_and(|m| m.is_file());
        let usual = default_dir().is_some_and(|d| d == dir);
        let empty = std::fs::read_dir(dir).is_ok_and(|mut e| e.next().is_none());
        // The tag is written with the first line kept, so a folder with nothing kept stays empty.
        let owned = tagged || made || usual || empty;
        let cache = Cache {
            dir: dir.to_path_buf(),
            max_bytes,
            owned,
        };
        // A folder that is there but cannot be written (left by `sudo limber prepare`, say)
        // would fail every line: found now, it is reported once and another is used.
        cache.scratch()?;
        Ok(cache)
    }

    /// Whether the folder is the cache's own: only then does it remove anything in it.
    pub fn owned(&self) -> bool {
        self.owned
    }

    /// Why a line written now might be cut short: the disk of the cache is (nearly) full.
    pub fn full(&self) -> Option<String> {
        let free = rustix::fs::statvfs(&self.dir)
            .ok()
            .map(|s| s.f_bavail.saturating_mul(s.f_frsize));
        self.full_if(free)
    }

    /// The same, from the file just written (which may be on another disk than the folder was).
    pub fn full_after(&self, file: &std::fs::File) -> Option<String> {
        let free = rustix::fs::fstatvfs(file)
            .ok()
            .map(|s| s.f_bavail.saturating_mul(s.f_frsize));
        self.full_if(free)
    }

    fn full_if(&self, free: Option<u64>) -> Option<String> {
        let free = free?;
        (free < FULL).then(|| {
            format!(
                "the disk of the speech cache {} is full ({} KB free)",
                self.dir.display(),
                free / 1024
            )
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.wav"))
    }

    /// A cached line, if there is one. A file that cannot be read as sound (damaged by a full
    /// disk, say) is removed, so the line is made again.
    pub fn get(&self, key: &str) -> Option<Clip> {
        let path = self.path(key);
        let (file, size) = crate::routine::source::open_bounded(&path, MAX_LINE_BYTES).ok()?;
        // Decoded as it is read, in 64 KB gulps: a line is in memory once, as samples.
        match Clip::read_wav(std::io::BufReader::with_capacity(64 * 1024, file), size) {
            Ok(clip) => {
                // Marks it as recently used, for eviction.
                if let Ok(file) = std::fs::File::options().append(true).open(&path) {
                    let _ = file.set_modified(SystemTime::now());
                }
                Some(clip)
            }
            Err(_) => {
                if self.owned {
                    let _ = std::fs::remove_file(&path);
                }
                None
            }
        }
    }

    /// How long a cached line lasts, from its header alone.
    pub fn length(&self, key: &str) -> Option<Ms> {
        let reader = hound::WavReader::open(self.path(key)).ok()?;
        let spec = reader.spec();
        if spec.sample_rate == 0 || reader.duration() == 0 {
            return None;
        }
        Some(crate::sound::clip::frames_ms(
            u64::from(reader.duration()),
            spec.sample_rate,
        ))
    }

    /// The size of a cached line's file.
    pub fn size(&self, key: &str) -> Option<u64> {
        std::fs::metadata(self.path(key)).ok().map(|m| m.len())
    }

    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    pub fn contains(&self, key: &str) -> bool {
        self.path(key).is_file()
    }

    /// A fresh temporary file in the cache folder for a writer to fill; [`Cache::keep`] puts it in
    /// place. Dropped without keeping, it is removed.
    pub fn scratch(&self) -> Result<tempfile::NamedTempFile, String> {
        tempfile::Builder::new()
            .prefix(".writing-")
            .suffix(".wav")
            .tempfile_in(&self.dir)
            .map_err(|e| {
                format!(
                    "cannot write to the speech cache {} ({}): free some space, or choose another folder with \"speech_cache\": {{\"folder\": ...}} in the configuration",
                    self.dir.display(),
                    crate::report::error::plain(&e)
                )
            })
    }

    /// Puts a finished file in place under `key`, atomically.
    pub fn keep(&self, file: tempfile::NamedTempFile, key: &str) -> Result<(), String> {
        file.persist(self.path(key))
            .map_err(|e| {
                format!(
                    "cannot keep speech in {} ({}): free some space, or choose another folder with \"speech_cache\": {{\"folder\": ...}} in the configuration",
                    self.dir.display(),
                    crate::report::error::plain(&e.error)
                )
            })?;
        let tag = self.dir.join(TAG);
        if self.owned && std::fs::symlink_metadata(&tag).is_err() {
            let _ = std::fs::write(tag, TAG_TEXT);
        }
        Ok(())
    }

    /// The files in the cache and their total size.
    pub fn usage(&self) -> (usize, u64) {
        let files = self.files();
        (files.len(), files.iter().map(|f| f.1).sum())
    }

    /// (path, size, last used) of each cached line.
    fn files(&self) -> Vec<(PathBuf, u64, SystemTime)> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        entries
            .flatten()
            .filter_map(|e| {
                let name = e.file_name();
                let name = name.to_string_lossy();
                let meta = e.metadata().ok()?;
                let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
                if name.starts_with(".writing-") {
                    // Left by a writer that was killed: removed once it is surely not in use.
                    if self.owned && modified.elapsed().is_ok_and(|age| age > STALE) {
                        let _ = std::fs::remove_file(e.path());
                    }
                    return None;
                }
                // Only files the cache named: a folder shared with other sound files keeps them.
                let ours = name
                    .strip_suffix(".wav")
                    .is_some_and(|k| k.len() == 32 && k.bytes().all(|b| b.is_ascii_hexdigit()));
                ours.then(|| (e.path(), meta.len(), modified))
            })
            .collect()
    }

    /// Removes the lines used least recently until the cache is within its bound, keeping the
    /// lines in `keep` (those the session needs). Returns how many files were removed.
    pub fn trim(&self, keep: &[String]) -> usize {
        let mut files = self.files();
        let mut total: u64 = files.iter().map(|f| f.1).sum();
        if total <= self.max_bytes || !self.owned {
            return 0;
        }
        files.sort_by_key(|f| f.2);
        let keep: std::collections::HashSet<PathBuf> = keep.iter().map(|k| self.path(k)).collect();
        let mut removed = 0;
        for (path, size, _) in files {
            if total <= self.max_bytes {
                break;
            }
            if keep.contains(&path) {
                continue;
            }
            if std::fs::remove_file(&path).is_ok() {
                total -= size;
                removed += 1;
            }
        }
        removed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn wav(seconds: f64) -> Vec<u8> {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 8000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut out = std::io::Cursor::new(Vec::new());
        let mut w = hound::WavWriter::new(&mut out, spec).unwrap();
        for i in 0..(seconds * 8000.0) as usize {
            w.write_sample((i % 100) as i16 * 100).unwrap();
        }
        w.finalize().unwrap();
        out.into_inner()
    }

    fn put(cache: &Cache, key: &str, bytes: &[u8]) {
        let mut f = cache.scratch().unwrap();
        f.write_all(bytes).unwrap();
        cache.keep(f, key).unwrap();
    }

    #[test]
    fn keys_differ_by_engine_and_text() {
        assert_eq!(
            key("espeak-ng -s 160", "Hello"),
            key("espeak-ng -s 160", "Hello")
        );
        assert_ne!(
            key("espeak-ng -s 160", "Hello"),
            key("espeak-ng -s 170", "Hello")
        );
        assert_ne!(key("ab", "c"), key("a", "bc"));
        assert_eq!(key("x", "y").len(), 32);
    }

    #[test]
    fn a_line_kept_is_found_with_its_length() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(&dir.path().join("speech"), DEFAULT_MAX_BYTES).unwrap();
        assert!(cache.get("a").is_none());
        let a = key("test", "a");
        put(&cache, &a, &wav(1.5));
        assert_eq!(cache.get(&a).unwrap().duration_ms(), 1500);
        assert_eq!(cache.length(&a), Some(1500));
        assert_eq!(cache.usage().0, 1);
    }

    #[test]
    fn a_folder_of_the_users_own_files_loses_none_of_them() {
        let dir = tempfile::tempdir().unwrap();
        // A folder of sounds named by their hash, before any line was kept there.
        let mine = dir.path().join(format!("{}.wav", key("my", "recording")));
        std::fs::write(&mine, wav(1.0)).unwrap();
        let damaged = dir.path().join(format!("{}.wav", key("my", "damaged")));
        std::fs::write(&damaged, b"RIFF\0\0not a wav").unwrap();
        let cache = Cache::open(dir.path(), 1).unwrap();
        assert!(!cache.owned());
        let line = key("test", "a");
        put(&cache, &line, &wav(1.0));
        assert!(cache.get(&key("my", "damaged")).is_none());
        // Before, trimming to the bound (or reading a damaged file) removed the user's files.
        assert_eq!(cache.trim(&[]), 0);
        assert!(mine.exists() && damaged.exists() && cache.contains(&line));
        assert!(!dir.path().join(TAG).exists());
    }

    #[test]
    fn a_folder_the_cache_makes_or_finds_empty_is_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let made = Cache::open(&dir.path().join("speech"), 1).unwrap();
        assert!(made.owned());
        put(&made, &key("test", "first"), &wav(0.1));
        let text = std::fs::read_to_string(dir.path().join("speech").join(TAG)).unwrap();
        assert!(text.starts_with("Signature: 8a477f597d28d172789f06886806bc55"));
        let empty = tempfile::tempdir().unwrap();
        assert!(Cache::open(empty.path(), 1).unwrap().owned());
        // Opened again later, with lines in it, it is still its own.
        let line = key("test", "a");
        put(&made, &line, &wav(1.0));
        assert!(Cache::open(&dir.path().join("speech"), 1).unwrap().owned());
    }

    #[test]
    fn a_damaged_file_is_removed_and_missed() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path(), DEFAULT_MAX_BYTES).unwrap();
        std::fs::write(dir.path().join("bad.wav"), b"RIFF\0\0garbage").unwrap();
        assert!(cache.get("bad").is_none());
        assert!(!dir.path().join("bad.wav").exists());
    }

    #[test]
    fn a_writer_killed_mid_write_leaves_no_line() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path(), DEFAULT_MAX_BYTES).unwrap();
        let mut f = cache.scratch().unwrap();
        f.write_all(&wav(1.0)[..100]).unwrap();
        // The process dies here: the half-written file keeps its temporary name.
        let (_, path) = f.keep().unwrap();
        assert!(cache.get("line").is_none());
        assert_eq!(cache.usage(), (0, 0));
        // Once it is old, it is cleared away.
        let old = SystemTime::now() - Duration::from_secs(7200);
        std::fs::File::options()
            .append(true)
            .open(&path)
            .unwrap()
            .set_modified(old)
            .unwrap();
        cache.usage();
        assert!(!path.exists());
    }

    #[test]
    fn the_least_recently_used_lines_go_first_and_needed_ones_stay() {
        let dir = tempfile::tempdir().unwrap();
        let one = wav(1.0).len() as u64;
        let cache = Cache::open(dir.path(), one * 2).unwrap();
        let [old, needed, used, new] = ["old", "needed", "used", "new"].map(|k| key("test", k));
        for (i, k) in [&old, &needed, &used, &new].iter().enumerate() {
            put(&cache, k, &wav(1.0));
            let when = SystemTime::now() - Duration::from_secs(100 - i as u64 * 10);
            std::fs::File::options()
                .append(true)
                .open(cache.path(k))
                .unwrap()
                .set_modified(when)
                .unwrap();
        }
        // Someone else's sound file in the same folder is not the cache's to remove.
        std::fs::write(dir.path().join("my-bell.wav"), wav(1.0)).unwrap();
        // Reading a line makes it recent.
        assert!(cache.get(&used).is_some());
        assert_eq!(cache.trim(std::slice::from_ref(&needed)), 2);
        assert!(cache.contains(&needed) && cache.contains(&used));
        assert!(!cache.contains(&old) && !cache.contains(&new));
        assert!(dir.path().join("my-bell.wav").exists());
    }

    #[test]
    fn two_writers_of_one_line_leave_one_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path(), DEFAULT_MAX_BYTES).unwrap();
        let same = key("test", "same");
        let bytes = wav(2.0);
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    for _ in 0..20 {
                        put(&cache, &same, &bytes);
                        let clip = cache.get(&same).expect("a whole file, always");
                        assert_eq!(clip.duration_ms(), 2000);
                    }
                });
            }
        });
        assert_eq!(cache.usage(), (1, bytes.len() as u64));
    }
}

#[cfg(test)]
mod unwritable {
    #[test]
    fn a_folder_that_cannot_be_written_is_refused_at_once() {
        // A folder that is there and that nobody, root included, may make files in.
        let e = super::Cache::open(std::path::Path::new("/proc/self"), super::DEFAULT_MAX_BYTES)
            .unwrap_err();
        assert!(
            e.starts_with("cannot write to the speech cache /proc/self (")
                && !e.contains("os error")
                && e.contains("\"speech_cache\""),
            "{e}"
        );
    }
}
