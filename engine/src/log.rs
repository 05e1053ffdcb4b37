//! One replica's partition log with its leader-epoch cache and high watermark.
//!
//! Kafka: `UnifiedLog` (append, truncate, high watermark) and
//! `LeaderEpochFileCache` (`assign`, `endOffsetFor`, `truncateFromEnd`).

use crate::ids::{LeaderEpoch, Offset, ProduceId};
use crate::leader_epoch::LeaderEpochCache;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

/// The idempotent-producer fields of a record's batch (`producerId`, `producerEpoch`,
/// `baseSequence` in the record batch header), per record here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProducerStamp {
    pub producer_id: u64,
    pub producer_epoch: u16,
    /// This record's sequence number (the batch's base sequence + its index).
    pub sequence: i32,
    /// The offset of the first record of its batch: batch boundaries survive replication.
    pub batch_base: Offset,
    /// Idempotent, transactional, or a transaction marker (the batch header's `isTransactional`
    /// and `isControl` attributes).
    #[serde(default)]
    pub kind: BatchKind,
}

/// The attributes of a producer's batch: a plain idempotent batch, a batch inside a transaction,
/// or a control batch holding one COMMIT or ABORT marker (Kafka: `RecordBatch.isTransactional`,
/// `isControlBatch`, `ControlRecordType`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchKind {
    #[default]
    Idempotent,
    Transactional,
    /// A COMMIT control record (transaction marker).
    Commit,
    /// An ABORT control record (transaction marker).
    Abort,
}

impl BatchKind {
    /// A control record (a transaction marker): it takes an offset but is never returned to
    /// an application.
    pub fn is_control(self) -> bool {
        matches!(self, BatchKind::Commit | BatchKind::Abort)
    }
}

/// One entry of the aborted-transaction index (Kafka: `AbortedTxn` in the `.txnindex` file):
/// the producer, the first offset of its aborted transaction on this partition and the offset
/// of the ABORT marker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AbortedTxn {
    pub producer_id: u64,
    pub first_offset: Offset,
    pub last_offset: Offset,
}

/// A transaction whose marker is in the log but not yet below the high watermark (Kafka:
/// `ProducerStateManager.unreplicatedTxns`): it still holds the last stable offset back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompletedTxn {
    pub producer_id: u64,
    pub first_offset: Offset,
    pub last_offset: Offset,
    pub aborted: bool,
}

/// Kafka: `DefaultRecordBatch.incrementSequence` — sequences wrap from Integer.MAX_VALUE to 0.
pub fn increment_sequence(sequence: i32, increment: i32) -> i32 {
    if sequence > i32::MAX - increment {
        increment - (i32::MAX - sequence) - 1
    } else {
        sequence + increment
    }
}

/// Kafka: `ProducerStateEntry.NUM_BATCHES_TO_RETAIN` — the broker remembers this many batches
/// per producer to recognise duplicates.
pub const NUM_BATCHES_TO_RETAIN: usize = 5;

/// One remembered batch (Kafka: `BatchMetadata`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchMetadata {
    pub first_seq: i32,
    pub last_seq: i32,
    pub first_offset: Offset,
    pub last_offset: Offset,
}

/// What the log knows about one producer id (Kafka: `ProducerStateEntry`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProducerStateEntry {
    pub producer_epoch: u16,
    pub batches: VecDeque<BatchMetadata>,
}

impl ProducerStateEntry {
    pub fn last_seq(&self) -> Option<i32> {
        self.batches.back().map(|b| b.last_seq)
    }

    fn add(&mut self, epoch: u16, b: BatchMetadata) {
        if epoch != self.producer_epoch {
            self.producer_epoch = epoch;
            self.batches.clear();
        }
        self.batches.push_back(b);
        while self.batches.len() > NUM_BATCHES_TO_RETAIN {
            self.batches.pop_front();
        }
    }
}

/// The result of checking an idempotent batch against the producer state (Kafka:
/// `UnifiedLog.analyzeAndValidateProducerState`, `ProducerAppendInfo.checkProducerEpoch` /
/// `checkSequence`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SequenceCheck {
    /// Append it.
    Append,
    /// A retry of a batch already in the log: answer with its original offsets, append nothing.
    Duplicate(BatchMetadata),
    /// `INVALID_PRODUCER_EPOCH` or `OUT_OF_ORDER_SEQUENCE_NUMBER`, with Kafka's message.
    Reject(crate::errors::KafkaError, String),
}

/// One record as stored in the log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub offset: Offset,
    /// The leader epoch of the batch (`partitionLeaderEpoch` in the record batch header).
    pub leader_epoch: LeaderEpoch,
    /// The record's timestamp in simulated ms: the leader's clock when it appended the batch
    /// (Kafka's `LogAppendTime`; see `crate::segment`). Segment rolling, time retention and the
    /// compaction lags read it. A `u32` (49 days of simulated time) keeps `Record` at 96 bytes.
    #[serde(default)]
    pub timestamp: u32,
    /// Key and value are shared, not copied, as the record moves from producer to leader to
    /// followers (the simulation's stand-in for Kafka's zero-copy of record batches).
    pub key: Option<Arc<str>>,
    /// `None` is a null value: a tombstone, which tells the log cleaner to delete the key.
    pub value: Option<Arc<str>>,
    /// Which produce call wrote it; lets tests and lessons trace a record end to end.
    pub produce_id: Option<ProduceId>,
    /// Set for records of an idempotent producer.
    #[serde(default)]
    pub producer: Option<ProducerStamp>,
}

impl Record {
    /// Its size in the log (Kafka: `DefaultRecord.sizeInBytes`, offset delta 0): what segments
    /// count against `segment.bytes` and `retention.bytes`.
    pub fn size_in_bytes(&self) -> u64 {
        crate::producer::record_size(0, self.key.as_deref(), self.value.as_deref())
    }

    /// Whether this is a tombstone (a key with a null value).
    pub fn is_tombstone(&self) -> bool {
        self.value.is_none()
    }
}

/// Records per chunk of a [`Records`] store.
const CHUNK: usize = 4096;

