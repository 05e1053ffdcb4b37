//! A serialisable picture of the whole cluster at one tick, for the UI, the CLI's JSON and tests.
//! The UI renders only this (and events); it never reaches into engine internals.

use crate::config::Acks;
use crate::events::ProduceOutcome;
use crate::ids::{BrokerId, LeaderEpoch, Offset, ProduceId, TopicPartition};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub now_ms: u64,
    pub seed: u64,
    pub controller: ControllerView,
    /// The KRaft controller quorum: voters, roles, epochs and the metadata log.
    pub quorum: QuorumView,
    pub brokers: Vec<BrokerView>,
    pub topics: Vec<TopicView>,
    pub producers: Vec<ProducerView>,
    pub requests: Vec<ProduceView>,
    pub envelopes: Vec<EnvelopeView>,
    /// Injected network faults.
    pub network: NetworkView,
    pub metrics: Metrics,
    /// Metrics sampled every [`HISTORY_SAMPLE_MS`] of simulated time, oldest first, for charts
    /// (the last [`HISTORY_SAMPLES`]).
    #[serde(default)]
    pub history: Vec<MetricsSample>,
    /// Consumer groups: coordinator, state, generation, members, committed offsets, lag, ledger.
    #[serde(default)]
    pub groups: Vec<GroupView>,
    /// Consumer clients.
    #[serde(default)]
    pub consumers: Vec<ConsumerView>,
    /// Every transactional id a live coordinator holds.
    #[serde(default)]
    pub transactions: Vec<TransactionView>,
}

/// How often the cluster samples its metrics for [`Snapshot::history`] (simulated ms).
pub const HISTORY_SAMPLE_MS: u64 = 250;

/// How many samples the history keeps: one simulated minute.
pub const HISTORY_SAMPLES: usize = 240;

/// The metrics at one moment; counters are totals since the start, so rates are differences.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetricsSample {
    pub t_ms: u64,
    /// `record-send-total` and `record-error-total` (every producer).
    pub record_send_total: u64,
    pub record_error_total: u64,
    /// Completed records and the sum of their latencies, for the mean latency between samples.
    pub completed_total: u64,
    pub latency_ms_sum: u64,
    /// ISR members and replicas over every partition (equal when nothing is under-replicated).
    pub isr_members: u32,
    pub replicas: u32,
    pub under_replicated_partitions: u32,
    pub under_min_isr_partition_count: u32,
    pub offline_partitions_count: u32,
    /// `MaxLag` in records.
    pub max_lag: u64,
}

