//! What each command does, from parsed arguments to output and an exit code.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command, SchemaOf};
use crate::config::Config;
use crate::error::Error;
use crate::library::{self, Found, Origin};
use crate::routine::Routine;
use crate::settings::Settings;
use crate::source::Source;
use crate::timeline::{self, clock};
use crate::validate::{self, Diagnostic};

/// Runs limber with the process's arguments.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(e.exit_code() as u8);
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{}", e.report());
            ExitCode::from(e.exit_code())
        }
    }
}

pub fn run(cli: Cli) -> Result<ExitCode, Error> {
    crate::log::set_level(match (cli.quiet, cli.verbose) {
        (true, _) => crate::log::QUIET,
        (_, true) => crate::log::VERBOSE,
        _ => crate::log::NORMAL,
    });
    if let Command::Schema { of } = cli.command {
        let config = of == SchemaOf::Config;
        // The schema never depends on the configuration, so a broken one cannot hide it.
        let text = if config {
            crate::schema::config_schema_text()
        } else {
            crate::schema::schema_text()
        };
        print(&text)?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Command::Ctl { command, json } = cli.command {
        // Controlling a session never depends on the configuration either.
        return crate::control::ctl(command.word(), json);
    }
    let config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Run(args) => crate::session::run(&config, &args),
        Command::List { json } => list(&config, json),
        Command::Plan { routine, json } => plan(&config, &routine, json),
        Command::Check { files } => check(&config, &files),
        Command::Voices => crate::session::list_voices(),
        Command::Devices => crate::session::list_devices(),
        Command::Schema { .. } | Command::Ctl { .. } => unreachable!("handled above"),
    }
}

/// Writes to stdout; a reader that went away (`limber plan x | head`) is not an error.
pub(crate) fn print(text: &str) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Error::Write(format!("cannot write output: {e}")))
        }
        _ => Ok(()),
    }
}

