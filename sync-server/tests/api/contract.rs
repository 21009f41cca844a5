//! The API as documented: every operation of the route table answers what the OpenAPI document says, and the document lists exactly the table.

use super::*;

#[tokio::test]
async fn every_documented_operation_answers_and_bodies_match_the_openapi_schemas() {
    let maps = tempfile::tempdir().unwrap();
    let archive = qadam_testkit::sample_basemap(maps.path(), 4);
    use qadam_sync_server::http::routes::{Answer, OPERATIONS};
    let s = Server::start_with(move |cfg| cfg.basemap.archive = Some(archive)).await;
    let doc: Value = reqwest::get(s.url("/api/v1/openapi.json")).await.unwrap().json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let jpeg = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/photos/entrance-gps.jpg")).unwrap();
    let sha = qadam_core::photo::sha256_hex(&jpeg);
    let mut batch = demo::demo_campaign(2);
    // Two devices wrote the object's name without seeing each other: conflict 1.
    let name = batch.iter().find(|c| c.field == "name" && c.entity == EntityKind::Object).unwrap().clone();
    let mut other = name.clone();
    other.op_id = Uuid::now_v7();
    other.device_id = "another-device".into();
    other.hlc = Hlc::new(name.hlc.wall_ms + 1, 0);
    other.value = json!("Другое название");
    batch.push(other);
    let (st, r) = s.push(&batch).await;
    assert_eq!(st, 200, "{r}");
    let objects = s.get_json::<Vec<qadam_core::records::ObjectSummary>>("/api/v1/objects").await;
    let object = objects[0].object.id;
    // The other object is approved, with a photo: the public side's.
    let public = objects[1].object.id;
    let r = s.http.post(s.url(&format!("/api/v1/audits/{}/review", objects[1].audit.as_ref().unwrap().id)));
    assert_eq!(r.bearer_auth(TOKEN).json(&json!({"action": "approve"})).send().await.unwrap().status(), 200);
    assert!(s
        .http
        .put(s.url(&format!("/api/v1/photos/{sha}")))
        .bearer_auth(TOKEN)
        .body(jpeg.clone())
        .send()
        .await
        .unwrap()
        .status()
        .is_success());
    let photo = Uuid::now_v7();
    let mut clock = qadam_core::HlcClock::default();
    let fields = [("object_id", json!(public)), ("subject", json!("object")), ("sha256", json!(sha))];
    assert_eq!(s.push(&Change::record(EntityKind::Photo, photo, fields, &mut clock, "phone")).await.0, 200);
    let r = s.http.put(s.url(&format!("/api/v1/objects/{public}/photos/{photo}/public")));
    assert_eq!(r.bearer_auth(TOKEN).json(&json!({"public": true})).send().await.unwrap().status(), 200);
    let r = s.http.post(s.url(&format!("/api/v1/public/places/{public}/reports"))).json(&json!({"text": "Пандус"}));
    let report: Value = r.send().await.unwrap().json().await.unwrap();
    add_account(&s, "olzhas", "auditor", Some((demo::demo_campaign_id(), "auditor")));
    let (device, _) = s.enroll("olzhas").await;
    let r = s.http.post(s.url("/api/v1/enrollments")).bearer_auth(TOKEN).json(&json!({"login": "olzhas"}));
    let code: Value = r.send().await.unwrap().json().await.unwrap();
    let audit = batch
        .iter()
        .find(|c| c.entity == EntityKind::Audit && c.field == "object_id" && c.value == json!(object))
        .map(|c| c.entity_id)
        .expect("the demo object has an audit");
    // A second record of a place, for the merge.
    let twin = Uuid::now_v7();
    let fields = [("campaign_id", json!(demo::demo_campaign_id())), ("name", json!("Двойник"))];
    assert_eq!(s.push(&Change::record(EntityKind::Object, twin, fields, &mut clock, "phone")).await.0, 200);
    // A shop approved with a door 700 mm wide and a 50 mm threshold: two
    // failed rules, one made a task here (for the task's own path), one by
    // the documented operation.
    let shop = Uuid::now_v7();
    let (shop_audit, door) = (Uuid::now_v7(), Uuid::now_v7());
    let fields = [("campaign_id", json!(demo::demo_campaign_id())), ("name", json!("Магазин"))];
    let mut records = Change::record(EntityKind::Object, shop, fields, &mut clock, "phone");
    let fields =
        [("campaign_id", json!(demo::demo_campaign_id())), ("object_id", json!(shop)), ("status", json!("submitted"))];
    records.extend(Change::record(EntityKind::Audit, shop_audit, fields, &mut clock, "phone"));
    let fields = [
        ("object_id", json!(shop)),
        ("audit_id", json!(shop_audit)),
        ("kind", json!("door")),
        ("measurements.clear_width_mm", json!(700)),
        ("measurements.threshold_mm", json!(50)),
    ];
    records.extend(Change::record(EntityKind::Element, door, fields, &mut clock, "phone"));
    let (st, r) = s.push(&records).await;
    assert_eq!(st, 200, "{r}");
    let r = s.http.post(s.url(&format!("/api/v1/audits/{shop_audit}/review"))).bearer_auth(TOKEN);
    assert_eq!(r.json(&json!({"action": "approve"})).send().await.unwrap().status(), 200);
    let shown: Value = s.get_json(&format!("/api/v1/objects/{shop}")).await;
    let failed = shown["visits"][0]["failed_rules"].as_array().cloned().unwrap_or_default();
    assert!(failed.len() >= 2, "the shop fails two rules: {}", shown["visits"]);
    let r = s.http.post(s.url(&format!("/api/v1/objects/{shop}/adaptations"))).bearer_auth(TOKEN);
    let tasks: Value =
        r.json(&json!({"rules": [failed[0]], "responsible": "Владелец"})).send().await.unwrap().json().await.unwrap();
    let task = tasks[0]["id"].as_str().unwrap_or_else(|| panic!("{tasks}")).to_string();
    let r = s.http.post(s.url(&format!("/api/v1/campaigns/{}/teams", demo::demo_campaign_id()))).bearer_auth(TOKEN);
    let team: Value = r.json(&json!({"name": "Бригада", "members": []})).send().await.unwrap().json().await.unwrap();
    let team = team["id"].as_str().unwrap_or_else(|| panic!("{team}")).to_string();
    for op in OPERATIONS {
        assert!(doc["paths"][op.path][op.method].is_object(), "{} {} is documented", op.method, op.path);
        let path = op
            .path
            .replace("/campaigns/{id}", &format!("/campaigns/{}", demo::demo_campaign_id()))
            .replace("/audits/{id}", &format!("/audits/{audit}"))
            .replace("/public/places/{id}", &format!("/public/places/{public}"))
            .replace("/objects/{id}/photos/{photo}", &format!("/objects/{public}/photos/{photo}"))
            .replace("/objects/{id}/adaptations", &format!("/objects/{shop}/adaptations"))
            .replace("/adaptations/{id}", &format!("/adaptations/{task}"))
            .replace("/teams/{id}", &format!("/teams/{team}"))
            .replace("/reports/{id}", &format!("/reports/{}", report["id"].as_str().unwrap()))
            .replace("{sha256}", &sha)
            .replace("{id}", &object.to_string())
            .replace("{conflict}", "1")
            .replace("{device}", &device)
            .replace("{login}", "olzhas")
            .replace("{file}", "objects.geojson");
        let method = reqwest::Method::from_bytes(op.method.to_uppercase().as_bytes()).unwrap();
        let mut req = s.http.request(method, s.url(&path)).bearer_auth(TOKEN);
        req = match (op.method, op.path) {
            ("post", "/api/v1/sync/push") => req.header("content-type", "application/json").body(
                serde_json::to_vec(&PushRequest { device_id: "d".into(), changes: demo::demo_campaign(2) }).unwrap(),
            ),
            ("post", "/api/v1/session") => req.json(&json!({"token": TOKEN})),
            ("post", "/api/v1/enrollments") => req.json(&json!({"login": "olzhas"})),
            ("post", "/api/v1/devices/enroll") => req.json(&json!({"code": code["code"], "device_name": "phone"})),
            ("post", p) if p.ends_with("/revoke") || p.ends_with("/disable") || p.ends_with("/enable") => req,
            ("post", "/api/v1/campaigns") => req.json(&json!({"name": "Кампания", "rule_set": "kz-sp-3.06-101-2012"})),
            ("post", "/api/v1/users") => {
                req.json(&json!({"login": "new-user", "role": "auditor", "password": "a long password"}))
            }
            ("put", p) if p.ends_with("/plan") => {
                req.json(&json!({"objects": 10, "due_on": "2027-06-30", "districts": {"medeu": 3}}))
            }
            ("put", p) if p.contains("/members/") => req.json(&json!({"role": "auditor"})),
            // The set it has: the shop's tasks below are made of its rules.
            ("post", p) if p.ends_with("/teams") => req.json(&json!({"name": "Север", "members": []})),
            ("put", p) if p.contains("/teams/") => req.json(&json!({"name": "Бригада Юг", "members": []})),
            ("put", p) if p.ends_with("/rule-set") => req.json(&json!({"rule_set": "kz-sp-3.06-101-2012"})),
            ("post", "/api/v1/checklists") => {
                let door = qadam_core::checklist::Checklists::builtin();
                req.json(door.get(&qadam_core::model::ElementKind::DOOR).unwrap())
            }
            ("post", "/api/v1/rule-sets") => {
                let mut set: Value =
                    serde_json::from_str(include_str!("../../../schemas/rules/us-ada-2010.json")).unwrap();
                set["id"] = "ngo-ada-variant".into();
                req.json(&set)
            }
            ("post", p) if p.ends_with("/import") => req.body("name,category,district\nЦОН,government,medeu\n"),
            ("post", p) if p.ends_with("/review") => req.json(&json!({"action": "start_review"})),
            ("post", p) if p.ends_with("/reports") => req.json(&json!({"text": "Лифт не работает"})),
            ("post", p) if p.ends_with("/close") => req,
            ("put", p) if p.ends_with("/public") => req.json(&json!({"public": true})),
            ("post", "/api/v1/duplicates/merge") => req.json(&json!({"keep": object, "merge": twin})),
            ("post", p) if p.ends_with("/assignments") => {
                req.json(&json!({"assignee": null, "due_on": "2027-03-01", "district": "medeu"}))
            }
            ("post", p) if p.ends_with("/adaptations") => {
                req.json(&json!({"rules": [failed[1]], "responsible": "Владелец", "deadline": "2027-06-30"}))
            }
            ("post", "/api/v1/adaptations/{id}") => req.json(&json!({"state": "in_progress"})),
            ("post", "/api/v1/catalogue") => req.json(&json!({
                "add": "category", "code": "bath_house", "name": {"ru": "Бани", "kk": "Моншалар", "en": "Bath houses"}
            })),
            ("post", _) => req.json(&json!({"keep": "later"})),
            ("put", _) => req.body(jpeg.clone()),
            ("patch", _) => {
                req.header("upload-offset", "0").header("upload-length", jpeg.len().to_string()).body(jpeg.clone())
            }
            _ => req,
        };
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        assert!(status < 300, "{} {path} answered {status}", op.method);
        // What the document says the answer carries is what arrives.
        let documented = &doc["paths"][op.path][op.method]["responses"][op.status.to_string()];
        assert!(documented.is_object(), "{} {}: the success answer is documented", op.method, op.path);
        if status != op.status {
            continue; // e.g. a repeated upload answers 200, not 201
        }
        let mime = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        let bytes = r.bytes().await.unwrap();
        match op.response {
            Answer::Json(_) | Answer::JsonList(_) => {
                let body: Value = serde_json::from_slice(&bytes).unwrap();
                let mut schema = documented["content"]["application/json"]["schema"].clone();
                assert!(schema.is_object(), "{} {}: a JSON schema", op.method, op.path);
                schema["components"] = doc["components"].clone();
                let v = jsonschema::validator_for(&schema).unwrap();
                let errors: Vec<String> = v.iter_errors(&body).map(|e| e.to_string()).collect();
                assert!(errors.is_empty(), "{} {path}: {errors:?}", op.method);
            }
            Answer::File(types) => {
                assert!(types.iter().any(|t| mime.starts_with(t)), "{} {path}: {mime} is one of {types:?}", op.method);
                assert!(documented["content"][types[0]].is_object());
                assert!(!bytes.is_empty());
            }
            Answer::Empty => {
                assert!(bytes.is_empty(), "{} {path} documents no body", op.method);
                assert!(
                    op.status == 204 || op.method == "head",
                    "{} {}: only 204 and HEAD are bodiless",
                    op.method,
                    op.path
                );
            }
        }
    }
}

