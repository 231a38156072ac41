//! `limber ctl`: controlling a running session from another terminal, a script or over SSH.
//!
//! A session listens on a Unix socket in the user's runtime folder,
//! `$XDG_RUNTIME_DIR/limber/control.sock`, or `/tmp/limber-UID/control.sock` where there is no
//! runtime folder. The folder is the user's alone (mode 0700; a folder someone else owns, or that
//! others can read, is refused) and so is the socket (0600).
//!
//! One session at a time: the socket is the lock. A second `limber run` finds a session answering
//! there and says so; a socket left by a session that crashed does not answer, and is removed and
//! taken over.
//!
//! The protocol is JSON lines, one request and one reply each:
//!
//! ```text
//! -> {"command": "pause"}          (any word of `limber ctl`, or "volume-up"/"volume-down")
//! <- {"ok": true}
//! -> {"command": "status"}
//! <- {"ok": true, "status": {"routine": ..., "step": 2, "steps": 5, ...}}
//! <- {"ok": false, "error": "..."}
//! ```

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
use tokio::sync::{mpsc, watch};

use crate::report::error::Error;
use crate::session::player::{Control, Status};

/// The longest request line read; anything longer is not a request.
const MAX_LINE: u64 = 4096;

/// How many connections are served at once; more are told to try again and closed, so a script
/// that leaves connections open cannot use up the session's file descriptors.
const MAX_CONNECTIONS: usize = 32;

/// How long a connection may stay quiet (or leave a reply unread) before it is closed.
const IDLE: Duration = Duration::from_secs(5);

/// How long `limber ctl` waits for the session's reply.
const ANSWER_WITHIN: Duration = Duration::from_secs(5);

pub const NO_ANSWER: &str =
    "did not answer within 5 s (is it stopped, by Ctrl-Z or SIGSTOP? `kill -CONT` resumes it)";

/// Whether a request failed because the other end did not answer in time.
pub fn timed_out(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    )
}

/// The folder the socket lives in, made private if it does not exist yet.
fn folder(create: bool) -> Result<PathBuf, Error> {
    let uid = rustix::process::getuid().as_raw();
    let dir = match std::env::var_os("XDG_RUNTIME_DIR").filter(|v| !v.is_empty()) {
        Some(runtime) => PathBuf::from(runtime).join("limber"),
        None => std::env::temp_dir().join(format!("limber-{uid}")),
    };
    private_folder(&dir, uid, create)?;
    Ok(dir)
}

/// Checks that `dir` is a folder of the user's alone, making it (0700) first if asked.
///
/// The folder may sit in a place everyone can write, /tmp, where another user can have made it
/// first, or left a symbolic link there to a folder of the victim's (so that the socket is made
/// inside their ~/.ssh, say). So it is made with `mkdir` (which never follows a link) and then
/// looked at with `lstat` (which does not either): it must be a real folder, owned by the user,
/// that nobody else can read or enter. In a sticky /tmp, nobody else can then rename or replace it.
fn private_folder(dir: &Path, uid: u32, create: bool) -> Result<(), Error> {
    if create {
        let made = std::fs::DirBuilder::new().mode(0o700).create(dir);
        let made = match made {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                // The runtime folder itself is missing: its parents are made as the user's too.
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(dir)
            }
            other => other,
        };
        match made {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => {
                return Err(Error::Control(format!(
                    "cannot make {} ({}): check that its parent folder may be written to, or set $XDG_RUNTIME_DIR",
                    dir.display(),
                    crate::report::error::plain(&e)
                )));
            }
        }
    }
    let meta = match std::fs::symlink_metadata(dir) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !create => return Ok(()),
        Err(e) => {
            return Err(Error::Control(format!(
                "cannot use {} ({}): it must be a folder of your own",
                dir.display(),
                crate::report::error::plain(&e)
            )));
        }
    };
    if meta.file_type().is_symlink() {
        let to = std::fs::read_link(dir)
            .map(|t| format!(" to {}", t.display()))
            .unwrap_or_default();
        return Err(Error::Control(format!(
            "{} is a symbolic link{to}, not a folder of yours (someone may have planted it); remove it, or set XDG_RUNTIME_DIR",
            dir.display()
        )));
    }
    if !meta.is_dir() || meta.uid() != uid || meta.mode() & 0o077 != 0 {
        return Err(Error::Control(format!(
            "{} is not private to you (owner {}, mode {:o}); remove it, or set XDG_RUNTIME_DIR",
            dir.display(),
            meta.uid(),
            meta.mode() & 0o777
        )));
    }
    Ok(())
}

