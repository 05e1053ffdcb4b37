//! Log compaction and retention: what happens to old segments.
//!
//! - `cleanup.policy=compact`: the log cleaner keeps the latest record per key. Ported from
//!   Kafka's `LogCleanerManager` (which log to clean and which offsets are cleanable),
//!   `LogToClean` (the dirty ratio) and `Cleaner.doClean` / `cleanSegments` /
//!   `shouldRetainRecord` (the offset map over the dirty section and the rewrite).
//! - `cleanup.policy=delete`: `UnifiedLog.deleteOldSegments` removes whole segments past
//!   `retention.ms` / `retention.bytes`, and moves the log start offset.
//!
//! Every replica cleans and deletes on its own, as in Kafka; the broker's timers
//! (`log.cleaner.backoff.ms`, `log.retention.check.interval.ms`) call in here
//! (`crate::replication`). Cleaning stops at the last stable offset (an open transaction is
//! never cleaned); records of aborted transactions are discarded and never shadow an older
//! committed value (Kafka: `CleanedTransactionMetadata`); transaction markers are kept.

use crate::ids::Offset;
use crate::log::Log;
use crate::segment::RATIO_ONE;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

/// A log's cleanable range and its dirty ratio (Kafka: `LogToClean`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogToClean {
    /// Where the dirty (not yet cleaned) part begins: the cleaner checkpoint.
    pub first_dirty_offset: Offset,
    /// The base offset of the first segment that may not be cleaned yet.
    pub first_uncleanable_offset: Offset,
    /// Bytes of the segments below the first dirty offset (already cleaned).
    pub clean_bytes: u64,
    /// Bytes of the dirty segments that may be cleaned now.
    pub cleanable_bytes: u64,
    /// `max.compaction.lag.ms` has passed for the oldest dirty record: clean whatever the ratio.
    pub need_compaction_now: bool,
}

impl LogToClean {
    /// `cleanBytes + cleanableBytes`.
    pub fn total_bytes(&self) -> u64 {
        self.clean_bytes + self.cleanable_bytes
    }

    /// `cleanableBytes / totalBytes`, in millionths (0 for an empty log).
    pub fn cleanable_ratio(&self) -> u64 {
        match self.total_bytes() {
            0 => 0,
            total => self.cleanable_bytes * RATIO_ONE / total,
        }
    }

    /// Kafka: `LogCleanerManager.grabFilthiestCompactedLog` — a log is cleaned when compaction
    /// is overdue (and there is something to clean) or its dirty ratio is above
    /// `min.cleanable.dirty.ratio` (strictly, as Kafka compares).
    pub fn should_clean(&self, min_cleanable_ratio: u64) -> bool {
        if self.total_bytes() == 0 {
            return false; // Kafka: `.filter(ltc => ltc.totalBytes > 0)` — skip empty logs
        }
        (self.need_compaction_now && self.cleanable_bytes > 0)
            || self.cleanable_bytes * RATIO_ONE > min_cleanable_ratio * self.total_bytes()
    }
}

