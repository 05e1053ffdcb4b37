//! Configuration with Kafka's exact keys, defaults and validation messages.
//!
//! Kafka validates configs with `org.apache.kafka.common.config.ConfigDef`; we port the validators we
//! need (`Range.atLeast`, `ValidString.in`, booleans) with the same error wording, e.g.
//! `Invalid value 0 for configuration min.insync.replicas: Value must be at least 1`.
//!
//! Time: Kafka configs are in milliseconds; the engine counts logical ticks. [`MS_PER_TICK`] is the
//! one constant that maps between them.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Simulated milliseconds per logical tick. One tick is one millisecond, so `replica.lag.time.max.ms`
/// = 30000 means 30000 ticks; the UI chooses how many ticks to run per animation frame.
pub const MS_PER_TICK: u64 = 1;

/// Converts a Kafka millisecond setting into ticks (rounding up, never zero for a positive value).
pub fn ticks_from_ms(ms: u64) -> u64 {
    ms.div_ceil(MS_PER_TICK)
}

/// Which entity a config key belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfigScope {
    /// Broker / controller settings (`server.properties`).
    Broker,
    /// Per-topic settings (`kafka-configs --entity-type topics`).
    Topic,
    /// Producer client settings (`ProducerConfig`).
    Producer,
    /// Settings of the simulation itself (not Kafka): network latency. Prefixed `sim.`.
    Simulation,
    /// Consumer client settings (`ConsumerConfig`).
    Consumer,
}

/// How a config value is validated.
#[derive(Clone, Copy, Debug)]
pub enum ConfigKind {
    /// An integer with an inclusive lower bound (Kafka's `Range.atLeast`).
    IntAtLeast(i64),
    /// A string from a fixed list (Kafka's `ValidString.in`).
    OneOf(&'static [&'static str]),
    /// `true` / `false`.
    Bool,
    /// `controller.quorum.voters`: `{id}@{host}:{port}` entries, comma-separated.
    VoterList,
    /// `process.roles`: `broker`, `controller` or both, comma-separated.
    Roles,
    /// `kplay.partitioner.rules`: `prefix:partition` rules, comma-separated.
    PartitionRules,
    /// Free text (e.g. `group.id`).
    Text,
    /// `partition.assignment.strategy`: assignor class names, comma-separated.
    AssignorList,
    /// `group.consumer.assignors`: server-side assignor names, comma-separated.
    ServerAssignorList,
    /// A decimal between 0 and 1 (Kafka's `Type.DOUBLE` with `Range.between(0, 1)`).
    Ratio,
}

/// One config definition: Kafka key, default, validator and a one-line explanation per locale.
#[derive(Clone, Copy, Debug)]
pub struct ConfigDef {
    pub key: &'static str,
    pub scope: ConfigScope,
    pub kind: ConfigKind,
    pub default: &'static str,
    pub doc_en: &'static str,
    pub doc_zh: &'static str,
}

