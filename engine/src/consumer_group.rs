//! KIP-848 consumer groups on the coordinator (`group.protocol=consumer`, GA in Kafka 4.0).
//!
//! No JoinGroup/SyncGroup barrier: each member sends `ConsumerGroupHeartbeat` on its own. A new
//! member, a subscription change or a member leaving bumps the **group epoch**; when the group
//! epoch is ahead of the **assignment epoch**, the coordinator runs the server-side assignor and
//! stores a new **target assignment**. Each member is then reconciled towards its target on its
//! own heartbeats (Kafka's `CurrentAssignmentBuilder`): partitions it must give up are revoked
//! first (state `UNREVOKED_PARTITIONS`, the member epoch does not move), and a partition is only
//! handed to its new owner once the previous owner no longer holds it (`UNRELEASED_PARTITIONS`
//! meanwhile). Members keep consuming every partition that does not move.
//!
//! Kafka: `GroupMetadataManager.consumerGroupHeartbeat` / `consumerGroupLeave` /
//! `consumerGroupFenceMember`, `ConsumerGroup`, `ConsumerGroupMember`, `CurrentAssignmentBuilder`,
//! and the records of `GroupCoordinatorRecordHelpers` (`ConsumerGroupMetadata`,
//! `ConsumerGroupMemberMetadata`, `ConsumerGroupTargetAssignmentMember` / `…Metadata`,
//! `ConsumerGroupCurrentMemberAssignment`).

use crate::errors::KafkaError;
use crate::ids::{Tick, TopicPartition};
use crate::server_assignor::{Assignment, MemberSpec, ServerAssignor};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Kafka: `ConsumerGroupHeartbeatRequest.LEAVE_GROUP_MEMBER_EPOCH`.
pub const LEAVE_GROUP_MEMBER_EPOCH: i32 = -1;

/// The ConsumerGroupHeartbeat request (Kafka: `ConsumerGroupHeartbeatRequestData`). Optional
/// fields are `None` when unchanged since the last heartbeat; the simulated client always sends
/// them (a "full" request), which Kafka accepts as well.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeartbeatRequest {
    pub group: String,
    pub member_id: String,
    /// 0 to join, the current epoch to heartbeat, -1 to leave.
    pub member_epoch: i32,
    pub client_id: String,
    pub rebalance_timeout_ms: u64,
    pub subscribed_topics: Option<Vec<String>>,
    /// `group.remote.assignor`, if set.
    pub server_assignor: Option<String>,
    /// The partitions the member owns right now (its acknowledgement of revocations).
    pub owned: Option<Vec<TopicPartition>>,
}

/// The ConsumerGroupHeartbeat response (Kafka: `ConsumerGroupHeartbeatResponseData`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeartbeatResponse {
    pub group: String,
    pub error: Option<KafkaError>,
    pub error_message: Option<String>,
    pub member_id: String,
    pub member_epoch: i32,
    pub heartbeat_interval_ms: u64,
    /// The partitions the member may own now (its assigned partitions, not the target).
    pub assignment: Option<Vec<TopicPartition>>,
}

impl HeartbeatRequest {
    /// One line for the UI's envelopes.
    pub fn summary(&self) -> String {
        let owned = self
            .owned
            .as_ref()
            .map(|o| format!(" owned={}", tps_text(o)))
            .unwrap_or_default();
        format!(
            "{} {} epoch={}{owned}",
            self.group, self.member_id, self.member_epoch
        )
    }
}

impl HeartbeatResponse {
    pub fn summary(&self) -> String {
        match (&self.error, &self.assignment) {
            (Some(e), _) => e.to_string(),
            (None, Some(a)) => format!("epoch={} assignment={}", self.member_epoch, tps_text(a)),
            (None, None) => format!("epoch={}", self.member_epoch),
        }
    }
}

fn tps_text(tps: &[TopicPartition]) -> String {
    let v: Vec<String> = tps.iter().map(|t| t.to_string()).collect();
    format!("[{}]", v.join(","))
}

/// Kafka: `MemberState` of a consumer group member (on the coordinator).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum MemberState {
    /// The member owns exactly its assigned partitions at the target epoch.
    #[default]
    Stable,
    /// The member must first revoke partitions (and acknowledge it in a heartbeat).
    UnrevokedPartitions,
    /// The member waits for partitions other members still own.
    UnreleasedPartitions,
}

impl fmt::Display for MemberState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Kafka's names (`kafka-consumer-groups --describe --members --verbose`).
        f.write_str(match self {
            MemberState::Stable => "STABLE",
            MemberState::UnrevokedPartitions => "UNREVOKED_PARTITIONS",
            MemberState::UnreleasedPartitions => "UNRELEASED_PARTITIONS",
        })
    }
}

/// Kafka: `ConsumerGroup.ConsumerGroupState`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConsumerGroupState {
    Empty,
    /// The group epoch is ahead of the target assignment epoch.
    Assigning,
    /// Some member is not yet at the target assignment epoch.
    Reconciling,
    Stable,
}

impl fmt::Display for ConsumerGroupState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConsumerGroupState::Empty => "Empty",
            ConsumerGroupState::Assigning => "Assigning",
            ConsumerGroupState::Reconciling => "Reconciling",
            ConsumerGroupState::Stable => "Stable",
        })
    }
}

/// A member of a consumer group (Kafka: `ConsumerGroupMember`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerGroupMember {
    pub member_id: String,
    pub client_id: String,
    pub member_epoch: i32,
    pub previous_member_epoch: i32,
    pub state: MemberState,
    pub subscribed_topics: BTreeSet<String>,
    pub server_assignor: Option<String>,
    pub rebalance_timeout_ms: u64,
    /// The partitions the member may own (Kafka: `assignedPartitions`).
    pub assigned: Assignment,
    /// The partitions it must give up (Kafka: `partitionsPendingRevocation`).
    pub pending_revocation: Assignment,
    /// The session expires at this tick without a heartbeat.
    pub session_deadline: Tick,
    /// While revoking: the member is fenced if it has not revoked by then (rebalance timeout).
    pub revocation_deadline: Option<Tick>,
}

