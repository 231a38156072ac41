//! The live output as a client of the sound server itself (PulseAudio, or PipeWire's PulseAudio
//! service), over its native protocol.
//!
//! Why not a device callback: through ALSA's bridge to the server the output was fed in periods
//! of 43 ms, woken 23 times a second, and on a machine whose cores were busy a late wake-up was
//! a gap heard (an underrun) that moved everything after it. Here the server holds the next
//! [`BUFFER`] of sound, made ahead by the mixer, and asks for more every [`REQUEST`]: the thread
//! that makes it wakes about twice a second and may be late by most of a second without a sound
//! lost. The stream is opened with no prebuffering, so an underrun (should one happen) plays
//! silence without stopping the stream's clock: byte `n` of the stream is always heard at the
//! same moment, and every sound keeps its place.
//!
//! What is buffered is not fixed: when the schedule changes inside it (a control stops the
//! voice, a clip is placed sooner than what was made), the mixer goes back to a little after
//! what is being heard ([`MARGIN`]) and the stretch from there is made again and written over
//! the old one (the protocol's absolute seek). So controls are heard within tens of
//! milliseconds, and the first syllable of a line is never lost.
//!
//! The session's clock is what the server reports it has played (its read index, less the
//! sink's own latency), asked after every write and at least once a second, and read on between
//! two reports on the CPU's clock.

use std::ffi::CString;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use pulseaudio::protocol::{self, Command as Pa, TagStructRead};

use crate::sound::mixer::{Command, Mixer, Schedule};
use crate::sound::stream::{Faults, KEEP_ALIVE_LEVEL};

/// How much sound the server holds ahead of what is heard.
pub const BUFFER: Duration = Duration::from_millis(1500);

/// How much room in the buffer makes the server ask for more: the thread wakes this often.
pub const REQUEST: Duration = Duration::from_millis(500);

/// How far after what is being heard a rewritten stretch starts: time for the new sound to
/// reach the server before it is played, with room for a busy machine.
pub const MARGIN: Duration = Duration::from_millis(60);

/// PulseAudio's seek mode "absolute", in a memory block's descriptor.
const SEEK_ABSOLUTE: u32 = 1;

/// The length of the server's cookie, which a client sends even where none is needed.
const COOKIE: usize = 256;

/// Bytes of one frame: mono 32-bit float; the server spreads it to the sink's channels.
const FRAME: usize = 4;

/// The most frames made and sent at once. The server's request (0.5 s) or a rewrite (up to
/// 1.5 s) goes out in pieces of this size: a session's buffers stay at 64 KB, not the 0.6 MB a
/// whole buffer's worth of samples and bytes would keep resident, for a few more writes a second.
const PIECE: usize = 8192;

/// What the stream's thread shares with the output.
struct Shared {
    /// The frame heard at an instant, as the server last reported it.
    heard: Mutex<(u64, Instant)>,
    stop: AtomicBool,
}

impl Shared {
    /// The frame being heard now at `rate`, on the server's last report read on by the CPU's
    /// clock, and how long ago that report came.
    fn heard(&self, rate: u32) -> (u64, Duration) {
        let (frame, at) = *self.heard.lock().unwrap_or_else(|e| e.into_inner());
        let since = at.elapsed();
        let on = (since.as_nanos() * u128::from(rate) / 1_000_000_000) as u64;
        (frame + on, since)
    }
}

