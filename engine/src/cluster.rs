//! The whole simulated cluster and its one entry point, [`Cluster::step`].

use crate::command::{ClusterSpec, Command, Input};
use crate::config::{validate, BrokerSettings, ConfigError, ConfigScope, Configs, MS_PER_TICK};
use crate::errors::KafkaError;
use crate::events::{Event, EventKind, ProduceOutcome};
use crate::ids::{BrokerId, EnvelopeId, NodeAddr, Offset, Tick, TopicPartition};
use crate::kraft::{Controller, CONTROLLER_NODE_ID};
use crate::network::{Ctx, Envelope, Network, Rpc};
use crate::producer::{CallState, Clients, Producer};
use crate::replication::{Broker, Role};
use crate::rng::Rng;
use crate::snapshot::*;
use std::collections::BTreeMap;

/// The whole simulated cluster: brokers, the controller, clients and the network between them.
/// A run is fully determined by the [`ClusterSpec`] (including its seed) and the inputs.
#[derive(Clone, Debug)]
pub struct Cluster {
    seed: u64,
    settings: BrokerSettings,
    now: Tick,
    rng: Rng,
    net: Network,
    brokers: BTreeMap<BrokerId, Broker>,
    controller: Controller,
    clients: Clients,
    events: Vec<Event>,
    /// Highest HW each leader has shown, per (partition, broker, leader epoch): HW is monotonic.
    hw_seen: BTreeMap<(TopicPartition, BrokerId, u32), Offset>,
}

impl Cluster {
    /// Builds a running cluster: every broker registered and unfenced at t=0.
    pub fn new(spec: &ClusterSpec) -> Result<Cluster, ConfigError> {
        let (broker_cfg, sim_cfg) = split_cluster_configs(&spec.configs)?;
        let mut ids: Vec<u32> = spec.brokers.clone();
        ids.sort_unstable();
        ids.dedup();
        if ids.len() != spec.brokers.len() || ids.is_empty() {
            return Err(ConfigError {
                key: "brokers".into(),
                message: "Broker node.id values must be unique and at least one broker is needed"
                    .into(),
            });
        }
        if ids.contains(&CONTROLLER_NODE_ID) {
            return Err(ConfigError {
                key: "brokers".into(),
                message: format!(
                    "node.id {CONTROLLER_NODE_ID} is the controller's in this version"
                ),
            });
        }
        let mut c = Cluster {
            seed: spec.seed,
            settings: BrokerSettings::from_configs(&broker_cfg, &sim_cfg),
            now: Tick(0),
            rng: Rng::new(spec.seed),
            net: Network::default(),
            brokers: ids
                .iter()
                .map(|&i| (BrokerId(i), Broker::new(BrokerId(i))))
                .collect(),
            controller: Controller::new(),
            clients: Clients::default(),
            events: vec![],
            hw_seen: BTreeMap::new(),
        };
        c.controller.unclean_default = c.settings.unclean_leader_election;
        let mut events = vec![];
        let heartbeat = c.settings.broker_heartbeat_interval_ticks;
        for (i, &id) in ids.iter().enumerate() {
            let mut ctx = Ctx {
                now: c.now,
                rng: &mut c.rng,
                net: &mut c.net,
                events: &mut events,
                latency_ticks_min: 1,
                latency_ticks_max: 1,
            };
            let epoch = c.controller.bootstrap_broker(&mut ctx, BrokerId(id));
            let b = c
                .brokers
                .get_mut(&BrokerId(id))
                .expect("broker just inserted");
            b.broker_epoch = Some(epoch);
            b.fenced = false;
            // Stagger heartbeats so brokers do not beat in lockstep.
            b.next_heartbeat_at = Tick(1 + (i as u64 * heartbeat) / ids.len() as u64);
        }
        c.events = events;
        Ok(c)
    }

