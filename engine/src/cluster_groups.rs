//! The cluster's consumer-group glue: consumer commands, group/consumer snapshot views and the
//! group invariants. Kept out of `cluster.rs` so that file only gains a few hooks.

use super::Cluster;
use crate::config::{ConfigScope, Configs, MS_PER_TICK};
use crate::consumer::seek::SeekTarget;
use crate::consumer::{App, Consumer, ConsumerSettings};
use crate::errors::KafkaError;
use crate::events::{Event, EventKind};
use crate::group_coordinator::GroupState;
use crate::ids::{NodeAddr, TopicPartition};
use crate::network::Rpc;
use crate::snapshot::{ConsumerView, GroupMemberView, GroupPartitionView, GroupView, LedgerView};
use std::collections::{BTreeMap, BTreeSet};

impl Cluster {
    pub(super) fn add_consumer(
        &mut self,
        name: String,
        topics: Vec<String>,
        configs: BTreeMap<String, String>,
        out: &mut Vec<Event>,
    ) -> Result<(), (KafkaError, String)> {
        if self.consumers.contains(&name) || self.clients.producers.contains_key(&name) {
            return Err((
                KafkaError::ConfigException,
                format!("A client named '{name}' already exists"),
            ));
        }
        if topics.is_empty() {
            return Err((
                KafkaError::InvalidRequest,
                "subscribe() needs at least one topic".into(),
            ));
        }
        let cfg = Configs::from_map(ConfigScope::Consumer, &configs)
            .map_err(|e| (KafkaError::ConfigException, e.message))?;
        let mut settings =
            ConsumerSettings::from_configs(&cfg).map_err(|m| (KafkaError::ConfigException, m))?;
        if let Some(id) = settings
            .stream
            .as_mut()
            .and_then(|s| s.transactional_id.as_mut())
            .filter(|id| id.is_empty())
        {
            *id = name.clone();
        }
        let group = settings.group_id.clone();
        let semantics = settings.semantics;
        // The snapshot shows the preset's configs as the consumer's own.
        let cfg = crate::delivery::apply(&cfg).map_err(|m| (KafkaError::ConfigException, m))?;
        if let Some(stream) = settings.stream.clone() {
            self.add_app_producer(&name, &stream, out)?;
        }
        let c = Consumer::new(
            name.clone(),
            topics.clone(),
            settings,
            cfg.overrides,
            self.now,
        );
        self.consumers.consumers.insert(name.clone(), c);
        out.push(Event {
            at_ms: self.now_ms(),
            kind: EventKind::ConsumerAdded {
                consumer: name.clone(),
                group,
                topics,
            },
        });
        if let Some(s) = semantics {
            out.push(Event {
                at_ms: self.now_ms(),
                kind: EventKind::DeliverySemanticsApplied {
                    consumer: name,
                    semantics: s,
                    configs: s
                        .configs()
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                },
            });
        }
        Ok(())
    }

    /// The producer of a consume-transform-produce application: idempotent, and transactional
    /// with the application's transactional.id (initTransactions() at once).
    fn add_app_producer(
        &mut self,
        consumer: &str,
        stream: &crate::consumer::StreamSettings,
        out: &mut Vec<Event>,
    ) -> Result<(), (KafkaError, String)> {
        let name = crate::consumer::app_producer_name(consumer);
        if self.clients.producers.contains_key(&name) || self.consumers.contains(&name) {
            return Err((
                KafkaError::ConfigException,
                format!("A client named '{name}' already exists"),
            ));
        }
        let mut configs = BTreeMap::from([
            ("acks".to_string(), "all".to_string()),
            ("enable.idempotence".to_string(), "true".to_string()),
            ("linger.ms".to_string(), "0".to_string()),
        ]);
        if let Some(id) = &stream.transactional_id {
            configs.insert("transactional.id".into(), id.clone());
            configs.insert(
                "transaction.timeout.ms".into(),
                stream.transaction_timeout_ms.to_string(),
            );
        }
        let cfg = Configs::from_map(ConfigScope::Producer, &configs)
            .map_err(|e| (KafkaError::ConfigException, e.message))?;
        self.clients.producers.insert(
            name.clone(),
            crate::producer::Producer::new(name.clone(), cfg),
        );
        out.push(Event {
            at_ms: self.now_ms(),
            kind: EventKind::ProducerAdded {
                producer: name.clone(),
            },
        });
        if stream.transactional_id.is_some() {
            self.clients.init_transactions(&name)?;
        }
        Ok(())
    }

