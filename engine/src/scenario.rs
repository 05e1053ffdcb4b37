//! Scenario files: a cluster, its topics and producers, and a list of steps, written in TOML with
//! Kafka's own config keys. The `kplay` CLI, the golden trace tests and the browser all load
//! scenarios through [`parse`] and replay them with [`Scenario::run`] (or [`Scenario::inputs`]).
//!
//! The format is documented in `docs/scenario-format.md`. Every error, from a TOML syntax error to a
//! step naming an unknown broker, carries the 1-based line and column it is about, so an editor or
//! a learner can jump straight to it: `file:line:col: reason`.
//!
//! Parsing never panics, whatever the input: serde does the shape checking (with
//! `deny_unknown_fields`, so a misspelt key is an error and not silently ignored), and every
//! semantic check after that is a plain comparison that reports through [`ScenarioError`].

#![warn(missing_docs)]

use crate::cluster::Cluster;
use crate::command::{ClusterSpec, Command, Input};
use crate::config::{validate, Acks, ConfigScope};
use crate::events::{Event, EventKind, ProduceOutcome};
use crate::snapshot::Snapshot;
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Range;
use toml::Spanned;

/// At most this many brokers: the simulation (and the UI) is for learning, not load testing.
pub const MAX_BROKERS: usize = 64;
/// The most controllers (quorum voters) a scenario may declare.
pub const MAX_CONTROLLERS: usize = 9;
/// At most this many partitions per topic, for the same reason.
pub const MAX_PARTITIONS: u32 = 1024;
/// The longest single `advance_ms` step (one simulated hour), so a typo cannot hang the CLI.
pub const MAX_ADVANCE_MS: u64 = 3_600_000;

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// An error in a scenario file, located at a 1-based line and column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file name as given to [`parse`] (only used for display).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
    /// What is wrong, with Kafka's wording where Kafka has one.
    pub reason: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.reason
        )
    }
}

impl std::error::Error for ScenarioError {}

/// A 1-based (line, column) position in the source, columns counted in characters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
}

/// Maps a byte offset to a 1-based (line, column). Offsets past the end or inside a UTF-8
/// sequence are clamped rather than trusted, because they come from a parser's error path.
fn pos_at(src: &str, offset: usize) -> Pos {
    let mut offset = offset.min(src.len());
    while offset > 0 && !src.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &src[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = before[line_start..].chars().count() + 1;
    Pos { line, column }
}

/// Builds errors for one source file.
struct Ctx<'a> {
    src: &'a str,
    file: &'a str,
}

impl Ctx<'_> {
    fn err(&self, span: Range<usize>, reason: impl Into<String>) -> ScenarioError {
        let p = pos_at(self.src, span.start);
        ScenarioError {
            file: self.file.to_string(),
            line: p.line,
            column: p.column,
            reason: printable(reason.into()),
        }
    }

    fn pos(&self, span: &Range<usize>) -> Pos {
        pos_at(self.src, span.start)
    }
}

// ---------------------------------------------------------------------------------------------
// The validated scenario
// ---------------------------------------------------------------------------------------------

/// A parsed and validated scenario: everything [`Scenario::run`] needs, already checked.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Scenario {
    /// The file name given to [`parse`], used in run errors.
    pub file: String,
    /// The scenario's `name`.
    pub name: String,
    /// The scenario's `description` (empty if none).
    pub description: String,
    /// Brokers, seed, broker and `sim.*` configs.
    pub cluster: ClusterSpec,
    /// Where `[cluster]` is (or line 1 if absent), for errors from [`Cluster::new`].
    pub cluster_pos: Pos,
    /// `CreateTopic` for each `[[topics]]`, then `AddProducer` for each `[[producers]]`, in file
    /// order; applied at t=0 before the first step.
    pub setup: Vec<Command>,
    /// The `[[steps]]`, in file order.
    pub steps: Vec<Step>,
}

/// One `[[steps]]` entry.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Step {
    /// Where the step's `[[steps]]` table starts.
    pub pos: Pos,
    /// The optional `note`, printed in traces next to the step.
    pub note: Option<String>,
    /// What the step does.
    pub action: Action,
}

/// What a step does: let time pass, or run one engine command.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Action {
    /// `advance_ms = N`: N ticks of [`crate::config::MS_PER_TICK`] ms each.
    AdvanceMs(u64),
    /// Any other action maps to exactly one [`Command`].
    Command(Command),
}

impl fmt::Display for Action {
    /// A one-line, stable description used as the step header in traces.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::AdvanceMs(ms) => write!(f, "advance_ms {ms}"),
            Action::Command(c) => fmt_command(c, f),
        }
    }
}

fn fmt_configs(configs: &BTreeMap<String, String>) -> String {
    let v: Vec<String> = configs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    v.join(" ")
}

