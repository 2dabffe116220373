//! Everything a spawned process printed and every response body a test received, kept so the
//! leak canary can scan them once the scenarios are over.

use std::sync::{Arc, Mutex};

/// One captured text: what it is (for the report) and the text itself, which may still grow
/// while its process runs.
type Entry = (String, Arc<Mutex<String>>);

#[derive(Default)]
pub struct Captures {
    entries: Mutex<Vec<Entry>>,
}

impl Captures {
    /// A buffer for a process's output, filled as it prints.
    pub fn stream(&self, what: impl Into<String>) -> Arc<Mutex<String>> {
        let buffer = Arc::new(Mutex::new(String::new()));
        self.entries.lock().unwrap().push((what.into(), buffer.clone()));
        buffer
    }

    /// A buffer that something else fills, such as a process's output.
    pub fn watch(&self, what: impl Into<String>, buffer: Arc<Mutex<String>>) {
        self.entries.lock().unwrap().push((what.into(), buffer));
    }

    /// A finished text, such as a response body.
    pub fn record(&self, what: impl Into<String>, text: &str) {
        self.stream(what).lock().unwrap().push_str(text);
    }

    pub fn len(&self) -> usize {
        self.entries.lock().unwrap().len()
    }

    /// What carries any of `markers` (and which marker), plus how many bytes were scanned.
    pub fn scan(&self, markers: &[String]) -> (Vec<String>, usize) {
        let entries = self.entries.lock().unwrap();
        let mut hits = Vec::new();
        let mut bytes = 0;
        for (what, text) in entries.iter() {
            let text = text.lock().unwrap();
            bytes += text.len();
            // The marker is named by its position, never quoted: the report must not leak either.
            for (i, marker) in markers.iter().enumerate() {
                if text.contains(marker.as_str()) {
                    hits.push(format!("{what} carries canary marker #{i}"));
                }
            }
        }
        (hits, bytes)
    }
}

/// The captures of this test binary.
pub fn captures() -> &'static Captures {
    static CAPTURES: std::sync::OnceLock<Captures> = std::sync::OnceLock::new();
    CAPTURES.get_or_init(Captures::default)
}
