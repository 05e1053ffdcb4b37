//! The network: typed RPC envelopes in flight, with latency from the seeded PRNG.
//!
//! Each directed link is FIFO, like the TCP connection Kafka uses between two nodes: a later
//! envelope on the same link is never delivered before an earlier one.

use crate::config::Acks;
use crate::errors::KafkaError;
use crate::ids::{
    BrokerId, EnvelopeId, LeaderEpoch, NodeAddr, Offset, RequestId, Tick, TopicPartition,
};
use crate::log::Record;
use crate::rng::Rng;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One RPC on the wire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub id: EnvelopeId,
    pub from: NodeAddr,
    pub to: NodeAddr,
    pub sent_at: Tick,
    pub deliver_at: Tick,
    pub rpc: Rpc,
}

/// The partition state the controller publishes in the metadata log (`PartitionRecord` /
/// `PartitionChangeRecord`), as brokers apply it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionState {
    pub tp: TopicPartition,
    pub replicas: Vec<BrokerId>,
    pub isr: Vec<BrokerId>,
    pub leader: Option<BrokerId>,
    pub leader_epoch: LeaderEpoch,
    pub partition_epoch: u32,
    pub min_insync_replicas: u32,
    /// The topic's `compression.type` (`producer` keeps what producers send).
    #[serde(default = "producer_compression")]
    pub compression_type: String,
    /// The topic's overrides of the configs that shape its log (`cleanup.policy`,
    /// `segment.bytes`, `retention.ms`, …); each broker resolves them against its `log.*`
    /// defaults (`crate::segment::LogConfig`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub log_overrides: BTreeMap<String, String>,
}

fn producer_compression() -> String {
    "producer".to_string()
}

/// A record batch on the wire (`MemoryRecords` with its `RecordBatch` header fields).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireBatch {
    /// (producer id, producer epoch, base sequence) for an idempotent producer.
    pub producer: Option<(u64, u16, i32)>,
    pub records: Vec<crate::log::NewRecord>,
    /// The batch's size in bytes (record batch framing).
    pub bytes: u64,
    /// The producer's `compression.type`.
    #[serde(default = "no_codec")]
    pub codec: crate::compression::Codec,
    /// A transactional producer's batch (the `isTransactional` attribute).
    #[serde(default)]
    pub transactional: bool,
}

fn no_codec() -> crate::compression::Codec {
    crate::compression::Codec::None
}

