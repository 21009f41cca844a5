//! The public side (#17): the map, a place's page, photos, open datasets
//! and residents' reports, read and sent with no credentials at all, on
//! both store backends. The crawler at the end walks every public route of
//! the route table and proves that nothing private is ever served.

use super::*;
use qadam_core::records::ObjectSummary;
use qadam_sync_server::http::routes::OPERATIONS;

/// Changes written by a device other than the demo's (an auditor's phone).
fn by_phone(entity: EntityKind, id: Uuid, fields: Vec<(&str, Value)>, clock: &mut qadam_core::HlcClock) -> Vec<Change> {
    Change::record(entity, id, fields, clock, PHONE)
}

const PHONE: &str = "phone-of-the-auditor-7f3a";
const COMMENT: &str = "Секретный комментарий рецензента";

async fn review(s: &Server, audit: Uuid, body: Value) {
    let r = s.http.post(s.url(&format!("/api/v1/audits/{audit}/review"))).bearer_auth(TOKEN).json(&body);
    let r = r.send().await.unwrap();
    assert_eq!(r.status(), 200, "{body}: {}", r.text().await.unwrap());
}

/// An anonymous GET: status, headers and body text.
async fn anonymous(s: &Server, path: &str, headers: &[(&str, &str)]) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let mut r = reqwest::Client::new().get(s.url(path));
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    let r = r.send().await.unwrap();
    let (status, h) = (r.status().as_u16(), r.headers().clone());
    (status, h, r.bytes().await.unwrap().to_vec())
}

