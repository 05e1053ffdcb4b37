//! KRaft replica placement: which brokers get the replicas of a new topic's partitions.
//!
//! Kafka: `org.apache.kafka.metadata.placement.StripedReplicaPlacer`
//! (`metadata/src/main/java/org/apache/kafka/metadata/placement/StripedReplicaPlacer.java`,
//! apache/kafka trunk, commit 24c435fe), together with `UsableBroker`, `PlacementSpec` and
//! `ClusterDescriber` from the same package. The tests at the bottom are
//! `StripedReplicaPlacerTest` (commit 88668d83), with Kafka's expected outputs unchanged.
//!
//! How it works, in Kafka's words: brokers are grouped into racks, and each rack keeps a sorted
//! list of unfenced brokers and a separate sorted list of fenced brokers. Replicas are taken from
//! the racks round-robin, starting at a random rack offset that moves on by one rack per
//! partition (the "stripes"); inside a rack, brokers are also taken round-robin from a random
//! starting offset. The leader (first replica) must be unfenced. A follower is taken from the
//! rack's unfenced list first and from its fenced list only once that rack's unfenced list is used
//! up *for this partition* — so spreading across racks wins over avoiding fenced brokers: a fenced
//! broker in the next rack is chosen before a second unfenced broker in a rack already used.
//! After as many partitions as there are unfenced brokers, the rack order and every broker list
//! are shuffled.
//!
//! Randomness: Kafka draws from a `java.util.Random`; here every `random.nextInt(n)` becomes
//! [`PlacementRandom::next_int`], which the engine's [`Rng`] implements as `rng.below(n)`. The
//! tests implement it with Kafka's `MockRandom` (bit-exact `java.util.Random.nextInt`), so they
//! reproduce Kafka's placements exactly.
//!
//! Faithfulness notes:
//! * Kafka keeps racks in a `HashMap<Optional<String>, Rack>` and draws each rack's random
//!   offsets (and shuffles each rack's lists) in that map's iteration order, so the order of
//!   random draws depends on Java's `String.hashCode` and `HashMap` bucket layout. That order is
//!   reproduced here (see `java_hash_map_order`), except inside a treeified bucket (9 or more
//!   rack names in one bucket of a table of 64+ buckets), where Java's order depends on its
//!   red-black tree (and, for equal hashes, on `System.identityHashCode`, so it is not even
//!   deterministic in Java); there insertion order is used.
//! * `PlacementSpec.startPartition` is accepted but unused, as in Kafka.
//! * Kafka's loops `while (true)` / `do … while (result < 0)` would spin forever if every rack
//!   ran out of brokers within one iteration epoch; here that returns `Err` instead.
//! * Not ported: the directory assignment done by `PartitionAssignment(replicas, cluster)` (the
//!   engine has no log directories), and the unmerged KAFKA-14437 proposal (apache/kafka#12943)
//!   that seeds the offsets from a topic's existing assignments.

use std::cmp::Ordering;
use std::collections::HashMap;

use crate::ids::BrokerId;
use crate::rng::Rng;

/// A source of `java.util.Random.nextInt(bound)`-style draws for the placer.
pub trait PlacementRandom {
    /// A uniform integer in `0..bound`; the placer only calls it with `bound >= 1`.
    fn next_int(&mut self, bound: u32) -> u32;
}

impl PlacementRandom for Rng {
    fn next_int(&mut self, bound: u32) -> u32 {
        // `below(n) < n <= u32::MAX`, so the conversion never fails.
        u32::try_from(self.below(u64::from(bound))).unwrap_or(0)
    }
}

/// Kafka: `UsableBroker` — a broker a replica may be placed on.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UsableBroker {
    pub id: BrokerId,
    pub rack: Option<String>,
    pub fenced: bool,
}

/// Kafka: `StripedReplicaPlacer.place` — returns one replica list per partition.
///
/// `starting_partition` is Kafka's `PlacementSpec.startPartition`, which the striped placer
/// ignores. The first broker of each list is the partition's preferred leader and is always an
/// unfenced broker.
///
/// # Errors
///
/// The message of Kafka's `InvalidReplicationFactorException` when `replication_factor` is 0,
/// when every broker is fenced (or there are none), or when there are fewer brokers than
/// `replication_factor`.
pub fn place(
    rng: &mut impl PlacementRandom,
    starting_partition: u32,
    num_partitions: u32,
    replication_factor: u32,
    brokers: &[UsableBroker],
) -> Result<Vec<Vec<BrokerId>>, String> {
    let _ = starting_partition;
    let mut rack_list = RackList::new(rng, brokers);
    let replication_factor = i64::from(replication_factor);
    throw_invalid_replication_factor_if_non_positive(replication_factor)?;
    throw_invalid_replication_factor_if_zero(rack_list.num_unfenced_brokers())?;
    throw_invalid_replication_factor_if_too_few_brokers(
        replication_factor,
        rack_list.num_total_brokers(),
    )?;
    (0..num_partitions)
        .map(|_| rack_list.place(rng, replication_factor))
        .collect()
}