/// Kafka's API messages, by their Kafka names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Rpc {
    /// Client → leader: one partition's batch (Kafka packs every ready partition of a broker into
    /// one request; here a request carries one batch).
    Produce {
        request: RequestId,
        tp: TopicPartition,
        acks: Acks,
        timeout_ticks: u64,
        batch: WireBatch,
    },
    /// The batch's base offset, or why it failed.
    ProduceResponse {
        request: RequestId,
        tp: TopicPartition,
        result: Result<Offset, (KafkaError, String)>,
    },
    /// Client → any broker: get a producer id and epoch for an idempotent producer.
    InitProducerId,
    InitProducerIdResponse {
        producer_id: u64,
        producer_epoch: u16,
    },
    /// Follower → leader: "give me records from `fetch_offset`; my last fetched epoch was …".
    Fetch {
        tp: TopicPartition,
        replica_id: BrokerId,
        fetch_offset: Offset,
        last_fetched_epoch: Option<LeaderEpoch>,
        current_leader_epoch: LeaderEpoch,
    },
    FetchResponse {
        tp: TopicPartition,
        /// Echo of the request's leader epoch and fetch offset: the follower only accepts the
        /// answer to the fetch it is waiting for (`AbstractFetcherThread.processFetchRequest`).
        request_epoch: LeaderEpoch,
        fetch_offset: Offset,
        error: Option<KafkaError>,
        high_watermark: Offset,
        /// The leader's log start offset: a follower's start follows it, and a follower below it
        /// starts over there (`ReplicaFetcherThread`).
        #[serde(default)]
        log_start_offset: Offset,
        records: Vec<Record>,
        /// KIP-320 / KIP-595: the leader's (epoch, end offset) where the follower's log diverges.
        diverging_epoch: Option<(LeaderEpoch, Offset)>,
    },
    /// Leader → controller: propose a new ISR (KIP-497).
    AlterPartition {
        tp: TopicPartition,
        leader: BrokerId,
        leader_epoch: LeaderEpoch,
        partition_epoch: u32,
        new_isr: Vec<BrokerId>,
    },
    AlterPartitionResponse {
        tp: TopicPartition,
        result: Result<PartitionState, KafkaError>,
    },
    /// Broker → controller at startup.
    BrokerRegistration {
        broker: BrokerId,
    },
    BrokerRegistrationResponse {
        broker_epoch: u64,
    },
    /// Broker → controller, every `broker.heartbeat.interval.ms`.
    BrokerHeartbeat {
        broker: BrokerId,
        broker_epoch: u64,
        /// The last metadata offset the broker applied (Kafka: `currentMetadataOffset`).
        metadata_offset: u64,
    },
    BrokerHeartbeatResponse {
        fenced: bool,
    },
    /// Controller → broker: new metadata records. Stands for the broker's fetch of the
    /// `__cluster_metadata` log (simplified as a push of the changed partitions).
    MetadataUpdate {
        /// The metadata log offset this update brings the broker to.
        offset: u64,
        /// The offset a delta starts from: a broker that has not applied up to it missed records.
        prev_offset: u64,
        /// The whole image (registration, catch-up) rather than one delta.
        full: bool,
        partitions: Vec<PartitionState>,
        fenced_brokers: Vec<BrokerId>,
    },
    /// A controller that is not the active one answers a controller request (`NOT_CONTROLLER`),
    /// naming the quorum leader if it knows one.
    NotController {
        request: String,
        tp: Option<TopicPartition>,
        leader: Option<u32>,
    },
    /// KRaft `Vote` (KIP-595; `pre_vote` = KIP-996): "make me leader of `epoch`".
    Vote {
        epoch: u32,
        candidate: u32,
        last_epoch: u32,
        end_offset: u64,
        pre_vote: bool,
    },
    VoteResponse {
        epoch: u32,
        granted: bool,
        leader: Option<u32>,
        pre_vote: bool,
    },
    /// KRaft `BeginQuorumEpoch`: the new leader tells the voters.
    BeginQuorumEpoch {
        epoch: u32,
        leader: u32,
    },
    BeginQuorumEpochResponse {
        epoch: u32,
    },
    /// KRaft `Fetch` of `__cluster_metadata-0` by a voter: also its heartbeat to the leader.
    QuorumFetch {
        epoch: u32,
        replica: u32,
        fetch_offset: u64,
        last_fetched_epoch: u32,
    },
    QuorumFetchResponse {
        epoch: u32,
        leader: Option<u32>,
        error: Option<KafkaError>,
        high_watermark: u64,
        /// Echo of the request's fetch offset.
        fetch_offset: u64,
        entries: Vec<crate::raft::MetaEntry>,
        /// (epoch, end offset) where the follower's log diverges from the leader's.
        diverging: Option<(u32, u64)>,
    },
    /// Client → any broker: which broker coordinates this group (`key` = group.id)?
    FindCoordinator {
        key: String,
    },
    FindCoordinatorResponse {
        key: String,
        result: Result<BrokerId, KafkaError>,
    },
    /// Consumer → coordinator: join (or rejoin) the group with its assignors and subscription.
    JoinGroup {
        group: String,
        member_id: String,
        client_id: String,
        session_timeout_ms: u64,
        rebalance_timeout_ms: u64,
        protocols: Vec<crate::group_coordinator::JoinProtocol>,
        /// Static membership (KIP-345): `group.instance.id`, if set.
        #[serde(default)]
        group_instance_id: Option<String>,
    },
    /// The new generation; the leader also gets every member's subscription.
    JoinGroupResponse {
        group: String,
        error: Option<KafkaError>,
        generation: i32,
        protocol: Option<String>,
        leader: String,
        member_id: String,
        members: Vec<(String, crate::assignor::Subscription)>,
    },
    /// Consumer → coordinator: the leader sends the assignment, the others ask for theirs.
    SyncGroup {
        group: String,
        generation: i32,
        member_id: String,
        assignments: Vec<(String, Vec<TopicPartition>)>,
    },
    SyncGroupResponse {
        group: String,
        error: Option<KafkaError>,
        assignment: Vec<TopicPartition>,
    },
    /// Consumer heartbeat thread → coordinator.
    Heartbeat {
        group: String,
        generation: i32,
        member_id: String,
        /// Static membership: `group.instance.id`, if set.
        #[serde(default)]
        group_instance_id: Option<String>,
    },
    HeartbeatResponse {
        group: String,
        error: Option<KafkaError>,
    },
    LeaveGroup {
        group: String,
        member_id: String,
    },
    LeaveGroupResponse {
        group: String,
        error: Option<KafkaError>,
    },
    /// Consumer → coordinator: commit offsets (the next offset to read per partition).
    OffsetCommit {
        group: String,
        generation: i32,
        member_id: String,
        request: u64,
        offsets: Vec<(TopicPartition, u64)>,
    },
    OffsetCommitResponse {
        group: String,
        request: u64,
        error: Option<KafkaError>,
        offsets: Vec<(TopicPartition, u64)>,
    },
    /// Consumer → coordinator: the group's committed offsets for these partitions.
    OffsetFetch {
        group: String,
        partitions: Vec<TopicPartition>,
    },
    OffsetFetchResponse {
        group: String,
        error: Option<KafkaError>,
        offsets: Vec<(TopicPartition, Option<u64>)>,
    },
    /// Consumer → partition leader: the earliest or latest offset (`auto.offset.reset`).
    ListOffsets {
        tp: TopicPartition,
        latest: bool,
        /// `isolation.level=read_committed`: LATEST is the last stable offset.
        #[serde(default)]
        read_committed: bool,
    },
    ListOffsetsResponse {
        tp: TopicPartition,
        result: Result<u64, KafkaError>,
    },
    /// Consumer → partition leader: a `Fetch` with replica id -1 (records below the HW).
    ConsumerFetch {
        tp: TopicPartition,
        fetch_offset: Offset,
        max_records: u32,
        /// `isolation.level=read_committed`: records below the last stable offset only, with
        /// the aborted transactions among them.
        #[serde(default)]
        read_committed: bool,
    },
    ConsumerFetchResponse {
        tp: TopicPartition,
        fetch_offset: Offset,
        error: Option<KafkaError>,
        high_watermark: Offset,
        records: Vec<Record>,
        /// The partition's last stable offset.
        #[serde(default)]
        last_stable_offset: Offset,
        /// read_committed: aborted transactions overlapping the records (`AbortedTransactions`).
        #[serde(default)]
        aborted: Vec<crate::log::AbortedTxn>,
    },
    /// Transactional producer → any broker: FindCoordinator with key type TRANSACTION.
    FindTxnCoordinator {
        transactional_id: String,
    },
    FindTxnCoordinatorResponse {
        transactional_id: String,
        result: Result<BrokerId, KafkaError>,
    },
    /// Producer → its transaction coordinator: InitProducerId with a `transactional.id` (bumps
    /// the epoch, fences older producers with the same id).
    InitTxnProducerId {
        transactional_id: String,
        transaction_timeout_ms: u64,
    },
    InitTxnProducerIdResponse {
        transactional_id: String,
        result: Result<(u64, u16), KafkaError>,
    },
    /// Producer → transaction coordinator: partitions it is about to write in this transaction.
    AddPartitionsToTxn {
        transactional_id: String,
        producer_id: u64,
        producer_epoch: u16,
        partitions: Vec<TopicPartition>,
    },
    AddPartitionsToTxnResponse {
        transactional_id: String,
        partitions: Vec<TopicPartition>,
        error: Option<KafkaError>,
    },
    /// Producer → transaction coordinator: `sendOffsetsToTransaction` adds the group's
    /// `__consumer_offsets` partition to the transaction.
    AddOffsetsToTxn {
        transactional_id: String,
        producer_id: u64,
        producer_epoch: u16,
        group: String,
    },
    AddOffsetsToTxnResponse {
        transactional_id: String,
        group: String,
        error: Option<KafkaError>,
    },
    /// Producer → group coordinator: offsets that become committed only with the transaction.
    TxnOffsetCommit {
        transactional_id: String,
        group: String,
        producer_id: u64,
        producer_epoch: u16,
        member_id: String,
        generation: i32,
        offsets: Vec<(TopicPartition, u64)>,
    },
    TxnOffsetCommitResponse {
        transactional_id: String,
        group: String,
        error: Option<KafkaError>,
    },
    /// Producer → transaction coordinator: commit (true) or abort the transaction.
    EndTxn {
        transactional_id: String,
        producer_id: u64,
        producer_epoch: u16,
        commit: bool,
    },
    EndTxnResponse {
        transactional_id: String,
        commit: bool,
        error: Option<KafkaError>,
    },
    /// Transaction coordinator → partition leader: append a COMMIT or ABORT control record.
    WriteTxnMarkers {
        transactional_id: String,
        producer_id: u64,
        producer_epoch: u16,
        commit: bool,
        coordinator_epoch: LeaderEpoch,
        partitions: Vec<TopicPartition>,
    },
    WriteTxnMarkersResponse {
        transactional_id: String,
        producer_id: u64,
        results: Vec<(TopicPartition, Option<KafkaError>)>,
    },
    /// The connection broke before the answer to `api` came back (the peer crashed).
    /// KIP-848 consumer → coordinator (`group.protocol=consumer`): join (epoch 0), heartbeat and
    /// acknowledge owned partitions, or leave (epoch -1), in one API.
    ConsumerGroupHeartbeat(crate::consumer_group::HeartbeatRequest),
    ConsumerGroupHeartbeatResponse(crate::consumer_group::HeartbeatResponse),
    Disconnected {
        api: String,
        tp: Option<TopicPartition>,
        request: Option<RequestId>,
    },
}

