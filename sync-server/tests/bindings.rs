//! The TypeScript the dashboard and the app read for the server's own
//! answers (`ui/src/bindings/server/`) and for the app's commands and
//! events (`ui/src/bindings/app/`, types of `qadam-client`) are generated
//! from the Rust types, as core's are (`core/tests/contracts.rs`): this test
//! fails when a committed file differs from what the types generate, is
//! missing, or is no longer generated. Regenerate with
//! `QADAM_BLESS=1 cargo test -p qadam-sync-server --test bindings`.

use std::collections::BTreeMap;
use std::path::Path;

use ts_rs::TS;

fn files(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "ts"))
                .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap()))
                .collect()
        })
        .unwrap_or_default()
}

include!("../../core/tests/support/ts_export.rs");

#[test]
fn server_and_app_bindings_match_the_rust_types() {
    let tmp = tempfile::tempdir().unwrap();
    export_each!(tmp.path();
        qadam_sync_server::service::accounts::Me,
        qadam_sync_server::service::accounts::EnrollmentResponse,
        qadam_sync_server::service::conflicts::ConflictView,
        qadam_sync_server::service::findings::DashboardObject,
        qadam_sync_server::service::findings::DuplicateView,
        qadam_sync_server::service::assignments::AssignRequest,
        qadam_sync_server::service::findings::MergeRequest,
        qadam_sync_server::service::findings::MergeReport,
        qadam_sync_server::service::assignments::AssignReport,
        qadam_sync_server::store::accounts::Device,
        qadam_sync_server::store::accounts::User,
        qadam_sync_server::service::campaigns::Member,
        qadam_sync_server::store::teams::Team,
        qadam_sync_server::service::teams::TeamDeleted,
        qadam_sync_server::service::public::ReportRequest,
        qadam_sync_server::service::public::ReportReceipt,
        qadam_sync_server::service::public::PhotoVisibility,
        qadam_sync_server::store::reports::Report,
        qadam_core::public::PublicMap,
        qadam_core::public::SearchHit,
        qadam_core::public::PublicPlace,
        qadam_client::AppInfo,
        qadam_client::AutoSyncOutcome,
    );
    let bindings = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings");
    let bless = std::env::var_os("QADAM_BLESS").is_some();
    let mut drift = Vec::new();
    for sub in ["server", "app"] {
        let generated = files(&tmp.path().join(sub));
        assert!(!generated.is_empty(), "nothing was generated into {sub}/");
        let dir = bindings.join(sub);
        if bless {
            std::fs::create_dir_all(&dir).unwrap();
            for (name, _) in files(&dir) {
                std::fs::remove_file(dir.join(name)).unwrap();
            }
            for (name, text) in &generated {
                std::fs::write(dir.join(name), text).unwrap();
            }
            continue;
        }
        let committed = files(&dir);
        for name in committed.keys().filter(|n| !generated.contains_key(*n)) {
            drift.push(format!("{sub}/{name} is no longer generated"));
        }
        for (name, text) in &generated {
            match committed.get(name) {
                Some(c) if c == text => {}
                Some(_) => drift.push(format!("{sub}/{name} differs")),
                None => drift.push(format!("{sub}/{name} is missing")),
            }
        }
    }
    assert!(
        drift.is_empty(),
        "ui/src/bindings drifted from the Rust types: {drift:?}. Regenerate with QADAM_BLESS=1 cargo test -p qadam-sync-server --test bindings"
    );
}

