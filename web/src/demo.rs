//! The playground's built-in scenarios as plain engine commands, plus the fixed command sequence
//! whose trace hash is pinned in `tests/golden/web-determinism.hash`.
//!
//! This file depends on nothing but `kplay-engine` and `std`, so native tests outside the web crate
//! can include it with `#[path = "../web/src/demo.rs"] mod demo;` and check that the browser build
//! and the native build produce the same trace hash (STYLE.md: determinism is tested).

use kplay_engine::{ClusterSpec, Command};
use std::collections::BTreeMap;

/// The seed every built-in scenario uses, so a reset always replays the same run.
pub const DEMO_SEED: u64 = 42;

/// Simulated time run right after a reset so that brokers register and leaders are elected before
/// the learner's first click.
pub const WARMUP_MS: u64 = 1_000;

/// The name of the producer every scenario starts.
pub const PRODUCER: &str = "checkout";

/// A built-in scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    /// The notes' Min ISR example: `payments`, 1 partition, replication.factor 3, min.insync.replicas 2.
    Payments,
    /// `orders`: 3 partitions, replication.factor 3, min.insync.replicas 2.
    Orders,
    /// `orders` on a cluster with a real KRaft controller quorum: three dedicated controllers
    /// (101, 102, 103), so one may fail and the quorum still elects an active controller.
    Quorum,
    /// `events` at scale: 5 brokers, 30 partitions, replication.factor 3, min.insync.replicas 2.
    Large,
    /// `orders` (3 partitions) read by the notes' two consumer groups: `order-processing` with
    /// consumers `A` and `B`, `analytics` with `X` (section 六).
    Groups,
}

/// The consumers of [`Preset::Groups`]: (client id, `group.id`).
pub const GROUP_CONSUMERS: [(&str, &str); 3] = [
    ("A", "order-processing"),
    ("B", "order-processing"),
    ("X", "analytics"),
];

impl Preset {
    /// Every preset, in menu order.
    pub const ALL: [Preset; 5] = [
        Preset::Payments,
        Preset::Orders,
        Preset::Quorum,
        Preset::Large,
        Preset::Groups,
    ];

    /// A stable identifier (used in `<select>` values).
    pub fn id(self) -> &'static str {
        match self {
            Preset::Payments => "payments",
            Preset::Orders => "orders",
            Preset::Quorum => "quorum",
            Preset::Large => "large",
            Preset::Groups => "groups",
        }
    }

    /// Parses [`Preset::id`].
    pub fn from_id(id: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.id() == id)
    }

    /// The topic the scenario creates and produces to.
    pub fn topic(self) -> &'static str {
        match self {
            Preset::Payments => "payments",
            Preset::Orders | Preset::Quorum | Preset::Groups => "orders",
            Preset::Large => "events",
        }
    }

    /// What one record of the scenario stands for (`payment`, `order`), for generated values.
    pub fn record_noun(self) -> &'static str {
        match self {
            Preset::Payments => "payment",
            Preset::Orders | Preset::Quorum | Preset::Groups => "order",
            Preset::Large => "event",
        }
    }

    /// How many partitions the scenario's topic has.
    pub fn partitions(self) -> u32 {
        match self {
            Preset::Payments => 1,
            Preset::Orders | Preset::Quorum | Preset::Groups => 3,
            Preset::Large => 30,
        }
    }

    /// The controller quorum's voter ids as the spec names them (empty: the engine's one
    /// dedicated controller, [`DEFAULT_CONTROLLER`]).
    pub fn controllers(self) -> Vec<u32> {
        match self {
            Preset::Payments | Preset::Orders | Preset::Large | Preset::Groups => vec![],
            Preset::Quorum => vec![101, 102, 103],
        }
    }

    /// The controller ids that actually run (what share links and the page may name).
    pub fn controller_ids(self) -> Vec<u32> {
        match self.controllers() {
            ids if ids.is_empty() => vec![DEFAULT_CONTROLLER],
            ids => ids,
        }
    }

    /// The client ids of the scenario's consumers.
    pub fn consumers(self) -> impl Iterator<Item = &'static str> {
        GROUP_CONSUMERS
            .iter()
            .filter(move |_| self == Preset::Groups)
            .map(|(name, _)| *name)
    }

    /// The cluster this scenario runs on: [`cluster_spec`] with the scenario's controllers.
    pub fn cluster_spec(self) -> ClusterSpec {
        let mut spec = ClusterSpec {
            controllers: self.controllers(),
            brokers: self.brokers(),
            ..cluster_spec()
        };
        if self == Preset::Groups {
            // Kafka's own docker quickstart sets this to 0 for a development cluster: the first
            // generation forms at once instead of after 3 s.
            spec.configs.insert(
                "group.initial.rebalance.delay.ms".to_string(),
                "0".to_string(),
            );
        }
        spec
    }

    /// The broker ids of the scenario's cluster.
    pub fn brokers(self) -> Vec<u32> {
        match self {
            Preset::Large => vec![1, 2, 3, 4, 5],
            _ => vec![1, 2, 3],
        }
    }
}

