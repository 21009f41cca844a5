//! Progress against a plan: how many of a campaign's objects have a
//! passport (an approved audit), by district and in all, against the
//! number the coordinator plans to passport by a date; and each auditor's
//! assigned objects, done and overdue. Pure: the server keeps the plan and
//! hands in the evaluated objects.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::model::{is_date, AuditStatus, District};
use crate::records::EvaluatedObject;
use crate::ModelError;

/// The most objects a plan may name (a country's survey, with room).
pub const MAX_PLANNED: u32 = 10_000_000;

/// What a coordinator plans: this many objects passported by `due_on`,
/// and, optionally, how many of them in each district.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub objects: u32,
    /// `YYYY-MM-DD`.
    pub due_on: String,
    #[serde(default)]
    pub districts: BTreeMap<District, u32>,
    /// Every how many months an approved object is due for a re-audit
    /// (24: every two years); none, never.
    #[serde(default)]
    pub reaudit_months: Option<u32>,
}

/// The longest re-audit interval, in months (ten years).
pub const MAX_REAUDIT_MONTHS: u32 = 120;

/// The day `months` after `date` (`YYYY-MM-DD`), on the month's last day
/// when it is shorter (31 January + 1 month is 28 or 29 February).
pub fn add_months(date: &str, months: u32) -> Option<String> {
    if !is_date(date) {
        return None;
    }
    let (y, m, d): (u32, u32, u32) = (date[0..4].parse().ok()?, date[5..7].parse().ok()?, date[8..10].parse().ok()?);
    let total = y * 12 + (m - 1) + months;
    let (y, m) = (total / 12, total % 12 + 1);
    let last = (28..=31).rev().find(|d| is_date(&format!("{y:04}-{m:02}-{d:02}")))?;
    let out = format!("{y:04}-{m:02}-{:02}", d.min(last));
    is_date(&out).then_some(out)
}

/// When an object is due for a re-audit: its last approved audit's date
/// plus the plan's interval; none before it was approved, or without one.
pub fn reaudit_due_on(o: &EvaluatedObject, months: Option<u32>) -> Option<String> {
    add_months(&crate::export::check_date(o)?, months?)
}

impl Plan {
    pub fn validate(&self) -> Result<(), ModelError> {
        if self.objects == 0 || self.objects > MAX_PLANNED {
            return Err(ModelError::invalid("objects", format!("between 1 and {MAX_PLANNED}")));
        }
        if !is_date(&self.due_on) {
            return Err(ModelError::invalid("due_on", "a date as YYYY-MM-DD"));
        }
        if self.reaudit_months.is_some_and(|m| m == 0 || m > MAX_REAUDIT_MONTHS) {
            return Err(ModelError::invalid("reaudit_months", format!("between 1 and {MAX_REAUDIT_MONTHS}")));
        }
        if let Some((d, _)) = self.districts.iter().find(|(_, n)| **n == 0 || **n > self.objects) {
            return Err(ModelError::invalid(
                "districts",
                format!("{d}: between 1 and the plan's {} objects", self.objects),
            ));
        }
        Ok(())
    }
}

/// A district's (or the campaign's) figures.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema, TS)]
pub struct PlanRow {
    /// None: the whole campaign, or objects without a district.
    pub district: Option<District>,
    pub planned: Option<u32>,
    /// Objects recorded.
    pub objects: u32,
    /// Of them, with an approved audit.
    pub passported: u32,
    /// Whose newest audit waits for a coordinator (submitted, in review).
    pub waiting: u32,
    /// Approved, and due for a re-audit by today (the plan's interval).
    pub reaudit_due: u32,
}

