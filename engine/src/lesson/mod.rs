//! Lessons: scripted walks through the notes' ten sections, as data (`lessons/*.toml`).
//!
//! A lesson starts from a scenario (the same files and step syntax as `kplay run`, validated by
//! the same parser), then goes through ordered steps: prose per locale, the controls the learner
//! may use, an optional live demo, an optional predict-then-observe question, **goals** (checked
//! predicates over the engine's state and events, see [`goal`]), hints and a reference solution.
//! It also carries a question bank and "make it happen" challenges for mastery ([`progress`]),
//! a simplifications box and "try it on real Kafka" material.
//!
//! Sans-IO like the rest of the engine: [`parse`] takes the lesson's text and a loader callback for
//! the scenario files it names, so the CLI reads files and the browser bundles them. Every error is
//! a [`ScenarioError`] (`file:line:col: reason`); parsing never panics.
//!
//! The format is documented in `docs/lesson-format.md`.

#![warn(missing_docs)]

pub mod builtin;
pub mod compose;
pub mod goal;
pub mod goal_consume;
mod parse;
pub mod progress;
pub mod run;

pub use goal::{Check, Predicate};
pub use parse::{parse, CONTROL_COMMANDS};
pub use run::{solve, LessonRun, SolveReport};

use crate::scenario::{Scenario, ScenarioError, Step};
use serde::{Deserialize, Serialize};

/// A string in both languages of the playground. Both are required and non-empty in lesson files.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    /// 中文.
    pub zh: String,
    /// English.
    pub en: String,
}

impl Text {
    /// A string per locale.
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Text {
        Text {
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// The same string in both locales (numbers, names, Kafka's own messages).
    pub fn same(s: impl Into<String>) -> Text {
        let s = s.into();
        Text {
            zh: s.clone(),
            en: s,
        }
    }

    /// The string for a locale: `zh`, anything else is English.
    pub fn get(&self, locale: &str) -> &str {
        if locale == "zh" {
            &self.zh
        } else {
            &self.en
        }
    }
}

/// The notes' sections, 一 … 十, with their headings.
pub const SECTIONS: [(&str, &str, &str); 10] = [
    ("一", "Kafka 基础", "Basics"),
    ("二", "版本和架构演进", "Versions & architecture"),
    ("三", "核心配置", "Configuration"),
    ("四", "Topics 和 Partitions", "Topics & partitions"),
    ("五", "Producers 生产者", "Producers"),
    ("六", "Consumers 消费者", "Consumers"),
    ("七", "传递语义", "Delivery semantics"),
    ("八", "常见模式", "Common patterns"),
    ("九", "高级主题", "Advanced topics"),
    ("十", "关键要点回顾", "Key takeaways"),
];

/// A parsed, validated lesson.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lesson {
    /// The file name given to [`parse`].
    pub file: String,
    /// Unique id, e.g. `04-topics-partitions`.
    pub id: String,
    /// The notes' section it mirrors, 1 … 10 (一 … 十).
    pub section: u8,
    /// The title.
    pub title: Text,
    /// One or two sentences under the title.
    pub summary: Text,
    /// The starting cluster, topics and producers (and any setup steps).
    pub scenario: Scenario,
    /// The lesson's steps, in the notes' heading order.
    pub steps: Vec<LessonStep>,
    /// Where the engine departs from Kafka, for this lesson's subject.
    pub simplifications: Vec<Text>,
    /// "Try it on real Kafka" material.
    pub real_kafka: RealKafka,
    /// Multiple-choice questions for this section's bank.
    pub questions: Vec<Question>,
    /// "Make it happen" challenges: goals over a sandbox started from [`Lesson::scenario`].
    pub challenges: Vec<Challenge>,
    /// Ready-made setups the learner can apply to the sandbox (e.g. section 一's six use cases).
    pub presets: Vec<Preset>,
}

/// A ready-made setup: scenario steps applied to the lesson's starting scenario.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preset {
    /// The id, unique in the lesson.
    pub id: String,
    /// The title.
    pub title: Text,
    /// What the preset sets up and why.
    pub text: Text,
    /// Scenario steps, in order.
    pub steps: Vec<Step>,
}

