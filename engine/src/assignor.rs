//! Client-side partition assignors of the classic group protocol. The group leader runs the
//! assignor the group agreed on and sends the result to the coordinator in its SyncGroup.
//!
//! Kafka: `org.apache.kafka.clients.consumer.RangeAssignor`, `RoundRobinAssignor`,
//! `StickyAssignor`, `CooperativeStickyAssignor` (over `AbstractPartitionAssignor` /
//! `AbstractStickyAssignor`). Members are ordered as `AbstractPartitionAssignor.MemberInfo`
//! orders them: by member id (no static members here).

use crate::ids::TopicPartition;
use std::collections::{BTreeMap, BTreeSet};

/// One member's subscription as the leader sees it (Kafka: `ConsumerPartitionAssignor.Subscription`).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Subscription {
    pub topics: Vec<String>,
    /// The partitions the member owned before this rebalance (sent by cooperative members and
    /// used by the sticky assignors; Kafka: `Subscription.ownedPartitions`).
    pub owned: Vec<TopicPartition>,
    /// The generation of `owned` (Kafka: `Subscription.generationId`), -1 if unknown.
    pub generation: i32,
}

/// member id → assigned partitions.
pub type Assignment = BTreeMap<String, Vec<TopicPartition>>;

/// The assignors of `partition.assignment.strategy`, by Kafka class and protocol name.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Assignor {
    Range,
    RoundRobin,
    Sticky,
    CooperativeSticky,
}

/// Kafka's default `partition.assignment.strategy` since 3.0 (`ConsumerConfig`):
/// `RangeAssignor, CooperativeStickyAssignor` — range is used, and the group can later switch to
/// cooperative-sticky with a rolling bounce.
pub const DEFAULT_STRATEGY: &str = "org.apache.kafka.clients.consumer.RangeAssignor,org.apache.kafka.clients.consumer.CooperativeStickyAssignor";

impl Assignor {
    pub const ALL: [Assignor; 4] = [
        Assignor::Range,
        Assignor::RoundRobin,
        Assignor::Sticky,
        Assignor::CooperativeSticky,
    ];

    /// The protocol name sent in JoinGroup (`ConsumerPartitionAssignor.name()`).
    pub fn name(self) -> &'static str {
        match self {
            Assignor::Range => "range",
            Assignor::RoundRobin => "roundrobin",
            Assignor::Sticky => "sticky",
            Assignor::CooperativeSticky => "cooperative-sticky",
        }
    }

    /// The class name used in `partition.assignment.strategy`.
    pub fn class_name(self) -> &'static str {
        match self {
            Assignor::Range => "org.apache.kafka.clients.consumer.RangeAssignor",
            Assignor::RoundRobin => "org.apache.kafka.clients.consumer.RoundRobinAssignor",
            Assignor::Sticky => "org.apache.kafka.clients.consumer.StickyAssignor",
            Assignor::CooperativeSticky => {
                "org.apache.kafka.clients.consumer.CooperativeStickyAssignor"
            }
        }
    }

    /// Looks an assignor up by protocol name.
    pub fn from_name(name: &str) -> Option<Assignor> {
        Assignor::ALL.into_iter().find(|a| a.name() == name)
    }

    /// Whether the assignor speaks the COOPERATIVE rebalance protocol (KIP-429): members keep
    /// their partitions through a rebalance and only give up the ones that move.
    pub fn cooperative(self) -> bool {
        self == Assignor::CooperativeSticky
    }

    /// Runs the assignor. `partitions_per_topic` holds every subscribed topic the leader's
    /// metadata knows.
    pub fn assign(
        self,
        partitions_per_topic: &BTreeMap<String, u32>,
        subscriptions: &BTreeMap<String, Subscription>,
    ) -> Assignment {
        match self {
            Assignor::Range => range(partitions_per_topic, subscriptions),
            Assignor::RoundRobin => round_robin(partitions_per_topic, subscriptions),
            Assignor::Sticky => crate::sticky::assign(partitions_per_topic, subscriptions),
            Assignor::CooperativeSticky => {
                crate::sticky::assign_cooperative(partitions_per_topic, subscriptions)
            }
        }
    }
}

/// Parses `partition.assignment.strategy`: a comma-separated list of class names (or the
/// protocol names, which Kafka also accepts through `ConsumerPartitionAssignor.getAssignorInstances`
/// for its built-in assignors).
pub fn parse_strategy(v: &str) -> Result<Vec<Assignor>, String> {
    let mut out = vec![];
    for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let a = Assignor::ALL
            .into_iter()
            .find(|a| a.class_name() == part || a.name() == part)
            .ok_or_else(|| format!("Class {part} cannot be found"))?;
        out.push(a);
    }
    if out.is_empty() {
        return Err("Value must be a non-empty list of assignor class names".into());
    }
    Ok(out)
}

/// Kafka: `AbstractPartitionAssignor.assign` starts every member with an empty list.
fn empty_assignment(subscriptions: &BTreeMap<String, Subscription>) -> Assignment {
    subscriptions
        .keys()
        .map(|m| (m.clone(), Vec::new()))
        .collect()
}

