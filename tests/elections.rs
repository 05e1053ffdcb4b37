//! Leader elections beyond the clean one: unclean (with its data loss) and preferred-replica.

use kplay_engine::command::ElectionType;
use kplay_engine::{Cluster, Command, EventKind, KafkaError};
use kplay_tests::*;

fn replicas(c: &Cluster) -> Vec<u32> {
    c.snapshot().topics[0].partitions[0]
        .replicas
        .iter()
        .map(|b| b.0)
        .collect()
}

fn failed(evs: Vec<kplay_engine::Event>) -> Option<(KafkaError, String)> {
    evs.into_iter().find_map(|e| match e.kind {
        EventKind::CommandFailed { error, message, .. } => Some((error, message)),
        _ => None,
    })
}

/// The leader is the last ISR member and dies: the partition goes offline (leader none, ISR keeps
/// the dead broker). A restarted out-of-sync replica cannot lead while unclean election is off;
/// turning `unclean.leader.election.enable` on elects it, and the records only the old leader had
/// are lost for good — the old leader truncates them when it comes back.
#[test]
fn unclean_election_restores_availability_and_loses_data() {
    let mut c = cluster_with_broker_configs(12, &[], "1");
    let r = replicas(&c);
    let (l, f1, f2) = (r[0], r[1], r[2]);
    assert_eq!(leader(&c, "t", 0), Some(l));
    assert_eq!(
        ok(&produce_and_wait(&mut c, "t", None, "replicated", 1000)),
        Some(0)
    );
    c.run_ms(200);
    cmd(&mut c, Command::CrashBroker { broker: f1 });
    cmd(&mut c, Command::CrashBroker { broker: f2 });
    c.run_ms(10_000);
    assert_eq!(isr(&c, "t", 0), vec![l]);
    for i in 1..=3 {
        assert_eq!(
            ok(&produce_and_wait(
                &mut c,
                "t",
                None,
                &format!("only-on-leader-{i}"),
                1000
            )),
            Some(i)
        );
    }
    cmd(&mut c, Command::CrashBroker { broker: l });
    c.run_ms(10_000);
    assert_eq!(leader(&c, "t", 0), None, "offline");
    assert_eq!(isr(&c, "t", 0), vec![l], "KRaft keeps the last ISR member");
    assert_eq!(c.snapshot().metrics.offline_partitions_count, 1);

    cmd(&mut c, Command::RestartBroker { broker: f1 });
    c.run_ms(5_000);
    assert_eq!(
        leader(&c, "t", 0),
        None,
        "an out-of-sync replica may not lead by default"
    );

    cmd(
        &mut c,
        Command::AlterTopicConfig {
            topic: "t".into(),
            key: "unclean.leader.election.enable".into(),
            value: "true".into(),
        },
    );
    c.run_ms(1_000);
    assert_eq!(
        leader(&c, "t", 0),
        Some(f1),
        "unclean election: first available replica"
    );
    assert_eq!(isr(&c, "t", 0), vec![f1]);
    let unclean = c.events().iter().any(|e| matches!(&e.kind, EventKind::PartitionChanged { reason, .. } if *reason == kplay_engine::events::ChangeReason::UncleanElection));
    assert!(unclean);
    assert_eq!(
        ok(&produce_and_wait(&mut c, "t", None, "after-unclean", 1000)),
        Some(1),
        "offset 1 is reused: 1..3 are gone"
    );

    cmd(&mut c, Command::RestartBroker { broker: l });
    cmd(&mut c, Command::RestartBroker { broker: f2 });
    c.run_ms(10_000);
    let lost = c.events().iter().find_map(|e| match &e.kind {
        EventKind::Truncated { broker, lost, .. } if broker.0 == l => Some(*lost),
        _ => None,
    });
    assert_eq!(
        lost,
        Some(3),
        "the old leader discards the 3 records nobody else had"
    );
    let s = c.snapshot();
    for rs in &s.topics[0].partitions[0].replica_states {
        let values: Vec<&str> = rs
            .records
            .iter()
            .map(|r| r.value.as_deref().unwrap_or(""))
            .collect();
        assert_eq!(
            values,
            vec!["replicated", "after-unclean"],
            "replica {}",
            rs.broker.0
        );
    }
}

/// kafka-leader-election.sh: preferred moves leadership back to the first replica; errors use
/// Kafka's names.
#[test]
fn manual_preferred_and_unclean_elections() {
    let mut c = cluster_with_broker_configs(3, &[("auto.leader.rebalance.enable", "false")], "all");
    let r = replicas(&c);
    let el = |c: &mut Cluster, election| {
        cmd(
            c,
            Command::ElectLeaders {
                topic: "t".into(),
                partition: 0,
                election,
            },
        )
    };
    assert_eq!(
        failed(el(&mut c, ElectionType::Preferred)).map(|e| e.0),
        Some(KafkaError::ElectionNotNeeded)
    );
    assert_eq!(
        failed(el(&mut c, ElectionType::Unclean)).map(|e| e.0),
        Some(KafkaError::ElectionNotNeeded)
    );

    cmd(&mut c, Command::CrashBroker { broker: r[0] });
    c.run_ms(10_000);
    assert_eq!(leader(&c, "t", 0), Some(r[1]));
    let e = failed(el(&mut c, ElectionType::Preferred)).unwrap();
    assert_eq!(
        e,
        (
            KafkaError::PreferredLeaderNotAvailable,
            "The preferred leader was not available.".into()
        )
    );

    cmd(&mut c, Command::RestartBroker { broker: r[0] });
    c.run_ms(10_000);
    assert_eq!(isr(&c, "t", 0).len(), 3, "caught up and back in the ISR");
    assert_eq!(
        leader(&c, "t", 0),
        Some(r[1]),
        "no automatic rebalance when auto.leader.rebalance.enable=false"
    );
    assert!(failed(el(&mut c, ElectionType::Preferred)).is_none());
    c.run_ms(100);
    assert_eq!(
        leader(&c, "t", 0),
        Some(r[0]),
        "back on the preferred replica"
    );
    assert_eq!(ok(&produce_and_wait(&mut c, "t", None, "v", 1000)), Some(0));
}

/// With `auto.leader.rebalance.enable` (default true) the controller moves leadership back to the
/// preferred replica at the next `leader.imbalance.check.interval.seconds` check.
#[test]
fn auto_leader_rebalance_returns_leadership_to_the_preferred_replica() {
    let mut c = cluster_with_broker_configs(
        3,
        &[("leader.imbalance.check.interval.seconds", "30")],
        "all",
    );
    let r = replicas(&c);
    cmd(&mut c, Command::CrashBroker { broker: r[0] });
    c.run_ms(10_000);
    cmd(&mut c, Command::RestartBroker { broker: r[0] });
    c.run_ms(5_000);
    assert_eq!(isr(&c, "t", 0).len(), 3);
    assert_eq!(
        leader(&c, "t", 0),
        Some(r[1]),
        "not yet: the next check is at 30 s"
    );
    c.run_ms(20_000);
    assert_eq!(
        leader(&c, "t", 0),
        Some(r[0]),
        "rebalanced to the preferred replica"
    );
    let preferred = c.events().iter().any(|e| matches!(&e.kind, EventKind::PartitionChanged { reason, .. } if *reason == kplay_engine::events::ChangeReason::PreferredElection));
    assert!(preferred);
}