/// An open stream to the sound server, fed by its own thread.
pub struct Pulse {
    shared: Arc<Shared>,
    waker: UnixStream,
    rate: u32,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// The server's socket, as its own library finds it: `PULSE_SERVER` (`unix:` paths), the
/// runtime folders, and the system-wide server a headless machine may run.
fn socket() -> Option<std::path::PathBuf> {
    if let Some(path) = pulseaudio::socket_path_from_env() {
        return Some(path);
    }
    if std::env::var("PULSE_SERVER").is_ok_and(|s| !s.starts_with("unix:") && !s.is_empty()) {
        // A server over the network: not this client's.
        return None;
    }
    let uid = rustix::process::getuid().as_raw();
    [
        format!("/run/user/{uid}/pulse/native"),
        "/var/run/pulse/native".to_string(),
    ]
    .into_iter()
    .map(std::path::PathBuf::from)
    .find(|p| p.exists())
}

/// What [`roundtrip`] says of a name the server does not know.
const NO_SUCH: &str = "there is no such output";

/// Sends one command and reads its reply, while nothing else is on the connection yet.
fn roundtrip<R: protocol::CommandReply>(
    io: &mut BufReader<UnixStream>,
    seq: u32,
    command: Pa,
    version: u16,
) -> Result<R, String> {
    protocol::write_command_message(io.get_mut(), seq, &command, version)
        .map_err(|e| format!("the sound server did not take a request: {e}"))?;
    // A connection closed while connecting is the server turning this client away.
    let closed = |e: &dyn std::fmt::Display| {
        format!(
            "the sound server closed the connection while limber was connecting ({e}); it may want its cookie, ~/.config/pulse/cookie"
        )
    };
    loop {
        let desc = protocol::read_descriptor(io).map_err(|e| closed(&e))?;
        // Nothing the server says while connecting comes near this; more is not a server.
        if desc.length > 1 << 20 {
            return Err("the sound server's answer made no sense".into());
        }
        let mut payload = vec![0; desc.length as usize];
        io.read_exact(&mut payload).map_err(|e| closed(&e))?;
        if desc.channel != u32::MAX {
            continue;
        }
        let mut cursor = std::io::Cursor::new(&payload[..]);
        let mut ts = protocol::TagStructReader::new(&mut cursor, version);
        let tag: u32 = ts.read_u32().map_err(|e| e.to_string())?;
        let got = ts.read_u32().map_err(|e| e.to_string())?;
        if got != seq {
            continue;
        }
        if tag == protocol::CommandTag::Error as u32 {
            let code = ts.read_u32().unwrap_or(0);
            return Err(match code {
                // PA_ERR_NOENTITY
                5 => NO_SUCH.to_string(),
                // PA_ERR_ACCESS, PA_ERR_AUTHKEY
                1 | 8 => "the sound server refused this user (no cookie for it)".to_string(),
                _ => format!("the sound server refused (error {code})"),
            });
        }
        return R::read(&mut ts, version).map_err(|e| e.to_string());
    }
}

/// What opening takes: the output by the server's name (`None`: its default), and whether the
/// keep-alive tone plays.
pub struct Wanted<'a> {
    pub sink: Option<&'a str>,
    pub keep_alive: bool,
}

impl Pulse {
    /// Connects to the sound server and opens a stream; `None` when there is no server to ask
    /// (the caller then uses ALSA), an error when there is one and it refused.
    pub fn open(
        wanted: &Wanted,
        faults: Arc<Faults>,
        lost: Arc<AtomicBool>,
    ) -> Option<Result<(Pulse, Schedule), String>> {
        let path = socket()?;
        let socket = UnixStream::connect(&path).ok()?;
        Some(Pulse::start(socket, wanted, faults, lost))
    }

