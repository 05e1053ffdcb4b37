//! The application's offset commits: `commitSync()` and `commitAsync()` as the application sees
//! them (the OffsetCommit protocol reaction — rejoin, find the coordinator again — stays in
//! `consumer.rs`).
//!
//! - **commitSync** blocks the application loop. Retriable errors (the coordinator moved or is
//!   loading, the request timed out, the connection broke) are retried after `retry.backoff.ms`,
//!   finding the coordinator again if needed, until `default.api.timeout.ms` has passed; then it
//!   throws `TimeoutException`. Other errors throw at once (`CommitFailedException` when the
//!   group has moved on to another generation, `RebalanceInProgressException`).
//!   Kafka: `ConsumerCoordinator.commitOffsetsSync`, `KafkaConsumer.commitSync`.
//! - **commitAsync** sends and goes on; the OffsetCommitCallback gets the result later. It never
//!   retries: by the time a failure comes back a later commit may already have succeeded, and
//!   re-sending the older offsets would move the committed offset back (more duplicates after
//!   the next rebalance). Kafka: `ConsumerCoordinator.commitOffsetsAsync` /
//!   `doCommitOffsetsAsync` (a retriable error reaches the callback wrapped in
//!   `RetriableCommitFailedException`), and the `KafkaConsumer.commitAsync` Javadoc. The
//!   playground's `kplay.commit.async.retry` makes the callback retry anyway, to show the risk.

use super::{App, CommitMode, Consumer};
use crate::errors::KafkaError;
use crate::events::EventKind;
use crate::ids::{BrokerId, Tick, TopicPartition};
use crate::network::Ctx;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Which client API a commit came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CommitApi {
    #[serde(rename = "commitSync")]
    Sync,
    #[serde(rename = "commitAsync")]
    Async,
}

impl CommitApi {
    /// The Java method name.
    pub fn name(self) -> &'static str {
        match self {
            CommitApi::Sync => "commitSync",
            CommitApi::Async => "commitAsync",
        }
    }
}

/// An application commit waiting for its answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingCommit {
    pub api: CommitApi,
    pub offsets: Vec<(TopicPartition, u64)>,
}

/// The commitSync() call the application is blocked in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncCommit {
    pub offsets: Vec<(TopicPartition, u64)>,
    /// `default.api.timeout.ms` after the call began.
    pub deadline: Tick,
    /// Records to process once the commit returns (commit before processing: at-most-once).
    pub then: VecDeque<(TopicPartition, u64, u64)>,
}

/// How an application commit ended, as the application sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum CommitOutcome {
    /// The coordinator stored the offsets.
    Committed,
    /// commitSync: a retriable error; it sends the commit again after `backoff_ms`.
    Retrying { backoff_ms: u64 },
    /// commitSync gave up after `default.api.timeout.ms` and threw `TimeoutException`.
    TimedOut { timeout_ms: u64 },
    /// A non-retriable error: commitSync threw `exception`, or the commitAsync callback got it.
    Failed { exception: String },
    /// commitAsync: the callback got `RetriableCommitFailedException`; nothing is retried.
    /// `later_succeeded`: a later commit that already succeeded (the callback came after it).
    NotRetried { later_succeeded: Option<u64> },
    /// commitAsync with `kplay.commit.async.retry`: the callback re-sent the offsets as request
    /// `retry` — after `later_succeeded`, if set, this moves the committed offset back.
    RetriedByCallback {
        /// The new request, or `None` when it waits for the coordinator to be found.
        retry: Option<u64>,
        later_succeeded: Option<u64>,
    },
}

/// The request id in an in-flight key `OffsetCommit #N`.
pub(super) fn request_of(key: &str) -> Option<u64> {
    key.strip_prefix("OffsetCommit #")?.parse().ok()
}

