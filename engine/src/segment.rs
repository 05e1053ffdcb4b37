//! A replica log's segments: where the log is cut into files, which one is active, and the
//! topic's log config that decides when to roll, what to delete and what to compact.
//!
//! Kafka: `LogSegment` / `LogSegments` / `LocalLog` (roll, truncate, delete) and `LogConfig`.
//! Kafka keeps one file per segment; the simulation keeps every record in one [`Records`] store
//! and tracks here where each segment begins and what it holds. Offsets are never rewritten:
//! compaction removes records and leaves gaps, retention removes whole segments and moves the
//! log start offset; a segment's base offset never changes.
//!
//! Two simplifications, both documented in docs/engine.md:
//! - A record's timestamp is the leader's clock when it appended the batch (Kafka's
//!   `message.timestamp.type=LogAppendTime`); followers keep the leader's timestamps.
//! - The roll check runs record by record (Kafka checks per appended batch set), and a segment's
//!   size counts its records' `DefaultRecord.sizeInBytes`, not batch headers. So every replica
//!   cuts its log at the same offsets, which makes the segments easy to compare across replicas.
//!
//! [`Records`]: crate::log::Records

use crate::config::{ConfigScope, Configs};
use crate::ids::Offset;
use crate::log::{Log, Record};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A record timestamp from simulated milliseconds (saturating at 49 days, see `Record`).
pub fn timestamp_from_ms(ms: u64) -> u32 {
    ms.min(u32::MAX as u64) as u32
}

/// A ratio in millionths (`min.cleanable.dirty.ratio` = 0.5 is 500000): integer maths, no floats
/// in the engine's decisions.
pub const RATIO_ONE: u64 = 1_000_000;

/// Parses a validated ratio between 0 and 1 (e.g. `0.5`, `1`, `0.01`) into millionths.
pub fn parse_ratio(v: &str) -> Option<u64> {
    let v = v.trim();
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let int: u64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    if !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut micro = 0u64;
    for (i, c) in frac.chars().take(6).enumerate() {
        micro += (c as u64 - '0' as u64) * 10u64.pow(5 - i as u32);
    }
    int.checked_mul(RATIO_ONE)?.checked_add(micro)
}

/// Formats millionths as a decimal with two places (`500000` → `0.50`).
pub fn format_ratio(ppm: u64) -> String {
    let hundredths = (ppm + 5_000) / 10_000;
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

/// The topic configs that shape a log, resolved against the broker's `log.*` defaults
/// (Kafka: `LogConfig.fromProps(defaults, overrides)`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogConfig {
    /// `cleanup.policy` contains `compact`.
    pub compact: bool,
    /// `cleanup.policy` contains `delete`.
    pub delete: bool,
    /// `segment.bytes`.
    pub segment_bytes: u64,
    /// `segment.ms`.
    pub segment_ms: u64,
    /// `retention.ms` (-1: no time limit).
    pub retention_ms: i64,
    /// `retention.bytes` (-1: no size limit).
    pub retention_bytes: i64,
    /// `min.cleanable.dirty.ratio`, in millionths.
    pub min_cleanable_dirty_ratio: u64,
    /// `delete.retention.ms`.
    pub delete_retention_ms: u64,
    /// `min.compaction.lag.ms`.
    pub min_compaction_lag_ms: u64,
    /// `max.compaction.lag.ms`.
    pub max_compaction_lag_ms: u64,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig::resolve(&Configs::default(), &BTreeMap::new())
    }
}

/// Topic config key → the broker default it falls back to (Kafka: `LogConfig.TopicConfigSynonyms`).
pub const LOG_CONFIG_SYNONYMS: &[(&str, &str)] = &[
    ("cleanup.policy", "log.cleanup.policy"),
    ("segment.bytes", "log.segment.bytes"),
    ("segment.ms", "log.roll.ms"),
    ("retention.ms", "log.retention.ms"),
    ("retention.bytes", "log.retention.bytes"),
    (
        "min.cleanable.dirty.ratio",
        "log.cleaner.min.cleanable.ratio",
    ),
    ("delete.retention.ms", "log.cleaner.delete.retention.ms"),
    ("min.compaction.lag.ms", "log.cleaner.min.compaction.lag.ms"),
    ("max.compaction.lag.ms", "log.cleaner.max.compaction.lag.ms"),
];

