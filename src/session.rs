//! `limber run`: a live session from a routine, with real devices.
//!
//! Chooses and opens the devices (audio output, voices, captions), plans the session with the real
//! lengths of the sounds, plays it, and handles the ways a session ends: at its end, by Ctrl-C, or
//! by SIGTERM from a service manager. Every device fault has a way out that keeps the session
//! going: no voice means captions, no audio output on a terminal means captions.
//!
//! In order: take the control socket (one session at a time), start listening for signals,
//! `limber ctl` and keys, wait for `--at`/`--wait` if asked, and only then open the output and
//! the voices, so a session that waits all night opens the speaker as it is in the morning. Every
//! source of control feeds one channel that the player reads.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::rc::Rc;

use crate::audio::{Output, OutputSettings, RodioOutput, Silent};
use crate::captions::{Captions, Quiet, Terminal};
use crate::cli::RunArgs;
use crate::config::{Config, Engine};
use crate::error::Error;
use crate::library;
use crate::player::{Control, Controls, Devices, Status, play};
use crate::timeline::{self, Part, clock};
use crate::voice::espeak::{Espeak, EspeakSettings};
use crate::voice::system::{System, SystemSettings};
use crate::voice::{Voice, Voices};

/// The exit code of a session stopped by Ctrl-C or SIGTERM.
pub const INTERRUPTED: u8 = 130;