/// Where the running session's socket is.
pub fn socket_path() -> Result<PathBuf, Error> {
    Ok(folder(false)?.join("control.sock"))
}

/// The socket of this session: removed when the session ends.
pub struct Claim {
    pub listener: UnixListener,
    path: PathBuf,
}

impl Drop for Claim {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Takes the control socket for a new session, or says that a session is already running.
///
/// Only a running session stops a new one. A socket that cannot be made (a runtime folder that is
/// not the user's, a full disk) is told once on stderr, and the session runs without `limber ctl`:
/// the person on the mat still gets the session.
pub fn claim() -> Result<Option<Claim>, Error> {
    match take() {
        Ok(claim) => Ok(Some(claim)),
        Err(Taken::Running(e)) => Err(e),
        Err(Taken::Cannot(why)) => {
            crate::report::log::fault(&format!(
                "{why}; `limber ctl` will not reach this session (signals and keys still work)"
            ));
            Ok(None)
        }
    }
}

enum Taken {
    Running(Error),
    Cannot(String),
}

fn take() -> Result<Claim, Taken> {
    let path = folder(true)
        .map_err(|e| Taken::Cannot(e.to_string()))?
        .join("control.sock");
    let cannot = |e: std::io::Error| {
        Taken::Cannot(format!(
            "cannot listen at {} ({})",
            path.display(),
            crate::report::error::plain(&e)
        ))
    };
    let listener = match UnixListener::bind(&path) {
        Ok(l) => l,
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            match request(&path, "status") {
                Ok(reply) => {
                    let what = reply.get("status").map(one_line).unwrap_or_default();
                    return Err(Taken::Running(Error::Control(format!(
                        "a session is already running ({what}); `limber ctl stop` ends it, `limber ctl status` shows it"
                    ))));
                }
                // Someone listens there but does not answer: a session that is stopped (Ctrl-Z,
                // SIGSTOP) is still a session, and its socket is not ours to take.
                Err(e) if timed_out(&e) => {
                    return Err(Taken::Running(Error::Control(format!(
                        "a session is already running at {} but {}",
                        path.display(),
                        NO_ANSWER
                    ))));
                }
                Err(_) => {}
            }
            // Nobody answers: a session that crashed left it behind.
            std::fs::remove_file(&path).map_err(cannot)?;
            UnixListener::bind(&path).map_err(cannot)?
        }
        Err(e) => return Err(cannot(e)),
    };
    let claim = Claim {
        listener,
        path: path.clone(),
    };
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).map_err(cannot)?;
    claim.listener.set_nonblocking(true).map_err(cannot)?;
    Ok(claim)
}

/// Answers requests on the session's socket; call inside the session's runtime.
pub fn serve(
    claim: Option<&Claim>,
    tx: mpsc::UnboundedSender<Control>,
    status: watch::Receiver<Status>,
) {
    let Some(Ok(listener)) = claim.map(|claim| {
        claim
            .listener
            .try_clone()
            .and_then(tokio::net::UnixListener::from_std)
    }) else {
        return;
    };
    tokio::spawn(async move {
        let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
        let mut told = false;
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors, say: the connection waits in the queue and is
                    // taken a moment later. The socket must outlive any error, or every later
                    // `limber ctl` fails while the session plays on.
                    if !told {
                        crate::report::log::fault(&format!(
                            "the control socket cannot take a connection ({}); trying again",
                            crate::report::error::plain(&e)
                        ));
                        told = true;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let Ok(slot) = std::sync::Arc::clone(&slots).try_acquire_owned() else {
                let busy = json!({"ok": false, "error": format!(
                    "the session has {MAX_CONNECTIONS} connections open already; try again in a few seconds"
                )});
                let _ = stream.try_write(format!("{busy}\n").as_bytes());
                continue;
            };
            let tx = tx.clone();
            let status = status.clone();
            tokio::spawn(async move {
                let _slot = slot;
                let (read, mut write) = stream.into_split();
                let mut lines =
                    tokio::io::BufReader::new(tokio::io::AsyncReadExt::take(read, MAX_LINE * 16))
                        .lines();
                while let Ok(Ok(Some(line))) = tokio::time::timeout(IDLE, lines.next_line()).await {
                    let mut reply = answer(&line, &tx, &status).to_string();
                    reply.push('\n');
                    let sent = tokio::time::timeout(IDLE, write.write_all(reply.as_bytes())).await;
                    if !matches!(sent, Ok(Ok(()))) {
                        break;
                    }
                }
            });
        }
    });
}

