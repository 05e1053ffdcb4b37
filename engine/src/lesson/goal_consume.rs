//! Goals for the consuming side (the notes' sections 六–九): consumer groups and their
//! coordinator, committed offsets and lag, the delivery ledger, transactions, and the log a
//! consumer reads (LSO, log start offset, segments, compaction).
//!
//! Like every goal, the checklist text is rendered from the predicate that is checked
//! ([`ConsumePredicate::describe`]); state predicates look at the snapshot now, event
//! predicates at the events since the step began.

use super::goal::{Check, Compare};
use super::Text;
use crate::errors::KafkaError;
use crate::events::{Event, EventKind};
use crate::group_coordinator::GroupState as CoordState;
use crate::ids::TopicPartition;
use crate::snapshot::{GroupView, LedgerView, PartitionView, ReplicaView, Snapshot};
use crate::transactions::TxnState;
use serde::{Deserialize, Serialize};

/// A count of the delivery ledger (`GroupView.ledger`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LedgerCount {
    /// Records processed exactly once.
    ProcessedOnce,
    /// Records processed more than once.
    Duplicated,
    /// Never processed, and the group's committed offset passed them.
    Lost,
    /// Never processed yet, but the group will get to them.
    Pending,
    /// Never processed (lost + pending).
    NeverProcessed,
    /// Processings whose transaction aborted (exactly-once: their effects were discarded).
    Aborted,
}

impl LedgerCount {
    /// Every count, by its name in lesson files.
    pub const ALL: &'static [(&'static str, LedgerCount)] = &[
        ("processed_once", LedgerCount::ProcessedOnce),
        ("duplicated", LedgerCount::Duplicated),
        ("lost", LedgerCount::Lost),
        ("pending", LedgerCount::Pending),
        ("never_processed", LedgerCount::NeverProcessed),
        ("aborted", LedgerCount::Aborted),
    ];

    fn value(self, l: &LedgerView) -> u64 {
        match self {
            LedgerCount::ProcessedOnce => l.processed_once,
            LedgerCount::Duplicated => l.duplicated,
            LedgerCount::Lost => l.lost,
            LedgerCount::Pending => l.pending,
            LedgerCount::NeverProcessed => l.never_processed,
            LedgerCount::Aborted => l.aborted,
        }
    }

    fn text(self) -> (&'static str, &'static str) {
        match self {
            LedgerCount::ProcessedOnce => ("恰好处理一次的记录", "records processed exactly once"),
            LedgerCount::Duplicated => ("被重复处理的记录", "records processed more than once"),
            LedgerCount::Lost => ("丢失（从未处理）的记录", "records lost (never processed)"),
            LedgerCount::Pending => ("尚待处理的记录", "records still pending"),
            LedgerCount::NeverProcessed => ("从未处理的记录", "records never processed"),
            LedgerCount::Aborted => (
                "因事务中止而作废的处理",
                "processings discarded by an aborted transaction",
            ),
        }
    }
}

/// A transaction's outcome at its coordinator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TxnOutcome {
    /// `CompleteCommit`.
    Committed,
    /// `CompleteAbort`.
    Aborted,
}

