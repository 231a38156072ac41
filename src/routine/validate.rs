//! From parsed JSON to a [`Routine`], or every reason it is not one.
//!
//! Validation never stops at the first problem: a person fixing a routine wants the whole list,
//! each with the file, line, column, the JSON path of the value (`steps[3].hold`) and how to fix
//! it. Keys, types and limits come from [`crate::routine::format`]; the rules that tie keys together
//! (a step has one kind, `alternate` needs `sides`...) are written out here.

use jsonc_parser::ast::{Object, ObjectPropName, Value};

use crate::error::Location;
use crate::error::{Diagnostic, Error};
use crate::routine::format::{self, Field, Kind, Shape};
use crate::routine::source::Source;
use crate::routine::suggest;
use crate::routine::template::{Template, Var};
use crate::routine::{Breathe, Exercise, Grow, Ms, Phase, Progress, Routine, Side, Step, Work};

/// Parses and validates a routine's text.
pub fn load(source: &Source) -> Result<Routine, Error> {
    let value = source.parse()?;
    let mut checker = Checker {
        source,
        diagnostics: Vec::new(),
    };
    let routine = checker.routine(&value);
    checker
        .diagnostics
        .sort_by_key(|d| d.at.map(|a| (a.line, a.column)));
    match routine {
        Some(routine) if checker.diagnostics.is_empty() => Ok(routine),
        _ => Err(Error::Invalid {
            origin: source.origin.clone(),
            diagnostics: checker.diagnostics,
        }),
    }
}

/// Where a top-level key of a routine is written, for errors found after validation.
pub fn key_location(source: &Source, key: &str) -> Option<Location> {
    let value = source.parse().ok()?;
    let Value::Object(node) = value else {
        return None;
    };
    let prop = node.properties.iter().find(|p| prop_name(&p.name) == key)?;
    Some(source.locate(start(&prop.value)))
}

/// Where a top-level key of a routine is written: the key itself, not its value.
pub fn key_start(source: &Source, key: &str) -> Option<Location> {
    let value = source.parse().ok()?;
    let Value::Object(node) = value else {
        return None;
    };
    let prop = node.properties.iter().find(|p| prop_name(&p.name) == key)?;
    Some(source.locate(prop.range.start))
}

/// Where item `index` of a top-level list of a routine is written (`steps[3]`).
pub fn item_start(source: &Source, key: &str, index: usize) -> Option<Location> {
    let value = source.parse().ok()?;
    let Value::Object(node) = value else {
        return None;
    };
    let prop = node.properties.iter().find(|p| prop_name(&p.name) == key)?;
    let Value::Array(items) = &prop.value else {
        return None;
    };
    Some(source.locate(start(items.elements.get(index)?)))
}

pub(crate) struct Checker<'s> {
    pub(crate) source: &'s Source,
    pub(crate) diagnostics: Vec<Diagnostic>,
}

/// An object being read, with the keys already checked against its shape.
pub(crate) struct Obj<'v, 'a> {
    pub(crate) path: String,
    pub(crate) shape: &'static Shape,
    pub(crate) node: &'v Object<'a>,
    /// Fields that an unknown key was probably meant to be: not reported again as missing.
    misspelt: Vec<&'static str>,
}

impl<'v, 'a> Obj<'v, 'a> {
    pub(crate) fn get(&self, key: &str) -> Option<&'v Value<'a>> {
        self.node
            .properties
            .iter()
            .find(|p| prop_name(&p.name) == key)
            .map(|p| &p.value)
    }

    pub(crate) fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub(crate) fn key_start(&self, key: &str) -> usize {
        self.node
            .properties
            .iter()
            .find(|p| prop_name(&p.name) == key)
            .map_or(self.node.range.start, |p| p.range.start)
    }

