//! Server-side assignors of the KIP-848 consumer group protocol (`group.protocol=consumer`).
//!
//! With the new protocol the group coordinator — not a group leader among the consumers — computes
//! the **target assignment** whenever the group epoch moves past the assignment epoch. The
//! consumer picks an assignor by name with `group.remote.assignor`; the broker offers the ones in
//! `group.consumer.assignors` (default `uniform,range`; the first is the default).
//!
//! Kafka: `UniformAssignor` (→ `UniformHomogeneousAssignmentBuilder` when every member subscribes
//! to the same topics, `UniformHeterogeneousAssignmentBuilder` otherwise) and the server-side
//! `RangeAssignor` (range + sticky), in `org.apache.kafka.coordinator.group.assignor`.
//!
//! Determinism: Kafka iterates Java hash sets of member ids and topic ids, so which member gets an
//! "extra" partition can differ between JVM runs of its own tests. Here members are visited in
//! member-id order and topics in name order, so the result is a pure function of the input.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// topic → partitions (Kafka: `Map<Uuid, Set<Integer>>`, keyed by topic name here).
pub type Assignment = BTreeMap<String, BTreeSet<u32>>;

/// What the assignor knows about one member (Kafka: `MemberSubscriptionAndAssignmentImpl`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemberSpec {
    pub topics: BTreeSet<String>,
    /// The member's current target assignment (the assignor is sticky to it).
    pub assignment: Assignment,
}

/// A server-side assignor (`group.remote.assignor` / `group.consumer.assignors`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServerAssignor {
    Uniform,
    Range,
}

impl ServerAssignor {
    /// Kafka's assignor names (`UniformAssignor.NAME`, `RangeAssignor.RANGE_ASSIGNOR_NAME`).
    pub fn name(self) -> &'static str {
        match self {
            ServerAssignor::Uniform => "uniform",
            ServerAssignor::Range => "range",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        match name.trim() {
            "uniform" => Some(ServerAssignor::Uniform),
            "range" => Some(ServerAssignor::Range),
            _ => None,
        }
    }

    /// Computes the target assignment of every member; `Err` is Kafka's
    /// `PartitionAssignorException` (a member subscribed to a topic missing from the metadata).
    pub fn assign(
        self,
        members: &BTreeMap<String, MemberSpec>,
        partitions: &BTreeMap<String, u32>,
    ) -> Result<BTreeMap<String, Assignment>, String> {
        if members.is_empty() {
            return Ok(BTreeMap::new());
        }
        match self {
            ServerAssignor::Range => range(members, partitions),
            ServerAssignor::Uniform => {
                let first = &members.values().next().expect("non-empty").topics;
                if members.values().all(|m| &m.topics == first) {
                    uniform_homogeneous(members, partitions)
                } else {
                    uniform_heterogeneous(members, partitions)
                }
            }
        }
    }
}

/// Parses `group.consumer.assignors` (comma-separated names; Kafka also takes class names).
pub fn parse_assignors(v: &str) -> Result<Vec<ServerAssignor>, String> {
    let mut out = vec![];
    for part in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let short = match part {
            "org.apache.kafka.coordinator.group.assignor.UniformAssignor" => "uniform",
            "org.apache.kafka.coordinator.group.assignor.RangeAssignor" => "range",
            other => other,
        };
        let a = ServerAssignor::from_name(short).ok_or_else(|| {
            format!("Unknown server-side assignor {part} (known: uniform, range)")
        })?;
        out.push(a);
    }
    if out.is_empty() {
        return Err("group.consumer.assignors must name at least one assignor".into());
    }
    Ok(out)
}

fn partition_count(partitions: &BTreeMap<String, u32>, topic: &str) -> Result<u32, String> {
    partitions.get(topic).copied().ok_or_else(|| {
        format!(
            "Members are subscribed to topic {topic} which doesn't exist in the topic metadata."
        )
    })
}

