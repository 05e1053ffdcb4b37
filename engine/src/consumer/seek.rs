//! Seek and replay: `seek(tp, offset)`, `seekToBeginning`, `seekToEnd`.
//!
//! Kafka: `KafkaConsumer.seek` sets the position at once (`SubscriptionState.seek`), dropping
//! what the fetcher buffered for the partition; the next fetch starts there, and an offset out of
//! the log's range comes back OFFSET_OUT_OF_RANGE and is reset with `auto.offset.reset`.
//! `seekToBeginning` / `seekToEnd` only *request* a reset (`SubscriptionState.requestOffsetReset`
//! with EARLIEST / LATEST); the next poll() resolves it with ListOffsets to the partition leader.
//! Seeking a partition the consumer is not assigned throws `IllegalStateException: No current
//! assignment for partition …`. The group's committed offset does not change until the
//! application commits again — a seek back replays records (duplicates in the ledger), a seek
//! forward skips them (lost once a commit passes them).

use super::{set_position, Consumer};
use crate::ids::TopicPartition;
use crate::kraft::Controller;
use crate::network::{Ctx, Rpc};
use serde::{Deserialize, Serialize};

/// Where a seek goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeekTarget {
    /// `seek(tp, offset)`.
    Offset(u64),
    /// `seekToBeginning`: the log start offset (ListOffsets EARLIEST).
    Beginning,
    /// `seekToEnd`: the high watermark (ListOffsets LATEST).
    End,
}

impl SeekTarget {
    /// The Java call, for events.
    pub fn call(self) -> String {
        match self {
            SeekTarget::Offset(o) => format!("seek({o})"),
            SeekTarget::Beginning => "seekToBeginning".to_string(),
            SeekTarget::End => "seekToEnd".to_string(),
        }
    }
}

/// Seeks the consumer's partitions `tps` (empty: every assigned partition).
pub fn seek(
    c: &mut Consumer,
    ctx: &mut Ctx,
    image: &Controller,
    tps: Vec<TopicPartition>,
    target: SeekTarget,
) -> Result<(), String> {
    let tps = if tps.is_empty() {
        c.assignment.clone()
    } else {
        tps
    };
    // Kafka: SubscriptionState.assignedState.
    if let Some(tp) = tps.iter().find(|tp| !c.assignment.contains(tp)) {
        return Err(format!(
            "IllegalStateException: No current assignment for partition {tp}"
        ));
    }
    for tp in tps {
        c.buffer.remove(&tp);
        c.in_flight.remove(&super::key_fetch(&tp));
        match target {
            SeekTarget::Offset(o) => {
                c.reset_requests.remove(&tp);
                set_position(c, ctx, tp, o, &target.call());
            }
            SeekTarget::Beginning | SeekTarget::End => {
                c.positions.remove(&tp);
                c.reset_requests
                    .insert(tp.clone(), target == SeekTarget::End);
                send_reset(c, ctx, image, tp);
            }
        }
    }
    Ok(())
}

/// ListOffsets for a requested reset (again on each poll() until it is answered).
fn send_reset(c: &mut Consumer, ctx: &mut Ctx, image: &Controller, tp: TopicPartition) {
    let Some(&latest) = c.reset_requests.get(&tp) else {
        return;
    };
    let key = format!("ListOffsets {tp}");
    if c.in_flight.contains_key(&key) {
        return;
    }
    let Some(leader) = image.partitions.get(&tp).and_then(|p| p.leader) else {
        return;
    };
    let timeout = c.settings.request_timeout_ticks;
    c.send(
        ctx,
        &key,
        leader,
        Rpc::ListOffsets {
            tp,
            latest,
            read_committed: c.settings.read_committed,
        },
        timeout,
    );
}

/// In poll(): resends the ListOffsets of requested resets that have no answer yet.
pub(super) fn send_pending_resets(c: &mut Consumer, ctx: &mut Ctx, image: &Controller) {
    let pending: Vec<TopicPartition> = c.reset_requests.keys().cloned().collect();
    for tp in pending {
        send_reset(c, ctx, image, tp);
    }
}

/// Why a ListOffsets answer sets the position: a requested seek, or `auto.offset.reset`.
pub(super) fn reset_source(c: &mut Consumer, tp: &TopicPartition) -> String {
    match c.reset_requests.remove(tp) {
        Some(false) => SeekTarget::Beginning.call(),
        Some(true) => SeekTarget::End.call(),
        None => format!("auto.offset.reset={}", c.settings.auto_offset_reset),
    }
}
