//! The `kplay` binary: exit codes, stderr format, JSON shape.

use std::process::Command;

fn kplay(args: &[&str]) -> (i32, String, String) {
    // Run from the workspace root so the paths below resolve.
    let out = Command::new(env!("CARGO_BIN_EXE_kplay"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("kplay runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn run_prints_the_notes_story() {
    let (code, out, err) = kplay(&["run", "lessons/scenarios/notes-min-isr.toml"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("FAILED NOT_ENOUGH_REPLICAS"), "{out}");
    assert!(
        out.contains("== produces: 5 sent, 4 ok, 1 failed, 0 pending"),
        "{out}"
    );
    assert!(out.contains("trace_hash: "));
}

#[test]
fn json_has_produces_partitions_and_events() {
    let (code, out, err) = kplay(&["run", "lessons/scenarios/notes-min-isr.toml", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    let produces = v["produces"].as_array().expect("produces array");
    assert_eq!(produces.len(), 5);
    assert_eq!(
        produces[2]["error"], "NOT_ENOUGH_REPLICAS",
        "{}",
        produces[2]
    );
    assert_eq!(produces[0]["offset"], 0);
    let parts = v["partitions"].as_array().expect("partitions array");
    assert_eq!(parts[0]["high_watermark"], 4, "{}", parts[0]);
    assert!(v["events"].as_array().is_some_and(|e| e.len() > 20));
    let hash = kplay(&["hash", "lessons/scenarios/notes-min-isr.toml"]).1;
    assert_eq!(v["trace_hash"].as_str().map(str::trim), Some(hash.trim()));
}

#[test]
fn bad_input_exits_2_with_file_line_col() {
    let (code, out, err) = kplay(&["check", "tests/scenarios/malformed/bad-min-isr.toml"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    let expected = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/scenarios/malformed/bad-min-isr.err"
    ))
    .unwrap();
    assert_eq!(err.trim(), expected.trim());
    let (code, _, err) = kplay(&["run", "no/such/file.toml"]);
    assert_eq!(code, 2);
    assert!(err.contains("no/such/file.toml"), "{err}");
    let (code, _, err) = kplay(&["frobnicate"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn help_exits_0() {
    let (code, out, _) = kplay(&["--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("kplay run FILE"));
}

#[test]
fn lesson_check_and_solve() {
    let (code, out, err) = kplay(&["lesson", "check", "lessons/04-topics-partitions.toml"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("lessons/04-topics-partitions.toml: ok — 四 "),
        "{out}"
    );

    let (code, out, err) = kplay(&["lesson", "solve", "lessons/04-topics-partitions.toml"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("  ✓ partition payments-0 ISR = {1,2}"),
        "{out}"
    );
    assert!(out.contains("    → partition 1\n"), "{out}");
    assert!(out.trim_end().ends_with("solved"), "{out}");
    assert!(!out.contains('✗'), "{out}");

    let (code, out, _) = kplay(&[
        "lesson",
        "solve",
        "lessons/05-producers.toml",
        "--lang",
        "zh",
    ]);
    assert_eq!(code, 0);
    assert!(
        out.contains("✓ 一条 acks=1 的已确认写入从 topic metrics 的 leader 日志中消失"),
        "{out}"
    );

    let (code, out, err) = kplay(&[
        "lesson",
        "check",
        "tests/lessons/malformed/unknown-control.toml",
    ]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.starts_with(
            "tests/lessons/malformed/unknown-control.toml:28:24: unknown control 'ack'"
        ),
        "{err}"
    );

    let (code, _, err) = kplay(&["lesson", "grade", "x.toml"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown lesson command 'grade'"), "{err}");
}