/// Kafka: `UniformHomogeneousAssignmentBuilder.build` — balance first, then stickiness: each
/// member keeps up to its quota (`total / members`, plus one for the first `total % members`
/// members) of what it had; revoked and unassigned partitions fill the members below quota.
fn uniform_homogeneous(
    members: &BTreeMap<String, MemberSpec>,
    partitions: &BTreeMap<String, u32>,
) -> Result<BTreeMap<String, Assignment>, String> {
    let topics = &members.values().next().expect("non-empty").topics;
    if topics.is_empty() {
        return Ok(BTreeMap::new());
    }
    // Partitions no member holds (Kafka: `groupSpec.isPartitionAssigned`).
    let held: BTreeSet<(&str, u32)> = members
        .values()
        .flat_map(|m| {
            m.assignment
                .iter()
                .flat_map(|(t, ps)| ps.iter().map(move |p| (t.as_str(), *p)))
        })
        .collect();
    let mut unassigned: Vec<(String, u32)> = vec![];
    let mut total = 0u32;
    for t in topics {
        let n = partition_count(partitions, t)?;
        for p in 0..n {
            if !held.contains(&(t.as_str(), p)) {
                unassigned.push((t.clone(), p));
            }
        }
        total += n;
    }
    let min_quota = total / members.len() as u32;
    let mut extra = total % members.len() as u32;
    let mut target: BTreeMap<String, Assignment> = BTreeMap::new();
    let mut unfilled: Vec<(String, u32)> = vec![];
    // Kafka: maybeRevokePartitions.
    for (id, m) in members {
        let mut quota = min_quota;
        if extra > 0 {
            quota += 1;
            extra -= 1;
        }
        let mut kept = Assignment::new();
        for (t, ps) in &m.assignment {
            if !topics.contains(t) {
                continue; // no longer subscribed: the whole topic goes
            }
            for p in ps {
                // A partition beyond the topic's current count cannot be kept.
                if quota > 0 {
                    quota -= 1;
                    kept.entry(t.clone()).or_default().insert(*p);
                } else {
                    unassigned.push((t.clone(), *p));
                }
            }
        }
        if quota > 0 {
            unfilled.push((id.clone(), quota));
        }
        target.insert(id.clone(), kept);
    }
    // Kafka: assignRemainingPartitions.
    let mut next = unassigned.into_iter();
    for (id, quota) in unfilled {
        let a = target.get_mut(&id).expect("inserted above");
        for _ in 0..quota {
            let Some((t, p)) = next.next() else { break };
            a.entry(t).or_default().insert(p);
        }
    }
    if next.next().is_some() {
        return Err("Partitions were left unassigned".into());
    }
    Ok(target)
}

