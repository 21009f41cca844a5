//! Integration tests: a real server on a loopback port, real HTTP, and a
//! real temporary database of its own per test: a SQLite file, or — when
//! `QADAM_TEST_POSTGRES` names a PostgreSQL server (`make test` starts one)
//! — a fresh PostgreSQL database. The same suite runs against both backends.

use std::sync::Arc;

use qadam_core::change::{Change, PullResponse, PushRequest, PushResponse};
use qadam_core::demo;
use qadam_core::hlc::Hlc;
use qadam_core::model::EntityKind;
use qadam_sync_server::{AppState, ServeConfig};
use qadam_testkit::{Options, TestDevice, TestServer, TOKEN};
use serde_json::{json, Value};
use uuid::Uuid;

struct Server {
    base: String,
    state: Arc<AppState>,
    http: reqwest::Client,
    inner: TestServer,
}

impl Server {
    async fn start() -> Server {
        Server::start_with(|_| {}).await
    }

    /// A server whose configuration `tweak` changes first.
    async fn start_with(tweak: impl FnOnce(&mut ServeConfig) + Send + 'static) -> Server {
        Server::from(TestServer::start_with(Options { tweak: Box::new(tweak), ..Options::default() }).await)
    }

    fn from(inner: TestServer) -> Server {
        Server { base: inner.base.clone(), state: inner.state.clone(), http: reqwest::Client::new(), inner }
    }

    /// Another server instance on the store of `self` (as behind a load balancer).
    async fn another_instance(&self) -> Server {
        Server::from(self.inner.another_instance().await)
    }

