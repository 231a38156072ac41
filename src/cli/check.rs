//! `limber check`: every problem of some routine files, with where it is and the fix.

use std::path::Path;
use std::process::ExitCode;

use super::list::{Lengths, summary};
use super::print;
use crate::config::Config;
use crate::report::error::{Diagnostic, Error};
use crate::report::words::shown_lines;
use crate::routine::Routine;
use crate::routine::library::{self, Found, Origin};
use crate::routine::source::Source;
use crate::routine::validate;

/// One routine given to `check`, and what became of it.
struct Checked {
    origin: String,
    id: String,
    path: Option<std::path::PathBuf>,
    source: Option<Source>,
    result: Result<Routine, Error>,
}

pub fn check(config: &Config, files: &[std::path::PathBuf]) -> Result<ExitCode, Error> {
    let dir = config.routines.as_deref();
    let lengths = Lengths::new(config);
    let targets: Vec<String> = if files.is_empty() {
        let user = library::user_files(dir);
        if user.is_empty() {
            let dir = dir.map_or("your routines folder".into(), |d| d.display().to_string());
            print(&format!(
                "No routines to check in {dir}. Give files to check: limber check FILE...\n"
            ))?;
            return Ok(ExitCode::SUCCESS);
        }
        user.iter().map(|p| p.display().to_string()).collect()
    } else {
        files.iter().map(|p| p.display().to_string()).collect()
    };

    let mut checked: Vec<Checked> = Vec::new();
    for target in &targets {
        let found = if Path::new(target).exists() {
            Source::read(Path::new(target)).map(|source| Found {
                id: Path::new(target)
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                origin: Origin::File(target.into()),
                source,
            })
        } else {
            library::find(target, dir)
        };
        checked.push(match found {
            Ok(found) => Checked {
                origin: found.source.origin.clone(),
                id: found.id.clone(),
                path: found
                    .path()
                    .map(|p| p.canonicalize().unwrap_or(p.to_path_buf())),
                result: crate::plan::load_with(&found, &lengths.settings),
                source: Some(found.source),
            },
            Err(e) => Checked {
                origin: target.clone(),
                id: String::new(),
                path: None,
                source: None,
                result: Err(e),
            },
        });
    }
    duplicate_names(&mut checked, dir);

    let mut out = String::new();
    let mut failed = 0;
    for c in &checked {
        match &c.result {
            Ok(routine) => {
                let (length, exercises) = summary(routine, &lengths);
                out.push_str(&format!(
                    "ok: {} (\"{}\", {exercises} in {length})\n",
                    c.origin, routine.name
                ));
            }
            Err(e) => {
                failed += 1;
                print(&shown_lines(&std::mem::take(&mut out)))?;
                eprintln!("{}", e.report());
            }
        }
    }
    if checked.len() > 1 {
        out.push_str(&format!(
            "{} routines checked: {} valid, {failed} with problems\n",
            checked.len(),
            checked.len() - failed
        ));
    }
    print(&shown_lines(&out))?;
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Two routines with one name would be indistinguishable in `limber list` and in a session's
/// opening words. A user routine may replace a built-in one of the same file name on purpose.
fn duplicate_names(checked: &mut [Checked], dir: Option<&Path>) {
    let library: Vec<(String, Option<std::path::PathBuf>, String, String)> =
        library::everything(dir)
            .into_iter()
            .flatten()
            .filter_map(|f| {
                let routine = crate::plan::load(&f).ok()?;
                let shown = f
                    .path()
                    .map_or(format!("the built-in routine \"{}\"", f.id), |p| {
                        p.display().to_string()
                    });
                Some((
                    routine.name,
                    f.path()
                        .map(|p| p.canonicalize().unwrap_or(p.to_path_buf())),
                    f.id,
                    shown,
                ))
            })
            .collect();
    let names: Vec<Option<String>> = checked
        .iter()
        .map(|c| c.result.as_ref().ok().map(|r| r.name.to_lowercase()))
        .collect();
    for i in 0..checked.len() {
        let Some(name) = &names[i] else { continue };
        let mut clash: Option<String> = None;
        for (j, other) in names.iter().enumerate() {
            if j != i && other.as_ref() == Some(name) && checked[j].path != checked[i].path {
                clash = Some(checked[j].origin.clone());
                break;
            }
        }
        // A file elsewhere (a draft, a copy to edit) only meets the library once it is moved into
        // the routines folder, so only files there are compared with it.
        let in_folder = match (&checked[i].path, dir.and_then(|d| d.canonicalize().ok())) {
            (Some(p), Some(d)) => p.starts_with(d),
            _ => false,
        };
        if clash.is_none() && in_folder {
            clash = library
                .iter()
                .find(|(n, path, id, _)| {
                    n.to_lowercase() == *name
                        && (path.is_none() || *path != checked[i].path)
                        && !(path.is_none() && *id == checked[i].id)
                        && !checked.iter().any(|c| c.path.is_some() && c.path == *path)
                })
                .map(|(_, _, _, shown)| shown.clone());
        }
        if let Some(other) = clash {
            let c = &mut checked[i];
            let at = c
                .source
                .as_ref()
                .and_then(|s| validate::key_location(s, "name"));
            c.result = Err(Error::Invalid {
                origin: c.origin.clone(),
                diagnostics: vec![Diagnostic {
                    path: "name".into(),
                    at,
                    message: format!("the name \"{}\" is already used by {other}", c.result.as_ref().map(|r| r.name.clone()).unwrap_or_default()),
                    help: Some("give each routine its own \"name\"; to replace a built-in routine, give your file the built-in's file name".into()),
                }],
            });
        }
    }
}
