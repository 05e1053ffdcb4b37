//! Events: everything a learner should see, one stable line each (`Display`), in the order the
//! engine produced them. Golden traces and the determinism hash are built from these lines.

use crate::config::Acks;
use crate::errors::KafkaError;
use crate::ids::{BatchId, BrokerId, LeaderEpoch, Offset, ProduceId, TopicPartition};
use serde::{Deserialize, Serialize};
use std::fmt;

/// One event, stamped with the simulated time it happened at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Simulated milliseconds since the start of the run.
    pub at_ms: u64,
    #[serde(flatten)]
    pub kind: EventKind,
}

/// The outcome of one produce call, as the client sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ProduceOutcome {
    /// Acknowledged. `offset` is -1 for acks=0 (the client never hears the real offset).
    Ok { offset: i64 },
    /// Failed with a Kafka error; `message` is the broker's or client's explanation.
    Err { error: KafkaError, message: String },
}

/// One step of a transactional producer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum TxnStep {
    /// `beginTransaction()` (local: nothing is sent until the first record).
    Begin,
    /// AddPartitionsToTxn answered: records for these partitions may now be sent.
    PartitionsAdded { partitions: Vec<TopicPartition> },
    /// `sendOffsetsToTransaction()`: the group's offsets are written, pending the outcome.
    OffsetsSent {
        group: String,
        offsets: Vec<(TopicPartition, u64)>,
    },
    /// `commitTransaction()` (true) or `abortTransaction()` called: EndTxn goes out once every
    /// batch is done.
    EndRequested { commit: bool },
    /// EndTxn answered: the outcome is durable in `__transaction_state`.
    Completed { commit: bool },
}

/// Why the controller changed a partition's leader or ISR (a `PartitionChangeRecord`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeReason {
    /// New topic: the first replica in the assignment leads.
    TopicCreated,
    /// A broker was fenced (heartbeats stopped): it leaves every ISR, its partitions get new leaders.
    BrokerFenced,
    /// A broker was unfenced: leaderless partitions it can lead get it as leader.
    BrokerUnfenced,
    /// The partition leader asked for it (ISR shrink or expand).
    AlterPartition,
    /// `kafka-topics --alter --partitions N` added the partition.
    PartitionsCreated,
    /// No ISR replica could lead, and `unclean.leader.election.enable` let a replica outside the
    /// ISR take over: records it never had are gone.
    UncleanElection,
    /// Leadership moved back to the preferred (first) replica.
    PreferredElection,
}

impl fmt::Display for ChangeReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ChangeReason::TopicCreated => "topic created",
            ChangeReason::PartitionsCreated => "partition added",
            ChangeReason::UncleanElection => "UNCLEAN leader election: the new leader was not in the ISR, acknowledged records may be lost",
            ChangeReason::PreferredElection => "preferred leader election",
            ChangeReason::BrokerFenced => "broker fenced",
            ChangeReason::BrokerUnfenced => "broker unfenced",
            ChangeReason::AlterPartition => "AlterPartition",
        })
    }
}

