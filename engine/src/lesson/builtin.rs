//! The lessons shipped in `lessons/`, compiled in, so the browser (which has no file system) and
//! tests load exactly the files in the repository. `tests/lessons.rs` checks this list against the
//! folder, so a new lesson cannot be forgotten here.

use super::{parse, Lesson, LessonError};

/// (path from the repository root, text) of every lesson and every file a lesson names.
pub const FILES: &[(&str, &str)] = &[
    (
        "lessons/01-basics.toml",
        include_str!("../../../lessons/01-basics.toml"),
    ),
    (
        "lessons/02-versions-kraft.toml",
        include_str!("../../../lessons/02-versions-kraft.toml"),
    ),
    (
        "lessons/03-configuration.toml",
        include_str!("../../../lessons/03-configuration.toml"),
    ),
    (
        "lessons/04-topics-partitions.toml",
        include_str!("../../../lessons/04-topics-partitions.toml"),
    ),
    (
        "lessons/05-producers.toml",
        include_str!("../../../lessons/05-producers.toml"),
    ),
    (
        "lessons/06-consumers.toml",
        include_str!("../../../lessons/06-consumers.toml"),
    ),
    (
        "lessons/07-delivery-semantics.toml",
        include_str!("../../../lessons/07-delivery-semantics.toml"),
    ),
    (
        "lessons/refused/controller-not-a-voter.toml",
        include_str!("../../../lessons/refused/controller-not-a-voter.toml"),
    ),
    (
        "lessons/refused/duplicate-node-id.toml",
        include_str!("../../../lessons/refused/duplicate-node-id.toml"),
    ),
    (
        "lessons/refused/voters-mismatch.toml",
        include_str!("../../../lessons/refused/voters-mismatch.toml"),
    ),
    (
        "lessons/scenarios/notes-even-controllers.toml",
        include_str!("../../../lessons/scenarios/notes-even-controllers.toml"),
    ),
    (
        "lessons/scenarios/notes-min-isr.toml",
        include_str!("../../../lessons/scenarios/notes-min-isr.toml"),
    ),
];

/// Resolves `rel` (as written in a lesson under `lessons/`) against [`FILES`].
fn load(rel: &str) -> Result<(String, String), String> {
    let mut parts: Vec<&str> = vec!["lessons"];
    for p in rel.split('/') {
        match p {
            "." | "" => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    let path = parts.join("/");
    FILES
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(p, text)| (p.to_string(), text.to_string()))
        .ok_or_else(|| format!("cannot read {path}: not a bundled lesson file"))
}

/// Every bundled lesson, parsed and validated, in file order (section order).
pub fn lessons() -> Result<Vec<Lesson>, LessonError> {
    FILES
        .iter()
        .filter(|(p, _)| {
            p.strip_prefix("lessons/")
                .is_some_and(|rest| !rest.contains('/'))
        })
        .map(|(p, text)| parse(text, p, &load))
        .collect()
}
