//! Syncing by itself: a background task that runs the same sync as the
//! button — a few seconds after an edit, every few minutes when idle, and,
//! while the server cannot be reached, again after growing pauses
//! (`qadam_core::sync::retry_delay_ms`). The UI hears each run's progress
//! (`sync-progress`) and outcome (`auto-sync`), and pokes the task when the
//! edits happen or the webview says the network is back.

use std::sync::Arc;
use std::time::Duration;

use qadam_client::AutoSyncOutcome;
use qadam_core::sync::{retry_delay_ms, AUTO_SYNC_DEBOUNCE_MS, AUTO_SYNC_IDLE_MS};
use tauri::{AppHandle, Emitter, Manager};
use tokio::sync::Notify;

use crate::AppState;

/// Starts the task; `wake` makes it try soon.
pub fn start(app: AppHandle, wake: Arc<Notify>) {
    tauri::async_runtime::spawn(async move {
        let mut failures: u32 = 0;
        loop {
            let pause = if failures == 0 { AUTO_SYNC_IDLE_MS } else { retry_delay_ms(failures) };
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(pause)) => {}
                _ = wake.notified() => {
                    failures = 0;
                    tokio::time::sleep(Duration::from_millis(AUTO_SYNC_DEBOUNCE_MS)).await;
                }
            }
            let state = app.state::<AppState>();
            let wanted = match state.device.with(|s| s.settings()).await {
                Ok(set) => set.auto_sync && !set.server_url.trim().is_empty() && !set.token.trim().is_empty(),
                Err(_) => false,
            };
            if !wanted {
                failures = 0;
                continue;
            }
            // A sync the auditor started is running: it does the work.
            let Ok(_one_at_a_time) = state.syncing.try_lock() else { continue };
            let result = state
                .sync(|p| {
                    let _ = app.emit("sync-progress", p);
                })
                .await;
            let outcome = match result {
                Ok(_) => {
                    failures = 0;
                    AutoSyncOutcome { ok: true, error: None, retry_in_ms: None }
                }
                Err(e) => {
                    failures = failures.saturating_add(1);
                    AutoSyncOutcome { ok: false, error: Some(e.detail()), retry_in_ms: Some(retry_delay_ms(failures)) }
                }
            };
            let _ = app.emit("auto-sync", outcome);
        }
    });
}
