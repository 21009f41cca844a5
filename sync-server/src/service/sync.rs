//! A device's sync: its pushed changes stored (and who pushed them noted),
//! and pages of what it may read pulled after its cursor. Both wait their
//! turn in the sync lane.

use qadam_core::change::{PushRequest, PushResponse};
use qadam_core::ErrorCode;
use uuid::Uuid;

use super::sync_lane;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::accounts::Principal;
use crate::store::{self as stores, Access};
use std::sync::Arc;

/// Most changes one push may carry.
pub const MAX_PUSH_CHANGES: usize = 5_000;

/// Refuses a batch of more than [`MAX_PUSH_CHANGES`].
pub fn check_size(req: &PushRequest) -> Result<(), AppError> {
    if req.changes.len() > MAX_PUSH_CHANGES {
        return Err(AppError::TooLarge(format!(
            "a push may carry at most {MAX_PUSH_CHANGES} changes; this one has {}",
            req.changes.len()
        )));
    }
    Ok(())
}

/// Stores a device's batch (all or nothing) and notes which device ids
/// the caller's account pushed from, for the coordinator's conflict view.
pub async fn push(s: &Arc<AppState>, p: Principal, req: PushRequest) -> Result<PushResponse, AppError> {
    check_size(&req)?;
    // Review decisions come from a coordinator's review, never from a
    // phone; only an administrator (the server's own tooling: generators,
    // migrations of already reviewed data) may push them as records.
    if !p.is_admin() || p.device_id.is_some() {
        qadam_core::review::check_device_push(&req.changes)?;
    }
    let st = s.clone();
    sync_lane(s, move || {
        let mut devices: Vec<String> = req.changes.iter().map(|c| c.device_id.clone()).collect();
        devices.sort();
        devices.dedup();
        // Records whose object a push sets, in case it was merged away.
        let sent: Vec<_> = req
            .changes
            .iter()
            .filter(|c| c.field == "object_id")
            .filter_map(|c| Some((c.entity, c.entity_id, serde_json::from_value::<Uuid>(c.value.clone()).ok()?)))
            .collect();
        let answer = st.store.push(req.changes, &Access::of(&p))?;
        super::findings::follow_merges(&*st.store, &sent)?;
        if p.user.id != Uuid::nil() {
            note_authors(&st, &devices, &p.user.login)?;
        }
        Ok(answer)
    })
    .await
}

/// Notes `device_ids` as `login`'s where the store does not know it yet:
/// read first, written only when something is new, and remembered for a
/// while so that a device's every push does not ask again.
fn note_authors(s: &AppState, device_ids: &[String], login: &str) -> Result<(), AppError> {
    let ids: Vec<&str> = device_ids.iter().map(String::as_str).collect();
    let ids = s.devices.authors_unknown(&ids, login);
    if ids.is_empty() {
        return Ok(());
    }
    let now = qadam_core::hlc::now_ms() as i64;
    let new = stores::read_accounts(&*s.store, |db| stores::accounts::authors_to_note(db, &ids, login, now))?;
    if !new.is_empty() {
        let new: Vec<&str> = new.iter().map(String::as_str).collect();
        stores::accounts(&*s.store, |db| stores::accounts::note_authors(db, &new, login, now))?;
    }
    s.devices.keep_authors(&ids, login);
    Ok(())
}

/// A page of the changes `p` may read after `since`, as the store wrote
/// its JSON, passed through `encode` (compression) in the same turn.
pub async fn pull<T: Send + 'static>(
    s: &Arc<AppState>,
    p: Principal,
    since: i64,
    limit: u32,
    encode: impl FnOnce(Vec<u8>) -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    if since < 0 {
        return Err(AppError::bad(
            ErrorCode::InvalidQuery,
            "`since` must be 0 or a cursor the server gave",
            Some("since".into()),
        ));
    }
    let st = s.clone();
    sync_lane(s, move || encode(st.store.pull_json(since, limit, &Access::of(&p))?)).await
}
