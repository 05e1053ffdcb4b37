//! The network: typed RPC envelopes in flight, with latency from the seeded PRNG.
//!
//! Each directed link is FIFO, like the TCP connection Kafka uses between two nodes: a later
//! envelope on the same link is never delivered before an earlier one.

use crate::config::Acks;
use crate::errors::KafkaError;
use crate::ids::{
    BrokerId, EnvelopeId, LeaderEpoch, NodeAddr, Offset, ProduceId, Tick, TopicPartition,
};
use crate::log::Record;
use crate::rng::Rng;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One RPC on the wire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub id: EnvelopeId,
    pub from: NodeAddr,
    pub to: NodeAddr,
    pub sent_at: Tick,
    pub deliver_at: Tick,
    pub rpc: Rpc,
}

/// The partition state the controller publishes in the metadata log (`PartitionRecord` /
/// `PartitionChangeRecord`), as brokers apply it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionState {
    pub tp: TopicPartition,
    pub replicas: Vec<BrokerId>,
    pub isr: Vec<BrokerId>,
    pub leader: Option<BrokerId>,
    pub leader_epoch: LeaderEpoch,
    pub partition_epoch: u32,
    pub min_insync_replicas: u32,
}

/// Kafka's API messages, by their Kafka names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Rpc {
    /// Client → leader. One record (batching is the producer issue).
    Produce {
        id: ProduceId,
        tp: TopicPartition,
        acks: Acks,
        timeout_ticks: u64,
        key: Option<String>,
        value: String,
    },
    ProduceResponse {
        id: ProduceId,
        tp: TopicPartition,
        result: Result<Offset, (KafkaError, String)>,
    },
    /// Follower → leader: "give me records from `fetch_offset`; my last fetched epoch was …".
    Fetch {
        tp: TopicPartition,
        replica_id: BrokerId,
        fetch_offset: Offset,
        last_fetched_epoch: Option<LeaderEpoch>,
        current_leader_epoch: LeaderEpoch,
    },
    FetchResponse {
        tp: TopicPartition,
        /// Echo of the request's leader epoch and fetch offset: the follower only accepts the
        /// answer to the fetch it is waiting for (`AbstractFetcherThread.processFetchRequest`).
        request_epoch: LeaderEpoch,
        fetch_offset: Offset,
        error: Option<KafkaError>,
        high_watermark: Offset,
        records: Vec<Record>,
        /// KIP-320 / KIP-595: the leader's (epoch, end offset) where the follower's log diverges.
        diverging_epoch: Option<(LeaderEpoch, Offset)>,
    },
    /// Leader → controller: propose a new ISR (KIP-497).
    AlterPartition {
        tp: TopicPartition,
        leader: BrokerId,
        leader_epoch: LeaderEpoch,
        partition_epoch: u32,
        new_isr: Vec<BrokerId>,
    },
    AlterPartitionResponse {
        tp: TopicPartition,
        result: Result<PartitionState, KafkaError>,
    },
    /// Broker → controller at startup.
    BrokerRegistration {
        broker: BrokerId,
    },
    BrokerRegistrationResponse {
        broker_epoch: u64,
    },
    /// Broker → controller, every `broker.heartbeat.interval.ms`.
    BrokerHeartbeat {
        broker: BrokerId,
        broker_epoch: u64,
    },
    BrokerHeartbeatResponse {
        fenced: bool,
    },
    /// Controller → broker: new metadata records. Stands for the broker's fetch of the
    /// `__cluster_metadata` log (simplified as a push of the changed partitions).
    MetadataUpdate {
        partitions: Vec<PartitionState>,
        fenced_brokers: Vec<BrokerId>,
    },
    /// The connection broke before the answer to `api` came back (the peer crashed).
    Disconnected {
        api: String,
        tp: Option<TopicPartition>,
        produce_id: Option<ProduceId>,
    },
}

