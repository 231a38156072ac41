//! `limber render`: a whole session written to an audio file (WAV, FLAC or MP3, or standard
//! output), with its chapters.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use super::args::RenderArgs;
use super::{clear_progress, megabytes, print, progress, stop_on_signal, stopped, synth_for};
use crate::config::{Config, Engine};
use crate::plan::timeline::Part;
use crate::report::error::Error;
use crate::report::words::clock;
use crate::routine::library;
use crate::sound::encode::Format;
use crate::voice::lengths;

pub fn render(config: &Config, args: &RenderArgs) -> Result<ExitCode, Error> {
    let to_stdout = args.output == Path::new("-");
    let format = match (args.format, Format::from_path(&args.output)) {
        (Some(format), _) | (None, Some(format)) => format,
        (None, None) if to_stdout => Format::Wav,
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
    let found = library::find(&args.routine, config.routines.as_deref())?;
    let written = crate::plan::load(&found)?;
    // A rendering plays the exercises at the levels a session would (it records nothing).
    let leveled = super::leveled(config, &found.id, &written, args.levels);
    let routine = leveled.routine;
    let part =
        Part::of(&routine, args.from.as_deref(), args.only.as_deref()).map_err(Error::Usage)?;
    let mut choice = super::chosen_voice(config, &args.voice)?;
    if choice.engine == Engine::System {
        eprintln!("limber: the system voice cannot write files; espeak-ng speaks instead");
        choice = choice.with_engine(Engine::Preset("espeak-ng"));
    }
    let synth = match choice.engine {
        Engine::None => None,
        _ => Some(synth_for(config, &choice)?),
    };
    let sounds = config.sounds(&mut |w| super::warn(&w));
    let mut settings = choice.settings(&config.settings_for(&sounds));
    settings.eased = leveled.eased;
    settings.hurt = leveled.hurt;
    stop_on_signal();
    let started = std::time::Instant::now();
    let range = part.range(routine.steps.len());
    let timeline = {
        let mut shown = progress(&routine.name);
        lengths::plan(&routine, &settings, range, synth.as_ref(), Some(&mut shown))
    };
    clear_progress();
    if crate::voice::command::stopping() {
        return stopped("nothing was written");
    }
    let timeline = timeline.map_err(|e| {
        e.error(&found.source, &routine, |why| {
            let engine = synth.as_ref().map_or("", |s| s.engine.name.as_str());
            Error::Write(format!(
                "cannot make the speech for {} with {engine}: {why}",
                routine.name
            ))
        })
    })?;
    let mix = crate::sound::render::Mix {
        sounds: &sounds,
        sound_volume: args.sound_volume.unwrap_or(config.sound_volume),
        speech: synth
            .as_ref()
            .map(|s| s as &dyn crate::sound::render::Speech),
        voice_volume: choice.volume,
        rate: args.rate,
        stopped: crate::voice::command::stopping,
    };
    let written = crate::sound::render::render_as(&timeline, &mix, &args.output, format);
    if crate::voice::command::stopping() {
        return stopped("nothing was written");
    }
    written.map_err(Error::Write)?;
    if let Some(synth) = &synth {
        synth.trim(&lengths::lines(&timeline));
    }
    let took = started.elapsed().as_secs_f64();
    if let Some(path) = &args.chapters {
        let json = path.extension().is_some_and(|e| e == "json");
        std::fs::write(path, crate::sound::render::chapters(&timeline, json)).map_err(|e| {
            Error::Write(format!(
                "cannot write {}: {}",
                path.display(),
                crate::report::error::plain(&e)
            ))
        })?;
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
