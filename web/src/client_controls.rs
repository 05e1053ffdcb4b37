//! What the lesson player's client controls show and start with (pure, native-tested): the
//! consumer, seek, transaction and perf-test controls of `ui/lesson.rs`, and the helpers the
//! sandbox's consumer-groups panel (`ui/groups.rs`) shares with them.
//!
//! A step lists its controls (`LessonStep.controls`: command names and Kafka config keys); every
//! control starts from the step's reference (the prediction's action, then the solution), else
//! from the cluster as it is, like the produce control.

use kplay_engine::assignor::Assignor;
use kplay_engine::config::{config_def, ConfigKind, ConfigScope};
use kplay_engine::lesson::LessonStep;
use kplay_engine::scenario::Action;
use kplay_engine::snapshot::{ConsumerView, GroupView, ProducerView, TopicView};
use kplay_engine::Command;
use std::collections::BTreeMap;

/// The group id a new consumer starts with when nothing else suggests one.
pub const DEFAULT_GROUP: &str = "billing";

/// The consumer commands that act on one running consumer, in the order their buttons appear.
pub const CONSUMER_ACTIONS: [&str; 4] = [
    "crash_consumer",
    "close_consumer",
    "stop_polling",
    "resume_polling",
];

/// The transaction commands, in the order a transactional producer uses them.
pub const TXN_ACTIONS: [&str; 4] = [
    "init_transactions",
    "begin_transaction",
    "commit_transaction",
    "abort_transaction",
];

/// The first command of the step's reference (prediction action, then solution) matching `f`.
pub fn reference<T>(step: &LessonStep, f: impl Fn(&Command) -> Option<T>) -> Option<T> {
    let pred = step.predict.iter().flat_map(|p| p.action.iter());
    pred.chain(step.solution.iter())
        .filter_map(|s| match &s.action {
            Action::Command(c) => f(c),
            _ => None,
        })
        .next()
}

/// Every command of the step's reference matching `f`, in order.
pub fn references<T>(step: &LessonStep, f: impl Fn(&Command) -> Option<T>) -> Vec<T> {
    let pred = step.predict.iter().flat_map(|p| p.action.iter());
    pred.chain(step.solution.iter())
        .filter_map(|s| match &s.action {
            Action::Command(c) => f(c),
            _ => None,
        })
        .collect()
}

fn allows(step: &LessonStep, control: &str) -> bool {
    step.controls.iter().any(|c| c == control)
}

/// Whether the reference adds a consumer with `key` set.
fn reference_consumer_sets(step: &LessonStep, key: &str) -> bool {
    reference(step, |c| match c {
        Command::AddConsumer { configs, .. } if configs.contains_key(key) => Some(()),
        _ => None,
    })
    .is_some()
}

/// Whether the reference changes producer config `key`.
fn reference_producer_sets(step: &LessonStep, key: &str) -> bool {
    reference(step, |c| match c {
        Command::AlterProducerConfig { key: k, .. } if k == key => Some(()),
        _ => None,
    })
    .is_some()
}

/// The consumer config keys the step lists, shown in its add-consumer form (only with
/// `add_consumer`; consumers have no config change after they start). `group.id` is always in the
/// form, so it is not repeated. A key that is also a producer or topic config (`transactional.id`)
/// goes here only when the reference sets it on a consumer and not on a producer.
pub fn consumer_form_keys(step: &LessonStep) -> Vec<String> {
    if !allows(step, "add_consumer") {
        return Vec::new();
    }
    step.controls
        .iter()
        .filter(|k| k.as_str() != "group.id")
        .filter(|k| config_def(ConfigScope::Consumer, k).is_some())
        .filter(|k| {
            let elsewhere = config_def(ConfigScope::Producer, k).is_some()
                || config_def(ConfigScope::Topic, k).is_some();
            !elsewhere || (reference_consumer_sets(step, k) && !reference_producer_sets(step, k))
        })
        .cloned()
        .collect()
}

