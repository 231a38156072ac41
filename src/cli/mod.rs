//! The command line: arguments ([`args`]), one file per command, and what they share.
//!
//! Each command goes from parsed arguments to output and an exit code: 0 done, 1 a failure the
//! message explains, 2 a usage error, 130 stopped by Ctrl-C or SIGTERM.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use crate::config::{Choice, Config};
use crate::report::error::Error;
use crate::voice::speaker::Synth;
use args::{Cli, Command, SchemaOf};

pub mod args;
mod check;
mod ctl;
mod devices;
pub mod fuzz;
mod history;
mod list;
mod plan;
mod prepare;
mod render;
mod routines;
mod run;
mod voices;

/// The exit code of a command stopped by Ctrl-C or SIGTERM.
pub const INTERRUPTED: u8 = 130;

/// Runs limber with the process's arguments.
pub fn main() -> ExitCode {
    if std::env::args_os().len() == 1 {
        // Plain `limber`: what it is and the commands, short, as a usage mistake.
        eprint!("{}", short_usage());
        return ExitCode::from(2);
    }
    let cli = match args::command()
        .try_get_matches()
        .and_then(|m| <Cli as clap::FromArgMatches>::from_arg_matches(&m))
    {
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
    crate::report::log::set_level(match (cli.quiet, cli.verbose) {
        (true, _) => crate::report::log::QUIET,
        (_, true) => crate::report::log::VERBOSE,
        _ => crate::report::log::NORMAL,
    });
    if let Command::Schema { of } = cli.command {
        let config = of == SchemaOf::Config;
        // The schema never depends on the configuration, so a broken one cannot hide it.
        let text = if config {
            crate::config::schema_text()
        } else {
            crate::routine::schema::schema_text()
        };
        print(&text)?;
        return Ok(ExitCode::SUCCESS);
    }
    match &cli.command {
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(*shell, &mut args::command(), "limber", &mut out);
            print(&String::from_utf8_lossy(&out))?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::Man => {
            let mut out = Vec::new();
            clap_mangen::Man::new(args::command())
                .render(&mut out)
                .map_err(|e| Error::Write(format!("cannot write the manual: {e}")))?;
            print(&String::from_utf8_lossy(&out))?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::Config => {
            print(routines::CONFIG_EXAMPLE)?;
            return Ok(ExitCode::SUCCESS);
        }
        _ => {}
    }
    if let Command::Ctl {
        command,
        json,
        rating,
    } = cli.command
    {
        // Controlling a session never depends on the configuration either.
        return match (command, rating) {
            (args::CtlCommand::Rate, Some(r)) => ctl::ctl(&format!("rate {}", r.word()), json),
            (_, Some(_)) => Err(Error::Usage(
                "only `limber ctl rate` takes a rating: `limber ctl rate easy`".into(),
            )),
            _ => ctl::ctl(command.word(), json),
        };
    }
    if let Command::Run(args) = &cli.command {
        // A session hears signals before it reads its configuration.
        return run::run(cli.config.as_deref(), args);
    }
    let config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::List { json } => list::list(&config, json),
        Command::Plan {
            routine,
            from,
            only,
            json,
            voice,
            levels,
        } => plan::plan(&config, &routine, (from, only), json, &voice, levels),
        Command::Show { routine } => routines::show(&config, &routine),
        Command::New { name, from } => routines::new(&config, &name, from.as_deref()),
        Command::History(args) => history::history(&config, &args),
        Command::Rate { rating, note } => history::rate(&config, rating, note.as_deref()),
        Command::Prepare { routines, voice } => prepare::prepare(&config, &routines, &voice),
        Command::Render(args) => render::render(&config, &args),
        Command::Check { files } => check::check(&config, &files),
        Command::Voices { engine } => voices::list_voices(&config, engine.as_deref()),
        Command::Devices => devices::list_devices(),
        Command::Run(_)
        | Command::Schema { .. }
        | Command::Ctl { .. }
        | Command::Completions { .. }
        | Command::Man
        | Command::Config => unreachable!("handled above"),
    }
}

/// What plain `limber` prints: one line on what it is, the usage, and each command in a line.
fn short_usage() -> String {
    let cmd = args::command();
    let mut out = format!(
        "limber {}: a voice coach for floor exercises.\n\nUsage: limber COMMAND [OPTIONS]\n\nCommands:\n",
        env!("CARGO_PKG_VERSION")
    );
    for sub in cmd.get_subcommands() {
        let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
        // The first clause is enough here: `limber help COMMAND` has the rest.
        let short = first_clause(&about);
        out.push_str(&format!("  {:<12} {short}\n", sub.get_name()));
    }
    out.push_str(
        "\nStart with `limber list`, then `limber run NAME`. `limber help COMMAND` tells more.\n",
    );
    out
}

/// The words before the first `:`, `;` or `,` that is not inside parentheses, without a final
/// full stop: "Say how the last session went (easy, fine, hard or pain)".
fn first_clause(text: &str) -> &str {
    let mut depth = 0u32;
    let end = text
        .char_indices()
        .find(|&(_, c)| {
            match c {
                '(' => depth += 1,
                ')' => depth = depth.saturating_sub(1),
                _ => {}
            }
            depth == 0 && matches!(c, ':' | ';' | ',')
        })
        .map_or(text.len(), |(i, _)| i);
    text[..end].trim_end().trim_end_matches('.')
}

/// A routine at the levels its progressions have reached (or those chosen by hand), for `run`,
/// `plan` and `render`.
pub(crate) struct Leveled {
    pub routine: crate::routine::Routine,
    pub levels: Vec<crate::history::progression::Level>,
    /// The last session of this routine was rated "pain", and an exercise is now at a lower level
    /// than it was in that session.
    pub eased: bool,
    /// The last session of this routine was rated "pain" (whether or not anything came down).
    pub hurt: bool,
    /// The log, when it could be read.
    pub history: Option<crate::history::sessions::History>,
}

pub(crate) fn leveled(
    config: &Config,
    id: &str,
    routine: &crate::routine::Routine,
    levels: args::LevelArgs,
) -> Leveled {
    use crate::history::progression::{Choice, apply};
    let history = match config
        .history_file
        .as_deref()
        .map(|p| history::load(config).map(|(h, _)| h).map_err(|e| (p, e)))
    {
        Some(Ok(h)) => Some(h),
        Some(Err((_, e))) => {
            crate::report::log::fault(&format!(
                "{}; every exercise is at level 1 for now",
                e.report()
            ));
            None
        }
        None => None,
    };
    let choice = levels.choice();
    let (grown, levels) = apply(routine, id, history.as_ref(), choice);
    let hurt = choice == Choice::Log && history.as_ref().is_some_and(|h| h.pain_last(id));
    // "A step easier" only when it is: pain at level 1 (a first session that hurt) or in a
    // routine without progressions brings nothing down, and is followed by the advice alone.
    let eased = hurt && levels.iter().any(|l| l.eased);
    Leveled {
        routine: grown,
        levels,
        eased,
        hurt,
        history,
    }
}

/// Writes to stdout; a reader that went away (`limber plan x | head`) is not an error.
pub(crate) fn print(text: &str) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Write(format!(
            "cannot write output: {}",
            crate::report::error::plain(&e)
        ))),
        _ => Ok(()),
    }
}

/// A warning on stderr, such as a configured sound that cannot be played.
fn warn(text: &str) {
    eprintln!("limber: {}", crate::report::words::shown_lines(text));
}

/// The voice the configuration and the voice flags choose, its name checked, and said under
/// `-v`: where every command that speaks starts.
fn chosen_voice(config: &Config, args: &args::VoiceArgs) -> Result<Choice, Error> {
    let choice = args.choice(config);
    choice.check_name().map_err(Error::Usage)?;
    crate::report::log::line(
        crate::report::log::VERBOSE,
        &format!("voice: {}", choice.describe()),
    );
    Ok(choice)
}

/// The voice's engine and cache, for commands that need sound files.
fn synth_for(config: &Config, choice: &Choice) -> Result<Synth, Error> {
    let engine = choice.engine;
    let synth = choice
        .synth(config, &mut |w| warn(&w))
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
    let what = crate::report::words::shown(what);
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
    Ok(ExitCode::from(INTERRUPTED))
}
