//! The shape of the code, checked: no import cycles between modules of a crate, no two public types
//! of the workspace with one name, and nothing of the CLI or the test harness in the handler's
//! dependencies.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The crates' source folders.
const CRATES: &[&str] = &["src", "crates/vaultfn/src", "crates/testbed/src"];

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for path in std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()) {
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// `src/vault/config.rs` → `["vault", "config"]`; `mod.rs`, `lib.rs` and `main.rs` name their folder.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
        parts.pop();
    }
    parts
}

/// Unit-test files and `#[cfg(test)]` modules are left out: they may reach anywhere.
fn is_test_file(file: &Path) -> bool {
    let name = file.file_stem().unwrap().to_string_lossy();
    name == "tests" || name.ends_with("_tests")
}

/// The code before any `#[cfg(test)]`, comments left out (a doc comment naming a path imports
/// nothing).
fn production_text(text: &str) -> String {
    let code = text.find("#[cfg(test)]").map_or(text, |at| &text[..at]);
    code.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// Every `crate::a::b` and `super::x` path a file mentions, as module paths from the crate root.
fn referenced_paths(module: &[String], text: &str) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    for (anchor, base) in [("crate::", Vec::new()), ("super::", module[..module.len().saturating_sub(1)].to_vec())] {
        let mut rest = text;
        while let Some(at) = rest.find(anchor) {
            let preceded_by_ident =
                rest[..at].chars().last().is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':');
            rest = &rest[at + anchor.len()..];
            if preceded_by_ident {
                continue;
            }
            expand(&base, rest, &mut found);
        }
    }
    found
}

/// Reads one path (with `{a, b::c}` groups) from the start of `text`.
fn expand(base: &[String], text: &str, out: &mut Vec<Vec<String>>) {
    let mut path = base.to_vec();
    let mut rest = text;
    loop {
        let ident: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
        if ident.is_empty() {
            if let Some(group) = rest.strip_prefix('{') {
                let mut depth = 0;
                let mut start = 0;
                for (i, c) in group.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => {
                            expand(&path, group[start..i].trim_start(), out);
                            return;
                        }
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            expand(&path, group[start..i].trim_start(), out);
                            start = i + 1;
                        }
                        _ => {}
                    }
                }
            }
            break;
        }
        if ident == "self" {
            break;
        }
        path.push(ident.clone());
        rest = &rest[ident.len()..];
        match rest.strip_prefix("::") {
            Some(next) => rest = next,
            None => break,
        }
    }
    out.push(path);
}

#[test]
fn no_import_cycles_between_modules() {
    for krate in CRATES {
        let src = root().join(krate);
        let files: Vec<PathBuf> = rust_files(&src).into_iter().filter(|f| !is_test_file(f)).collect();
        let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_of(&src, f)).collect();
        let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
        for file in &files {
            let from = module_of(&src, file);
            let text = std::fs::read_to_string(file).unwrap();
            for path in referenced_paths(&from, &production_text(&text)) {
                // The longest prefix that is a module of this crate is what the path reaches.
                let Some(to) = (1..=path.len()).rev().map(|n| path[..n].to_vec()).find(|p| modules.contains(p)) else {
                    continue;
                };
                // A module and its own ancestors re-export and use each other by design.
                if to.starts_with(&from) || from.starts_with(&to) {
                    continue;
                }
                edges.entry(from.clone()).or_default().insert(to);
            }
        }
        if let Some(cycle) = find_cycle(&edges) {
            let names: Vec<String> = cycle.iter().map(|m| m.join("::")).collect();
            panic!("{krate}: modules import each other: {}", names.join(" -> "));
        }
    }
}

fn find_cycle(edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Option<Vec<Vec<String>>> {
    fn visit(
        node: &Vec<String>,
        edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        stack: &mut Vec<Vec<String>>,
        done: &mut BTreeSet<Vec<String>>,
    ) -> Option<Vec<Vec<String>>> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(node.clone());
            return Some(cycle);
        }
        if !done.insert(node.clone()) {
            return None;
        }
        stack.push(node.clone());
        for next in edges.get(node).into_iter().flatten() {
            // Edges into a module count for its submodules' users too: `vault` stands for all of it.
            if let Some(cycle) = visit(next, edges, stack, done) {
                return Some(cycle);
            }
        }
        stack.pop();
        None
    }
    let mut done = BTreeSet::new();
    edges.keys().find_map(|start| visit(start, edges, &mut Vec::new(), &mut done))
}

#[test]
fn no_two_public_types_share_a_name() {
    let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for krate in CRATES {
        for file in rust_files(&root().join(krate)).into_iter().filter(|f| !is_test_file(f)) {
            let text = std::fs::read_to_string(&file).unwrap();
            for line in production_text(&text).lines() {
                let line = line.trim_start();
                for keyword in ["pub struct ", "pub enum ", "pub trait ", "pub type "] {
                    if let Some(rest) = line.strip_prefix(keyword) {
                        let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                        seen.entry(name).or_default().push(file.strip_prefix(root()).unwrap().display().to_string());
                    }
                }
            }
        }
    }
    let shared: Vec<String> = seen
        .iter()
        .filter(|(_, files)| files.len() > 1)
        .map(|(name, files)| format!("{name}: {}", files.join(", ")))
        .collect();
    assert!(shared.is_empty(), "one name, several types:\n{}", shared.join("\n"));
}

#[test]
fn the_cycle_finder_finds_cycles() {
    let m = |s: &str| s.split("::").map(str::to_owned).collect::<Vec<_>>();
    let edges = BTreeMap::from([
        (m("a"), BTreeSet::from([m("b")])),
        (m("b"), BTreeSet::from([m("c")])),
        (m("c"), BTreeSet::from([m("a")])),
    ]);
    assert!(find_cycle(&edges).is_some());
    let acyclic = BTreeMap::from([(m("a"), BTreeSet::from([m("b")])), (m("b"), BTreeSet::from([m("c")]))]);
    assert!(find_cycle(&acyclic).is_none());
    let mut found = Vec::new();
    expand(&[], "{problem::ApiError, functions::{self, MAX}, state::SharedState};", &mut found);
    assert_eq!(found, vec![m("problem::ApiError"), m("functions"), m("functions::MAX"), m("state::SharedState")]);
}

#[test]
fn the_handler_depends_on_nothing_of_the_cli_or_the_harness() {
    let out = std::process::Command::new(env!("CARGO"))
        .args([
            "tree",
            "--offline",
            "--locked",
            "-e",
            "normal",
            "-p",
            "vaultfn-handler",
            "--prefix",
            "none",
            "--format",
            "{p}",
        ])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(out.status.success(), "cargo tree failed: {}", String::from_utf8_lossy(&out.stderr));
    let tree = String::from_utf8_lossy(&out.stdout);
    let crates: BTreeSet<&str> = tree.lines().filter_map(|l| l.split_whitespace().next()).collect();
    for forbidden in [
        "vaultfn",
        "vaultfn-testbed",
        "clap",
        "jsonschema",
        "zip",
        "rcgen",
        "tempfile",
        "proptest",
        "regex",
        "aws-lc-rs",
        "openssl",
    ] {
        assert!(!crates.contains(forbidden), "the handler depends on {forbidden}");
    }
}
