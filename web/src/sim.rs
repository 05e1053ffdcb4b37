//! The engine host: the one place that owns a [`Cluster`] and turns [`Op`]s into [`Reply`]s.
//!
//! It is plain Rust (no browser APIs) so the wasm tests can drive it directly, and the Web Worker
//! is a thin wrapper around it.

use crate::demo::{self, Preset};
use crate::protocol::{Op, Reply, Request, MAX_ADVANCE_MS, STEP_MAX_MS};
use kplay_engine::snapshot::EnvelopeView;
use kplay_engine::{Cluster, Event, Input};

/// How many times one advance looks at the wire. Envelopes live for a few simulated milliseconds,
/// so without sampling a 50 ms frame would almost never catch one in flight.
const WIRE_SAMPLES_MAX: u64 = 100;

/// How many sampled envelopes a reply carries at most.
const WIRE_MAX: usize = 64;

/// Owns the simulated cluster of the current scenario.
pub struct Sim {
    preset: Preset,
    cluster: Option<Cluster>,
    error: Option<String>,
}

impl Default for Sim {
    fn default() -> Self {
        Sim::new(Preset::Payments)
    }
}

impl Sim {
    /// Builds a scenario: creates the cluster, runs the setup commands and the warm-up.
    pub fn new(preset: Preset) -> Self {
        match Cluster::new(&demo::cluster_spec()) {
            Ok(mut cluster) => {
                for c in demo::setup(preset) {
                    cluster.step(Input::Command(c));
                }
                cluster.run_ms(demo::WARMUP_MS);
                Sim {
                    preset,
                    cluster: Some(cluster),
                    error: None,
                }
            }
            Err(e) => Sim {
                preset,
                cluster: None,
                error: Some(e.to_string()),
            },
        }
    }

    /// The cluster, if it could be built.
    pub fn cluster(&self) -> Option<&Cluster> {
        self.cluster.as_ref()
    }

    /// Handles one request and builds the reply.
    pub fn handle(&mut self, req: Request) -> Reply {
        let mut reset = false;
        let mut error = None;
        let mut wire: Vec<EnvelopeView> = Vec::new();
        let events: Vec<Event> = match req.op {
            Op::Reset { preset } => {
                let preset = Preset::from_id(&preset).unwrap_or(Preset::Payments);
                *self = Sim::new(preset);
                reset = true;
                self.cluster
                    .as_ref()
                    .map(|c| c.events().to_vec())
                    .unwrap_or_default()
            }
            Op::Command(command) => match self.cluster.as_mut() {
                Some(c) => c.step(Input::Command(command)),
                None => Vec::new(),
            },
            Op::Advance { ms } => match self.cluster.as_mut() {
                Some(c) => advance_sampling_wire(c, ms.min(MAX_ADVANCE_MS), &mut wire),
                None => Vec::new(),
            },
            Op::StepToNextEvent => match self.cluster.as_mut() {
                Some(c) => step_to_next_event(c),
                None => Vec::new(),
            },
        };
        if self.cluster.is_none() {
            error = self
                .error
                .clone()
                .or_else(|| Some("the cluster could not be built".to_string()));
        }
        self.reply(req.seq, reset, events, wire, error)
    }

    fn reply(
        &self,
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
        merge_wire(&mut wire, &snapshot.envelopes);
        if wire.len() > WIRE_MAX {
            wire.drain(..wire.len() - WIRE_MAX);
        }
        Reply {
            seq,
            reset,
            preset: self.preset.id().to_string(),
            snapshot,
            events,
            wire,
            trace_hash: demo::hash_hex(hash),
            error,
        }
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
        merge_wire(wire, &c.snapshot().envelopes);
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

/// Ticks until at least one event happens, or [`STEP_MAX_MS`] passes.
fn step_to_next_event(c: &mut Cluster) -> Vec<Event> {
    for _ in 0..STEP_MAX_MS {
        let events = c.step(Input::Tick);
        if !events.is_empty() {
            return events;
        }
    }
    Vec::new()
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
        brokers: Vec::new(),
        topics: Vec::new(),
        producers: Vec::new(),
        requests: Vec::new(),
        envelopes: Vec::new(),
        metrics: Metrics::default(),
    }
}
