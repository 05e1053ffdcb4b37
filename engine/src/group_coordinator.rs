//! The group coordinator (classic protocol) running inside each broker.
//!
//! A group lives on the `__consumer_offsets` partition `partition_for(group.id)`; the broker that
//! leads that partition is its coordinator. The coordinator keeps groups in memory, writes
//! committed offsets and group metadata as records to that partition (replicated like any other
//! partition), answers only once they are committed (HW), and — when leadership of the partition
//! moves — the new leader rebuilds the groups from the log while the old one drops them.
//!
//! Kafka: `GroupCoordinatorService` / `GroupMetadataManager` (classic groups), the state machine of
//! `ClassicGroupState` (Empty → PreparingRebalance → CompletingRebalance → Stable, and Dead),
//! `ClassicGroup`, `InitialDelayedJoin`, `CoordinatorLoaderImpl`.

use crate::assignor::{Assignor, Subscription};
use crate::config::{ConfigScope, Configs};
use crate::consumer_group::{ConsumerGroup, ConsumerGroupSettings};
use crate::errors::KafkaError;
use crate::events::EventKind;
use crate::ids::{BrokerId, LeaderEpoch, NodeAddr, Offset, Tick, TopicPartition};
use crate::kraft::Controller;
use crate::log::NewRecord;
use crate::network::{Ctx, Rpc};
use crate::offsets::{self, GroupMetadataValue, MemberMetadata, OFFSETS_TOPIC};
use crate::replication::Broker;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Broker-wide group settings (`GroupCoordinatorConfig`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupSettings {
    pub offsets_topic_num_partitions: u32,
    pub offsets_topic_replication_factor: u32,
    pub initial_rebalance_delay_ticks: u64,
    pub min_session_timeout_ms: u64,
    pub max_session_timeout_ms: u64,
    pub offsets_commit_timeout_ticks: u64,
    /// KIP-848 consumer groups: `group.consumer.*`.
    #[serde(default)]
    pub consumer: ConsumerGroupSettings,
    /// `offsets.topic.segment.bytes`.
    #[serde(default = "default_offsets_segment_bytes")]
    pub offsets_topic_segment_bytes: u64,
}

fn default_offsets_segment_bytes() -> u64 {
    104_857_600
}

impl GroupSettings {
    pub fn from_configs(c: &Configs) -> Self {
        let ms = |k: &str| crate::config::ticks_from_ms(c.get_u64(ConfigScope::Broker, k));
        GroupSettings {
            offsets_topic_num_partitions: c
                .get_u64(ConfigScope::Broker, "offsets.topic.num.partitions")
                .max(1) as u32,
            offsets_topic_replication_factor: c
                .get_u64(ConfigScope::Broker, "offsets.topic.replication.factor")
                .max(1) as u32,
            initial_rebalance_delay_ticks: ms("group.initial.rebalance.delay.ms"),
            min_session_timeout_ms: c.get_u64(ConfigScope::Broker, "group.min.session.timeout.ms"),
            max_session_timeout_ms: c.get_u64(ConfigScope::Broker, "group.max.session.timeout.ms"),
            offsets_commit_timeout_ticks: ms("offsets.commit.timeout.ms"),
            consumer: ConsumerGroupSettings {
                heartbeat_interval_ms: c
                    .get_u64(ConfigScope::Broker, "group.consumer.heartbeat.interval.ms"),
                session_timeout_ms: c
                    .get_u64(ConfigScope::Broker, "group.consumer.session.timeout.ms"),
                // Validated when set (config.rs), so parsing cannot fail here.
                assignors: crate::server_assignor::parse_assignors(
                    &c.get(ConfigScope::Broker, "group.consumer.assignors"),
                )
                .unwrap_or_else(|_| ConsumerGroupSettings::default().assignors),
            },
            offsets_topic_segment_bytes: c
                .get_u64(ConfigScope::Broker, "offsets.topic.segment.bytes"),
        }
    }
}

/// Kafka: `ClassicGroupState`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum GroupState {
    Empty,
    PreparingRebalance,
    CompletingRebalance,
    Stable,
    Dead,
}

impl fmt::Display for GroupState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Kafka's own names (`kafka-consumer-groups --describe --state`).
        f.write_str(match self {
            GroupState::Empty => "Empty",
            GroupState::PreparingRebalance => "PreparingRebalance",
            GroupState::CompletingRebalance => "CompletingRebalance",
            GroupState::Stable => "Stable",
            GroupState::Dead => "Dead",
        })
    }
}

/// One JoinGroup protocol entry: an assignor name and the member's subscription for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinProtocol {
    pub name: String,
    pub topics: Vec<String>,
    pub owned: Vec<TopicPartition>,
    pub generation: i32,
}

/// A member of a classic group (Kafka: `ClassicGroupMember`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub member_id: String,
    pub client_id: String,
    pub session_timeout_ms: u64,
    pub rebalance_timeout_ms: u64,
    pub protocols: Vec<JoinProtocol>,
    pub assignment: Vec<TopicPartition>,
    /// Waiting for its JoinGroup answer (Kafka: `awaitingJoinFuture`).
    pub awaiting_join: bool,
    /// Waiting for its SyncGroup answer.
    pub awaiting_sync: bool,
    /// When the session expires without a heartbeat.
    pub heartbeat_deadline: Tick,
    /// Static membership (KIP-345): `group.instance.id`.
    #[serde(default)]
    pub group_instance_id: Option<String>,
}

/// A classic group on its coordinator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub id: String,
    pub state: GroupState,
    pub generation: u32,
    pub protocol: Option<String>,
    pub leader: Option<String>,
    pub members: BTreeMap<String, Member>,
    /// KIP-394: member ids handed out with `MEMBER_ID_REQUIRED`, waiting for the member's
    /// second JoinGroup (expire after the session timeout).
    pub pending_members: BTreeMap<String, Tick>,
    /// Committed offsets (next offset to read) — the cache of the records in the log.
    pub offsets: BTreeMap<TopicPartition, u64>,
    /// PreparingRebalance: when the join phase ends even if members are missing (the largest
    /// rebalance timeout). CompletingRebalance: when members that never sent SyncGroup are dropped.
    pub phase_deadline: Option<Tick>,
    /// `InitialDelayedJoin`: (remaining delay budget in ticks, a member joined meanwhile).
    pub initial_delay: Option<(u64, bool)>,
    /// Static members: `group.instance.id` → member id (Kafka: `ClassicGroup.staticMembers`).
    #[serde(default)]
    pub static_members: BTreeMap<String, String>,
    /// Member ids replaced by a newer member with the same `group.instance.id` → that instance
    /// id: their requests get FENCED_INSTANCE_ID (Kafka finds this from the instance id every
    /// request carries; here only JoinGroup and Heartbeat carry it).
    #[serde(default)]
    pub fenced_static_members: BTreeMap<String, String>,
    /// `Some` when this is a KIP-848 consumer group (type `consumer`, not `classic`): then the
    /// classic fields above stay empty and the offsets are shared.
    #[serde(default)]
    pub consumer: Option<Box<ConsumerGroup>>,
}

impl Group {
    fn new(id: &str) -> Self {
        Group {
            id: id.to_string(),
            state: GroupState::Empty,
            generation: 0,
            protocol: None,
            leader: None,
            members: BTreeMap::new(),
            pending_members: BTreeMap::new(),
            offsets: BTreeMap::new(),
            phase_deadline: None,
            initial_delay: None,
            static_members: BTreeMap::new(),
            fenced_static_members: BTreeMap::new(),
            consumer: None,
        }
    }

    /// Whether a session, a pending member or the phase deadline expires by `now`.
    fn timer_due(&self, now: Tick) -> bool {
        self.consumer.as_ref().is_some_and(|c| c.timer_due(now))
            || self.phase_deadline.is_some_and(|d| now >= d)
            || self.pending_members.values().any(|d| now >= *d)
            || self
                .members
                .values()
                .any(|m| !m.awaiting_join && !m.awaiting_sync && now >= m.heartbeat_deadline)
    }

    /// Kafka: `ClassicGroup.hasAllMembersJoined`.
    fn all_members_joined(&self) -> bool {
        self.pending_members.is_empty() && self.members.values().all(|m| m.awaiting_join)
    }

    /// Kafka: `ClassicGroup.selectProtocol` — every member votes for its most preferred protocol
    /// that all members support; the protocol with the most votes wins (ties: the first candidate
    /// in the order of the members' preference lists, here the protocol name order).
    fn select_protocol(&self) -> Option<String> {
        let mut candidates: Vec<String> = self
            .members
            .values()
            .next()?
            .protocols
            .iter()
            .map(|p| p.name.clone())
            .collect();
        candidates.retain(|c| {
            self.members
                .values()
                .all(|m| m.protocols.iter().any(|p| &p.name == c))
        });
        let mut votes: BTreeMap<String, u32> = BTreeMap::new();
        for m in self.members.values() {
            if let Some(p) = m.protocols.iter().find(|p| candidates.contains(&p.name)) {
                *votes.entry(p.name.clone()).or_default() += 1;
            }
        }
        votes
            .into_iter()
            .max_by_key(|(name, n)| (*n, std::cmp::Reverse(name.clone())))
            .map(|(name, _)| name)
    }

    /// Kafka: `ClassicGroup.supportsProtocols` — a new member must share a protocol with the group.
    fn supports(&self, protocols: &[JoinProtocol]) -> bool {
        if self.members.is_empty() {
            return !protocols.is_empty();
        }
        protocols.iter().any(|p| {
            self.members
                .values()
                .all(|m| m.protocols.iter().any(|q| q.name == p.name))
        })
    }

    fn metadata_value(&self) -> GroupMetadataValue {
        GroupMetadataValue {
            protocol_type: "consumer".into(),
            generation: self.generation,
            protocol: self.protocol.clone(),
            leader: self.leader.clone(),
            members: self
                .members
                .values()
                .map(|m| MemberMetadata {
                    member_id: m.member_id.clone(),
                    client_id: m.client_id.clone(),
                    session_timeout_ms: m.session_timeout_ms,
                    rebalance_timeout_ms: m.rebalance_timeout_ms,
                    group_instance_id: m.group_instance_id.clone(),
                    subscription: m
                        .protocols
                        .iter()
                        .find(|p| Some(&p.name) == self.protocol.as_ref())
                        .map(|p| p.topics.clone())
                        .unwrap_or_default(),
                    assignment: m.assignment.clone(),
                })
                .collect(),
        }
    }
}

/// A write to the offsets partition waiting for the HW (Kafka appends with acks=-1 and answers
/// from the append callback).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingWrite {
    pub partition: u32,
    pub leader_epoch: LeaderEpoch,
    pub required_offset: Offset,
    pub deadline: Tick,
    pub kind: WriteKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum WriteKind {
    /// OffsetCommit from `client`.
    Commit {
        client: NodeAddr,
        group: String,
        request: u64,
        offsets: Vec<(TopicPartition, u64)>,
    },
    /// The group's assignment for `generation` (SyncGroup from the leader).
    StoreGroup { group: String, generation: u32 },
    /// A ConsumerGroupHeartbeat answered once its records are committed (Kafka's
    /// `CoordinatorRuntime` completes a write's response after the HW passes it).
    Respond {
        client: NodeAddr,
        response: Box<crate::consumer_group::HeartbeatResponse>,
    },
    /// TxnOffsetCommit from a transactional producer: pending until its transaction's marker.
    TxnCommit {
        client: NodeAddr,
        transactional_id: String,
        group: String,
        producer_id: u64,
        offsets: Vec<(TopicPartition, u64)>,
    },
}

/// Offsets written by a transaction that has not completed yet (Kafka:
/// `GroupMetadataManager.pendingTransactionalOffsetCommits`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingTxnOffset {
    pub producer_id: u64,
    pub group: String,
    pub tp: TopicPartition,
    pub offset: u64,
}

