//! Headless experiments whose numbers the lessons chart, runnable from the CLI
//! (`kplay batching`).

use crate::command::{ClusterSpec, Command, Input};
use crate::events::{EventKind, ProduceOutcome};
use crate::Cluster;
use std::collections::BTreeMap;

/// One cell of the batching grid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchingRow {
    pub batch_size: u64,
    pub linger_ms: u64,
    pub records: u64,
    pub acked: u64,
    pub requests: u64,
    /// Mean records per Produce request, ×100.
    pub records_per_request_x100: u64,
    pub avg_batch_bytes: u64,
    pub avg_latency_ms: u64,
    pub p99_latency_ms: u64,
    /// Acknowledged records per simulated second.
    pub throughput_per_s: u64,
}

/// The throughput-vs-latency experiment: 3 brokers, topic `events` (6 partitions, RF 3,
/// min.insync.replicas 2), one acks=all producer sending `rate_per_ms` keyed records of ~100
/// bytes every millisecond for `duration_ms`, for every (`batch.size`, `linger.ms`) pair.
pub fn batching_grid(
    batch_sizes: &[u64],
    lingers_ms: &[u64],
    rate_per_ms: u64,
    duration_ms: u64,
) -> Vec<BatchingRow> {
    let mut rows = vec![];
    for &batch_size in batch_sizes {
        for &linger in lingers_ms {
            rows.push(run_cell(batch_size, linger, rate_per_ms, duration_ms));
        }
    }
    rows
}

fn run_cell(batch_size: u64, linger: u64, rate: u64, duration_ms: u64) -> BatchingRow {
    let mut c = Cluster::new(&ClusterSpec::default()).expect("default cluster");
    c.step(Input::Command(Command::CreateTopic {
        name: "events".into(),
        partitions: 6,
        replication_factor: 3,
        configs: BTreeMap::from([("min.insync.replicas".to_string(), "2".to_string())]),
    }));
    let configs = BTreeMap::from([
        ("acks".to_string(), "all".to_string()),
        ("batch.size".to_string(), batch_size.to_string()),
        ("linger.ms".to_string(), linger.to_string()),
    ]);
    c.step(Input::Command(Command::AddProducer {
        name: "app".into(),
        configs,
    }));
    c.run_ms(100);
    let value = "x".repeat(100);
    let mut latencies = vec![];
    let mut n = 0u64;
    let collect = |evs: Vec<crate::Event>, latencies: &mut Vec<u64>| {
        for e in evs {
            if let EventKind::ProduceCompleted {
                outcome: ProduceOutcome::Ok { .. },
                latency_ms,
                ..
            } = e.kind
            {
                latencies.push(latency_ms);
            }
        }
    };
    for _ in 0..duration_ms {
        for _ in 0..rate {
            n += 1;
            let evs = c.step(Input::Command(Command::Produce {
                producer: "app".into(),
                topic: "events".into(),
                partition: None,
                key: Some(format!("user-{}", n % 997)),
                value: Some(value.clone()),
            }));
            collect(evs, &mut latencies);
        }
        let evs = c.step(Input::Tick);
        collect(evs, &mut latencies);
    }
    // Drain what is still in flight.
    for _ in 0..(linger + 2_000) {
        let evs = c.step(Input::Tick);
        collect(evs, &mut latencies);
    }
    let m = c.snapshot().metrics;
    latencies.sort_unstable();
    let acked = latencies.len() as u64;
    let p99 = latencies
        .get(((latencies.len() * 99) / 100).min(latencies.len().saturating_sub(1)))
        .copied()
        .unwrap_or(0);
    let requests = c.producer_requests();
    BatchingRow {
        batch_size,
        linger_ms: linger,
        records: n,
        acked,
        requests,
        records_per_request_x100: m.records_per_request_avg_x100,
        avg_batch_bytes: m.batch_size_avg,
        avg_latency_ms: latencies
            .iter()
            .sum::<u64>()
            .checked_div(acked)
            .unwrap_or(0),
        p99_latency_ms: p99,
        throughput_per_s: (acked * 1000).checked_div(duration_ms).unwrap_or(0),
    }
}

/// The grid as a text table.
pub fn render_batching(rows: &[BatchingRow]) -> String {
    let mut out = String::from(
        "batch.size  linger.ms  records  acked  requests  records/request  avg batch B  avg latency ms  p99 latency ms  acked/s (sim)\n",
    );
    for r in rows {
        out.push_str(&format!(
            "{:>10}  {:>9}  {:>7}  {:>5}  {:>8}  {:>15}  {:>11}  {:>14}  {:>14}  {:>13}\n",
            r.batch_size,
            r.linger_ms,
            r.records,
            r.acked,
            r.requests,
            format!(
                "{}.{:02}",
                r.records_per_request_x100 / 100,
                r.records_per_request_x100 % 100
            ),
            r.avg_batch_bytes,
            r.avg_latency_ms,
            r.p99_latency_ms,
            r.throughput_per_s
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The trade-off the lesson charts: more linger → fuller batches and fewer requests, at the
    /// cost of latency; a tiny batch.size forces many small requests.
    #[test]
    fn linger_trades_latency_for_fewer_bigger_requests() {
        let rows = batching_grid(&[512, 16384], &[0, 20], 2, 200);
        let cell = |b, l| {
            rows.iter()
                .find(|r| r.batch_size == b && r.linger_ms == l)
                .unwrap()
                .clone()
        };
        for r in &rows {
            assert_eq!(r.acked, r.records, "{r:?}");
        }
        let (fast, lingering) = (cell(16384, 0), cell(16384, 20));
        assert!(lingering.requests < fast.requests, "{fast:?} {lingering:?}");
        assert!(lingering.records_per_request_x100 > fast.records_per_request_x100);
        assert!(lingering.avg_latency_ms > fast.avg_latency_ms);
        let small = cell(512, 20);
        assert!(small.requests > lingering.requests);
        assert!(small.avg_batch_bytes <= 512);
    }
}
