//! The timeline: exact times worked out by hand, snapshots of every built-in routine's plan, and
//! properties that hold for any routine.

use limber::plan::settings::{Settings, Sound};
use limber::plan::timeline::{CueKind, Quiet, Timeline, What, least, plan, plan_within};
use limber::routine::library;
use limber::routine::template::Template;
use limber::routine::{Breathe, Exercise, Ms, Phase, Routine, Side, Step, Work};
use proptest::prelude::*;

/// Settings that make speech lengths easy to work out: one word is one second.
fn slow() -> Settings {
    Settings {
        words_per_minute: 38.4,
        ..Settings::default()
    }
}

fn exercise(name: &str, work: Work) -> Exercise {
    Exercise {
        name: name.into(),
        setup: None,
        cue: None,
        sides: None,
        alternate: false,
        reps: 1,
        sets: 1,
        work,
        rest: None,
        set_rest: None,
        countdown: Some(0),
        halfway: Some(false),
        setup_time: None,
        progress: None,
    }
}

fn at(t: &Timeline) -> Vec<(Ms, String)> {
    t.cues
        .iter()
        .map(|c| (c.at, format!("{} {}", c.label(), c.detail())))
        .collect()
}

#[test]
fn exact_times_of_a_small_routine() {
    let routine = Routine {
        name: "Test".into(),
        description: None,
        steps: vec![
            Step::Say(Template::literal("Hello there.")),
            Step::Exercise(Exercise {
                reps: 2,
                rest: Some(3000),
                ..exercise("Bridge", Work::Hold(5000))
            }),
        ],
    };
    let t = plan(&routine, &slow());
    // Speech: 700 ms around the line + 1 s a word + 650 ms at each inner comma or stop; then a
    // 500 ms gap. Chimes last 700 ms, and the next words wait 500 ms after them.
    let expected: Vec<(Ms, &str)> = vec![
        (0, "speak Starting Test."),
        // Before the first hold of a session: 12 words and a comma.
        (
            3200,
            "speak A high bell starts each hold, and a lower bell ends it.",
        ),
        (17_050, "speak Hello there."),
        (20_250, "speak Bridge. 2 reps, 5 second holds."),
        (28_750, "speak Rep 1 of 2."),
        (33_950, "chime hold start"),
        (33_950, "hold 5 s"),
        (38_950, "chime hold end"),
        (38_950, "rest 3 s"),
        (41_950, "speak Rep 2 of 2."),
        (47_150, "chime hold start"),
        (47_150, "hold 5 s"),
        (52_150, "chime hold end"),
        // 10 words, an inner colon and stop: 700 + 10 000 + 1 300 ms. The length so far, 53.35 s,
        // is spoken rounded up to the second.
        (
            53_350,
            "speak Session complete: 1 exercise in about 54 seconds. Well done.",
        ),
        (65_850, "chime finish"),
    ];
    let expected: Vec<(Ms, String)> = expected
        .into_iter()
        .map(|(a, s)| (a, s.to_string()))
        .collect();
    assert_eq!(at(&t), expected);
    assert_eq!(t.total, 67_650);
    assert_eq!(t.steps[0].start, 17_050);
    assert_eq!(t.steps[1].start, 20_250);
    assert_eq!(t.steps[1].end, 53_350);
}

#[test]
fn marks_inside_a_hold_never_move_its_end() {
    let mut e = exercise("Walk", Work::Duration(300_000));
    e.countdown = Some(3);
    e.halfway = Some(true);
    let routine = Routine {
        name: "W".into(),
        description: None,
        steps: vec![Step::Exercise(e)],
    };
    let t = plan(&routine, &Settings::default());
    let start = t
        .cues
        .iter()
        .find(|c| c.what == What::Sound(Sound::HoldStart))
        .unwrap()
        .at;
    let end = t
        .cues
        .iter()
        .find(|c| c.what == What::Sound(Sound::HoldEnd))
        .unwrap()
        .at;
    assert_eq!(end - start, 300_000);
    let marks: Vec<(Ms, String)> = t
        .cues
        .iter()
        .filter(|c| c.pinned && c.kind == CueKind::Speech)
        .map(|c| (c.at - start, c.detail()))
        .collect();
    let expected: Vec<(Ms, String)> = [
        (60_000, "4 minutes left."),
        (120_000, "3 minutes left."),
        (150_000, "Halfway."),
        (180_000, "2 minutes left."),
        (240_000, "One minute left."),
        (270_000, "30 seconds left."),
        (290_000, "10 seconds left."),
        (297_000, "Three"),
        (298_000, "Two"),
        (299_000, "One"),
    ]
    .into_iter()
    .map(|(a, s)| (a, s.to_string()))
    .collect();
    assert_eq!(marks, expected);
}

