//! Runs in headless Chromium: `cargo test --target wasm32-unknown-unknown -p kplay-web`.
//!
//! The engine, the scenario builder and the worker codec exactly as the page uses them.

use kplay_engine::events::{EventKind, ProduceOutcome};
use kplay_engine::{Cluster, Command, Event, Input, KafkaError};
use kplay_web::codec::JsonCodec;
use kplay_web::demo::{self, Preset};
use kplay_web::protocol::{Op, Reply, Request};
use kplay_web::sim::Sim;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The hash of `demo::determinism_sequence()`, shared with the native test in `tests/`.
const GOLDEN_HASH: &str = include_str!("../../tests/golden/web-determinism.hash");

fn payments_cluster() -> Cluster {
    let mut c = Cluster::new(&demo::cluster_spec()).expect("the demo spec is valid");
    for cmd in demo::setup(Preset::Payments) {
        c.step(Input::Command(cmd));
    }
    c.run_ms(demo::WARMUP_MS);
    c
}

/// Produces one record and lets up to a second pass; returns the outcome the client saw.
fn produce(c: &mut Cluster, key: &str) -> ProduceOutcome {
    let mut events: Vec<Event> = c.step(Input::Command(demo::produce(
        Preset::Payments,
        Some(key),
        "v",
    )));
    events.extend(c.run_ms(1_000));
    events
        .into_iter()
        .rev()
        .find_map(|e| match e.kind {
            EventKind::ProduceCompleted { outcome, .. } => Some(outcome),
            _ => None,
        })
        .expect("the produce completes within a second")
}

fn payments_isr(c: &Cluster) -> Vec<u32> {
    let snap = c.snapshot();
    let topic = snap
        .topics
        .iter()
        .find(|t| t.name == "payments")
        .expect("payments exists");
    topic.partitions[0].isr.iter().map(|b| b.0).collect()
}

#[wasm_bindgen_test]
fn notes_min_isr_example() {
    let mut c = payments_cluster();
    assert_eq!(
        payments_isr(&c).len(),
        3,
        "all three replicas start in the ISR"
    );

    // 1) acks=all with 3 in-sync replicas succeeds.
    assert!(matches!(produce(&mut c, "a"), ProduceOutcome::Ok { offset } if offset >= 0));

    // 2) Two brokers other than the leader crash; after broker.session.timeout.ms they are fenced
    //    and leave the ISR.
    let leader = c.snapshot().topics[0].partitions[0]
        .leader
        .expect("a leader")
        .0;
    let victims: Vec<u32> = [1, 2, 3].into_iter().filter(|b| *b != leader).collect();
    for b in &victims {
        c.step(Input::Command(Command::CrashBroker { broker: *b }));
    }
    c.run_ms(10_000);
    assert_eq!(
        payments_isr(&c),
        vec![leader],
        "only the leader is left in the ISR"
    );

    // 3) acks=all is refused: NOT_ENOUGH_REPLICAS.
    match produce(&mut c, "b") {
        ProduceOutcome::Err { error, .. } => assert_eq!(error, KafkaError::NotEnoughReplicas),
        other => panic!("expected NOT_ENOUGH_REPLICAS, got {other:?}"),
    }

    // 4) acks=1 only needs the leader.
    c.step(Input::Command(demo::set_acks("1")));
    assert!(matches!(produce(&mut c, "c"), ProduceOutcome::Ok { offset } if offset >= 0));
    c.check_invariants().expect("Kafka's invariants hold");
}

#[wasm_bindgen_test]
fn determinism_hash_matches_the_native_golden_file() {
    let first = demo::determinism_hash().expect("the demo spec is valid");
    let second = demo::determinism_hash().expect("the demo spec is valid");
    assert_eq!(first, second, "two runs in the same browser differ");
    assert_eq!(
        demo::hash_hex(first),
        GOLDEN_HASH.trim(),
        "the browser build diverges from the native build"
    );
}

#[wasm_bindgen_test]
fn worker_messages_survive_the_codec() {
    let mut sim = Sim::new(Preset::Orders);
    let req = Request {
        seq: 7,
        op: Op::Command(demo::produce(Preset::Orders, Some("user-42"), "x")),
    };
    let decoded: Request = JsonCodec::decode(JsonCodec::encode(&req));
    assert_eq!(decoded, req);
    let _ = sim.handle(decoded);
    let reply = sim.handle(Request {
        seq: 8,
        op: Op::Advance { ms: 500 },
    });
    assert_eq!(reply.seq, 8);
    assert_eq!(
        reply.snapshot.topics[0].partitions.len(),
        3,
        "orders has 3 partitions"
    );
    assert!(
        !reply.wire.is_empty(),
        "an advance samples envelopes on the wire"
    );
    let back: Reply = JsonCodec::decode(JsonCodec::encode(&reply));
    assert_eq!(
        back, reply,
        "snapshots and events round-trip through serde-wasm-bindgen"
    );
}

#[wasm_bindgen_test]
fn reset_rebuilds_the_scenario() {
    let mut sim = Sim::default();
    let reply = sim.handle(Request {
        seq: 1,
        op: Op::Reset {
            preset: "payments".into(),
        },
    });
    assert!(reply.reset);
    assert!(reply.error.is_none());
    assert_eq!(reply.snapshot.brokers.len(), 3);
    assert!(reply
        .events
        .iter()
        .any(|e| matches!(e.kind, EventKind::TopicCreated { .. })));
    let bogus = sim.handle(Request {
        seq: 2,
        op: Op::Reset {
            preset: "nope".into(),
        },
    });
    assert_eq!(
        bogus.preset, "payments",
        "an unknown preset falls back to the default"
    );
}

#[wasm_bindgen_test]
fn rewind_replays_the_same_run_and_a_new_action_forks() {
    let mut sim = Sim::new(Preset::Payments);
    let mut seq = 0;
    let mut send = |sim: &mut Sim, op: Op| {
        seq += 1;
        sim.handle(Request { seq, op })
    };
    send(
        &mut sim,
        Op::Command(demo::produce(Preset::Payments, Some("a"), "1")),
    );
    send(&mut sim, Op::Advance { ms: 500 });
    let before_crash = send(&mut sim, Op::Command(Command::CrashBroker { broker: 2 }));
    let t_crash = before_crash.snapshot.now_ms;
    send(&mut sim, Op::Advance { ms: 10_000 });
    let head = send(&mut sim, Op::Advance { ms: 1_000 });
    assert_eq!(head.timeline.head_ms, head.snapshot.now_ms);
    assert_eq!(head.timeline.inputs.len(), 2);

    // Rewind to just before the crash: broker-2 is alive again, the timeline still reaches the head.
    let rewound = send(&mut sim, Op::Seek { ms: t_crash - 1 });
    assert!(rewound.reset);
    assert_eq!(rewound.snapshot.now_ms, t_crash - 1);
    assert!(rewound.snapshot.brokers.iter().all(|b| b.alive));
    assert_eq!(rewound.timeline.head_ms, head.timeline.head_ms);

    // Playing on replays the recorded crash: the same run, the same trace hash.
    let replayed = send(
        &mut sim,
        Op::Advance {
            ms: head.snapshot.now_ms - (t_crash - 1),
        },
    );
    assert_eq!(replayed.snapshot.now_ms, head.snapshot.now_ms);
    assert_eq!(
        replayed.trace_hash, head.trace_hash,
        "redo diverged from the original run"
    );

    // A new action while rewound forks: the recorded crash is dropped.
    send(&mut sim, Op::Seek { ms: t_crash - 1 });
    let forked = send(&mut sim, Op::Command(demo::set_acks("1")));
    assert_eq!(
        forked.timeline.inputs.len(),
        2,
        "produce + acks=1; the crash is gone"
    );
    assert_eq!(forked.timeline.head_ms, t_crash - 1);
    let later = send(&mut sim, Op::Advance { ms: 11_000 });
    assert!(later.snapshot.brokers.iter().all(|b| b.alive));
}