/// The router is built from the route table and the document written from
/// it: the document has exactly the table's operations, no more.
#[test]
fn the_openapi_document_lists_exactly_the_route_table() {
    let doc = qadam_sync_server::http::openapi::document();
    let mut documented: Vec<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| ops.as_object().unwrap().keys().map(move |m| (m.clone(), path.clone())))
        .collect();
    documented.sort();
    let mut table: Vec<(String, String)> = qadam_sync_server::http::routes::OPERATIONS
        .iter()
        .map(|op| (op.method.to_string(), op.path.to_string()))
        .collect();
    table.sort();
    assert_eq!(documented, table);
    for op in qadam_sync_server::http::routes::OPERATIONS {
        let secured = doc["paths"][op.path][op.method]["security"].is_array();
        assert_eq!(
            secured, op.auth,
            "{} {}: documented as needing credentials exactly when it does",
            op.method, op.path
        );
    }
}

#[test]
fn evaluate_prints_the_verdict_of_the_committed_example() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../schemas/examples/evaluation-input.json"))
            .unwrap();
    let v =
        qadam_sync_server::evaluate_json(&qadam_core::checklist::Checklists::builtin(), "us-ada-2010", &text).unwrap();
    assert_eq!(v.wheelchair_map, qadam_core::rules::MapStatus::NotAccessible);
    let e = qadam_sync_server::evaluate_json(&qadam_core::checklist::Checklists::builtin(), "no-such-set", &text)
        .unwrap_err();
    assert!(e.to_string().contains("us-ada-2010"), "{e}");
    let bad = text.replace("\"run_mm\"", "\"colour_mm\"");
    let e = qadam_sync_server::evaluate_json(&qadam_core::checklist::Checklists::builtin(), "us-ada-2010", &bad)
        .unwrap_err();
    assert!(e.to_string().contains("colour_mm"), "{e}");
}

