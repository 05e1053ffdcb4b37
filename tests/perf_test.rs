//! `kafka-producer-perf-test` on a simulated producer: throttling like `ThroughputThrottler`,
//! every record through the real pipeline (partitioner, batches, leader, followers, HW, acks),
//! the tool's summary line, errors counted when the cluster refuses writes, and the command's
//! validation.

use kplay_engine::events::fixed;
use kplay_engine::{Cluster, ClusterSpec, Command, EventKind, Input, KafkaError};
use std::collections::BTreeMap;

fn cluster(partitions: u32, producer: &[(&str, &str)]) -> Cluster {
    let mut c = Cluster::new(&ClusterSpec {
        brokers: vec![1, 2, 3],
        controllers: vec![],
        node_configs: BTreeMap::new(),
        seed: 11,
        configs: BTreeMap::new(),
    })
    .unwrap();
    c.step(Input::Command(Command::CreateTopic {
        name: "t".into(),
        partitions,
        replication_factor: 3,
        configs: BTreeMap::from([("min.insync.replicas".to_string(), "2".to_string())]),
    }));
    c.step(Input::Command(Command::AddProducer {
        name: "p".into(),
        configs: producer
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }));
    c.run_ms(100);
    c
}

fn start(c: &mut Cluster, num_records: u64, record_size: u32, throughput: i64) -> Vec<EventKind> {
    c.step(Input::Command(Command::PerfTest {
        producer: "p".into(),
        topic: "t".into(),
        num_records,
        record_size,
        throughput,
    }))
    .into_iter()
    .map(|e| e.kind)
    .collect()
}

fn perf(c: &Cluster) -> kplay_engine::snapshot::PerfTestView {
    c.snapshot().producers[0].perf_test.clone().unwrap()
}

/// Runs until the perf test has finished (or `limit_ms` passes) and returns its summary event.
fn run_to_summary(c: &mut Cluster, limit_ms: u64) -> EventKind {
    for _ in 0..limit_ms {
        for e in c.step(Input::Tick) {
            if matches!(e.kind, EventKind::PerfTestFinished { .. }) {
                return e.kind;
            }
        }
    }
    panic!(
        "perf test did not finish within {limit_ms} ms: {:?}",
        perf(c)
    );
}

#[test]
fn throughput_is_throttled_like_throughput_throttler() {
    let mut c = cluster(3, &[("acks", "all")]);
    start(&mut c, 5_000, 100, 2_000);
    // 2000 records/s = 2 per ms: after 1000 ms at most 2000 (+2 for the ms in progress) sent.
    c.run_ms(1_000);
    let sent = perf(&c).sent;
    assert!((1_998..=2_004).contains(&sent), "sent {sent}");
    c.run_ms(1_000);
    let sent = perf(&c).sent;
    assert!((3_998..=4_004).contains(&sent), "sent {sent}");
}

#[test]
fn every_record_is_replicated_and_acknowledged() {
    let mut c = cluster(6, &[("acks", "all"), ("linger.ms", "5")]);
    start(&mut c, 20_000, 100, 10_000);
    let summary = run_to_summary(&mut c, 10_000);
    let EventKind::PerfTestFinished {
        records,
        errors,
        bytes,
        latency_ms_max,
        p50_ms,
        p95_ms,
        p99_ms,
        p999_ms,
        ..
    } = summary
    else {
        unreachable!()
    };
    assert_eq!((records, errors, bytes), (20_000, 0, 2_000_000));
    assert!(p50_ms <= p95_ms && p95_ms <= p99_ms && p99_ms <= p999_ms && p999_ms <= latency_ms_max);
    // acks=all: an acknowledged record has reached both followers, so two network round trips.
    assert!(p50_ms >= 4, "p50 {p50_ms} ms");
    c.run_ms(1_000);
    let s = c.snapshot();
    assert_eq!(s.metrics.record_send_total, 20_000);
    let mut total = 0;
    let mut used = 0;
    for p in &s.topics[0].partitions {
        let leo: Vec<u64> = p
            .replica_states
            .iter()
            .map(|r| r.log_end_offset.0)
            .collect();
        assert!(
            leo.iter().all(|&x| x == leo[0]),
            "{}: replicas differ {leo:?}",
            p.tp
        );
        assert_eq!(p.high_watermark.map(|h| h.0), Some(leo[0]));
        total += leo[0];
        used += (leo[0] > 0) as u32;
        // The tool sends no key and one payload of random uppercase letters.
        for r in &p.replica_states[0].records {
            assert_eq!(r.key, None);
            let v = r.value.as_deref().expect("not a tombstone");
            assert_eq!(v.len(), 100);
            assert!(v.bytes().all(|b| b.is_ascii_uppercase()));
        }
    }
    assert_eq!(total, 20_000);
    // Keyless records: the uniform sticky partitioner moves on every ~batch.size bytes.
    assert!(used >= 4, "only {used} partitions used");
}

