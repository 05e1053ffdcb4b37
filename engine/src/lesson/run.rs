//! Running a lesson on a live [`Cluster`]: the checklist of the current step, predictions computed
//! by the engine, and [`solve`], which replays every reference solution headless (the CLI's
//! `kplay lesson solve` and the tests).

use super::goal::Check;
use super::{Goal, Lesson, Prediction, Text};
use crate::cluster::Cluster;
use crate::command::Input;
use crate::scenario::{Action, Step};
use crate::snapshot::Snapshot;
use serde::{Deserialize, Serialize};

/// One line of the checklist: the goal's text (rendered from its predicate) and its state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalStatus {
    /// The id, unique in the lesson.
    pub id: String,
    /// [`super::Predicate::describe`].
    pub text: Text,
    /// The engine's verdict.
    pub check: Check,
}

/// The engine's answer to a prediction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PredictionResult {
    /// The right choice(s): those whose predicate holds after the action (or the static answer).
    pub correct: Vec<String>,
    /// What the engine observed for the right choice (e.g. the murmur2 arithmetic, the ISR).
    pub observed: Option<Text>,
    /// The lesson's explanation.
    pub why: Text,
}

/// A lesson in progress on a live cluster.
pub struct LessonRun<'l> {
    /// The lesson being played.
    pub lesson: &'l Lesson,
    /// The live cluster.
    pub cluster: Cluster,
    /// Where the current step's events start in [`Cluster::events`].
    window_start: usize,
}

/// An error running a lesson (the starting cluster could not be built).
pub type RunError = String;

impl<'l> LessonRun<'l> {
    /// Builds the starting cluster and applies the scenario (topics, producers, its own steps).
    pub fn new(lesson: &'l Lesson) -> Result<LessonRun<'l>, RunError> {
        let mut cluster = Cluster::new(&lesson.scenario.cluster).map_err(|e| e.message)?;
        for input in lesson.scenario.inputs() {
            cluster.step(input);
        }
        let window_start = cluster.events().len();
        Ok(LessonRun {
            lesson,
            cluster,
            window_start,
        })
    }

    /// Starts a step: event goals only count what happens from now on.
    pub fn begin_window(&mut self) {
        self.window_start = self.cluster.events().len();
    }

    /// Runs one scenario step (time or a command).
    pub fn apply(&mut self, step: &Step) {
        match &step.action {
            Action::AdvanceMs(ms) => {
                self.cluster.run_ms(*ms);
            }
            Action::Command(c) => {
                self.cluster.step(Input::Command(c.clone()));
            }
        }
    }

    /// Runs a list of scenario steps.
    pub fn apply_all(&mut self, steps: &[Step]) {
        for s in steps {
            self.apply(s);
        }
    }

    /// The checklist for some goals, now.
    pub fn check(&self, goals: &[Goal]) -> Vec<GoalStatus> {
        let snap = self.cluster.snapshot();
        let events = &self.cluster.events()[self.window_start.min(self.cluster.events().len())..];
        check_goals(goals, &snap, events)
    }

    /// After a prediction's action has run (from `since`, an index into [`Cluster::events`]):
    /// which choices are right.
    pub fn predict_result(&self, p: &Prediction, since: usize) -> PredictionResult {
        let snap = self.cluster.snapshot();
        let events = &self.cluster.events()[since.min(self.cluster.events().len())..];
        prediction_result(p, &snap, events)
    }

    /// The cluster now.
    pub fn snapshot(&self) -> Snapshot {
        self.cluster.snapshot()
    }
}

/// The engine's answer to a prediction, given the cluster after its action and the events the
/// action caused (what [`LessonRun::predict_result`] computes; hosts that own their cluster, like
/// the browser's worker with its time travel, call it directly).
pub fn prediction_result(
    p: &Prediction,
    snap: &Snapshot,
    events: &[crate::Event],
) -> PredictionResult {
    if let Some(a) = &p.answer {
        return PredictionResult {
            correct: vec![a.clone()],
            observed: None,
            why: p.why.clone(),
        };
    }
    let mut correct = Vec::new();
    let mut observed = None;
    for c in &p.choices {
        if let Some(h) = &c.holds {
            let check = h.check(snap, events);
            if check.met {
                correct.push(c.id.clone());
                observed.get_or_insert(check.observed);
            }
        }
    }
    PredictionResult {
        correct,
        observed,
        why: p.why.clone(),
    }
}

/// Checks goals against a snapshot and the events of the window.
pub fn check_goals(goals: &[Goal], snap: &Snapshot, events: &[crate::Event]) -> Vec<GoalStatus> {
    goals
        .iter()
        .map(|g| GoalStatus {
            id: g.id.clone(),
            text: g.predicate.describe(),
            check: g.predicate.check(snap, events),
        })
        .collect()
}

/// What replaying one lesson step's reference solution gave.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepReport {
    /// The lesson step id.
    pub step: String,
    /// The goals after the demo, before the prediction's action and the solution.
    pub before: Vec<GoalStatus>,
    /// The goals after the solution.
    pub after: Vec<GoalStatus>,
    /// The engine's answer to the step's prediction.
    pub prediction: Option<PredictionResult>,
}