/// Kafka: `LogCleanerManager.cleanableOffsets` — (first dirty offset, first uncleanable dirty
/// offset, whether compaction is overdue).
pub fn cleanable_offsets(log: &Log, now_ms: u64) -> (Offset, Offset, bool) {
    let segs = &log.segments;
    let log_start = log.log_start_offset();
    // An invalid checkpoint (below the log start, or past the end after a truncation) resets to
    // the log start.
    let first_dirty = match segs.cleaner_checkpoint {
        Some(c) if c >= log_start && c <= log.log_end_offset() => c,
        _ => log_start,
    };
    let active_base = segs.active().base_offset;
    let dirty_non_active = segs.list[segs.floor(first_dirty)..segs.list.len() - 1]
        .iter()
        .filter(|s| s.base_offset < active_base);
    let min_lag = segs.config.min_compaction_lag_ms;
    let lagging = || {
        // The first dirty segment with a record newer than now - min.compaction.lag.ms.
        dirty_non_active
            .clone()
            .find(|s| s.max_timestamp as i64 > now_ms as i64 - min_lag as i64)
            .map(|s| s.base_offset)
    };
    // Kafka: `LogCleanerManager.cleanableOffsets` bounds the cleanable range by the last stable
    // offset (an open transaction's records are not cleaned); the LSO is never above the HW.
    let mut first_uncleanable = log.last_stable_offset().min(active_base);
    if min_lag > 0 {
        if let Some(o) = lagging() {
            first_uncleanable = first_uncleanable.min(o);
        }
    }
    // Kafka: `LogCleanerManager.maxCompactionDelay` > 0.
    let max_lag = segs.config.max_compaction_lag_ms;
    let earliest = dirty_non_active.filter_map(|s| s.first_timestamp).min();
    let need_now = earliest.is_some_and(|t| (t as i64) < now_ms as i64 - max_lag as i64);
    (first_dirty, first_uncleanable, need_now)
}

/// Kafka: `LogToClean` with `LogCleanerManager.calculateCleanableBytes`.
pub fn log_to_clean(log: &Log, now_ms: u64) -> LogToClean {
    let (first_dirty, uncleanable, need_now) = cleanable_offsets(log, now_ms);
    let segs = &log.segments;
    // The first non-active segment holding `uncleanable`, else the active segment.
    let i = segs.floor(uncleanable);
    let first_uncleanable = segs.list[i].base_offset;
    let clean_bytes = segs
        .list
        .iter()
        .take_while(|s| s.base_offset < first_dirty)
        .map(|s| s.bytes)
        .sum();
    // `logSegments(min(firstDirty, firstUncleanable), firstUncleanable)`.
    let from = segs.floor(first_dirty.min(first_uncleanable));
    let cleanable_bytes = segs.list[from..]
        .iter()
        .take_while(|s| s.base_offset < first_uncleanable)
        .map(|s| s.bytes)
        .sum();
    LogToClean {
        first_dirty_offset: first_dirty,
        first_uncleanable_offset: first_uncleanable,
        clean_bytes,
        cleanable_bytes,
        need_compaction_now: need_now,
    }
}

/// What one cleaning did (Kafka: `CleanerStats`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CleanResult {
    pub first_dirty_offset: Offset,
    /// The new cleaner checkpoint: one past the last record of the dirty section.
    pub end_offset: Offset,
    /// The dirty ratio that triggered the cleaning, in millionths.
    pub dirty_ratio: u64,
    pub records_removed: u64,
    /// Of those, tombstones past their delete horizon.
    pub tombstones_removed: u64,
    pub bytes_before: u64,
    pub bytes_after: u64,
    /// Segments rewritten (every segment below the end offset).
    pub segments_cleaned: u32,
}