    /// The one entry point: a tick or a command in, the events it caused out.
    pub fn step(&mut self, input: Input) -> Vec<Event> {
        let mut out = vec![];
        match input {
            Input::Tick => {
                self.now = Tick(self.now.0 + 1);
                self.deliver_due(&mut out);
                self.run_timers(&mut out);
            }
            Input::Command(cmd) => self.apply(cmd, &mut out),
        }
        if cfg!(debug_assertions) {
            if let Err(e) = self.check_invariants() {
                panic!(
                    "invariant violated at t={}ms seed={}: {e}",
                    self.now_ms(),
                    self.seed
                );
            }
            self.record_high_watermarks();
        }
        self.events.extend(out.iter().cloned());
        out
    }

    /// Runs `ms` simulated milliseconds and returns the events.
    pub fn run_ms(&mut self, ms: u64) -> Vec<Event> {
        let mut out = vec![];
        for _ in 0..ms.div_ceil(MS_PER_TICK) {
            out.extend(self.step(Input::Tick));
        }
        out
    }

    pub fn now_ms(&self) -> u64 {
        self.now.0 * MS_PER_TICK
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Every event since the start, including the bootstrap registrations.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// FNV-1a over all event lines: equal runs give equal hashes, natively and in wasm.
    pub fn trace_hash(&self) -> u64 {
        crate::events::trace_hash(&self.events)
    }

    fn alive(&self) -> Vec<BrokerId> {
        self.brokers
            .values()
            .filter(|b| b.alive)
            .map(|b| b.id)
            .collect()
    }

    fn ctx<'a>(
        now: Tick,
        rng: &'a mut Rng,
        net: &'a mut Network,
        events: &'a mut Vec<Event>,
        s: &BrokerSettings,
    ) -> Ctx<'a> {
        Ctx {
            now,
            rng,
            net,
            events,
            latency_ticks_min: s.latency_ticks_min,
            latency_ticks_max: s.latency_ticks_max,
        }
    }

    fn deliver_due(&mut self, out: &mut Vec<Event>) {
        let alive = self.alive();
        let controller_addr = self.controller.addr();
        while let Some(env) = self.net.pop_due(self.now) {
            let mut ctx = Self::ctx(self.now, &mut self.rng, &mut self.net, out, &self.settings);
            if ctx.net.is_cut(&env.from, &env.to) {
                // A partition loses packets silently: no reply, no reset; senders time out.
                ctx.emit(EventKind::EnvelopeLost {
                    id: env.id.0,
                    api: env.rpc.api().to_string(),
                    from: env.from.to_string(),
                    to: env.to.to_string(),
                });
                continue;
            }
            match env.to.clone() {
                NodeAddr::Broker(b) => match self.brokers.get_mut(&b) {
                    Some(broker) if broker.alive => broker.handle(
                        &mut ctx,
                        env.from,
                        env.rpc,
                        &self.settings,
                        &controller_addr,
                    ),
                    _ => bounce(&mut ctx, env),
                },
                NodeAddr::Controller(_) => {
                    self.controller.handle(&mut ctx, env.from, env.rpc, &alive)
                }
                NodeAddr::Client(_) => self.clients.handle(&mut ctx, env.rpc),
            }
        }
    }

    fn run_timers(&mut self, out: &mut Vec<Event>) {
        let alive = self.alive();
        let controller_addr = self.controller.addr();
        let mut ctx = Self::ctx(self.now, &mut self.rng, &mut self.net, out, &self.settings);
        self.controller.on_tick(&mut ctx, &self.settings, &alive);
        for b in self.brokers.values_mut() {
            b.on_tick(&mut ctx, &self.settings, &controller_addr);
        }
        self.clients.on_tick(&mut ctx, &self.controller);
    }

    fn apply(&mut self, cmd: Command, out: &mut Vec<Event>) {
        let name = cmd.name();
        let alive = self.alive();
        let result: Result<(), (KafkaError, String)> = match cmd {
            Command::CreateTopic {
                name,
                partitions,
                replication_factor,
                configs,
            } => {
                let mut ctx =
                    Self::ctx(self.now, &mut self.rng, &mut self.net, out, &self.settings);
                // The controller draws placement randomness from the cluster's one PRNG.
                let mut placement_rng = Rng::new(ctx.rng.next_u64());
                self.controller.create_topic(
                    &mut ctx,
                    &mut placement_rng,
                    &name,
                    partitions,
                    replication_factor,
                    &configs,
                    &alive,
                )
            }
            Command::CreatePartitions { topic, count } => {
                let mut ctx =
                    Self::ctx(self.now, &mut self.rng, &mut self.net, out, &self.settings);
                let mut placement_rng = Rng::new(ctx.rng.next_u64());
                self.controller.create_partitions(
                    &mut ctx,
                    &mut placement_rng,
                    &topic,
                    count,
                    &alive,
                )
            }
            Command::ElectLeaders {
                topic,
                partition,
                election,
            } => {
                let mut ctx =
                    Self::ctx(self.now, &mut self.rng, &mut self.net, out, &self.settings);
                let tp = TopicPartition::new(topic, partition);
                self.controller
                    .elect_leaders(&mut ctx, &tp, election, &alive)
            }
            Command::AlterTopicConfig { topic, key, value } => {
                let mut ctx =
                    Self::ctx(self.now, &mut self.rng, &mut self.net, out, &self.settings);
                self.controller
                    .alter_topic_config(&mut ctx, &topic, &key, &value, &alive)
            }
            Command::AddProducer { name, configs } => self.add_producer(name, configs, out),
            Command::AlterProducerConfig {
                producer,
                key,
                value,
            } => self.alter_producer(producer, key, value, out),
            Command::Produce {
                producer,
                topic,
                partition,
                key,
                value,
            } => {
                let mut ctx =
                    Self::ctx(self.now, &mut self.rng, &mut self.net, out, &self.settings);
                let mut rng = Rng::new(ctx.rng.next_u64());
                self.clients
                    .produce(
                        &mut ctx,
                        &mut rng,
                        &self.controller,
                        &producer,
                        &topic,
                        partition,
                        key,
                        value,
                    )
                    .map(|_| ())
            }
            Command::CrashBroker { broker } => self.crash(BrokerId(broker), out),
            Command::RestartBroker { broker } => self.restart(BrokerId(broker), out),
            other => self.apply_network_fault(other, out),
        };
        if let Err((error, message)) = result {
            out.push(Event {
                at_ms: self.now_ms(),
                kind: EventKind::CommandFailed {
                    command: name.to_string(),
                    error,
                    message,
                },
            });
        }
    }

    fn add_producer(
        &mut self,
        name: String,
        configs: BTreeMap<String, String>,
        out: &mut Vec<Event>,
    ) -> Result<(), (KafkaError, String)> {
        if self.clients.producers.contains_key(&name) {
            return Err((
                KafkaError::ConfigException,
                format!("A producer named '{name}' already exists"),
            ));
        }
        let cfg = Configs::from_map(ConfigScope::Producer, &configs)
            .map_err(|e| (KafkaError::ConfigException, e.message))?;
        self.clients
            .producers
            .insert(name.clone(), Producer::new(name.clone(), cfg));
        out.push(Event {
            at_ms: self.now_ms(),
            kind: EventKind::ProducerAdded { producer: name },
        });
        Ok(())
    }

    fn alter_producer(
        &mut self,
        producer: String,
        key: String,
        value: String,
        out: &mut Vec<Event>,
    ) -> Result<(), (KafkaError, String)> {
        let Some(p) = self.clients.producers.get_mut(&producer) else {
            return Err((
                KafkaError::ConfigException,
                format!("No producer named '{producer}'"),
            ));
        };
        let v = validate(ConfigScope::Producer, &key, &value)
            .map_err(|e| (KafkaError::ConfigException, e.message))?;
        p.configs.overrides.insert(key.clone(), v.clone());
        out.push(Event {
            at_ms: self.now_ms(),
            kind: EventKind::ConfigChanged {
                entity: format!("producer {producer}"),
                key,
                value: v,
            },
        });
        Ok(())
    }

    /// Kills a broker: connections to and from it break (peers see a disconnect), requests it was
    /// holding are lost, and it stops heartbeating (the controller fences it after
    /// `broker.session.timeout.ms`).
    fn crash(&mut self, id: BrokerId, out: &mut Vec<Event>) -> Result<(), (KafkaError, String)> {
        let Some(broker) = self.brokers.get_mut(&id).filter(|b| b.alive) else {
            return Err((
                KafkaError::BrokerNotAvailable,
                format!("{id} is not running"),
            ));
        };
        let mut ctx = Self::ctx(self.now, &mut self.rng, &mut self.net, out, &self.settings);
        ctx.emit(EventKind::BrokerCrashed { broker: id });
        let me = NodeAddr::Broker(id);
        // Requests parked in its purgatories: their senders see the connection close.
        for (tp, p) in &broker.partitions {
            if let Role::Leader(l) = &p.role {
                for d in &l.delayed_produces {
                    let rpc = Rpc::Disconnected {
                        api: "Produce".into(),
                        tp: Some(tp.clone()),
                        produce_id: Some(d.id),
                    };
                    ctx.send(me.clone(), NodeAddr::Client(d.client.clone()), rpc);
                }
                for f in &l.parked_fetches {
                    let rpc = Rpc::Disconnected {
                        api: "Fetch".into(),
                        tp: Some(tp.clone()),
                        produce_id: None,
                    };
                    ctx.send(me.clone(), NodeAddr::Broker(f.follower), rpc);
                }
            }
        }
        broker.crash();
        // Envelopes on its connections are gone; whoever waits on them hears of the disconnect.
        let cut = ctx.net.remove_where(|e| e.from == me || e.to == me);
        for env in cut {
            if env.to == me {
                bounce(&mut ctx, env);
                continue;
            }
            let notice = match &env.rpc {
                Rpc::ProduceResponse { id, tp, .. } => Some(("Produce", tp.clone(), Some(*id))),
                Rpc::FetchResponse { tp, .. } => Some(("Fetch", tp.clone(), None)),
                _ => None,
            };
            if let Some((api, tp, produce_id)) = notice {
                ctx.send(
                    me.clone(),
                    env.to,
                    Rpc::Disconnected {
                        api: api.into(),
                        tp: Some(tp),
                        produce_id,
                    },
                );
            }
        }
        Ok(())
    }

    fn restart(&mut self, id: BrokerId, out: &mut Vec<Event>) -> Result<(), (KafkaError, String)> {
        let controller = self.controller.addr();
        let Some(broker) = self.brokers.get_mut(&id).filter(|b| !b.alive) else {
            return Err((
                KafkaError::BrokerNotAvailable,
                format!("{id} is already running"),
            ));
        };
        let mut ctx = Self::ctx(self.now, &mut self.rng, &mut self.net, out, &self.settings);
        ctx.emit(EventKind::BrokerRestarted { broker: id });
        broker.restart(&mut ctx, controller);
        Ok(())
    }

    /// Resolves `broker-N`, `controller`/`controller-N` or a producer's name to an address.
    pub fn parse_node(&self, name: &str) -> Result<NodeAddr, (KafkaError, String)> {
        let name = name.trim();
        if let Some(n) = name
            .strip_prefix("broker-")
            .and_then(|n| n.parse::<u32>().ok())
        {
            if self.brokers.contains_key(&BrokerId(n)) {
                return Ok(NodeAddr::Broker(BrokerId(n)));
            }
        }
        if name == "controller" || name == format!("controller-{}", self.controller.node_id) {
            return Ok(self.controller.addr());
        }
        if self.clients.producers.contains_key(name) {
            return Ok(NodeAddr::Client(name.to_string()));
        }
        let mut known: Vec<String> = self.brokers.keys().map(|b| b.to_string()).collect();
        known.push("controller".into());
        known.extend(self.clients.producers.keys().cloned());
        Err((
            KafkaError::InvalidRequest,
            format!("Unknown node '{name}'. Known nodes: {}", known.join(", ")),
        ))
    }

    fn every_node(&self) -> Vec<NodeAddr> {
        let mut v: Vec<NodeAddr> = self.brokers.keys().map(|b| NodeAddr::Broker(*b)).collect();
        v.push(self.controller.addr());
        v.extend(
            self.clients
                .producers
                .keys()
                .map(|p| NodeAddr::Client(p.clone())),
        );
        v
    }

    /// Network faults: cuts, slow nodes, and holding/releasing/dropping one envelope.
    fn apply_network_fault(
        &mut self,
        cmd: Command,
        out: &mut Vec<Event>,
    ) -> Result<(), (KafkaError, String)> {
        let at_ms = self.now_ms();
        let mut emit = |kind| out.push(Event { at_ms, kind });
        let envelope_event = |env: &Envelope| {
            (
                env.id.0,
                env.rpc.api().to_string(),
                env.from.to_string(),
                env.to.to_string(),
            )
        };
        let unknown = |id: u64| {
            (
                KafkaError::InvalidRequest,
                format!("No envelope #{id} is in flight"),
            )
        };
        match cmd {
            Command::PartitionNetwork { a, b } => {
                let (na, nb) = (self.parse_node(&a)?, self.parse_node(&b)?);
                if na == nb {
                    return Err((
                        KafkaError::InvalidRequest,
                        format!("Cannot cut {na} from itself"),
                    ));
                }
                self.net.cut(&na, &nb);
                emit(EventKind::NetworkPartitioned {
                    a: na.to_string(),
                    b: nb.to_string(),
                });
            }
            Command::IsolateNode { node } => {
                let n = self.parse_node(&node)?;
                for other in self.every_node() {
                    self.net.cut(&n, &other);
                }
                emit(EventKind::NodeIsolated {
                    node: n.to_string(),
                });
            }
            Command::HealNetwork => {
                let cuts_removed = self.net.heal() as u32;
                emit(EventKind::NetworkHealed { cuts_removed });
            }
            Command::SlowNode {
                node,
                extra_latency_ms,
            } => {
                let n = self.parse_node(&node)?;
                self.net
                    .set_slow(n.clone(), crate::config::ticks_from_ms(extra_latency_ms));
                emit(EventKind::NodeSlowed {
                    node: n.to_string(),
                    extra_latency_ms,
                });
            }
            Command::HoldEnvelope { id } => {
                let (id, api, from, to) = self
                    .net
                    .hold(EnvelopeId(id))
                    .map(envelope_event)
                    .ok_or_else(|| unknown(id))?;
                emit(EventKind::EnvelopeHeld { id, api, from, to });
            }
            Command::ReleaseEnvelope { id } => {
                let now = self.now;
                let (id, api, from, to) = self
                    .net
                    .release(EnvelopeId(id), now)
                    .map(envelope_event)
                    .ok_or_else(|| unknown(id))?;
                emit(EventKind::EnvelopeReleased { id, api, from, to });
            }
            Command::DropEnvelope { id } => {
                let env = self
                    .net
                    .drop_envelope(EnvelopeId(id))
                    .ok_or_else(|| unknown(id))?;
                let (id, api, from, to) = envelope_event(&env);
                emit(EventKind::EnvelopeDropped { id, api, from, to });
            }
            _ => unreachable!("apply() handles the other commands"),
        }
        Ok(())
    }

    /// Checks the invariants Kafka's design guarantees; `Err` names the one that broke.
    pub fn check_invariants(&self) -> Result<(), String> {
        for (tp, p) in &self.controller.partitions {
            if p.isr.is_empty() {
                return Err(format!("{tp}: ISR is empty"));
            }
            if p.isr.iter().any(|r| !p.replicas.contains(r)) {
                return Err(format!(
                    "{tp}: ISR {:?} not a subset of replicas {:?}",
                    p.isr, p.replicas
                ));
            }
            if let Some(l) = p.leader {
                if !p.isr.contains(&l) {
                    return Err(format!("{tp}: leader {l} not in ISR {:?}", p.isr));
                }
            }
            self.check_partition_replicas(tp)?;
        }
        self.check_acked_writes_survive()
    }

    fn check_partition_replicas(&self, tp: &TopicPartition) -> Result<(), String> {
        let mut leaders = BTreeMap::new();
        for b in self.brokers.values().filter(|b| b.alive) {
            let Some(p) = b.partitions.get(tp) else {
                continue;
            };
            if let Role::Leader(_) = p.role {
                if let Some(other) = leaders.insert(p.meta.leader_epoch, b.id) {
                    return Err(format!(
                        "{tp}: two leaders ({other}, {}) in leader epoch {}",
                        b.id, p.meta.leader_epoch.0
                    ));
                }
                let hw = p.log.high_watermark();
                if let Some(prev) = self.hw_seen.get(&(tp.clone(), b.id, p.meta.leader_epoch.0)) {
                    if hw < *prev {
                        return Err(format!(
                            "{tp}: leader {} HW went back from {} to {}",
                            b.id, prev.0, hw.0
                        ));
                    }
                }
                // HW ≤ LEO of every live ISR member (committed data is on every ISR replica).
                for r in &p.meta.isr {
                    if let Some(rb) = self.brokers.get(r).filter(|rb| rb.alive) {
                        let leo = rb
                            .partitions
                            .get(tp)
                            .map(|x| x.log.log_end_offset())
                            .unwrap_or_default();
                        let truncating = rb
                            .partitions
                            .get(tp)
                            .is_some_and(|x| x.meta.leader_epoch < p.meta.leader_epoch);
                        if leo < hw && !truncating {
                            return Err(format!(
                                "{tp}: HW {} above LEO {} of ISR member {r}",
                                hw.0, leo.0
                            ));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Every acks=all write that was acknowledged is in the current leader's log at its offset
    /// (unclean election is impossible in this version, so no acknowledged write may be lost).
    fn check_acked_writes_survive(&self) -> Result<(), String> {
        for call in self.clients.calls.values() {
            let CallState::Done {
                outcome: ProduceOutcome::Ok { offset },
                ..
            } = &call.state
            else {
                continue;
            };
            // After an unclean election acknowledged writes may really be gone: that is the point.
            if call.acks != crate::config::Acks::All
                || *offset < 0
                || self.controller.unclean_elected.contains(&call.tp)
            {
                continue;
            }
            let Some(leader) = self
                .controller
                .partitions
                .get(&call.tp)
                .and_then(|p| p.leader)
            else {
                continue;
            };
            let Some(b) = self.brokers.get(&leader).filter(|b| b.alive) else {
                continue;
            };
            let Some(p) = b.partitions.get(&call.tp).filter(|p| p.is_leader()) else {
                continue;
            };
            let rec = p.log.records().get(*offset as usize);
            if rec.and_then(|r| r.produce_id) != Some(call.id) {
                return Err(format!("{}: acknowledged acks=all produce#{} at offset {offset} is missing from leader {leader}", call.tp, call.id.0));
            }
        }
        Ok(())
    }

    /// Remembers each leader's HW so the next check can see it never moves back.
    fn record_high_watermarks(&mut self) {
        for b in self.brokers.values().filter(|b| b.alive) {
            for (tp, p) in &b.partitions {
                if p.is_leader() {
                    let key = (tp.clone(), b.id, p.meta.leader_epoch.0);
                    let hw = p.log.high_watermark();
                    let e = self.hw_seen.entry(key).or_insert(hw);
                    *e = (*e).max(hw);
                }
            }
        }
    }

    /// The envelopes on the wire now (cheap: no topics or logs), for animation between snapshots.
    pub fn envelope_views(&self) -> Vec<EnvelopeView> {
        self.net
            .in_flight()
            .map(|e| EnvelopeView {
                id: e.id.0,
                from: e.from.to_string(),
                to: e.to.to_string(),
                api: e.rpc.api().to_string(),
                summary: e.rpc.summary(),
                sent_at_ms: e.sent_at.0 * MS_PER_TICK,
                deliver_at_ms: e.deliver_at.0 * MS_PER_TICK,
                held: self.net.is_held(e.id),
            })
            .collect()
    }

    /// A serialisable picture of the whole cluster now.
    pub fn snapshot(&self) -> Snapshot {
        let fenced = |b: BrokerId| !self.controller.is_unfenced(b);
        let brokers = self
            .brokers
            .values()
            .map(|b| BrokerView {
                id: b.id,
                alive: b.alive,
                fenced: fenced(b.id),
            })
            .collect();
        let registrations = self
            .controller
            .registrations
            .iter()
            .map(|(b, r)| RegistrationView {
                broker: *b,
                broker_epoch: r.broker_epoch,
                fenced: r.fenced,
                ms_since_heartbeat: (self.now.0 - r.last_heartbeat.0.min(self.now.0)) * MS_PER_TICK,
            })
            .collect();
        let topics = self
            .controller
            .topics
            .values()
            .map(|t| self.topic_view(t))
            .collect();
        let producers = self
            .clients
            .producers
            .values()
            .map(|p| ProducerView {
                name: p.name.clone(),
                acks: p.acks(),
                configs: p.configs.overrides.clone(),
            })
            .collect();
        let requests = self
            .clients
            .calls
            .values()
            .rev()
            .take(200)
            .rev()
            .map(produce_view)
            .collect();
        let envelopes = self.envelope_views();
        Snapshot {
            now_ms: self.now_ms(),
            seed: self.seed,
            controller: ControllerView {
                node_id: self.controller.node_id,
                registrations,
            },
            brokers,
            topics,
            producers,
            requests,
            envelopes,
            network: NetworkView {
                cuts: self
                    .net
                    .cuts()
                    .map(|(a, b)| (a.to_string(), b.to_string()))
                    .collect(),
                slow: self
                    .net
                    .slow_nodes()
                    .map(|(n, t)| (n.to_string(), t * MS_PER_TICK))
                    .collect(),
            },
            metrics: self.metrics(),
        }
    }

    fn topic_view(&self, t: &crate::kraft::TopicMeta) -> TopicView {
        let partitions = (0..t.partitions)
            .filter_map(|i| {
                self.controller
                    .partitions
                    .get(&TopicPartition::new(&t.name, i))
            })
            .map(|p| self.partition_view(p))
            .collect();
        TopicView {
            name: t.name.clone(),
            configs: t.configs.overrides.clone(),
            min_insync_replicas: t.min_insync_replicas(),
            partitions,
        }
    }

    fn partition_view(&self, p: &crate::network::PartitionState) -> PartitionView {
        let leader_replica = p
            .leader
            .and_then(|l| self.brokers.get(&l))
            .filter(|b| b.alive)
            .and_then(|b| b.partitions.get(&p.tp))
            .filter(|r| r.is_leader());
        let effective_min = (p.min_insync_replicas as usize).min(p.replicas.len());
        let replica_states = p
            .replicas
            .iter()
            .map(|r| {
                let b = &self.brokers[r];
                let local = b.partitions.get(&p.tp);
                let log = local.map(|x| &x.log);
                ReplicaView {
                    broker: *r,
                    alive: b.alive,
                    is_leader: local.is_some_and(|x| x.is_leader()) && b.alive,
                    in_isr: p.isr.contains(r),
                    log_end_offset: log.map(|l| l.log_end_offset()).unwrap_or_default(),
                    high_watermark: log.map(|l| l.high_watermark()).unwrap_or_default(),
                    epoch_cache: log.map(|l| l.epochs().to_vec()).unwrap_or_default(),
                    records: log
                        .map(|l| {
                            let rs = l.records();
                            rs[rs.len().saturating_sub(RECORDS_IN_VIEW)..]
                                .iter()
                                .map(|r| RecordView {
                                    offset: r.offset,
                                    leader_epoch: r.leader_epoch,
                                    key: r.key.clone(),
                                    value: r.value.clone(),
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                }
            })
            .collect();
        PartitionView {
            tp: p.tp.clone(),
            replicas: p.replicas.clone(),
            leader: p.leader,
            leader_epoch: p.leader_epoch,
            partition_epoch: p.partition_epoch,
            isr: p.isr.clone(),
            pending_isr: leader_replica.and_then(|r| r.pending_isr()),
            high_watermark: leader_replica.map(|r| r.log.high_watermark()),
            under_replicated: p.leader.is_some() && p.isr.len() < p.replicas.len(),
            under_min_isr: p.leader.is_some() && p.isr.len() < effective_min,
            replica_states,
        }
    }

    fn metrics(&self) -> Metrics {
        let mut m = Metrics::default();
        for p in self.controller.partitions.values() {
            let effective_min = (p.min_insync_replicas as usize).min(p.replicas.len());
            if p.leader.is_none() {
                m.offline_partitions_count += 1;
            } else {
                m.under_replicated_partitions += (p.isr.len() < p.replicas.len()) as u32;
                m.under_min_isr_partition_count += (p.isr.len() < effective_min) as u32;
            }
        }
        for r in self.controller.registrations.values() {
            if r.fenced {
                m.fenced_broker_count += 1;
            } else {
                m.active_broker_count += 1;
            }
        }
        m.active_controller_count = 1;
        for b in self.brokers.values().filter(|b| b.alive) {
            for (tp, p) in b.partitions.iter().filter(|(_, p)| p.is_leader()) {
                let leo = p.log.log_end_offset().0;
                for f in p.meta.replicas.iter().filter(|&&f| f != b.id) {
                    let follower = self
                        .brokers
                        .get(f)
                        .filter(|fb| fb.alive)
                        .and_then(|fb| fb.partitions.get(tp));
                    if let Some(fp) = follower {
                        m.max_lag = m.max_lag.max(leo.saturating_sub(fp.log.log_end_offset().0));
                    }
                }
            }
        }
        let st = &self.clients.stats;
        m.record_send_total = st.ok;
        m.record_error_total = st.failed;
        m.request_latency_avg_ms = st
            .latency_ms_sum
            .checked_div(st.ok + st.failed)
            .unwrap_or(0);
        m.request_latency_last_ms = st.latency_ms_last;
        m
    }
}

/// A request delivered to (or cut on its way to) a dead broker: the sender sees the connection
/// close. Other messages to a dead node are simply lost.
fn bounce(ctx: &mut Ctx, env: Envelope) {
    let (api, tp, produce_id) = match &env.rpc {
        Rpc::Produce { id, tp, acks, .. } => {
            if *acks == crate::config::Acks::Zero {
                return;
            }
            ("Produce", Some(tp.clone()), Some(*id))
        }
        Rpc::Fetch { tp, .. } => ("Fetch", Some(tp.clone()), None),
        _ => return,
    };
    ctx.send(
        env.to,
        env.from,
        Rpc::Disconnected {
            api: api.into(),
            tp,
            produce_id,
        },
    );
}

fn produce_view(c: &crate::producer::ProduceCall) -> ProduceView {
    let (outcome, completed_at_ms) = match &c.state {
        CallState::Done { outcome, at } => (Some(outcome.clone()), Some(at.0 * MS_PER_TICK)),
        _ => (None, None),
    };
    ProduceView {
        id: c.id,
        producer: c.producer.clone(),
        tp: c.tp.clone(),
        acks: c.acks,
        key: c.key.clone(),
        value: c.value.clone(),
        sent_at_ms: c.created_at.0 * MS_PER_TICK,
        outcome,
        completed_at_ms,
    }
}

/// Splits cluster configs into broker keys and `sim.*` keys, validating each.
fn split_cluster_configs(
    map: &BTreeMap<String, String>,
) -> Result<(Configs, Configs), ConfigError> {
    let (sim, broker): (BTreeMap<_, _>, BTreeMap<_, _>) = map
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .partition(|(k, _)| k.starts_with("sim."));
    Ok((
        Configs::from_map(ConfigScope::Broker, &broker)?,
        Configs::from_map(ConfigScope::Simulation, &sim)?,
    ))
}