/// The coordinator role of one broker.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coordinator {
    /// Offsets partitions this broker has loaded, with the leader epoch it loaded them in.
    pub loaded: BTreeMap<u32, LeaderEpoch>,
    pub groups: BTreeMap<String, Group>,
    pub pending_writes: Vec<PendingWrite>,
    /// Transactional offsets waiting for their COMMIT / ABORT marker.
    #[serde(default)]
    pub pending_txn_offsets: Vec<PendingTxnOffset>,
}

/// Every broker's coordinator role, plus the broker-wide settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupCoordinators {
    pub settings: GroupSettings,
    pub by_broker: BTreeMap<BrokerId, Coordinator>,
    /// The last failure to create `__consumer_offsets` (reported once, not per FindCoordinator).
    pub creation_error: Option<String>,
    /// `__consumer_offsets` exists: brokers load the partitions they come to lead.
    #[serde(default)]
    pub offsets_topic_exists: bool,
    /// Per broker, the metadata offset at which its offsets-partition leaderships were last
    /// checked: leadership only changes with metadata, so the check runs when that moves.
    #[serde(default)]
    pub scanned_metadata: BTreeMap<BrokerId, u64>,
}

/// What a handler asks of the cluster after it returns.
#[derive(Debug, Default)]
pub struct Followups {
    /// A FindCoordinator found no `__consumer_offsets`: create it (Kafka:
    /// `AutoTopicCreationManager.createTopics` for the internal topic).
    pub create_offsets_topic: bool,
}

/// Whether a message is for the group coordinator or the consumer side of a broker.
pub fn is_group_request(rpc: &Rpc) -> bool {
    matches!(
        rpc,
        Rpc::FindCoordinator { .. }
            | Rpc::JoinGroup { .. }
            | Rpc::SyncGroup { .. }
            | Rpc::Heartbeat { .. }
            | Rpc::LeaveGroup { .. }
            | Rpc::OffsetCommit { .. }
            | Rpc::OffsetFetch { .. }
            | Rpc::ListOffsets { .. }
            | Rpc::ConsumerFetch { .. }
            | Rpc::ConsumerGroupHeartbeat(_)
            | Rpc::TxnOffsetCommit { .. }
    )
}

fn offsets_tp(p: u32) -> TopicPartition {
    TopicPartition::new(OFFSETS_TOPIC, p)
}

/// Kafka's member id: `clientId + "-" + UUID`; a short random suffix from the cluster PRNG here.
fn new_member_id(ctx: &mut Ctx, client_id: &str) -> String {
    format!("{client_id}-{:08x}", ctx.rng.next_u64() as u32)
}

impl GroupCoordinators {
    pub fn new(settings: GroupSettings) -> Self {
        GroupCoordinators {
            settings,
            by_broker: BTreeMap::new(),
            creation_error: None,
            offsets_topic_exists: false,
            scanned_metadata: BTreeMap::new(),
        }
    }

    /// The broker died: its coordinator state was in memory.
    pub fn crash(&mut self, broker: BrokerId) {
        self.by_broker.remove(&broker);
        self.scanned_metadata.remove(&broker);
    }

    /// The group's offsets partition.
    pub fn partition_for(&self, group: &str) -> u32 {
        offsets::partition_for(group, self.settings.offsets_topic_num_partitions)
    }

    /// Dispatches one request that arrived at `broker`.
    pub fn handle(
        &mut self,
        ctx: &mut Ctx,
        broker: &mut Broker,
        image: &Controller,
        from: NodeAddr,
        rpc: Rpc,
        replication: &crate::config::BrokerSettings,
    ) -> Followups {
        let mut f = Followups::default();
        match rpc {
            Rpc::FindCoordinator { key } => {
                let result = self.find_coordinator(image, &key, &mut f);
                ctx.send(
                    NodeAddr::Broker(broker.id),
                    from,
                    Rpc::FindCoordinatorResponse { key, result },
                );
            }
            Rpc::ListOffsets {
                tp,
                latest,
                read_committed,
            } => {
                let result = match broker.partitions.get(&tp).filter(|p| p.is_leader()) {
                    None => Err(KafkaError::NotLeaderOrFollower),
                    // read_committed: LATEST is the last stable offset (Kafka:
                    // `UnifiedLog.fetchOffsetByTimestamp` with the isolation level).
                    Some(p) if latest && read_committed => Ok(p.log.last_stable_offset().0),
                    // read_uncommitted: LATEST is the high watermark; EARLIEST the log start
                    // offset (retention moves it).
                    Some(p) if latest => Ok(p.log.high_watermark().0),
                    Some(p) => Ok(p.log.log_start_offset().0),
                };
                ctx.send(
                    NodeAddr::Broker(broker.id),
                    from,
                    Rpc::ListOffsetsResponse { tp, result },
                );
            }
            Rpc::ConsumerFetch {
                tp,
                fetch_offset,
                max_records,
                read_committed,
            } => consumer_fetch(
                ctx,
                broker,
                from,
                tp,
                fetch_offset,
                max_records,
                read_committed,
            ),
            other => self.handle_group_request(ctx, broker, image, from, other, replication),
        }
        f
    }

    /// Kafka: `KafkaApis.handleFindCoordinatorRequest` — any broker answers from its metadata.
    fn find_coordinator(
        &mut self,
        image: &Controller,
        key: &str,
        f: &mut Followups,
    ) -> Result<BrokerId, KafkaError> {
        if !image.topics.contains_key(OFFSETS_TOPIC) {
            f.create_offsets_topic = true;
            return Err(KafkaError::CoordinatorNotAvailable);
        }
        self.offsets_topic_exists = true;
        let tp = offsets_tp(self.partition_for(key));
        image
            .partitions
            .get(&tp)
            .and_then(|p| p.leader)
            .ok_or(KafkaError::CoordinatorNotAvailable)
    }

    fn handle_group_request(
        &mut self,
        ctx: &mut Ctx,
        broker: &mut Broker,
        image: &Controller,
        from: NodeAddr,
        rpc: Rpc,
        replication: &crate::config::BrokerSettings,
    ) {
        let group_id = match &rpc {
            Rpc::JoinGroup { group, .. }
            | Rpc::SyncGroup { group, .. }
            | Rpc::Heartbeat { group, .. }
            | Rpc::LeaveGroup { group, .. }
            | Rpc::OffsetCommit { group, .. }
            | Rpc::OffsetFetch { group, .. }
            | Rpc::TxnOffsetCommit { group, .. } => group.clone(),
            Rpc::ConsumerGroupHeartbeat(r) => r.group.clone(),
            _ => return,
        };
        let partition = self.partition_for(&group_id);
        let me = broker.id;
        // Kafka: CoordinatorRuntime — NOT_COORDINATOR unless this broker leads the partition.
        let Some(epoch) = broker
            .partitions
            .get(&offsets_tp(partition))
            .filter(|p| p.is_leader())
            .map(|p| p.meta.leader_epoch)
        else {
            reply_error(ctx, me, from, &rpc, KafkaError::NotCoordinator);
            return;
        };
        let settings = self.settings.clone();
        let coord = self.by_broker.entry(me).or_default();
        if coord.loaded.get(&partition) != Some(&epoch) {
            coord.load(
                ctx,
                broker,
                partition,
                epoch,
                settings.offsets_topic_num_partitions,
                settings.consumer.session_timeout_ms,
            );
        }
        let mut h = Handler {
            ctx,
            broker,
            coord,
            me,
            partition,
            epoch,
            settings: &settings,
            replication,
            image: Some(image),
        };
        h.dispatch(from, rpc);
    }

    /// Timers: session expiry, join/sync deadlines, the initial rebalance delay, committed
    /// writes, and dropping partitions this broker no longer leads. Nothing to do (and nothing
    /// done) while no broker coordinates a group.
    pub fn on_tick(
        &mut self,
        ctx: &mut Ctx,
        brokers: &mut BTreeMap<BrokerId, Broker>,
        replication: &crate::config::BrokerSettings,
    ) {
        if !self.offsets_topic_exists && self.by_broker.is_empty() {
            return;
        }
        let settings = self.settings.clone();
        // Kafka: GroupCoordinatorService.onElection — a broker that becomes leader of an offsets
        // partition loads it at once (so the groups' sessions run even if no member calls).
        // Leadership moves with metadata; a periodic pass also catches a delta applied after a gap.
        let periodic = ctx.now.0 % 1000 == 0;
        for (id, broker) in brokers
            .iter()
            .filter(|(_, b)| b.alive && self.offsets_topic_exists)
        {
            let seen = self.scanned_metadata.insert(*id, broker.metadata_offset);
            if seen == Some(broker.metadata_offset) && !periodic {
                continue;
            }
            let first = TopicPartition::new(OFFSETS_TOPIC, 0);
            let last = TopicPartition::new(OFFSETS_TOPIC, u32::MAX);
            for (tp, p) in broker.partitions.range(first..=last) {
                if !p.is_leader() {
                    continue;
                }
                let epoch = p.meta.leader_epoch;
                let coord = self.by_broker.entry(*id).or_default();
                if coord.loaded.get(&tp.partition) != Some(&epoch) {
                    coord.load(
                        ctx,
                        broker,
                        tp.partition,
                        epoch,
                        settings.offsets_topic_num_partitions,
                        settings.consumer.session_timeout_ms,
                    );
                }
            }
        }
        for (id, coord) in self.by_broker.iter_mut() {
            let Some(broker) = brokers.get_mut(id).filter(|b| b.alive) else {
                continue;
            };
            coord.unload_lost_partitions(ctx, broker, &settings);
            coord.complete_writes(ctx, broker, &settings);
            // One cheap pass finds the groups with a timer due; an idle group costs a few
            // comparisons and no allocation.
            let now = ctx.now;
            let due: Vec<String> = coord
                .groups
                .values()
                .filter(|g| g.timer_due(now))
                .map(|g| g.id.clone())
                .collect();
            for g in due {
                let partition = offsets::partition_for(&g, settings.offsets_topic_num_partitions);
                let Some(&epoch) = coord.loaded.get(&partition) else {
                    continue;
                };
                let mut h = Handler {
                    ctx,
                    broker,
                    coord,
                    me: *id,
                    partition,
                    epoch,
                    settings: &settings,
                    replication,
                    image: None,
                };
                h.timers(&g);
            }
        }
    }

    /// The coordinator of a group, if some live broker has it loaded.
    pub fn coordinator_of(&self, group: &str) -> Option<(BrokerId, &Group)> {
        self.by_broker
            .iter()
            .find_map(|(b, c)| c.groups.get(group).map(|g| (*b, g)))
    }
}

/// Kafka: `ReplicaManager.fetchMessages` for a consumer (replica id -1): only from the leader,
/// below the high watermark (read_uncommitted) or the last stable offset (read_committed, with
/// the aborted transactions among the records: `UnifiedLog.collectAbortedTransactions`).
/// Answered at once (no long poll here).
#[allow(clippy::too_many_arguments)]
fn consumer_fetch(
    ctx: &mut Ctx,
    broker: &Broker,
    from: NodeAddr,
    tp: TopicPartition,
    fetch_offset: Offset,
    max_records: u32,
    read_committed: bool,
) {
    let mut lso = Offset(0);
    let mut aborted = vec![];
    let (error, hw, records) = match broker.partitions.get(&tp).filter(|p| p.is_leader()) {
        None => (Some(KafkaError::NotLeaderOrFollower), Offset(0), vec![]),
        // Kafka: `LocalLog.read` — past the end, or below the log start (deleted by retention).
        Some(p)
            if fetch_offset > p.log.log_end_offset() || fetch_offset < p.log.log_start_offset() =>
        {
            (
                Some(KafkaError::OffsetOutOfRange),
                p.log.high_watermark(),
                vec![],
            )
        }
        Some(p) => {
            let hw = p.log.high_watermark();
            lso = p.log.last_stable_offset();
            let upper = if read_committed { lso } else { hw };
            // Compaction leaves gaps: read records below the upper bound, not a count of offsets.
            let records = p.log.read_below(fetch_offset, upper, max_records as usize);
            if read_committed {
                // Kafka: `collectAbortedTransactions(startOffset, upperBoundOffset)` over the
                // offsets this read spans.
                if let Some(last) = records.last() {
                    aborted = p
                        .log
                        .collect_aborted_transactions(fetch_offset, Offset(last.offset.0 + 1));
                }
            }
            (None, hw, records)
        }
    };
    ctx.send(
        NodeAddr::Broker(broker.id),
        from,
        Rpc::ConsumerFetchResponse {
            tp,
            fetch_offset,
            error,
            high_watermark: hw,
            records,
            last_stable_offset: lso,
            aborted,
        },
    );
}