/// The command and event names the app's window calls (`ui/src/lib/ipc.ts`, every
/// `call('name', …)`) against the commands the app registers
/// (`generate_handler![…]` in `src-tauri/src/lib.rs`): both lists are read
/// from the sources, and a name on one side only is a command that fails at
/// run time or one nothing calls. Each call's argument names are those the
/// command declares (`src-tauri/src/commands.rs`, in camelCase).
#[test]
fn the_windows_commands_are_exactly_the_registered_ones() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let ipc = std::fs::read_to_string(root.join("ui/src/lib/ipc.ts")).unwrap();
    // Each `call('name', { a, b: x })` or `call<T>('name', …)` (T may hold
    // `<…>` and `(…)`): the command's name and the argument names it sends.
    let mut called = std::collections::BTreeMap::new();
    for (i, _) in ipc.match_indices("call") {
        let rest = &ipc[i + 4..];
        let Some(open) = rest.find('(') else { continue };
        let head = &rest[..open];
        if !(head.is_empty() || head.starts_with('<')) {
            continue;
        }
        let args = rest[open + 1..].trim_start();
        let Some(quoted) = args.strip_prefix('\'') else { continue };
        let name = quoted.split('\'').next().unwrap().to_string();
        let after = quoted[name.len() + 1..].trim_start();
        let keys: std::collections::BTreeSet<String> = match after.strip_prefix(',').map(str::trim_start) {
            Some(object) if object.starts_with('{') => object[1..object.find('}').unwrap()]
                .split(',')
                .map(|k| k.split(':').next().unwrap().trim().to_string())
                .filter(|k| !k.is_empty())
                .collect(),
            _ => Default::default(),
        };
        called.insert(name, keys);
    }
    // The Rust side: each `#[tauri::command]`'s parameters that come from
    // the window (not the state, the app handle or the raw request), named
    // as Tauri names them in JavaScript (camelCase).
    let commands = std::fs::read_to_string(root.join("src-tauri/src/commands.rs")).unwrap();
    let mut declared = std::collections::BTreeMap::new();
    for (i, _) in commands.match_indices("#[tauri::command]") {
        let rest = &commands[i..];
        let rest = &rest[rest.find("fn ").unwrap() + 3..];
        let name = rest[..rest.find('(').unwrap()].to_string();
        let (mut depth, mut params, mut cur) = (0i32, Vec::new(), String::new());
        for ch in rest[rest.find('(').unwrap() + 1..].chars() {
            match ch {
                '(' | '<' => depth += 1,
                ')' if depth == 0 => break,
                ')' | '>' => depth -= 1,
                ',' if depth == 0 => {
                    params.push(std::mem::take(&mut cur));
                    continue;
                }
                _ => {}
            }
            cur.push(ch);
        }
        params.push(cur);
        let keys: std::collections::BTreeSet<String> = params
            .iter()
            .filter_map(|p| p.split_once(':'))
            .filter(|(_, ty)| {
                let ty = ty.trim();
                !["State<", "AppHandle", "tauri::AppHandle", "Window", "Request<"].iter().any(|t| ty.starts_with(t))
            })
            .map(|(n, _)| {
                let mut out = String::new();
                let mut upper = false;
                for c in n.trim().chars() {
                    if c == '_' {
                        upper = true;
                    } else {
                        out.push(if upper { c.to_ascii_uppercase() } else { c });
                        upper = false;
                    }
                }
                out
            })
            .collect();
        declared.insert(name, keys);
    }
    let lib = std::fs::read_to_string(root.join("src-tauri/src/lib.rs")).unwrap();
    let start = lib.find("generate_handler![").expect("the app registers its commands");
    let list = &lib[start..start + lib[start..].find(']').unwrap()];
    let registered: std::collections::BTreeSet<String> = list
        .split("commands::")
        .skip(1)
        .map(|c| c.split(|ch: char| !ch.is_alphanumeric() && ch != '_').next().unwrap().to_string())
        .collect();
    assert!(registered.len() >= 20, "{registered:?}");
    assert_eq!(called.keys().cloned().collect::<std::collections::BTreeSet<_>>(), registered);
    // Every command is called with exactly the arguments it declares: a
    // renamed parameter would otherwise fail only when the button is pressed.
    declared.retain(|name, _| registered.contains(name));
    assert_eq!(called, declared);
    // And the events: what the app emits is what the window listens to.
    let quoted_after = |text: &str, marker: &str, quote: char| -> std::collections::BTreeSet<String> {
        text.match_indices(marker)
            .filter_map(|(i, _)| {
                let rest = &text[i + marker.len()..];
                let rest = &rest[rest.find('(')? + 1..];
                rest.trim_start().strip_prefix(quote)?.split(quote).next().map(String::from)
            })
            .collect()
    };
    let app: String = std::fs::read_dir(root.join("src-tauri/src"))
        .unwrap()
        .map(|f| f.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    let emitted = quoted_after(&app, ".emit", '"');
    let listened = quoted_after(&ipc, "listen<", '\'');
    assert!(!emitted.is_empty());
    assert_eq!(listened, emitted);
}

/// Every error code the server and the app answer with (the Rust
/// `ErrorCode`, read from its JSON Schema) has a sentence in each of the
/// UI's languages, so no user meets the server's English; `unknown` (a
/// newer server's code) shows the message that came with it. The three
/// translation files have the same keys, and each sentence the same
/// `{placeholders}` in every language (plural forms may differ).
#[test]
fn every_error_code_has_a_sentence_in_every_language() {
    fn strings(v: &serde_json::Value, out: &mut std::collections::BTreeSet<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    match (k.as_str(), x) {
                        ("enum", serde_json::Value::Array(a)) => {
                            out.extend(a.iter().filter_map(|s| s.as_str().map(String::from)))
                        }
                        ("const", serde_json::Value::String(s)) => {
                            out.insert(s.clone());
                        }
                        _ => strings(x, out),
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
            _ => {}
        }
    }
    let mut codes = std::collections::BTreeSet::new();
    strings(&serde_json::to_value(schemars::schema_for!(qadam_core::ErrorCode)).unwrap(), &mut codes);
    assert!(codes.contains("invalid_value") && codes.contains("unknown"), "{codes:?}");
    codes.remove("unknown");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/locales");
    // The names of the top-level `{name}` and `{name, plural, one {# …} other {# …}}`
    // (a language picks its own plural forms, not its own names).
    let placeholders = |s: &str| -> Vec<String> {
        let (mut depth, mut names, mut current) = (0usize, Vec::new(), String::new());
        for c in s.chars() {
            match c {
                '{' => {
                    depth += 1;
                    if depth == 1 {
                        current.clear();
                    }
                }
                '}' => {
                    if depth == 1 {
                        names.push(current.split(',').next().unwrap_or_default().trim().to_string());
                    }
                    depth = depth.saturating_sub(1);
                }
                _ if depth == 1 => current.push(c),
                _ => {}
            }
        }
        // The same names, however often each is used (English says `{n}`
        // in each plural form, Kazakh once).
        names.sort();
        names.dedup();
        names
    };
    let mut tables = std::collections::BTreeMap::new();
    for lang in ["ru", "kk", "en"] {
        let text = std::fs::read_to_string(root.join(format!("{lang}.json"))).unwrap();
        let table: std::collections::BTreeMap<String, String> = serde_json::from_str(&text).unwrap();
        let missing: Vec<&String> = codes.iter().filter(|c| !table.contains_key(&format!("err.{c}"))).collect();
        assert!(missing.is_empty(), "{lang}.json has no sentence for the error codes {missing:?}");
        tables.insert(lang, table);
    }
    let en = &tables["en"];
    for (lang, table) in &tables {
        assert_eq!(table.keys().collect::<Vec<_>>(), en.keys().collect::<Vec<_>>(), "{lang}.json and en.json keys");
        for (k, v) in table {
            assert_eq!(placeholders(v), placeholders(&en[k]), "{lang}.json `{k}`: placeholders differ from en.json");
        }
    }
}
