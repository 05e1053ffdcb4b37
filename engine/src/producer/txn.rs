//! The transactional producer: Kafka's `TransactionManager` with `transactional.id`.
//!
//! `initTransactions()` finds the transaction coordinator (FindCoordinator, key type
//! TRANSACTION) and sends InitProducerId with the id, which bumps the epoch and fences older
//! producers with the same id. `beginTransaction()` is local; the first record for a partition
//! makes the sender send AddPartitionsToTxn before that partition's batches may be drained
//! (`isSendToPartitionAllowed`). `sendOffsetsToTransaction()` sends AddOffsetsToTxn to the
//! transaction coordinator, then TxnOffsetCommit to the group coordinator.
//! `commitTransaction()` / `abortTransaction()` wait until every batch is done (an abort fails
//! batches not yet sent), then send EndTxn. One transactional request is in flight at a time.
//!
//! Errors as the client treats them: `PRODUCER_FENCED` (and `INVALID_TXN_STATE` on EndTxn) are
//! fatal; a failed batch (e.g. `INVALID_PRODUCER_EPOCH` after the coordinator fenced this
//! producer) puts the transaction in the abortable error state — it can only be aborted;
//! `NOT_COORDINATOR` / `COORDINATOR_NOT_AVAILABLE` find the coordinator again;
//! `CONCURRENT_TRANSACTIONS` retries after `retry.backoff.ms`.

use super::{Clients, Producer};
use crate::errors::KafkaError;
use crate::events::{EventKind, TxnStep};
use crate::ids::{BrokerId, NodeAddr, Tick, TopicPartition};
use crate::kraft::Controller;
use crate::network::{Ctx, Rpc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Kafka: `TransactionManager.State`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TxnClientState {
    Uninitialized,
    Initializing,
    Ready,
    InTransaction,
    CommittingTransaction,
    AbortingTransaction,
    AbortableError,
    FatalError,
}

impl TxnClientState {
    /// Kafka's name (`TransactionManager.State`).
    pub fn name(self) -> &'static str {
        match self {
            TxnClientState::Uninitialized => "UNINITIALIZED",
            TxnClientState::Initializing => "INITIALIZING",
            TxnClientState::Ready => "READY",
            TxnClientState::InTransaction => "IN_TRANSACTION",
            TxnClientState::CommittingTransaction => "COMMITTING_TRANSACTION",
            TxnClientState::AbortingTransaction => "ABORTING_TRANSACTION",
            TxnClientState::AbortableError => "ABORTABLE_ERROR",
            TxnClientState::FatalError => "FATAL_ERROR",
        }
    }
}

/// `sendOffsetsToTransaction` in progress.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingOffsets {
    pub group: String,
    pub member_id: String,
    pub generation: i32,
    pub offsets: Vec<(TopicPartition, u64)>,
    /// AddOffsetsToTxn answered: TxnOffsetCommit (to the group coordinator) is next.
    pub added: bool,
}

/// A transactional producer's transaction manager.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxnManager {
    pub transactional_id: String,
    pub timeout_ms: u64,
    pub state: TxnClientState,
    pub coordinator: Option<BrokerId>,
    pub group_coordinator: Option<BrokerId>,
    /// Partitions the coordinator has added to the current transaction.
    pub partitions: BTreeSet<TopicPartition>,
    /// Partitions with records waiting for AddPartitionsToTxn.
    pub new_partitions: BTreeSet<TopicPartition>,
    pub offsets: Option<PendingOffsets>,
    /// `commitTransaction()` (true) or `abortTransaction()` (false) waiting to send EndTxn.
    pub end: Option<bool>,
    /// The transactional request in flight (its API) and when it times out.
    pub in_flight: Option<(String, Tick)>,
    pub next_request_at: Tick,
    pub last_error: Option<String>,
    pub committed: u64,
    pub aborted: u64,
    /// The coordinator knows of this transaction (Kafka: `transactionStarted`).
    pub started: bool,
    find_target: usize,
}

