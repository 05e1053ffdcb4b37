//! Share links, embed parameters and embed messages under a seeded mutation fuzzer
//! (`tests/fuzz_mutator.rs`), plus their exact rules. Native (`cargo test -p kplay-web --test
//! fuzz_link`); a longer run: `KPLAY_FUZZ_SECS=300 cargo test --release -p kplay-web --test
//! fuzz_link -- --nocapture`.
//!
//! Properties: nothing panics; every rejection is a readable one-line reason; an accepted link
//! re-encodes to a link that decodes to the same run (so "open → same state at same tick" holds
//! for every link the decoder accepts); an accepted embed query round-trips through `to_query`.

#[path = "../../tests/fuzz_mutator.rs"]
mod fuzz_mutator;

use fuzz_mutator::{assert_readable, run, Budget};
use kplay_web::demo::Preset;
use kplay_web::embed::{self, Control, Inbound, Outbound, Theme, Widget};
use kplay_web::link;

const LINKS: &[&str] = &[
    "#run=v1/payments/12000/2000:c3",
    "#run=v1/payments/5000/1200:p,1300:aall,1400:m2,2000:c2,2100:c3,12000:p.user-42",
    "#run=v1/orders/9000/1500:ps,3000:kjava,4000:kpy,5000:n5,6000:lp0,6500:u1,7000:lu1",
    "#run=v1/quorum/20000/1100:cc101,1200:x1c102,1300:xc101c103,1400:ic102,1500:sc103.50,1600:h,1700:rc101",
    "#run=v1/payments/3000/1100:eh42,1200:er42,1300:ed43,1400:kl100,1500:kb16384,1600:ki1,1700:kr3,1800:kf1,1900:kcgzip",
    "#run=v1/groups/8000/1500:p.customer-1,2000:qA,2500:ps",
    "#run=v1/payments/1000/",
];

const LINK_DICT: &[&[u8]] = &[
    b"#run=",
    b"v1/",
    b"v2/",
    b"payments/",
    b"quorum/",
    b"groups/",
    b",",
    b":",
    b"/",
    b"%3A",
    b"%2C",
    b"%ZZ",
    b"%C3",
    b"c101",
    b"cc",
    b"x1c",
    b"p.",
    b"ps",
    b"kjava",
    b"qA",
    b"qZ",
    b"\xe4\xb8\xad",
    b"<script>",
];

/// A decoded link's inputs as codes (every input of a decoded link has one).
fn codes(run: &link::RunLink) -> Vec<(u64, String)> {
    run.inputs
        .iter()
        .map(|(at, c)| {
            (
                *at,
                link::code(c).unwrap_or_else(|| panic!("no code for {c:?}")),
            )
        })
        .collect()
}

#[test]
fn link_decoder_survives_mutations_and_round_trips() {
    let seeds: Vec<Vec<u8>> = LINKS.iter().map(|s| s.as_bytes().to_vec()).collect();
    for s in LINKS {
        link::decode(s).unwrap_or_else(|e| panic!("{s}: {e}"));
    }
    let n = run(
        "link",
        Budget::from_env(30_000),
        &seeds,
        LINK_DICT,
        |bytes| {
            let Ok(text) = std::str::from_utf8(bytes) else {
                return false;
            };
            match link::decode(text) {
                Ok(run) => {
                    assert!(run.at_ms <= link::MAX_MS && run.inputs.len() <= link::MAX_INPUTS);
                    let again = link::encode(run.preset, run.at_ms, &codes(&run));
                    let back = link::decode(&again)
                        .unwrap_or_else(|e| panic!("re-encoded {again} does not decode: {e}"));
                    assert_eq!(back, run, "{text} → {again}");
                    true
                }
                Err(e) => {
                    assert_readable("link", text, &e);
                    false
                }
            }
        },
    );
    assert!(n > 0);
}

const QUERIES: &[&str] = &[
    "?embed=producer&scenario=payments&controls=acks,min.insync.replicas,produce",
    "?embed=cluster&run=v1/payments/12000/2000:c3&readonly=1&autoplay=0",
    "?embed=group&scenario=groups&controls=produce,stream,crash_consumer,time&theme=dark&lang=zh",
    "?embed=lesson&lesson=04-topics-partitions&step=2&speed=0.5",
    "?embed=producer&id=kp-1&origin=https%3A%2F%2Fdocs.example.com&note=Why+**acks%3Dall**",
    "?embed=cluster&scenario=orders&t=15000&speed=10",
    "?embed=lesson&run=v1/04-topics-partitions/7/30000/2000:yok,2500:a1,2600:c2&lang=zh",
];

