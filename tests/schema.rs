//! The JSON Schema and the validator agree: generated valid routines pass both, and each mutation
//! that makes one of them invalid is refused by both.
//!
//! The schema is checked by Python's `jsonschema` (a real JSON Schema implementation, installed by
//! `scripts/setup --test`), one process for the whole test, a document per line.
//!
//! Where they differ, by design (the schema cannot say it, and editors only need a hint):
//! - rules that tie keys together: a step has exactly one kind, an exercise one of `hold`,
//!   `phases` or `duration`, `alternate` needs `sides`, placeholders must have a value where they
//!   are spoken;
//! - the length of a whole session (at most four hours), which needs the timeline;
//! - a number written as text (`"20"`) is refused by both, but only the validator says how to fix
//!   it.
//!
//! The generator below stays inside these rules, so on its documents the two must agree exactly.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Mutex;

use proptest::prelude::*;
use serde_json::{Value, json};

mod common;

/// Python with `jsonschema`, answering "ok" or "bad" for each document it is sent.
struct SchemaChecker {
    _child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

const CHECKER: &str = r#"
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
validator = jsonschema.validators.validator_for(schema)(schema)
for line in sys.stdin:
    print("ok" if validator.is_valid(json.loads(line)) else "bad", flush=True)
"#;

impl SchemaChecker {
    fn start() -> Option<SchemaChecker> {
        if common::missing(&["python3"], "the schema test") {
            return None;
        }
        let has_module = Command::new("python3")
            .args(["-c", "import jsonschema"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !has_module {
            common::skip("the schema test needs Python's jsonschema; run scripts/setup --test");
            return None;
        }
        let schema = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/routine.schema.json");
        let mut child = Command::new("python3")
            .args(["-c", CHECKER, schema])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 starts");
        let input = child.stdin.take().unwrap();
        let output = BufReader::new(child.stdout.take().unwrap());
        Some(SchemaChecker {
            _child: child,
            input,
            output,
        })
    }

    fn valid(&mut self, doc: &Value) -> bool {
        writeln!(self.input, "{doc}").unwrap();
        let mut answer = String::new();
        self.output.read_line(&mut answer).unwrap();
        match answer.trim() {
            "ok" => true,
            "bad" => false,
            other => panic!("the schema checker said {other:?}"),
        }
    }
}

impl Drop for SchemaChecker {
    fn drop(&mut self) {
        let _ = self._child.kill();
        let _ = self._child.wait();
    }
}

static CHECKER_PROCESS: Mutex<Option<Option<SchemaChecker>>> = Mutex::new(None);

/// What the schema says of `doc`, or `None` when it cannot be asked (and the test skips).
fn schema_accepts(doc: &Value) -> Option<bool> {
    let mut checker = CHECKER_PROCESS.lock().unwrap_or_else(|p| p.into_inner());
    checker
        .get_or_insert_with(SchemaChecker::start)
        .as_mut()
        .map(|c| c.valid(doc))
}

fn validator_accepts(doc: &Value) -> Result<(), String> {
    let source = limber::routine::source::Source::new("generated.json", doc.to_string());
    limber::routine::validate::load(&source)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

fn words() -> impl Strategy<Value = String> {
    "[A-Z][a-z]{1,10}( [a-z]{1,8}){0,4}\\."
}

fn seconds(min: u32, max: u32) -> impl Strategy<Value = Value> {
    (min..=max).prop_map(|s| json!(s))
}

fn step() -> impl Strategy<Value = Value> {
    prop_oneof![
        words().prop_map(|w| json!({ "say": w })),
        (seconds(1, 600), proptest::option::of(words())).prop_map(|(rest, say)| {
            let mut s = json!({ "rest": rest });
            if let Some(say) = say {
                s["say"] = json!(say);
            }
            s
        }),
        (
            "[A-Z][a-z]{2,12}( [a-z]{2,8}){0,2}",
            seconds(1, 60),
            1u32..=12,
            proptest::option::of(seconds(0, 30)),
            proptest::option::of(1u32..=3),
            any::<bool>(),
            proptest::option::of(0u32..=10),
            proptest::option::of(words()),
        )
            .prop_map(|(name, hold, reps, rest, sets, sides, countdown, cue)| {
                let mut s = json!({ "exercise": name, "hold": hold, "reps": reps });
                if let Some(rest) = rest {
                    s["rest"] = rest;
                }
                if let Some(sets) = sets {
                    s["sets"] = json!(sets);
                }
                if sides {
                    s["sides"] = json!(["left", "right"]);
                }
                if let Some(countdown) = countdown {
                    s["countdown"] = json!(countdown);
                }
                if let Some(cue) = cue {
                    s["cue"] = json!(cue);
                }
                s
            }),
        ("[A-Z][a-z]{2,12}", seconds(1, 600))
            .prop_map(|(name, duration)| { json!({ "exercise": name, "duration": duration }) }),
    ]
}

fn routine() -> impl Strategy<Value = Value> {
    (
        "[A-Z][a-z]{2,12}( [a-z]{2,8}){0,3}",
        proptest::option::of(words()),
        proptest::collection::vec(step(), 1..6),
    )
        .prop_map(|(name, description, steps)| {
            let mut r = json!({ "name": name, "steps": steps });
            if let Some(d) = description {
                r["description"] = json!(d);
            }
            r
        })
}

/// One change that makes a valid routine invalid, by a rule the schema can state.
#[derive(Debug, Clone)]
enum Mutation {
    UnknownKey,
    UnknownStepKey(usize),
    NoName,
    NoSteps,
    EmptySteps,
    EmptyName,
    LongName,
    NameNotText,
    HoldOutOfRange(usize, u32),
    HoldAsText(usize),
    RepsZero(usize),
    CountdownTooHigh(usize),
    NotAnObject,
    /// A control character put into one of the routine's texts (the `n`th, counted over every
    /// text in the document), at a position in it (see `insert`).
    ControlInText(usize, usize, char),
}

/// The characters `char::is_control` is true of, which the validator refuses in any text: C0
/// (NUL to US, tab and line break among them), DEL and C1.
/// Those written most often (a line break, a tab, NUL, ESC) come up more often than the rest.
fn control_character() -> impl Strategy<Value = char> {
    prop_oneof![
        prop::sample::select(vec!['\n', '\t', '\r', '\0', '\u{1b}']),
        prop_oneof![0u32..0x20, Just(0x7f), 0x80u32..0xa0].prop_map(|c| char::from_u32(c).unwrap()),
    ]
}

/// Where a character goes in a text: the start, the end (where a regex's `$` may be lenient:
/// Python's also matches before a final line break), or anywhere.
fn position() -> impl Strategy<Value = usize> {
    prop_oneof![Just(0), Just(usize::MAX), any::<usize>()]
}

/// Any character near the control characters' ranges, and a few other kinds of invisible or
/// spacing character that are not control characters (line and paragraph separators, a zero-width
/// no-break space, bidi marks); braces left out, since they start a placeholder.
fn any_character() -> impl Strategy<Value = char> {
    prop_oneof![
        0u32..0x250,
        prop::sample::select(vec![0x2028, 0x2029, 0xfeff, 0x200b, 0x200e, 0x202e, 0x3000]),
    ]
    .prop_map(|c| char::from_u32(c).unwrap())
    .prop_filter("not a brace", |c| !matches!(c, '{' | '}'))
}

/// Every text in a generated routine, as JSON pointers.
fn texts(doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for key in ["name", "description"] {
        if doc.get(key).is_some_and(Value::is_string) {
            out.push(format!("/{key}"));
        }
    }
    for (i, step) in doc["steps"].as_array().into_iter().flatten().enumerate() {
        for key in ["say", "exercise", "cue"] {
            if step.get(key).is_some_and(Value::is_string) {
                out.push(format!("/steps/{i}/{key}"));
            }
        }
    }
    out
}

/// Puts `c` into the text at `pointer`, before its `at`th character (modulo its length + 1), or
/// at its end for `usize::MAX`.
fn insert(doc: &mut Value, pointer: &str, at: usize, c: char) {
    let text = doc.pointer_mut(pointer).unwrap();
    let old = text.as_str().unwrap().to_string();
    let len = old.chars().count();
    let at = if at == usize::MAX {
        len
    } else {
        at % (len + 1)
    };
    let mut new: String = old.chars().take(at).collect();
    new.push(c);
    new.extend(old.chars().skip(at));
    *text = json!(new);
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        Just(Mutation::UnknownKey),
        (0usize..6).prop_map(Mutation::UnknownStepKey),
        Just(Mutation::NoName),
        Just(Mutation::NoSteps),
        Just(Mutation::EmptySteps),
        Just(Mutation::EmptyName),
        Just(Mutation::LongName),
        Just(Mutation::NameNotText),
        (0usize..6, prop_oneof![Just(0u32), 601u32..100_000])
            .prop_map(|(i, h)| Mutation::HoldOutOfRange(i, h)),
        (0usize..6).prop_map(Mutation::HoldAsText),
        (0usize..6).prop_map(Mutation::RepsZero),
        (0usize..6).prop_map(Mutation::CountdownTooHigh),
        Just(Mutation::NotAnObject),
        (any::<usize>(), position(), control_character())
            .prop_map(|(n, at, c)| Mutation::ControlInText(n, at, c)),
    ]
}

/// Applies `m` to `doc`; `false` when it does not apply (no such step, or not an exercise).
fn apply(doc: &mut Value, m: &Mutation) -> bool {
    let steps = doc["steps"].as_array().map_or(0, Vec::len);
    let held = |doc: &Value, i: usize| i < steps && doc["steps"][i].get("hold").is_some();
    match *m {
        Mutation::UnknownKey => doc["colour"] = json!("blue"),
        Mutation::UnknownStepKey(i) if i < steps => doc["steps"][i]["colour"] = json!("blue"),
        Mutation::NoName => {
            doc.as_object_mut().unwrap().remove("name");
        }
        Mutation::NoSteps => {
            doc.as_object_mut().unwrap().remove("steps");
        }
        Mutation::EmptySteps => doc["steps"] = json!([]),
        Mutation::EmptyName => doc["name"] = json!(""),
        Mutation::LongName => doc["name"] = json!("x".repeat(81)),
        Mutation::NameNotText => doc["name"] = json!(7),
        Mutation::HoldOutOfRange(i, h) if held(doc, i) => doc["steps"][i]["hold"] = json!(h),
        Mutation::HoldAsText(i) if held(doc, i) => doc["steps"][i]["hold"] = json!("ten"),
        Mutation::RepsZero(i) if held(doc, i) => doc["steps"][i]["reps"] = json!(0),
        Mutation::CountdownTooHigh(i) if held(doc, i) => doc["steps"][i]["countdown"] = json!(11),
        Mutation::NotAnObject => *doc = json!(["not", "a", "routine"]),
        Mutation::ControlInText(n, at, c) => {
            let texts = texts(doc);
            insert(doc, &texts[n % texts.len()], at, c);
        }
        _ => return false,
    }
    true
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn valid_routines_pass_the_schema_and_the_validator(doc in routine()) {
        let Some(schema) = schema_accepts(&doc) else { return Ok(()) };
        prop_assert!(schema, "the schema refuses {doc}");
        prop_assert!(validator_accepts(&doc).is_ok(), "the validator refuses {doc}: {:?}", validator_accepts(&doc));
    }

    #[test]
    fn what_one_refuses_the_other_refuses(doc in routine(), m in mutation()) {
        let mut doc = doc;
        prop_assume!(apply(&mut doc, &m));
        let Some(schema) = schema_accepts(&doc) else { return Ok(()) };
        let validator = validator_accepts(&doc);
        prop_assert!(!schema, "the schema accepts {doc} after {m:?}");
        prop_assert!(validator.is_err(), "the validator accepts {doc} after {m:?}");
    }

    #[test]
    fn a_character_in_text_is_refused_by_both_or_by_neither(
        doc in routine(),
        n in any::<usize>(),
        at in position(),
        c in prop_oneof![any_character(), control_character()],
    ) {
        let mut doc = doc;
        let texts = texts(&doc);
        insert(&mut doc, &texts[n % texts.len()], at, c);
        let Some(schema) = schema_accepts(&doc) else { return Ok(()) };
        let validator = validator_accepts(&doc);
        let refused = c.is_control();
        prop_assert_eq!(!schema, refused, "the schema on {:?} in {}", c, doc);
        prop_assert_eq!(validator.is_err(), refused, "the validator on {:?} in {}: {:?}", c, doc, validator);
    }
}
