//! A controller process: a voter of the KRaft quorum ([`RaftNode`]) hosting, while it leads and
//! has caught up, the active controller ([`Controller`]).
//!
//! Ported from Kafka's `QuorumController`:
//! - a quorum leader becomes the *active* controller only once it has replayed the committed log
//!   up to its own epoch start (`QuorumMetaLogListener.handleLeaderChange` fires after the
//!   listener caught up; `QuorumController.claim`), and it then starts every broker's session
//!   afresh (`ClusterControlManager.activate`);
//! - every operation writes records to the log and applies them to the in-memory image at once;
//!   its response is sent only when the records are committed (the controller's purgatory of
//!   deferred events keyed by offset);
//! - losing leadership renounces: the in-memory image reverts to the committed one and pending
//!   responses fail with `NOT_CONTROLLER` (`QuorumController.renounce`);
//! - standby controllers and brokers only ever see committed records.
//!
//! Simplification: brokers receive committed records pushed by the active controller
//! (`MetadataUpdate`) instead of long-polling `Fetch` on `__cluster_metadata` as observers; what
//! they can see, and when, is the same (committed records only, in order).

use crate::events::EventKind;
use crate::ids::{BrokerId, NodeAddr, Tick};
use crate::kraft::{Controller, MetadataRecord, Reply};
use crate::network::{Ctx, PartitionState, Rpc};
use crate::raft::{MetaEntry, QuorumRole, QuorumSettings, RaftNode};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One controller process (`process.roles` contains `controller`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControllerNode {
    pub id: u32,
    pub alive: bool,
    pub raft: RaftNode,
    /// The image replayed from committed records only.
    pub committed: Controller,
    applied: u64,
    /// The active controller's image (committed + its own uncommitted writes), while active.
    pub active: Option<Controller>,
    /// How far the active controller has pushed committed records to brokers.
    pushed: u64,
    /// Responses waiting for their records to commit: (offset that must be committed, to, reply).
    deferred: Vec<(u64, NodeAddr, Reply)>,
    unclean_default: bool,
}

impl ControllerNode {
    pub fn new(id: u32, voters: Vec<u32>, unclean_default: bool) -> Self {
        let mut committed = Controller::with_id(id);
        committed.unclean_default = unclean_default;
        ControllerNode {
            id,
            alive: true,
            raft: RaftNode::new(id, voters),
            committed,
            applied: 0,
            active: None,
            pushed: 0,
            deferred: vec![],
            unclean_default,
        }
    }

    pub fn addr(&self) -> NodeAddr {
        NodeAddr::Controller(self.id)
    }

    pub fn is_active(&self) -> bool {
        self.alive && self.active.is_some()
    }

    /// How far this node has replayed the committed log.
    pub fn applied(&self) -> u64 {
        self.applied
    }

    /// Starts a cluster that is already running: `log` is committed on every voter, `leader`
    /// leads epoch 1 and is the active controller.
    pub fn bootstrap(
        &mut self,
        ctx: &mut Ctx,
        s: &QuorumSettings,
        log: Vec<MetaEntry>,
        leader: u32,
    ) {
        self.raft.bootstrap(ctx, s, log, leader);
        self.replay_committed(ctx.now);
        if self.raft.is_leader() {
            let mut c = self.committed.clone();
            c.activate(ctx.now, self.raft.high_watermark);
            self.active = Some(c);
            self.pushed = self.raft.high_watermark;
        }
    }

    fn replay_committed(&mut self, now: Tick) {
        while self.applied < self.raft.high_watermark {
            let Some(entry) = self.raft.log.get(self.applied as usize) else {
                break;
            };
            self.committed.replay(&entry.record, now);
            self.applied += 1;
        }
        self.committed.metadata_offset = self.applied;
    }

    /// Process death: the Raft log and `quorum-state` (epoch, vote) survive on disk.
    pub fn crash(&mut self) {
        self.alive = false;
        self.active = None;
        self.deferred.clear();
    }

    /// Process start: reload the log; the committed image is rebuilt as the HW is learned again.
    pub fn restart(&mut self, ctx: &mut Ctx, s: &QuorumSettings) {
        self.alive = true;
        self.raft.restart(ctx, s);
        self.committed = Controller::with_id(self.id);
        self.committed.unclean_default = self.unclean_default;
        self.applied = 0;
        self.pushed = 0;
        self.replay_committed(ctx.now);
    }

    /// Quorum timers, then the active controller's own (fencing, leader rebalancing).
    pub fn on_tick(
        &mut self,
        ctx: &mut Ctx,
        s: &QuorumSettings,
        settings: &crate::config::BrokerSettings,
        alive: &[BrokerId],
    ) {
        if !self.alive {
            return;
        }
        self.raft.on_tick(ctx, s);
        self.sync(ctx, alive);
        if self.active.is_some() {
            self.run(ctx, alive, |c, ctx| c.on_tick(ctx, settings));
        }
    }

    /// Handles a delivered envelope: quorum traffic goes to Raft, controller requests to the
    /// active controller (or are answered `NOT_CONTROLLER`).
    pub fn handle(
        &mut self,
        ctx: &mut Ctx,
        s: &QuorumSettings,
        from: NodeAddr,
        rpc: Rpc,
        alive: &[BrokerId],
    ) {
        match rpc {
            Rpc::BrokerRegistration { .. }
            | Rpc::BrokerHeartbeat { .. }
            | Rpc::AlterPartition { .. } => {
                if self.active.is_some() {
                    self.run(ctx, alive, |c, ctx| c.handle(ctx, from, rpc));
                } else {
                    let tp = match &rpc {
                        Rpc::AlterPartition { tp, .. } => Some(tp.clone()),
                        _ => None,
                    };
                    let leader = self
                        .raft
                        .leader
                        .filter(|&l| l != self.id || self.raft.is_leader());
                    let reply = Rpc::NotController {
                        request: rpc.api().to_string(),
                        tp,
                        leader,
                    };
                    ctx.send(self.addr(), from, reply);
                }
            }
            other => {
                self.raft.handle(ctx, s, &from, other);
                self.sync(ctx, alive);
            }
        }
    }

    /// Runs one operation on the active controller: its records go to the metadata log, its
    /// answers wait for them to commit. `None` if this node is not active.
    pub fn run<R>(
        &mut self,
        ctx: &mut Ctx,
        alive: &[BrokerId],
        f: impl FnOnce(&mut Controller, &mut Ctx) -> R,
    ) -> Option<R> {
        let active = self.active.as_mut()?;
        let result = f(active, ctx);
        if active.outbox.is_empty() && active.replies.is_empty() {
            return Some(result);
        }
        let records: Vec<MetadataRecord> = std::mem::take(&mut active.outbox);
        let replies = std::mem::take(&mut active.replies);
        let needed = if records.is_empty() {
            0
        } else {
            self.raft.append(ctx, records)
        };
        for (to, reply) in replies {
            self.deferred.push((needed, to, reply));
        }
        self.sync(ctx, alive);
        Some(result)
    }

    /// After any change: replay what is newly committed, claim or renounce the active role,
    /// push committed records to brokers, and send the answers whose records are committed.
    fn sync(&mut self, ctx: &mut Ctx, alive: &[BrokerId]) {
        self.replay_committed(ctx.now);
        let hw = self.raft.high_watermark;
        let claimable = self.raft.is_leader()
            && self
                .raft
                .leader_state
                .as_ref()
                .is_some_and(|ls| hw > ls.epoch_start_offset);
        match (self.active.is_some(), claimable) {
            (false, true) => {
                let mut c = self.committed.clone();
                c.activate(ctx.now, hw);
                self.active = Some(c);
                ctx.emit(EventKind::ControllerActivated {
                    controller: self.id,
                    epoch: self.raft.epoch,
                });
                // Brokers catch up from the new active controller.
                self.pushed = hw;
                let brokers = self.push_targets(alive);
                for b in brokers {
                    let rpc = self.full_image();
                    ctx.send(self.addr(), NodeAddr::Broker(b), rpc);
                }
            }
            (true, false) => {
                let uncommitted = self.raft.end_offset().saturating_sub(hw);
                self.active = None;
                ctx.emit(EventKind::ControllerRenounced {
                    controller: self.id,
                    epoch: self.raft.epoch,
                    uncommitted,
                });
                let leader = self.raft.leader.filter(|&l| l != self.id);
                for (_, to, reply) in std::mem::take(&mut self.deferred) {
                    if let Reply::Rpc(rpc) = reply {
                        let (request, tp) = match rpc {
                            Rpc::AlterPartitionResponse { tp, .. } => ("AlterPartition", Some(tp)),
                            Rpc::BrokerRegistrationResponse { .. } => ("BrokerRegistration", None),
                            Rpc::BrokerHeartbeatResponse { .. } => ("BrokerHeartbeat", None),
                            _ => continue,
                        };
                        let rpc = Rpc::NotController {
                            request: request.into(),
                            tp,
                            leader,
                        };
                        ctx.send(self.addr(), to, rpc);
                    }
                }
                return;
            }
            _ => {}
        }
        if self.active.is_none() {
            return;
        }
        if let Some(active) = &mut self.active {
            active.metadata_offset = hw;
        }
        if hw > self.pushed {
            let from = self.pushed;
            let mut changed: BTreeMap<crate::ids::TopicPartition, PartitionState> = BTreeMap::new();
            for e in &self.raft.log[from as usize..hw as usize] {
                if let MetadataRecord::Partition { state, .. } = &e.record {
                    changed.insert(state.tp.clone(), state.clone());
                }
            }
            let partitions: Vec<PartitionState> = changed.into_values().collect();
            let fenced = self.committed_fenced();
            for b in self.push_targets(alive) {
                let rpc = Rpc::MetadataUpdate {
                    offset: hw,
                    prev_offset: from,
                    full: false,
                    partitions: partitions.clone(),
                    fenced_brokers: fenced.clone(),
                };
                ctx.send(self.addr(), NodeAddr::Broker(b), rpc);
            }
            self.pushed = hw;
        }
        if self.deferred.is_empty() {
            return;
        }
        let (ready, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.deferred)
            .into_iter()
            .partition(|(needed, _, _)| *needed <= hw);
        self.deferred = waiting;
        for (_, to, reply) in ready {
            let rpc = match reply {
                Reply::Rpc(rpc) => rpc,
                Reply::FullImage => self.full_image(),
            };
            ctx.send(self.addr(), to, rpc);
        }
    }

    fn committed_fenced(&self) -> Vec<BrokerId> {
        self.committed.fenced_list()
    }

    fn push_targets(&self, alive: &[BrokerId]) -> Vec<BrokerId> {
        self.committed
            .registrations
            .keys()
            .copied()
            .filter(|b| alive.contains(b))
            .collect()
    }

    /// The committed image as one metadata update.
    fn full_image(&self) -> Rpc {
        Rpc::MetadataUpdate {
            offset: self.raft.high_watermark,
            prev_offset: 0,
            full: true,
            partitions: self.committed.partitions.values().cloned().collect(),
            fenced_brokers: self.committed_fenced(),
        }
    }

    /// The node's quorum role, for views (a dead node has none).
    pub fn role(&self) -> Option<QuorumRole> {
        self.alive.then_some(self.raft.role)
    }
}
