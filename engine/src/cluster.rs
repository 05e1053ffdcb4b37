//! STUB — being replaced by the real implementation. Public signatures are final.
use crate::command::{ClusterSpec, Input};
use crate::config::ConfigError;
use crate::events::Event;
use crate::snapshot::Snapshot;

/// The whole simulated cluster.
#[derive(Clone, Debug)]
pub struct Cluster {
    events: Vec<Event>,
    now_ms: u64,
    seed: u64,
}

impl Cluster {
    /// Builds a cluster from a spec; config errors use Kafka's wording.
    pub fn new(spec: &ClusterSpec) -> Result<Cluster, ConfigError> {
        Ok(Cluster { events: vec![], now_ms: 0, seed: spec.seed })
    }
    /// The one entry point: a tick or a command in, events out.
    pub fn step(&mut self, input: Input) -> Vec<Event> {
        if let Input::Tick = input { self.now_ms += 1; }
        vec![]
    }
    /// Runs `ms` simulated milliseconds of ticks and returns the events.
    pub fn run_ms(&mut self, ms: u64) -> Vec<Event> {
        let mut out = vec![];
        for _ in 0..ms { out.extend(self.step(Input::Tick)); }
        out
    }
    pub fn now_ms(&self) -> u64 { self.now_ms }
    /// Every event since the start.
    pub fn events(&self) -> &[Event] { &self.events }
    /// FNV-1a of all event lines.
    pub fn trace_hash(&self) -> u64 { crate::events::trace_hash(&self.events) }
    pub fn snapshot(&self) -> Snapshot {
        use crate::snapshot::*;
        Snapshot { now_ms: self.now_ms, seed: self.seed, controller: ControllerView { node_id: 0, registrations: vec![] }, brokers: vec![], topics: vec![], producers: vec![], requests: vec![], envelopes: vec![], metrics: Metrics::default() }
    }
    /// Checks Kafka's invariants; Err names the broken one.
    pub fn check_invariants(&self) -> Result<(), String> { Ok(()) }
    pub fn seed(&self) -> u64 { self.seed }
}
