//! Swarm test: random produces, crashes, restarts, network cuts, slow nodes, dropped envelopes,
//! partition growth, unclean/preferred elections and config changes over many seeds.
//! `check_invariants()` runs after every step (debug builds panic with the seed); at the end every
//! broker is restarted and the cluster must converge: full ISRs and identical logs.
//!
//! CI runs `KPLAY_SWARM_SEEDS` seeds (default 48). The deep run:
//! `KPLAY_SWARM_SEEDS=5000 cargo test --release -p kplay-tests --test swarm -- --nocapture`
//! (release builds skip the per-step check, so the deep run checks at every operation instead).
//! Reproduce one seed: `KPLAY_SWARM_SEED=123 cargo test -p kplay-tests --test swarm`.

use kplay_engine::command::ElectionType;
use kplay_engine::rng::Rng;
use kplay_engine::{Cluster, ClusterSpec, Command, Input};
use std::collections::BTreeMap;

fn run_seed(seed: u64) -> Result<(), String> {
    let mut r = Rng::new(seed ^ 0xabcdef);
    let brokers = 3 + r.below(3) as u32; // 3..=5
    let spec = ClusterSpec {
        brokers: (1..=brokers).collect(),
        seed,
        configs: BTreeMap::new(),
    };
    let mut c = Cluster::new(&spec).map_err(|e| e.message)?;
    let topics = ["a", "b"];
    for t in topics {
        let rf = 1 + r.below(3) as u32;
        let min_isr = 1 + r.below(rf as u64) as u32;
        let configs = BTreeMap::from([("min.insync.replicas".to_string(), min_isr.to_string())]);
        c.step(Input::Command(Command::CreateTopic {
            name: t.into(),
            partitions: 1 + r.below(4) as u32,
            replication_factor: rf,
            configs,
        }));
    }
    for (name, acks) in [("p0", "0"), ("p1", "1"), ("pall", "all")] {
        c.step(Input::Command(Command::AddProducer {
            name: name.into(),
            configs: BTreeMap::from([("acks".to_string(), acks.to_string())]),
        }));
    }
    let mut dead: Vec<u32> = vec![];
    let nodes: Vec<String> = (1..=brokers)
        .map(|b| format!("broker-{b}"))
        .chain(["controller".to_string(), "pall".to_string()])
        .collect();
    let pick = |r: &mut Rng| nodes[r.below(nodes.len() as u64) as usize].clone();
    for _ in 0..60 {
        let cmd = match r.below(14) {
            10 => {
                let (a, b) = (pick(&mut r), pick(&mut r));
                if a == b {
                    Command::HealNetwork
                } else {
                    Command::PartitionNetwork { a, b }
                }
            }
            11 if r.below(4) == 0 => {
                let t = topics[r.below(2) as usize];
                let now = c
                    .snapshot()
                    .topics
                    .iter()
                    .find(|x| x.name == t)
                    .map_or(1, |x| x.partitions.len() as u32);
                Command::CreatePartitions {
                    topic: t.into(),
                    count: now + 1 + r.below(2) as u32,
                }
            }
            11 if r.below(3) == 0 => Command::IsolateNode { node: pick(&mut r) },
            11 => Command::HealNetwork,
            12 => Command::SlowNode {
                node: pick(&mut r),
                extra_latency_ms: [0, 50, 400][r.below(3) as usize],
            },
            13 => match c.snapshot().envelopes.first() {
                Some(e) => Command::DropEnvelope { id: e.id },
                None => Command::HealNetwork,
            },
            0..=4 => {
                let producer = ["p0", "p1", "pall"][r.below(3) as usize];
                let key = if r.below(2) == 0 {
                    Some(format!("k{}", r.below(20)))
                } else {
                    None
                };
                Command::Produce {
                    producer: producer.into(),
                    topic: topics[r.below(2) as usize].into(),
                    partition: None,
                    key,
                    value: format!("v{}", r.next_u64() % 1000),
                }
            }
            5 | 6 if dead.len() < brokers as usize => {
                let alive: Vec<u32> = (1..=brokers).filter(|b| !dead.contains(b)).collect();
                let b = alive[r.below(alive.len() as u64) as usize];
                dead.push(b);
                Command::CrashBroker { broker: b }
            }
            7 | 8 if !dead.is_empty() => {
                let b = dead.remove(r.below(dead.len() as u64) as usize);
                Command::RestartBroker { broker: b }
            }
            _ => match r.below(4) {
                0 => Command::AlterTopicConfig {
                    topic: topics[r.below(2) as usize].into(),
                    key: "unclean.leader.election.enable".into(),
                    value: ["true", "false"][r.below(2) as usize].into(),
                },
                1 => Command::ElectLeaders {
                    topic: topics[r.below(2) as usize].into(),
                    partition: 0,
                    election: [ElectionType::Preferred, ElectionType::Unclean][r.below(2) as usize],
                },
                _ => Command::AlterTopicConfig {
                    topic: topics[r.below(2) as usize].into(),
                    key: "min.insync.replicas".into(),
                    value: (1 + r.below(3)).to_string(),
                },
            },
        };
        c.step(Input::Command(cmd));
        c.run_ms(r.range_inclusive(1, 4000));
        c.check_invariants()?;
    }
    c.step(Input::Command(Command::HealNetwork));
    for node in &nodes {
        c.step(Input::Command(Command::SlowNode {
            node: node.clone(),
            extra_latency_ms: 0,
        }));
    }
    for b in dead {
        c.step(Input::Command(Command::RestartBroker { broker: b }));
    }
    // Long enough for lost fetches (replica.socket.timeout.ms) and AlterPartition retries (30 s).
    c.run_ms(75_000);
    c.check_invariants()?;
    let result = converged(&c);
    if result.is_err() && std::env::var("KPLAY_SWARM_TRACE").is_ok() {
        for e in c.events() {
            println!("{e}");
        }
    }
    result
}

