//! The page's state: a reducer over the worker's replies. Nothing here changes the engine; it only
//! remembers the latest snapshot, a capped event log and the guided example's progress.

use crate::protocol::{Reply, Timeline};
use kplay_engine::events::{ChangeReason, EventKind, ProduceOutcome};
use kplay_engine::ids::TopicPartition;
use kplay_engine::snapshot::EnvelopeView;
use kplay_engine::{Event, KafkaError, Snapshot};
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;
use yew::Reducible;

/// How many event lines the page keeps.
pub const LOG_CAPACITY: usize = 400;

/// How many recently seen envelopes the page keeps.
pub const WIRE_CAPACITY: usize = 16;

/// Event families for the log filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    Produce,
    Replication,
    Controller,
    Fault,
    Config,
}

impl Category {
    /// Every category, in filter-bar order.
    pub const ALL: [Category; 5] = [
        Category::Produce,
        Category::Replication,
        Category::Controller,
        Category::Fault,
        Category::Config,
    ];

    /// Classifies an event.
    pub fn of(kind: &EventKind) -> Category {
        use EventKind::*;
        match kind {
            RecordAccumulated { .. }
            | SendBlocked { .. }
            | BatchSent { .. }
            | BatchRetrying { .. }
            | ProducerIdAssigned { .. }
            | DuplicateBatch { .. }
            | BatchRecompressed { .. }
            | ProduceSequenceRejected { .. }
            | Appended { .. }
            | ProduceRejected { .. }
            | RecordRejected { .. }
            | PerfTestStarted { .. }
            | PerfTestProgress { .. }
            | PerfTestFinished { .. }
            | ProduceCompleted { .. } => Category::Produce,
            Replicated { .. }
            | HighWatermarkAdvanced { .. }
            | SegmentRolled { .. }
            | LogCleaned { .. }
            | SegmentsDeleted { .. }
            | Truncated { .. }
            | BecameLeader { .. }
            | BecameFollower { .. } => Category::Replication,
            BrokerRegistered { .. }
            | BrokerFenced { .. }
            | BrokerUnfenced { .. }
            | PartitionChanged { .. }
            | AlterPartitionSent { .. }
            | AlterPartitionFailed { .. }
            | QuorumProspective { .. }
            | QuorumElectionStarted { .. }
            | QuorumVoted { .. }
            | QuorumLeaderElected { .. }
            | QuorumFollowing { .. }
            | QuorumLeaderResigned { .. }
            | MetadataCommitted { .. }
            | MetadataLogTruncated { .. }
            | ControllerActivated { .. }
            | ControllerRenounced { .. } => Category::Controller,
            BrokerCrashed { .. }
            | BrokerRestarted { .. }
            | ControllerCrashed { .. }
            | ControllerRestarted { .. }
            | NetworkPartitioned { .. }
            | NodeIsolated { .. }
            | NetworkHealed { .. }
            | NodeSlowed { .. }
            | EnvelopeHeld { .. }
            | EnvelopeReleased { .. }
            | EnvelopeDropped { .. }
            | EnvelopeLost { .. } => Category::Fault,
            TopicCreated { .. }
            | PartitionsCreated { .. }
            | CommandFailed { .. }
            | ConfigChanged { .. }
            | ProducerAdded { .. } => Category::Config,
            // Consumer groups: shown with replication until the UI has a consumer category.
            OffsetsTopicCreationFailed { .. }
            | CoordinatorLoaded { .. }
            | CoordinatorUnloaded { .. }
            | GroupStateChanged { .. }
            | MemberRemoved { .. }
            | OffsetsCommitted { .. }
            | ConsumerAdded { .. }
            | CoordinatorDiscovered { .. }
            | ConsumerRequestFailed { .. }
            | ConsumerJoined { .. }
            | AssignmentComputed { .. }
            | PartitionsAssigned { .. }
            | PositionSet { .. }
            | RecordsPolled { .. }
            | ConsumerError { .. }
            | PollTimeoutExpired { .. }
            | ConsumerLifecycle { .. }
            | DeliverySemanticsApplied { .. }
            | OffsetCommitCompleted { .. }
            | TargetAssignmentComputed { .. }
            | MemberReconciled { .. }
            | ConsumerGroupMemberFenced { .. }
            | StaticMemberReplaced { .. }
            | PartitionsRevoked { .. }
            | ConsumerFenced { .. } => Category::Replication,
            // Transactions: the client's steps are produce events; the coordinator's and the
            // partition leaders' work is replication.
            TxnClient { .. } | TxnClientError { .. } | RecordToDeadLetterQueue { .. } => {
                Category::Produce
            }
            TxnStateChanged { .. }
            | TxnCoordinatorLoaded { .. }
            | TxnCoordinatorUnloaded { .. }
            | TxnMarkerWritten { .. }
            | TxnTimedOut { .. }
            | TxnProducerFenced { .. }
            | TxnTopicCreationFailed { .. } => Category::Replication,
        }
    }
}