impl LogConfig {
    /// The topic's overrides (only the log keys of [`LOG_CONFIG_SYNONYMS`]) over the broker's
    /// `log.*` settings (their defaults when not set).
    pub fn resolve(broker: &Configs, topic: &BTreeMap<String, String>) -> LogConfig {
        let get = |key: &str| -> String {
            topic.get(key).cloned().unwrap_or_else(|| {
                let synonym = LOG_CONFIG_SYNONYMS
                    .iter()
                    .find(|(t, _)| *t == key)
                    .map_or(key, |(_, b)| b);
                broker.get(ConfigScope::Broker, synonym)
            })
        };
        let int = |key: &str| get(key).parse::<i64>().unwrap_or(0);
        let policy = get("cleanup.policy");
        LogConfig {
            compact: policy.split(',').any(|p| p.trim() == "compact"),
            delete: policy.split(',').any(|p| p.trim() == "delete"),
            segment_bytes: int("segment.bytes").max(1) as u64,
            segment_ms: int("segment.ms").max(1) as u64,
            retention_ms: int("retention.ms"),
            retention_bytes: int("retention.bytes"),
            min_cleanable_dirty_ratio: parse_ratio(&get("min.cleanable.dirty.ratio"))
                .unwrap_or(RATIO_ONE / 2),
            delete_retention_ms: int("delete.retention.ms").max(0) as u64,
            min_compaction_lag_ms: int("min.compaction.lag.ms").max(0) as u64,
            max_compaction_lag_ms: int("max.compaction.lag.ms").max(0) as u64,
        }
    }

    /// The overrides of a topic's configs that shape its log, for `PartitionState`.
    pub fn overrides_of(topic: &Configs) -> BTreeMap<String, String> {
        topic
            .overrides
            .iter()
            .filter(|(k, _)| LOG_CONFIG_SYNONYMS.iter().any(|(t, _)| t == k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// Kafka: `LogConfig.maxSegmentMs` — a compacted log also rolls by `max.compaction.lag.ms`,
    /// so that the active segment (never cleaned) does not hold records past that lag.
    pub fn max_segment_ms(&self) -> u64 {
        if self.compact && self.max_compaction_lag_ms > 0 {
            self.segment_ms.min(self.max_compaction_lag_ms)
        } else {
            self.segment_ms
        }
    }
}

/// One segment of a replica's log (Kafka: `LogSegment`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    /// The offset the segment starts at (its file name in Kafka); never changes.
    pub base_offset: Offset,
    /// Bytes of the records it still holds.
    pub bytes: u64,
    /// How many records it still holds.
    pub records: u64,
    /// The timestamp of its first record (Kafka: `rollingBasedTimestamp`, the first batch's).
    pub first_timestamp: Option<u32>,
    /// Its largest record timestamp (Kafka: `LogSegment.largestTimestamp`); time retention
    /// compares it with `retention.ms`.
    pub max_timestamp: u32,
    /// Whether the log cleaner has rewritten it.
    pub cleaned: bool,
    /// When the tombstones it holds may be removed (KIP-534: set to now + `delete.retention.ms`
    /// the first time the cleaner keeps them; Kafka keeps it in each batch header).
    pub delete_horizon_ms: Option<u64>,
}

impl Segment {
    fn new(base_offset: Offset) -> Self {
        Segment {
            base_offset,
            bytes: 0,
            records: 0,
            first_timestamp: None,
            max_timestamp: 0,
            cleaned: false,
            delete_horizon_ms: None,
        }
    }

    fn add(&mut self, r: &Record) {
        self.add_sized(r, r.size_in_bytes());
    }

    fn add_sized(&mut self, r: &Record, size: u64) {
        self.bytes += size;
        self.records += 1;
        self.first_timestamp.get_or_insert(r.timestamp);
        self.max_timestamp = self.max_timestamp.max(r.timestamp);
    }
}

/// A log's segments (the last one is the active segment), its log start offset and the log
/// cleaner's checkpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segments {
    /// In offset order, never empty; the last is the active segment.
    pub list: Vec<Segment>,
    /// Kafka: `UnifiedLog.logStartOffset`.
    pub log_start_offset: Offset,
    /// The first dirty offset: where the last cleaning ended (Kafka keeps it in the log dir's
    /// `cleaner-offset-checkpoint` file, so it survives a restart).
    pub cleaner_checkpoint: Option<Offset>,
    /// The topic's log config, as this broker resolved it.
    pub config: LogConfig,
    /// Base offsets of segments rolled since the broker last looked (for `SegmentRolled` events).
    #[serde(skip)]
    rolled: Vec<(Offset, u64)>,
}

impl Default for Segments {
    fn default() -> Self {
        Segments {
            list: vec![Segment::new(Offset(0))],
            log_start_offset: Offset(0),
            cleaner_checkpoint: None,
            config: LogConfig::default(),
            rolled: vec![],
        }
    }
}

impl Segments {
    /// The segment being written to.
    pub fn active(&self) -> &Segment {
        self.list
            .last()
            .expect("a log always has an active segment")
    }

    /// The offset where segment `i` ends (the next segment's base, or the log end).
    pub fn end_of(&self, i: usize, log_end: Offset) -> Offset {
        self.list.get(i + 1).map_or(log_end, |s| s.base_offset)
    }

    /// Bytes of all segments (Kafka: `UnifiedLog.size`).
    pub fn total_bytes(&self) -> u64 {
        self.list.iter().map(|s| s.bytes).sum()
    }

    /// The index of the segment holding `offset` (Kafka: `segments.floorSegment`).
    pub fn floor(&self, offset: Offset) -> usize {
        self.list
            .partition_point(|s| s.base_offset <= offset)
            .saturating_sub(1)
    }

