use super::*;

/// Asserts that error `i` of `e` says `part`, showing them all if it does not.
#[track_caller]
fn says(e: &[String], i: usize, part: &str) {
    let said = e.get(i).is_some_and(|m| m.contains(part));
    assert!(said, "error {i} should say {part:?}; the errors: {e:#?}");
}

fn errors(text: &str) -> Vec<String> {
    match load(&Source::new("r.json", text)) {
        Ok(_) => vec![],
        Err(Error::Invalid { diagnostics, .. }) => {
            diagnostics.iter().map(|d| d.render("r.json")).collect()
        }
        Err(e) => vec![e.to_string()],
    }
}

#[test]
fn a_huge_time_written_as_text_gets_its_hint_without_overflowing() {
    // Found by the fuzz target: minutes times 60 overflowed (a panic in a debug build).
    let e = errors(r#"{"name": "x", "steps": [{"rest": "4294967295:00"}]}"#);
    says(&e, 0, "257698037700");
}

#[test]
fn the_issue_example_is_valid() {
    let text = include_str!("../../../tests/routines/example.json");
    let routine = load(&Source::new("example.json", text)).unwrap();
    assert_eq!(routine.steps.len(), 8);
    let Step::Exercise(bird_dog) = &routine.steps[3] else {
        panic!()
    };
    assert!(bird_dog.alternate);
    assert_eq!(bird_dog.sides, Some([Side::Right, Side::Left]));
    assert_eq!(bird_dog.rest, Some(3000));
    let Step::Exercise(cat_cow) = &routine.steps[4] else {
        panic!()
    };
    assert_eq!(cat_cow.rest, Some(5000), "the routine default applies");
    assert_eq!(cat_cow.countdown, Some(3));
}

#[test]
fn every_problem_is_reported_at_once() {
    let e = errors(
        r#"{"name": "x", "steps": [
  {"exercise": "A", "hodl": 20},
  {"exercise": "B", "hold": 0, "reps": 0},
  {"rest": -1}
]}"#,
    );
    // "hodl" is reported once, as a misspelling, not again as a missing "hold".
    assert_eq!(e.len(), 4, "{e:#?}");
    says(&e, 0, "r.json:2:21: steps[0].hodl: unknown key \"hodl\"");
    says(&e, 0, "did you mean \"hold\"?");
    says(&e, 1, "steps[1].hold: must be at least 1 second, found 0");
    says(&e, 2, "steps[1].reps: must be at least 1, found 0");
    says(&e, 3, "steps[2].rest: cannot be negative, found -1");
}

#[test]
fn placeholders_are_checked_where_they_are_spoken() {
    let e = errors(
        r#"{"name": "x", "steps": [{"exercise": "A", "cue": "Your {side} leg", "hold": 5}]}"#,
    );
    assert_eq!(e.len(), 1);
    says(&e, 0, "r.json:1:56: steps[0].cue: {side} has no value here");
    says(&e, 0, "needs \"sides\"");
}

#[test]
fn a_progression_is_read_with_its_defaults() {
    let text = r#"{"name": "P", "steps": [
  {"exercise": "Plank", "reps": 3, "hold": 15,
   "progress": {"hold": {"step": 5, "max": 30}, "reps": {"step": 1, "max": 5}}},
  {"exercise": "Walk", "duration": 300, "progress": {"hold": {"step": 60, "max": 600}, "after": 3}}
]}"#;
    let routine = load(&Source::new("r.json", text)).unwrap();
    let Step::Exercise(plank) = &routine.steps[0] else {
        panic!()
    };
    assert_eq!(
        plank.progress,
        Some(Progress {
            hold: Some(Grow {
                step: 5000,
                max: 30_000
            }),
            reps: Some(Grow { step: 1, max: 5 }),
            after: 2,
        })
    );
    let Step::Exercise(walk) = &routine.steps[1] else {
        panic!()
    };
    assert_eq!(walk.progress.unwrap().after, 3);
}

