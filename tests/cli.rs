//! The real `limber` binary, end to end: every command, its output and its exit code.

//!
//! Each test runs the binary in a home of its own (`limber_lab::Home`: an empty routines folder,
//! no configuration, no Piper or voices of the machine's, so `auto` is espeak-ng here).

use std::path::PathBuf;

use limber_lab::{Home, Test};

fn empty_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const VALID: &str = r#"{ "name": "Mine", "steps": [ { "say": "Hello." }, { "exercise": "Bridge", "reps": 2, "hold": 5 } ] }"#;

#[test]
fn help_and_version() {
    let home = Home::new();
    home.test()
        .arg("--help")
        .stdout_has("A voice coach for floor exercises")
        .stdout_has("plan")
        .stdout_has("limber new NAME --from")
        .run();
    for sub in ["list", "plan", "check", "schema"] {
        home.test()
            .args([sub, "--help"])
            .stdout_has("Usage: limber")
            .run();
    }
    home.test()
        .arg("--version")
        .stdout(format!("limber {}\n", env!("CARGO_PKG_VERSION")))
        .run();
}

#[test]
fn usage_errors_exit_2() {
    let home = Home::new();
    home.test().status(2).stderr_has("Usage").run();
    home.test().arg("plam").status(2).stderr_has("plan").run();
    home.test().arg("plan").status(2).run();
}

#[test]
fn list_shows_built_in_and_user_routines() {
    let home = Home::new();
    home.routine("mine", VALID).routine("broken", "{");
    home.routine("in-bed", &VALID.replace("\"Mine\"", "\"My in-bed\""));
    let out = home.ok(&["list"]);
    for id in [
        "lower-back-basics",
        "gentle-relief",
        "pt-favourites",
        "core-strength",
        "upper-back",
        "breathing",
    ] {
        assert!(out.contains(id), "{id} missing from:\n{out}");
    }
    assert!(out.contains("mine"), "{out}");
    assert!(out.contains("Mine"), "{out}");
    assert!(out.contains("invalid: run `limber check"), "{out}");
    assert!(
        out.contains("My in-bed  (replaces the built-in one)"),
        "{out}"
    );
    let built_in_part = out.split("Your routines").next().unwrap();
    assert!(
        !built_in_part.contains("in-bed"),
        "a replaced built-in is listed once:\n{out}"
    );

    let items = home.test().args(["list", "--json"]).run().json();
    let mine = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "mine")
        .unwrap();
    assert_eq!(mine["exercises"], 1);
    assert_eq!(mine["built_in"], false);
    assert!(mine["total_seconds"].as_f64().unwrap() > 10.0);
}

#[test]
fn plan_prints_the_timeline_with_its_total() {
    let out = Test::new()
        .args(["plan", "lower-back-basics"])
        .stdout_has("chime     hold start")
        .run()
        .stdout;
    assert!(
        out.starts_with("Lower back basics\n00:00  speak     Starting Lower back basics."),
        "{out}"
    );
    // The total, then each exercise's level (a new user's are all level 1).
    let at = out.find("\nTotal ").unwrap_or(0);
    let total = out[at + 1..].lines().next().unwrap_or("");
    assert!(
        total.ends_with(" steps, about 22 minutes as `limber list` says")
            && total.contains(" s), ")
            && out[at..].contains(
                "\n\nLevels (from the session log; --level N or --no-progress choose for one session):\n  Knee-to-chest stretch: level 1 of 2, 30 s x 2; next: 30 s x 3 after 2 more good sessions\n",
            ),
        "{out}"
    );
    // Nothing is in this new user's speech cache yet.
    assert!(
        out.ends_with(
            "\n\nSpeech times are exact for 0 of 85 lines, estimated for the rest; `limber prepare lower-back-basics` makes them all exact.\n",
        ),
        "{out}"
    );
}

#[test]
fn plan_json_has_the_documented_shape() {
    let plan = Test::new()
        .args(["plan", "breathing", "--json"])
        .run()
        .json();
    assert_eq!(plan["routine"], "Breathing");
    let total = plan["total_seconds"].as_f64().unwrap();
    let cues = plan["cues"].as_array().unwrap();
    let mut last = 0.0;
    for cue in cues {
        let at = cue["at"].as_f64().unwrap();
        assert!(at >= last, "cues are in order");
        last = at;
        assert!(at + cue["seconds"].as_f64().unwrap() <= total + 1e-9);
        let kind = cue["kind"].as_str().unwrap();
        let has = |k: &str| cue.get(k).is_some();
        match kind {
            "speech" => assert!(has("text")),
            "chime" | "breath" | "tick" => assert!(has("sound")),
            "silence" => assert!(has("silence")),
            other => panic!("unknown kind {other}"),
        }
        assert!(cue["step"].is_null() || cue["step"].as_u64().unwrap() >= 1);
    }
    assert!(cues.iter().any(|c| c["sound"] == "breathe_in"));
    assert_eq!(cues.last().unwrap()["sound"], "finish");
}