/// Every line a routine of one exercise speaks, in order.
fn spoken(e: Exercise) -> Vec<String> {
    let routine = Routine {
        name: "S".into(),
        description: None,
        steps: vec![Step::Exercise(e)],
    };
    plan(&routine, &Settings::default())
        .cues
        .iter()
        .filter(|c| c.kind == CueKind::Speech)
        .map(|c| c.detail())
        .collect()
}

#[test]
fn sides_switch_once_and_alternate_every_rep() {
    let mut e = exercise("Knee", Work::Hold(2000));
    e.sides = Some([Side::Left, Side::Right]);
    e.reps = 2;
    e.cue = Some(Template::parse("Your {side} knee.").unwrap());
    assert_eq!(
        spoken(e.clone())[2..7],
        [
            "Knee. 2 reps on each side, 2 second holds.",
            "Rep 1 of 2. Your left knee.",
            "Rep 2 of 2.",
            "Switch sides.",
            "Rep 1 of 2. Your right knee."
        ]
    );
    e.alternate = true;
    assert_eq!(
        spoken(e)[3..7],
        [
            "Rep 1 of 2. Your left knee.",
            "Rep 1 of 2. Your right knee.",
            "Rep 2 of 2. Your left knee.",
            "Rep 2 of 2. Your right knee."
        ]
    );
}

#[test]
fn every_built_in_plan_matches_its_snapshot() {
    for (id, _) in library::BUILT_IN {
        let routine = library::built_in(id).unwrap().load().unwrap();
        let text = plan(&routine, &Settings::default()).to_string();
        insta::assert_snapshot!(format!("plan-{id}"), text);
    }
}

#[test]
fn built_in_sessions_are_a_sensible_length() {
    for (id, _) in library::BUILT_IN {
        let routine = library::built_in(id).unwrap().load().unwrap();
        let minutes = plan(&routine, &Settings::default()).total as f64 / 60_000.0;
        assert!(
            (8.0..=30.0).contains(&minutes),
            "{id} lasts {minutes:.1} minutes"
        );
        let Step::Say(first) = &routine.steps[0] else {
            panic!("{id} must open with a safety line")
        };
        let first = first.to_string().to_lowercase();
        assert!(
            first.contains("stop"),
            "{id} must open with a safety line; it opens with: {first}"
        );
    }
}