async fn anonymous_json(s: &Server, path: &str) -> Value {
    let (status, _, body) = anonymous(s, path, &[]).await;
    assert_eq!(status, 200, "GET {path}: {}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).unwrap()
}

struct World {
    /// Approved: measured in full, passing.
    passing: ObjectSummary,
    /// Approved with a narrow door, then re-audited with the door widened
    /// and approved again.
    fixed: ObjectSummary,
    /// Submitted, never approved.
    unapproved: ObjectSummary,
    public_sha: String,
    private_sha: String,
    /// An element a draft audit added to `passing` after its approval.
    draft_element: Uuid,
}

async fn world(s: &Server) -> World {
    s.push(&demo::demo_campaign(6)).await;
    let objects: Vec<ObjectSummary> = s.get_json("/api/v1/objects").await;
    let named = |n: &str| objects.iter().find(|o| o.object.name.ends_with(&format!("№ {n} (демо)"))).unwrap().clone();
    let (passing, fixed, unapproved) = (named("1"), named("5"), named("3"));
    let audit_of = |o: &ObjectSummary| o.audit.as_ref().unwrap().id;
    let mut clock = qadam_core::HlcClock::default();

    // The narrow door is sent back with a comment first, then approved.
    review(s, audit_of(&fixed), json!({"action": "request_changes", "comment": COMMENT})).await;
    let (st, _) =
        s.push(&by_phone(EntityKind::Audit, audit_of(&fixed), vec![("status", json!("submitted"))], &mut clock)).await;
    assert_eq!(st, 200);
    for o in [&passing, &fixed] {
        review(s, audit_of(o), json!({"action": "approve"})).await;
    }

    // Photos of the passing place, with the phone's position in their EXIF:
    // one the coordinator makes public, one not.
    let mut shas = Vec::new();
    for seed in [1u64, 2] {
        let jpeg = demo::jpeg_with_exif(64 + seed as u32, 48, 1, Some((43.25, 76.95)), "2026:11:20 10:00:00");
        let sha = qadam_core::photo::sha256_hex(&jpeg);
        let r = s.http.put(s.url(&format!("/api/v1/photos/{sha}"))).bearer_auth(TOKEN).body(jpeg);
        assert!(r.send().await.unwrap().status().is_success());
        let photo = Uuid::now_v7();
        let fields = vec![
            ("object_id", json!(passing.object.id)),
            ("subject", json!("object")),
            ("sha256", json!(sha)),
            ("caption", json!(format!("Вход {seed}"))),
        ];
        assert_eq!(s.push(&by_phone(EntityKind::Photo, photo, fields, &mut clock)).await.0, 200);
        shas.push((photo, sha));
    }
    let url = s.url(&format!("/api/v1/objects/{}/photos/{}/public", passing.object.id, shas[0].0));
    let r = s.http.put(url).bearer_auth(TOKEN).json(&json!({"public": true})).send().await.unwrap();
    assert_eq!(r.status(), 200);

    // The door is widened on a second visit, approved in turn.
    let detail: Value = s.get_json(&format!("/api/v1/objects/{}", fixed.object.id)).await;
    let door = detail["elements"].as_array().unwrap().iter().find(|e| e["kind"] == "door").unwrap()["id"].clone();
    let door: Uuid = serde_json::from_value(door).unwrap();
    let revisit = Uuid::now_v7();
    let mut changes = by_phone(
        EntityKind::Audit,
        revisit,
        vec![
            ("campaign_id", json!(fixed.object.campaign_id)),
            ("object_id", json!(fixed.object.id)),
            ("auditor", json!("Демо-аудитор")),
            ("started_at_ms", json!(qadam_core::hlc::now_ms())),
            ("status", json!("submitted")),
        ],
        &mut clock,
    );
    changes.extend(by_phone(EntityKind::Element, door, vec![("measurements.clear_width_mm", json!(1000))], &mut clock));
    let pushed = s.push(&changes).await;
    assert_eq!(pushed.0, 200, "{}", pushed.1);
    review(s, revisit, json!({"action": "approve"})).await;

    // After its approval, a draft visit to the passing place records a
    // door no wheelchair passes: the public must not see it.
    let draft = Uuid::now_v7();
    let draft_element = Uuid::now_v7();
    let mut changes = by_phone(
        EntityKind::Audit,
        draft,
        vec![
            ("campaign_id", json!(passing.object.campaign_id)),
            ("object_id", json!(passing.object.id)),
            ("auditor", json!("Демо-аудитор")),
            ("status", json!("draft")),
        ],
        &mut clock,
    );
    changes.extend(by_phone(
        EntityKind::Element,
        draft_element,
        vec![
            ("object_id", json!(passing.object.id)),
            ("audit_id", json!(draft)),
            ("kind", json!("door")),
            ("measurements.clear_width_mm", json!(600)),
        ],
        &mut clock,
    ));
    assert_eq!(s.push(&changes).await.0, 200);
    World { passing, fixed, unapproved, public_sha: shas[0].1.clone(), private_sha: shas[1].1.clone(), draft_element }
}

#[tokio::test]
async fn the_public_sees_approved_places_judged_on_approved_elements_only() {
    let s = Server::start().await;
    let w = world(&s).await;
    let map = anonymous_json(&s, "/api/v1/public/map?zoom=18").await;
    let mut ids: Vec<String> =
        map["places"].as_array().unwrap().iter().map(|p| p[0].as_str().unwrap().into()).collect();
    ids.sort();
    let mut want = vec![w.passing.object.id.to_string(), w.fixed.object.id.to_string()];
    want.sort();
    assert_eq!(ids, want, "approved places only");
    assert_eq!(map["licence"], json!({"id": "CC-BY-4.0", "url": "https://creativecommons.org/licenses/by/4.0/"}));

    // The passing place, as the coordinator's approval left it: the draft's
    // 600 mm door is on the coordinator's page, not on the public one.
    let coordinator: Value = s.get_json(&format!("/api/v1/objects/{}", w.passing.object.id)).await;
    assert_eq!(coordinator["verdict"]["wheelchair_map"], "not_accessible", "the draft door fails for the coordinator");
    let place = anonymous_json(&s, &format!("/api/v1/public/places/{}", w.passing.object.id)).await;
    assert_eq!(place["statuses"][0], "DP", "К: every wheelchair check of the approved visit was measured and passed");
    assert_eq!(place["wheelchair"], "fully_accessible");
    assert_eq!(place["failing"], json!([]));
    assert!(place["check_date"].as_str().is_some_and(|d| d.len() == 10), "{place}");
    assert_eq!(place["photos"].as_array().unwrap().len(), 1);
    assert_eq!(place["photos"][0]["sha256"], w.public_sha.as_str());
    assert_eq!(place["photos"][0]["caption"], "Вход 1");

    // The place the second visit fixed: its narrow door failed at the first
    // approval and passes now.
    let fixed = anonymous_json(&s, &format!("/api/v1/public/places/{}", w.fixed.object.id)).await;
    assert_eq!(fixed["failing"], json!([]));
    let fixed_rules: Vec<&str> =
        fixed["fixed"].as_array().unwrap().iter().map(|f| f["rule_id"].as_str().unwrap()).collect();
    assert_eq!(fixed_rules.len(), 1, "{fixed}");
    assert!(fixed["fixed"][0]["clause"].as_str().is_some_and(|c| !c.is_empty()));
    assert!(fixed["fixed"][0]["element_kind"] == "door");
    // Before and after: the narrow door blocked К at the first approval.
    assert_eq!(fixed["before"]["statuses"][0], "VND", "{fixed}");
    assert_ne!(fixed["statuses"][0], "VND");
    assert_eq!(fixed["before"]["approved_on"].as_str().map(str::len), Some("YYYY-MM-DD".len()));
    assert_eq!(place["before"], Value::Null, "approved once: no before");

    // Unapproved and unknown places do not exist for the public.
    for id in [w.unapproved.object.id, Uuid::now_v7()] {
        let (st, _, _) = anonymous(&s, &format!("/api/v1/public/places/{id}"), &[]).await;
        assert_eq!(st, 404);
    }

    // Public photos come without any metadata; the others are not there.
    let (st, h, body) = anonymous(&s, &format!("/api/v1/public/photos/{}", w.public_sha), &[]).await;
    assert_eq!((st, h["content-type"].to_str().unwrap()), (200, "image/jpeg"));
    let info = qadam_core::photo::inspect(&body, qadam_core::photo::MAX_PHOTO_BYTES).unwrap();
    assert_eq!((info.gps, info.taken_at_local, info.width_px), (None, None, 65), "no position, no time, same picture");
    assert!(!body.windows(4).any(|w| w == b"Exif"), "no EXIF segment at all");
    let (st, _, thumb) = anonymous(&s, &format!("/api/v1/public/photos/{}/thumb", w.public_sha), &[]).await;
    assert_eq!(st, 200);
    assert_eq!(qadam_core::photo::inspect(&thumb, qadam_core::photo::MAX_PHOTO_BYTES).unwrap().gps, None);
    for path in
        [format!("/api/v1/public/photos/{}", w.private_sha), format!("/api/v1/public/photos/{}/thumb", w.private_sha)]
    {
        assert_eq!(anonymous(&s, &path, &[]).await.0, 404, "{path}");
    }

    // An auditor's phone cannot make a photo public; a coordinator's page can.
    add_account(&s, "aigul", "auditor", Some((w.passing.object.campaign_id.unwrap(), "auditor")));
    let (device, token) = s.enroll("aigul").await;
    let mut clock = qadam_core::HlcClock::default();
    let fields = vec![("object_id", json!(w.passing.object.id)), ("public", json!(true))];
    let changes = Change::record(EntityKind::Photo, Uuid::now_v7(), fields, &mut clock, &device);
    let body = serde_json::to_vec(&PushRequest { device_id: device.clone(), changes }).unwrap();
    let (st, v) = s.call("POST", "/api/v1/sync/push", Some(&token), Some(body)).await;
    assert_eq!((st, v["error"]["code"].as_str()), (403, Some("forbidden")), "{v}");
}

#[tokio::test]
async fn the_map_clusters_a_city_searches_and_answers_304_until_the_data_change() {
    let s = Server::start().await;
    let w = world(&s).await;
    // Far out, the places are clusters whose counts add up per need.
    let map = anonymous_json(&s, "/api/v1/public/map?zoom=2").await;
    assert_eq!(map["total"], 2);
    let clusters = map["clusters"].as_array().unwrap();
    if !clusters.is_empty() {
        for need in 0..5 {
            let sum: u64 = clusters
                .iter()
                .map(|c| c[2][need].as_array().unwrap().iter().map(|n| n.as_u64().unwrap()).sum::<u64>())
                .sum();
            assert_eq!(sum, 2, "need {need}");
        }
    }
    // A box around nothing holds nothing; a bad box is refused by name.
    let empty = anonymous_json(&s, "/api/v1/public/map?bbox=10,10,11,11&zoom=18").await;
    assert_eq!((empty["total"].clone(), empty["places"].clone()), (json!(0), json!([])));
    for bad in ["1,2,3", "200,0,201,1", "5,5,4,6", "a,b,c,d"] {
        let (st, _, body) = anonymous(&s, &format!("/api/v1/public/map?bbox={bad}"), &[]).await;
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!((st, v["error"]["field"].as_str()), (400, Some("bbox")), "{bad}: {v}");
    }
    let (st, _, _) = anonymous(&s, "/api/v1/public/map?zoom=99", &[]).await;
    assert_eq!(st, 400);
    let (st, _, _) = anonymous(&s, "/api/v1/public/map?secret=1", &[]).await;
    assert_eq!(st, 400, "an unknown parameter is refused");

    // Search by a word of the name, any case; the unapproved place is never found.
    let name = &w.passing.object.name;
    let word = name.split_whitespace().next().unwrap().to_uppercase();
    let hits = anonymous_json(&s, &format!("/api/v1/public/search?q={}", urlencoding(&word))).await;
    let found: Vec<&str> = hits.as_array().unwrap().iter().map(|h| h["name"].as_str().unwrap()).collect();
    assert!(found.contains(&name.as_str()), "{found:?}");
    let hidden =
        anonymous_json(&s, &format!("/api/v1/public/search?q={}", urlencoding(&w.unapproved.object.name))).await;
    assert_eq!(hidden, json!([]));

    // ETag: the same answer is 304 until the store changes.
    let (st, h, _) = anonymous(&s, "/api/v1/public/map?zoom=18", &[]).await;
    let tag = h["etag"].to_str().unwrap().to_string();
    assert_eq!(st, 200);
    assert!(h["link"].to_str().unwrap().contains("rel=\"license\""));
    assert_eq!(h["access-control-allow-origin"], "*");
    let (st, _, body) = anonymous(&s, "/api/v1/public/map?zoom=18", &[("if-none-match", &tag)]).await;
    assert_eq!((st, body.len()), (304, 0));
    review(&s, w.unapproved.audit.as_ref().unwrap().id, json!({"action": "approve"})).await;
    let (st, h, body) = anonymous(&s, "/api/v1/public/map?zoom=18", &[("if-none-match", &tag)]).await;
    assert_eq!(st, 200, "the data changed");
    assert_ne!(h["etag"].to_str().unwrap(), tag);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["total"], 3, "the newly approved place is public now");
}