impl ConsumerGroupMember {
    /// Kafka: `ConsumerGroupMember.isReconciledTo`.
    pub fn is_reconciled_to(&self, epoch: i32) -> bool {
        self.state == MemberState::Stable && self.member_epoch == epoch
    }
}

/// Kafka: `CurrentAssignmentBuilder.build` — the member's next state towards the target.
///
/// `owned` is what the member reported owning in this heartbeat (`None` if it did not say);
/// `partition_owned_by_other(topic, partition)` is Kafka's `currentPartitionEpoch(...) != -1`
/// (the partition is assigned to, or pending revocation from, some member).
pub fn reconcile(
    member: &ConsumerGroupMember,
    target_epoch: i32,
    target: &Assignment,
    owned: Option<&[TopicPartition]>,
    partition_owned: &dyn Fn(&str, u32) -> bool,
) -> ConsumerGroupMember {
    match member.state {
        MemberState::Stable => {
            if member.member_epoch != target_epoch {
                compute_next_assignment(member, target_epoch, target, owned, partition_owned)
            } else {
                member.clone()
            }
        }
        MemberState::UnrevokedPartitions => {
            // Wait until the member no longer reports any partition pending revocation.
            if owns_any(owned, &member.pending_revocation) {
                return member.clone();
            }
            compute_next_assignment(member, target_epoch, target, owned, partition_owned)
        }
        MemberState::UnreleasedPartitions => {
            compute_next_assignment(member, target_epoch, target, owned, partition_owned)
        }
    }
}

/// Kafka: `CurrentAssignmentBuilder.ownsRevokedPartitions` (no report counts as still owning).
fn owns_any(owned: Option<&[TopicPartition]>, pending: &Assignment) -> bool {
    let Some(owned) = owned else { return true };
    owned.iter().any(|tp| {
        pending
            .get(&tp.topic)
            .is_some_and(|ps| ps.contains(&tp.partition))
    })
}

/// Kafka: `CurrentAssignmentBuilder.computeNextAssignment`.
fn compute_next_assignment(
    member: &ConsumerGroupMember,
    target_epoch: i32,
    target: &Assignment,
    owned: Option<&[TopicPartition]>,
    partition_owned: &dyn Fn(&str, u32) -> bool,
) -> ConsumerGroupMember {
    let mut has_unreleased = false;
    let mut new_assigned = Assignment::new();
    let mut new_pending_revocation = Assignment::new();
    let mut new_pending_assignment = Assignment::new();
    let topics: BTreeSet<&String> = target.keys().chain(member.assigned.keys()).collect();
    let empty = BTreeSet::new();
    for topic in topics {
        let tgt = target.get(topic).unwrap_or(&empty);
        let current = member.assigned.get(topic).unwrap_or(&empty);
        // New assigned = previous assigned ∩ target.
        let assigned: BTreeSet<u32> = current.intersection(tgt).copied().collect();
        // Pending revocation = previous assigned − new assigned.
        let revoke: BTreeSet<u32> = current.difference(&assigned).copied().collect();
        // Pending assignment = target − new assigned − unreleased partitions.
        let mut add: BTreeSet<u32> = tgt.difference(&assigned).copied().collect();
        let before = add.len();
        add.retain(|p| {
            let pending_here = member
                .pending_revocation
                .get(topic)
                .is_some_and(|s| s.contains(p));
            !(partition_owned(topic, *p) && !pending_here)
        });
        has_unreleased |= add.len() != before;
        if !assigned.is_empty() {
            new_assigned.insert(topic.clone(), assigned);
        }
        if !revoke.is_empty() {
            new_pending_revocation.insert(topic.clone(), revoke);
        }
        if !add.is_empty() {
            new_pending_assignment.insert(topic.clone(), add);
        }
    }
    let mut next = member.clone();
    if !new_pending_revocation.is_empty() && owns_any(owned, &new_pending_revocation) {
        // Revoke first: the member stays in its epoch until it acknowledges the revocation.
        next.state = MemberState::UnrevokedPartitions;
        set_epoch(&mut next, member.member_epoch);
        next.assigned = new_assigned;
        next.pending_revocation = new_pending_revocation;
        return next;
    }
    for (t, ps) in new_pending_assignment {
        new_assigned.entry(t).or_default().extend(ps);
    }
    next.state = if has_unreleased {
        MemberState::UnreleasedPartitions
    } else {
        MemberState::Stable
    };
    set_epoch(&mut next, target_epoch);
    next.assigned = new_assigned;
    next.pending_revocation = Assignment::new();
    next
}

/// Kafka: `ConsumerGroupMember.Builder.updateMemberEpoch` — the previous epoch is remembered.
fn set_epoch(m: &mut ConsumerGroupMember, epoch: i32) {
    m.previous_member_epoch = m.member_epoch;
    m.member_epoch = epoch;
}

/// A consumer group (Kafka: `ConsumerGroup`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerGroup {
    pub group_epoch: i32,
    pub assignment_epoch: i32,
    pub members: BTreeMap<String, ConsumerGroupMember>,
    /// The target assignment per member.
    pub target: BTreeMap<String, Assignment>,
    /// Partition counts of the subscribed topics the last target was computed with (Kafka's
    /// subscription metadata: a change, e.g. partitions added, bumps the group epoch).
    pub subscription_metadata: BTreeMap<String, u32>,
    /// The assignor that computed the current target.
    #[serde(default)]
    pub last_assignor: Option<String>,
}

/// Broker settings of consumer groups (`group.consumer.*`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerGroupSettings {
    pub heartbeat_interval_ms: u64,
    pub session_timeout_ms: u64,
    /// `group.consumer.assignors`; the first is the default.
    pub assignors: Vec<ServerAssignor>,
}

impl Default for ConsumerGroupSettings {
    /// Kafka's defaults: `group.consumer.heartbeat.interval.ms=5000`,
    /// `group.consumer.session.timeout.ms=45000`, `group.consumer.assignors=uniform,range`.
    fn default() -> Self {
        ConsumerGroupSettings {
            heartbeat_interval_ms: 5000,
            session_timeout_ms: 45000,
            assignors: vec![ServerAssignor::Uniform, ServerAssignor::Range],
        }
    }
}

