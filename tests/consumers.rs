//! Consumers and consumer groups (issue #5 part 1): the notes' examples (section 六), the group
//! coordinator on `__consumer_offsets`, rebalances, failover, delivery duplicates.

use kplay_engine::snapshot::{ConsumerView, GroupView};
use kplay_engine::{Cluster, ClusterSpec, Command, Event, EventKind};
use std::collections::BTreeMap;

fn cfg(list: &[(&str, &str)]) -> BTreeMap<String, String> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn cmd(c: &mut Cluster, command: Command) -> Vec<Event> {
    let out = c.step(kplay_engine::Input::Command(command));
    for e in &out {
        if let EventKind::CommandFailed { .. } = e.kind {
            panic!("command failed: {e}");
        }
    }
    out
}

/// A 3-broker cluster with `topic` (RF 3) and a producer `app` (acks=all).
fn cluster(seed: u64, topic: &str, partitions: u32, broker_cfg: &[(&str, &str)]) -> Cluster {
    let spec = ClusterSpec {
        seed,
        configs: cfg(broker_cfg),
        ..ClusterSpec::default()
    };
    let mut c = Cluster::new(&spec).unwrap();
    cmd(
        &mut c,
        Command::CreateTopic {
            name: topic.into(),
            partitions,
            replication_factor: 3,
            configs: BTreeMap::new(),
        },
    );
    cmd(
        &mut c,
        Command::AddProducer {
            name: "app".into(),
            configs: cfg(&[("acks", "all"), ("linger.ms", "0")]),
        },
    );
    c.run_ms(200);
    c
}

fn produce(c: &mut Cluster, topic: &str, partition: u32, n: u32) {
    for i in 0..n {
        cmd(
            c,
            Command::Produce {
                producer: "app".into(),
                topic: topic.into(),
                partition: Some(partition),
                key: None,
                value: Some(format!("v{i}")),
            },
        );
    }
}

fn add_consumer(c: &mut Cluster, name: &str, group: &str, topic: &str, extra: &[(&str, &str)]) {
    let mut configs = cfg(&[("group.id", group), ("auto.offset.reset", "earliest")]);
    configs.extend(cfg(extra));
    cmd(
        c,
        Command::AddConsumer {
            name: name.into(),
            topics: vec![topic.into()],
            configs,
        },
    );
}

fn group(c: &Cluster, name: &str) -> GroupView {
    c.snapshot()
        .groups
        .into_iter()
        .find(|g| g.group == name)
        .unwrap_or_else(|| panic!("no group {name}"))
}

fn consumer(c: &Cluster, name: &str) -> ConsumerView {
    c.snapshot()
        .consumers
        .into_iter()
        .find(|x| x.name == name)
        .unwrap()
}

fn parts(c: &Cluster, name: &str) -> Vec<u32> {
    consumer(c, name)
        .assignment
        .iter()
        .map(|tp| tp.partition)
        .collect()
}

/// The notes: topic orders with 3 partitions; group "order-processing" (A, B, C) gets one
/// partition each, group "analytics" (X) gets all three; both read everything independently.
#[test]
fn two_groups_consume_independently() {
    let mut c = cluster(1, "orders", 3, &[]);
    for p in 0..3 {
        produce(&mut c, "orders", p, 4);
    }
    for n in ["A", "B", "C"] {
        add_consumer(&mut c, n, "order-processing", "orders", &[]);
    }
    add_consumer(&mut c, "X", "analytics", "orders", &[]);
    // group.initial.rebalance.delay.ms (3 s, extended while members join), then auto-commit
    // (auto.commit.interval.ms = 5 s).
    c.run_ms(20_000);
    assert_eq!(parts(&c, "A"), vec![0]);
    assert_eq!(parts(&c, "B"), vec![1]);
    assert_eq!(parts(&c, "C"), vec![2]);
    assert_eq!(parts(&c, "X"), vec![0, 1, 2]);
    for g in ["order-processing", "analytics"] {
        let v = group(&c, g);
        assert_eq!(v.state, "Stable", "{v:?}");
        assert_eq!(v.ledger.processed_once, 12, "{g}: {:?}", v.ledger);
        assert_eq!(v.ledger.never_processed, 0);
        assert_eq!(v.ledger.duplicated, 0);
        for p in &v.partitions {
            assert_eq!(p.committed, Some(4), "{g} {p:?}");
            assert_eq!(p.lag, Some(0));
        }
    }
}

