//! A broker and the replicas it hosts: leader-side produce/fetch handling, the follower fetcher,
//! high watermark and ISR management.
//!
//! Ported from Kafka's `kafka.cluster.Partition` (`appendRecordsToLeader`, `fetchRecords`,
//! `maybeIncrementLeaderHW`, `maybeExpandIsr`, `maybeShrinkIsr`, `checkEnoughReplicasReachOffset`),
//! `kafka.cluster.Replica` (`updateFetchState`, `isCaughtUp`), `ReplicaManager` (delayed produce and
//! fetch purgatories) and `AbstractFetcherThread` (`truncateOnFetchResponse`,
//! `getOffsetTruncationState`).

use crate::config::{Acks, BrokerSettings};
use crate::errors::KafkaError;
use crate::events::EventKind;
use crate::ids::{BrokerId, LeaderEpoch, NodeAddr, Offset, RequestId, Tick, TopicPartition};
use crate::log::{Log, Record};
use crate::network::{Ctx, PartitionState, Rpc};
use crate::segment::LogConfig;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// What the leader knows about one follower (Kafka: `Replica` / `ReplicaState`). Kafka's
/// `UnifiedLog.UnknownOffset` (-1) is `None`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteReplica {
    /// The follower's LEO as last reported by its fetch offset; `None` until its first fetch.
    pub log_end_offset: Option<Offset>,
    pub last_caught_up: Tick,
    /// The leader's LEO at the follower's previous fetch (0 initially; unknown after a new leader).
    pub last_fetch_leader_leo: Option<Offset>,
    pub last_fetch_time: Tick,
}

impl RemoteReplica {
    /// A replica the leader has not heard from yet (`ReplicaTest.testInitialState`).
    pub fn new() -> Self {
        RemoteReplica {
            log_end_offset: None,
            last_caught_up: Tick(0),
            last_fetch_leader_leo: Some(Offset(0)),
            last_fetch_time: Tick(0),
        }
    }

    /// Kafka: `ReplicaState.isCaughtUp`: at the leader's LEO, or caught up within the max lag.
    pub fn is_caught_up(&self, leader_leo: Offset, now: Tick, max_lag: u64) -> bool {
        self.log_end_offset == Some(leader_leo)
            || now.0.saturating_sub(self.last_caught_up.0) <= max_lag
    }

    /// Kafka: `Replica.updateFetchStateOrThrow`: a fetch at or past the leader's LEO (as of the
    /// fetch) means caught up now; a fetch past the LEO of the previous fetch means caught up as of
    /// that previous fetch.
    pub fn update_fetch_state(&mut self, fetch_offset: Offset, now: Tick, leader_leo: Offset) {
        if fetch_offset >= leader_leo {
            self.last_caught_up = self.last_caught_up.max(now);
        } else if self
            .last_fetch_leader_leo
            .is_none_or(|prev| fetch_offset >= prev)
        {
            self.last_caught_up = self.last_caught_up.max(self.last_fetch_time);
        }
        self.log_end_offset = Some(fetch_offset);
        self.last_fetch_leader_leo = Some(
            self.last_fetch_leader_leo
                .map_or(leader_leo, |prev| prev.max(leader_leo)),
        );
        self.last_fetch_time = now;
    }

    /// Kafka: `Replica.resetReplicaState`, when this broker becomes (or stays) leader. An ISR
    /// follower gets a fresh lag allowance (caught up "now"), others none — so they neither hold
    /// the HW back nor rejoin before they fetch. A new leader forgets everything it knew.
    pub fn reset_replica_state(
        &mut self,
        now: Tick,
        leader_leo: Offset,
        is_new_leader: bool,
        in_sync: bool,
    ) {
        let caught_up = if in_sync { now } else { Tick(0) };
        if is_new_leader {
            *self = RemoteReplica {
                log_end_offset: None,
                last_caught_up: caught_up,
                last_fetch_leader_leo: None,
                last_fetch_time: Tick(0),
            };
        } else {
            self.last_fetch_leader_leo = Some(leader_leo);
            self.last_fetch_time = if in_sync { now } else { Tick(0) };
            self.last_caught_up = caught_up;
        }
    }
}

/// An acks=all produce waiting for the HW (Kafka: `DelayedProduce`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelayedProduce {
    pub id: RequestId,
    pub client: String,
    /// The HW the request waits for: its last offset + 1.
    pub required_offset: Offset,
    pub offset: Offset,
    pub deadline: Tick,
}

/// A follower fetch parked until data arrives or `replica.fetch.wait.max.ms` passes (`DelayedFetch`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParkedFetch {
    pub follower: BrokerId,
    pub request_epoch: LeaderEpoch,
    pub fetch_offset: Offset,
    pub deadline: Tick,
}

/// A pending ISR change (Kafka: `PendingExpandIsr` / `PendingShrinkIsr`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingIsr {
    pub proposed: Vec<BrokerId>,
    /// The "maximal" ISR (KIP-497): committed ∪ proposed, used for the HW while in flight.
    pub maximal: Vec<BrokerId>,
    /// When to send the AlterPartition again if no answer came (`AlterPartitionManager` retries
    /// a request that timed out).
    pub retry_at: Tick,
    /// Fast retries so far after `NOT_CONTROLLER` or a closed connection (backoff doubles).
    #[serde(default)]
    pub fast_retries: u32,
    /// The next send is a quiet fast retry (the channel to the controller resending), not a
    /// new proposal or a timed-out one.
    #[serde(default)]
    pub quiet: bool,
}

/// How long a starting broker waits for a BrokerRegistration answer before sending it again.
pub const REGISTRATION_RETRY_TICKS: u64 = 5_000;

/// How long the leader waits for an AlterPartition answer before sending it again.
pub const ALTER_PARTITION_RETRY_TICKS: u64 = 30_000;

/// Leader-only state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaderState {
    pub remotes: BTreeMap<BrokerId, RemoteReplica>,
    pub pending: Option<PendingIsr>,
    /// Where this leader's epoch started in the log (`leaderEpochStartOffsetOpt`).
    pub epoch_start_offset: Offset,
    pub delayed_produces: Vec<DelayedProduce>,
    pub parked_fetches: Vec<ParkedFetch>,
}

/// Follower-only state (one fetcher per partition: `AbstractFetcherThread`'s `PartitionFetchState`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowerState {
    pub leader: Option<BrokerId>,
    /// The Fetch in flight, if any.
    pub fetch_in_flight: Option<InFlightFetch>,
    pub next_fetch_at: Tick,
}

/// The one Fetch a follower has outstanding for a partition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InFlightFetch {
    pub leader: BrokerId,
    pub epoch: LeaderEpoch,
    pub fetch_offset: Offset,
    /// Kafka's `replica.socket.timeout.ms` (30 s) after which the fetcher gives up and retries.
    pub deadline: Tick,
}

/// `replica.socket.timeout.ms` default.
pub const REPLICA_SOCKET_TIMEOUT_TICKS: u64 = 30_000;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    Leader(LeaderState),
    Follower(FollowerState),
}

/// One partition replica on one broker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicaPartition {
    /// The metadata this broker last applied for the partition.
    pub meta: PartitionState,
    /// On disk: survives a crash.
    pub log: Log,
    /// In memory: lost on a crash.
    pub role: Role,
}

impl ReplicaPartition {
    pub fn is_leader(&self) -> bool {
        matches!(self.role, Role::Leader(_))
    }

    /// Kafka: `Partition.effectiveMinIsr` = min(min.insync.replicas, replication factor).
    pub fn effective_min_isr(&self) -> usize {
        (self.meta.min_insync_replicas as usize)
            .min(self.meta.replicas.len())
            .max(1)
    }

    /// The ISR used for HW and acks: the maximal ISR while an AlterPartition is in flight.
    pub fn maximal_isr(&self) -> Vec<BrokerId> {
        match &self.role {
            Role::Leader(LeaderState {
                pending: Some(p), ..
            }) => p.maximal.clone(),
            _ => self.meta.isr.clone(),
        }
    }

    pub fn pending_isr(&self) -> Option<Vec<BrokerId>> {
        match &self.role {
            Role::Leader(LeaderState {
                pending: Some(p), ..
            }) => Some(p.proposed.clone()),
            _ => None,
        }
    }
}

