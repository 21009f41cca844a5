//! Push and pull: idempotency, paging, refusals that store nothing, last-writer-wins, compression, clock checks, two instances on one store.

use super::*;

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

/// A body past a route's limit, a query parameter of the wrong type and a
/// path id that is not one are refused with the one JSON error naming what
/// is wrong, never the framework's plain text, and store nothing.
#[tokio::test]
async fn oversized_bodies_bad_queries_and_bad_ids_are_clear_json_errors() {
    let s = Server::start().await;
    let big = vec![b' '; qadam_sync_server::http::MAX_PUSH_BYTES + 1];
    let (st, r) = s.call("POST", "/api/v1/sync/push", Some(TOKEN), Some(big)).await;
    assert_eq!((st, r["error"]["code"].as_str()), (413, Some("payload_too_large")), "{r}");
    let (st, r) = s.call("GET", "/api/v1/sync/pull?since=yesterday", Some(TOKEN), None).await;
    assert_eq!(
        (st, r["error"]["code"].as_str(), r["error"]["field"].as_str()),
        (400, Some("invalid_query"), Some("since")),
        "{r}"
    );
    let (st, r) = s.call("GET", "/api/v1/objects?campaign=nope", Some(TOKEN), None).await;
    assert_eq!((st, r["error"]["field"].as_str()), (400, Some("campaign")), "{r}");
    let (st, r) = s.call("POST", "/api/v1/conflicts/first/resolve", Some(TOKEN), Some(b"{}".to_vec())).await;
    assert_eq!(
        (st, r["error"]["code"].as_str(), r["error"]["field"].as_str()),
        (400, Some("invalid_id"), Some("conflict")),
        "{r}"
    );
    let (st, r) = s.call("GET", "/api/v1/objects/not-a-uuid", Some(TOKEN), None).await;
    assert_eq!(
        (st, r["error"]["code"].as_str(), r["error"]["field"].as_str()),
        (400, Some("invalid_id"), Some("id")),
        "{r}"
    );
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
async fn short_answers_go_as_they_are_and_long_ones_compressed() {
    // Every device asks for zstd on every request (the app's client does):
    // a short answer is not worth a compression context each side.
    let s = Server::start().await;
    // Decoding nothing itself, so that the coding on the wire shows.
    let raw = reqwest::Client::builder().no_gzip().no_zstd().build().unwrap();
    let get = |path: &str| raw.get(s.url(path)).bearer_auth(TOKEN).header("accept-encoding", "zstd, gzip").send();
    let health = get("/healthz").await.unwrap();
    assert_eq!(health.headers().get("content-encoding"), None);
    let (st, _) = s.push(&demo::demo_campaign(1)[..1]).await;
    assert_eq!(st, 200);
    let ack = raw
        .post(s.url("/api/v1/sync/push"))
        .bearer_auth(TOKEN)
        .header("accept-encoding", "zstd, gzip")
        .json(&PushRequest { device_id: "d".into(), changes: demo::demo_campaign(1)[..1].to_vec() })
        .send()
        .await
        .unwrap();
    assert_eq!(ack.status().as_u16(), 200);
    assert_eq!(ack.headers().get("content-encoding"), None);
    let long = get("/api/v1/openapi.json").await.unwrap();
    assert_eq!(long.headers()["content-encoding"], "zstd");
    let bytes = long.bytes().await.unwrap();
    let doc: Value = serde_json::from_slice(&zstd::decode_all(&bytes[..]).unwrap()).unwrap();
    assert!(doc["paths"].as_object().is_some_and(|p| !p.is_empty()));
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

/// An auditor taken out of one campaign while her phone holds an edit of
/// it: that change is held back on the phone with the server's reason, and
/// her edit in her other campaign still reaches the server; once she is a
/// member again and sends it again, it lands.
#[tokio::test]
async fn a_refused_change_is_held_back_and_the_rest_of_the_outbox_goes_on() {
    let s = Server::start().await;
    let demo = demo::demo_campaign(2);
    assert_eq!(s.push(&demo).await.0, 200);
    let campaign = demo::demo_campaign_id();
    let kept = demo.iter().find(|c| c.entity == EntityKind::Object).unwrap().entity_id;
    // A second campaign with one object.
    let (other, shop) = (Uuid::now_v7(), Uuid::now_v7());
    let mut clock = qadam_core::HlcClock::default();
    let mut records = Change::record(EntityKind::Campaign, other, [("name", json!("Вторая"))], &mut clock, "admin");
    let fields = [("campaign_id", json!(other)), ("name", json!("Магазин"))];
    records.extend(Change::record(EntityKind::Object, shop, fields, &mut clock, "admin"));
    assert_eq!(s.push(&records).await.0, 200);
    add_account(&s, "aigul", "auditor", Some((campaign, "auditor")));
    let member = |c: Uuid| format!("/api/v1/campaigns/{c}/members/aigul");
    let auditor = Some(serde_json::to_vec(&json!({"role": "auditor"})).unwrap());
    assert_eq!(s.call("PUT", &member(other), Some(TOKEN), auditor.clone()).await.0, 200);
    let (_, token) = s.enroll("aigul").await;
    let phone = qadam_testkit::TestDevice::new(&s.base, &token);
    phone.sync().await.unwrap();

    // Offline, she renames one object of each campaign; meanwhile she is
    // taken out of the demo campaign.
    let rename = |id: Uuid, name: &'static str| {
        phone.device.blocking(move |p| {
            p.update(EntityKind::Object, id, [("name".to_string(), json!(name))].into_iter().collect()).unwrap()
        })
    };
    rename(kept, "Переименован");
    rename(shop, "Магазин у дома");
    assert_eq!(s.call("DELETE", &member(campaign), Some(TOKEN), None).await.0, 204);
    phone.sync().await.unwrap();

    let name = |id: Uuid| {
        let s = &s;
        async move { s.get_json::<Value>(&format!("/api/v1/objects/{id}")).await["object"]["name"].clone() }
    };
    let demo_name = demo.iter().find(|c| c.entity_id == kept && c.field == "name").unwrap().value.clone();
    assert_eq!((name(kept).await, name(shop).await), (demo_name, json!("Магазин у дома")));
    let pending = phone.device.blocking(|p| p.pending().unwrap());
    assert_eq!((pending.changes, pending.held_back), (0, 1));
    let held: Vec<_> = phone.device.blocking(|p| p.held_back(10).unwrap());
    let seen: Vec<_> = held
        .iter()
        .map(|h| {
            (h.change.entity_id, h.change.field.clone(), h.change.value.clone(), h.reason.code, h.reason.field.clone())
        })
        .collect();
    assert_eq!(
        seen,
        [(
            kept,
            "name".to_string(),
            json!("Переименован"),
            qadam_core::ErrorCode::Forbidden,
            Some("changes[0]".to_string())
        )]
    );
    assert!(held[0].reason.message.contains("not a member"), "{}", held[0].reason.message);
    // The next sync leaves it alone: nothing is sent again by itself.
    phone.sync().await.unwrap();
    assert_eq!(phone.device.blocking(|p| p.pending().unwrap().held_back), 1);

    // A member again, she sends it again, and it lands.
    assert_eq!(s.call("PUT", &member(campaign), Some(TOKEN), auditor).await.0, 200);
    assert_eq!(phone.device.blocking(|p| p.send_held_back_again().unwrap()), 1);
    phone.sync().await.unwrap();
    assert_eq!(name(kept).await, json!("Переименован"));
    let pending = phone.device.blocking(|p| p.pending().unwrap());
    assert_eq!((pending.changes, pending.held_back), (0, 0));
}
