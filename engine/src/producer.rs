//! Producer clients, step by step as the notes' 7-step flow: `send()` → (serializer) →
//! partitioner → a batch in the accumulator → the sender → the leader appends and replicates →
//! the acknowledgement completes every record of the batch.
//!
//! Ported from the Java client:
//! - partitioning: `BuiltInPartitioner.partitionForKey` (murmur2), uniform sticky partitioning
//!   for keyless records (KIP-480/794: about `batch.size` bytes per partition, never a partition
//!   without a leader), `RoundRobinPartitioner`, `partitioner.ignore.keys`, an explicit partition;
//! - `RecordAccumulator`: one deque of batches per partition, `batch.size` bytes per batch
//!   (`DefaultRecord.sizeInBytes` + the 61-byte `RecordBatch` header), a batch is ready when it
//!   is full, when another batch waits behind it, when it has lingered `linger.ms`, or when its
//!   retry backoff is over; a retried batch goes back to the front (in sequence order for an
//!   idempotent producer, `insertInSequenceOrder`);
//! - `Sender`: at most `max.in.flight.requests.per.connection` requests per broker, a partition
//!   is muted while its batch is in flight when that is 1 (`guaranteeMessageOrder`); retriable
//!   errors are retried up to `retries` times with exponential backoff (`retry.backoff.ms`
//!   doubling to `retry.backoff.max.ms`, ±20 % jitter, KIP-580) within `delivery.timeout.ms`;
//!   `NOT_LEADER_OR_FOLLOWER` and disconnects refresh metadata first; batches that outlive
//!   `delivery.timeout.ms` expire ("Expiring N record(s) for …");
//! - idempotence (`TransactionManager`): `InitProducerId`, a sequence number per partition
//!   assigned when a batch is first drained, retries keep their sequence, an
//!   `OUT_OF_ORDER_SEQUENCE_NUMBER` is retried while an earlier batch is unresolved
//!   (`canRetry`), a fatal failure bumps the epoch and resets sequences (KIP-360);
//! - `ProducerConfig.postProcessAndValidateIdempotenceConfigs`: explicit `enable.idempotence=true`
//!   with `acks` ≠ all, `retries`=0 or more than 5 in flight is a `ConfigException` with Kafka's
//!   message; if not explicit, idempotence is silently off in those cases.
//!
//! Simplifications (stated in the UI): a Produce request carries one partition's batch (Kafka
//! packs every ready partition of a broker into one request); metadata is refreshed from the
//! committed cluster image after `retry.backoff.ms` instead of by a Metadata request; no
//! `buffer.memory` back-pressure, no compression yet.

use crate::config::{ticks_from_ms, Acks, ConfigScope, Configs};
use crate::errors::KafkaError;
use crate::events::{EventKind, ProduceOutcome};
use crate::ids::{BatchId, BrokerId, NodeAddr, Offset, ProduceId, RequestId, Tick, TopicPartition};
use crate::kraft::Controller;
use crate::log::NewRecord;
use crate::network::{Ctx, Rpc, WireBatch};
use crate::partitioner::partition_for_key;
use crate::rng::Rng;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

pub mod perf_test;
pub mod txn;
pub use perf_test::{PerfStats, PerfTest, PERF_RECORD};
pub use txn::{TxnClientState, TxnManager};

/// Kafka: `DefaultRecordBatch.RECORD_BATCH_OVERHEAD`.
pub const RECORD_BATCH_OVERHEAD: u64 = 61;

/// The `partitioner.class` value of Kafka's round-robin partitioner.
pub const ROUND_ROBIN_PARTITIONER: &str = "org.apache.kafka.clients.producer.RoundRobinPartitioner";

fn varint_size(v: i64) -> u64 {
    // Zig-zag, then 7 bits per byte (Kafka: `ByteUtils.sizeOfVarint` / `sizeOfVarlong`).
    let mut z = ((v << 1) ^ (v >> 63)) as u64;
    let mut n = 1;
    while z >= 0x80 {
        z >>= 7;
        n += 1;
    }
    n
}

/// Kafka: `DefaultRecord.sizeInBytes(offsetDelta, timestampDelta, key, value, headers=[])`.
pub fn record_size(offset_delta: u64, key: Option<&str>, value: Option<&str>) -> u64 {
    let mut body = 1 + varint_size(0) + varint_size(offset_delta as i64);
    body += match key {
        Some(k) => varint_size(k.len() as i64) + k.len() as u64,
        None => varint_size(-1),
    };
    body += match value {
        Some(v) => varint_size(v.len() as i64) + v.len() as u64,
        None => varint_size(-1), // a null value (tombstone)
    };
    body += varint_size(0);
    body + varint_size(body as i64)
}

