//! `__consumer_offsets`: which partition holds a group, and the records the group coordinator
//! writes there (committed offsets and group metadata).
//!
//! Kafka: `GroupCoordinatorService.partitionFor` (`Utils.abs(groupId.hashCode()) %
//! offsets.topic.num.partitions`), `GroupCoordinatorRecordHelpers` (`OffsetCommitKey` /
//! `OffsetCommitValue`, `GroupMetadataKey` / `GroupMetadataValue`).
//!
//! Kafka writes these records in a binary schema; the playground writes readable text so a learner
//! can inspect the offsets partition's log: key `offset:{group}:{topic}:{partition}`, value = the
//! committed offset (the next offset to read); key `group:{group}`, value = the group's metadata
//! as JSON.

use crate::ids::TopicPartition;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Kafka: `Topic.GROUP_METADATA_TOPIC_NAME`.
pub const OFFSETS_TOPIC: &str = "__consumer_offsets";

/// Java's `String.hashCode`: `s[0]*31^(n-1) + … + s[n-1]` over UTF-16 code units, wrapping in
/// 32-bit two's complement.
pub fn java_string_hash_code(s: &str) -> i32 {
    s.encode_utf16()
        .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(c as i32))
}

/// Kafka: `Utils.abs` — `Math.abs`, except that `Integer.MIN_VALUE` (whose absolute value does
/// not fit) maps to 0.
pub fn kafka_abs(n: i32) -> i32 {
    if n == i32::MIN {
        0
    } else {
        n.abs()
    }
}

/// The `__consumer_offsets` partition that holds a group. Kafka:
/// `GroupCoordinatorService.partitionFor` / `GroupMetadataManager.partitionFor`.
pub fn partition_for(group_id: &str, num_partitions: u32) -> u32 {
    (kafka_abs(java_string_hash_code(group_id)) as u32) % num_partitions.max(1)
}

/// The record key of a committed offset (Kafka: `OffsetCommitKey`).
pub fn offset_commit_key(group: &str, tp: &TopicPartition) -> String {
    format!("offset:{group}:{}:{}", tp.topic, tp.partition)
}

/// The record key of a group's metadata (Kafka: `GroupMetadataKey`).
pub fn group_metadata_key(group: &str) -> String {
    format!("group:{group}")
}

/// A group's persisted state (Kafka: `GroupMetadataValue`): written when a generation's
/// assignment is stored (SyncGroup from the leader) and when the group becomes empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMetadataValue {
    pub protocol_type: String,
    pub generation: u32,
    /// The chosen assignor (`range`, `roundrobin`, `sticky`, `cooperative-sticky`).
    pub protocol: Option<String>,
    pub leader: Option<String>,
    pub members: Vec<MemberMetadata>,
}

/// One member in [`GroupMetadataValue`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberMetadata {
    pub member_id: String,
    pub client_id: String,
    pub session_timeout_ms: u64,
    pub rebalance_timeout_ms: u64,
    /// Static membership: `group.instance.id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_instance_id: Option<String>,
    /// Subscribed topics and, for cooperative assignors, the partitions it owned.
    pub subscription: Vec<String>,
    pub assignment: Vec<TopicPartition>,
}

/// One decoded record of the offsets topic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OffsetsRecord {
    OffsetCommit {
        group: String,
        tp: TopicPartition,
        offset: u64,
    },
    GroupMetadata {
        group: String,
        value: GroupMetadataValue,
    },
}

/// Decodes a record of the offsets topic; `None` for anything else.
pub fn decode(key: Option<&str>, value: &str) -> Option<OffsetsRecord> {
    let key = key?;
    if let Some(rest) = key.strip_prefix("offset:") {
        // The group id may itself contain ':'; topic names cannot, so split from the right.
        let mut parts = rest.rsplitn(3, ':');
        let partition = parts.next()?.parse().ok()?;
        let topic = parts.next()?;
        let group = parts.next()?;
        return Some(OffsetsRecord::OffsetCommit {
            group: group.to_string(),
            tp: TopicPartition::new(topic, partition),
            offset: value.parse().ok()?,
        });
    }
    let group = key.strip_prefix("group:")?;
    Some(OffsetsRecord::GroupMetadata {
        group: group.to_string(),
        value: serde_json::from_str(value).ok()?,
    })
}

/// What a coordinator rebuilds from one offsets partition (Kafka: `CoordinatorLoaderImpl`
/// replaying the log into `GroupMetadataManager.replay`): the last record per key wins.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadedState {
    pub offsets: BTreeMap<String, BTreeMap<TopicPartition, u64>>,
    pub groups: BTreeMap<String, GroupMetadataValue>,
}

