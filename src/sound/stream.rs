//! The live output: the session's [`Mixer`] feeding the sound server or the audio device.
//!
//! The frames are made from the schedule and nothing else, so when a sound is heard does not
//! depend on when a thread wakes. The player reads the frames played as the session's clock
//! ([`LiveOutput::now`]) and schedules each cue a look-ahead ahead of it
//! ([`Output::lookahead`]): the "two clocks" of Web Audio scheduling, a timer that wakes now and
//! then and an audio clock that places every sound.
//!
//! Which client: where a sound server answers (PulseAudio, or PipeWire's PulseAudio service, as
//! on a desktop or a Raspberry Pi), limber is its client itself ([`crate::sound::pulse`]): the
//! server holds 1.5 s made ahead, the thread that makes it wakes about twice a second, and what
//! it holds is rewritten when the schedule changes, so a busy machine loses nothing and controls
//! still act at once. It follows the server's default output and `PULSE_SINK`. With no server
//! (or `LIMBER_AUDIO_HOST=alsa`) the output is ALSA's, through cpal's callback in periods of
//! [`PERIOD`] frames. The outputs are listed, and one chosen by name is found, with cpal's
//! native client of the server when it answers, which names them as the server does ("Built-in
//! Audio Analog Stereo", "JBL Flip 5"); with no server, the ALSA cards. Both keep exact time: the
//! clock is the frames played either way.
//!
//! When the device goes away mid-session (a USB speaker unplugged, the sound server restarted),
//! the clock carries on from the CPU's, the session keeps its time with captions, and the output
//! is opened again now and then; the schedule is re-anchored on the new stream's counter.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use tokio::time::Instant;

use crate::sound::clip::Clip;
use crate::sound::mixer::{Command, Group, Mixer, Samples, Schedule};
use crate::sound::output::{Device, OutputSettings, RETRY};
use crate::sound::pulse::{MARGIN, Pulse, Wanted};

/// Frames per device period: 2048 at 48 kHz is 43 ms, woken 23 times a second. Measured against
/// 512, 1024 and 4096 in BENCHMARKS.md; `LIMBER_AUDIO_PERIOD` overrides it for such measurements.
pub const PERIOD: u32 = 2048;

/// How far ahead of the output's clock cues are scheduled: so a player woken late on a busy
/// machine (seen up to 300 ms late, with both cores busy and a debug build) still places every
/// sound before the mixer gets there. Placing early costs nothing heard: what is placed can be
/// cancelled until it plays, and captions and events still wait for their moment.
pub const LOOKAHEAD: Duration = Duration::from_millis(1000);

/// The level of the keep-alive tone: about -70 dBFS, far below hearing on any speaker, but not the
/// digital silence that puts outputs to sleep.
pub const KEEP_ALIVE_LEVEL: f32 = 0.0003;

/// Faults the device reported: what the session says at its end.
#[derive(Debug, Default)]
pub struct Faults {
    /// Gaps in the sound (ALSA's underruns): heard as a click or a drop-out.
    pub gaps: AtomicU64,
    /// Any other error, with the device still playing.
    pub other: AtomicU64,
    /// Every error, told or not: the first [`TOLD`] are told with `-v`.
    pub all: AtomicU64,
}

/// How many of the audio library's own reports of faults `-v` shows: some outputs report the
/// same fault hundreds of times a second.
pub const TOLD: u64 = 5;

/// What the audio library reported, in words a person can act on; its own words are told with
/// `-v` only.
pub fn audio_words(e: &cpal::Error) -> String {
    crate::report::log::line(
        crate::report::log::VERBOSE,
        &format!("the audio library said: {}", crate::sound::output::chain(e)),
    );
    let words = match e.kind() {
        cpal::ErrorKind::DeviceNotAvailable => {
            "the output is not there (unplugged or switched off, or no sound server is running)"
        }
        cpal::ErrorKind::HostUnavailable => {
            "the sound system does not answer (is the sound server running?)"
        }
        cpal::ErrorKind::DeviceBusy => "another program is using the output",
        cpal::ErrorKind::PermissionDenied => {
            "this user may not use the output (on Linux, add the user to the audio group)"
        }
        cpal::ErrorKind::UnsupportedConfig | cpal::ErrorKind::UnsupportedOperation => {
            "the output cannot play sound as limber makes it"
        }
        cpal::ErrorKind::ResourceExhausted => "the system ran out of threads or memory",
        cpal::ErrorKind::StreamInvalidated | cpal::ErrorKind::DeviceChanged => {
            "the output changed while it was being opened"
        }
        _ => "the audio library could not use the output",
    };
    words.to_string()
}