    /// Carries out what consume-transform-produce applications asked of their producers this
    /// tick (begin, send, sendOffsetsToTransaction + commit) and moves applications waiting for
    /// a commit or a flush on.
    pub(super) fn drive_stream_apps(&mut self, out: &mut Vec<Event>) {
        if self.consumers.is_empty() {
            return;
        }
        let names: Vec<String> = self
            .consumers
            .consumers
            .values()
            .filter(|c| c.alive && c.failed.is_none() && c.settings.stream.is_some())
            .map(|c| c.name.clone())
            .collect();
        for name in names {
            self.drive_stream_app(&name, out);
        }
    }

    fn drive_stream_app(&mut self, name: &str, out: &mut Vec<Event>) {
        use crate::consumer::{App, AppAction};
        use crate::producer::TxnClientState as S;
        let producer = crate::consumer::app_producer_name(name);
        let alive = self.alive();
        let mut ctx = Self::ctx(self.now, &mut self.rng, &mut self.net, out, &self.settings);
        let image = super::best_image(&self.controllers);
        let Some(c) = self.consumers.consumers.get_mut(name) else {
            return;
        };
        let transactional = c
            .settings
            .stream
            .as_ref()
            .is_some_and(|s| s.transactional_id.is_some());
        let txn = |clients: &crate::producer::Clients| {
            clients
                .producers
                .get(&producer)
                .and_then(|p| p.txn())
                .map(|t| (t.state, t.committed, t.last_error.clone()))
        };
        let state = txn(&self.clients);
        c.stream_ready = !transactional
            || state
                .as_ref()
                .is_some_and(|(s, _, _)| !matches!(s, S::Uninitialized | S::Initializing));
        if let Some((S::FatalError, _, e)) = &state {
            let message = format!(
                "the application's producer failed: {}",
                e.clone().unwrap_or_default()
            );
            ctx.emit(EventKind::ConsumerError {
                consumer: name.to_string(),
                error: KafkaError::ProducerFenced,
                message: message.clone(),
            });
            c.failed = Some(message);
            // A fenced zombie's open transaction is aborted by the coordinator.
            crate::consumer::settle_transaction(
                c,
                &mut self.consumers.ledger,
                &mut self.consumers.aborted,
                false,
            );
            return;
        }
        let mut failure = None;
        for a in std::mem::take(&mut c.actions) {
            let r = match a {
                AppAction::BeginTransaction => self.clients.begin_transaction(&mut ctx, &producer),
                AppAction::Send {
                    topic,
                    key,
                    value,
                    dead_letter,
                } => {
                    if let Some((tp, offset)) = dead_letter {
                        ctx.emit(EventKind::RecordToDeadLetterQueue {
                            consumer: name.to_string(),
                            tp,
                            offset,
                            dlq: topic.clone(),
                        });
                    }
                    let mut rng = crate::rng::Rng::new(ctx.rng.next_u64());
                    self.clients
                        .produce(
                            &mut ctx,
                            &mut rng,
                            image,
                            &alive,
                            &producer,
                            &topic,
                            None,
                            key.as_deref().map(str::to_string),
                            value.as_deref().map(str::to_string),
                        )
                        .map(|_| ())
                }
                AppAction::CommitTransaction { offsets } => {
                    let before = txn(&self.clients).map_or(0, |t| t.1);
                    c.app = App::AwaitingTransaction {
                        committed_before: before,
                    };
                    self.clients
                        .send_offsets_to_transaction(
                            &producer,
                            &c.settings.group_id,
                            &c.member_id,
                            c.generation,
                            offsets,
                        )
                        .and_then(|()| self.clients.end_transaction(&mut ctx, &producer, true))
                }
            };
            if let Err(e) = r {
                failure.get_or_insert(e);
            }
        }
        if let Some((error, message)) = failure {
            ctx.emit(EventKind::ConsumerRequestFailed {
                consumer: name.to_string(),
                api: "producer".into(),
                error,
                action: message,
            });
        }
        let state = txn(&self.clients);
        match (&c.app, state) {
            (App::AwaitingTransaction { committed_before }, Some((S::Ready, committed, _))) => {
                let aborted = committed <= *committed_before;
                crate::consumer::settle_transaction(
                    c,
                    &mut self.consumers.ledger,
                    &mut self.consumers.aborted,
                    !aborted,
                );
                if aborted {
                    // Aborted: go back to the group's committed offsets (Kafka: the
                    // application seeks to the last committed position and reprocesses).
                    c.positions.clear();
                    c.buffer.clear();
                    c.fetched_end.clear();
                }
                c.app = App::Idle {
                    next_poll_at: ctx.now,
                };
            }
            (
                App::AwaitingTransaction { .. },
                Some((S::AbortableError | S::InTransaction, _, _)),
            ) => {
                let _ = self.clients.end_transaction(&mut ctx, &producer, false);
            }
            (App::Flushing, _) => {
                let flushed = self.clients.producers.get(&producer).is_none_or(|p| {
                    p.accumulator.values().all(|d| d.is_empty())
                        && p.in_flight.values().all(|s| s.is_empty())
                });
                if flushed {
                    crate::consumer::commit_as_configured(c, &mut ctx);
                }
            }
            _ => {}
        }
    }