/// One consumer group as its coordinator holds it (`kafka-consumer-groups --describe`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupView {
    pub group: String,
    /// `__consumer_offsets` partition holding the group.
    pub offsets_partition: u32,
    /// The broker that has the group loaded (the offsets partition's leader), if any.
    pub coordinator: Option<BrokerId>,
    /// `Empty`, `PreparingRebalance`, `CompletingRebalance`, `Stable`, `Dead`, or `Unknown` when
    /// no coordinator holds it.
    pub state: String,
    pub generation: u32,
    pub protocol: Option<String>,
    pub leader: Option<String>,
    pub members: Vec<GroupMemberView>,
    /// Every partition of the subscribed topics: owner, committed offset, HW, lag.
    pub partitions: Vec<GroupPartitionView>,
    /// How often this group processed each record below the HW (delivery semantics).
    pub ledger: LedgerView,
    /// `classic` or `consumer` (KIP-848; then `state` is `Empty`, `Assigning`, `Reconciling` or
    /// `Stable`, and `generation` is the group epoch).
    #[serde(default)]
    pub group_type: String,
    /// KIP-848: the epoch of the current target assignment.
    #[serde(default)]
    pub assignment_epoch: Option<i32>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMemberView {
    pub member_id: String,
    pub client_id: String,
    pub assignment: Vec<TopicPartition>,
    pub ms_until_session_expires: u64,
    /// Static membership: `group.instance.id`.
    #[serde(default)]
    pub group_instance_id: Option<String>,
    /// KIP-848: the member epoch.
    #[serde(default)]
    pub member_epoch: Option<i32>,
    /// KIP-848: `STABLE`, `UNREVOKED_PARTITIONS` or `UNRELEASED_PARTITIONS`.
    #[serde(default)]
    pub member_state: Option<String>,
    /// KIP-848: partitions the member must still revoke.
    #[serde(default)]
    pub pending_revocation: Vec<TopicPartition>,
    /// KIP-848: the member's target assignment.
    #[serde(default)]
    pub target: Vec<TopicPartition>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupPartitionView {
    pub tp: TopicPartition,
    /// The member (client id) that owns it in the group's current assignment.
    pub owner: Option<String>,
    /// The group's committed offset (next offset to read), if any.
    pub committed: Option<u64>,
    /// The leader's high watermark (what `kafka-consumer-groups` calls LOG-END-OFFSET).
    pub high_watermark: Option<u64>,
    /// HW − committed offset (no commit: the whole HW).
    pub lag: Option<u64>,
}

/// Records below the HW of the group's topics, by how many times the group processed them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerView {
    pub processed_once: u64,
    /// Processed more than once.
    pub duplicated: u64,
    /// Never processed (= `lost` + `pending`).
    pub never_processed: u64,
    /// Never processed although the group's committed offset passed them and no live member is
    /// still processing them (see `delivery::add_partition`).
    #[serde(default)]
    pub lost: u64,
    /// Never processed, but the group will still get to them.
    #[serde(default)]
    pub pending: u64,
    /// Processings beyond the first, summed over all records.
    pub extra_processings: u64,
    /// Exactly-once (a transactional consume-transform-produce group): processings whose
    /// transaction aborted. Their output and offsets were discarded, so they are not counted
    /// above; the records are processed again.
    #[serde(default)]
    pub aborted: u64,
}

/// One consumer client.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerView {
    pub name: String,
    pub group: String,
    pub topics: Vec<String>,
    pub configs: BTreeMap<String, String>,
    pub alive: bool,
    /// false after StopPolling: the application does not call poll().
    pub polling: bool,
    /// The exception poll() threw, if the application stopped on one.
    pub failed: Option<String>,
    pub coordinator: Option<BrokerId>,
    pub member_id: String,
    pub generation: i32,
    /// `Unjoined`, `PreparingRebalance`, `CompletingRebalance`, `Stable`.
    pub state: String,
    pub leader: bool,
    pub protocol: Option<String>,
    pub assignment: Vec<TopicPartition>,
    /// Next offset poll() returns, per assigned partition.
    pub positions: Vec<(TopicPartition, u64)>,
    /// The group's committed offsets as this consumer last committed or fetched them.
    pub committed: Vec<(TopicPartition, u64)>,
    pub records_processed: u64,
    /// `group.protocol`: `classic` or `consumer`.
    #[serde(default)]
    pub group_protocol: String,
    /// KIP-848: the client's membership state (`JOINING`, `RECONCILING`, `ACKNOWLEDGING`,
    /// `STABLE`, `STALE`, `LEAVING`); `generation` is then the member epoch.
    #[serde(default)]
    pub membership_state: Option<String>,
    pub ms_since_poll: u64,
}

/// Network faults in force.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkView {
    /// Cut links, each as two node names (`broker-1`, `controller-100`, a producer).
    pub cuts: Vec<(String, String)>,
    /// Slowed nodes and the extra one-way delay in ms.
    pub slow: Vec<(String, u64)>,
}

/// The KRaft controller quorum.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuorumView {
    pub voters: Vec<VoterView>,
    /// The active controller (the quorum leader that has caught up), if any.
    pub active_controller: Option<u32>,
    /// The highest epoch any running voter is in.
    pub epoch: u32,
    /// Votes (and fetching voters) needed: `voters / 2 + 1`.
    pub majority: u32,
    /// How many voters can fail with the quorum still working: `(voters - 1) / 2`.
    pub failures_tolerated: u32,
    /// The committed end of the metadata log.
    pub high_watermark: u64,
    /// The last records of the most advanced running voter's metadata log.
    pub log: Vec<MetaRecordView>,
}