impl Rpc {
    /// Kafka's API name for the message.
    pub fn api(&self) -> &'static str {
        match self {
            Rpc::Produce { .. } => "Produce",
            Rpc::ProduceResponse { .. } => "ProduceResponse",
            Rpc::Fetch { .. } => "Fetch",
            Rpc::FetchResponse { .. } => "FetchResponse",
            Rpc::AlterPartition { .. } => "AlterPartition",
            Rpc::AlterPartitionResponse { .. } => "AlterPartitionResponse",
            Rpc::BrokerRegistration { .. } => "BrokerRegistration",
            Rpc::BrokerRegistrationResponse { .. } => "BrokerRegistrationResponse",
            Rpc::BrokerHeartbeat { .. } => "BrokerHeartbeat",
            Rpc::BrokerHeartbeatResponse { .. } => "BrokerHeartbeatResponse",
            Rpc::MetadataUpdate { .. } => "MetadataUpdate",
            Rpc::Disconnected { .. } => "Disconnected",
        }
    }

    /// A one-line description for the UI.
    pub fn summary(&self) -> String {
        match self {
            Rpc::Produce {
                id, tp, acks, key, ..
            } => {
                format!(
                    "produce#{} {tp} acks={acks} key={}",
                    id.0,
                    key.as_deref().unwrap_or("null")
                )
            }
            Rpc::ProduceResponse { id, result, .. } => match result {
                Ok(o) => format!("produce#{} offset={}", id.0, o.0),
                Err((e, _)) => format!("produce#{} {e}", id.0),
            },
            Rpc::Fetch {
                tp, fetch_offset, ..
            } => format!("{tp} from offset {}", fetch_offset.0),
            Rpc::FetchResponse {
                tp,
                records,
                high_watermark,
                error,
                diverging_epoch,
                ..
            } => match (error, diverging_epoch) {
                (Some(e), _) => format!("{tp} {e}"),
                (None, Some((e, o))) => format!("{tp} diverging epoch {} end {}", e.0, o.0),
                _ => format!("{tp} {} records, HW={}", records.len(), high_watermark.0),
            },
            Rpc::AlterPartition { tp, new_isr, .. } => {
                let v: Vec<String> = new_isr.iter().map(|b| b.0.to_string()).collect();
                format!("{tp} isr→[{}]", v.join(","))
            }
            Rpc::AlterPartitionResponse { tp, result } => match result {
                Ok(_) => format!("{tp} ok"),
                Err(e) => format!("{tp} {e}"),
            },
            Rpc::BrokerRegistration { broker } => format!("{broker}"),
            Rpc::BrokerRegistrationResponse { broker_epoch } => {
                format!("broker.epoch={broker_epoch}")
            }
            Rpc::BrokerHeartbeat { broker, .. } => format!("{broker}"),
            Rpc::BrokerHeartbeatResponse { fenced } => {
                if *fenced {
                    "fenced".into()
                } else {
                    "ok".into()
                }
            }
            Rpc::MetadataUpdate { partitions, .. } => {
                format!("{} partition records", partitions.len())
            }
            Rpc::Disconnected { api, .. } => format!("{api}: connection closed"),
        }
    }
}

/// Envelopes in flight, ordered by delivery time then id (so delivery order is deterministic).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Network {
    in_flight: BTreeMap<(Tick, EnvelopeId), Envelope>,
    /// Per directed link: the latest delivery time handed out (FIFO per connection).
    link_tail: BTreeMap<(NodeAddr, NodeAddr), Tick>,
    next_id: u64,
}

impl Network {
    /// Puts an envelope on the wire with a random latency in `lo..=hi` ticks (at least one tick).
    pub fn send(
        &mut self,
        rng: &mut Rng,
        now: Tick,
        from: NodeAddr,
        to: NodeAddr,
        rpc: Rpc,
        lo: u64,
        hi: u64,
    ) -> EnvelopeId {
        let latency = rng.range_inclusive(lo, hi).max(1);
        let link = (from.clone(), to.clone());
        let tail = self.link_tail.get(&link).copied().unwrap_or(Tick(0));
        let deliver_at = Tick((now.0 + latency).max(tail.0));
        self.link_tail.insert(link, deliver_at);
        self.next_id += 1;
        let id = EnvelopeId(self.next_id);
        self.in_flight.insert(
            (deliver_at, id),
            Envelope {
                id,
                from,
                to,
                sent_at: now,
                deliver_at,
                rpc,
            },
        );
        id
    }

    /// Removes and returns the next envelope due at or before `now`.
    pub fn pop_due(&mut self, now: Tick) -> Option<Envelope> {
        let key = *self.in_flight.keys().next()?;
        if key.0 <= now {
            self.in_flight.remove(&key)
        } else {
            None
        }
    }

    /// Removes every envelope matching `pred` and returns them (used when a node crashes).
    pub fn remove_where(&mut self, mut pred: impl FnMut(&Envelope) -> bool) -> Vec<Envelope> {
        let keys: Vec<_> = self
            .in_flight
            .iter()
            .filter(|(_, e)| pred(e))
            .map(|(k, _)| *k)
            .collect();
        keys.into_iter()
            .filter_map(|k| self.in_flight.remove(&k))
            .collect()
    }

    /// Every envelope in flight, in delivery order.
    pub fn in_flight(&self) -> impl Iterator<Item = &Envelope> {
        self.in_flight.values()
    }

    pub fn len(&self) -> usize {
        self.in_flight.len()
    }

    pub fn is_empty(&self) -> bool {
        self.in_flight.is_empty()
    }
}

/// What a node handler needs to act on the world: the clock, the PRNG, the wire and the event log.
/// Handlers never touch other nodes' state directly; they send envelopes.
pub struct Ctx<'a> {
    pub now: Tick,
    pub rng: &'a mut Rng,
    pub net: &'a mut Network,
    pub events: &'a mut Vec<crate::events::Event>,
    pub latency_ticks_min: u64,
    pub latency_ticks_max: u64,
}

impl Ctx<'_> {
    /// Sends an envelope with the configured network latency.
    pub fn send(&mut self, from: NodeAddr, to: NodeAddr, rpc: Rpc) -> EnvelopeId {
        let (lo, hi) = (self.latency_ticks_min, self.latency_ticks_max);
        self.net.send(self.rng, self.now, from, to, rpc, lo, hi)
    }

    /// Records an event at the current time.
    pub fn emit(&mut self, kind: crate::events::EventKind) {
        self.events.push(crate::events::Event {
            at_ms: self.now.0 * crate::config::MS_PER_TICK,
            kind,
        });
    }
}
