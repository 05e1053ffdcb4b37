//! Progress and mastery: pure functions over a serialisable progress record.
//!
//! Mastery per section = points earned / points available, where a completed lesson is worth
//! [`LESSON_POINTS`], a correctly answered question [`QUESTION_POINTS`] and a solved challenge
//! [`CHALLENGE_POINTS`]. Overall mastery is over every section that has material. "What to study
//! next" lists the weakest sections first (in the notes' order on ties), then section 九's
//! advanced topics in the notes' own recommended order.

use super::{Challenge, Lesson, Question, Text, SECTIONS};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The progress file format version written by [`export`].
pub const PROGRESS_VERSION: u32 = 1;
/// Points for a completed lesson.
pub const LESSON_POINTS: u32 = 3;
/// Points for a correctly answered question.
pub const QUESTION_POINTS: u32 = 1;
/// Points for a solved challenge.
pub const CHALLENGE_POINTS: u32 = 2;
/// A section at or above this mastery is considered learnt for "what to study next".
pub const MASTERED_PERCENT: u32 = 80;

/// What a learner has done, stored locally and exported/imported as JSON.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Progress {
    /// [`PROGRESS_VERSION`].
    pub version: u32,
    /// Lesson ids finished (every goal met).
    #[serde(default)]
    pub completed_lessons: BTreeSet<String>,
    /// Question id → whether the last answer was right.
    #[serde(default)]
    pub answers: BTreeMap<String, bool>,
    /// Challenge ids solved.
    #[serde(default)]
    pub solved_challenges: BTreeSet<String>,
}

impl Progress {
    /// An empty record of the current version (also what "reset" gives).
    pub fn new() -> Progress {
        Progress {
            version: PROGRESS_VERSION,
            ..Default::default()
        }
    }

    /// Records an answer to a question; returns whether it was right. The last answer counts.
    pub fn answer(&mut self, q: &Question, choice: &str) -> bool {
        let right = q.answer == choice;
        self.answers.insert(q.id.clone(), right);
        right
    }

    /// Records a finished lesson (every goal met).
    pub fn complete_lesson(&mut self, lesson_id: &str) {
        self.completed_lessons.insert(lesson_id.to_string());
    }

    /// Records a solved challenge.
    pub fn solve_challenge(&mut self, challenge_id: &str) {
        self.solved_challenges.insert(challenge_id.to_string());
    }
}

/// A section's question bank: every question that tests it (its lessons' questions, and review
/// questions of other lessons tagged with this `section`), in lesson order.
pub fn question_bank(lessons: &[Lesson], section: u8) -> Vec<&Question> {
    lessons
        .iter()
        .flat_map(|l| l.questions.iter().map(move |q| (l, q)))
        .filter(|(l, q)| q.section.unwrap_or(l.section) == section)
        .map(|(_, q)| q)
        .collect()
}

/// A section's "make it happen" challenges, with the lesson each starts from.
pub fn challenges(lessons: &[Lesson], section: u8) -> Vec<(&Lesson, &Challenge)> {
    lessons
        .iter()
        .filter(|l| l.section == section)
        .flat_map(|l| l.challenges.iter().map(move |c| (l, c)))
        .collect()
}

/// Why a progress file could not be imported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgressError {
    /// What is wrong, in one line.
    pub reason: String,
}

impl fmt::Display for ProgressError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for ProgressError {}

/// The progress record as pretty JSON (the exported file).
pub fn export(p: &Progress) -> String {
    serde_json::to_string_pretty(p).unwrap_or_default()
}

/// Reads an exported progress file. Corrupt JSON, a missing or unknown version, and unknown
/// fields are errors with a clear reason (and line:column for JSON errors).
pub fn import(json: &str) -> Result<Progress, ProgressError> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(|e| ProgressError {
        reason: format!("not a progress file: {}:{}: {e}", e.line(), e.column()),
    })?;
    let Some(obj) = value.as_object() else {
        return Err(ProgressError {
            reason: "not a progress file: expected a JSON object".into(),
        });
    };
    match obj.get("version").and_then(|v| v.as_u64()) {
        None => {
            return Err(ProgressError {
                reason: "not a progress file: no \"version\" field".into(),
            })
        }
        Some(v) if v > PROGRESS_VERSION as u64 => {
            return Err(ProgressError {
                reason: format!("progress file version {v} is newer than this playground (version {PROGRESS_VERSION}); update the playground"),
            })
        }
        Some(v) if v < PROGRESS_VERSION as u64 => {
            return Err(ProgressError {
                reason: format!("progress file version {v} is older than version {PROGRESS_VERSION} and cannot be read"),
            })
        }
        Some(_) => {}
    }
    serde_json::from_value(value).map_err(|e| ProgressError {
        reason: format!("corrupt progress file: {e}"),
    })
}

/// Mastery of one section.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionMastery {
    /// 1 … 10.
    pub section: u8,
    /// Points earned.
    pub earned: u32,
    /// Points available.
    pub possible: u32,
    /// `earned * 100 / possible`, 0 when there is no material yet.
    pub percent: u32,
}