fn events_of(c: &Cluster) -> Vec<String> {
    c.events().iter().map(|e| e.to_string()).collect()
}

fn run_until(c: &mut Cluster, max_ms: u64, mut done: impl FnMut(&Cluster) -> bool) -> bool {
    for _ in 0..max_ms {
        if done(c) {
            return true;
        }
        c.run_ms(1);
    }
    done(c)
}

fn committed(c: &Cluster, g: &str, p: u32) -> Option<u64> {
    group(c, g)
        .partitions
        .iter()
        .find(|x| x.tp.partition == p)
        .and_then(|x| x.committed)
}

/// The notes' rebalance example: Consumer1 [P0,P1], Consumer2 [P2]; Consumer3 joins → one each
/// (RangeAssignor, Kafka's default first choice).
#[test]
fn rebalance_when_a_third_consumer_joins() {
    let mut c = cluster(2, "orders", 3, &[]);
    add_consumer(&mut c, "Consumer1", "g", "orders", &[]);
    add_consumer(&mut c, "Consumer2", "g", "orders", &[]);
    c.run_ms(8_000);
    assert_eq!(parts(&c, "Consumer1"), vec![0, 1]);
    assert_eq!(parts(&c, "Consumer2"), vec![2]);
    let gen1 = group(&c, "g").generation;
    add_consumer(&mut c, "Consumer3", "g", "orders", &[]);
    // Consumer2 and Consumer1 learn of the rebalance from their next heartbeat
    // (heartbeat.interval.ms = 3 s) and rejoin.
    c.run_ms(10_000);
    assert_eq!(parts(&c, "Consumer1"), vec![0]);
    assert_eq!(parts(&c, "Consumer2"), vec![1]);
    assert_eq!(parts(&c, "Consumer3"), vec![2]);
    let g = group(&c, "g");
    assert_eq!(g.state, "Stable");
    assert_eq!(g.generation, gen1 + 1);
    assert_eq!(g.protocol.as_deref(), Some("range"));
    let ev = events_of(&c);
    assert!(
        ev.iter()
            .any(|e| e.contains("Heartbeat failed: REBALANCE_IN_PROGRESS")),
        "{ev:#?}"
    );
}

/// The notes: a fourth consumer on a three-partition topic gets nothing.
#[test]
fn fourth_consumer_is_idle() {
    let mut c = cluster(3, "orders", 3, &[]);
    for n in ["A", "B", "C", "D"] {
        add_consumer(&mut c, n, "g", "orders", &[]);
    }
    c.run_ms(10_000);
    let sizes: Vec<usize> = ["A", "B", "C", "D"]
        .iter()
        .map(|n| parts(&c, n).len())
        .collect();
    assert_eq!(sizes, vec![1, 1, 1, 0]);
    assert_eq!(group(&c, "g").members.len(), 4);
}

/// The notes: "Consumer A crashes at offset 5 and B resumes from 5" — A commits after each
/// poll of 5 records (commitSync), crashes; the coordinator drops it after session.timeout.ms and
/// B starts from the group's committed offset.
#[test]
fn consumer_b_resumes_from_the_committed_offset() {
    let mut c = cluster(4, "orders", 1, &[]);
    produce(&mut c, "orders", 0, 10);
    let manual = [
        ("enable.auto.commit", "false"),
        ("kplay.commit.mode", "sync"),
        ("max.poll.records", "5"),
        ("kplay.processing.ms.per.record", "100"),
        ("session.timeout.ms", "10000"),
    ];
    add_consumer(&mut c, "A", "g", "orders", &manual);
    assert!(run_until(&mut c, 20_000, |c| committed(c, "g", 0) == Some(5)));
    cmd(
        &mut c,
        Command::CrashConsumer {
            consumer: "A".into(),
        },
    );
    add_consumer(&mut c, "B", "g", "orders", &manual);
    c.run_ms(20_000);
    let ev = events_of(&c);
    assert!(
        ev.iter()
            .any(|e| e.contains("removed A-") && e.contains("session timeout expired")),
        "{ev:#?}"
    );
    assert!(
        ev.iter()
            .any(|e| e.contains("B position orders-0=5 (committed offset of the group)")),
        "{ev:#?}"
    );
    assert_eq!(committed(&c, "g", 0), Some(10));
    assert_eq!(parts(&c, "B"), vec![0]);
}

