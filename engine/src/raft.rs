//! The KRaft metadata quorum: the Raft protocol Kafka's controllers use to elect an active
//! controller and replicate the `__cluster_metadata` log.
//!
//! Ported from Kafka's `raft` module (4.x):
//! - `QuorumState` / `EpochState`: the roles Unattached, Prospective (KIP-996 pre-vote),
//!   Candidate, Leader, Follower and Resigned, with the epoch and `votedFor` kept on disk;
//! - `KafkaRaftClient.handleVoteRequest`: a vote is granted once per epoch, only to a candidate
//!   whose log is at least as up to date (last epoch, then end offset); a pre-vote changes nothing
//!   on the voter and is refused while the voter still hears from a leader;
//! - `LeaderState.maybeUpdateHighWatermark`: the HW is the end offset of the majority-th voter
//!   (voters sorted by end offset, index `voters / 2`), and only advances past the epoch start
//!   offset — a new leader must commit a record of its own epoch first;
//! - `LeaderState.updateCheckQuorumForFollowingVoter` / `timeUntilCheckQuorumExpires`: a leader
//!   that has not been fetched from by a majority within 1.5 × `controller.quorum.fetch.timeout.ms`
//!   resigns (check-quorum); a single voter never does;
//! - `KafkaRaftClient.handleFetchRequest`: a follower's fetch is checked against the leader's log
//!   by (fetch offset, last fetched epoch) and answered with the diverging epoch if it must
//!   truncate (KIP-595), parked up to 500 ms (`fetchMaxWaitMs`) when there is nothing new.
//!
//! Simplifications (stated in docs/engine.md and the UI): no EndQuorumEpoch on resignation
//! (followers notice by fetch timeout), no snapshots (the log is never cleaned), a static voter
//! set (no KIP-853 reconfiguration), and the election backoff is uniform in
//! `1..=controller.quorum.election.backoff.max.ms` rather than binary exponential.

use crate::errors::KafkaError;
use crate::events::EventKind;
use crate::ids::{NodeAddr, Tick};
use crate::kraft::MetadataRecord;
use crate::network::{Ctx, Rpc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Kafka: `KafkaRaftClient`'s `fetchMaxWaitMs` — how long the leader parks a fetch with nothing new.
pub const FETCH_MAX_WAIT_TICKS: u64 = 500;
/// Kafka: `LeaderState.CHECK_QUORUM_TIMEOUT_FACTOR`.
pub const CHECK_QUORUM_TIMEOUT_FACTOR_X10: u64 = 15;
/// 1.5 × `controller.quorum.fetch.timeout.ms`.
pub fn check_quorum_timeout(s: &QuorumSettings) -> u64 {
    s.fetch_timeout * CHECK_QUORUM_TIMEOUT_FACTOR_X10 / 10
}

/// The most metadata records one fetch response carries.
const MAX_RECORDS_PER_FETCH: usize = 256;

/// The quorum timing settings (`controller.quorum.*`), in ticks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuorumSettings {
    pub election_timeout: u64,
    pub fetch_timeout: u64,
    pub election_backoff_max: u64,
    pub request_timeout: u64,
}

/// One entry of the `__cluster_metadata` log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetaEntry {
    /// The leader epoch the entry was written in.
    pub epoch: u32,
    pub record: MetadataRecord,
}

/// The role of a voter (Kafka: the `EpochState` implementations).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuorumRole {
    /// No leader known in this epoch (may have voted).
    Unattached,
    /// KIP-996: asking for pre-votes before starting an election, without bumping the epoch.
    Prospective,
    /// Asking for votes in a new epoch.
    Candidate,
    Leader,
    Follower,
    /// A leader that gave up (check-quorum failed); waits for an election.
    Resigned,
}

impl QuorumRole {
    pub fn name(self) -> &'static str {
        match self {
            QuorumRole::Unattached => "unattached",
            QuorumRole::Prospective => "prospective",
            QuorumRole::Candidate => "candidate",
            QuorumRole::Leader => "leader",
            QuorumRole::Follower => "follower",
            QuorumRole::Resigned => "resigned",
        }
    }
}

/// Kafka: `LeaderState`'s check-quorum timer (`updateCheckQuorumForFollowingVoter`,
/// `timeUntilCheckQuorumExpires`): reset whenever voters other than the leader that fetched in
/// this interval, plus the leader itself, make a majority.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckQuorum {
    fetched_voters: BTreeSet<u32>,
    deadline: Tick,
}

impl CheckQuorum {
    pub fn new(now: Tick, timeout: u64) -> Self {
        CheckQuorum {
            fetched_voters: BTreeSet::new(),
            deadline: Tick(now.0 + timeout),
        }
    }

    /// A fetch from `replica`; only voters other than the leader count.
    pub fn fetched(&mut self, replica: u32, voters: &[u32], leader: u32, now: Tick, timeout: u64) {
        if replica == leader || !voters.contains(&replica) {
            return;
        }
        self.fetched_voters.insert(replica);
        let mut majority = voters.len() / 2 + 1;
        if voters.contains(&leader) {
            majority -= 1;
        }
        if self.fetched_voters.len() >= majority {
            self.fetched_voters.clear();
            self.deadline = Tick(now.0 + timeout);
        }
    }

    /// Milliseconds until the leader must resign; a single voter never does.
    pub fn remaining(&self, now: Tick, voters: usize) -> u64 {
        if voters == 1 {
            return u64::MAX;
        }
        self.deadline.0.saturating_sub(now.0)
    }