/// One voter of the controller quorum.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoterView {
    pub id: u32,
    pub alive: bool,
    /// Also a broker (`process.roles=broker,controller`).
    pub combined: bool,
    /// `leader`, `follower`, `candidate`, `prospective`, `unattached`, `resigned`; none when down.
    pub role: Option<String>,
    pub epoch: u32,
    pub leader: Option<u32>,
    pub voted_for: Option<u32>,
    pub log_end_offset: u64,
    pub high_watermark: u64,
    /// The active controller (`ActiveControllerCount` = 1 on this node).
    pub active: bool,
}

/// One record of the `__cluster_metadata` log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetaRecordView {
    pub offset: u64,
    pub epoch: u32,
    /// Kafka's record type, e.g. `PartitionChangeRecord`.
    pub record: String,
    pub summary: String,
    pub committed: bool,
}

/// How many metadata records a snapshot carries.
pub const META_RECORDS_IN_VIEW: usize = 24;

/// The active controller's view (or, with none active, the latest committed image's).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControllerView {
    pub node_id: u32,
    /// Registered brokers with their fencing state, as the controller sees them.
    pub registrations: Vec<RegistrationView>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationView {
    pub broker: BrokerId,
    pub broker_epoch: u64,
    pub fenced: bool,
    pub ms_since_heartbeat: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerView {
    pub id: BrokerId,
    /// The process is running.
    pub alive: bool,
    /// The controller has fenced it (it may be alive but not yet unfenced after a restart).
    pub fenced: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicView {
    pub name: String,
    /// Topic config overrides by Kafka key.
    pub configs: BTreeMap<String, String>,
    pub min_insync_replicas: u32,
    pub partitions: Vec<PartitionView>,
}

/// One partition: the controller's committed metadata plus every replica's local state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionView {
    pub tp: TopicPartition,
    /// The assignment, in preference order (the first is the preferred leader).
    pub replicas: Vec<BrokerId>,
    pub leader: Option<BrokerId>,
    pub leader_epoch: LeaderEpoch,
    pub partition_epoch: u32,
    /// The ISR committed by the controller.
    pub isr: Vec<BrokerId>,
    /// An ISR change the leader has proposed (AlterPartition in flight), if any.
    pub pending_isr: Option<Vec<BrokerId>>,
    /// The leader's high watermark (what consumers can read), if there is a live leader.
    pub high_watermark: Option<Offset>,
    /// The leader's last stable offset (what read_committed consumers can read): the first
    /// offset of the earliest open transaction, or the HW.
    #[serde(default)]
    pub last_stable_offset: Option<Offset>,
    /// The leader's open transactions here: (producer id, first offset).
    #[serde(default)]
    pub ongoing_transactions: Vec<(u64, Offset)>,
    /// The leader's aborted-transaction index.
    #[serde(default)]
    pub aborted_transactions: Vec<crate::log::AbortedTxn>,
    /// ISR smaller than the replica set (`UnderReplicatedPartitions`).
    pub under_replicated: bool,
    /// ISR smaller than `min.insync.replicas` (`UnderMinIsrPartitionCount`).
    pub under_min_isr: bool,
    pub replica_states: Vec<ReplicaView>,
}

/// One replica's local log as its broker sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicaView {
    pub broker: BrokerId,
    pub alive: bool,
    pub is_leader: bool,
    pub in_isr: bool,
    pub log_end_offset: Offset,
    pub high_watermark: Offset,
    /// (leader epoch, start offset) pairs: the leader-epoch checkpoint file.
    pub epoch_cache: Vec<(LeaderEpoch, Offset)>,
    /// The last records of the log (at most [`RECORDS_IN_VIEW`]). Compacted logs have gaps.
    pub records: Vec<RecordView>,
    /// The first offset a fetch may read (retention moves it forward).
    #[serde(default)]
    pub log_start_offset: Offset,
    /// How many segments the log has.
    #[serde(default)]
    pub segment_count: u32,
    /// The newest segments, oldest first (at most [`SEGMENTS_IN_VIEW`]); the last is active.
    #[serde(default)]
    pub segments: Vec<SegmentView>,
    /// The log cleaner's view of a compacted log (`cleanup.policy` contains `compact`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cleaner: Option<CleanerView>,
}

