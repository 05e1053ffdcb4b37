//! The sticky assignors: balanced like round-robin, but members keep the partitions they owned.
//!
//! Kafka: `AbstractStickyAssignor` (`constrainedAssign`, used when every member subscribes to the
//! same topics), `StickyAssignor` (eager: owned partitions travel in the subscription userData)
//! and `CooperativeStickyAssignor` (KIP-429: a partition moving from one member to another is
//! first left unassigned, so its old owner revokes it; the follow-up rebalance assigns it).
//!
//! The constrained algorithm is ported step by step, including Kafka's walk over members in Java
//! `HashMap` order (which decides who keeps `maxQuota` partitions), and checked against
//! `AbstractStickyAssignorTest`'s exact expectations.
//!
//! Simplification: when members subscribe to different topics, Kafka's `generalAssign` keeps
//! owned partitions, hands out the rest (fewest potential consumers first) to the least-loaded
//! subscribed member, and then runs a balancing loop that may move partitions further; the
//! balancing loop is not ported. Documented in docs/engine.md.

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

/// The iteration order of a `java.util.HashMap<String, _>` holding these keys, inserted in the
/// given order: by bucket (`(h ^ h >>> 16) & (capacity - 1)`, capacity 16 doubling while
/// size > 0.75 × capacity), then insertion order within a bucket. Kafka's sticky assignor walks
/// its members in HashMap order (`consumerToOwnedPartitions`), and which member keeps `maxQuota`
/// partitions depends on it — so Kafka's test expectations do too.
pub fn java_hash_map_order(keys: &[String]) -> Vec<String> {
    let mut cap = 16usize;
    while keys.len() * 4 > cap * 3 {
        cap *= 2;
    }
    let mut indexed: Vec<(usize, usize, &String)> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let h = crate::offsets::java_string_hash_code(k) as u32;
            (((h ^ (h >> 16)) as usize) & (cap - 1), i, k)
        })
        .collect();
    indexed.sort();
    indexed.into_iter().map(|(_, _, k)| k.clone()).collect()
}

/// The result of a sticky assignment plus the partitions that change owner (Kafka:
/// `partitionsTransferringOwnership`).
struct StickyResult {
    assignment: Assignment,
    transferring: BTreeMap<TopicPartition, String>,
}

fn all_subscriptions_equal(subscriptions: &BTreeMap<String, Subscription>) -> bool {
    let mut sets = subscriptions
        .values()
        .map(|s| s.topics.iter().collect::<BTreeSet<_>>());
    let Some(first) = sets.next() else {
        return true;
    };
    sets.all(|s| s == first)
}

/// Kafka: `AbstractStickyAssignor.allSubscriptionsEqual` — each member's still-valid owned
/// partitions; only members of the highest generation keep their claims.
fn owned_partitions(
    order: &[String],
    subscriptions: &BTreeMap<String, Subscription>,
    valid: &BTreeSet<&TopicPartition>,
) -> BTreeMap<String, Vec<TopicPartition>> {
    let max_generation = subscriptions
        .values()
        .map(|s| s.generation)
        .max()
        .unwrap_or(-1);
    order
        .iter()
        .map(|m| {
            let s = &subscriptions[m];
            let owned = if s.generation == max_generation {
                s.owned
                    .iter()
                    .filter(|tp| valid.contains(tp))
                    .cloned()
                    .collect()
            } else {
                vec![]
            };
            (m.clone(), owned)
        })
        .collect()
}

