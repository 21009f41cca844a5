use super::*;
use crate::model::{Audit, Category, Object};
use uuid::Uuid;

/// An object in `district`, assigned to `assignee` due `due_on`, with
/// audits of these statuses, oldest first.
fn object(
    district: District,
    assignee: Option<&str>,
    due_on: Option<&str>,
    statuses: &[AuditStatus],
) -> EvaluatedObject {
    let lists = crate::checklist::Checklists::builtin();
    let set = crate::rules::builtin("us-ada-2010", &lists).unwrap();
    let object = Object {
        id: Uuid::now_v7(),
        campaign_id: None,
        name: "O".into(),
        category: Some(Category::HEALTH),
        district: Some(district),
        address: String::new(),
        location: None,
        synthetic: false,
        assignee: assignee.map(String::from),
        due_on: due_on.map(String::from),
        merged_into: None,
    };
    let audits = statuses
        .iter()
        .enumerate()
        .map(|(i, s)| Audit {
            id: Uuid::now_v7(),
            campaign_id: None,
            object_id: Some(object.id),
            auditor: "A".into(),
            started_at_ms: Some(1_700_000_000_000 + i as i64 * 86_400_000),
            finished_at_ms: None,
            status: Some(*s),
            rule_set_version: None,
            checklists_version: None,
        })
        .collect();
    let input = crate::rules::EvaluationInput { object: object.clone(), elements: vec![] };
    EvaluatedObject {
        verdict: crate::rules::evaluate(&set, &lists, &input).into(),
        object,
        elements: Vec::new().into(),
        audits,
        photo_count: 0,
        cover_sha256: None,
    }
}

#[test]
fn day_numbers_are_calendar_days() {
    // 30 years of 365 days and 7 leap days (1972 … 1996).
    assert_eq!(day_number("2000-01-01"), Some(30 * 365 + 7));
    assert_eq!(day_number("2000-03-01"), Some(11_017));
    assert_eq!(day_number("2024-03-01").unwrap() - day_number("2024-02-28").unwrap(), 2, "a leap year");
    assert_eq!(day_number("2026-12-04"), Some(20_791));
    assert_eq!(day_number("04.12.2026"), None);
}

#[test]
fn a_campaign_is_counted_against_its_plan_by_district_and_auditor() {
    use AuditStatus::*;
    let (medeu, almaly) = (District::MEDEU, District::ALMALY);
    let objects = vec![
        // Medeu: passported twice, but one is being re-audited (a draft,
        // past its due date: overdue), one waiting, one untouched and overdue.
        object(medeu.clone(), Some("olzhas"), Some("2026-11-30"), &[Approved]),
        object(medeu.clone(), Some("olzhas"), Some("2026-11-30"), &[Approved, Draft]),
        object(medeu.clone(), Some("olzhas"), Some("2026-11-30"), &[Submitted]),
        object(medeu.clone(), Some("olzhas"), Some("2026-11-30"), &[]),
        // Almaly: one in review, one not yet due, one unassigned.
        object(almaly.clone(), Some("aigerim"), Some("2026-12-01"), &[InReview]),
        object(almaly.clone(), Some("aigerim"), Some("2027-01-31"), &[Draft]),
        object(almaly.clone(), None, None, &[]),
    ];
    // Re-audits every two years: the audits were on 2023-11-14 (the
    // helper's 1 700 000 000 000 ms), so a re-audit was due on 2025-11-14.
    let plan = Plan {
        objects: 20,
        due_on: "2027-03-01".into(),
        districts: [(medeu.clone(), 8), (District::BOSTANDYK, 4)].into(),
        reaudit_months: Some(24),
    };
    // Set on 2026-09-02, due 2027-03-01: 180 days; 2026-12-01 is day 90,
    // so a steady pace would have 10 of 20 by then; 2 are passported.
    let p = progress(&objects, Some((&plan, "2026-09-02")), "2026-12-01");
    let row = |district: Option<District>, planned, objects, passported, waiting, reaudit_due| PlanRow {
        district,
        planned,
        objects,
        passported,
        waiting,
        reaudit_due,
    };
    let auditor = |name: &str, assigned, done, waiting, overdue| AuditorProgress {
        auditor: name.into(),
        assigned,
        done,
        waiting,
        overdue,
    };
    assert_eq!(
        p,
        PlanProgress {
            plan: Some(plan.clone()),
            set_on: Some("2026-09-02".into()),
            today: "2026-12-01".into(),
            expected_now: Some(10),
            on_track: Some(false),
            campaign: row(None, Some(20), 7, 2, 2, 1),
            by_district: vec![
                row(Some(almaly), None, 3, 0, 1, 0),
                row(Some(District::BOSTANDYK), Some(4), 0, 0, 0, 0),
                row(Some(medeu), Some(8), 4, 2, 1, 1),
            ],
            by_auditor: vec![auditor("aigerim", 2, 0, 1, 0), auditor("olzhas", 4, 1, 1, 2)],
        }
    );
    // Without a plan: the figures, and nothing expected.
    let bare = progress(&objects, None, "2026-12-01");
    assert_eq!((bare.expected_now, bare.on_track, bare.campaign.planned), (None, None, None));
}

#[test]
fn a_plan_names_a_positive_number_a_date_and_districts_within_it() {
    let ok = Plan {
        objects: 10,
        due_on: "2027-03-01".into(),
        districts: [(District::MEDEU, 10)].into(),
        reaudit_months: Some(24),
    };
    assert!(ok.validate().is_ok());
    let field = |p: Plan| p.validate().unwrap_err().field().map(String::from);
    assert_eq!(field(Plan { objects: 0, ..ok.clone() }), Some("objects".into()));
    assert_eq!(field(Plan { due_on: "1.3.2027".into(), ..ok.clone() }), Some("due_on".into()));
    assert_eq!(field(Plan { districts: [(District::MEDEU, 11)].into(), ..ok.clone() }), Some("districts".into()));
    assert_eq!(field(Plan { districts: [(District::MEDEU, 0)].into(), ..ok.clone() }), Some("districts".into()));
    assert_eq!(field(Plan { reaudit_months: Some(0), ..ok.clone() }), Some("reaudit_months".into()));
    assert_eq!(field(Plan { reaudit_months: Some(121), ..ok }), Some("reaudit_months".into()));
}

#[test]
fn months_are_added_on_the_calendar() {
    assert_eq!(add_months("2025-11-14", 24).as_deref(), Some("2027-11-14"));
    assert_eq!(add_months("2026-11-30", 3).as_deref(), Some("2027-02-28"));
    assert_eq!(add_months("2027-01-31", 13).as_deref(), Some("2028-02-29"), "a leap year");
    assert_eq!(add_months("2026-12-04", 0).as_deref(), Some("2026-12-04"));
    assert_eq!(add_months("2026-13-04", 1), None);
}
