//! A voice made of sound files: a [`CommandEngine`] writes each line as WAV, the speech cache keeps
//! it, and the line plays through the session's one audio output, like a chime.
//!
//! Lines are made ahead of the player on a worker thread, in the order the session will say them
//! and a few lines ahead, so a cue never waits for its words; a line said out of order (after a
//! skip) is asked for at once. With a warm cache nothing is synthesized at all: the first cue
//! plays within milliseconds.

use std::collections::{HashMap, VecDeque};
use std::io::Seek;
use std::rc::Rc;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use super::command::CommandEngine;
use super::piper::Piper;
use super::{Heard, Voice};
use crate::routine::Ms;
use crate::sound::clip::Clip;
use crate::sound::output::{Group, Output};
use crate::voice::cache::{self, Cache};

/// How many lines the worker makes ahead: enough to stay ahead of a slow voice.
const LOOK_AHEAD: usize = 12;

/// How many of those it holds in memory (the next ones); the rest wait in the speech cache,
/// read again when their turn comes (a few milliseconds), so a session's memory does not grow
/// with its lines' length.
const IN_MEMORY: usize = 2;

/// An engine with its cache: turns text into speech, made once.
pub struct Synth {
    pub engine: CommandEngine,
    /// Piper, kept loaded for all the lines, when the engine is Piper.
    piper: Option<Piper>,
    cache: Cache,
    identity: String,
    /// A temporary cache, when the real one cannot be used; removed with the session.
    _scratch: Option<tempfile::TempDir>,
    /// Set once the cache cannot keep lines (its disk is full): why, and how many lines were
    /// made in memory since.
    unkept: Mutex<Option<(String, usize)>>,
    /// Where lines are made once the cache cannot keep them: a folder in memory.
    memory: Mutex<Option<tempfile::TempDir>>,
    /// The lines made since, by key: held in memory for the rest of the session.
    held: Mutex<HashMap<String, Clip>>,
}

/// Why a line was not made in the cache.
enum Missed {
    /// The cache cannot keep it (a full disk): it is made elsewhere.
    Unkept(String),
    /// The engine failed.
    Failed(String),
}

/// A folder in memory for lines the cache cannot keep: the user's runtime folder or /dev/shm
/// (both are tmpfs on Linux), else the temporary folder.
fn memory_folder() -> Result<tempfile::TempDir, String> {
    let roots = [
        std::env::var_os("XDG_RUNTIME_DIR").map(std::path::PathBuf::from),
        Some("/dev/shm".into()),
        Some(std::env::temp_dir()),
    ];
    let mut last = String::new();
    for root in roots.into_iter().flatten().filter(|r| r.is_dir()) {
        match tempfile::Builder::new()
            .prefix("limber-speech-")
            .tempdir_in(&root)
        {
            Ok(dir) => return Ok(dir),
            Err(e) => last = format!("cannot make a folder for speech in {}: {e}", root.display()),
        }
    }
    Err(last)
}

impl Synth {
    /// The engine with the cache at `dir`, or, when that folder cannot be made, a temporary one
    /// (the reason goes to `warn`).
    pub fn new(
        engine: CommandEngine,
        dir: Option<&std::path::Path>,
        max_bytes: u64,
        warn: &mut dyn FnMut(String),
    ) -> Result<Synth, String> {
        let opened = match dir {
            Some(dir) => Cache::open(dir, max_bytes).map(|c| (c, None)),
            None => Err("there is no cache folder for this user".into()),
        };
        let (cache, scratch) = match opened {
            Ok(c) => c,
            Err(why) => {
                warn(format!("{why}; speech is made afresh for each session"));
                let temp = tempfile::Builder::new()
                    .prefix("limber-speech")
                    .tempdir()
                    .map_err(|e| format!("cannot make a folder for speech: {e}"))?;
                (Cache::open(temp.path(), max_bytes)?, Some(temp))
            }
        };
        let piper = (engine.name == "piper").then(|| Piper::new(engine.clone()));
        Ok(Synth {
            identity: piper
                .as_ref()
                .map_or_else(|| engine.identity(), Piper::identity),
            piper,
            engine,
            cache,
            _scratch: scratch,
            unkept: Mutex::new(None),
            memory: Mutex::new(None),
            held: Mutex::new(HashMap::new()),
        })
    }

    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    pub fn key(&self, text: &str) -> String {
        cache::key(&self.identity, text)
    }