/// At-least-once: records processed but not yet auto-committed are processed again after a
/// crash (enable.auto.commit, 5 s interval): duplicates, nothing lost.
#[test]
fn crash_before_commit_duplicates() {
    let mut c = cluster(5, "orders", 1, &[]);
    produce(&mut c, "orders", 0, 6);
    add_consumer(
        &mut c,
        "A",
        "g",
        "orders",
        &[("session.timeout.ms", "10000")],
    );
    assert!(run_until(&mut c, 20_000, |c| consumer(c, "A")
        .records_processed
        == 6));
    assert_eq!(committed(&c, "g", 0), None, "nothing committed yet");
    cmd(
        &mut c,
        Command::CrashConsumer {
            consumer: "A".into(),
        },
    );
    add_consumer(
        &mut c,
        "B",
        "g",
        "orders",
        &[("session.timeout.ms", "10000")],
    );
    c.run_ms(25_000);
    let l = group(&c, "g").ledger;
    assert_eq!(l.duplicated, 6, "{l:?}");
    assert_eq!(l.never_processed, 0);
    assert_eq!(l.processed_once, 0);
    assert_eq!(committed(&c, "g", 0), Some(6));
}

/// auto.offset.reset=none without a committed offset: poll() throws
/// NoOffsetForPartitionException with Kafka's message.
#[test]
fn auto_offset_reset_none_throws() {
    let mut c = cluster(6, "orders", 1, &[]);
    add_consumer(&mut c, "A", "g", "orders", &[("auto.offset.reset", "none")]);
    c.run_ms(6_000);
    let ev = events_of(&c);
    assert!(
        ev.iter().any(|e| e.ends_with(
            "A poll() threw NoOffsetForPartitionException: Undefined offset with no reset policy for partitions: [orders-0]"
        )),
        "{ev:#?}"
    );
    assert!(consumer(&c, "A").failed.is_some());
}

/// auto.offset.reset=latest starts at the high watermark: earlier records are never processed.
#[test]
fn auto_offset_reset_latest_skips_old_records() {
    let mut c = cluster(7, "orders", 1, &[]);
    produce(&mut c, "orders", 0, 3);
    c.run_ms(500);
    add_consumer(
        &mut c,
        "A",
        "g",
        "orders",
        &[("auto.offset.reset", "latest")],
    );
    c.run_ms(6_000);
    produce(&mut c, "orders", 0, 2);
    c.run_ms(6_000);
    let l = group(&c, "g").ledger;
    assert_eq!((l.never_processed, l.processed_once), (3, 2), "{l:?}");
}

/// The group's partition is Utils.abs(hashCode) % 50 and its coordinator that partition's
/// leader; without enough brokers for offsets.topic.replication.factor the topic cannot be
/// created and FindCoordinator keeps answering COORDINATOR_NOT_AVAILABLE.
#[test]
fn coordinator_is_the_offsets_partition_leader() {
    let mut c = cluster(8, "orders", 3, &[]);
    add_consumer(&mut c, "A", "order-processing", "orders", &[]);
    c.run_ms(5_000);
    let g = group(&c, "order-processing");
    let expected = kplay_engine::offsets::partition_for("order-processing", 50);
    assert_eq!(g.offsets_partition, expected);
    let snap = c.snapshot();
    let offsets = snap
        .topics
        .iter()
        .find(|t| t.name == "__consumer_offsets")
        .unwrap();
    assert_eq!(offsets.partitions.len(), 50);
    assert_eq!(
        offsets.configs.get("cleanup.policy").map(String::as_str),
        Some("compact")
    );
    let leader = offsets.partitions[expected as usize].leader;
    assert_eq!(g.coordinator, leader);
    assert_eq!(consumer(&c, "A").coordinator, leader);

    // One broker, default offsets.topic.replication.factor=3.
    let spec = ClusterSpec {
        brokers: vec![1],
        seed: 1,
        ..ClusterSpec::default()
    };
    let mut one = Cluster::new(&spec).unwrap();
    cmd(
        &mut one,
        Command::CreateTopic {
            name: "t".into(),
            partitions: 1,
            replication_factor: 1,
            configs: BTreeMap::new(),
        },
    );
    add_consumer(&mut one, "A", "g", "t", &[]);
    one.run_ms(3_000);
    let ev = events_of(&one);
    let failures: Vec<&String> = ev
        .iter()
        .filter(|e| e.contains("cannot create __consumer_offsets"))
        .collect();
    assert_eq!(failures.len(), 1, "reported once: {ev:#?}");
    assert!(
        failures[0].contains("INVALID_REPLICATION_FACTOR"),
        "{}",
        failures[0]
    );
    assert!(ev
        .iter()
        .any(|e| e.contains("FindCoordinator failed: COORDINATOR_NOT_AVAILABLE")));
    assert!(one
        .snapshot()
        .topics
        .iter()
        .all(|t| t.name != "__consumer_offsets"));

    // A cluster without consumers never gets the internal topic.
    let mut quiet = cluster(8, "orders", 3, &[]);
    quiet.run_ms(5_000);
    assert!(quiet
        .snapshot()
        .topics
        .iter()
        .all(|t| t.name != "__consumer_offsets"));
}

