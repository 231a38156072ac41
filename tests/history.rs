//! The session log: what sessions record (on paused time, and from the real binary, killed at
//! random moments), and what `limber history`, `rate`, `plan` and `--plot` make of a log.
//!
//! The tests that run real sessions play into a private PulseAudio null sink (`tests/common`);
//! without pulseaudio they say so and pass, unless LIMBER_REQUIRE_AUDIO=1 (as in CI).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use limber::history::record::{Begin, Done, End, Ended, Line, Planned, Rated, Rating, RoutineId};
use limber::plan::settings::Settings;
use limber::plan::timeline::plan;
use limber::routine::source::Source;
use limber::session::player::{Control, Report};
use limber::session::record;
use limber_lab::session::{self, Setup};
use limber_lab::voice::FakeVoice;
use limber_lab::{Home, Output};

mod common;

/// Two exercises with holds, one with sides, and a line between: about 40 s.
const TINY: &str = r#"{ "name": "Tiny", "steps": [
  { "say": "Hello." },
  { "exercise": "Bridge", "reps": 3, "hold": 4, "rest": 2, "countdown": 0,
    "progress": { "hold": { "step": 1, "max": 6 }, "reps": { "step": 1, "max": 4 }, "after": 2 } },
  { "exercise": "Knee hug", "sides": ["left", "right"], "reps": 1, "hold": 5, "countdown": 0 } ] }"#;

fn tiny() -> limber::routine::Routine {
    limber::routine::validate::load(&Source::new("tiny.json", TINY)).unwrap()
}

// --- What a session records, on paused time ---------------------------------------------

/// Plays TINY on paused time with a fake voice, sending `script`; the end record it makes.
async fn played(script: Vec<(Duration, Control)>) -> (Report, End) {
    let routine = tiny();
    let setup = Setup {
        script: Some(script),
        ..Setup::new(vec![FakeVoice::new(Duration::from_millis(300))])
    };
    let (run, _) = session::run(&routine, setup).await;
    let planned = record::planned(&routine, 0..routine.steps.len(), &[(2, 1)]);
    let end = record::end(&run.timeline, &run.report, &planned);
    (run.report, end)
}

