//! Goals: a small, closed vocabulary of predicates over the engine's [`Snapshot`] and [`Event`]s.
//!
//! A goal is data (`isr = { topic = "payments", partition = 0, equals = [1, 3] }`), checked by
//! [`Predicate::check`] and described by [`Predicate::describe`] — the checklist text a learner
//! sees is rendered from the very predicate that is checked, in both languages, so the text can
//! never disagree with the check (Learn Git Branching's most common complaint). Extra state never
//! fails a goal: every predicate asks for something to be true, not for nothing else to be.
//!
//! State predicates look at the cluster now; event predicates look at the events since the
//! lesson step (or challenge) began. Adding a predicate (e.g. consumer groups) means one enum
//! variant, one raw table in `parse.rs`, one arm each in `check` and `describe`.

use super::Text;
use crate::config::Acks;
use crate::errors::KafkaError;
use crate::events::{ChangeReason, Event, EventKind, ProduceOutcome};
use crate::ids::TopicPartition;
use crate::partitioner::{murmur2, to_positive};
use crate::snapshot::{PartitionView, Snapshot};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A broker's state as the learner sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BrokerState {
    /// Running and unfenced: it can lead partitions.
    Up,
    /// The process is not running.
    Down,
    /// Running or not, the controller has fenced it.
    Fenced,
}

/// A numeric comparison: `equals`, `at_least` or `at_most` (exactly one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Compare {
    /// Equal to.
    Equals(i64),
    /// At least.
    AtLeast(i64),
    /// At most.
    AtMost(i64),
}

impl Compare {
    pub(super) fn holds(self, v: i64) -> bool {
        match self {
            Compare::Equals(x) => v == x,
            Compare::AtLeast(x) => v >= x,
            Compare::AtMost(x) => v <= x,
        }
    }

    pub(super) fn text(self, scale: i64) -> Text {
        let n = |x: i64| fmt_scaled(x, scale);
        match self {
            Compare::Equals(x) => Text::new(format!("= {}", n(x)), format!("= {}", n(x))),
            Compare::AtLeast(x) => Text::new(format!("≥ {}", n(x)), format!("≥ {}", n(x))),
            Compare::AtMost(x) => Text::new(format!("≤ {}", n(x)), format!("≤ {}", n(x))),
        }
    }
}

fn fmt_scaled(x: i64, scale: i64) -> String {
    if scale == 1 {
        x.to_string()
    } else {
        format!("{}.{:02}", x / scale, (x % scale).abs())
    }
}

/// The metrics a goal may compare, by Kafka's metric names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Metric {
    /// `UnderReplicatedPartitions`.
    UnderReplicatedPartitions,
    /// `UnderMinIsrPartitionCount`.
    UnderMinIsrPartitionCount,
    /// `OfflinePartitionsCount`.
    OfflinePartitionsCount,
    /// `ActiveBrokerCount`.
    ActiveBrokerCount,
    /// `FencedBrokerCount`.
    FencedBrokerCount,
    /// `ActiveControllerCount`.
    ActiveControllerCount,
    /// `MaxLag` (records).
    MaxLag,
    /// The producer's `record-send-total`.
    RecordSendTotal,
    /// `record-error-total`.
    RecordErrorTotal,
    /// `record-retry-total`.
    RecordRetryTotal,
    /// `batch-size-avg` (bytes).
    BatchSizeAvg,
    /// `records-per-request-avg`, in hundredths.
    RecordsPerRequestAvg,
    /// `compression-rate-avg`, in hundredths.
    CompressionRateAvg,
}

/// Metric names as written in lessons (Kafka's own).
pub const METRICS: &[(&str, Metric)] = &[
    (
        "UnderReplicatedPartitions",
        Metric::UnderReplicatedPartitions,
    ),
    (
        "UnderMinIsrPartitionCount",
        Metric::UnderMinIsrPartitionCount,
    ),
    ("OfflinePartitionsCount", Metric::OfflinePartitionsCount),
    ("ActiveBrokerCount", Metric::ActiveBrokerCount),
    ("FencedBrokerCount", Metric::FencedBrokerCount),
    ("ActiveControllerCount", Metric::ActiveControllerCount),
    ("MaxLag", Metric::MaxLag),
    ("record-send-total", Metric::RecordSendTotal),
    ("record-error-total", Metric::RecordErrorTotal),
    ("record-retry-total", Metric::RecordRetryTotal),
    ("batch-size-avg", Metric::BatchSizeAvg),
    ("records-per-request-avg", Metric::RecordsPerRequestAvg),
    ("compression-rate-avg", Metric::CompressionRateAvg),
];

impl Metric {
    /// Kafka's name for the metric.
    pub fn name(self) -> &'static str {
        METRICS
            .iter()
            .find(|(_, m)| *m == self)
            .map_or("?", |(n, _)| n)
    }

    /// Values of ratio metrics are compared in hundredths (`compression-rate-avg` 0.25 is 25).
    pub fn scale(self) -> i64 {
        match self {
            Metric::RecordsPerRequestAvg | Metric::CompressionRateAvg => 100,
            _ => 1,
        }
    }

    fn value(self, s: &Snapshot) -> i64 {
        let m = &s.metrics;
        (match self {
            Metric::UnderReplicatedPartitions => m.under_replicated_partitions as u64,
            Metric::UnderMinIsrPartitionCount => m.under_min_isr_partition_count as u64,
            Metric::OfflinePartitionsCount => m.offline_partitions_count as u64,
            Metric::ActiveBrokerCount => m.active_broker_count as u64,
            Metric::FencedBrokerCount => m.fenced_broker_count as u64,
            Metric::ActiveControllerCount => m.active_controller_count as u64,
            Metric::MaxLag => m.max_lag,
            Metric::RecordSendTotal => m.record_send_total,
            Metric::RecordErrorTotal => m.record_error_total,
            Metric::RecordRetryTotal => m.record_retry_total,
            Metric::BatchSizeAvg => m.batch_size_avg,
            Metric::RecordsPerRequestAvg => m.records_per_request_avg_x100,
            Metric::CompressionRateAvg => m.compression_rate_avg_x100,
        }) as i64
    }
}