/// The producer and topic config keys the step lists, each with an "Apply" row (`false`: a
/// producer config, `true`: a topic config). Keys the add-consumer form takes are left out.
pub fn config_row_keys(step: &LessonStep) -> Vec<(String, bool)> {
    let consumer = consumer_form_keys(step);
    step.controls
        .iter()
        .filter(|k| !consumer.contains(k))
        .filter_map(|k| {
            if config_def(ConfigScope::Producer, k).is_some() {
                Some((k.clone(), false))
            } else if config_def(ConfigScope::Topic, k).is_some() {
                Some((k.clone(), true))
            } else {
                None
            }
        })
        .collect()
}

/// How a consumer config is entered in the add-consumer form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Field {
    /// A fixed list: (value sent, label shown).
    Choice(Vec<(String, String)>),
    /// A whole number, at least this.
    Number(i64),
    /// Free text.
    Text,
}

/// The field of consumer config `key`, with choices for a fixed list (Kafka's `ValidString.in`),
/// a boolean, the assignors (by protocol name, sent as Kafka's class names) and the KIP-848
/// server-side assignors.
pub fn consumer_field(key: &str) -> Field {
    config_field(ConfigScope::Consumer, key)
}

/// The field of config `key` of `scope` (see [`consumer_field`]).
pub fn config_field(scope: ConfigScope, key: &str) -> Field {
    let Some(def) = config_def(scope, key) else {
        return Field::Text;
    };
    let same =
        |v: &[&str]| Field::Choice(v.iter().map(|x| (x.to_string(), x.to_string())).collect());
    match def.kind {
        ConfigKind::OneOf(v) => same(v),
        ConfigKind::Bool => same(&["true", "false"]),
        ConfigKind::AssignorList => Field::Choice(
            Assignor::ALL
                .into_iter()
                .map(|a| (a.class_name().to_string(), a.name().to_string()))
                .collect(),
        ),
        _ if key == "group.remote.assignor" => same(&["uniform", "range"]),
        ConfigKind::IntAtLeast(min) => Field::Number(min),
        _ => Field::Text,
    }
}