/// The controller id the engine gives a cluster whose spec names no controllers.
pub const DEFAULT_CONTROLLER: u32 = 100;

/// The cluster the single-controller scenarios run on (and the determinism sequence): brokers 1,
/// 2, 3 and one dedicated controller with Kafka's default broker configs
/// (`broker.session.timeout.ms` = 9000, `replica.lag.time.max.ms` = 30000).
/// [`Preset::cluster_spec`] adds a scenario's controllers.
pub fn cluster_spec() -> ClusterSpec {
    ClusterSpec {
        brokers: vec![1, 2, 3],
        controllers: vec![],
        node_configs: BTreeMap::new(),
        seed: DEMO_SEED,
        configs: BTreeMap::new(),
    }
}

/// The commands that build a scenario: create its topic and start the `checkout` producer
/// with `acks=all`, `retries=0`, `linger.ms=0`.
pub fn setup(preset: Preset) -> Vec<Command> {
    let mut topic_configs = BTreeMap::new();
    topic_configs.insert("min.insync.replicas".to_string(), "2".to_string());
    let mut producer_configs = BTreeMap::new();
    producer_configs.insert("acks".to_string(), "all".to_string());
    // One click = one record sent at once, and the broker's answer shown as is: no client retries
    // (kafka-python's defaults). With the Java client's defaults a NOT_ENOUGH_REPLICAS would be
    // retried until delivery.timeout.ms instead of surfacing at once.
    producer_configs.insert("retries".to_string(), "0".to_string());
    producer_configs.insert("linger.ms".to_string(), "0".to_string());
    let mut commands = vec![
        Command::CreateTopic {
            name: preset.topic().to_string(),
            partitions: preset.partitions(),
            replication_factor: 3,
            configs: topic_configs,
        },
        Command::AddProducer {
            name: PRODUCER.to_string(),
            configs: producer_configs,
        },
    ];
    if preset == Preset::Groups {
        for (name, group) in GROUP_CONSUMERS {
            let mut configs = BTreeMap::new();
            configs.insert("group.id".to_string(), group.to_string());
            configs.insert("auto.offset.reset".to_string(), "earliest".to_string());
            commands.push(Command::AddConsumer {
                name: name.to_string(),
                topics: vec![preset.topic().to_string()],
                configs,
            });
        }
    }
    commands
}

/// One step of a scripted run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Carry out a command at the current tick.
    Do(Command),
    /// Let this many simulated milliseconds pass.
    RunMs(u64),
}

/// A produce of one record from the scenario's producer.
pub fn produce(preset: Preset, key: Option<&str>, value: &str) -> Command {
    Command::Produce {
        producer: PRODUCER.to_string(),
        topic: preset.topic().to_string(),
        partition: None,
        key: key.map(str::to_string),
        value: Some(value.to_string()),
    }
}

/// Sets the producer's `acks`.
pub fn set_acks(acks: &str) -> Command {
    Command::AlterProducerConfig {
        producer: PRODUCER.to_string(),
        key: "acks".to_string(),
        value: acks.to_string(),
    }
}

