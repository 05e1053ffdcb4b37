//! Log compaction and retention (issue #5): ports of Kafka's `LogCleanerTest`,
//! `LogCleanerManagerTest` and `UnifiedLogTest` cases on a replica log, a property test of the
//! cleaner over many seeds, and cluster runs (consumers reading a compacted log, INVALID_RECORD,
//! `__consumer_offsets` compaction, a follower that fell below the leader's log start).

use kplay_engine::cleaner::{
    clean, cleanable_offsets, delete_old_segments, log_to_clean, maybe_clean, RetentionReason,
};
use kplay_engine::ids::{LeaderEpoch, Offset};
use kplay_engine::log::Log;
use kplay_engine::producer::record_size;
use kplay_engine::rng::Rng;
use kplay_engine::segment::{parse_ratio, LogConfig};
use kplay_engine::{Cluster, ClusterSpec, Command, EventKind, Input, KafkaError, ProduceOutcome};
use std::collections::BTreeMap;

fn config(f: impl FnOnce(&mut LogConfig)) -> LogConfig {
    let mut c = LogConfig::default();
    f(&mut c);
    c
}

fn log_with(cfg: LogConfig) -> Log {
    let mut log = Log::default();
    log.segments.config = cfg;
    log
}

/// `record(key, value)` of Kafka's tests: key and value are the decimal numbers.
fn append(log: &mut Log, key: u64, value: Option<u64>, now_ms: u64) -> Offset {
    log.append_as_leader(
        LeaderEpoch(0),
        Some(key.to_string().into()),
        value.map(|v| v.to_string().into()),
        None,
        now_ms,
    )
}

/// All records committed: the cleaner works below the high watermark.
fn commit_all(log: &mut Log) {
    let leo = log.log_end_offset();
    log.maybe_increment_high_watermark(leo);
}

/// Kafka: `LogTestUtils.keysInLog` — keys of records that have a value.
fn keys_in_log(log: &Log) -> Vec<u64> {
    log.records()
        .iter()
        .filter(|r| r.value.is_some())
        .filter_map(|r| r.key.as_deref().and_then(|k| k.parse().ok()))
        .collect()
}

fn segments(log: &Log) -> usize {
    log.segments.list.len()
}

/// Kafka: `LogCleanerTest.testCleanSegments` — keys 0..N in four segments; keys 1, 3, 5, 7, 9
/// are superseded (the Kafka test fakes that with an offset map; here later records of those
/// keys do it); cleaning removes exactly their old records and nothing else.
#[test]
fn log_cleaner_test_clean_segments() {
    let mut log = log_with(config(|c| {
        c.compact = true;
        c.segment_bytes = 1024;
    }));
    while segments(&log) < 4 {
        let o = log.log_end_offset().0;
        append(&mut log, o, Some(o), 0);
    }
    let leo = log.log_end_offset().0;
    assert_eq!(keys_in_log(&log), (0..leo).collect::<Vec<_>>());
    for k in [1, 3, 5, 7, 9] {
        append(&mut log, k, Some(k), 0);
    }
    // A new active segment, so the overwrites are cleanable too.
    while segments(&log) < 6 {
        let o = log.log_end_offset().0;
        append(&mut log, o, Some(o), 0);
    }
    commit_all(&mut log);
    let before = keys_in_log(&log);
    let r = clean(&mut log, 0);
    let mut expected: Vec<u64> = before.clone();
    for k in [1, 3, 5, 7, 9] {
        let first = expected.iter().position(|x| *x == k).unwrap();
        expected.remove(first);
    }
    assert_eq!(keys_in_log(&log), expected);
    assert_eq!(r.records_removed, 5);
    assert_eq!(r.tombstones_removed, 0);
    assert_eq!(
        log.segments.cleaner_checkpoint,
        Some(log.segments.active().base_offset)
    );
}

