//! Consumer clients of the classic group protocol, and the processing ledger.
//!
//! Each consumer has two halves, like Kafka's `KafkaConsumer` (classic protocol):
//! - the **application thread** calls `poll()` in a loop: poll drives the group membership
//!   (FindCoordinator, JoinGroup, SyncGroup), sets positions (OffsetFetch, `auto.offset.reset`
//!   via ListOffsets), fetches from partition leaders, auto-commits, and returns at most
//!   `max.poll.records` records; the application then processes them (`kplay.processing.ms.per.record`
//!   each) and, with `kplay.commit.mode`, commits (commitSync / commitAsync);
//! - the **heartbeat thread** (KIP-62) sends Heartbeat every `heartbeat.interval.ms` and leaves
//!   the group when poll() was not called for `max.poll.interval.ms`.
//!
//! Kafka: `ConsumerCoordinator`, `AbstractCoordinator` (+ `HeartbeatThread`), `Fetcher`,
//! `SubscriptionState`, `ConsumerConfig`.

use crate::assignor::{parse_strategy, Assignor, Subscription};
use crate::config::{ConfigScope, Configs};
use crate::errors::KafkaError;
use crate::events::EventKind;
use crate::group_coordinator::JoinProtocol;
use crate::ids::{BrokerId, NodeAddr, Offset, Tick, TopicPartition};
use crate::kraft::Controller;
use crate::log::Record;
use crate::network::{Ctx, Rpc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write as _;

pub mod commit;
pub mod seek;

pub mod group_consumer;

/// `kplay.commit.mode`: what the application does after processing a poll()'s records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommitMode {
    /// Nothing (only `enable.auto.commit`, if on).
    None,
    /// `commitSync()`: wait for the answer before the next poll().
    Sync,
    /// `commitAsync()`: fire and go on.
    Async,
}

/// Parsed `ConsumerConfig` values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerSettings {
    pub group_id: String,
    pub session_timeout_ms: u64,
    pub heartbeat_interval_ticks: u64,
    pub max_poll_interval_ms: u64,
    pub max_poll_records: u32,
    pub auto_offset_reset: String,
    pub enable_auto_commit: bool,
    pub auto_commit_interval_ticks: u64,
    pub assignors: Vec<Assignor>,
    pub retry_backoff_ticks: u64,
    pub retry_backoff_max_ticks: u64,
    pub request_timeout_ticks: u64,
    pub metadata_max_age_ticks: u64,
    pub poll_interval_ticks: u64,
    pub processing_ticks_per_record: u64,
    pub commit_mode: CommitMode,
    /// `kplay.commit.timing=before-processing`: the application commits right after poll()
    /// returns records, before processing them (at-most-once).
    #[serde(default)]
    pub commit_before_processing: bool,
    /// `kplay.commit.async.retry`: the OffsetCommitCallback re-sends a failed commitAsync().
    #[serde(default)]
    pub async_commit_retry: bool,
    /// `default.api.timeout.ms`: how long commitSync() retries.
    #[serde(default)]
    pub default_api_timeout_ticks: u64,
    /// `kplay.delivery.semantics`, if a preset set the configs above.
    #[serde(default)]
    pub semantics: Option<crate::delivery::Semantics>,
    /// `isolation.level=read_committed`.
    #[serde(default)]
    pub read_committed: bool,
    /// Consume-transform-produce: where processed records go, if anywhere.
    #[serde(default)]
    pub stream: Option<StreamSettings>,
}

/// A consume-transform-produce application (`kplay.output.topic`): its own producer writes
/// each processed record to the output topic (failures to `kplay.dlq.topic`), transactionally
/// with `transactional.id` (exactly-once) or with a plain idempotent producer (at-least-once).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamSettings {
    pub output_topic: String,
    pub dlq_topic: Option<String>,
    pub fail_keys: Vec<String>,
    pub transactional_id: Option<String>,
    pub transaction_timeout_ms: u64,
}

/// What the application asks its producer to do (carried out by the cluster, which owns the
/// producer clients).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AppAction {
    BeginTransaction,
    Send {
        topic: String,
        key: Option<std::sync::Arc<str>>,
        value: Option<std::sync::Arc<str>>,
        /// A record that failed processing, going to the dead-letter topic.
        dead_letter: Option<(TopicPartition, u64)>,
    },
    /// `sendOffsetsToTransaction(positions, groupMetadata)` then `commitTransaction()`.
    CommitTransaction {
        offsets: Vec<(TopicPartition, u64)>,
    },
}

/// The producer of a consume-transform-produce application.
pub fn app_producer_name(consumer: &str) -> String {
    format!("{consumer}-producer")
}

impl ConsumerSettings {
    /// Reads and cross-checks the configs (Kafka: `ConsumerConfig`, `GroupRebalanceConfig`).
    pub fn from_configs(c: &Configs) -> Result<Self, String> {
        // The delivery-semantics preset sets enable.auto.commit and the commit loop's keys.
        let semantics = crate::delivery::preset(c)?;
        let c = &crate::delivery::apply(c)?;
        let get = |k: &str| c.get(ConfigScope::Consumer, k);
        let n = |k: &str| c.get_u64(ConfigScope::Consumer, k);
        let t = |k: &str| crate::config::ticks_from_ms(n(k));
        let group_id = get("group.id");
        if group_id.is_empty() {
            // Kafka: KafkaConsumer.subscribe without a group id → InvalidGroupIdException.
            return Err("To use the group management or offset commit APIs, you must provide a valid group.id in the consumer configuration.".into());
        }
        // Kafka: Heartbeat / GroupRebalanceConfig.
        if n("heartbeat.interval.ms") >= n("session.timeout.ms") {
            return Err("Heartbeat must be set lower than the session timeout".into());
        }
        group_consumer::check_unsupported_configs(c)?;
        Ok(ConsumerSettings {
            group_id,
            session_timeout_ms: n("session.timeout.ms"),
            heartbeat_interval_ticks: t("heartbeat.interval.ms"),
            max_poll_interval_ms: n("max.poll.interval.ms"),
            max_poll_records: n("max.poll.records").max(1) as u32,
            auto_offset_reset: get("auto.offset.reset"),
            enable_auto_commit: c.get_bool(ConfigScope::Consumer, "enable.auto.commit"),
            auto_commit_interval_ticks: t("auto.commit.interval.ms").max(1),
            assignors: parse_strategy(&get("partition.assignment.strategy"))?,
            retry_backoff_ticks: t("retry.backoff.ms").max(1),
            retry_backoff_max_ticks: t("retry.backoff.max.ms").max(1),
            request_timeout_ticks: t("request.timeout.ms").max(1),
            metadata_max_age_ticks: t("metadata.max.age.ms").max(1),
            poll_interval_ticks: t("kplay.poll.interval.ms").max(1),
            processing_ticks_per_record: t("kplay.processing.ms.per.record"),
            commit_mode: match get("kplay.commit.mode").as_str() {
                "sync" => CommitMode::Sync,
                "async" => CommitMode::Async,
                _ => CommitMode::None,
            },
            commit_before_processing: get("kplay.commit.timing") == "before-processing",
            async_commit_retry: c.get_bool(ConfigScope::Consumer, "kplay.commit.async.retry"),
            default_api_timeout_ticks: t("default.api.timeout.ms"),
            semantics,
            read_committed: get("isolation.level") == "read_committed"
                || get("kplay.delivery.semantics") == "exactly-once",
            stream: stream_settings(c),
        })
        .map(|mut s: ConsumerSettings| {
            // Kafka: an exactly-once loop commits offsets only through the transaction.
            if s.stream
                .as_ref()
                .is_some_and(|x| x.transactional_id.is_some())
            {
                s.enable_auto_commit = false;
            }
            s
        })
    }
}