fn steps(id: &str) -> Option<usize> {
    kplay_web::lessons::find(id).map(|l| l.steps.len())
}

#[test]
fn embed_query_survives_mutations_and_round_trips() {
    let seeds: Vec<Vec<u8>> = QUERIES.iter().map(|s| s.as_bytes().to_vec()).collect();
    for q in QUERIES {
        embed::parse_query(q, steps)
            .unwrap_or_else(|e| panic!("{q}: {e}"))
            .unwrap_or_else(|| panic!("{q}: not an embed"));
    }
    let dict: &[&[u8]] = &[
        b"&",
        b"=",
        b"embed=",
        b"controls=",
        b"acks",
        b",",
        b"%",
        b"%2C",
        b"+",
        b"readonly=",
        b"t=",
        b"run=v1/payments/",
        b"lesson=",
        b"step=",
        b"run=v1/04-topics-partitions/",
        b"embed=lesson",
        b"note=%3Cscript%3E",
        b"origin=javascript:",
    ];
    let n = run(
        "embed-query",
        Budget::from_env(30_000),
        &seeds,
        dict,
        |bytes| {
            let Ok(text) = std::str::from_utf8(bytes) else {
                return false;
            };
            match embed::parse_query(text, steps) {
                Ok(Some(cfg)) => {
                    let q = embed::to_query(&cfg);
                    let back = embed::parse_query(&q, steps)
                        .unwrap_or_else(|e| panic!("{q} does not parse back: {e}"))
                        .expect("still an embed");
                    assert_eq!(back, cfg, "{text} → {q}");
                    true
                }
                Ok(None) => false,
                Err(e) => {
                    assert_readable("embed query", text, &e);
                    false
                }
            }
        },
    );
    assert!(n > 0);
}

#[test]
fn inbound_messages_survive_mutations() {
    let seeds: Vec<Vec<u8>> = [
        r#"{"type":"produce","key":"user-42"}"#,
        r#"{"type":"set","key":"acks","value":"1"}"#,
        r#"{"type":"set","key":"min.insync.replicas","value":2}"#,
        r#"{"type":"advance","ms":10000}"#,
        r#"{"type":"crash-broker","broker":2}"#,
        r#"{"type":"play"}"#,
        r#"{"type":"get-state"}"#,
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    let dict: &[&[u8]] = &[
        b"\"type\"",
        b"\"eval\"",
        b"null",
        b"[]",
        b"{}",
        b"1e999",
        b"-1",
        b"\"__proto__\"",
    ];
    run("inbound", Budget::from_env(30_000), &seeds, dict, |bytes| {
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes) else {
            return false;
        };
        match embed::parse_inbound(&v) {
            Ok(_) => true,
            Err(e) => {
                assert_readable("inbound", &v.to_string(), &e);
                false
            }
        }
    });
}

#[test]
fn tampered_links_say_why() {
    let cases = [
        ("#run=v2/payments/5000/", "newer Kafka Playground"),
        ("#run=v0/payments/5000/", "not a link version"),
        ("#run=v1/payments/50", "4 parts"),
        ("#run=v1/payments/5000/2000:", "no action"),
        (
            "#run=v1/payments/5000/2000:c9",
            "not a broker of this cluster",
        ),
        ("#run=v1/payments/5000/2000:qA", "has no consumers"),
        (
            "#run=v1/groups/5000/2000:qZ",
            "not a consumer of this scenario (A, B, X)",
        ),
        ("#run=v1/payments/99999999/", "beyond 1 hour"),
        ("#run=v1/payments/5000/2000%3Ac2%ZZ", "damaged"),
        ("#run=v1/mars/5000/", "unknown scenario"),
    ];
    for (link, want) in cases {
        let e = link::decode(link).expect_err(link);
        assert!(e.contains(want), "{link}: {e}");
    }
    let long = format!("#run=v1/payments/5000/{}", "2000:p,".repeat(3000));
    let e = link::decode(&long).expect_err("long");
    assert!(e.contains("at most 16384"), "{e}");
    // %-escaped by a chat tool: still the same run.
    assert_eq!(
        link::decode("#run=v1/payments/12000/2000%3Ac3").unwrap(),
        link::decode("#run=v1/payments/12000/2000:c3").unwrap()
    );
}

