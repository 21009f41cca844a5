//! Adaptations: a failed rule of an approved visit becomes the owner's
//! task; only a later approved visit that passes the rule verifies it.

use super::*;
use qadam_core::adaptation::{Adaptation, AdaptationState, AdaptationSummary, DistrictAdaptation};
use qadam_core::model::{Category, District, ElementKind, GeoPoint, Localized, MeasuredValue};
use qadam_core::rules::Severity;

const DOOR_RULE: &str = "kz-4.3.2.14-door-width";

#[tokio::test]
async fn a_failed_rule_becomes_a_task_that_only_a_later_approved_passing_visit_verifies() {
    let s = Server::start().await;
    let batch = demo::demo_campaign(1);
    assert_eq!(s.push(&batch).await.0, 200);
    let campaign = demo::demo_campaign_id();
    add_account(&s, "olzhas", "auditor", Some((campaign, "auditor")));
    let device = s.device();
    let phone = &device.device;
    device_sync(&device).await;
    let object = phone.blocking(move |p| {
        p.create_object(qadam_core::store::NewObject {
            campaign_id: campaign,
            name: "Аптека № 3".into(),
            category: Category::HEALTH,
            district: District::ALMALY,
            address: "ул. Абая, 3".into(),
            location: Some(GeoPoint { lat_deg: 43.24, lon_deg: 76.91 }),
        })
        .unwrap()
    });
    // A door 700 mm wide: СП РК 3.06-101 4.3.2.14 asks at least 0,9 m.
    let door = phone.blocking(move |p| {
        let measurements = [
            ("clear_width_mm".to_string(), MeasuredValue::Integer(700)),
            ("threshold_mm".into(), MeasuredValue::Integer(0)),
        ];
        p.add_element(qadam_core::store::NewElement {
            object_id: object,
            kind: ElementKind::DOOR,
            measurements: measurements.into_iter().collect(),
            note: String::new(),
            serves: None,
        })
        .unwrap()
    });
    let first = phone.blocking(move |p| p.submit_audit(object).unwrap());
    device_sync(&device).await;
    let tasks_url = format!("/api/v1/objects/{object}/adaptations");
    let body = |v: Value| Some(serde_json::to_vec(&v).unwrap());
    // Nothing is approved yet: no task can be made.
    let ask = json!({"rules": [DOOR_RULE], "responsible": "ТОО «Аптека»", "deadline": "2027-06-30"});
    let (st, e) = s.call("POST", &tasks_url, Some(TOKEN), body(ask.clone())).await;
    assert_eq!((st, e["error"]["field"].as_str()), (422, Some("rules")), "{e}");
    let review = |audit: Uuid, action: &'static str| {
        let (s, path) = (&s, format!("/api/v1/audits/{audit}/review"));
        async move { s.call("POST", &path, Some(TOKEN), body(json!({ "action": action }))).await }
    };
    assert_eq!(review(first, "approve").await.0, 200);

    let (_, auditor) = s.enroll("olzhas").await;
    for (bad, status, field) in [
        (json!({"rules": ["kz-4.3.16.18-threshold"], "responsible": "x"}), 422, Some("rules")),
        (json!({"rules": [DOOR_RULE], "responsible": ""}), 422, Some("responsible")),
        (json!({"rules": [DOOR_RULE], "responsible": "x", "deadline": "30.06.2027"}), 422, Some("deadline")),
        (json!({"rules": [DOOR_RULE], "responsible": "x", "colour": "red"}), 400, Some("colour")),
    ] {
        let (st, e) = s.call("POST", &tasks_url, Some(TOKEN), body(bad.clone())).await;
        assert_eq!((st, e["error"]["field"].as_str()), (status, field), "{bad}: {e}");
    }
    let (st, _) = s.call("POST", &tasks_url, Some(&auditor), body(ask.clone())).await;
    assert_eq!(st, 403, "an auditor makes no tasks");
    assert_eq!(s.call("GET", &tasks_url, Some(TOKEN), None).await, (200, json!([])), "nothing was written");

    let (st, made) = s.call("POST", &tasks_url, Some(TOKEN), body(ask.clone())).await;
    assert_eq!(st, 201, "{made}");
    let made: Vec<Adaptation> = serde_json::from_value(made).unwrap();
    // The expected task, its text worked from the rule set's door rule.
    let expected =
        |set: AdaptationState, state: AdaptationState, verified_by: Option<Uuid>, updated_ms: i64| Adaptation {
            id: made[0].id,
            object_id: object,
            rule_id: DOOR_RULE.into(),
            from_audit: first,
            responsible: "ТОО «Аптека»".into(),
            deadline: Some("2027-06-30".into()),
            set_state: set,
            state,
            verified_by,
            title: Localized {
                ru: "Ширина двери".into(), kk: "Есік ені".into(), en: "Door width".into()
            },
            fix: Localized {
                ru: "Расширить дверной проём до 0,9 м.".into(),
                kk: "Есік ойығын 0,9 м-ге дейін кеңейту.".into(),
                en: "Widen the doorway to 0.9 m.".into(),
            },
            document: "СП РК 3.06-101-2012*".into(),
            clause: "4.3.2.14".into(),
            severity: Some(Severity::Critical),
            created_by: made[0].created_by.clone(),
            created_ms: made[0].created_ms,
            updated_ms,
        };
    assert_eq!(made, vec![expected(AdaptationState::Planned, AdaptationState::Planned, None, made[0].created_ms)]);
    let (st, e) = s.call("POST", &tasks_url, Some(TOKEN), body(ask)).await;
    assert_eq!((st, e["error"]["field"].as_str()), (422, Some("rules")), "one open task per rule: {e}");

    // Verified is never set by hand; done is.
    let task_url = format!("/api/v1/adaptations/{}", made[0].id);
    let (st, e) = s.call("POST", &task_url, Some(TOKEN), body(json!({"state": "verified"}))).await;
    assert_eq!((st, e["error"]["field"].as_str()), (422, Some("state")), "{e}");
    let (st, e) = s.call("POST", &task_url, Some(&auditor), body(json!({"state": "done"}))).await;
    assert_eq!(st, 403, "{e}");
    let (st, done) = s.call("POST", &task_url, Some(TOKEN), body(json!({"state": "done"}))).await;
    assert_eq!(st, 200, "{done}");
    let done: Adaptation = serde_json::from_value(done).unwrap();
    assert_eq!(done, expected(AdaptationState::Done, AdaptationState::Done, None, done.updated_ms));

    // The re-audit finds the door widened to 900 mm: submitted, the task
    // stays done; approved, it is verified by that visit.
    device_sync(&device).await;
    let second = phone.blocking(move |p| {
        p.start_reaudit(object).unwrap();
        let copy = p.object_detail(object).unwrap().elements.into_iter().find(|e| e.copied_from == Some(door)).unwrap();
        p.update(EntityKind::Element, copy.id, [("measurements.clear_width_mm".to_string(), json!(900))].into())
            .unwrap();
        p.submit_audit(object).unwrap()
    });
    device_sync(&device).await;
    let tasks = || async {
        serde_json::from_value::<Vec<Adaptation>>(s.call("GET", &tasks_url, Some(TOKEN), None).await.1).unwrap()
    };
    assert_eq!(tasks().await, vec![expected(AdaptationState::Done, AdaptationState::Done, None, done.updated_ms)]);
    assert_eq!(review(second, "approve").await.0, 200);
    assert_eq!(
        tasks().await,
        vec![expected(AdaptationState::Done, AdaptationState::Verified, Some(second), done.updated_ms)]
    );
    let summary: AdaptationSummary = s.get_json(&format!("/api/v1/analytics/adaptations?campaign={campaign}")).await;
    assert_eq!(
        summary,
        AdaptationSummary {
            goal_percent: 75,
            objects_with_tasks: 1,
            objects_adapted: 1,
            tasks: [
                (AdaptationState::Planned, 0),
                (AdaptationState::InProgress, 0),
                (AdaptationState::Done, 0),
                (AdaptationState::Verified, 1)
            ]
            .into(),
            overdue: 0,
            by_district: vec![DistrictAdaptation {
                district: Some(District::ALMALY),
                objects_with_tasks: 1,
                objects_adapted: 1
            }],
        }
    );
    // Merged into another record of the place, the object's tasks move
    // with its audits, still verified by the same visit.
    let twin = Uuid::now_v7();
    let mut clock = qadam_core::HlcClock::default();
    let fields = [("campaign_id", json!(campaign)), ("name", json!("Аптека №3"))];
    assert_eq!(s.push(&Change::record(EntityKind::Object, twin, fields, &mut clock, "phone")).await.0, 200);
    let before = tasks().await;
    let (st, r) =
        s.call("POST", "/api/v1/duplicates/merge", Some(TOKEN), body(json!({"keep": twin, "merge": object}))).await;
    assert_eq!(st, 200, "{r}");
    let moved: Vec<Adaptation> = serde_json::from_value(
        s.call("GET", &format!("/api/v1/objects/{twin}/adaptations"), Some(TOKEN), None).await.1,
    )
    .unwrap();
    let want: Vec<Adaptation> = before.into_iter().map(|t| Adaptation { object_id: twin, ..t }).collect();
    assert_eq!(moved, want);
    // Not a coordinator's object: not found.
    let (st, _) = s.call("GET", &format!("/api/v1/objects/{}/adaptations", Uuid::now_v7()), Some(TOKEN), None).await;
    assert_eq!(st, 404);
}