/// Every config key the engine understands.
pub const CONFIG_DEFS: &[ConfigDef] = &[
    ConfigDef {
        key: "replica.lag.time.max.ms",
        scope: ConfigScope::Broker,
        kind: ConfigKind::IntAtLeast(1),
        default: "30000",
        doc_en: "A follower that has not caught up to the leader's log end for this long is removed from the ISR.",
        doc_zh: "follower 超过这么久没有追上 leader 的日志末尾，就会被移出 ISR。",
    },
    ConfigDef {
        key: "replica.fetch.wait.max.ms",
        scope: ConfigScope::Broker,
        kind: ConfigKind::IntAtLeast(0),
        default: "500",
        doc_en: "How long the leader holds a follower's Fetch when there is no new data.",
        doc_zh: "没有新数据时，leader 挂起 follower 的 Fetch 请求的最长时间。",
    },
    ConfigDef {
        key: "replica.fetch.max.bytes",
        scope: ConfigScope::Broker,
        kind: ConfigKind::IntAtLeast(0),
        default: "1048576",
        doc_en: "How many bytes of records a follower's Fetch asks for per partition. A soft limit: the first batch comes even if it is larger, so replication always makes progress.",
        doc_zh: "follower 每次 Fetch 每个分区最多拉取的记录字节数。这是软上限：第一个批次即使更大也会返回，保证复制总能前进。",
    },
    ConfigDef {
        key: "replica.fetch.backoff.ms",
        scope: ConfigScope::Broker,
        kind: ConfigKind::IntAtLeast(0),
        default: "1000",
        doc_en: "How long a follower waits before fetching again after a fetch error.",
        doc_zh: "follower 拉取出错后，再次拉取前等待的时间。",
    },
    ConfigDef {
        key: "broker.session.timeout.ms",
        scope: ConfigScope::Broker,
        kind: ConfigKind::IntAtLeast(1),
        default: "9000",
        doc_en: "The KRaft controller fences a broker whose heartbeats stop for this long.",
        doc_zh: "broker 的心跳停止这么久后，KRaft controller 会把它隔离 (fence)。",
    },
    ConfigDef {
        key: "broker.heartbeat.interval.ms",
        scope: ConfigScope::Broker,
        kind: ConfigKind::IntAtLeast(1),
        default: "2000",
        doc_en: "How often a broker sends BrokerHeartbeat to the controller.",
        doc_zh: "broker 向 controller 发送 BrokerHeartbeat 的间隔。",
    },
    ConfigDef {
        key: "unclean.leader.election.enable",
        scope: ConfigScope::Broker,
        kind: ConfigKind::Bool,
        default: "false",
        doc_en: "Cluster default: may a replica outside the ISR become leader when no ISR replica is available (losing data)?",
        doc_zh: "集群默认值：当没有可用的 ISR 副本时，是否允许 ISR 之外的副本成为 leader（会丢数据）。",
    },
    ConfigDef {
        key: "auto.leader.rebalance.enable",
        scope: ConfigScope::Broker,
        kind: ConfigKind::Bool,
        default: "true",
        doc_en: "The controller periodically moves leadership back to each partition's preferred (first) replica.",
        doc_zh: "controller 定期把 leader 迁回每个分区的首选（第一个）副本。",
    },
    ConfigDef {
        key: "leader.imbalance.check.interval.seconds",
        scope: ConfigScope::Broker,
        kind: ConfigKind::IntAtLeast(1),
        default: "300",
        doc_en: "How often the controller checks for partitions not led by their preferred replica.",
        doc_zh: "controller 检查分区 leader 是否偏离首选副本的间隔（秒）。",
    },
    ConfigDef {
        key: "controller.quorum.voters",
        scope: ConfigScope::Broker,
        kind: ConfigKind::VoterList,
        default: "",
        doc_en: "The controller quorum as id@host:port entries; every node must list exactly the same voters.",
        doc_zh: "controller 仲裁的投票者列表（id@host:port）；所有节点必须配置完全相同的列表。",
    },
    ConfigDef {
        key: "process.roles",
        scope: ConfigScope::Broker,
        kind: ConfigKind::Roles,
        default: "broker",
        doc_en: "What this node runs in KRaft mode: broker, controller, or broker,controller (combined).",
        doc_zh: "KRaft 模式下该节点的角色：broker、controller，或 broker,controller（组合模式）。",
    },
    ConfigDef {
        key: "controller.quorum.election.timeout.ms",
        scope: ConfigScope::Broker,
        kind: ConfigKind::IntAtLeast(1),
        default: "1000",
        doc_en: "How long a voter without a leader waits (plus a random part up to the same again) before starting an election.",
        doc_zh: "没有 leader 的投票者在发起选举前等待的时间（再加上最多同样长的随机时间）。",
    },
    ConfigDef {
        key: "controller.quorum.fetch.timeout.ms",
        scope: ConfigScope::Broker,
        kind: ConfigKind::IntAtLeast(1),
        default: "2000",
        doc_en: "A follower that hears nothing from the quorum leader for this long starts an election; a leader not fetched from by a majority for 1.5× this resigns (check-quorum).",
        doc_zh: "follower 这么久没有收到仲裁 leader 的响应就发起选举；leader 在 1.5 倍这个时间内没有被多数派 fetch 就会辞职（check-quorum）。",
    },
    ConfigDef {
        key: "controller.quorum.election.backoff.max.ms",
        scope: ConfigScope::Broker,
        kind: ConfigKind::IntAtLeast(1),
        default: "1000",
        doc_en: "The longest random wait before retrying a failed election.",
        doc_zh: "选举失败后重试前的最长随机等待时间。",
    },
    ConfigDef {
        key: "controller.quorum.request.timeout.ms",
        scope: ConfigScope::Broker,
        kind: ConfigKind::IntAtLeast(1),
        default: "2000",
        doc_en: "How long a quorum request (Vote, Fetch) may go unanswered before it is sent again.",
        doc_zh: "仲裁请求（Vote、Fetch）在重发之前最长等待应答的时间。",
    },
    ConfigDef {
        key: "unclean.leader.election.enable",
        scope: ConfigScope::Topic,
        kind: ConfigKind::Bool,
        default: "false",
        doc_en: "Allow a replica outside the ISR to become leader when no ISR replica is available: availability over durability; acknowledged records can be lost.",
        doc_zh: "没有可用的 ISR 副本时，允许 ISR 之外的副本成为 leader：可用性优先于持久性，已确认的消息可能丢失。",
    },
    ConfigDef {
        key: "compression.type",
        scope: ConfigScope::Topic,
        kind: ConfigKind::OneOf(&["producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"]),
        default: "producer",
        doc_en: "producer: keep each batch as the producer compressed it. Any other value: the leader recompresses batches that arrive with a different codec before writing them (CPU on the broker).",
        doc_zh: "producer：按 producer 压缩的样子保存每个批次。其他取值：leader 在写入前把编码不同的批次重新压缩（消耗 broker 的 CPU）。",
    },
    ConfigDef {
        key: "min.insync.replicas",
        scope: ConfigScope::Topic,
        kind: ConfigKind::IntAtLeast(1),
        default: "1",
        doc_en: "With acks=all, a write is rejected (NOT_ENOUGH_REPLICAS) when the ISR is smaller than this.",
        doc_zh: "acks=all 时，如果 ISR 小于这个值，写入会被拒绝 (NOT_ENOUGH_REPLICAS)。",
    },
    ConfigDef {
        key: "acks",
        scope: ConfigScope::Producer,
        kind: ConfigKind::OneOf(&["all", "-1", "0", "1"]),
        default: "all",
        doc_en: "0: do not wait; 1: wait for the leader's append; all: wait until every ISR replica has it.",
        doc_zh: "0: 不等确认；1: 等 leader 写入；all: 等所有 ISR 副本都写入。",
    },
    ConfigDef {
        key: "request.timeout.ms",
        scope: ConfigScope::Producer,
        kind: ConfigKind::IntAtLeast(0),
        default: "30000",
        doc_en: "How long the producer (and the broker, for acks=all) waits for a produce response.",
        doc_zh: "producer（以及 acks=all 时的 broker）等待 produce 响应的最长时间。",
    },
    ConfigDef {
        key: "delivery.timeout.ms",
        scope: ConfigScope::Producer,
        kind: ConfigKind::IntAtLeast(0),
        default: "120000",
        doc_en: "Upper bound on the time to report success or failure after send() returns.",
        doc_zh: "send() 返回后，报告成功或失败的最长时间。",
    },
    ConfigDef {
        key: "linger.ms",
        scope: ConfigScope::Producer,
        kind: ConfigKind::IntAtLeast(0),
        default: "5",
        doc_en: "How long the producer waits to fill a batch before sending.",
        doc_zh: "producer 发送前为凑满一个批次而等待的时间。",
    },
    ConfigDef {
        key: "batch.size",
        scope: ConfigScope::Producer,
        kind: ConfigKind::IntAtLeast(0),
        default: "16384",
        doc_en: "Target batch size in bytes; keyless records stick to one partition until about this many bytes.",
        doc_zh: "批次目标大小（字节）；没有 key 的消息会粘在一个分区上，直到约这么多字节。",
    },
    ConfigDef {
        key: "enable.idempotence",
        scope: ConfigScope::Producer,
        kind: ConfigKind::Bool,
        default: "true",
        doc_en: "Producer id + per-partition sequence numbers: the broker drops duplicates of retried batches and refuses gaps, so retries neither duplicate nor reorder. Needs acks=all, retries > 0 and at most 5 in-flight requests.",
        doc_zh: "producer id + 每个分区的序列号：broker 丢弃重试造成的重复批次、拒绝有缺口的序列，因此重试既不会重复也不会乱序。要求 acks=all、retries > 0、in-flight 请求不超过 5。",
    },
    ConfigDef {
        key: "max.in.flight.requests.per.connection",
        scope: ConfigScope::Producer,
        kind: ConfigKind::IntAtLeast(1),
        default: "5",
        doc_en: "How many unanswered produce requests may be outstanding to one broker. Above 1 without idempotence, a retried batch can land after a later one.",
        doc_zh: "对同一个 broker 最多同时有多少个未应答的 produce 请求。大于 1 且未开启幂等时，重试的批次可能排到后发的批次之后。",
    },
    ConfigDef {
        key: "retries",
        scope: ConfigScope::Producer,
        kind: ConfigKind::IntAtLeast(0),
        default: "2147483647",
        doc_en: "How many times a batch that failed with a retriable error is sent again (bounded by delivery.timeout.ms).",
        doc_zh: "遇到可重试错误的批次最多重发多少次（受 delivery.timeout.ms 限制）。",
    },
    ConfigDef {
        key: "retry.backoff.ms",
        scope: ConfigScope::Producer,
        kind: ConfigKind::IntAtLeast(0),
        default: "100",
        doc_en: "The first wait before a retry; it doubles per attempt up to retry.backoff.max.ms (KIP-580).",
        doc_zh: "第一次重试前的等待时间；每次重试翻倍，最多到 retry.backoff.max.ms (KIP-580)。",
    },
    ConfigDef {
        key: "retry.backoff.max.ms",
        scope: ConfigScope::Producer,
        kind: ConfigKind::IntAtLeast(0),
        default: "1000",
        doc_en: "The longest wait between retries.",
        doc_zh: "两次重试之间的最长等待时间。",
    },
    ConfigDef {
        key: "partitioner.class",
        scope: ConfigScope::Producer,
        kind: ConfigKind::OneOf(&["", "org.apache.kafka.clients.producer.RoundRobinPartitioner"]),
        default: "",
        doc_en: "Empty: the built-in partitioner (murmur2 of the key, sticky for keyless records). RoundRobinPartitioner: every record to the next partition, keys ignored.",
        doc_zh: "空：内置分区器（按 key 的 murmur2，无 key 时粘性分区）。RoundRobinPartitioner：每条消息依次发往下一个分区，忽略 key。",
    },
    ConfigDef {
        key: "metadata.max.age.ms",
        scope: ConfigScope::Producer,
        kind: ConfigKind::IntAtLeast(0),
        default: "300000",
        doc_en: "The producer refreshes its metadata at least this often, even without errors: new partitions are only seen after a refresh.",
        doc_zh: "producer 至少每隔这么久刷新一次元数据（即使没有出错）：新增的分区要等刷新后才会被用到。",
    },
    ConfigDef {
        key: "buffer.memory",
        scope: ConfigScope::Producer,
        kind: ConfigKind::IntAtLeast(0),
        default: "33554432",
        doc_en: "Memory for batches not yet acknowledged; each new batch takes batch.size of it. When it is used up, send() blocks (up to max.block.ms): back-pressure on the application.",
        doc_zh: "尚未被确认的批次可用的内存；每个新批次占用 batch.size。用完后 send() 会阻塞（最多 max.block.ms）：对应用的反压。",
    },
    ConfigDef {
        key: "max.block.ms",
        scope: ConfigScope::Producer,
        kind: ConfigKind::IntAtLeast(0),
        default: "60000",
        doc_en: "How long send() may block waiting for buffer.memory before failing with BufferExhaustedException.",
        doc_zh: "send() 等待 buffer.memory 的最长阻塞时间，超时则以 BufferExhaustedException 失败。",
    },
    ConfigDef {
        key: "compression.type",
        scope: ConfigScope::Producer,
        kind: ConfigKind::OneOf(&["none", "gzip", "snappy", "lz4", "zstd"]),
        default: "none",
        doc_en: "Codec the producer applies to each batch's records: real gzip, snappy, lz4 or zstd over Kafka's record batch bytes — fuller batches compress better.",
        doc_zh: "producer 对每个批次的消息使用的压缩算法：在 Kafka 的 record batch 字节上真实运行 gzip、snappy、lz4 或 zstd——批次越满压缩越好。",
    },
    ConfigDef {
        key: "kplay.partitioner.rules",
        scope: ConfigScope::Producer,
        kind: ConfigKind::PartitionRules,
        default: "",
        doc_en: "The playground's custom partitioner (a rule table instead of a Java Partitioner class): comma-separated prefix:partition rules tried in order, e.g. vip-:0,eu-:1; keys matching no rule use the built-in partitioner.",
        doc_zh: "练习场的自定义分区器（用规则表代替 Java 的 Partitioner 类）：逗号分隔的 前缀:分区 规则按顺序匹配，例如 vip-:0,eu-:1；不匹配任何规则的 key 使用内置分区器。",
    },
    ConfigDef {
        key: "partitioner.ignore.keys",
        scope: ConfigScope::Producer,
        kind: ConfigKind::Bool,
        default: "false",
        doc_en: "Ignore keys when choosing a partition: every record is partitioned like a keyless one (sticky).",
        doc_zh: "选择分区时忽略 key：每条消息都像没有 key 一样（粘性分区）。",
    },
    ConfigDef {
        key: "offsets.topic.num.partitions",
        scope: ConfigScope::Broker,
        kind: ConfigKind::IntAtLeast(1),
        default: "50",
        doc_en: "Partitions of __consumer_offsets (fixed once the topic exists): a group lives on partition abs(hashCode(group.id)) % this.",
        doc_zh: "__consumer_offsets 的分区数（主题创建后不再变化）：消费组位于分区 abs(hashCode(group.id)) % 该值。",
    },
    ConfigDef {
        key: "offsets.topic.replication.factor",
        scope: ConfigScope::Broker,
        kind: ConfigKind::IntAtLeast(1),
        default: "3",
        doc_en: "Replication factor of __consumer_offsets. Its creation (at the first FindCoordinator) fails until this many brokers are registered.",
        doc_zh: "__consumer_offsets 的副本数。在注册的 broker 数达到该值之前，创建（在第一次 FindCoordinator 时）会失败。",
    },
    ConfigDef {
        key: "offsets.topic.segment.bytes",
        scope: ConfigScope::Broker,
        kind: ConfigKind::IntAtLeast(1),
        default: "104857600",
        doc_en: "segment.bytes of __consumer_offsets (kept small so it compacts quickly).",
        doc_zh: "__consumer_offsets 的 segment.bytes（较小，以便尽快压缩）。",
    },
    ConfigDef {
        key: "log.cleanup.policy",
        scope: ConfigScope::Broker,
        kind: ConfigKind::OneOf(&["delete", "compact", "compact,delete", "delete,compact"]),
        default: "delete",
        doc_en: "The default cleanup.policy of topics that do not set one.",
        doc_zh: "未设置 cleanup.policy 的主题的默认值。",
    },
    ConfigDef {
        key: "log.segment.bytes",
        scope: ConfigScope::Broker,
        kind: ConfigKind::IntAtLeast(14),
        default: "1073741824",
        doc_en: "The default segment.bytes.",
        doc_zh: "segment.bytes 的默认值。",
    },
    ConfigDef {
        key: "log.roll.ms",
        scope: ConfigScope::Broker,
        kind: ConfigKind::IntAtLeast(1),
        default: "604800000",
        doc_en: "The default segment.ms (Kafka's default comes from log.roll.hours=168).",
        doc_zh: "segment.ms 的默认值（Kafka 的默认值来自 log.roll.hours=168）。",
    },
    ConfigDef {
        key: "log.retention.ms",
        scope: ConfigScope::Broker,
        kind: ConfigKind::IntAtLeast(-1),
        default: "604800000",
        doc_en: "The default retention.ms (Kafka's default comes from log.retention.hours=168).",
        doc_zh: "retention.ms 的默认值（Kafka 的默认值来自 log.retention.hours=168）。",
    },
    ConfigDef {
        key: "log.retention.bytes",
        scope: ConfigScope::Broker,
        kind: ConfigKind::IntAtLeast(-1),
        default: "-1",
        doc_en: "The default retention.bytes.",
        doc_zh: "retention.bytes 的默认值。",
    },
    ConfigDef {
        key: "log.retention.check.interval.ms",
        scope: ConfigScope::Broker,
        kind: ConfigKind::IntAtLeast(1),
        default: "300000",
        doc_en: "How often each broker checks its delete-policy logs for segments past retention.ms / retention.bytes.",
        doc_zh: "每个 broker 检查 delete 策略日志中超出 retention.ms / retention.bytes 的段的间隔。",
    },
    ConfigDef {
        key: "log.cleaner.backoff.ms",
        scope: ConfigScope::Broker,
        kind: ConfigKind::IntAtLeast(0),
        default: "15000",
        doc_en: "How long the log cleaner sleeps when no log needs cleaning.",
        doc_zh: "没有需要清理的日志时，日志清理器休眠的时间。",
    },
    ConfigDef {
        key: "log.cleaner.min.cleanable.ratio",
        scope: ConfigScope::Broker,
        kind: ConfigKind::Ratio,
        default: "0.5",
        doc_en: "The default min.cleanable.dirty.ratio.",
        doc_zh: "min.cleanable.dirty.ratio 的默认值。",
    },
    ConfigDef {
        key: "log.cleaner.delete.retention.ms",
        scope: ConfigScope::Broker,
        kind: ConfigKind::IntAtLeast(0),
        default: "86400000",
        doc_en: "The default delete.retention.ms.",
        doc_zh: "delete.retention.ms 的默认值。",
    },
    ConfigDef {
        key: "log.cleaner.min.compaction.lag.ms",
        scope: ConfigScope::Broker,
        kind: ConfigKind::IntAtLeast(0),
        default: "0",
        doc_en: "The default min.compaction.lag.ms.",
        doc_zh: "min.compaction.lag.ms 的默认值。",
    },
    ConfigDef {
        key: "log.cleaner.max.compaction.lag.ms",
        scope: ConfigScope::Broker,
        kind: ConfigKind::IntAtLeast(1),
        default: "9223372036854775807",
        doc_en: "The default max.compaction.lag.ms.",
        doc_zh: "max.compaction.lag.ms 的默认值。",
    },
    ConfigDef {
        key: "group.initial.rebalance.delay.ms",
        scope: ConfigScope::Broker,
        kind: ConfigKind::IntAtLeast(0),
        default: "3000",
        doc_en: "An empty group waits this long (extended while members keep joining) before its first rebalance, so consumers starting together land in one generation.",
        doc_zh: "空的消费组在第一次再平衡前等待这么久（有成员不断加入时会延长），让同时启动的消费者进入同一代。",
    },
    ConfigDef {
        key: "group.min.session.timeout.ms",
        scope: ConfigScope::Broker,
        kind: ConfigKind::IntAtLeast(0),
        default: "6000",
        doc_en: "The smallest session.timeout.ms a consumer may ask for (else INVALID_SESSION_TIMEOUT).",
        doc_zh: "消费者可以设置的最小 session.timeout.ms（否则 INVALID_SESSION_TIMEOUT）。",
    },
    ConfigDef {
        key: "group.max.session.timeout.ms",
        scope: ConfigScope::Broker,
        kind: ConfigKind::IntAtLeast(0),
        default: "1800000",
        doc_en: "The largest session.timeout.ms a consumer may ask for (else INVALID_SESSION_TIMEOUT).",
        doc_zh: "消费者可以设置的最大 session.timeout.ms（否则 INVALID_SESSION_TIMEOUT）。",
    },
    ConfigDef {
        key: "offsets.commit.timeout.ms",
        scope: ConfigScope::Broker,
        kind: ConfigKind::IntAtLeast(1),
        default: "5000",
        doc_en: "An offset commit waits this long for all replicas of the offsets partition (acks=all) before failing with REQUEST_TIMED_OUT.",
        doc_zh: "提交位移时等待 offsets 分区所有副本（acks=all）的最长时间，超时返回 REQUEST_TIMED_OUT。",
    },
    ConfigDef {
        key: "group.consumer.heartbeat.interval.ms",
        scope: ConfigScope::Broker,
        kind: ConfigKind::IntAtLeast(1),
        default: "5000",
        doc_en: "KIP-848 consumer groups (group.protocol=consumer): the heartbeat interval the coordinator tells members to use.",
        doc_zh: "KIP-848 消费组（group.protocol=consumer）：协调者告诉成员使用的心跳间隔。",
    },
    ConfigDef {
        key: "group.consumer.session.timeout.ms",
        scope: ConfigScope::Broker,
        kind: ConfigKind::IntAtLeast(1),
        default: "45000",
        doc_en: "KIP-848 consumer groups: a member without a heartbeat for this long is fenced and its partitions are reassigned (set on the broker, not the consumer).",
        doc_zh: "KIP-848 消费组：成员超过这么久没有心跳就被隔离，它的分区被重新分配（在 broker 上设置，而不是消费者）。",
    },
    ConfigDef {
        key: "group.consumer.assignors",
        scope: ConfigScope::Broker,
        kind: ConfigKind::ServerAssignorList,
        default: "uniform,range",
        doc_en: "KIP-848 server-side assignors the coordinator offers (uniform, range); the first is the default when no member sets group.remote.assignor.",
        doc_zh: "KIP-848 协调者提供的服务端分配器（uniform、range）；没有成员设置 group.remote.assignor 时使用第一个。",
    },
    ConfigDef {
        key: "cleanup.policy",
        scope: ConfigScope::Topic,
        kind: ConfigKind::OneOf(&["delete", "compact", "compact,delete", "delete,compact"]),
        default: "delete",
        doc_en: "delete: whole old segments are removed by retention.ms / retention.bytes. compact: the log cleaner keeps the latest record per key and rejects records without a key (INVALID_RECORD); __consumer_offsets is compacted. compact,delete: both.",
        doc_zh: "delete：按 retention.ms / retention.bytes 删除整个旧段。compact：日志清理器为每个 key 只保留最新的一条，并拒绝没有 key 的消息（INVALID_RECORD）；__consumer_offsets 是压缩主题。compact,delete：两者兼有。",
    },
    ConfigDef {
        key: "segment.bytes",
        scope: ConfigScope::Topic,
        kind: ConfigKind::IntAtLeast(14),
        default: "1073741824",
        doc_en: "The active segment is rolled (closed, a new one started) when the next record would make it larger than this. Only closed segments are cleaned or deleted. The simulation counts record bytes, not batch headers.",
        doc_zh: "当下一条消息会让活跃段超过这个大小时，就滚动（关闭它并新建一个段）。只有已关闭的段才会被清理或删除。模拟只统计消息字节，不计批次头。",
    },
    ConfigDef {
        key: "segment.ms",
        scope: ConfigScope::Topic,
        kind: ConfigKind::IntAtLeast(1),
        default: "604800000",
        doc_en: "The active segment is also rolled when its first record is older than this (compared with the record being appended), so retention and compaction can reach old data on quiet topics.",
        doc_zh: "活跃段的第一条消息比正在追加的消息早这么久时也会滚动，这样安静的主题上旧数据也能被保留策略和压缩处理。",
    },
    ConfigDef {
        key: "retention.ms",
        scope: ConfigScope::Topic,
        kind: ConfigKind::IntAtLeast(-1),
        default: "604800000",
        doc_en: "cleanup.policy=delete: a segment whose newest record is older than this is deleted (whole segments only, and only below the high watermark); -1 keeps data forever.",
        doc_zh: "cleanup.policy=delete：段中最新的消息比这更老时删除整个段（只删整段，且只删高水位以下的）；-1 表示永久保留。",
    },
    ConfigDef {
        key: "retention.bytes",
        scope: ConfigScope::Topic,
        kind: ConfigKind::IntAtLeast(-1),
        default: "-1",
        doc_en: "cleanup.policy=delete: while the partition is larger than this, its oldest segments are deleted (per partition, not per topic); -1 means no size limit.",
        doc_zh: "cleanup.policy=delete：分区大小超过这个值时删除最老的段（按分区而非按主题计算）；-1 表示不限大小。",
    },
    ConfigDef {
        key: "min.cleanable.dirty.ratio",
        scope: ConfigScope::Topic,
        kind: ConfigKind::Ratio,
        default: "0.5",
        doc_en: "The log cleaner compacts a log when dirty bytes / (clean + dirty bytes) is above this. Lower: more cleaning, fewer duplicates.",
        doc_zh: "脏数据字节 /（干净 + 脏数据字节）超过这个比例时，日志清理器压缩该日志。越低清理越频繁，重复越少。",
    },
    ConfigDef {
        key: "delete.retention.ms",
        scope: ConfigScope::Topic,
        kind: ConfigKind::IntAtLeast(0),
        default: "86400000",
        doc_en: "How long a tombstone (null value) stays after the cleaner first keeps it, so consumers can see the delete; a later cleaning removes it.",
        doc_zh: "墓碑消息（值为 null）在清理器第一次保留它之后还会保留多久，让消费者有机会看到删除；之后的清理会移除它。",
    },
    ConfigDef {
        key: "min.compaction.lag.ms",
        scope: ConfigScope::Topic,
        kind: ConfigKind::IntAtLeast(0),
        default: "0",
        doc_en: "A record stays uncompacted for at least this long: segments with newer records are not cleaned yet.",
        doc_zh: "消息至少在这么长时间内不会被压缩：包含更新消息的段暂不清理。",
    },
    ConfigDef {
        key: "max.compaction.lag.ms",
        scope: ConfigScope::Topic,
        kind: ConfigKind::IntAtLeast(1),
        default: "9223372036854775807",
        doc_en: "A dirty record older than this makes the log eligible for cleaning whatever its dirty ratio (and the active segment rolls by this age).",
        doc_zh: "脏数据中有消息比这更老时，不论脏数据比例如何都会清理该日志（活跃段也会按此时长滚动）。",
    },
    ConfigDef {
        key: "group.id",
        scope: ConfigScope::Consumer,
        kind: ConfigKind::Text,
        default: "",
        doc_en: "The consumer group: members share the partitions, and the group's committed offsets live on its __consumer_offsets partition.",
        doc_zh: "消费组：组内成员分摊分区，组的已提交位移保存在它的 __consumer_offsets 分区。",
    },
    ConfigDef {
        key: "session.timeout.ms",
        scope: ConfigScope::Consumer,
        kind: ConfigKind::IntAtLeast(1),
        default: "45000",
        doc_en: "The coordinator removes a member that sends no heartbeat for this long, and rebalances.",
        doc_zh: "成员超过这么久没有发送心跳，协调者就把它移出组并再平衡。",
    },
    ConfigDef {
        key: "heartbeat.interval.ms",
        scope: ConfigScope::Consumer,
        kind: ConfigKind::IntAtLeast(1),
        default: "3000",
        doc_en: "How often the background heartbeat thread sends Heartbeat (must be below session.timeout.ms).",
        doc_zh: "后台心跳线程发送 Heartbeat 的间隔（必须小于 session.timeout.ms）。",
    },
    ConfigDef {
        key: "max.poll.interval.ms",
        scope: ConfigScope::Consumer,
        kind: ConfigKind::IntAtLeast(1),
        default: "300000",
        doc_en: "If the application does not call poll() for this long, the consumer leaves the group even though it still heartbeats. Also the rebalance timeout.",
        doc_zh: "应用超过这么久没有调用 poll()，即使仍在发送心跳，消费者也会离开消费组。它也是再平衡超时。",
    },
    ConfigDef {
        key: "max.poll.records",
        scope: ConfigScope::Consumer,
        kind: ConfigKind::IntAtLeast(1),
        default: "500",
        doc_en: "The most records one poll() returns.",
        doc_zh: "一次 poll() 最多返回的消息数。",
    },
    ConfigDef {
        key: "auto.offset.reset",
        scope: ConfigScope::Consumer,
        kind: ConfigKind::OneOf(&["latest", "earliest", "none"]),
        default: "latest",
        doc_en: "Where to start when the group has no committed offset: earliest, latest (the high watermark), or none (poll() throws NoOffsetForPartitionException).",
        doc_zh: "消费组没有已提交位移时从哪里开始：earliest、latest（高水位），或 none（poll() 抛出 NoOffsetForPartitionException）。",
    },
    ConfigDef {
        key: "enable.auto.commit",
        scope: ConfigScope::Consumer,
        kind: ConfigKind::Bool,
        default: "true",
        doc_en: "poll() commits the positions of the records returned so far every auto.commit.interval.ms (and before a rebalance).",
        doc_zh: "poll() 每隔 auto.commit.interval.ms 提交一次已返回消息的位置（再平衡前也会提交）。",
    },
    ConfigDef {
        key: "auto.commit.interval.ms",
        scope: ConfigScope::Consumer,
        kind: ConfigKind::IntAtLeast(0),
        default: "5000",
        doc_en: "How often auto-commit runs (inside poll()).",
        doc_zh: "自动提交的间隔（在 poll() 中执行）。",
    },
    ConfigDef {
        key: "partition.assignment.strategy",
        scope: ConfigScope::Consumer,
        kind: ConfigKind::AssignorList,
        default: "org.apache.kafka.clients.consumer.RangeAssignor,org.apache.kafka.clients.consumer.CooperativeStickyAssignor",
        doc_en: "Assignors in order of preference (class names): RangeAssignor, RoundRobinAssignor, StickyAssignor, CooperativeStickyAssignor. The group uses one every member supports.",
        doc_zh: "按偏好排序的分配器（类名）：RangeAssignor、RoundRobinAssignor、StickyAssignor、CooperativeStickyAssignor。消费组使用所有成员都支持的一个。",
    },
    ConfigDef {
        key: "retry.backoff.ms",
        scope: ConfigScope::Consumer,
        kind: ConfigKind::IntAtLeast(0),
        default: "100",
        doc_en: "How long to wait before retrying a failed request (e.g. FindCoordinator).",
        doc_zh: "失败的请求（如 FindCoordinator）重试前等待的时间。",
    },
    ConfigDef {
        key: "retry.backoff.max.ms",
        scope: ConfigScope::Consumer,
        kind: ConfigKind::IntAtLeast(0),
        default: "1000",
        doc_en: "Retries back off retry.backoff.ms, doubling after each consecutive failure up to this (KIP-580).",
        doc_zh: "重试的退避时间从 retry.backoff.ms 开始，每次连续失败翻倍，最多到该值（KIP-580）。",
    },
    ConfigDef {
        key: "request.timeout.ms",
        scope: ConfigScope::Consumer,
        kind: ConfigKind::IntAtLeast(0),
        default: "30000",
        doc_en: "How long the consumer waits for an answer before giving up on a request.",
        doc_zh: "消费者等待应答的最长时间，超时则放弃该请求。",
    },
    ConfigDef {
        key: "metadata.max.age.ms",
        scope: ConfigScope::Consumer,
        kind: ConfigKind::IntAtLeast(0),
        default: "300000",
        doc_en: "Metadata is refreshed at least this often: the group leader only notices new partitions (and rebalances) after a refresh.",
        doc_zh: "元数据至少每隔这么久刷新一次：组 leader 只有在刷新后才会发现新增分区（并触发再平衡）。",
    },
    ConfigDef {
        key: "group.protocol",
        scope: ConfigScope::Consumer,
        kind: ConfigKind::OneOf(&["classic", "consumer"]),
        default: "classic",
        doc_en: "classic: JoinGroup/SyncGroup rebalances run by a group leader. consumer: the KIP-848 protocol (Kafka 4.0) — ConsumerGroupHeartbeat, server-side assignment, incremental reconciliation without a stop-the-world rebalance.",
        doc_zh: "classic：由组 leader 主导的 JoinGroup/SyncGroup 再平衡。consumer：KIP-848 协议（Kafka 4.0）——ConsumerGroupHeartbeat、服务端分配、增量协调，没有全组停顿的再平衡。",
    },
    ConfigDef {
        key: "group.remote.assignor",
        scope: ConfigScope::Consumer,
        kind: ConfigKind::Text,
        default: "",
        doc_en: "With group.protocol=consumer: the server-side assignor to ask for (uniform or range); empty = the broker's default.",
        doc_zh: "group.protocol=consumer 时请求使用的服务端分配器（uniform 或 range）；为空则用 broker 的默认值。",
    },
    ConfigDef {
        key: "group.instance.id",
        scope: ConfigScope::Consumer,
        kind: ConfigKind::Text,
        default: "",
        doc_en: "Static membership (KIP-345, classic protocol): a consumer restarted within session.timeout.ms rejoins with its old partitions and no rebalance; close() does not send LeaveGroup; a second consumer with the same id fences the first (FENCED_INSTANCE_ID).",
        doc_zh: "静态成员（KIP-345，classic 协议）：在 session.timeout.ms 内重启的消费者重新加入时拿回原来的分区且不触发再平衡；close() 不发送 LeaveGroup；相同 id 的第二个消费者会隔离第一个（FENCED_INSTANCE_ID）。",
    },
    ConfigDef {
        key: "kplay.poll.interval.ms",
        scope: ConfigScope::Consumer,
        kind: ConfigKind::IntAtLeast(1),
        default: "100",
        doc_en: "Playground: when poll() returns nothing, the application calls it again after this long (the poll(Duration) timeout).",
        doc_zh: "练习场：poll() 没有返回消息时，应用在这么久之后再次调用（相当于 poll(Duration) 的超时）。",
    },
    ConfigDef {
        key: "kplay.processing.ms.per.record",
        scope: ConfigScope::Consumer,
        kind: ConfigKind::IntAtLeast(0),
        default: "0",
        doc_en: "Playground: simulated processing time per record; a consumer that crashes mid-batch has processed part of it without committing.",
        doc_zh: "练习场：每条消息的模拟处理时间；在批次中途崩溃的消费者处理了一部分却没有提交。",
    },
    ConfigDef {
        key: "kplay.commit.mode",
        scope: ConfigScope::Consumer,
        kind: ConfigKind::OneOf(&["none", "sync", "async"]),
        default: "none",
        doc_en: "Playground: after processing each poll()'s records the application calls commitSync() (sync), commitAsync() (async), or nothing (none: rely on enable.auto.commit).",
        doc_zh: "练习场：处理完每次 poll() 的消息后，应用调用 commitSync()（sync）、commitAsync()（async），或不提交（none：依赖 enable.auto.commit）。",
    },
    ConfigDef {
        key: "kplay.commit.timing",
        scope: ConfigScope::Consumer,
        kind: ConfigKind::OneOf(&["after-processing", "before-processing"]),
        default: "after-processing",
        doc_en: "Playground: when the application's commit (kplay.commit.mode) runs: after processing a poll()'s records (at-least-once), or right after poll() returns them, before processing (at-most-once).",
        doc_zh: "练习场：应用的提交（kplay.commit.mode）何时执行：处理完一次 poll() 的消息之后（至少一次），或 poll() 一返回、处理之前（最多一次）。",
    },
    ConfigDef {
        key: "kplay.commit.async.retry",
        scope: ConfigScope::Consumer,
        kind: ConfigKind::Bool,
        default: "false",
        doc_en: "Playground: the application's OffsetCommitCallback re-sends a commitAsync() that failed (an anti-pattern: commitAsync() never retries because a later commit may already have succeeded, and the retry would move the committed offset back).",
        doc_zh: "练习场：应用在 OffsetCommitCallback 中重发失败的 commitAsync()（反模式：commitAsync() 从不重试，因为更晚的提交可能已经成功，重试会把已提交位移拉回去）。",
    },
    ConfigDef {
        key: "transactional.id",
        scope: ConfigScope::Producer,
        kind: ConfigKind::Text,
        default: "",
        doc_en: "Makes the producer transactional: initTransactions() registers this id with its transaction coordinator, which bumps the epoch and fences any older producer with the same id. Needs idempotence.",
        doc_zh: "让 producer 成为事务型：initTransactions() 向事务协调者注册该 id，协调者提升 epoch 并隔离（fence）使用同一 id 的旧 producer。要求开启幂等。",
    },
    ConfigDef {
        key: "transaction.timeout.ms",
        scope: ConfigScope::Producer,
        kind: ConfigKind::IntAtLeast(1),
        default: "60000",
        doc_en: "How long a transaction may stay open before the coordinator aborts it (and bumps the producer's epoch). Must not exceed the broker's transaction.max.timeout.ms.",
        doc_zh: "事务最多可以开启多久，超时后协调者会中止它（并提升 producer 的 epoch）。不能超过 broker 的 transaction.max.timeout.ms。",
    },
    ConfigDef {
        key: "transaction.state.log.num.partitions",
        scope: ConfigScope::Broker,
        kind: ConfigKind::IntAtLeast(1),
        default: "50",
        doc_en: "Partitions of __transaction_state: a transactional.id lives on partition abs(hashCode(transactional.id)) % this, whose leader is its transaction coordinator.",
        doc_zh: "__transaction_state 的分区数：transactional.id 位于分区 abs(hashCode(transactional.id)) % 该值，该分区的 leader 就是它的事务协调者。",
    },
    ConfigDef {
        key: "transaction.state.log.replication.factor",
        scope: ConfigScope::Broker,
        kind: ConfigKind::IntAtLeast(1),
        default: "3",
        doc_en: "Replication factor of __transaction_state (created at the first FindCoordinator for a transactional.id).",
        doc_zh: "__transaction_state 的副本数（在第一次为 transactional.id 查找协调者时创建）。",
    },
    ConfigDef {
        key: "transaction.state.log.min.isr",
        scope: ConfigScope::Broker,
        kind: ConfigKind::IntAtLeast(1),
        default: "2",
        doc_en: "min.insync.replicas of __transaction_state: transaction state writes need this many in-sync replicas.",
        doc_zh: "__transaction_state 的 min.insync.replicas：写事务状态需要这么多同步副本。",
    },
    ConfigDef {
        key: "transaction.max.timeout.ms",
        scope: ConfigScope::Broker,
        kind: ConfigKind::IntAtLeast(1),
        default: "900000",
        doc_en: "The largest transaction.timeout.ms a producer may ask for; a larger one fails InitProducerId with INVALID_TRANSACTION_TIMEOUT.",
        doc_zh: "producer 可以请求的最大 transaction.timeout.ms；更大的值会让 InitProducerId 失败，返回 INVALID_TRANSACTION_TIMEOUT。",
    },
    ConfigDef {
        key: "transaction.abort.timed.out.transaction.cleanup.interval.ms",
        scope: ConfigScope::Broker,
        kind: ConfigKind::IntAtLeast(1),
        default: "10000",
        doc_en: "How often the transaction coordinator looks for transactions open longer than their timeout and aborts them.",
        doc_zh: "事务协调者多久检查一次超时未结束的事务并中止它们。",
    },
    ConfigDef {
        key: "isolation.level",
        scope: ConfigScope::Consumer,
        kind: ConfigKind::OneOf(&["read_uncommitted", "read_committed"]),
        default: "read_uncommitted",
        doc_en: "read_uncommitted reads up to the high watermark, aborted transactions included; read_committed reads only up to the last stable offset and skips records of aborted transactions.",
        doc_zh: "read_uncommitted 读到高水位，包括已中止事务的消息；read_committed 只读到最后稳定位移（LSO），并跳过已中止事务的消息。",
    },
    ConfigDef {
        key: "kplay.output.topic",
        scope: ConfigScope::Consumer,
        kind: ConfigKind::Text,
        default: "",
        doc_en: "Playground: consume-transform-produce — every processed record is produced (same key, value + \" processed\") to this topic by the application's own producer.",
        doc_zh: "练习场：消费-转换-生产——每条处理过的消息由应用自己的 producer 写到这个主题（key 不变，value 加上 \" processed\"）。",
    },
    ConfigDef {
        key: "transactional.id",
        scope: ConfigScope::Consumer,
        kind: ConfigKind::Text,
        default: "",
        doc_en: "Playground: the transactional.id of the consume-transform-produce application's producer. With it, each poll() batch is one transaction: the output records and the consumed offsets (sendOffsetsToTransaction) commit or abort together.",
        doc_zh: "练习场：消费-转换-生产应用中 producer 的 transactional.id。设置后每次 poll() 的一批就是一个事务：输出消息和消费位移（sendOffsetsToTransaction）一起提交或一起中止。",
    },
    ConfigDef {
        key: "transaction.timeout.ms",
        scope: ConfigScope::Consumer,
        kind: ConfigKind::IntAtLeast(1),
        default: "60000",
        doc_en: "Playground: transaction.timeout.ms of the consume-transform-produce application's transactional producer (how long a crashed application's open transaction blocks read_committed readers).",
        doc_zh: "练习场：消费-转换-生产应用中事务型 producer 的 transaction.timeout.ms（崩溃的应用留下的未完成事务会阻塞 read_committed 读者多久）。",
    },
    ConfigDef {
        key: "kplay.delivery.semantics",
        scope: ConfigScope::Consumer,
        kind: ConfigKind::OneOf(&["none", "at-most-once", "at-least-once", "exactly-once"]),
        default: "none",
        doc_en: "Playground preset: at-most-once = enable.auto.commit=false + commitSync() right after poll(), before processing; at-least-once = enable.auto.commit=false + process, then commitSync(); exactly-once = a transactional consume-transform-produce loop (needs kplay.output.topic; transactional.id defaults to the consumer's name; isolation.level=read_committed; offsets committed with sendOffsetsToTransaction); none = the configs as given.",
        doc_zh: "练习场预设：at-most-once = enable.auto.commit=false + poll() 之后、处理之前立即 commitSync()；at-least-once = enable.auto.commit=false + 先处理再 commitSync()；exactly-once = 事务型的消费-转换-生产循环（需要 kplay.output.topic；transactional.id 默认为消费者名字；isolation.level=read_committed；位移通过 sendOffsetsToTransaction 提交）；none = 按给定配置。",
    },
    ConfigDef {
        key: "default.api.timeout.ms",
        scope: ConfigScope::Consumer,
        kind: ConfigKind::IntAtLeast(0),
        default: "60000",
        doc_en: "How long blocking consumer calls such as commitSync() keep retrying before they throw TimeoutException.",
        doc_zh: "commitSync() 等阻塞调用持续重试的最长时间，超时后抛出 TimeoutException。",
    },
    ConfigDef {
        key: "kplay.dlq.topic",
        scope: ConfigScope::Consumer,
        kind: ConfigKind::Text,
        default: "",
        doc_en: "Playground: a dead-letter topic — a record whose processing fails (kplay.fail.keys) is produced here instead of the output topic, and its offset is committed so the consumer moves on.",
        doc_zh: "练习场：死信主题——处理失败的消息（kplay.fail.keys）被写到这里而不是输出主题，并提交其位移，消费者得以继续。",
    },
    ConfigDef {
        key: "kplay.fail.keys",
        scope: ConfigScope::Consumer,
        kind: ConfigKind::Text,
        default: "",
        doc_en: "Playground: comma-separated record keys whose processing fails (a poison message) — they go to kplay.dlq.topic.",
        doc_zh: "练习场：处理会失败的消息 key（逗号分隔，即“毒丸消息”）——它们会进入 kplay.dlq.topic。",
    },
    ConfigDef {
        key: "sim.network.latency.min.ms",
        scope: ConfigScope::Simulation,
        kind: ConfigKind::IntAtLeast(0),
        default: "2",
        doc_en: "Simulation only: the shortest one-way network delay.",
        doc_zh: "仅模拟：单向网络延迟的最小值。",
    },
    ConfigDef {
        key: "sim.network.latency.max.ms",
        scope: ConfigScope::Simulation,
        kind: ConfigKind::IntAtLeast(0),
        default: "6",
        doc_en: "Simulation only: the longest one-way network delay.",
        doc_zh: "仅模拟：单向网络延迟的最大值。",
    },
];