    fn start(
        socket: UnixStream,
        wanted: &Wanted,
        faults: Arc<Faults>,
        lost: Arc<AtomicBool>,
    ) -> Result<(Pulse, Schedule), String> {
        socket
            .set_read_timeout(Some(Duration::from_secs(5)))
            .map_err(|e| e.to_string())?;
        let mut io = BufReader::with_capacity(64 * 1024, socket);
        let cookie = pulseaudio::cookie_path_from_env()
            .and_then(|p| std::fs::read(p).ok())
            .filter(|c| c.len() == COOKIE)
            // A server that lets anyone in still reads a cookie's length of bytes.
            .unwrap_or_else(|| vec![0; COOKIE]);
        let auth: protocol::AuthReply = roundtrip(
            &mut io,
            0,
            Pa::Auth(protocol::AuthParams {
                version: protocol::MAX_VERSION,
                supports_shm: false,
                supports_memfd: false,
                cookie,
            }),
            protocol::MAX_VERSION,
        )?;
        let version = protocol::MAX_VERSION.min(auth.version);
        let mut props = protocol::Props::new();
        props.set(protocol::Prop::ApplicationName, c"limber");
        props.set(
            protocol::Prop::ApplicationProcessId,
            CString::new(std::process::id().to_string()).unwrap_or_default(),
        );
        let _: protocol::SetClientNameReply =
            roundtrip(&mut io, 1, Pa::SetClientName(props), version)?;
        let sink = wanted
            .sink
            .map(str::to_string)
            .or_else(|| std::env::var("PULSE_SINK").ok().filter(|s| !s.is_empty()))
            .map(|s| {
                CString::new(s)
                    .map_err(|_| "an output's name cannot hold a NUL character".to_string())
            })
            .transpose()?;
        let info: protocol::SinkInfo = roundtrip(
            &mut io,
            2,
            Pa::GetSinkInfo(protocol::GetSinkInfo {
                index: None,
                name: Some(sink.clone().unwrap_or_else(|| c"@DEFAULT_SINK@".into())),
            }),
            version,
        )
        .map_err(|e| match (&sink, e.as_str()) {
            // Only PULSE_SINK can name one that `limber devices` did not list.
            (Some(name), NO_SUCH) => format!(
                "the sound server has no output named \"{}\" (PULSE_SINK?); `limber devices` lists them",
                name.to_string_lossy()
            ),
            (None, NO_SUCH) => "the sound server has no output to play into".to_string(),
            _ => e,
        })?;
        let rate = info.sample_spec.sample_rate.clamp(8_000, 192_000);
        let bytes =
            |d: Duration| (d.as_millis() as u64 * u64::from(rate) / 1000) as u32 * FRAME as u32;
        let mut media = protocol::Props::new();
        media.set(protocol::Prop::MediaName, c"limber session");
        media.set(protocol::Prop::MediaRole, c"a11y");
        let reply: protocol::CreatePlaybackStreamReply = roundtrip(
            &mut io,
            3,
            Pa::CreatePlaybackStream(protocol::PlaybackStreamParams {
                sample_spec: protocol::SampleSpec {
                    format: protocol::SampleFormat::Float32Le,
                    channels: 1,
                    sample_rate: rate,
                },
                channel_map: protocol::ChannelMap::mono(),
                sink_index: Some(info.index),
                sink_name: None,
                buffer_attr: protocol::stream::BufferAttr {
                    // Room beyond the target for what is written again over it.
                    max_length: u32::MAX,
                    target_length: bytes(BUFFER),
                    // Never stop for an underrun: the stream's clock runs on in silence.
                    pre_buffering: 0,
                    minimum_request_length: bytes(REQUEST),
                    fragment_size: u32::MAX,
                },
                props: media,
                flags: protocol::stream::StreamFlags {
                    // The rate is the sink's own: nothing to resample, and the frames are the
                    // sink's frames.
                    fix_rate: true,
                    ..Default::default()
                },
                ..Default::default()
            }),
            version,
        )?;
        if reply.sample_spec.format != protocol::SampleFormat::Float32Le
            || reply.sample_spec.channels != 1
        {
            return Err("the sound server changed the stream's format".into());
        }
        let rate = reply.sample_spec.sample_rate;
        let (mut mixer, schedule) = Mixer::scheduled(rate);
        let buffered = reply.buffer_attr.target_length as usize / FRAME;
        mixer.keep(buffered as u64 + u64::from(rate));
        if wanted.keep_alive {
            mixer.apply(Command::KeepAlive(Some(KEEP_ALIVE_LEVEL)));
        }
        let commands = mixer
            .take_commands()
            .expect("a scheduled mixer has its commands");
        let (waker, woken) = UnixStream::pair().map_err(|e| e.to_string())?;
        woken.set_nonblocking(true).map_err(|e| e.to_string())?;
        io.get_ref()
            .set_read_timeout(None)
            .map_err(|e| e.to_string())?;
        let shared = Arc::new(Shared {
            heard: Mutex::new((0, Instant::now())),
            stop: AtomicBool::new(false),
        });
        let mut feeder = Feeder {
            io,
            version,
            channel: reply.channel,
            rate,
            mixer,
            commands,
            requested: i64::from(reply.requested_bytes),
            frames: vec![0.0; PIECE],
            bytes: Vec::with_capacity(protocol::DESCRIPTOR_SIZE + PIECE * FRAME),
            pending: Vec::with_capacity(256),
            seq: 4,
            asked: None,
            asked_last: Instant::now(),
            started: Instant::now(),
            shared: Arc::clone(&shared),
            faults,
            lost,
            woken,
        };
        let thread = std::thread::Builder::new()
            .name("limber-pulse".into())
            .spawn(move || feeder.run())
            .map_err(|e| format!("cannot start the audio thread: {e}"))?;
        Ok((
            Pulse {
                shared,
                waker,
                rate,
                thread: Some(thread),
            },
            schedule,
        ))
    }