/// The coordinator fails over with the offsets partition's leadership: the new leader loads
/// the group and its committed offsets from the log; members find it and go on.
#[test]
fn coordinator_failover_loads_the_group_from_the_log() {
    let mut c = cluster(9, "orders", 3, &[]);
    for p in 0..3 {
        produce(&mut c, "orders", p, 3);
    }
    add_consumer(
        &mut c,
        "A",
        "g",
        "orders",
        &[
            ("kplay.commit.mode", "sync"),
            ("enable.auto.commit", "false"),
        ],
    );
    add_consumer(
        &mut c,
        "B",
        "g",
        "orders",
        &[
            ("kplay.commit.mode", "sync"),
            ("enable.auto.commit", "false"),
        ],
    );
    c.run_ms(8_000);
    let before = group(&c, "g");
    assert_eq!(before.state, "Stable");
    let old = before.coordinator.unwrap();
    assert!(
        before.partitions.iter().all(|p| p.committed == Some(3)),
        "{before:?}"
    );
    cmd(&mut c, Command::CrashBroker { broker: old.0 });
    c.run_ms(20_000);
    let after = group(&c, "g");
    let new = after.coordinator.expect("a new coordinator");
    assert_ne!(new, old);
    assert_eq!(after.state, "Stable");
    assert!(
        after.partitions.iter().all(|p| p.committed == Some(3)),
        "{after:?}"
    );
    let ev = events_of(&c);
    assert!(
        ev.iter().any(|e| e.contains(&format!(
            "{new} coordinator for __consumer_offsets-{}",
            after.offsets_partition
        )) && e.contains("loaded 1 group and 3 committed offsets")),
        "{ev:#?}"
    );
    assert_eq!(consumer(&c, "A").coordinator, Some(new));
    // Produced after the failover: still consumed exactly once.
    produce(&mut c, "orders", 0, 2);
    c.run_ms(5_000);
    let l = group(&c, "g").ledger;
    assert_eq!(
        (l.processed_once, l.duplicated, l.never_processed),
        (11, 0, 0),
        "{l:?}"
    );
}

/// KIP-62: a consumer that stops calling poll() is removed after max.poll.interval.ms even
/// though its heartbeat thread keeps the session alive; its partitions go to the others.
#[test]
fn max_poll_interval_evicts_a_stuck_consumer() {
    let mut c = cluster(10, "orders", 2, &[]);
    let cfgs = [("max.poll.interval.ms", "10000")];
    add_consumer(&mut c, "A", "g", "orders", &cfgs);
    add_consumer(&mut c, "B", "g", "orders", &cfgs);
    c.run_ms(8_000);
    assert_eq!(parts(&c, "A"), vec![0]);
    cmd(
        &mut c,
        Command::StopPolling {
            consumer: "A".into(),
        },
    );
    c.run_ms(9_000);
    assert_eq!(
        group(&c, "g").members.len(),
        2,
        "still in the group: heartbeats go on"
    );
    c.run_ms(8_000);
    let ev = events_of(&c);
    assert!(
        ev.iter()
            .any(|e| e.contains("A: consumer poll timeout has expired")),
        "{ev:#?}"
    );
    assert!(
        ev.iter()
            .any(|e| e.contains("removed A-") && e.contains("LeaveGroup")),
        "{ev:#?}"
    );
    assert_eq!(parts(&c, "B"), vec![0, 1]);
    cmd(
        &mut c,
        Command::ResumePolling {
            consumer: "A".into(),
        },
    );
    c.run_ms(10_000);
    assert_eq!(parts(&c, "A"), vec![0]);
    assert_eq!(parts(&c, "B"), vec![1]);
}

