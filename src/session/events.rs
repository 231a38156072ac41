//! Each event of a session on stderr, one line each, with `-v`.

use crate::report::log::{VERBOSE, level, line};
use crate::session::player::Event;

/// An event of the session, with `-v`.
pub fn event(event: &Event) {
    if level() < VERBOSE {
        return;
    }
    let mut text = event.name.replace('_', " ");
    if let Some(step) = event.step {
        text.push_str(&format!(": step {step}"));
        if let Some(title) = &event.title {
            text.push_str(&format!(" ({title})"));
        }
    }
    if let Some(place) = &event.place {
        for part in place.within() {
            text.push_str(&format!(", {part}"));
        }
    }
    line(VERBOSE, &text);
}