/// One change to persist, with the record it becomes (see [`record_key`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GroupRecord {
    /// `ConsumerGroupMetadata`: the group epoch, and the partition counts of the subscribed
    /// topics it was computed with (Kafka 4.1 stores a hash of them in this record, KIP-1101;
    /// 4.0 wrote a separate `ConsumerGroupPartitionMetadata` record).
    Metadata {
        epoch: i32,
        subscription_metadata: BTreeMap<String, u32>,
    },
    /// `ConsumerGroupMemberMetadata` (`None`: tombstone).
    MemberMetadata {
        member: String,
        value: Option<MemberMetadataValue>,
    },
    /// `ConsumerGroupTargetAssignmentMember` (`None`: tombstone).
    TargetAssignment {
        member: String,
        partitions: Option<Vec<TopicPartition>>,
    },
    /// `ConsumerGroupTargetAssignmentMetadata`: the assignment epoch.
    TargetAssignmentMetadata { assignment_epoch: i32 },
    /// `ConsumerGroupCurrentMemberAssignment` (`None`: tombstone).
    CurrentAssignment {
        member: String,
        value: Option<CurrentAssignmentValue>,
    },
}

/// The value of a `ConsumerGroupMemberMetadata` record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberMetadataValue {
    pub client_id: String,
    pub subscribed_topic_names: Vec<String>,
    pub rebalance_timeout_ms: u64,
    pub server_assignor: Option<String>,
}

/// The value of a `ConsumerGroupCurrentMemberAssignment` record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentAssignmentValue {
    pub member_epoch: i32,
    pub previous_member_epoch: i32,
    pub state: MemberState,
    pub assigned_partitions: Vec<TopicPartition>,
    pub partitions_pending_revocation: Vec<TopicPartition>,
}

/// What a heartbeat (or timer) did, for the coordinator to persist and report.
#[derive(Debug, Default)]
pub struct Outcome {
    pub records: Vec<GroupRecord>,
    /// A new target assignment (assignor name, epoch) was computed.
    pub target_computed: Option<(String, i32)>,
    /// Members whose current assignment changed.
    pub reconciled: Vec<String>,
    /// Members removed: (member id, its last epoch, why).
    pub fenced: Vec<(String, i32, String)>,
}

/// Flattens an assignment into topic-partitions (topic, then partition order).
pub fn to_tps(a: &Assignment) -> Vec<TopicPartition> {
    a.iter()
        .flat_map(|(t, ps)| ps.iter().map(move |p| TopicPartition::new(t, *p)))
        .collect()
}

/// The opposite of [`to_tps`].
pub fn from_tps(tps: &[TopicPartition]) -> Assignment {
    let mut a = Assignment::new();
    for tp in tps {
        a.entry(tp.topic.clone()).or_default().insert(tp.partition);
    }
    a
}

impl ConsumerGroup {
    /// Kafka: `ConsumerGroup.state`.
    pub fn state(&self) -> ConsumerGroupState {
        if self.members.is_empty() {
            ConsumerGroupState::Empty
        } else if self.group_epoch > self.assignment_epoch {
            ConsumerGroupState::Assigning
        } else if self
            .members
            .values()
            .any(|m| !m.is_reconciled_to(self.assignment_epoch))
        {
            ConsumerGroupState::Reconciling
        } else {
            ConsumerGroupState::Stable
        }
    }

    /// Whether a session or a revocation deadline has passed.
    pub fn timer_due(&self, now: Tick) -> bool {
        self.members
            .values()
            .any(|m| now >= m.session_deadline || m.revocation_deadline.is_some_and(|d| now >= d))
    }

    /// Kafka: `ConsumerGroup.currentPartitionEpoch(...) != -1` — some member holds the
    /// partition (assigned or still to revoke).
    pub fn partition_owned(&self, topic: &str, partition: u32) -> bool {
        self.members.values().any(|m| {
            m.assigned
                .get(topic)
                .is_some_and(|s| s.contains(&partition))
                || m.pending_revocation
                    .get(topic)
                    .is_some_and(|s| s.contains(&partition))
        })
    }

    /// Which members hold each partition (for the invariant: never two at once).
    pub fn owners(&self) -> BTreeMap<TopicPartition, Vec<String>> {
        let mut out: BTreeMap<TopicPartition, Vec<String>> = BTreeMap::new();
        for m in self.members.values() {
            for tp in to_tps(&m.assigned)
                .into_iter()
                .chain(to_tps(&m.pending_revocation))
            {
                out.entry(tp).or_default().push(m.member_id.clone());
            }
        }
        out
    }

