//! The fuzz target (`fuzz/fuzz_targets/input.rs`) run as a bounded property test on stable Rust:
//! the seed corpus (every routine and configuration in the repository) mutated the way a fuzzer
//! mutates, each input through `limber::cli::fuzz::input`, asserting that nothing panics and that each
//! input is answered within 1 s and 100 MB of memory.
//!
//! Time is the processor time of the thread: a long run goes at the lowest priority on a machine
//! others use, where the clock also counts their time (both are printed).
//!
//! CI runs a few thousand inputs (a few seconds). `LIMBER_FUZZ_CASES=N` runs N, for a long run
//! (see RELIABILITY.md); a failure prints the input that caused it, shrunk, and proptest keeps it
//! in `tests/fuzz.proptest-regressions` so it is tried first from then on.
//! `LIMBER_FUZZ_CORPUS=DIR` adds every file in DIR to the seeds, each measured on its own
//! first: how the corpus libFuzzer grew is held to the same bounds (libFuzzer times inputs only
//! in whole seconds, and without a sanitizer does not see allocations).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use peak_alloc::PeakAlloc;
use proptest::prelude::*;

#[global_allocator]
static MEMORY: PeakAlloc = PeakAlloc;

/// The bounds every input must keep.
const MAX_TIME: Duration = Duration::from_secs(1);
const MAX_MEMORY: usize = 100 * 1024 * 1024;

/// The seed corpus, as `fuzz/seed` is made from it: routines, bad routines, configurations.
fn seeds() -> Vec<Vec<u8>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in [
        "routines",
        "tests/routines",
        "tests/bad",
        "examples",
        "fuzz/seed",
    ] {
        collect(&root.join(dir), &mut files);
    }
    files.push(root.join("config.example.json"));
    files.sort();
    files.dedup();
    let mut seeds: Vec<Vec<u8>> = files.iter().filter_map(|f| std::fs::read(f).ok()).collect();
    // A routine with a configuration, as the fuzz target reads them.
    let config = std::fs::read(root.join("config.example.json")).unwrap();
    let routine = std::fs::read(root.join("routines/core-strength.json")).unwrap();
    let mut both = routine;
    both.push(limber::cli::fuzz::SEPARATOR);
    both.extend_from_slice(&config);
    seeds.push(both);
    assert!(seeds.len() > 10, "the seed corpus is missing");
    // A corpus libFuzzer grew (files of any name), to measure its inputs one by one.
    if let Some(dir) = std::env::var_os("LIMBER_FUZZ_CORPUS") {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("LIMBER_FUZZ_CORPUS is a folder")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        seeds.extend(files.iter().filter_map(|f| std::fs::read(f).ok()));
    }
    seeds
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path
            .extension()
            .is_some_and(|e| e == "json" || e == "jsonc" || e == "txt")
        {
            out.push(path);
        }
    }
}

/// The words of the routine language, from `fuzz/routine.dict`: what a mutation inserts.
fn dictionary() -> Vec<Vec<u8>> {
    let text = include_str!("../fuzz/routine.dict");
    text.lines()
        .filter_map(|l| {
            let l = l.trim();
            let start = l.find('"')?;
            let end = l.rfind('"')?;
            (end > start && !l.starts_with('#')).then(|| unescape(&l[start + 1..end]))
        })
        .collect()
}