impl TxnManager {
    pub fn new(transactional_id: String, timeout_ms: u64) -> Self {
        TxnManager {
            transactional_id,
            timeout_ms,
            state: TxnClientState::Uninitialized,
            coordinator: None,
            group_coordinator: None,
            partitions: BTreeSet::new(),
            new_partitions: BTreeSet::new(),
            offsets: None,
            end: None,
            in_flight: None,
            next_request_at: Tick(0),
            last_error: None,
            committed: 0,
            aborted: 0,
            started: false,
            find_target: 0,
        }
    }

    /// Whether the sender has transactional work (a request to send or await).
    pub fn busy(&self) -> bool {
        self.in_flight.is_some()
            || matches!(
                self.state,
                TxnClientState::Initializing
                    | TxnClientState::CommittingTransaction
                    | TxnClientState::AbortingTransaction
            )
            || !self.new_partitions.is_empty()
            || self.offsets.is_some()
    }

    /// Whether records for `tp` may be drained (Kafka: `isSendToPartitionAllowed`).
    pub fn send_allowed(&self, tp: &TopicPartition) -> bool {
        self.partitions.contains(tp)
    }
}

impl Producer {
    /// The transaction manager, if `transactional.id` is set.
    pub fn txn(&self) -> Option<&TxnManager> {
        self.txn.as_ref()
    }
}

fn illegal(msg: String) -> (KafkaError, String) {
    (KafkaError::IllegalState, msg)
}

impl Clients {
    fn txn_mut(&mut self, name: &str) -> Result<&mut TxnManager, (KafkaError, String)> {
        let p = self.producers.get_mut(name).ok_or((
            KafkaError::ConfigException,
            format!("No producer named '{name}'"),
        ))?;
        p.txn.as_mut().ok_or_else(|| {
            illegal("Transactional method invoked on a non-transactional producer.".into())
        })
    }

    /// `producer.initTransactions()`.
    pub fn init_transactions(&mut self, name: &str) -> Result<(), (KafkaError, String)> {
        let t = self.txn_mut(name)?;
        if t.state != TxnClientState::Uninitialized {
            return Err(illegal(format!(
                "TransactionalId {}: Invalid transition attempted from state {} to state INITIALIZING",
                t.transactional_id,
                t.state.name()
            )));
        }
        t.state = TxnClientState::Initializing;
        Ok(())
    }

    /// `producer.beginTransaction()`.
    pub fn begin_transaction(
        &mut self,
        ctx: &mut Ctx,
        name: &str,
    ) -> Result<(), (KafkaError, String)> {
        let t = self.txn_mut(name)?;
        if t.state != TxnClientState::Ready {
            return Err(illegal(format!(
                "TransactionalId {}: Invalid transition attempted from state {} to state IN_TRANSACTION",
                t.transactional_id,
                t.state.name()
            )));
        }
        t.state = TxnClientState::InTransaction;
        t.partitions.clear();
        let id = t.transactional_id.clone();
        ctx.emit(EventKind::TxnClient {
            producer: name.to_string(),
            transactional_id: id,
            step: TxnStep::Begin,
        });
        Ok(())
    }

    /// `send()` inside a transaction: checks the state, and marks a new partition for
    /// AddPartitionsToTxn (Kafka: `TransactionManager.maybeAddPartition`).
    pub(super) fn txn_before_send(p: &Producer) -> Result<(), (KafkaError, String)> {
        let Some(t) = &p.txn else { return Ok(()) };
        match t.state {
            TxnClientState::InTransaction => Ok(()),
            TxnClientState::Uninitialized | TxnClientState::Initializing => Err(illegal(
                "Cannot perform a 'send' before completing a call to initTransactions when transactions are enabled.".into(),
            )),
            TxnClientState::AbortableError | TxnClientState::FatalError => Err((
                KafkaError::IllegalState,
                format!(
                    "Cannot perform send because at least one previous transactional or idempotent request has failed with errors. ({})",
                    t.last_error.clone().unwrap_or_default()
                ),
            )),
            s => Err(illegal(format!("Cannot call send in state {}", s.name()))),
        }
    }

