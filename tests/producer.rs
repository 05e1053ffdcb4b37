//! The producer (notes section 五): batching in the accumulator, linger.ms and batch.size, retries
//! and the msg1/msg2 reordering they cause without idempotence, the idempotent fix (sequence
//! numbers, duplicates, OUT_OF_ORDER_SEQUENCE_NUMBER), delivery.timeout.ms, ProducerConfig checks
//! and the partitioner options.

use kplay_engine::{Cluster, ClusterSpec, Command, EventKind, Input, KafkaError, ProduceOutcome};
use std::collections::BTreeMap;

fn cluster(seed: u64, producer: &[(&str, &str)]) -> Cluster {
    let mut c = Cluster::new(&ClusterSpec {
        brokers: vec![1, 2, 3],
        controllers: vec![],
        node_configs: BTreeMap::new(),
        seed,
        configs: BTreeMap::new(),
    })
    .unwrap();
    c.step(Input::Command(Command::CreateTopic {
        name: "t".into(),
        partitions: 1,
        replication_factor: 3,
        configs: BTreeMap::from([("min.insync.replicas".to_string(), "2".to_string())]),
    }));
    let evs = c.step(Input::Command(Command::AddProducer {
        name: "p".into(),
        configs: producer
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }));
    assert!(
        !evs.iter()
            .any(|e| matches!(e.kind, EventKind::CommandFailed { .. })),
        "{evs:?}"
    );
    c.run_ms(100);
    c
}

fn send(c: &mut Cluster, value: &str) {
    c.step(Input::Command(Command::Produce {
        producer: "p".into(),
        topic: "t".into(),
        partition: None,
        key: Some("k".into()),
        value: Some(value.into()),
    }));
}

/// The leader's log as (value, offset), in offset order.
fn leader_log(c: &Cluster) -> Vec<(String, u64)> {
    let s = c.snapshot();
    let p = &s.topics[0].partitions[0];
    let leader = p.leader.unwrap();
    let r = p
        .replica_states
        .iter()
        .find(|r| r.broker == leader)
        .unwrap();
    r.records
        .iter()
        .map(|x| (x.value.clone().unwrap_or_default(), x.offset.0))
        .collect()
}

/// The record count of every batch sent, in order.
fn batch_sizes(evs: &[kplay_engine::Event]) -> Vec<u32> {
    evs.iter()
        .filter_map(|e| match &e.kind {
            EventKind::BatchSent { records, .. } => Some(*records),
            _ => None,
        })
        .collect()
}

/// Drops the Produce request on the wire now (the first one), like a lost packet.
fn drop_produce_request(c: &mut Cluster) -> u64 {
    let id = c
        .envelope_views()
        .into_iter()
        .find(|e| e.api == "Produce")
        .expect("a Produce request in flight")
        .id;
    c.step(Input::Command(Command::DropEnvelope { id }));
    id
}

fn outcomes(c: &Cluster) -> Vec<(String, Option<ProduceOutcome>)> {
    c.snapshot()
        .requests
        .iter()
        .map(|r| (r.value.clone().unwrap_or_default(), r.outcome.clone()))
        .collect()
}

const REORDER: &[(&str, &str)] = &[
    ("acks", "all"),
    ("enable.idempotence", "false"),
    ("retries", "3"),
    ("max.in.flight.requests.per.connection", "5"),
    ("linger.ms", "0"),
    ("request.timeout.ms", "1000"),
    ("delivery.timeout.ms", "5000"),
];

/// The notes (五, "消息顺序"): without idempotence, with retries and more than one request in
/// flight, msg1 fails (its request is lost and times out), msg2 — sent after it — succeeds, and
/// msg1's retry lands after msg2: the log order is msg2, msg1.
#[test]
fn retries_without_idempotence_reorder_msg1_and_msg2() {
    let mut c = cluster(3, REORDER);
    send(&mut c, "msg1");
    drop_produce_request(&mut c);
    c.run_ms(1);
    send(&mut c, "msg2");
    let evs = c.run_ms(3_000);
    assert_eq!(
        leader_log(&c),
        vec![("msg2".to_string(), 0), ("msg1".to_string(), 1)]
    );
    assert!(evs.iter().any(|e| matches!(
        &e.kind,
        EventKind::BatchRetrying {
            error: KafkaError::RequestTimedOut,
            ..
        }
    )));
    assert!(outcomes(&c)
        .iter()
        .all(|(_, o)| matches!(o, Some(ProduceOutcome::Ok { .. }))));
}