fn reply_error(ctx: &mut Ctx, me: BrokerId, to: NodeAddr, rpc: &Rpc, error: KafkaError) {
    let resp = match rpc {
        Rpc::JoinGroup {
            group, member_id, ..
        } => Rpc::JoinGroupResponse {
            group: group.clone(),
            error: Some(error),
            generation: -1,
            protocol: None,
            leader: String::new(),
            member_id: member_id.clone(),
            members: vec![],
        },
        Rpc::SyncGroup { group, .. } => Rpc::SyncGroupResponse {
            group: group.clone(),
            error: Some(error),
            assignment: vec![],
        },
        Rpc::Heartbeat { group, .. } => Rpc::HeartbeatResponse {
            group: group.clone(),
            error: Some(error),
        },
        Rpc::LeaveGroup { group, .. } => Rpc::LeaveGroupResponse {
            group: group.clone(),
            error: Some(error),
        },
        Rpc::OffsetCommit {
            group,
            request,
            offsets,
            ..
        } => Rpc::OffsetCommitResponse {
            group: group.clone(),
            request: *request,
            error: Some(error),
            offsets: offsets.clone(),
        },
        Rpc::OffsetFetch { group, .. } => Rpc::OffsetFetchResponse {
            group: group.clone(),
            error: Some(error),
            offsets: vec![],
        },
        Rpc::ConsumerGroupHeartbeat(r) => {
            Rpc::ConsumerGroupHeartbeatResponse(crate::consumer_group::HeartbeatResponse {
                group: r.group.clone(),
                error: Some(error),
                error_message: None,
                member_id: r.member_id.clone(),
                member_epoch: r.member_epoch,
                heartbeat_interval_ms: 0,
                assignment: None,
            })
        }
        Rpc::TxnOffsetCommit {
            group,
            transactional_id,
            ..
        } => Rpc::TxnOffsetCommitResponse {
            transactional_id: transactional_id.clone(),
            group: group.clone(),
            error: Some(error),
        },
        _ => return,
    };
    ctx.send(NodeAddr::Broker(me), to, resp);
}

impl Coordinator {
    /// Kafka: `CoordinatorLoaderImpl.load` — replay the partition's log into groups and offsets.
    /// Loading is instant here (Kafka answers `COORDINATOR_LOAD_IN_PROGRESS` meanwhile).
    fn load(
        &mut self,
        ctx: &mut Ctx,
        broker: &Broker,
        partition: u32,
        epoch: LeaderEpoch,
        num_partitions: u32,
        consumer_session_ms: u64,
    ) {
        let Some(p) = broker.partitions.get(&offsets_tp(partition)) else {
            return;
        };
        let (visible, open) = committed_view(p.log.records());
        let state = offsets::replay(visible);
        let n = num_partitions;
        self.pending_txn_offsets
            .retain(|o| offsets::partition_for(&o.group, n) != partition);
        for (producer_id, k, v) in open {
            let Some(v) = v else { continue };
            if let Some(offsets::OffsetsRecord::OffsetCommit { group, tp, offset }) =
                offsets::decode(k, v)
            {
                self.pending_txn_offsets.push(PendingTxnOffset {
                    producer_id,
                    group,
                    tp,
                    offset,
                });
            }
        }
        // Groups of this partition from an older epoch are replaced by what the log says.
        let stale: Vec<String> = self
            .groups
            .keys()
            .filter(|g| offsets::partition_for(g, num_partitions) == partition)
            .cloned()
            .collect();
        for g in stale {
            self.groups.remove(&g);
        }
        let mut names: Vec<&String> = state.groups.keys().chain(state.offsets.keys()).collect();
        names.sort();
        names.dedup();
        let mut offsets_loaded = 0;
        for name in names {
            let mut g = Group::new(name);
            if let Some(o) = state.offsets.get(name) {
                offsets_loaded += o.len() as u32;
                g.offsets = o.clone();
            }
            if let Some(v) = state.groups.get(name) {
                g.generation = v.generation;
                g.protocol = v.protocol.clone();
                g.leader = v.leader.clone();
                for m in &v.members {
                    g.members.insert(
                        m.member_id.clone(),
                        Member {
                            member_id: m.member_id.clone(),
                            client_id: m.client_id.clone(),
                            session_timeout_ms: m.session_timeout_ms,
                            rebalance_timeout_ms: m.rebalance_timeout_ms,
                            protocols: v
                                .protocol
                                .iter()
                                .map(|name| JoinProtocol {
                                    name: name.clone(),
                                    topics: m.subscription.clone(),
                                    owned: vec![],
                                    generation: -1,
                                })
                                .collect(),
                            assignment: m.assignment.clone(),
                            awaiting_join: false,
                            awaiting_sync: false,
                            // Kafka: loaded members get a fresh session.
                            heartbeat_deadline: Tick(
                                ctx.now.0 + crate::config::ticks_from_ms(m.session_timeout_ms),
                            ),
                            group_instance_id: m.group_instance_id.clone(),
                        },
                    );
                }
                g.static_members = g
                    .members
                    .values()
                    .filter_map(|m| {
                        m.group_instance_id
                            .clone()
                            .map(|i| (i, m.member_id.clone()))
                    })
                    .collect();
                // Kafka: GroupMetadataManager.replay — a group with members loads as Stable.
                g.state = if g.members.is_empty() {
                    GroupState::Empty
                } else {
                    GroupState::Stable
                };
            }
            self.groups.insert(name.clone(), g);
        }
        self.load_consumer_groups(ctx.now, p, consumer_session_ms);
        self.loaded.insert(partition, epoch);
        if p.log.records().is_empty() {
            return; // nothing to load: no event for each of the 50 empty partitions
        }
        let groups = state
            .groups
            .keys()
            .chain(state.offsets.keys())
            .collect::<std::collections::BTreeSet<_>>()
            .len() as u32;
        ctx.emit(EventKind::CoordinatorLoaded {
            broker: broker.id,
            partition,
            leader_epoch: epoch,
            groups,
            offsets: offsets_loaded,
        });
    }

    /// Kafka: `GroupCoordinatorService.onResignation` — a partition this broker no longer leads
    /// is unloaded: its groups become Dead here and waiting requests get `NOT_COORDINATOR`.
    fn unload_lost_partitions(&mut self, ctx: &mut Ctx, broker: &Broker, s: &GroupSettings) {
        // Runs every tick: one reusable key, no allocation per loaded partition.
        let mut key = offsets_tp(0);
        let lost: Vec<u32> = self
            .loaded
            .iter()
            .filter(|(p, e)| {
                key.partition = **p;
                broker
                    .partitions
                    .get(&key)
                    .filter(|r| r.is_leader())
                    .map(|r| r.meta.leader_epoch)
                    != Some(**e)
            })
            .map(|(p, _)| *p)
            .collect();
        for p in lost {
            self.loaded.remove(&p);
            let names: Vec<String> = self
                .groups
                .keys()
                .filter(|g| offsets::partition_for(g, s.offsets_topic_num_partitions) == p)
                .cloned()
                .collect();
            for name in &names {
                if let Some(g) = self.groups.remove(name) {
                    for m in g.members.values() {
                        let client = NodeAddr::Client(m.client_id.clone());
                        if m.awaiting_join {
                            reply_error(
                                ctx,
                                broker.id,
                                client.clone(),
                                &join_stub(name, m),
                                KafkaError::NotCoordinator,
                            );
                        }
                        if m.awaiting_sync {
                            reply_error(
                                ctx,
                                broker.id,
                                client,
                                &sync_stub(name),
                                KafkaError::NotCoordinator,
                            );
                        }
                    }
                }
            }
            let mut failed = vec![];
            self.pending_writes.retain(|w| {
                if w.partition == p {
                    failed.push(w.kind.clone());
                    false
                } else {
                    true
                }
            });
            for k in failed {
                match k {
                    WriteKind::Respond {
                        client,
                        mut response,
                    } => {
                        response.error = Some(KafkaError::NotCoordinator);
                        response.assignment = None;
                        let rpc = Rpc::ConsumerGroupHeartbeatResponse(*response);
                        ctx.send(NodeAddr::Broker(broker.id), client, rpc);
                    }
                    WriteKind::Commit {
                        client,
                        group,
                        request,
                        offsets,
                    } => {
                        let rpc = Rpc::OffsetCommitResponse {
                            group,
                            request,
                            error: Some(KafkaError::NotCoordinator),
                            offsets,
                        };
                        ctx.send(NodeAddr::Broker(broker.id), client, rpc);
                    }
                    WriteKind::TxnCommit {
                        client,
                        transactional_id,
                        group,
                        ..
                    } => {
                        let rpc = Rpc::TxnOffsetCommitResponse {
                            transactional_id,
                            group,
                            error: Some(KafkaError::NotCoordinator),
                        };
                        ctx.send(NodeAddr::Broker(broker.id), client, rpc);
                    }
                    WriteKind::StoreGroup { .. } => {}
                }
            }
            let n = s.offsets_topic_num_partitions;
            self.pending_txn_offsets
                .retain(|o| offsets::partition_for(&o.group, n) != p);
            ctx.emit(EventKind::CoordinatorUnloaded {
                broker: broker.id,
                partition: p,
                groups: names.len() as u32,
            });
        }
    }

    /// Replays the KIP-848 records of a partition (Kafka: `GroupMetadataManager.replay` of the
    /// `ConsumerGroup…` records); every member gets a fresh session, as Kafka schedules.
    fn load_consumer_groups(
        &mut self,
        now: Tick,
        p: &crate::replication::ReplicaPartition,
        session_ms: u64,
    ) {
        let mut touched = std::collections::BTreeSet::new();
        for r in p.log.records().iter() {
            let Some(key) = r.key.as_deref() else {
                continue;
            };
            let Some(value) = r.value.as_deref() else {
                continue; // the coordinator writes no tombstones for these records
            };
            let Some((name, rec)) = crate::consumer_group::decode(key, value) else {
                continue;
            };
            let g = self
                .groups
                .entry(name.clone())
                .or_insert_with(|| Group::new(&name));
            g.consumer.get_or_insert_with(Box::default).replay(rec);
            touched.insert(name);
        }
        let deadline = Tick(now.0 + crate::config::ticks_from_ms(session_ms));
        for name in touched {
            if let Some(cg) = self.groups.get_mut(&name).and_then(|g| g.consumer.as_mut()) {
                for m in cg.members.values_mut() {
                    m.session_deadline = deadline;
                }
            }
        }
    }

    /// Answers writes the HW has passed; fails the ones past `offsets.commit.timeout.ms`.
    fn complete_writes(&mut self, ctx: &mut Ctx, broker: &Broker, s: &GroupSettings) {
        if self.pending_writes.is_empty() {
            return;
        }
        let _ = s;
        let now = ctx.now;
        let mut done = vec![];
        self.pending_writes.retain(|w| {
            let hw = broker
                .partitions
                .get(&offsets_tp(w.partition))
                .map(|p| p.log.high_watermark())
                .unwrap_or_default();
            if hw >= w.required_offset {
                done.push((w.clone(), None));
                false
            } else if now >= w.deadline {
                done.push((w.clone(), Some(KafkaError::RequestTimedOut)));
                false
            } else {
                true
            }
        });
        for (w, error) in done {
            self.write_completed(ctx, broker.id, w, error);
        }
    }

