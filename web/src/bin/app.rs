//! Entry point of the page bundle.

fn main() {
    // Nothing in the UI should panic; if something does, say where in the console.
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&format!("kplay page panicked: {info}").into());
    }));
    kplay_web::ui::mount();
    kplay_web::ui::register_service_worker();
}
