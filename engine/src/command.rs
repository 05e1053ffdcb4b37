//! Inputs to the engine. Faults are ordinary commands: the UI, lessons, scenario files and tests
//! all drive the cluster through exactly these.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One input to [`crate::Cluster::step`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "input", rename_all = "snake_case")]
pub enum Input {
    /// Advance simulated time by one tick and deliver whatever falls due.
    Tick,
    /// Carry out a command at the current tick (time does not move).
    Command(Command),
}

/// A command, named after what a Kafka user or operator would do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// `kafka-topics --create`: the controller assigns replicas and elects the first leaders.
    CreateTopic {
        name: String,
        partitions: u32,
        replication_factor: u32,
        /// Topic configs by Kafka key, e.g. `min.insync.replicas = "2"`.
        #[serde(default)]
        configs: BTreeMap<String, String>,
    },
    /// `kafka-topics --alter --partitions N` (Admin `createPartitions`): grow a topic to `count`
    /// partitions. Partitions can only be added.
    CreatePartitions { topic: String, count: u32 },
    /// `kafka-leader-election.sh --election-type preferred|unclean` for one partition.
    ElectLeaders {
        topic: String,
        partition: u32,
        election: ElectionType,
    },
    /// `kafka-configs --alter --entity-type topics`: change one topic config.
    AlterTopicConfig {
        topic: String,
        key: String,
        value: String,
    },
    /// Start a producer client with `ProducerConfig` keys (`acks`, `request.timeout.ms`, …).
    AddProducer {
        name: String,
        #[serde(default)]
        configs: BTreeMap<String, String>,
    },
    /// Change one producer config (e.g. `acks`); applies to records sent afterwards.
    AlterProducerConfig {
        producer: String,
        key: String,
        value: String,
    },
    /// `producer.send(new ProducerRecord(topic, partition, key, value))`.
    Produce {
        producer: String,
        topic: String,
        #[serde(default)]
        partition: Option<u32>,
        #[serde(default)]
        key: Option<String>,
        /// `None` produces a tombstone (a null value), which compaction treats as a delete.
        value: Option<String>,
    },
    /// `producer.initTransactions()` on a producer with `transactional.id`: find the transaction
    /// coordinator and get the (bumped) epoch, fencing older producers with the same id.
    InitTransactions { producer: String },
    /// `producer.beginTransaction()`.
    BeginTransaction { producer: String },
    /// `producer.commitTransaction()`: flush, then EndTxn(COMMIT).
    CommitTransaction { producer: String },
    /// `producer.abortTransaction()`: unsent batches fail, then EndTxn(ABORT).
    AbortTransaction { producer: String },
    /// `kafka-producer-perf-test.sh --topic T --num-records N --record-size S --throughput R`
    /// on `producer`: N keyless records of S random bytes at R records/s (-1: as fast as
    /// `send()` allows). Progress lines and the summary come as events.
    PerfTest {
        producer: String,
        topic: String,
        num_records: u64,
        record_size: u32,
        throughput: i64,
    },
    /// `new KafkaConsumer(configs).subscribe(topics)` with `ConsumerConfig` keys (`group.id`, …);
    /// its application loop starts calling poll() at once.
    AddConsumer {
        name: String,
        topics: Vec<String>,
        #[serde(default)]
        configs: BTreeMap<String, String>,
    },
    /// Kill a consumer process: no LeaveGroup, no final commit; records it processed since its
    /// last commit will be processed again by whoever gets its partitions.
    CrashConsumer { consumer: String },
    /// `consumer.close()`: commit (with auto-commit) and LeaveGroup.
    CloseConsumer { consumer: String },
    /// The application stops calling poll() (stuck processing) while the heartbeat thread goes
    /// on: after `max.poll.interval.ms` the consumer leaves the group.
    StopPolling { consumer: String },
    /// The application calls poll() again (and rejoins if it had left).
    ResumePolling { consumer: String },
    /// `consumer.seek(new TopicPartition(topic, partition), offset)`: the next poll() reads from
    /// `offset` (replay, or skip ahead). The committed offset moves only with the next commit.
    Seek {
        consumer: String,
        topic: String,
        partition: u32,
        offset: u64,
    },
    /// `consumer.seekToBeginning(partitions)`: `partition` of `topic`, or every assigned
    /// partition when `topic` is not given.
    SeekToBeginning {
        consumer: String,
        #[serde(default)]
        topic: Option<String>,
        #[serde(default)]
        partition: Option<u32>,
    },
    /// `consumer.seekToEnd(partitions)`, like [`Command::SeekToBeginning`].
    SeekToEnd {
        consumer: String,
        #[serde(default)]
        topic: Option<String>,
        #[serde(default)]
        partition: Option<u32>,
    },
    /// Kill a broker process (no clean shutdown): its in-memory state and connections are gone,
    /// its log on disk survives.
    CrashBroker { broker: u32 },
    /// Start a crashed broker again: it registers with the controller, truncates, catches up.
    RestartBroker { broker: u32 },
    /// Kill a controller process (for a `broker,controller` node: the whole node). Its metadata
    /// log and vote survive on disk.
    CrashController { controller: u32 },
    /// Start a crashed controller again: it rejoins the quorum and catches up on the metadata log.
    RestartController { controller: u32 },
    /// Cut the network between two nodes (both directions): envelopes between them are lost.
    /// Nodes are named `broker-N`, `controller` (or `controller-100`), or a producer's name.
    PartitionNetwork { a: String, b: String },
    /// Cut one node off from every other node.
    IsolateNode { node: String },
    /// Remove every network cut.
    HealNetwork,
    /// Add `extra_latency_ms` to every envelope to or from a node (0 restores it): a slow follower.
    SlowNode { node: String, extra_latency_ms: u64 },
    /// Hold an in-flight envelope (by the id the UI and traces show) until it is released.
    HoldEnvelope { id: u64 },
    /// Release a held envelope: it is delivered on the next tick.
    ReleaseEnvelope { id: u64 },
    /// Drop an in-flight or held envelope: it is never delivered.
    DropEnvelope { id: u64 },
}