pub fn run(config: &Config, args: &RunArgs) -> Result<ExitCode, Error> {
    let name = args.routine.as_deref().unwrap_or(library::DEFAULT_ROUTINE);
    let routine = library::find(name, config.routines.as_deref())?.load()?;
    let part = match (&args.from, &args.only) {
        (Some(step), _) => Part::From(timeline::find_step(&routine, step).map_err(Error::Usage)?),
        (_, Some(step)) => Part::Only(timeline::find_step(&routine, step).map_err(Error::Usage)?),
        _ => Part::All,
    };

    // One session at a time: the control socket is the lock, taken before any device is opened.
    let claim = crate::control::claim()?;

    let tty = std::io::stdout().is_terminal();
    let interactive = tty || std::io::stdin().is_terminal();
    let mut captions: Box<dyn Captions> = match args.captions().or(config.captions).unwrap_or(tty) {
        true => Box::new(Terminal::new(tty)),
        false => Box::new(Quiet),
    };

    let sounds = config.sounds(&mut |w| captions.notice(&w));
    let mut settings = config.settings_for(&sounds);
    if let Some(rate) = args.voice_rate {
        settings.words_per_minute = f64::from(rate);
    }
    let timeline = timeline::plan_steps(&routine, &settings, part.range(routine.steps.len()));

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Write(format!("cannot start the session's clock: {e}")))?;
    let _context = runtime.enter();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    // Registered before anything is heard, so Ctrl-C at any moment stops the session cleanly.
    crate::signals::listen(&tx);
    let status = tokio::sync::watch::Sender::new(Status {
        routine: timeline.routine.clone(),
        steps: timeline.steps.len(),
        session_left: std::time::Duration::from_millis(timeline.total),
        ..Status::default()
    });
    crate::control::serve(claim.as_ref(), tx.clone(), status.subscribe());
    // Keys from the terminal, when there is one; the guard restores it however `run` ends.
    let keys = crate::keys::start(tx.clone());
    if keys.is_some() {
        captions.info("press ? for the keys");
    }

    if let Some(target) = crate::start::target(args.at, args.wait) {
        status.send_modify(|s| s.starts_at = Some(target.timestamp()));
        captions.info(&format!(
            "waiting until {} to start {}; Ctrl-C or `limber ctl stop` cancels",
            crate::start::describe(&target),
            routine.name
        ));
        let started = runtime.block_on(async {
            tokio::select! {
                () = crate::start::sleep_until(&target) => true,
                () = async {
                    while let Some(c) = rx.recv().await {
                        if c == Control::Stop {
                            return;
                        }
                    }
                    std::future::pending::<()>().await
                } => false,
            }
        });
        status.send_modify(|s| s.starts_at = None);
        if !started {
            captions.summary(&format!("Stopped {} before it began.", routine.name));
            return Ok(ExitCode::from(INTERRUPTED));
        }
    }

    let mut device: Option<Rc<RodioOutput>> = None;
    let wanted = args.device.clone().or_else(|| config.device.clone());
    let opened = RodioOutput::open_with(OutputSettings {
        device: wanted.clone(),
        keep_alive: config.keep_alive,
    });
    let output: Rc<dyn Output> = match opened {
        Ok(output) => {
            let output = Rc::new(output);
            device = Some(Rc::clone(&output));
            output
        }
        // An output asked for by name is meant: no other will do.
        Err(why) if wanted.is_some() => return Err(Error::Device(why)),
        // With nothing to hear, captions are the session: only on a screen, and only if wanted.
        Err(why) if interactive && args.captions() != Some(false) => {
            captions = Box::new(Terminal::new(tty));
            captions.notice(&format!(
                "no audio output ({why}); carrying on with captions only. Check that a speaker is connected and not muted"
            ));
            Rc::new(Silent)
        }
        Err(why) => return Err(Error::NoAudio(why)),
    };

    // A voice played into no output would only cost time.
    let mut voices = if device.is_some() {
        voices(config, args, &settings, Rc::clone(&output), &mut *captions)
    } else {
        Voices::none()
    };

    let hooks = args
        .on_event
        .clone()
        .or_else(|| config.on_event.clone())
        .map(|program| Rc::new(std::cell::RefCell::new(crate::hooks::Hooks::new(program))));
    let report = runtime.block_on(async {
        let mut controls = Controls::new(rx);
        controls.status = status;
        controls.on_resume = config.on_resume;
        if let Some(hooks) = &hooks {
            let hooks = Rc::clone(hooks);
            controls.on_event = Box::new(move |event| {
                crate::log::event(event);
                hooks.borrow_mut().fire(event);
            });
        } else {
            controls.on_event = Box::new(crate::log::event);
        }
        controls.voice_volume = args.voice_volume.unwrap_or(config.voice.volume);
        let mut devices = Devices {
            voices: &mut voices,
            output: &*output,
            sounds: &sounds,
            captions: &mut *captions,
            sound_volume: args.sound_volume.unwrap_or(config.sound_volume),
            words_per_minute: settings.words_per_minute,
            gap: settings.gap,
        };
        if device.is_some() && config.lead_in > 0 {
            // Wakes an output that sleeps, so the first words are not clipped.
            let lead_in = crate::audio::quiet_clip(config.lead_in);
            devices.output.play(&lead_in, 1.0);
            tokio::time::sleep(std::time::Duration::from_millis(config.lead_in)).await;
        }
        play(&timeline, &mut devices, &mut controls).await
    });

    if let Some((count, Some(first))) = device.map(|d| d.errors()).filter(|(n, _)| *n > 0) {
        let times = if count == 1 {
            "an error".to_string()
        } else {
            format!("{count} errors")
        };
        captions.notice(&format!(
            "the audio output reported {times} during the session (the first: {first}); if the sound dropped out, check the device"
        ));
    }
    // The last hooks (finish or stop) are not cut short.
    if let Some(hooks) = hooks.and_then(|h| Rc::try_unwrap(h).ok()) {
        runtime.block_on(hooks.into_inner().finish());
    }
    let total = timeline.steps.len();
    let done = report.steps_done();
    let took = clock(report.elapsed);
    let skipped = match report.skipped.len() {
        0 => String::new(),
        n => format!(", {n} skipped"),
    };
    if report.finished {
        captions.summary(&format!(
            "Finished {}: {done} of {total} steps in {took}{skipped}.",
            routine.name
        ));
        Ok(ExitCode::SUCCESS)
    } else {
        let last = report
            .played
            .last()
            .and_then(|p| timeline.cues[p.index].step)
            .and_then(|n| timeline.steps.iter().find(|s| s.step == n))
            .map(|s| format!("; stopped during step {} ({})", s.step, s.title))
            .unwrap_or_default();
        captions.summary(&format!(
            "Stopped {} after {took}: {done} of {total} steps done{skipped}{last}.",
            routine.name
        ));
        Ok(ExitCode::from(INTERRUPTED))
    }
}

