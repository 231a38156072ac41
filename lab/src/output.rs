//! A recording audio output: what it was asked to play, and when on tokio's clock.

use std::cell::RefCell;

use limber::sound::clip::Clip;
use limber::sound::output::Output;

/// A fake output that records what it was asked to play and when (on tokio's clock).
#[derive(Default)]
pub struct RecordingOutput {
    pub played: RefCell<Vec<(tokio::time::Instant, usize, f32)>>,
    pub stops: RefCell<usize>,
}

impl Output for RecordingOutput {
    fn play(&self, clip: &Clip, volume: f32) {
        self.played
            .borrow_mut()
            .push((tokio::time::Instant::now(), clip.samples.len(), volume));
    }

    fn stop(&self) {
        *self.stops.borrow_mut() += 1;
    }
}
