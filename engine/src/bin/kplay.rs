//! `kplay` — run Kafka Playground scenario files from the command line.
//!
//! ```text
//! kplay run FILE [--json]   replay a scenario and print its trace (or a JSON document)
//! kplay check FILE          validate a scenario without running it
//! kplay hash FILE           print only the trace hash (hex)
//! kplay batching            the batch.size × linger.ms experiment (a table)
//! kplay compose FILE        docker-compose (apache/kafka, KRaft) + kafka-topics.sh for a scenario
//! kplay lesson check FILE   validate a lesson (docs/lesson-format.md)
//! kplay lesson solve FILE   replay a lesson's reference solutions, print each goal ✓/✗
//! kplay --help
//! ```
//!
//! Exit codes: 0 success, 1 an engine invariant broke (a bug in the simulation), 2 bad input
//! (usage, unreadable file, or an invalid scenario). Errors go to stderr as `file:line:col: reason`.
//! Arguments are parsed by hand: the CLI is small and the engine crate keeps its dependencies
//! to serde, serde_json and toml.

use kplay_engine::scenario::{self, Run, RunErrorKind};
use std::io::Write;
use std::process::ExitCode;

const USAGE: &str = "\
kplay — replay Kafka Playground scenario files

Usage:
  kplay run FILE [--json]   Replay FILE; print the trace (event lines, final partition state,
                            produce summary), or with --json a JSON document (docs/kplay-json.md)
  kplay check FILE          Validate FILE only (syntax, keys, Kafka config values, references)
  kplay hash FILE           Replay FILE and print its trace hash (16 hex digits)
  kplay batching            Throughput vs latency for batch.size x linger.ms: 3 brokers, 6
                            partitions, acks=all, 20 keyed records of 100 B per ms for 1 s
  kplay compose FILE        Print a docker-compose.yml for apache/kafka in KRaft mode that mirrors
                            FILE's cluster, and the kafka-topics.sh commands for its topics
  kplay lesson check FILE [--lang zh|en]
                            Validate a lesson file (format, locales, steps, goals, refusals)
  kplay lesson solve FILE [--lang zh|en]
                            Replay the lesson's demos, predictions and reference solutions on a
                            fresh cluster; print every goal ✓/✗ and every prediction's answer
  kplay --help              Show this help

The scenario format is described in docs/scenario-format.md.

Exit codes: 0 ok, 1 an engine invariant was violated, 2 bad usage or an invalid scenario.
Errors are printed to stderr as FILE:LINE:COL: REASON.
";

/// What the user asked for.
enum Cmd {
    Help,
    Run {
        file: String,
        json: bool,
    },
    Check {
        file: String,
    },
    Compose {
        file: String,
    },
    Hash {
        file: String,
    },
    Batching,
    Lesson {
        solve: bool,
        file: String,
        lang: String,
    },
}

/// Exit code for bad input (usage errors, unreadable or invalid scenario files).
const EXIT_BAD_INPUT: u8 = 2;
/// Exit code for a broken engine invariant: the input was fine, the simulation is wrong.
const EXIT_INVARIANT: u8 = 1;

fn parse_args(args: &[String]) -> Result<Cmd, String> {
    if args.iter().any(|a| a == "--help" || a == "-h")
        || args.first().map(String::as_str) == Some("help")
    {
        return Ok(Cmd::Help);
    }
    let Some((sub, rest)) = args.split_first() else {
        return Err("missing command".to_string());
    };
    if sub == "batching" {
        return if rest.is_empty() {
            Ok(Cmd::Batching)
        } else {
            Err("'batching' takes no arguments".to_string())
        };
    }
    if sub == "lesson" {
        return parse_lesson_args(rest);
    }
    let mut json = false;
    let mut files = Vec::new();
    for a in rest {
        match a.as_str() {
            "--json" => json = true,
            s if s.starts_with('-') && s != "-" => return Err(format!("unknown option '{s}'")),
            s => files.push(s.to_string()),
        }
    }
    let file = match files.as_slice() {
        [f] => f.clone(),
        [] => return Err(format!("'{sub}' needs a scenario FILE")),
        _ => return Err(format!("'{sub}' takes exactly one FILE")),
    };
    match sub.as_str() {
        "run" => Ok(Cmd::Run { file, json }),
        "check" if !json => Ok(Cmd::Check { file }),
        "compose" if !json => Ok(Cmd::Compose { file }),
        "hash" if !json => Ok(Cmd::Hash { file }),
        "check" | "hash" | "compose" => Err(format!("'{sub}' does not take --json")),
        other => Err(format!("unknown command '{other}'")),
    }
}