/// Finds a config definition by key in the given scope.
pub fn config_def(scope: ConfigScope, key: &str) -> Option<&'static ConfigDef> {
    CONFIG_DEFS
        .iter()
        .find(|d| d.scope == scope && d.key == key)
}

/// A config error with Kafka's wording.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigError {
    pub key: String,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Validates one value against its definition, returning the normalised value.
pub fn validate(scope: ConfigScope, key: &str, value: &str) -> Result<String, ConfigError> {
    let Some(def) = config_def(scope, key) else {
        let known: Vec<&str> = CONFIG_DEFS
            .iter()
            .filter(|d| d.scope == scope)
            .map(|d| d.key)
            .collect();
        return Err(ConfigError {
            key: key.to_string(),
            message: format!(
                "Unknown {} configuration '{key}'. Known keys: {}",
                scope_name(scope),
                known.join(", ")
            ),
        });
    };
    let bad = |why: String| ConfigError {
        key: key.to_string(),
        message: format!("Invalid value {value} for configuration {key}: {why}"),
    };
    let v = value.trim();
    match def.kind {
        ConfigKind::IntAtLeast(min) => {
            let n: i64 = v
                .parse()
                .map_err(|_| bad("Not a number of type INT".to_string()))?;
            if n < min {
                return Err(bad(format!("Value must be at least {min}")));
            }
            Ok(n.to_string())
        }
        ConfigKind::OneOf(options) => {
            if options.contains(&v) {
                Ok(v.to_string())
            } else {
                Err(bad(format!(
                    "String must be one of: {}",
                    options.join(", ")
                )))
            }
        }
        ConfigKind::Bool => match v.to_ascii_lowercase().as_str() {
            "true" | "false" => Ok(v.to_ascii_lowercase()),
            _ => Err(bad("Expected value to be either true or false".to_string())),
        },
        ConfigKind::VoterList => {
            parse_voters(v).map_err(bad)?;
            Ok(v.to_string())
        }
        ConfigKind::Roles => {
            parse_roles(v).map_err(bad)?;
            Ok(v.to_string())
        }
        ConfigKind::PartitionRules => {
            parse_partition_rules(v).map_err(bad)?;
            Ok(v.trim().to_string())
        }
        ConfigKind::Text => Ok(v.to_string()),
        ConfigKind::AssignorList => {
            crate::assignor::parse_strategy(v).map_err(bad)?;
            Ok(v.to_string())
        }
        ConfigKind::ServerAssignorList => {
            crate::server_assignor::parse_assignors(v).map_err(bad)?;
            Ok(v.to_string())
        }
        ConfigKind::Ratio => match crate::segment::parse_ratio(v) {
            None if v.starts_with('-') => Err(bad("Value must be at least 0.0".to_string())),
            None => Err(bad("Not a number of type DOUBLE".to_string())),
            Some(r) if r > crate::segment::RATIO_ONE => {
                Err(bad("Value must be no more than 1.0".to_string()))
            }
            Some(_) => Ok(v.to_string()),
        },
    }
}