    /// A device with its own store, syncing with this server as the app does.
    fn device(&self) -> TestDevice {
        self.inner.device()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    async fn post_raw(&self, path: &str, body: impl Into<reqwest::Body>) -> (u16, Value) {
        let r = self
            .http
            .post(self.url(path))
            .bearer_auth(TOKEN)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn push(&self, changes: &[Change]) -> (u16, Value) {
        let body = serde_json::to_vec(&PushRequest { device_id: "dev-1".into(), changes: changes.to_vec() }).unwrap();
        self.post_raw("/api/v1/sync/push", body).await
    }

    async fn pull(&self, since: i64, limit: u32) -> PullResponse {
        self.get_json(&format!("/api/v1/sync/pull?since={since}&limit={limit}")).await
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        let r = self.http.get(self.url(path)).bearer_auth(TOKEN).send().await.unwrap();
        assert!(r.status().is_success(), "GET {path}: {}", r.status());
        r.json().await.unwrap()
    }

    /// Counts read from the store directly, off the async runtime (the
    /// PostgreSQL client blocks).
    fn counts(&self) -> (i64, i64) {
        std::thread::scope(|s| s.spawn(|| self.state.store.counts().unwrap()).join().unwrap())
    }
}

fn example_push() -> PushRequest {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../schemas/examples/push.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn health_answers() {
    let s = Server::start().await;
    let r: Value = reqwest::get(s.url("/healthz")).await.unwrap().json().await.unwrap();
    assert_eq!(r["status"], "ok");
    let lists: Vec<qadam_core::checklist::Checklist> = s.get_json("/api/v1/checklists").await;
    assert_eq!(lists.len(), qadam_core::model::ElementKind::BUILTIN.len());
    assert_eq!(reqwest::get(s.url("/api/v1/checklists")).await.unwrap().status().as_u16(), 401);
}

#[tokio::test]
async fn push_is_idempotent_by_op_id() {
    let s = Server::start().await;
    let batch = demo::demo_campaign(3);
    let (st, r) = s.push(&batch).await;
    assert_eq!(st, 200, "{r}");
    let r: PushResponse = serde_json::from_value(r).unwrap();
    assert_eq!(r.accepted as usize, batch.len());
    let before = s.counts();
    let (st, r) = s.push(&batch).await;
    assert_eq!(st, 200);
    let r: PushResponse = serde_json::from_value(r).unwrap();
    assert_eq!((r.accepted as usize, r.duplicates as usize), (0, batch.len()));
    assert_eq!(s.counts(), before, "a repeated push stores nothing");
    let objects: Value = s.get_json("/api/v1/objects").await;
    assert_eq!(objects.as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn the_committed_push_example_creates_one_object_with_two_elements() {
    let s = Server::start().await;
    let (st, r) = s.push(&example_push().changes).await;
    assert_eq!(st, 200, "{r}");
    let list: Vec<qadam_core::records::ObjectSummary> = s.get_json("/api/v1/objects").await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].element_count, 2);
}

#[tokio::test]
async fn pull_pages_by_cursor() {
    let s = Server::start().await;
    let mut batch = demo::demo_campaign(4);
    // A value every JSON escape is needed for: the page the server writes
    // straight from its rows must read back as the typed page.
    let object = batch.iter().find(|c| c.entity == EntityKind::Object).unwrap().entity_id;
    let last = batch.iter().map(|c| c.hlc).max().unwrap();
    batch.push(Change {
        op_id: Uuid::now_v7(),
        entity: EntityKind::Object,
        entity_id: object,
        field: "name".into(),
        value: json!("Кафе \"Ақ жол\"\n\t\\ \u{1F9BD} \u{7}"),
        hlc: Hlc::new(last.wall_ms + 1, 0),
        device_id: "dev-1".into(),
        seen_cursor: 0,
    });
    let (status, body) = s.push(&batch).await;
    assert_eq!(status, 200, "{body}");
    let mut since = 0;
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page = s.pull(since, 10).await;
        let typed = {
            let store = &s.state.store;
            std::thread::scope(|t| {
                t.spawn(|| store.pull(since, 10, &qadam_sync_server::store::Access::All).unwrap()).join().unwrap()
            })
        };
        assert_eq!(page, typed, "the page as written and as typed");
        pages += 1;
        assert!(page.changes.len() <= 10);
        assert!(page.changes.iter().all(|c| c.seq > since));
        seen.extend(page.changes.iter().map(|c| c.change.op_id));
        since = page.next_cursor;
        if !page.has_more {
            break;
        }
    }
    assert_eq!(pages, batch.len().div_ceil(10));
    let mut want: Vec<Uuid> = batch.iter().map(|c| c.op_id).collect();
    want.sort();
    seen.sort();
    assert_eq!(seen, want);
    let empty = s.pull(since, 10).await;
    assert!(empty.changes.is_empty() && !empty.has_more && empty.next_cursor == since);
}

#[tokio::test]
async fn malformed_json_is_a_clear_400_and_stores_nothing() {
    let s = Server::start().await;
    let (st, r) = s.post_raw("/api/v1/sync/push", "{\"device_id\": \"d\", \"changes\": [").await;
    assert_eq!(st, 400);
    assert_eq!(r["error"]["code"], "malformed_json");
    assert!(r["error"]["message"].as_str().unwrap().contains("line 1"), "{r}");
    assert_eq!(s.counts(), (0, 0));
}

#[tokio::test]
async fn unknown_fields_and_impossible_gps_are_refused_whole() {
    let s = Server::start().await;
    let good = demo::demo_campaign(1);
    // An unknown key in the change record itself.
    let mut body = serde_json::to_value(PushRequest { device_id: "d".into(), changes: good.clone() }).unwrap();
    body["changes"][0]["colour"] = json!("red");
    let (st, r) = s.post_raw("/api/v1/sync/push", serde_json::to_vec(&body).unwrap()).await;
    assert_eq!(st, 400, "{r}");
    assert!(r["error"]["message"].as_str().unwrap().contains("colour"), "{r}");
    assert_eq!(r["error"]["field"], "changes[0].colour");
    // An unknown field of a record.
    let mut bad = good.clone();
    bad[5].field = "colour".into();
    let (st, r) = s.push(&bad).await;
    assert_eq!(st, 422, "{r}");
    assert_eq!(r["error"]["code"], "unknown_field");
    assert_eq!(r["error"]["field"], "changes[5].colour");
    // An impossible position.
    let mut bad = good.clone();
    let loc = bad.iter_mut().find(|c| c.field == "location").unwrap();
    loc.value = json!({"lat_deg": 91.5, "lon_deg": 76.9});
    let (st, r) = s.push(&bad).await;
    assert_eq!(st, 422);
    assert!(r["error"]["message"].as_str().unwrap().contains("impossible GPS"), "{r}");
    // An element kind no checklist defines.
    let mut bad = good.clone();
    let kind = bad.iter_mut().find(|c| c.field == "kind").unwrap();
    kind.value = json!("trampoline");
    let (st, r) = s.push(&bad).await;
    assert_eq!(st, 422, "{r}");
    let message = r["error"]["message"].as_str().unwrap();
    assert!(message.contains("trampoline") && message.contains("ramp"), "names the kind and the known ones: {r}");
    assert!(r["error"]["field"].as_str().unwrap().ends_with(".kind"), "{r}");
    assert_eq!(s.counts(), (0, 0), "a refused batch stores nothing");
}

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

#[tokio::test]
async fn photo_upload_checks_hash_and_type() {
    let s = Server::start().await;
    let jpeg = demo::jpeg_with_exif(400, 300, 6, Some((43.24, 76.95)), "2025:06:01 10:00:00");
    let sha = qadam_core::photo::sha256_hex(&jpeg);
    let put = |sha: String, body: Vec<u8>| {
        s.http.put(s.url(&format!("/api/v1/photos/{sha}"))).bearer_auth(TOKEN).body(body).send()
    };
    // Wrong hash: refused, nothing stored.
    let wrong = qadam_core::photo::sha256_hex(b"something else");
    let r = put(wrong.clone(), jpeg.clone()).await.unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "hash_mismatch");
    assert_eq!(s.counts(), (0, 0));
    let r = s.http.get(s.url(&format!("/api/v1/photos/{wrong}"))).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
    // Not an image.
    let pdf = b"%PDF-1.4 not a photo".to_vec();
    let r = put(qadam_core::photo::sha256_hex(&pdf), pdf).await.unwrap();
    assert_eq!(r.status().as_u16(), 415);
    // Not a hash at all.
    let r = put("../../etc/passwd".into(), jpeg.clone()).await.unwrap();
    assert!(r.status().is_client_error());
    assert_eq!(s.counts(), (0, 0));
    // Good: 201, then 200.
    assert_eq!(put(sha.clone(), jpeg.clone()).await.unwrap().status().as_u16(), 201);
    assert_eq!(put(sha.clone(), jpeg.clone()).await.unwrap().status().as_u16(), 200);
    assert_eq!(s.counts(), (0, 1));
    let got = s.http.get(s.url(&format!("/api/v1/photos/{sha}"))).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(got.headers()["content-type"], "image/jpeg");
    assert_eq!(got.bytes().await.unwrap().as_ref(), &jpeg[..]);
    let thumb = s.http.get(s.url(&format!("/api/v1/photos/{sha}/thumb"))).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(thumb.status().as_u16(), 200);
    // Without the token, no photo.
    let r = s.http.get(s.url(&format!("/api/v1/photos/{sha}"))).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
}

#[tokio::test]
async fn changes_apply_last_writer_wins_in_any_order() {
    let s = Server::start().await;
    let id = Uuid::now_v7();
    let mk = |ms: u64, name: &str| Change {
        op_id: Uuid::now_v7(),
        entity: EntityKind::Object,
        entity_id: id,
        field: "name".into(),
        value: json!(name),
        hlc: Hlc::new(ms, 0),
        device_id: "d".into(),
        seen_cursor: 0,
    };
    let mut placed = mk(500, "");
    placed.field = "campaign_id".into();
    placed.value = json!(demo::demo_campaign_id());
    s.push(&[mk(2000, "second"), placed]).await;
    s.push(&[mk(1000, "first")]).await;
    let list: Vec<qadam_core::records::ObjectSummary> = s.get_json("/api/v1/objects").await;
    assert_eq!(list[0].object.name, "second");
}

#[test]
fn evaluate_prints_the_verdict_of_the_committed_example() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../schemas/examples/evaluation-input.json"))
            .unwrap();
    let v = qadam_sync_server::evaluate_json("us-ada-2010", &text).unwrap();
    assert_eq!(v.wheelchair_map, qadam_core::rules::MapStatus::NotAccessible);
    let e = qadam_sync_server::evaluate_json("no-such-set", &text).unwrap_err();
    assert!(e.to_string().contains("us-ada-2010"), "{e}");
    let bad = text.replace("\"run_mm\"", "\"colour_mm\"");
    let e = qadam_sync_server::evaluate_json("us-ada-2010", &bad).unwrap_err();
    assert!(e.to_string().contains("colour_mm"), "{e}");
}

