//! The push body decoder: whatever the bytes, it answers — a clear error or
//! a request — and never panics; a request it accepts survives a round trip
//! through JSON unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(req) = qadam_sync_server::http::decode_push(data) {
        let again = serde_json::to_vec(&req).expect("an accepted request serialises");
        let back = qadam_sync_server::http::decode_push(&again).expect("what was accepted is accepted again");
        assert_eq!(back, req);
    }
});