    /// How many other voters fetched in the current interval.
    pub fn heard_from(&self) -> usize {
        self.fetched_voters.len()
    }
}

/// The leader's view of the voters (Kafka: `LeaderState`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaderQuorum {
    pub epoch_start_offset: u64,
    /// Each voter's log end offset as last reported by its fetch (the leader's own is its LEO).
    pub end_offsets: BTreeMap<u32, Option<u64>>,
    /// Voters that acknowledged this leader (BeginQuorumEpoch answered or fetched).
    acknowledged: BTreeSet<u32>,
    /// The check-quorum timer.
    pub check_quorum: CheckQuorum,
    begin_quorum_deadline: Tick,
    /// Fetches with nothing to return, parked until this deadline: voter → (fetch offset, deadline).
    parked: BTreeMap<u32, Tick>,
}

/// One controller's Raft state. The log, epoch and vote survive a crash (`quorum-state` file);
/// the role does not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RaftNode {
    pub id: u32,
    pub voters: Vec<u32>,
    pub role: QuorumRole,
    pub epoch: u32,
    pub voted_for: Option<u32>,
    /// The leader of `epoch`, once known.
    pub leader: Option<u32>,
    pub log: Vec<MetaEntry>,
    /// Entries below this offset are committed.
    pub high_watermark: u64,
    /// Unattached / Prospective / Candidate / Resigned: when the current wait ends.
    pub election_deadline: Tick,
    /// Follower: becomes Prospective if no fetch succeeds by then.
    pub fetch_deadline: Tick,
    fetch_in_flight: Option<Tick>,
    granted: BTreeSet<u32>,
    rejected: BTreeSet<u32>,
    pub leader_state: Option<LeaderQuorum>,
}

impl RaftNode {
    /// A voter that has just been formatted and joins an already running quorum.
    pub fn new(id: u32, voters: Vec<u32>) -> Self {
        RaftNode {
            id,
            voters,
            role: QuorumRole::Unattached,
            epoch: 0,
            voted_for: None,
            leader: None,
            log: vec![],
            high_watermark: 0,
            election_deadline: Tick(0),
            fetch_deadline: Tick(0),
            fetch_in_flight: None,
            granted: BTreeSet::new(),
            rejected: BTreeSet::new(),
            leader_state: None,
        }
    }

    fn addr(&self) -> NodeAddr {
        NodeAddr::Controller(self.id)
    }

    /// A quorum that is already formed: `log` committed everywhere, `leader` leads epoch 1.
    pub fn bootstrap(
        &mut self,
        ctx: &mut Ctx,
        s: &QuorumSettings,
        log: Vec<MetaEntry>,
        leader: u32,
    ) {
        self.epoch = 1;
        self.voted_for = Some(leader);
        self.leader = Some(leader);
        self.log = log;
        self.high_watermark = self.end_offset();
        if leader == self.id {
            self.role = QuorumRole::Leader;
            let end = self.end_offset();
            self.leader_state = Some(LeaderQuorum {
                epoch_start_offset: 0,
                end_offsets: self.voters.iter().map(|&v| (v, Some(end))).collect(),
                acknowledged: self.voters.iter().copied().collect(),
                check_quorum: CheckQuorum::new(ctx.now, check_quorum_timeout(s)),
                begin_quorum_deadline: Tick(u64::MAX),
                parked: BTreeMap::new(),
            });
        } else {
            self.role = QuorumRole::Follower;
            self.fetch_deadline = Tick(ctx.now.0 + s.fetch_timeout);
        }
    }

    /// Process start (Kafka: `QuorumState.initialize` from the `quorum-state` file): the log,
    /// epoch and vote were on disk; a former leader comes back Resigned, a follower of a known
    /// leader as a Follower, anyone else Unattached. The HW is learned again.
    pub fn restart(&mut self, ctx: &mut Ctx, s: &QuorumSettings) {
        self.high_watermark = 0;
        self.leader_state = None;
        self.fetch_in_flight = None;
        self.granted.clear();
        self.rejected.clear();
        match self.leader {
            Some(l) if l == self.id => {
                self.role = QuorumRole::Resigned;
                self.election_deadline = self.random_election_timeout(ctx, s);
            }
            Some(_) => {
                self.role = QuorumRole::Follower;
                self.fetch_deadline = Tick(ctx.now.0 + s.fetch_timeout);
            }
            None => {
                self.role = QuorumRole::Unattached;
                self.election_deadline = self.random_election_timeout(ctx, s);
            }
        }
    }

    pub fn end_offset(&self) -> u64 {
        self.log.len() as u64
    }

    pub fn last_epoch(&self) -> u32 {
        self.log.last().map_or(0, |e| e.epoch)
    }

    fn majority(&self) -> usize {
        self.voters.len() / 2 + 1
    }

    fn others(&self) -> Vec<u32> {
        self.voters
            .iter()
            .copied()
            .filter(|&v| v != self.id)
            .collect()
    }

    pub fn is_leader(&self) -> bool {
        self.role == QuorumRole::Leader
    }

    /// The leader this node currently follows or is (none while electing or resigned): the only
    /// leader worth naming to others.
    fn live_leader(&self) -> Option<u32> {
        match self.role {
            QuorumRole::Leader | QuorumRole::Follower => self.leader,
            _ => None,
        }
    }

    fn random_election_timeout(&self, ctx: &mut Ctx, s: &QuorumSettings) -> Tick {
        // Kafka: `randomElectionTimeoutMs` = electionTimeoutMs + random(electionTimeoutMs).
        Tick(ctx.now.0 + s.election_timeout + ctx.rng.below(s.election_timeout.max(1)))
    }

