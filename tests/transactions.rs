//! Transactions (issue #5): the transaction coordinator on `__transaction_state`, COMMIT / ABORT
//! markers, the last stable offset, read_committed consumers, zombie fencing, transaction
//! timeouts, coordinator failover; and a swarm property over seeds with broker crashes.

use kplay_engine::ids::{BrokerId, Offset, TopicPartition};
use kplay_engine::log::BatchKind;
use kplay_engine::snapshot::{ConsumerView, TransactionView};
use kplay_engine::{Cluster, ClusterSpec, Command, Event, EventKind, KafkaError};
use std::collections::BTreeMap;

fn cfg(list: &[(&str, &str)]) -> BTreeMap<String, String> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn step(c: &mut Cluster, command: Command) -> Vec<Event> {
    c.step(kplay_engine::Input::Command(command))
}

fn cmd(c: &mut Cluster, command: Command) -> Vec<Event> {
    let out = step(c, command);
    for e in &out {
        if let EventKind::CommandFailed { .. } = e.kind {
            panic!("command failed: {e}");
        }
    }
    out
}

fn failed(out: &[Event]) -> Option<(KafkaError, String)> {
    out.iter().find_map(|e| match &e.kind {
        EventKind::CommandFailed { error, message, .. } => Some((*error, message.clone())),
        _ => None,
    })
}

/// 3 brokers, topic `t` (RF 3, `partitions`), a transactional producer per entry of `producers`
/// (name, transactional.id, extra configs).
fn cluster(
    seed: u64,
    partitions: u32,
    broker_cfg: &[(&str, &str)],
    producers: &[(&str, &str, &[(&str, &str)])],
) -> Cluster {
    let mut configs = cfg(&[("group.initial.rebalance.delay.ms", "0")]);
    configs.extend(cfg(broker_cfg));
    let spec = ClusterSpec {
        seed,
        configs,
        ..ClusterSpec::default()
    };
    let mut c = Cluster::new(&spec).unwrap();
    cmd(
        &mut c,
        Command::CreateTopic {
            name: "t".into(),
            partitions,
            replication_factor: 3,
            configs: BTreeMap::new(),
        },
    );
    for (name, id, extra) in producers {
        let mut configs = cfg(&[("transactional.id", id), ("linger.ms", "0")]);
        configs.extend(cfg(extra));
        cmd(
            &mut c,
            Command::AddProducer {
                name: name.to_string(),
                configs,
            },
        );
    }
    c.run_ms(100);
    c
}

fn send(c: &mut Cluster, producer: &str, partition: u32, value: &str) -> Vec<Event> {
    step(
        c,
        Command::Produce {
            producer: producer.into(),
            topic: "t".into(),
            partition: Some(partition),
            key: None,
            value: Some(value.into()),
        },
    )
}

fn add_consumer(c: &mut Cluster, name: &str, group: &str, isolation: &str) {
    cmd(
        c,
        Command::AddConsumer {
            name: name.into(),
            topics: vec!["t".into()],
            configs: cfg(&[
                ("group.id", group),
                ("auto.offset.reset", "earliest"),
                ("isolation.level", isolation),
            ]),
        },
    );
}

fn txn<'a>(c: &'a Cluster, id: &str) -> TransactionView {
    c.snapshot()
        .transactions
        .into_iter()
        .find(|t| t.transactional_id == id)
        .unwrap_or_else(|| panic!("no transaction {id}"))
}

fn client_state(c: &Cluster, producer: &str) -> String {
    c.snapshot()
        .producers
        .into_iter()
        .find(|p| p.name == producer)
        .and_then(|p| p.transaction)
        .map(|t| t.state)
        .unwrap_or_default()
}

fn consumer(c: &Cluster, name: &str) -> ConsumerView {
    c.snapshot()
        .consumers
        .into_iter()
        .find(|x| x.name == name)
        .unwrap()
}

fn tp(p: u32) -> TopicPartition {
    TopicPartition::new("t", p)
}

