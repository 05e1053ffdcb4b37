//! The KRaft controller quorum: the notes' table of controller counts, elections by vote,
//! check-quorum, frozen metadata without a majority, combined nodes, and Kafka's startup checks
//! of `process.roles` / `controller.quorum.voters`.

use kplay_engine::{Cluster, ClusterSpec, Command, EventKind, Input, KafkaError};
use std::collections::BTreeMap;

fn spec(brokers: &[u32], controllers: &[u32], seed: u64) -> ClusterSpec {
    ClusterSpec {
        brokers: brokers.to_vec(),
        controllers: controllers.to_vec(),
        node_configs: BTreeMap::new(),
        seed,
        configs: BTreeMap::new(),
    }
}

fn cmd(c: &mut Cluster, command: Command) -> Vec<kplay_engine::Event> {
    c.step(Input::Command(command))
}

fn create_topic(c: &mut Cluster, name: &str) -> Vec<kplay_engine::Event> {
    cmd(
        c,
        Command::CreateTopic {
            name: name.into(),
            partitions: 1,
            replication_factor: 3,
            configs: BTreeMap::new(),
        },
    )
}

fn failed(evs: &[kplay_engine::Event]) -> Option<(KafkaError, String)> {
    evs.iter().find_map(|e| match &e.kind {
        EventKind::CommandFailed { error, message, .. } => Some((*error, message.clone())),
        _ => None,
    })
}

fn active(c: &Cluster) -> Option<u32> {
    c.snapshot().quorum.active_controller
}

/// Whether every running broker has applied a partition of `topic` (the metadata committed and
/// reached them).
fn brokers_know(c: &Cluster, topic: &str) -> bool {
    let s = c.snapshot();
    s.topics.iter().any(|t| {
        t.name == topic
            && t.partitions.iter().all(|p| {
                p.replica_states
                    .iter()
                    .filter(|r| r.alive)
                    .all(|r| r.is_leader || r.log_end_offset.0 == 0)
            })
    }) && s.topics.iter().any(|t| t.name == topic)
}

/// The notes' table, live: with N controllers a majority is N/2+1, so N = 1, 2, 3, 4, 5 tolerate
/// 0, 0, 1, 1, 2 failures. Crash `f` controllers (the active one first) and see whether a
/// controller is still active and metadata can still change.
#[test]
fn the_notes_table_of_controller_counts_holds() {
    let expected_tolerated = [(1, 0), (2, 0), (3, 1), (4, 1), (5, 2)];
    for (n, tolerated) in expected_tolerated {
        let ids: Vec<u32> = (101..101 + n).collect();
        let probe = Cluster::new(&spec(&[1, 2, 3], &ids, 1)).unwrap();
        let q = probe.snapshot().quorum;
        assert_eq!(q.majority, n / 2 + 1, "N={n}");
        assert_eq!(q.failures_tolerated, tolerated, "N={n}");
        for f in 0..n {
            for seed in [1, 2, 3] {
                let mut c = Cluster::new(&spec(&[1, 2, 3], &ids, seed)).unwrap();
                c.run_ms(500);
                assert_eq!(active(&c), Some(101), "N={n}: the lowest id starts active");
                for id in ids.iter().take(f as usize) {
                    cmd(&mut c, Command::CrashController { controller: *id });
                }
                c.run_ms(15_000);
                let works = f <= tolerated;
                assert_eq!(
                    c.snapshot().metrics.active_controller_count,
                    works as u32,
                    "N={n} f={f} seed={seed}: ActiveControllerCount"
                );
                let evs = create_topic(&mut c, "after");
                c.run_ms(3_000);
                if works {
                    assert_eq!(failed(&evs), None, "N={n} f={f} seed={seed}");
                    assert!(
                        c.image().topics.contains_key("after"),
                        "N={n} f={f} seed={seed}: the new topic is committed"
                    );
                    assert!(brokers_know(&c, "after"), "N={n} f={f} seed={seed}");
                } else {
                    let (error, message) = failed(&evs).expect("no active controller");
                    assert_eq!(error, KafkaError::RequestTimedOut, "N={n} f={f}");
                    assert!(message.contains("No active controller"), "{message}");
                    assert!(!c.image().topics.contains_key("after"));
                }
            }
        }
    }
}

