//! Network faults as ordinary commands: cuts, isolation, slow nodes, held and dropped envelopes.

use kplay_engine::{Cluster, Command, EventKind, Input, KafkaError, ProduceOutcome};
use kplay_tests::*;

fn leader_and_followers(c: &Cluster) -> (u32, Vec<u32>) {
    let l = leader(c, "t", 0).expect("leader");
    let s = c.snapshot();
    let f = s.topics[0].partitions[0]
        .replicas
        .iter()
        .map(|b| b.0)
        .filter(|&b| b != l)
        .collect();
    (l, f)
}

fn set_acks(c: &mut Cluster, acks: &str) {
    cmd(
        c,
        Command::AlterProducerConfig {
            producer: "p".into(),
            key: "acks".into(),
            value: acks.into(),
        },
    );
}

/// A follower cut off from its leader (but still heartbeating to the controller) is not fenced:
/// the leader removes it from the ISR by `replica.lag.time.max.ms` once new data makes it lag,
/// and adds it back after the heal, when it has caught up.
#[test]
fn follower_cut_from_leader_leaves_isr_by_lag_and_rejoins_after_heal() {
    let mut c = cluster_with_topic(21, 3, "t", 1, 3, 2, "1");
    let (l, f) = leader_and_followers(&c);
    cmd(
        &mut c,
        Command::PartitionNetwork {
            a: format!("broker-{l}"),
            b: format!("broker-{}", f[0]),
        },
    );
    for i in 0..10 {
        assert_eq!(
            ok(&produce_and_wait(&mut c, "t", None, &format!("v{i}"), 1000)),
            Some(i)
        );
        c.run_ms(1_000);
    }
    assert_eq!(
        isr(&c, "t", 0).len(),
        3,
        "not yet: replica.lag.time.max.ms is 30 s"
    );
    c.run_ms(40_000);
    let mut expected = vec![l, f[1]];
    expected.sort();
    assert_eq!(
        isr(&c, "t", 0),
        expected,
        "shrunk by the leader's lag check, not by fencing"
    );
    assert!(
        c.snapshot().brokers.iter().all(|b| !b.fenced),
        "nobody was fenced"
    );
    let lost = c
        .events()
        .iter()
        .any(|e| matches!(&e.kind, EventKind::EnvelopeLost { api, .. } if api == "Fetch"));
    assert!(lost, "the follower's fetches were lost on the cut link");

    let m = c.snapshot().metrics;
    assert_eq!(m.max_lag, 10, "the cut follower missed all 10 records");
    assert_eq!((m.record_send_total, m.record_error_total), (10, 0));
    assert_eq!(m.active_controller_count, 1);
    cmd(&mut c, Command::HealNetwork);
    c.run_ms(35_000); // the lost fetch times out (replica.socket.timeout.ms = 30 s), then it catches up
    assert_eq!(isr(&c, "t", 0), vec![1, 2, 3]);
    let s = c.snapshot();
    assert_eq!(s.metrics.max_lag, 0);
    assert!(s.topics[0].partitions[0]
        .replica_states
        .iter()
        .all(|r| r.log_end_offset.0 == 10));
}

/// A leader cut off from the controller is fenced and replaced, but keeps believing it leads
/// (a zombie in an older leader epoch) until the network heals; then it learns the new metadata,
/// becomes a follower and truncates what it wrote alone.
#[test]
fn leader_cut_from_controller_is_replaced_and_steps_down_after_heal() {
    let mut c = cluster_with_topic(8, 3, "t", 1, 3, 1, "1");
    assert_eq!(
        ok(&produce_and_wait(&mut c, "t", None, "before", 1000)),
        Some(0)
    );
    c.run_ms(100);
    let (l, f) = leader_and_followers(&c);
    cmd(
        &mut c,
        Command::PartitionNetwork {
            a: format!("broker-{l}"),
            b: "controller".into(),
        },
    );
    c.run_ms(12_000);
    let s = c.snapshot();
    let p = &s.topics[0].partitions[0];
    assert_eq!(
        p.leader.map(|b| b.0),
        Some(f[0]),
        "controller elected the first ISR replica"
    );
    assert_eq!(p.leader_epoch.0, 1);
    let zombie = p.replica_states.iter().find(|r| r.broker.0 == l).unwrap();
    assert!(
        zombie.is_leader,
        "the old leader has not heard of it: it still acts as leader of epoch 0"
    );
    assert!(s.brokers.iter().any(|b| b.id.0 == l && b.alive && b.fenced));

    assert_eq!(
        ok(&produce_and_wait(&mut c, "t", None, "new-leader", 1000)),
        Some(1),
        "clients follow the new leader"
    );
    cmd(&mut c, Command::HealNetwork);
    c.run_ms(5_000);
    let s = c.snapshot();
    let p = &s.topics[0].partitions[0];
    let old = p.replica_states.iter().find(|r| r.broker.0 == l).unwrap();
    assert!(
        !old.is_leader,
        "after the heal it caught up on metadata and stepped down"
    );
    c.run_ms(5_000);
    assert_eq!(isr(&c, "t", 0), vec![1, 2, 3], "and rejoined the ISR");
}