/// Values a group processed, from the leader's log and the processing ledger.
fn processed_values(c: &Cluster, group: &str, partitions: u32) -> Vec<String> {
    let mut out = vec![];
    let Some(ledger) = c.processing_ledger(group) else {
        return out;
    };
    for p in 0..partitions {
        let (Some(counts), Some(log)) = (ledger.get(&tp(p)), c.leader_partition_log(&tp(p))) else {
            continue;
        };
        for (o, n) in counts.iter().enumerate() {
            for _ in 0..*n {
                out.push(
                    log.records()[o]
                        .value
                        .as_deref()
                        .unwrap_or("null")
                        .to_string(),
                );
            }
        }
    }
    out.sort();
    out
}

fn init(c: &mut Cluster, producer: &str) {
    cmd(
        c,
        Command::InitTransactions {
            producer: producer.into(),
        },
    );
    c.run_ms(300);
    assert_eq!(client_state(c, producer), "READY", "{producer} initialised");
}

/// Commit and abort on two partitions: markers take offsets; a read_committed consumer reads up
/// to the LSO and skips the aborted records and the markers; a read_uncommitted one reads the
/// aborted records too. Both positions end past the markers.
#[test]
fn commit_and_abort_as_read_committed_and_read_uncommitted_consumers_see_them() {
    let mut c = cluster(3, 2, &[], &[("tx", "tx-1", &[])]);
    add_consumer(&mut c, "rc", "committed", "read_committed");
    add_consumer(&mut c, "ru", "uncommitted", "read_uncommitted");
    init(&mut c, "tx");
    c.run_ms(1000);
    cmd(
        &mut c,
        Command::BeginTransaction {
            producer: "tx".into(),
        },
    );
    send(&mut c, "tx", 0, "a0");
    send(&mut c, "tx", 1, "a1");
    c.run_ms(500);
    // Ongoing: LSO stays at the transaction's first offset while the HW moves on.
    let log = c.leader_partition_log(&tp(0)).unwrap();
    assert_eq!(
        (log.high_watermark(), log.last_stable_offset()),
        (Offset(1), Offset(0))
    );
    assert_eq!(txn(&c, "tx-1").state, "Ongoing");
    assert_eq!(processed_values(&c, "uncommitted", 2), vec!["a0", "a1"]);
    assert!(
        processed_values(&c, "committed", 2).is_empty(),
        "nothing stable yet"
    );
    cmd(
        &mut c,
        Command::CommitTransaction {
            producer: "tx".into(),
        },
    );
    c.run_ms(500);
    assert_eq!(txn(&c, "tx-1").state, "CompleteCommit");
    assert_eq!(processed_values(&c, "committed", 2), vec!["a0", "a1"]);
    cmd(
        &mut c,
        Command::BeginTransaction {
            producer: "tx".into(),
        },
    );
    send(&mut c, "tx", 0, "b0");
    send(&mut c, "tx", 1, "b1");
    c.run_ms(300);
    cmd(
        &mut c,
        Command::AbortTransaction {
            producer: "tx".into(),
        },
    );
    c.run_ms(1000);
    assert_eq!(txn(&c, "tx-1").state, "CompleteAbort");
    for p in 0..2 {
        let log = c.leader_partition_log(&tp(p)).unwrap();
        let kinds: Vec<Option<BatchKind>> = log
            .records()
            .iter()
            .map(|r| r.producer.map(|s| s.kind))
            .collect();
        assert_eq!(
            kinds,
            vec![
                Some(BatchKind::Transactional),
                Some(BatchKind::Commit),
                Some(BatchKind::Transactional),
                Some(BatchKind::Abort)
            ]
        );
        assert_eq!(
            (log.high_watermark(), log.last_stable_offset()),
            (Offset(4), Offset(4))
        );
    }
    assert_eq!(processed_values(&c, "committed", 2), vec!["a0", "a1"]);
    assert_eq!(
        processed_values(&c, "uncommitted", 2),
        vec!["a0", "a1", "b0", "b1"]
    );
    for name in ["rc", "ru"] {
        let positions: Vec<u64> = consumer(&c, name)
            .positions
            .iter()
            .map(|(_, o)| *o)
            .collect();
        assert_eq!(positions, vec![4, 4], "{name} steps over the markers");
    }
    let g = c
        .snapshot()
        .groups
        .into_iter()
        .find(|g| g.group == "committed")
        .unwrap();
    assert_eq!((g.ledger.processed_once, g.ledger.never_processed), (2, 0));
}

