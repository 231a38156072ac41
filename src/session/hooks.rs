//! Hooks: a program of the user's, run at each event of a session (`--on-event PROGRAM`, or
//! `controls.on_event` in the configuration), to dim the lights, log to Home Assistant, or
//! anything else.
//!
//! The program is run directly, never through a shell, as
//!
//! ```text
//! PROGRAM EVENT [step=N] [title=TITLE] [exercise=NAME] [side=SIDE] [rep=N] [reps=N] [set=N] [sets=N]
//! ```
//!
//! with the same details in the environment: `LIMBER_EVENT`, `LIMBER_ROUTINE`, `LIMBER_STEP`,
//! `LIMBER_TITLE`, `LIMBER_EXERCISE`, `LIMBER_SIDE`, `LIMBER_REP`, `LIMBER_REPS`, `LIMBER_SET`,
//! `LIMBER_SETS` (a detail that does not apply is absent). Events: see [`Event::NAMES`].
//!
//! A hook never delays a cue: it is started and left to run; a task reaps it. One still running
//! after [`TIME_LIMIT`] is killed. The first hook that cannot start, fails or is killed is reported
//! once on stderr, with the last line it wrote there; the session carries on either way. What a
//! hook writes on stderr is never passed straight to the terminal (it would tear the live display,
//! and could carry escape sequences): it is read, and shown escaped, when it failed, or with `-v`. When the session ends, limber waits for the
//! hooks still running (each up to its time limit), so a `finish` hook is not cut short.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::task::JoinSet;

use crate::session::player::Event;

/// How long a hook may run.
pub const TIME_LIMIT: Duration = Duration::from_secs(10);

/// Where a hook's problems are told.
pub type Report = Arc<dyn Fn(String) + Send + Sync>;

pub struct Hooks {
    program: PathBuf,
    limit: Duration,
    running: JoinSet<()>,
    reported: Arc<AtomicBool>,
    report: Report,
}

impl Hooks {
    pub fn new(program: PathBuf) -> Hooks {
        Hooks::with(
            program,
            TIME_LIMIT,
            Arc::new(|text| crate::report::log::fault(&text)),
        )
    }

    /// Hooks with a time limit and a place to report problems of their own.
    pub fn with(program: PathBuf, limit: Duration, report: Report) -> Hooks {
        Hooks {
            program,
            limit,
            running: JoinSet::new(),
            reported: Arc::new(AtomicBool::new(false)),
            report,
        }
    }