/// Kafka: `StripedReplicaPlacer.throwInvalidReplicationFactorIfNonPositive`.
fn throw_invalid_replication_factor_if_non_positive(replication_factor: i64) -> Result<(), String> {
    if replication_factor <= 0 {
        return Err(format!(
            "Invalid replication factor {replication_factor}: the replication factor must be positive."
        ));
    }
    Ok(())
}

/// Kafka: `StripedReplicaPlacer.throwInvalidReplicationFactorIfZero`.
fn throw_invalid_replication_factor_if_zero(num_unfenced: usize) -> Result<(), String> {
    if num_unfenced == 0 {
        return Err("All brokers are currently fenced.".to_string());
    }
    Ok(())
}

/// Kafka: `StripedReplicaPlacer.throwInvalidReplicationFactorIfTooFewBrokers`.
fn throw_invalid_replication_factor_if_too_few_brokers(
    replication_factor: i64,
    num_total_brokers: usize,
) -> Result<(), String> {
    if usize::try_from(replication_factor).map_or(true, |rf| rf > num_total_brokers) {
        return Err(format!(
            "The target replication factor of {replication_factor} cannot be reached because only \
             {num_total_brokers} broker(s) are registered."
        ));
    }
    Ok(())
}

/// `random.nextInt(n)` for a collection size `n >= 1`, as an index.
fn draw(random: &mut impl PlacementRandom, n: usize) -> usize {
    let bound = u32::try_from(n).unwrap_or(u32::MAX);
    let r = usize::try_from(random.next_int(bound)).unwrap_or(0);
    r.min(n.saturating_sub(1))
}

/// Java's `Collections.shuffle(list, random)`: for `i` from `size` down to 2, swap `i - 1` with
/// `random.nextInt(i)`.
fn java_shuffle<T>(list: &mut [T], random: &mut impl PlacementRandom) {
    for i in (2..=list.len()).rev() {
        let j = draw(random, i);
        list.swap(i - 1, j);
    }
}

/// Java's `String.hashCode` (over UTF-16 code units, wrapping `int` arithmetic).
fn java_string_hash(s: &str) -> i32 {
    s.encode_utf16()
        .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(i32::from(c)))
}

/// Java's `HashMap.hash` of an `Optional<String>` key (`Optional.empty().hashCode()` is 0).
fn java_hash_map_hash(key: Option<&str>) -> u32 {
    let h = u32::from_ne_bytes(key.map_or(0, java_string_hash).to_ne_bytes());
    h ^ (h >> 16)
}

/// The order in which a `java.util.HashMap` (default capacity 16, load factor 0.75) iterates the
/// given keys, inserted in slice order: by bucket, then by insertion order within a bucket. The
/// table grows when it is over 3/4 full, and also when a bucket reaches 9 entries while the table
/// has fewer than 64 buckets (`treeifyBin` resizes instead of treeifying). Treeified buckets are
/// approximated by insertion order (see the module notes).
fn java_hash_map_order(keys: &[Option<&str>]) -> Vec<usize> {
    const TREEIFY_THRESHOLD: usize = 8;
    const MIN_TREEIFY_CAPACITY: usize = 64;
    let hashes: Vec<usize> = keys
        .iter()
        .map(|k| java_hash_map_hash(*k) as usize)
        .collect();
    let bucket_sizes = |cap: usize, inserted: &[usize]| {
        let mut sizes = vec![0usize; cap];
        for h in inserted {
            sizes[h & (cap - 1)] += 1;
        }
        sizes
    };
    let mut cap = 16usize;
    let mut sizes = vec![0usize; cap];
    for (i, h) in hashes.iter().enumerate() {
        let bucket = h & (cap - 1);
        sizes[bucket] += 1;
        if sizes[bucket] > TREEIFY_THRESHOLD && cap < MIN_TREEIFY_CAPACITY {
            cap *= 2;
            sizes = bucket_sizes(cap, &hashes[..=i]);
        }
        if i + 1 > cap / 4 * 3 {
            cap *= 2;
            sizes = bucket_sizes(cap, &hashes[..=i]);
        }
    }
    let mut order: Vec<usize> = (0..keys.len()).collect();
    // A stable sort keeps insertion order inside each bucket.
    order.sort_by_key(|&i| hashes[i] & (cap - 1));
    order
}

