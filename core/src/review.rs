//! The coordinator's review of audits. An audit goes
//! draft → submitted → in review → approved / changes requested / rejected;
//! an auditor resubmits an audit sent back, and it comes back into the queue.
//!
//! A review is itself a record (entity `review`): who decided what, when,
//! from which state to which, with the comment and the element it is about.
//! The server writes it with the audit's new status as ordinary change
//! records, so the decision syncs to the auditor's phone like any edit and
//! the change log keeps every transition. Auditors' own transitions (submit,
//! resubmit) are the status changes their devices push.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use ts_rs::TS;
use uuid::Uuid;

use crate::change::Change;
use crate::error::{ModelError, StoreError};
use crate::hlc::HlcClock;
use crate::model::{Audit, AuditStatus, Element, EntityKind};
use crate::rules::{CategoryStatus, DisabilityCategory};

pub use crate::model::{ReviewAction, MAX_COMMENT_CHARS};

impl ReviewAction {
    /// The state the action moves a submitted (or in-review) audit to.
    pub fn target(self) -> AuditStatus {
        match self {
            ReviewAction::StartReview => AuditStatus::InReview,
            ReviewAction::Approve => AuditStatus::Approved,
            ReviewAction::RequestChanges => AuditStatus::ChangesRequested,
            ReviewAction::Reject => AuditStatus::Rejected,
        }
    }

    fn needs_comment(self) -> bool {
        matches!(self, ReviewAction::RequestChanges | ReviewAction::Reject)
    }
}

/// A coordinator's decision on an audit, as stored and synced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct Review {
    pub id: Uuid,
    pub audit_id: Option<Uuid>,
    /// The element a comment is about, if it is about one.
    pub element_id: Option<Uuid>,
    pub action: Option<ReviewAction>,
    pub from_status: Option<AuditStatus>,
    pub to_status: Option<AuditStatus>,
    #[serde(default)]
    pub comment: String,
    /// The reviewer's login and name, `login (Name)`.
    #[serde(default)]
    pub reviewer: String,
    /// Unix time in milliseconds.
    #[ts(type = "number | null")]
    pub at_ms: Option<i64>,
    /// On approval: the object's status per disability category as the
    /// approved audit left it (what "adapted after a re-audit" compares).
    #[serde(default)]
    pub statuses: Option<BTreeMap<DisabilityCategory, CategoryStatus>>,
    /// On approval: the rules the object failed then (ids, sorted), so a
    /// later approval can say what was fixed since.
    #[serde(default)]
    pub failed_rules: Option<Vec<String>>,
}

/// Who writes a batch of changes, with which clock, having seen what.
pub struct Stamp<'a> {
    pub clock: &'a mut HlcClock,
    pub device_id: &'a str,
    pub seen_cursor: i64,
}

/// The body of `POST /api/v1/audits/{id}/review`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    /// A fresh UUID the client chooses, so that a retried request is
    /// recognised and changes nothing; the server makes one if absent.
    #[serde(default)]
    pub review_id: Option<Uuid>,
    pub action: ReviewAction,
    #[serde(default)]
    pub comment: String,
    #[serde(default)]
    pub element_id: Option<Uuid>,
}

/// The state `action` moves an audit in state `from` to, or why it cannot.
pub fn transition(from: Option<AuditStatus>, action: ReviewAction) -> Result<AuditStatus, StoreError> {
    let from = from.unwrap_or(AuditStatus::Draft);
    let ok = match action {
        ReviewAction::StartReview => from == AuditStatus::Submitted,
        _ => matches!(from, AuditStatus::Submitted | AuditStatus::InReview),
    };
    if ok {
        Ok(action.target())
    } else {
        Err(StoreError::WrongState(format!(
            "the audit is {}: only a submitted audit{} can be {}",
            from.as_str(),
            if action == ReviewAction::StartReview { "" } else { " or one in review" },
            match action {
                ReviewAction::StartReview => "taken into review",
                ReviewAction::Approve => "approved",
                ReviewAction::RequestChanges => "sent back for changes",
                ReviewAction::Reject => "rejected",
            }
        )))
    }
}

/// Checks a request against the audit and its elements.
pub fn check_request(req: &ReviewRequest, audit: &Audit, elements: &[Element]) -> Result<AuditStatus, StoreError> {
    let comment = req.comment.trim();
    if req.action.needs_comment() && comment.is_empty() {
        let what = if req.action == ReviewAction::Reject { "a reason" } else { "what to change" };
        return Err(ModelError::invalid("comment", format!("say {what}: the auditor reads it in the app")).into());
    }
    if comment.chars().count() > MAX_COMMENT_CHARS {
        return Err(ModelError::invalid("comment", format!("longer than {MAX_COMMENT_CHARS} characters")).into());
    }
    if let Some(e) = req.element_id {
        if !elements.iter().any(|el| el.id == e) {
            return Err(
                ModelError::invalid("element_id", format!("element {e} is not part of this audit's object")).into()
            );
        }
    }
    transition(audit.status, req.action)
}