    /// Kafka: `GroupMetadataManager.consumerGroupHeartbeat` (not the leave path). `topics` is
    /// the metadata image's partition count per topic. On success returns the response fields
    /// (member epoch, assignment) and what changed.
    pub fn heartbeat(
        &mut self,
        req: &HeartbeatRequest,
        topics: &BTreeMap<String, u32>,
        s: &ConsumerGroupSettings,
        now: Tick,
        out: &mut Outcome,
    ) -> Result<(i32, Vec<TopicPartition>), (KafkaError, String)> {
        let assignor = self.pick_assignor(req, s)?;
        let mut bump = false;
        let member_id = req.member_id.clone();
        let existing = self.members.get(&member_id).cloned();
        let mut member = match existing {
            Some(m) => {
                throw_if_member_epoch_is_invalid(&m, req.member_epoch, req.owned.as_deref())?;
                m
            }
            None if req.member_epoch == 0 => {
                bump = true;
                ConsumerGroupMember {
                    member_id: member_id.clone(),
                    ..Default::default()
                }
            }
            None => {
                return Err((
                    KafkaError::UnknownMemberId,
                    format!("Member {member_id} is not a member of group {}.", req.group),
                ))
            }
        };
        // Kafka: updatedMember — a subscription or assignor change bumps the group epoch.
        let before = member.clone();
        member.client_id = req.client_id.clone();
        member.rebalance_timeout_ms = req.rebalance_timeout_ms;
        if let Some(t) = &req.subscribed_topics {
            member.subscribed_topics = t.iter().cloned().collect();
        }
        if req.server_assignor.is_some() {
            member.server_assignor = req.server_assignor.clone();
        }
        let metadata_changed = before.subscribed_topics != member.subscribed_topics
            || before.server_assignor != member.server_assignor
            || before.client_id != member.client_id
            || before.rebalance_timeout_ms != member.rebalance_timeout_ms;
        if metadata_changed {
            out.records.push(GroupRecord::MemberMetadata {
                member: member_id.clone(),
                value: Some(MemberMetadataValue {
                    client_id: member.client_id.clone(),
                    subscribed_topic_names: member.subscribed_topics.iter().cloned().collect(),
                    rebalance_timeout_ms: member.rebalance_timeout_ms,
                    server_assignor: member.server_assignor.clone(),
                }),
            });
        }
        bump |= before.subscribed_topics != member.subscribed_topics
            || before.server_assignor != member.server_assignor;
        member.session_deadline = Tick(now.0 + crate::config::ticks_from_ms(s.session_timeout_ms));
        self.members.insert(member_id.clone(), member);
        // Kafka: the subscription metadata (partition counts of subscribed topics) changed.
        let metadata = self.subscribed_metadata(topics);
        if metadata != self.subscription_metadata {
            self.subscription_metadata = metadata;
            bump = true;
        }
        if bump {
            self.group_epoch += 1;
            out.records.push(GroupRecord::Metadata {
                epoch: self.group_epoch,
                subscription_metadata: self.subscription_metadata.clone(),
            });
        }
        if self.group_epoch > self.assignment_epoch {
            self.update_target_assignment(assignor, topics, out)
                .map_err(|e| (KafkaError::InvalidRequest, e))?;
        }
        self.reconcile_member(&member_id, req.owned.as_deref(), now, out);
        let m = &self.members[&member_id];
        Ok((m.member_epoch, to_tps(&m.assigned)))
    }

    /// Kafka: the assignor named by the members (`group.remote.assignor`), else the broker's
    /// first one; an unknown name → UNSUPPORTED_ASSIGNOR.
    fn pick_assignor(
        &self,
        req: &HeartbeatRequest,
        s: &ConsumerGroupSettings,
    ) -> Result<ServerAssignor, (KafkaError, String)> {
        if let Some(name) = &req.server_assignor {
            let found = ServerAssignor::from_name(name).filter(|a| s.assignors.contains(a));
            return found.ok_or_else(|| {
                (
                    KafkaError::UnsupportedAssignor,
                    format!(
                        "ServerAssignor {name} is not supported. Supported assignors: {}.",
                        names(&s.assignors)
                    ),
                )
            });
        }
        // Kafka: the most used assignor among members (ties: name order), else the default.
        let mut votes: BTreeMap<&str, u32> = BTreeMap::new();
        for m in self.members.values() {
            if let Some(a) = &m.server_assignor {
                *votes.entry(a.as_str()).or_default() += 1;
            }
        }
        Ok(votes
            .into_iter()
            .max_by_key(|(n, c)| (*c, std::cmp::Reverse(*n)))
            .and_then(|(n, _)| ServerAssignor::from_name(n))
            .unwrap_or(s.assignors[0]))
    }

    fn subscribed_metadata(&self, topics: &BTreeMap<String, u32>) -> BTreeMap<String, u32> {
        self.members
            .values()
            .flat_map(|m| m.subscribed_topics.iter())
            .filter_map(|t| topics.get(t).map(|n| (t.clone(), *n)))
            .collect()
    }

    /// Kafka: `GroupMetadataManager.updateTargetAssignment` / `TargetAssignmentBuilder`.
    fn update_target_assignment(
        &mut self,
        assignor: ServerAssignor,
        topics: &BTreeMap<String, u32>,
        out: &mut Outcome,
    ) -> Result<(), String> {
        // Topics that do not exist yet are left out of the subscription (Kafka's metadata image
        // only resolves existing topics to ids).
        let specs: BTreeMap<String, MemberSpec> = self
            .members
            .values()
            .map(|m| {
                let topics_known = m
                    .subscribed_topics
                    .iter()
                    .filter(|t| topics.contains_key(*t))
                    .cloned()
                    .collect();
                let spec = MemberSpec {
                    topics: topics_known,
                    assignment: self.target.get(&m.member_id).cloned().unwrap_or_default(),
                };
                (m.member_id.clone(), spec)
            })
            .collect();
        let mut new_target = assignor.assign(&specs, topics)?;
        for id in self.members.keys() {
            let a = new_target.entry(id.clone()).or_default();
            a.retain(|_, ps| !ps.is_empty());
            if self.target.get(id) != Some(a) {
                out.records.push(GroupRecord::TargetAssignment {
                    member: id.clone(),
                    partitions: Some(to_tps(a)),
                });
            }
        }
        new_target.retain(|id, _| self.members.contains_key(id));
        self.target = new_target;
        self.assignment_epoch = self.group_epoch;
        out.records.push(GroupRecord::TargetAssignmentMetadata {
            assignment_epoch: self.assignment_epoch,
        });
        out.target_computed = Some((assignor.name().to_string(), self.assignment_epoch));
        self.last_assignor = Some(assignor.name().to_string());
        Ok(())
    }

    /// Kafka: `GroupMetadataManager.maybeReconcile` + the rebalance timeout of a revoking member.
    fn reconcile_member(
        &mut self,
        member_id: &str,
        owned: Option<&[TopicPartition]>,
        now: Tick,
        out: &mut Outcome,
    ) {
        let member = self.members[member_id].clone();
        if member.is_reconciled_to(self.assignment_epoch) {
            return;
        }
        let target = self.target.get(member_id).cloned().unwrap_or_default();
        let others = |t: &str, p: u32| self.partition_owned(t, p);
        let mut next = reconcile(&member, self.assignment_epoch, &target, owned, &others);
        if next.state == MemberState::UnrevokedPartitions {
            // Kafka: scheduleConsumerGroupRebalanceTimeout when the revocation starts.
            if member.state != MemberState::UnrevokedPartitions
                || member.revocation_deadline.is_none()
            {
                next.revocation_deadline = Some(Tick(
                    now.0 + crate::config::ticks_from_ms(next.rebalance_timeout_ms),
                ));
            }
        } else {
            next.revocation_deadline = None;
        }
        let changed = next.member_epoch != member.member_epoch
            || next.state != member.state
            || next.assigned != member.assigned
            || next.pending_revocation != member.pending_revocation;
        if changed {
            out.records.push(GroupRecord::CurrentAssignment {
                member: member_id.to_string(),
                value: Some(current_value(&next)),
            });
            out.reconciled.push(member_id.to_string());
        }
        self.members.insert(member_id.to_string(), next);
    }