fn fmt_command(c: &Command, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match c {
        Command::CreateTopic {
            name,
            partitions,
            replication_factor,
            configs,
        } => {
            write!(f, "create_topic {name} partitions={partitions} replication.factor={replication_factor}")?;
            if !configs.is_empty() {
                write!(f, " {}", fmt_configs(configs))?;
            }
            Ok(())
        }
        Command::AlterTopicConfig { topic, key, value } => {
            write!(f, "alter_topic_config {topic} {key}={value}")
        }
        Command::ElectLeaders {
            topic,
            partition,
            election,
        } => {
            let kind = match election {
                crate::command::ElectionType::Preferred => "preferred",
                crate::command::ElectionType::Unclean => "unclean",
            };
            write!(f, "elect_leaders {topic}-{partition} {kind}")
        }
        Command::CreatePartitions { topic, count } => {
            write!(f, "create_partitions {topic} → {count}")
        }
        Command::AddProducer { name, configs } => {
            write!(f, "add_producer {name}")?;
            if !configs.is_empty() {
                write!(f, " {}", fmt_configs(configs))?;
            }
            Ok(())
        }
        Command::AlterProducerConfig {
            producer,
            key,
            value,
        } => {
            write!(f, "alter_producer_config {producer} {key}={value}")
        }
        Command::Produce {
            producer,
            topic,
            partition,
            key,
            value,
        } => {
            write!(f, "produce {producer} → {topic}")?;
            if let Some(p) = partition {
                write!(f, " partition={p}")?;
            }
            write!(f, " key={}", key.as_deref().unwrap_or("null"))?;
            match value {
                Some(v) => write!(f, " value={v:?}"),
                None => write!(f, " value=null (tombstone)"),
            }
        }
        Command::PerfTest {
            producer,
            topic,
            num_records,
            record_size,
            throughput,
        } => write!(
            f,
            "perf_test {producer} → {topic} num_records={num_records} record_size={record_size} throughput={throughput}"
        ),
        Command::AddConsumer {
            name,
            topics,
            configs,
        } => {
            write!(f, "add_consumer {name} [{}]", topics.join(","))?;
            if !configs.is_empty() {
                write!(f, " {}", fmt_configs(configs))?;
            }
            Ok(())
        }
        Command::InitTransactions { producer } => write!(f, "init_transactions {producer}"),
        Command::BeginTransaction { producer } => write!(f, "begin_transaction {producer}"),
        Command::CommitTransaction { producer } => write!(f, "commit_transaction {producer}"),
        Command::AbortTransaction { producer } => write!(f, "abort_transaction {producer}"),
        Command::CrashConsumer { consumer } => write!(f, "crash_consumer {consumer}"),
        Command::CloseConsumer { consumer } => write!(f, "close_consumer {consumer}"),
        Command::StopPolling { consumer } => write!(f, "stop_polling {consumer}"),
        Command::ResumePolling { consumer } => write!(f, "resume_polling {consumer}"),
        Command::Seek {
            consumer,
            topic,
            partition,
            offset,
        } => write!(f, "seek {consumer} {topic}-{partition} to {offset}"),
        Command::SeekToBeginning {
            consumer,
            topic,
            partition,
        } => write!(f, "seek_to_beginning {consumer}{}", seek_scope(topic, partition)),
        Command::SeekToEnd {
            consumer,
            topic,
            partition,
        } => write!(f, "seek_to_end {consumer}{}", seek_scope(topic, partition)),
        Command::CrashBroker { broker } => write!(f, "crash_broker {broker}"),
        Command::RestartBroker { broker } => write!(f, "restart_broker {broker}"),
        Command::CrashController { controller } => write!(f, "crash_controller {controller}"),
        Command::RestartController { controller } => {
            write!(f, "restart_controller {controller}")
        }
        Command::PartitionNetwork { a, b } => write!(f, "partition_network {a} {b}"),
        Command::IsolateNode { node } => write!(f, "isolate_node {node}"),
        Command::HealNetwork => write!(f, "heal_network"),
        Command::SlowNode {
            node,
            extra_latency_ms,
        } => {
            write!(f, "slow_node {node} +{extra_latency_ms}ms")
        }
        Command::HoldEnvelope { id } => write!(f, "hold_envelope #{id}"),
        Command::ReleaseEnvelope { id } => write!(f, "release_envelope #{id}"),
        Command::DropEnvelope { id } => write!(f, "drop_envelope #{id}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Raw (serde) shape of the file
// ---------------------------------------------------------------------------------------------

/// A config value as written: TOML string, integer or boolean, normalised to Kafka's string form
/// (`2` → `"2"`, `true` → `"true"`), because Kafka configs are strings on the wire.
#[derive(Clone, Debug)]
pub(crate) struct ConfigValue(pub(crate) String);

impl<'de> Deserialize<'de> for ConfigValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = ConfigValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, integer or boolean config value")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ConfigValue, E> {
                Ok(ConfigValue(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ConfigValue, E> {
                Ok(ConfigValue(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ConfigValue, E> {
                Ok(ConfigValue(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<ConfigValue, E> {
                Ok(ConfigValue(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

type RawConfigs = BTreeMap<Spanned<String>, Spanned<ConfigValue>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: Spanned<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    cluster: Option<Spanned<RawCluster>>,
    #[serde(default)]
    topics: Vec<Spanned<RawTopic>>,
    #[serde(default)]
    producers: Vec<Spanned<RawProducer>>,
    #[serde(default)]
    consumers: Vec<Spanned<RawConsumer>>,
    #[serde(default)]
    steps: Vec<Spanned<RawStep>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConsumer {
    name: Spanned<String>,
    /// `subscribe(topics)`.
    topics: Spanned<Vec<Spanned<String>>>,
    /// `ConsumerConfig` keys (`group.id` is required).
    #[serde(default)]
    configs: RawConfigs,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCluster {
    #[serde(default)]
    brokers: Option<Spanned<Vec<Spanned<u32>>>>,
    #[serde(default)]
    controllers: Option<Spanned<Vec<Spanned<u32>>>>,
    /// `[cluster.nodes.N]`: one node's `process.roles` / `controller.quorum.voters`.
    #[serde(default)]
    nodes: BTreeMap<Spanned<String>, RawConfigs>,
    #[serde(default)]
    seed: Option<u64>,
    #[serde(default)]
    configs: RawConfigs,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTopic {
    name: Spanned<String>,
    #[serde(default)]
    partitions: Option<Spanned<u32>>,
    #[serde(default, rename = "replication.factor")]
    replication_factor: Option<Spanned<u32>>,
    #[serde(default)]
    configs: RawConfigs,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProducer {
    name: Spanned<String>,
    /// `java` (the Java client's defaults) or `kafka-python`; `configs` override it.
    #[serde(default)]
    preset: Option<Spanned<String>>,
    #[serde(default)]
    configs: RawConfigs,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProduce {
    producer: Spanned<String>,
    topic: Spanned<String>,
    #[serde(default)]
    partition: Option<Spanned<u32>>,
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    value: Option<String>,
    /// `tombstone = true` sends a null value (instead of `value`).
    #[serde(default)]
    tombstone: Option<Spanned<bool>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPerfTest {
    producer: Spanned<String>,
    topic: Spanned<String>,
    num_records: Spanned<u64>,
    record_size: Spanned<u32>,
    throughput: Spanned<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSeek {
    consumer: Spanned<String>,
    topic: Spanned<String>,
    partition: Spanned<u32>,
    offset: u64,
}

/// `seek_to_beginning` / `seek_to_end`: a partition, a topic's assigned partitions, or all.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSeekTo {
    consumer: Spanned<String>,
    #[serde(default)]
    topic: Option<Spanned<String>>,
    #[serde(default)]
    partition: Option<Spanned<u32>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawElectLeaders {
    topic: Spanned<String>,
    partition: Spanned<u32>,
    #[serde(rename = "type")]
    election: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCreatePartitions {
    topic: Spanned<String>,
    count: Spanned<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAlterTopic {
    topic: Spanned<String>,
    key: Spanned<String>,
    value: Spanned<ConfigValue>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAlterProducer {
    producer: Spanned<String>,
    key: Spanned<String>,
    value: Spanned<ConfigValue>,
}

/// Every action is optional here so that "no action" and "two actions" can be reported with a
/// clear message and position, instead of serde's generic enum errors.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    advance_ms: Option<Spanned<u64>>,
    #[serde(default)]
    produce: Option<Spanned<RawProduce>>,
    #[serde(default)]
    perf_test: Option<Spanned<RawPerfTest>>,
    #[serde(default)]
    crash_broker: Option<Spanned<u32>>,
    #[serde(default)]
    restart_broker: Option<Spanned<u32>>,
    #[serde(default)]
    crash_controller: Option<Spanned<u32>>,
    #[serde(default)]
    restart_controller: Option<Spanned<u32>>,
    #[serde(default)]
    alter_topic_config: Option<Spanned<RawAlterTopic>>,
    #[serde(default)]
    alter_producer_config: Option<Spanned<RawAlterProducer>>,
    #[serde(default)]
    create_topic: Option<Spanned<RawTopic>>,
    #[serde(default)]
    add_producer: Option<Spanned<RawProducer>>,
    #[serde(default)]
    create_partitions: Option<Spanned<RawCreatePartitions>>,
    #[serde(default)]
    elect_leaders: Option<Spanned<RawElectLeaders>>,
    #[serde(default)]
    partition_network: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    isolate_node: Option<Spanned<String>>,
    #[serde(default)]
    heal_network: Option<Spanned<bool>>,
    #[serde(default)]
    slow_node: Option<Spanned<RawSlowNode>>,
    #[serde(default)]
    hold_envelope: Option<Spanned<u64>>,
    #[serde(default)]
    release_envelope: Option<Spanned<u64>>,
    #[serde(default)]
    drop_envelope: Option<Spanned<u64>>,
    #[serde(default)]
    add_consumer: Option<Spanned<RawConsumer>>,
    #[serde(default)]
    crash_consumer: Option<Spanned<String>>,
    #[serde(default)]
    close_consumer: Option<Spanned<String>>,
    #[serde(default)]
    stop_polling: Option<Spanned<String>>,
    #[serde(default)]
    resume_polling: Option<Spanned<String>>,
    #[serde(default)]
    seek: Option<Spanned<RawSeek>>,
    #[serde(default)]
    seek_to_beginning: Option<Spanned<RawSeekTo>>,
    #[serde(default)]
    seek_to_end: Option<Spanned<RawSeekTo>>,
    init_transactions: Option<Spanned<String>>,
    #[serde(default)]
    begin_transaction: Option<Spanned<String>>,
    #[serde(default)]
    commit_transaction: Option<Spanned<String>>,
    #[serde(default)]
    abort_transaction: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSlowNode {
    node: Spanned<String>,
    extra_latency_ms: u64,
}

/// The step action keys, in the order they are documented.
pub const STEP_ACTIONS: &[&str] = &[
    "advance_ms",
    "produce",
    "perf_test",
    "crash_broker",
    "restart_broker",
    "crash_controller",
    "restart_controller",
    "alter_topic_config",
    "alter_producer_config",
    "create_topic",
    "add_producer",
    "create_partitions",
    "elect_leaders",
    "partition_network",
    "isolate_node",
    "heal_network",
    "slow_node",
    "hold_envelope",
    "release_envelope",
    "drop_envelope",
    "add_consumer",
    "crash_consumer",
    "close_consumer",
    "stop_polling",
    "resume_polling",
    "seek",
    "seek_to_beginning",
    "seek_to_end",
    "init_transactions",
    "begin_transaction",
    "commit_transaction",
    "abort_transaction",
];

// ---------------------------------------------------------------------------------------------
// Parsing and validation
// ---------------------------------------------------------------------------------------------

/// Parses and validates a scenario. `file` is only used in error messages.
///
/// Errors point at the offending token: TOML syntax, unknown keys, wrong types, a step with zero
/// or several actions, unknown or invalid config values (Kafka's `ConfigDef` wording), references
/// to unknown brokers, topics, partitions or producers, and impossible replication factors.
pub fn parse(src: &str, file: &str) -> Result<Scenario, ScenarioError> {
    let ctx = Ctx { src, file };
    let raw: RawScenario = toml::from_str(src).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        ctx.err(span.clone(), toml_reason(&e, src, span))
    })?;
    Validator::new(ctx).scenario(raw)
}

/// An error reason that quotes the file's text keeps control characters (`\r`, an ANSI escape)
/// out of the terminal and the page: they are shown escaped (`\u{1b}`). Found by the fuzz test.
pub fn printable(reason: String) -> String {
    if !reason.chars().any(char::is_control) {
        return reason;
    }
    reason
        .chars()
        .map(|c| match c {
            '\n' => "; ".to_string(),
            c if c.is_control() => c.escape_unicode().to_string(),
            c => c.to_string(),
        })
        .collect()
}

/// A TOML error as one readable line. The parser's message is empty for some syntax errors
/// (`name =` at the end of a file; found by the fuzz test in tests/fuzz.rs): then say what is
/// there instead.
pub fn toml_reason(e: &toml::de::Error, src: &str, span: std::ops::Range<usize>) -> String {
    let message = e.message().trim().replace('\n', "; ");
    if !message.is_empty() {
        return message;
    }
    if span.start >= src.trim_end().len() {
        "invalid TOML: the file ends where a value was expected".to_string()
    } else {
        "invalid TOML syntax here".to_string()
    }
}

/// What exists so far while walking the file top to bottom: a step may only name a topic or
/// producer created before it.
struct Validator<'a> {
    ctx: Ctx<'a>,
    brokers: BTreeSet<u32>,
    controllers: BTreeSet<u32>,
    /// Topic name → partition count.
    topics: BTreeMap<String, u32>,
    producers: BTreeSet<String>,
    consumers: BTreeSet<String>,
    /// `group.id`s of the consumers added so far.
    groups: BTreeSet<String>,
}

impl<'a> Validator<'a> {
    fn new(ctx: Ctx<'a>) -> Self {
        Validator {
            ctx,
            brokers: BTreeSet::new(),
            controllers: BTreeSet::new(),
            topics: BTreeMap::new(),
            producers: BTreeSet::new(),
            consumers: BTreeSet::new(),
            groups: BTreeSet::new(),
        }
    }

    fn scenario(mut self, raw: RawScenario) -> Result<Scenario, ScenarioError> {
        let name = raw.name.get_ref().trim().to_string();
        if name.is_empty() {
            return Err(self.ctx.err(raw.name.span(), "name must not be empty"));
        }
        let (cluster, cluster_pos) = self.cluster(raw.cluster)?;
        let mut setup = Vec::new();
        for t in &raw.topics {
            setup.push(self.topic(t.get_ref())?);
        }
        for p in &raw.producers {
            setup.push(self.producer(p.get_ref())?);
        }
        for c in &raw.consumers {
            setup.push(self.consumer(c.get_ref())?);
        }
        let mut steps = Vec::new();
        for s in &raw.steps {
            steps.push(self.step(s)?);
        }
        Ok(Scenario {
            file: self.ctx.file.to_string(),
            name,
            description: raw.description.unwrap_or_default(),
            cluster,
            cluster_pos,
            setup,
            steps,
        })
    }

    fn cluster(
        &mut self,
        raw: Option<Spanned<RawCluster>>,
    ) -> Result<(ClusterSpec, Pos), ScenarioError> {
        let default = ClusterSpec::default();
        let Some(raw) = raw else {
            self.brokers = default.brokers.iter().copied().collect();
            return Ok((default, Pos { line: 1, column: 1 }));
        };
        let pos = self.ctx.pos(&raw.span());
        let raw = raw.into_inner();
        let brokers = match raw.brokers {
            None => default.brokers,
            Some(list) => {
                if list.get_ref().is_empty() {
                    return Err(self
                        .ctx
                        .err(list.span(), "brokers must list at least one broker id"));
                }
                if list.get_ref().len() > MAX_BROKERS {
                    let msg =
                        format!("at most {MAX_BROKERS} brokers are supported by the simulation");
                    return Err(self.ctx.err(list.span(), msg));
                }
                let mut ids = Vec::new();
                for b in list.get_ref() {
                    if ids.contains(b.get_ref()) {
                        return Err(self
                            .ctx
                            .err(b.span(), format!("duplicate broker id {}", b.get_ref())));
                    }
                    ids.push(*b.get_ref());
                }
                ids
            }
        };
        self.brokers = brokers.iter().copied().collect();
        let mut controllers = Vec::new();
        if let Some(list) = &raw.controllers {
            if list.get_ref().is_empty() {
                return Err(self.ctx.err(
                    list.span(),
                    "controllers must list at least one controller id (or be left out for one dedicated controller)",
                ));
            }
            if list.get_ref().len() > MAX_CONTROLLERS {
                let msg = format!(
                    "at most {MAX_CONTROLLERS} controllers are supported by the simulation"
                );
                return Err(self.ctx.err(list.span(), msg));
            }
            for c in list.get_ref() {
                if controllers.contains(c.get_ref()) {
                    return Err(self
                        .ctx
                        .err(c.span(), format!("duplicate controller id {}", c.get_ref())));
                }
                controllers.push(*c.get_ref());
            }
        }
        let mut node_configs = BTreeMap::new();
        for (node, cfg) in &raw.nodes {
            let Ok(id) = node.get_ref().trim().parse::<u32>() else {
                return Err(self.ctx.err(
                    node.span(),
                    format!(
                        "[cluster.nodes.{}]: the table name must be a node.id",
                        node.get_ref()
                    ),
                ));
            };
            node_configs.insert(id, self.configs(ConfigScope::Broker, cfg)?);
        }
        let mut configs = BTreeMap::new();
        for (k, v) in &raw.configs {
            // `sim.*` keys configure the simulation itself; everything else is a broker config.
            let scope = if k.get_ref().starts_with("sim.") {
                ConfigScope::Simulation
            } else {
                ConfigScope::Broker
            };
            let value = self.config(scope, k, v)?;
            configs.insert(k.get_ref().clone(), value);
        }
        let spec = ClusterSpec {
            brokers,
            controllers,
            node_configs,
            seed: raw.seed.unwrap_or(default.seed),
            configs,
        };
        // The topology rules (process.roles, identical controller.quorum.voters) are checked
        // here so `kplay check` reports them, at the [cluster] table.
        let cluster = Cluster::new(&spec).map_err(|e| ScenarioError {
            file: self.ctx.file.to_string(),
            line: pos.line,
            column: pos.column,
            reason: e.message,
        })?;
        self.controllers = cluster.controllers().keys().copied().collect();
        Ok((spec, pos))
    }

    /// Validates one `key = value` with Kafka's `ConfigDef` rules. Unknown keys point at the key,
    /// bad values at the value.
    fn config(
        &self,
        scope: ConfigScope,
        key: &Spanned<String>,
        value: &Spanned<ConfigValue>,
    ) -> Result<String, ScenarioError> {
        validate(scope, key.get_ref(), &value.get_ref().0).map_err(|e| {
            let known = crate::config::config_def(scope, key.get_ref()).is_some();
            let span = if known { value.span() } else { key.span() };
            self.ctx.err(span, e.message)
        })
    }

    fn configs(
        &self,
        scope: ConfigScope,
        raw: &RawConfigs,
    ) -> Result<BTreeMap<String, String>, ScenarioError> {
        let mut out = BTreeMap::new();
        for (k, v) in raw {
            out.insert(k.get_ref().clone(), self.config(scope, k, v)?);
        }
        Ok(out)
    }

    fn topic(&mut self, raw: &RawTopic) -> Result<Command, ScenarioError> {
        let name = raw.name.get_ref();
        if let Some(why) = illegal_topic_name(name) {
            return Err(self.ctx.err(raw.name.span(), why));
        }
        if self.topics.contains_key(name) {
            return Err(self
                .ctx
                .err(raw.name.span(), format!("Topic '{name}' already exists.")));
        }
        // Kafka's broker defaults: num.partitions=1, default.replication.factor=1.
        let partitions = raw.partitions.as_ref().map(|p| *p.get_ref()).unwrap_or(1);
        if let Some(p) = &raw.partitions {
            if partitions == 0 {
                // Kafka: ReplicationControlManager.createTopic
                let msg = "Number of partitions was set to an invalid non-positive value.";
                return Err(self.ctx.err(p.span(), msg));
            }
            if partitions > MAX_PARTITIONS {
                let msg = format!(
                    "at most {MAX_PARTITIONS} partitions per topic are supported by the simulation"
                );
                return Err(self.ctx.err(p.span(), msg));
            }
        }
        let rf = raw
            .replication_factor
            .as_ref()
            .map(|r| *r.get_ref())
            .unwrap_or(1);
        if let Some(r) = &raw.replication_factor {
            if rf == 0 {
                let msg =
                    "Replication factor must be larger than 0, or -1 to use the default value.";
                return Err(self.ctx.err(r.span(), msg));
            }
            if rf as usize > self.brokers.len() {
                // Kafka: ReplicationControlManager + StripedReplicaPlacer wording.
                let msg = format!(
                    "Unable to replicate the partition {rf} time(s): The target replication factor of {rf} \
                     cannot be reached because only {} broker(s) are registered.",
                    self.brokers.len()
                );
                return Err(self.ctx.err(r.span(), msg));
            }
        }
        let configs = self.configs(ConfigScope::Topic, &raw.configs)?;
        self.topics.insert(name.clone(), partitions);
        Ok(Command::CreateTopic {
            name: name.clone(),
            partitions,
            replication_factor: rf,
            configs,
        })
    }

    fn producer(&mut self, raw: &RawProducer) -> Result<Command, ScenarioError> {
        let name = raw.name.get_ref();
        if name.trim().is_empty() {
            return Err(self
                .ctx
                .err(raw.name.span(), "producer name must not be empty"));
        }
        if self.producers.contains(name) {
            return Err(self
                .ctx
                .err(raw.name.span(), format!("duplicate producer '{name}'")));
        }
        let mut configs = match &raw.preset {
            None => BTreeMap::new(),
            Some(p) => crate::producer::preset(p.get_ref()).ok_or_else(|| {
                self.ctx.err(
                    p.span(),
                    format!(
                        "unknown producer preset '{}' (presets: java, kafka-python)",
                        p.get_ref()
                    ),
                )
            })?,
        };
        configs.extend(self.configs(ConfigScope::Producer, &raw.configs)?);
        let checked = crate::config::Configs::from_map(ConfigScope::Producer, &configs)
            .map_err(|e| self.ctx.err(raw.name.span(), e.message))?;
        crate::producer::validate_producer_configs(&checked)
            .map_err(|m| self.ctx.err(raw.name.span(), m))?;
        self.producers.insert(name.clone());
        Ok(Command::AddProducer {
            name: name.clone(),
            configs,
        })
    }

    fn consumer(&mut self, raw: &RawConsumer) -> Result<Command, ScenarioError> {
        let name = raw.name.get_ref();
        if name.trim().is_empty() {
            return Err(self
                .ctx
                .err(raw.name.span(), "consumer name must not be empty"));
        }
        if self.producers.contains(name) || self.consumers.contains(name) {
            return Err(self.ctx.err(
                raw.name.span(),
                format!("duplicate client name '{name}' (producers and consumers share names)"),
            ));
        }
        if raw.topics.get_ref().is_empty() {
            return Err(self
                .ctx
                .err(raw.topics.span(), "topics must list at least one topic"));
        }
        let mut topics = vec![];
        for t in raw.topics.get_ref() {
            topics.push(self.known_topic(t)?.0);
        }
        let configs = self.configs(ConfigScope::Consumer, &raw.configs)?;
        let checked = crate::config::Configs::from_map(ConfigScope::Consumer, &configs)
            .map_err(|e| self.ctx.err(raw.name.span(), e.message))?;
        crate::consumer::ConsumerSettings::from_configs(&checked)
            .map_err(|m| self.ctx.err(raw.name.span(), m))?;
        self.consumers.insert(name.clone());
        self.groups
            .insert(checked.get(ConfigScope::Consumer, "group.id"));
        Ok(Command::AddConsumer {
            name: name.clone(),
            topics,
            configs,
        })
    }

    /// A partition number of a known topic.
    fn known_partition(&self, topic: &str, p: &Spanned<u32>) -> Result<u32, ScenarioError> {
        let partitions = self.topics.get(topic).copied().unwrap_or(0);
        if *p.get_ref() >= partitions {
            let msg = format!(
                "This server does not host this topic-partition: '{topic}-{}' ({topic} has {partitions} partition(s))",
                p.get_ref()
            );
            return Err(self.ctx.err(p.span(), msg));
        }
        Ok(*p.get_ref())
    }

    /// The consumer, topic and partition of a `seek_to_beginning` / `seek_to_end` step.
    fn seek_to(
        &self,
        raw: &RawSeekTo,
    ) -> Result<(String, Option<String>, Option<u32>), ScenarioError> {
        let consumer = self.known_consumer(&raw.consumer)?;
        let Some(t) = &raw.topic else {
            if let Some(p) = &raw.partition {
                let msg = "a partition needs its topic (topic = \"…\")".to_string();
                return Err(self.ctx.err(p.span(), msg));
            }
            return Ok((consumer, None, None));
        };
        let (topic, _) = self.known_topic(t)?;
        let partition = match &raw.partition {
            Some(p) => Some(self.known_partition(&topic, p)?),
            None => None,
        };
        Ok((consumer, Some(topic), partition))
    }

    fn known_consumer(&self, c: &Spanned<String>) -> Result<String, ScenarioError> {
        if self.consumers.contains(c.get_ref()) {
            Ok(c.get_ref().clone())
        } else {
            let known: Vec<String> = self.consumers.iter().cloned().collect();
            Err(self.ctx.err(
                c.span(),
                format!(
                    "unknown consumer '{}' (consumers are [{}])",
                    c.get_ref(),
                    known.join(", ")
                ),
            ))
        }
    }

    fn known_broker(&self, b: &Spanned<u32>) -> Result<u32, ScenarioError> {
        let id = *b.get_ref();
        if self.brokers.contains(&id) {
            Ok(id)
        } else {
            let list: Vec<String> = self.brokers.iter().map(|b| b.to_string()).collect();
            Err(self.ctx.err(
                b.span(),
                format!("unknown broker {id} (brokers are [{}])", list.join(", ")),
            ))
        }
    }

    fn known_controller(&self, c: &Spanned<u32>) -> Result<u32, ScenarioError> {
        let id = *c.get_ref();
        if self.controllers.contains(&id) {
            Ok(id)
        } else {
            let list: Vec<String> = self.controllers.iter().map(|b| b.to_string()).collect();
            Err(self.ctx.err(
                c.span(),
                format!(
                    "unknown controller {id} (controllers are [{}])",
                    list.join(", ")
                ),
            ))
        }
    }

    fn known_producer(&self, p: &Spanned<String>) -> Result<String, ScenarioError> {
        if self.producers.contains(p.get_ref()) {
            Ok(p.get_ref().clone())
        } else {
            Err(self
                .ctx
                .err(p.span(), format!("unknown producer '{}'", p.get_ref())))
        }
    }

    /// A node name for network faults: `broker-N`, `controller` (or `controller-100`), or a
    /// producer's name. Returns the canonical name the engine resolves.
    fn known_node(&self, n: &Spanned<String>) -> Result<String, ScenarioError> {
        let name = n.get_ref().trim();
        let broker = name
            .strip_prefix("broker-")
            .and_then(|x| x.parse::<u32>().ok());
        let ok = match broker {
            Some(id) => self.brokers.contains(&id),
            None => {
                (name == "controller" && self.controllers.len() == 1)
                    || name
                        .strip_prefix("controller-")
                        .and_then(|x| x.parse::<u32>().ok())
                        .is_some_and(|id| self.controllers.contains(&id))
                    || self.producers.contains(name)
                    || self.consumers.contains(name)
            }
        };
        if ok {
            return Ok(name.to_string());
        }
        let mut known: Vec<String> = self.brokers.iter().map(|b| format!("broker-{b}")).collect();
        if self.controllers.len() == 1 {
            known.push("controller".into());
        }
        known.extend(self.controllers.iter().map(|c| format!("controller-{c}")));
        known.extend(self.producers.iter().cloned());
        known.extend(self.consumers.iter().cloned());
        Err(self.ctx.err(
            n.span(),
            format!("unknown node '{name}' (nodes are {})", known.join(", ")),
        ))
    }

    /// Returns the topic name and its partition count.
    fn known_topic(&self, t: &Spanned<String>) -> Result<(String, u32), ScenarioError> {
        match self.topics.get(t.get_ref()) {
            Some(n) => Ok((t.get_ref().clone(), *n)),
            // Kafka: UnknownTopicOrPartitionException's message.
            None => Err(self.ctx.err(
                t.span(),
                format!(
                    "This server does not host this topic-partition: '{}'",
                    t.get_ref()
                ),
            )),
        }
    }

    fn step(&mut self, raw: &Spanned<RawStep>) -> Result<Step, ScenarioError> {
        let pos = self.ctx.pos(&raw.span());
        let s = raw.get_ref();
        // The span of each action that is present, in file order, to report extras precisely.
        let mut present: Vec<(&str, Range<usize>)> = Vec::new();
        let mut mark = |name: &'static str, span: Option<Range<usize>>| {
            if let Some(span) = span {
                present.push((name, span));
            }
        };
        mark("advance_ms", s.advance_ms.as_ref().map(|v| v.span()));
        mark("produce", s.produce.as_ref().map(|v| v.span()));
        mark("perf_test", s.perf_test.as_ref().map(|v| v.span()));
        mark("crash_broker", s.crash_broker.as_ref().map(|v| v.span()));
        mark(
            "restart_broker",
            s.restart_broker.as_ref().map(|v| v.span()),
        );
        mark(
            "crash_controller",
            s.crash_controller.as_ref().map(|v| v.span()),
        );
        mark(
            "restart_controller",
            s.restart_controller.as_ref().map(|v| v.span()),
        );
        mark(
            "alter_topic_config",
            s.alter_topic_config.as_ref().map(|v| v.span()),
        );
        mark(
            "alter_producer_config",
            s.alter_producer_config.as_ref().map(|v| v.span()),
        );
        mark("create_topic", s.create_topic.as_ref().map(|v| v.span()));
        mark("add_producer", s.add_producer.as_ref().map(|v| v.span()));
        mark(
            "create_partitions",
            s.create_partitions.as_ref().map(|v| v.span()),
        );
        mark("elect_leaders", s.elect_leaders.as_ref().map(|v| v.span()));
        mark(
            "partition_network",
            s.partition_network.as_ref().map(|v| v.span()),
        );
        mark("isolate_node", s.isolate_node.as_ref().map(|v| v.span()));
        mark("heal_network", s.heal_network.as_ref().map(|v| v.span()));
        mark("slow_node", s.slow_node.as_ref().map(|v| v.span()));
        mark("hold_envelope", s.hold_envelope.as_ref().map(|v| v.span()));
        mark(
            "release_envelope",
            s.release_envelope.as_ref().map(|v| v.span()),
        );
        mark("drop_envelope", s.drop_envelope.as_ref().map(|v| v.span()));
        mark("add_consumer", s.add_consumer.as_ref().map(|v| v.span()));
        mark(
            "crash_consumer",
            s.crash_consumer.as_ref().map(|v| v.span()),
        );
        mark(
            "close_consumer",
            s.close_consumer.as_ref().map(|v| v.span()),
        );
        mark("stop_polling", s.stop_polling.as_ref().map(|v| v.span()));
        mark(
            "resume_polling",
            s.resume_polling.as_ref().map(|v| v.span()),
        );
        mark("seek", s.seek.as_ref().map(|v| v.span()));
        mark(
            "seek_to_beginning",
            s.seek_to_beginning.as_ref().map(|v| v.span()),
        );
        mark("seek_to_end", s.seek_to_end.as_ref().map(|v| v.span()));
        mark(
            "init_transactions",
            s.init_transactions.as_ref().map(|v| v.span()),
        );
        mark(
            "begin_transaction",
            s.begin_transaction.as_ref().map(|v| v.span()),
        );
        mark(
            "commit_transaction",
            s.commit_transaction.as_ref().map(|v| v.span()),
        );
        mark(
            "abort_transaction",
            s.abort_transaction.as_ref().map(|v| v.span()),
        );
        present.sort_by_key(|(_, span)| span.start);
        match present.len() {
            0 => {
                let msg = format!(
                    "step has no action; give exactly one of: {}",
                    STEP_ACTIONS.join(", ")
                );
                return Err(self.ctx.err(raw.span(), msg));
            }
            1 => {}
            _ => {
                let (first, _) = present[0];
                let (second, span) = present[1].clone();
                let msg = format!(
                    "step has two actions ({first} and {second}); split them into two [[steps]]"
                );
                return Err(self.ctx.err(span, msg));
            }
        }
        let action = self.action(s)?;
        Ok(Step {
            pos,
            note: s.note.clone(),
            action,
        })
    }

    fn action(&mut self, s: &RawStep) -> Result<Action, ScenarioError> {
        if let Some(ms) = &s.advance_ms {
            let v = *ms.get_ref();
            if v == 0 || v > MAX_ADVANCE_MS {
                let msg = format!("advance_ms must be between 1 and {MAX_ADVANCE_MS}");
                return Err(self.ctx.err(ms.span(), msg));
            }
            return Ok(Action::AdvanceMs(v));
        }
        let cmd = if let Some(p) = &s.produce {
            let s_span = p.span();
            let p = p.get_ref();
            let producer = self.known_producer(&p.producer)?;
            let (topic, partitions) = self.known_topic(&p.topic)?;
            let partition = match &p.partition {
                Some(n) if *n.get_ref() >= partitions => {
                    let msg = format!(
                        "This server does not host this topic-partition: '{topic}-{}' ({topic} has {partitions} partition(s))",
                        n.get_ref()
                    );
                    return Err(self.ctx.err(n.span(), msg));
                }
                Some(n) => Some(*n.get_ref()),
                None => None,
            };
            let value = match (&p.value, &p.tombstone) {
                (Some(_), Some(t)) if *t.get_ref() => {
                    let msg = "A tombstone has a null value: give either value = \"…\" or tombstone = true, not both";
                    return Err(self.ctx.err(t.span(), msg.to_string()));
                }
                (None, Some(t)) if *t.get_ref() => None,
                (Some(v), _) => Some(v.clone()),
                (None, _) => {
                    let msg = "produce needs value = \"…\" (or tombstone = true for a null value)";
                    return Err(self.ctx.err(s_span, msg.to_string()));
                }
            };
            Command::Produce {
                producer,
                topic,
                partition,
                key: p.key.clone(),
                value,
            }
        } else if let Some(t) = &s.perf_test {
            let t = t.get_ref();
            let producer = self.known_producer(&t.producer)?;
            let (topic, _) = self.known_topic(&t.topic)?;
            let (n, size, rate) = (
                *t.num_records.get_ref(),
                *t.record_size.get_ref(),
                *t.throughput.get_ref(),
            );
            if let Err(msg) = crate::producer::perf_test::validate(n, size, rate) {
                let span = if msg.starts_with("--num-records") {
                    t.num_records.span()
                } else if msg.starts_with("--record-size") {
                    t.record_size.span()
                } else {
                    t.throughput.span()
                };
                return Err(self.ctx.err(span, msg));
            }
            Command::PerfTest {
                producer,
                topic,
                num_records: n,
                record_size: size,
                throughput: rate,
            }
        } else if let Some(b) = &s.crash_broker {
            Command::CrashBroker {
                broker: self.known_broker(b)?,
            }
        } else if let Some(b) = &s.restart_broker {
            Command::RestartBroker {
                broker: self.known_broker(b)?,
            }
        } else if let Some(c) = &s.crash_controller {
            Command::CrashController {
                controller: self.known_controller(c)?,
            }
        } else if let Some(c) = &s.restart_controller {
            Command::RestartController {
                controller: self.known_controller(c)?,
            }
        } else if let Some(a) = &s.alter_topic_config {
            let a = a.get_ref();
            let (topic, _) = self.known_topic(&a.topic)?;
            let value = self.config(ConfigScope::Topic, &a.key, &a.value)?;
            Command::AlterTopicConfig {
                topic,
                key: a.key.get_ref().clone(),
                value,
            }
        } else if let Some(a) = &s.alter_producer_config {
            let a = a.get_ref();
            let producer = self.known_producer(&a.producer)?;
            let value = self.config(ConfigScope::Producer, &a.key, &a.value)?;
            Command::AlterProducerConfig {
                producer,
                key: a.key.get_ref().clone(),
                value,
            }
        } else if let Some(t) = &s.create_topic {
            self.topic(t.get_ref())?
        } else if let Some(p) = &s.add_producer {
            self.producer(p.get_ref())?
        } else if let Some(c) = &s.add_consumer {
            self.consumer(c.get_ref())?
        } else if let Some(c) = &s.crash_consumer {
            Command::CrashConsumer {
                consumer: self.known_consumer(c)?,
            }
        } else if let Some(c) = &s.close_consumer {
            Command::CloseConsumer {
                consumer: self.known_consumer(c)?,
            }
        } else if let Some(c) = &s.stop_polling {
            Command::StopPolling {
                consumer: self.known_consumer(c)?,
            }
        } else if let Some(c) = &s.resume_polling {
            Command::ResumePolling {
                consumer: self.known_consumer(c)?,
            }
        } else if let Some(sk) = &s.seek {
            let sk = sk.get_ref();
            let consumer = self.known_consumer(&sk.consumer)?;
            let (topic, _) = self.known_topic(&sk.topic)?;
            let partition = self.known_partition(&topic, &sk.partition)?;
            Command::Seek {
                consumer,
                topic,
                partition,
                offset: sk.offset,
            }
        } else if let Some(sk) = &s.seek_to_beginning {
            let (consumer, topic, partition) = self.seek_to(sk.get_ref())?;
            Command::SeekToBeginning {
                consumer,
                topic,
                partition,
            }
        } else if let Some(sk) = &s.seek_to_end {
            let (consumer, topic, partition) = self.seek_to(sk.get_ref())?;
            Command::SeekToEnd {
                consumer,
                topic,
                partition,
            }
        } else if let Some(p) = &s.init_transactions {
            Command::InitTransactions {
                producer: self.known_producer(p)?,
            }
        } else if let Some(p) = &s.begin_transaction {
            Command::BeginTransaction {
                producer: self.known_producer(p)?,
            }
        } else if let Some(p) = &s.commit_transaction {
            Command::CommitTransaction {
                producer: self.known_producer(p)?,
            }
        } else if let Some(p) = &s.abort_transaction {
            Command::AbortTransaction {
                producer: self.known_producer(p)?,
            }
        } else if let Some(cp) = &s.create_partitions {
            let cp = cp.get_ref();
            let (topic, current) = self.known_topic(&cp.topic)?;
            let count = *cp.count.get_ref();
            if count <= current {
                // Kafka: InvalidPartitionsException, as ReplicationControlManager words it.
                let msg = if count < current {
                    format!("Topic currently has {current} partitions, which is higher than the requested {count}.")
                } else {
                    format!("Topic already has {current} partition(s).")
                };
                return Err(self.ctx.err(cp.count.span(), msg));
            }
            if count > MAX_PARTITIONS {
                return Err(self.ctx.err(
                    cp.count.span(),
                    format!("at most {MAX_PARTITIONS} partitions per topic in the playground"),
                ));
            }
            self.topics.insert(topic.clone(), count);
            Command::CreatePartitions { topic, count }
        } else if let Some(el) = &s.elect_leaders {
            let el = el.get_ref();
            let (topic, partitions) = self.known_topic(&el.topic)?;
            let partition = *el.partition.get_ref();
            if partition >= partitions {
                let msg = format!("This server does not host this topic-partition: '{topic}-{partition}' ({topic} has {partitions} partition(s))");
                return Err(self.ctx.err(el.partition.span(), msg));
            }
            let election = match el.election.get_ref().as_str() {
                "preferred" => crate::command::ElectionType::Preferred,
                "unclean" => crate::command::ElectionType::Unclean,
                other => {
                    let msg = format!("unknown election type '{other}' (use \"preferred\" or \"unclean\", as kafka-leader-election.sh --election-type)");
                    return Err(self.ctx.err(el.election.span(), msg));
                }
            };
            Command::ElectLeaders {
                topic,
                partition,
                election,
            }
        } else if let Some(pair) = &s.partition_network {
            let nodes = pair.get_ref();
            if nodes.len() != 2 {
                let msg =
                    "partition_network takes two node names, e.g. [\"broker-1\", \"controller\"]";
                return Err(self.ctx.err(pair.span(), msg));
            }
            let (a, b) = (self.known_node(&nodes[0])?, self.known_node(&nodes[1])?);
            if a == b {
                return Err(self
                    .ctx
                    .err(nodes[1].span(), format!("cannot cut {a} from itself")));
            }
            Command::PartitionNetwork { a, b }
        } else if let Some(n) = &s.isolate_node {
            Command::IsolateNode {
                node: self.known_node(n)?,
            }
        } else if let Some(h) = &s.heal_network {
            if !*h.get_ref() {
                return Err(self.ctx.err(
                    h.span(),
                    "write heal_network = true (or leave the step out)",
                ));
            }
            Command::HealNetwork
        } else if let Some(sn) = &s.slow_node {
            let sn = sn.get_ref();
            Command::SlowNode {
                node: self.known_node(&sn.node)?,
                extra_latency_ms: sn.extra_latency_ms,
            }
        } else if let Some(id) = &s.hold_envelope {
            Command::HoldEnvelope { id: *id.get_ref() }
        } else if let Some(id) = &s.release_envelope {
            Command::ReleaseEnvelope { id: *id.get_ref() }
        } else if let Some(id) = &s.drop_envelope {
            Command::DropEnvelope { id: *id.get_ref() }
        } else {
            // `step` has already checked that exactly one action is present; this arm only keeps
            // the function total instead of panicking if a new action is added without its branch.
            return Err(self
                .ctx
                .err(0..0, "internal error: step action not handled"));
        };
        Ok(Action::Command(cmd))
    }
}

// ---------------------------------------------------------------------------------------------
// Embedding: files that carry a scenario and further step lists (lessons)
// ---------------------------------------------------------------------------------------------

/// A scenario table exactly as a scenario file writes it (`name`, `[cluster]`, `[[topics]]`,
/// `[[producers]]`, `[[steps]]`), for another TOML file to embed (a lesson's `[scenario]`). Spans
/// are offsets in the embedding file, so errors point into it.
#[derive(Deserialize)]
#[serde(transparent)]
pub struct ScenarioTable(RawScenario);

/// One `[[steps]]`-style table, for a file that carries step lists of its own (a lesson's demos
/// and reference solutions): the same keys, the same one-action rule, the same checks.
#[derive(Deserialize)]
#[serde(transparent)]
pub struct StepTable(Spanned<RawStep>);

/// Validates embedded scenarios and step lists in file order, so a step may only name what the
/// scenario or an earlier list created. Every error is a [`ScenarioError`] located in `src`.
pub struct StepValidator<'a> {
    v: Validator<'a>,
}

impl<'a> StepValidator<'a> {
    /// Validates an embedded scenario table (the same checks as [`parse`]) and continues from it.
    pub fn embedded(
        src: &'a str,
        file: &'a str,
        raw: ScenarioTable,
    ) -> Result<(Scenario, StepValidator<'a>), ScenarioError> {
        let scenario = Validator::new(Ctx { src, file }).scenario(raw.0)?;
        let v = StepValidator::after(src, file, &scenario);
        Ok((scenario, v))
    }

    /// Continues after an already validated scenario (e.g. one loaded from its own file): its
    /// brokers, controllers, topics (with their partition counts) and producers are known.
    pub fn after(src: &'a str, file: &'a str, scenario: &Scenario) -> StepValidator<'a> {
        let mut v = Validator::new(Ctx { src, file });
        v.brokers = scenario.cluster.brokers.iter().copied().collect();
        v.controllers = match Cluster::new(&scenario.cluster) {
            Ok(c) => c.controllers().keys().copied().collect(),
            Err(_) => scenario.cluster.controllers.iter().copied().collect(),
        };
        let cmds = scenario
            .setup
            .iter()
            .chain(scenario.steps.iter().filter_map(|s| match &s.action {
                Action::Command(c) => Some(c),
                Action::AdvanceMs(_) => None,
            }));
        for c in cmds {
            v.note_command(c);
        }
        StepValidator { v }
    }

    /// Validates a list of steps in order; what they create is known to later lists.
    pub fn steps(&mut self, raw: &[StepTable]) -> Result<Vec<Step>, ScenarioError> {
        raw.iter().map(|s| self.v.step(&s.0)).collect()
    }

    /// Topic name → partition count, as known after the lists validated so far.
    pub fn topics(&self) -> &BTreeMap<String, u32> {
        &self.v.topics
    }

    /// Producer names known so far.
    pub fn producers(&self) -> &BTreeSet<String> {
        &self.v.producers
    }

    /// Broker ids.
    pub fn brokers(&self) -> &BTreeSet<u32> {
        &self.v.brokers
    }

    /// Consumer names known so far.
    pub fn consumers(&self) -> &BTreeSet<String> {
        &self.v.consumers
    }

    /// Consumer `group.id`s known so far.
    pub fn groups(&self) -> &BTreeSet<String> {
        &self.v.groups
    }

    /// Controller (quorum voter) ids.
    pub fn controllers(&self) -> &BTreeSet<u32> {
        &self.v.controllers
    }
}

impl Validator<'_> {
    /// Records what an already validated command creates (topics with their partition counts,
    /// producers). A new command that creates something steps may name later (a consumer group,
    /// say) needs its arm here too, or lessons continuing from a scenario file will not know it.
    fn note_command(&mut self, c: &Command) {
        match c {
            Command::CreateTopic {
                name, partitions, ..
            } => {
                self.topics.insert(name.clone(), *partitions);
            }
            Command::CreatePartitions { topic, count } => {
                self.topics.insert(topic.clone(), *count);
            }
            Command::AddProducer { name, .. } => {
                self.producers.insert(name.clone());
            }
            Command::AddConsumer { name, configs, .. } => {
                self.consumers.insert(name.clone());
                if let Some(g) = configs.get("group.id") {
                    self.groups.insert(g.clone());
                }
            }
            _ => {}
        }
    }
}

/// Kafka's topic-name rules (`org.apache.kafka.common.internals.Topic.validate`), with its wording.
fn illegal_topic_name(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("Topic name is illegal, it can't be empty".to_string());
    }
    if name == "." || name == ".." {
        return Some("Topic name cannot be \".\" or \"..\"".to_string());
    }
    if name.len() > 249 {
        return Some(format!(
            "Topic name is illegal, it can't be longer than 249 characters, topic name: {name}"
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-')
    {
        return Some(format!(
            "Topic name \"{name}\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'"
        ));
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------------------------

/// What a step did: its action and the events it caused.
#[derive(Clone, Debug)]
pub struct StepRun {
    /// 1-based step number (0 is the setup).
    pub index: usize,
    /// Where the step's `[[steps]]` header is (`[cluster]` for the setup).
    pub pos: Pos,
    /// The action as one line (see [`Action`]'s `Display`); `setup` for the setup block.
    pub label: String,
    /// The step's `note`.
    pub note: Option<String>,
    /// Simulated time when the step started.
    pub start_ms: u64,
    /// The events the step caused, in order.
    pub events: Vec<Event>,
}

/// A finished run: the events of every step, and the cluster in its final state.
#[derive(Debug)]
pub struct Run {
    /// The scenario's `name`.
    pub name: String,
    /// The scenario's `description`.
    pub description: String,
    /// The seed the cluster ran with.
    pub seed: u64,
    /// Setup first (index 0), then one entry per `[[steps]]`.
    pub steps: Vec<StepRun>,
    /// The cluster after the last step.
    pub cluster: Cluster,
}

/// Why a run stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunErrorKind {
    /// The cluster could not be built from `[cluster]` (bad input: exit code 2 in `kplay`).
    Config,
    /// An engine invariant broke (an engine bug: exit code 1 in `kplay`).
    Invariant,
}

/// A run that stopped early. `partial` holds what ran up to the failure, for debugging.
#[derive(Debug)]
pub struct RunError {
    /// Bad input or an engine bug.
    pub kind: RunErrorKind,
    /// Located at the step that broke the invariant (or at `[cluster]`).
    pub error: ScenarioError,
    /// The steps that ran, up to and including the failing one (`None` if the cluster never started).
    pub partial: Option<Box<Run>>,
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

impl std::error::Error for RunError {}

impl Scenario {
    /// Every engine input of the run, in order: the setup commands, then each step (an
    /// `advance_ms` step becomes that many [`Input::Tick`]s). Feeding these to a fresh
    /// `Cluster::new(&self.cluster)` reproduces [`Scenario::run`] exactly — this is how the
    /// browser replays a scenario and gets the same trace hash.
    pub fn inputs(&self) -> Vec<Input> {
        let mut out: Vec<Input> = self.setup.iter().cloned().map(Input::Command).collect();
        for s in &self.steps {
            match &s.action {
                Action::AdvanceMs(ms) => {
                    let ticks = crate::config::ticks_from_ms(*ms);
                    out.extend((0..ticks).map(|_| Input::Tick));
                }
                Action::Command(c) => out.push(Input::Command(c.clone())),
            }
        }
        out
    }

    /// Builds the cluster, applies the setup and then every step, checking Kafka's invariants
    /// after every single input (so a violation is caught at the tick it happens, not later).
    pub fn run(&self) -> Result<Run, RunError> {
        let mut cluster = Cluster::new(&self.cluster).map_err(|e| RunError {
            kind: RunErrorKind::Config,
            error: ScenarioError {
                file: self.file.clone(),
                line: self.cluster_pos.line.max(1),
                column: self.cluster_pos.column.max(1),
                reason: e.message,
            },
            partial: None,
        })?;
        // (step header, its inputs): setup is step 0.
        let mut plan: Vec<(StepRun, Vec<Input>)> = Vec::with_capacity(self.steps.len() + 1);
        let setup = StepRun {
            index: 0,
            pos: self.cluster_pos,
            label: "setup".to_string(),
            note: None,
            start_ms: 0,
            // `Cluster::new` already logged the brokers' bootstrap registrations; they belong to
            // the trace (and to the trace hash) even though no `step` returned them.
            events: cluster.events().to_vec(),
        };
        plan.push((
            setup,
            self.setup.iter().cloned().map(Input::Command).collect(),
        ));
        for (i, s) in self.steps.iter().enumerate() {
            let inputs = match &s.action {
                // Ticks are generated lazily below; an empty list marks "advance".
                Action::AdvanceMs(_) => Vec::new(),
                Action::Command(c) => vec![Input::Command(c.clone())],
            };
            let step = StepRun {
                index: i + 1,
                pos: s.pos,
                label: s.action.to_string(),
                note: s.note.clone(),
                start_ms: 0,
                events: Vec::new(),
            };
            plan.push((step, inputs));
        }
        let mut done: Vec<StepRun> = Vec::with_capacity(plan.len());
        for (mut step, inputs) in plan {
            step.start_ms = cluster.now_ms();
            let ticks = match step.index.checked_sub(1).map(|i| &self.steps[i].action) {
                Some(Action::AdvanceMs(ms)) => crate::config::ticks_from_ms(*ms),
                _ => 0,
            };
            let inputs = inputs.into_iter().chain((0..ticks).map(|_| Input::Tick));
            let mut broken = None;
            for input in inputs {
                // Debug builds of the engine panic on a broken invariant inside `step`; catching
                // it here lets us say which scenario step did it instead of just "panicked".
                let stepped =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| cluster.step(input)));
                match stepped {
                    Ok(events) => step.events.extend(events),
                    Err(panic) => {
                        broken = Some(format!(
                            "engine panicked: {}",
                            panic_message(panic.as_ref())
                        ));
                        break;
                    }
                }
                if let Err(msg) = cluster.check_invariants() {
                    broken = Some(msg);
                    break;
                }
            }
            let Some(msg) = broken else {
                done.push(step);
                continue;
            };
            let reason = if step.index == 0 {
                format!(
                    "invariant violated during setup at t={}ms: {msg}",
                    cluster.now_ms()
                )
            } else {
                format!(
                    "invariant violated in step {} ({}) at t={}ms: {msg}",
                    step.index,
                    step.label,
                    cluster.now_ms()
                )
            };
            let error = ScenarioError {
                file: self.file.clone(),
                line: step.pos.line.max(1),
                column: step.pos.column.max(1),
                reason,
            };
            done.push(step);
            let partial = Run::new(self, done, cluster);
            return Err(RunError {
                kind: RunErrorKind::Invariant,
                error,
                partial: Some(Box::new(partial)),
            });
        }
        Ok(Run::new(self, done, cluster))
    }
}

/// The text of a panic payload (`panic!` gives a `String` or a `&str`).
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown panic".to_string())
}

impl Run {
    fn new(s: &Scenario, steps: Vec<StepRun>, cluster: Cluster) -> Run {
        Run {
            name: s.name.clone(),
            description: s.description.clone(),
            seed: s.cluster.seed,
            steps,
            cluster,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Reports: produce outcomes, text trace, JSON
// ---------------------------------------------------------------------------------------------

/// One produce call and how it ended, gathered from the events (and the snapshot for the value).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ProduceSummary {
    /// The id the engine gave the produce call (`produce#N` in traces).
    pub id: u64,
    /// The step (1-based) whose command created it.
    pub step: usize,
    /// The producer that sent it.
    pub producer: Option<String>,
    /// The topic it went to.
    pub topic: String,
    /// The partition it went to.
    pub partition: u32,
    /// The producer's `acks` when it was sent.
    pub acks: Option<Acks>,
    /// The record key (`None` = null key).
    pub key: Option<String>,
    /// The record value.
    pub value: Option<String>,
    /// When the client sent it.
    pub sent_at_ms: u64,
    /// `ok`, `error`, or `pending` (no answer by the end of the run).
    pub status: &'static str,
    /// For `ok`: the offset the client got (-1 for acks=0).
    pub offset: Option<i64>,
    /// For `error`: Kafka's error name, e.g. `NOT_ENOUGH_REPLICAS`.
    pub error: Option<String>,
    /// For `error`: the broker's or client's message.
    pub message: Option<String>,
    /// When the client got its answer.
    pub completed_at_ms: Option<u64>,
    /// `completed_at_ms - sent_at_ms`, as the client measured it.
    pub latency_ms: Option<u64>,
}

impl Run {
    /// Every event of the run, in order.
    pub fn events(&self) -> impl Iterator<Item = &Event> {
        self.steps.iter().flat_map(|s| s.events.iter())
    }

    /// The determinism fingerprint (FNV-1a over event lines), as the engine computes it.
    pub fn trace_hash(&self) -> u64 {
        self.cluster.trace_hash()
    }

    /// The trace hash as 16 lower-case hex digits (the form stored in `tests/golden/*.hash`).
    pub fn trace_hash_hex(&self) -> String {
        format!("{:016x}", self.trace_hash())
    }

    /// Every produce call, by id, built from `RecordAccumulated` / `ProduceCompleted` events. The snapshot fills in what events do not carry (the value).
    pub fn produces(&self) -> Vec<ProduceSummary> {
        let mut by_id: BTreeMap<u64, ProduceSummary> = BTreeMap::new();
        for s in &self.steps {
            for e in &s.events {
                collect_produce(&mut by_id, s.index, e);
            }
        }
        for r in &self.cluster.snapshot().requests {
            let p = by_id.entry(r.id.0).or_insert_with(|| ProduceSummary {
                id: r.id.0,
                step: 0,
                producer: None,
                topic: r.tp.topic.clone(),
                partition: r.tp.partition,
                acks: None,
                key: None,
                value: None,
                sent_at_ms: r.sent_at_ms,
                status: "pending",
                offset: None,
                error: None,
                message: None,
                completed_at_ms: None,
                latency_ms: None,
            });
            p.producer.get_or_insert_with(|| r.producer.clone());
            p.acks.get_or_insert(r.acks);
            if p.key.is_none() {
                p.key = r.key.clone();
            }
            p.value = r.value.clone();
        }
        by_id.into_values().collect()
    }

    /// The readable trace printed by `kplay run` and stored in golden `.trace` files: a header,
    /// each step followed by its events, the final state of every partition, and the produces.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!("# scenario: {}\n", self.name));
        if !self.description.is_empty() {
            out.push_str(&format!("# {}\n", self.description));
        }
        out.push_str(&format!("# seed: {}\n", self.seed));
        for s in &self.steps {
            match (&s.note, s.index) {
                (_, 0) => out.push_str(&format!("\n-- setup (t={}ms)\n", s.start_ms)),
                (Some(n), i) => out.push_str(&format!(
                    "\n-- step {i}: {} (t={}ms) # {n}\n",
                    s.label, s.start_ms
                )),
                (None, i) => out.push_str(&format!(
                    "\n-- step {i}: {} (t={}ms)\n",
                    s.label, s.start_ms
                )),
            }
            for e in &s.events {
                out.push_str(&e.to_string());
                out.push('\n');
            }
        }
        let snap = self.cluster.snapshot();
        out.push('\n');
        out.push_str(&render_state(&snap));
        if !snap.groups.is_empty() {
            out.push('\n');
            out.push_str(&render_groups(&snap));
        }
        if !snap.transactions.is_empty() {
            out.push('\n');
            out.push_str(&render_transactions(&snap));
        }
        out.push('\n');
        out.push_str(&render_produces(&self.produces()));
        out.push_str(&format!("\ntrace_hash: {}\n", self.trace_hash_hex()));
        out
    }

    /// The JSON document printed by `kplay run --json` (schema in `docs/kplay-json.md`).
    pub fn to_json(&self) -> Value {
        let snap = self.cluster.snapshot();
        let events: Vec<&Event> = self.events().collect();
        let mut first_event = 0usize;
        let steps: Vec<Value> = self
            .steps
            .iter()
            .map(|s| {
                let v = json!({
                    "index": s.index,
                    "line": s.pos.line,
                    "action": s.label,
                    "note": s.note,
                    "start_ms": s.start_ms,
                    "first_event": first_event,
                    "event_count": s.events.len(),
                });
                first_event += s.events.len();
                v
            })
            .collect();
        json!({
            "format": "kplay-run/1",
            "scenario": self.name,
            "description": self.description,
            "seed": self.seed,
            "trace_hash": self.trace_hash_hex(),
            "end_ms": snap.now_ms,
            "brokers": snap.brokers.iter().map(|b| json!({
                "id": b.id.0, "alive": b.alive, "fenced": b.fenced,
            })).collect::<Vec<_>>(),
            "quorum": snap.quorum,
            "produces": self.produces(),
            "partitions": partitions_json(&snap),
            "metrics": snap.metrics,
            "groups": snap.groups,
            "consumers": snap.consumers,
            "transactions": snap.transactions,
            "steps": steps,
            "events": events,
        })
    }
}

fn collect_produce(by_id: &mut BTreeMap<u64, ProduceSummary>, step: usize, e: &Event) {
    let new = |id: u64, tp: &crate::ids::TopicPartition| ProduceSummary {
        id,
        step,
        producer: None,
        topic: tp.topic.clone(),
        partition: tp.partition,
        acks: None,
        key: None,
        value: None,
        sent_at_ms: e.at_ms,
        status: "pending",
        offset: None,
        error: None,
        message: None,
        completed_at_ms: None,
        latency_ms: None,
    };
    match &e.kind {
        EventKind::RecordAccumulated {
            id,
            producer,
            tp,
            key,
            ..
        } => {
            let p = by_id.entry(id.0).or_insert_with(|| new(id.0, tp));
            p.producer = Some(producer.clone());
            p.key = key.clone();
        }
        EventKind::ProduceCompleted {
            id,
            producer,
            tp,
            acks,
            outcome,
            latency_ms,
        } => {
            let p = by_id.entry(id.0).or_insert_with(|| new(id.0, tp));
            p.producer = Some(producer.clone());
            p.acks = Some(*acks);
            // A retried record may end up on the partition the completion names.
            p.topic = tp.topic.clone();
            p.partition = tp.partition;
            p.completed_at_ms = Some(e.at_ms);
            p.latency_ms = Some(*latency_ms);
            match outcome {
                ProduceOutcome::Ok { offset } => {
                    p.status = "ok";
                    p.offset = Some(*offset);
                }
                ProduceOutcome::Err { error, message } => {
                    p.status = "error";
                    p.error = Some(error.name().to_string());
                    p.message = Some(message.clone());
                }
            }
        }
        _ => {}
    }
}

fn ids_list(ids: impl IntoIterator<Item = u32>) -> String {
    let v: Vec<String> = ids.into_iter().map(|b| b.to_string()).collect();
    format!("[{}]", v.join(","))
}

/// Pads each column to its widest cell, so the table reads in a terminal and diffs cleanly.
fn table(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(|r| r.len()).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (c, cell) in r.iter().enumerate() {
            if c + 1 == r.len() {
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&" ".repeat(widths[c] - cell.chars().count() + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn render_state(snap: &Snapshot) -> String {
    let mut out = format!("== final state at t={}ms\n", snap.now_ms);
    let brokers: Vec<String> = snap
        .brokers
        .iter()
        .map(|b| {
            let state = match (b.alive, b.fenced) {
                (true, false) => "up",
                (true, true) => "up (fenced)",
                (false, true) => "down (fenced)",
                (false, false) => "down",
            };
            format!("{}: {state}", b.id)
        })
        .collect();
    out.push_str(&format!("brokers: {}\n", brokers.join(", ")));
    let q = &snap.quorum;
    let voters: Vec<String> = q
        .voters
        .iter()
        .map(|v| {
            let role = v.role.as_deref().unwrap_or("down");
            let active = if v.active { ", active" } else { "" };
            format!("controller-{}: {role} (epoch {}{active})", v.id, v.epoch)
        })
        .collect();
    out.push_str(&format!(
        "controllers: {} · metadata HW {} · majority {} of {}\n",
        voters.join(", "),
        q.high_watermark,
        q.majority,
        q.voters.len()
    ));
    let mut rows = vec![vec![
        "partition".to_string(),
        "leader".to_string(),
        "leaderEpoch".to_string(),
        "partitionEpoch".to_string(),
        "isr".to_string(),
        "replicas".to_string(),
        "HW".to_string(),
        "LEO by replica".to_string(),
    ]];
    for t in &snap.topics {
        for p in &t.partitions {
            let leos: Vec<String> = p
                .replica_states
                .iter()
                .map(|r| {
                    let down = if r.alive { "" } else { "(down)" };
                    format!("{}:{}{down}", r.broker.0, r.log_end_offset.0)
                })
                .collect();
            rows.push(vec![
                p.tp.to_string(),
                p.leader
                    .map(|b| b.0.to_string())
                    .unwrap_or_else(|| "none".to_string()),
                p.leader_epoch.0.to_string(),
                p.partition_epoch.to_string(),
                ids_list(p.isr.iter().map(|b| b.0)),
                ids_list(p.replicas.iter().map(|b| b.0)),
                p.high_watermark
                    .map(|o| o.0.to_string())
                    .unwrap_or_else(|| "-".to_string()),
                leos.join(" "),
            ]);
        }
    }
    out.push_str(&table(&rows));
    out
}

/// ` orders-0`, ` orders`, or nothing (every assigned partition).
fn seek_scope(topic: &Option<String>, partition: &Option<u32>) -> String {
    match (topic, partition) {
        (Some(t), Some(p)) => format!(" {t}-{p}"),
        (Some(t), None) => format!(" {t}"),
        _ => String::new(),
    }
}

/// Transactions at the end (only for scenarios with transactional ids): each id on its
/// coordinator, then the LSO of every partition that holds transactional records.
fn render_transactions(snap: &Snapshot) -> String {
    let mut out = String::from("== transactions\n");
    for t in &snap.transactions {
        out.push_str(&format!(
            "transactional.id {} state={} producerId={} epoch={} coordinator={} (__transaction_state-{}) partitions={}\n",
            t.transactional_id,
            t.state,
            t.producer_id,
            t.producer_epoch,
            t.coordinator,
            t.state_partition,
            ids_text(&t.partitions)
        ));
    }
    let mut rows = vec![vec![
        "partition".to_string(),
        "HW".to_string(),
        "LSO".to_string(),
        "open".to_string(),
        "aborted".to_string(),
        "markers".to_string(),
    ]];
    for t in &snap.topics {
        for p in &t.partitions {
            let Some(leader) = p.replica_states.iter().find(|r| r.is_leader) else {
                continue;
            };
            let markers: Vec<String> = leader
                .records
                .iter()
                .filter_map(|r| match r.batch_kind {
                    Some(crate::log::BatchKind::Commit) => Some(format!("C@{}", r.offset.0)),
                    Some(crate::log::BatchKind::Abort) => Some(format!("A@{}", r.offset.0)),
                    _ => None,
                })
                .collect();
            let transactional = !markers.is_empty() || !p.ongoing_transactions.is_empty();
            if !transactional || t.name == crate::transactions::TRANSACTION_STATE_TOPIC {
                continue;
            }
            let open: Vec<String> = p
                .ongoing_transactions
                .iter()
                .map(|(pid, o)| format!("{pid}@{}", o.0))
                .collect();
            let aborted: Vec<String> = p
                .aborted_transactions
                .iter()
                .map(|a| {
                    format!(
                        "{}:{}..{}",
                        a.producer_id, a.first_offset.0, a.last_offset.0
                    )
                })
                .collect();
            let opt =
                |o: Option<crate::ids::Offset>| o.map_or("-".to_string(), |o| o.0.to_string());
            rows.push(vec![
                p.tp.to_string(),
                opt(p.high_watermark),
                opt(p.last_stable_offset),
                if open.is_empty() {
                    "-".into()
                } else {
                    open.join(" ")
                },
                if aborted.is_empty() {
                    "-".into()
                } else {
                    aborted.join(" ")
                },
                markers.join(" "),
            ]);
        }
    }
    out.push_str(&table(&rows));
    out
}

fn ids_text(tps: &[crate::ids::TopicPartition]) -> String {
    let v: Vec<String> = tps.iter().map(|t| t.to_string()).collect();
    format!("[{}]", v.join(","))
}

/// Consumer groups at the end (only for scenarios with consumers, so older traces keep their form).
fn render_groups(snap: &Snapshot) -> String {
    let mut out = String::from("== consumer groups\n");
    for g in &snap.groups {
        if g.group_type == "consumer" {
            render_consumer_group(g, &mut out);
            continue;
        }
        out.push_str(&format!(
            "group {} state={} generation={} protocol={} coordinator={} (__consumer_offsets-{})\n",
            g.group,
            g.state,
            g.generation,
            g.protocol.as_deref().unwrap_or("-"),
            g.coordinator.map_or("none".to_string(), |b| b.to_string()),
            g.offsets_partition
        ));
        let mut rows = vec![vec![
            "partition".to_string(),
            "owner".to_string(),
            "committed".to_string(),
            "HW".to_string(),
            "lag".to_string(),
        ]];
        let opt = |o: Option<u64>| o.map_or("-".to_string(), |o| o.to_string());
        for p in &g.partitions {
            rows.push(vec![
                p.tp.to_string(),
                p.owner.clone().unwrap_or_else(|| "-".into()),
                opt(p.committed),
                opt(p.high_watermark),
                opt(p.lag),
            ]);
        }
        out.push_str(&table(&rows));
        let l = &g.ledger;
        out.push_str(&format!(
            "ledger: {} processed once, {} duplicated, {} never processed ({} lost, {} pending)\n",
            l.processed_once, l.duplicated, l.never_processed, l.lost, l.pending
        ));
    }
    out
}

/// A KIP-848 group: epochs, then each member's epoch, state and partitions.
fn render_consumer_group(g: &crate::snapshot::GroupView, out: &mut String) {
    out.push_str(&format!(
        "group {} type=consumer state={} group-epoch={} assignment-epoch={} assignor={} coordinator={} (__consumer_offsets-{})\n",
        g.group,
        g.state,
        g.generation,
        g.assignment_epoch.unwrap_or(0),
        g.protocol.as_deref().unwrap_or("-"),
        g.coordinator.map_or("none".to_string(), |b| b.to_string()),
        g.offsets_partition
    ));
    let tps = |v: &[crate::ids::TopicPartition]| {
        let s: Vec<String> = v.iter().map(|t| t.to_string()).collect();
        format!("[{}]", s.join(","))
    };
    let mut rows = vec![vec![
        "member".to_string(),
        "client".to_string(),
        "epoch".to_string(),
        "state".to_string(),
        "assigned".to_string(),
        "revoking".to_string(),
        "target".to_string(),
    ]];
    for m in &g.members {
        rows.push(vec![
            m.member_id.clone(),
            m.client_id.clone(),
            m.member_epoch.unwrap_or(0).to_string(),
            m.member_state.clone().unwrap_or_default(),
            tps(&m.assignment),
            tps(&m.pending_revocation),
            tps(&m.target),
        ]);
    }
    out.push_str(&table(&rows));
    let mut rows = vec![vec![
        "partition".to_string(),
        "owner".to_string(),
        "committed".to_string(),
        "HW".to_string(),
        "lag".to_string(),
    ]];
    let opt = |o: Option<u64>| o.map_or("-".to_string(), |o| o.to_string());
    for p in &g.partitions {
        rows.push(vec![
            p.tp.to_string(),
            p.owner.clone().unwrap_or_else(|| "-".into()),
            opt(p.committed),
            opt(p.high_watermark),
            opt(p.lag),
        ]);
    }
    out.push_str(&table(&rows));
    out.push_str(&format!(
        "ledger: {} processed once, {} duplicated, {} never processed\n",
        g.ledger.processed_once, g.ledger.duplicated, g.ledger.never_processed
    ));
}

fn render_produces(produces: &[ProduceSummary]) -> String {
    let ok = produces.iter().filter(|p| p.status == "ok").count();
    let failed = produces.iter().filter(|p| p.status == "error").count();
    let pending = produces.len() - ok - failed;
    let mut out = format!(
        "== produces: {} sent, {ok} ok, {failed} failed, {pending} pending\n",
        produces.len()
    );
    let mut rows = Vec::new();
    for p in produces {
        let result = match p.status {
            "ok" => format!("OK offset={}", p.offset.unwrap_or(-1)),
            "error" => format!(
                "{}: {}",
                p.error.as_deref().unwrap_or("?"),
                p.message.as_deref().unwrap_or("")
            ),
            _ => "pending".to_string(),
        };
        rows.push(vec![
            format!("#{}", p.id),
            format!("step {}", p.step),
            p.producer.clone().unwrap_or_else(|| "?".to_string()),
            format!("{}-{}", p.topic, p.partition),
            format!(
                "acks={}",
                p.acks
                    .map(|a| a.to_string())
                    .unwrap_or_else(|| "?".to_string())
            ),
            format!("key={}", p.key.as_deref().unwrap_or("null")),
            p.latency_ms
                .map(|l| format!("{l}ms"))
                .unwrap_or_else(|| "-".to_string()),
            result,
        ]);
    }
    out.push_str(&table(&rows));
    out
}

/// The transaction markers among the leader's last records (`RECORDS_IN_VIEW`): control records
/// take offsets, so consumers see gaps there.
fn control_records(p: &crate::snapshot::PartitionView) -> Vec<Value> {
    use crate::log::BatchKind;
    p.replica_states
        .iter()
        .find(|r| r.is_leader)
        .map(|r| {
            r.records
                .iter()
                .filter_map(|x| {
                    let kind = match x.batch_kind? {
                        BatchKind::Commit => "commit",
                        BatchKind::Abort => "abort",
                        _ => return None,
                    };
                    Some(
                        json!({ "offset": x.offset.0, "type": kind, "producer_id": x.producer_id }),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn partitions_json(snap: &Snapshot) -> Vec<Value> {
    let mut out = Vec::new();
    for t in &snap.topics {
        for p in &t.partitions {
            let replicas: Vec<Value> = p
                .replica_states
                .iter()
                .map(|r| {
                    json!({
                        "broker": r.broker.0,
                        "alive": r.alive,
                        "is_leader": r.is_leader,
                        "in_isr": r.in_isr,
                        "log_end_offset": r.log_end_offset.0,
                        "high_watermark": r.high_watermark.0,
                        "log_start_offset": r.log_start_offset.0,
                        "segment_count": r.segment_count,
                        "segments": r.segments,
                        "cleaner": r.cleaner,
                    })
                })
                .collect();
            out.push(json!({
                "topic": p.tp.topic,
                "partition": p.tp.partition,
                "leader": p.leader.map(|b| b.0),
                "leader_epoch": p.leader_epoch.0,
                "partition_epoch": p.partition_epoch,
                "isr": p.isr.iter().map(|b| b.0).collect::<Vec<_>>(),
                "replicas": p.replicas.iter().map(|b| b.0).collect::<Vec<_>>(),
                "pending_isr": p.pending_isr.as_ref().map(|v| v.iter().map(|b| b.0).collect::<Vec<_>>()),
                "high_watermark": p.high_watermark.map(|o| o.0),
                "min_insync_replicas": t.min_insync_replicas,
                "under_replicated": p.under_replicated,
                "under_min_isr": p.under_min_isr,
                "replica_states": replicas,
                "last_stable_offset": p.last_stable_offset.map(|o| o.0),
                "ongoing_transactions": p.ongoing_transactions.iter().map(|(pid, o)| json!({
                    "producer_id": pid, "first_offset": o.0,
                })).collect::<Vec<_>>(),
                "aborted_transactions": p.aborted_transactions,
                "control_records": control_records(p),
            }));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = r#"
name = "t"
description = "d"
[cluster]
brokers = [1, 2, 3]
seed = 42
[cluster.configs]
"replica.lag.time.max.ms" = 30000
"sim.network.latency.max.ms" = 4
[[topics]]
name = "payments"
partitions = 2
"replication.factor" = 3
configs = { "min.insync.replicas" = 2 }
[[producers]]
name = "checkout"
configs = { acks = "all" }
[[steps]]
produce = { producer = "checkout", topic = "payments", key = "order-1", value = "42.00 EUR" }
[[steps]]
advance_ms = 1000
note = "wait"
[[steps]]
crash_broker = 3
[[steps]]
restart_broker = 3
[[steps]]
alter_topic_config = { topic = "payments", key = "min.insync.replicas", value = 1 }
[[steps]]
alter_producer_config = { producer = "checkout", key = "acks", value = 1 }
"#;

    fn err(src: &str) -> String {
        parse(src, "f.toml").unwrap_err().to_string()
    }

    #[test]
    fn parses_the_example() {
        let s = parse(VALID, "f.toml").unwrap();
        assert_eq!(s.cluster.seed, 42);
        assert_eq!(s.cluster.configs["replica.lag.time.max.ms"], "30000");
        assert_eq!(s.steps.len(), 6);
        assert_eq!(s.steps[1].note.as_deref(), Some("wait"));
        assert_eq!(s.steps[2].pos.line, 23);
        assert_eq!(
            s.steps[4].action,
            Action::Command(Command::AlterTopicConfig {
                topic: "payments".into(),
                key: "min.insync.replicas".into(),
                value: "1".into()
            })
        );
        assert_eq!(s.inputs().len(), 2 + 1 + 1000 + 4);
    }

    #[test]
    fn errors_point_at_the_token() {
        let bad_value = VALID.replace("\"min.insync.replicas\" = 2", "\"min.insync.replicas\" = 0");
        assert_eq!(
            err(&bad_value),
            "f.toml:14:37: Invalid value 0 for configuration min.insync.replicas: Value must be at least 1"
        );
        let unknown_key = VALID.replace("seed = 42", "sed = 42");
        assert!(
            err(&unknown_key).starts_with("f.toml:6:1: unknown field `sed`"),
            "{}",
            err(&unknown_key)
        );
        let two = VALID.replace("crash_broker = 3", "crash_broker = 3\nadvance_ms = 5");
        assert_eq!(
            err(&two),
            "f.toml:25:14: step has two actions (crash_broker and advance_ms); split them into two [[steps]]"
        );
        let unknown_broker = VALID.replace("restart_broker = 3", "restart_broker = 4");
        assert_eq!(
            err(&unknown_broker),
            "f.toml:26:18: unknown broker 4 (brokers are [1, 2, 3])"
        );
        let dup = VALID.replace("brokers = [1, 2, 3]", "brokers = [1, 2, 2]");
        assert_eq!(err(&dup), "f.toml:5:18: duplicate broker id 2");
        let rf = VALID.replace("brokers = [1, 2, 3]", "brokers = [1, 2]");
        assert!(
            err(&rf).starts_with("f.toml:13:24: Unable to replicate the partition 3 time(s)"),
            "{}",
            err(&rf)
        );
        let syntax = VALID.replace("seed = 42", "seed = = 42");
        assert!(err(&syntax).starts_with("f.toml:6:"), "{}", err(&syntax));
        let empty_step = VALID.replace("crash_broker = 3", "");
        assert!(
            err(&empty_step).starts_with("f.toml:23:1: step has no action"),
            "{}",
            err(&empty_step)
        );
        let topic = VALID.replace(
            "topic = \"payments\", key = \"order-1\"",
            "topic = \"pay\", key = \"order-1\"",
        );
        assert!(err(&topic).starts_with("f.toml:19:"), "{}", err(&topic));
        let unknown_cfg = VALID.replace("acks = \"all\"", "ack = \"all\"");
        assert!(
            err(&unknown_cfg).starts_with("f.toml:17:13: Unknown producer configuration 'ack'"),
            "{}",
            err(&unknown_cfg)
        );
    }

    #[test]
    fn never_panics_on_mutations() {
        // Every prefix, and every single-byte deletion / replacement, of a valid file: parse must
        // return (Ok or a located error), never panic.
        let src = VALID;
        let mut cases: Vec<String> = Vec::new();
        for i in 0..=src.len() {
            if src.is_char_boundary(i) {
                cases.push(src[..i].to_string());
                let mut del = src[..i].to_string();
                if let Some(rest) = src.get(i + 1..) {
                    del.push_str(rest);
                    cases.push(del);
                }
                for c in ['"', '[', ']', '=', '\n', '0', '-', 'x', '{', '.', 'é'] {
                    if let Some(rest) = src.get(i + 1..) {
                        cases.push(format!("{}{c}{rest}", &src[..i]));
                    }
                }
            }
        }
        for case in &cases {
            if let Err(e) = parse(case, "m.toml") {
                assert!(e.line >= 1 && e.column >= 1, "{e}");
                assert!(
                    e.line <= case.lines().count().max(1) + 1,
                    "{e} for {case:?}"
                );
            }
        }
    }
}
