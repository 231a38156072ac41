//! The real `limber` binary, end to end: every command, its output and its exit code.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

/// The binary with a private, empty user routines folder, so the machine's own routines never
/// leak into a test.
fn limber(routines: &Path) -> Command {
    let mut cmd = Command::cargo_bin("limber").unwrap();
    cmd.env("LIMBER_ROUTINES", routines)
        .env("XDG_CONFIG_HOME", routines)
        .env("XDG_CACHE_HOME", routines.join("cache"))
        // No Piper or voices of the machine's: `auto` is espeak-ng here.
        .env("XDG_DATA_HOME", routines.join("data"))
        .env("LIMBER_CONFIG", "");
    cmd
}

fn empty_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const VALID: &str = r#"{ "name": "Mine", "steps": [ { "say": "Hello." }, { "exercise": "Bridge", "reps": 2, "hold": 5 } ] }"#;

#[test]
fn help_and_version() {
    let dir = empty_dir();
    limber(dir.path())
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "A voice coach for floor exercises",
        ))
        .stdout(predicate::str::contains("plan"))
        .stdout(predicate::str::contains("limber new NAME --from"));
    for sub in ["list", "plan", "check", "schema"] {
        limber(dir.path())
            .args([sub, "--help"])
            .assert()
            .success()
            .stdout(predicate::str::contains("Usage: limber"));
    }
    limber(dir.path())
        .arg("--version")
        .assert()
        .success()
        .stdout(format!("limber {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn usage_errors_exit_2() {
    let dir = empty_dir();
    limber(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("Usage"));
    limber(dir.path())
        .arg("plam")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("plan"));
    limber(dir.path()).arg("plan").assert().code(2);
}

