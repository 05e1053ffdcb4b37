//! The worker message codec: JSON text built and parsed by `serde_json` on both sides.
//!
//! A reply is one string crossing `postMessage` (a plain copy) instead of a tree of JavaScript
//! objects built and walked field by field through the wasm boundary (serde-wasm-bindgen, which
//! this replaced): on the 5 brokers × 30 partitions × RF 3 preset a reply decodes several times
//! faster, and both bundles lose a serde format (they already carry `serde_json`). JSON copes
//! with the engine's internally tagged enums (`Event`, `Command`), which bincode does not, and
//! keeps 64-bit integers exact because both ends are Rust.

use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsValue, UnwrapThrowExt};

/// The codec of every message between the page and the engine's worker (see [`crate::bridge`]).
#[derive(Debug)]
pub struct JsonCodec;

impl JsonCodec {
    /// One message as the string `postMessage` carries.
    pub fn encode<I>(input: I) -> JsValue
    where
        I: Serialize,
    {
        JsValue::from_str(
            &serde_json::to_string(&input).expect_throw("worker message could not be encoded"),
        )
    }

    /// A received message back into its type. Both ends are this crate, built together, so a
    /// message that does not decode is a bug: it throws with the reason.
    pub fn decode<O>(input: JsValue) -> O
    where
        O: for<'de> Deserialize<'de>,
    {
        let text = input
            .as_string()
            .expect_throw("worker message is not a string");
        serde_json::from_str(&text).expect_throw("worker message could not be decoded")
    }
}