    /// Kafka: `consumerGroupFenceMember` / `removeMember` — tombstones, and a group epoch bump so
    /// the member's partitions are reassigned.
    pub fn fence(&mut self, member_id: &str, why: &str, out: &mut Outcome) {
        let Some(m) = self.members.remove(member_id) else {
            return;
        };
        self.target.remove(member_id);
        out.records.push(GroupRecord::CurrentAssignment {
            member: member_id.to_string(),
            value: None,
        });
        out.records.push(GroupRecord::TargetAssignment {
            member: member_id.to_string(),
            partitions: None,
        });
        out.records.push(GroupRecord::MemberMetadata {
            member: member_id.to_string(),
            value: None,
        });
        self.group_epoch += 1;
        out.records.push(GroupRecord::Metadata {
            epoch: self.group_epoch,
            subscription_metadata: self.subscription_metadata.clone(),
        });
        out.fenced
            .push((member_id.to_string(), m.member_epoch, why.to_string()));
    }

    /// Session and rebalance timeouts (Kafka: `scheduleConsumerGroupSessionTimeout`,
    /// `scheduleConsumerGroupRebalanceTimeout`).
    pub fn expire(&mut self, now: Tick, out: &mut Outcome) {
        let expired: Vec<(String, &'static str)> = self
            .members
            .values()
            .filter_map(|m| {
                if now >= m.session_deadline {
                    Some((m.member_id.clone(), "session timeout expired (no heartbeat within group.consumer.session.timeout.ms)"))
                } else if m.revocation_deadline.is_some_and(|d| now >= d) {
                    Some((m.member_id.clone(), "did not revoke its partitions within the rebalance timeout (max.poll.interval.ms)"))
                } else {
                    None
                }
            })
            .collect();
        for (m, why) in expired {
            self.fence(&m, why, out);
        }
    }

    /// Rebuilds a group from its records (Kafka: `GroupMetadataManager.replay`).
    pub fn replay(&mut self, rec: GroupRecord) {
        match rec {
            GroupRecord::Metadata {
                epoch,
                subscription_metadata,
            } => {
                self.group_epoch = epoch;
                self.subscription_metadata = subscription_metadata;
            }
            GroupRecord::TargetAssignmentMetadata { assignment_epoch } => {
                self.assignment_epoch = assignment_epoch
            }
            GroupRecord::MemberMetadata { member, value } => match value {
                None => {
                    self.members.remove(&member);
                }
                Some(v) => {
                    let m = self.members.entry(member.clone()).or_default();
                    m.member_id = member;
                    m.client_id = v.client_id;
                    m.subscribed_topics = v.subscribed_topic_names.into_iter().collect();
                    m.rebalance_timeout_ms = v.rebalance_timeout_ms;
                    m.server_assignor = v.server_assignor;
                }
            },
            GroupRecord::TargetAssignment { member, partitions } => match partitions {
                None => {
                    self.target.remove(&member);
                }
                Some(p) => {
                    self.target.insert(member, from_tps(&p));
                }
            },
            GroupRecord::CurrentAssignment { member, value } => {
                if let (Some(v), Some(m)) = (value, self.members.get_mut(&member)) {
                    m.member_epoch = v.member_epoch;
                    m.previous_member_epoch = v.previous_member_epoch;
                    m.state = v.state;
                    m.assigned = from_tps(&v.assigned_partitions);
                    m.pending_revocation = from_tps(&v.partitions_pending_revocation);
                }
            }
        }
    }
}

fn names(a: &[ServerAssignor]) -> String {
    a.iter().map(|a| a.name()).collect::<Vec<_>>().join(", ")
}

fn current_value(m: &ConsumerGroupMember) -> CurrentAssignmentValue {
    CurrentAssignmentValue {
        member_epoch: m.member_epoch,
        previous_member_epoch: m.previous_member_epoch,
        state: m.state,
        assigned_partitions: to_tps(&m.assigned),
        partitions_pending_revocation: to_tps(&m.pending_revocation),
    }
}

/// Kafka: `GroupMetadataManager.throwIfMemberEpochIsInvalid` — an epoch ahead of the
/// coordinator's, or behind it, is fenced; except the previous epoch when the member only owns
/// partitions it is still assigned (it lost the last response).
fn throw_if_member_epoch_is_invalid(
    m: &ConsumerGroupMember,
    received: i32,
    owned: Option<&[TopicPartition]>,
) -> Result<(), (KafkaError, String)> {
    let fenced = || {
        Err((
            KafkaError::FencedMemberEpoch,
            format!(
                "The consumer group member has a smaller member epoch ({received}) than the one known by the group coordinator ({}). The member must abandon all its partitions and rejoin.",
                m.member_epoch
            ),
        ))
    };
    if received > m.member_epoch {
        return Err((
            KafkaError::FencedMemberEpoch,
            format!(
                "The consumer group member has a greater member epoch ({received}) than the one known by the group coordinator ({}). The member must abandon all its partitions and rejoin.",
                m.member_epoch
            ),
        ));
    }
    if received < m.member_epoch {
        let subset = owned.is_some_and(|o| {
            o.iter().all(|tp| {
                m.assigned
                    .get(&tp.topic)
                    .is_some_and(|s| s.contains(&tp.partition))
            })
        });
        if received != m.previous_member_epoch || !subset {
            return fenced();
        }
    }
    Ok(())
}

/// Record keys in `__consumer_offsets` (readable text, like the other records of the offsets
/// topic; Kafka writes binary `ConsumerGroup…Key` records).
pub fn record_key(group: &str, rec: &GroupRecord) -> String {
    match rec {
        GroupRecord::Metadata { .. } => format!("ConsumerGroupMetadata:{group}"),
        GroupRecord::MemberMetadata { member, .. } => {
            format!("ConsumerGroupMemberMetadata:{group}:{member}")
        }
        GroupRecord::TargetAssignment { member, .. } => {
            format!("ConsumerGroupTargetAssignmentMember:{group}:{member}")
        }
        GroupRecord::TargetAssignmentMetadata { .. } => {
            format!("ConsumerGroupTargetAssignmentMetadata:{group}")
        }
        GroupRecord::CurrentAssignment { member, .. } => {
            format!("ConsumerGroupCurrentMemberAssignment:{group}:{member}")
        }
    }
}

/// The record's value: JSON, or empty for a tombstone.
pub fn record_value(rec: &GroupRecord) -> String {
    let j = |v: serde_json::Value| v.to_string();
    match rec {
        GroupRecord::Metadata {
            epoch,
            subscription_metadata,
        } => {
            j(serde_json::json!({ "epoch": epoch, "subscription_metadata": subscription_metadata }))
        }
        GroupRecord::TargetAssignmentMetadata { assignment_epoch } => {
            j(serde_json::json!({ "assignment_epoch": assignment_epoch }))
        }
        GroupRecord::MemberMetadata { value, .. } => value
            .as_ref()
            .map(|v| serde_json::to_string(v).unwrap_or_default())
            .unwrap_or_default(),
        GroupRecord::TargetAssignment { partitions, .. } => partitions
            .as_ref()
            .map(|p| serde_json::to_string(p).unwrap_or_default())
            .unwrap_or_default(),
        GroupRecord::CurrentAssignment { value, .. } => value
            .as_ref()
            .map(|v| serde_json::to_string(v).unwrap_or_default())
            .unwrap_or_default(),
    }
}

/// Decodes a consumer-group record of the offsets topic: (group, record).
pub fn decode(key: &str, value: &str) -> Option<(String, GroupRecord)> {
    let (kind, rest) = key.split_once(':')?;
    // Group ids may contain ':'; member ids here never do, so split members from the right.
    let member_split = || {
        rest.rsplit_once(':')
            .map(|(g, m)| (g.to_string(), m.to_string()))
    };
    let tomb = value.is_empty();
    let rec = match kind {
        "ConsumerGroupMetadata" => {
            let v: serde_json::Value = serde_json::from_str(value).ok()?;
            let subscription_metadata =
                serde_json::from_value(v["subscription_metadata"].clone()).unwrap_or_default();
            let epoch = v["epoch"].as_i64()? as i32;
            return Some((
                rest.to_string(),
                GroupRecord::Metadata {
                    epoch,
                    subscription_metadata,
                },
            ));
        }
        "ConsumerGroupTargetAssignmentMetadata" => {
            let v: serde_json::Value = serde_json::from_str(value).ok()?;
            let e = v["assignment_epoch"].as_i64()? as i32;
            return Some((
                rest.to_string(),
                GroupRecord::TargetAssignmentMetadata {
                    assignment_epoch: e,
                },
            ));
        }
        "ConsumerGroupMemberMetadata" => {
            let (g, member) = member_split()?;
            let value = if tomb {
                None
            } else {
                Some(serde_json::from_str(value).ok()?)
            };
            (g, GroupRecord::MemberMetadata { member, value })
        }
        "ConsumerGroupTargetAssignmentMember" => {
            let (g, member) = member_split()?;
            let partitions = if tomb {
                None
            } else {
                Some(serde_json::from_str(value).ok()?)
            };
            (g, GroupRecord::TargetAssignment { member, partitions })
        }
        "ConsumerGroupCurrentMemberAssignment" => {
            let (g, member) = member_split()?;
            let value = if tomb {
                None
            } else {
                Some(serde_json::from_str(value).ok()?)
            };
            (g, GroupRecord::CurrentAssignment { member, value })
        }
        _ => return None,
    };
    Some(rec)
}

#[cfg(test)]
mod tests {
    //! Kafka: `CurrentAssignmentBuilderTest` (exact transitions) and the heartbeat rules of
    //! `GroupMetadataManagerTest` (fencing, epochs, revocation before assignment).
    use super::*;