fn parse_lesson_args(rest: &[String]) -> Result<Cmd, String> {
    let Some((what, rest)) = rest.split_first() else {
        return Err("'lesson' needs 'check' or 'solve'".to_string());
    };
    let solve = match what.as_str() {
        "check" => false,
        "solve" => true,
        other => return Err(format!("unknown lesson command '{other}' (check, solve)")),
    };
    let mut lang = "en".to_string();
    let mut files = Vec::new();
    let mut it = rest.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--lang" => match it.next().map(String::as_str) {
                Some(l @ ("zh" | "en")) => lang = l.to_string(),
                _ => return Err("--lang takes zh or en".to_string()),
            },
            s if s.starts_with('-') => return Err(format!("unknown option '{s}'")),
            s => files.push(s.to_string()),
        }
    }
    match files.as_slice() {
        [f] => Ok(Cmd::Lesson {
            solve,
            file: f.clone(),
            lang,
        }),
        _ => Err("'lesson' takes exactly one lesson FILE".to_string()),
    }
}

/// Reads a lesson and the scenario files it names (relative to the lesson's folder).
fn load_lesson(file: &str) -> Result<kplay_engine::lesson::Lesson, String> {
    let src =
        std::fs::read_to_string(file).map_err(|e| format!("{file}:1:1: cannot read file: {e}"))?;
    let dir = std::path::Path::new(file)
        .parent()
        .map(|p| p.to_path_buf())
        .unwrap_or_default();
    let loader = |rel: &str| -> Result<(String, String), String> {
        let path = dir.join(rel);
        let shown = normalise(&path);
        std::fs::read_to_string(&path)
            .map(|t| (shown.clone(), t))
            .map_err(|e| format!("cannot read {shown}: {e}"))
    };
    kplay_engine::lesson::parse(&src, file, &loader).map_err(|e| e.to_string())
}

/// `a/b/../c` → `a/c` (lexically), so error messages name files the way a reader would.
fn normalise(p: &std::path::Path) -> String {
    let mut out: Vec<String> = Vec::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir if out.last().is_some_and(|l| l != "..") => {
                out.pop();
            }
            other => out.push(other.as_os_str().to_string_lossy().into_owned()),
        }
    }
    out.join("/")
}

fn lesson_cmd(solve: bool, file: &str, lang: &str) -> ExitCode {
    let lesson = match load_lesson(file) {
        Ok(l) => l,
        Err(e) => {
            err(&e);
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    if !solve {
        let goals = lesson.all_goals().count();
        out(&format!(
            "{file}: ok — {} {} — {} steps, {goals} goals, {} questions, {} challenges\n",
            lesson.section_numeral(),
            lesson.title.get(lang),
            lesson.steps.len(),
            lesson.questions.len(),
            lesson.challenges.len()
        ));
        return ExitCode::SUCCESS;
    }
    let report = match kplay_engine::lesson::solve(&lesson) {
        Ok(r) => r,
        Err(e) => {
            err(&format!("{file}:1:1: {e}"));
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let mut text = format!(
        "{} {} ({})\n",
        lesson.section_numeral(),
        lesson.title.get(lang),
        lesson.id
    );
    let mark = |m: bool| if m { "✓" } else { "✗" };
    for (s, r) in lesson.steps.iter().zip(&report.steps) {
        text.push_str(&format!("\n## {} — {}\n", s.id, s.heading.get(lang)));
        if let (Some(p), Some(pr)) = (&s.predict, &r.prediction) {
            text.push_str(&format!("  ? {}\n", p.question.get(lang)));
            for c in &p.choices {
                let right = pr.correct.contains(&c.id);
                text.push_str(&format!(
                    "    {} {}\n",
                    if right { "→" } else { " " },
                    c.text.get(lang)
                ));
            }
            if let Some(o) = &pr.observed {
                text.push_str(&format!("    observed: {}\n", o.get(lang)));
            }
        }
        for rf in &s.refusals {
            text.push_str(&format!("  ⊘ {} → {}\n", rf.attempt, rf.error));
        }
        for g in &r.after {
            text.push_str(&format!(
                "  {} {}  [{}]\n",
                mark(g.check.met),
                g.text.get(lang),
                g.check.observed.get(lang)
            ));
        }
    }
    for (c, r) in lesson.challenges.iter().zip(&report.challenges) {
        text.push_str(&format!("\n## challenge {}: {}\n", c.id, c.text.get(lang)));
        for g in &r.after {
            text.push_str(&format!(
                "  {} {}  [{}]\n",
                mark(g.check.met),
                g.text.get(lang),
                g.check.observed.get(lang)
            ));
        }
    }
    for p in &lesson.presets {
        text.push_str(&format!(
            "\npreset {}: {} ({} steps, applied to a fresh sandbox)",
            p.id,
            p.title.get(lang),
            p.steps.len()
        ));
    }
    if !lesson.presets.is_empty() {
        text.push('\n');
    }
    let problems = report.problems();
    for p in &problems {
        text.push_str(&format!("problem: {p}\n"));
    }
    text.push_str(if problems.is_empty() {
        "\nsolved\n"
    } else {
        "\nNOT solved\n"
    });
    out(&text);
    if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_INVARIANT)
    }
}

/// Writes to stdout, ignoring a closed pipe (`kplay run x | head` must not panic like `println!`).
fn out(text: &str) {
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    let _ = lock.write_all(text.as_bytes());
    let _ = lock.flush();
}

fn err(text: &str) {
    let _ = writeln!(std::io::stderr(), "{text}");
}

/// Reads `file` (`-` is stdin) and parses it; errors are already formatted for stderr.
fn load(file: &str) -> Result<scenario::Scenario, String> {
    let src = if file == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map_err(|e| format!("{file}:1:1: {e}"))?;
        s
    } else {
        std::fs::read_to_string(file).map_err(|e| format!("{file}:1:1: cannot read file: {e}"))?
    };
    scenario::parse(&src, file).map_err(|e| e.to_string())
}

/// How to print a finished run.
#[derive(Clone, Copy)]
enum Output {
    Text,
    Json,
    Hash,
}

fn render(r: &Run, how: Output) -> String {
    match how {
        Output::Text => r.render_text(),
        Output::Json => {
            let doc = serde_json::to_string_pretty(&r.to_json());
            doc.map(|d| d + "\n")
                .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}\n"))
        }
        Output::Hash => format!("{}\n", r.trace_hash_hex()),
    }
}