/// Client defaults to start a producer from: Kafka's Java client (3.0+) or kafka-python.
pub fn preset(name: &str) -> Option<BTreeMap<String, String>> {
    let pairs: &[(&str, &str)] = match name {
        // Java client defaults since 3.0 (4.0: linger.ms 5).
        "java" => &[
            ("acks", "all"),
            ("enable.idempotence", "true"),
            ("retries", "2147483647"),
            ("max.in.flight.requests.per.connection", "5"),
            ("linger.ms", "5"),
        ],
        // kafka-python 2.x defaults.
        "kafka-python" => &[
            ("acks", "1"),
            ("enable.idempotence", "false"),
            ("retries", "0"),
            ("max.in.flight.requests.per.connection", "5"),
            ("linger.ms", "0"),
        ],
        _ => return None,
    };
    Some(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

/// Kafka: `ProducerConfig.postProcessAndValidateIdempotenceConfigs` and the
/// `delivery.timeout.ms` check of `KafkaProducer.configureDeliveryTimeout`.
pub fn validate_producer_configs(c: &Configs) -> Result<(), String> {
    let get = |k: &str| c.get_u64(ConfigScope::Producer, k);
    let explicit_idempotence = c.overrides.get("enable.idempotence").map(|v| v == "true");
    if explicit_idempotence == Some(true) {
        if get("max.in.flight.requests.per.connection") > 5 {
            return Err("Must set max.in.flight.requests.per.connection to at most 5 to use the idempotent producer.".into());
        }
        if get("retries") == 0 {
            return Err("Must set retries to non-zero when using the idempotent producer.".into());
        }
        if Acks::parse(&c.get(ConfigScope::Producer, "acks")) != Some(Acks::All) {
            return Err("Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence.".into());
        }
    }
    // Kafka: idempotence is validated first (and silently turned off when not explicit), then
    // `transactional.id` requires it.
    let idempotent = Settings::from(c).idempotent;
    if !c.get(ConfigScope::Producer, "transactional.id").is_empty() && !idempotent {
        return Err("Cannot set a transactional.id without also enabling idempotence.".into());
    }
    if c.overrides.contains_key("delivery.timeout.ms")
        && get("delivery.timeout.ms") < get("linger.ms") + get("request.timeout.ms")
    {
        return Err(
            "delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms"
                .into(),
        );
    }
    Ok(())
}

/// A transaction manager when `transactional.id` is set.
fn txn_manager(c: &Configs) -> Option<TxnManager> {
    let id = c.get(ConfigScope::Producer, "transactional.id");
    (!id.is_empty()).then(|| {
        TxnManager::new(
            id,
            c.get_u64(ConfigScope::Producer, "transaction.timeout.ms"),
        )
    })
}

/// The producer configs the hot paths read, parsed once per config change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Settings {
    acks: Acks,
    idempotent: bool,
    linger: u64,
    batch_size: u64,
    max_in_flight: u64,
    retries: u64,
    retry_backoff_ms: u64,
    retry_backoff_max_ms: u64,
    request_timeout: u64,
    delivery_timeout: u64,
    metadata_max_age: u64,
    ignore_keys: bool,
    round_robin: bool,
    /// `kplay.partitioner.rules`.
    rules: Vec<(String, u32)>,
    codec: crate::compression::Codec,
    buffer_memory: u64,
    max_block: u64,
}

impl Settings {
    fn from(c: &Configs) -> Self {
        let num = |k: &str| c.get_u64(ConfigScope::Producer, k);
        let ticks = |k: &str| ticks_from_ms(num(k));
        let acks = Acks::parse(&c.get(ConfigScope::Producer, "acks")).unwrap_or(Acks::All);
        let idempotent = match c.overrides.get("enable.idempotence").map(String::as_str) {
            Some("true") => true,
            Some(_) => false,
            // Kafka 3.0+: on by default unless the other configs conflict with it.
            None => {
                acks == Acks::All
                    && num("retries") > 0
                    && num("max.in.flight.requests.per.connection") <= 5
            }
        };
        Settings {
            acks,
            idempotent,
            linger: ticks("linger.ms"),
            batch_size: num("batch.size"),
            max_in_flight: num("max.in.flight.requests.per.connection").max(1),
            retries: num("retries"),
            retry_backoff_ms: num("retry.backoff.ms"),
            retry_backoff_max_ms: num("retry.backoff.max.ms"),
            request_timeout: ticks("request.timeout.ms"),
            delivery_timeout: ticks("delivery.timeout.ms"),
            metadata_max_age: ticks("metadata.max.age.ms"),
            ignore_keys: c.get_bool(ConfigScope::Producer, "partitioner.ignore.keys"),
            round_robin: c.get(ConfigScope::Producer, "partitioner.class")
                == ROUND_ROBIN_PARTITIONER,
            rules: crate::config::parse_partition_rules(
                &c.get(ConfigScope::Producer, "kplay.partitioner.rules"),
            )
            .unwrap_or_default(),
            buffer_memory: num("buffer.memory"),
            max_block: ticks("max.block.ms"),
            codec: crate::compression::Codec::parse(
                &c.get(ConfigScope::Producer, "compression.type"),
            )
            .unwrap_or(crate::compression::Codec::None),
        }
    }
}

/// One producer client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Producer {
    pub name: String,
    pub configs: Configs,
    settings: Settings,
    /// Uniform sticky partitioner state per topic: (current partition, bytes produced to it).
    sticky: BTreeMap<String, (u32, u64)>,
    /// `RoundRobinPartitioner` counters per topic.
    round_robin: BTreeMap<String, u32>,
    /// (producer id, epoch) of an idempotent producer, once `InitProducerId` answered.
    pub producer_id: Option<(u64, u16)>,
    init_sent_at: Option<Tick>,
    init_target: usize,
    /// A fatal idempotent failure: bump the epoch once nothing is in flight (KIP-360).
    bump_epoch: bool,
    next_sequence: BTreeMap<TopicPartition, i32>,
    last_acked_sequence: BTreeMap<TopicPartition, i32>,
    /// The accumulator: per partition, batches waiting to be sent, oldest first.
    pub accumulator: BTreeMap<TopicPartition, VecDeque<BatchId>>,
    /// Requests in flight per broker connection.
    pub in_flight: BTreeMap<BrokerId, BTreeSet<RequestId>>,
    /// The producer's metadata cache: partition leaders and partition counts.
    leaders: BTreeMap<TopicPartition, Option<BrokerId>>,
    partition_counts: BTreeMap<String, u32>,
    metadata_refresh_at: Option<Tick>,
    /// `metadata.max.age.ms`: the next periodic refresh.
    metadata_expires_at: Tick,
    /// `buffer.memory` taken by batches not yet completed (Kafka: `BufferPool`).
    #[serde(default)]
    pub allocated: u64,
    /// `send()` calls blocked on `buffer.memory`, oldest first.
    #[serde(default)]
    blocked: VecDeque<BlockedSend>,
    /// A `kafka-producer-perf-test` running on this producer (the last one, once finished).
    #[serde(default)]
    pub perf: Option<PerfTest>,
    /// The transaction manager, with `transactional.id`.
    #[serde(default)]
    pub txn: Option<TxnManager>,
}

/// A `send()` waiting for `buffer.memory` (its partition already chosen).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct BlockedSend {
    id: ProduceId,
    partition: u32,
    how: String,
    deadline: Tick,
}

impl Producer {
    pub fn new(name: String, configs: Configs) -> Self {
        let txn = txn_manager(&configs);
        Producer {
            name,
            settings: Settings::from(&configs),
            configs,
            sticky: BTreeMap::new(),
            round_robin: BTreeMap::new(),
            producer_id: None,
            init_sent_at: None,
            init_target: 0,
            bump_epoch: false,
            next_sequence: BTreeMap::new(),
            last_acked_sequence: BTreeMap::new(),
            accumulator: BTreeMap::new(),
            in_flight: BTreeMap::new(),
            leaders: BTreeMap::new(),
            partition_counts: BTreeMap::new(),
            metadata_refresh_at: None,
            metadata_expires_at: Tick(0),
            allocated: 0,
            blocked: VecDeque::new(),
            perf: None,
            txn,
        }
    }

    /// Replaces the configs (already validated; `transactional.id` cannot change).
    pub fn set_configs(&mut self, configs: Configs) {
        self.settings = Settings::from(&configs);
        self.configs = configs;
    }

    pub fn acks(&self) -> Acks {
        self.settings.acks
    }

    /// Whether idempotence is on: explicitly, or by default unless the configs conflict with it.
    pub fn idempotent(&self) -> bool {
        self.settings.idempotent
    }

    /// Copies the committed leaders of `topic` into the metadata cache.
    fn refresh_topic(&mut self, image: &Controller, topic: &str) {
        let Some(meta) = image.topics.get(topic) else {
            return;
        };
        self.partition_counts
            .insert(topic.to_string(), meta.partitions);
        for p in 0..meta.partitions {
            let tp = TopicPartition::new(topic, p);
            let leader = image.partitions.get(&tp).and_then(|s| s.leader);
            self.leaders.insert(tp, leader);
        }
    }

    fn refresh_all(&mut self, image: &Controller, now: Tick) {
        self.metadata_expires_at = Tick(now.0 + self.settings.metadata_max_age);
        let topics: Vec<String> = self.partition_counts.keys().cloned().collect();
        for t in topics {
            self.refresh_topic(image, &t);
        }
    }