/// The reply to one request line.
fn answer(
    line: &str,
    tx: &mpsc::UnboundedSender<Control>,
    status: &watch::Receiver<Status>,
) -> Value {
    let command = serde_json::from_str::<Value>(line)
        .ok()
        .and_then(|v| v.get("command").and_then(Value::as_str).map(str::to_string));
    let Some(command) = command else {
        return json!({"ok": false, "error": "a request is one line of JSON: {\"command\": \"pause\"}"});
    };
    if command == "status" {
        return json!({"ok": true, "status": status_json(&status.borrow())});
    }
    if let Some(word) = command.strip_prefix("rate ") {
        return match crate::history::record::Rating::parse(word) {
            None => {
                json!({"ok": false, "error": format!("\"{word}\" is not a rating: say easy, fine, hard or pain")})
            }
            Some(r) if crate::session::record::answer(r, "ctl") => json!({"ok": true}),
            Some(_) => {
                json!({"ok": false, "error": "the session takes no answer now; `limber rate WORD` rates the last session"})
            }
        };
    }
    // Waiting for --at or --wait, there is nothing yet to pause or skip.
    let waiting = status.borrow().starts_at.is_some();
    if waiting && !matches!(command.as_str(), "stop" | "resume" | "toggle") {
        return json!({"ok": false, "error": format!(
            "the session has not started yet: `limber ctl resume` (or toggle) starts it now, `limber ctl stop` cancels it, and \"{command}\" waits until it runs"
        )});
    }
    match Control::parse(&command) {
        Some(c) => match tx.send(c) {
            Ok(()) => json!({"ok": true}),
            Err(_) => json!({"ok": false, "error": "the session is ending"}),
        },
        None => json!({"ok": false, "error": format!("unknown command \"{command}\"")}),
    }
}

/// A session's status as `limber ctl status --json` prints it.
pub fn status_json(s: &Status) -> Value {
    let (step_left, session_left) = s.left_now();
    let place = s.place.as_ref();
    json!({
        "routine": s.routine,
        "step": s.step,
        "steps": s.steps,
        "title": s.title,
        "exercise": place.map(|p| p.exercise.clone()),
        "side": place.and_then(|p| p.side),
        "rep": place.and_then(|p| p.rep),
        "reps": place.and_then(|p| p.reps),
        "set": place.and_then(|p| p.set),
        "sets": place.and_then(|p| p.sets),
        "place": place.map(|p| p.to_string()),
        "paused": s.paused,
        "over": s.over,
        "step_left_seconds": secs(step_left),
        "session_left_seconds": secs(session_left),
        "starts_at": s.starts_at.map(|t| t.to_string()),
    })
}

fn secs(d: Duration) -> f64 {
    (d.as_millis() as f64 / 100.0).round() / 10.0
}

/// "Tiny, step 2 of 3"
fn one_line(s: &Value) -> String {
    let routine = s["routine"].as_str().unwrap_or("a routine");
    match s["step"].as_u64() {
        Some(n) => format!("{routine}, step {n} of {}", s["steps"]),
        None => routine.to_string(),
    }
}

/// Sends one request to the session at `path` and returns its reply.
pub fn request(path: &Path, command: &str) -> std::io::Result<Value> {
    let mut stream = UnixStream::connect(path)?;
    stream.set_read_timeout(Some(ANSWER_WITHIN))?;
    stream.set_write_timeout(Some(ANSWER_WITHIN))?;
    let mut line = json!({ "command": command }).to_string();
    line.push('\n');
    stream.write_all(line.as_bytes())?;
    let mut reply = String::new();
    BufReader::new(std::io::Read::take(stream, MAX_LINE * 16)).read_line(&mut reply)?;
    serde_json::from_str(&reply).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("the session gave no reply ({e})"),
        )
    })
}