/// The outcome a produce goal asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Acknowledged.
    Ok,
    /// Failed with this error.
    Err(KafkaError),
}

/// Which completed produce calls a `produce` goal counts. `None` fields match anything.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProduceFilter {
    /// The producer's name.
    pub producer: Option<String>,
    /// The topic.
    pub topic: Option<String>,
    /// The partition number.
    pub partition: Option<u32>,
    /// The record's key.
    pub key: Option<String>,
    /// The record's value.
    pub value: Option<String>,
    /// Only writes sent with this acks.
    pub acks: Option<Acks>,
    /// `ok` or the Kafka error the call failed with.
    pub outcome: Option<Outcome>,
    /// How the partition was chosen: `murmur2`, `sticky`, `round-robin`, `explicit`, `custom rule`.
    pub partitioner: Option<String>,
    /// The offset the client was told (acks=0 always gets -1).
    #[serde(default)]
    pub offset: Option<i64>,
}

/// One goal predicate. State predicates are about the cluster now; event predicates about the
/// events since the step began.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Predicate {
    /// The committed ISR of a partition is exactly this set.
    Isr {
        /// The topic-partition.
        tp: TopicPartition,
        /// Broker ids, sorted.
        brokers: Vec<u32>,
    },
    /// This broker leads the partition.
    Leader {
        /// The topic-partition.
        tp: TopicPartition,
        /// The broker id.
        broker: u32,
    },
    /// The partition has no leader (`OfflinePartitionsCount` counts it).
    Offline {
        /// The topic-partition.
        tp: TopicPartition,
    },
    /// A broker is up, down or fenced.
    BrokerState {
        /// The broker id.
        broker: u32,
        /// The broker state asked for.
        state: BrokerState,
    },
    /// The topic has this many partitions.
    PartitionCount {
        /// The topic.
        topic: String,
        /// The partition count.
        count: u32,
    },
    /// The leader's high watermark compared with a number.
    HighWatermark {
        /// The topic-partition.
        tp: TopicPartition,
        /// The comparison.
        cmp: Compare,
    },
    /// A Kafka metric compared with a number.
    Metric {
        /// The metric.
        metric: Metric,
        /// The comparison.
        cmp: Compare,
    },
    /// This controller is the active controller.
    ActiveController {
        /// The controller (quorum voter) id.
        controller: u32,
    },
    /// A topic config has this value (explicit or default).
    TopicConfig {
        /// The topic.
        topic: String,
        /// The Kafka config key.
        key: String,
        /// The value, in Kafka's string form.
        value: String,
    },
    /// A producer config has this value (explicit or default).
    ProducerConfig {
        /// The producer's name.
        producer: String,
        /// The Kafka config key.
        key: String,
        /// The value, in Kafka's string form.
        value: String,
    },
    /// The leader's log holds exactly these values, in this order.
    LogValues {
        /// The topic-partition.
        tp: TopicPartition,
        /// Record values, oldest first.
        values: Vec<String>,
    },
    /// Event: a produce call completed that matches the filter.
    Produce(ProduceFilter),
    /// Event + state: an acknowledged write is no longer in the leader's log at its offset.
    AckedWriteLost {
        /// The topic.
        topic: String,
        /// Only writes sent with this acks.
        acks: Option<Acks>,
    },
    /// Event: a follower truncated records it had (KIP-101).
    Truncated {
        /// The topic.
        topic: String,
        /// The broker id.
        broker: Option<u32>,
    },
    /// Event: the leader recognised a retried idempotent batch and did not append it again.
    DuplicateBatch {
        /// The topic.
        topic: String,
    },
    /// Event: a producer batch was retried (optionally after this error).
    BatchRetried {
        /// The producer's name.
        producer: String,
        /// The Kafka error.
        error: Option<KafkaError>,
    },
    /// Event: a command failed with this error.
    CommandFailed {
        /// The command name (`Command::name`).
        command: String,
        /// The Kafka error.
        error: KafkaError,
    },
    /// Event: the controller gave the partition a new leader (optionally this broker).
    LeaderElected {
        /// The topic-partition.
        tp: TopicPartition,
        /// The broker id.
        broker: Option<u32>,
    },
    /// Event: the controller quorum elected a leader (optionally this controller).
    QuorumLeaderElected {
        /// The controller (quorum voter) id.
        controller: Option<u32>,
    },
    /// Event: a producer sent a batch with at least `records_at_least` records and at most
    /// `bytes_at_most` bytes on the wire (after `compression.type`).
    BatchSent {
        /// The producer's name.
        producer: String,
        /// At least this many records in the batch.
        records_at_least: Option<u32>,
        /// At most this many bytes on the wire.
        bytes_at_most: Option<u64>,
    },
    /// Consumers, groups, offsets, the delivery ledger, transactions and the log a consumer
    /// reads (sections 六–九), in `goal_consume.rs`.
    Consume(super::goal_consume::ConsumePredicate),
}

/// What the engine says about one predicate now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// Whether the predicate holds now.
    pub met: bool,
    /// What was observed (the evidence, or why not yet), in both languages.
    pub observed: Text,
}