/// A broker process.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Broker {
    pub id: BrokerId,
    pub alive: bool,
    /// Assigned by the controller at registration; `None` until registered.
    pub broker_epoch: Option<u64>,
    /// As last told by a heartbeat response.
    pub fenced: bool,
    pub partitions: BTreeMap<TopicPartition, ReplicaPartition>,
    /// Brokers the controller has fenced, from metadata (for `isReplicaIsrEligible`).
    pub fenced_brokers: BTreeSet<BrokerId>,
    pub next_heartbeat_at: Tick,
    pub next_isr_check_at: Tick,
    pub registration_in_flight: bool,
    /// Set by a crash: the next metadata update must rebuild every partition's role.
    pub needs_full_metadata: bool,
    /// The metadata log offset this broker has applied.
    pub metadata_offset: u64,
    /// The controller this broker believes is active (learned from metadata and from
    /// `NOT_CONTROLLER` answers; Kafka: `RaftControllerNodeProvider`).
    pub controller_hint: Option<u32>,
    /// Which voter to try next when no active controller is known.
    controller_probe: usize,
    /// When the outstanding BrokerHeartbeat was sent, until it is answered.
    heartbeat_sent_at: Option<Tick>,
    /// Producer ids this broker has handed out (InitProducerId).
    #[serde(default)]
    pub producer_ids_issued: u64,
    /// When the log cleaner thread looks for a log to clean next (`log.cleaner.backoff.ms`).
    #[serde(default)]
    pub next_cleaner_run_at: Tick,
    /// When the retention check runs next (`log.retention.check.interval.ms`).
    #[serde(default = "first_retention_check")]
    pub next_retention_check_at: Tick,
}

/// Kafka: `LogManager.InitialTaskDelayMs` — the first retention check comes 30 s after start.
fn first_retention_check() -> Tick {
    Tick(30_000)
}

/// How soon a request refused with `NOT_CONTROLLER` (or cut off by a controller crash) is retried.
pub const CONTROLLER_RETRY_TICKS: u64 = 100;

impl Broker {
    pub fn new(id: BrokerId) -> Self {
        Broker {
            id,
            alive: true,
            broker_epoch: None,
            fenced: true,
            partitions: BTreeMap::new(),
            fenced_brokers: BTreeSet::new(),
            next_heartbeat_at: Tick(0),
            next_isr_check_at: Tick(0),
            registration_in_flight: false,
            needs_full_metadata: false,
            metadata_offset: 0,
            controller_hint: None,
            controller_probe: 0,
            heartbeat_sent_at: None,
            producer_ids_issued: 0,
            next_cleaner_run_at: Tick(0),
            next_retention_check_at: first_retention_check(),
        }
    }

    /// Where controller requests go: the known active controller, else the next voter in turn.
    pub fn controller_addr(&self, settings: &BrokerSettings) -> NodeAddr {
        let id = self.controller_hint.unwrap_or_else(|| {
            let v = &settings.voters;
            v.get(self.controller_probe % v.len().max(1))
                .copied()
                .unwrap_or(crate::kraft::CONTROLLER_NODE_ID)
        });
        NodeAddr::Controller(id)
    }

    /// The controller we tried did not answer or is not active: ask another one.
    fn forget_controller(&mut self, hint: Option<u32>, settings: &BrokerSettings) {
        if let Some(NodeAddr::Controller(old)) = Some(self.controller_addr(settings)) {
            let pos = settings.voters.iter().position(|&v| v == old).unwrap_or(0);
            self.controller_probe = pos + 1;
        }
        self.controller_hint = hint;
    }

    fn addr(&self) -> NodeAddr {
        NodeAddr::Broker(self.id)
    }

    /// Process death: everything in memory is gone; the logs stay on disk.
    pub fn crash(&mut self) {
        self.alive = false;
        self.broker_epoch = None;
        self.fenced = true;
        self.registration_in_flight = false;
        self.needs_full_metadata = true;
        self.metadata_offset = 0;
        self.heartbeat_sent_at = None;
        self.fenced_brokers.clear();
        for p in self.partitions.values_mut() {
            p.role = Role::Follower(FollowerState {
                leader: None,
                fetch_in_flight: None,
                next_fetch_at: Tick(0),
            });
        }
    }

    /// Process start: register with the controller (`BrokerLifecycleManager`).
    pub fn restart(&mut self, ctx: &mut Ctx, settings: &BrokerSettings) {
        let controller = self.controller_addr(settings);
        self.alive = true;
        self.registration_in_flight = true;
        // Until registered, `next_heartbeat_at` paces registration retries.
        self.next_heartbeat_at = Tick(ctx.now.0 + REGISTRATION_RETRY_TICKS);
        ctx.send(
            self.addr(),
            controller,
            Rpc::BrokerRegistration { broker: self.id },
        );
    }

    /// Timers: heartbeats, the periodic ISR shrink check, follower fetches, purgatory expiry.
    pub fn on_tick(&mut self, ctx: &mut Ctx, settings: &BrokerSettings) {
        if !self.alive {
            return;
        }
        let controller = &self.controller_addr(settings);
        // Kafka: `BrokerLifecycleManager` keeps sending BrokerRegistration until it is answered.
        if self.registration_in_flight && ctx.now >= self.next_heartbeat_at {
            self.next_heartbeat_at = Tick(ctx.now.0 + REGISTRATION_RETRY_TICKS);
            ctx.send(
                self.addr(),
                controller.clone(),
                Rpc::BrokerRegistration { broker: self.id },
            );
            // If this one goes unanswered too, the next attempt asks another voter.
            self.forget_controller(None, settings);
        }
        if let Some(epoch) = self.broker_epoch {
            if ctx.now >= self.next_heartbeat_at {
                // The previous heartbeat was never answered: that controller is unreachable or
                // gone; try another voter.
                if self.heartbeat_sent_at.take().is_some() {
                    self.forget_controller(None, settings);
                }
                let controller = &self.controller_addr(settings);
                self.heartbeat_sent_at = Some(ctx.now);
                self.next_heartbeat_at = Tick(ctx.now.0 + settings.broker_heartbeat_interval_ticks);
                ctx.send(
                    self.addr(),
                    controller.clone(),
                    Rpc::BrokerHeartbeat {
                        broker: self.id,
                        broker_epoch: epoch,
                        metadata_offset: self.metadata_offset,
                    },
                );
            }
        }
        let controller = &self.controller_addr(settings);
        // Kafka: ReplicaManager schedules "isr-expiration" every replica.lag.time.max.ms / 2.
        let isr_check = ctx.now >= self.next_isr_check_at;
        if isr_check {
            self.next_isr_check_at =
                Tick(ctx.now.0 + (settings.replica_lag_time_max_ticks / 2).max(1));
        }
        // One cheap pass finds the partitions with a timer due; only those get keyed work.
        let now = ctx.now;
        let due: Vec<TopicPartition> = self
            .partitions
            .iter()
            .filter(|(_, p)| isr_check || timer_due(p, now))
            .map(|(tp, _)| tp.clone())
            .collect();
        for tp in &due {
            if isr_check {
                self.maybe_shrink_isr(ctx, tp, settings, controller);
            }
            self.expire_purgatory(ctx, tp, settings.replica_fetch_max_bytes);
            self.maybe_retry_alter_partition(ctx, tp, controller);
            self.maybe_send_fetch(ctx, tp);
        }
        if now >= self.next_cleaner_run_at {
            self.run_log_cleaner(ctx, settings);
        }
        if now >= self.next_retention_check_at {
            self.next_retention_check_at =
                Tick(now.0 + settings.log_retention_check_interval_ticks.max(1));
            self.cleanup_logs(ctx);
        }
    }