/// Partitions added: the group leader sees the new partition count at its next metadata
/// refresh (metadata.max.age.ms) and rejoins; the new partition gets assigned.
#[test]
fn partitions_added_trigger_a_rebalance() {
    let mut c = cluster(11, "orders", 2, &[]);
    let cfgs = [("metadata.max.age.ms", "2000")];
    add_consumer(&mut c, "A", "g", "orders", &cfgs);
    add_consumer(&mut c, "B", "g", "orders", &cfgs);
    c.run_ms(8_000);
    assert_eq!((parts(&c, "A"), parts(&c, "B")), (vec![0], vec![1]));
    cmd(
        &mut c,
        Command::CreatePartitions {
            topic: "orders".into(),
            count: 4,
        },
    );
    c.run_ms(12_000);
    assert_eq!((parts(&c, "A"), parts(&c, "B")), (vec![0, 1], vec![2, 3]));
}

/// CooperativeStickyAssignor (KIP-429): a joining member first makes the owner revoke the
/// partition that moves (one rebalance), then gets it (a second rebalance); the owner keeps
/// consuming its other partitions throughout.
#[test]
fn cooperative_sticky_two_phase_rebalance() {
    let mut c = cluster(12, "orders", 3, &[]);
    let coop = [(
        "partition.assignment.strategy",
        "org.apache.kafka.clients.consumer.CooperativeStickyAssignor",
    )];
    add_consumer(&mut c, "c1", "g", "orders", &coop);
    c.run_ms(6_000);
    assert_eq!(parts(&c, "c1"), vec![0, 1, 2]);
    add_consumer(&mut c, "c2", "g", "orders", &coop);
    c.run_ms(15_000);
    assert_eq!(parts(&c, "c1"), vec![0, 1]);
    assert_eq!(parts(&c, "c2"), vec![2]);
    let ev = events_of(&c);
    let revoke = ev.iter().position(|e| {
        e.contains("c1 group g") && e.contains("assigned [orders-0,orders-1] revoked [orders-2]")
    });
    let second = ev
        .iter()
        .position(|e| e.contains("c2 group g") && e.contains("assigned [orders-2]"));
    assert!(
        revoke.is_some() && second.is_some() && revoke < second,
        "{ev:#?}"
    );
    assert_eq!(
        group(&c, "g").protocol.as_deref(),
        Some("cooperative-sticky")
    );
}

/// Bad consumer configs fail with Kafka's messages.
#[test]
fn consumer_config_errors() {
    let mut c = cluster(13, "orders", 1, &[]);
    let out = c.step(kplay_engine::Input::Command(Command::AddConsumer {
        name: "A".into(),
        topics: vec!["orders".into()],
        configs: cfg(&[("group.id", "g"), ("heartbeat.interval.ms", "50000")]),
    }));
    assert!(
        out[0]
            .to_string()
            .contains("Heartbeat must be set lower than the session timeout"),
        "{}",
        out[0]
    );
    let out = c.step(kplay_engine::Input::Command(Command::AddConsumer {
        name: "A".into(),
        topics: vec!["orders".into()],
        configs: cfg(&[]),
    }));
    assert!(
        out[0]
            .to_string()
            .contains("you must provide a valid group.id"),
        "{}",
        out[0]
    );
    let out = c.step(kplay_engine::Input::Command(Command::AddConsumer {
        name: "A".into(),
        topics: vec!["orders".into()],
        configs: cfg(&[
            ("group.id", "g"),
            ("partition.assignment.strategy", "com.acme.Mine"),
        ]),
    }));
    assert!(
        out[0]
            .to_string()
            .contains("Class com.acme.Mine cannot be found"),
        "{}",
        out[0]
    );
}

/// Runs are deterministic with consumers too.
#[test]
fn deterministic_with_consumers() {
    let run = || {
        let mut c = cluster(14, "orders", 3, &[]);
        produce(&mut c, "orders", 1, 5);
        add_consumer(&mut c, "A", "g", "orders", &[]);
        add_consumer(&mut c, "B", "g", "orders", &[]);
        c.run_ms(12_000);
        c.trace_hash()
    };
    assert_eq!(run(), run());
}

