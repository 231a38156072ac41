//! The live display: captions scrolling above a status area at the bottom of the terminal.
//!
//! ```text
//! 00:42  Bridge | Rep 2 of 5. Lift your hips and hold.
//! ─────────────────────────────────────────────────────────
//! Bridge · rep 2 of 5 · set 1 of 2
//! hold  ██████████████░░░░░░░░░░░░   6 s
//! step 3 of 8 · 14:32 left of Lower back basics · ? keys
//! ```
//!
//! The status area is drawn from the player's published [`Status`] (step, place, pause, time
//! left) and from the cues themselves (a hold's or rest's length, the breathing), by a small
//! thread that redraws four times a second only what changed, and at once on a resize. Captions
//! are written above it, wrapped at word boundaries to the terminal's width with their text
//! aligned after the time; so is what the person did ("Skipping to step 4, Cat", "Resuming:
//! Bridge, rep 2 of 5."), with its time, as the session's own line. Messages from limber (a fault,
//! a hint) go to stderr in a style of their own, dim, so they do not read as part of the routine;
//! that the session is paused, and how to go on, is in the status area alone.
//!
//! It is used only on a terminal that can move its cursor: with `TERM=dumb`, or when standard
//! output is not a terminal, captions are plain lines ([`crate::session::captions::Terminal`]). Colour is
//! left out when `NO_COLOR` is set.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossterm::style::{Attribute, Color, Print, SetAttribute, SetForegroundColor};
use crossterm::{cursor, queue, terminal};
use tokio::sync::watch;

use crate::plan::settings::Sound;
use crate::plan::timeline::{Cue, CueKind, Quiet, Timeline, What};
use crate::report::words::clock;
use crate::session::captions::{Captions, action_caption, caption, how_to_resume};
use crate::session::player::Status;

/// Whether this terminal gets the live display: standard output is a terminal that is not dumb.
pub fn wanted(stdout_tty: bool) -> bool {
    stdout_tty && std::env::var("TERM").map_or(true, |t| t != "dumb" && !t.is_empty())
}

/// The terminal's width; 80 when it does not say (a pseudo-terminal that was given no size).
fn columns() -> usize {
    terminal::size()
        .ok()
        .map(|(w, _)| w as usize)
        .filter(|w| *w > 0)
        .unwrap_or(80)
}

/// Whether to use colour: not when `NO_COLOR` is set to anything (<https://no-color.org>).
pub fn colour() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// A timed stretch being shown: a hold, rest or breath, from `start` for `length`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Timer {
    kind: Meter,
    start: Instant,
    length: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Meter {
    Hold,
    Rest,
    GetReady,
    Switch,
    In,
    Out,
}

impl Meter {
    fn label(self) -> &'static str {
        match self {
            Meter::Hold => "hold",
            Meter::Rest => "rest",
            Meter::GetReady => "get ready",
            Meter::Switch => "switch",
            Meter::In => "breathe in",
            Meter::Out => "breathe out",
        }
    }
}

/// What the status area shows, apart from the terminal: everything [`lines`] needs.
#[derive(Debug, Clone, Default)]
pub struct View {
    pub status: Status,
    /// Seconds gone in the timer, and its kind and length.
    timer: Option<(Meter, f64, f64)>,
    /// Keys are read here: say which.
    pub keys: bool,
}

