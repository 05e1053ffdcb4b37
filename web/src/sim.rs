//! The engine host: the one place that owns a [`Cluster`] and turns [`Op`]s into [`Reply`]s.
//!
//! It is plain Rust (no browser APIs) so the wasm tests can drive it directly, and the Web Worker
//! is a thin wrapper around it.
//!
//! Time travel follows raftscope's `state.js`: a run is fully determined by (seed, inputs), so the
//! host keeps the learner's input log and seeks by rebuilding the cluster and replaying the inputs
//! up to the target time. Playing on from a rewound point replays the recorded inputs (redo); a
//! new action while rewound forks the timeline and drops the recorded future.

use crate::demo::{self, Preset};
use crate::link::lesson::{LessonInput, LinkError};
use crate::protocol::{
    InputMark, LessonStatus, Op, Reply, Request, Timeline, MAX_ADVANCE_MS, STEP_MAX_MS,
};
use crate::state::LOG_CAPACITY;
use kplay_engine::lesson::run::{check_goals, prediction_result, PredictionResult};
use kplay_engine::lesson::{Lesson, LessonRun};
use kplay_engine::scenario::{Action, Step};
use kplay_engine::snapshot::EnvelopeView;
use kplay_engine::{Cluster, Command, Event, Input};

/// How many times one advance looks at the wire. Envelopes live for a few simulated milliseconds,
/// so without sampling a 50 ms frame would almost never catch one in flight.
const WIRE_SAMPLES_MAX: u64 = 100;

/// How many sampled envelopes a reply carries at most.
const WIRE_MAX: usize = 64;

/// How often (simulated ms) the host keeps a copy of the cluster, so a seek replays at most this
/// much instead of the whole timeline (raftscope keeps every state; a cluster is bigger).
pub const CHECKPOINT_MS: u64 = 5_000;

/// A copy of the cluster at one moment of the timeline, with how many inputs it had applied.
struct Checkpoint {
    at_ms: u64,
    applied: usize,
    cluster: Cluster,
}

/// Owns the simulated cluster of the current scenario and its input log.
pub struct Sim {
    preset: Preset,
    cluster: Option<Cluster>,
    error: Option<String>,
    /// The learner's commands with the simulated ms they were applied at, in order.
    inputs: Vec<(u64, Command)>,
    /// How many of `inputs` the cluster has applied (fewer than all when rewound).
    applied: usize,
    /// The furthest simulated time this timeline has reached.
    head_ms: u64,
    /// The active controller at the start of the timeline.
    start_active: Option<u32>,
    /// The earliest time one can seek to (the end of the warm-up or of the lesson's setup).
    start_ms: u64,
    /// The lesson being played, when the run started from one.
    lesson: Option<LessonHost>,
    /// Copies of the cluster along the timeline, oldest first, for cheap seeks.
    checkpoints: Vec<Checkpoint>,
}

/// A lesson played on the Sim's cluster: the engine's lesson machinery (`LessonRun`'s building
/// of the starting scenario, `check_goals`, `prediction_result`) over a cluster that keeps its
/// input log, so seek / fork / redo work in a lesson as in the sandbox.
struct LessonHost {
    lesson: &'static Lesson,
    step: usize,
    /// Where the current step's events start in [`Cluster::events`]. A rebuilt run (seek) replays
    /// the same inputs to the same events, so the index stays meaningful.
    window_start: usize,
    predicted: Option<String>,
    prediction: Option<PredictionResult>,
    done: Vec<bool>,
    /// A challenge (index into `lesson.challenges`) played instead of the steps.
    challenge: Option<usize>,
    /// The step the run started at (a lesson link may start at any step).
    first_step: usize,
    /// The learner's inputs with their simulated ms, in order: what a lesson share link carries
    /// (the demo, prediction and solution commands are not here: the steps make them again).
    log: Vec<(u64, LessonInput)>,
}

impl Default for Sim {
    fn default() -> Self {
        Sim::new(Preset::Payments)
    }
}

/// Builds a scenario's cluster: setup commands, then the warm-up.
fn build(preset: Preset) -> Result<Cluster, String> {
    let mut cluster = Cluster::new(&preset.cluster_spec()).map_err(|e| e.to_string())?;
    for c in demo::setup(preset) {
        cluster.step(Input::Command(c));
    }
    cluster.run_ms(demo::WARMUP_MS);
    Ok(cluster)
}

