//! What the coordinator's map and analytics show, computed from evaluated
//! objects (see [`crate::records::evaluate_all`]) and reviews, pure (no I/O):
//! a compact point per object with its statuses, and the figures of a
//! situational centre — accessibility by district × object type, by
//! disability category, audits over time, and objects adapted after a
//! re-audit.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::model::{AuditStatus, Category, District};
use crate::records::EvaluatedObject;
use crate::review::Review;
use crate::rules::{CategoryStatus, DisabilityCategory, MapStatus};

/// One object on the coordinator's map and in its list: where, what, how
/// much was recorded, and its statuses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct MapPoint {
    pub id: Uuid,
    pub campaign_id: Option<Uuid>,
    pub name: String,
    pub address: String,
    /// WGS 84; absent for an object not yet located (listed, not mapped).
    pub lat_deg: Option<f64>,
    pub lon_deg: Option<f64>,
    pub category: Option<Category>,
    pub district: Option<District>,
    pub element_count: u32,
    pub photo_count: u32,
    pub cover_sha256: Option<String>,
    /// Whether any rule judged the object: a campaign whose rule set holds
    /// no confirmed rule, or an object without measurements, is not assessed
    /// and its statuses say nothing.
    pub assessed: bool,
    /// The 3-level wheelchair status of the "Доступный Казахстан" map.
    pub wheelchair: MapStatus,
    /// Status per disability category, in the order К, О, С, Г, У.
    pub statuses: [CategoryStatus; 5],
    /// The newest audit's state, if the object has been audited.
    pub audit_status: Option<AuditStatus>,
}

/// The categories in the order of [`MapPoint::statuses`].
pub const CATEGORY_ORDER: [DisabilityCategory; 5] =
    [DisabilityCategory::K, DisabilityCategory::O, DisabilityCategory::S, DisabilityCategory::G, DisabilityCategory::U];

/// Whether any rule judged the object (passed or failed).
pub fn assessed(o: &EvaluatedObject) -> bool {
    o.verdict.results.iter().any(|r| matches!(r.outcome, crate::rules::Outcome::Pass | crate::rules::Outcome::Fail))
}

fn status(o: &EvaluatedObject, c: DisabilityCategory) -> CategoryStatus {
    o.verdict.by_category.get(&c).copied().unwrap_or(CategoryStatus::NotAssessed)
}

/// The map's points, one per object (those without a location are listed,
/// not mapped).
pub fn map_points(objects: &[EvaluatedObject]) -> Vec<MapPoint> {
    objects
        .iter()
        .map(|o| MapPoint {
            id: o.object.id,
            campaign_id: o.object.campaign_id,
            name: o.object.name.clone(),
            address: o.object.address.clone(),
            lat_deg: o.object.location.map(|l| l.lat_deg),
            lon_deg: o.object.location.map(|l| l.lon_deg),
            category: o.object.category.clone(),
            district: o.object.district.clone(),
            element_count: o.elements.len() as u32,
            photo_count: o.photo_count,
            cover_sha256: o.cover_sha256.clone(),
            assessed: assessed(o),
            wheelchair: o.verdict.wheelchair_map,
            statuses: CATEGORY_ORDER.map(|c| status(o, c)),
            audit_status: o.audits.iter().max_by_key(|a| (a.started_at_ms, a.id)).and_then(|a| a.status),
        })
        .collect()
}

/// Objects per wheelchair status.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct MapCounts {
    pub fully: u32,
    pub partially: u32,
    pub not_accessible: u32,
    /// Not enough evidence for a status: counted apart, never as accessible.
    pub not_assessed: u32,
}

impl MapCounts {
    fn add(&mut self, s: MapStatus) {
        match s {
            MapStatus::FullyAccessible => self.fully += 1,
            MapStatus::PartiallyAccessible => self.partially += 1,
            MapStatus::NotAccessible => self.not_accessible += 1,
            MapStatus::NotAssessed => self.not_assessed += 1,
        }
    }
}

/// Accessibility (wheelchair, 3 levels) of one district and object type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct DistrictTypeRow {
    pub district: Option<District>,
    pub category: Option<Category>,
    pub counts: MapCounts,
}

/// Objects per status for one disability category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct DisabilityRow {
    pub category: DisabilityCategory,
    /// ДП, ДЧ, ДУ, ВНД, and not assessed.
    pub full: u32,
    pub partial: u32,
    pub conditional: u32,
    pub not_accessible: u32,
    pub not_assessed: u32,
}