/// Kafka: `Cleaner.doClean` for one log: build the offset map (key → latest offset) over the
/// dirty section [first dirty, first uncleanable), then rewrite every segment below its end,
/// keeping a record only if no later record has its key and, for a tombstone, only until its
/// segment's delete horizon (KIP-534). The checkpoint moves to the end offset.
pub fn clean(log: &mut Log, now_ms: u64) -> CleanResult {
    let ltc = log_to_clean(log, now_ms);
    let bytes_before = log.segments.total_bytes();
    // Kafka: `buildOffsetMap` (the simulation's map never fills: no `log.cleaner.dedupe.buffer.size`).
    let mut map: HashMap<Arc<str>, Offset> = HashMap::new();
    let mut latest: Option<Offset> = None;
    // Records of aborted transactions: never in the offset map (so they cannot shadow an older
    // committed value for their key) and discarded by the rewrite. Kafka:
    // `CleanedTransactionMetadata.onBatchRead` in `buildOffsetMap` and `cleanInto`.
    let aborted_txns = log.aborted_txns().to_vec();
    let aborted = |r: &crate::log::Record| {
        r.producer.is_some_and(|s| {
            s.kind == crate::log::BatchKind::Transactional
                && aborted_txns.iter().any(|t| {
                    t.producer_id == s.producer_id
                        && t.first_offset <= r.offset
                        && r.offset < t.last_offset
                })
        })
    };
    for r in log
        .records
        .iter_from(ltc.first_dirty_offset.0 as usize)
        .take_while(|r| r.offset < ltc.first_uncleanable_offset)
    {
        if let Some(k) = &r.key {
            if !aborted(r) {
                map.insert(k.clone(), r.offset);
            }
        }
        latest = Some(r.offset);
    }
    let Some(latest) = latest else {
        return CleanResult {
            first_dirty_offset: ltc.first_dirty_offset,
            end_offset: ltc.first_dirty_offset,
            dirty_ratio: ltc.cleanable_ratio(),
            records_removed: 0,
            tombstones_removed: 0,
            bytes_before,
            bytes_after: bytes_before,
            segments_cleaned: 0,
        };
    };
    let end_offset = Offset(latest.0 + 1);
    // The segments to rewrite: `logSegments(0, endOffset)`, with each one's horizon before
    // this pass (tombstones seen for the first time are kept and get a horizon now).
    let n = log
        .segments
        .list
        .iter()
        .take_while(|s| s.base_offset < end_offset)
        .count();
    let bases: Vec<Offset> = log.segments.list[..n]
        .iter()
        .map(|s| s.base_offset)
        .collect();
    let horizons: Vec<Option<u64>> = log.segments.list[..n]
        .iter()
        .map(|s| s.delete_horizon_ms)
        .collect();
    let segment_of = |o: Offset| bases.partition_point(|b| *b <= o).saturating_sub(1);
    let mut tombstones_removed = 0;
    let removed = log.records.retain(|r| {
        if r.offset >= end_offset {
            return true; // Kafka: `pastLatestOffset`, and segments not being cleaned
        }
        if r.producer.is_some_and(|s| s.kind.is_control()) {
            // Transaction markers stay: a reader needs them to tell committed records from
            // aborted ones (Kafka removes a marker only once its transaction's records are gone
            // and past the delete horizon — not simulated).
            return true;
        }
        if aborted(r) {
            return false; // Kafka: `discardBatchRecords` for an aborted transaction's batch
        }
        let Some(key) = &r.key else {
            return false; // Kafka: `stats.invalidMessage()` — keyless records are dropped
        };
        let latest_for_key = map.get(key).is_none_or(|o| r.offset >= *o);
        let retain_deletes = horizons[segment_of(r.offset)].is_none_or(|h| now_ms < h);
        let keep = latest_for_key && (r.value.is_some() || retain_deletes);
        if !keep && latest_for_key {
            tombstones_removed += 1;
        }
        keep
    }) as u64;
    for i in 0..n {
        log.recount_segment(i);
        let horizon = now_ms + log.segments.config.delete_retention_ms;
        let has_tombstones = has_tombstones(log, i);
        let s = &mut log.segments.list[i];
        s.cleaned = true;
        if has_tombstones && s.delete_horizon_ms.is_none() {
            s.delete_horizon_ms = Some(horizon);
        }
    }
    log.segments.cleaner_checkpoint = Some(end_offset);
    CleanResult {
        first_dirty_offset: ltc.first_dirty_offset,
        end_offset,
        dirty_ratio: ltc.cleanable_ratio(),
        records_removed: removed,
        tombstones_removed,
        bytes_before,
        bytes_after: log.segments.total_bytes(),
        segments_cleaned: n as u32,
    }
}

fn has_tombstones(log: &Log, i: usize) -> bool {
    let base = log.segments.list[i].base_offset;
    let end = log.segments.end_of(i, log.log_end_offset());
    log.records
        .iter_from(base.0 as usize)
        .take_while(|r| r.offset < end)
        .any(|r| r.is_tombstone())
}