/// The fix: `enable.idempotence=true`. msg2 (sequence 1) reaches the broker first and is refused
/// with OUT_OF_ORDER_SEQUENCE_NUMBER (it expects 0); the client retries it after msg1: the log
/// order is msg1, msg2.
#[test]
fn idempotence_keeps_msg1_before_msg2() {
    let mut cfg: Vec<(&str, &str)> = REORDER.to_vec();
    cfg.retain(|(k, _)| *k != "enable.idempotence");
    cfg.push(("enable.idempotence", "true"));
    let mut c = cluster(3, &cfg);
    c.run_ms(50); // InitProducerId happens with the first batch
    send(&mut c, "msg0");
    c.run_ms(100);
    send(&mut c, "msg1");
    drop_produce_request(&mut c);
    c.run_ms(1);
    send(&mut c, "msg2");
    let evs = c.run_ms(4_000);
    assert_eq!(
        leader_log(&c),
        vec![
            ("msg0".to_string(), 0),
            ("msg1".to_string(), 1),
            ("msg2".to_string(), 2)
        ]
    );
    assert!(evs.iter().any(|e| matches!(
        &e.kind,
        EventKind::ProduceSequenceRejected {
            error: KafkaError::OutOfOrderSequenceNumber,
            base_sequence: 2,
            expected: 1,
            ..
        }
    )));
    assert!(outcomes(&c)
        .iter()
        .all(|(_, o)| matches!(o, Some(ProduceOutcome::Ok { .. }))));
}

/// A lost *response*: the broker appended the batch, the client times out and retries.
/// Without idempotence the record is written twice (at-least-once duplicate); with it the broker
/// recognises the duplicate (the last 5 batches per producer) and answers the original offset.
#[test]
fn a_retried_batch_is_a_duplicate_unless_idempotent() {
    for idempotent in [false, true] {
        let mut cfg: Vec<(&str, &str)> = REORDER.to_vec();
        cfg.retain(|(k, _)| *k != "enable.idempotence");
        cfg.push((
            "enable.idempotence",
            if idempotent { "true" } else { "false" },
        ));
        let mut c = cluster(8, &cfg);
        if idempotent {
            send(&mut c, "warm-up");
            c.run_ms(200);
        }
        send(&mut c, "once");
        // Let the request reach the leader, then drop its response (acks=all: sent once the HW
        // passes it).
        let mut dropped = false;
        for _ in 0..200 {
            c.step(Input::Tick);
            if let Some(e) = c
                .envelope_views()
                .into_iter()
                .find(|e| e.api == "ProduceResponse")
            {
                c.step(Input::Command(Command::DropEnvelope { id: e.id }));
                dropped = true;
                break;
            }
        }
        assert!(dropped);
        let evs = c.run_ms(3_000);
        let copies = leader_log(&c).iter().filter(|(v, _)| v == "once").count();
        let dup_event = evs
            .iter()
            .any(|e| matches!(e.kind, EventKind::DuplicateBatch { .. }));
        if idempotent {
            assert_eq!(copies, 1, "idempotent: written once");
            assert!(dup_event);
            let base = if idempotent { 1 } else { 0 };
            assert!(matches!(
                outcomes(&c).last().unwrap().1,
                Some(ProduceOutcome::Ok { offset }) if offset == base
            ));
        } else {
            assert_eq!(copies, 2, "not idempotent: a duplicate");
            assert!(!dup_event);
        }
    }
}

/// linger.ms and batch.size: records sent within linger.ms share one batch (one request, one
/// append); a small batch.size splits them.
#[test]
fn linger_and_batch_size_shape_batches() {
    let mut c = cluster(1, &[("linger.ms", "50"), ("batch.size", "16384")]);
    for i in 0..10 {
        send(&mut c, &format!("v{i}"));
    }
    let evs = c.run_ms(500);
    let batches = batch_sizes(&evs);
    assert_eq!(batches, vec![10], "one batch of 10 after linger.ms");
    let sent_at = evs
        .iter()
        .find(|e| matches!(e.kind, EventKind::BatchSent { .. }))
        .unwrap()
        .at_ms;
    assert_eq!(sent_at, 100 + 50, "sent when linger.ms ran out");

    // Each record here is ~12 bytes + a 61-byte header: batch.size 100 holds 3.
    let mut c = cluster(1, &[("linger.ms", "50"), ("batch.size", "100")]);
    for i in 0..10 {
        send(&mut c, &format!("v{i}"));
    }
    let evs = c.run_ms(500);
    let batches = batch_sizes(&evs);
    assert_eq!(batches.iter().sum::<u32>(), 10);
    assert!(batches.iter().all(|&n| n <= 3), "{batches:?}");
    assert_eq!(leader_log(&c).len(), 10);
    let m = c.snapshot().metrics;
    assert_eq!(m.record_send_total, 10);
}

