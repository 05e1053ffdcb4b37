//! The worker message codec: serde-wasm-bindgen instead of yew-agent's default bincode.
//!
//! Structured-clone JS objects are cheaper to post than a bincode buffer of the same snapshot, and
//! serde-wasm-bindgen copes with the engine's internally tagged enums (bincode does not support
//! `#[serde(tag = …)]`, which the engine's `Event` and `Command` use).

use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsValue, UnwrapThrowExt};
use yew_agent::Codec;

/// yew-agent [`Codec`] over `serde-wasm-bindgen`.
#[derive(Debug)]
pub struct SerdeWasm;

impl Codec for SerdeWasm {
    fn encode<I>(input: I) -> JsValue
    where
        I: Serialize,
    {
        // Maps become plain objects so the messages are readable in the browser's devtools.
        let serializer = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
        input
            .serialize(&serializer)
            .expect_throw("worker message could not be encoded")
    }

    fn decode<O>(input: JsValue) -> O
    where
        O: for<'de> Deserialize<'de>,
    {
        serde_wasm_bindgen::from_value(input).expect_throw("worker message could not be decoded")
    }
}