    pub fn rate(&self) -> u32 {
        self.rate
    }

    /// The frame being heard now, on the server's last report read on by the CPU's clock, and
    /// how long ago that report came.
    pub fn heard(&self) -> (u64, Duration) {
        self.shared.heard(self.rate)
    }

    /// Tells the stream's thread the schedule changed, so what is buffered is made again.
    pub fn wake(&self) {
        let _ = (&self.waker).write(&[1]);
    }
}

impl Drop for Pulse {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        self.wake();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The stream's thread: answers the server's requests from the mixer, rewrites what is buffered
/// when the schedule changes, and asks where playback is.
struct Feeder {
    io: BufReader<UnixStream>,
    version: u16,
    channel: u32,
    rate: u32,
    mixer: Mixer,
    commands: Receiver<Command>,
    /// Bytes the server has asked for and not yet had. Bytes written again over what it holds
    /// count as given too, as its own library counts them: the server asks for as many again
    /// (its accounting, like the library's, ignores where a write seeks to), so this goes below
    /// zero after a rewrite until that request comes.
    requested: i64,
    frames: Vec<f32>,
    bytes: Vec<u8>,
    pending: Vec<Command>,
    seq: u32,
    /// The latency request in flight: its sequence number and when it was sent.
    asked: Option<(u32, Instant)>,
    asked_last: Instant,
    started: Instant,
    shared: Arc<Shared>,
    faults: Arc<Faults>,
    lost: Arc<AtomicBool>,
    woken: UnixStream,
}

/// How often the thread asks where playback is when nothing else wakes it.
const ASK_EVERY: Duration = Duration::from_secs(1);

impl Feeder {
    fn run(&mut self) {
        if let Err(e) = self.serve() {
            if !self.shared.stop.load(Ordering::Relaxed) {
                crate::report::log::line(
                    crate::report::log::VERBOSE,
                    &format!("the sound server's connection ended: {e}"),
                );
                self.lost.store(true, Ordering::Relaxed);
            }
        }
    }

