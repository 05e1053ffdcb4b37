//! The whole simulated cluster and its one entry point, [`Cluster::step`].

use crate::command::{ClusterSpec, Command, Input};
use crate::config::{validate, BrokerSettings, ConfigError, ConfigScope, Configs, MS_PER_TICK};
use crate::consumer::seek::SeekTarget;
use crate::errors::KafkaError;
use crate::events::{Event, EventKind, ProduceOutcome};
use crate::ids::{BrokerId, EnvelopeId, NodeAddr, Offset, Tick, TopicPartition};
use crate::kraft::{Controller, CONTROLLER_NODE_ID};
use crate::network::{Ctx, Envelope, Network, Rpc};
use crate::producer::{CallState, Clients, Producer};
use crate::quorum::ControllerNode;
use crate::raft::MetaEntry;
use crate::replication::{Broker, Role};
use crate::rng::Rng;
use crate::snapshot::*;
use std::collections::BTreeMap;

#[path = "cluster_groups.rs"]
mod cluster_groups;

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
    controllers: BTreeMap<u32, ControllerNode>,
    clients: Clients,
    events: Vec<Event>,
    /// Highest HW each leader has shown, per (partition, broker, leader epoch): HW is monotonic.
    hw_seen: BTreeMap<(TopicPartition, BrokerId, u32), Offset>,
    /// Metrics sampled every `HISTORY_SAMPLE_MS`, for charts.
    history: std::collections::VecDeque<MetricsSample>,
    /// The group coordinator role of every broker (classic groups, `__consumer_offsets`).
    groups: crate::group_coordinator::GroupCoordinators,
    /// Consumer clients and the processing ledger.
    consumers: crate::consumer::Consumers,
    /// The transaction coordinator role of every broker (`__transaction_state`) and the
    /// markers partition leaders owe answers for.
    txns: crate::transactions::TxnCoordinators,
}