/// Kafka: `LogCleanerTest.testCleaningWithDeletes` — tombstones for every even key; after the
/// cleaning none of the deleted keys has a value left.
#[test]
fn log_cleaner_test_cleaning_with_deletes() {
    let mut log = log_with(config(|c| {
        c.compact = true;
        c.segment_bytes = 1024;
    }));
    while segments(&log) < 2 {
        let o = log.log_end_offset().0;
        append(&mut log, o, Some(o), 0);
    }
    let leo = log.log_end_offset().0;
    for key in (0..leo).step_by(2) {
        append(&mut log, key, None, 0);
    }
    while segments(&log) < 4 {
        let o = log.log_end_offset().0;
        append(&mut log, o, Some(o), 0);
    }
    commit_all(&mut log);
    clean(&mut log, 0);
    let keys = keys_in_log(&log);
    assert!(
        (0..leo).step_by(2).all(|k| !keys.contains(&k)),
        "None of the keys we deleted should still exist."
    );
    assert!((1..leo).step_by(2).all(|k| keys.contains(&k)));
}

/// Kafka: `Cleaner.buildOffsetMap` / `cleanInto` with `CleanedTransactionMetadata` — the records
/// of an aborted transaction are left out of the offset map and discarded, so an aborted write
/// never shadows (and deletes) the older committed value of its key; the ABORT marker stays (a
/// read_committed reader of what remains needs it, and the simulation never drops markers).
#[test]
fn aborted_transactional_records_never_shadow_a_committed_value() {
    use kplay_engine::log::{BatchKind, NewRecord};
    let mut log = log_with(config(|c| {
        c.compact = true;
        c.segment_bytes = 1024;
    }));
    append(&mut log, 1, Some(100), 0); // key 1 = 100, committed (not transactional)
    let rec = |k: u64, v: u64| NewRecord {
        key: Some(k.to_string().into()),
        value: Some(v.to_string().into()),
        produce_id: None,
    };
    // Producer 7's transaction writes key 1 = 666 and key 2 = 667, then aborts.
    let first = log.append_batch_of_kind(
        LeaderEpoch(0),
        vec![rec(1, 666), rec(2, 667)],
        Some((7, 0, 0)),
        BatchKind::Transactional,
        0,
    );
    let marker = log
        .append_control(LeaderEpoch(0), 7, 0, false, 0)
        .expect("abort marker");
    assert_eq!((first, marker), (Offset(1), Offset(3)));
    // Fill closed segments so the whole transaction is cleanable, and end past the LSO.
    while segments(&log) < 3 {
        let o = log.log_end_offset().0;
        append(&mut log, 1_000 + o, Some(o), 0);
    }
    commit_all(&mut log);
    assert_eq!(log.aborted_txns().len(), 1);
    clean(&mut log, 0);
    let at = |o: u64| log.records().iter().find(|r| r.offset.0 == o).cloned();
    let kept = at(0).expect("the committed value of key 1 survives");
    assert_eq!(kept.value.as_deref(), Some("100"));
    assert!(
        at(1).is_none() && at(2).is_none(),
        "the aborted records are discarded"
    );
    assert!(at(3).is_some_and(|r| r.producer.is_some_and(|p| p.kind == BatchKind::Abort)));
    assert!(
        !keys_in_log(&log).contains(&2),
        "key 2 was only ever written by the aborted txn"
    );
}

/// KIP-534 (`LogCleanerTest.testDeleteRetentionMs`-style): a tombstone survives the cleaning that
/// first sees it, gets a delete horizon of now + `delete.retention.ms`, and a cleaning after the
/// horizon removes it.
#[test]
fn tombstones_are_removed_after_delete_retention_ms() {
    let mut log = log_with(config(|c| {
        c.compact = true;
        c.segment_bytes = 60;
        c.delete_retention_ms = 1000;
    }));
    for (i, k) in [1, 2, 1, 2].into_iter().enumerate() {
        append(&mut log, k, Some(i as u64), 0);
    }
    append(&mut log, 1, None, 0);
    while segments(&log) < 3 {
        append(&mut log, 9, Some(9), 0);
    }
    commit_all(&mut log);
    let r = clean(&mut log, 100);
    assert_eq!(r.tombstones_removed, 0);
    let tomb = log.records().iter().filter(|r| r.is_tombstone()).count();
    assert_eq!(tomb, 1, "kept the first time");
    let horizon = log.segments.list.iter().find_map(|s| s.delete_horizon_ms);
    assert_eq!(horizon, Some(1100));
    // A cleaning needs new dirty data (Kafka cleans only a dirty section). Before the horizon
    // another cleaning keeps the tombstone; after it, the next one removes it.
    let roll = |log: &mut Log| {
        let n = segments(log);
        while segments(log) == n {
            append(log, 9, Some(9), 0);
        }
        commit_all(log);
    };
    roll(&mut log);
    clean(&mut log, 1099);
    assert_eq!(log.records().iter().filter(|r| r.is_tombstone()).count(), 1);
    roll(&mut log);
    let r = clean(&mut log, 1100);
    assert_eq!(r.tombstones_removed, 1);
    assert!(log.records().iter().all(|r| r.key.as_deref() != Some("1")));
}