/// The change records of a review (checked by [`check_request`]): the
/// review record and the audit's new status, stamped after `after` (the audit's newest status write) by
/// `device_id`. Op ids derive from the review id, so writing the same review
/// twice stores it once.
pub fn changes(
    review_id: Uuid,
    audit: &Audit,
    req: &ReviewRequest,
    reviewer: &str,
    approval: Option<&crate::rules::ObjectVerdict>,
    stamp: Stamp<'_>,
) -> Vec<Change> {
    let to = req.action.target();
    let approval = approval.filter(|_| to == AuditStatus::Approved);
    let now = crate::hlc::now_ms();
    let hlc = stamp.clock.tick(now);
    let fields = [
        ("audit_id", json!(audit.id)),
        ("element_id", json!(req.element_id)),
        ("action", json!(req.action)),
        ("from_status", json!(audit.status.unwrap_or(AuditStatus::Draft))),
        ("to_status", json!(to)),
        ("comment", json!(req.comment.trim())),
        ("reviewer", json!(reviewer)),
        ("at_ms", json!(now as i64)),
        ("statuses", json!(approval.map(|v| &v.by_category))),
        ("failed_rules", json!(approval.map(failed_rules))),
    ];
    let change = |entity, entity_id, field: &str, value| Change {
        op_id: Uuid::new_v5(&review_id, field.as_bytes()),
        entity,
        entity_id,
        field: field.to_string(),
        value,
        hlc,
        device_id: stamp.device_id.to_string(),
        seen_cursor: stamp.seen_cursor,
    };
    let mut out: Vec<Change> = fields.into_iter().map(|(f, v)| change(EntityKind::Review, review_id, f, v)).collect();
    out.push(change(EntityKind::Audit, audit.id, "status", json!(to)));
    out
}

/// The rules a verdict failed (not the advisory ones), each id once, sorted.
pub fn failed_rules(v: &crate::rules::ObjectVerdict) -> Vec<String> {
    let ids: std::collections::BTreeSet<&str> = v
        .results
        .iter()
        .filter(|r| r.outcome == crate::rules::Outcome::Fail && !r.advisory)
        .map(|r| &*r.rule_id)
        .collect();
    ids.into_iter().map(String::from).collect()
}

/// The rules a verdict judged and found passed on every element they
/// were measured on (a rule failed anywhere is not among them), sorted.
pub fn passed_rules(v: &crate::rules::ObjectVerdict) -> Vec<String> {
    let failed = failed_rules(v);
    let ids: std::collections::BTreeSet<&str> = v
        .results
        .iter()
        .filter(|r| r.outcome == crate::rules::Outcome::Pass && !r.advisory)
        .map(|r| &*r.rule_id)
        .filter(|id| !failed.iter().any(|f| f == id))
        .collect();
    ids.into_iter().map(String::from).collect()
}

/// Refuses review decisions in a device's push: review records, and audit
/// states other than draft and submitted, are written only through a
/// coordinator's review (`POST /api/v1/audits/{id}/review`), which checks
/// the transition and records who made it.
pub fn check_device_push(changes: &[Change]) -> Result<(), StoreError> {
    for (i, c) in changes.iter().enumerate() {
        let refused = match (c.entity, c.field.as_str()) {
            (EntityKind::Review, _) => Some("reviews are written by a coordinator's review, not by a sync push"),
            (EntityKind::Audit, "status") => serde_json::from_value::<AuditStatus>(c.value.clone())
                .ok()
                .filter(|s| !s.set_by_auditor())
                .map(|_| "an auditor's device sets an audit to draft or submitted; the other states are a coordinator's review decisions"),
            (EntityKind::Photo, "public") => Some("a photo is made public by a coordinator on the dashboard, not by a sync push"),
            _ => None,
        };
        if let Some(message) = refused {
            return Err(StoreError::Forbidden { field: format!("changes[{i}]"), message: message.into() });
        }
    }
    Ok(())
}

/// One step of an audit's history: a status change, who made it, when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct AuditEvent {
    pub status: AuditStatus,
    /// The reviewer, or the auditor and the device that pushed the change.
    pub by: String,
    #[ts(type = "number")]
    pub at_ms: i64,
    #[serde(default)]
    pub comment: String,
    pub element_id: Option<Uuid>,
}