/// A slow follower delays acks=all (the HW waits for it) but not acks=1.
#[test]
fn slow_follower_delays_acks_all() {
    let mut c = cluster_with_topic(3, 3, "t", 1, 3, 2, "all");
    let (_, f) = leader_and_followers(&c);
    let latency_of = |c: &Cluster| -> u64 {
        c.events()
            .iter()
            .rev()
            .find_map(|e| match &e.kind {
                EventKind::ProduceCompleted { latency_ms, .. } => Some(*latency_ms),
                _ => None,
            })
            .unwrap()
    };
    produce_and_wait(&mut c, "t", None, "fast", 1000);
    let fast = latency_of(&c);
    cmd(
        &mut c,
        Command::SlowNode {
            node: format!("broker-{}", f[0]),
            extra_latency_ms: 300,
        },
    );
    cmd(
        &mut c,
        Command::SlowNode {
            node: format!("broker-{}", f[1]),
            extra_latency_ms: 300,
        },
    );
    c.run_ms(2_000);
    produce_and_wait(&mut c, "t", None, "slow", 5000);
    let slow = latency_of(&c);
    assert!(
        slow >= fast + 600,
        "acks=all waits for a slow follower's fetch round trip: {fast} → {slow}"
    );
    set_acks(&mut c, "1");
    produce_and_wait(&mut c, "t", None, "acks1", 5000);
    assert!(latency_of(&c) < 50, "acks=1 only waits for the leader");
    let s = c.snapshot();
    assert_eq!(s.network.slow.len(), 2);
}

fn produce_envelope(c: &Cluster) -> u64 {
    c.snapshot()
        .envelopes
        .iter()
        .find(|e| e.api == "Produce")
        .expect("a Produce in flight")
        .id
}

/// Holding the Produce request delays it; releasing delivers it.
#[test]
fn held_produce_is_delivered_on_release() {
    let mut c = cluster_with_topic(4, 3, "t", 1, 3, 2, "all");
    send(&mut c, "t", None, "v");
    let id = produce_envelope(&c);
    cmd(&mut c, Command::HoldEnvelope { id });
    assert!(c.snapshot().envelopes.iter().any(|e| e.id == id && e.held));
    c.run_ms(2_000);
    assert!(c.snapshot().requests[0].outcome.is_none(), "still waiting");
    cmd(&mut c, Command::ReleaseEnvelope { id });
    c.run_ms(100);
    assert_eq!(
        c.snapshot().requests[0].outcome,
        Some(ProduceOutcome::Ok { offset: 0 })
    );
}

/// A dropped Produce request is never answered: the client times out after request.timeout.ms.
#[test]
fn dropped_produce_times_out_at_the_client() {
    let mut c = cluster_with_topic(4, 3, "t", 1, 3, 2, "all");
    send(&mut c, "t", None, "v");
    let id = produce_envelope(&c);
    cmd(&mut c, Command::DropEnvelope { id });
    c.run_ms(31_000);
    match &c.snapshot().requests[0].outcome {
        Some(ProduceOutcome::Err {
            error: KafkaError::RequestTimedOut,
            message,
        }) => {
            assert!(message.ends_with("due to timeout"), "{message}")
        }
        other => panic!("expected REQUEST_TIMED_OUT, got {other:?}"),
    }
    let failed = c.step(Input::Command(Command::ReleaseEnvelope { id }));
    assert!(
        failed
            .iter()
            .any(|e| matches!(e.kind, EventKind::CommandFailed { .. })),
        "a dropped envelope cannot be released"
    );
}

/// Unknown nodes are refused with the list of known ones.
#[test]
fn unknown_node_names_are_refused() {
    let mut c = cluster_with_topic(1, 3, "t", 1, 3, 2, "all");
    let evs = cmd(
        &mut c,
        Command::IsolateNode {
            node: "broker-9".into(),
        },
    );
    let msg = evs.iter().find_map(|e| match &e.kind {
        EventKind::CommandFailed { message, .. } => Some(message.clone()),
        _ => None,
    });
    assert_eq!(
        msg.as_deref(),
        Some(
            "Unknown node 'broker-9'. Known nodes: broker-1, broker-2, broker-3, controller-100, p"
        )
    );
}