    /// A line held in memory because the cache could not keep it.
    fn held(&self, key: &str) -> Option<Clip> {
        self.held
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned()
    }

    /// The line from the cache, if it is there.
    pub fn cached(&self, text: &str) -> Option<Clip> {
        let key = self.key(text);
        self.held(&key).or_else(|| self.cache.get(&key))
    }

    /// How long the line lasts, if it is in the cache.
    pub fn length(&self, text: &str) -> Option<Ms> {
        let key = self.key(text);
        match self.held(&key) {
            Some(clip) => Some(clip.duration_ms()),
            None => self.cache.length(&key),
        }
    }

    /// Whether the line is in the cache.
    pub fn has(&self, text: &str) -> bool {
        let key = self.key(text);
        self.held(&key).is_some() || self.cache.contains(&key)
    }

    /// Keeps the cache within its bound, sparing `lines` (those about to be said); returns how
    /// many lines were removed.
    pub fn trim(&self, lines: &[String]) -> usize {
        let keys: Vec<String> = lines.iter().map(|l| self.key(l)).collect();
        self.cache.trim(&keys)
    }

    /// The line, from the cache or made now (and kept).
    ///
    /// Once the cache cannot keep lines (its disk is full, or its files cannot be made), the
    /// rest of the session's lines are made in a folder in memory and not kept: a line cut short
    /// by the full disk is never kept, and the voice goes on.
    pub fn clip(&self, text: &str) -> Result<Clip, String> {
        let key = self.key(text);
        if let Some(clip) = self.cached(text) {
            return Ok(clip);
        }
        if self.unkept().is_none() {
            match self.make_in_cache(text, &key) {
                Ok(clip) => return Ok(clip),
                Err(Missed::Failed(why)) => return Err(why),
                Err(Missed::Unkept(why)) => {
                    crate::report::log::fault(&format!(
                        "{why}; speech is made in memory and not kept, until there is room"
                    ));
                    *self.unkept.lock().unwrap_or_else(|p| p.into_inner()) = Some((why, 0));
                }
            }
        }
        let clip = self.make_in_memory(text)?;
        if let Some((_, n)) = self
            .unkept
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_mut()
        {
            *n += 1;
        }
        self.held
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, clip.clone());
        Ok(clip)
    }

    /// Why the cache stopped keeping lines and how many were made without it, if it did.
    pub fn unkept(&self) -> Option<(String, usize)> {
        self.unkept
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn make_in_cache(&self, text: &str, key: &str) -> Result<Clip, Missed> {
        if let Some(why) = self.cache.full() {
            return Err(Missed::Unkept(why));
        }
        let mut file = self.cache.scratch().map_err(Missed::Unkept)?;
        let path = file.path().to_path_buf();
        let made = self.synthesize(text, file.as_file_mut(), &path);
        // The engine cannot tell a write cut short by a full disk (espeak-ng exits 0, with a
        // header that matches what it wrote), so the disk is asked: a line made while it filled
        // is not trusted, and is made again elsewhere.
        if let Some(why) = self.cache.full_after(file.as_file()) {
            return Err(Missed::Unkept(why));
        }
        let clip = made.map_err(Missed::Failed)?;
        let _ = file.as_file_mut().rewind();
        self.cache.keep(file, key).map_err(Missed::Unkept)?;
        Ok(clip)
    }

    fn make_in_memory(&self, text: &str) -> Result<Clip, String> {
        let mut memory = self.memory.lock().unwrap_or_else(|p| p.into_inner());
        if memory.is_none() {
            *memory = Some(memory_folder()?);
        }
        let dir = memory.as_ref().expect("made above").path().to_path_buf();
        drop(memory);
        let mut file = tempfile::Builder::new()
            .prefix(".writing-")
            .suffix(".wav")
            .tempfile_in(&dir)
            .map_err(|e| format!("cannot make speech in {}: {e}", dir.display()))?;
        let path = file.path().to_path_buf();
        self.synthesize(text, file.as_file_mut(), &path)
    }

    /// The engine makes the line into `file` (at `path`).
    fn synthesize(
        &self,
        text: &str,
        file: &mut std::fs::File,
        path: &std::path::Path,
    ) -> Result<Clip, String> {
        match &self.piper {
            Some(piper) => piper.synthesize(text, file),
            None => self.engine.synthesize(text, file, path),
        }
    }
}