/// Replays records of one offsets partition. A tombstone (null value) deletes its key's offset
/// or group (Kafka: `GroupMetadataManager.replay` with a null value).
pub fn replay<'a>(
    records: impl IntoIterator<Item = (Option<&'a str>, Option<&'a str>)>,
) -> LoadedState {
    let mut s = LoadedState::default();
    for (k, v) in records {
        let Some(v) = v else {
            forget(&mut s, k);
            continue;
        };
        match decode(k, v) {
            Some(OffsetsRecord::OffsetCommit { group, tp, offset }) => {
                s.offsets.entry(group).or_default().insert(tp, offset);
            }
            Some(OffsetsRecord::GroupMetadata { group, value }) => {
                s.groups.insert(group, value);
            }
            None => {}
        }
    }
    s
}

/// A tombstone's key: the committed offset or the group it deletes.
fn forget(s: &mut LoadedState, key: Option<&str>) {
    let Some(key) = key else { return };
    if let Some(rest) = key.strip_prefix("offset:") {
        let mut parts = rest.rsplitn(3, ':');
        let (Some(Ok(partition)), Some(topic), Some(group)) =
            (parts.next().map(str::parse), parts.next(), parts.next())
        else {
            return;
        };
        if let Some(o) = s.offsets.get_mut(group) {
            o.remove(&TopicPartition::new(topic, partition));
            if o.is_empty() {
                s.offsets.remove(group);
            }
        }
    } else if let Some(group) = key.strip_prefix("group:") {
        s.groups.remove(group);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_hash_codes() {
        // Values of java.lang.String.hashCode, as any JVM prints them.
        assert_eq!(java_string_hash_code(""), 0);
        assert_eq!(java_string_hash_code("a"), 97);
        assert_eq!(java_string_hash_code("hello"), 99162322);
        assert_eq!(java_string_hash_code("Aa"), 2112);
        assert_eq!(java_string_hash_code("BB"), 2112);
        // Overflowing: wraps like Java's int arithmetic.
        assert_eq!(java_string_hash_code("hello world"), 1794106052);
        // The well-known string whose hash is Integer.MIN_VALUE.
        assert_eq!(java_string_hash_code("polygenelubricants"), i32::MIN);
        // UTF-16 code units: a character outside the BMP counts as two (a surrogate pair).
        assert_eq!(java_string_hash_code("é"), 233);
        assert_eq!(
            java_string_hash_code("😀"),
            0xD83D_i32.wrapping_mul(31).wrapping_add(0xDE00)
        );
    }

    #[test]
    fn utils_abs() {
        // Kafka: UtilsTest.testAbs.
        assert_eq!(kafka_abs(i32::MIN), 0);
        assert_eq!(kafka_abs(-5), 5);
        assert_eq!(kafka_abs(0), 0);
        assert_eq!(kafka_abs(5), 5);
        assert_eq!(kafka_abs(i32::MAX), i32::MAX);
    }

    #[test]
    fn group_partition() {
        // "hello": 99162322 % 50 = 22.
        assert_eq!(partition_for("hello", 50), 22);
        // Integer.MIN_VALUE hash: Utils.abs gives 0, so partition 0 (Math.abs would be negative).
        assert_eq!(partition_for("polygenelubricants", 50), 0);
        let h = java_string_hash_code("order-processing");
        assert_eq!(
            partition_for("order-processing", 50),
            (h.unsigned_abs() % 50)
        );
    }

    #[test]
    fn records_round_trip() {
        let tp = TopicPartition::new("orders", 2);
        let k = offset_commit_key("a:b", &tp);
        assert_eq!(k, "offset:a:b:orders:2");
        assert_eq!(
            decode(Some(&k), "5"),
            Some(OffsetsRecord::OffsetCommit {
                group: "a:b".into(),
                tp: tp.clone(),
                offset: 5
            })
        );
        let g = GroupMetadataValue {
            protocol_type: "consumer".into(),
            generation: 3,
            ..Default::default()
        };
        let v = serde_json::to_string(&g).unwrap();
        let st = replay(vec![
            (Some(k.as_str()), Some("5")),
            (Some(k.as_str()), Some("7")),
            (Some("group:a:b"), Some(v.as_str())),
            (None, Some("noise")),
        ]);
        assert_eq!(st.offsets["a:b"][&tp], 7);
        assert_eq!(st.groups["a:b"].generation, 3);
        // Tombstones delete the offset and the group (GroupMetadataManager.replay).
        let st = replay(vec![
            (Some(k.as_str()), Some("5")),
            (Some("group:a:b"), Some(v.as_str())),
            (Some(k.as_str()), None),
            (Some("group:a:b"), None),
        ]);
        assert!(st.offsets.is_empty() && st.groups.is_empty());
    }
}
