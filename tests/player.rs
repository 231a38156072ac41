//! The player on paused tokio time: whole sessions run in milliseconds, with exact timestamps.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use limber::audio::RecordingOutput;
use limber::captions::Recorded;
use limber::library;
use limber::player::{Devices, Report, play};
use limber::routine::{Exercise, Routine, Step, Work};
use limber::settings::{Settings, Sound};
use limber::sounds::SoundSet;
use limber::timeline::{CueKind, Timeline, What, plan};
use limber::voice::{FakeVoice, Voice, Voices};
use tokio::time::Instant;

type Said = Rc<RefCell<Vec<(Instant, String)>>>;

struct Run {
    report: Report,
    timeline: Timeline,
    output: RecordingOutput,
    said: Said,
    captions: Recorded,
    start: Instant,
}

fn routine(id: &str) -> Routine {
    library::built_in(id).unwrap().load().unwrap()
}

/// Plays `routine` with fake voices speaking at `per_word` each (the plan assumes 375 ms a word).
async fn run_with(routine: &Routine, voices: Vec<FakeVoice>, stop_after: Option<Duration>) -> Run {
    let settings = Settings {
        sounds: SoundSet::built_in().lengths(),
        ..Settings::default()
    };
    run_planned(routine, &settings, voices, stop_after).await
}

async fn run_planned(
    routine: &Routine,
    settings: &Settings,
    voices: Vec<FakeVoice>,
    stop_after: Option<Duration>,
) -> Run {
    let sounds = SoundSet::built_in();
    let timeline = plan(routine, settings);
    let said = voices.first().map(|v| v.said.clone()).unwrap_or_default();
    let mut voices = Voices::new(
        voices
            .into_iter()
            .map(|v| Box::new(v) as Box<dyn Voice>)
            .collect(),
    );
    let output = RecordingOutput::default();
    let mut captions = Recorded::default();
    let (tx, mut rx) = tokio::sync::watch::channel(false);
    if let Some(after) = stop_after {
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            let _ = tx.send(true);
        });
    } else {
        std::mem::forget(tx);
    }
    let start = Instant::now();
    let report = {
        let mut devices = Devices {
            voices: &mut voices,
            output: &output,
            sounds: &sounds,
            captions: &mut captions,
            sound_volume: 0.8,
            gap: settings.gap,
        };
        play(&timeline, &mut devices, &mut rx).await
    };
    Run {
        report,
        timeline,
        output,
        said,
        captions,
        start,
    }
}

fn fake(per_word_ms: u64) -> FakeVoice {
    FakeVoice::new(Duration::from_millis(per_word_ms))
}

fn at(run: &Run, t: Instant) -> u64 {
    (t - run.start).as_millis() as u64
}

/// Each sound the plan has, with when it was heard (ms from the start).
fn sounds_heard(run: &Run) -> Vec<(&limber::timeline::Cue, u64)> {
    let played: Vec<u64> = run
        .output
        .played
        .borrow()
        .iter()
        .map(|(t, _, _)| at(run, *t))
        .collect();
    let sounds: Vec<&limber::timeline::Cue> = run
        .timeline
        .cues
        .iter()
        .filter(|c| matches!(c.what, What::Sound(_)))
        .collect();
    assert_eq!(played.len(), sounds.len(), "every sound was played");
    sounds.into_iter().zip(played).collect()
}

/// Chimes come in start/end pairs exactly `hold` apart, as the plan says.
fn holds_are_exact(run: &Run) {
    let heard = sounds_heard(run);
    let mut start = None;
    for &(cue, t) in &heard {
        match cue.what {
            What::Sound(Sound::HoldStart) => start = Some((t, cue.at)),
            What::Sound(Sound::HoldEnd) => {
                let (s, planned_s) = start.take().expect("an end follows a start");
                assert_eq!(
                    t - s,
                    cue.at - planned_s,
                    "hold at {planned_s} ms lasted {} ms",
                    t - s
                );
            }
            _ => {}
        }
    }
}

/// Breath tones and ticks fall exactly where the plan puts them, relative to the first of each
/// breathing step: a slow voice may delay a step's start, never its pace.
fn breaths_are_exact(run: &Run) {
    let heard = sounds_heard(run);
    let breathing_steps: Vec<Option<usize>> = run
        .timeline
        .cues
        .iter()
        .filter(|c| c.kind == CueKind::Breath)
        .map(|c| c.step)
        .collect();
    let mut checked = 0;
    let mut anchor: Option<(Option<usize>, u64, u64)> = None;
    for &(cue, t) in &heard {
        let breath = matches!(cue.kind, CueKind::Breath | CueKind::Tick)
            && breathing_steps.contains(&cue.step);
        if !breath {
            continue;
        }
        match anchor {
            Some((step, heard0, planned0)) if step == cue.step => {
                assert_eq!(
                    t - heard0,
                    cue.at - planned0,
                    "the breath tone planned at {} ms",
                    cue.at
                );
                checked += 1;
            }
            _ => anchor = Some((cue.step, t, cue.at)),
        }
    }
    assert!(
        checked > 0 || breathing_steps.is_empty(),
        "no breath tones were checked"
    );
}

