//! Messages between the page and the Web Worker that owns the engine.
//!
//! The page never touches engine state: it sends a [`Request`] and renders the [`Reply`] (a full
//! [`Snapshot`] plus the events the request caused). STYLE.md: "UI is a reducer over snapshots".

use crate::link::lesson::{LessonInput, LinkError};
use kplay_engine::lesson::run::{GoalStatus, PredictionResult};
use kplay_engine::snapshot::EnvelopeView;
use kplay_engine::{Command, Event, Snapshot};
use serde::{Deserialize, Serialize};

/// The largest amount of simulated time one request may advance, so the worker stays responsive.
pub const MAX_ADVANCE_MS: u64 = 60_000;

/// The longest "step to the next event" may wait before giving up.
pub const STEP_MAX_MS: u64 = 1_000;

/// Whether a request needs the lessons to be carried out.
pub fn needs_lessons(op: &Op) -> bool {
    matches!(
        op,
        Op::StartLesson { .. } | Op::LoadLesson { .. } | Op::StartChallenge { .. }
    )
}

/// What the page asks the worker to do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Op {
    /// Start over with a built-in scenario (by [`crate::demo::Preset::id`]).
    Reset { preset: String },
    /// Carry out one engine command at the current tick.
    Command(Command),
    /// Carry out engine commands later, each that many simulated ms from now (0: at once). They
    /// join the input log as scheduled inputs, so "Produce a stream" replays and shares like any
    /// other action.
    Schedule { commands: Vec<(u64, Command)> },
    /// Let simulated time pass (capped at [`MAX_ADVANCE_MS`]).
    Advance { ms: u64 },
    /// Advance tick by tick until something happens (at most [`STEP_MAX_MS`]).
    StepToNextEvent,
    /// Travel to a simulated time on the recorded timeline (rebuild and replay the inputs).
    Seek { ms: u64 },
    /// Open a shared run: a scenario, its recorded inputs, and the time to open it at.
    Load {
        preset: String,
        inputs: Vec<(u64, Command)>,
        at_ms: u64,
    },
    /// Start a lesson (by [`kplay_engine::lesson::Lesson::id`]): its starting scenario, then its
    /// first step begun (its demo runs). Time travel works as for a scenario.
    StartLesson { lesson: String },
    /// Go to a step of the lesson being played (by index): event goals count from now on and the
    /// step's demo runs.
    LessonStep { step: usize },
    /// Predict-then-observe: records the learner's choice, then runs the step's decisive action;
    /// the engine computes the right answer.
    LessonPredict { choice: String },
    /// "Show me": runs the current step's reference solution (after the prediction's action if
    /// it has not run yet). Not for a challenge.
    LessonSolve,
    /// Open a shared lesson run (`#lesson=v1/…`, [`crate::link::lesson`]): the lesson started at
    /// `step` (0-based; the lesson opened, then that step begun), then the inputs replayed at
    /// their simulated ms, then the view moved to `at_ms`. A run the link cannot reproduce (an
    /// input before the lesson gets to its time) opens the lesson at `step` with
    /// [`Reply::link_error`] saying why.
    LoadLesson {
        lesson: String,
        step: usize,
        inputs: Vec<(u64, LessonInput)>,
        at_ms: u64,
    },
    /// A "make it happen" challenge of a lesson (by id): a fresh run of the lesson's starting
    /// scenario, checked against the challenge's goals.
    StartChallenge { lesson: String, challenge: String },
    /// The lessons' JSON as the page fetched it ([`crate::lessons::FILE`]), sent once, right
    /// before the page's first lesson request (the page has the text already, so the worker
    /// never fetches it again, and a sandbox-only visit never pays for parsing it twice).
    /// Ignored when the worker has its lessons already.
    InstallLessons { json: String },
    /// Runs the engine benchmark's largest shape ([`crate::sim::bench_large`]) for `sim_ms` in
    /// the worker and reports its wall time in [`Reply::bench_wall_ms`] (the perf script compares
    /// it with the native `cargo bench`). The learner's cluster is not touched.
    Bench { sim_ms: u64 },
}

/// The lesson being played, as the worker sees it after a request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LessonStatus {
    /// The lesson id.
    pub lesson: String,
    /// The current step (index into the lesson's steps).
    pub step: usize,
    /// The current step's checklist, checked on this reply's snapshot and the step's events.
    pub goals: Vec<GoalStatus>,
    /// The learner's prediction at this step, once made.
    pub predicted: Option<String>,
    /// The engine's answer, once the decisive action has run.
    pub prediction: Option<PredictionResult>,
    /// Per step: every goal was met at some point (a step without goals: visited). For a
    /// challenge: one entry, the challenge solved.
    pub done: Vec<bool>,
    /// The challenge being played instead of the lesson's steps, if any.
    #[serde(default)]
    pub challenge: Option<String>,
    /// The share link of the run as it is now (`#lesson=v1/…`: the inputs up to now, opened at
    /// now), or why it cannot be one (too long). `None` for a challenge.
    #[serde(default)]
    pub share: Option<Result<String, LinkError>>,
}

/// One learner input on the timeline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InputMark {
    pub at_ms: u64,
    /// e.g. `crash broker-2`, `acks=1`, `produce`.
    pub label: String,
    /// The share-link code (`c2`, `a1`, `p`), if the input can be shared.
    pub code: Option<String>,
}

/// The recorded timeline: where it starts, how far it reaches, and the inputs on it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    /// The earliest time one can seek to (the end of the scenario's warm-up).
    pub start_ms: u64,
    /// The furthest time reached; `snapshot.now_ms < head_ms` means the view is rewound.
    pub head_ms: u64,
    pub inputs: Vec<InputMark>,
    /// The active controller when the timeline starts: a rebuilt run (reset, seek, shared link)
    /// replays every event from there, and the quorum guide needs to know who was active.
    #[serde(default)]
    pub start_active_controller: Option<u32>,
}

/// A request with a sequence number the reply echoes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub seq: u64,
    pub op: Op,
}

/// The worker's answer to one [`Request`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    /// The [`Request::seq`] this answers.
    pub seq: u64,
    /// True when the cluster was rebuilt: the page drops its event log.
    pub reset: bool,
    /// The scenario currently loaded.
    pub preset: String,
    /// The whole cluster after the request.
    pub snapshot: Snapshot,
    /// The events the request caused, oldest first.
    pub events: Vec<Event>,
    /// Envelopes seen on the wire while the request ran (sampled), oldest first; the snapshot only
    /// holds the ones still in flight at the end.
    pub wire: Vec<EnvelopeView>,
    /// The recorded timeline, for the scrubber.
    pub timeline: Timeline,
    /// The run's determinism fingerprint, as 16 hex digits (a `u64` does not fit a JS number).
    pub trace_hash: String,
    /// Set when the request could not be carried out at all (e.g. the cluster failed to build).
    pub error: Option<String>,
    /// The lesson being played, if the run started from a lesson.
    #[serde(default)]
    pub lesson: Option<LessonStatus>,
    /// The answer to [`Op::Bench`]: (simulated ms, wall ms).
    #[serde(default)]
    pub bench_wall_ms: Option<(u64, f64)>,
    /// Why the lesson link of an [`Op::LoadLesson`] could not be replayed.
    #[serde(default)]
    pub link_error: Option<LinkError>,
}