    fn leader(&self, tp: &TopicPartition) -> Option<BrokerId> {
        self.leaders.get(tp).copied().flatten()
    }

    fn request_metadata(&mut self, now: Tick) {
        let at = Tick(now.0 + ticks_from_ms(self.settings.retry_backoff_ms).max(1));
        self.metadata_refresh_at = Some(self.metadata_refresh_at.map_or(at, |t| t.min(at)));
    }
}

/// Where a produce call stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CallState {
    /// `send()` is blocked waiting for `buffer.memory`.
    Blocked,
    /// In a batch (in the accumulator, in flight, or backing off before a retry).
    Batched {
        batch: BatchId,
    },
    Done {
        outcome: ProduceOutcome,
        at: Tick,
    },
}

/// One `send()`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProduceCall {
    pub id: ProduceId,
    pub producer: String,
    pub tp: TopicPartition,
    pub acks: Acks,
    pub key: Option<Arc<str>>,
    /// `None`: a tombstone (null value).
    pub value: Option<Arc<str>>,
    pub created_at: Tick,
    pub state: CallState,
}

impl ProduceCall {
    /// A `send()` just made; callers set its state.
    #[allow(clippy::too_many_arguments)]
    fn new(
        id: ProduceId,
        producer: &str,
        tp: TopicPartition,
        acks: Acks,
        key: Option<Arc<str>>,
        value: Option<Arc<str>>,
        created_at: Tick,
    ) -> Self {
        ProduceCall {
            id,
            producer: producer.to_string(),
            tp,
            acks,
            key,
            value,
            created_at,
            state: CallState::Blocked,
        }
    }
}

/// One `ProducerBatch`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProducerBatch {
    pub id: BatchId,
    pub producer: String,
    pub tp: TopicPartition,
    pub records: Vec<ProduceId>,
    pub bytes: u64,
    pub created_at: Tick,
    /// How many times it has been sent.
    pub attempts: u32,
    pub base_sequence: Option<i32>,
    /// Backing off until then before the next attempt.
    pub retry_at: Option<Tick>,
    /// The request carrying it now, and to whom.
    pub in_flight: Option<(RequestId, BrokerId)>,
    pub done: bool,
    /// Its encoded size with `compression.type` (set when it is first sent with a codec).
    #[serde(default)]
    pub compressed_bytes: Option<u64>,
    /// The `buffer.memory` it holds until it completes.
    #[serde(default)]
    pub allocated: u64,
    /// When its perf-test records ([`PERF_RECORD`]) were handed to `send()`: (tick, count) runs.
    #[serde(default)]
    pub perf_sends: Vec<(Tick, u32)>,
}

impl ProducerBatch {
    /// A new, empty batch holding `allocated` bytes of `buffer.memory`.
    fn new(id: BatchId, producer: &str, tp: TopicPartition, now: Tick, allocated: u64) -> Self {
        ProducerBatch {
            id,
            producer: producer.to_string(),
            tp,
            records: vec![],
            bytes: RECORD_BATCH_OVERHEAD,
            created_at: now,
            attempts: 0,
            base_sequence: None,
            retry_at: None,
            in_flight: None,
            done: false,
            compressed_bytes: None,
            allocated,
            perf_sends: vec![],
        }
    }
}

/// A produce request waiting for its answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InFlightRequest {
    pub producer: String,
    pub batch: BatchId,
    pub to: BrokerId,
    pub deadline: Tick,
}

/// Running totals for the producer metrics.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProduceStats {
    pub ok: u64,
    pub failed: u64,
    pub latency_ms_sum: u64,
    pub latency_ms_last: u64,
    pub latency_ms_max: u64,
    pub requests: u64,
    pub records_sent: u64,
    pub bytes_sent: u64,
    /// The same batches before compression.
    #[serde(default)]
    pub uncompressed_bytes_sent: u64,
    pub retries: u64,
}

/// All clients of the simulation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clients {
    pub producers: BTreeMap<String, Producer>,
    pub calls: BTreeMap<ProduceId, ProduceCall>,
    pub batches: BTreeMap<BatchId, ProducerBatch>,
    pub requests: BTreeMap<RequestId, InFlightRequest>,
    pub stats: ProduceStats,
    next_id: u64,
    next_batch: u64,
    next_request: u64,
}

impl Clients {
    /// `producer.send(record)`: partitioner, then the accumulator. Errors that Java's `send()`
    /// throws synchronously come back as `Err`.
    #[allow(clippy::too_many_arguments)]
    pub fn produce(
        &mut self,
        ctx: &mut Ctx,
        rng: &mut Rng,
        image: &Controller,
        alive: &[BrokerId],
        producer: &str,
        topic: &str,
        partition: Option<u32>,
        key: Option<String>,
        value: Option<String>,
    ) -> Result<ProduceId, (KafkaError, String)> {
        let key: Option<Arc<str>> = key.map(Arc::from);
        let value: Option<Arc<str>> = value.map(Arc::from);
        let Some(p) = self.producers.get_mut(producer) else {
            return Err((
                KafkaError::ConfigException,
                format!("No producer named '{producer}'"),
            ));
        };
        Self::txn_before_send(p)?;
        if !p.partition_counts.contains_key(topic) {
            // The first send to a topic waits for its metadata (max.block.ms); instant here.
            if p.partition_counts.is_empty() {
                p.metadata_expires_at = Tick(ctx.now.0 + p.settings.metadata_max_age);
            }
            p.refresh_topic(image, topic);
        }
        let Some(&n) = p.partition_counts.get(topic) else {
            return Err((
                KafkaError::UnknownTopicOrPartition,
                format!("Topic {topic} not present in metadata after 60000 ms."),
            ));
        };
        let size = record_size(0, key.as_deref(), value.as_deref());
        let ignore_keys = p.settings.ignore_keys;
        let round_robin = p.settings.round_robin;
        // The custom partitioner (a rule table) decides first for keys it matches.
        let ruled = key.as_deref().and_then(|k| {
            p.settings
                .rules
                .iter()
                .find(|(prefix, _)| k.starts_with(prefix.as_str()))
                .map(|(_, part)| *part)
        });
        let partition = match (partition, ruled) {
            (None, Some(part)) if part >= n => {
                // Kafka: KafkaProducer.partition rejects what a custom partitioner returns out of range.
                return Err((KafkaError::InvalidPartitions, format!("Invalid partition given with record: {part} is not in the range [0...{n}).")));
            }
            (None, Some(part)) => {
                return self.accumulate(
                    ctx,
                    image,
                    alive,
                    producer,
                    topic,
                    part,
                    "custom rule",
                    key,
                    value,
                    None,
                )
            }
            (p, _) => p,
        };
        let (partition, how) = match (partition, &key) {
            (Some(part), _) if part >= n => {
                return Err((KafkaError::InvalidPartitions, format!("Invalid partition given with record: {part} is not in the range [0...{n}).")));
            }
            (Some(part), _) => (part, "explicit"),
            _ if round_robin => (round_robin_partition(p, topic, n), "round-robin"),
            (None, Some(k)) if !ignore_keys => (partition_for_key(k.as_bytes(), n), "murmur2"),
            _ => {
                let mut key = TopicPartition::new(topic, 0);
                (sticky_partition(p, rng, &mut key, n, size), "sticky")
            }
        };
        self.accumulate(
            ctx, image, alive, producer, topic, partition, how, key, value, None,
        )
    }

