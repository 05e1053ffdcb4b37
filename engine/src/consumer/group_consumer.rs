//! The consumer side of the KIP-848 protocol (`group.protocol=consumer`).
//!
//! The background thread sends `ConsumerGroupHeartbeat`: epoch 0 to join, then the member epoch
//! with the partitions it owns. Each response may carry a new assignment; the member reconciles
//! towards it **incrementally**: it revokes the partitions it must give up (committing their
//! offsets first when auto-commit is on), then adds the new ones, and acknowledges at once with
//! another heartbeat. Partitions that do not move keep being fetched and processed throughout —
//! there is no JoinGroup barrier and no stop-the-world.
//!
//! Kafka: `AsyncKafkaConsumer`, `ConsumerMembershipManager` / `AbstractMembershipManager`
//! (`MemberState`: JOINING, RECONCILING, ACKNOWLEDGING, STABLE, FENCED, STALE, LEAVING, FATAL),
//! `ConsumerHeartbeatRequestManager`, `ConsumerConfig.checkUnsupportedConfigsPostProcess`.

use super::{Consumer, MemberState as ClassicState};
use crate::config::{ConfigScope, Configs};
use crate::consumer_group::{HeartbeatRequest, HeartbeatResponse, LEAVE_GROUP_MEMBER_EPOCH};
use crate::errors::KafkaError;
use crate::events::EventKind;
use crate::ids::{Tick, TopicPartition};
use crate::network::{Ctx, Rpc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

const KEY: &str = "ConsumerGroupHeartbeat";

/// Kafka: the client's `MemberState`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MembershipState {
    /// Sending the epoch-0 heartbeat.
    Joining,
    /// Revoking partitions: waiting for the offset commit that precedes the revocation.
    Reconciling,
    /// Reconciled: the next heartbeat (sent at once) acknowledges the owned partitions.
    Acknowledging,
    Stable,
    /// `max.poll.interval.ms` passed without poll(): left the group; rejoins on the next poll().
    Stale,
    /// After close(): the epoch -1 heartbeat was sent.
    Leaving,
}

/// The membership of a consumer using `group.protocol=consumer`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub state: MembershipState,
    pub member_epoch: i32,
    /// Set by the coordinator (`group.consumer.heartbeat.interval.ms`).
    pub heartbeat_interval_ticks: u64,
    /// `group.remote.assignor`, if set.
    pub remote_assignor: Option<String>,
    /// The assignment being reconciled to (after the revocation's offset commit).
    pub reconciling_to: Option<Vec<TopicPartition>>,
    /// The OffsetCommit the revocation waits for.
    pub revocation_commit: Option<u64>,
}

/// The membership for a consumer's configs, if it uses the consumer protocol.
pub fn for_configs(configs: &BTreeMap<String, String>) -> Option<Membership> {
    if configs.get("group.protocol").map(String::as_str) != Some("consumer") {
        return None;
    }
    Some(Membership {
        state: MembershipState::Joining,
        member_epoch: 0,
        heartbeat_interval_ticks: crate::config::ticks_from_ms(5000),
        remote_assignor: configs
            .get("group.remote.assignor")
            .filter(|s| !s.trim().is_empty())
            .cloned(),
        reconciling_to: None,
        revocation_commit: None,
    })
}

/// Kafka: `ConsumerConfig.checkUnsupportedConfigsPostProcess` — configs of the other protocol
/// set explicitly are a `ConfigException`.
pub fn check_unsupported_configs(c: &Configs) -> Result<(), String> {
    let protocol = c.get(ConfigScope::Consumer, "group.protocol");
    let unsupported: &[&str] = if protocol == "consumer" {
        &[
            "partition.assignment.strategy",
            "heartbeat.interval.ms",
            "session.timeout.ms",
        ]
    } else {
        &["group.remote.assignor"]
    };
    let set: Vec<&str> = unsupported
        .iter()
        .copied()
        .filter(|k| c.overrides.get(*k).is_some_and(|v| !v.trim().is_empty()))
        .collect();
    if set.is_empty() {
        return Ok(());
    }
    Err(format!(
        "{} cannot be set when group.protocol={}",
        set.join(", "),
        protocol.to_uppercase()
    ))
}

/// poll(): a stale member (poll timeout) rejoins.
pub fn on_poll(c: &mut Consumer) {
    if let Some(m) = &mut c.membership {
        if m.state == MembershipState::Stale {
            m.state = MembershipState::Joining;
            m.member_epoch = 0;
        }
    }
}

