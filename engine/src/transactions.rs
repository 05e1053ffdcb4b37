//! Transactions: the transaction coordinator running inside each broker, the transaction state
//! log `__transaction_state`, and the COMMIT / ABORT markers partition leaders append.
//!
//! A `transactional.id` lives on the `__transaction_state` partition
//! `abs(javaStringHashCode(transactional.id)) % transaction.state.log.num.partitions`; the broker
//! that leads that partition is its coordinator. Every state change is a record written to that
//! partition and acted on only once the high watermark passes it, so a new leader rebuilds the
//! transactions from the log and finishes what the old one started (two-phase commit:
//! PrepareCommit is durable before any marker is written).
//!
//! Kafka: `TransactionCoordinator` (`handleInitProducerId`, `handleAddPartitionsToTransaction`,
//! `handleEndTransaction`, `abortTimedOutTransactions`), `TransactionStateManager`,
//! `TransactionMetadata` (`prepareIncrementProducerEpoch`, `prepareFenceProducerEpoch`,
//! `prepareAddPartitions`, `prepareAbortOrCommit`, `prepareComplete`), `TransactionState`,
//! `TransactionMarkerChannelManager`, `ReplicaManager` / `UnifiedLog` for the markers.

use crate::config::{ConfigScope, Configs};
use crate::errors::KafkaError;
use crate::events::EventKind;
use crate::ids::{BrokerId, LeaderEpoch, NodeAddr, Offset, Tick, TopicPartition};
use crate::kraft::Controller;
use crate::log::NewRecord;
use crate::network::{Ctx, Rpc};
use crate::replication::Broker;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Kafka: `Topic.TRANSACTION_STATE_TOPIC_NAME`.
pub const TRANSACTION_STATE_TOPIC: &str = "__transaction_state";

/// How long a state-log write may wait for the HW (Kafka: the coordinator appends with the
/// broker's `request.timeout.ms`, 30000 by default).
const WRITE_TIMEOUT_MS: u64 = 30_000;

/// How long the coordinator waits for a partition leader's WriteTxnMarkers answer before
/// sending the markers again (Kafka's marker channel retries on disconnects and errors).
const MARKER_RETRY_MS: u64 = 1_000;

/// Kafka: `TransactionState` — with its names as `kafka-transactions --describe` prints them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TxnState {
    Empty,
    Ongoing,
    PrepareCommit,
    PrepareAbort,
    CompleteCommit,
    CompleteAbort,
    Dead,
    PrepareEpochFence,
}

impl TxnState {
    /// Kafka: `TransactionState.VALID_PREVIOUS_STATES`.
    pub fn valid_previous_states(self) -> &'static [TxnState] {
        use TxnState::*;
        match self {
            Empty => &[Empty, CompleteCommit, CompleteAbort],
            Ongoing => &[Ongoing, Empty, CompleteCommit, CompleteAbort],
            PrepareCommit => &[Ongoing],
            PrepareAbort => &[
                Ongoing,
                PrepareEpochFence,
                Empty,
                CompleteCommit,
                CompleteAbort,
            ],
            CompleteCommit => &[PrepareCommit],
            CompleteAbort => &[PrepareAbort],
            Dead => &[Empty, CompleteAbort, CompleteCommit],
            PrepareEpochFence => &[Ongoing],
        }
    }

    /// Kafka's state name.
    pub fn name(self) -> &'static str {
        match self {
            TxnState::Empty => "Empty",
            TxnState::Ongoing => "Ongoing",
            TxnState::PrepareCommit => "PrepareCommit",
            TxnState::PrepareAbort => "PrepareAbort",
            TxnState::CompleteCommit => "CompleteCommit",
            TxnState::CompleteAbort => "CompleteAbort",
            TxnState::Dead => "Dead",
            TxnState::PrepareEpochFence => "PrepareEpochFence",
        }
    }
}

impl fmt::Display for TxnState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The transaction coordinator's view of one `transactional.id` (Kafka: `TransactionMetadata`).
/// `producer_epoch` is a Java `short`: -1 before the first InitProducerId.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionMetadata {
    pub transactional_id: String,
    pub producer_id: u64,
    pub producer_epoch: i16,
    pub last_producer_epoch: i16,
    pub timeout_ms: u64,
    pub state: TxnState,
    pub partitions: BTreeSet<TopicPartition>,
    /// When the current transaction began (its first AddPartitionsToTxn), in ms.
    pub txn_start_ms: u64,
    pub last_update_ms: u64,
    /// A transition written to the log but not yet acknowledged by the HW.
    pub pending_state: Option<TxnState>,
}

/// The metadata a transition will have once its log write succeeds (Kafka: `TxnTransitMetadata`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxnTransit {
    pub producer_id: u64,
    pub producer_epoch: i16,
    pub last_producer_epoch: i16,
    pub timeout_ms: u64,
    pub state: TxnState,
    pub partitions: BTreeSet<TopicPartition>,
    pub txn_start_ms: u64,
    pub last_update_ms: u64,
}

/// Kafka: `TransactionMetadata.isEpochExhausted` — the epoch must leave room for one bump.
pub fn is_epoch_exhausted(epoch: i16) -> bool {
    epoch >= i16::MAX - 1
}

impl TransactionMetadata {
    /// A new transactional id (producer epoch -1, Empty), before its first InitProducerId.
    pub fn new(transactional_id: &str, producer_id: u64, timeout_ms: u64, now_ms: u64) -> Self {
        TransactionMetadata {
            transactional_id: transactional_id.to_string(),
            producer_id,
            producer_epoch: -1,
            last_producer_epoch: -1,
            timeout_ms,
            state: TxnState::Empty,
            partitions: BTreeSet::new(),
            txn_start_ms: 0,
            last_update_ms: now_ms,
            pending_state: None,
        }
    }

    fn transit(&self) -> TxnTransit {
        TxnTransit {
            producer_id: self.producer_id,
            producer_epoch: self.producer_epoch,
            last_producer_epoch: self.last_producer_epoch,
            timeout_ms: self.timeout_ms,
            state: self.state,
            partitions: self.partitions.clone(),
            txn_start_ms: self.txn_start_ms,
            last_update_ms: self.last_update_ms,
        }
    }

    /// Kafka: `TransactionMetadata.prepareTransitionTo` — the state must be one the target
    /// accepts, and no other transition may be pending.
    fn prepare_transition_to(&mut self, t: TxnTransit) -> Result<TxnTransit, String> {
        if let Some(p) = self.pending_state {
            return Err(format!(
                "TransactionalId {} is already in pending state {p} while trying to transit to {}",
                self.transactional_id, t.state
            ));
        }
        if !t.state.valid_previous_states().contains(&self.state) {
            return Err(format!(
                "TransactionalId {} failed transition to state {} due to unexpected metadata: the previous state {} is not a valid previous state of the target state",
                self.transactional_id, t.state, self.state
            ));
        }
        // Kafka tolerates a clock that moved back: the new update time is taken as given.
        self.pending_state = Some(t.state);
        Ok(t)
    }

    /// Kafka: `prepareIncrementProducerEpoch` — InitProducerId on an Empty or completed
    /// transaction: epoch + 1 (from -1 to 0 the first time), state Empty.
    pub fn prepare_increment_producer_epoch(
        &mut self,
        timeout_ms: u64,
        now_ms: u64,
    ) -> Result<TxnTransit, String> {
        if is_epoch_exhausted(self.producer_epoch) {
            return Err("Cannot allocate any more producer epochs for producerId".into());
        }
        let mut t = self.transit();
        t.last_producer_epoch = self.producer_epoch;
        t.producer_epoch = self.producer_epoch + 1;
        t.timeout_ms = timeout_ms;
        t.state = TxnState::Empty;
        t.partitions.clear();
        t.last_update_ms = now_ms;
        self.prepare_transition_to(t)
    }