    /// Dispatches one delivered envelope.
    pub fn handle(&mut self, ctx: &mut Ctx, from: NodeAddr, rpc: Rpc, settings: &BrokerSettings) {
        let controller = &self.controller_addr(settings);
        match rpc {
            Rpc::Produce {
                request,
                tp,
                acks,
                timeout_ticks,
                batch,
            } => self.handle_produce(ctx, from, request, tp, acks, timeout_ticks, batch, settings),
            Rpc::InitProducerId => {
                // Kafka: the broker hands out ids from a block the controller allocated
                // (`ProducerIdManager`); here each broker numbers its own range.
                self.producer_ids_issued += 1;
                let producer_id = u64::from(self.id.0) * 1000 + self.producer_ids_issued;
                let rpc = Rpc::InitProducerIdResponse {
                    producer_id,
                    producer_epoch: 0,
                };
                ctx.send(self.addr(), from, rpc);
            }
            Rpc::Fetch {
                tp,
                replica_id,
                fetch_offset,
                last_fetched_epoch,
                current_leader_epoch,
            } => self.handle_fetch(
                ctx,
                tp,
                replica_id,
                fetch_offset,
                last_fetched_epoch,
                current_leader_epoch,
                settings,
                controller,
            ),
            Rpc::FetchResponse {
                tp,
                request_epoch,
                fetch_offset,
                error,
                high_watermark,
                log_start_offset,
                records,
                diverging_epoch,
            } => self.handle_fetch_response(
                ctx,
                &from,
                &tp,
                (request_epoch, fetch_offset),
                error,
                (high_watermark, log_start_offset),
                records,
                diverging_epoch,
                settings,
            ),
            Rpc::AlterPartitionResponse { tp, result } => {
                self.handle_alter_partition_response(ctx, &tp, result, settings)
            }
            Rpc::BrokerRegistrationResponse { broker_epoch } => {
                self.broker_epoch = Some(broker_epoch);
                self.registration_in_flight = false;
                self.next_heartbeat_at = ctx.now;
            }
            Rpc::BrokerHeartbeatResponse { fenced } => {
                self.fenced = fenced;
                self.heartbeat_sent_at = None;
                if let NodeAddr::Controller(c) = from {
                    self.controller_hint = Some(c);
                }
            }
            Rpc::NotController {
                request,
                tp,
                leader,
            } => {
                // Kafka: the channel to the controller rediscovers the active controller and
                // retries after a short backoff.
                self.forget_controller(leader, settings);
                self.retry_controller_request(ctx, &request, tp.as_ref());
            }
            Rpc::MetadataUpdate {
                offset,
                prev_offset,
                full,
                partitions,
                fenced_brokers,
            } => {
                if let NodeAddr::Controller(c) = from {
                    self.controller_hint = Some(c);
                }
                // The offset only advances without gaps (Kafka's brokers read the metadata log in
                // order); a delta after a gap is still applied — partition states carry epochs, so
                // applying them is idempotent — but the gap shows in the next heartbeat.
                if full || prev_offset <= self.metadata_offset {
                    self.metadata_offset = self.metadata_offset.max(offset);
                }
                self.fenced_brokers = fenced_brokers.into_iter().collect();
                // The first metadata after a restart re-applies everything (no in-memory role survived).
                let force = std::mem::take(&mut self.needs_full_metadata);
                for state in partitions {
                    self.apply_partition_state(ctx, state, settings, force);
                }
            }
            Rpc::Disconnected { ref api, .. }
                if matches!(
                    api.as_str(),
                    "BrokerHeartbeat" | "BrokerRegistration" | "AlterPartition"
                ) =>
            {
                let Rpc::Disconnected { api, tp, .. } = rpc else {
                    return;
                };
                self.forget_controller(None, settings);
                self.retry_controller_request(ctx, &api, tp.as_ref());
            }
            Rpc::Disconnected { api, tp, .. } => {
                // Our Fetch went to a dead leader: back off and retry (`replica.fetch.backoff.ms`).
                if let (true, Some(tp), NodeAddr::Broker(peer)) = (api == "Fetch", tp, &from) {
                    let waiting_on_peer = matches!(
                        self.partitions.get(&tp).map(|p| &p.role),
                        Some(Role::Follower(FollowerState { fetch_in_flight: Some(f), .. })) if f.leader == *peer
                    );
                    if waiting_on_peer {
                        self.fetch_failed(&tp, ctx.now, settings);
                    }
                }
            }
            // Requests for other roles, or responses this broker does not expect: ignored.
            _ => {}
        }
    }

    // ----------------------------------------------------------------------------------------
    // Metadata: becoming leader or follower (`ReplicaManager.applyDelta`, `Partition.makeLeader`,
    // `Partition.makeFollower`).
    // ----------------------------------------------------------------------------------------

    fn apply_partition_state(
        &mut self,
        ctx: &mut Ctx,
        state: PartitionState,
        settings: &BrokerSettings,
        force: bool,
    ) {
        if !state.replicas.contains(&self.id) {
            return;
        }
        let me = self.id;
        let tp = state.tp.clone();
        let is_new = !self.partitions.contains_key(&tp);
        let entry = self
            .partitions
            .entry(tp.clone())
            .or_insert_with(|| ReplicaPartition {
                meta: state.clone(),
                log: Log::default(),
                role: Role::Follower(FollowerState {
                    leader: None,
                    fetch_in_flight: None,
                    next_fetch_at: Tick(0),
                }),
            });
        if state.partition_epoch < entry.meta.partition_epoch {
            return; // stale metadata
        }
        let same_epoch = !is_new && !force && entry.meta.leader_epoch == state.leader_epoch;
        let transition = if state.leader == Some(me) {
            !(same_epoch && entry.is_leader())
        } else {
            !(same_epoch && matches!(&entry.role, Role::Follower(f) if f.leader == state.leader))
        };
        let epoch_advanced = state.partition_epoch > entry.meta.partition_epoch;
        if is_new || entry.meta.log_overrides != state.log_overrides {
            entry.log.segments.config =
                LogConfig::resolve(&settings.log_defaults, &state.log_overrides);
        }
        entry.meta = state.clone();
        if state.leader == Some(me) {
            if transition {
                self.make_leader(ctx, &tp);
            } else if epoch_advanced {
                // Same leader epoch, new ISR from the controller: the committed state replaces any
                // pending one (Kafka: `Partition.makeLeader` with a newer partition epoch).
                if let Some(ReplicaPartition {
                    role: Role::Leader(l),
                    ..
                }) = self.partitions.get_mut(&tp)
                {
                    l.pending = None;
                }
            }
            self.maybe_increment_leader_hw(ctx, &tp, settings);
        } else if transition {
            self.make_follower(ctx, &tp, ctx.now);
        }
    }

    fn make_leader(&mut self, ctx: &mut Ctx, tp: &TopicPartition) {
        let me = self.id;
        let Some(p) = self.partitions.get_mut(tp) else {
            return;
        };
        let epoch = p.meta.leader_epoch;
        p.log.assign_leader_epoch_start(epoch);
        let leo = p.log.log_end_offset();
        let remotes = p
            .meta
            .replicas
            .iter()
            .filter(|&&r| r != me)
            .map(|&r| {
                let mut state = RemoteReplica::new();
                state.reset_replica_state(ctx.now, leo, true, p.meta.isr.contains(&r));
                (r, state)
            })
            .collect();
        p.role = Role::Leader(LeaderState {
            remotes,
            pending: None,
            epoch_start_offset: leo,
            delayed_produces: vec![],
            parked_fetches: vec![],
        });
        ctx.emit(EventKind::BecameLeader {
            broker: me,
            tp: tp.clone(),
            leader_epoch: epoch,
            log_end_offset: leo,
        });
    }

    fn make_follower(&mut self, ctx: &mut Ctx, tp: &TopicPartition, now: Tick) {
        let me = self.id;
        let Some(p) = self.partitions.get_mut(tp) else {
            return;
        };
        // Requests waiting on us as leader cannot complete any more.
        if let Role::Leader(l) = &mut p.role {
            for d in l.delayed_produces.drain(..) {
                let msg = format!("Leader not local for partition {tp} on broker {}", me.0);
                answer_produce(
                    ctx,
                    me,
                    &d.client,
                    d.id,
                    tp,
                    Err((KafkaError::NotLeaderOrFollower, msg)),
                );
            }
            for f in l.parked_fetches.drain(..) {
                ctx.send(
                    NodeAddr::Broker(me),
                    NodeAddr::Broker(f.follower),
                    Rpc::FetchResponse {
                        tp: tp.clone(),
                        request_epoch: f.request_epoch,
                        fetch_offset: f.fetch_offset,
                        error: Some(KafkaError::NotLeaderOrFollower),
                        high_watermark: p.log.high_watermark(),
                        log_start_offset: p.log.log_start_offset(),
                        records: vec![],
                        diverging_epoch: None,
                    },
                );
            }
        }
        p.role = Role::Follower(FollowerState {
            leader: p.meta.leader,
            fetch_in_flight: None,
            next_fetch_at: now,
        });
        ctx.emit(EventKind::BecameFollower {
            broker: me,
            tp: tp.clone(),
            leader: p.meta.leader,
            leader_epoch: p.meta.leader_epoch,
        });
    }

