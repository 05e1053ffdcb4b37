//! The leader-epoch cache: which leader epoch started at which offset of a replica's log.
//!
//! Ported from Kafka's `org.apache.kafka.storage.internals.epoch.LeaderEpochFileCache`
//! (`assign`, `endOffsetFor`, `truncateFromEnd`, `truncateFromStart`, `previousEpoch`), and tested
//! with the cases and exact values of Kafka's `LeaderEpochFileCacheTest`.

use crate::ids::{LeaderEpoch, Offset};
use serde::{Deserialize, Serialize};

/// One `EpochEntry`: `epoch` started at `start_offset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpochEntry {
    pub epoch: LeaderEpoch,
    pub start_offset: Offset,
}

/// Entries strictly increasing in both epoch and start offset.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaderEpochCache {
    entries: Vec<EpochEntry>,
}

impl LeaderEpochCache {
    pub fn entries(&self) -> &[EpochEntry] {
        &self.entries
    }

    pub fn latest_epoch(&self) -> Option<LeaderEpoch> {
        self.entries.last().map(|e| e.epoch)
    }

    /// The epoch before the latest one (`previousEpoch()`).
    pub fn previous_epoch(&self) -> Option<LeaderEpoch> {
        let n = self.entries.len();
        (n >= 2).then(|| self.entries[n - 2].epoch)
    }

    /// The largest epoch below `epoch` (`previousEpoch(int)`).
    pub fn previous_epoch_before(&self, epoch: LeaderEpoch) -> Option<LeaderEpoch> {
        self.entries
            .iter()
            .rev()
            .find(|e| e.epoch < epoch)
            .map(|e| e.epoch)
    }

    /// `assign(epoch, startOffset)`: records that `epoch` starts at `start` unless the latest
    /// entry already says so (same epoch, same or earlier start). Entries that would break
    /// monotonicity — an epoch ≥ the new one, or a start offset ≥ the new one — are removed first.
    /// Returns whether the cache changed.
    pub fn assign(&mut self, epoch: LeaderEpoch, start: Offset) -> bool {
        let update_needed = match self.entries.last() {
            Some(last) => epoch != last.epoch || start < last.start_offset,
            None => true,
        };
        if !update_needed {
            return false;
        }
        // Kafka: maybeTruncateNonMonotonicEntries walks from the newest entry backwards.
        while let Some(last) = self.entries.last() {
            if last.epoch >= epoch || last.start_offset >= start {
                self.entries.pop();
            } else {
                break;
            }
        }
        self.entries.push(EpochEntry {
            epoch,
            start_offset: start,
        });
        true
    }

    /// `endOffsetFor(requestedEpoch, logEndOffset)`: the largest epoch ≤ the requested one and the
    /// start offset of the first epoch after it (the LEO for the latest epoch). `None` stands for
    /// Kafka's `(UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET)`.
    pub fn end_offset_for(
        &self,
        requested: LeaderEpoch,
        log_end_offset: Offset,
    ) -> Option<(LeaderEpoch, Offset)> {
        if self.latest_epoch() == Some(requested) {
            // The current epoch is still being written to: its end is the log end.
            return Some((requested, log_end_offset));
        }
        let higher = self.entries.iter().find(|e| e.epoch > requested)?;
        match self.entries.iter().rev().find(|e| e.epoch <= requested) {
            // Older than anything known (the data was deleted): the first higher epoch's start.
            None => Some((requested, higher.start_offset)),
            Some(floor) => Some((floor.epoch, higher.start_offset)),
        }
    }

    /// `truncateFromEnd(endOffset)`: drops every entry starting at or after `end_offset`.
    pub fn truncate_from_end(&mut self, end_offset: Offset) {
        self.entries.retain(|e| e.start_offset < end_offset);
    }