#[test]
fn a_progression_that_cannot_grow_is_an_error_with_a_fix() {
    let text = r#"{"name": "P", "steps": [
  {"exercise": "A", "reps": 8, "hold": 10, "progress": {"hold": {"step": 5, "max": 5}, "reps": {"step": 0, "max": 6}, "after": 0}},
  {"exercise": "B", "hold": 10, "progress": {}},
  {"exercise": "C", "reps": 4, "rest": 0, "phases": [{"say": "Up.", "hold": 2}], "progress": {"hold": {"step": 1, "max": 3}}},
  {"exercise": "D", "duration": 60, "progress": {"reps": {"step": 1, "max": 3}, "hold": {"max": 90}}}
]}"#;
    assert_eq!(
        errors(text),
        [
            "r.json:2:77: steps[0].progress.hold.max: is 5 seconds, shorter than the exercise's own 10 seconds\n  help: \"max\" is the longest the hold grows to: make it at least 10",
            "r.json:2:105: steps[0].progress.reps.step: must be at least 1, found 0\n  help: Reps added each level.",
            "r.json:2:108: steps[0].progress.reps.max: is 6, fewer than the exercise's own 8 reps\n  help: \"max\" is the most reps it grows to: make it at least 8",
            "r.json:2:128: steps[0].progress.after: must be at least 1, found 0\n  help: Good sessions in a row (rated easy or fine, or finished and not rated) that move it up a level. Default 2.",
            "r.json:3:33: steps[1].progress: a progression needs \"hold\", \"reps\" or both\n  help: for example \"progress\": {\"hold\": {\"step\": 5, \"max\": 30}, \"after\": 2}",
            "r.json:4:95: steps[2].progress.hold: a flow has no hold to grow: each position keeps its own time\n  help: remove \"hold\" from \"progress\"; a flow can grow its rounds with \"reps\"",
            "r.json:5:50: steps[3].progress.reps: a \"duration\" exercise is one timed activity, with no reps to grow\n  help: remove \"reps\" from \"progress\"; grow its length with \"hold\"",
            "r.json:5:89: steps[3].progress.hold: a hold progression is missing \"step\"\n  help: add \"step\": seconds added each level",
        ]
    );
}

#[test]
fn numbers_out_of_range_say_so_plainly() {
    let e = errors(
        r#"{"name": "x", "steps": [{"exercise": "A", "hold": 0.5}, {"exercise": "B", "hold": 1e400}, {"exercise": "C", "hold": 600.0000001}, {"rest": 1e20}]}"#,
    );
    assert_eq!(e.len(), 3, "{e:#?}");
    says(&e, 0, "steps[0].hold: must be at least 1 second, found 0.5");
    says(&e, 1, "steps[1].hold: 1e400 is far too large");
    says(&e, 2, "steps[3].rest: 1e20 is far too large");
}

#[test]
fn a_misspelt_kind_is_one_error() {
    let e = errors(r#"{"name": "x", "steps": [{"sya": "Hello."}, {"reps": 3, "hold": 5}]}"#);
    assert_eq!(e.len(), 2, "{e:#?}");
    says(
        &e,
        0,
        "steps[0].sya: unknown key \"sya\" in a say step\n  help: did you mean \"say\"?",
    );
    says(&e, 1, "steps[1]: this step has no kind");
    says(&e, 1, "this looks like an exercise");
}

#[test]
fn a_byte_order_mark_is_ignored() {
    assert_eq!(
        errors("\u{feff}{\"name\": \"x\", \"steps\": [{\"say\": \"Hi.\"}]}"),
        Vec::<String>::new()
    );
}

#[test]
fn numbers_in_quotes_get_a_fix() {
    let e = errors(r#"{"name": "x", "steps": [{"rest": "30s"}]}"#);
    says(
        &e,
        0,
        "expected a number of seconds, found the text \"30s\"",
    );
    says(&e, 0, "write the number without quotes: \"rest\": 30");
}
