//! Signals: how a service manager, a button daemon or a script controls a session with `kill`.
//!
//! - SIGINT (Ctrl-C) and SIGTERM stop the session.
//! - SIGUSR1 pauses or resumes it; SIGUSR2 skips to the next step.
//!
//! A button bounces and a script may fire twice: a SIGUSR1 or SIGUSR2 that comes within
//! [`DEBOUNCE`] of the last one of its kind that was acted on is ignored, so one press is one
//! toggle. The kernel already merges a signal that arrives while the same one is pending.

use std::time::Duration;

use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::mpsc::UnboundedSender;
use tokio::time::Instant;

use crate::session::player::Control;

/// Signals of one kind closer together than this count once.
pub const DEBOUNCE: Duration = Duration::from_millis(300);

/// Starts listening for the signals; call inside the session's runtime, before the first cue.
pub fn listen(controls: &UnboundedSender<Control>) {
    for (kind, control, debounce) in [
        (SignalKind::interrupt(), Control::Stop, false),
        (SignalKind::terminate(), Control::Stop, false),
        (SignalKind::user_defined1(), Control::Toggle, true),
        (SignalKind::user_defined2(), Control::Next, true),
    ] {
        let Ok(mut s) = signal(kind) else {
            continue;
        };
        let tx = controls.clone();
        tokio::spawn(async move {
            let mut last: Option<Instant> = None;
            while recv(&mut s).await {
                let now = Instant::now();
                if debounce && last.is_some_and(|t| now - t < DEBOUNCE) {
                    continue;
                }
                last = Some(now);
                if tx.send(control).is_err() {
                    return;
                }
            }
        });
    }
}

async fn recv(s: &mut Signal) -> bool {
    s.recv().await.is_some()
}
