//! Sound: clips, the built-in chimes, the audio device, and whole sessions written to files.
//!
//! - [`clip`]: a sound in memory ([`clip::Clip`]) and the set of sounds a session uses.
//! - [`chime`]: the built-in sounds, made from a few sine waves.
//! - [`mixer`]: the one mixer: clips placed at frames on the output's sample counter.
//! - [`output`]: the [`output::Output`] trait the player plays through, and a recording fake.
//! - [`stream`]: the live output and its clock: the mixer fed to the sound server or a device.
//! - [`pulse`]: the sound server's own client, which buffers ahead and rewrites what it holds.
//! - [`render`]: a timeline mixed into a WAV file on the same mixer, sample-exact.

pub mod chime;
pub mod clip;
pub mod encode;
pub mod mixer;
pub mod output;
pub mod pulse;
pub mod render;
pub mod stream;