    fn serve(&mut self) -> Result<(), String> {
        loop {
            if self.shared.stop.load(Ordering::Relaxed) {
                return Ok(());
            }
            if self.io.buffer().is_empty() {
                // While an answer is awaited the next question waits for it: counting down to
                // the next one instead, a server slow to answer (a busy machine) had this thread
                // polling without a pause until it did.
                //
                // What the server asked for and has not had goes out first, without waiting: the
                // stream plays from the moment it is made (no prebuffering), and a first write
                // left for the next message or the timeout (up to a second) started every session
                // late and was told as an underrun.
                let timeout = match self.asked {
                    _ if self.requested >= FRAME as i64 => Duration::ZERO,
                    Some(_) => ASK_EVERY,
                    None => ASK_EVERY.saturating_sub(self.asked_last.elapsed()),
                };
                let ts = rustix::time::Timespec {
                    tv_sec: timeout.as_secs() as _,
                    tv_nsec: timeout.subsec_nanos() as _,
                };
                let socket = self.io.get_ref().as_fd();
                let woken = self.woken.as_fd();
                let mut fds = [
                    rustix::event::PollFd::new(&socket, rustix::event::PollFlags::IN),
                    rustix::event::PollFd::new(&woken, rustix::event::PollFlags::IN),
                ];
                match rustix::event::poll(&mut fds, Some(&ts)) {
                    Ok(_) | Err(rustix::io::Errno::INTR) => {}
                    Err(e) => return Err(e.to_string()),
                }
                let readable = !fds[0].revents().is_empty();
                if !fds[1].revents().is_empty() {
                    let mut drain = [0u8; 64];
                    while matches!((&self.woken).read(&mut drain), Ok(n) if n > 0) {}
                }
                if readable {
                    self.receive()?;
                }
            } else {
                self.receive()?;
            }
            self.apply()?;
            let mut wrote = false;
            while self.requested >= FRAME as i64 {
                let n = (self.requested as usize / FRAME).min(self.frames.len());
                self.write(n, None)?;
                wrote = true;
            }
            if self.asked.is_none() && (wrote || self.asked_last.elapsed() >= ASK_EVERY) {
                self.ask()?;
            }
        }
    }

    /// Reads one message from the server (the socket is readable, or the reader holds one).
    fn receive(&mut self) -> Result<(), String> {
        let desc = protocol::read_descriptor(&mut self.io).map_err(|e| e.to_string())?;
        let mut payload = [0u8; 1024];
        let len = desc.length as usize;
        if desc.channel != u32::MAX || len > payload.len() {
            // Nothing but commands is expected: skipped whole.
            let mut left = len as u64;
            while left > 0 {
                let n = self.io.fill_buf().map_err(|e| e.to_string())?.len() as u64;
                if n == 0 {
                    return Err("the sound server closed the connection".into());
                }
                let n = n.min(left);
                self.io.consume(n as usize);
                left -= n;
            }
            return Ok(());
        }
        self.io
            .read_exact(&mut payload[..len])
            .map_err(|e| e.to_string())?;
        let mut cursor = std::io::Cursor::new(&payload[..len]);
        let (seq, command) =
            Pa::read_tag_prefixed(&mut cursor, self.version).map_err(|e| e.to_string())?;
        match command {
            Pa::Request(r) if r.channel == self.channel => {
                self.requested += i64::from(r.length);
            }
            Pa::Reply if self.asked.is_some_and(|(s, _)| s == seq) => {
                let (_, sent) = self.asked.take().expect("asked");
                let mut ts = protocol::TagStructReader::new(&mut cursor, self.version);
                let latency = protocol::PlaybackLatency::read(&mut ts, self.version)
                    .map_err(|e| e.to_string())?;
                let now = Instant::now();
                // The server read its counters about half way between asking and hearing back.
                let at = sent + (now - sent) / 2;
                let read = latency.read_offset.max(0) as u64 / FRAME as u64;
                let behind = latency.sink_usec * u64::from(self.rate) / 1_000_000;
                *self.shared.heard.lock().unwrap_or_else(|e| e.into_inner()) =
                    (read.saturating_sub(behind), at);
            }
            Pa::Error(e) if self.asked.is_some_and(|(s, _)| s == seq) => {
                return Err(format!("the sound server said {e:?}"));
            }
            Pa::PlaybackStreamKilled(c) if c == self.channel => {
                return Err("the sound server removed the stream (its output went away)".into());
            }
            // Not at the very start, before the first sound could reach the server, nor after
            // the process was stopped (Ctrl-Z) while the server played on.
            Pa::Underflow(u)
                if u.channel == self.channel
                    && self.started.elapsed() > Duration::from_secs(1)
                    && !crate::sound::stream::gap_of_a_stop() =>
            {
                self.faults.gaps.fetch_add(1, Ordering::Relaxed);
                crate::report::log::line(
                    crate::report::log::VERBOSE,
                    "the sound server ran out of sound to play (an underrun)",
                );
            }
            _ => {}
        }
        Ok(())
    }