/// How many records per replica a snapshot carries.
pub const RECORDS_IN_VIEW: usize = 48;

/// How many segments per replica a snapshot carries.
pub const SEGMENTS_IN_VIEW: usize = 32;

/// One log segment of a replica.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentView {
    pub base_offset: Offset,
    /// Bytes of the records it holds.
    pub size_bytes: u64,
    pub records: u64,
    /// The segment being written to: never cleaned.
    pub active: bool,
    /// Rewritten by the log cleaner at least once.
    pub cleaned: bool,
    /// Its newest record's timestamp (what `retention.ms` compares).
    pub largest_timestamp_ms: u64,
    /// When its tombstones may be removed by a later cleaning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete_horizon_ms: Option<u64>,
}

/// A compacted replica log as `LogCleanerManager` sees it now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CleanerView {
    /// The cleaner checkpoint (where the last cleaning ended); `None` before the first.
    pub checkpoint: Option<Offset>,
    pub first_dirty_offset: Offset,
    /// Base of the first segment that may not be cleaned yet (the active one, or the one
    /// holding the high watermark, or one inside `min.compaction.lag.ms`).
    pub first_uncleanable_offset: Offset,
    pub clean_bytes: u64,
    pub cleanable_bytes: u64,
    /// cleanable / (clean + cleanable), in percent rounded down (Kafka's `max-dirty-percent`).
    pub dirty_percent: u32,
    /// Whether the cleaner would clean it now (ratio above `min.cleanable.dirty.ratio`, or
    /// `max.compaction.lag.ms` passed).
    pub cleanable: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordView {
    pub offset: Offset,
    pub leader_epoch: LeaderEpoch,
    pub key: Option<String>,
    /// `null`: a tombstone.
    pub value: Option<String>,
    /// `idempotent`, `transactional`, `commit` or `abort` (a control record: a transaction
    /// marker), for records of an idempotent or transactional producer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_kind: Option<crate::log::BatchKind>,
    /// The producer id of an idempotent or transactional record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub producer_id: Option<u64>,
}

/// One transactional id on its coordinator (`kafka-transactions --describe`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionView {
    pub transactional_id: String,
    pub coordinator: BrokerId,
    /// The `__transaction_state` partition holding it.
    pub state_partition: u32,
    pub state: String,
    pub pending_state: Option<String>,
    pub producer_id: u64,
    pub producer_epoch: i16,
    pub timeout_ms: u64,
    pub partitions: Vec<TopicPartition>,
    /// ms since the transaction began (Ongoing and later), if it has.
    pub ms_since_start: Option<u64>,
    /// Partitions whose marker is not yet written (PrepareCommit / PrepareAbort).
    pub markers_pending: Vec<TopicPartition>,
}

/// A transactional producer's transaction manager.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxnClientView {
    pub transactional_id: String,
    /// Kafka's `TransactionManager.State` name (`READY`, `IN_TRANSACTION`, …).
    pub state: String,
    pub coordinator: Option<BrokerId>,
    pub partitions: Vec<TopicPartition>,
    pub last_error: Option<String>,
    pub committed: u64,
    pub aborted: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProducerView {
    pub name: String,
    pub acks: Acks,
    pub configs: BTreeMap<String, String>,
    /// Idempotence in effect (explicit, or the default when nothing conflicts).
    #[serde(default)]
    pub idempotent: bool,
    /// (producer id, epoch) once `InitProducerId` answered.
    #[serde(default)]
    pub producer_id: Option<(u64, u16)>,
    /// The accumulator and the sender: every batch not yet completed.
    #[serde(default)]
    pub batches: Vec<BatchView>,
    /// The `kafka-producer-perf-test` running on it (or the last one).
    #[serde(default)]
    pub perf_test: Option<PerfTestView>,
    /// Its transaction manager, with `transactional.id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction: Option<TxnClientView>,
}

