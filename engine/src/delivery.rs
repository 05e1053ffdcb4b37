//! Delivery semantics on the consumer side: the `kplay.delivery.semantics` presets and the
//! per-group delivery report (records lost, duplicated) computed from the processing ledger.
//!
//! Kafka has no such preset: "at-most-once" and "at-least-once" are names for *where the
//! application commits* relative to processing. A preset here only sets the Kafka configs (and the
//! playground's commit loop) a learner would otherwise set by hand, and says so in an event:
//!
//! | preset          | `enable.auto.commit` | commit              | `kplay.commit.timing` |
//! |-----------------|----------------------|---------------------|-----------------------|
//! | `at-most-once`  | `false`              | `commitSync()`      | `before-processing`   |
//! | `at-least-once` | `false`              | `commitSync()`      | `after-processing`    |
//! | `exactly-once`  | `false`              | in the transaction  | —                     |
//!
//! Exactly-once is a consume-transform-produce guarantee: it needs `kplay.output.topic`; the
//! application's producer is transactional (`transactional.id`, default the consumer's name),
//! each poll()'s outputs and offsets commit together (`sendOffsetsToTransaction`), and the
//! consumer reads with `isolation.level=read_committed`.

use crate::config::{ConfigScope, Configs};
use crate::snapshot::LedgerView;
use serde::{Deserialize, Serialize};

/// The preset's config key.
pub const SEMANTICS_KEY: &str = "kplay.delivery.semantics";

/// A delivery-semantics preset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Semantics {
    /// Commit right after poll(), before processing: a crash mid-batch loses the rest of it.
    AtMostOnce,
    /// Process, then commit: a crash after processing and before the commit duplicates.
    AtLeastOnce,
    /// Outputs and offsets in one transaction (consume-transform-produce).
    ExactlyOnce,
}

impl Semantics {
    /// The value as written in the config.
    pub fn name(self) -> &'static str {
        match self {
            Semantics::AtMostOnce => "at-most-once",
            Semantics::AtLeastOnce => "at-least-once",
            Semantics::ExactlyOnce => "exactly-once",
        }
    }

    /// The configs the preset stands for, in Kafka terms (and the playground's commit loop).
    pub fn configs(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Semantics::AtMostOnce => &[
                ("enable.auto.commit", "false"),
                ("kplay.commit.mode", "sync"),
                ("kplay.commit.timing", "before-processing"),
            ],
            Semantics::AtLeastOnce => &[
                ("enable.auto.commit", "false"),
                ("kplay.commit.mode", "sync"),
                ("kplay.commit.timing", "after-processing"),
            ],
            Semantics::ExactlyOnce => &[
                ("enable.auto.commit", "false"),
                ("isolation.level", "read_committed"),
            ],
        }
    }

    /// What the preset means, one sentence.
    pub fn meaning(self) -> &'static str {
        match self {
            Semantics::AtMostOnce => "commitSync() right after poll(), before processing: a crash mid-batch loses the records not yet processed, none is processed twice",
            Semantics::AtLeastOnce => "process the batch, then commitSync(): a crash before the commit means the records are processed again, none is lost",
            Semantics::ExactlyOnce => "each poll()'s results and its offsets commit in one transaction (sendOffsetsToTransaction, commitTransaction): a crash aborts both, so read_committed readers of the output see every input's result exactly once",
        }
    }
}

/// Reads `kplay.delivery.semantics` (already validated against its list) and checks that no
/// explicit config contradicts the preset. `Ok(None)`: no preset (`none`).
pub fn preset(c: &Configs) -> Result<Option<Semantics>, String> {
    let s = match c.get(ConfigScope::Consumer, SEMANTICS_KEY).as_str() {
        "at-most-once" => Semantics::AtMostOnce,
        "at-least-once" => Semantics::AtLeastOnce,
        "exactly-once" => {
            if c.get(ConfigScope::Consumer, "kplay.output.topic")
                .is_empty()
            {
                return Err(format!(
                    "{SEMANTICS_KEY}=exactly-once is a consume-transform-produce guarantee: set kplay.output.topic (the application's results are committed in one transaction with its offsets)"
                ));
            }
            Semantics::ExactlyOnce
        }
        _ => return Ok(None),
    };
    for (k, v) in s.configs() {
        if let Some(set) = c.overrides.get(*k) {
            if set != v {
                return Err(format!(
                    "{SEMANTICS_KEY}={} sets {k}={v}; it contradicts {k}={set} (remove one of them)",
                    s.name()
                ));
            }
        }
    }
    Ok(Some(s))
}

/// The configs with the preset applied (its keys added), for the settings and the snapshot.
pub fn apply(c: &Configs) -> Result<Configs, String> {
    let mut out = c.clone();
    if let Some(s) = preset(c)? {
        for (k, v) in s.configs() {
            out.overrides.insert(k.to_string(), v.to_string());
        }
    }
    Ok(out)
}

