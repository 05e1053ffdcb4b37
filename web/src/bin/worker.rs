//! Entry point of the Web Worker bundle: registers the engine agent with the serde-wasm-bindgen codec.

use kplay_web::agent::EngineWorker;
use kplay_web::codec::SerdeWasm;
use yew_agent::Registrable;

fn main() {
    EngineWorker::registrar().encoding::<SerdeWasm>().register();
}