impl Rpc {
    /// Kafka's API name for the message.
    pub fn api(&self) -> &'static str {
        match self {
            Rpc::Produce { .. } => "Produce",
            Rpc::ProduceResponse { .. } => "ProduceResponse",
            Rpc::InitProducerId => "InitProducerId",
            Rpc::InitProducerIdResponse { .. } => "InitProducerIdResponse",
            Rpc::Fetch { .. } => "Fetch",
            Rpc::FetchResponse { .. } => "FetchResponse",
            Rpc::AlterPartition { .. } => "AlterPartition",
            Rpc::AlterPartitionResponse { .. } => "AlterPartitionResponse",
            Rpc::BrokerRegistration { .. } => "BrokerRegistration",
            Rpc::BrokerRegistrationResponse { .. } => "BrokerRegistrationResponse",
            Rpc::BrokerHeartbeat { .. } => "BrokerHeartbeat",
            Rpc::BrokerHeartbeatResponse { .. } => "BrokerHeartbeatResponse",
            Rpc::MetadataUpdate { .. } => "MetadataUpdate",
            Rpc::Disconnected { .. } => "Disconnected",
            Rpc::ConsumerGroupHeartbeat(_) => "ConsumerGroupHeartbeat",
            Rpc::ConsumerGroupHeartbeatResponse(_) => "ConsumerGroupHeartbeatResponse",
            Rpc::NotController { request, .. } => match request.as_str() {
                "BrokerHeartbeat" => "BrokerHeartbeatResponse",
                "BrokerRegistration" => "BrokerRegistrationResponse",
                "AlterPartition" => "AlterPartitionResponse",
                _ => "ErrorResponse",
            },
            Rpc::Vote { .. } => "Vote",
            Rpc::VoteResponse { .. } => "VoteResponse",
            Rpc::BeginQuorumEpoch { .. } => "BeginQuorumEpoch",
            Rpc::BeginQuorumEpochResponse { .. } => "BeginQuorumEpochResponse",
            Rpc::QuorumFetch { .. } => "Fetch",
            Rpc::QuorumFetchResponse { .. } => "FetchResponse",
            Rpc::FindCoordinator { .. } => "FindCoordinator",
            Rpc::FindCoordinatorResponse { .. } => "FindCoordinatorResponse",
            Rpc::JoinGroup { .. } => "JoinGroup",
            Rpc::JoinGroupResponse { .. } => "JoinGroupResponse",
            Rpc::SyncGroup { .. } => "SyncGroup",
            Rpc::SyncGroupResponse { .. } => "SyncGroupResponse",
            Rpc::Heartbeat { .. } => "Heartbeat",
            Rpc::HeartbeatResponse { .. } => "HeartbeatResponse",
            Rpc::LeaveGroup { .. } => "LeaveGroup",
            Rpc::LeaveGroupResponse { .. } => "LeaveGroupResponse",
            Rpc::OffsetCommit { .. } => "OffsetCommit",
            Rpc::OffsetCommitResponse { .. } => "OffsetCommitResponse",
            Rpc::OffsetFetch { .. } => "OffsetFetch",
            Rpc::OffsetFetchResponse { .. } => "OffsetFetchResponse",
            Rpc::ListOffsets { .. } => "ListOffsets",
            Rpc::ListOffsetsResponse { .. } => "ListOffsetsResponse",
            Rpc::ConsumerFetch { .. } => "Fetch",
            Rpc::ConsumerFetchResponse { .. } => "FetchResponse",
            Rpc::FindTxnCoordinator { .. } => "FindCoordinator",
            Rpc::FindTxnCoordinatorResponse { .. } => "FindCoordinatorResponse",
            Rpc::InitTxnProducerId { .. } => "InitProducerId",
            Rpc::InitTxnProducerIdResponse { .. } => "InitProducerIdResponse",
            Rpc::AddPartitionsToTxn { .. } => "AddPartitionsToTxn",
            Rpc::AddPartitionsToTxnResponse { .. } => "AddPartitionsToTxnResponse",
            Rpc::AddOffsetsToTxn { .. } => "AddOffsetsToTxn",
            Rpc::AddOffsetsToTxnResponse { .. } => "AddOffsetsToTxnResponse",
            Rpc::TxnOffsetCommit { .. } => "TxnOffsetCommit",
            Rpc::TxnOffsetCommitResponse { .. } => "TxnOffsetCommitResponse",
            Rpc::EndTxn { .. } => "EndTxn",
            Rpc::EndTxnResponse { .. } => "EndTxnResponse",
            Rpc::WriteTxnMarkers { .. } => "WriteTxnMarkers",
            Rpc::WriteTxnMarkersResponse { .. } => "WriteTxnMarkersResponse",
        }
    }

    /// A one-line description for the UI.
    pub fn summary(&self) -> String {
        if let Some(s) = crate::consumer::rpc_summary(self) {
            return s;
        }
        if let Some(s) = crate::transactions::rpc_summary(self) {
            return s;
        }
        match self {
            Rpc::Produce {
                tp, acks, batch, ..
            } => {
                let n = batch.records.len();
                let seq = batch
                    .producer
                    .map(|(_, _, s)| format!(" seq={s}"))
                    .unwrap_or_default();
                format!(
                    "{tp} {n} record{} {}B acks={acks}{seq}",
                    if n == 1 { "" } else { "s" },
                    batch.bytes
                )
            }
            Rpc::ProduceResponse { tp, result, .. } => match result {
                Ok(o) => format!("{tp} base offset={}", o.0),
                Err((e, _)) => format!("{tp} {e}"),
            },
            Rpc::InitProducerId => "idempotent producer".into(),
            Rpc::InitProducerIdResponse {
                producer_id,
                producer_epoch,
            } => format!("producerId={producer_id} epoch={producer_epoch}"),
            Rpc::Fetch {
                tp, fetch_offset, ..
            } => format!("{tp} from offset {}", fetch_offset.0),
            Rpc::FetchResponse {
                tp,
                records,
                high_watermark,
                error,
                diverging_epoch,
                ..
            } => match (error, diverging_epoch) {
                (Some(e), _) => format!("{tp} {e}"),
                (None, Some((e, o))) => format!("{tp} diverging epoch {} end {}", e.0, o.0),
                _ => format!("{tp} {} records, HW={}", records.len(), high_watermark.0),
            },
            Rpc::AlterPartition { tp, new_isr, .. } => {
                let v: Vec<String> = new_isr.iter().map(|b| b.0.to_string()).collect();
                format!("{tp} isr→[{}]", v.join(","))
            }
            Rpc::AlterPartitionResponse { tp, result } => match result {
                Ok(_) => format!("{tp} ok"),
                Err(e) => format!("{tp} {e}"),
            },
            Rpc::BrokerRegistration { broker } => format!("{broker}"),
            Rpc::BrokerRegistrationResponse { broker_epoch } => {
                format!("broker.epoch={broker_epoch}")
            }
            Rpc::BrokerHeartbeat { broker, .. } => format!("{broker}"),
            Rpc::BrokerHeartbeatResponse { fenced } => {
                if *fenced {
                    "fenced".into()
                } else {
                    "ok".into()
                }
            }
            Rpc::MetadataUpdate { partitions, .. } => {
                format!("{} partition records", partitions.len())
            }
            Rpc::Disconnected { api, .. } => format!("{api}: connection closed"),
            Rpc::ConsumerGroupHeartbeat(r) => r.summary(),
            Rpc::ConsumerGroupHeartbeatResponse(r) => r.summary(),
            Rpc::NotController { leader, .. } => match leader {
                Some(l) => format!("NOT_CONTROLLER (active: controller-{l})"),
                None => "NOT_CONTROLLER (no active controller known)".into(),
            },
            Rpc::Vote {
                epoch,
                candidate,
                pre_vote,
                ..
            } => format!(
                "{}controller-{candidate} for epoch {epoch}",
                if *pre_vote { "pre-vote " } else { "" }
            ),
            Rpc::VoteResponse {
                epoch,
                granted,
                pre_vote,
                ..
            } => format!(
                "{}{} (epoch {epoch})",
                if *pre_vote { "pre-vote " } else { "" },
                if *granted { "granted" } else { "rejected" }
            ),
            Rpc::BeginQuorumEpoch { epoch, leader } => {
                format!("controller-{leader} leads epoch {epoch}")
            }
            Rpc::BeginQuorumEpochResponse { epoch } => format!("ok (epoch {epoch})"),
            Rpc::QuorumFetch { fetch_offset, .. } => {
                format!("__cluster_metadata-0 from offset {fetch_offset}")
            }
            Rpc::QuorumFetchResponse {
                entries,
                high_watermark,
                error,
                diverging,
                ..
            } => match (error, diverging) {
                (Some(e), _) => format!("__cluster_metadata-0 {e}"),
                (None, Some((e, o))) => {
                    format!("__cluster_metadata-0 diverging epoch {e} end {o}")
                }
                _ => format!(
                    "__cluster_metadata-0 {} records, HW={high_watermark}",
                    entries.len()
                ),
            },
            other => other.api().to_string(),
        }
    }
}

