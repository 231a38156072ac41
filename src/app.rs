//! What each command does, from parsed arguments to output and an exit code.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command, RenderArgs, SchemaOf, VoiceArgs};
use crate::config::{Config, Engine};
use crate::error::Error;
use crate::library::{self, Found, Origin};
use crate::routine::Routine;
use crate::settings::Settings;
use crate::source::Source;
use crate::speech::{self, Choice};
use crate::timeline::{self, Part, clock};
use crate::validate::{self, Diagnostic};
use crate::voice::speaker::Synth;

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
        Command::Plan {
            routine,
            json,
            voice,
        } => plan(&config, &routine, json, &voice),
        Command::Prepare { routines, voice } => prepare(&config, &routines, &voice),
        Command::Render(args) => render(&config, &args),
        Command::Check { files } => check(&config, &files),
        Command::Voices { engine } => crate::session::list_voices(engine.as_deref()),
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

fn plan(config: &Config, name: &str, json: bool, voice: &VoiceArgs) -> Result<ExitCode, Error> {
    let routine = library::find(name, config.routines.as_deref())?.load()?;
    let sounds = config.sounds(&mut |w| eprintln!("limber: {w}"));
    let choice = Choice::new(config, voice);
    let settings = choice.settings(&config.settings_for(&sounds));
    let synth = choice
        .synth(config, &mut |w| eprintln!("limber: {w}"))
        .and_then(Result::ok);
    let all = 0..routine.steps.len();
    let timeline =
        speech::plan(&routine, &settings, all, synth.as_ref(), None).map_err(Error::Write)?;
    let lines = speech::lines(&timeline);
    let measured = synth
        .as_ref()
        .map_or(0, |s| lines.iter().filter(|l| s.has(l)).count());
    let engine = choice.engine.name();
    if json {
        let mut value = serde_json::to_value(timeline.to_json()).expect("a plan serializes");
        value["speech"] = serde_json::json!({
            "engine": engine,
            "lines": lines.len(),
            "measured": measured,
        });
        let mut text = serde_json::to_string_pretty(&value).expect("a plan serializes");
        text.push('\n');
        print(&text)?;
    } else {
        let note = match (&synth, measured) {
            (None, _) if choice.engine == Engine::None => {
                "No voice is chosen: the times of the words are estimated from the speaking rate."
                    .to_string()
            }
            (None, _) if choice.engine == Engine::System => format!(
                "Speech is estimated from the speaking rate: the {engine} voice speaks live and cannot be measured."
            ),
            (None, _) => {
                "Speech is estimated from the speaking rate: the speech cache cannot be used."
                    .to_string()
            }
            (Some(s), m) if m == lines.len() => format!(
                "Speech times are exact: all {m} lines are in the {} speech cache.",
                s.engine.name
            ),
            (Some(_), m) => format!(
                "Speech times are exact for {m} of {} lines, estimated for the rest; `limber prepare {name}{}` makes them all exact.",
                lines.len(),
                voice.flags()
            ),
        };
        print(&format!("{timeline}\n\n{note}\n"))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The voice's engine and cache, for commands that need sound files.
fn synth_for(config: &Config, choice: &Choice) -> Result<Synth, Error> {
    let engine = choice.engine;
    let synth = choice
        .synth(config, &mut |w| eprintln!("limber: {w}"))
        .ok_or_else(|| {
            Error::Usage(format!(
                "the {} voice makes no sound files; choose one that does with --voice espeak-ng, piper or pico2wave",
                engine.name()
            ))
        })?
        .map_err(Error::Write)?;
    synth
        .engine
        .check()
        .map_err(|why| Error::Write(format!("{} cannot start ({why})", synth.engine.name)))?;
    Ok(synth)
}

/// Shows progress on a terminal only: in a log, one line per routine is enough.
fn progress(what: &str) -> impl FnMut(usize, usize, &str) + '_ {
    let tty = std::io::stderr().is_terminal();
    move |i, n, _| {
        if tty {
            eprint!("\r\x1b[Kmaking speech for {what}: {} of {n}", i + 1);
        }
    }
}

fn clear_progress() {
    if std::io::stderr().is_terminal() {
        eprint!("\r\x1b[K");
    }
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
}

/// Ctrl-C or SIGTERM while `prepare` or `render` works: the speech programs are stopped and the
/// command ends with nothing half-done (see [`stopped`]).
fn stop_on_signal() {
    std::thread::spawn(|| {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        runtime.block_on(async {
            use tokio::signal::unix::{SignalKind, signal};
            let (Ok(mut interrupt), Ok(mut terminate)) = (
                signal(SignalKind::interrupt()),
                signal(SignalKind::terminate()),
            ) else {
                return;
            };
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
            crate::voice::command::stop_all();
        });
    });
}

/// The end of a command stopped by a signal: what is left, and the exit status 130.
fn stopped(what: &str) -> Result<ExitCode, Error> {
    clear_progress();
    eprintln!("limber: stopped; {what}");
    Ok(ExitCode::from(crate::session::INTERRUPTED))
}

fn prepare(config: &Config, names: &[String], voice: &VoiceArgs) -> Result<ExitCode, Error> {
    let choice = Choice::new(config, voice);
    let synth = synth_for(config, &choice)?;
    stop_on_signal();
    let sounds = config.sounds(&mut |w| eprintln!("limber: {w}"));
    let settings = choice.settings(&config.settings_for(&sounds));
    let mut routines = Vec::new();
    if names.is_empty() {
        for found in library::everything(config.routines.as_deref()) {
            match found.and_then(|f| f.load()) {
                Ok(r) => routines.push(r),
                Err(e) => eprintln!("{}", e.report()),
            }
        }
    } else {
        for name in names {
            routines.push(library::find(name, config.routines.as_deref())?.load()?);
        }
    }
    let mut needed = Vec::new();
    let mut out = String::new();
    for routine in &routines {
        let started = std::time::Instant::now();
        let mut made = std::collections::HashSet::new();
        let timeline = {
            let mut shown = progress(&routine.name);
            let mut count = |i: usize, n: usize, text: &str| {
                if !synth.has(text) {
                    made.insert(text.to_string());
                }
                shown(i, n, text);
            };
            speech::plan(
                routine,
                &settings,
                0..routine.steps.len(),
                Some(&synth),
                Some(&mut count),
            )
        };
        clear_progress();
        let timeline = timeline.map_err(|why| {
            Error::Write(format!(
                "{} failed on {}: {why}",
                synth.engine.name, routine.name
            ))
        })?;
        let lines = speech::lines(&timeline);
        // Counted among the lines the session says (a closing line made while the plan settled
        // and then changed is not one of them).
        let made = lines.iter().filter(|l| made.contains(*l)).count();
        let keys: Vec<String> = lines.iter().map(|l| synth.key(l)).collect();
        let bytes: u64 = keys.iter().filter_map(|k| synth.cache().size(k)).sum();
        out.push_str(&format!(
            "{}: {} lines, {made} made now in {:.1} s, {} on disk; plays for {}\n",
            routine.name,
            lines.len(),
            started.elapsed().as_secs_f64(),
            megabytes(bytes),
            clock(timeline.total),
        ));
        needed.extend(keys);
    }
    let removed = synth.cache().trim(&needed);
    let (files, bytes) = synth.cache().usage();
    out.push_str(&format!(
        "Speech cache ({}): {files} lines, {} of at most {}, in {}{}\n",
        synth.engine.name,
        megabytes(bytes),
        megabytes(synth.cache().max_bytes()),
        synth.cache().dir().display(),
        if removed > 0 {
            format!("; {removed} lines used least recently were removed to keep within it")
        } else {
            String::new()
        }
    ));
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}

fn render(config: &Config, args: &RenderArgs) -> Result<ExitCode, Error> {
    let to_stdout = args.output == Path::new("-");
    let format = match (args.format, crate::encode::Format::from_path(&args.output)) {
        (Some(format), _) | (None, Some(format)) => format,
        (None, None) if to_stdout => crate::encode::Format::Wav,
        (None, None) => {
            return Err(Error::Usage(format!(
                "cannot tell the format of {}: name it .wav, .flac or .mp3, or give --format",
                args.output.display()
            )));
        }
    };
    if to_stdout && std::io::stdout().is_terminal() {
        return Err(Error::Usage(
            "-o - writes the sound to standard output, which is a terminal here: pipe it into a program, or give a file name".into(),
        ));
    }
    // Both files' folders are checked first: a render is not thrown away for a chapters file
    // that cannot be written.
    let output = (!to_stdout).then_some(&args.output);
    for path in output.into_iter().chain(&args.chapters) {
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if !dir.is_dir() {
            return Err(Error::Write(format!(
                "cannot write {}: there is no folder {}",
                path.display(),
                dir.display()
            )));
        }
    }
    let routine = library::find(&args.routine, config.routines.as_deref())?.load()?;
    let part =
        Part::of(&routine, args.from.as_deref(), args.only.as_deref()).map_err(Error::Usage)?;
    let mut choice = Choice::new(config, &args.voice);
    if choice.engine == Engine::System {
        eprintln!("limber: the system voice cannot write files; espeak-ng speaks instead");
        choice.engine = Engine::Preset("espeak-ng");
        choice.name = None;
    }
    let synth = match choice.engine {
        Engine::None => None,
        _ => Some(synth_for(config, &choice)?),
    };
    let sounds = config.sounds(&mut |w| eprintln!("limber: {w}"));
    let settings = choice.settings(&config.settings_for(&sounds));
    stop_on_signal();
    let started = std::time::Instant::now();
    let range = part.range(routine.steps.len());
    let timeline = {
        let mut shown = progress(&routine.name);
        speech::plan(&routine, &settings, range, synth.as_ref(), Some(&mut shown))
    };
    clear_progress();
    if crate::voice::command::stopping() {
        return stopped("nothing was written");
    }
    let timeline = timeline.map_err(|why| {
        let engine = synth.as_ref().map_or("", |s| s.engine.name.as_str());
        Error::Write(format!(
            "cannot make the speech for {} with {engine}: {why}",
            routine.name
        ))
    })?;
    let mix = crate::render::Mix {
        sounds: &sounds,
        sound_volume: args.sound_volume.unwrap_or(config.sound_volume),
        synth: synth.as_ref(),
        voice_volume: choice.volume,
        rate: args.rate,
    };
    let written = crate::render::render_as(&timeline, &mix, &args.output, format);
    if crate::voice::command::stopping() {
        return stopped("nothing was written");
    }
    written.map_err(Error::Write)?;
    if let Some(synth) = &synth {
        synth.trim(&speech::lines(&timeline));
    }
    let took = started.elapsed().as_secs_f64();
    if let Some(path) = &args.chapters {
        let json = path.extension().is_some_and(|e| e == "json");
        std::fs::write(path, crate::render::chapters(&timeline, json))
            .map_err(|e| Error::Write(format!("cannot write {}: {e}", path.display())))?;
    }
    let took = format!(
        "in {took:.1} s ({:.0} times real time)",
        timeline.total as f64 / 1000.0 / took.max(0.001)
    );
    if to_stdout {
        // Standard output is the sound: the report goes to stderr.
        eprintln!(
            "limber: wrote {} of {} as {format} to standard output, {took}",
            clock(timeline.total),
            routine.name,
        );
    } else {
        let size = std::fs::metadata(&args.output).map_or(0, |m| m.len());
        print(&format!(
            "Wrote {}: {} of {}, {format}, {}, {took}\n",
            args.output.display(),
            clock(timeline.total),
            routine.name,
            megabytes(size),
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// How long routines last, as `plan` would say: exact for lines in the default voice's cache.
struct Lengths {
    settings: Settings,
    synth: Option<Synth>,
}

impl Lengths {
    fn new(config: &Config) -> Lengths {
        let choice = Choice::new(config, &VoiceArgs::default());
        Lengths {
            settings: choice.settings(&config.settings_for(&config.sounds(&mut |_| {}))),
            synth: choice.synth(config, &mut |_| {}).and_then(Result::ok),
        }
    }

    fn total(&self, routine: &Routine) -> crate::routine::Ms {
        let all = 0..routine.steps.len();
        speech::plan(routine, &self.settings, all, self.synth.as_ref(), None).map_or_else(
            |_| timeline::plan(routine, &self.settings).total,
            |t| t.total,
        )
    }
}

fn summary(routine: &Routine, lengths: &Lengths) -> (String, usize) {
    (clock(lengths.total(routine)), routine.exercise_count())
}

fn list(config: &Config, json: bool) -> Result<ExitCode, Error> {
    let dir = config.routines.as_deref();
    let lengths = Lengths::new(config);
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
                    "total_seconds": lengths.total(routine) as f64 / 1000.0,
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
            let (length, exercises) = summary(routine, &lengths);
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
                let (length, exercises) = summary(routine, &lengths);
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