fn set_text(ids: &[u32]) -> String {
    let v: Vec<String> = ids.iter().map(|b| b.to_string()).collect();
    format!("{{{}}}", v.join(","))
}

fn partition<'a>(s: &'a Snapshot, tp: &TopicPartition) -> Option<&'a PartitionView> {
    s.topics
        .iter()
        .find(|t| t.name == tp.topic)
        .and_then(|t| t.partitions.get(tp.partition as usize))
}

fn leader_values(p: &PartitionView) -> Option<Vec<(i64, Option<String>, Option<String>)>> {
    let leader = p.leader?;
    let r = p.replica_states.iter().find(|r| r.broker == leader)?;
    Some(
        r.records
            .iter()
            .map(|x| (x.offset.0 as i64, x.key.clone(), x.value.clone()))
            .collect(),
    )
}

fn outcome_text(o: &ProduceOutcome) -> String {
    match o {
        ProduceOutcome::Ok { offset } => format!("ok offset={offset}"),
        ProduceOutcome::Err { error, .. } => error.name().to_string(),
    }
}

fn yes(observed: Text) -> Check {
    Check {
        met: true,
        observed,
    }
}

fn no(observed: Text) -> Check {
    Check {
        met: false,
        observed,
    }
}

fn not_seen() -> Check {
    no(Text::new("尚未发生", "not yet"))
}

/// The explanation of a keyed record's partition: the real formula with its numbers.
pub fn key_partition_text(key: &str, partitions: u32) -> String {
    let h = murmur2(key.as_bytes());
    let p = to_positive(h) as u32 % partitions.max(1);
    format!("toPositive(murmur2(\"{key}\")) % {partitions} = toPositive({h}) % {partitions} = {p}")
}

impl Predicate {
    /// Whether this predicate reads events (so its window matters) rather than state only.
    pub fn is_event(&self) -> bool {
        matches!(
            self,
            Predicate::Produce(_)
                | Predicate::AckedWriteLost { .. }
                | Predicate::Truncated { .. }
                | Predicate::DuplicateBatch { .. }
                | Predicate::BatchRetried { .. }
                | Predicate::CommandFailed { .. }
                | Predicate::LeaderElected { .. }
                | Predicate::QuorumLeaderElected { .. }
                | Predicate::BatchSent { .. }
        ) || matches!(self, Predicate::Consume(c) if c.is_event())
    }

