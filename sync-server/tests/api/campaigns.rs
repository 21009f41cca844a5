//! Campaigns run from the dashboard: accounts added and disabled by an
//! administrator, a campaign created by a coordinator, its members and
//! roles, and what each of those does to a device's sync.

use super::*;
use qadam_core::model::Campaign;

/// A request with a dashboard session's cookie (or none).
async fn as_session(s: &Server, cookie: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = s.http.request(m, s.url(path)).header("cookie", cookie);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn session(s: &Server, login: &str, password: &str) -> String {
    let r = s.http.post(s.url("/api/v1/session")).json(&json!({"login": login, "password": password}));
    let r = r.send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200, "{login} signs in");
    r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string()
}

fn body(v: Value) -> Option<Vec<u8>> {
    Some(serde_json::to_vec(&v).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_adds_accounts_and_a_coordinator_runs_a_campaign_with_them() {
    let s = Server::start().await;
    let users = || s.get_json::<Value>("/api/v1/users");
    assert_eq!(users().await, json!([]), "a fresh server has no accounts");

    // Accounts: bad ones are refused with the field named, and change nothing.
    for (user, status, field) in [
        (json!({"login": "dana", "role": "coordinator", "password": "short"}), 422, Some("password")),
        (json!({"login": "da na", "role": "coordinator", "password": "long enough"}), 422, Some("login")),
        (json!({"login": "dana", "role": "owner", "password": "long enough"}), 400, None),
        (json!({"login": "dana", "role": "auditor", "password": "long enough", "admin": true}), 400, None),
    ] {
        let (st, v) = s.call("POST", "/api/v1/users", Some(TOKEN), body(user.clone())).await;
        assert_eq!(st, status, "{user}: {v}");
        if let Some(field) = field {
            assert_eq!(v["error"]["field"], field, "{v}");
        }
    }
    assert_eq!(users().await, json!([]), "refused accounts are not kept");
    let (st, dana) = s
        .call(
            "POST",
            "/api/v1/users",
            Some(TOKEN),
            body(json!({"login": "dana", "name": "Дана Серик", "role": "coordinator", "password": "dana's password"})),
        )
        .await;
    assert_eq!(st, 201, "{dana}");
    let (st, aigul) = s
        .call(
            "POST",
            "/api/v1/users",
            Some(TOKEN),
            body(json!({"login": "aigul", "role": "auditor", "password": "aigul's password"})),
        )
        .await;
    assert_eq!(st, 201, "{aigul}");
    assert_eq!(aigul["name"], "aigul", "an account without a name is named by its login");
    let (st, v) = s
        .call(
            "POST",
            "/api/v1/users",
            Some(TOKEN),
            body(json!({"login": "aigul", "role": "auditor", "password": "another one"})),
        )
        .await;
    assert_eq!((st, v["error"]["field"].as_str()), (422, Some("login")), "a login is taken once: {v}");
    assert_eq!(users().await, json!([aigul, dana]), "both accounts, by login");

    // A coordinator signs in and creates a campaign; she coordinates it.
    let dana_cookie = session(&s, "dana", "dana's password").await;
    for (campaign, field) in [
        (json!({"name": "  ", "rule_set": "kz-sp-3.06-101-2012"}), "name"),
        (json!({"name": "Алматы", "rule_set": "no-such-norm"}), "rule_set"),
    ] {
        let (st, v) = as_session(&s, &dana_cookie, "POST", "/api/v1/campaigns", Some(campaign)).await;
        assert_eq!((st, v["error"]["field"].as_str()), (422, Some(field)), "{v}");
    }
    let (st, v) = as_session(&s, &dana_cookie, "GET", "/api/v1/campaigns", None).await;
    assert_eq!((st, v), (200, json!([])), "refused campaigns are not kept");
    let (st, v) = as_session(
        &s,
        &dana_cookie,
        "POST",
        "/api/v1/campaigns",
        Some(json!({"name": " Алматы 2027 ", "region": "Алматы", "description": "Школы", "rule_set": "kz-sp-3.06-101-2012"})),
    )
    .await;
    assert_eq!(st, 201, "{v}");
    let campaign: Campaign = serde_json::from_value(v).unwrap();
    let expected = Campaign {
        id: campaign.id,
        name: "Алматы 2027".into(),
        description: "Школы".into(),
        region: "Алматы".into(),
        rule_set: "kz-sp-3.06-101-2012".into(),
        synthetic: false,
    };
    assert_eq!(campaign, expected);
    let (_, v) = as_session(&s, &dana_cookie, "GET", "/api/v1/campaigns", None).await;
    assert_eq!(
        serde_json::from_value::<Vec<Campaign>>(v).unwrap(),
        vec![expected.clone()],
        "as the store reads it back"
    );
    let members = format!("/api/v1/campaigns/{}/members", campaign.id);
    let (_, v) = as_session(&s, &dana_cookie, "GET", &members, None).await;
    assert_eq!(v, json!([{"login": "dana", "name": "Дана Серик", "role": "coordinator"}]));

    // Members and roles.
    let aigul_member = format!("{members}/aigul");
    let (st, v) = as_session(&s, &dana_cookie, "PUT", &aigul_member, Some(json!({"role": "coordinator"}))).await;
    assert_eq!(
        (st, v["error"]["field"].as_str()),
        (422, Some("role")),
        "an auditor's account does not coordinate: {v}"
    );
    let (st, v) =
        as_session(&s, &dana_cookie, "PUT", &format!("{members}/nobody"), Some(json!({"role": "auditor"}))).await;
    assert_eq!(st, 404, "{v}");
    let (st, v) = as_session(&s, &dana_cookie, "PUT", &aigul_member, Some(json!({"role": "auditor"}))).await;
    let both = json!([
        {"login": "aigul", "name": "aigul", "role": "auditor"},
        {"login": "dana", "name": "Дана Серик", "role": "coordinator"}
    ]);
    assert_eq!((st, v), (200, both.clone()));
    let (st, _) = as_session(&s, &dana_cookie, "DELETE", &format!("{members}/dana"), None).await;
    assert_eq!(st, 403, "a coordinator does not take herself out");

    // Aigul's phone, enrolled by Dana, syncs the new campaign.
    let (st, e) = as_session(&s, &dana_cookie, "POST", "/api/v1/enrollments", Some(json!({"login": "aigul"}))).await;
    assert_eq!(st, 200, "{e}");
    let r = s.http.post(s.url("/api/v1/devices/enroll")).json(&json!({"code": e["code"], "device_name": "phone"}));
    let d: Value = r.send().await.unwrap().json().await.unwrap();
    let phone = d["token"].as_str().unwrap().to_string();
    let pulled = |v: &Value| -> Vec<(String, Value)> {
        v["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["change"]["field"].as_str().unwrap().into(), c["change"]["value"].clone()))
            .collect()
    };
    let (st, v) = s.call("GET", "/api/v1/sync/pull", Some(&phone), None).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        pulled(&v),
        vec![
            ("name".into(), json!("Алматы 2027")),
            ("region".into(), json!("Алматы")),
            ("description".into(), json!("Школы")),
            ("rule_set".into(), json!("kz-sp-3.06-101-2012")),
        ]
    );

    // Another coordinator, of no campaign, manages none of this one.
    s.call(
        "POST",
        "/api/v1/users",
        Some(TOKEN),
        body(json!({"login": "erlan", "role": "coordinator", "password": "erlan's password"})),
    )
    .await;
    let erlan = session(&s, "erlan", "erlan's password").await;
    for (method, path, b) in [
        ("GET", members.clone(), None),
        ("PUT", format!("{members}/erlan"), Some(json!({"role": "coordinator"}))),
        ("DELETE", aigul_member.clone(), None),
    ] {
        let (st, v) = as_session(&s, &erlan, method, &path, b).await;
        assert_eq!(st, 403, "{method} {path}: {v}");
    }
    // Nor does a coordinator add or disable accounts.
    let (st, _) = as_session(
        &s,
        &dana_cookie,
        "POST",
        "/api/v1/users",
        Some(json!({"login": "x", "role": "admin", "password": "12345678"})),
    )
    .await;
    assert_eq!(st, 403);
    let (st, _) = as_session(&s, &dana_cookie, "POST", "/api/v1/users/aigul/disable", None).await;
    assert_eq!(st, 403);
    let (_, v) = as_session(&s, &dana_cookie, "GET", &members, None).await;
    assert_eq!(v, both, "refused requests changed no membership");

    // Disabled, her phone is refused at once; enabled, it syncs again.
    let (st, v) = s.call("POST", "/api/v1/users/aigul/disable", Some(TOKEN), None).await;
    assert_eq!((st, v["disabled"].as_bool()), (200, Some(true)), "{v}");
    let (st, v) = s.call("GET", "/api/v1/sync/pull", Some(&phone), None).await;
    assert_eq!((st, v["error"]["code"].as_str()), (401, Some("account_disabled")), "{v}");
    let (st, v) = as_session(&s, &dana_cookie, "PUT", &aigul_member, Some(json!({"role": "auditor"}))).await;
    assert_eq!((st, v["error"]["field"].as_str()), (422, Some("login")), "a disabled account is not added: {v}");
    let (st, v) = s.call("POST", "/api/v1/users/aigul/enable", Some(TOKEN), None).await;
    assert_eq!((st, v["disabled"].as_bool()), (200, Some(false)), "{v}");
    let (st, _) = s.call("GET", "/api/v1/sync/pull", Some(&phone), None).await;
    assert_eq!(st, 200);

    // Taken out of the campaign, her phone no longer pulls it.
    let (st, _) = as_session(&s, &dana_cookie, "DELETE", &aigul_member, None).await;
    assert_eq!(st, 204);
    let (st, v) = s.call("GET", "/api/v1/sync/pull", Some(&phone), None).await;
    assert_eq!((st, pulled(&v)), (200, vec![]));
    let (_, v) = as_session(&s, &dana_cookie, "GET", &members, None).await;
    assert_eq!(v, json!([{"login": "dana", "name": "Дана Серик", "role": "coordinator"}]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_sets_are_offered_by_title() {
    let s = Server::start().await;
    let v: Vec<qadam_core::rules::RuleSetInfo> = s.get_json("/api/v1/rule-sets").await;
    let ids: Vec<&str> = v.iter().map(|r| r.id.as_str()).collect();
    let mut shipped = qadam_core::rules::builtin_ids();
    shipped.sort();
    assert_eq!(ids, shipped, "every set that ships, by id");
    let kz = v.iter().find(|r| r.id == "kz-sp-3.06-101-2012").unwrap();
    assert!(kz.document.contains("3.06-101"), "{kz:?}");
    assert!(!kz.title.is_empty());
}

/// A coordinator assigns a district's objects to an auditor with a due
/// date; the auditor's device has them after a sync, and may not reassign.
#[tokio::test]
async fn a_districts_objects_are_assigned_to_an_auditor_and_reach_their_device() {
    let s = Server::start().await;
    let batch = demo::demo_campaign(16);
    assert_eq!(s.push(&batch).await.0, 200);
    add_account(&s, "olzhas", "auditor", Some((demo::demo_campaign_id(), "auditor")));
    add_account(&s, "stranger", "auditor", None);
    // The oracle: the demo batch's objects in Medeu, read from the changes.
    let mut medeu: Vec<Uuid> = batch
        .iter()
        .filter(|c| c.entity == EntityKind::Object && c.field == "district" && c.value == json!("medeu"))
        .map(|c| c.entity_id)
        .collect();
    medeu.sort();
    assert!(!medeu.is_empty());
    let url = format!("/api/v1/campaigns/{}/assignments", demo::demo_campaign_id());
    let body = |v: Value| Some(serde_json::to_vec(&v).unwrap());
    for (bad, field) in [
        (json!({"assignee": "olzhas"}), "objects"),
        (json!({"assignee": "stranger", "district": "medeu"}), "assignee"),
        (json!({"assignee": "olzhas", "district": "medeu", "due_on": "2027-02-30"}), "due_on"),
        (
            json!({"assignee": "olzhas", "area": {"type": "Polygon", "coordinates": [[[76.0, 43.0], [77.0, 43.0], [77.0, 44.0]]]}}),
            "area",
        ),
    ] {
        let (status, e) = s.call("POST", &url, Some(TOKEN), body(bad.clone())).await;
        assert_eq!((status, e["error"]["field"].as_str()), (422, Some(field)), "{bad}: {e}");
    }
    let (status, r) = s
        .call(
            "POST",
            &url,
            Some(TOKEN),
            body(json!({"assignee": "olzhas", "district": "medeu", "due_on": "2027-03-01"})),
        )
        .await;
    assert_eq!((status, r["assigned"].as_u64()), (200, Some(medeu.len() as u64)), "{r}");
    let objects: Vec<qadam_core::records::ObjectSummary> = s.get_json("/api/v1/objects").await;
    let mut assigned: Vec<Uuid> = objects
        .iter()
        .filter(|o| o.object.assignee.as_deref() == Some("olzhas"))
        .inspect(|o| assert_eq!(o.object.due_on.as_deref(), Some("2027-03-01")))
        .map(|o| o.object.id)
        .collect();
    assigned.sort();
    assert_eq!(assigned, medeu);

    // Olzhas's phone has them after a sync, and cannot reassign one.
    let (_, token) = s.enroll("olzhas").await;
    let d = TestDevice::new(&s.url(""), &token);
    device_sync(&d).await;
    let mut on_device: Vec<Uuid> = d.device.blocking(|st| {
        st.objects(None, None)
            .unwrap()
            .into_iter()
            .filter(|o| o.object.assignee.as_deref() == Some("olzhas"))
            .map(|o| o.object.id)
            .collect()
    });
    on_device.sort();
    assert_eq!(on_device, medeu);
    let first = medeu[0];
    let refused = d.device.blocking(move |st| {
        st.update(EntityKind::Object, first, [("assignee".to_string(), json!("someone"))].into())
            .unwrap_err()
            .to_string()
    });
    assert!(refused.contains("cannot be edited"), "{refused}");
    let mut clock = qadam_core::HlcClock::default();
    let push = PushRequest {
        device_id: "olzhas-phone".into(),
        changes: Change::record(
            EntityKind::Object,
            first,
            [("assignee", json!("olzhas2"))],
            &mut clock,
            "olzhas-phone",
        ),
    };
    let (status, e) =
        s.call("POST", "/api/v1/sync/push", Some(&token), body(serde_json::to_value(&push).unwrap())).await;
    assert_eq!((status, e["error"]["code"].as_str()), (403, Some("forbidden")), "{e}");

    // Taken off the list again: assignee null.
    let (status, r) = s.call("POST", &url, Some(TOKEN), body(json!({"assignee": null, "objects": [first]}))).await;
    assert_eq!((status, r["assigned"].as_u64()), (200, Some(1)), "{r}");
    let objects: Vec<qadam_core::records::ObjectSummary> = s.get_json("/api/v1/objects").await;
    let o = objects.iter().find(|o| o.object.id == first).unwrap();
    assert_eq!((o.object.assignee.clone(), o.object.due_on.clone()), (None, None));
}

/// A coordinator sets a plan; the progress counts passported objects in
/// all, by district and by auditor, from what is recorded.
#[tokio::test]
async fn a_campaigns_progress_is_counted_against_the_plan_its_coordinator_sets() {
    use qadam_core::progress::{AuditorProgress, PlanProgress};
    let s = Server::start().await;
    assert_eq!(s.push(&demo::demo_campaign(16)).await.0, 200);
    add_account(&s, "olzhas", "auditor", Some((demo::demo_campaign_id(), "auditor")));
    let campaign = demo::demo_campaign_id();
    let body = |v: Value| Some(serde_json::to_vec(&v).unwrap());
    let (st, r) = s
        .call(
            "POST",
            &format!("/api/v1/campaigns/{campaign}/assignments"),
            Some(TOKEN),
            body(json!({"assignee": "olzhas", "district": "medeu", "due_on": "2027-03-01"})),
        )
        .await;
    assert_eq!(st, 200, "{r}");
    let plan_url = format!("/api/v1/campaigns/{campaign}/plan");
    for (bad, field) in [
        (json!({"objects": 0, "due_on": "2027-06-30"}), "objects"),
        (json!({"objects": 10, "due_on": "30.06.2027"}), "due_on"),
        (json!({"objects": 10, "due_on": "2027-06-30", "districts": {"atlantis": 2}}), "districts"),
    ] {
        let (st, e) = s.call("PUT", &plan_url, Some(TOKEN), body(bad.clone())).await;
        assert_eq!((st, e["error"]["field"].as_str()), (422, Some(field)), "{bad}: {e}");
    }
    let (_, auditor) = s.enroll("olzhas").await;
    let (st, _) = s.call("PUT", &plan_url, Some(&auditor), body(json!({"objects": 10, "due_on": "2027-06-30"}))).await;
    assert_eq!(st, 403, "an auditor sets no plan");
    let (st, _) = s.call("GET", &format!("/api/v1/campaigns/{campaign}/progress"), Some(&auditor), None).await;
    assert_eq!(st, 403);

    // The oracle: the objects as the API lists them.
    let objects: Vec<qadam_core::records::ObjectSummary> = s.get_json("/api/v1/objects").await;
    let medeu: Vec<&qadam_core::records::ObjectSummary> = objects
        .iter()
        .filter(|o| o.object.district.as_ref().is_some_and(|d| *d == qadam_core::model::District::MEDEU))
        .collect();
    assert!(!medeu.is_empty(), "the demo has Medeu objects");
    let waiting = |os: &[&qadam_core::records::ObjectSummary]| {
        os.iter()
            .filter(|o| o.audit.as_ref().is_some_and(|a| a.status == Some(qadam_core::model::AuditStatus::Submitted)))
            .count() as u32
    };
    let first = medeu.iter().find(|o| o.audit.is_some()).unwrap();
    let r =
        s.http.post(s.url(&format!("/api/v1/audits/{}/review", first.audit.as_ref().unwrap().id))).bearer_auth(TOKEN);
    assert_eq!(r.json(&json!({"action": "approve"})).send().await.unwrap().status(), 200);

    let (st, p) = s
        .call(
            "PUT",
            &plan_url,
            Some(TOKEN),
            body(json!({"objects": 10, "due_on": "2099-06-30", "districts": {"medeu": 4}})),
        )
        .await;
    assert_eq!(st, 200, "{p}");
    let p: PlanProgress = serde_json::from_value(p).unwrap();
    let all: Vec<&qadam_core::records::ObjectSummary> = objects.iter().collect();
    assert_eq!(
        (p.campaign.planned, p.campaign.objects, p.campaign.passported, p.campaign.waiting),
        (Some(10), objects.len() as u32, 1, waiting(&all) - 1)
    );
    let m = p
        .by_district
        .iter()
        .find(|r| r.district.as_ref().is_some_and(|d| *d == qadam_core::model::District::MEDEU))
        .unwrap();
    assert_eq!((m.planned, m.objects, m.passported, m.waiting), (Some(4), medeu.len() as u32, 1, waiting(&medeu) - 1));
    let assigned = medeu.len() as u32;
    assert_eq!(
        p.by_auditor,
        vec![AuditorProgress { auditor: "olzhas".into(), assigned, done: 1, waiting: waiting(&medeu) - 1, overdue: 0 }]
    );
    // Set today, due in 2099: nothing much expected yet, and one passported is on track.
    assert_eq!((p.expected_now, p.on_track), (Some(0), Some(true)));
    let again: PlanProgress = s.get_json(&format!("/api/v1/campaigns/{campaign}/progress")).await;
    assert_eq!(again, p, "the plan was kept");

    // Re-audits: none can be assigned before the plan says how often.
    let assign_url = format!("/api/v1/campaigns/{campaign}/assignments");
    let (st, e) =
        s.call("POST", &assign_url, Some(TOKEN), body(json!({"assignee": "olzhas", "reaudit_due": true}))).await;
    assert_eq!((st, e["error"]["field"].as_str()), (422, Some("reaudit_due")), "{e}");
    // Every month: the demo's audits were on 2025-06-01 (1 748 736 000 000
    // ms, finished 40 minutes later), so the approved one was due on 2025-07-01.
    let (st, p) = s
        .call("PUT", &plan_url, Some(TOKEN), body(json!({"objects": 10, "due_on": "2099-06-30", "reaudit_months": 1})))
        .await;
    assert_eq!(st, 200, "{p}");
    let p: PlanProgress = serde_json::from_value(p).unwrap();
    assert_eq!(p.campaign.reaudit_due, 1);
    let (st, r) =
        s.call("POST", &assign_url, Some(TOKEN), body(json!({"assignee": "olzhas", "reaudit_due": true}))).await;
    assert_eq!((st, r["assigned"].as_u64()), (200, Some(1)), "{r}");
    let objects: Vec<qadam_core::records::ObjectSummary> = s.get_json("/api/v1/objects").await;
    let o = objects.iter().find(|o| o.object.id == first.object.id).unwrap();
    assert_eq!((o.object.assignee.as_deref(), o.object.due_on.as_deref()), (Some("olzhas"), Some("2025-07-01")));
    // Due by a date before then: none.
    let (_, r) = s
        .call(
            "POST",
            &assign_url,
            Some(TOKEN),
            body(json!({"assignee": "olzhas", "reaudit_due": true, "due_on": "2025-06-30"})),
        )
        .await;
    assert_eq!(r["assigned"].as_u64(), Some(0), "{r}");
}