    /// CrashConsumer, CloseConsumer, StopPolling, ResumePolling.
    pub(super) fn consumer_command(
        &mut self,
        name: &str,
        what: &str,
        out: &mut Vec<Event>,
    ) -> Result<(), (KafkaError, String)> {
        let now = self.now;
        let at_ms = self.now_ms();
        let Some(c) = self.consumers.consumers.get_mut(name) else {
            let known: Vec<String> = self.consumers.consumers.keys().cloned().collect();
            return Err((
                KafkaError::InvalidRequest,
                format!(
                    "No consumer named '{name}'. Consumers: {}",
                    known.join(", ")
                ),
            ));
        };
        if !c.alive {
            return Err((
                KafkaError::InvalidRequest,
                format!("Consumer '{name}' is not running"),
            ));
        }
        out.push(Event {
            at_ms,
            kind: EventKind::ConsumerLifecycle {
                consumer: name.to_string(),
                what: what.to_string(),
            },
        });
        let mut ctx = Self::ctx(now, &mut self.rng, &mut self.net, out, &self.settings);
        match what {
            "crashed" => {
                c.alive = false;
                // Its open transaction will be aborted (timeout, or fenced by a successor).
                crate::consumer::settle_transaction(
                    c,
                    &mut self.consumers.ledger,
                    &mut self.consumers.aborted,
                    false,
                );
                // The application's producer dies with it (its open transaction is left to
                // transaction.timeout.ms).
                self.clients
                    .producers
                    .remove(&crate::consumer::app_producer_name(name));
                let me = NodeAddr::Client(name.to_string());
                // Its connections close; answers on their way to it are lost.
                ctx.net.remove_where(|e| e.to == me);
            }
            "closed" => {
                // Kafka: KafkaConsumer.close → commitSync (auto-commit) + LeaveGroup.
                c.alive = false;
                if let Some(coord) = c.coordinator.filter(|_| c.generation >= 0) {
                    let from = NodeAddr::Client(name.to_string());
                    if c.settings.enable_auto_commit {
                        let offsets: Vec<(TopicPartition, u64)> = c
                            .assignment
                            .iter()
                            .filter_map(|tp| c.positions.get(tp).map(|o| (tp.clone(), *o)))
                            .collect();
                        if !offsets.is_empty() {
                            let rpc = Rpc::OffsetCommit {
                                group: c.settings.group_id.clone(),
                                generation: c.generation,
                                member_id: c.member_id.clone(),
                                request: 0,
                                offsets,
                            };
                            ctx.send(from.clone(), NodeAddr::Broker(coord), rpc);
                        }
                    }
                    // KIP-848: leave with member epoch -1. KIP-345: a static member does not
                    // leave (its session keeps its partitions for a restart).
                    if let Some(rpc) = crate::consumer::group_consumer::leave_request(c) {
                        ctx.send(from, NodeAddr::Broker(coord), rpc);
                        crate::consumer::group_consumer::mark_leaving(c);
                    } else if c.membership.is_none() && c.instance_id().is_none() {
                        let rpc = Rpc::LeaveGroup {
                            group: c.settings.group_id.clone(),
                            member_id: c.member_id.clone(),
                        };
                        ctx.send(from, NodeAddr::Broker(coord), rpc);
                    }
                }
            }
            "stopped calling poll()" => c.polling = false,
            _ => {
                c.polling = true;
                c.last_poll = now;
                c.app = crate::consumer::App::Idle { next_poll_at: now };
            }
        }
        Ok(())
    }