/// What happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    TopicCreated {
        topic: String,
        partitions: u32,
        replication_factor: u32,
        assignment: Vec<Vec<BrokerId>>,
    },
    /// Partitions were added to a topic (`CreatePartitions`): keys now map differently.
    PartitionsCreated {
        topic: String,
        from: u32,
        to: u32,
        assignment: Vec<Vec<BrokerId>>,
    },
    /// A command could not be carried out (bad config, unknown topic, create-topic error…).
    CommandFailed {
        command: String,
        error: KafkaError,
        message: String,
    },
    ConfigChanged {
        entity: String,
        key: String,
        value: String,
    },
    ProducerAdded {
        producer: String,
    },
    BrokerCrashed {
        broker: BrokerId,
    },
    BrokerRestarted {
        broker: BrokerId,
    },
    /// The controller accepted a BrokerRegistration (new broker epoch; the broker starts fenced).
    BrokerRegistered {
        broker: BrokerId,
        broker_epoch: u64,
    },
    BrokerFenced {
        broker: BrokerId,
        ms_since_heartbeat: u64,
    },
    BrokerUnfenced {
        broker: BrokerId,
    },
    /// The controller committed a leader/ISR change (a `PartitionChangeRecord` in the metadata log).
    PartitionChanged {
        tp: TopicPartition,
        leader: Option<BrokerId>,
        leader_epoch: LeaderEpoch,
        isr: Vec<BrokerId>,
        partition_epoch: u32,
        reason: ChangeReason,
    },
    /// A broker applied metadata that made it leader of a partition.
    BecameLeader {
        broker: BrokerId,
        tp: TopicPartition,
        leader_epoch: LeaderEpoch,
        log_end_offset: Offset,
    },
    /// A broker applied metadata that made it a follower.
    BecameFollower {
        broker: BrokerId,
        tp: TopicPartition,
        leader: Option<BrokerId>,
        leader_epoch: LeaderEpoch,
    },
    /// The partition leader proposed an ISR change to the controller (pending until committed).
    AlterPartitionSent {
        broker: BrokerId,
        tp: TopicPartition,
        proposed_isr: Vec<BrokerId>,
        why: String,
    },
    AlterPartitionFailed {
        broker: BrokerId,
        tp: TopicPartition,
        error: KafkaError,
    },
    /// `send()`: the partitioner chose a partition and the record joined a batch in the
    /// accumulator.
    RecordAccumulated {
        id: ProduceId,
        producer: String,
        tp: TopicPartition,
        key: Option<String>,
        batch: BatchId,
        /// Why this partition: `murmur2`, `sticky`, `round-robin` or `explicit`.
        partitioner: String,
    },
    /// `send()` blocks: a new batch needs `needed` bytes of `buffer.memory` and only `available`
    /// are free (Kafka: `BufferPool.allocate` waits up to `max.block.ms`).
    SendBlocked {
        id: ProduceId,
        producer: String,
        tp: TopicPartition,
        needed: u64,
        available: u64,
    },
    /// The sender sent a batch (one attempt) to the partition's leader.
    BatchSent {
        producer: String,
        batch: BatchId,
        tp: TopicPartition,
        to: BrokerId,
        records: u32,
        bytes: u64,
        attempt: u32,
        base_sequence: Option<i32>,
        acks: Acks,
    },
    /// A batch failed with a retriable error and will be sent again after a backoff.
    BatchRetrying {
        producer: String,
        batch: BatchId,
        tp: TopicPartition,
        error: KafkaError,
        attempt: u32,
        backoff_ms: u64,
    },
    /// An idempotent producer got its producer id (InitProducerId).
    ProducerIdAssigned {
        producer: String,
        producer_id: u64,
        producer_epoch: u16,
    },
    /// The leader appended a batch to its log (`records` records from `offset`).
    Appended {
        broker: BrokerId,
        tp: TopicPartition,
        offset: Offset,
        leader_epoch: LeaderEpoch,
        records: u64,
    },
    /// The topic's `compression.type` differs from the producer's: the leader recompressed the
    /// batch before writing it.
    BatchRecompressed {
        broker: BrokerId,
        tp: TopicPartition,
        from: String,
        to: String,
        bytes_before: u64,
        bytes_after: u64,
    },
    /// The leader recognised a retried idempotent batch it already has: no second copy.
    DuplicateBatch {
        broker: BrokerId,
        tp: TopicPartition,
        producer_id: u64,
        base_sequence: i32,
        base_offset: Offset,
    },
    /// The leader refused an idempotent batch (`OUT_OF_ORDER_SEQUENCE_NUMBER`,
    /// `INVALID_PRODUCER_EPOCH`).
    ProduceSequenceRejected {
        broker: BrokerId,
        tp: TopicPartition,
        producer_id: u64,
        base_sequence: i32,
        expected: i32,
        error: KafkaError,
    },
    /// A produce was refused by the leader without appending anything.
    ProduceRejected {
        broker: BrokerId,
        tp: TopicPartition,
        error: KafkaError,
        isr: Vec<BrokerId>,
        min_isr: u32,
    },
    /// A follower appended fetched records (its LEO moved).
    Replicated {
        broker: BrokerId,
        tp: TopicPartition,
        from: Offset,
        to: Offset,
    },
    /// A replica's high watermark moved forward.
    HighWatermarkAdvanced {
        broker: BrokerId,
        tp: TopicPartition,
        hw: Offset,
    },
    /// A follower cut its log back (KIP-101 truncation by leader epoch).
    Truncated {
        broker: BrokerId,
        tp: TopicPartition,
        from: Offset,
        to: Offset,
        lost: u64,
    },
    /// The leader refused a produce batch record by record (Kafka: `LogValidator` record errors,
    /// e.g. a record without a key on a compacted topic → `INVALID_RECORD`).
    RecordRejected {
        broker: BrokerId,
        tp: TopicPartition,
        error: KafkaError,
        /// The first bad record's index in its batch.
        batch_index: u32,
        message: String,
    },
    /// A replica closed its active segment and started a new one at `base_offset`
    /// (`segment.bytes` / `segment.ms`).
    SegmentRolled {
        broker: BrokerId,
        tp: TopicPartition,
        base_offset: Offset,
        /// The size of the segment it closed.
        closed_bytes: u64,
    },
    /// A replica's log cleaner compacted its log: only the latest record per key remains below
    /// `end_offset` (tombstones until their delete horizon).
    LogCleaned {
        broker: BrokerId,
        tp: TopicPartition,
        /// The dirty ratio before cleaning, in millionths (500000 = 0.5).
        dirty_ratio: u64,
        first_dirty_offset: Offset,
        /// The new cleaner checkpoint.
        end_offset: Offset,
        records_removed: u64,
        tombstones_removed: u64,
        bytes_before: u64,
        bytes_after: u64,
    },
    /// Retention deleted a replica's oldest segments; its log start offset moved.
    SegmentsDeleted {
        broker: BrokerId,
        tp: TopicPartition,
        reason: crate::cleaner::RetentionReason,
        /// Base offsets of the deleted segments.
        segments: Vec<Offset>,
        records: u64,
        bytes: u64,
        log_start_offset: Offset,
    },
    /// A network cut between two nodes.
    NetworkPartitioned {
        a: String,
        b: String,
    },
    /// A node cut off from all others.
    NodeIsolated {
        node: String,
    },
    /// All cuts removed.
    NetworkHealed {
        cuts_removed: u32,
    },
    NodeSlowed {
        node: String,
        extra_latency_ms: u64,
    },
    /// A learner held, released or dropped an envelope; or a cut link lost one.
    EnvelopeHeld {
        id: u64,
        api: String,
        from: String,
        to: String,
    },
    EnvelopeReleased {
        id: u64,
        api: String,
        from: String,
        to: String,
    },
    EnvelopeDropped {
        id: u64,
        api: String,
        from: String,
        to: String,
    },
    EnvelopeLost {
        id: u64,
        api: String,
        from: String,
        to: String,
    },
    /// `kafka-producer-perf-test.sh` started on a producer (`throughput` -1 = unthrottled).
    PerfTestStarted {
        producer: String,
        topic: String,
        num_records: u64,
        record_size: u32,
        throughput: i64,
    },
    /// The perf test's progress line for the last reporting window (every 5 s), as the tool
    /// prints it: records completed, their rate, bytes and latencies.
    PerfTestProgress {
        producer: String,
        records: u64,
        window_ms: u64,
        bytes: u64,
        latency_ms_sum: u64,
        latency_ms_max: u64,
    },
    /// The perf test's final summary line, with latency percentiles.
    PerfTestFinished {
        producer: String,
        records: u64,
        errors: u64,
        elapsed_ms: u64,
        bytes: u64,
        latency_ms_sum: u64,
        latency_ms_max: u64,
        p50_ms: u64,
        p95_ms: u64,
        p99_ms: u64,
        p999_ms: u64,
    },
    ProduceCompleted {
        id: ProduceId,
        producer: String,
        tp: TopicPartition,
        acks: Acks,
        outcome: ProduceOutcome,
        latency_ms: u64,
    },
    /// A controller process died (for a `broker,controller` node, the whole process).
    ControllerCrashed {
        controller: u32,
    },
    ControllerRestarted {
        controller: u32,
    },
    /// KIP-996: a voter lost its leader (or never had one) and asks for pre-votes.
    QuorumProspective {
        controller: u32,
        epoch: u32,
        reason: String,
    },
    /// A voter won the pre-vote and starts a real election in a new epoch.
    QuorumElectionStarted {
        controller: u32,
        epoch: u32,
    },
    /// A voter granted its (one per epoch) vote.
    QuorumVoted {
        controller: u32,
        candidate: u32,
        epoch: u32,
    },
    /// A candidate won a majority: it leads the metadata quorum in `epoch`.
    QuorumLeaderElected {
        controller: u32,
        epoch: u32,
        votes: Vec<u32>,
    },
    /// A voter learned the leader of an epoch.
    QuorumFollowing {
        controller: u32,
        leader: u32,
        epoch: u32,
    },
    /// The quorum leader stepped down (check-quorum, or a higher epoch).
    QuorumLeaderResigned {
        controller: u32,
        epoch: u32,
        reason: String,
    },
    /// The metadata log's high watermark moved: records below `to` are committed by a majority.
    MetadataCommitted {
        controller: u32,
        epoch: u32,
        from: u64,
        to: u64,
    },
    /// A voter cut its metadata log back to agree with the leader (KIP-595 divergence).
    MetadataLogTruncated {
        controller: u32,
        to_offset: u64,
        removed: u64,
    },
    /// The quorum leader replayed the committed log and became the active controller
    /// (`ActiveControllerCount` = 1 on it).
    ControllerActivated {
        controller: u32,
        epoch: u32,
    },
    /// The active controller stopped being active; writes not yet committed are abandoned.
    ControllerRenounced {
        controller: u32,
        epoch: u32,
        uncommitted: u64,
    },
    /// A broker could not create `__consumer_offsets` (e.g. fewer brokers than
    /// `offsets.topic.replication.factor`): FindCoordinator keeps answering COORDINATOR_NOT_AVAILABLE.
    OffsetsTopicCreationFailed {
        error: KafkaError,
        message: String,
    },
    /// A broker became coordinator for a `__consumer_offsets` partition and rebuilt its groups
    /// from the log.
    CoordinatorLoaded {
        broker: BrokerId,
        partition: u32,
        leader_epoch: LeaderEpoch,
        groups: u32,
        offsets: u32,
    },
    /// A broker no longer leads a `__consumer_offsets` partition: its groups are unloaded there.
    CoordinatorUnloaded {
        broker: BrokerId,
        partition: u32,
        groups: u32,
    },
    /// A transaction coordinator wrote a state change to `__transaction_state` and the HW passed it
    /// (Kafka: `TransactionMetadata.completeTransitionTo`).
    TxnStateChanged {
        broker: BrokerId,
        transactional_id: String,
        producer_id: u64,
        producer_epoch: i16,
        from: crate::transactions::TxnState,
        to: crate::transactions::TxnState,
        partitions: Vec<TopicPartition>,
    },
    /// A broker became transaction coordinator for a `__transaction_state` partition and rebuilt
    /// its transactions from the log.
    TxnCoordinatorLoaded {
        broker: BrokerId,
        partition: u32,
        leader_epoch: LeaderEpoch,
        transactions: u32,
    },
    /// A broker no longer leads a `__transaction_state` partition.
    TxnCoordinatorUnloaded {
        broker: BrokerId,
        partition: u32,
        transactions: u32,
    },
    /// A partition leader appended a COMMIT or ABORT control record (WriteTxnMarkers).
    TxnMarkerWritten {
        broker: BrokerId,
        tp: TopicPartition,
        offset: Offset,
        producer_id: u64,
        commit: bool,
    },
    /// An Ongoing transaction outlived its `transaction.timeout.ms`: the coordinator fences the
    /// producer (epoch + 1) and aborts it.
    TxnTimedOut {
        broker: BrokerId,
        transactional_id: String,
        producer_id: u64,
        producer_epoch: i16,
        timeout_ms: u64,
    },
    /// InitProducerId from a new producer with the same `transactional.id` while a transaction
    /// was open: the old producer is fenced (epoch bumped) and its transaction aborted.
    TxnProducerFenced {
        broker: BrokerId,
        transactional_id: String,
        producer_id: u64,
        old_epoch: i16,
        new_epoch: i16,
    },
    /// `__transaction_state` could not be created (too few brokers for its replication factor).
    TxnTopicCreationFailed {
        error: KafkaError,
        message: String,
    },
    /// A transactional producer's step (Kafka's `TransactionManager`): `beginTransaction()`,
    /// partitions added, `commitTransaction()` / `abortTransaction()` called or completed,
    /// offsets sent to the transaction.
    TxnClient {
        producer: String,
        transactional_id: String,
        step: TxnStep,
    },
    /// A transactional request failed; `state` is where the client's transaction manager went.
    TxnClientError {
        producer: String,
        api: String,
        error: KafkaError,
        state: String,
    },
    /// A consume-transform-produce application sent a record whose processing failed to the
    /// dead-letter topic.
    RecordToDeadLetterQueue {
        consumer: String,
        tp: TopicPartition,
        offset: u64,
        dlq: String,
    },
    /// The coordinator moved a group to another state (Kafka: `ClassicGroupState`).
    GroupStateChanged {
        broker: BrokerId,
        group: String,
        from: crate::group_coordinator::GroupState,
        to: crate::group_coordinator::GroupState,
        generation: u32,
        reason: String,
    },
    /// The coordinator removed a member (session expired, left, did not rejoin / sync).
    MemberRemoved {
        broker: BrokerId,
        group: String,
        member: String,
        reason: String,
    },
    /// KIP-848: the coordinator computed a new target assignment for a consumer group (its
    /// group epoch moved past the assignment epoch).
    TargetAssignmentComputed {
        broker: BrokerId,
        group: String,
        group_epoch: i32,
        assignor: String,
        assignment: Vec<(String, Vec<TopicPartition>)>,
    },
    /// KIP-848: a member's current assignment moved towards its target (Kafka's
    /// `CurrentAssignmentBuilder`): new epoch and/or state `STABLE`, `UNREVOKED_PARTITIONS`
    /// (must revoke first) or `UNRELEASED_PARTITIONS` (waits for partitions others still own).
    MemberReconciled {
        broker: BrokerId,
        group: String,
        member: String,
        member_epoch: i32,
        state: String,
        assigned: Vec<TopicPartition>,
        pending_revocation: Vec<TopicPartition>,
    },
    /// KIP-848: a member was removed (left with epoch -1, session or rebalance timeout); the
    /// group epoch was bumped so its partitions move.
    ConsumerGroupMemberFenced {
        broker: BrokerId,
        group: String,
        member: String,
        member_epoch: i32,
        group_epoch: i32,
        reason: String,
    },
    /// Static membership: a consumer joined with a `group.instance.id` already in the group and
    /// took over the previous member's place (and partitions).
    StaticMemberReplaced {
        broker: BrokerId,
        group: String,
        instance_id: String,
        old_member: String,
        new_member: String,
        rebalance: bool,
    },
    /// KIP-848 client: partitions revoked before the heartbeat that acknowledges it.
    PartitionsRevoked {
        consumer: String,
        group: String,
        member_epoch: i32,
        revoked: Vec<TopicPartition>,
    },
    /// KIP-848 client: fenced (FENCED_MEMBER_EPOCH / UNKNOWN_MEMBER_ID): partitions lost, rejoins
    /// with epoch 0.
    ConsumerFenced {
        consumer: String,
        group: String,
        error: KafkaError,
        lost: Vec<TopicPartition>,
    },
    /// Committed offsets reached the offsets partition's HW: the commit is durable.
    OffsetsCommitted {
        broker: BrokerId,
        group: String,
        offsets: Vec<(TopicPartition, u64)>,
    },
    /// A consumer client started (`new KafkaConsumer` + `subscribe`).
    ConsumerAdded {
        consumer: String,
        group: String,
        topics: Vec<String>,
    },
    /// FindCoordinator answered.
    CoordinatorDiscovered {
        consumer: String,
        group: String,
        coordinator: BrokerId,
    },
    /// A consumer request failed (it will retry or rejoin as Kafka's client does).
    ConsumerRequestFailed {
        consumer: String,
        api: String,
        error: KafkaError,
        action: String,
    },
    /// JoinGroup answered: the member is in generation `generation`.
    ConsumerJoined {
        consumer: String,
        group: String,
        generation: i32,
        member_id: String,
        leader: bool,
        protocol: String,
    },
    /// The group leader ran the assignor.
    AssignmentComputed {
        consumer: String,
        group: String,
        generation: i32,
        protocol: String,
        assignment: Vec<(String, Vec<TopicPartition>)>,
    },
    /// SyncGroup answered: the consumer's partitions for this generation.
    PartitionsAssigned {
        consumer: String,
        group: String,
        generation: i32,
        assigned: Vec<TopicPartition>,
        revoked: Vec<TopicPartition>,
    },
    /// The consumer's fetch position for a partition was set (committed offset or reset).
    PositionSet {
        consumer: String,
        tp: TopicPartition,
        offset: u64,
        source: String,
    },
    /// poll() returned records (`ranges`: partition, first, last offset).
    RecordsPolled {
        consumer: String,
        records: u32,
        ranges: Vec<(TopicPartition, u64, u64)>,
    },
    /// An exception poll() throws to the application, e.g. `NoOffsetForPartitionException`.
    ConsumerError {
        consumer: String,
        error: KafkaError,
        message: String,
    },
    /// The heartbeat thread noticed poll() was not called for `max.poll.interval.ms`: the
    /// consumer leaves the group (Kafka: `AbstractCoordinator.HeartbeatThread`).
    PollTimeoutExpired {
        consumer: String,
        ms_since_poll: u64,
    },
    /// A consumer-side command: crashed, closed, stopped or resumed polling.
    ConsumerLifecycle {
        consumer: String,
        what: String,
    },
    /// `kplay.delivery.semantics` set these configs on a new consumer.
    DeliverySemanticsApplied {
        consumer: String,
        semantics: crate::delivery::Semantics,
        configs: Vec<(String, String)>,
    },
    /// An application commit (commitSync / commitAsync) came back, as the application sees it.
    OffsetCommitCompleted {
        consumer: String,
        api: crate::consumer::commit::CommitApi,
        request: u64,
        offsets: Vec<(TopicPartition, u64)>,
        error: Option<KafkaError>,
        outcome: crate::consumer::commit::CommitOutcome,
    },
}