/// How an event line is coloured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Neutral,
    Good,
    Warn,
    Bad,
}

impl Tone {
    fn of(kind: &EventKind) -> Tone {
        use EventKind::*;
        match kind {
            ProduceCompleted {
                outcome: ProduceOutcome::Ok { .. },
                ..
            } => Tone::Good,
            ProduceCompleted {
                outcome: ProduceOutcome::Err { .. },
                ..
            }
            | ProduceRejected { .. }
            | RecordRejected { .. }
            | ProduceSequenceRejected { .. }
            | CommandFailed { .. }
            | AlterPartitionFailed { .. }
            | PartitionChanged {
                reason: ChangeReason::UncleanElection,
                ..
            } => Tone::Bad,
            BrokerCrashed { .. }
            | BrokerFenced { .. }
            | BatchRetrying { .. }
            | SendBlocked { .. }
            | ControllerCrashed { .. }
            | QuorumLeaderResigned { .. }
            | ControllerRenounced { .. }
            | MetadataLogTruncated { .. }
            | Truncated { .. }
            | NetworkPartitioned { .. }
            | NodeIsolated { .. }
            | EnvelopeDropped { .. }
            | EnvelopeLost { .. }
            | ConsumerGroupMemberFenced { .. }
            | ConsumerFenced { .. }
            | PartitionsRevoked { .. } => Tone::Warn,
            BrokerUnfenced { .. }
            | BrokerRestarted { .. }
            | ControllerRestarted { .. }
            | ControllerActivated { .. }
            | QuorumLeaderElected { .. }
            | NetworkHealed { .. } => Tone::Good,
            _ => Tone::Neutral,
        }
    }

    /// The CSS class suffix.
    pub fn class(self) -> &'static str {
        match self {
            Tone::Neutral => "neutral",
            Tone::Good => "good",
            Tone::Warn => "warn",
            Tone::Bad => "bad",
        }
    }
}

/// One line of the event log, pre-rendered once.
#[derive(Clone, Debug, PartialEq)]
pub struct LogLine {
    /// A page-local running number (a stable key for rendering).
    pub id: u64,
    pub at_ms: u64,
    pub category: Category,
    pub tone: Tone,
    /// The event in English (close to the engine's `Display` line, without the `t=…ms` prefix).
    pub en: String,
    /// The event in 中文.
    pub zh: String,
    /// An unclean leader election (acknowledged records may be lost): drawn loudly.
    pub unclean: bool,
}

impl LogLine {
    fn new(id: u64, e: &Event) -> Self {
        use crate::event_text::render;
        use crate::i18n::Lang;
        LogLine {
            id,
            at_ms: e.at_ms,
            category: Category::of(&e.kind),
            tone: Tone::of(&e.kind),
            en: render(Lang::En, &e.kind),
            zh: render(Lang::Zh, &e.kind),
            unclean: matches!(
                e.kind,
                EventKind::PartitionChanged {
                    reason: ChangeReason::UncleanElection,
                    ..
                }
            ),
        }
    }

    /// The line in the page language.
    pub fn text(&self, l: crate::i18n::Lang) -> &str {
        match l {
            crate::i18n::Lang::En => &self.en,
            crate::i18n::Lang::Zh => &self.zh,
        }
    }
}

