//! `limber history`: the sessions done, the week against the goal, the streak, the calendar,
//! as text, as JSON, or as an SVG picture; and `limber rate`, for the last session.

use std::io::IsTerminal;
use std::process::ExitCode;

use super::args::HistoryArgs;
use super::print;
use crate::config::Config;
use crate::history::brief::Briefs;
use crate::history::plot;
use crate::history::record::Rating;
use crate::history::sessions::History;
use crate::history::view::{Filter, Report};
use crate::report::error::Error;

/// The log, with a note under `-v` for each line skipped because it was cut short.
pub fn load(config: &Config) -> Result<(History, std::path::PathBuf), Error> {
    let path = log_path(config)?;
    let history = History::load(&path)?;
    note_torn(&history.torn);
    Ok((history, path))
}

/// The log's sessions in brief ([`Briefs`]), noted as [`load`] does.
pub fn briefs(config: &Config) -> Result<(Briefs, std::path::PathBuf), Error> {
    let path = log_path(config)?;
    let briefs = Briefs::read(&path)?;
    note_torn(&briefs.torn);
    Ok((briefs, path))
}

fn note_torn(torn: &[(std::path::PathBuf, usize)]) {
    for (file, line) in torn {
        crate::report::log::line(
            crate::report::log::VERBOSE,
            &format!(
                "{}:{line}: skipped a line cut short (a session killed while writing, or a full disk); the records around it are whole",
                file.display()
            ),
        );
    }
}

fn log_path(config: &Config) -> Result<std::path::PathBuf, Error> {
    config.history_file.clone().ok_or_else(|| {
        Error::Usage(
            "there is no state folder for the session log: set $LIMBER_HISTORY or \"history\": {\"file\": ...} in the configuration".into(),
        )
    })
}

pub fn history(config: &Config, args: &HistoryArgs) -> Result<ExitCode, Error> {
    let filter = Filter {
        routine: args.routine.clone(),
        since: args.since,
    };
    let today = jiff::Zoned::now().date();
    // The list, the week and the calendar need only the sessions in brief; the picture and the
    // JSON need them whole.
    if args.plot.is_none() && !args.json {
        let (log, _) = briefs(config)?;
        let report = Report::new(&log, &filter, today, config.goal);
        let color = std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        print(&report.text(color, args.last))?;
        return Ok(ExitCode::SUCCESS);
    }
    let (history, _) = load(config)?;
    let log = Briefs::of(&history);
    let report = Report::new(&log, &filter, today, config.goal);
    if let Some(file) = &args.plot {
        let shown: Vec<_> = report.shown.iter().map(|i| &history.sessions[*i]).collect();
        let data = plot::Data::new(shown.iter().copied(), &report.weeks, config.goal);
        let title = match &args.routine {
            Some(r) => format!("limber: {r}"),
            None => "limber: your progress".to_string(),
        };
        let svg = plot::svg(&data, &title).map_err(Error::Write)?;
        std::fs::write(file, svg)
            .map_err(|e| Error::Write(format!("cannot write {}: {e}", file.display())))?;
        crate::report::log::info(&format!(
            "wrote {} ({} sessions, {} weeks)",
            file.display(),
            shown.len(),
            data.weeks.len()
        ));
        return Ok(ExitCode::SUCCESS);
    }
    write_json(&report.json(&history))?;
    Ok(ExitCode::SUCCESS)
}

/// Writes the report to stdout as it is made; a reader that went away is not an error.
fn write_json(report: &impl serde::Serialize) -> Result<(), Error> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let written = serde_json::to_writer_pretty(&mut out, report)
        .map_err(std::io::Error::from)
        .and_then(|()| {
            use std::io::Write;
            out.write_all(b"\n")?;
            out.flush()
        });
    match written {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Write(format!(
            "cannot write output: {}",
            crate::report::error::plain(&e)
        ))),
        _ => Ok(()),
    }
}

/// `limber rate`: rates the last session begun.
pub fn rate(config: &Config, rating: Rating, note: Option<&str>) -> Result<ExitCode, Error> {
    let (log, path) = briefs(config)?;
    let Some(last) = log.last() else {
        return Err(Error::Usage(
            "there is no session to rate yet: `limber run` starts one".into(),
        ));
    };
    let note = note
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    crate::session::record::rate(&path, &last.id, rating, note, "rate").map_err(Error::Write)?;
    let name = log.routine(last).map_or("the last session", |r| &r.name);
    let when = last
        .begin
        .as_ref()
        .and_then(|b| b.head())
        .map(|t| t.replace('T', " "))
        .unwrap_or_default();
    let mut said = format!(
        "Rated {} ({}): {}.",
        crate::report::words::shown(name),
        crate::report::words::shown(&when),
        rating.word()
    );
    if rating == Rating::Pain {
        said.push_str(
            " Next time, its exercises that can ease off will. If the pain goes on, stop, and see a doctor or physiotherapist; get help at once with numbness, tingling or weakness in a leg, a fever, or trouble controlling your bladder or bowels.",
        );
    }
    print(&format!("{said}\n"))?;
    Ok(ExitCode::SUCCESS)
}
