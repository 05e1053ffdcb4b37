//! Lesson share links (`#lesson=v1/…`, `web/src/link/lesson.rs`): a lesson run played in the
//! worker's host round-trips through its link (same step, same checklist, same prediction, same
//! trace at the same tick), and every rejection has a readable reason in both languages.
#![cfg(not(target_arch = "wasm32"))]

use kplay_engine::lesson::Lesson;
use kplay_engine::Command;
use kplay_web::lessons;
use kplay_web::link::lesson::{self, LessonInput, LinkError};
use kplay_web::protocol::{LessonStatus, Op, Reply, Request};
use kplay_web::sim::Sim;

const L4: &str = "04-topics-partitions";

fn find(id: &str) -> Option<&'static Lesson> {
    lessons::find(id)
}

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

    fn op(&mut self, op: Op) -> Reply {
        self.seq += 1;
        self.sim.handle(Request { seq: self.seq, op })
    }

    /// Opens a link the way the page does: decode, then `Op::LoadLesson`.
    fn open(&mut self, link: &str) -> Reply {
        let l = lesson::decode(link, find).unwrap_or_else(|e| panic!("{link}: {e}"));
        self.op(Op::LoadLesson {
            lesson: l.lesson,
            step: l.step,
            inputs: l.inputs,
            at_ms: l.at_ms,
        })
    }
}

fn status(r: &Reply) -> &LessonStatus {
    r.lesson.as_ref().expect("a lesson is played")
}

fn share(r: &Reply) -> String {
    status(r)
        .share
        .clone()
        .expect("a lesson step is shareable")
        .expect("the link fits")
}

/// The parts of a reply a link must reproduce.
fn state(r: &Reply) -> (u64, String, LessonStatus) {
    let mut st = status(r).clone();
    st.share = None;
    (r.snapshot.now_ms, r.trace_hash.clone(), st)
}

/// Lesson 四 played through several steps: the learner's commands (short codes and `j…`), a
/// step change, a prediction, "Show me" and time passing.
fn played() -> (Host, Reply) {
    let mut h = Host::new();
    h.op(Op::StartLesson {
        lesson: L4.to_string(),
    });
    h.op(Op::Advance { ms: 1_500 });
    h.op(Op::LessonStep { step: 5 });
    h.op(Op::Command(Command::CrashBroker { broker: 3 }));
    h.op(Op::Advance { ms: 10_000 });
    // A record from the lesson's produce control: free text needs the `j…` form.
    h.op(Op::Command(Command::Produce {
        producer: "app".into(),
        topic: "payments".into(),
        partition: None,
        key: Some("user 1".into()),
        value: Some("hello, world/ü:#".into()),
    }));
    h.op(Op::Advance { ms: 700 });
    h.op(Op::LessonStep { step: 6 });
    h.op(Op::Advance { ms: 250 });
    h.op(Op::LessonPredict {
        choice: "ok".into(),
    });
    h.op(Op::Advance { ms: 300 });
    h.op(Op::Command(Command::AlterProducerConfig {
        producer: "app".into(),
        key: "acks".into(),
        value: "1".into(),
    }));
    h.op(Op::Command(Command::CrashBroker { broker: 2 }));
    h.op(Op::Advance { ms: 10_000 });
    h.op(Op::LessonSolve);
    let last = h.op(Op::Advance { ms: 2_000 });
    (h, last)
}