    pub(crate) fn path(&self, key: &str) -> String {
        join(&self.path, key)
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

pub(crate) fn prop_name<'x>(name: &'x ObjectPropName<'_>) -> &'x str {
    match name {
        ObjectPropName::String(s) => &s.value,
        ObjectPropName::Word(w) => w.value,
    }
}

pub(crate) fn start(value: &Value) -> usize {
    match value {
        Value::StringLit(v) => v.range.start,
        Value::NumberLit(v) => v.range.start,
        Value::BooleanLit(v) => v.range.start,
        Value::Object(v) => v.range.start,
        Value::Array(v) => v.range.start,
        Value::NullKeyword(v) => v.range.start,
    }
}

/// How a JSON value is described to a person.
pub(crate) fn describe(value: &Value) -> String {
    match value {
        Value::StringLit(s) => format!("the text \"{}\"", shorten(&s.value)),
        Value::NumberLit(n) => format!("the number {}", n.value),
        Value::BooleanLit(b) => format!("{}", b.value),
        Value::Object(_) => "an object".into(),
        Value::Array(_) => "a list".into(),
        Value::NullKeyword(_) => "null".into(),
    }
}

/// Where the `n`th character of a string's value is written in the string's source `raw` (which
/// starts with its quote): each escape (`\n`, `\u001b`, a surrogate pair) is the one character
/// it stands for.
fn char_offset(raw: &str, n: usize) -> usize {
    let b = raw.as_bytes();
    let hex = |i: usize| {
        raw.get(i..i + 4)
            .and_then(|h| u16::from_str_radix(h, 16).ok())
    };
    let mut i = 1;
    for _ in 0..n {
        if i >= b.len() {
            break;
        }
        i += match (b[i], b.get(i + 1)) {
            (b'\\', Some(b'u')) => match hex(i + 2) {
                Some(hi) if (0xD800..0xDC00).contains(&hi) && raw[i + 6..].starts_with("\\u") => 12,
                _ => 6,
            },
            (b'\\', _) => 2,
            _ => raw[i..].chars().next().map_or(1, char::len_utf8),
        };
    }
    i.min(b.len().saturating_sub(1))
}

fn shorten(s: &str) -> String {
    if s.chars().count() > 40 {
        format!("{}...", s.chars().take(37).collect::<String>())
    } else {
        s.to_string()
    }
}

/// A limit as a person says it: "10 minutes", "1 minute", "60 seconds".
fn length_word(s: f64) -> String {
    if s >= 60.0 && s % 60.0 == 0.0 {
        let m = s / 60.0;
        if m == 1.0 {
            "1 minute".into()
        } else {
            format!("{m} minutes")
        }
    } else {
        seconds_word(s)
    }
}

fn seconds_word(s: f64) -> String {
    let n = crate::routine::template::format_seconds(s);
    if n == "1" {
        "1 second".into()
    } else {
        format!("{n} seconds")
    }
}

impl<'s> Checker<'s> {
    pub(crate) fn error(
        &mut self,
        path: &str,
        offset: usize,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        let help = help.into();
        self.diagnostics.push(Diagnostic {
            path: path.to_string(),
            at: Some(self.source.locate(offset)),
            message: message.into(),
            help: (!help.is_empty()).then_some(help),
        });
    }

    fn routine(&mut self, value: &Value) -> Option<Routine> {
        let Value::Object(node) = value else {
            let what = match value {
                Value::Array(_) => "a JSON list",
                Value::StringLit(_) => "a JSON text",
                Value::NumberLit(_) => "a JSON number",
                _ => "not a JSON object",
            };
            self.error(
                "",
                start(value),
                format!("this file is {what}, not a routine"),
                "a routine is an object: {\"name\": \"My stretches\", \"steps\": [{\"say\": \"Hello.\"}]}",
            );
            return None;
        };
        let obj = self.open(node, String::new(), &format::ROUTINE, &[]);
        self.text(&obj, "$schema");
        let name = self.text(&obj, "name");
        let description = self.text(&obj, "description");
        let defaults = self.defaults(&obj);
        let mut steps = Vec::new();
        if let Some(list) = self.list(&obj, "steps") {
            if list.is_empty() {
                self.error(
                    "steps",
                    obj.key_start("steps"),
                    "the routine has no steps",
                    "add at least one step, such as {\"say\": \"Lie on your back.\"}",
                );
            }
            for (i, step) in list.iter().enumerate() {
                if let Some(step) = self.step(step, format!("steps[{i}]"), &defaults) {
                    steps.push(step);
                }
            }
        }
        let routine = Routine {
            name: name?,
            description,
            steps,
        };
        Some(routine)
    }

    /// Checks an object's keys against its shape: unknown keys (with a suggestion), duplicates and
    /// missing required keys. `ignore` lists keys already reported by the caller.
    pub(crate) fn open<'v, 'a>(
        &mut self,
        node: &'v Object<'a>,
        path: String,
        shape: &'static Shape,
        ignore: &[&str],
    ) -> Obj<'v, 'a> {
        self.open_with(node, path, shape, ignore, true)
    }

    pub(crate) fn open_with<'v, 'a>(
        &mut self,
        node: &'v Object<'a>,
        path: String,
        shape: &'static Shape,
        ignore: &[&str],
        check_required: bool,
    ) -> Obj<'v, 'a> {
        // By key, so an object of many keys is checked in linear time.
        let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        let mut misspelt = Vec::new();
        let mut unknown = 0;
        for prop in &node.properties {
            let key = prop_name(&prop.name);
            let at = prop.range.start;
            if let Some(first) = seen.get(key) {
                let first = self.source.locate(*first);
                self.error(
                    &join(&path, key),
                    at,
                    format!(
                        "\"{key}\" is given twice (also at {}:{})",
                        first.line, first.column
                    ),
                    "keep one of them",
                );
                continue;
            }
            seen.insert(key, at);
            if shape.field(key).is_none() && !ignore.contains(&key) {
                // A suggestion for each of the first few; past them the keys are listed, so an
                // object of thousands of stray keys costs no more per key than a short one.
                unknown += 1;
                let meant = (unknown <= SUGGESTIONS)
                    .then(|| suggest::nearest(key, shape.fields.iter().map(|f| f.name)))
                    .flatten();
                let help = unknown_key_help(key, shape, meant);
                if let Some(meant) = meant {
                    misspelt.push(meant);
                }
                self.error(
                    &join(&path, key),
                    at,
                    format!("unknown key \"{key}\" in {}", a_or_an(shape.name)),
                    help,
                );
            }
        }
        for required in shape.required.iter().filter(|_| check_required) {
            let present = seen.contains_key(required);
            if !present && !misspelt.contains(required) {
                let field = shape.field(required).expect("required keys are fields");
                self.error(
                    &path,
                    node.range.start,
                    format!("{} is missing \"{required}\"", a_or_an(shape.name)),
                    format!(
                        "add \"{required}\": {}",
                        field.doc.trim_end_matches('.').to_lowercase()
                    ),
                );
            }
        }
        Obj {
            path,
            shape,
            node,
            misspelt,
        }
    }

    pub(crate) fn field(&self, obj: &Obj, key: &str) -> &'static Field {
        obj.shape
            .field(key)
            .unwrap_or_else(|| panic!("{key} is not a field of {}", obj.shape.name))
    }

    pub(crate) fn wrong_type(
        &mut self,
        obj: &Obj,
        key: &str,
        value: &Value,
        expected: &str,
        example: &str,
    ) {
        let mut help = format!("for example \"{key}\": {example}");
        if let Value::StringLit(s) = value
            && let Some(n) = number_in_text(&s.value)
        {
            help = if s.value.contains(':') {
                format!(
                    "times are in seconds, without quotes: {} is \"{key}\": {n}",
                    s.value.trim()
                )
            } else {
                format!("write the number without quotes: \"{key}\": {n}")
            };
        }
        self.error(
            &obj.path(key),
            start(value),
            format!("expected {expected}, found {}", describe(value)),
            help,
        );
    }

    pub(crate) fn text(&mut self, obj: &Obj, key: &str) -> Option<String> {
        let value = obj.get(key)?;
        let Kind::Text { max_chars } = self.field(obj, key).kind else {
            unreachable!("{key} is not plain text")
        };
        let Value::StringLit(s) = value else {
            self.wrong_type(obj, key, value, "text in double quotes", "\"Knee rolls\"");
            return None;
        };
        self.check_text(obj, key, value, &s.value, max_chars)
            .then(|| s.value.trim().to_string())
    }

    pub(crate) fn check_text(
        &mut self,
        obj: &Obj,
        key: &str,
        value: &Value,
        text: &str,
        max: usize,
    ) -> bool {
        if !self.plain(&obj.path(key), value, text) {
            return false;
        }
        if text.trim().is_empty() {
            self.error(
                &obj.path(key),
                start(value),
                "is empty",
                format!("write the words for \"{key}\", or remove the key"),
            );
            return false;
        }
        let len = text.chars().count();
        if len > max {
            self.error(
                &obj.path(key),
                start(value),
                format!("is {len} characters long; at most {max} are allowed"),
                "keep spoken text to a sentence or two; split a long text into several steps",
            );
            return false;
        }
        true
    }

    /// Refuses text with a control character (C0, DEL or C1: NUL, ESC, BEL, a tab or a line
    /// break...), pointing at the character itself. Text is spoken and shown as one line of words:
    /// a control character has no sound, would reach a terminal as a command (ESC sequences
    /// clear the screen or retitle the window), and NUL cannot be handed to a program at all.
    /// Tabs and line breaks are refused too rather than quietly read as spaces, so what the file
    /// says is exactly what is spoken.
    pub(crate) fn plain(&mut self, path: &str, value: &Value, text: &str) -> bool {
        let Some((index, c)) = text.chars().enumerate().find(|&(_, c)| c.is_control()) else {
            return true;
        };
        let at = match value {
            Value::StringLit(s) => {
                s.range.start + char_offset(&self.source.text[s.range.start..s.range.end], index)
            }
            other => start(other),
        };
        let (name, help) = match c {
            '\t' | '\n' | '\r' => (
                match c {
                    '\t' => "a tab",
                    '\n' => "a line break",
                    _ => "a carriage return",
                },
                "write a space instead: text is spoken and shown as one line".to_string(),
            ),
            _ => (
                match c {
                    '\0' => "NUL",
                    '\u{7}' => "BEL",
                    '\u{8}' => "a backspace",
                    '\u{1b}' => "ESC",
                    '\u{7f}' => "DEL",
                    _ => "a control character",
                },
                "remove it: text is spoken and shown as plain words, and a control character has no sound (on a terminal it would be a command)".to_string(),
            ),
        };
        self.error(
            path,
            at,
            format!("has {name} (\\u{:04x}) in it", c as u32),
            help,
        );
        false
    }

    /// Spoken text; `allowed` lists the placeholders that have a value where it is spoken, and
    /// `why_not` explains the others.
    pub(crate) fn template(
        &mut self,
        obj: &Obj,
        key: &str,
        allowed: &[Var],
        why_not: &dyn Fn(Var) -> String,
    ) -> Option<Template> {
        let value = obj.get(key)?;
        let Value::StringLit(s) = value else {
            self.wrong_type(
                obj,
                key,
                value,
                "text in double quotes",
                "\"Lie on your back.\"",
            );
            return None;
        };
        if !self.check_text(obj, key, value, &s.value, format::MAX_SPOKEN_CHARS) {
            return None;
        }
        // Point inside the string when it has no escapes, so the column is the placeholder's own.
        let raw = &self.source.text[s.range.start..s.range.end];
        let inner_offset = |o: usize| {
            if raw.len() == s.value.len() + 2 {
                s.range.start + 1 + o
            } else {
                s.range.start
            }
        };
        match Template::parse(s.value.trim()) {
            Err(e) => {
                let lead = s.value.len() - s.value.trim_start().len();
                self.error(
                    &obj.path(key),
                    inner_offset(e.offset + lead),
                    e.message,
                    e.help,
                );
                None
            }
            Ok(t) => {
                let mut ok = true;
                for var in t.vars() {
                    if !allowed.contains(&var) {
                        let at = s.value.find(&format!("{{{}}}", var.name())).unwrap_or(0);
                        self.error(
                            &obj.path(key),
                            inner_offset(at),
                            format!("{{{}}} has no value here", var.name()),
                            why_not(var),
                        );
                        ok = false;
                    }
                }
                ok.then_some(t)
            }
        }
    }

    /// A number, with its text as written (for messages). Numbers too large for JSON's doubles
    /// are refused here rather than silently read as infinity.
    pub(crate) fn number(
        &mut self,
        obj: &Obj,
        key: &str,
        example: &str,
        what: &str,
    ) -> Option<(f64, String, &'static Field)> {
        let value = obj.get(key)?;
        let Value::NumberLit(n) = value else {
            self.wrong_type(obj, key, value, what, example);
            return None;
        };
        let field = self.field(obj, key);
        match n.value.parse::<f64>() {
            Ok(v) if v.is_finite() && v.abs() < 1e15 => Some((v, n.value.to_string(), field)),
            _ => {
                self.error(
                    &obj.path(key),
                    start(value),
                    format!("{} is far too large", n.value),
                    field.doc,
                );
                None
            }
        }
    }

    pub(crate) fn seconds(&mut self, obj: &Obj, key: &str) -> Option<Ms> {
        let Kind::Seconds { min, max } = self.field(obj, key).kind else {
            unreachable!("{key} is not seconds")
        };
        let example = crate::routine::template::format_seconds(20f64.clamp(min.max(1.0), max));
        let (v, written, field) = self.number(obj, key, &example, "a number of seconds")?;
        let at = start(obj.get(key)?);
        // Times are kept to the millisecond, so limits are compared after rounding to it.
        let ms = (v * 1000.0).round();
        let (min_ms, max_ms) = (min * 1000.0, max * 1000.0);
        if v < 0.0 {
            self.error(
                &obj.path(key),
                at,
                format!("cannot be negative, found {written}"),
                field.doc,
            );
            return None;
        }
        if ms < min_ms {
            self.error(
                &obj.path(key),
                at,
                format!("must be at least {}, found {written}", seconds_word(min)),
                field.doc,
            );
            return None;
        }
        if ms > max_ms {
            self.error(
                &obj.path(key),
                at,
                format!(
                    "{written} seconds is too long: at most {} is allowed",
                    length_word(max)
                ),
                format!("{} Times are in seconds: 5 minutes is 300", field.doc),
            );
            return None;
        }
        Some(ms as Ms)
    }

    pub(crate) fn count(&mut self, obj: &Obj, key: &str) -> Option<u32> {
        let Kind::Count { min, max } = self.field(obj, key).kind else {
            unreachable!("{key} is not a count")
        };
        // A plausible value for the help line: 3 reps, or a speaking rate of 160.
        let example = if min > 10 {
            160.clamp(min, max)
        } else {
            3.clamp(min, max)
        };
        let (v, written, field) = self.number(obj, key, &example.to_string(), "a whole number")?;
        let at = start(obj.get(key)?);
        if v.fract() != 0.0 {
            self.error(
                &obj.path(key),
                at,
                format!("must be a whole number, found {written}"),
                field.doc,
            );
            return None;
        }
        if v < f64::from(min) {
            self.error(
                &obj.path(key),
                at,
                format!("must be at least {min}, found {written}"),
                field.doc,
            );
            return None;
        }
        if v > f64::from(max) {
            self.error(
                &obj.path(key),
                at,
                format!("{written} is too many: at most {max} is allowed"),
                field.doc,
            );
            return None;
        }
        Some(v as u32)
    }

    pub(crate) fn choice(&mut self, obj: &Obj, key: &str) -> Option<String> {
        let value = obj.get(key)?;
        let Kind::Choice(words) = self.field(obj, key).kind else {
            unreachable!("{key} is not a choice")
        };
        let list = words
            .iter()
            .map(|w| format!("\"{w}\""))
            .collect::<Vec<_>>()
            .join(", ");
        match value {
            Value::StringLit(s) if words.contains(&s.value.as_ref()) => Some(s.value.to_string()),
            other => {
                self.error(
                    &obj.path(key),
                    start(other),
                    format!("expected one of {list}, found {}", describe(other)),
                    self.field(obj, key).doc,
                );
                None
            }
        }
    }

    /// Text where empty means "the default": `None` for empty.
    pub(crate) fn optional_text(&mut self, obj: &Obj, key: &str) -> Option<String> {
        let value = obj.get(key)?;
        let Kind::OptionalText { max_chars } = self.field(obj, key).kind else {
            unreachable!("{key} is not optional text")
        };
        let Value::StringLit(s) = value else {
            self.wrong_type(obj, key, value, "text in double quotes", "\"\"");
            return None;
        };
        if s.value.trim().is_empty() {
            return None;
        }
        self.check_text(obj, key, value, &s.value, max_chars)
            .then(|| s.value.trim().to_string())
    }

    pub(crate) fn fraction(&mut self, obj: &Obj, key: &str) -> Option<f64> {
        let Kind::Number { min, max } = self.field(obj, key).kind else {
            unreachable!("{key} is not a bounded number")
        };
        let (v, written, field) = self.number(obj, key, "0.8", "a number")?;
        if v < min || v > max {
            let at = start(obj.get(key)?);
            self.error(
                &obj.path(key),
                at,
                format!("must be from {min} to {max}, found {written}"),
                field.doc,
            );
            return None;
        }
        Some(v)
    }

    pub(crate) fn flag(&mut self, obj: &Obj, key: &str) -> Option<bool> {
        let value = obj.get(key)?;
        match value {
            Value::BooleanLit(b) => Some(b.value),
            _ => {
                self.wrong_type(obj, key, value, "true or false", "true");
                None
            }
        }
    }

    pub(crate) fn list<'v, 'a>(&mut self, obj: &Obj<'v, 'a>, key: &str) -> Option<&'v [Value<'a>]> {
        let value = obj.get(key)?;
        let Kind::List(shape, max) = self.field(obj, key).kind else {
            unreachable!("{key} is not a list")
        };
        let Value::Array(items) = value else {
            self.wrong_type(
                obj,
                key,
                value,
                &format!("a list of {}s in [ ]", shape.name),
                "[ ... ]",
            );
            return None;
        };
        if items.elements.len() > max {
            self.error(
                &obj.path(key),
                start(value),
                format!(
                    "has {} items; at most {max} are allowed",
                    items.elements.len()
                ),
                "split it into several routines",
            );
            return None;
        }
        Some(&items.elements)
    }