/// Progress through the guided example, derived from what actually happened.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Guide {
    /// 1) an acks=all produce succeeded.
    pub acks_all_ok: bool,
    /// 2) an acks=all produce succeeded with a broker down.
    pub ok_with_one_down: bool,
    /// 3) a produce failed with NOT_ENOUGH_REPLICAS.
    pub not_enough_replicas: bool,
    /// 4) after that, an acks=1 produce succeeded.
    pub acks_one_ok_after: bool,
}

impl Guide {
    fn observe(&mut self, events: &[Event], alive_brokers: usize, total_brokers: usize) {
        use kplay_engine::config::Acks;
        for e in events {
            let EventKind::ProduceCompleted { acks, outcome, .. } = &e.kind else {
                continue;
            };
            match (acks, outcome) {
                (Acks::All, ProduceOutcome::Ok { .. }) => {
                    self.acks_all_ok = true;
                    if total_brokers > 0 && alive_brokers + 1 == total_brokers {
                        self.ok_with_one_down = true;
                    }
                }
                (
                    _,
                    ProduceOutcome::Err {
                        error: KafkaError::NotEnoughReplicas,
                        ..
                    },
                ) => {
                    self.not_enough_replicas = true;
                }
                (Acks::One, ProduceOutcome::Ok { .. }) if self.not_enough_replicas => {
                    self.acks_one_ok_after = true;
                }
                _ => {}
            }
        }
    }
}

/// An envelope the engine reported as lost on a cut link or dropped by the learner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LostEnvelope {
    pub id: u64,
    pub at_ms: u64,
    pub api: String,
    pub from: String,
    pub to: String,
    /// Dropped on purpose (`DropEnvelope`) rather than lost on a cut link.
    pub dropped: bool,
}

/// How many lost/dropped envelopes the page remembers.
pub const LOST_CAPACITY: usize = 12;

/// The outcome of the newest `CreatePartitions`, for the topic bar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PartitionsResult {
    /// `PartitionsCreated`: the topic grew from `from` to `to` partitions.
    Created { topic: String, from: u32, to: u32 },
    /// `CommandFailed` for `create_partitions`: Kafka's error name and message.
    Failed { error: String, message: String },
    /// The active controller wrote the new partitions to the metadata log but lost its quorum
    /// (`ControllerRenounced`) before a majority had them: the records were abandoned and the
    /// topic kept its old count (`QuorumController.renounce` fails the pending reply with
    /// `NOT_CONTROLLER`).
    Abandoned {
        topic: String,
        from: u32,
        to: u32,
        controller: u32,
    },
}

/// An `ElectLeaders` command the engine refused (`ELECTION_NOT_NEEDED`,
/// `PREFERRED_LEADER_NOT_AVAILABLE`, `ELIGIBLE_LEADERS_NOT_AVAILABLE`…).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElectionFailure {
    /// The log id of the `CommandFailed` line: the page shows it next to the partition whose
    /// button was pressed before it.
    pub log_id: u64,
    pub error: String,
    pub message: String,
}

/// A partition whose leader was elected uncleanly (from outside the ISR).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UncleanMark {
    pub at_ms: u64,
    pub leader: Option<u32>,
    pub leader_epoch: u32,
    /// Records discarded since by replicas truncating to the new leader's log (`Truncated`).
    pub lost: u64,
}

/// Progress through the "Network partition" guide, read only from snapshots and events.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NetGuide {
    /// 1) the broker leading the first partition was cut from the controller (its id).
    pub cut_leader: Option<u32>,
    /// 2) the controller elected another leader while the cut broker still believes it leads.
    pub stale_seen: bool,
    /// The network was healed after step 2.
    pub healed: bool,
    /// 3) after the heal, the old leader stepped down and is back in the ISR.
    pub rejoined: bool,
}