#[test]
fn list_shows_built_in_and_user_routines() {
    let dir = empty_dir();
    std::fs::write(dir.path().join("mine.json"), VALID).unwrap();
    std::fs::write(dir.path().join("broken.json"), "{").unwrap();
    let replaced = VALID.replace("\"Mine\"", "\"My in-bed\"");
    std::fs::write(dir.path().join("in-bed.json"), replaced).unwrap();
    let out = limber(dir.path())
        .arg("list")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
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

    let json = limber(dir.path())
        .args(["list", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let items: serde_json::Value = serde_json::from_slice(&json).unwrap();
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
    let dir = empty_dir();
    limber(dir.path())
        .args(["plan", "lower-back-basics"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "Lower back basics\n00:00  speak     Starting Lower back basics.",
        ))
        .stdout(predicate::str::contains("chime     hold start"))
        .stdout(predicate::function(|out: &str| {
            // The total, then each exercise's level (a new user's are all level 1).
            let at = out.find("\nTotal ").unwrap_or(0);
            let total = out[at + 1..].lines().next().unwrap_or("");
            total.ends_with(" steps, about 22 minutes as `limber list` says")
                && total.contains(" s), ")
                && out[at..].contains(
                    "\n\nLevels (from the session log; --level N or --no-progress choose for one session):\n  Knee-to-chest stretch: level 1 of 2, 30 s x 2; next: 30 s x 3 after 2 more good sessions\n",
                )
        }))
        // Nothing is in this new user's speech cache yet.
        .stdout(predicate::str::ends_with(
            "\n\nSpeech times are exact for 0 of 85 lines, estimated for the rest; `limber prepare lower-back-basics` makes them all exact.\n",
        ));
}

#[test]
fn plan_json_has_the_documented_shape() {
    let dir = empty_dir();
    let out = limber(dir.path())
        .args(["plan", "breathing", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let plan: serde_json::Value = serde_json::from_slice(&out).unwrap();
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
    let dir = empty_dir();
    let file = dir.path().join("x.json");
    std::fs::write(&file, VALID).unwrap();
    limber(dir.path())
        .arg("plan")
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains("Bridge. 2 reps, 5 second holds."));
    limber(dir.path())
        .args(["plan", "lower-back-basic"])
        .assert()
        .code(1)
        .stderr(format!(
            "limber: no routine named \"lower-back-basic\" among the built-in routines or in {} (did you mean \"lower-back-basics\"?); `limber list` shows every routine, or give a path to a .json file\n",
            dir.path().display()
        ));
    limber(dir.path())
        .args(["plan", "./nope.json"])
        .assert()
        .code(1)
        .stderr(predicate::str::starts_with("./nope.json: cannot read:"));
}

#[test]
fn check_accepts_every_built_in_routine_and_the_example() {
    let dir = empty_dir();
    let mut cmd = limber(dir.path());
    cmd.arg("check");
    for entry in std::fs::read_dir(root().join("routines")).unwrap() {
        cmd.arg(entry.unwrap().path());
    }
    cmd.arg(root().join("tests/routines/example.json"));
    cmd.assert().success().stdout(predicate::str::contains(
        "8 routines checked: 8 valid, 0 with problems",
    ));
}

/// Every file in tests/bad gets exactly the errors in the `.err` file beside it.
/// `LIMBER_BLESS=1 cargo test` rewrites them; read every one before committing.
#[test]
fn bad_routines_get_exact_errors() {
    let dir = empty_dir();
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
        let out = limber(dir.path())
            .current_dir(&bad)
            .args(["check", &name])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{name} must fail");
        assert!(out.stdout.is_empty(), "{name}: nothing on stdout");
        let stderr = String::from_utf8(out.stderr).unwrap();
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
    let dir = empty_dir();
    let good = dir.path().join("good.json");
    std::fs::write(&good, VALID).unwrap();
    let bad = root().join("tests/bad/durations.json");
    limber(dir.path())
        .arg("check")
        .arg(&good)
        .arg(&bad)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("ok: "))
        .stdout(predicate::str::contains(
            "2 routines checked: 1 valid, 1 with problems",
        ))
        .stderr(predicate::str::contains(
            "steps[0].hold: must be at least 1 second, found 0",
        ));
}

#[test]
fn check_without_files_checks_the_user_folder() {
    let dir = empty_dir();
    limber(dir.path())
        .arg("check")
        .assert()
        .success()
        .stdout(predicate::str::contains("No routines to check"));
    std::fs::write(dir.path().join("mine.json"), VALID).unwrap();
    limber(dir.path())
        .arg("check")
        .assert()
        .success()
        .stdout(predicate::str::contains("mine.json (\"Mine\""));
}

#[test]
fn duplicate_routine_names_are_errors() {
    let dir = empty_dir();
    let work = empty_dir();
    let a = work.path().join("a.json");
    let b = work.path().join("b.json");
    std::fs::write(&a, VALID).unwrap();
    std::fs::write(&b, VALID).unwrap();
    limber(dir.path())
        .arg("check")
        .arg(&a)
        .arg(&b)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "a.json:1:11: name: the name \"Mine\" is already used by",
        ))
        .stderr(predicate::str::contains("b.json"));
    // Same name as a built-in routine, under another file name, in the routines folder.
    let c = dir.path().join("c.json");
    std::fs::write(&c, VALID.replace("\"Mine\"", "\"Lower back basics\"")).unwrap();
    limber(dir.path())
        .arg("check")
        .arg(&c)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "is already used by the built-in routine \"lower-back-basics\"",
        ));
    // A draft elsewhere is not compared with the library until it is moved in.
    let draft = work.path().join("draft.json");
    std::fs::write(&draft, VALID.replace("\"Mine\"", "\"Lower back basics\"")).unwrap();
    limber(dir.path())
        .arg("check")
        .arg(&draft)
        .assert()
        .success();
    // Replacing a built-in on purpose, by its file name, is fine.
    std::fs::remove_file(&c).unwrap();
    let own = dir.path().join("lower-back-basics.json");
    std::fs::write(&own, VALID.replace("\"Mine\"", "\"Lower back basics\"")).unwrap();
    limber(dir.path()).arg("check").arg(&own).assert().success();
}

#[test]
fn input_that_is_not_a_routine_gets_one_line() {
    let dir = empty_dir();
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
        let out = limber(dir.path()).arg("check").arg(path).output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8(out.stderr).unwrap();
        let expected = if message.starts_with(':') {
            format!("{}{message}\n", path.display())
        } else {
            format!("{}: {message}\n", path.display())
        };
        assert_eq!(stderr, expected);
    }
}

