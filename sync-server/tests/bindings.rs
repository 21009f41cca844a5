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

#[test]
fn server_and_app_bindings_match_the_rust_types() {
    let tmp = tempfile::tempdir().unwrap();
    macro_rules! export {
        ($($t:ty),* $(,)?) => { $( <$t>::export_all_to(tmp.path()).unwrap(); )* };
    }
    export!(
        qadam_sync_server::service::accounts::Me,
        qadam_sync_server::service::accounts::EnrollmentResponse,
        qadam_sync_server::service::conflicts::ConflictView,
        qadam_sync_server::service::findings::DashboardObject,
        qadam_sync_server::store::accounts::Device,
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
/// run time or one nothing calls.
#[test]
fn the_windows_commands_are_exactly_the_registered_ones() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let ipc = std::fs::read_to_string(root.join("ui/src/lib/ipc.ts")).unwrap();
    let mut called = std::collections::BTreeSet::new();
    for (i, _) in ipc.match_indices("call") {
        let rest = &ipc[i + 4..];
        // `call('name'` or `call<T>('name'` (T may hold `<…>` and `(…)`).
        let Some(open) = rest.find('(') else { continue };
        let head = &rest[..open];
        if !(head.is_empty() || head.starts_with('<')) {
            continue;
        }
        let args = rest[open + 1..].trim_start();
        if let Some(name) = args.strip_prefix('\'').and_then(|a| a.split('\'').next()) {
            called.insert(name.to_string());
        }
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
    assert_eq!(called, registered);
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