/// Mastery per section and overall.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mastery {
    /// One entry per section, 一 … 十.
    pub sections: Vec<SectionMastery>,
    /// Earned over available points of every section with material, in percent.
    pub overall_percent: u32,
}

/// Per section and overall mastery for the given lessons.
pub fn mastery(lessons: &[Lesson], p: &Progress) -> Mastery {
    let mut sections: Vec<SectionMastery> = (1..=10)
        .map(|s| SectionMastery {
            section: s,
            earned: 0,
            possible: 0,
            percent: 0,
        })
        .collect();
    for l in lessons {
        let s = &mut sections[(l.section as usize).clamp(1, 10) - 1];
        s.possible += LESSON_POINTS;
        if p.completed_lessons.contains(&l.id) {
            s.earned += LESSON_POINTS;
        }
        for q in &l.questions {
            // A review question counts towards the section it tests.
            let qs = &mut sections[(q.section.unwrap_or(l.section) as usize).clamp(1, 10) - 1];
            qs.possible += QUESTION_POINTS;
            if p.answers.get(&q.id) == Some(&true) {
                qs.earned += QUESTION_POINTS;
            }
        }
        let s = &mut sections[(l.section as usize).clamp(1, 10) - 1];
        for c in &l.challenges {
            s.possible += CHALLENGE_POINTS;
            if p.solved_challenges.contains(&c.id) {
                s.earned += CHALLENGE_POINTS;
            }
        }
    }
    for s in &mut sections {
        s.percent = (s.earned * 100).checked_div(s.possible).unwrap_or(0);
    }
    let earned: u32 = sections.iter().map(|s| s.earned).sum();
    let possible: u32 = sections.iter().map(|s| s.possible).sum();
    Mastery {
        overall_percent: (earned * 100).checked_div(possible).unwrap_or(0),
        sections,
    }
}

/// One suggestion of what to study next.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    /// The section (1 … 10).
    pub section: u8,
    /// A lesson to do or redo, if the suggestion is one.
    pub lesson: Option<String>,
    /// The suggestion, in both languages.
    pub text: Text,
}

/// Section 九's advanced topics, in the notes' recommended order.
pub const ADVANCED_TOPICS: [(&str, &str); 7] = [
    (
        "Log Compaction（日志压缩）：只保留每个 key 的最新值",
        "Log compaction: keep only the latest value per key",
    ),
    (
        "Kafka Connect：连接外部系统（数据库、S3 等）",
        "Kafka Connect: connect external systems (databases, S3, …)",
    ),
    (
        "监控和运维：UnderReplicatedPartitions、Consumer Lag、Prometheus + Grafana",
        "Monitoring & operations: UnderReplicatedPartitions, consumer lag, Prometheus + Grafana",
    ),
    (
        "Schema Registry + Avro：生产级数据序列化",
        "Schema Registry + Avro: production-grade serialisation",
    ),
    (
        "Kafka Streams：流处理库",
        "Kafka Streams: the stream-processing library",
    ),
    (
        "安全：SASL 认证、SSL/TLS 加密、ACL 授权",
        "Security: SASL authentication, SSL/TLS encryption, ACL authorisation",
    ),
    (
        "多数据中心复制：MirrorMaker 2.0、灾难恢复",
        "Multi-datacenter replication: MirrorMaker 2.0, disaster recovery",
    ),
];

/// What to study next: sections below [`MASTERED_PERCENT`] (weakest first, then in the notes'
/// order), each pointing at its first unfinished lesson; then section 九's advanced topics.
pub fn study_next(lessons: &[Lesson], p: &Progress) -> Vec<Suggestion> {
    let m = mastery(lessons, p);
    let mut weak: Vec<&SectionMastery> = m
        .sections
        .iter()
        .filter(|s| s.possible > 0 && s.percent < MASTERED_PERCENT)
        .collect();
    weak.sort_by_key(|s| (s.percent, s.section));
    let mut out = Vec::new();
    for s in weak {
        let (num, zh, en) = SECTIONS[s.section as usize - 1];
        let lesson = lessons
            .iter()
            .filter(|l| l.section == s.section)
            .find(|l| !p.completed_lessons.contains(&l.id));
        let text = match lesson {
            Some(l) => Text::new(
                format!(
                    "{num}、{zh}（掌握 {}%）：完成课程「{}」",
                    s.percent, l.title.zh
                ),
                format!(
                    "{num} {en} ({}% mastered): finish the lesson “{}”",
                    s.percent, l.title.en
                ),
            ),
            None => Text::new(
                format!("{num}、{zh}（掌握 {}%）：复习题库和挑战", s.percent),
                format!(
                    "{num} {en} ({}% mastered): review its questions and challenges",
                    s.percent
                ),
            ),
        };
        out.push(Suggestion {
            section: s.section,
            lesson: lesson.map(|l| l.id.clone()),
            text,
        });
    }
    for (zh, en) in ADVANCED_TOPICS {
        out.push(Suggestion {
            section: 9,
            lesson: None,
            text: Text::new(
                format!("九、高级主题 — {zh}"),
                format!("九 Advanced — {en}"),
            ),
        });
    }
    out
}