/// `kplay.output.topic` and friends. exactly-once makes the loop transactional; its
/// transactional.id defaults to the consumer's name (set when the consumer is added: each
/// instance needs its own id, KIP-447).
fn stream_settings(c: &Configs) -> Option<StreamSettings> {
    let get = |k: &str| c.get(ConfigScope::Consumer, k);
    let output_topic = get("kplay.output.topic");
    if output_topic.is_empty() {
        return None;
    }
    let exactly_once = get("kplay.delivery.semantics") == "exactly-once";
    let id = get("transactional.id");
    let transactional_id = match (id.is_empty(), exactly_once) {
        (false, _) => Some(id),
        (true, true) => Some(String::new()),
        (true, false) => None,
    };
    let dlq = get("kplay.dlq.topic");
    Some(StreamSettings {
        output_topic,
        dlq_topic: (!dlq.is_empty()).then_some(dlq),
        fail_keys: get("kplay.fail.keys")
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(str::to_string)
            .collect(),
        transactional_id,
        transaction_timeout_ms: c.get_u64(ConfigScope::Consumer, "transaction.timeout.ms"),
    })
}

/// Where the member is in the group protocol (Kafka: `AbstractCoordinator.MemberState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberState {
    Unjoined,
    PreparingRebalance,
    CompletingRebalance,
    Stable,
}

/// The application thread.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum App {
    /// Will call poll() at the tick.
    Idle { next_poll_at: Tick },
    /// Processing polled records one by one, as runs of consecutive offsets per partition
    /// (`(partition, first, last)`, inclusive); the front record finishes at `done_at`.
    Processing {
        records: VecDeque<(TopicPartition, u64, u64)>,
        done_at: Tick,
    },
    /// Blocked in commitSync() on request `request`.
    Committing { request: u64 },
    /// Inside commitSync() after a retriable failure: sends it again at `retry_at`
    /// (Kafka: `ConsumerCoordinator.commitOffsetsSync` sleeps `retry.backoff.ms`).
    CommitBackoff { retry_at: Tick },
    /// Consume-transform-produce, transactional: waiting for `commitTransaction()` (the
    /// producer had committed `committed_before` transactions when it was called).
    AwaitingTransaction { committed_before: u64 },
    /// Consume-transform-produce, at-least-once: `producer.flush()` before committing offsets.
    Flushing,
}

/// One consumer client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consumer {
    pub name: String,
    pub topics: Vec<String>,
    pub settings: ConsumerSettings,
    pub configs: BTreeMap<String, String>,
    pub alive: bool,
    /// Cleared by the StopPolling command: the application is stuck (poll() is not called).
    pub polling: bool,
    /// Set by an exception poll() threw (the application stopped).
    pub failed: Option<String>,
    pub coordinator: Option<BrokerId>,
    pub member_id: String,
    pub generation: i32,
    pub state: MemberState,
    pub rejoin_needed: bool,
    pub is_leader: bool,
    pub protocol: Option<String>,
    pub assignment: Vec<TopicPartition>,
    /// Partition counts the leader assigned with (Kafka: `assignmentSnapshot`).
    pub assignment_snapshot: Option<BTreeMap<String, u32>>,
    /// Partition counts of the subscribed topics as of the last metadata refresh.
    pub metadata: BTreeMap<String, u32>,
    pub metadata_refreshed_at: Tick,
    /// Next offset to return per assigned partition (`SubscriptionState.position`).
    pub positions: BTreeMap<TopicPartition, u64>,
    /// The group's committed offsets as last committed or fetched by this consumer.
    pub committed: BTreeMap<TopicPartition, u64>,
    /// Fetched records not yet returned by poll().
    pub buffer: BTreeMap<TopicPartition, VecDeque<Record>>,
    /// The offset after the last record of the latest fetch per partition: the position once
    /// the buffer is drained, past control records and aborted records that were skipped.
    #[serde(default)]
    pub fetched_end: BTreeMap<TopicPartition, u64>,
    /// Requests waiting for an answer, by key (`JoinGroup`, `Fetch orders-0`, …), with their
    /// deadline (`request.timeout.ms`).
    pub in_flight: BTreeMap<String, Tick>,
    pub next_find_at: Tick,
    pub next_heartbeat_at: Tick,
    pub next_auto_commit_at: Tick,
    pub last_poll: Tick,
    pub app: App,
    pub next_request: u64,
    /// Records processed (ledger entries written by this consumer).
    pub processed: u64,
    /// The last failure reported, so a retry loop reports each distinct failure once.
    #[serde(default)]
    pub last_notice: String,
    /// The last coordinator reported as found.
    #[serde(default)]
    pub last_coordinator: Option<BrokerId>,
    /// Consecutive coordinator failures, for the exponential backoff.
    #[serde(default)]
    pub failures: u32,
    /// The application's commits (commitSync / commitAsync) waiting for an answer, by request.
    #[serde(default)]
    pub pending_commits: BTreeMap<u64, commit::PendingCommit>,
    /// The commitSync() call the application is blocked in, if any.
    #[serde(default)]
    pub sync_commit: Option<commit::SyncCommit>,
    /// The newest application commit request that succeeded (to show out-of-order callbacks).
    #[serde(default)]
    pub last_commit_ok: u64,
    /// Partitions with a requested seekToBeginning (false) / seekToEnd (true) not yet resolved.
    #[serde(default)]
    pub reset_requests: BTreeMap<TopicPartition, bool>,
    /// commitAsync calls made while the coordinator was unknown, sent once it is found.
    #[serde(default)]
    pub queued_async: Vec<Vec<(TopicPartition, u64)>>,
    /// `group.protocol=consumer` (KIP-848): the membership; `None` for the classic protocol.
    #[serde(default)]
    pub membership: Option<group_consumer::Membership>,
    /// Consume-transform-produce: the key and value of each record being processed (in the
    /// order of `App::Processing`), and the producer actions not yet carried out.
    #[serde(default)]
    pub polled_values: VecDeque<(Option<std::sync::Arc<str>>, Option<std::sync::Arc<str>>)>,
    #[serde(default)]
    pub actions: Vec<AppAction>,
    /// The application's transactional producer is ready (initTransactions done): poll() may run.
    #[serde(default)]
    pub stream_ready: bool,
    /// Exactly-once (a transactional consume-transform-produce loop): runs of offsets processed
    /// in the open transaction. Their effects (output records, offsets) become visible only if
    /// the transaction commits, so the ledger counts them then ([`settle_transaction`]).
    #[serde(default)]
    pub txn_processed: Vec<(TopicPartition, u64, u64)>,
}

/// Every consumer plus the delivery ledger.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consumers {
    pub consumers: BTreeMap<String, Consumer>,
    /// group → partition → how many times a member processed the record at each offset (index =
    /// offset; one counter per record, so recording a processing is O(1)).
    pub ledger: BTreeMap<String, BTreeMap<TopicPartition, Vec<u32>>>,
    /// group → processings discarded because their transaction aborted (exactly-once).
    #[serde(default)]
    pub aborted: BTreeMap<String, u64>,
}

/// Exactly-once: the open transaction of `c`'s application ended. Committed: its processings
/// count in the group's ledger (their output and offsets are now visible to read_committed
/// readers and to the group). Aborted (or the application died with it open): they are
/// discarded and counted as aborted; the records will be processed again from the committed
/// offsets. Kafka: the effects of a consume-transform-produce iteration are atomic
/// (`KafkaProducer.sendOffsetsToTransaction` + `commitTransaction`, KIP-98).
pub fn settle_transaction(
    c: &mut Consumer,
    ledger: &mut BTreeMap<String, BTreeMap<TopicPartition, Vec<u32>>>,
    aborted: &mut BTreeMap<String, u64>,
    committed: bool,
) {
    let runs = std::mem::take(&mut c.txn_processed);
    if runs.is_empty() {
        return;
    }
    let group = &c.settings.group_id;
    if !committed {
        let n: u64 = runs.iter().map(|(_, f, l)| l - f + 1).sum();
        *aborted.entry(group.clone()).or_default() += n;
        return;
    }
    let counts = ledger.entry(group.clone()).or_default();
    for (tp, first, last) in runs {
        count_processed(counts, &tp, first, last);
    }
}