/// What replaying one challenge's reference solution gave.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChallengeReport {
    /// The challenge id.
    pub challenge: String,
    /// The goals before the solution ran.
    pub before: Vec<GoalStatus>,
    /// The goals after the solution ran.
    pub after: Vec<GoalStatus>,
}

/// The whole headless replay.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SolveReport {
    /// The lesson id.
    pub lesson: String,
    /// One report per lesson step, in order.
    pub steps: Vec<StepReport>,
    /// Replays of the challenges.
    pub challenges: Vec<ChallengeReport>,
    /// The presets applied, each on a fresh sandbox.
    pub presets: Vec<String>,
    /// The trace hash of the main replay (every step), for determinism checks.
    pub trace_hash: u64,
}

impl SolveReport {
    /// Every goal met after its solution, and every computed prediction has exactly one answer.
    pub fn solved(&self) -> bool {
        self.steps.iter().all(|s| {
            s.after.iter().all(|g| g.check.met)
                && s.prediction.as_ref().is_none_or(|p| p.correct.len() == 1)
        }) && self
            .challenges
            .iter()
            .all(|c| c.after.iter().all(|g| g.check.met))
    }

    /// Problems, one line each: goals unmet after the solution, goals all met before it (the
    /// solution would prove nothing), predictions without exactly one right choice.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for s in &self.steps {
            for g in s.after.iter().filter(|g| !g.check.met) {
                out.push(format!(
                    "step {}: goal {} not met: {} (observed: {})",
                    s.step, g.id, g.text.en, g.check.observed.en
                ));
            }
            if !s.before.is_empty() && s.before.iter().all(|g| g.check.met) {
                out.push(format!(
                    "step {}: every goal is already met before the solution runs",
                    s.step
                ));
            }
            if let Some(p) = &s.prediction {
                if p.correct.len() != 1 {
                    out.push(format!(
                        "step {}: the prediction has {} right choices ({:?}), not one",
                        s.step,
                        p.correct.len(),
                        p.correct
                    ));
                }
            }
        }
        for c in &self.challenges {
            for g in c.after.iter().filter(|g| !g.check.met) {
                out.push(format!(
                    "challenge {}: goal {} not met: {} (observed: {})",
                    c.challenge, g.id, g.text.en, g.check.observed.en
                ));
            }
            if c.before.iter().all(|g| g.check.met) {
                out.push(format!(
                    "challenge {}: every goal is already met before the solution runs",
                    c.challenge
                ));
            }
        }
        out
    }
}

/// Replays the lesson headless on a fresh cluster: for each step, its demo, then (goals checked:
/// `before`) the prediction's action (its answer computed), then the reference solution (goals
/// checked: `after`). Each challenge is replayed on its own fresh cluster.
pub fn solve(lesson: &Lesson) -> Result<SolveReport, RunError> {
    let mut run = LessonRun::new(lesson)?;
    let mut steps = Vec::new();
    for s in &lesson.steps {
        run.begin_window();
        run.apply_all(&s.demo);
        let before = run.check(&s.goals);
        let prediction = match &s.predict {
            None => None,
            Some(p) => {
                let since = run.cluster.events().len();
                run.apply_all(&p.action);
                Some(run.predict_result(p, since))
            }
        };
        run.apply_all(&s.solution);
        let after = run.check(&s.goals);
        steps.push(StepReport {
            step: s.id.clone(),
            before,
            after,
            prediction,
        });
    }
    let trace_hash = run.cluster.trace_hash();
    let mut challenges = Vec::new();
    for c in &lesson.challenges {
        let mut run = LessonRun::new(lesson)?;
        let before = run.check(&c.goals);
        run.apply_all(&c.solution);
        let after = run.check(&c.goals);
        challenges.push(ChallengeReport {
            challenge: c.id.clone(),
            before,
            after,
        });
    }
    // Presets are applied to their own fresh sandbox: they must run (the engine checks its
    // invariants after every input in debug builds and tests).
    let mut presets = Vec::new();
    for p in &lesson.presets {
        let mut run = LessonRun::new(lesson)?;
        run.apply_all(&p.steps);
        run.cluster.run_ms(1000);
        presets.push(p.id.clone());
    }
    Ok(SolveReport {
        lesson: lesson.id.clone(),
        steps,
        challenges,
        presets,
        trace_hash,
    })
}