fn urlencoding(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn datasets_carry_their_licence_and_are_paged() {
    let s = Server::start().await;
    let _w = world(&s).await;
    let (st, h, body) = anonymous(&s, "/api/v1/public/datasets/objects.geojson?per_page=1", &[]).await;
    assert_eq!(st, 200);
    assert_eq!(h["x-total-count"], "2");
    let links: Vec<&str> = h.get_all("link").iter().map(|v| v.to_str().unwrap()).collect();
    assert!(links.iter().any(|l| l.contains("page=2>; rel=\"next\"") && l.contains("per_page=1")), "{links:?}");
    let g: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(g["licence"]["id"], "CC-BY-4.0");
    assert_eq!(g["features"].as_array().unwrap().len(), 1);
    let (_, h2, body2) = anonymous(&s, "/api/v1/public/datasets/objects.geojson?per_page=1&page=2", &[]).await;
    let g2: Value = serde_json::from_slice(&body2).unwrap();
    assert_ne!(g["features"][0]["id"], g2["features"][0]["id"], "page 2 is the other place");
    assert!(!h2.get_all("link").iter().any(|v| v.to_str().unwrap().contains("rel=\"next\"")), "the last page");

    let (_, _, csv) = anonymous(&s, "/api/v1/public/datasets/objects.csv", &[]).await;
    let csv = String::from_utf8(csv).unwrap();
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().ends_with(",licence"));
    assert!(lines.all(|l| l.ends_with("CC-BY-4.0 https://creativecommons.org/licenses/by/4.0/")));
    let (_, _, osm) = anonymous(&s, "/api/v1/public/datasets/objects.osm", &[]).await;
    assert!(String::from_utf8(osm).unwrap().contains("license=\"https://creativecommons.org/licenses/by/4.0/\""));
    // Without a page, the whole selection streams: the same bytes as one
    // page holding everything, for every format.
    for file in qadam_sync_server::service::findings::ExportFile::ALL {
        let (st, h, whole) = anonymous(&s, &format!("/api/v1/public/datasets/{}", file.name()), &[]).await;
        assert_eq!((st, h["x-total-count"].to_str().unwrap()), (200, "2"), "{}", file.name());
        let (_, _, page) = anonymous(&s, &format!("/api/v1/public/datasets/{}?per_page=10000", file.name()), &[]).await;
        assert_eq!(String::from_utf8(whole).unwrap(), String::from_utf8(page).unwrap(), "{}", file.name());
    }
    for bad in ["per_page=0", "per_page=10001", "page=0"] {
        let (st, _, _) = anonymous(&s, &format!("/api/v1/public/datasets/objects.csv?{bad}"), &[]).await;
        assert_eq!(st, 400, "{bad}");
    }
}