/// Parses `controller.quorum.voters` (Kafka: `QuorumConfig.parseVoterConnections`) into
/// `(id, host, port)` entries.
pub fn parse_voters(v: &str) -> Result<Vec<(u32, String, u16)>, String> {
    let mut out: Vec<(u32, String, u16)> = vec![];
    for entry in v.split(',').map(str::trim) {
        let bad = || {
            format!(
                "Invalid voter '{entry}': expected {{id}}@{{host}}:{{port}}, e.g. 1@kafka-1:9093"
            )
        };
        let (id, hostport) = entry.split_once('@').ok_or_else(bad)?;
        let id: u32 = id.trim().parse().map_err(|_| bad())?;
        let (host, port) = hostport.rsplit_once(':').ok_or_else(bad)?;
        let port: u16 = port.parse().map_err(|_| bad())?;
        if host.is_empty() {
            return Err(bad());
        }
        if out.iter().any(|(i, _, _)| *i == id) {
            return Err(format!("Voter id {id} appears more than once"));
        }
        out.push((id, host.to_string(), port));
    }
    Ok(out)
}

/// Parses `kplay.partitioner.rules`: `prefix:partition` pairs, in order. An empty string is no
/// rules. The prefix may be empty (matches every key).
pub fn parse_partition_rules(v: &str) -> Result<Vec<(String, u32)>, String> {
    let mut out = vec![];
    if v.trim().is_empty() {
        return Ok(out);
    }
    for rule in v.split(',') {
        let rule = rule.trim();
        let (prefix, part) = rule
            .rsplit_once(':')
            .ok_or_else(|| format!("Rule '{rule}' must look like prefix:partition, e.g. vip-:0"))?;
        let part: u32 = part
            .trim()
            .parse()
            .map_err(|_| format!("Rule '{rule}': '{part}' is not a partition number"))?;
        if prefix.len() > 64 {
            return Err(format!(
                "Rule '{rule}': the prefix is longer than 64 characters"
            ));
        }
        out.push((prefix.to_string(), part));
    }
    if out.len() > 32 {
        return Err("At most 32 rules".into());
    }
    Ok(out)
}