/// `org.apache.kafka.clients.consumer.RangeAssignor,…` → `range, cooperative-sticky`.
pub fn strategy_short(v: &str) -> String {
    v.split(',')
        .map(|s| {
            let s = s.trim();
            Assignor::ALL
                .into_iter()
                .find(|a| a.class_name() == s || a.name() == s)
                .map(|a| a.name().to_string())
                .unwrap_or_else(|| s.rsplit('.').next().unwrap_or(s).to_string())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The choices of a consumer config field, with `current` added (labelled) when it is not one
/// of them (a reference's assignor list such as `range,cooperative-sticky`).
pub fn choices_with(
    key: &str,
    choices: &[(String, String)],
    current: &str,
) -> Vec<(String, String)> {
    let mut out = choices.to_vec();
    if !current.is_empty() && !out.iter().any(|(v, _)| v == current) {
        let label = if key == "partition.assignment.strategy" {
            strategy_short(current)
        } else {
            current.to_string()
        };
        out.push((current.to_string(), label));
    }
    out
}

/// The value a consumer config field shows when nothing is chosen: Kafka's default, readable.
pub fn default_label(key: &str) -> String {
    default_label_in(ConfigScope::Consumer, key)
}

/// [`default_label`] for a config of `scope`.
pub fn default_label_in(scope: ConfigScope, key: &str) -> String {
    let d = config_def(scope, key).map(|d| d.default).unwrap_or("");
    match (key, d) {
        ("partition.assignment.strategy", d) => strategy_short(d),
        (_, "") => "—".to_string(),
        (_, d) => d.to_string(),
    }
}

/// Kafka allows `[a-zA-Z0-9._-]` in names that end up in topics and metrics (group ids, client
/// ids): anything else is dropped, at most 40 characters kept.
pub fn clean_name(v: &str) -> String {
    v.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(40)
        .collect()
}

/// The next free consumer name (`consumer-1`, `consumer-2`, …).
pub fn next_consumer_name(consumers: &[ConsumerView]) -> String {
    (1..)
        .map(|n| format!("consumer-{n}"))
        .find(|name| !consumers.iter().any(|c| &c.name == name))
        .unwrap_or_else(|| "consumer".to_string())
}

/// Topics a learner works with (not `__consumer_offsets`, `__transaction_state`).
pub fn user_topics(topics: &[TopicView]) -> Vec<String> {
    topics
        .iter()
        .filter(|t| !t.name.starts_with("__"))
        .map(|t| t.name.clone())
        .collect()
}

/// What the add-consumer control starts with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddConsumerDefaults {
    pub name: String,
    pub group: String,
    pub topics: Vec<String>,
    /// The reference's values of the form's config keys (missing: Kafka's default).
    pub configs: BTreeMap<String, String>,
    /// The reference's other configs (not the step's controls, not `group.id`): sent as they
    /// are and shown read-only, so the learner's consumer behaves like the reference's.
    pub fixed: BTreeMap<String, String>,
}

/// The add-consumer defaults: the reference's first `add_consumer` whose consumer does not exist
/// yet (the prediction's action has run once it is answered: then the solution's), else its last
/// with the next free name; without one (a challenge), the next free name, the group the goals
/// name, else the group of the running consumers, else [`DEFAULT_GROUP`], and the first topic.
pub fn add_consumer_defaults(
    step: &LessonStep,
    consumers: &[ConsumerView],
    topics: &[TopicView],
) -> AddConsumerDefaults {
    let keys = consumer_form_keys(step);
    let next = next_consumer_name(consumers);
    let all = references(step, |c| match c {
        Command::AddConsumer {
            name,
            topics,
            configs,
        } => Some((name.clone(), topics.clone(), configs.clone())),
        _ => None,
    });
    let taken = |n: &str| consumers.iter().any(|c| c.name == n);
    let r = all
        .iter()
        .find(|(n, _, _)| !taken(n))
        .or(all.last())
        .cloned();
    match r {
        Some((name, ts, configs)) => AddConsumerDefaults {
            name: if consumers.iter().any(|c| c.name == name) {
                next
            } else {
                name
            },
            group: configs
                .get("group.id")
                .cloned()
                .unwrap_or_else(|| DEFAULT_GROUP.to_string()),
            topics: ts,
            fixed: configs
                .iter()
                .filter(|(k, _)| !keys.contains(k) && k.as_str() != "group.id")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            configs: configs
                .into_iter()
                .filter(|(k, _)| keys.contains(k))
                .collect(),
        },
        None => AddConsumerDefaults {
            name: next,
            group: step_groups(step, consumers)
                .into_iter()
                .next()
                .or_else(|| {
                    consumers
                        .iter()
                        .rev()
                        .find(|c| c.alive)
                        .map(|c| c.group.clone())
                })
                .unwrap_or_else(|| DEFAULT_GROUP.to_string()),
            topics: user_topics(topics).into_iter().take(1).collect(),
            configs: BTreeMap::new(),
            fixed: BTreeMap::new(),
        },
    }
}

/// Why an add-consumer form cannot be sent, or the command: `fixed` configs first, then the
/// form's (an empty value: not set, Kafka's default).
pub fn build_add_consumer(
    name: &str,
    group: &str,
    topics: Vec<String>,
    fixed: &BTreeMap<String, String>,
    configs: &[(String, String)],
) -> Result<Command, &'static str> {
    let name = clean_name(name.trim());
    let group = clean_name(group.trim());
    if name.is_empty() {
        return Err("name");
    }
    if group.is_empty() {
        return Err("group.id");
    }
    if topics.is_empty() {
        return Err("topics");
    }
    let mut map = fixed.clone();
    map.insert("group.id".to_string(), group);
    for (k, v) in configs {
        let v = v.trim();
        if !v.is_empty() {
            map.insert(k.clone(), v.to_string());
        }
    }
    Ok(Command::AddConsumer {
        name,
        topics,
        configs: map,
    })
}

/// The producer configs the add-producer form asks for: the producer keys the step lists, and
/// `transactional.id` when the step allows a transaction command (a producer without it cannot
/// call `initTransactions()`).
pub fn add_producer_keys(step: &LessonStep) -> Vec<String> {
    let mut out: Vec<String> = step
        .controls
        .iter()
        .filter(|k| config_def(ConfigScope::Producer, k).is_some())
        .cloned()
        .collect();
    if TXN_ACTIONS.iter().any(|a| allows(step, a)) && !out.iter().any(|k| k == "transactional.id") {
        out.push("transactional.id".to_string());
    }
    out
}

/// What the add-producer control starts with: the reference's name and configs (a
/// transactional producer needs its `transactional.id`), else `my-producer` without configs.
pub fn add_producer_defaults(
    step: &LessonStep,
    producers: &[ProducerView],
) -> (String, BTreeMap<String, String>) {
    let all = references(step, |c| match c {
        Command::AddProducer { name, configs } => Some((name.clone(), configs.clone())),
        _ => None,
    });
    let (name, configs) = all
        .iter()
        .find(|(n, _)| !producers.iter().any(|p| &p.name == n))
        .or(all.last())
        .cloned()
        .unwrap_or_else(|| ("my-producer".to_string(), BTreeMap::new()));
    if producers.iter().any(|p| p.name == name) {
        let free = (2..)
            .map(|n| format!("{name}-{n}"))
            .find(|n| !producers.iter().any(|p| &p.name == n))
            .unwrap_or(name);
        return (free, configs);
    }
    (name, configs)
}

/// The consumer a control starts on: the reference's first consumer for one of `commands` that
/// still runs, else the first one still running in a group the step is about, else the first one
/// still running, else the reference's first, else the first one.
pub fn default_consumer(
    step: &LessonStep,
    commands: &[&str],
    consumers: &[ConsumerView],
) -> Option<String> {
    let named = references(step, |c| {
        if !commands.contains(&c.name()) {
            return None;
        }
        match c {
            Command::CrashConsumer { consumer }
            | Command::CloseConsumer { consumer }
            | Command::StopPolling { consumer }
            | Command::ResumePolling { consumer }
            | Command::Seek { consumer, .. }
            | Command::SeekToBeginning { consumer, .. }
            | Command::SeekToEnd { consumer, .. } => Some(consumer.clone()),
            _ => None,
        }
    });
    let alive = |n: &String| consumers.iter().any(|c| &c.name == n && c.alive);
    named
        .iter()
        .find(|n| alive(n))
        .cloned()
        .or_else(|| {
            let groups = step_groups(step, consumers);
            consumers
                .iter()
                .find(|c| c.alive && groups.contains(&c.group))
                .map(|c| c.name.clone())
        })
        .or_else(|| consumers.iter().find(|c| c.alive).map(|c| c.name.clone()))
        .or_else(|| named.first().cloned())
        .or_else(|| consumers.first().map(|c| c.name.clone()))
}

/// `orders:2` (the value of a partition choice) → (`orders`, 2). Topic names have no `:`.
pub fn parse_tp(v: &str) -> Option<(String, u32)> {
    let (t, p) = v.rsplit_once(':')?;
    if t.is_empty() {
        return None;
    }
    Some((t.to_string(), p.parse().ok()?))
}

/// The value of a partition choice.
pub fn tp_value(topic: &str, partition: u32) -> String {
    format!("{topic}:{partition}")
}

/// Every partition of the learner's topics, as (`topic:p` value, `topic-p` label).
pub fn partition_choices(topics: &[TopicView]) -> Vec<(String, String)> {
    topics
        .iter()
        .filter(|t| !t.name.starts_with("__"))
        .flat_map(|t| {
            t.partitions
                .iter()
                .map(move |p| (tp_value(&t.name, p.tp.partition), p.tp.to_string()))
        })
        .collect()
}

/// What the seek control starts with: the partition (`topic:p`) and offset of the reference's
/// `seek`, else the chosen consumer's first assigned partition at offset 0.
pub fn seek_defaults(
    step: &LessonStep,
    consumer: Option<&ConsumerView>,
    topics: &[TopicView],
) -> (String, u64) {
    reference(step, |c| match c {
        Command::Seek {
            topic,
            partition,
            offset,
            ..
        } => Some((tp_value(topic, *partition), *offset)),
        _ => None,
    })
    .unwrap_or_else(|| {
        let tp = consumer
            .and_then(|c| c.assignment.first())
            .map(|tp| tp_value(&tp.topic, tp.partition))
            .or_else(|| partition_choices(topics).into_iter().next().map(|x| x.0))
            .unwrap_or_default();
        (tp, 0)
    })
}

/// The partition (`topic:p`, or empty for every assigned partition) of the reference's
/// `seek_to_beginning` / `seek_to_end`.
pub fn seek_edge_default(step: &LessonStep) -> String {
    reference(step, |c| match c {
        Command::SeekToBeginning {
            topic, partition, ..
        }
        | Command::SeekToEnd {
            topic, partition, ..
        } => Some(match (topic, partition) {
            (Some(t), Some(p)) => tp_value(t, *p),
            _ => String::new(),
        }),
        _ => None,
    })
    .unwrap_or_default()
}

/// A seek-to-beginning / end command from the form: every assigned partition for an empty choice.
pub fn seek_edge(consumer: String, tp: &str, to_end: bool) -> Command {
    let (topic, partition) = match parse_tp(tp) {
        Some((t, p)) => (Some(t), Some(p)),
        None => (None, None),
    };
    if to_end {
        Command::SeekToEnd {
            consumer,
            topic,
            partition,
        }
    } else {
        Command::SeekToBeginning {
            consumer,
            topic,
            partition,
        }
    }
}

/// Whether a producer is transactional (`transactional.id` set).
pub fn is_transactional(p: &ProducerView) -> bool {
    p.transaction.is_some()
        || p.configs
            .get("transactional.id")
            .is_some_and(|v| !v.trim().is_empty())
}

/// The producers the transaction control offers (the transactional ones; all of them when none
/// is, so Kafka's own refusal can be seen), and the one it starts on: the reference's.
pub fn txn_producers(step: &LessonStep, producers: &[ProducerView]) -> (Vec<String>, String) {
    let txn: Vec<String> = producers
        .iter()
        .filter(|p| is_transactional(p))
        .map(|p| p.name.clone())
        .collect();
    let list = if txn.is_empty() {
        producers.iter().map(|p| p.name.clone()).collect()
    } else {
        txn
    };
    let d = reference(step, |c| match c {
        Command::InitTransactions { producer }
        | Command::BeginTransaction { producer }
        | Command::CommitTransaction { producer }
        | Command::AbortTransaction { producer } => Some(producer.clone()),
        _ => None,
    })
    .or_else(|| list.first().cloned())
    .unwrap_or_default();
    (list, d)
}

/// What the perf-test control starts with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PerfDefaults {
    pub producer: String,
    pub topic: String,
    pub num_records: u64,
    pub record_size: u32,
    pub throughput: i64,
}

