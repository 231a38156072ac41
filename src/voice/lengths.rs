//! Plans made with the real length of every line the speech cache holds.
//!
//! A voice that makes sound files (espeak-ng, Piper, pico2wave, the user's own program) keeps each
//! line in the speech cache. Once a line is there its length is known to the millisecond, so the
//! plan, the live session and the rendered file all put every cue at the same moment.

use crate::plan::settings::Settings;
use crate::plan::timeline::{self, Timeline, What};
use crate::routine::{Ms, Routine};
use crate::voice::speaker::Synth;

/// Hears of each line as it is made: its number, how many there are, and the line.
pub type Progress<'a> = dyn FnMut(usize, usize, &str) + 'a;

/// The different lines a timeline speaks, in the order it first speaks them.
pub fn lines(timeline: &Timeline) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    timeline
        .cues
        .iter()
        .filter_map(|c| match &c.what {
            What::Text(t) if seen.insert(t.as_str()) => Some(t.clone()),
            _ => None,
        })
        .collect()
}

/// Plans `range` of a routine with the real length of every line the cache holds. With `make`,
/// lines not yet in the cache are made first (`progress` hears of each); otherwise their length
/// is estimated.
///
/// The plan is made again until it is stable, because the closing words say how long the session
/// took, and a new length can change them.
pub fn plan(
    routine: &Routine,
    settings: &Settings,
    range: std::ops::Range<usize>,
    synth: Option<&Synth>,
    make: Option<&mut Progress<'_>>,
) -> Result<Timeline, String> {
    let mut settings = settings.clone();
    let Some(synth) = synth else {
        return Ok(timeline::plan_steps(routine, &settings, range));
    };
    let mut make = make;
    for _ in 0..4 {
        let timeline = timeline::plan_steps(routine, &settings, range.clone());
        let lines = lines(&timeline);
        let todo: Vec<&String> = lines
            .iter()
            .filter(|t| !settings.spoken.contains_key(*t))
            .collect();
        let mut learnt = false;
        for (i, text) in todo.iter().enumerate() {
            let length: Option<Ms> = match make.as_mut() {
                Some(progress) => {
                    progress(i, todo.len(), text);
                    Some(synth.clip(text)?.duration_ms())
                }
                None => synth.length(text),
            };
            if let Some(ms) = length {
                settings.spoken.insert(text.to_string(), ms);
                learnt = true;
            }
        }
        if !learnt {
            return Ok(timeline);
        }
    }
    Ok(timeline::plan_steps(routine, &settings, range))
}