    /// Kafka: `prepareProducerIdRotation` — epochs exhausted: a new producer id at epoch 0.
    pub fn prepare_producer_id_rotation(
        &mut self,
        new_producer_id: u64,
        timeout_ms: u64,
        now_ms: u64,
    ) -> Result<TxnTransit, String> {
        let mut t = self.transit();
        t.producer_id = new_producer_id;
        t.producer_epoch = 0;
        t.last_producer_epoch = -1;
        t.timeout_ms = timeout_ms;
        t.state = TxnState::Empty;
        t.partitions.clear();
        t.last_update_ms = now_ms;
        self.prepare_transition_to(t)
    }

    /// Kafka: `prepareFenceProducerEpoch` — bump the epoch in place (so the running producer is
    /// fenced) and hold the PrepareEpochFence pending state until the abort is written.
    pub fn prepare_fence_producer_epoch(&mut self) -> Result<(), String> {
        if self.producer_epoch == i16::MAX {
            return Err(format!(
                "Cannot fence producer with epoch equal to Short.MaxValue since this would overflow (transactionalId {})",
                self.transactional_id
            ));
        }
        self.producer_epoch += 1;
        self.pending_state = Some(TxnState::PrepareEpochFence);
        Ok(())
    }

    /// Kafka: `prepareAddPartitions` — Ongoing; a transaction that starts now records its start.
    pub fn prepare_add_partitions(
        &mut self,
        add: &[TopicPartition],
        now_ms: u64,
    ) -> Result<TxnTransit, String> {
        let mut t = self.transit();
        if matches!(
            self.state,
            TxnState::Empty | TxnState::CompleteCommit | TxnState::CompleteAbort
        ) {
            t.txn_start_ms = now_ms;
            t.partitions.clear();
        }
        t.partitions.extend(add.iter().cloned());
        t.state = TxnState::Ongoing;
        t.last_update_ms = now_ms;
        self.prepare_transition_to(t)
    }

    /// Kafka: `prepareAbortOrCommit`.
    pub fn prepare_abort_or_commit(
        &mut self,
        commit: bool,
        now_ms: u64,
    ) -> Result<TxnTransit, String> {
        let mut t = self.transit();
        t.state = if commit {
            TxnState::PrepareCommit
        } else {
            TxnState::PrepareAbort
        };
        t.last_update_ms = now_ms;
        // A fence's pending state gives way to the abort it started.
        if self.pending_state == Some(TxnState::PrepareEpochFence) {
            self.pending_state = None;
        }
        self.prepare_transition_to(t)
    }

    /// Kafka: `prepareComplete` — CompleteCommit / CompleteAbort, no partitions left.
    pub fn prepare_complete(&mut self, now_ms: u64) -> Result<TxnTransit, String> {
        let mut t = self.transit();
        t.state = if self.state == TxnState::PrepareCommit {
            TxnState::CompleteCommit
        } else {
            TxnState::CompleteAbort
        };
        t.partitions.clear();
        t.last_update_ms = now_ms;
        self.prepare_transition_to(t)
    }

    /// Kafka: `completeTransitionTo` — the write succeeded: take the new metadata.
    pub fn complete_transition(&mut self, t: TxnTransit) -> Result<(), String> {
        if self.pending_state != Some(t.state) {
            return Err(format!(
                "TransactionalId {} completing transaction state transition to {} while its pending state is {:?}",
                self.transactional_id, t.state, self.pending_state
            ));
        }
        self.producer_id = t.producer_id;
        self.producer_epoch = t.producer_epoch;
        self.last_producer_epoch = t.last_producer_epoch;
        self.timeout_ms = t.timeout_ms;
        self.state = t.state;
        self.partitions = t.partitions;
        self.txn_start_ms = t.txn_start_ms;
        self.last_update_ms = t.last_update_ms;
        self.pending_state = None;
        Ok(())
    }

    /// Kafka: `TransactionMetadata.pendingTransitionInProgress` reset after a failed write.
    fn abort_pending(&mut self) {
        self.pending_state = None;
    }
}

/// The value of a `__transaction_state` record (Kafka: `TransactionLogValue`), as readable JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxnLogValue {
    pub producer_id: u64,
    pub producer_epoch: i16,
    pub timeout_ms: u64,
    pub state: TxnState,
    pub partitions: Vec<TopicPartition>,
    pub txn_start_ms: u64,
}

/// The `__transaction_state` partition that holds a transactional id (Kafka:
/// `TransactionStateManager.partitionFor`).
pub fn partition_for(transactional_id: &str, num_partitions: u32) -> u32 {
    crate::offsets::partition_for(transactional_id, num_partitions)
}

fn state_tp(p: u32) -> TopicPartition {
    TopicPartition::new(TRANSACTION_STATE_TOPIC, p)
}

/// Broker-wide transaction settings (`TransactionStateManagerConfig`, `TransactionLogConfig`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxnSettings {
    pub num_partitions: u32,
    pub replication_factor: u32,
    pub min_isr: u32,
    pub max_timeout_ms: u64,
    pub cleanup_interval_ticks: u64,
    /// `offsets.topic.num.partitions`: where a group's offsets go (AddOffsetsToTxn).
    pub offsets_partitions: u32,
}

impl TxnSettings {
    pub fn from_configs(c: &Configs) -> Self {
        let n = |k: &str| c.get_u64(ConfigScope::Broker, k);
        TxnSettings {
            num_partitions: n("transaction.state.log.num.partitions").max(1) as u32,
            replication_factor: n("transaction.state.log.replication.factor").max(1) as u32,
            min_isr: n("transaction.state.log.min.isr").max(1) as u32,
            max_timeout_ms: n("transaction.max.timeout.ms"),
            cleanup_interval_ticks: crate::config::ticks_from_ms(n(
                "transaction.abort.timed.out.transaction.cleanup.interval.ms",
            ))
            .max(1),
            offsets_partitions: n("offsets.topic.num.partitions").max(1) as u32,
        }
    }
}

/// Whom to answer once a state-log write succeeds or fails.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reply {
    None,
    InitProducerId {
        client: NodeAddr,
    },
    AddPartitions {
        client: NodeAddr,
        partitions: Vec<TopicPartition>,
    },
    AddOffsets {
        client: NodeAddr,
        group: String,
    },
    EndTxn {
        client: NodeAddr,
        commit: bool,
    },
}

/// A `__transaction_state` write waiting for the HW.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingTxnWrite {
    pub partition: u32,
    pub leader_epoch: LeaderEpoch,
    pub required_offset: Offset,
    pub deadline: Tick,
    pub transactional_id: String,
    pub transit: TxnTransit,
    pub reply: Reply,
}

/// Markers still to be written for a transaction in PrepareCommit / PrepareAbort.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingMarkers {
    pub commit: bool,
    pub producer_id: u64,
    pub producer_epoch: u16,
    /// Partition → when to (re)send its marker.
    pub partitions: BTreeMap<TopicPartition, Tick>,
}

/// The transaction coordinator role of one broker.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxnCoordinator {
    /// `__transaction_state` partitions loaded, with the leader epoch they were loaded in.
    pub loaded: BTreeMap<u32, LeaderEpoch>,
    pub txns: BTreeMap<String, TransactionMetadata>,
    pub pending_writes: Vec<PendingTxnWrite>,
    pub markers: BTreeMap<String, PendingMarkers>,
    pub next_cleanup: Tick,
}