/// The commit the application makes in its loop (`kplay.commit.mode`), of the current
/// positions; `then`: records to process after it (empty when it commits after processing).
pub(super) fn app_commit(
    c: &mut Consumer,
    ctx: &mut Ctx,
    then: VecDeque<(TopicPartition, u64, u64)>,
) {
    match c.settings.commit_mode {
        CommitMode::None => c.start_processing(ctx, then),
        CommitMode::Async => {
            let offsets = c.consumed_offsets();
            commit_async(c, ctx, offsets);
            c.start_processing(ctx, then);
        }
        CommitMode::Sync => {
            let offsets = c.consumed_offsets();
            if offsets.is_empty() {
                c.start_processing(ctx, then);
                return;
            }
            c.sync_commit = Some(SyncCommit {
                offsets,
                deadline: Tick(ctx.now.0 + c.settings.default_api_timeout_ticks),
                then,
            });
            send_sync(c, ctx);
        }
    }
}

/// commitAsync(): sends the commit, or — with the coordinator unknown — queues it until
/// FindCoordinator answers (Kafka: `commitOffsetsAsync` → `pendingAsyncCommits` +
/// `lookupCoordinator().addListener`). Returns the request id if it was sent.
fn commit_async(
    c: &mut Consumer,
    ctx: &mut Ctx,
    offsets: Vec<(TopicPartition, u64)>,
) -> Option<u64> {
    if offsets.is_empty() {
        return None;
    }
    if c.coordinator.is_none() {
        c.queued_async.push(offsets);
        return None;
    }
    let request = c.commit(ctx, offsets.clone())?;
    let api = CommitApi::Async;
    c.pending_commits
        .insert(request, PendingCommit { api, offsets });
    Some(request)
}

/// The coordinator was found: sends the commitAsync calls that waited for it, in call order.
pub(super) fn flush_queued(c: &mut Consumer, ctx: &mut Ctx) {
    for offsets in std::mem::take(&mut c.queued_async) {
        commit_async(c, ctx, offsets);
    }
}

/// Sends (or re-sends) the commitSync the application is blocked in.
fn send_sync(c: &mut Consumer, ctx: &mut Ctx) {
    let Some(sync) = &c.sync_commit else { return };
    let offsets = sync.offsets.clone();
    match c.commit(ctx, offsets.clone()) {
        Some(request) => {
            let api = CommitApi::Sync;
            c.pending_commits
                .insert(request, PendingCommit { api, offsets });
            c.app = App::Committing { request };
        }
        None => {
            // No coordinator: Kafka's `coordinatorUnknownAndUnreadySync` looks it up first.
            c.app = App::CommitBackoff {
                retry_at: Tick(ctx.now.0 + c.settings.retry_backoff_ticks),
            };
        }
    }
}

/// commitSync's retry loop after `retry.backoff.ms`: time out, find the coordinator, or send.
pub(super) fn retry_sync(c: &mut Consumer, ctx: &mut Ctx, alive: &[BrokerId]) {
    let Some(sync) = &c.sync_commit else {
        c.app = App::Idle {
            next_poll_at: ctx.now,
        };
        return;
    };
    if ctx.now >= sync.deadline {
        time_out(c, ctx, 0);
        return;
    }
    if c.coordinator.is_none() {
        super::lookup_coordinator(c, ctx, alive);
        c.app = App::CommitBackoff {
            retry_at: Tick(ctx.now.0 + c.settings.retry_backoff_ticks),
        };
        return;
    }
    send_sync(c, ctx);
}

/// commitSync gave up: `TimeoutException` reaches the application, which goes on polling; the
/// records it was to process after the commit are not processed.
fn time_out(c: &mut Consumer, ctx: &mut Ctx, request: u64) {
    let sync = c.sync_commit.take();
    let offsets = sync.map(|s| s.offsets).unwrap_or_default();
    ctx.emit(EventKind::OffsetCommitCompleted {
        consumer: c.name.clone(),
        api: CommitApi::Sync,
        request,
        offsets,
        error: None,
        outcome: CommitOutcome::TimedOut {
            timeout_ms: c.settings.default_api_timeout_ticks * crate::config::MS_PER_TICK,
        },
    });
    c.app = App::Idle {
        next_poll_at: ctx.now,
    };
}