/// The status area as lines of at most `width` columns, with colour when `colour`.
pub fn lines(view: &View, width: usize, colour: bool) -> Vec<String> {
    let paint = |text: &str, style: &[Style]| -> String {
        if !colour || text.is_empty() {
            return text.to_string();
        }
        let mut out = String::new();
        for s in style {
            out.push_str(&s.code());
        }
        out.push_str(text);
        out.push_str("\x1b[0m");
        out
    };
    let s = &view.status;
    let width = width.max(20);
    let mut out = Vec::new();

    out.push(paint(&"─".repeat(width), &[Style::Dim]));

    // Where: the exercise and its place, or the routine between them.
    let place = s
        .place
        .as_ref()
        .map(|p| p.to_string())
        .or_else(|| s.title.clone())
        .unwrap_or_else(|| s.routine.clone());
    out.push(paint(&fit(&place, width), &[Style::Bold, Style::Cyan]));

    // What now: paused, a timer, or nothing.
    if s.paused {
        let mut how = format!("Paused: {}", how_to_resume(view.keys));
        if how.chars().count() > width && !view.keys {
            // The command alone, where the signal does not fit too.
            how = "Paused: `limber ctl resume` goes on".to_string();
        }
        out.push(paint(&fit(&how, width), &[Style::Bold, Style::Yellow]));
    } else if let Some((meter, gone, length)) = view.timer {
        out.push(meter_line(meter, gone, length, width, &paint));
    } else {
        out.push(String::new());
    }

    // How far: the step, the time left, and the keys.
    let (_, session_left) = s.left_now();
    let mut parts = Vec::new();
    if let Some(step) = s.step {
        parts.push(format!("step {step} of {}", s.steps));
    }
    parts.push(format!(
        "{} left of {}",
        clock(session_left.as_millis() as u64),
        s.routine
    ));
    if view.keys {
        parts.push("? keys".into());
    }
    let mut line = parts.join(" · ");
    if line.chars().count() > width {
        // The routine's name goes first when there is no room.
        parts.retain(|p| !p.contains(" left of "));
        parts.insert(
            parts.len().min(1),
            format!("{} left", clock(session_left.as_millis() as u64)),
        );
        line = parts.join(" · ");
    }
    out.push(paint(&fit(&line, width), &[Style::Dim]));
    out
}

/// The line of a timer: a bar that fills through a hold or rest, with the seconds left; for a
/// breath, a bar that grows as the breath comes in and shrinks as it goes out.
fn meter_line(
    meter: Meter,
    gone: f64,
    length: f64,
    width: usize,
    paint: &dyn Fn(&str, &[Style]) -> String,
) -> String {
    let label = format!("{:<11}", meter.label());
    let left = (length - gone).max(0.0).ceil() as u64;
    let tail = match meter {
        Meter::In | Meter::Out => String::new(),
        _ => format!(" {left:>3} s"),
    };
    let room = width.saturating_sub(label.chars().count() + tail.chars().count() + 1);
    let bar = room.clamp(4, 40);
    let part = if length > 0.0 {
        (gone / length).clamp(0.0, 1.0)
    } else {
        1.0
    };
    let (fill, colour) = match meter {
        Meter::In => (part, Style::Magenta),
        Meter::Out => (1.0 - part, Style::Magenta),
        Meter::Hold => (part, Style::Green),
        _ => (part, Style::Blue),
    };
    let full = (fill * bar as f64).round() as usize;
    let bar_text = match meter {
        Meter::In | Meter::Out => format!("{}{}", "●".repeat(full), " ".repeat(bar - full)),
        _ => format!("{}{}", "█".repeat(full), "░".repeat(bar - full)),
    };
    fit(
        &format!("{label}{}{tail}", paint(&bar_text, &[colour])),
        usize::MAX,
    )
}

/// Cuts `text` to `width` columns, with an ellipsis when it is cut.
fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Wraps `text` at word boundaries to `width` columns; lines after the first start with
/// `indent` spaces. A word longer than a line is cut.
pub fn wrap(text: &str, width: usize, indent: usize) -> Vec<String> {
    let width = width.max(indent + 10);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut len = 0;
    for word in text.split(' ') {
        let w = word.chars().count();
        let start = if lines.is_empty() { 0 } else { indent };
        if len > start && len + 1 + w > width {
            lines.push(std::mem::take(&mut line));
            line = " ".repeat(indent);
            len = indent;
        } else if len > start {
            line.push(' ');
            len += 1;
        }
        let mut word = word.to_string();
        while len + word.chars().count() > width {
            let cut: String = word.chars().take(width - len).collect();
            word = word.chars().skip(width - len).collect();
            line.push_str(&cut);
            lines.push(std::mem::take(&mut line));
            line = " ".repeat(indent);
            len = indent;
        }
        len += word.chars().count();
        line.push_str(&word);
    }
    lines.push(line);
    lines
}

#[derive(Debug, Clone, Copy)]
pub enum Style {
    Bold,
    Dim,
    Cyan,
    Green,
    Blue,
    Yellow,
    Magenta,
}

