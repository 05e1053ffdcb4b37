//! Simulation speed: simulated milliseconds per wall-clock second, for the shapes the UI shows.
//! `cargo bench -p kplay-engine --bench ticks`. Targets (documented in the README): the largest
//! shape (5 brokers × 30 partitions × RF 3 with steady produce traffic) must simulate at least 20×
//! faster than real time natively, so the browser can fast-forward 10 s of fencing in well under a
//! second.

use kplay_engine::{Cluster, ClusterSpec, Command, Input};
use std::collections::BTreeMap;
use std::time::Instant;

fn bench(name: &str, brokers: u32, partitions: u32, rf: u32, produce_every_ms: u64, sim_ms: u64) {
    let spec = ClusterSpec {
        brokers: (1..=brokers).collect(),
        seed: 1,
        configs: BTreeMap::new(),
    };
    let mut c = Cluster::new(&spec).expect("valid spec");
    c.step(Input::Command(Command::CreateTopic {
        name: "t".into(),
        partitions,
        replication_factor: rf,
        configs: BTreeMap::new(),
    }));
    c.step(Input::Command(Command::AddProducer {
        name: "p".into(),
        configs: BTreeMap::new(),
    }));
    let start = Instant::now();
    let mut events = 0usize;
    for ms in 0..sim_ms {
        if ms % produce_every_ms == 0 {
            let key = Some(format!("k{ms}"));
            events += c
                .step(Input::Command(Command::Produce {
                    producer: "p".into(),
                    topic: "t".into(),
                    partition: None,
                    key,
                    value: "x".repeat(100),
                }))
                .len();
        }
        events += c.step(Input::Tick).len();
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{name:<34} {:>9.0} sim-ms/s  ({:>6.1}× real time, {:>7} events, {:.2}s wall)",
        sim_ms as f64 / secs,
        sim_ms as f64 / secs / 1000.0,
        events,
        secs
    );
}

fn main() {
    bench("1 broker × 1 partition, idle", 1, 1, 1, u64::MAX, 60_000);
    bench("3 brokers × 1 partition × RF3, 10/s", 3, 1, 3, 100, 60_000);
    bench(
        "5 brokers × 30 partitions × RF3, 100/s",
        5,
        30,
        3,
        10,
        30_000,
    );
}