/// What feeds an open stream: the device's callback (through cpal), or a client of the sound
/// server that buffers ahead ([`Pulse`]).
enum Backend {
    Callback(
        #[expect(dead_code, reason = "held, not read: dropping it stops the stream")] cpal::Stream,
    ),
    Server(Pulse),
}

/// One open stream.
struct Live {
    backend: Backend,
    schedule: RefCell<Schedule>,
    rate: u32,
    period: u64,
    /// The session's moment of this stream's frame 0.
    origin: Instant,
    /// The last position read, and when (for reading between two periods).
    seen: Cell<(u64, Instant)>,
    /// The counter stopped: the device is gone, whatever it said.
    stalled: Cell<bool>,
    /// The last moment read, which the next may not be before.
    last: Cell<Instant>,
}

/// A device whose counter stands still this long has stopped: some go without a word. Long
/// enough for a sound server that starts with a big buffer (and asks for a second at a time).
const STALL: Duration = Duration::from_secs(5);

/// When the process was last stopped (Ctrl-Z) and when it went on after it (`fg`): its device's
/// counter stood still meanwhile because nothing here ran, not because the device went away, and
/// the gap the device reports on going on was not heard (the session was paused).
static SUSPENDED: std::sync::Mutex<(Option<Instant>, Option<Instant>)> =
    std::sync::Mutex::new((None, None));

/// How long after going on a gap in the sound is the stop's, not one heard.
const SETTLING: Duration = Duration::from_secs(2);

/// The process is about to stop itself (SIGSTOP, after Ctrl-Z).
pub fn stopping() {
    if let Ok(mut s) = SUSPENDED.lock() {
        *s = (Some(Instant::now()), None);
    }
}

/// The process has just gone on after a stop (SIGCONT). Before: every Ctrl-Z and `fg` of more
/// than 5 s was told as "the default audio output went away or stopped working", and at the end
/// as "the sound broke up once during the session".
pub fn continued() {
    if let Ok(mut s) = SUSPENDED.lock() {
        s.1 = Some(Instant::now());
    }
}

/// Since when the counter could have moved, at the latest: `at`, or the last going on after a
/// stop (now, while stopped and not yet told so).
fn movable_since(at: Instant) -> Instant {
    match SUSPENDED.lock().map(|s| *s) {
        Ok((Some(stop), None)) if stop > at => Instant::now(),
        Ok((Some(stop), Some(cont))) if stop > at || cont > at => cont.max(at),
        _ => at,
    }
}

/// Whether a gap the device reports now comes from a stop of the process.
pub(crate) fn gap_of_a_stop() -> bool {
    match SUSPENDED.lock().map(|s| *s) {
        Ok((Some(_), None)) => true,
        Ok((Some(_), Some(cont))) => cont.elapsed() < SETTLING,
        _ => false,
    }
}

/// Lets go of a stream on a thread of its own: the audio library may wait for a device that is
/// gone, and the session must not wait with it.
fn release(live: Live) {
    let Live { backend, .. } = live;
    let _ = std::thread::Builder::new()
        .name("limber-release".into())
        .spawn(move || drop(backend));
}

impl Live {
    /// The first frame a sound can still be placed at: after what the device's callback may be
    /// making, or a margin after what the server is playing (it rewrites what it holds).
    fn earliest(&self) -> u64 {
        match &self.backend {
            Backend::Callback(_) => self.schedule.borrow().position() + self.period,
            Backend::Server(pulse) => pulse.heard().0 + self.period,
        }
    }

    /// Sends a change to the mixer; a server client is woken to rewrite what it holds when the
    /// change falls inside it.
    fn send(&self, command: Command) {
        let inside = match &command {
            Command::Play { at, .. } => *at < self.schedule.borrow().position(),
            _ => true,
        };
        self.schedule.borrow_mut().send(command);
        if let (Backend::Server(pulse), true) = (&self.backend, inside) {
            pulse.wake();
        }
    }