    pub(super) fn txn_after_send(p: &mut Producer, tp: &TopicPartition) {
        if let Some(t) = &mut p.txn {
            if !t.partitions.contains(tp) {
                t.new_partitions.insert(tp.clone());
            }
        }
    }

    /// `producer.commitTransaction()` (true) / `abortTransaction()` (false).
    pub fn end_transaction(
        &mut self,
        ctx: &mut Ctx,
        name: &str,
        commit: bool,
    ) -> Result<(), (KafkaError, String)> {
        let t = self.txn_mut(name)?;
        let target = if commit {
            "COMMITTING_TRANSACTION"
        } else {
            "ABORTING_TRANSACTION"
        };
        match (t.state, commit) {
            (TxnClientState::InTransaction, _) | (TxnClientState::AbortableError, false) => {}
            (TxnClientState::AbortableError, true) | (TxnClientState::FatalError, _) => {
                return Err((
                    KafkaError::IllegalState,
                    format!(
                        "Cannot execute transactional method because we are in an error state ({})",
                        t.last_error.clone().unwrap_or_default()
                    ),
                ))
            }
            (s, _) => {
                return Err(illegal(format!(
                "TransactionalId {}: Invalid transition attempted from state {} to state {target}",
                t.transactional_id,
                s.name()
            )))
            }
        }
        t.state = if commit {
            TxnClientState::CommittingTransaction
        } else {
            TxnClientState::AbortingTransaction
        };
        t.end = Some(commit);
        let id = t.transactional_id.clone();
        if !commit {
            t.new_partitions.clear();
            t.offsets = None;
        }
        ctx.emit(EventKind::TxnClient {
            producer: name.to_string(),
            transactional_id: id,
            step: TxnStep::EndRequested { commit },
        });
        if !commit {
            self.fail_unsent_batches(ctx, name);
        }
        Ok(())
    }

    /// Kafka: `RecordAccumulator.abortUndrainedBatches` — batches not yet sent fail with
    /// `TransactionAbortedException`.
    fn fail_unsent_batches(&mut self, ctx: &mut Ctx, name: &str) {
        let Some(p) = self.producers.get(name) else {
            return;
        };
        let unsent: Vec<_> = p
            .accumulator
            .values()
            .flatten()
            .copied()
            .filter(|b| self.batches.get(b).is_some_and(|b| b.in_flight.is_none()))
            .collect();
        for b in unsent {
            self.fail_batch(
                ctx,
                b,
                KafkaError::TransactionAborted,
                "Failing batch since transaction was aborted".into(),
            );
        }
    }

    /// `producer.sendOffsetsToTransaction(offsets, groupMetadata)`.
    pub fn send_offsets_to_transaction(
        &mut self,
        name: &str,
        group: &str,
        member_id: &str,
        generation: i32,
        offsets: Vec<(TopicPartition, u64)>,
    ) -> Result<(), (KafkaError, String)> {
        let t = self.txn_mut(name)?;
        if t.state != TxnClientState::InTransaction {
            return Err(illegal(format!(
                "Cannot send offsets if a transaction is not in progress (currentState= {})",
                t.state.name()
            )));
        }
        t.offsets = Some(PendingOffsets {
            group: group.to_string(),
            member_id: member_id.to_string(),
            generation,
            offsets,
            added: false,
        });
        Ok(())
    }

