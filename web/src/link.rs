//! Share links: a run is fully determined by (scenario, inputs), so a link carries exactly that,
//! versioned and strictly validated. A link that does not parse is rejected with a visible reason,
//! never silently trimmed (LEARNERS.md: one tool silently drops malformed link entries).
//!
//! Format (in the URL fragment): `#run=v1/<scenario>/<at_ms>/<input>,<input>,…` where an input is
//! `<ms>:<action>` and an action is `c2` (crash broker 2), `r2` (restart), `a0` / `a1` / `aall`
//! (acks), `m2` (min.insync.replicas), `p` (produce) or `p.<key>` (produce with a key).
//! Nodes have short codes — `1`..`3` a broker, `k` the producer, `c` the controller of a
//! single-controller scenario and `c101` (always `c` + three digits) a controller of the `quorum`
//! scenario. Crash and restart take a broker or a controller: `cc101` / `rc101` crash / restart
//! controller-101 (`cc` / `rc` the only controller). Network faults: `x1c` (cut broker-1 from
//! the controller), `x1c101`, `xc101c102`, `i2` / `ic101` (isolate), `h` (heal), `s2.400` (slow
//! node, extra ms); `eh42` / `er42` / `ed42` hold, release, drop envelope #42
//! (ids are deterministic, so they replay exactly); `n5` grows the topic to 5 partitions;
//! `u1` / `u0` set `unclean.leader.election.enable` true / false; `lp0` / `lu0` run a preferred /
//! unclean leader election for partition 0.
//!
//! Producer configs (`k`, the producer's node code): `kl100` `linger.ms`, `kb16384` `batch.size`,
//! `ki1` / `ki0` `enable.idempotence` true / false, `kr3` `retries`, `kf1`
//! `max.in.flight.requests.per.connection` (canonical decimal numbers within bounds), `kcgzip`
//! `compression.type` (`none`, `gzip`, `snappy`, `lz4`, `zstd`).
//!
//! Consumers (the `groups` scenario): `qA` crashes consumer `A` (its client id).
//!
//! Macros stand for a run of inputs the page produces in one click, so such a run costs one
//! entry: `ps` is the stream of [`STREAM_RECORDS`] keyed records, one every [`STREAM_GAP_MS`] ms
//! (`p.customer-1`, `p.customer-2`, … at +0, +10, … ms); `kjava` / `kpy` the configs that apply the Java
//! client's / kafka-python's defaults ([`demo::client_defaults`]), all at the same ms.
//! [`encode`] folds every complete run into its macro and [`decode`] unfolds it, so a link means
//! exactly the same inputs either way.

pub mod lesson;

use crate::demo::{self, Preset};
use kplay_engine::command::ElectionType;
use kplay_engine::Command;

/// The current link version.
pub const VERSION: &str = "v1";

/// The fragment prefix.
pub const PREFIX: &str = "#run=";

/// The longest link (the whole `#run=…` fragment) accepted, in characters. 1000 inputs of the
/// longest codes fit; browsers, chat tools and wikis cut or refuse much longer addresses, so a
/// longer one was pasted twice or made by hand.
pub const MAX_LINK_CHARS: usize = 16_384;

/// At most this many inputs in a link.
pub const MAX_INPUTS: usize = 1_000;

/// Links may not point further than an hour of simulated time: opening one replays every tick up
/// to it (an idle hour is about a second in the worker), so a hostile link cannot hang the tab.
pub const MAX_MS: u64 = 3600 * 1000;

/// The largest partition count a link may ask for (a hostile link must not build a huge topic).
pub const MAX_PARTITIONS: u32 = 64;

/// The largest extra latency a link may set on a node.
pub const MAX_SLOW_MS: u64 = 10_000;

/// The largest `linger.ms` a link may set (a minute).
pub const MAX_LINGER_MS: u64 = 60_000;

/// The largest `batch.size` a link may set: Kafka's default `max.request.size`, 1 MiB.
pub const MAX_BATCH_SIZE: u64 = 1_048_576;

/// The largest `retries` (Kafka's default, `Integer.MAX_VALUE`).
pub const MAX_RETRIES: u64 = 2_147_483_647;

/// The largest `max.in.flight.requests.per.connection` a link may set.
pub const MAX_IN_FLIGHT: u64 = 10;