    fn frames(&self, d: Duration) -> u64 {
        (d.as_nanos() * u128::from(self.rate) / 1_000_000_000) as u64
    }

    fn moment(&self, frame: u64) -> Instant {
        self.origin
            + Duration::from_nanos(
                (u128::from(frame) * 1_000_000_000 / u128::from(self.rate)) as u64,
            )
    }

    /// The session's moment now: the counter, read on between its steps on the CPU's clock,
    /// and never going back. A counter that has stood still for [`STALL`] belongs to a device
    /// that is gone; the clock runs on the CPU's from where it stopped, so the session keeps
    /// its time however the device went.
    fn now(&self) -> Instant {
        if let Backend::Server(pulse) = &self.backend {
            // What the server last said it played, read on since on the CPU's clock; a server
            // that has not answered for [`STALL`] (the process stopped aside) has gone.
            let (pos, age) = pulse.heard();
            let now = Instant::now();
            let reported = now.checked_sub(age).unwrap_or(now);
            if now.saturating_duration_since(movable_since(reported)) > STALL {
                self.stalled.set(true);
            }
            let t = self.moment(pos).max(self.last.get());
            self.last.set(t);
            return t;
        }
        let pos = self.schedule.borrow().position();
        let now = Instant::now();
        let (last, at) = self.seen.get();
        // Stopped by the shell, the counter is not to blame: count from when it could go on.
        let at = movable_since(at);
        let since = if pos != last {
            self.seen.set((pos, now));
            Duration::ZERO
        } else {
            now - at
        };
        if since > STALL {
            self.stalled.set(true);
        }
        let t = self.moment(pos + self.frames(since)).max(self.last.get());
        self.last.set(t);
        t
    }
}

/// The real output: the default device or one by name.
pub struct LiveOutput {
    settings: OutputSettings,
    live: RefCell<Option<Live>>,
    lost: Arc<AtomicBool>,
    faults: Arc<Faults>,
    /// Times the device went away.
    losses: Cell<u32>,
    retry_at: Cell<Option<std::time::Instant>>,
    /// An output being opened again, on its own thread.
    reopening: RefCell<Option<std::sync::mpsc::Receiver<Result<Live, String>>>>,
    /// With no stream, the session's clock runs on from this moment and CPU instant.
    without: Cell<(Instant, Instant)>,
    /// The sounds in mono, by clip: a stereo sound of the user's is mixed down once.
    converted: RefCell<HashMap<usize, Samples>>,
}

fn period() -> u32 {
    std::env::var("LIMBER_AUDIO_PERIOD")
        .ok()
        .and_then(|p| p.parse().ok())
        .filter(|p| (64..=65536).contains(p))
        .unwrap_or(PERIOD)
}

/// ALSA: the default output, which on a desktop or a Pi with a sound server is the server's
/// bridge (and so follows the server's default and `PULSE_SINK`).
fn alsa() -> cpal::Host {
    cpal::host_from_id(cpal::HostId::Alsa).unwrap_or_else(|_| cpal::default_host())
}

/// The host that lists the outputs and opens one chosen by name: the sound server's own client
/// when it answers, which names the outputs as the server does, else ALSA's cards.
fn host() -> cpal::Host {
    if std::env::var("LIMBER_AUDIO_HOST").is_ok_and(|h| h == "alsa") {
        return alsa();
    }
    if cpal::available_hosts().contains(&cpal::HostId::PulseAudio)
        && let Ok(host) = cpal::host_from_id(cpal::HostId::PulseAudio)
    {
        return host;
    }
    alsa()
}

fn describe(d: &cpal::Device, default: Option<&str>) -> Device {
    let name = d.id().map(|id| id.id().to_string()).unwrap_or_default();
    let description = d
        .description()
        .map(|d| d.name().to_string())
        .unwrap_or_else(|_| name.clone());
    Device {
        default: default == Some(name.as_str()),
        description,
        name,
    }
}

