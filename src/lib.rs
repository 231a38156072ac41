//! limber: a voice coach for floor exercises.
//!
//! The folders are the stages of the data path (ARCHITECTURE.md has the whole map):
//!
//! ```text
//! routine file --routine--> Routine --plan--> Timeline (pure, printable)
//!     --session (player)--> voice and sound devices
//!     --sound::render--> a WAV, FLAC or MP3 file (the same timeline, no device)
//! ```
//!
//! Arrows go one way, from the command line down to the routine:
//! `cli` -> `session` -> `config` -> `voice` -> `sound` -> `plan` -> `history` -> `routine` ->
//! `report` (errors, log lines, plain words); `history` (the session log) uses only `routine` and `report`.

pub mod cli;
pub mod config;
pub mod history;
pub mod plan;
pub mod report;
pub mod routine;
pub mod session;
pub mod sound;
pub mod voice;

pub use report::error::Error;

/// The map in ARCHITECTURE.md is a promise the code keeps: the top-level modules are the ones
/// its arrow line names, at most ten, and each uses only those to its right.
#[cfg(test)]
mod house {
    use std::path::Path;

    /// The modules `crate::` names in `source`: `crate::plan::x` and each of `crate::{a, b::c}`.
    fn uses(source: &str) -> Vec<String> {
        let ident = |s: &str| -> String {
            s.trim_start()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect()
        };
        let mut found = Vec::new();
        for (at, _) in source.match_indices("crate::") {
            let rest = &source[at + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let (mut depth, mut item_start) = (0, true);
                for (i, c) in group.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => item_start = true,
                        c if item_start && !c.is_whitespace() => {
                            found.push(ident(&group[i..]));
                            item_start = false;
                        }
                        _ => {}
                    }
                }
            } else {
                found.push(ident(rest));
            }
        }
        found
    }

    fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    #[test]
    fn arrows_go_one_way_as_the_map_says() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let map = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
        let arrows = map
            .lines()
            .find(|l| l.starts_with("cli ─▶"))
            .expect("ARCHITECTURE.md has the arrow line");
        let order: Vec<&str> = arrows.split("─▶").map(str::trim).collect();
        assert!(
            order.len() <= 10,
            "at most ten top-level modules: {order:?}"
        );

        let mut modules: Vec<String> = std::fs::read_dir(root.join("src"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir() || !["lib.rs", "main.rs"].contains(&file_name(p)))
            .map(|p| file_name(&p).trim_end_matches(".rs").to_string())
            .collect();
        modules.sort();
        let mut named: Vec<String> = order.iter().map(|s| s.to_string()).collect();
        named.sort();
        assert_eq!(
            modules, named,
            "src/ holds exactly the modules the map names"
        );

        let mut wrong = Vec::new();
        for (rank, module) in order.iter().enumerate() {
            let mut files = Vec::new();
            sources(&root.join("src").join(module), &mut files);
            for file in files {
                let text = std::fs::read_to_string(&file).unwrap();
                for used in uses(&text) {
                    if let Some(r) = order.iter().position(|m| *m == used)
                        && r < rank
                    {
                        wrong.push(format!("{} uses {used}", file.display()));
                    }
                }
            }
        }
        assert!(wrong.is_empty(), "arrows that point up the map: {wrong:#?}");
    }

    fn file_name(p: &Path) -> &str {
        p.file_name().unwrap().to_str().unwrap()
    }

    #[test]
    fn uses_reads_paths_and_groups() {
        let text =
            "use crate::plan::Timeline;\nuse crate::{report::words, sound::{clip, mixer}};\n";
        assert_eq!(uses(text), ["plan", "report", "sound"]);
    }
}