/// Adds one partition to a group's delivery report.
///
/// `counts[o]` = how many times the group processed offset `o`; `hw` = the partition leader's
/// high watermark (records below it are committed by the cluster: what "produced and acked"
/// means for acks=all); `committed` = the group's committed offset; `in_hand(o)` = a live member
/// of the group holds offset `o` in a poll() batch it is still processing.
///
/// A record below the HW is
/// - **lost** when it was never processed, the group's committed offset has passed it, and no
///   live member is still working on it: the group will not read it again unless someone seeks
///   back (at-most-once after a crash mid-batch; `auto.offset.reset=latest`; a seek forward);
/// - **duplicated** when it was processed more than once;
/// - **pending** when it was never processed and the committed offset has not passed it yet
///   (or a live member is processing it): the group will still get to it.
pub fn add_partition(
    lv: &mut LedgerView,
    counts: &[u32],
    hw: u64,
    committed: Option<u64>,
    in_hand: impl Fn(u64) -> bool,
    skip: impl Fn(u64) -> bool,
) {
    let committed = committed.unwrap_or(0);
    for o in 0..hw {
        // Transaction markers, and aborted records for read_committed groups, are never
        // returned by poll(): they are neither processed nor lost.
        if skip(o) {
            continue;
        }
        match counts.get(o as usize).copied().unwrap_or(0) {
            0 => {
                lv.never_processed += 1;
                if o < committed && !in_hand(o) {
                    lv.lost += 1;
                } else {
                    lv.pending += 1;
                }
            }
            1 => lv.processed_once += 1,
            _ => lv.duplicated += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn configs(list: &[(&str, &str)]) -> Result<Configs, String> {
        let map: BTreeMap<String, String> = list
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let c = Configs::from_map(ConfigScope::Consumer, &map).map_err(|e| e.message)?;
        apply(&c)
    }

    #[test]
    fn presets_set_the_kafka_configs() {
        let c = configs(&[(SEMANTICS_KEY, "at-most-once")]).unwrap();
        assert_eq!(c.get(ConfigScope::Consumer, "enable.auto.commit"), "false");
        assert_eq!(c.get(ConfigScope::Consumer, "kplay.commit.mode"), "sync");
        assert_eq!(
            c.get(ConfigScope::Consumer, "kplay.commit.timing"),
            "before-processing"
        );
        let c = configs(&[(SEMANTICS_KEY, "at-least-once")]).unwrap();
        assert_eq!(
            c.get(ConfigScope::Consumer, "kplay.commit.timing"),
            "after-processing"
        );
        // Without a preset nothing changes.
        let c = configs(&[]).unwrap();
        assert!(c.overrides.is_empty());
    }

    #[test]
    fn contradictions_and_exactly_once_are_refused() {
        let e = configs(&[
            (SEMANTICS_KEY, "at-least-once"),
            ("enable.auto.commit", "true"),
        ])
        .unwrap_err();
        assert_eq!(e, "kplay.delivery.semantics=at-least-once sets enable.auto.commit=false; it contradicts enable.auto.commit=true (remove one of them)");
        // Agreeing explicit values are fine.
        assert!(configs(&[
            (SEMANTICS_KEY, "at-most-once"),
            ("enable.auto.commit", "false")
        ])
        .is_ok());
        let e = configs(&[(SEMANTICS_KEY, "exactly-once")]).unwrap_err();
        assert!(e.contains("set kplay.output.topic"), "{e}");
        let c = configs(&[
            (SEMANTICS_KEY, "exactly-once"),
            ("kplay.output.topic", "out"),
        ])
        .unwrap();
        assert_eq!(
            c.get(ConfigScope::Consumer, "isolation.level"),
            "read_committed"
        );
        assert_eq!(c.get(ConfigScope::Consumer, "enable.auto.commit"), "false");
        let e = configs(&[(SEMANTICS_KEY, "twice")]).unwrap_err();
        assert!(
            e.starts_with("Invalid value twice for configuration kplay.delivery.semantics"),
            "{e}"
        );
    }

    #[test]
    fn lost_is_below_the_committed_offset_and_never_processed() {
        let mut lv = LedgerView::default();
        // Offsets 0..8 below the HW; 0,1 once; 2 twice; 3,4 never (committed = 6 passed them);
        // 5 never but in hand; 6 once; 7 never and not yet committed.
        let counts = [1, 1, 2, 0, 0, 0, 1, 0];
        add_partition(&mut lv, &counts, 8, Some(6), |o| o == 5, |_| false);
        assert_eq!(lv.processed_once, 3);
        assert_eq!(lv.duplicated, 1);
        assert_eq!(lv.never_processed, 4);
        assert_eq!(lv.lost, 2);
        assert_eq!(lv.pending, 2);
        // No commit: nothing is lost yet.
        let mut lv = LedgerView::default();
        add_partition(&mut lv, &[], 3, None, |_| false, |_| false);
        assert_eq!((lv.lost, lv.pending), (0, 3));
    }
}
