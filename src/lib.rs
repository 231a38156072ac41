//! limber: a voice coach for floor exercises.
//!
//! The data path, one module per stage:
//!
//! ```text
//! routine file --source--> JSON with positions --validate--> Routine (routine)
//!     --timeline::plan--> Timeline (pure, printable)
//!     --player--> Voices (voice), Output (audio), Captions (captions)
//! ```
//!
//! `format` describes the routine language once, for the validator and the JSON Schema alike.
//! `session` opens the real devices for `limber run`; the player itself sees only traits, so its
//! tests use recording fakes on paused time. `chime` makes the sounds in `sounds/`, and `listen`
//! hears them again in recordings, for the end-to-end tests.
//!
//! A running session is controlled through one channel of `player::Control`s, fed by `keys` (a
//! terminal), `control` (`limber ctl` over a Unix socket) and `signals`; `hooks` runs the user's
//! program at each event, `start` waits for `--at`, and `log` tells what happens on stderr.

pub mod app;
pub mod audio;
pub mod cache;
pub mod captions;
pub mod chime;
pub mod cli;
pub mod config;
pub mod control;
pub mod encode;
pub mod error;
pub mod format;
pub mod hooks;
pub mod keys;
pub mod library;
pub mod listen;
pub mod live;
pub mod log;
pub mod player;
pub mod render;
pub mod routine;
pub mod schema;
pub mod session;
pub mod settings;
pub mod signals;
pub mod sounds;
pub mod source;
pub mod speech;
pub mod start;
pub mod suspend;
pub mod template;
pub mod timeline;
pub mod validate;
pub mod voice;
pub mod words;

pub use error::Error;