/// Cleans the log if it is compacted and dirty enough (one pass of Kafka's `CleanerThread`
/// for this log). Returns what the cleaning did.
pub fn maybe_clean(log: &mut Log, now_ms: u64) -> Option<CleanResult> {
    if !log.segments.config.compact {
        return None;
    }
    let ltc = log_to_clean(log, now_ms);
    if !ltc.should_clean(log.segments.config.min_cleanable_dirty_ratio) {
        return None;
    }
    Some(clean(log, now_ms))
}

/// Why retention deleted segments (Kafka: `SegmentDeletionReason`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetentionReason {
    /// `retention.ms`: the segment's largest timestamp is older than that.
    RetentionMs,
    /// `retention.bytes`: the partition is larger than that.
    RetentionBytes,
    /// The log start offset moved past the segment (a follower following its leader).
    LogStartOffset,
}

impl RetentionReason {
    /// The config key (or offset) the reason names.
    pub fn name(self) -> &'static str {
        match self {
            RetentionReason::RetentionMs => "retention.ms",
            RetentionReason::RetentionBytes => "retention.bytes",
            RetentionReason::LogStartOffset => "log start offset",
        }
    }
}

/// Segments one retention rule deleted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deleted {
    pub reason: RetentionReason,
    /// Base offsets of the deleted segments.
    pub segments: Vec<Offset>,
    pub records: u64,
    pub bytes: u64,
    /// The log start offset afterwards.
    pub log_start_offset: Offset,
}

/// Kafka: `UnifiedLog.deleteOldSegments` — for `delete` logs by time, size and log start
/// offset; for compacted-only logs only by log start offset.
pub fn delete_old_segments(log: &mut Log, now_ms: u64) -> Vec<Deleted> {
    let mut out = vec![];
    if log.segments.config.delete {
        let retention_ms = log.segments.config.retention_ms;
        if retention_ms >= 0 {
            // Kafka: `deleteRetentionMsBreachedSegments`.
            let limit = retention_ms as u64;
            let expired =
                |s: &crate::segment::Segment| now_ms.saturating_sub(s.max_timestamp as u64) > limit;
            out.extend(delete_where(log, RetentionReason::RetentionMs, expired));
        }
        let retention_bytes = log.segments.config.retention_bytes;
        let size = log.segments.total_bytes();
        if retention_bytes >= 0 && size >= retention_bytes as u64 {
            // Kafka: `deleteRetentionSizeBreachedSegments` — oldest first while the excess
            // still covers the whole segment.
            let mut diff = size - retention_bytes as u64;
            let over = move |s: &crate::segment::Segment| {
                if diff >= s.bytes {
                    diff -= s.bytes;
                    true
                } else {
                    false
                }
            };
            out.extend(delete_where(log, RetentionReason::RetentionBytes, over));
        }
    }
    // Kafka: `deleteLogStartOffsetBreachedSegments` — the next segment starts at or below the
    // log start offset.
    let start = log.log_start_offset();
    let bases: Vec<Offset> = log.segments.list.iter().map(|s| s.base_offset).collect();
    let mut i = 0;
    let breached = move |_: &crate::segment::Segment| {
        i += 1;
        bases.get(i).is_some_and(|b| *b <= start)
    };
    out.extend(delete_where(log, RetentionReason::LogStartOffset, breached));
    out
}

/// Kafka: `UnifiedLog.deletableSegments` + `deleteSegments` — the leading segments the
/// predicate accepts, each wholly below the high watermark, never the last one while it is
/// empty. Deleting them all rolls a new active segment first.
fn delete_where(
    log: &mut Log,
    reason: RetentionReason,
    mut predicate: impl FnMut(&crate::segment::Segment) -> bool,
) -> Option<Deleted> {
    let hw = log.high_watermark();
    let leo = log.log_end_offset();
    let segs = &log.segments;
    let mut n = 0;
    for (i, s) in segs.list.iter().enumerate() {
        let upper = segs.end_of(i, leo);
        let last_and_empty = i + 1 == segs.list.len() && s.bytes == 0;
        if hw >= upper && predicate(s) && !last_and_empty {
            n += 1;
        } else {
            break;
        }
    }
    if n == 0 {
        return None;
    }
    let segments = segs.list[..n].iter().map(|s| s.base_offset).collect();
    let (records, bytes) = log.delete_first_segments(n);
    Some(Deleted {
        reason,
        segments,
        records,
        bytes,
        log_start_offset: log.log_start_offset(),
    })
}