    fn write_completed(
        &mut self,
        ctx: &mut Ctx,
        me: BrokerId,
        w: PendingWrite,
        error: Option<KafkaError>,
    ) {
        match w.kind {
            WriteKind::TxnCommit {
                client,
                transactional_id,
                group,
                producer_id,
                offsets,
            } => {
                if error.is_none() {
                    for (tp, offset) in offsets {
                        self.pending_txn_offsets.retain(|o| {
                            !(o.producer_id == producer_id && o.group == group && o.tp == tp)
                        });
                        self.pending_txn_offsets.push(PendingTxnOffset {
                            producer_id,
                            group: group.clone(),
                            tp,
                            offset,
                        });
                    }
                }
                let rpc = Rpc::TxnOffsetCommitResponse {
                    transactional_id,
                    group,
                    error,
                };
                ctx.send(NodeAddr::Broker(me), client, rpc);
            }
            WriteKind::Commit {
                client,
                group,
                request,
                offsets,
            } => {
                if error.is_none() {
                    if let Some(g) = self.groups.get_mut(&group) {
                        for (tp, o) in &offsets {
                            g.offsets.insert(tp.clone(), *o);
                        }
                    }
                    ctx.emit(EventKind::OffsetsCommitted {
                        broker: me,
                        group: group.clone(),
                        offsets: offsets.clone(),
                    });
                }
                let rpc = Rpc::OffsetCommitResponse {
                    group,
                    request,
                    error,
                    offsets,
                };
                ctx.send(NodeAddr::Broker(me), client, rpc);
            }
            WriteKind::Respond {
                client,
                mut response,
            } => {
                if let Some(e) = error {
                    response.error = Some(e);
                    response.assignment = None;
                }
                let rpc = Rpc::ConsumerGroupHeartbeatResponse(*response);
                ctx.send(NodeAddr::Broker(me), client, rpc);
            }
            WriteKind::StoreGroup { group, generation } => {
                let Some(g) = self.groups.get_mut(&group) else {
                    return;
                };
                if g.state != GroupState::CompletingRebalance || g.generation != generation {
                    return;
                }
                if let Some(e) = error {
                    // Kafka: a failed store resets the assignment and rebalances again.
                    let _ = e;
                    prepare_rebalance(ctx, me, g, "storing the group assignment failed".into(), 0);
                    return;
                }
                // Kafka: setAndPropagateAssignment, then Stable.
                let members: Vec<String> = g.members.keys().cloned().collect();
                for m in members {
                    let member = g.members.get_mut(&m).expect("member");
                    if member.awaiting_sync {
                        member.awaiting_sync = false;
                        let rpc = Rpc::SyncGroupResponse {
                            group: group.clone(),
                            error: None,
                            assignment: member.assignment.clone(),
                        };
                        ctx.send(
                            NodeAddr::Broker(me),
                            NodeAddr::Client(member.client_id.clone()),
                            rpc,
                        );
                    }
                }
                transition(
                    ctx,
                    me,
                    g,
                    GroupState::Stable,
                    "the leader's assignment is stored",
                );
                g.phase_deadline = None;
            }
        }
    }
}

fn join_stub(group: &str, m: &Member) -> Rpc {
    Rpc::JoinGroup {
        group: group.to_string(),
        member_id: m.member_id.clone(),
        client_id: m.client_id.clone(),
        session_timeout_ms: 0,
        rebalance_timeout_ms: 0,
        protocols: vec![],
        group_instance_id: m.group_instance_id.clone(),
    }
}

fn sync_stub(group: &str) -> Rpc {
    Rpc::SyncGroup {
        group: group.to_string(),
        generation: -1,
        member_id: String::new(),
        assignments: vec![],
    }
}

/// Moves a group to another state, with one event. Every transition goes through here.
fn transition(ctx: &mut Ctx, me: BrokerId, g: &mut Group, to: GroupState, reason: &str) {
    let from = g.state;
    g.state = to;
    ctx.emit(EventKind::GroupStateChanged {
        broker: me,
        group: g.id.clone(),
        from,
        to,
        generation: g.generation,
        reason: reason.to_string(),
    });
}

/// Kafka: `GroupMetadataManager.prepareRebalance` — members must rejoin within the rebalance
/// timeout (the largest of the members'); an Empty group with `group.initial.rebalance.delay.ms`
/// waits that long first, so that more members can join before the first generation.
fn prepare_rebalance(ctx: &mut Ctx, me: BrokerId, g: &mut Group, reason: String, delay: u64) {
    // Kafka: a group in CompletingRebalance drops the pending sync answers (REBALANCE_IN_PROGRESS).
    if g.state == GroupState::CompletingRebalance {
        for m in g.members.values_mut() {
            if m.awaiting_sync {
                m.awaiting_sync = false;
                let rpc = Rpc::SyncGroupResponse {
                    group: g.id.clone(),
                    error: Some(KafkaError::RebalanceInProgress),
                    assignment: vec![],
                };
                ctx.send(
                    NodeAddr::Broker(me),
                    NodeAddr::Client(m.client_id.clone()),
                    rpc,
                );
            }
        }
    }
    let rebalance_timeout = g
        .members
        .values()
        .map(|m| m.rebalance_timeout_ms)
        .max()
        .unwrap_or(0);
    let rebalance_ticks = crate::config::ticks_from_ms(rebalance_timeout);
    if g.state == GroupState::Empty && delay > 0 {
        // Kafka: InitialDelayedJoin(delay, remaining = max(rebalanceTimeout - delay, 0)).
        g.initial_delay = Some((rebalance_ticks.saturating_sub(delay), false));
        g.phase_deadline = Some(Tick(ctx.now.0 + delay));
    } else {
        g.initial_delay = None;
        g.phase_deadline = Some(Tick(ctx.now.0 + rebalance_ticks));
    }
    transition(ctx, me, g, GroupState::PreparingRebalance, &reason);
}

/// A TxnOffsetCommit's fields.
struct TxnCommitRequest {
    transactional_id: String,
    producer: (u64, u16),
    member_id: String,
    generation: i32,
    offsets: Vec<(TopicPartition, u64)>,
}

/// The records of an offsets partition as a loader sees them (Kafka: the coordinator replays
/// transactional offset records when their COMMIT marker comes and drops them at ABORT): the
/// visible (key, value) pairs in order, and the records of transactions still open.
#[allow(clippy::type_complexity)]
fn committed_view(
    records: &crate::log::Records,
) -> (
    Vec<(Option<&str>, Option<&str>)>,
    Vec<(u64, Option<&str>, Option<&str>)>,
) {
    use crate::log::BatchKind;
    let mut visible = vec![];
    let mut open: Vec<(u64, Option<&str>, Option<&str>)> = vec![];
    for r in records.iter() {
        let (k, v) = (r.key.as_deref(), r.value.as_deref());
        match r.producer.map(|s| (s.kind, s.producer_id)) {
            Some((BatchKind::Transactional, pid)) => open.push((pid, k, v)),
            Some((BatchKind::Commit, pid)) => {
                visible.extend(open.iter().filter(|o| o.0 == pid).map(|o| (o.1, o.2)));
                open.retain(|o| o.0 != pid);
            }
            Some((BatchKind::Abort, pid)) => open.retain(|o| o.0 != pid),
            _ => visible.push((k, v)),
        }
    }
    (visible, open)
}

impl GroupCoordinators {
    /// Kafka: `GroupCoordinator.onTransactionCompleted` — the marker for `producer_id` on an
    /// offsets partition is replicated: its pending offsets become the group's committed
    /// offsets (COMMIT) or are dropped (ABORT).
    pub fn complete_txn_offsets(
        &mut self,
        ctx: &mut Ctx,
        broker: BrokerId,
        partition: u32,
        producer_id: u64,
        commit: bool,
    ) {
        let n = self.settings.offsets_topic_num_partitions;
        let Some(coord) = self.by_broker.get_mut(&broker) else {
            return;
        };
        let mut done = vec![];
        coord.pending_txn_offsets.retain(|o| {
            if o.producer_id == producer_id && offsets::partition_for(&o.group, n) == partition {
                done.push(o.clone());
                false
            } else {
                true
            }
        });
        if !commit {
            return;
        }
        let mut by_group: BTreeMap<String, Vec<(TopicPartition, u64)>> = BTreeMap::new();
        for o in done {
            by_group.entry(o.group).or_default().push((o.tp, o.offset));
        }
        for (group, offsets) in by_group {
            if let Some(g) = coord.groups.get_mut(&group) {
                for (tp, o) in &offsets {
                    g.offsets.insert(tp.clone(), *o);
                }
            }
            ctx.emit(EventKind::OffsetsCommitted {
                broker,
                group,
                offsets,
            });
        }
    }
}

/// One request (or timer) being handled on a coordinator for one group's partition.
struct Handler<'a, 'c> {
    ctx: &'a mut Ctx<'c>,
    broker: &'a mut Broker,
    coord: &'a mut Coordinator,
    me: BrokerId,
    partition: u32,
    epoch: LeaderEpoch,
    settings: &'a GroupSettings,
    #[allow(dead_code)]
    replication: &'a crate::config::BrokerSettings,
    /// The metadata image (partition counts for the server-side assignor); `None` for timers.
    image: Option<&'a Controller>,
}

impl Handler<'_, '_> {
    fn send(&mut self, to: &NodeAddr, rpc: Rpc) {
        self.ctx.send(NodeAddr::Broker(self.me), to.clone(), rpc);
    }

    /// The one dispatcher of the coordinator: each request type, then the group's state.
    fn dispatch(&mut self, from: NodeAddr, rpc: Rpc) {
        match rpc {
            Rpc::JoinGroup {
                group,
                member_id,
                client_id,
                session_timeout_ms,
                rebalance_timeout_ms,
                protocols,
                group_instance_id,
            } => {
                let req = JoinRequest {
                    member_id,
                    client_id,
                    session_timeout_ms,
                    rebalance_timeout_ms,
                    protocols,
                    group_instance_id,
                };
                if let Err(e) = self.join(&from, &group, req.clone()) {
                    let stub = Rpc::JoinGroup {
                        group,
                        member_id: req.member_id,
                        client_id: req.client_id,
                        session_timeout_ms,
                        rebalance_timeout_ms,
                        protocols: vec![],
                        group_instance_id: req.group_instance_id,
                    };
                    reply_error(self.ctx, self.me, from, &stub, e);
                }
            }
            Rpc::SyncGroup {
                group,
                generation,
                member_id,
                assignments,
            } => {
                if let Err(e) = self.sync(&from, &group, generation, &member_id, assignments) {
                    reply_error(self.ctx, self.me, from, &sync_stub(&group), e);
                }
            }
            Rpc::Heartbeat {
                group,
                generation,
                member_id,
                group_instance_id,
            } => {
                let error = self
                    .heartbeat(&group, generation, &member_id, group_instance_id.as_deref())
                    .err();
                self.send(&from, Rpc::HeartbeatResponse { group, error });
            }
            Rpc::LeaveGroup { group, member_id } => {
                let error = self.leave(&group, &member_id).err();
                self.send(&from, Rpc::LeaveGroupResponse { group, error });
            }
            Rpc::OffsetCommit {
                group,
                generation,
                member_id,
                request,
                offsets,
            } => {
                if let Err(e) =
                    self.commit(&from, &group, generation, &member_id, request, &offsets)
                {
                    let rpc = Rpc::OffsetCommitResponse {
                        group,
                        request,
                        error: Some(e),
                        offsets,
                    };
                    self.send(&from, rpc);
                }
            }
            Rpc::ConsumerGroupHeartbeat(req) => self.consumer_group_heartbeat(from, req),
            Rpc::TxnOffsetCommit {
                transactional_id,
                group,
                producer_id,
                producer_epoch,
                member_id,
                generation,
                offsets,
            } => {
                let req = TxnCommitRequest {
                    transactional_id: transactional_id.clone(),
                    producer: (producer_id, producer_epoch),
                    member_id,
                    generation,
                    offsets,
                };
                if let Err(e) = self.txn_commit(&from, &group, req) {
                    let rpc = Rpc::TxnOffsetCommitResponse {
                        transactional_id,
                        group,
                        error: Some(e),
                    };
                    self.send(&from, rpc);
                }
            }
            Rpc::OffsetFetch { group, partitions } => {
                // KIP-447 (`requireStable`): an offset a transaction still holds is unstable.
                let unstable = self
                    .coord
                    .pending_txn_offsets
                    .iter()
                    .any(|o| o.group == group && partitions.contains(&o.tp));
                if unstable {
                    let rpc = Rpc::OffsetFetchResponse {
                        group,
                        error: Some(KafkaError::UnstableOffsetCommit),
                        offsets: vec![],
                    };
                    self.send(&from, rpc);
                    return;
                }
                let g = self.coord.groups.get(&group);
                let offsets = partitions
                    .into_iter()
                    .map(|tp| {
                        let o = g.and_then(|g| g.offsets.get(&tp).copied());
                        (tp, o)
                    })
                    .collect();
                self.send(
                    &from,
                    Rpc::OffsetFetchResponse {
                        group,
                        error: None,
                        offsets,
                    },
                );
            }
            _ => {}
        }
    }

