//! What the `espeak-ng` program offers. It speaks through [`super::command`]'s preset.

use std::process::{Command, Stdio};

/// The voices `espeak-ng --voices` lists: (name, language).
pub fn voices(program: &std::path::Path) -> Result<Vec<(String, String)>, String> {
    let out = Command::new(program)
        .arg("--voices")
        .stderr(Stdio::null())
        .output()
        .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(text
        .lines()
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split_whitespace().collect();
            // Pty Language Age/Gender VoiceName File Other...
            (cols.len() >= 4).then(|| (cols[1].to_string(), cols[3].to_string()))
        })
        .collect())
}
