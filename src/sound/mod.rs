//! Sound: clips, the built-in chimes, the audio device, and whole sessions written to files.
//!
//! - [`clip`]: a sound in memory ([`clip::Clip`]) and the set of sounds a session uses.
//! - [`chime`]: the built-in sounds, made from a few sine waves.
//! - [`output`]: the audio device behind the [`output::Output`] trait.
//! - [`mixer`]: the one mixer: clips placed at frames, made into frames block by block.
//! - [`render`]: a timeline mixed into a WAV file on the mixer, sample-exact.

pub mod chime;
pub mod clip;
pub mod encode;
pub mod mixer;
pub mod output;
pub mod render;