/// Zombie fencing: a second producer with the same transactional.id calls initTransactions
/// while the first has a transaction open. The coordinator bumps the epoch (fencing), aborts
/// the open transaction, answers CONCURRENT_TRANSACTIONS until the abort completes, then bumps
/// again. The zombie's next write is refused with INVALID_PRODUCER_EPOCH (abortable), its
/// EndTxn with PRODUCER_FENCED (fatal).
#[test]
fn a_new_producer_with_the_same_transactional_id_fences_the_zombie() {
    let mut c = cluster(
        5,
        1,
        &[],
        &[("old", "orders-tx", &[]), ("new", "orders-tx", &[])],
    );
    add_consumer(&mut c, "rc", "g", "read_committed");
    init(&mut c, "old");
    assert_eq!(txn(&c, "orders-tx").producer_epoch, 0);
    cmd(
        &mut c,
        Command::BeginTransaction {
            producer: "old".into(),
        },
    );
    send(&mut c, "old", 0, "zombie-1");
    c.run_ms(300);
    assert_eq!(txn(&c, "orders-tx").state, "Ongoing");
    let out = cmd(
        &mut c,
        Command::InitTransactions {
            producer: "new".into(),
        },
    );
    let mut events = out;
    for _ in 0..1000 {
        events.extend(c.run_ms(1));
    }
    let fenced = events.iter().find_map(|e| match &e.kind {
        EventKind::TxnProducerFenced {
            old_epoch,
            new_epoch,
            ..
        } => Some((*old_epoch, *new_epoch)),
        _ => None,
    });
    assert_eq!(fenced, Some((0, 1)));
    assert!(events.iter().any(|e| matches!(
        &e.kind,
        EventKind::TxnClientError { producer, error: KafkaError::ConcurrentTransactions, .. } if producer == "new"
    )));
    assert_eq!(client_state(&c, "new"), "READY");
    let t = txn(&c, "orders-tx");
    assert_eq!((t.state.as_str(), t.producer_epoch), ("Empty", 2));
    // The ABORT marker carries the fencing epoch.
    let log = c.leader_partition_log(&tp(0)).unwrap();
    let marker = log.records()[1].producer.unwrap();
    assert_eq!((marker.kind, marker.producer_epoch), (BatchKind::Abort, 1));
    // The zombie writes again: refused by the partition leader.
    let events = send(&mut c, "old", 0, "zombie-2");
    assert!(failed(&events).is_none());
    let mut events = vec![];
    for _ in 0..500 {
        events.extend(c.run_ms(1));
    }
    assert!(events.iter().any(|e| matches!(
        &e.kind,
        EventKind::ProduceCompleted { producer, outcome: kplay_engine::ProduceOutcome::Err { error: KafkaError::InvalidProducerEpoch, .. }, .. } if producer == "old"
    )), "zombie write refused");
    assert_eq!(client_state(&c, "old"), "ABORTABLE_ERROR");
    let (error, message) = failed(&step(
        &mut c,
        Command::CommitTransaction {
            producer: "old".into(),
        },
    ))
    .unwrap();
    assert_eq!(error, KafkaError::IllegalState);
    assert!(
        message.starts_with("Cannot execute transactional method because we are in an error state"),
        "{message}"
    );
    cmd(
        &mut c,
        Command::AbortTransaction {
            producer: "old".into(),
        },
    );
    let mut events = vec![];
    for _ in 0..500 {
        events.extend(c.run_ms(1));
    }
    assert!(events.iter().any(|e| matches!(
        &e.kind,
        EventKind::TxnClientError { producer, api, error: KafkaError::ProducerFenced, .. } if producer == "old" && api == "EndTxn"
    )));
    assert_eq!(client_state(&c, "old"), "FATAL_ERROR");
    // The new producer works; the read_committed group never sees the zombie's records.
    cmd(
        &mut c,
        Command::BeginTransaction {
            producer: "new".into(),
        },
    );
    send(&mut c, "new", 0, "fresh");
    c.run_ms(300);
    cmd(
        &mut c,
        Command::CommitTransaction {
            producer: "new".into(),
        },
    );
    c.run_ms(4000);
    assert_eq!(processed_values(&c, "g", 1), vec!["fresh"]);
}