#[tokio::test]
async fn sync_bodies_compress_both_ways() {
    use std::io::Write;
    let s = Server::start().await;
    let body = serde_json::to_vec(&PushRequest { device_id: "d".into(), changes: demo::demo_campaign(5) }).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&body).unwrap();
    let gz = gz.finish().unwrap();
    assert!(gz.len() * 4 < body.len(), "the push compresses well: {} -> {}", body.len(), gz.len());
    let r = s
        .http
        .post(s.url("/api/v1/sync/push"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/json")
        .header("content-encoding", "gzip")
        .body(gz)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let r: PushResponse = r.json().await.unwrap();
    assert_eq!(r.accepted as usize, demo::demo_campaign(5).len());
    // A client that does not decompress by itself (the workspace may turn
    // on reqwest's gzip feature for the app), to see the encoding on the wire.
    let raw = reqwest::Client::builder().no_gzip().build().unwrap();
    let r = raw
        .get(s.url("/api/v1/sync/pull?since=0&limit=1000"))
        .bearer_auth(TOKEN)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-encoding"], "gzip");
    let bytes = r.bytes().await.unwrap();
    let mut plain = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut plain).unwrap();
    let page: PullResponse = serde_json::from_str(&plain).unwrap();
    assert_eq!(page.changes.len(), demo::demo_campaign(5).len());
}

#[tokio::test]
async fn a_change_stamped_far_ahead_of_the_server_clock_is_refused_clearly() {
    let s = Server::start().await;
    let health: Value = reqwest::get(s.url("/healthz")).await.unwrap().json().await.unwrap();
    let server_ms = health["time_ms"].as_u64().unwrap();
    let mut batch = demo::demo_campaign(1);
    batch[3].hlc = Hlc::new(server_ms + 24 * 3600 * 1000, 0);
    let (st, r) = s.push(&batch).await;
    assert_eq!(st, 422, "{r}");
    assert_eq!(r["error"]["field"], "changes[3].hlc");
    assert!(r["error"]["message"].as_str().unwrap().contains("ahead of the server's clock"), "{r}");
    assert_eq!(s.counts(), (0, 0));
}

