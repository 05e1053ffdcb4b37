//! Issue #5, group protocols: the KIP-848 consumer group protocol (`group.protocol=consumer`,
//! Kafka 4.0) end to end, static membership (KIP-345) for the classic protocol, and a property
//! over seeds: with KIP-848 no partition is ever owned by two members at once, and every
//! partition is owned once the members are stable.
//!
//! The ported Kafka test cases with exact expected values (UniformHomogeneousAssignmentBuilderTest,
//! RangeAssignorTest, CurrentAssignmentBuilderTest, GroupMetadataManagerTest's epoch rules) live
//! next to the code: `engine/src/server_assignor.rs` and `engine/src/consumer_group.rs`.

use kplay_engine::snapshot::{ConsumerView, GroupView};
use kplay_engine::{Cluster, ClusterSpec, Command, Event, EventKind, Input, KafkaError};
use std::collections::{BTreeMap, BTreeSet};

fn cfg(list: &[(&str, &str)]) -> BTreeMap<String, String> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn try_cmd(c: &mut Cluster, command: Command) -> Vec<Event> {
    c.step(Input::Command(command))
}

fn cmd(c: &mut Cluster, command: Command) -> Vec<Event> {
    let out = try_cmd(c, command);
    for e in &out {
        if let EventKind::CommandFailed { .. } = e.kind {
            panic!("command failed: {e}");
        }
    }
    out
}

