//! For the tests: takes the terminal the way a session does (`limber::session::keys`), then panics.
//! The terminal test runs it under a pseudo-terminal and checks that the terminal was put back.
//!
//! The guard is forgotten first, so what restores the terminal is the panic hook alone: the one
//! way out that does not unwind through the guard (a panic on another thread, or one that aborts).

fn main() {
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let keys = limber::session::keys::start(tx);
    println!("keys: {}", if keys.is_some() { "on" } else { "off" });
    std::mem::forget(keys);
    std::thread::sleep(std::time::Duration::from_millis(200));
    panic!("on purpose, to test the terminal is restored");
}