/// A predicate about consumers, groups, transactions and the log they read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsumePredicate {
    /// The coordinator's group state (`Stable`, `PreparingRebalance`, …).
    GroupState {
        /// `group.id`.
        group: String,
        /// Kafka's state name.
        state: String,
    },
    /// The group's member count.
    GroupMembers {
        /// `group.id`.
        group: String,
        /// The comparison.
        cmp: Compare,
    },
    /// The classic generation or the KIP-848 group epoch.
    GroupGeneration {
        /// `group.id`.
        group: String,
        /// The comparison.
        cmp: Compare,
    },
    /// How many partitions a live consumer owns.
    ConsumerPartitions {
        /// The consumer's name.
        consumer: String,
        /// The comparison.
        cmp: Compare,
    },
    /// A live consumer owns this partition.
    Owns {
        /// The consumer's name.
        consumer: String,
        /// The topic-partition.
        tp: TopicPartition,
    },
    /// The group's committed offset for a partition.
    CommittedOffset {
        /// `group.id`.
        group: String,
        /// The topic-partition.
        tp: TopicPartition,
        /// The comparison.
        cmp: Compare,
    },
    /// The group's lag (HW − committed), summed over its partitions (optionally filtered).
    ConsumerLag {
        /// `group.id`.
        group: String,
        /// Only this topic.
        topic: Option<String>,
        /// Only this partition (of `topic`).
        partition: Option<u32>,
        /// The comparison.
        cmp: Compare,
    },
    /// A count of the group's delivery ledger.
    Delivery {
        /// `group.id`.
        group: String,
        /// Which count.
        count: LedgerCount,
        /// The comparison.
        cmp: Compare,
    },
    /// Records a consumer's application processed.
    ConsumerProcessed {
        /// The consumer's name.
        consumer: String,
        /// The comparison.
        cmp: Compare,
    },
    /// The leader's last stable offset.
    LastStableOffset {
        /// The topic-partition.
        tp: TopicPartition,
        /// The comparison.
        cmp: Compare,
    },
    /// The leader's log start offset.
    LogStartOffset {
        /// The topic-partition.
        tp: TopicPartition,
        /// The comparison.
        cmp: Compare,
    },
    /// The leader's segment count.
    SegmentCount {
        /// The topic-partition.
        tp: TopicPartition,
        /// The comparison.
        cmp: Compare,
    },
    /// The leader's log holds a data record at this offset (with this key / value).
    LogRecord {
        /// The topic-partition.
        tp: TopicPartition,
        /// The offset.
        offset: u64,
        /// The key, if given.
        key: Option<String>,
        /// The value, if given.
        value: Option<String>,
        /// A tombstone (null value), if given.
        tombstone: Option<bool>,
    },
    /// Event: a rebalance completed.
    Rebalance {
        /// `group.id`.
        group: String,
    },
    /// Event: partitions were revoked from a consumer.
    PartitionsRevoked {
        /// `group.id`, if given.
        group: Option<String>,
        /// The consumer, if given.
        consumer: Option<String>,
    },
    /// Event: the coordinator removed a member.
    MemberRemoved {
        /// `group.id`.
        group: String,
    },
    /// Event: a consumer saw this error.
    ConsumerError {
        /// The consumer, if given.
        consumer: Option<String>,
        /// The error.
        error: KafkaError,
    },
    /// Event: a commit became durable in `__consumer_offsets`.
    OffsetsCommitted {
        /// `group.id`.
        group: String,
        /// Only this topic.
        topic: Option<String>,
        /// Only this partition.
        partition: Option<u32>,
        /// Only this offset.
        offset: Option<u64>,
    },
    /// Event: a transaction completed at its coordinator.
    Transaction {
        /// `transactional.id`, if given.
        transactional_id: Option<String>,
        /// Committed or aborted.
        outcome: TxnOutcome,
    },
    /// Event: the coordinator fenced a producer (new InitProducerId or transaction timeout).
    ProducerFenced {
        /// `transactional.id`, if given.
        transactional_id: Option<String>,
    },
    /// Event: a record went to a dead-letter topic.
    DeadLetter {
        /// The consumer, if given.
        consumer: Option<String>,
        /// The DLQ topic, if given.
        dlq: Option<String>,
    },
    /// Event: the log cleaner compacted a partition.
    LogCleaned {
        /// The topic.
        topic: String,
        /// The partition, if given.
        partition: Option<u32>,
    },
    /// Event: retention deleted segments.
    SegmentsDeleted {
        /// The topic.
        topic: String,
        /// The partition, if given.
        partition: Option<u32>,
    },
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

fn when(met: bool, observed: Text) -> Check {
    Check { met, observed }
}

