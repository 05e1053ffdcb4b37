//! Fuzzing the scenario and lesson parsers (issue #8): a seeded mutation fuzzer
//! (`fuzz_mutator.rs`) grows inputs from every scenario and lesson in the repository, and every
//! input must give `Ok` or an error with a real position and a readable reason — never a panic.
//!
//!   cargo test -p kplay-tests --test fuzz                               # CI: a bounded run
//!   KPLAY_FUZZ_SECS=600 cargo test --release -p kplay-tests --test fuzz -- --nocapture   # longer
//!   KPLAY_FUZZ_SEED=7 KPLAY_FUZZ_ITERS=100000 cargo test -p kplay-tests --test fuzz     # another seed

#[path = "fuzz_mutator.rs"]
mod fuzz_mutator;

use fuzz_mutator::{assert_readable, run, Budget};
use kplay_engine::{lesson, scenario};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every `*.toml` under a folder (not recursive).
fn tomls(dir: &str) -> Vec<Vec<u8>> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(root().join(dir))
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .filter_map(|p| Some((p.display().to_string(), std::fs::read(&p).ok()?)))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out.into_iter().map(|(_, b)| b).collect()
}

const DICT: &[&[u8]] = &[
    b"[[step]]\n",
    b"[cluster]\n",
    b"[[topics]]\n",
    b"[[producers]]\n",
    b"[[consumers]]\n",
    b"action = \"produce\"\n",
    b"action = \"crash_broker\"\n",
    b"at_ms = ",
    b"run_ms = ",
    b"\"min.insync.replicas\" = ",
    b"acks = \"all\"",
    b"brokers = [1, 2, 3]",
    b"\"\"\"",
    b"= { ",
    b" }",
    b"[[steps]]\n",
    b"[[steps.goals]]\n",
    b"predicate = ",
    b"zh = \"",
    b"en = \"",
    b"<script>alert(1)</script>",
    b"[x](javascript:alert(1))",
    b"\xe4\xb8\xad",
];

/// Scenario files: `scenario::parse` never panics; an error names a line and column inside the
/// input and says why.
#[test]
fn scenario_parser_survives_mutations() {
    let mut seeds = tomls("tests/scenarios");
    seeds.extend(tomls("tests/scenarios/malformed"));
    seeds.extend(tomls("lessons/scenarios"));
    assert!(seeds.len() > 10, "the scenario corpus is missing");
    let n = run(
        "scenario",
        Budget::from_env(20_000),
        &seeds,
        DICT,
        |bytes| {
            let Ok(text) = std::str::from_utf8(bytes) else {
                return false;
            };
            match scenario::parse(text, "fuzz.toml") {
                Ok(_) => true,
                Err(e) => {
                    let lines = text.lines().count().max(1) + 1;
                    assert!(
                        e.line >= 1 && e.line <= lines,
                        "line {} of {lines}: {e}",
                        e.line
                    );
                    assert!(e.column >= 1, "column 0: {e}");
                    assert_readable("scenario", text, &e.reason);
                    false
                }
            }
        },
    );
    assert!(n > 0);
}

/// Lesson files (and the scenario they load): the same rules.
#[test]
fn lesson_parser_survives_mutations() {
    let mut seeds = tomls("lessons");
    seeds.extend(tomls("tests/lessons/malformed"));
    assert!(seeds.len() > 5, "the lesson corpus is missing");
    let dir = root().join("lessons");
    let loader = move |rel: &str| -> Result<(String, String), String> {
        // Only the bundled scenario folder; a mutated path must not read anything else.
        if rel.contains("..") || rel.starts_with('/') {
            return Err(format!("{rel}: not a lesson scenario path"));
        }
        std::fs::read_to_string(dir.join(rel))
            .map(|t| (rel.to_string(), t))
            .map_err(|e| format!("cannot read {rel}: {e}"))
    };
    let n = run("lesson", Budget::from_env(4_000), &seeds, DICT, |bytes| {
        let Ok(text) = std::str::from_utf8(bytes) else {
            return false;
        };
        match lesson::parse(text, "fuzz.toml", &loader) {
            Ok(_) => true,
            Err(e) => {
                assert!(e.line >= 1 && e.column >= 1, "no position: {e}");
                assert_readable("lesson", text, &e.reason);
                false
            }
        }
    });
    assert!(n > 0);
}
