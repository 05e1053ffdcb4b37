//! Simulation speed: simulated milliseconds per wall-clock second, for the shapes the UI shows.
//! `cargo bench -p kplay-engine --bench ticks`. Targets (documented in the README): the largest
//! shape (5 brokers × 30 partitions × RF 3 with steady produce traffic) must simulate at least 20×
//! faster than real time natively, so the browser can fast-forward 10 s of fencing in well under a
//! second.

use kplay_engine::{Cluster, ClusterSpec, Command, Input};
use std::collections::BTreeMap;
use std::time::Instant;

/// `KPLAY_BENCH=<text>` runs only the shapes whose name contains it (the browser perf script
/// runs just the 5 × 30 × RF 3 shape to compare with the same loop in the Web Worker).
fn selected(name: &str) -> bool {
    std::env::var("KPLAY_BENCH").map_or(true, |f| name.contains(&f))
}

/// `KPLAY_BENCH_SIM_MS=<ms>` overrides the simulated length of the 5 × 30 × RF 3 shape (the
/// browser perf script runs the same length in the Web Worker, as `?bench=<ms>`).
fn large_sim_ms() -> u64 {
    std::env::var("KPLAY_BENCH_SIM_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30_000)
}

fn bench(name: &str, brokers: u32, partitions: u32, rf: u32, produce_every_ms: u64, sim_ms: u64) {
    if !selected(name) {
        return;
    }
    let spec = ClusterSpec {
        brokers: (1..=brokers).collect(),
        controllers: vec![],
        node_configs: BTreeMap::new(),
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
                    value: Some("x".repeat(100)),
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

/// Issue #3's standard cluster: 3 brokers, a topic `t` with 12 partitions, RF 3 and
/// min.insync.replicas=2, and one acks=all producer `p` (otherwise the Java client's defaults).
fn standard_cluster() -> Cluster {
    let spec = ClusterSpec {
        brokers: vec![1, 2, 3],
        controllers: vec![],
        node_configs: BTreeMap::new(),
        seed: 1,
        configs: BTreeMap::new(),
    };
    let mut c = Cluster::new(&spec).expect("valid spec");
    c.step(Input::Command(Command::CreateTopic {
        name: "t".into(),
        partitions: 12,
        replication_factor: 3,
        configs: [("min.insync.replicas".to_string(), "2".to_string())].into(),
    }));
    c.step(Input::Command(Command::AddProducer {
        name: "p".into(),
        configs: [("acks".to_string(), "all".to_string())].into(),
    }));
    c.run_ms(100);
    c
}

/// Records held over all replicas of all partitions.
fn replica_records(s: &kplay_engine::Snapshot) -> u64 {
    s.topics
        .iter()
        .flat_map(|t| &t.partitions)
        .flat_map(|p| &p.replica_states)
        .map(|r| r.log_end_offset.0)
        .sum()
}

/// Issue #3's standard scenario: 3 brokers, RF 3, 12 partitions, acks=all, one producer sending
/// `per_ms` keyed records every simulated millisecond. Reports acknowledged records per wall
/// second and the memory each retained record costs (its share of all logs and bookkeeping).
fn standard(per_ms: u64, sim_ms: u64) {
    if !selected("standard") {
        return;
    }
    let mut c = standard_cluster();
    let start = Instant::now();
    let mut n = 0u64;
    for _ in 0..sim_ms {
        for _ in 0..per_ms {
            n += 1;
            let key = Some(format!("k{n}"));
            c.step(Input::Command(Command::Produce {
                producer: "p".into(),
                topic: "t".into(),
                partition: None,
                key,
                value: Some("x".repeat(100)),
            }));
        }
        c.step(Input::Tick);
    }
    c.run_ms(1_000);
    let secs = start.elapsed().as_secs_f64();
    let s = c.snapshot();
    let acked = s.metrics.record_send_total;
    // Rough retained size: every replica keeps every record (key + 100-byte value + header).
    let replicas = replica_records(&s);
    let per_record = std::mem::size_of::<kplay_engine::log::Record>() as u64 + 100 + 8;
    println!(
        "standard 3×RF3×12, acks=all, {per_ms}/ms   {:>9.0} acked records/s wall ({acked} acked, {:.1}× real time), ~{} bytes per retained replica record ({} replica records)",
        acked as f64 / secs,
        (sim_ms + 1000) as f64 / secs / 1000.0,
        per_record,
        replicas
    );
}

/// Issue #3's standard scenario under `kafka-producer-perf-test` load: 3 brokers, RF 3,
/// 12 partitions, min.insync.replicas=2, one acks=all producer (the Java client's defaults:
/// idempotent, linger.ms=5, batch.size=16384) sending `num_records` keyless 100-byte records at
/// `throughput` records/s (-1 = unthrottled). Every record goes through the partitioner, the
/// accumulator, a Produce request, the leader's log, both followers' fetches and the HW before
/// it is acknowledged. Reports acknowledged records per wall second and memory per record.
/// CPU time this thread has run (Linux `/proc/thread-self/schedstat`, nanoseconds), so a run on a
/// busy machine can still be compared: on an idle machine it matches the wall time.
fn cpu_secs() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns as f64 / 1e9)
}

fn standard_perf(num_records: u64, throughput: i64, consumers: bool) {
    if !selected("standard perf-test") {
        return;
    }
    let mut c = standard_cluster();
    if consumers {
        // Issue #3: "a group of 3 consumers once groups exist" — they poll, process (0 ms per
        // record) and auto-commit while the producer runs.
        for name in ["c1", "c2", "c3"] {
            c.step(Input::Command(Command::AddConsumer {
                name: name.into(),
                topics: vec!["t".into()],
                configs: [
                    ("group.id".to_string(), "g".to_string()),
                    ("auto.offset.reset".to_string(), "earliest".to_string()),
                ]
                .into(),
            }));
        }
        // The group forms (group.initial.rebalance.delay.ms) before the load starts.
        c.run_ms(5_000);
    }
    let start = Instant::now();
    let cpu_start = cpu_secs();
    c.step(Input::Command(Command::PerfTest {
        producer: "p".into(),
        topic: "t".into(),
        num_records,
        record_size: 100,
        throughput,
    }));
    let sim_start = c.now_ms();
    let mut events = 0usize;
    loop {
        events += c.step(Input::Tick).len();
        let done = c
            .producer("p")
            .and_then(|p| p.perf.as_ref())
            .is_some_and(|t| t.finished);
        if done || c.now_ms() - sim_start > 3_600_000 {
            break;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let cpu = cpu_start.zip(cpu_secs()).map(|(a, b)| b - a);
    let sim_ms = c.now_ms() - sim_start;
    let s = c.snapshot();
    let acked = s.metrics.record_send_total;
    let replica_records = replica_records(&s);
    // Retained memory per replica record: the record struct in each replica's log (the 100-byte
    // payload is shared by every record of a perf test, as the tool sends one payload).
    let per_record = std::mem::size_of::<kplay_engine::log::Record>();
    let rate = if throughput < 0 {
        "unthrottled".to_string()
    } else {
        format!("{throughput}/s")
    };
    let group = if consumers {
        let s = c.snapshot();
        let g = s.groups.iter().find(|g| g.group == "g");
        format!(
            " + group of 3 consumers ({} records processed)",
            g.map_or(0, |g| g.ledger.processed_once + g.ledger.duplicated)
        )
    } else {
        String::new()
    };
    let per_cpu = cpu.map_or(String::new(), |cpu| {
        format!(" [{:.0} per CPU-second]", acked as f64 / cpu)
    });
    println!(
        "standard 3×RF3×12 acks=all perf-test {num_records}×100B {rate:<11}{group} {:>9.0} acked records/s wall{per_cpu}  ({acked} acked in {sim_ms} sim-ms = {:.0} records/sim-s, {:.1}× real time, {events} events, {:.2}s wall), {per_record} B per retained replica record ({replica_records} replica records)",
        acked as f64 / secs,
        acked as f64 * 1000.0 / sim_ms as f64,
        sim_ms as f64 / secs / 1000.0,
        secs
    );
}

/// `cargo bench -p kplay-engine --bench ticks -- FILTER` runs only the cases whose name contains
/// FILTER (`idle`, `RF3`, `standard`, `perf`, `consumers`); no filter runs them all.
fn main() {
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with("--"));
    let on = |name: &str| filter.as_deref().is_none_or(|f| name.contains(f));
    if on("idle") {
        bench("1 broker × 1 partition, idle", 1, 1, 1, u64::MAX, 60_000);
    }
    if on("RF3 10/s") {
        bench("3 brokers × 1 partition × RF3, 10/s", 3, 1, 3, 100, 60_000);
    }
    if on("RF3 100/s 5x30") {
        bench(
            "5 brokers × 30 partitions × RF3, 100/s",
            5,
            30,
            3,
            10,
            large_sim_ms(),
        );
    }
    if on("standard produce") {
        standard(1, 20_000);
        standard(10, 5_000);
    }
    if on("standard perf producer") {
        standard_perf(1_000_000, 100_000, false);
        standard_perf(2_000_000, -1, false);
    }
    if on("standard perf consumers") {
        standard_perf(1_000_000, 100_000, true);
    }
}