impl NetGuide {
    /// `before` is the snapshot the events started from (the leader at the time of the cut).
    pub fn observe(&mut self, before: Option<&Snapshot>, events: &[Event], after: &Snapshot) {
        let leader_of = |s: &Snapshot| {
            s.topics
                .first()
                .and_then(|t| t.partitions.first())
                .and_then(|p| p.leader)
                .map(|b| b.0)
        };
        let leader_before = before.and_then(leader_of).or_else(|| leader_of(after));
        for e in events {
            match &e.kind {
                EventKind::NetworkPartitioned { a, b } if self.cut_leader.is_none() => {
                    let broker = |n: &str| n.strip_prefix("broker-")?.parse::<u32>().ok();
                    let pair = [(a, b), (b, a)];
                    for (x, y) in pair {
                        if y.starts_with("controller")
                            && broker(x).is_some()
                            && broker(x) == leader_before
                        {
                            self.cut_leader = broker(x);
                        }
                    }
                }
                EventKind::NodeIsolated { node } if self.cut_leader.is_none() => {
                    let id = node
                        .strip_prefix("broker-")
                        .and_then(|n| n.parse::<u32>().ok());
                    if id.is_some() && id == leader_before {
                        self.cut_leader = id;
                    }
                }
                EventKind::NetworkHealed { .. } if self.stale_seen => self.healed = true,
                _ => {}
            }
        }
        let Some(old) = self.cut_leader else {
            return;
        };
        let Some(p) = after.topics.first().and_then(|t| t.partitions.first()) else {
            return;
        };
        let replica = p.replica_states.iter().find(|r| r.broker.0 == old);
        let believes = replica.is_some_and(|r| r.is_leader);
        if !self.stale_seen && p.leader.is_some_and(|l| l.0 != old) && believes {
            self.stale_seen = true;
        }
        if self.healed && !believes && p.isr.iter().any(|b| b.0 == old) {
            self.rejoined = true;
        }
    }

    /// How many of the three steps are done.
    pub fn done(&self) -> usize {
        [self.cut_leader.is_some(), self.stale_seen, self.rejoined]
            .iter()
            .filter(|d| **d)
            .count()
    }
}

/// Progress through the "Controller quorum" guide, read only from events and snapshots.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QuorumGuide {
    /// The active controller as the events so far tell it.
    active: Option<u32>,
    /// How many voters are down, as the events so far tell it.
    down: u32,
    /// 1) the active controller was crashed (its id).
    pub crashed_active: Option<u32>,
    /// 2) after that, another controller became active (its id).
    pub failover: Option<u32>,
    /// 3) after that, fewer than a majority ran and no controller was active.
    pub frozen: bool,
    /// 4) after that, a controller became active again.
    pub recovered: bool,
}

impl QuorumGuide {
    /// `before` is the snapshot the events started from; a rebuilt run (no `before`) replays
    /// every event from the start of the timeline, when `start_active` was active.
    pub fn observe(
        &mut self,
        before: Option<&Snapshot>,
        start_active: Option<u32>,
        events: &[Event],
        after: &Snapshot,
    ) {
        (self.active, self.down) = match before {
            Some(s) => (
                s.quorum.active_controller,
                s.quorum.voters.iter().filter(|v| !v.alive).count() as u32,
            ),
            None => (start_active, 0),
        };
        let q = &after.quorum;
        for e in events {
            match e.kind {
                EventKind::ControllerCrashed { controller } => {
                    self.down += 1;
                    if self.active == Some(controller) {
                        self.active = None;
                        if self.crashed_active.is_none() && q.voters.len() > 1 {
                            self.crashed_active = Some(controller);
                        }
                    }
                    let running = (q.voters.len() as u32).saturating_sub(self.down);
                    if self.failover.is_some() && self.active.is_none() && running < q.majority {
                        self.frozen = true;
                    }
                }
                EventKind::ControllerRestarted { .. } => {
                    self.down = self.down.saturating_sub(1);
                }
                EventKind::ControllerRenounced { controller, .. }
                    if self.active == Some(controller) =>
                {
                    self.active = None;
                }
                EventKind::ControllerActivated { controller, .. } => {
                    self.active = Some(controller);
                    if self.frozen {
                        self.recovered = true;
                    } else if self.failover.is_none()
                        && self.crashed_active.is_some_and(|c| c != controller)
                    {
                        self.failover = Some(controller);
                    }
                }
                _ => {}
            }
        }
        let running = q.voters.iter().filter(|v| v.alive).count() as u32;
        if self.failover.is_some() && q.active_controller.is_none() && running < q.majority {
            self.frozen = true;
        }
    }