    // ----------------------------------------------------------------------------------------
    // Leader: produce.
    // ----------------------------------------------------------------------------------------

    #[allow(clippy::too_many_arguments)]
    fn handle_produce(
        &mut self,
        ctx: &mut Ctx,
        from: NodeAddr,
        id: RequestId,
        tp: TopicPartition,
        acks: Acks,
        timeout_ticks: u64,
        batch: crate::network::WireBatch,
        settings: &BrokerSettings,
    ) {
        let me = self.id;
        let client = match &from {
            NodeAddr::Client(c) => c.clone(),
            _ => return,
        };
        let reply = |ctx: &mut Ctx, result| {
            if acks != Acks::Zero {
                answer_produce(ctx, me, &client, id, &tp, result);
            }
        };
        let Some(p) = self.partitions.get_mut(&tp).filter(|p| p.is_leader()) else {
            let msg = format!("Leader not local for partition {tp} on broker {}", me.0);
            reply(ctx, Err((KafkaError::NotLeaderOrFollower, msg)));
            return;
        };
        // Kafka: Partition.appendRecordsToLeader — refuse acks=all before appending when the
        // (committed) ISR is smaller than the effective min ISR.
        let min_isr = p.effective_min_isr();
        if acks == Acks::All && p.meta.isr.len() < min_isr {
            let isr_text: Vec<String> = p.meta.isr.iter().map(|b| b.0.to_string()).collect();
            let msg = format!(
                "The size of the current ISR Set({}) is insufficient to satisfy the min.isr requirement of {min_isr} for partition {tp}",
                isr_text.join(", ")
            );
            ctx.emit(EventKind::ProduceRejected {
                broker: me,
                tp: tp.clone(),
                error: KafkaError::NotEnoughReplicas,
                isr: p.meta.isr.clone(),
                min_isr: min_isr as u32,
            });
            reply(ctx, Err((KafkaError::NotEnoughReplicas, msg)));
            return;
        }
        let epoch = p.meta.leader_epoch;
        let n = batch.records.len() as u64;
        if n == 0 {
            reply(
                ctx,
                Err((KafkaError::InvalidRequest, "Empty record batch".into())),
            );
            return;
        }
        // Kafka: `LogValidator.validateKey` — a compacted topic refuses records without a key;
        // the whole batch fails with INVALID_RECORD (`processRecordErrors`).
        if p.log.segments.config.compact {
            if let Some(i) = batch.records.iter().position(|r| r.key.is_none()) {
                let errors = batch.records.iter().filter(|r| r.key.is_none()).count();
                let msg = format!("One or more records have been rejected due to {errors} record errors in total, and only showing the first error: Compacted topic cannot accept message without key in topic partition {tp}");
                ctx.emit(EventKind::RecordRejected {
                    broker: me,
                    tp: tp.clone(),
                    error: KafkaError::InvalidRecord,
                    batch_index: i as u32,
                    message: msg.clone(),
                });
                reply(ctx, Err((KafkaError::InvalidRecord, msg)));
                return;
            }
        }
        // Idempotent producers: duplicates are answered with the original offsets, gaps and old
        // epochs are refused (Kafka: UnifiedLog.analyzeAndValidateProducerState).
        let mut duplicate = None;
        if let Some((pid, pepoch, seq)) = batch.producer {
            let last = crate::log::increment_sequence(seq, n as i32 - 1);
            match p.log.check_sequence(&tp, pid, pepoch, seq, last) {
                crate::log::SequenceCheck::Append => {}
                crate::log::SequenceCheck::Duplicate(d) => duplicate = Some(d),
                crate::log::SequenceCheck::Reject(error, msg) => {
                    ctx.emit(EventKind::ProduceSequenceRejected {
                        broker: me,
                        tp: tp.clone(),
                        producer_id: pid,
                        base_sequence: seq,
                        expected: p
                            .log
                            .producers()
                            .get(&pid)
                            .and_then(|e| e.last_seq())
                            .map_or(0, |s| crate::log::increment_sequence(s, 1)),
                        error,
                    });
                    reply(ctx, Err((error, msg)));
                    return;
                }
            }
        }
        let (offset, last) = match duplicate {
            Some(d) => {
                ctx.emit(EventKind::DuplicateBatch {
                    broker: me,
                    tp: tp.clone(),
                    producer_id: batch.producer.map_or(0, |x| x.0),
                    base_sequence: d.first_seq,
                    base_offset: d.first_offset,
                });
                (d.first_offset, d.last_offset)
            }
            None => {
                // Kafka: LogValidator — a topic codec other than `producer` that differs from the
                // batch's means the leader recompresses it.
                let target = p.meta.compression_type.as_str();
                if target != "producer" {
                    let to = if target == "uncompressed" {
                        crate::compression::Codec::None
                    } else {
                        crate::compression::Codec::parse(target)
                            .unwrap_or(crate::compression::Codec::None)
                    };
                    if to != batch.codec {
                        let records: Vec<(Option<&[u8]>, &[u8])> = batch
                            .records
                            .iter()
                            .map(|r| {
                                (
                                    r.key.as_deref().map(str::as_bytes),
                                    r.value.as_deref().unwrap_or("").as_bytes(),
                                )
                            })
                            .collect();
                        let (pid, pepoch, seq) = batch
                            .producer
                            .map_or((-1, -1, -1), |(i, e, s)| (i as i64, e as i16, s));
                        let after = crate::compression::encode_batch(
                            &records,
                            to,
                            0,
                            pid,
                            pepoch,
                            seq,
                            (ctx.now.0 * crate::config::MS_PER_TICK) as i64,
                        )
                        .len() as u64;
                        ctx.emit(EventKind::BatchRecompressed {
                            broker: me,
                            tp: tp.clone(),
                            from: batch.codec.name().to_string(),
                            to: target.to_string(),
                            bytes_before: batch.bytes,
                            bytes_after: after,
                        });
                    }
                }
                let kind = if batch.transactional {
                    crate::log::BatchKind::Transactional
                } else {
                    crate::log::BatchKind::Idempotent
                };
                let base = p.log.append_batch_of_kind(
                    epoch,
                    batch.records,
                    batch.producer,
                    kind,
                    ctx.now.0 * crate::config::MS_PER_TICK,
                );
                ctx.emit(EventKind::Appended {
                    broker: me,
                    tp: tp.clone(),
                    offset: base,
                    leader_epoch: epoch,
                    records: n,
                });
                emit_rolls(ctx, me, &tp, &mut p.log);
                (base, Offset(base.0 + n - 1))
            }
        };
        match acks {
            Acks::Zero => {}
            Acks::One => reply(ctx, Ok(offset)),
            Acks::All => {
                if let Role::Leader(l) = &mut p.role {
                    l.delayed_produces.push(DelayedProduce {
                        id,
                        client,
                        required_offset: Offset(last.0 + 1),
                        offset,
                        deadline: Tick(ctx.now.0 + timeout_ticks),
                    });
                }
            }
        }
        // New data: answer parked follower fetches, then maybe move the HW (ISR of one).
        self.complete_parked_fetches(ctx, &tp, false, settings.replica_fetch_max_bytes);
        self.maybe_increment_leader_hw(ctx, &tp, settings);
    }

