//! Ctrl-Z and `fg`: the session pauses while it is suspended, and goes on when it is back.
//!
//! A terminal's Ctrl-Z sends SIGTSTP. limber catches it, pauses the session (and waits, briefly,
//! until the player has: the time suspended must count as a pause, not as time held), puts the
//! terminal back as the shell expects it, takes the live display away, and only then stops itself
//! with SIGSTOP. On SIGCONT (`fg`) it reads keys one at a time again at once, draws the display
//! again and resumes, with the words "Resuming: Bridge, rep 3 of 5." A session that was paused
//! before Ctrl-Z stays paused. After `bg` it stays paused too: the terminal is not its own then.
//! The output is told of the stop and of going on ([`crate::sound::stream::stopping`]), so that
//! its counter standing still meanwhile, and the gap the device reports after, are not taken
//! for a device gone or a sound broken up.

use std::time::Duration;

use rustix::process::Signal;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::watch;

use crate::session::live::Live;
use crate::session::player::{Control, Status};

/// Starts handling Ctrl-Z; call inside the session's runtime.
pub fn listen(
    controls: UnboundedSender<Control>,
    status: watch::Receiver<Status>,
    live: Option<Live>,
) {
    let (Ok(mut stop), Ok(mut cont)) = (
        signal(SignalKind::from_raw(Signal::TSTP.as_raw())),
        signal(SignalKind::from_raw(Signal::CONT.as_raw())),
    ) else {
        return;
    };
    tokio::spawn(async move {
        // Whether the pause is ours, to be undone by `fg`.
        let mut ours = false;
        loop {
            tokio::select! {
                Some(()) = stop.recv() => {
                    if !status.borrow().paused && !status.borrow().over {
                        if controls.send(Control::Pause).is_err() {
                            return;
                        }
                        ours = true;
                        let mut rx = status.clone();
                        let _ = tokio::time::timeout(
                            Duration::from_millis(500),
                            rx.wait_for(|s| s.paused || s.over),
                        )
                        .await;
                    }
                    if let Some(live) = &live {
                        live.suspend();
                    }
                    crate::session::keys::suspend();
                    crate::sound::stream::stopping();
                    let _ = rustix::process::kill_process(rustix::process::getpid(), Signal::STOP);
                }
                Some(()) = cont.recv() => {
                    crate::sound::stream::continued();
                    if !crate::session::keys::resume() {
                        // In the background: nothing to draw on, and no one to hear.
                        continue;
                    }
                    if let Some(live) = &live {
                        live.resume();
                    }
                    if std::mem::take(&mut ours) && controls.send(Control::Resume).is_err() {
                        return;
                    }
                }
                else => return,
            }
        }
    });
}
