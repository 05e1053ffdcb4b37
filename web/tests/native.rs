//! Native half of the cross-build determinism check: `cargo test -p kplay-web` (default target).
//! The browser half is `determinism_hash_matches_the_native_golden_file` in `browser.rs`.
#![cfg(not(target_arch = "wasm32"))]

use kplay_web::demo;

#[test]
fn determinism_hash_matches_the_golden_file() {
    let golden = include_str!("../../tests/golden/web-determinism.hash").trim();
    let hash = demo::determinism_hash().expect("the demo spec is valid");
    assert_eq!(
        demo::hash_hex(hash),
        golden,
        "re-bless tests/golden/web-determinism.hash if the engine changed on purpose"
    );
}

#[test]
fn share_link_decoding_never_panics_on_garbage() {
    for s in [
        "",
        "#run=",
        "#run=v1",
        "#run=v1/payments/1/",
        "#run=v1/payments/99999999999999999999/",
        "#run=v1/payments/5/1500:",
        "#run=v1/payments/5/1500:p.",
        "#run=v1/orders/0/1500:m0",
        "#run=v1/quorum/5/1500:c",
        "#run=v1/quorum/5/1500:cc",
        "#run=v1/quorum/5/1500:cc1",
        "#run=v1/quorum/5/1500:xc10",
        "#run=v1/quorum/5/1500:xc",
        "#run=v1/quorum/5/1500:xcé",
        "#run=v1/quorum/5/1500:sc103.",
        "#run=v1/quorum/5/1500:ic1é1",
        "#run=v1/payments/5/1500:k",
        "#run=v1/payments/5/1500:kl",
        "#run=v1/payments/5/1500:klé",
        "#run=v1/payments/5/1500:kcbrotli",
        "#run=v1/payments/5/1500:kc",
        "#run=v1/payments/5/1500:kié",
        "#run=v1/payments/5/3599999:ps",
        "#run=v1/payments/5/1500:kjava,1500:kpy,1500:ps",
    ] {
        let _ = kplay_web::link::decode(s);
    }
}

/// A seek that starts from a checkpoint lands on exactly the state a full replay from the start
/// reaches (`Op::Load` rebuilds from scratch), including after a fork dropped later checkpoints.
#[test]
fn checkpoint_seeks_match_a_full_replay() {
    use kplay_engine::Command;
    use kplay_web::demo::Preset;
    use kplay_web::protocol::{Op, Reply, Request};
    use kplay_web::sim::{Sim, CHECKPOINT_MS};
    use std::collections::BTreeMap;

    let preset = Preset::Orders;
    let mut sim = Sim::new(preset);
    let mut seq = 0;
    let mut op = |sim: &mut Sim, op: Op| -> Reply {
        seq += 1;
        sim.handle(Request { seq, op })
    };
    let mut inputs: Vec<(u64, Command)> = Vec::new();
    let consumer = Command::AddConsumer {
        name: "consumer-1".into(),
        topics: vec![preset.topic().into()],
        configs: BTreeMap::from([
            ("group.id".to_string(), "billing".to_string()),
            ("auto.offset.reset".to_string(), "earliest".to_string()),
        ]),
    };
    let plan: Vec<(u64, Command)> = vec![
        (1_500, demo::produce(preset, Some("a"), "order #1")),
        (4_000, consumer),
        (9_000, demo::produce(preset, Some("b"), "order #2")),
        (12_000, Command::CrashBroker { broker: 2 }),
        (16_000, demo::produce(preset, Some("c"), "order #3")),
        (26_000, Command::RestartBroker { broker: 2 }),
        (31_000, demo::produce(preset, Some("d"), "order #4")),
    ];
    for (at, c) in plan {
        let now = op(&mut sim, Op::Advance { ms: 0 }).snapshot.now_ms;
        op(&mut sim, Op::Advance { ms: at - now });
        inputs.push((at, c.clone()));
        op(&mut sim, Op::Command(c));
    }
    op(&mut sim, Op::Advance { ms: 9_000 });
    assert!(
        sim.checkpoint_count() as u64 >= 38_000 / CHECKPOINT_MS - 1,
        "only {} checkpoints",
        sim.checkpoint_count()
    );
    let fresh = |at_ms: u64, inputs: &[(u64, Command)]| {
        let mut s = Sim::new(preset);
        s.handle(Request {
            seq: 1,
            op: Op::Load {
                preset: preset.id().into(),
                inputs: inputs.to_vec(),
                at_ms,
            },
        })
    };
    for target in [1_000, 7_777, 12_000, 23_456, 31_000, 38_999] {
        let a = op(&mut sim, Op::Seek { ms: target });
        let b = fresh(target, &inputs);
        assert_eq!(a.snapshot.now_ms, target);
        assert_eq!(a.trace_hash, b.trace_hash, "seek to {target} diverged");
        assert_eq!(a.snapshot, b.snapshot, "seek to {target} diverged");
    }
    // Fork at 14 s (restart broker-2 early): checkpoints after it are dropped; seeks stay exact.
    op(&mut sim, Op::Seek { ms: 14_000 });
    op(&mut sim, Op::Command(Command::RestartBroker { broker: 2 }));
    op(&mut sim, Op::Advance { ms: 12_000 });
    let mut forked: Vec<(u64, Command)> = inputs
        .iter()
        .filter(|(t, _)| *t <= 14_000)
        .cloned()
        .collect();
    forked.push((14_000, Command::RestartBroker { broker: 2 }));
    for target in [13_000, 20_000, 25_999] {
        let a = op(&mut sim, Op::Seek { ms: target });
        let b = fresh(target, &forked);
        assert_eq!(
            a.trace_hash, b.trace_hash,
            "seek to {target} after the fork diverged"
        );
        assert_eq!(a.snapshot, b.snapshot);
    }
}