    /// How many of the four steps are done.
    pub fn done(&self) -> usize {
        [
            self.crashed_active.is_some(),
            self.failover.is_some(),
            self.frozen,
            self.recovered,
        ]
        .iter()
        .filter(|d| **d)
        .count()
    }
}

/// A `send()` as the `RecordAccumulated` event told it: which partition, why, which batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accumulated {
    pub id: u64,
    pub tp: TopicPartition,
    pub key: Option<String>,
    /// `murmur2`, `sticky`, `round-robin` or `explicit`.
    pub partitioner: String,
    pub batch: u64,
}

/// The newest `Appended`: a leader wrote a batch to its log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppendedBatch {
    pub broker: u32,
    pub tp: TopicPartition,
    pub offset: u64,
    pub records: u64,
}

/// A batch whose records all completed (acknowledged, or failed), from `ProduceCompleted`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DoneBatch {
    pub batch: u64,
    pub tp: TopicPartition,
    /// The broker its last attempt went to.
    pub to: Option<u32>,
    /// How many times it was sent.
    pub attempts: u32,
    pub records: u32,
    /// The offsets of its first and last record (-1 with acks=0).
    pub first_offset: i64,
    pub last_offset: i64,
    /// Kafka's error name, if it failed.
    pub error: Option<String>,
    pub at_ms: u64,
    /// `send()` → completion of its first record.
    pub latency_ms: u64,
}

/// How many completed batches the pipeline lists.
pub const DONE_BATCHES: usize = 4;

/// The producer pipeline as the events tell it (the snapshot holds the live batches; these are
/// what happened to records and batches on the way).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PipelineTrace {
    pub last_accumulated: Option<Accumulated>,
    pub last_appended: Option<AppendedBatch>,
    /// Newest first, at most [`DONE_BATCHES`].
    pub done: VecDeque<DoneBatch>,
    /// Records not completed yet → their batch.
    record_batch: BTreeMap<u64, u64>,
    /// Batches sent → (broker, attempt) of their newest attempt.
    batch_sent: BTreeMap<u64, (u32, u32)>,
}

impl PipelineTrace {
    fn observe(&mut self, e: &Event) {
        match &e.kind {
            EventKind::RecordAccumulated {
                id,
                tp,
                key,
                batch,
                partitioner,
                ..
            } => {
                self.record_batch.insert(id.0, batch.0);
                self.last_accumulated = Some(Accumulated {
                    id: id.0,
                    tp: tp.clone(),
                    key: key.clone(),
                    partitioner: partitioner.clone(),
                    batch: batch.0,
                });
            }
            EventKind::BatchSent {
                batch, to, attempt, ..
            } => {
                self.batch_sent.insert(batch.0, (to.0, *attempt));
            }
            EventKind::Appended {
                broker,
                tp,
                offset,
                records,
                ..
            } => {
                self.last_appended = Some(AppendedBatch {
                    broker: broker.0,
                    tp: tp.clone(),
                    offset: offset.0,
                    records: *records,
                });
            }
            EventKind::ProduceCompleted {
                id,
                tp,
                outcome,
                latency_ms,
                ..
            } => self.completed(e.at_ms, id.0, tp, outcome, *latency_ms),
            _ => {}
        }
    }

    fn completed(
        &mut self,
        at_ms: u64,
        id: u64,
        tp: &TopicPartition,
        outcome: &ProduceOutcome,
        latency_ms: u64,
    ) {
        let Some(batch) = self.record_batch.remove(&id) else {
            return;
        };
        let (offset, error) = match outcome {
            ProduceOutcome::Ok { offset } => (*offset, None),
            ProduceOutcome::Err { error, .. } => (-1, Some(error.name().to_string())),
        };
        // The records of a batch complete together, one after the other.
        if let Some(d) = self.done.front_mut().filter(|d| d.batch == batch) {
            d.records += 1;
            d.first_offset = d.first_offset.min(offset);
            d.last_offset = d.last_offset.max(offset);
            return;
        }
        let (to, attempts) = match self.batch_sent.remove(&batch) {
            Some((to, attempt)) => (Some(to), attempt),
            None => (None, 0),
        };
        self.done.push_front(DoneBatch {
            batch,
            tp: tp.clone(),
            to,
            attempts,
            records: 1,
            first_offset: offset,
            last_offset: offset,
            error,
            at_ms,
            latency_ms,
        });
        self.done.truncate(DONE_BATCHES);
    }
}