#[test]
fn a_played_lesson_round_trips_through_its_link() {
    let (_, last) = played();
    let link = share(&last);
    assert!(
        link.starts_with("#lesson=v1/04-topics-partitions/1/"),
        "{link}"
    );
    // Run-link codes where they mean the same command in this lesson (`a1` sets the lesson's
    // producer `app`), the lesson codes, `j…` for the free-text record.
    for code in [":g6,", ":c3,", ":j", ":g7,", ":yok,", ":a1,", ":c2,", ":z"] {
        assert!(link.contains(code), "{code} missing in {link}");
    }
    let decoded = lesson::decode(&link, find).expect("our own link decodes");
    assert_eq!(decoded.current_step(), 6);
    let mut other = Host::new();
    let opened = other.open(&link);
    assert!(opened.link_error.is_none(), "{:?}", opened.link_error);
    assert_eq!(
        state(&opened),
        state(&last),
        "same step, checklist, prediction, tick and trace"
    );
    assert!(status(&opened).predicted.as_deref() == Some("ok"));
    assert_eq!(share(&opened), link, "the opened run shares the same link");
    // The opened run goes on exactly like the original.
    let (mut h, _) = played();
    let a = h.op(Op::Advance { ms: 3_000 });
    let b = other.op(Op::Advance { ms: 3_000 });
    assert_eq!(state(&a), state(&b));
}

#[test]
fn a_rewound_lesson_shares_the_run_up_to_the_view() {
    let (mut h, _) = played();
    let back = h.op(Op::Seek { ms: 9_000 });
    let link = share(&back);
    assert!(link.contains("/9000/"), "{link}");
    // The recorded future stays in the link (the player still shows the step reached), and
    // the link opens rewound to the same time.
    assert!(link.contains(":g7"), "{link}");
    let opened = Host::new().open(&link);
    assert_eq!(state(&opened), state(&back));
    // An action while rewound forks: the old future is gone from the next link too, which
    // opens on the same cluster at the same tick, at the step the learner was on at that time.
    let forked = h.op(Op::Command(Command::RestartBroker { broker: 3 }));
    let link = share(&forked);
    assert!(link.ends_with(":r3") && !link.contains(":g7"), "{link}");
    let opened = Host::new().open(&link);
    assert_eq!(
        (opened.snapshot.now_ms, &opened.trace_hash),
        (forked.snapshot.now_ms, &forked.trace_hash)
    );
    assert_eq!(status(&opened).step, 5);
}

#[test]
fn a_link_can_start_at_a_step() {
    let mut h = Host::new();
    let r = h.open("#lesson=v1/04-topics-partitions/7/0/");
    let st = status(&r);
    assert_eq!(st.step, 6, "step 7 is open");
    assert!(r.link_error.is_none());
    // Its own link keeps the starting step (and the time it is at).
    let link = share(&r);
    assert!(
        link.starts_with("#lesson=v1/04-topics-partitions/7/"),
        "{link}"
    );
    let again = Host::new().open(&link);
    assert_eq!(state(&again), state(&r));
    // Same as the embed's lesson=…&step=7 start (the lesson, then step 7 begun).
    let mut e = Host::new();
    e.op(Op::StartLesson { lesson: L4.into() });
    let via_embed = e.op(Op::LessonStep { step: 6 });
    assert_eq!(via_embed.trace_hash, r.trace_hash);
}

