//! Parsing and validating lesson files. Shapes are checked by serde with `deny_unknown_fields`
//! (a misspelt key or an unknown predicate is an error at that key); everything else — locales,
//! config keys and values, topics, brokers, producers, controls, predicates' references, the
//! embedded scenario and every step list — is checked here, in file order, with the scenario
//! parser's own validator ([`StepValidator`]) so a lesson step means exactly what it means in a
//! scenario file.

use super::goal::{BrokerState, Compare, Outcome, Predicate, ProduceFilter, METRICS};
use super::goal_consume::{ConsumePredicate, LedgerCount, TxnOutcome};
use super::{
    Challenge, Choice, Goal, Lesson, LessonError, LessonStep, Loader, Prediction, Question,
    RealKafka, Refusal, Text,
};
use crate::config::{config_def, validate, Acks, ConfigScope};
use crate::errors::KafkaError;
use crate::ids::TopicPartition;
use crate::scenario::{self, ScenarioTable, StepTable, StepValidator};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::ops::Range;
use toml::Spanned;

/// Command names a step's `controls` may list (as [`crate::Command::name`]), plus `advance`
/// (letting time pass).
pub const CONTROL_COMMANDS: &[&str] = &[
    "advance",
    "create_topic",
    "create_partitions",
    "elect_leaders",
    "alter_topic_config",
    "add_producer",
    "alter_producer_config",
    "produce",
    "perf_test",
    "init_transactions",
    "begin_transaction",
    "commit_transaction",
    "abort_transaction",
    "add_consumer",
    "crash_consumer",
    "close_consumer",
    "stop_polling",
    "resume_polling",
    "seek",
    "seek_to_beginning",
    "seek_to_end",
    "crash_broker",
    "restart_broker",
    "crash_controller",
    "restart_controller",
    "partition_network",
    "isolate_node",
    "heal_network",
    "slow_node",
    "hold_envelope",
    "release_envelope",
    "drop_envelope",
];

/// The largest section number (十).
const SECTION_MAX: u32 = 10;