/// `transaction.timeout.ms`: the coordinator aborts a transaction left open and bumps the epoch,
/// so the producer's late commit is refused with PRODUCER_FENCED.
#[test]
fn an_open_transaction_past_its_timeout_is_aborted_and_the_producer_fenced() {
    let mut c = cluster(
        7,
        1,
        &[(
            "transaction.abort.timed.out.transaction.cleanup.interval.ms",
            "500",
        )],
        &[("tx", "slow-tx", &[("transaction.timeout.ms", "1000")])],
    );
    init(&mut c, "tx");
    cmd(
        &mut c,
        Command::BeginTransaction {
            producer: "tx".into(),
        },
    );
    send(&mut c, "tx", 0, "never-committed");
    let mut events = vec![];
    for _ in 0..2000 {
        events.extend(c.run_ms(1));
    }
    let timed_out = events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::TxnTimedOut {
                timeout_ms,
                producer_epoch,
                ..
            } => Some((e.at_ms, *timeout_ms, *producer_epoch)),
            _ => None,
        })
        .expect("timed out");
    assert_eq!((timed_out.1, timed_out.2), (1000, 0));
    let t = txn(&c, "slow-tx");
    assert_eq!((t.state.as_str(), t.producer_epoch), ("CompleteAbort", 1));
    let log = c.leader_partition_log(&tp(0)).unwrap();
    assert_eq!(log.last_stable_offset(), log.high_watermark());
    assert_eq!(log.aborted_txns().len(), 1);
    cmd(
        &mut c,
        Command::CommitTransaction {
            producer: "tx".into(),
        },
    );
    c.run_ms(300);
    assert_eq!(client_state(&c, "tx"), "FATAL_ERROR");
}

/// Kafka: `TransactionCoordinator.handleInitProducerId` — a timeout above
/// `transaction.max.timeout.ms` is INVALID_TRANSACTION_TIMEOUT (fatal for the client).
#[test]
fn a_transaction_timeout_above_the_broker_maximum_is_refused() {
    let mut c = cluster(
        9,
        1,
        &[("transaction.max.timeout.ms", "60000")],
        &[("tx", "big", &[("transaction.timeout.ms", "60001")])],
    );
    cmd(
        &mut c,
        Command::InitTransactions {
            producer: "tx".into(),
        },
    );
    let events = c.run_ms(300);
    assert!(events.iter().any(|e| matches!(
        &e.kind,
        EventKind::TxnClientError { api, error: KafkaError::InvalidTransactionTimeout, .. } if api == "InitProducerId"
    )));
    assert_eq!(client_state(&c, "tx"), "FATAL_ERROR");
}