/// After every broker is back: every partition has a leader, a full ISR, and identical logs.
fn converged(c: &Cluster) -> Result<(), String> {
    let s = c.snapshot();
    for t in &s.topics {
        for p in &t.partitions {
            if p.leader.is_none() {
                return Err(format!("{} has no leader after recovery", p.tp));
            }
            let (mut isr, mut reps) = (p.isr.clone(), p.replicas.clone());
            isr.sort();
            reps.sort();
            if isr != reps {
                return Err(format!(
                    "{}: ISR {:?} != replicas {:?} after recovery",
                    p.tp, p.isr, p.replicas
                ));
            }
            let first = &p.replica_states[0];
            for rs in &p.replica_states {
                if rs.log_end_offset != first.log_end_offset || rs.records != first.records {
                    return Err(format!(
                        "{}: replica logs differ after recovery ({:?} vs {:?})",
                        p.tp, rs.log_end_offset, first.log_end_offset
                    ));
                }
            }
        }
    }
    Ok(())
}

#[test]
fn swarm() {
    let seeds: Vec<u64> = match std::env::var("KPLAY_SWARM_SEED") {
        Ok(s) => vec![s.parse().expect("KPLAY_SWARM_SEED is a number")],
        Err(_) => {
            let n: u64 = std::env::var("KPLAY_SWARM_SEEDS")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(48);
            (0..n).collect()
        }
    };
    let mut failures = vec![];
    for seed in seeds {
        let outcome = std::panic::catch_unwind(|| run_seed(seed));
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(e)) => failures.push(format!("seed={seed}: {e}")),
            Err(p) => {
                let msg = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failures.push(format!("seed={seed}: panic: {msg}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} swarm failures (rerun one with KPLAY_SWARM_SEED=N):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The same seed and inputs give the same trace, run after run.
#[test]
fn determinism_same_seed_same_trace() {
    let hash = |seed| {
        let mut c = Cluster::new(&ClusterSpec {
            brokers: vec![1, 2, 3],
            seed,
            configs: BTreeMap::new(),
        })
        .unwrap();
        c.step(Input::Command(Command::CreateTopic {
            name: "t".into(),
            partitions: 3,
            replication_factor: 3,
            configs: BTreeMap::new(),
        }));
        c.step(Input::Command(Command::AddProducer {
            name: "p".into(),
            configs: BTreeMap::new(),
        }));
        for i in 0..20 {
            c.step(Input::Command(Command::Produce {
                producer: "p".into(),
                topic: "t".into(),
                partition: None,
                key: None,
                value: format!("{i}"),
            }));
            c.run_ms(37);
            if i == 7 {
                c.step(Input::Command(Command::CrashBroker { broker: 2 }));
            }
        }
        c.run_ms(12_000);
        c.trace_hash()
    };
    assert_eq!(hash(5), hash(5));
    assert_ne!(
        hash(5),
        hash(6),
        "a different seed changes latencies and placement"
    );
}