/// The outputs there are; call with the audio library's own words held back
/// ([`crate::report::log::hushed`]).
fn output_devices() -> Result<(Vec<cpal::Device>, Vec<Device>), String> {
    let host = host();
    let pulse = host.id() != cpal::HostId::Alsa;
    let default = host
        .default_output_device()
        .and_then(|d| d.id().ok())
        .map(|id| id.id().to_string());
    let listed = host
        .output_devices()
        .map(|d| d.collect::<Vec<_>>())
        .map_err(|e| format!("cannot list the audio outputs: {}", audio_words(&e)));
    let (all, described): (Vec<_>, Vec<_>) = listed?
        .into_iter()
        .map(|d| {
            let described = describe(&d, default.as_deref());
            (d, described)
        })
        // ALSA also lists its converter and effect plugins (lavrate, upmix, speex...): none is a
        // speaker a person would pick. A sound server lists its sinks, every one an output.
        .filter(|(_, d)| pulse || d.default || crate::sound::output::is_output(&d.name))
        .unzip();
    Ok((all, described))
}

/// The outputs there are: the sound server's sinks with their descriptions, or the ALSA cards.
pub fn devices() -> Result<Vec<Device>, String> {
    crate::report::log::hushed(LIBRARY, || Ok(output_devices()?.1))
}

/// Who said what the audio library writes on stderr, as `-v` tells it.
const LIBRARY: &str = "the audio library";

/// The output named `name`: by its name or description, or else the one whose name or
/// description contains it (ignoring case).
fn find_device(name: &str) -> Result<cpal::Device, String> {
    let (all, described) = output_devices()?;
    let index = crate::sound::output::pick(&described, name)?;
    Ok(all
        .into_iter()
        .nth(index)
        .expect("the index is of this list"))
}

/// Lets the calling thread go before the others where the system allows (root, or a raised
/// RLIMIT_NICE, as audio groups have); elsewhere it stays as it is.
fn go_first() {
    let _ = rustix::process::setpriority_process(Some(rustix::thread::gettid()), -10);
}

/// What opening the output takes, in one value: the settings, the flags its callback raises,
/// and the session's moment of the new stream's frame 0.
struct Opening {
    settings: OutputSettings,
    lost: Arc<AtomicBool>,
    faults: Arc<Faults>,
    origin: Instant,
}

/// Opens the output on a thread that goes first: the threads the audio library starts for the
/// stream (the callback's, and the sound server bridge's own loop) take their priority from the
/// one that opens it, and on a machine whose cores are busy none of them may wait.
fn open(opening: Opening) -> Result<Live, String> {
    std::thread::Builder::new()
        .name("limber-audio".into())
        .spawn(move || {
            go_first();
            open_here(&opening)
        })
        .map_err(|e| format!("cannot start the audio thread: {e}"))?
        .join()
        .unwrap_or_else(|_| Err("the audio library failed while opening the output".into()))
}

fn open_here(opening: &Opening) -> Result<Live, String> {
    let Opening {
        settings,
        lost,
        faults,
        ..
    } = opening;
    let opened = crate::report::log::hushed(LIBRARY, || {
        if let Some(live) = open_server(opening) {
            return live;
        }
        let device = match &settings.device {
            Some(name) => find_device(name)?,
            // No sound server answered (or ALSA was asked for): ALSA's default output, which
            // cpal's callback feeds in periods of PERIOD frames.
            None => alsa()
                .default_output_device()
                .ok_or_else(|| "there is no audio output".to_string())?,
        };
        let default = device
            .default_output_config()
            .map_err(|e| audio_words(&e))?;
        let rate = default.sample_rate();
        let channels = default.channels();
        let period = period();
        let (mixer, schedule) = Mixer::scheduled(rate);
        let callback_faults = Arc::clone(faults);
        let callback_lost = Arc::clone(lost);
        // Faults are counted here and told by the session, in its own words, when they
        // mattered: a device gone at once, gaps at the end. The library's words are for `-v`.
        let on_error = move |e: cpal::Error| {
            match e.kind() {
                cpal::ErrorKind::DeviceNotAvailable
                | cpal::ErrorKind::HostUnavailable
                | cpal::ErrorKind::StreamInvalidated
                | cpal::ErrorKind::DeviceChanged => callback_lost.store(true, Ordering::Relaxed),
                cpal::ErrorKind::Xrun if gap_of_a_stop() => {}
                cpal::ErrorKind::Xrun => {
                    callback_faults.gaps.fetch_add(1, Ordering::Relaxed);
                }
                _ => {
                    callback_faults.other.fetch_add(1, Ordering::Relaxed);
                }
            }
            if callback_faults.all.fetch_add(1, Ordering::Relaxed) < TOLD
                && crate::report::log::level() >= crate::report::log::VERBOSE
            {
                crate::report::log::line(
                    crate::report::log::VERBOSE,
                    &format!(
                        "the audio output reported: {}",
                        crate::sound::output::chain(&e)
                    ),
                );
            }
        };
        let build = |buffer: cpal::BufferSize, mixer: Mixer| {
            let config = cpal::StreamConfig {
                channels,
                sample_rate: rate,
                buffer_size: buffer,
            };
            match default.sample_format() {
                cpal::SampleFormat::I16 => stream::<i16>(&device, config, mixer, on_error.clone()),
                cpal::SampleFormat::I32 => stream::<i32>(&device, config, mixer, on_error.clone()),
                _ => stream::<f32>(&device, config, mixer, on_error.clone()),
            }
        };
        // Devices that refuse the period get their own.
        let (stream, schedule) = match build(cpal::BufferSize::Fixed(period), mixer) {
            Ok(s) => (s, schedule),
            Err(_) => {
                let (mixer, fresh) = Mixer::scheduled(rate);
                let s = build(cpal::BufferSize::Default, mixer).map_err(|e| audio_words(&e))?;
                (s, fresh)
            }
        };
        finish(stream, schedule, rate, u64::from(period), opening)
    });
    let live = opened?;
    lost.store(false, Ordering::Relaxed);
    Ok(live)
}

