//! The player on paused tokio time: whole sessions run in milliseconds, with exact timestamps.

use std::time::Duration;

use limber::plan::settings::{Settings, Sound};
use limber::plan::timeline::{CueKind, What, plan};
use limber::routine::library;
use limber::routine::{Exercise, Routine, Step, Work};
use limber::session::player::{Control, OnResume, Status};
use limber_lab::output::RecordingOutput;
use limber_lab::session::{self, Run, Setup};
use limber_lab::voice::FakeVoice;
use tokio::time::Instant;

fn routine(id: &str) -> Routine {
    library::built_in(id).unwrap().load().unwrap()
}

/// Plays `routine` with fake voices speaking at `per_word` each (the plan assumes 375 ms a word).
async fn run_with(routine: &Routine, voices: Vec<FakeVoice>, stop_after: Option<Duration>) -> Run {
    let script = stop_after
        .map(|t| vec![(t, Control::Stop)])
        .unwrap_or_default();
    run_script(routine, voices, script, OnResume::Continue)
        .await
        .0
}

/// Plays `routine` while sending each control of `script` at its time from the start; returns
/// the run and the status as it was just after each control was sent.
async fn run_script(
    routine: &Routine,
    voices: Vec<FakeVoice>,
    script: Vec<(Duration, Control)>,
    on_resume: OnResume,
) -> (Run, Vec<Status>) {
    let setup = Setup {
        script: Some(script),
        on_resume,
        ..Setup::new(voices)
    };
    session::run(routine, setup).await
}

/// The plan's settings with every line's real length known, as from the speech cache: 300 ms a
/// word.
fn known_lengths(routine: &Routine) -> Settings {
    let mut settings = Setup::new(vec![]).settings;
    for line in limber::voice::lengths::lines(&plan(routine, &settings)) {
        let words = line.split_whitespace().count().max(1) as u64;
        settings.spoken.insert(line, words * 300);
    }
    settings
}

fn fake(per_word_ms: u64) -> FakeVoice {
    FakeVoice::new(Duration::from_millis(per_word_ms))
}

fn at(run: &Run, t: Instant) -> u64 {
    (t - run.start).as_millis() as u64
}