/// The largest `--num-records` the form sends (the worker runs the whole test in the page's
/// simulated time; more only takes longer).
pub const PERF_MAX_RECORDS: u64 = 100_000;

/// The perf-test defaults: the reference's, else 1000 records of 100 bytes as fast as possible.
pub fn perf_defaults(
    step: &LessonStep,
    producers: &[ProducerView],
    topics: &[TopicView],
) -> PerfDefaults {
    reference(step, |c| match c {
        Command::PerfTest {
            producer,
            topic,
            num_records,
            record_size,
            throughput,
        } => Some(PerfDefaults {
            producer: producer.clone(),
            topic: topic.clone(),
            num_records: *num_records,
            record_size: *record_size,
            throughput: *throughput,
        }),
        _ => None,
    })
    .unwrap_or_else(|| PerfDefaults {
        producer: producers
            .iter()
            .find(|p| !is_transactional(p))
            .or(producers.first())
            .map(|p| p.name.clone())
            .unwrap_or_default(),
        topic: user_topics(topics).into_iter().next().unwrap_or_default(),
        num_records: 1000,
        record_size: 100,
        throughput: -1,
    })
}

/// A perf test from the form's texts, or the field that is wrong.
pub fn build_perf_test(
    producer: String,
    topic: String,
    records: &str,
    size: &str,
    throughput: &str,
) -> Result<Command, &'static str> {
    let num_records = records
        .trim()
        .parse::<u64>()
        .ok()
        .filter(|n| (1..=PERF_MAX_RECORDS).contains(n))
        .ok_or("--num-records")?;
    let record_size = size
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|n| *n >= 1)
        .ok_or("--record-size")?;
    let throughput = throughput
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n == -1 || *n >= 1)
        .ok_or("--throughput")?;
    Ok(Command::PerfTest {
        producer,
        topic,
        num_records,
        record_size,
        throughput,
    })
}