/// Runs the scenario and renders it. An engine panic (in `run` or while rendering) becomes an
/// error instead of a crash with a backtrace: the CLI promises a clean `file:line:col: reason` on
/// stderr. (Release builds use `panic = "abort"`, where this cannot help; dev builds and CI can.)
/// On an invariant violation the trace up to the failure goes to stdout: it is what one needs to
/// debug it.
fn run(s: &scenario::Scenario, how: Output) -> Result<String, (u8, String)> {
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match s.run() {
        Ok(r) => Ok(render(&r, how)),
        Err(e) => {
            if let Some(partial) = &e.partial {
                out(&partial.render_text());
            }
            let code = match e.kind {
                RunErrorKind::Config => EXIT_BAD_INPUT,
                RunErrorKind::Invariant => EXIT_INVARIANT,
            };
            Err((code, e.to_string()))
        }
    }));
    let _ = std::panic::take_hook();
    result.unwrap_or_else(|panic| {
        let msg = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "unknown panic".to_string());
        Err((
            EXIT_INVARIANT,
            format!("{}:1:1: engine panicked: {msg}", s.file),
        ))
    })
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cmd = match parse_args(&args) {
        Ok(c) => c,
        Err(e) => {
            err(&format!("kplay: {e}\n\n{USAGE}"));
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let file = match &cmd {
        Cmd::Help => {
            out(USAGE);
            return ExitCode::SUCCESS;
        }
        Cmd::Batching => {
            let rows = kplay_engine::experiments::batching_grid(
                &[1024, 16384, 65536],
                &[0, 5, 20, 100],
                20,
                1000,
            );
            out(&kplay_engine::experiments::render_batching(&rows));
            return ExitCode::SUCCESS;
        }
        Cmd::Lesson { solve, file, lang } => return lesson_cmd(*solve, file, lang),
        Cmd::Run { file, .. }
        | Cmd::Check { file }
        | Cmd::Hash { file }
        | Cmd::Compose { file } => file.clone(),
    };
    let s = match load(&file) {
        Ok(s) => s,
        Err(e) => {
            err(&e);
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    if let Cmd::Compose { .. } = cmd {
        let mut text = kplay_engine::lesson::compose::docker_compose(&s.cluster, &s.name);
        text.push_str("\n# Topics, once the cluster is up:\n");
        for line in kplay_engine::lesson::compose::topic_commands(&s) {
            text.push_str(&format!("#   {line}\n"));
        }
        out(&text);
        return ExitCode::SUCCESS;
    }
    if let Cmd::Check { .. } = cmd {
        out(&format!("{file}: ok ({} steps)\n", s.steps.len()));
        return ExitCode::SUCCESS;
    }
    let how = match cmd {
        Cmd::Run { json: true, .. } => Output::Json,
        Cmd::Hash { .. } => Output::Hash,
        _ => Output::Text,
    };
    match run(&s, how) {
        Ok(text) => out(&text),
        Err((code, e)) => {
            err(&e);
            return ExitCode::from(code);
        }
    }
    ExitCode::SUCCESS
}