/// How many records "Produce a stream" sends.
pub const STREAM_RECORDS: u64 = 20;

/// The gap between two records of a stream: 20 records over 200 ms.
pub const STREAM_GAP_MS: u64 = 10;

/// How many different keys a stream cycles through (`customer-1` … `customer-5`): records with
/// the same key go to the same partition (murmur2 spreads these five over all 3 partitions of
/// `orders`), so batches of several records form per partition.
pub const STREAM_KEYS: u64 = 5;

/// What a link's codes refer to: the cluster's brokers and controllers, the topic and producer
/// the short codes act on (`p`, `a1`, `m2`, `kl100`), the consumers and the noun of generated
/// record values. A sandbox scenario ([`Scope::of`]) and a lesson's starting scenario
/// ([`lesson::scope`]) each have one, so both kinds of link share one command encoding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    pub brokers: Vec<u32>,
    /// The controller ids that run (one: the `c` code names it).
    pub controllers: Vec<u32>,
    pub topic: String,
    pub producer: String,
    pub consumers: Vec<String>,
    /// What one generated record stands for (`payment #3`).
    pub noun: String,
}

impl Scope {
    /// A built-in scenario's scope.
    pub fn of(preset: Preset) -> Scope {
        Scope {
            brokers: preset.brokers(),
            controllers: preset.controller_ids(),
            topic: preset.topic().to_string(),
            producer: demo::PRODUCER.to_string(),
            consumers: preset.consumers().map(str::to_string).collect(),
            noun: preset.record_noun().to_string(),
        }
    }

    /// The `n`-th generated record (1-based) from the scope's producer to its topic.
    fn produce(&self, key: Option<&str>, n: usize) -> Command {
        Command::Produce {
            producer: self.producer.clone(),
            topic: self.topic.clone(),
            partition: None,
            key: key.map(str::to_string),
            value: Some(format!("{} #{n}", self.noun)),
        }
    }

    fn producer_config(&self, key: &str, value: &str) -> Command {
        Command::AlterProducerConfig {
            producer: self.producer.clone(),
            key: key.to_string(),
            value: value.to_string(),
        }
    }
}

/// A controller's link code: `c<id>` with a three-digit id (`c101`). The fixed width keeps a
/// cut such as `xc1011` (controller-101 ✂ broker-1) unambiguous.
fn controller_code(id: u32) -> Option<String> {
    (100..=999).contains(&id).then(|| format!("c{id}"))
}

/// A node's link code: `1`..`9` a broker, `c` the one controller of a single-controller scenario
/// (`controller`, `controller-100`), `c101` a controller of a quorum, `k` the producer.
fn node_code(name: &str) -> Option<String> {
    if name == "controller" || name == format!("controller-{}", demo::DEFAULT_CONTROLLER) {
        return Some("c".to_string());
    }
    if let Some(id) = name.strip_prefix("controller-") {
        return controller_code(id.parse().ok()?);
    }
    if name == demo::PRODUCER {
        return Some("k".to_string());
    }
    let n: u32 = name.strip_prefix("broker-")?.parse().ok()?;
    char::from_digit(n, 10)
        .filter(|_| n > 0)
        .map(|ch| ch.to_string())
}

/// A node named in a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Node {
    Broker(u32),
    /// `c`: the scenario's only controller.
    TheController,
    Controller(u32),
    Producer,
}

impl Node {
    /// The engine's name for it (`broker-1`, `controller`, `controller-101`, `checkout`).
    fn name(self, s: &Scope) -> String {
        match self {
            Node::Broker(b) => format!("broker-{b}"),
            Node::TheController => "controller".to_string(),
            Node::Controller(c) => format!("controller-{c}"),
            Node::Producer => s.producer.clone(),
        }
    }
}

/// `c101, c102, c103`: the controller codes a scenario accepts.
fn controller_codes(s: &Scope) -> String {
    let ids = &s.controllers;
    let mut codes: Vec<String> = ids.iter().map(|id| format!("c{id}")).collect();
    if ids.len() == 1 {
        codes.insert(0, "c".to_string());
    }
    codes.join(", ")
}