#[wasm_bindgen_test]
fn share_links_round_trip_and_reopen_the_same_run() {
    use kplay_web::link;
    let mut sim = Sim::new(Preset::Payments);
    let mut seq = 0;
    let mut send = |sim: &mut Sim, op: Op| {
        seq += 1;
        sim.handle(Request { seq, op })
    };
    send(
        &mut sim,
        Op::Command(demo::produce(
            Preset::Payments,
            Some("user-42"),
            &link::record_value(Preset::Payments, 1),
        )),
    );
    send(&mut sim, Op::Advance { ms: 700 });
    send(&mut sim, Op::Command(Command::CrashBroker { broker: 1 }));
    send(&mut sim, Op::Advance { ms: 10_000 });
    send(&mut sim, Op::Command(demo::set_acks("1")));
    send(
        &mut sim,
        Op::Command(demo::produce(
            Preset::Payments,
            None,
            &link::record_value(Preset::Payments, 2),
        )),
    );
    let original = send(&mut sim, Op::Advance { ms: 2_000 });

    let codes: Vec<(u64, String)> = original
        .timeline
        .inputs
        .iter()
        .map(|m| {
            (
                m.at_ms,
                m.code.clone().expect("every page action has a link code"),
            )
        })
        .collect();
    let fragment = link::encode(Preset::Payments, original.snapshot.now_ms, &codes);
    let run = link::decode(&fragment).expect("our own link decodes");
    assert_eq!(run.inputs.len(), 4);

    let mut other = Sim::default();
    let reopened = other.handle(Request {
        seq: 1,
        op: Op::Load {
            preset: run.preset.id().to_string(),
            inputs: run.inputs,
            at_ms: run.at_ms,
        },
    });
    assert_eq!(
        reopened.snapshot, original.snapshot,
        "the link reopens exactly the same state"
    );
    assert_eq!(reopened.trace_hash, original.trace_hash);

    // Strict validation with a reason, never a silent trim.
    for (bad, why) in [
        ("#run=v2/payments/0/", "version"),
        ("#run=v1/nope/0/", "unknown scenario"),
        ("#run=v1/payments/abc/", "not a number"),
        ("#run=v1/payments/5000/2000:c9", "not a broker"),
        ("#run=v1/payments/5000/2000:a2", "acks must be"),
        ("#run=v1/payments/5000/3000:c1,2000:r1", "earlier than"),
        ("#run=v1/payments/5000/500:c1", "before the scenario starts"),
        ("#run=v1/payments/5000/2000:p.bad key", "valid record key"),
        ("#run=v1/payments/5000/2000:é", "unknown action"),
        ("#run=v1/payments/5000", "4 parts"),
    ] {
        let err = link::decode(bad).expect_err(bad);
        assert!(err.contains(why), "{bad}: {err}");
    }
}

/// The notes' scenario file, parsed and replayed in the browser, gives the same trace hash as the
/// native golden test (`tests/golden.rs` writes and checks `tests/golden/notes-min-isr.hash`).
#[wasm_bindgen_test]
fn notes_scenario_hash_matches_the_native_golden_file() {
    let src = include_str!("../../lessons/scenarios/notes-min-isr.toml");
    let scenario =
        kplay_engine::scenario::parse(src, "notes-min-isr.toml").expect("valid scenario");
    let run = scenario.run().expect("no invariant breaks");
    assert_eq!(
        run.trace_hash_hex(),
        include_str!("../../tests/golden/notes-min-isr.hash").trim()
    );
}

/// Every recorded action's (time, share-link code).
fn link_codes(page: &Page) -> Vec<(u64, String)> {
    page.view
        .timeline
        .inputs
        .iter()
        .map(|m| {
            (
                m.at_ms,
                m.code.clone().expect("every action has a link code"),
            )
        })
        .collect()
}

/// Drives a [`Sim`] and the page's reducer together, as the worker and the page do.
struct Page {
    sim: Sim,
    view: std::rc::Rc<kplay_web::state::View>,
    seq: u64,
}

impl Page {
    fn open(preset: &str) -> Page {
        let mut page = Page {
            sim: Sim::default(),
            view: Default::default(),
            seq: 0,
        };
        page.op(Op::Reset {
            preset: preset.into(),
        });
        page
    }

    fn op(&mut self, op: Op) -> &kplay_engine::Snapshot {
        use yew::Reducible;
        self.seq += 1;
        let reply = self.sim.handle(Request { seq: self.seq, op });
        self.view = self
            .view
            .clone()
            .reduce(kplay_web::state::Action::Reply(Box::new(reply)));
        self.view.snapshot.as_deref().expect("a snapshot")
    }

    fn command(&mut self, c: Command) -> &kplay_engine::Snapshot {
        self.op(Op::Command(c))
    }

    fn leader(&self) -> u32 {
        let s = self.view.snapshot.as_deref().unwrap();
        s.topics[0].partitions[0].leader.expect("a leader").0
    }
}

#[wasm_bindgen_test]
fn restoring_one_link_keeps_the_other_cuts() {
    use kplay_web::ui::network::{is_cut, restore_link};
    let mut page = Page::open("payments");
    page.command(Command::PartitionNetwork {
        a: "broker-1".into(),
        b: "controller".into(),
    });
    let cuts = page
        .command(Command::PartitionNetwork {
            a: "broker-2".into(),
            b: "broker-3".into(),
        })
        .network
        .cuts
        .clone();
    assert_eq!(cuts.len(), 2);
    assert!(is_cut(&cuts, "controller-100", "broker-1"), "{cuts:?}");
    let mut after = Vec::new();
    for c in restore_link(&cuts, "controller-100", "broker-1") {
        after = page.command(c).network.cuts.clone();
    }
    assert_eq!(
        after,
        vec![("broker-2".to_string(), "broker-3".to_string())]
    );
}

#[wasm_bindgen_test]
fn network_guide_is_ticked_by_the_engine_only() {
    let mut page = Page::open("payments");
    let old = page.leader();
    assert_eq!(page.view.net_guide.done(), 0);
    // Cutting some other link does not count.
    let other = (1..=3).find(|b| *b != old).unwrap();
    page.command(Command::PartitionNetwork {
        a: format!("broker-{other}"),
        b: "checkout".into(),
    });
    assert_eq!(page.view.net_guide.cut_leader, None);
    page.command(Command::PartitionNetwork {
        a: "controller".into(),
        b: format!("broker-{old}"),
    });
    assert_eq!(page.view.net_guide.cut_leader, Some(old));
    assert!(!page.view.net_guide.stale_seen);
    page.op(Op::Advance { ms: 10_000 });
    assert_ne!(page.leader(), old, "the controller elected a new leader");
    assert!(
        page.view.net_guide.stale_seen,
        "the old leader still believes it leads"
    );
    page.command(Command::HealNetwork);
    for _ in 0..4 {
        if page.view.net_guide.rejoined {
            break;
        }
        page.op(Op::Advance { ms: 10_000 });
    }
    assert!(page.view.net_guide.rejoined);
    assert_eq!(page.view.net_guide.done(), 3);
}