    fn group(&mut self, id: &str) -> Option<&mut Group> {
        self.coord.groups.get_mut(id)
    }

    /// Kafka: `GroupMetadataManager.consumerGroupHeartbeat` — validation, the group lookup
    /// rules between classic and consumer groups, then the group's own heartbeat logic; the
    /// answer waits for the records it wrote.
    fn consumer_group_heartbeat(
        &mut self,
        from: NodeAddr,
        req: crate::consumer_group::HeartbeatRequest,
    ) {
        use crate::consumer_group::{HeartbeatResponse, Outcome, LEAVE_GROUP_MEMBER_EPOCH};
        let s = self.settings.consumer.clone();
        let mut resp = HeartbeatResponse {
            group: req.group.clone(),
            error: None,
            error_message: None,
            member_id: req.member_id.clone(),
            member_epoch: req.member_epoch,
            heartbeat_interval_ms: s.heartbeat_interval_ms,
            assignment: None,
        };
        let mut out = Outcome::default();
        let now = self.ctx.now;
        let topics: BTreeMap<String, u32> = self
            .image
            .map(|i| {
                i.topics
                    .iter()
                    .map(|(t, m)| (t.clone(), m.partitions))
                    .collect()
            })
            .unwrap_or_default();
        let result = self.consumer_group_for(&req).and_then(|g| {
            if req.member_epoch == LEAVE_GROUP_MEMBER_EPOCH {
                // Kafka: consumerGroupLeave.
                if !g.members.contains_key(&req.member_id) {
                    let msg = format!(
                        "Member {} is not a member of group {}.",
                        req.member_id, req.group
                    );
                    return Err((KafkaError::UnknownMemberId, msg));
                }
                g.fence(
                    &req.member_id,
                    "left the group (heartbeat with member epoch -1)",
                    &mut out,
                );
                return Ok((LEAVE_GROUP_MEMBER_EPOCH, None));
            }
            g.heartbeat(&req, &topics, &s, now, &mut out)
                .map(|(epoch, a)| (epoch, Some(a)))
        });
        match result {
            Ok((epoch, assignment)) => {
                resp.member_epoch = epoch;
                resp.assignment = assignment;
            }
            Err((e, msg)) => {
                resp.error = Some(e);
                resp.error_message = Some(msg);
            }
        }
        self.report_consumer_group(&req.group, &out);
        let records: Vec<NewRecord> = out
            .records
            .iter()
            .map(|r| NewRecord {
                key: Some(crate::consumer_group::record_key(&req.group, r).into()),
                value: Some(crate::consumer_group::record_value(r).into()),
                produce_id: None,
            })
            .collect();
        let kind = WriteKind::Respond {
            client: from.clone(),
            response: Box::new(resp.clone()),
        };
        if records.is_empty() || !self.append(records, kind) {
            self.send(&from, Rpc::ConsumerGroupHeartbeatResponse(resp));
        }
    }

    /// Kafka: `getOrMaybeCreateConsumerGroup` — a join (epoch 0) creates the group or converts
    /// an empty classic group (its offsets stay); a non-empty classic group is not a consumer
    /// group. (Kafka 4.0 can also upgrade a non-empty classic group online, per
    /// `group.consumer.migration.policy`; the playground does not simulate that migration.)
    fn consumer_group_for(
        &mut self,
        req: &crate::consumer_group::HeartbeatRequest,
    ) -> Result<&mut ConsumerGroup, (KafkaError, String)> {
        let create = req.member_epoch == 0;
        let id = req.group.as_str();
        if !self.coord.groups.contains_key(id) {
            if !create {
                return Err((
                    KafkaError::GroupIdNotFound,
                    format!("Consumer group {id} not found."),
                ));
            }
            self.coord.groups.insert(id.to_string(), Group::new(id));
        }
        let g = self.coord.groups.get_mut(id).expect("group");
        if g.consumer.is_none() {
            if !(create && g.members.is_empty() && g.pending_members.is_empty()) {
                return Err((
                    KafkaError::GroupIdNotFound,
                    format!("Group {id} is not a consumer group"),
                ));
            }
            g.consumer = Some(Box::default());
            g.state = GroupState::Empty;
            g.generation = 0;
            g.protocol = None;
            g.leader = None;
            g.phase_deadline = None;
            g.initial_delay = None;
        }
        Ok(g.consumer.as_mut().expect("consumer group"))
    }

    /// One event per change a consumer-group heartbeat or timer made.
    fn report_consumer_group(&mut self, group: &str, out: &crate::consumer_group::Outcome) {
        let me = self.me;
        let Some(cg) = self
            .coord
            .groups
            .get(group)
            .and_then(|g| g.consumer.as_ref())
        else {
            return;
        };
        for (member, epoch, why) in &out.fenced {
            self.ctx.emit(EventKind::ConsumerGroupMemberFenced {
                broker: me,
                group: group.to_string(),
                member: member.clone(),
                member_epoch: *epoch,
                group_epoch: cg.group_epoch,
                reason: why.clone(),
            });
        }
        if let Some((assignor, epoch)) = &out.target_computed {
            let assignment = cg
                .target
                .iter()
                .map(|(m, a)| (m.clone(), crate::consumer_group::to_tps(a)))
                .collect();
            self.ctx.emit(EventKind::TargetAssignmentComputed {
                broker: me,
                group: group.to_string(),
                group_epoch: *epoch,
                assignor: assignor.clone(),
                assignment,
            });
        }
        for member in &out.reconciled {
            let Some(m) = cg.members.get(member) else {
                continue;
            };
            self.ctx.emit(EventKind::MemberReconciled {
                broker: me,
                group: group.to_string(),
                member: member.clone(),
                member_epoch: m.member_epoch,
                state: m.state.to_string(),
                assigned: crate::consumer_group::to_tps(&m.assigned),
                pending_revocation: crate::consumer_group::to_tps(&m.pending_revocation),
            });
        }
    }

    /// Consumer-group timers: expired sessions and revocations fence members.
    fn consumer_group_timers(&mut self, group_id: &str) {
        let now = self.ctx.now;
        let mut out = crate::consumer_group::Outcome::default();
        let Some(cg) = self.group(group_id).and_then(|g| g.consumer.as_mut()) else {
            return;
        };
        cg.expire(now, &mut out);
        if out.records.is_empty() {
            return;
        }
        self.report_consumer_group(group_id, &out);
        let records: Vec<NewRecord> = out
            .records
            .iter()
            .map(|r| NewRecord {
                key: Some(crate::consumer_group::record_key(group_id, r).into()),
                value: Some(crate::consumer_group::record_value(r).into()),
                produce_id: None,
            })
            .collect();
        let tp = offsets_tp(self.partition);
        let _ = self
            .broker
            .append_internal(self.ctx, &tp, records, self.replication);
    }

    /// Kafka: `GroupMetadataManager.classicGroupJoin`.
    fn join(
        &mut self,
        from: &NodeAddr,
        group_id: &str,
        req: JoinRequest,
    ) -> Result<(), KafkaError> {
        let s = self.settings;
        // Kafka: INVALID_SESSION_TIMEOUT outside group.{min,max}.session.timeout.ms.
        if req.session_timeout_ms < s.min_session_timeout_ms
            || req.session_timeout_ms > s.max_session_timeout_ms
        {
            return Err(KafkaError::InvalidSessionTimeout);
        }
        if !self.coord.groups.contains_key(group_id) {
            if !req.member_id.is_empty() {
                return Err(KafkaError::UnknownMemberId);
            }
            self.coord
                .groups
                .insert(group_id.to_string(), Group::new(group_id));
        }
        let now = self.ctx.now;
        let g = self.coord.groups.get_mut(group_id).expect("group");
        if g.state == GroupState::Dead {
            return Err(KafkaError::CoordinatorNotAvailable);
        }
        if let Some(cg) = &g.consumer {
            // Kafka: classicGroupJoin — an empty consumer group becomes a classic group; a
            // non-empty one takes the member as a classic member of a consumer group (not
            // simulated here: INCONSISTENT_GROUP_PROTOCOL, as for any other group type).
            if !cg.members.is_empty() {
                return Err(KafkaError::InconsistentGroupProtocol);
            }
            g.consumer = None;
        }
        if !g.supports(&req.protocols) {
            return Err(KafkaError::InconsistentGroupProtocol);
        }
        let session_ticks = crate::config::ticks_from_ms(req.session_timeout_ms);
        if let Some(iid) = req.group_instance_id.clone() {
            return self.join_static(from, group_id, &iid, req, session_ticks);
        }
        if req.member_id.is_empty() {
            // KIP-394 (2.2+): hand out a member id and ask the member to join again with it.
            let id = new_member_id(self.ctx, &req.client_id);
            let g = self.coord.groups.get_mut(group_id).expect("group");
            g.pending_members
                .insert(id.clone(), Tick(now.0 + session_ticks));
            let rpc = Rpc::JoinGroupResponse {
                group: group_id.to_string(),
                error: Some(KafkaError::MemberIdRequired),
                generation: -1,
                protocol: None,
                leader: String::new(),
                member_id: id,
                members: vec![],
            };
            self.send(from, rpc);
            return Ok(());
        }
        let is_pending = g.pending_members.remove(&req.member_id).is_some();
        if !is_pending && !g.members.contains_key(&req.member_id) {
            return Err(KafkaError::UnknownMemberId);
        }
        if is_pending {
            self.add_member_and_rebalance(group_id, req, session_ticks);
            return Ok(());
        }
        self.update_member_and_rebalance(from, group_id, req, session_ticks)
    }