fn cluster(seed: u64, topics: &[(&str, u32)], broker_cfg: &[(&str, &str)]) -> Cluster {
    let spec = ClusterSpec {
        seed,
        configs: cfg(broker_cfg),
        ..ClusterSpec::default()
    };
    let mut c = Cluster::new(&spec).unwrap();
    for (t, n) in topics {
        cmd(
            &mut c,
            Command::CreateTopic {
                name: t.to_string(),
                partitions: *n,
                replication_factor: 3,
                configs: BTreeMap::new(),
            },
        );
    }
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

fn add(c: &mut Cluster, name: &str, group: &str, topics: &[&str], extra: &[(&str, &str)]) {
    let mut configs = cfg(&[("group.id", group), ("auto.offset.reset", "earliest")]);
    configs.extend(cfg(extra));
    cmd(
        c,
        Command::AddConsumer {
            name: name.into(),
            topics: topics.iter().map(|t| t.to_string()).collect(),
            configs,
        },
    );
}

fn add848(c: &mut Cluster, name: &str, group: &str, topics: &[&str]) {
    add(c, name, group, topics, &[("group.protocol", "consumer")]);
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

fn parts(c: &Cluster, name: &str) -> Vec<String> {
    consumer(c, name)
        .assignment
        .iter()
        .map(|tp| tp.to_string())
        .collect()
}

/// A member joins a KIP-848 group: the coordinator bumps the group epoch and computes a new
/// target; the existing members revoke only what moves (at their next heartbeat), and the new
/// member gets those partitions only after the revocation was acknowledged. Nobody ever gives up
/// a partition that stays with it.
#[test]
fn kip848_join_is_incremental() {
    let mut c = cluster(3, &[("orders", 6)], &[]);
    add848(&mut c, "K1", "g", &["orders"]);
    add848(&mut c, "K2", "g", &["orders"]);
    c.run_ms(8_000);
    let g = group(&c, "g");
    assert_eq!(g.group_type, "consumer");
    assert_eq!(g.state, "Stable");
    let k1_before: BTreeSet<String> = parts(&c, "K1").into_iter().collect();
    let k2_before: BTreeSet<String> = parts(&c, "K2").into_iter().collect();
    assert_eq!((k1_before.len(), k2_before.len()), (3, 3));
    let epoch_before = g.generation;

    add848(&mut c, "K3", "g", &["orders"]);
    let events = c.run_ms(12_000);
    // Revocations only name partitions that move to K3; no member ever revokes everything.
    let mut revoked: BTreeSet<String> = BTreeSet::new();
    for e in &events {
        if let EventKind::PartitionsRevoked { revoked: r, .. } = &e.kind {
            revoked.extend(r.iter().map(|t| t.to_string()));
        }
        if let EventKind::PartitionsAssigned {
            consumer, assigned, ..
        } = &e.kind
        {
            assert!(
                !assigned.is_empty() || consumer == "K3",
                "{consumer} lost everything: {e}"
            );
        }
    }
    let k3: BTreeSet<String> = parts(&c, "K3").into_iter().collect();
    assert_eq!(
        revoked, k3,
        "exactly K3's partitions were revoked from K1/K2"
    );
    assert_eq!(k3.len(), 2);
    // K1 and K2 kept the rest of what they had (stickiness).
    let k1: BTreeSet<String> = parts(&c, "K1").into_iter().collect();
    let k2: BTreeSet<String> = parts(&c, "K2").into_iter().collect();
    assert!(k1.is_subset(&k1_before) && k2.is_subset(&k2_before));
    let g = group(&c, "g");
    assert_eq!(g.state, "Stable");
    assert_eq!(
        g.generation,
        epoch_before + 1,
        "one group epoch bump for the join"
    );
    assert_eq!(g.assignment_epoch, Some(g.generation as i32));
    for m in &g.members {
        assert_eq!(m.member_epoch, Some(g.generation as i32));
        assert_eq!(m.member_state.as_deref(), Some("STABLE"));
    }
    // The coordinator recorded the order: K3 waited (UNRELEASED_PARTITIONS) before it got them.
    let unreleased = events.iter().any(|e| {
        matches!(&e.kind, EventKind::MemberReconciled { state, member, .. }
            if state == "UNRELEASED_PARTITIONS" && member.starts_with("K3"))
    });
    assert!(unreleased);
}

/// The records of a consumer group are in `__consumer_offsets`: after the coordinator's broker
/// crashes, the new coordinator rebuilds the group (epochs, targets, assignments) and the
/// members carry on with their epochs — nobody is fenced, nothing is reassigned.
#[test]
fn kip848_group_survives_coordinator_failover() {
    let mut c = cluster(
        5,
        &[("orders", 4)],
        &[("offsets.topic.num.partitions", "3")],
    );
    add848(&mut c, "K1", "g", &["orders"]);
    add848(&mut c, "K2", "g", &["orders"]);
    c.run_ms(10_000);
    let before = group(&c, "g");
    let coord = before.coordinator.expect("coordinator");
    let k1 = parts(&c, "K1");
    cmd(&mut c, Command::CrashBroker { broker: coord.0 });
    let events = c.run_ms(30_000);
    let after = group(&c, "g");
    assert_ne!(after.coordinator, Some(coord));
    assert!(after.coordinator.is_some());
    assert_eq!(
        after.generation, before.generation,
        "same group epoch after loading the records"
    );
    assert_eq!(parts(&c, "K1"), k1);
    assert!(!events
        .iter()
        .any(|e| matches!(e.kind, EventKind::ConsumerFenced { .. })));
    let loaded = events
        .iter()
        .any(|e| matches!(e.kind, EventKind::CoordinatorLoaded { .. }));
    assert!(loaded);
}

/// Kafka: ConsumerConfig — the classic protocol's configs cannot be set with
/// group.protocol=consumer, and group.remote.assignor not with classic.
#[test]
fn protocol_specific_configs_are_rejected() {
    let mut c = cluster(1, &[("orders", 2)], &[]);
    let out = try_cmd(
        &mut c,
        Command::AddConsumer {
            name: "K".into(),
            topics: vec!["orders".into()],
            configs: cfg(&[
                ("group.id", "g"),
                ("group.protocol", "consumer"),
                ("session.timeout.ms", "10000"),
                (
                    "partition.assignment.strategy",
                    "org.apache.kafka.clients.consumer.RangeAssignor",
                ),
            ]),
        },
    );
    let msg = out
        .iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        msg.contains("partition.assignment.strategy, session.timeout.ms cannot be set when group.protocol=CONSUMER"),
        "{msg}"
    );
    let out = try_cmd(
        &mut c,
        Command::AddConsumer {
            name: "C".into(),
            topics: vec!["orders".into()],
            configs: cfg(&[("group.id", "g"), ("group.remote.assignor", "range")]),
        },
    );
    let msg = out
        .iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        msg.contains("group.remote.assignor cannot be set when group.protocol=CLASSIC"),
        "{msg}"
    );
}

