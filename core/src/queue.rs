//! The coordinator's review queue: the audits waiting for a decision,
//! from objects evaluated in bulk ([`crate::records::evaluate_all`]).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::model::{Audit, AuditStatus, District, Object};
use crate::records::EvaluatedObject;

/// Which audits the queue shows.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct QueueFilter {
    pub campaign: Option<Uuid>,
    pub district: Option<District>,
    /// Part of the auditor's name, any case.
    pub auditor: Option<String>,
    /// The states shown; submitted and in review when empty.
    pub status: Vec<AuditStatus>,
}

/// An audit in the review queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct QueueItem {
    pub audit: Audit,
    pub object: Object,
    pub element_count: u32,
    /// When the auditor (last) submitted it, Unix ms.
    #[ts(type = "number | null")]
    pub submitted_at_ms: Option<i64>,
    /// Triage: checks of this audit's elements that failed (advisory ones
    /// left out), checks nothing measured, and the object's photos.
    pub failures: u32,
    pub unmeasured: u32,
    pub photo_count: u32,
}

/// The review queue: audits of `objects` (evaluated, see
/// [`crate::records::evaluate_all`]) in the filter's states, oldest
/// submission first.
pub fn queue(objects: &[EvaluatedObject], filter: &QueueFilter) -> Vec<QueueItem> {
    let states: &[AuditStatus] =
        if filter.status.is_empty() { &[AuditStatus::Submitted, AuditStatus::InReview] } else { &filter.status };
    let needle = filter.auditor.as_deref().map(str::to_lowercase).filter(|s| !s.is_empty());
    let mut out = Vec::new();
    for o in objects {
        if filter.campaign.is_some() && o.object.campaign_id != filter.campaign {
            continue;
        }
        if filter.district.is_some() && o.object.district != filter.district {
            continue;
        }
        for a in &o.audits {
            if !a.status.is_some_and(|s| states.contains(&s)) {
                continue;
            }
            if needle.as_ref().is_some_and(|n| !a.auditor.to_lowercase().contains(n.as_str())) {
                continue;
            }
            let mine: std::collections::BTreeSet<uuid::Uuid> =
                o.elements.iter().filter(|e| e.audit_id == Some(a.id)).map(|e| e.id).collect();
            let results = o.verdict.results.iter().filter(|r| mine.contains(&r.element_id) && !r.advisory);
            let count =
                |outcome: crate::rules::Outcome| results.clone().filter(|r| r.outcome == outcome).count() as u32;
            out.push(QueueItem {
                failures: count(crate::rules::Outcome::Fail),
                unmeasured: count(crate::rules::Outcome::NotMeasured),
                photo_count: o.photo_count,
                element_count: mine.len() as u32,
                submitted_at_ms: a.finished_at_ms,
                audit: a.clone(),
                object: o.object.clone(),
            });
        }
    }
    out.sort_by_key(|i| (i.submitted_at_ms.unwrap_or(i64::MAX), i.audit.id));
    out
}
