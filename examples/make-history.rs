//! Writes a session log of N sessions (default 10,000), for measuring `limber history`.
//!
//!     cargo run --release --example make-history -- 10000 /tmp/history.jsonl
//!     LIMBER_HISTORY=/tmp/history.jsonl limber history
//!
//! Each session is a begin, an end and (for most) a rating, of one of three routines with eight
//! exercises each, about three a week going back as far as it takes, as the real log would have
//! them. The lines are written at once rather than appended one by one: the file is the same.

use limber::history::record::{Begin, Done, End, Ended, Line, Planned, Rated, Rating, RoutineId};

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .map_or(10_000, |a| a.parse().expect("a number of sessions"));
    let path = args.next().unwrap_or_else(|| "history.jsonl".into());
    let routines = ["lower-back-basics", "core-strength", "in-bed"];
    let exercises = [
        "Knee-to-chest stretch",
        "Bridge",
        "Hamstring stretch",
        "Cat-cow",
        "Bird dog",
        "Bottom-to-heels stretch",
        "Child's pose",
        "Seated rotation",
    ];
    let today = jiff::Zoned::now().date();
    let mut text = String::new();
    for i in 0..n {
        // About three sessions a week: every other day, and a few more.
        let back = (n - i) as i64 * 7 / 3;
        let day = today.checked_sub(jiff::Span::new().days(back)).unwrap();
        let id = format!("{i}-1");
        let routine = routines[i % routines.len()];
        let planned: Vec<Planned> = exercises
            .iter()
            .enumerate()
            .map(|(k, name)| Planned {
                step: 2 * k + 2,
                name: name.to_string(),
                reps: 8,
                sets: 1,
                sides: 1 + (k % 2) as u32,
                hold_s: Some(5.0 + (i / 50 % 6) as f64),
                level: Some(1 + (i / 50 % 6) as u32),
            })
            .collect();
        let begin = Begin {
            at: format!("{day}T07:30:00.000+01:00"),
            tz: Some("Europe/Berlin".into()),
            routine: RoutineId {
                id: routine.into(),
                name: routine.replace('-', " "),
                hash: format!("{:016x}", i % 3),
            },
            planned_s: 1380.0,
            voice: "espeak-ng".into(),
            part: None,
            level_override: None,
            steps: 18,
            exercises: planned.clone(),
        };
        let end = End {
            at: format!("{day}T07:53:00.000+01:00"),
            ended: if i % 10 == 0 {
                Ended::Stopped
            } else {
                Ended::Finished
            },
            elapsed_s: 1390.0,
            paused_s: 12.5,
            done: (1..=18).collect(),
            skipped: vec![],
            exercises: planned
                .iter()
                .map(|p| Done {
                    step: p.step,
                    name: p.name.clone(),
                    reps: p.reps * p.sides,
                    sides: if p.sides == 2 {
                        vec!["left".into(), "right".into()]
                    } else {
                        vec![]
                    },
                    hold_s: p.hold_s.unwrap() * f64::from(p.reps * p.sides),
                })
                .collect(),
        };
        for line in [Line::begin(&id, begin), Line::end(&id, end)] {
            text.push_str(&serde_json::to_string(&line).unwrap());
            text.push('\n');
        }
        if i % 4 != 3 {
            let rating = Rated {
                at: format!("{day}T07:54:00.000+01:00"),
                rating: Rating::ALL[i % 3],
                note: None,
                by: Some("key".into()),
            };
            text.push_str(&serde_json::to_string(&Line::rating(&id, rating)).unwrap());
            text.push('\n');
        }
    }
    std::fs::write(&path, &text)?;
    println!("wrote {n} sessions, {} bytes, to {path}", text.len());
    Ok(())
}