/// Reads one node code from the front of `s` and returns it with the rest of `s`.
fn take_node<'a>(scope: &Scope, s: &'a str) -> Result<(Node, &'a str), String> {
    let mut chars = s.chars();
    let node = match chars.next() {
        None => return Err("a node is missing".to_string()),
        Some('k') => Node::Producer,
        Some('c') => {
            let digits = chars.as_str();
            let id = digits
                .get(..3)
                .filter(|d| d.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|d| d.parse::<u32>().ok());
            let ids = &scope.controllers;
            match id {
                Some(id) if ids.contains(&id) => {
                    return Ok((Node::Controller(id), &digits[3..]));
                }
                Some(id) => {
                    return Err(format!(
                        "“c{id}” is not a controller of this scenario ({})",
                        controller_codes(scope)
                    ))
                }
                None if ids.len() == 1 => Node::TheController,
                None => {
                    return Err(format!(
                        "“c” could be any of this scenario's controllers: name one ({})",
                        controller_codes(scope)
                    ))
                }
            }
        }
        Some(d) if d.is_ascii_digit() => Node::Broker(parse_broker(scope, &d.to_string())?),
        Some(other) => {
            return Err(format!(
                "“{other}” is not a node (1, 2, 3 a broker, {} a controller, k the producer)",
                controller_codes(scope)
            ))
        }
    };
    Ok((node, chars.as_str()))
}

/// Reads exactly one node code (nothing may follow it).
fn one_node(scope: &Scope, s: &str) -> Result<Node, String> {
    match take_node(scope, s)? {
        (node, "") => Ok(node),
        (_, rest) => Err(format!(
            "“{s}” names more than one node (“{rest}” is left over)"
        )),
    }
}

/// The controller of a crash / restart code (`cc101`): `arg` is what follows the action letter.
fn parse_controller(scope: &Scope, arg: &str) -> Result<u32, String> {
    match one_node(scope, arg)? {
        Node::Controller(id) => Ok(id),
        Node::TheController => Ok(scope.controllers[0]),
        _ => Err(format!("“{arg}” is not a controller")),
    }
}

fn parse_id(s: &str) -> Result<u64, String> {
    s.parse()
        .map_err(|_| format!("“{s}” is not an envelope id"))
}

/// A decoded link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunLink {
    pub preset: Preset,
    /// The simulated time to open the run at.
    pub at_ms: u64,
    /// The inputs with the simulated ms they were applied at.
    pub inputs: Vec<(u64, Command)>,
}

/// The link code of a command, if it can be shared (`c2`, `aall`, `p.user-42`…).
pub fn code(c: &Command) -> Option<String> {
    Some(match c {
        Command::CrashBroker { broker } => format!("c{broker}"),
        Command::RestartBroker { broker } => format!("r{broker}"),
        Command::CrashController { controller } => {
            format!("cc{}", controller_node_code(*controller)?)
        }
        Command::RestartController { controller } => {
            format!("rc{}", controller_node_code(*controller)?)
        }
        Command::AlterProducerConfig { key, value, .. } if key == "acks" => format!("a{value}"),
        Command::AlterTopicConfig { key, value, .. } if key == "min.insync.replicas" => {
            format!("m{value}")
        }
        Command::Produce { key: None, .. } => "p".to_string(),
        Command::Produce { key: Some(k), .. } if valid_key(k) => format!("p.{k}"),
        Command::PartitionNetwork { a, b } => format!("x{}{}", node_code(a)?, node_code(b)?),
        Command::IsolateNode { node } => format!("i{}", node_code(node)?),
        Command::HealNetwork => "h".to_string(),
        Command::SlowNode {
            node,
            extra_latency_ms,
        } if *extra_latency_ms <= MAX_SLOW_MS => {
            format!("s{}.{extra_latency_ms}", node_code(node)?)
        }
        Command::HoldEnvelope { id } => format!("eh{id}"),
        Command::ReleaseEnvelope { id } => format!("er{id}"),
        Command::DropEnvelope { id } => format!("ed{id}"),
        Command::CreatePartitions { count, .. } if *count <= MAX_PARTITIONS => format!("n{count}"),
        Command::AlterTopicConfig { key, value, .. }
            if key == "unclean.leader.election.enable" && (value == "true" || value == "false") =>
        {
            format!("u{}", u8::from(value == "true"))
        }
        Command::ElectLeaders {
            partition,
            election,
            ..
        } if *partition < MAX_PARTITIONS => match election {
            ElectionType::Preferred => format!("lp{partition}"),
            ElectionType::Unclean => format!("lu{partition}"),
        },
        Command::AlterProducerConfig { key, value, .. } => producer_config_code(key, value)?,
        Command::CrashConsumer { consumer } if valid_key(consumer) => format!("q{consumer}"),
        _ => return None,
    })
}

