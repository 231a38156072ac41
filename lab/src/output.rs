//! A recording audio output: what it was asked to play, where, and when on tokio's clock.

use std::cell::RefCell;
use std::time::Duration;

use limber::sound::clip::Clip;
use limber::sound::mixer::Group;
use limber::sound::output::Output;
use tokio::time::Instant;

/// A fake output that records what it was asked to play and when (on tokio's clock).
#[derive(Default)]
pub struct RecordingOutput {
    /// Where each clip was placed, its length and volume.
    pub played: RefCell<Vec<(Instant, usize, f32)>>,
    /// When each was asked for.
    pub asked: RefCell<Vec<Instant>>,
    pub stops: RefCell<usize>,
    /// The look-ahead it asks for, like a real output with a buffer.
    pub lookahead: Duration,
}

impl Output for RecordingOutput {
    fn play_at(&self, clip: &Clip, volume: f32, _: Group, at: Instant) -> Instant {
        let now = Instant::now();
        let at = at.max(now);
        self.played
            .borrow_mut()
            .push((at, clip.samples.len(), volume));
        self.asked.borrow_mut().push(now);
        at
    }

    fn lookahead(&self) -> Duration {
        self.lookahead
    }

    fn cancel(&self, group: Option<Group>) {
        if group.is_none() {
            *self.stops.borrow_mut() += 1;
        }
    }
}