    /// The accumulator step of `send()`: the record joins the partition's open batch or a new one.
    #[allow(clippy::too_many_arguments)]
    fn accumulate(
        &mut self,
        ctx: &mut Ctx,
        image: &Controller,
        alive: &[BrokerId],
        producer: &str,
        topic: &str,
        partition: u32,
        how: &str,
        key: Option<Arc<str>>,
        value: Option<Arc<str>>,
        // A blocked send being admitted: its id and original send time.
        existing: Option<(ProduceId, Tick)>,
    ) -> Result<ProduceId, (KafkaError, String)> {
        let Some(p) = self.producers.get_mut(producer) else {
            return Err((
                KafkaError::ConfigException,
                format!("No producer named '{producer}'"),
            ));
        };
        let tp = TopicPartition::new(topic, partition);
        Self::txn_after_send(p, &tp);
        let (id, created_at) = match existing {
            Some(x) => x,
            None => {
                self.next_id += 1;
                (ProduceId(self.next_id), ctx.now)
            }
        };
        // Append to the last batch of the partition if it is open and has room.
        let batch_size = p.settings.batch_size;
        let deque = p.accumulator.entry(tp.clone()).or_default();
        let open = deque.back().copied().filter(|b| {
            self.batches.get(b).is_some_and(|b| {
                b.attempts == 0
                    && b.in_flight.is_none()
                    && b.bytes
                        + record_size(b.records.len() as u64, key.as_deref(), value.as_deref())
                        <= batch_size.max(b.bytes)
            })
        });
        // Kafka: a new batch takes max(batch.size, record) bytes from `BufferPool`; when there is
        // not enough (or older sends are already waiting), send() blocks up to max.block.ms.
        let alloc = batch_size
            .max(RECORD_BATCH_OVERHEAD + record_size(0, key.as_deref(), value.as_deref()));
        let must_wait = (open.is_none() && p.allocated + alloc > p.settings.buffer_memory)
            || (existing.is_none() && !p.blocked.is_empty());
        if must_wait {
            if existing.is_some() {
                return Err((KafkaError::BufferExhausted, "still waiting".into()));
            }
            let available = p.settings.buffer_memory.saturating_sub(p.allocated);
            p.blocked.push_back(BlockedSend {
                id,
                partition,
                how: how.to_string(),
                deadline: Tick(ctx.now.0 + p.settings.max_block),
            });
            ctx.emit(EventKind::SendBlocked {
                id,
                producer: producer.to_string(),
                tp: tp.clone(),
                needed: alloc,
                available,
            });
            let call = ProduceCall::new(id, producer, tp, p.acks(), key, value, created_at);
            self.calls.insert(
                id,
                ProduceCall {
                    state: CallState::Blocked,
                    ..call
                },
            );
            return Ok(id);
        }
        let batch_id = match open {
            Some(b) => b,
            None => {
                p.allocated += alloc;
                self.next_batch += 1;
                let b = BatchId(self.next_batch);
                self.batches.insert(
                    b,
                    ProducerBatch::new(b, producer, tp.clone(), ctx.now, alloc),
                );
                deque.push_back(b);
                b
            }
        };
        if let Some(b) = self.batches.get_mut(&batch_id) {
            b.bytes += record_size(b.records.len() as u64, key.as_deref(), value.as_deref());
            b.records.push(id);
        }
        ctx.emit(EventKind::RecordAccumulated {
            id,
            producer: producer.to_string(),
            tp: tp.clone(),
            key: key.as_deref().map(str::to_string),
            batch: batch_id,
            partitioner: how.to_string(),
        });
        let call = ProduceCall::new(id, producer, tp, p.acks(), key, value, created_at);
        let state = CallState::Batched { batch: batch_id };
        self.calls.insert(id, ProduceCall { state, ..call });
        // A batch that is ready now (full, queued behind another, or linger.ms = 0) goes out on
        // this same tick; otherwise the next tick's sender pass sends it.
        let ready_now = self.producers.get(producer).is_some_and(|p| {
            p.settings.linger == 0
                || p.accumulator
                    .get(&self.calls[&id].tp)
                    .is_some_and(|d| d.len() > 1)
                || self
                    .batches
                    .get(&batch_id)
                    .is_some_and(|b| b.bytes >= p.settings.batch_size)
        });
        if ready_now {
            self.run_sender(ctx, image, alive, producer);
        }
        Ok(id)
    }

    /// Every tick: metadata refresh, expiry, InitProducerId, and sending ready batches.
    /// `alive`: brokers whose port accepts connections (a crashed broker refuses them at once,
    /// so the sender never sends to it and refreshes its metadata instead).
    pub fn on_tick(&mut self, ctx: &mut Ctx, image: &Controller, alive: &[BrokerId]) {
        let now = ctx.now;
        // Only producers with something to do: batches, requests in flight, a refresh due.
        let names: Vec<String> = self
            .producers
            .values()
            .filter(|p| {
                p.accumulator.values().any(|d| !d.is_empty())
                    || p.in_flight.values().any(|s| !s.is_empty())
                    || p.metadata_refresh_at.is_some_and(|t| now >= t)
                    || (now >= p.metadata_expires_at && !p.partition_counts.is_empty())
                    || !p.blocked.is_empty()
                    || p.perf.as_ref().is_some_and(|t| !t.finished)
                    || p.txn.as_ref().is_some_and(|t| t.busy())
            })
            .map(|p| p.name.clone())
            .collect();
        for name in names {
            self.expire(ctx, &name);
            self.admit_blocked(ctx, image, alive, &name);
            self.perf_tick(ctx, &name);
            self.txn_tick(ctx, image, alive, &name);
            self.run_sender(ctx, image, alive, &name);
        }
    }

    /// Blocked sends: fail those past `max.block.ms`, admit the oldest while memory allows.
    fn admit_blocked(&mut self, ctx: &mut Ctx, image: &Controller, alive: &[BrokerId], name: &str) {
        let now = ctx.now;
        loop {
            let Some(p) = self.producers.get_mut(name) else {
                return;
            };
            let Some(front) = p.blocked.front().cloned() else {
                return;
            };
            let Some(call) = self.calls.get(&front.id).cloned() else {
                p.blocked.pop_front();
                continue;
            };
            if now >= front.deadline {
                p.blocked.pop_front();
                // Kafka: `BufferPool.allocate` → BufferExhaustedException.
                let total = p.settings.buffer_memory;
                let available = total.saturating_sub(p.allocated);
                let size = p.settings.batch_size.max(
                    RECORD_BATCH_OVERHEAD
                        + record_size(0, call.key.as_deref(), call.value.as_deref()),
                );
                let ms = p.settings.max_block * crate::config::MS_PER_TICK;
                let message = format!("Failed to allocate {size} bytes within the configured max blocking time {ms} ms. Total memory: {total} bytes. Available memory: {available} bytes. Poolable size: {} bytes", p.settings.batch_size);
                self.complete(
                    ctx,
                    front.id,
                    ProduceOutcome::Err {
                        error: KafkaError::BufferExhausted,
                        message,
                    },
                );
                continue;
            }
            let admitted = self.accumulate(
                ctx,
                image,
                alive,
                name,
                &call.tp.topic,
                front.partition,
                &front.how,
                call.key.clone(),
                call.value.clone(),
                Some((front.id, call.created_at)),
            );
            if admitted.is_err() {
                return;
            }
            if let Some(p) = self.producers.get_mut(name) {
                p.blocked.pop_front();
            }
        }
    }

