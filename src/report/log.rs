//! What limber tells on stderr besides errors, and how much of it.
//!
//! - `-q`: only faults (a voice that failed, a sound file that cannot be used, audio errors).
//! - the default: faults, and what the person did (paused, resuming, skipping, waiting to start).
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
/// which writes them above its status area).
type Sink = Box<dyn Fn(&str) + Send>;
static SINK: Mutex<Option<Sink>> = Mutex::new(None);

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
    let text = &*crate::report::words::shown_lines(text);
    if let Some(sink) = SINK.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
        sink(text);
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