fn not_seen() -> Check {
    no(Text::new("尚未发生", "not yet"))
}

fn group<'a>(s: &'a Snapshot, g: &str) -> Option<&'a GroupView> {
    s.groups.iter().find(|x| x.group == g)
}

fn no_group(g: &str) -> Check {
    no(Text::new(
        format!("group {g}：协调者上还没有这个 group"),
        format!("group {g}: not on a coordinator yet"),
    ))
}

fn leader_replica<'a>(
    s: &'a Snapshot,
    tp: &TopicPartition,
) -> Option<(&'a PartitionView, &'a ReplicaView)> {
    let p = s
        .topics
        .iter()
        .find(|t| t.name == tp.topic)
        .and_then(|t| t.partitions.get(tp.partition as usize))?;
    let l = p.leader?;
    let r = p.replica_states.iter().find(|r| r.broker == l)?;
    Some((p, r))
}

fn no_leader(tp: &TopicPartition) -> Check {
    no(Text::new(
        format!("{tp}: 没有在线 leader"),
        format!("{tp}: no live leader"),
    ))
}

fn compared(cmp: Compare, v: i64, zh: String, en: String) -> Check {
    when(cmp.holds(v), Text::new(zh, en))
}

fn tp_filter(t: &TopicPartition, topic: &Option<String>, partition: Option<u32>) -> bool {
    topic.as_ref().is_none_or(|x| *x == t.topic) && partition.is_none_or(|p| p == t.partition)
}

fn filter_text(topic: &Option<String>, partition: Option<u32>) -> String {
    match (topic, partition) {
        (Some(t), Some(p)) => format!(" {t}-{p}"),
        (Some(t), None) => format!(" {t}"),
        _ => String::new(),
    }
}

impl ConsumePredicate {
    /// Whether this predicate reads events rather than state.
    pub fn is_event(&self) -> bool {
        use ConsumePredicate::*;
        matches!(
            self,
            Rebalance { .. }
                | PartitionsRevoked { .. }
                | MemberRemoved { .. }
                | ConsumerError { .. }
                | OffsetsCommitted { .. }
                | Transaction { .. }
                | ProducerFenced { .. }
                | DeadLetter { .. }
                | LogCleaned { .. }
                | SegmentsDeleted { .. }
        )
    }

    /// Checks the predicate against the snapshot now and the events since the step began.
    pub fn check(&self, s: &Snapshot, events: &[Event]) -> Check {
        if self.is_event() {
            return self.check_events(events);
        }
        self.check_state(s)
    }