/// Kafka (KIP-595): a new leader is elected by a majority of votes in a higher epoch, writes a
/// LeaderChange record, becomes active only once that is committed, and brokers find it.
#[test]
fn the_active_controller_fails_over_by_vote() {
    let mut c = Cluster::new(&spec(&[1, 2, 3], &[101, 102, 103], 9)).unwrap();
    create_topic(&mut c, "t");
    c.run_ms(1_000);
    cmd(&mut c, Command::CrashController { controller: 101 });
    let evs = c.run_ms(8_000);
    let elected: Vec<(u32, u32, Vec<u32>)> = evs
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::QuorumLeaderElected {
                controller,
                epoch,
                votes,
            } => Some((*controller, *epoch, votes.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(elected.len(), 1, "{elected:?}");
    let (new_leader, epoch, votes) = elected[0].clone();
    assert!(new_leader == 102 || new_leader == 103);
    assert_eq!(epoch, 2);
    assert_eq!(votes.len(), 2, "a majority of 3");
    // Activation comes after the LeaderChange record is committed.
    let pos = |pred: &dyn Fn(&EventKind) -> bool| evs.iter().position(|e| pred(&e.kind));
    let elected_at = pos(&|k| matches!(k, EventKind::QuorumLeaderElected { .. })).unwrap();
    let committed_at =
        pos(&|k| matches!(k, EventKind::MetadataCommitted { epoch: 2, .. })).unwrap();
    let active_at = pos(&|k| matches!(k, EventKind::ControllerActivated { .. })).unwrap();
    assert!(elected_at < committed_at && committed_at <= active_at);
    assert_eq!(active(&c), Some(new_leader));
    // Metadata works through the new controller: a dead broker gets fenced, leadership moves.
    let leader = c
        .image()
        .partitions
        .values()
        .next()
        .unwrap()
        .leader
        .unwrap();
    cmd(&mut c, Command::CrashBroker { broker: leader.0 });
    c.run_ms(12_000);
    let p = c.image().partitions.values().next().unwrap().clone();
    assert_ne!(p.leader, Some(leader));
    assert!(!p.isr.contains(&leader));
    // The old controller comes back as a follower of the new epoch, with the same committed log.
    cmd(&mut c, Command::RestartController { controller: 101 });
    c.run_ms(5_000);
    let q = c.snapshot().quorum;
    let v101 = q.voters.iter().find(|v| v.id == 101).unwrap();
    assert_eq!(v101.role.as_deref(), Some("follower"));
    assert_eq!(v101.leader, Some(new_leader));
    assert_eq!(v101.high_watermark, q.high_watermark);
    c.check_invariants().unwrap();
}

/// Kafka: `LeaderState` check-quorum — an active controller cut off from every other voter
/// resigns after 1.5 × `controller.quorum.fetch.timeout.ms`; what it wrote meanwhile was never
/// committed, is abandoned, and is truncated away when it rejoins (KIP-595 divergence).
#[test]
fn an_isolated_active_controller_resigns_and_loses_its_uncommitted_writes() {
    let mut c = Cluster::new(&spec(&[1, 2, 3], &[101, 102, 103], 4)).unwrap();
    c.run_ms(500);
    cmd(
        &mut c,
        Command::PartitionNetwork {
            a: "controller-101".into(),
            b: "controller-102".into(),
        },
    );
    cmd(
        &mut c,
        Command::PartitionNetwork {
            a: "controller-101".into(),
            b: "controller-103".into(),
        },
    );
    // Still active for now: it accepts the write, which cannot commit.
    let evs = create_topic(&mut c, "lost");
    assert_eq!(failed(&evs), None);
    let evs = c.run_ms(3_200);
    let resigned = evs.iter().find_map(|e| match &e.kind {
        EventKind::QuorumLeaderResigned {
            controller: 101,
            reason,
            ..
        } => Some((e.at_ms, reason.clone())),
        _ => None,
    });
    let (at, reason) = resigned.expect("check-quorum resignation");
    assert!(reason.contains("check-quorum"), "{reason}");
    assert!((3_000..=3_600).contains(&at), "resigned at {at} ms");
    assert!(evs.iter().any(|e| matches!(
        e.kind,
        EventKind::ControllerRenounced {
            controller: 101,
            uncommitted,
            ..
        } if uncommitted >= 2
    )));
    c.run_ms(6_000);
    let new_active = active(&c).expect("the majority side elects a leader");
    assert_ne!(new_active, 101);
    assert!(!c.image().topics.contains_key("lost"));
    cmd(&mut c, Command::HealNetwork);
    let evs = c.run_ms(6_000);
    assert!(
        evs.iter().any(|e| matches!(
            e.kind,
            EventKind::MetadataLogTruncated {
                controller: 101,
                ..
            }
        )),
        "the old leader drops its uncommitted records"
    );
    let q = c.snapshot().quorum;
    let v = q.voters.iter().find(|v| v.id == 101).unwrap();
    assert_eq!(v.leader, Some(new_active));
    assert!(!c.image().topics.contains_key("lost"));
    c.check_invariants().unwrap();
}

/// Without a majority, metadata is frozen: no fencing, no ISR change. A follower that dies stays
/// in the ISR, so acks=all writes time out; data keeps flowing where the ISR allows (acks=1).
#[test]
fn losing_the_majority_freezes_metadata_but_not_data() {
    let mut sp = spec(&[1, 2, 3], &[101, 102, 103], 6);
    sp.configs
        .insert("replica.lag.time.max.ms".into(), "5000".into());
    let mut c = Cluster::new(&sp).unwrap();
    create_topic(&mut c, "t");
    for (name, acks) in [("all", "all"), ("one", "1")] {
        cmd(
            &mut c,
            Command::AddProducer {
                name: name.into(),
                configs: BTreeMap::from([
                    ("acks".to_string(), acks.to_string()),
                    ("request.timeout.ms".to_string(), "10000".to_string()),
                    ("retries".to_string(), "0".to_string()),
                ]),
            },
        );
    }
    c.run_ms(1_000);
    cmd(&mut c, Command::CrashController { controller: 101 });
    cmd(&mut c, Command::CrashController { controller: 102 });
    c.run_ms(5_000);
    assert_eq!(c.snapshot().metrics.active_controller_count, 0);
    let p = c.image().partitions.values().next().unwrap().clone();
    let follower = *p.isr.iter().find(|&&b| Some(b) != p.leader).unwrap();
    cmd(&mut c, Command::CrashBroker { broker: follower.0 });
    let produce = |c: &mut Cluster, who: &str| {
        cmd(
            c,
            Command::Produce {
                producer: who.into(),
                topic: "t".into(),
                partition: None,
                key: None,
                value: Some("v".into()),
            },
        )
    };
    produce(&mut c, "all");
    produce(&mut c, "one");
    let evs = c.run_ms(25_000);
    let outcome = |who: &str| {
        evs.iter().find_map(|e| match &e.kind {
            EventKind::ProduceCompleted {
                producer, outcome, ..
            } if producer == who => Some(outcome.clone()),
            _ => None,
        })
    };
    assert!(matches!(
        outcome("one"),
        Some(kplay_engine::ProduceOutcome::Ok { .. })
    ));
    assert!(matches!(
        outcome("all"),
        Some(kplay_engine::ProduceOutcome::Err {
            error: KafkaError::RequestTimedOut,
            ..
        })
    ));
    // Frozen: the leader asked to drop the dead follower (AlterPartition) but nothing commits;
    // the follower was never fenced and is still in the committed ISR.
    assert!(evs
        .iter()
        .any(|e| matches!(e.kind, EventKind::AlterPartitionSent { .. })));
    let p2 = c.image().partitions.values().next().unwrap().clone();
    assert!(p2.isr.contains(&follower));
    assert!(!evs
        .iter()
        .any(|e| matches!(e.kind, EventKind::BrokerFenced { .. })));
    // A majority again: the pending ISR shrink commits and acks=all works.
    cmd(&mut c, Command::RestartController { controller: 101 });
    c.run_ms(6_000);
    assert!(active(&c).is_some());
    let p3 = c.image().partitions.values().next().unwrap().clone();
    assert!(!p3.isr.contains(&follower), "{p3:?}");
    produce(&mut c, "all");
    let evs = c.run_ms(2_000);
    assert!(evs.iter().any(|e| matches!(
        &e.kind,
        EventKind::ProduceCompleted {
            outcome: kplay_engine::ProduceOutcome::Ok { .. },
            ..
        }
    )));
}

/// `process.roles=broker,controller`: crashing the broker crashes its controller too (one
/// process), and a network cut between two nodes cuts their controllers apart as well.
#[test]
fn combined_nodes_fail_as_one_process() {
    let mut c = Cluster::new(&spec(&[1, 2, 3], &[1, 2, 3], 2)).unwrap();
    c.run_ms(500);
    assert_eq!(active(&c), Some(1));
    let evs = cmd(&mut c, Command::CrashBroker { broker: 1 });
    assert!(evs
        .iter()
        .any(|e| matches!(e.kind, EventKind::ControllerCrashed { controller: 1 })));
    c.run_ms(8_000);
    let a = active(&c).expect("2 of 3 combined nodes still form a majority");
    assert_ne!(a, 1);
    cmd(&mut c, Command::RestartController { controller: 1 });
    let s = c.snapshot();
    assert!(s.brokers.iter().find(|b| b.id.0 == 1).unwrap().alive);
    // Cutting broker-2 from broker-3 also cuts controller-2 from controller-3.
    cmd(
        &mut c,
        Command::PartitionNetwork {
            a: "broker-2".into(),
            b: "broker-3".into(),
        },
    );
    let s = c.snapshot();
    assert_eq!(s.network.cuts, vec![("broker-2".into(), "broker-3".into())]);
    c.run_ms(10_000);
    assert!(active(&c).is_some(), "1 can still reach both 2 and 3");
    c.check_invariants().unwrap();
}

fn node_cfg(pairs: &[(u32, &str, &str)]) -> BTreeMap<u32, BTreeMap<String, String>> {
    let mut m: BTreeMap<u32, BTreeMap<String, String>> = BTreeMap::new();
    for (n, k, v) in pairs {
        m.entry(*n)
            .or_default()
            .insert(k.to_string(), v.to_string());
    }
    m
}

/// Kafka's startup checks (`KafkaConfig.validateValues`, `QuorumConfig`), plus "identical
/// `controller.quorum.voters` on every node".
#[test]
fn process_roles_and_voters_are_checked_like_kafka() {
    let voters = "1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093";
    let ok = ClusterSpec {
        node_configs: node_cfg(&[
            (1, "process.roles", "broker,controller"),
            (1, "controller.quorum.voters", voters),
            (2, "process.roles", "broker,controller"),
            (2, "controller.quorum.voters", voters),
            (3, "process.roles", "broker,controller"),
            (3, "controller.quorum.voters", voters),
        ]),
        ..spec(&[1, 2, 3], &[], 1)
    };
    let c = Cluster::new(&ok).expect("a valid combined cluster");
    assert_eq!(
        c.controllers().keys().copied().collect::<Vec<_>>(),
        vec![1, 2, 3],
        "controllers come from controller.quorum.voters"
    );
    let err = |s: ClusterSpec| Cluster::new(&s).err().expect("rejected").message;

    let mut mismatch = ok.clone();
    mismatch.node_configs.get_mut(&3).unwrap().insert(
        "controller.quorum.voters".into(),
        "1@kafka-1:9093,2@kafka-2:9093".into(),
    );
    let m = err(mismatch);
    assert!(
        m.contains("must be identical on every node") && m.contains("node 3"),
        "{m}"
    );

    let mut broker_only_voter = ok.clone();
    broker_only_voter
        .node_configs
        .get_mut(&2)
        .unwrap()
        .insert("process.roles".into(), "broker".into());
    assert_eq!(
        err(broker_only_voter),
        "If process.roles contains just the 'broker' role, the node id 2 must not be included in the set of voters controller.quorum.voters=[1, 2, 3]"
    );

    let controller_not_voter = ClusterSpec {
        node_configs: node_cfg(&[
            (4, "process.roles", "controller"),
            (4, "controller.quorum.voters", voters),
        ]),
        ..spec(&[1, 2, 3, 4], &[1, 2, 3], 1)
    };
    assert_eq!(
        err(controller_not_voter),
        "If process.roles contains the 'controller' role, the node id 4 must be included in the set of voters controller.quorum.voters=[1, 2, 3]"
    );

    let bad_role = ClusterSpec {
        node_configs: node_cfg(&[(1, "process.roles", "broker,zookeeper")]),
        ..spec(&[1, 2, 3], &[1, 2, 3], 1)
    };
    assert!(err(bad_role).contains(
        "Unknown process role 'zookeeper' (only 'broker' and 'controller' are allowed roles)"
    ));

    let bad_format = ClusterSpec {
        node_configs: node_cfg(&[(1, "controller.quorum.voters", "1:kafka-1@9093")]),
        ..spec(&[1, 2, 3], &[1], 1)
    };
    assert!(err(bad_format).contains("expected {id}@{host}:{port}"));

    let dup = spec(&[1, 2, 3], &[101, 101], 1);
    assert!(err(dup).contains("must be unique"));
}

/// Determinism holds with a quorum and controller faults: same seed and inputs, same trace.
#[test]
fn quorum_runs_are_deterministic() {
    let run = || {
        let mut c = Cluster::new(&spec(&[1, 2, 3], &[101, 102, 103], 77)).unwrap();
        create_topic(&mut c, "t");
        c.run_ms(700);
        cmd(&mut c, Command::CrashController { controller: 101 });
        c.run_ms(5_000);
        cmd(&mut c, Command::RestartController { controller: 101 });
        cmd(&mut c, Command::CrashController { controller: 102 });
        c.run_ms(8_000);
        c.trace_hash()
    };
    assert_eq!(run(), run());
}

/// A registration's heartbeat age is what the active controller tracks in memory (Kafka's
/// `BrokerHeartbeatManager`; heartbeats are not metadata records): a live broker's last heartbeat
/// is never much older than `broker.heartbeat.interval.ms` (2000 ms) however long the cluster has
/// run, while a crashed broker's grows until the controller fences it.
#[test]
fn registrations_show_the_active_controllers_heartbeat_ages() {
    let mut c = Cluster::new(&spec(&[1, 2, 3], &[], 1)).expect("valid spec");
    c.run_ms(30_000);
    let ages = |c: &Cluster| -> Vec<(u32, u64, bool)> {
        c.snapshot()
            .controller
            .registrations
            .iter()
            .map(|r| (r.broker.0, r.ms_since_heartbeat, r.fenced))
            .collect()
    };
    let at_30s = ages(&c);
    assert_eq!(at_30s.len(), 3);
    for (b, age, fenced) in &at_30s {
        assert!(
            !fenced && *age <= 2_500,
            "broker {b} at 30 s: {age} ms since its heartbeat"
        );
    }
    cmd(&mut c, Command::CrashBroker { broker: 2 });
    c.run_ms(5_000);
    let after = ages(&c);
    let (_, age2, fenced2) = after
        .iter()
        .find(|(b, _, _)| *b == 2)
        .copied()
        .expect("broker 2");
    assert!(
        !fenced2 && age2 >= 3_000,
        "crashed broker 2 after 5 s: {age2} ms, fenced {fenced2}"
    );
    for (b, age, _) in after.iter().filter(|(b, _, _)| *b != 2) {
        assert!(
            *age <= 2_500,
            "live broker {b}: {age} ms since its heartbeat"
        );
    }
}
