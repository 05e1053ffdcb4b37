//! The page's channel to the engine's Web Worker.
//!
//! `index.html` runs `boot.js` before anything else: it starts the worker (`worker-boot.js`, the
//! loader of Trunk's `worker.js` + `worker_bg.wasm`) at once, so the worker's bundle downloads and
//! compiles while the page's own wasm does, and it keeps whatever the worker says before the page
//! listens. The page adopts that worker ([`Bridge::page`]); without it (a page that did not run
//! `boot.js`) it starts one itself.
//!
//! The protocol is two kinds of string:
//! - the worker's [`READY`] once its handler is installed (anything posted to a worker before
//!   then is dropped, so the page holds its requests until it hears it);
//! - then one JSON [`Reply`] per JSON [`Request`], in order ([`JsonCodec`]).

use crate::codec::JsonCodec;
use crate::protocol::{Reply, Request};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, Worker};

/// What the worker posts once it listens.
pub const READY: &str = "kplay-worker-ready";

/// The worker's loader script, relative to the page (so the site works under any path).
pub const WORKER_LOADER: &str = "worker-boot.js";

/// The global `boot.js` leaves: `{ worker, early: [message data…] }`.
const BOOT_GLOBAL: &str = "__kplayBoot";

type OnReply = Rc<dyn Fn(Reply)>;

struct Channel {
    worker: Worker,
    ready: bool,
    /// Requests sent before the worker was ready, in order.
    pending: Vec<JsValue>,
    on_reply: Option<OnReply>,
}

thread_local! {
    static PAGE: RefCell<Option<Bridge>> = const { RefCell::new(None) };
}

/// A handle on the page's one channel to the worker.
#[derive(Clone)]
pub struct Bridge(Rc<RefCell<Channel>>);

impl PartialEq for Bridge {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl Bridge {
    /// The page's bridge, made on first use: it adopts the worker `boot.js` started, or starts
    /// one.
    pub fn page() -> Bridge {
        PAGE.with(|page| page.borrow_mut().get_or_insert_with(Bridge::start).clone())
    }

    fn start() -> Bridge {
        let boot = js_sys::Reflect::get(&js_sys::global(), &BOOT_GLOBAL.into()).ok();
        let adopted = boot.as_ref().and_then(|b| {
            let worker = js_sys::Reflect::get(b, &"worker".into()).ok()?;
            let early = js_sys::Reflect::get(b, &"early".into()).ok()?;
            Some((
                worker.dyn_into::<Worker>().ok()?,
                early.dyn_into::<js_sys::Array>().ok()?,
            ))
        });
        let (worker, early) = match adopted {
            Some(pair) => pair,
            None => (
                Worker::new(WORKER_LOADER).expect_throw("the browser could not start the worker"),
                js_sys::Array::new(),
            ),
        };
        let bridge = Bridge(Rc::new(RefCell::new(Channel {
            worker: worker.clone(),
            ready: false,
            pending: Vec::new(),
            on_reply: None,
        })));
        let weak = Rc::downgrade(&bridge.0);
        let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |e: MessageEvent| {
            if let Some(channel) = weak.upgrade() {
                Bridge(channel).received(e.data());
            }
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();
        let on_error = Closure::<dyn Fn(web_sys::ErrorEvent)>::new(|e: web_sys::ErrorEvent| {
            web_sys::console::error_1(&format!("kplay worker error: {}", e.message()).into());
        });
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        on_error.forget();
        // What the worker said before this page listened (kept by boot.js), in order.
        for data in early.iter() {
            bridge.received(data);
        }
        bridge
    }

    /// Handles one message from the worker.
    fn received(&self, data: JsValue) {
        if data.as_string().as_deref() == Some(READY) {
            let pending = {
                let mut c = self.0.borrow_mut();
                c.ready = true;
                std::mem::take(&mut c.pending)
            };
            let worker = self.0.borrow().worker.clone();
            for message in pending {
                worker
                    .post_message(&message)
                    .expect_throw("could not post to the worker");
            }
            return;
        }
        let reply: Reply = JsonCodec::decode(data);
        // The callback may send (and so borrow the channel): call it with no borrow held.
        let on_reply = self.0.borrow().on_reply.clone();
        if let Some(f) = on_reply {
            f(reply);
        }
    }

    /// Sends a request; held until the worker is ready.
    pub fn send(&self, request: Request) {
        let message = JsonCodec::encode(&request);
        let mut c = self.0.borrow_mut();
        if c.ready {
            c.worker
                .post_message(&message)
                .expect_throw("could not post to the worker");
        } else {
            c.pending.push(message);
        }
    }

    /// Sets what handles each reply (replacing the previous handler).
    pub fn set_on_reply(&self, f: OnReply) {
        self.0.borrow_mut().on_reply = Some(f);
    }
}

/// The page's bridge for a component: `on_reply` (the latest render's closure) gets every reply.
#[yew::hook]
pub fn use_engine<F>(on_reply: F) -> Bridge
where
    F: Fn(Reply) + 'static,
{
    let bridge = yew::use_memo((), |_| Bridge::page());
    bridge.set_on_reply(Rc::new(on_reply));
    (*bridge).clone()
}