    /// Static membership (KIP-345). Kafka: `classicGroupJoinNewStaticMember`,
    /// `updateStaticMemberThenRebalanceOrCompleteJoin`, `ClassicGroup.replaceStaticMember` and the
    /// FENCED_INSTANCE_ID checks of `classicGroupJoinExistingMember`.
    fn join_static(
        &mut self,
        from: &NodeAddr,
        group_id: &str,
        instance_id: &str,
        mut req: JoinRequest,
        session_ticks: u64,
    ) -> Result<(), KafkaError> {
        let g = self.coord.groups.get_mut(group_id).expect("group");
        let mapped = g.static_members.get(instance_id).cloned();
        if !req.member_id.is_empty() {
            // A known member id must be the one mapped to the instance id.
            if mapped.as_deref() != Some(req.member_id.as_str()) {
                return Err(KafkaError::FencedInstanceId);
            }
            return self.update_member_and_rebalance(from, group_id, req, session_ticks);
        }
        // A static member gets its id at once (no MEMBER_ID_REQUIRED round trip).
        let new_id = new_member_id(self.ctx, instance_id);
        req.member_id = new_id.clone();
        let Some(old_id) = mapped else {
            let g = self.coord.groups.get_mut(group_id).expect("group");
            g.static_members.insert(instance_id.to_string(), new_id);
            self.add_member_and_rebalance(group_id, req, session_ticks);
            return Ok(());
        };
        // Replace the previous member of this instance id: it is fenced, the group keeps its
        // assignment under the new id.
        let me = self.me;
        let now = self.ctx.now;
        let g = self.coord.groups.get_mut(group_id).expect("group");
        let Some(mut old) = g.members.remove(&old_id) else {
            g.static_members.insert(instance_id.to_string(), new_id);
            self.add_member_and_rebalance(group_id, req, session_ticks);
            return Ok(());
        };
        if old.awaiting_join {
            let stub = join_stub(group_id, &old);
            reply_error(
                self.ctx,
                me,
                NodeAddr::Client(old.client_id.clone()),
                &stub,
                KafkaError::FencedInstanceId,
            );
        }
        let same_protocols = old.protocols == req.protocols;
        old.member_id = new_id.clone();
        old.client_id = req.client_id.clone();
        old.session_timeout_ms = req.session_timeout_ms;
        old.rebalance_timeout_ms = req.rebalance_timeout_ms;
        old.protocols = req.protocols.clone();
        old.heartbeat_deadline = Tick(now.0 + session_ticks);
        old.awaiting_join = false;
        old.awaiting_sync = false;
        if g.leader.as_deref() == Some(old_id.as_str()) {
            g.leader = Some(new_id.clone());
        }
        g.static_members
            .insert(instance_id.to_string(), new_id.clone());
        g.fenced_static_members
            .insert(old_id.clone(), instance_id.to_string());
        g.members.insert(new_id.clone(), old);
        self.ctx.emit(EventKind::StaticMemberReplaced {
            broker: me,
            group: group_id.to_string(),
            instance_id: instance_id.to_string(),
            old_member: old_id,
            new_member: new_id.clone(),
            rebalance: !(g.state == GroupState::Stable && same_protocols),
        });
        match g.state {
            GroupState::Stable if same_protocols => {
                // Kafka: the static member rejoins without a rebalance and gets the current
                // generation (a rejoining leader skips the assignment); SyncGroup then returns
                // its old partitions.
                let mut rpc = join_response(g, &new_id, false);
                if let Rpc::JoinGroupResponse { members, .. } = &mut rpc {
                    members.clear();
                }
                self.store_group(group_id);
                self.send(from, rpc);
                Ok(())
            }
            GroupState::Empty | GroupState::Dead => Err(KafkaError::UnknownMemberId),
            _ => {
                let g = self.coord.groups.get_mut(group_id).expect("group");
                g.members.get_mut(&new_id).expect("member").awaiting_join = true;
                if g.state != GroupState::PreparingRebalance {
                    let reason = format!("static member {instance_id} rejoined with new metadata");
                    prepare_rebalance(self.ctx, me, g, reason, 0);
                }
                self.maybe_complete_join(group_id);
                Ok(())
            }
        }
    }

    fn add_member_and_rebalance(&mut self, group_id: &str, req: JoinRequest, session_ticks: u64) {
        let now = self.ctx.now;
        let delay = self.settings.initial_rebalance_delay_ticks;
        let me = self.me;
        let g = self.coord.groups.get_mut(group_id).expect("group");
        let member = Member {
            member_id: req.member_id.clone(),
            client_id: req.client_id.clone(),
            session_timeout_ms: req.session_timeout_ms,
            rebalance_timeout_ms: req.rebalance_timeout_ms,
            protocols: req.protocols,
            assignment: vec![],
            awaiting_join: true,
            awaiting_sync: false,
            heartbeat_deadline: Tick(now.0 + session_ticks),
            group_instance_id: req.group_instance_id.clone(),
        };
        // Kafka: the first member to join becomes the leader.
        if g.leader.is_none() || g.members.is_empty() {
            g.leader = Some(req.member_id.clone());
        }
        g.members.insert(req.member_id.clone(), member);
        if let Some((_, joined)) = &mut g.initial_delay {
            *joined = true;
        }
        let reason = format!("{} joined", req.member_id);
        match g.state {
            GroupState::Empty => prepare_rebalance(self.ctx, me, g, reason, delay),
            GroupState::Stable | GroupState::CompletingRebalance => {
                prepare_rebalance(self.ctx, me, g, reason, 0)
            }
            _ => {}
        }
        self.maybe_complete_join(group_id);
    }

    /// Kafka: `updateMemberAndRebalance` and the per-state rules of `classicGroupJoinExistingMember`.
    fn update_member_and_rebalance(
        &mut self,
        from: &NodeAddr,
        group_id: &str,
        req: JoinRequest,
        session_ticks: u64,
    ) -> Result<(), KafkaError> {
        let now = self.ctx.now;
        let me = self.me;
        let g = self.coord.groups.get_mut(group_id).expect("group");
        let member = g.members.get_mut(&req.member_id).expect("member");
        let same = member.protocols == req.protocols;
        member.heartbeat_deadline = Tick(now.0 + session_ticks);
        match g.state {
            GroupState::PreparingRebalance => {
                member.protocols = req.protocols;
                member.awaiting_join = true;
                member.session_timeout_ms = req.session_timeout_ms;
                member.rebalance_timeout_ms = req.rebalance_timeout_ms;
            }
            GroupState::CompletingRebalance | GroupState::Stable
                if same && g.leader.as_deref() != Some(&req.member_id) =>
            {
                // Kafka: the member lost the JoinGroup answer: send the current generation again.
                let rpc = join_response(g, &req.member_id, false);
                self.send(from, rpc);
                return Ok(());
            }
            GroupState::CompletingRebalance | GroupState::Stable => {
                member.protocols = req.protocols;
                member.awaiting_join = true;
                let reason = format!("{} rejoined (leader or new metadata)", req.member_id);
                prepare_rebalance(self.ctx, me, g, reason, 0);
            }
            GroupState::Empty | GroupState::Dead => return Err(KafkaError::UnknownMemberId),
        }
        self.maybe_complete_join(group_id);
        Ok(())
    }

    /// Kafka: `maybeCompleteJoinPhase` — once every member rejoined (not during the initial delay).
    fn maybe_complete_join(&mut self, group_id: &str) {
        let Some(g) = self.group(group_id) else {
            return;
        };
        if g.state == GroupState::PreparingRebalance
            && g.initial_delay.is_none()
            && g.all_members_joined()
        {
            self.complete_join(group_id);
        }
    }

    /// Kafka: `completeClassicGroupJoin` — drop members that did not rejoin, start the next
    /// generation, answer every JoinGroup (the leader gets the members' subscriptions).
    fn complete_join(&mut self, group_id: &str) {
        let me = self.me;
        let now = self.ctx.now;
        let g = self.coord.groups.get_mut(group_id).expect("group");
        let gone: Vec<String> = g
            .members
            .values()
            .filter(|m| !m.awaiting_join)
            .map(|m| m.member_id.clone())
            .collect();
        for m in gone {
            g.members.remove(&m);
            self.ctx.emit(EventKind::MemberRemoved {
                broker: me,
                group: group_id.to_string(),
                member: m,
                reason: "did not rejoin within the rebalance timeout".into(),
            });
        }
        g.pending_members.clear();
        g.initial_delay = None;
        if g.leader.as_ref().is_none_or(|l| !g.members.contains_key(l)) {
            g.leader = g.members.keys().next().cloned();
        }
        // Kafka: ClassicGroup.initNextGeneration.
        g.generation += 1;
        if g.members.is_empty() {
            g.protocol = None;
            g.leader = None;
            g.phase_deadline = None;
            transition(self.ctx, me, g, GroupState::Empty, "no members left");
            self.store_group(group_id);
            return;
        }
        g.protocol = g.select_protocol();
        let max_rebalance = g
            .members
            .values()
            .map(|m| m.rebalance_timeout_ms)
            .max()
            .unwrap_or(0);
        g.phase_deadline = Some(Tick(now.0 + crate::config::ticks_from_ms(max_rebalance)));
        transition(
            self.ctx,
            me,
            g,
            GroupState::CompletingRebalance,
            "every member joined",
        );
        let ids: Vec<String> = g.members.keys().cloned().collect();
        for id in ids {
            let leader = g.leader.as_deref() == Some(id.as_str());
            let rpc = join_response(g, &id, leader);
            let m = g.members.get_mut(&id).expect("member");
            m.awaiting_join = false;
            m.heartbeat_deadline = Tick(now.0 + crate::config::ticks_from_ms(m.session_timeout_ms));
            let to = NodeAddr::Client(m.client_id.clone());
            self.ctx.send(NodeAddr::Broker(me), to, rpc);
        }
    }

    /// Kafka: `classicGroupSync`.
    fn sync(
        &mut self,
        from: &NodeAddr,
        group_id: &str,
        generation: i32,
        member_id: &str,
        assignments: Vec<(String, Vec<TopicPartition>)>,
    ) -> Result<(), KafkaError> {
        let g = self.group(group_id).ok_or(KafkaError::UnknownMemberId)?;
        if !g.members.contains_key(member_id) {
            return Err(KafkaError::UnknownMemberId);
        }
        if generation != g.generation as i32 {
            return Err(KafkaError::IllegalGeneration);
        }
        match g.state {
            GroupState::Empty | GroupState::Dead => Err(KafkaError::UnknownMemberId),
            GroupState::PreparingRebalance => Err(KafkaError::RebalanceInProgress),
            GroupState::Stable => {
                let assignment = g.members[member_id].assignment.clone();
                let rpc = Rpc::SyncGroupResponse {
                    group: group_id.to_string(),
                    error: None,
                    assignment,
                };
                self.send(from, rpc);
                Ok(())
            }
            GroupState::CompletingRebalance => {
                g.members.get_mut(member_id).expect("member").awaiting_sync = true;
                if g.leader.as_deref() == Some(member_id) {
                    let mut given: BTreeMap<String, Vec<TopicPartition>> =
                        assignments.into_iter().collect();
                    for m in g.members.values_mut() {
                        m.assignment = given.remove(&m.member_id).unwrap_or_default();
                    }
                    self.store_group(group_id);
                }
                Ok(())
            }
        }
    }

    /// Writes the group's metadata record (Kafka: `GroupMetadataManager.storeGroup` /
    /// `CoordinatorRecordHelpers.newGroupMetadataRecord`).
    fn store_group(&mut self, group_id: &str) {
        let Some(g) = self.coord.groups.get(group_id) else {
            return;
        };
        let value = serde_json::to_string(&g.metadata_value()).unwrap_or_default();
        let generation = g.generation;
        let records = vec![NewRecord {
            key: Some(offsets::group_metadata_key(group_id).into()),
            value: Some(value.into()),
            produce_id: None,
        }];
        self.append(
            records,
            WriteKind::StoreGroup {
                group: group_id.to_string(),
                generation,
            },
        );
    }

    fn append(&mut self, records: Vec<NewRecord>, kind: WriteKind) -> bool {
        let tp = offsets_tp(self.partition);
        let Some(last) = self
            .broker
            .append_internal(self.ctx, &tp, records, self.replication)
        else {
            return false;
        };
        self.coord.pending_writes.push(PendingWrite {
            partition: self.partition,
            leader_epoch: self.epoch,
            required_offset: Offset(last.0 + 1),
            deadline: Tick(self.ctx.now.0 + self.settings.offsets_commit_timeout_ticks),
            kind,
        });
        // An ISR of one: the HW may already cover the write.
        let s = self.settings.clone();
        self.coord.complete_writes(self.ctx, self.broker, &s);
        true
    }