/// A marker appended by a partition leader, answered once the HW passes it (Kafka appends
/// markers with acks=-1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkerWait {
    pub coordinator: NodeAddr,
    pub transactional_id: String,
    pub producer_id: u64,
    pub commit: bool,
    pub tp: TopicPartition,
    pub leader_epoch: LeaderEpoch,
    pub required: Offset,
}

/// Every broker's transaction coordinator role, and the markers partition leaders owe answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxnCoordinators {
    pub settings: TxnSettings,
    pub by_broker: BTreeMap<BrokerId, TxnCoordinator>,
    pub topic_exists: bool,
    pub creation_error: Option<String>,
    pub scanned_metadata: BTreeMap<BrokerId, u64>,
    pub marker_waits: BTreeMap<BrokerId, Vec<MarkerWait>>,
}

/// Whether a message is for the transaction side of a broker.
pub fn is_txn_request(rpc: &Rpc) -> bool {
    matches!(
        rpc,
        Rpc::FindTxnCoordinator { .. }
            | Rpc::InitTxnProducerId { .. }
            | Rpc::AddPartitionsToTxn { .. }
            | Rpc::AddOffsetsToTxn { .. }
            | Rpc::EndTxn { .. }
            | Rpc::WriteTxnMarkers { .. }
            | Rpc::WriteTxnMarkersResponse { .. }
    )
}

/// What the cluster must do after a transaction request.
#[derive(Debug, Default)]
pub struct TxnFollowups {
    /// A FindCoordinator found no `__transaction_state`: create it.
    pub create_topic: bool,
}

impl TxnCoordinators {
    pub fn new(settings: TxnSettings) -> Self {
        TxnCoordinators {
            settings,
            by_broker: BTreeMap::new(),
            topic_exists: false,
            creation_error: None,
            scanned_metadata: BTreeMap::new(),
            marker_waits: BTreeMap::new(),
        }
    }

    /// The broker died: coordinator state and unanswered markers were in memory.
    pub fn crash(&mut self, broker: BrokerId) {
        self.by_broker.remove(&broker);
        self.scanned_metadata.remove(&broker);
        self.marker_waits.remove(&broker);
    }

    /// Whether there is nothing transactional anywhere (the hot path skips everything).
    pub fn idle(&self) -> bool {
        !self.topic_exists && self.by_broker.is_empty() && self.marker_waits.is_empty()
    }

    /// The coordinator holding a transactional id, if a live broker has it loaded.
    pub fn coordinator_of(&self, id: &str) -> Option<(BrokerId, &TransactionMetadata)> {
        self.by_broker
            .iter()
            .find_map(|(b, c)| c.txns.get(id).map(|t| (*b, t)))
    }

    /// Dispatches one request that arrived at `broker`.
    #[allow(clippy::too_many_arguments)]
    pub fn handle(
        &mut self,
        ctx: &mut Ctx,
        broker: &mut Broker,
        image: &Controller,
        from: NodeAddr,
        rpc: Rpc,
        replication: &crate::config::BrokerSettings,
    ) -> TxnFollowups {
        let mut f = TxnFollowups::default();
        let me = NodeAddr::Broker(broker.id);
        match rpc {
            Rpc::FindTxnCoordinator { transactional_id } => {
                let result = self.find_coordinator(image, &transactional_id, &mut f);
                let rpc = Rpc::FindTxnCoordinatorResponse {
                    transactional_id,
                    result,
                };
                ctx.send(me, from, rpc);
            }
            Rpc::WriteTxnMarkers {
                transactional_id,
                producer_id,
                producer_epoch,
                commit,
                partitions,
                ..
            } => {
                let marker = Marker {
                    transactional_id,
                    producer_id,
                    producer_epoch,
                    commit,
                };
                self.write_markers(ctx, broker, from, marker, partitions, replication);
            }
            Rpc::WriteTxnMarkersResponse {
                transactional_id,
                results,
                ..
            } => {
                if let Some(c) = self.by_broker.get_mut(&broker.id) {
                    c.on_marker_results(ctx, &transactional_id, &results);
                }
            }
            other => self.handle_coordinator_request(ctx, broker, from, other, replication),
        }
        f
    }

    /// Kafka: `KafkaApis.handleFindCoordinatorRequest` with key type TRANSACTION.
    fn find_coordinator(
        &mut self,
        image: &Controller,
        id: &str,
        f: &mut TxnFollowups,
    ) -> Result<BrokerId, KafkaError> {
        if !image.topics.contains_key(TRANSACTION_STATE_TOPIC) {
            f.create_topic = true;
            return Err(KafkaError::CoordinatorNotAvailable);
        }
        self.topic_exists = true;
        let tp = state_tp(partition_for(id, self.settings.num_partitions));
        image
            .partitions
            .get(&tp)
            .and_then(|p| p.leader)
            .ok_or(KafkaError::CoordinatorNotAvailable)
    }

    fn handle_coordinator_request(
        &mut self,
        ctx: &mut Ctx,
        broker: &mut Broker,
        from: NodeAddr,
        rpc: Rpc,
        replication: &crate::config::BrokerSettings,
    ) {
        let id = match &rpc {
            Rpc::InitTxnProducerId {
                transactional_id, ..
            }
            | Rpc::AddPartitionsToTxn {
                transactional_id, ..
            }
            | Rpc::AddOffsetsToTxn {
                transactional_id, ..
            }
            | Rpc::EndTxn {
                transactional_id, ..
            } => transactional_id.clone(),
            _ => return,
        };
        let partition = partition_for(&id, self.settings.num_partitions);
        let Some(epoch) = broker
            .partitions
            .get(&state_tp(partition))
            .filter(|p| p.is_leader())
            .map(|p| p.meta.leader_epoch)
        else {
            reply_error(ctx, broker.id, from, &rpc, KafkaError::NotCoordinator);
            return;
        };
        let settings = self.settings.clone();
        let coord = self.by_broker.entry(broker.id).or_default();
        if coord.loaded.get(&partition) != Some(&epoch) {
            coord.load(ctx, broker, partition, epoch, settings.num_partitions);
        }
        let mut h = Handler {
            ctx,
            broker,
            coord,
            partition,
            epoch,
            settings: &settings,
            replication,
        };
        h.dispatch(from, rpc);
    }

    /// Partition leader side of WriteTxnMarkers (Kafka: `KafkaApis.handleWriteTxnMarkersRequest`
    /// → `ReplicaManager.appendRecords` with `AppendOrigin.COORDINATOR`, acks=-1).
    fn write_markers(
        &mut self,
        ctx: &mut Ctx,
        broker: &mut Broker,
        from: NodeAddr,
        m: Marker,
        partitions: Vec<TopicPartition>,
        replication: &crate::config::BrokerSettings,
    ) {
        let mut errors = vec![];
        for tp in partitions {
            match broker.append_marker(
                ctx,
                &tp,
                m.producer_id,
                m.producer_epoch,
                m.commit,
                replication,
            ) {
                Ok((offset, leader_epoch)) => {
                    ctx.emit(EventKind::TxnMarkerWritten {
                        broker: broker.id,
                        tp: tp.clone(),
                        offset,
                        producer_id: m.producer_id,
                        commit: m.commit,
                    });
                    self.marker_waits
                        .entry(broker.id)
                        .or_default()
                        .push(MarkerWait {
                            coordinator: from.clone(),
                            transactional_id: m.transactional_id.clone(),
                            producer_id: m.producer_id,
                            commit: m.commit,
                            tp,
                            leader_epoch,
                            required: Offset(offset.0 + 1),
                        });
                }
                Err(e) => errors.push((tp, Some(e))),
            }
        }
        if !errors.is_empty() {
            let rpc = Rpc::WriteTxnMarkersResponse {
                transactional_id: m.transactional_id,
                producer_id: m.producer_id,
                results: errors,
            };
            ctx.send(NodeAddr::Broker(broker.id), from, rpc);
        }
        // An ISR of one: the HW may already cover the markers.
        self.answer_markers(ctx, broker, None);
    }