/// `orders-0=5 orders-1=7`.
pub fn offsets_text(offsets: &[(TopicPartition, u64)]) -> String {
    let v: Vec<String> = offsets.iter().map(|(tp, o)| format!("{tp}={o}")).collect();
    v.join(" ")
}

/// Kafka's `TimeoutException` text for a commitSync that gave up (`KafkaConsumer.commitSync`).
pub fn commit_timeout_message(timeout_ms: u64, offsets: &[(TopicPartition, u64)]) -> String {
    let v: Vec<String> = offsets
        .iter()
        .map(|(tp, o)| {
            format!("{tp}=OffsetAndMetadata{{offset={o}, leaderEpoch=null, metadata=''}}")
        })
        .collect();
    format!(
        "Timeout of {timeout_ms}ms expired before successfully committing offsets {{{}}}",
        v.join(", ")
    )
}

fn commit_text(
    f: &mut fmt::Formatter<'_>,
    consumer: &str,
    api: crate::consumer::commit::CommitApi,
    request: u64,
    offsets: &[(TopicPartition, u64)],
    error: Option<KafkaError>,
    outcome: &crate::consumer::commit::CommitOutcome,
) -> fmt::Result {
    use crate::consumer::commit::CommitOutcome::*;
    let api = api.name();
    let offs = offsets_text(offsets);
    let err = error.map_or_else(String::new, |e| e.to_string());
    let later = |l: &Option<u64>| {
        l.map_or_else(String::new, |l| {
            format!(", after the later commit #{l} had already succeeded")
        })
    };
    match outcome {
        Committed => write!(f, "{consumer} {api} #{request} {offs}: committed"),
        Retrying { backoff_ms } => write!(f, "{consumer} {api} #{request} {offs}: {err}; retrying in {backoff_ms}ms (commitSync retries until default.api.timeout.ms)"),
        TimedOut { timeout_ms } => write!(f, "{consumer} {api} threw TimeoutException: {}", commit_timeout_message(*timeout_ms, offsets)),
        Failed { exception } => write!(f, "{consumer} {api} #{request} {offs}: {exception} ({err})"),
        NotRetried { later_succeeded } => write!(f, "{consumer} {api} #{request} {offs}: callback got RetriableCommitFailedException ({err}){}; commitAsync does not retry", later(later_succeeded)),
        RetriedByCallback { retry, later_succeeded } => {
            let again = retry.map_or_else(|| "queued it again until the coordinator is found".to_string(), |r| format!("re-sent it as #{r}"));
            write!(f, "{consumer} {api} #{request} {offs}: callback got RetriableCommitFailedException ({err}){} and {again} (kplay.commit.async.retry)", later(later_succeeded))
        }
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t={:>7}ms ", self.at_ms)?;
        fmt_kind(&self.kind, f)
    }
}