    /// Checks the predicate against the cluster now (`snap`) and the events since the step began
    /// (`events`).
    pub fn check(&self, snap: &Snapshot, events: &[Event]) -> Check {
        match self {
            Predicate::Consume(c) => c.check(snap, events),
            Predicate::Isr { tp, brokers } => match partition(snap, tp) {
                None => no(Text::same(format!("{tp}: —"))),
                Some(p) => {
                    let mut isr: Vec<u32> = p.isr.iter().map(|b| b.0).collect();
                    isr.sort_unstable();
                    let t = Text::same(format!("{tp} ISR = {}", set_text(&isr)));
                    if &isr == brokers {
                        yes(t)
                    } else {
                        no(t)
                    }
                }
            },
            Predicate::Leader { tp, broker } => match partition(snap, tp) {
                None => no(Text::same(format!("{tp}: —"))),
                Some(p) => {
                    let l = p.leader.map_or("none".to_string(), |b| b.0.to_string());
                    let t = Text::new(format!("{tp} leader = {l}"), format!("{tp} leader = {l}"));
                    if p.leader.map(|b| b.0) == Some(*broker) {
                        yes(t)
                    } else {
                        no(t)
                    }
                }
            },
            Predicate::Offline { tp } => match partition(snap, tp) {
                None => no(Text::same(format!("{tp}: —"))),
                Some(p) => match p.leader {
                    None => yes(Text::new(
                        format!("{tp} 没有 leader"),
                        format!("{tp} has no leader"),
                    )),
                    Some(b) => no(Text::same(format!("{tp} leader = {}", b.0))),
                },
            },
            Predicate::BrokerState { broker, state } => {
                let Some(b) = snap.brokers.iter().find(|b| b.id.0 == *broker) else {
                    return not_seen();
                };
                let now = if !b.alive {
                    BrokerState::Down
                } else if b.fenced {
                    BrokerState::Fenced
                } else {
                    BrokerState::Up
                };
                let met = match state {
                    BrokerState::Fenced => b.fenced,
                    s => *s == now,
                };
                let t = state_text(*broker, now);
                if met {
                    yes(t)
                } else {
                    no(t)
                }
            }
            Predicate::PartitionCount { topic, count } => {
                let n = snap
                    .topics
                    .iter()
                    .find(|t| &t.name == topic)
                    .map_or(0, |t| t.partitions.len() as u32);
                let t = Text::new(
                    format!("{topic}: {n} 个分区"),
                    format!("{topic}: {n} partitions"),
                );
                if n == *count {
                    yes(t)
                } else {
                    no(t)
                }
            }
            Predicate::HighWatermark { tp, cmp } => {
                let hw = partition(snap, tp).and_then(|p| p.high_watermark);
                match hw {
                    None => no(Text::new(
                        format!("{tp}: 没有在线 leader"),
                        format!("{tp}: no live leader"),
                    )),
                    Some(hw) => {
                        let t = Text::same(format!("{tp} HW = {}", hw.0));
                        if cmp.holds(hw.0 as i64) {
                            yes(t)
                        } else {
                            no(t)
                        }
                    }
                }
            }
            Predicate::Metric { metric, cmp } => {
                let v = metric.value(snap);
                let t = Text::same(format!(
                    "{} = {}",
                    metric.name(),
                    fmt_scaled(v, metric.scale())
                ));
                if cmp.holds(v) {
                    yes(t)
                } else {
                    no(t)
                }
            }
            Predicate::ActiveController { controller } => {
                let a = snap.quorum.active_controller;
                let t = match a {
                    Some(c) => Text::new(
                        format!("活跃控制器: {c}"),
                        format!("active controller: {c}"),
                    ),
                    None => Text::new("没有活跃控制器", "no active controller"),
                };
                if a == Some(*controller) {
                    yes(t)
                } else {
                    no(t)
                }
            }
            Predicate::TopicConfig { topic, key, value } => {
                let Some(t) = snap.topics.iter().find(|t| &t.name == topic) else {
                    return not_seen();
                };
                let now = if key == "min.insync.replicas" {
                    t.min_insync_replicas.to_string()
                } else {
                    t.configs.get(key).cloned().unwrap_or_else(|| {
                        crate::config::config_def(crate::config::ConfigScope::Topic, key)
                            .map_or(String::new(), |d| d.default.to_string())
                    })
                };
                let txt = Text::same(format!("{topic} {key}={now}"));
                if &now == value {
                    yes(txt)
                } else {
                    no(txt)
                }
            }
            Predicate::ProducerConfig {
                producer,
                key,
                value,
            } => {
                let Some(p) = snap.producers.iter().find(|p| &p.name == producer) else {
                    return not_seen();
                };
                let now = match key.as_str() {
                    "acks" => p.acks.to_string(),
                    "enable.idempotence" => p.idempotent.to_string(),
                    _ => p.configs.get(key).cloned().unwrap_or_else(|| {
                        crate::config::config_def(crate::config::ConfigScope::Producer, key)
                            .map_or(String::new(), |d| d.default.to_string())
                    }),
                };
                let want = if key == "acks" && value == "-1" {
                    "all"
                } else {
                    value.as_str()
                };
                let txt = Text::same(format!("{producer} {key}={now}"));
                if now == want {
                    yes(txt)
                } else {
                    no(txt)
                }
            }
            Predicate::LogValues { tp, values } => {
                let Some(log) = partition(snap, tp).and_then(leader_values) else {
                    return no(Text::new(
                        format!("{tp}: 没有在线 leader"),
                        format!("{tp}: no live leader"),
                    ));
                };
                // A tombstone shows (and compares) as `null`.
                let now: Vec<String> = log
                    .iter()
                    .map(|(_, _, v)| v.clone().unwrap_or_else(|| "null".into()))
                    .collect();
                let shown: Vec<String> = log
                    .iter()
                    .zip(&now)
                    .map(|((o, _, _), v)| format!("{o}:{v}"))
                    .collect();
                let t = Text::new(
                    format!("{tp} leader 日志: [{}]", shown.join(" ")),
                    format!("{tp} leader log: [{}]", shown.join(" ")),
                );
                if &now == values {
                    yes(t)
                } else {
                    no(t)
                }
            }
            Predicate::Produce(f) => check_produce(f, snap, events),
            Predicate::AckedWriteLost { topic, acks } => check_lost(topic, *acks, snap, events),
            Predicate::Truncated { topic, broker } => {
                for e in events {
                    if let EventKind::Truncated {
                        broker: b,
                        tp,
                        from,
                        to,
                        lost,
                    } = &e.kind
                    {
                        if &tp.topic == topic && *lost > 0 && broker.is_none_or(|x| x == b.0) {
                            return yes(Text::new(
                                format!("broker {} 把 {tp} 从 {} 截断到 {}（丢掉 {lost} 条）", b.0, from.0, to.0),
                                format!("broker {} truncated {tp} from {} to {} ({lost} record(s) gone)", b.0, from.0, to.0),
                            ));
                        }
                    }
                }
                not_seen()
            }
            Predicate::DuplicateBatch { topic } => {
                for e in events {
                    if let EventKind::DuplicateBatch {
                        tp,
                        base_sequence,
                        base_offset,
                        ..
                    } = &e.kind
                    {
                        if &tp.topic == topic {
                            return yes(Text::new(
                                format!("{tp}: 序列号 {base_sequence} 的重复批次，返回原 offset {}", base_offset.0),
                                format!("{tp}: duplicate of sequence {base_sequence}, answered with its original offset {}", base_offset.0),
                            ));
                        }
                    }
                }
                not_seen()
            }
            Predicate::BatchRetried { producer, error } => {
                for e in events {
                    if let EventKind::BatchRetrying {
                        producer: p,
                        error: err,
                        attempt,
                        tp,
                        ..
                    } = &e.kind
                    {
                        if p == producer && error.is_none_or(|x| x == *err) {
                            return yes(Text::new(
                                format!("{p} 重试 {tp} 的批次（{err}，第 {attempt} 次尝试）"),
                                format!("{p} retried a batch for {tp} ({err}, attempt {attempt})"),
                            ));
                        }
                    }
                }
                not_seen()
            }
            Predicate::CommandFailed { command, error } => {
                for e in events {
                    if let EventKind::CommandFailed {
                        command: c,
                        error: err,
                        message,
                    } = &e.kind
                    {
                        if c == command && err == error {
                            return yes(Text::same(format!("{c}: {err} ({message})")));
                        }
                    }
                }
                not_seen()
            }
            Predicate::LeaderElected { tp, broker } => {
                for e in events {
                    if let EventKind::PartitionChanged {
                        tp: t,
                        leader: Some(l),
                        leader_epoch,
                        reason,
                        ..
                    } = &e.kind
                    {
                        if t == tp
                            && *reason != ChangeReason::TopicCreated
                            && broker.is_none_or(|b| b == l.0)
                        {
                            return yes(Text::new(
                                format!(
                                    "{tp}: 新 leader {}（leader epoch {}，{reason}）",
                                    l.0, leader_epoch.0
                                ),
                                format!(
                                    "{tp}: new leader {} (leader epoch {}, {reason})",
                                    l.0, leader_epoch.0
                                ),
                            ));
                        }
                    }
                }
                not_seen()
            }
            Predicate::BatchSent {
                producer,
                records_at_least,
                bytes_at_most,
            } => Self::check_batch_sent(producer, *records_at_least, *bytes_at_most, events),
            Predicate::QuorumLeaderElected { controller } => {
                for e in events {
                    if let EventKind::QuorumLeaderElected {
                        controller: c,
                        epoch,
                        votes,
                    } = &e.kind
                    {
                        if controller.is_none_or(|x| x == *c) {
                            return yes(Text::new(
                                format!(
                                    "控制器 {c} 在 epoch {epoch} 当选，得票 {}",
                                    set_text(votes)
                                ),
                                format!(
                                    "controller {c} elected in epoch {epoch} with votes {}",
                                    set_text(votes)
                                ),
                            ));
                        }
                    }
                }
                not_seen()
            }
        }
    }