#[wasm_bindgen_test]
fn create_partitions_result_and_kafkas_error_reach_the_page() {
    use kplay_web::state::PartitionsResult;
    let mut page = Page::open("orders");
    let s = page.command(Command::CreatePartitions {
        topic: "orders".into(),
        count: 5,
    });
    assert_eq!(s.topics[0].partitions.len(), 5);
    assert_eq!(
        page.view.partitions_result,
        Some(PartitionsResult::Created {
            topic: "orders".into(),
            from: 3,
            to: 5
        })
    );
    page.command(Command::CreatePartitions {
        topic: "orders".into(),
        count: 4,
    });
    match &page.view.partitions_result {
        Some(PartitionsResult::Failed { error, message }) => {
            assert_eq!(error, "INVALID_PARTITIONS");
            assert!(!message.is_empty());
        }
        other => panic!("expected Kafka's error, got {other:?}"),
    }
}

#[wasm_bindgen_test]
fn dropped_and_lost_envelopes_come_from_engine_events() {
    let mut page = Page::open("payments");
    let old = page.leader();
    page.command(Command::IsolateNode {
        node: format!("broker-{old}"),
    });
    page.op(Op::Advance { ms: 3_000 });
    assert!(
        page.view.lost.iter().any(|x| !x.dropped),
        "heartbeats over the cut links are reported lost"
    );
    assert!(page.view.lost.len() <= kplay_web::state::LOST_CAPACITY);
}

#[wasm_bindgen_test]
fn network_faults_and_new_partitions_survive_a_share_link() {
    use kplay_web::link;
    let mut page = Page::open("orders");
    page.command(Command::PartitionNetwork {
        a: "broker-1".into(),
        b: "controller-100".into(),
    });
    page.command(Command::SlowNode {
        node: "broker-2".into(),
        extra_latency_ms: 400,
    });
    page.op(Op::Advance { ms: 3_000 });
    page.command(Command::CreatePartitions {
        topic: "orders".into(),
        count: 5,
    });
    // Catch an envelope in flight, as a learner does with "Step".
    let mut id = None;
    for _ in 0..200 {
        let s = page.op(Op::Advance { ms: 1 });
        if let Some(e) = s.envelopes.first() {
            id = Some(e.id);
            break;
        }
    }
    let id = id.expect("an envelope in flight within 200 ms");
    assert!(page
        .command(Command::HoldEnvelope { id })
        .envelopes
        .iter()
        .any(|e| e.id == id && e.held));
    page.op(Op::Advance { ms: 5 });
    page.command(Command::DropEnvelope { id });
    page.command(Command::IsolateNode {
        node: "broker-3".into(),
    });
    page.command(Command::HealNetwork);
    page.op(Op::Advance { ms: 2_000 });
    let original = page.view.snapshot.clone().unwrap();

    let codes = link_codes(&page);
    assert!(codes.iter().any(|(_, c)| c == "x1c"), "{codes:?}");
    assert!(codes.iter().any(|(_, c)| c == "n5"), "{codes:?}");
    let fragment = link::encode(Preset::Orders, original.now_ms, &codes);
    let run = link::decode(&fragment).expect("our own link decodes");
    let mut other = Sim::default();
    let reopened = other.handle(Request {
        seq: 1,
        op: Op::Load {
            preset: run.preset.id().to_string(),
            inputs: run.inputs,
            at_ms: run.at_ms,
        },
    });
    assert_eq!(
        reopened.snapshot, *original,
        "the link reopens the same run"
    );

    for (bad, why) in [
        ("#run=v1/orders/5000/2000:x1z", "not a node"),
        ("#run=v1/orders/5000/2000:x19", "not a broker"),
        ("#run=v1/orders/5000/2000:s2.99999", "extra latency"),
        ("#run=v1/orders/5000/2000:n100000", "partition count"),
        ("#run=v1/orders/5000/2000:eq1", "envelope action"),
        ("#run=v1/orders/5000/2000:ehx", "not an envelope id"),
    ] {
        let err = link::decode(bad).expect_err(bad);
        assert!(err.contains(why), "{bad}: {err}");
    }
}