/// Kafka 3.x: `AbstractStickyAssignor.constrainedAssign` (every member subscribes to the same
/// topics) — quotas `minQuota = ⌊P/M⌋`, `maxQuota = ⌈P/M⌉`, and `P % M` members may have
/// `maxQuota`. Walking members in HashMap order, a member keeps all it owned if that is below
/// `minQuota`, `maxQuota` of them while members at `maxQuota` are still allowed, else `minQuota`
/// (revoking the rest). Unassigned partitions then go round-robin to the (sorted) members below
/// `minQuota`, then one each to the (sorted) members at `minQuota` that may still grow.
fn constrained_assign(
    all: &[TopicPartition],
    subscriptions: &BTreeMap<String, Subscription>,
) -> StickyResult {
    let keys: Vec<String> = subscriptions.keys().cloned().collect();
    let order = java_hash_map_order(&keys);
    let valid: BTreeSet<&TopicPartition> = all.iter().collect();
    // Kafka: a partition claimed by two members of the same generation is owned by neither.
    let owners = previous_owners(subscriptions, &valid);
    let owned = owned_partitions(&order, subscriptions, &valid);
    let members = order.len();
    let min_quota = all.len() / members;
    let max_quota = all.len().div_ceil(members);
    let expected_over_min = all.len() % members;
    let mut over_min = 0;
    let mut assignment: Assignment = keys.iter().map(|k| (k.clone(), vec![])).collect();
    let mut assigned: BTreeSet<TopicPartition> = BTreeSet::new();
    let mut revoked: BTreeSet<TopicPartition> = BTreeSet::new();
    let mut under_min: Vec<String> = vec![];
    let mut exactly_min: Vec<String> = vec![];
    for m in &order {
        let list: Vec<TopicPartition> = owned[m]
            .iter()
            .filter(|tp| owners.get(*tp) == Some(m))
            .cloned()
            .collect();
        let keep = if list.len() < min_quota {
            under_min.push(m.clone());
            list.len()
        } else if list.len() >= max_quota && over_min < expected_over_min {
            over_min += 1;
            if over_min == expected_over_min {
                exactly_min.clear();
            }
            max_quota
        } else {
            if over_min < expected_over_min {
                exactly_min.push(m.clone());
            }
            min_quota
        };
        for (i, tp) in list.into_iter().enumerate() {
            if i < keep {
                assigned.insert(tp.clone());
                assignment.get_mut(m).expect("member").push(tp);
            } else {
                revoked.insert(tp);
            }
        }
    }
    under_min.sort();
    exactly_min.sort();
    let mut transferring = BTreeMap::new();
    let unassigned: Vec<&TopicPartition> =
        all.iter().filter(|tp| !assigned.contains(*tp)).collect();
    let mut next = 0usize;
    let mut exactly = std::collections::VecDeque::from(exactly_min);
    for tp in unassigned {
        let consumer = if !under_min.is_empty() {
            if next >= under_min.len() {
                next = 0;
            }
            under_min[next].clone()
        } else if let Some(c) = exactly.pop_front() {
            c
        } else {
            break; // Kafka logs an error: cannot happen with exact quotas.
        };
        let list = assignment.get_mut(&consumer).expect("member");
        list.push(tp.clone());
        if revoked.contains(tp) || owners.get(tp).is_some_and(|o| o != &consumer) {
            transferring.insert(tp.clone(), consumer.clone());
        }
        if !under_min.is_empty() {
            if list.len() == min_quota {
                under_min.remove(next);
                if over_min < expected_over_min {
                    exactly.push_back(consumer);
                }
            } else {
                next += 1;
            }
        } else if list.len() == max_quota {
            over_min += 1;
        }
    }
    StickyResult {
        assignment,
        transferring,
    }
}

