//! The speech cache: every line a voice has spoken, as a WAV file on disk, so the next session
//! starts speaking at once and its plan knows how long each line really lasts.
//!
//! A line's file is named by a hash of everything that shapes the sound: the engine, its program
//! and arguments (rate, pitch, voice, model), and the text. Writing is safe against a session
//! killed mid-write and against two sessions at once: each writer makes a temporary file in the
//! cache folder and renames it into place, which is atomic, so a reader sees a whole file or none.
//! The folder is kept under a size bound by removing the lines used least recently.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::routine::Ms;
use crate::sound::clip::Clip;

/// The default bound on the cache's size.
pub const DEFAULT_MAX_BYTES: u64 = 200 * 1024 * 1024;

/// A temporary file older than this was left by a writer that died.
const STALE: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
    max_bytes: u64,
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
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot make the speech cache {}: {e}", dir.display()))?;
        let cache = Cache {
            dir: dir.to_path_buf(),
            max_bytes,
        };
        // A folder that is there but cannot be written (left by `sudo limber prepare`, say)
        // would fail every line: found now, it is reported once and another is used.
        cache.scratch()?;
        Ok(cache)
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
        let bytes = std::fs::read(&path).ok()?;
        match Clip::from_wav(&bytes) {
            Ok(clip) => {
                // Marks it as recently used, for eviction.
                if let Ok(file) = std::fs::File::options().append(true).open(&path) {
                    let _ = file.set_modified(SystemTime::now());
                }
                Some(clip)
            }
            Err(_) => {
                let _ = std::fs::remove_file(&path);
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
                    "cannot write to the speech cache {}: {e}",
                    self.dir.display()
                )
            })
    }

    /// Puts a finished file in place under `key`, atomically.
    pub fn keep(&self, file: tempfile::NamedTempFile, key: &str) -> Result<(), String> {
        file.persist(self.path(key))
            .map(|_| ())
            .map_err(|e| format!("cannot keep speech in {}: {e}", self.dir.display()))
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
                    if modified.elapsed().is_ok_and(|age| age > STALE) {
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
        if total <= self.max_bytes {
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
            e.starts_with("cannot write to the speech cache /proc/self: "),
            "{e}"
        );
    }
}
