//! The lessons compiled into the engine (`kplay_engine::lesson::builtin`), parsed once per
//! JavaScript context (the page renders them, the worker plays them).

use kplay_engine::lesson::{builtin, Lesson};
use std::sync::OnceLock;

static LESSONS: OnceLock<Result<Vec<Lesson>, String>> = OnceLock::new();

/// Every bundled lesson in section order, or why they could not be loaded (file:line:col: reason).
pub fn all() -> &'static Result<Vec<Lesson>, String> {
    LESSONS.get_or_init(|| builtin::lessons().map_err(|e| e.to_string()))
}

/// A lesson by id.
pub fn find(id: &str) -> Option<&'static Lesson> {
    all().as_ref().ok()?.iter().find(|l| l.id == id)
}

/// The prefix of [`crate::protocol::Reply::preset`] while a lesson is played.
pub const PRESET_PREFIX: &str = "lesson:";