/// Kafka: `AbstractStickyAssignor.generalAssign`, first pass — members keep what they own, and
/// each remaining partition (fewest potential consumers first) goes to the subscribed member with
/// the fewest partitions (ties: member id). Kafka then runs a balancing loop; see the module note.
fn general_assign(
    all: &[TopicPartition],
    subscriptions: &BTreeMap<String, Subscription>,
) -> StickyResult {
    let valid: BTreeSet<&TopicPartition> = all.iter().collect();
    let owners = previous_owners(subscriptions, &valid);
    let subscribed = |m: &str, tp: &TopicPartition| subscriptions[m].topics.contains(&tp.topic);
    let mut assignment: Assignment = subscriptions.keys().map(|m| (m.clone(), vec![])).collect();
    let mut assigned = BTreeSet::new();
    for (tp, m) in &owners {
        if subscribed(m, tp) {
            assignment.get_mut(m).expect("member").push(tp.clone());
            assigned.insert(tp.clone());
        }
    }
    let mut rest: Vec<&TopicPartition> = all.iter().filter(|tp| !assigned.contains(*tp)).collect();
    let potential =
        |tp: &TopicPartition| subscriptions.keys().filter(|m| subscribed(m, tp)).count();
    rest.sort_by_key(|tp| (potential(tp), (*tp).clone()));
    let mut transferring = BTreeMap::new();
    for tp in rest {
        let target = assignment
            .iter()
            .filter(|(m, _)| subscribed(m, tp))
            .min_by_key(|(m, list)| (list.len(), (*m).clone()))
            .map(|(m, _)| m.clone());
        if let Some(m) = target {
            if owners.get(tp).is_some_and(|o| o != &m) {
                transferring.insert(tp.clone(), m.clone());
            }
            assignment.get_mut(&m).expect("member").push(tp.clone());
        }
    }
    StickyResult {
        assignment,
        transferring,
    }
}

fn sticky(
    partitions_per_topic: &BTreeMap<String, u32>,
    subscriptions: &BTreeMap<String, Subscription>,
) -> StickyResult {
    if subscriptions.is_empty() {
        return StickyResult {
            assignment: BTreeMap::new(),
            transferring: BTreeMap::new(),
        };
    }
    let all = all_partitions(partitions_per_topic, subscriptions);
    if all_subscriptions_equal(subscriptions) {
        constrained_assign(&all, subscriptions)
    } else {
        general_assign(&all, subscriptions)
    }
}

/// Kafka: `StickyAssignor` (eager): the sticky assignment as is.
pub fn assign(
    partitions_per_topic: &BTreeMap<String, u32>,
    subscriptions: &BTreeMap<String, Subscription>,
) -> Assignment {
    sticky(partitions_per_topic, subscriptions).assignment
}