    /// Kafka: `classicGroupHeartbeat`.
    fn heartbeat(
        &mut self,
        group_id: &str,
        generation: i32,
        member_id: &str,
        instance_id: Option<&str>,
    ) -> Result<(), KafkaError> {
        let now = self.ctx.now;
        let g = self.group(group_id).ok_or(KafkaError::UnknownMemberId)?;
        if g.state == GroupState::Dead {
            return Err(KafkaError::CoordinatorNotAvailable);
        }
        // Kafka: ClassicGroup.validateMember — the instance id now maps to another member.
        if let Some(iid) = instance_id {
            if g.static_members.get(iid).is_some_and(|m| m != member_id) {
                return Err(KafkaError::FencedInstanceId);
            }
        }
        if g.fenced_static_members.contains_key(member_id) {
            return Err(KafkaError::FencedInstanceId);
        }
        let Some(m) = g.members.get_mut(member_id) else {
            return Err(KafkaError::UnknownMemberId);
        };
        if generation != g.generation as i32 {
            return Err(KafkaError::IllegalGeneration);
        }
        m.heartbeat_deadline = Tick(now.0 + crate::config::ticks_from_ms(m.session_timeout_ms));
        match g.state {
            GroupState::PreparingRebalance => Err(KafkaError::RebalanceInProgress),
            GroupState::Empty | GroupState::Dead => Err(KafkaError::UnknownMemberId),
            GroupState::CompletingRebalance | GroupState::Stable => Ok(()),
        }
    }

    /// Kafka: `classicGroupLeave` → `removeMemberAndUpdateClassicGroup`.
    fn leave(&mut self, group_id: &str, member_id: &str) -> Result<(), KafkaError> {
        let g = self.group(group_id).ok_or(KafkaError::UnknownMemberId)?;
        if g.pending_members.remove(member_id).is_some() {
            return Ok(());
        }
        if !g.members.contains_key(member_id) {
            return Err(KafkaError::UnknownMemberId);
        }
        self.remove_member(group_id, member_id, "left the group (LeaveGroup)");
        Ok(())
    }

    fn remove_member(&mut self, group_id: &str, member_id: &str, why: &str) {
        let me = self.me;
        let Some(g) = self.coord.groups.get_mut(group_id) else {
            return;
        };
        let Some(m) = g.members.remove(member_id) else {
            return;
        };
        g.static_members.retain(|_, id| id != member_id);
        self.ctx.emit(EventKind::MemberRemoved {
            broker: me,
            group: group_id.to_string(),
            member: member_id.to_string(),
            reason: why.to_string(),
        });
        if m.awaiting_join {
            reply_error(
                self.ctx,
                me,
                NodeAddr::Client(m.client_id.clone()),
                &join_stub(group_id, &m),
                KafkaError::UnknownMemberId,
            );
        }
        let g = self.coord.groups.get_mut(group_id).expect("group");
        match g.state {
            GroupState::Stable | GroupState::CompletingRebalance => {
                prepare_rebalance(self.ctx, me, g, format!("{member_id} {why}"), 0);
                self.maybe_complete_join(group_id);
            }
            GroupState::PreparingRebalance => self.maybe_complete_join(group_id),
            GroupState::Empty | GroupState::Dead => {}
        }
    }

    /// Kafka: `OffsetMetadataManager.commitOffset` with `ClassicGroup.validateOffsetCommit`.
    fn commit(
        &mut self,
        from: &NodeAddr,
        group_id: &str,
        generation: i32,
        member_id: &str,
        request: u64,
        offsets: &[(TopicPartition, u64)],
    ) -> Result<(), KafkaError> {
        if !self.coord.groups.contains_key(group_id) {
            // A commit from outside group management (generation -1) creates an Empty group.
            if generation >= 0 {
                return Err(KafkaError::IllegalGeneration);
            }
            self.coord
                .groups
                .insert(group_id.to_string(), Group::new(group_id));
        }
        let g = self.group(group_id).expect("group");
        if let Some(cg) = &g.consumer {
            // Kafka: ConsumerGroup.validateOffsetCommit — the member epoch must be the member's.
            if !(generation < 0 && member_id.is_empty() && cg.members.is_empty()) {
                let m = cg
                    .members
                    .get(member_id)
                    .ok_or(KafkaError::UnknownMemberId)?;
                if generation != m.member_epoch {
                    return Err(KafkaError::StaleMemberEpoch);
                }
            }
        } else {
            match g.state {
                GroupState::Dead => return Err(KafkaError::CoordinatorNotAvailable),
                GroupState::Empty if generation < 0 && member_id.is_empty() => {}
                _ => {
                    if g.fenced_static_members.contains_key(member_id) {
                        return Err(KafkaError::FencedInstanceId);
                    }
                    if !g.members.contains_key(member_id) {
                        return Err(KafkaError::UnknownMemberId);
                    }
                    if generation != g.generation as i32 {
                        return Err(KafkaError::IllegalGeneration);
                    }
                    if g.state == GroupState::CompletingRebalance {
                        return Err(KafkaError::RebalanceInProgress);
                    }
                }
            }
        }
        let records = offsets
            .iter()
            .map(|(tp, o)| NewRecord {
                key: Some(offsets::offset_commit_key(group_id, tp).into()),
                value: Some(o.to_string().into()),
                produce_id: None,
            })
            .collect();
        let kind = WriteKind::Commit {
            client: from.clone(),
            group: group_id.to_string(),
            request,
            offsets: offsets.to_vec(),
        };
        if self.append(records, kind) {
            Ok(())
        } else {
            Err(KafkaError::NotCoordinator)
        }
    }

    /// Kafka: `GroupMetadataManager` for TxnOffsetCommit — the member and generation are
    /// checked as for OffsetCommit (KIP-447, so a zombie that lost its partitions cannot commit);
    /// the records are written as part of the producer's transaction and count only once the
    /// COMMIT marker follows them.
    fn txn_commit(
        &mut self,
        from: &NodeAddr,
        group_id: &str,
        req: TxnCommitRequest,
    ) -> Result<(), KafkaError> {
        if !self.coord.groups.contains_key(group_id) {
            if req.generation >= 0 {
                return Err(KafkaError::IllegalGeneration);
            }
            self.coord
                .groups
                .insert(group_id.to_string(), Group::new(group_id));
        }
        let g = self.group(group_id).expect("group");
        if g.state == GroupState::Dead {
            return Err(KafkaError::CoordinatorNotAvailable);
        }
        if req.generation >= 0 || !req.member_id.is_empty() {
            if !g.members.contains_key(&req.member_id) {
                return Err(KafkaError::UnknownMemberId);
            }
            if req.generation != g.generation as i32 {
                return Err(KafkaError::IllegalGeneration);
            }
        }
        let records = req
            .offsets
            .iter()
            .map(|(tp, o)| NewRecord {
                key: Some(offsets::offset_commit_key(group_id, tp).into()),
                value: Some(o.to_string().into()),
                produce_id: None,
            })
            .collect();
        let tp = offsets_tp(self.partition);
        let Some(last) = self.broker.append_internal_transactional(
            self.ctx,
            &tp,
            records,
            req.producer,
            self.replication,
        ) else {
            return Err(KafkaError::NotCoordinator);
        };
        self.coord.pending_writes.push(PendingWrite {
            partition: self.partition,
            leader_epoch: self.epoch,
            required_offset: Offset(last.0 + 1),
            deadline: Tick(self.ctx.now.0 + self.settings.offsets_commit_timeout_ticks),
            kind: WriteKind::TxnCommit {
                client: from.clone(),
                transactional_id: req.transactional_id,
                group: group_id.to_string(),
                producer_id: req.producer.0,
                offsets: req.offsets,
            },
        });
        let s = self.settings.clone();
        self.coord.complete_writes(self.ctx, self.broker, &s);
        Ok(())
    }

    /// The group's timers (Kafka: heartbeat expiration, `DelayedJoin` / `InitialDelayedJoin`,
    /// the pending-sync timeout), matched on the group's state in this one place.
    fn timers(&mut self, group_id: &str) {
        let now = self.ctx.now;
        if self.group(group_id).is_some_and(|g| g.consumer.is_some()) {
            self.consumer_group_timers(group_id);
            return;
        }
        let Some(g) = self.group(group_id) else {
            return;
        };
        // Sessions: a member that is neither waiting for its JoinGroup nor its SyncGroup answer
        // must heartbeat (Kafka: ClassicGroupMember.shouldKeepAlive).
        let expired: Vec<String> = g
            .members
            .values()
            .filter(|m| !m.awaiting_join && !m.awaiting_sync && now >= m.heartbeat_deadline)
            .map(|m| m.member_id.clone())
            .collect();
        g.pending_members.retain(|_, deadline| now < *deadline);
        for m in expired {
            self.remove_member(
                group_id,
                &m,
                "session timeout expired (no heartbeat within session.timeout.ms)",
            );
        }
        let Some(g) = self.group(group_id) else {
            return;
        };
        let due = g.phase_deadline.is_some_and(|d| now >= d);
        match g.state {
            GroupState::PreparingRebalance if due => match g.initial_delay {
                // Kafka: InitialDelayedJoin.onComplete — extend while members keep joining.
                Some((remaining, true)) if remaining > 0 => {
                    let delay = self.settings.initial_rebalance_delay_ticks.min(remaining);
                    let g = self.group(group_id).expect("group");
                    g.initial_delay = Some((remaining.saturating_sub(delay), false));
                    g.phase_deadline = Some(Tick(now.0 + delay));
                }
                _ => {
                    g.initial_delay = None;
                    self.complete_join(group_id);
                }
            },
            GroupState::CompletingRebalance if due => {
                // Kafka: GroupMetadataManager.schedulePendingSync — members that never sent
                // SyncGroup within the rebalance timeout are removed.
                let lazy: Vec<String> = g
                    .members
                    .values()
                    .filter(|m| !m.awaiting_sync)
                    .map(|m| m.member_id.clone())
                    .collect();
                for m in lazy {
                    self.remove_member(
                        group_id,
                        &m,
                        "did not send SyncGroup within the rebalance timeout",
                    );
                }
            }
            GroupState::PreparingRebalance
            | GroupState::CompletingRebalance
            | GroupState::Stable
            | GroupState::Empty
            | GroupState::Dead => {}
        }
    }
}

#[derive(Clone, Debug)]
struct JoinRequest {
    member_id: String,
    client_id: String,
    session_timeout_ms: u64,
    rebalance_timeout_ms: u64,
    protocols: Vec<JoinProtocol>,
    group_instance_id: Option<String>,
}

fn join_response(g: &Group, member_id: &str, leader: bool) -> Rpc {
    let members = if leader {
        g.members
            .values()
            .map(|m| {
                let p = m
                    .protocols
                    .iter()
                    .find(|p| Some(&p.name) == g.protocol.as_ref());
                (
                    m.member_id.clone(),
                    Subscription {
                        topics: p.map(|p| p.topics.clone()).unwrap_or_default(),
                        owned: p.map(|p| p.owned.clone()).unwrap_or_default(),
                        generation: p.map_or(-1, |p| p.generation),
                    },
                )
            })
            .collect()
    } else {
        vec![]
    };
    Rpc::JoinGroupResponse {
        group: g.id.clone(),
        error: None,
        generation: g.generation as i32,
        protocol: g.protocol.clone(),
        leader: g.leader.clone().unwrap_or_default(),
        member_id: member_id.to_string(),
        members,
    }
}

/// The assignor a protocol name stands for.
pub fn assignor_of(protocol: Option<&str>) -> Option<Assignor> {
    protocol.and_then(Assignor::from_name)
}

#[cfg(test)]
mod tests {
    //! The coordinator's answers, request by request, on a broker that leads the group's
    //! `__consumer_offsets` partition (RF 1: commits complete at once).
    use super::*;
    use crate::config::BrokerSettings;
    use crate::events::Event;
    use crate::network::{Network, PartitionState};
    use crate::replication::{LeaderState, ReplicaPartition, Role};
    use crate::rng::Rng;