#[tokio::test]
async fn a_resident_reports_a_change_and_the_coordinators_see_it() {
    let s = Server::start().await;
    let w = world(&s).await;
    let post = |id: Uuid, body: Value| {
        let r = reqwest::Client::new().post(s.url(&format!("/api/v1/public/places/{id}/reports"))).json(&body);
        async move {
            let r = r.send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (st, v) =
        post(w.passing.object.id, json!({"text": " Пандус разобрали <b>вчера</b> ", "contact": "+7 700 000 00 00"}))
            .await;
    assert_eq!(st, 201, "{v}");
    for (body, field) in [
        (json!({"text": "  "}), "text"),
        (json!({"text": "x".repeat(2001)}), "text"),
        (json!({"text": "ok", "contact": "y".repeat(201)}), "contact"),
        (json!({"text": "ok", "name": "Иван"}), ""),
    ] {
        let (st, v) = post(w.passing.object.id, body).await;
        if field.is_empty() {
            assert_eq!((st, v["error"]["code"].as_str()), (400, Some("invalid_body")), "{v}");
        } else {
            assert_eq!((st, v["error"]["field"].as_str()), (422, Some(field)), "{v}");
        }
    }
    assert_eq!(post(w.unapproved.object.id, json!({"text": "ok"})).await.0, 404);

    let reports: Vec<Value> = s.get_json("/api/v1/reports").await;
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0]["text"], "Пандус разобрали <b>вчера</b>", "kept as typed, trimmed");
    assert_eq!(reports[0]["contact"], "+7 700 000 00 00");
    assert_eq!(reports[0]["object_id"], json!(w.passing.object.id));
    assert!(reports[0]["closed_ms"].is_null());
    let id = reports[0]["id"].as_str().unwrap();
    let r = s.http.post(s.url(&format!("/api/v1/reports/{id}/close"))).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let reports: Vec<Value> = s.get_json("/api/v1/reports").await;
    assert!(reports[0]["closed_ms"].is_i64());
    // Reading the reports needs an account.
    assert_eq!(anonymous(&s, "/api/v1/reports", &[]).await.0, 401);

    // One address sends a few, then waits (the loopback is one address).
    let mut statuses = Vec::new();
    for i in 0..qadam_sync_server::service::throttle::REPORT_BURST + 1 {
        statuses.push(post(w.passing.object.id, json!({"text": format!("report {i}")})).await.0);
    }
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
}