    /// Kafka: `Sender.sendProducerData` — ready partitions, drain, send.
    fn run_sender(&mut self, ctx: &mut Ctx, image: &Controller, alive: &[BrokerId], name: &str) {
        let now = ctx.now;
        let Some(p) = self.producers.get_mut(name) else {
            return;
        };
        if p.metadata_refresh_at.is_some_and(|t| now >= t)
            || (now >= p.metadata_expires_at && !p.partition_counts.is_empty())
        {
            p.metadata_refresh_at = None;
            p.refresh_all(image, now);
        }
        let idempotent = p.idempotent();
        if idempotent {
            if p.bump_epoch && p.in_flight.values().all(|s| s.is_empty()) {
                // KIP-360: a fresh epoch, sequences start over at 0 on every partition.
                p.bump_epoch = false;
                if let Some((id, epoch)) = p.producer_id {
                    p.producer_id = Some((id, epoch.wrapping_add(1)));
                    ctx.emit(EventKind::ProducerIdAssigned {
                        producer: name.to_string(),
                        producer_id: id,
                        producer_epoch: epoch.wrapping_add(1),
                    });
                }
                p.next_sequence.clear();
                p.last_acked_sequence.clear();
                for deque in p.accumulator.values() {
                    for b in deque {
                        if let Some(b) = self.batches.get_mut(b) {
                            b.base_sequence = None;
                        }
                    }
                }
            }
            if p.producer_id.is_none() && p.txn.is_some() {
                return; // initTransactions() gets the id from the transaction coordinator
            }
            if p.producer_id.is_none() {
                let timeout = p.settings.request_timeout;
                let due = p.init_sent_at.is_none_or(|t| now.0 >= t.0 + timeout);
                let has_data = p.accumulator.values().any(|d| !d.is_empty());
                if due && has_data {
                    let brokers: Vec<BrokerId> = image
                        .registrations
                        .iter()
                        .filter(|(b, r)| !r.fenced && alive.contains(b))
                        .map(|(b, _)| *b)
                        .collect();
                    if !brokers.is_empty() {
                        let to = brokers[p.init_target % brokers.len()];
                        p.init_target += 1;
                        p.init_sent_at = Some(now);
                        ctx.send(
                            NodeAddr::Client(name.to_string()),
                            NodeAddr::Broker(to),
                            Rpc::InitProducerId,
                        );
                    }
                }
                return;
            }
        }
        let linger = p.settings.linger;
        let batch_size = p.settings.batch_size;
        let max_in_flight = p.settings.max_in_flight as usize;
        let acks = p.acks();
        let mut to_send: Vec<(BatchId, BrokerId)> = vec![];
        let mut need_metadata = false;
        let mut in_flight_count: BTreeMap<BrokerId, usize> =
            p.in_flight.iter().map(|(b, s)| (*b, s.len())).collect();
        // Per partition: how many of its batches are in flight, and their lowest sequence.
        let mut partition_in_flight: BTreeMap<&TopicPartition, (usize, Option<i32>)> =
            BTreeMap::new();
        for b in p
            .in_flight
            .values()
            .flatten()
            .filter_map(|r| self.requests.get(r))
            .filter_map(|r| self.batches.get(&r.batch))
            .filter(|x| !x.done)
        {
            let e = partition_in_flight.entry(&b.tp).or_insert((0, None));
            e.0 += 1;
            if let Some(s) = b.base_sequence {
                e.1 = Some(e.1.map_or(s, |m: i32| m.min(s)));
            }
        }
        for (tp, deque) in &p.accumulator {
            let Some(&head) = deque.front() else {
                continue;
            };
            let Some(b) = self.batches.get(&head) else {
                continue;
            };
            let ready = match b.retry_at {
                Some(t) => now >= t,
                None => {
                    deque.len() > 1 || b.bytes >= batch_size || now.0 >= b.created_at.0 + linger
                }
            };
            if !ready {
                continue;
            }
            // Kafka: `isSendToPartitionAllowed` — not before AddPartitionsToTxn added it.
            if p.txn.as_ref().is_some_and(|t| !t.send_allowed(tp)) {
                continue;
            }
            // Kafka: `NetworkClient.ready(node)` — no leader known, or its connection is refused:
            // the batch waits and metadata is refreshed.
            let Some(leader) = p.leader(tp).filter(|l| alive.contains(l)) else {
                need_metadata = true;
                continue;
            };
            let (tp_in_flight, lowest_seq) =
                partition_in_flight.get(tp).copied().unwrap_or((0, None));
            // max.in.flight = 1 without idempotence: one batch per partition at a time.
            if max_in_flight == 1 && tp_in_flight > 0 {
                continue;
            }
            // Idempotent retries go out in sequence order only.
            if idempotent {
                if let (Some(seq), Some(low)) = (b.base_sequence, lowest_seq) {
                    if low < seq {
                        continue;
                    }
                }
            }
            let count = in_flight_count.entry(leader).or_insert(0);
            if acks != Acks::Zero && *count >= max_in_flight {
                continue;
            }
            if acks != Acks::Zero {
                *count += 1;
            }
            to_send.push((head, leader));
        }
        if need_metadata {
            p.request_metadata(now);
        }
        for (batch, to) in to_send {
            self.send_batch(ctx, name, batch, to);
        }
    }

