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

use super::INTERRUPTED;
use super::args::RunArgs;
use crate::config::Choice;
use crate::config::{Ask, Config, Engine};
use crate::history::record::{Begin, RoutineId};
use crate::plan::timeline::Part;
use crate::report::error::Error;
use crate::report::words::clock;
use crate::routine::library;
use crate::session::captions::{Captions, Quiet, Terminal};
use crate::session::player::{Control, Controls, Devices, Status, play};
use crate::session::record::{self, Recorder};
use crate::sound::output::{Output, OutputSettings, Silent};
use crate::sound::stream::LiveOutput;
use crate::voice::speaker::{Speaker, Synth};
use crate::voice::system::{System, SystemSettings};
use crate::voice::{Voice, Voices};

/// `limber run`, with the configuration at `config` (`--config`, else the usual places): read
/// here, once the signals are heard, not before.
pub fn run(config: Option<&std::path::Path>, args: &RunArgs) -> Result<ExitCode, Error> {
    // Signals first, before anything else is done, reading the configuration too (a slow disk,
    // a big file): SIGTERM or Ctrl-C a moment after the start (a service restarted at once, a
    // script that changed its mind) must end the session as cleanly as one an hour in: status
    // 130, and no socket left behind.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Write(format!("cannot start the session's clock: {e}")))?;
    let _context = runtime.enter();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    crate::session::signals::listen(&tx);
    let config = &Config::load(config)?;

    let name = args.routine.as_deref().unwrap_or(library::DEFAULT_ROUTINE);
    let found = library::find(name, config.routines.as_deref())?;
    let written = crate::plan::load(&found)?;
    let part =
        Part::of(&written, args.from.as_deref(), args.only.as_deref()).map_err(Error::Usage)?;

    // One session at a time: the control socket is the lock, taken before any device is opened.
    let claim = crate::session::control::claim()?;

    let tty = std::io::stdout().is_terminal();
    let interactive = tty || std::io::stdin().is_terminal();
    let captioned = args.captions().or(config.captions).unwrap_or(tty);
    // On a terminal that can draw, the live display; elsewhere plain lines.
    let live = (captioned && crate::session::live::wanted(tty))
        .then(|| crate::session::live::Live::new(crate::session::live::colour(), false));
    let mut captions: Box<dyn Captions> = match (captioned, &live) {
        (true, Some(live)) => Box::new(live.clone()),
        (true, None) => Box::new(Terminal::new(tty)),
        (false, _) => Box::new(Quiet::default()),
    };

    // The exercises at the levels the session log has reached.
    let leveled = super::leveled(config, &found.id, &written, args.levels);
    let routine = &leveled.routine;
    let sounds = config.sounds(&mut |w| captions.notice(&w));
    let choice = super::chosen_voice(config, &args.voice)?;
    let mut settings = choice.settings(&config.settings_for(&sounds));
    settings.eased = leveled.eased;
    settings.hurt = leveled.hurt;
    // The speech cache of the chosen voice: lines it holds play at once, and their real lengths
    // make the plan exact.
    let synth = match choice.synth(config, &mut |w| captions.notice(&w)) {
        Some(Ok(synth)) => Some(std::sync::Arc::new(synth)),
        Some(Err(why)) => {
            captions.notice(&why);
            None
        }
        None => None,
    };
    let range = part.range(routine.steps.len());
    let timeline =
        crate::voice::lengths::plan(routine, &settings, range.clone(), synth.as_deref(), None)
            .map_err(|e| e.error(&found.source, routine, Error::Write))?;
    // The lines of earlier sessions make room for this one's, if the cache is full.
    if let Some(synth) = &synth {
        synth.trim(&crate::voice::lengths::lines(&timeline));
    }
    if let Some(live) = &live {
        live.timeline(&timeline);
    }

    if stopped_already(&runtime, &mut rx, &tx) {
        captions.summary(&format!("Stopped {} before it began.", routine.name));
        return Ok(ExitCode::from(INTERRUPTED));
    }
    let status = tokio::sync::watch::Sender::new(Status {
        routine: timeline.routine.clone(),
        steps: timeline.routine_steps,
        session_left: std::time::Duration::from_millis(timeline.total),
        ..Status::default()
    });
    crate::session::control::serve(claim.as_ref(), tx.clone(), status.subscribe());
    // Keys from the terminal, when there is one; the guard restores it however `run` ends.
    let keys = crate::session::keys::start(tx.clone());
    // How to go on from a pause depends on it.
    captions.keys(keys.is_some());
    // Ctrl-Z and `fg` pause and resume, on a terminal.
    if interactive {
        crate::session::suspend::listen(tx.clone(), status.subscribe(), live.clone());
    }
    if let Some(live) = &live {
        // The status area says "? keys" itself.
        live.set_keys(keys.is_some());
        live.follow(status.subscribe());
    } else if keys.is_some() {
        captions.info("press ? for the keys");
    }

    if let Some(target) = crate::session::start::target(args.at, args.wait) {
        status.send_modify(|s| s.starts_at = Some(target.timestamp()));
        captions.info(&format!(
            "waiting until {} to start {}; `limber ctl resume` starts it now, Ctrl-C or `limber ctl stop` cancels",
            crate::session::start::describe(&target),
            routine.name
        ));
        let started = runtime.block_on(async {
            tokio::select! {
                () = crate::session::start::sleep_until(&target) => true,
                started = async {
                    // Resume (or toggle: a button, SIGUSR1) starts it now; stop cancels it.
                    while let Some(c) = rx.recv().await {
                        match c {
                            Control::Stop => return false,
                            Control::Resume | Control::Toggle => return true,
                            _ => {}
                        }
                    }
                    std::future::pending::<bool>().await
                } => started,
            }
        });
        status.send_modify(|s| s.starts_at = None);
        if !started {
            captions.summary(&format!("Stopped {} before it began.", routine.name));
            return Ok(ExitCode::from(INTERRUPTED));
        }
    }

    if stopped_already(&runtime, &mut rx, &tx) {
        captions.summary(&format!("Stopped {} before it began.", routine.name));
        return Ok(ExitCode::from(INTERRUPTED));
    }
    let mut device: Option<Rc<LiveOutput>> = None;
    let wanted = args.device.clone().or_else(|| config.device.clone());
    let opened = LiveOutput::open(OutputSettings {
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
            captions = match &live {
                Some(live) => Box::new(live.clone()),
                None => Box::new(Terminal::new(tty)),
            };
            captions.keys(keys.is_some());
            captions.notice(&format!(
                "no audio output ({}); carrying on with captions only. Check that a speaker is connected and not muted",
                crate::report::error::clause(&why)
            ));
            Rc::new(Silent)
        }
        Err(why) => return Err(Error::NoAudio(why)),
    };

    // A voice played into no output would only cost time.
    let mut voices = if device.is_some() {
        voices(config, &choice, synth, Rc::clone(&output), &mut *captions)
    } else {
        Voices::none()
    };

    let hooks = args
        .on_event
        .clone()
        .or_else(|| config.on_event.clone())
        .map(|program| {
            Rc::new(std::cell::RefCell::new(crate::session::hooks::Hooks::new(
                program,
            )))
        });
    // From here the session is in the log, even if it is killed; answers to "how did it go?"
    // are taken from now on (a person in pain can press 4 and stop).
    let levels: Vec<(usize, u32)> = leveled.levels.iter().map(|l| (l.step, l.level)).collect();
    let planned = record::planned(routine, range.clone(), &levels);
    let mut answers = record::take_answers();
    let recorder = config.history_file.as_deref().and_then(|path| {
        let (at, tz) = record::now();
        let begin = Begin {
            at,
            tz,
            routine: RoutineId {
                id: found.id.clone(),
                name: routine.name.clone(),
                hash: record::content_hash(found.source.text.as_bytes()),
            },
            planned_s: timeline.total as f64 / 1000.0,
            steps: timeline.steps.len(),
            voice: voices.name().unwrap_or("none").to_string(),
            part: args
                .from
                .as_ref()
                .map(|f| format!("--from {f}"))
                .or_else(|| args.only.as_ref().map(|o| format!("--only {o}"))),
            level_override: args.levels.choice().by_hand(),
            exercises: planned.clone(),
        };
        match Recorder::start(path, begin) {
            Ok(r) => Some(r),
            Err(why) => {
                captions.notice(&format!("{why}; this session is not recorded"));
                None
            }
        }
    });
    let (report, mut rx) = runtime.block_on(async {
        let mut controls = Controls::new(rx);
        controls.status = status;
        controls.on_resume = config.on_resume;
        if let Some(hooks) = &hooks {
            let hooks = Rc::clone(hooks);
            controls.on_event = Box::new(move |event| {
                crate::session::events::event(event);
                hooks.borrow_mut().fire(event);
            });
        } else {
            controls.on_event = Box::new(crate::session::events::event);
        }
        controls.voice_volume = choice.volume;
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
            let lead_in = crate::sound::output::quiet_clip(config.lead_in);
            let at = devices.output.now() + devices.output.soonest();
            devices
                .output
                .play_at(&lead_in, 1.0, crate::sound::output::Group::Sound, at);
            tokio::time::sleep(std::time::Duration::from_millis(config.lead_in)).await;
        }
        let report = play(&timeline, &mut devices, &mut controls).await;
        // The end of the session is on the output's clock when it has been made; it is heard
        // once it has gone through the device's buffer.
        if report.finished
            && let Some(d) = &device
        {
            tokio::time::sleep(d.latency()).await;
        }
        (report, controls.rx)
    });
    // Speech still being made for this session is not needed any more.
    crate::voice::command::stop_all();

    // Faults are told when they were heard: a gap in the sound. A device that went away was told
    // when it did, and again when it came back.
    if let Some((gaps, _, _)) = device.map(|d| d.faults()).filter(|(g, _, _)| *g > 0) {
        let times = if gaps == 1 {
            "once".to_string()
        } else {
            format!("{gaps} times")
        };
        captions.notice(&format!(
            "the sound broke up {times} during the session (the audio output could not keep up); if that was heard, close other programs that play sound or use the machine heavily, or choose another output with --device"
        ));
    }
    // The last hooks (finish or stop) are not cut short.
    if let Some(hooks) = hooks.and_then(|h| Rc::try_unwrap(h).ok()) {
        runtime.block_on(hooks.into_inner().finish());
    }
    let total = timeline.steps.len();
    let done = report.steps_done();
    // The time exercised, as the session log keeps it (`limber history` shows the same).
    let took = clock(report.elapsed.saturating_sub(report.paused));
    let skipped = match report.skipped.len() {
        0 => String::new(),
        n => format!(", {n} skipped"),
    };
    // The end record, and how this session compares with the ones before it.
    let end = record::end(&timeline, &report, &planned);
    let mut compared = None;
    if let Some(r) = &recorder {
        if let Err(why) = r.end(end.clone()) {
            captions.notice(&format!("{why}; the end of this session is not recorded"));
        }
        if let Some(history) = &leveled.history {
            let this = r.session(end);
            compared = crate::history::view::comparison(&history.sessions, &this, config.goal);
        }
    }
    let ask = report.finished
        && match config.ask {
            Ask::Always => true,
            Ask::Never => false,
            Ask::Auto => keys.is_some(),
        };
    let rating = runtime.block_on(async {
        // An answer given during the session needs no question.
        if let Ok(given) = answers.try_recv() {
            return Some(given);
        }
        if !ask {
            return None;
        }
        record::ask(
            &mut voices,
            &mut *captions,
            &settings.phrases,
            compared.as_deref(),
            &mut answers,
            &mut rx,
            std::time::Duration::from_millis(config.answer_time),
        )
        .await
    });
    record::stop_answers();
    if let (Some(r), Some((rating, by))) = (&recorder, rating)
        && let Err(why) = r.rate(rating, None, by)
    {
        captions.notice(&format!("{why}; the rating is not recorded"));
    }
    let rated = match rating {
        Some((r, _)) => format!(" Rated {}.", r.word()),
        None if recorder.is_some() => " `limber rate easy|fine|hard|pain` says how it went.".into(),
        None => String::new(),
    };
    let compared = compared.map(|c| format!(" {c}")).unwrap_or_default();
    if report.finished {
        captions.summary(&format!(
            "Finished {}: {done} of {total} steps in {took}{skipped}.{compared}{rated}",
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
            "Stopped {} after {took}: {done} of {total} steps done{skipped}{last}.{rated}",
            routine.name
        ));
        Ok(ExitCode::from(INTERRUPTED))
    }
}