/// The properties every timeline has, whatever the routine.
fn check(routine: &Routine, t: &Timeline) {
    // In order, and nothing audible overlaps.
    assert!(
        t.cues.windows(2).all(|w| w[0].at <= w[1].at),
        "cues out of order"
    );
    let audible: Vec<_> = t
        .cues
        .iter()
        .filter(|c| c.kind != CueKind::Silence)
        .collect();
    for w in audible.windows(2) {
        assert!(
            w[0].at + w[0].duration <= w[1].at,
            "{:?} overlaps {:?}",
            w[0],
            w[1]
        );
    }
    // The total is the sum of its parts: opening words, each step's span, closing words.
    assert_eq!(t.steps.len(), routine.steps.len());
    let spans: Ms = t.steps.iter().map(|s| s.end - s.start).sum();
    let opening = t.steps[0].start;
    let closing = t.total - t.steps.last().unwrap().end;
    assert_eq!(opening + spans + closing, t.total);
    assert!(t.steps.windows(2).all(|w| w[0].end == w[1].start));
    assert_eq!(
        t.total,
        t.cues.iter().map(|c| c.at + c.duration).max().unwrap()
    );

    for (i, step) in routine.steps.iter().enumerate() {
        let n = i + 1;
        let cues: Vec<_> = t.cues.iter().filter(|c| c.step == Some(n)).collect();
        let span = &t.steps[i];
        match step {
            Step::Exercise(e) => {
                let starts: Vec<_> = cues
                    .iter()
                    .filter(|c| c.what == What::Sound(Sound::HoldStart))
                    .collect();
                let ends: Vec<_> = cues
                    .iter()
                    .filter(|c| c.what == What::Sound(Sound::HoldEnd))
                    .collect();
                let sides = if e.sides.is_some() { 2 } else { 1 };
                match &e.work {
                    Work::Hold(h) | Work::Duration(h) => {
                        assert_eq!(starts.len() as u32, e.sets * e.reps * sides);
                        assert_eq!(starts.len(), ends.len());
                        for (s, end) in starts.iter().zip(&ends) {
                            assert_eq!(end.at - s.at, *h, "a hold lasts exactly its seconds");
                            // Whatever is said inside the hold ends before it does.
                            for c in cues.iter().filter(|c| {
                                c.pinned
                                    && c.kind == CueKind::Speech
                                    && c.at > s.at
                                    && c.at < end.at
                            }) {
                                assert!(c.at + c.duration <= end.at);
                            }
                        }
                    }
                    Work::Phases(phases) => {
                        assert!(starts.is_empty());
                        let ticks = cues.iter().filter(|c| c.kind == CueKind::Tick).count() as u32;
                        assert_eq!(ticks, e.sets * e.reps * sides * phases.len() as u32);
                        let holds: Vec<Ms> = cues
                            .iter()
                            .filter(|c| c.what == What::Quiet(Quiet::Hold))
                            .map(|c| c.duration)
                            .collect();
                        let expected: Vec<Ms> = (0..e.sets * e.reps * sides)
                            .flat_map(|_| phases.iter().map(|p| p.hold))
                            .collect();
                        assert_eq!(holds, expected);
                    }
                }
            }
            Step::Breathe(b) => {
                // Every breath tone (and hold tick) falls exactly on its phase boundary.
                let first = cues.iter().find(|c| c.kind == CueKind::Breath).unwrap().at;
                let mut expected = Vec::new();
                let mut t = first;
                for _ in 0..b.cycles {
                    for len in [b.inhale, b.hold, b.exhale, b.hold_out] {
                        if len > 0 {
                            expected.push(t);
                            t += len;
                        }
                    }
                }
                let tones: Vec<Ms> = cues
                    .iter()
                    .filter(|c| matches!(c.kind, CueKind::Breath | CueKind::Tick))
                    .map(|c| c.at)
                    .collect();
                assert_eq!(tones, expected, "breathing keeps exact time");
                assert!(span.end >= t, "the next step waits for the last breath");
                for c in cues
                    .iter()
                    .filter(|c| c.pinned && c.kind == CueKind::Speech)
                {
                    assert!(c.at + c.duration <= t, "prompts end inside the breathing");
                }
            }
            Step::Rest { rest, .. } => {
                let said = cues.iter().find(|c| c.kind == CueKind::Speech).unwrap();
                assert_eq!(
                    span.end - span.start,
                    (*rest).max(said.duration + Settings::default().gap)
                );
            }
            Step::Say(_) => assert_eq!(cues.len(), 1),
        }
    }
}

fn seconds(lo: u64, hi: u64) -> impl Strategy<Value = Ms> {
    (lo..=hi).prop_map(|s| s * 1000)
}