    fn a(entries: &[(&str, &[u32])]) -> Assignment {
        entries
            .iter()
            .map(|(t, ps)| (t.to_string(), ps.iter().copied().collect()))
            .collect()
    }

    fn tps(entries: &[(&str, &[u32])]) -> Vec<TopicPartition> {
        to_tps(&a(entries))
    }

    fn member(
        state: MemberState,
        epoch: i32,
        assigned: Assignment,
        pending: Assignment,
    ) -> ConsumerGroupMember {
        ConsumerGroupMember {
            member_id: "member".into(),
            member_epoch: epoch,
            previous_member_epoch: epoch,
            state,
            subscribed_topics: ["topic1".to_string(), "topic2".to_string()].into(),
            assigned,
            pending_revocation: pending,
            ..Default::default()
        }
    }

    #[test]
    fn stable_to_stable() {
        // Kafka: CurrentAssignmentBuilderTest.testStableToStable.
        let m = member(
            MemberState::Stable,
            10,
            a(&[("topic1", &[1, 2, 3]), ("topic2", &[4, 5, 6])]),
            a(&[]),
        );
        let target = a(&[("topic1", &[1, 2, 3]), ("topic2", &[4, 5, 6])]);
        let r = reconcile(&m, 11, &target, None, &|_, _| true);
        assert_eq!(
            (r.state, r.member_epoch, r.previous_member_epoch),
            (MemberState::Stable, 11, 10)
        );
        assert_eq!(r.assigned, target);
    }

    #[test]
    fn stable_to_stable_with_new_partitions() {
        // Kafka: testStableToStableWithNewPartitions.
        let m = member(
            MemberState::Stable,
            10,
            a(&[("topic1", &[1, 2, 3]), ("topic2", &[4, 5, 6])]),
            a(&[]),
        );
        let target = a(&[("topic1", &[1, 2, 3, 4]), ("topic2", &[4, 5, 6, 7])]);
        let r = reconcile(&m, 11, &target, None, &|_, _| false);
        assert_eq!(
            (r.state, r.member_epoch, r.previous_member_epoch),
            (MemberState::Stable, 11, 10)
        );
        assert_eq!(r.assigned, target);
    }

