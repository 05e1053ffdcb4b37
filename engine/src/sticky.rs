//! The sticky assignors: balanced like round-robin, but members keep the partitions they owned.
//!
//! Kafka: `AbstractStickyAssignor` (`constrainedAssign`, used when every member subscribes to the
//! same topics), `StickyAssignor` (eager: owned partitions travel in the subscription userData)
//! and `CooperativeStickyAssignor` (KIP-429: a partition moving from one member to another is
//! first left unassigned, so its old owner revokes it; the follow-up rebalance assigns it).
//!
//! Simplification: when members subscribe to different topics, Kafka runs the `generalAssign`
//! balancing loop; here the same keep-owned-then-fill-the-least-loaded rule is applied per
//! partition among the members subscribed to its topic (balanced for the common cases, but not
//! Kafka's exact reassignment sequence). Documented in docs/engine.md.

use crate::assignor::{Assignment, Subscription};
use crate::ids::TopicPartition;
use std::collections::{BTreeMap, BTreeSet};

/// Every partition of the subscribed topics, in topic then partition order.
fn all_partitions(
    partitions_per_topic: &BTreeMap<String, u32>,
    subscriptions: &BTreeMap<String, Subscription>,
) -> Vec<TopicPartition> {
    let topics: BTreeSet<&String> = subscriptions.values().flat_map(|s| &s.topics).collect();
    topics
        .into_iter()
        .filter_map(|t| partitions_per_topic.get(t).map(|n| (t, *n)))
        .flat_map(|(t, n)| (0..n).map(move |p| TopicPartition::new(t.as_str(), p)))
        .collect()
}

/// The previous owner of each partition: Kafka's `AbstractStickyAssignor.allSubscriptionsEqual`
/// bookkeeping — the claim from the highest generation wins; two claims in the same generation
/// both lose (the partition is treated as unowned).
fn previous_owners(
    subscriptions: &BTreeMap<String, Subscription>,
    valid: &BTreeSet<&TopicPartition>,
) -> BTreeMap<TopicPartition, String> {
    let mut best: BTreeMap<TopicPartition, (i32, Option<String>)> = BTreeMap::new();
    for (m, s) in subscriptions {
        for tp in s.owned.iter().filter(|tp| valid.contains(tp)) {
            match best.get_mut(tp) {
                None => {
                    best.insert(tp.clone(), (s.generation, Some(m.clone())));
                }
                Some((g, owner)) => {
                    if s.generation > *g {
                        *g = s.generation;
                        *owner = Some(m.clone());
                    } else if s.generation == *g {
                        // Kafka: "Found multiple consumers … claiming the same TopicPartition …
                        // in the same generation": neither keeps it.
                        *owner = None;
                    }
                }
            }
        }
    }
    best.into_iter()
        .filter_map(|(tp, (_, o))| o.map(|o| (tp, o)))
        .collect()
}

