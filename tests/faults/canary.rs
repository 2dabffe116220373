//! The markers the leak scan looks for, and a check that the scan finds a planted leak.

use crate::support::Harness;
use crate::support::capture::Captures;

/// The canary itself and every seeded value (each starts with the canary, so a value cut short
/// of its suffix is still caught).
pub fn markers(h: &Harness) -> Vec<String> {
    let mut markers = vec![h.canary.clone()];
    markers.extend(h.seeded.values.iter().cloned());
    markers
}

#[test]
fn the_scan_finds_a_planted_leak_and_names_it_without_quoting_it() {
    let captures = Captures::default();
    let marker = "CANARY-0123456789abcdef".to_owned();
    captures.record("clean body", "{\"name\":\"plain-secret\"}");
    captures.stream("a process").lock().unwrap().push_str(&format!("line one\nvalue={marker}-plain-secret\n"));
    let (hits, bytes) = captures.scan(std::slice::from_ref(&marker));
    assert!(bytes > 0);
    assert_eq!(hits, ["a process carries canary marker #0"]);
    assert!(!hits.concat().contains(&marker));
}