/// Sets one `ProducerConfig` key of the scenario's producer (`linger.ms`, `batch.size`, …).
pub fn set_producer_config(key: &str, value: &str) -> Command {
    Command::AlterProducerConfig {
        producer: PRODUCER.to_string(),
        key: key.to_string(),
        value: value.to_string(),
    }
}

/// A client library whose producer defaults the page can apply in one click.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Client {
    /// Kafka's Java client (3.0+): `acks=all`, idempotence on, `retries=2147483647`.
    Java,
    /// kafka-python 2.x: `acks=1`, `retries=0`, no idempotence.
    KafkaPython,
}

impl Client {
    /// Both clients, in switch order.
    pub const ALL: [Client; 2] = [Client::Java, Client::KafkaPython];

    /// The engine's preset name (`kplay_engine::producer::preset`).
    pub fn id(self) -> &'static str {
        match self {
            Client::Java => "java",
            Client::KafkaPython => "kafka-python",
        }
    }
}

/// The `AlterProducerConfig` commands that give the producer a client's defaults, ordered so that
/// each one passes Kafka's `ProducerConfig` idempotence checks on its own: turning idempotence
/// off goes first (then `acks=1` and `retries=0` are allowed), turning it on goes last (after
/// `acks=all`, `retries` > 0 and at most 5 in flight are in place). The others keep the preset's
/// key order.
pub fn client_defaults(client: Client) -> Vec<Command> {
    let mut pairs: Vec<(String, String)> = kplay_engine::producer::preset(client.id())
        .unwrap_or_default()
        .into_iter()
        .collect();
    pairs.sort_by_key(|(k, v)| match (k.as_str(), v.as_str()) {
        ("enable.idempotence", "false") => 0,
        ("enable.idempotence", _) => 2,
        _ => 1,
    });
    pairs
        .iter()
        .map(|(k, v)| set_producer_config(k, v))
        .collect()
}

/// The notes' example as a script: produce with acks=all, crash two brokers, wait for fencing,
/// produce again (NOT_ENOUGH_REPLICAS), switch to acks=1, produce, restart both brokers and let
/// them catch up. This is the sequence whose trace hash is pinned.
pub fn determinism_sequence() -> Vec<Step> {
    let p = Preset::Payments;
    let mut steps: Vec<Step> = setup(p).into_iter().map(Step::Do).collect();
    steps.extend([
        Step::RunMs(WARMUP_MS),
        Step::Do(produce(p, Some("order-1"), "42.00 EUR")),
        Step::RunMs(500),
        Step::Do(Command::CrashBroker { broker: 3 }),
        Step::RunMs(10_000),
        Step::Do(produce(p, Some("order-2"), "13.37 EUR")),
        Step::RunMs(500),
        Step::Do(Command::CrashBroker { broker: 2 }),
        Step::RunMs(10_000),
        Step::Do(produce(p, Some("order-3"), "99.90 EUR")),
        Step::RunMs(500),
        Step::Do(set_acks("1")),
        Step::Do(produce(p, Some("order-4"), "5.00 EUR")),
        Step::RunMs(500),
        Step::Do(Command::RestartBroker { broker: 2 }),
        Step::Do(Command::RestartBroker { broker: 3 }),
        Step::RunMs(15_000),
        Step::Do(set_acks("all")),
        Step::Do(produce(p, Some("order-5"), "7.50 EUR")),
        Step::RunMs(1_000),
    ]);
    steps
}

/// Runs [`determinism_sequence`] on a fresh cluster and returns the engine's trace hash.
pub fn determinism_hash() -> Result<u64, kplay_engine::config::ConfigError> {
    let mut cluster = kplay_engine::Cluster::new(&cluster_spec())?;
    for step in determinism_sequence() {
        match step {
            Step::Do(c) => {
                cluster.step(kplay_engine::Input::Command(c));
            }
            Step::RunMs(ms) => {
                cluster.run_ms(ms);
            }
        }
    }
    Ok(cluster.trace_hash())
}

/// Formats a hash the way the golden file stores it: 16 lower-case hex digits.
pub fn hash_hex(hash: u64) -> String {
    format!("{hash:016x}")
}
