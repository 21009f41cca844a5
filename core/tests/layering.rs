//! The layering ARCHITECTURE.md states, enforced (`make lint` runs this):
//!
//! - `qadam-core`'s modules form no cycle: each module only uses modules
//!   below it, so any one can be read, tested and replaced from the bottom
//!   up. The graph is read from the sources (`crate::module` paths).
//! - Frameworks stay in their crates: `tauri` only in the app, `axum` only
//!   in the server (and the dev-only test kit), the HTTP client only in
//!   `qadam-client`, and `qadam-core` depends on none of them nor on an
//!   async runtime. Read from `cargo metadata`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module → the modules of the crate it names, from every `.rs` file under
/// `core/src` (test modules and comments left out: a test may reach
/// anywhere, and a doc link is not a dependency).
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(&src).unwrap();
            let top =
                rel.components().next().unwrap().as_os_str().to_string_lossy().trim_end_matches(".rs").to_string();
            if top == "lib" {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let text = match text.find("#[cfg(test)]\nmod tests") {
                Some(i) => &text[..i],
                None => &text[..],
            };
            // Comments may point anywhere (a doc link is not a dependency).
            let text: String =
                text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
            let uses = graph.entry(top.clone()).or_default();
            for name in crate_paths(&text) {
                if name != top {
                    uses.insert(name);
                }
            }
        }
    }
    graph
}

/// The first module of every `crate::…` path in `text`, including those in
/// `use crate::{a, b::c}` groups.
fn crate_paths(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let ident = |s: &str| s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>();
    for (i, _) in text.match_indices("crate::") {
        // Skip `qadam_crate::`-like identifiers that merely end in "crate".
        if text[..i].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &text[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut item_start = true;
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && !c.is_whitespace() => {
                        out.insert(ident(&group[j..]));
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            out.insert(ident(rest));
        }
    }
    out.retain(|m| !m.is_empty() && m.chars().next().is_some_and(|c| c.is_lowercase()));
    out
}

/// A cycle in `graph`, if there is one, as the modules along it.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        m: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match state.get(m) {
            Some(2) => return None,
            Some(1) => {
                let from = path.iter().position(|p| p == m).unwrap();
                let mut cycle = path[from..].to_vec();
                cycle.push(m.to_string());
                return Some(cycle);
            }
            _ => {}
        }
        state.insert(m.to_string(), 1);
        path.push(m.to_string());
        for next in graph.get(m).into_iter().flatten() {
            if let Some(c) = visit(next, graph, state, path) {
                return Some(c);
            }
        }
        path.pop();
        state.insert(m.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    graph.keys().find_map(|m| visit(m, graph, &mut state, &mut Vec::new()))
}

#[test]
fn the_reader_finds_the_modules_a_file_names() {
    let text = "use crate::error::ModelError;\nuse crate::{model::{A, B}, rules};\nlet x = crate::units::TOLERANCE; qadam_crate::no;";
    let found: Vec<String> = crate_paths(text).into_iter().collect();
    assert_eq!(found, ["error", "model", "rules", "units"]);
    let g: BTreeMap<String, BTreeSet<String>> = [
        ("a".to_string(), BTreeSet::from(["b".to_string()])),
        ("b".to_string(), BTreeSet::from(["c".to_string()])),
        ("c".to_string(), BTreeSet::from(["a".to_string()])),
    ]
    .into();
    assert_eq!(find_cycle(&g), Some(vec!["a".into(), "b".into(), "c".into(), "a".into()]));
}

#[test]
fn core_modules_form_no_cycle() {
    let graph = module_graph();
    assert!(graph.len() > 10, "the sources were read: {graph:?}");
    if let Some(cycle) = find_cycle(&graph) {
        panic!("qadam-core's modules form a cycle: {}\nthe graph: {graph:#?}", cycle.join(" → "));
    }
}

#[test]
fn frameworks_stay_in_their_crates() {
    let out = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // A normal (not dev, not build) dependency on `dep` is allowed only in these packages.
    let allowed: &[(&str, &[&str])] = &[
        ("tauri", &["qadam-app"]),
        ("axum", &["qadam-sync-server", "qadam-testkit"]),
        ("reqwest", &["qadam-client"]),
        ("tokio", &["qadam-client", "qadam-app", "qadam-sync-server", "qadam-testkit"]),
        ("hyper", &["qadam-sync-server"]),
    ];
    let mut wrong = Vec::new();
    let packages = meta["packages"].as_array().unwrap();
    assert!(packages.iter().any(|p| p["name"] == "qadam-core"), "the workspace was read");
    for p in packages {
        let name = p["name"].as_str().unwrap();
        for d in p["dependencies"].as_array().unwrap() {
            if !d["kind"].is_null() {
                continue; // dev- and build-dependencies
            }
            let dep = d["name"].as_str().unwrap();
            if let Some((_, ok)) = allowed.iter().find(|(n, _)| *n == dep) {
                if !ok.contains(&name) {
                    wrong.push(format!("{name} depends on {dep}"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:?}");
}