/// The voices to use, best first; each that cannot start is reported once.
fn voices(
    config: &Config,
    args: &RunArgs,
    settings: &crate::settings::Settings,
    output: Rc<dyn Output>,
    captions: &mut dyn Captions,
) -> Voices {
    let engine = args
        .voice
        .as_deref()
        .and_then(Engine::parse)
        .unwrap_or(config.voice.engine);
    let rate = settings.words_per_minute.round() as u32;
    let pitch = args.voice_pitch.unwrap_or(config.voice.pitch);
    let volume = args.voice_volume.unwrap_or(config.voice.volume);
    let name = args
        .voice_name
        .clone()
        .or_else(|| config.voice.name.clone());
    let mut engines: Vec<Box<dyn Voice>> = Vec::new();
    let mut problems = Vec::new();
    if engine == Engine::System {
        match System::new(&SystemSettings {
            rate,
            pitch,
            volume,
            voice: name.clone(),
        }) {
            Ok(v) => engines.push(Box::new(v)),
            Err(why) => problems.push(format!("the system voice cannot start ({why})")),
        }
    }
    if matches!(engine, Engine::System | Engine::EspeakNg) {
        // espeak-ng names its voices by language ("en-gb"); a system voice's name may not exist there.
        let voice = if engine == Engine::EspeakNg {
            name
        } else {
            None
        };
        match Espeak::new(
            EspeakSettings {
                rate,
                pitch,
                voice,
                volume,
                ..Default::default()
            },
            output,
        ) {
            Ok(v) => engines.push(Box::new(v)),
            Err(why) => problems.push(format!("espeak-ng cannot start ({why})")),
        }
    }
    if !problems.is_empty() {
        let next = match engines.first() {
            Some(v) => format!("using {}", v.name()),
            None if engine == Engine::None => unreachable!("no engine was asked for"),
            None => "the session runs with chimes and captions; install speech-dispatcher or espeak-ng (scripts/setup does) to hear the words".into(),
        };
        captions.notice(&format!("{}; {next}", problems.join(", and ")));
    }
    Voices::new(engines)
}

/// `limber devices`: the audio outputs.
pub fn list_devices() -> Result<ExitCode, Error> {
    let devices = crate::audio::devices()
        .map_err(|e| Error::Device(format!("cannot list the audio outputs: {e}")))?;
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
    crate::app::print(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// `limber voices`: the voices of each engine.
pub fn list_voices() -> Result<ExitCode, Error> {
    let mut out = String::new();
    match crate::voice::system::voices() {
        Ok(voices) => {
            out.push_str(&format!(
                "System voice (speech-dispatcher), {} voices; use with --voice-name NAME:\n",
                voices.len()
            ));
            for (name, language) in voices {
                out.push_str(&format!("  {name:<32} {language}\n"));
            }
        }
        Err(why) => out.push_str(&format!("System voice: not available ({why})\n")),
    }
    match crate::voice::espeak::voices(std::path::Path::new("espeak-ng")) {
        Ok(voices) => {
            out.push_str(&format!(
                "\nespeak-ng, {} voices; use with --voice espeak-ng --voice-name NAME:\n",
                voices.len()
            ));
            for (language, name) in voices {
                out.push_str(&format!("  {language:<12} {name}\n"));
            }
        }
        Err(why) => out.push_str(&format!("\nespeak-ng: not available ({why})\n")),
    }
    crate::app::print(&out)?;
    Ok(ExitCode::SUCCESS)
}
