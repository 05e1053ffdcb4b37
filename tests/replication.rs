//! Replication behaviour a learner can provoke, each checked against Kafka's rules.

use kplay_engine::{Cluster, Command, EventKind, Input, KafkaError, ProduceOutcome};
use kplay_tests::*;
use std::collections::BTreeMap;

fn followers(c: &Cluster, topic: &str) -> (u32, Vec<u32>) {
    let l = leader(c, topic, 0).expect("leader");
    let s = c.snapshot();
    let reps: Vec<u32> = s.topics[0].partitions[0]
        .replicas
        .iter()
        .map(|b| b.0)
        .filter(|&b| b != l)
        .collect();
    (l, reps)
}

/// acks=0 answers at once with offset -1; acks=1 and acks=all return the real offset, and acks=all
/// only once the HW has passed the record (so it is never faster than acks=1 here).
#[test]
fn acks_zero_one_all() {
    let mut c = cluster_with_topic(3, 3, "t", 1, 3, 2, "0");
    let evs = cmd(
        &mut c,
        Command::Produce {
            producer: "p".into(),
            topic: "t".into(),
            partition: None,
            key: Some("k".into()),
            value: Some("v".into()),
        },
    );
    let immediate = evs.iter().any(|e| {
        matches!(
            &e.kind,
            EventKind::ProduceCompleted {
                outcome: ProduceOutcome::Ok { offset: -1 },
                latency_ms: 0,
                ..
            }
        )
    });
    assert!(
        immediate,
        "acks=0 completes immediately with offset -1: {evs:?}"
    );
    c.run_ms(100);
    let s = c.snapshot();
    assert_eq!(
        s.topics[0].partitions[0].high_watermark.map(|o| o.0),
        Some(1),
        "the acks=0 record was still written"
    );

    cmd(
        &mut c,
        Command::AlterProducerConfig {
            producer: "p".into(),
            key: "acks".into(),
            value: "1".into(),
        },
    );
    assert_eq!(
        ok(&produce_and_wait(&mut c, "t", Some("k"), "v", 1000)),
        Some(1)
    );
    cmd(
        &mut c,
        Command::AlterProducerConfig {
            producer: "p".into(),
            key: "acks".into(),
            value: "all".into(),
        },
    );
    assert_eq!(
        ok(&produce_and_wait(&mut c, "t", Some("k"), "v", 1000)),
        Some(2)
    );

    let latency = |c: &Cluster, acks: &str| -> Vec<u64> {
        c.events()
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::ProduceCompleted {
                    acks: a,
                    latency_ms,
                    ..
                } if a.to_string() == acks => Some(*latency_ms),
                _ => None,
            })
            .collect()
    };
    assert!(
        latency(&c, "all")[0] > latency(&c, "1")[0],
        "acks=all waits for the followers' next fetch"
    );
}

/// min.insync.replicas does not apply to acks=0/1, and min ISR above RF is capped at RF
/// (Kafka: `Partition.effectiveMinIsr`).
#[test]
fn min_isr_only_guards_acks_all_and_is_capped_by_rf() {
    let mut c = cluster_with_topic(5, 3, "t", 1, 2, 3, "all");
    assert_eq!(
        ok(&produce_and_wait(&mut c, "t", None, "v", 1000)),
        Some(0),
        "min.insync.replicas=3 > RF=2 acts as 2"
    );
    let (_, f) = followers(&c, "t");
    cmd(&mut c, Command::CrashBroker { broker: f[0] });
    c.run_ms(10_000);
    assert_eq!(
        err(&produce_and_wait(&mut c, "t", None, "v", 1000)),
        Some(KafkaError::NotEnoughReplicas)
    );
    cmd(
        &mut c,
        Command::AlterTopicConfig {
            topic: "t".into(),
            key: "min.insync.replicas".into(),
            value: "1".into(),
        },
    );
    c.run_ms(50);
    assert_eq!(
        ok(&produce_and_wait(&mut c, "t", None, "v", 1000)),
        Some(1),
        "lowering min ISR unblocks acks=all"
    );
}