/// Kafka: `ProducerConfig.postProcessAndValidateIdempotenceConfigs` — transactional.id needs
/// idempotence (explicitly off, or silently off because acks=1).
#[test]
fn transactional_id_requires_idempotence() {
    let mut c = cluster(1, 1, &[], &[]);
    for extra in [("enable.idempotence", "false"), ("acks", "1")] {
        let out = step(
            &mut c,
            Command::AddProducer {
                name: format!("p-{}", extra.0),
                configs: cfg(&[("transactional.id", "x"), extra]),
            },
        );
        let (error, message) = failed(&out).expect("refused");
        assert_eq!(error, KafkaError::ConfigException);
        assert_eq!(
            message,
            "Cannot set a transactional.id without also enabling idempotence."
        );
    }
    // The client's state machine: no send before initTransactions, no begin twice.
    cmd(
        &mut c,
        Command::AddProducer {
            name: "p".into(),
            configs: cfg(&[("transactional.id", "x")]),
        },
    );
    let (_, m) = failed(&send(&mut c, "p", 0, "v")).unwrap();
    assert_eq!(m, "Cannot perform a 'send' before completing a call to initTransactions when transactions are enabled.");
    init(&mut c, "p");
    let (_, m) = failed(&send(&mut c, "p", 0, "v")).unwrap();
    assert_eq!(m, "Cannot call send in state READY");
    cmd(
        &mut c,
        Command::BeginTransaction {
            producer: "p".into(),
        },
    );
    let (_, m) = failed(&step(
        &mut c,
        Command::BeginTransaction {
            producer: "p".into(),
        },
    ))
    .unwrap();
    assert_eq!(m, "TransactionalId x: Invalid transition attempted from state IN_TRANSACTION to state IN_TRANSACTION");
}

/// The coordinator crashes after writing PrepareCommit: the new leader of its
/// `__transaction_state` partition loads the transaction from the log and writes the markers
/// (two-phase commit), so the transaction completes.
#[test]
fn a_new_coordinator_finishes_a_commit_after_failover() {
    let mut c = cluster(13, 2, &[], &[("tx", "failover-tx", &[])]);
    init(&mut c, "tx");
    cmd(
        &mut c,
        Command::BeginTransaction {
            producer: "tx".into(),
        },
    );
    send(&mut c, "tx", 0, "x0");
    send(&mut c, "tx", 1, "x1");
    c.run_ms(300);
    let coordinator = txn(&c, "failover-tx").coordinator;
    cmd(
        &mut c,
        Command::CommitTransaction {
            producer: "tx".into(),
        },
    );
    // Run until PrepareCommit is durable, then crash the coordinator before it completes.
    let mut prepared = false;
    for _ in 0..500 {
        let events = c.run_ms(1);
        if events.iter().any(|e| matches!(&e.kind, EventKind::TxnStateChanged { to, .. } if to.name() == "PrepareCommit")) {
            prepared = true;
            break;
        }
    }
    assert!(prepared);
    cmd(
        &mut c,
        Command::CrashBroker {
            broker: coordinator.0,
        },
    );
    let mut events = vec![];
    for _ in 0..15_000 {
        events.extend(c.run_ms(1));
    }
    let t = txn(&c, "failover-tx");
    assert_ne!(t.coordinator, coordinator);
    assert_eq!(t.state, "CompleteCommit");
    assert!(events.iter().any(|e| matches!(&e.kind, EventKind::TxnCoordinatorLoaded { broker, .. } if *broker == t.coordinator)));
    for p in 0..2 {
        let log = c.leader_partition_log(&tp(p)).unwrap();
        assert!(
            log.records()
                .iter()
                .any(|r| r.producer.is_some_and(|s| s.kind == BatchKind::Commit)),
            "marker on t-{p}"
        );
        assert!(log.ongoing_txns().is_empty());
        assert_eq!(log.last_stable_offset(), log.high_watermark());
    }
    let _ = BrokerId(0);
}

/// Swarm: a transactional producer commits or aborts batches of records over three partitions
/// while brokers crash and restart; a read_committed group reads along. Properties: the group
/// never processes a record of an aborted transaction nor a marker; every record it processed is
/// from a committed transaction; after healing, every transaction completes and every
/// partition's LSO reaches its HW. (Committed offsets never beyond the log end is an invariant
/// the cluster checks after every step.) Prints the seed on failure.
#[test]
fn swarm_read_committed_never_returns_aborted_data() {
    let mut processed = 0;
    let mut aborted = 0;
    for seed in 1..=10u64 {
        let (p, a) = swarm_run(seed);
        processed += p;
        aborted += a;
    }
    // The property is not vacuous: records were read and transactions were aborted.
    assert!(
        processed > 20 && aborted > 5,
        "processed {processed}, aborted transactions {aborted}"
    );
}