    fn check_batch_sent(
        producer: &str,
        records_at_least: Option<u32>,
        bytes_at_most: Option<u64>,
        events: &[Event],
    ) -> Check {
        let mut last = None;
        for e in events {
            if let EventKind::BatchSent {
                producer: p,
                records,
                bytes,
                tp,
                ..
            } = &e.kind
            {
                if p != producer {
                    continue;
                }
                let t = Text::new(
                    format!("{p} 向 {tp} 发送了 {records} 条记录的批次，线上 {bytes} 字节"),
                    format!("{p} sent a batch of {records} record(s), {bytes} bytes on the wire, to {tp}"),
                );
                if records_at_least.is_none_or(|n| *records >= n)
                    && bytes_at_most.is_none_or(|b| *bytes <= b)
                {
                    return yes(t);
                }
                last = Some(t);
            }
        }
        last.map_or_else(not_seen, no)
    }

    /// The goal as a learner reads it, rendered from the predicate itself, in both languages.
    pub fn describe(&self) -> Text {
        match self {
            Predicate::Consume(c) => c.describe(),
            Predicate::Isr { tp, brokers } => Text::new(
                format!("分区 {tp} 的 ISR = {}", set_text(brokers)),
                format!("partition {tp} ISR = {}", set_text(brokers)),
            ),
            Predicate::Leader { tp, broker } => Text::new(
                format!("broker {broker} 是分区 {tp} 的 leader"),
                format!("broker {broker} leads partition {tp}"),
            ),
            Predicate::Offline { tp } => Text::new(
                format!("分区 {tp} 没有 leader（离线）"),
                format!("partition {tp} has no leader (offline)"),
            ),
            Predicate::BrokerState { broker, state } => {
                let (zh, en) = match state {
                    BrokerState::Up => ("在线且未被隔离", "up (running, unfenced)"),
                    BrokerState::Down => ("宕机", "down"),
                    BrokerState::Fenced => ("被控制器隔离 (fenced)", "fenced by the controller"),
                };
                Text::new(
                    format!("broker {broker} {zh}"),
                    format!("broker {broker} is {en}"),
                )
            }
            Predicate::PartitionCount { topic, count } => Text::new(
                format!("topic {topic} 有 {count} 个分区"),
                format!(
                    "topic {topic} has {count} partition{}",
                    if *count == 1 { "" } else { "s" }
                ),
            ),
            Predicate::HighWatermark { tp, cmp } => {
                let c = cmp.text(1);
                Text::new(
                    format!("分区 {tp} 的高水位 (HW) {}", c.zh),
                    format!("partition {tp} high watermark {}", c.en),
                )
            }
            Predicate::Metric { metric, cmp } => {
                let c = cmp.text(metric.scale());
                Text::new(
                    format!("指标 {} {}", metric.name(), c.zh),
                    format!("metric {} {}", metric.name(), c.en),
                )
            }
            Predicate::ActiveController { controller } => Text::new(
                format!("控制器 {controller} 是活跃控制器"),
                format!("controller {controller} is the active controller"),
            ),
            Predicate::TopicConfig { topic, key, value } => Text::new(
                format!("topic {topic} 的 {key}={value}"),
                format!("topic {topic} has {key}={value}"),
            ),
            Predicate::ProducerConfig {
                producer,
                key,
                value,
            } => Text::new(
                format!("producer {producer} 的 {key}={value}"),
                format!("producer {producer} has {key}={value}"),
            ),
            Predicate::LogValues { tp, values } => Text::new(
                format!("分区 {tp} 的 leader 日志依次为 [{}]", values.join(", ")),
                format!(
                    "the leader's log of {tp} holds [{}], in this order",
                    values.join(", ")
                ),
            ),
            Predicate::Produce(f) => describe_produce(f),
            Predicate::AckedWriteLost { topic, acks } => {
                let a_zh = acks.map_or(String::new(), |a| format!(" acks={a} 的"));
                let a_en = acks.map_or(String::new(), |a| format!(" acks={a}"));
                Text::new(
                    format!("一条{a_zh}已确认写入从 topic {topic} 的 leader 日志中消失"),
                    format!("an acknowledged{a_en} write to {topic} is gone from the leader's log"),
                )
            }
            Predicate::Truncated { topic, broker } => {
                let (b_zh, b_en) = broker
                    .map_or(("某个副本".to_string(), "a replica".to_string()), |b| {
                        (format!("broker {b} "), format!("broker {b}"))
                    });
                Text::new(
                    format!("{b_zh}按 leader epoch 截断了 topic {topic} 的日志"),
                    format!("{b_en} truncated its log of {topic} (by leader epoch)"),
                )
            }
            Predicate::DuplicateBatch { topic } => Text::new(
                format!("{topic} 的 leader 识别出一个重试的重复批次，没有再次写入"),
                format!(
                    "the leader of {topic} recognised a retried batch and did not write it twice"
                ),
            ),
            Predicate::BatchRetried { producer, error } => {
                let e = error.map_or(String::new(), |e| format!(" ({e})"));
                Text::new(
                    format!("producer {producer} 重试了一个批次{e}"),
                    format!("producer {producer} retried a batch{e}"),
                )
            }
            Predicate::CommandFailed { command, error } => Text::new(
                format!("命令 {command} 失败，错误 {error}"),
                format!("command {command} failed with {error}"),
            ),
            Predicate::LeaderElected { tp, broker } => match broker {
                Some(b) => Text::new(
                    format!("控制器选举 broker {b} 为分区 {tp} 的新 leader"),
                    format!("the controller elects broker {b} as the new leader of {tp}"),
                ),
                None => Text::new(
                    format!("控制器为分区 {tp} 选出新 leader"),
                    format!("the controller elects a new leader for {tp}"),
                ),
            },
            Predicate::QuorumLeaderElected { controller } => match controller {
                Some(c) => Text::new(
                    format!("控制器仲裁投票选出控制器 {c} 为 leader"),
                    format!("the controller quorum votes controller {c} its leader"),
                ),
                None => Text::new(
                    "控制器仲裁投票选出新的 leader",
                    "the controller quorum votes in a new leader",
                ),
            },
            Predicate::BatchSent {
                producer,
                records_at_least,
                bytes_at_most,
            } => {
                let r_zh = records_at_least.map_or(String::new(), |n| format!("至少 {n} 条记录、"));
                let r_en =
                    records_at_least.map_or(String::new(), |n| format!(" of at least {n} records"));
                let b_zh = bytes_at_most.map_or(String::new(), |b| format!("线上最多 {b} 字节的"));
                let b_en = bytes_at_most.map_or(String::new(), |b| {
                    format!(", at most {b} bytes on the wire")
                });
                Text::new(
                    format!("producer {producer} 发送一个{r_zh}{b_zh}批次")
                        .replace("、批次", "的批次"),
                    format!("producer {producer} sends a batch{r_en}{b_en}"),
                )
            }
        }
    }
}

