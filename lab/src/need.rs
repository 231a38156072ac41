//! What the end-to-end tests need from the machine: finding the tools, and skipping without them,
//! or, in CI (`LIMBER_REQUIRE_AUDIO=1`), failing.

use std::process::{Command, Stdio};

/// Whether `program` runs (`program --version`).
pub fn have(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// Whether the tools are missing: then the test says so and should return, unless
/// LIMBER_REQUIRE_AUDIO=1 (as in CI), when it fails.
pub fn missing(programs: &[&str], what: &str) -> bool {
    let missing: Vec<&str> = programs.iter().copied().filter(|p| !have(p)).collect();
    if missing.is_empty() {
        return false;
    }
    skip(&format!(
        "{what} need {}; run scripts/setup --test",
        missing.join(", ")
    ));
    true
}

/// Says why a test does not run; in CI (LIMBER_REQUIRE_AUDIO=1) that is a failure.
pub fn skip(why: &str) {
    if std::env::var_os("LIMBER_REQUIRE_AUDIO").is_some_and(|v| v == "1") {
        panic!("{why}");
    }
    eprintln!("SKIPPED: {why}");
}
