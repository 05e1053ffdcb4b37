//! Golden trace tests: every scenario under `tests/scenarios/` and `lessons/scenarios/` is replayed
//! and its readable trace (exactly what `kplay run FILE` prints) is compared with the `.trace`
//! file next to it. After an intended change, re-bless with
//!
//! ```text
//! BLESS=1 cargo test -p kplay-tests --test golden
//! ```
//!
//! and read the diff of the `.trace` files before committing: the traces are the story each
//! scenario tells, so a changed trace is a changed story.
//!
//! Also checked here: determinism (two runs, and a replay of `Scenario::inputs()` on a fresh
//! cluster, give the same trace hash), the hash the browser test compares against
//! (`tests/golden/notes-min-isr.hash`), the exact error of every malformed scenario (its `.err`
//! file, written by hand and never blessed, because it pins the line and column an error points
//! at), and a few story checks that must hold whatever the exact trace looks like.

use kplay_engine::scenario::{self, ProduceSummary, Run, Scenario};
use kplay_engine::{Cluster, EventKind};
use std::path::{Path, PathBuf};

/// The repository root (this crate lives in `<root>/tests`).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

fn bless() -> bool {
    std::env::var_os("BLESS").is_some_and(|v| v != "0" && !v.is_empty())
}

/// `*.toml` files directly in `dir` (relative to the root), sorted so failures are reported in a
/// stable order.
fn toml_files(dir: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    out.retain(|p| p.extension().is_some_and(|e| e == "toml"));
    out.sort();
    out
}