/// Kafka's `OptionalStringComparator`: empty first, then `String.compareTo` (UTF-16 order).
fn compare_optional_strings(a: Option<&str>, b: Option<&str>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(a), Some(b)) => a.encode_utf16().cmp(b.encode_utf16()),
    }
}

/// Kafka: `StripedReplicaPlacer.BrokerList` — a list of brokers we can iterate through.
#[derive(Clone, Debug, Default)]
struct BrokerList {
    brokers: Vec<BrokerId>,
    /// How many brokers we have retrieved from the list during the current iteration epoch.
    index: usize,
    /// Added to `index` (modulo the list size) to find the entry to return.
    offset: usize,
    /// The last iteration epoch seen; a different epoch resets `index` and advances `offset`.
    epoch: u32,
}

impl BrokerList {
    #[cfg(test)]
    fn add(mut self, broker: BrokerId) -> Self {
        self.brokers.push(broker);
        self
    }

    /// Sort the list and randomize the start offset.
    fn initialize(&mut self, random: &mut impl PlacementRandom) {
        if !self.brokers.is_empty() {
            self.brokers.sort();
            self.offset = draw(random, self.brokers.len());
        }
    }

    fn shuffle(&mut self, random: &mut impl PlacementRandom) {
        java_shuffle(&mut self.brokers, random);
    }

    #[cfg(test)]
    fn size(&self) -> usize {
        self.brokers.len()
    }

    /// The next broker in this list, or `None` (Kafka: -1) once every broker has been returned
    /// in this epoch.
    fn next(&mut self, epoch: u32) -> Option<BrokerId> {
        let len = self.brokers.len();
        if len == 0 {
            return None;
        }
        if self.epoch != epoch {
            self.epoch = epoch;
            self.index = 0;
            self.offset = (self.offset + 1) % len;
        }
        if self.index >= len {
            return None;
        }
        let broker = self.brokers[(self.index + self.offset) % len];
        self.index += 1;
        Some(broker)
    }
}

/// Kafka: `StripedReplicaPlacer.Rack` — the fenced and unfenced brokers of one rack.
#[derive(Clone, Debug)]
struct Rack {
    name: Option<String>,
    fenced: BrokerList,
    unfenced: BrokerList,
}

impl Rack {
    fn initialize(&mut self, random: &mut impl PlacementRandom) {
        self.fenced.initialize(random);
        self.unfenced.initialize(random);
    }

    fn shuffle(&mut self, random: &mut impl PlacementRandom) {
        self.fenced.shuffle(random);
        self.unfenced.shuffle(random);
    }

    fn next_unfenced(&mut self, epoch: u32) -> Option<BrokerId> {
        self.unfenced.next(epoch)
    }

    /// The next unfenced broker of this rack, or else its next fenced broker.
    fn next(&mut self, epoch: u32) -> Option<BrokerId> {
        self.unfenced
            .next(epoch)
            .or_else(|| self.fenced.next(epoch))
    }
}

/// Kafka: `StripedReplicaPlacer.RackList` — the racks we iterate through.
#[derive(Clone, Debug)]
struct RackList {
    /// The racks, in order of first appearance (Kafka's `racks` map values).
    racks: Vec<Rack>,
    /// Indexes into `racks`, sorted by rack name (Kafka's `rackNames`).
    rack_names: Vec<usize>,
    /// Indexes into `racks` in the iteration order of Kafka's `racks` `HashMap`.
    hash_order: Vec<usize>,
    num_total_brokers: usize,
    num_unfenced_brokers: usize,
    /// The iteration epoch (a Java `int`, compared only for equality).
    epoch: u32,
    /// Which rack is used first for the next partition.
    offset: usize,
}