/// A log's records, kept in chunks of [`CHUNK`] so that a growing log never copies the records
/// it already has (the in-memory stand-in for Kafka's list of segment files). Every chunk but
/// the last is full, so equal logs are chunked alike.
///
/// Offsets are never rewritten: retention drops a prefix and compaction drops records in the
/// middle, leaving gaps. While there are no gaps (`dense`), the record at offset `o` sits at
/// position `o - first offset`; with gaps a lookup is a binary search.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Records {
    chunks: Vec<Vec<Record>>,
    len: usize,
    /// The offset the next record gets (the log end offset), also when the tail is empty.
    #[serde(default)]
    end: u64,
    /// Whether some offset between the first record and the end has no record.
    #[serde(default)]
    gaps: bool,
}

impl Records {
    /// How many records are stored (with gaps, fewer than the offsets they span).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the log has no records.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The offset the next record gets.
    pub fn end_offset(&self) -> u64 {
        self.end
    }

    /// The record at position `i` (0 = the oldest stored record).
    pub fn at(&self, i: usize) -> Option<&Record> {
        self.chunks.get(i / CHUNK)?.get(i % CHUNK)
    }

    /// The position of the first record at or after `offset` (`len` if none).
    pub fn position(&self, offset: u64) -> usize {
        let Some(first) = self.at(0).map(|r| r.offset.0) else {
            return 0;
        };
        if offset <= first {
            return 0;
        }
        if !self.gaps {
            return ((offset - first) as usize).min(self.len);
        }
        // The first chunk whose last record is at or after `offset`, then inside it.
        let k = self
            .chunks
            .partition_point(|c| c.last().is_some_and(|r| r.offset.0 < offset));
        match self.chunks.get(k) {
            Some(c) => k * CHUNK + c.partition_point(|r| r.offset.0 < offset),
            None => self.len,
        }
    }

    /// The record with offset `offset`, if the log has it.
    pub fn get(&self, offset: usize) -> Option<&Record> {
        self.at(self.position(offset as u64))
            .filter(|r| r.offset.0 == offset as u64)
    }

    pub(crate) fn push(&mut self, r: Record) {
        if self.len > 0 && r.offset.0 != self.end {
            self.gaps = true; // a follower copying a compacted log
        }
        self.end = r.offset.0 + 1;
        match self.chunks.last_mut() {
            Some(c) if c.len() < CHUNK => c.push(r),
            // The first chunk grows as needed (most logs stay small); a log that filled one
            // chunk is long-lived, so later chunks are allocated whole (no regrowth copies).
            Some(_) => {
                let mut c = Vec::with_capacity(CHUNK);
                c.push(r);
                self.chunks.push(c);
            }
            None => self.chunks.push(vec![r]),
        }
        self.len += 1;
    }

    /// Keeps the records below `offset`; the log end becomes `offset`.
    fn truncate(&mut self, offset: u64) {
        let n = self.position(offset);
        self.end = offset.min(self.end);
        if n >= self.len {
            return;
        }
        self.chunks.truncate(n.div_ceil(CHUNK));
        if let Some(last) = self.chunks.last_mut() {
            last.truncate(n - (n.div_ceil(CHUNK) - 1) * CHUNK);
        }
        self.len = n;
    }

    /// Keeps only the records `keep` says yes to (the log end stays), re-chunking so that every
    /// chunk but the last is full again. Returns how many were removed. Compaction and retention
    /// call it rarely; it moves records, it does not clone them.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&Record) -> bool) -> usize {
        let before = self.len;
        let old = std::mem::take(&mut self.chunks);
        let (end, gaps) = (self.end, self.gaps);
        self.len = 0;
        let mut first: Option<u64> = None;
        let mut removed_inside = false;
        for r in old.into_iter().flatten() {
            if keep(&r) {
                first.get_or_insert(r.offset.0);
                self.push(r);
            } else if first.is_some() {
                removed_inside = true;
            }
        }
        self.end = end;
        // Removing a prefix keeps a dense log dense; removing anything after the first kept
        // record leaves a gap (and a removed tail is one too unless a truncation follows).
        self.gaps = gaps || removed_inside;
        before - self.len
    }

    /// Moves the log end (after every record) without a record, for
    /// `Log::truncate_fully_and_start_at`.
    pub(crate) fn set_end(&mut self, end: u64) {
        debug_assert!(self
            .at(self.len.wrapping_sub(1))
            .is_none_or(|r| r.offset.0 < end));
        self.end = end;
    }

    /// The records from offset `start` on, in order.
    pub fn iter_from(&self, start: usize) -> impl Iterator<Item = &Record> + '_ {
        self.iter_from_position(self.position(start as u64))
    }

    /// The records from position `start` on, in order.
    pub fn iter_from_position(&self, start: usize) -> impl Iterator<Item = &Record> + '_ {
        let start = start.min(self.len);
        self.chunks
            .iter()
            .skip(start / CHUNK)
            .enumerate()
            .flat_map(move |(k, c)| c.iter().skip(if k == 0 { start % CHUNK } else { 0 }))
    }

    /// Every record, in offset order.
    pub fn iter(&self) -> impl Iterator<Item = &Record> + '_ {
        self.chunks.iter().flatten()
    }
}

impl std::ops::Index<usize> for Records {
    type Output = Record;
    /// The record at position `i` (equal to its offset while the log starts at 0 with no gaps).
    fn index(&self, i: usize) -> &Record {
        &self.chunks[i / CHUNK][i % CHUNK]
    }
}

/// A replica's log.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Log {
    pub(crate) records: Records,
    /// The leader-epoch checkpoint.
    pub(crate) epochs: LeaderEpochCache,
    pub(crate) high_watermark: Offset,
    /// Producer state rebuilt from the log (Kafka: `ProducerStateManager`).
    producers: BTreeMap<u64, ProducerStateEntry>,
    /// Open transactions: producer id → the offset of its first record in this partition
    /// (Kafka: `ProducerStateManager.ongoingTxns`).
    #[serde(default)]
    ongoing_txns: BTreeMap<u64, Offset>,
    /// Completed transactions whose marker is not yet below the HW (`unreplicatedTxns`).
    #[serde(default)]
    unreplicated_txns: Vec<CompletedTxn>,
    /// The aborted-transaction index (`TransactionIndex`), in marker order.
    #[serde(default)]
    aborted_txns: Vec<AbortedTxn>,
    /// Segments, log start offset, cleaner checkpoint and the topic's log config.
    #[serde(default)]
    pub segments: crate::segment::Segments,
}

/// A record to append as leader.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRecord {
    pub key: Option<Arc<str>>,
    /// `None`: a tombstone (null value).
    pub value: Option<Arc<str>>,
    pub produce_id: Option<ProduceId>,
}