// Config values are read as the scenario parser reads them (string, integer or boolean).
use crate::scenario::ConfigValue;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawText {
    #[serde(default)]
    zh: Option<Spanned<String>>,
    #[serde(default)]
    en: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLesson {
    id: Spanned<String>,
    section: Spanned<u32>,
    title: RawText,
    summary: RawText,
    #[serde(default)]
    scenario: Option<Spanned<ScenarioTable>>,
    #[serde(default)]
    scenario_file: Option<Spanned<String>>,
    #[serde(default)]
    simplifications: Vec<RawText>,
    real_kafka: Spanned<RawRealKafka>,
    #[serde(default)]
    steps: Vec<Spanned<RawLessonStep>>,
    #[serde(default)]
    questions: Vec<Spanned<RawQuestion>>,
    #[serde(default)]
    challenges: Vec<Spanned<RawChallenge>>,
    #[serde(default)]
    presets: Vec<Spanned<RawPreset>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPreset {
    id: Spanned<String>,
    title: RawText,
    text: RawText,
    steps: Vec<StepTable>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRealKafka {
    text: RawText,
    cli: Spanned<String>,
    java: Spanned<String>,
    python: Spanned<String>,
    compose: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLessonStep {
    id: Spanned<String>,
    heading: RawText,
    text: RawText,
    #[serde(default)]
    controls: Vec<Spanned<String>>,
    #[serde(default)]
    demo: Vec<StepTable>,
    #[serde(default)]
    refusals: Vec<Spanned<RawRefusal>>,
    #[serde(default)]
    predict: Option<Spanned<RawPredict>>,
    #[serde(default)]
    goals: Vec<Spanned<RawPredicate>>,
    #[serde(default)]
    hints: Vec<RawText>,
    #[serde(default)]
    solution: Vec<StepTable>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRefusal {
    #[serde(default)]
    step: Option<StepTable>,
    #[serde(default)]
    scenario_file: Option<Spanned<String>>,
    /// The error the author expects; the loader checks the engine really gives it.
    error: Spanned<String>,
    why: RawText,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPredict {
    question: RawText,
    choices: Vec<Spanned<RawChoice>>,
    #[serde(default)]
    action: Vec<StepTable>,
    #[serde(default)]
    answer: Option<Spanned<String>>,
    why: RawText,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChoice {
    id: Spanned<String>,
    #[serde(default)]
    text: Option<RawText>,
    #[serde(default)]
    holds: Option<Spanned<RawPredicate>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    id: Spanned<String>,
    text: RawText,
    choices: Vec<Spanned<RawChoice>>,
    answer: Spanned<String>,
    why: RawText,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChallenge {
    id: Spanned<String>,
    text: RawText,
    #[serde(default)]
    controls: Vec<Spanned<String>>,
    goals: Vec<Spanned<RawPredicate>>,
    solution: Vec<StepTable>,
}

// --- predicates -------------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTp {
    topic: Spanned<String>,
    partition: Spanned<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIsr {
    topic: Spanned<String>,
    partition: Spanned<u32>,
    equals: Vec<Spanned<u32>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLeader {
    topic: Spanned<String>,
    partition: Spanned<u32>,
    broker: Spanned<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBrokerState {
    broker: Spanned<u32>,
    state: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPartitionCount {
    topic: Spanned<String>,
    count: Spanned<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHw {
    topic: Spanned<String>,
    partition: Spanned<u32>,
    #[serde(default)]
    equals: Option<i64>,
    #[serde(default)]
    at_least: Option<i64>,
    #[serde(default)]
    at_most: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMetric {
    name: Spanned<String>,
    #[serde(default)]
    equals: Option<i64>,
    #[serde(default)]
    at_least: Option<i64>,
    #[serde(default)]
    at_most: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawController {
    controller: Spanned<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOptController {
    #[serde(default)]
    controller: Option<Spanned<u32>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTopicConfig {
    topic: Spanned<String>,
    key: Spanned<String>,
    value: Spanned<ConfigValue>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProducerConfig {
    producer: Spanned<String>,
    key: Spanned<String>,
    value: Spanned<ConfigValue>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLogValues {
    topic: Spanned<String>,
    partition: Spanned<u32>,
    values: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProduce {
    #[serde(default)]
    producer: Option<Spanned<String>>,
    #[serde(default)]
    topic: Option<Spanned<String>>,
    #[serde(default)]
    partition: Option<Spanned<u32>>,
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    value: Option<String>,
    #[serde(default)]
    acks: Option<Spanned<ConfigValue>>,
    #[serde(default)]
    outcome: Option<Spanned<String>>,
    #[serde(default)]
    partitioner: Option<Spanned<String>>,
    #[serde(default)]
    offset: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLost {
    topic: Spanned<String>,
    #[serde(default)]
    acks: Option<Spanned<ConfigValue>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTruncated {
    topic: Spanned<String>,
    #[serde(default)]
    broker: Option<Spanned<u32>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTopicOnly {
    topic: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRetried {
    producer: Spanned<String>,
    #[serde(default)]
    error: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCommandFailed {
    command: Spanned<String>,
    error: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLeaderElected {
    topic: Spanned<String>,
    partition: Spanned<u32>,
    #[serde(default)]
    broker: Option<Spanned<u32>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBatchSent {
    producer: Spanned<String>,
    #[serde(default)]
    records_at_least: Option<u32>,
    #[serde(default)]
    bytes_at_most: Option<u64>,
}

/// `{ group, equals | at_least | at_most }` and friends: a name plus a comparison.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroupCmp {
    group: Spanned<String>,
    #[serde(default)]
    equals: Option<i64>,
    #[serde(default)]
    at_least: Option<i64>,
    #[serde(default)]
    at_most: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConsumerCmp {
    consumer: Spanned<String>,
    #[serde(default)]
    equals: Option<i64>,
    #[serde(default)]
    at_least: Option<i64>,
    #[serde(default)]
    at_most: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroupState {
    group: Spanned<String>,
    state: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOwns {
    consumer: Spanned<String>,
    topic: Spanned<String>,
    partition: Spanned<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCommitted {
    group: Spanned<String>,
    topic: Spanned<String>,
    partition: Spanned<u32>,
    #[serde(default)]
    equals: Option<i64>,
    #[serde(default)]
    at_least: Option<i64>,
    #[serde(default)]
    at_most: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLag {
    group: Spanned<String>,
    #[serde(default)]
    topic: Option<Spanned<String>>,
    #[serde(default)]
    partition: Option<Spanned<u32>>,
    #[serde(default)]
    equals: Option<i64>,
    #[serde(default)]
    at_least: Option<i64>,
    #[serde(default)]
    at_most: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDelivery {
    group: Spanned<String>,
    count: Spanned<String>,
    #[serde(default)]
    equals: Option<i64>,
    #[serde(default)]
    at_least: Option<i64>,
    #[serde(default)]
    at_most: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLogRecord {
    topic: Spanned<String>,
    partition: Spanned<u32>,
    offset: u64,
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    value: Option<String>,
    #[serde(default)]
    tombstone: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroupOnly {
    group: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRevoked {
    #[serde(default)]
    group: Option<Spanned<String>>,
    #[serde(default)]
    consumer: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConsumerError {
    #[serde(default)]
    consumer: Option<Spanned<String>>,
    error: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOffsetsCommitted {
    group: Spanned<String>,
    #[serde(default)]
    topic: Option<Spanned<String>>,
    #[serde(default)]
    partition: Option<Spanned<u32>>,
    #[serde(default)]
    offset: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTransaction {
    #[serde(default)]
    transactional_id: Option<String>,
    outcome: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFenced {
    #[serde(default)]
    transactional_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeadLetter {
    #[serde(default)]
    consumer: Option<Spanned<String>>,
    #[serde(default)]
    dlq: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTopicMaybePartition {
    topic: Spanned<String>,
    #[serde(default)]
    partition: Option<Spanned<u32>>,
}

/// One predicate table: exactly one of these keys.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPredicate {
    #[serde(default)]
    isr: Option<Spanned<RawIsr>>,
    #[serde(default)]
    leader: Option<Spanned<RawLeader>>,
    #[serde(default)]
    offline: Option<Spanned<RawTp>>,
    #[serde(default)]
    broker_state: Option<Spanned<RawBrokerState>>,
    #[serde(default)]
    partition_count: Option<Spanned<RawPartitionCount>>,
    #[serde(default)]
    high_watermark: Option<Spanned<RawHw>>,
    #[serde(default)]
    metric: Option<Spanned<RawMetric>>,
    #[serde(default)]
    active_controller: Option<Spanned<RawController>>,
    #[serde(default)]
    topic_config: Option<Spanned<RawTopicConfig>>,
    #[serde(default)]
    producer_config: Option<Spanned<RawProducerConfig>>,
    #[serde(default)]
    log_values: Option<Spanned<RawLogValues>>,
    #[serde(default)]
    produce: Option<Spanned<RawProduce>>,
    #[serde(default)]
    acked_write_lost: Option<Spanned<RawLost>>,
    #[serde(default)]
    truncated: Option<Spanned<RawTruncated>>,
    #[serde(default)]
    duplicate_batch: Option<Spanned<RawTopicOnly>>,
    #[serde(default)]
    batch_retried: Option<Spanned<RawRetried>>,
    #[serde(default)]
    command_failed: Option<Spanned<RawCommandFailed>>,
    #[serde(default)]
    leader_elected: Option<Spanned<RawLeaderElected>>,
    #[serde(default)]
    quorum_leader_elected: Option<Spanned<RawOptController>>,
    #[serde(default)]
    batch_sent: Option<Spanned<RawBatchSent>>,
    #[serde(default)]
    group_state: Option<Spanned<RawGroupState>>,
    #[serde(default)]
    group_members: Option<Spanned<RawGroupCmp>>,
    #[serde(default)]
    group_generation: Option<Spanned<RawGroupCmp>>,
    #[serde(default)]
    consumer_partitions: Option<Spanned<RawConsumerCmp>>,
    #[serde(default)]
    owns: Option<Spanned<RawOwns>>,
    #[serde(default)]
    committed_offset: Option<Spanned<RawCommitted>>,
    #[serde(default)]
    consumer_lag: Option<Spanned<RawLag>>,
    #[serde(default)]
    delivery: Option<Spanned<RawDelivery>>,
    #[serde(default)]
    consumer_processed: Option<Spanned<RawConsumerCmp>>,
    #[serde(default)]
    last_stable_offset: Option<Spanned<RawHw>>,
    #[serde(default)]
    log_start_offset: Option<Spanned<RawHw>>,
    #[serde(default)]
    segment_count: Option<Spanned<RawHw>>,
    #[serde(default)]
    log_record: Option<Spanned<RawLogRecord>>,
    #[serde(default)]
    rebalance: Option<Spanned<RawGroupOnly>>,
    #[serde(default)]
    partitions_revoked: Option<Spanned<RawRevoked>>,
    #[serde(default)]
    member_removed: Option<Spanned<RawGroupOnly>>,
    #[serde(default)]
    consumer_error: Option<Spanned<RawConsumerError>>,
    #[serde(default)]
    offsets_committed: Option<Spanned<RawOffsetsCommitted>>,
    #[serde(default)]
    transaction: Option<Spanned<RawTransaction>>,
    #[serde(default)]
    producer_fenced: Option<Spanned<RawFenced>>,
    #[serde(default)]
    dead_letter: Option<Spanned<RawDeadLetter>>,
    #[serde(default)]
    log_cleaned: Option<Spanned<RawTopicMaybePartition>>,
    #[serde(default)]
    segments_deleted: Option<Spanned<RawTopicMaybePartition>>,
}

/// The predicate keys, in the order they are documented.
pub const PREDICATES: &[&str] = &[
    "isr",
    "leader",
    "offline",
    "broker_state",
    "partition_count",
    "high_watermark",
    "metric",
    "active_controller",
    "topic_config",
    "producer_config",
    "log_values",
    "produce",
    "acked_write_lost",
    "truncated",
    "duplicate_batch",
    "batch_retried",
    "command_failed",
    "leader_elected",
    "quorum_leader_elected",
    "batch_sent",
    "group_state",
    "group_members",
    "group_generation",
    "consumer_partitions",
    "owns",
    "committed_offset",
    "consumer_lag",
    "delivery",
    "consumer_processed",
    "last_stable_offset",
    "log_start_offset",
    "segment_count",
    "log_record",
    "rebalance",
    "partitions_revoked",
    "member_removed",
    "consumer_error",
    "offsets_committed",
    "transaction",
    "producer_fenced",
    "dead_letter",
    "log_cleaned",
    "segments_deleted",
];

// --- the checker --------------------------------------------------------------------------------

struct Ctx<'a> {
    src: &'a str,
    file: &'a str,
    /// The last id read: where a text table with no string at all is reported (TOML cannot give
    /// the span of a dotted-key table such as `text.zh = …`).
    near: std::cell::Cell<(usize, usize)>,
}

impl Ctx<'_> {
    fn err(&self, span: Range<usize>, reason: impl Into<String>) -> LessonError {
        let mut offset = span.start.min(self.src.len());
        while offset > 0 && !self.src.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.src[..offset];
        let line = before.matches('\n').count() + 1;
        let start = before.rfind('\n').map_or(0, |i| i + 1);
        LessonError {
            file: self.file.to_string(),
            line,
            column: before[start..].chars().count() + 1,
            reason: crate::scenario::printable(reason.into()),
        }
    }

    fn text(&self, raw: &RawText, what: &str) -> Result<Text, LessonError> {
        let r = raw;
        let (a, b) = self.near.get();
        let at = r.zh.as_ref().or(r.en.as_ref()).map_or(a..b, |s| s.span());
        let one = |s: &Option<Spanned<String>>, loc: &str| match s {
            None => Err(self.err(
                at.clone(),
                format!("{what}: missing {loc} string (both zh and en are required)"),
            )),
            Some(v) if v.get_ref().trim().is_empty() => {
                Err(self.err(v.span(), format!("{what}: empty {loc} string")))
            }
            Some(v) => Ok(v.get_ref().clone()),
        };
        Ok(Text {
            zh: one(&r.zh, "zh")?,
            en: one(&r.en, "en")?,
        })
    }

    fn id(
        &self,
        raw: &Spanned<String>,
        seen: &mut BTreeSet<String>,
        what: &str,
    ) -> Result<String, LessonError> {
        let id = raw.get_ref();
        self.near.set((raw.span().start, raw.span().end));
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        {
            return Err(self.err(
                raw.span(),
                format!("{what} id '{id}' must be lower-case letters, digits, '-' and '.'"),
            ));
        }
        if !seen.insert(id.clone()) {
            return Err(self.err(raw.span(), format!("duplicate {what} id '{id}'")));
        }
        Ok(id.clone())
    }
}

/// Parses and validates a lesson. `file` is only used in messages; `load` reads the scenario files
/// the lesson names (paths as written, relative to the lesson's folder).
pub fn parse(src: &str, file: &str, load: Loader<'_>) -> Result<Lesson, LessonError> {
    let ctx = Ctx {
        src,
        file,
        near: std::cell::Cell::new((0, 0)),
    };
    let raw: RawLesson = toml::from_str(src).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        ctx.err(span.clone(), crate::scenario::toml_reason(&e, src, span))
    })?;
    let mut ids = BTreeSet::new();
    let id = ctx.id(&raw.id, &mut ids, "lesson")?;
    let section = *raw.section.get_ref();
    if !(1..=SECTION_MAX).contains(&section) {
        return Err(ctx.err(
            raw.section.span(),
            format!("section must be 1 … {SECTION_MAX} (the notes' 一 … 十), not {section}"),
        ));
    }
    let title = ctx.text(&raw.title, "title")?;
    let summary = ctx.text(&raw.summary, "summary")?;

    // The starting scenario: inline, or a file validated on its own (its errors point into it).
    let (scenario, mut v) = match (raw.scenario, &raw.scenario_file) {
        (Some(_), Some(f)) => {
            return Err(ctx.err(
                f.span(),
                "give either [scenario] or scenario_file, not both",
            ));
        }
        (None, None) => {
            return Err(ctx.err(0..0, "a lesson needs a starting scenario: [scenario] or scenario_file = \"scenarios/….toml\""));
        }
        (Some(table), None) => StepValidator::embedded(src, file, table.into_inner())?,
        (None, Some(f)) => {
            let (name, text) = load(f.get_ref()).map_err(|e| ctx.err(f.span(), e))?;
            let s = scenario::parse(&text, &name)?;
            let v = StepValidator::after(src, file, &s);
            (s, v)
        }
    };

    let mut simplifications = Vec::new();
    for s in &raw.simplifications {
        simplifications.push(ctx.text(s, "simplification")?);
    }
    let rk = raw.real_kafka.get_ref();
    let mut real_kafka = RealKafka {
        text: ctx.text(&rk.text, "real_kafka.text")?,
        ..Default::default()
    };
    for (field, name) in [
        (&rk.cli, "cli"),
        (&rk.java, "java"),
        (&rk.python, "python"),
        (&rk.compose, "compose"),
    ] {
        if field.get_ref().trim().is_empty() {
            return Err(ctx.err(field.span(), format!("real_kafka.{name} must not be empty")));
        }
    }
    real_kafka.cli = rk.cli.get_ref().clone();
    real_kafka.java = rk.java.get_ref().clone();
    real_kafka.python = rk.python.get_ref().clone();
    real_kafka.compose = rk.compose.get_ref().clone();

    let mut steps = Vec::new();
    let mut step_ids = BTreeSet::new();
    for rs in &raw.steps {
        steps.push(lesson_step(
            &ctx,
            &mut v,
            rs.get_ref(),
            &mut step_ids,
            load,
        )?);
    }
    if steps.is_empty() {
        return Err(ctx.err(raw.id.span(), "a lesson needs at least one [[steps]]"));
    }

    let mut questions = Vec::new();
    for q in &raw.questions {
        let q = q.get_ref();
        let qid = ctx.id(&q.id, &mut ids, "question")?;
        let text = ctx.text(&q.text, "question text")?;
        let choices = static_choices(&ctx, &q.choices)?;
        let answer = q.answer.get_ref().clone();
        if !choices.iter().any(|c| c.id == answer) {
            return Err(ctx.err(
                q.answer.span(),
                format!("answer '{answer}' is not one of the choices"),
            ));
        }
        questions.push(Question {
            id: qid,
            text,
            choices,
            answer,
            why: ctx.text(&q.why, "why")?,
        });
    }

    let mut challenges = Vec::new();
    for c in &raw.challenges {
        let c = c.get_ref();
        let cid = ctx.id(&c.id, &mut ids, "challenge")?;
        let text = ctx.text(&c.text, "challenge text")?;
        let controls = controls(&ctx, &c.controls)?;
        // A challenge starts again from the lesson's starting scenario.
        let mut cv = StepValidator::after(src, file, &scenario);
        let solution = cv.steps(&c.solution)?;
        check_solution_controls(&ctx, &controls, &solution, &format!("challenge {cid}"))?;
        if c.goals.is_empty() {
            return Err(ctx.err(c.id.span(), "a challenge needs at least one goal"));
        }
        let mut goals = Vec::new();
        for (i, g) in c.goals.iter().enumerate() {
            goals.push(Goal {
                id: format!("{cid}.{}", i + 1),
                predicate: predicate(&ctx, &cv, g)?,
            });
        }
        if solution.is_empty() {
            return Err(ctx.err(c.id.span(), "a challenge needs a reference solution"));
        }
        challenges.push(Challenge {
            id: cid,
            text,
            controls,
            goals,
            solution,
        });
    }

    let mut presets = Vec::new();
    for p in &raw.presets {
        let p = p.get_ref();
        let pid = ctx.id(&p.id, &mut ids, "preset")?;
        let title = ctx.text(&p.title, "preset title")?;
        let text = ctx.text(&p.text, "preset text")?;
        // A preset applies to a fresh sandbox started from the lesson's scenario.
        let mut pv = StepValidator::after(src, file, &scenario);
        let steps = pv.steps(&p.steps)?;
        if steps.is_empty() {
            return Err(ctx.err(p.id.span(), "a preset needs at least one step"));
        }
        presets.push(super::Preset {
            id: pid,
            title,
            text,
            steps,
        });
    }

    Ok(Lesson {
        presets,
        file: file.to_string(),
        id,
        section: section as u8,
        title,
        summary,
        scenario,
        steps,
        simplifications,
        real_kafka,
        questions,
        challenges,
    })
}

fn lesson_step(
    ctx: &Ctx<'_>,
    v: &mut StepValidator<'_>,
    rs: &RawLessonStep,
    ids: &mut BTreeSet<String>,
    load: Loader<'_>,
) -> Result<LessonStep, LessonError> {
    let id = ctx.id(&rs.id, ids, "step")?;
    let heading = ctx.text(&rs.heading, "heading")?;
    let text = ctx.text(&rs.text, "text")?;
    let controls = controls(ctx, &rs.controls)?;
    let demo = v.steps(&rs.demo)?;
    let mut refusals = Vec::new();
    for r in &rs.refusals {
        refusals.push(refusal(ctx, v, r, load)?);
    }
    let predict = match &rs.predict {
        None => None,
        Some(p) => Some(prediction(ctx, v, p)?),
    };
    let solution = v.steps(&rs.solution)?;
    check_solution_controls(ctx, &controls, &solution, &format!("step {id}"))?;
    let mut goals = Vec::new();
    for (i, g) in rs.goals.iter().enumerate() {
        goals.push(Goal {
            id: format!("{id}.{}", i + 1),
            predicate: predicate(ctx, v, g)?,
        });
    }
    let mut hints = Vec::new();
    for h in &rs.hints {
        hints.push(ctx.text(h, "hint")?);
    }
    Ok(LessonStep {
        id,
        heading,
        text,
        controls,
        demo,
        refusals,
        predict,
        goals,
        hints,
        solution,
    })
}

/// A reference solution may only use what the learner is given: each command must be among the
/// controls (config changes by their key), or the learner could not reproduce it. Time always
/// passes, so `advance_ms` needs no control.
fn check_solution_controls(
    ctx: &Ctx<'_>,
    controls: &[String],
    solution: &[crate::scenario::Step],
    what: &str,
) -> Result<(), LessonError> {
    use crate::scenario::Action;
    for st in solution {
        let needed = match &st.action {
            Action::AdvanceMs(_) => continue,
            Action::Command(crate::Command::AlterProducerConfig { key, .. })
            | Action::Command(crate::Command::AlterTopicConfig { key, .. }) => key.clone(),
            Action::Command(c) => c.name().to_string(),
        };
        if !controls.contains(&needed) {
            return Err(LessonError {
                file: ctx.file.to_string(),
                line: st.pos.line,
                column: st.pos.column,
                reason: format!(
                    "{what}'s solution uses {needed}, which is not among its controls [{}]",
                    controls.join(", ")
                ),
            });
        }
    }
    Ok(())
}

fn controls(ctx: &Ctx<'_>, raw: &[Spanned<String>]) -> Result<Vec<String>, LessonError> {
    let mut out = Vec::new();
    for c in raw {
        let name = c.get_ref();
        let known = CONTROL_COMMANDS.contains(&name.as_str())
            || [
                ConfigScope::Broker,
                ConfigScope::Topic,
                ConfigScope::Producer,
                ConfigScope::Consumer,
            ]
            .iter()
            .any(|s| config_def(*s, name).is_some());
        if !known {
            return Err(ctx.err(
                c.span(),
                format!(
                    "unknown control '{name}': use a command ({}) or a Kafka config key the engine knows",
                    CONTROL_COMMANDS.join(", ")
                ),
            ));
        }
        out.push(name.clone());
    }
    Ok(out)
}

fn refusal(
    ctx: &Ctx<'_>,
    v: &mut StepValidator<'_>,
    r: &Spanned<RawRefusal>,
    load: Loader<'_>,
) -> Result<Refusal, LessonError> {
    let raw = r.get_ref();
    let why = ctx.text(&raw.why, "why")?;
    let (attempt, got) = match (&raw.step, &raw.scenario_file) {
        (Some(step), None) => match v.steps(std::slice::from_ref(step)) {
            Ok(s) => (
                s.first().map(|s| s.action.to_string()).unwrap_or_default(),
                None,
            ),
            Err(e) => (String::new(), Some(e.reason)),
        },
        (None, Some(f)) => {
            let (name, text) = load(f.get_ref()).map_err(|e| ctx.err(f.span(), e))?;
            match scenario::parse(&text, &name) {
                Ok(_) => (name, None),
                Err(e) => (name, Some(e.reason)),
            }
        }
        _ => {
            return Err(ctx.err(
                r.span(),
                "a refusal needs exactly one of step or scenario_file",
            ));
        }
    };
    let expected = raw.error.get_ref();
    match got {
        None => Err(ctx.err(
            raw.error.span(),
            format!("this refusal is accepted by the engine ({attempt}); expected the error: {expected}"),
        )),
        Some(reason) if &reason != expected => Err(ctx.err(
            raw.error.span(),
            format!("the engine refuses this with a different error: {reason}"),
        )),
        Some(reason) => {
            let attempt = if attempt.is_empty() {
                step_source(ctx, raw)
            } else {
                attempt
            };
            Ok(Refusal {
                attempt,
                error: reason,
                why,
            })
        }
    }
}

/// The refused step as written in the lesson (one line).
fn step_source(ctx: &Ctx<'_>, raw: &RawRefusal) -> String {
    // The step table's text, from its `step =` value: it is an inline table on one line.
    let start = raw.error.span().start;
    let before = &ctx.src[..start.min(ctx.src.len())];
    before
        .lines()
        .rev()
        .find_map(|l| {
            l.trim()
                .strip_prefix("step = ")
                .map(|s| s.trim().to_string())
        })
        .map(|s| {
            // `{ create_partitions = { … } }` → `create_partitions = { … }`
            match s.strip_prefix('{').and_then(|x| x.strip_suffix('}')) {
                Some(inner) => inner.trim().to_string(),
                None => s,
            }
        })
        .unwrap_or_default()
}

fn prediction(
    ctx: &Ctx<'_>,
    v: &mut StepValidator<'_>,
    p: &Spanned<RawPredict>,
) -> Result<Prediction, LessonError> {
    let raw = p.get_ref();
    let question = ctx.text(&raw.question, "question")?;
    let why = ctx.text(&raw.why, "why")?;
    let action = v.steps(&raw.action)?;
    if raw.choices.len() < 2 {
        return Err(ctx.err(p.span(), "a prediction needs at least two choices"));
    }
    let mut seen = BTreeSet::new();
    let mut choices = Vec::new();
    for c in &raw.choices {
        let rc = c.get_ref();
        let id = ctx.id(&rc.id, &mut seen, "choice")?;
        let holds = match &rc.holds {
            Some(h) => Some(predicate(ctx, v, h)?),
            None => None,
        };
        let text = match (&rc.text, &holds) {
            (Some(t), _) => ctx.text(t, "choice text")?,
            (None, Some(h)) => h.describe(),
            (None, None) => {
                return Err(ctx.err(
                    c.span(),
                    "a choice needs text (or a holds predicate to render it from)",
                ))
            }
        };
        if action.is_empty() && holds.is_some() {
            return Err(ctx.err(
                rc.id.span(),
                "holds needs an action: without one, give answer = \"<choice id>\"",
            ));
        }
        if !action.is_empty() && holds.is_none() {
            return Err(ctx.err(rc.id.span(), "with an action, every choice needs holds = { … } so the engine can compute the answer"));
        }
        choices.push(Choice { id, text, holds });
    }
    let answer = match (&raw.answer, action.is_empty()) {
        (Some(a), true) => {
            if !choices.iter().any(|c| &c.id == a.get_ref()) {
                return Err(ctx.err(
                    a.span(),
                    format!("answer '{}' is not one of the choices", a.get_ref()),
                ));
            }
            Some(a.get_ref().clone())
        }
        (Some(a), false) => {
            return Err(ctx.err(
                a.span(),
                "with an action the engine computes the answer: remove answer",
            ));
        }
        (None, true) => {
            return Err(ctx.err(
                p.span(),
                "a prediction needs an action (computed answer) or answer = \"<choice id>\"",
            ))
        }
        (None, false) => None,
    };
    Ok(Prediction {
        question,
        choices,
        action,
        answer,
        why,
    })
}

fn static_choices(ctx: &Ctx<'_>, raw: &[Spanned<RawChoice>]) -> Result<Vec<Choice>, LessonError> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for c in raw {
        let rc = c.get_ref();
        let id = ctx.id(&rc.id, &mut seen, "choice")?;
        if let Some(h) = &rc.holds {
            return Err(ctx.err(
                h.span(),
                "a question's choices are plain text; use a challenge for goals",
            ));
        }
        let Some(t) = &rc.text else {
            return Err(ctx.err(c.span(), "a choice needs text"));
        };
        out.push(Choice {
            id,
            text: ctx.text(t, "choice text")?,
            holds: None,
        });
    }
    if out.len() < 2 {
        return Err(ctx.err(0..0, "a question needs at least two choices"));
    }
    Ok(out)
}

// --- predicate validation -----------------------------------------------------------------------

fn topic(ctx: &Ctx<'_>, v: &StepValidator<'_>, t: &Spanned<String>) -> Result<String, LessonError> {
    if v.topics().contains_key(t.get_ref()) {
        Ok(t.get_ref().clone())
    } else {
        let known: Vec<&str> = v.topics().keys().map(String::as_str).collect();
        Err(ctx.err(
            t.span(),
            format!(
                "unknown topic '{}' (topics here are [{}])",
                t.get_ref(),
                known.join(", ")
            ),
        ))
    }
}

fn tp(
    ctx: &Ctx<'_>,
    v: &StepValidator<'_>,
    t: &Spanned<String>,
    p: &Spanned<u32>,
) -> Result<TopicPartition, LessonError> {
    let name = topic(ctx, v, t)?;
    let n = v.topics()[&name];
    if *p.get_ref() >= n {
        return Err(ctx.err(
            p.span(),
            format!("This server does not host this topic-partition: '{name}-{}' ({name} has {n} partition(s))", p.get_ref()),
        ));
    }
    Ok(TopicPartition::new(name, *p.get_ref()))
}

fn broker(ctx: &Ctx<'_>, v: &StepValidator<'_>, b: &Spanned<u32>) -> Result<u32, LessonError> {
    if v.brokers().contains(b.get_ref()) {
        Ok(*b.get_ref())
    } else {
        let list: Vec<String> = v.brokers().iter().map(|b| b.to_string()).collect();
        Err(ctx.err(
            b.span(),
            format!(
                "unknown broker {} (brokers are [{}])",
                b.get_ref(),
                list.join(", ")
            ),
        ))
    }
}

fn controller(ctx: &Ctx<'_>, v: &StepValidator<'_>, c: &Spanned<u32>) -> Result<u32, LessonError> {
    if v.controllers().contains(c.get_ref()) {
        Ok(*c.get_ref())
    } else {
        let list: Vec<String> = v.controllers().iter().map(|b| b.to_string()).collect();
        Err(ctx.err(
            c.span(),
            format!(
                "unknown controller {} (controllers are [{}])",
                c.get_ref(),
                list.join(", ")
            ),
        ))
    }
}

fn producer(
    ctx: &Ctx<'_>,
    v: &StepValidator<'_>,
    p: &Spanned<String>,
) -> Result<String, LessonError> {
    if v.producers().contains(p.get_ref()) {
        Ok(p.get_ref().clone())
    } else {
        Err(ctx.err(p.span(), format!("unknown producer '{}'", p.get_ref())))
    }
}

fn kafka_error(ctx: &Ctx<'_>, e: &Spanned<String>) -> Result<KafkaError, LessonError> {
    serde_json::from_value::<KafkaError>(serde_json::Value::String(e.get_ref().clone())).map_err(
        |_| {
            ctx.err(
                e.span(),
                format!(
                    "unknown Kafka error '{}' (use Kafka's name, e.g. NOT_ENOUGH_REPLICAS)",
                    e.get_ref()
                ),
            )
        },
    )
}

fn acks(ctx: &Ctx<'_>, a: &Spanned<ConfigValue>) -> Result<Acks, LessonError> {
    let value = validate(ConfigScope::Producer, "acks", &a.get_ref().0)
        .map_err(|e| ctx.err(a.span(), e.message))?;
    Acks::parse(&value).ok_or_else(|| ctx.err(a.span(), format!("invalid acks '{value}'")))
}

fn config(
    ctx: &Ctx<'_>,
    scope: ConfigScope,
    key: &Spanned<String>,
    value: &Spanned<ConfigValue>,
) -> Result<String, LessonError> {
    validate(scope, key.get_ref(), &value.get_ref().0).map_err(|e| {
        let span = if config_def(scope, key.get_ref()).is_some() {
            value.span()
        } else {
            key.span()
        };
        ctx.err(span, e.message)
    })
}

fn compare(
    ctx: &Ctx<'_>,
    span: Range<usize>,
    equals: Option<i64>,
    at_least: Option<i64>,
    at_most: Option<i64>,
) -> Result<Compare, LessonError> {
    match (equals, at_least, at_most) {
        (Some(x), None, None) => Ok(Compare::Equals(x)),
        (None, Some(x), None) => Ok(Compare::AtLeast(x)),
        (None, None, Some(x)) => Ok(Compare::AtMost(x)),
        _ => Err(ctx.err(span, "give exactly one of equals, at_least, at_most")),
    }
}

fn predicate(
    ctx: &Ctx<'_>,
    v: &StepValidator<'_>,
    raw: &Spanned<RawPredicate>,
) -> Result<Predicate, LessonError> {
    let r = raw.get_ref();
    let mut present: Vec<(&str, Range<usize>)> = Vec::new();
    macro_rules! mark {
        ($($f:ident),*) => { $( if let Some(x) = &r.$f { present.push((stringify!($f), x.span())); } )* };
    }
    mark!(
        isr,
        leader,
        offline,
        broker_state,
        partition_count,
        high_watermark,
        metric,
        active_controller,
        topic_config,
        producer_config,
        log_values,
        produce,
        acked_write_lost,
        truncated,
        duplicate_batch,
        batch_retried,
        command_failed,
        leader_elected,
        quorum_leader_elected,
        batch_sent,
        group_state,
        group_members,
        group_generation,
        consumer_partitions,
        owns,
        committed_offset,
        consumer_lag,
        delivery,
        consumer_processed,
        last_stable_offset,
        log_start_offset,
        segment_count,
        log_record,
        rebalance,
        partitions_revoked,
        member_removed,
        consumer_error,
        offsets_committed,
        transaction,
        producer_fenced,
        dead_letter,
        log_cleaned,
        segments_deleted
    );
    present.sort_by_key(|(_, s)| s.start);
    match present.len() {
        0 => {
            return Err(ctx.err(
                raw.span(),
                format!(
                    "a goal needs exactly one predicate: {}",
                    PREDICATES.join(", ")
                ),
            ))
        }
        1 => {}
        _ => {
            return Err(ctx.err(
                present[1].1.clone(),
                format!(
                    "a goal has one predicate; {} and {} are two goals",
                    present[0].0, present[1].0
                ),
            ))
        }
    }
    if let Some(x) = &r.isr {
        let x = x.get_ref();
        let tp = tp(ctx, v, &x.topic, &x.partition)?;
        let mut brokers = Vec::new();
        for b in &x.equals {
            brokers.push(broker(ctx, v, b)?);
        }
        brokers.sort_unstable();
        brokers.dedup();
        return Ok(Predicate::Isr { tp, brokers });
    }
    if let Some(x) = &r.leader {
        let x = x.get_ref();
        return Ok(Predicate::Leader {
            tp: tp(ctx, v, &x.topic, &x.partition)?,
            broker: broker(ctx, v, &x.broker)?,
        });
    }
    if let Some(x) = &r.offline {
        let x = x.get_ref();
        return Ok(Predicate::Offline {
            tp: tp(ctx, v, &x.topic, &x.partition)?,
        });
    }
    if let Some(x) = &r.broker_state {
        let x = x.get_ref();
        let state = match x.state.get_ref().as_str() {
            "up" => BrokerState::Up,
            "down" => BrokerState::Down,
            "fenced" => BrokerState::Fenced,
            other => {
                return Err(ctx.err(
                    x.state.span(),
                    format!("unknown broker state '{other}' (up, down, fenced)"),
                ))
            }
        };
        return Ok(Predicate::BrokerState {
            broker: broker(ctx, v, &x.broker)?,
            state,
        });
    }
    if let Some(x) = &r.partition_count {
        let x = x.get_ref();
        return Ok(Predicate::PartitionCount {
            topic: topic(ctx, v, &x.topic)?,
            count: *x.count.get_ref(),
        });
    }
    if let Some(s) = &r.high_watermark {
        let x = s.get_ref();
        return Ok(Predicate::HighWatermark {
            tp: tp(ctx, v, &x.topic, &x.partition)?,
            cmp: compare(ctx, s.span(), x.equals, x.at_least, x.at_most)?,
        });
    }
    if let Some(s) = &r.metric {
        let x = s.get_ref();
        let Some((_, metric)) = METRICS.iter().find(|(n, _)| n == x.name.get_ref()) else {
            let names: Vec<&str> = METRICS.iter().map(|(n, _)| *n).collect();
            return Err(ctx.err(
                x.name.span(),
                format!(
                    "unknown metric '{}' (metrics: {})",
                    x.name.get_ref(),
                    names.join(", ")
                ),
            ));
        };
        return Ok(Predicate::Metric {
            metric: *metric,
            cmp: compare(ctx, s.span(), x.equals, x.at_least, x.at_most)?,
        });
    }
    if let Some(x) = &r.active_controller {
        return Ok(Predicate::ActiveController {
            controller: controller(ctx, v, &x.get_ref().controller)?,
        });
    }
    if let Some(x) = &r.topic_config {
        let x = x.get_ref();
        return Ok(Predicate::TopicConfig {
            topic: topic(ctx, v, &x.topic)?,
            key: x.key.get_ref().clone(),
            value: config(ctx, ConfigScope::Topic, &x.key, &x.value)?,
        });
    }
    if let Some(x) = &r.producer_config {
        let x = x.get_ref();
        return Ok(Predicate::ProducerConfig {
            producer: producer(ctx, v, &x.producer)?,
            key: x.key.get_ref().clone(),
            value: config(ctx, ConfigScope::Producer, &x.key, &x.value)?,
        });
    }
    if let Some(x) = &r.log_values {
        let x = x.get_ref();
        return Ok(Predicate::LogValues {
            tp: tp(ctx, v, &x.topic, &x.partition)?,
            values: x.values.clone(),
        });
    }
    if let Some(x) = &r.produce {
        let x = x.get_ref();
        let topic_name = match &x.topic {
            Some(t) => Some(topic(ctx, v, t)?),
            None => None,
        };
        let partition = match (&x.partition, &x.topic) {
            (Some(p), Some(t)) => Some(tp(ctx, v, t, p)?.partition),
            (Some(p), None) => return Err(ctx.err(p.span(), "partition needs topic")),
            (None, _) => None,
        };
        let outcome = match &x.outcome {
            None => None,
            Some(o) if o.get_ref() == "ok" => Some(Outcome::Ok),
            Some(o) => Some(Outcome::Err(kafka_error(ctx, o)?)),
        };
        let partitioner = match &x.partitioner {
            None => None,
            Some(p) => {
                const KINDS: &[&str] = &[
                    "murmur2",
                    "sticky",
                    "round-robin",
                    "explicit",
                    "custom rule",
                ];
                if !KINDS.contains(&p.get_ref().as_str()) {
                    return Err(ctx.err(
                        p.span(),
                        format!(
                            "unknown partitioner '{}' ({})",
                            p.get_ref(),
                            KINDS.join(", ")
                        ),
                    ));
                }
                Some(p.get_ref().clone())
            }
        };
        return Ok(Predicate::Produce(ProduceFilter {
            producer: match &x.producer {
                Some(p) => Some(producer(ctx, v, p)?),
                None => None,
            },
            topic: topic_name,
            partition,
            key: x.key.clone(),
            value: x.value.clone(),
            acks: match &x.acks {
                Some(a) => Some(acks(ctx, a)?),
                None => None,
            },
            outcome,
            partitioner,
            offset: x.offset,
        }));
    }
    if let Some(x) = &r.acked_write_lost {
        let x = x.get_ref();
        return Ok(Predicate::AckedWriteLost {
            topic: topic(ctx, v, &x.topic)?,
            acks: match &x.acks {
                Some(a) => Some(acks(ctx, a)?),
                None => None,
            },
        });
    }
    if let Some(x) = &r.truncated {
        let x = x.get_ref();
        return Ok(Predicate::Truncated {
            topic: topic(ctx, v, &x.topic)?,
            broker: match &x.broker {
                Some(b) => Some(broker(ctx, v, b)?),
                None => None,
            },
        });
    }
    if let Some(x) = &r.duplicate_batch {
        return Ok(Predicate::DuplicateBatch {
            topic: topic(ctx, v, &x.get_ref().topic)?,
        });
    }
    if let Some(x) = &r.batch_retried {
        let x = x.get_ref();
        return Ok(Predicate::BatchRetried {
            producer: producer(ctx, v, &x.producer)?,
            error: match &x.error {
                Some(e) => Some(kafka_error(ctx, e)?),
                None => None,
            },
        });
    }
    if let Some(x) = &r.command_failed {
        let x = x.get_ref();
        let c = x.command.get_ref();
        if !CONTROL_COMMANDS.contains(&c.as_str()) || c == "advance" {
            return Err(ctx.err(x.command.span(), format!("unknown command '{c}'")));
        }
        return Ok(Predicate::CommandFailed {
            command: c.clone(),
            error: kafka_error(ctx, &x.error)?,
        });
    }
    if let Some(x) = &r.leader_elected {
        let x = x.get_ref();
        return Ok(Predicate::LeaderElected {
            tp: tp(ctx, v, &x.topic, &x.partition)?,
            broker: match &x.broker {
                Some(b) => Some(broker(ctx, v, b)?),
                None => None,
            },
        });
    }
    if let Some(x) = &r.quorum_leader_elected {
        return Ok(Predicate::QuorumLeaderElected {
            controller: match &x.get_ref().controller {
                Some(c) => Some(controller(ctx, v, c)?),
                None => None,
            },
        });
    }
    if let Some(x) = &r.batch_sent {
        let x = x.get_ref();
        return Ok(Predicate::BatchSent {
            producer: producer(ctx, v, &x.producer)?,
            records_at_least: x.records_at_least,
            bytes_at_most: x.bytes_at_most,
        });
    }
    if let Some(c) = consume_predicate(ctx, v, r)? {
        return Ok(Predicate::Consume(c));
    }
    // Counted above: exactly one predicate is present, and every one returns.
    Err(ctx.err(raw.span(), "internal error: predicate not handled"))
}

fn consumer(
    ctx: &Ctx<'_>,
    v: &StepValidator<'_>,
    c: &Spanned<String>,
) -> Result<String, LessonError> {
    if v.consumers().contains(c.get_ref()) {
        Ok(c.get_ref().clone())
    } else {
        let known: Vec<&str> = v.consumers().iter().map(String::as_str).collect();
        Err(ctx.err(
            c.span(),
            format!(
                "unknown consumer '{}' (consumers here are [{}])",
                c.get_ref(),
                known.join(", ")
            ),
        ))
    }
}

fn group_id(
    ctx: &Ctx<'_>,
    v: &StepValidator<'_>,
    g: &Spanned<String>,
) -> Result<String, LessonError> {
    if v.groups().contains(g.get_ref()) {
        Ok(g.get_ref().clone())
    } else {
        let known: Vec<&str> = v.groups().iter().map(String::as_str).collect();
        Err(ctx.err(
            g.span(),
            format!(
                "unknown group '{}' (groups of the consumers here are [{}])",
                g.get_ref(),
                known.join(", ")
            ),
        ))
    }
}

/// An optional topic and partition filter: the partition needs the topic.
fn topic_filter(
    ctx: &Ctx<'_>,
    v: &StepValidator<'_>,
    t: &Option<Spanned<String>>,
    p: &Option<Spanned<u32>>,
) -> Result<(Option<String>, Option<u32>), LessonError> {
    match (t, p) {
        (None, None) => Ok((None, None)),
        (None, Some(p)) => Err(ctx.err(p.span(), "partition needs a topic")),
        (Some(t), None) => Ok((Some(topic(ctx, v, t)?), None)),
        (Some(t), Some(p)) => {
            let x = tp(ctx, v, t, p)?;
            Ok((Some(x.topic), Some(x.partition)))
        }
    }
}

/// The predicates of sections 六–九 (`goal_consume.rs`), if `r` holds one.
fn consume_predicate(
    ctx: &Ctx<'_>,
    v: &StepValidator<'_>,
    r: &RawPredicate,
) -> Result<Option<ConsumePredicate>, LessonError> {
    use ConsumePredicate as C;
    let cmp = |span: Range<usize>, e: Option<i64>, l: Option<i64>, m: Option<i64>| {
        compare(ctx, span, e, l, m)
    };
    if let Some(x) = &r.group_state {
        let span = x.span();
        let x = x.get_ref();
        const STATES: &[&str] = &[
            "Empty",
            "PreparingRebalance",
            "CompletingRebalance",
            "Stable",
            "Dead",
            "Assigning",
            "Reconciling",
        ];
        if !STATES.contains(&x.state.get_ref().as_str()) {
            return Err(ctx.err(
                x.state.span(),
                format!(
                    "unknown group state '{}' ({})",
                    x.state.get_ref(),
                    STATES.join(", ")
                ),
            ));
        }
        let _ = span;
        return Ok(Some(C::GroupState {
            group: group_id(ctx, v, &x.group)?,
            state: x.state.get_ref().clone(),
        }));
    }
    for (raw, members) in [(&r.group_members, true), (&r.group_generation, false)] {
        if let Some(x) = raw {
            let span = x.span();
            let x = x.get_ref();
            let group = group_id(ctx, v, &x.group)?;
            let cmp = cmp(span, x.equals, x.at_least, x.at_most)?;
            return Ok(Some(if members {
                C::GroupMembers { group, cmp }
            } else {
                C::GroupGeneration { group, cmp }
            }));
        }
    }
    for (raw, partitions) in [
        (&r.consumer_partitions, true),
        (&r.consumer_processed, false),
    ] {
        if let Some(x) = raw {
            let span = x.span();
            let x = x.get_ref();
            let consumer = consumer(ctx, v, &x.consumer)?;
            let cmp = cmp(span, x.equals, x.at_least, x.at_most)?;
            return Ok(Some(if partitions {
                C::ConsumerPartitions { consumer, cmp }
            } else {
                C::ConsumerProcessed { consumer, cmp }
            }));
        }
    }
    if let Some(x) = &r.owns {
        let x = x.get_ref();
        return Ok(Some(C::Owns {
            consumer: consumer(ctx, v, &x.consumer)?,
            tp: tp(ctx, v, &x.topic, &x.partition)?,
        }));
    }
    if let Some(x) = &r.committed_offset {
        let span = x.span();
        let x = x.get_ref();
        return Ok(Some(C::CommittedOffset {
            group: group_id(ctx, v, &x.group)?,
            tp: tp(ctx, v, &x.topic, &x.partition)?,
            cmp: cmp(span, x.equals, x.at_least, x.at_most)?,
        }));
    }
    if let Some(x) = &r.consumer_lag {
        let span = x.span();
        let x = x.get_ref();
        let (topic, partition) = topic_filter(ctx, v, &x.topic, &x.partition)?;
        return Ok(Some(C::ConsumerLag {
            group: group_id(ctx, v, &x.group)?,
            topic,
            partition,
            cmp: cmp(span, x.equals, x.at_least, x.at_most)?,
        }));
    }
    if let Some(x) = &r.delivery {
        let span = x.span();
        let x = x.get_ref();
        let Some(count) = LedgerCount::ALL
            .iter()
            .find(|(n, _)| n == x.count.get_ref())
            .map(|(_, c)| *c)
        else {
            let names: Vec<&str> = LedgerCount::ALL.iter().map(|(n, _)| *n).collect();
            return Err(ctx.err(
                x.count.span(),
                format!(
                    "unknown ledger count '{}' ({})",
                    x.count.get_ref(),
                    names.join(", ")
                ),
            ));
        };
        return Ok(Some(C::Delivery {
            group: group_id(ctx, v, &x.group)?,
            count,
            cmp: cmp(span, x.equals, x.at_least, x.at_most)?,
        }));
    }
    for (raw, which) in [
        (&r.last_stable_offset, 0),
        (&r.log_start_offset, 1),
        (&r.segment_count, 2),
    ] {
        if let Some(x) = raw {
            let span = x.span();
            let x = x.get_ref();
            let tp = tp(ctx, v, &x.topic, &x.partition)?;
            let cmp = cmp(span, x.equals, x.at_least, x.at_most)?;
            return Ok(Some(match which {
                0 => C::LastStableOffset { tp, cmp },
                1 => C::LogStartOffset { tp, cmp },
                _ => C::SegmentCount { tp, cmp },
            }));
        }
    }
    if let Some(x) = &r.log_record {
        let x = x.get_ref();
        return Ok(Some(C::LogRecord {
            tp: tp(ctx, v, &x.topic, &x.partition)?,
            offset: x.offset,
            key: x.key.clone(),
            value: x.value.clone(),
            tombstone: x.tombstone,
        }));
    }
    if let Some(x) = &r.rebalance {
        return Ok(Some(C::Rebalance {
            group: group_id(ctx, v, &x.get_ref().group)?,
        }));
    }
    if let Some(x) = &r.member_removed {
        return Ok(Some(C::MemberRemoved {
            group: group_id(ctx, v, &x.get_ref().group)?,
        }));
    }
    if let Some(x) = &r.partitions_revoked {
        let x = x.get_ref();
        return Ok(Some(C::PartitionsRevoked {
            group: x.group.as_ref().map(|g| group_id(ctx, v, g)).transpose()?,
            consumer: x
                .consumer
                .as_ref()
                .map(|c| consumer(ctx, v, c))
                .transpose()?,
        }));
    }
    if let Some(x) = &r.consumer_error {
        let x = x.get_ref();
        return Ok(Some(C::ConsumerError {
            consumer: x
                .consumer
                .as_ref()
                .map(|c| consumer(ctx, v, c))
                .transpose()?,
            error: kafka_error(ctx, &x.error)?,
        }));
    }
    if let Some(x) = &r.offsets_committed {
        let x = x.get_ref();
        let (topic, partition) = topic_filter(ctx, v, &x.topic, &x.partition)?;
        return Ok(Some(C::OffsetsCommitted {
            group: group_id(ctx, v, &x.group)?,
            topic,
            partition,
            offset: x.offset,
        }));
    }
    if let Some(x) = &r.transaction {
        let x = x.get_ref();
        let outcome = match x.outcome.get_ref().as_str() {
            "committed" => TxnOutcome::Committed,
            "aborted" => TxnOutcome::Aborted,
            other => {
                return Err(ctx.err(
                    x.outcome.span(),
                    format!("unknown transaction outcome '{other}' (committed, aborted)"),
                ))
            }
        };
        return Ok(Some(C::Transaction {
            transactional_id: x.transactional_id.clone(),
            outcome,
        }));
    }
    if let Some(x) = &r.producer_fenced {
        return Ok(Some(C::ProducerFenced {
            transactional_id: x.get_ref().transactional_id.clone(),
        }));
    }
    if let Some(x) = &r.dead_letter {
        let x = x.get_ref();
        return Ok(Some(C::DeadLetter {
            consumer: x
                .consumer
                .as_ref()
                .map(|c| consumer(ctx, v, c))
                .transpose()?,
            dlq: x.dlq.as_ref().map(|t| topic(ctx, v, t)).transpose()?,
        }));
    }
    for (raw, cleaned) in [(&r.log_cleaned, true), (&r.segments_deleted, false)] {
        if let Some(x) = raw {
            let x = x.get_ref();
            let (topic, partition) = topic_filter(ctx, v, &Some(x.topic.clone()), &x.partition)?;
            let topic = topic.unwrap_or_default();
            return Ok(Some(if cleaned {
                C::LogCleaned { topic, partition }
            } else {
                C::SegmentsDeleted { topic, partition }
            }));
        }
    }
    Ok(None)
}