fn state_text(broker: u32, now: BrokerState) -> Text {
    let (zh, en) = match now {
        BrokerState::Up => ("在线", "up"),
        BrokerState::Down => ("宕机", "down"),
        BrokerState::Fenced => ("被隔离", "fenced"),
    };
    Text::new(
        format!("broker {broker}: {zh}"),
        format!("broker {broker}: {en}"),
    )
}

fn describe_produce(f: &ProduceFilter) -> Text {
    let mut zh = Vec::new();
    let mut en = Vec::new();
    if let Some(p) = &f.producer {
        zh.push(format!("producer {p}"));
        en.push(format!("producer {p}"));
    }
    if let Some(a) = f.acks {
        zh.push(format!("acks={a}"));
        en.push(format!("acks={a}"));
    }
    if let Some(k) = &f.key {
        zh.push(format!("key={k}"));
        en.push(format!("key={k}"));
    }
    if let Some(v) = &f.value {
        zh.push(format!("value={v}"));
        en.push(format!("value={v}"));
    }
    if let Some(o) = f.offset {
        zh.push(format!("offset={o}"));
        en.push(format!("offset={o}"));
    }
    let what_zh = if zh.is_empty() {
        String::new()
    } else {
        format!("（{}）", zh.join(", "))
    };
    let what_en = if en.is_empty() {
        String::new()
    } else {
        format!(" ({})", en.join(", "))
    };
    let whr = match (&f.topic, f.partition) {
        (Some(t), Some(p)) => Text::same(format!("{t}-{p}")),
        (Some(t), None) => Text::same(t.clone()),
        (None, Some(p)) => Text::new(format!("分区 {p}"), format!("partition {p}")),
        (None, None) => Text::new("Kafka", "Kafka"),
    };
    let how = match &f.partitioner {
        Some(p) => Text::new(
            format!("，由 {p} 分区器选择分区"),
            format!(", partition chosen by {p}"),
        ),
        None => Text::same(String::new()),
    };
    let (ozh, oen) = match f.outcome {
        None => ("完成".to_string(), "completes".to_string()),
        Some(Outcome::Ok) => (
            "成功（已确认）".to_string(),
            "succeeds (acknowledged)".to_string(),
        ),
        Some(Outcome::Err(e)) => (format!("失败，错误 {e}"), format!("fails with {e}")),
    };
    Text::new(
        format!("一次写入{what_zh}发往 {}{} 并{ozh}", whr.zh, how.zh),
        format!("a write{what_en} to {}{} {oen}", whr.en, how.en),
    )
}

