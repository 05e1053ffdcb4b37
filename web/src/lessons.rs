//! The bundled lessons (`kplay_engine::lesson::builtin`), parsed and validated at build time by
//! `build.rs` and shipped as JSON, decoded once per JavaScript context (the page renders them,
//! the worker plays them). Parsing them here instead would put the TOML, scenario and lesson
//! parsers into both wasm bundles.
//!
//! Where the JSON comes from:
//! - with the `embedded-lessons` feature (the default: native and wasm-bindgen tests), it is
//!   compiled in;
//! - the site is built without it: the text (≈ 130 KB gzip) would otherwise be in both bundles.
//!   The page fetches [`FILE`] before it mounts (`index.html` preloads it while the wasm
//!   compiles) and sends the text to the worker just before its first lesson request
//!   ([`crate::protocol::Op::InstallLessons`]). Until then [`all`] says the lessons are
//!   loading; a failed fetch is an error the lesson list shows (the sandbox works without).

use kplay_engine::lesson::Lesson;
use std::sync::OnceLock;

static LESSONS: OnceLock<Result<Vec<Lesson>, String>> = OnceLock::new();

/// The fetched JSON (or why the fetch failed), parsed on the first [`all`] call: a start-up
/// that needs no lesson (the sandbox) does not pay for parsing them.
#[cfg(not(feature = "embedded-lessons"))]
static FETCHED: OnceLock<Result<String, String>> = OnceLock::new();

/// The JSON file's name next to the page (with its content hash), as `build.rs` named it.
pub const FILE: &str = env!("KPLAY_LESSONS_FILE");

/// The lessons as `build.rs` wrote them.
#[cfg(feature = "embedded-lessons")]
const LESSONS_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/lessons.json"));

fn parse(json: &str) -> Result<Vec<Lesson>, String> {
    serde_json::from_str(json).map_err(|e| format!("the lessons file does not parse: {e}"))
}

/// Every bundled lesson in section order, or why they could not be loaded (also while they
/// are still being fetched: see [`loaded`]).
pub fn all() -> &'static Result<Vec<Lesson>, String> {
    #[cfg(feature = "embedded-lessons")]
    {
        LESSONS.get_or_init(|| parse(LESSONS_JSON))
    }
    #[cfg(not(feature = "embedded-lessons"))]
    {
        static LOADING: OnceLock<Result<Vec<Lesson>, String>> = OnceLock::new();
        match FETCHED.get() {
            Some(fetched) => LESSONS.get_or_init(|| fetched.clone().and_then(|j| parse(&j))),
            None => LOADING.get_or_init(|| Err("the lessons are loading".into())),
        }
    }
}

/// Whether [`all`] has its final answer (the lessons, or why they failed to load).
pub fn loaded() -> bool {
    #[cfg(feature = "embedded-lessons")]
    {
        true
    }
    #[cfg(not(feature = "embedded-lessons"))]
    {
        FETCHED.get().is_some()
    }
}

/// Installs the fetched JSON (or the reason the fetch failed); it is parsed when first needed.
/// The first call wins; with the lessons compiled in, it does nothing.
pub fn install(json: Result<String, String>) {
    #[cfg(not(feature = "embedded-lessons"))]
    {
        let _ = FETCHED.set(json);
    }
    #[cfg(feature = "embedded-lessons")]
    {
        let _ = json;
    }
}

/// The fetched JSON, for the worker ([`crate::protocol::Op::InstallLessons`]); `None` when the
/// lessons are compiled in (the worker has them too) or the fetch failed.
pub fn fetched_json() -> Option<String> {
    #[cfg(not(feature = "embedded-lessons"))]
    {
        FETCHED.get()?.as_ref().ok().cloned()
    }
    #[cfg(feature = "embedded-lessons")]
    {
        None
    }
}

/// Fetches [`FILE`] next to the page and installs it. Nothing to do when the lessons are
/// compiled in or loaded.
pub async fn load() {
    if loaded() {
        return;
    }
    install(fetch_text(FILE).await);
}

async fn fetch_text(url: &str) -> Result<String, String> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let global = js_sys::global();
    let Some(window) = global.dyn_ref::<web_sys::Window>() else {
        return Err("the lessons are fetched by the page, not a worker".into());
    };
    let promise = window.fetch_with_str(url);
    let why = |e: wasm_bindgen::JsValue| {
        format!(
            "{url}: {}",
            e.dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
                .or_else(|| e.as_string())
                .unwrap_or_else(|| "the request failed".into())
        )
    };
    let response: web_sys::Response = JsFuture::from(promise)
        .await
        .map_err(why)?
        .dyn_into()
        .map_err(why)?;
    if !response.ok() {
        return Err(format!("{url}: HTTP {}", response.status()));
    }
    let text = JsFuture::from(response.text().map_err(why)?)
        .await
        .map_err(why)?;
    text.as_string().ok_or_else(|| format!("{url} is not text"))
}

/// A lesson by id.
pub fn find(id: &str) -> Option<&'static Lesson> {
    all().as_ref().ok()?.iter().find(|l| l.id == id)
}

/// The prefix of [`crate::protocol::Reply::preset`] while a lesson is played.
pub const PRESET_PREFIX: &str = "lesson:";
