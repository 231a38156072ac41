//! The command line, as clap reads it. Turning these arguments into work is the commands' job.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::{Choice, Config, Engine};
use crate::session::player::Control;

const AFTER_HELP: &str = "\
Routines are JSON files. The built-in ones are listed by `limber list`; your own go in
~/.config/limber/routines/ (or $LIMBER_ROUTINES) and are named by their file name without .json.
`limber show NAME` prints one; `limber new NAME --from NAME` starts your own from it; `limber
config` prints the configuration file, every setting explained; `limber schema` the JSON Schema.
limber is not medical advice: stop if an exercise causes pain, numbness or tingling.

Examples:
  limber list
  limber new my-morning --from lower-back-basics
  limber plan my-morning
  limber run my-morning
  limber render my-morning -o morning.mp3";

const PLAN_HELP: &str = "\
Holds, rests and breaths are exact. Speech is exact for lines in the speech cache (see `limber
prepare`) and estimated from the speaking rate for the others.

Each line is `mm:ss  label  detail`. Labels: speak (words), chime (hold start, hold end, finish),
tone (breathe in, breathe out), tick (a flow's position or a held breath), and the silences:
hold, rest, get ready (after a setup), switch (after \"switch sides\").

With --json:
  {\"routine\", \"total_seconds\",
   \"steps\": [{\"step\", \"title\", \"at\", \"seconds\"}...],
   \"cues\": [{\"at\", \"kind\", \"text\" | \"sound\" | \"silence\", \"seconds\", \"step\",
             \"exercise\", \"side\", \"rep\", \"reps\", \"set\", \"sets\"}...]}
\"kind\" is speech, chime, breath, tick or silence; \"sound\" names the sound (hold_start,
hold_end, breathe_in, breathe_out, tick, finish); \"silence\" is hold, rest, get_ready or switch.
Times are in seconds. \"step\" counts from 1 and is null for the opening and closing words;
the place fields appear where they apply. \"speech\": {\"engine\", \"lines\", \"measured\"} says
how many of the different lines spoken have their real length from the speech cache.";

#[derive(Debug, Parser)]
#[command(
    name = "limber",
    version,
    about = "A voice coach for floor exercises: it reads a routine and talks you through it.",
    after_help = AFTER_HELP,
)]
pub struct Cli {
    /// Read the configuration from FILE instead of $LIMBER_CONFIG or ~/.config/limber/config.json.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Tell more on stderr (each command's --help says what).
    #[arg(
        short,
        long,
        global = true,
        conflicts_with = "quiet",
        help_heading = "Messages"
    )]
    pub verbose: bool,

    /// Tell only faults on stderr.
    #[arg(short, long, global = true, help_heading = "Messages")]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

/// What `-v` and `-q` do in each command that has more to tell than its faults; the others say
/// that they have nothing more.
const MESSAGES: &[(&str, &str, &str)] = &[
    (
        "run",
        "Also tell the voice chosen, each step, hold and pause as it happens, and what the audio library itself said, on stderr",
        "Tell only faults on stderr: not waiting to start, nor (without captions) pauses, skips or volume changes",
    ),
    (
        "plan",
        "Also tell the voice chosen on stderr",
        "Tell only faults on stderr",
    ),
    (
        "prepare",
        "Also tell the voice chosen on stderr",
        "Tell only faults on stderr, not the progress",
    ),
    (
        "render",
        "Also tell the voice chosen on stderr",
        "Tell only faults on stderr, not the progress or the file written",
    ),
    (
        "history",
        "Also tell, on stderr, each line of the log skipped because a crash cut it short",
        "Tell only faults on stderr, not the picture written",
    ),
    (
        "devices",
        "Also tell, on stderr, what the audio library itself said while it looked",
        "Tell only faults on stderr",
    ),
    (
        "rate",
        "Also tell, on stderr, each line of the log skipped because a crash cut it short",
        "Tell only faults on stderr",
    ),
];

/// The command line: [`Cli`], with `-v` and `-q` described for each command.
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    let cli = Cli::command();
    let global = |id: &str| {
        cli.get_arguments()
            .find(|a| a.get_id() == id)
            .cloned()
            .expect("-v and -q are defined")
    };
    let (verbose, quiet) = (global("verbose"), global("quiet"));
    let names: Vec<String> = cli
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    names.into_iter().fold(cli, |cli, name| {
        let (more, less) = MESSAGES.iter().find(|(n, _, _)| *n == name).map_or(
            (
                "Tell more on stderr (this command has nothing more to tell)",
                "Tell only faults on stderr",
            ),
            |(_, v, q)| (*v, *q),
        );
        let (verbose, quiet) = (verbose.clone().help(more), quiet.clone().help(less));
        cli.mut_subcommand(name, |sub| sub.arg(verbose).arg(quiet))
    })
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Coach a session: speak each cue, chime each hold, keep exact time.
    #[command(after_help = RUN_HELP)]
    Run(Box<RunArgs>),
    /// List the built-in routines and yours, with their length and number of exercises.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show everything a routine will say and play, and when, without playing it.
    #[command(after_help = PLAN_HELP)]
    Plan {
        /// A routine name (see `limber list`) or the path to a routine file.
        routine: String,
        /// Start at this step: its number or its name.
        #[arg(long, value_name = "STEP", conflicts_with = "only")]
        from: Option<String>,
        /// This step alone: its number or its name.
        #[arg(long, value_name = "STEP")]
        only: Option<String>,
        /// Print the timeline as JSON, for scripts.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        voice: VoiceArgs,
        #[command(flatten)]
        levels: LevelArgs,
    },
    /// Make every line a routine speaks ahead of time, so a session starts at once and its plan
    /// is exact.
    #[command(after_help = PREPARE_HELP)]
    Prepare {
        /// Routine names or files; without any, every routine `limber list` shows.
        routines: Vec<String>,
        #[command(flatten)]
        voice: VoiceArgs,
    },
    /// Write a whole session to an audio file: speech, chimes and breath tones, at their exact
    /// times.
    #[command(after_help = RENDER_HELP)]
    Render(RenderArgs),
    /// Check routine files and print every problem found, with where it is and how to fix it.
    #[command(
        after_help = "Exit status: 0 when every routine is valid, 1 otherwise.\n\
Without FILE, checks every routine in your routines folder."
    )]
    Check {
        /// Routine files (or routine names) to check.
        files: Vec<PathBuf>,
    },
    /// List the voices of each speech engine, for --voice-name and the configuration.
    #[command(after_help = VOICES_HELP)]
    Voices {
        /// Only this engine's voices.
        #[arg(value_parser = ["espeak-ng", "pico2wave", "piper", "system"])]
        engine: Option<String>,
    },
    /// List the audio outputs, for --device and the configuration.
    Devices,
    /// Control the running session: pause, resume, skip, repeat, stop, or ask where it is.
    #[command(after_help = CTL_HELP)]
    Ctl {
        #[arg(value_enum)]
        command: CtlCommand,
        /// With `rate`: easy, fine, hard or pain.
        #[arg(value_name = "RATING", required_if_eq("command", "rate"), value_parser = rating)]
        rating: Option<crate::history::record::Rating>,
        /// With `status`: print JSON, for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Print a routine's JSON: a built-in one, or any that `limber list` shows.
    #[command(
        after_help = "Copy one to change it with `limber new NAME --from ROUTINE`, or save it:\n  limber show in-bed > ~/.config/limber/routines/my-bed.json"
    )]
    Show {
        /// A routine name (see `limber list`) or the path to a routine file.
        routine: String,
    },
    /// Start a routine of your own in your routines folder, from a built-in one or a small
    /// example, and say where it is.
    #[command(after_help = NEW_HELP)]
    New {
        /// Its name: letters, digits and dashes (the file is NAME.json).
        name: String,
        /// Copy this routine instead of the small example.
        #[arg(long, value_name = "ROUTINE")]
        from: Option<String>,
    },
    /// Print the configuration file with every setting and what it does, to save as
    /// ~/.config/limber/config.json.
    Config,
    /// Print the completions of limber's commands and options for a shell.
    #[command(after_help = COMPLETIONS_HELP)]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print limber's manual page (roff), for man.
    #[command(
        after_help = "Read it now with `limber man | man -l -`, or install it:\n  mkdir -p ~/.local/share/man/man1 && limber man > ~/.local/share/man/man1/limber.1"
    )]
    Man,
    /// The sessions you have done: the last ones, this week against your goal, the streak of
    /// weeks that met it, and a calendar of the last 12 weeks.
    #[command(after_help = HISTORY_HELP)]
    History(HistoryArgs),
    /// Say how the last session went (easy, fine, hard or pain), any time after it.
    #[command(after_help = RATE_HELP)]
    Rate {
        /// easy, fine, hard or pain (1 to 4 also work).
        #[arg(value_name = "RATING", value_parser = rating)]
        rating: crate::history::record::Rating,
        /// A few words to keep with the rating.
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
    },
    /// Print the JSON Schema for routine files, for editors that complete and check JSON.
    #[command(
        after_help = "Point an editor at it, or add \"$schema\": \"./routine.schema.json\" at the top of a routine:\n  limber schema > routine.schema.json"
    )]
    Schema {
        /// Which file's schema: a routine's, or the configuration's.
        #[arg(value_enum, default_value_t = SchemaOf::Routine)]
        of: SchemaOf,
    },
}

const VOICES_HELP: &str = "\
Installing the engines (in a copy of limber's source, scripts/setup does all of this):
  espeak-ng:  sudo apt install espeak-ng
  pico2wave:  sudo apt install libttspico-utils   (Debian's non-free section)
  system:     sudo apt install speech-dispatcher
  Piper, in a Python environment of its own, where limber looks for it:
    python3 -m venv ~/.local/share/limber/piper
    ~/.local/share/limber/piper/bin/pip install piper-tts
  and a Piper voice (a .onnx model and its .onnx.json) in ~/.local/share/limber/voices:
    ~/.local/share/limber/piper/bin/python -m piper.download_voices en_US-joe-medium \\
      --download-dir ~/.local/share/limber/voices
Then `limber voices piper` lists it, and `limber prepare` makes every line ahead of time.";

const NEW_HELP: &str = "\
Writes ~/.config/limber/routines/NAME.json (or into $LIMBER_ROUTINES, or the configuration's
\"routines\" folder) and never over a file that is there. Then change it in any editor, see it
with `limber plan NAME`, check it with `limber check NAME` and run it with `limber run NAME`.
`limber schema` gives editors the JSON Schema, to complete and check it as you type.

Examples:
  limber new my-morning
  limber new gentle --from gentle-relief";

const COMPLETIONS_HELP: &str = "\
Install them for your shell:
  bash:  mkdir -p ~/.local/share/bash-completion/completions &&
         limber completions bash > ~/.local/share/bash-completion/completions/limber
  zsh:   mkdir -p ~/.zfunc && limber completions zsh > ~/.zfunc/_limber
         (and in ~/.zshrc, before compinit: fpath=(~/.zfunc $fpath))
  fish:  limber completions fish > ~/.config/fish/completions/limber.fish";

const PREPARE_HELP: &str = "\
Lines are kept in the speech cache (~/.cache/limber/speech unless the configuration says
otherwise), one WAV file per line, for the voice and settings used. `limber run`, `plan` and
`render` use them. Only engines that make sound files can prepare; \"system\" cannot.";

const RENDER_HELP: &str = "\
Formats, chosen by the file's extension or --format, all mono at --rate:
  wav   16-bit PCM, about 2.9 MB a minute at 24 kHz
  flac  lossless, about half of that, with chapters as Vorbis comments (CHAPTER001=...)
  mp3   for phones and cars, about 0.25 MB a minute of speech, with ID3 chapters (CHAP)
Chapters mark each exercise with the words before it; --chapters also writes them to a file.
Lines not yet in the speech cache are made first (see `limber prepare`). With the \"system\"
voice, which cannot write files, espeak-ng speaks.

Examples:
  limber render lower-back-basics -o morning.mp3
  limber render in-bed -o in-bed.flac --chapters in-bed.chapters.txt
  limber render breathing --format mp3 -o - | ssh phone 'cat > breathing.mp3'";

const CTL_HELP: &str = "\
Talks to the session over a socket in $XDG_RUNTIME_DIR/limber (or /tmp/limber-UID), so it works
from another terminal, over SSH, or from a script. Exit status 1 when no session is running.
`status` prints the routine, step, rep, side, whether paused, and the time left; with --json:
  {\"routine\", \"step\", \"steps\", \"title\", \"exercise\", \"side\", \"rep\", \"reps\",
   \"set\", \"sets\", \"place\" (all of them in words), \"paused\", \"over\", \"step_left_seconds\",
   \"session_left_seconds\",
   \"starts_at\" (while waiting for --at or --wait)}
Signals do the same without limber: SIGUSR1 pauses or resumes, SIGUSR2 skips to the next step.";

const HISTORY_HELP: &str = "\
Every session is recorded in ~/.local/state/limber/history.jsonl (or $XDG_STATE_HOME/limber, the
configuration's history.file, or $LIMBER_HISTORY): one JSON object a line, a begin record when a
session starts, an end record when it ends, and a rating record for each answer. Old logs moved
aside as history-NAME.jsonl in the same folder are read too. A line cut short by a crash is
skipped (-v says where); a line limber cannot read is an error naming it, and nothing is changed.

The weekly goal is 3 sessions unless the configuration's history.goal says otherwise. A session
counts when at least half its length was done (pauses left out), whether it was finished or
stopped: one skipped through to its end does not. Weeks start on Monday.

With --json:
  {\"sessions\": [{\"session\", \"start\", \"date\", \"routine\": {\"id\", \"name\", \"hash\"},
     \"voice\", \"planned_seconds\", \"seconds\", \"paused_seconds\",
     \"ended\" (completed, skipped, stopped or unfinished), \"steps\", \"done\", \"skipped\",
     \"exercises\": [{\"step\", \"name\", \"planned_reps\", \"sets\", \"hold_seconds\", \"level\",
                    \"reps_done\", \"sides_done\", \"seconds_held\"}...],
     \"rating\", \"note\"}...],
   \"goal\", \"week\": {\"start\", \"sessions\", \"minutes\", \"goal\", \"met\"}, \"streak\",
   \"weeks\": [the same as \"week\", oldest first], \"calendar\": [{\"date\", \"minutes\", \"sessions\"}...]}
\"seconds\" leaves out the time paused; \"sessions\" are oldest first.

Examples:
  limber history
  limber history --routine core-strength --since 2026-11-01
  limber history --plot progress.svg";

const RATE_HELP: &str = "\
Rates the last session in the log, however long ago it ended; a later rating replaces an earlier
one. During a session, or while it asks how it went, the keys 1 to 4 and `limber ctl rate WORD`
answer instead. \"pain\" makes the routine's exercises a step easier next time, and the next
session says so.";

fn day(text: &str) -> Result<jiff::civil::Date, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("\"{text}\" is not a day; give it as YYYY-MM-DD, like 2026-11-30"))
}

fn rating(word: &str) -> Result<crate::history::record::Rating, String> {
    crate::history::record::Rating::parse(word)
        .ok_or_else(|| format!("\"{word}\" is not a rating: say easy, fine, hard or pain"))
}

/// `limber history`'s arguments.
#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// Only the sessions of this routine (its name as `limber list` shows it, or its title).
    #[arg(long, value_name = "ROUTINE")]
    pub routine: Option<String>,
    /// Only the sessions on or after this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = day)]
    pub since: Option<jiff::civil::Date>,
    /// Print JSON instead, for scripts (the shape is below).
    #[arg(long, conflicts_with = "plot")]
    pub json: bool,
    /// Draw progress into FILE as an SVG picture: minutes a week, and each exercise's hold and
    /// reps session by session.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
    /// How many of the last sessions to list.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub last: usize,
}

/// Which levels of the routine's progressions to use, for one session or plan.
#[derive(Debug, Clone, Copy, Default, clap::Args)]
pub struct LevelArgs {
    /// Play every exercise that has a progression at level N (or its top), whatever the log says.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100), conflicts_with = "no_progress")]
    pub level: Option<u32>,
    /// Play every exercise as the routine writes it (level 1), whatever the log says.
    #[arg(long)]
    pub no_progress: bool,
}

impl LevelArgs {
    pub fn choice(&self) -> crate::history::progression::Choice {
        use crate::history::progression::Choice;
        match (self.level, self.no_progress) {
            (Some(n), _) => Choice::Level(n),
            (None, true) => Choice::Off,
            (None, false) => Choice::Log,
        }
    }
}

/// What `limber ctl` asks of the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CtlCommand {
    /// Stop speaking and hold the clock.
    Pause,
    /// Say where the session was and go on.
    Resume,
    /// Pause when playing, resume when paused.
    Toggle,
    /// Skip to the next step.
    Next,
    /// Back to the start of this step, or to the step before when it has just begun.
    Previous,
    /// Say the last cue again.
    Repeat,
    /// Stop the session, as Ctrl-C would.
    Stop,
    /// Where the session is and how long is left.
    Status,
    /// Speak louder.
    VolumeUp,
    /// Speak more quietly.
    VolumeDown,
    /// Answer how the session went (easy, fine, hard, pain), during it or while it asks.
    Rate,
}

impl CtlCommand {
    /// What it asks of the player; `None` for `status` and `rate`, which the session answers.
    pub fn control(self) -> Option<Control> {
        Some(match self {
            CtlCommand::Pause => Control::Pause,
            CtlCommand::Resume => Control::Resume,
            CtlCommand::Toggle => Control::Toggle,
            CtlCommand::Next => Control::Next,
            CtlCommand::Previous => Control::Previous,
            CtlCommand::Repeat => Control::Repeat,
            CtlCommand::Stop => Control::Stop,
            CtlCommand::VolumeUp => Control::VolumeUp,
            CtlCommand::VolumeDown => Control::VolumeDown,
            CtlCommand::Status | CtlCommand::Rate => return None,
        })
    }

    /// The word for it in the control protocol: the session's own word for the control.
    pub fn word(self) -> &'static str {
        match self {
            CtlCommand::Status => "status",
            CtlCommand::Rate => "rate",
            other => other.control().map_or("status", Control::word),
        }
    }
}

const RUN_HELP: &str = "\
Without ROUTINE, runs lower-back-basics. Flags override the configuration file.
Voices: \"auto\" (the default) is Piper when it and a voice are installed, else espeak-ng.
\"piper\", \"espeak-ng\" and \"pico2wave\" make each line as a sound file, kept in the speech cache; \"command\" runs your own program (set in `limber config`);
\"system\" is speech-dispatcher. When one fails, the next takes over; \"none\" plays chimes and
writes captions only.
Ctrl-C or SIGTERM stops at once, prints what was done, and exits with status 130.
While it runs, in a terminal: space pauses and resumes, n next step, p previous, r repeat,
+/- voice volume, q quit, ? the keys. From anywhere: `limber ctl` (pause, resume, next, previous,
repeat, stop, status), SIGUSR1 (pause/resume) and SIGUSR2 (next step). One session at a time.
Ctrl-Z pauses the session while it is suspended; `fg` goes on where it was.
`--at 07:30` waits for the next 07:30 (local time) and `--wait 10m` for ten minutes; the output is
opened only then.
--on-event PROGRAM is run as `PROGRAM EVENT step=N title=T exercise=E side=S rep=N reps=N ...`
with the same in LIMBER_EVENT, LIMBER_ROUTINE, LIMBER_STEP, LIMBER_TITLE, LIMBER_EXERCISE,
LIMBER_SIDE, LIMBER_REP, LIMBER_REPS, LIMBER_SET, LIMBER_SETS. It never delays a cue; one that
runs over 10 s is stopped, and the first problem is told on stderr.";

fn volume(text: &str) -> Result<f32, String> {
    let v: f32 = text
        .parse()
        .map_err(|_| format!("\"{text}\" is not a number"))?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("a volume is from 0 to 1, not {v}"))
    }
}

#[derive(Debug, Default, clap::Args)]
pub struct RunArgs {
    /// A routine name (see `limber list`) or the path to a routine file.
    pub routine: Option<String>,
    /// Start at this step: its number (as `limber plan` shows) or its name.
    #[arg(long, value_name = "STEP", conflicts_with = "only")]
    pub from: Option<String>,
    /// Coach this step alone: its number or its name.
    #[arg(long, value_name = "STEP")]
    pub only: Option<String>,
    #[command(flatten)]
    pub voice: VoiceArgs,
    /// Loudness of chimes and tones, from 0 to 1.
    #[arg(long, value_name = "V", value_parser = volume)]
    pub sound_volume: Option<f32>,
    /// Write each cue as it is spoken (the default on a terminal).
    #[arg(long, overrides_with = "no_captions")]
    pub captions: bool,
    /// Write no captions.
    #[arg(long)]
    pub no_captions: bool,
    /// Run PROGRAM (directly, not through a shell) at each event: session_start, step_start,
    /// hold_start, hold_end, pause, resume, finish, stop; with what it is about as arguments
    /// and in LIMBER_* variables (below).
    #[arg(long, value_name = "PROGRAM")]
    pub on_event: Option<PathBuf>,
    /// Play into this audio output (from `limber devices`): its name, or a unique part of it.
    #[arg(long, value_name = "NAME")]
    pub device: Option<String>,
    /// Start at this time of day, HH:MM in local time (tomorrow when it has passed today).
    #[arg(long, value_name = "HH:MM", value_parser = crate::session::start::parse_at, conflicts_with = "wait")]
    pub at: Option<jiff::civil::Time>,
    /// Start after this long: 90s, 10m, 1h30m.
    #[arg(long, value_name = "LENGTH", value_parser = crate::session::start::parse_wait)]
    pub wait: Option<std::time::Duration>,
    #[command(flatten)]
    pub levels: LevelArgs,
}

/// `limber render`'s arguments.
#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    /// A routine name (see `limber list`) or the path to a routine file.
    pub routine: String,
    /// The file to write: .wav, .flac or .mp3 (the format follows the name), or - for standard
    /// output.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// The format, whatever the file's name: wav, flac or mp3 (for a phone). With -o -, wav
    /// unless this says otherwise.
    #[arg(long, value_name = "FORMAT", value_enum)]
    pub format: Option<crate::sound::encode::Format>,
    /// Also write where each exercise starts (with the words before it), for players that jump
    /// between chapters: a text file (`00:01:05.250 Bridge` lines), or JSON when FILE ends in .json.
    #[arg(long, value_name = "FILE")]
    pub chapters: Option<PathBuf>,
    /// Samples per second of the file.
    #[arg(long, value_name = "HZ", default_value_t = 24_000, value_parser = clap::value_parser!(u32).range(8000..=96_000))]
    pub rate: u32,
    /// Start at this step: its number (as `limber plan` shows) or its name.
    #[arg(long, value_name = "STEP", conflicts_with = "only")]
    pub from: Option<String>,
    /// This step alone: its number or its name.
    #[arg(long, value_name = "STEP")]
    pub only: Option<String>,
    /// Loudness of chimes and tones, from 0 to 1.
    #[arg(long, value_name = "V", value_parser = volume)]
    pub sound_volume: Option<f32>,
    #[command(flatten)]
    pub voice: VoiceArgs,
    #[command(flatten)]
    pub levels: LevelArgs,
}

/// The voice to speak with; each overrides the configuration.
#[derive(Debug, Default, Clone, clap::Args)]
pub struct VoiceArgs {
    /// The speech engine.
    #[arg(long, value_name = "ENGINE", value_parser = crate::config::format::ENGINES.to_vec())]
    pub voice: Option<String>,
    /// Speaking rate in words per minute.
    #[arg(long, value_name = "WPM", value_parser = clap::value_parser!(u32).range(80..=400))]
    pub voice_rate: Option<u32>,
    /// Pitch from 0 to 99; 50 is the voice's own.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=99))]
    pub voice_pitch: Option<u32>,
    /// Loudness of the voice, from 0 to 1.
    #[arg(long, value_name = "V", value_parser = volume)]
    pub voice_volume: Option<f32>,
    /// A voice by name, from `limber voices`.
    #[arg(long, value_name = "NAME")]
    pub voice_name: Option<String>,
}

impl VoiceArgs {
    /// The voice chosen by the configuration, changed by these arguments.
    pub fn choice(&self, config: &Config) -> Choice {
        Choice::new(
            config,
            crate::config::Asked {
                engine: self.voice.as_deref().and_then(Engine::parse),
                name: self.voice_name.clone(),
                rate: self.voice_rate,
                pitch: self.voice_pitch,
                volume: self.voice_volume,
            },
        )
    }

    /// The flags that shape the speech, as given: for a command to suggest another with the same
    /// voice (`limber prepare NAME --voice-rate 140`).
    pub fn flags(&self) -> String {
        let mut out = String::new();
        let mut add = |flag: &str, value: Option<String>| {
            if let Some(v) = value {
                let quoted = if v.is_empty()
                    || v.contains(|c: char| c.is_whitespace() || "'\"$\\".contains(c))
                {
                    format!("'{}'", v.replace('\'', "'\\''"))
                } else {
                    v
                };
                out.push_str(&format!(" --{flag} {quoted}"));
            }
        };
        add("voice", self.voice.clone());
        add("voice-rate", self.voice_rate.map(|r| r.to_string()));
        add("voice-pitch", self.voice_pitch.map(|p| p.to_string()));
        add("voice-name", self.voice_name.clone());
        out
    }
}

impl RunArgs {
    /// Captions as the flags ask: `None` when they say nothing.
    pub fn captions(&self) -> Option<bool> {
        match (self.captions, self.no_captions) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SchemaOf {
    Routine,
    Config,
}

#[cfg(test)]
mod tests {
    #[test]
    fn ctl_words_are_the_sessions_words() {
        use super::{Control, CtlCommand};
        use clap::ValueEnum;
        for command in CtlCommand::value_variants() {
            let name = command.to_possible_value().unwrap();
            assert_eq!(name.get_name(), command.word());
            if let Some(control) = command.control() {
                assert_eq!(Control::parse(command.word()), Some(control));
            }
        }
    }

    use clap::CommandFactory;

    #[test]
    fn arguments_are_consistent() {
        super::Cli::command().debug_assert();
        super::command().debug_assert();
    }
}
