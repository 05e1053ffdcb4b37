//! Producer clients: choose a partition, find its leader, send, and report each record's outcome.
//!
//! Ported: the key → partition rule (`BuiltInPartitioner.partitionForKey`), uniform sticky
//! partitioning for keyless records (KIP-794: stay on one partition for about `batch.size` bytes,
//! never pick a partition without a leader), `Sender`'s handling of disconnects
//! (`NETWORK_EXCEPTION`, "Disconnected from node N") and request timeouts (`REQUEST_TIMED_OUT`,
//! "Disconnected from node N due to timeout"), and batch expiry after `delivery.timeout.ms`.
//!
//! Simplifications (stated in the UI; the full producer is its own issue): one record per request,
//! no retries, no accumulator/linger, and metadata (who leads a partition) is read from the
//! controller instantly instead of through a Metadata request.

use crate::config::{ticks_from_ms, Acks, ConfigScope, Configs};
use crate::errors::KafkaError;
use crate::events::{EventKind, ProduceOutcome};
use crate::ids::{BrokerId, NodeAddr, Offset, ProduceId, Tick, TopicPartition};
use crate::kraft::Controller;
use crate::network::{Ctx, Rpc};
use crate::partitioner::partition_for_key;
use crate::rng::Rng;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One producer client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Producer {
    pub name: String,
    pub configs: Configs,
    /// Uniform sticky partitioner state per topic: (current partition, bytes produced to it).
    sticky: BTreeMap<String, (u32, u64)>,
}

impl Producer {
    pub fn new(name: String, configs: Configs) -> Self {
        Producer {
            name,
            configs,
            sticky: BTreeMap::new(),
        }
    }

    pub fn acks(&self) -> Acks {
        Acks::parse(&self.configs.get(ConfigScope::Producer, "acks")).unwrap_or(Acks::All)
    }

    fn ticks(&self, key: &str) -> u64 {
        ticks_from_ms(self.configs.get_u64(ConfigScope::Producer, key))
    }
}

/// Where a produce call stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CallState {
    /// No leader known for the partition: held until one appears or `delivery.timeout.ms` passes.
    WaitingForLeader,
    /// Sent to this broker; waiting for the response until the deadline.
    InFlight {
        to: BrokerId,
        deadline: Tick,
    },
    Done {
        outcome: ProduceOutcome,
        at: Tick,
    },
}

/// One `send()`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProduceCall {
    pub id: ProduceId,
    pub producer: String,
    pub tp: TopicPartition,
    pub acks: Acks,
    pub key: Option<String>,
    pub value: String,
    pub created_at: Tick,
    pub delivery_deadline: Tick,
    pub state: CallState,
}

/// Running totals over completed produce calls.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProduceStats {
    pub ok: u64,
    pub failed: u64,
    pub latency_ms_sum: u64,
    pub latency_ms_last: u64,
}

/// All clients of the simulation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clients {
    pub producers: BTreeMap<String, Producer>,
    pub calls: BTreeMap<ProduceId, ProduceCall>,
    /// Running totals for the producer metrics.
    pub stats: ProduceStats,
    /// Calls not yet done: the only ones the timers need to look at.
    pending: std::collections::BTreeSet<ProduceId>,
    next_id: u64,
}

impl Clients {
    /// `producer.send(record)`. Errors that Java's `send()` throws synchronously come back as `Err`.
    #[allow(clippy::too_many_arguments)]
    pub fn produce(
        &mut self,
        ctx: &mut Ctx,
        rng: &mut Rng,
        controller: &Controller,
        producer: &str,
        topic: &str,
        partition: Option<u32>,
        key: Option<String>,
        value: String,
    ) -> Result<ProduceId, (KafkaError, String)> {
        let Some(p) = self.producers.get_mut(producer) else {
            return Err((
                KafkaError::ConfigException,
                format!("No producer named '{producer}'"),
            ));
        };
        let Some(meta) = controller.topics.get(topic) else {
            return Err((
                KafkaError::UnknownTopicOrPartition,
                format!("Topic {topic} not present in metadata."),
            ));
        };
        let n = meta.partitions;
        let partition = match (partition, &key) {
            (Some(part), _) if part >= n => {
                return Err((KafkaError::InvalidPartitions, format!("Invalid partition given with record: {part} is not in the range [0...{n}).")));
            }
            (Some(part), _) => part,
            (None, Some(k)) => partition_for_key(k.as_bytes(), n),
            (None, None) => sticky_partition(p, rng, controller, topic, n, value.len() as u64),
        };
        self.next_id += 1;
        let id = ProduceId(self.next_id);
        let call = ProduceCall {
            id,
            producer: producer.to_string(),
            tp: TopicPartition::new(topic, partition),
            acks: p.acks(),
            key,
            value,
            created_at: ctx.now,
            delivery_deadline: Tick(ctx.now.0 + p.ticks("delivery.timeout.ms")),
            state: CallState::WaitingForLeader,
        };
        self.calls.insert(id, call);
        self.pending.insert(id);
        self.try_send(ctx, controller, id);
        Ok(id)
    }