#[test]
fn a_time_the_lesson_cannot_reach_is_refused_by_the_worker_with_a_reason() {
    let mut h = Host::new();
    // Lesson 四's scenario runs 1000 ms before step 1: an input at 10 ms cannot have happened.
    let r = h.open("#lesson=v1/04-topics-partitions/2/5000/10:c3");
    let err = r.link_error.as_ref().expect("refused");
    assert!(
        err.en
            .contains("input 1 at 10 ms comes before the lesson gets there"),
        "{err:?}"
    );
    assert!(err.zh.contains("第 1 个输入"), "{err:?}");
    // The lesson still opens, at the link's step, without the inputs.
    assert_eq!(status(&r).step, 1);
    assert!(r.snapshot.brokers.iter().all(|b| b.alive));
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

fn refused(link: &str) -> LinkError {
    lesson::decode(link, find).expect_err(link)
}

#[test]
fn every_rejection_has_a_readable_reason_in_both_languages() {
    let long = format!(
        "#lesson=v1/04-topics-partitions/1/0/{}",
        "2000:c3,".repeat(3000)
    );
    let many = format!(
        "#lesson=v1/04-topics-partitions/1/0/{}",
        "2000:h,".repeat(1001)
    );
    let j = |json: &str| {
        format!(
            "#lesson=v1/04-topics-partitions/1/9000/2000:j{}",
            lesson::base64url(json.as_bytes())
        )
    };
    let big_topic =
        j(r#"{"command":"create_topic","name":"t","partitions":100000,"replication_factor":3}"#);
    let long_value = j(&format!(
        r#"{{"command":"produce","producer":"app","topic":"payments","value":"{}"}}"#,
        "x".repeat(300)
    ));
    let control =
        j(r#"{"command":"produce","producer":"app","topic":"payments","value":"a\u0007b"}"#);
    let linger = j(
        r#"{"command":"alter_producer_config","producer":"app","key":"linger.ms","value":"99999999"}"#,
    );
    let cases: Vec<(String, &str)> = vec![
        (long, "characters long; a lesson link is at most 16384"),
        (many, "more than 1000 inputs"),
        (
            "#lesson=v1/04-topics-partitions/1/0/2000%3Ac3%2".into(),
            "the link is damaged",
        ),
        (
            "#run=v1/payments/0/".into(),
            "not a Kafka Playground lesson link",
        ),
        (
            "#lesson=v2/04-topics-partitions/1/0/".into(),
            "made by a newer Kafka Playground",
        ),
        (
            "#lesson=vx/04-topics-partitions/1/0/".into(),
            "is not a link version",
        ),
        (
            "#lesson=v1/04-topics-partitions/1/0".into(),
            "a lesson link has 5 parts",
        ),
        (
            "#lesson=v1/04-topics-partitions/1".into(),
            "(it may be cut off)",
        ),
        (
            "#lesson=v1/99-nope/1/0/".into(),
            "there is no lesson “99-nope”",
        ),
        (
            "#lesson=v1/<img src=x onerror=alert(1)>/1/0/".into(),
            "there is no lesson “<img src=x onerror=alert(1)>”",
        ),
        (
            "#lesson=v1/04-topics-partitions/0/0/".into(),
            "“0” is not a step of lesson 04-topics-partitions (it has steps 1 … 9)",
        ),
        (
            "#lesson=v1/04-topics-partitions/10/0/".into(),
            "“10” is not a step",
        ),
        (
            "#lesson=v1/04-topics-partitions/01/0/".into(),
            "“01” is not a step",
        ),
        (
            "#lesson=v1/04-topics-partitions/1/later/".into(),
            "the time “later” is not a number",
        ),
        (
            "#lesson=v1/04-topics-partitions/1/3600001/".into(),
            "beyond 1 hour",
        ),
        (
            "#lesson=v1/04-topics-partitions/1/0/2000".into(),
            "input 1: “2000” is not <ms>:<action>",
        ),
        (
            "#lesson=v1/04-topics-partitions/1/0/2000:c3,1500:h".into(),
            "input 2: 1500 ms is earlier than the input before it (2000 ms)",
        ),
        (
            "#lesson=v1/04-topics-partitions/1/0/9999999:h".into(),
            "input 1: its time 9999999 ms is beyond 1 hour",
        ),
        (
            "#lesson=v1/04-topics-partitions/1/0/2000:g0".into(),
            "input 1: “0” is not a step of this lesson (1 … 9)",
        ),
        (
            "#lesson=v1/04-topics-partitions/1/0/2000:yok".into(),
            "input 1: step 1 has no prediction to make",
        ),
        (
            "#lesson=v1/04-topics-partitions/7/0/2000:ymaybe".into(),
            "“maybe” is not a choice of step 7 (ok, ner, timeout)",
        ),
        (
            "#lesson=v1/04-topics-partitions/7/0/2000:yok,2100:yner".into(),
            "input 2: step 7's prediction was already answered",
        ),
        (
            "#lesson=v1/04-topics-partitions/7/0/2000:z,2100:yner".into(),
            "step 7's prediction was already answered",
        ),
        (
            "#lesson=v1/02-versions-kraft/2/0/2000:z,2000:g1,2000:z".into(),
            "input 3: step 1 has no “Show me”",
        ),
        (
            "#lesson=v1/04-topics-partitions/1/0/2000:j!!".into(),
            "is not base64url",
        ),
        (
            j(r#"{"command":"explode"}"#),
            "is not a command of this Kafka Playground",
        ),
        (big_topic, "create_topic: partitions 100000 is beyond 64"),
        (long_value, "produce: a text is longer than 200 characters"),
        (control, "control characters"),
        (linger, "linger.ms 99999999 is beyond 60000"),
        (
            "#lesson=v1/04-topics-partitions/1/0/2000:c9".into(),
            "input 1: “9” is not a broker of this cluster (1, 2, 3)",
        ),
        (
            "#lesson=v1/04-topics-partitions/1/0/2000:cc101".into(),
            "is not a controller of this scenario",
        ),
        (
            "#lesson=v1/04-topics-partitions/1/0/2000:w".into(),
            "input 1: unknown action “w”",
        ),
        (
            "#lesson=v1/04-topics-partitions/1/0/2000:".into(),
            "an input has no action",
        ),
    ];
    for (link, want) in cases {
        let e = refused(&link);
        assert!(
            e.en.contains(want),
            "{link}:\n  got  {}\n  want {want}",
            e.en
        );
        assert!(has_cjk(&e.zh), "{link}: no 中文 reason: {}", e.zh);
        for text in [&e.en, &e.zh] {
            assert!(
                !text.is_empty() && text.chars().count() < 400,
                "{link}: {text}"
            );
            assert!(!text.chars().any(char::is_control), "{link}: {text}");
            assert!(
                !text.contains("Err(") && !text.contains("Some("),
                "{link}: {text}"
            );
        }
    }
}

#[test]
fn a_chat_tool_escaped_link_still_opens() {
    let (_, last) = played();
    let link = share(&last);
    let escaped = link.replace(':', "%3A").replace(',', "%2C");
    assert_eq!(
        lesson::decode(&escaped, find),
        lesson::decode(&link, find),
        "%-escaped : and , decode the same"
    );
}

#[test]
fn too_long_a_run_cannot_be_shared_and_says_why() {
    let l = find(L4).unwrap();
    let inputs: Vec<(u64, LessonInput)> = (0..1001)
        .map(|i| (2_000 + i, LessonInput::Command(Command::HealNetwork)))
        .collect();
    let e = lesson::encode(l, 0, 5_000, &inputs).expect_err("too many");
    assert!(e.en.contains("at most 1000"), "{}", e.en);
    assert!(has_cjk(&e.zh));
    let wordy: Vec<(u64, LessonInput)> = (0..900)
        .map(|i| {
            (
                2_000 + i,
                LessonInput::Command(Command::Produce {
                    producer: "app".into(),
                    topic: "payments".into(),
                    partition: None,
                    key: None,
                    value: Some("a long record value of many words".into()),
                }),
            )
        })
        .collect();
    let e = lesson::encode(l, 0, 5_000, &wordy).expect_err("too long");
    assert!(
        e.en.contains("characters long; links are at most 16384"),
        "{}",
        e.en
    );
}

#[test]
fn base64url_round_trips_and_is_canonical() {
    for s in [
        "",
        "a",
        "ab",
        "abc",
        "abcd",
        "hello, wörld ✓ 你好",
        "\u{0}\u{ff}",
    ] {
        let e = lesson::base64url(s.as_bytes());
        assert!(
            e.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "{e}"
        );
        assert_eq!(
            lesson::unbase64url(&e).as_deref(),
            Some(s.as_bytes()),
            "{s:?}"
        );
    }
    // Padding, other alphabets, impossible lengths and non-zero unused bits are refused.
    for bad in ["YQ==", "a+b/", "Y", "YR", "YWJ", "YWK"] {
        assert!(lesson::unbase64url(bad).is_none(), "{bad}");
    }
}
