//! `limber prepare`: every line of some routines made ahead, into the speech cache.

use std::process::ExitCode;

use super::args::VoiceArgs;
use super::{clear_progress, megabytes, print, progress, stop_on_signal, synth_for};
use crate::config::Config;
use crate::report::error::Error;
use crate::report::words::clock;
use crate::routine::library;
use crate::voice::lengths;

pub fn prepare(config: &Config, names: &[String], voice: &VoiceArgs) -> Result<ExitCode, Error> {
    let choice = super::chosen_voice(config, voice)?;
    let synth = synth_for(config, &choice)?;
    stop_on_signal();
    let sounds = config.sounds(&mut |w| super::warn(&w));
    let settings = choice.settings(&config.settings_for(&sounds));
    let mut routines = Vec::new();
    if names.is_empty() {
        for found in library::everything(config.routines.as_deref()) {
            match found.and_then(|f| Ok((crate::plan::load_with(&f, &settings)?, f))) {
                Ok(r) => routines.push(r),
                Err(e) => eprintln!("{}", e.report()),
            }
        }
    } else {
        for name in names {
            let found = library::find(name, config.routines.as_deref())?;
            routines.push((crate::plan::load_with(&found, &settings)?, found));
        }
    }
    let mut needed = Vec::new();
    let mut out = String::new();
    for (routine, found) in &routines {
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
            lengths::plan(
                routine,
                &settings,
                0..routine.steps.len(),
                Some(&synth),
                Some(&mut count),
            )
        };
        clear_progress();
        let timeline = timeline.map_err(|e| {
            e.error(&found.source, routine, |why| {
                Error::Write(format!(
                    "{} failed on {}: {why}",
                    synth.engine.name, routine.name
                ))
            })
        })?;
        let lines = lengths::lines(&timeline);
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
    print(&crate::report::words::shown_lines(&out))?;
    // Lines that could not be kept are made again by the session: `prepare` did not do its job.
    if let Some((why, n)) = synth.unkept() {
        return Err(Error::Write(format!(
            "{n} lines could not be kept in the speech cache ({why}); free some space and run `limber prepare` again"
        )));
    }
    Ok(ExitCode::SUCCESS)
}
