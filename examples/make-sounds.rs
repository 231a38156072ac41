//! Writes limber's built-in sounds to `sounds/`, from the generator in `src/chime.rs`.
//!
//!     cargo run --example make-sounds

use limber::plan::settings::Sound;
use limber::sound::chime;

fn main() -> std::io::Result<()> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sounds");
    std::fs::create_dir_all(&dir)?;
    for sound in Sound::ALL {
        let path = dir.join(format!("{}.wav", sound.name()));
        std::fs::write(&path, chime::wav(sound))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