    /// The partitions a seekToBeginning / seekToEnd names (none: every assigned partition).
    pub(super) fn seek_partitions(
        &self,
        consumer: &str,
        topic: Option<String>,
        partition: Option<u32>,
    ) -> Vec<TopicPartition> {
        match (topic, partition) {
            (Some(t), Some(p)) => vec![TopicPartition::new(t.as_str(), p)],
            (Some(t), None) => self
                .consumers
                .consumers
                .get(consumer)
                .map(|c| {
                    c.assignment
                        .iter()
                        .filter(|tp| tp.topic == t)
                        .cloned()
                        .collect()
                })
                .unwrap_or_default(),
            _ => vec![],
        }
    }

    /// Seek, SeekToBeginning, SeekToEnd.
    pub(super) fn seek_command(
        &mut self,
        name: &str,
        tps: Vec<TopicPartition>,
        target: SeekTarget,
        out: &mut Vec<Event>,
    ) -> Result<(), (KafkaError, String)> {
        let now = self.now;
        let at_ms = self.now_ms();
        let image = super::best_image(&self.controllers);
        let Some(c) = self.consumers.consumers.get_mut(name).filter(|c| c.alive) else {
            return Err((
                KafkaError::InvalidRequest,
                format!("No running consumer named '{name}'"),
            ));
        };
        let list: Vec<String> = if tps.is_empty() {
            c.assignment.iter().map(|t| t.to_string()).collect()
        } else {
            tps.iter().map(|t| t.to_string()).collect()
        };
        out.push(Event {
            at_ms,
            kind: EventKind::ConsumerLifecycle {
                consumer: name.to_string(),
                what: format!("called {}([{}])", target.call(), list.join(",")),
            },
        });
        let mut ctx = Self::ctx(now, &mut self.rng, &mut self.net, out, &self.settings);
        crate::consumer::seek::seek(c, &mut ctx, image, tps, target)
            .map_err(|m| (KafkaError::InvalidRequest, m))
    }

    /// Which running consumers of `group` (alive, not failed) hold each partition right now —
    /// the client side of the "one owner per partition" guarantee, cheap enough to check every
    /// tick in property tests.
    pub fn client_owners(&self, group: &str) -> BTreeMap<TopicPartition, Vec<String>> {
        let mut out: BTreeMap<TopicPartition, Vec<String>> = BTreeMap::new();
        for c in self.consumers.consumers.values() {
            if c.settings.group_id != group || !c.alive || c.failed.is_some() {
                continue;
            }
            for tp in &c.assignment {
                out.entry(tp.clone()).or_default().push(c.name.clone());
            }
        }
        out
    }