impl Sim {
    /// Builds a scenario: creates the cluster, runs the setup commands and the warm-up.
    pub fn new(preset: Preset) -> Self {
        let (cluster, error) = match build(preset) {
            Ok(c) => (Some(c), None),
            Err(e) => (None, Some(e)),
        };
        let head_ms = cluster.as_ref().map(|c| c.now_ms()).unwrap_or(0);
        let start_active = cluster
            .as_ref()
            .and_then(|c| c.snapshot().quorum.active_controller);
        Sim {
            preset,
            cluster,
            error,
            inputs: Vec::new(),
            applied: 0,
            head_ms,
            start_active,
            start_ms: demo::WARMUP_MS,
            lesson: None,
            checkpoints: Vec::new(),
        }
    }

    /// Starts a lesson: the cluster of its starting scenario (built by the engine's
    /// [`LessonRun::new`]), then its first step begun.
    pub fn for_lesson(lesson: &'static Lesson) -> Self {
        let mut sim = Sim::new(Preset::Payments);
        let (cluster, error) = match LessonRun::new(lesson) {
            Ok(run) => (Some(run.cluster), None),
            Err(e) => (None, Some(format!("lesson {}: {e}", lesson.id))),
        };
        sim.head_ms = cluster.as_ref().map(|c| c.now_ms()).unwrap_or(0);
        sim.start_ms = sim.head_ms;
        sim.start_active = cluster
            .as_ref()
            .and_then(|c| c.snapshot().quorum.active_controller);
        sim.cluster = cluster;
        sim.error = error;
        sim.lesson = Some(LessonHost {
            lesson,
            step: 0,
            window_start: 0,
            predicted: None,
            prediction: None,
            done: vec![false; lesson.steps.len()],
            challenge: None,
            first_step: 0,
            log: Vec::new(),
        });
        sim.begin_step(0, &mut Vec::new());
        sim
    }

    /// The simulated time now (0 without a cluster).
    fn now_ms(&self) -> u64 {
        self.cluster.as_ref().map(|c| c.now_ms()).unwrap_or(0)
    }

    /// A lesson started at step `first`: the lesson opened, then that step begun at once.
    fn for_lesson_at(lesson: &'static Lesson, first: usize) -> Self {
        let mut sim = Sim::for_lesson(lesson);
        if first > 0 {
            sim.begin_step(first, &mut Vec::new());
        }
        if let Some(h) = sim.lesson.as_mut() {
            h.first_step = h.step;
        }
        sim
    }

    /// Carries out one learner input of a lesson (not of a challenge) and records it in the
    /// lesson's log, unless it changes nothing (a prediction already answered, an unknown
    /// choice). While rewound, it forks like any action.
    fn lesson_input(&mut self, input: LessonInput, wire: &mut Vec<EnvelopeView>) -> Vec<Event> {
        let Some(h) = self.lesson.as_ref().filter(|h| h.challenge.is_none()) else {
            // A challenge (or no lesson): only commands mean something.
            return match input {
                LessonInput::Command(c) => self.command(c),
                _ => Vec::new(),
            };
        };
        let step = h.lesson.steps.get(h.step);
        let takes_effect = match &input {
            LessonInput::Step(_) | LessonInput::Command(_) => true,
            LessonInput::Predict(c) => {
                h.prediction.is_none()
                    && step
                        .and_then(|s| s.predict.as_ref())
                        .is_some_and(|p| p.choices.iter().any(|x| &x.id == c))
            }
            LessonInput::Solve => {
                step.is_some_and(|s| !s.solution.is_empty() || s.predict.is_some())
            }
        };
        let steps = h.lesson.steps.len();
        if !takes_effect {
            return Vec::new();
        }
        self.fork_if_rewound();
        let now = self.now_ms();
        let input = match input {
            LessonInput::Step(i) => LessonInput::Step(i.min(steps.saturating_sub(1))),
            other => other,
        };
        if let Some(h) = self.lesson.as_mut() {
            h.log.push((now, input.clone()));
        }
        match input {
            LessonInput::Step(i) => self.begin_step(i, wire),
            LessonInput::Predict(c) => self.predict(Some(c), wire),
            LessonInput::Solve => self.solve_step(wire),
            LessonInput::Command(c) => self.command(c),
        }
    }