/// Parses `process.roles` (Kafka: `KafkaConfig.parseProcessRoles`): (broker, controller).
pub fn parse_roles(v: &str) -> Result<(bool, bool), String> {
    let (mut broker, mut controller) = (false, false);
    for role in v.split(',').map(str::trim) {
        let seen = match role {
            "broker" => std::mem::replace(&mut broker, true),
            "controller" => std::mem::replace(&mut controller, true),
            other => {
                return Err(format!(
                "Unknown process role '{other}' (only 'broker' and 'controller' are allowed roles)"
            ))
            }
        };
        if seen {
            return Err(format!(
                "Duplicate role names found in `process.roles`: {v}"
            ));
        }
    }
    Ok((broker, controller))
}

fn scope_name(scope: ConfigScope) -> &'static str {
    match scope {
        ConfigScope::Broker => "broker",
        ConfigScope::Topic => "topic",
        ConfigScope::Producer => "producer",
        ConfigScope::Simulation => "simulation",
        ConfigScope::Consumer => "consumer",
    }
}

/// A validated set of `key = value` overrides for one scope, with defaults filled in on read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Configs {
    pub overrides: BTreeMap<String, String>,
}

impl Configs {
    /// Validates every entry; the first error wins (in key order, so the message is stable).
    pub fn from_map(
        scope: ConfigScope,
        map: &BTreeMap<String, String>,
    ) -> Result<Self, ConfigError> {
        let mut out = BTreeMap::new();
        for (k, v) in map {
            out.insert(k.clone(), validate(scope, k, v)?);
        }
        Ok(Configs { overrides: out })
    }