/// `compression.type` values a link can carry (`kcgzip`).
const COMPRESSION_TYPES: [&str; 5] = ["none", "gzip", "snappy", "lz4", "zstd"];

/// The producer configs a link can carry: (code letter after `k`, Kafka key, lowest, highest).
const PRODUCER_CONFIGS: [(char, &str, u64, u64); 4] = [
    ('l', "linger.ms", 0, MAX_LINGER_MS),
    ('b', "batch.size", 0, MAX_BATCH_SIZE),
    ('r', "retries", 0, MAX_RETRIES),
    (
        'f',
        "max.in.flight.requests.per.connection",
        1,
        MAX_IN_FLIGHT,
    ),
];

/// `kl100`, `ki1`, …: only values [`parse_producer_config`] accepts back, so a code always
/// decodes to the same command.
fn producer_config_code(key: &str, value: &str) -> Option<String> {
    if key == "compression.type" {
        return COMPRESSION_TYPES
            .contains(&value)
            .then(|| format!("kc{value}"));
    }
    if key == "enable.idempotence" {
        return match value {
            "true" => Some("ki1".to_string()),
            "false" => Some("ki0".to_string()),
            _ => None,
        };
    }
    let (letter, _, min, max) = PRODUCER_CONFIGS.iter().find(|c| c.1 == key)?;
    canonical_number(value, *min, *max).map(|_| format!("k{letter}{value}"))
}

/// A decimal number without sign or leading zeros, within `min..=max`.
fn canonical_number(s: &str, min: u64, max: u64) -> Option<u64> {
    let canonical =
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    s.parse::<u64>()
        .ok()
        .filter(|n| canonical && (min..=max).contains(n))
}

/// Decodes `k…` (a producer config).
fn parse_producer_config(scope: &Scope, action: &str, arg: &str) -> Result<Command, String> {
    let mut chars = arg.chars();
    let letter = chars.next();
    let value = chars.as_str();
    if letter == Some('c') {
        return if COMPRESSION_TYPES.contains(&value) {
            Ok(scope.producer_config("compression.type", value))
        } else {
            Err(format!(
                "compression.type is kcnone, kcgzip, kcsnappy, kclz4 or kczstd, not “{action}”"
            ))
        };
    }
    if letter == Some('i') {
        return match value {
            "1" => Ok(scope.producer_config("enable.idempotence", "true")),
            "0" => Ok(scope.producer_config("enable.idempotence", "false")),
            _ => Err(format!("enable.idempotence is ki1 or ki0, not “{action}”")),
        };
    }
    let Some((_, key, min, max)) = PRODUCER_CONFIGS.iter().find(|c| Some(c.0) == letter) else {
        return Err(format!(
            "unknown producer config “{action}” (kl linger.ms, kb batch.size, ki enable.idempotence, kr retries, kf max.in.flight.requests.per.connection, kc compression.type, kjava, kpy)"
        ));
    };
    canonical_number(value, *min, *max)
        .map(|_| scope.producer_config(key, value))
        .ok_or_else(|| format!("{key} must be a number in {min}..={max}, not “{value}”"))
}

/// The key of a stream's `i`-th record (0-based): `customer-1` … `customer-5`, round and round.
pub fn stream_key(i: u64) -> String {
    format!("customer-{}", i % STREAM_KEYS + 1)
}

/// "Produce a stream": [`STREAM_RECORDS`] keyed records, each with the ms after the click it is
/// sent at. `produced` is how many records the timeline produced before, so values keep counting
/// (`order #7`, `order #8`, …) exactly as a link numbers them.
pub fn stream(preset: Preset, produced: usize) -> Vec<(u64, Command)> {
    (0..STREAM_RECORDS)
        .map(|i| {
            let value = record_value(preset, produced + i as usize + 1);
            let command = demo::produce(preset, Some(&stream_key(i)), &value);
            (i * STREAM_GAP_MS, command)
        })
        .collect()
}

