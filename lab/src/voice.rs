//! A voice that speaks on tokio's clock and records what it said.

use std::time::Duration;

use limber::voice::{Heard, Voice};

/// A voice for tests: it "speaks" for a set time per word (on tokio's clock) and records what it
/// said, when. Chosen utterances can hang, to test deadlines, or fail after a moment, like a line
/// a speech program could not make.
pub struct FakeVoice {
    pub name: String,
    pub per_word: Duration,
    /// Added to every utterance, like a voice with a long silence after each line.
    pub linger: Duration,
    pub said: std::rc::Rc<std::cell::RefCell<Vec<(tokio::time::Instant, String)>>>,
    pub hang_on: Option<String>,
    pub fail_on: Option<String>,
    /// The volumes it was set to, in order.
    pub volumes: std::rc::Rc<std::cell::RefCell<Vec<f32>>>,
    /// Plays its lines as clips placed ahead on an output with this look-ahead, as the voices
    /// that make sound files do: `said` then records where each line was placed.
    pub clips: Option<Duration>,
    /// For clips: when each line was asked for, on tokio's clock.
    pub asked: std::rc::Rc<std::cell::RefCell<Vec<tokio::time::Instant>>>,
}

impl FakeVoice {
    pub fn new(per_word: Duration) -> FakeVoice {
        FakeVoice {
            name: "the test voice".into(),
            per_word,
            linger: Duration::ZERO,
            said: Default::default(),
            hang_on: None,
            fail_on: None,
            volumes: Default::default(),
            clips: None,
            asked: Default::default(),
        }
    }
}

impl Voice for FakeVoice {
    fn name(&self) -> &str {
        &self.name
    }

    fn say(&mut self, text: &str) -> Result<Heard, String> {
        self.said
            .borrow_mut()
            .push((tokio::time::Instant::now(), text.to_string()));
        if self.hang_on.as_deref().is_some_and(|h| text.contains(h)) {
            return Ok(Box::pin(std::future::pending()));
        }
        if self.fail_on.as_deref().is_some_and(|f| text.contains(f)) {
            return Ok(Box::pin(async {
                tokio::time::sleep(Duration::from_millis(100)).await;
                Err::<Option<tokio::time::Instant>, _>("cannot make that line".to_string())
            }));
        }
        let words = text.split_whitespace().count().max(1) as u32;
        let length = self.per_word * words + self.linger;
        Ok(Box::pin(async move {
            tokio::time::sleep(length).await;
            Ok(None)
        }))
    }

    fn scheduled(&self) -> bool {
        self.clips.is_some()
    }

    fn say_at(&mut self, text: &str, at: tokio::time::Instant) -> Result<Heard, String> {
        let Some(ahead) = self.clips else {
            return self.say(text);
        };
        let now = tokio::time::Instant::now();
        self.asked.borrow_mut().push(now);
        let at = at.max(now);
        self.said.borrow_mut().push((at, text.to_string()));
        let words = text.split_whitespace().count().max(1) as u32;
        let end = at + self.per_word * words + self.linger;
        Ok(Box::pin(async move {
            tokio::time::sleep_until(end.checked_sub(ahead).unwrap_or(end)).await;
            Ok(Some(end))
        }))
    }

    fn stop(&mut self) {}

    fn set_volume(&mut self, volume: f32) {
        self.volumes.borrow_mut().push(volume);
    }
}
