//! Review: the queue of submitted audits, an audit's history, and a
//! coordinator's decision, which is written as ordinary records so it
//! syncs to the auditor's phone.

use std::sync::Arc;

use qadam_core::model::{Element, EntityKind};
use qadam_core::queue::{QueueFilter, QueueItem};
use qadam_core::records;
use qadam_core::review::{AuditEvent, Review, ReviewRequest};
use qadam_core::{ModelError, StoreError};
use uuid::Uuid;

use super::{blocking, coordinated, may_coordinate, require_coordinator};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::accounts::Principal;
use crate::store::{Access, SyncStore, COORDINATOR_DEVICE};

/// The review queue of the campaigns `p` coordinates, oldest submission first.
pub async fn queue(s: &Arc<AppState>, p: Principal, filter: QueueFilter) -> Result<Vec<QueueItem>, AppError> {
    may_coordinate(&p, filter.campaign)?;
    let s = s.clone();
    blocking(move || {
        let mut items = qadam_core::queue::queue(&coordinated(&s, &p, filter.campaign)?, &filter);
        super::name_blank_auditors(&s, items.iter_mut().map(|i| &mut i.audit))?;
        Ok(items)
    })
    .await
}

/// Every status change of an audit `p` coordinates, with who and when.
pub async fn history(s: &Arc<AppState>, p: Principal, audit: Uuid) -> Result<Vec<AuditEvent>, AppError> {
    require_coordinator(&p)?;
    let s = s.clone();
    blocking(move || {
        let audit = s.store.audit(audit, &|c| p.can_coordinate(c))?;
        let writes = s.store.field_history(EntityKind::Audit, audit.id, "status")?;
        let mut reviews = Vec::new();
        s.store.read(&mut |src| {
            reviews = records::reviews_of(src, std::slice::from_ref(&audit))?;
            Ok(())
        })?;
        Ok(qadam_core::review::history(&audit, &writes, &reviews))
    })
    .await
}

/// A coordinator's decision on an audit, answered with the review (the
/// stored one when the request repeats a `review_id`).
pub async fn decide(s: &Arc<AppState>, p: Principal, audit: Uuid, req: ReviewRequest) -> Result<Review, AppError> {
    require_coordinator(&p)?;
    let reviewer = p.display_name();
    let s = s.clone();
    let (review, _) =
        blocking(move || Ok(record(&*s.store, audit, &req, &reviewer, &|c| p.can_coordinate(c))?)).await?;
    Ok(review)
}

/// Records a coordinator's decision on an audit the caller may coordinate
/// (`allowed`): the review record and the audit's new status, in one
/// push, so it syncs to the auditor's phone. Idempotent: a request with a
/// `review_id` already stored answers with that review (`false`: nothing
/// new was written).
pub fn record(
    store: &dyn SyncStore,
    audit_id: Uuid,
    req: &ReviewRequest,
    reviewer: &str,
    allowed: &dyn Fn(Uuid) -> bool,
) -> Result<(Review, bool), StoreError> {
    let review_id = req.review_id.unwrap_or_else(Uuid::now_v7);
    let audit = store.audit(audit_id, allowed)?;
    let mut stored: Option<Review> = None;
    let mut elements: Vec<Element> = Vec::new();
    store.read(&mut |src| {
        stored = records::load_one::<Review, _>(src, EntityKind::Review, review_id).ok();
        if let Some(object) = audit.object_id {
            elements = records::load_where(src, EntityKind::Element, "object_id", object)?;
        }
        Ok(())
    })?;
    if let Some(r) = stored {
        if r.audit_id != Some(audit_id) {
            return Err(ModelError::invalid("review_id", "this review id belongs to another audit").into());
        }
        return Ok((r, false));
    }
    qadam_core::review::check_request(req, &audit, &elements)?;
    let last = store.field_history(EntityKind::Audit, audit_id, "status")?.into_iter().map(|c| c.hlc).max();
    let mut clock = qadam_core::HlcClock::resume(last.unwrap_or(qadam_core::Hlc::new(0, 0)));
    let approval = match (req.action, audit.object_id) {
        (qadam_core::review::ReviewAction::Approve, Some(object)) => Some(store.verdict(object)?),
        _ => None,
    };
    let stamp =
        qadam_core::review::Stamp { clock: &mut clock, device_id: COORDINATOR_DEVICE, seen_cursor: store.cursor()? };
    let changes = qadam_core::review::changes(review_id, &audit, req, reviewer, approval.as_ref(), stamp);
    store.push(changes, &Access::All)?;
    let mut review = None;
    store.read(&mut |src| {
        review = Some(records::load_one::<Review, _>(src, EntityKind::Review, review_id)?);
        Ok(())
    })?;
    Ok((review.expect("read sets it"), true))
}