    /// Replays a lesson link (see [`Op::LoadLesson`]); on a run the link cannot reproduce, the
    /// lesson at `first` and the reason.
    fn load_lesson(
        lesson: &'static Lesson,
        first: usize,
        inputs: Vec<(u64, LessonInput)>,
        at_ms: u64,
    ) -> (Self, Option<LinkError>) {
        let mut sim = Sim::for_lesson_at(lesson, first);
        for (i, (at, input)) in inputs.into_iter().enumerate() {
            let now = sim.now_ms();
            if at < now {
                let n = i + 1;
                let err = LinkError::new(
                    format!("input {n} at {at} ms comes before the lesson gets there ({now} ms: a step's demo or action runs until then), so the link was changed"),
                    format!("第 {n} 个输入在 {at} ms，但课程要到 {now} ms 才到那里（步骤的演示或动作一直运行到那时），所以链接被改过"),
                );
                return (Sim::for_lesson_at(lesson, first), Some(err));
            }
            // The wire is not shown for a replayed run: sample into a throwaway list.
            sim.advance(at - now, &mut Vec::new());
            // The page checks the step's goals on every reply, so a step is marked done when
            // they held at some point: check them just before each input, as the learner's
            // page did right before that click.
            if let Some(snap) = sim.cluster.as_ref().map(|c| c.snapshot()) {
                sim.lesson_status(&snap);
            }
            sim.lesson_input(input, &mut Vec::new());
            if sim.now_ms() > crate::link::MAX_MS {
                let err = LinkError::new(
                    format!("the run goes beyond 1 hour of simulated time at input {} (opening a link replays every tick)", i + 1),
                    format!("这次运行在第 {} 个输入处超过了 1 小时模拟时间（打开链接要重放每一个 tick）", i + 1),
                );
                return (Sim::for_lesson_at(lesson, first), Some(err));
            }
        }
        let now = sim.now_ms();
        sim.head_ms = sim.head_ms.max(now);
        if at_ms > now {
            sim.advance(at_ms - now, &mut Vec::new());
        } else if at_ms < now {
            sim.seek(at_ms);
        }
        (sim, None)
    }

    /// Starts a "make it happen" challenge: the lesson's starting scenario, no step, no demo; the
    /// checklist is the challenge's goals over everything from the start.
    pub fn for_challenge(lesson: &'static Lesson, challenge: usize) -> Self {
        let mut sim = Sim::for_lesson(lesson);
        // `for_lesson` began step 0 (its demo ran): start again from the bare scenario.
        if let Ok(c) = sim.rebuild() {
            sim.cluster = Some(c);
            sim.inputs.clear();
            sim.applied = 0;
            sim.head_ms = sim.start_ms;
            sim.checkpoints.clear();
        }
        let start = sim.cluster.as_ref().map(|c| c.events().len()).unwrap_or(0);
        if let Some(h) = sim.lesson.as_mut() {
            h.challenge = Some(challenge);
            h.done = vec![false];
            h.window_start = start;
        }
        sim
    }

    /// Builds the run's starting cluster again (for seek).
    fn rebuild(&self) -> Result<Cluster, String> {
        match &self.lesson {
            Some(h) => LessonRun::new(h.lesson).map(|r| r.cluster),
            None => build(self.preset),
        }
    }

    /// Goes to step `i` of the lesson: event goals count from now on, and its demo runs.
    fn begin_step(&mut self, i: usize, wire: &mut Vec<EnvelopeView>) -> Vec<Event> {
        let len = self.cluster.as_ref().map(|c| c.events().len()).unwrap_or(0);
        let Some(h) = self.lesson.as_mut().filter(|h| h.challenge.is_none()) else {
            return Vec::new();
        };
        let i = i.min(h.lesson.steps.len().saturating_sub(1));
        h.step = i;
        h.window_start = len;
        h.predicted = None;
        h.prediction = None;
        let Some(step) = h.lesson.steps.get(i) else {
            return Vec::new();
        };
        self.apply_steps(&step.demo, wire)
    }

    /// Runs scenario steps as learner inputs (recorded on the timeline).
    fn apply_steps(&mut self, steps: &[Step], wire: &mut Vec<EnvelopeView>) -> Vec<Event> {
        let mut events = Vec::new();
        for s in steps {
            match &s.action {
                Action::AdvanceMs(ms) => events.extend(self.advance(*ms, wire)),
                Action::Command(c) => events.extend(self.command(c.clone())),
            }
        }
        events
    }

    /// Predict-then-observe: records the choice and runs the decisive action once.
    fn predict(&mut self, choice: Option<String>, wire: &mut Vec<EnvelopeView>) -> Vec<Event> {
        let Some(h) = self.lesson.as_ref().filter(|h| h.challenge.is_none()) else {
            return Vec::new();
        };
        let lesson = h.lesson;
        let Some(p) = lesson.steps.get(h.step).and_then(|s| s.predict.as_ref()) else {
            return Vec::new();
        };
        if h.prediction.is_some() {
            return Vec::new();
        }
        if let Some(c) = &choice {
            if !p.choices.iter().any(|x| &x.id == c) {
                return Vec::new();
            }
        }
        let since = self.cluster.as_ref().map(|c| c.events().len()).unwrap_or(0);
        let events = self.apply_steps(&p.action, wire);
        let result = self.cluster.as_ref().map(|c| {
            let evs = &c.events()[since.min(c.events().len())..];
            prediction_result(p, &c.snapshot(), evs)
        });
        if let Some(h) = self.lesson.as_mut() {
            h.predicted = choice;
            h.prediction = result;
        }
        events
    }