/// Whether a topic is compacted (`cleanup.policy` contains `compact`).
pub fn is_compacted(t: &TopicView) -> bool {
    t.configs
        .get("cleanup.policy")
        .is_some_and(|v| v.split(',').any(|p| p.trim() == "compact"))
}

/// Whether the produce control offers a tombstone (a null value): one of the learner's topics is
/// compacted (`__consumer_offsets` is, and does not count), or the reference produces one.
pub fn offers_tombstone(step: &LessonStep, topics: &[TopicView]) -> bool {
    topics
        .iter()
        .any(|t| !t.name.starts_with("__") && is_compacted(t))
        || tombstone_default(step)
}

/// Whether the reference's first record is a tombstone.
pub fn tombstone_default(step: &LessonStep) -> bool {
    reference(step, |c| match c {
        Command::Produce { value, .. } => Some(value.is_none()),
        _ => None,
    })
    .unwrap_or(false)
}

/// Whether the lesson view shows the consumer groups: once the cluster has consumers or groups,
/// or the step lets the learner add one.
pub fn shows_groups(
    step_controls: &[String],
    groups: &[GroupView],
    consumers: &[ConsumerView],
) -> bool {
    !groups.is_empty() || !consumers.is_empty() || step_controls.iter().any(|c| c == "add_consumer")
}