impl Cluster {
    /// Builds a running cluster: the controller quorum formed (the lowest voter id leads epoch 1
    /// and is active) and every broker registered and unfenced at t=0.
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
        let voters = quorum_voters(spec, &ids)?;
        let mut settings = BrokerSettings::from_configs(&broker_cfg, &sim_cfg);
        let group_settings = crate::group_coordinator::GroupSettings::from_configs(&broker_cfg);
        let txn_settings = crate::transactions::TxnSettings::from_configs(&broker_cfg);
        settings.voters = voters.clone();
        let mut c = Cluster {
            seed: spec.seed,
            settings,
            now: Tick(0),
            rng: Rng::new(spec.seed),
            net: Network::default(),
            brokers: ids
                .iter()
                .map(|&i| (BrokerId(i), Broker::new(BrokerId(i))))
                .collect(),
            controllers: BTreeMap::new(),
            clients: Clients::default(),
            events: vec![],
            hw_seen: BTreeMap::new(),
            history: std::collections::VecDeque::new(),
            groups: crate::group_coordinator::GroupCoordinators::new(group_settings),
            consumers: crate::consumer::Consumers::default(),
            txns: crate::transactions::TxnCoordinators::new(txn_settings),
        };
        for v in &voters {
            if ids.contains(v) {
                c.net
                    .colocate(NodeAddr::Controller(*v), NodeAddr::Broker(BrokerId(*v)));
            }
        }
        let unclean = c.settings.unclean_leader_election;
        let leader = voters[0];
        let mut events = vec![];
        let heartbeat = c.settings.broker_heartbeat_interval_ticks;
        let mut boot = Controller::with_id(leader);
        let mut epochs = vec![];
        {
            let mut ctx = Self::ctx(c.now, &mut c.rng, &mut c.net, &mut events, &c.settings);
            for &id in &ids {
                epochs.push(boot.bootstrap_broker(&mut ctx, BrokerId(id)));
            }
        }
        let mut log = vec![MetaEntry {
            epoch: 1,
            record: crate::kraft::MetadataRecord::LeaderChange {
                leader,
                voters: voters.clone(),
                granting: voters.clone(),
            },
        }];
        log.extend(
            boot.outbox
                .drain(..)
                .map(|record| MetaEntry { epoch: 1, record }),
        );
        let committed = log.len() as u64;
        for &v in &voters {
            let mut node = ControllerNode::new(v, voters.clone(), unclean);
            let mut ctx = Self::ctx(c.now, &mut c.rng, &mut c.net, &mut events, &c.settings);
            node.bootstrap(&mut ctx, &c.settings.quorum, log.clone(), leader);
            c.controllers.insert(v, node);
        }
        for (i, (&id, epoch)) in ids.iter().zip(epochs).enumerate() {
            let b = c
                .brokers
                .get_mut(&BrokerId(id))
                .expect("broker just inserted");
            b.broker_epoch = Some(epoch);
            b.fenced = false;
            b.metadata_offset = committed;
            b.controller_hint = Some(leader);
            // Stagger heartbeats so brokers do not beat in lockstep.
            b.next_heartbeat_at = Tick(1 + (i as u64 * heartbeat) / ids.len() as u64);
        }
        c.events = events;
        Ok(c)
    }

    /// The committed metadata image as the best-informed controller has replayed it: what a
    /// caught-up broker (and so a client's Metadata request) sees.
    pub fn image(&self) -> &Controller {
        best_image(&self.controllers)
    }

    /// How many Produce requests producers have sent so far.
    pub fn producer_requests(&self) -> u64 {
        self.clients.stats.requests
    }

    /// A producer client by name (its configs, accumulator, perf test).
    pub fn producer(&self, name: &str) -> Option<&Producer> {
        self.clients.producers.get(name)
    }

    /// The log of a partition's current leader, if it is running (for tests and tools).
    pub fn leader_partition_log(&self, tp: &TopicPartition) -> Option<&crate::log::Log> {
        self.leader_log(tp)
    }

    /// How many times a member of `group` processed each record, per partition (index = offset).
    pub fn processing_ledger(&self, group: &str) -> Option<&BTreeMap<TopicPartition, Vec<u32>>> {
        self.consumers.ledger.get(group)
    }

    /// The controller processes by node id.
    pub fn controllers(&self) -> &BTreeMap<u32, ControllerNode> {
        &self.controllers
    }

    /// The one entry point: a tick or a command in, the events it caused out.
    pub fn step(&mut self, input: Input) -> Vec<Event> {
        let mut out = vec![];
        match input {
            Input::Tick => {
                self.now = Tick(self.now.0 + 1);
                self.deliver_due(&mut out);
                self.run_timers(&mut out);
                self.drive_stream_apps(&mut out);
                if self.now_ms() % HISTORY_SAMPLE_MS == 0 {
                    self.sample_metrics();
                }
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
        let mut create_offsets_topic = false;
        let mut create_txn_topic = false;
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
                    Some(broker)
                        if broker.alive && crate::group_coordinator::is_group_request(&env.rpc) =>
                    {
                        let image = best_image(&self.controllers);
                        let f = self.groups.handle(
                            &mut ctx,
                            broker,
                            image,
                            env.from,
                            env.rpc,
                            &self.settings,
                        );
                        create_offsets_topic |= f.create_offsets_topic;
                    }
                    Some(broker)
                        if broker.alive && crate::transactions::is_txn_request(&env.rpc) =>
                    {
                        let image = best_image(&self.controllers);
                        let f = self.txns.handle(
                            &mut ctx,
                            broker,
                            image,
                            env.from,
                            env.rpc,
                            &self.settings,
                        );
                        create_txn_topic |= f.create_topic;
                    }
                    Some(broker) if broker.alive => {
                        broker.handle(&mut ctx, env.from, env.rpc, &self.settings)
                    }
                    _ => bounce(&mut ctx, env),
                },
                NodeAddr::Controller(id) => match self.controllers.get_mut(&id) {
                    Some(node) if node.alive => {
                        node.handle(&mut ctx, &self.settings.quorum, env.from, env.rpc, &alive)
                    }
                    _ => bounce(&mut ctx, env),
                },
                NodeAddr::Client(name) if self.consumers.contains(&name) => {
                    let image = best_image(&self.controllers);
                    self.consumers
                        .handle(&mut ctx, &name, &env.from, env.rpc, image)
                }
                NodeAddr::Client(_) => self.clients.handle(&mut ctx, &env.from, &env.to, env.rpc),
            }
        }
        if create_offsets_topic {
            self.create_offsets_topic(out);
        }
        if create_txn_topic {
            self.create_txn_topic(out);
        }
    }

    /// Kafka: `AutoTopicCreationManager.createTopics` for `__transaction_state` (at the first
    /// FindCoordinator for a transactional id), with `transaction.state.log.num.partitions`,
    /// `transaction.state.log.replication.factor`, `min.insync.replicas` =
    /// `transaction.state.log.min.isr` and `cleanup.policy=compact`.
    fn create_txn_topic(&mut self, out: &mut Vec<Event>) {
        use crate::transactions::TRANSACTION_STATE_TOPIC;
        let s = self.txns.settings.clone();
        let result = self.on_active_controller(out, |c, ctx| {
            if c.topics.contains_key(TRANSACTION_STATE_TOPIC) {
                return Ok(());
            }
            let mut placement_rng = Rng::new(ctx.rng.next_u64());
            let configs = BTreeMap::from([
                ("cleanup.policy".to_string(), "compact".to_string()),
                ("min.insync.replicas".to_string(), s.min_isr.to_string()),
            ]);
            c.create_topic(
                ctx,
                &mut placement_rng,
                TRANSACTION_STATE_TOPIC,
                s.num_partitions,
                s.replication_factor,
                &configs,
            )
        });
        match result {
            Ok(()) => self.txns.creation_error = None,
            Err((error, message)) => {
                if self.txns.creation_error.as_deref() != Some(message.as_str()) {
                    self.txns.creation_error = Some(message.clone());
                    out.push(Event {
                        at_ms: self.now_ms(),
                        kind: EventKind::TxnTopicCreationFailed { error, message },
                    });
                }
            }
        }
    }

    /// Kafka: `AutoTopicCreationManager.createTopics` for `__consumer_offsets` (at the first
    /// FindCoordinator), with `offsets.topic.num.partitions`, `offsets.topic.replication.factor`
    /// and `cleanup.policy=compact`. The broker's request reaches the active controller directly.
    fn create_offsets_topic(&mut self, out: &mut Vec<Event>) {
        use crate::offsets::OFFSETS_TOPIC;
        let s = self.groups.settings.clone();
        let result = self.on_active_controller(out, |c, ctx| {
            if c.topics.contains_key(OFFSETS_TOPIC) {
                return Ok(());
            }
            let mut placement_rng = Rng::new(ctx.rng.next_u64());
            // Kafka: `GroupCoordinator.offsetsTopicConfigs`.
            let configs = BTreeMap::from([
                ("cleanup.policy".to_string(), "compact".to_string()),
                (
                    "segment.bytes".to_string(),
                    s.offsets_topic_segment_bytes.max(14).to_string(),
                ),
            ]);
            c.create_topic(
                ctx,
                &mut placement_rng,
                OFFSETS_TOPIC,
                s.offsets_topic_num_partitions,
                s.offsets_topic_replication_factor,
                &configs,
            )
        });
        match result {
            Ok(()) => self.groups.creation_error = None,
            Err((error, message)) => {
                // Reported once per distinct failure, not at every FindCoordinator retry.
                if self.groups.creation_error.as_deref() != Some(message.as_str()) {
                    self.groups.creation_error = Some(message.clone());
                    out.push(Event {
                        at_ms: self.now_ms(),
                        kind: EventKind::OffsetsTopicCreationFailed { error, message },
                    });
                }
            }
        }
    }

    fn run_timers(&mut self, out: &mut Vec<Event>) {
        let alive = self.alive();
        let mut ctx = Self::ctx(self.now, &mut self.rng, &mut self.net, out, &self.settings);
        for node in self.controllers.values_mut() {
            node.on_tick(&mut ctx, &self.settings.quorum, &self.settings, &alive);
        }
        for b in self.brokers.values_mut() {
            b.on_tick(&mut ctx, &self.settings);
        }
        self.clients
            .on_tick(&mut ctx, best_image(&self.controllers), &alive);
        self.groups
            .on_tick(&mut ctx, &mut self.brokers, &self.settings);
        self.consumers
            .on_tick(&mut ctx, best_image(&self.controllers), &alive);
        self.txns.on_tick(
            &mut ctx,
            &mut self.brokers,
            best_image(&self.controllers),
            &mut self.groups,
            &self.settings,
        );
    }

    /// Runs an admin operation on the active controller, if there is one.
    fn on_active_controller(
        &mut self,
        out: &mut Vec<Event>,
        f: impl FnOnce(&mut Controller, &mut Ctx) -> Result<(), (KafkaError, String)>,
    ) -> Result<(), (KafkaError, String)> {
        let alive = self.alive();
        let voters = self.settings.voters.clone();
        let Some(node) = self.controllers.values_mut().find(|n| n.is_active()) else {
            let up = self.controllers.values().filter(|n| n.alive).count();
            return Err((
                KafkaError::RequestTimedOut,
                format!(
                    "No active controller: the metadata quorum ({} voters, {} running) has no leader that a majority ({}) follows, so metadata cannot change; an Admin client would time out",
                    voters.len(),
                    up,
                    voters.len() / 2 + 1
                ),
            ));
        };
        let mut ctx = Self::ctx(self.now, &mut self.rng, &mut self.net, out, &self.settings);
        node.run(&mut ctx, &alive, f)
            .unwrap_or(Err((KafkaError::NotController, "not active".into())))
    }

    fn apply(&mut self, cmd: Command, out: &mut Vec<Event>) {
        let name = cmd.name();
        let result: Result<(), (KafkaError, String)> = match cmd {
            Command::CreateTopic {
                name,
                partitions,
                replication_factor,
                configs,
            } => self.on_active_controller(out, |c, ctx| {
                // The controller draws placement randomness from the cluster's one PRNG.
                let mut placement_rng = Rng::new(ctx.rng.next_u64());
                c.create_topic(
                    ctx,
                    &mut placement_rng,
                    &name,
                    partitions,
                    replication_factor,
                    &configs,
                )
            }),
            Command::CreatePartitions { topic, count } => {
                self.on_active_controller(out, |c, ctx| {
                    let mut placement_rng = Rng::new(ctx.rng.next_u64());
                    c.create_partitions(ctx, &mut placement_rng, &topic, count)
                })
            }
            Command::ElectLeaders {
                topic,
                partition,
                election,
            } => {
                let tp = TopicPartition::new(topic, partition);
                self.on_active_controller(out, |c, ctx| c.elect_leaders(ctx, &tp, election))
            }
            Command::AlterTopicConfig { topic, key, value } => self
                .on_active_controller(out, |c, ctx| {
                    c.alter_topic_config(ctx, &topic, &key, &value)
                }),
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
                let alive = self.alive();
                let mut ctx =
                    Self::ctx(self.now, &mut self.rng, &mut self.net, out, &self.settings);
                let mut rng = Rng::new(ctx.rng.next_u64());
                self.clients
                    .produce(
                        &mut ctx,
                        &mut rng,
                        best_image(&self.controllers),
                        &alive,
                        &producer,
                        &topic,
                        partition,
                        key,
                        value,
                    )
                    .map(|_| ())
            }
            Command::PerfTest {
                producer,
                topic,
                num_records,
                record_size,
                throughput,
            } => {
                let mut ctx =
                    Self::ctx(self.now, &mut self.rng, &mut self.net, out, &self.settings);
                self.clients.start_perf_test(
                    &mut ctx,
                    best_image(&self.controllers),
                    &producer,
                    &topic,
                    num_records,
                    record_size,
                    throughput,
                )
            }
            Command::InitTransactions { producer } => self.clients.init_transactions(&producer),
            Command::BeginTransaction { producer } => {
                let mut ctx =
                    Self::ctx(self.now, &mut self.rng, &mut self.net, out, &self.settings);
                self.clients.begin_transaction(&mut ctx, &producer)
            }
            Command::CommitTransaction { producer } | Command::AbortTransaction { producer } => {
                let commit = name == "commit_transaction";
                let mut ctx =
                    Self::ctx(self.now, &mut self.rng, &mut self.net, out, &self.settings);
                self.clients.end_transaction(&mut ctx, &producer, commit)
            }
            Command::AddConsumer {
                name,
                topics,
                configs,
            } => self.add_consumer(name, topics, configs, out),
            Command::CrashConsumer { consumer } => self.consumer_command(&consumer, "crashed", out),
            Command::CloseConsumer { consumer } => self.consumer_command(&consumer, "closed", out),
            Command::StopPolling { consumer } => {
                self.consumer_command(&consumer, "stopped calling poll()", out)
            }
            Command::ResumePolling { consumer } => {
                self.consumer_command(&consumer, "calls poll() again", out)
            }
            Command::Seek {
                consumer,
                topic,
                partition,
                offset,
            } => {
                let tps = vec![TopicPartition::new(topic.as_str(), partition)];
                self.seek_command(&consumer, tps, SeekTarget::Offset(offset), out)
            }
            Command::SeekToBeginning {
                consumer,
                topic,
                partition,
            } => {
                let tps = self.seek_partitions(&consumer, topic, partition);
                self.seek_command(&consumer, tps, SeekTarget::Beginning, out)
            }
            Command::SeekToEnd {
                consumer,
                topic,
                partition,
            } => {
                let tps = self.seek_partitions(&consumer, topic, partition);
                self.seek_command(&consumer, tps, SeekTarget::End, out)
            }
            Command::CrashBroker { broker } => {
                self.crash_node(NodeAddr::Broker(BrokerId(broker)), out)
            }
            Command::RestartBroker { broker } => {
                self.restart_node(NodeAddr::Broker(BrokerId(broker)), out)
            }
            Command::CrashController { controller } => {
                self.crash_node(NodeAddr::Controller(controller), out)
            }
            Command::RestartController { controller } => {
                self.restart_node(NodeAddr::Controller(controller), out)
            }
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
        crate::producer::validate_producer_configs(&cfg)
            .map_err(|m| (KafkaError::ConfigException, m))?;
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
        let mut next = p.configs.clone();
        next.overrides.insert(key.clone(), v.clone());
        crate::producer::validate_producer_configs(&next)
            .map_err(|m| (KafkaError::ConfigException, m))?;
        p.set_configs(next);
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
    /// Kills a node process: a broker, a controller, or both roles of a combined node.
    fn crash_node(
        &mut self,
        addr: NodeAddr,
        out: &mut Vec<Event>,
    ) -> Result<(), (KafkaError, String)> {
        let id = self.node_id_of(&addr)?;
        let broker_up = self.brokers.get(&BrokerId(id)).is_some_and(|b| b.alive);
        let controller_up = self.controllers.get(&id).is_some_and(|c| c.alive);
        if !broker_up && !controller_up {
            return Err((
                KafkaError::BrokerNotAvailable,
                format!("{addr} is not running"),
            ));
        }
        if broker_up {
            self.crash_broker(BrokerId(id), out);
        }
        if controller_up {
            self.crash_controller(id, out);
        }
        Ok(())
    }

    /// Starts a crashed node process again (every role it has).
    fn restart_node(
        &mut self,
        addr: NodeAddr,
        out: &mut Vec<Event>,
    ) -> Result<(), (KafkaError, String)> {
        let id = self.node_id_of(&addr)?;
        let broker_down = self.brokers.get(&BrokerId(id)).is_some_and(|b| !b.alive);
        let controller_down = self.controllers.get(&id).is_some_and(|c| !c.alive);
        if !broker_down && !controller_down {
            return Err((
                KafkaError::BrokerNotAvailable,
                format!("{addr} is already running"),
            ));
        }
        let mut ctx = Self::ctx(self.now, &mut self.rng, &mut self.net, out, &self.settings);
        if controller_down {
            if let Some(node) = self.controllers.get_mut(&id) {
                ctx.emit(EventKind::ControllerRestarted { controller: id });
                node.restart(&mut ctx, &self.settings.quorum);
            }
        }
        if broker_down {
            if let Some(broker) = self.brokers.get_mut(&BrokerId(id)) {
                ctx.emit(EventKind::BrokerRestarted {
                    broker: BrokerId(id),
                });
                broker.restart(&mut ctx, &self.settings);
            }
        }
        Ok(())
    }

    /// The node id behind a broker or controller address, checking that role exists.
    fn node_id_of(&self, addr: &NodeAddr) -> Result<u32, (KafkaError, String)> {
        match addr {
            NodeAddr::Broker(b) if self.brokers.contains_key(b) => Ok(b.0),
            NodeAddr::Controller(c) if self.controllers.contains_key(c) => Ok(*c),
            NodeAddr::Broker(b) => {
                Err((KafkaError::BrokerNotAvailable, format!("There is no {b}")))
            }
            NodeAddr::Controller(c) => {
                let ids: Vec<String> = self
                    .controllers
                    .keys()
                    .map(|k| format!("controller-{k}"))
                    .collect();
                Err((
                    KafkaError::BrokerNotAvailable,
                    format!(
                        "There is no controller-{c}; the controllers are {}",
                        ids.join(", ")
                    ),
                ))
            }
            NodeAddr::Client(n) => Err((
                KafkaError::InvalidRequest,
                format!("{n} is a client, not a node"),
            )),
        }
    }

    /// Kills a controller process: its connections break; its log and vote stay on disk.
    fn crash_controller(&mut self, id: u32, out: &mut Vec<Event>) {
        let mut ctx = Self::ctx(self.now, &mut self.rng, &mut self.net, out, &self.settings);
        ctx.emit(EventKind::ControllerCrashed { controller: id });
        if let Some(node) = self.controllers.get_mut(&id) {
            node.crash();
        }
        let me = NodeAddr::Controller(id);
        for env in ctx.net.remove_where(|e| e.from == me || e.to == me) {
            if env.to == me {
                bounce(&mut ctx, env);
            }
        }
    }

    fn crash_broker(&mut self, id: BrokerId, out: &mut Vec<Event>) {
        let Some(broker) = self.brokers.get_mut(&id).filter(|b| b.alive) else {
            return;
        };
        // The group and transaction coordinators' state is in memory: gone with the process.
        self.groups.crash(id);
        self.txns.crash(id);
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
                        request: Some(d.id),
                    };
                    ctx.send(me.clone(), NodeAddr::Client(d.client.clone()), rpc);
                }
                for f in &l.parked_fetches {
                    let rpc = Rpc::Disconnected {
                        api: "Fetch".into(),
                        tp: Some(tp.clone()),
                        request: None,
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
                Rpc::ProduceResponse { request, tp, .. } => {
                    Some(("Produce", Some(tp.clone()), Some(*request)))
                }
                Rpc::FetchResponse { tp, .. } => Some(("Fetch", Some(tp.clone()), None)),
                Rpc::InitProducerIdResponse { .. } => Some(("InitProducerId", None, None)),
                Rpc::ConsumerFetchResponse { tp, .. } => Some(("Fetch", Some(tp.clone()), None)),
                Rpc::ListOffsetsResponse { tp, .. } => {
                    Some(("ListOffsets", Some(tp.clone()), None))
                }
                r @ (Rpc::FindCoordinatorResponse { .. }
                | Rpc::JoinGroupResponse { .. }
                | Rpc::SyncGroupResponse { .. }
                | Rpc::HeartbeatResponse { .. }
                | Rpc::OffsetCommitResponse { .. }
                | Rpc::OffsetFetchResponse { .. }
                | Rpc::FindTxnCoordinatorResponse { .. }
                | Rpc::InitTxnProducerIdResponse { .. }
                | Rpc::AddPartitionsToTxnResponse { .. }
                | Rpc::AddOffsetsToTxnResponse { .. }
                | Rpc::TxnOffsetCommitResponse { .. }
                | Rpc::EndTxnResponse { .. }) => {
                    Some((r.api().trim_end_matches("Response"), None, None))
                }
                _ => None,
            };
            if let Some((api, tp, request)) = notice {
                ctx.send(
                    me.clone(),
                    env.to,
                    Rpc::Disconnected {
                        api: api.into(),
                        tp,
                        request,
                    },
                );
            }
        }
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
        if let Some(n) = name
            .strip_prefix("controller-")
            .and_then(|n| n.parse::<u32>().ok())
        {
            if self.controllers.contains_key(&n) {
                return Ok(NodeAddr::Controller(n));
            }
        }
        if name == "controller" && self.controllers.len() == 1 {
            if let Some(&id) = self.controllers.keys().next() {
                return Ok(NodeAddr::Controller(id));
            }
        }
        if self.clients.producers.contains_key(name) || self.consumers.contains(name) {
            return Ok(NodeAddr::Client(name.to_string()));
        }
        let mut known: Vec<String> = self.brokers.keys().map(|b| b.to_string()).collect();
        known.extend(self.controllers.keys().map(|c| format!("controller-{c}")));
        known.extend(self.clients.producers.keys().cloned());
        known.extend(self.consumers.consumers.keys().cloned());
        Err((
            KafkaError::InvalidRequest,
            format!("Unknown node '{name}'. Known nodes: {}", known.join(", ")),
        ))
    }

    fn every_node(&self) -> Vec<NodeAddr> {
        let mut v: Vec<NodeAddr> = self.brokers.keys().map(|b| NodeAddr::Broker(*b)).collect();
        v.extend(self.controllers.keys().map(|c| NodeAddr::Controller(*c)));
        v.extend(
            self.clients
                .producers
                .keys()
                .map(|p| NodeAddr::Client(p.clone())),
        );
        v.extend(
            self.consumers
                .consumers
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
        for (tp, p) in &self.image().partitions {
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
        self.check_quorum()?;
        self.check_acked_writes_survive()?;
        self.check_groups()
    }

    /// Raft safety for the metadata quorum: one leader per epoch, and committed records are the
    /// same on every voter (Kafka: the KRaft TLA+ spec's `LeaderCompleteness` / `NoLogDivergence`).
    fn check_quorum(&self) -> Result<(), String> {
        let mut leaders: BTreeMap<u32, u32> = BTreeMap::new();
        let live: Vec<&ControllerNode> = self.controllers.values().filter(|c| c.alive).collect();
        for c in &live {
            if c.raft.is_leader() {
                if let Some(other) = leaders.insert(c.raft.epoch, c.id) {
                    return Err(format!(
                        "two quorum leaders (controller-{other}, controller-{}) in epoch {}",
                        c.id, c.raft.epoch
                    ));
                }
            }
            if c.raft.high_watermark > c.raft.end_offset() {
                return Err(format!(
                    "controller-{}: metadata HW beyond its log end",
                    c.id
                ));
            }
        }
        // Two controllers may both believe they are active for a moment (an old leader cut off
        // from the quorum has not resigned yet), but only in different epochs, and the old one
        // can no longer commit anything (checked below: committed logs never disagree).
        for (i, a) in self.controllers.values().enumerate() {
            for b in self.controllers.values().skip(i + 1) {
                // Log matching: equal entries at the last common committed offset (checked every
                // step, so every committed offset gets checked as the HW moves).
                let upto = a.raft.high_watermark.min(b.raft.high_watermark) as usize;
                if upto > 0 && a.raft.log.get(upto - 1) != b.raft.log.get(upto - 1) {
                    return Err(format!(
                        "controller-{} and controller-{} disagree on committed metadata below offset {upto}",
                        a.id, b.id
                    ));
                }
            }
        }
        Ok(())
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
                || self.image().unclean_elected.contains(&call.tp)
            {
                continue;
            }
            let Some(leader) = self.image().partitions.get(&call.tp).and_then(|p| p.leader) else {
                continue;
            };
            let Some(b) = self.brokers.get(&leader).filter(|b| b.alive) else {
                continue;
            };
            let Some(p) = b.partitions.get(&call.tp).filter(|p| p.is_leader()) else {
                continue;
            };
            // Retention deletes old segments and compaction removes superseded records: an
            // acknowledged record may be gone below the log start or in the cleaned part.
            let o = Offset(*offset as u64);
            let cleaned = p.log.segments.cleaner_checkpoint.is_some_and(|c| o < c);
            if o < p.log.log_start_offset() || cleaned {
                continue;
            }
            let rec = p.log.records().get(*offset as usize);
            if rec.and_then(|r| r.produce_id) != Some(call.id) {
                return Err(format!("{}: acknowledged acks=all produce#{} at offset {offset} is missing from leader {leader}", call.tp, call.id.0));
            }
        }
        Ok(())
    }

    /// Appends one [`MetricsSample`] to the history (dropping the oldest beyond
    /// [`HISTORY_SAMPLES`]).
    fn sample_metrics(&mut self) {
        let m = self.metrics();
        let (mut isr_members, mut replicas) = (0, 0);
        for p in self.image().partitions.values() {
            isr_members += p.isr.len() as u32;
            replicas += p.replicas.len() as u32;
        }
        let st = &self.clients.stats;
        let sample = MetricsSample {
            t_ms: self.now_ms(),
            record_send_total: m.record_send_total,
            record_error_total: m.record_error_total,
            completed_total: st.ok + st.failed,
            latency_ms_sum: st.latency_ms_sum,
            isr_members,
            replicas,
            under_replicated_partitions: m.under_replicated_partitions,
            under_min_isr_partition_count: m.under_min_isr_partition_count,
            offline_partitions_count: m.offline_partitions_count,
            max_lag: m.max_lag,
        };
        if self.history.len() == HISTORY_SAMPLES {
            self.history.pop_front();
        }
        self.history.push_back(sample);
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
        let fenced = |b: BrokerId| !self.image().is_unfenced(b);
        let brokers = self
            .brokers
            .values()
            .map(|b| BrokerView {
                id: b.id,
                alive: b.alive,
                fenced: fenced(b.id),
            })
            .collect();
        // Heartbeats are not metadata records: only the active controller tracks them, in memory
        // (Kafka's `BrokerHeartbeatManager`), so a heartbeat's age comes from its image when
        // there is one; the committed image only has the time of the registration.
        let live = self
            .controllers
            .values()
            .filter(|c| c.alive)
            .find_map(|c| c.active.as_ref());
        let registrations = self
            .image()
            .registrations
            .iter()
            .map(|(b, r)| {
                let last = live
                    .and_then(|a| a.registrations.get(b))
                    .map_or(r.last_heartbeat, |x| x.last_heartbeat);
                RegistrationView {
                    broker: *b,
                    broker_epoch: r.broker_epoch,
                    fenced: r.fenced,
                    ms_since_heartbeat: (self.now.0 - last.0.min(self.now.0)) * MS_PER_TICK,
                }
            })
            .collect();
        let topics = self
            .image()
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
                idempotent: p.idempotent(),
                producer_id: p.producer_id,
                batches: self.clients.batch_views(&p.name, self.now),
                transaction: p.txn().map(|t| TxnClientView {
                    transactional_id: t.transactional_id.clone(),
                    state: t.state.name().to_string(),
                    coordinator: t.coordinator,
                    partitions: t.partitions.iter().cloned().collect(),
                    last_error: t.last_error.clone(),
                    committed: t.committed,
                    aborted: t.aborted,
                }),
                perf_test: p.perf.as_ref().map(|t| {
                    let elapsed_ms = (self.now.0 - t.total.start.0) * MS_PER_TICK;
                    PerfTestView {
                        topic: t.topic.clone(),
                        num_records: t.num_records,
                        record_size: t.record_size,
                        throughput: t.throughput,
                        sent: t.sent,
                        completed: t.total.records,
                        errors: t.total.errors,
                        elapsed_ms,
                        records_per_sec: t.total.records * 1000 / elapsed_ms.max(1),
                        latency_ms_avg: t.total.latency_ms_sum / t.total.records.max(1),
                        latency_ms_max: t.total.latency_ms_max,
                        finished: t.finished,
                    }
                }),
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
                node_id: self
                    .controllers
                    .values()
                    .find(|c| c.is_active())
                    .map_or(self.image().node_id, |c| c.id),
                registrations,
            },
            quorum: self.quorum_view(),
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
            history: self.history.iter().cloned().collect(),
            groups: self.group_views(),
            consumers: self.consumer_views(),
            transactions: self.transaction_views(),
        }
    }

    fn quorum_view(&self) -> QuorumView {
        let n = self.controllers.len() as u32;
        let voters: Vec<VoterView> = self
            .controllers
            .values()
            .map(|c| VoterView {
                id: c.id,
                alive: c.alive,
                combined: self.brokers.contains_key(&BrokerId(c.id)),
                role: c.role().map(|r| r.name().to_string()),
                epoch: c.raft.epoch,
                leader: c.raft.leader,
                voted_for: c.raft.voted_for,
                log_end_offset: c.raft.end_offset(),
                high_watermark: c.raft.high_watermark,
                active: c.is_active(),
            })
            .collect();
        let hw = self
            .controllers
            .values()
            .map(|c| c.raft.high_watermark)
            .max()
            .unwrap_or(0);
        // The log of the leader if one is running, else the longest running one.
        let source = self
            .controllers
            .values()
            .filter(|c| c.alive)
            .max_by_key(|c| {
                (
                    c.raft.is_leader(),
                    c.raft.end_offset(),
                    std::cmp::Reverse(c.id),
                )
            });
        let log = source
            .map(|c| {
                let entries = &c.raft.log;
                let first = entries.len().saturating_sub(META_RECORDS_IN_VIEW);
                entries[first..]
                    .iter()
                    .enumerate()
                    .map(|(i, e)| {
                        let offset = (first + i) as u64;
                        MetaRecordView {
                            offset,
                            epoch: e.epoch,
                            record: e.record.type_name().to_string(),
                            summary: crate::kraft::record_summary(&e.record),
                            committed: offset < hw,
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        QuorumView {
            active_controller: self
                .controllers
                .values()
                .find(|c| c.is_active())
                .map(|c| c.id),
            epoch: self
                .controllers
                .values()
                .filter(|c| c.alive)
                .map(|c| c.raft.epoch)
                .max()
                .unwrap_or(0),
            majority: n / 2 + 1,
            failures_tolerated: n.saturating_sub(1) / 2,
            high_watermark: hw,
            voters,
            log,
        }
    }

    fn topic_view(&self, t: &crate::kraft::TopicMeta) -> TopicView {
        let partitions = (0..t.partitions)
            .filter_map(|i| {
                self.image()
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

    /// Every transactional id held by a live coordinator (`kafka-transactions --describe`).
    fn transaction_views(&self) -> Vec<TransactionView> {
        let n = self.txns.settings.num_partitions;
        let mut out = vec![];
        for (b, c) in &self.txns.by_broker {
            if !self.brokers.get(b).is_some_and(|x| x.alive) {
                continue;
            }
            for m in c.txns.values() {
                let started = !matches!(
                    m.state,
                    crate::transactions::TxnState::Empty
                        | crate::transactions::TxnState::CompleteCommit
                        | crate::transactions::TxnState::CompleteAbort
                );
                out.push(TransactionView {
                    transactional_id: m.transactional_id.clone(),
                    coordinator: *b,
                    state_partition: crate::transactions::partition_for(&m.transactional_id, n),
                    state: m.state.to_string(),
                    pending_state: m.pending_state.map(|s| s.to_string()),
                    producer_id: m.producer_id,
                    producer_epoch: m.producer_epoch,
                    timeout_ms: m.timeout_ms,
                    partitions: m.partitions.iter().cloned().collect(),
                    ms_since_start: started.then(|| self.now_ms().saturating_sub(m.txn_start_ms)),
                    markers_pending: c
                        .markers
                        .get(&m.transactional_id)
                        .map(|pm| pm.partitions.keys().cloned().collect())
                        .unwrap_or_default(),
                });
            }
        }
        out.sort_by(|a, b| a.transactional_id.cmp(&b.transactional_id));
        out
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
                            rs.iter_from(rs.len().saturating_sub(RECORDS_IN_VIEW))
                                .map(|r| RecordView {
                                    offset: r.offset,
                                    leader_epoch: r.leader_epoch,
                                    key: r.key.as_deref().map(str::to_string),
                                    value: r.value.as_deref().map(str::to_string),
                                    batch_kind: r.producer.map(|s| s.kind),
                                    producer_id: r.producer.map(|s| s.producer_id),
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                    log_start_offset: log.map(|l| l.log_start_offset()).unwrap_or_default(),
                    segment_count: log.map_or(0, |l| l.segments.list.len() as u32),
                    segments: log.map(segment_views).unwrap_or_default(),
                    cleaner: log.and_then(|l| cleaner_view(l, self.now.0 * MS_PER_TICK)),
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
            last_stable_offset: leader_replica.map(|r| r.log.last_stable_offset()),
            ongoing_transactions: leader_replica
                .map(|r| r.log.ongoing_txns().iter().map(|(p, o)| (*p, *o)).collect())
                .unwrap_or_default(),
            aborted_transactions: leader_replica
                .map(|r| r.log.aborted_txns().to_vec())
                .unwrap_or_default(),
            under_replicated: p.leader.is_some() && p.isr.len() < p.replicas.len(),
            under_min_isr: p.leader.is_some() && p.isr.len() < effective_min,
            replica_states,
        }
    }

    fn metrics(&self) -> Metrics {
        let mut m = Metrics::default();
        for p in self.image().partitions.values() {
            let effective_min = (p.min_insync_replicas as usize).min(p.replicas.len());
            if p.leader.is_none() {
                m.offline_partitions_count += 1;
            } else {
                m.under_replicated_partitions += (p.isr.len() < p.replicas.len()) as u32;
                m.under_min_isr_partition_count += (p.isr.len() < effective_min) as u32;
            }
        }
        for r in self.image().registrations.values() {
            if r.fenced {
                m.fenced_broker_count += 1;
            } else {
                m.active_broker_count += 1;
            }
        }
        m.active_controller_count =
            self.controllers.values().filter(|c| c.is_active()).count() as u32;
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
        m.request_latency_max_ms = st.latency_ms_max;
        m.batch_size_avg = st.bytes_sent.checked_div(st.requests).unwrap_or(0);
        m.records_per_request_avg_x100 = (st.records_sent * 100)
            .checked_div(st.requests)
            .unwrap_or(0);
        m.record_retry_total = st.retries;
        m.compression_rate_avg_x100 = (st.bytes_sent * 100)
            .checked_div(st.uncompressed_bytes_sent)
            .unwrap_or(100);
        m
    }
}

/// A request delivered to (or cut on its way to) a dead node: the sender sees the connection
/// close. Other messages to a dead node are simply lost.
fn bounce(ctx: &mut Ctx, env: Envelope) {
    let (api, tp, request) = match &env.rpc {
        Rpc::Produce {
            request, tp, acks, ..
        } => {
            if *acks == crate::config::Acks::Zero {
                return;
            }
            ("Produce", Some(tp.clone()), Some(*request))
        }
        Rpc::InitProducerId => ("InitProducerId", None, None),
        Rpc::Fetch { tp, .. } => ("Fetch", Some(tp.clone()), None),
        // Controller requests: the broker's channel to the controller sees the connection fail
        // and looks for the active controller elsewhere.
        Rpc::AlterPartition { tp, .. } => ("AlterPartition", Some(tp.clone()), None),
        Rpc::BrokerHeartbeat { .. } => ("BrokerHeartbeat", None, None),
        Rpc::BrokerRegistration { .. } => ("BrokerRegistration", None, None),
        Rpc::ConsumerFetch { tp, .. } => ("Fetch", Some(tp.clone()), None),
        Rpc::ListOffsets { tp, .. } => ("ListOffsets", Some(tp.clone()), None),
        r if crate::group_coordinator::is_group_request(r) => (r.api(), None, None),
        r @ (Rpc::FindTxnCoordinator { .. }
        | Rpc::InitTxnProducerId { .. }
        | Rpc::AddPartitionsToTxn { .. }
        | Rpc::AddOffsetsToTxn { .. }
        | Rpc::EndTxn { .. }) => (r.api(), None, None),
        _ => return,
    };
    ctx.send(
        env.to,
        env.from,
        Rpc::Disconnected {
            api: api.into(),
            tp,
            request,
        },
    );
}

/// The newest segments of a replica's log.
fn segment_views(log: &crate::log::Log) -> Vec<crate::snapshot::SegmentView> {
    let list = &log.segments.list;
    let last = list.len() - 1;
    let first = list.len().saturating_sub(crate::snapshot::SEGMENTS_IN_VIEW);
    list[first..]
        .iter()
        .enumerate()
        .map(|(i, s)| crate::snapshot::SegmentView {
            base_offset: s.base_offset,
            size_bytes: s.bytes,
            records: s.records,
            active: first + i == last,
            cleaned: s.cleaned,
            largest_timestamp_ms: s.max_timestamp as u64,
            delete_horizon_ms: s.delete_horizon_ms,
        })
        .collect()
}

/// The cleaner's view of a compacted log (`None` for other logs).
fn cleaner_view(log: &crate::log::Log, now_ms: u64) -> Option<crate::snapshot::CleanerView> {
    let cfg = &log.segments.config;
    if !cfg.compact {
        return None;
    }
    let ltc = crate::cleaner::log_to_clean(log, now_ms);
    Some(crate::snapshot::CleanerView {
        checkpoint: log.segments.cleaner_checkpoint,
        first_dirty_offset: ltc.first_dirty_offset,
        first_uncleanable_offset: ltc.first_uncleanable_offset,
        clean_bytes: ltc.clean_bytes,
        cleanable_bytes: ltc.cleanable_bytes,
        dirty_percent: (ltc.cleanable_ratio() / 10_000) as u32,
        cleanable: ltc.should_clean(cfg.min_cleanable_dirty_ratio),
    })
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
        key: c.key.as_deref().map(str::to_string),
        value: c.value.as_deref().map(str::to_string),
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

/// The committed image of the controller that has replayed the most (running ones first).
fn best_image(controllers: &BTreeMap<u32, ControllerNode>) -> &Controller {
    let best = controllers
        .values()
        .max_by_key(|c| (c.alive, c.applied(), std::cmp::Reverse(c.id)))
        .expect("a cluster has at least one controller");
    &best.committed
}

/// The quorum's voters, checked the way Kafka checks `process.roles` and
/// `controller.quorum.voters` at startup (`KafkaConfig.validateValues`), plus the rule that every
/// node must list the same voters.
fn quorum_voters(spec: &ClusterSpec, brokers: &[u32]) -> Result<Vec<u32>, ConfigError> {
    let err = |key: &str, message: String| ConfigError {
        key: key.to_string(),
        message,
    };
    let voter_ids = |v: &str| -> Result<Vec<u32>, ConfigError> {
        let mut ids: Vec<u32> = crate::config::parse_voters(v)
            .map_err(|m| err("controller.quorum.voters", m))?
            .into_iter()
            .map(|(id, _, _)| id)
            .collect();
        ids.sort_unstable();
        Ok(ids)
    };
    // Every voters list given (cluster-wide and per node), with where it came from.
    let mut lists: Vec<(String, String, Vec<u32>)> = vec![];
    if let Some(v) = spec.configs.get("controller.quorum.voters") {
        lists.push(("configs".into(), v.clone(), voter_ids(v)?));
    }
    for (node, cfg) in &spec.node_configs {
        for key in cfg.keys() {
            if key != "process.roles" && key != "controller.quorum.voters" && key != "node.id" {
                return Err(err(
                    key,
                    format!("node {node}: per-node configs may set process.roles, controller.quorum.voters and node.id; put cluster-wide settings such as {key} in configs"),
                ));
            }
        }
        if let Some(v) = cfg.get("controller.quorum.voters") {
            lists.push((format!("node {node}"), v.clone(), voter_ids(v)?));
        }
    }
    let mut voters: Vec<u32> = if !spec.controllers.is_empty() {
        spec.controllers.clone()
    } else if let Some((_, _, ids)) = lists.first() {
        ids.clone()
    } else {
        vec![CONTROLLER_NODE_ID]
    };
    voters.sort_unstable();
    let n = voters.len();
    voters.dedup();
    if voters.len() != n || voters.is_empty() {
        return Err(err(
            "controllers",
            "Controller node.id values must be unique and at least one controller is needed".into(),
        ));
    }
    let set = |ids: &[u32]| {
        let v: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
        format!("[{}]", v.join(", "))
    };
    // Identical everywhere: a node with a different voter set would form its own quorum.
    if let Some((first_src, first_v, first_ids)) = lists.first() {
        for (src, v, ids) in &lists[1..] {
            if ids != first_ids {
                return Err(err(
                    "controller.quorum.voters",
                    format!("controller.quorum.voters must be identical on every node: {first_src} has \"{first_v}\" but {src} has \"{v}\""),
                ));
            }
        }
        if *first_ids != voters {
            return Err(err(
                "controller.quorum.voters",
                format!("controller.quorum.voters ({first_src}: \"{first_v}\") names voters {} but the controllers are {}", set(first_ids), set(&voters)),
            ));
        }
    }
    for (node, cfg) in &spec.node_configs {
        let is_broker = brokers.contains(node);
        let is_controller = voters.contains(node);
        if !is_broker && !is_controller {
            return Err(err(
                "node_configs",
                format!(
                    "node_configs names node {node}, which is neither a broker nor a controller"
                ),
            ));
        }
        if let Some(id) = cfg.get("node.id") {
            if id.trim() != node.to_string() {
                return Err(err(
                    "node.id",
                    format!("node {node}: node.id is set to {id}"),
                ));
            }
        }
        let Some(roles) = cfg.get("process.roles") else {
            continue;
        };
        let (has_broker, has_controller) =
            crate::config::parse_roles(roles).map_err(|m| err("process.roles", m))?;
        // Kafka: KafkaConfig.validateValues (KRaft mode).
        if has_controller && !is_controller {
            return Err(err(
                "process.roles",
                format!("If process.roles contains the 'controller' role, the node id {node} must be included in the set of voters controller.quorum.voters={}", set(&voters)),
            ));
        }
        if !has_controller && is_controller {
            return Err(err(
                "process.roles",
                format!("If process.roles contains just the 'broker' role, the node id {node} must not be included in the set of voters controller.quorum.voters={}", set(&voters)),
            ));
        }
        if has_broker != is_broker {
            return Err(err(
                "process.roles",
                format!(
                    "node {node}: process.roles={roles} but the node is {} in brokers",
                    if is_broker { "listed" } else { "not listed" }
                ),
            ));
        }
    }
    Ok(voters)
}