/// A reply carries the newest `LOG_CAPACITY` events whole, and before them every event except
/// the per-record ones: a seek back into a long run on the 5 × 30 × RF 3 preset sends a fraction
/// of its history, and the page's readers of rarer events (guides, unclean marks, refused
/// commands) still get all of theirs.
#[test]
fn replies_keep_the_log_tail_and_every_rare_event() {
    use kplay_engine::events::EventKind;
    use kplay_web::demo::Preset;
    use kplay_web::protocol::{Op, Request};
    use kplay_web::sim::{for_page, Sim};
    use kplay_web::state::LOG_CAPACITY;

    let preset = Preset::from_id("large").expect("the large preset exists");
    let mut sim = Sim::new(preset);
    let mut seq = 0;
    for i in 0..10 {
        for op in [
            Op::Schedule {
                commands: kplay_web::link::stream(preset, i * 20),
            },
            Op::Advance { ms: 10_000 },
        ] {
            seq += 1;
            sim.handle(Request { seq, op });
        }
    }
    let all = sim.cluster().expect("built").events().to_vec();
    let per_record = |k: &EventKind| {
        matches!(
            k,
            EventKind::RecordAccumulated { .. }
                | EventKind::BatchSent { .. }
                | EventKind::Appended { .. }
                | EventKind::Replicated { .. }
                | EventKind::HighWatermarkAdvanced { .. }
                | EventKind::RecordsPolled { .. }
        )
    };
    assert!(
        all.len() > 2 * LOG_CAPACITY,
        "a long run: {} events",
        all.len()
    );
    let kept = for_page(&all);
    let tail = &all[all.len() - LOG_CAPACITY..];
    assert_eq!(
        &kept[kept.len() - LOG_CAPACITY..],
        tail,
        "the newest events whole"
    );
    let rare: Vec<_> = all[..all.len() - LOG_CAPACITY]
        .iter()
        .filter(|e| !per_record(&e.kind))
        .cloned()
        .collect();
    assert_eq!(
        &kept[..kept.len() - LOG_CAPACITY],
        &rare[..],
        "every rarer event before them"
    );
    assert!(
        kept.len() * 2 < all.len(),
        "most of a stream's history is per-record: {} of {} kept",
        kept.len(),
        all.len()
    );
    // A seek back answers with the same selection of the run up to there.
    seq += 1;
    let r = sim.handle(Request {
        seq,
        op: Op::Seek { ms: 60_000 },
    });
    assert!(r.reset);
    assert_eq!(r.events, for_page(sim.cluster().expect("built").events()));
    assert!(r
        .events
        .iter()
        .any(|e| matches!(e.kind, EventKind::ProduceCompleted { .. })));
}