/// Audits submitted and approved in one calendar month (UTC).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct ProgressRow {
    /// `YYYY-MM`.
    pub month: String,
    pub submitted: u32,
    pub approved: u32,
    /// Approved audits up to and including this month.
    pub approved_total: u32,
}

/// Objects audited and approved more than once, and how many of them the
/// later approved audit found more accessible for wheelchair users.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct Adapted {
    pub re_audited: u32,
    pub improved: u32,
    /// `improved / re_audited` in per mille (0 when none was re-audited).
    pub share_permille: u32,
}

/// The analytics page's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct Analytics {
    pub objects: u32,
    /// Objects no rule judged (left out of the status counts).
    pub not_assessed: u32,
    pub wheelchair: MapCounts,
    pub by_district_type: Vec<DistrictTypeRow>,
    pub by_disability: Vec<DisabilityRow>,
    pub progress: Vec<ProgressRow>,
    pub adapted: Adapted,
}

/// `YYYY-MM` of a Unix time in milliseconds (UTC, proleptic Gregorian).
pub fn month_of(ms: i64) -> String {
    // Howard Hinnant's civil-from-days.
    let z = ms.div_euclid(86_400_000) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}")
}

/// The figures of `objects`, with the `reviews` of their audits.
pub fn summarise(objects: &[EvaluatedObject], reviews: &[Review]) -> Analytics {
    let mut wheelchair = MapCounts::default();
    let mut cells: BTreeMap<(Option<District>, Option<Category>), MapCounts> = BTreeMap::new();
    let mut by_disability: Vec<DisabilityRow> = CATEGORY_ORDER
        .iter()
        .map(|&category| DisabilityRow {
            category,
            full: 0,
            partial: 0,
            conditional: 0,
            not_accessible: 0,
            not_assessed: 0,
        })
        .collect();
    let mut months: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    let mut not_assessed = 0;
    for o in objects {
        for a in &o.audits {
            if let (Some(at), Some(s)) = (a.finished_at_ms, a.status) {
                if s != AuditStatus::Draft {
                    months.entry(month_of(at)).or_default().0 += 1;
                }
            }
        }
        if !assessed(o) {
            not_assessed += 1;
            continue;
        }
        wheelchair.add(o.verdict.wheelchair_map);
        cells.entry((o.object.district.clone(), o.object.category.clone())).or_default().add(o.verdict.wheelchair_map);
        for row in by_disability.iter_mut() {
            match status(o, row.category) {
                CategoryStatus::Full => row.full += 1,
                CategoryStatus::Partial => row.partial += 1,
                CategoryStatus::Conditional => row.conditional += 1,
                CategoryStatus::NotAccessible => row.not_accessible += 1,
                CategoryStatus::NotAssessed => row.not_assessed += 1,
            }
        }
    }
    // Approvals: the month of each approval; per object, the statuses each
    // approval recorded, oldest first.
    let object_of: BTreeMap<Uuid, Uuid> =
        objects.iter().flat_map(|o| o.audits.iter().map(move |a| (a.id, o.object.id))).collect();
    let mut approvals: BTreeMap<Uuid, Vec<(i64, Uuid, CategoryStatus)>> = BTreeMap::new();
    for r in reviews {
        let (Some(audit), Some(AuditStatus::Approved), Some(at)) = (r.audit_id, r.to_status, r.at_ms) else {
            continue;
        };
        let Some(&object) = object_of.get(&audit) else { continue };
        months.entry(month_of(at)).or_default().1 += 1;
        if let Some(k) = r.statuses.as_ref().and_then(|s| s.get(&DisabilityCategory::K)) {
            approvals.entry(object).or_default().push((at, audit, *k));
        }
    }
    let mut adapted = Adapted::default();
    for list in approvals.values_mut() {
        list.sort();
        // One approval per audit: the latest.
        let mut per_audit: BTreeMap<Uuid, (i64, CategoryStatus)> = BTreeMap::new();
        for &(at, audit, k) in list.iter() {
            per_audit.insert(audit, (at, k));
        }
        let mut by_time: Vec<(i64, CategoryStatus)> = per_audit.into_values().collect();
        by_time.sort();
        if by_time.len() >= 2 {
            adapted.re_audited += 1;
            // Better only between two judged statuses: a status that was
            // not assessed before is a first assessment, not an adaptation.
            let (first, last) = (by_time[0].1.rank(), by_time[by_time.len() - 1].1.rank());
            if matches!((first, last), (Some(a), Some(b)) if b < a) {
                adapted.improved += 1;
            }
        }
    }
    adapted.share_permille = (adapted.improved * 1000).checked_div(adapted.re_audited).unwrap_or(0);
    let mut approved_total = 0;
    let progress = months
        .into_iter()
        .map(|(month, (submitted, approved))| {
            approved_total += approved;
            ProgressRow { month, submitted, approved, approved_total }
        })
        .collect();
    Analytics {
        objects: objects.len() as u32,
        not_assessed,
        wheelchair,
        by_district_type: cells
            .into_iter()
            .map(|((district, category), counts)| DistrictTypeRow { district, category, counts })
            .collect(),
        by_disability,
        progress,
        adapted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_civil_months_in_utc() {
        assert_eq!(month_of(0), "1970-01");
        assert_eq!(month_of(1_748_736_000_000), "2025-06"); // 2025-06-01T00:00Z
        assert_eq!(month_of(1_748_735_999_999), "2025-05");
        assert_eq!(month_of(951_782_400_000), "2000-02"); // 2000-02-29
        assert_eq!(month_of(-1), "1969-12");
    }

    #[test]
    fn an_object_approved_twice_counts_as_adapted_when_the_later_approval_is_better() {
        use crate::model::{Audit, Object};
        let lists = crate::checklist::Checklists::builtin();
        let set = crate::rules::builtin("us-ada-2010", &lists).unwrap();
        let audit = |id: Uuid, month_ms: i64| Audit {
            id,
            campaign_id: None,
            object_id: None,
            auditor: "A".into(),
            started_at_ms: Some(month_ms),
            finished_at_ms: Some(month_ms),
            status: Some(AuditStatus::Approved),
            rule_set_version: None,
            checklists_version: None,
        };
        let object = |audits: Vec<Audit>| {
            let object = Object {
                id: Uuid::now_v7(),
                campaign_id: None,
                name: "O".into(),
                category: Some(Category::HEALTH),
                district: Some(District::MEDEU),
                address: String::new(),
                location: None,
                synthetic: false,
                assignee: None,
                due_on: None,
                merged_into: None,
            };
            let input = crate::rules::EvaluationInput { object: object.clone(), elements: vec![] };
            EvaluatedObject {
                verdict: crate::rules::evaluate(&set, &lists, &input).into(),
                object,
                elements: Vec::new().into(),
                audits,
                photo_count: 0,
                cover_sha256: None,
            }
        };
        let (a1, a2, b1, b2, c1) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let june = 1_748_736_000_000;
        let july = june + 30 * 86_400_000;
        let objects = vec![
            object(vec![audit(a1, june), audit(a2, july)]),
            object(vec![audit(b1, june), audit(b2, july)]),
            object(vec![audit(c1, june)]),
        ];
        let approve = |audit: Uuid, at: i64, k: CategoryStatus| Review {
            id: Uuid::now_v7(),
            audit_id: Some(audit),
            element_id: None,
            action: Some(crate::review::ReviewAction::Approve),
            from_status: Some(AuditStatus::InReview),
            to_status: Some(AuditStatus::Approved),
            comment: String::new(),
            reviewer: "c".into(),
            at_ms: Some(at),
            statuses: Some([(DisabilityCategory::K, k)].into()),
            failed_rules: None,
        };
        let reviews = vec![
            approve(a1, june, CategoryStatus::NotAccessible),
            approve(a2, july, CategoryStatus::Partial),
            approve(b1, june, CategoryStatus::Partial),
            approve(b2, july, CategoryStatus::Partial),
            approve(c1, june, CategoryStatus::NotAccessible),
        ];
        let a = summarise(&objects, &reviews);
        assert_eq!(a.adapted, Adapted { re_audited: 2, improved: 1, share_permille: 500 });
        assert_eq!(a.objects, 3);
        assert_eq!(a.not_assessed, 3, "no element, no judged rule");
        assert_eq!(a.wheelchair, MapCounts::default());
        assert_eq!(
            a.progress
                .iter()
                .map(|p| (p.month.as_str(), p.submitted, p.approved, p.approved_total))
                .collect::<Vec<_>>(),
            vec![("2025-06", 3, 3, 3), ("2025-07", 2, 2, 5)]
        );
        assert!(a.by_district_type.is_empty());
        assert_eq!(a.by_disability.len(), 5);
    }
}
