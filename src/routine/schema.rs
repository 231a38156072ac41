//! The JSON Schema for routine files, generated from [`crate::routine::format`].
//!
//! Editors that understand JSON Schema (VS Code, Zed, JetBrains, Neovim with a JSON language
//! server) use it to complete keys and flag mistakes while a routine is written. The same tables
//! drive the validator, and a test keeps `docs/routine.schema.json` equal to this output.

use serde_json::{Map, Value, json};

use crate::routine::format::{self, Kind, Shape};

fn id(shape: &Shape) -> String {
    shape.name.replace(' ', "_")
}

fn reference(shape: &Shape) -> Value {
    json!({ "$ref": format!("#/$defs/{}", id(shape)) })
}

/// The control characters the validator refuses in any text (`char::is_control`: C0, DEL and
/// C1), as an ECMA-262 character class.
const CONTROL_CHARACTERS: &str = "[\\u0000-\\u001f\\u007f-\\u009f]";

/// A string with no control character in it: the validator's rule for every text
/// ([`crate::routine::validate`] refuses one and points at it). Said as "not a match for the
/// class anywhere" rather than as an anchored `^[^...]*$`, because `$` is not the end of the
/// text in every regex dialect a schema checker uses (Python's also matches before a final line
/// break, so `"Knee rolls\n"` would pass); an unanchored class means the same everywhere.
fn text_schema(mut v: Value) -> Value {
    v["not"] = json!({ "pattern": CONTROL_CHARACTERS });
    v
}

fn value_schema(kind: Kind, doc: &str) -> Value {
    let mut v = match kind {
        Kind::Text { max_chars } => text_schema(json!({
            "type": "string",
            "minLength": 1,
            "maxLength": max_chars,
        })),
        Kind::Template => text_schema(json!({
            "type": "string",
            "minLength": 1,
            "maxLength": format::MAX_SPOKEN_CHARS,
        })),
        Kind::Seconds { min, max } => {
            let mut v = json!({ "type": "number", "maximum": max });
            if min > 0.0 {
                v["minimum"] = json!(min);
            } else {
                v["minimum"] = json!(0);
            }
            v
        }
        Kind::Count { min, max } => json!({ "type": "integer", "minimum": min, "maximum": max }),
        Kind::Flag => json!({ "type": "boolean" }),
        Kind::TextList { max_items } => json!({
            "type": "array",
            "items": text_schema(json!({ "type": "string", "minLength": 1 })),
            "minItems": 1,
            "maxItems": max_items,
        }),
        Kind::Arguments { max_items } => json!({
            "type": "array",
            "items": text_schema(json!({ "type": "string" })),
            "maxItems": max_items,
        }),
        Kind::Choice(words) => json!({ "enum": words }),
        Kind::OptionalText { max_chars } => {
            text_schema(json!({ "type": "string", "maxLength": max_chars }))
        }
        Kind::Number { min, max } => json!({ "type": "number", "minimum": min, "maximum": max }),
        Kind::Sides => json!({
            "type": "array",
            "items": { "enum": ["left", "right"] },
            "minItems": 2,
            "maxItems": 2,
            "uniqueItems": true,
        }),
        Kind::Object(shape) => reference(shape),
        Kind::List(shape, max) => json!({
            "type": "array",
            "minItems": 1,
            "maxItems": max,
            "items": reference(shape),
        }),
    };
    v.as_object_mut()
        .expect("every schema is an object")
        .insert("description".into(), json!(doc));
    v
}

fn object_schema(shape: &Shape) -> Value {
    let properties: Map<String, Value> = shape
        .fields
        .iter()
        .map(|f| (f.name.to_string(), value_schema(f.kind, f.doc)))
        .collect();
    let mut v = json!({
        "type": "object",
        "description": shape.doc,
        "properties": properties,
        "additionalProperties": false,
    });
    if !shape.required.is_empty() {
        v["required"] = json!(shape.required);
    }
    if !shape.one_of.is_empty() {
        v["oneOf"] = shape
            .one_of
            .iter()
            .map(|k| json!({ "required": [k] }))
            .collect();
    }
    v
}

/// Every object shape reachable from `root`, in the order first met.
fn shapes_under(root: &'static Shape) -> Vec<&'static Shape> {
    let mut found: Vec<&'static Shape> = vec![root];
    let mut i = 0;
    while i < found.len() {
        let shape = found[i];
        let mut children: Vec<&'static Shape> = Vec::new();
        for field in shape.fields {
            match field.kind {
                Kind::Object(s) | Kind::List(s, _) => children.push(s),
                _ => {}
            }
        }
        if std::ptr::eq(shape, &format::STEP) {
            children.extend(format::STEP_KINDS.iter().map(|(_, s)| *s));
        }
        for child in children {
            if !found.iter().any(|f| std::ptr::eq(*f, child)) {
                found.push(child);
            }
        }
        i += 1;
    }
    found
}

/// The schema of a file whose top level is `root`, as a JSON value.
pub fn schema_of(root: &'static Shape, title: &str) -> Value {
    let mut defs = Map::new();
    for shape in shapes_under(root).into_iter().skip(1) {
        let def = if std::ptr::eq(shape, &format::STEP) {
            json!({
                "description": format::STEP.doc,
                "oneOf": format::STEP_KINDS.iter().map(|(_, s)| reference(s)).collect::<Vec<_>>(),
            })
        } else {
            object_schema(shape)
        };
        defs.insert(id(shape), def);
    }
    let mut root_schema = object_schema(root);
    let root_map = root_schema
        .as_object_mut()
        .expect("a root schema is an object");
    let mut head = Map::new();
    head.insert(
        "$schema".into(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    head.insert("title".into(), json!(title));
    head.extend(std::mem::take(root_map));
    if !defs.is_empty() {
        head.insert("$defs".into(), Value::Object(defs));
    }
    Value::Object(head)
}

/// The routine schema.
pub fn schema() -> Value {
    schema_of(&format::ROUTINE, "limber routine")
}

/// A schema as printed by `limber schema` and checked in under `docs/`.
pub fn text(schema: &Value) -> String {
    let mut text = serde_json::to_string_pretty(schema).expect("a schema serializes");
    text.push('\n');
    text
}

/// The routine schema as printed by `limber schema` and checked in at `docs/routine.schema.json`.
pub fn schema_text() -> String {
    text(&schema())
}

/// Fails unless `docs/FILE` holds `current`; with `LIMBER_BLESS` set, writes it there first.
#[cfg(test)]
pub(crate) fn assert_checked_in(file: &str, current: &str) {
    let path = format!("{}/docs/{file}", env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("LIMBER_BLESS").is_some() {
        std::fs::write(&path, current).unwrap();
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == current,
        "docs/{file} is out of date: run `LIMBER_BLESS=1 cargo test schema` and commit it"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checked_in_schema_is_current() {
        assert_checked_in("routine.schema.json", &schema_text());
    }

    #[test]
    fn every_shape_is_defined_and_closed() {
        let s = schema();
        for shape in format::OBJECT_SHAPES.iter().skip(1) {
            let def = &s["$defs"][id(shape)];
            assert!(def.is_object(), "{} is not in the schema", shape.name);
            assert_eq!(def["additionalProperties"], json!(false), "{}", shape.name);
            let keys: Vec<&String> = def["properties"].as_object().unwrap().keys().collect();
            let fields: Vec<&str> = shape.fields.iter().map(|f| f.name).collect();
            assert_eq!(keys, fields, "{}", shape.name);
        }
        assert_eq!(s["required"], json!(["name", "steps"]));
    }
}