/// The broker's log cleaner thread and retention task (Kafka: `LogCleaner.CleanerThread` and
/// `LogManager.cleanupLogs`).
impl crate::replication::Broker {
    /// One pass of `CleanerThread.tryCleanFilthiestLog`: clean the dirtiest compacted log
    /// (`LogCleanerManager.grabFilthiestCompactedLog`), then apply retention to the
    /// `compact,delete` logs (`deletableLogs`). With nothing to clean the thread sleeps
    /// `log.cleaner.backoff.ms`; after a cleaning it looks again at once (next tick).
    pub(crate) fn run_log_cleaner(
        &mut self,
        ctx: &mut crate::network::Ctx,
        settings: &crate::config::BrokerSettings,
    ) {
        let now = ctx.now;
        let now_ms = now.0 * crate::config::MS_PER_TICK;
        let mut filthiest: Option<(crate::ids::TopicPartition, u64)> = None;
        for (tp, p) in &self.partitions {
            let cfg = &p.log.segments.config;
            if !cfg.compact {
                continue;
            }
            let ltc = log_to_clean(&p.log, now_ms);
            let ratio = ltc.cleanable_ratio();
            if ltc.should_clean(cfg.min_cleanable_dirty_ratio)
                && filthiest.as_ref().is_none_or(|(_, best)| ratio > *best)
            {
                filthiest = Some((tp.clone(), ratio));
            }
        }
        let cleaned = filthiest.is_some();
        if let Some((tp, _)) = filthiest {
            if let Some(p) = self.partitions.get_mut(&tp) {
                let r = clean(&mut p.log, now_ms);
                ctx.emit(crate::events::EventKind::LogCleaned {
                    broker: self.id,
                    tp,
                    dirty_ratio: r.dirty_ratio,
                    first_dirty_offset: r.first_dirty_offset,
                    end_offset: r.end_offset,
                    records_removed: r.records_removed,
                    tombstones_removed: r.tombstones_removed,
                    bytes_before: r.bytes_before,
                    bytes_after: r.bytes_after,
                });
            }
        }
        self.delete_old_segments_where(ctx, |c| c.compact && c.delete);
        self.next_cleaner_run_at = if cleaned {
            crate::ids::Tick(now.0 + 1)
        } else {
            crate::ids::Tick(now.0 + settings.log_cleaner_backoff_ticks.max(1))
        };
    }

    /// Kafka: `LogManager.cleanupLogs` — retention for the logs the cleaner does not own (not
    /// compacted), every `log.retention.check.interval.ms`.
    pub(crate) fn cleanup_logs(&mut self, ctx: &mut crate::network::Ctx) {
        self.delete_old_segments_where(ctx, |c| !c.compact);
    }

    fn delete_old_segments_where(
        &mut self,
        ctx: &mut crate::network::Ctx,
        which: impl Fn(&crate::segment::LogConfig) -> bool,
    ) {
        let now_ms = ctx.now.0 * crate::config::MS_PER_TICK;
        let me = self.id;
        for (tp, p) in self.partitions.iter_mut() {
            if !which(&p.log.segments.config) {
                continue;
            }
            for d in delete_old_segments(&mut p.log, now_ms) {
                ctx.emit(crate::events::EventKind::SegmentsDeleted {
                    broker: me,
                    tp: tp.clone(),
                    reason: d.reason,
                    segments: d.segments,
                    records: d.records,
                    bytes: d.bytes,
                    log_start_offset: d.log_start_offset,
                });
            }
        }
    }
}