    fn check_state(&self, s: &Snapshot) -> Check {
        use ConsumePredicate::*;
        match self {
            GroupState { group: g, state } => match group(s, g) {
                None => no_group(g),
                Some(v) => when(
                    v.state == *state,
                    Text::same(format!(
                        "group {g}: {} (generation {})",
                        v.state, v.generation
                    )),
                ),
            },
            GroupMembers { group: g, cmp } => match group(s, g) {
                None => no_group(g),
                Some(v) => {
                    let n = v.members.len();
                    compared(
                        *cmp,
                        n as i64,
                        format!("group {g}：{n} 个成员"),
                        format!("group {g}: {n} member{}", if n == 1 { "" } else { "s" }),
                    )
                }
            },
            GroupGeneration { group: g, cmp } => match group(s, g) {
                None => no_group(g),
                Some(v) => compared(
                    *cmp,
                    v.generation as i64,
                    format!("group {g}：generation {}", v.generation),
                    format!("group {g}: generation {}", v.generation),
                ),
            },
            ConsumerPartitions { consumer, cmp } => {
                let Some(c) = s.consumers.iter().find(|c| c.name == *consumer) else {
                    return not_seen();
                };
                let n = if c.alive { c.assignment.len() } else { 0 };
                let list: Vec<String> = c.assignment.iter().map(|t| t.to_string()).collect();
                let (zh, en) = if !c.alive {
                    (format!("{consumer} 已宕机"), format!("{consumer} is down"))
                } else {
                    (
                        format!("{consumer} 拥有 {n} 个分区 [{}]", list.join(" ")),
                        format!("{consumer} owns {n} partition(s) [{}]", list.join(" ")),
                    )
                };
                compared(*cmp, n as i64, zh, en)
            }
            Owns { consumer, tp } => {
                let Some(c) = s.consumers.iter().find(|c| c.name == *consumer) else {
                    return not_seen();
                };
                let list: Vec<String> = c.assignment.iter().map(|t| t.to_string()).collect();
                when(
                    c.alive && c.assignment.contains(tp),
                    Text::new(
                        format!("{consumer} 拥有 [{}]", list.join(" ")),
                        format!("{consumer} owns [{}]", list.join(" ")),
                    ),
                )
            }
            CommittedOffset { group: g, tp, cmp } => {
                let committed = group(s, g)
                    .and_then(|v| v.partitions.iter().find(|p| p.tp == *tp))
                    .and_then(|p| p.committed);
                match committed {
                    None => no(Text::new(
                        format!("group {g} 还没有提交 {tp} 的 offset"),
                        format!("group {g} has no committed offset for {tp}"),
                    )),
                    Some(o) => compared(
                        *cmp,
                        o as i64,
                        format!("group {g} 在 {tp} 的已提交 offset = {o}"),
                        format!("group {g} committed offset of {tp} = {o}"),
                    ),
                }
            }
            ConsumerLag {
                group: g,
                topic,
                partition,
                cmp,
            } => match group(s, g) {
                None => no_group(g),
                Some(v) => {
                    let lag: u64 = v
                        .partitions
                        .iter()
                        .filter(|p| tp_filter(&p.tp, topic, *partition))
                        .map(|p| p.lag.unwrap_or(0))
                        .sum();
                    let f = filter_text(topic, *partition);
                    compared(
                        *cmp,
                        lag as i64,
                        format!("group {g}{f} 的 lag = {lag}"),
                        format!("group {g}{f} lag = {lag}"),
                    )
                }
            },
            Delivery {
                group: g,
                count,
                cmp,
            } => match group(s, g) {
                None => no_group(g),
                Some(v) => {
                    let n = count.value(&v.ledger);
                    let (zh, en) = count.text();
                    compared(
                        *cmp,
                        n as i64,
                        format!("group {g}：{zh} {n}"),
                        format!("group {g}: {n} {en}"),
                    )
                }
            },
            ConsumerProcessed { consumer, cmp } => {
                let Some(c) = s.consumers.iter().find(|c| c.name == *consumer) else {
                    return not_seen();
                };
                let n = c.records_processed;
                compared(
                    *cmp,
                    n as i64,
                    format!("{consumer} 已处理 {n} 条记录"),
                    format!("{consumer} processed {n} record(s)"),
                )
            }
            LastStableOffset { tp, cmp } => {
                let Some((p, _)) = leader_replica(s, tp) else {
                    return no_leader(tp);
                };
                let Some(lso) = p.last_stable_offset else {
                    return no_leader(tp);
                };
                compared(
                    *cmp,
                    lso.0 as i64,
                    format!("{tp} LSO = {}", lso.0),
                    format!("{tp} LSO = {}", lso.0),
                )
            }
            LogStartOffset { tp, cmp } => {
                let Some((_, r)) = leader_replica(s, tp) else {
                    return no_leader(tp);
                };
                let o = r.log_start_offset.0;
                compared(
                    *cmp,
                    o as i64,
                    format!("{tp} 日志起始 offset = {o}"),
                    format!("{tp} log start offset = {o}"),
                )
            }
            SegmentCount { tp, cmp } => {
                let Some((_, r)) = leader_replica(s, tp) else {
                    return no_leader(tp);
                };
                let n = r.segment_count;
                compared(
                    *cmp,
                    n as i64,
                    format!("{tp} 有 {n} 个 segment"),
                    format!("{tp} has {n} segment(s)"),
                )
            }
            LogRecord {
                tp,
                offset,
                key,
                value,
                tombstone,
            } => {
                let Some((_, r)) = leader_replica(s, tp) else {
                    return no_leader(tp);
                };
                let Some(rec) = r.records.iter().find(|x| x.offset.0 == *offset) else {
                    return no(Text::new(
                        format!("{tp} 的 leader 日志在 offset {offset} 没有记录"),
                        format!("the leader's log of {tp} has no record at offset {offset}"),
                    ));
                };
                let is_control = rec.batch_kind.is_some_and(|k| k.is_control());
                let shown = format!(
                    "{tp}@{offset}: key={} value={}",
                    rec.key.as_deref().unwrap_or("null"),
                    rec.value.as_deref().unwrap_or("null")
                );
                let met = !is_control
                    && key.as_ref().is_none_or(|k| rec.key.as_ref() == Some(k))
                    && value.as_ref().is_none_or(|v| rec.value.as_ref() == Some(v))
                    && tombstone.is_none_or(|t| t == rec.value.is_none());
                when(met, Text::same(shown))
            }
            _ => not_seen(),
        }
    }

