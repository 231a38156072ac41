//! Single keys while a session runs in a terminal: space pauses and resumes, `n` and `p` skip,
//! `r` repeats, `+` and `-` change the voice's volume, `q` quits, `?` lists the keys.
//!
//! The terminal is put in *cbreak* mode, not full raw mode: keys arrive one at a time without
//! echo, but output is still translated (captions keep their line breaks) and Ctrl-C still sends
//! SIGINT. The mode is restored on every way out: when the [`Keys`] guard drops (a session that
//! ends, is stopped, or fails) and in a panic hook. Keys are read only when stdin is a terminal
//! and limber is its foreground job (one started with `&` would be stopped by the terminal
//! otherwise); in any other case nothing is read and nothing changes.

use std::io::{IsTerminal, Read};
use std::sync::Mutex;

use rustix::termios::{LocalModes, OptionalActions, SpecialCodeIndex, Termios};
use tokio::sync::mpsc::UnboundedSender;

use crate::session::player::Control;

/// What `?` shows.
pub const HELP: &str = "keys: space pause/resume, n next step, p previous step, r repeat, + louder, - quieter, q quit, ? this list";

/// The terminal's mode before the session changed it, for whoever restores it first.
static SAVED: Mutex<Option<Termios>> = Mutex::new(None);

/// The mode the session reads keys in, to set again after Ctrl-Z and `fg`.
static CBREAK: Mutex<Option<Termios>> = Mutex::new(None);

/// Ctrl-Z: the terminal goes back to how the shell left it, until [`resume`].
pub fn suspend() {
    let saved = SAVED.lock().unwrap_or_else(|p| p.into_inner()).clone();
    if let Some(t) = saved {
        let _ = rustix::termios::tcsetattr(std::io::stdin(), OptionalActions::Now, &t);
    }
}

/// Back in the foreground after `fg`: keys are read one at a time again, at once. Returns
/// whether this process has the terminal (after `bg` it does not, and nothing is changed).
pub fn resume() -> bool {
    let stdin = std::io::stdin();
    let foreground =
        rustix::termios::tcgetpgrp(&stdin).is_ok_and(|group| group == rustix::process::getpgrp());
    if !foreground {
        return false;
    }
    let reading = SAVED.lock().unwrap_or_else(|p| p.into_inner()).is_some();
    let cbreak = CBREAK.lock().unwrap_or_else(|p| p.into_inner()).clone();
    if let (true, Some(t)) = (reading, cbreak) {
        let _ = rustix::termios::tcsetattr(&stdin, OptionalActions::Now, &t);
    }
    true
}

/// Puts the terminal back as it was, once.
fn restore() {
    let saved = SAVED.lock().unwrap_or_else(|p| p.into_inner()).take();
    if let Some(t) = saved {
        let _ = rustix::termios::tcsetattr(std::io::stdin(), OptionalActions::Now, &t);
    }
}

/// Reads keys while it lives; the terminal is restored when it drops.
pub struct Keys(());

impl Drop for Keys {
    fn drop(&mut self) {
        restore();
    }
}

/// The control a key asks for, if any.
pub fn control(key: u8) -> Option<Control> {
    Some(match key {
        b' ' => Control::Toggle,
        b'n' | b'N' => Control::Next,
        b'p' | b'P' => Control::Previous,
        b'r' | b'R' => Control::Repeat,
        b'+' | b'=' => Control::VolumeUp,
        b'-' | b'_' => Control::VolumeDown,
        b'q' | b'Q' => Control::Stop,
        b'?' | b'h' | b'H' => Control::Help,
        _ => return None,
    })
}

/// Starts reading keys into `tx`, if stdin is this process's terminal.
pub fn start(tx: UnboundedSender<Control>) -> Option<Keys> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return None;
    }
    let foreground = rustix::termios::tcgetpgrp(&stdin).ok()? == rustix::process::getpgrp();
    if !foreground {
        return None;
    }
    let saved = rustix::termios::tcgetattr(&stdin).ok()?;
    let mut cbreak = saved.clone();
    cbreak
        .local_modes
        .remove(LocalModes::ICANON | LocalModes::ECHO);
    cbreak.special_codes[SpecialCodeIndex::VMIN] = 1;
    cbreak.special_codes[SpecialCodeIndex::VTIME] = 0;
    *SAVED.lock().unwrap_or_else(|p| p.into_inner()) = Some(saved);
    *CBREAK.lock().unwrap_or_else(|p| p.into_inner()) = Some(cbreak.clone());
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
    if rustix::termios::tcsetattr(&stdin, OptionalActions::Now, &cbreak).is_err() {
        restore();
        return None;
    }
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        let mut byte = [0u8; 1];
        while let Ok(1) = stdin.read(&mut byte) {
            // 1 to 4 answer how the session went.
            if let Some(r) = crate::session::record::key_rating(byte[0]) {
                crate::session::record::answer(r, "key");
                continue;
            }
            if let Some(c) = control(byte[0])
                && tx.send(c).is_err()
            {
                return;
            }
        }
    });
    Some(Keys(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_in_the_help_does_what_it_says() {
        assert_eq!(control(b' '), Some(Control::Toggle));
        assert_eq!(control(b'n'), Some(Control::Next));
        assert_eq!(control(b'p'), Some(Control::Previous));
        assert_eq!(control(b'r'), Some(Control::Repeat));
        assert_eq!(control(b'+'), Some(Control::VolumeUp));
        assert_eq!(control(b'-'), Some(Control::VolumeDown));
        assert_eq!(control(b'q'), Some(Control::Stop));
        assert_eq!(control(b'?'), Some(Control::Help));
        assert_eq!(control(b'x'), None);
        // An arrow key's escape sequence does nothing.
        assert!(b"\x1b[A".iter().all(|&k| control(k).is_none()));
    }
}