    /// "Show me": the prediction's action (if not run yet), then the step's reference solution.
    fn solve_step(&mut self, wire: &mut Vec<EnvelopeView>) -> Vec<Event> {
        let Some(h) = self.lesson.as_ref().filter(|h| h.challenge.is_none()) else {
            return Vec::new();
        };
        let lesson = h.lesson;
        let Some(step) = lesson.steps.get(h.step) else {
            return Vec::new();
        };
        let mut events = Vec::new();
        if step.predict.is_some() && h.prediction.is_none() {
            events.extend(self.predict(None, wire));
        }
        events.extend(self.apply_steps(&step.solution, wire));
        events
    }

    /// The lesson's status on `snap`; marks the current step done once every goal holds.
    fn lesson_status(&mut self, snap: &kplay_engine::Snapshot) -> Option<LessonStatus> {
        let c = self.cluster.as_ref()?;
        let h = self.lesson.as_mut()?;
        let events = &c.events()[h.window_start.min(c.events().len())..];
        if let Some(ci) = h.challenge {
            let ch = h.lesson.challenges.get(ci)?;
            let goals = check_goals(&ch.goals, snap, events);
            if goals.iter().all(|g| g.check.met) {
                h.done = vec![true];
            }
            return Some(LessonStatus {
                lesson: h.lesson.id.clone(),
                step: 0,
                goals,
                predicted: None,
                prediction: None,
                done: h.done.clone(),
                challenge: Some(ch.id.clone()),
                share: None,
            });
        }
        let step = h.lesson.steps.get(h.step)?;
        let goals = check_goals(&step.goals, snap, events);
        // A step with a prediction is done once it has been answered too.
        let predicted = step.predict.is_none() || h.prediction.is_some();
        if goals.iter().all(|g| g.check.met) && predicted {
            if let Some(d) = h.done.get_mut(h.step) {
                *d = true;
            }
        }
        Some(LessonStatus {
            lesson: h.lesson.id.clone(),
            step: h.step,
            goals,
            predicted: h.predicted.clone(),
            prediction: h.prediction.clone(),
            done: h.done.clone(),
            challenge: None,
            // The whole log (a rewound view keeps its future until an action forks it, and the
            // step shown is the one reached), opened at the time in view.
            share: Some(crate::link::lesson::encode(
                h.lesson,
                h.first_step,
                snap.now_ms,
                &h.log,
            )),
        })
    }

    /// How many copies of the cluster the timeline keeps for seeking.
    pub fn checkpoint_count(&self) -> usize {
        self.checkpoints.len()
    }

    /// The cluster, if it could be built.
    pub fn cluster(&self) -> Option<&Cluster> {
        self.cluster.as_ref()
    }

