//! How limber reports to a person outside the session's speech: the errors it ends with
//! ([`error`]), the lines it tells on stderr and how many (`-q`, `-v`: [`log`]), and the plain
//! words for counts and lengths that every command shares ([`words`]).
//!
//! These are the leaves of the house: every folder may use them, and they use nothing of limber
//! but each other.

pub mod error;
pub mod log;
pub mod words;