/// Kafka: `LogCleanerManagerTest.testCleanableOffsetsForTime` — with `min.compaction.lag.ms`,
/// the first uncleanable offset is the segment holding records newer than now - lag.
#[test]
fn log_cleaner_manager_test_cleanable_offsets_for_time() {
    let lag = 60 * 60 * 1000;
    let mut log = log_with(config(|c| {
        c.compact = true;
        c.segment_bytes = 1024;
        c.min_compaction_lag_ms = lag;
    }));
    let t0 = 1_000;
    while segments(&log) < 4 {
        let o = log.log_end_offset().0;
        append(&mut log, o, Some(o), t0);
    }
    let active_at_t0 = log.segments.active().base_offset;
    let t1 = t0 + lag + 1;
    while segments(&log) < 8 {
        let o = log.log_end_offset().0;
        append(&mut log, o, Some(o), t1);
    }
    commit_all(&mut log);
    let (first_dirty, first_uncleanable, _) = cleanable_offsets(&log, t1);
    assert_eq!(
        first_dirty,
        Offset(0),
        "The first cleanable offset starts at the beginning of the log."
    );
    assert_eq!(
        first_uncleanable, active_at_t0,
        "The first uncleanable offset begins with the second block of log entries."
    );
}

/// Kafka: `LogCleanerManagerTest.testCleanableOffsetsForShortTime` — once the lag has passed for
/// every segment, only the active segment is uncleanable.
#[test]
fn log_cleaner_manager_test_cleanable_offsets_for_short_time() {
    let lag = 60 * 60 * 1000;
    let mut log = log_with(config(|c| {
        c.compact = true;
        c.segment_bytes = 1024;
        c.min_compaction_lag_ms = lag;
    }));
    while segments(&log) < 4 {
        let o = log.log_end_offset().0;
        append(&mut log, o, Some(o), 0);
    }
    commit_all(&mut log);
    let (first_dirty, first_uncleanable, _) = cleanable_offsets(&log, lag + 1);
    assert_eq!(first_dirty, Offset(0));
    assert_eq!(
        first_uncleanable,
        log.segments.active().base_offset,
        "The first uncleanable offset begins with active segment."
    );
}

