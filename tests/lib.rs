//! Shared helpers for the cross-crate tests.

use kplay_engine::{
    Cluster, ClusterSpec, Command, Event, EventKind, Input, KafkaError, ProduceOutcome,
};
use std::collections::BTreeMap;

/// A cluster of brokers 1..=n with one topic and one producer "p" with the given acks.
pub fn cluster_with_topic(
    seed: u64,
    brokers: u32,
    topic: &str,
    partitions: u32,
    rf: u32,
    min_isr: u32,
    acks: &str,
) -> Cluster {
    build(seed, brokers, &[], topic, partitions, rf, min_isr, acks)
}

/// Brokers 1, 2, 3 with broker/simulation config overrides, topic "t" (1 partition, RF 3,
/// min.insync.replicas 1) and producer "p" with the given acks.
pub fn cluster_with_broker_configs(seed: u64, configs: &[(&str, &str)], acks: &str) -> Cluster {
    build(seed, 3, configs, "t", 1, 3, 1, acks)
}

#[allow(clippy::too_many_arguments)]
fn build(
    seed: u64,
    brokers: u32,
    configs: &[(&str, &str)],
    topic: &str,
    partitions: u32,
    rf: u32,
    min_isr: u32,
    acks: &str,
) -> Cluster {
    let configs = configs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let spec = ClusterSpec {
        brokers: (1..=brokers).collect(),
        controllers: vec![],
        node_configs: BTreeMap::new(),
        seed,
        configs,
    };
    let mut c = Cluster::new(&spec).expect("valid spec");
    let configs = BTreeMap::from([("min.insync.replicas".to_string(), min_isr.to_string())]);
    c.step(Input::Command(Command::CreateTopic {
        name: topic.into(),
        partitions,
        replication_factor: rf,
        configs,
    }));
    // One record per request, sent at once, never retried: each produce shows one broker rule.
    // (The producer's own batching, retries and idempotence are tested in tests/producer.rs.)
    let pc = BTreeMap::from([
        ("acks".to_string(), acks.to_string()),
        ("retries".to_string(), "0".to_string()),
        ("linger.ms".to_string(), "0".to_string()),
    ]);
    c.step(Input::Command(Command::AddProducer {
        name: "p".into(),
        configs: pc,
    }));
    c.run_ms(50);
    c
}

/// The offset of a successful produce outcome.
pub fn ok(o: &Option<ProduceOutcome>) -> Option<i64> {
    match o {
        Some(ProduceOutcome::Ok { offset }) => Some(*offset),
        _ => None,
    }
}

/// The Kafka error of a failed produce outcome.
pub fn err(o: &Option<ProduceOutcome>) -> Option<KafkaError> {
    match o {
        Some(ProduceOutcome::Err { error, .. }) => Some(*error),
        _ => None,
    }
}

/// Sends one record with producer "p" without waiting for its outcome.
pub fn send(c: &mut Cluster, topic: &str, key: Option<&str>, value: &str) -> Vec<Event> {
    cmd(
        c,
        Command::Produce {
            producer: "p".into(),
            topic: topic.into(),
            partition: None,
            key: key.map(String::from),
            value: Some(value.into()),
        },
    )
}

/// Runs a command and returns its events.
pub fn cmd(c: &mut Cluster, command: Command) -> Vec<Event> {
    c.step(Input::Command(command))
}

/// Produces one record with producer "p" and runs until it completes (at most `max_ms`).
pub fn produce_and_wait(
    c: &mut Cluster,
    topic: &str,
    key: Option<&str>,
    value: &str,
    max_ms: u64,
) -> Option<ProduceOutcome> {
    let evs = send(c, topic, key, value);
    let mut id = None;
    for e in &evs {
        match &e.kind {
            EventKind::RecordAccumulated { id: i, .. } => id = Some(*i),
            EventKind::ProduceCompleted { outcome, .. } => return Some(outcome.clone()),
            _ => {}
        }
    }
    let id = id?;
    for _ in 0..max_ms {
        for e in c.step(Input::Tick) {
            if let EventKind::ProduceCompleted { id: i, outcome, .. } = e.kind {
                if i == id {
                    return Some(outcome);
                }
            }
        }
    }
    None
}

/// The broker ids of a partition's ISR as the controller has it, sorted.
pub fn isr(c: &Cluster, topic: &str, partition: u32) -> Vec<u32> {
    let s = c.snapshot();
    let t = s
        .topics
        .iter()
        .find(|t| t.name == topic)
        .expect("topic exists");
    let mut v: Vec<u32> = t.partitions[partition as usize]
        .isr
        .iter()
        .map(|b| b.0)
        .collect();
    v.sort_unstable();
    v
}

/// The leader of a partition, as the controller has it.
pub fn leader(c: &Cluster, topic: &str, partition: u32) -> Option<u32> {
    let s = c.snapshot();
    let t = s
        .topics
        .iter()
        .find(|t| t.name == topic)
        .expect("topic exists");
    t.partitions[partition as usize].leader.map(|b| b.0)
}
