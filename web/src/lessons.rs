//! The bundled lessons (`kplay_engine::lesson::builtin`), parsed and validated at build time by
//! `build.rs` and shipped as JSON, decoded once per JavaScript context (the page renders them,
//! the worker plays them). Parsing them here instead would put the TOML, scenario and lesson
//! parsers into both wasm bundles.

use kplay_engine::lesson::Lesson;
use std::sync::OnceLock;

static LESSONS: OnceLock<Result<Vec<Lesson>, String>> = OnceLock::new();

/// The lessons as `build.rs` wrote them.
const LESSONS_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/lessons.json"));

/// Every bundled lesson in section order, or why they could not be loaded.
pub fn all() -> &'static Result<Vec<Lesson>, String> {
    LESSONS.get_or_init(|| serde_json::from_str(LESSONS_JSON).map_err(|e| e.to_string()))
}

/// A lesson by id.
pub fn find(id: &str) -> Option<&'static Lesson> {
    all().as_ref().ok()?.iter().find(|l| l.id == id)
}

/// The prefix of [`crate::protocol::Reply::preset`] while a lesson is played.
pub const PRESET_PREFIX: &str = "lesson:";