    /// Answers markers the HW has passed (and, for `__consumer_offsets` partitions, makes the
    /// transaction's offsets visible: Kafka's `GroupCoordinator.onTransactionCompleted`).
    fn answer_markers(
        &mut self,
        ctx: &mut Ctx,
        broker: &Broker,
        mut groups: Option<&mut crate::group_coordinator::GroupCoordinators>,
    ) {
        let Some(waits) = self.marker_waits.get_mut(&broker.id) else {
            return;
        };
        let mut done = vec![];
        waits.retain(|w| {
            let led = broker
                .partitions
                .get(&w.tp)
                .filter(|p| p.is_leader() && p.meta.leader_epoch == w.leader_epoch);
            match led {
                None => {
                    done.push((w.clone(), Some(KafkaError::NotLeaderOrFollower)));
                    false
                }
                Some(p) if p.log.high_watermark() >= w.required => {
                    done.push((w.clone(), None));
                    false
                }
                Some(_) => true,
            }
        });
        for (w, error) in done {
            if error.is_none() && w.tp.topic == crate::offsets::OFFSETS_TOPIC {
                if let Some(g) = groups.as_deref_mut() {
                    g.complete_txn_offsets(ctx, broker.id, w.tp.partition, w.producer_id, w.commit);
                }
            }
            let rpc = Rpc::WriteTxnMarkersResponse {
                transactional_id: w.transactional_id,
                producer_id: w.producer_id,
                results: vec![(w.tp, error)],
            };
            ctx.send(NodeAddr::Broker(broker.id), w.coordinator, rpc);
        }
    }

    /// Timers: loading newly led partitions, state-log writes reaching the HW, markers to send
    /// and answer, and aborting transactions older than their timeout.
    pub fn on_tick(
        &mut self,
        ctx: &mut Ctx,
        brokers: &mut BTreeMap<BrokerId, Broker>,
        image: &Controller,
        groups: &mut crate::group_coordinator::GroupCoordinators,
        replication: &crate::config::BrokerSettings,
    ) {
        if self.idle() {
            return;
        }
        let settings = self.settings.clone();
        let ids: Vec<BrokerId> = self.marker_waits.keys().copied().collect();
        for id in ids {
            if let Some(b) = brokers.get(&id).filter(|b| b.alive) {
                self.answer_markers(ctx, b, Some(groups));
            }
        }
        self.marker_waits.retain(|_, w| !w.is_empty());
        if self.topic_exists {
            self.load_new_leaderships(ctx, brokers, &settings);
        }
        for (id, coord) in self.by_broker.iter_mut() {
            let Some(broker) = brokers.get_mut(id).filter(|b| b.alive) else {
                continue;
            };
            coord.unload_lost_partitions(ctx, broker, settings.num_partitions);
            coord.complete_writes(ctx, broker);
            coord.send_markers(ctx, broker.id, image);
            coord.complete_finished_markers(ctx, broker, &settings, replication);
            if ctx.now >= coord.next_cleanup {
                coord.next_cleanup = Tick(ctx.now.0 + settings.cleanup_interval_ticks);
                coord.abort_timed_out(ctx, broker, &settings, replication);
            }
        }
    }

    /// Kafka: `TransactionCoordinator.onElection` — a broker that becomes leader of a state
    /// partition loads it (so pending markers are sent and timeouts run without any client).
    fn load_new_leaderships(
        &mut self,
        ctx: &mut Ctx,
        brokers: &BTreeMap<BrokerId, Broker>,
        settings: &TxnSettings,
    ) {
        let periodic = ctx.now.0 % 1000 == 0;
        for (id, broker) in brokers.iter().filter(|(_, b)| b.alive) {
            let seen = self.scanned_metadata.insert(*id, broker.metadata_offset);
            if seen == Some(broker.metadata_offset) && !periodic {
                continue;
            }
            let first = state_tp(0);
            let last = state_tp(u32::MAX);
            for (tp, p) in broker.partitions.range(first..=last) {
                if !p.is_leader() {
                    continue;
                }
                let epoch = p.meta.leader_epoch;
                let coord = self.by_broker.entry(*id).or_default();
                if coord.loaded.get(&tp.partition) != Some(&epoch) {
                    coord.load(ctx, broker, tp.partition, epoch, settings.num_partitions);
                }
            }
        }
    }
}

/// A marker to write: which transaction, and its outcome.
struct Marker {
    transactional_id: String,
    producer_id: u64,
    producer_epoch: u16,
    commit: bool,
}

fn reply_error(ctx: &mut Ctx, me: BrokerId, to: NodeAddr, rpc: &Rpc, error: KafkaError) {
    let resp = match rpc {
        Rpc::InitTxnProducerId {
            transactional_id, ..
        } => Rpc::InitTxnProducerIdResponse {
            transactional_id: transactional_id.clone(),
            result: Err(error),
        },
        Rpc::AddPartitionsToTxn {
            transactional_id,
            partitions,
            ..
        } => Rpc::AddPartitionsToTxnResponse {
            transactional_id: transactional_id.clone(),
            partitions: partitions.clone(),
            error: Some(error),
        },
        Rpc::AddOffsetsToTxn {
            transactional_id,
            group,
            ..
        } => Rpc::AddOffsetsToTxnResponse {
            transactional_id: transactional_id.clone(),
            group: group.clone(),
            error: Some(error),
        },
        Rpc::EndTxn {
            transactional_id,
            commit,
            ..
        } => Rpc::EndTxnResponse {
            transactional_id: transactional_id.clone(),
            commit: *commit,
            error: Some(error),
        },
        _ => return,
    };
    ctx.send(NodeAddr::Broker(me), to, resp);
}

impl TxnCoordinator {
    /// Kafka: `TransactionStateManager.loadTransactionsForTxnTopicPartition` — replay the
    /// partition's log (the last record per transactional id wins); transactions caught in
    /// PrepareCommit / PrepareAbort get their markers sent again.
    fn load(
        &mut self,
        ctx: &mut Ctx,
        broker: &Broker,
        partition: u32,
        epoch: LeaderEpoch,
        num_partitions: u32,
    ) {
        let Some(p) = broker.partitions.get(&state_tp(partition)) else {
            return;
        };
        self.txns
            .retain(|id, _| partition_for(id, num_partitions) != partition);
        self.markers
            .retain(|id, _| partition_for(id, num_partitions) != partition);
        let mut loaded: BTreeMap<String, TxnLogValue> = BTreeMap::new();
        for r in p.log.records().iter() {
            let (Some(key), Ok(v)) = (
                r.key.as_deref(),
                serde_json::from_str::<TxnLogValue>(r.value.as_deref().unwrap_or("")),
            ) else {
                continue;
            };
            loaded.insert(key.to_string(), v);
        }
        let now_ms = ctx.now.0 * crate::config::MS_PER_TICK;
        let count = loaded.len() as u32;
        for (id, v) in loaded {
            let m = TransactionMetadata {
                transactional_id: id.clone(),
                producer_id: v.producer_id,
                producer_epoch: v.producer_epoch,
                last_producer_epoch: -1,
                timeout_ms: v.timeout_ms,
                state: v.state,
                partitions: v.partitions.iter().cloned().collect(),
                txn_start_ms: v.txn_start_ms,
                last_update_ms: now_ms,
                pending_state: None,
            };
            if matches!(m.state, TxnState::PrepareCommit | TxnState::PrepareAbort) {
                self.start_markers(ctx, &m);
            }
            self.txns.insert(id, m);
        }
        self.loaded.insert(partition, epoch);
        if count > 0 {
            ctx.emit(EventKind::TxnCoordinatorLoaded {
                broker: broker.id,
                partition,
                leader_epoch: epoch,
                transactions: count,
            });
        }
    }