    #[test]
    fn stable_to_unrevoked_partitions() {
        // Kafka: testStableToUnrevokedPartitions.
        let m = member(
            MemberState::Stable,
            10,
            a(&[("topic1", &[1, 2, 3]), ("topic2", &[4, 5, 6])]),
            a(&[]),
        );
        let target = a(&[("topic1", &[2, 3, 4]), ("topic2", &[5, 6, 7])]);
        let r = reconcile(&m, 11, &target, None, &|_, _| false);
        assert_eq!(
            (r.state, r.member_epoch, r.previous_member_epoch),
            (MemberState::UnrevokedPartitions, 10, 10)
        );
        assert_eq!(r.assigned, a(&[("topic1", &[2, 3]), ("topic2", &[5, 6])]));
        assert_eq!(
            r.pending_revocation,
            a(&[("topic1", &[1]), ("topic2", &[4])])
        );
    }

    #[test]
    fn stable_to_unreleased_partitions() {
        // Kafka: testStableToUnreleasedPartitions.
        let m = member(
            MemberState::Stable,
            10,
            a(&[("topic1", &[1, 2, 3]), ("topic2", &[4, 5, 6])]),
            a(&[]),
        );
        let target = a(&[("topic1", &[1, 2, 3, 4]), ("topic2", &[4, 5, 6, 7])]);
        let r = reconcile(&m, 11, &target, None, &|_, _| true);
        assert_eq!(
            (r.state, r.member_epoch, r.previous_member_epoch),
            (MemberState::UnreleasedPartitions, 11, 10)
        );
        assert_eq!(
            r.assigned,
            a(&[("topic1", &[1, 2, 3]), ("topic2", &[4, 5, 6])])
        );
    }

    #[test]
    fn stable_to_unreleased_when_owned_has_no_revoked_partitions() {
        // Kafka: testStableToUnreleasedPartitionsWithOwnedPartitionsNotHavingRevokedPartitions.
        let m = member(
            MemberState::Stable,
            10,
            a(&[("topic1", &[1, 2, 3]), ("topic2", &[4, 5, 6])]),
            a(&[]),
        );
        let target = a(&[("topic1", &[1, 2, 3]), ("topic2", &[4, 5, 7])]);
        let r = reconcile(&m, 11, &target, Some(&[]), &|t, _| t == "topic2");
        assert_eq!(
            (r.state, r.member_epoch, r.previous_member_epoch),
            (MemberState::UnreleasedPartitions, 11, 10)
        );
        assert_eq!(
            r.assigned,
            a(&[("topic1", &[1, 2, 3]), ("topic2", &[4, 5])])
        );
        assert!(r.pending_revocation.is_empty());
    }

    #[test]
    fn unrevoked_partitions_to_stable() {
        // Kafka: testUnrevokedPartitionsToStable.
        let m = member(
            MemberState::UnrevokedPartitions,
            10,
            a(&[("topic1", &[2, 3]), ("topic2", &[5, 6])]),
            a(&[("topic1", &[1]), ("topic2", &[4])]),
        );
        let target = a(&[("topic1", &[2, 3]), ("topic2", &[5, 6])]);
        let owned = tps(&[("topic1", &[2, 3]), ("topic2", &[5, 6])]);
        let r = reconcile(&m, 11, &target, Some(&owned), &|_, _| false);
        assert_eq!(
            (r.state, r.member_epoch, r.previous_member_epoch),
            (MemberState::Stable, 11, 10)
        );
        assert_eq!(r.assigned, target);
        assert!(r.pending_revocation.is_empty());
    }

    #[test]
    fn remains_in_unrevoked_partitions() {
        // Kafka: testRemainsInUnrevokedPartitions — no owned report, or still owning 1 or 4.
        let m = member(
            MemberState::UnrevokedPartitions,
            10,
            a(&[("topic1", &[2, 3]), ("topic2", &[5, 6])]),
            a(&[("topic1", &[1]), ("topic2", &[4])]),
        );
        let target = a(&[("topic1", &[3]), ("topic2", &[6])]);
        let none = |_: &str, _: u32| false;
        assert_eq!(reconcile(&m, 12, &target, None, &none), m);
        let o1 = tps(&[("topic1", &[1, 2, 3]), ("topic2", &[5, 6])]);
        assert_eq!(reconcile(&m, 12, &target, Some(&o1), &none), m);
        let o2 = tps(&[("topic1", &[2, 3]), ("topic2", &[4, 5, 6])]);
        assert_eq!(reconcile(&m, 12, &target, Some(&o2), &none), m);
    }

    #[test]
    fn unrevoked_partitions_to_unrevoked_partitions() {
        // Kafka: testUnrevokedPartitionsToUnrevokedPartitions — revoked 1 and 4, but the newer
        // target takes 2 and 5 too: still revoking, still at epoch 10.
        let m = member(
            MemberState::UnrevokedPartitions,
            10,
            a(&[("topic1", &[2, 3]), ("topic2", &[5, 6])]),
            a(&[("topic1", &[1]), ("topic2", &[4])]),
        );
        let target = a(&[("topic1", &[3]), ("topic2", &[6])]);
        let owned = tps(&[("topic1", &[2, 3]), ("topic2", &[5, 6])]);
        let r = reconcile(&m, 12, &target, Some(&owned), &|_, _| false);
        assert_eq!(
            (r.state, r.member_epoch),
            (MemberState::UnrevokedPartitions, 10)
        );
        assert_eq!(r.assigned, a(&[("topic1", &[3]), ("topic2", &[6])]));
        assert_eq!(
            r.pending_revocation,
            a(&[("topic1", &[2]), ("topic2", &[5])])
        );
    }

    fn settings() -> ConsumerGroupSettings {
        ConsumerGroupSettings {
            heartbeat_interval_ms: 5000,
            session_timeout_ms: 45000,
            assignors: vec![ServerAssignor::Uniform, ServerAssignor::Range],
        }
    }

