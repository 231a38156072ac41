//! Where routines come from: the built-in ones (embedded, so one binary works anywhere) and the
//! user's own folder; and how a name on the command line finds one.
//!
//! A routine is named by its file stem. A user routine with the same stem as a built-in one
//! replaces it, so copying a built-in routine into the folder and editing it just works.

use std::path::{Path, PathBuf};

use crate::report::error::Error;
use crate::routine::Routine;
use crate::routine::source::Source;
use crate::routine::validate;

macro_rules! built_in {
    ($($name:literal),* $(,)?) => {
        /// The built-in routines: file stem and text, in the order `limber list` shows them.
        pub const BUILT_IN: &[(&str, &str)] = &[
            $(($name, include_str!(concat!("../../routines/", $name, ".json")))),*
        ];
    };
}

built_in!(
    "lower-back-basics",
    "gentle-relief",
    "pt-favourites",
    "core-strength",
    "in-bed",
    "upper-back",
    "breathing",
);

/// The routine `limber run` plays when none is named.
pub const DEFAULT_ROUTINE: &str = "lower-back-basics";

/// Where a routine was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    BuiltIn,
    /// In the user's routines folder.
    User(PathBuf),
    /// Given as a path.
    File(PathBuf),
}

/// A routine's text, found but not yet validated.
#[derive(Debug, Clone)]
pub struct Found {
    /// The name it is called by: its file stem.
    pub id: String,
    pub origin: Origin,
    pub source: Source,
}

impl Found {
    pub fn load(&self) -> Result<Routine, Error> {
        validate::load(&self.source)
    }

    pub fn path(&self) -> Option<&Path> {
        match &self.origin {
            Origin::BuiltIn => None,
            Origin::User(p) | Origin::File(p) => Some(p),
        }
    }
}

pub fn built_in(id: &str) -> Option<Found> {
    BUILT_IN
        .iter()
        .find(|(n, _)| *n == id)
        .map(|(n, text)| Found {
            id: n.to_string(),
            origin: Origin::BuiltIn,
            source: Source::new(format!("built-in:{n}"), *text),
        })
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The `.json` files in the user's folder, sorted by name. A missing folder holds none.
/// A `.schema.json` file, which editors use, is not a routine.
pub fn user_files(dir: Option<&Path>) -> Vec<PathBuf> {
    let Some(dir) = dir else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json") && p.is_file())
        .filter(|p| !p.to_string_lossy().ends_with(".schema.json"))
        .collect();
    files.sort();
    files
}

/// Finds a routine by name (the user's folder `dir` first, then built-in) or by path.
pub fn find(name: &str, dir: Option<&Path>) -> Result<Found, Error> {
    let looks_like_path = name.contains(std::path::MAIN_SEPARATOR)
        || name.contains('/')
        || name.ends_with(".json")
        || name.starts_with('.');
    if looks_like_path {
        let path = PathBuf::from(name);
        let source = Source::read(&path)?;
        return Ok(Found {
            id: stem(&path),
            origin: Origin::File(path),
            source,
        });
    }
    if let Some(dir) = dir {
        let path = dir.join(format!("{name}.json"));
        if path.is_file() {
            let source = Source::read(&path)?;
            return Ok(Found {
                id: name.to_string(),
                origin: Origin::User(path),
                source,
            });
        }
    }
    if let Some(found) = built_in(name) {
        return Ok(found);
    }
    if Path::new(name).is_file() {
        let path = PathBuf::from(name);
        let source = Source::read(&path)?;
        return Ok(Found {
            id: stem(&path),
            origin: Origin::File(path),
            source,
        });
    }
    let names = all_ids(dir);
    let suggestion = super::suggest::nearest(name, names.iter().map(String::as_str))
        .map(|n| format!(" (did you mean \"{n}\"?)"))
        .unwrap_or_default();
    Err(Error::UnknownRoutine {
        name: name.to_string(),
        searched: dir.map_or("your routines folder".into(), |d| d.display().to_string()),
        suggestion,
    })
}

fn all_ids(dir: Option<&Path>) -> Vec<String> {
    let mut ids: Vec<String> = BUILT_IN.iter().map(|(n, _)| n.to_string()).collect();
    ids.extend(user_files(dir).iter().map(|p| stem(p)));
    ids
}

/// Every routine available: the built-in ones, then the user's (which replace built-ins of the
/// same file name). A user file that cannot be read is returned as its error.
pub fn everything(dir: Option<&Path>) -> Vec<Result<Found, Error>> {
    let user = user_files(dir);
    let user_ids: Vec<String> = user.iter().map(|p| stem(p)).collect();
    let mut out: Vec<Result<Found, Error>> = BUILT_IN
        .iter()
        .filter(|(id, _)| !user_ids.iter().any(|u| u == id))
        .filter_map(|(id, _)| built_in(id).map(Ok))
        .collect();
    for (path, id) in user.into_iter().zip(user_ids) {
        out.push(Source::read(&path).map(|source| Found {
            id,
            origin: Origin::User(path),
            source,
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_in_routines_is_built_in() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("routines");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| stem(&e.unwrap().path()))
            .collect();
        on_disk.sort();
        let mut embedded: Vec<String> = BUILT_IN.iter().map(|(n, _)| n.to_string()).collect();
        embedded.sort();
        assert_eq!(
            on_disk, embedded,
            "add new files in routines/ to the built_in! list"
        );
    }

    #[test]
    fn every_built_in_routine_is_valid_and_uniquely_named() {
        let mut names = Vec::new();
        for (id, _) in BUILT_IN {
            let routine = built_in(id)
                .unwrap()
                .load()
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(
                !names.contains(&routine.name),
                "two built-ins are called {}",
                routine.name
            );
            names.push(routine.name);
        }
        assert!(BUILT_IN.iter().any(|(n, _)| *n == DEFAULT_ROUTINE));
    }
}