impl Style {
    fn code(self) -> String {
        let mut out = Vec::new();
        let _ = match self {
            Style::Bold => queue!(out, SetAttribute(Attribute::Bold)),
            Style::Dim => queue!(out, SetAttribute(Attribute::Dim)),
            Style::Cyan => queue!(out, SetForegroundColor(Color::Cyan)),
            Style::Green => queue!(out, SetForegroundColor(Color::Green)),
            Style::Blue => queue!(out, SetForegroundColor(Color::Blue)),
            Style::Yellow => queue!(out, SetForegroundColor(Color::Yellow)),
            Style::Magenta => queue!(out, SetForegroundColor(Color::Magenta)),
        };
        String::from_utf8_lossy(&out).into_owned()
    }
}

/// The terminal, shared by the captions and the drawing thread.
struct Screen {
    colour: bool,
    keys: bool,
    status: Status,
    timer: Option<Timer>,
    /// The breathing's phases: when each breath cue starts (ms into the timeline), how long
    /// until the next.
    breaths: Vec<(u64, u64)>,
    /// Lines of the status area now on screen; the cursor is at the start of the first.
    drawn: Vec<String>,
    width: usize,
    /// Not drawing: suspended (Ctrl-Z) or finished.
    hidden: bool,
    finished: bool,
    /// The player's status, as it publishes it.
    rx: Option<watch::Receiver<Status>>,
    /// Since when the session is paused: the timer stands still meanwhile.
    paused_since: Option<Instant>,
}

impl Screen {
    /// Takes the player's latest status; a pause holds the timer where it is.
    fn refresh(&mut self) {
        if let Some(rx) = &self.rx {
            self.status = rx.borrow().clone();
        }
        match (self.paused_since, self.status.paused) {
            (None, true) => self.paused_since = Some(Instant::now()),
            (Some(since), false) => {
                if let Some(t) = &mut self.timer {
                    t.start += since.elapsed();
                }
                self.paused_since = None;
            }
            _ => {}
        }
    }

    fn view(&self) -> View {
        let now = self.paused_since.unwrap_or_else(Instant::now);
        View {
            status: self.status.clone(),
            timer: self
                .timer
                .map(|t| (t.kind, now.duration_since(t.start), t.length))
                .filter(|(_, gone, length)| gone < length)
                .map(|(kind, gone, length)| (kind, gone.as_secs_f64(), length.as_secs_f64())),
            keys: self.keys,
        }
    }

    /// Erases the status area; the cursor is left where it began.
    fn erase(&mut self, out: &mut impl Write) {
        if !self.drawn.is_empty() {
            let _ = queue!(
                out,
                cursor::MoveToColumn(0),
                terminal::Clear(terminal::ClearType::FromCursorDown)
            );
            self.drawn.clear();
        }
    }

    /// Draws the status area if it changed (or `force`), and leaves the cursor at its start.
    fn draw(&mut self, out: &mut impl Write, force: bool) {
        if self.hidden {
            return;
        }
        self.refresh();
        let width = columns();
        // One column spare: a line that fills the last column makes some terminals wrap.
        let lines = lines(&self.view(), width.saturating_sub(1), self.colour);
        if !force && width == self.width && lines == self.drawn {
            return;
        }
        self.width = width;
        let _ = queue!(
            out,
            cursor::MoveToColumn(0),
            terminal::Clear(terminal::ClearType::FromCursorDown)
        );
        for (i, l) in lines.iter().enumerate() {
            if i > 0 {
                let _ = queue!(out, Print("\r\n"));
            }
            let _ = queue!(out, Print(l));
        }
        if lines.len() > 1 {
            let _ = queue!(out, cursor::MoveUp(lines.len() as u16 - 1));
        }
        let _ = queue!(out, cursor::MoveToColumn(0));
        let _ = out.flush();
        self.drawn = lines;
    }

    /// Writes a caption above the status area, after its time, wrapped to the terminal's width.
    fn caption(&mut self, text: &str, elapsed: u64) {
        let width = columns();
        let time = clock(elapsed);
        let mut lines = wrap(&format!("{time}  {text}"), width.saturating_sub(1), 7);
        if self.colour {
            lines[0] = format!(
                "{}{time}\x1b[0m{}",
                Style::Dim.code(),
                &lines[0][time.len()..]
            );
        }
        self.above(&lines);
    }

    /// Writes lines above the status area, then draws it again.
    fn above(&mut self, text: &[String]) {
        let mut out = std::io::stdout().lock();
        self.erase(&mut out);
        for l in text {
            let _ = queue!(out, Print(l), Print("\r\n"));
        }
        self.draw(&mut out, true);
        let _ = out.flush();
    }
}