    fn backoff(&self, ctx: &mut Ctx, s: &QuorumSettings) -> Tick {
        Tick(ctx.now.0 + 1 + ctx.rng.below(s.election_backoff_max.max(1)))
    }

    // ---------------------------------------------------------------------------------------
    // Transitions (Kafka: `QuorumState.transitionTo*`).
    // ---------------------------------------------------------------------------------------

    /// A new epoch with no leader known yet: the vote is cleared.
    fn become_unattached(&mut self, ctx: &mut Ctx, s: &QuorumSettings, epoch: u32) {
        let was_leader = self.is_leader();
        self.epoch = epoch;
        self.voted_for = None;
        self.leader = None;
        self.leader_state = None;
        self.fetch_in_flight = None;
        self.role = QuorumRole::Unattached;
        self.election_deadline = self.random_election_timeout(ctx, s);
        if was_leader {
            ctx.emit(EventKind::QuorumLeaderResigned {
                controller: self.id,
                epoch,
                reason: "a higher epoch was seen".into(),
            });
        }
    }

    fn become_follower(&mut self, ctx: &mut Ctx, s: &QuorumSettings, epoch: u32, leader: u32) {
        let changed =
            self.epoch != epoch || self.leader != Some(leader) || self.role != QuorumRole::Follower;
        if self.epoch != epoch {
            self.voted_for = None;
        }
        self.epoch = epoch;
        self.leader = Some(leader);
        self.leader_state = None;
        self.role = QuorumRole::Follower;
        self.fetch_in_flight = None;
        self.fetch_deadline = Tick(ctx.now.0 + s.fetch_timeout);
        if changed {
            ctx.emit(EventKind::QuorumFollowing {
                controller: self.id,
                leader,
                epoch,
            });
        }
    }

    fn become_prospective(&mut self, ctx: &mut Ctx, s: &QuorumSettings, why: &str) {
        self.role = QuorumRole::Prospective;
        self.fetch_in_flight = None;
        self.granted = BTreeSet::from([self.id]);
        self.rejected.clear();
        self.election_deadline = self.random_election_timeout(ctx, s);
        ctx.emit(EventKind::QuorumProspective {
            controller: self.id,
            epoch: self.epoch,
            reason: why.to_string(),
        });
        if self.granted.len() >= self.majority() {
            self.become_candidate(ctx, s);
            return;
        }
        for v in self.others() {
            self.send_vote(ctx, v, true);
        }
    }

    fn become_candidate(&mut self, ctx: &mut Ctx, s: &QuorumSettings) {
        self.epoch += 1;
        self.voted_for = Some(self.id);
        self.leader = None;
        self.role = QuorumRole::Candidate;
        self.granted = BTreeSet::from([self.id]);
        self.rejected.clear();
        self.election_deadline = self.random_election_timeout(ctx, s);
        ctx.emit(EventKind::QuorumElectionStarted {
            controller: self.id,
            epoch: self.epoch,
        });
        if self.granted.len() >= self.majority() {
            self.become_leader(ctx, s);
            return;
        }
        for v in self.others() {
            self.send_vote(ctx, v, false);
        }
    }

    fn send_vote(&mut self, ctx: &mut Ctx, to: u32, pre_vote: bool) {
        let rpc = Rpc::Vote {
            // A pre-vote asks about the epoch the prospective would start.
            epoch: if pre_vote { self.epoch + 1 } else { self.epoch },
            candidate: self.id,
            last_epoch: self.last_epoch(),
            end_offset: self.end_offset(),
            pre_vote,
        };
        ctx.send(self.addr(), NodeAddr::Controller(to), rpc);
    }

    /// Kafka: `QuorumState.transitionToLeader` + `LeaderState.appendLeaderChangeMessage`.
    fn become_leader(&mut self, ctx: &mut Ctx, s: &QuorumSettings) {
        self.role = QuorumRole::Leader;
        self.leader = Some(self.id);
        let epoch_start_offset = self.end_offset();
        let mut end_offsets: BTreeMap<u32, Option<u64>> =
            self.voters.iter().map(|&v| (v, None)).collect();
        end_offsets.insert(self.id, Some(epoch_start_offset));
        self.leader_state = Some(LeaderQuorum {
            epoch_start_offset,
            end_offsets,
            acknowledged: BTreeSet::from([self.id]),
            check_quorum: CheckQuorum::new(ctx.now, check_quorum_timeout(s)),
            begin_quorum_deadline: ctx.now,
            parked: BTreeMap::new(),
        });
        ctx.emit(EventKind::QuorumLeaderElected {
            controller: self.id,
            epoch: self.epoch,
            votes: self.granted.iter().copied().collect(),
        });
        let voters = self.voters.clone();
        let granting: Vec<u32> = self.granted.iter().copied().collect();
        self.append(
            ctx,
            vec![MetadataRecord::LeaderChange {
                leader: self.id,
                voters,
                granting,
            }],
        );
        self.send_begin_quorum_epoch(ctx, s);
    }

    fn send_begin_quorum_epoch(&mut self, ctx: &mut Ctx, s: &QuorumSettings) {
        let Some(ls) = &mut self.leader_state else {
            return;
        };
        ls.begin_quorum_deadline = Tick(ctx.now.0 + (s.fetch_timeout / 2).max(1));
        let pending: Vec<u32> = self
            .voters
            .iter()
            .copied()
            .filter(|v| !ls.acknowledged.contains(v))
            .collect();
        for v in pending {
            let rpc = Rpc::BeginQuorumEpoch {
                epoch: self.epoch,
                leader: self.id,
            };
            ctx.send(self.addr(), NodeAddr::Controller(v), rpc);
        }
    }