    /// The value of `key`: the override if set, else Kafka's default.
    pub fn get(&self, scope: ConfigScope, key: &str) -> String {
        self.overrides
            .get(key)
            .cloned()
            .or_else(|| config_def(scope, key).map(|d| d.default.to_string()))
            .unwrap_or_default()
    }

    /// A boolean config (already validated).
    pub fn get_bool(&self, scope: ConfigScope, key: &str) -> bool {
        self.get(scope, key) == "true"
    }

    /// An integer config (already validated, so parsing cannot fail for known keys).
    pub fn get_u64(&self, scope: ConfigScope, key: &str) -> u64 {
        self.get(scope, key).parse::<i64>().unwrap_or(0).max(0) as u64
    }
}

/// `acks`, as the broker sees it: 0, 1 or -1 (all).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Acks {
    #[serde(rename = "0")]
    Zero,
    #[serde(rename = "1")]
    One,
    All,
}

impl Acks {
    /// Parses a validated `acks` value (`-1` is a synonym of `all`).
    pub fn parse(v: &str) -> Option<Acks> {
        match v {
            "0" => Some(Acks::Zero),
            "1" => Some(Acks::One),
            "all" | "-1" => Some(Acks::All),
            _ => None,
        }
    }
}

impl std::fmt::Display for Acks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Acks::Zero => "0",
            Acks::One => "1",
            Acks::All => "all",
        })
    }
}