    /// Handles one request and builds the reply.
    pub fn handle(&mut self, req: Request) -> Reply {
        let mut reset = false;
        let mut link_error = None;
        let mut wire: Vec<EnvelopeView> = Vec::new();
        let events: Vec<Event> = match req.op {
            Op::Reset { preset } => {
                let preset = Preset::from_id(&preset).unwrap_or(Preset::Payments);
                *self = Sim::new(preset);
                reset = true;
                self.all_events()
            }
            Op::StartLesson { lesson } => {
                match crate::lessons::find(&lesson) {
                    Some(l) => *self = Sim::for_lesson(l),
                    None => {
                        *self = Sim::new(Preset::Payments);
                        self.error = Some(format!("no lesson {lesson:?}"));
                        self.cluster = None;
                    }
                }
                reset = true;
                self.all_events()
            }
            Op::LessonStep { step } => self.lesson_input(LessonInput::Step(step), &mut wire),
            Op::LessonPredict { choice } => {
                self.lesson_input(LessonInput::Predict(choice), &mut wire)
            }
            Op::LessonSolve => self.lesson_input(LessonInput::Solve, &mut wire),
            Op::LoadLesson {
                lesson,
                step,
                inputs,
                at_ms,
            } => {
                match crate::lessons::find(&lesson) {
                    Some(l) => {
                        let (sim, err) = Sim::load_lesson(l, step, inputs, at_ms);
                        *self = sim;
                        link_error = err;
                    }
                    None => {
                        *self = Sim::new(Preset::Payments);
                        self.error = Some(format!("no lesson {lesson:?}"));
                        self.cluster = None;
                    }
                }
                reset = true;
                self.all_events()
            }
            Op::StartChallenge { lesson, challenge } => {
                let found = crate::lessons::find(&lesson).and_then(|l| {
                    l.challenges
                        .iter()
                        .position(|c| c.id == challenge)
                        .map(|i| (l, i))
                });
                match found {
                    Some((l, i)) => *self = Sim::for_challenge(l, i),
                    None => {
                        *self = Sim::new(Preset::Payments);
                        self.error = Some(format!("no challenge {challenge:?} in {lesson:?}"));
                        self.cluster = None;
                    }
                }
                reset = true;
                self.all_events()
            }
            Op::Command(command) if self.lesson.is_some() => {
                self.lesson_input(LessonInput::Command(command), &mut wire)
            }
            Op::Command(command) => self.command(command),
            Op::Schedule { commands } => {
                // A lesson's log keeps scheduled commands at the ms they are due.
                if self.lesson.is_some() {
                    self.fork_if_rewound();
                }
                if let Some(h) = self.lesson.as_mut().filter(|h| h.challenge.is_none()) {
                    let now = self.cluster.as_ref().map(|c| c.now_ms()).unwrap_or(0);
                    for (after, c) in &commands {
                        let at = now + after;
                        let pos = h
                            .log
                            .iter()
                            .position(|(t, _)| *t > at)
                            .unwrap_or(h.log.len());
                        h.log.insert(pos, (at, LessonInput::Command(c.clone())));
                    }
                }
                self.schedule(commands)
            }
            Op::InstallLessons { json } => {
                crate::lessons::install(Ok(json));
                Vec::new()
            }
            Op::Advance { ms } => self.advance(ms.min(MAX_ADVANCE_MS), &mut wire),
            Op::StepToNextEvent => self.step_to_next_event(),
            // Timed by the worker (this host has no clock); here it only runs.
            Op::Bench { sim_ms } => {
                bench_large(sim_ms);
                Vec::new()
            }
            Op::Seek { ms } => {
                self.seek(ms);
                reset = true;
                self.all_events()
            }
            Op::Load {
                preset,
                inputs,
                at_ms,
            } => {
                let preset = Preset::from_id(&preset).unwrap_or(Preset::Payments);
                *self = Sim::new(preset);
                self.head_ms = inputs
                    .last()
                    .map(|(at, _)| *at)
                    .unwrap_or(0)
                    .max(at_ms.min(crate::link::MAX_MS))
                    .max(self.head_ms);
                self.inputs = inputs;
                self.seek(at_ms);
                reset = true;
                self.all_events()
            }
        };
        if let Some(c) = &self.cluster {
            self.head_ms = self.head_ms.max(c.now_ms());
        }
        let error = match &self.cluster {
            Some(_) => None,
            None => self
                .error
                .clone()
                .or_else(|| Some("the cluster could not be built".to_string())),
        };
        let mut reply = self.reply(req.seq, reset, events, wire, error);
        reply.link_error = link_error;
        reply
    }

    /// The run's events for a rebuilt page ([`Reply::reset`]): see [`for_page`].
    fn all_events(&self) -> Vec<Event> {
        self.cluster
            .as_ref()
            .map(|c| for_page(c.events()))
            .unwrap_or_default()
    }

    /// When rewound, a new action forks: the recorded future (and anything scheduled) is dropped.
    fn fork_if_rewound(&mut self) {
        let Some(now) = self.cluster.as_ref().map(|c| c.now_ms()) else {
            return;
        };
        if now < self.head_ms {
            self.inputs.truncate(self.applied);
            if let Some(h) = self.lesson.as_mut() {
                h.log.retain(|(at, _)| *at <= now);
            }
            self.head_ms = now;
            // Later copies of the cluster belong to the dropped future.
            self.checkpoints.retain(|cp| cp.at_ms <= now);
        }
    }

    /// A learner action. When rewound, it forks. When live, inputs not applied yet are scheduled
    /// for later (the rest of a stream): the action goes before them and they stay.
    fn command(&mut self, command: Command) -> Vec<Event> {
        self.fork_if_rewound();
        let Some(c) = self.cluster.as_mut() else {
            return Vec::new();
        };
        self.inputs
            .insert(self.applied, (c.now_ms(), command.clone()));
        self.applied += 1;
        c.step(Input::Command(command))
    }