#[test]
fn embed_parameters_are_strict() {
    let err = |q: &str| embed::parse_query(q, steps).expect_err(q);
    assert!(err("?embed=chart").contains("not a widget"));
    assert!(err("?embed=producer&controls=acks,eval").contains("“eval” is not a control"));
    assert!(err("?embed=producer&colour=red").contains("unknown parameter “colour”"));
    assert!(err("?embed=producer&acks=1").contains("unknown parameter “acks”"));
    assert!(err("?embed=producer&theme=dark&theme=light").contains("given twice"));
    assert!(err("?embed=producer&speed=1000").contains("0.001 to 100"));
    assert!(err("?embed=producer&origin=javascript:alert(1)").contains("origin"));
    assert!(err("?embed=lesson").contains("needs lesson="));
    assert!(err("?embed=lesson&lesson=nope").contains("no lesson “nope”"));
    assert!(err("?embed=lesson&lesson=04-topics-partitions&step=99").contains("step is 1"));
    assert!(
        err("?embed=cluster&run=v1/payments/5000/2000:c9").contains("run link cannot be opened")
    );
    assert!(err(&format!("?embed=producer&note={}", "x".repeat(700))).contains("longer than 600"));

    let c = embed::parse_query("?embed=producer&controls=acks,min.insync.replicas", steps)
        .unwrap()
        .unwrap();
    assert_eq!(c.widget, Widget::Producer);
    assert_eq!(c.preset, Preset::Payments);
    assert_eq!(c.controls, vec![Control::Acks, Control::MinIsr]);
    assert!(c.allows(Control::Acks) && !c.allows(Control::Produce));
    assert!(c.autoplay && c.theme == Theme::Auto);
    let ro = embed::parse_query("?embed=cluster&readonly=1", steps)
        .unwrap()
        .unwrap();
    assert!(ro.controls.is_empty() && !ro.allows(Control::Time));
    assert!(ro.broker_actions().is_empty());
    // The run's scenario is the widget's; a different scenario= is refused.
    let r = embed::parse_query("?embed=cluster&run=v1/orders/9000/", steps)
        .unwrap()
        .unwrap();
    assert_eq!(r.preset, Preset::Orders);
    assert!(err("?embed=cluster&scenario=payments&run=v1/orders/9000/").contains("orders run"));
    // Not an embed at all.
    assert_eq!(embed::parse_query("?preset=orders", steps), Ok(None));
}