impl RackList {
    fn new<'a>(
        random: &mut impl PlacementRandom,
        brokers: impl IntoIterator<Item = &'a UsableBroker>,
    ) -> Self {
        let mut racks: Vec<Rack> = Vec::new();
        let mut rack_index: HashMap<Option<&str>, usize> = HashMap::new();
        let (mut num_total_brokers, mut num_unfenced_brokers) = (0, 0);
        for broker in brokers {
            let index = *rack_index.entry(broker.rack.as_deref()).or_insert_with(|| {
                racks.push(Rack {
                    name: broker.rack.clone(),
                    fenced: BrokerList::default(),
                    unfenced: BrokerList::default(),
                });
                racks.len() - 1
            });
            let rack = &mut racks[index];
            if broker.fenced {
                rack.fenced.brokers.push(broker.id);
            } else {
                num_unfenced_brokers += 1;
                rack.unfenced.brokers.push(broker.id);
            }
            num_total_brokers += 1;
        }
        let names: Vec<Option<&str>> = racks.iter().map(|r| r.name.as_deref()).collect();
        let hash_order = java_hash_map_order(&names);
        let mut rack_names: Vec<usize> = (0..racks.len()).collect();
        rack_names.sort_by(|&a, &b| compare_optional_strings(names[a], names[b]));
        // Sorting draws nothing, so initializing afterwards keeps Kafka's order of draws.
        for &i in &hash_order {
            racks[i].initialize(random);
        }
        let offset = if rack_names.is_empty() {
            0
        } else {
            draw(random, rack_names.len())
        };
        RackList {
            racks,
            rack_names,
            hash_order,
            num_total_brokers,
            num_unfenced_brokers,
            epoch: 0,
            offset,
        }
    }

    fn num_total_brokers(&self) -> usize {
        self.num_total_brokers
    }

    fn num_unfenced_brokers(&self) -> usize {
        self.num_unfenced_brokers
    }

    #[cfg(test)]
    fn rack_names(&self) -> Vec<Option<&str>> {
        self.rack_names
            .iter()
            .map(|&i| self.racks[i].name.as_deref())
            .collect()
    }

    /// Place one partition's replicas.
    fn place(
        &mut self,
        random: &mut impl PlacementRandom,
        replication_factor: i64,
    ) -> Result<Vec<BrokerId>, String> {
        throw_invalid_replication_factor_if_non_positive(replication_factor)?;
        throw_invalid_replication_factor_if_too_few_brokers(
            replication_factor,
            self.num_total_brokers,
        )?;
        throw_invalid_replication_factor_if_zero(self.num_unfenced_brokers)?;
        // Checked above: 0 < replication_factor <= num_total_brokers.
        let replication_factor = usize::try_from(replication_factor).unwrap_or(0);
        // If we have returned as many assignments as there are unfenced brokers, shuffle the
        // rack list and broker lists to avoid repeating the same assignments. Kafka does not
        // reset the epoch for a single unfenced broker, which would loop forever.
        if u64::from(self.epoch) == self.num_unfenced_brokers as u64
            && self.num_unfenced_brokers > 1
        {
            self.shuffle(random);
            self.epoch = 0;
        }
        let num_racks = self.rack_names.len();
        if self.offset == num_racks {
            self.offset = 0;
        }
        let epoch = self.epoch;
        let mut brokers = Vec::with_capacity(replication_factor);

        // The leader: the first unfenced broker, starting from the rack at `offset`.
        let mut first_rack_index = self.offset;
        let mut misses = 0;
        loop {
            let rack = &mut self.racks[self.rack_names[first_rack_index]];
            if let Some(broker) = rack.next_unfenced(epoch) {
                brokers.push(broker);
                break;
            }
            misses += 1;
            if misses >= num_racks {
                return Err(exhausted_message(0, replication_factor));
            }
            first_rack_index = (first_rack_index + 1) % num_racks;
        }

        // The followers: round-robin over the racks from `offset`, skipping the leader's rack
        // the first time we reach it.
        let mut skip_rack = Some(first_rack_index);
        let mut rack_index = self.offset;
        for replica in 1..replication_factor {
            let mut misses = 0;
            let broker = loop {
                let result = if skip_rack == Some(rack_index) {
                    skip_rack = None;
                    None
                } else {
                    self.racks[self.rack_names[rack_index]].next(epoch)
                };
                rack_index = (rack_index + 1) % num_racks;
                if let Some(broker) = result {
                    break broker;
                }
                // A rack that returned nothing keeps returning nothing in this epoch, so one
                // full lap without a broker (plus the skipped leader rack) means we are stuck.
                misses += 1;
                if misses > num_racks {
                    return Err(exhausted_message(replica, replication_factor));
                }
            };
            brokers.push(broker);
        }
        self.epoch = self.epoch.wrapping_add(1);
        self.offset += 1;
        Ok(brokers)
    }

    fn shuffle(&mut self, random: &mut impl PlacementRandom) {
        java_shuffle(&mut self.rack_names, random);
        for &i in &self.hash_order {
            self.racks[i].shuffle(random);
        }
    }
}