    /// Kafka: `TransactionCoordinator.onResignation` — drop the partition's transactions; writes
    /// waiting for the HW fail with `NOT_COORDINATOR`.
    fn unload_lost_partitions(&mut self, ctx: &mut Ctx, broker: &Broker, num_partitions: u32) {
        let lost: Vec<u32> = self
            .loaded
            .iter()
            .filter(|(p, e)| {
                broker
                    .partitions
                    .get(&state_tp(**p))
                    .filter(|r| r.is_leader())
                    .map(|r| r.meta.leader_epoch)
                    != Some(**e)
            })
            .map(|(p, _)| *p)
            .collect();
        for p in lost {
            self.loaded.remove(&p);
            let mut failed = vec![];
            self.pending_writes.retain(|w| {
                if w.partition == p {
                    failed.push(w.clone());
                    false
                } else {
                    true
                }
            });
            for w in failed {
                reply_write(ctx, broker.id, &w, Err(KafkaError::NotCoordinator));
            }
            let gone: Vec<String> = self
                .txns
                .keys()
                .filter(|id| partition_for(id, num_partitions) == p)
                .cloned()
                .collect();
            for id in &gone {
                self.txns.remove(id);
                self.markers.remove(id);
            }
            ctx.emit(EventKind::TxnCoordinatorUnloaded {
                broker: broker.id,
                partition: p,
                transactions: gone.len() as u32,
            });
        }
    }
}

impl TxnCoordinator {
    /// Starts sending markers for a transaction that is in PrepareCommit / PrepareAbort.
    fn start_markers(&mut self, ctx: &mut Ctx, m: &TransactionMetadata) {
        self.markers.insert(
            m.transactional_id.clone(),
            PendingMarkers {
                commit: m.state == TxnState::PrepareCommit,
                producer_id: m.producer_id,
                producer_epoch: m.producer_epoch.max(0) as u16,
                partitions: m
                    .partitions
                    .iter()
                    .map(|tp| (tp.clone(), ctx.now))
                    .collect(),
            },
        );
    }

    /// Answers state-log writes the HW has passed; fails those past the write timeout.
    fn complete_writes(&mut self, ctx: &mut Ctx, broker: &Broker) {
        if self.pending_writes.is_empty() {
            return;
        }
        let now = ctx.now;
        let mut done = vec![];
        self.pending_writes.retain(|w| {
            let hw = broker
                .partitions
                .get(&state_tp(w.partition))
                .map(|p| p.log.high_watermark())
                .unwrap_or_default();
            if hw >= w.required_offset {
                done.push((w.clone(), None));
                false
            } else if now >= w.deadline {
                // Kafka: REQUEST_TIMED_OUT from the append maps to COORDINATOR_NOT_AVAILABLE.
                done.push((w.clone(), Some(KafkaError::CoordinatorNotAvailable)));
                false
            } else {
                true
            }
        });
        for (w, error) in done {
            self.write_completed(ctx, broker.id, w, error);
        }
    }

    /// Kafka: the `appendTransactionToLog` callback — on success take the new metadata and
    /// answer; PrepareX then starts the markers.
    fn write_completed(
        &mut self,
        ctx: &mut Ctx,
        me: BrokerId,
        w: PendingTxnWrite,
        error: Option<KafkaError>,
    ) {
        let Some(m) = self.txns.get_mut(&w.transactional_id) else {
            return;
        };
        if let Some(e) = error {
            m.abort_pending();
            reply_write(ctx, me, &w, Err(e));
            return;
        }
        let from = m.state;
        if m.complete_transition(w.transit.clone()).is_err() {
            reply_write(ctx, me, &w, Err(KafkaError::ConcurrentTransactions));
            return;
        }
        ctx.emit(EventKind::TxnStateChanged {
            broker: me,
            transactional_id: m.transactional_id.clone(),
            producer_id: m.producer_id,
            producer_epoch: m.producer_epoch,
            from,
            to: m.state,
            partitions: m.partitions.iter().cloned().collect(),
        });
        let epoch = m.producer_epoch.max(0) as u16;
        reply_write(ctx, me, &w, Ok((m.producer_id, epoch)));
        if matches!(m.state, TxnState::PrepareCommit | TxnState::PrepareAbort) {
            let snapshot = m.clone();
            self.start_markers(ctx, &snapshot);
        }
    }

    /// Kafka: `TransactionMarkerChannelManager` — one WriteTxnMarkers per partition leader,
    /// sent again after [`MARKER_RETRY_MS`] until answered.
    fn send_markers(&mut self, ctx: &mut Ctx, me: BrokerId, image: &Controller) {
        let now = ctx.now;
        for (id, pm) in self.markers.iter_mut() {
            let mut by_leader: BTreeMap<BrokerId, Vec<TopicPartition>> = BTreeMap::new();
            for (tp, at) in pm.partitions.iter_mut() {
                if now < *at {
                    continue;
                }
                let Some(leader) = image.partitions.get(tp).and_then(|p| p.leader) else {
                    continue;
                };
                *at = Tick(now.0 + crate::config::ticks_from_ms(MARKER_RETRY_MS));
                by_leader.entry(leader).or_default().push(tp.clone());
            }
            for (leader, partitions) in by_leader {
                let rpc = Rpc::WriteTxnMarkers {
                    transactional_id: id.clone(),
                    producer_id: pm.producer_id,
                    producer_epoch: pm.producer_epoch,
                    commit: pm.commit,
                    coordinator_epoch: LeaderEpoch(0),
                    partitions,
                };
                ctx.send(NodeAddr::Broker(me), NodeAddr::Broker(leader), rpc);
            }
        }
    }

    /// Kafka: `TransactionMarkerRequestCompletionHandler` — a written marker is done; a
    /// retriable error sends it again soon; an epoch the partition has moved past is given up.
    fn on_marker_results(
        &mut self,
        ctx: &mut Ctx,
        id: &str,
        results: &[(TopicPartition, Option<KafkaError>)],
    ) {
        let Some(pm) = self.markers.get_mut(id) else {
            return;
        };
        for (tp, error) in results {
            match error {
                None | Some(KafkaError::InvalidProducerEpoch) => {
                    pm.partitions.remove(tp);
                }
                Some(_) => {
                    if let Some(at) = pm.partitions.get_mut(tp) {
                        *at = Tick(ctx.now.0 + 100);
                    }
                }
            }
        }
    }