/// Captions on the live display. Cloning shares the same screen.
#[derive(Clone)]
pub struct Live {
    screen: Arc<Mutex<Screen>>,
}

impl Live {
    pub fn new(colour: bool, keys: bool) -> Live {
        let _ = std::io::stdout().write_all(b"\x1b[?25l"); // The cursor would only blink there.
        Live {
            screen: Arc::new(Mutex::new(Screen {
                colour,
                keys,
                status: Status::default(),
                timer: None,
                breaths: Vec::new(),
                drawn: Vec::new(),
                width: 0,
                hidden: false,
                finished: false,
                rx: None,
                paused_since: None,
            })),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Screen> {
        self.screen.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Learns the session's breathing, for the breath meter.
    pub fn timeline(&self, timeline: &Timeline) {
        let breaths: Vec<u64> = timeline
            .cues
            .iter()
            .filter(|c| c.kind == CueKind::Breath)
            .map(|c| c.at)
            .collect();
        let mut phases = Vec::new();
        for (i, at) in breaths.iter().enumerate() {
            let cue = timeline.cues.iter().find(|c| c.at == *at);
            let step_end = cue
                .and_then(|c| c.step)
                .and_then(|n| timeline.steps.iter().find(|s| s.step == n))
                .map_or(timeline.total, |s| s.end);
            let next = breaths
                .get(i + 1)
                .copied()
                .unwrap_or(step_end)
                .min(step_end);
            phases.push((*at, next.saturating_sub(*at)));
        }
        self.lock().breaths = phases;
    }

    /// Whether keys are read (the status area says which to press).
    pub fn set_keys(&self, keys: bool) {
        self.lock().keys = keys;
    }

    /// Follows the player's status until the session ends, redrawing on every change, four
    /// times a second while a timer runs, and on a resize.
    pub fn follow(&self, status: watch::Receiver<Status>) {
        self.lock().rx = Some(status);
        // What limber tells on stderr from anywhere (the audio output, the control socket) is
        // written above the status area too, not over it.
        let weak = Arc::downgrade(&self.screen);
        crate::report::log::set_sink(Box::new(move |text| match weak.upgrade() {
            Some(screen) => {
                message(&screen, text);
                true
            }
            None => false,
        }));
        let screen = Arc::clone(&self.screen);
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(250));
                let mut s = screen.lock().unwrap_or_else(|p| p.into_inner());
                if s.finished || Arc::strong_count(&screen) == 1 {
                    return;
                }
                let mut out = std::io::stdout().lock();
                s.draw(&mut out, false);
            }
        });
    }

    /// Ctrl-Z: the status area is taken away and the cursor shown, for the shell.
    pub fn suspend(&self) {
        let mut s = self.lock();
        let mut out = std::io::stdout().lock();
        s.erase(&mut out);
        s.hidden = true;
        let _ = queue!(out, cursor::Show);
        let _ = out.flush();
    }

    /// Back from Ctrl-Z.
    pub fn resume(&self) {
        let mut s = self.lock();
        s.hidden = false;
        let mut out = std::io::stdout().lock();
        let _ = queue!(out, cursor::Hide);
        s.draw(&mut out, true);
    }
}

/// Writes a message from limber above the status area, on stderr, dim.
fn message(screen: &Mutex<Screen>, text: &str) {
    {
        let mut s = screen.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = std::io::stdout().lock();
        s.erase(&mut out);
        let _ = out.flush();
        let width = columns();
        let mut err = std::io::stderr().lock();
        for line in wrap(&format!("limber: {text}"), width.saturating_sub(1), 8) {
            if s.colour {
                let _ = write!(err, "{}{line}\x1b[0m\r\n", Style::Dim.code());
            } else {
                let _ = write!(err, "{line}\r\n");
            }
        }
        let _ = err.flush();
        s.draw(&mut out, true);
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        let mut out = std::io::stdout().lock();
        self.erase(&mut out);
        let _ = queue!(out, cursor::Show);
        let _ = out.flush();
    }
}