    /// Drains one batch into a Produce request (Kafka: `RecordAccumulator.drain` +
    /// `Sender.sendProduceRequest`).
    fn send_batch(&mut self, ctx: &mut Ctx, name: &str, batch_id: BatchId, to: BrokerId) {
        let Some(p) = self.producers.get_mut(name) else {
            return;
        };
        let acks = p.acks();
        let timeout = p.settings.request_timeout;
        let idempotent = p.idempotent();
        let transactional = p.txn.is_some();
        let Some(b) = self.batches.get_mut(&batch_id) else {
            return;
        };
        if let Some(deque) = p.accumulator.get_mut(&b.tp) {
            deque.retain(|x| *x != batch_id);
        }
        if idempotent && b.base_sequence.is_none() {
            let next = p.next_sequence.entry(b.tp.clone()).or_insert(0);
            b.base_sequence = Some(*next);
            *next = crate::log::increment_sequence(*next, b.records.len() as i32);
        }
        let codec = p.settings.codec;
        if codec != crate::compression::Codec::None && b.compressed_bytes.is_none() {
            // The real codec over the real record batch bytes (Kafka: the producer compresses a
            // batch once, when it is closed for sending).
            let perf = p.perf.as_ref().map(|t| t.payload.as_bytes());
            let owned: Vec<(Option<&[u8]>, &[u8])> = b
                .records
                .iter()
                .filter_map(|r| match self.calls.get(r) {
                    Some(c) => Some((
                        c.key.as_deref().map(str::as_bytes),
                        c.value.as_deref().unwrap_or("").as_bytes(),
                    )),
                    None => perf.filter(|_| *r == PERF_RECORD).map(|v| (None, v)),
                })
                .collect();
            let (pid, epoch) = p
                .producer_id
                .map_or((-1, -1), |(i, e)| (i as i64, e as i16));
            let encoded = crate::compression::encode_batch(
                &owned,
                codec,
                0,
                pid,
                epoch,
                b.base_sequence.unwrap_or(-1),
                (ctx.now.0 * crate::config::MS_PER_TICK) as i64,
            );
            b.compressed_bytes = Some(encoded.len() as u64);
        }
        b.attempts += 1;
        b.retry_at = None;
        self.next_request += 1;
        let request = RequestId(self.next_request);
        let producer = if idempotent {
            match (p.producer_id, b.base_sequence) {
                (Some((id, epoch)), Some(seq)) => Some((id, epoch, seq)),
                _ => None,
            }
        } else {
            None
        };
        let perf = p.perf.as_ref().map(|t| &t.payload);
        let records: Vec<NewRecord> = b
            .records
            .iter()
            .filter_map(|r| match self.calls.get(r) {
                Some(c) => Some(NewRecord {
                    key: c.key.clone(),
                    value: c.value.clone(),
                    produce_id: Some(c.id),
                }),
                None => perf.filter(|_| *r == PERF_RECORD).map(|v| NewRecord {
                    key: None,
                    value: Some(v.clone()),
                    produce_id: None,
                }),
            })
            .collect();
        let wire_bytes = b.compressed_bytes.unwrap_or(b.bytes);
        ctx.emit(EventKind::BatchSent {
            producer: name.to_string(),
            batch: batch_id,
            tp: b.tp.clone(),
            to,
            records: records.len() as u32,
            bytes: wire_bytes,
            attempt: b.attempts,
            base_sequence: producer.map(|x| x.2),
            acks,
        });
        self.stats.requests += 1;
        self.stats.records_sent += records.len() as u64;
        self.stats.bytes_sent += wire_bytes;
        self.stats.uncompressed_bytes_sent += b.bytes;
        let rpc = Rpc::Produce {
            request,
            tp: b.tp.clone(),
            acks,
            timeout_ticks: timeout,
            batch: WireBatch {
                producer,
                records,
                bytes: wire_bytes,
                codec,
                transactional,
            },
        };
        ctx.send(
            NodeAddr::Client(name.to_string()),
            NodeAddr::Broker(to),
            rpc,
        );
        if acks == Acks::Zero {
            // acks=0: nobody answers; every record completes at once with offset -1.
            b.done = true;
            p.allocated = p.allocated.saturating_sub(b.allocated);
            let ids = b.records.clone();
            for id in ids {
                self.complete(ctx, id, ProduceOutcome::Ok { offset: -1 });
            }
            if let Some(b) = self.batches.remove(&batch_id) {
                self.perf_complete(ctx, &b.producer, &b.perf_sends, false);
            }
            return;
        }
        b.in_flight = Some((request, to));
        p.in_flight.entry(to).or_default().insert(request);
        self.requests.insert(
            request,
            InFlightRequest {
                producer: name.to_string(),
                batch: batch_id,
                to,
                deadline: Tick(ctx.now.0 + timeout),
            },
        );
    }

    /// Batches older than `delivery.timeout.ms` fail; requests past `request.timeout.ms` fail
    /// (and may be retried).
    fn expire(&mut self, ctx: &mut Ctx, name: &str) {
        let now = ctx.now;
        let Some(p) = self.producers.get(name) else {
            return;
        };
        let delivery = p.settings.delivery_timeout;
        let timed_out: Vec<RequestId> = p
            .in_flight
            .values()
            .flatten()
            .copied()
            .filter(|r| self.requests.get(r).is_some_and(|x| now >= x.deadline))
            .collect();
        // Kafka: `RecordAccumulator.expiredBatches` — each deque from its front, stopping at the
        // first batch that has not reached `delivery.timeout.ms`.
        let mut expired: Vec<BatchId> = vec![];
        for deque in p.accumulator.values() {
            expired.extend(deque.iter().copied().take_while(|b| {
                self.batches
                    .get(b)
                    .is_some_and(|b| now.0 >= b.created_at.0 + delivery)
            }));
        }
        // In-flight batches expire too (Kafka: `getExpiredInflightBatches`); the late answer is
        // then ignored.
        expired.extend(
            p.in_flight
                .values()
                .flatten()
                .filter_map(|r| self.requests.get(r))
                .map(|r| r.batch)
                .filter(|b| {
                    self.batches
                        .get(b)
                        .is_some_and(|b| !b.done && now.0 >= b.created_at.0 + delivery)
                }),
        );
        for r in timed_out {
            let Some(req) = self.requests.get(&r) else {
                continue;
            };
            let msg = format!("Disconnected from node {} due to timeout", req.to.0);
            self.request_failed(ctx, r, KafkaError::RequestTimedOut, msg);
        }
        for b in expired {
            let Some(batch) = self.batches.get(&b).filter(|x| !x.done) else {
                continue;
            };
            let ms = (now.0 - batch.created_at.0) * crate::config::MS_PER_TICK;
            let msg = format!(
                "Expiring {} record(s) for {}:{ms} ms has passed since batch creation",
                batch.records.len(),
                batch.tp
            );
            self.fail_batch(ctx, b, KafkaError::RequestTimedOut, msg);
        }
    }

    /// The answer (or the loss) of a request: frees its in-flight slot, then the batch succeeds,
    /// is retried or fails.
    fn request_failed(&mut self, ctx: &mut Ctx, r: RequestId, error: KafkaError, msg: String) {
        let Some(req) = self.take_request(r) else {
            return;
        };
        if self.batches.get(&req.batch).is_some_and(|b| b.done) {
            // It expired while in flight: only the slot needed freeing.
            self.batches.remove(&req.batch);
            return;
        }
        self.batch_error(ctx, req.batch, error, msg);
    }

    fn take_request(&mut self, r: RequestId) -> Option<InFlightRequest> {
        let req = self.requests.remove(&r)?;
        if let Some(p) = self.producers.get_mut(&req.producer) {
            if let Some(s) = p.in_flight.get_mut(&req.to) {
                s.remove(&r);
            }
        }
        if let Some(b) = self.batches.get_mut(&req.batch) {
            if b.in_flight.is_some_and(|(x, _)| x == r) {
                b.in_flight = None;
            }
        }
        Some(req)
    }