/// A `kafka-producer-perf-test` run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PerfTestView {
    pub topic: String,
    pub num_records: u64,
    pub record_size: u32,
    /// Records/s asked for; -1 = unthrottled.
    pub throughput: i64,
    /// Records handed to `send()`.
    pub sent: u64,
    /// Records acknowledged or failed.
    pub completed: u64,
    pub errors: u64,
    pub elapsed_ms: u64,
    /// Completed records per simulated second so far.
    pub records_per_sec: u64,
    pub latency_ms_avg: u64,
    pub latency_ms_max: u64,
    pub finished: bool,
}

/// One producer batch, wherever it is in the pipeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchView {
    pub id: u64,
    pub tp: TopicPartition,
    pub records: u32,
    pub bytes: u64,
    /// `accumulating` (open, lingering), `ready`, `in_flight`, `backoff` (waiting to retry).
    pub state: String,
    pub attempts: u32,
    pub base_sequence: Option<i32>,
    pub age_ms: u64,
    /// The broker it was sent to, while in flight.
    pub to: Option<BrokerId>,
    /// Its size after `compression.type`, once sent with a codec.
    #[serde(default)]
    pub compressed_bytes: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProduceView {
    pub id: ProduceId,
    pub producer: String,
    pub tp: TopicPartition,
    pub acks: Acks,
    pub key: Option<String>,
    /// `null`: a tombstone.
    pub value: Option<String>,
    pub sent_at_ms: u64,
    /// `None` while in flight.
    pub outcome: Option<ProduceOutcome>,
    pub completed_at_ms: Option<u64>,
}

/// One RPC on the wire, for animation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvelopeView {
    pub id: u64,
    pub from: String,
    pub to: String,
    /// Kafka API name: `Produce`, `Fetch`, `AlterPartition`, `BrokerHeartbeat`, … (`…Response` for answers).
    pub api: String,
    pub summary: String,
    pub sent_at_ms: u64,
    pub deliver_at_ms: u64,
    /// Held by the learner (not moving until released).
    #[serde(default)]
    pub held: bool,
}

/// Kafka's broker metrics, cluster-wide.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metrics {
    /// `kafka.server:type=ReplicaManager,name=UnderReplicatedPartitions` summed over brokers.
    pub under_replicated_partitions: u32,
    /// `UnderMinIsrPartitionCount`.
    pub under_min_isr_partition_count: u32,
    /// `kafka.controller:type=KafkaController,name=OfflinePartitionsCount`.
    pub offline_partitions_count: u32,
    /// `FencedBrokerCount`.
    pub fenced_broker_count: u32,
    /// `ActiveBrokerCount`.
    pub active_broker_count: u32,
    /// `kafka.controller:type=KafkaController,name=ActiveControllerCount` (one controller here).
    #[serde(default)]
    pub active_controller_count: u32,
    /// Largest replication lag in records: a leader's LEO minus the LEO of its furthest-behind
    /// live follower (the broker metric `ReplicaFetcherManager` `MaxLag`).
    #[serde(default)]
    pub max_lag: u64,
    /// Produce calls acknowledged / failed so far (the producer's `record-send-total` /
    /// `record-error-total`).
    #[serde(default)]
    pub record_send_total: u64,
    #[serde(default)]
    pub record_error_total: u64,
    /// Mean and last latency of completed produce calls, in ms (`request-latency-avg`).
    #[serde(default)]
    pub request_latency_avg_ms: u64,
    #[serde(default)]
    pub request_latency_last_ms: u64,
    /// `request-latency-max` (ms).
    #[serde(default)]
    pub request_latency_max_ms: u64,
    /// `batch-size-avg` (bytes per sent batch).
    #[serde(default)]
    pub batch_size_avg: u64,
    /// `records-per-request-avg`.
    #[serde(default)]
    pub records_per_request_avg_x100: u64,
    /// `record-retry-total`: batch retries.
    #[serde(default)]
    pub record_retry_total: u64,
    /// `compression-rate-avg` ×100: compressed / uncompressed batch bytes (100 = no saving).
    #[serde(default)]
    pub compression_rate_avg_x100: u64,
}