    /// Every marker written: CompleteCommit / CompleteAbort goes to the log.
    fn complete_finished_markers(
        &mut self,
        ctx: &mut Ctx,
        broker: &mut Broker,
        settings: &TxnSettings,
        replication: &crate::config::BrokerSettings,
    ) {
        let finished: Vec<String> = self
            .markers
            .iter()
            .filter(|(_, pm)| pm.partitions.is_empty())
            .map(|(id, _)| id.clone())
            .collect();
        for id in finished {
            let partition = partition_for(&id, settings.num_partitions);
            let Some(&epoch) = self.loaded.get(&partition) else {
                continue;
            };
            let now_ms = ctx.now.0 * crate::config::MS_PER_TICK;
            let Some(m) = self.txns.get_mut(&id) else {
                self.markers.remove(&id);
                continue;
            };
            if m.pending_state.is_some() {
                continue;
            }
            let Ok(t) = m.prepare_complete(now_ms) else {
                self.markers.remove(&id);
                continue;
            };
            self.markers.remove(&id);
            let mut h = Handler {
                ctx,
                broker,
                coord: self,
                partition,
                epoch,
                settings,
                replication,
            };
            h.write(&id, t, Reply::None);
        }
    }

    /// Kafka: `TransactionCoordinator.abortTimedOutTransactions` — an Ongoing transaction older
    /// than its `transaction.timeout.ms`: fence the producer (epoch + 1) and abort.
    fn abort_timed_out(
        &mut self,
        ctx: &mut Ctx,
        broker: &mut Broker,
        settings: &TxnSettings,
        replication: &crate::config::BrokerSettings,
    ) {
        let now_ms = ctx.now.0 * crate::config::MS_PER_TICK;
        let expired: Vec<String> = self
            .txns
            .values()
            .filter(|m| {
                m.state == TxnState::Ongoing
                    && m.pending_state.is_none()
                    && m.txn_start_ms + m.timeout_ms < now_ms
            })
            .map(|m| m.transactional_id.clone())
            .collect();
        for id in expired {
            let partition = partition_for(&id, settings.num_partitions);
            let Some(&epoch) = self.loaded.get(&partition) else {
                continue;
            };
            let Some(m) = self.txns.get_mut(&id) else {
                continue;
            };
            ctx.emit(EventKind::TxnTimedOut {
                broker: broker.id,
                transactional_id: id.clone(),
                producer_id: m.producer_id,
                producer_epoch: m.producer_epoch,
                timeout_ms: m.timeout_ms,
            });
            if m.prepare_fence_producer_epoch().is_err() {
                continue;
            }
            let (pid, pepoch) = (m.producer_id, m.producer_epoch);
            let mut h = Handler {
                ctx,
                broker,
                coord: self,
                partition,
                epoch,
                settings,
                replication,
            };
            let _ = h.end_transaction(&id, pid, pepoch, false, None);
        }
    }
}

/// Answers the client of a finished (or failed) state-log write.
fn reply_write(
    ctx: &mut Ctx,
    me: BrokerId,
    w: &PendingTxnWrite,
    result: Result<(u64, u16), KafkaError>,
) {
    let id = w.transactional_id.clone();
    let error = result.err();
    let (to, rpc) = match &w.reply {
        Reply::None => return,
        Reply::InitProducerId { client } => (
            client.clone(),
            Rpc::InitTxnProducerIdResponse {
                transactional_id: id,
                result,
            },
        ),
        Reply::AddPartitions { client, partitions } => (
            client.clone(),
            Rpc::AddPartitionsToTxnResponse {
                transactional_id: id,
                partitions: partitions.clone(),
                error,
            },
        ),
        Reply::AddOffsets { client, group } => (
            client.clone(),
            Rpc::AddOffsetsToTxnResponse {
                transactional_id: id,
                group: group.clone(),
                error,
            },
        ),
        Reply::EndTxn { client, commit } => (
            client.clone(),
            Rpc::EndTxnResponse {
                transactional_id: id,
                commit: *commit,
                error,
            },
        ),
    };
    ctx.send(NodeAddr::Broker(me), to, rpc);
}

/// One request (or timer) handled on a coordinator for one state partition.
struct Handler<'a, 'c> {
    ctx: &'a mut Ctx<'c>,
    broker: &'a mut Broker,
    coord: &'a mut TxnCoordinator,
    partition: u32,
    epoch: LeaderEpoch,
    settings: &'a TxnSettings,
    replication: &'a crate::config::BrokerSettings,
}

impl Handler<'_, '_> {
    fn now_ms(&self) -> u64 {
        self.ctx.now.0 * crate::config::MS_PER_TICK
    }

    /// The coordinator's one dispatcher: each request type once.
    fn dispatch(&mut self, from: NodeAddr, rpc: Rpc) {
        let result = match &rpc {
            Rpc::InitTxnProducerId {
                transactional_id,
                transaction_timeout_ms,
            } => self.init_producer_id(transactional_id, *transaction_timeout_ms, &from),
            Rpc::AddPartitionsToTxn {
                transactional_id,
                producer_id,
                producer_epoch,
                partitions,
            } => self.add_partitions(
                transactional_id,
                *producer_id,
                *producer_epoch,
                partitions,
                Reply::AddPartitions {
                    client: from.clone(),
                    partitions: partitions.clone(),
                },
            ),
            Rpc::AddOffsetsToTxn {
                transactional_id,
                producer_id,
                producer_epoch,
                group,
            } => {
                // Kafka: `handleAddOffsetsToTransaction` adds the group's offsets partition.
                let n = self.settings.offsets_partitions;
                let tp = TopicPartition::new(
                    crate::offsets::OFFSETS_TOPIC,
                    crate::offsets::partition_for(group, n),
                );
                self.add_partitions(
                    transactional_id,
                    *producer_id,
                    *producer_epoch,
                    &[tp],
                    Reply::AddOffsets {
                        client: from.clone(),
                        group: group.clone(),
                    },
                )
            }
            Rpc::EndTxn {
                transactional_id,
                producer_id,
                producer_epoch,
                commit,
            } => {
                let (id, pid, e, c) = (
                    transactional_id.clone(),
                    *producer_id,
                    *producer_epoch,
                    *commit,
                );
                self.end_transaction(&id, pid, e as i16, c, Some(from.clone()))
            }
            _ => Ok(()),
        };
        if let Err(e) = result {
            reply_error(self.ctx, self.broker.id, from, &rpc, e);
        }
    }

    /// Kafka: `TransactionCoordinator.handleInitProducerId` (transactional).
    fn init_producer_id(
        &mut self,
        id: &str,
        timeout_ms: u64,
        client: &NodeAddr,
    ) -> Result<(), KafkaError> {
        if timeout_ms == 0 || timeout_ms > self.settings.max_timeout_ms {
            return Err(KafkaError::InvalidTransactionTimeout);
        }
        let now_ms = self.now_ms();
        if !self.coord.txns.contains_key(id) {
            // Kafka: a new id gets a producer id from the ProducerIdManager.
            self.broker.producer_ids_issued += 1;
            let pid = u64::from(self.broker.id.0) * 1000 + self.broker.producer_ids_issued;
            self.coord.txns.insert(
                id.to_string(),
                TransactionMetadata::new(id, pid, timeout_ms, now_ms),
            );
        }
        let m = self.coord.txns.get_mut(id).expect("inserted above");
        if m.pending_state.is_some() {
            return Err(KafkaError::ConcurrentTransactions);
        }
        let transit = match m.state {
            TxnState::PrepareCommit | TxnState::PrepareAbort => {
                return Err(KafkaError::ConcurrentTransactions)
            }
            TxnState::Ongoing => {
                // Kafka: fence the running producer and abort its transaction; the new one
                // retries (CONCURRENT_TRANSACTIONS) until the abort is complete.
                let old_epoch = m.producer_epoch;
                m.prepare_fence_producer_epoch()
                    .map_err(|_| KafkaError::ConcurrentTransactions)?;
                let (pid, epoch) = (m.producer_id, m.producer_epoch);
                self.ctx.emit(EventKind::TxnProducerFenced {
                    broker: self.broker.id,
                    transactional_id: id.to_string(),
                    producer_id: pid,
                    old_epoch,
                    new_epoch: epoch,
                });
                self.end_transaction(id, pid, epoch, false, None)?;
                return Err(KafkaError::ConcurrentTransactions);
            }
            TxnState::Empty | TxnState::CompleteCommit | TxnState::CompleteAbort => {
                if is_epoch_exhausted(m.producer_epoch) {
                    self.broker.producer_ids_issued += 1;
                    let pid = u64::from(self.broker.id.0) * 1000 + self.broker.producer_ids_issued;
                    m.prepare_producer_id_rotation(pid, timeout_ms, now_ms)
                } else {
                    m.prepare_increment_producer_epoch(timeout_ms, now_ms)
                }
            }
            TxnState::Dead | TxnState::PrepareEpochFence => {
                return Err(KafkaError::ConcurrentTransactions)
            }
        };
        let t = transit.map_err(|_| KafkaError::ConcurrentTransactions)?;
        self.write(
            id,
            t,
            Reply::InitProducerId {
                client: client.clone(),
            },
        );
        Ok(())
    }