/// Opens the output as a client of the sound server, where one answers: `None` when there is
/// none (or `LIMBER_AUDIO_HOST=alsa`), and ALSA's devices are used.
fn open_server(opening: &Opening) -> Option<Result<Live, String>> {
    if std::env::var("LIMBER_AUDIO_HOST").is_ok_and(|h| h == "alsa") {
        return None;
    }
    // An output chosen by name is one of the server's sinks, by its name or description.
    let sink = match &opening.settings.device {
        Some(name) => {
            let (_, described) = match output_devices() {
                Ok(d) => d,
                Err(e) => return Some(Err(e)),
            };
            if host().id() == cpal::HostId::Alsa {
                return None;
            }
            match crate::sound::output::pick(&described, name) {
                Ok(i) => Some(described[i].name.clone()),
                Err(e) => return Some(Err(e)),
            }
        }
        None => None,
    };
    let wanted = Wanted {
        sink: sink.as_deref(),
        keep_alive: opening.settings.keep_alive,
    };
    let opened = Pulse::open(
        &wanted,
        Arc::clone(&opening.faults),
        Arc::clone(&opening.lost),
    )?;
    Some(opened.map(|(pulse, schedule)| {
        let rate = pulse.rate();
        let margin = u64::from(rate) * MARGIN.as_millis() as u64 / 1000;
        Live {
            backend: Backend::Server(pulse),
            schedule: RefCell::new(schedule),
            rate,
            period: margin,
            origin: opening.origin,
            seen: Cell::new((0, Instant::now())),
            stalled: Cell::new(false),
            last: Cell::new(opening.origin),
        }
    }))
}

fn finish(
    stream: cpal::Stream,
    mut schedule: Schedule,
    rate: u32,
    period: u64,
    opening: &Opening,
) -> Result<Live, String> {
    if opening.settings.keep_alive {
        schedule.send(Command::KeepAlive(Some(KEEP_ALIVE_LEVEL)));
    }
    stream.play().map_err(|e| audio_words(&e))?;
    Ok(Live {
        backend: Backend::Callback(stream),
        schedule: RefCell::new(schedule),
        rate,
        period,
        origin: opening.origin,
        seen: Cell::new((0, Instant::now())),
        stalled: Cell::new(false),
        last: Cell::new(opening.origin),
    })
}