#[test]
fn schemas_are_printed_and_match_the_docs() {
    let dir = empty_dir();
    for (which, file) in [
        ("routine", "routine.schema.json"),
        ("config", "config.schema.json"),
    ] {
        let out = limber(dir.path())
            .args(["schema", which])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let printed: serde_json::Value = serde_json::from_slice(&out).unwrap();
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
    limber(dir.path())
        .arg("schema")
        .assert()
        .success()
        .stdout(predicate::str::contains("\"title\": \"limber routine\""));
}

#[test]
fn output_to_a_closed_pipe_is_not_an_error() {
    let dir = empty_dir();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("limber"))
        .env("LIMBER_ROUTINES", dir.path())
        .env("XDG_CONFIG_HOME", dir.path())
        .env_remove("LIMBER_CONFIG")
        .args(["plan", "core-strength"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
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
    let dir = empty_dir();
    let config = dir.path().join("config.json");
    std::fs::write(
        &config,
        "{ \"voice\": { \"engine\": \"piper\", \"program\": \"/bin/true\" } }",
    )
    .unwrap();
    // A half-done setup does not stop what needs no voice.
    limber(dir.path())
        .arg("--config")
        .arg(&config)
        .args(["plan", "in-bed"])
        .assert()
        .success();
    limber(dir.path())
        .arg("--config")
        .arg(&config)
        .args(["prepare", "in-bed"])
        .assert()
        .code(1)
        .stderr(predicate::str::starts_with(
            "limber: piper cannot start (piper needs a voice model: set \"model\" in the configuration's \"voice\"",
        ));
}

#[test]
fn configuration_changes_the_plan() {
    let dir = empty_dir();
    let config = dir.path().join("coach.json");
    std::fs::write(
        &config,
        r#"{ "countdown": 5, "phrases": { "switch_sides": "Andere Seite.", "numbers": ["Eins", "Zwei", "Drei", "Vier", "Fünf", "Sechs", "Sieben", "Acht", "Neun", "Zehn"] } }"#,
    )
    .unwrap();
    let out = limber(dir.path())
        .arg("--config")
        .arg(&config)
        .args(["plan", "lower-back-basics"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success());
    assert!(text.contains("Andere Seite."), "{text}");
    assert!(text.contains("speak     Drei"), "{text}");
    assert!(!text.contains("Switch sides."));
    // The same file through the environment, and the default place.
    limber(dir.path())
        .env("LIMBER_CONFIG", &config)
        .args(["plan", "lower-back-basics"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Andere Seite."));
    std::fs::create_dir_all(dir.path().join("limber")).unwrap();
    std::fs::copy(&config, dir.path().join("limber/config.json")).unwrap();
    limber(dir.path())
        .args(["plan", "lower-back-basics"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Andere Seite."));
}

#[test]
fn configuration_mistakes_stop_before_anything_runs() {
    let dir = empty_dir();
    let config = dir.path().join("coach.json");
    std::fs::write(
        &config,
        "{\n  \"countdown\": 30,\n  \"voice\": { \"rat\": 150 }\n}\n",
    )
    .unwrap();
    limber(dir.path()).arg("--config").arg(&config).args(["plan", "in-bed"]).assert().code(1).stdout("").stderr(format!(
        "{0}:2:16: countdown: 30 is too many: at most 10 is allowed\n  help: Count aloud the last N seconds of each hold, unless a routine says otherwise (0 turns it off).\n\
         {0}:3:14: voice.rat: unknown key \"rat\" in a voice\n  help: did you mean \"rate\"?\n",
        config.display()
    ));
    limber(dir.path())
        .env("LIMBER_CONFIG", dir.path().join("missing.json"))
        .arg("list")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("missing.json: cannot read"));
    // The schema never needs the configuration.
    limber(dir.path())
        .arg("--config")
        .arg(&config)
        .arg("schema")
        .assert()
        .success();
}

#[test]
fn configuration_can_move_the_routines_folder() {
    let dir = empty_dir();
    let elsewhere = empty_dir();
    std::fs::write(elsewhere.path().join("mine.json"), VALID).unwrap();
    let config = dir.path().join("coach.json");
    std::fs::write(
        &config,
        serde_json::json!({ "routines": elsewhere.path() }).to_string(),
    )
    .unwrap();
    let mut cmd = Command::cargo_bin("limber").unwrap();
    cmd.env_remove("LIMBER_ROUTINES")
        .env("XDG_CONFIG_HOME", dir.path())
        .arg("--config")
        .arg(&config)
        .args(["plan", "mine"]);
    cmd.assert()
        .success()
        .stdout(predicate::str::contains("Bridge."));
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
        &assert_cmd::cargo::cargo_bin("limber").display().to_string(),
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
    let dir = empty_dir();
    let config = dir.path().join("coach.json");
    std::fs::write(
        &config,
        "{\n  \"controls\": { \"resume\": \"rewind\", \"on_event\": \"lights\" },\n  \"audio\": { \"lead_in\": 20, \"keep_alive\": true, \"device\": \"pulse\" }\n}\n",
    )
    .unwrap();
    let out = limber(dir.path())
        .arg("--config")
        .arg(&config)
        .args(["plan", "in-bed"])
        .assert()
        .code(1)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8_lossy(&out);
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
    limber(dir.path())
        .arg("--config")
        .arg(&config)
        .args(["plan", "in-bed"])
        .assert()
        .success();
}

#[test]
fn plain_limber_prints_a_short_usage_and_exits_2() {
    let dir = empty_dir();
    let out = limber(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
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
    assert!(out.stdout.is_empty());
}

#[test]
fn verbose_and_quiet_are_described_for_each_command() {
    let dir = empty_dir();
    let help = |args: &[&str]| {
        let out = limber(dir.path()).args(args).output().unwrap();
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
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
    let out = limber(dir.path()).args(["list", "-q"]).output().unwrap();
    assert!(out.status.success());
}

#[test]
fn an_installed_limber_shows_copies_and_explains_without_the_source() {
    let dir = empty_dir();
    let routines = dir.path().join("routines");
    // show: the built-in routine's own text.
    let out = limber(&routines).args(["show", "in-bed"]).output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        std::fs::read_to_string(root().join("routines/in-bed.json")).unwrap()
    );
    // new --from: a copy with a name of its own, in the routines folder, that is valid.
    let out = limber(&routines)
        .args(["new", "my-bed", "--from", "in-bed"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("my-bed.json, a copy of in-bed"));
    let copy = std::fs::read_to_string(routines.join("my-bed.json")).unwrap();
    assert!(copy.contains("\"name\": \"My bed\""), "{copy}");
    limber(&routines)
        .args(["check", "my-bed"])
        .assert()
        .success();
    // Never over a file that is there.
    let out = limber(&routines).args(["new", "my-bed"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is there already"));
    assert_eq!(
        std::fs::read_to_string(routines.join("my-bed.json")).unwrap(),
        copy
    );
    // new without --from: a small routine of every kind of step, valid, that lists and plans.
    limber(&routines)
        .args(["new", "stretch"])
        .assert()
        .success();
    let out = limber(&routines).arg("list").output().unwrap();
    let list = String::from_utf8_lossy(&out.stdout);
    assert!(list.contains("  stretch "), "{list}");
    assert!(list.contains("3 exercises"), "{list}");
    limber(&routines)
        .args(["plan", "stretch", "--only", "4"])
        .assert()
        .success()
        .stdout(predicate::str::contains("step 4: Bridge"))
        .stdout(predicate::str::contains("Knee to chest").not());
    // config: the documented example.
    limber(&routines)
        .arg("config")
        .assert()
        .success()
        .stdout(std::fs::read_to_string(root().join("config.example.json")).unwrap());
    // completions and the manual page.
    for (shell, mark) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef limber"),
        ("fish", "complete -c limber"),
    ] {
        limber(&routines)
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains(mark))
            .stdout(predicate::str::contains("render"));
    }
    limber(&routines)
        .arg("man")
        .assert()
        .success()
        .stdout(predicate::str::contains(".TH limber 1"))
        .stdout(predicate::str::contains("completions"));
}

#[test]
fn list_says_about_how_long_in_words_however_full_the_cache() {
    let dir = empty_dir();
    let out = limber(dir.path()).arg("list").output().unwrap();
    let list = String::from_utf8_lossy(&out.stdout);
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