    pub(crate) fn object<'v, 'a>(&mut self, obj: &Obj<'v, 'a>, key: &str) -> Option<Obj<'v, 'a>> {
        let value = obj.get(key)?;
        let Kind::Object(shape) = self.field(obj, key).kind else {
            unreachable!("{key} is not an object")
        };
        let Value::Object(node) = value else {
            self.wrong_type(obj, key, value, "an object in { }", "{ ... }");
            return None;
        };
        Some(self.open(node, obj.path(key), shape, &[]))
    }

    pub(crate) fn sides(&mut self, obj: &Obj, key: &str) -> Option<[Side; 2]> {
        let value = obj.get(key)?;
        let help = "write \"sides\": [\"left\", \"right\"] to start on the left, or [\"right\", \"left\"] to start on the right";
        let side = |v: &Value| match v {
            Value::StringLit(s) if s.value == "left" => Some(Side::Left),
            Value::StringLit(s) if s.value == "right" => Some(Side::Right),
            _ => None,
        };
        if let Value::Array(a) = value
            && let [a, b] = a.elements.as_slice()
            && let (Some(a), Some(b)) = (side(a), side(b))
            && a != b
        {
            return Some([a, b]);
        }
        let found = match value {
            Value::Array(a) => {
                let items: Vec<String> = a
                    .elements
                    .iter()
                    .map(|v| match v {
                        Value::StringLit(s) => format!("\"{}\"", s.value),
                        other => describe(other),
                    })
                    .collect();
                format!("[{}]", items.join(", "))
            }
            other => describe(other),
        };
        self.error(
            &obj.path(key),
            start(value),
            format!("sides must be \"left\" and \"right\", each once, found {found}"),
            help,
        );
        None
    }