#[test]
fn refused_writes_are_counted_as_errors() {
    // Two brokers down: ISR 1 < min.insync.replicas 2, every acks=all batch is refused with
    // NOT_ENOUGH_REPLICAS and retried until delivery.timeout.ms.
    let mut c = cluster(
        1,
        &[
            ("acks", "all"),
            ("request.timeout.ms", "1000"),
            ("delivery.timeout.ms", "3000"),
            ("linger.ms", "5"),
        ],
    );
    c.step(Input::Command(Command::CrashBroker { broker: 2 }));
    c.step(Input::Command(Command::CrashBroker { broker: 3 }));
    c.run_ms(12_000);
    start(&mut c, 300, 50, 1_000);
    let EventKind::PerfTestFinished {
        records, errors, ..
    } = run_to_summary(&mut c, 20_000)
    else {
        unreachable!()
    };
    assert_eq!((records, errors), (300, 300));
    assert_eq!(c.snapshot().metrics.record_error_total, 300);
}

#[test]
fn unthrottled_fills_buffer_memory_and_still_finishes() {
    // -1: send() as fast as it returns; a small buffer.memory makes it block and wait.
    let mut c = cluster(3, &[("acks", "1"), ("buffer.memory", "65536")]);
    start(&mut c, 10_000, 200, -1);
    c.run_ms(2);
    let v = perf(&c);
    assert!(
        v.sent < 10_000,
        "buffer.memory should have blocked send(): {v:?}"
    );
    let EventKind::PerfTestFinished {
        records, errors, ..
    } = run_to_summary(&mut c, 30_000)
    else {
        unreachable!()
    };
    assert_eq!((records, errors), (10_000, 0));
}

#[test]
fn bad_arguments_and_a_second_run_are_refused() {
    let mut c = cluster(1, &[]);
    let failed = |evs: Vec<EventKind>| -> (KafkaError, String) {
        evs.into_iter()
            .find_map(|k| match k {
                EventKind::CommandFailed { error, message, .. } => Some((error, message)),
                _ => None,
            })
            .expect("the command should fail")
    };
    assert_eq!(
        failed(start(&mut c, 10, 100, 0)).1,
        "--throughput must be a positive number of records/s, or -1 to disable throttling"
    );
    assert_eq!(
        failed(start(&mut c, 0, 100, 10)).1,
        "--num-records must be at least 1"
    );
    let mut other = c.clone();
    let evs = other.step(Input::Command(Command::PerfTest {
        producer: "p".into(),
        topic: "nope".into(),
        num_records: 1,
        record_size: 1,
        throughput: 1,
    }));
    assert!(evs.iter().any(|e| matches!(
        &e.kind,
        EventKind::CommandFailed {
            error: KafkaError::UnknownTopicOrPartition,
            ..
        }
    )));
    assert!(start(&mut c, 100, 10, 10)
        .iter()
        .any(|k| matches!(k, EventKind::PerfTestStarted { .. })));
    assert_eq!(
        failed(start(&mut c, 100, 10, 10)).1,
        "Producer 'p' is already running a perf test"
    );
}

#[test]
fn summary_line_reads_like_the_tool() {
    let mut c = cluster(1, &[("acks", "1")]);
    start(&mut c, 3_000, 100, 500);
    let mut lines = vec![];
    for _ in 0..10_000 {
        for e in c.step(Input::Tick) {
            if matches!(
                e.kind,
                EventKind::PerfTestProgress { .. } | EventKind::PerfTestFinished { .. }
            ) {
                lines.push(e.to_string());
            }
        }
    }
    assert_eq!(lines.len(), 2, "{lines:#?}");
    // 3000 records at 500/s take 6 s: one progress line after 5 s, then the summary.
    assert!(
        lines[0].contains("p perf-test: ") && lines[0].contains("records/sec"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].contains("p perf-test: 3000 records sent, ") && lines[1].contains("ms 99.9th."),
        "{}",
        lines[1]
    );
}

#[test]
fn fixed_point_formatting_rounds_half_up() {
    assert_eq!(fixed(1, 3, 2), "0.33");
    assert_eq!(fixed(2, 3, 1), "0.7");
    assert_eq!(fixed(5, 1000, 2), "0.01");
    assert_eq!(fixed(99_995, 1000, 2), "100.00");
    assert_eq!(fixed(7, 2, 0), "4");
}