    /// Kafka: `Partition.maybeIncrementLeaderHW` (3.7+: never while under min ISR), then complete
    /// delayed produces that the new HW satisfies.
    fn maybe_increment_leader_hw(
        &mut self,
        ctx: &mut Ctx,
        tp: &TopicPartition,
        settings: &BrokerSettings,
    ) {
        let me = self.id;
        let fenced = self.fenced_brokers.clone();
        let Some(p) = self.partitions.get_mut(tp) else {
            return;
        };
        let maximal = p.maximal_isr();
        let min_isr = p.effective_min_isr();
        let under_min_isr = p.meta.isr.len() < min_isr;
        let Role::Leader(l) = &mut p.role else { return };
        if !under_min_isr {
            let leader_leo = p.log.log_end_offset();
            let mut new_hw = Some(leader_leo);
            for (id, r) in &l.remotes {
                let counts = maximal.contains(id)
                    || (r.is_caught_up(leader_leo, ctx.now, settings.replica_lag_time_max_ticks)
                        && !fenced.contains(id));
                if !counts {
                    continue;
                }
                new_hw = match (new_hw, r.log_end_offset) {
                    (Some(hw), Some(leo)) => Some(hw.min(leo)),
                    // Unknown LEO (Kafka's -1): the HW cannot move.
                    _ => None,
                };
            }
            if let Some(hw) = new_hw {
                if p.log.maybe_increment_high_watermark(hw) {
                    ctx.emit(EventKind::HighWatermarkAdvanced {
                        broker: me,
                        tp: tp.clone(),
                        hw: p.log.high_watermark(),
                    });
                }
            }
        }
        // Kafka: DelayedProduce.tryComplete → Partition.checkEnoughReplicasReachOffset.
        let hw = p.log.high_watermark();
        let mut done = vec![];
        l.delayed_produces.retain(|d| {
            if hw >= d.required_offset {
                let result = if min_isr <= maximal.len() {
                    Ok(d.offset)
                } else {
                    Err((
                        KafkaError::NotEnoughReplicasAfterAppend,
                        format!("ISR shrank below min.insync.replicas={min_isr} after the append"),
                    ))
                };
                done.push((d.id, d.client.clone(), result));
                false
            } else {
                true
            }
        });
        for (id, client, result) in done {
            answer_produce(ctx, me, &client, id, tp, result);
        }
    }

    /// Expires delayed produces (`REQUEST_TIMED_OUT`) and parked fetches (answered empty).
    fn expire_purgatory(&mut self, ctx: &mut Ctx, tp: &TopicPartition, max_bytes: u64) {
        let me = self.id;
        let Some(p) = self.partitions.get_mut(tp) else {
            return;
        };
        let Role::Leader(l) = &mut p.role else { return };
        let now = ctx.now;
        let mut expired = vec![];
        l.delayed_produces.retain(|d| {
            if now >= d.deadline {
                expired.push((d.id, d.client.clone()));
                false
            } else {
                true
            }
        });
        for (id, client) in expired {
            // Kafka: DelayedProduce.onExpiration answers REQUEST_TIMED_OUT.
            let timed_out = Err((KafkaError::RequestTimedOut, "The request timed out.".into()));
            answer_produce(ctx, me, &client, id, tp, timed_out);
        }
        if l.parked_fetches.iter().any(|f| now >= f.deadline) {
            self.complete_parked_fetches(ctx, tp, true, max_bytes);
        }
    }

    // ----------------------------------------------------------------------------------------
    // Leader: follower fetches.
    // ----------------------------------------------------------------------------------------

    #[allow(clippy::too_many_arguments)]
    fn handle_fetch(
        &mut self,
        ctx: &mut Ctx,
        tp: TopicPartition,
        follower: BrokerId,
        fetch_offset: Offset,
        last_fetched_epoch: Option<LeaderEpoch>,
        current_leader_epoch: LeaderEpoch,
        settings: &BrokerSettings,
        controller: &NodeAddr,
    ) {
        let me = self.id;
        let log_start = self
            .partitions
            .get(&tp)
            .map_or(Offset(0), |p| p.log.log_start_offset());
        let respond = |ctx: &mut Ctx, error, hw, records, diverging| {
            ctx.send(
                NodeAddr::Broker(me),
                NodeAddr::Broker(follower),
                Rpc::FetchResponse {
                    tp: tp.clone(),
                    request_epoch: current_leader_epoch,
                    fetch_offset,
                    error,
                    high_watermark: hw,
                    log_start_offset: log_start,
                    records,
                    diverging_epoch: diverging,
                },
            );
        };
        let Some(p) = self.partitions.get_mut(&tp) else {
            respond(
                ctx,
                Some(KafkaError::NotLeaderOrFollower),
                Offset(0),
                vec![],
                None,
            );
            return;
        };
        // Kafka: Partition.localLogWithEpochOrThrow.
        let epoch_error = if current_leader_epoch < p.meta.leader_epoch {
            Some(KafkaError::FencedLeaderEpoch)
        } else if current_leader_epoch > p.meta.leader_epoch {
            Some(KafkaError::UnknownLeaderEpoch)
        } else if !p.is_leader() {
            Some(KafkaError::NotLeaderOrFollower)
        } else if !p.meta.replicas.contains(&follower) {
            Some(KafkaError::UnknownLeaderEpoch)
        } else {
            None
        };
        let hw_before = p.log.high_watermark();
        if let Some(e) = epoch_error {
            respond(ctx, Some(e), hw_before, vec![], None);
            return;
        }
        // Kafka: Partition.readRecords — detect a diverging log by the last fetched epoch (KIP-320).
        if let Some(fetch_epoch) = last_fetched_epoch {
            match p.log.end_offset_for_epoch(fetch_epoch) {
                None => {
                    respond(
                        ctx,
                        Some(KafkaError::OffsetOutOfRange),
                        hw_before,
                        vec![],
                        None,
                    );
                    return;
                }
                Some((epoch, end)) if epoch < fetch_epoch || end < fetch_offset => {
                    respond(ctx, None, hw_before, vec![], Some((epoch, end)));
                    return;
                }
                Some(_) => {}
            }
        }
        // Kafka: `LocalLog.read` — below the log start or past the end is out of range.
        if fetch_offset > p.log.log_end_offset() || fetch_offset < p.log.log_start_offset() {
            respond(
                ctx,
                Some(KafkaError::OffsetOutOfRange),
                hw_before,
                vec![],
                None,
            );
            return;
        }
        let leader_leo = p.log.log_end_offset();
        let records = p
            .log
            .read_bytes(fetch_offset, settings.replica_fetch_max_bytes);
        if let Role::Leader(l) = &mut p.role {
            if let Some(r) = l.remotes.get_mut(&follower) {
                r.update_fetch_state(fetch_offset, ctx.now, leader_leo);
            }
        }
        self.maybe_expand_isr(ctx, &tp, follower, controller);
        self.maybe_increment_leader_hw(ctx, &tp, settings);
        let Some(p) = self.partitions.get_mut(&tp) else {
            return;
        };
        if records.is_empty() && settings.replica_fetch_wait_max_ticks > 0 {
            if let Role::Leader(l) = &mut p.role {
                l.parked_fetches.retain(|f| f.follower != follower);
                l.parked_fetches.push(ParkedFetch {
                    follower,
                    request_epoch: current_leader_epoch,
                    fetch_offset,
                    deadline: Tick(ctx.now.0 + settings.replica_fetch_wait_max_ticks),
                });
                return;
            }
        }
        // The HW in the response is the one read before this fetch moved it, as in Kafka.
        respond(ctx, None, hw_before, records, None);
    }

    /// Answers parked fetches: all of them that now have data (or every one when `expire_all`
    /// says their wait time is up).
    fn complete_parked_fetches(
        &mut self,
        ctx: &mut Ctx,
        tp: &TopicPartition,
        only_expired: bool,
        max_bytes: u64,
    ) {
        let me = self.id;
        let now = ctx.now;
        let Some(p) = self.partitions.get_mut(tp) else {
            return;
        };
        let Role::Leader(l) = &mut p.role else { return };
        let leo = p.log.log_end_offset();
        let mut answer = vec![];
        l.parked_fetches.retain(|f| {
            let ready = if only_expired {
                now >= f.deadline
            } else {
                f.fetch_offset < leo
            };
            if ready {
                answer.push(f.clone());
            }
            !ready
        });
        for f in answer {
            let records = p.log.read_bytes(f.fetch_offset, max_bytes);
            ctx.send(
                NodeAddr::Broker(me),
                NodeAddr::Broker(f.follower),
                Rpc::FetchResponse {
                    tp: tp.clone(),
                    request_epoch: f.request_epoch,
                    fetch_offset: f.fetch_offset,
                    error: None,
                    high_watermark: p.log.high_watermark(),
                    log_start_offset: p.log.log_start_offset(),
                    records,
                    diverging_epoch: None,
                },
            );
        }
    }