    fn check_events(&self, events: &[Event]) -> Check {
        use ConsumePredicate::*;
        for e in events {
            let seen: Option<Text> = match (self, &e.kind) {
                (
                    Rebalance { group: g },
                    EventKind::GroupStateChanged {
                        group,
                        from: CoordState::CompletingRebalance,
                        to: CoordState::Stable,
                        generation,
                        ..
                    },
                ) if group == g => Some(Text::new(
                    format!("group {g} 完成再均衡，generation {generation}"),
                    format!("group {g} completed a rebalance, generation {generation}"),
                )),
                (
                    Rebalance { group: g },
                    EventKind::TargetAssignmentComputed {
                        group, group_epoch, ..
                    },
                ) if group == g => Some(Text::new(
                    format!("group {g} 计算了新的目标分配（group epoch {group_epoch}）"),
                    format!(
                        "group {g} computed a new target assignment (group epoch {group_epoch})"
                    ),
                )),
                (
                    PartitionsRevoked {
                        group: g,
                        consumer: c,
                    },
                    EventKind::PartitionsAssigned {
                        consumer,
                        group,
                        revoked,
                        ..
                    }
                    | EventKind::PartitionsRevoked {
                        consumer,
                        group,
                        revoked,
                        ..
                    },
                ) if !revoked.is_empty()
                    && g.as_ref().is_none_or(|g| g == group)
                    && c.as_ref().is_none_or(|c| c == consumer) =>
                {
                    let list: Vec<String> = revoked.iter().map(|t| t.to_string()).collect();
                    Some(Text::new(
                        format!("{consumer} 被收回 [{}]", list.join(" ")),
                        format!("{consumer} revoked [{}]", list.join(" ")),
                    ))
                }
                (
                    MemberRemoved { group: g },
                    EventKind::MemberRemoved {
                        group,
                        member,
                        reason,
                        ..
                    }
                    | EventKind::ConsumerGroupMemberFenced {
                        group,
                        member,
                        reason,
                        ..
                    },
                ) if group == g => Some(Text::new(
                    format!("group {g} 移除了成员 {member}（{reason}）"),
                    format!("group {g} removed member {member} ({reason})"),
                )),
                (
                    ConsumerError {
                        consumer: c,
                        error: want,
                    },
                    kind,
                ) => consumer_error(kind).and_then(|(consumer, error)| {
                    (error == *want && c.as_ref().is_none_or(|c| c == consumer))
                        .then(|| Text::same(format!("{consumer}: {}", error.name())))
                }),
                (
                    OffsetsCommitted {
                        group: g,
                        topic,
                        partition,
                        offset,
                    },
                    EventKind::OffsetsCommitted { group, offsets, .. },
                ) if group == g => offsets
                    .iter()
                    .find(|(t, o)| {
                        tp_filter(t, topic, *partition) && offset.is_none_or(|x| x == *o)
                    })
                    .map(|(t, o)| {
                        Text::new(
                            format!("group {g} 提交了 {t}={o}"),
                            format!("group {g} committed {t}={o}"),
                        )
                    }),
                (
                    Transaction {
                        transactional_id: id,
                        outcome,
                    },
                    EventKind::TxnStateChanged {
                        transactional_id,
                        to,
                        ..
                    },
                ) if id.as_ref().is_none_or(|x| x == transactional_id)
                    && matches!(
                        (outcome, to),
                        (TxnOutcome::Committed, TxnState::CompleteCommit)
                            | (TxnOutcome::Aborted, TxnState::CompleteAbort)
                    ) =>
                {
                    Some(Text::same(format!("{transactional_id}: {to:?}")))
                }
                (
                    ProducerFenced {
                        transactional_id: id,
                    },
                    EventKind::TxnProducerFenced {
                        transactional_id,
                        new_epoch,
                        ..
                    },
                ) if id.as_ref().is_none_or(|x| x == transactional_id) => Some(Text::new(
                    format!("{transactional_id}：旧 producer 被隔离（epoch → {new_epoch}）"),
                    format!(
                        "{transactional_id}: the old producer was fenced (epoch → {new_epoch})"
                    ),
                )),
                (
                    ProducerFenced {
                        transactional_id: id,
                    },
                    EventKind::TxnTimedOut {
                        transactional_id,
                        timeout_ms,
                        ..
                    },
                ) if id.as_ref().is_none_or(|x| x == transactional_id) => Some(Text::new(
                    format!("{transactional_id}：事务超过 {timeout_ms} ms，producer 被隔离"),
                    format!(
                        "{transactional_id}: transaction outlived {timeout_ms} ms, producer fenced"
                    ),
                )),
                (
                    DeadLetter {
                        consumer: c,
                        dlq: d,
                    },
                    EventKind::RecordToDeadLetterQueue {
                        consumer,
                        tp,
                        offset,
                        dlq,
                    },
                ) if c.as_ref().is_none_or(|c| c == consumer)
                    && d.as_ref().is_none_or(|d| d == dlq) =>
                {
                    Some(Text::same(format!("{consumer}: {tp}@{offset} → {dlq}")))
                }
                (
                    LogCleaned { topic, partition },
                    EventKind::LogCleaned {
                        broker,
                        tp,
                        records_removed,
                        ..
                    },
                ) if tp_filter(tp, &Some(topic.clone()), *partition) => Some(Text::new(
                    format!(
                        "broker {} 压缩了 {tp}：删除 {records_removed} 条旧记录",
                        broker.0
                    ),
                    format!(
                        "broker {} cleaned {tp}: {records_removed} old record(s) removed",
                        broker.0
                    ),
                )),
                (
                    SegmentsDeleted { topic, partition },
                    EventKind::SegmentsDeleted {
                        broker,
                        tp,
                        segments,
                        log_start_offset,
                        ..
                    },
                ) if tp_filter(tp, &Some(topic.clone()), *partition) => Some(Text::new(
                    format!(
                        "broker {} 删除了 {tp} 的 {} 个 segment，日志起始 offset → {}",
                        broker.0,
                        segments.len(),
                        log_start_offset.0
                    ),
                    format!(
                        "broker {} deleted {} segment(s) of {tp}, log start offset → {}",
                        broker.0,
                        segments.len(),
                        log_start_offset.0
                    ),
                )),
                _ => None,
            };
            if let Some(t) = seen {
                return yes(t);
            }
        }
        not_seen()
    }