/// A write appended while the ISR was still full, whose followers then leave the ISR, cannot be
/// acknowledged: the HW does not advance under min ISR (Kafka 3.7+), so it times out.
#[test]
fn isr_shrinking_after_append_times_out() {
    let mut c = cluster_with_topic(11, 3, "t", 1, 3, 2, "all");
    let (_, f) = followers(&c, "t");
    cmd(&mut c, Command::CrashBroker { broker: f[0] });
    cmd(&mut c, Command::CrashBroker { broker: f[1] });
    let o = produce_and_wait(&mut c, "t", None, "v", 40_000);
    assert_eq!(err(&o), Some(KafkaError::RequestTimedOut), "{o:?}");
    let rejected = c
        .events()
        .iter()
        .any(|e| matches!(e.kind, EventKind::ProduceRejected { .. }));
    assert!(!rejected, "it was appended, not rejected before append");
    let s = c.snapshot();
    let p = &s.topics[0].partitions[0];
    assert_eq!(
        p.high_watermark.map(|o| o.0),
        Some(0),
        "HW stays below the unacknowledged record"
    );
    assert!(p.under_min_isr && s.metrics.under_min_isr_partition_count == 1);
}

/// With fencing slower than `replica.lag.time.max.ms`, the leader itself shrinks the ISR through
/// AlterPartition, and expands it again once the follower catches up to the HW.
#[test]
fn isr_shrinks_by_lag_time_and_expands_on_catch_up() {
    let mut c = cluster_with_broker_configs(
        9,
        &[
            ("replica.lag.time.max.ms", "4000"),
            ("broker.session.timeout.ms", "60000"),
        ],
        "all",
    );
    c.run_ms(100);
    let (l, f) = followers(&c, "t");
    cmd(&mut c, Command::CrashBroker { broker: f[0] });
    c.run_ms(6_000);
    // Kafka: `ReplicaState.isCaughtUp` — with no new writes, the dead follower's LEO still equals
    // the leader's, so the lag rule keeps it (only fencing would remove it).
    assert_eq!(
        isr(&c, "t", 0).len(),
        3,
        "caught up (no new data) → still in the ISR"
    );
    cmd(
        &mut c,
        Command::AlterProducerConfig {
            producer: "p".into(),
            key: "acks".into(),
            value: "1".into(),
        },
    );
    assert_eq!(
        ok(&produce_and_wait(&mut c, "t", None, "new", 1000)),
        Some(0)
    );
    c.run_ms(1_000);
    assert_eq!(
        isr(&c, "t", 0).len(),
        3,
        "behind, but not for replica.lag.time.max.ms yet"
    );
    c.run_ms(6_000);
    let mut expected = vec![l, f[1]];
    expected.sort();
    assert_eq!(
        isr(&c, "t", 0),
        expected,
        "removed after replica.lag.time.max.ms"
    );
    let shrink = c.events().iter().any(|e| matches!(&e.kind, EventKind::AlterPartitionSent { why, .. } if why.contains("replica.lag.time.max.ms")));
    assert!(shrink, "the leader asked the controller to shrink the ISR");
    // An idle but caught-up follower is never removed.
    assert!(isr(&c, "t", 0).contains(&f[1]));

    for i in 1..5 {
        produce_and_wait(&mut c, "t", None, &format!("v{i}"), 1000);
    }
    cmd(&mut c, Command::RestartBroker { broker: f[0] });
    c.run_ms(2_000);
    assert_eq!(
        isr(&c, "t", 0),
        vec![1, 2, 3],
        "caught up to the HW → back in the ISR"
    );
    let s = c.snapshot();
    let p = &s.topics[0].partitions[0];
    for r in &p.replica_states {
        assert_eq!(r.log_end_offset.0, 5, "every replica has all 5 records");
    }
}

