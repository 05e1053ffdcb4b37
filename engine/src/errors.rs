//! Kafka's error codes, by the exact names of `org.apache.kafka.common.protocol.Errors`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The subset of Kafka's `Errors` enum the simulation can produce. Serialized and displayed with
/// Kafka's own upper-case names so traces read like broker logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum KafkaError {
    /// acks=all and the ISR is smaller than `min.insync.replicas`: rejected before append.
    NotEnoughReplicas,
    /// Written, but the ISR shrank below min ISR before the HW reached the record (pre-3.7 path).
    NotEnoughReplicasAfterAppend,
    /// The broker (DelayedProduce) or the client gave up waiting.
    RequestTimedOut,
    /// The broker is not the leader of the partition (stale client metadata).
    NotLeaderOrFollower,
    /// The connection broke before a response arrived (the broker crashed).
    NetworkException,
    /// The partition has no leader right now.
    LeaderNotAvailable,
    UnknownTopicOrPartition,
    TopicAlreadyExists,
    InvalidReplicationFactor,
    InvalidPartitions,
    InvalidConfig,
    InvalidTopicException,
    /// AlterPartition carried a stale partition epoch.
    InvalidUpdateVersion,
    FencedLeaderEpoch,
    UnknownLeaderEpoch,
    OffsetOutOfRange,
    /// A broker the request names is not registered / is fenced.
    BrokerNotAvailable,
    /// `electLeaders`: the partition already has the leader asked for.
    ElectionNotNeeded,
    /// `electLeaders` (preferred): the preferred replica is not in the ISR or not available.
    PreferredLeaderNotAvailable,
    /// `electLeaders` (unclean): no replica at all can lead.
    EligibleLeadersNotAvailable,
    /// AlterPartition proposed an ISR with a fenced broker (KIP-841).
    IneligibleReplica,
    InvalidRequest,
    /// The request went to a controller that is not the active one.
    NotController,
    /// An idempotent batch's sequence is not the next one the broker expects.
    OutOfOrderSequenceNumber,
    /// A batch from an older epoch of an idempotent producer.
    InvalidProducerEpoch,
    /// A record the broker refuses (e.g. no key on a compacted topic). Not retriable.
    InvalidRecord,
    /// A client-side configuration error (Kafka's `ConfigException`, not a wire error code).
    ConfigException,
    /// `send()` waited `max.block.ms` for `buffer.memory` in vain (the client's
    /// `BufferExhaustedException`, not a wire error code).
    BufferExhausted,
    /// FindCoordinator: `__consumer_offsets` does not exist yet or the group's partition has no
    /// leader; a group request to a coordinator whose group is Dead (unloaded).
    CoordinatorNotAvailable,
    /// The broker does not (or no longer) lead the group's `__consumer_offsets` partition.
    NotCoordinator,
    /// The coordinator does not know this member id (expired, removed, or never joined).
    UnknownMemberId,
    /// The member's generation is not the group's current one.
    IllegalGeneration,
    /// The group is rebalancing: the member must rejoin.
    RebalanceInProgress,
    /// KIP-394: the first JoinGroup gets a member id and must be sent again with it.
    MemberIdRequired,
    /// The member shares no assignor (protocol) with the group.
    InconsistentGroupProtocol,
    /// `session.timeout.ms` outside `group.min.session.timeout.ms`..`group.max.session.timeout.ms`.
    InvalidSessionTimeout,
    /// The consumer has no committed offset and `auto.offset.reset=none` (the client's
    /// `NoOffsetForPartitionException`, not a wire error code).
    NoOffsetForPartition,
    /// KIP-848: the member epoch in ConsumerGroupHeartbeat is not the coordinator's (the member
    /// must give up its partitions and rejoin with epoch 0).
    FencedMemberEpoch,
    /// KIP-848: an OffsetCommit carries a member epoch other than the member's current one.
    StaleMemberEpoch,
    /// The group does not exist, or is not of the requested type (e.g. a ConsumerGroupHeartbeat
    /// to a non-empty classic group).
    GroupIdNotFound,
    /// Static membership: another consumer joined with the same `group.instance.id`.
    FencedInstanceId,
    /// `group.remote.assignor` names an assignor the broker does not offer.
    UnsupportedAssignor,
    /// A newer producer with the same `transactional.id` has taken over (KIP-588: the
    /// transaction coordinator's answer to an older epoch).
    ProducerFenced,
    /// The request is not valid in the transaction's state (e.g. EndTxn with no transaction).
    InvalidTxnState,
    /// The coordinator is completing the previous transaction (or fencing): retry.
    ConcurrentTransactions,
    /// The producer id does not match the one the coordinator holds for this transactional.id.
    InvalidProducerIdMapping,
    /// `transaction.timeout.ms` is larger than the broker's `transaction.max.timeout.ms`.
    InvalidTransactionTimeout,
    /// A transactional method was called in the wrong client state (the client's
    /// `IllegalStateException` / `KafkaException`, not a wire error code).
    IllegalState,
    /// OffsetFetch (KIP-447 `requireStable`): a transaction holding offsets for the partition is
    /// still open; retry once it completes.
    UnstableOffsetCommit,
    /// The batch was never sent: its transaction was aborted (the client's
    /// `TransactionAbortedException`).
    TransactionAborted,
}