/// Kafka: `AbstractStickyAssignor.constrainedAssign` — quotas `minQuota = ⌊P/M⌋`,
/// `maxQuota = ⌈P/M⌉`; each member keeps up to its quota of what it owned, the rest is handed
/// out to members below `minQuota` first, then one more each to members at `minQuota` until
/// `P % M` members have `maxQuota`.
pub fn assign(
    partitions_per_topic: &BTreeMap<String, u32>,
    subscriptions: &BTreeMap<String, Subscription>,
) -> Assignment {
    let mut out: Assignment = subscriptions
        .keys()
        .map(|m| (m.clone(), Vec::new()))
        .collect();
    if subscriptions.is_empty() {
        return out;
    }
    let all = all_partitions(partitions_per_topic, subscriptions);
    let valid: BTreeSet<&TopicPartition> = all.iter().collect();
    let owners = previous_owners(subscriptions, &valid);
    let subscribed = |m: &str, tp: &TopicPartition| subscriptions[m].topics.contains(&tp.topic);
    // How many members may reach maxQuota (only meaningful with equal subscriptions; with
    // different ones each partition goes to the least-loaded subscribed member).
    let members = subscriptions.len();
    let min_quota = all.len() / members;
    let max_quota = all.len().div_ceil(members);
    let mut over_min_allowed = all.len() % members;
    let mut assigned: BTreeSet<TopicPartition> = BTreeSet::new();
    // 1. Keep owned partitions, up to the quota, in partition order.
    for (m, s) in subscriptions {
        let mut owned: Vec<&TopicPartition> = s
            .owned
            .iter()
            .filter(|tp| owners.get(*tp) == Some(m) && subscribed(m, tp))
            .collect();
        owned.sort();
        owned.dedup();
        let keep = if owned.len() <= min_quota {
            owned.len()
        } else if over_min_allowed > 0 && owned.len() >= max_quota {
            over_min_allowed -= 1;
            max_quota
        } else {
            min_quota
        };
        for tp in owned.into_iter().take(keep) {
            assigned.insert(tp.clone());
            out.get_mut(m).expect("member").push(tp.clone());
        }
    }
    // 2. Hand out the rest: each to the subscribed member with the fewest partitions (ties: the
    //    member id order), never past maxQuota while another member can take it.
    for tp in all.iter().filter(|tp| !assigned.contains(*tp)) {
        let target = out
            .iter()
            .filter(|(m, _)| subscribed(m, tp))
            .min_by_key(|(m, list)| (list.len(), (*m).clone()))
            .map(|(m, _)| m.clone());
        if let Some(m) = target {
            out.get_mut(&m).expect("member").push(tp.clone());
        }
    }
    for list in out.values_mut() {
        list.sort();
    }
    out
}