    /// Asks the server where playback is.
    fn ask(&mut self) -> Result<(), String> {
        let seq = self.seq;
        self.seq = self.seq.wrapping_add(1);
        protocol::write_command_message(
            self.io.get_mut(),
            seq,
            &Pa::GetPlaybackLatency(protocol::LatencyParams {
                channel: self.channel,
                now: SystemTime::now(),
            }),
            self.version,
        )
        .map_err(|e| e.to_string())?;
        let now = Instant::now();
        self.asked = Some((seq, now));
        self.asked_last = now;
        Ok(())
    }

    /// Applies what the schedule sent; where a change falls inside what the server holds, goes
    /// back to there and writes the stretch again.
    fn apply(&mut self) -> Result<(), String> {
        self.pending.extend(self.commands.try_iter());
        if self.pending.is_empty() {
            return Ok(());
        }
        let made = self.mixer.position();
        let margin = (MARGIN.as_millis() as u64) * u64::from(self.rate) / 1000;
        let safe = (self.shared.heard(self.rate).0 + margin).min(made);
        let mut from = made;
        for c in &self.pending {
            from = match c {
                Command::Play { at, .. } if *at < made => from.min((*at).max(safe)),
                Command::Play { .. } => from,
                Command::Cancel(_) | Command::Gain(..) | Command::KeepAlive(_) => from.min(safe),
            };
        }
        self.mixer.rewind(from);
        let from = self.mixer.position();
        for c in self.pending.drain(..) {
            self.mixer.apply(c);
        }
        if from < made {
            // Written over what the server holds from `from` on, in pieces the buffer takes.
            let mut at = from;
            while at < made {
                let n = ((made - at) as usize).min(self.frames.len());
                self.write(n, Some(at))?;
                at += n as u64;
            }
        }
        Ok(())
    }

    /// Makes `n` frames and sends them: after what was sent before, or from frame `at`.
    fn write(&mut self, n: usize, at: Option<u64>) -> Result<(), String> {
        let frames = &mut self.frames[..n];
        self.mixer.fill(frames, 1);
        // Within the capacity reserved at the start: no allocation here.
        self.bytes.resize(protocol::DESCRIPTOR_SIZE + n * FRAME, 0);
        let body = &mut self.bytes[protocol::DESCRIPTOR_SIZE..];
        for (b, s) in body.chunks_exact_mut(FRAME).zip(frames.iter()) {
            b.copy_from_slice(&s.clamp(-1.0, 1.0).to_le_bytes());
        }
        let desc = protocol::Descriptor {
            length: (n * FRAME) as u32,
            channel: self.channel,
            offset: at.map_or(0, |f| f * FRAME as u64),
            flags: protocol::DescriptorFlags::from_bits_retain(if at.is_some() {
                SEEK_ABSOLUTE
            } else {
                0
            }),
        };
        let head: &mut [u8; protocol::DESCRIPTOR_SIZE] = (&mut self.bytes
            [..protocol::DESCRIPTOR_SIZE])
            .try_into()
            .expect("the descriptor's size");
        protocol::encode_descriptor(head, &desc);
        self.requested -= (n * FRAME) as i64;
        self.io
            .get_mut()
            .write_all(&self.bytes)
            .map_err(|e| e.to_string())
    }
}