    /// Every consumer, for the snapshot.
    pub(super) fn consumer_views(&self) -> Vec<ConsumerView> {
        self.consumers
            .consumers
            .values()
            .map(|c| ConsumerView {
                name: c.name.clone(),
                group: c.settings.group_id.clone(),
                topics: c.topics.clone(),
                configs: c.configs.clone(),
                alive: c.alive,
                polling: c.polling,
                failed: c.failed.clone(),
                coordinator: c.coordinator,
                member_id: c.member_id.clone(),
                generation: c.generation,
                state: format!("{:?}", c.state),
                leader: c.is_leader,
                protocol: c.protocol.clone(),
                assignment: c.assignment.clone(),
                positions: c.positions.iter().map(|(t, o)| (t.clone(), *o)).collect(),
                committed: c.committed.iter().map(|(t, o)| (t.clone(), *o)).collect(),
                records_processed: c.processed,
                group_protocol: if c.membership.is_some() {
                    "consumer"
                } else {
                    "classic"
                }
                .into(),
                membership_state: c.membership.as_ref().map(|m| {
                    serde_json::to_value(m.state)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default()
                }),
                ms_since_poll: (self.now.0.saturating_sub(c.last_poll.0)) * MS_PER_TICK,
            })
            .collect()
    }

    /// The log of a partition's current leader, if it is running.
    pub(super) fn leader_log(&self, tp: &TopicPartition) -> Option<&crate::log::Log> {
        let leader = self.image().partitions.get(tp)?.leader?;
        let b = self.brokers.get(&leader).filter(|b| b.alive)?;
        Some(&b.partitions.get(tp).filter(|p| p.is_leader())?.log)
    }

    /// The high watermark of a partition's current leader, if it is running.
    fn leader_hw(&self, tp: &TopicPartition) -> Option<u64> {
        let leader = self.image().partitions.get(tp)?.leader?;
        let b = self.brokers.get(&leader).filter(|b| b.alive)?;
        let p = b.partitions.get(tp).filter(|p| p.is_leader())?;
        Some(p.log.high_watermark().0)
    }

    /// Every group a coordinator holds or a consumer names, for the snapshot.
    pub(super) fn group_views(&self) -> Vec<GroupView> {
        let mut names: BTreeSet<String> = self
            .consumers
            .consumers
            .values()
            .map(|c| c.settings.group_id.clone())
            .collect();
        for c in self.groups.by_broker.values() {
            names.extend(c.groups.keys().cloned());
        }
        names.into_iter().map(|n| self.group_view(&n)).collect()
    }