fn check_produce(f: &ProduceFilter, snap: &Snapshot, events: &[Event]) -> Check {
    let by_id: BTreeMap<u64, &crate::snapshot::ProduceView> =
        snap.requests.iter().map(|r| (r.id.0, r)).collect();
    let mut partitioner: BTreeMap<u64, &str> = BTreeMap::new();
    for e in events {
        if let EventKind::RecordAccumulated {
            id, partitioner: p, ..
        } = &e.kind
        {
            partitioner.insert(id.0, p);
        }
    }
    let mut last_seen: Option<Text> = None;
    for e in events {
        let EventKind::ProduceCompleted {
            id,
            producer,
            tp,
            acks,
            outcome,
            ..
        } = &e.kind
        else {
            continue;
        };
        let view = by_id.get(&id.0);
        let key = view.and_then(|v| v.key.clone());
        let value = view.and_then(|v| v.value.clone());
        let how = partitioner.get(&id.0).copied();
        if f.producer.as_ref().is_some_and(|p| p != producer)
            || f.topic.as_ref().is_some_and(|t| t != &tp.topic)
            || f.key.as_ref().is_some_and(|k| Some(k) != key.as_ref())
            || f.value.as_ref().is_some_and(|v| Some(v) != value.as_ref())
            || f.acks.is_some_and(|a| a != *acks)
            || f.partitioner.as_deref().is_some_and(|p| Some(p) != how)
        {
            continue;
        }
        let mut why_zh = String::new();
        let mut why_en = String::new();
        if how == Some("murmur2") {
            if let (Some(k), Some(t)) = (&key, snap.topics.iter().find(|t| t.name == tp.topic)) {
                let n = t.partitions.len() as u32;
                // The count at send time may have been smaller (new partitions are only seen
                // after a metadata refresh); show the formula for the partition actually used
                // only when it agrees.
                if crate::partitioner::partition_for_key(k.as_bytes(), n) == tp.partition {
                    let s = key_partition_text(k, n);
                    why_zh = format!("；{s}");
                    why_en = format!("; {s}");
                }
            }
        } else if let Some(h) = how {
            why_zh = format!("；分区器: {h}");
            why_en = format!("; partitioner: {h}");
        }
        let o = outcome_text(outcome);
        let vtxt = value.as_deref().unwrap_or("?");
        let t = Text::new(
            format!("{producer} 的写入 {vtxt:?} (acks={acks}) → {tp}: {o}{why_zh}"),
            format!("{producer}'s write {vtxt:?} (acks={acks}) → {tp}: {o}{why_en}"),
        );
        let part_ok = f.partition.is_none_or(|p| p == tp.partition)
            && f.offset.is_none_or(
                |want| matches!(outcome, ProduceOutcome::Ok { offset } if *offset == want),
            );
        let out_ok = match f.outcome {
            None => true,
            Some(Outcome::Ok) => matches!(outcome, ProduceOutcome::Ok { .. }),
            Some(Outcome::Err(e)) => {
                matches!(outcome, ProduceOutcome::Err { error, .. } if *error == e)
            }
        };
        if part_ok && out_ok {
            let mut t = t;
            if let ProduceOutcome::Err { message, .. } = outcome {
                t.zh.push_str(&format!(" — {message}"));
                t.en.push_str(&format!(" — {message}"));
            }
            return yes(t);
        }
        last_seen = Some(t);
    }
    match last_seen {
        Some(t) => no(t),
        None => not_seen(),
    }
}