/// A stream whose callback fills the device's buffer from the mixer, in the device's format.
fn stream<T>(
    device: &cpal::Device,
    config: cpal::StreamConfig,
    mut mixer: Mixer,
    on_error: impl FnMut(cpal::Error) + Send + 'static,
) -> Result<cpal::Stream, cpal::Error>
where
    T: cpal::SizedSample + cpal::FromSample<f32>,
{
    let channels = usize::from(config.channels);
    // The mixer's own buffer for devices that do not take f32, made once: a period larger than
    // it is made in several steps rather than by growing it in the callback.
    let mut scratch = vec![0f32; 16_384 * channels.max(1)];
    let mut raised = false;
    device.build_output_stream::<T, _, _>(
        config,
        move |out: &mut [T], _| {
            // The thread that feeds the device goes before the others where the system allows
            // (root, or a raised RLIMIT_NICE, as audio groups have): on a machine whose cores are
            // busy, the device must not wait for it. Once, on the thread the library calls from.
            if !raised {
                raised = true;
                go_first();
            }
            for chunk in out.chunks_mut(scratch.len()) {
                let part = &mut scratch[..chunk.len()];
                mixer.fill(part, channels);
                for (o, s) in chunk.iter_mut().zip(part.iter()) {
                    *o = T::from_sample(s.clamp(-1.0, 1.0));
                }
            }
        },
        on_error,
        Some(Duration::from_secs(5)),
    )
}

impl LiveOutput {
    /// Opens the output the settings name.
    pub fn open(settings: OutputSettings) -> Result<LiveOutput, String> {
        let lost = Arc::new(AtomicBool::new(false));
        let faults = Arc::new(Faults::default());
        let now = Instant::now();
        let live = open(Opening {
            settings: settings.clone(),
            lost: Arc::clone(&lost),
            faults: Arc::clone(&faults),
            origin: now,
        })?;
        Ok(LiveOutput {
            settings,
            live: RefCell::new(Some(live)),
            lost,
            faults,
            losses: Cell::new(0),
            retry_at: Cell::new(None),
            reopening: RefCell::new(None),
            without: Cell::new((now, now)),
            converted: RefCell::new(HashMap::new()),
        })
    }

    fn name(&self) -> String {
        match &self.settings.device {
            Some(d) => format!("\"{d}\""),
            None => "the default audio output".into(),
        }
    }

    /// Notices a device that went away, and now and then tries to open one that did. Returns
    /// whether there is a stream to schedule on.
    fn ready(&self) -> bool {
        let cpu = std::time::Instant::now();
        if self.lost.swap(false, Ordering::Relaxed) && self.live.borrow().is_some() {
            let here = self.now();
            if let Some(live) = self.live.borrow_mut().take() {
                release(live);
            }
            self.without.set((here, Instant::now()));
            self.losses.set(self.losses.get() + 1);
            self.retry_at.set(Some(cpu + RETRY));
            crate::report::log::fault(&format!(
                "{} went away or stopped working; the session keeps its time without sound, and limber tries to reconnect every {} s",
                self.name(),
                RETRY.as_secs()
            ));
            return false;
        }
        if self.live.borrow().is_some() {
            return true;
        }
        // The output is opened again on a thread of its own: a sound server that is starting
        // may take seconds to answer, and the session keeps its time meanwhile.
        let pending = self.reopening.borrow_mut().take();
        if let Some(rx) = pending {
            return match rx.try_recv() {
                Ok(Ok(mut live)) => {
                    // Re-anchored: the new stream's counter continues the session's clock.
                    let here = self.now();
                    let pos = live.schedule.borrow().position();
                    let offset = live.moment(pos) - live.origin;
                    live.origin = here.checked_sub(offset).unwrap_or(here);
                    live.seen.set((pos, Instant::now()));
                    live.last.set(here);
                    *self.live.borrow_mut() = Some(live);
                    self.retry_at.set(None);
                    crate::report::log::fault(&format!("{} is back", self.name()));
                    true
                }
                Ok(Err(_)) | Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                    self.retry_at.set(Some(cpu + RETRY));
                    false
                }
                Err(std::sync::mpsc::TryRecvError::Empty) => {
                    *self.reopening.borrow_mut() = Some(rx);
                    false
                }
            };
        }
        if self.retry_at.get().is_some_and(|t| cpu < t) {
            return false;
        }
        let (tx, rx) = std::sync::mpsc::channel();
        let opening = Opening {
            settings: self.settings.clone(),
            lost: Arc::clone(&self.lost),
            faults: Arc::clone(&self.faults),
            origin: self.now(),
        };
        let spawned = std::thread::Builder::new()
            .name("limber-reopen".into())
            .spawn(move || {
                let _ = tx.send(open(opening));
            });
        match spawned {
            Ok(_) => *self.reopening.borrow_mut() = Some(rx),
            Err(_) => self.retry_at.set(Some(cpu + RETRY)),
        }
        false
    }

    /// The session's clock: the output's frame counter, or, while there is no output, the CPU's.
    pub fn now(&self) -> Instant {
        match self.live.borrow().as_ref() {
            Some(live) => {
                let at = live.now();
                if live.stalled.get() {
                    self.lost.store(true, Ordering::Relaxed);
                }
                at
            }
            None => {
                let (at, since) = self.without.get();
                at + since.elapsed()
            }
        }
    }

    /// What the device reported: gaps heard, other errors, times it went away.
    pub fn faults(&self) -> (u64, u64, u32) {
        (
            self.faults.gaps.load(Ordering::Relaxed),
            self.faults.other.load(Ordering::Relaxed),
            self.losses.get(),
        )
    }

    /// How long sound takes from the mixer to the speaker, at most: what is still to be heard
    /// when the clock reaches the end.
    pub fn latency(&self) -> Duration {
        match self.live.borrow().as_ref() {
            // The server's buffer is two periods, and the mixer may be a period ahead.
            Some(
                live @ Live {
                    backend: Backend::Callback(_),
                    ..
                },
            ) => Duration::from_nanos(3 * live.period * 1_000_000_000 / u64::from(live.rate)),
            // The clock is what the server plays: what is placed is heard by then.
            Some(Live {
                backend: Backend::Server(_),
                ..
            }) => MARGIN,
            None => Duration::ZERO,
        }
    }

    fn send(&self, command: Command) {
        if let Some(live) = self.live.borrow().as_ref() {
            live.send(command);
        }
    }
}