    /// The transaction manager's part of the sender loop: at most one request in flight.
    pub(super) fn txn_tick(
        &mut self,
        ctx: &mut Ctx,
        image: &Controller,
        alive: &[BrokerId],
        name: &str,
    ) {
        let now = ctx.now;
        let Some(p) = self.producers.get_mut(name) else {
            return;
        };
        let request_timeout = p.settings.request_timeout;
        let batches_pending = p.accumulator.values().any(|d| !d.is_empty())
            || p.in_flight.values().any(|s| !s.is_empty());
        let producer_id = p.producer_id;
        let Some(t) = p.txn.as_mut() else { return };
        if let Some((api, deadline)) = t.in_flight.clone() {
            if now < deadline {
                return;
            }
            // Kafka: a request that times out is retried after looking for the coordinator.
            t.in_flight = None;
            t.coordinator = None;
            ctx.emit(EventKind::TxnClientError {
                producer: name.to_string(),
                api,
                error: KafkaError::RequestTimedOut,
                state: t.state.name().to_string(),
            });
        }
        if now < t.next_request_at
            || matches!(
                t.state,
                TxnClientState::FatalError | TxnClientState::Uninitialized
            )
        {
            return;
        }
        let me = NodeAddr::Client(name.to_string());
        let id = t.transactional_id.clone();
        let in_txn = matches!(
            t.state,
            TxnClientState::InTransaction | TxnClientState::CommittingTransaction
        );
        let pid = producer_id.unwrap_or((0, 0));
        // The group coordinator for TxnOffsetCommit.
        if let Some(o) = t.offsets.as_ref().filter(|o| o.added && in_txn) {
            let (api, to, rpc) = match t.group_coordinator {
                None => {
                    let Some(b) = pick(image, alive, &mut t.find_target) else {
                        return;
                    };
                    (
                        "FindCoordinator",
                        b,
                        Rpc::FindCoordinator {
                            key: o.group.clone(),
                        },
                    )
                }
                Some(gc) => (
                    "TxnOffsetCommit",
                    gc,
                    Rpc::TxnOffsetCommit {
                        transactional_id: id,
                        group: o.group.clone(),
                        producer_id: pid.0,
                        producer_epoch: pid.1,
                        member_id: o.member_id.clone(),
                        generation: o.generation,
                        offsets: o.offsets.clone(),
                    },
                ),
            };
            t.in_flight = Some((api.to_string(), Tick(now.0 + request_timeout)));
            ctx.send(me, NodeAddr::Broker(to), rpc);
            return;
        }
        let rpc = match t.state {
            TxnClientState::Initializing => Rpc::InitTxnProducerId {
                transactional_id: id.clone(),
                transaction_timeout_ms: t.timeout_ms,
            },
            _ if in_txn && !t.new_partitions.is_empty() => Rpc::AddPartitionsToTxn {
                transactional_id: id.clone(),
                producer_id: pid.0,
                producer_epoch: pid.1,
                partitions: t.new_partitions.iter().cloned().collect(),
            },
            _ if in_txn && t.offsets.is_some() => Rpc::AddOffsetsToTxn {
                transactional_id: id.clone(),
                producer_id: pid.0,
                producer_epoch: pid.1,
                group: t
                    .offsets
                    .as_ref()
                    .map(|o| o.group.clone())
                    .unwrap_or_default(),
            },
            TxnClientState::CommittingTransaction | TxnClientState::AbortingTransaction
                if !batches_pending =>
            {
                let commit = t.end.unwrap_or(false);
                if !t.started {
                    // Kafka: nothing was added to the transaction, so no EndTxn is needed.
                    complete_transaction(ctx, name, t, commit);
                    return;
                }
                Rpc::EndTxn {
                    transactional_id: id.clone(),
                    producer_id: pid.0,
                    producer_epoch: pid.1,
                    commit,
                }
            }
            _ => return,
        };
        let (api, to, rpc) = match t.coordinator {
            Some(c) => (rpc.api(), c, rpc),
            None => {
                let Some(b) = pick(image, alive, &mut t.find_target) else {
                    return;
                };
                (
                    "FindCoordinator",
                    b,
                    Rpc::FindTxnCoordinator {
                        transactional_id: id,
                    },
                )
            }
        };
        t.in_flight = Some((api.to_string(), Tick(now.0 + request_timeout)));
        ctx.send(me, NodeAddr::Broker(to), rpc);
    }