/// An auditor's assigned objects.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema, TS)]
pub struct AuditorProgress {
    /// Their login, as assignments name them.
    pub auditor: String,
    pub assigned: u32,
    /// Whose newest audit is approved.
    pub done: u32,
    /// Sent, waiting for a coordinator.
    pub waiting: u32,
    /// Neither done nor waiting, and past their due date.
    pub overdue: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct PlanProgress {
    pub plan: Option<Plan>,
    /// When the plan was set (`YYYY-MM-DD`).
    pub set_on: Option<String>,
    pub today: String,
    /// What a steady pace from `set_on` to `due_on` would have passported
    /// by today.
    pub expected_now: Option<u32>,
    /// Passported at least as many as expected by now.
    pub on_track: Option<bool>,
    pub campaign: PlanRow,
    pub by_district: Vec<PlanRow>,
    pub by_auditor: Vec<AuditorProgress>,
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (Howard Hinnant's
/// days_from_civil); None for anything else.
pub fn day_number(date: &str) -> Option<i64> {
    if !is_date(date) {
        return None;
    }
    let (y, m, d): (i64, i64, i64) = (date[0..4].parse().ok()?, date[5..7].parse().ok()?, date[8..10].parse().ok()?);
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// The figures of `objects` (one campaign's, evaluated) against `plan`
/// (set on `set_on`), as of `today`.
pub fn progress(objects: &[EvaluatedObject], plan: Option<(&Plan, &str)>, today: &str) -> PlanProgress {
    let newest =
        |o: &EvaluatedObject| o.audits.iter().max_by_key(|a| crate::records::visit_order(a)).and_then(|a| a.status);
    let mut campaign = PlanRow::default();
    let mut districts: BTreeMap<Option<District>, PlanRow> = BTreeMap::new();
    let mut auditors: BTreeMap<String, AuditorProgress> = BTreeMap::new();
    for o in objects {
        let passported = o.audits.iter().any(|a| a.status == Some(AuditStatus::Approved));
        let status = newest(o);
        let waiting = matches!(status, Some(AuditStatus::Submitted | AuditStatus::InReview));
        let months = plan.and_then(|(p, _)| p.reaudit_months);
        // Due, and not being re-audited already (a newer audit than the approved one).
        let due =
            status == Some(AuditStatus::Approved) && reaudit_due_on(o, months).is_some_and(|due| due.as_str() <= today);
        let d = districts
            .entry(o.object.district.clone())
            .or_insert_with(|| PlanRow { district: o.object.district.clone(), ..Default::default() });
        for row in [&mut campaign, d] {
            row.objects += 1;
            row.passported += u32::from(passported);
            row.waiting += u32::from(waiting);
            row.reaudit_due += u32::from(due);
        }
        if let Some(login) = o.object.assignee.as_deref().filter(|l| !l.is_empty()) {
            let a = auditors
                .entry(login.to_string())
                .or_insert_with(|| AuditorProgress { auditor: login.to_string(), ..Default::default() });
            let done = status == Some(AuditStatus::Approved);
            a.assigned += 1;
            a.done += u32::from(done);
            a.waiting += u32::from(waiting);
            let late = o.object.due_on.as_deref().is_some_and(|due| due < today);
            a.overdue += u32::from(!done && !waiting && late);
        }
    }
    let (mut expected_now, mut on_track, mut set) = (None, None, None);
    if let Some((p, set_on)) = plan {
        campaign.planned = Some(p.objects);
        for (d, n) in &p.districts {
            districts
                .entry(Some(d.clone()))
                .or_insert_with(|| PlanRow { district: Some(d.clone()), ..Default::default() })
                .planned = Some(*n);
        }
        if let (Some(start), Some(due), Some(now)) = (day_number(set_on), day_number(&p.due_on), day_number(today)) {
            let span = (due - start).max(1);
            let elapsed = (now - start).clamp(0, span);
            let expected = (u64::from(p.objects) * elapsed as u64).div_ceil(span as u64) as u32;
            expected_now = Some(expected);
            on_track = Some(campaign.passported >= expected);
        }
        set = Some(set_on.to_string());
    }
    PlanProgress {
        plan: plan.map(|(p, _)| p.clone()),
        set_on: set,
        today: today.to_string(),
        expected_now,
        on_track,
        campaign,
        by_district: districts.into_values().collect(),
        by_auditor: auditors.into_values().collect(),
    }
}

#[cfg(test)]
mod tests;