/// Every API path the dashboard and the app's window name (`/api/v1/…` in
/// `ui/`, with `${…}` for a parameter) is a path of the route table: a path
/// renamed on one side only fails here, not in a coordinator's browser.
#[test]
fn every_api_path_the_ui_names_is_in_the_route_table() {
    fn sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if p.is_dir() && name != "bindings" && name != "node_modules" {
                sources(&p, out);
            } else if name.ends_with(".ts") || name.ends_with(".svelte") {
                out.push(p);
            }
        }
    }
    // `{…}` in the table and `${…}` in the UI both stand for one segment.
    fn shape(path: &str) -> String {
        path.split('/')
            .map(|seg| if seg.starts_with('{') || seg.starts_with("${") { "{}" } else { seg })
            .collect::<Vec<_>>()
            .join("/")
    }
    let table: std::collections::BTreeSet<String> =
        qadam_sync_server::http::routes::OPERATIONS.iter().map(|op| shape(op.path)).collect();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui");
    let mut files = Vec::new();
    for dir in ["dashboard", "src"] {
        sources(&root.join(dir), &mut files);
    }
    let mut named = std::collections::BTreeSet::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for (i, _) in text.match_indices("/api/v1/") {
            let rest = &text[i..];
            let end = rest.find(['\'', '`', '"', '?', ' ']).unwrap_or(rest.len());
            let path = &rest[..end];
            named.insert((shape(path), f.strip_prefix(&root).unwrap().display().to_string()));
        }
    }
    assert!(named.len() >= 15, "{named:?}");
    let unknown: Vec<_> = named.iter().filter(|(p, _)| !table.contains(p)).collect();
    assert!(unknown.is_empty(), "paths the UI names that the route table lacks: {unknown:?}");
}
