//! Plans made with the real length of every line the speech cache holds.
//!
//! A voice that makes sound files (espeak-ng, Piper, pico2wave, the user's own program) keeps each
//! line in the speech cache. Once a line is there its length is known to the millisecond, so the
//! plan, the live session and the rendered file all put every cue at the same moment.

use crate::plan::settings::Settings;
use crate::plan::timeline::{self, Timeline, TooLong, What};
use crate::routine::{Ms, Routine};
use crate::voice::speaker::Synth;

/// Why a plan could not be made.
#[derive(Debug, Clone, PartialEq)]
pub enum Unplanned {
    /// The plan that would play passes the longest a session may be.
    TooLong(TooLong),
    /// The voice could not make a line.
    Speech(String),
}

impl Unplanned {
    /// The error to report for `source`: a plan too long points at the step that passes the
    /// limit; a voice's failure is worded by `speech`.
    pub fn error(
        self,
        source: &crate::routine::source::Source,
        routine: &Routine,
        speech: impl FnOnce(String) -> crate::Error,
    ) -> crate::Error {
        match self {
            Unplanned::TooLong(t) => {
                crate::plan::too_long(source, routine, &t, crate::plan::SETTINGS_HELP)
            }
            Unplanned::Speech(why) => speech(why),
        }
    }
}

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
///
/// The session's limit holds for this plan, the one that plays: with these settings and these
/// lines' real lengths, which may be longer than the estimate a routine was checked with.
pub fn plan(
    routine: &Routine,
    settings: &Settings,
    range: std::ops::Range<usize>,
    synth: Option<&Synth>,
    make: Option<&mut Progress<'_>>,
) -> Result<Timeline, Unplanned> {
    let mut settings = settings.clone();
    let within = |settings: &Settings| {
        timeline::plan_within(
            routine,
            settings,
            range.clone(),
            crate::plan::MAX_SESSION_MS,
        )
        .map_err(Unplanned::TooLong)
    };
    let Some(synth) = synth else {
        return within(&settings);
    };
    let mut make = make;
    for _ in 0..4 {
        let timeline = within(&settings)?;
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
                    Some(synth.clip(text).map_err(Unplanned::Speech)?.duration_ms())
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
    within(&settings)
}
