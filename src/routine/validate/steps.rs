//! A routine's steps: which kind each is, and the rules that tie an exercise's keys together
//! (one of `hold`, `phases` and `duration`; `alternate` needs `sides`; a progression that can grow).

use super::*;

impl Checker<'_> {
    pub(super) fn routine(&mut self, value: &Value) -> Option<Routine> {
        let Value::Object(node) = value else {
            let what = match value {
                Value::Array(_) => "a JSON list",
                Value::StringLit(_) => "a JSON text",
                Value::NumberLit(_) => "a JSON number",
                _ => "not a JSON object",
            };
            self.error(
                "",
                start(value),
                format!("this file is {what}, not a routine"),
                "a routine is an object: {\"name\": \"My stretches\", \"steps\": [{\"say\": \"Hello.\"}]}",
            );
            return None;
        };
        let obj = self.open(node, String::new(), &format::ROUTINE, &[]);
        self.text(&obj, "$schema");
        let name = self.text(&obj, "name");
        let description = self.text(&obj, "description");
        let defaults = self.defaults(&obj);
        let mut steps = Vec::new();
        if let Some(list) = self.list(&obj, "steps") {
            if list.is_empty() {
                self.error(
                    "steps",
                    obj.key_start("steps"),
                    "the routine has no steps",
                    "add at least one step, such as {\"say\": \"Lie on your back.\"}",
                );
            }
            for (i, step) in list.iter().enumerate() {
                if let Some(step) = self.step(step, format!("steps[{i}]"), &defaults) {
                    steps.push(step);
                }
            }
        }
        let routine = Routine {
            name: name?,
            description,
            steps,
        };
        Some(routine)
    }

    fn defaults(&mut self, routine: &Obj) -> Defaults {
        let Some(obj) = self.object(routine, "defaults") else {
            return Defaults::default();
        };
        Defaults {
            rest: self.seconds(&obj, "rest"),
            set_rest: self.seconds(&obj, "set_rest"),
            countdown: self.count(&obj, "countdown"),
            halfway: self.flag(&obj, "halfway"),
            setup_time: self.seconds(&obj, "setup_time"),
        }
    }

    fn step(&mut self, value: &Value, path: String, defaults: &Defaults) -> Option<Step> {
        let Value::Object(node) = value else {
            self.error(
                &path,
                start(value),
                format!("expected a step in {{ }}, found {}", describe(value)),
                "a step is an object such as {\"say\": \"Relax.\"} or {\"rest\": 30}",
            );
            return None;
        };
        let has = |k: &str| node.properties.iter().any(|p| prop_name(&p.name) == k);
        let Some(&(kind, shape)) = format::STEP_KINDS.iter().find(|(k, _)| has(k)) else {
            // A misspelt kind ("exersise", "sya") is reported once, as the unknown key it is.
            let misspelt = node.properties.iter().find_map(|p| {
                let key = prop_name(&p.name);
                let known = format::OBJECT_SHAPES.iter().any(|s| s.field(key).is_some());
                let kind = suggest::nearest(key, format::STEP_KINDS.iter().map(|(k, _)| *k));
                let kind = kind.filter(|_| !known)?;
                format::STEP_KINDS.iter().find(|(k, _)| *k == kind)
            });
            if let Some((_, shape)) = misspelt {
                self.open(node, path, shape, &[]);
                return None;
            }
            let looks_like = [
                "hold", "reps", "cue", "setup", "phases", "duration", "sides",
            ]
            .iter()
            .any(|k| has(k));
            let help = if looks_like {
                "this looks like an exercise: add \"exercise\": \"Its name\""
            } else {
                "give it one of \"say\", \"rest\", \"breathe\" or \"exercise\""
            };
            self.error(
                &path,
                node.range.start,
                "this step has no kind: it needs one of \"say\", \"rest\", \"breathe\" or \"exercise\"",
                help,
            );
            // Still report unknown keys, against the shape it most likely meant.
            let guess = if looks_like {
                &format::EXERCISE_STEP
            } else {
                &format::SAY_STEP
            };
            self.open_with(node, path, guess, &[], false);
            return None;
        };
        // Another kind's key that is not also a field of this kind: two kinds in one step.
        let mut others = Vec::new();
        for &(other, _) in &format::STEP_KINDS {
            if other != kind && has(other) && shape.field(other).is_none() {
                let at = node
                    .properties
                    .iter()
                    .find(|p| prop_name(&p.name) == other)
                    .map_or(node.range.start, |p| p.range.start);
                self.error(
                    &join(&path, other),
                    at,
                    format!("a step has one kind, and this one is both \"{kind}\" and \"{other}\""),
                    two_kinds_help(kind, other),
                );
                others.push(other);
            }
        }
        let obj = self.open(node, path, shape, &others);
        let failed_before = self.diagnostics.len();
        let step = match kind {
            "say" => self
                .template(&obj, "say", &[], &|v| {
                    format!(
                        "a say step is spoken as written; {{{}}} belongs in an exercise's \"cue\"",
                        v.name()
                    )
                })
                .map(Step::Say),
            "rest" => {
                let rest = self.seconds(&obj, "rest");
                let say = self.template(&obj, "say", &[Var::Seconds], &|v| {
                    format!("in a rest step only {{seconds}} (the rest's length) has a value, not {{{}}}", v.name())
                });
                rest.map(|rest| Step::Rest { rest, say })
            }
            "breathe" => self.breathe(&obj).map(Step::Breathe),
            _ => self.exercise(&obj, defaults).map(Step::Exercise),
        };
        (self.diagnostics.len() == failed_before && others.is_empty()).then_some(step?)
    }

    fn breathe(&mut self, step: &Obj) -> Option<Breathe> {
        let say = self.template(step, "say", &[], &|v| {
            format!(
                "a breathe step's \"say\" is spoken as written; {{{}}} has no value there",
                v.name()
            )
        });
        let obj = self.object(step, "breathe")?;
        let name = self.text(&obj, "name");
        let cycles = self.count(&obj, "cycles");
        let inhale = self.seconds(&obj, "inhale");
        let hold = self.seconds(&obj, "hold");
        let exhale = self.seconds(&obj, "exhale");
        let hold_out = self.seconds(&obj, "hold_out");
        Some(Breathe {
            name,
            cycles: cycles?,
            inhale: inhale?,
            hold: hold.unwrap_or(0),
            exhale: exhale?,
            hold_out: hold_out.unwrap_or(0),
            say,
        })
    }

    fn exercise(&mut self, obj: &Obj, defaults: &Defaults) -> Option<Exercise> {
        let name = self.text(obj, "exercise");
        let sides = self.sides(obj, "sides");
        let alternate = self.flag(obj, "alternate");
        let reps = self.count(obj, "reps");
        let sets = self.count(obj, "sets");
        let hold = self.seconds(obj, "hold");
        let duration = self.seconds(obj, "duration");
        let rest = self.seconds(obj, "rest");
        let set_rest = self.seconds(obj, "set_rest");
        let countdown = self.count(obj, "countdown");
        let halfway = self.flag(obj, "halfway");
        let setup_time = self.seconds(obj, "setup_time");
        let phases = self.phases(obj, obj.has("sides"));

        // Exactly one kind of work.
        let kinds: Vec<&str> = obj
            .shape
            .one_of
            .iter()
            .copied()
            .filter(|k| obj.has(k))
            .collect();
        let misspelt_work = obj.shape.one_of.iter().any(|k| obj.misspelt.contains(k));
        match kinds.as_slice() {
            [] if misspelt_work => {}
            [] => self.error(
                &obj.path,
                obj.node.range.start,
                "an exercise needs \"hold\", \"phases\" or \"duration\"",
                "add \"hold\": 20 to hold each rep for 20 seconds, \"phases\" for a flow of positions, or \"duration\": 300 for one timed activity",
            ),
            [_] => {}
            [first, rest @ ..] => {
                for other in rest {
                    self.error(
                        &obj.path(other),
                        obj.key_start(other),
                        format!("\"{first}\" and \"{other}\" cannot be used together"),
                        "an exercise is held reps (\"hold\"), a flow of positions (\"phases\"), or one timed activity (\"duration\"): keep one",
                    );
                }
            }
        }
        if obj.has("duration") {
            for key in ["reps", "sets", "sides", "alternate", "rest", "set_rest"] {
                if obj.has(key) {
                    self.error(
                        &obj.path(key),
                        obj.key_start(key),
                        format!("\"{key}\" does not apply to a \"duration\" exercise, which is one timed activity"),
                        format!("remove \"{key}\", or use \"hold\" instead of \"duration\" for repeated holds"),
                    );
                }
            }
        }
        if alternate == Some(true) && !obj.has("sides") {
            self.error(
                &obj.path("alternate"),
                obj.key_start("alternate"),
                "\"alternate\" needs two sides to alternate between",
                "add \"sides\": [\"left\", \"right\"], or remove \"alternate\"",
            );
        }
        let sets_invalid = obj.has("sets") && sets.is_none();
        if obj.has("set_rest") && sets.unwrap_or(1) < 2 && !sets_invalid {
            self.error(
                &obj.path("set_rest"),
                obj.key_start("set_rest"),
                "\"set_rest\" is the rest between sets, but this exercise has one set",
                "add \"sets\": 2 (or more), or remove \"set_rest\"",
            );
        }

        let has_sides = obj.has("sides");
        let timed = obj.has("hold") || obj.has("duration");
        let setup_vars: &[Var] = if obj.has("duration") {
            &[Var::Seconds]
        } else if timed {
            &[Var::Reps, Var::Sets, Var::Seconds]
        } else {
            &[Var::Reps, Var::Sets]
        };
        let setup = self.template(
            obj,
            "setup",
            setup_vars,
            &|v| match v {
                Var::Seconds => "{seconds} is the hold's length; this exercise has no \"hold\" or \"duration\"".into(),
                Var::Reps | Var::Sets => format!("a \"duration\" exercise is one timed activity, with no {{{}}}", v.name()),
                _ => format!(
                    "the setup is spoken once, before the first rep; put {{{}}} in \"cue\", which is spoken every rep",
                    v.name()
                ),
            },
        );
        let mut allowed = vec![Var::Rep, Var::Reps, Var::Set, Var::Sets];
        if has_sides {
            allowed.push(Var::Side);
        }
        if timed {
            allowed.push(Var::Seconds);
        }
        let cue = self.template(obj, "cue", &allowed, &|v| match v {
            Var::Side => "{side} needs \"sides\": [\"left\", \"right\"] on this exercise".into(),
            _ => "{seconds} is the hold's length; in a flow, use it in a phase's \"say\"".into(),
        });

        let progress = if obj.has("progress") {
            Some(self.progress(obj, hold.or(duration), reps.unwrap_or(1))?)
        } else {
            None
        };
        let work = if let Some(h) = hold {
            Work::Hold(h)
        } else if let Some(d) = duration {
            Work::Duration(d)
        } else {
            Work::Phases(phases?)
        };
        Some(Exercise {
            name: name?,
            setup,
            cue,
            sides,
            alternate: alternate.unwrap_or(false),
            reps: reps.unwrap_or(1),
            sets: sets.unwrap_or(1),
            work,
            rest: rest.or(defaults.rest),
            set_rest: set_rest.or(defaults.set_rest),
            countdown: countdown.or(defaults.countdown),
            halfway: halfway.or(defaults.halfway),
            setup_time: setup_time.or(defaults.setup_time),
            progress,
        })
    }

    /// `"progress"`: how the exercise grows. `hold` is the exercise's hold or duration, `reps`
    /// its reps; each maximum must be at least the value it grows from.
    fn progress(&mut self, obj: &Obj, hold: Option<Ms>, reps: u32) -> Option<Progress> {
        let p = self.object(obj, "progress")?;
        let after = self.count(&p, "after");
        let mut ok = true;
        if !p.has("hold") && !p.has("reps") {
            self.error(
                &p.path,
                obj.key_start("progress"),
                "a progression needs \"hold\", \"reps\" or both",
                "for example \"progress\": {\"hold\": {\"step\": 5, \"max\": 30}, \"after\": 2}",
            );
            ok = false;
        }
        let mut grow_hold = None;
        if let Some(h) = self.object(&p, "hold") {
            let step = self.seconds(&h, "step");
            let max = self.seconds(&h, "max");
            if obj.has("phases") {
                self.error(
                    &p.path("hold"),
                    p.key_start("hold"),
                    "a flow has no hold to grow: each position keeps its own time",
                    "remove \"hold\" from \"progress\"; a flow can grow its rounds with \"reps\"",
                );
                ok = false;
            }
            if let (Some(max), Some(base)) = (max, hold)
                && max < base
            {
                self.error(
                    &h.path("max"),
                    h.key_start("max"),
                    format!(
                        "is {}, shorter than the exercise's own {}",
                        seconds_word(max as f64 / 1000.0),
                        seconds_word(base as f64 / 1000.0)
                    ),
                    format!(
                        "\"max\" is the longest the hold grows to: make it at least {}",
                        crate::routine::template::format_seconds(base as f64 / 1000.0)
                    ),
                );
                ok = false;
            }
            match (step, max) {
                (Some(step), Some(max)) => grow_hold = Some(Grow { step, max }),
                _ => ok = false,
            }
        }
        let mut grow_reps = None;
        if let Some(r) = self.object(&p, "reps") {
            let step = self.count(&r, "step");
            let max = self.count(&r, "max");
            if obj.has("duration") {
                self.error(
                    &p.path("reps"),
                    p.key_start("reps"),
                    "a \"duration\" exercise is one timed activity, with no reps to grow",
                    "remove \"reps\" from \"progress\"; grow its length with \"hold\"",
                );
                ok = false;
            }
            if let Some(max) = max
                && max < reps
            {
                self.error(
                    &r.path("max"),
                    r.key_start("max"),
                    format!("is {max}, fewer than the exercise's own {reps} reps"),
                    format!("\"max\" is the most reps it grows to: make it at least {reps}"),
                );
                ok = false;
            }
            match (step, max) {
                (Some(step), Some(max)) => {
                    grow_reps = Some(Grow {
                        step: u64::from(step),
                        max: u64::from(max),
                    })
                }
                _ => ok = false,
            }
        }
        if p.has("after") && after.is_none() {
            ok = false;
        }
        ok.then_some(Progress {
            hold: grow_hold,
            reps: grow_reps,
            after: after.unwrap_or(2),
        })
    }

    fn phases(&mut self, obj: &Obj, has_sides: bool) -> Option<Vec<Phase>> {
        let list = self.list(obj, "phases")?;
        if list.is_empty() {
            self.error(
                &obj.path("phases"),
                obj.key_start("phases"),
                "a flow needs at least one phase",
                "add phases such as {\"say\": \"Arch your back.\", \"hold\": 3}",
            );
            return None;
        }
        let mut phases = Vec::new();
        let mut allowed = vec![Var::Rep, Var::Reps, Var::Set, Var::Sets, Var::Seconds];
        if has_sides {
            allowed.push(Var::Side);
        }
        for (i, value) in list.iter().enumerate() {
            let path = format!("{}[{i}]", obj.path("phases"));
            let Value::Object(node) = value else {
                self.error(
                    &path,
                    start(value),
                    format!("expected a phase in {{ }}, found {}", describe(value)),
                    "a phase is {\"say\": \"Round your back.\", \"hold\": 3}",
                );
                continue;
            };
            let phase = self.open(node, path, &format::PHASE, &[]);
            let say = self.template(&phase, "say", &allowed, &|_| {
                "{side} needs \"sides\": [\"left\", \"right\"] on this exercise".into()
            });
            let hold = self.seconds(&phase, "hold");
            if let (Some(say), Some(hold)) = (say, hold) {
                phases.push(Phase { say, hold });
            }
        }
        (phases.len() == list.len()).then_some(phases)
    }
}

#[derive(Debug, Default)]
struct Defaults {
    rest: Option<Ms>,
    set_rest: Option<Ms>,
    countdown: Option<u32>,
    halfway: Option<bool>,
    setup_time: Option<Ms>,
}

fn two_kinds_help(kind: &str, other: &str) -> String {
    match (kind, other) {
        ("exercise", "say") => "an exercise speaks its \"setup\" and \"cue\"; use those, or put the line in a say step of its own".into(),
        ("exercise", "breathe") => "split it into a breathe step and an exercise step".into(),
        _ => format!("split it into two steps, one with \"{kind}\" and one with \"{other}\""),
    }
}