fn plan(config: &Config, name: &str, json: bool) -> Result<ExitCode, Error> {
    let routine = library::find(name, config.routines.as_deref())?.load()?;
    let sounds = config.sounds(&mut |w| eprintln!("limber: {w}"));
    let timeline = timeline::plan(&routine, &config.settings_for(&sounds));
    if json {
        let mut text =
            serde_json::to_string_pretty(&timeline.to_json()).expect("a plan serializes");
        text.push('\n');
        print(&text)?;
    } else {
        print(&format!("{timeline}\n"))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn summary(routine: &Routine, settings: &Settings) -> (String, usize) {
    let total = timeline::plan(routine, settings).total;
    (clock(total), routine.exercise_count())
}

fn list(config: &Config, json: bool) -> Result<ExitCode, Error> {
    let dir = config.routines.as_deref();
    let settings = config.settings_for(&config.sounds(&mut |_| {}));
    let mut rows = Vec::new();
    for entry in library::everything(dir) {
        let row = match entry {
            Ok(found) => {
                let loaded = found.load();
                (Some(found), loaded)
            }
            Err(e) => (None, Err(e)),
        };
        rows.push(row);
    }
    if json {
        let items: Vec<serde_json::Value> = rows
            .iter()
            .map(|(found, loaded)| match (found, loaded) {
                (Some(found), Ok(routine)) => serde_json::json!({
                    "id": found.id,
                    "name": routine.name,
                    "description": routine.description,
                    "built_in": found.origin == Origin::BuiltIn,
                    "path": found.path(),
                    "total_seconds": timeline::plan(routine, &settings).total as f64 / 1000.0,
                    "exercises": routine.exercise_count(),
                }),
                (found, Err(e)) => serde_json::json!({
                    "id": found.as_ref().map(|f| f.id.clone()),
                    "name": null,
                    "description": null,
                    "built_in": false,
                    "path": found.as_ref().and_then(|f| f.path()),
                    "total_seconds": null,
                    "exercises": null,
                    "error": e.report(),
                }),
                (None, Ok(_)) => unreachable!("a routine is loaded from a file that was found"),
            })
            .collect();
        let mut text = serde_json::to_string_pretty(&items).expect("a list serializes");
        text.push('\n');
        print(&text)?;
        return Ok(ExitCode::SUCCESS);
    }

    let mut out = String::new();
    let dir_text = dir.map_or("no configuration folder".into(), |d| {
        d.display().to_string()
    });
    let user_rows: Vec<_> = rows
        .iter()
        .filter(|(f, _)| {
            !matches!(
                f,
                Some(Found {
                    origin: Origin::BuiltIn,
                    ..
                })
            )
        })
        .collect();
    let built_rows: Vec<_> = rows
        .iter()
        .filter(|(f, _)| {
            matches!(
                f,
                Some(Found {
                    origin: Origin::BuiltIn,
                    ..
                })
            )
        })
        .collect();
    let width = rows
        .iter()
        .filter_map(|(f, _)| f.as_ref().map(|f| f.id.chars().count()))
        .max()
        .unwrap_or(10)
        .max(10);
    let line = |found: &Found, loaded: &Result<Routine, Error>| match loaded {
        Ok(routine) => {
            let (length, exercises) = summary(routine, &settings);
            let replaces =
                if found.origin != Origin::BuiltIn && library::built_in(&found.id).is_some() {
                    "  (replaces the built-in one)"
                } else {
                    ""
                };
            format!(
                "  {:<width$}  {:>6}  {:>2} exercises  {}{replaces}\n",
                found.id, length, exercises, routine.name
            )
        }
        Err(_) => format!(
            "  {:<width$}  {:>6}  invalid: run `limber check {}`\n",
            found.id,
            "",
            found
                .path()
                .map_or(found.id.clone(), |p| p.display().to_string())
        ),
    };
    out.push_str("Built-in routines:\n");
    for (found, loaded) in &built_rows {
        out.push_str(&line(found.as_ref().expect("built-ins are found"), loaded));
    }
    out.push_str(&format!("\nYour routines ({dir_text}):\n"));
    if user_rows.is_empty() {
        out.push_str("  none yet: copy one from docs/routines.md into that folder\n");
    }
    for (found, loaded) in &user_rows {
        match found {
            Some(found) => out.push_str(&line(found, loaded)),
            None => {
                if let Err(e) = loaded {
                    out.push_str(&format!("  unreadable: {e}\n"));
                }
            }
        }
    }
    // Two routines with one name cannot be told apart when spoken or listed.
    let mut seen: Vec<(String, &str)> = Vec::new();
    for (found, loaded) in &rows {
        if let (Some(found), Ok(routine)) = (found, loaded) {
            let key = routine.name.to_lowercase();
            if let Some((_, other)) = seen.iter().find(|(n, _)| *n == key) {
                out.push_str(&format!(
                    "\nwarning: \"{}\" and \"{other}\" are both called \"{}\"; give each its own \"name\"\n",
                    found.id, routine.name
                ));
            } else {
                seen.push((key, &found.id));
            }
        }
    }
    out.push_str("\nSee what one says and does with `limber plan NAME`.\n");
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// One routine given to `check`, and what became of it.
struct Checked {
    origin: String,
    id: String,
    path: Option<std::path::PathBuf>,
    source: Option<Source>,
    result: Result<Routine, Error>,
}

fn check(config: &Config, files: &[std::path::PathBuf]) -> Result<ExitCode, Error> {
    let dir = config.routines.as_deref();
    let settings = config.settings_for(&config.sounds(&mut |_| {}));
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
                result: found.load(),
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
                let (length, exercises) = summary(routine, &settings);
                out.push_str(&format!(
                    "ok: {} (\"{}\", {length}, {exercises} exercises)\n",
                    c.origin, routine.name
                ));
            }
            Err(e) => {
                failed += 1;
                print(&std::mem::take(&mut out))?;
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
    print(&out)?;
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
                let routine = f.load().ok()?;
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
