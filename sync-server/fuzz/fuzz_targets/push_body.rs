//! The push body decoder and the per-change checks behind it: whatever the
//! bytes, they answer — a clear error or a request — and never panic; a
//! request the decoder accepts survives a round trip through JSON unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;

/// The built-in checklists, read once.
fn lists() -> &'static qadam_core::checklist::Checklists {
    static LISTS: std::sync::OnceLock<qadam_core::checklist::Checklists> = std::sync::OnceLock::new();
    LISTS.get_or_init(qadam_core::checklist::Checklists::builtin)
}

fuzz_target!(|data: &[u8]| {
    if let Ok(req) = qadam_sync_server::http::decode_push(data) {
        for c in &req.changes {
            let _ = c.validate(lists());
        }
        let again = serde_json::to_vec(&req).expect("an accepted request serialises");
        let back = qadam_sync_server::http::decode_push(&again).expect("what was accepted is accepted again");
        assert_eq!(back, req);
    }
});
