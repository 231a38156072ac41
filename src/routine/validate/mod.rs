//! From parsed JSON to a [`Routine`], or every reason it is not one.
//!
//! Validation never stops at the first problem: a person fixing a routine wants the whole list,
//! each with the file, line, column, the JSON path of the value (`steps[3].hold`) and how to fix
//! it. Keys, types and limits come from [`crate::routine::format`]; the rules that tie keys together
//! (a step has one kind, `alternate` needs `sides`...) are written out here.

use jsonc_parser::ast::{Object, ObjectPropName, Value};

use crate::report::error::Location;
use crate::report::error::{Diagnostic, Error};
use crate::routine::format::{self, Field, Kind, Shape};
use crate::routine::source::Source;
use crate::routine::suggest;
use crate::routine::template::{Template, Var};
use crate::routine::{Breathe, Exercise, Grow, Ms, Phase, Progress, Routine, Side, Step, Work};

mod steps;
#[cfg(test)]
mod tests;
mod text;
mod values;

pub(crate) use text::placeholders;

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

impl Checker<'_> {
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
