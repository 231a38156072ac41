//! `limber history`: the sessions done, the week against the goal, the streak, the calendar,
//! as text, as JSON, or as an SVG picture; and `limber rate`, for the last session.

use std::io::IsTerminal;
use std::process::ExitCode;

use super::args::HistoryArgs;
use super::print;
use crate::config::Config;
use crate::history::plot;
use crate::history::record::Rating;
use crate::history::sessions::History;
use crate::history::view::{Filter, Report};
use crate::report::error::Error;

/// The log, with a note under `-v` for each line skipped because it was cut short.
pub fn load(config: &Config) -> Result<(History, std::path::PathBuf), Error> {
    read(config, History::load)
}

/// The log without its exercises ([`History::summary`]), noted as [`load`] does.
pub fn summary(config: &Config) -> Result<(History, std::path::PathBuf), Error> {
    read(config, History::summary)
}

fn read(
    config: &Config,
    how: fn(&std::path::Path) -> Result<History, crate::report::error::LogError>,
) -> Result<(History, std::path::PathBuf), Error> {
    let path = log_path(config)?;
    let history = how(&path)?;
    for (file, line) in &history.torn {
        crate::report::log::line(
            crate::report::log::VERBOSE,
            &format!(
                "{}:{line}: skipped a line cut short (a session killed while writing, or a full disk); the records around it are whole",
                file.display()
            ),
        );
    }
    Ok((history, path))
}

fn log_path(config: &Config) -> Result<std::path::PathBuf, Error> {
    config.history_file.clone().ok_or_else(|| {
        Error::Usage(
            "there is no state folder for the session log: set $LIMBER_HISTORY or \"history\": {\"file\": ...} in the configuration".into(),
        )
    })
}

pub fn history(config: &Config, args: &HistoryArgs) -> Result<ExitCode, Error> {
    // The list, the week and the calendar need no exercises; the picture and the JSON do.
    let (history, _) = if args.plot.is_some() || args.json {
        load(config)?
    } else {
        summary(config)?
    };
    let filter = Filter {
        routine: args.routine.clone(),
        since: args.since,
    };
    let today = jiff::Zoned::now().date();
    let report = Report::new(&history, &filter, today, config.goal);
    if let Some(file) = &args.plot {
        let shown: Vec<_> = history
            .sessions
            .iter()
            .filter(|s| filter.keeps(s))
            .collect();
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
    if args.json {
        write_json(&report)?;
    } else {
        let color = std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        print(&report.text(color, args.last))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes the report to stdout as it is made; a reader that went away is not an error.
fn write_json(report: &Report) -> Result<(), Error> {
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
    let (history, path) = summary(config)?;
    let Some(last) = history.last() else {
        return Err(Error::Usage(
            "there is no session to rate yet: `limber run` starts one".into(),
        ));
    };
    let note = note
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    crate::session::record::rate(&path, &last.id, rating, note, "rate").map_err(Error::Write)?;
    let name = last
        .begin
        .as_ref()
        .map_or("the last session", |b| b.routine.name.as_str());
    let when = last
        .begin
        .as_ref()
        .and_then(|b| b.at.get(..16))
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
            " Next time its exercises are a step easier. If the pain goes on, stop, and see a doctor or physiotherapist; get help at once with numbness, tingling or weakness in a leg, a fever, or trouble controlling your bladder or bowels.",
        );
    }
    print(&format!("{said}\n"))?;
    Ok(ExitCode::SUCCESS)
}