/// Every public GET of the route table, with its path filled in for the
/// places, photos and files of `w`.
fn public_paths(w: &World) -> Vec<String> {
    let mut out = Vec::new();
    for op in OPERATIONS.iter().filter(|o| o.method == "get" && !o.auth && o.path.starts_with("/api/v1/public/")) {
        let fills: Vec<String> = if op.path.contains("{id}") {
            [w.passing.object.id, w.fixed.object.id, w.unapproved.object.id]
                .iter()
                .map(|id| op.path.replace("{id}", &id.to_string()))
                .collect()
        } else if op.path.contains("{sha256}") {
            [&w.public_sha, &w.private_sha].iter().map(|sha| op.path.replace("{sha256}", sha)).collect()
        } else if op.path.contains("{file}") {
            qadam_sync_server::service::findings::ExportFile::ALL
                .iter()
                .map(|f| op.path.replace("{file}", f.name()))
                .collect()
        } else if op.path.ends_with("/search") {
            vec![format!("{}?q=демо", op.path)]
        } else {
            vec![format!("{}?zoom=18", op.path), format!("{}?zoom=3", op.path)]
        };
        assert!(fills.iter().all(|p| !p.contains('{')), "a public route this crawler cannot fill: {}", op.path);
        out.extend(fills);
    }
    out
}

#[tokio::test]
async fn an_anonymous_crawler_never_sees_a_draft_a_comment_a_name_a_device_or_a_private_photo() {
    let s = Server::start().await;
    let w = world(&s).await;
    let secrets: Vec<(&str, String)> = vec![
        ("the auditor's name", "Демо-аудитор".into()),
        ("the reviewer's comment", COMMENT.into()),
        ("the reviewer", "coordinator-dashboard".into()),
        ("a device id", PHONE.into()),
        ("the demo's device id", "dev-1".into()),
        ("the private photo", w.private_sha.clone()),
        ("the draft's element", w.draft_element.to_string()),
        ("the unapproved place", w.unapproved.object.id.to_string()),
        ("the unapproved place's name", w.unapproved.object.name.clone()),
        ("a photo's time", "2026:11:20".into()),
    ];
    let paths = public_paths(&w);
    assert!(paths.len() >= 10, "{paths:?}");
    let mut served = 0;
    for path in &paths {
        let (st, _, body) = anonymous(&s, path, &[("accept-encoding", "identity")]).await;
        assert!(st == 200 || st == 404, "{path}: {st}");
        served += usize::from(st == 200);
        let text = String::from_utf8_lossy(&body);
        // A refusal may repeat the id it was asked for; nothing else.
        for (what, secret) in secrets.iter().filter(|(_, secret)| !path.contains(secret.as_str())) {
            assert!(!text.contains(secret.as_str()), "{path} serves {what}");
        }
    }
    assert!(served >= 8, "the crawler read real answers");
}
