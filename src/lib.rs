//! limber: a voice coach for floor exercises.
//!
//! The folders are the stages of the data path (ARCHITECTURE.md has the whole map):
//!
//! ```text
//! routine file --routine--> Routine --plan--> Timeline (pure, printable)
//!     --session (player)--> voice and sound devices
//!     --sound::render--> a WAV file (the same timeline, no device)
//! ```
//!
//! Arrows go one way, from the command line down to the routine:
//! `cli` -> `session` -> `config` -> `voice` -> `sound` -> `plan` -> `history` -> `routine` ->
//! `error`, `log`, `words`; `history` (the session log) uses only `routine`.

pub mod cli;
pub mod config;
pub mod error;
pub mod fuzz;
pub mod history;
pub mod log;
pub mod plan;
pub mod routine;
pub mod session;
pub mod sound;
pub mod voice;
pub mod words;

pub use error::Error;
