//! Text: names, spoken templates, phrases, a program's arguments; each checked for its length,
//! its placeholders and control characters, which are pointed at where they are written.

use super::*;

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

impl Checker<'_> {
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

    pub(crate) fn text_list(&mut self, obj: &Obj, key: &str) -> Option<Vec<String>> {
        let value = obj.get(key)?;
        let Kind::TextList { max_items } = self.field(obj, key).kind else {
            unreachable!("{key} is not a list of texts")
        };
        let items = self.array(obj, key, "texts", "[\"One\", \"Two\", \"Three\"]")?;
        if items.len() != max_items {
            self.error(
                &obj.path(key),
                start(value),
                format!("has {} words; give all {max_items}", items.len()),
                "give every number from one to ten, so a countdown of any length is spoken in one language",
            );
            return None;
        }
        self.text_items(
            obj,
            key,
            items,
            |t| (!t.trim().is_empty()).then(|| t.trim().to_string()),
            "a word",
            self.field(obj, key).doc,
        )
    }

    /// A program's arguments: a list of texts, kept exactly as written.
    pub(crate) fn arguments(&mut self, obj: &Obj, key: &str) -> Option<Vec<String>> {
        let value = obj.get(key)?;
        let Kind::Arguments { max_items } = self.field(obj, key).kind else {
            unreachable!("{key} is not a list of arguments")
        };
        let items = self.array(obj, key, "texts", "[\"--output\", \"{output}\"]")?;
        if items.len() > max_items {
            self.error(
                &obj.path(key),
                start(value),
                format!("has {} arguments, more than {max_items}", items.len()),
                self.field(obj, key).doc,
            );
            return None;
        }
        self.text_items(
            obj,
            key,
            items,
            |t| Some(t.to_string()),
            "text",
            "write every argument as text, numbers too: \"1.2\"",
        )
    }

    /// The items of a list of texts, each pointed at as `key[i]`: `keep` gives what an item
    /// holds, or `None` for one that is not the `expected` text (then `help` says what to write);
    /// a control character is refused where it is written.
    fn text_items(
        &mut self,
        obj: &Obj,
        key: &str,
        items: &[Value],
        keep: fn(&str) -> Option<String>,
        expected: &str,
        help: &str,
    ) -> Option<Vec<String>> {
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let path = format!("{}[{i}]", obj.path(key));
            let kept = match item {
                Value::StringLit(s) => keep(&s.value).map(|kept| (&s.value, kept)),
                _ => None,
            };
            let Some((written, kept)) = kept else {
                self.error(
                    &path,
                    start(item),
                    format!(
                        "expected {expected} in double quotes, found {}",
                        describe(item)
                    ),
                    help,
                );
                return None;
            };
            if !self.plain(&path, item, written) {
                return None;
            }
            out.push(kept);
        }
        Some(out)
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