impl Command {
    /// A short name for traces: `crash_broker`, `produce`…
    pub fn name(&self) -> &'static str {
        match self {
            Command::CreateTopic { .. } => "create_topic",
            Command::CreatePartitions { .. } => "create_partitions",
            Command::ElectLeaders { .. } => "elect_leaders",
            Command::AlterTopicConfig { .. } => "alter_topic_config",
            Command::AddProducer { .. } => "add_producer",
            Command::AlterProducerConfig { .. } => "alter_producer_config",
            Command::Produce { .. } => "produce",
            Command::PerfTest { .. } => "perf_test",
            Command::InitTransactions { .. } => "init_transactions",
            Command::BeginTransaction { .. } => "begin_transaction",
            Command::CommitTransaction { .. } => "commit_transaction",
            Command::AbortTransaction { .. } => "abort_transaction",
            Command::AddConsumer { .. } => "add_consumer",
            Command::CrashConsumer { .. } => "crash_consumer",
            Command::CloseConsumer { .. } => "close_consumer",
            Command::StopPolling { .. } => "stop_polling",
            Command::ResumePolling { .. } => "resume_polling",
            Command::Seek { .. } => "seek",
            Command::SeekToBeginning { .. } => "seek_to_beginning",
            Command::SeekToEnd { .. } => "seek_to_end",
            Command::CrashBroker { .. } => "crash_broker",
            Command::RestartBroker { .. } => "restart_broker",
            Command::CrashController { .. } => "crash_controller",
            Command::RestartController { .. } => "restart_controller",
            Command::PartitionNetwork { .. } => "partition_network",
            Command::IsolateNode { .. } => "isolate_node",
            Command::HealNetwork => "heal_network",
            Command::SlowNode { .. } => "slow_node",
            Command::HoldEnvelope { .. } => "hold_envelope",
            Command::ReleaseEnvelope { .. } => "release_envelope",
            Command::DropEnvelope { .. } => "drop_envelope",
        }
    }
}

/// Kafka's `ElectionType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ElectionType {
    /// Move leadership to the first replica, if it is in the ISR.
    Preferred,
    /// Elect a leader for a leaderless partition, from outside the ISR if need be.
    Unclean,
}

/// How to build a cluster: broker and controller ids, seed, and config overrides by Kafka key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterSpec {
    /// Broker `node.id`s, e.g. `[1, 2, 3]`.
    pub brokers: Vec<u32>,
    /// Controller (quorum voter) `node.id`s. An id that is also a broker is a combined
    /// `broker,controller` node. Empty: taken from `controller.quorum.voters` if set, else one
    /// dedicated controller, 100.
    #[serde(default)]
    pub controllers: Vec<u32>,
    /// Per-node `server.properties` (`process.roles`, `controller.quorum.voters`), checked against
    /// the topology the way Kafka checks them at startup.
    #[serde(default)]
    pub node_configs: BTreeMap<u32, BTreeMap<String, String>>,
    /// The seed of the one PRNG: a run is fully determined by (seed, inputs).
    pub seed: u64,
    /// Broker configs (`replica.lag.time.max.ms`, …) and simulation settings (`sim.*`).
    #[serde(default)]
    pub configs: BTreeMap<String, String>,
}

impl Default for ClusterSpec {
    fn default() -> Self {
        ClusterSpec {
            brokers: vec![1, 2, 3],
            controllers: vec![],
            node_configs: BTreeMap::new(),
            seed: 1,
            configs: BTreeMap::new(),
        }
    }
}