/// Kafka: `LogToClean` — cleanable ratio = dirty bytes / (clean + dirty bytes) with the exact
/// byte counts, compared strictly with `min.cleanable.dirty.ratio`; the high watermark (the
/// last stable offset without transactions) bounds the cleanable part; `max.compaction.lag.ms`
/// forces a cleaning whatever the ratio.
#[test]
fn dirty_ratio_and_cleanable_range() {
    let size = record_size(0, Some("1"), Some("1"));
    let mut log = log_with(config(|c| {
        c.compact = true;
        c.segment_bytes = size * 4; // 4 records per segment
    }));
    for i in 0..12 {
        append(&mut log, i % 2, Some(i % 10), 0); // segments [0..4) [4..8) [8..12)
    }
    assert_eq!(segments(&log), 3);
    assert_eq!(
        log_to_clean(&log, 0).cleanable_bytes,
        0,
        "HW at 0: nothing is cleanable"
    );
    commit_all(&mut log);
    let ltc = log_to_clean(&log, 0);
    assert_eq!(
        (ltc.clean_bytes, ltc.cleanable_bytes),
        (0, 8 * size),
        "two closed segments"
    );
    assert_eq!(ltc.cleanable_ratio(), 1_000_000);
    let r = maybe_clean(&mut log, 0).expect("ratio 1.0 > 0.5");
    assert_eq!(
        r.records_removed, 6,
        "keys 0 and 1: only offsets 6 and 7 stay"
    );
    assert_eq!(r.end_offset, Offset(8));
    // Four more records: one more closed dirty segment of 4 records against 2 clean ones.
    for i in 12..16 {
        append(&mut log, i % 2, Some(i % 10), 0);
    }
    commit_all(&mut log);
    let ltc = log_to_clean(&log, 0);
    assert_eq!(
        (ltc.first_dirty_offset, ltc.first_uncleanable_offset),
        (Offset(8), Offset(12))
    );
    assert_eq!((ltc.clean_bytes, ltc.cleanable_bytes), (2 * size, 4 * size));
    assert_eq!(ltc.cleanable_ratio(), 666_666);
    assert!(ltc.should_clean(parse_ratio("0.5").unwrap()));
    assert!(!ltc.should_clean(parse_ratio("0.7").unwrap()));
    // Exactly at the ratio is not enough (Kafka compares with `>`).
    let half = kplay_engine::cleaner::LogToClean {
        clean_bytes: 100,
        cleanable_bytes: 100,
        need_compaction_now: false,
        ..ltc
    };
    assert!(!half.should_clean(500_000) && half.should_clean(499_999));
    // max.compaction.lag.ms: overdue dirty data is cleaned even with a ratio of 0.99.
    log.segments.config.min_cleanable_dirty_ratio = parse_ratio("0.99").unwrap();
    log.segments.config.max_compaction_lag_ms = 1000;
    assert!(maybe_clean(&mut log, 500).is_none());
    assert!(maybe_clean(&mut log, 1001).is_some());
}

/// Kafka: `UnifiedLogTest.testSizeBasedLogRetention` — 15 records in segments of 5, a
/// retention of 10 records' bytes: the oldest segment goes, 2 stay.
#[test]
fn unified_log_test_size_based_log_retention() {
    let size = record_size(0, None, Some("test"));
    let mut log = log_with(config(|c| {
        c.segment_bytes = size * 5;
        c.retention_bytes = (size * 10) as i64;
    }));
    for _ in 0..15 {
        log.append_as_leader(LeaderEpoch(0), None, Some("test".into()), None, 0);
    }
    commit_all(&mut log);
    let deleted = delete_old_segments(&mut log, 0);
    assert_eq!(segments(&log), 2, "should have 2 segments");
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0].reason, RetentionReason::RetentionBytes);
    assert_eq!(log.log_start_offset(), Offset(5));
    assert_eq!(
        log.records().iter().next().map(|r| r.offset),
        Some(Offset(5))
    );
}

/// Kafka: `UnifiedLogTest.testDeleteOldSegments` — records older than `retention.ms`; nothing
/// goes without a high watermark; with the HW at 25..=30 only segments wholly below it go; with
/// the HW at the end every segment goes and a new empty active segment is rolled at the end.
/// (The Kafka test also checks the leader-epoch cache is truncated from the start; the
/// simulation keeps those entries.)
#[test]
fn unified_log_test_delete_old_segments() {
    let size = record_size(0, None, Some("test"));
    let mut log = log_with(config(|c| {
        c.segment_bytes = size * 5;
        c.retention_ms = 999;
    }));
    for _ in 0..100 {
        log.append_as_leader(LeaderEpoch(0), None, Some("test".into()), None, 0);
    }
    let now = 1000;
    let n = segments(&log);
    assert_eq!(n, 20);
    delete_old_segments(&mut log, now);
    assert_eq!(segments(&log), n);
    assert_eq!(log.log_start_offset(), Offset(0));
    for hw in 25..=30 {
        log.maybe_increment_high_watermark(Offset(hw));
        delete_old_segments(&mut log, now);
        assert!(log.log_start_offset().0 <= hw);
        for (i, s) in log.segments.list.iter().enumerate() {
            let end = log.segments.end_of(i, log.log_end_offset());
            if s.records > 0 {
                assert!(
                    end.0 > hw,
                    "segment at {} ends at {}",
                    s.base_offset.0,
                    end.0
                );
            }
        }
    }
    commit_all(&mut log);
    delete_old_segments(&mut log, now);
    assert_eq!(segments(&log), 1, "The deleted segments should be gone.");
    assert_eq!(log.log_start_offset(), Offset(100));
    assert_eq!(log.log_end_offset(), Offset(100));
    assert!(log.records().is_empty());
    // The log goes on at 100.
    log.append_as_leader(LeaderEpoch(1), None, Some("x".into()), None, now);
    assert_eq!(log.records().get(100).map(|r| r.offset), Some(Offset(100)));
}

