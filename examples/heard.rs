//! Prints when each chime was heard in a recording, and the hold lengths between start and end
//! chimes: a way to compare a recorded session with its plan by hand.
//!
//!     cargo run --example heard -- recording.wav

use limber::plan::settings::Sound;
use limber_lab::listen;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: heard RECORDING.wav");
        std::process::exit(2);
    };
    let (samples, rate) = match listen::read_wav(std::path::Path::new(&path)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    // Each chime placed to a fraction of a millisecond by matching it with the sound itself.
    let set = limber::sound::clip::SoundSet::built_in();
    let find = |sound| {
        let clip = limber::sound::render::convert(set.clip(sound), rate);
        listen::matched_onsets(&samples, rate, sound, &clip)
    };
    let starts = find(Sound::HoldStart);
    let ends = find(Sound::HoldEnd);
    for (i, s) in starts.iter().enumerate() {
        let end = ends.iter().find(|e| *e > s);
        match end {
            Some(e) => println!(
                "hold {:>2}: start {s:9.4} s  end {e:9.4} s  lasted {:8.4} s",
                i + 1,
                e - s
            ),
            None => println!("hold {:>2}: start {s:8.3} s  (no end heard)", i + 1),
        }
    }
    println!(
        "{} hold starts, {} hold ends heard",
        starts.len(),
        ends.len()
    );
}