/// Kafka: `RangeAssignor` — per topic, members sorted, the partitions split into contiguous
/// ranges: the first `n % members` members get one extra partition.
pub fn range(
    partitions_per_topic: &BTreeMap<String, u32>,
    subscriptions: &BTreeMap<String, Subscription>,
) -> Assignment {
    let mut assignment = empty_assignment(subscriptions);
    let mut consumers_per_topic: BTreeMap<&str, Vec<&String>> = BTreeMap::new();
    for (member, s) in subscriptions {
        for t in &s.topics {
            consumers_per_topic
                .entry(t.as_str())
                .or_default()
                .push(member);
        }
    }
    for (topic, consumers) in consumers_per_topic {
        let Some(&n) = partitions_per_topic.get(topic) else {
            continue;
        };
        // BTreeMap iteration already gives the MemberInfo order (member id).
        let c = consumers.len() as u32;
        let per_consumer = n / c;
        let with_extra = n % c;
        for (i, member) in consumers.into_iter().enumerate() {
            let i = i as u32;
            let start = per_consumer * i + i.min(with_extra);
            let len = per_consumer + u32::from(i < with_extra);
            let list = assignment.get_mut(member).expect("member listed");
            list.extend((start..start + len).map(|p| TopicPartition::new(topic, p)));
        }
    }
    assignment
}