/// Property: after any cleaning, for every key the latest record is unchanged (a tombstone until
/// its horizon), offsets stay strictly increasing and below the end, the active segment is
/// untouched, and below the checkpoint each key has at most one record.
#[test]
fn cleaning_keeps_the_latest_record_per_key_over_many_seeds() {
    for seed in 0..200u64 {
        let mut rng = Rng::new(seed);
        let mut log = log_with(config(|c| {
            c.compact = true;
            c.segment_bytes = 20 + rng.below(200);
            c.delete_retention_ms = rng.below(50);
        }));
        let mut now = 0;
        for _ in 0..(50 + rng.below(300)) {
            now += rng.below(3);
            let key = rng.below(12);
            let value = (rng.below(6) != 0).then(|| now);
            append(&mut log, key, value, now);
            if rng.below(10) == 0 {
                let hw = log.log_end_offset().0.saturating_sub(rng.below(5));
                log.maybe_increment_high_watermark(Offset(hw));
                let latest = latest_per_key(&log);
                let active: Vec<(u64, Option<String>)> = active_records(&log);
                let checkpoint_before = log.segments.cleaner_checkpoint;
                if let Some(r) = maybe_clean(&mut log, now) {
                    let after = latest_per_key(&log);
                    for (k, (o, v)) in &latest {
                        match after.get(k) {
                            Some(x) => assert_eq!(x, &(*o, v.clone()), "seed={seed} key {k}"),
                            None => assert!(v.is_none(), "seed={seed}: key {k} lost its value"),
                        }
                    }
                    assert_eq!(active_records(&log), active, "seed={seed}: active segment");
                    assert!(Some(r.end_offset) >= checkpoint_before, "seed={seed}");
                }
                let offsets: Vec<u64> = log.records().iter().map(|r| r.offset.0).collect();
                assert!(offsets.windows(2).all(|w| w[0] < w[1]), "seed={seed}");
                assert!(offsets.last().is_none_or(|o| *o < log.log_end_offset().0));
                if let Some(c) = log.segments.cleaner_checkpoint {
                    let mut seen = std::collections::BTreeSet::new();
                    for r in log.records().iter().take_while(|r| r.offset < c) {
                        assert!(
                            seen.insert(r.key.clone()),
                            "seed={seed}: duplicate key below {c:?}"
                        );
                    }
                }
            }
        }
    }
}

fn latest_per_key(log: &Log) -> BTreeMap<String, (u64, Option<String>)> {
    let mut m = BTreeMap::new();
    for r in log.records().iter() {
        let k = r.key.as_deref().unwrap_or_default().to_string();
        m.insert(k, (r.offset.0, r.value.as_deref().map(str::to_string)));
    }
    m
}

fn active_records(log: &Log) -> Vec<(u64, Option<String>)> {
    let base = log.segments.active().base_offset.0;
    log.records()
        .iter_from(base as usize)
        .map(|r| (r.offset.0, r.value.as_deref().map(str::to_string)))
        .collect()
}

// ------------------------------------------------------------------------------------------
// Cluster runs.
// ------------------------------------------------------------------------------------------

fn cfg(list: &[(&str, &str)]) -> BTreeMap<String, String> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn cluster(seed: u64, broker: &[(&str, &str)], topic: &[(&str, &str)]) -> Cluster {
    let spec = ClusterSpec {
        seed,
        configs: cfg(broker),
        ..ClusterSpec::default()
    };
    let mut c = Cluster::new(&spec).unwrap();
    c.step(Input::Command(Command::CreateTopic {
        name: "t".into(),
        partitions: 1,
        replication_factor: 3,
        configs: cfg(topic),
    }));
    c.step(Input::Command(Command::AddProducer {
        name: "app".into(),
        configs: cfg(&[("acks", "all"), ("linger.ms", "0")]),
    }));
    c.run_ms(500);
    c
}