/// An `AlterProducerConfig` the engine refused (Kafka's `ConfigException`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigFailure {
    /// The log id of the `CommandFailed` line: shown next to the control changed before it.
    pub log_id: u64,
    pub message: String,
}

/// Everything the page renders.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct View {
    /// The worker has answered at least once.
    pub ready: bool,
    pub snapshot: Option<Rc<Snapshot>>,
    /// Oldest first; capped at [`LOG_CAPACITY`].
    pub log: VecDeque<Rc<LogLine>>,
    next_log_id: u64,
    pub preset: String,
    pub trace_hash: String,
    pub error: Option<String>,
    pub guide: Guide,
    /// Envelopes seen recently (newest first, unique by id), for the network view.
    pub wire: VecDeque<Rc<EnvelopeView>>,
    /// The recorded timeline (for the scrubber).
    pub timeline: Timeline,
    /// The newest request number answered.
    pub last_seq: u64,
    /// Envelopes lost on cut links or dropped (newest first), from `EnvelopeLost`/`EnvelopeDropped`.
    pub lost: VecDeque<LostEnvelope>,
    /// The newest `CreatePartitions` outcome.
    pub partitions_result: Option<PartitionsResult>,
    /// The "Network partition" guide.
    pub net_guide: NetGuide,
    /// The "Controller quorum" guide.
    pub quorum_guide: QuorumGuide,
    /// The newest refused `ElectLeaders`.
    pub election_failed: Option<ElectionFailure>,
    /// Partitions (`topic-p`) led after an unclean election.
    pub unclean: std::collections::BTreeMap<String, UncleanMark>,
    /// The producer pipeline's recent history.
    pub pipeline: PipelineTrace,
    /// The newest refused producer config change.
    pub producer_config_failed: Option<ConfigFailure>,
    /// The lesson being played (from the newest reply), if any.
    pub lesson: Option<crate::protocol::LessonStatus>,
}

/// What can happen to the view.
pub enum Action {
    /// The worker answered.
    Reply(Box<Reply>),
}

impl View {
    /// Remembers lost/dropped envelopes and the outcome of `CreatePartitions`.
    fn observe_fault(&mut self, e: &Event) {
        match &e.kind {
            EventKind::EnvelopeLost { id, api, from, to }
            | EventKind::EnvelopeDropped { id, api, from, to } => {
                self.lost.retain(|l| l.id != *id);
                self.lost.push_front(LostEnvelope {
                    id: *id,
                    at_ms: e.at_ms,
                    api: api.clone(),
                    from: from.clone(),
                    to: to.clone(),
                    dropped: matches!(e.kind, EventKind::EnvelopeDropped { .. }),
                });
                self.lost.truncate(LOST_CAPACITY);
            }
            EventKind::PartitionsCreated {
                topic, from, to, ..
            } => {
                self.partitions_result = Some(PartitionsResult::Created {
                    topic: topic.clone(),
                    from: *from,
                    to: *to,
                });
            }
            EventKind::CommandFailed {
                command,
                error,
                message,
            } if command == "elect_leaders" => {
                self.election_failed = Some(ElectionFailure {
                    log_id: self.next_log_id + 1,
                    error: error.to_string(),
                    message: message.clone(),
                });
            }
            EventKind::PartitionChanged {
                tp,
                leader,
                leader_epoch,
                reason,
                ..
            } => {
                // The partition moved on: an older refused election is no longer news.
                self.election_failed = None;
                let key = tp.to_string();
                if *reason == ChangeReason::UncleanElection {
                    self.unclean.insert(
                        key,
                        UncleanMark {
                            at_ms: e.at_ms,
                            leader: leader.map(|b| b.0),
                            leader_epoch: leader_epoch.0,
                            lost: 0,
                        },
                    );
                } else if let Some(m) = self.unclean.get_mut(&key) {
                    // A later clean leader change: keep the mark only while the unclean leader leads.
                    if m.leader != leader.map(|b| b.0) {
                        self.unclean.remove(&key);
                    }
                }
            }
            EventKind::Truncated { tp, lost, .. } => {
                if let Some(m) = self.unclean.get_mut(&tp.to_string()) {
                    m.lost += lost;
                }
            }
            EventKind::CommandFailed {
                command, message, ..
            } if command == "alter_producer_config" => {
                self.producer_config_failed = Some(ConfigFailure {
                    log_id: self.next_log_id + 1,
                    message: message.clone(),
                });
            }
            EventKind::CommandFailed {
                command,
                error,
                message,
            } if command == "create_partitions" => {
                self.partitions_result = Some(PartitionsResult::Failed {
                    error: error.to_string(),
                    message: message.clone(),
                });
            }
            _ => {}
        }
    }
}