/// Kafka: `RoundRobinAssignor` — every subscribed partition, sorted by topic then partition,
/// handed out over the sorted members in a circle, skipping members not subscribed to its topic.
pub fn round_robin(
    partitions_per_topic: &BTreeMap<String, u32>,
    subscriptions: &BTreeMap<String, Subscription>,
) -> Assignment {
    let mut assignment = empty_assignment(subscriptions);
    let members: Vec<&String> = subscriptions.keys().collect();
    if members.is_empty() {
        return assignment;
    }
    let topics: BTreeSet<&String> = subscriptions.values().flat_map(|s| &s.topics).collect();
    let mut next = 0usize;
    for topic in topics {
        let Some(&n) = partitions_per_topic.get(topic.as_str()) else {
            continue;
        };
        for p in 0..n {
            // Kafka: CircularIterator — advance until a member subscribed to the topic.
            loop {
                let m = members[next % members.len()];
                next += 1;
                if subscriptions[m].topics.contains(topic) {
                    assignment
                        .get_mut(m)
                        .expect("member listed")
                        .push(TopicPartition::new(topic.as_str(), p));
                    break;
                }
            }
        }
    }
    assignment
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn tp(t: &str, p: u32) -> TopicPartition {
        TopicPartition::new(t, p)
    }

    pub fn subs(list: &[(&str, &[&str])]) -> BTreeMap<String, Subscription> {
        list.iter()
            .map(|(m, ts)| {
                (
                    m.to_string(),
                    Subscription {
                        topics: ts.iter().map(|t| t.to_string()).collect(),
                        owned: vec![],
                        generation: -1,
                    },
                )
            })
            .collect()
    }

    pub fn parts(list: &[(&str, u32)]) -> BTreeMap<String, u32> {
        list.iter().map(|(t, n)| (t.to_string(), *n)).collect()
    }

    // Kafka: RangeAssignorTest (the non-rack cases).
    #[test]
    fn range_one_consumer_no_topic() {
        let a = range(&parts(&[]), &subs(&[("consumer", &[])]));
        assert_eq!(a["consumer"], vec![]);
    }

    #[test]
    fn range_one_consumer_nonexistent_topic() {
        let a = range(&parts(&[]), &subs(&[("consumer", &["topic"])]));
        assert_eq!(a["consumer"], vec![]);
    }

    #[test]
    fn range_one_consumer_one_topic() {
        let a = range(&parts(&[("topic", 3)]), &subs(&[("consumer", &["topic"])]));
        assert_eq!(
            a["consumer"],
            vec![tp("topic", 0), tp("topic", 1), tp("topic", 2)]
        );
    }

    #[test]
    fn range_only_assigns_partitions_from_subscribed_topics() {
        let a = range(
            &parts(&[("topic", 3), ("other", 3)]),
            &subs(&[("consumer", &["topic"])]),
        );
        assert_eq!(
            a["consumer"],
            vec![tp("topic", 0), tp("topic", 1), tp("topic", 2)]
        );
    }

    #[test]
    fn range_one_consumer_multiple_topics() {
        let a = range(
            &parts(&[("topic1", 1), ("topic2", 2)]),
            &subs(&[("consumer", &["topic1", "topic2"])]),
        );
        assert_eq!(
            a["consumer"],
            vec![tp("topic1", 0), tp("topic2", 0), tp("topic2", 1)]
        );
    }

    #[test]
    fn range_two_consumers_one_topic_one_partition() {
        let a = range(
            &parts(&[("topic", 1)]),
            &subs(&[("consumer1", &["topic"]), ("consumer2", &["topic"])]),
        );
        assert_eq!(a["consumer1"], vec![tp("topic", 0)]);
        assert_eq!(a["consumer2"], vec![]);
    }

    #[test]
    fn range_two_consumers_one_topic_two_partitions() {
        let a = range(
            &parts(&[("topic", 2)]),
            &subs(&[("consumer1", &["topic"]), ("consumer2", &["topic"])]),
        );
        assert_eq!(a["consumer1"], vec![tp("topic", 0)]);
        assert_eq!(a["consumer2"], vec![tp("topic", 1)]);
    }

    #[test]
    fn range_multiple_consumers_mixed_topics() {
        let a = range(
            &parts(&[("topic1", 3), ("topic2", 2)]),
            &subs(&[
                ("consumer1", &["topic1"]),
                ("consumer2", &["topic1", "topic2"]),
                ("consumer3", &["topic1"]),
            ]),
        );
        assert_eq!(a["consumer1"], vec![tp("topic1", 0)]);
        assert_eq!(
            a["consumer2"],
            vec![tp("topic1", 1), tp("topic2", 0), tp("topic2", 1)]
        );
        assert_eq!(a["consumer3"], vec![tp("topic1", 2)]);
    }

    #[test]
    fn range_two_consumers_two_topics_six_partitions() {
        let a = range(
            &parts(&[("topic1", 3), ("topic2", 3)]),
            &subs(&[
                ("consumer1", &["topic1", "topic2"]),
                ("consumer2", &["topic1", "topic2"]),
            ]),
        );
        assert_eq!(
            a["consumer1"],
            vec![
                tp("topic1", 0),
                tp("topic1", 1),
                tp("topic2", 0),
                tp("topic2", 1)
            ]
        );
        assert_eq!(a["consumer2"], vec![tp("topic1", 2), tp("topic2", 2)]);
    }

    // Kafka: RoundRobinAssignorTest.
    #[test]
    fn round_robin_one_consumer_one_topic() {
        let a = round_robin(&parts(&[("topic", 3)]), &subs(&[("consumer", &["topic"])]));
        assert_eq!(
            a["consumer"],
            vec![tp("topic", 0), tp("topic", 1), tp("topic", 2)]
        );
    }

    #[test]
    fn round_robin_one_consumer_nonexistent_topic() {
        let a = round_robin(&parts(&[]), &subs(&[("consumer", &["topic"])]));
        assert_eq!(a["consumer"], vec![]);
    }

    #[test]
    fn round_robin_one_consumer_multiple_topics() {
        let a = round_robin(
            &parts(&[("topic1", 1), ("topic2", 2)]),
            &subs(&[("consumer", &["topic1", "topic2"])]),
        );
        assert_eq!(
            a["consumer"],
            vec![tp("topic1", 0), tp("topic2", 0), tp("topic2", 1)]
        );
    }

    #[test]
    fn round_robin_two_consumers_one_topic_one_partition() {
        let a = round_robin(
            &parts(&[("topic", 1)]),
            &subs(&[("consumer1", &["topic"]), ("consumer2", &["topic"])]),
        );
        assert_eq!(a["consumer1"], vec![tp("topic", 0)]);
        assert_eq!(a["consumer2"], vec![]);
    }

    #[test]
    fn round_robin_two_consumers_one_topic_two_partitions() {
        let a = round_robin(
            &parts(&[("topic", 2)]),
            &subs(&[("consumer1", &["topic"]), ("consumer2", &["topic"])]),
        );
        assert_eq!(a["consumer1"], vec![tp("topic", 0)]);
        assert_eq!(a["consumer2"], vec![tp("topic", 1)]);
    }

    #[test]
    fn round_robin_multiple_consumers_mixed_topics() {
        let a = round_robin(
            &parts(&[("topic1", 3), ("topic2", 2)]),
            &subs(&[
                ("consumer1", &["topic1"]),
                ("consumer2", &["topic1", "topic2"]),
                ("consumer3", &["topic1"]),
            ]),
        );
        assert_eq!(a["consumer1"], vec![tp("topic1", 0)]);
        assert_eq!(
            a["consumer2"],
            vec![tp("topic1", 1), tp("topic2", 0), tp("topic2", 1)]
        );
        assert_eq!(a["consumer3"], vec![tp("topic1", 2)]);
    }

    #[test]
    fn round_robin_two_dynamic_consumers_two_topics_six_partitions() {
        let a = round_robin(
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

    #[test]
    fn strategy_parsing() {
        assert_eq!(
            parse_strategy(DEFAULT_STRATEGY).unwrap(),
            vec![Assignor::Range, Assignor::CooperativeSticky]
        );
        assert_eq!(
            parse_strategy("roundrobin").unwrap(),
            vec![Assignor::RoundRobin]
        );
        assert_eq!(
            parse_strategy("com.example.Mine").unwrap_err(),
            "Class com.example.Mine cannot be found"
        );
    }
}