    /// Kafka: `Sender.completeBatch` for an error — retry if allowed, else fail the records.
    fn batch_error(&mut self, ctx: &mut Ctx, batch_id: BatchId, error: KafkaError, msg: String) {
        let now = ctx.now;
        let Some(b) = self.batches.get(&batch_id).filter(|b| !b.done) else {
            return;
        };
        let Some(p) = self.producers.get_mut(&b.producer) else {
            return;
        };
        let idempotent = p.idempotent();
        if matches!(
            error,
            KafkaError::NotLeaderOrFollower
                | KafkaError::UnknownTopicOrPartition
                | KafkaError::LeaderNotAvailable
                | KafkaError::NetworkException
                | KafkaError::RequestTimedOut
        ) {
            p.request_metadata(now);
        }
        let retriable = match error {
            KafkaError::NotLeaderOrFollower
            | KafkaError::UnknownTopicOrPartition
            | KafkaError::LeaderNotAvailable
            | KafkaError::NetworkException
            | KafkaError::RequestTimedOut
            | KafkaError::NotEnoughReplicas
            | KafkaError::NotEnoughReplicasAfterAppend => true,
            // Kafka: `TransactionManager.canRetry` — an out-of-order batch is retried while an
            // earlier batch of the partition is still unresolved.
            KafkaError::OutOfOrderSequenceNumber => {
                idempotent
                    && b.base_sequence.is_some_and(|s| {
                        let acked = p.last_acked_sequence.get(&b.tp).copied().unwrap_or(-1);
                        s != crate::log::increment_sequence(acked, 1)
                    })
            }
            _ => false,
        };
        let retries = p.settings.retries;
        let delivery = p.settings.delivery_timeout;
        let within_delivery = now.0 < b.created_at.0 + delivery;
        if retriable && u64::from(b.attempts) <= retries && within_delivery {
            // KIP-580: retry.backoff.ms × 2^(attempts-1), capped, ±20 % jitter.
            let base = p.settings.retry_backoff_ms;
            let max = p.settings.retry_backoff_max_ms.max(base);
            let exp = base.saturating_mul(1u64 << (b.attempts.saturating_sub(1)).min(20));
            let backoff = exp.min(max);
            let jitter = (backoff / 5).max(1);
            let backoff_ms = backoff + ctx.rng.below(2 * jitter + 1) - jitter.min(backoff);
            let tp = b.tp.clone();
            let attempt = b.attempts;
            let seq = b.base_sequence;
            let producer = b.producer.clone();
            ctx.emit(EventKind::BatchRetrying {
                producer,
                batch: batch_id,
                tp: tp.clone(),
                error,
                attempt,
                backoff_ms,
            });
            self.stats.retries += 1;
            if let Some(b) = self.batches.get_mut(&batch_id) {
                b.retry_at = Some(Tick(now.0 + ticks_from_ms(backoff_ms)));
            }
            // Back to the front of its partition's deque (Kafka: `reenqueue`); an idempotent
            // batch goes before any batch with a higher sequence (`insertInSequenceOrder`).
            let deque = p.accumulator.entry(tp).or_default();
            let pos = if idempotent {
                deque
                    .iter()
                    .position(|x| {
                        self.batches.get(x).is_none_or(|o| {
                            o.base_sequence.is_none_or(|s| seq.is_some_and(|q| s > q))
                        })
                    })
                    .unwrap_or(deque.len())
            } else {
                0
            };
            deque.insert(pos, batch_id);
            return;
        }
        self.fail_batch(ctx, batch_id, error, msg);
    }

    fn fail_batch(&mut self, ctx: &mut Ctx, batch_id: BatchId, error: KafkaError, msg: String) {
        let Some(b) = self.batches.get_mut(&batch_id) else {
            return;
        };
        b.done = true;
        let ids = b.records.clone();
        let (tp, producer) = (b.tp.clone(), b.producer.clone());
        let alloc = b.allocated;
        // Its perf-test records are counted once, now; a late answer finds none.
        let perf_sends = std::mem::take(&mut b.perf_sends);
        if let Some(p) = self.producers.get_mut(&producer) {
            p.allocated = p.allocated.saturating_sub(alloc);
            if let Some(d) = p.accumulator.get_mut(&tp) {
                d.retain(|x| *x != batch_id);
            }
            if p.txn.is_some() {
                txn::txn_batch_failed(p, error, &msg);
            } else if p.idempotent() {
                p.bump_epoch = true;
            }
        }
        for id in ids {
            self.complete(
                ctx,
                id,
                ProduceOutcome::Err {
                    error,
                    message: msg.clone(),
                },
            );
        }
        self.perf_complete(ctx, &producer, &perf_sends, true);
        if b_in_flight(self, batch_id).is_none() {
            self.batches.remove(&batch_id);
        }
    }

    fn complete(&mut self, ctx: &mut Ctx, id: ProduceId, outcome: ProduceOutcome) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        if matches!(call.state, CallState::Done { .. }) {
            return;
        }
        call.state = CallState::Done {
            outcome: outcome.clone(),
            at: ctx.now,
        };
        let latency_ms = (ctx.now.0 - call.created_at.0) * crate::config::MS_PER_TICK;
        match outcome {
            ProduceOutcome::Ok { .. } => self.stats.ok += 1,
            ProduceOutcome::Err { .. } => self.stats.failed += 1,
        }
        self.stats.latency_ms_sum += latency_ms;
        self.stats.latency_ms_last = latency_ms;
        self.stats.latency_ms_max = self.stats.latency_ms_max.max(latency_ms);
        ctx.emit(EventKind::ProduceCompleted {
            id,
            producer: call.producer.clone(),
            tp: call.tp.clone(),
            acks: call.acks,
            outcome,
            latency_ms,
        });
    }

    /// A response (or a broken connection) reached a client.
    pub fn handle(&mut self, ctx: &mut Ctx, from: &NodeAddr, to: &NodeAddr, rpc: Rpc) {
        if let NodeAddr::Client(name) = to {
            if self.txn_handle(ctx, name, &rpc) {
                return;
            }
        }
        match rpc {
            Rpc::ProduceResponse {
                request, result, ..
            } => match result {
                Ok(Offset(base)) => {
                    let Some(req) = self.take_request(request) else {
                        return;
                    };
                    let Some(b) = self.batches.get_mut(&req.batch).filter(|b| !b.done) else {
                        self.batches.remove(&req.batch);
                        return;
                    };
                    b.done = true;
                    let ids = b.records.clone();
                    let (tp, seq, n) = (b.tp.clone(), b.base_sequence, b.records.len() as i32);
                    if let Some(p) = self.producers.get_mut(&req.producer) {
                        p.allocated = p.allocated.saturating_sub(b.allocated);
                    }
                    if let (Some(p), Some(seq)) = (self.producers.get_mut(&req.producer), seq) {
                        let last = crate::log::increment_sequence(seq, n - 1);
                        let e = p.last_acked_sequence.entry(tp).or_insert(-1);
                        *e = (*e).max(last);
                    }
                    for (i, id) in ids.into_iter().enumerate() {
                        let offset = (base + i as u64) as i64;
                        self.complete(ctx, id, ProduceOutcome::Ok { offset });
                    }
                    if let Some(b) = self.batches.remove(&req.batch) {
                        self.perf_complete(ctx, &b.producer, &b.perf_sends, false);
                    }
                }
                Err((error, message)) => self.request_failed(ctx, request, error, message),
            },
            Rpc::Disconnected {
                request: Some(r), ..
            } => {
                let node = self.requests.get(&r).map_or(0, |x| x.to.0);
                let msg = format!("Disconnected from node {node}");
                self.request_failed(ctx, r, KafkaError::NetworkException, msg);
            }
            Rpc::Disconnected { api, .. } if api == "InitProducerId" => {
                if let NodeAddr::Client(name) = to {
                    if let Some(p) = self.producers.get_mut(name) {
                        p.init_sent_at = None;
                    }
                }
            }
            Rpc::InitProducerIdResponse {
                producer_id,
                producer_epoch,
            } => {
                let NodeAddr::Client(name) = to else { return };
                let Some(p) = self.producers.get_mut(name) else {
                    return;
                };
                if p.producer_id.is_none() {
                    p.producer_id = Some((producer_id, producer_epoch));
                    ctx.emit(EventKind::ProducerIdAssigned {
                        producer: name.clone(),
                        producer_id,
                        producer_epoch,
                    });
                }
                let _ = from;
            }
            _ => {}
        }
    }
}