/// The background thread: poll-timeout check, then heartbeats (at once when joining or
/// acknowledging, else every heartbeat interval).
pub fn heartbeat_thread(c: &mut Consumer, ctx: &mut Ctx) {
    let now = ctx.now;
    let Some(coord) = c.coordinator else { return };
    let Some(m) = c.membership.clone() else {
        return;
    };
    if m.member_epoch > 0 && m.state != MembershipState::Stale {
        let since_poll = now.0.saturating_sub(c.last_poll.0);
        if since_poll > crate::config::ticks_from_ms(c.settings.max_poll_interval_ms) {
            // Kafka: the poll timer expired — leave the group, release the partitions
            // (onPartitionsLost) and rejoin when the application polls again.
            ctx.emit(EventKind::PollTimeoutExpired {
                consumer: c.name.clone(),
                ms_since_poll: since_poll * crate::config::MS_PER_TICK,
            });
            send(c, ctx, coord, LEAVE_GROUP_MEMBER_EPOCH);
            c.in_flight.remove(KEY);
            reset(c, MembershipState::Stale);
            return;
        }
    }
    if m.state == MembershipState::Reconciling {
        // The revocation's commit was answered (or given up): finish the revocation.
        let done = m
            .revocation_commit
            .is_none_or(|r| !c.in_flight.contains_key(&format!("OffsetCommit #{r}")));
        if done {
            finish_reconciliation(c, ctx);
        }
        return;
    }
    if matches!(m.state, MembershipState::Stale | MembershipState::Leaving)
        || c.in_flight.contains_key(KEY)
    {
        return;
    }
    let urgent = matches!(
        m.state,
        MembershipState::Joining | MembershipState::Acknowledging
    );
    if urgent || now >= c.next_heartbeat_at {
        let epoch = m.member_epoch;
        send(c, ctx, coord, epoch);
    }
}

fn request(c: &Consumer, epoch: i32) -> HeartbeatRequest {
    HeartbeatRequest {
        group: c.group(),
        member_id: c.member_id.clone(),
        member_epoch: epoch,
        client_id: c.name.clone(),
        rebalance_timeout_ms: c.settings.max_poll_interval_ms,
        subscribed_topics: Some(c.topics.clone()),
        server_assignor: c
            .membership
            .as_ref()
            .and_then(|m| m.remote_assignor.clone()),
        owned: Some(c.assignment.clone()),
    }
}

fn send(c: &mut Consumer, ctx: &mut Ctx, coord: crate::ids::BrokerId, epoch: i32) {
    if c.member_id.is_empty() {
        // KIP-1082 (Kafka 4.0): the client generates its member id (a UUID) before joining.
        c.member_id = format!("{}-{:08x}", c.name, ctx.rng.next_u64() as u32);
    }
    let rpc = Rpc::ConsumerGroupHeartbeat(request(c, epoch));
    c.next_heartbeat_at = Tick(
        ctx.now.0
            + c.membership
                .as_ref()
                .map_or(1, |m| m.heartbeat_interval_ticks),
    );
    if epoch == LEAVE_GROUP_MEMBER_EPOCH {
        ctx.send(c.addr(), crate::ids::NodeAddr::Broker(coord), rpc);
        return;
    }
    let timeout = c.settings.request_timeout_ticks;
    c.send(ctx, KEY, coord, rpc, timeout);
}

/// The request close() sends (Kafka: leave with epoch -1), if the member is in the group.
pub fn leave_request(c: &Consumer) -> Option<Rpc> {
    let m = c.membership.as_ref()?;
    (m.member_epoch > 0).then(|| Rpc::ConsumerGroupHeartbeat(request(c, LEAVE_GROUP_MEMBER_EPOCH)))
}

/// close() sent the leave heartbeat.
pub fn mark_leaving(c: &mut Consumer) {
    if let Some(m) = &mut c.membership {
        m.state = MembershipState::Leaving;
    }
}

/// Drops the member epoch and every partition (Kafka: `onPartitionsLost`, no commit).
fn reset(c: &mut Consumer, state: MembershipState) {
    if let Some(m) = &mut c.membership {
        m.state = state;
        m.member_epoch = 0;
        m.reconciling_to = None;
        m.revocation_commit = None;
    }
    c.generation = -1;
    c.state = ClassicState::Unjoined;
    c.lose_partitions();
}