/// Adds one processing of offsets `first..=last` of `tp` to a group's ledger.
fn count_processed(
    ledger: &mut BTreeMap<TopicPartition, Vec<u32>>,
    tp: &TopicPartition,
    first: u64,
    last: u64,
) {
    let counts = match ledger.get_mut(tp) {
        Some(v) => v,
        None => ledger.entry(tp.clone()).or_default(),
    };
    if counts.len() <= last as usize {
        counts.resize(last as usize + 1, 0);
    }
    for n in &mut counts[first as usize..=last as usize] {
        *n += 1;
    }
}

fn key_fetch(tp: &TopicPartition) -> String {
    format!("Fetch {tp}")
}

impl Consumer {
    pub fn new(
        name: String,
        topics: Vec<String>,
        settings: ConsumerSettings,
        configs: BTreeMap<String, String>,
        now: Tick,
    ) -> Self {
        let membership = group_consumer::for_configs(&configs);
        Consumer {
            membership,
            name,
            topics,
            settings,
            configs,
            alive: true,
            polling: true,
            failed: None,
            coordinator: None,
            member_id: String::new(),
            generation: -1,
            state: MemberState::Unjoined,
            rejoin_needed: true,
            is_leader: false,
            protocol: None,
            assignment: vec![],
            assignment_snapshot: None,
            metadata: BTreeMap::new(),
            metadata_refreshed_at: Tick(0),
            positions: BTreeMap::new(),
            committed: BTreeMap::new(),
            buffer: BTreeMap::new(),
            fetched_end: BTreeMap::new(),
            in_flight: BTreeMap::new(),
            next_find_at: now,
            next_heartbeat_at: now,
            next_auto_commit_at: now,
            last_poll: now,
            app: App::Idle { next_poll_at: now },
            next_request: 0,
            processed: 0,
            last_notice: String::new(),
            last_coordinator: None,
            failures: 0,
            pending_commits: BTreeMap::new(),
            sync_commit: None,
            last_commit_ok: 0,
            reset_requests: BTreeMap::new(),
            queued_async: vec![],
            polled_values: VecDeque::new(),
            actions: vec![],
            stream_ready: false,
            txn_processed: Vec::new(),
        }
    }

    fn addr(&self) -> NodeAddr {
        NodeAddr::Client(self.name.clone())
    }

    fn group(&self) -> String {
        self.settings.group_id.clone()
    }

    /// `group.instance.id` (static membership), if set.
    pub fn instance_id(&self) -> Option<String> {
        self.configs
            .get("group.instance.id")
            .filter(|s| !s.trim().is_empty())
            .cloned()
    }

    fn send(&mut self, ctx: &mut Ctx, key: &str, to: BrokerId, rpc: Rpc, timeout: u64) {
        self.in_flight
            .insert(key.to_string(), Tick(ctx.now.0 + timeout));
        ctx.send(self.addr(), NodeAddr::Broker(to), rpc);
    }

    fn fail(&mut self, ctx: &mut Ctx, api: &str, error: KafkaError, action: &str) {
        let notice = format!("{api} {error} {action}");
        if notice == self.last_notice {
            return;
        }
        self.last_notice = notice;
        ctx.emit(EventKind::ConsumerRequestFailed {
            consumer: self.name.clone(),
            api: api.to_string(),
            error,
            action: action.to_string(),
        });
    }

    /// Kafka: `AbstractCoordinator.markCoordinatorUnknown`.
    fn coordinator_unknown(&mut self, ctx: &mut Ctx) {
        self.coordinator = None;
        self.next_find_at = Tick(ctx.now.0 + self.backoff());
        for k in [
            "JoinGroup",
            "SyncGroup",
            "Heartbeat",
            "OffsetFetch",
            "ConsumerGroupHeartbeat",
        ] {
            self.in_flight.remove(k);
        }
        if matches!(
            self.state,
            MemberState::PreparingRebalance | MemberState::CompletingRebalance
        ) {
            self.rejoin_needed = true;
        }
    }

    /// Kafka (KIP-580, 3.7+ for the consumer): `retry.backoff.ms` doubling per consecutive
    /// failure up to `retry.backoff.max.ms`.
    fn backoff(&mut self) -> u64 {
        self.failures = self.failures.saturating_add(1);
        let base = self.settings.retry_backoff_ticks;
        let max = self.settings.retry_backoff_max_ticks.max(base);
        base.saturating_mul(1u64 << (self.failures - 1).min(20))
            .min(max)
    }

    /// Kafka: `AbstractCoordinator.resetGenerationOnResponseError` / `resetStateAndGeneration`:
    /// the member id and generation are gone, and so are the partitions (onPartitionsLost).
    fn reset_generation(&mut self) {
        self.member_id.clear();
        self.generation = -1;
        self.state = MemberState::Unjoined;
        self.rejoin_needed = true;
        self.is_leader = false;
        self.lose_partitions();
    }

    fn lose_partitions(&mut self) {
        self.assignment.clear();
        self.positions.clear();
        self.reset_requests.clear();
        self.buffer.clear();
        self.fetched_end.clear();
        self.in_flight
            .retain(|k, _| !k.starts_with("Fetch ") && !k.starts_with("ListOffsets"));
        if let App::Processing { .. } = self.app {
            // The application finishes what it holds (records already returned by poll()).
        }
    }

    fn pick_broker(&self, alive: &[BrokerId], ctx: &mut Ctx) -> Option<BrokerId> {
        // Kafka: NetworkClient.leastLoadedNode — any reachable broker; chosen at random here.
        if alive.is_empty() {
            return None;
        }
        let i = ctx.rng.range_inclusive(0, alive.len() as u64 - 1) as usize;
        Some(alive[i])
    }

    fn refresh_metadata(&mut self, now: Tick, image: &Controller) {
        self.metadata = self
            .topics
            .iter()
            .filter_map(|t| image.topics.get(t).map(|m| (t.clone(), m.partitions)))
            .collect();
        self.metadata_refreshed_at = now;
    }

    fn protocols(&self) -> Vec<JoinProtocol> {
        let owned = self.assignment.clone();
        self.settings
            .assignors
            .iter()
            .map(|a| JoinProtocol {
                name: a.name().to_string(),
                topics: self.topics.clone(),
                // Kafka: the sticky assignors send the owned partitions (cooperative-sticky in
                // the subscription, sticky in its userData).
                owned: if matches!(a, Assignor::Sticky | Assignor::CooperativeSticky) {
                    owned.clone()
                } else {
                    vec![]
                },
                generation: self.generation,
            })
            .collect()
    }

    /// Whether the chosen protocol is cooperative (KIP-429).
    fn cooperative(&self) -> bool {
        crate::group_coordinator::assignor_of(self.protocol.as_deref())
            .is_some_and(|a| a.cooperative())
    }

    /// The application starts processing a poll()'s records.
    fn start_processing(&mut self, ctx: &Ctx, records: VecDeque<(TopicPartition, u64, u64)>) {
        self.app = if records.is_empty() {
            App::Idle {
                next_poll_at: ctx.now,
            }
        } else {
            App::Processing {
                records,
                done_at: Tick(ctx.now.0 + self.settings.processing_ticks_per_record),
            }
        };
    }

    fn consumed_offsets(&self) -> Vec<(TopicPartition, u64)> {
        self.assignment
            .iter()
            .filter_map(|tp| self.positions.get(tp).map(|o| (tp.clone(), *o)))
            .collect()
    }

    /// Sends an OffsetCommit of the current positions; returns the request id.
    fn commit(&mut self, ctx: &mut Ctx, offsets: Vec<(TopicPartition, u64)>) -> Option<u64> {
        let coordinator = self.coordinator?;
        if offsets.is_empty() {
            return None;
        }
        self.next_request += 1;
        let request = self.next_request;
        let rpc = Rpc::OffsetCommit {
            group: self.group(),
            generation: self.generation,
            member_id: self.member_id.clone(),
            request,
            offsets,
        };
        let timeout = self.settings.request_timeout_ticks;
        self.send(
            ctx,
            &format!("OffsetCommit #{request}"),
            coordinator,
            rpc,
            timeout,
        );
        Some(request)
    }
}

