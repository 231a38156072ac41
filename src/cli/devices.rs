//! `limber devices`: the audio outputs, for --device and the configuration.

use std::process::ExitCode;

use super::print;
use crate::report::error::Error;

/// `limber devices`: the audio outputs.
pub fn list_devices() -> Result<ExitCode, Error> {
    let devices = crate::sound::output::devices().map_err(Error::Device)?;
    let mut out = format!(
        "{} audio outputs; use with --device NAME or \"audio\": {{\"device\": NAME}} in the configuration:\n",
        devices.len()
    );
    let width = devices
        .iter()
        .map(|d| d.name.len())
        .max()
        .unwrap_or(0)
        .min(40);
    for d in devices {
        let mark = if d.default { " (the default)" } else { "" };
        out.push_str(&format!("  {:<width$}  {}{mark}\n", d.name, d.description));
    }
    print(&out)?;
    Ok(ExitCode::SUCCESS)
}