/// Broker-wide settings, read once from validated configs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerSettings {
    pub replica_lag_time_max_ticks: u64,
    pub replica_fetch_wait_max_ticks: u64,
    pub replica_fetch_backoff_ticks: u64,
    /// `replica.fetch.max.bytes` (bytes, not ticks).
    #[serde(default)]
    pub replica_fetch_max_bytes: u64,
    pub broker_session_timeout_ticks: u64,
    pub broker_heartbeat_interval_ticks: u64,
    pub latency_ticks_min: u64,
    pub latency_ticks_max: u64,
    /// Cluster default of `unclean.leader.election.enable`.
    pub unclean_leader_election: bool,
    pub auto_leader_rebalance: bool,
    pub leader_imbalance_check_interval_ticks: u64,
    /// `controller.quorum.*` timings.
    pub quorum: crate::raft::QuorumSettings,
    /// The controller quorum's voter ids (`controller.quorum.voters`), sorted.
    pub voters: Vec<u32>,
    /// The broker's `log.*` defaults that topic configs override.
    #[serde(default)]
    pub log_defaults: Configs,
    /// `log.retention.check.interval.ms`.
    #[serde(default = "default_retention_check")]
    pub log_retention_check_interval_ticks: u64,
    /// `log.cleaner.backoff.ms`.
    #[serde(default = "default_cleaner_backoff")]
    pub log_cleaner_backoff_ticks: u64,
}