impl KafkaError {
    /// Kafka's name for the error, e.g. `NOT_ENOUGH_REPLICAS`.
    pub fn name(self) -> &'static str {
        use KafkaError::*;
        match self {
            NotEnoughReplicas => "NOT_ENOUGH_REPLICAS",
            NotEnoughReplicasAfterAppend => "NOT_ENOUGH_REPLICAS_AFTER_APPEND",
            RequestTimedOut => "REQUEST_TIMED_OUT",
            NotLeaderOrFollower => "NOT_LEADER_OR_FOLLOWER",
            NetworkException => "NETWORK_EXCEPTION",
            LeaderNotAvailable => "LEADER_NOT_AVAILABLE",
            UnknownTopicOrPartition => "UNKNOWN_TOPIC_OR_PARTITION",
            NotController => "NOT_CONTROLLER",
            OutOfOrderSequenceNumber => "OUT_OF_ORDER_SEQUENCE_NUMBER",
            InvalidProducerEpoch => "INVALID_PRODUCER_EPOCH",
            InvalidRecord => "INVALID_RECORD",
            TopicAlreadyExists => "TOPIC_ALREADY_EXISTS",
            InvalidReplicationFactor => "INVALID_REPLICATION_FACTOR",
            InvalidPartitions => "INVALID_PARTITIONS",
            InvalidConfig => "INVALID_CONFIG",
            InvalidTopicException => "INVALID_TOPIC_EXCEPTION",
            InvalidUpdateVersion => "INVALID_UPDATE_VERSION",
            FencedLeaderEpoch => "FENCED_LEADER_EPOCH",
            UnknownLeaderEpoch => "UNKNOWN_LEADER_EPOCH",
            OffsetOutOfRange => "OFFSET_OUT_OF_RANGE",
            BrokerNotAvailable => "BROKER_NOT_AVAILABLE",
            IneligibleReplica => "INELIGIBLE_REPLICA",
            ElectionNotNeeded => "ELECTION_NOT_NEEDED",
            PreferredLeaderNotAvailable => "PREFERRED_LEADER_NOT_AVAILABLE",
            EligibleLeadersNotAvailable => "ELIGIBLE_LEADERS_NOT_AVAILABLE",
            InvalidRequest => "INVALID_REQUEST",
            ConfigException => "CONFIG_EXCEPTION",
            BufferExhausted => "BufferExhaustedException",
            CoordinatorNotAvailable => "COORDINATOR_NOT_AVAILABLE",
            NotCoordinator => "NOT_COORDINATOR",
            UnknownMemberId => "UNKNOWN_MEMBER_ID",
            IllegalGeneration => "ILLEGAL_GENERATION",
            RebalanceInProgress => "REBALANCE_IN_PROGRESS",
            MemberIdRequired => "MEMBER_ID_REQUIRED",
            InconsistentGroupProtocol => "INCONSISTENT_GROUP_PROTOCOL",
            InvalidSessionTimeout => "INVALID_SESSION_TIMEOUT",
            NoOffsetForPartition => "NoOffsetForPartitionException",
            FencedMemberEpoch => "FENCED_MEMBER_EPOCH",
            StaleMemberEpoch => "STALE_MEMBER_EPOCH",
            GroupIdNotFound => "GROUP_ID_NOT_FOUND",
            FencedInstanceId => "FENCED_INSTANCE_ID",
            UnsupportedAssignor => "UNSUPPORTED_ASSIGNOR",
            ProducerFenced => "PRODUCER_FENCED",
            InvalidTxnState => "INVALID_TXN_STATE",
            ConcurrentTransactions => "CONCURRENT_TRANSACTIONS",
            InvalidProducerIdMapping => "INVALID_PRODUCER_ID_MAPPING",
            InvalidTransactionTimeout => "INVALID_TRANSACTION_TIMEOUT",
            IllegalState => "IllegalStateException",
            TransactionAborted => "TransactionAbortedException",
            UnstableOffsetCommit => "UNSTABLE_OFFSET_COMMIT",
        }
    }

    /// Whether the Java client treats the error as retriable (`RetriableException`).
    pub fn is_retriable(self) -> bool {
        use KafkaError::*;
        matches!(
            self,
            NotEnoughReplicas
                | NotEnoughReplicasAfterAppend
                | RequestTimedOut
                | NotLeaderOrFollower
                | NetworkException
                | LeaderNotAvailable
                | UnknownTopicOrPartition
                | FencedLeaderEpoch
                | UnknownLeaderEpoch
                | CoordinatorNotAvailable
                | NotCoordinator
                | ConcurrentTransactions
                | UnstableOffsetCommit
        )
    }
}

impl fmt::Display for KafkaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
