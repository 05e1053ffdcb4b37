//! The page's state: a reducer over the worker's replies. Nothing here changes the engine; it only
//! remembers the latest snapshot, a capped event log and the guided example's progress.

use crate::protocol::{Reply, Timeline};
use kplay_engine::events::{EventKind, ProduceOutcome};
use kplay_engine::snapshot::EnvelopeView;
use kplay_engine::{Event, KafkaError, Snapshot};
use std::collections::VecDeque;
use std::rc::Rc;
use yew::Reducible;

/// How many event lines the page keeps.
pub const LOG_CAPACITY: usize = 400;

/// How many recently seen envelopes the page keeps.
pub const WIRE_CAPACITY: usize = 16;

/// Event families for the log filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    Produce,
    Replication,
    Controller,
    Fault,
    Config,
}

impl Category {
    /// Every category, in filter-bar order.
    pub const ALL: [Category; 5] = [
        Category::Produce,
        Category::Replication,
        Category::Controller,
        Category::Fault,
        Category::Config,
    ];

    /// Classifies an event.
    pub fn of(kind: &EventKind) -> Category {
        use EventKind::*;
        match kind {
            ProduceSent { .. }
            | ProduceWaitingForLeader { .. }
            | Appended { .. }
            | ProduceRejected { .. }
            | ProduceCompleted { .. } => Category::Produce,
            Replicated { .. }
            | HighWatermarkAdvanced { .. }
            | Truncated { .. }
            | BecameLeader { .. }
            | BecameFollower { .. } => Category::Replication,
            BrokerRegistered { .. }
            | BrokerFenced { .. }
            | BrokerUnfenced { .. }
            | PartitionChanged { .. }
            | AlterPartitionSent { .. }
            | AlterPartitionFailed { .. } => Category::Controller,
            BrokerCrashed { .. }
            | BrokerRestarted { .. }
            | NetworkPartitioned { .. }
            | NodeIsolated { .. }
            | NetworkHealed { .. }
            | NodeSlowed { .. }
            | EnvelopeHeld { .. }
            | EnvelopeReleased { .. }
            | EnvelopeDropped { .. }
            | EnvelopeLost { .. } => Category::Fault,
            TopicCreated { .. }
            | PartitionsCreated { .. }
            | CommandFailed { .. }
            | ConfigChanged { .. }
            | ProducerAdded { .. } => Category::Config,
        }
    }
}

/// How an event line is coloured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Neutral,
    Good,
    Warn,
    Bad,
}

impl Tone {
    fn of(kind: &EventKind) -> Tone {
        use EventKind::*;
        match kind {
            ProduceCompleted {
                outcome: ProduceOutcome::Ok { .. },
                ..
            } => Tone::Good,
            ProduceCompleted {
                outcome: ProduceOutcome::Err { .. },
                ..
            }
            | ProduceRejected { .. }
            | CommandFailed { .. }
            | AlterPartitionFailed { .. } => Tone::Bad,
            BrokerCrashed { .. }
            | BrokerFenced { .. }
            | Truncated { .. }
            | NetworkPartitioned { .. }
            | NodeIsolated { .. }
            | EnvelopeDropped { .. }
            | EnvelopeLost { .. } => Tone::Warn,
            BrokerUnfenced { .. } | BrokerRestarted { .. } | NetworkHealed { .. } => Tone::Good,
            _ => Tone::Neutral,
        }
    }

    /// The CSS class suffix.
    pub fn class(self) -> &'static str {
        match self {
            Tone::Neutral => "neutral",
            Tone::Good => "good",
            Tone::Warn => "warn",
            Tone::Bad => "bad",
        }
    }
}

/// One line of the event log, pre-rendered once.
#[derive(Clone, Debug, PartialEq)]
pub struct LogLine {
    /// A page-local running number (a stable key for rendering).
    pub id: u64,
    pub at_ms: u64,
    pub category: Category,
    pub tone: Tone,
    /// The event's `Display` line without the `t=…ms` prefix.
    pub text: String,
}

