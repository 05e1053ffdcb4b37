//! Delivery semantics on the consumer side (issue #5, the notes' section 七): the
//! `kplay.delivery.semantics` presets, the ledger's lost / duplicated counts, commitSync retries,
//! commitAsync's late callbacks, seek / replay — and a property test over many seeds with random
//! consumer crashes.

use kplay_engine::scenario;
use kplay_engine::snapshot::{GroupView, LedgerView};
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
            panic!("seed={} command failed: {e}", c.seed());
        }
    }
    out
}

/// A 3-broker cluster with `orders` (RF 3), `partitions` partitions of `per_partition` records
/// each, all acknowledged (acks=all).
fn cluster(seed: u64, partitions: u32, per_partition: u32) -> Cluster {
    let spec = ClusterSpec {
        seed,
        ..ClusterSpec::default()
    };
    let mut c = Cluster::new(&spec).unwrap();
    cmd(
        &mut c,
        Command::CreateTopic {
            name: "orders".into(),
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
    for p in 0..partitions {
        for i in 0..per_partition {
            cmd(
                &mut c,
                Command::Produce {
                    producer: "app".into(),
                    topic: "orders".into(),
                    partition: Some(p),
                    key: None,
                    value: Some(format!("v{i}")),
                },
            );
        }
    }
    c.run_ms(300);
    c
}

fn add_consumer(c: &mut Cluster, name: &str, group: &str, extra: &[(&str, &str)]) {
    let mut configs = cfg(&[("group.id", group), ("auto.offset.reset", "earliest")]);
    configs.extend(cfg(extra));
    cmd(
        c,
        Command::AddConsumer {
            name: name.into(),
            topics: vec!["orders".into()],
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

fn events_of(c: &Cluster) -> Vec<String> {
    c.events().iter().map(|e| e.to_string()).collect()
}

fn run_scenario(file: &str) -> Cluster {
    let path = format!("{}/scenarios/{file}", env!("CARGO_MANIFEST_DIR"));
    let src = std::fs::read_to_string(&path).unwrap();
    let s = scenario::parse(&src, &path).unwrap();
    s.run().unwrap().cluster
}

/// The commit strategies under the same crash (tests/scenarios/delivery-semantics.toml):
/// at-most-once loses records and never duplicates; at-least-once and auto-commit duplicate and
/// never lose; exactly-once neither loses nor duplicates — the processing its crash interrupted
/// was in a transaction that aborted, so it counts as aborted, not as a processing.
#[test]
fn the_same_crash_under_four_commit_strategies() {
    let c = run_scenario("delivery-semantics.toml");
    let l = |g: &str| group(&c, g).ledger;
    let most = l("at-most-once");
    assert_eq!((most.lost, most.duplicated), (1, 0), "{most:?}");
    assert_eq!(most.processed_once, 11);
    let least = l("at-least-once");
    assert_eq!((least.lost, least.duplicated), (0, 3), "{least:?}");
    let auto = l("auto-commit");
    assert_eq!((auto.lost, auto.duplicated), (0, 6), "{auto:?}");
    let exact = l("exactly-once");
    assert_eq!(
        (
            exact.processed_once,
            exact.lost,
            exact.duplicated,
            exact.aborted
        ),
        (12, 0, 0, 1),
        "{exact:?}"
    );
    // The preset shows what it means in Kafka terms.
    let ev = events_of(&c);
    assert!(ev.iter().any(|e| e.contains(
        "most-1 kplay.delivery.semantics=at-most-once means enable.auto.commit=false kplay.commit.mode=sync kplay.commit.timing=before-processing"
    )));
    let most1 = c
        .snapshot()
        .consumers
        .into_iter()
        .find(|x| x.name == "most-1")
        .unwrap();
    assert_eq!(most1.configs["enable.auto.commit"], "false");
    assert_eq!(most1.configs["kplay.commit.timing"], "before-processing");
}

/// The notes' fan-out example: both groups process every record once, with their own offsets.
#[test]
fn fan_out_groups_have_independent_offsets() {
    let c = run_scenario("fan-out.toml");
    for g in ["order-processing", "analytics"] {
        let v = group(&c, g);
        assert_eq!(v.ledger.processed_once, 9, "{g}: {:?}", v.ledger);
        assert!(v.partitions.iter().all(|p| p.committed == Some(3)), "{g}");
    }
    assert_ne!(
        group(&c, "order-processing").offsets_partition,
        group(&c, "analytics").offsets_partition
    );
}

/// The notes: "Consumer A crashes at offset 5 and B resumes from 5".
#[test]
fn b_resumes_from_the_groups_offset_5() {
    let c = run_scenario("consumer-crash-resume.toml");
    let ev = events_of(&c);
    assert!(
        ev.iter()
            .any(|e| e.ends_with("B position user-activities-0=5 (committed offset of the group)")),
        "{ev:#?}"
    );
    let l = group(&c, "fraud_detection").ledger;
    assert_eq!((l.processed_once, l.duplicated, l.lost), (16, 0, 0));
}

/// commitAsync does not retry; a failure callback that arrives after a later commit succeeded,
/// and the anti-pattern of retrying it, which moves the committed offset back.
#[test]
fn commit_async_late_callback_and_the_retry_anti_pattern() {
    let c = run_scenario("commit-async-reordering.toml");
    let ev = events_of(&c);
    assert!(ev.iter().any(|e| e.ends_with(
        "careful-1 commitAsync #4 orders-0=8: callback got RetriableCommitFailedException (REQUEST_TIMED_OUT), after the later commit #8 had already succeeded; commitAsync does not retry"
    )), "{ev:#?}");
    assert!(ev
        .iter()
        .any(|e| e.ends_with("naive-1 commitAsync #9 orders-0=8: committed")));
    assert!(ev
        .iter()
        .any(|e| e.ends_with("naive-2 position orders-0=8 (committed offset of the group)")));
    // commitSync, for contrast: retried after the timeout, blocking the loop meanwhile.
    assert!(ev.iter().any(|e| e.ends_with(
        "sync-1 commitSync #4 orders-0=8: REQUEST_TIMED_OUT; retrying in 100ms (commitSync retries until default.api.timeout.ms)"
    )));
    assert!(ev
        .iter()
        .any(|e| e.ends_with("sync-1 commitSync #5 orders-0=8: committed")));
    assert_eq!(group(&c, "sync").ledger.lost, 0);
    assert_eq!(group(&c, "careful").ledger.duplicated, 0);
    assert_eq!(group(&c, "naive").ledger.duplicated, 8);
}

/// commitSync retries a retriable failure (the coordinator unreachable: REQUEST_TIMED_OUT) after
/// retry.backoff.ms, finding the coordinator again, and returns once the commit succeeds.
/// With the coordinator unreachable for longer than default.api.timeout.ms it throws
/// TimeoutException with Kafka's message.
#[test]
fn commit_sync_retries_then_times_out() {
    for (cut_ms, timeout_ms, expect_timeout) in [(2_500, 60_000, false), (9_000, 4_000, true)] {
        let mut c = cluster(41, 1, 6);
        let timeout = timeout_ms.to_string();
        add_consumer(
            &mut c,
            "A",
            "g",
            &[
                ("kplay.delivery.semantics", "at-least-once"),
                ("max.poll.records", "2"),
                ("kplay.processing.ms.per.record", "200"),
                ("request.timeout.ms", "1000"),
                ("session.timeout.ms", "30000"),
                ("default.api.timeout.ms", timeout.as_str()),
            ],
        );
        // Run until the first commit succeeded: the coordinator is known.
        for _ in 0..10_000 {
            if events_of(&c).iter().any(|e| e.contains("A commitSync #1 ")) {
                break;
            }
            c.run_ms(1);
        }
        let coordinator = group(&c, "g").coordinator.expect("coordinator");
        let snap = c.snapshot();
        let topic = snap.topics.iter().find(|t| t.name == "orders").unwrap();
        let leader = topic.partitions[0].leader;
        assert_ne!(Some(coordinator), leader, "the cut must not stop fetching");
        cmd(
            &mut c,
            Command::PartitionNetwork {
                a: "A".into(),
                b: coordinator.to_string(),
            },
        );
        c.run_ms(cut_ms);
        cmd(&mut c, Command::HealNetwork);
        c.run_ms(10_000);
        let ev = events_of(&c);
        assert!(
            ev.iter()
                .any(|e| e.contains("A commitSync #") && e.contains("retrying in 100ms")),
            "{ev:#?}"
        );
        let threw = ev.iter().any(|e| {
            e.contains(&format!("A commitSync threw TimeoutException: Timeout of {timeout_ms}ms expired before successfully committing offsets {{orders-0=OffsetAndMetadata{{offset="))
        });
        assert_eq!(threw, expect_timeout, "{ev:#?}");
        // Either way at-least-once loses nothing and the group ends at the log end.
        let g = group(&c, "g");
        assert_eq!(g.ledger.lost, 0, "{:?}", g.ledger);
        assert_eq!(g.partitions[0].committed, Some(6));
    }
}

/// seek back replays (duplicates), seekToEnd skips (lost once a commit passes them),
/// seekToBeginning replays everything; a partition the consumer does not own cannot be sought.
#[test]
fn seek_replays_and_skips() {
    let mut c = cluster(42, 2, 5);
    add_consumer(
        &mut c,
        "A",
        "g",
        &[("kplay.delivery.semantics", "at-least-once")],
    );
    c.run_ms(8_000);
    assert_eq!(group(&c, "g").ledger.processed_once, 10);
    // Replay orders-0 from offset 2: records 2..4 are processed a second time.
    cmd(
        &mut c,
        Command::Seek {
            consumer: "A".into(),
            topic: "orders".into(),
            partition: 0,
            offset: 2,
        },
    );
    c.run_ms(2_000);
    let l = group(&c, "g").ledger;
    assert_eq!((l.duplicated, l.processed_once), (3, 7), "{l:?}");
    assert!(events_of(&c)
        .iter()
        .any(|e| e.ends_with("A position orders-0=2 (seek(2))")));
    // seekToBeginning on every assigned partition: everything once more.
    cmd(
        &mut c,
        Command::SeekToBeginning {
            consumer: "A".into(),
            topic: None,
            partition: None,
        },
    );
    c.run_ms(2_000);
    assert_eq!(group(&c, "g").ledger.duplicated, 10);
    assert!(events_of(&c)
        .iter()
        .any(|e| e.ends_with("A position orders-1=0 (seekToBeginning)")));
    // Five new records on orders-1, then seekToEnd before A gets to them... A is fast, so
    // stop it first, produce, seek to the end, resume: the five are skipped and, once A commits
    // past them, lost.
    cmd(
        &mut c,
        Command::StopPolling {
            consumer: "A".into(),
        },
    );
    for i in 0..5 {
        cmd(
            &mut c,
            Command::Produce {
                producer: "app".into(),
                topic: "orders".into(),
                partition: Some(1),
                key: None,
                value: Some(format!("late{i}")),
            },
        );
    }
    c.run_ms(200);
    cmd(
        &mut c,
        Command::SeekToEnd {
            consumer: "A".into(),
            topic: Some("orders".into()),
            partition: Some(1),
        },
    );
    cmd(
        &mut c,
        Command::ResumePolling {
            consumer: "A".into(),
        },
    );
    // One more record on orders-0 makes A poll, process and commit both positions.
    cmd(
        &mut c,
        Command::Produce {
            producer: "app".into(),
            topic: "orders".into(),
            partition: Some(0),
            key: None,
            value: Some("next".into()),
        },
    );
    c.run_ms(2_000);
    let g = group(&c, "g");
    assert_eq!(g.ledger.lost, 5, "{:?}", g.ledger);
    assert!(events_of(&c)
        .iter()
        .any(|e| e.ends_with("A position orders-1=10 (seekToEnd)")));
    // Not assigned: IllegalStateException, as KafkaConsumer.seek throws it.
    add_consumer(&mut c, "B", "other", &[]);
    let out = c.step(kplay_engine::Input::Command(Command::Seek {
        consumer: "B".into(),
        topic: "orders".into(),
        partition: 0,
        offset: 0,
    }));
    assert!(
        out.iter().any(|e| e
            .to_string()
            .contains("IllegalStateException: No current assignment for partition orders-0")),
        "{out:?}"
    );
}

/// The presets refuse contradicting configs and exactly-once (which needs transactions).
#[test]
fn preset_errors() {
    let mut c = cluster(43, 1, 0);
    for (extra, want) in [
        (
            vec![("kplay.delivery.semantics", "at-least-once"), ("enable.auto.commit", "true")],
            "kplay.delivery.semantics=at-least-once sets enable.auto.commit=false; it contradicts enable.auto.commit=true (remove one of them)",
        ),
        (
            vec![("kplay.delivery.semantics", "exactly-once")],
            "is a consume-transform-produce guarantee: set kplay.output.topic",
        ),
    ] {
        let mut configs = cfg(&[("group.id", "g")]);
        configs.extend(cfg(&extra));
        let out = c.step(kplay_engine::Input::Command(Command::AddConsumer {
            name: "A".into(),
            topics: vec!["orders".into()],
            configs,
        }));
        assert!(
            out.iter().any(|e| matches!(e.kind, EventKind::CommandFailed { .. }) && e.to_string().contains(want)),
            "{out:?}"
        );
    }
}

/// A small deterministic PRNG for the test's own choices (the cluster has its own seeded one).
struct Pick(u64);

impl Pick {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// One random run: a group of two consumers with `semantics` on 2 partitions × 8 records,
/// random batch size and processing time, 1–3 consumer crashes at random times (each replaced).
fn random_run(seed: u64, semantics: &str) -> LedgerView {
    let mut pick = Pick(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut c = cluster(seed, 2, 8);
    let batch = (1 + pick.below(4)).to_string();
    let work = (20 + pick.below(80)).to_string();
    let mut configs = vec![
        ("kplay.delivery.semantics", semantics),
        ("max.poll.records", batch.as_str()),
        ("kplay.processing.ms.per.record", work.as_str()),
        ("session.timeout.ms", "6000"),
        ("heartbeat.interval.ms", "1000"),
    ];
    if semantics == "exactly-once" {
        // A consume-transform-produce loop: results go to `out` in the poll()'s transaction.
        cmd(
            &mut c,
            Command::CreateTopic {
                name: "out".into(),
                partitions: 2,
                replication_factor: 3,
                configs: BTreeMap::new(),
            },
        );
        configs.push(("kplay.output.topic", "out"));
        configs.push(("transaction.timeout.ms", "3000"));
    }
    let mut live = vec!["c0".to_string(), "c1".to_string()];
    for n in &live {
        add_consumer(&mut c, n, "g", &configs);
    }
    let mut next = 2;
    c.run_ms(5_500 + pick.below(1_000));
    for _ in 0..1 + pick.below(3) {
        let victim = live.remove(pick.below(live.len() as u64) as usize);
        cmd(&mut c, Command::CrashConsumer { consumer: victim });
        let name = format!("c{next}");
        next += 1;
        add_consumer(&mut c, &name, "g", &configs);
        live.push(name);
        c.run_ms(pick.below(1_500));
    }
    c.run_ms(40_000);
    let g = group(&c, "g");
    // Every partition ends committed at its log end (committed ≤ LEO is checked after every
    // step by check_invariants in debug builds).
    for p in &g.partitions {
        assert_eq!(
            p.committed, p.high_watermark,
            "seed={seed} {semantics}: {} not fully consumed: {:?}",
            p.tp, g.partitions
        );
    }
    g.ledger
}

/// Property: over many seeds with random consumer crashes, at-least-once never loses an acked
/// record, at-most-once never processes one twice, and exactly-once does neither (a processing
/// whose transaction aborted does not count: its output and offsets were discarded).
#[test]
fn random_crashes_keep_the_promises() {
    let (mut dups, mut lost, mut aborted) = (0, 0, 0);
    for seed in 0..8u64 {
        let l = random_run(3_000 + seed, "exactly-once");
        assert_eq!(
            (l.lost, l.duplicated, l.never_processed),
            (0, 0, 0),
            "seed={} exactly-once lost or duplicated records: {l:?}",
            3_000 + seed
        );
        aborted += l.aborted;
        let l = random_run(1_000 + seed, "at-least-once");
        assert_eq!(
            l.lost,
            0,
            "seed={} at-least-once lost records: {l:?}",
            1_000 + seed
        );
        assert_eq!(l.never_processed, 0, "seed={}: {l:?}", 1_000 + seed);
        dups += l.duplicated;
        let l = random_run(2_000 + seed, "at-most-once");
        assert_eq!(
            l.duplicated,
            0,
            "seed={} at-most-once duplicated: {l:?}",
            2_000 + seed
        );
        lost += l.lost;
    }
    // The crashes really landed between processing and committing in some runs.
    assert!(dups > 0, "no at-least-once run duplicated anything");
    assert!(lost > 0, "no at-most-once run lost anything");
    assert!(
        aborted > 0,
        "no exactly-once crash interrupted a transaction"
    );
}
