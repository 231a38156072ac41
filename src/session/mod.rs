//! A live session: the player, what steers it and what it tells.
//!
//! [`player::play`] walks a timeline on the clock and sends its cues to the voices and the audio
//! output. It is steered through one channel of [`player::Control`]s, fed by [`keys`] (a
//! terminal), [`control`] (`limber ctl` over a Unix socket) and [`signals`]; [`start`] waits for
//! `--at` or `--wait`. [`record`] writes the session to the log. It tells what happens through [`captions`] (the terminal), [`hooks`] (the
//! user's program at each event) and [`events`] (`-v` on stderr).

pub mod captions;
pub mod control;
pub mod events;
pub mod hooks;
pub mod keys;
pub mod live;
pub mod player;
pub mod record;
pub mod signals;
pub mod start;
pub mod suspend;
