//! What limber tells on stderr besides errors, and how much of it.
//!
//! - `-q`: only faults (a voice that failed, a sound file that cannot be used, audio errors).
//! - the default: faults, hints (waiting to start, the keys), and, in a session without captions,
//!   what the person did (paused, resuming, skipping). With captions, what the person did is one
//!   of the captions, on stdout with its time, not a line of this log.
//! - `-v`: also every event as it happens (each step, hold, pause), one line each.
//!
//! When stderr is not a terminal (a service, a pipe, a file) each line starts with the local
//! time, `07:30:05 limber: paused`, so a log says when; on a terminal the time would only be noise,
//! and in systemd's journal (`$JOURNAL_STREAM` set) every line has a time already.
//! An error that ends limber is printed as it is, once, by `cli`.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, Ordering};

/// Where lines go instead of straight to stderr while a screen is drawn on (the live display,
/// which writes them above its status area). It returns whether it wrote the line: a screen
/// that is gone leaves it to be written as usual.
type Sink = Box<dyn Fn(&str) -> bool + Send>;
static SINK: Mutex<Option<Sink>> = Mutex::new(None);

/// limber's own lines held back while the audio library's are caught ([`hushed`]).
static HELD: Mutex<Option<Vec<String>>> = Mutex::new(None);

/// Sends every line to `sink` until [`unset_sink`].
pub fn set_sink(sink: Sink) {
    *SINK.lock().unwrap_or_else(|p| p.into_inner()) = Some(sink);
}

pub fn unset_sink() {
    SINK.lock().unwrap_or_else(|p| p.into_inner()).take();
}

pub const QUIET: u8 = 0;
pub const NORMAL: u8 = 1;
pub const VERBOSE: u8 = 2;

static LEVEL: AtomicU8 = AtomicU8::new(NORMAL);

pub fn set_level(level: u8) {
    LEVEL.store(level, Ordering::Relaxed);
}

pub fn level() -> u8 {
    LEVEL.load(Ordering::Relaxed)
}

/// Writes one line on stderr if `level` is wanted.
pub fn line(level: u8, text: &str) {
    if level > self::level() {
        return;
    }
    // A warning may name a file or quote a configuration: never raw control characters.
    let text = crate::report::words::shown_lines(text);
    if let Some(held) = HELD.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
        held.push(text.into_owned());
        return;
    }
    write(&text);
}

/// Writes a line that is wanted, already escaped.
fn write(text: &str) {
    if let Some(sink) = SINK.lock().unwrap_or_else(|p| p.into_inner()).as_ref()
        && sink(text)
    {
        return;
    }
    if std::io::stderr().is_terminal() || std::env::var_os("JOURNAL_STREAM").is_some() {
        eprintln!("limber: {text}");
    } else {
        let now = jiff::Zoned::now();
        eprintln!("{} limber: {text}", now.strftime("%H:%M:%S"));
    }
}

/// A fault: always told.
pub fn fault(text: &str) {
    line(QUIET, text);
}

/// What the person did, or what limber does about it.
pub fn info(text: &str) {
    line(NORMAL, text);
}

/// Runs `f`, which calls into a library that writes on stderr itself (the audio library:
/// ALSA's "ALSA lib pcm.c:2722:(snd_pcm_open_noupdate) Unknown PCM ..." when it looks for
/// outputs), without letting those words reach the person: what it wrote is caught and told
/// only with `-v`, each line after `who` ("the audio library said: ..."). limber's own lines
/// written meanwhile, from any thread, are held back and written once it is done, so none is
/// lost. One at a time: the catch is of the whole process's stderr.
pub fn hushed<T>(who: &str, f: impl FnOnce() -> T) -> T {
    use std::io::Read;
    static ONE: Mutex<()> = Mutex::new(());
    let _one = ONE.lock().unwrap_or_else(|p| p.into_inner());
    *HELD.lock().unwrap_or_else(|p| p.into_inner()) = Some(Vec::new());
    let caught = gag::BufferRedirect::stderr().ok();
    let out = f();
    let mut said = Vec::new();
    if let Some(caught) = caught {
        // Bounded: a library that wrote without end is told in its first lines.
        let _ = caught.into_inner().take(64 * 1024).read_to_end(&mut said);
    }
    let held = HELD
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take()
        .unwrap_or_default();
    for l in String::from_utf8_lossy(&said).lines().map(str::trim) {
        if !l.is_empty() {
            line(VERBOSE, &format!("{who} said: {l}"));
        }
    }
    for text in held {
        write(&text);
    }
    out
}
