//! `limber ctl`: one request to the running session over its control socket, and its answer.

use serde_json::Value;
use std::process::ExitCode;

use super::print;
use crate::error::Error;
use crate::plan::timeline::clock;
use crate::session::control::{request, socket_path};

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
        _ => Error::Control(format!(
            "cannot reach the session at {}: {e}",
            path.display()
        )),
    })?;
    if reply["ok"].as_bool() != Some(true) {
        let why = reply["error"].as_str().unwrap_or("it refused");
        return Err(Error::Control(format!("the session said: {why}")));
    }
    if command == "status" {
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