    /// Sends a waiting call if its partition has a leader now.
    fn try_send(&mut self, ctx: &mut Ctx, controller: &Controller, id: ProduceId) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let Some(producer) = self.producers.get(&call.producer) else {
            return;
        };
        let leader = controller.partitions.get(&call.tp).and_then(|p| p.leader);
        let Some(leader) = leader else {
            if call.created_at == ctx.now {
                ctx.emit(EventKind::ProduceWaitingForLeader {
                    id,
                    tp: call.tp.clone(),
                });
            }
            return;
        };
        let timeout = producer.ticks("request.timeout.ms");
        call.state = CallState::InFlight {
            to: leader,
            deadline: Tick(ctx.now.0 + timeout),
        };
        ctx.emit(EventKind::ProduceSent {
            id,
            producer: call.producer.clone(),
            tp: call.tp.clone(),
            acks: call.acks,
            key: call.key.clone(),
            to: leader,
        });
        let rpc = Rpc::Produce {
            id,
            tp: call.tp.clone(),
            acks: call.acks,
            timeout_ticks: timeout,
            key: call.key.clone(),
            value: call.value.clone(),
        };
        ctx.send(
            NodeAddr::Client(call.producer.clone()),
            NodeAddr::Broker(leader),
            rpc,
        );
        if call.acks == Acks::Zero {
            // acks=0: the client never hears back; the future completes at once with offset -1.
            self.complete(ctx, id, ProduceOutcome::Ok { offset: -1 });
        }
    }

    fn complete(&mut self, ctx: &mut Ctx, id: ProduceId, outcome: ProduceOutcome) {
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        if matches!(call.state, CallState::Done { .. }) {
            return;
        }
        call.state = CallState::Done {
            outcome: outcome.clone(),
            at: ctx.now,
        };
        self.pending.remove(&id);
        let latency_ms = (ctx.now.0 - call.created_at.0) * crate::config::MS_PER_TICK;
        match outcome {
            ProduceOutcome::Ok { .. } => self.stats.ok += 1,
            ProduceOutcome::Err { .. } => self.stats.failed += 1,
        }
        self.stats.latency_ms_sum += latency_ms;
        self.stats.latency_ms_last = latency_ms;
        ctx.emit(EventKind::ProduceCompleted {
            id,
            producer: call.producer.clone(),
            tp: call.tp.clone(),
            acks: call.acks,
            outcome,
            latency_ms,
        });
    }

    /// Timers: send calls whose partition got a leader; expire requests and batches.
    pub fn on_tick(&mut self, ctx: &mut Ctx, controller: &Controller) {
        let now = ctx.now;
        let mut waiting = vec![];
        let mut expired = vec![];
        for id in &self.pending {
            let Some(c) = self.calls.get(id) else {
                continue;
            };
            match &c.state {
                CallState::WaitingForLeader if now >= c.delivery_deadline => {
                    let ms = (now.0 - c.created_at.0) * crate::config::MS_PER_TICK;
                    let msg = format!(
                        "Expiring 1 record(s) for {}:{ms} ms has passed since batch creation",
                        c.tp
                    );
                    expired.push((*id, KafkaError::RequestTimedOut, msg));
                }
                CallState::WaitingForLeader => waiting.push(*id),
                CallState::InFlight { to, deadline } if now >= *deadline => {
                    expired.push((
                        *id,
                        KafkaError::RequestTimedOut,
                        format!("Disconnected from node {} due to timeout", to.0),
                    ));
                }
                _ => {}
            }
        }
        for (id, error, message) in expired {
            self.complete(ctx, id, ProduceOutcome::Err { error, message });
        }
        for id in waiting {
            self.try_send(ctx, controller, id);
        }
    }

    /// A response (or a broken connection) reached a client.
    pub fn handle(&mut self, ctx: &mut Ctx, rpc: Rpc) {
        match rpc {
            Rpc::ProduceResponse { id, result, .. } => {
                let outcome = match result {
                    Ok(Offset(o)) => ProduceOutcome::Ok { offset: o as i64 },
                    Err((error, message)) => ProduceOutcome::Err { error, message },
                };
                self.complete(ctx, id, outcome);
            }
            Rpc::Disconnected {
                produce_id: Some(id),
                ..
            } => {
                let node = match self.calls.get(&id).map(|c| &c.state) {
                    Some(CallState::InFlight { to, .. }) => to.0,
                    _ => return,
                };
                let outcome = ProduceOutcome::Err {
                    error: KafkaError::NetworkException,
                    message: format!("Disconnected from node {node}"),
                };
                self.complete(ctx, id, outcome);
            }
            _ => {}
        }
    }
}

/// KIP-794 uniform sticky partitioning (`BuiltInPartitioner`): keep producing to one partition
/// until about `batch.size` bytes went there, then switch to a random partition that has a leader.
fn sticky_partition(
    p: &mut Producer,
    rng: &mut Rng,
    controller: &Controller,
    topic: &str,
    n: u32,
    bytes: u64,
) -> u32 {
    let batch_size = p
        .configs
        .get_u64(ConfigScope::Producer, "batch.size")
        .max(1);
    let has_leader = |part: u32| {
        controller
            .partitions
            .get(&TopicPartition::new(topic, part))
            .is_some_and(|s| s.leader.is_some())
    };
    let current = p.sticky.get(topic).copied();
    let keep = matches!(current, Some((part, used)) if used < batch_size && has_leader(part));
    let (part, used) = if keep {
        current.unwrap_or((0, 0))
    } else {
        let candidates: Vec<u32> = (0..n).filter(|&q| has_leader(q)).collect();
        let pick = if candidates.is_empty() {
            rng.below(n as u64) as u32
        } else {
            candidates[rng.below(candidates.len() as u64) as usize]
        };
        (pick, 0)
    };
    p.sticky.insert(topic.to_string(), (part, used + bytes));
    part
}