#[test]
fn plan_of_a_file_and_unknown_names() {
    let home = Home::new();
    let file = home.join("x.json");
    std::fs::write(&file, VALID).unwrap();
    home.test()
        .arg("plan")
        .arg(&file)
        .stdout_has("Bridge. 2 reps, 5 second holds.")
        .run();
    home.test()
        .args(["plan", "lower-back-basic"])
        .status(1)
        .stderr(format!(
            "limber: no routine named \"lower-back-basic\" among the built-in routines or in {} (did you mean \"lower-back-basics\"?); `limber list` shows every routine, or give a path to a .json file\n",
            home.join("routines").display()
        ))
        .run();
    let err = home
        .test()
        .args(["plan", "./nope.json"])
        .status(1)
        .run()
        .stderr;
    assert!(err.starts_with("./nope.json: cannot read:"), "{err}");
}

#[test]
fn check_accepts_every_built_in_routine_and_the_example() {
    let files = std::fs::read_dir(root().join("routines"))
        .unwrap()
        .map(|entry| entry.unwrap().path());
    Test::new()
        .arg("check")
        .args(files)
        .arg(root().join("tests/routines/example.json"))
        .stdout_has("8 routines checked: 8 valid, 0 with problems")
        .run();
}

/// Every file in tests/bad gets exactly the errors in the `.err` file beside it.
/// `LIMBER_BLESS=1 cargo test` rewrites them; read every one before committing.
#[test]
fn bad_routines_get_exact_errors() {
    let home = Home::new();
    let bad = root().join("tests/bad");
    let bless = std::env::var_os("LIMBER_BLESS").is_some();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&bad)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 15);
    let mut mismatches = Vec::new();
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let stderr = home
            .test()
            .current_dir(&bad)
            .args(["check", &name])
            .status(1)
            .stdout("")
            .run()
            .stderr;
        let expected_path = file.with_extension("err");
        if bless {
            std::fs::write(&expected_path, &stderr).unwrap();
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if stderr != expected {
            mismatches.push(format!(
                "{name}:\n--- expected\n{expected}--- got\n{stderr}"
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn check_reports_every_file_and_fails_if_any_is_bad() {
    let home = Home::new();
    let good = home.join("good.json");
    std::fs::write(&good, VALID).unwrap();
    let bad = root().join("tests/bad/durations.json");
    home.test()
        .arg("check")
        .arg(&good)
        .arg(&bad)
        .status(1)
        .stdout_has("ok: ")
        .stdout_has("2 routines checked: 1 valid, 1 with problems")
        .stderr_has("steps[0].hold: must be at least 1 second, found 0")
        .run();
}

#[test]
fn check_without_files_checks_the_user_folder() {
    let home = Home::new();
    home.test()
        .arg("check")
        .stdout_has("No routines to check")
        .run();
    home.routine("mine", VALID);
    home.test()
        .arg("check")
        .stdout_has("mine.json (\"Mine\"")
        .run();
}

#[test]
fn duplicate_routine_names_are_errors() {
    let home = Home::new();
    let work = empty_dir();
    let a = work.path().join("a.json");
    let b = work.path().join("b.json");
    std::fs::write(&a, VALID).unwrap();
    std::fs::write(&b, VALID).unwrap();
    home.test()
        .arg("check")
        .arg(&a)
        .arg(&b)
        .status(1)
        .stderr_has("a.json:1:11: name: the name \"Mine\" is already used by")
        .stderr_has("b.json")
        .run();
    // Same name as a built-in routine, under another file name, in the routines folder.
    let c = home.join("routines/c.json");
    std::fs::write(&c, VALID.replace("\"Mine\"", "\"Lower back basics\"")).unwrap();
    home.test()
        .arg("check")
        .arg(&c)
        .status(1)
        .stderr_has("is already used by the built-in routine \"lower-back-basics\"")
        .run();
    // A draft elsewhere is not compared with the library until it is moved in.
    let draft = work.path().join("draft.json");
    std::fs::write(&draft, VALID.replace("\"Mine\"", "\"Lower back basics\"")).unwrap();
    home.test().arg("check").arg(&draft).run();
    // Replacing a built-in on purpose, by its file name, is fine.
    std::fs::remove_file(&c).unwrap();
    let own = home.join("routines/lower-back-basics.json");
    std::fs::write(&own, VALID.replace("\"Mine\"", "\"Lower back basics\"")).unwrap();
    home.test().arg("check").arg(&own).run();
}

#[test]
fn input_that_is_not_a_routine_gets_one_line() {
    let home = Home::new();
    let work = empty_dir();
    let big = work.path().join("big.json");
    let file = std::fs::File::create(&big).unwrap();
    file.set_len(50 * 1024 * 1024).unwrap();
    let binary = work.path().join("image.json");
    std::fs::write(&binary, [0x89, b'P', b'N', b'G', 0, 0, 1, 2]).unwrap();
    let latin1 = work.path().join("latin1.json");
    std::fs::write(&latin1, b"{\"name\": \"caf\xe9\"}").unwrap();
    let folder = work.path().join("folder.json");
    std::fs::create_dir(&folder).unwrap();
    for (path, message) in [
        (
            &big,
            "is 50.0 MB; a routine file is at most 1 MB (routines are short JSON files)",
        ),
        (&binary, "is a binary file, not a JSON routine"),
        (
            &latin1,
            ":1:14: this is not UTF-8 text; save the file as UTF-8",
        ),
        (&folder, "is a folder, not a routine file"),
    ] {
        let expected = if message.starts_with(':') {
            format!("{}{message}\n", path.display())
        } else {
            format!("{}: {message}\n", path.display())
        };
        home.test()
            .arg("check")
            .arg(path)
            .status(1)
            .stderr(expected)
            .run();
    }
}

#[test]
fn schemas_are_printed_and_match_the_docs() {
    let home = Home::new();
    for (which, file) in [
        ("routine", "routine.schema.json"),
        ("config", "config.schema.json"),
    ] {
        let printed = home.test().args(["schema", which]).run().json();
        let docs: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(root().join("docs").join(file)).unwrap())
                .unwrap();
        assert_eq!(printed, docs, "{file}");
        if which == "routine" {
            assert_eq!(
                printed["$defs"]["exercise_step"]["properties"]["hold"]["maximum"],
                600.0
            );
        } else {
            assert!(printed["$defs"]["phrases"]["properties"]["switch_sides"].is_object());
        }
    }
    // Without an argument, the routine's.
    home.test()
        .arg("schema")
        .stdout_has("\"title\": \"limber routine\"")
        .run();
}

#[test]
fn output_to_a_closed_pipe_is_not_an_error() {
    let test = Test::new()
        .args(["plan", "core-strength"])
        .env_remove("LIMBER_CONFIG");
    let mut child = test.spawn();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty());
}

/// Every JSON example in the docs is valid: whole routines as they are, single steps inside a
/// routine. The README's examples count too.
#[test]
fn examples_in_the_docs_are_valid() {
    let mut checked = 0;
    for doc in ["docs/routines.md", "README.md"] {
        let text = std::fs::read_to_string(root().join(doc)).unwrap();
        let mut rest = text.as_str();
        while let Some(start) = rest.find("```json\n") {
            let body = &rest[start + 8..];
            let end = body.find("```").unwrap();
            let block = &body[..end];
            rest = &body[end..];
            let routine = if block.contains("\"steps\"") {
                block.to_string()
            } else {
                format!("{{\"name\": \"Example\", \"steps\": [{block}]}}")
            };
            let source = limber::routine::source::Source::new(
                format!("{doc} example {}", checked + 1),
                routine,
            );
            if let Err(e) = limber::routine::validate::load(&source) {
                panic!("an example in {doc} is invalid:\n{block}\n{e}");
            }
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} examples found");
}

/// Every configuration example in docs/voices.md is a valid configuration.
#[test]
fn voice_examples_in_the_docs_are_valid_configurations() {
    let text = std::fs::read_to_string(root().join("docs/voices.md")).unwrap();
    let blocks: Vec<&str> = text
        .split("```json\n")
        .skip(1)
        .map(|b| &b[..b.find("```").unwrap()])
        .collect();
    assert!(blocks.len() >= 3, "{} examples", blocks.len());
    for block in blocks {
        let source = limber::routine::source::Source::new("voices.md", block.to_string());
        if let Err(e) = limber::config::load_config(&source.as_config()) {
            panic!("an example in docs/voices.md is invalid:\n{block}\n{e}");
        }
    }
}

#[test]
fn an_engine_without_what_it_needs_is_named_when_it_is_used() {
    let home = Home::new();
    let config = home.join("config.json");
    std::fs::write(
        &config,
        "{ \"voice\": { \"engine\": \"piper\", \"program\": \"/bin/true\" } }",
    )
    .unwrap();
    // A half-done setup does not stop what needs no voice.
    home.test()
        .arg("--config")
        .arg(&config)
        .args(["plan", "in-bed"])
        .run();
    let err = home
        .test()
        .arg("--config")
        .arg(&config)
        .args(["prepare", "in-bed"])
        .status(1)
        .run()
        .stderr;
    assert!(
        err.starts_with(
            "limber: piper cannot start (piper needs a voice model: set \"model\" in the configuration's \"voice\"",
        ),
        "{err}"
    );
}

#[test]
fn a_configuration_that_is_a_folder_is_told_as_a_configuration() {
    let home = Home::new();
    let folder = home.join("conf");
    std::fs::create_dir_all(&folder).unwrap();
    // Before: "conf: is a folder, not a routine file".
    home.test()
        .arg("--config")
        .arg(&folder)
        .arg("list")
        .status(1)
        .stderr_has(": is a folder, not a configuration file")
        .run();
}

#[test]
fn configuration_changes_the_plan() {
    let home = Home::new();
    let config = home.join("coach.json");
    std::fs::write(
        &config,
        r#"{ "countdown": 5, "phrases": { "switch_sides": "Andere Seite.", "numbers": ["Eins", "Zwei", "Drei", "Vier", "Fünf", "Sechs", "Sieben", "Acht", "Neun", "Zehn"] } }"#,
    )
    .unwrap();
    let text = home
        .test()
        .arg("--config")
        .arg(&config)
        .args(["plan", "lower-back-basics"])
        .run()
        .stdout;
    assert!(text.contains("Andere Seite."), "{text}");
    assert!(text.contains("speak     Drei"), "{text}");
    assert!(!text.contains("Switch sides."));
    // The same file through the environment, and the default place.
    home.test()
        .env("LIMBER_CONFIG", &config)
        .args(["plan", "lower-back-basics"])
        .stdout_has("Andere Seite.")
        .run();
    std::fs::create_dir_all(home.join("config/limber")).unwrap();
    std::fs::copy(&config, home.join("config/limber/config.json")).unwrap();
    home.test()
        .args(["plan", "lower-back-basics"])
        .stdout_has("Andere Seite.")
        .run();
}

#[test]
fn configuration_mistakes_stop_before_anything_runs() {
    let home = Home::new();
    let config = home.join("coach.json");
    std::fs::write(
        &config,
        "{\n  \"countdown\": 30,\n  \"voice\": { \"rat\": 150 }\n}\n",
    )
    .unwrap();
    home.test().arg("--config").arg(&config).args(["plan", "in-bed"]).status(1).stdout("").stderr(format!(
        "{0}:2:16: countdown: 30 is too many: at most 10 is allowed\n  help: Count aloud the last N seconds of each hold, unless a routine says otherwise (0 turns it off).\n\
         {0}:3:14: voice.rat: unknown key \"rat\" in a voice\n  help: did you mean \"rate\"?\n",
        config.display()
    )).run();
    home.test()
        .env("LIMBER_CONFIG", home.join("missing.json"))
        .arg("list")
        .status(1)
        .stderr_has("missing.json: cannot read")
        .run();
    // The schema never needs the configuration.
    home.test().arg("--config").arg(&config).arg("schema").run();
}

#[test]
fn configuration_can_move_the_routines_folder() {
    let home = Home::new();
    let elsewhere = empty_dir();
    std::fs::write(elsewhere.path().join("mine.json"), VALID).unwrap();
    let config = home.join("coach.json");
    std::fs::write(
        &config,
        serde_json::json!({ "routines": elsewhere.path() }).to_string(),
    )
    .unwrap();
    home.test()
        .env_remove("LIMBER_ROUTINES")
        .arg("--config")
        .arg(&config)
        .args(["plan", "mine"])
        .stdout_has("Bridge.")
        .run();
}

/// The systemd units in contrib/ are valid, as `systemd-analyze verify` sees them (where it is
/// installed). The service's ExecStart names the installed binary, ~/.local/bin/limber; the check
/// points it at the one just built, since verify insists that the program exists.
#[test]
fn contrib_systemd_units_verify() {
    let have = std::process::Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have {
        eprintln!(
            "SKIPPED: systemd-analyze is not installed; the units in contrib/ were not checked"
        );
        return;
    }
    let dir = empty_dir();
    let runtime = dir.path().join("runtime");
    std::fs::create_dir(&runtime).unwrap();
    std::fs::set_permissions(
        &runtime,
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();
    let service = std::fs::read_to_string(root().join("contrib/limber-morning.service")).unwrap();
    assert!(service.contains("ExecStart=%h/.local/bin/limber run "));
    let service = service.replace(
        "%h/.local/bin/limber",
        &limber_lab::binary::limber_bin().display().to_string(),
    );
    std::fs::write(dir.path().join("limber-morning.service"), service).unwrap();
    std::fs::copy(
        root().join("contrib/limber-morning.timer"),
        dir.path().join("limber-morning.timer"),
    )
    .unwrap();
    let out = std::process::Command::new("systemd-analyze")
        .args([
            "--user",
            "verify",
            "limber-morning.service",
            "limber-morning.timer",
        ])
        .current_dir(dir.path())
        .env("XDG_RUNTIME_DIR", &runtime)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // A setting systemd does not understand is only a warning: there must be none.
    assert!(!stderr.contains("limber-morning"), "{stderr}");
}

#[test]
fn the_controls_and_audio_settings_are_checked_like_the_rest() {
    let home = Home::new();
    let config = home.join("coach.json");
    std::fs::write(
        &config,
        "{\n  \"controls\": { \"resume\": \"rewind\", \"on_event\": \"lights\" },\n  \"audio\": { \"lead_in\": 20, \"keep_alive\": true, \"device\": \"pulse\" }\n}\n",
    )
    .unwrap();
    let err = home
        .test()
        .arg("--config")
        .arg(&config)
        .args(["plan", "in-bed"])
        .status(1)
        .run()
        .stderr;
    assert!(
        err.contains(":2:27: controls.resume: ") && err.contains("\"continue\""),
        "{err}"
    );
    assert!(err.contains(":3:25: audio.lead_in: "), "{err}");
    assert_eq!(
        err.lines().filter(|l| !l.starts_with("  help")).count(),
        2,
        "{err}"
    );
    // Valid values pass.
    std::fs::write(
        &config,
        "{ \"controls\": { \"resume\": \"restart_rep\", \"on_event\": \"\" }, \"audio\": { \"lead_in\": 1.5, \"keep_alive\": false, \"device\": \"\" } }",
    )
    .unwrap();
    home.test()
        .arg("--config")
        .arg(&config)
        .args(["plan", "in-bed"])
        .run();
}

#[test]
fn plain_limber_prints_a_short_usage_and_exits_2() {
    let err = Test::new().status(2).stdout("").run().stderr;
    assert!(err.starts_with("limber "), "{err}");
    for command in ["run ", "list ", "show ", "new ", "render ", "completions "] {
        assert!(err.contains(&format!("\n  {command}")), "{command}: {err}");
    }
    assert!(err.lines().count() < 30, "short: {err}");
    // Each command's line is a whole clause, never cut inside its parentheses.
    for line in err.lines() {
        assert_eq!(
            line.matches('(').count(),
            line.matches(')').count(),
            "{line}"
        );
    }
    assert!(
        err.contains("\n  rate         Say how the last session went (easy, fine, hard or pain)\n"),
        "{err}"
    );
}

#[test]
fn verbose_and_quiet_are_described_for_each_command() {
    let home = Home::new();
    let help = |args: &[&str]| home.test().args(args).run().stdout;
    let messages = |text: &str| {
        let at = text
            .find("\nMessages:\n")
            .unwrap_or_else(|| panic!("{text}"));
        text[at..]
            .split("\n\n")
            .next()
            .unwrap_or_default()
            .to_string()
    };
    let run = messages(&help(&["run", "--help"]));
    assert!(
        run.contains("-v, --verbose") && run.contains("each step, hold and pause"),
        "{run}"
    );
    let history = messages(&help(&["history", "--help"]));
    assert!(history.contains("cut it short"), "{history}");
    let list = messages(&help(&["list", "--help"]));
    assert!(list.contains("nothing more to tell"), "{list}");
    // Grouped apart from the voice's options, and no command sends the reader to its own help.
    let run = help(&["run", "--help"]);
    let options = &run[..run.find("\nMessages:\n").unwrap()];
    assert!(
        options.contains("--voice-rate") && !options.contains("--verbose"),
        "{run}"
    );
    assert!(!run.contains("limber run --help"), "{run}");
    // The options still work where they are described.
    home.test().args(["list", "-q"]).run();
}

#[test]
fn an_installed_limber_shows_copies_and_explains_without_the_source() {
    let home = Home::new();
    let routines = home.join("routines");
    // show: the built-in routine's own text.
    home.test()
        .args(["show", "in-bed"])
        .stdout(std::fs::read_to_string(root().join("routines/in-bed.json")).unwrap())
        .run();
    // new --from: a copy with a name of its own, in the routines folder, that is valid.
    home.test()
        .args(["new", "my-bed", "--from", "in-bed"])
        .stdout_has("my-bed.json, a copy of in-bed")
        .run();
    let copy = std::fs::read_to_string(routines.join("my-bed.json")).unwrap();
    assert!(copy.contains("\"name\": \"My bed\""), "{copy}");
    home.test().args(["check", "my-bed"]).run();
    // Never over a file that is there.
    home.test()
        .args(["new", "my-bed"])
        .status(1)
        .stderr_has("is there already")
        .run();
    assert_eq!(
        std::fs::read_to_string(routines.join("my-bed.json")).unwrap(),
        copy
    );
    // new without --from: a small routine of every kind of step, valid, that lists and plans.
    home.test().args(["new", "stretch"]).run();
    home.test()
        .arg("list")
        .stdout_has("  stretch ")
        .stdout_has("3 exercises")
        .run();
    home.test()
        .args(["plan", "stretch", "--only", "4"])
        .stdout_has("step 4: Bridge")
        .stdout_lacks("Knee to chest")
        // Before: "Total 00:26 (26.49 s), 1 steps".
        .stdout_has("), 1 step\n")
        .run();
    // config: the documented example.
    home.test()
        .arg("config")
        .stdout(std::fs::read_to_string(root().join("config.example.json")).unwrap())
        .run();
    // completions and the manual page.
    for (shell, mark) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef limber"),
        ("fish", "complete -c limber"),
    ] {
        home.test()
            .args(["completions", shell])
            .stdout_has(mark)
            .stdout_has("render")
            .run();
    }
    home.test()
        .arg("man")
        .stdout_has(".TH limber 1")
        .stdout_has("completions")
        .run();
}

#[test]
fn list_says_about_how_long_in_words_however_full_the_cache() {
    let list = Test::new().arg("list").run().stdout;
    assert!(
        list.contains("  in-bed             about 13 minutes  6 exercises   In bed"),
        "{list}"
    );
    assert!(list.contains("from the speaking rate"), "{list}");
    // The README says the same.
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for line in list.lines().filter(|l| l.contains(" about ")) {
        let id = line.split_whitespace().next().unwrap();
        let about = &line[line.find("about").unwrap()..];
        let about = &about[..about.find("minutes").unwrap() + 7];
        assert!(
            readme.contains(&format!("| `{id}` |"))
                && readme
                    .lines()
                    .any(|l| l.starts_with(&format!("| `{id}` |")) && l.contains(about)),
            "README's length of {id} is not {about}"
        );
    }
}

#[test]
fn with_no_audio_output_a_user_reads_limbers_words_once_and_the_librarys_only_with_v() {
    let home = Home::new();
    home.routine("mine", VALID);
    // No sound server in this home, and no terminal: nothing to play into.
    let err = home
        .test()
        .args(["run", "mine", "--voice", "none"])
        .status(1)
        .stderr_has("limber: no audio output: the output is not there")
        .stderr_lacks("ALSA lib")
        .stderr_lacks("The requested audio device")
        .stderr_lacks("said:")
        .run()
        .stderr;
    assert_eq!(err.lines().count(), 1, "{err}");
    // With -v, what the audio library said is there too, marked as its words.
    home.test()
        .args(["-v", "run", "mine", "--voice", "none"])
        .status(1)
        .stderr_has("limber: the audio library said: ")
        .stderr_has("limber: no audio output: the output is not there")
        .run();
    // Listing the outputs with no server: no library noise either.
    home.test()
        .arg("devices")
        .any_status()
        .stderr_lacks("ALSA lib")
        .run();
}