impl View {
    /// A `CreatePartitions` whose records a renouncing controller abandoned never took effect.
    fn abandon_uncommitted_partitions(&mut self, events: &[Event], after: &Snapshot) {
        let renounced = events.iter().find_map(|e| match e.kind {
            EventKind::ControllerRenounced {
                controller,
                uncommitted,
                ..
            } if uncommitted > 0 => Some(controller),
            _ => None,
        });
        let (Some(controller), Some(PartitionsResult::Created { topic, from, to })) =
            (renounced, &self.partitions_result)
        else {
            return;
        };
        let count = after
            .topics
            .iter()
            .find(|t| t.name == *topic)
            .map(|t| t.partitions.len() as u32);
        if count.is_some_and(|c| c < *to) {
            self.partitions_result = Some(PartitionsResult::Abandoned {
                topic: topic.clone(),
                from: *from,
                to: *to,
                controller,
            });
        }
    }

    /// The id of the newest log line (0 before any).
    pub fn last_log_id(&self) -> u64 {
        self.next_log_id
    }
}

impl Reducible for View {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let Action::Reply(reply) = action;
        let mut next = (*self).clone();
        let reply = *reply;
        next.lesson = reply.lesson.clone();
        if reply.reset {
            next.log.clear();
            next.wire.clear();
            next.guide = Guide::default();
            next.lost.clear();
            next.partitions_result = None;
            next.election_failed = None;
            next.unclean.clear();
            next.pipeline = PipelineTrace::default();
            next.producer_config_failed = None;
            next.net_guide = NetGuide::default();
            next.quorum_guide = QuorumGuide::default();
        }
        for env in &reply.wire {
            next.wire.retain(|w| w.id != env.id);
            next.wire.push_front(Rc::new(env.clone()));
        }
        next.wire.truncate(WIRE_CAPACITY);
        let alive = reply.snapshot.brokers.iter().filter(|b| b.alive).count();
        next.guide
            .observe(&reply.events, alive, reply.snapshot.brokers.len());
        let before = if reply.reset {
            None
        } else {
            self.snapshot.as_deref()
        };
        next.net_guide
            .observe(before, &reply.events, &reply.snapshot);
        next.quorum_guide.observe(
            before,
            reply.timeline.start_active_controller,
            &reply.events,
            &reply.snapshot,
        );
        // Every event is observed, but only the ones the capped log keeps are rendered into
        // lines (in both languages): a seek brings the whole history, a live stream hundreds.
        let first_kept = reply.events.len().saturating_sub(LOG_CAPACITY);
        for (i, e) in reply.events.iter().enumerate() {
            next.observe_fault(e);
            next.pipeline.observe(e);
            next.next_log_id += 1;
            if i >= first_kept {
                next.log
                    .push_back(Rc::new(LogLine::new(next.next_log_id, e)));
            }
        }
        while next.log.len() > LOG_CAPACITY {
            next.log.pop_front();
        }
        next.abandon_uncommitted_partitions(&reply.events, &reply.snapshot);
        next.ready = true;
        next.preset = reply.preset;
        next.trace_hash = reply.trace_hash;
        next.error = reply.error;
        next.last_seq = reply.seq;
        next.timeline = reply.timeline;
        next.snapshot = Some(Rc::new(reply.snapshot));
        Rc::new(next)
    }
}
