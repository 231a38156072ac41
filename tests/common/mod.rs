//! What the end-to-end tests share beside `limber_lab::{Home, Test}`: finding the tools, skipping
//! (or, in CI, failing) without them (limber_lab::need), the test binary's private PulseAudio
//! server with a null sink for each test (limber_lab::server), waiting, and the installed Piper.

// Each test binary uses its own part of this.
#![allow(dead_code)]

use std::path::Path;
use std::time::{Duration, Instant};

#[allow(unused_imports)]
pub use limber_lab::need::{have, missing, skip};
#[allow(unused_imports)]
pub use limber_lab::server::{Recording, Server, Sink};

/// Waits up to 15 s for `ready`.
pub fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !ready() {
        assert!(Instant::now() < deadline, "{what} never became ready");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The Piper that `scripts/setup` installed for this user: limber's data folder
/// (`~/.local/share/limber`), with `piper/` and `voices/`. `None`, after saying why, when it is not
/// there; in CI (LIMBER_REQUIRE_PIPER=1) that is a failure.
pub fn installed_piper() -> Option<std::path::PathBuf> {
    let data = std::env::var_os("XDG_DATA_HOME")
        .filter(|d| !d.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".local/share")))?
        .join("limber");
    if data.join("piper/bin/piper").is_file() && data.join("voices/en_US-joe-medium.onnx").is_file()
    {
        return Some(data);
    }
    let why = format!(
        "Piper is not installed in {}; run scripts/setup",
        data.display()
    );
    if std::env::var_os("LIMBER_REQUIRE_PIPER").is_some_and(|v| v == "1") {
        panic!("{why}");
    }
    eprintln!("SKIPPED: {why}");
    None
}

/// Gives the home folder `home` the installed Piper and its voices, as `scripts/setup` would have
/// (the program and each voice file linked), and a `piper` beside them that counts its starts:
/// it writes its process id to `home/piper-starts` and becomes the real one. Returns that
/// counting program.
pub fn give_piper(home: &Path, data: &Path) -> std::path::PathBuf {
    use std::os::unix::fs::symlink;
    let ours = home.join(".local/share/limber");
    std::fs::create_dir_all(ours.join("voices")).unwrap();
    symlink(data.join("piper"), ours.join("piper")).unwrap();
    for voice in std::fs::read_dir(data.join("voices")).unwrap().flatten() {
        symlink(voice.path(), ours.join("voices").join(voice.file_name())).unwrap();
    }
    let counting = home.join("counting-piper");
    std::fs::write(
        &counting,
        format!(
            "#!/bin/sh\necho $$ >> {}\nexec {} \"$@\"\n",
            home.join("piper-starts").display(),
            data.join("piper/bin/piper").display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(
        &counting,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    counting
}

/// The process ids of the pipers started through [`give_piper`]'s counting program.
pub fn piper_starts(home: &Path) -> Vec<i32> {
    std::fs::read_to_string(home.join("piper-starts"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

/// Whether a process is still running (not gone, not a zombie).
pub fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|s| !s.contains(") Z ") && !s.contains(") X "))
}
