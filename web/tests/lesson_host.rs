//! The lesson host in the worker (`Sim` with a lesson), the progress store and the safe markdown
//! renderer, in headless Chromium: `cargo test --target wasm32-unknown-unknown -p kplay-web`.

use kplay_engine::lesson::progress::{self, Progress};
use kplay_web::codec::JsonCodec;
use kplay_web::markdown::{inline, parse, safe_href, Block, Inline};
use kplay_web::protocol::{LessonStatus, Op, Reply, Request};
use kplay_web::sim::Sim;
use kplay_web::{lessons, progress_store};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

struct Host {
    sim: Sim,
    seq: u64,
}

impl Host {
    fn new() -> Host {
        Host {
            sim: Sim::default(),
            seq: 0,
        }
    }

    /// Sends an op through the worker codec, like the page does, and decodes the reply.
    fn op(&mut self, op: Op) -> Reply {
        self.seq += 1;
        let req: Request = JsonCodec::decode(JsonCodec::encode(&Request { seq: self.seq, op }));
        let reply = self.sim.handle(req);
        JsonCodec::decode(JsonCodec::encode(&reply))
    }

    fn lesson(&mut self, op: Op) -> LessonStatus {
        self.op(op).lesson.expect("a lesson is being played")
    }

    fn step_index(id: &str, step: &str) -> usize {
        lessons::find(id)
            .expect("bundled lesson")
            .steps
            .iter()
            .position(|s| s.id == step)
            .expect("step exists")
    }

    /// Plays lesson 四 up to (and into) its replication step with the reference solutions.
    fn lesson_4_at_replication(&mut self) -> LessonStatus {
        let st = self.lesson(Op::StartLesson {
            lesson: "04-topics-partitions".into(),
        });
        assert_eq!(st.step, 0);
        let replication = Host::step_index("04-topics-partitions", "replication");
        for i in 0..replication {
            let st = self.lesson(Op::LessonSolve);
            assert!(
                st.done[i],
                "step {i} is done after its solution: {:?}",
                st.goals
            );
            self.lesson(Op::LessonStep { step: i + 1 });
        }
        self.lesson(Op::Advance { ms: 0 })
    }
}

fn met(st: &LessonStatus) -> Vec<bool> {
    st.goals.iter().map(|g| g.check.met).collect()
}

#[wasm_bindgen_test]
fn every_bundled_lesson_starts_in_the_worker() {
    let all = lessons::all().as_ref().expect("the bundled lessons parse");
    assert!(all.len() >= 5);
    for l in all {
        let mut h = Host::new();
        let reply = h.op(Op::StartLesson {
            lesson: l.id.clone(),
        });
        assert_eq!(reply.error, None, "{}", l.id);
        assert!(reply.reset);
        assert_eq!(reply.preset, format!("lesson:{}", l.id));
        let st = reply.lesson.expect("lesson status");
        assert_eq!(st.lesson, l.id);
        assert_eq!(st.done.len(), l.steps.len());
        assert_eq!(st.goals.len(), l.steps[0].goals.len());
    }
    let mut h = Host::new();
    let reply = h.op(Op::StartLesson {
        lesson: "no-such-lesson".into(),
    });
    assert!(reply.error.unwrap().contains("no-such-lesson"));
    assert_eq!(reply.lesson, None);
}

#[wasm_bindgen_test]
fn lesson_4_goals_tick_from_the_learners_commands() {
    let mut h = Host::new();
    let st = h.lesson_4_at_replication();
    assert_eq!(met(&st), vec![false, false, false], "{:?}", st.goals);
    // The goal texts are the predicates' `describe`, in both languages.
    assert!(st.goals[0].text.en.contains("ISR"));
    assert!(!st.goals[0].text.zh.is_empty());
    let st = h.lesson(Op::Command(kplay_engine::Command::CrashBroker {
        broker: 3,
    }));
    assert!(met(&st)[1], "broker 3 down at once: {:?}", st.goals);
    assert!(!met(&st)[0], "the ISR shrinks only once broker 3 is fenced");
    let st = h.lesson(Op::Advance { ms: 10_000 });
    assert_eq!(met(&st), vec![true, true, true], "{:?}", st.goals);
    let idx = Host::step_index("04-topics-partitions", "replication");
    assert!(st.done[idx]);
}

