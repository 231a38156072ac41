//! `limber ctl`: one request to the running session over its control socket, and its answer.

use serde_json::Value;
use std::process::ExitCode;

use super::print;
use crate::report::error::Error;
use crate::report::words::clock;
use crate::session::control::{NO_ANSWER, request, socket_path, timed_out};

/// Where the session is, in a few words: "Lower back basics, step 3 of 8: Bridge".
fn place(s: &Value) -> String {
    let routine = s["routine"].as_str().unwrap_or("the session");
    match (s["step"].as_u64(), s["title"].as_str()) {
        (Some(n), Some(title)) => format!("{routine}, step {n} of {}: {title}", s["steps"]),
        (Some(n), None) => format!("{routine}, step {n} of {}", s["steps"]),
        _ => routine.to_string(),
    }
}

/// One line that says what a command did, from the session's status once it has acted (it acts
/// within a few milliseconds; after half a second the line says what it found then).
fn confirm(path: &std::path::Path, command: &str) -> String {
    let status = || request(path, "status").ok().map(|r| r["status"].clone());
    let before = status();
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(500);
    let mut now = before.clone();
    while std::time::Instant::now() < deadline {
        let changed = |now: &Option<Value>, key: &str| {
            now.as_ref().map(|s| &s[key]) != before.as_ref().map(|s| &s[key])
        };
        let done = match command {
            "pause" | "resume" | "toggle" => changed(&now, "paused") || changed(&now, "starts_at"),
            "next" | "previous" => ["step", "rep", "side", "set"]
                .iter()
                .any(|k| changed(&now, k)),
            "stop" => now.is_none() || changed(&now, "over"),
            _ => true,
        };
        if done {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
        now = status();
    }
    let at = |s: &Option<Value>| s.as_ref().map_or("the session".to_string(), place);
    let paused = now.as_ref().is_some_and(|s| s["paused"] == true);
    let waiting = now.as_ref().is_some_and(|s| !s["starts_at"].is_null());
    let line = match command {
        "resume" | "toggle" if waiting => format!("Starting {} now.", at(&before)),
        "pause" => format!("Paused {}.", at(&now)),
        "toggle" if paused => format!("Paused {}.", at(&now)),
        "resume" | "toggle" => format!("Resumed {}.", at(&now)),
        "next" => format!("Skipped to {}.", at(&now)),
        "previous" => format!("Back to {}.", at(&now)),
        "repeat" => format!("Repeating the last cue of {}.", at(&now)),
        "stop" => format!("Stopped {}.", at(&before)),
        "volume-up" => "The voice is louder.".to_string(),
        "volume-down" => "The voice is quieter.".to_string(),
        other => format!("Sent {other} to {}.", at(&now)),
    };
    // A title that ends a sentence of its own ("Well done.", "Lie on your back…") ends it here.
    match line.strip_suffix('.') {
        Some(s) if s.ends_with(['.', '…', '!', '?']) => s.to_string(),
        _ => line,
    }
}

/// The status for people.
fn status_text(s: &Value) -> String {
    let mut out = format!("routine: {}\n", s["routine"].as_str().unwrap_or(""));
    if let Some(n) = s["step"].as_u64() {
        out.push_str(&format!(
            "step:    {n} of {}, {}\n",
            s["steps"],
            s["title"].as_str().unwrap_or("")
        ));
    }
    if let Some(place) = s["place"].as_str() {
        out.push_str(&format!("at:      {place}\n"));
    }
    let state = if let Some(at) = s["starts_at"].as_str() {
        let local = at
            .parse::<jiff::Timestamp>()
            .map(|t| t.to_zoned(jiff::tz::TimeZone::system()))
            .map(|z| crate::session::start::describe(&z))
            .unwrap_or_else(|_| at.to_string());
        &format!("waiting to start at {local}")
    } else if s["over"].as_bool() == Some(true) {
        "ending"
    } else if s["paused"].as_bool() == Some(true) {
        "paused"
    } else {
        "playing"
    };
    out.push_str(&format!("state:   {state}\n"));
    let ms = |k: &str| (s[k].as_f64().unwrap_or(0.0) * 1000.0) as u64;
    out.push_str(&format!(
        "left:    {} in the step, {} in the session\n",
        clock(ms("step_left_seconds")),
        clock(ms("session_left_seconds"))
    ));
    out
}

/// `limber ctl COMMAND`.
pub fn ctl(command: &str, json: bool) -> Result<ExitCode, Error> {
    let path = socket_path()?;
    let reply = request(&path, command).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused => {
            Error::Control("no limber session is running; start one with `limber run`".into())
        }
        _ if timed_out(&e) => {
            Error::Control(format!("the session at {} {NO_ANSWER}", path.display()))
        }
        _ => Error::Control(format!(
            "cannot reach the session at {}: {}",
            path.display(),
            crate::report::error::plain(&e)
        )),
    })?;
    if reply["ok"].as_bool() != Some(true) {
        let why = reply["error"].as_str().unwrap_or("it refused");
        return Err(Error::Control(format!("the session said: {why}")));
    }
    if command != "status" {
        print(&format!("{}\n", confirm(&path, command)))?;
        return Ok(ExitCode::SUCCESS);
    }
    {
        let status = &reply["status"];
        let text = if json {
            let mut t = serde_json::to_string_pretty(status).expect("JSON serializes");
            t.push('\n');
            t
        } else {
            status_text(status)
        };
        print(&text)?;
    }
    Ok(ExitCode::SUCCESS)
}