    /// A leader appends records to its log (Kafka: `KafkaRaftClient.prepareAppend`); returns the
    /// offset after the last one. The HW moves at once if this leader alone is a majority.
    pub fn append(&mut self, ctx: &mut Ctx, records: Vec<MetadataRecord>) -> u64 {
        let epoch = self.epoch;
        self.log.extend(
            records
                .into_iter()
                .map(|record| MetaEntry { epoch, record }),
        );
        let end = self.end_offset();
        if let Some(ls) = &mut self.leader_state {
            ls.end_offsets.insert(self.id, Some(end));
        }
        self.maybe_update_high_watermark();
        self.complete_parked_fetches(ctx);
        end
    }

    /// Kafka: `LeaderState.maybeUpdateHighWatermark`. Returns whether the HW moved.
    fn maybe_update_high_watermark(&mut self) -> bool {
        let Some(ls) = &self.leader_state else {
            return false;
        };
        match leader_high_watermark(&ls.end_offsets, ls.epoch_start_offset, self.high_watermark) {
            Some(hw) => {
                self.high_watermark = hw;
                true
            }
            None => false,
        }
    }

    /// Answers every parked fetch now (new records or a new HW): Kafka completes the fetch
    /// purgatory on append and on a high-watermark change.
    fn complete_parked_fetches(&mut self, ctx: &mut Ctx) {
        let parked: Vec<u32> = match &mut self.leader_state {
            Some(ls) => std::mem::take(&mut ls.parked).into_keys().collect(),
            None => return,
        };
        for v in parked {
            self.answer_parked(ctx, v);
        }
    }

    /// Answers a parked fetch from voter `v` from the offset it fetched at.
    fn answer_parked(&mut self, ctx: &mut Ctx, v: u32) {
        let fetch_offset = self
            .leader_state
            .as_ref()
            .and_then(|ls| ls.end_offsets.get(&v).copied().flatten())
            .unwrap_or(0);
        self.answer_fetch(ctx, v, fetch_offset);
    }

    fn answer_fetch(&mut self, ctx: &mut Ctx, to: u32, fetch_offset: u64) {
        let from = fetch_offset.min(self.end_offset()) as usize;
        let to_index = (from + MAX_RECORDS_PER_FETCH).min(self.log.len());
        let rpc = Rpc::QuorumFetchResponse {
            epoch: self.epoch,
            leader: Some(self.id),
            error: None,
            high_watermark: self.high_watermark,
            fetch_offset,
            entries: self.log[from..to_index].to_vec(),
            diverging: None,
        };
        ctx.send(self.addr(), NodeAddr::Controller(to), rpc);
    }

    // ---------------------------------------------------------------------------------------
    // Timers.
    // ---------------------------------------------------------------------------------------

    /// Election, fetch and check-quorum timers; followers send their next fetch.
    pub fn on_tick(&mut self, ctx: &mut Ctx, s: &QuorumSettings) {
        match self.role {
            QuorumRole::Leader => {
                let now = ctx.now;
                let Some(ls) = &mut self.leader_state else {
                    return;
                };
                // Parked fetches that waited `fetchMaxWaitMs` are answered empty.
                let expired: Vec<u32> = if ls.parked.is_empty() {
                    vec![]
                } else {
                    ls.parked
                        .iter()
                        .filter(|(_, &d)| d <= now)
                        .map(|(&v, _)| v)
                        .collect()
                };
                for v in &expired {
                    ls.parked.remove(v);
                }
                let begin_due = now >= ls.begin_quorum_deadline;
                let check_expired = ls.check_quorum.remaining(now, self.voters.len()) == 0;
                for v in expired {
                    self.answer_parked(ctx, v);
                }
                if check_expired {
                    // Kafka: "Did not receive fetch request from the majority of the voters
                    // within {checkQuorumTimeoutMs}ms" → transitionToResigned.
                    let heard = self
                        .leader_state
                        .as_ref()
                        .map_or(0, |ls| ls.check_quorum.heard_from());
                    self.role = QuorumRole::Resigned;
                    self.leader_state = None;
                    self.election_deadline = self.random_election_timeout(ctx, s);
                    ctx.emit(EventKind::QuorumLeaderResigned {
                        controller: self.id,
                        epoch: self.epoch,
                        reason: format!(
                            "check-quorum: fetches from {} of {} other voters within {} ms (needs {})",
                            heard,
                            self.voters.len() - 1,
                            check_quorum_timeout(s),
                            self.majority() - 1
                        ),
                    });
                } else if begin_due {
                    self.send_begin_quorum_epoch(ctx, s);
                }
            }
            QuorumRole::Follower => {
                if ctx.now >= self.fetch_deadline {
                    self.become_prospective(ctx, s, "fetch timeout: no answer from the leader");
                    return;
                }
                let stale = self
                    .fetch_in_flight
                    .is_some_and(|t| ctx.now.0 >= t.0 + s.request_timeout);
                if self.fetch_in_flight.is_none() || stale {
                    self.send_fetch(ctx);
                }
            }
            QuorumRole::Unattached | QuorumRole::Resigned => {
                if ctx.now >= self.election_deadline {
                    self.become_prospective(ctx, s, "election timeout: no leader");
                }
            }
            QuorumRole::Prospective => {
                if ctx.now >= self.election_deadline {
                    // The pre-vote round failed to reach a majority: back off, then try again.
                    self.role = QuorumRole::Unattached;
                    self.election_deadline = self.backoff(ctx, s);
                }
            }
            QuorumRole::Candidate => {
                if ctx.now >= self.election_deadline {
                    // Lost or split election: back off, then pre-vote again (KIP-996).
                    self.role = QuorumRole::Unattached;
                    self.election_deadline = self.backoff(ctx, s);
                }
            }
        }
    }

