//! Captions that keep every line, as the terminal would show it.

use limber::plan::timeline::Cue;
use limber::report::words::clock;
use limber::session::captions::{Captions, action_caption, caption};

/// Captions for tests: every line, as it would be written.
#[derive(Default)]
pub struct Recorded {
    pub lines: Vec<String>,
    /// When each line was shown (on tokio's clock), and the session time it was shown with.
    pub shown: Vec<(tokio::time::Instant, u64)>,
    pub notices: Vec<String>,
    pub countdowns: usize,
}

impl Captions for Recorded {
    fn wants_countdown(&self) -> bool {
        true
    }

    fn cue(&mut self, cue: &Cue, elapsed: u64) {
        if let Some(text) = caption(cue) {
            self.lines.push(format!("{}  {text}", clock(elapsed)));
            self.shown.push((tokio::time::Instant::now(), elapsed));
        }
    }
    /// What the person did is a caption too, with its time, as the terminal writes it.
    fn action(&mut self, text: &str, elapsed: u64) {
        self.lines
            .push(format!("{}  {}", clock(elapsed), action_caption(text)));
        self.shown.push((tokio::time::Instant::now(), elapsed));
    }
    fn remaining(&mut self, _: u64) {
        self.countdowns += 1;
    }
    fn notice(&mut self, text: &str) {
        self.notices.push(text.to_string());
    }
    fn summary(&mut self, text: &str) {
        self.lines.push(text.to_string());
    }
}