    /// Commands for later (`(ms from now, command)`): the ones due now run at once, the others
    /// join the input log in time order and run when [`Sim::advance`] reaches them.
    fn schedule(&mut self, commands: Vec<(u64, Command)>) -> Vec<Event> {
        let Some(now) = self.cluster.as_ref().map(|c| c.now_ms()) else {
            return Vec::new();
        };
        let mut events = Vec::new();
        for (after_ms, command) in commands {
            if after_ms == 0 {
                events.extend(self.command(command));
                continue;
            }
            self.fork_if_rewound();
            let at = now + after_ms;
            let pos = self.inputs[self.applied..]
                .iter()
                .position(|(t, _)| *t > at)
                .map_or(self.inputs.len(), |i| self.applied + i);
            self.inputs.insert(pos, (at, command));
        }
        events
    }

    /// Lets `ms` pass, re-applying recorded inputs that fall due (after a rewind).
    fn advance(&mut self, ms: u64, wire: &mut Vec<EnvelopeView>) -> Vec<Event> {
        let Some(now) = self.cluster.as_ref().map(|c| c.now_ms()) else {
            return Vec::new();
        };
        let target = now + ms;
        let mut events = Vec::new();
        while let Some((at, cmd)) = self
            .inputs
            .get(self.applied)
            .filter(|(at, _)| *at <= target)
            .cloned()
        {
            events.extend(self.run_until(at, wire));
            if let Some(c) = self.cluster.as_mut() {
                events.extend(c.step(Input::Command(cmd)));
            }
            self.applied += 1;
        }
        events.extend(self.run_until(target, wire));
        events
    }

    /// Runs the cluster to `t_ms`, keeping checkpoints on the way.
    fn run_until(&mut self, t_ms: u64, wire: &mut Vec<EnvelopeView>) -> Vec<Event> {
        let mut events = Vec::new();
        loop {
            let Some(c) = self.cluster.as_mut() else {
                return events;
            };
            let now = c.now_ms();
            if now >= t_ms {
                return events;
            }
            let due = self.checkpoints.last().map_or(self.start_ms, |cp| cp.at_ms) + CHECKPOINT_MS;
            let stop = if due > now { due.min(t_ms) } else { t_ms };
            events.extend(advance_sampling_wire(c, stop - now, wire));
            self.checkpoint();
        }
    }

    /// Keeps a copy of the cluster when the last one is [`CHECKPOINT_MS`] old or more.
    fn checkpoint(&mut self) {
        let Some(c) = &self.cluster else {
            return;
        };
        let now = c.now_ms();
        let last = self.checkpoints.last().map_or(self.start_ms, |cp| cp.at_ms);
        if now >= last + CHECKPOINT_MS {
            self.checkpoints.push(Checkpoint {
                at_ms: now,
                applied: self.applied,
                cluster: c.clone(),
            });
        }
    }

    /// Ticks until something happens (at most [`STEP_MAX_MS`]).
    fn step_to_next_event(&mut self) -> Vec<Event> {
        let mut wire = Vec::new();
        for _ in 0..STEP_MAX_MS {
            let events = self.advance(1, &mut wire);
            if !events.is_empty() {
                return events;
            }
        }
        Vec::new()
    }

    /// Rebuilds the cluster and replays the inputs up to `ms` (clamped to the recorded timeline).
    /// Starts from the latest checkpoint at or before `ms` when there is one.
    fn seek(&mut self, ms: u64) {
        let target = ms.clamp(self.start_ms, self.head_ms);
        let from = self.checkpoints.iter().rev().find(|cp| cp.at_ms <= target);
        let (mut c, mut applied) = match from {
            Some(cp) => (cp.cluster.clone(), cp.applied),
            None => match self.rebuild() {
                Ok(c) => (c, 0),
                Err(_) => return,
            },
        };
        let target = target.max(c.now_ms());
        for (at, cmd) in self.inputs[applied..]
            .iter()
            .take_while(|(at, _)| *at <= target)
        {
            c.run_ms(at.saturating_sub(c.now_ms()));
            c.step(Input::Command(cmd.clone()));
            applied += 1;
        }
        c.run_ms(target.saturating_sub(c.now_ms()));
        self.cluster = Some(c);
        self.applied = applied;
    }

    fn timeline(&self) -> Timeline {
        Timeline {
            start_ms: self.start_ms,
            head_ms: self.head_ms,
            start_active_controller: self.start_active,
            inputs: self
                .inputs
                .iter()
                .map(|(at, c)| InputMark {
                    at_ms: *at,
                    label: input_label(c),
                    code: crate::link::code(c),
                })
                .collect(),
        }
    }