/// One of every `EventKind` variant (the list must grow with the engine).
fn every_event_kind() -> Vec<EventKind> {
    use kplay_engine::config::Acks;
    use kplay_engine::events::ChangeReason;
    use kplay_engine::ids::{BrokerId, LeaderEpoch, Offset, ProduceId, TopicPartition};
    let tp = TopicPartition {
        topic: "payments".into(),
        partition: 0,
    };
    let b = BrokerId(3);
    let env = |id| {
        (
            id,
            "Fetch".to_string(),
            "broker-2".to_string(),
            "broker-1".to_string(),
        )
    };
    let (i, api, from, to) = env(7);
    let mut v = vec![
        EventKind::TopicCreated {
            topic: "payments".into(),
            partitions: 1,
            replication_factor: 3,
            assignment: vec![vec![BrokerId(1), BrokerId(2), BrokerId(3)]],
        },
        EventKind::PartitionsCreated {
            topic: "orders".into(),
            from: 3,
            to: 5,
            assignment: vec![vec![b], vec![b]],
        },
        EventKind::CommandFailed {
            command: "elect_leaders".into(),
            error: KafkaError::ElectionNotNeeded,
            message: "Leader election not needed for topic partition.".into(),
        },
        EventKind::ConfigChanged {
            entity: "topic payments".into(),
            key: "unclean.leader.election.enable".into(),
            value: "true".into(),
        },
        EventKind::ProducerAdded {
            producer: "checkout".into(),
        },
        EventKind::BrokerCrashed { broker: b },
        EventKind::BrokerRestarted { broker: b },
        EventKind::BrokerRegistered {
            broker: b,
            broker_epoch: 4,
        },
        EventKind::BrokerFenced {
            broker: b,
            ms_since_heartbeat: 9001,
        },
        EventKind::BrokerUnfenced { broker: b },
        EventKind::BecameLeader {
            broker: b,
            tp: tp.clone(),
            leader_epoch: LeaderEpoch(2),
            log_end_offset: Offset(5),
        },
        EventKind::BecameFollower {
            broker: b,
            tp: tp.clone(),
            leader: None,
            leader_epoch: LeaderEpoch(2),
        },
        EventKind::AlterPartitionSent {
            broker: b,
            tp: tp.clone(),
            proposed_isr: vec![b],
            why: "broker-1 lagging".into(),
        },
        EventKind::AlterPartitionFailed {
            broker: b,
            tp: tp.clone(),
            error: KafkaError::NotEnoughReplicas,
        },
        EventKind::RecordAccumulated {
            id: ProduceId(1),
            producer: "checkout".into(),
            tp: tp.clone(),
            key: None,
            batch: kplay_engine::ids::BatchId(1),
            partitioner: "sticky".into(),
        },
        EventKind::BatchSent {
            producer: "checkout".into(),
            batch: kplay_engine::ids::BatchId(1),
            tp: tp.clone(),
            to: b,
            records: 3,
            bytes: 120,
            attempt: 2,
            base_sequence: Some(4),
            acks: Acks::All,
        },
        EventKind::BatchRetrying {
            producer: "checkout".into(),
            batch: kplay_engine::ids::BatchId(1),
            tp: tp.clone(),
            error: KafkaError::NotLeaderOrFollower,
            attempt: 1,
            backoff_ms: 100,
        },
        EventKind::SendBlocked {
            id: ProduceId(2),
            producer: "checkout".into(),
            tp: tp.clone(),
            needed: 16384,
            available: 1024,
        },
        EventKind::ProducerIdAssigned {
            producer: "checkout".into(),
            producer_id: 1001,
            producer_epoch: 0,
        },
        EventKind::Appended {
            broker: b,
            tp: tp.clone(),
            offset: Offset(1),
            leader_epoch: LeaderEpoch(1),
            records: 3,
        },
        EventKind::BatchRecompressed {
            broker: b,
            tp: tp.clone(),
            from: "none".into(),
            to: "zstd".into(),
            bytes_before: 4000,
            bytes_after: 900,
        },
        EventKind::DuplicateBatch {
            broker: b,
            tp: tp.clone(),
            producer_id: 1001,
            base_sequence: 4,
            base_offset: Offset(1),
        },
        EventKind::ProduceSequenceRejected {
            broker: b,
            tp: tp.clone(),
            producer_id: 1001,
            base_sequence: 5,
            expected: 4,
            error: KafkaError::OutOfOrderSequenceNumber,
        },
        EventKind::ProduceRejected {
            broker: b,
            tp: tp.clone(),
            error: KafkaError::NotEnoughReplicas,
            isr: vec![b],
            min_isr: 2,
        },
        EventKind::Replicated {
            broker: b,
            tp: tp.clone(),
            from: Offset(1),
            to: Offset(2),
        },
        EventKind::HighWatermarkAdvanced {
            broker: b,
            tp: tp.clone(),
            hw: Offset(2),
        },
        EventKind::Truncated {
            broker: b,
            tp: tp.clone(),
            from: Offset(5),
            to: Offset(3),
            lost: 2,
        },
        EventKind::NetworkPartitioned {
            a: "broker-1".into(),
            b: "controller-100".into(),
        },
        EventKind::NodeIsolated {
            node: "broker-2".into(),
        },
        EventKind::NetworkHealed { cuts_removed: 2 },
        EventKind::NodeSlowed {
            node: "broker-2".into(),
            extra_latency_ms: 0,
        },
        EventKind::NodeSlowed {
            node: "broker-2".into(),
            extra_latency_ms: 400,
        },
        EventKind::EnvelopeHeld {
            id: i,
            api: api.clone(),
            from: from.clone(),
            to: to.clone(),
        },
        EventKind::EnvelopeReleased {
            id: i,
            api: api.clone(),
            from: from.clone(),
            to: to.clone(),
        },
        EventKind::EnvelopeDropped {
            id: i,
            api: api.clone(),
            from: from.clone(),
            to: to.clone(),
        },
        EventKind::EnvelopeLost {
            id: i,
            api,
            from,
            to,
        },
        EventKind::ProduceCompleted {
            id: ProduceId(1),
            producer: "checkout".into(),
            tp: tp.clone(),
            acks: Acks::One,
            outcome: ProduceOutcome::Ok { offset: 4 },
            latency_ms: 6,
        },
        EventKind::ProduceCompleted {
            id: ProduceId(2),
            producer: "checkout".into(),
            tp: tp.clone(),
            acks: Acks::All,
            outcome: ProduceOutcome::Err {
                error: KafkaError::NotEnoughReplicas,
                message:
                    "Messages are rejected since there are fewer in-sync replicas than required."
                        .into(),
            },
            latency_ms: 6,
        },
    ];
    for reason in [
        ChangeReason::TopicCreated,
        ChangeReason::BrokerFenced,
        ChangeReason::BrokerUnfenced,
        ChangeReason::AlterPartition,
        ChangeReason::PartitionsCreated,
        ChangeReason::UncleanElection,
        ChangeReason::PreferredElection,
    ] {
        v.push(EventKind::PartitionChanged {
            tp: tp.clone(),
            leader: Some(b),
            leader_epoch: LeaderEpoch(3),
            isr: vec![b],
            partition_epoch: 5,
            reason,
        });
    }
    // The KRaft quorum's events.
    v.extend([
        EventKind::ControllerCrashed { controller: 101 },
        EventKind::ControllerRestarted { controller: 101 },
        EventKind::QuorumProspective {
            controller: 102,
            epoch: 1,
            reason: "fetch timeout: no answer from the leader".into(),
        },
        EventKind::QuorumProspective {
            controller: 102,
            epoch: 1,
            reason: "election timeout: no leader".into(),
        },
        EventKind::QuorumElectionStarted {
            controller: 102,
            epoch: 2,
        },
        EventKind::QuorumVoted {
            controller: 103,
            candidate: 102,
            epoch: 2,
        },
        EventKind::QuorumLeaderElected {
            controller: 102,
            epoch: 2,
            votes: vec![102, 103],
        },
        EventKind::QuorumFollowing {
            controller: 103,
            leader: 102,
            epoch: 2,
        },
        EventKind::QuorumLeaderResigned {
            controller: 102,
            epoch: 2,
            reason: "check-quorum: no fetch from a majority".into(),
        },
        EventKind::MetadataCommitted {
            controller: 102,
            epoch: 2,
            from: 8,
            to: 9,
        },
        EventKind::MetadataLogTruncated {
            controller: 101,
            to_offset: 8,
            removed: 1,
        },
        EventKind::ControllerActivated {
            controller: 102,
            epoch: 2,
        },
        EventKind::ControllerRenounced {
            controller: 102,
            epoch: 2,
            uncommitted: 2,
        },
    ]);
    v
}

#[wasm_bindgen_test]
fn every_event_renders_in_both_languages() {
    use kplay_web::event_text::render;
    use kplay_web::i18n::Lang;
    let has_cjk = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    for kind in every_event_kind() {
        let en = render(Lang::En, &kind);
        let zh = render(Lang::Zh, &kind);
        assert!(!en.trim().is_empty(), "{kind:?}");
        assert!(!zh.trim().is_empty(), "{kind:?}");
        assert!(has_cjk(&zh), "no Chinese in “{zh}”");
        // The English line stays the engine's Display line.
        let engine = Event {
            at_ms: 1,
            kind: kind.clone(),
        }
        .to_string();
        assert!(engine.ends_with(&en), "engine “{engine}” vs page “{en}”");
    }
    let fenced = EventKind::BrokerFenced {
        broker: kplay_engine::ids::BrokerId(3),
        ms_since_heartbeat: 9001,
    };
    assert_eq!(
        render(Lang::Zh, &fenced),
        "controller 隔离了 broker-3：9001 ms 没有心跳"
    );
    // Kafka's names are never translated.
    let all = every_event_kind();
    let rejected = all
        .iter()
        .find(|k| matches!(k, EventKind::ProduceRejected { .. }))
        .expect("ProduceRejected is in the list");
    assert!(render(Lang::Zh, rejected).contains("NOT_ENOUGH_REPLICAS"));
    assert!(render(Lang::Zh, rejected).contains("min.insync.replicas"));
}

/// Crashes payments-0's followers, then its leader, producing acks=1 records only the leader has;
/// restarts one follower: the partition stays offline (its ISR is the dead leader).
fn offline_payments() -> (Page, u32, u32) {
    let mut page = Page::open("payments");
    let leader = page.leader();
    let replicas: Vec<u32> = page.view.snapshot.as_deref().unwrap().topics[0].partitions[0]
        .replicas
        .iter()
        .map(|b| b.0)
        .collect();
    let followers: Vec<u32> = replicas.into_iter().filter(|b| *b != leader).collect();
    page.command(demo::set_acks("1"));
    page.command(Command::CrashBroker {
        broker: followers[0],
    });
    page.op(Op::Advance { ms: 12_000 });
    page.command(demo::produce(
        Preset::Payments,
        Some("a"),
        &kplay_web::link::record_value(Preset::Payments, 1),
    ));
    page.op(Op::Advance { ms: 1_000 });
    page.command(Command::CrashBroker {
        broker: followers[1],
    });
    page.op(Op::Advance { ms: 12_000 });
    page.command(demo::produce(
        Preset::Payments,
        Some("b"),
        &kplay_web::link::record_value(Preset::Payments, 2),
    ));
    page.op(Op::Advance { ms: 1_000 });
    page.command(Command::CrashBroker { broker: leader });
    page.op(Op::Advance { ms: 12_000 });
    page.command(Command::RestartBroker {
        broker: followers[0],
    });
    page.op(Op::Advance { ms: 5_000 });
    (page, leader, followers[0])
}

