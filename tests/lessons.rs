//! Lessons: every lesson loads, its reference solutions reach every goal headless (and the goals
//! are not already met before), both locales are complete, malformed lessons give their exact
//! error with line:col, predictions are computed by the engine, mastery math, progress files.

use kplay_engine::lesson::goal::Predicate;
use kplay_engine::lesson::progress::{self, Progress};
use kplay_engine::lesson::{self, run, Lesson, Text};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn load(path: &Path) -> Result<Lesson, String> {
    let src = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let shown_dir = path
        .strip_prefix(root())
        .unwrap_or(path)
        .parent()
        .map(|p| p.to_path_buf())
        .unwrap_or_default();
    let loader = move |rel: &str| -> Result<(String, String), String> {
        std::fs::read_to_string(dir.join(rel))
            .map(|t| (normalise(&shown_dir.join(rel)), t))
            .map_err(|e| format!("cannot read {}: {e}", normalise(&shown_dir.join(rel))))
    };
    let shown = path
        .strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string();
    lesson::parse(&src, &shown, &loader).map_err(|e| e.to_string())
}

/// `a/b/../c` → `a/c`, for stable paths in error messages.
fn normalise(p: &Path) -> String {
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

fn lesson_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("lessons"))
        .expect("lessons/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

fn all_lessons() -> Vec<Lesson> {
    lesson_files()
        .iter()
        .map(|f| load(f).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

fn lesson(id: &str) -> Lesson {
    all_lessons()
        .into_iter()
        .find(|l| l.id == id)
        .unwrap_or_else(|| panic!("no lesson {id}"))
}

/// A lesson may start from a scenario file; its scenario runs to its end before step 1.
#[test]
fn a_lesson_can_start_from_a_scenario_file() {
    let l = load(&root().join("tests/lessons/ok/scenario-file.toml")).expect("loads");
    assert_eq!(l.scenario.name, "notes-min-isr");
    let report = lesson::solve(&l).expect("solve");
    assert!(report.problems().is_empty(), "{:?}", report.problems());
}

/// Replaying a lesson twice gives the same reports and the same event trace.
#[test]
fn solving_is_deterministic() {
    for l in all_lessons() {
        let a = lesson::solve(&l).expect("solve");
        let b = lesson::solve(&l).expect("solve");
        assert_eq!(a, b, "{}", l.id);
        assert_ne!(a.trace_hash, 0);
    }
}

#[test]
fn every_section_of_the_notes_has_a_lesson() {
    let lessons = all_lessons();
    let mut sections: Vec<u8> = lessons.iter().map(|l| l.section).collect();
    sections.sort_unstable();
    sections.dedup();
    assert_eq!(
        sections,
        (1..=10).collect::<Vec<u8>>(),
        "sections with lessons"
    );
    let mut ids: Vec<&str> = lessons.iter().map(|l| l.id.as_str()).collect();
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "lesson ids are unique");
}

/// The Learn Git Branching rule: CI solves every lesson headless with its reference solution.
#[test]
fn every_lesson_is_solved_by_its_reference_solution() {
    for l in all_lessons() {
        let report = lesson::solve(&l).unwrap_or_else(|e| panic!("{}: {e}", l.file));
        let problems = report.problems();
        assert!(problems.is_empty(), "{}:\n{}", l.file, problems.join("\n"));
        assert!(report.solved(), "{}", l.file);
        // Every step with goals really checked something after its solution.
        for (s, r) in l.steps.iter().zip(&report.steps) {
            assert_eq!(s.goals.len(), r.after.len());
            assert!(r.after.iter().all(|g| g.check.met), "{} {}", l.id, s.id);
        }
    }
}

/// Negative check: on a fresh cluster (nothing run but the starting scenario), the lesson's goals
/// are not all met — so a solution that did nothing could not pass.
#[test]
fn goals_are_not_met_on_a_fresh_cluster() {
    for l in all_lessons() {
        let r = run::LessonRun::new(&l).expect("cluster");
        let goals: Vec<_> = l.all_goals().cloned().collect();
        assert!(!goals.is_empty(), "{} has goals", l.id);
        let statuses = r.check(&goals);
        assert!(
            statuses.iter().any(|g| !g.check.met),
            "{}: every goal is met before anything runs",
            l.id
        );
        for s in &l.steps {
            if s.goals.is_empty() {
                continue;
            }
            let st = r.check(&s.goals);
            assert!(
                st.iter().any(|g| !g.check.met),
                "{} step {}: goals already met on a fresh cluster",
                l.id,
                s.id
            );
        }
        for c in &l.challenges {
            let st = r.check(&c.goals);
            assert!(
                st.iter().any(|g| !g.check.met),
                "{} challenge {}",
                l.id,
                c.id
            );
        }
    }
}

fn is_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

fn check_text(t: &Text, what: &str, problems: &mut Vec<String>) {
    if t.zh.trim().is_empty() || t.en.trim().is_empty() {
        problems.push(format!("{what}: empty locale string"));
    }
}

/// Both locales everywhere, and the Chinese prose is Chinese.
#[test]
fn every_lesson_has_both_locales_complete() {
    for l in all_lessons() {
        let mut p = Vec::new();
        check_text(&l.title, "title", &mut p);
        check_text(&l.summary, "summary", &mut p);
        check_text(&l.real_kafka.text, "real_kafka", &mut p);
        assert!(
            !l.simplifications.is_empty(),
            "{}: simplifications box",
            l.id
        );
        for s in &l.simplifications {
            check_text(s, "simplification", &mut p);
        }
        for s in &l.steps {
            check_text(&s.heading, &s.id, &mut p);
            check_text(&s.text, &s.id, &mut p);
            if !is_cjk(&s.text.zh) || !is_cjk(&l.title.zh) {
                p.push(format!("{} {}: zh text has no Chinese", l.id, s.id));
            }
            for h in &s.hints {
                check_text(h, "hint", &mut p);
            }
            for r in &s.refusals {
                check_text(&r.why, "refusal", &mut p);
            }
            if let Some(pr) = &s.predict {
                check_text(&pr.question, "question", &mut p);
                check_text(&pr.why, "why", &mut p);
                for c in &pr.choices {
                    check_text(&c.text, "choice", &mut p);
                }
            }
            for g in &s.goals {
                check_text(&g.predicate.describe(), &g.id, &mut p);
            }
        }
        for q in &l.questions {
            check_text(&q.text, &q.id, &mut p);
            check_text(&q.why, &q.id, &mut p);
        }
        for c in &l.challenges {
            check_text(&c.text, &c.id, &mut p);
        }
        for (name, s) in [
            ("cli", &l.real_kafka.cli),
            ("java", &l.real_kafka.java),
            ("python", &l.real_kafka.python),
            ("compose", &l.real_kafka.compose),
        ] {
            if s.trim().is_empty() {
                p.push(format!("real_kafka.{name} empty"));
            }
        }
        assert!(
            l.real_kafka.compose.contains("apache/kafka"),
            "{}: compose uses apache/kafka",
            l.id
        );
        assert!(p.is_empty(), "{}: {p:?}", l.id);
    }
}

/// Hand-written expectations (never blessed): each malformed lesson gives exactly its error.
#[test]
fn malformed_lessons_give_their_error_with_line_and_column() {
    let dir = root().join("tests/lessons/malformed");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("malformed dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 15, "malformed cases: {}", files.len());
    for f in files {
        let expected = std::fs::read_to_string(f.with_extension("err")).expect(".err file");
        let got = match load(&f) {
            Ok(_) => panic!("{} loaded, expected an error", f.display()),
            Err(e) => e,
        };
        assert_eq!(got, expected.trim_end(), "{}", f.display());
    }
}

/// Parsing never panics, whatever the input: every prefix and many one-byte mutations of a real
/// lesson give Ok or an error with a position.
#[test]
fn lesson_parsing_never_panics_on_truncated_or_mutated_files() {
    let path = root().join("lessons/04-topics-partitions.toml");
    let src = std::fs::read_to_string(&path).expect("lesson");
    let loader = |_: &str| -> Result<(String, String), String> { Err("no files here".into()) };
    let bytes = src.as_bytes();
    let mut checked = 0;
    for cut in (0..bytes.len()).step_by(97) {
        let Ok(text) = std::str::from_utf8(&bytes[..cut]) else {
            continue;
        };
        if let Err(e) = lesson::parse(text, "t.toml", &loader) {
            assert!(e.line >= 1 && e.column >= 1);
        }
        checked += 1;
    }
    let mut seed = 7u64;
    for _ in 0..300 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let at = (seed >> 33) as usize % bytes.len();
        let mut b = bytes.to_vec();
        let pool = b"=[]{}\"x0 \n,.";
        b[at] = pool[(seed >> 20) as usize % pool.len()];
        if let Ok(text) = String::from_utf8(b) {
            let _ = lesson::parse(&text, "t.toml", &loader);
            checked += 1;
        }
    }
    assert!(checked > 300);
}

/// Predictions are computed by the engine after the action: the key's partition is the real
/// `toPositive(murmur2(key)) % n`, and adding a partition remaps the key.
#[test]
fn predictions_are_computed_by_the_engine() {
    use kplay_engine::partitioner::partition_for_key;
    // The numbers the lesson's prose states, from Kafka's formula.
    assert_eq!(
        kplay_engine::partitioner::murmur2(b"user_id=123"),
        -1281002434
    );
    assert_eq!(partition_for_key(b"user_id=123", 3), 1);
    assert_eq!(partition_for_key(b"user_id=456", 3), 0);
    assert_eq!(partition_for_key(b"user_id=123", 4), 2);

    let l = lesson("04-topics-partitions");
    let report = lesson::solve(&l).expect("solve");
    let answer = |step: &str| -> (Vec<String>, String) {
        let r = report.steps.iter().find(|s| s.step == step).expect("step");
        let p = r.prediction.as_ref().expect("prediction");
        (
            p.correct.clone(),
            p.observed
                .as_ref()
                .map(|o| o.en.clone())
                .unwrap_or_default(),
        )
    };
    let (correct, observed) = answer("key");
    assert_eq!(correct, vec!["p1".to_string()]);
    assert!(
        observed
            .contains("toPositive(murmur2(\"user_id=123\")) % 3 = toPositive(-1281002434) % 3 = 1"),
        "{observed}"
    );
    assert_eq!(answer("no-key").0, vec!["sticky".to_string()]);
    let (correct, observed) = answer("partition-count");
    assert_eq!(correct, vec!["moved".to_string()]);
    assert!(observed.contains("% 4 = 2"), "{observed}");
    assert_eq!(answer("min-isr").0, vec!["ok".to_string()]);

    // The refusal shows Kafka's real error, computed when the lesson loaded.
    let step = l
        .steps
        .iter()
        .find(|s| s.id == "partition-count")
        .expect("step");
    assert_eq!(
        step.refusals[0].error,
        "Topic currently has 3 partitions, which is higher than the requested 2."
    );
}

/// The checklist text comes from the predicate itself, in both languages.
#[test]
fn goal_text_is_rendered_from_the_predicate() {
    let l = lesson("04-topics-partitions");
    let g = l
        .all_goals()
        .find(|g| matches!(g.predicate, Predicate::Isr { .. }))
        .expect("an isr goal");
    let t = g.predicate.describe();
    assert_eq!(t.en, "partition payments-0 ISR = {1,2}");
    assert_eq!(t.zh, "分区 payments-0 的 ISR = {1,2}");
    let g = l
        .all_goals()
        .find(|g| {
            matches!(&g.predicate, Predicate::Produce(f)
                if f.outcome == Some(kplay_engine::lesson::goal::Outcome::Err(kplay_engine::KafkaError::NotEnoughReplicas)))
        })
        .expect("a NOT_ENOUGH_REPLICAS goal");
    assert_eq!(
        g.predicate.describe().en,
        "a write (acks=all) to payments fails with NOT_ENOUGH_REPLICAS"
    );
}

fn progress_with(lessons: &[&str], answers: &[(&str, bool)], challenges: &[&str]) -> Progress {
    let mut p = Progress::new();
    p.completed_lessons = lessons.iter().map(|s| s.to_string()).collect();
    p.answers = answers.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    p.solved_challenges = challenges.iter().map(|s| s.to_string()).collect();
    p
}

#[test]
fn mastery_is_points_earned_over_points_available() {
    let l4 = lesson("04-topics-partitions");
    let lessons = vec![l4.clone()];
    let q = l4.questions.len() as u32;
    let c = l4.challenges.len() as u32;
    let possible =
        progress::LESSON_POINTS + q * progress::QUESTION_POINTS + c * progress::CHALLENGE_POINTS;

    let empty = progress::mastery(&lessons, &Progress::new());
    assert_eq!(empty.overall_percent, 0);
    assert_eq!(empty.sections[3].possible, possible);
    assert_eq!(
        empty.sections[0].possible, 0,
        "no lesson for 一 in this set"
    );

    // The lesson done, one question right, one wrong.
    let p = progress_with(
        &["04-topics-partitions"],
        &[("q4-ordering", true), ("q4-formula", false)],
        &[],
    );
    let m = progress::mastery(&lessons, &p);
    let earned = progress::LESSON_POINTS + progress::QUESTION_POINTS;
    assert_eq!(m.sections[3].earned, earned);
    assert_eq!(m.sections[3].percent, earned * 100 / possible);
    assert_eq!(m.overall_percent, earned * 100 / possible);

    // Everything.
    let all_q: Vec<(&str, bool)> = l4.questions.iter().map(|q| (q.id.as_str(), true)).collect();
    let all_c: Vec<&str> = l4.challenges.iter().map(|c| c.id.as_str()).collect();
    let p = progress_with(&["04-topics-partitions"], &all_q, &all_c);
    assert_eq!(progress::mastery(&lessons, &p).sections[3].percent, 100);
    // With 四 mastered only 九's advanced topics are left to suggest, in the notes' order.
    let next = progress::study_next(&lessons, &p);
    assert_eq!(next.len(), 7);
    assert!(next[0].text.en.contains("Log compaction"), "{:?}", next[0]);
    assert!(next[6].text.en.contains("MirrorMaker"));
}

#[test]
fn answering_questions_and_solving_challenges_moves_mastery() {
    let lessons = all_lessons();
    let bank = progress::question_bank(&lessons, 4);
    assert!(bank.len() >= 3, "section 四 has a question bank");
    let mut p = Progress::new();
    let q = bank[0];
    let wrong = q
        .choices
        .iter()
        .find(|c| c.id != q.answer)
        .expect("a wrong choice");
    assert!(!p.answer(q, &wrong.id));
    assert_eq!(progress::mastery(&lessons, &p).sections[3].earned, 0);
    assert!(p.answer(q, &q.answer.clone()));
    assert_eq!(
        progress::mastery(&lessons, &p).sections[3].earned,
        progress::QUESTION_POINTS
    );
    let (l, c) = progress::challenges(&lessons, 4)[0];
    assert_eq!(l.id, "04-topics-partitions");
    p.solve_challenge(&c.id);
    p.complete_lesson(&l.id);
    assert_eq!(
        progress::mastery(&lessons, &p).sections[3].earned,
        progress::QUESTION_POINTS + progress::CHALLENGE_POINTS + progress::LESSON_POINTS
    );
    // A review question of section 十 tagged with section 四 moves section 四's mastery, not 十's.
    let review = lessons.iter().find(|l| l.section == 10).expect("lesson 十");
    let rq = review
        .questions
        .iter()
        .find(|q| q.section == Some(4))
        .expect("a review question on section 四");
    assert!(bank.iter().any(|q| q.id == rq.id), "in section 四's bank");
    assert!(!progress::question_bank(&lessons, 10)
        .iter()
        .any(|q| q.id == rq.id));
    let before = progress::mastery(&lessons, &p);
    assert!(p.answer(rq, &rq.answer.clone()));
    let after = progress::mastery(&lessons, &p);
    assert_eq!(
        after.sections[3].earned,
        before.sections[3].earned + progress::QUESTION_POINTS
    );
    assert_eq!(after.sections[9].earned, before.sections[9].earned);
    // Every section 一 … 十 has questions (十: its challenges; its questions feed 一 … 九) and a
    // challenge; 九's Connect / Streams / … pages are questions only.
    for s in 1..=9 {
        assert!(
            !progress::question_bank(&lessons, s).is_empty(),
            "section {s} questions"
        );
    }
    for s in [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] {
        assert!(
            !progress::challenges(&lessons, s).is_empty(),
            "section {s} challenges"
        );
    }
}

#[test]
fn study_next_puts_the_weakest_section_first() {
    let lessons = all_lessons();
    let done: Vec<&str> = lessons
        .iter()
        .filter(|l| l.section != 5)
        .map(|l| l.id.as_str())
        .collect();
    let p = progress_with(&done, &[], &[]);
    let next = progress::study_next(&lessons, &p);
    assert_eq!(next[0].section, 5, "{:?}", next[0]);
    assert!(next[0].lesson.is_some());
    assert!(next.iter().any(|s| s.section == 9));
    let m = progress::mastery(&lessons, &p);
    assert!(m.sections[4].percent < m.sections[3].percent);
}

#[test]
fn progress_round_trips_and_rejects_corrupt_or_old_files() {
    let p = progress_with(
        &["04-topics-partitions"],
        &[("q4-ordering", true)],
        &["c4-not-enough-replicas"],
    );
    let json = progress::export(&p);
    assert_eq!(progress::import(&json).expect("import"), p);

    let err = |s: &str| progress::import(s).expect_err("should fail").reason;
    assert!(
        err("{\"version\": 1, ").starts_with("not a progress file: 1:"),
        "{}",
        err("{\"version\": 1, ")
    );
    assert_eq!(err("[1, 2]"), "not a progress file: expected a JSON object");
    assert_eq!(
        err("{\"answers\": {}}"),
        "not a progress file: no \"version\" field"
    );
    assert_eq!(
        err("{\"version\": 0}"),
        "progress file version 0 is older than version 1 and cannot be read"
    );
    assert_eq!(
        err("{\"version\": 2}"),
        "progress file version 2 is newer than this playground (version 1); update the playground"
    );
    assert!(err("{\"version\": 1, \"answers\": {\"q\": \"yes\"}}")
        .starts_with("corrupt progress file:"));
    assert!(err("{\"version\": 1, \"score\": 3}").contains("unknown field `score`"));
}

/// The "try it on real Kafka" compose mirrors the simulated cluster.
#[test]
fn docker_compose_mirrors_the_cluster() {
    use kplay_engine::lesson::compose;
    let l = lesson("03-configuration");
    let y = compose::docker_compose(&l.scenario.cluster, &l.scenario.name);
    let voters = "101@controller-101:9093,102@controller-102:9093,103@controller-103:9093,104@controller-104:9093";
    // 3 brokers + 4 dedicated controllers, every one with the same voters.
    assert_eq!(y.matches("image: apache/kafka:latest").count(), 7, "{y}");
    assert_eq!(
        y.matches(&format!("KAFKA_CONTROLLER_QUORUM_VOTERS: {voters}\n"))
            .count(),
        7,
        "{y}"
    );
    assert_eq!(y.matches("KAFKA_PROCESS_ROLES: controller\n").count(), 4);
    assert_eq!(y.matches("KAFKA_PROCESS_ROLES: broker\n").count(), 3);
    assert!(y.contains(
        "KAFKA_ADVERTISED_LISTENERS: INTERNAL://kafka-1:19092,EXTERNAL://localhost:9092"
    ));
    assert!(y.contains("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: 3"));

    // Combined mode: host ports skip the CONTROLLER port the node binds itself.
    let spec = kplay_engine::ClusterSpec {
        brokers: vec![1, 2, 3],
        controllers: vec![1, 2, 3],
        ..Default::default()
    };
    let y = compose::docker_compose(&spec, "combined");
    assert_eq!(
        y.matches("KAFKA_PROCESS_ROLES: broker,controller\n")
            .count(),
        3
    );
    assert!(
        y.contains("KAFKA_LISTENERS: CONTROLLER://:9093,INTERNAL://:19092,EXTERNAL://:9094\n"),
        "{y}"
    );
    assert!(y.contains("ports: [\"9095:9095\"]"));
    for line in y.lines().filter(|l| l.contains("KAFKA_LISTENERS:")) {
        let ports: Vec<&str> = line
            .split(',')
            .map(|l| l.rsplit(':').next().unwrap_or(""))
            .collect();
        let mut unique = ports.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(ports.len(), unique.len(), "port bound twice: {line}");
    }
    // A single broker: internal topics cannot be replicated more than once.
    let one = kplay_engine::ClusterSpec {
        brokers: vec![1],
        ..Default::default()
    };
    assert!(compose::docker_compose(&one, "one")
        .contains("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: 1\n"));

    let topics = compose::topic_commands(&lesson("04-topics-partitions").scenario);
    assert_eq!(
        topics,
        vec!["/opt/kafka/bin/kafka-topics.sh --bootstrap-server localhost:9092 --create --topic payments --partitions 1 --replication-factor 3 --config min.insync.replicas=2".to_string()]
    );
}

/// The lessons compiled into the engine (for the browser) are exactly the files in `lessons/`.
#[test]
fn bundled_lessons_are_the_files_on_disk() {
    use kplay_engine::lesson::builtin;
    let bundled = builtin::lessons().expect("bundled lessons load");
    let on_disk = all_lessons();
    assert_eq!(bundled.len(), on_disk.len());
    for (b, d) in bundled.iter().zip(&on_disk) {
        assert_eq!(b.id, d.id);
        assert_eq!(b.steps, d.steps, "{}", b.id);
    }
    for (path, text) in builtin::FILES {
        let disk = std::fs::read_to_string(root().join(path)).expect(path);
        assert_eq!(&disk, text, "{path} is stale in the build");
    }
    let mut wanted: Vec<String> = lesson_files()
        .iter()
        .map(|p| p.strip_prefix(root()).unwrap_or(p).display().to_string())
        .collect();
    for dir in ["lessons/refused", "lessons/scenarios"] {
        for e in std::fs::read_dir(root().join(dir)).expect(dir) {
            let p = e.expect("entry").path();
            if p.extension().is_some_and(|x| x == "toml") {
                wanted.push(p.strip_prefix(root()).unwrap_or(&p).display().to_string());
            }
        }
    }
    wanted.sort();
    let mut listed: Vec<String> = builtin::FILES.iter().map(|(p, _)| p.to_string()).collect();
    listed.sort();
    assert_eq!(listed, wanted, "builtin::FILES must list every lesson file");
}