    pub(crate) fn text_list(&mut self, obj: &Obj, key: &str) -> Option<Vec<String>> {
        let value = obj.get(key)?;
        let Kind::TextList { max_items } = self.field(obj, key).kind else {
            unreachable!("{key} is not a list of texts")
        };
        let Value::Array(items) = value else {
            self.wrong_type(
                obj,
                key,
                value,
                "a list of texts in [ ]",
                "[\"One\", \"Two\", \"Three\"]",
            );
            return None;
        };
        if items.elements.len() != max_items {
            self.error(
                &obj.path(key),
                start(value),
                format!("has {} words; give all {max_items}", items.elements.len()),
                "give every number from one to ten, so a countdown of any length is spoken in one language",
            );
            return None;
        }
        let mut out = Vec::new();
        for (i, item) in items.elements.iter().enumerate() {
            match item {
                Value::StringLit(s) if !s.value.trim().is_empty() => {
                    if !self.plain(&format!("{}[{i}]", obj.path(key)), item, &s.value) {
                        return None;
                    }
                    out.push(s.value.trim().to_string())
                }
                other => {
                    self.error(
                        &format!("{}[{i}]", obj.path(key)),
                        start(other),
                        format!(
                            "expected a word in double quotes, found {}",
                            describe(other)
                        ),
                        self.field(obj, key).doc,
                    );
                    return None;
                }
            }
        }
        Some(out)
    }