#[wasm_bindgen_test]
fn unclean_election_is_marked_and_counts_lost_records() {
    use kplay_engine::command::ElectionType;
    let (mut page, old, revived) = offline_payments();
    let s = page.view.snapshot.as_deref().unwrap();
    assert_eq!(
        s.topics[0].partitions[0].leader, None,
        "payments-0 is offline"
    );
    assert!(s.metrics.offline_partitions_count >= 1);
    // The preferred replica is not in the ISR: Kafka's error reaches the page.
    page.command(Command::ElectLeaders {
        topic: "payments".into(),
        partition: 0,
        election: ElectionType::Preferred,
    });
    let f = page.view.election_failed.clone().expect("refused");
    assert_eq!(f.error, "PREFERRED_LEADER_NOT_AVAILABLE");
    assert!(f.log_id > 0 && !f.message.is_empty());
    page.command(Command::AlterTopicConfig {
        topic: "payments".into(),
        key: "unclean.leader.election.enable".into(),
        value: "true".into(),
    });
    page.op(Op::Advance { ms: 500 });
    assert_eq!(page.leader(), revived, "a replica outside the ISR leads");
    let mark = page.view.unclean.get("payments-0").expect("marked unclean");
    assert_eq!(mark.leader, Some(revived));
    assert!(page.view.log.iter().any(|l| l.unclean));
    page.command(Command::RestartBroker { broker: old });
    page.op(Op::Advance { ms: 8_000 });
    let mark = page.view.unclean.get("payments-0").expect("still marked");
    assert!(
        mark.lost >= 1,
        "the old leader truncated acked records: {mark:?}"
    );
    // A second unclean election is not needed: there is a leader.
    page.command(Command::ElectLeaders {
        topic: "payments".into(),
        partition: 0,
        election: ElectionType::Unclean,
    });
    assert_eq!(
        page.view.election_failed.as_ref().unwrap().error,
        "ELECTION_NOT_NEEDED"
    );
}

#[wasm_bindgen_test]
fn election_commands_survive_a_share_link() {
    use kplay_engine::command::ElectionType;
    use kplay_web::link;
    let (mut page, _, _) = offline_payments();
    page.command(Command::ElectLeaders {
        topic: "payments".into(),
        partition: 0,
        election: ElectionType::Unclean,
    });
    page.op(Op::Advance { ms: 3_000 });
    page.command(Command::AlterTopicConfig {
        topic: "payments".into(),
        key: "unclean.leader.election.enable".into(),
        value: "true".into(),
    });
    page.command(Command::ElectLeaders {
        topic: "payments".into(),
        partition: 0,
        election: ElectionType::Preferred,
    });
    page.op(Op::Advance { ms: 1_000 });
    let original = page.view.snapshot.clone().unwrap();
    let codes = link_codes(&page);
    for want in ["lu0", "u1", "lp0"] {
        assert!(codes.iter().any(|(_, c)| c == want), "{want}: {codes:?}");
    }
    let fragment = link::encode(Preset::Payments, original.now_ms, &codes);
    let run = link::decode(&fragment).expect("our own link decodes");
    assert!(run.inputs.iter().any(|(_, c)| *c
        == Command::ElectLeaders {
            topic: "payments".into(),
            partition: 0,
            election: ElectionType::Unclean
        }));
    let mut other = Sim::default();
    let reopened = other.handle(Request {
        seq: 1,
        op: Op::Load {
            preset: run.preset.id().to_string(),
            inputs: run.inputs,
            at_ms: run.at_ms,
        },
    });
    assert_eq!(
        reopened.snapshot, *original,
        "the link reopens the same run"
    );
    assert_eq!(
        link::code(&Command::AlterTopicConfig {
            topic: "payments".into(),
            key: "unclean.leader.election.enable".into(),
            value: "false".into(),
        })
        .as_deref(),
        Some("u0")
    );
    for (bad, why) in [
        ("#run=v1/payments/5000/2000:u2", "u1 or u0"),
        ("#run=v1/payments/5000/2000:u", "u1 or u0"),
        ("#run=v1/payments/5000/2000:lx0", "leader election"),
        ("#run=v1/payments/5000/2000:l", "leader election"),
        ("#run=v1/payments/5000/2000:lp", "partition must be"),
        ("#run=v1/payments/5000/2000:lp-1", "partition must be"),
        ("#run=v1/payments/5000/2000:lp+1", "partition must be"),
        ("#run=v1/payments/5000/2000:lp01", "partition must be"),
        ("#run=v1/payments/5000/2000:lu64", "partition must be"),
        ("#run=v1/payments/5000/2000:lué", "partition must be"),
    ] {
        let err = link::decode(bad).expect_err(bad);
        assert!(err.contains(why), "{bad}: {err}");
    }
}

/// Lets simulated time pass in 100 ms steps until the quorum has an active controller other than
/// `not` (at most `max_ms`); returns it.
fn wait_for_new_active(page: &mut Page, not: Option<u32>, max_ms: u64) -> Option<u32> {
    let mut waited = 0;
    while waited < max_ms {
        let active = page.op(Op::Advance { ms: 100 }).quorum.active_controller;
        if active.is_some() && active != not {
            return active;
        }
        waited += 100;
    }
    None
}

#[wasm_bindgen_test]
fn quorum_preset_has_three_voters_and_serves_acks_all() {
    use kplay_web::i18n::Lang;
    use kplay_web::ui::quorum::summary_text;
    let mut page = Page::open("quorum");
    assert_eq!(page.view.preset, "quorum");
    let s = page.view.snapshot.clone().unwrap();
    let q = &s.quorum;
    let ids: Vec<u32> = q.voters.iter().map(|v| v.id).collect();
    assert_eq!(ids, vec![101, 102, 103]);
    assert!(q.voters.iter().all(|v| v.alive && !v.combined));
    assert_eq!((q.majority, q.failures_tolerated), (2, 1));
    let active = q
        .active_controller
        .expect("an active controller after the warm-up");
    assert_eq!(s.metrics.active_controller_count, 1);
    assert_eq!(
        q.voters
            .iter()
            .filter(|v| v.active)
            .map(|v| v.id)
            .collect::<Vec<_>>(),
        vec![active]
    );
    assert!(q
        .log
        .iter()
        .any(|r| r.record == "TopicRecord" && r.committed));
    let topic = &s.topics[0];
    assert_eq!((topic.name.as_str(), topic.partitions.len()), ("orders", 3));
    assert_eq!(topic.min_insync_replicas, 2);
    assert_eq!(
        summary_text(Lang::En, q),
        format!(
            "quorum: 3 voters · majority 2 · tolerates 1 failure · epoch {} · active controller-{active}",
            q.epoch
        )
    );
    assert!(summary_text(Lang::Zh, q).contains("多数派 2"));

    page.command(demo::produce(Preset::Quorum, Some("user-1"), "order #1"));
    page.op(Op::Advance { ms: 500 });
    let req = &page.view.snapshot.as_deref().unwrap().requests[0];
    assert!(
        matches!(req.outcome, Some(ProduceOutcome::Ok { .. })),
        "acks=all with a healthy quorum: {req:?}"
    );

    // The single-controller scenarios show a one-voter quorum.
    let payments = Page::open("payments");
    let q1 = &payments.view.snapshot.as_deref().unwrap().quorum;
    assert_eq!(q1.voters.len(), 1);
    assert!(summary_text(Lang::En, q1)
        .starts_with("quorum: 1 voter · majority 1 · tolerates 0 failures · epoch"));
}