/// The file name as errors and traces show it: relative to the repository root, `/`-separated,
/// so it matches what `kplay check tests/scenarios/…` prints from the root.
fn rel(path: &Path) -> String {
    let r = path.strip_prefix(root()).unwrap_or(path);
    r.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn scenario_files() -> Vec<PathBuf> {
    let mut files = toml_files("tests/scenarios");
    files.extend(toml_files("lessons/scenarios"));
    assert!(
        files.len() >= 5,
        "expected the scenario files, found {files:?}"
    );
    files
}

fn load(path: &Path) -> Scenario {
    let src = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    scenario::parse(&src, &rel(path)).unwrap_or_else(|e| panic!("{e}"))
}

fn run(s: &Scenario) -> Run {
    s.run().unwrap_or_else(|e| panic!("{e}"))
}

/// A short unified-style diff: the lines around the first difference, `-` expected, `+` actual.
fn short_diff(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    let prefix = e.iter().zip(&a).take_while(|(x, y)| x == y).count();
    let suffix = e[prefix..]
        .iter()
        .rev()
        .zip(a[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (e_mid, a_mid) = (&e[prefix..e.len() - suffix], &a[prefix..a.len() - suffix]);
    const CONTEXT: usize = 3;
    const MAX: usize = 25;
    let mut out = format!(
        "@@ -{},{} +{},{} @@\n",
        prefix + 1,
        e_mid.len(),
        prefix + 1,
        a_mid.len()
    );
    for l in &e[prefix.saturating_sub(CONTEXT)..prefix] {
        out.push_str(&format!(" {l}\n"));
    }
    for l in e_mid.iter().take(MAX) {
        out.push_str(&format!("-{l}\n"));
    }
    if e_mid.len() > MAX {
        out.push_str(&format!("-… {} more\n", e_mid.len() - MAX));
    }
    for l in a_mid.iter().take(MAX) {
        out.push_str(&format!("+{l}\n"));
    }
    if a_mid.len() > MAX {
        out.push_str(&format!("+… {} more\n", a_mid.len() - MAX));
    }
    out
}

/// Compares `actual` with the file at `path`, or rewrites it under BLESS. Returns a failure
/// message instead of panicking so every mismatching file is reported in one run.
fn check_golden(path: &Path, actual: &str) -> Option<String> {
    if bless() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("create golden dir");
        }
        std::fs::write(path, actual).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        return None;
    }
    match std::fs::read_to_string(path) {
        Err(_) => Some(format!("{} is missing; create it with BLESS=1", rel(path))),
        Ok(expected) if expected == actual => None,
        Ok(expected) => Some(format!(
            "{} differs (re-bless with BLESS=1 if the change is intended):\n{}",
            rel(path),
            short_diff(&expected, actual)
        )),
    }
}

#[test]
fn golden_traces() {
    let mut failures = Vec::new();
    for path in scenario_files() {
        let s = load(&path);
        let text = run(&s).render_text();
        failures.extend(check_golden(&path.with_extension("trace"), &text));
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_scenario_is_deterministic() {
    for path in scenario_files() {
        let s = load(&path);
        let (a, b) = (run(&s), run(&s));
        assert_eq!(
            a.trace_hash(),
            b.trace_hash(),
            "{}: two runs differ",
            rel(&path)
        );
        assert_eq!(
            a.render_text(),
            b.render_text(),
            "{}: two runs render differently",
            rel(&path)
        );
        // The engine's own hash must cover exactly the events `step` returned.
        let returned = kplay_engine::trace_hash(a.events());
        assert_eq!(
            a.trace_hash(),
            returned,
            "{}: Cluster::trace_hash != hash of returned events",
            rel(&path)
        );
        // The browser replays `inputs()` on a fresh cluster; it must land on the same hash.
        let mut c = Cluster::new(&s.cluster).expect("valid cluster");
        for input in s.inputs() {
            c.step(input);
        }
        assert_eq!(
            c.trace_hash(),
            a.trace_hash(),
            "{}: inputs() replay differs from run()",
            rel(&path)
        );
    }
}

/// The hash the browser's wasm build must reproduce for the notes' example.
#[test]
fn notes_min_isr_hash() {
    let s = load(&root().join("lessons/scenarios/notes-min-isr.toml"));
    let hash = format!("{}\n", run(&s).trace_hash_hex());
    let path = root().join("tests/golden/notes-min-isr.hash");
    if let Some(f) = check_golden(&path, &hash) {
        panic!("{f}");
    }
}

#[test]
fn malformed_scenarios_fail_at_the_right_place() {
    let files = toml_files("tests/scenarios/malformed");
    assert!(
        files.len() >= 5,
        "expected malformed scenarios, found {files:?}"
    );
    let mut failures = Vec::new();
    for path in files {
        let src = std::fs::read_to_string(&path).expect("read malformed scenario");
        let err_path = path.with_extension("err");
        let expected = std::fs::read_to_string(&err_path)
            .unwrap_or_else(|_| panic!("{} needs a hand-written {}", rel(&path), rel(&err_path)));
        let actual = match scenario::parse(&src, &rel(&path)) {
            Ok(_) => "(parsed without error)".to_string(),
            Err(e) => e.to_string(),
        };
        if actual != expected.trim_end() {
            failures.push(format!(
                "{}:\n  expected {}\n  actual   {actual}",
                rel(&path),
                expected.trim_end()
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Mutates every scenario file (each prefix; each line dropped or duplicated; each byte
/// replaced by a character that upsets TOML): `parse` must never panic and every error must
/// point at a real line.
#[test]
fn parse_never_panics_on_broken_files() {
    let mut files = scenario_files();
    files.extend(toml_files("tests/scenarios/malformed"));
    for path in files {
        let src = std::fs::read_to_string(&path).expect("read scenario");
        let lines: Vec<&str> = src.lines().collect();
        let mut cases: Vec<String> = Vec::new();
        for (i, _) in src.char_indices() {
            cases.push(src[..i].to_string());
            let next = src[i..].chars().next().map_or(i, |c| i + c.len_utf8());
            for c in ["", "\"", "]", "=", "\n", "-1", "x", "{"] {
                cases.push(format!("{}{c}{}", &src[..i], &src[next..]));
            }
        }
        for i in 0..lines.len() {
            let mut dropped = lines.clone();
            dropped.remove(i);
            cases.push(dropped.join("\n"));
            let mut dup = lines.clone();
            dup.insert(i, lines[i]);
            cases.push(dup.join("\n"));
        }
        for case in &cases {
            let result = std::panic::catch_unwind(|| scenario::parse(case, "m.toml"));
            match result {
                Err(_) => panic!("{}: parse panicked on:\n{case}", rel(&path)),
                Ok(Err(e)) => {
                    let max_line = case.lines().count() + 1;
                    assert!(
                        e.line >= 1 && e.line <= max_line && e.column >= 1,
                        "{}: bad position {e}",
                        rel(&path)
                    );
                }
                Ok(Ok(_)) => {}
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Story checks: what each scenario is about, asserted on outcomes rather than on exact lines, so
// a re-bless cannot silently turn a scenario into one that no longer shows its point.
// ---------------------------------------------------------------------------------------------

fn load_rel(rel_path: &str) -> Run {
    run(&load(&root().join(rel_path)))
}

/// Each produce's result as `OK` or the Kafka error name, in produce order.
fn outcomes(produces: &[ProduceSummary]) -> Vec<String> {
    produces
        .iter()
        .map(|p| match p.status {
            "ok" => "OK".to_string(),
            "error" => p.error.clone().unwrap_or_default(),
            other => other.to_string(),
        })
        .collect()
}

#[test]
fn story_notes_min_isr() {
    let r = load_rel("lessons/scenarios/notes-min-isr.toml");
    let p = r.produces();
    // acks=all OK; one broker down: OK; two down: NOT_ENOUGH_REPLICAS; acks=1: OK; all back: OK.
    assert_eq!(
        outcomes(&p),
        ["OK", "OK", "NOT_ENOUGH_REPLICAS", "OK", "OK"],
        "{p:#?}"
    );
    // Rejected before append: the leader logged ProduceRejected and appended nothing for it.
    assert!(r
        .events()
        .any(|e| matches!(e.kind, EventKind::ProduceRejected { .. })));
    let snap = r.cluster.snapshot();
    let part = &snap.topics[0].partitions[0];
    assert_eq!(
        part.isr.len(),
        3,
        "everyone back in the ISR at the end: {part:#?}"
    );
    // order-1, order-2, order-4, order-5 are in the log; order-3 never was.
    assert_eq!(part.high_watermark.map(|o| o.0), Some(4), "{part:#?}");
}

#[test]
fn story_acks_0_1_all() {
    let r = load_rel("tests/scenarios/acks-0-1-all.toml");
    let p = r.produces();
    assert!(p.len() >= 3, "{p:#?}");
    for x in &p {
        assert_eq!(x.status, "ok", "{x:#?}");
    }
    let acks0: Vec<_> = p
        .iter()
        .filter(|x| x.acks.map(|a| a.to_string()).as_deref() == Some("0"))
        .collect();
    assert!(
        !acks0.is_empty() && acks0.iter().all(|x| x.offset == Some(-1)),
        "acks=0 answers offset -1: {acks0:#?}"
    );
    // acks=all waits for the followers, so it cannot be faster than acks=1 to the same leader.
    let lat = |a: &str| {
        p.iter()
            .find(|x| x.acks.map(|k| k.to_string()).as_deref() == Some(a))
            .and_then(|x| x.latency_ms)
    };
    assert!(
        lat("all") >= lat("1"),
        "acks=all {:?} vs acks=1 {:?}",
        lat("all"),
        lat("1")
    );
}

#[test]
fn story_leader_failover() {
    let r = load_rel("tests/scenarios/leader-failover.toml");
    let leaders: Vec<(Option<u32>, u32)> = r
        .events()
        .filter_map(|e| match &e.kind {
            EventKind::PartitionChanged {
                leader,
                leader_epoch,
                ..
            } => Some((leader.map(|b| b.0), leader_epoch.0)),
            _ => None,
        })
        .collect();
    let first = leaders.first().copied().expect("a first leader");
    let new = leaders
        .iter()
        .find(|(l, _)| l.is_some() && *l != first.0)
        .copied();
    let (new_leader, epoch) =
        new.unwrap_or_else(|| panic!("no new leader was elected: {leaders:?}"));
    assert!(epoch > first.1, "leader epoch must be bumped: {leaders:?}");
    assert!(new_leader.is_some());
    assert!(
        r.produces().iter().all(|x| x.status == "ok"),
        "{:#?}",
        r.produces()
    );
}

#[test]
fn story_restart_catch_up() {
    let r = load_rel("tests/scenarios/restart-catch-up.toml");
    // The old leader comes back with a record nobody else has and cuts it off (KIP-101).
    let truncated = r
        .events()
        .any(|e| matches!(e.kind, EventKind::Truncated { lost: 1, .. }));
    assert!(
        truncated,
        "the restarted replica truncates its unreplicated record"
    );
    // acks=1 data loss: k2 and k3 were both acknowledged at offset 1; only k3 survives.
    let p = r.produces();
    let offsets: Vec<Option<i64>> = p.iter().map(|x| x.offset).collect();
    assert_eq!(offsets, [Some(0), Some(1), Some(1)], "{p:#?}");
    let snap = r.cluster.snapshot();
    let part = &snap.topics[0].partitions[0];
    assert_eq!(
        part.isr.len(),
        part.replicas.len(),
        "rejoined the ISR: {part:#?}"
    );
    let leos: Vec<u64> = part
        .replica_states
        .iter()
        .map(|x| x.log_end_offset.0)
        .collect();
    assert!(leos.windows(2).all(|w| w[0] == w[1]), "caught up: {leos:?}");
}

#[test]
fn story_isr_shrink_expand() {
    let r = load_rel("tests/scenarios/isr-shrink-expand.toml");
    let isr_sizes: Vec<usize> = r
        .events()
        .filter_map(|e| match &e.kind {
            EventKind::PartitionChanged { isr, .. } => Some(isr.len()),
            _ => None,
        })
        .collect();
    let min = isr_sizes.iter().copied().min().unwrap_or(0);
    assert!(min < 3, "ISR shrinks: {isr_sizes:?}");
    assert_eq!(
        isr_sizes.last(),
        Some(&3),
        "ISR expands back: {isr_sizes:?}"
    );
    assert!(
        r.events()
            .any(|e| matches!(e.kind, EventKind::AlterPartitionSent { .. })),
        "the leader asks via AlterPartition"
    );
}

#[test]
fn story_acks_all_timeout() {
    let r = load_rel("tests/scenarios/acks-all-timeout.toml");
    let p = r.produces();
    assert_eq!(outcomes(&p), ["REQUEST_TIMED_OUT"], "{p:#?}");
    // Appended before the ISR shrank: no ProduceRejected, and the record is in the log.
    assert!(!r
        .events()
        .any(|e| matches!(e.kind, EventKind::ProduceRejected { .. })));
    let snap = r.cluster.snapshot();
    let part = &snap.topics[0].partitions[0];
    // A timed-out write is not an undone write: once the ISR is back to 2 the HW passes it.
    assert_eq!(part.high_watermark.map(|o| o.0), Some(1), "{part:#?}");
}