    /// A transactional answer (or a broken connection) reached the producer. Returns false if
    /// the message was not for the transaction manager.
    pub(super) fn txn_handle(&mut self, ctx: &mut Ctx, name: &str, rpc: &Rpc) -> bool {
        let Some(p) = self.producers.get_mut(name) else {
            return false;
        };
        let backoff = super::ticks_from_ms(p.settings.retry_backoff_ms).max(1);
        let Some(t) = p.txn.as_mut() else {
            return false;
        };
        let now = ctx.now;
        let (api, error) = match rpc {
            Rpc::FindTxnCoordinatorResponse { result, .. } => {
                t.in_flight = None;
                match result {
                    Ok(b) => {
                        t.coordinator = Some(*b);
                        return true;
                    }
                    Err(e) => ("FindCoordinator", *e),
                }
            }
            Rpc::FindCoordinatorResponse { result, .. } => {
                t.in_flight = None;
                match result {
                    Ok(b) => {
                        t.group_coordinator = Some(*b);
                        return true;
                    }
                    Err(e) => ("FindCoordinator", *e),
                }
            }
            Rpc::InitTxnProducerIdResponse { result, .. } => {
                t.in_flight = None;
                match result {
                    Ok((pid, epoch)) => {
                        t.state = TxnClientState::Ready;
                        p.producer_id = Some((*pid, *epoch));
                        p.next_sequence.clear();
                        p.last_acked_sequence.clear();
                        ctx.emit(EventKind::ProducerIdAssigned {
                            producer: name.to_string(),
                            producer_id: *pid,
                            producer_epoch: *epoch,
                        });
                        return true;
                    }
                    Err(e) => ("InitProducerId", *e),
                }
            }
            Rpc::AddPartitionsToTxnResponse {
                partitions, error, ..
            } => {
                t.in_flight = None;
                match error {
                    None => {
                        t.started = true;
                        for tp in partitions {
                            t.new_partitions.remove(tp);
                            t.partitions.insert(tp.clone());
                        }
                        let id = t.transactional_id.clone();
                        ctx.emit(EventKind::TxnClient {
                            producer: name.to_string(),
                            transactional_id: id,
                            step: TxnStep::PartitionsAdded {
                                partitions: partitions.clone(),
                            },
                        });
                        return true;
                    }
                    Some(e) => ("AddPartitionsToTxn", *e),
                }
            }
            Rpc::AddOffsetsToTxnResponse { error, .. } => {
                t.in_flight = None;
                match error {
                    None => {
                        if let Some(o) = &mut t.offsets {
                            o.added = true;
                        }
                        // The group's offsets partition is now part of the transaction.
                        t.started = true;
                        return true;
                    }
                    Some(e) => ("AddOffsetsToTxn", *e),
                }
            }
            Rpc::TxnOffsetCommitResponse { error, .. } => {
                t.in_flight = None;
                match error {
                    None => {
                        if let Some(o) = t.offsets.take() {
                            let id = t.transactional_id.clone();
                            ctx.emit(EventKind::TxnClient {
                                producer: name.to_string(),
                                transactional_id: id,
                                step: TxnStep::OffsetsSent {
                                    group: o.group,
                                    offsets: o.offsets,
                                },
                            });
                        }
                        return true;
                    }
                    Some(e) => {
                        if matches!(
                            e,
                            KafkaError::NotCoordinator | KafkaError::CoordinatorNotAvailable
                        ) {
                            t.group_coordinator = None;
                        }
                        ("TxnOffsetCommit", *e)
                    }
                }
            }
            Rpc::EndTxnResponse { commit, error, .. } => {
                t.in_flight = None;
                match error {
                    None => {
                        complete_transaction(ctx, name, t, *commit);
                        return true;
                    }
                    Some(e) => ("EndTxn", *e),
                }
            }
            Rpc::Disconnected { api, .. }
                if t.in_flight.as_ref().is_some_and(|(a, _)| a == api) =>
            {
                t.in_flight = None;
                if api == "TxnOffsetCommit" {
                    t.group_coordinator = None;
                } else {
                    t.coordinator = None;
                }
                return true;
            }
            _ => return false,
        };
        on_txn_error(ctx, name, t, api, error, now, backoff);
        true
    }
}