#[wasm_bindgen_test]
fn crashing_the_active_controller_elects_a_new_one_then_a_second_crash_freezes_metadata() {
    use kplay_web::i18n::Lang;
    use kplay_web::ui::quorum::summary_text;
    let mut page = Page::open("quorum");
    let first = page.view.snapshot.as_deref().unwrap().quorum.clone();
    let old = first.active_controller.unwrap();
    page.command(Command::CrashController { controller: old });
    assert_eq!(
        page.view.timeline.inputs.last().unwrap().label,
        format!("crash controller-{old}")
    );
    // controller.quorum.fetch.timeout.ms (2 s) + a pre-vote and a vote round: well within 5 s.
    let new = wait_for_new_active(&mut page, Some(old), 5_000).expect("a new active controller");
    let q = page.view.snapshot.as_deref().unwrap().quorum.clone();
    assert!(
        q.epoch > first.epoch,
        "a new epoch: {} → {}",
        first.epoch,
        q.epoch
    );
    assert!(q
        .voters
        .iter()
        .any(|v| v.id == old && !v.alive && v.role.is_none()));
    assert!(page.view.log.iter().any(|l| l.en
        == format!(
            "controller-{new} is the active controller (epoch {})",
            q.epoch
        )));

    // A second crash leaves one voter of three: no majority, no active controller.
    page.command(Command::CrashController { controller: new });
    page.op(Op::Advance { ms: 10_000 });
    let s = page.view.snapshot.clone().unwrap();
    assert_eq!(s.quorum.active_controller, None);
    assert_eq!(s.metrics.active_controller_count, 0);
    assert!(summary_text(Lang::En, &s.quorum).ends_with("active none (metadata frozen)"));
    // Admin operations time out…
    page.command(Command::CreatePartitions {
        topic: "orders".into(),
        count: 4,
    });
    assert!(
        matches!(&page.view.partitions_result, Some(kplay_web::state::PartitionsResult::Failed { error, .. }) if error == "REQUEST_TIMED_OUT"),
        "{:?}",
        page.view.partitions_result
    );
    // …while data keeps flowing where the ISR allows.
    let before = page.view.snapshot.as_deref().unwrap().requests.len();
    page.command(demo::produce(Preset::Quorum, None, "order #2"));
    page.op(Op::Advance { ms: 1_000 });
    let req = &page.view.snapshot.as_deref().unwrap().requests[before];
    assert!(
        matches!(req.outcome, Some(ProduceOutcome::Ok { .. })),
        "a frozen quorum does not stop produce: {req:?}"
    );

    assert_eq!(
        page.view.quorum_guide.done(),
        3,
        "{:?}",
        page.view.quorum_guide
    );

    // A restart restores the majority and an active controller.
    page.command(Command::RestartController { controller: old });
    assert!(wait_for_new_active(&mut page, None, 10_000).is_some());
    let g = page.view.quorum_guide;
    assert_eq!(
        (g.crashed_active, g.failover, g.frozen, g.recovered),
        (Some(old), Some(new), true, true),
        "the quorum guide is ticked by engine events only"
    );
    // A rebuilt run (seek, shared link) replays every event and reaches the same progress.
    let now = page.view.snapshot.as_deref().unwrap().now_ms;
    page.op(Op::Seek { ms: now });
    assert_eq!(
        page.view.quorum_guide.done(),
        4,
        "{:?}",
        page.view.quorum_guide
    );
    assert_eq!(page.view.quorum_guide.failover, Some(new));
}

#[wasm_bindgen_test]
fn controller_faults_survive_a_share_link_and_old_links_still_decode() {
    use kplay_web::link;
    let mut page = Page::open("quorum");
    page.command(Command::CrashController { controller: 101 });
    page.op(Op::Advance { ms: 3_000 });
    page.command(Command::PartitionNetwork {
        a: "broker-1".into(),
        b: "controller-102".into(),
    });
    page.command(Command::PartitionNetwork {
        a: "controller-103".into(),
        b: "broker-2".into(),
    });
    page.command(Command::SlowNode {
        node: "controller-103".into(),
        extra_latency_ms: 50,
    });
    page.op(Op::Advance { ms: 1_000 });
    page.command(Command::HealNetwork);
    page.command(Command::RestartController { controller: 101 });
    page.command(Command::IsolateNode {
        node: "controller-102".into(),
    });
    page.op(Op::Advance { ms: 4_000 });
    let original = page.view.snapshot.clone().unwrap();
    let codes = link_codes(&page);
    let just: Vec<&str> = codes.iter().map(|(_, c)| c.as_str()).collect();
    assert_eq!(
        just,
        vec!["cc101", "x1c102", "xc1032", "sc103.50", "h", "rc101", "ic102"]
    );
    let labels: Vec<&str> = page
        .view
        .timeline
        .inputs
        .iter()
        .map(|m| m.label.as_str())
        .collect();
    assert!(labels.contains(&"restart controller-101"), "{labels:?}");
    let fragment = link::encode(Preset::Quorum, original.now_ms, &codes);
    assert!(fragment.starts_with("#run=v1/quorum/"));
    let run = link::decode(&fragment).expect("our own link decodes");
    let mut other = Sim::default();
    let reopened = other.handle(Request {
        seq: 1,
        op: Op::Load {
            preset: run.preset.id().to_string(),
            inputs: run.inputs,
            at_ms: run.at_ms,
        },
    });
    assert_eq!(
        reopened.snapshot, *original,
        "the link reopens the same run"
    );

    // Old single-controller links keep decoding; `cc` / `cc100` name the one controller.
    let old = link::decode("#run=v1/payments/9000/2000:x1c,2500:ic,3000:sc.50,3500:c2")
        .expect("old links decode");
    assert_eq!(
        old.inputs[0].1,
        Command::PartitionNetwork {
            a: "broker-1".into(),
            b: "controller".into()
        }
    );
    let ctl = link::decode("#run=v1/orders/9000/2000:cc,2500:rc100").expect("decodes");
    assert_eq!(
        ctl.inputs[0].1,
        Command::CrashController { controller: 100 }
    );
    assert_eq!(
        ctl.inputs[1].1,
        Command::RestartController { controller: 100 }
    );
    assert_eq!(
        link::code(&Command::CrashController { controller: 100 }).as_deref(),
        Some("cc")
    );

    for (bad, why) in [
        ("#run=v1/quorum/5000/2000:cc104", "not a controller"),
        ("#run=v1/quorum/5000/2000:cc", "name one (c101, c102, c103)"),
        ("#run=v1/quorum/5000/2000:x1c", "name one"),
        ("#run=v1/quorum/5000/2000:rc10", "name one"),
        ("#run=v1/quorum/5000/2000:cc1011", "more than one node"),
        ("#run=v1/quorum/5000/2000:ic101c102", "more than one node"),
        ("#run=v1/quorum/5000/2000:x1c101c102", "two nodes"),
        ("#run=v1/quorum/5000/2000:ck", "not a broker"),
        ("#run=v1/quorum/5000/2000:ic", "name one"),
        ("#run=v1/payments/5000/2000:cc101", "not a controller"),
        ("#run=v1/payments/5000/2000:xc1019", "not a controller"),
        ("#run=v1/payments/5000/2000:c101", "not a broker"),
    ] {
        let err = link::decode(bad).expect_err(bad);
        assert!(err.contains(why), "{bad}: {err}");
    }
}

