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