#[tokio::test]
async fn an_interrupted_photo_upload_resumes_from_the_byte_the_server_has() {
    let s = Server::start().await;
    let jpeg = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/photos/ramp-rotated-gps.jpg")).unwrap();
    let sha = qadam_core::photo::sha256_hex(&jpeg);
    let total = jpeg.len();
    let url = s.url(&format!("/api/v1/photos/{sha}"));
    let patch = |offset: usize, chunk: Vec<u8>| {
        s.http
            .patch(&url)
            .bearer_auth(TOKEN)
            .header("upload-offset", offset.to_string())
            .header("upload-length", total.to_string())
            .body(chunk)
            .send()
    };
    let head = || s.http.head(&url).bearer_auth(TOKEN).send();
    let half = total / 2;
    // The first half arrives; then the connection "drops".
    let r = patch(0, jpeg[..half].to_vec()).await.unwrap();
    assert_eq!(r.status().as_u16(), 204);
    assert_eq!(r.headers()["upload-offset"], half.to_string().as_str());
    // The client asks where to continue.
    let r = head().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
    assert_eq!(r.headers()["upload-offset"], half.to_string().as_str());
    // Resending from the start is refused and changes nothing.
    let r = patch(0, jpeg[..half].to_vec()).await.unwrap();
    assert_eq!(r.status().as_u16(), 409);
    assert_eq!(r.headers()["upload-offset"], half.to_string().as_str());
    assert_eq!(s.counts(), (0, 0));
    // The rest completes the photo.
    let r = patch(half, jpeg[half..].to_vec()).await.unwrap();
    assert_eq!(r.status().as_u16(), 201);
    assert_eq!(head().await.unwrap().status().as_u16(), 200);
    let got = s.http.get(&url).bearer_auth(TOKEN).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(got.as_ref(), &jpeg[..]);
    // A photo the server has is never taken again.
    let r = patch(0, jpeg.clone()).await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(s.counts(), (0, 1));
}

#[tokio::test]
async fn a_resumed_upload_whose_bytes_do_not_match_the_hash_is_refused() {
    let s = Server::start().await;
    let jpeg = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/photos/entrance-gps.jpg")).unwrap();
    let wrong = qadam_core::photo::sha256_hex(b"another photo");
    let url = s.url(&format!("/api/v1/photos/{wrong}"));
    let r = s
        .http
        .patch(&url)
        .bearer_auth(TOKEN)
        .header("upload-offset", "0")
        .header("upload-length", jpeg.len().to_string())
        .body(jpeg.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let head = s.http.head(&url).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(head.headers()["upload-offset"], "0", "the bad upload is forgotten");
    assert_eq!(s.counts(), (0, 0));
    let r = s.http.patch(&url).bearer_auth(TOKEN).body(jpeg).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400, "the offset headers are required");
}