#[wasm_bindgen_test]
fn lesson_4_prediction_is_answered_by_the_engine_and_survives_time_travel() {
    let mut h = Host::new();
    h.lesson_4_at_replication();
    h.lesson(Op::Command(kplay_engine::Command::CrashBroker {
        broker: 3,
    }));
    h.lesson(Op::Advance { ms: 10_000 });
    let min_isr = Host::step_index("04-topics-partitions", "min-isr");
    let st = h.lesson(Op::LessonStep { step: min_isr });
    assert_eq!(st.step, min_isr);
    assert_eq!(st.prediction, None);
    // An unknown choice is ignored: nothing runs.
    let st = h.lesson(Op::LessonPredict {
        choice: "maybe".into(),
    });
    assert_eq!(st.prediction, None);
    let before = h.op(Op::Advance { ms: 0 }).snapshot.now_ms;
    let st = h.lesson(Op::LessonPredict {
        choice: "timeout".into(),
    });
    let p = st.prediction.clone().expect("answered");
    assert_eq!(p.correct, vec!["ok".to_string()], "ISR {{1,2}} ≥ min ISR 2");
    assert_eq!(st.predicted.as_deref(), Some("timeout"));
    assert!(p.observed.is_some());
    assert!(p.why.en.contains("min.insync.replicas=2"));
    // A second prediction does not run the action again.
    let again = h.lesson(Op::LessonPredict {
        choice: "ok".into(),
    });
    assert_eq!(again.predicted.as_deref(), Some("timeout"));

    // The learner: crash broker 2, wait, acks=all → NOT_ENOUGH_REPLICAS; acks=1 → ok.
    h.op(Op::Command(kplay_engine::Command::CrashBroker {
        broker: 2,
    }));
    h.op(Op::Advance { ms: 10_000 });
    let produce = |key: &str| {
        Op::Command(kplay_engine::Command::Produce {
            producer: "app".into(),
            topic: "payments".into(),
            partition: None,
            key: Some(key.into()),
            value: Some("v".into()),
        })
    };
    h.op(produce("o-3"));
    let st = h.lesson(Op::Advance { ms: 500 });
    assert_eq!(met(&st), vec![true, false, true], "{:?}", st.goals);
    h.op(Op::Command(kplay_engine::Command::AlterProducerConfig {
        producer: "app".into(),
        key: "acks".into(),
        value: "1".into(),
    }));
    h.op(produce("o-4"));
    let st = h.lesson(Op::Advance { ms: 500 });
    assert_eq!(met(&st), vec![true, true, true], "{:?}", st.goals);
    assert!(st.done[min_isr]);
    let head = h.op(Op::Advance { ms: 0 });

    // Time travel: back to before the prediction (the checklist is recomputed there), then
    // forward to the head: the same checklist, and the same trace.
    let rewound = h.op(Op::Seek { ms: before });
    let st = rewound.lesson.clone().expect("lesson kept across seek");
    assert_eq!(st.step, min_isr);
    assert_eq!(met(&st), vec![false, false, false]);
    assert!(st.done[min_isr], "done stays done");
    let again = h.op(Op::Seek {
        ms: head.snapshot.now_ms,
    });
    assert_eq!(again.trace_hash, head.trace_hash);
    assert_eq!(met(&again.lesson.unwrap()), vec![true, true, true]);
}

#[wasm_bindgen_test]
fn lesson_5_predicts_the_acks_0_offset() {
    let mut h = Host::new();
    h.op(Op::StartLesson {
        lesson: "05-producers".into(),
    });
    h.lesson(Op::LessonSolve);
    let acks = Host::step_index("05-producers", "acks");
    h.lesson(Op::LessonStep { step: acks });
    let st = h.lesson(Op::LessonPredict {
        choice: "minus-one".into(),
    });
    assert_eq!(
        st.prediction.clone().unwrap().correct,
        vec!["minus-one".to_string()]
    );
    assert_eq!(met(&st), vec![true, false, false], "{:?}", st.goals);
    let st = h.lesson(Op::LessonSolve);
    assert_eq!(met(&st), vec![true, true, true], "{:?}", st.goals);
}

#[wasm_bindgen_test]
fn a_reset_leaves_the_lesson() {
    let mut h = Host::new();
    h.op(Op::StartLesson {
        lesson: "05-producers".into(),
    });
    let reply = h.op(Op::Reset {
        preset: "payments".into(),
    });
    assert_eq!(reply.lesson, None);
    assert_eq!(reply.preset, "payments");
}