    /// Kafka: `Partition.maybeExpandIsr` / `isFollowerInSync`: a follower joins once its LEO
    /// reaches the HW *and* the start of the current leader epoch, and it is not fenced.
    fn maybe_expand_isr(
        &mut self,
        ctx: &mut Ctx,
        tp: &TopicPartition,
        follower: BrokerId,
        controller: &NodeAddr,
    ) {
        let me = self.id;
        let eligible = !self.fenced_brokers.contains(&follower);
        let Some(p) = self.partitions.get_mut(tp) else {
            return;
        };
        let hw = p.log.high_watermark();
        let isr = p.meta.isr.clone();
        let Role::Leader(l) = &mut p.role else { return };
        if l.pending.is_some() || isr.contains(&follower) || !eligible {
            return;
        }
        let Some(leo) = l.remotes.get(&follower).and_then(|r| r.log_end_offset) else {
            return;
        };
        if leo >= hw && leo >= l.epoch_start_offset {
            // Kafka: `Partition.prepareIsrExpand` adds the follower to the current ISR.
            let mut proposed = isr.clone();
            proposed.push(follower);
            l.pending = Some(PendingIsr {
                proposed: proposed.clone(),
                maximal: proposed.clone(),
                retry_at: Tick(ctx.now.0 + ALTER_PARTITION_RETRY_TICKS),
                fast_retries: 0,
                quiet: false,
            });
            let why = format!("broker {} caught up to HW {}", follower.0, hw.0);
            send_alter_partition(ctx, me, tp, &p.meta, proposed, why, controller);
        }
    }

    /// Sends a pending AlterPartition again when its answer never came (a cut link, a dropped
    /// envelope), with the partition's current epochs.
    fn maybe_retry_alter_partition(
        &mut self,
        ctx: &mut Ctx,
        tp: &TopicPartition,
        controller: &NodeAddr,
    ) {
        let me = self.id;
        let Some(p) = self.partitions.get_mut(tp) else {
            return;
        };
        let Role::Leader(l) = &mut p.role else { return };
        let Some(pending) = l.pending.as_mut().filter(|x| ctx.now >= x.retry_at) else {
            return;
        };
        pending.retry_at = Tick(ctx.now.0 + ALTER_PARTITION_RETRY_TICKS);
        let proposed = pending.proposed.clone();
        let quiet = std::mem::take(&mut pending.quiet);
        if quiet {
            // The controller channel resends quietly until some controller is active.
            send_alter_partition_rpc(ctx, me, tp, &p.meta, proposed, controller);
        } else {
            let why = "no answer from the controller, retrying".to_string();
            send_alter_partition(ctx, me, tp, &p.meta, proposed, why, controller);
        }
    }

    /// Kafka: `Partition.maybeShrinkIsr` / `getOutOfSyncReplicas`.
    fn maybe_shrink_isr(
        &mut self,
        ctx: &mut Ctx,
        tp: &TopicPartition,
        settings: &BrokerSettings,
        controller: &NodeAddr,
    ) {
        let me = self.id;
        let Some(p) = self.partitions.get_mut(tp) else {
            return;
        };
        let leo = p.log.log_end_offset();
        let isr = p.meta.isr.clone();
        let Role::Leader(l) = &mut p.role else { return };
        if l.pending.is_some() {
            return;
        }
        let out_of_sync: Vec<BrokerId> = isr
            .iter()
            .filter(|&&r| r != me)
            .filter(|r| {
                l.remotes.get(r).is_none_or(|rr| {
                    !rr.is_caught_up(leo, ctx.now, settings.replica_lag_time_max_ticks)
                })
            })
            .copied()
            .collect();
        if out_of_sync.is_empty() {
            return;
        }
        let proposed: Vec<BrokerId> = isr
            .iter()
            .filter(|r| !out_of_sync.contains(r))
            .copied()
            .collect();
        // While shrinking, the maximal ISR stays the committed one (PendingShrinkIsr).
        l.pending = Some(PendingIsr {
            proposed: proposed.clone(),
            maximal: isr.clone(),
            retry_at: Tick(ctx.now.0 + ALTER_PARTITION_RETRY_TICKS),
            fast_retries: 0,
            quiet: false,
        });
        let max_ms = settings.replica_lag_time_max_ticks * crate::config::MS_PER_TICK;
        let who: Vec<String> = out_of_sync
            .iter()
            .map(|b| {
                let since = l
                    .remotes
                    .get(b)
                    .map_or(ctx.now.0, |r| ctx.now.0.saturating_sub(r.last_caught_up.0));
                format!(
                    "broker {} last caught up {}ms ago",
                    b.0,
                    since * crate::config::MS_PER_TICK
                )
            })
            .collect();
        let why = format!("{} > replica.lag.time.max.ms={max_ms}", who.join(", "));
        send_alter_partition(ctx, me, tp, &p.meta, proposed, why, controller);
    }

    /// A controller request failed fast (`NOT_CONTROLLER`, connection closed): send it again soon.
    fn retry_controller_request(
        &mut self,
        ctx: &mut Ctx,
        request: &str,
        tp: Option<&TopicPartition>,
    ) {
        let soon = Tick(ctx.now.0 + CONTROLLER_RETRY_TICKS);
        match request {
            "BrokerRegistration" if self.registration_in_flight => {
                self.next_heartbeat_at = self.next_heartbeat_at.min(soon);
            }
            "BrokerHeartbeat" => {
                self.heartbeat_sent_at = None;
                self.next_heartbeat_at = self.next_heartbeat_at.min(soon);
            }
            "AlterPartition" => {
                let Some(p) = tp.and_then(|tp| self.partitions.get_mut(tp)) else {
                    return;
                };
                if let Role::Leader(LeaderState {
                    pending: Some(pending),
                    ..
                }) = &mut p.role
                {
                    // Kafka: `retry.backoff.ms` 100 doubling up to `retry.backoff.max.ms` 1000.
                    let backoff = (CONTROLLER_RETRY_TICKS << pending.fast_retries.min(4)).min(1000);
                    pending.fast_retries += 1;
                    pending.quiet = true;
                    pending.retry_at = pending.retry_at.min(Tick(ctx.now.0 + backoff));
                }
            }
            _ => {}
        }
    }

    fn handle_alter_partition_response(
        &mut self,
        ctx: &mut Ctx,
        tp: &TopicPartition,
        result: Result<PartitionState, KafkaError>,
        settings: &BrokerSettings,
    ) {
        let me = self.id;
        let Some(p) = self.partitions.get_mut(tp) else {
            return;
        };
        let Role::Leader(l) = &mut p.role else { return };
        l.pending = None;
        match result {
            Ok(state) => {
                if state.partition_epoch >= p.meta.partition_epoch
                    && state.leader_epoch == p.meta.leader_epoch
                {
                    p.meta = state;
                }
                self.maybe_increment_leader_hw(ctx, tp, settings);
            }
            Err(error) => ctx.emit(EventKind::AlterPartitionFailed {
                broker: me,
                tp: tp.clone(),
                error,
            }),
        }
    }

    // ----------------------------------------------------------------------------------------
    // Follower: the fetcher (`AbstractFetcherThread`).
    // ----------------------------------------------------------------------------------------