/// No two utterances overlap, and a sequential sound never starts while words are being said.
fn nothing_overlaps(run: &Run, per_word: u64) {
    let said = run.said.borrow();
    let spans: Vec<(u64, u64)> = said
        .iter()
        .map(|(t, text)| {
            let s = at(run, *t);
            (
                s,
                s + per_word * text.split_whitespace().count().max(1) as u64,
            )
        })
        .collect();
    for w in spans.windows(2) {
        assert!(w[0].1 <= w[1].0, "speech {:?} overlaps {:?}", w[0], w[1]);
    }
}

#[tokio::test(start_paused = true)]
async fn every_cue_of_a_built_in_routine_starts_exactly_when_planned() {
    // A voice quicker than the estimate: the plan's times hold to the millisecond.
    let run = run_with(&routine("lower-back-basics"), vec![fake(250)], None).await;
    assert!(run.report.finished);
    assert_eq!(run.report.played.len(), run.timeline.cues.len());
    for p in &run.report.played {
        assert!(!p.skipped, "cue {} was skipped", p.index);
        assert_eq!(
            p.at, p.planned,
            "cue {} ({:?})",
            p.index, run.timeline.cues[p.index].what
        );
    }
    holds_are_exact(&run);
    nothing_overlaps(&run, 250);
    let spoken = run
        .timeline
        .cues
        .iter()
        .filter(|c| c.kind == CueKind::Speech)
        .count();
    assert_eq!(run.said.borrow().len(), spoken, "every line was said");
    assert_eq!(
        run.report.steps_done(&run.timeline),
        run.timeline.steps.len()
    );
    // Every caption is written at its cue's moment, silences included.
    let captioned: Vec<&limber::timeline::Cue> = run
        .timeline
        .cues
        .iter()
        .filter(|c| limber::captions::caption(c).is_some())
        .collect();
    for (line, cue) in run.captions.lines.iter().zip(&captioned) {
        let when = limber::timeline::clock(cue.at);
        assert!(line.starts_with(&when), "{line:?} should be at {when}");
    }
    // Captions carry the place: exercise, side and rep.
    assert!(
        run.captions
            .lines
            .iter()
            .any(|l| l.contains("Knee-to-chest stretch, left, rep 1 of 2 | Rep 1 of 2.")),
        "{:#?}",
        &run.captions.lines[..12]
    );
    assert!(
        run.captions.countdowns > 100,
        "a countdown line in every hold"
    );
}