/// A ConsumerGroupHeartbeat response.
pub fn on_response(c: &mut Consumer, ctx: &mut Ctx, r: HeartbeatResponse) {
    c.in_flight.remove(KEY);
    let Some(state) = c.membership.as_ref().map(|m| m.state) else {
        return;
    };
    if matches!(state, MembershipState::Leaving | MembershipState::Stale) {
        return; // the answer to a leave, or to a heartbeat sent before leaving
    }
    if let Some(e) = r.error {
        on_error(c, ctx, e, r.error_message.unwrap_or_default());
        return;
    }
    c.failures = 0;
    c.last_notice.clear();
    let joined = c.generation <= 0 && r.member_epoch > 0;
    c.member_id = r.member_id.clone();
    c.generation = r.member_epoch;
    c.state = ClassicState::Stable;
    c.rejoin_needed = false;
    let m = c.membership.as_mut().expect("consumer protocol");
    m.member_epoch = r.member_epoch;
    m.heartbeat_interval_ticks = crate::config::ticks_from_ms(r.heartbeat_interval_ms).max(1);
    if m.state == MembershipState::Joining || m.state == MembershipState::Acknowledging {
        m.state = MembershipState::Stable;
    }
    c.next_heartbeat_at = Tick(ctx.now.0 + m.heartbeat_interval_ticks);
    if joined {
        ctx.emit(EventKind::ConsumerJoined {
            consumer: c.name.clone(),
            group: c.group(),
            generation: r.member_epoch,
            member_id: r.member_id.clone(),
            leader: false,
            protocol: "consumer".into(),
        });
    }
    if let Some(target) = r.assignment {
        let owned: BTreeSet<&TopicPartition> = c.assignment.iter().collect();
        let new: BTreeSet<&TopicPartition> = target.iter().collect();
        if owned != new {
            reconcile(c, ctx, target);
        }
    }
}

fn on_error(c: &mut Consumer, ctx: &mut Ctx, e: KafkaError, message: String) {
    match e {
        KafkaError::FencedMemberEpoch | KafkaError::UnknownMemberId => {
            // Kafka: transitionToFenced — partitions lost, rejoin with epoch 0 (same member id).
            ctx.emit(EventKind::ConsumerFenced {
                consumer: c.name.clone(),
                group: c.group(),
                error: e,
                lost: c.assignment.clone(),
            });
            reset(c, MembershipState::Joining);
        }
        KafkaError::NotCoordinator
        | KafkaError::CoordinatorNotAvailable
        | KafkaError::RequestTimedOut => {
            c.fail(ctx, KEY, e, "finding the coordinator again");
            c.coordinator_unknown(ctx);
        }
        fatal => {
            // Kafka: GROUP_ID_NOT_FOUND, UNSUPPORTED_ASSIGNOR, INVALID_REQUEST… reach poll().
            let msg = if message.is_empty() {
                format!("{KEY} failed with {fatal}")
            } else {
                message
            };
            ctx.emit(EventKind::ConsumerError {
                consumer: c.name.clone(),
                error: fatal,
                message: msg.clone(),
            });
            c.failed = Some(msg);
        }
    }
}

/// Kafka: `AbstractMembershipManager.maybeReconcile` — revoke first (after committing, with
/// auto-commit), then assign, then acknowledge.
fn reconcile(c: &mut Consumer, ctx: &mut Ctx, target: Vec<TopicPartition>) {
    let revoking = c.assignment.iter().any(|tp| !target.contains(tp));
    let m = c.membership.as_mut().expect("consumer protocol");
    m.reconciling_to = Some(target);
    if revoking && c.settings.enable_auto_commit {
        // Kafka: autoCommitSyncBeforeRevocation.
        let offsets = c.consumed_offsets();
        let request = c.commit(ctx, offsets);
        let m = c.membership.as_mut().expect("consumer protocol");
        m.state = MembershipState::Reconciling;
        m.revocation_commit = request;
        return;
    }
    finish_reconciliation(c, ctx);
}

fn finish_reconciliation(c: &mut Consumer, ctx: &mut Ctx) {
    let Some(m) = c.membership.as_mut() else {
        return;
    };
    let Some(target) = m.reconciling_to.take() else {
        m.state = MembershipState::Stable;
        return;
    };
    m.revocation_commit = None;
    m.state = MembershipState::Acknowledging;
    let epoch = m.member_epoch;
    let revoked: Vec<TopicPartition> = c
        .assignment
        .iter()
        .filter(|tp| !target.contains(tp))
        .cloned()
        .collect();
    if !revoked.is_empty() {
        for tp in &revoked {
            c.positions.remove(tp);
            c.buffer.remove(tp);
            c.in_flight.remove(&super::key_fetch(tp));
        }
        c.assignment.retain(|tp| target.contains(tp));
        ctx.emit(EventKind::PartitionsRevoked {
            consumer: c.name.clone(),
            group: c.group(),
            member_epoch: epoch,
            revoked,
        });
    }
    let added = target.iter().any(|tp| !c.assignment.contains(tp));
    if added {
        c.assignment = target;
        ctx.emit(EventKind::PartitionsAssigned {
            consumer: c.name.clone(),
            group: c.group(),
            generation: epoch,
            assigned: c.assignment.clone(),
            revoked: vec![],
        });
    }
    // Acknowledge at once.
    c.next_heartbeat_at = ctx.now;
}