#[test]
fn inbound_messages_are_strict() {
    let parse = |s: &str| embed::parse_inbound(&serde_json::from_str(s).unwrap());
    assert_eq!(
        parse(r#"{"type":"produce"}"#),
        Ok(Inbound::Produce { key: None })
    );
    assert_eq!(
        parse(r#"{"type":"set","key":"acks","value":"-1"}"#),
        Ok(Inbound::Set {
            key: "acks".into(),
            value: "all".into()
        })
    );
    assert_eq!(
        parse(r#"{"type":"advance","ms":10000}"#),
        Ok(Inbound::Advance { ms: 10_000 })
    );
    for (msg, want) in [
        (
            r#"{"type":"eval","code":"alert(1)"}"#,
            "unknown message type “eval”",
        ),
        (r#"{"type":"produce","key":"<b>"}"#, "key is up to 40"),
        (
            r#"{"type":"produce","value":"x"}"#,
            "unexpected field “value”",
        ),
        (
            r#"{"type":"set","key":"retries","value":"1"}"#,
            "acks or min.insync.replicas",
        ),
        (
            r#"{"type":"set","key":"acks","value":"2"}"#,
            "not a value of acks",
        ),
        (r#"{"type":"advance","ms":0}"#, "ms is a whole number"),
        (
            r#"{"type":"crash-broker","broker":9}"#,
            "broker is 1, 2 or 3",
        ),
        (r#"{"type":"play","x":1}"#, "unexpected field"),
        (r#""produce""#, "an object"),
        (r#"{"kind":"produce"}"#, "string type"),
    ] {
        let e = parse(msg).expect_err(msg);
        assert!(e.contains(want), "{msg}: {e}");
    }
    // The widget's controls decide what a valid message may do.
    assert_eq!(
        Inbound::Set {
            key: "acks".into(),
            value: "1".into()
        }
        .needs(),
        Some(Control::Acks)
    );
    assert_eq!(Inbound::Pause.needs(), None);
}

#[test]
fn outbound_messages_follow_the_schema() {
    let w = Outbound::Write {
        succeeded: false,
        topic: "payments".into(),
        partition: 0,
        acks: "all".into(),
        offset: None,
        error: Some("NOT_ENOUGH_REPLICAS".into()),
        message: Some("x".into()),
        latency_ms: 3,
        at_ms: 12_000,
    }
    .to_json("kp-1");
    assert_eq!(w["source"], "kafka-playground");
    assert_eq!(w["version"], 1);
    assert_eq!(w["id"], "kp-1");
    assert_eq!(w["type"], "write");
    assert_eq!(w["outcome"], "failed");
    assert_eq!(w["error"], "NOT_ENOUGH_REPLICAS");
    assert!(w["offset"].is_null());
    let g = Outbound::Goal {
        lesson: "04".into(),
        step: 1,
        goal: "g".into(),
        text: "t".into(),
    }
    .to_json("");
    assert_eq!(g["step"], 2, "steps are 1-based in messages, like step=");
}

/// Lesson links (`#lesson=v1/…`): one of every kind of input, a `j…` command, a start step, an
/// empty run; from two lessons.
const LESSON_LINKS: &[&str] = &[
    "#lesson=v1/04-topics-partitions/1/30000/2500:g6,2600:c3,13000:jeyJjb21tYW5kIjoicHJvZHVjZSIsInByb2R1Y2VyIjoiYXBwIiwidG9waWMiOiJwYXltZW50cyIsImtleSI6InVzZXIgMSIsInZhbHVlIjoiaGVsbG8ifQ,13700:g7,13900:yok,14200:a1,14200:c2,24200:z",
    "#lesson=v1/04-topics-partitions/7/0/",
    "#lesson=v1/04-topics-partitions/9/5000/2000:z,2100:g2,2200:ynope",
    "#lesson=v1/02-versions-kraft/4/9000/2000:cc101,2100:rc101,2200:g5",
    "#lesson=v1/03-configuration/1/1000/",
];

const LESSON_DICT: &[&[u8]] = &[
    b"#lesson=",
    b"v1/",
    b"v2/",
    b"04-topics-partitions/",
    b"/7/",
    b",",
    b":",
    b"/",
    b"%3A",
    b"%2C",
    b"%ZZ",
    b"g1",
    b"g10",
    b"yok",
    b"yner",
    b"z",
    b"j",
    b"eyJjb21tYW5kIjoi",
    b"c3",
    b"a1",
    b"\xe4\xb8\xad",
    b"<script>",
];

/// The 中文 reason is as readable as the English one (and is 中文).
fn assert_readable_both(text: &str, e: &link::lesson::LinkError) {
    assert_readable("lesson link", text, &e.en);
    assert_readable("lesson link (zh)", text, &e.zh);
    assert!(
        e.zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "{text}: the 中文 reason has no 中文: {}",
        e.zh
    );
}

#[test]
fn lesson_link_decoder_survives_mutations_and_round_trips() {
    let find = kplay_web::lessons::find;
    let seeds: Vec<Vec<u8>> = LESSON_LINKS.iter().map(|s| s.as_bytes().to_vec()).collect();
    let n = run(
        "lesson-link",
        Budget::from_env(30_000),
        &seeds,
        LESSON_DICT,
        |bytes| {
            let Ok(text) = std::str::from_utf8(bytes) else {
                return false;
            };
            match link::lesson::decode(text, find) {
                Ok(l) => {
                    assert!(l.at_ms <= link::MAX_MS && l.inputs.len() <= link::MAX_INPUTS);
                    let lesson = find(&l.lesson).expect("a decoded lesson exists");
                    assert!(l.step < lesson.steps.len() && l.current_step() < lesson.steps.len());
                    // Re-encoding may only fail on length (a `j…` form is longer than the
                    // short code it replaces only for inputs that had none).
                    match link::lesson::encode(lesson, l.step, l.at_ms, &l.inputs) {
                        Ok(again) => {
                            let back = link::lesson::decode(&again, find).unwrap_or_else(|e| {
                                panic!("re-encoded {again} does not decode: {e}")
                            });
                            assert_eq!(back, l, "{text} → {again}");
                        }
                        Err(e) => assert_readable_both(text, &e),
                    }
                    true
                }
                Err(e) => {
                    assert_readable_both(text, &e);
                    false
                }
            }
        },
    );
    assert!(n > 0);
}