    fn reply(
        &mut self,
        seq: u64,
        reset: bool,
        events: Vec<Event>,
        mut wire: Vec<EnvelopeView>,
        error: Option<String>,
    ) -> Reply {
        let (snapshot, hash) = match &self.cluster {
            Some(c) => (c.snapshot(), c.trace_hash()),
            None => (empty_snapshot(), 0),
        };
        let lesson = self.lesson_status(&snapshot);
        let events = if events.len() > LOG_CAPACITY {
            for_page(&events)
        } else {
            events
        };
        merge_wire(&mut wire, &snapshot.envelopes);
        if wire.len() > WIRE_MAX {
            wire.drain(..wire.len() - WIRE_MAX);
        }
        Reply {
            seq,
            reset,
            preset: match &self.lesson {
                Some(h) => format!("{}{}", crate::lessons::PRESET_PREFIX, h.lesson.id),
                None => self.preset.id().to_string(),
            },
            snapshot,
            events,
            wire,
            timeline: self.timeline(),
            trace_hash: demo::hash_hex(hash),
            error,
            lesson,
            bench_wall_ms: None,
            link_error: None,
        }
    }
}

/// The events a reply carries: the newest [`LOG_CAPACITY`] (the page's log keeps no more), and
/// before them every event except the per-record and per-fetch ones ([`per_record`]), which only
/// the log shows. The page's other readers of events — the guides, lost envelopes, unclean
/// elections, refused commands — see all of theirs, and a seek back into a long run sends a
/// fraction of its history (on the 5 × 30 × RF 3 preset after 100 s of streams: 1 392 events,
/// 190 KB of JSON, of which ~1 000 are per-record).
pub fn for_page(events: &[Event]) -> Vec<Event> {
    let tail = events.len().saturating_sub(LOG_CAPACITY);
    events
        .iter()
        .enumerate()
        .filter(|(i, e)| *i >= tail || !per_record(&e.kind))
        .map(|(_, e)| e.clone())
        .collect()
}

/// Events that happen once per record, batch or follower fetch. `ProduceCompleted` is not one of
/// them: the guides read every outcome.
fn per_record(kind: &kplay_engine::events::EventKind) -> bool {
    use kplay_engine::events::EventKind::*;
    matches!(
        kind,
        RecordAccumulated { .. }
            | BatchSent { .. }
            | Appended { .. }
            | Replicated { .. }
            | HighWatermarkAdvanced { .. }
            | RecordsPolled { .. }
    )
}

/// The engine benchmark's largest shape, the same loop as `engine/benches/ticks.rs`
/// ("5 brokers × 30 partitions × RF3, 100/s"): a topic `t` with 30 partitions and RF 3 on five
/// brokers, producer `p` sending a keyed 100-byte record every 10 ms while `sim_ms` ticks run.
/// Returns how many events it produced.
pub fn bench_large(sim_ms: u64) -> usize {
    use std::collections::BTreeMap;
    let spec = kplay_engine::ClusterSpec {
        brokers: (1..=5).collect(),
        controllers: vec![],
        node_configs: BTreeMap::new(),
        seed: 1,
        configs: BTreeMap::new(),
    };
    let Ok(mut c) = Cluster::new(&spec) else {
        return 0;
    };
    c.step(Input::Command(Command::CreateTopic {
        name: "t".into(),
        partitions: 30,
        replication_factor: 3,
        configs: BTreeMap::new(),
    }));
    c.step(Input::Command(Command::AddProducer {
        name: "p".into(),
        configs: BTreeMap::new(),
    }));
    let mut events = 0;
    for ms in 0..sim_ms {
        if ms % 10 == 0 {
            events += c
                .step(Input::Command(Command::Produce {
                    producer: "p".into(),
                    topic: "t".into(),
                    partition: None,
                    key: Some(format!("k{ms}")),
                    value: Some("x".repeat(100)),
                }))
                .len();
        }
        events += c.step(Input::Tick).len();
    }
    events
}