/// Members subscribed to different topics. Kafka uses `UniformHeterogeneousAssignmentBuilder`
/// (balance per topic with sticky moves); this is a simpler rule with the same goals: keep what a
/// member had of its subscribed topics, give each remaining partition to the least-loaded member
/// subscribed to its topic, then move partitions from a member to another subscriber that has at
/// least two fewer until no such move exists.
fn uniform_heterogeneous(
    members: &BTreeMap<String, MemberSpec>,
    partitions: &BTreeMap<String, u32>,
) -> Result<BTreeMap<String, Assignment>, String> {
    let mut all_topics: BTreeSet<&String> = BTreeSet::new();
    for m in members.values() {
        all_topics.extend(m.topics.iter());
    }
    let mut owner: BTreeMap<(String, u32), String> = BTreeMap::new();
    let mut load: BTreeMap<&str, u32> = members.keys().map(|k| (k.as_str(), 0)).collect();
    for t in &all_topics {
        let n = partition_count(partitions, t)?;
        for (id, m) in members {
            if !m.topics.contains(*t) {
                continue;
            }
            for p in m.assignment.get(*t).into_iter().flatten() {
                if *p < n && !owner.contains_key(&((*t).clone(), *p)) {
                    owner.insert(((*t).clone(), *p), id.clone());
                    *load.get_mut(id.as_str()).expect("member") += 1;
                }
            }
        }
    }
    for t in &all_topics {
        let n = partitions[*t];
        let subscribers: Vec<&str> = members
            .iter()
            .filter(|(_, m)| m.topics.contains(*t))
            .map(|(k, _)| k.as_str())
            .collect();
        for p in 0..n {
            if owner.contains_key(&((*t).clone(), p)) {
                continue;
            }
            let to = *subscribers
                .iter()
                .min_by_key(|s| (load[**s], **s))
                .expect("a subscriber");
            owner.insert(((*t).clone(), p), to.to_string());
            *load.get_mut(to).expect("member") += 1;
        }
    }
    // Balance: bounded by the number of partitions times members (each move lowers the spread).
    let mut moves_left = owner.len() * members.len() + 1;
    'balance: while moves_left > 0 {
        moves_left -= 1;
        for ((t, p), from) in owner.clone().iter().rev() {
            let best = members
                .iter()
                .filter(|(_, m)| m.topics.contains(t))
                .map(|(k, _)| k.as_str())
                .min_by_key(|s| (load[*s], *s))
                .expect("subscriber");
            if load[best] + 1 < load[from.as_str()] {
                *load.get_mut(from.as_str()).expect("member") -= 1;
                *load.get_mut(best).expect("member") += 1;
                owner.insert((t.clone(), *p), best.to_string());
                continue 'balance;
            }
        }
        break;
    }
    let mut target: BTreeMap<String, Assignment> = members
        .keys()
        .map(|k| (k.clone(), Assignment::new()))
        .collect();
    for ((t, p), m) in owner {
        target
            .get_mut(&m)
            .expect("member")
            .entry(t)
            .or_default()
            .insert(p);
    }
    Ok(target)
}