#[tokio::test(start_paused = true)]
async fn long_speech_pushes_cues_back_but_never_shortens_a_hold() {
    // A voice twice as slow as the plan thinks.
    let run = run_with(&routine("core-strength"), vec![fake(750)], None).await;
    assert!(run.report.finished);
    holds_are_exact(&run);
    nothing_overlaps(&run, 750);
    let last = run.report.played.last().unwrap();
    assert!(
        last.at > last.planned,
        "the session ran late: {} vs {}",
        last.at,
        last.planned
    );
    // Words inside holds that no longer fit are left out, never played over the next cue.
    assert!(run.report.played.iter().any(|p| p.skipped));
    for p in run.report.played.iter().filter(|p| p.skipped) {
        let cue = &run.timeline.cues[p.index];
        assert!(
            cue.pinned && cue.kind == CueKind::Speech,
            "only pinned words are ever left out"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_slow_voice_never_slows_the_breathing() {
    // A voice that lingers 2.6 s after every line: "Breathe in." then lasts 3.1 s and ends, with
    // its gap, after the next tone is due. Only tones pinned to the breathing keep its pace.
    let mut lingering = fake(250);
    lingering.linger = Duration::from_millis(2600);
    let run = run_with(&routine("breathing"), vec![lingering], None).await;
    assert!(run.report.finished);
    assert!(
        run.captions.notices.is_empty(),
        "the voice was never given up: {:?}",
        run.captions.notices
    );
    breaths_are_exact(&run);
    let run = run_with(&routine("gentle-relief"), vec![fake(750)], None).await;
    breaths_are_exact(&run);
    holds_are_exact(&run);
}

#[tokio::test(start_paused = true)]
async fn a_thirty_minute_session_ends_on_the_planned_second() {
    let mut steps = vec![Step::Say(limber::template::Template::literal(
        "Half an hour of walking.",
    ))];
    for _ in 0..6 {
        steps.push(Step::Exercise(Exercise {
            name: "Walk".into(),
            setup: None,
            cue: None,
            sides: None,
            alternate: false,
            reps: 1,
            sets: 1,
            work: Work::Duration(300_000),
            rest: None,
            set_rest: None,
            countdown: Some(3),
            halfway: Some(true),
            setup_time: None,
        }));
    }
    let routine = Routine {
        name: "Long walk".into(),
        description: None,
        steps,
    };
    let run = run_with(&routine, vec![fake(300)], None).await;
    assert!(run.timeline.total >= 30 * 60 * 1000);
    let finish = run
        .timeline
        .cues
        .iter()
        .position(|c| c.what == What::Sound(Sound::Finish))
        .unwrap();
    let played = &run.report.played[finish];
    assert_eq!(
        played.at, played.planned,
        "the last chime is on the planned millisecond"
    );
    holds_are_exact(&run);
}

#[tokio::test(start_paused = true)]
async fn a_hung_voice_is_given_up_and_the_next_one_carries_on() {
    let mut hanging = fake(250);
    hanging.name = "the system voice".into();
    hanging.hang_on = Some("Halfway".into());
    let backup = fake(250);
    let backup_said = backup.said.clone();
    let run = run_with(&routine("lower-back-basics"), vec![hanging, backup], None).await;
    assert!(run.report.finished);
    assert_eq!(run.captions.notices.len(), 1, "{:?}", run.captions.notices);
    assert!(
        run.captions.notices[0].starts_with("the system voice: it did not finish speaking within"),
        "{}",
        run.captions.notices[0]
    );
    assert!(
        run.captions.notices[0].ends_with("carrying on with the test voice"),
        "{}",
        run.captions.notices[0]
    );
    assert!(
        backup_said.borrow().len() > 50,
        "the second voice spoke the rest"
    );
    holds_are_exact(&run);
}

#[tokio::test(start_paused = true)]
async fn with_no_voice_the_captions_keep_the_same_time() {
    let run = run_with(&routine("breathing"), vec![], None).await;
    assert!(run.report.finished);
    for p in &run.report.played {
        assert_eq!(p.at, p.planned);
    }
    holds_are_exact(&run);
}

#[tokio::test(start_paused = true)]
async fn stopping_silences_everything_at_once() {
    let run = run_with(
        &routine("in-bed"),
        vec![fake(250)],
        Some(Duration::from_secs(95)),
    )
    .await;
    assert!(!run.report.finished);
    assert_eq!(*run.output.stops.borrow(), 1);
    assert!(
        (95_000..95_010).contains(&run.report.elapsed),
        "{}",
        run.report.elapsed
    );
    assert!(run.report.steps_done(&run.timeline) < run.timeline.steps.len());
}

#[tokio::test(start_paused = true)]
async fn a_step_is_done_only_once_the_session_has_gone_past_it() {
    let r = routine("in-bed");
    let settings = Settings {
        sounds: SoundSet::built_in().lengths(),
        ..Settings::default()
    };
    let rest = plan(&r, &settings).steps[1].clone();
    assert!(rest.title.starts_with("rest"), "{}", rest.title);
    // Two seconds into the rest: its words were said, but it is not done.
    let run = run_with(
        &r,
        vec![fake(250)],
        Some(Duration::from_millis(rest.start + 2000)),
    )
    .await;
    assert_eq!(run.report.steps_done(&run.timeline), 1);
}

#[tokio::test(start_paused = true)]
async fn lines_of_known_length_heard_a_moment_late_do_not_add_up() {
    let routine = routine("in-bed");
    // Every line's real length is known, as from the speech cache: 300 ms a word.
    let mut settings = Settings {
        sounds: SoundSet::built_in().lengths(),
        ..Settings::default()
    };
    for line in limber::speech::lines(&plan(&routine, &settings)) {
        let words = line.split_whitespace().count().max(1) as u64;
        settings.spoken.insert(line, words * 300);
    }
    // Each line is heard to end 5 ms after its known end, as a timer wakes a little late.
    let mut voice = fake(300);
    voice.linger = Duration::from_millis(5);
    let run = run_planned(&routine, &settings, vec![voice], None).await;
    assert!(run.report.finished);
    let lines = run
        .report
        .played
        .iter()
        .filter(|p| matches!(run.timeline.cues[p.index].what, What::Text(_)) && !p.skipped);
    assert!(lines.clone().count() > 50);
    // Hundreds of lines later, every cue is still exactly on its planned moment.
    for p in &run.report.played {
        assert_eq!(p.at, p.planned, "cue {} drifted", p.index);
    }
}