    fn hb(member: &str, epoch: i32, owned: Vec<TopicPartition>) -> HeartbeatRequest {
        HeartbeatRequest {
            group: "g".into(),
            member_id: member.into(),
            member_epoch: epoch,
            client_id: member.into(),
            rebalance_timeout_ms: 300000,
            subscribed_topics: Some(vec!["foo".into()]),
            server_assignor: None,
            owned: Some(owned),
        }
    }

    #[test]
    fn revocation_before_assignment() {
        // Kafka: GroupMetadataManagerTest.testReconciliationProcess (shape): a second member
        // joins; the first must revoke before the second gets those partitions.
        let topics = BTreeMap::from([("foo".to_string(), 4u32)]);
        let s = settings();
        let mut g = ConsumerGroup::default();
        let mut out = Outcome::default();
        let (e, asg) = g
            .heartbeat(&hb("A", 0, vec![]), &topics, &s, Tick(0), &mut out)
            .unwrap();
        assert_eq!((e, asg.len()), (1, 4));
        assert_eq!(g.state(), ConsumerGroupState::Stable);
        // B joins: group epoch 2, target A:{0,1} B:{2,3}; B must wait (A still owns 2,3).
        let (e, asg) = g
            .heartbeat(&hb("B", 0, vec![]), &topics, &s, Tick(1), &mut out)
            .unwrap();
        assert_eq!(g.group_epoch, 2);
        assert_eq!((e, asg), (2, vec![]));
        assert_eq!(g.members["B"].state, MemberState::UnreleasedPartitions);
        // A heartbeats still owning all four: told to keep only 0,1 (epoch stays 1).
        let all = tps(&[("foo", &[0, 1, 2, 3])]);
        let (e, asg) = g
            .heartbeat(&hb("A", 1, all.clone()), &topics, &s, Tick(2), &mut out)
            .unwrap();
        assert_eq!((e, asg), (1, tps(&[("foo", &[0, 1])])));
        assert_eq!(g.members["A"].state, MemberState::UnrevokedPartitions);
        // Never two owners, whatever happens in between.
        assert!(g.owners().values().all(|o| o.len() == 1));
        // B asks again: still unreleased.
        let (_, asg) = g
            .heartbeat(&hb("B", 2, vec![]), &topics, &s, Tick(3), &mut out)
            .unwrap();
        assert!(asg.is_empty());
        // A acknowledges the revocation: epoch 2, Stable.
        let kept = tps(&[("foo", &[0, 1])]);
        let (e, _) = g
            .heartbeat(&hb("A", 1, kept), &topics, &s, Tick(4), &mut out)
            .unwrap();
        assert_eq!((e, g.members["A"].state), (2, MemberState::Stable));
        // Now B gets 2,3.
        let (e, asg) = g
            .heartbeat(&hb("B", 2, vec![]), &topics, &s, Tick(5), &mut out)
            .unwrap();
        assert_eq!((e, asg), (2, tps(&[("foo", &[2, 3])])));
        assert_eq!(g.state(), ConsumerGroupState::Stable);
    }

    #[test]
    fn fencing_rules() {
        // Kafka: GroupMetadataManagerTest.testMemberEpochValidation / testUnknownMemberId.
        let topics = BTreeMap::from([("foo".to_string(), 2u32)]);
        let s = settings();
        let mut g = ConsumerGroup::default();
        let mut out = Outcome::default();
        g.heartbeat(&hb("A", 0, vec![]), &topics, &s, Tick(0), &mut out)
            .unwrap();
        let err = |r: Result<(i32, Vec<TopicPartition>), (KafkaError, String)>| r.unwrap_err().0;
        // Epoch ahead of the coordinator's.
        assert_eq!(
            err(g.heartbeat(&hb("A", 5, vec![]), &topics, &s, Tick(1), &mut out)),
            KafkaError::FencedMemberEpoch
        );
        // Unknown member with a non-zero epoch.
        assert_eq!(
            err(g.heartbeat(&hb("Z", 1, vec![]), &topics, &s, Tick(1), &mut out)),
            KafkaError::UnknownMemberId
        );
        // Rejoining with epoch 0 while the coordinator has epoch 1 (previous epoch 0, nothing
        // owned beyond the assignment) is the lost-response case: accepted.
        assert!(g
            .heartbeat(&hb("A", 0, vec![]), &topics, &s, Tick(1), &mut out)
            .is_ok());
        // Unsupported assignor.
        let mut r = hb("A", 1, vec![]);
        r.server_assignor = Some("sticky".into());
        assert_eq!(
            err(g.heartbeat(&r, &topics, &s, Tick(1), &mut out)),
            KafkaError::UnsupportedAssignor
        );
        // Session expiry fences and bumps the group epoch.
        let epoch = g.group_epoch;
        let mut out = Outcome::default();
        g.expire(Tick(45_001), &mut out);
        assert!(g.members.is_empty());
        assert_eq!(g.group_epoch, epoch + 1);
        assert_eq!(out.fenced.len(), 1);
    }

    #[test]
    fn records_replay_to_the_same_group() {
        let topics = BTreeMap::from([("foo".to_string(), 3u32)]);
        let s = settings();
        let mut g = ConsumerGroup::default();
        let mut out = Outcome::default();
        g.heartbeat(&hb("A", 0, vec![]), &topics, &s, Tick(0), &mut out)
            .unwrap();
        g.heartbeat(&hb("B", 0, vec![]), &topics, &s, Tick(0), &mut out)
            .unwrap();
        let mut replayed = ConsumerGroup::default();
        for r in &out.records {
            let (grp, rec) = decode(&record_key("g:x", r), &record_value(r)).expect("decodes");
            assert_eq!(grp, "g:x");
            replayed.replay(rec);
        }
        assert_eq!(replayed.group_epoch, g.group_epoch);
        assert_eq!(replayed.assignment_epoch, g.assignment_epoch);
        assert_eq!(replayed.target, g.target);
        for (id, m) in &g.members {
            assert_eq!(replayed.members[id].assigned, m.assigned);
            assert_eq!(replayed.members[id].member_epoch, m.member_epoch);
        }
    }
}
