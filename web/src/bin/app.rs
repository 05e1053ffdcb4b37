//! Entry point of the page bundle.

/// Real ms after mounting before the service worker is registered.
const SERVICE_WORKER_AFTER_MS: u32 = 2_000;

fn main() {
    // Nothing in the UI should panic; if something does, say where in the console.
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&format!("kplay page panicked: {info}").into());
    }));
    // The lessons' text is a separate file (preloaded by index.html while this wasm compiled):
    // mount once it is in, so every view can read the lessons synchronously. A failed fetch
    // mounts too, and the lesson list says why.
    wasm_bindgen_futures::spawn_local(async {
        kplay_web::lessons::load().await;
        kplay_web::ui::mount();
        // The service worker precaches every file of the site (both wasm bundles again): on a
        // first visit that would compete with the first render for the network and the CPU, so
        // it is registered once the page has settled.
        gloo_timers::callback::Timeout::new(
            SERVICE_WORKER_AFTER_MS,
            kplay_web::ui::register_service_worker,
        )
        .forget();
    });
}