/// `group.remote.assignor=range`: the server-side range assignor co-partitions two topics;
/// an assignor the broker does not offer fails the consumer with UNSUPPORTED_ASSIGNOR.
#[test]
fn remote_assignor_is_chosen_by_the_members() {
    let mut c = cluster(2, &[("a", 2), ("b", 2)], &[]);
    for n in ["K1", "K2"] {
        add(
            &mut c,
            n,
            "g",
            &["a", "b"],
            &[
                ("group.protocol", "consumer"),
                ("group.remote.assignor", "range"),
            ],
        );
    }
    c.run_ms(15_000);
    let g = group(&c, "g");
    assert_eq!(g.protocol.as_deref(), Some("range"));
    let k1 = parts(&c, "K1");
    let k2 = parts(&c, "K2");
    // Range: the same partition numbers of both topics go to the same member.
    let nums = |v: &[String]| {
        v.iter()
            .map(|s| s.rsplit('-').next().unwrap().to_string())
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(nums(&k1).len(), 1, "{k1:?}");
    assert_eq!(nums(&k2).len(), 1, "{k2:?}");
    assert_ne!(nums(&k1), nums(&k2));

    add(
        &mut c,
        "K3",
        "h",
        &["a"],
        &[
            ("group.protocol", "consumer"),
            ("group.remote.assignor", "sticky"),
        ],
    );
    c.run_ms(3_000);
    let k3 = consumer(&c, "K3");
    assert!(
        k3.failed
            .as_deref()
            .unwrap_or("")
            .contains("ServerAssignor sticky is not supported"),
        "{:?}",
        k3.failed
    );
}

/// Kafka: a ConsumerGroupHeartbeat to a non-empty classic group fails with GROUP_ID_NOT_FOUND
/// ("Group g is not a consumer group"); a classic JoinGroup to a non-empty consumer group gets
/// INCONSISTENT_GROUP_PROTOCOL here (Kafka 4.0 would accept it as a classic member of the
/// consumer group — not simulated). An empty classic group with committed offsets becomes a
/// consumer group and its offsets carry over.
#[test]
fn classic_and_consumer_groups_do_not_mix() {
    let mut c = cluster(4, &[("orders", 2)], &[]);
    add(&mut c, "C1", "classic-g", &["orders"], &[]);
    c.run_ms(8_000);
    add848(&mut c, "K1", "classic-g", &["orders"]);
    let events = c.run_ms(3_000);
    let k1 = consumer(&c, "K1");
    assert!(
        k1.failed
            .as_deref()
            .unwrap_or("")
            .contains("Group classic-g is not a consumer group"),
        "{:?}",
        k1.failed
    );
    assert!(events.iter().any(|e| matches!(
        &e.kind,
        EventKind::ConsumerError {
            error: KafkaError::GroupIdNotFound,
            ..
        }
    )));

    add848(&mut c, "K2", "new-g", &["orders"]);
    c.run_ms(3_000);
    add(&mut c, "C2", "new-g", &["orders"], &[]);
    c.run_ms(3_000);
    let c2 = consumer(&c, "C2");
    assert!(
        c2.failed
            .as_deref()
            .unwrap_or("")
            .contains("INCONSISTENT_GROUP_PROTOCOL"),
        "{:?}",
        c2.failed
    );

    // An empty classic group (its member closed) converts; K3 resumes from C1's commits.
    produce(&mut c, "orders", 0, 3);
    c.run_ms(7_000);
    cmd(
        &mut c,
        Command::CloseConsumer {
            consumer: "C1".into(),
        },
    );
    c.run_ms(2_000);
    let committed = group(&c, "classic-g").partitions[0].committed;
    assert_eq!(committed, Some(3));
    add848(&mut c, "K3", "classic-g", &["orders"]);
    let events = c.run_ms(5_000);
    let g = group(&c, "classic-g");
    assert_eq!(g.group_type, "consumer");
    let from_commit = events.iter().any(|e| matches!(&e.kind,
        EventKind::PositionSet { consumer, offset: 3, source, .. } if consumer == "K3" && source.contains("committed")));
    assert!(from_commit);
}

/// KIP-848 max.poll.interval.ms: a member that stops polling leaves (epoch -1), its partitions
/// move to the others; when it polls again it rejoins with epoch 0.
#[test]
fn kip848_poll_timeout_leaves_and_rejoins() {
    let mut c = cluster(6, &[("orders", 4)], &[]);
    add(
        &mut c,
        "K1",
        "g",
        &["orders"],
        &[
            ("group.protocol", "consumer"),
            ("max.poll.interval.ms", "10000"),
        ],
    );
    add848(&mut c, "K2", "g", &["orders"]);
    c.run_ms(8_000);
    assert_eq!(parts(&c, "K1").len(), 2);
    cmd(
        &mut c,
        Command::StopPolling {
            consumer: "K1".into(),
        },
    );
    let events = c.run_ms(20_000);
    assert!(events.iter().any(|e| matches!(&e.kind,
        EventKind::ConsumerGroupMemberFenced { reason, .. } if reason.contains("epoch -1"))));
    assert_eq!(parts(&c, "K2").len(), 4);
    cmd(
        &mut c,
        Command::ResumePolling {
            consumer: "K1".into(),
        },
    );
    c.run_ms(15_000);
    assert_eq!(parts(&c, "K1").len(), 2);
    assert_eq!(parts(&c, "K2").len(), 2);
    assert_eq!(group(&c, "g").state, "Stable");
}

/// KIP-345 static membership: a static member restarted within session.timeout.ms takes its
/// old place — no rebalance, same generation, same partitions; close() sends no LeaveGroup.
#[test]
fn static_member_restart_without_rebalance() {
    let mut c = cluster(7, &[("orders", 4)], &[]);
    let stat = |i: &'static str| [("group.instance.id", i), ("session.timeout.ms", "20000")];
    add(&mut c, "C1", "g", &["orders"], &stat("i1"));
    add(&mut c, "C2", "g", &["orders"], &stat("i2"));
    c.run_ms(10_000);
    let gen = group(&c, "g").generation;
    let c1 = parts(&c, "C1");
    assert_eq!(c1.len(), 2);
    cmd(
        &mut c,
        Command::CloseConsumer {
            consumer: "C1".into(),
        },
    );
    let events = c.run_ms(5_000);
    // No LeaveGroup: the member stays (its session runs) and the group stays Stable.
    assert!(!events
        .iter()
        .any(|e| matches!(e.kind, EventKind::MemberRemoved { .. })));
    assert_eq!(group(&c, "g").members.len(), 2);
    add(&mut c, "C1-restarted", "g", &["orders"], &stat("i1"));
    let events = c.run_ms(5_000);
    assert!(events.iter().any(|e| matches!(&e.kind,
        EventKind::StaticMemberReplaced { instance_id, rebalance: false, .. } if instance_id == "i1")));
    assert!(!events
        .iter()
        .any(|e| matches!(e.kind, EventKind::GroupStateChanged { .. })));
    assert_eq!(group(&c, "g").generation, gen);
    assert_eq!(parts(&c, "C1-restarted"), c1);
    let m = group(&c, "g")
        .members
        .into_iter()
        .find(|m| m.client_id == "C1-restarted")
        .unwrap();
    assert_eq!(m.group_instance_id.as_deref(), Some("i1"));
}

/// KIP-345: a second consumer with the same group.instance.id fences the first, whose next
/// heartbeat fails with FENCED_INSTANCE_ID (fatal); a static member that stays away longer than
/// session.timeout.ms is removed with a rebalance.
#[test]
fn duplicate_instance_id_is_fenced_and_sessions_still_expire() {
    let mut c = cluster(8, &[("orders", 4)], &[]);
    let stat = |i: &'static str| [("group.instance.id", i), ("session.timeout.ms", "10000")];
    add(&mut c, "C1", "g", &["orders"], &stat("i1"));
    add(&mut c, "C2", "g", &["orders"], &stat("i2"));
    c.run_ms(10_000);
    add(&mut c, "C2-twin", "g", &["orders"], &stat("i2"));
    let events = c.run_ms(6_000);
    assert!(events.iter().any(|e| matches!(&e.kind,
        EventKind::ConsumerError { consumer, error: KafkaError::FencedInstanceId, .. } if consumer == "C2")));
    assert!(consumer(&c, "C2").failed.is_some());
    assert_eq!(parts(&c, "C2-twin").len(), 2);
    cmd(
        &mut c,
        Command::CrashConsumer {
            consumer: "C1".into(),
        },
    );
    c.run_ms(20_000);
    let g = group(&c, "g");
    assert_eq!(g.members.len(), 1);
    assert_eq!(parts(&c, "C2-twin").len(), 4);
}

/// Which alive, non-failed consumers of `group` own each partition.
fn client_owners(c: &Cluster, group: &str) -> BTreeMap<String, Vec<String>> {
    c.client_owners(group)
        .into_iter()
        .map(|(tp, who)| (tp.to_string(), who))
        .collect()
}

/// A small PRNG for the schedule (the cluster's own PRNG is not reachable from here).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// Property over seeds (Kafka's guarantee for KIP-848 reconciliation): whatever the schedule of
/// joins, closes, crashes and stalls, no partition is ever owned by two members at once — on
/// the coordinator (checked by `check_invariants()` after every tick) and on the clients
/// (checked here every millisecond) — and once the members are stable every partition of the
/// topic is owned by exactly one live member.
#[test]
fn kip848_never_two_owners_and_eventually_all_owned() {
    for seed in 0..10u64 {
        let mut rng = Lcg(seed * 7919 + 1);
        let partitions = 3 + rng.next(6) as u32;
        let mut c = cluster(seed, &[("t", partitions)], &[]);
        let mut alive: Vec<String> = vec![];
        let mut next_id = 0;
        for _ in 0..2 {
            let n = format!("K{next_id}");
            next_id += 1;
            add848(&mut c, &n, "g", &["t"]);
            alive.push(n);
        }
        for round in 0..6 {
            match rng.next(4) {
                0 | 1 => {
                    let n = format!("K{next_id}");
                    next_id += 1;
                    add848(&mut c, &n, "g", &["t"]);
                    alive.push(n);
                }
                2 if alive.len() > 1 => {
                    let n = alive.remove(rng.next(alive.len() as u64) as usize);
                    cmd(&mut c, Command::CloseConsumer { consumer: n });
                }
                _ if alive.len() > 1 => {
                    let n = alive.remove(rng.next(alive.len() as u64) as usize);
                    cmd(&mut c, Command::CrashConsumer { consumer: n });
                }
                _ => {}
            }
            if rng.next(3) == 0 {
                produce(&mut c, "t", rng.next(partitions as u64) as u32, 2);
            }
            let wait = 2_000 + rng.next(8_000);
            for ms in 0..wait {
                c.step(Input::Tick);
                let owners = c.client_owners("g");
                if let Some((tp, who)) = owners.iter().find(|(_, w)| w.len() > 1) {
                    panic!("seed={seed} round={round} t+{ms}ms: {tp} owned by {who:?} at once");
                }
            }
        }
        // Quiet: crashed members expire (45 s session), the rest reconcile.
        c.run_ms(60_000);
        let owners = client_owners(&c, "g");
        assert_eq!(
            owners.len() as u32,
            partitions,
            "seed={seed}: every partition owned once the group is stable: {owners:?}"
        );
        assert!(
            owners.values().all(|w| w.len() == 1),
            "seed={seed}: {owners:?}"
        );
        let owning: BTreeSet<&String> = owners.values().flatten().collect();
        assert!(
            owning.iter().all(|n| alive.contains(n)),
            "seed={seed}: {owning:?} vs {alive:?}"
        );
        let g = group(&c, "g");
        assert_eq!(g.state, "Stable", "seed={seed}");
        assert_eq!(g.members.len(), alive.len(), "seed={seed}");
    }
}
