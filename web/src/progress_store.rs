//! The learner's progress in localStorage: the engine's versioned progress JSON
//! (`kplay_engine::lesson::progress::export` / `import`) under [`KEY`].
//!
//! Reading never fails the page: a missing value is a fresh start, a corrupt or old one gives a
//! fresh start *and* a notice with the reason, and the unreadable value is kept under
//! [`BACKUP_KEY`] so nothing the learner did is silently destroyed.

use kplay_engine::lesson::progress::{self, Progress};

/// The localStorage key of the progress JSON.
pub const KEY: &str = "kplay.progress";
/// Where an unreadable stored value is moved.
pub const BACKUP_KEY: &str = "kplay.progress.unreadable";

/// What loading found.
#[derive(Clone, Debug, PartialEq)]
pub struct Loaded {
    pub progress: Progress,
    /// Why the stored value could not be used (shown as a notice), if so.
    pub notice: Option<String>,
}

/// Interprets a stored value (pure, for tests).
pub fn from_stored(stored: Option<&str>) -> Loaded {
    match stored {
        None => Loaded {
            progress: Progress::new(),
            notice: None,
        },
        Some(s) if s.trim().is_empty() => Loaded {
            progress: Progress::new(),
            notice: None,
        },
        Some(s) => match progress::import(s) {
            Ok(p) => Loaded {
                progress: p,
                notice: None,
            },
            Err(e) => Loaded {
                progress: Progress::new(),
                notice: Some(e.reason),
            },
        },
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// Loads the stored progress (see the module doc).
pub fn load() -> Loaded {
    let Some(st) = storage() else {
        return from_stored(None);
    };
    let stored = st.get_item(KEY).ok().flatten();
    let loaded = from_stored(stored.as_deref());
    if loaded.notice.is_some() {
        if let Some(s) = &stored {
            let _ = st.set_item(BACKUP_KEY, s);
        }
        let _ = st.remove_item(KEY);
    }
    loaded
}

/// Saves the progress.
pub fn save(p: &Progress) {
    if let Some(st) = storage() {
        let _ = st.set_item(KEY, &progress::export(p));
    }
}