/// The consumer commands of [`CONSUMER_ACTIONS`] the step allows.
pub fn consumer_actions(step_controls: &[String]) -> Vec<&'static str> {
    CONSUMER_ACTIONS
        .into_iter()
        .filter(|a| step_controls.iter().any(|c| c == a))
        .collect()
}

/// The consumer command `action` on `consumer`.
pub fn consumer_command(action: &str, consumer: String) -> Option<Command> {
    Some(match action {
        "crash_consumer" => Command::CrashConsumer { consumer },
        "close_consumer" => Command::CloseConsumer { consumer },
        "stop_polling" => Command::StopPolling { consumer },
        "resume_polling" => Command::ResumePolling { consumer },
        _ => return None,
    })
}

/// The transaction command `action` on `producer`.
pub fn txn_command(action: &str, producer: String) -> Option<Command> {
    Some(match action {
        "init_transactions" => Command::InitTransactions { producer },
        "begin_transaction" => Command::BeginTransaction { producer },
        "commit_transaction" => Command::CommitTransaction { producer },
        "abort_transaction" => Command::AbortTransaction { producer },
        _ => return None,
    })
}

/// One partition row of the lesson's transactions / compaction facts (the leader's view).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogFactRow {
    /// `orders-0`.
    pub tp: String,
    pub hw: Option<u64>,
    pub lso: Option<u64>,
    /// Open transactions as `pid@first-offset`, comma-separated.
    pub open: String,
    pub aborted: usize,
    /// The partition has seen transactional records (or markers).
    pub transactional: bool,
    pub compacted: bool,
    pub segments: u32,
    pub dirty_percent: Option<u32>,
    pub cleanable: bool,
    pub checkpoint: Option<u64>,
}

/// The partitions of the learner's topics that are transactional or compacted, the `focus`
/// topics first: what a transactions or compaction lesson talks about.
pub fn log_fact_rows(topics: &[TopicView], focus: &[String]) -> Vec<LogFactRow> {
    let mut ts: Vec<&TopicView> = topics
        .iter()
        .filter(|t| !t.name.starts_with("__"))
        .collect();
    ts.sort_by_key(|t| !focus.contains(&t.name));
    let mut out = Vec::new();
    for t in ts {
        let compacted = is_compacted(t);
        for pv in &t.partitions {
            let leader = pv
                .replica_states
                .iter()
                .find(|r| Some(r.broker) == pv.leader)
                .or_else(|| pv.replica_states.iter().find(|r| r.is_leader));
            let transactional = !pv.ongoing_transactions.is_empty()
                || !pv.aborted_transactions.is_empty()
                || pv
                    .last_stable_offset
                    .is_some_and(|lso| Some(lso) != pv.high_watermark)
                || leader.is_some_and(|r| {
                    r.records.iter().any(|x| {
                        x.batch_kind
                            .is_some_and(|k| k != kplay_engine::log::BatchKind::Idempotent)
                    })
                });
            if !transactional && !compacted {
                continue;
            }
            let cleaner = leader.and_then(|r| r.cleaner.as_ref());
            out.push(LogFactRow {
                tp: pv.tp.to_string(),
                hw: pv.high_watermark.map(|o| o.0),
                lso: pv.last_stable_offset.map(|o| o.0),
                open: pv
                    .ongoing_transactions
                    .iter()
                    .map(|(pid, first)| format!("{pid}@{}", first.0))
                    .collect::<Vec<_>>()
                    .join(", "),
                aborted: pv.aborted_transactions.len(),
                transactional,
                compacted,
                segments: leader.map(|r| r.segment_count).unwrap_or(0),
                dirty_percent: cleaner.map(|c| c.dirty_percent),
                cleanable: cleaner.is_some_and(|c| c.cleanable),
                checkpoint: cleaner.and_then(|c| c.checkpoint.map(|o| o.0)),
            });
        }
    }
    out
}

