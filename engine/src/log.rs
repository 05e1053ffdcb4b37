//! One replica's partition log with its leader-epoch cache and high watermark.
//!
//! Kafka: `UnifiedLog` (append, truncate, high watermark) and
//! `LeaderEpochFileCache` (`assign`, `endOffsetFor`, `truncateFromEnd`).

use crate::ids::{LeaderEpoch, Offset, ProduceId};
use crate::leader_epoch::LeaderEpochCache;
use serde::{Deserialize, Serialize};

/// One record as stored in the log. Batches of one record, for now (batching is the producer issue).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub offset: Offset,
    /// The leader epoch of the batch (`partitionLeaderEpoch` in the record batch header).
    pub leader_epoch: LeaderEpoch,
    pub key: Option<String>,
    pub value: String,
    /// Which produce call wrote it; lets tests and lessons trace a record end to end.
    pub produce_id: Option<ProduceId>,
}

/// A replica's log.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Log {
    records: Vec<Record>,
    /// The leader-epoch checkpoint.
    epochs: LeaderEpochCache,
    high_watermark: Offset,
}

impl Log {
    /// The log end offset: the offset the next record will get.
    pub fn log_end_offset(&self) -> Offset {
        Offset(self.records.len() as u64)
    }

    pub fn high_watermark(&self) -> Offset {
        self.high_watermark
    }

    pub fn records(&self) -> &[Record] {
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

    /// Records from `from` (inclusive), at most `max`.
    pub fn read(&self, from: Offset, max: usize) -> Vec<Record> {
        let start = (from.0 as usize).min(self.records.len());
        self.records[start..].iter().take(max).cloned().collect()
    }

    /// Appends one record as leader in `epoch` and returns its offset (`UnifiedLog.appendAsLeader`).
    pub fn append_as_leader(
        &mut self,
        epoch: LeaderEpoch,
        key: Option<String>,
        value: String,
        produce_id: Option<ProduceId>,
    ) -> Offset {
        let offset = self.log_end_offset();
        self.assign_epoch(epoch, offset);
        self.records.push(Record {
            offset,
            leader_epoch: epoch,
            key,
            value,
            produce_id,
        });
        offset
    }

    /// Appends fetched records as a follower (`UnifiedLog.appendAsFollower`); offsets must continue
    /// the log exactly.
    pub fn append_as_follower(&mut self, batch: &[Record]) {
        for r in batch {
            debug_assert_eq!(
                r.offset,
                self.log_end_offset(),
                "follower append must be contiguous"
            );
            if r.offset != self.log_end_offset() {
                return;
            }
            self.assign_epoch(r.leader_epoch, r.offset);
            self.records.push(r.clone());
        }
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
        let keep = (offset.0 as usize).min(self.records.len());
        let removed = (self.records.len() - keep) as u64;
        self.records.truncate(keep);
        self.epochs.truncate_from_end(offset);
        if self.high_watermark > offset {
            self.high_watermark = offset;
        }
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
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log_with(epochs: &[(u32, usize)]) -> Log {
        let mut log = Log::default();
        for &(epoch, n) in epochs {
            for _ in 0..n {
                log.append_as_leader(LeaderEpoch(epoch), None, "v".into(), None);
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
}
