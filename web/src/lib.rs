//! # kplay-web — the browser front-end of Kafka Playground
//!
//! Two wasm bundles are built from this crate: `app` (the Yew page) and `worker` (a Web Worker that
//! owns the engine's `Cluster`). The page sends [`protocol::Request`]s and renders the
//! [`protocol::Reply`] snapshots; it never mutates engine state.

pub mod agent;
pub mod bridge;
pub mod client_controls;
pub mod codec;
pub mod consumer_text;
pub mod demo;
pub mod embed;
pub mod event_text;
pub mod i18n;
pub mod lessons;
pub mod link;
pub mod markdown;
pub mod progress_store;
pub mod protocol;
pub mod sim;
pub mod state;
pub mod ui;