/// Crashing the leader: the controller fences it after broker.session.timeout.ms and elects the
/// first ISR replica in assignment order, bumping the leader epoch; acknowledged data survives.
#[test]
fn leader_failover_elects_from_isr_and_bumps_epoch() {
    for seed in 0..10 {
        let mut c = cluster_with_topic(seed, 3, "t", 1, 3, 2, "all");
        for i in 0..3 {
            assert!(ok(&produce_and_wait(&mut c, "t", None, &format!("v{i}"), 1000)).is_some());
        }
        let s = c.snapshot();
        let p = &s.topics[0].partitions[0];
        let old_epoch = p.leader_epoch.0;
        let old_leader = p.leader.unwrap();
        let expected_new = p
            .replicas
            .iter()
            .copied()
            .find(|&r| r != old_leader)
            .unwrap();
        cmd(
            &mut c,
            Command::CrashBroker {
                broker: old_leader.0,
            },
        );
        // Heartbeats go every 2 s, so fencing comes 7–9 s after the crash.
        c.run_ms(6_500);
        assert_eq!(
            leader(&c, "t", 0),
            Some(old_leader.0),
            "seed={seed}: not fenced before broker.session.timeout.ms"
        );
        c.run_ms(3_000);
        let s = c.snapshot();
        let p = &s.topics[0].partitions[0];
        assert_eq!(p.leader, Some(expected_new), "seed={seed}");
        assert_eq!(p.leader_epoch.0, old_epoch + 1, "seed={seed}");
        assert!(!p.isr.contains(&old_leader));
        assert_eq!(
            ok(&produce_and_wait(&mut c, "t", None, "after", 1000)),
            Some(3),
            "seed={seed}"
        );
    }
}

/// An acks=1 write that only the old leader had is lost when it crashes: the old leader comes back
/// as a follower and truncates it by leader epoch (KIP-101).
#[test]
fn restarted_leader_truncates_unreplicated_acks1_write() {
    let mut c = cluster_with_broker_configs(
        4,
        &[
            ("sim.network.latency.min.ms", "5"),
            ("sim.network.latency.max.ms", "5"),
        ],
        "1",
    );
    c.run_ms(100);
    produce_and_wait(&mut c, "t", None, "kept", 1000);
    c.run_ms(100);
    let l = leader(&c, "t", 0).unwrap();
    cmd(
        &mut c,
        Command::Produce {
            producer: "p".into(),
            topic: "t".into(),
            partition: None,
            key: None,
            value: Some("lost".into()),
        },
    );
    c.run_ms(6); // delivered and appended at the leader, not yet fetched by anyone
    cmd(&mut c, Command::CrashBroker { broker: l });
    c.run_ms(12_000);
    cmd(&mut c, Command::RestartBroker { broker: l });
    c.run_ms(3_000);
    let truncated = c
        .events()
        .iter()
        .any(|e| matches!(&e.kind, EventKind::Truncated { broker, lost: 1, .. } if broker.0 == l));
    assert!(truncated, "old leader discarded the unreplicated record");
    let s = c.snapshot();
    for r in &s.topics[0].partitions[0].replica_states {
        assert_eq!(r.log_end_offset.0, 1, "every replica agrees on one record");
        assert_eq!(r.records[0].value.as_deref(), Some("kept"));
    }
    assert_eq!(isr(&c, "t", 0), vec![1, 2, 3]);
}

/// Wrong configs are refused with Kafka's wording; nothing panics.
#[test]
fn bad_commands_fail_with_kafka_errors() {
    let mut c = cluster_with_topic(1, 3, "t", 1, 3, 2, "all");
    let failed = |evs: Vec<kplay_engine::Event>| -> Option<(KafkaError, String)> {
        evs.into_iter().find_map(|e| match e.kind {
            EventKind::CommandFailed { error, message, .. } => Some((error, message)),
            _ => None,
        })
    };
    let e = failed(cmd(
        &mut c,
        Command::CreateTopic {
            name: "x".into(),
            partitions: 1,
            replication_factor: 4,
            configs: BTreeMap::new(),
        },
    ))
    .unwrap();
    assert_eq!(e.0, KafkaError::InvalidReplicationFactor);
    assert!(e.1.contains("only 3 broker(s) are registered"), "{}", e.1);
    let e = failed(cmd(
        &mut c,
        Command::CreateTopic {
            name: "t".into(),
            partitions: 1,
            replication_factor: 1,
            configs: BTreeMap::new(),
        },
    ))
    .unwrap();
    assert_eq!(e.0, KafkaError::TopicAlreadyExists);
    let e = failed(cmd(
        &mut c,
        Command::AlterTopicConfig {
            topic: "t".into(),
            key: "min.insync.replicas".into(),
            value: "0".into(),
        },
    ))
    .unwrap();
    assert_eq!(
        e.1,
        "Invalid value 0 for configuration min.insync.replicas: Value must be at least 1"
    );
    let e = failed(cmd(
        &mut c,
        Command::AlterProducerConfig {
            producer: "p".into(),
            key: "acks".into(),
            value: "2".into(),
        },
    ))
    .unwrap();
    assert_eq!(
        e.1,
        "Invalid value 2 for configuration acks: String must be one of: all, -1, 0, 1"
    );
    let e = failed(cmd(&mut c, Command::CrashBroker { broker: 9 })).unwrap();
    assert_eq!(e.0, KafkaError::BrokerNotAvailable);
    assert!(failed(c.step(Input::Command(Command::RestartBroker { broker: 1 }))).is_some());
}