/// Kafka: `CooperativeStickyAssignor.assign` + `adjustAssignment` — run the sticky assignment,
/// then leave out every partition that would move away from a member that still owns it: the
/// owner revokes it after this rebalance and the next rebalance assigns it.
pub fn assign_cooperative(
    partitions_per_topic: &BTreeMap<String, u32>,
    subscriptions: &BTreeMap<String, Subscription>,
) -> Assignment {
    let mut out = assign(partitions_per_topic, subscriptions);
    let all = all_partitions(partitions_per_topic, subscriptions);
    let valid: BTreeSet<&TopicPartition> = all.iter().collect();
    let owners = previous_owners(subscriptions, &valid);
    for (m, list) in out.iter_mut() {
        list.retain(|tp| owners.get(tp).is_none_or(|o| o == m));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assignor::tests::{parts, subs, tp};

    fn owning(
        mut s: BTreeMap<String, Subscription>,
        owned: &[(&str, Vec<TopicPartition>)],
        generation: i32,
    ) -> BTreeMap<String, Subscription> {
        for (m, list) in owned {
            let e = s.get_mut(*m).unwrap();
            e.owned = list.clone();
            e.generation = generation;
        }
        s
    }

    // Kafka: AbstractStickyAssignorTest.testOneConsumerOneTopic.
    #[test]
    fn one_consumer_one_topic() {
        let a = assign(&parts(&[("topic", 3)]), &subs(&[("consumer", &["topic"])]));
        assert_eq!(
            a["consumer"],
            vec![tp("topic", 0), tp("topic", 1), tp("topic", 2)]
        );
    }

    // Kafka: AbstractStickyAssignorTest.testTwoConsumersOneTopicOnePartition.
    #[test]
    fn two_consumers_one_topic_one_partition() {
        let a = assign(
            &parts(&[("topic", 1)]),
            &subs(&[("consumer1", &["topic"]), ("consumer2", &["topic"])]),
        );
        assert_eq!(a["consumer1"], vec![tp("topic", 0)]);
        assert_eq!(a["consumer2"], vec![]);
    }

    // Kafka: AbstractStickyAssignorTest.testAddRemoveConsumerOneTopic: consumer1 owned all three
    // partitions; consumer2 joins and gets one, consumer1 keeps two; consumer1 leaves and
    // consumer2 gets everything while keeping its partition.
    #[test]
    fn add_remove_consumer_one_topic() {
        let p = parts(&[("topic", 3)]);
        let a = assign(&p, &subs(&[("consumer1", &["topic"])]));
        assert_eq!(a["consumer1"].len(), 3);
        let s = owning(
            subs(&[("consumer1", &["topic"]), ("consumer2", &["topic"])]),
            &[("consumer1", a["consumer1"].clone())],
            1,
        );
        let a = assign(&p, &s);
        assert_eq!(a["consumer1"], vec![tp("topic", 0), tp("topic", 1)]);
        assert_eq!(a["consumer2"], vec![tp("topic", 2)]);
        let s = owning(
            subs(&[("consumer2", &["topic"])]),
            &[("consumer2", a["consumer2"].clone())],
            2,
        );
        let a = assign(&p, &s);
        assert!(a["consumer2"].contains(&tp("topic", 2)));
        assert_eq!(a["consumer2"].len(), 3);
    }

    // Kafka: CooperativeStickyAssignorTest (via AbstractStickyAssignorTest.testAddRemoveConsumerOneTopic
    // with the cooperative verification): the moving partition is held back one rebalance.
    #[test]
    fn cooperative_two_phase() {
        let p = parts(&[("topic", 3)]);
        let s = owning(
            subs(&[("consumer1", &["topic"]), ("consumer2", &["topic"])]),
            &[(
                "consumer1",
                vec![tp("topic", 0), tp("topic", 1), tp("topic", 2)],
            )],
            1,
        );
        let first = assign_cooperative(&p, &s);
        assert_eq!(first["consumer1"], vec![tp("topic", 0), tp("topic", 1)]);
        assert_eq!(first["consumer2"], vec![]);
        // consumer1 revoked topic-2; the follow-up rebalance hands it to consumer2.
        let s = owning(
            subs(&[("consumer1", &["topic"]), ("consumer2", &["topic"])]),
            &[("consumer1", first["consumer1"].clone())],
            2,
        );
        let second = assign_cooperative(&p, &s);
        assert_eq!(second["consumer1"], vec![tp("topic", 0), tp("topic", 1)]);
        assert_eq!(second["consumer2"], vec![tp("topic", 2)]);
    }

    // Kafka: AbstractStickyAssignorTest.testStickiness-style property: after a third member
    // joins a balanced 2×3 group, every member keeps at least what its quota allows.
    #[test]
    fn members_keep_their_partitions() {
        let p = parts(&[("t", 6)]);
        let s = owning(
            subs(&[("a", &["t"]), ("b", &["t"]), ("c", &["t"])]),
            &[
                ("a", vec![tp("t", 0), tp("t", 1), tp("t", 2)]),
                ("b", vec![tp("t", 3), tp("t", 4), tp("t", 5)]),
            ],
            1,
        );
        let a = assign(&p, &s);
        assert_eq!(a["a"], vec![tp("t", 0), tp("t", 1)]);
        assert_eq!(a["b"], vec![tp("t", 3), tp("t", 4)]);
        assert_eq!(a["c"], vec![tp("t", 2), tp("t", 5)]);
    }

    // Kafka: AbstractStickyAssignorTest.testOwnedPartitionsAreInvalidatedForConsumerWithStaleGeneration
    // shape: a stale claim loses to the newer generation's claim.
    #[test]
    fn stale_generation_loses() {
        let p = parts(&[("t", 2)]);
        let mut s = subs(&[("a", &["t"]), ("b", &["t"])]);
        s.get_mut("a").unwrap().owned = vec![tp("t", 0), tp("t", 1)];
        s.get_mut("a").unwrap().generation = 1;
        s.get_mut("b").unwrap().owned = vec![tp("t", 0), tp("t", 1)];
        s.get_mut("b").unwrap().generation = 2;
        let a = assign(&p, &s);
        assert_eq!(a["b"], vec![tp("t", 0)]);
        assert_eq!(a["a"], vec![tp("t", 1)]);
    }
}