#[wasm_bindgen_test]
fn a_cut_off_active_controller_abandons_its_uncommitted_metadata() {
    use kplay_web::state::PartitionsResult;
    let mut page = Page::open("quorum");
    let active = page
        .view
        .snapshot
        .as_deref()
        .unwrap()
        .quorum
        .active_controller
        .unwrap();
    let me = format!("controller-{active}");
    for other in [101, 102, 103].into_iter().filter(|c| *c != active) {
        page.command(Command::PartitionNetwork {
            a: me.clone(),
            b: format!("controller-{other}"),
        });
    }
    page.command(Command::CreatePartitions {
        topic: "orders".into(),
        count: 4,
    });
    let s = page.op(Op::Advance { ms: 10 }).clone();
    assert_eq!(
        s.topics[0].partitions.len(),
        3,
        "not committed, not visible"
    );
    assert!(
        s.quorum
            .log
            .iter()
            .any(|r| !r.committed && r.record == "TopicRecord"),
        "the leader's log holds the uncommitted records: {:?}",
        s.quorum.log
    );
    assert!(matches!(
        page.view.partitions_result,
        Some(PartitionsResult::Created { to: 4, .. })
    ));
    // Check-quorum: no fetch from a majority within 1.5 × controller.quorum.fetch.timeout.ms.
    page.op(Op::Advance { ms: 4_000 });
    assert_eq!(
        page.view.partitions_result,
        Some(PartitionsResult::Abandoned {
            topic: "orders".into(),
            from: 3,
            to: 4,
            controller: active,
        })
    );
    page.command(Command::HealNetwork);
    page.op(Op::Advance { ms: 3_000 });
    let s = page.view.snapshot.clone().unwrap();
    assert_eq!(s.topics[0].partitions.len(), 3);
    assert!(s.quorum.log.iter().all(|r| r.committed));
    assert!(page.view.log.iter().any(|l| l
        .en
        .starts_with(&format!("{me} truncated its metadata log"))));
}

/// The producer's view in the page's latest snapshot.
fn checkout(page: &Page) -> kplay_engine::snapshot::ProducerView {
    page.view
        .snapshot
        .as_deref()
        .unwrap()
        .producers
        .iter()
        .find(|p| p.name == demo::PRODUCER)
        .expect("the checkout producer")
        .clone()
}

/// `BatchSent` record counts among the events the page logged.
fn sent_batch_sizes(page: &Page) -> Vec<u32> {
    page.view
        .log
        .iter()
        .filter(|l| l.en.contains(" sends batch #"))
        .map(|l| {
            let after = l.en.split(" (").nth(1).expect("a record count");
            after.split(' ').next().unwrap().parse().unwrap()
        })
        .collect()
}

#[wasm_bindgen_test]
fn linger_ms_100_then_a_stream_gathers_records_into_batches() {
    use kplay_web::link;
    let mut page = Page::open("orders");
    page.command(demo::set_producer_config("linger.ms", "100"));
    assert_eq!(
        kplay_web::ui::pipeline::effective(&checkout(&page), "linger.ms"),
        "100"
    );
    page.op(Op::Schedule {
        commands: link::stream(Preset::Orders, 0),
    });
    let first = checkout(&page);
    assert_eq!(first.batches.len(), 1, "the first record opens a batch");
    assert_eq!(first.batches[0].state, "accumulating");
    assert_eq!(first.batches[0].records, 1);
    // The other 19 records are scheduled on the timeline (past the head: not rewound).
    let tl = page.view.timeline.clone();
    assert_eq!(tl.inputs.len(), link::STREAM_RECORDS as usize + 1);
    assert_eq!(
        tl.inputs.iter().filter(|m| m.at_ms > tl.head_ms).count(),
        19
    );

    // 10 ms at a time: batches fill while they linger, then go out whole.
    let mut most_records = 0;
    let mut seen_accumulating_with_several = false;
    for _ in 0..40 {
        page.op(Op::Advance { ms: 10 });
        for b in checkout(&page).batches {
            most_records = most_records.max(b.records);
            if b.state == "accumulating" && b.records > 1 {
                seen_accumulating_with_several = true;
            }
        }
    }
    assert!(
        seen_accumulating_with_several,
        "batches accumulate records while lingering"
    );
    assert!(most_records > 1);
    let sizes = sent_batch_sizes(&page);
    assert!(
        sizes.iter().all(|n| *n > 1),
        "every batch carries several records: {sizes:?}"
    );
    assert_eq!(sizes.iter().sum::<u32>(), 20);
    let s = page.view.snapshot.clone().unwrap();
    assert_eq!(s.metrics.record_send_total, 20);
    assert!(s.metrics.records_per_request_avg_x100 > 100);
    assert!(
        checkout(&page).batches.is_empty(),
        "everything was acknowledged"
    );
    // The pipeline trace grouped the acknowledgements per batch.
    let done = &page.view.pipeline.done;
    assert!(
        !done.is_empty() && done.iter().all(|d| d.records > 1 && d.error.is_none()),
        "{done:?}"
    );
    let d = &done[0];
    assert_eq!(d.last_offset - d.first_offset + 1, i64::from(d.records));
    assert_eq!(
        page.view
            .pipeline
            .last_accumulated
            .as_ref()
            .map(|a| a.partitioner.as_str()),
        Some("murmur2")
    );

    // Without linger.ms every record leaves at once in its own batch.
    let mut page = Page::open("orders");
    page.op(Op::Schedule {
        commands: link::stream(Preset::Orders, 0),
    });
    page.op(Op::Advance { ms: 1_000 });
    let sizes = sent_batch_sizes(&page);
    assert_eq!(
        sizes.len(),
        20,
        "linger.ms=0: one batch per record: {sizes:?}"
    );
}

#[wasm_bindgen_test]
fn an_action_during_a_stream_keeps_it_going_but_a_rewound_one_forks() {
    use kplay_web::link;
    let mut page = Page::open("payments");
    page.command(demo::set_producer_config("linger.ms", "20"));
    page.op(Op::Schedule {
        commands: link::stream(Preset::Payments, 0),
    });
    page.op(Op::Advance { ms: 55 });
    // Live: the change goes before the scheduled records, which still follow.
    page.command(demo::set_acks("1"));
    page.op(Op::Advance { ms: 500 });
    let s = page.view.snapshot.clone().unwrap();
    assert_eq!(
        s.metrics.record_send_total + s.metrics.record_error_total,
        20
    );
    let labels: Vec<String> = page
        .view
        .timeline
        .inputs
        .iter()
        .map(|m| m.label.clone())
        .collect();
    assert_eq!(labels[0], "checkout: linger.ms=20");
    assert_eq!(
        labels
            .iter()
            .filter(|l| l.starts_with("produce key=customer-"))
            .count(),
        20
    );
    let at: Vec<u64> = page.view.timeline.inputs.iter().map(|m| m.at_ms).collect();
    assert!(
        at.windows(2).all(|w| w[0] <= w[1]),
        "the input log stays in time order: {at:?}"
    );

    // Rewound into the stream, a new action forks: the rest of the stream is gone.
    let start = page.view.timeline.inputs[1].at_ms;
    page.op(Op::Seek { ms: start + 25 });
    page.command(demo::set_producer_config("linger.ms", "0"));
    page.op(Op::Advance { ms: 500 });
    let s = page.view.snapshot.clone().unwrap();
    assert_eq!(
        s.metrics.record_send_total, 3,
        "records at +0, +10, +20 ms only"
    );
}

