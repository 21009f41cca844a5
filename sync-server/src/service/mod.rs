//! What the server does, one module per use case, between the HTTP
//! handlers (which only translate requests and answers) and the store
//! (which only reads and writes): who may do it, in which order, on which
//! pool, and what is answered. Every function takes typed inputs and
//! answers typed values or an [`AppError`]; none knows of HTTP.

pub mod accounts;
pub mod adaptations;
pub mod assignments;
pub mod campaigns;
pub mod catalogue;
pub mod conflicts;
pub mod findings;
pub mod import;
pub mod norms;
pub mod photos;
pub mod progress;
pub mod public;
pub mod review;
pub mod sync;
pub mod teams;
pub mod throttle;

use std::sync::Arc;

use uuid::Uuid;

use crate::error::AppError;
use crate::state::AppState;
use crate::store::accounts::Principal;

/// Runs store work off the async runtime's threads.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| AppError::Internal(e.to_string()))?
}

/// [`blocking`] for a device's sync request: it waits, in arrival order, for
/// one of the [`crate::state::SYNC_LANE_WIDTH`] places on the store.
pub async fn sync_lane<T: Send + 'static>(
    s: &AppState,
    f: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    let _place = s.sync_lane.acquire().await.map_err(|e| AppError::Internal(e.to_string()))?;
    blocking(f).await
}

/// Refuses anyone who is not a coordinator or administrator.
pub fn require_coordinator(p: &Principal) -> Result<(), AppError> {
    if p.is_coordinator() {
        Ok(())
    } else {
        Err(AppError::forbidden("the dashboard is for coordinators and administrators; auditors use the field app"))
    }
}

/// Refuses anyone who is not an administrator.
pub fn require_admin(p: &Principal) -> Result<(), AppError> {
    if p.is_admin() {
        Ok(())
    } else {
        Err(AppError::forbidden("only an administrator may do this"))
    }
}

/// Refuses a campaign the caller does not coordinate (and anyone who is
/// not a coordinator).
pub fn may_coordinate(p: &Principal, campaign: Option<Uuid>) -> Result<(), AppError> {
    require_coordinator(p)?;
    match campaign.filter(|c| !p.can_coordinate(*c)) {
        Some(c) => Err(AppError::forbidden(format!("campaign {c}: you do not coordinate this campaign"))),
        None => Ok(()),
    }
}

/// The evaluated objects of the campaigns `p` coordinates (or of one).
fn coordinated(
    s: &AppState,
    p: &Principal,
    campaign: Option<Uuid>,
) -> Result<Arc<Vec<qadam_core::records::EvaluatedObject>>, AppError> {
    let all = s.evaluated.get(&*s.store, campaign)?;
    let mine = |o: &qadam_core::records::EvaluatedObject| o.object.campaign_id.is_some_and(|c| p.can_coordinate(c));
    Ok(if all.iter().all(mine) { all } else { Arc::new(all.iter().filter(|o| mine(o)).cloned().collect()) })
}

/// Names the audits whose `auditor` is blank (recorded before the device
/// was enrolled, or by an older app) by the account that pushed them, so
/// that no audit is nameless in the queue or the passport. An audit no
/// account pushed (the server's own tools) says so.
fn name_blank_auditors<'a>(
    s: &AppState,
    audits: impl Iterator<Item = &'a mut qadam_core::model::Audit>,
) -> Result<(), AppError> {
    for a in audits.filter(|a| a.auditor.trim().is_empty()) {
        let writes = s.store.field_history(qadam_core::model::EntityKind::Audit, a.id, "status")?;
        let ids: Vec<&str> = writes.iter().map(|c| c.device_id.as_str()).collect();
        let names = crate::store::read_accounts(&*s.store, |db| crate::store::accounts::authors(db, &ids))?;
        a.auditor = ids.iter().find_map(|d| names.get(*d)).cloned().unwrap_or_else(|| UNNAMED_AUDITOR.into());
    }
    Ok(())
}

/// What an audit no account pushed is attributed to.
pub const UNNAMED_AUDITOR: &str = "—";