impl Clients {
    /// The producer's batches for the snapshot, oldest first.
    pub fn batch_views(&self, producer: &str, now: Tick) -> Vec<crate::snapshot::BatchView> {
        let Some(p) = self.producers.get(producer) else {
            return vec![];
        };
        let linger = p.settings.linger;
        let batch_size = p.settings.batch_size;
        self.batches
            .values()
            .filter(|b| b.producer == producer && !b.done)
            .map(|b| {
                let state = if b.in_flight.is_some() {
                    "in_flight"
                } else if b.retry_at.is_some_and(|t| now < t) {
                    "backoff"
                } else if b.attempts == 0 && b.bytes < batch_size && now.0 < b.created_at.0 + linger
                {
                    "accumulating"
                } else {
                    "ready"
                };
                crate::snapshot::BatchView {
                    id: b.id.0,
                    tp: b.tp.clone(),
                    records: b.records.len() as u32,
                    bytes: b.bytes,
                    state: state.to_string(),
                    attempts: b.attempts,
                    base_sequence: b.base_sequence,
                    age_ms: (now.0 - b.created_at.0.min(now.0)) * crate::config::MS_PER_TICK,
                    to: b.in_flight.map(|(_, to)| to),
                    compressed_bytes: b.compressed_bytes,
                }
            })
            .collect()
    }
}

fn b_in_flight(c: &Clients, b: BatchId) -> Option<(RequestId, BrokerId)> {
    c.batches.get(&b).and_then(|b| b.in_flight)
}

/// Kafka: `RoundRobinPartitioner.partition` — the next partition of the topic, among those with
/// a leader if any.
fn round_robin_partition(p: &mut Producer, topic: &str, n: u32) -> u32 {
    let counter = p.round_robin.entry(topic.to_string()).or_insert(0);
    let next = *counter;
    *counter = counter.wrapping_add(1);
    let available: Vec<u32> = (0..n)
        .filter(|&q| p.leader(&TopicPartition::new(topic, q)).is_some())
        .collect();
    let v = (next & 0x7fff_ffff) as usize;
    if available.is_empty() {
        (v % n as usize) as u32
    } else {
        available[v % available.len()]
    }
}

/// KIP-794 uniform sticky partitioning (`BuiltInPartitioner`): keep producing to one partition
/// until about `batch.size` bytes went there, then switch to a random partition that has a leader.
/// `key` is a scratch `TopicPartition` of the topic, reused for the leader lookups (no
/// allocation per record: the perf test calls this for every record).
fn sticky_partition(
    p: &mut Producer,
    rng: &mut Rng,
    key: &mut TopicPartition,
    n: u32,
    bytes: u64,
) -> u32 {
    let batch_size = p.settings.batch_size.max(1);
    let current = p.sticky.get(key.topic.as_str()).copied();
    let mut has_leader = |p: &Producer, part: u32| {
        key.partition = part;
        p.leader(key).is_some()
    };
    let keep = matches!(current, Some((part, used)) if used < batch_size && has_leader(p, part));
    let (part, used) = if keep {
        current.unwrap_or((0, 0))
    } else {
        let candidates: Vec<u32> = (0..n).filter(|&q| has_leader(p, q)).collect();
        let pick = if candidates.is_empty() {
            rng.below(n as u64) as u32
        } else {
            candidates[rng.below(candidates.len() as u64) as usize]
        };
        (pick, 0)
    };
    match p.sticky.get_mut(key.topic.as_str()) {
        Some(e) => *e = (part, used + bytes),
        None => {
            p.sticky.insert(key.topic.clone(), (part, used + bytes));
        }
    }
    part
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Kafka: `DefaultRecordTest` sizes — a record with a 3-byte key and 5-byte value at offset
    /// delta 0 takes 1 (attributes) + 1 + 1 + 1+3 + 1+5 + 1 = 14 body bytes + 1 length byte.
    #[test]
    fn record_sizes_follow_default_record() {
        assert_eq!(record_size(0, Some("key"), Some("value")), 15);
        assert_eq!(record_size(0, None, Some("value")), 12);
        assert_eq!(record_size(200, None, Some("")), 8);
        assert_eq!(
            record_size(0, Some("key"), None),
            10,
            "a tombstone's value is varint -1"
        );
    }

    fn cfg(pairs: &[(&str, &str)]) -> Configs {
        let m = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Configs::from_map(ConfigScope::Producer, &m).unwrap()
    }

    /// Kafka: `ProducerConfigTest` / `KafkaProducerTest.testIdempotenceConfigs…` messages.
    #[test]
    fn idempotence_configs_are_validated_like_producer_config() {
        let e = |pairs: &[(&str, &str)]| validate_producer_configs(&cfg(pairs)).err();
        assert_eq!(
            e(&[("enable.idempotence", "true"), ("acks", "1")]).as_deref(),
            Some("Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence.")
        );
        assert_eq!(
            e(&[("enable.idempotence", "true"), ("retries", "0")]).as_deref(),
            Some("Must set retries to non-zero when using the idempotent producer.")
        );
        assert_eq!(
            e(&[
                ("enable.idempotence", "true"),
                ("max.in.flight.requests.per.connection", "6")
            ])
            .as_deref(),
            Some("Must set max.in.flight.requests.per.connection to at most 5 to use the idempotent producer.")
        );
        assert_eq!(
            e(&[("acks", "1")]),
            None,
            "implicit idempotence just turns off"
        );
        assert!(!Producer::new("p".into(), cfg(&[("acks", "1")])).idempotent());
        assert!(Producer::new("p".into(), cfg(&[])).idempotent());
        assert_eq!(
            e(&[("delivery.timeout.ms", "1000"), ("request.timeout.ms", "30000")]).as_deref(),
            Some("delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms")
        );
    }
}