impl Log {
    /// The log end offset: the offset the next record will get.
    pub fn log_end_offset(&self) -> Offset {
        Offset(self.records.end_offset())
    }

    /// The first offset a fetch may ask for (Kafka: `UnifiedLog.logStartOffset`); retention moves
    /// it forward.
    pub fn log_start_offset(&self) -> Offset {
        self.segments.log_start_offset
    }

    pub fn high_watermark(&self) -> Offset {
        self.high_watermark
    }

    pub fn records(&self) -> &Records {
        &self.records
    }

    /// (epoch, start offset) pairs of the leader-epoch cache.
    pub fn epochs(&self) -> Vec<(LeaderEpoch, Offset)> {
        self.epochs
            .entries()
            .iter()
            .map(|e| (e.epoch, e.start_offset))
            .collect()
    }

    /// The latest leader epoch in the cache.
    pub fn latest_epoch(&self) -> Option<LeaderEpoch> {
        self.epochs.latest_epoch()
    }

    /// Records from `from` (inclusive) below `below`, at most `max` (a consumer reads below the
    /// high watermark; with compaction gaps the offsets span more than the records).
    pub fn read_below(&self, from: Offset, below: Offset, max: usize) -> Vec<Record> {
        self.records
            .iter_from(from.0 as usize)
            .take_while(|r| r.offset < below)
            .take(max)
            .cloned()
            .collect()
    }

    /// Records from `from` (inclusive), at most `max`.
    pub fn read(&self, from: Offset, max: usize) -> Vec<Record> {
        self.records
            .iter_from(from.0 as usize)
            .take(max)
            .cloned()
            .collect()
    }

    /// Records from `from` (inclusive) up to `max_bytes`, but always at least one record when
    /// there is one (Kafka: `replica.fetch.max.bytes` is a soft limit — the first batch is
    /// returned even if it is larger, so a fetch always makes progress). A record counts its
    /// `DefaultRecord.sizeInBytes`; the read counts one record-batch header. The log does not
    /// keep batch boundaries for every record, so this is the size to within a few header bytes
    /// per batch.
    pub fn read_bytes(&self, from: Offset, max_bytes: u64) -> Vec<Record> {
        let mut bytes = crate::producer::RECORD_BATCH_OVERHEAD;
        let mut out = Vec::new();
        for r in self.records.iter_from(from.0 as usize) {
            let size = r.size_in_bytes();
            if !out.is_empty() && bytes + size > max_bytes {
                break;
            }
            bytes += size;
            out.push(r.clone());
        }
        out
    }

    /// The producer state (for views and tests).
    pub fn producers(&self) -> &BTreeMap<u64, ProducerStateEntry> {
        &self.producers
    }

    /// Checks an idempotent batch (`producer_id`, `epoch`, sequences `first_seq..=last_seq`)
    /// before append. Kafka: `UnifiedLog.analyzeAndValidateProducerState` — duplicates first
    /// (`ProducerStateEntry.findDuplicateBatch`), then `ProducerAppendInfo.checkProducerEpoch` and
    /// `checkSequence`.
    pub fn check_sequence(
        &self,
        tp: &crate::ids::TopicPartition,
        producer_id: u64,
        epoch: u16,
        first_seq: i32,
        last_seq: i32,
    ) -> SequenceCheck {
        use crate::errors::KafkaError;
        let Some(entry) = self.producers.get(&producer_id) else {
            // Kafka 2.5+ (KIP-360): a producer this partition has no state for may start at any
            // sequence (its state may have expired or been truncated away).
            return SequenceCheck::Append;
        };
        if epoch == entry.producer_epoch {
            if let Some(d) = entry
                .batches
                .iter()
                .find(|b| b.first_seq == first_seq && b.last_seq == last_seq)
            {
                return SequenceCheck::Duplicate(*d);
            }
        }
        if epoch < entry.producer_epoch {
            return SequenceCheck::Reject(
                KafkaError::InvalidProducerEpoch,
                format!("Epoch of producer {producer_id} at offset {} in {tp} is {epoch}, which is smaller than the last seen epoch {}", self.log_end_offset().0, entry.producer_epoch),
            );
        }
        if epoch > entry.producer_epoch {
            // A bumped epoch starts its sequences again at 0.
            if first_seq != 0 {
                return SequenceCheck::Reject(
                    KafkaError::OutOfOrderSequenceNumber,
                    format!("Invalid sequence number for new epoch of producer {producer_id} at offset {} in partition {tp}: {epoch} (request epoch), {first_seq} (seq. number), {} (current producer epoch)", self.log_end_offset().0, entry.producer_epoch),
                );
            }
            return SequenceCheck::Append;
        }
        let current = entry.last_seq().unwrap_or(-1);
        // Kafka: `inSequence` — the next sequence, wrapping at Integer.MAX_VALUE.
        let expected = if current == i32::MAX { 0 } else { current + 1 };
        if first_seq != expected {
            return SequenceCheck::Reject(
                KafkaError::OutOfOrderSequenceNumber,
                format!("Out of order sequence number for producer {producer_id} at offset {} in partition {tp}: {first_seq} (incoming seq. number), {current} (current end sequence number)", self.log_end_offset().0),
            );
        }
        SequenceCheck::Append
    }

    /// Appends a batch as leader in `epoch` and returns its base offset
    /// (`UnifiedLog.appendAsLeader`). `producer` = (id, epoch, base sequence) for an idempotent
    /// producer.
    pub fn append_batch_as_leader(
        &mut self,
        epoch: LeaderEpoch,
        records: Vec<NewRecord>,
        producer: Option<(u64, u16, i32)>,
        now_ms: u64,
    ) -> Offset {
        self.append_batch_of_kind(epoch, records, producer, BatchKind::Idempotent, now_ms)
    }