/// Whether a stop came (a signal, `limber ctl stop`) while the session was being set up. Other
/// controls stay queued, in order, for the player.
fn stopped_already(
    runtime: &tokio::runtime::Runtime,
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<Control>,
    tx: &tokio::sync::mpsc::UnboundedSender<Control>,
) -> bool {
    // Signals that came meanwhile reach the channel only when the runtime runs: a moment of it.
    runtime.block_on(async {
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        tokio::task::yield_now().await;
    });
    let mut others = Vec::new();
    let mut stop = false;
    while let Ok(c) = rx.try_recv() {
        if c == Control::Stop {
            stop = true;
        } else {
            others.push(c);
        }
    }
    for c in others {
        let _ = tx.send(c);
    }
    stop
}

/// The voices to use, best first; each that cannot start is reported once.
///
/// The chosen engine comes first, and espeak-ng stands behind any other: it is small, always
/// installed by the setup, and makes the same sound files.
fn voices(
    config: &Config,
    choice: &Choice,
    synth: Option<std::sync::Arc<Synth>>,
    output: Rc<dyn Output>,
    captions: &mut dyn Captions,
) -> Voices {
    if choice.engine == Engine::None {
        return Voices::none();
    }
    let espeak = Engine::Preset("espeak-ng");
    let mut order = vec![choice.engine];
    if choice.engine != espeak {
        order.push(espeak);
    }
    let mut engines: Vec<Box<dyn Voice>> = Vec::new();
    let mut problems = Vec::new();
    let mut synth = synth;
    for engine in order {
        let started: Result<Box<dyn Voice>, String> = match engine {
            Engine::System => System::new(&SystemSettings {
                rate: choice.rate,
                pitch: choice.pitch,
                volume: choice.volume,
                // A voice name is for the engine it was chosen with.
                voice: choice.name.clone().filter(|_| engine == choice.engine),
            })
            .map(|v| Box::new(v) as Box<dyn Voice>),
            _ => {
                let made = match synth.take() {
                    Some(s) => Ok(s),
                    None => choice
                        .with_engine(engine)
                        .synth(config, &mut |w| captions.notice(&w))
                        .unwrap_or_else(|| Err("it makes no sound files".into()))
                        .map(std::sync::Arc::new),
                };
                made.and_then(|s| Speaker::new(s, Rc::clone(&output), choice.volume))
                    .map(|v| Box::new(v) as Box<dyn Voice>)
            }
        };
        match started {
            Ok(v) => engines.push(v),
            Err(why) => problems.push(format!("{} cannot start ({why})", describe(engine))),
        }
    }
    // A voice behind a working one matters only if that one fails, and then the notice that it
    // failed names the one taking over.
    let chosen_failed = problems
        .first()
        .is_some_and(|p| p.starts_with(&describe(choice.engine)));
    if chosen_failed {
        let next = match engines.first() {
            Some(v) => format!("using {}", v.name()),
            None => "the session runs with chimes and captions; install espeak-ng to hear the words (on Debian: sudo apt install espeak-ng)".into(),
        };
        let why = if engines.is_empty() {
            problems.join(", and ")
        } else {
            problems[0].clone()
        };
        captions.notice(&format!("{why}; {next}"));
    }
    Voices::new(engines)
}

fn describe(engine: Engine) -> String {
    match engine {
        Engine::System => "the system voice".into(),
        other => other.name().to_string(),
    }
}