/// Every application commit in flight failed with `error` (the coordinator's connection broke).
pub(super) fn fail_in_flight(c: &mut Consumer, ctx: &mut Ctx, error: KafkaError) {
    let mut requests: Vec<u64> = c.in_flight.keys().filter_map(|k| request_of(k)).collect();
    requests.sort_unstable();
    for r in requests {
        c.in_flight.remove(&format!("OffsetCommit #{r}"));
        outcome(c, ctx, r, Some(error));
    }
}

/// What the application sees when an OffsetCommit answer (or its failure) arrives.
pub(super) fn outcome(c: &mut Consumer, ctx: &mut Ctx, request: u64, error: Option<KafkaError>) {
    let Some(pending) = c.pending_commits.remove(&request) else {
        // An auto-commit (or close()'s commit): no application callback.
        if c.app == (App::Committing { request }) {
            c.app = App::Idle {
                next_poll_at: ctx.now,
            };
        }
        return;
    };
    let later = (c.last_commit_ok > request).then_some(c.last_commit_ok);
    let outcome = match (pending.api, error) {
        (_, None) => {
            c.last_commit_ok = c.last_commit_ok.max(request);
            CommitOutcome::Committed
        }
        (CommitApi::Sync, Some(e)) if e.is_retriable() => {
            let deadline = c.sync_commit.as_ref().map_or(ctx.now, |s| s.deadline);
            if c.app != (App::Committing { request }) {
                return; // commitSync already returned (timed out)
            }
            if ctx.now >= deadline {
                time_out(c, ctx, request);
                return;
            }
            CommitOutcome::Retrying {
                backoff_ms: c.settings.retry_backoff_ticks * crate::config::MS_PER_TICK,
            }
        }
        (CommitApi::Async, Some(e)) if e.is_retriable() => {
            if c.settings.async_commit_retry {
                let retry = commit_async(c, ctx, pending.offsets.clone());
                CommitOutcome::RetriedByCallback {
                    retry,
                    later_succeeded: later,
                }
            } else {
                CommitOutcome::NotRetried {
                    later_succeeded: later,
                }
            }
        }
        (_, Some(e)) => CommitOutcome::Failed {
            exception: exception_of(e).to_string(),
        },
    };
    ctx.emit(EventKind::OffsetCommitCompleted {
        consumer: c.name.clone(),
        api: pending.api,
        request,
        offsets: pending.offsets,
        error,
        outcome: outcome.clone(),
    });
    if pending.api == CommitApi::Sync && c.app == (App::Committing { request }) {
        after_sync(c, ctx, outcome);
    }
}

/// commitSync returned, will retry, or threw.
fn after_sync(c: &mut Consumer, ctx: &mut Ctx, outcome: CommitOutcome) {
    match outcome {
        CommitOutcome::Committed => {
            let then = c.sync_commit.take().map(|s| s.then).unwrap_or_default();
            c.start_processing(ctx, then);
        }
        CommitOutcome::Retrying { .. } => {
            c.app = App::CommitBackoff {
                retry_at: Tick(ctx.now.0 + c.settings.retry_backoff_ticks),
            };
        }
        _ => {
            // The exception escapes the loop body: the records it was to process after the
            // commit are not processed; the application polls again.
            c.sync_commit = None;
            c.app = App::Idle {
                next_poll_at: ctx.now,
            };
        }
    }
}

/// The exception a non-retriable OffsetCommit error becomes in the Java client
/// (Kafka: `ConsumerCoordinator.OffsetCommitResponseHandler.handle`).
fn exception_of(e: KafkaError) -> &'static str {
    match e {
        KafkaError::RebalanceInProgress => "RebalanceInProgressException",
        KafkaError::UnknownMemberId | KafkaError::IllegalGeneration => "CommitFailedException",
        _ => "KafkaException",
    }
}