#[tokio::test]
async fn every_documented_operation_answers_and_bodies_match_the_openapi_schemas() {
    use qadam_sync_server::http::openapi::{Answer, OPERATIONS};
    let s = Server::start().await;
    let doc: Value = reqwest::get(s.url("/api/v1/openapi.json")).await.unwrap().json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let jpeg = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/photos/entrance-gps.jpg")).unwrap();
    let sha = qadam_core::photo::sha256_hex(&jpeg);
    let mut batch = demo::demo_campaign(1);
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
    let object = s.get_json::<Vec<qadam_core::records::ObjectSummary>>("/api/v1/objects").await[0].object.id;
    add_account(&s, "olzhas", "auditor", Some((demo::demo_campaign_id(), "auditor")));
    let (device, _) = s.enroll("olzhas").await;
    let r = s.http.post(s.url("/api/v1/enrollments")).bearer_auth(TOKEN).json(&json!({"login": "olzhas"}));
    let code: Value = r.send().await.unwrap().json().await.unwrap();
    let audit = batch
        .iter()
        .find(|c| c.entity == EntityKind::Audit && c.field == "object_id" && c.value == json!(object))
        .map(|c| c.entity_id)
        .expect("the demo object has an audit");
    for op in OPERATIONS {
        assert!(doc["paths"][op.path][op.method].is_object(), "{} {} is documented", op.method, op.path);
        let path = op
            .path
            .replace("/campaigns/{id}", &format!("/campaigns/{}", demo::demo_campaign_id()))
            .replace("/audits/{id}", &format!("/audits/{audit}"))
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
            ("post", p) if p.ends_with("/revoke") => req,
            ("post", p) if p.ends_with("/import") => req.body("name,category,district\nЦОН,government,medeu\n"),
            ("post", p) if p.ends_with("/review") => req.json(&json!({"action": "start_review"})),
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

/// A device's whole sync, through the app's client.
async fn device_sync(d: &TestDevice) {
    d.sync().await.unwrap();
}

async fn conflicts(s: &Server) -> Vec<qadam_sync_server::store::Conflict> {
    s.get_json("/api/v1/conflicts").await
}

#[tokio::test]
async fn concurrent_writes_to_a_field_are_kept_as_a_conflict_and_sequential_ones_are_not() {
    let s = Server::start().await;
    s.push(&demo::demo_campaign(1)).await;
    let (a, b) = (s.device(), s.device());
    device_sync(&a).await;
    device_sync(&b).await;
    let object = a.device.blocking(|d| d.objects(None, None).unwrap()[0].object.id);
    let set = |d: &TestDevice, field: &str, v: &str| {
        let mut m = std::collections::BTreeMap::new();
        m.insert(field.to_string(), json!(v));
        d.device.blocking(|d| d.update(EntityKind::Object, object, m).unwrap());
    };
    let name = |d: &TestDevice| d.device.blocking(|d| d.object_detail(object).unwrap().object.name);
    let id = |d: &TestDevice| d.device.blocking(|d| d.device_id().to_string());
    // Both edit the name offline, neither having seen the other's edit.
    set(&a, "name", "Name from A");
    std::thread::sleep(std::time::Duration::from_millis(3));
    set(&b, "name", "Name from B");
    // Different fields never conflict.
    set(&b, "address", "Address from B");
    device_sync(&a).await;
    device_sync(&b).await;
    device_sync(&a).await;
    let c = conflicts(&s).await;
    assert_eq!(c.len(), 1, "{c:#?}");
    assert_eq!((c[0].earlier.value.clone(), c[0].later.value.clone()), (json!("Name from A"), json!("Name from B")));
    assert_eq!(c[0].earlier.device_id, id(&a));
    assert_eq!(c[0].later.device_id, id(&b));
    assert_eq!(c[0].winner_op, c[0].later.op_id, "the later write wins");
    // Both replicas agree on the winner; A's value is kept in the conflict.
    assert_eq!(name(&a), "Name from B");
    assert_eq!(name(&b), "Name from B");
    // A has now seen B's edit: editing again is sequential, not a conflict.
    set(&a, "name", "A, after seeing B");
    device_sync(&a).await;
    device_sync(&b).await;
    set(&b, "name", "B, after seeing A");
    device_sync(&b).await;
    assert_eq!(conflicts(&s).await.len(), 1, "sequential edits make no conflict");
    // Pushing the same batch again records nothing new.
    let again: Vec<Change> = s.pull(0, 5000).await.changes.into_iter().map(|c| c.change).collect();
    s.push(&again).await;
    let open = conflicts(&s).await;
    assert_eq!(open.len(), 1);
    // The coordinator keeps A's value: a change that wins and syncs back.
    let url = s.url(&format!("/api/v1/conflicts/{}/resolve", open[0].id));
    let bad = s.http.post(&url).bearer_auth(TOKEN).json(&json!({"keep": "both"})).send().await.unwrap();
    assert_eq!(bad.status().as_u16(), 400);
    let r: Change = s
        .http
        .post(&url)
        .bearer_auth(TOKEN)
        .json(&json!({"keep": "earlier"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r.value, json!("Name from A"));
    assert!(conflicts(&s).await.is_empty());
    let again: Change = s
        .http
        .post(&url)
        .bearer_auth(TOKEN)
        .json(&json!({"keep": "later"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again.op_id, r.op_id, "resolving twice changes nothing");
    device_sync(&a).await;
    device_sync(&b).await;
    assert_eq!(name(&a), "Name from A");
    assert_eq!(name(&b), "Name from A");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_server_instances_on_one_store_keep_one_gapless_history() {
    // Devices push to two instances at once while a third party pulls page by
    // page from one of them: the puller must see every change exactly once,
    // whatever order the instances commit in.
    let a = Server::start().await;
    let b = a.another_instance().await;
    let batches: Vec<Vec<Change>> = (0..24)
        .map(|i| {
            let mut batch = demo::demo_campaign(1);
            for c in &mut batch {
                c.op_id = Uuid::now_v7();
                c.device_id = format!("device-{i}");
            }
            batch
        })
        .collect();
    let total: usize = batches.iter().map(Vec::len).sum();
    let pushes = batches.into_iter().enumerate().map(|(i, batch)| {
        let target = if i % 2 == 0 { a.url("") } else { b.url("") };
        let http = a.http.clone();
        tokio::spawn(async move {
            let body = serde_json::to_vec(&PushRequest { device_id: format!("device-{i}"), changes: batch }).unwrap();
            let r = http
                .post(format!("{target}/api/v1/sync/push"))
                .bearer_auth(TOKEN)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
        })
    });
    let pushes: Vec<_> = pushes.collect();
    let mut seen = std::collections::BTreeSet::new();
    let mut cursor = 0;
    let mut finished = false;
    loop {
        let page = b.pull(cursor, 7).await;
        for c in &page.changes {
            assert!(c.seq > cursor, "cursor order");
            assert!(seen.insert(c.change.op_id), "a change was served twice");
        }
        cursor = page.next_cursor;
        if finished && !page.has_more {
            break;
        }
        if !page.has_more && pushes.iter().all(|p| p.is_finished()) {
            finished = true;
        }
    }
    for p in pushes {
        p.await.unwrap();
    }
    assert_eq!(seen.len(), total, "the puller saw every change exactly once");
    assert_eq!(a.counts().0 as usize, total);
}

/// Accounts for the authorization tests, made in the store directly.
fn add_account(s: &Server, login: &str, role: &str, member_of: Option<(Uuid, &str)>) {
    use qadam_sync_server::store::accounts::{self, MemberRole, Role};
    std::thread::scope(|t| {
        t.spawn(|| {
            qadam_sync_server::store::accounts(&*s.state.store, |db| {
                accounts::add_user(db, login, login, Role::parse(role).unwrap(), "correct horse battery")?;
                if let Some((campaign, r)) = member_of {
                    accounts::set_member(db, campaign, login, MemberRole::parse(r).unwrap())?;
                }
                Ok::<_, qadam_core::StoreError>(())
            })
            .unwrap()
        })
        .join()
        .unwrap()
    })
}

impl Server {
    /// Enrolls a device for `login` the way the app does: an administrator
    /// makes a code, the device redeems it. Returns (device id, token).
    async fn enroll(&self, login: &str) -> (String, String) {
        let r = self.http.post(self.url("/api/v1/enrollments")).bearer_auth(TOKEN).json(&json!({"login": login}));
        let e: Value = r.send().await.unwrap().json().await.unwrap();
        let code = e["code"].as_str().unwrap_or_else(|| panic!("{e}"));
        assert!(e["link"].as_str().unwrap().contains(code));
        let r = self.http.post(self.url("/api/v1/devices/enroll")).json(&json!({"code": code, "device_name": "phone"}));
        let d: Value = r.send().await.unwrap().json().await.unwrap();
        (d["device_id"].as_str().unwrap().to_string(), d["token"].as_str().unwrap().to_string())
    }

    async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Vec<u8>>) -> (u16, Value) {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self.http.request(m, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }
}

/// Every route the router serves, read from its source (`router` in
/// `src/http/mod.rs`): (method, path, whether it is behind authentication —
/// routes above the `route_layer` of `authenticate`). A route added there
/// is in this list without anyone restating it.
fn routes_in_router() -> Vec<(String, String, bool)> {
    let src = include_str!("../src/http/mod.rs");
    let start = src.find("pub fn router(").expect("the router function");
    let body = &src[start..];
    let body = &body[..body.find("\n}\n").expect("its end")];
    let (api, outer) = body.split_once("let mut app").expect("the API router, then the app's");
    let (authed, open) = api.split_once(".route_layer(").expect("the authentication layer");
    let mut out = vec![];
    for (part, prefix, auth) in [(authed, "/api/v1", true), (open, "/api/v1", false), (outer, "", false)] {
        for chunk in part.split(".route(").skip(1) {
            let chunk = &chunk[chunk.find('"').unwrap() + 1..];
            let (path, rest) = chunk.split_once('"').unwrap();
            for method in ["get", "post", "put", "patch", "delete", "head"] {
                let called = rest
                    .match_indices(&format!("{method}("))
                    .any(|(i, _)| i == 0 || matches!(rest.as_bytes()[i - 1], b' ' | b'.' | b'\n' | b'(' | b','));
                if called {
                    out.push((method.to_string(), format!("{prefix}{path}"), auth));
                }
            }
        }
    }
    out.sort();
    out
}

#[test]
fn the_openapi_document_lists_exactly_the_routes_the_router_serves() {
    let mut documented: Vec<(String, String, bool)> = qadam_sync_server::http::openapi::OPERATIONS
        .iter()
        .map(|op| (op.method.to_string(), op.path.to_string(), op.auth))
        .collect();
    documented.sort();
    assert_eq!(routes_in_router(), documented);
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

    // Every authenticated endpoint, as the router serves them: missing,
    // wrong and revoked credentials.
    let endpoints: Vec<(String, String, Option<Vec<u8>>)> = routes_in_router()
        .into_iter()
        .filter(|(_, _, auth)| *auth)
        .map(|(method, path, _)| {
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
        + std::time::Duration::from_millis(qadam_sync_server::http::auth::DEVICE_CACHE_MS + 1_000);
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

#[tokio::test]
async fn exports_parse_with_independent_readers() {
    let s = Server::start().await;
    let batch = demo::demo_campaign(5);
    assert_eq!(s.push(&batch).await.0, 200);
    // The demo's audits are submitted, not approved: exports publish
    // approved findings only, unless the coordinator asks for drafts.
    let approved_only = s.url(&format!("/api/v1/exports/objects.csv?campaign={}", demo::demo_campaign_id()));
    let text = s.http.get(approved_only).bearer_auth(TOKEN).send().await.unwrap().text().await.unwrap();
    assert_eq!(text.trim_end().lines().count(), 1, "only the header: nothing is approved yet\n{text}");
    let get = |file: &str| {
        let url = s.url(&format!("/api/v1/exports/{file}?campaign={}&drafts=true", demo::demo_campaign_id()));
        s.http.get(url).bearer_auth(TOKEN).send()
    };
    // Objects CSV: a BOM for Excel, then RFC 4180 that the `csv` crate reads.
    let r = get("objects.csv").await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains("attachment"));
    let bytes = r.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 byte-order mark");
    let mut rd = csv::Reader::from_reader(&bytes[3..]);
    let header = rd.headers().unwrap().clone();
    for col in ["id", "name", "district", "lat_deg", "lon_deg", "status_K", "status_U", "wheelchair_map"] {
        assert!(header.iter().any(|h| h == col), "{col} in {header:?}");
    }
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 5);
    let k = header.iter().position(|h| h == "status_K").unwrap();
    assert!(rows.iter().all(|r| ["DP", "DCH", "DU", "VND", "NA"].contains(&&r[k])), "statuses are codes");
    // Measurements CSV: one row per measured field, eight columns each.
    let bytes = get("elements.csv").await.unwrap().bytes().await.unwrap();
    let mut rd = csv::Reader::from_reader(&bytes[3..]);
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r.len() == 8 && ["mm", "permille", "flag", "count"].contains(&&r[6])));
    // GeoJSON (RFC 7946): a FeatureCollection of Points, longitude first.
    let r = get("objects.geojson").await.unwrap();
    assert_eq!(r.headers()["content-type"], "application/geo+json");
    let g: Value = r.json().await.unwrap();
    assert_eq!(g["type"], "FeatureCollection");
    let features = g["features"].as_array().unwrap();
    assert_eq!(features.len(), 5);
    for f in features {
        assert_eq!(f["type"], "Feature");
        assert_eq!(f["geometry"]["type"], "Point");
        let c = f["geometry"]["coordinates"].as_array().unwrap();
        let (lon, lat) = (c[0].as_f64().unwrap(), c[1].as_f64().unwrap());
        assert!((76.0..78.0).contains(&lon) && (43.0..44.0).contains(&lat), "Almaty, lon first: {c:?}");
    }
    // OSM XML for JOSM, read by an independent XML parser.
    let r = get("objects.osm").await.unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let root = doc.root_element();
    assert_eq!((root.tag_name().name(), root.attribute("version")), ("osm", Some("0.6")));
    let nodes: Vec<_> = root.children().filter(|n| n.has_tag_name("node")).collect();
    assert_eq!(nodes.len(), 5);
    for n in &nodes {
        assert!(n.attribute("id").unwrap().starts_with('-'), "new nodes have negative ids");
        let tag = |k: &str| n.children().find(|t| t.attribute("k") == Some(k)).and_then(|t| t.attribute("v"));
        // Drafts carry no check date (nothing approved), and a wheelchair
        // tag only where К was assessed.
        assert!(matches!(tag("wheelchair"), None | Some("yes" | "limited" | "no")));
        assert!(tag("name").is_some() && tag("check_date").is_none());
    }
    // An unknown export is a clear 404.
    let r = get("objects.xlsx").await.unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn an_import_names_every_bad_row_and_imports_nothing_unless_asked() {
    let s = Server::start().await;
    assert_eq!(s.push(&demo::demo_campaign(1)).await.0, 200);
    let before = s.counts();
    let url = |q: &str| s.url(&format!("/api/v1/campaigns/{}/import{q}", demo::demo_campaign_id()));
    let csv = "name,category,district,address,lat,lon\n\
               Школа № 1,education,almaly,ул. Абая 1,43.25,76.93\n\
               Музей,museum,almaly,,43.2,76.9\n\
               Аптека,health,bostandyk,,95,76.9\n";
    let r: qadam_core::import::ImportReport =
        s.http.post(url("")).bearer_auth(TOKEN).body(csv).send().await.unwrap().json().await.unwrap();
    assert_eq!((r.rows, r.imported), (3, 0));
    let named: Vec<(u32, &str)> = r.errors.iter().map(|e| (e.row, e.field.as_str())).collect();
    assert_eq!(named, [(2, "category"), (3, "location")]);
    assert_eq!(s.counts(), before, "nothing imported from a file with errors");
    let r: qadam_core::import::ImportReport =
        s.http.post(url("?skip_invalid=true")).bearer_auth(TOKEN).body(csv).send().await.unwrap().json().await.unwrap();
    assert_eq!(r.imported, 1);
    let list: Vec<qadam_core::records::ObjectSummary> = s.get_json("/api/v1/objects").await;
    assert!(list.iter().any(|o| o.object.name == "Школа № 1" && o.object.location.is_some()));
    // GeoJSON, and a file that is not a list at all.
    let g = r#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[76.95,43.25]},"properties":{"name":"ЦОН","category":"government","district":"medeu"}}]}"#;
    let r: qadam_core::import::ImportReport =
        s.http.post(url("?format=geojson")).bearer_auth(TOKEN).body(g).send().await.unwrap().json().await.unwrap();
    assert_eq!(r.imported, 1);
    let (st, v) = s.post_raw(&format!("/api/v1/campaigns/{}/import", demo::demo_campaign_id()), "no header here").await;
    assert_eq!((st, v["error"]["code"].as_str()), (400, Some("invalid_file")), "{v}");
}

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

#[tokio::test]
async fn the_map_and_analytics_count_statuses_and_an_object_adapted_after_a_re_audit() {
    use qadam_core::analytics::{Adapted, Analytics, MapPoint};
    use qadam_core::model::{Category, District, ElementKind, GeoPoint, MeasuredValue};
    let s = Server::start().await;
    let seed = 11;
    let mut batches = Vec::new();
    qadam_core::demo::city_campaign(40, seed, 5_000, |b| batches.push(b));
    for b in &batches {
        assert_eq!(s.push(b).await.0, 200);
    }
    let campaign = qadam_core::demo::city_campaign_id(seed);
    let points: Vec<MapPoint> = s.get_json(&format!("/api/v1/map?campaign={campaign}")).await;
    assert_eq!(points.len(), 40);
    assert!(points.iter().all(|p| p.lat_deg.is_some() && p.element_count >= 8));
    let a: Analytics = s.get_json(&format!("/api/v1/analytics?campaign={campaign}")).await;
    assert_eq!(a.objects, 40);
    let w = &a.wheelchair;
    assert_eq!(w.fully + w.partially + w.not_accessible + w.not_assessed, 40);
    let k_not = points.iter().filter(|p| p.wheelchair == qadam_core::rules::MapStatus::NotAccessible).count() as u32;
    assert_eq!(w.not_accessible, k_not, "the map and the analytics agree");
    assert_eq!(a.by_district_type.iter().map(|r| r.counts.not_accessible).sum::<u32>(), k_not);
    assert_eq!(a.by_disability[0].not_accessible, k_not, "К is the first row");
    assert_eq!(a.adapted, Adapted::default());

    // An auditor finds a door too narrow; the audit is approved. The door is
    // widened, a re-audit is approved: the object counts as adapted.
    let device = s.device();
    let phone = &device.device;
    device_sync(&device).await;
    let object = phone.blocking(|p| {
        p.create_object(qadam_core::store::NewObject {
            campaign_id: campaign,
            name: "Поликлиника № 5".into(),
            category: Category::Health,
            district: District::Almaly,
            address: "ул. Толе би, 5".into(),
            location: Some(GeoPoint { lat_deg: 43.25, lon_deg: 76.92 }),
        })
        .unwrap()
    });
    // Everything on a wheelchair user's way is measured, so the verdict
    // is a judgement, not "not assessed".
    let add = |phone: &qadam_client::Device, kind: ElementKind, m: &[(&str, MeasuredValue)]| {
        let measurements = m.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        let e =
            qadam_core::store::NewElement { object_id: object, kind, measurements, note: String::new(), serves: None };
        phone.blocking(|p| p.add_element(e).unwrap())
    };
    use MeasuredValue::{Flag, Integer};
    add(
        phone,
        ElementKind::APPROACH_PATH,
        &[("width_mm", Integer(1500)), ("slope_permille", Integer(30)), ("cross_slope_permille", Integer(15))],
    );
    add(phone, ElementKind::ENTRANCE, &[("has_step", Flag(false))]);
    add(phone, ElementKind::CORRIDOR, &[("width_mm", Integer(1500))]);
    let door = add(phone, ElementKind::DOOR, &[("clear_width_mm", Integer(700)), ("threshold_mm", Integer(0))]);
    let first = phone.blocking(|p| p.submit_audit(object).unwrap());
    device_sync(&device).await;
    let approve = |audit: Uuid| {
        let r = s.http.post(s.url(&format!("/api/v1/audits/{audit}/review"))).bearer_auth(TOKEN);
        async move { r.json(&json!({"action": "approve"})).send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let r = approve(first).await;
    assert_eq!(r["statuses"]["K"], "VND", "the approval records the verdict: {r}");
    device_sync(&device).await;
    let mut m = std::collections::BTreeMap::new();
    m.insert("measurements.clear_width_mm".to_string(), json!(900));
    phone.blocking(|p| p.update(EntityKind::Element, door, m).unwrap());
    let second = phone.blocking(|p| p.submit_audit(object).unwrap());
    assert_ne!(second, first, "an approved audit stays closed: the re-audit is a new one");
    device_sync(&device).await;
    let r = approve(second).await;
    assert_eq!(r["statuses"]["K"], "DP", "{r}");
    let a: Analytics = s.get_json(&format!("/api/v1/analytics?campaign={campaign}")).await;
    assert_eq!(a.adapted, Adapted { re_audited: 1, improved: 1, share_permille: 1000 });
    assert!(a.progress.iter().map(|p| p.approved).sum::<u32>() >= 2);
    let points: Vec<MapPoint> = s.get_json(&format!("/api/v1/map?campaign={campaign}")).await;
    let p = points.iter().find(|p| p.id == object).expect("the new object is on the map");
    assert_eq!(p.wheelchair, qadam_core::rules::MapStatus::FullyAccessible, "the map follows the data");
}

#[tokio::test]
async fn a_conflict_names_the_accounts_behind_both_writes() {
    let s = Server::start().await;
    let batch = demo::demo_campaign(1);
    assert_eq!(s.push(&batch).await.0, 200);
    add_account(&s, "aigul", "auditor", Some((demo::demo_campaign_id(), "auditor")));
    add_account(&s, "dana", "auditor", Some((demo::demo_campaign_id(), "auditor")));
    let (_, aigul) = s.enroll("aigul").await;
    let (_, dana) = s.enroll("dana").await;
    let seen = s.pull(0, 5000).await.next_cursor;
    let name = batch.iter().find(|c| c.entity == EntityKind::Object && c.field == "name").unwrap();
    let write = |device: &str, value: &str, ms: u64| Change {
        op_id: Uuid::now_v7(),
        value: json!(value),
        device_id: device.into(),
        hlc: Hlc::new(ms, 0),
        seen_cursor: seen,
        ..name.clone()
    };
    let now = qadam_core::hlc::now_ms();
    let body =
        |c: Change| serde_json::to_vec(&PushRequest { device_id: c.device_id.clone(), changes: vec![c] }).unwrap();
    let (st, _) = s.call("POST", "/api/v1/sync/push", Some(&aigul), Some(body(write("phone-a", "А", now)))).await;
    assert_eq!(st, 200);
    let (st, _) = s.call("POST", "/api/v1/sync/push", Some(&dana), Some(body(write("phone-d", "Д", now + 1)))).await;
    assert_eq!(st, 200);
    let conflicts: Vec<Value> = s.get_json("/api/v1/conflicts").await;
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0]["authors"]["phone-a"], "aigul");
    assert_eq!(conflicts[0]["authors"]["phone-d"], "dana");
}

#[path = "api/security.rs"]
mod security;
