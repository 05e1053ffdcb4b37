//! The engine host: the one place that owns a [`Cluster`] and turns [`Op`]s into [`Reply`]s.
//!
//! It is plain Rust (no browser APIs) so the wasm tests can drive it directly, and the Web Worker
//! is a thin wrapper around it.

use crate::demo::{self, Preset};
use crate::protocol::{Op, Reply, Request, MAX_ADVANCE_MS, STEP_MAX_MS};
use kplay_engine::{Cluster, Event, Input};

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
                Some(c) => c.run_ms(ms.min(MAX_ADVANCE_MS)),
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
        self.reply(req.seq, reset, events, error)
    }

    fn reply(&self, seq: u64, reset: bool, events: Vec<Event>, error: Option<String>) -> Reply {
        let (snapshot, hash) = match &self.cluster {
            Some(c) => (c.snapshot(), c.trace_hash()),
            None => (empty_snapshot(), 0),
        };
        Reply {
            seq,
            reset,
            preset: self.preset.id().to_string(),
            snapshot,
            events,
            trace_hash: demo::hash_hex(hash),
            error,
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