    fn send_fetch(&mut self, ctx: &mut Ctx) {
        let Some(leader) = self.leader else {
            return;
        };
        self.fetch_in_flight = Some(ctx.now);
        let rpc = Rpc::QuorumFetch {
            epoch: self.epoch,
            replica: self.id,
            fetch_offset: self.end_offset(),
            last_fetched_epoch: self.last_epoch(),
        };
        ctx.send(self.addr(), NodeAddr::Controller(leader), rpc);
    }

    // ---------------------------------------------------------------------------------------
    // Messages.
    // ---------------------------------------------------------------------------------------

    /// Handles a quorum RPC (other messages are ignored).
    pub fn handle(&mut self, ctx: &mut Ctx, s: &QuorumSettings, from: &NodeAddr, rpc: Rpc) {
        let NodeAddr::Controller(peer) = *from else {
            return;
        };
        match rpc {
            Rpc::Vote {
                epoch,
                candidate,
                last_epoch,
                end_offset,
                pre_vote,
            } => self.handle_vote(ctx, s, candidate, epoch, last_epoch, end_offset, pre_vote),
            Rpc::VoteResponse {
                epoch,
                granted,
                leader,
                pre_vote,
            } => self.handle_vote_response(ctx, s, peer, epoch, granted, leader, pre_vote),
            Rpc::BeginQuorumEpoch { epoch, leader } => {
                if epoch >= self.epoch && !(epoch == self.epoch && self.is_leader()) {
                    self.become_follower(ctx, s, epoch, leader);
                }
                let rpc = Rpc::BeginQuorumEpochResponse { epoch: self.epoch };
                ctx.send(self.addr(), from.clone(), rpc);
            }
            Rpc::BeginQuorumEpochResponse { epoch } => {
                if epoch > self.epoch {
                    self.become_unattached(ctx, s, epoch);
                } else if epoch == self.epoch {
                    if let Some(ls) = &mut self.leader_state {
                        ls.acknowledged.insert(peer);
                    }
                }
            }
            Rpc::QuorumFetch {
                epoch,
                replica,
                fetch_offset,
                last_fetched_epoch,
            } => self.handle_fetch(ctx, s, replica, epoch, fetch_offset, last_fetched_epoch),
            Rpc::QuorumFetchResponse {
                epoch,
                leader,
                error,
                high_watermark,
                fetch_offset,
                entries,
                diverging,
            } => self.handle_fetch_response(
                ctx,
                s,
                peer,
                epoch,
                leader,
                error,
                high_watermark,
                fetch_offset,
                entries,
                diverging,
            ),
            _ => {}
        }
    }

    /// Whether a candidate's log is at least as up to date as ours (Kafka:
    /// `QuorumState.canGrantVote` → `OffsetAndEpoch.compareTo`).
    fn log_ok(&self, last_epoch: u32, end_offset: u64) -> bool {
        (last_epoch, end_offset) >= (self.last_epoch(), self.end_offset())
    }

    #[allow(clippy::too_many_arguments)]
    fn handle_vote(
        &mut self,
        ctx: &mut Ctx,
        s: &QuorumSettings,
        candidate: u32,
        epoch: u32,
        last_epoch: u32,
        end_offset: u64,
        pre_vote: bool,
    ) {
        let to = NodeAddr::Controller(candidate);
        let granted = if pre_vote {
            // KIP-996: refuse while we still have a leader we heard from within the fetch
            // timeout (or are the leader); never changes our own state.
            let has_live_leader = self.is_leader()
                || (self.role == QuorumRole::Follower && ctx.now < self.fetch_deadline);
            epoch > self.epoch && !has_live_leader && self.log_ok(last_epoch, end_offset)
        } else {
            if epoch > self.epoch {
                self.become_unattached(ctx, s, epoch);
            }
            let can_vote = epoch == self.epoch
                && self.leader.is_none()
                && self.voted_for.is_none_or(|v| v == candidate)
                && self.log_ok(last_epoch, end_offset);
            if can_vote && self.voted_for.is_none() {
                self.voted_for = Some(candidate);
                self.election_deadline = self.random_election_timeout(ctx, s);
                ctx.emit(EventKind::QuorumVoted {
                    controller: self.id,
                    candidate,
                    epoch,
                });
            }
            can_vote
        };
        let rpc = Rpc::VoteResponse {
            epoch: self.epoch,
            granted,
            leader: self.live_leader(),
            pre_vote,
        };
        ctx.send(self.addr(), to, rpc);
    }

