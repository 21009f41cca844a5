//! What a sync run reports while it runs and when it ends. The transport
//! (HTTP) lives in the app; the order of steps, and what each step does to
//! the store, is here and in [`crate::store::Store`]: photos first (so no
//! pushed record references a photo the server lacks), then the outbox in
//! HLC order, then pull pages until the server has no more.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Most changes sent in one push.
pub const PUSH_BATCH: u32 = 500;
/// Page size asked of the server when pulling: about 200 KB gzipped of a
/// city's records, one transaction on the device. The next page is fetched
/// while one is applied.
pub const PULL_PAGE: u32 = 5000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
pub enum SyncPhase {
    Connecting,
    Photos,
    Push,
    Pull,
    Done,
}

/// Progress of a sync run, sent to the UI after every step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
pub struct SyncProgress {
    pub phase: SyncPhase,
    /// Local changes sent so far / to send in this run.
    pub records_done: u32,
    pub records_total: u32,
    /// Photo bytes uploaded so far / to upload in this run.
    #[ts(type = "number")]
    pub bytes_done: u64,
    #[ts(type = "number")]
    pub bytes_total: u64,
    /// Changes received from the server so far.
    pub pulled: u32,
}

impl SyncProgress {
    pub fn start(records_total: u32, bytes_total: u64) -> Self {
        SyncProgress {
            phase: SyncPhase::Connecting,
            records_done: 0,
            records_total,
            bytes_done: 0,
            bytes_total,
            pulled: 0,
        }
    }
}

/// Pause after an edit before syncing by itself, so a burst of edits goes in one run.
pub const AUTO_SYNC_DEBOUNCE_MS: u64 = 3_000;
/// Pause between syncs by itself when nothing happens (others' edits arrive).
pub const AUTO_SYNC_IDLE_MS: u64 = 5 * 60_000;

/// Pause before the next try after `failures` failed syncs in a row:
/// 5 s, 10 s, 20 s … at most 5 minutes, so a phone out of coverage neither
/// drains its battery nor waits long once the network returns.
pub fn retry_delay_ms(failures: u32) -> u64 {
    let base: u64 = 5_000;
    base.saturating_mul(1u64 << failures.saturating_sub(1).min(16)).min(300_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_and_are_bounded() {
        assert_eq!(retry_delay_ms(1), 5_000);
        assert_eq!(retry_delay_ms(2), 10_000);
        assert_eq!(retry_delay_ms(3), 20_000);
        assert_eq!(retry_delay_ms(7), 300_000);
        assert_eq!(retry_delay_ms(1_000), 300_000);
        assert!((1..50).all(|n| retry_delay_ms(n) <= retry_delay_ms(n + 1)));
    }
}