impl Drop for LiveOutput {
    fn drop(&mut self) {
        if let Some(live) = self.live.get_mut().take() {
            release(live);
        }
    }
}

impl crate::sound::output::Output for LiveOutput {
    fn play_at(&self, clip: &Clip, volume: f32, group: Group, at: Instant) -> Instant {
        if !self.ready() {
            return at;
        }
        let live = self.live.borrow();
        let Some(live) = live.as_ref() else {
            return at;
        };
        let samples = match group {
            // The built-in sounds are converted once.
            Group::Sound => Arc::clone(
                self.converted
                    .borrow_mut()
                    .entry(Arc::as_ptr(&clip.samples) as *const f32 as usize)
                    .or_insert_with(|| crate::sound::render::mono(clip)),
            ),
            // Piper's and espeak-ng's lines are mono already: played as they are, not copied.
            Group::Voice => crate::sound::render::mono(clip),
        };
        // A moment passed, or too close to make, is the first frame the mixer has not made: the
        // sound starts at once and whole, and the caller learns when.
        let wanted = live.frames(at.saturating_duration_since(live.origin));
        let earliest = live.earliest();
        let frame = wanted.max(earliest);
        if frame > wanted + live.frames(Duration::from_millis(1)) {
            crate::report::log::line(
                crate::report::log::VERBOSE,
                &format!(
                    "a sound was placed {} ms after its moment: it came too late to be on time",
                    (frame - wanted) * 1000 / u64::from(live.rate)
                ),
            );
        }
        live.send(Command::Play {
            at: frame,
            samples,
            rate: clip.rate,
            gain: volume.clamp(0.0, 1.0),
            group,
        });
        live.moment(frame)
    }

    fn cancel(&self, group: Option<Group>) {
        // The keep-alive goes on: a paused session's speaker stays awake for the resume.
        self.send(Command::Cancel(group));
    }

    fn gain(&self, group: Group, volume: f32) {
        // Only what is sounding changes: every clip placed later carries its own volume, so a
        // stream opened again after a device came back needs nothing remembered here.
        self.send(Command::Gain(group, volume.clamp(0.0, 1.0)));
    }

    fn now(&self) -> Instant {
        LiveOutput::now(self)
    }

    fn lookahead(&self) -> Duration {
        LOOKAHEAD
    }

    fn soonest(&self) -> Duration {
        match self.live.borrow().as_ref() {
            // Two periods: the one the mixer may be making, and one to spare.
            Some(
                live @ Live {
                    backend: Backend::Callback(_),
                    ..
                },
            ) => Duration::from_nanos(2 * live.period * 1_000_000_000 / u64::from(live.rate)),
            // The margin a rewritten stretch starts after what is heard.
            Some(Live {
                backend: Backend::Server(_),
                ..
            }) => MARGIN,
            None => Duration::ZERO,
        }
    }
}