/// Runs one seed; returns (records the group processed, aborted-index entries).
fn swarm_run(seed: u64) -> (u64, usize) {
    let mut c = cluster(
        seed,
        3,
        &[(
            "transaction.abort.timed.out.transaction.cleanup.interval.ms",
            "1000",
        )],
        &[("tx", "swarm-tx", &[("transaction.timeout.ms", "5000")])],
    );
    add_consumer(&mut c, "rc", "g", "read_committed");
    init(&mut c, "tx");
    let mut rng = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut down: Option<u32> = None;
    for round in 0..12 {
        if client_state(&c, "tx") == "ABORTABLE_ERROR" {
            step(
                &mut c,
                Command::AbortTransaction {
                    producer: "tx".into(),
                },
            );
        }
        if client_state(&c, "tx") == "READY" {
            cmd(
                &mut c,
                Command::BeginTransaction {
                    producer: "tx".into(),
                },
            );
            let commit = next() % 3 != 0;
            for i in 0..(1 + next() % 4) {
                let value = format!("{}-{round}-{i}", if commit { "C" } else { "A" });
                send(&mut c, "tx", (next() % 3) as u32, &value);
            }
            c.run_ms(50 + next() % 300);
            let end = if commit {
                Command::CommitTransaction {
                    producer: "tx".into(),
                }
            } else {
                Command::AbortTransaction {
                    producer: "tx".into(),
                }
            };
            step(&mut c, end);
        }
        if next() % 3 == 0 {
            match down.take() {
                Some(b) => {
                    step(&mut c, Command::RestartBroker { broker: b });
                }
                None => {
                    let b = 1 + (next() % 3) as u32;
                    step(&mut c, Command::CrashBroker { broker: b });
                    down = Some(b);
                }
            }
        }
        c.run_ms(500 + next() % 1500);
    }
    if let Some(b) = down {
        step(&mut c, Command::RestartBroker { broker: b });
    }
    c.run_ms(12_000);
    let state = client_state(&c, "tx");
    assert!(
        state == "READY" || state == "FATAL_ERROR" || state == "ABORTABLE_ERROR",
        "seed={seed}: {state}"
    );
    let ledger = c.processing_ledger("g").cloned().unwrap_or_default();
    let mut totals = (0, 0);
    for p in 0..3 {
        let log = c
            .leader_partition_log(&tp(p))
            .unwrap_or_else(|| panic!("seed={seed}: t-{p} has a leader"));
        assert!(
            log.ongoing_txns().is_empty(),
            "seed={seed}: t-{p} open transactions {:?}",
            log.ongoing_txns()
        );
        assert_eq!(
            log.last_stable_offset(),
            log.high_watermark(),
            "seed={seed}: t-{p}"
        );
        totals.1 += log.aborted_txns().len();
        let Some(counts) = ledger.get(&tp(p)) else {
            continue;
        };
        for (o, n) in counts.iter().enumerate() {
            if *n == 0 {
                continue;
            }
            totals.0 += u64::from(*n);
            let r = &log.records()[o];
            let stamp = r.producer.unwrap();
            assert!(
                !stamp.kind.is_control(),
                "seed={seed}: marker t-{p}@{o} processed"
            );
            let aborted = log.aborted_txns().iter().any(|t| {
                t.producer_id == stamp.producer_id
                    && t.first_offset.0 <= o as u64
                    && (o as u64) < t.last_offset.0
            });
            assert!(
                !aborted,
                "seed={seed}: aborted record t-{p}@{o} ({}) processed",
                r.value.as_deref().unwrap_or("null")
            );
            assert!(
                r.value.as_deref().is_some_and(|v| v.starts_with("C-")),
                "seed={seed}: t-{p}@{o} = {} is not from a committed transaction",
                r.value.as_deref().unwrap_or("null")
            );
        }
    }
    totals
}

