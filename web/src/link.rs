//! Share links: a run is fully determined by (scenario, inputs), so a link carries exactly that,
//! versioned and strictly validated. A link that does not parse is rejected with a visible reason,
//! never silently trimmed (LEARNERS.md: one tool silently drops malformed link entries).
//!
//! Format (in the URL fragment): `#run=v1/<scenario>/<at_ms>/<input>,<input>,…` where an input is
//! `<ms>:<action>` and an action is `c2` (crash broker 2), `r2` (restart), `a0` / `a1` / `aall`
//! (acks), `m2` (min.insync.replicas), `p` (produce) or `p.<key>` (produce with a key).
//! Network faults name nodes by one character — `1`..`3` a broker, `c` the controller, `k` the
//! producer — as in `x1c` (cut broker-1 from the controller), `i2` (isolate), `h` (heal),
//! `s2.400` (slow node, extra ms); `eh42` / `er42` / `ed42` hold, release, drop envelope #42
//! (ids are deterministic, so they replay exactly); `n5` grows the topic to 5 partitions;
//! `u1` / `u0` set `unclean.leader.election.enable` true / false; `lp0` / `lu0` run a preferred /
//! unclean leader election for partition 0.

use crate::demo::{self, Preset};
use kplay_engine::command::ElectionType;
use kplay_engine::Command;

/// The current link version.
pub const VERSION: &str = "v1";

/// The fragment prefix.
pub const PREFIX: &str = "#run=";

/// At most this many inputs in a link.
pub const MAX_INPUTS: usize = 1_000;

/// Links may not point further than an hour of simulated time: opening one replays every tick up
/// to it (an idle hour is about a second in the worker), so a hostile link cannot hang the tab.
pub const MAX_MS: u64 = 3600 * 1000;

/// The largest partition count a link may ask for (a hostile link must not build a huge topic).
pub const MAX_PARTITIONS: u32 = 64;

/// The largest extra latency a link may set on a node.
pub const MAX_SLOW_MS: u64 = 10_000;

/// A node's one-character link code: `1`..`9` a broker, `c` the controller, `k` the producer.
fn node_code(name: &str) -> Option<char> {
    if name.starts_with("controller") {
        return Some('c');
    }
    if name == demo::PRODUCER {
        return Some('k');
    }
    let n: u32 = name.strip_prefix("broker-")?.parse().ok()?;
    char::from_digit(n, 10).filter(|_| n > 0)
}

fn parse_node(ch: Option<char>) -> Result<String, String> {
    match ch {
        Some('c') => Ok("controller".to_string()),
        Some('k') => Ok(demo::PRODUCER.to_string()),
        Some(d) if d.is_ascii_digit() => Ok(format!("broker-{}", parse_broker(&d.to_string())?)),
        Some(other) => Err(format!(
            "“{other}” is not a node (1, 2, 3, c for the controller, k for the producer)"
        )),
        None => Err("a node is missing".to_string()),
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
        _ => return None,
    })
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

/// Encodes a run as a URL fragment (with [`PREFIX`]). Inputs without a code are skipped.
pub fn encode(preset: Preset, at_ms: u64, inputs: &[(u64, String)]) -> String {
    let list: Vec<String> = inputs.iter().map(|(at, c)| format!("{at}:{c}")).collect();
    format!(
        "{PREFIX}{VERSION}/{}/{at_ms}/{}",
        preset.id(),
        list.join(",")
    )
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

fn parse_broker(s: &str) -> Result<u32, String> {
    match s.parse::<u32>() {
        Ok(b) if demo::cluster_spec().brokers.contains(&b) => Ok(b),
        _ => Err(format!("“{s}” is not a broker of this cluster (1, 2, 3)")),
    }
}

fn parse_action(preset: Preset, action: &str, produced: &mut usize) -> Result<Command, String> {
    let mut chars = action.chars();
    let kind = chars.next();
    let arg = chars.as_str();
    match kind {
        Some('c') => Ok(Command::CrashBroker {
            broker: parse_broker(arg)?,
        }),
        Some('r') => Ok(Command::RestartBroker {
            broker: parse_broker(arg)?,
        }),
        Some('a') => match arg {
            "0" | "1" | "all" => Ok(demo::set_acks(arg)),
            _ => Err(format!("acks must be 0, 1 or all, not “{arg}”")),
        },
        Some('m') => match arg {
            "1" | "2" | "3" => Ok(Command::AlterTopicConfig {
                topic: preset.topic().to_string(),
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
            Ok(demo::produce(preset, key, &record_value(preset, *produced)))
        }
        Some('x') => {
            let mut nodes = arg.chars();
            let (a, b) = (parse_node(nodes.next())?, parse_node(nodes.next())?);
            if !nodes.as_str().is_empty() {
                return Err(format!("a cut names two nodes, not “{arg}”"));
            }
            Ok(Command::PartitionNetwork { a, b })
        }
        Some('i') if arg.chars().count() == 1 => Ok(Command::IsolateNode {
            node: parse_node(arg.chars().next())?,
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
            if node.chars().count() != 1 {
                return Err(format!("“{node}” is not a node"));
            }
            Ok(Command::SlowNode {
                node: parse_node(node.chars().next())?,
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
                topic: preset.topic().to_string(),
                count,
            }),
            _ => Err(format!(
                "a partition count must be 1..{MAX_PARTITIONS}, not “{arg}”"
            )),
        },
        Some('u') => match arg {
            "0" | "1" => Ok(Command::AlterTopicConfig {
                topic: preset.topic().to_string(),
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
                        topic: preset.topic().to_string(),
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
        _ => Err(format!("unknown action “{action}”")),
    }
}

/// Decodes a URL fragment. Every part is checked; the first problem is the error.
pub fn decode(fragment: &str) -> Result<RunLink, String> {
    let body = fragment
        .strip_prefix(PREFIX)
        .ok_or_else(|| "not a Kafka Playground run link".to_string())?;
    let parts: Vec<&str> = body.split('/').collect();
    let [version, scenario, at, list] = parts.as_slice() else {
        return Err("a run link has 4 parts: version/scenario/time/inputs".to_string());
    };
    if *version != VERSION {
        return Err(format!(
            "link version “{version}” is not supported (expected {VERSION})"
        ));
    }
    let preset =
        Preset::from_id(scenario).ok_or_else(|| format!("unknown scenario “{scenario}”"))?;
    let at_ms = parse_ms(at, "the time")?;
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
        last = ms;
        let command =
            parse_action(preset, action, &mut produced).map_err(|e| format!("input {n}: {e}"))?;
        inputs.push((ms, command));
    }
    Ok(RunLink {
        preset,
        at_ms,
        inputs,
    })
}