impl Captions for Live {
    fn cue(&mut self, cue: &Cue, elapsed: u64) {
        let mut s = self.lock();
        let meter = match &cue.what {
            What::Quiet(Quiet::Hold) => Some(Meter::Hold),
            What::Quiet(Quiet::Rest) => Some(Meter::Rest),
            What::Quiet(Quiet::GetReady) => Some(Meter::GetReady),
            What::Quiet(Quiet::Switch) => Some(Meter::Switch),
            What::Sound(Sound::BreatheIn) => Some(Meter::In),
            What::Sound(Sound::BreatheOut) => Some(Meter::Out),
            _ => None,
        };
        if let Some(kind) = meter {
            let length = match kind {
                Meter::In | Meter::Out => s
                    .breaths
                    .iter()
                    .find(|(at, _)| *at == cue.at)
                    .map_or(cue.duration, |(_, len)| *len),
                _ => cue.duration,
            };
            s.timer = Some(Timer {
                kind,
                start: Instant::now(),
                length: Duration::from_millis(length),
            });
        }
        // Silences are in the status area; the rest are captions.
        if matches!(cue.what, What::Quiet(_)) {
            let mut out = std::io::stdout().lock();
            s.draw(&mut out, true);
            return;
        }
        let Some(text) = caption(cue) else {
            return;
        };
        s.caption(&text, elapsed);
    }

    fn action(&mut self, text: &str, elapsed: u64) {
        self.lock().caption(&action_caption(text), elapsed);
    }

    fn keys(&mut self, reading: bool) {
        self.set_keys(reading);
    }

    // Messages go the way of every line limber tells (escaped, and as `-q` and `-v` say), and
    // from there above the status area (`follow` set the way).
    fn notice(&mut self, text: &str) {
        crate::report::log::fault(text);
    }

    fn info(&mut self, text: &str) {
        crate::report::log::info(text);
    }

    fn paused(&mut self, _: u64) {
        // The status area says it, and how to go on.
        let mut s = self.lock();
        let mut out = std::io::stdout().lock();
        s.draw(&mut out, true);
    }

    fn summary(&mut self, text: &str) {
        crate::report::log::unset_sink();
        let mut s = self.lock();
        s.finished = true;
        s.timer = None;
        let mut out = std::io::stdout().lock();
        s.erase(&mut out);
        for line in crate::report::words::shown_lines(text).lines() {
            for l in wrap(line, columns().saturating_sub(1), 0) {
                let _ = queue!(out, Print(l), Print("\r\n"));
            }
        }
        let _ = out.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captions_wrap_at_words_with_their_text_aligned() {
        let lines = wrap(
            "00:42  Bridge, rep 2 of 5 | Lift your hips and hold with both hands flat.",
            40,
            7,
        );
        assert_eq!(
            lines,
            [
                "00:42  Bridge, rep 2 of 5 | Lift your",
                "       hips and hold with both hands",
                "       flat.",
            ]
        );
        assert!(lines.iter().all(|l| l.chars().count() <= 40));
    }

    #[test]
    fn the_status_area_fits_a_narrow_terminal() {
        let view = View {
            status: Status {
                routine: "Lower back basics".into(),
                step: Some(3),
                steps: 8,
                title: Some("Bridge".into()),
                session_left: Duration::from_secs(872),
                ..Status::default()
            },
            timer: Some((Meter::Hold, 4.0, 10.0)),
            keys: true,
        };
        for width in [40, 100] {
            let lines = lines(&view, width, false);
            assert_eq!(lines.len(), 4);
            for l in &lines {
                assert!(l.chars().count() <= width, "{width}: {l:?}");
            }
            assert!(lines[2].starts_with("hold "), "{lines:?}");
            assert!(lines[2].ends_with("  6 s"), "{lines:?}");
            assert!(lines[3].contains("step 3 of 8"), "{lines:?}");
            assert!(lines[3].contains("14:32 left"), "{lines:?}");
        }
        assert!(!lines(&view, 40, false).concat().contains('\x1b'));
        // Paused, it says how to go on, in full where it fits.
        let paused = View {
            status: Status {
                paused: true,
                ..view.status.clone()
            },
            keys: false,
            ..view.clone()
        };
        assert_eq!(
            lines(&paused, 40, false)[2],
            "Paused: `limber ctl resume` goes on"
        );
        assert!(lines(&paused, 100, false)[2].contains("or `kill -USR1 "));
        assert!(lines(&view, 40, true).concat().contains('\x1b'));
    }
}
