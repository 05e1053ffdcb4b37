//! Entry point of the Web Worker bundle: registers the engine agent with the JSON codec.

use kplay_web::agent::EngineWorker;
use kplay_web::codec::JsonCodec;
use yew_agent::Registrable;

fn main() {
    // A panic (e.g. an engine invariant in a debug build) kills the worker; say why in the console.
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&format!("kplay worker panicked: {info}").into());
    }));
    EngineWorker::registrar().encoding::<JsonCodec>().register();
}
