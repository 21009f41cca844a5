//! Credentials: every endpoint refuses missing, wrong, revoked and other-campaign credentials.

use super::*;

#[tokio::test]
async fn wrong_token_is_refused() {
    let s = Server::start().await;
    for (auth, code) in [(None, "unauthorized"), (Some("wrong"), "invalid_token")] {
        let mut req = s.http.get(s.url("/api/v1/sync/pull"));
        if let Some(t) = auth {
            req = req.bearer_auth(t);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status().as_u16(), 401);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["code"], code);
    }
    // The session cookie works once the token is exchanged.
    let r = s.http.post(s.url("/api/v1/session")).json(&json!({"token": TOKEN})).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let r = s.http.get(s.url("/api/v1/campaigns")).header("cookie", cookie).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let r = s.http.post(s.url("/api/v1/session")).json(&json!({"token": "nope"})).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_refuses_missing_wrong_revoked_and_other_campaign_credentials() {
    let s = Server::start().await;
    let demo_campaign = demo::demo_campaign_id();
    let demo_batch = demo::demo_campaign(2);
    let (st, _) = s.push(&demo_batch).await;
    assert_eq!(st, 200);
    let demo_object = demo_batch.iter().find(|c| c.entity == EntityKind::Object).unwrap().entity_id;
    let demo_audit = demo_batch.iter().find(|c| c.entity == EntityKind::Audit).unwrap().entity_id;
    // A second campaign, and people in one campaign or the other.
    let other = Uuid::now_v7();
    let mut clock = qadam_core::HlcClock::default();
    let name = Change {
        op_id: Uuid::now_v7(),
        entity: EntityKind::Campaign,
        entity_id: other,
        field: "name".into(),
        value: json!("Другая кампания"),
        hlc: clock.tick(qadam_core::hlc::now_ms()),
        device_id: "admin".into(),
        seen_cursor: 0,
    };
    assert_eq!(s.push(&[name]).await.0, 200);
    add_account(&s, "aigul", "auditor", Some((demo_campaign, "auditor")));
    add_account(&s, "bolat", "auditor", Some((other, "auditor")));
    add_account(&s, "dana", "coordinator", Some((other, "coordinator")));
    let (_, aigul) = s.enroll("aigul").await;
    let (_, bolat) = s.enroll("bolat").await;
    let (revoked_id, revoked) = s.enroll("aigul").await;
    let (st, _) = s.call("POST", &format!("/api/v1/devices/{revoked_id}/revoke"), Some(TOKEN), None).await;
    assert_eq!(st, 200);
    // A coordinator of the other campaign signs in to the dashboard.
    let r = s.http.post(s.url("/api/v1/session")).json(&json!({"login": "dana", "password": "correct horse battery"}));
    let r = r.send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let dana_cookie = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let wrong = s.http.post(s.url("/api/v1/session")).json(&json!({"login": "dana", "password": "wrong password"}));
    let r = wrong.send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);

    // A photo of the demo campaign.
    let jpeg = demo::jpeg_with_exif(320, 240, 1, None, "2025:06:01 10:00:00");
    let sha = qadam_core::photo::sha256_hex(&jpeg);
    let r = s.http.put(s.url(&format!("/api/v1/photos/{sha}"))).bearer_auth(&aigul).body(jpeg.clone());
    assert_eq!(r.send().await.unwrap().status().as_u16(), 201);
    let photo = Uuid::now_v7();
    let field = |f: &str, v: Value, clock: &mut qadam_core::HlcClock| Change {
        op_id: Uuid::now_v7(),
        entity: EntityKind::Photo,
        entity_id: photo,
        field: f.into(),
        value: v,
        hlc: clock.tick(qadam_core::hlc::now_ms()),
        device_id: "aigul-phone".into(),
        seen_cursor: 0,
    };
    let photo_changes =
        vec![field("object_id", json!(demo_object), &mut clock), field("sha256", json!(sha), &mut clock)];
    let body = |changes: Vec<Change>| serde_json::to_vec(&PushRequest { device_id: "x".into(), changes }).unwrap();
    let (st, r) = s.call("POST", "/api/v1/sync/push", Some(&aigul), Some(body(photo_changes.clone()))).await;
    assert_eq!(st, 200, "a member writes to her campaign: {r}");

    // Every authenticated endpoint of the route table the router is built
    // from: missing, wrong and revoked credentials.
    let endpoints: Vec<(String, String, Option<Vec<u8>>)> = qadam_sync_server::http::routes::OPERATIONS
        .iter()
        .filter(|op| op.auth)
        .map(|op| {
            let (method, path) = (op.method.to_string(), op.path.to_string());
            let path = path
                .replace("/campaigns/{id}", &format!("/campaigns/{demo_campaign}"))
                .replace("/audits/{id}", &format!("/audits/{demo_audit}"))
                .replace("{id}", &demo_object.to_string())
                .replace("{sha256}", &sha)
                .replace("{conflict}", "1")
                .replace("{device}", &revoked_id)
                .replace("{login}", "aigul")
                .replace("{file}", "objects.csv");
            let body = match method.as_str() {
                "put" | "patch" => Some(jpeg.clone()),
                "post" if path.ends_with("/sync/push") => Some(body(photo_changes.clone())),
                "post" => Some(br#"{"keep":"earlier","action":"approve","login":"aigul"}"#.to_vec()),
                _ => None,
            };
            (method.to_uppercase(), path, body)
        })
        .collect();
    assert!(endpoints.len() >= 25, "{endpoints:?}");
    let before = s.counts();
    for (method, path, b) in &endpoints {
        for (token, code) in
            [(None, "unauthorized"), (Some("qd_wrong"), "invalid_token"), (Some(revoked.as_str()), "device_revoked")]
        {
            let (st, v) = s.call(method, path, token, b.clone()).await;
            assert_eq!(st, 401, "{method} {path} with {token:?}: {v}");
            if *method != "HEAD" {
                assert_eq!(v["error"]["code"], code, "{method} {path} with {token:?}");
            }
        }
    }
    let (_, v) = s.call("GET", "/api/v1/sync/pull", Some(&revoked), None).await;
    assert!(v["error"]["message"].as_str().unwrap().contains("unsynced data stays"), "{v}");
    assert_eq!(s.counts(), before, "refused requests change nothing");

    // Other-campaign credentials see and change nothing of the demo campaign.
    let (st, v) = s.call("GET", "/api/v1/sync/pull", Some(&bolat), None).await;
    assert_eq!(st, 200);
    assert!(v["changes"].as_array().unwrap().iter().all(|c| c["change"]["entity_id"] == json!(other)), "{v}");
    let (st, v) = s.call("GET", "/api/v1/sync/pull", Some(&aigul), None).await;
    assert_eq!(st, 200);
    assert!(v["changes"].as_array().unwrap().len() >= demo_batch.len(), "a member pulls her campaign");
    assert!(v["changes"].as_array().unwrap().iter().all(|c| c["change"]["entity_id"] != json!(other)));
    let mut rename = demo_batch.iter().find(|c| c.entity == EntityKind::Object && c.field == "name").unwrap().clone();
    rename.op_id = Uuid::now_v7();
    rename.hlc = clock.tick(qadam_core::hlc::now_ms());
    let (st, v) = s.call("POST", "/api/v1/sync/push", Some(&bolat), Some(body(vec![rename.clone()]))).await;
    assert_eq!((st, v["error"]["code"].as_str()), (403, Some("forbidden")), "{v}");
    assert_eq!(v["error"]["field"], "changes[0]");
    let (_, v) = s.call("GET", "/api/v1/campaigns", Some(&bolat), None).await;
    assert_eq!(v.as_array().unwrap().len(), 1, "only his campaign: {v}");
    let (st, _) = s.call("GET", &format!("/api/v1/photos/{sha}"), Some(&bolat), None).await;
    assert_eq!(st, 404, "another campaign's photo is not served");
    let (st, _) = s.call("GET", &format!("/api/v1/photos/{sha}"), Some(&aigul), None).await;
    assert_eq!(st, 200);
    // Auditors do not use the dashboard; administrators' endpoints are theirs.
    for (method, path) in [
        ("GET", "/api/v1/objects".to_string()),
        ("GET", "/api/v1/devices".into()),
        ("GET", "/api/v1/exports/objects.csv".into()),
        ("GET", "/api/v1/reviews".into()),
        ("GET", format!("/api/v1/audits/{demo_audit}/history")),
        ("POST", format!("/api/v1/audits/{demo_audit}/review")),
    ] {
        let body = (method == "POST").then(|| br#"{"action":"approve"}"#.to_vec());
        let (st, _) = s.call(method, &path, Some(&aigul), body).await;
        assert_eq!(st, 403, "{method} {path} as an auditor");
    }
    // Nor does her phone approve its own audit through a sync push.
    let mut approve = demo_batch.iter().find(|c| c.entity == EntityKind::Audit && c.field == "status").unwrap().clone();
    approve.op_id = Uuid::now_v7();
    approve.value = json!("approved");
    approve.hlc = clock.tick(qadam_core::hlc::now_ms());
    let (st, v) = s.call("POST", "/api/v1/sync/push", Some(&aigul), Some(body(vec![approve]))).await;
    assert_eq!((st, v["error"]["field"].as_str()), (403, Some("changes[0]")), "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("draft or submitted"), "{v}");
    // A conflict in the demo campaign: its auditor sees it (the app shows it
    // on the field), may not resolve it; the other campaign's auditor never sees it.
    let seen = s.pull(0, 5000).await.next_cursor;
    let mut a = rename.clone();
    a.seen_cursor = seen;
    a.device_id = "device-a".into();
    a.value = json!("Название А");
    let mut b = rename.clone();
    b.op_id = Uuid::now_v7();
    b.device_id = "device-b".into();
    b.seen_cursor = seen;
    b.value = json!("Название Б");
    b.hlc = clock.tick(qadam_core::hlc::now_ms());
    assert_eq!(s.push(&[a]).await.0, 200);
    assert_eq!(s.push(&[b]).await.0, 200);
    let (st, v) = s.call("GET", "/api/v1/conflicts", Some(&aigul), None).await;
    assert_eq!((st, v.as_array().map(Vec::len)), (200, Some(1)), "{v}");
    let id = v[0]["id"].as_i64().unwrap();
    let (_, v) = s.call("GET", "/api/v1/conflicts", Some(&bolat), None).await;
    assert_eq!(v.as_array().map(Vec::len), Some(0), "{v}");
    let body = br#"{"keep":"earlier"}"#.to_vec();
    let (st, _) = s.call("POST", &format!("/api/v1/conflicts/{id}/resolve"), Some(&aigul), Some(body)).await;
    assert_eq!(st, 403, "auditors do not resolve conflicts");
    let dashboard = |path: String| s.http.get(s.url(&path)).header("cookie", dana_cookie.clone()).send();
    let r = dashboard(format!("/api/v1/objects?campaign={demo_campaign}")).await.unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let r = dashboard(format!("/api/v1/objects/{demo_object}")).await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let list: Vec<Value> = dashboard("/api/v1/objects".into()).await.unwrap().json().await.unwrap();
    assert!(list.is_empty(), "no object of the demo campaign is listed for her");
    let r = dashboard("/api/v1/devices".into()).await.unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let queue: Vec<Value> = dashboard("/api/v1/reviews".into()).await.unwrap().json().await.unwrap();
    assert!(queue.is_empty(), "no audit of the demo campaign is queued for her");
    // Nor is any on her map, in her analytics or in her exports.
    let map: Vec<Value> = dashboard("/api/v1/map".into()).await.unwrap().json().await.unwrap();
    assert!(map.is_empty(), "{map:?}");
    let figures: Value = dashboard("/api/v1/analytics".into()).await.unwrap().json().await.unwrap();
    assert_eq!(figures["objects"], 0, "{figures}");
    let demo_name =
        demo_batch.iter().find(|c| c.entity == EntityKind::Object && c.field == "name").unwrap().value.clone();
    for file in ["objects.csv", "elements.csv", "objects.geojson", "objects.a11yjson", "objects.osm"] {
        let r = dashboard(format!("/api/v1/exports/{file}")).await.unwrap();
        assert_eq!(r.status().as_u16(), 200, "{file}");
        let text = r.text().await.unwrap();
        assert!(
            !text.contains(&demo_object.to_string()) && !text.contains(demo_name.as_str().unwrap()),
            "{file}: {text}"
        );
        let r = dashboard(format!("/api/v1/exports/{file}?campaign={demo_campaign}")).await.unwrap();
        assert_eq!(r.status().as_u16(), 403, "{file} of the demo campaign");
    }
    for path in ["/api/v1/map", "/api/v1/analytics"] {
        let r = dashboard(format!("{path}?campaign={demo_campaign}")).await.unwrap();
        assert_eq!(r.status().as_u16(), 403, "{path} of the demo campaign");
    }
    let r = s
        .http
        .post(s.url(&format!("/api/v1/audits/{demo_audit}/review")))
        .header("cookie", dana_cookie.clone())
        .json(&json!({"action": "approve"}));
    assert_eq!(r.send().await.unwrap().status().as_u16(), 404, "another campaign's audit is not hers to review");
    let r = s
        .http
        .post(s.url("/api/v1/enrollments"))
        .header("cookie", dana_cookie.clone())
        .json(&json!({"login": "aigul"}));
    assert_eq!(r.send().await.unwrap().status().as_u16(), 403, "enrolling someone outside her campaigns");
    let me: Value = dashboard("/api/v1/me".into()).await.unwrap().json().await.unwrap();
    assert_eq!(me["login"], "dana");
    assert_eq!(me["role"], "coordinator");
    // Signing out ends the session.
    let r = s.http.delete(s.url("/api/v1/session")).header("cookie", dana_cookie.clone()).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 204);
    assert_eq!(dashboard("/api/v1/me".into()).await.unwrap().status().as_u16(), 401);
    // An enrollment code works once.
    let r = s.http.post(s.url("/api/v1/enrollments")).bearer_auth(TOKEN).json(&json!({"login": "bolat"}));
    let e: Value = r.send().await.unwrap().json().await.unwrap();
    let enroll = json!({"code": e["code"].as_str().unwrap().to_lowercase().replace('-', " "), "device_name": "tablet"});
    let (st, _) = s.call("POST", "/api/v1/devices/enroll", None, Some(serde_json::to_vec(&enroll).unwrap())).await;
    assert_eq!(st, 200, "codes are read forgivingly (case, separators)");
    let (st, v) = s.call("POST", "/api/v1/devices/enroll", None, Some(serde_json::to_vec(&enroll).unwrap())).await;
    assert_eq!((st, v["error"]["code"].as_str()), (401, Some("bad_enrollment_code")));
    // A disabled account's devices are refused, saying so.
    std::thread::scope(|t| {
        t.spawn(|| {
            qadam_sync_server::store::accounts(&*s.state.store, |db| {
                qadam_sync_server::store::accounts::disable_user(db, "aigul")
            })
            .unwrap()
        })
        .join()
        .unwrap()
    });
    // Disabled in the store (as the admin CLI does), not through this
    // server: it reads the device's credentials again within
    // DEVICE_CACHE_MS of the last time it did.
    let until = std::time::Instant::now()
        + std::time::Duration::from_millis(qadam_sync_server::service::accounts::DEVICE_CACHE_MS + 1_000);
    loop {
        let (st, v) = s.call("GET", "/api/v1/sync/pull", Some(&aigul), None).await;
        if st != 200 {
            assert_eq!((st, v["error"]["code"].as_str()), (401, Some("account_disabled")), "{v}");
            break;
        }
        assert!(std::time::Instant::now() < until, "a disabled account was still served after the cache's time");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