/// libFuzzer's dictionary escapes: `\\`, `\"` and `\xNN`.
fn unescape(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            if b[i + 1] == b'x' && i + 3 < b.len() {
                if let Ok(v) = u8::from_str_radix(&s[i + 2..i + 4], 16) {
                    out.push(v);
                    i += 4;
                    continue;
                }
            }
            out.push(b[i + 1]);
            i += 2;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

/// One change to an input, as a fuzzer makes them.
#[derive(Debug, Clone)]
enum Mutation {
    /// Set a byte.
    Byte(usize, u8),
    /// Insert a word of the dictionary.
    Word(usize, usize),
    /// Remove a run of bytes.
    Cut(usize, usize),
    /// Repeat a run of bytes (the way one step becomes five hundred).
    Repeat(usize, usize, usize),
    /// Replace a number with another (a huge one, a negative one, a fraction).
    Number(usize, u64),
    /// Put in part of another seed.
    Splice(usize, usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let at = any::<usize>();
    prop_oneof![
        (at, any::<u8>()).prop_map(|(a, b)| Mutation::Byte(a, b)),
        (at, any::<usize>()).prop_map(|(a, w)| Mutation::Word(a, w)),
        (at, 1usize..64).prop_map(|(a, n)| Mutation::Cut(a, n)),
        (at, 1usize..400, 1usize..40).prop_map(|(a, n, k)| Mutation::Repeat(a, n, k)),
        (
            at,
            prop_oneof![
                Just(0u64),
                Just(1),
                Just(20),
                Just(100),
                Just(3600),
                Just(u32::MAX as u64),
                Just(u64::MAX),
                any::<u64>()
            ]
        )
            .prop_map(|(a, n)| Mutation::Number(a, n)),
        (at, any::<usize>(), 1usize..200).prop_map(|(a, s, n)| Mutation::Splice(a, s, n)),
    ]
}

fn apply(input: &mut Vec<u8>, m: &Mutation, words: &[Vec<u8>], seeds: &[Vec<u8>]) {
    let len = input.len();
    let at = |a: usize| if len == 0 { 0 } else { a % (len + 1) };
    match *m {
        Mutation::Byte(a, b) if len > 0 => input[a % len] = b,
        Mutation::Byte(..) => input.push(0),
        Mutation::Word(a, w) => {
            let word = &words[w % words.len()];
            let a = at(a);
            input.splice(a..a, word.iter().copied());
        }
        Mutation::Cut(a, n) => {
            let a = at(a);
            let end = (a + n).min(len);
            input.drain(a..end);
        }
        Mutation::Repeat(a, n, k) => {
            let a = at(a);
            let end = (a + n).min(len);
            let run = input[a..end].to_vec();
            for _ in 0..k {
                if input.len() > 256 * 1024 {
                    break;
                }
                input.splice(end..end, run.iter().copied());
            }
        }
        Mutation::Number(a, n) => {
            // The next number after `a`.
            let a = at(a);
            if let Some(start) = (a..len).find(|&i| input[i].is_ascii_digit()) {
                let end = (start..len)
                    .find(|&i| !input[i].is_ascii_digit())
                    .unwrap_or(len);
                input.splice(start..end, n.to_string().into_bytes());
            }
        }
        Mutation::Splice(a, s, n) => {
            let other = &seeds[s % seeds.len()];
            if !other.is_empty() {
                let from = (s / seeds.len().max(1)) % other.len();
                let piece = other[from..(from + n).min(other.len())].to_vec();
                let a = at(a);
                input.splice(a..a, piece);
            }
        }
    }
}

fn cases() -> u32 {
    std::env::var("LIMBER_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000)
}

/// The processor time this thread has used: what an input costs, however busy the machine (a
/// long run shares it, at the lowest priority, with everything else).
fn cpu_time() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

/// What one input cost: processor time, time on the clock, and the most memory it held.
struct Cost {
    cpu: Duration,
    wall: Duration,
    peak: usize,
}

/// Runs one input, measuring it.
fn bounded(input: &[u8]) -> Cost {
    let before = MEMORY.current_usage();
    MEMORY.reset_peak_usage();
    let (started, cpu) = (Instant::now(), cpu_time());
    let outcome = limber::cli::fuzz::input(input);
    let (wall, cpu) = (started.elapsed(), cpu_time() - cpu);
    drop(outcome);
    let peak = MEMORY.peak_usage().saturating_sub(before);
    Cost { cpu, wall, peak }
}

/// One test in this file: the memory counter is the whole process's.
#[test]
fn mutated_inputs_never_panic_and_stay_within_bounds() {
    let seeds = seeds();
    let (mut slowest, mut longest, mut most) = ((Duration::ZERO, 0), Duration::ZERO, (0, 0));
    for seed in &seeds {
        let cost = bounded(seed);
        if cost.cpu > slowest.0 {
            slowest = (cost.cpu, seed.len());
        }
        longest = longest.max(cost.wall);
        if cost.peak > most.0 {
            most = (cost.peak, seed.len());
        }
        if std::env::var_os("LIMBER_FUZZ_SEEDS").is_some() {
            eprintln!(
                "seed of {} bytes: {:?} ({:?} on the clock), {} bytes",
                seed.len(),
                cost.cpu,
                cost.wall,
                cost.peak
            );
        }
        assert!(cost.cpu < MAX_TIME, "a seed took {:?}", cost.cpu);
        assert!(cost.peak < MAX_MEMORY, "a seed used {} bytes", cost.peak);
    }
    eprintln!(
        "{} seeds: the slowest took {:.1} ms of processor time ({} bytes), the longest {:.1} ms on the clock; the most memory one held was {:.1} MB ({} bytes)",
        seeds.len(),
        slowest.0.as_secs_f64() * 1000.0,
        slowest.1,
        longest.as_secs_f64() * 1000.0,
        most.0 as f64 / 1048576.0,
        most.1
    );
    let words = dictionary();
    assert!(words.len() > 50, "the dictionary is missing");
    let config = ProptestConfig {
        cases: cases(),
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::SourceParallel("proptest-regressions"),
        )),
        ..ProptestConfig::default()
    };
    #[derive(Default)]
    struct Stats {
        inputs: u64,
        /// The most processor time, and the input's size.
        cpu: Duration,
        size: usize,
        /// The longest on the clock (which counts time the machine gave to others).
        wall: Duration,
        peak: usize,
        bytes: u64,
    }
    let stats = std::cell::RefCell::new(Stats::default());
    let started = Instant::now();
    proptest!(config, |(seed in any::<usize>(), mutations in proptest::collection::vec(mutation(), 1..8))| {
        let mut input = seeds[seed % seeds.len()].clone();
        for m in &mutations {
            apply(&mut input, m, &words, &seeds);
        }
        let cost = bounded(&input);
        let mut s = stats.borrow_mut();
        s.inputs += 1;
        s.bytes += input.len() as u64;
        if cost.cpu > s.cpu {
            s.cpu = cost.cpu;
            s.size = input.len();
        }
        s.wall = s.wall.max(cost.wall);
        s.peak = s.peak.max(cost.peak);
        // A long run says how far it has come.
        if s.inputs % 1_000_000 == 0 {
            let secs = started.elapsed().as_secs_f64();
            eprintln!("{} inputs in {secs:.0} s ({:.0} a second)", s.inputs, s.inputs as f64 / secs);
        }
        prop_assert!(cost.cpu < MAX_TIME, "took {:?} on {} bytes", cost.cpu, input.len());
        prop_assert!(cost.peak < MAX_MEMORY, "used {} MB on {} bytes", cost.peak >> 20, input.len());
    });
    let s = stats.borrow();
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "{} inputs ({:.0} bytes on average) in {secs:.0} s, {:.0} a second; the slowest took {:.1} ms of processor time ({} bytes), the longest {:.1} ms on the clock; the most memory one held was {:.1} MB",
        s.inputs,
        s.bytes as f64 / s.inputs.max(1) as f64,
        s.inputs as f64 / secs,
        s.cpu.as_secs_f64() * 1000.0,
        s.size,
        s.wall.as_secs_f64() * 1000.0,
        s.peak as f64 / 1048576.0
    );
}