fn check_lost(topic: &str, acks: Option<Acks>, snap: &Snapshot, events: &[Event]) -> Check {
    let completed: BTreeSet<u64> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ProduceCompleted { id, .. } => Some(id.0),
            _ => None,
        })
        .collect();
    for r in &snap.requests {
        if r.tp.topic != topic || !completed.contains(&r.id.0) || acks.is_some_and(|a| a != r.acks)
        {
            continue;
        }
        let Some(ProduceOutcome::Ok { offset }) = &r.outcome else {
            continue;
        };
        if *offset < 0 {
            continue;
        }
        let Some(p) = partition(snap, &r.tp) else {
            continue;
        };
        let Some(log) = leader_values(p) else {
            continue;
        };
        let Some(leader) = p.leader else { continue };
        let holds = log
            .iter()
            .any(|(o, k, v)| o == offset && *k == r.key && *v == r.value);
        let log_end = p
            .replica_states
            .iter()
            .find(|x| x.broker == leader)
            .map_or(0, |x| x.log_end_offset.0 as i64);
        // Only judge offsets the leader's log (as shown) covers, or has not reached at all.
        let covered = log.iter().any(|(o, _, _)| o == offset) || *offset >= log_end;
        if !holds && covered {
            let there = log.iter().find(|(o, _, _)| o == offset);
            let (there_zh, there_en) = match there {
                Some((_, _, v)) => (
                    format!("该 offset 上是 {v:?}"),
                    format!("has {v:?} at that offset"),
                ),
                None => (
                    format!("的日志在 offset {log_end} 结束"),
                    format!("has a log ending at offset {log_end}"),
                ),
            };
            return yes(Text::new(
                format!(
                    "{:?} 曾在 {} offset {offset} 被确认 (acks={})；现在 leader {} {there_zh}",
                    r.value, r.tp, r.acks, leader.0
                ),
                format!(
                    "{:?} was acknowledged at {} offset {offset} (acks={}); leader {} now {there_en}",
                    r.value, r.tp, r.acks, leader.0
                ),
            ));
        }
    }
    no(Text::new(
        "已确认的写入都还在",
        "every acknowledged write is still there",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::{Command, Input};
    use crate::{Cluster, ClusterSpec};

    fn tp(t: &str, p: u32) -> TopicPartition {
        TopicPartition::new(t, p)
    }

    /// Every variant, for the rendering and never-panic checks.
    fn every_predicate() -> Vec<Predicate> {
        vec![
            Predicate::Isr {
                tp: tp("t", 0),
                brokers: vec![1, 2, 3],
            },
            Predicate::Leader {
                tp: tp("t", 0),
                broker: 1,
            },
            Predicate::Offline { tp: tp("t", 0) },
            Predicate::BrokerState {
                broker: 2,
                state: BrokerState::Down,
            },
            Predicate::PartitionCount {
                topic: "t".into(),
                count: 1,
            },
            Predicate::HighWatermark {
                tp: tp("t", 0),
                cmp: Compare::AtLeast(1),
            },
            Predicate::Metric {
                metric: Metric::CompressionRateAvg,
                cmp: Compare::AtMost(50),
            },
            Predicate::ActiveController { controller: 100 },
            Predicate::TopicConfig {
                topic: "t".into(),
                key: "min.insync.replicas".into(),
                value: "2".into(),
            },
            Predicate::ProducerConfig {
                producer: "p".into(),
                key: "acks".into(),
                value: "all".into(),
            },
            Predicate::LogValues {
                tp: tp("t", 0),
                values: vec!["a".into()],
            },
            Predicate::Produce(ProduceFilter {
                key: Some("k".into()),
                outcome: Some(Outcome::Ok),
                ..Default::default()
            }),
            Predicate::AckedWriteLost {
                topic: "t".into(),
                acks: Some(Acks::One),
            },
            Predicate::Truncated {
                topic: "t".into(),
                broker: None,
            },
            Predicate::DuplicateBatch { topic: "t".into() },
            Predicate::BatchRetried {
                producer: "p".into(),
                error: None,
            },
            Predicate::CommandFailed {
                command: "create_topic".into(),
                error: KafkaError::RequestTimedOut,
            },
            Predicate::LeaderElected {
                tp: tp("t", 0),
                broker: Some(2),
            },
            Predicate::QuorumLeaderElected { controller: None },
            Predicate::BatchSent {
                producer: "p".into(),
                records_at_least: Some(2),
                bytes_at_most: None,
            },
        ]
    }

    fn cluster() -> Cluster {
        let mut c = Cluster::new(&ClusterSpec::default()).expect("cluster");
        for cmd in [
            Command::CreateTopic {
                name: "t".into(),
                partitions: 1,
                replication_factor: 3,
                configs: Default::default(),
            },
            Command::AddProducer {
                name: "p".into(),
                configs: [("linger.ms".to_string(), "0".to_string())]
                    .into_iter()
                    .collect(),
            },
        ] {
            c.step(Input::Command(cmd));
        }
        c.run_ms(1000);
        c
    }

    #[test]
    fn every_predicate_renders_in_both_languages_and_checks_without_panicking() {
        let c = cluster();
        let snap = c.snapshot();
        let mut seen = BTreeSet::new();
        for p in every_predicate() {
            let t = p.describe();
            assert!(!t.zh.is_empty() && !t.en.is_empty(), "{p:?}");
            assert_ne!(t.zh, t.en, "{p:?} has a Chinese rendering");
            assert!(
                seen.insert(t.en.clone()),
                "two predicates render alike: {}",
                t.en
            );
            let check = p.check(&snap, c.events());
            assert!(!check.observed.en.is_empty(), "{p:?}");
        }
    }

    #[test]
    fn state_and_event_predicates_follow_the_cluster() {
        let mut c = cluster();
        let start = c.events().len();
        let snap = c.snapshot();
        let isr = Predicate::Isr {
            tp: tp("t", 0),
            brokers: vec![1, 2, 3],
        };
        assert!(isr.check(&snap, &[]).met);
        assert_eq!(isr.describe().en, "partition t-0 ISR = {1,2,3}");
        let produce = Predicate::Produce(ProduceFilter {
            key: Some("user_id=123".into()),
            outcome: Some(Outcome::Ok),
            partitioner: Some("murmur2".into()),
            ..Default::default()
        });
        assert!(
            !produce.check(&snap, &c.events()[start..]).met,
            "nothing sent yet"
        );
        c.step(Input::Command(Command::Produce {
            producer: "p".into(),
            topic: "t".into(),
            partition: None,
            key: Some("user_id=123".into()),
            value: Some("v".into()),
        }));
        c.run_ms(200);
        let check = produce.check(&c.snapshot(), &c.events()[start..]);
        assert!(check.met, "{check:?}");
        assert!(
            check
                .observed
                .en
                .contains("toPositive(murmur2(\"user_id=123\")) % 1"),
            "{}",
            check.observed.en
        );
        let hw = Predicate::HighWatermark {
            tp: tp("t", 0),
            cmp: Compare::Equals(1),
        };
        assert!(hw.check(&c.snapshot(), &[]).met);
        // An event goal only sees its window.
        assert!(
            !produce
                .check(&c.snapshot(), &c.events()[c.events().len()..])
                .met
        );
        c.step(Input::Command(Command::CrashBroker { broker: 2 }));
        let down = Predicate::BrokerState {
            broker: 2,
            state: BrokerState::Down,
        };
        assert!(down.check(&c.snapshot(), &[]).met);
        // Fenced after broker.session.timeout.ms: it leaves the ISR.
        c.run_ms(10_000);
        assert!(!isr.check(&c.snapshot(), &[]).met);
        let shrunk = Predicate::Isr {
            tp: tp("t", 0),
            brokers: vec![1, 3],
        };
        assert!(shrunk.check(&c.snapshot(), &[]).met);
    }

    #[test]
    fn ratio_metrics_render_in_hundredths() {
        let m = Predicate::Metric {
            metric: Metric::CompressionRateAvg,
            cmp: Compare::AtMost(25),
        };
        assert_eq!(m.describe().en, "metric compression-rate-avg ≤ 0.25");
    }
}