/// Envelopes in flight, ordered by delivery time then id (so delivery order is deterministic),
/// plus the network faults a learner can inject.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Network {
    in_flight: BTreeMap<(Tick, EnvelopeId), Envelope>,
    /// Per directed link: the latest delivery time handed out (FIFO per connection).
    link_tail: BTreeMap<(NodeAddr, NodeAddr), Tick>,
    next_id: u64,
    /// Links cut by a network partition, as unordered pairs (smaller address first). Envelopes
    /// crossing a cut are lost on delivery, silently, as packets are: senders find out by timeout.
    cuts: BTreeSet<(NodeAddr, NodeAddr)>,
    /// Extra one-way delay for every envelope to or from a node ("slow follower").
    slow: BTreeMap<NodeAddr, u64>,
    /// Envelopes a learner is holding back; delivered when released.
    held: BTreeMap<EnvelopeId, Envelope>,
    /// Addresses that are the same process (a `broker,controller` node): `controller-N` → `broker-N`.
    /// Cuts and slowness apply to the machine, so they are keyed by the canonical address.
    colocated: BTreeMap<NodeAddr, NodeAddr>,
}

fn link_key(a: &NodeAddr, b: &NodeAddr) -> (NodeAddr, NodeAddr) {
    if a <= b {
        (a.clone(), b.clone())
    } else {
        (b.clone(), a.clone())
    }
}