impl Consumers {
    pub fn is_empty(&self) -> bool {
        self.consumers.is_empty()
    }

    pub fn contains(&self, name: &str) -> bool {
        self.consumers.contains_key(name)
    }

    /// Both threads of every running consumer.
    pub fn on_tick(&mut self, ctx: &mut Ctx, image: &Controller, alive: &[BrokerId]) {
        if self.consumers.is_empty() {
            return;
        }
        for c in self.consumers.values_mut() {
            if !c.alive || c.failed.is_some() {
                continue;
            }
            expire_requests(c, ctx);
            if c.membership.is_some() {
                group_consumer::heartbeat_thread(c, ctx);
            } else {
                heartbeat_thread(c, ctx);
            }
            if c.polling {
                if !self.ledger.contains_key(&c.settings.group_id) {
                    self.ledger
                        .insert(c.settings.group_id.clone(), BTreeMap::new());
                }
                let ledger = self
                    .ledger
                    .get_mut(&c.settings.group_id)
                    .expect("inserted above");
                application_thread(c, ctx, image, alive, ledger);
            }
        }
    }

    /// A response (or disconnect) delivered to a consumer.
    pub fn handle(
        &mut self,
        ctx: &mut Ctx,
        to: &str,
        from: &NodeAddr,
        rpc: Rpc,
        image: &Controller,
    ) {
        let Some(c) = self.consumers.get_mut(to) else {
            return;
        };
        if !c.alive {
            return;
        }
        let from_broker = match from {
            NodeAddr::Broker(b) => Some(*b),
            _ => None,
        };
        // Kafka's poll(Duration) keeps working while answers come in (coordinator found, joined,
        // positions known, records fetched): a waiting application loop goes on at the next tick.
        if matches!(
            rpc,
            Rpc::FindCoordinatorResponse { .. }
                | Rpc::SyncGroupResponse { .. }
                | Rpc::OffsetFetchResponse { .. }
                | Rpc::ListOffsetsResponse { .. }
        ) || matches!(&rpc, Rpc::ConsumerFetchResponse { records, .. } if !records.is_empty())
        {
            if let App::Idle { next_poll_at } = &mut c.app {
                *next_poll_at = (*next_poll_at).min(Tick(ctx.now.0 + 1));
            }
        }
        match rpc {
            Rpc::FindCoordinatorResponse { result, .. } => {
                c.in_flight.remove("FindCoordinator");
                match result {
                    Ok(b) => {
                        c.coordinator = Some(b);
                        if c.last_coordinator != Some(b) {
                            c.last_coordinator = Some(b);
                            c.last_notice.clear();
                            ctx.emit(EventKind::CoordinatorDiscovered {
                                consumer: c.name.clone(),
                                group: c.group(),
                                coordinator: b,
                            });
                        }
                        // The heartbeat thread resumes with the new coordinator at once.
                        c.next_heartbeat_at = ctx.now;
                        commit::flush_queued(c, ctx);
                    }
                    Err(e) => {
                        c.next_find_at = Tick(ctx.now.0 + c.backoff());
                        c.fail(ctx, "FindCoordinator", e, "retrying after retry.backoff.ms");
                    }
                }
            }
            Rpc::JoinGroupResponse {
                error,
                generation,
                protocol,
                leader,
                member_id,
                members,
                ..
            } => {
                c.in_flight.remove("JoinGroup");
                on_join_response(
                    c, ctx, image, error, generation, protocol, leader, member_id, members,
                );
            }
            Rpc::SyncGroupResponse {
                error, assignment, ..
            } => {
                c.in_flight.remove("SyncGroup");
                on_sync_response(c, ctx, error, assignment);
            }
            Rpc::HeartbeatResponse { error, .. } => {
                c.in_flight.remove("Heartbeat");
                if error.is_none() {
                    c.failures = 0;
                    c.last_notice.clear();
                }
                on_heartbeat_response(c, ctx, error);
            }
            Rpc::LeaveGroupResponse { .. } => {}
            Rpc::ConsumerGroupHeartbeatResponse(r) => {
                if let App::Idle { next_poll_at } = &mut c.app {
                    *next_poll_at = (*next_poll_at).min(Tick(ctx.now.0 + 1));
                }
                group_consumer::on_response(c, ctx, r);
            }
            Rpc::OffsetCommitResponse {
                request,
                error,
                offsets,
                ..
            } => {
                c.in_flight.remove(&format!("OffsetCommit #{request}"));
                on_commit_response(c, ctx, request, error, offsets);
                if c.membership.is_some() {
                    group_consumer::heartbeat_thread(c, ctx);
                }
            }
            Rpc::OffsetFetchResponse { error, offsets, .. } => {
                c.in_flight.remove("OffsetFetch");
                if error == Some(KafkaError::UnstableOffsetCommit) {
                    // KIP-447: a transaction still holds offsets here; ask again on a later poll.
                    c.fail(
                        ctx,
                        "OffsetFetch",
                        KafkaError::UnstableOffsetCommit,
                        "retrying until the transaction completes",
                    );
                    return;
                }
                if let Some(e) = error {
                    c.fail(ctx, "OffsetFetch", e, "finding the coordinator again");
                    c.coordinator_unknown(ctx);
                    return;
                }
                for (tp, o) in offsets {
                    if !c.assignment.contains(&tp)
                        || c.positions.contains_key(&tp)
                        || c.reset_requests.contains_key(&tp)
                    {
                        continue;
                    }
                    match o {
                        Some(o) => {
                            c.committed.insert(tp.clone(), o);
                            set_position(c, ctx, tp, o, "committed offset of the group");
                        }
                        None => reset_position(c, ctx, image, tp),
                    }
                }
            }
            Rpc::ListOffsetsResponse { tp, result } => {
                c.in_flight.remove(&format!("ListOffsets {tp}"));
                match result {
                    Ok(o) if c.assignment.contains(&tp) && !c.positions.contains_key(&tp) => {
                        let why = seek::reset_source(c, &tp);
                        set_position(c, ctx, tp, o, &why);
                    }
                    Ok(_) => {}
                    Err(e) => c.fail(ctx, "ListOffsets", e, "retrying on the next poll()"),
                }
            }
            Rpc::ConsumerFetchResponse {
                tp,
                fetch_offset,
                error,
                records,
                aborted,
                ..
            } => {
                c.in_flight.remove(&key_fetch(&tp));
                if c.positions.get(&tp) != Some(&fetch_offset.0) {
                    return; // stale: the partition was revoked or the position moved
                }
                match error {
                    None => {
                        if let Some(last) = records.last() {
                            c.fetched_end.insert(tp.clone(), last.offset.0 + 1);
                        }
                        let read_committed = c.settings.read_committed;
                        let kept = filter_fetched(records, &aborted, read_committed);
                        c.buffer.entry(tp).or_default().extend(kept);
                    }
                    Some(KafkaError::OffsetOutOfRange) => {
                        c.positions.remove(&tp);
                        reset_position(c, ctx, image, tp);
                    }
                    Some(e) => {
                        // Kafka: the fetcher refreshes metadata and retries.
                        c.in_flight.insert(
                            key_fetch(&tp),
                            Tick(ctx.now.0 + c.settings.retry_backoff_ticks),
                        );
                        let _ = e;
                    }
                }
            }
            Rpc::Disconnected { api, tp, .. } => {
                let _ = from_broker;
                match api.as_str() {
                    "FindCoordinator" => {
                        c.in_flight.remove("FindCoordinator");
                        c.next_find_at = Tick(ctx.now.0 + c.settings.retry_backoff_ticks);
                    }
                    "Fetch" | "ListOffsets" => {
                        if let Some(tp) = tp {
                            c.in_flight.remove(&key_fetch(&tp));
                            c.in_flight.remove(&format!("ListOffsets {tp}"));
                        }
                    }
                    _ => {
                        c.fail(
                            ctx,
                            &api,
                            KafkaError::NetworkException,
                            "coordinator disconnected: finding it again",
                        );
                        c.coordinator_unknown(ctx);
                        commit::fail_in_flight(c, ctx, KafkaError::NetworkException);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Requests unanswered for `request.timeout.ms` (a lost envelope): treated like a disconnect.
fn expire_requests(c: &mut Consumer, ctx: &mut Ctx) {
    let now = ctx.now;
    let expired: Vec<String> = c
        .in_flight
        .iter()
        .filter(|(_, d)| now >= **d)
        .map(|(k, _)| k.clone())
        .collect();
    for k in expired {
        c.in_flight.remove(&k);
        if k.starts_with("Fetch ") || k.starts_with("ListOffsets") {
            continue;
        }
        if k == "FindCoordinator" {
            c.next_find_at = now;
            continue;
        }
        c.fail(
            ctx,
            k.split(' ').next().unwrap_or(&k),
            KafkaError::RequestTimedOut,
            "finding the coordinator again",
        );
        c.coordinator_unknown(ctx);
        if let Some(request) = commit::request_of(&k) {
            commit::outcome(c, ctx, request, Some(KafkaError::RequestTimedOut));
        }
    }
}

/// Kafka: `AbstractCoordinator.HeartbeatThread.run`.
fn heartbeat_thread(c: &mut Consumer, ctx: &mut Ctx) {
    let now = ctx.now;
    if c.generation < 0 || c.member_id.is_empty() {
        return;
    }
    // KIP-62: a consumer whose application stopped calling poll() leaves the group.
    let since_poll = now.0.saturating_sub(c.last_poll.0);
    if since_poll > crate::config::ticks_from_ms(c.settings.max_poll_interval_ms) {
        ctx.emit(EventKind::PollTimeoutExpired {
            consumer: c.name.clone(),
            ms_since_poll: since_poll * crate::config::MS_PER_TICK,
        });
        // Kafka: AbstractCoordinator.maybeLeaveGroup — only dynamic members send LeaveGroup.
        if let Some(coord) = c.coordinator.filter(|_| c.instance_id().is_none()) {
            let rpc = Rpc::LeaveGroup {
                group: c.group(),
                member_id: c.member_id.clone(),
            };
            ctx.send(c.addr(), NodeAddr::Broker(coord), rpc);
        }
        c.reset_generation();
        return;
    }
    let Some(coord) = c.coordinator else { return };
    if c.state == MemberState::Stable
        && now >= c.next_heartbeat_at
        && !c.in_flight.contains_key("Heartbeat")
    {
        c.next_heartbeat_at = Tick(now.0 + c.settings.heartbeat_interval_ticks);
        let rpc = Rpc::Heartbeat {
            group: c.group(),
            generation: c.generation,
            member_id: c.member_id.clone(),
            group_instance_id: c.instance_id(),
        };
        let timeout = c.settings.request_timeout_ticks;
        c.send(ctx, "Heartbeat", coord, rpc, timeout);
    }
}

fn application_thread(
    c: &mut Consumer,
    ctx: &mut Ctx,
    image: &Controller,
    alive: &[BrokerId],
    ledger: &mut BTreeMap<TopicPartition, Vec<u32>>,
) {
    let now = ctx.now;
    match &mut c.app {
        App::Idle { next_poll_at } => {
            let ready = c.settings.stream.is_none() || c.stream_ready;
            if now >= *next_poll_at && ready {
                poll(c, ctx, image, alive);
            }
        }
        App::Processing { records, done_at } => {
            if now < *done_at {
                return;
            }
            // Process every record due by now (several per tick with no processing time).
            let per_record = c.settings.processing_ticks_per_record;
            while let Some((tp, first, last)) = records.front_mut() {
                if let Some(s) = &c.settings.stream {
                    let end = if per_record > 0 { *first } else { *last };
                    for o in *first..=end {
                        if let Some((key, value)) = c.polled_values.pop_front() {
                            c.actions.push(transform(s, tp, o, key, value));
                        }
                    }
                }
                // With processing time, one record now and the next when it is done; without,
                // the whole run at once.
                let end = if per_record > 0 { *first } else { *last };
                let transactional = c
                    .settings
                    .stream
                    .as_ref()
                    .is_some_and(|s| s.transactional_id.is_some());
                if transactional {
                    // Counted when (if) the transaction commits: settle_transaction.
                    match c.txn_processed.last_mut() {
                        Some((t, _, l)) if t == tp && *l + 1 == *first => *l = end,
                        _ => c.txn_processed.push((tp.clone(), *first, end)),
                    }
                } else {
                    count_processed(ledger, tp, *first, end);
                }
                c.processed += end - *first + 1;
                if end == *last {
                    records.pop_front();
                } else {
                    *first = end + 1;
                }
                if per_record > 0 {
                    *done_at = Tick(now.0 + per_record);
                    if !records.is_empty() {
                        return;
                    }
                }
            }
            after_processing(c, ctx);
        }
        App::Committing { .. } | App::AwaitingTransaction { .. } | App::Flushing => {}
        App::CommitBackoff { retry_at } => {
            if now >= *retry_at {
                commit::retry_sync(c, ctx, alive);
            }
        }
    }
}

/// The application's processing of one record: `value + " processed"` to the output topic, or
/// (a key listed in `kplay.fail.keys`) the original record to the dead-letter topic.
fn transform(
    s: &StreamSettings,
    tp: &TopicPartition,
    offset: u64,
    key: Option<std::sync::Arc<str>>,
    value: Option<std::sync::Arc<str>>,
) -> AppAction {
    let fails = key
        .as_deref()
        .is_some_and(|k| s.fail_keys.iter().any(|f| f == k));
    match (&s.dlq_topic, fails) {
        (Some(dlq), true) => AppAction::Send {
            topic: dlq.clone(),
            key,
            value,
            dead_letter: Some((tp.clone(), offset)),
        },
        _ => AppAction::Send {
            topic: s.output_topic.clone(),
            key,
            // A tombstone stays a tombstone.
            value: value.map(|v| format!("{v} processed").into()),
            dead_letter: None,
        },
    }
}

/// The end of one loop iteration: commit as configured (unless it committed before
/// processing), then poll again.
fn after_processing(c: &mut Consumer, ctx: &mut Ctx) {
    c.app = App::Idle {
        next_poll_at: ctx.now,
    };
    match c
        .settings
        .stream
        .as_ref()
        .map(|s| s.transactional_id.is_some())
    {
        Some(true) => {
            // sendOffsetsToTransaction + commitTransaction; the cluster sets the waiting state.
            let offsets = c.consumed_offsets();
            c.actions.push(AppAction::CommitTransaction { offsets });
            return;
        }
        Some(false) => {
            // producer.flush() before the offsets are committed (at-least-once).
            c.app = App::Flushing;
            return;
        }
        None => {}
    }
    commit_as_configured(c, ctx);
}

/// The commit step of the loop, by `kplay.commit.mode` / `kplay.commit.timing` (nothing here
/// when the application committed before processing).
pub fn commit_as_configured(c: &mut Consumer, ctx: &mut Ctx) {
    c.app = App::Idle {
        next_poll_at: ctx.now,
    };
    if !c.settings.commit_before_processing {
        commit::app_commit(c, ctx, VecDeque::new());
    }
}

/// Kafka: `KafkaConsumer.poll` → `ConsumerCoordinator.poll` + `Fetcher`.
fn poll(c: &mut Consumer, ctx: &mut Ctx, image: &Controller, alive: &[BrokerId]) {
    let now = ctx.now;
    c.last_poll = now;
    c.app = App::Idle {
        next_poll_at: Tick(now.0 + c.settings.poll_interval_ticks),
    };
    if now.0 >= c.metadata_refreshed_at.0 + c.settings.metadata_max_age_ticks
        || c.metadata.is_empty()
    {
        c.refresh_metadata(now, image);
    }
    // Kafka: ConsumerCoordinator.rejoinNeededOrPending — the leader rejoins when the partition
    // counts it assigned with changed (partitions added).
    if c.is_leader && c.state == MemberState::Stable {
        if let Some(snap) = &c.assignment_snapshot {
            if *snap != c.metadata {
                c.fail(
                    ctx,
                    "poll",
                    KafkaError::RebalanceInProgress,
                    "the leader saw new partitions in its metadata: rejoining",
                );
                c.rejoin_needed = true;
            }
        }
    }
    let Some(coord) = c.coordinator else {
        lookup_coordinator(c, ctx, alive);
        return;
    };
    group_consumer::on_poll(c);
    if c.rejoin_needed
        && c.membership.is_none()
        && !c.in_flight.contains_key("JoinGroup")
        && !c.in_flight.contains_key("SyncGroup")
    {
        join_prepare(c, ctx);
        send_join(c, ctx, coord);
    }
    if c.state != MemberState::Stable {
        return;
    }
    // Auto-commit (Kafka: ConsumerCoordinator.maybeAutoCommitOffsetsAsync in poll()).
    if c.settings.enable_auto_commit && now >= c.next_auto_commit_at {
        c.next_auto_commit_at = Tick(now.0 + c.settings.auto_commit_interval_ticks);
        let offsets = c.consumed_offsets();
        c.commit(ctx, offsets);
    }
    // Positions: requested seeks, committed offsets (OffsetFetch), then auto.offset.reset.
    seek::send_pending_resets(c, ctx, image);
    let missing: Vec<TopicPartition> = c
        .assignment
        .iter()
        .filter(|tp| {
            !c.positions.contains_key(*tp)
                && !c.reset_requests.contains_key(*tp)
                && !c.in_flight.contains_key(&format!("ListOffsets {tp}"))
        })
        .cloned()
        .collect();
    if !missing.is_empty() && !c.in_flight.contains_key("OffsetFetch") {
        let rpc = Rpc::OffsetFetch {
            group: c.group(),
            partitions: missing,
        };
        let timeout = c.settings.request_timeout_ticks;
        c.send(ctx, "OffsetFetch", coord, rpc, timeout);
    }
    send_fetches(c, ctx, image);
    return_records(c, ctx);
}

/// Kafka: `AbstractCoordinator.lookupCoordinator` — FindCoordinator to any broker, unless one is
/// in flight or the backoff has not passed.
fn lookup_coordinator(c: &mut Consumer, ctx: &mut Ctx, alive: &[BrokerId]) {
    if !c.in_flight.contains_key("FindCoordinator") && ctx.now >= c.next_find_at {
        if let Some(b) = c.pick_broker(alive, ctx) {
            let rpc = Rpc::FindCoordinator { key: c.group() };
            let timeout = c.settings.request_timeout_ticks;
            c.send(ctx, "FindCoordinator", b, rpc, timeout);
        }
    }
}

/// Kafka: `ConsumerCoordinator.onJoinPrepare` — eager protocols commit (with auto-commit) and
/// revoke every partition before rejoining; cooperative ones keep them.
fn join_prepare(c: &mut Consumer, ctx: &mut Ctx) {
    if c.generation >= 0 && c.settings.enable_auto_commit {
        let offsets = c.consumed_offsets();
        c.commit(ctx, offsets);
    }
    if !c.cooperative() && !c.assignment.is_empty() {
        let revoked = std::mem::take(&mut c.assignment);
        ctx.emit(EventKind::PartitionsAssigned {
            consumer: c.name.clone(),
            group: c.group(),
            generation: c.generation,
            assigned: vec![],
            revoked,
        });
        c.lose_partitions();
    }
}

fn send_join(c: &mut Consumer, ctx: &mut Ctx, coord: BrokerId) {
    c.state = MemberState::PreparingRebalance;
    let rpc = Rpc::JoinGroup {
        group: c.group(),
        member_id: c.member_id.clone(),
        client_id: c.name.clone(),
        session_timeout_ms: c.settings.session_timeout_ms,
        rebalance_timeout_ms: c.settings.max_poll_interval_ms,
        protocols: c.protocols(),
        group_instance_id: c.instance_id(),
    };
    // Kafka: the JoinGroup timeout is the rebalance timeout plus 5 s.
    let timeout = c
        .settings
        .request_timeout_ticks
        .max(crate::config::ticks_from_ms(
            c.settings.max_poll_interval_ms + 5000,
        ));
    c.send(ctx, "JoinGroup", coord, rpc, timeout);
}

#[allow(clippy::too_many_arguments)]
fn on_join_response(
    c: &mut Consumer,
    ctx: &mut Ctx,
    image: &Controller,
    error: Option<KafkaError>,
    generation: i32,
    protocol: Option<String>,
    leader: String,
    member_id: String,
    members: Vec<(String, Subscription)>,
) {
    if let Some(e) = error {
        match e {
            KafkaError::MemberIdRequired => {
                // KIP-394: join again at once with the id the coordinator gave.
                let action = format!("KIP-394: joining again as {member_id}");
                c.fail(ctx, "JoinGroup", e, &action);
                c.member_id = member_id;
                if let Some(coord) = c.coordinator {
                    send_join(c, ctx, coord);
                }
            }
            KafkaError::UnknownMemberId | KafkaError::IllegalGeneration => {
                c.fail(ctx, "JoinGroup", e, "resetting the member id and rejoining");
                c.reset_generation();
            }
            KafkaError::NotCoordinator | KafkaError::CoordinatorNotAvailable => {
                c.fail(ctx, "JoinGroup", e, "finding the coordinator again");
                c.coordinator_unknown(ctx);
                c.rejoin_needed = true;
            }
            KafkaError::RebalanceInProgress => c.rejoin_needed = true,
            fatal => {
                let msg = format!("JoinGroup failed with {fatal}");
                ctx.emit(EventKind::ConsumerError {
                    consumer: c.name.clone(),
                    error: fatal,
                    message: msg.clone(),
                });
                c.failed = Some(msg);
            }
        }
        return;
    }
    c.failures = 0;
    c.last_notice.clear();
    c.member_id = member_id.clone();
    c.generation = generation;
    c.protocol = protocol.clone();
    c.is_leader = leader == member_id;
    c.state = MemberState::CompletingRebalance;
    c.rejoin_needed = false;
    let proto = protocol.clone().unwrap_or_default();
    ctx.emit(EventKind::ConsumerJoined {
        consumer: c.name.clone(),
        group: c.group(),
        generation,
        member_id: member_id.clone(),
        leader: c.is_leader,
        protocol: proto.clone(),
    });
    let mut assignments = vec![];
    // Kafka (JoinGroup v9 skipAssignment): a static leader that rejoined without a rebalance
    // gets no member list and keeps the stored assignment.
    if c.is_leader && !members.is_empty() {
        // Kafka: ConsumerCoordinator.onLeaderElected — the leader's metadata covers every
        // member's topics; it runs the chosen assignor.
        let topics: BTreeSet<&String> = members.iter().flat_map(|(_, s)| &s.topics).collect();
        let counts: BTreeMap<String, u32> = topics
            .into_iter()
            .filter_map(|t| image.topics.get(t).map(|m| (t.clone(), m.partitions)))
            .collect();
        let subs: BTreeMap<String, Subscription> = members.into_iter().collect();
        let assignor =
            crate::group_coordinator::assignor_of(protocol.as_deref()).unwrap_or(Assignor::Range);
        let result = assignor.assign(&counts, &subs);
        c.metadata = c
            .topics
            .iter()
            .filter_map(|t| counts.get(t).map(|n| (t.clone(), *n)))
            .collect();
        c.metadata_refreshed_at = ctx.now;
        c.assignment_snapshot = Some(c.metadata.clone());
        assignments = result.into_iter().collect::<Vec<_>>();
        ctx.emit(EventKind::AssignmentComputed {
            consumer: c.name.clone(),
            group: c.group(),
            generation,
            protocol: proto,
            assignment: assignments.clone(),
        });
    } else {
        c.assignment_snapshot = None;
    }
    if let Some(coord) = c.coordinator {
        let rpc = Rpc::SyncGroup {
            group: c.group(),
            generation,
            member_id,
            assignments,
        };
        let timeout = c.settings.request_timeout_ticks;
        c.send(ctx, "SyncGroup", coord, rpc, timeout);
    }
}

fn on_sync_response(
    c: &mut Consumer,
    ctx: &mut Ctx,
    error: Option<KafkaError>,
    assignment: Vec<TopicPartition>,
) {
    if let Some(e) = error {
        match e {
            KafkaError::RebalanceInProgress => {
                c.fail(ctx, "SyncGroup", e, "rejoining");
                c.rejoin_needed = true;
            }
            KafkaError::NotCoordinator | KafkaError::CoordinatorNotAvailable => {
                c.fail(ctx, "SyncGroup", e, "finding the coordinator again");
                c.coordinator_unknown(ctx);
                c.rejoin_needed = true;
            }
            _ => {
                c.fail(ctx, "SyncGroup", e, "resetting the member id and rejoining");
                c.reset_generation();
            }
        }
        return;
    }
    // Kafka: ConsumerCoordinator.onJoinComplete.
    let old: BTreeSet<TopicPartition> = c.assignment.iter().cloned().collect();
    let new: BTreeSet<TopicPartition> = assignment.iter().cloned().collect();
    let revoked: Vec<TopicPartition> = old.difference(&new).cloned().collect();
    for tp in &revoked {
        c.positions.remove(tp);
        c.buffer.remove(tp);
        c.reset_requests.remove(tp);
        c.fetched_end.remove(tp);
    }
    c.assignment = assignment.clone();
    c.state = MemberState::Stable;
    c.next_heartbeat_at = Tick(ctx.now.0 + c.settings.heartbeat_interval_ticks);
    ctx.emit(EventKind::PartitionsAssigned {
        consumer: c.name.clone(),
        group: c.group(),
        generation: c.generation,
        assigned: assignment,
        revoked: revoked.clone(),
    });
    // KIP-429: a cooperative member that gave partitions up rejoins so they can be reassigned.
    if c.cooperative() && !revoked.is_empty() {
        c.rejoin_needed = true;
    }
}

fn on_heartbeat_response(c: &mut Consumer, ctx: &mut Ctx, error: Option<KafkaError>) {
    let Some(e) = error else { return };
    match e {
        KafkaError::RebalanceInProgress => {
            if !c.rejoin_needed {
                c.fail(ctx, "Heartbeat", e, "rejoining on the next poll()");
            }
            c.rejoin_needed = true;
        }
        KafkaError::FencedInstanceId => fenced_instance(c, ctx, "Heartbeat"),
        KafkaError::UnknownMemberId | KafkaError::IllegalGeneration => {
            c.fail(
                ctx,
                "Heartbeat",
                e,
                "partitions lost: resetting the member id and rejoining",
            );
            c.reset_generation();
        }
        _ => {
            c.fail(ctx, "Heartbeat", e, "finding the coordinator again");
            c.coordinator_unknown(ctx);
        }
    }
}

/// Kafka: `FencedInstanceIdException` is fatal — another consumer took this `group.instance.id`.
fn fenced_instance(c: &mut Consumer, ctx: &mut Ctx, api: &str) {
    let msg = format!(
        "{api} failed with FENCED_INSTANCE_ID: another consumer joined with group.instance.id={}",
        c.instance_id().unwrap_or_default()
    );
    ctx.emit(EventKind::ConsumerError {
        consumer: c.name.clone(),
        error: KafkaError::FencedInstanceId,
        message: msg.clone(),
    });
    c.failed = Some(msg);
}

fn on_commit_response(
    c: &mut Consumer,
    ctx: &mut Ctx,
    request: u64,
    error: Option<KafkaError>,
    offsets: Vec<(TopicPartition, u64)>,
) {
    match error {
        None => {
            for (tp, o) in offsets {
                c.committed.insert(tp, o);
            }
        }
        Some(e) => {
            // Kafka: commitSync retries retriable errors; a CommitFailedException (the member
            // is no longer in this generation) or REBALANCE_IN_PROGRESS reaches the application.
            if e == KafkaError::FencedInstanceId {
                fenced_instance(c, ctx, "OffsetCommit");
                return;
            }
            if e == KafkaError::StaleMemberEpoch {
                // KIP-848: the member epoch moved on while the commit was in flight; the next
                // commit carries the new epoch (Kafka's CommitRequestManager retries it).
                c.fail(
                    ctx,
                    "OffsetCommit",
                    e,
                    "the next commit uses the new member epoch",
                );
                return;
            }
            let action = match e {
                KafkaError::RebalanceInProgress => "commit failed: rejoining",
                KafkaError::UnknownMemberId | KafkaError::IllegalGeneration => {
                    "CommitFailedException: the group has already rebalanced and assigned the partitions to another member"
                }
                _ => "finding the coordinator again",
            };
            c.fail(ctx, "OffsetCommit", e, action);
            match e {
                KafkaError::RebalanceInProgress => c.rejoin_needed = true,
                KafkaError::UnknownMemberId | KafkaError::IllegalGeneration => c.reset_generation(),
                _ => c.coordinator_unknown(ctx),
            }
        }
    }
    // What the application sees: commitSync returns, retries or throws; the commitAsync
    // callback runs.
    commit::outcome(c, ctx, request, error);
}

fn set_position(c: &mut Consumer, ctx: &mut Ctx, tp: TopicPartition, offset: u64, source: &str) {
    // Kafka: a seek discards what was fetched for the old position.
    if c.positions.insert(tp.clone(), offset) != Some(offset) {
        c.buffer.remove(&tp);
    }
    ctx.emit(EventKind::PositionSet {
        consumer: c.name.clone(),
        tp,
        offset,
        source: source.to_string(),
    });
}

/// Kafka: `SubscriptionState.resetInitializingPositions` / `OffsetFetcher.resetPositionsIfNeeded`.
fn reset_position(c: &mut Consumer, ctx: &mut Ctx, image: &Controller, tp: TopicPartition) {
    let latest = match c.settings.auto_offset_reset.as_str() {
        "earliest" => false,
        "latest" => true,
        _ => {
            // Kafka: NoOffsetForPartitionException.
            let msg = format!("Undefined offset with no reset policy for partitions: [{tp}]");
            ctx.emit(EventKind::ConsumerError {
                consumer: c.name.clone(),
                error: KafkaError::NoOffsetForPartition,
                message: msg.clone(),
            });
            c.failed = Some(msg);
            return;
        }
    };
    let Some(leader) = image.partitions.get(&tp).and_then(|p| p.leader) else {
        return;
    };
    let timeout = c.settings.request_timeout_ticks;
    let key = format!("ListOffsets {tp}");
    let rpc = Rpc::ListOffsets {
        tp,
        latest,
        read_committed: c.settings.read_committed,
    };
    c.send(ctx, &key, leader, rpc, timeout);
}

/// Kafka: `Fetcher.sendFetches` — one fetch per partition with a position and nothing buffered.
fn send_fetches(c: &mut Consumer, ctx: &mut Ctx, image: &Controller) {
    // Runs at every poll(): one reusable key buffer, no allocation for a partition whose fetch
    // is still in flight or whose records are still buffered.
    let mut key = String::new();
    let mut ready: Vec<(TopicPartition, u64)> = vec![];
    for tp in &c.assignment {
        if c.buffer.get(tp).is_some_and(|b| !b.is_empty()) {
            continue;
        }
        let Some(&position) = c.positions.get(tp) else {
            continue;
        };
        key.clear();
        let _ = write!(key, "Fetch {tp}");
        if !c.in_flight.contains_key(key.as_str()) {
            ready.push((tp.clone(), position));
        }
    }
    for (tp, offset) in ready {
        let Some(leader) = image.partitions.get(&tp).and_then(|p| p.leader) else {
            continue;
        };
        let rpc = Rpc::ConsumerFetch {
            tp: tp.clone(),
            fetch_offset: Offset(offset),
            max_records: c.settings.max_poll_records,
            read_committed: c.settings.read_committed,
        };
        let timeout = c.settings.request_timeout_ticks;
        c.send(ctx, &key_fetch(&tp), leader, rpc, timeout);
    }
}

/// Kafka: `Fetcher.collectFetch` — at most `max.poll.records`, advancing positions.
fn return_records(c: &mut Consumer, ctx: &mut Ctx) {
    let mut budget = c.settings.max_poll_records as usize;
    let stream = c.settings.stream.is_some();
    let mut values = VecDeque::new();
    let mut runs: VecDeque<(TopicPartition, u64, u64)> = VecDeque::new();
    let mut polled = 0u32;
    for tp in &c.assignment {
        if budget == 0 {
            break;
        }
        let Some(buf) = c.buffer.get_mut(tp) else {
            continue;
        };
        let Some(position) = c.positions.get_mut(tp) else {
            buf.clear(); // no position: nothing buffered can be returned
            continue;
        };
        let mut run: Option<(u64, u64)> = None;
        while budget > 0 {
            let Some(r) = buf.pop_front() else { break };
            // Offsets may have gaps (control records and aborted records were filtered out).
            if r.offset.0 < *position {
                continue;
            }
            match &mut run {
                Some((_, last)) if *last + 1 == r.offset.0 => *last = r.offset.0,
                Some(_) => {
                    let (first, last) = run.take().expect("run");
                    runs.push_back((tp.clone(), first, last));
                    run = Some((r.offset.0, r.offset.0));
                }
                None => run = Some((r.offset.0, r.offset.0)),
            }
            *position = r.offset.0 + 1;
            if stream {
                values.push_back((r.key.clone(), r.value.clone()));
            }
            polled += 1;
            budget -= 1;
        }
        // Kafka: `CompletedFetch` — skipped batches (markers, aborted data) still move the
        // position (`nextFetchOffset`) once everything before them was returned.
        if buf.is_empty() {
            if let Some(end) = c.fetched_end.get(tp) {
                *position = (*position).max(*end);
            }
        }
        if let Some((first, last)) = run {
            runs.push_back((tp.clone(), first, last));
        }
    }
    if runs.is_empty() {
        return;
    }
    // The event keeps one (partition, first, last) per partition, as before.
    let mut ranges: Vec<(TopicPartition, u64, u64)> = vec![];
    for (tp, first, last) in &runs {
        match ranges.last_mut() {
            Some((t, _, l)) if t == tp => *l = *last,
            _ => ranges.push((tp.clone(), *first, *last)),
        }
    }
    ctx.emit(EventKind::RecordsPolled {
        consumer: c.name.clone(),
        records: polled,
        ranges,
    });
    if let Some(s) = &c.settings.stream {
        if s.transactional_id.is_some() {
            c.actions.push(AppAction::BeginTransaction);
        }
        c.polled_values = values;
    }
    if c.settings.commit_before_processing {
        // At-most-once: commit the new positions first; the records are processed once the
        // commit returns (commitSync) or at once (commitAsync).
        commit::app_commit(c, ctx, runs);
        return;
    }
    c.start_processing(ctx, runs);
}

/// Kafka: `CompletedFetch.nextFetchedRecord` — control records are never returned; with
/// read_committed, records of a producer inside one of its aborted transactions are skipped
/// (a producer joins the aborted set when a record reaches its aborted transaction's first
/// offset, and leaves it at its ABORT marker).
pub fn filter_fetched(
    records: Vec<Record>,
    aborted: &[crate::log::AbortedTxn],
    read_committed: bool,
) -> Vec<Record> {
    use crate::log::BatchKind;
    if !records
        .iter()
        .any(|r| r.producer.is_some_and(|s| s.kind != BatchKind::Idempotent))
    {
        return records; // the common case: nothing transactional, no copy
    }
    let mut pending: Vec<&crate::log::AbortedTxn> = aborted.iter().collect();
    pending.sort_by_key(|t| t.first_offset);
    let mut aborted_pids: BTreeSet<u64> = BTreeSet::new();
    let mut out = Vec::with_capacity(records.len());
    for r in records {
        let Some(stamp) = r.producer else {
            out.push(r);
            continue;
        };
        if read_committed {
            while pending.first().is_some_and(|t| t.first_offset <= r.offset) {
                aborted_pids.insert(pending.remove(0).producer_id);
            }
            if stamp.kind == BatchKind::Transactional && aborted_pids.contains(&stamp.producer_id) {
                continue;
            }
            if stamp.kind == BatchKind::Abort {
                aborted_pids.remove(&stamp.producer_id);
            }
        }
        if !stamp.kind.is_control() {
            out.push(r);
        }
    }
    out
}

/// One-line summaries of the consumer-group messages (for the UI's envelopes).
pub fn rpc_summary(rpc: &Rpc) -> Option<String> {
    let err = |e: &Option<KafkaError>| e.map(|e| e.to_string()).unwrap_or_else(|| "ok".into());
    Some(match rpc {
        Rpc::FindCoordinator { key } => format!("group {key}"),
        Rpc::FindCoordinatorResponse { result, .. } => match result {
            Ok(b) => format!("coordinator {b}"),
            Err(e) => e.to_string(),
        },
        Rpc::JoinGroup {
            group, member_id, ..
        } => {
            format!(
                "{group} member={}",
                if member_id.is_empty() {
                    "\"\""
                } else {
                    member_id
                }
            )
        }
        Rpc::JoinGroupResponse { error: Some(e), .. } => e.to_string(),
        Rpc::JoinGroupResponse {
            generation,
            leader,
            member_id,
            ..
        } => format!(
            "generation={generation}{}",
            if leader == member_id { " (leader)" } else { "" }
        ),
        Rpc::SyncGroup {
            group, generation, ..
        } => format!("{group} generation={generation}"),
        Rpc::SyncGroupResponse {
            error, assignment, ..
        } => match error {
            Some(e) => e.to_string(),
            None => {
                let v: Vec<String> = assignment.iter().map(|t| t.to_string()).collect();
                format!("[{}]", v.join(","))
            }
        },
        Rpc::Heartbeat {
            group, generation, ..
        } => format!("{group} generation={generation}"),
        Rpc::HeartbeatResponse { error, .. } | Rpc::LeaveGroupResponse { error, .. } => err(error),
        Rpc::LeaveGroup { group, member_id } => format!("{group} {member_id}"),
        Rpc::OffsetCommit { group, offsets, .. }
        | Rpc::OffsetCommitResponse {
            group,
            offsets,
            error: None,
            ..
        } => {
            let v: Vec<String> = offsets.iter().map(|(tp, o)| format!("{tp}={o}")).collect();
            format!("{group} {}", v.join(" "))
        }
        Rpc::OffsetCommitResponse { error, .. } => err(error),
        Rpc::OffsetFetch { group, .. } => group.to_string(),
        Rpc::OffsetFetchResponse { offsets, error, .. } => match error {
            Some(e) => e.to_string(),
            None => {
                let v: Vec<String> = offsets
                    .iter()
                    .map(|(tp, o)| {
                        format!("{tp}={}", o.map_or("-1".to_string(), |o| o.to_string()))
                    })
                    .collect();
                v.join(" ")
            }
        },
        Rpc::ListOffsets { tp, latest, .. } => {
            format!("{tp} {}", if *latest { "LATEST" } else { "EARLIEST" })
        }
        Rpc::ListOffsetsResponse { tp, result } => match result {
            Ok(o) => format!("{tp} offset={o}"),
            Err(e) => format!("{tp} {e}"),
        },
        Rpc::ConsumerFetch {
            tp, fetch_offset, ..
        } => format!("{tp} from offset {} (consumer)", fetch_offset.0),
        Rpc::ConsumerFetchResponse {
            tp,
            error,
            records,
            high_watermark,
            ..
        } => match error {
            Some(e) => format!("{tp} {e}"),
            None => format!("{tp} {} records, HW={}", records.len(), high_watermark.0),
        },
        _ => return None,
    })
}
