//! The session log and what it shows: what was done, how it felt, and how the routines grow.
//!
//! - `record`: the log's lines (a session's begin, end and rating), one JSON object each.
//! - `store`: the file in the state folder, appended to and never rewritten; torn lines skipped.
//! - `sessions`: records put together by session, whatever order and files they came in.
//! - `brief`: the same sessions in brief, read for the list, the week and `limber rate`: a few
//!   numbers a session, without the exercises, so a long log is read in little time and memory.
//! - `progression`: a routine at its levels, for `plan` and `run` (`--level`, `--no-progress`).
//! - `level`: how an exercise with a progression grows, as a pure function of its sessions.
//! - `stats`: minutes and sessions a week against the goal, the streak, the calendar.
//! - `view`: `limber history` as text and as JSON, and the end of a session compared.
//! - `plot`: the SVG picture of progress.
//!
//! A session writes its records through `session::record`; this module uses only `routine` and `report`.

pub mod brief;
pub mod level;
pub mod plot;
pub mod progression;
pub mod record;
pub mod sessions;
pub mod stats;
pub mod store;
pub mod view;