impl Network {
    /// Declares `alias` to be the same machine as `host` (combined broker and controller).
    pub fn colocate(&mut self, alias: NodeAddr, host: NodeAddr) {
        self.colocated.insert(alias, host);
    }

    /// The machine an address lives on.
    pub fn host<'a>(&'a self, a: &'a NodeAddr) -> &'a NodeAddr {
        self.colocated.get(a).unwrap_or(a)
    }

    /// Puts an envelope on the wire with a random latency in `lo..=hi` ticks (at least one tick).
    #[allow(clippy::too_many_arguments)]
    pub fn send(
        &mut self,
        rng: &mut Rng,
        now: Tick,
        from: NodeAddr,
        to: NodeAddr,
        rpc: Rpc,
        lo: u64,
        hi: u64,
    ) -> EnvelopeId {
        let extra = if self.host(&from) == self.host(&to) {
            0
        } else {
            self.slow.get(self.host(&from)).copied().unwrap_or(0)
                + self.slow.get(self.host(&to)).copied().unwrap_or(0)
        };
        let latency = rng.range_inclusive(lo, hi).max(1) + extra;
        let link = (from.clone(), to.clone());
        let tail = self.link_tail.get(&link).copied().unwrap_or(Tick(0));
        let deliver_at = Tick((now.0 + latency).max(tail.0));
        self.link_tail.insert(link, deliver_at);
        self.next_id += 1;
        let id = EnvelopeId(self.next_id);
        self.in_flight.insert(
            (deliver_at, id),
            Envelope {
                id,
                from,
                to,
                sent_at: now,
                deliver_at,
                rpc,
            },
        );
        id
    }