#[wasm_bindgen_test]
fn progress_round_trips_through_local_storage() {
    let all = lessons::all().as_ref().unwrap();
    let mut p = Progress::new();
    p.complete_lesson("04-topics-partitions");
    let q = &all[3].questions[0];
    p.answer(q, &q.answer);
    progress_store::save(&p);
    let loaded = progress_store::load();
    assert_eq!(loaded.notice, None);
    assert_eq!(loaded.progress, p);
    assert!(progress::mastery(all, &loaded.progress).sections[3].percent > 0);

    // Corrupt and old values: a fresh start with a reason, the value kept aside.
    let st = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    st.set_item(
        progress_store::KEY,
        "{\"version\": 1, \"completed_lessons\": [tr",
    )
    .unwrap();
    let loaded = progress_store::load();
    assert_eq!(loaded.progress, Progress::new());
    assert!(loaded.notice.unwrap().contains("not a progress file"));
    assert!(st.get_item(progress_store::BACKUP_KEY).unwrap().is_some());
    assert_eq!(st.get_item(progress_store::KEY).unwrap(), None);
    let old = progress_store::from_stored(Some("{\"version\": 0}"));
    assert!(old.notice.unwrap().contains("older"));
    let newer = progress_store::from_stored(Some("{\"version\": 9}"));
    assert!(newer.notice.unwrap().contains("newer"));
    assert_eq!(progress_store::from_stored(None).notice, None);
    st.remove_item(progress_store::BACKUP_KEY).unwrap();
}

#[wasm_bindgen_test]
fn markdown_subset() {
    let b = parse("Hello **big** *x* `acks=all`\n\n- one\n- two\n\n1. a\n2. b");
    assert_eq!(
        b[0],
        Block::Para(vec![
            Inline::Text("Hello ".into()),
            Inline::Strong(vec![Inline::Text("big".into())]),
            Inline::Text(" ".into()),
            Inline::Em(vec![Inline::Text("x".into())]),
            Inline::Text(" ".into()),
            Inline::Code("acks=all".into()),
        ])
    );
    assert!(matches!(&b[1], Block::List { ordered: false, items } if items.len() == 2));
    assert!(matches!(&b[2], Block::List { ordered: true, items } if items.len() == 2));
    let t = parse("| acks | x |\n|---|---|\n| `0` | a |\n| `1` | b |");
    assert!(matches!(&t[0], Block::Table { head, rows } if head.len() == 2 && rows.len() == 2));
    assert_eq!(inline("a * b"), vec![Inline::Text("a * b".into())]);
    assert_eq!(inline("`x"), vec![Inline::Text("`x".into())]);
}

#[wasm_bindgen_test]
fn markdown_is_safe() {
    assert_eq!(
        inline("[k](https://kafka.apache.org)"),
        vec![Inline::Link {
            text: vec![Inline::Text("k".into())],
            href: "https://kafka.apache.org".into()
        }]
    );
    // Not http(s): the label as text, never a link.
    for bad in [
        "[x](javascript:alert(1))",
        "[x](JavaScript:alert(1))",
        "[x](data:text/html,hi)",
        "[x](/relative)",
    ] {
        assert!(
            !inline(bad).iter().any(|i| matches!(i, Inline::Link { .. })),
            "{bad}"
        );
    }
    assert!(!safe_href("https://a b"));
    // Raw HTML is text; rendered, it is an escaped text node.
    assert_eq!(
        parse("<img src=x onerror=alert(1)>"),
        vec![Block::Para(vec![Inline::Text(
            "<img src=x onerror=alert(1)>".into()
        )])]
    );
}

#[wasm_bindgen_test]
fn a_challenge_starts_fresh_and_is_solved_by_the_learner() {
    let mut h = Host::new();
    let reply = h.op(Op::StartChallenge {
        lesson: "04-topics-partitions".into(),
        challenge: "c4-not-enough-replicas".into(),
    });
    let st = reply.lesson.expect("challenge status");
    assert_eq!(st.challenge.as_deref(), Some("c4-not-enough-replicas"));
    assert_eq!(st.done, vec![false]);
    assert_eq!(met(&st), vec![false]);
    assert!(reply.timeline.inputs.is_empty(), "no demo ran");
    // "Show me" and predictions do nothing in a challenge.
    let st = h.lesson(Op::LessonSolve);
    assert_eq!(st.done, vec![false]);
    for b in [2, 3] {
        h.op(Op::Command(kplay_engine::Command::CrashBroker {
            broker: b,
        }));
    }
    h.op(Op::Advance { ms: 10_000 });
    h.op(Op::Command(kplay_engine::Command::Produce {
        producer: "app".into(),
        topic: "payments".into(),
        partition: None,
        key: None,
        value: Some("x".into()),
    }));
    let st = h.lesson(Op::Advance { ms: 500 });
    assert_eq!(met(&st), vec![true], "{:?}", st.goals);
    assert_eq!(st.done, vec![true]);
    let bad = h.op(Op::StartChallenge {
        lesson: "04-topics-partitions".into(),
        challenge: "nope".into(),
    });
    assert!(bad.error.is_some());
}