fn ids(list: &[BrokerId]) -> String {
    let v: Vec<String> = list.iter().map(|b| b.0.to_string()).collect();
    format!("[{}]", v.join(","))
}

fn opt_broker(b: Option<BrokerId>) -> String {
    b.map(|b| b.0.to_string())
        .unwrap_or_else(|| "none".to_string())
}

fn fmt_kind(kind: &EventKind, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    use EventKind::*;
    match kind {
        TopicCreated { topic, partitions, replication_factor, assignment } => {
            let a: Vec<String> = assignment.iter().enumerate().map(|(p, r)| format!("{p}:{}", ids(r))).collect();
            write!(f, "topic {topic} created partitions={partitions} replication.factor={replication_factor} assignment {}", a.join(" "))
        }
        PartitionsCreated { topic, from, to, assignment } => {
            let a: Vec<String> = assignment.iter().enumerate().map(|(i, r)| format!("{}:{}", *from as usize + i, ids(r))).collect();
            write!(f, "topic {topic} partitions {from}→{to} (keys remap: murmur2 % {to}) assignment {}", a.join(" "))
        }
        CommandFailed { command, error, message } => write!(f, "command {command} failed: {error} ({message})"),
        ConfigChanged { entity, key, value } => write!(f, "config {entity} {key}={value}"),
        ProducerAdded { producer } => write!(f, "producer {producer} added"),
        BrokerCrashed { broker } => write!(f, "{broker} crashed"),
        BrokerRestarted { broker } => write!(f, "{broker} restarted"),
        BrokerRegistered { broker, broker_epoch } => write!(f, "controller registered {broker} broker.epoch={broker_epoch} (fenced until it heartbeats)"),
        BrokerFenced { broker, ms_since_heartbeat } => write!(f, "controller fenced {broker}: no heartbeat for {ms_since_heartbeat}ms"),
        BrokerUnfenced { broker } => write!(f, "controller unfenced {broker}"),
        PartitionChanged { tp, leader, leader_epoch, isr, partition_epoch, reason } => write!(
            f,
            "{tp} leader={} leaderEpoch={} isr={} partitionEpoch={partition_epoch} ({reason})",
            opt_broker(*leader),
            leader_epoch.0,
            ids(isr)
        ),
        BecameLeader { broker, tp, leader_epoch, log_end_offset } => {
            write!(f, "{broker} is leader of {tp} epoch={} LEO={}", leader_epoch.0, log_end_offset.0)
        }
        BecameFollower { broker, tp, leader, leader_epoch } => {
            write!(f, "{broker} follows {} for {tp} epoch={}", opt_broker(*leader), leader_epoch.0)
        }
        AlterPartitionSent { broker, tp, proposed_isr, why } => {
            write!(f, "{broker} AlterPartition {tp} isr→{} ({why})", ids(proposed_isr))
        }
        AlterPartitionFailed { broker, tp, error } => write!(f, "{broker} AlterPartition {tp} failed: {error}"),
        RecordAccumulated { id, producer, tp, key, batch, partitioner } => write!(
            f,
            "{producer} send() produce#{} key={} → {tp} ({partitioner}) into batch #{}",
            id.0,
            key.as_deref().unwrap_or("null"),
            batch.0
        ),
        BatchSent { producer, batch, tp, to, records, bytes, attempt, base_sequence, acks } => {
            write!(f, "{producer} sends batch #{} ({records} record{}, {bytes} B) to {to} for {tp} acks={acks}", batch.0, if *records == 1 { "" } else { "s" })?;
            if let Some(s) = base_sequence {
                write!(f, " seq={s}")?;
            }
            if *attempt > 1 {
                write!(f, " (attempt {attempt})")?;
            }
            Ok(())
        }
        BatchRetrying { producer, batch, tp, error, attempt, backoff_ms } => write!(
            f,
            "{producer} batch #{} for {tp} failed with {error} (attempt {attempt}): retrying in {backoff_ms}ms",
            batch.0
        ),
        SendBlocked { id, producer, tp, needed, available } => write!(
            f,
            "{producer} send() produce#{} for {tp} blocks: a new batch needs {needed} B of buffer.memory, {available} B free",
            id.0
        ),
        ProducerIdAssigned { producer, producer_id, producer_epoch } => {
            write!(f, "{producer} got producerId={producer_id} epoch={producer_epoch} (idempotent)")
        }
        Appended { broker, tp, offset, leader_epoch, records } => {
            if *records == 1 {
                write!(f, "{broker} appended {tp}@{} epoch={}", offset.0, leader_epoch.0)
            } else {
                write!(f, "{broker} appended {tp}@{}..{} epoch={}", offset.0, offset.0 + records - 1, leader_epoch.0)
            }
        }
        BatchRecompressed { broker, tp, from, to, bytes_before, bytes_after } => write!(
            f,
            "{broker} recompressed a batch for {tp} from {from} to {to} (topic compression.type): {bytes_before} B → {bytes_after} B"
        ),
        DuplicateBatch { broker, tp, producer_id, base_sequence, base_offset } => write!(
            f,
            "{broker} {tp}: batch seq={base_sequence} of producer {producer_id} is a duplicate of offset {}: not appended again",
            base_offset.0
        ),
        ProduceSequenceRejected { broker, tp, producer_id, base_sequence, expected, error } => write!(
            f,
            "{broker} rejected batch seq={base_sequence} of producer {producer_id} for {tp}: {error} (expected seq={expected})"
        ),
        ProduceRejected { broker, tp, error, isr, min_isr } => {
            write!(f, "{broker} rejected produce to {tp}: {error} isr={} min.insync.replicas={min_isr}", ids(isr))
        }
        Replicated { broker, tp, from, to } => write!(f, "{broker} fetched {tp} LEO {}→{}", from.0, to.0),
        HighWatermarkAdvanced { broker, tp, hw } => write!(f, "{broker} {tp} HW={}", hw.0),
        Truncated { broker, tp, from, to, lost } => {
            write!(f, "{broker} truncated {tp} LEO {}→{} ({lost} {} discarded)", from.0, to.0, if *lost == 1 { "record" } else { "records" })
        }
        RecordRejected { broker, tp, error, batch_index, message } => {
            write!(f, "{broker} rejected produce to {tp}: {error} (record {batch_index} of the batch): {message}")
        }
        SegmentRolled { broker, tp, base_offset, closed_bytes } => {
            write!(f, "{broker} {tp} rolled a new segment at offset {} (closed one of {closed_bytes} bytes)", base_offset.0)
        }
        LogCleaned { broker, tp, dirty_ratio, first_dirty_offset, end_offset, records_removed, tombstones_removed, bytes_before, bytes_after } => {
            write!(f, "{broker} cleaned {tp}: dirty ratio {} over offsets {}..{}, removed {records_removed} record{} ({tombstones_removed} tombstone{}), {bytes_before}→{bytes_after} bytes, checkpoint {}",
                crate::segment::format_ratio(*dirty_ratio), first_dirty_offset.0, end_offset.0,
                if *records_removed == 1 { "" } else { "s" }, if *tombstones_removed == 1 { "" } else { "s" }, end_offset.0)
        }
        SegmentsDeleted { broker, tp, reason, segments, records, bytes, log_start_offset } => {
            let bases: Vec<String> = segments.iter().map(|o| o.0.to_string()).collect();
            write!(f, "{broker} {tp} deleted {} segment{} [{}] by {} ({records} records, {bytes} bytes); log start offset {}",
                segments.len(), if segments.len() == 1 { "" } else { "s" }, bases.join(","), reason.name(), log_start_offset.0)
        }
        NetworkPartitioned { a, b } => write!(f, "network cut between {a} and {b}"),
        NodeIsolated { node } => write!(f, "{node} isolated from every other node"),
        NetworkHealed { cuts_removed } => write!(f, "network healed ({cuts_removed} cut links restored)"),
        NodeSlowed { node, extra_latency_ms: 0 } => write!(f, "{node} back to normal network speed"),
        NodeSlowed { node, extra_latency_ms } => write!(f, "{node} slowed: +{extra_latency_ms}ms per envelope"),
        EnvelopeHeld { id, api, from, to } => write!(f, "envelope #{id} {api} {from}→{to} held"),
        EnvelopeReleased { id, api, from, to } => write!(f, "envelope #{id} {api} {from}→{to} released"),
        EnvelopeDropped { id, api, from, to } => write!(f, "envelope #{id} {api} {from}→{to} dropped"),
        EnvelopeLost { id, api, from, to } => write!(f, "envelope #{id} {api} {from}→{to} lost on a cut link"),
        ControllerCrashed { controller } => write!(f, "controller-{controller} crashed"),
        ControllerRestarted { controller } => write!(f, "controller-{controller} restarted"),
        QuorumProspective { controller, epoch, reason } => {
            write!(f, "controller-{controller} prospective in epoch {epoch} ({reason}): asking for pre-votes")
        }
        QuorumElectionStarted { controller, epoch } => {
            write!(f, "controller-{controller} candidate for epoch {epoch}: asking for votes")
        }
        QuorumVoted { controller, candidate, epoch } => {
            write!(f, "controller-{controller} voted for controller-{candidate} in epoch {epoch}")
        }
        QuorumLeaderElected { controller, epoch, votes } => {
            let v: Vec<String> = votes.iter().map(|v| v.to_string()).collect();
            write!(f, "controller-{controller} elected quorum leader for epoch {epoch} (votes from [{}])", v.join(","))
        }
        QuorumFollowing { controller, leader, epoch } => {
            write!(f, "controller-{controller} follows controller-{leader} in epoch {epoch}")
        }
        QuorumLeaderResigned { controller, epoch, reason } => {
            write!(f, "controller-{controller} resigned as quorum leader of epoch {epoch}: {reason}")
        }
        MetadataCommitted { controller, epoch, from, to } => {
            write!(f, "controller-{controller} metadata HW {from}→{to} (committed by a majority, epoch {epoch})")
        }
        MetadataLogTruncated { controller, to_offset, removed } => {
            write!(f, "controller-{controller} truncated its metadata log to offset {to_offset} ({removed} uncommitted {} discarded)", if *removed == 1 { "record" } else { "records" })
        }
        ControllerActivated { controller, epoch } => {
            write!(f, "controller-{controller} is the active controller (epoch {epoch})")
        }
        ControllerRenounced { controller, epoch, uncommitted } => {
            write!(f, "controller-{controller} is no longer active (epoch {epoch}); {uncommitted} uncommitted metadata {} abandoned", if *uncommitted == 1 { "record" } else { "records" })
        }
        PerfTestStarted { producer, topic, num_records, record_size, throughput } => {
            let rate = if *throughput < 0 { "unthrottled".to_string() } else { format!("--throughput {throughput}") };
            write!(f, "{producer} kafka-producer-perf-test --topic {topic} --num-records {num_records} --record-size {record_size} ({rate})")
        }
        PerfTestProgress { producer, records, window_ms, bytes, latency_ms_sum, latency_ms_max } => {
            // Kafka: ProducerPerformance.Stats.printWindow.
            let (rate, mb, avg) = perf_rates(*records, *window_ms, *bytes, *latency_ms_sum, 1);
            write!(f, "{producer} perf-test: {records} records sent, {rate} records/sec ({mb} MB/sec), {avg} ms avg latency, {latency_ms_max}.0 ms max latency.")
        }
        PerfTestFinished { producer, records, errors, elapsed_ms, bytes, latency_ms_sum, latency_ms_max, p50_ms, p95_ms, p99_ms, p999_ms } => {
            // Kafka: ProducerPerformance.Stats.printTotal.
            let (rate, mb, avg) = perf_rates(*records, *elapsed_ms, *bytes, *latency_ms_sum, 2);
            write!(f, "{producer} perf-test: {records} records sent, {rate} records/sec ({mb} MB/sec), {avg} ms avg latency, {latency_ms_max}.00 ms max latency, {p50_ms} ms 50th, {p95_ms} ms 95th, {p99_ms} ms 99th, {p999_ms} ms 99.9th.")?;
            if *errors > 0 {
                write!(f, " {errors} failed.")?;
            }
            Ok(())
        }
        OffsetsTopicCreationFailed { error, message } => {
            write!(f, "cannot create __consumer_offsets: {error} ({message}); FindCoordinator answers COORDINATOR_NOT_AVAILABLE")
        }
        CoordinatorLoaded { broker, partition, leader_epoch, groups, offsets } => write!(
            f,
            "{broker} coordinator for __consumer_offsets-{partition} (epoch {}): loaded {groups} group{} and {offsets} committed offset{} from the log",
            leader_epoch.0,
            if *groups == 1 { "" } else { "s" },
            if *offsets == 1 { "" } else { "s" }
        ),
        CoordinatorUnloaded { broker, partition, groups } => {
            write!(f, "{broker} no longer coordinates __consumer_offsets-{partition}: {groups} group(s) unloaded")
        }
        TxnStateChanged { broker, transactional_id, producer_id, producer_epoch, from, to, partitions } => {
            write!(f, "{broker} transaction {transactional_id} (producerId={producer_id} epoch={producer_epoch}) {from} → {to}")?;
            if !partitions.is_empty() {
                write!(f, " partitions {}", tps_text(partitions))?;
            }
            Ok(())
        }
        TxnCoordinatorLoaded { broker, partition, leader_epoch, transactions } => write!(
            f,
            "{broker} transaction coordinator for __transaction_state-{partition} (epoch {}): loaded {transactions} transactional id{} from the log",
            leader_epoch.0,
            if *transactions == 1 { "" } else { "s" }
        ),
        TxnCoordinatorUnloaded { broker, partition, transactions } => {
            write!(f, "{broker} no longer coordinates __transaction_state-{partition}: {transactions} transactional id(s) unloaded")
        }
        TxnMarkerWritten { broker, tp, offset, producer_id, commit } => write!(
            f,
            "{broker} wrote {} marker for producerId={producer_id} to {tp} at offset {}",
            if *commit { "COMMIT" } else { "ABORT" },
            offset.0
        ),
        TxnTimedOut { broker, transactional_id, producer_id, producer_epoch, timeout_ms } => write!(
            f,
            "{broker} transaction {transactional_id} (producerId={producer_id} epoch={producer_epoch}) open longer than transaction.timeout.ms={timeout_ms}: fencing and aborting"
        ),
        TxnProducerFenced { broker, transactional_id, producer_id, old_epoch, new_epoch } => write!(
            f,
            "{broker} transaction {transactional_id}: a new producer called InitProducerId; producerId={producer_id} epoch {old_epoch} → {new_epoch} fences the old one and aborts its open transaction"
        ),
        TxnTopicCreationFailed { error, message } => {
            write!(f, "cannot create __transaction_state: {error} ({message}); FindCoordinator answers COORDINATOR_NOT_AVAILABLE")
        }
        TxnClient { producer, transactional_id, step } => match step {
            TxnStep::Begin => write!(f, "{producer} beginTransaction() ({transactional_id})"),
            TxnStep::PartitionsAdded { partitions } => {
                write!(f, "{producer} AddPartitionsToTxn {} ok ({transactional_id})", tps_text(partitions))
            }
            TxnStep::OffsetsSent { group, offsets } => {
                let v: Vec<String> = offsets.iter().map(|(tp, o)| format!("{tp}={o}")).collect();
                write!(f, "{producer} sendOffsetsToTransaction group {group} {} ({transactional_id})", v.join(" "))
            }
            TxnStep::EndRequested { commit } => write!(
                f,
                "{producer} {}() ({transactional_id})",
                if *commit { "commitTransaction" } else { "abortTransaction" }
            ),
            TxnStep::Completed { commit } => write!(
                f,
                "{producer} transaction {} ({transactional_id})",
                if *commit { "committed" } else { "aborted" }
            ),
        },
        TxnClientError { producer, api, error, state } => {
            write!(f, "{producer} {api} failed: {error} (transaction manager → {state})")
        }
        RecordToDeadLetterQueue { consumer, tp, offset, dlq } => {
            write!(f, "{consumer} processing {tp}@{offset} failed: record sent to dead-letter topic {dlq}")
        }
        GroupStateChanged { broker, group, from, to, generation, reason } => {
            write!(f, "{broker} group {group} {from} → {to} generation={generation} ({reason})")
        }
        MemberRemoved { broker, group, member, reason } => write!(f, "{broker} group {group} removed {member}: {reason}"),
        TargetAssignmentComputed { broker, group, group_epoch, assignor, assignment } => {
            let v: Vec<String> = assignment.iter().map(|(m, tps)| format!("{m}→{}", tps_text(tps))).collect();
            write!(f, "{broker} group {group} target assignment epoch={group_epoch} ({assignor}): {}", v.join(" "))
        }
        MemberReconciled { broker, group, member, member_epoch, state, assigned, pending_revocation } => {
            write!(f, "{broker} group {group} member {member} epoch={member_epoch} {state} assigned {}", tps_text(assigned))?;
            if !pending_revocation.is_empty() {
                write!(f, " revoking {}", tps_text(pending_revocation))?;
            }
            Ok(())
        }
        ConsumerGroupMemberFenced { broker, group, member, member_epoch, group_epoch, reason } => write!(
            f,
            "{broker} group {group} fenced {member} (epoch {member_epoch}): {reason}; group epoch={group_epoch}"
        ),
        StaticMemberReplaced { broker, group, instance_id, old_member, new_member, rebalance } => write!(
            f,
            "{broker} group {group} static member {instance_id}: {new_member} replaces {old_member}{}",
            if *rebalance { " (rebalance)" } else { " (no rebalance)" }
        ),
        PartitionsRevoked { consumer, group, member_epoch, revoked } => {
            write!(f, "{consumer} group {group} epoch={member_epoch} revoked {}", tps_text(revoked))
        }
        ConsumerFenced { consumer, group, error, lost } => {
            write!(f, "{consumer} group {group} fenced ({error}): lost {}, rejoining with epoch 0", tps_text(lost))
        }
        OffsetsCommitted { broker, group, offsets } => {
            let v: Vec<String> = offsets.iter().map(|(tp, o)| format!("{tp}={o}")).collect();
            write!(f, "{broker} group {group} committed {}", v.join(" "))
        }
        ConsumerAdded { consumer, group, topics } => {
            write!(f, "consumer {consumer} added to group {group} subscribed to [{}]", topics.join(","))
        }
        CoordinatorDiscovered { consumer, group, coordinator } => {
            write!(f, "{consumer} found coordinator {coordinator} for group {group}")
        }
        ConsumerRequestFailed { consumer, api, error, action } => write!(f, "{consumer} {api} failed: {error} ({action})"),
        ConsumerJoined { consumer, group, generation, member_id, leader, protocol } => write!(
            f,
            "{consumer} joined group {group} generation={generation} as {member_id}{} protocol={protocol}",
            if *leader { " (leader)" } else { "" }
        ),
        AssignmentComputed { consumer, group, generation, protocol, assignment } => {
            let v: Vec<String> = assignment.iter().map(|(m, tps)| format!("{m}→{}", tps_text(tps))).collect();
            write!(f, "{consumer} (leader) assigned group {group} generation={generation} with {protocol}: {}", v.join(" "))
        }
        PartitionsAssigned { consumer, group, generation, assigned, revoked } => {
            write!(f, "{consumer} group {group} generation={generation} assigned {}", tps_text(assigned))?;
            if !revoked.is_empty() {
                write!(f, " revoked {}", tps_text(revoked))?;
            }
            Ok(())
        }
        PositionSet { consumer, tp, offset, source } => write!(f, "{consumer} position {tp}={offset} ({source})"),
        RecordsPolled { consumer, records, ranges } => {
            let v: Vec<String> = ranges.iter().map(|(tp, a, b)| if a == b { format!("{tp}@{a}") } else { format!("{tp}@{a}..{b}") }).collect();
            write!(f, "{consumer} poll() returned {records} record{}: {}", if *records == 1 { "" } else { "s" }, v.join(" "))
        }
        ConsumerError { consumer, error, message } => write!(f, "{consumer} poll() threw {error}: {message}"),
        PollTimeoutExpired { consumer, ms_since_poll } => write!(
            f,
            "{consumer}: consumer poll timeout has expired ({ms_since_poll}ms since the last poll() > max.poll.interval.ms): leaving the group"
        ),
        ConsumerLifecycle { consumer, what } => write!(f, "consumer {consumer} {what}"),
        DeliverySemanticsApplied { consumer, semantics, configs } => {
            let v: Vec<String> = configs.iter().map(|(k, v)| format!("{k}={v}")).collect();
            write!(f, "{consumer} kplay.delivery.semantics={} means {} ({})", semantics.name(), v.join(" "), semantics.meaning())
        }
        OffsetCommitCompleted { consumer, api, request, offsets, error, outcome } => {
            commit_text(f, consumer, *api, *request, offsets, *error, outcome)
        }
        ProduceCompleted { id, producer, tp, acks, outcome, latency_ms } => match outcome {
            ProduceOutcome::Ok { offset } => {
                write!(f, "{producer} produce#{} {tp} acks={acks} OK offset={offset} ({latency_ms}ms)", id.0)
            }
            ProduceOutcome::Err { error, message } => {
                write!(f, "{producer} produce#{} {tp} acks={acks} FAILED {error}: {message} ({latency_ms}ms)", id.0)
            }
        },
    }
}