    /// `truncateFromStart(startOffset)`: the log now starts at `start_offset`; entries wholly
    /// before it go, and the entry covering it now starts there.
    pub fn truncate_from_start(&mut self, start_offset: Offset) {
        let Some(i) = self
            .entries
            .iter()
            .rposition(|e| e.start_offset <= start_offset)
        else {
            return;
        };
        self.entries.drain(..i);
        self.entries[0].start_offset = start_offset;
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    //! Kafka's `LeaderEpochFileCacheTest`, case by case, with its exact values. Kafka's
    //! `(UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET)` is `None` here, and an `UNDEFINED_EPOCH_OFFSET`
    //! argument (-1) has no counterpart (offsets are unsigned), so those two cases are left out.
    use super::*;

    fn e(epoch: u32, start: u64) -> EpochEntry {
        EpochEntry {
            epoch: LeaderEpoch(epoch),
            start_offset: Offset(start),
        }
    }
    fn assign(c: &mut LeaderEpochCache, epoch: u32, start: u64) {
        c.assign(LeaderEpoch(epoch), Offset(start));
    }
    fn end_for(c: &LeaderEpochCache, epoch: u32, leo: u64) -> Option<(u32, u64)> {
        c.end_offset_for(LeaderEpoch(epoch), Offset(leo))
            .map(|(e, o)| (e.0, o.0))
    }
    fn cache_with(entries: &[(u32, u64)]) -> LeaderEpochCache {
        let mut c = LeaderEpochCache::default();
        for &(ep, s) in entries {
            assign(&mut c, ep, s);
        }
        c
    }

    #[test]
    fn test_previous_epoch() {
        let mut c = LeaderEpochCache::default();
        assert_eq!(c.previous_epoch(), None);
        assign(&mut c, 2, 10);
        assert_eq!(c.previous_epoch(), None);
        assign(&mut c, 4, 15);
        assert_eq!(c.previous_epoch(), Some(LeaderEpoch(2)));
        assign(&mut c, 10, 20);
        assert_eq!(c.previous_epoch(), Some(LeaderEpoch(4)));
        c.truncate_from_end(Offset(18));
        assert_eq!(c.previous_epoch(), Some(LeaderEpoch(2)));
    }

    #[test]
    fn should_add_epoch_and_message_offset_to_cache() {
        let c = cache_with(&[(2, 10)]);
        assert_eq!(c.latest_epoch(), Some(LeaderEpoch(2)));
        assert_eq!(c.entries()[0], e(2, 10));
        assert_eq!(end_for(&c, 2, 11), Some((2, 11)));
    }

    #[test]
    fn should_return_log_end_offset_if_latest_epoch_requested() {
        let c = cache_with(&[(2, 11), (2, 12)]);
        assert_eq!(end_for(&c, 2, 14), Some((2, 14)));
    }

    #[test]
    fn should_not_overwrite_log_end_offset_for_a_leader_epoch_once_it_has_been_assigned() {
        let c = cache_with(&[(2, 9), (2, 10)]);
        assert_eq!(c.entries(), &[e(2, 9)]);
    }

    #[test]
    fn should_enforce_monotonically_increasing_start_offsets() {
        let c = cache_with(&[(2, 9), (3, 9)]);
        assert_eq!(c.entries(), &[e(3, 9)]);
    }

    #[test]
    fn should_not_overwrite_offset_for_a_leader_epoch_once_it_has_been_assigned() {
        let c = cache_with(&[(2, 6), (2, 10)]);
        assert_eq!(c.entries()[0].start_offset, Offset(6));
    }

    #[test]
    fn should_return_unsupported_if_no_epoch_recorded() {
        assert_eq!(end_for(&LeaderEpochCache::default(), 0, 0), None);
    }

    #[test]
    fn should_return_first_epoch_if_requested_epoch_less_than_first_epoch() {
        let c = cache_with(&[(5, 11), (6, 12), (7, 13)]);
        assert_eq!(end_for(&c, 4, 0), Some((4, 11)));
    }

    #[test]
    fn should_truncate_if_matching_epoch_but_earlier_starting_offset() {
        let c = cache_with(&[(5, 11), (6, 12), (7, 13), (7, 12)]);
        assert_eq!(end_for(&c, 5, 0), Some((5, 12)));
        assert_eq!(end_for(&c, 6, 0), Some((5, 12)));
    }

    #[test]
    fn should_get_first_offset_of_subsequent_epoch_when_offset_requested_for_previous_epoch() {
        let c = cache_with(&[(1, 11), (1, 12), (2, 13), (2, 14), (3, 15), (3, 16)]);
        assert_eq!(end_for(&c, 2, 17), Some((2, 15)));
    }

    #[test]
    fn should_return_next_available_epoch_if_there_is_no_exact_epoch_for_the_one_requested() {
        let c = cache_with(&[(0, 10), (2, 13), (4, 17)]);
        assert_eq!(end_for(&c, 1, 0), Some((0, 13)));
        assert_eq!(end_for(&c, 2, 0), Some((2, 17)));
        assert_eq!(end_for(&c, 3, 0), Some((2, 17)));
    }

    #[test]
    fn should_not_update_epoch_and_start_offset_if_it_did_not_change() {
        let c = cache_with(&[(2, 6), (2, 7)]);
        assert_eq!(c.entries(), &[e(2, 6)]);
    }

    #[test]
    fn should_return_invalid_offset_if_epoch_is_requested_which_is_not_currently_tracked() {
        let c = cache_with(&[(2, 100)]);
        assert_eq!(end_for(&c, 3, 100), None);
    }

    #[test]
    fn should_support_epochs_that_do_not_start_from_zero() {
        let c = cache_with(&[(2, 6)]);
        assert_eq!(end_for(&c, 2, 7), Some((2, 7)));
        assert_eq!(c.entries(), &[e(2, 6)]);
    }

    #[test]
    fn should_enforce_monotonically_increasing_epochs() {
        let c = cache_with(&[(1, 5), (2, 6), (1, 7)]);
        assert_eq!(c.latest_epoch(), Some(LeaderEpoch(1)));
        assert_eq!(end_for(&c, 1, 8), Some((1, 8)));
        assert_eq!(end_for(&c, 2, 8), None);
        assert_eq!(c.entries()[0], e(1, 7));
    }

    #[test]
    fn should_enforce_offsets_increase_monotonically() {
        let c = cache_with(&[(2, 6), (3, 5)]);
        assert_eq!(c.entries()[0], e(3, 5));
    }

    #[test]
    fn should_increase_and_track_epochs_as_leaders_change_many_times() {
        let mut c = cache_with(&[(0, 0), (1, 0)]);
        assert_eq!(c.latest_epoch(), Some(LeaderEpoch(1)));
        assert_eq!(end_for(&c, 1, 0), Some((1, 0)));
        assert_eq!(end_for(&c, 0, 0), Some((0, 0)));
        assert_eq!(end_for(&c, 1, 5), Some((1, 5)));
        assert_eq!(end_for(&c, 0, 5), Some((0, 0)));
        assign(&mut c, 2, 5);
        assert_eq!(end_for(&c, 2, 10), Some((2, 10)));
        assert_eq!(end_for(&c, 1, 10), Some((1, 5)));
        assert_eq!(end_for(&c, 0, 10), Some((0, 0)));
    }

    #[test]
    fn should_increase_and_track_epochs_as_follower_receives_many_messages() {
        let c = cache_with(&[(0, 0), (0, 1), (0, 2)]);
        assert_eq!(end_for(&c, 0, 3), Some((0, 3)));
        let c = cache_with(&[(0, 0), (0, 1), (0, 2), (1, 3), (1, 4), (1, 5)]);
        assert_eq!(end_for(&c, 1, 6), Some((1, 6)));
        let c = cache_with(&[
            (0, 0),
            (0, 1),
            (0, 2),
            (1, 3),
            (1, 4),
            (1, 5),
            (2, 6),
            (2, 7),
            (2, 8),
        ]);
        assert_eq!(c.latest_epoch(), Some(LeaderEpoch(2)));
        assert_eq!(end_for(&c, 2, 9), Some((2, 9)));
        assert_eq!(end_for(&c, 0, 9), Some((0, 3)));
        assert_eq!(end_for(&c, 1, 9), Some((1, 6)));
    }

    #[test]
    fn should_drop_entries_on_epoch_boundary_when_removing_latest_entries() {
        let mut c = cache_with(&[(2, 6), (3, 8), (4, 11)]);
        c.truncate_from_end(Offset(8));
        assert_eq!(c.entries(), &[e(2, 6)]);
    }

    #[test]
    fn should_preserve_reset_offset_on_clear_earliest_if_one_exists() {
        let mut c = cache_with(&[(2, 6), (3, 8), (4, 11)]);
        c.truncate_from_start(Offset(8));
        assert_eq!(c.entries(), &[e(3, 8), e(4, 11)]);
    }

    #[test]
    fn should_not_clear_anything_if_offset_too_early_or_first() {
        let mut c = cache_with(&[(2, 6), (3, 8), (4, 11)]);
        c.truncate_from_start(Offset(1));
        assert_eq!(c.entries(), &[e(2, 6), e(3, 8), e(4, 11)]);
        c.truncate_from_start(Offset(6));
        assert_eq!(c.entries(), &[e(2, 6), e(3, 8), e(4, 11)]);
    }

    #[test]
    fn should_retain_latest_epoch_on_clear_all_earliest() {
        let mut c = cache_with(&[(2, 6), (3, 8), (4, 11)]);
        c.truncate_from_start(Offset(11));
        assert_eq!(c.entries(), &[e(4, 11)]);
    }

    #[test]
    fn should_update_offset_between_epoch_boundaries_on_clear_earliest() {
        let mut c = cache_with(&[(2, 6), (3, 8), (4, 11)]);
        c.truncate_from_start(Offset(9));
        assert_eq!(c.entries(), &[e(3, 9), e(4, 11)]);
    }

    #[test]
    fn should_update_offset_between_first_two_epoch_boundaries_on_clear_earliest() {
        let mut c = cache_with(&[(0, 0), (1, 7), (2, 10)]);
        c.truncate_from_start(Offset(5));
        assert_eq!(c.entries(), &[e(0, 5), e(1, 7), e(2, 10)]);
    }

    #[test]
    fn should_retain_latest_epoch_on_clear_all_earliest_and_update_its_offset() {
        let mut c = cache_with(&[(2, 6), (3, 8), (4, 11)]);
        c.truncate_from_start(Offset(15));
        assert_eq!(c.entries(), &[e(4, 15)]);
    }

    #[test]
    fn should_drop_entries_between_epoch_boundary_when_removing_newest() {
        let mut c = cache_with(&[(2, 6), (3, 8), (4, 11)]);
        c.truncate_from_end(Offset(9));
        assert_eq!(c.latest_epoch(), Some(LeaderEpoch(3)));
        assert_eq!(c.entries(), &[e(2, 6), e(3, 8)]);
    }

    #[test]
    fn should_clear_all_entries() {
        let mut c = cache_with(&[(2, 6), (3, 8), (4, 11)]);
        c.clear();
        assert!(c.entries().is_empty());
    }

    #[test]
    fn empty_cache_cases() {
        let mut c = LeaderEpochCache::default();
        assert_eq!(c.latest_epoch(), None); // shouldFetchLatestEpochOfEmptyCache
        assert_eq!(end_for(&c, 7, 0), None); // shouldFetchEndOffsetOfEmptyCache
        c.truncate_from_start(Offset(7)); // shouldClearEarliestOnEmptyCache
        c.truncate_from_end(Offset(7)); // shouldClearLatestOnEmptyCache
        assert!(c.entries().is_empty());
    }

    #[test]
    fn test_find_previous_epoch() {
        let mut c = LeaderEpochCache::default();
        assert_eq!(c.previous_epoch_before(LeaderEpoch(2)), None);
        assign(&mut c, 2, 10);
        assert_eq!(c.previous_epoch_before(LeaderEpoch(2)), None);
        assign(&mut c, 4, 15);
        assert_eq!(
            c.previous_epoch_before(LeaderEpoch(4)),
            Some(LeaderEpoch(2))
        );
    }
}