fn done(end: &End) -> Vec<(usize, u32, Vec<String>, f64)> {
    end.exercises
        .iter()
        .map(|d| (d.step, d.reps, d.sides.clone(), d.hold_s))
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_completed_session_records_every_rep_and_hold() {
    let (report, end) = played(vec![]).await;
    assert!(report.finished);
    assert_eq!(end.ended, Ended::Finished);
    assert_eq!(end.done, [1, 2, 3]);
    assert!(end.skipped.is_empty());
    assert_eq!(end.paused_s, 0.0);
    assert_eq!(end.elapsed_s, report.elapsed as f64 / 1000.0);
    assert_eq!(
        done(&end),
        [
            (2, 3, vec![], 12.0),
            (3, 2, vec!["left".to_string(), "right".to_string()], 10.0)
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_paused_session_records_the_time_paused() {
    let (_, end) = played(vec![
        (Duration::from_secs(12), Control::Pause),
        (Duration::from_secs(42), Control::Resume),
    ])
    .await;
    assert_eq!(end.ended, Ended::Finished);
    // Thirty seconds paused, and the resume words on top.
    assert!(end.paused_s >= 30.0 && end.paused_s < 40.0, "{end:?}");
}

#[tokio::test(start_paused = true)]
async fn a_stopped_session_records_the_reps_it_got_to() {
    // The bridge's first hold ends a little after 10 s, the second 6 s later.
    let (report, end) = played(vec![(Duration::from_secs(20), Control::Stop)]).await;
    assert!(!report.finished);
    assert_eq!(end.ended, Ended::Stopped);
    assert_eq!(end.done, [1]);
    let d = done(&end);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].0, 2);
    assert!((1..3).contains(&d[0].1), "{d:?}");
    assert_eq!(d[0].3, f64::from(d[0].1) * 4.0);
}

#[tokio::test(start_paused = true)]
async fn a_skipped_step_is_recorded_as_skipped() {
    let (report, end) = played(vec![(Duration::from_secs(9), Control::Next)]).await;
    assert!(report.finished);
    assert_eq!(end.ended, Ended::Finished);
    assert_eq!(end.skipped, [2]);
    assert_eq!(end.done, [1, 3]);
    let d = done(&end);
    assert_eq!(
        d.last().unwrap().1,
        2,
        "the knee hug was done in full: {d:?}"
    );
    assert!(d[0].0 == 2 && d[0].1 < 3, "{d:?}");
}

// --- A log written by hand: what history, plan and the picture make of it ----------------

/// A home with the routine TINY.
fn home() -> Home {
    with_tiny(Home::new())
}

fn with_tiny(home: Home) -> Home {
    home.routine("tiny", TINY);
    home
}

/// Writes the session log, line by line.
fn write_log(home: &Home, lines: &[Line]) {
    let mut text = String::new();
    for l in lines {
        text.push_str(&serde_json::to_string(l).unwrap());
        text.push('\n');
    }
    std::fs::create_dir_all(home.log().parent().unwrap()).unwrap();
    std::fs::write(home.log(), text).unwrap();
}

/// Appends `bytes` to the session log, as a kill or another limber would.
fn append_to_log(home: &Home, bytes: &[u8]) {
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(home.log())
        .unwrap();
    std::io::Write::write_all(&mut f, bytes).unwrap();
}

/// A session of TINY on `day` at 07:30 local time that lasted `minutes`.
fn session(id: &str, day: jiff::civil::Date, minutes: f64, ended: Option<Ended>) -> Vec<Line> {
    // The day is the one written, whatever the offset: the day it was in the zone it was done in.
    let at = |m: u32| format!("{day}T07:{:02}:00.000+00:00", 30 + m);
    let mut lines = vec![Line::begin(
        id,
        Begin {
            at: at(0),
            tz: None,
            routine: RoutineId {
                id: "tiny".into(),
                name: "Tiny".into(),
                hash: "0".into(),
            },
            planned_s: 600.0,
            steps: 3,
            voice: "none".into(),
            part: None,
            level_override: None,
            exercises: vec![Planned {
                step: 2,
                name: "Bridge".into(),
                reps: 3,
                sets: 1,
                sides: 1,
                hold_s: Some(4.0),
                level: Some(1),
            }],
        },
    )];
    if let Some(ended) = ended {
        lines.push(Line::end(
            id,
            End {
                at: at(20),
                ended,
                elapsed_s: minutes * 60.0,
                paused_s: 0.0,
                done: vec![1, 2],
                skipped: vec![],
                exercises: vec![Done {
                    step: 2,
                    name: "Bridge".into(),
                    reps: 3,
                    sides: vec![],
                    hold_s: 12.0,
                }],
            },
        ));
    }
    lines
}

fn rated(id: &str, rating: Rating, by: &str) -> Line {
    Line::rating(
        id,
        Rated {
            at: "2026-01-01T00:00:00.000+00:00".into(),
            rating,
            note: None,
            by: Some(by.into()),
        },
    )
}

/// Three weeks of sessions ending today, rated in every way, with a killed and a stopped one.
fn weeks_of_sessions(today: jiff::civil::Date) -> Vec<Line> {
    use jiff::ToSpan;
    let monday = today
        .checked_sub(i64::from(today.weekday().to_monday_zero_offset()).days())
        .unwrap();
    let day = |weeks_back: i64, offset: i64| {
        monday
            .checked_sub((7 * weeks_back).days())
            .unwrap()
            .checked_add(offset.days())
            .unwrap()
    };
    let f = Some(Ended::Finished);
    let mut lines = Vec::new();
    // Two weeks ago: three sessions (goal met), 10 minutes each; easy by key, fine by ctl.
    lines.extend(session("a", day(2, 0), 10.0, f));
    lines.push(rated("a", Rating::Easy, "key"));
    lines.extend(session("b", day(2, 2), 10.0, f));
    lines.push(rated("b", Rating::Fine, "ctl"));
    lines.extend(session("c", day(2, 4), 10.0, f));
    // Last week: three again, one by the button, one hard by `limber rate`.
    lines.extend(session("d", day(1, 0), 12.0, f));
    lines.push(rated("d", Rating::Fine, "button"));
    lines.extend(session("e", day(1, 2), 12.0, f));
    lines.push(rated("e", Rating::Hard, "rate"));
    lines.extend(session("f", day(1, 4), 25.0, f));
    // This week so far: one killed (no end), then one stopped early and rated pain.
    lines.extend(session("g", day(0, 0), 0.0, None));
    lines.extend(session("h", day(0, 0), 3.0, Some(Ended::Stopped)));
    lines.push(rated("h", Rating::Pain, "key"));
    lines
}

#[test]
fn history_shows_sessions_weeks_streak_calendar_levels_and_the_picture() {
    let home = home();
    let today = jiff::Zoned::now().date();
    write_log(&home, &weeks_of_sessions(today));

    let report = home.test().args(["history", "--json"]).run().json();
    let sessions = report["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 8);
    let ended: Vec<&str> = sessions
        .iter()
        .map(|s| s["ended"].as_str().unwrap())
        .collect();
    assert_eq!(
        ended,
        [
            "completed",
            "completed",
            "completed",
            "completed",
            "completed",
            "completed",
            "unfinished",
            "stopped"
        ]
    );
    let ratings: Vec<&str> = sessions
        .iter()
        .map(|s| s["rating"].as_str().unwrap_or("-"))
        .collect();
    assert_eq!(
        ratings,
        ["easy", "fine", "-", "fine", "hard", "-", "-", "pain"]
    );
    assert_eq!(report["goal"], 3);
    assert_eq!(
        report["week"]["sessions"], 0,
        "a killed and a short stopped session do not count"
    );
    assert_eq!(report["week"]["minutes"], 3.0);
    assert_eq!(report["streak"], 2);
    let weeks = report["weeks"].as_array().unwrap();
    let last: Vec<(u64, f64)> = weeks[weeks.len() - 3..]
        .iter()
        .map(|w| {
            (
                w["sessions"].as_u64().unwrap(),
                w["minutes"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(last, [(3, 30.0), (3, 49.0), (0, 3.0)]);
    let calendar = report["calendar"].as_array().unwrap();
    assert_eq!(calendar.len(), 84);
    let busy: Vec<(String, f64)> = calendar
        .iter()
        .filter(|d| d["sessions"].as_u64().unwrap() > 0)
        .map(|d| {
            (
                d["date"].as_str().unwrap().to_string(),
                d["minutes"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(busy.len(), 7, "{busy:?}");
    assert_eq!(busy[5].1, 25.0);

    // The same as text, plain when piped: no escape codes, the calendar in plain characters.
    let text = home.ok(&["history"]);
    assert!(!text.contains('\x1b'), "{text}");
    assert!(
        text.contains("This week: 0 sessions, 3 min (goal 3 a week: 3 more to go)"),
        "{text}"
    );
    assert!(
        text.contains("Streak: 2 weeks in a row met the goal"),
        "{text}"
    );
    assert!(text.contains("no end recorded (killed?)"), "{text}");
    assert!(text.contains("  minutes a day: . none  - under 10  + 10-19  * 20-29  # 30 or more"));
    let calendar = &text[text.find("Last 12 weeks, a column a week:").unwrap()..];
    let mon: &str = calendar.lines().find(|l| l.starts_with("  Mon")).unwrap();
    assert!(mon.ends_with(". . . . . . . . . + + -"), "{mon}");
    assert_eq!(
        home.test()
            .args(["history", "--json", "--routine", "other"])
            .run()
            .json()["sessions"],
        serde_json::json!([])
    );
    let monday = today
        .checked_sub(jiff::Span::new().days(i64::from(today.weekday().to_monday_zero_offset())))
        .unwrap();
    let since = monday.to_string();
    assert_eq!(
        home.test()
            .args(["history", "--json", "--since", &since])
            .run()
            .json()["sessions"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Levels: a, b, c, d good (level 2 after b, level 3, the top, after d); hard keeps it, and
    // so does f at the top; the killed one changes nothing; pain goes down to 2. The next session opens by saying so.
    let plan = home.test().args(["plan", "tiny", "--json"]).run().json();
    let level = &plan["levels"][0];
    assert_eq!(level["exercise"], "Bridge");
    assert_eq!(
        (level["level"].as_u64(), level["levels"].as_u64()),
        (Some(2), Some(3))
    );
    assert_eq!(
        (level["hold_seconds"].as_f64(), level["reps"].as_u64()),
        (Some(5.0), Some(4))
    );
    assert_eq!(level["next"]["after"], 2);
    let text = home.ok(&["plan", "tiny"]);
    assert!(
        text.contains("Last time it hurt, so today the exercises are a step easier."),
        "{text}"
    );
    assert!(
        text.contains("Bridge: level 2 of 3, 5 s x 4; next: 6 s x 4 after 2 more good sessions"),
        "{text}"
    );
    assert!(text.contains("Bridge. 4 reps, 5 second holds."), "{text}");
    let by_hand = home
        .test()
        .args(["plan", "tiny", "--json", "--no-progress"])
        .run()
        .json();
    assert_eq!(by_hand["levels"][0]["level"], 1);
    assert_eq!(
        home.test()
            .args(["plan", "tiny", "--json", "--level", "9"])
            .run()
            .json()["levels"][0]["level"],
        3
    );

    // The picture: XML, with the series it says it shows.
    let svg = home.path().join("progress.svg");
    home.ok(&["history", "--plot", svg.to_str().unwrap()]);
    let text = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let data: serde_json::Value = serde_json::from_str(
        doc.descendants()
            .find(|n| n.attribute("id") == Some("limber-data"))
            .unwrap()
            .text()
            .unwrap(),
    )
    .unwrap();
    let minutes: Vec<f64> = data["weeks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w[1].as_f64().unwrap())
        .collect();
    assert_eq!(minutes[minutes.len() - 3..], [30.0, 49.0, 3.0]);
    // The bridge's hold, for the seven sessions that did it (the killed one did not).
    assert_eq!(data["holds"]["Bridge"].as_array().unwrap().len(), 7);
    assert_eq!(data["reps"]["Bridge"].as_array().unwrap().len(), 7);
    let polylines: Vec<usize> = doc
        .descendants()
        .filter(|n| n.has_tag_name("polyline") && n.attribute("stroke-width") == Some("3"))
        .map(|n| n.attribute("points").unwrap().split_whitespace().count())
        .collect();
    assert_eq!(polylines, [7, 7]);
    let bars = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect") && n.attribute("fill") == Some("#2E7D32"))
        .count();
    assert_eq!(bars, 3, "one bar for each week with minutes");
}

#[test]
fn pain_at_the_first_level_is_met_with_the_advice_but_no_word_of_easier() {
    // The first session hurt: its Bridge was at level 1, so nothing can come down, and the next
    // session must not say that it did; the advice to see a clinician is said all the same.
    let home = home();
    let today = jiff::Zoned::now().date();
    let mut lines = session("x", today, 10.0, Some(Ended::Finished));
    lines.push(rated("x", Rating::Pain, "key"));
    write_log(&home, &lines);
    let text = home.ok(&["plan", "tiny"]);
    assert!(!text.contains("a step easier"), "{text}");
    assert!(
        text.contains("Last time it hurt. Go gently today: stop if anything hurts, and if the pain goes on, see a doctor or physiotherapist."),
        "{text}"
    );
    assert!(text.contains("Bridge: level 1 of 3"), "{text}");
}

#[test]
fn a_length_in_the_history_reads_as_in_the_plan_and_the_summary() {
    let home = home();
    let today = jiff::Zoned::now().date();
    // 16.6 s and 65 minutes: written as every other length is, to the second gone.
    let mut lines = session("x", today, 16.6 / 60.0, Some(Ended::Finished));
    lines.extend(session("y", today, 65.0, Some(Ended::Finished)));
    write_log(&home, &lines);
    let text = home.ok(&["history"]);
    assert!(text.contains(" 00:16 "), "{text}");
    assert!(!text.contains("0:17"), "{text}");
    assert!(text.contains(" 1:05:00 "), "{text}");
    assert!(!text.contains("65:00"), "{text}");
}

#[test]
fn text_from_a_hand_edited_log_reaches_the_terminal_escaped() {
    let home = home();
    let today = jiff::Zoned::now().date();
    let mut lines = session("x", today, 10.0, Some(Ended::Finished));
    if let Line { begin: Some(b), .. } = &mut lines[0] {
        b.routine.name = "Tiny\u{1b}]0;pwned\u{7}".into();
    }
    lines.push(Line::rating(
        "x",
        Rated {
            at: "2026-01-01T00:00:00.000+00:00".into(),
            rating: Rating::Fine,
            note: Some("sore\u{1b}[2J knee".into()),
            by: Some("rate".into()),
        },
    ));
    write_log(&home, &lines);
    let text = home.ok(&["history"]);
    assert!(!text.contains('\x1b') && !text.contains('\x07'), "{text:?}");
    assert!(text.contains("Tiny\\u001b]0;pwned\\u0007"), "{text}");
    assert!(text.contains("sore\\u001b[2J knee"), "{text}");
    // JSON is for programs: there the text is as it was.
    let json = home.test().args(["history", "--json"]).run().json();
    assert_eq!(json["sessions"][0]["note"], "sore\u{1b}[2J knee");
}

#[test]
fn rate_rates_the_last_session_and_a_torn_line_is_skipped() {
    let home = home();
    let today = jiff::Zoned::now().date();
    let mut lines = session("x", today, 10.0, Some(Ended::Finished));
    lines.extend(session("y", today, 10.0, Some(Ended::Finished)));
    write_log(&home, &lines);
    // A record cut short by a kill or a full disk, with no newline after it.
    let torn = serde_json::to_string(&rated("y", Rating::Easy, "key")).unwrap();
    append_to_log(&home, &torn.as_bytes()[..torn.len() / 2]);

    let out = home.ok(&["rate", "hard", "--note", "the bridge"]);
    assert!(out.starts_with("Rated Tiny ("), "{out}");
    assert!(out.ends_with("): hard.\n"), "{out}");
    let text = std::fs::read_to_string(home.log()).unwrap();
    let last = text.lines().last().unwrap();
    assert!(
        last.starts_with(r#"{"v":1,"session":"y","rating":{"#),
        "{last}"
    );
    assert!(
        last.contains(r#""note":"the bridge","by":"rate""#),
        "{last}"
    );

    let Output {
        stdout: out,
        stderr: err,
        ..
    } = home.test().args(["-v", "history", "--json"]).run();
    assert!(
        err.contains("history.jsonl:5: skipped a line cut short"),
        "{err}"
    );
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["sessions"][1]["rating"], "hard");
    assert_eq!(report["sessions"][1]["note"], "the bridge");
    assert_eq!(report["sessions"][0]["rating"], serde_json::Value::Null);
    // The list reads the log in brief, and says so too.
    let Output {
        stdout: out,
        stderr: err,
        ..
    } = home.test().args(["-v", "history"]).run();
    assert!(
        err.contains("history.jsonl:5: skipped a line cut short"),
        "{err}"
    );
    assert!(out.starts_with("Last 2 of 2 sessions:\n"), "{out}");
    assert!(
        out.lines().nth(1).unwrap().ends_with("hard: the bridge"),
        "{out}"
    );
    // Without -v the skip is not mentioned.
    home.test().arg("history").any_status().stderr("").run();

    let pain = home.ok(&["rate", "pain"]);
    assert!(
        pain.contains("Next time, its exercises that can ease off will."),
        "{pain}"
    );
}

#[test]
fn the_list_shows_what_the_json_shows_however_the_log_was_kept() {
    // Two files (one moved aside), lines repeated and out of order, a session whose begin is
    // gone, a name and a note with quotes, escapes and accents, and an end that is not the
    // last word: the list (read in brief) and --json (read whole) say the same.
    let home = home();
    let today = jiff::Zoned::now().date();
    let day = |back: i64| today.checked_sub(jiff::Span::new().days(back)).unwrap();
    let mut old = session("a", day(9), 10.0, Some(Ended::Finished));
    old.extend(session("b", day(8), 10.0, Some(Ended::Stopped)));
    if let Some(b) = &mut old[0].begin {
        b.routine.name = "Tiny \"gentle\" \\ ü".into();
    }
    let mut new = session("c", day(2), 12.0, Some(Ended::Finished));
    new.push(old[1].clone());
    new.push(Line::rating(
        "c",
        Rated {
            at: format!("{}T09:00:00.000+00:00", day(2)),
            rating: Rating::Hard,
            note: Some("knee \"clicked\", then fine".into()),
            by: Some("rate".into()),
        },
    ));
    new.push(rated("c", Rating::Easy, "key"));
    new.extend(session("d", day(1), 3.0, Some(Ended::Finished)).split_off(1));
    new.reverse();
    let text = |lines: &[Line]| -> String {
        lines
            .iter()
            .map(|l| serde_json::to_string(l).unwrap() + "\n")
            .collect()
    };
    std::fs::create_dir_all(home.log().parent().unwrap()).unwrap();
    std::fs::write(home.log().with_file_name("history-2025.jsonl"), text(&old)).unwrap();
    std::fs::write(home.log(), text(&new)).unwrap();

    let report = home.test().args(["history", "--json"]).run().json();
    let sessions = report["sessions"].as_array().unwrap();
    let ids: Vec<&str> = sessions
        .iter()
        .map(|s| s["session"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["a", "b", "c", "d"]);
    assert_eq!(sessions[0]["routine"]["name"], "Tiny \"gentle\" \\ ü");
    assert_eq!(sessions[2]["rating"], "hard", "the later rating holds");
    assert_eq!(sessions[3]["routine"], serde_json::Value::Null);

    let list = home.ok(&["history"]);
    assert!(list.starts_with("Last 4 of 4 sessions:\n"), "{list}");
    // Each row with its columns' padding taken out.
    let rows: Vec<String> = (list.lines().skip(1).take(4))
        .map(|r| r.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert!(
        rows[0].ends_with(" (begin not recorded) 03:00 2/? steps -"),
        "{list}"
    );
    assert!(
        rows[1].ends_with(" Tiny 12:00 2/3 steps hard: knee \"clicked\", then fine"),
        "{list}"
    );
    assert!(
        rows[2].ends_with(" Tiny 10:00 2/3 steps, stopped -"),
        "{list}"
    );
    assert!(
        rows[3].ends_with(" Tiny \"gentle\" \\ ü 10:00 2/3 steps -"),
        "{list}"
    );
    for (row, s) in rows.iter().rev().zip(sessions) {
        let minutes = s["seconds"].as_f64().unwrap() / 60.0;
        assert!(row.contains(&format!(" {minutes:02}:00 ")), "{row} {s}");
    }
    let n = report["week"]["sessions"].as_u64().unwrap();
    let minutes = report["week"]["minutes"].as_f64().unwrap().round();
    assert!(
        list.contains(&format!("This week: {n} session"))
            && list.contains(&format!(", {minutes} min (goal 3 a week")),
        "{list}"
    );
    // By name, in any (ASCII) case.
    let one = home.ok(&[
        "history",
        "--routine",
        "TINY \"GENTLE\" \\ ü",
        "--last",
        "0",
    ]);
    assert!(
        one.starts_with("1 session of TINY \"GENTLE\" \\ ü.\n"),
        "{one}"
    );
}

#[test]
fn a_log_from_a_newer_limber_is_refused_and_left_as_it_is() {
    let home = home();
    let today = jiff::Zoned::now().date();
    write_log(&home, &session("x", today, 10.0, Some(Ended::Finished)));
    append_to_log(
        &home,
        b"{\"v\":2,\"session\":\"z\",\"mood\":{\"calm\":true}}\n",
    );
    let before = std::fs::read(home.log()).unwrap();
    let err = home.test().arg("history").status(1).run().stderr;
    let log = home.log();
    assert_eq!(
        err,
        format!(
            "{}:3: written by a newer limber (history format 2; this limber reads format 1): update limber to read it. limber changed nothing in the file\n",
            log.display()
        )
    );
    let err = home.test().args(["rate", "easy"]).status(1).run().stderr;
    assert!(err.contains(":3: written by a newer limber"), "{err}");
    // plan still works, at level 1, and says why.
    let Output {
        stdout: out,
        stderr: err,
        ..
    } = home.test().args(["plan", "tiny"]).run();
    assert!(out.contains("Bridge: level 1 of 3"), "{out}");
    assert!(
        err.contains("every exercise is at level 1 for now"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(home.log()).unwrap(),
        before,
        "nothing was changed"
    );

    // A bad hand edit names its line too.
    std::fs::write(
        home.log(),
        "{\"v\":1,\"session\":\"x\",\"rating\":{\"at\":\"x\",\"rating\":\"meh\"}}\n",
    )
    .unwrap();
    let err = home.test().arg("history").status(1).run().stderr;
    assert!(
        err.contains("history.jsonl:1: not a limber history record (at column ")
            && err.contains(": unknown variant `meh`"),
        "{err}"
    );
    assert!(!err.contains("at line 1"), "the line is the file's: {err}");
}

// --- Real sessions into a private sound server ------------------------------------------

/// A home with TINY and a sink of its own on the test binary's sound server.
fn with_sound() -> Option<Home> {
    Home::with_sound().map(with_tiny)
}

/// Starts TINY's step `only` with the configuration `config`, which asks how it went, and waits
/// until the session has ended (its status says it is over) and its question is open.
fn asking(home: &Home, config: &str, only: &str) -> Child {
    let child = home
        .test()
        .args([
            "--config", config, "run", "tiny", "--voice", "none", "--only", only,
        ])
        .spawn();
    common::wait_for("the session's control socket", || home.socket().exists());
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let out = home
            .test()
            .args(["ctl", "status", "--json"])
            .any_status()
            .run();
        if out.status == Some(0) && out.stdout.contains("\"over\": true") {
            break;
        }
        assert!(Instant::now() < deadline, "the session never ended");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(300));
    child
}

fn wait_output(child: Child, within: Duration) -> std::process::Output {
    let deadline = Instant::now() + within;
    let waiter = std::thread::spawn(move || child.wait_with_output().unwrap());
    while !waiter.is_finished() {
        assert!(Instant::now() < deadline, "the session did not end");
        std::thread::sleep(Duration::from_millis(50));
    }
    waiter.join().unwrap()
}

/// Plays TINY's first step to its end, within a minute.
fn plays_its_first_step(home: &Home) {
    let child = home
        .test()
        .args(["run", "tiny", "--voice", "none", "--only", "1"])
        .spawn();
    let out = wait_output(child, Duration::from_secs(60));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every line of the log is a whole record or skipped as torn, and `limber history` reads it.
fn assert_readable(home: &Home) -> serde_json::Value {
    let out = home.test().args(["history", "--json"]).any_status().run();
    assert_eq!(
        out.status,
        Some(0),
        "{}\n{}",
        out.stderr,
        std::fs::read_to_string(home.log()).unwrap_or_default()
    );
    out.json()
}

fn lines(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn real_sessions_record_finished_stopped_and_killed_and_take_answers() {
    let Some(home) = with_sound() else { return };
    let home = &home;

    // Finished, answered by `limber ctl rate` while the question is open.
    std::fs::write(
        home.path().join("config/ask.json"),
        r#"{"history": {"ask": "always", "answer_time": 60}}"#,
    )
    .unwrap();
    let config = home.path().join("config/ask.json");
    let config = config.to_str().unwrap();
    // The question opens once the session has ended: the status says it is over.
    let child = asking(home, config, "2");
    home.ok(&["ctl", "rate", "fine"]);
    let out = wait_output(child, Duration::from_secs(30));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("First session this week, 2 more to meet the week's goal. Rated fine."),
        "{stdout}"
    );
    let log = lines(&home.log());
    assert_eq!(log.len(), 3, "{log:?}");
    assert_eq!(log[0]["begin"]["routine"]["id"], "tiny");
    assert_eq!(log[0]["begin"]["part"], "--only 2");
    assert_eq!(log[0]["begin"]["exercises"][0]["level"], 1);
    assert_eq!(log[1]["end"]["ended"], "finished");
    assert_eq!(log[1]["end"]["exercises"][0]["reps"], 3);
    assert_eq!(log[2]["rating"]["rating"], "fine");
    assert_eq!(log[2]["rating"]["by"], "ctl");
    // After the question, `ctl rate` has nobody to answer.

    // The bedside button: three presses (SIGUSR1) while the question is open are "hard".
    let child = asking(home, config, "3");
    for _ in 0..3 {
        assert!(
            Command::new("kill")
                .args(["-USR1", &child.id().to_string()])
                .status()
                .unwrap()
                .success()
        );
        std::thread::sleep(Duration::from_millis(400));
    }
    let out = wait_output(child, Duration::from_secs(30));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Rated hard."),
        "{out:?}"
    );
    let log = lines(&home.log());
    assert_eq!(log.last().unwrap()["rating"]["by"], "button");

    // Stopped with `limber ctl stop`: an end record that says so, and no question.
    let child = home.test().args(["run", "tiny", "--voice", "none"]).spawn();
    common::wait_for("the session's control socket", || home.socket().exists());
    std::thread::sleep(Duration::from_millis(1500));
    home.ok(&["ctl", "rate", "pain"]);
    home.ok(&["ctl", "stop"]);
    let out = wait_output(child, Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(130));
    let log = lines(&home.log());
    let n = log.len();
    assert_eq!(log[n - 2]["end"]["ended"], "stopped");
    assert_eq!(
        log[n - 1]["rating"]["rating"],
        "pain",
        "an answer given during the session"
    );

    // Killed outright: the begin record stays, and the next session writes on its own line.
    let before = lines(&home.log()).len();
    let mut child = home.test().args(["run", "tiny", "--voice", "none"]).spawn();
    common::wait_for("the begin record", || lines(&home.log()).len() > before);
    std::thread::sleep(Duration::from_millis(500));
    child.kill().unwrap();
    child.wait().unwrap();
    let report = assert_readable(home);
    let sessions = report["sessions"].as_array().unwrap();
    let last = sessions.last().unwrap();
    assert_eq!(last["ended"], "unfinished");
    assert_eq!(last["routine"]["id"], "tiny");
    // The killed session left its socket behind; the next session cleans it up.
    plays_its_first_step(home);
    let report = assert_readable(home);
    let ended: Vec<&str> = report["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["ended"].as_str().unwrap())
        .collect();
    assert_eq!(
        ended,
        [
            "completed",
            "completed",
            "stopped",
            "unfinished",
            "completed"
        ]
    );
    // The pain before the kill eases the next session: it said so first.
    let plan = home.test().args(["plan", "tiny", "--json"]).run().json();
    assert_eq!(plan["levels"][0]["level"], 1);
}

/// A number from the process's own entropy, for kill times: no crate needed.
fn random_below(n: u64) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(n);
    h.finish() % n
}

#[test]
fn two_hundred_kills_at_random_moments_never_leave_an_unreadable_log() {
    let Some(home) = with_sound() else { return };
    let home = &home;
    // 150 sessions killed while they start, speak or write their begin record, and 50 `limber
    // rate` killed while they read the log or append to it; a few are let finish.
    for i in 0..200 {
        let mut child = if i % 4 == 3 {
            home.test()
                .args(["rate", "easy"])
                .command()
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        } else {
            home.test()
                .args(["run", "tiny", "--voice", "none", "--only", "1"])
                .command()
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        };
        let at = if i % 4 == 3 {
            random_below(40)
        } else {
            random_below(700)
        };
        std::thread::sleep(Duration::from_millis(at));
        let _ = child.kill();
        child.wait().unwrap();
    }
    let report = assert_readable(home);
    let text = std::fs::read_to_string(home.log()).unwrap();
    // Every line is a whole record, or one cut short that the reader says it skipped.
    let notes = home
        .test()
        .args(["-v", "history"])
        .any_status()
        .run()
        .stderr;
    let torn = notes.matches("skipped a line cut short").count();
    let broken = text
        .lines()
        .filter(|l| serde_json::from_str::<serde_json::Value>(l).is_err())
        .count();
    assert_eq!(broken, torn, "{notes}");
    let sessions = report["sessions"].as_array().unwrap();
    assert!(
        !sessions.is_empty(),
        "some sessions got as far as their begin record"
    );
    // Whatever was killed, a session after it records as usual.
    plays_its_first_step(home);
    let after = assert_readable(home);
    assert_eq!(
        after["sessions"].as_array().unwrap().last().unwrap()["ended"],
        "completed"
    );
}

// --- The built-in routines' progressions ------------------------------------------------

#[test]
fn the_built_in_routines_grow_within_thirty_minutes() {
    use limber::history::progression::{Choice, apply};
    for (id, _) in limber::routine::library::BUILT_IN {
        let routine = limber::routine::library::built_in(id)
            .unwrap()
            .load()
            .unwrap();
        let (top, levels) = apply(&routine, id, None, Choice::Level(100));
        let minutes = plan(&top, &Settings::default()).total as f64 / 60_000.0;
        assert!(
            minutes <= 30.0,
            "{id} at its top levels lasts {minutes:.1} minutes"
        );
        for l in &levels {
            assert!(
                l.levels >= 2,
                "{id}: {} has a progression that cannot grow",
                l.exercise
            );
        }
    }
}

#[test]
fn at_a_terminal_the_keys_answer_the_question() {
    if common::missing(&["python3"], "the terminal tests") {
        return;
    }
    let home = home();
    // No sound server: at a terminal the session carries on with captions, and asks at the end.
    let mut cmd = Command::new("python3");
    cmd.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pty_drive.py"))
        .arg(r#"[["sleep", 25], ["expect", "How did that feel?"], ["sleep", 0.5], ["send", "3"], ["expect", "Noted: hard."]]"#)
        .args([env!("CARGO_BIN_EXE_limber"), "run", "tiny", "--voice", "none", "--only", "2"]);
    home.env(&mut cmd);
    cmd.env("TERM", "xterm");
    let out = cmd.output().unwrap();
    let screen = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{screen}");
    assert!(screen.contains("Rated hard."), "{screen}");
    let log = lines(&home.log());
    assert_eq!(log.last().unwrap()["rating"]["rating"], "hard");
    assert_eq!(log.last().unwrap()["rating"]["by"], "key");
}

#[test]
fn ratings_written_at_once_never_tear_each_other() {
    let home = home();
    let today = jiff::Zoned::now().date();
    write_log(&home, &session("x", today, 10.0, Some(Ended::Finished)));
    // Thirty `limber rate` at the same moment, as beside a session: each line whole.
    let children: Vec<_> = (0..30)
        .map(|i| {
            home.test()
                .args([
                    "rate",
                    ["easy", "fine", "hard"][i % 3],
                    "--note",
                    &"n".repeat(200 + i),
                ])
                .command()
                .stdout(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let log = lines(&home.log());
    assert_eq!(log.len(), 32);
    assert!(
        log[2..]
            .iter()
            .all(|l| l["rating"]["note"].as_str().unwrap().len() >= 200)
    );
    assert_readable(&home);
}