/// Keys go to `toPositive(murmur2(key)) % partitions`, exactly like the Java client.
#[test]
fn keyed_records_follow_murmur2() {
    let mut c = cluster_with_topic(2, 3, "t", 6, 3, 1, "1");
    for key in ["21", "foobar", "abc", "user_id=123", "user_id=456"] {
        cmd(
            &mut c,
            Command::Produce {
                producer: "p".into(),
                topic: "t".into(),
                partition: None,
                key: Some(key.into()),
                value: Some("v".into()),
            },
        );
    }
    let expected: Vec<u32> = ["21", "foobar", "abc", "user_id=123", "user_id=456"]
        .iter()
        .map(|k| kplay_engine::partitioner::partition_for_key(k.as_bytes(), 6))
        .collect();
    // "21" → murmur2 -973932308 → toPositive 1173551340 → % 6 = 0 (UtilsTest vector).
    assert_eq!(expected[0], 1_173_551_340 % 6);
    let s = c.snapshot();
    let got: Vec<u32> = s.requests.iter().map(|r| r.tp.partition).collect();
    assert_eq!(got, expected);
}

/// Partitions can only be added (Kafka's `InvalidPartitionsException` wording), and adding them
/// remaps keys: `toPositive(murmur2("user_id=123"))` is 1 mod 3 but 4 mod 6.
#[test]
fn create_partitions_only_grows_and_remaps_keys() {
    let mut c = cluster_with_topic(6, 3, "t", 3, 2, 1, "1");
    let failed = |evs: Vec<kplay_engine::Event>| {
        evs.into_iter().find_map(|e| match e.kind {
            EventKind::CommandFailed { error, message, .. } => Some((error, message)),
            _ => None,
        })
    };
    let e = failed(cmd(
        &mut c,
        Command::CreatePartitions {
            topic: "t".into(),
            count: 2,
        },
    ))
    .unwrap();
    assert_eq!(
        e,
        (
            KafkaError::InvalidPartitions,
            "Topic currently has 3 partitions, which is higher than the requested 2.".to_string()
        )
    );
    let e = failed(cmd(
        &mut c,
        Command::CreatePartitions {
            topic: "t".into(),
            count: 3,
        },
    ))
    .unwrap();
    assert_eq!(
        e,
        (
            KafkaError::InvalidPartitions,
            "Topic already has 3 partition(s).".to_string()
        )
    );

    produce_and_wait(&mut c, "t", Some("user_id=123"), "before", 1000);
    assert!(failed(cmd(
        &mut c,
        Command::CreatePartitions {
            topic: "t".into(),
            count: 6
        }
    ))
    .is_none());
    c.run_ms(100);
    // The producer still has the old partition count: Kafka clients only see new partitions
    // after a metadata refresh (metadata.max.age.ms, 5 minutes by default).
    produce_and_wait(&mut c, "t", Some("user_id=123"), "stale", 1000);
    c.run_ms(300_000);
    produce_and_wait(&mut c, "t", Some("user_id=123"), "after", 1000);
    let s = c.snapshot();
    let parts: Vec<u32> = s.requests.iter().map(|r| r.tp.partition).collect();
    assert_eq!(parts, vec![1, 1, 4]);
    assert_eq!(s.topics[0].partitions.len(), 6);
    assert!(s.topics[0].partitions.iter().all(|p| p.leader.is_some()));
}
