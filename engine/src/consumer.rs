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
}

impl ConsumerSettings {
    /// Reads and cross-checks the configs (Kafka: `ConsumerConfig`, `GroupRebalanceConfig`).
    pub fn from_configs(c: &Configs) -> Result<Self, String> {
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
        })
    }
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
    /// Processing polled records one by one; the front one finishes at `done_at`.
    Processing {
        records: VecDeque<(TopicPartition, u64)>,
        done_at: Tick,
    },
    /// Blocked in commitSync() on request `request`.
    Committing { request: u64 },
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
}

/// Every consumer plus the delivery ledger.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consumers {
    pub consumers: BTreeMap<String, Consumer>,
    /// group → partition → how many times a member processed the record at each offset (index =
    /// offset; one counter per record, so recording a processing is O(1)).
    pub ledger: BTreeMap<String, BTreeMap<TopicPartition, Vec<u32>>>,
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
        Consumer {
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
        }
    }

    fn addr(&self) -> NodeAddr {
        NodeAddr::Client(self.name.clone())
    }

    fn group(&self) -> String {
        self.settings.group_id.clone()
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
        for k in ["JoinGroup", "SyncGroup", "Heartbeat", "OffsetFetch"] {
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
        self.buffer.clear();
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
            heartbeat_thread(c, ctx);
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
            Rpc::OffsetCommitResponse {
                request,
                error,
                offsets,
                ..
            } => {
                c.in_flight.remove(&format!("OffsetCommit #{request}"));
                on_commit_response(c, ctx, request, error, offsets);
            }
            Rpc::OffsetFetchResponse { error, offsets, .. } => {
                c.in_flight.remove("OffsetFetch");
                if let Some(e) = error {
                    c.fail(ctx, "OffsetFetch", e, "finding the coordinator again");
                    c.coordinator_unknown(ctx);
                    return;
                }
                for (tp, o) in offsets {
                    if !c.assignment.contains(&tp) || c.positions.contains_key(&tp) {
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
                        let why = format!("auto.offset.reset={}", c.settings.auto_offset_reset);
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
                ..
            } => {
                c.in_flight.remove(&key_fetch(&tp));
                if c.positions.get(&tp) != Some(&fetch_offset.0) {
                    return; // stale: the partition was revoked or the position moved
                }
                match error {
                    None => c.buffer.entry(tp).or_default().extend(records),
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
                        c.in_flight.retain(|k, _| !k.starts_with("OffsetCommit"));
                        if let App::Committing { .. } = c.app {
                            c.app = App::Idle {
                                next_poll_at: ctx.now,
                            };
                        }
                        c.coordinator_unknown(ctx);
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
        if k.starts_with("OffsetCommit") {
            if let App::Committing { .. } = c.app {
                c.app = App::Idle { next_poll_at: now };
            }
        }
        c.coordinator_unknown(ctx);
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
        if let Some(coord) = c.coordinator {
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
            if now >= *next_poll_at {
                poll(c, ctx, image, alive);
            }
        }
        App::Processing { records, done_at } => {
            if now < *done_at {
                return;
            }
            // Process every record due by now (several per tick with no processing time).
            while let Some((tp, o)) = records.pop_front() {
                let counts = match ledger.get_mut(&tp) {
                    Some(v) => v,
                    None => ledger.entry(tp).or_default(),
                };
                let i = o as usize;
                if counts.len() <= i {
                    counts.resize(i + 1, 0);
                }
                counts[i] += 1;
                c.processed += 1;
                if c.settings.processing_ticks_per_record > 0 {
                    *done_at = Tick(now.0 + c.settings.processing_ticks_per_record);
                    if !records.is_empty() {
                        return;
                    }
                }
            }
            after_processing(c, ctx);
        }
        App::Committing { .. } => {}
    }
}

/// The end of one loop iteration: commit as configured, then poll again.
fn after_processing(c: &mut Consumer, ctx: &mut Ctx) {
    let offsets = c.consumed_offsets();
    c.app = App::Idle {
        next_poll_at: ctx.now,
    };
    match c.settings.commit_mode {
        CommitMode::None => {}
        CommitMode::Async => {
            c.commit(ctx, offsets);
        }
        CommitMode::Sync => {
            if let Some(request) = c.commit(ctx, offsets) {
                c.app = App::Committing { request };
            }
        }
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
        if !c.in_flight.contains_key("FindCoordinator") && now >= c.next_find_at {
            if let Some(b) = c.pick_broker(alive, ctx) {
                let rpc = Rpc::FindCoordinator { key: c.group() };
                let timeout = c.settings.request_timeout_ticks;
                c.send(ctx, "FindCoordinator", b, rpc, timeout);
            }
        }
        return;
    };
    if c.rejoin_needed
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
    // Positions: committed offsets first (OffsetFetch), then auto.offset.reset.
    let missing: Vec<TopicPartition> = c
        .assignment
        .iter()
        .filter(|tp| {
            !c.positions.contains_key(*tp)
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
    if c.is_leader {
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

fn on_commit_response(
    c: &mut Consumer,
    ctx: &mut Ctx,
    request: u64,
    error: Option<KafkaError>,
    offsets: Vec<(TopicPartition, u64)>,
) {
    let waiting = c.app == App::Committing { request };
    if waiting {
        c.app = App::Idle {
            next_poll_at: ctx.now,
        };
    }
    match error {
        None => {
            for (tp, o) in offsets {
                c.committed.insert(tp, o);
            }
        }
        Some(e) => {
            // Kafka: commitSync retries retriable errors; a CommitFailedException (the member
            // is no longer in this generation) or REBALANCE_IN_PROGRESS reaches the application.
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
    c.send(ctx, &key, leader, Rpc::ListOffsets { tp, latest }, timeout);
}

/// Kafka: `Fetcher.sendFetches` — one fetch per partition with a position and nothing buffered.
fn send_fetches(c: &mut Consumer, ctx: &mut Ctx, image: &Controller) {
    let ready: Vec<(TopicPartition, u64)> = c
        .assignment
        .iter()
        .filter(|tp| !c.in_flight.contains_key(&key_fetch(tp)))
        .filter(|tp| c.buffer.get(*tp).is_none_or(|b| b.is_empty()))
        .filter_map(|tp| c.positions.get(tp).map(|o| (tp.clone(), *o)))
        .collect();
    for (tp, offset) in ready {
        let Some(leader) = image.partitions.get(&tp).and_then(|p| p.leader) else {
            continue;
        };
        let rpc = Rpc::ConsumerFetch {
            tp: tp.clone(),
            fetch_offset: Offset(offset),
            max_records: c.settings.max_poll_records,
        };
        let timeout = c.settings.request_timeout_ticks;
        c.send(ctx, &key_fetch(&tp), leader, rpc, timeout);
    }
}

/// Kafka: `Fetcher.collectFetch` — at most `max.poll.records`, advancing positions.
fn return_records(c: &mut Consumer, ctx: &mut Ctx) {
    let mut budget = c.settings.max_poll_records as usize;
    let mut out: VecDeque<(TopicPartition, u64)> = VecDeque::new();
    let mut ranges = vec![];
    for tp in c.assignment.clone() {
        if budget == 0 {
            break;
        }
        let Some(buf) = c.buffer.get_mut(&tp) else {
            continue;
        };
        let mut first = None;
        let mut last = 0;
        while budget > 0 {
            let Some(r) = buf.pop_front() else { break };
            // Kafka: `CompletedFetch` skips records below the position; a compacted log has
            // gaps, so the next record may be past it.
            if c.positions.get(&tp).is_none_or(|p| r.offset.0 < *p) {
                continue;
            }
            first.get_or_insert(r.offset.0);
            last = r.offset.0;
            c.positions.insert(tp.clone(), r.offset.0 + 1);
            out.push_back((tp.clone(), r.offset.0));
            budget -= 1;
        }
        if let Some(f) = first {
            ranges.push((tp.clone(), f, last));
        }
    }
    if out.is_empty() {
        return;
    }
    ctx.emit(EventKind::RecordsPolled {
        consumer: c.name.clone(),
        records: out.len() as u32,
        ranges,
    });
    c.app = App::Processing {
        records: out,
        done_at: Tick(ctx.now.0 + c.settings.processing_ticks_per_record),
    };
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
        Rpc::ListOffsets { tp, latest } => {
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