/// A macro's inputs as (ms after the macro's time, code).
fn macro_codes(name: &str) -> Option<Vec<(u64, String)>> {
    let client = |c: demo::Client| -> Option<Vec<(u64, String)>> {
        demo::client_defaults(c)
            .iter()
            .map(|cmd| code(cmd).map(|code| (0, code)))
            .collect()
    };
    match name {
        "ps" => Some(
            (0..STREAM_RECORDS)
                .map(|i| (i * STREAM_GAP_MS, format!("p.{}", stream_key(i))))
                .collect(),
        ),
        "kjava" => client(demo::Client::Java),
        "kpy" => client(demo::Client::KafkaPython),
        _ => None,
    }
}

/// Every macro name.
const MACROS: [&str; 3] = ["ps", "kjava", "kpy"];

/// Folds each complete run of a macro's inputs into the macro (see the module docs).
pub fn compress(inputs: &[(u64, String)]) -> Vec<(u64, String)> {
    let macros: Vec<(&str, Vec<(u64, String)>)> = MACROS
        .iter()
        .filter_map(|m| macro_codes(m).map(|codes| (*m, codes)))
        .filter(|(_, codes)| !codes.is_empty())
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < inputs.len() {
        let at = inputs[i].0;
        let found = macros.iter().find(|(_, codes)| {
            inputs.len() - i >= codes.len()
                && codes
                    .iter()
                    .zip(&inputs[i..])
                    .all(|((off, want), (t, got))| *t == at + off && got == want)
        });
        match found {
            Some((name, codes)) => {
                out.push((at, name.to_string()));
                i += codes.len();
            }
            None => {
                out.push(inputs[i].clone());
                i += 1;
            }
        }
    }
    out
}

/// A controller's code after the `c` / `r` action letter: empty for the default controller
/// (`cc`), its id otherwise (`cc101`).
fn controller_node_code(id: u32) -> Option<String> {
    if id == demo::DEFAULT_CONTROLLER {
        return Some(String::new());
    }
    controller_code(id).map(|c| c[1..].to_string())
}

/// Keys in links are limited to URL-safe characters.
pub fn valid_key(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 40
        && k.chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
}

/// The value of the `n`-th record (1-based) a scenario produces: the page and links agree on it.
pub fn record_value(preset: Preset, n: usize) -> String {
    format!("{} #{n}", preset.record_noun())
}

/// Encodes a run as a URL fragment (with [`PREFIX`]). Inputs without a code are skipped; runs
/// of a macro's inputs are folded into the macro ([`compress`]).
pub fn encode(preset: Preset, at_ms: u64, inputs: &[(u64, String)]) -> String {
    let list: Vec<String> = compress(inputs)
        .iter()
        .map(|(at, c)| format!("{at}:{c}"))
        .collect();
    format!(
        "{PREFIX}{VERSION}/{}/{at_ms}/{}",
        preset.id(),
        list.join(",")
    )
}

/// `v1` is read; a later version says so (the link was made by a newer Kafka Playground), and
/// anything else is not a version.
fn check_version(version: &str) -> Result<(), String> {
    if version == VERSION {
        return Ok(());
    }
    let shown: String = version.chars().take(12).collect();
    match version.strip_prefix('v').and_then(|n| n.parse::<u32>().ok()) {
        Some(n) if n > 1 => Err(format!(
            "this link was made by a newer Kafka Playground (link version v{n}); this one reads {VERSION} links — open it on the site that made it"
        )),
        _ => Err(format!(
            "“{shown}” is not a link version (expected {VERSION})"
        )),
    }
}

fn parse_ms(s: &str, what: &str) -> Result<u64, String> {
    let ms: u64 = s
        .parse()
        .map_err(|_| format!("{what} “{s}” is not a number of milliseconds"))?;
    if ms > MAX_MS {
        return Err(format!("{what} {ms} ms is beyond 1 hour of simulated time"));
    }
    Ok(ms)
}