fn default_retention_check() -> u64 {
    300_000
}

fn default_cleaner_backoff() -> u64 {
    15_000
}

impl BrokerSettings {
    /// Reads the broker and simulation settings (defaults where not overridden).
    pub fn from_configs(broker: &Configs, sim: &Configs) -> Self {
        let b = |k| ticks_from_ms(broker.get_u64(ConfigScope::Broker, k));
        let s = |k| ticks_from_ms(sim.get_u64(ConfigScope::Simulation, k));
        let (lo, hi) = (
            s("sim.network.latency.min.ms"),
            s("sim.network.latency.max.ms"),
        );
        BrokerSettings {
            replica_lag_time_max_ticks: b("replica.lag.time.max.ms"),
            replica_fetch_wait_max_ticks: b("replica.fetch.wait.max.ms"),
            replica_fetch_backoff_ticks: b("replica.fetch.backoff.ms"),
            replica_fetch_max_bytes: broker.get_u64(ConfigScope::Broker, "replica.fetch.max.bytes"),
            broker_session_timeout_ticks: b("broker.session.timeout.ms"),
            broker_heartbeat_interval_ticks: b("broker.heartbeat.interval.ms"),
            latency_ticks_min: lo.min(hi),
            latency_ticks_max: hi.max(lo),
            unclean_leader_election: broker
                .get_bool(ConfigScope::Broker, "unclean.leader.election.enable"),
            auto_leader_rebalance: broker
                .get_bool(ConfigScope::Broker, "auto.leader.rebalance.enable"),
            quorum: crate::raft::QuorumSettings {
                election_timeout: b("controller.quorum.election.timeout.ms"),
                fetch_timeout: b("controller.quorum.fetch.timeout.ms"),
                election_backoff_max: b("controller.quorum.election.backoff.max.ms"),
                request_timeout: b("controller.quorum.request.timeout.ms"),
            },
            voters: vec![],
            log_defaults: Configs {
                overrides: broker
                    .overrides
                    .iter()
                    .filter(|(k, _)| k.starts_with("log."))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            },
            log_retention_check_interval_ticks: b("log.retention.check.interval.ms"),
            log_cleaner_backoff_ticks: b("log.cleaner.backoff.ms"),
            leader_imbalance_check_interval_ticks: ticks_from_ms(
                broker.get_u64(
                    ConfigScope::Broker,
                    "leader.imbalance.check.interval.seconds",
                ) * 1000,
            ),
        }
    }
}

impl Default for BrokerSettings {
    fn default() -> Self {
        Self::from_configs(&Configs::default(), &Configs::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kafka_wording_for_bad_values() {
        let e = validate(ConfigScope::Topic, "min.insync.replicas", "0").unwrap_err();
        assert_eq!(
            e.message,
            "Invalid value 0 for configuration min.insync.replicas: Value must be at least 1"
        );
        let e = validate(ConfigScope::Producer, "acks", "2").unwrap_err();
        assert_eq!(
            e.message,
            "Invalid value 2 for configuration acks: String must be one of: all, -1, 0, 1"
        );
        assert!(validate(ConfigScope::Topic, "min.insync.replica", "2")
            .unwrap_err()
            .message
            .contains("Unknown topic configuration"));
        assert_eq!(validate(ConfigScope::Producer, "acks", "-1").unwrap(), "-1");
    }

    #[test]
    fn defaults_are_kafkas() {
        let c = Configs::default();
        assert_eq!(c.get(ConfigScope::Producer, "acks"), "all");
        assert_eq!(
            c.get_u64(ConfigScope::Broker, "replica.lag.time.max.ms"),
            30000
        );
        assert_eq!(
            c.get_u64(ConfigScope::Broker, "broker.session.timeout.ms"),
            9000
        );
    }
}
