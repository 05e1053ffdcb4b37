//! Entry point of the Web Worker bundle: answers the page's requests with the engine (see
//! `kplay_web::bridge` for the protocol: a ready signal, then one JSON reply per request).

use kplay_web::agent::EngineWorker;
use kplay_web::bridge::READY;
use kplay_web::codec::JsonCodec;
use kplay_web::protocol::Request;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

fn main() {
    // A panic (e.g. an engine invariant in a debug build) kills the worker; say why in the console.
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&format!("kplay worker panicked: {info}").into());
    }));
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let engine = RefCell::new(EngineWorker::default());
    let out = scope.clone();
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |e: MessageEvent| {
        let request: Request = JsonCodec::decode(e.data());
        let reply = engine.borrow_mut().handle(request);
        out.post_message(&JsonCodec::encode(&reply))
            .expect_throw("the worker could not post its reply");
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    // Messages posted before this handler existed would have been dropped: the page holds its
    // requests until it hears this.
    scope
        .post_message(&JsValue::from_str(READY))
        .expect_throw("the worker could not say it is ready");
}