    /// A program's arguments: a list of texts, kept exactly as written.
    pub(crate) fn arguments(&mut self, obj: &Obj, key: &str) -> Option<Vec<String>> {
        let value = obj.get(key)?;
        let Kind::Arguments { max_items } = self.field(obj, key).kind else {
            unreachable!("{key} is not a list of arguments")
        };
        let Value::Array(items) = value else {
            self.wrong_type(
                obj,
                key,
                value,
                "a list of texts in [ ]",
                "[\"--output\", \"{output}\"]",
            );
            return None;
        };
        if items.elements.len() > max_items {
            self.error(
                &obj.path(key),
                start(value),
                format!(
                    "has {} arguments, more than {max_items}",
                    items.elements.len()
                ),
                self.field(obj, key).doc,
            );
            return None;
        }
        let mut out = Vec::new();
        for (i, item) in items.elements.iter().enumerate() {
            match item {
                Value::StringLit(s) => {
                    if !self.plain(&format!("{}[{i}]", obj.path(key)), item, &s.value) {
                        return None;
                    }
                    out.push(s.value.to_string())
                }
                other => {
                    self.error(
                        &format!("{}[{i}]", obj.path(key)),
                        start(other),
                        format!("expected text in double quotes, found {}", describe(other)),
                        "write every argument as text, numbers too: \"1.2\"",
                    );
                    return None;
                }
            }
        }
        Some(out)
    }

    fn defaults(&mut self, routine: &Obj) -> Defaults {
        let Some(obj) = self.object(routine, "defaults") else {
            return Defaults::default();
        };
        Defaults {
            rest: self.seconds(&obj, "rest"),
            set_rest: self.seconds(&obj, "set_rest"),
            countdown: self.count(&obj, "countdown"),
            halfway: self.flag(&obj, "halfway"),
            setup_time: self.seconds(&obj, "setup_time"),
        }
    }

    fn step(&mut self, value: &Value, path: String, defaults: &Defaults) -> Option<Step> {
        let Value::Object(node) = value else {
            self.error(
                &path,
                start(value),
                format!("expected a step in {{ }}, found {}", describe(value)),
                "a step is an object such as {\"say\": \"Relax.\"} or {\"rest\": 30}",
            );
            return None;
        };
        let has = |k: &str| node.properties.iter().any(|p| prop_name(&p.name) == k);
        let Some(&(kind, shape)) = format::STEP_KINDS.iter().find(|(k, _)| has(k)) else {
            // A misspelt kind ("exersise", "sya") is reported once, as the unknown key it is.
            let misspelt = node.properties.iter().find_map(|p| {
                let key = prop_name(&p.name);
                let known = format::OBJECT_SHAPES.iter().any(|s| s.field(key).is_some());
                let kind = suggest::nearest(key, format::STEP_KINDS.iter().map(|(k, _)| *k));
                let kind = kind.filter(|_| !known)?;
                format::STEP_KINDS.iter().find(|(k, _)| *k == kind)
            });
            if let Some((_, shape)) = misspelt {
                self.open(node, path, shape, &[]);
                return None;
            }
            let looks_like = [
                "hold", "reps", "cue", "setup", "phases", "duration", "sides",
            ]
            .iter()
            .any(|k| has(k));
            let help = if looks_like {
                "this looks like an exercise: add \"exercise\": \"Its name\""
            } else {
                "give it one of \"say\", \"rest\", \"breathe\" or \"exercise\""
            };
            self.error(
                &path,
                node.range.start,
                "this step has no kind: it needs one of \"say\", \"rest\", \"breathe\" or \"exercise\"",
                help,
            );
            // Still report unknown keys, against the shape it most likely meant.
            let guess = if looks_like {
                &format::EXERCISE_STEP
            } else {
                &format::SAY_STEP
            };
            self.open_with(node, path, guess, &[], false);
            return None;
        };
        // Another kind's key that is not also a field of this kind: two kinds in one step.
        let mut others = Vec::new();
        for &(other, _) in &format::STEP_KINDS {
            if other != kind && has(other) && shape.field(other).is_none() {
                let at = node
                    .properties
                    .iter()
                    .find(|p| prop_name(&p.name) == other)
                    .map_or(node.range.start, |p| p.range.start);
                self.error(
                    &join(&path, other),
                    at,
                    format!("a step has one kind, and this one is both \"{kind}\" and \"{other}\""),
                    two_kinds_help(kind, other),
                );
                others.push(other);
            }
        }
        let obj = self.open(node, path, shape, &others);
        let failed_before = self.diagnostics.len();
        let step = match kind {
            "say" => self
                .template(&obj, "say", &[], &|v| {
                    format!(
                        "a say step is spoken as written; {{{}}} belongs in an exercise's \"cue\"",
                        v.name()
                    )
                })
                .map(Step::Say),
            "rest" => {
                let rest = self.seconds(&obj, "rest");
                let say = self.template(&obj, "say", &[Var::Seconds], &|v| {
                    format!("in a rest step only {{seconds}} (the rest's length) has a value, not {{{}}}", v.name())
                });
                rest.map(|rest| Step::Rest { rest, say })
            }
            "breathe" => self.breathe(&obj).map(Step::Breathe),
            _ => self.exercise(&obj, defaults).map(Step::Exercise),
        };
        (self.diagnostics.len() == failed_before && others.is_empty()).then_some(step?)
    }