impl crate::sound::render::Speech for Synth {
    fn clip(&self, text: &str) -> Result<Clip, String> {
        Synth::clip(self, text)
    }
}

pub struct Speaker {
    synth: Arc<Synth>,
    output: Rc<dyn Output>,
    volume: f32,
    shared: Arc<Shared>,
}

struct Shared {
    state: Mutex<State>,
    /// Wakes the worker.
    work: Condvar,
    /// Wakes a line waiting for its speech.
    made: tokio::sync::Notify,
}

#[derive(Default)]
struct State {
    /// The session's lines in order, and how far the player has got.
    lines: Vec<String>,
    next: usize,
    /// Lines made, by text (or why they could not be): in memory, or `None` for one kept in the
    /// speech cache (or held by the synthesizer), to be read from there.
    ready: HashMap<String, Result<Option<Clip>, String>>,
    /// Lines the player wants now, out of order.
    wanted: VecDeque<String>,
    started: bool,
    stopped: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Speaker {
    /// Checks that the engine can run (the program and its model are there) before the session.
    pub fn new(synth: Arc<Synth>, output: Rc<dyn Output>, volume: f32) -> Result<Speaker, String> {
        synth.engine.check()?;
        Ok(Speaker {
            synth,
            output,
            volume,
            shared: Arc::new(Shared {
                state: Mutex::default(),
                work: Condvar::new(),
                made: tokio::sync::Notify::new(),
            }),
        })
    }

    fn start_worker(&self) {
        let synth = Arc::clone(&self.synth);
        let shared = Arc::clone(&self.shared);
        std::thread::spawn(move || {
            loop {
                let (text, keep) = {
                    let mut state = shared.lock();
                    loop {
                        if state.stopped {
                            return;
                        }
                        if let Some(text) = state.wanted.pop_front() {
                            if !state.ready.contains_key(&text) {
                                // Waited for now: held for the player.
                                break (text, true);
                            }
                            continue;
                        }
                        let end = (state.next + LOOK_AHEAD).min(state.lines.len());
                        let due = state.lines[state.next.min(end)..end]
                            .iter()
                            .find(|t| !state.ready.contains_key(*t))
                            .cloned();
                        if let Some(text) = due {
                            let near = (state.next + IN_MEMORY).min(end);
                            let keep = state.lines[state.next.min(near)..near].contains(&text);
                            break (text, keep);
                        }
                        state = shared.work.wait(state).unwrap_or_else(|p| p.into_inner());
                    }
                };
                // A line further on that is already kept is not read now; one made now is held
                // only if it is next, or if it could not be kept.
                let made = if !keep && synth.has(&text) {
                    Ok(None)
                } else {
                    synth
                        .clip(&text)
                        .map(|clip| (keep || !synth.has(&text)).then_some(clip))
                };
                shared.lock().ready.insert(text, made);
                shared.made.notify_waiters();
            }
        });
    }
}

impl Drop for Speaker {
    fn drop(&mut self) {
        self.shared.lock().stopped = true;
        self.shared.work.notify_all();
    }
}

impl Voice for Speaker {
    fn name(&self) -> &str {
        &self.synth.engine.name
    }

    fn patience(&self) -> Duration {
        self.synth.engine.timeout + Duration::from_secs(1)
    }