    /// Appends a batch as leader with its attributes: a transactional batch opens (or continues)
    /// its producer's transaction on this partition.
    pub fn append_batch_of_kind(
        &mut self,
        epoch: LeaderEpoch,
        records: Vec<NewRecord>,
        producer: Option<(u64, u16, i32)>,
        kind: BatchKind,
        now_ms: u64,
    ) -> Offset {
        let timestamp = crate::segment::timestamp_from_ms(now_ms);
        let base = self.log_end_offset();
        self.assign_epoch(epoch, base);
        for (i, r) in records.into_iter().enumerate() {
            let offset = self.log_end_offset();
            let stamp = producer.map(|(id, e, seq)| ProducerStamp {
                producer_id: id,
                producer_epoch: e,
                sequence: increment_sequence(seq, i as i32),
                batch_base: base,
                kind,
            });
            self.push_record(Record {
                offset,
                leader_epoch: epoch,
                timestamp,
                key: r.key,
                value: r.value,
                produce_id: r.produce_id,
                producer: stamp,
            });
        }
        let from = self.records.position(base.0);
        self.update_producer_state(from);
        base
    }

    /// Appends a transaction marker as leader (Kafka: `UnifiedLog.appendAsLeader` with
    /// `AppendOrigin.COORDINATOR`, `ProducerAppendInfo.appendEndTxnMarker`): one control record
    /// with the producer's id and epoch. A marker from an older epoch than the partition has
    /// seen is refused with `INVALID_PRODUCER_EPOCH`.
    pub fn append_control(
        &mut self,
        epoch: LeaderEpoch,
        producer_id: u64,
        producer_epoch: u16,
        commit: bool,
        now_ms: u64,
    ) -> Result<Offset, (crate::errors::KafkaError, String)> {
        if let Some(e) = self.producers.get(&producer_id) {
            if producer_epoch < e.producer_epoch {
                return Err((
                    crate::errors::KafkaError::InvalidProducerEpoch,
                    format!("Producer's epoch at offset {} is {producer_epoch}, which is smaller than the last seen epoch {}", self.log_end_offset().0, e.producer_epoch),
                ));
            }
        }
        let offset = self.log_end_offset();
        self.assign_epoch(epoch, offset);
        let kind = if commit {
            BatchKind::Commit
        } else {
            BatchKind::Abort
        };
        self.push_record(Record {
            offset,
            leader_epoch: epoch,
            timestamp: crate::segment::timestamp_from_ms(now_ms),
            key: None,
            value: Some(Arc::from(if commit { "COMMIT" } else { "ABORT" })),
            produce_id: None,
            producer: Some(ProducerStamp {
                producer_id,
                producer_epoch,
                sequence: -1,
                batch_base: offset,
                kind,
            }),
        });
        let from = self.records.position(offset.0);
        self.update_producer_state(from);
        Ok(offset)
    }

    /// Kafka: `ProducerStateManager.update` for the transaction part — a transactional record
    /// opens its producer's transaction here (first offset), a marker completes it (an ABORT
    /// goes to the aborted index), and the producer's epoch follows a marker's.
    fn track_transaction(&mut self, i: usize, stamp: ProducerStamp) {
        let offset = self.records[i].offset;
        match stamp.kind {
            BatchKind::Idempotent => {}
            BatchKind::Transactional => {
                self.ongoing_txns.entry(stamp.producer_id).or_insert(offset);
            }
            BatchKind::Commit | BatchKind::Abort => {
                let aborted = stamp.kind == BatchKind::Abort;
                // Kafka: `appendEndTxnMarker` — a marker with no open transaction here still
                // completes one, from the marker itself.
                let first = self
                    .ongoing_txns
                    .remove(&stamp.producer_id)
                    .unwrap_or(offset);
                let done = CompletedTxn {
                    producer_id: stamp.producer_id,
                    first_offset: first,
                    last_offset: offset,
                    aborted,
                };
                if aborted {
                    self.aborted_txns.push(AbortedTxn {
                        producer_id: stamp.producer_id,
                        first_offset: first,
                        last_offset: offset,
                    });
                }
                if offset >= self.high_watermark {
                    self.unreplicated_txns.push(done);
                }
                let entry = self.producers.entry(stamp.producer_id).or_default();
                if stamp.producer_epoch > entry.producer_epoch {
                    entry.producer_epoch = stamp.producer_epoch;
                    entry.batches.clear();
                }
            }
        }
    }