/// A perf-test line's figures: records/sec (1 decimal), MB/sec (2 decimals, MB = 2^20 bytes) and
/// the mean latency in ms (`avg_decimals`), as `ProducerPerformance.Stats` prints them.
pub fn perf_rates(
    records: u64,
    ms: u64,
    bytes: u64,
    latency_ms_sum: u64,
    avg_decimals: u32,
) -> (String, String, String) {
    let ms = ms.max(1) as u128;
    (
        fixed(records as u128 * 1000, ms, 1),
        fixed(bytes as u128 * 1000, ms * 1024 * 1024, 2),
        fixed(latency_ms_sum as u128, records.max(1) as u128, avg_decimals),
    )
}

/// `num / den` rounded to `decimals` places, in integer arithmetic (the same digits natively and
/// in wasm).
pub fn fixed(num: u128, den: u128, decimals: u32) -> String {
    let scale = 10u128.pow(decimals);
    let v = (num * scale * 2 + den) / (den * 2);
    if decimals == 0 {
        return v.to_string();
    }
    format!(
        "{}.{:0width$}",
        v / scale,
        v % scale,
        width = decimals as usize
    )
}

fn tps_text(tps: &[TopicPartition]) -> String {
    let v: Vec<String> = tps.iter().map(|tp| tp.to_string()).collect();
    format!("[{}]", v.join(","))
}

/// FNV-1a 64 over the event lines: the determinism fingerprint of a run (same on native and wasm).
pub fn trace_hash<'a>(events: impl IntoIterator<Item = &'a Event>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for e in events {
        for b in e.to_string().bytes().chain(std::iter::once(b'\n')) {
            h ^= b as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}
