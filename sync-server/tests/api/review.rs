//! The review loop between the dashboard and the auditor's app.

use super::*;

#[tokio::test]
async fn an_audit_sent_back_reaches_the_auditors_app_and_its_resubmission_returns_to_the_queue() {
    use qadam_core::model::{AuditStatus, ElementKind, MeasuredValue};
    use qadam_core::queue::QueueItem;
    use qadam_core::review::{AuditEvent, Review};
    let s = Server::start().await;
    s.push(&demo::demo_campaign(1)).await;
    let device = s.device();
    let phone = &device.device;
    phone.blocking(|p| {
        let mut settings = p.settings().unwrap();
        settings.auditor_name = "Айгуль".into();
        p.set_settings(&settings).unwrap();
    });
    device_sync(&device).await;
    let queued_before: Vec<QueueItem> = s.get_json("/api/v1/reviews").await;
    // The auditor records a door and submits the audit.
    let object = phone.blocking(|p| p.objects(None, None).unwrap()[0].object.clone());
    let door = phone.blocking(|p| {
        p.add_element(qadam_core::store::NewElement {
            object_id: object.id,
            kind: ElementKind::DOOR,
            measurements: [("clear_width_mm".to_string(), MeasuredValue::Integer(780))].into(),
            note: String::new(),
            serves: None,
        })
        .unwrap()
    });
    let audit = phone.blocking(|p| p.submit_audit(object.id).unwrap());
    device_sync(&device).await;
    let queue: Vec<QueueItem> = s.get_json("/api/v1/reviews").await;
    assert_eq!(queue.len(), queued_before.len() + 1);
    let item = queue.iter().find(|i| i.audit.id == audit).expect("the submitted audit is queued");
    assert_eq!((item.object.id, item.element_count), (object.id, 1));
    // Triage: a 780 mm door fails СП РК 4.3.2.14 (≥ 0,9 m), the only check it
    // measured; its other checks are unmeasured; it has no photo.
    assert_eq!((item.failures, item.photo_count), (1, 0));
    assert!(item.unmeasured > 0, "the door's threshold, handles… were not measured");
    assert!(queue.windows(2).all(|w| w[0].submitted_at_ms <= w[1].submitted_at_ms), "oldest first");
    let district = serde_json::to_value(object.district.unwrap()).unwrap();
    let by: Vec<QueueItem> =
        s.get_json(&format!("/api/v1/reviews?auditor=айг&district={}", district.as_str().unwrap())).await;
    assert_eq!(by.iter().map(|i| i.audit.id).collect::<Vec<_>>(), vec![audit], "filtered by auditor and district");
    let none: Vec<QueueItem> = s.get_json("/api/v1/reviews?auditor=nobody").await;
    assert!(none.is_empty());

    let review = |body: Value| {
        let url = s.url(&format!("/api/v1/audits/{audit}/review"));
        let r = s.http.post(url).bearer_auth(TOKEN).json(&body);
        async move {
            let r = r.send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    // Sending back needs a comment; an element of another object is refused.
    let (st, v) = review(json!({"action": "request_changes", "comment": " "})).await;
    assert_eq!((st, v["error"]["field"].as_str()), (422, Some("comment")), "{v}");
    let (st, v) = review(json!({"action": "request_changes", "comment": "x", "element_id": Uuid::now_v7()})).await;
    assert_eq!((st, v["error"]["field"].as_str()), (422, Some("element_id")), "{v}");
    let (st, v) = review(json!({"action": "approve", "note": "unknown field"})).await;
    assert_eq!(st, 400, "{v}");
    let (st, v) = review(json!({"action": "start_review"})).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["to_status"], "in_review");
    // Sent back with a comment on the door; a retry changes nothing.
    let id = Uuid::now_v7();
    let send_back = json!({"review_id": id, "action": "request_changes", "comment": "Измерьте ширину двери заново", "element_id": door});
    let (st, first) = review(send_back.clone()).await;
    assert_eq!(st, 200, "{first}");
    let counts = s.counts();
    let (st, again) = review(send_back.clone()).await;
    assert_eq!((st, &again), (200, &first), "a repeated review id answers with the stored review");
    assert_eq!(s.counts(), counts, "and writes nothing");
    let (st, v) = review(json!({"action": "approve"})).await;
    assert_eq!((st, v["error"]["code"].as_str()), (409, Some("wrong_state")), "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("changes_requested"), "{v}");
    let queue: Vec<QueueItem> = s.get_json("/api/v1/reviews").await;
    assert!(queue.iter().all(|i| i.audit.id != audit), "out of the queue while the auditor works on it");

    // The phone learns of it on its next sync, on the element concerned.
    device_sync(&device).await;
    let detail = phone.blocking(|p| p.object_detail(object.id).unwrap());
    let a = detail.audits.iter().find(|a| a.id == audit).unwrap();
    assert_eq!(a.status, Some(AuditStatus::ChangesRequested));
    let r: &Review = detail.reviews.iter().find(|r| r.element_id == Some(door)).expect("the comment reached the phone");
    assert_eq!(r.comment, "Измерьте ширину двери заново");
    // The auditor corrects the door and resubmits: back in the queue.
    let mut m = std::collections::BTreeMap::new();
    m.insert("measurements.clear_width_mm".to_string(), json!(920));
    phone.blocking(|p| p.update(EntityKind::Element, door, m).unwrap());
    assert_eq!(
        phone.blocking(|p| p.submit_audit(object.id).unwrap()),
        audit,
        "the audit sent back is the one resubmitted"
    );
    device_sync(&device).await;
    let queue: Vec<QueueItem> = s.get_json("/api/v1/reviews").await;
    let item = queue.iter().find(|i| i.audit.id == audit).expect("the resubmission is queued again");
    assert_eq!(item.audit.status, Some(AuditStatus::Submitted));
    let (st, v) = review(json!({"action": "approve"})).await;
    assert_eq!((st, v["to_status"].as_str()), (200, Some("approved")), "{v}");
    let approved: Vec<QueueItem> = s.get_json("/api/v1/reviews?status=approved").await;
    assert!(approved.iter().any(|i| i.audit.id == audit));
    // Every transition, with who and when.
    let history: Vec<AuditEvent> = s.get_json(&format!("/api/v1/audits/{audit}/history")).await;
    let steps: Vec<(AuditStatus, bool)> = history.iter().map(|e| (e.status, e.by.contains("Айгуль"))).collect();
    use AuditStatus::*;
    assert_eq!(
        steps,
        vec![
            (Draft, true),
            (Submitted, true),
            (InReview, false),
            (ChangesRequested, false),
            (Submitted, true),
            (Approved, false)
        ],
        "{history:#?}"
    );
    assert!(history.iter().all(|e| e.at_ms > 0));
    assert!(history[3].by.contains("service") || history[3].by.contains("API token"), "{history:#?}");
    assert_eq!(history[3].comment, "Измерьте ширину двери заново");
    let (st, v) = s.call("GET", "/api/v1/reviews?status=finished", Some(TOKEN), None).await;
    assert_eq!((st, v["error"]["field"].as_str()), (400, Some("status")), "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_audit_sent_without_a_name_is_named_by_the_account_that_sent_it() {
    use qadam_core::model::{AuditStatus, EntityKind};
    use qadam_core::queue::QueueItem;
    let s = Server::start().await;
    let batch = demo::demo_campaign(1);
    assert_eq!(s.push(&batch).await.0, 200);
    let object = batch.iter().find(|c| c.entity == EntityKind::Object).unwrap().entity_id;
    add_account(&s, "aigul", "auditor", Some((demo::demo_campaign_id(), "auditor")));
    let (_, phone) = s.enroll("aigul").await;
    // An older app sends an audit with a blank auditor.
    let audit = Uuid::now_v7();
    let mut clock = qadam_core::HlcClock::default();
    let fields = [
        ("campaign_id", json!(demo::demo_campaign_id())),
        ("object_id", json!(object)),
        ("auditor", json!("")),
        ("status", json!(AuditStatus::Submitted)),
        ("finished_at_ms", json!(1_780_000_000_000i64)),
    ];
    let changes = Change::record(EntityKind::Audit, audit, fields, &mut clock, "aigul-phone");
    let body = serde_json::to_vec(&PushRequest { device_id: "aigul-phone".into(), changes }).unwrap();
    let (st, v) = s.call("POST", "/api/v1/sync/push", Some(&phone), Some(body)).await;
    assert_eq!(st, 200, "{v}");
    let queue: Vec<QueueItem> = s.get_json("/api/v1/reviews").await;
    let item = queue.iter().find(|i| i.audit.id == audit).expect("queued");
    assert_eq!(item.audit.auditor, "aigul", "the account behind the device that sent it");
    let detail: Value = s.get_json(&format!("/api/v1/objects/{object}")).await;
    let named = detail["audits"].as_array().unwrap().iter().find(|a| a["id"] == json!(audit)).unwrap();
    assert_eq!(named["auditor"], "aigul", "the passport names it the same way");
}