    struct Fixture {
        coords: GroupCoordinators,
        broker: Broker,
        image: Controller,
        net: Network,
        rng: Rng,
        events: Vec<Event>,
        now: Tick,
    }

    fn fixture() -> Fixture {
        let settings = GroupSettings::from_configs(&Configs::default());
        let mut broker = Broker::new(BrokerId(1));
        let p = offsets::partition_for("g", settings.offsets_topic_num_partitions);
        let tp = offsets_tp(p);
        broker.partitions.insert(
            tp.clone(),
            ReplicaPartition {
                meta: PartitionState {
                    tp,
                    replicas: vec![BrokerId(1)],
                    isr: vec![BrokerId(1)],
                    leader: Some(BrokerId(1)),
                    leader_epoch: LeaderEpoch(0),
                    partition_epoch: 0,
                    min_insync_replicas: 1,
                    compression_type: "producer".into(),
                    log_overrides: Default::default(),
                },
                log: Default::default(),
                role: Role::Leader(LeaderState {
                    remotes: BTreeMap::new(),
                    pending: None,
                    epoch_start_offset: Offset(0),
                    delayed_produces: vec![],
                    parked_fetches: vec![],
                }),
            },
        );
        Fixture {
            coords: GroupCoordinators::new(settings),
            broker,
            image: Controller::new(),
            net: Network::default(),
            rng: Rng::new(1),
            events: vec![],
            now: Tick(0),
        }
    }

    impl Fixture {
        /// Delivers `rpc` from `client` to the broker and returns the broker's answer.
        fn ask(&mut self, client: &str, rpc: Rpc) -> Rpc {
            let settings = BrokerSettings::default();
            let mut ctx = Ctx {
                now: self.now,
                rng: &mut self.rng,
                net: &mut self.net,
                events: &mut self.events,
                latency_ticks_min: 1,
                latency_ticks_max: 1,
            };
            let from = NodeAddr::Client(client.into());
            self.coords.handle(
                &mut ctx,
                &mut self.broker,
                &self.image,
                from,
                rpc,
                &settings,
            );
            self.answer(client)
        }

        /// The next answer on the wire to `client` (removing it).
        fn answer(&mut self, client: &str) -> Rpc {
            let to = NodeAddr::Client(client.into());
            let mut found = self.net.remove_where(|e| e.to == to);
            assert!(!found.is_empty(), "no answer for {client}");
            found.remove(0).rpc
        }

        fn pending(&mut self, client: &str) -> bool {
            let to = NodeAddr::Client(client.into());
            self.net.in_flight().any(|e| e.to == to)
        }

        fn tick(&mut self, ticks: u64) {
            let settings = BrokerSettings::default();
            for _ in 0..ticks {
                self.now = Tick(self.now.0 + 1);
                let mut ctx = Ctx {
                    now: self.now,
                    rng: &mut self.rng,
                    net: &mut self.net,
                    events: &mut self.events,
                    latency_ticks_min: 1,
                    latency_ticks_max: 1,
                };
                let mut brokers = BTreeMap::from([(BrokerId(1), self.broker.clone())]);
                self.coords.on_tick(&mut ctx, &mut brokers, &settings);
                self.broker = brokers.remove(&BrokerId(1)).unwrap();
            }
        }

        fn state(&self) -> GroupState {
            self.coords.coordinator_of("g").unwrap().1.state
        }
    }

    fn join(member: &str, client: &str, session_ms: u64) -> Rpc {
        Rpc::JoinGroup {
            group: "g".into(),
            member_id: member.into(),
            client_id: client.into(),
            session_timeout_ms: session_ms,
            rebalance_timeout_ms: 10_000,
            protocols: vec![JoinProtocol {
                name: "range".into(),
                topics: vec!["t".into()],
                owned: vec![],
                generation: -1,
            }],
            group_instance_id: None,
        }
    }

    fn heartbeat(member: &str, generation: i32) -> Rpc {
        Rpc::Heartbeat {
            group: "g".into(),
            generation,
            member_id: member.into(),
            group_instance_id: None,
        }
    }

    fn error_of(rpc: &Rpc) -> Option<KafkaError> {
        match rpc {
            Rpc::JoinGroupResponse { error, .. }
            | Rpc::SyncGroupResponse { error, .. }
            | Rpc::HeartbeatResponse { error, .. }
            | Rpc::LeaveGroupResponse { error, .. }
            | Rpc::OffsetCommitResponse { error, .. } => *error,
            other => panic!("not a group answer: {other:?}"),
        }
    }

    /// Joins `client` through KIP-394 and returns its member id (the answer is parked).
    fn join_new(f: &mut Fixture, client: &str) -> String {
        let Rpc::JoinGroupResponse {
            error, member_id, ..
        } = f.ask(client, join("", client, 10_000))
        else {
            panic!()
        };
        assert_eq!(error, Some(KafkaError::MemberIdRequired));
        assert!(member_id.starts_with(&format!("{client}-")));
        let settings = BrokerSettings::default();
        let mut ctx = Ctx {
            now: f.now,
            rng: &mut f.rng,
            net: &mut f.net,
            events: &mut f.events,
            latency_ticks_min: 1,
            latency_ticks_max: 1,
        };
        let from = NodeAddr::Client(client.into());
        f.coords.handle(
            &mut ctx,
            &mut f.broker,
            &f.image,
            from,
            join(&member_id, client, 10_000),
            &settings,
        );
        member_id
    }

    #[test]
    fn classic_protocol_rules() {
        let mut f = fixture();
        // Kafka: INVALID_SESSION_TIMEOUT below group.min.session.timeout.ms (6000).
        assert_eq!(
            error_of(&f.ask("A", join("", "A", 1000))),
            Some(KafkaError::InvalidSessionTimeout)
        );
        // A member id the group never gave: UNKNOWN_MEMBER_ID.
        assert_eq!(
            error_of(&f.ask("A", join("A-bogus", "A", 10_000))),
            Some(KafkaError::UnknownMemberId)
        );
        let a = join_new(&mut f, "A");
        assert_eq!(f.state(), GroupState::PreparingRebalance);
        // group.initial.rebalance.delay.ms: no answer before 3 s.
        f.tick(2_999);
        assert!(!f.pending("A"));
        f.tick(1);
        let Rpc::JoinGroupResponse {
            error: None,
            generation: 1,
            leader,
            members,
            ..
        } = f.answer("A")
        else {
            panic!()
        };
        assert_eq!(leader, a);
        assert_eq!(members.len(), 1);
        assert_eq!(f.state(), GroupState::CompletingRebalance);
        // Heartbeats in CompletingRebalance are fine; a wrong generation is ILLEGAL_GENERATION;
        // an unknown member UNKNOWN_MEMBER_ID.
        assert_eq!(error_of(&f.ask("A", heartbeat(&a, 1))), None);
        assert_eq!(
            error_of(&f.ask("A", heartbeat(&a, 0))),
            Some(KafkaError::IllegalGeneration)
        );
        assert_eq!(
            error_of(&f.ask("A", heartbeat("nobody", 1))),
            Some(KafkaError::UnknownMemberId)
        );
        // Kafka: an OffsetCommit in CompletingRebalance → REBALANCE_IN_PROGRESS.
        let commit = |gen: i32, member: &str| Rpc::OffsetCommit {
            group: "g".into(),
            generation: gen,
            member_id: member.into(),
            request: 1,
            offsets: vec![(TopicPartition::new("t", 0), 5)],
        };
        assert_eq!(
            error_of(&f.ask("A", commit(1, &a))),
            Some(KafkaError::RebalanceInProgress)
        );
        // The leader's SyncGroup stores the assignment; the group is Stable once it is written.
        let sync = Rpc::SyncGroup {
            group: "g".into(),
            generation: 1,
            member_id: a.clone(),
            assignments: vec![(a.clone(), vec![TopicPartition::new("t", 0)])],
        };
        let Rpc::SyncGroupResponse {
            error: None,
            assignment,
            ..
        } = f.ask("A", sync)
        else {
            panic!()
        };
        assert_eq!(assignment, vec![TopicPartition::new("t", 0)]);
        assert_eq!(f.state(), GroupState::Stable);
        // A commit with the right generation is written and answered (RF 1: at once).
        assert_eq!(error_of(&f.ask("A", commit(1, &a))), None);
        assert_eq!(
            f.coords.coordinator_of("g").unwrap().1.offsets[&TopicPartition::new("t", 0)],
            5
        );
        assert_eq!(
            error_of(&f.ask("A", commit(0, &a))),
            Some(KafkaError::IllegalGeneration)
        );
        // A second member joins: PreparingRebalance; A's heartbeat says REBALANCE_IN_PROGRESS.
        let b = join_new(&mut f, "B");
        assert_eq!(f.state(), GroupState::PreparingRebalance);
        assert_eq!(
            error_of(&f.ask("A", heartbeat(&a, 1))),
            Some(KafkaError::RebalanceInProgress)
        );
        // A SyncGroup now: REBALANCE_IN_PROGRESS.
        let sync_again = Rpc::SyncGroup {
            group: "g".into(),
            generation: 1,
            member_id: a.clone(),
            assignments: vec![],
        };
        assert_eq!(
            error_of(&f.ask("A", sync_again)),
            Some(KafkaError::RebalanceInProgress)
        );
        // A rejoins: every member joined → generation 2 at once (no initial delay any more).
        let settings = BrokerSettings::default();
        let mut ctx = Ctx {
            now: f.now,
            rng: &mut f.rng,
            net: &mut f.net,
            events: &mut f.events,
            latency_ticks_min: 1,
            latency_ticks_max: 1,
        };
        f.coords.handle(
            &mut ctx,
            &mut f.broker,
            &f.image,
            NodeAddr::Client("A".into()),
            join(&a, "A", 10_000),
            &settings,
        );
        let Rpc::JoinGroupResponse { generation: 2, .. } = f.answer("A") else {
            panic!()
        };
        let Rpc::JoinGroupResponse {
            generation: 2,
            members,
            ..
        } = f.answer("B")
        else {
            panic!()
        };
        assert!(members.is_empty(), "followers get no member list");
        assert_eq!(f.state(), GroupState::CompletingRebalance);
        // B never sends SyncGroup and nobody heartbeats: after the rebalance timeout (10 s) the
        // members that did not sync are dropped, then sessions expire and the group is Empty.
        f.tick(30_000);
        assert_eq!(f.state(), GroupState::Empty);
        assert!(f
            .events
            .iter()
            .any(|e| e.to_string().contains(&format!("removed {b}"))));
        // An Empty group keeps its committed offsets; a member of it is unknown now.
        assert_eq!(
            error_of(&f.ask("A", heartbeat(&a, 2))),
            Some(KafkaError::UnknownMemberId)
        );
        assert_eq!(
            f.coords.coordinator_of("g").unwrap().1.offsets[&TopicPartition::new("t", 0)],
            5
        );
    }

    #[test]
    fn not_coordinator_and_inconsistent_protocol() {
        let mut f = fixture();
        // Another group whose partition this broker does not lead.
        let other = (0..100)
            .map(|i| format!("grp{i}"))
            .find(|g| offsets::partition_for(g, 50) != offsets::partition_for("g", 50))
            .unwrap();
        let mut rpc = join("", "A", 10_000);
        if let Rpc::JoinGroup { group, .. } = &mut rpc {
            *group = other;
        }
        assert_eq!(error_of(&f.ask("A", rpc)), Some(KafkaError::NotCoordinator));
        let _a = join_new(&mut f, "A");
        let mut rr = join("", "B", 10_000);
        if let Rpc::JoinGroup { protocols, .. } = &mut rr {
            protocols[0].name = "roundrobin".into();
        }
        assert_eq!(
            error_of(&f.ask("B", rr)),
            Some(KafkaError::InconsistentGroupProtocol)
        );
    }
}