    /// Removes and returns the next envelope due at or before `now`.
    pub fn pop_due(&mut self, now: Tick) -> Option<Envelope> {
        let key = *self.in_flight.keys().next()?;
        if key.0 <= now {
            self.in_flight.remove(&key)
        } else {
            None
        }
    }

    /// Removes every envelope matching `pred` and returns them (used when a node crashes).
    pub fn remove_where(&mut self, mut pred: impl FnMut(&Envelope) -> bool) -> Vec<Envelope> {
        let keys: Vec<_> = self
            .in_flight
            .iter()
            .filter(|(_, e)| pred(e))
            .map(|(k, _)| *k)
            .collect();
        let mut out: Vec<Envelope> = keys
            .into_iter()
            .filter_map(|k| self.in_flight.remove(&k))
            .collect();
        let held: Vec<EnvelopeId> = self
            .held
            .iter()
            .filter(|(_, e)| pred(e))
            .map(|(id, _)| *id)
            .collect();
        out.extend(held.into_iter().filter_map(|id| self.held.remove(&id)));
        out
    }

    /// Every envelope in flight, in delivery order, then the held ones.
    pub fn in_flight(&self) -> impl Iterator<Item = &Envelope> {
        self.in_flight.values().chain(self.held.values())
    }

    /// Whether an envelope is being held.
    pub fn is_held(&self, id: EnvelopeId) -> bool {
        self.held.contains_key(&id)
    }