/// One step of a lesson, following one heading of the notes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LessonStep {
    /// The id, unique in the lesson.
    pub id: String,
    /// The notes' heading this step follows.
    pub heading: Text,
    /// Short markdown prose.
    pub text: Text,
    /// What the learner may use here: command names (`produce`, `crash_broker`, …, as
    /// [`crate::Command::name`]) and Kafka config keys (`acks`, `min.insync.replicas`, …).
    pub controls: Vec<String>,
    /// A live demo, run when the step starts.
    pub demo: Vec<Step>,
    /// Inputs Kafka refuses, shown with the engine's real error (computed when the lesson loads).
    pub refusals: Vec<Refusal>,
    /// A predict-then-observe question, if any.
    pub predict: Option<Prediction>,
    /// The checked goals.
    pub goals: Vec<Goal>,
    /// Hints, shown one at a time.
    pub hints: Vec<Text>,
    /// The reference solution: steps that reach every goal (after the demo and the prediction's
    /// action).
    pub solution: Vec<Step>,
}

/// A checked goal: an id and its predicate. Its text is [`Predicate::describe`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Goal {
    /// The id, unique in the lesson.
    pub id: String,
    /// What is checked (and, rendered, what the learner reads).
    pub predicate: Predicate,
}

/// Something Kafka refuses, with the error the engine (or its config checks) gives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    /// What is tried, as the learner would type it (one line).
    pub attempt: String,
    /// The error, computed by the parser/engine when the lesson was loaded.
    pub error: String,
    /// Why: the rule behind the answer.
    pub why: Text,
}

/// Predict-then-observe: a question asked before a decisive action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prediction {
    /// The question.
    pub question: Text,
    /// The choices, in display order.
    pub choices: Vec<Choice>,
    /// The decisive action. Empty for a question the engine cannot simulate (then `answer` is set).
    pub action: Vec<Step>,
    /// The right choice's id, only for questions without an action; otherwise the engine computes
    /// it: the choice whose predicate holds after the action.
    pub answer: Option<String>,
    /// Why: which rule, which replica.
    pub why: Text,
}

/// One choice of a prediction or question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// The id, unique in the lesson.
    pub id: String,
    /// The choice as shown.
    pub text: Text,
    /// For computed predictions: the choice is right if this holds after the action.
    pub holds: Option<Predicate>,
}

/// A multiple-choice question of the section's bank.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// The id, unique in the lesson.
    pub id: String,
    /// The question.
    pub text: Text,
    /// The choices, in display order.
    pub choices: Vec<Choice>,
    /// The right choice's id.
    pub answer: String,
    /// Why: the rule behind the answer.
    pub why: Text,
}

/// A "make it happen" challenge: reach the goals from the lesson's starting scenario.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Challenge {
    /// The id, unique in the lesson.
    pub id: String,
    /// What to make happen.
    pub text: Text,
    /// Commands and config keys the learner may use.
    pub controls: Vec<String>,
    /// The checked goals.
    pub goals: Vec<Goal>,
    /// The reference solution (scenario steps).
    pub solution: Vec<Step>,
}

/// "Try it on real Kafka": commands, client code and compose settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RealKafka {
    /// An introduction to the commands below.
    pub text: Text,
    /// `kafka-topics.sh` / `kafka-console-producer.sh` … commands.
    pub cli: String,
    /// A Java client snippet.
    pub java: String,
    /// A kafka-python snippet.
    pub python: String,
    /// docker-compose settings for `apache/kafka` in KRaft mode.
    pub compose: String,
}

impl Lesson {
    /// The section's numeral, e.g. `四`.
    pub fn section_numeral(&self) -> &'static str {
        SECTIONS[(self.section as usize).clamp(1, 10) - 1].0
    }

    /// Every goal of every step, in order.
    pub fn all_goals(&self) -> impl Iterator<Item = &Goal> {
        self.steps.iter().flat_map(|s| s.goals.iter())
    }
}

/// Loads the scenario files a lesson names (`scenario_file`, refusals): given the path as written
/// in the lesson, returns (the name to show in errors, the file's text).
pub type Loader<'a> = &'a dyn Fn(&str) -> Result<(String, String), String>;

/// An error loading a lesson (same shape as a scenario error).
pub type LessonError = ScenarioError;