    /// Kafka: `TransactionCoordinator.handleAddPartitionsToTransaction` (also AddOffsetsToTxn).
    fn add_partitions(
        &mut self,
        id: &str,
        pid: u64,
        epoch: u16,
        partitions: &[TopicPartition],
        reply: Reply,
    ) -> Result<(), KafkaError> {
        let now_ms = self.now_ms();
        let m = self
            .coord
            .txns
            .get_mut(id)
            .ok_or(KafkaError::InvalidProducerIdMapping)?;
        if m.producer_id != pid {
            return Err(KafkaError::InvalidProducerIdMapping);
        }
        if m.producer_epoch != epoch as i16 {
            return Err(KafkaError::ProducerFenced);
        }
        if m.pending_state.is_some()
            || matches!(m.state, TxnState::PrepareCommit | TxnState::PrepareAbort)
        {
            return Err(KafkaError::ConcurrentTransactions);
        }
        if m.state == TxnState::Ongoing && partitions.iter().all(|tp| m.partitions.contains(tp)) {
            // Nothing new to write: answer at once.
            let w = PendingTxnWrite {
                partition: self.partition,
                leader_epoch: self.epoch,
                required_offset: Offset(0),
                deadline: self.ctx.now,
                transactional_id: id.to_string(),
                transit: m.transit(),
                reply,
            };
            reply_write(self.ctx, self.broker.id, &w, Ok((pid, epoch)));
            return Ok(());
        }
        let t = m
            .prepare_add_partitions(partitions, now_ms)
            .map_err(|_| KafkaError::ConcurrentTransactions)?;
        self.write(id, t, reply);
        Ok(())
    }

    /// Kafka: `TransactionCoordinator.handleEndTransaction` (transaction version 1). `client`
    /// is `None` when the coordinator aborts on its own (timeout or fencing).
    fn end_transaction(
        &mut self,
        id: &str,
        pid: u64,
        epoch: i16,
        commit: bool,
        client: Option<NodeAddr>,
    ) -> Result<(), KafkaError> {
        let now_ms = self.now_ms();
        let m = self
            .coord
            .txns
            .get_mut(id)
            .ok_or(KafkaError::InvalidProducerIdMapping)?;
        if m.producer_id != pid {
            return Err(KafkaError::InvalidProducerIdMapping);
        }
        let from_client = client.is_some();
        if from_client && m.producer_epoch != epoch {
            return Err(KafkaError::ProducerFenced);
        }
        if let Some(p) = m.pending_state {
            if from_client || p != TxnState::PrepareEpochFence {
                return Err(KafkaError::ConcurrentTransactions);
            }
        }
        let ok = |client: &Option<NodeAddr>, ctx: &mut Ctx, me: BrokerId| {
            if let Some(c) = client {
                let rpc = Rpc::EndTxnResponse {
                    transactional_id: id.to_string(),
                    commit,
                    error: None,
                };
                ctx.send(NodeAddr::Broker(me), c.clone(), rpc);
            }
        };
        match (m.state, commit) {
            (TxnState::Ongoing, _) => {
                let t = m
                    .prepare_abort_or_commit(commit, now_ms)
                    .map_err(|_| KafkaError::ConcurrentTransactions)?;
                let reply = match client {
                    Some(client) => Reply::EndTxn { client, commit },
                    None => Reply::None,
                };
                self.write(id, t, reply);
                Ok(())
            }
            // A retried EndTxn whose transaction already completed the same way.
            (TxnState::CompleteCommit, true) | (TxnState::CompleteAbort, false) => {
                ok(&client, self.ctx, self.broker.id);
                Ok(())
            }
            (TxnState::PrepareCommit, true) | (TxnState::PrepareAbort, false) => {
                Err(KafkaError::ConcurrentTransactions)
            }
            _ => Err(KafkaError::InvalidTxnState),
        }
    }

    /// Kafka: `TransactionStateManager.appendTransactionToLog` — one record keyed by the
    /// transactional id; acted on once the HW passes it. A state partition below its min ISR
    /// refuses the write (`NOT_ENOUGH_REPLICAS`, answered as `COORDINATOR_NOT_AVAILABLE`).
    fn write(&mut self, id: &str, t: TxnTransit, reply: Reply) {
        let tp = state_tp(self.partition);
        let value = TxnLogValue {
            producer_id: t.producer_id,
            producer_epoch: t.producer_epoch,
            timeout_ms: t.timeout_ms,
            state: t.state,
            partitions: t.partitions.iter().cloned().collect(),
            txn_start_ms: t.txn_start_ms,
        };
        let under_min_isr = self
            .broker
            .partitions
            .get(&tp)
            .is_some_and(|p| p.meta.isr.len() < p.effective_min_isr());
        let w = PendingTxnWrite {
            partition: self.partition,
            leader_epoch: self.epoch,
            required_offset: Offset(0),
            deadline: Tick(self.ctx.now.0 + crate::config::ticks_from_ms(WRITE_TIMEOUT_MS)),
            transactional_id: id.to_string(),
            transit: t,
            reply,
        };
        let records = vec![NewRecord {
            key: Some(id.into()),
            value: Some(serde_json::to_string(&value).unwrap_or_default().into()),
            produce_id: None,
        }];
        let last = if under_min_isr {
            None
        } else {
            self.broker
                .append_internal(self.ctx, &tp, records, self.replication)
        };
        let Some(last) = last else {
            let me = self.broker.id;
            self.coord
                .write_completed(self.ctx, me, w, Some(KafkaError::CoordinatorNotAvailable));
            return;
        };
        self.coord.pending_writes.push(PendingTxnWrite {
            required_offset: Offset(last.0 + 1),
            ..w
        });
        let _ = self.settings;
        self.coord.complete_writes(self.ctx, self.broker);
    }
}