fn produce(c: &mut Cluster, key: Option<&str>, value: Option<&str>) {
    c.step(Input::Command(Command::Produce {
        producer: "app".into(),
        topic: "t".into(),
        partition: None,
        key: key.map(str::to_string),
        value: value.map(str::to_string),
    }));
}

/// Each replica's (offset, key, value) list for partition t-0.
fn replica_logs(c: &Cluster) -> Vec<Vec<(u64, Option<String>, Option<String>)>> {
    let s = c.snapshot();
    let t = s.topics.iter().find(|t| t.name == "t").unwrap();
    t.partitions[0]
        .replica_states
        .iter()
        .map(|r| {
            r.records
                .iter()
                .map(|x| (x.offset.0, x.key.clone(), x.value.clone()))
                .collect()
        })
        .collect()
}

/// Keys overwritten many times on a compacted topic: every replica cleans its own log to the
/// same result (latest value per key below the active segment), and a consumer group reading
/// from offset 0 gets exactly the records that are left, ending with the latest value per key.
#[test]
fn consumers_of_a_compacted_log_see_the_latest_value_per_key() {
    let mut c = cluster(
        3,
        &[("log.cleaner.backoff.ms", "500")],
        &[("cleanup.policy", "compact"), ("segment.bytes", "120")],
    );
    let mut latest = BTreeMap::new();
    for i in 0..60 {
        let k = format!("k{}", i % 4);
        let v = format!("v{i}");
        produce(&mut c, Some(&k), Some(&v));
        latest.insert(k, v);
        c.run_ms(20);
    }
    let evs = c.run_ms(3000);
    let cleaned = evs
        .iter()
        .filter(|e| matches!(e.kind, EventKind::LogCleaned { .. }))
        .count();
    assert!(cleaned >= 3, "every replica cleans: {cleaned}");
    let logs = replica_logs(&c);
    assert!(logs.windows(2).all(|w| w[0] == w[1]), "replicas agree");
    let log = &logs[0];
    assert!(log.len() < 60, "compaction removed records: {}", log.len());
    let mut last = BTreeMap::new();
    for (_, k, v) in log {
        last.insert(k.clone().unwrap(), v.clone().unwrap());
    }
    assert_eq!(last, latest, "the latest value per key survives");
    // A consumer from 0 polls exactly the records that are left.
    c.step(Input::Command(Command::AddConsumer {
        name: "reader".into(),
        topics: vec!["t".into()],
        configs: cfg(&[("group.id", "g"), ("auto.offset.reset", "earliest")]),
    }));
    let evs = c.run_ms(10_000);
    let polled: u32 = evs
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::RecordsPolled { records, .. } => Some(*records),
            _ => None,
        })
        .sum();
    assert_eq!(polled as usize, log.len());
}