    #[allow(clippy::too_many_arguments)]
    fn handle_vote_response(
        &mut self,
        ctx: &mut Ctx,
        s: &QuorumSettings,
        peer: u32,
        epoch: u32,
        granted: bool,
        leader: Option<u32>,
        pre_vote: bool,
    ) {
        let leader = leader.filter(|&l| l != self.id);
        if epoch > self.epoch {
            match leader {
                Some(l) => self.become_follower(ctx, s, epoch, l),
                None => self.become_unattached(ctx, s, epoch),
            }
            return;
        }
        let expected = if pre_vote {
            QuorumRole::Prospective
        } else {
            QuorumRole::Candidate
        };
        if self.role != expected || epoch != self.epoch {
            return;
        }
        if granted {
            self.granted.insert(peer);
        } else {
            self.rejected.insert(peer);
        }
        if self.granted.len() >= self.majority() {
            if pre_vote {
                self.become_candidate(ctx, s);
            } else {
                self.become_leader(ctx, s);
            }
        } else if self.rejected.len() > self.voters.len() - self.majority() {
            // A majority said no: wait out a backoff, following the leader if one was named.
            match leader {
                Some(l) if pre_vote => self.become_follower(ctx, s, epoch, l),
                _ => {
                    self.role = QuorumRole::Unattached;
                    self.election_deadline = self.backoff(ctx, s);
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn handle_fetch(
        &mut self,
        ctx: &mut Ctx,
        s: &QuorumSettings,
        replica: u32,
        epoch: u32,
        fetch_offset: u64,
        last_fetched_epoch: u32,
    ) {
        let to = NodeAddr::Controller(replica);
        if epoch > self.epoch {
            self.become_unattached(ctx, s, epoch);
        }
        if !self.is_leader() || epoch < self.epoch {
            let error = if epoch < self.epoch {
                KafkaError::FencedLeaderEpoch
            } else {
                KafkaError::NotLeaderOrFollower
            };
            let rpc = Rpc::QuorumFetchResponse {
                epoch: self.epoch,
                leader: self.leader,
                error: Some(error),
                high_watermark: self.high_watermark,
                fetch_offset,
                entries: vec![],
                diverging: None,
            };
            ctx.send(self.addr(), to, rpc);
            return;
        }
        // KIP-595 log validation: does the follower's log agree with ours at its end?
        if let Some((div_epoch, div_end)) =
            diverging_epoch(&self.log, fetch_offset, last_fetched_epoch)
        {
            let rpc = Rpc::QuorumFetchResponse {
                epoch: self.epoch,
                leader: Some(self.id),
                error: None,
                high_watermark: self.high_watermark,
                fetch_offset,
                entries: vec![],
                diverging: Some((div_epoch, div_end)),
            };
            ctx.send(self.addr(), to, rpc);
            return;
        }
        let now = ctx.now;
        let Some(ls) = &mut self.leader_state else {
            return;
        };
        ls.acknowledged.insert(replica);
        ls.end_offsets.insert(replica, Some(fetch_offset));
        ls.check_quorum
            .fetched(replica, &self.voters, self.id, now, check_quorum_timeout(s));
        let old_hw = self.high_watermark;
        let hw_moved = self.maybe_update_high_watermark();
        if hw_moved {
            ctx.emit(EventKind::MetadataCommitted {
                controller: self.id,
                epoch: self.epoch,
                from: old_hw,
                to: self.high_watermark,
            });
        }
        if fetch_offset < self.end_offset() || hw_moved {
            self.answer_fetch(ctx, replica, fetch_offset);
        } else if let Some(ls) = &mut self.leader_state {
            ls.parked
                .insert(replica, Tick(now.0 + FETCH_MAX_WAIT_TICKS));
        }
        if hw_moved {
            self.complete_parked_fetches(ctx);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn handle_fetch_response(
        &mut self,
        ctx: &mut Ctx,
        s: &QuorumSettings,
        peer: u32,
        epoch: u32,
        leader: Option<u32>,
        error: Option<KafkaError>,
        high_watermark: u64,
        fetch_offset: u64,
        entries: Vec<MetaEntry>,
        diverging: Option<(u32, u64)>,
    ) {
        if epoch > self.epoch {
            match leader {
                Some(l) if l != self.id => self.become_follower(ctx, s, epoch, l),
                _ => self.become_unattached(ctx, s, epoch),
            }
            return;
        }
        // Kafka: a NOT_LEADER answer naming another leader of this epoch redirects the fetcher.
        if error == Some(KafkaError::NotLeaderOrFollower) && epoch == self.epoch {
            if let Some(l) = leader.filter(|&l| l != self.id && Some(l) != self.leader) {
                self.become_follower(ctx, s, epoch, l);
                return;
            }
        }
        if self.role != QuorumRole::Follower || self.leader != Some(peer) || epoch != self.epoch {
            return;
        }
        if fetch_offset != self.end_offset() {
            return; // an answer to an older fetch
        }
        self.fetch_in_flight = None;
        if error.is_some() {
            return; // retried on the next tick; the fetch timeout decides when to give up
        }
        self.fetch_deadline = Tick(ctx.now.0 + s.fetch_timeout);
        if let Some((div_epoch, div_end)) = diverging {
            // Kafka: truncate to the leader's end offset for the diverging epoch.
            let ours = end_offset_for_epoch(&self.log, div_epoch).map_or(0, |(_, o)| o);
            let to = div_end.min(ours).min(self.end_offset());
            let removed = self.end_offset() - to;
            self.log.truncate(to as usize);
            if removed > 0 {
                ctx.emit(EventKind::MetadataLogTruncated {
                    controller: self.id,
                    to_offset: to,
                    removed,
                });
            }
            return;
        }
        self.log.extend(entries);
        self.high_watermark = self
            .high_watermark
            .max(high_watermark.min(self.end_offset()));
    }
}

/// Kafka: `LeaderState.maybeUpdateHighWatermark` as a pure function. `end_offsets` holds every
/// voter (the leader included) with its end offset if known. Returns the new HW if it moves.
pub fn leader_high_watermark(
    end_offsets: &BTreeMap<u32, Option<u64>>,
    epoch_start_offset: u64,
    current: u64,
) -> Option<u64> {
    // Voters by descending end offset; unknown offsets sort last (`ReplicaState.compareTo`).
    let mut sorted: Vec<Option<u64>> = end_offsets.values().copied().collect();
    sorted.sort_by(|a, b| match (a, b) {
        (Some(x), Some(y)) => y.cmp(x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    let index_of_hw = end_offsets.len() / 2;
    let candidate = (*sorted.get(index_of_hw)?)?;
    // A new leader may only expose records once one of its own epoch is committed.
    if candidate > epoch_start_offset && candidate > current {
        Some(candidate)
    } else {
        None
    }
}

/// The largest epoch ≤ `epoch` in the log and the offset where it ends (the start of the next
/// epoch, or the log end). Kafka: `ReplicatedLog.endOffsetForEpoch`.
pub fn end_offset_for_epoch(log: &[MetaEntry], epoch: u32) -> Option<(u32, u64)> {
    let mut found: Option<(u32, u64)> = None;
    for (i, e) in log.iter().enumerate() {
        if e.epoch <= epoch {
            found = Some((e.epoch, i as u64 + 1));
        } else {
            break;
        }
    }
    found
}

/// Kafka: `KafkaRaftClient.validateOffsetAndEpoch` — `None` if the follower's log (ending at
/// `fetch_offset` with `last_fetched_epoch`) agrees with ours, else where it must truncate to.
pub fn diverging_epoch(
    log: &[MetaEntry],
    fetch_offset: u64,
    last_fetched_epoch: u32,
) -> Option<(u32, u64)> {
    if fetch_offset == 0 && last_fetched_epoch == 0 {
        return None;
    }
    match end_offset_for_epoch(log, last_fetched_epoch) {
        Some((e, end)) if e == last_fetched_epoch && end >= fetch_offset => None,
        Some((e, end)) => Some((e, end.min(fetch_offset))),
        None => Some((0, 0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offsets(v: &[(u32, Option<u64>)]) -> BTreeMap<u32, Option<u64>> {
        v.iter().copied().collect()
    }

    /// Runs Kafka's sequence of (voter end offsets after the call, expected HW update) from one
    /// epoch start, carrying the HW like `LeaderState` does.
    fn steps(epoch_start: u64, seq: &[(&[(u32, Option<u64>)], Option<u64>)]) {
        let mut hw = 0;
        for (i, (voters, expected)) in seq.iter().enumerate() {
            let got = leader_high_watermark(&offsets(voters), epoch_start, hw);
            assert_eq!(got, *expected, "step {}", i + 1);
            if let Some(h) = got {
                hw = h;
            }
        }
    }

    /// Kafka: `LeaderStateTest.testUpdateHighWatermarkQuorumSizeOne` — voters {0}, epoch start 15:
    /// local 15 → no HW; local 16 → HW 16; local 20 → HW 20.
    #[test]
    fn leader_state_test_update_high_watermark_quorum_size_one() {
        steps(
            15,
            &[
                (&[(0, Some(15))], None),
                (&[(0, Some(16))], Some(16)),
                (&[(0, Some(20))], Some(20)),
            ],
        );
    }

    /// Kafka: `LeaderStateTest.testIdempotentEndOffsetUpdate` — voters {0}, epoch start 15:
    /// local 16 → HW 16; local 16 again → no update.
    #[test]
    fn leader_state_test_idempotent_end_offset_update() {
        steps(
            15,
            &[(&[(0, Some(16))], Some(16)), (&[(0, Some(16))], None)],
        );
    }

    /// Kafka: `LeaderStateTest.testUpdateHighWatermarkQuorumSizeTwo` — voters {0, 1}, epoch start
    /// 10: local 13 → none; node 1 at 10 → none (not past the epoch start); 11 → HW 11; 13 → HW 13.
    #[test]
    fn leader_state_test_update_high_watermark_quorum_size_two() {
        steps(
            10,
            &[
                (&[(0, Some(13)), (1, None)], None),
                (&[(0, Some(13)), (1, Some(10))], None),
                (&[(0, Some(13)), (1, Some(11))], Some(11)),
                (&[(0, Some(13)), (1, Some(13))], Some(13)),
            ],
        );
    }

    /// Kafka: `LeaderStateTest.testUpdateHighWatermarkQuorumSizeThree` — voters {0, 1, 2}, epoch
    /// start 10, Kafka's seven steps with their expected results.
    #[test]
    fn leader_state_test_update_high_watermark_quorum_size_three() {
        steps(
            10,
            &[
                (&[(0, Some(15)), (1, None), (2, None)], None),
                (&[(0, Some(15)), (1, Some(10)), (2, None)], None),
                (&[(0, Some(15)), (1, Some(10)), (2, Some(10))], None),
                (&[(0, Some(15)), (1, Some(10)), (2, Some(15))], Some(15)),
                (&[(0, Some(20)), (1, Some(10)), (2, Some(15))], None),
                (&[(0, Some(20)), (1, Some(20)), (2, Some(15))], Some(20)),
                (&[(0, Some(20)), (1, Some(20)), (2, Some(20))], None),
            ],
        );
    }

    /// Kafka: `LeaderStateTest.testNonMonotonicHighWatermarkUpdate` — voters {0, 1}, epoch start
    /// 0: HW 10, then node 1 reports 5: the HW does not move back.
    #[test]
    fn leader_state_test_non_monotonic_high_watermark_update() {
        steps(
            0,
            &[
                (&[(0, Some(10)), (1, None)], None),
                (&[(0, Some(10)), (1, Some(10))], Some(10)),
                (&[(0, Some(10)), (1, Some(5))], None),
            ],
        );
    }

    /// Kafka: `LeaderStateTest.testHighWatermarkDoesNotDecreaseFromNewVoter` (steps with the
    /// four-voter set): the majority offset 10 is below the HW 15, which stays; it moves to 16
    /// only when a third voter reaches 16.
    #[test]
    fn leader_state_test_high_watermark_does_not_decrease_from_new_voter() {
        steps(
            5,
            &[
                (&[(0, Some(15)), (1, None), (2, None)], None),
                (&[(0, Some(15)), (1, Some(15)), (2, None)], Some(15)),
                (&[(0, Some(15)), (1, Some(15)), (2, Some(10))], None),
                (
                    &[(0, Some(16)), (1, Some(15)), (2, Some(10)), (3, Some(10))],
                    None,
                ),
                (
                    &[(0, Some(16)), (1, Some(15)), (2, Some(13)), (3, Some(10))],
                    None,
                ),
                (
                    &[(0, Some(16)), (1, Some(15)), (2, Some(13)), (3, Some(13))],
                    None,
                ),
                (
                    &[(0, Some(16)), (1, Some(16)), (2, Some(13)), (3, Some(13))],
                    None,
                ),
                (
                    &[(0, Some(16)), (1, Some(16)), (2, Some(13)), (3, Some(16))],
                    Some(16),
                ),
            ],
        );
    }

    /// Kafka: `LeaderStateTest.testCheckQuorum` — five voters {0..4} (leader 0), timeout
    /// 1.5 × 2000 = 3000 ms: fetches from 1 and 2 at T0+1500 reset the timer (2 others + the
    /// leader = a majority of 3); a fetch from 3 (and observer 5) at T0+3000 does not; at
    /// T0+4500 it has expired.
    #[test]
    fn leader_state_test_check_quorum() {
        let voters = [0, 1, 2, 3, 4];
        let mut cq = CheckQuorum::new(Tick(0), 3000);
        assert_eq!(cq.remaining(Tick(0), voters.len()), 3000);
        assert_eq!(cq.remaining(Tick(1500), voters.len()), 1500);
        cq.fetched(1, &voters, 0, Tick(1500), 3000);
        cq.fetched(2, &voters, 0, Tick(1500), 3000);
        assert_eq!(cq.remaining(Tick(1500), voters.len()), 3000);
        assert_eq!(cq.remaining(Tick(3000), voters.len()), 1500);
        cq.fetched(3, &voters, 0, Tick(3000), 3000);
        cq.fetched(5, &voters, 0, Tick(3000), 3000); // an observer does not count
        assert_eq!(cq.remaining(Tick(3000), voters.len()), 1500);
        assert_eq!(cq.remaining(Tick(4500), voters.len()), 0);
    }

    /// Kafka: `LeaderStateTest.testCheckQuorumWithOneVoter` — a single voter never expires.
    #[test]
    fn leader_state_test_check_quorum_with_one_voter() {
        let mut cq = CheckQuorum::new(Tick(0), 3000);
        assert_eq!(cq.remaining(Tick(0), 1), u64::MAX);
        assert_eq!(cq.remaining(Tick(3000), 1), u64::MAX);
        cq.fetched(1, &[0], 0, Tick(3000), 3000);
        assert_eq!(cq.remaining(Tick(3000), 1), u64::MAX);
    }

    /// The HW never moves back: Kafka logs and ignores a lower majority offset.
    #[test]
    fn leader_high_watermark_is_monotonic() {
        assert_eq!(
            leader_high_watermark(
                &offsets(&[(0, Some(20)), (1, Some(12)), (2, Some(12))]),
                10,
                15
            ),
            None
        );
    }

    fn log(epochs: &[u32]) -> Vec<MetaEntry> {
        epochs
            .iter()
            .map(|&epoch| MetaEntry {
                epoch,
                record: MetadataRecord::NoOp,
            })
            .collect()
    }

    #[test]
    fn end_offset_for_epoch_finds_the_largest_epoch_not_above() {
        let l = log(&[1, 1, 3, 3, 3, 5]);
        assert_eq!(end_offset_for_epoch(&l, 1), Some((1, 2)));
        assert_eq!(end_offset_for_epoch(&l, 2), Some((1, 2)));
        assert_eq!(end_offset_for_epoch(&l, 3), Some((3, 5)));
        assert_eq!(end_offset_for_epoch(&l, 9), Some((5, 6)));
        assert_eq!(end_offset_for_epoch(&l, 0), None);
    }

    #[test]
    fn a_follower_ahead_in_an_old_epoch_is_told_to_truncate() {
        let leader = log(&[1, 1, 3, 3]);
        // follower has [1,1,2,2,2]: last fetched epoch 2 at offset 5 → truncate to 2 (epoch 1 end)
        assert_eq!(diverging_epoch(&leader, 5, 2), Some((1, 2)));
        // follower [1,1,3] agrees
        assert_eq!(diverging_epoch(&leader, 3, 3), None);
        // follower [1,1,1] at offset 3 with epoch 1: the leader's epoch 1 ends at 2
        assert_eq!(diverging_epoch(&leader, 3, 1), Some((1, 2)));
        assert_eq!(diverging_epoch(&leader, 0, 0), None);
    }
}