    fn breathe(&mut self, step: &Obj) -> Option<Breathe> {
        let say = self.template(step, "say", &[], &|v| {
            format!(
                "a breathe step's \"say\" is spoken as written; {{{}}} has no value there",
                v.name()
            )
        });
        let obj = self.object(step, "breathe")?;
        let name = self.text(&obj, "name");
        let cycles = self.count(&obj, "cycles");
        let inhale = self.seconds(&obj, "inhale");
        let hold = self.seconds(&obj, "hold");
        let exhale = self.seconds(&obj, "exhale");
        let hold_out = self.seconds(&obj, "hold_out");
        Some(Breathe {
            name,
            cycles: cycles?,
            inhale: inhale?,
            hold: hold.unwrap_or(0),
            exhale: exhale?,
            hold_out: hold_out.unwrap_or(0),
            say,
        })
    }

    fn exercise(&mut self, obj: &Obj, defaults: &Defaults) -> Option<Exercise> {
        let name = self.text(obj, "exercise");
        let sides = self.sides(obj, "sides");
        let alternate = self.flag(obj, "alternate");
        let reps = self.count(obj, "reps");
        let sets = self.count(obj, "sets");
        let hold = self.seconds(obj, "hold");
        let duration = self.seconds(obj, "duration");
        let rest = self.seconds(obj, "rest");
        let set_rest = self.seconds(obj, "set_rest");
        let countdown = self.count(obj, "countdown");
        let halfway = self.flag(obj, "halfway");
        let setup_time = self.seconds(obj, "setup_time");
        let phases = self.phases(obj, obj.has("sides"));

        // Exactly one kind of work.
        let kinds: Vec<&str> = obj
            .shape
            .one_of
            .iter()
            .copied()
            .filter(|k| obj.has(k))
            .collect();
        let misspelt_work = obj.shape.one_of.iter().any(|k| obj.misspelt.contains(k));
        match kinds.as_slice() {
            [] if misspelt_work => {}
            [] => self.error(
                &obj.path,
                obj.node.range.start,
                "an exercise needs \"hold\", \"phases\" or \"duration\"",
                "add \"hold\": 20 to hold each rep for 20 seconds, \"phases\" for a flow of positions, or \"duration\": 300 for one timed activity",
            ),
            [_] => {}
            [first, rest @ ..] => {
                for other in rest {
                    self.error(
                        &obj.path(other),
                        obj.key_start(other),
                        format!("\"{first}\" and \"{other}\" cannot be used together"),
                        "an exercise is held reps (\"hold\"), a flow of positions (\"phases\"), or one timed activity (\"duration\"): keep one",
                    );
                }
            }
        }
        if obj.has("duration") {
            for key in ["reps", "sets", "sides", "alternate", "rest", "set_rest"] {
                if obj.has(key) {
                    self.error(
                        &obj.path(key),
                        obj.key_start(key),
                        format!("\"{key}\" does not apply to a \"duration\" exercise, which is one timed activity"),
                        format!("remove \"{key}\", or use \"hold\" instead of \"duration\" for repeated holds"),
                    );
                }
            }
        }
        if alternate == Some(true) && !obj.has("sides") {
            self.error(
                &obj.path("alternate"),
                obj.key_start("alternate"),
                "\"alternate\" needs two sides to alternate between",
                "add \"sides\": [\"left\", \"right\"], or remove \"alternate\"",
            );
        }
        let sets_invalid = obj.has("sets") && sets.is_none();
        if obj.has("set_rest") && sets.unwrap_or(1) < 2 && !sets_invalid {
            self.error(
                &obj.path("set_rest"),
                obj.key_start("set_rest"),
                "\"set_rest\" is the rest between sets, but this exercise has one set",
                "add \"sets\": 2 (or more), or remove \"set_rest\"",
            );
        }

        let has_sides = obj.has("sides");
        let timed = obj.has("hold") || obj.has("duration");
        let setup_vars: &[Var] = if obj.has("duration") {
            &[Var::Seconds]
        } else if timed {
            &[Var::Reps, Var::Sets, Var::Seconds]
        } else {
            &[Var::Reps, Var::Sets]
        };
        let setup = self.template(
            obj,
            "setup",
            setup_vars,
            &|v| match v {
                Var::Seconds => "{seconds} is the hold's length; this exercise has no \"hold\" or \"duration\"".into(),
                Var::Reps | Var::Sets => format!("a \"duration\" exercise is one timed activity, with no {{{}}}", v.name()),
                _ => format!(
                    "the setup is spoken once, before the first rep; put {{{}}} in \"cue\", which is spoken every rep",
                    v.name()
                ),
            },
        );
        let mut allowed = vec![Var::Rep, Var::Reps, Var::Set, Var::Sets];
        if has_sides {
            allowed.push(Var::Side);
        }
        if timed {
            allowed.push(Var::Seconds);
        }
        let cue = self.template(obj, "cue", &allowed, &|v| match v {
            Var::Side => "{side} needs \"sides\": [\"left\", \"right\"] on this exercise".into(),
            _ => "{seconds} is the hold's length; in a flow, use it in a phase's \"say\"".into(),
        });

        let progress = if obj.has("progress") {
            Some(self.progress(obj, hold.or(duration), reps.unwrap_or(1))?)
        } else {
            None
        };
        let work = if let Some(h) = hold {
            Work::Hold(h)
        } else if let Some(d) = duration {
            Work::Duration(d)
        } else {
            Work::Phases(phases?)
        };
        Some(Exercise {
            name: name?,
            setup,
            cue,
            sides,
            alternate: alternate.unwrap_or(false),
            reps: reps.unwrap_or(1),
            sets: sets.unwrap_or(1),
            work,
            rest: rest.or(defaults.rest),
            set_rest: set_rest.or(defaults.set_rest),
            countdown: countdown.or(defaults.countdown),
            halfway: halfway.or(defaults.halfway),
            setup_time: setup_time.or(defaults.setup_time),
            progress,
        })
    }