    /// Whether the link between two nodes is cut.
    pub fn is_cut(&self, a: &NodeAddr, b: &NodeAddr) -> bool {
        !self.cuts.is_empty() && self.cuts.contains(&link_key(self.host(a), self.host(b)))
    }

    /// Cuts the link between `a` and `b` (both directions).
    pub fn cut(&mut self, a: &NodeAddr, b: &NodeAddr) -> bool {
        let key = link_key(self.host(a), self.host(b));
        key.0 != key.1 && self.cuts.insert(key)
    }

    /// Removes every cut.
    pub fn heal(&mut self) -> usize {
        let n = self.cuts.len();
        self.cuts.clear();
        n
    }

    /// The cut links, for the snapshot.
    pub fn cuts(&self) -> impl Iterator<Item = &(NodeAddr, NodeAddr)> {
        self.cuts.iter()
    }

    /// Sets (or with 0 clears) the extra delay for a node.
    pub fn set_slow(&mut self, node: NodeAddr, extra_ticks: u64) {
        let node = self.host(&node).clone();
        if extra_ticks == 0 {
            self.slow.remove(&node);
        } else {
            self.slow.insert(node, extra_ticks);
        }
    }

    /// The slowed nodes and their extra delay, for the snapshot.
    pub fn slow_nodes(&self) -> impl Iterator<Item = (&NodeAddr, &u64)> {
        self.slow.iter()
    }

