//! # kplay-engine — a deterministic, sans-IO simulation of an Apache Kafka cluster
//!
//! One entry point: [`Cluster::step`] takes an [`Input`] (a tick or a [`Command`]) and returns the
//! [`Event`]s it caused. Time is logical ticks ([`config::MS_PER_TICK`]); all randomness comes from
//! one seeded PRNG ([`rng::Rng`]); RPCs between nodes are typed [`network::Envelope`]s with latency.
//! Nothing here touches the clock, the OS or the browser, so the same (seed, inputs) gives the same
//! events natively, in tests, and in the browser's Web Worker.
//!
//! The rules are ported from Apache Kafka; each port names the Kafka class it comes from.

pub mod assignor;
pub mod cleaner;
pub mod cluster;
pub mod command;
pub mod compression;
pub mod config;
pub mod consumer;
pub mod consumer_group;
pub mod delivery;
pub mod errors;
pub mod events;
pub mod experiments;
pub mod group_coordinator;
pub mod ids;
pub mod kraft;
pub mod leader_epoch;
pub mod lesson;
pub mod log;
pub mod network;
pub mod offsets;
pub mod partitioner;
pub mod placement;
pub mod producer;
pub mod quorum;
pub mod raft;
pub mod replication;
pub mod rng;
pub mod scenario;
pub mod segment;
pub mod server_assignor;
pub mod snapshot;
pub mod sticky;
pub mod transactions;

pub use cluster::Cluster;
pub use command::{ClusterSpec, Command, Input};
pub use errors::KafkaError;
pub use events::{trace_hash, Event, EventKind, ProduceOutcome};
pub use snapshot::Snapshot;
