//! A whole session on paused tokio time: the player with a recording fake for every device,
//! steered by a script of controls, so a test runs a session in milliseconds and reads exact
//! timestamps. The player's tests and those of what a session records share it.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use limber::plan::settings::Settings;
use limber::plan::timeline::{Timeline, plan};
use limber::routine::Routine;
use limber::session::player::{Control, Controls, Devices, OnResume, Report, Status, play};
use limber::sound::clip::SoundSet;
use limber::voice::{Voice, Voices};
use tokio::time::Instant;

use crate::captions::Recorded;
use crate::output::RecordingOutput;
use crate::voice::FakeVoice;

/// A session played: what the player reported, and what each fake recorded.
pub struct Run {
    pub report: Report,
    pub timeline: Timeline,
    pub output: RecordingOutput,
    /// What the first voice said, and when.
    pub said: Rc<RefCell<Vec<(Instant, String)>>>,
    pub captions: Recorded,
    /// The session's start.
    pub start: Instant,
}

/// What a session on paused time is played with; a test changes what it is about.
pub struct Setup {
    /// What the plan is made with: the built-in sounds' lengths, by default.
    pub settings: Settings,
    pub voices: Vec<FakeVoice>,
    pub output: RecordingOutput,
    /// Each control with its time from the start, over a channel open until the session ends;
    /// `None`: a session nobody steers ([`Controls::none`]).
    pub script: Option<Vec<(Duration, Control)>>,
    pub on_resume: OnResume,
}

impl Setup {
    /// The built-in sounds, `voices`, an output with no look-ahead, and no controls sent (over
    /// a channel kept open).
    pub fn new(voices: Vec<FakeVoice>) -> Setup {
        Setup {
            settings: Settings {
                sounds: SoundSet::built_in().lengths(),
                ..Settings::default()
            },
            voices,
            output: RecordingOutput::default(),
            script: Some(Vec::new()),
            on_resume: OnResume::Continue,
        }
    }
}

/// Plays `routine` as `setup` says; returns the run and the status as it was just after each
/// control of its script was sent, and at the end.
pub async fn run(routine: &Routine, setup: Setup) -> (Run, Vec<Status>) {
    let Setup {
        settings,
        voices,
        output,
        script,
        on_resume,
    } = setup;
    let sounds = SoundSet::built_in();
    let timeline = plan(routine, &settings);
    let said = voices.first().map(|v| v.said.clone()).unwrap_or_default();
    let mut voices = Voices::new(
        voices
            .into_iter()
            .map(|v| Box::new(v) as Box<dyn Voice>)
            .collect(),
    );
    let mut captions = Recorded::default();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let start = Instant::now();
    let (mut controls, script) = match script {
        None => (Controls::none(), None),
        Some(script) => {
            let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
            let controls = Controls::new(rx);
            let status = controls.status.subscribe();
            let seen = seen.clone();
            let sender = tokio::spawn(async move {
                for (after, control) in script {
                    tokio::time::sleep_until(start + after).await;
                    let _ = tx.send(control);
                    // Let the player act on it.
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    seen.lock().unwrap().push(status.borrow().clone());
                }
                // Holding the sender keeps the channel open until the session ends.
                std::future::pending::<()>().await;
            });
            (controls, Some(sender))
        }
    };
    controls.on_resume = on_resume;
    let report = {
        let mut devices = Devices {
            voices: &mut voices,
            output: &output,
            sounds: &sounds,
            captions: &mut captions,
            sound_volume: 0.8,
            words_per_minute: settings.words_per_minute,
            gap: settings.gap,
        };
        play(&timeline, &mut devices, &mut controls).await
    };
    if let Some(sender) = script {
        sender.abort();
    }
    let mut statuses = seen.lock().unwrap().clone();
    statuses.push(controls.status.borrow().clone());
    (
        Run {
            report,
            timeline,
            output,
            said,
            captions,
            start,
        },
        statuses,
    )
}