/// A short label for a timeline marker, in Kafka's terms.
pub fn input_label(c: &Command) -> String {
    match c {
        Command::CrashBroker { broker } => format!("crash broker-{broker}"),
        Command::RestartBroker { broker } => format!("restart broker-{broker}"),
        Command::CrashController { controller } => format!("crash controller-{controller}"),
        Command::RestartController { controller } => format!("restart controller-{controller}"),
        Command::Produce {
            key, value: None, ..
        } => match key {
            Some(k) => format!("produce key={k} tombstone"),
            None => "produce tombstone".to_string(),
        },
        Command::Produce { key, .. } => match key {
            Some(k) => format!("produce key={k}"),
            None => "produce".to_string(),
        },
        Command::AlterProducerConfig {
            producer,
            key,
            value,
        } if key == "retries" && value == "2147483647" => {
            format!("{producer}: {key}={value} (Integer.MAX_VALUE)")
        }
        Command::AlterProducerConfig {
            producer,
            key,
            value,
        } => format!("{producer}: {key}={value}"),
        Command::AlterTopicConfig { key, value, .. } => format!("{key}={value}"),
        Command::PartitionNetwork { a, b } => format!("cut {a} ✂ {b}"),
        Command::IsolateNode { node } => format!("isolate {node}"),
        Command::HealNetwork => "heal network".to_string(),
        Command::SlowNode {
            node,
            extra_latency_ms: 0,
        } => format!("{node} normal speed"),
        Command::SlowNode {
            node,
            extra_latency_ms,
        } => format!("slow {node} +{extra_latency_ms} ms"),
        Command::HoldEnvelope { id } => format!("hold #{id}"),
        Command::ReleaseEnvelope { id } => format!("release #{id}"),
        Command::DropEnvelope { id } => format!("drop #{id}"),
        Command::CreatePartitions { topic, count } => format!("{topic}: {count} partitions"),
        Command::AddConsumer {
            name,
            topics,
            configs,
        } => match configs.get("group.id") {
            Some(g) => format!("add consumer {name} → {} (group {g})", topics.join(",")),
            None => format!("add consumer {name} → {}", topics.join(",")),
        },
        Command::CrashConsumer { consumer } => format!("crash consumer {consumer}"),
        Command::CloseConsumer { consumer } => format!("close consumer {consumer}"),
        Command::StopPolling { consumer } => format!("{consumer} stops polling"),
        Command::ResumePolling { consumer } => format!("{consumer} resumes polling"),
        Command::Seek {
            consumer,
            topic,
            partition,
            offset,
        } => format!("{consumer} seek {topic}-{partition} → {offset}"),
        Command::SeekToBeginning {
            consumer,
            topic: Some(t),
            partition: Some(p),
        } => format!("{consumer} seekToBeginning {t}-{p}"),
        Command::SeekToBeginning { consumer, .. } => format!("{consumer} seekToBeginning"),
        Command::SeekToEnd {
            consumer,
            topic: Some(t),
            partition: Some(p),
        } => format!("{consumer} seekToEnd {t}-{p}"),
        Command::SeekToEnd { consumer, .. } => format!("{consumer} seekToEnd"),
        Command::InitTransactions { producer } => format!("{producer}: initTransactions()"),
        Command::BeginTransaction { producer } => format!("{producer}: beginTransaction()"),
        Command::CommitTransaction { producer } => format!("{producer}: commitTransaction()"),
        Command::AbortTransaction { producer } => format!("{producer}: abortTransaction()"),
        Command::PerfTest {
            producer,
            topic,
            num_records,
            ..
        } => format!("{producer}: perf test {num_records} records → {topic}"),
        other => other.name().to_string(),
    }
}

/// Runs `ms` ticks, looking at the envelopes in flight every `ms / WIRE_SAMPLES_MAX` ticks.
fn advance_sampling_wire(c: &mut Cluster, ms: u64, wire: &mut Vec<EnvelopeView>) -> Vec<Event> {
    let stride = ms.div_ceil(WIRE_SAMPLES_MAX).max(1);
    let mut events = Vec::new();
    let mut left = ms;
    while left > 0 {
        let n = stride.min(left);
        events.extend(c.run_ms(n));
        left -= n;
        merge_wire(wire, &c.envelope_views());
    }
    events
}

/// Appends the envelopes not seen yet (by id), keeping first-seen order.
fn merge_wire(wire: &mut Vec<EnvelopeView>, seen: &[EnvelopeView]) {
    for e in seen {
        if !wire.iter().any(|w| w.id == e.id) {
            wire.push(e.clone());
        }
    }
}

fn empty_snapshot() -> kplay_engine::Snapshot {
    use kplay_engine::snapshot::{ControllerView, Metrics, Snapshot};
    Snapshot {
        now_ms: 0,
        seed: demo::DEMO_SEED,
        controller: ControllerView {
            node_id: 0,
            registrations: Vec::new(),
        },
        quorum: Default::default(),
        brokers: Vec::new(),
        topics: Vec::new(),
        producers: Vec::new(),
        requests: Vec::new(),
        envelopes: Vec::new(),
        network: Default::default(),
        metrics: Metrics::default(),
        history: Vec::new(),
        groups: Vec::new(),
        consumers: Vec::new(),
        transactions: Vec::new(),
    }
}