    /// `"progress"`: how the exercise grows. `hold` is the exercise's hold or duration, `reps`
    /// its reps; each maximum must be at least the value it grows from.
    fn progress(&mut self, obj: &Obj, hold: Option<Ms>, reps: u32) -> Option<Progress> {
        let p = self.object(obj, "progress")?;
        let after = self.count(&p, "after");
        let mut ok = true;
        if !p.has("hold") && !p.has("reps") {
            self.error(
                &p.path,
                obj.key_start("progress"),
                "a progression needs \"hold\", \"reps\" or both",
                "for example \"progress\": {\"hold\": {\"step\": 5, \"max\": 30}, \"after\": 2}",
            );
            ok = false;
        }
        let mut grow_hold = None;
        if let Some(h) = self.object(&p, "hold") {
            let step = self.seconds(&h, "step");
            let max = self.seconds(&h, "max");
            if obj.has("phases") {
                self.error(
                    &p.path("hold"),
                    p.key_start("hold"),
                    "a flow has no hold to grow: each position keeps its own time",
                    "remove \"hold\" from \"progress\"; a flow can grow its rounds with \"reps\"",
                );
                ok = false;
            }
            if let (Some(max), Some(base)) = (max, hold)
                && max < base
            {
                self.error(
                    &h.path("max"),
                    h.key_start("max"),
                    format!(
                        "is {}, shorter than the exercise's own {}",
                        seconds_word(max as f64 / 1000.0),
                        seconds_word(base as f64 / 1000.0)
                    ),
                    format!(
                        "\"max\" is the longest the hold grows to: make it at least {}",
                        crate::routine::template::format_seconds(base as f64 / 1000.0)
                    ),
                );
                ok = false;
            }
            match (step, max) {
                (Some(step), Some(max)) => grow_hold = Some(Grow { step, max }),
                _ => ok = false,
            }
        }
        let mut grow_reps = None;
        if let Some(r) = self.object(&p, "reps") {
            let step = self.count(&r, "step");
            let max = self.count(&r, "max");
            if obj.has("duration") {
                self.error(
                    &p.path("reps"),
                    p.key_start("reps"),
                    "a \"duration\" exercise is one timed activity, with no reps to grow",
                    "remove \"reps\" from \"progress\"; grow its length with \"hold\"",
                );
                ok = false;
            }
            if let Some(max) = max
                && max < reps
            {
                self.error(
                    &r.path("max"),
                    r.key_start("max"),
                    format!("is {max}, fewer than the exercise's own {reps} reps"),
                    format!("\"max\" is the most reps it grows to: make it at least {reps}"),
                );
                ok = false;
            }
            match (step, max) {
                (Some(step), Some(max)) => {
                    grow_reps = Some(Grow {
                        step: u64::from(step),
                        max: u64::from(max),
                    })
                }
                _ => ok = false,
            }
        }
        if p.has("after") && after.is_none() {
            ok = false;
        }
        ok.then_some(Progress {
            hold: grow_hold,
            reps: grow_reps,
            after: after.unwrap_or(2),
        })
    }

    fn phases(&mut self, obj: &Obj, has_sides: bool) -> Option<Vec<Phase>> {
        let list = self.list(obj, "phases")?;
        if list.is_empty() {
            self.error(
                &obj.path("phases"),
                obj.key_start("phases"),
                "a flow needs at least one phase",
                "add phases such as {\"say\": \"Arch your back.\", \"hold\": 3}",
            );
            return None;
        }
        let mut phases = Vec::new();
        let mut allowed = vec![Var::Rep, Var::Reps, Var::Set, Var::Sets, Var::Seconds];
        if has_sides {
            allowed.push(Var::Side);
        }
        for (i, value) in list.iter().enumerate() {
            let path = format!("{}[{i}]", obj.path("phases"));
            let Value::Object(node) = value else {
                self.error(
                    &path,
                    start(value),
                    format!("expected a phase in {{ }}, found {}", describe(value)),
                    "a phase is {\"say\": \"Round your back.\", \"hold\": 3}",
                );
                continue;
            };
            let phase = self.open(node, path, &format::PHASE, &[]);
            let say = self.template(&phase, "say", &allowed, &|_| {
                "{side} needs \"sides\": [\"left\", \"right\"] on this exercise".into()
            });
            let hold = self.seconds(&phase, "hold");
            if let (Some(say), Some(hold)) = (say, hold) {
                phases.push(Phase { say, hold });
            }
        }
        (phases.len() == list.len()).then_some(phases)
    }
}