/// Kafka: the server-side `RangeAssignor.assign` — per topic, members (in id order) keep the
/// lowest-numbered partitions they had up to the minimum quota (and one extra while extras are
/// left); the remaining partitions are handed out in ranges.
fn range(
    members: &BTreeMap<String, MemberSpec>,
    partitions: &BTreeMap<String, u32>,
) -> Result<BTreeMap<String, Assignment>, String> {
    let mut per_topic: BTreeMap<&String, Vec<&String>> = BTreeMap::new();
    for (id, m) in members {
        for t in &m.topics {
            partition_count(partitions, t)
                .map_err(|_| "Member is subscribed to a non-existent topic".to_string())?;
            per_topic.entry(t).or_default().push(id);
        }
    }
    let mut target: BTreeMap<String, Assignment> = BTreeMap::new();
    for (t, subs) in per_topic {
        let n = partitions[t];
        let min_quota = n / subs.len() as u32;
        let mut with_extra = n % subs.len() as u32;
        let mut sticky: BTreeSet<u32> = BTreeSet::new();
        let mut unfilled: Vec<(&String, i64)> = vec![];
        for id in &subs {
            let current: Vec<u32> = members[*id]
                .assignment
                .get(t)
                .map(|s| s.iter().copied().collect())
                .unwrap_or_default();
            let retained = (current.len() as u32).min(min_quota) as usize;
            for p in &current[..retained] {
                sticky.insert(*p);
                target
                    .entry((*id).clone())
                    .or_default()
                    .entry(t.clone())
                    .or_default()
                    .insert(*p);
            }
            let remaining = min_quota as i64 - current.len() as i64;
            if remaining < 0 && with_extra > 0 {
                with_extra -= 1;
                let p = current[min_quota as usize];
                sticky.insert(p);
                target
                    .entry((*id).clone())
                    .or_default()
                    .entry(t.clone())
                    .or_default()
                    .insert(p);
            } else {
                unfilled.push((id, remaining));
            }
        }
        let free: Vec<u32> = (0..n).filter(|p| !sticky.contains(p)).collect();
        let mut start = 0usize;
        for (id, mut remaining) in unfilled {
            if with_extra > 0 {
                remaining += 1;
                with_extra -= 1;
            }
            if remaining > 0 {
                let end = (start + remaining as usize).min(free.len());
                let a = target
                    .entry(id.clone())
                    .or_default()
                    .entry(t.clone())
                    .or_default();
                a.extend(free[start..end].iter().copied());
                start = end;
            }
        }
    }
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topics(ts: &[(&str, u32)]) -> BTreeMap<String, u32> {
        ts.iter().map(|(t, n)| (t.to_string(), *n)).collect()
    }

    fn a(entries: &[(&str, &[u32])]) -> Assignment {
        entries
            .iter()
            .map(|(t, ps)| (t.to_string(), ps.iter().copied().collect()))
            .collect()
    }

    fn member(subs: &[&str], assignment: Assignment) -> MemberSpec {
        MemberSpec {
            topics: subs.iter().map(|s| s.to_string()).collect(),
            assignment,
        }
    }

    /// The non-empty assignments (Kafka's range assignor leaves members without partitions out).
    fn non_empty(r: BTreeMap<String, Assignment>) -> BTreeMap<String, Assignment> {
        r.into_iter()
            .map(|(k, v)| (k, v.into_iter().filter(|(_, s)| !s.is_empty()).collect()))
            .filter(|(_, v): &(String, Assignment)| !v.is_empty())
            .collect()
    }

    /// Kafka: `checkValidityAndBalance` — every partition of every subscribed topic exactly once,
    /// only to subscribers, and (homogeneous) sizes differ by at most one.
    fn check_valid_and_balanced(
        members: &BTreeMap<String, MemberSpec>,
        parts: &BTreeMap<String, u32>,
        r: &BTreeMap<String, Assignment>,
    ) {
        let mut seen = BTreeSet::new();
        for (m, asg) in r {
            for (t, ps) in asg {
                assert!(members[m].topics.contains(t), "{m} not subscribed to {t}");
                for p in ps {
                    assert!(seen.insert((t.clone(), *p)), "{t}-{p} assigned twice");
                }
            }
        }
        let subscribed: BTreeSet<&String> = members.values().flat_map(|m| &m.topics).collect();
        let total: u32 = subscribed.iter().map(|t| parts[*t]).sum();
        assert_eq!(seen.len() as u32, total, "every partition assigned");
        let sizes: Vec<usize> = members
            .keys()
            .map(|m| r.get(m).map_or(0, |a| a.values().map(|s| s.len()).sum()))
            .collect();
        let (lo, hi) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
        assert!(hi - lo <= 1, "unbalanced: {sizes:?}");
    }

    #[test]
    fn uniform_one_member_no_subscription() {
        // Kafka: UniformHomogeneousAssignmentBuilderTest.testOneMemberNoTopicSubscription.
        let members = BTreeMap::from([("A".to_string(), member(&[], Assignment::new()))]);
        let r = ServerAssignor::Uniform
            .assign(&members, &topics(&[("topic1", 3)]))
            .unwrap();
        assert!(r.is_empty());
    }

    #[test]
    fn uniform_subscribed_to_missing_topic() {
        // Kafka: testOneMemberSubscribedToNonexistentTopic → PartitionAssignorException.
        let members = BTreeMap::from([("A".to_string(), member(&["topic2"], Assignment::new()))]);
        let e = ServerAssignor::Uniform
            .assign(&members, &topics(&[("topic1", 3)]))
            .unwrap_err();
        assert!(e.contains("doesn't exist in the topic metadata"), "{e}");
    }

    #[test]
    fn uniform_reassignment_given_unbalanced_previous_assignment() {
        // Kafka: UniformHomogeneousAssignmentBuilderTest
        // .testReassignmentForTwoMembersTwoTopicsGivenUnbalancedPrevAssignment (exact values).
        let parts = topics(&[("topic1", 3), ("topic2", 3)]);
        let members = BTreeMap::from([
            (
                "A".to_string(),
                member(
                    &["topic1", "topic2"],
                    a(&[("topic1", &[0, 1]), ("topic2", &[0, 1])]),
                ),
            ),
            (
                "B".to_string(),
                member(
                    &["topic1", "topic2"],
                    a(&[("topic1", &[2]), ("topic2", &[2])]),
                ),
            ),
        ]);
        let r = ServerAssignor::Uniform.assign(&members, &parts).unwrap();
        assert_eq!(r["A"], a(&[("topic1", &[0, 1]), ("topic2", &[0])]));
        assert_eq!(r["B"], a(&[("topic1", &[2]), ("topic2", &[1, 2])]));
        check_valid_and_balanced(&members, &parts, &r);
    }

    #[test]
    fn uniform_first_assignment_more_members_than_partitions() {
        // Kafka: testFirstAssignmentNumMembersGreaterThanTotalNumPartitions — one member of three
        // gets nothing. (Which one depends on Kafka's hash-set order; here: the last in id order.)
        let parts = topics(&[("topic3", 2)]);
        let members: BTreeMap<String, MemberSpec> = ["A", "B", "C"]
            .iter()
            .map(|m| (m.to_string(), member(&["topic3"], Assignment::new())))
            .collect();
        let r = ServerAssignor::Uniform.assign(&members, &parts).unwrap();
        assert_eq!(r["A"], a(&[("topic3", &[0])]));
        assert_eq!(r["B"], a(&[("topic3", &[1])]));
        assert_eq!(r["C"], Assignment::new());
        check_valid_and_balanced(&members, &parts, &r);
    }

    #[test]
    fn uniform_sticky_when_a_member_joins_and_leaves() {
        // Kafka: testReassignmentWhenOneMemberAddedAfterInitialAssignmentWithTwoMembersTwoTopics /
        // ...RemovedAfterInitialAssignment...: balance holds, and no partition moves between the
        // members that stay unless the quota forces it.
        let parts = topics(&[("topic1", 3), ("topic2", 3)]);
        let mut members = BTreeMap::from([
            (
                "A".to_string(),
                member(
                    &["topic1", "topic2"],
                    a(&[("topic1", &[0, 2]), ("topic2", &[0])]),
                ),
            ),
            (
                "B".to_string(),
                member(
                    &["topic1", "topic2"],
                    a(&[("topic1", &[1]), ("topic2", &[1, 2])]),
                ),
            ),
        ]);
        members.insert(
            "C".to_string(),
            member(&["topic1", "topic2"], Assignment::new()),
        );
        let r = ServerAssignor::Uniform.assign(&members, &parts).unwrap();
        check_valid_and_balanced(&members, &parts, &r);
        // A and B each keep two of what they had; C gets the two they gave up.
        assert_eq!(r["A"], a(&[("topic1", &[0, 2])]));
        assert_eq!(r["B"], a(&[("topic1", &[1]), ("topic2", &[1])]));
        assert_eq!(r["C"], a(&[("topic2", &[0, 2])]));
        // Member C removed again: A and B take its partitions, keeping their own.
        members.remove("C");
        members.get_mut("A").unwrap().assignment = r["A"].clone();
        members.get_mut("B").unwrap().assignment = r["B"].clone();
        let r2 = ServerAssignor::Uniform.assign(&members, &parts).unwrap();
        check_valid_and_balanced(&members, &parts, &r2);
        assert!(r2["A"]["topic1"].is_superset(&r["A"]["topic1"]));
    }

    #[test]
    fn uniform_large_sample_is_valid_and_balanced() {
        // Kafka: testValidityAndBalanceForLargeSampleSet (100 topics × 3 partitions, 49 members).
        let parts: BTreeMap<String, u32> = (1..101).map(|i| (format!("topic-{i}"), 3)).collect();
        let subs: Vec<&str> = parts.keys().map(|s| s.as_str()).collect();
        let members: BTreeMap<String, MemberSpec> = (1..50)
            .map(|i| (format!("member{i}"), member(&subs, Assignment::new())))
            .collect();
        let r = ServerAssignor::Uniform.assign(&members, &parts).unwrap();
        check_valid_and_balanced(&members, &parts, &r);
    }

    #[test]
    fn uniform_heterogeneous_is_valid() {
        // Members with different subscriptions: every partition once, only to subscribers.
        let parts = topics(&[("topic1", 3), ("topic2", 3), ("topic3", 2)]);
        let members = BTreeMap::from([
            (
                "A".to_string(),
                member(&["topic1", "topic2"], Assignment::new()),
            ),
            ("B".to_string(), member(&["topic3"], Assignment::new())),
            (
                "C".to_string(),
                member(&["topic2", "topic3"], Assignment::new()),
            ),
        ]);
        let r = ServerAssignor::Uniform.assign(&members, &parts).unwrap();
        let mut seen = 0;
        for (m, asg) in &r {
            for (t, ps) in asg {
                assert!(members[m].topics.contains(t));
                seen += ps.len();
            }
        }
        assert_eq!(seen, 8);
        let sizes: Vec<usize> = r
            .values()
            .map(|a| a.values().map(|s| s.len()).sum())
            .collect();
        assert!(
            sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1,
            "{sizes:?}"
        );
    }

    #[test]
    fn range_first_assignment_different_subscriptions() {
        // Kafka: RangeAssignorTest.testFirstAssignmentThreeConsumersThreeTopicsDifferentSubscriptions.
        let parts = topics(&[("topic1", 3), ("topic2", 3), ("topic3", 2)]);
        let members = BTreeMap::from([
            (
                "A".to_string(),
                member(&["topic1", "topic2"], Assignment::new()),
            ),
            ("B".to_string(), member(&["topic3"], Assignment::new())),
            (
                "C".to_string(),
                member(&["topic2", "topic3"], Assignment::new()),
            ),
        ]);
        let r = non_empty(ServerAssignor::Range.assign(&members, &parts).unwrap());
        assert_eq!(r["A"], a(&[("topic1", &[0, 1, 2]), ("topic2", &[0, 1])]));
        assert_eq!(r["B"], a(&[("topic3", &[0])]));
        assert_eq!(r["C"], a(&[("topic2", &[2]), ("topic3", &[1])]));
    }

    #[test]
    fn range_more_consumers_than_partitions() {
        // Kafka: RangeAssignorTest.testFirstAssignmentNumConsumersGreaterThanNumPartitions.
        let parts = topics(&[("topic1", 3), ("topic3", 2)]);
        let members: BTreeMap<String, MemberSpec> = ["A", "B", "C"]
            .iter()
            .map(|m| {
                (
                    m.to_string(),
                    member(&["topic1", "topic3"], Assignment::new()),
                )
            })
            .collect();
        let r = non_empty(ServerAssignor::Range.assign(&members, &parts).unwrap());
        assert_eq!(r["A"], a(&[("topic1", &[0]), ("topic3", &[0])]));
        assert_eq!(r["B"], a(&[("topic1", &[1]), ("topic3", &[1])]));
        assert_eq!(r["C"], a(&[("topic1", &[2])]));
    }

    #[test]
    fn range_sticky_reassignments() {
        // Kafka: RangeAssignorTest.testReassignmentNumConsumersGreaterThanNumPartitionsWhenOneConsumerAdded.
        let parts = topics(&[("topic1", 2), ("topic2", 2)]);
        let both = ["topic1", "topic2"];
        let members = BTreeMap::from([
            (
                "A".to_string(),
                member(&both, a(&[("topic1", &[0]), ("topic2", &[0])])),
            ),
            (
                "B".to_string(),
                member(&both, a(&[("topic1", &[1]), ("topic2", &[1])])),
            ),
            ("C".to_string(), member(&both, Assignment::new())),
        ]);
        let r = non_empty(ServerAssignor::Range.assign(&members, &parts).unwrap());
        assert_eq!(r["A"], a(&[("topic1", &[0]), ("topic2", &[0])]));
        assert_eq!(r["B"], a(&[("topic1", &[1]), ("topic2", &[1])]));
        assert!(!r.contains_key("C"));

        // Kafka: testReassignmentWhenOnePartitionAddedForTwoConsumersTwoTopics.
        let parts = topics(&[("topic1", 4), ("topic2", 4)]);
        let members = BTreeMap::from([
            (
                "A".to_string(),
                member(&both, a(&[("topic1", &[0, 1]), ("topic2", &[0, 1])])),
            ),
            (
                "B".to_string(),
                member(&both, a(&[("topic1", &[2]), ("topic2", &[2])])),
            ),
        ]);
        let r = non_empty(ServerAssignor::Range.assign(&members, &parts).unwrap());
        assert_eq!(r["A"], a(&[("topic1", &[0, 1]), ("topic2", &[0, 1])]));
        assert_eq!(r["B"], a(&[("topic1", &[2, 3]), ("topic2", &[2, 3])]));

        // Kafka: testReassignmentWhenOneConsumerAddedAfterInitialAssignmentWithTwoConsumersTwoTopics.
        let parts = topics(&[("topic1", 3), ("topic2", 3)]);
        let members = BTreeMap::from([
            (
                "A".to_string(),
                member(&both, a(&[("topic1", &[0, 1]), ("topic2", &[0, 1])])),
            ),
            (
                "B".to_string(),
                member(&both, a(&[("topic1", &[2]), ("topic2", &[2])])),
            ),
            ("C".to_string(), member(&both, Assignment::new())),
        ]);
        let r = non_empty(ServerAssignor::Range.assign(&members, &parts).unwrap());
        assert_eq!(r["A"], a(&[("topic1", &[0]), ("topic2", &[0])]));
        assert_eq!(r["B"], a(&[("topic1", &[2]), ("topic2", &[2])]));
        assert_eq!(r["C"], a(&[("topic1", &[1]), ("topic2", &[1])]));

        // Kafka: testReassignmentWhenOneConsumerAddedAndOnePartitionAfterInitialAssignmentWithTwoConsumersTwoTopics.
        let parts = topics(&[("topic1", 4), ("topic2", 3)]);
        let members = BTreeMap::from([
            (
                "A".to_string(),
                member(&both, a(&[("topic1", &[0, 1]), ("topic2", &[0, 1])])),
            ),
            (
                "B".to_string(),
                member(&both, a(&[("topic1", &[2]), ("topic2", &[2])])),
            ),
            ("C".to_string(), member(&["topic1"], Assignment::new())),
        ]);
        let r = non_empty(ServerAssignor::Range.assign(&members, &parts).unwrap());
        assert_eq!(r["A"], a(&[("topic1", &[0, 1]), ("topic2", &[0, 1])]));
        assert_eq!(r["B"], a(&[("topic1", &[2]), ("topic2", &[2])]));
        assert_eq!(r["C"], a(&[("topic1", &[3])]));

        // Kafka: testReassignmentWhenOneConsumerRemovedAfterInitialAssignmentWithTwoConsumersTwoTopics.
        let parts = topics(&[("topic1", 3), ("topic2", 3)]);
        let members = BTreeMap::from([(
            "B".to_string(),
            member(&both, a(&[("topic1", &[2]), ("topic2", &[2])])),
        )]);
        let r = non_empty(ServerAssignor::Range.assign(&members, &parts).unwrap());
        assert_eq!(r["B"], a(&[("topic1", &[0, 1, 2]), ("topic2", &[0, 1, 2])]));
    }

    #[test]
    fn assignor_names() {
        assert_eq!(
            parse_assignors("uniform,range").unwrap(),
            vec![ServerAssignor::Uniform, ServerAssignor::Range]
        );
        assert!(parse_assignors("sticky").unwrap_err().contains("Unknown"));
    }
}