/// Each sound the plan has, with when it was heard (ms from the start).
fn sounds_heard(run: &Run) -> Vec<(&limber::plan::timeline::Cue, u64)> {
    let played: Vec<u64> = run
        .output
        .played
        .borrow()
        .iter()
        .map(|(t, _, _)| at(run, *t))
        .collect();
    let sounds: Vec<&limber::plan::timeline::Cue> = run
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
    assert_eq!(run.report.steps_done(), run.timeline.steps.len());
    // Every caption is written at its cue's moment, silences included.
    let captioned: Vec<&limber::plan::timeline::Cue> = run
        .timeline
        .cues
        .iter()
        .filter(|c| limber::session::captions::caption(c).is_some())
        .collect();
    assert_eq!(
        run.captions.lines.len(),
        captioned.len(),
        "one caption per cue that has one: {:#?}",
        run.captions.lines
    );
    for (line, cue) in run.captions.lines.iter().zip(&captioned) {
        let when = limber::report::words::clock(cue.at);
        assert!(line.starts_with(&when), "{line:?} should be at {when}");
    }
    // Captions carry the place: exercise, side and rep.
    assert!(
        run.captions
            .lines
            .iter()
            .any(|l| l.contains("Knee-to-chest stretch | Rep 1 of 2.")),
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
    let mut steps = vec![Step::Say(limber::routine::template::Template::literal(
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
            progress: None,
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
async fn a_line_one_voice_cannot_make_is_said_by_the_next() {
    let mut failing = fake(250);
    failing.name = "piper".into();
    failing.fail_on = Some("Bridge".into());
    let backup = fake(250);
    let backup_said = backup.said.clone();
    let run = run_with(&routine("lower-back-basics"), vec![failing, backup], None).await;
    assert!(run.report.finished);
    assert_eq!(run.captions.notices.len(), 1, "{:?}", run.captions.notices);
    assert_eq!(
        run.captions.notices[0],
        "piper: cannot make that line; carrying on with the test voice"
    );
    // The first line the failing voice could not say is the first the next one says.
    let failed = run
        .said
        .borrow()
        .iter()
        .find(|(_, t)| t.contains("Bridge"))
        .cloned()
        .unwrap();
    let (at, first) = backup_said.borrow()[0].clone();
    assert_eq!(first, failed.1);
    assert_eq!(
        at - failed.0,
        Duration::from_millis(100),
        "said as soon as the failure was known"
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
    assert!(run.report.steps_done() < run.timeline.steps.len());
}

#[tokio::test(start_paused = true)]
async fn a_step_is_done_only_once_the_session_has_gone_past_it() {
    let r = routine("in-bed");
    // As the session plans it.
    let settings = Setup::new(vec![]).settings;
    let rest = plan(&r, &settings).steps[1].clone();
    assert!(rest.title.starts_with("Rest, "), "{}", rest.title);
    // Two seconds into the rest: its words were said, but it is not done.
    let run = run_with(
        &r,
        vec![fake(250)],
        Some(Duration::from_millis(rest.start + 2000)),
    )
    .await;
    assert_eq!(run.report.steps_done(), 1);
}

/// A greeting, two 10 s holds of a bridge with 3 s rest, and one 8 s hold of a cat. With a voice
/// quicker than the plan every cue is on its planned millisecond:
///
/// cue 2 "Hello." 6410 (step 1), cue 3 "Bridge. ..." 7850 (step 2), cue 4 "Rep 1 of 2." 11790,
/// cue 5/6 hold start 13950, cue 7 "Three" 20950, cue 10 hold end 23950, cue 19 "Cat. ..." 40310
/// (step 3), cue 21 hold start 45280, cue 26 hold end 53280.
fn tiny() -> Routine {
    use limber::routine::template::Template;
    let exercise = |name: &str, reps, hold, rest| {
        Step::Exercise(Exercise {
            name: name.into(),
            setup: None,
            cue: None,
            sides: None,
            alternate: false,
            reps,
            sets: 1,
            work: Work::Hold(hold),
            rest,
            set_rest: None,
            countdown: Some(3),
            halfway: Some(false),
            setup_time: None,
            progress: None,
        })
    };
    Routine {
        name: "Tiny".into(),
        description: None,
        steps: vec![
            Step::Say(Template::literal("Hello.")),
            exercise("Bridge", 2, 10_000, Some(3000)),
            exercise("Cat", 1, 8000, None),
        ],
    }
}

/// When cue `index` was played, each time it was (ms from the start).
fn played_at(run: &Run, index: usize) -> Vec<u64> {
    run.report
        .played
        .iter()
        .filter(|p| p.index == index)
        .map(|p| p.at)
        .collect()
}

/// When `text` was said, each time (ms from the start).
fn said_at(run: &Run, text: &str) -> Vec<u64> {
    run.said
        .borrow()
        .iter()
        .filter(|(_, t)| t == text)
        .map(|(t, _)| at(run, *t))
        .collect()
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[tokio::test(start_paused = true)]
async fn the_tiny_routine_is_as_the_tests_expect() {
    let run = run_with(&tiny(), vec![fake(250)], None).await;
    let cue = |i: usize| (run.timeline.cues[i].at, run.timeline.cues[i].step);
    assert_eq!(cue(2), (6410, Some(1)));
    assert_eq!(cue(3), (7850, Some(2)));
    assert_eq!(cue(4), (11790, Some(2)));
    assert_eq!(cue(5), (13950, Some(2)));
    assert_eq!(run.timeline.cues[5].what, What::Sound(Sound::HoldStart));
    assert_eq!(run.timeline.cues[10].what, What::Sound(Sound::HoldEnd));
    assert_eq!(cue(10), (23950, Some(2)));
    assert_eq!(cue(19), (40310, Some(3)));
    assert_eq!(run.timeline.cues[26].what, What::Sound(Sound::HoldEnd));
    assert_eq!(cue(26), (53280, Some(3)));
    assert_eq!(run.report.done, vec![1, 2, 3]);
    assert_eq!(run.report.paused, 0);
}

#[tokio::test(start_paused = true)]
async fn a_pause_holds_the_clock_and_the_hold_goes_on_with_the_time_it_had_left() {
    // Paused 2.05 s into the first 10 s hold, resumed 5 s later.
    let (run, status) = run_script(
        &tiny(),
        vec![fake(250)],
        vec![(ms(16_000), Control::Pause), (ms(21_000), Control::Resume)],
        OnResume::Continue,
    )
    .await;
    assert!(run.report.finished);
    assert_eq!(
        *run.output.stops.borrow(),
        1,
        "the pause silenced the output"
    );
    // Six words at 250 ms: the clock stands still until they are said.
    assert_eq!(said_at(&run, "Resuming: Bridge, rep 1 of 2."), vec![21_000]);
    let held = 21_000 + 1500 - 16_000;
    assert_eq!(run.report.paused, held);
    // The hold ends 7.95 s after the announcement: the time it had left.
    assert_eq!(played_at(&run, 10), vec![23_950 + held]);
    assert_eq!(
        said_at(&run, "Three"),
        vec![20_950 + held, 36_110 + held, 50_280 + held]
    );
    // Everything after keeps its place, moved by the pause.
    assert_eq!(played_at(&run, 26), vec![53_280 + held]);
    assert_eq!(run.report.done, vec![1, 2, 3]);
    // While paused, the status says so, and where.
    let paused = &status[0];
    assert!(paused.paused);
    assert_eq!(paused.step, Some(2));
    assert_eq!(paused.title.as_deref(), Some("Bridge"));
    assert_eq!(paused.place.as_ref().and_then(|p| p.rep), Some(1));
    // The step's time left is frozen while paused.
    let (left, _) = paused.left_now();
    assert_eq!(left, paused.step_left);
    assert!(!run.captions.notices.is_empty() && run.captions.notices[0] == "paused");
}

#[tokio::test(start_paused = true)]
async fn captions_show_session_time_which_a_pause_does_not_add_to() {
    // Paused 2.05 s into the first hold for 5 s, and 1.5 s of resuming words.
    let (run, _) = run_script(
        &tiny(),
        vec![fake(250)],
        vec![(ms(16_000), Control::Pause), (ms(21_000), Control::Resume)],
        OnResume::Continue,
    )
    .await;
    let shown = |text: &str| -> Vec<&str> {
        run.captions
            .lines
            .iter()
            .filter(|l| l.ends_with(text))
            .map(|l| &l[..5])
            .collect()
    };
    // Before the pause and after it, each caption has the time it would have had without it:
    // the hold ends at 23.95 s of the session, 30.45 s after it began.
    assert_eq!(shown("Bridge. 2 reps, 10 second holds."), ["00:07"]);
    assert_eq!(shown("(hold end)"), ["00:23", "00:39", "00:53"]);
    // What the person did has the time the session stood still at.
    assert_eq!(shown("Resuming: Bridge, rep 1 of 2."), ["00:16"]);
    // And the last is within the plan's length, as though there had been no pause.
    let last = run.captions.shown.last().unwrap().1;
    assert!(last <= run.timeline.total, "{last} {}", run.timeline.total);
}

#[tokio::test(start_paused = true)]
async fn resuming_can_restart_the_rep() {
    let (run, _) = run_script(
        &tiny(),
        vec![fake(250)],
        vec![(ms(16_000), Control::Pause), (ms(21_000), Control::Resume)],
        OnResume::RestartRep,
    )
    .await;
    assert!(run.report.finished);
    let rep = said_at(&run, "Rep 1 of 2.");
    assert_eq!(rep.len(), 2, "the rep is said again: {rep:?}");
    assert_eq!(rep[0], 11_790);
    assert!(rep[1] >= 22_500, "after the announcement: {rep:?}");
    // The rep is whole again: its hold lasts its full 10 s, at the plan's distance from the words.
    let starts = played_at(&run, 5);
    let ends = played_at(&run, 10);
    assert_eq!(starts, vec![13_950, rep[1] + 13_950 - 11_790]);
    assert_eq!(ends, vec![starts[1] + 10_000]);
}

#[tokio::test(start_paused = true)]
async fn restarting_after_a_pause_in_a_rest_starts_the_next_rep() {
    // The rest after rep 1 runs from 23 950 to 26 950.
    let (run, _) = run_script(
        &tiny(),
        vec![fake(250)],
        vec![(ms(25_000), Control::Pause), (ms(30_000), Control::Resume)],
        OnResume::RestartRep,
    )
    .await;
    assert_eq!(said_at(&run, "Rep 1 of 2."), vec![11_790], "rep 1 was done");
    assert_eq!(said_at(&run, "Resuming: Bridge."), vec![30_000]);
    let rep2 = said_at(&run, "Rep 2 of 2.");
    assert_eq!(rep2.len(), 1);
    assert!(
        (30_500..31_500).contains(&rep2[0]),
        "after the announcement and a gap: {rep2:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn next_jumps_to_the_next_step_and_keeps_its_times() {
    let (run, status) = run_script(
        &tiny(),
        vec![fake(250)],
        vec![(ms(16_000), Control::Next)],
        OnResume::Continue,
    )
    .await;
    assert!(run.report.finished);
    assert_eq!(played_at(&run, 19), vec![16_000], "step 3 starts at once");
    assert_eq!(
        played_at(&run, 10),
        Vec::<u64>::new(),
        "the bridge never ended"
    );
    assert_eq!(played_at(&run, 26), vec![16_000 + 53_280 - 40_310]);
    assert_eq!(run.report.skipped, vec![2]);
    assert_eq!(run.report.done, vec![1, 3]);
    assert_eq!(*run.output.stops.borrow(), 1);
    assert_eq!(status[0].step, Some(3));
}

#[tokio::test(start_paused = true)]
async fn previous_restarts_the_step_or_goes_back_one() {
    let (run, _) = run_script(
        &tiny(),
        vec![fake(250)],
        vec![
            // 1.15 s into step 2: back to step 1.
            (ms(9000), Control::Previous),
            // Step 2 began again at 10 440; 9.56 s in: back to its start.
            (ms(20_000), Control::Previous),
        ],
        OnResume::Continue,
    )
    .await;
    assert!(run.report.finished);
    assert_eq!(said_at(&run, "Hello."), vec![6410, 9000]);
    assert_eq!(
        said_at(&run, "Bridge. 2 reps, 10 second holds."),
        vec![7850, 9000 + 7850 - 6410, 20_000]
    );
    assert_eq!(played_at(&run, 26), vec![20_000 + 53_280 - 7850]);
    assert_eq!(run.report.done, vec![1, 2, 3]);
    // It says which, as a caption at the session's time: back one step, or this one from its
    // start.
    let lines = &run.captions.lines;
    assert!(
        lines
            .iter()
            .any(|n| n.starts_with("00:09  Back to step 1, "))
            && lines.contains(&"00:20  Back to the start of step 2, Bridge".to_string()),
        "{lines:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn repeat_says_the_last_words_again_and_the_hold_keeps_its_time() {
    let voice = fake(250);
    let volumes = voice.volumes.clone();
    let (run, _) = run_script(
        &tiny(),
        vec![voice],
        vec![
            (ms(1000), Control::VolumeDown),
            (ms(2000), Control::VolumeDown),
            (ms(3000), Control::VolumeUp),
            (ms(16_000), Control::Repeat),
        ],
        OnResume::Continue,
    )
    .await;
    assert!(run.report.finished);
    assert_eq!(said_at(&run, "Rep 1 of 2."), vec![11_790, 16_000]);
    assert_eq!(played_at(&run, 10), vec![23_950]);
    assert_eq!(*volumes.borrow(), vec![0.9, 0.8, 0.9]);
    let lines = &run.captions.lines;
    assert!(
        lines.contains(&"00:02  Voice volume 80%".to_string()),
        "{lines:?}"
    );
    // What is said again is written again.
    assert!(
        lines.contains(&"00:16  Again: Rep 1 of 2.".to_string()),
        "{lines:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_stop_while_paused_ends_the_session() {
    let (run, status) = run_script(
        &tiny(),
        vec![fake(250)],
        vec![(ms(16_000), Control::Toggle), (ms(30_000), Control::Stop)],
        OnResume::Continue,
    )
    .await;
    assert!(!run.report.finished);
    assert_eq!(run.report.elapsed, 30_000);
    assert_eq!(run.report.done, vec![1]);
    assert!(status[0].paused);
    assert!(
        status.last().unwrap().over,
        "the last status says the session is over"
    );
}

#[tokio::test(start_paused = true)]
async fn a_burst_of_skips_skips_a_step_each_and_a_skip_ends_a_pause() {
    // Two in a row (the script sends the second a millisecond after the first), from step 1:
    // each moves one step on.
    let (run, _) = run_script(
        &tiny(),
        vec![fake(250)],
        vec![(ms(6500), Control::Next), (ms(6500), Control::Next)],
        OnResume::Continue,
    )
    .await;
    assert!(run.report.finished);
    assert_eq!(played_at(&run, 3), vec![6500], "step 2 at once");
    assert_eq!(played_at(&run, 19), vec![6501], "then step 3");
    assert_eq!(run.report.skipped, vec![1, 2]);
    assert_eq!(run.report.done, vec![3]);
    // Paused in step 2, then next: step 3 starts at once, with no announcement.
    let (run, status) = run_script(
        &tiny(),
        vec![fake(250)],
        vec![(ms(16_000), Control::Pause), (ms(20_000), Control::Next)],
        OnResume::Continue,
    )
    .await;
    assert_eq!(played_at(&run, 19), vec![20_000]);
    assert!(said_at(&run, "Resuming: Bridge, rep 1 of 2.").is_empty());
    assert_eq!(run.report.paused, 4000);
    assert!(!status[1].paused);
    assert_eq!(status[1].step, Some(3));
}

#[tokio::test(start_paused = true)]
async fn a_pause_during_the_resume_announcement_stays_paused() {
    let (run, _) = run_script(
        &tiny(),
        vec![fake(250)],
        vec![
            (ms(16_000), Control::Pause),
            (ms(21_000), Control::Resume),
            // Half-way through "Resuming: Bridge, rep 1 of 2."
            (ms(21_700), Control::Pause),
            (ms(30_000), Control::Toggle),
        ],
        OnResume::Continue,
    )
    .await;
    assert!(run.report.finished);
    let resuming = said_at(&run, "Resuming: Bridge, rep 1 of 2.");
    assert_eq!(resuming, vec![21_000, 30_000]);
    // Paused from 16 s until the second announcement ended at 31.5 s; 7.95 s of the hold left.
    let held = 31_500 - 16_000;
    assert_eq!(run.report.paused, held);
    assert_eq!(played_at(&run, 10), vec![23_950 + held]);
}

#[tokio::test(start_paused = true)]
async fn with_no_controls_a_session_plays_through_on_time() {
    let setup = Setup {
        script: None,
        ..Setup::new(vec![fake(250)])
    };
    let (
        Run {
            report,
            timeline,
            start,
            ..
        },
        _,
    ) = session::run(&tiny(), setup).await;
    assert!(report.finished);
    assert_eq!(report.played.len(), timeline.cues.len());
    assert_eq!(report.elapsed, (start.elapsed()).as_millis() as u64);
    assert_eq!(report.played[26].at, 53_280);
}

#[tokio::test(start_paused = true)]
async fn lines_of_known_length_heard_a_moment_late_do_not_add_up() {
    let routine = routine("in-bed");
    // Each line is heard to end 5 ms after its known end, as a timer wakes a little late.
    let mut voice = fake(300);
    voice.linger = Duration::from_millis(5);
    let setup = Setup {
        settings: known_lengths(&routine),
        ..Setup::new(vec![voice])
    };
    let (run, _) = session::run(&routine, setup).await;
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

#[tokio::test(start_paused = true)]
async fn every_cue_of_a_whole_routine_is_placed_on_its_frame_a_look_ahead_early() {
    let routine = routine("in-bed");
    let lookahead = Duration::from_millis(200);
    let mut voice = fake(300);
    voice.clips = Some(lookahead);
    let asked = voice.asked.clone();
    let setup = Setup {
        settings: known_lengths(&routine),
        output: RecordingOutput {
            lookahead,
            ..RecordingOutput::default()
        },
        script: None,
        ..Setup::new(vec![voice])
    };
    let (run, _) = session::run(&routine, setup).await;
    assert!(run.report.finished);
    // The frame of every sound and line on a 48 kHz output: exactly the plan's.
    let frame = |t: Instant| (t - run.start).as_micros() as u64 * 48 / 1000;
    let planned_sounds: Vec<u64> = run
        .timeline
        .cues
        .iter()
        .filter(|c| matches!(c.what, What::Sound(_)))
        .map(|c| c.at * 48)
        .collect();
    let placed: Vec<u64> = run
        .output
        .played
        .borrow()
        .iter()
        .map(|p| frame(p.0))
        .collect();
    assert_eq!(placed, planned_sounds);
    let planned_lines: Vec<(u64, String)> = run
        .timeline
        .cues
        .iter()
        .filter_map(|c| match &c.what {
            What::Text(t) => Some((c.at * 48, t.clone())),
            _ => None,
        })
        .collect();
    let lines: Vec<(u64, String)> = run
        .said
        .borrow()
        .iter()
        .map(|(t, s)| (frame(*t), s.clone()))
        .collect();
    assert_eq!(lines, planned_lines);
    // Each sound was placed the look-ahead before its moment, not when it came.
    for ((at, ..), asked) in run
        .output
        .played
        .borrow()
        .iter()
        .zip(run.output.asked.borrow().iter())
    {
        assert_eq!(*at - *asked, lookahead);
    }
    // Every line too, a rest's words that start with its silence included: asked for when
    // the silence came, a line would start a device buffer late. (The first starts the session.)
    let lines_asked = asked.borrow();
    assert_eq!(lines_asked.len(), run.said.borrow().len());
    for ((at, text), asked) in run.said.borrow().iter().zip(lines_asked.iter()).skip(1) {
        assert_eq!(*at - *asked, lookahead, "{text}");
    }
    // What is placed early is shown when it is heard: every caption at its cue's moment.
    let planned_captions: Vec<u64> = run
        .timeline
        .cues
        .iter()
        .filter(|c| limber::session::captions::caption(c).is_some())
        .map(|c| c.at)
        .collect();
    let shown: Vec<u64> = run
        .captions
        .shown
        .iter()
        .map(|(t, _)| (*t - run.start).as_millis() as u64)
        .collect();
    assert_eq!(shown, planned_captions);
    assert!(
        run.captions
            .shown
            .iter()
            .all(|(t, at)| (*t - run.start).as_millis() as u64 == *at)
    );
    assert_eq!(run.report.elapsed, run.timeline.total);
}