    fn maybe_send_fetch(&mut self, ctx: &mut Ctx, tp: &TopicPartition) {
        let me = self.id;
        let Some(p) = self.partitions.get_mut(tp) else {
            return;
        };
        let Role::Follower(f) = &mut p.role else {
            return;
        };
        let Some(leader) = f.leader else { return };
        if f.fetch_in_flight.is_some_and(|x| ctx.now >= x.deadline) {
            f.fetch_in_flight = None; // replica.socket.timeout.ms: give up on it and fetch again
        }
        if f.fetch_in_flight.is_some() || ctx.now < f.next_fetch_at {
            return;
        }
        f.fetch_in_flight = Some(InFlightFetch {
            leader,
            epoch: p.meta.leader_epoch,
            fetch_offset: p.log.log_end_offset(),
            deadline: Tick(ctx.now.0 + REPLICA_SOCKET_TIMEOUT_TICKS),
        });
        let rpc = Rpc::Fetch {
            tp: tp.clone(),
            replica_id: me,
            fetch_offset: p.log.log_end_offset(),
            last_fetched_epoch: p.log.latest_epoch(),
            current_leader_epoch: p.meta.leader_epoch,
        };
        ctx.send(NodeAddr::Broker(me), NodeAddr::Broker(leader), rpc);
    }

