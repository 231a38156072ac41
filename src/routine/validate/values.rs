//! Numbers, times, counts, choices, flags, lists and objects: each read with its kind's limits
//! from [`crate::routine::format`], and a value out of range said plainly with the range.

use super::*;

impl Checker<'_> {
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
        let items = self.array(obj, key, &format!("{}s", shape.name), "[ ... ]")?;
        if items.len() > max {
            self.error(
                &obj.path(key),
                start(value),
                format!("has {} items; at most {max} are allowed", items.len()),
                "split it into several routines",
            );
            return None;
        }
        Some(items)
    }

    /// The items of a list, `[ ]` of `what`; anything else is the wrong type (with `example`).
    pub(crate) fn array<'v, 'a>(
        &mut self,
        obj: &Obj<'v, 'a>,
        key: &str,
        what: &str,
        example: &str,
    ) -> Option<&'v [Value<'a>]> {
        let value = obj.get(key)?;
        let Value::Array(items) = value else {
            self.wrong_type(
                obj,
                key,
                value,
                &format!("a list of {what} in [ ]"),
                example,
            );
            return None;
        };
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
}