/// One-line summaries of the transaction messages (for the UI's envelopes).
pub fn rpc_summary(rpc: &Rpc) -> Option<String> {
    let err = |e: &Option<KafkaError>| e.map_or_else(|| "ok".to_string(), |e| e.to_string());
    let tps = |v: &[TopicPartition]| {
        v.iter()
            .map(|t| t.to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    Some(match rpc {
        Rpc::FindTxnCoordinator { transactional_id } => {
            format!("transactional.id {transactional_id}")
        }
        Rpc::FindTxnCoordinatorResponse { result, .. } => match result {
            Ok(b) => format!("coordinator {b}"),
            Err(e) => e.to_string(),
        },
        Rpc::InitTxnProducerId {
            transactional_id, ..
        } => format!("transactional.id {transactional_id}"),
        Rpc::InitTxnProducerIdResponse { result, .. } => match result {
            Ok((pid, e)) => format!("producerId={pid} epoch={e}"),
            Err(e) => e.to_string(),
        },
        Rpc::AddPartitionsToTxn { partitions, .. } => format!("[{}]", tps(partitions)),
        Rpc::AddPartitionsToTxnResponse { error, .. }
        | Rpc::AddOffsetsToTxnResponse { error, .. }
        | Rpc::TxnOffsetCommitResponse { error, .. } => err(error),
        Rpc::AddOffsetsToTxn { group, .. } => format!("group {group}"),
        Rpc::TxnOffsetCommit { group, offsets, .. } => {
            let v: Vec<String> = offsets.iter().map(|(tp, o)| format!("{tp}={o}")).collect();
            format!("{group} {} (pending until commit)", v.join(" "))
        }
        Rpc::EndTxn { commit, .. } => (if *commit { "COMMIT" } else { "ABORT" }).to_string(),
        Rpc::EndTxnResponse { commit, error, .. } => format!(
            "{} {}",
            if *commit { "COMMIT" } else { "ABORT" },
            err(error)
        ),
        Rpc::WriteTxnMarkers {
            commit,
            partitions,
            producer_id,
            ..
        } => format!(
            "{} producerId={producer_id} [{}]",
            if *commit { "COMMIT" } else { "ABORT" },
            tps(partitions)
        ),
        Rpc::WriteTxnMarkersResponse { results, .. } => results
            .iter()
            .map(|(tp, e)| format!("{tp} {}", err(e)))
            .collect::<Vec<_>>()
            .join(" "),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    //! Kafka's `TransactionMetadataTest` and `TransactionStateTest`, with their values.
    use super::*;

    const PID: u64 = 23423;

    fn metadata(epoch: i16, state: TxnState) -> TransactionMetadata {
        TransactionMetadata {
            producer_epoch: epoch,
            state,
            ..TransactionMetadata::new("txnlId", PID, 30000, 1000)
        }
    }

    /// Kafka: `TransactionMetadataTest.testInitializeEpoch`.
    #[test]
    fn test_initialize_epoch() {
        let mut m = metadata(-1, TxnState::Empty);
        let t = m.prepare_increment_producer_epoch(30000, 1000).unwrap();
        m.complete_transition(t).unwrap();
        assert_eq!(
            (m.producer_id, m.producer_epoch, m.last_producer_epoch),
            (PID, 0, -1)
        );
    }

    /// Kafka: `TransactionMetadataTest.testNormalEpochBump` (epoch 735 → 736).
    #[test]
    fn test_normal_epoch_bump() {
        let mut m = metadata(735, TxnState::Empty);
        let t = m.prepare_increment_producer_epoch(30000, 1000).unwrap();
        m.complete_transition(t).unwrap();
        assert_eq!(
            (m.producer_id, m.producer_epoch, m.last_producer_epoch),
            (PID, 736, 735)
        );
    }

    /// Kafka: `TransactionMetadataTest.testBumpEpochNotAllowedIfEpochsExhausted`.
    #[test]
    fn test_bump_epoch_not_allowed_if_epochs_exhausted() {
        let mut m = metadata(i16::MAX - 1, TxnState::Empty);
        assert!(is_epoch_exhausted(m.producer_epoch));
        assert!(m.prepare_increment_producer_epoch(30000, 1000).is_err());
    }

    /// Kafka: `TransactionMetadataTest.testFenceProducerAfterEpochsExhausted`.
    #[test]
    fn test_fence_producer_after_epochs_exhausted() {
        let mut m = metadata(i16::MAX - 1, TxnState::Ongoing);
        assert!(is_epoch_exhausted(m.producer_epoch));
        m.prepare_fence_producer_epoch().unwrap();
        assert_eq!(m.producer_epoch, i16::MAX);
        assert_eq!(m.pending_state, Some(TxnState::PrepareEpochFence));
        let t = m.prepare_abort_or_commit(false, 1000).unwrap();
        m.complete_transition(t.clone()).unwrap();
        assert_eq!(t.producer_id, PID);
        assert_eq!(m.state, TxnState::PrepareAbort);
    }

    /// Kafka: `TransactionMetadataTest.testFenceProducerNotAllowedIfItWouldOverflow`.
    #[test]
    fn test_fence_producer_not_allowed_if_it_would_overflow() {
        let mut m = metadata(i16::MAX, TxnState::Ongoing);
        assert!(m.prepare_fence_producer_epoch().is_err());
    }

    /// Kafka: `TransactionMetadataTest.testTolerateUpdateTimeShiftDuringAbortCompletion` — the
    /// completion takes an update time earlier than the last one.
    #[test]
    fn test_tolerate_update_time_shift_during_abort_completion() {
        let now = 10_000;
        let mut m = TransactionMetadata {
            producer_epoch: 1,
            last_producer_epoch: 0,
            state: TxnState::PrepareAbort,
            txn_start_ms: 1,
            last_update_ms: now,
            ..TransactionMetadata::new("txnlId", PID, 30000, now)
        };
        let t = m.prepare_complete(now - 1).unwrap();
        m.complete_transition(t).unwrap();
        assert_eq!(m.state, TxnState::CompleteAbort);
        assert_eq!(
            (m.producer_id, m.producer_epoch, m.last_producer_epoch),
            (PID, 1, 0)
        );
        assert_eq!((m.txn_start_ms, m.last_update_ms), (1, now - 1));
    }

    /// Kafka: `TransactionState.VALID_PREVIOUS_STATES` — every transition the table forbids is
    /// refused, every one it allows is accepted (and a pending transition blocks the next).
    #[test]
    fn valid_previous_states_guard_every_transition() {
        use TxnState::*;
        let all = [
            Empty,
            Ongoing,
            PrepareCommit,
            PrepareAbort,
            CompleteCommit,
            CompleteAbort,
            Dead,
            PrepareEpochFence,
        ];
        for from in all {
            for to in all {
                let mut m = metadata(3, from);
                let mut t = m.transit();
                t.state = to;
                let ok = m.prepare_transition_to(t.clone()).is_ok();
                assert_eq!(
                    ok,
                    to.valid_previous_states().contains(&from),
                    "{from} → {to}"
                );
                if ok {
                    assert!(m.prepare_transition_to(t).is_err(), "pending {from} → {to}");
                }
            }
        }
        // A few rows spelled out, as Kafka lists them.
        assert_eq!(PrepareCommit.valid_previous_states(), &[Ongoing]);
        assert_eq!(CompleteAbort.valid_previous_states(), &[PrepareAbort]);
        assert!(PrepareAbort
            .valid_previous_states()
            .contains(&PrepareEpochFence));
    }

    /// Kafka: `TransactionCoordinator.partitionFor` uses `Utils.abs(transactionalId.hashCode)`.
    #[test]
    fn partition_for_uses_java_hash_code() {
        // "polygenelubricants".hashCode() == Integer.MIN_VALUE, whose Utils.abs is 0.
        assert_eq!(partition_for("polygenelubricants", 50), 0);
        // "payments-tx".hashCode() == -1539523292 → 1539523292 % 50 = 42 (the trace's partition).
        assert_eq!(
            crate::offsets::java_string_hash_code("payments-tx"),
            -1539523292
        );
        assert_eq!(partition_for("payments-tx", 50), 42);
    }
}
