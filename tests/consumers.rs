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
                value: format!("v{i}"),
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

#[test]
#[ignore]
fn debug_trace() {
    let mut c = cluster(1, "orders", 3, &[]);
    produce(&mut c, "orders", 0, 4);
    add_consumer(&mut c, "A", "order-processing", "orders", &[]);
    c.run_ms(10_000);
    for e in c.events() {
        let s = e.to_string();
        if !s.contains("__consumer_offsets-")
            || s.contains("coordinator")
            || s.contains("appended")
            || s.contains("group")
        {
            println!("{s}");
        }
    }
}