/// `delivery.timeout.ms`: a batch that cannot be delivered (no leader) expires with Kafka's
/// message.
#[test]
fn batches_expire_after_delivery_timeout() {
    let mut c = cluster(
        2,
        &[
            ("linger.ms", "0"),
            ("request.timeout.ms", "1000"),
            ("delivery.timeout.ms", "3000"),
        ],
    );
    for b in 1..=3 {
        c.step(Input::Command(Command::CrashBroker { broker: b }));
    }
    send(&mut c, "lost");
    c.run_ms(4_000);
    let o = outcomes(&c);
    match &o[0].1 {
        Some(ProduceOutcome::Err { error, message }) => {
            assert_eq!(*error, KafkaError::RequestTimedOut);
            assert!(
                message.starts_with("Expiring 1 record(s) for t-0:")
                    && message.ends_with("ms has passed since batch creation"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
}

/// `max.in.flight.requests.per.connection=1`: one batch at a time per partition, so even
/// without idempotence a retry cannot be overtaken.
#[test]
fn one_request_in_flight_keeps_order_without_idempotence() {
    let mut cfg: Vec<(&str, &str)> = REORDER.to_vec();
    cfg.retain(|(k, _)| *k != "max.in.flight.requests.per.connection");
    cfg.push(("max.in.flight.requests.per.connection", "1"));
    let mut c = cluster(3, &cfg);
    send(&mut c, "msg1");
    drop_produce_request(&mut c);
    c.run_ms(1);
    send(&mut c, "msg2");
    c.run_ms(3_000);
    assert_eq!(
        leader_log(&c),
        vec![("msg1".to_string(), 0), ("msg2".to_string(), 1)]
    );
}

/// Kafka's `ProducerConfig` checks, as `AddProducer` / `AlterProducerConfig` errors.
#[test]
fn conflicting_idempotence_configs_are_refused() {
    let mut c = cluster(1, &[]);
    let evs = c.step(Input::Command(Command::AddProducer {
        name: "bad".into(),
        configs: BTreeMap::from([
            ("enable.idempotence".to_string(), "true".to_string()),
            ("acks".to_string(), "1".to_string()),
        ]),
    }));
    assert!(evs.iter().any(|e| matches!(&e.kind, EventKind::CommandFailed { error: KafkaError::ConfigException, message, .. } if message == "Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence.")));
    let evs = c.step(Input::Command(Command::AlterProducerConfig {
        producer: "p".into(),
        key: "enable.idempotence".into(),
        value: "true".into(),
    }));
    assert!(evs
        .iter()
        .all(|e| !matches!(e.kind, EventKind::CommandFailed { .. })));
    let evs = c.step(Input::Command(Command::AlterProducerConfig {
        producer: "p".into(),
        key: "retries".into(),
        value: "0".into(),
    }));
    assert!(evs.iter().any(|e| matches!(&e.kind, EventKind::CommandFailed { message, .. } if message == "Must set retries to non-zero when using the idempotent producer.")));
}

/// `RoundRobinPartitioner` spreads records over every partition regardless of the key;
/// `partitioner.ignore.keys` makes keyed records sticky.
#[test]
fn partitioner_options() {
    let mut c = Cluster::new(&ClusterSpec::default()).unwrap();
    c.step(Input::Command(Command::CreateTopic {
        name: "t".into(),
        partitions: 3,
        replication_factor: 1,
        configs: BTreeMap::new(),
    }));
    for (name, cfg) in [
        (
            "rr",
            vec![(
                "partitioner.class",
                "org.apache.kafka.clients.producer.RoundRobinPartitioner",
            )],
        ),
        ("ignore", vec![("partitioner.ignore.keys", "true")]),
    ] {
        c.step(Input::Command(Command::AddProducer {
            name: name.into(),
            configs: cfg
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }));
    }
    c.run_ms(50);
    let mut parts: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for who in ["rr", "ignore"] {
        for _ in 0..6 {
            let evs = c.step(Input::Command(Command::Produce {
                producer: who.into(),
                topic: "t".into(),
                partition: None,
                key: Some("user_id=123".into()),
                value: Some("x".into()),
            }));
            for e in evs {
                if let EventKind::RecordAccumulated { tp, .. } = e.kind {
                    parts.entry(who.into()).or_default().push(tp.partition);
                }
            }
        }
    }
    assert_eq!(parts["rr"], vec![0, 1, 2, 0, 1, 2]);
    let ig = &parts["ignore"];
    assert!(ig.iter().all(|&p| p == ig[0]), "sticky: {ig:?}");
}

/// The playground's custom partitioner: `kplay.partitioner.rules` sends keys by prefix; other keys
/// fall back to murmur2; a rule naming a partition the topic does not have fails `send()` like a
/// Java partitioner returning an out-of-range partition.
#[test]
fn custom_rule_partitioner() {
    let mut c = Cluster::new(&ClusterSpec::default()).unwrap();
    c.step(Input::Command(Command::CreateTopic {
        name: "t".into(),
        partitions: 3,
        replication_factor: 1,
        configs: BTreeMap::new(),
    }));
    c.step(Input::Command(Command::AddProducer {
        name: "p".into(),
        configs: BTreeMap::from([(
            "kplay.partitioner.rules".to_string(),
            "vip-:2, eu-:0, bad-:7".to_string(),
        )]),
    }));
    c.run_ms(20);
    let mut seen = vec![];
    for key in ["vip-alice", "eu-bob", "user_id=123"] {
        for e in c.step(Input::Command(Command::Produce {
            producer: "p".into(),
            topic: "t".into(),
            partition: None,
            key: Some(key.into()),
            value: Some("x".into()),
        })) {
            if let EventKind::RecordAccumulated {
                tp, partitioner, ..
            } = e.kind
            {
                seen.push((tp.partition, partitioner));
            }
        }
    }
    assert_eq!(
        seen,
        vec![
            (2, "custom rule".to_string()),
            (0, "custom rule".to_string()),
            (
                kplay_engine::partitioner::partition_for_key(b"user_id=123", 3),
                "murmur2".to_string()
            ),
        ]
    );
    let evs = c.step(Input::Command(Command::Produce {
        producer: "p".into(),
        topic: "t".into(),
        partition: None,
        key: Some("bad-1".into()),
        value: Some("x".into()),
    }));
    assert!(evs.iter().any(|e| matches!(&e.kind, EventKind::CommandFailed { error: KafkaError::InvalidPartitions, message, .. } if message == "Invalid partition given with record: 7 is not in the range [0...3).")));
    let evs = c.step(Input::Command(Command::AlterProducerConfig {
        producer: "p".into(),
        key: "kplay.partitioner.rules".into(),
        value: "vip-".into(),
    }));
    assert!(evs.iter().any(|e| matches!(&e.kind, EventKind::CommandFailed { message, .. } if message.contains("must look like prefix:partition"))));
}

/// `compression.type`: the batch's real record-batch bytes go through the real codec. JSON events
/// shrink a lot with gzip and lz4; random bytes do not; the metric `compression-rate-avg` follows.
#[test]
fn compression_applies_real_codecs_to_batches() {
    use kplay_engine::compression::{sample_payload, SampleKind};
    let mut rates = BTreeMap::new();
    for (codec, kind) in [
        ("none", SampleKind::JsonEvents),
        ("gzip", SampleKind::JsonEvents),
        ("lz4", SampleKind::JsonEvents),
        ("snappy", SampleKind::JsonEvents),
        ("gzip", SampleKind::RandomBytes),
    ] {
        let mut c = cluster(
            4,
            &[
                ("compression.type", codec),
                ("linger.ms", "50"),
                ("batch.size", "65536"),
            ],
        );
        for (key, value) in sample_payload(kind, 50, 7) {
            c.step(Input::Command(Command::Produce {
                producer: "p".into(),
                topic: "t".into(),
                partition: None,
                key,
                value: Some(value),
            }));
        }
        let evs = c.run_ms(1_000);
        let sent: Vec<u64> = evs
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::BatchSent { bytes, .. } => Some(*bytes),
                _ => None,
            })
            .collect();
        assert_eq!(sent.len(), 1, "{codec}: one batch");
        let m = c.snapshot().metrics;
        assert_eq!(m.record_send_total, 50);
        rates.insert(format!("{codec}/{kind:?}"), m.compression_rate_avg_x100);
    }
    assert_eq!(rates["none/JsonEvents"], 100);
    assert!(rates["gzip/JsonEvents"] < 40, "{rates:?}");
    assert!(rates["lz4/JsonEvents"] < 60, "{rates:?}");
    assert!(rates["snappy/JsonEvents"] < 60, "{rates:?}");
    assert!(rates["gzip/RandomBytes"] > 70, "{rates:?}");
}

/// `buffer.memory` back-pressure: each new batch takes `batch.size` of it; when none is left,
/// `send()` blocks — and fails with BufferExhaustedException after `max.block.ms` unless batches
/// complete and free memory first.
#[test]
fn buffer_memory_blocks_send_until_batches_complete() {
    let cfg = [
        ("buffer.memory", "2048"),
        ("batch.size", "1024"),
        ("linger.ms", "0"),
        ("max.block.ms", "1000"),
    ];
    for brokers_return in [false, true] {
        let mut c = cluster(6, &cfg);
        for b in 1..=3 {
            c.step(Input::Command(Command::CrashBroker { broker: b }));
        }
        let mut blocked = 0;
        for i in 0..30 {
            for e in c.step(Input::Command(Command::Produce {
                producer: "p".into(),
                topic: "t".into(),
                partition: None,
                key: Some("k".into()),
                value: Some(format!("{i:0>100}")),
            })) {
                if matches!(e.kind, EventKind::SendBlocked { .. }) {
                    blocked += 1;
                }
            }
        }
        assert!(
            blocked >= 10,
            "two 1024-byte batches fill 2048 bytes: {blocked}"
        );
        if brokers_return {
            c.run_ms(200);
            for b in 1..=3 {
                c.step(Input::Command(Command::RestartBroker { broker: b }));
            }
        }
        c.run_ms(30_000);
        let o = outcomes(&c);
        let exhausted = o
            .iter()
            .filter(|(_, x)| {
                matches!(
                    x,
                    Some(ProduceOutcome::Err {
                        error: KafkaError::BufferExhausted,
                        ..
                    })
                )
            })
            .count();
        if brokers_return {
            assert!(
                o.iter()
                    .all(|(_, x)| matches!(x, Some(ProduceOutcome::Ok { .. }))),
                "memory freed in time: every blocked send goes through ({o:?})"
            );
        } else {
            assert_eq!(
                exhausted, blocked,
                "every blocked send fails after max.block.ms"
            );
            let msg = o
                .iter()
                .find_map(|(_, x)| match x {
                    Some(ProduceOutcome::Err {
                        error: KafkaError::BufferExhausted,
                        message,
                    }) => Some(message.clone()),
                    _ => None,
                })
                .unwrap();
            assert!(msg.starts_with("Failed to allocate 1024 bytes within the configured max blocking time 1000 ms. Total memory: 2048 bytes."), "{msg}");
        }
    }
}

/// The topic's `compression.type`: `producer` keeps each batch as sent; a codec that differs from
/// the producer's makes the leader recompress the batch (Kafka: LogValidator).
#[test]
fn topic_compression_type_recompresses_on_the_leader() {
    use kplay_engine::compression::{sample_payload, SampleKind};
    for (topic_codec, producer_codec, expect) in [
        ("producer", "none", false),
        ("gzip", "none", true),
        ("lz4", "lz4", false),
        ("uncompressed", "snappy", true),
    ] {
        let mut c = Cluster::new(&ClusterSpec::default()).unwrap();
        c.step(Input::Command(Command::CreateTopic {
            name: "t".into(),
            partitions: 1,
            replication_factor: 3,
            configs: BTreeMap::from([("compression.type".to_string(), topic_codec.to_string())]),
        }));
        c.step(Input::Command(Command::AddProducer {
            name: "p".into(),
            configs: BTreeMap::from([
                ("compression.type".to_string(), producer_codec.to_string()),
                ("linger.ms".to_string(), "20".to_string()),
            ]),
        }));
        c.run_ms(50);
        for (key, value) in sample_payload(SampleKind::JsonEvents, 20, 1) {
            c.step(Input::Command(Command::Produce {
                producer: "p".into(),
                topic: "t".into(),
                partition: None,
                key,
                value: Some(value),
            }));
        }
        let evs = c.run_ms(1_000);
        let re: Vec<(u64, u64)> = evs
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::BatchRecompressed {
                    bytes_before,
                    bytes_after,
                    ..
                } => Some((*bytes_before, *bytes_after)),
                _ => None,
            })
            .collect();
        assert_eq!(
            !re.is_empty(),
            expect,
            "{topic_codec}/{producer_codec}: {re:?}"
        );
        if topic_codec == "gzip" {
            assert!(re.iter().all(|(b, a)| a < b), "gzip shrinks JSON: {re:?}");
        }
        if topic_codec == "uncompressed" {
            assert!(
                re.iter().all(|(b, a)| a > b),
                "decompressed on the broker: {re:?}"
            );
        }
        assert_eq!(c.snapshot().metrics.record_send_total, 20);
    }
}