    /// Takes an in-flight envelope off the wire until it is released.
    pub fn hold(&mut self, id: EnvelopeId) -> Option<&Envelope> {
        let key = *self.in_flight.keys().find(|k| k.1 == id)?;
        let env = self.in_flight.remove(&key)?;
        self.held.insert(id, env);
        self.held.get(&id)
    }

    /// Puts a held envelope back on the wire, due no earlier than the next tick.
    pub fn release(&mut self, id: EnvelopeId, now: Tick) -> Option<&Envelope> {
        let mut env = self.held.remove(&id)?;
        env.deliver_at = env.deliver_at.max(Tick(now.0 + 1));
        let key = (env.deliver_at, id);
        self.in_flight.insert(key, env);
        self.in_flight.get(&key)
    }

    /// Removes an envelope (in flight or held) for good.
    pub fn drop_envelope(&mut self, id: EnvelopeId) -> Option<Envelope> {
        if let Some(env) = self.held.remove(&id) {
            return Some(env);
        }
        let key = *self.in_flight.keys().find(|k| k.1 == id)?;
        self.in_flight.remove(&key)
    }

    pub fn len(&self) -> usize {
        self.in_flight.len() + self.held.len()
    }

    pub fn is_empty(&self) -> bool {
        self.in_flight.is_empty() && self.held.is_empty()
    }
}

/// What a node handler needs to act on the world: the clock, the PRNG, the wire and the event log.
/// Handlers never touch other nodes' state directly; they send envelopes.
pub struct Ctx<'a> {
    pub now: Tick,
    pub rng: &'a mut Rng,
    pub net: &'a mut Network,
    pub events: &'a mut Vec<crate::events::Event>,
    pub latency_ticks_min: u64,
    pub latency_ticks_max: u64,
}

impl Ctx<'_> {
    /// Sends an envelope with the configured network latency.
    pub fn send(&mut self, from: NodeAddr, to: NodeAddr, rpc: Rpc) -> EnvelopeId {
        let (lo, hi) = (self.latency_ticks_min, self.latency_ticks_max);
        self.net.send(self.rng, self.now, from, to, rpc, lo, hi)
    }

    /// Records an event at the current time.
    pub fn emit(&mut self, kind: crate::events::EventKind) {
        self.events.push(crate::events::Event {
            at_ms: self.now.0 * crate::config::MS_PER_TICK,
            kind,
        });
    }
}