#[wasm_bindgen_test]
fn client_defaults_apply_in_a_valid_order_and_explicit_idempotence_then_fails() {
    use kplay_web::demo::Client;
    use kplay_web::ui::pipeline::matches_client;
    let mut page = Page::open("payments");
    // From the demo's settings (acks=all, retries=0) to each client and back: never refused.
    for client in [
        Client::KafkaPython,
        Client::Java,
        Client::KafkaPython,
        Client::Java,
    ] {
        for c in demo::client_defaults(client) {
            page.command(c);
        }
        assert_eq!(page.view.producer_config_failed, None, "{client:?}");
        let p = checkout(&page);
        assert!(matches_client(&p, client), "{client:?}: {:?}", p.configs);
        assert_eq!(p.idempotent, client == Client::Java);
    }
    // Idempotence off goes first, on goes last.
    let py = demo::client_defaults(Client::KafkaPython);
    assert_eq!(
        py[0],
        demo::set_producer_config("enable.idempotence", "false")
    );
    let java = demo::client_defaults(Client::Java);
    assert_eq!(
        java.last(),
        Some(&demo::set_producer_config("enable.idempotence", "true"))
    );

    // kafka-python, then enable.idempotence=true explicitly: Kafka's ConfigException.
    for c in py {
        page.command(c);
    }
    let before = page.view.last_log_id();
    page.command(demo::set_producer_config("enable.idempotence", "true"));
    let failed = page.view.producer_config_failed.clone().expect("refused");
    assert!(failed.log_id > before);
    assert!(
        failed.message.starts_with("Must set "),
        "{}",
        failed.message
    );
    assert!(kplay_web::i18n::Lang::Zh
        .config_exception_hint(&failed.message)
        .is_some());
    let p = checkout(&page);
    assert!(!p.idempotent, "the refused change did not apply");
    assert_eq!(
        p.configs.get("enable.idempotence").map(String::as_str),
        Some("false")
    );
    // acks=1 too: with retries fixed, the acks rule is the one left.
    page.command(demo::set_producer_config("retries", "3"));
    page.command(demo::set_producer_config("enable.idempotence", "true"));
    let failed = page.view.producer_config_failed.clone().expect("refused");
    assert!(
        failed.message.starts_with("Must set acks to all"),
        "{}",
        failed.message
    );
}

#[wasm_bindgen_test]
fn producer_configs_and_streams_survive_a_share_link() {
    use kplay_web::demo::Client;
    use kplay_web::link;
    let mut page = Page::open("orders");
    for c in demo::client_defaults(Client::KafkaPython) {
        page.command(c);
    }
    page.op(Op::Advance { ms: 100 });
    for (k, v) in [
        ("linger.ms", "100"),
        ("batch.size", "1024"),
        ("retries", "3"),
        ("max.in.flight.requests.per.connection", "1"),
    ] {
        page.command(demo::set_producer_config(k, v));
    }
    page.op(Op::Schedule {
        commands: link::stream(Preset::Orders, 0),
    });
    page.op(Op::Advance { ms: 400 });
    for c in demo::client_defaults(Client::Java) {
        page.command(c);
    }
    page.command(demo::set_producer_config("enable.idempotence", "false"));
    page.op(Op::Advance { ms: 50 });
    page.command(demo::produce(
        Preset::Orders,
        Some("late"),
        &link::record_value(Preset::Orders, 21),
    ));
    page.op(Op::Advance { ms: 500 });
    let original = page.view.snapshot.clone().unwrap();
    let codes = link_codes(&page);
    let fragment = link::encode(Preset::Orders, original.now_ms, &codes);
    let list = fragment.rsplit('/').next().unwrap();
    let just: Vec<&str> = list
        .split(',')
        .map(|i| i.split_once(':').unwrap().1)
        .collect();
    assert_eq!(
        just,
        vec!["kpy", "kl100", "kb1024", "kr3", "kf1", "ps", "kjava", "ki0", "p.late"],
        "{fragment}"
    );
    let run = link::decode(&fragment).expect("our own link decodes");
    assert_eq!(
        run.inputs.len(),
        codes.len(),
        "macros unfold into every input"
    );
    let mut other = Sim::default();
    let reopened = other.handle(Request {
        seq: 1,
        op: Op::Load {
            preset: run.preset.id().to_string(),
            inputs: run.inputs,
            at_ms: run.at_ms,
        },
    });
    assert_eq!(
        reopened.snapshot, *original,
        "the link reopens the same run"
    );

    // Shared in the middle of a stream: the records sent so far, one by one.
    let mut page = Page::open("payments");
    page.op(Op::Schedule {
        commands: link::stream(Preset::Payments, 0),
    });
    page.op(Op::Advance { ms: 35 });
    let now = page.view.snapshot.as_deref().unwrap().now_ms;
    let shared: Vec<(u64, String)> = link_codes(&page)
        .into_iter()
        .filter(|(at, _)| *at <= now)
        .collect();
    let fragment = link::encode(Preset::Payments, now, &shared);
    assert!(
        !fragment.contains(":ps") && fragment.contains(":p.customer-4"),
        "{fragment}"
    );
    let run = link::decode(&fragment).expect("decodes");
    let mut other = Sim::default();
    let reopened = other.handle(Request {
        seq: 1,
        op: Op::Load {
            preset: "payments".into(),
            inputs: run.inputs,
            at_ms: run.at_ms,
        },
    });
    assert_eq!(&reopened.snapshot, page.view.snapshot.as_deref().unwrap());

    // Each code alone, and old links unchanged.
    for (k, v, code) in [
        ("linger.ms", "0", "kl0"),
        ("linger.ms", "1000", "kl1000"),
        ("batch.size", "65536", "kb65536"),
        ("enable.idempotence", "true", "ki1"),
        ("retries", "2147483647", "kr2147483647"),
        ("max.in.flight.requests.per.connection", "5", "kf5"),
        ("compression.type", "gzip", "kcgzip"),
        ("compression.type", "zstd", "kczstd"),
    ] {
        let c = demo::set_producer_config(k, v);
        assert_eq!(link::code(&c).as_deref(), Some(code));
        let run = link::decode(&format!("#run=v1/payments/3000/2000:{code}")).expect(code);
        assert_eq!(run.inputs, vec![(2000, c)]);
    }
    assert_eq!(
        link::code(&demo::set_producer_config("linger.ms", "007")),
        None
    );
    assert_eq!(
        link::code(&demo::set_producer_config("delivery.timeout.ms", "1000")),
        None
    );
    let old = link::decode("#run=v1/payments/9000/2000:a1,2500:p.user-42,3000:p")
        .expect("old links decode");
    assert_eq!(old.inputs.len(), 3);
    let stream = link::decode("#run=v1/payments/9000/2000:ps,2190:c1").expect("a stream decodes");
    assert_eq!(stream.inputs.len(), 21);
    assert_eq!(stream.inputs[19].0, 2190);
    for (bad, why) in [
        ("#run=v1/payments/5000/2000:kl-1", "linger.ms must be"),
        ("#run=v1/payments/5000/2000:kl0100", "linger.ms must be"),
        ("#run=v1/payments/5000/2000:kl60001", "linger.ms must be"),
        ("#run=v1/payments/5000/2000:kl", "linger.ms must be"),
        ("#run=v1/payments/5000/2000:kb1048577", "batch.size must be"),
        ("#run=v1/payments/5000/2000:kr2147483648", "retries must be"),
        (
            "#run=v1/payments/5000/2000:kf0",
            "max.in.flight.requests.per.connection must be",
        ),
        (
            "#run=v1/payments/5000/2000:kf11",
            "max.in.flight.requests.per.connection must be",
        ),
        ("#run=v1/payments/5000/2000:ki2", "ki1 or ki0"),
        ("#run=v1/payments/5000/2000:ki", "ki1 or ki0"),
        ("#run=v1/payments/5000/2000:kx1", "unknown producer config"),
        ("#run=v1/payments/5000/2000:k", "unknown producer config"),
        ("#run=v1/payments/5000/2000:kjav", "unknown producer config"),
        ("#run=v1/payments/5000/2000:ps20", "valid record key"),
        ("#run=v1/payments/5000/2000:ps,2100:c1", "earlier than"),
        ("#run=v1/payments/5000/3599900:ps", "beyond 1 hour"),
    ] {
        let err = link::decode(bad).expect_err(bad);
        assert!(err.contains(why), "{bad}: {err}");
    }
}