/// Values of committed transactional records (and plain records) in a partition's leader log:
/// what a read_committed reader of the whole log gets.
fn committed_values(c: &Cluster, topic: &str, partitions: u32) -> Vec<String> {
    let mut out = vec![];
    for p in 0..partitions {
        let tp = TopicPartition::new(topic, p);
        let Some(log) = c.leader_partition_log(&tp) else {
            continue;
        };
        for r in log.records().iter() {
            let Some(stamp) = r.producer else {
                out.push(r.value.as_deref().unwrap_or("null").to_string());
                continue;
            };
            let o = r.offset;
            let aborted = log.aborted_txns().iter().any(|t| {
                t.producer_id == stamp.producer_id && t.first_offset <= o && o < t.last_offset
            });
            let open = log
                .ongoing_txns()
                .get(&stamp.producer_id)
                .is_some_and(|first| *first <= o);
            if !stamp.kind.is_control() && !aborted && !open && o < log.last_stable_offset() {
                out.push(r.value.as_deref().unwrap_or("null").to_string());
            }
        }
    }
    out.sort();
    out
}

fn stream_consumer(c: &mut Cluster, name: &str) {
    cmd(
        c,
        Command::AddConsumer {
            name: name.into(),
            topics: vec!["in".into()],
            configs: cfg(&[
                ("group.id", "etl"),
                ("auto.offset.reset", "earliest"),
                ("kplay.output.topic", "out"),
                ("kplay.delivery.semantics", "exactly-once"),
                ("kplay.processing.ms.per.record", "40"),
                ("max.poll.records", "4"),
                ("transaction.timeout.ms", "3000"),
                ("session.timeout.ms", "6000"),
                ("heartbeat.interval.ms", "1000"),
            ]),
        },
    );
}

/// Sends input records `from..to` (key `k{i}`, value `v{i}`) with the plain producer `src`.
fn send_inputs(c: &mut Cluster, from: u32, to: u32) {
    for i in from..to {
        cmd(
            c,
            Command::Produce {
                producer: "src".into(),
                topic: "in".into(),
                partition: None,
                key: Some(format!("k{i}")),
                value: Some(format!("v{i}")),
            },
        );
    }
}

/// A stream cluster: topics `in` and `out` (3 partitions each, RF 3), `n` input records.
fn stream_cluster(seed: u64, n: u32) -> Cluster {
    let spec = ClusterSpec {
        seed,
        configs: cfg(&[
            ("group.initial.rebalance.delay.ms", "0"),
            (
                "transaction.abort.timed.out.transaction.cleanup.interval.ms",
                "1000",
            ),
        ]),
        ..ClusterSpec::default()
    };
    let mut c = Cluster::new(&spec).unwrap();
    for t in ["in", "out"] {
        cmd(
            &mut c,
            Command::CreateTopic {
                name: t.into(),
                partitions: 3,
                replication_factor: 3,
                configs: BTreeMap::new(),
            },
        );
    }
    cmd(
        &mut c,
        Command::AddProducer {
            name: "src".into(),
            configs: cfg(&[("linger.ms", "0")]),
        },
    );
    send_inputs(&mut c, 0, n);
    c.run_ms(500);
    c
}