fn any_exercise() -> impl Strategy<Value = Step> {
    let work = prop_oneof![
        seconds(1, 90).prop_map(Work::Hold),
        seconds(1, 400).prop_map(Work::Duration),
        prop::collection::vec(seconds(1, 25), 1..4).prop_map(|holds| Work::Phases(
            holds
                .into_iter()
                .map(|hold| Phase {
                    say: Template::parse("Move {side}, rep {rep}.").unwrap(),
                    hold
                })
                .collect()
        )),
    ];
    (
        work,
        any::<bool>(),
        any::<bool>(),
        1u32..5,
        1u32..4,
        seconds(0, 10),
        0u32..6,
        any::<bool>(),
        prop::option::of(seconds(0, 60)),
    )
        .prop_map(
            |(work, sided, alternate, reps, sets, rest, countdown, halfway, set_rest)| {
                let duration = matches!(work, Work::Duration(_));
                let sided = sided || !duration && alternate;
                Step::Exercise(Exercise {
                    name: "Move".into(),
                    setup: Some(Template::literal("Get ready.")),
                    cue: Some(
                        Template::parse(if sided {
                            "Your {side} side, {rep} of {reps}."
                        } else {
                            "Go, set {set}."
                        })
                        .unwrap(),
                    ),
                    sides: (sided && !duration).then_some([Side::Right, Side::Left]),
                    alternate: alternate && !duration,
                    reps: if duration { 1 } else { reps },
                    sets: if duration { 1 } else { sets },
                    work,
                    rest: Some(rest),
                    set_rest,
                    countdown: Some(countdown),
                    halfway: Some(halfway),
                    setup_time: Some(3000),
                    progress: None,
                })
            },
        )
}