#[derive(Debug, Default)]
struct Defaults {
    rest: Option<Ms>,
    set_rest: Option<Ms>,
    countdown: Option<u32>,
    halfway: Option<bool>,
    setup_time: Option<Ms>,
}

fn a_or_an(noun: &str) -> String {
    if matches!(noun, "defaults" | "phrases" | "configuration") {
        return format!("the {noun}");
    }
    let article = if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {noun}")
}

/// How many unknown keys of one object get a "did you mean".
const SUGGESTIONS: usize = 50;

fn unknown_key_help(key: &str, shape: &Shape, nearest: Option<&str>) -> String {
    // A key that is right, but in the wrong place, says where it belongs.
    for other in format::OBJECT_SHAPES {
        if !std::ptr::eq(other, shape) && other.field(key).is_some() && other.name.ends_with("step")
        {
            return format!(
                "\"{key}\" belongs in {}, not in {}",
                a_or_an(other.name),
                a_or_an(shape.name)
            );
        }
    }
    if let Some(name) = nearest {
        return format!("did you mean \"{name}\"?");
    }
    let keys: Vec<String> = shape
        .fields
        .iter()
        .map(|f| format!("\"{}\"", f.name))
        .collect();
    format!(
        "the keys of {} are {}",
        a_or_an(shape.name),
        keys.join(", ")
    )
}

fn two_kinds_help(kind: &str, other: &str) -> String {
    match (kind, other) {
        ("exercise", "say") => "an exercise speaks its \"setup\" and \"cue\"; use those, or put the line in a say step of its own".into(),
        ("exercise", "breathe") => "split it into a breathe step and an exercise step".into(),
        _ => format!("split it into two steps, one with \"{kind}\" and one with \"{other}\""),
    }
}

/// The `{name}` placeholders in a phrase, with their byte offsets.
pub(crate) fn placeholders(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(open) = text[from..].find('{') {
        let open = from + open;
        let Some(close) = text[open..].find('}') else {
            break;
        };
        out.push((open, &text[open + 1..open + close]));
        from = open + close + 1;
    }
    out
}

/// A number written as text, such as `"20"`, `"20 s"` or `"5:00"`, to suggest writing it bare.
fn number_in_text(text: &str) -> Option<String> {
    let t = text.trim().to_lowercase();
    if let Some((m, sec)) = t.split_once(':')
        && let (Ok(m), Ok(sec)) = (m.parse::<u64>(), sec.parse::<u64>())
        && sec < 60
        && let Some(total) = m.checked_mul(60).and_then(|s| s.checked_add(sec))
    {
        return Some(total.to_string());
    }
    let digits = t
        .trim_end_matches("seconds")
        .trim_end_matches("second")
        .trim_end_matches("secs")
        .trim_end_matches("sec")
        .trim_end_matches('s')
        .trim();
    let n: f64 = digits.parse().ok()?;
    Some(crate::routine::template::format_seconds(n))
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(e[0].contains("257698037700"), "{e:?}");
    }

    #[test]
    fn the_issue_example_is_valid() {
        let text = include_str!("../../tests/routines/example.json");
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
        assert!(
            e[0].starts_with("r.json:2:21: steps[0].hodl: unknown key \"hodl\""),
            "{}",
            e[0]
        );
        assert!(e[0].contains("did you mean \"hold\"?"));
        assert!(
            e[1].contains("steps[1].hold: must be at least 1 second, found 0"),
            "{}",
            e[1]
        );
        assert!(
            e[2].contains("steps[1].reps: must be at least 1, found 0"),
            "{}",
            e[2]
        );
        assert!(
            e[3].contains("steps[2].rest: cannot be negative, found -1"),
            "{}",
            e[3]
        );
    }

    #[test]
    fn placeholders_are_checked_where_they_are_spoken() {
        let e = errors(
            r#"{"name": "x", "steps": [{"exercise": "A", "cue": "Your {side} leg", "hold": 5}]}"#,
        );
        assert_eq!(e.len(), 1);
        assert!(
            e[0].starts_with("r.json:1:56: steps[0].cue: {side} has no value here"),
            "{}",
            e[0]
        );
        assert!(e[0].contains("needs \"sides\""));
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
        assert!(
            e[0].contains("steps[0].hold: must be at least 1 second, found 0.5"),
            "{}",
            e[0]
        );
        assert!(
            e[1].contains("steps[1].hold: 1e400 is far too large"),
            "{}",
            e[1]
        );
        assert!(
            e[2].contains("steps[3].rest: 1e20 is far too large"),
            "{}",
            e[2]
        );
    }

    #[test]
    fn a_misspelt_kind_is_one_error() {
        let e = errors(r#"{"name": "x", "steps": [{"sya": "Hello."}, {"reps": 3, "hold": 5}]}"#);
        assert_eq!(e.len(), 2, "{e:#?}");
        assert!(
            e[0].contains(
                "steps[0].sya: unknown key \"sya\" in a say step\n  help: did you mean \"say\"?"
            ),
            "{}",
            e[0]
        );
        assert!(e[1].contains("steps[1]: this step has no kind"), "{}", e[1]);
        assert!(e[1].contains("this looks like an exercise"), "{}", e[1]);
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
        assert!(
            e[0].contains("expected a number of seconds, found the text \"30s\""),
            "{}",
            e[0]
        );
        assert!(
            e[0].contains("write the number without quotes: \"rest\": 30"),
            "{}",
            e[0]
        );
    }
}