/// Exactly-once consume-transform-produce: with output records and input offsets committed in
/// one transaction (sendOffsetsToTransaction), every input record appears exactly once in the
/// committed output — while the application's instances crash (their open transactions are
/// aborted by transaction.timeout.ms, and KIP-447's UNSTABLE_OFFSET_COMMIT holds the next owner
/// back until then) and brokers crash and restart. Prints the seed on failure.
#[test]
fn swarm_exactly_once_stream_processing_under_crashes() {
    let mut aborted = 0;
    let mut crashes = 0;
    for seed in 1..=6u64 {
        // Inputs keep coming while instances and brokers crash: 4 per round, 8 rounds.
        let n = 32;
        let mut c = stream_cluster(seed, 0);
        let mut rng = seed.wrapping_mul(0x2545_F491_4F6C_DD1D) | 1;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let mut live: Vec<String> = vec!["a0".into(), "b0".into()];
        for name in &live {
            stream_consumer(&mut c, name);
        }
        let mut down: Option<u32> = None;
        let mut spawned = 0;
        c.run_ms(500);
        for round in 0..8 {
            send_inputs(&mut c, round * 4, round * 4 + 4);
            c.run_ms(100 + next() % 300);
            match next() % 4 {
                0 if live.len() > 1 => {
                    let victim = live.remove((next() % live.len() as u64) as usize);
                    step(&mut c, Command::CrashConsumer { consumer: victim });
                    crashes += 1;
                    spawned += 1;
                    let name = format!("r{spawned}");
                    stream_consumer(&mut c, &name);
                    live.push(name);
                }
                1 => match down.take() {
                    Some(b) => {
                        step(&mut c, Command::RestartBroker { broker: b });
                    }
                    None => {
                        let b = 1 + (next() % 3) as u32;
                        step(&mut c, Command::CrashBroker { broker: b });
                        down = Some(b);
                    }
                },
                _ => {}
            }
        }
        if let Some(b) = down {
            step(&mut c, Command::RestartBroker { broker: b });
        }
        // A fresh instance makes sure someone is left to finish the work.
        stream_consumer(&mut c, "last");
        c.run_ms(40_000);
        let mut want: Vec<String> = (0..n).map(|i| format!("v{i} processed")).collect();
        want.sort();
        assert_eq!(committed_values(&c, "out", 3), want, "seed={seed}");
        for p in 0..3 {
            let log = c
                .leader_partition_log(&TopicPartition::new("out", p))
                .unwrap();
            assert!(
                log.ongoing_txns().is_empty(),
                "seed={seed}: out-{p} still has open transactions"
            );
            aborted += log.aborted_txns().len();
        }
    }
    // Not vacuous: instances crashed mid-stream and transactions were aborted.
    assert!(
        crashes > 0 && aborted > 0,
        "crashes {crashes}, aborted transactions {aborted}"
    );
}

/// The notes' DLQ loop (八): a record whose processing fails goes to the dead-letter topic, its
/// offset is committed with the others, and the application moves on.
#[test]
fn failed_records_go_to_the_dead_letter_topic_and_are_committed() {
    let mut c = stream_cluster(4, 6);
    cmd(
        &mut c,
        Command::CreateTopic {
            name: "dlq".into(),
            partitions: 1,
            replication_factor: 3,
            configs: BTreeMap::new(),
        },
    );
    cmd(
        &mut c,
        Command::AddConsumer {
            name: "app".into(),
            topics: vec!["in".into()],
            configs: cfg(&[
                ("group.id", "etl"),
                ("auto.offset.reset", "earliest"),
                ("kplay.output.topic", "out"),
                ("kplay.dlq.topic", "dlq"),
                ("kplay.fail.keys", "k2,k5"),
                ("kplay.commit.mode", "sync"),
            ]),
        },
    );
    let events = c.run_ms(5000);
    let dead: Vec<u64> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::RecordToDeadLetterQueue { dlq, offset, .. } if dlq == "dlq" => Some(*offset),
            _ => None,
        })
        .collect();
    assert_eq!(dead.len(), 2);
    assert_eq!(committed_values(&c, "dlq", 1), vec!["v2", "v5"]);
    assert_eq!(
        committed_values(&c, "out", 3),
        vec![
            "v0 processed",
            "v1 processed",
            "v3 processed",
            "v4 processed"
        ]
    );
    let g = c
        .snapshot()
        .groups
        .into_iter()
        .find(|g| g.group == "etl")
        .unwrap();
    for p in &g.partitions {
        assert_eq!(
            p.committed, p.high_watermark,
            "{} committed past the failures",
            p.tp
        );
    }
}