/// A consumer cut off from the coordinator for longer than session.timeout.ms is removed; when
/// the network heals its next heartbeat gets UNKNOWN_MEMBER_ID, it drops its partitions
/// (onPartitionsLost), rejoins with a fresh member id and gets partitions in a new generation.
#[test]
fn session_expiry_then_unknown_member_id() {
    let mut c = cluster(15, "orders", 2, &[]);
    let cfgs = [
        ("session.timeout.ms", "10000"),
        ("request.timeout.ms", "5000"),
    ];
    add_consumer(&mut c, "A", "g", "orders", &cfgs);
    add_consumer(&mut c, "B", "g", "orders", &cfgs);
    c.run_ms(8_000);
    let coord = group(&c, "g").coordinator.unwrap();
    let old_member = consumer(&c, "A").member_id.clone();
    cmd(
        &mut c,
        Command::PartitionNetwork {
            a: "A".into(),
            b: coord.to_string(),
        },
    );
    c.run_ms(15_000);
    assert_eq!(parts(&c, "B"), vec![0, 1], "B took over A's partition");
    cmd(&mut c, Command::HealNetwork);
    c.run_ms(15_000);
    let ev = events_of(&c);
    assert!(
        ev.iter()
            .any(|e| e.contains(&format!("removed {old_member}: session timeout expired"))),
        "{ev:#?}"
    );
    assert!(
        ev.iter()
            .any(|e| e.contains("A Heartbeat failed: UNKNOWN_MEMBER_ID")
                || e.contains("A JoinGroup failed: UNKNOWN_MEMBER_ID")),
        "{ev:#?}"
    );
    let a = consumer(&c, "A");
    assert_ne!(a.member_id, old_member);
    assert_eq!(parts(&c, "A").len() + parts(&c, "B").len(), 2);
    assert_eq!(group(&c, "g").members.len(), 2);
}

/// close(): a final commit and LeaveGroup — the group rebalances at once instead of waiting for
/// the session to expire, and nothing is processed twice.
#[test]
fn close_leaves_the_group_cleanly() {
    let mut c = cluster(16, "orders", 2, &[]);
    for p in 0..2 {
        produce(&mut c, "orders", p, 3);
    }
    add_consumer(&mut c, "A", "g", "orders", &[]);
    add_consumer(&mut c, "B", "g", "orders", &[]);
    c.run_ms(8_000);
    cmd(
        &mut c,
        Command::CloseConsumer {
            consumer: "A".into(),
        },
    );
    c.run_ms(5_000);
    let ev = events_of(&c);
    assert!(
        ev.iter().any(|e| e.contains("left the group (LeaveGroup)")),
        "{ev:#?}"
    );
    assert_eq!(parts(&c, "B"), vec![0, 1]);
    let l = group(&c, "g").ledger;
    assert_eq!((l.processed_once, l.duplicated), (6, 0), "{l:?}");
}

/// At-least-once (commitSync after processing) under different crash times: whoever takes the
/// partitions over starts from the committed offset, so no record is ever lost; records that
/// were processed but not committed when the crash came are processed twice.
#[test]
fn at_least_once_never_loses_a_record() {
    let manual = [
        ("enable.auto.commit", "false"),
        ("kplay.commit.mode", "sync"),
        ("max.poll.records", "3"),
        ("kplay.processing.ms.per.record", "40"),
        ("session.timeout.ms", "10000"),
    ];
    let mut duplicates_seen = 0;
    for seed in 0..6u64 {
        let mut c = cluster(100 + seed, "orders", 2, &[]);
        for p in 0..2 {
            produce(&mut c, "orders", p, 10);
        }
        add_consumer(&mut c, "A", "g", "orders", &manual);
        add_consumer(&mut c, "B", "g", "orders", &manual);
        // Crash A somewhere in the middle of its work (generation 1 forms at about 6.1 s:
        // group.initial.rebalance.delay.ms, extended once because B joined during it).
        c.run_ms(6_150 + seed * 70);
        cmd(
            &mut c,
            Command::CrashConsumer {
                consumer: "A".into(),
            },
        );
        c.run_ms(40_000);
        let l = group(&c, "g").ledger;
        assert_eq!(l.never_processed, 0, "seed {seed}: {l:?}");
        assert_eq!(l.processed_once + l.duplicated, 20, "seed {seed}: {l:?}");
        assert!(group(&c, "g")
            .partitions
            .iter()
            .all(|p| p.committed == Some(10)));
        duplicates_seen += l.duplicated;
    }
    assert!(
        duplicates_seen > 0,
        "some crash landed between processing and committing"
    );
}