    /// The checklist text, in both languages.
    pub fn describe(&self) -> Text {
        use ConsumePredicate::*;
        match self {
            GroupState { group, state } => Text::new(
                format!("group {group} 处于 {state} 状态"),
                format!("group {group} is {state}"),
            ),
            GroupMembers { group, cmp } => {
                let c = cmp.text(1);
                Text::new(
                    format!("group {group} 的成员数 {}", c.zh),
                    format!("group {group}: member count {}", c.en),
                )
            }
            GroupGeneration { group, cmp } => {
                let c = cmp.text(1);
                Text::new(
                    format!("group {group} 的 generation {}", c.zh),
                    format!("group {group} generation {}", c.en),
                )
            }
            ConsumerPartitions { consumer, cmp } => {
                let c = cmp.text(1);
                Text::new(
                    format!("consumer {consumer} 拥有的分区数 {}", c.zh),
                    format!("consumer {consumer}: partitions owned {}", c.en),
                )
            }
            Owns { consumer, tp } => Text::new(
                format!("consumer {consumer} 被分配到分区 {tp}"),
                format!("consumer {consumer} owns partition {tp}"),
            ),
            CommittedOffset { group, tp, cmp } => {
                let c = cmp.text(1);
                Text::new(
                    format!("group {group} 在 {tp} 的已提交 offset {}", c.zh),
                    format!("group {group}'s committed offset of {tp} {}", c.en),
                )
            }
            ConsumerLag {
                group,
                topic,
                partition,
                cmp,
            } => {
                let c = cmp.text(1);
                let f = filter_text(topic, *partition);
                Text::new(
                    format!("group {group}{f} 的 consumer lag {}", c.zh),
                    format!("group {group}{f} consumer lag {}", c.en),
                )
            }
            Delivery { group, count, cmp } => {
                let c = cmp.text(1);
                let (zh, en) = count.text();
                Text::new(
                    format!("group {group}：{zh} {}", c.zh),
                    format!("group {group}: {en} {}", c.en),
                )
            }
            ConsumerProcessed { consumer, cmp } => {
                let c = cmp.text(1);
                Text::new(
                    format!("consumer {consumer} 处理的记录数 {}", c.zh),
                    format!("consumer {consumer}: records processed {}", c.en),
                )
            }
            LastStableOffset { tp, cmp } => {
                let c = cmp.text(1);
                Text::new(
                    format!("分区 {tp} 的 LSO（last stable offset）{}", c.zh),
                    format!("partition {tp} last stable offset {}", c.en),
                )
            }
            LogStartOffset { tp, cmp } => {
                let c = cmp.text(1);
                Text::new(
                    format!("分区 {tp} 的日志起始 offset {}", c.zh),
                    format!("partition {tp} log start offset {}", c.en),
                )
            }
            SegmentCount { tp, cmp } => {
                let c = cmp.text(1);
                Text::new(
                    format!("分区 {tp} 的 segment 数 {}", c.zh),
                    format!("partition {tp}: segment count {}", c.en),
                )
            }
            LogRecord {
                tp,
                offset,
                key,
                value,
                tombstone,
            } => {
                let mut what = Vec::new();
                if let Some(k) = key {
                    what.push(format!("key={k}"));
                }
                if let Some(v) = value {
                    what.push(format!("value={v}"));
                }
                let w = what.join(" ");
                match tombstone {
                    Some(true) => Text::new(
                        format!("分区 {tp} 的 offset {offset} 是墓碑记录（value=null）{w}"),
                        format!("partition {tp} offset {offset} is a tombstone (value=null) {w}"),
                    ),
                    _ => Text::new(
                        format!("分区 {tp} 的 leader 日志在 offset {offset} 有记录 {w}"),
                        format!("the leader's log of {tp} holds a record at offset {offset} {w}"),
                    ),
                }
            }
            Rebalance { group } => Text::new(
                format!("group {group} 完成了一次再均衡 (rebalance)"),
                format!("group {group} completed a rebalance"),
            ),
            PartitionsRevoked { group, consumer } => {
                let who = consumer.clone().unwrap_or_else(|| "a consumer".into());
                let who_zh = consumer.clone().unwrap_or_else(|| "某个 consumer".into());
                let g = group
                    .as_ref()
                    .map_or(String::new(), |g| format!(" (group {g})"));
                Text::new(
                    format!("{who_zh}{g} 的分区被收回 (revoke)"),
                    format!("partitions are revoked from {who}{g}"),
                )
            }
            MemberRemoved { group } => Text::new(
                format!("协调者把一个成员移出 group {group}"),
                format!("the coordinator removes a member from group {group}"),
            ),
            ConsumerError { consumer, error } => {
                let who = consumer.clone().unwrap_or_else(|| "a consumer".into());
                let who_zh = consumer.clone().unwrap_or_else(|| "某个 consumer".into());
                Text::new(
                    format!("{who_zh} 遇到 {}", error.name()),
                    format!("{who} gets {}", error.name()),
                )
            }
            OffsetsCommitted {
                group,
                topic,
                partition,
                offset,
            } => {
                let f = filter_text(topic, *partition);
                let o = offset.map_or(String::new(), |o| format!(" = {o}"));
                Text::new(
                    format!("group {group} 的{f} offset{o} 提交成功并写入 __consumer_offsets"),
                    format!("group {group} commits{f} offset{o} durably to __consumer_offsets"),
                )
            }
            Transaction {
                transactional_id,
                outcome,
            } => {
                let id = transactional_id.clone().unwrap_or_else(|| "a".into());
                let id_zh = transactional_id
                    .as_ref()
                    .map_or(String::new(), |t| format!(" {t} 的"));
                match outcome {
                    TxnOutcome::Committed => Text::new(
                        format!("一个{id_zh}事务提交 (CompleteCommit)"),
                        format!("{id} transaction commits (CompleteCommit)"),
                    ),
                    TxnOutcome::Aborted => Text::new(
                        format!("一个{id_zh}事务中止 (CompleteAbort)"),
                        format!("{id} transaction aborts (CompleteAbort)"),
                    ),
                }
            }
            ProducerFenced { transactional_id } => {
                let id = transactional_id
                    .as_ref()
                    .map_or(String::new(), |t| format!(" ({t})"));
                Text::new(
                    format!("事务协调者隔离 (fence) 了一个 producer{id}"),
                    format!("the transaction coordinator fences a producer{id}"),
                )
            }
            DeadLetter { consumer, dlq } => {
                let d = dlq.clone().unwrap_or_else(|| "DLQ".into());
                let who = consumer
                    .as_ref()
                    .map_or(String::new(), |c| format!(" ({c})"));
                Text::new(
                    format!("处理失败的记录被发送到死信队列 {d}{who}"),
                    format!(
                        "a record whose processing failed goes to the dead letter queue {d}{who}"
                    ),
                )
            }
            LogCleaned { topic, partition } => {
                let f = filter_text(&Some(topic.clone()), *partition);
                Text::new(
                    format!("日志清理器 (log cleaner) 压缩了{f}"),
                    format!("the log cleaner compacts{f}"),
                )
            }
            SegmentsDeleted { topic, partition } => {
                let f = filter_text(&Some(topic.clone()), *partition);
                Text::new(
                    format!("保留策略 (retention) 删除了{f} 的旧 segment"),
                    format!("retention deletes old segments of{f}"),
                )
            }
        }
    }
}

/// The (consumer, error) of an event in which a consumer saw an error.
fn consumer_error(kind: &EventKind) -> Option<(&String, KafkaError)> {
    match kind {
        EventKind::ConsumerError {
            consumer, error, ..
        }
        | EventKind::ConsumerRequestFailed {
            consumer, error, ..
        }
        | EventKind::ConsumerFenced {
            consumer, error, ..
        } => Some((consumer, *error)),
        EventKind::OffsetCommitCompleted {
            consumer,
            error: Some(error),
            ..
        } => Some((consumer, *error)),
        _ => None,
    }
}