/// Kafka: `CooperativeStickyAssignor.assign` + `adjustAssignment` — run the sticky assignment,
/// then leave out every partition transferring ownership: its old owner revokes it after this
/// rebalance and the follow-up rebalance assigns it.
pub fn assign_cooperative(
    partitions_per_topic: &BTreeMap<String, u32>,
    subscriptions: &BTreeMap<String, Subscription>,
) -> Assignment {
    let r = sticky(partitions_per_topic, subscriptions);
    let mut out = r.assignment;
    for (tp, to) in &r.transferring {
        if let Some(list) = out.get_mut(to) {
            list.retain(|x| x != tp);
        }
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

    fn owned_by(
        list: &[(&str, &[&str], Vec<TopicPartition>)],
        generation: i32,
    ) -> BTreeMap<String, Subscription> {
        list.iter()
            .map(|(m, topics, owned)| {
                (
                    m.to_string(),
                    Subscription {
                        topics: topics.iter().map(|t| t.to_string()).collect(),
                        owned: owned.clone(),
                        generation,
                    },
                )
            })
            .collect()
    }

    #[test]
    fn java_hash_map_iteration_order() {
        // "consumer1..3" hash to consecutive values whose buckets run backwards (12, 11, 10).
        let keys: Vec<String> = ["consumer1", "consumer2", "consumer3"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            java_hash_map_order(&keys),
            vec!["consumer3", "consumer2", "consumer1"]
        );
    }

    // Kafka: AbstractStickyAssignorTest.testOnlyAssignsPartitionsFromSubscribedTopics.
    #[test]
    fn only_assigns_partitions_from_subscribed_topics() {
        let s = owned_by(
            &[(
                "consumer",
                &["topic"],
                vec![
                    tp("topic", 0),
                    tp("topic", 1),
                    tp("other", 0),
                    tp("other", 1),
                ],
            )],
            1,
        );
        let a = assign(&parts(&[("topic", 2)]), &s);
        assert_eq!(a["consumer"], vec![tp("topic", 0), tp("topic", 1)]);
    }

    // Kafka: AbstractStickyAssignorTest.testTwoConsumersTwoTopicsSixPartitions.
    #[test]
    fn two_consumers_two_topics_six_partitions() {
        let a = assign(
            &parts(&[("topic1", 3), ("topic2", 3)]),
            &subs(&[
                ("consumer1", &["topic1", "topic2"]),
                ("consumer2", &["topic1", "topic2"]),
            ]),
        );
        assert_eq!(
            a["consumer1"],
            vec![tp("topic1", 0), tp("topic1", 2), tp("topic2", 1)]
        );
        assert_eq!(
            a["consumer2"],
            vec![tp("topic1", 1), tp("topic2", 0), tp("topic2", 2)]
        );
    }

    // Kafka: AbstractStickyAssignorTest.testMultipleConsumersMixedTopicSubscriptions (general case).
    #[test]
    fn multiple_consumers_mixed_topic_subscriptions() {
        let a = assign(
            &parts(&[("topic1", 3), ("topic2", 2)]),
            &subs(&[
                ("consumer1", &["topic1"]),
                ("consumer2", &["topic1", "topic2"]),
                ("consumer3", &["topic1"]),
            ]),
        );
        assert_eq!(a["consumer1"], vec![tp("topic1", 0), tp("topic1", 2)]);
        assert_eq!(a["consumer2"], vec![tp("topic2", 0), tp("topic2", 1)]);
        assert_eq!(a["consumer3"], vec![tp("topic1", 1)]);
    }

    // Kafka: AbstractStickyAssignorTest.testConsumerOwningMinQuotaExpectedMaxQuota.
    #[test]
    fn consumer_owning_min_quota_expected_max_quota() {
        let both: &[&str] = &["topic1", "topic2"];
        let s = owned_by(
            &[
                ("consumer1", both, vec![tp("topic1", 0), tp("topic2", 1)]),
                ("consumer2", both, vec![tp("topic1", 1), tp("topic2", 2)]),
            ],
            1,
        );
        let p = parts(&[("topic1", 2), ("topic2", 3)]);
        let a = assign(&p, &s);
        assert_eq!(
            a["consumer1"],
            vec![tp("topic1", 0), tp("topic2", 1), tp("topic2", 0)]
        );
        assert_eq!(a["consumer2"], vec![tp("topic1", 1), tp("topic2", 2)]);
        assert!(sticky(&p, &s).transferring.is_empty());
    }

    // Kafka: AbstractStickyAssignorTest.testMaxQuotaConsumerMoreThanNumExpectedMaxCapacityMembers
    // — which member keeps maxQuota follows Java's HashMap order (consumer2 before consumer1).
    #[test]
    fn max_quota_consumer_more_than_num_expected_max_capacity_members() {
        let both: &[&str] = &["topic1", "topic2"];
        let s = owned_by(
            &[
                ("consumer1", both, vec![tp("topic1", 0), tp("topic2", 0)]),
                ("consumer2", both, vec![tp("topic1", 1), tp("topic2", 1)]),
                ("consumer3", both, vec![]),
            ],
            1,
        );
        let p = parts(&[("topic1", 2), ("topic2", 2)]);
        let r = sticky(&p, &s);
        assert_eq!(
            r.transferring,
            BTreeMap::from([(tp("topic2", 0), "consumer3".to_string())])
        );
        assert_eq!(r.assignment["consumer1"], vec![tp("topic1", 0)]);
        assert_eq!(
            r.assignment["consumer2"],
            vec![tp("topic1", 1), tp("topic2", 1)]
        );
        assert_eq!(r.assignment["consumer3"], vec![tp("topic2", 0)]);
        // CooperativeStickyAssignor: topic2-0 is revoked first and not yet given to consumer3.
        let c = assign_cooperative(&p, &s);
        assert_eq!(c["consumer3"], vec![]);
        assert_eq!(c["consumer1"], vec![tp("topic1", 0)]);
    }
}