    /// (new segment's base offset, bytes of the segment it closed) for each roll since the last
    /// call.
    pub fn take_rolled(&mut self) -> Vec<(Offset, u64)> {
        std::mem::take(&mut self.rolled)
    }

    /// Kafka: `LogSegment.shouldRoll` — the active segment is full (`segment.bytes`) or its
    /// first record is older than `segment.ms` (`rollJitterMs` = 0) compared with the new one.
    fn should_roll(&self, r: &Record, size: u64) -> bool {
        let a = self.active();
        if a.records == 0 {
            return false;
        }
        let full = a.bytes + size > self.config.segment_bytes;
        let waited = a
            .first_timestamp
            .map_or(0, |t| r.timestamp.saturating_sub(t) as u64);
        full || waited > self.config.max_segment_ms()
    }

    /// Kafka: `LocalLog.roll` — a new, empty active segment at `base` (the log end).
    fn roll(&mut self, base: Offset) {
        let closed = self.active().bytes;
        self.list.push(Segment::new(base));
        self.rolled.push((base, closed));
    }
}

/// Segment bookkeeping of [`Log`]'s appends, truncation and deletions.
impl Log {
    /// Appends one record, rolling the active segment first if it is full or old.
    pub(crate) fn push_record(&mut self, r: Record) {
        let size = r.size_in_bytes();
        if self.segments.should_roll(&r, size) {
            self.segments.roll(r.offset);
        }
        let active = self.segments.list.last_mut().expect("active segment");
        active.add_sized(&r, size);
        self.records.push(r);
    }

    /// Kafka: `LocalLog.truncateTo` — drops the segments at or after `offset` and recounts the
    /// one holding it; `LogCleanerManager.maybeTruncateCheckpoint` moves the checkpoint back.
    pub(crate) fn on_truncate(&mut self, offset: Offset) {
        let segs = &mut self.segments;
        segs.list.retain(|s| s.base_offset < offset);
        if segs.list.is_empty() || offset < segs.log_start_offset {
            // Kafka: `truncateFullyAndStartAt` when the target is below the log start.
            segs.list = vec![Segment::new(offset)];
            segs.log_start_offset = segs.log_start_offset.min(offset);
        }
        if segs.cleaner_checkpoint.is_some_and(|c| c > offset) {
            segs.cleaner_checkpoint = Some(offset);
        }
        let last = segs.list.len() - 1;
        self.recount_segment(last);
    }

    /// Kafka: `UnifiedLog.truncateFullyAndStartAt` — a follower below the leader's log start
    /// offset throws its log away and continues at the leader's start.
    pub fn truncate_fully_and_start_at(&mut self, offset: Offset) -> u64 {
        let removed = self.records.len() as u64;
        self.records.retain(|_| false);
        self.records.set_end(offset.0);
        self.segments.list = vec![Segment::new(offset)];
        self.segments.log_start_offset = offset;
        self.segments.cleaner_checkpoint = None;
        self.reset_producer_state();
        // Kafka: `leaderEpochCache.clearAndFlush()`; the HW moves to the new start.
        self.epochs = Default::default();
        self.high_watermark = offset;
        removed
    }

    /// Recomputes segment `i`'s size and timestamps from the records it holds.
    pub(crate) fn recount_segment(&mut self, i: usize) {
        let end = self.segments.end_of(i, self.log_end_offset());
        let base = self.segments.list[i].base_offset;
        let mut fresh = Segment::new(base);
        for r in self
            .records
            .iter_from(base.0 as usize)
            .take_while(|r| r.offset < end)
        {
            fresh.add(r);
        }
        let s = &mut self.segments.list[i];
        fresh.cleaned = s.cleaned;
        fresh.delete_horizon_ms = s.delete_horizon_ms;
        *s = fresh;
    }

    /// Kafka: `UnifiedLog.maybeIncrementLogStartOffset` — a follower follows its leader's log
    /// start (never above its own high watermark). Returns whether it moved.
    pub fn maybe_increment_log_start_offset(&mut self, offset: Offset) -> bool {
        let offset = offset.min(self.high_watermark());
        if offset > self.segments.log_start_offset {
            self.segments.log_start_offset = offset;
            true
        } else {
            false
        }
    }

    /// Kafka: `UnifiedLog.deleteSegments` — removes the first `n` segments; deleting every
    /// segment rolls a new empty one first (a log always has one). The log start offset moves to
    /// the first remaining segment. Returns (records, bytes) removed.
    pub(crate) fn delete_first_segments(&mut self, n: usize) -> (u64, u64) {
        if n == 0 {
            return (0, 0);
        }
        if n >= self.segments.list.len() {
            let leo = self.log_end_offset();
            self.segments.roll(leo);
        }
        let bytes: u64 = self.segments.list[..n].iter().map(|s| s.bytes).sum();
        self.segments.list.drain(..n);
        let start = self.segments.list[0].base_offset;
        let removed = self.records.retain(|r| r.offset >= start) as u64;
        self.segments.log_start_offset = self.segments.log_start_offset.max(start);
        (removed, bytes)
    }
}