fn parse_broker(scope: &Scope, s: &str) -> Result<u32, String> {
    match s.parse::<u32>() {
        Ok(b) if scope.brokers.contains(&b) => Ok(b),
        _ => Err(format!(
            "“{s}” is not a broker of this cluster ({})",
            scope
                .brokers
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn parse_action(scope: &Scope, action: &str, produced: &mut usize) -> Result<Command, String> {
    let mut chars = action.chars();
    let kind = chars.next();
    let arg = chars.as_str();
    match kind {
        Some('c') if arg.starts_with('c') => Ok(Command::CrashController {
            controller: parse_controller(scope, arg)?,
        }),
        Some('r') if arg.starts_with('c') => Ok(Command::RestartController {
            controller: parse_controller(scope, arg)?,
        }),
        Some('c') => Ok(Command::CrashBroker {
            broker: parse_broker(scope, arg)?,
        }),
        Some('r') => Ok(Command::RestartBroker {
            broker: parse_broker(scope, arg)?,
        }),
        Some('a') => match arg {
            "0" | "1" | "all" => Ok(scope.producer_config("acks", arg)),
            _ => Err(format!("acks must be 0, 1 or all, not “{arg}”")),
        },
        Some('m') => match arg {
            "1" | "2" | "3" => Ok(Command::AlterTopicConfig {
                topic: scope.topic.clone(),
                key: "min.insync.replicas".to_string(),
                value: arg.to_string(),
            }),
            _ => Err(format!(
                "min.insync.replicas must be 1, 2 or 3, not “{arg}”"
            )),
        },
        Some('p') => {
            let key = match arg {
                "" => None,
                _ => match arg.strip_prefix('.') {
                    Some(k) if valid_key(k) => Some(k),
                    _ => {
                        return Err(format!(
                            "“{arg}” is not a valid record key (letters, digits, - and _)"
                        ))
                    }
                },
            };
            *produced += 1;
            Ok(scope.produce(key, *produced))
        }
        Some('x') => {
            let (a, rest) = take_node(scope, arg)?;
            let (b, rest) = take_node(scope, rest)?;
            if !rest.is_empty() {
                return Err(format!("a cut names two nodes, not “{arg}”"));
            }
            Ok(Command::PartitionNetwork {
                a: a.name(scope),
                b: b.name(scope),
            })
        }
        Some('i') => Ok(Command::IsolateNode {
            node: one_node(scope, arg)?.name(scope),
        }),
        Some('h') if arg.is_empty() => Ok(Command::HealNetwork),
        Some('s') => {
            let (node, ms) = arg
                .split_once('.')
                .ok_or_else(|| format!("a slow node is s<node>.<ms>, not “{action}”"))?;
            let extra_latency_ms: u64 = ms
                .parse()
                .ok()
                .filter(|ms| *ms <= MAX_SLOW_MS)
                .ok_or_else(|| format!("“{ms}” is not an extra latency of 0..{MAX_SLOW_MS} ms"))?;
            Ok(Command::SlowNode {
                node: one_node(scope, node)?.name(scope),
                extra_latency_ms,
            })
        }
        Some('e') => match (arg.get(..1), arg.get(1..)) {
            (Some("h"), Some(id)) => Ok(Command::HoldEnvelope { id: parse_id(id)? }),
            (Some("r"), Some(id)) => Ok(Command::ReleaseEnvelope { id: parse_id(id)? }),
            (Some("d"), Some(id)) => Ok(Command::DropEnvelope { id: parse_id(id)? }),
            _ => Err(format!("unknown envelope action “{action}”")),
        },
        Some('n') => match arg.parse::<u32>() {
            Ok(count) if (1..=MAX_PARTITIONS).contains(&count) => Ok(Command::CreatePartitions {
                topic: scope.topic.clone(),
                count,
            }),
            _ => Err(format!(
                "a partition count must be 1..{MAX_PARTITIONS}, not “{arg}”"
            )),
        },
        Some('u') => match arg {
            "0" | "1" => Ok(Command::AlterTopicConfig {
                topic: scope.topic.clone(),
                key: "unclean.leader.election.enable".to_string(),
                value: (arg == "1").to_string(),
            }),
            _ => Err(format!(
                "unclean.leader.election.enable is u1 or u0, not “{action}”"
            )),
        },
        Some('l') => {
            let election = match arg.get(..1) {
                Some("p") => ElectionType::Preferred,
                Some("u") => ElectionType::Unclean,
                _ => {
                    return Err(format!(
                        "a leader election is lp<partition> or lu<partition>, not “{action}”"
                    ))
                }
            };
            let digits = &arg[1..];
            match digits.parse::<u32>() {
                Ok(partition)
                    if partition < MAX_PARTITIONS
                        && !digits.starts_with('+')
                        && (digits == "0" || !digits.starts_with('0')) =>
                {
                    Ok(Command::ElectLeaders {
                        topic: scope.topic.clone(),
                        partition,
                        election,
                    })
                }
                _ => Err(format!(
                    "a partition must be 0..{}, not “{digits}”",
                    MAX_PARTITIONS - 1
                )),
            }
        }
        Some('k') => parse_producer_config(scope, action, arg),
        Some('q') => {
            let names: Vec<&str> = scope.consumers.iter().map(String::as_str).collect();
            if names.contains(&arg) {
                Ok(Command::CrashConsumer {
                    consumer: arg.to_string(),
                })
            } else if names.is_empty() {
                Err(format!("“{action}”: this scenario has no consumers"))
            } else {
                Err(format!(
                    "“{arg}” is not a consumer of this scenario ({})",
                    names.join(", ")
                ))
            }
        }
        None => Err("an input has no action (the link may be cut off)".to_string()),
        _ => Err(format!("unknown action “{action}”")),
    }
}

/// Decodes a URL fragment. Every part is checked; the first problem is the error (with any
/// control character it quotes shown escaped).
pub fn decode(fragment: &str) -> Result<RunLink, String> {
    decode_inner(fragment).map_err(kplay_engine::scenario::printable)
}

fn decode_inner(fragment: &str) -> Result<RunLink, String> {
    let chars = fragment.chars().count();
    if chars > MAX_LINK_CHARS {
        return Err(format!(
            "the link is {chars} characters long; a run link is at most {MAX_LINK_CHARS} (browsers and chat tools cut longer addresses), so this one was pasted twice or changed by hand"
        ));
    }
    // A chat tool or wiki may have %-escaped the `:` and `,` (keys never contain `%`).
    let decoded;
    let fragment = if fragment.contains('%') {
        decoded = crate::embed::percent_decode(fragment)
            .map_err(|e| format!("the link is damaged: {e}"))?;
        decoded.as_str()
    } else {
        fragment
    };
    let body = fragment
        .strip_prefix(PREFIX)
        .ok_or_else(|| "not a Kafka Playground run link".to_string())?;
    let parts: Vec<&str> = body.split('/').collect();
    if let Some(version) = parts.first() {
        check_version(version)?;
    }
    let [_, scenario, at, list] = parts.as_slice() else {
        return Err(format!(
            "a run link has 4 parts: version/scenario/time/inputs, this one has {} (it may be cut off)",
            parts.len()
        ));
    };
    let preset =
        Preset::from_id(scenario).ok_or_else(|| format!("unknown scenario “{scenario}”"))?;
    let at_ms = parse_ms(at, "the time")?;
    let scope = Scope::of(preset);
    let mut inputs = Vec::new();
    let mut produced = 0;
    let mut last = demo::WARMUP_MS;
    for (i, item) in list.split(',').filter(|s| !s.is_empty()).enumerate() {
        if i >= MAX_INPUTS {
            return Err(format!("more than {MAX_INPUTS} inputs"));
        }
        let n = i + 1;
        let (ms, action) = item
            .split_once(':')
            .ok_or_else(|| format!("input {n} “{item}” is not <ms>:<action>"))?;
        let ms = parse_ms(ms, &format!("input {n}'s time"))?;
        if ms < demo::WARMUP_MS {
            return Err(format!(
                "input {n} at {ms} ms is before the scenario starts ({} ms)",
                demo::WARMUP_MS
            ));
        }
        if ms < last {
            return Err(format!(
                "input {n} at {ms} ms is earlier than the one before it ({last} ms)"
            ));
        }
        // A macro unfolds into its run of inputs; any other action is one input.
        let run = macro_codes(action).unwrap_or_else(|| vec![(0, action.to_string())]);
        for (offset, code) in run {
            if inputs.len() >= MAX_INPUTS {
                return Err(format!("more than {MAX_INPUTS} inputs"));
            }
            let at = parse_ms(&(ms + offset).to_string(), &format!("input {n}'s time"))?;
            let command = parse_action(&scope, &code, &mut produced)
                .map_err(|e| format!("input {n}: {e}"))?;
            inputs.push((at, command));
            last = at;
        }
    }
    Ok(RunLink {
        preset,
        at_ms,
        inputs,
    })
}
