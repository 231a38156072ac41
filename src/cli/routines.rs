//! `limber show`, `limber new` and `limber config`: what an installed limber carries with it, so
//! that no one needs the source to find, copy and change a routine or the configuration.

use std::path::Path;
use std::process::ExitCode;

use super::print;
use crate::config::Config;
use crate::report::error::Error;
use crate::routine::library;

/// The documented example configuration, as `limber config` prints it.
pub const CONFIG_EXAMPLE: &str = include_str!("../../config.example.json");

/// A routine to start from when `limber new` is given none: every kind of step, short.
const STARTER: &str = r#"{
  "name": "TITLE",
  "description": "My own routine: change anything, then `limber check NAME` and `limber run NAME`.",
  "steps": [
    { "say": "Lie on your back with your knees bent and your feet flat." },
    { "breathe": { "name": "Calm breathing", "cycles": 5, "inhale": 4, "exhale": 6 } },
    { "exercise": "Knee to chest", "cue": "Bring your {side} knee to your chest.",
      "sides": ["left", "right"], "reps": 2, "hold": 20, "rest": 5 },
    { "exercise": "Bridge", "cue": "Lift your hips.", "reps": 8, "hold": 5, "rest": 3 },
    { "rest": 10 },
    { "say": "That is all for today. Well done." }
  ]
}
"#;

/// `limber show ROUTINE`: its JSON, as found.
pub fn show(config: &Config, name: &str) -> Result<ExitCode, Error> {
    let found = library::find(name, config.routines.as_deref())?;
    let mut text = found.source.text.clone();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    // As it is, but never a control character raw: the file's own layout (line breaks, tabs) is
    // kept, and anything else is written as JSON writes it in text, \u001b.
    print(&crate::report::words::shown_lines(&text))?;
    Ok(ExitCode::SUCCESS)
}

/// `limber new NAME [--from ROUTINE]`: a routine file in the user's folder, never over another.
pub fn new(config: &Config, name: &str, from: Option<&str>) -> Result<ExitCode, Error> {
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        return Err(Error::Usage(format!(
            "\"{name}\" cannot name a routine: use letters, digits and dashes, such as my-morning"
        )));
    }
    let dir = config.routines.as_deref().ok_or_else(|| {
        Error::Write(
            "there is no configuration folder to keep routines in; set $LIMBER_ROUTINES".into(),
        )
    })?;
    let path = dir.join(format!("{name}.json"));
    if path.exists() {
        return Err(Error::Write(format!(
            "{} is there already; choose another name, or change that one",
            path.display()
        )));
    }
    let text = match from {
        Some(from) => {
            let found = library::find(from, Some(dir))?;
            // It must be a routine that works, or the copy would not either.
            let routine = crate::plan::load(&found)?;
            renamed(&found.source.text, &routine.name, &title(name))
        }
        None => STARTER.replace("TITLE", &title(name)).replace("NAME", name),
    };
    write_new(dir, &path, &text)?;
    print(&format!(
        "Wrote {}{}.\nChange it in any editor, then: limber plan {name}, limber run {name}.\n",
        path.display(),
        from.map(|f| format!(", a copy of {f}")).unwrap_or_default()
    ))?;
    Ok(ExitCode::SUCCESS)
}

/// A routine's name from its file's: "my-morning" is "My morning".
fn title(name: &str) -> String {
    let words = name.replace(['-', '_'], " ");
    let mut chars = words.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The routine's text with its "name" changed, and nothing else: two routines may not share a
/// name, and the copy is the user's own.
fn renamed(text: &str, old: &str, new: &str) -> String {
    let quoted = |s: &str| serde_json::to_string(s).expect("a string serializes");
    let Some(key) = text.find("\"name\"") else {
        return text.to_string();
    };
    match text[key..].find(&quoted(old)) {
        Some(at) => {
            let at = key + at;
            format!(
                "{}{}{}",
                &text[..at],
                quoted(new),
                &text[at + quoted(old).len()..]
            )
        }
        None => text.to_string(),
    }
}

fn write_new(dir: &Path, path: &Path, text: &str) -> Result<(), Error> {
    let fail = |e: std::io::Error| {
        Error::Write(format!(
            "cannot write {}: {}",
            path.display(),
            crate::report::error::plain(&e)
        ))
    };
    std::fs::create_dir_all(dir).map_err(fail)?;
    // create_new: never over a file that appeared meanwhile.
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(fail)?;
    std::io::Write::write_all(&mut file, text.as_bytes()).map_err(fail)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_copy_has_its_own_name() {
        assert_eq!(super::title("my-morning"), "My morning");
        let text = "{\n  \"name\": \"In bed\",\n  \"steps\": [{\"say\": \"In bed\"}]}";
        assert_eq!(
            super::renamed(text, "In bed", "My bed"),
            "{\n  \"name\": \"My bed\",\n  \"steps\": [{\"say\": \"In bed\"}]}"
        );
    }

    #[test]
    fn the_starting_routine_is_valid() {
        let text = super::STARTER
            .replace("TITLE", "Mine")
            .replace("NAME", "mine");
        let source = crate::routine::source::Source::new("starter".to_string(), text);
        crate::routine::validate::load(&source).unwrap();
    }
}