/// Not a Kafka message: Kafka would loop forever here (see the module notes).
fn exhausted_message(replica: usize, replication_factor: usize) -> String {
    format!(
        "Unable to place replica {replica} of {replication_factor}: every broker was already \
         used in this iteration epoch."
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// Kafka: `org.apache.kafka.server.util.MockRandom` — a `java.util.Random` whose `next(bits)`
    /// is a fixed 64-bit LCG seeded with 17, with `java.util.Random.nextInt(bound)` on top.
    struct MockRandom {
        state: i64,
    }

    impl MockRandom {
        fn new() -> Self {
            MockRandom::with_state(17)
        }

        fn with_state(state: i64) -> Self {
            MockRandom { state }
        }

        /// `MockRandom.next(bits)`.
        fn next(&mut self, bits: u32) -> i32 {
            self.state = self
                .state
                .wrapping_mul(2_862_933_555_777_941_757)
                .wrapping_add(3_037_000_493);
            ((self.state as u64) >> (64 - bits)) as i32
        }
    }

    impl PlacementRandom for MockRandom {
        /// `java.util.Random.nextInt(int bound)`.
        fn next_int(&mut self, bound: u32) -> u32 {
            let bound = bound as i32;
            assert!(bound > 0, "bound must be positive");
            let mut r = self.next(31);
            let m = bound - 1;
            if bound & m == 0 {
                r = ((i64::from(bound) * i64::from(r)) >> 31) as i32;
            } else {
                let mut u = r;
                loop {
                    r = u % bound;
                    if u.wrapping_sub(r).wrapping_add(m) >= 0 {
                        break;
                    }
                    u = self.next(31);
                }
            }
            r as u32
        }
    }

    fn broker(id: u32, rack: Option<&str>, fenced: bool) -> UsableBroker {
        UsableBroker {
            id: BrokerId(id),
            rack: rack.map(str::to_string),
            fenced,
        }
    }

    fn ids(list: &[u32]) -> Vec<BrokerId> {
        list.iter().copied().map(BrokerId).collect()
    }

    fn rack_list(random: &mut MockRandom, brokers: &[UsableBroker]) -> RackList {
        RackList::new(random, brokers)
    }

    /// Kafka: StripedReplicaPlacerTest.testBrokerList
    #[test]
    fn broker_list() {
        let mut empty = BrokerList::default();
        assert_eq!(0, empty.size());
        assert_eq!(None, empty.next(1));
        let mut brokers = BrokerList::default()
            .add(BrokerId(0))
            .add(BrokerId(1))
            .add(BrokerId(2))
            .add(BrokerId(3));
        assert_eq!(4, brokers.size());
        let mut next = |epoch| brokers.next(epoch).map(|b| b.0);
        assert_eq!(Some(0), next(0));
        assert_eq!(Some(1), next(0));
        assert_eq!(Some(2), next(0));
        assert_eq!(Some(3), next(0));
        assert_eq!(None, next(0));
        assert_eq!(None, next(0));
        assert_eq!(Some(1), next(1));
        assert_eq!(Some(2), next(1));
        assert_eq!(Some(3), next(1));
        assert_eq!(Some(0), next(1));
        assert_eq!(None, next(1));
    }

    /// Kafka: StripedReplicaPlacerTest.testAvoidFencedReplicaIfPossibleOnSingleRack
    #[test]
    fn avoid_fenced_replica_if_possible_on_single_rack() {
        let mut random = MockRandom::new();
        let mut rack_list = rack_list(
            &mut random,
            &[
                broker(3, None, false),
                broker(1, None, true),
                broker(0, None, false),
                broker(4, None, false),
                broker(2, None, false),
            ],
        );
        assert_eq!(5, rack_list.num_total_brokers());
        assert_eq!(4, rack_list.num_unfenced_brokers());
        assert_eq!(vec![None], rack_list.rack_names());
        assert!(rack_list.place(&mut random, 0).is_err());
        assert!(rack_list.place(&mut random, -1).is_err());
        assert_eq!(Ok(ids(&[3, 4, 0, 2])), rack_list.place(&mut random, 4));
        assert_eq!(Ok(ids(&[4, 0, 2, 3])), rack_list.place(&mut random, 4));
        assert_eq!(Ok(ids(&[0, 2, 3, 4])), rack_list.place(&mut random, 4));
        assert_eq!(Ok(ids(&[2, 3, 4, 0])), rack_list.place(&mut random, 4));
        assert_eq!(Ok(ids(&[0, 4, 3, 2])), rack_list.place(&mut random, 4));
    }

    /// Kafka: StripedReplicaPlacerTest.testMultiPartitionTopicPlacementOnSingleUnfencedBroker
    #[test]
    fn multi_partition_topic_placement_on_single_unfenced_broker() {
        let mut random = MockRandom::new();
        let brokers = [broker(0, None, false), broker(1, None, true)];
        assert_eq!(
            Ok(vec![ids(&[0]), ids(&[0]), ids(&[0])]),
            place(&mut random, 0, 3, 1, &brokers)
        );
    }

    /// Kafka: StripedReplicaPlacerTest.testPlacementOnFencedReplicaOnSingleRack
    #[test]
    fn placement_on_fenced_replica_on_single_rack() {
        let mut random = MockRandom::new();
        let mut rack_list = rack_list(
            &mut random,
            &[
                broker(3, None, false),
                broker(1, None, true),
                broker(2, None, false),
            ],
        );
        assert_eq!(3, rack_list.num_total_brokers());
        assert_eq!(2, rack_list.num_unfenced_brokers());
        assert_eq!(vec![None], rack_list.rack_names());
        assert_eq!(Ok(ids(&[3, 2, 1])), rack_list.place(&mut random, 3));
        assert_eq!(Ok(ids(&[2, 3, 1])), rack_list.place(&mut random, 3));
        assert_eq!(Ok(ids(&[3, 2, 1])), rack_list.place(&mut random, 3));
        assert_eq!(Ok(ids(&[2, 3, 1])), rack_list.place(&mut random, 3));
    }

    /// Kafka: StripedReplicaPlacerTest.testRackListWithMultipleRacks
    #[test]
    fn rack_list_with_multiple_racks() {
        let mut random = MockRandom::new();
        let mut rack_list = rack_list(
            &mut random,
            &[
                broker(11, Some("1"), false),
                broker(10, Some("1"), false),
                broker(30, Some("3"), false),
                broker(31, Some("3"), false),
                broker(21, Some("2"), false),
                broker(20, Some("2"), true),
            ],
        );
        assert_eq!(6, rack_list.num_total_brokers());
        assert_eq!(5, rack_list.num_unfenced_brokers());
        assert_eq!(
            vec![Some("1"), Some("2"), Some("3")],
            rack_list.rack_names()
        );
        assert_eq!(Ok(ids(&[11, 21, 31, 10])), rack_list.place(&mut random, 4));
        assert_eq!(Ok(ids(&[21, 30, 10, 20])), rack_list.place(&mut random, 4));
        assert_eq!(Ok(ids(&[31, 11, 21, 30])), rack_list.place(&mut random, 4));
    }

    /// Kafka: StripedReplicaPlacerTest.testRackListWithInvalidRacks
    #[test]
    fn rack_list_with_invalid_racks() {
        let mut random = MockRandom::new();
        let mut rack_list = rack_list(
            &mut random,
            &[
                broker(11, Some("1"), false),
                broker(10, Some("1"), false),
                broker(30, Some("3"), true),
                broker(31, Some("3"), true),
                broker(20, Some("2"), true),
                broker(21, Some("2"), true),
                broker(41, Some("4"), false),
                broker(40, Some("4"), true),
            ],
        );
        assert_eq!(8, rack_list.num_total_brokers());
        assert_eq!(3, rack_list.num_unfenced_brokers());
        assert_eq!(
            vec![Some("1"), Some("2"), Some("3"), Some("4")],
            rack_list.rack_names()
        );
        assert_eq!(Ok(ids(&[41, 11, 21, 30])), rack_list.place(&mut random, 4));
        assert_eq!(Ok(ids(&[10, 20, 31, 41])), rack_list.place(&mut random, 4));
        assert_eq!(Ok(ids(&[41, 21, 30, 11])), rack_list.place(&mut random, 4));
    }

    /// Kafka: StripedReplicaPlacerTest.testAllBrokersFenced
    #[test]
    fn all_brokers_fenced() {
        let mut random = MockRandom::new();
        let brokers = [broker(11, Some("1"), true), broker(10, Some("1"), true)];
        assert_eq!(
            Err("All brokers are currently fenced.".to_string()),
            place(&mut random, 0, 1, 1, &brokers)
        );
    }

    /// Kafka: StripedReplicaPlacerTest.testNotEnoughBrokers
    #[test]
    fn not_enough_brokers() {
        let mut random = MockRandom::new();
        let brokers = [broker(11, Some("1"), false), broker(10, Some("1"), false)];
        assert_eq!(
            Err(
                "The target replication factor of 3 cannot be reached because only \
                 2 broker(s) are registered."
                    .to_string()
            ),
            place(&mut random, 0, 1, 3, &brokers)
        );
    }

    /// Kafka: StripedReplicaPlacerTest.testNonPositiveReplicationFactor
    #[test]
    fn non_positive_replication_factor() {
        let mut random = MockRandom::new();
        let brokers = [broker(11, Some("1"), false), broker(10, Some("1"), false)];
        assert_eq!(
            Err(
                "Invalid replication factor 0: the replication factor must be positive."
                    .to_string()
            ),
            place(&mut random, 0, 1, 0, &brokers)
        );
    }

    /// Kafka: StripedReplicaPlacerTest.testSuccessfulPlacement
    #[test]
    fn successful_placement() {
        let mut random = MockRandom::new();
        let brokers = [
            broker(0, None, false),
            broker(3, None, false),
            broker(2, None, false),
            broker(1, None, false),
        ];
        assert_eq!(
            Ok(vec![
                ids(&[2, 3, 0]),
                ids(&[3, 0, 1]),
                ids(&[0, 1, 2]),
                ids(&[1, 2, 3]),
                ids(&[1, 0, 2]),
            ]),
            place(&mut random, 0, 5, 3, &brokers)
        );
    }

    /// Kafka: StripedReplicaPlacerTest.testEvenDistribution
    #[test]
    fn even_distribution() {
        let mut random = MockRandom::new();
        let brokers: Vec<UsableBroker> = (0..4).map(|id| broker(id, None, false)).collect();
        let assignment = place(&mut random, 0, 200, 2, &brokers).expect("placement succeeds");
        let mut counts: HashMap<Vec<BrokerId>, u32> = HashMap::new();
        for replicas in assignment {
            *counts.entry(replicas).or_default() += 1;
        }
        let expected = [
            ([0, 1], 14),
            ([0, 2], 22),
            ([0, 3], 14),
            ([1, 0], 17),
            ([1, 2], 17),
            ([1, 3], 16),
            ([2, 0], 13),
            ([2, 1], 17),
            ([2, 3], 20),
            ([3, 0], 20),
            ([3, 1], 19),
            ([3, 2], 11),
        ];
        for (replicas, count) in expected {
            assert_eq!(Some(&count), counts.get(&ids(&replicas)), "{replicas:?}");
        }
    }

    /// Kafka: StripedReplicaPlacerTest.testRackListAllBrokersFenced
    #[test]
    fn rack_list_all_brokers_fenced() {
        let mut random = MockRandom::new();
        let mut rack_list = rack_list(
            &mut random,
            &[
                broker(0, None, true),
                broker(1, None, true),
                broker(2, None, true),
            ],
        );
        assert_eq!(3, rack_list.num_total_brokers());
        assert_eq!(0, rack_list.num_unfenced_brokers());
        assert_eq!(vec![None], rack_list.rack_names());
        assert_eq!(
            Err("All brokers are currently fenced.".to_string()),
            rack_list.place(&mut random, 3)
        );
    }

    /// Kafka: StripedReplicaPlacerTest.testRackListNotEnoughBrokers
    #[test]
    fn rack_list_not_enough_brokers() {
        let mut random = MockRandom::new();
        let mut rack_list = rack_list(
            &mut random,
            &[broker(11, Some("1"), false), broker(10, Some("1"), false)],
        );
        assert_eq!(
            Err(
                "The target replication factor of 3 cannot be reached because only \
                 2 broker(s) are registered."
                    .to_string()
            ),
            rack_list.place(&mut random, 3)
        );
    }

    /// Kafka: StripedReplicaPlacerTest.testRackListNonPositiveReplicationFactor
    #[test]
    fn rack_list_non_positive_replication_factor() {
        let mut random = MockRandom::new();
        let mut rack_list = rack_list(
            &mut random,
            &[broker(11, Some("1"), false), broker(10, Some("1"), false)],
        );
        assert_eq!(
            Err(
                "Invalid replication factor -1: the replication factor must be positive."
                    .to_string()
            ),
            rack_list.place(&mut random, -1)
        );
    }

    // ---- Not from Kafka: checks of the Java emulation and of the engine-facing API. ----

    /// `MockRandom` gives the same stream as `java.util.Random.nextInt` on top of it would
    /// (values computed with OpenJDK 17 and Kafka's `MockRandom`).
    #[test]
    fn mock_random_matches_java() {
        let mut random = MockRandom::new();
        let draws: Vec<u32> = [5, 4, 3, 10, 7, 1000, 2, 1 << 20]
            .iter()
            .map(|&bound| random.next_int(bound))
            .collect();
        assert_eq!(vec![0, 2, 1, 7, 3, 80, 0, 711_491], draws);
    }

    /// `String.hashCode` and the `HashMap` iteration order of a few rack names.
    #[test]
    fn java_hash_map_order_matches_java() {
        assert_eq!(99_162_322, java_string_hash("hello"));
        assert_eq!(0, java_hash_map_hash(None));
        // "10" hashes to bucket 15 and "9" to bucket 9, so Java iterates "9" first although
        // "10" sorts first; None (hash 0) is in bucket 0.
        let names = [Some("10"), Some("9"), None];
        assert_eq!(vec![2, 1, 0], java_hash_map_order(&names));
    }

    /// Rack names sort with empty first, then in UTF-16 order like `String.compareTo`.
    #[test]
    fn rack_names_sort_like_java() {
        let mut random = MockRandom::new();
        let rack_list = rack_list(
            &mut random,
            &[
                broker(1, Some("b"), false),
                broker(2, Some("\u{10000}"), false),
                broker(3, Some("\u{ffff}"), false),
                broker(4, None, false),
                broker(5, Some("a"), false),
                broker(6, Some("ab"), false),
            ],
        );
        assert_eq!(
            vec![
                None,
                Some("a"),
                Some("ab"),
                Some("b"),
                Some("\u{10000}"),
                Some("\u{ffff}")
            ],
            rack_list.rack_names()
        );
    }

    /// With the engine's `Rng`: every partition gets `rf` distinct brokers, an unfenced leader,
    /// and the same seed gives the same placement.
    #[test]
    fn engine_rng_placements_are_valid_and_deterministic() {
        let mut cluster_rng = Rng::new(42);
        for case in 0..500 {
            let num_brokers = 1 + cluster_rng.below(12) as u32;
            let num_racks = cluster_rng.below(5);
            let brokers: Vec<UsableBroker> = (0..num_brokers)
                .map(|id| UsableBroker {
                    id: BrokerId(id * 7 % 13 + 100 * id),
                    rack: match cluster_rng.below(num_racks + 1) {
                        0 => None,
                        r => Some(format!("rack-{r}")),
                    },
                    fenced: cluster_rng.below(3) == 0,
                })
                .collect();
            let rf = 1 + cluster_rng.below(u64::from(num_brokers) + 1) as u32;
            let partitions = cluster_rng.below(40) as u32;
            let seed = case;
            let result = place(&mut Rng::new(seed), 0, partitions, rf, &brokers);
            assert_eq!(
                result,
                place(&mut Rng::new(seed), 0, partitions, rf, &brokers)
            );
            let unfenced: HashSet<BrokerId> =
                brokers.iter().filter(|b| !b.fenced).map(|b| b.id).collect();
            match result {
                Ok(assignment) => {
                    assert_eq!(partitions as usize, assignment.len());
                    for replicas in assignment {
                        assert_eq!(rf as usize, replicas.len());
                        assert!(unfenced.contains(&replicas[0]), "{replicas:?}");
                        let distinct: HashSet<_> = replicas.iter().collect();
                        assert_eq!(replicas.len(), distinct.len(), "{replicas:?}");
                    }
                }
                Err(message) => {
                    assert!(
                        unfenced.is_empty() || rf > num_brokers,
                        "unexpected error {message:?} for {brokers:?} rf={rf}"
                    );
                }
            }
        }
    }

    /// No brokers at all, or zero partitions, never panic.
    #[test]
    fn degenerate_inputs() {
        let mut rng = Rng::new(1);
        assert_eq!(
            Err("All brokers are currently fenced.".to_string()),
            place(&mut rng, 0, 3, 1, &[])
        );
        assert_eq!(
            Ok(vec![]),
            place(&mut rng, 5, 0, 1, &[broker(1, None, false)])
        );
        assert_eq!(
            Err(
                "The target replication factor of 4294967295 cannot be reached because only \
                 1 broker(s) are registered."
                    .to_string()
            ),
            place(&mut rng, 0, 1, u32::MAX, &[broker(1, None, false)])
        );
    }
}