    fn prepare(&mut self, texts: &[String]) {
        let start = {
            let mut state = self.shared.lock();
            state.lines = texts.to_vec();
            state.next = 0;
            !std::mem::replace(&mut state.started, true)
        };
        if start {
            self.start_worker();
        }
        self.shared.work.notify_all();
    }

    fn scheduled(&self) -> bool {
        true
    }

    fn say(&mut self, text: &str) -> Result<Heard, String> {
        let now = self.output.now();
        self.say_at(text, now)
    }

    fn say_at(&mut self, text: &str, at: tokio::time::Instant) -> Result<Heard, String> {
        let mine = {
            let mut state = self.shared.lock();
            // Where the player is: this line's place from the current one on (a repeat says the
            // current one again), else anywhere (after a jump back). Words the plan does not
            // have (resuming) leave the place as it is.
            let from = state.next.saturating_sub(1).min(state.lines.len());
            let place = state.lines[from..]
                .iter()
                .position(|t| t == text)
                .map(|i| from + i)
                .or_else(|| state.lines.iter().rposition(|t| t == text));
            if let Some(i) = place {
                state.next = i + 1;
            }
            let mine = match state.ready.remove(text) {
                Some(Ok(Some(clip))) => Some(Ok(clip)),
                Some(Err(why)) => Some(Err(why)),
                // Kept: read back below.
                Some(Ok(None)) | None => None,
            };
            // Only the lines ahead are kept in memory; any other comes back from the disk cache.
            let end = (state.next + LOOK_AHEAD).min(state.lines.len());
            let window: std::collections::HashSet<String> = state.lines[state.next.min(end)..end]
                .iter()
                .cloned()
                .collect();
            state.ready.retain(|t, _| window.contains(t));
            // A line asked for earlier and passed by (after skipping) is no longer wanted.
            state.wanted.clear();
            mine
        };
        // Read from disk outside the lock, so the worker is never held up by it.
        let now = mine.or_else(|| self.synth.cached(text).map(Ok));
        if now.is_none() {
            self.shared.lock().wanted.push_back(text.to_string());
        }
        self.shared.work.notify_all();
        let output = Rc::clone(&self.output);
        let volume = self.volume;
        if let Some(clip) = now {
            let clip = clip?;
            let start = output.play_at(&clip, volume, Group::Voice, at);
            return Ok(sounding(output, &clip, start));
        }
        // Not made yet: the words play as soon as they are, and the player allows for the wait.
        let shared = Arc::clone(&self.shared);
        let synth = Arc::clone(&self.synth);
        let text = text.to_string();
        Ok(Box::pin(async move {
            let clip = loop {
                let made = shared.made.notified();
                tokio::pin!(made);
                made.as_mut().enable();
                let result = shared.lock().ready.remove(&text);
                match result {
                    Some(Ok(Some(clip))) => break clip,
                    Some(Ok(None)) => {
                        break synth
                            .cached(&text)
                            .ok_or_else(|| format!("the words \"{text}\" went from the cache"))?;
                    }
                    Some(Err(why)) => return Err(why),
                    None => {}
                }
                made.await;
            };
            // Made late: as soon as it can be heard, never cut short.
            let soonest = output.now() + output.soonest();
            if soonest > at {
                crate::report::log::line(
                    crate::report::log::VERBOSE,
                    &format!(
                        "the words \"{text}\" were made {} ms too late to start on time",
                        (soonest - at).as_millis()
                    ),
                );
            }
            let start = output.play_at(&clip, volume, Group::Voice, at.max(soonest));
            sounding(output, &clip, start).await
        }))
    }

    fn ready(&self, text: &str) -> bool {
        matches!(self.shared.lock().ready.get(text), Some(Ok(_))) || self.synth.has(text)
    }

    fn stop(&mut self) {
        // Speech is a clip on the session's one output: the words stop, the chimes go on.
        self.output.cancel(Some(Group::Voice));
    }

