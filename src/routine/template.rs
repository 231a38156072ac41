//! Spoken text with placeholders: `"Pull your {side} knee in"`.
//!
//! A template is parsed once, when the routine is validated, so that an unknown placeholder is an
//! error in the routine file and never a surprise in the middle of a session.

use std::fmt;

/// A value a template can speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Var {
    Side,
    Rep,
    Reps,
    Set,
    Sets,
    Seconds,
}

impl Var {
    pub const ALL: [Var; 6] = [
        Var::Side,
        Var::Rep,
        Var::Reps,
        Var::Set,
        Var::Sets,
        Var::Seconds,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Var::Side => "side",
            Var::Rep => "rep",
            Var::Reps => "reps",
            Var::Set => "set",
            Var::Sets => "sets",
            Var::Seconds => "seconds",
        }
    }

    fn from_name(name: &str) -> Option<Var> {
        Var::ALL.into_iter().find(|v| v.name() == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Var(Var),
}

/// Parsed spoken text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

/// Why a text is not a valid template; `offset` is a byte offset into the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    pub offset: usize,
    pub message: String,
    pub help: String,
}

/// The values to fill in. A placeholder whose value is absent speaks as nothing; validation makes
/// sure that never happens in a routine.
#[derive(Debug, Clone, Copy, Default)]
pub struct Values<'a> {
    pub side: Option<&'a str>,
    pub rep: Option<u32>,
    pub reps: Option<u32>,
    pub set: Option<u32>,
    pub sets: Option<u32>,
    pub seconds: Option<f64>,
}

impl Template {
    /// A template with no placeholders: the text as it is.
    pub fn literal(text: impl Into<String>) -> Template {
        Template {
            parts: vec![Part::Text(text.into())],
        }
    }

    /// Parses `{name}` placeholders; `{{` and `}}` stand for literal braces.
    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        let mut offset = 0;
        while let Some(i) = rest.find(['{', '}']) {
            literal.push_str(&rest[..i]);
            let tail = &rest[i..];
            if tail.starts_with("{{") || tail.starts_with("}}") {
                literal.push_str(&tail[..1]);
                rest = &tail[2..];
                offset += i + 2;
                continue;
            }
            if let Some(after) = tail.strip_prefix('}') {
                literal.push('}');
                rest = after;
                offset += i + 1;
                continue;
            }
            let Some(close) = tail.find('}') else {
                return Err(TemplateError {
                    offset: offset + i,
                    message: "a \"{\" is never closed".into(),
                    help: "close the placeholder with \"}\", or write \"{{\" for a brace that is spoken".into(),
                });
            };
            let name = &tail[1..close];
            let Some(var) = Var::from_name(name.trim()) else {
                let suggestion = super::suggest::nearest(name, Var::ALL.iter().map(|v| v.name()));
                return Err(TemplateError {
                    offset: offset + i,
                    message: format!("unknown placeholder {{{name}}}"),
                    help: match suggestion {
                        Some(s) => format!(
                            "did you mean {{{s}}}? The placeholders are {}",
                            Self::names()
                        ),
                        None => format!("the placeholders are {}", Self::names()),
                    },
                });
            };
            if !literal.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut literal)));
            }
            parts.push(Part::Var(var));
            rest = &tail[close + 1..];
            offset += i + close + 1;
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            parts.push(Part::Text(literal));
        }
        Ok(Template { parts })
    }

    fn names() -> String {
        Var::ALL
            .iter()
            .map(|v| format!("{{{}}}", v.name()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The placeholders used, in order of appearance.
    pub fn vars(&self) -> impl Iterator<Item = Var> + '_ {
        self.parts.iter().filter_map(|p| match p {
            Part::Var(v) => Some(*v),
            Part::Text(_) => None,
        })
    }

    pub fn uses(&self, var: Var) -> bool {
        self.vars().any(|v| v == var)
    }

    pub fn render(&self, values: &Values) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Var(v) => match v {
                    Var::Side => out.push_str(values.side.unwrap_or_default()),
                    Var::Rep => push_num(&mut out, values.rep),
                    Var::Reps => push_num(&mut out, values.reps),
                    Var::Set => push_num(&mut out, values.set),
                    Var::Sets => push_num(&mut out, values.sets),
                    Var::Seconds => {
                        if let Some(s) = values.seconds {
                            out.push_str(&format_seconds(s));
                        }
                    }
                },
            }
        }
        out
    }
}

fn push_num(out: &mut String, n: Option<u32>) {
    if let Some(n) = n {
        out.push_str(&n.to_string());
    }
}

/// Seconds as a speech engine should read them: `20`, `1.5`.
pub fn format_seconds(s: f64) -> String {
    let rounded = (s * 1000.0).round() / 1000.0;
    if rounded.fract() == 0.0 {
        format!("{}", rounded as i64)
    } else {
        format!("{rounded}")
    }
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for part in &self.parts {
            match part {
                Part::Text(t) => f.write_str(&t.replace('{', "{{").replace('}', "}}"))?,
                Part::Var(v) => write!(f, "{{{}}}", v.name())?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_placeholders_and_escapes() {
        let t =
            Template::parse("Pull your {side} knee in, {{gently}}. Rep {rep} of {reps}.").unwrap();
        let values = Values {
            side: Some("left"),
            rep: Some(2),
            reps: Some(3),
            ..Values::default()
        };
        assert_eq!(
            t.render(&values),
            "Pull your left knee in, {gently}. Rep 2 of 3."
        );
        assert_eq!(
            t.vars().collect::<Vec<_>>(),
            [Var::Side, Var::Rep, Var::Reps]
        );
    }

    #[test]
    fn unknown_placeholder_suggests_the_nearest() {
        let e = Template::parse("Your {sied} knee").unwrap_err();
        assert_eq!(e.offset, 5);
        assert_eq!(e.message, "unknown placeholder {sied}");
        assert!(e.help.starts_with("did you mean {side}?"), "{}", e.help);
    }

    #[test]
    fn unclosed_brace_is_an_error() {
        let e = Template::parse("Hold {seconds").unwrap_err();
        assert_eq!(e.offset, 5);
    }

    #[test]
    fn display_round_trips() {
        let text = "Hold {{it}} for {seconds} seconds";
        assert_eq!(Template::parse(text).unwrap().to_string(), text);
    }

    #[test]
    fn seconds_read_naturally() {
        assert_eq!(format_seconds(20.0), "20");
        assert_eq!(format_seconds(1.5), "1.5");
    }
}
