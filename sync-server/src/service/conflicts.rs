//! Conflicts: concurrent writes to one field, both kept, listed with their
//! authors for those who may read the campaign, and resolved by a
//! coordinator with a change that syncs back to every device.

use qadam_core::ErrorCode;
use std::collections::BTreeMap;
use std::sync::Arc;

use qadam_core::change::{Change, Conflict};
use qadam_core::StoreError;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{blocking, require_coordinator};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::accounts::Principal;
use crate::store::{self as stores, Access, SyncStore, COORDINATOR_DEVICE};

/// A conflict with the accounts behind its two writes' device ids.
#[derive(Serialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export_to = "server/")]
pub struct ConflictView {
    #[serde(flatten)]
    pub conflict: Conflict,
    /// `device_id` → `Name (login)` of the account that pushed it, when known.
    pub authors: BTreeMap<String, String>,
}

/// A coordinator's resolution of a conflict.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resolution {
    /// Keep the `earlier` or the `later` write's value…
    pub keep: Option<String>,
    /// …or enter a new value.
    pub value: Option<serde_json::Value>,
}

/// The campaign a conflict's record belongs to.
fn campaign_of(s: &AppState, c: &Conflict) -> Result<Option<Uuid>, AppError> {
    let op = c.later.op_id.to_string();
    Ok(stores::read_accounts(&*s.store, |db| stores::change_campaign(db, &op))?)
}

/// The unresolved conflicts of the campaigns `p` may read. Auditors see
/// them too (the app shows them on the fields concerned); only
/// coordinators resolve them.
pub async fn list(s: &Arc<AppState>, p: Principal) -> Result<Vec<ConflictView>, AppError> {
    let s = s.clone();
    blocking(move || {
        let mut out = Vec::new();
        for c in s.store.conflicts()? {
            if campaign_of(&s, &c)?.is_some_and(|id| p.can_read(id)) {
                let ids = [c.earlier.device_id.as_str(), c.later.device_id.as_str()];
                let authors = stores::read_accounts(&*s.store, |db| stores::accounts::authors(db, &ids))?;
                out.push(ConflictView { conflict: c, authors });
            }
        }
        Ok(out)
    })
    .await
}

/// Resolves a conflict: keep one write, keep the other, or a new value,
/// which becomes an ordinary change that syncs back to the devices.
pub async fn resolve(s: &Arc<AppState>, p: Principal, id: i64, r: Resolution) -> Result<Change, AppError> {
    require_coordinator(&p)?;
    let s = s.clone();
    blocking(move || {
        let found = s.store.conflict(id)?;
        if let Some((c, _)) = &found {
            if !campaign_of(&s, c)?.is_some_and(|id| p.can_coordinate(id)) {
                return Err(AppError::forbidden("this conflict is in a campaign you do not coordinate"));
            }
        }
        // Only an unresolved conflict offers its two writes to keep.
        let c = found.and_then(|(c, resolved)| resolved.is_none().then_some(c));
        let value = match (r.keep.as_deref(), r.value, c) {
            (Some("earlier"), None, Some(c)) => c.earlier.value,
            (Some("later"), None, Some(c)) => c.later.value,
            (None, Some(v), _) => v,
            // Already resolved (or unknown): answer as before.
            (Some(_), None, None) => serde_json::Value::Null,
            _ => {
                return Err(AppError::bad(
                    ErrorCode::InvalidResolution,
                    "send {\"keep\": \"earlier\"|\"later\"} or {\"value\": …}",
                    Some("keep".into()),
                ))
            }
        };
        Ok(write_resolution(&*s.store, id, value)?)
    })
    .await
}

/// Resolves a conflict with `value`: an ordinary change by the
/// coordinator, stamped after both writes and having seen everything, so
/// it wins and syncs back to every device. Idempotent: a resolved conflict
/// answers with the change that resolved it.
pub fn write_resolution(store: &dyn SyncStore, id: i64, value: serde_json::Value) -> Result<Change, StoreError> {
    let (conflict, resolved) =
        store.conflict(id)?.ok_or_else(|| StoreError::NotFound { entity: "conflict", id: id.to_string() })?;
    if let Some(change) = resolved {
        return Ok(change);
    }
    let (a, b) = (&conflict.earlier, &conflict.later);
    let mut clock = qadam_core::HlcClock::resume(a.hlc.max(b.hlc));
    let change = Change {
        op_id: Uuid::now_v7(),
        entity: b.entity,
        entity_id: b.entity_id,
        field: b.field.clone(),
        value,
        hlc: clock.tick(qadam_core::hlc::now_ms()),
        device_id: COORDINATOR_DEVICE.to_string(),
        seen_cursor: store.cursor()?,
    };
    store.push(vec![change.clone()], &Access::All)?;
    store.mark_resolved(id, change.op_id)?;
    Ok(change)
}