impl LogLine {
    fn new(id: u64, e: &Event) -> Self {
        let full = e.to_string();
        // The engine prints `t=   1234ms <text>`; the time gets its own column here.
        let text = match full.split_once("ms ") {
            Some((head, rest)) if head.starts_with("t=") => rest.to_string(),
            _ => full.clone(),
        };
        LogLine {
            id,
            at_ms: e.at_ms,
            category: Category::of(&e.kind),
            tone: Tone::of(&e.kind),
            text,
        }
    }
}

/// Progress through the guided example, derived from what actually happened.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Guide {
    /// 1) an acks=all produce succeeded.
    pub acks_all_ok: bool,
    /// 2) an acks=all produce succeeded with a broker down.
    pub ok_with_one_down: bool,
    /// 3) a produce failed with NOT_ENOUGH_REPLICAS.
    pub not_enough_replicas: bool,
    /// 4) after that, an acks=1 produce succeeded.
    pub acks_one_ok_after: bool,
}

impl Guide {
    fn observe(&mut self, events: &[Event], alive_brokers: usize, total_brokers: usize) {
        use kplay_engine::config::Acks;
        for e in events {
            let EventKind::ProduceCompleted { acks, outcome, .. } = &e.kind else {
                continue;
            };
            match (acks, outcome) {
                (Acks::All, ProduceOutcome::Ok { .. }) => {
                    self.acks_all_ok = true;
                    if total_brokers > 0 && alive_brokers + 1 == total_brokers {
                        self.ok_with_one_down = true;
                    }
                }
                (
                    _,
                    ProduceOutcome::Err {
                        error: KafkaError::NotEnoughReplicas,
                        ..
                    },
                ) => {
                    self.not_enough_replicas = true;
                }
                (Acks::One, ProduceOutcome::Ok { .. }) if self.not_enough_replicas => {
                    self.acks_one_ok_after = true;
                }
                _ => {}
            }
        }
    }
}

/// Everything the page renders.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct View {
    /// The worker has answered at least once.
    pub ready: bool,
    pub snapshot: Option<Rc<Snapshot>>,
    /// Oldest first; capped at [`LOG_CAPACITY`].
    pub log: VecDeque<Rc<LogLine>>,
    next_log_id: u64,
    pub preset: String,
    pub trace_hash: String,
    pub error: Option<String>,
    pub guide: Guide,
    /// Envelopes seen recently (newest first, unique by id), for the network view.
    pub wire: VecDeque<Rc<EnvelopeView>>,
    /// The recorded timeline (for the scrubber).
    pub timeline: Timeline,
    /// The newest request number answered.
    pub last_seq: u64,
}

/// What can happen to the view.
pub enum Action {
    /// The worker answered.
    Reply(Box<Reply>),
}

impl Reducible for View {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let Action::Reply(reply) = action;
        let mut next = (*self).clone();
        let reply = *reply;
        if reply.reset {
            next.log.clear();
            next.wire.clear();
            next.guide = Guide::default();
        }
        for env in &reply.wire {
            next.wire.retain(|w| w.id != env.id);
            next.wire.push_front(Rc::new(env.clone()));
        }
        next.wire.truncate(WIRE_CAPACITY);
        let alive = reply.snapshot.brokers.iter().filter(|b| b.alive).count();
        next.guide
            .observe(&reply.events, alive, reply.snapshot.brokers.len());
        for e in &reply.events {
            next.next_log_id += 1;
            next.log
                .push_back(Rc::new(LogLine::new(next.next_log_id, e)));
        }
        while next.log.len() > LOG_CAPACITY {
            next.log.pop_front();
        }
        next.ready = true;
        next.preset = reply.preset;
        next.trace_hash = reply.trace_hash;
        next.error = reply.error;
        next.last_seq = reply.seq;
        next.timeline = reply.timeline;
        next.snapshot = Some(Rc::new(reply.snapshot));
        Rc::new(next)
    }
}