fn any_step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => any_exercise(),
        1 => Just(Step::Say(Template::literal("Relax your shoulders, and breathe."))),
        1 => (seconds(1, 60), any::<bool>()).prop_map(|(rest, said)| Step::Rest {
            rest,
            say: said.then(|| Template::parse("Rest for {seconds} seconds, and let your back settle.").unwrap()),
        }),
        1 => (1u32..6, seconds(1, 8), seconds(0, 8), seconds(1, 8), seconds(0, 8)).prop_map(|(cycles, inhale, hold, exhale, hold_out)| {
            Step::Breathe(Breathe { name: None, cycles, inhale, hold, exhale, hold_out, say: None })
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn any_routine_keeps_time(steps in prop::collection::vec(any_step(), 1..6), wpm in 90.0f64..240.0) {
        let routine = Routine { name: "Generated".into(), description: None, steps };
        let settings = Settings { words_per_minute: wpm, ..Settings::default() };
        let t = plan(&routine, &settings);
        check(&routine, &t);
        // What the routine asks for, counted without planning, never exceeds the plan.
        let all = 0..routine.steps.len();
        prop_assert!(least(&routine, &settings, all, Ms::MAX).0 <= t.total);
    }
}

#[test]
fn the_count_of_what_a_routine_asks_for_is_a_floor_of_its_plan() {
    for (id, _) in library::BUILT_IN {
        let routine = library::built_in(id).unwrap().load().unwrap();
        let settings = Settings::default();
        let total = plan(&routine, &settings).total;
        let (floor, passed) = least(&routine, &settings, 0..routine.steps.len(), Ms::MAX);
        assert!(
            floor <= total && floor > total / 3,
            "{id}: {floor} of {total}"
        );
        assert_eq!(passed, None);
    }
}

/// 500 steps of 100 reps of 20 sets on both sides, each rep 20 positions: 40 million positions,
/// which planned would take tens of gigabytes.
fn enormous() -> Routine {
    let phases: Vec<Phase> = (0..20)
        .map(|i| Phase {
            say: Template::literal(format!("Position {i}.")),
            hold: 1000,
        })
        .collect();
    let step = Step::Exercise(Exercise {
        sides: Some([Side::Left, Side::Right]),
        reps: 100,
        sets: 20,
        ..exercise("Everything", Work::Phases(phases))
    });
    Routine {
        name: "Enormous".into(),
        description: None,
        steps: vec![step; 500],
    }
}

#[test]
fn a_plan_that_cannot_fit_is_refused_before_any_of_it_is_made() {
    let routine = enormous();
    let settings = Settings::default();
    let limit = 4 * 3600 * 1000;
    let e = plan_within(&routine, &settings, 0..500, limit).unwrap_err();
    assert!(e.counted, "{e:?}");
    // One step already asks for 80,000 positions of a second and their rests: past 4 hours.
    assert_eq!(e.step, Some(1));
    assert!(e.at > 500 * 80_000 * 1000, "{e:?}");
}

#[test]
fn a_plan_that_passes_the_limit_while_it_is_made_stops_there() {
    // Each step asks for 100 holds of 10 s and their rests (25 minutes), about 29 once spoken:
    // the count says 9 steps fit, the plan finds the ninth passes 4 hours.
    let step = Step::Exercise(Exercise {
        reps: 100,
        countdown: Some(3),
        ..exercise("Bridge", Work::Hold(10_000))
    });
    let routine = Routine {
        name: "Long".into(),
        description: None,
        steps: vec![step; 9],
    };
    let settings = Settings::default();
    let limit = 4 * 3600 * 1000;
    let (floor, passed) = least(&routine, &settings, 0..9, limit);
    assert_eq!(passed, None, "{floor}");
    let whole = plan(&routine, &settings);
    assert!(whole.total > limit, "{}", whole.total);
    let e = plan_within(&routine, &settings, 0..9, limit).unwrap_err();
    assert!(!e.counted && !e.cues, "{e:?}");
    let n = e.step.expect("in a step");
    let passes = whole
        .cues
        .iter()
        .find(|c| c.at + c.duration > limit)
        .unwrap();
    assert_eq!(Some(n), passes.step);
    // Below the limit it is the same plan.
    let shorter = Routine {
        steps: routine.steps[..n - 1].to_vec(),
        ..routine.clone()
    };
    assert_eq!(
        plan_within(&shorter, &settings, 0..n - 1, limit).unwrap(),
        plan(&shorter, &settings)
    );
}

#[test]
fn built_in_routines_have_the_properties_too() {
    for (id, _) in library::BUILT_IN {
        let routine = library::built_in(id).unwrap().load().unwrap();
        check(&routine, &plan(&routine, &Settings::default()));
    }
}

#[test]
fn from_and_only_plan_part_of_a_routine_with_its_own_numbers() {
    use limber::plan::timeline::{Part, find_step, plan_steps};
    let routine = library::built_in("lower-back-basics")
        .unwrap()
        .load()
        .unwrap();
    let bridge = find_step(&routine, "bridge").unwrap();
    assert_eq!(find_step(&routine, "3").unwrap(), 3);
    assert_eq!(find_step(&routine, "BRIDGE").unwrap(), bridge);
    let settings = Settings::default();
    let only = plan_steps(
        &routine,
        &settings,
        Part::Only(bridge).range(routine.steps.len()),
    );
    assert_eq!(only.steps.len(), 1);
    assert_eq!(only.steps[0].step, bridge, "the step keeps its number");
    // Before: a session with `--only 3` was shown as "step 3 of 1".
    assert_eq!(
        only.routine_steps,
        routine.steps.len(),
        "and is one of the routine's steps"
    );
    assert!(
        only.cues
            .iter()
            .all(|c| c.step.is_none() || c.step == Some(bridge))
    );
    let last = only
        .cues
        .iter()
        .rev()
        .find(|c| c.kind == CueKind::Speech)
        .unwrap();
    assert!(
        last.detail()
            .starts_with("Session complete: 1 exercise in about"),
        "{}",
        last.detail()
    );
    let from = plan_steps(
        &routine,
        &settings,
        Part::From(bridge).range(routine.steps.len()),
    );
    assert_eq!(from.steps.first().unwrap().step, bridge);
    assert_eq!(from.steps.len(), routine.steps.len() - bridge + 1);
    assert_eq!(from.routine_steps, routine.steps.len());
    assert!(from.total < plan(&routine, &settings).total);
    // Mistakes name the routine and list the steps.
    let e = find_step(&routine, "99").unwrap_err();
    assert!(e.contains("has steps 1 to"), "{e}");
    let e = find_step(&routine, "plank").unwrap_err();
    assert!(
        e.contains("has no step called \"plank\"") && e.contains("Bird dog"),
        "{e}"
    );
}
