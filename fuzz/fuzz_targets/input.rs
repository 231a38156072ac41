//! A routine (and, after a 0xFF byte, a configuration) read, validated and planned as `limber
//! plan` would: see `limber::cli::fuzz`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = limber::cli::fuzz::input(data);
});