    fn group_view(&self, name: &str) -> GroupView {
        let held = self.groups.coordinator_of(name);
        let group = held.map(|(_, g)| g);
        let mut topics: BTreeSet<String> = self
            .consumers
            .consumers
            .values()
            .filter(|c| c.settings.group_id == name)
            .flat_map(|c| c.topics.iter().cloned())
            .collect();
        if let Some(g) = group {
            topics.extend(g.offsets.keys().map(|tp| tp.topic.clone()));
        }
        let cg = group.and_then(|g| g.consumer.as_deref());
        let owner = |tp: &TopicPartition| -> Option<String> {
            if let Some(cg) = cg {
                return cg
                    .members
                    .values()
                    .find(|m| {
                        m.assigned
                            .get(&tp.topic)
                            .is_some_and(|s| s.contains(&tp.partition))
                            || m.pending_revocation
                                .get(&tp.topic)
                                .is_some_and(|s| s.contains(&tp.partition))
                    })
                    .map(|m| m.client_id.clone());
            }
            group.and_then(|g| {
                g.members
                    .values()
                    .find(|m| m.assignment.contains(tp))
                    .map(|m| m.client_id.clone())
            })
        };
        let empty = BTreeMap::new();
        let ledger = self.consumers.ledger.get(name).unwrap_or(&empty);
        // Records a member should never process: transaction markers, and for read_committed
        // groups the records of aborted transactions.
        let read_committed = self
            .consumers
            .consumers
            .values()
            .any(|c| c.settings.group_id == name && c.settings.read_committed);
        let mut lv = LedgerView::default();
        let mut partitions = vec![];
        for t in &topics {
            let Some(meta) = self.image().topics.get(t) else {
                continue;
            };
            for p in 0..meta.partitions {
                let tp = TopicPartition::new(t.as_str(), p);
                let hw = self.leader_hw(&tp);
                let committed = group.and_then(|g| g.offsets.get(&tp).copied());
                if let Some(hw) = hw {
                    let counts = ledger.get(&tp).map_or(&[][..], Vec::as_slice);
                    let in_hand = |o: u64| self.in_hand(name, &tp, o);
                    let log = self.leader_log(&tp);
                    let skip =
                        |o: u64| log.is_some_and(|l| not_for_processing(l, o, read_committed));
                    crate::delivery::add_partition(&mut lv, counts, hw, committed, in_hand, skip);
                }
                partitions.push(GroupPartitionView {
                    owner: owner(&tp),
                    lag: hw.map(|h| h.saturating_sub(committed.unwrap_or(0))),
                    tp,
                    committed,
                    high_watermark: hw,
                });
            }
        }
        lv.extra_processings = ledger
            .values()
            .flatten()
            .map(|n| n.saturating_sub(1) as u64)
            .sum();
        lv.aborted = self.consumers.aborted.get(name).copied().unwrap_or(0);
        GroupView {
            group: name.to_string(),
            offsets_partition: self.groups.partition_for(name),
            coordinator: held.map(|(b, _)| b),
            state: match (group, cg) {
                (_, Some(cg)) => cg.state().to_string(),
                (Some(g), None) => g.state.to_string(),
                (None, None) => "Unknown".to_string(),
            },
            generation: match cg {
                Some(cg) => cg.group_epoch.max(0) as u32,
                None => group.map_or(0, |g| g.generation),
            },
            group_type: if cg.is_some() { "consumer" } else { "classic" }.into(),
            assignment_epoch: cg.map(|cg| cg.assignment_epoch),
            protocol: match cg {
                Some(cg) => Some(cg.last_assignor.clone().unwrap_or_else(|| "uniform".into())),
                None => group.and_then(|g| g.protocol.clone()),
            },
            leader: group.and_then(|g| g.leader.clone()),
            members: match cg {
                Some(cg) => self.consumer_group_members(cg),
                None => group
                    .map(|g| {
                        g.members
                            .values()
                            .map(|m| GroupMemberView {
                                member_id: m.member_id.clone(),
                                client_id: m.client_id.clone(),
                                assignment: m.assignment.clone(),
                                ms_until_session_expires: m
                                    .heartbeat_deadline
                                    .0
                                    .saturating_sub(self.now.0)
                                    * MS_PER_TICK,
                                group_instance_id: m.group_instance_id.clone(),
                                ..Default::default()
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            },
            partitions,
            ledger: lv,
        }
    }

    /// Whether a live member of `group` holds `tp`@`offset` in a poll() batch it has not
    /// finished processing (or will process once its commit before processing returns).
    fn in_hand(&self, group: &str, tp: &TopicPartition, offset: u64) -> bool {
        let holds = |runs: &std::collections::VecDeque<(TopicPartition, u64, u64)>| {
            runs.iter()
                .any(|(t, first, last)| t == tp && (*first..=*last).contains(&offset))
        };
        self.consumers
            .consumers
            .values()
            .filter(|c| c.alive && c.failed.is_none() && c.settings.group_id == group)
            .any(|c| {
                let held = match &c.app {
                    App::Processing { records, .. } => holds(records),
                    _ => false,
                };
                held || c.sync_commit.as_ref().is_some_and(|s| holds(&s.then))
                    || c.txn_processed
                        .iter()
                        .any(|(t, first, last)| t == tp && (*first..=*last).contains(&offset))
            })
    }

    /// The members of a KIP-848 group with their epochs and reconciliation state.
    fn consumer_group_members(
        &self,
        cg: &crate::consumer_group::ConsumerGroup,
    ) -> Vec<GroupMemberView> {
        use crate::consumer_group::to_tps;
        cg.members
            .values()
            .map(|m| GroupMemberView {
                member_id: m.member_id.clone(),
                client_id: m.client_id.clone(),
                assignment: to_tps(&m.assigned),
                ms_until_session_expires: m.session_deadline.0.saturating_sub(self.now.0)
                    * MS_PER_TICK,
                group_instance_id: None,
                member_epoch: Some(m.member_epoch),
                member_state: Some(m.state.to_string()),
                pending_revocation: to_tps(&m.pending_revocation),
                target: cg.target.get(&m.member_id).map(to_tps).unwrap_or_default(),
            })
            .collect()
    }

    /// Group invariants: a committed offset never exceeds its partition's log end; within a
    /// Stable generation each partition has at most one owner; one coordinator per group.
    pub(super) fn check_groups(&self) -> Result<(), String> {
        // Two brokers may briefly both hold a group (an old leader that has not yet applied the
        // metadata that moved the partition); only the current leader's writes can commit.
        for coord in self.groups.by_broker.values() {
            for (name, g) in &coord.groups {
                for (tp, o) in &g.offsets {
                    // After an unclean election committed data may really be gone.
                    if self.image().unclean_elected.contains(tp) {
                        continue;
                    }
                    let leo = self
                        .brokers
                        .values()
                        .filter_map(|br| br.partitions.get(tp))
                        .map(|p| p.log.log_end_offset().0)
                        .max()
                        .unwrap_or(0);
                    if *o > leo {
                        return Err(format!(
                            "group {name}: committed offset {o} for {tp} is beyond its log end {leo}"
                        ));
                    }
                }
                if let Some(cg) = &g.consumer {
                    // KIP-848: a partition is never assigned to (or being revoked from) two
                    // members at once — the reconciliation hands it over only once released.
                    if let Some((tp, who)) = cg.owners().into_iter().find(|(_, o)| o.len() > 1) {
                        return Err(format!(
                            "consumer group {name} epoch {}: {tp} owned by {} at once",
                            cg.group_epoch,
                            who.join(" and ")
                        ));
                    }
                }
                if g.state == GroupState::Stable {
                    let mut owners: BTreeMap<&TopicPartition, &String> = BTreeMap::new();
                    for m in g.members.values() {
                        for tp in &m.assignment {
                            if let Some(prev) = owners.insert(tp, &m.member_id) {
                                return Err(format!(
                                    "group {name} generation {}: {tp} assigned to both {prev} and {}",
                                    g.generation, m.member_id
                                ));
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// Whether the record at `offset` is not for an application: a transaction marker, or (for
/// read_committed) a record of an aborted transaction.
pub fn not_for_processing(log: &crate::log::Log, offset: u64, read_committed: bool) -> bool {
    use crate::log::BatchKind;
    let Some(stamp) = log.records().get(offset as usize).and_then(|r| r.producer) else {
        return false;
    };
    match stamp.kind {
        BatchKind::Commit | BatchKind::Abort => true,
        BatchKind::Transactional if read_committed => log.aborted_txns().iter().any(|t| {
            t.producer_id == stamp.producer_id
                && t.first_offset.0 <= offset
                && offset < t.last_offset.0
        }),
        _ => false,
    }
}