    /// Starts the hook for `event`, without waiting for it. Call inside a tokio runtime.
    pub fn fire(&mut self, event: &Event) {
        // Reap the ones that have ended, so a long session does not pile them up.
        while self.running.try_join_next().is_some() {}
        let details = details(event);
        let mut cmd = tokio::process::Command::new(&self.program);
        cmd.arg(event.name)
            .args(details.iter().map(|(k, v)| format!("{k}={v}")))
            .env("LIMBER_EVENT", event.name)
            .env("LIMBER_ROUTINE", &event.routine)
            .envs(
                details
                    .iter()
                    .map(|(k, v)| (format!("LIMBER_{}", k.to_uppercase()), v)),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let program = crate::report::words::shown(&self.program.display().to_string()).into_owned();
        let name = event.name;
        let tell = {
            let reported = Arc::clone(&self.reported);
            let report = Arc::clone(&self.report);
            move |what: String| {
                if !reported.swap(true, Ordering::Relaxed) {
                    report(format!(
                        "the event hook {program} {what}; the session carries on (only the first problem is told)"
                    ));
                }
            }
        };
        let mut child = match cmd.spawn() {
            Ok(child) => child,
            Err(e) => {
                tell(format!(
                    "cannot start for \"{name}\" ({}): check that it exists and may be run (chmod +x)",
                    crate::report::error::plain(&e)
                ));
                return;
            }
        };
        let limit = self.limit;
        let stderr = child.stderr.take();
        self.running.spawn(async move {
            let deadline = tokio::time::Instant::now() + limit;
            let (waited, said) = tokio::join!(
                tokio::time::timeout_at(deadline, child.wait()),
                tokio::time::timeout_at(deadline, tail(stderr)),
            );
            let said = said.unwrap_or_default();
            let last = said.lines().map(str::trim).rfind(|l| !l.is_empty());
            match waited {
                Ok(Ok(status)) if status.success() => {
                    if let Some(line) = last {
                        crate::report::log::line(
                            crate::report::log::VERBOSE,
                            &format!("the event hook said for \"{name}\": {line}"),
                        );
                    }
                }
                Ok(Ok(status)) => tell(match last {
                    Some(line) => format!(
                        "failed for \"{name}\" ({status}), saying: {}",
                        crate::report::words::shown(line)
                    ),
                    None => format!("failed for \"{name}\" ({status})"),
                }),
                Ok(Err(e)) => tell(format!(
                    "could not be waited for (\"{name}\"): {}",
                    crate::report::error::plain(&e)
                )),
                Err(_) => {
                    let _ = child.kill().await;
                    tell(format!(
                        "ran longer than {} s for \"{name}\" and was stopped",
                        limit.as_secs_f32()
                    ));
                }
            }
        });
    }

    /// Waits for the hooks still running (each up to its time limit).
    pub async fn finish(mut self) {
        while self.running.join_next().await.is_some() {}
    }
}

/// The last few kilobytes a hook wrote on stderr, read to its end.
async fn tail(stderr: Option<tokio::process::ChildStderr>) -> String {
    use tokio::io::AsyncReadExt;
    const KEPT: usize = 4096;
    let mut kept = Vec::new();
    if let Some(mut stderr) = stderr {
        let mut buf = [0u8; 1024];
        while let Ok(n @ 1..) = stderr.read(&mut buf).await {
            kept.extend_from_slice(&buf[..n]);
            if kept.len() > KEPT {
                kept.drain(..kept.len() - KEPT);
            }
        }
    }
    String::from_utf8_lossy(&kept).into_owned()
}

/// An event's details as (name, value), in the order they are passed.
fn details(event: &Event) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if let Some(step) = event.step {
        out.push(("step", step.to_string()));
    }
    if let Some(title) = &event.title {
        out.push(("title", title.clone()));
    }
    if let Some(place) = &event.place {
        out.push(("exercise", place.exercise.clone()));
        if let Some(side) = place.side {
            out.push(("side", side.to_string()));
        }
        for (key, value) in [
            ("rep", place.rep),
            ("reps", place.reps),
            ("set", place.set),
            ("sets", place.sets),
        ] {
            if let Some(v) = value {
                out.push((key, v.to_string()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::time::Instant;

    fn event(name: &'static str) -> Event {
        Event {
            name,
            routine: "Tiny".into(),
            step: Some(2),
            title: Some("Bridge".into()),
            place: None,
        }
    }

    fn script(dir: &std::path::Path, body: &str) -> PathBuf {
        let path = dir.join("hook");
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        path
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn a_hung_hook_is_stopped_and_reported_once_and_never_waited_for() {
        let dir = tempfile::tempdir().unwrap();
        let hook = script(dir.path(), "exec sleep 30");
        let told = Arc::new(Mutex::new(Vec::new()));
        let mut hooks = Hooks::with(hook, Duration::from_millis(300), {
            let told = Arc::clone(&told);
            Arc::new(move |t| told.lock().unwrap().push(t))
        });
        runtime().block_on(async {
            let start = Instant::now();
            hooks.fire(&event("pause"));
            hooks.fire(&event("resume"));
            assert!(
                start.elapsed() < Duration::from_millis(200),
                "firing waits for nothing"
            );
            hooks.finish().await;
            let took = start.elapsed();
            assert!(
                took >= Duration::from_millis(300) && took < Duration::from_secs(5),
                "{took:?}"
            );
        });
        let told = told.lock().unwrap();
        assert_eq!(told.len(), 1, "{told:?}");
        assert!(
            told[0].contains("ran longer than 0.3 s for \"pause\" and was stopped")
                || told[0].contains("ran longer than 0.3 s for \"resume\" and was stopped"),
            "{told:?}"
        );
    }

    #[test]
    fn a_failing_or_missing_hook_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let told = Arc::new(Mutex::new(Vec::new()));
        let report: Report = {
            let told = Arc::clone(&told);
            Arc::new(move |t| told.lock().unwrap().push(t))
        };
        let failing = script(
            dir.path(),
            "echo starting >&2\nprintf 'no lamp\\033[2J here\\n' >&2\nexit 3",
        );
        let mut hooks = Hooks::with(failing, TIME_LIMIT, Arc::clone(&report));
        runtime().block_on(async {
            hooks.fire(&event("finish"));
            hooks.finish().await;
        });
        let mut missing = Hooks::with(dir.path().join("nothing-here"), TIME_LIMIT, report);
        runtime().block_on(async { missing.fire(&event("stop")) });
        let told = told.lock().unwrap();
        assert_eq!(told.len(), 2, "{told:?}");
        assert!(
            told[0].contains("failed for \"finish\" (exit status: 3)"),
            "{told:?}"
        );
        // The last line it wrote on stderr is told with it, escaped.
        assert!(
            told[0].contains("(exit status: 3), saying: no lamp\\u001b[2J here; "),
            "{told:?}"
        );
        assert!(told[1].contains("cannot start for \"stop\""), "{told:?}");
    }
}