    /// Kafka: `UnifiedLog.firstUnstableOffset` — the first offset of the earliest open
    /// transaction, or of a completed one whose marker is not yet replicated (below the HW).
    pub fn first_unstable_offset(&self) -> Option<Offset> {
        let ongoing = self.ongoing_txns.values().copied().min();
        let unreplicated = self
            .unreplicated_txns
            .iter()
            .filter(|t| t.last_offset >= self.high_watermark)
            .map(|t| t.first_offset)
            .min();
        match (ongoing, unreplicated) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Kafka: `UnifiedLog.lastStableOffset` — min(first unstable offset, high watermark): what a
    /// `read_committed` consumer may read up to.
    pub fn last_stable_offset(&self) -> Offset {
        self.first_unstable_offset()
            .map_or(self.high_watermark, |f| f.min(self.high_watermark))
    }

    /// Open transactions on this partition: producer id → first offset.
    pub fn ongoing_txns(&self) -> &BTreeMap<u64, Offset> {
        &self.ongoing_txns
    }

    /// The aborted-transaction index.
    pub fn aborted_txns(&self) -> &[AbortedTxn] {
        &self.aborted_txns
    }

    /// Kafka: `UnifiedLog.collectAbortedTransactions(startOffset, upperBoundOffset)` — aborted
    /// transactions that overlap `[start, upper)`, for a read_committed fetch.
    pub fn collect_aborted_transactions(&self, start: Offset, upper: Offset) -> Vec<AbortedTxn> {
        self.aborted_txns
            .iter()
            .filter(|t| t.last_offset >= start && t.first_offset < upper)
            .copied()
            .collect()
    }

    /// Forgets the producer and transaction state (Kafka: `truncateFullyAndStartAt` calls
    /// `producerStateManager.truncateFullyAndStartAt`).
    pub(crate) fn reset_producer_state(&mut self) {
        self.producers.clear();
        self.ongoing_txns.clear();
        self.unreplicated_txns.clear();
        self.aborted_txns.clear();
    }

    /// Kafka: `ProducerStateManager.onHighWatermarkUpdated` — completed transactions below the
    /// HW no longer hold the LSO back.
    fn prune_unreplicated(&mut self) {
        if !self.unreplicated_txns.is_empty() {
            let hw = self.high_watermark;
            self.unreplicated_txns.retain(|t| t.last_offset >= hw);
        }
    }

    /// Folds the records from index `from` into the producer state, batch by batch.
    /// `txn_from`: records before it were already tracked for transactions (a batch re-read
    /// from its base after a split fetch).
    fn update_producer_state(&mut self, from: usize) {
        self.update_producer_state_from(from, from);
    }

    fn update_producer_state_from(&mut self, from: usize, txn_from: usize) {
        let mut i = from;
        while i < self.records.len() {
            let Some(stamp) = self.records[i].producer else {
                i += 1;
                continue;
            };
            if i >= txn_from && stamp.kind != BatchKind::Idempotent {
                self.track_transaction(i, stamp);
            }
            if stamp.kind.is_control() {
                i += 1;
                continue;
            }
            let mut j = i;
            while j + 1 < self.records.len()
                && self.records[j + 1].producer.is_some_and(|s| {
                    s.batch_base == stamp.batch_base && s.producer_id == stamp.producer_id
                })
            {
                j += 1;
            }
            let last = self.records[j]
                .producer
                .map_or(stamp.sequence, |s| s.sequence);
            // A batch split across two fetches: replace its partial entry.
            let entry = self.producers.entry(stamp.producer_id).or_default();
            if entry
                .batches
                .back()
                .is_some_and(|b| b.first_offset == stamp.batch_base)
            {
                entry.batches.pop_back();
            }
            entry.add(
                stamp.producer_epoch,
                BatchMetadata {
                    // The batch's first record may have been compacted away.
                    first_seq: self
                        .records
                        .get(stamp.batch_base.0 as usize)
                        .and_then(|r| r.producer)
                        .map_or(stamp.sequence, |s| s.sequence),
                    last_seq: last,
                    first_offset: stamp.batch_base,
                    last_offset: self.records[j].offset,
                },
            );
            i = j + 1;
        }
    }

    /// Appends one record as leader in `epoch` and returns its offset (`UnifiedLog.appendAsLeader`).
    pub fn append_as_leader(
        &mut self,
        epoch: LeaderEpoch,
        key: Option<Arc<str>>,
        value: Option<Arc<str>>,
        produce_id: Option<ProduceId>,
        now_ms: u64,
    ) -> Offset {
        let offset = self.log_end_offset();
        self.assign_epoch(epoch, offset);
        self.push_record(Record {
            offset,
            leader_epoch: epoch,
            timestamp: crate::segment::timestamp_from_ms(now_ms),
            key,
            value,
            produce_id,
            producer: None,
        });
        offset
    }

    /// Appends fetched records as a follower (`UnifiedLog.appendAsFollower`); offsets must continue
    /// the log exactly.
    pub fn append_as_follower(&mut self, batch: Vec<Record>) {
        let from = self.records.len();
        let from_offset = self.records.end_offset();
        let first_base = batch.first().and_then(|r| r.producer).map(|s| s.batch_base);
        for r in batch {
            // Compacted logs have gaps: a follower copies them as they are.
            debug_assert!(
                r.offset >= self.log_end_offset(),
                "follower append must continue the log"
            );
            if r.offset < self.log_end_offset() {
                return;
            }
            self.assign_epoch(r.leader_epoch, r.offset);
            self.push_record(r);
        }
        // A batch whose first records came in an earlier fetch is re-read from its base.
        let start = match first_base {
            Some(b) if b.0 < from_offset => self.records.position(b.0),
            _ => from,
        };
        self.update_producer_state_from(start, from);
    }

    /// `UnifiedLog.maybeAssignEpochStartOffset`, called by a new leader (`Partition.makeLeader`):
    /// its epoch starts at its current log end.
    pub fn assign_leader_epoch_start(&mut self, epoch: LeaderEpoch) {
        let leo = self.log_end_offset();
        self.assign_epoch(epoch, leo);
    }

    /// `LeaderEpochFileCache.assign`, as `UnifiedLog` calls it for every appended batch.
    fn assign_epoch(&mut self, epoch: LeaderEpoch, start: Offset) {
        self.epochs.assign(epoch, start);
    }

    /// Removes every record at or after `offset` (`UnifiedLog.truncateTo` +
    /// `LeaderEpochFileCache.truncateFromEnd`); the HW never stays above the new end.
    pub fn truncate_to(&mut self, offset: Offset) -> u64 {
        let offset = offset.min(self.log_end_offset());
        let keep = self.records.position(offset.0);
        let removed = (self.records.len() - keep) as u64;
        self.records.truncate(offset.0);
        self.on_truncate(offset);
        if self.high_watermark > offset {
            self.high_watermark = offset;
        }
        if removed > 0 && !self.producers.is_empty() {
            // Kafka rebuilds the producer state (and the transaction index) from the log after
            // truncation.
            self.producers.clear();
            self.ongoing_txns.clear();
            self.unreplicated_txns.clear();
            self.aborted_txns.clear();
            self.update_producer_state(0);
            self.prune_unreplicated();
        }
        self.epochs.truncate_from_end(offset);
        removed
    }

    /// `LeaderEpochFileCache.endOffsetFor(requestedEpoch, logEndOffset)`: the largest epoch ≤ the
    /// requested one and the offset where the next higher epoch starts (or the LEO for the latest).
    /// `None` stands for Kafka's `(UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET)`.
    pub fn end_offset_for_epoch(&self, requested: LeaderEpoch) -> Option<(LeaderEpoch, Offset)> {
        self.epochs.end_offset_for(requested, self.log_end_offset())
    }

    /// `UnifiedLog.maybeIncrementHighWatermark`: the HW only moves forward, and never past the LEO.
    pub fn maybe_increment_high_watermark(&mut self, hw: Offset) -> bool {
        let hw = hw.min(self.log_end_offset());
        if hw > self.high_watermark {
            self.high_watermark = hw;
            self.prune_unreplicated();
            true
        } else {
            false
        }
    }

    /// A follower's HW: `min(leader HW, own LEO)` (`UnifiedLog.updateHighWatermark` on fetch).
    /// Unlike the leader's, it can be set lower after truncation.
    pub fn set_follower_high_watermark(&mut self, leader_hw: Offset) -> bool {
        let hw = leader_hw.min(self.log_end_offset());
        if hw != self.high_watermark {
            self.high_watermark = hw;
            self.prune_unreplicated();
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_chunked_without_changing_offsets() {
        let mut log = Log::default();
        let n = 3 * CHUNK + 17;
        for i in 0..n {
            let e = LeaderEpoch(if i < 5000 { 0 } else { 1 });
            log.append_as_leader(e, None, Some(i.to_string().into()), None, 0);
        }
        let rs = log.records();
        assert_eq!((rs.len(), rs.chunks.len()), (n, 4));
        assert!(rs.iter().enumerate().all(|(i, r)| r.offset.0 == i as u64));
        assert_eq!(rs[CHUNK].value.as_deref(), Some(CHUNK.to_string().as_str()));
        assert_eq!(rs.get(n), None);
        let tail: Vec<u64> = rs
            .iter_from(2 * CHUNK - 2)
            .take(4)
            .map(|r| r.offset.0)
            .collect();
        let want = (2 * CHUNK - 2) as u64;
        assert_eq!(tail, vec![want, want + 1, want + 2, want + 3]);
        assert_eq!(rs.iter_from(n + 5).count(), 0);
        assert_eq!(log.read_bytes(Offset(CHUNK as u64 - 1), 1).len(), 1);
        log.truncate_to(Offset(2 * CHUNK as u64));
        assert_eq!(
            (log.records().len(), log.records().chunks.len()),
            (2 * CHUNK, 2)
        );
        log.truncate_to(Offset(CHUNK as u64 + 1));
        assert_eq!(log.records().chunks.len(), 2);
        let v = log.read(Offset(CHUNK as u64 - 1), 10);
        assert_eq!(v.len(), 2);
        log.append_as_leader(LeaderEpoch(2), None, Some("x".into()), None, 0);
        assert_eq!(log.records()[CHUNK + 1].value.as_deref(), Some("x"));
        // Epoch 1 started at 5000, past the truncation: the latest epoch ≤ 1 is 0, ending where 2 starts.
        assert_eq!(
            log.end_offset_for_epoch(LeaderEpoch(1)),
            Some((LeaderEpoch(0), Offset(CHUNK as u64 + 1)))
        );
    }

    fn log_with(epochs: &[(u32, usize)]) -> Log {
        let mut log = Log::default();
        for &(epoch, n) in epochs {
            for _ in 0..n {
                log.append_as_leader(LeaderEpoch(epoch), None, Some("v".into()), None, 0);
            }
        }
        log
    }

    /// Mirrors `LeaderEpochFileCacheTest`: end offsets for latest, middle, unknown-older and
    /// unknown-newer epochs.
    #[test]
    fn end_offset_for_epoch_follows_leader_epoch_file_cache() {
        let log = log_with(&[(2, 3), (4, 2), (6, 1)]); // epoch 2 @0, 4 @3, 6 @5, LEO 6
        assert_eq!(
            log.end_offset_for_epoch(LeaderEpoch(6)),
            Some((LeaderEpoch(6), Offset(6)))
        );
        assert_eq!(
            log.end_offset_for_epoch(LeaderEpoch(4)),
            Some((LeaderEpoch(4), Offset(5)))
        );
        assert_eq!(
            log.end_offset_for_epoch(LeaderEpoch(5)),
            Some((LeaderEpoch(4), Offset(5)))
        );
        assert_eq!(
            log.end_offset_for_epoch(LeaderEpoch(3)),
            Some((LeaderEpoch(2), Offset(3)))
        );
        assert_eq!(
            log.end_offset_for_epoch(LeaderEpoch(1)),
            Some((LeaderEpoch(1), Offset(0)))
        );
        assert_eq!(log.end_offset_for_epoch(LeaderEpoch(7)), None);
        assert_eq!(Log::default().end_offset_for_epoch(LeaderEpoch(0)), None);
    }

    fn tp() -> crate::ids::TopicPartition {
        crate::ids::TopicPartition::new("test", 0)
    }

    /// Appends an idempotent batch of `n` records as a client would (check, then append).
    fn client_append(log: &mut Log, pid: u64, epoch: u16, first_seq: i32, n: i32) -> SequenceCheck {
        let last = increment_sequence(first_seq, n - 1);
        let check = log.check_sequence(&tp(), pid, epoch, first_seq, last);
        if check == SequenceCheck::Append {
            let records = (0..n)
                .map(|_| NewRecord {
                    key: None,
                    value: Some("v".into()),
                    produce_id: None,
                })
                .collect();
            log.append_batch_as_leader(LeaderEpoch(0), records, Some((pid, epoch, first_seq)), 0);
        }
        check
    }

    fn is_out_of_order(c: &SequenceCheck) -> bool {
        matches!(
            c,
            SequenceCheck::Reject(crate::errors::KafkaError::OutOfOrderSequenceNumber, _)
        )
    }

    /// Kafka: `UnifiedLogTest.testDuplicateAppends` — the last 5 batches are remembered: a retry of
    /// one of them is a duplicate (original offsets), a partial overlap or an older one is out of
    /// order.
    #[test]
    fn unified_log_test_duplicate_appends() {
        let mut log = Log::default();
        for k in 0..=5 {
            assert_eq!(client_append(&mut log, 1, 0, k, 1), SequenceCheck::Append);
        }
        assert_eq!(client_append(&mut log, 1, 0, 6, 3), SequenceCheck::Append); // @6..8
        let dup = |first_seq, last_seq, first, last| {
            SequenceCheck::Duplicate(BatchMetadata {
                first_seq,
                last_seq,
                first_offset: Offset(first),
                last_offset: Offset(last),
            })
        };
        assert_eq!(client_append(&mut log, 1, 0, 6, 3), dup(6, 8, 6, 8));
        assert!(is_out_of_order(&client_append(&mut log, 1, 0, 7, 2)));
        assert_eq!(client_append(&mut log, 1, 0, 2, 1), dup(2, 2, 2, 2));
        assert!(
            is_out_of_order(&client_append(&mut log, 1, 0, 1, 1)),
            "no longer retained"
        );
        assert_eq!(client_append(&mut log, 1, 0, 9, 1), SequenceCheck::Append);
        assert_eq!(client_append(&mut log, 1, 0, 9, 1), dup(9, 9, 9, 9));
        assert_eq!(log.log_end_offset(), Offset(10));
    }

    /// Kafka: `ProducerStateManagerTest.testBasicIdMapping` through the log (so step 3 is the
    /// duplicate `UnifiedLog` detects before `ProducerAppendInfo` would call it out of order).
    #[test]
    fn producer_state_manager_test_basic_id_mapping() {
        let mut log = Log::default();
        assert_eq!(client_append(&mut log, 1, 0, 0, 1), SequenceCheck::Append);
        assert_eq!(client_append(&mut log, 1, 0, 1, 1), SequenceCheck::Append);
        assert!(matches!(
            client_append(&mut log, 1, 0, 1, 1),
            SequenceCheck::Duplicate(_)
        ));
        assert!(is_out_of_order(&client_append(&mut log, 1, 0, 5, 1)));
        assert_eq!(
            client_append(&mut log, 1, 1, 0, 1),
            SequenceCheck::Append,
            "a bumped epoch restarts at 0"
        );
        assert!(matches!(
            client_append(&mut log, 1, 0, 0, 1),
            SequenceCheck::Reject(crate::errors::KafkaError::InvalidProducerEpoch, _)
        ));
    }

    /// Kafka: `ProducerStateManagerTest.testProducerSequenceWrapAround` /
    /// `testProducerSequenceInvalidWrapAround` — after Integer.MAX_VALUE comes 0, not 1; and
    /// `testReloadSnapshots` / `testPidExpirationTimeout`: a producer with no state may start at
    /// any sequence.
    #[test]
    fn producer_state_manager_test_sequence_wrap_around_and_unknown_producers() {
        let mut log = Log::default();
        assert_eq!(
            client_append(&mut log, 1, 15, i32::MAX, 1),
            SequenceCheck::Append
        );
        assert_eq!(client_append(&mut log, 1, 15, 0, 1), SequenceCheck::Append);
        let mut log = Log::default();
        assert_eq!(
            client_append(&mut log, 1, 15, i32::MAX, 1),
            SequenceCheck::Append
        );
        assert!(is_out_of_order(&client_append(&mut log, 1, 15, 1, 1)));
        // A batch that wraps inside itself is fine (testProducerSequenceWithWrapAroundBatchRecord).
        let mut log = Log::default();
        assert_eq!(
            client_append(&mut log, 1, 15, i32::MAX - 10, 21),
            SequenceCheck::Append
        );
        assert_eq!(log.producers()[&1].last_seq(), Some(9));
        assert_eq!(client_append(&mut log, 1, 15, 10, 1), SequenceCheck::Append);
        let mut log = Log::default();
        assert_eq!(client_append(&mut log, 1, 0, 1, 1), SequenceCheck::Append);
        assert_eq!(client_append(&mut log, 1, 0, 2, 1), SequenceCheck::Append);
    }

    /// Kafka: `ProducerStateManagerTest.testRejectNonZeroSequenceForDirectEpochBump`,
    /// `UnifiedLogTest.testOldProducerEpoch` and `testNonSequentialAppend`.
    #[test]
    fn producer_state_manager_test_epoch_rules() {
        let mut log = Log::default();
        for k in 0..3 {
            assert_eq!(client_append(&mut log, 1, 0, k, 1), SequenceCheck::Append);
        }
        match client_append(&mut log, 1, 1, 5, 1) {
            SequenceCheck::Reject(crate::errors::KafkaError::OutOfOrderSequenceNumber, m) => {
                assert!(
                    m.contains("1 (request epoch), 5 (seq. number), 0 (current producer epoch)"),
                    "{m}"
                )
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(client_append(&mut log, 1, 1, 0, 1), SequenceCheck::Append);
        let mut log = Log::default();
        assert_eq!(client_append(&mut log, 1, 1, 0, 1), SequenceCheck::Append);
        match client_append(&mut log, 1, 0, 0, 1) {
            SequenceCheck::Reject(crate::errors::KafkaError::InvalidProducerEpoch, m) => assert_eq!(
                m,
                "Epoch of producer 1 at offset 1 in test-0 is 0, which is smaller than the last seen epoch 1"
            ),
            other => panic!("{other:?}"),
        }
        let mut log = Log::default();
        assert_eq!(client_append(&mut log, 1, 0, 0, 1), SequenceCheck::Append);
        match client_append(&mut log, 1, 0, 2, 1) {
            SequenceCheck::Reject(_, m) => assert_eq!(
                m,
                "Out of order sequence number for producer 1 at offset 1 in partition test-0: 2 (incoming seq. number), 0 (current end sequence number)"
            ),
            other => panic!("{other:?}"),
        }
    }

    /// Kafka: `ProducerStateManagerTest.testAcceptAppendWithSequenceGapsOnReplica` — followers
    /// append what the leader wrote without checks, and their state follows.
    #[test]
    fn followers_take_producer_state_from_replicated_records() {
        let mut leader = Log::default();
        client_append(&mut leader, 7, 0, 0, 3);
        let mut follower = Log::default();
        follower.append_as_follower(leader.read(Offset(0), 2));
        follower.append_as_follower(leader.read(Offset(2), 10));
        assert_eq!(
            follower.producers()[&7].batches.len(),
            1,
            "one batch across two fetches"
        );
        assert_eq!(follower.producers()[&7].last_seq(), Some(2));
        assert!(matches!(
            follower.check_sequence(&tp(), 7, 0, 0, 2),
            SequenceCheck::Duplicate(_)
        ));
    }

    #[test]
    fn truncation_drops_records_epochs_and_caps_hw() {
        let mut log = log_with(&[(0, 3), (1, 3)]);
        assert!(log.maybe_increment_high_watermark(Offset(5)));
        assert_eq!(log.truncate_to(Offset(3)), 3);
        assert_eq!(log.log_end_offset(), Offset(3));
        assert_eq!(log.epochs(), vec![(LeaderEpoch(0), Offset(0))]);
        assert_eq!(log.high_watermark(), Offset(3));
        assert!(
            !log.maybe_increment_high_watermark(Offset(2)),
            "HW never moves back"
        );
    }

    /// Fills the log with plain records up to `offset` (Kafka's tests append at arbitrary
    /// offsets; here offsets are dense, so the gap is filled with non-producer records).
    fn fill_to(log: &mut Log, offset: u64) {
        while log.log_end_offset().0 < offset {
            log.append_as_leader(LeaderEpoch(0), None, Some("x".into()), None, 0);
        }
    }

    fn txn_append(log: &mut Log, pid: u64, epoch: u16, seq: i32, at: u64) {
        fill_to(log, at);
        let r = vec![NewRecord {
            key: None,
            value: Some("t".into()),
            produce_id: None,
        }];
        log.append_batch_of_kind(
            LeaderEpoch(0),
            r,
            Some((pid, epoch, seq)),
            BatchKind::Transactional,
            0,
        );
    }

    /// Kafka: `ProducerStateManagerTest.testFirstUnstableOffsetAfterTruncation` (offsets 99,
    /// 105, 106 as in the test).
    #[test]
    fn producer_state_manager_test_first_unstable_offset_after_truncation() {
        let mut log = Log::default();
        txn_append(&mut log, 1, 0, 0, 99);
        assert_eq!(log.first_unstable_offset(), Some(Offset(99)));
        fill_to(&mut log, 105);
        log.append_control(LeaderEpoch(0), 1, 0, true, 0).unwrap();
        log.maybe_increment_high_watermark(Offset(106));
        assert_eq!(log.first_unstable_offset(), None);
        let r = vec![NewRecord {
            key: None,
            value: Some("i".into()),
            produce_id: None,
        }];
        log.append_batch_as_leader(LeaderEpoch(0), r, Some((1, 0, 1)), 0);
        log.truncate_to(Offset(106));
        assert_eq!(log.first_unstable_offset(), None);
        log.truncate_to(Offset(100));
        assert_eq!(log.first_unstable_offset(), Some(Offset(99)));
    }

    /// Kafka: `ProducerStateManagerTest.testLastStableOffsetCompletedTxn` in its shape — a
    /// completed transaction holds the LSO until the HW passes its marker; the earliest open
    /// transaction bounds it; LSO = min(first unstable offset, HW).
    #[test]
    fn last_stable_offset_follows_open_and_unreplicated_transactions() {
        let mut log = Log::default();
        txn_append(&mut log, 1, 0, 0, 10); // pid 1 opens at 10
        txn_append(&mut log, 2, 0, 0, 15); // pid 2 opens at 15
        txn_append(&mut log, 3, 0, 0, 20); // pid 3 opens at 20
        log.maybe_increment_high_watermark(Offset(21));
        assert_eq!(log.first_unstable_offset(), Some(Offset(10)));
        assert_eq!(log.last_stable_offset(), Offset(10));
        let m1 = log.append_control(LeaderEpoch(0), 1, 0, true, 0).unwrap(); // @21
        assert_eq!(m1, Offset(21));
        // The marker is not replicated yet: pid 1's transaction still holds the LSO.
        assert_eq!(log.first_unstable_offset(), Some(Offset(10)));
        log.maybe_increment_high_watermark(Offset(22));
        assert_eq!(log.first_unstable_offset(), Some(Offset(15)));
        assert_eq!(log.last_stable_offset(), Offset(15));
        log.append_control(LeaderEpoch(0), 3, 0, false, 0).unwrap(); // @22, abort pid 3
        log.maybe_increment_high_watermark(Offset(23));
        assert_eq!(log.first_unstable_offset(), Some(Offset(15)));
        log.append_control(LeaderEpoch(0), 2, 0, true, 0).unwrap(); // @23
        assert_eq!(
            log.last_stable_offset(),
            Offset(15),
            "HW 23 has not passed the marker"
        );
        log.maybe_increment_high_watermark(Offset(24));
        assert_eq!(log.first_unstable_offset(), None);
        assert_eq!(log.last_stable_offset(), Offset(24));
        assert_eq!(
            log.aborted_txns(),
            &[AbortedTxn {
                producer_id: 3,
                first_offset: Offset(20),
                last_offset: Offset(22)
            }]
        );
    }

    /// Kafka: `UnifiedLogTest.testCollectAbortedTransactions` in its shape — the aborted index
    /// answers a fetch range with the aborted transactions overlapping it.
    #[test]
    fn collect_aborted_transactions_overlapping_a_fetch_range() {
        let mut log = Log::default();
        txn_append(&mut log, 1, 0, 0, 0);
        txn_append(&mut log, 2, 0, 0, 1);
        log.append_control(LeaderEpoch(0), 1, 0, false, 0).unwrap(); // aborted 0..2
        txn_append(&mut log, 3, 0, 0, 3);
        log.append_control(LeaderEpoch(0), 2, 0, true, 0).unwrap(); // committed 1..4
        log.append_control(LeaderEpoch(0), 3, 0, false, 0).unwrap(); // aborted 3..5
        let pids = |v: Vec<AbortedTxn>| v.iter().map(|t| t.producer_id).collect::<Vec<_>>();
        assert_eq!(
            pids(log.collect_aborted_transactions(Offset(0), Offset(6))),
            vec![1, 3]
        );
        assert_eq!(
            pids(log.collect_aborted_transactions(Offset(3), Offset(4))),
            vec![3]
        );
        assert_eq!(
            pids(log.collect_aborted_transactions(Offset(0), Offset(1))),
            vec![1]
        );
        assert!(log
            .collect_aborted_transactions(Offset(6), Offset(7))
            .is_empty());
        // A marker from an epoch older than the partition has seen is refused.
        txn_append(&mut log, 4, 2, 0, 6);
        assert!(matches!(
            log.append_control(LeaderEpoch(0), 4, 1, true, 0),
            Err((crate::errors::KafkaError::InvalidProducerEpoch, _))
        ));
        // A marker bumps the producer's epoch: the old epoch's data is then refused.
        log.append_control(LeaderEpoch(0), 4, 3, false, 0).unwrap();
        assert!(matches!(
            log.check_sequence(&tp(), 4, 2, 1, 1),
            SequenceCheck::Reject(crate::errors::KafkaError::InvalidProducerEpoch, _)
        ));
    }

    /// Followers rebuild the transaction state from replicated records, also when a
    /// transaction's batch arrives in two fetches.
    #[test]
    fn followers_track_transactions_from_replicated_records() {
        let mut leader = Log::default();
        txn_append(&mut leader, 7, 0, 0, 0);
        txn_append(&mut leader, 8, 0, 0, 1);
        leader
            .append_control(LeaderEpoch(0), 7, 0, false, 0)
            .unwrap();
        let mut follower = Log::default();
        follower.append_as_follower(leader.read(Offset(0), 2));
        assert_eq!(follower.ongoing_txns().len(), 2);
        follower.append_as_follower(leader.read(Offset(2), 10));
        assert_eq!(
            follower.ongoing_txns().keys().copied().collect::<Vec<_>>(),
            vec![8]
        );
        assert_eq!(follower.aborted_txns(), leader.aborted_txns());
    }
}