/// EndTxn answered (or nothing to end): back to READY.
fn complete_transaction(ctx: &mut Ctx, name: &str, t: &mut TxnManager, commit: bool) {
    t.state = TxnClientState::Ready;
    t.started = false;
    t.end = None;
    t.partitions.clear();
    t.new_partitions.clear();
    t.offsets = None;
    if commit {
        t.committed += 1;
    } else {
        t.aborted += 1;
    }
    let id = t.transactional_id.clone();
    ctx.emit(EventKind::TxnClient {
        producer: name.to_string(),
        transactional_id: id,
        step: TxnStep::Completed { commit },
    });
}

/// How the transaction manager treats an error answer (Kafka: the `TxnRequestHandler`s).
fn on_txn_error(
    ctx: &mut Ctx,
    name: &str,
    t: &mut TxnManager,
    api: &str,
    error: KafkaError,
    now: Tick,
    backoff: u64,
) {
    match error {
        KafkaError::NotCoordinator | KafkaError::CoordinatorNotAvailable => {
            if api != "TxnOffsetCommit" {
                t.coordinator = None;
            }
            t.next_request_at = Tick(now.0 + backoff);
        }
        KafkaError::ConcurrentTransactions
        | KafkaError::RequestTimedOut
        | KafkaError::NetworkException => {
            t.next_request_at = Tick(now.0 + backoff);
        }
        KafkaError::ProducerFenced
        | KafkaError::InvalidProducerEpoch
        | KafkaError::InvalidTxnState
        | KafkaError::InvalidTransactionTimeout
        | KafkaError::InvalidProducerIdMapping => {
            t.state = TxnClientState::FatalError;
            t.last_error = Some(format!("{api}: {error}"));
        }
        _ => {
            if t.state != TxnClientState::AbortingTransaction {
                t.state = TxnClientState::AbortableError;
            }
            t.offsets = None;
            t.last_error = Some(format!("{api}: {error}"));
        }
    }
    ctx.emit(EventKind::TxnClientError {
        producer: name.to_string(),
        api: api.to_string(),
        error,
        state: t.state.name().to_string(),
    });
}

/// A live, unfenced broker for FindCoordinator (round robin).
fn pick(image: &Controller, alive: &[BrokerId], next: &mut usize) -> Option<BrokerId> {
    let brokers: Vec<BrokerId> = image
        .registrations
        .iter()
        .filter(|(b, r)| !r.fenced && alive.contains(b))
        .map(|(b, _)| *b)
        .collect();
    if brokers.is_empty() {
        return None;
    }
    let b = brokers[*next % brokers.len()];
    *next += 1;
    Some(b)
}

/// A batch of a transactional producer failed: the transaction can only be aborted now
/// (Kafka: `TransactionManager.handleFailedBatch` → `transitionToAbortableError`).
pub(super) fn txn_batch_failed(p: &mut Producer, error: KafkaError, message: &str) {
    if let Some(t) = &mut p.txn {
        if matches!(
            t.state,
            TxnClientState::InTransaction | TxnClientState::CommittingTransaction
        ) && error != KafkaError::TransactionAborted
        {
            t.state = TxnClientState::AbortableError;
            t.last_error = Some(format!("{error}: {message}"));
        }
    }
}