/// Kafka: `LogValidator.validateKey` via `UnifiedLogTest.testAppendWithoutKeyToCompactedTopic`
/// (our produce path): a keyless record on a compacted topic fails with INVALID_RECORD, and the
/// error reaches the producer's callback; a tombstone with a key is accepted.
#[test]
fn keyless_records_on_a_compacted_topic_fail_with_invalid_record() {
    let mut c = cluster(4, &[], &[("cleanup.policy", "compact,delete")]);
    produce(&mut c, None, Some("no key"));
    c.run_ms(500);
    produce(&mut c, Some("k"), None);
    c.run_ms(1000);
    let s = c.snapshot();
    let outcomes: Vec<_> = s.requests.iter().map(|r| r.outcome.clone()).collect();
    match &outcomes[0] {
        Some(ProduceOutcome::Err { error, message }) => {
            assert_eq!(*error, KafkaError::InvalidRecord);
            assert!(
                message.ends_with(
                    "Compacted topic cannot accept message without key in topic partition t-0"
                ),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        outcomes[1],
        Some(ProduceOutcome::Ok { offset: 0 })
    ));
    assert_eq!(replica_logs(&c)[0], vec![(0, Some("k".into()), None)]);
}

/// `__consumer_offsets` is compacted: commits of the same group/topic/partition key overwrite
/// each other, and the cleaner removes the old ones; the group still loads its latest offset.
#[test]
fn consumer_offsets_are_compacted() {
    let mut c = cluster(
        5,
        &[
            ("offsets.topic.num.partitions", "1"),
            ("offsets.topic.segment.bytes", "200"),
            ("log.cleaner.backoff.ms", "1000"),
        ],
        &[],
    );
    c.step(Input::Command(Command::AddConsumer {
        name: "reader".into(),
        topics: vec!["t".into()],
        configs: cfg(&[
            ("group.id", "g"),
            ("auto.offset.reset", "earliest"),
            ("auto.commit.interval.ms", "1000"),
        ]),
    }));
    let mut cleaned = 0;
    for i in 0..40 {
        produce(&mut c, Some("k"), Some(&format!("v{i}")));
        cleaned += c
            .run_ms(1000)
            .iter()
            .filter(|e| {
                matches!(&e.kind, EventKind::LogCleaned { tp, records_removed, .. }
                    if tp.topic == "__consumer_offsets" && *records_removed > 0)
            })
            .count();
    }
    assert!(cleaned > 0, "old commits were cleaned away");
    let s = c.snapshot();
    let offsets = s
        .topics
        .iter()
        .find(|t| t.name == "__consumer_offsets")
        .unwrap();
    let r = &offsets.partitions[0].replica_states[0];
    assert!(
        (r.records.len() as u64) < r.log_end_offset.0,
        "gaps: {} records below offset {}",
        r.records.len(),
        r.log_end_offset.0
    );
    let cleaner = r.cleaner.as_ref().expect("compacted");
    assert!(cleaner.checkpoint.is_some());
}

/// Retention on the leader while a follower is down: when it comes back below the leader's log
/// start offset, the leader answers OFFSET_OUT_OF_RANGE and the follower starts over at the
/// leader's log start (Kafka: `ReplicaFetcherThread` → `truncateFullyAndStartAt`), then catches
/// up and rejoins the ISR.
#[test]
fn a_follower_below_the_leaders_log_start_starts_over_there() {
    let mut c = cluster(
        6,
        &[("log.retention.check.interval.ms", "1000")],
        &[
            ("segment.bytes", "100"),
            ("retention.ms", "5000"),
            ("min.insync.replicas", "1"),
        ],
    );
    let leader = c.snapshot().topics[0].partitions[0].leader.unwrap();
    let follower = c.snapshot().topics[0].partitions[0]
        .replicas
        .iter()
        .copied()
        .find(|b| *b != leader)
        .unwrap();
    produce(&mut c, Some("a"), Some("before"));
    c.run_ms(500);
    c.step(Input::Command(Command::CrashBroker { broker: follower.0 }));
    for i in 0..30 {
        produce(&mut c, Some("a"), Some(&format!("v{i}")));
        c.run_ms(100);
    }
    let evs = c.run_ms(40_000);
    assert!(evs.iter().any(|e| matches!(&e.kind,
        EventKind::SegmentsDeleted { broker, reason: RetentionReason::RetentionMs, .. } if *broker == leader)));
    let evs = [
        c.step(Input::Command(Command::RestartBroker {
            broker: follower.0,
        })),
        c.run_ms(20_000),
    ]
    .concat();
    assert!(
        evs.iter().any(|e| matches!(&e.kind,
            EventKind::Truncated { broker, .. } if *broker == follower)),
        "the follower starts over at the leader's log start"
    );
    let s = c.snapshot();
    let p = &s.topics[0].partitions[0];
    assert!(p.isr.contains(&follower), "back in the ISR: {:?}", p.isr);
    let starts: Vec<u64> = p
        .replica_states
        .iter()
        .map(|r| r.log_start_offset.0)
        .collect();
    assert!(starts.iter().all(|s| *s > 0), "{starts:?}");
}