    fn fetch_failed(&mut self, tp: &TopicPartition, now: Tick, settings: &BrokerSettings) {
        if let Some(ReplicaPartition {
            role: Role::Follower(f),
            ..
        }) = self.partitions.get_mut(tp)
        {
            f.fetch_in_flight = None;
            f.next_fetch_at = Tick(now.0 + settings.replica_fetch_backoff_ticks);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn handle_fetch_response(
        &mut self,
        ctx: &mut Ctx,
        from: &NodeAddr,
        tp: &TopicPartition,
        request: (LeaderEpoch, Offset),
        error: Option<KafkaError>,
        (leader_hw, leader_log_start): (Offset, Offset),
        records: Vec<Record>,
        diverging: Option<(LeaderEpoch, Offset)>,
        settings: &BrokerSettings,
    ) {
        let me = self.id;
        let Some(p) = self.partitions.get_mut(tp) else {
            return;
        };
        let Role::Follower(f) = &mut p.role else {
            return;
        };
        // Only the answer to the fetch we are waiting for counts: same leader, same leader epoch,
        // same fetch offset (Kafka: `AbstractFetcherThread.processFetchRequest` checks the
        // partition's fetch state). Anything else is stale and ignored.
        let expected = f
            .fetch_in_flight
            .map(|x| (NodeAddr::Broker(x.leader), x.epoch, x.fetch_offset));
        if expected != Some((from.clone(), request.0, request.1))
            || request.0 != p.meta.leader_epoch
            || request.1 != p.log.log_end_offset()
        {
            return;
        }
        f.fetch_in_flight = None;
        if let Some(e) = error {
            if e == KafkaError::OffsetOutOfRange && leader_log_start > p.log.log_end_offset() {
                // Kafka: `ReplicaFetcherThread.handleOffsetOutOfRange` — the leader deleted what
                // this follower still needs: start over at the leader's log start.
                let from = p.log.log_end_offset();
                let lost = p.log.truncate_fully_and_start_at(leader_log_start);
                ctx.emit(EventKind::Truncated {
                    broker: me,
                    tp: tp.clone(),
                    from,
                    to: leader_log_start,
                    lost,
                });
            } else if e == KafkaError::OffsetOutOfRange {
                // Kafka falls back to the HW when no epoch boundary can be found.
                let hw = p.log.high_watermark();
                truncate(ctx, me, tp, &mut p.log, hw);
            }
            self.fetch_failed(tp, ctx.now, settings);
            return;
        }
        if let Some((epoch, end)) = diverging {
            let to = offset_to_truncate_to(&p.log, epoch, end);
            truncate(ctx, me, tp, &mut p.log, to);
            return; // next tick fetches again from the new end
        }
        if !records.is_empty() {
            let from = p.log.log_end_offset();
            p.log.append_as_follower(records);
            ctx.emit(EventKind::Replicated {
                broker: me,
                tp: tp.clone(),
                from,
                to: p.log.log_end_offset(),
            });
            emit_rolls(ctx, me, tp, &mut p.log);
        }
        p.log.set_follower_high_watermark(leader_hw);
        // Kafka: `ReplicaFetcherThread.processPartitionData` → `maybeIncrementLogStartOffset`;
        // the segments below it go at the next retention check.
        p.log.maybe_increment_log_start_offset(leader_log_start);
    }
}

/// Whether a partition has a fetch to send or a purgatory entry to expire at `now`.
fn timer_due(p: &ReplicaPartition, now: Tick) -> bool {
    match &p.role {
        Role::Follower(f) => match f.fetch_in_flight {
            None => f.leader.is_some() && now >= f.next_fetch_at,
            Some(x) => now >= x.deadline,
        },
        Role::Leader(l) => {
            l.delayed_produces.iter().any(|d| now >= d.deadline)
                || l.parked_fetches.iter().any(|f| now >= f.deadline)
                || l.pending.as_ref().is_some_and(|x| now >= x.retry_at)
        }
    }
}

/// Kafka: `AbstractFetcherThread.getOffsetTruncationState` for a diverging epoch from the leader.
pub fn offset_to_truncate_to(log: &Log, leader_epoch: LeaderEpoch, leader_end: Offset) -> Offset {
    let replica_end = log.log_end_offset();
    match log.end_offset_for_epoch(leader_epoch) {
        // The follower does not know the leader's epoch: cut back to the end of the largest epoch
        // below it; the next fetch continues the search.
        Some((follower_epoch, follower_end)) if follower_epoch != leader_epoch => {
            follower_end.min(replica_end)
        }
        Some((_, follower_end)) => follower_end.min(leader_end).min(replica_end),
        None => leader_end.min(replica_end),
    }
}

/// Answers a produce request from `client` (every path that completes a produce ends here).
fn answer_produce(
    ctx: &mut Ctx,
    me: BrokerId,
    client: &str,
    request: RequestId,
    tp: &TopicPartition,
    result: Result<Offset, (KafkaError, String)>,
) {
    ctx.send(
        NodeAddr::Broker(me),
        NodeAddr::Client(client.to_string()),
        Rpc::ProduceResponse {
            request,
            tp: tp.clone(),
            result,
        },
    );
}

/// `SegmentRolled` for each segment the last append rolled.
fn emit_rolls(ctx: &mut Ctx, broker: BrokerId, tp: &TopicPartition, log: &mut Log) {
    for (base_offset, closed_bytes) in log.segments.take_rolled() {
        ctx.emit(EventKind::SegmentRolled {
            broker,
            tp: tp.clone(),
            base_offset,
            closed_bytes,
        });
    }
}

fn truncate(ctx: &mut Ctx, broker: BrokerId, tp: &TopicPartition, log: &mut Log, to: Offset) {
    let from = log.log_end_offset();
    let lost = log.truncate_to(to);
    if lost > 0 {
        ctx.emit(EventKind::Truncated {
            broker,
            tp: tp.clone(),
            from,
            to,
            lost,
        });
    }
}

fn send_alter_partition(
    ctx: &mut Ctx,
    me: BrokerId,
    tp: &TopicPartition,
    meta: &PartitionState,
    proposed: Vec<BrokerId>,
    why: String,
    controller: &NodeAddr,
) {
    ctx.emit(EventKind::AlterPartitionSent {
        broker: me,
        tp: tp.clone(),
        proposed_isr: proposed.clone(),
        why,
    });
    send_alter_partition_rpc(ctx, me, tp, meta, proposed, controller);
}

fn send_alter_partition_rpc(
    ctx: &mut Ctx,
    me: BrokerId,
    tp: &TopicPartition,
    meta: &PartitionState,
    proposed: Vec<BrokerId>,
    controller: &NodeAddr,
) {
    ctx.send(
        NodeAddr::Broker(me),
        controller.clone(),
        Rpc::AlterPartition {
            tp: tp.clone(),
            leader: me,
            leader_epoch: meta.leader_epoch,
            partition_epoch: meta.partition_epoch,
            new_isr: proposed,
        },
    );
}

/// Appends for the group coordinator (kept apart so the replication code stays untouched).
impl Broker {
    /// Appends records to a partition this broker leads, the way the group coordinator writes to
    /// `__consumer_offsets` (Kafka: `ReplicaManager.appendRecords` with acks=-1 from the
    /// coordinator runtime): followers' parked fetches are answered and the HW may move. Returns
    /// the offset of the last record, or `None` if this broker does not lead the partition.
    pub fn append_internal(
        &mut self,
        ctx: &mut Ctx,
        tp: &TopicPartition,
        records: Vec<crate::log::NewRecord>,
        settings: &BrokerSettings,
    ) -> Option<Offset> {
        let me = self.id;
        let p = self.partitions.get_mut(tp).filter(|p| p.is_leader())?;
        let n = records.len() as u64;
        if n == 0 {
            return None;
        }
        let epoch = p.meta.leader_epoch;
        let now_ms = ctx.now.0 * crate::config::MS_PER_TICK;
        let base = p.log.append_batch_as_leader(epoch, records, None, now_ms);
        ctx.emit(EventKind::Appended {
            broker: me,
            tp: tp.clone(),
            offset: base,
            leader_epoch: epoch,
            records: n,
        });
        emit_rolls(ctx, me, tp, &mut p.log);
        self.complete_parked_fetches(ctx, tp, false, settings.replica_fetch_max_bytes);
        self.maybe_increment_leader_hw(ctx, tp, settings);
        Some(Offset(base.0 + n - 1))
    }
}

/// Transaction markers (kept apart so the replication code stays untouched).
impl Broker {
    /// Appends a COMMIT or ABORT marker to a partition this broker leads (Kafka: WriteTxnMarkers
    /// → `ReplicaManager.appendRecords` with acks=-1): refused with `NOT_LEADER_OR_FOLLOWER`
    /// elsewhere, `NOT_ENOUGH_REPLICAS` below min ISR, `INVALID_PRODUCER_EPOCH` for an epoch the
    /// partition has moved past. Returns the marker's offset and the leader epoch.
    pub fn append_marker(
        &mut self,
        ctx: &mut Ctx,
        tp: &TopicPartition,
        producer_id: u64,
        producer_epoch: u16,
        commit: bool,
        settings: &BrokerSettings,
    ) -> Result<(Offset, crate::ids::LeaderEpoch), KafkaError> {
        let me = self.id;
        let p = self
            .partitions
            .get_mut(tp)
            .filter(|p| p.is_leader())
            .ok_or(KafkaError::NotLeaderOrFollower)?;
        if p.meta.isr.len() < p.effective_min_isr() {
            return Err(KafkaError::NotEnoughReplicas);
        }
        let epoch = p.meta.leader_epoch;
        let offset = p
            .log
            .append_control(
                epoch,
                producer_id,
                producer_epoch,
                commit,
                ctx.now.0 * crate::config::MS_PER_TICK,
            )
            .map_err(|(e, _)| e)?;
        ctx.emit(EventKind::Appended {
            broker: me,
            tp: tp.clone(),
            offset,
            leader_epoch: epoch,
            records: 1,
        });
        self.complete_parked_fetches(ctx, tp, false, settings.replica_fetch_max_bytes);
        self.maybe_increment_leader_hw(ctx, tp, settings);
        Ok((offset, epoch))
    }

    /// Appends records of a transaction to a partition this broker leads, the way the group
    /// coordinator writes TxnOffsetCommit records (transactional, so they count only once the
    /// COMMIT marker follows). Returns the offset of the last record.
    pub fn append_internal_transactional(
        &mut self,
        ctx: &mut Ctx,
        tp: &TopicPartition,
        records: Vec<crate::log::NewRecord>,
        producer: (u64, u16),
        settings: &BrokerSettings,
    ) -> Option<Offset> {
        let me = self.id;
        let p = self.partitions.get_mut(tp).filter(|p| p.is_leader())?;
        let n = records.len() as u64;
        if n == 0 {
            return None;
        }
        let epoch = p.meta.leader_epoch;
        let base = p.log.append_batch_of_kind(
            epoch,
            records,
            Some((producer.0, producer.1, 0)),
            crate::log::BatchKind::Transactional,
            ctx.now.0 * crate::config::MS_PER_TICK,
        );
        ctx.emit(EventKind::Appended {
            broker: me,
            tp: tp.clone(),
            offset: base,
            leader_epoch: epoch,
            records: n,
        });
        self.complete_parked_fetches(ctx, tp, false, settings.replica_fetch_max_bytes);
        self.maybe_increment_leader_hw(ctx, tp, settings);
        Some(Offset(base.0 + n - 1))
    }
}

#[cfg(test)]
mod tests {
    //! Kafka's `kafka.cluster.ReplicaTest`, with its values (`ReplicaLagTimeMaxMs` = 30000; the
    //! log start offset is not modelled, so those assertions are left out).
    use super::*;

    const LAG_MAX: u64 = 30_000;

    fn state(r: &RemoteReplica) -> (Option<u64>, u64, Option<u64>, u64) {
        (
            r.log_end_offset.map(|o| o.0),
            r.last_caught_up.0,
            r.last_fetch_leader_leo.map(|o| o.0),
            r.last_fetch_time.0,
        )
    }

    #[test]
    fn test_initial_state() {
        assert_eq!(state(&RemoteReplica::new()), (None, 0, Some(0), 0));
    }

    #[test]
    fn test_update_fetch_state() {
        let mut r = RemoteReplica::new();
        let t1 = Tick(1000);
        r.update_fetch_state(Offset(5), t1, Offset(10));
        assert_eq!(state(&r), (Some(5), 0, Some(10), 1000));
        let t2 = Tick(2000);
        r.update_fetch_state(Offset(10), t2, Offset(15));
        assert_eq!(
            state(&r),
            (Some(10), 1000, Some(15), 2000),
            "caught up as of the previous fetch"
        );
        let t3 = Tick(3000);
        r.update_fetch_state(Offset(15), t3, Offset(15));
        assert_eq!(state(&r), (Some(15), 3000, Some(15), 3000));
    }

    fn fetched_to_end() -> RemoteReplica {
        let mut r = RemoteReplica::new();
        r.update_fetch_state(Offset(10), Tick(500), Offset(10));
        r
    }

    #[test]
    fn test_reset_replica_state_when_leader_is_reelected_and_replica_is_in_sync() {
        let mut r = fetched_to_end();
        r.reset_replica_state(Tick(900), Offset(11), false, true);
        assert_eq!(state(&r), (Some(10), 900, Some(11), 900));
    }

    #[test]
    fn test_reset_replica_state_when_leader_is_reelected_and_replica_is_not_in_sync() {
        let mut r = fetched_to_end();
        r.reset_replica_state(Tick(900), Offset(11), false, false);
        assert_eq!(state(&r), (Some(10), 0, Some(11), 0));
    }

    #[test]
    fn test_reset_replica_state_when_new_leader_is_elected_and_replica_is_in_sync() {
        let mut r = fetched_to_end();
        r.reset_replica_state(Tick(900), Offset(11), true, true);
        assert_eq!(state(&r), (None, 900, None, 0));
    }

    #[test]
    fn test_reset_replica_state_when_new_leader_is_elected_and_replica_is_not_in_sync() {
        let mut r = fetched_to_end();
        r.reset_replica_state(Tick(900), Offset(11), true, false);
        assert_eq!(state(&r), (None, 0, None, 0));
    }

    #[test]
    fn test_is_caught_up_when_replica_is_caught_up_to_log_end() {
        let mut r = RemoteReplica::new();
        let now = Tick(100_000);
        assert!(!r.is_caught_up(Offset(10), now, LAG_MAX));
        r.update_fetch_state(Offset(10), now, Offset(10));
        assert!(r.is_caught_up(Offset(10), now, LAG_MAX));
        assert!(
            r.is_caught_up(Offset(10), Tick(now.0 + LAG_MAX + 1), LAG_MAX),
            "at the log end: no lag"
        );
    }

    #[test]
    fn test_is_caught_up_when_replica_is_not_caught_up_to_log_end() {
        let mut r = RemoteReplica::new();
        let now = Tick(100_000);
        assert!(!r.is_caught_up(Offset(10), now, LAG_MAX));
        r.update_fetch_state(Offset(5), now, Offset(10));
        assert!(!r.is_caught_up(Offset(10), now, LAG_MAX));
        r.update_fetch_state(Offset(10), now, Offset(15));
        assert!(r.is_caught_up(Offset(16), now, LAG_MAX));
        assert!(!r.is_caught_up(Offset(16), Tick(now.0 + LAG_MAX + 1), LAG_MAX));
    }
}
