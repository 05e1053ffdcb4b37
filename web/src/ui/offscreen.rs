//! Panels that take new content less often while they are scrolled out of view.
//!
//! Under a live stream on the 5 brokers × 30 partitions × RF 3 preset the event log, the wire and
//! the producer's pipeline change on every reply (20 times a second), and rebuilding them was
//! most of the page's DOM work although none of it was on screen. [`Offscreen`] passes its
//! children through while it is in view (or within [`MARGIN`] of it) or while the clock is
//! paused; out of view, while playing, it takes the newest children at most every [`EVERY_MS`]
//! real ms (and always once more after the last change, so nothing stays stale), and at once
//! when it comes into view. The browser also skips
//! their style, layout and paint out of view (`content-visibility: auto` in app.css).

use gloo_timers::callback::Timeout;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// How often a panel out of view takes new content (real ms).
pub const EVERY_MS: f64 = 1000.0;

/// How close to the viewport counts as in view (so a panel is fresh before it scrolls in).
pub const MARGIN: &str = "300px 0px";

/// See the module documentation.
#[derive(Properties, PartialEq)]
pub struct OffscreenProps {
    pub children: Html,
    /// Whether to hold back updates out of view at all: only while the clock plays. Paused,
    /// every change is the learner's own action and shows at once everywhere.
    pub throttle: bool,
}

#[function_component(Offscreen)]
pub fn offscreen(p: &OffscreenProps) -> Html {
    let node = use_node_ref();
    // Until the observer reports, the panel counts as in view.
    let visible = use_mut_ref(|| true);
    let shown = use_mut_ref(|| p.children.clone());
    let taken_at = use_mut_ref(|| f64::NEG_INFINITY);
    let armed = use_mut_ref(|| Rc::new(Cell::new(false)));
    let timer = use_mut_ref(|| None::<Timeout>);
    let update = use_force_update();

    let now = js_sys::Date::now();
    let since = now - *taken_at.borrow();
    if !p.throttle || *visible.borrow() || since >= EVERY_MS {
        *shown.borrow_mut() = p.children.clone();
        *taken_at.borrow_mut() = now;
    } else if shown.borrow().ne(&p.children) && !armed.borrow().get() {
        // Take the newest children once the interval is over (a render from the timer: by then
        // the children are the latest the parent gave).
        let flag = armed.borrow().clone();
        flag.set(true);
        let update = update.clone();
        let wait = (EVERY_MS - since).clamp(0.0, EVERY_MS) as u32;
        // Replacing the previous (already fired) timer here, in a render, never drops a timer
        // from inside its own callback.
        *timer.borrow_mut() = Some(Timeout::new(wait, move || {
            flag.set(false);
            update.force_update();
        }));
    }

    {
        let node = node.clone();
        let visible = visible.clone();
        let update = update.clone();
        use_effect_with((), move |_| {
            let on_change = Closure::<dyn Fn(js_sys::Array)>::new(move |entries: js_sys::Array| {
                let Some(entry) = entries.iter().last() else {
                    return;
                };
                let entry: web_sys::IntersectionObserverEntry = entry.unchecked_into();
                let now_visible = entry.is_intersecting();
                let was = std::mem::replace(&mut *visible.borrow_mut(), now_visible);
                if now_visible && !was {
                    update.force_update();
                }
            });
            let init = web_sys::IntersectionObserverInit::new();
            init.set_root_margin(MARGIN);
            let observer = web_sys::IntersectionObserver::new_with_options(
                on_change.as_ref().unchecked_ref(),
                &init,
            )
            .ok();
            if let (Some(o), Some(el)) = (&observer, node.cast::<web_sys::Element>()) {
                o.observe(&el);
            }
            move || {
                if let Some(o) = observer {
                    o.disconnect();
                }
                drop(on_change);
            }
        });
    }

    html! { <div ref={node} class="offscreen">{ (*shown.borrow()).clone() }</div> }
}