    fn set_volume(&mut self, volume: f32) {
        self.volume = volume;
        self.output.gain(Group::Voice, volume);
    }
}

/// Finishes a look-ahead before a clip placed at `start` ends on the output's clock, with the
/// moment it ends: the player can place what follows exactly after it.
fn sounding(output: Rc<dyn Output>, clip: &Clip, start: tokio::time::Instant) -> Heard {
    // In whole milliseconds, as the plan has it, so what follows keeps the plan's time exactly.
    let end = start + Duration::from_millis(clip.duration_ms());
    Box::pin(async move {
        loop {
            let now = output.now() + output.lookahead();
            if now >= end {
                return Ok(Some(end));
            }
            tokio::time::sleep(end - now).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::path::{Path, PathBuf};

    /// What the speaker played: the length and volume of each clip.
    #[derive(Default)]
    struct Played(RefCell<Vec<(usize, f32)>>);

    impl Output for Played {
        fn play_at(
            &self,
            clip: &Clip,
            volume: f32,
            _: crate::sound::output::Group,
            at: tokio::time::Instant,
        ) -> tokio::time::Instant {
            self.0.borrow_mut().push((clip.samples.len(), volume));
            at
        }
        fn cancel(&self, _: Option<crate::sound::output::Group>) {}
    }

    /// A stand-in text-to-speech program: a script run directly (its `#!` line picks the
    /// interpreter; limber itself never starts a shell).
    fn program(dir: &Path, name: &str, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    /// A second of sound, for stand-ins to copy.
    fn speech_file(dir: &Path) -> PathBuf {
        let path = dir.join("speech.wav");
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 16_000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(&path, spec).unwrap();
        for i in 0..16_000 {
            w.write_sample(((i % 40) as i16 - 20) * 500).unwrap();
        }
        w.finalize().unwrap();
        path
    }

    fn engine(program: PathBuf, arguments: &[&str]) -> CommandEngine {
        CommandEngine {
            name: "stand-in".into(),
            program,
            arguments: arguments.iter().map(|a| a.to_string()).collect(),
            timeout: Duration::from_secs(1),
            ..CommandEngine::preset("espeak-ng", &[]).unwrap()
        }
    }

    fn synth(dir: &Path, engine: CommandEngine) -> Synth {
        Synth::new(
            engine,
            Some(&dir.join("cache")),
            cache::DEFAULT_MAX_BYTES,
            &mut |w| panic!("{w}"),
        )
        .unwrap()
    }

    #[test]
    fn espeak_ng_speaks_into_a_clip_whose_length_is_real() {
        let Some(_) = super::super::command::find_program(Path::new("espeak-ng")) else {
            let why = "espeak-ng is not installed; scripts/setup installs it";
            // In CI (LIMBER_REQUIRE_AUDIO=1) a missing real part is a failure, not a skip.
            assert!(
                std::env::var_os("LIMBER_REQUIRE_AUDIO").is_none_or(|v| v != "1"),
                "{why}"
            );
            eprintln!("SKIPPED: {why}");
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let s = synth(dir.path(), CommandEngine::preset("espeak-ng", &[]).unwrap());
        let clip = s.clip("Pull your left knee toward your chest.").unwrap();
        let ms = clip.duration_ms();
        assert!((1000..5000).contains(&ms), "{ms} ms");
        assert_eq!(s.length("Pull your left knee toward your chest."), Some(ms));
        // Text that looks like an option is spoken, not obeyed.
        assert!(s.clip("--help").unwrap().duration_ms() > 200);
    }

    #[test]
    fn a_line_is_made_once_then_comes_from_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let wav = speech_file(dir.path());
        let runs = dir.path().join("runs");
        let p = program(
            dir.path(),
            "tts",
            &format!(
                "echo run >> {}\ncat {} > \"$1\"",
                runs.display(),
                wav.display()
            ),
        );
        let s = synth(dir.path(), engine(p, &["{output}"]));
        assert!(!s.has("Hello."));
        assert_eq!(s.clip("Hello.").unwrap().duration_ms(), 1000);
        assert_eq!(s.clip("Hello.").unwrap().duration_ms(), 1000);
        assert_eq!(std::fs::read_to_string(&runs).unwrap().lines().count(), 1);
        assert!(s.has("Hello.") && !s.has("Goodbye."));
        // Another session, another Synth: still no second run.
        let again = synth(dir.path(), engine(dir.path().join("tts"), &["{output}"]));
        assert_eq!(again.length("Hello."), Some(1000));
        assert!(again.clip("Hello.").is_ok());
        assert_eq!(std::fs::read_to_string(&runs).unwrap().lines().count(), 1);
    }

    #[test]
    fn words_go_in_on_stdin_and_speech_may_come_back_on_stdout() {
        let dir = tempfile::tempdir().unwrap();
        let wav = speech_file(dir.path());
        let heard = dir.path().join("heard");
        // No {text}: the words arrive on standard input. No {output}: WAV on standard output.
        let p = program(
            dir.path(),
            "tts",
            &format!("cat > {}\ncat {}", heard.display(), wav.display()),
        );
        let s = synth(dir.path(), engine(p, &[]));
        assert_eq!(s.clip("-rf; $(reboot)").unwrap().duration_ms(), 1000);
        assert_eq!(std::fs::read_to_string(&heard).unwrap(), "-rf; $(reboot)\n");
    }

    #[test]
    fn a_failing_program_is_named_with_its_own_words() {
        let dir = tempfile::tempdir().unwrap();
        let p = program(dir.path(), "tts", "echo 'Unable to load model' >&2\nexit 3");
        let e = synth(dir.path(), engine(p.clone(), &["{output}"]))
            .clip("Hello.")
            .unwrap_err();
        assert_eq!(
            e,
            format!(
                "{} failed (exit status: 3): Unable to load model",
                p.display()
            )
        );
    }

    #[test]
    fn a_program_killed_by_a_stray_signal_gets_one_more_try() {
        let dir = tempfile::tempdir().unwrap();
        let wav = speech_file(dir.path());
        let tried = dir.path().join("tried");
        // The first run dies of SIGUSR1, as every process of a service does when `systemctl
        // kill` sends it to all of them; the second speaks.
        let p = program(
            dir.path(),
            "tts",
            &format!(
                "if [ ! -e {t} ]; then touch {t}; kill -USR1 $$; fi\ncat {w} > \"$1\"",
                t = tried.display(),
                w = wav.display()
            ),
        );
        let s = synth(dir.path(), engine(p, &["{output}"]));
        assert_eq!(s.clip("Hello.").unwrap().duration_ms(), 1000);
        // One that dies every time fails, saying how.
        let always = program(dir.path(), "always", "kill -USR1 $$");
        let e = synth(dir.path(), engine(always.clone(), &["{output}"]))
            .clip("Hello.")
            .unwrap_err();
        assert_eq!(
            e,
            format!("{} failed (signal: 10 (SIGUSR1))", always.display())
        );
    }

    #[test]
    fn empty_or_garbage_output_is_not_speech() {
        let dir = tempfile::tempdir().unwrap();
        let empty = program(dir.path(), "empty", "true");
        let e = synth(dir.path(), engine(empty.clone(), &["{output}"]))
            .clip("Hello.")
            .unwrap_err();
        assert_eq!(e, format!("{} wrote no speech", empty.display()));

        let garbage = program(dir.path(), "garbage", "echo 'this is not sound' > \"$1\"");
        let s = synth(dir.path(), engine(garbage.clone(), &["{output}"]));
        let e = s.clip("Hello.").unwrap_err();
        assert!(
            e.starts_with(&format!("{} wrote not a WAV file", garbage.display())),
            "{e}"
        );
        // Nothing half-made is kept.
        assert!(!s.has("Hello."));
        assert_eq!(s.cache().usage(), (0, 0));
    }

    #[test]
    fn a_program_that_hangs_is_killed_with_its_children() {
        let dir = tempfile::tempdir().unwrap();
        let pid = dir.path().join("pid");
        let p = program(
            dir.path(),
            "hang",
            &format!("sleep 60 &\necho $! > {}\nwait", pid.display()),
        );
        let started = std::time::Instant::now();
        let e = synth(dir.path(), engine(p.clone(), &["{output}"]))
            .clip("Hello.")
            .unwrap_err();
        assert_eq!(
            e,
            format!("{} took longer than 1 s over one line", p.display())
        );
        assert!(started.elapsed() < Duration::from_secs(3));
        // The program's own child went with it.
        let child = std::fs::read_to_string(&pid).unwrap();
        std::thread::sleep(Duration::from_millis(100));
        let state = std::fs::read_to_string(format!("/proc/{}/stat", child.trim()));
        assert!(
            state.is_err() || state.unwrap().contains(") Z "),
            "sleep {child} still runs"
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn only_the_next_lines_are_held_in_memory_and_the_rest_play_from_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let wav = speech_file(dir.path());
        let p = program(
            dir.path(),
            "tts",
            &format!("cat {} > \"$1\"", wav.display()),
        );
        let output = Rc::new(Played::default());
        let s = Arc::new(synth(dir.path(), engine(p, &["{output}"])));
        let mut speaker = Speaker::new(Arc::clone(&s), output.clone(), 1.0).unwrap();
        let lines: Vec<String> = (1..=8).map(|i| format!("Line {i}.")).collect();
        speaker.prepare(&lines);
        for _ in 0..500 {
            if s.has("Line 8.") && speaker.shared.lock().ready.len() == lines.len() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let held = |speaker: &Speaker| {
            let state = speaker.shared.lock();
            let mut held: Vec<String> = state
                .ready
                .iter()
                .filter(|(_, made)| matches!(made, Ok(Some(_))))
                .map(|(t, _)| t.clone())
                .collect();
            held.sort();
            held
        };
        // Every line is made ahead, and only the next two are in memory.
        assert_eq!(speaker.shared.lock().ready.len(), lines.len());
        assert_eq!(held(&speaker), ["Line 1.", "Line 2."]);
        // The others play from the cache, whole.
        for line in &lines {
            speaker.say(line).unwrap().await.unwrap();
        }
        assert_eq!(output.0.borrow().len(), lines.len());
        assert!(output.0.borrow().iter().all(|p| *p == (16_000, 1.0)));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn the_speaker_plays_lines_made_ahead_and_reports_a_failing_engine() {
        let dir = tempfile::tempdir().unwrap();
        let wav = speech_file(dir.path());
        let p = program(
            dir.path(),
            "tts",
            &format!(
                "read line\ncase \"$line\" in *broken*) echo 'no voice for that' >&2; exit 1;; esac\ncat {} > \"$1\"",
                wav.display()
            ),
        );
        let output = Rc::new(Played::default());
        let s = Arc::new(synth(dir.path(), engine(p, &["{output}"])));
        let mut speaker = Speaker::new(Arc::clone(&s), output.clone(), 0.5).unwrap();
        let lines: Vec<String> = ["One.", "Two.", "A broken line."]
            .map(String::from)
            .to_vec();
        speaker.prepare(&lines);
        // The worker makes the lines ahead of the player.
        for _ in 0..200 {
            if s.has("Two.") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(s.has("One.") && s.has("Two."));
        assert!(speaker.ready("One."));
        // Words on a hold's clock that are not made are left out, not said late.
        assert!(!speaker.ready("Not made yet."));
        speaker.say("One.").unwrap().await.unwrap();
        speaker.say("Two.").unwrap().await.unwrap();
        let played = output.0.borrow().clone();
        assert_eq!(played.len(), 2);
        assert_eq!(played[0], (16_000, 0.5));
        // Made ahead, the failure is known at once; otherwise when the line is made.
        let e = match speaker.say("A broken line.") {
            Err(e) => e,
            Ok(heard) => heard.await.unwrap_err(),
        };
        assert!(
            e.ends_with("failed (exit status: 1): no voice for that"),
            "{e}"
        );
        assert_eq!(output.0.borrow().len(), 2);
        // A line out of order (after a skip) is made on demand.
        speaker.say("Something new.").unwrap().await.unwrap();
        assert_eq!(output.0.borrow().len(), 3);
    }
}
