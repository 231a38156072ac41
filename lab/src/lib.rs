//! What limber's tests and benchmarks use and the program does not: recording fakes of its
//! devices, and the analysis of what a real sound server recorded.
//!
//! A dev-dependency of limber only, so none of it is compiled into the shipped library or binary.
//!
//! - [`voice::FakeVoice`]: a voice on tokio's clock that records what it said.
//! - [`output::RecordingOutput`]: an audio output that records what it was asked to play.
//! - [`captions::Recorded`]: captions that keep every line.
//! - [`session`]: a whole session played on paused time with those fakes, steered by a script.
//! - [`listen`]: when each chime was heard in a recording, and where there was sound.
//! - [`server`]: a private PulseAudio server shared by a test binary, a null sink for each test.
//! - [`binary`]: the real binary run in a home folder of a test's own, with what it must do.
//! - [`need`]: the tools a test needs, and skipping (or, in CI, failing) without them.

pub mod binary;
pub mod captions;
pub mod listen;
pub mod need;
pub mod output;
pub mod server;
pub mod session;
pub mod voice;

pub use binary::{Home, Output, Test};