/// The consumer groups a step is about: those its goals name (directly, or through a consumer),
/// those its demo, prediction and solution add consumers to or act on, in that order.
pub fn step_groups(step: &LessonStep, consumers: &[ConsumerView]) -> Vec<String> {
    // A goal names a group (`group`) or a consumer (`consumer`: its group).
    fn named(v: &serde_json::Value, consumers: &[ConsumerView], out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    let g = match (k.as_str(), x) {
                        ("group", serde_json::Value::String(g)) => Some(g.clone()),
                        ("consumer", serde_json::Value::String(c)) => consumers
                            .iter()
                            .find(|x| &x.name == c)
                            .map(|x| x.group.clone()),
                        _ => {
                            named(x, consumers, out);
                            None
                        }
                    };
                    if let Some(g) = g.filter(|g| !out.contains(g)) {
                        out.push(g);
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| named(x, consumers, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for g in &step.goals {
        if let Ok(v) = serde_json::to_value(&g.predicate) {
            named(&v, consumers, &mut out);
        }
    }
    let pred = step.predict.iter().flat_map(|p| p.action.iter());
    for s in step.demo.iter().chain(pred).chain(step.solution.iter()) {
        let Action::Command(c) = &s.action else {
            continue;
        };
        let g = match c {
            Command::AddConsumer { configs, .. } => configs.get("group.id").cloned(),
            Command::CrashConsumer { consumer }
            | Command::CloseConsumer { consumer }
            | Command::StopPolling { consumer }
            | Command::ResumePolling { consumer }
            | Command::Seek { consumer, .. }
            | Command::SeekToBeginning { consumer, .. }
            | Command::SeekToEnd { consumer, .. } => consumers
                .iter()
                .find(|x| &x.name == consumer)
                .map(|x| x.group.clone()),
            _ => None,
        };
        if let Some(g) = g {
            if !out.contains(&g) {
                out.push(g);
            }
        }
    }
    out
}

/// The groups the lesson view folds away: every group but the step's (none while none of the
/// step's groups exists yet, so the learner never looks at an empty panel).
pub fn folded_groups(step_groups: &[String], groups: &[GroupView]) -> Vec<String> {
    if !groups.iter().any(|g| step_groups.contains(&g.group)) {
        return Vec::new();
    }
    groups
        .iter()
        .filter(|g| !step_groups.contains(&g.group))
        .map(|g| g.group.clone())
        .collect()
}

/// The command controls the lesson player renders (`ui/lesson.rs` `LessonControls`, the broker
/// and controller cards, the wire view, the groups panel).
pub const RENDERED_COMMANDS: &[&str] = &[
    "advance",
    "produce",
    "create_partitions",
    "create_topic",
    "add_producer",
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

/// The controls of a step the player has nothing to show for (a lesson should not list them).
pub fn unrendered_controls(step: &LessonStep) -> Vec<String> {
    let form = consumer_form_keys(step);
    let rows: Vec<String> = config_row_keys(step).into_iter().map(|(k, _)| k).collect();
    step.controls
        .iter()
        .filter(|c| {
            !RENDERED_COMMANDS.contains(&c.as_str())
                && !form.contains(c)
                && !rows.contains(c)
                && !(c.as_str() == "group.id" && allows(step, "add_consumer"))
        })
        .cloned()
        .collect()
}