/// An audit's history from the log of its status writes and its reviews.
pub fn history(audit: &Audit, status_writes: &[Change], reviews: &[Review]) -> Vec<AuditEvent> {
    let mut out: Vec<AuditEvent> = Vec::new();
    for c in status_writes {
        let Ok(status) = serde_json::from_value::<AuditStatus>(c.value.clone()) else { continue };
        let op = c.op_id;
        if let Some(r) = reviews.iter().find(|r| Uuid::new_v5(&r.id, b"status") == op) {
            out.push(AuditEvent {
                status,
                by: r.reviewer.clone(),
                at_ms: r.at_ms.unwrap_or(c.hlc.wall_ms as i64),
                comment: r.comment.clone(),
                element_id: r.element_id,
            });
        } else {
            out.push(AuditEvent {
                status,
                by: format!("{} · {}", audit.auditor, c.device_id),
                at_ms: c.hlc.wall_ms as i64,
                comment: String::new(),
                element_id: None,
            });
        }
    }
    out.sort_by_key(|e| e.at_ms);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn submitted() -> Audit {
        Audit {
            id: Uuid::now_v7(),
            campaign_id: None,
            object_id: None,
            auditor: "A".into(),
            started_at_ms: None,
            finished_at_ms: None,
            status: Some(AuditStatus::Submitted),
            rule_set_version: None,
            checklists_version: None,
        }
    }

    #[test]
    fn only_submitted_audits_are_reviewed() {
        use AuditStatus::*;
        use ReviewAction::*;
        assert_eq!(transition(Some(Submitted), StartReview).unwrap(), InReview);
        assert_eq!(transition(Some(InReview), Approve).unwrap(), Approved);
        assert_eq!(transition(Some(Submitted), RequestChanges).unwrap(), ChangesRequested);
        assert_eq!(transition(Some(InReview), Reject).unwrap(), Rejected);
        for from in [Draft, Approved, Rejected, ChangesRequested] {
            for a in [StartReview, Approve, RequestChanges, Reject] {
                let e = transition(Some(from), a).unwrap_err().to_string();
                assert!(e.contains(from.as_str()), "{e}");
            }
        }
        assert!(transition(Some(InReview), StartReview).is_err());
        assert!(transition(None, Approve).is_err());
    }

    #[test]
    fn sending_back_or_rejecting_needs_a_comment() {
        let audit = submitted();
        let req = |action, comment: &str| ReviewRequest {
            review_id: None,
            action,
            comment: comment.into(),
            element_id: None,
        };
        for a in [ReviewAction::RequestChanges, ReviewAction::Reject] {
            let e = check_request(&req(a, "  "), &audit, &[]).unwrap_err();
            assert!(matches!(e, StoreError::Model(ModelError::Invalid { ref field, .. }) if field == "comment"), "{e}");
            assert!(check_request(&req(a, "Photo of the ramp is missing"), &audit, &[]).is_ok());
        }
        assert!(check_request(&req(ReviewAction::Approve, ""), &audit, &[]).is_ok());
        let mut r = req(ReviewAction::RequestChanges, "x");
        r.element_id = Some(Uuid::now_v7());
        let e = check_request(&r, &audit, &[]).unwrap_err();
        assert!(e.to_string().contains("element_id"), "{e}");
    }

    #[test]
    fn devices_cannot_push_review_decisions() {
        let audit = submitted();
        let id = Uuid::now_v7();
        let req =
            ReviewRequest { review_id: None, action: ReviewAction::Approve, comment: String::new(), element_id: None };
        let mut clock = HlcClock::resume(crate::Hlc::new(0, 0));
        let all = changes(id, &audit, &req, "c", None, Stamp { clock: &mut clock, device_id: "d", seen_cursor: 0 });
        let e = check_device_push(&all).unwrap_err().to_string();
        assert!(e.starts_with("changes[0]"), "{e}");
        let status_only = &all[all.len() - 1..];
        assert!(check_device_push(status_only).unwrap_err().to_string().contains("draft or submitted"));
        let mut submit = status_only.to_vec();
        submit[0].value = json!("submitted");
        check_device_push(&submit).unwrap();
    }

    #[test]
    fn a_review_written_twice_has_the_same_op_ids() {
        let audit = submitted();
        let id = Uuid::now_v7();
        let req = ReviewRequest {
            review_id: Some(id),
            action: ReviewAction::Approve,
            comment: String::new(),
            element_id: None,
        };
        let mut clock = HlcClock::resume(crate::Hlc::new(0, 0));
        let a = changes(id, &audit, &req, "c", None, Stamp { clock: &mut clock, device_id: "d", seen_cursor: 0 });
        let b = changes(id, &audit, &req, "c", None, Stamp { clock: &mut clock, device_id: "d", seen_cursor: 0 });
        assert_eq!(a.iter().map(|c| c.op_id).collect::<Vec<_>>(), b.iter().map(|c| c.op_id).collect::<Vec<_>>());
        for c in &a {
            c.validate_with_kind(&crate::checklist::Checklists::builtin(), None).unwrap();
        }
    }
}
