use super::*;
use crate::change::ServerChange;
use crate::demo;

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    (dir, s)
}

/// Loads the demo campaign as if pulled from a server.
fn with_demo(s: &mut Store) -> Uuid {
    let changes: Vec<ServerChange> = demo::demo_campaign(16)
        .into_iter()
        .enumerate()
        .map(|(i, change)| ServerChange { seq: i as i64 + 1, change })
        .collect();
    let n = changes.len() as i64;
    s.apply_pulled(&PullResponse { changes, next_cursor: n, has_more: false }).unwrap();
    demo::demo_campaign_id()
}

/// A campaign judged by the ADA set (its values are confirmed).
fn ada_campaign(s: &mut Store) -> Uuid {
    let ada = Uuid::now_v7();
    s.write(
        EntityKind::Campaign,
        ada,
        vec![("name".into(), json!("ADA test")), ("rule_set".into(), json!("us-ada-2010"))],
    )
    .unwrap();
    ada
}

fn new_object(campaign_id: Uuid) -> NewObject {
    NewObject {
        campaign_id,
        name: "Поликлиника №5".into(),
        category: Category::HEALTH,
        district: District::ALMALY,
        address: "ул. Толе би, 10".into(),
        location: Some(GeoPoint { lat_deg: 43.25, lon_deg: 76.92 }),
    }
}

#[test]
fn migrations_are_numbered_and_rerunnable() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::open(dir.path()).unwrap());
    let mut conn = Connection::open(Store::db_path(dir.path())).unwrap();
    let v: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(v as usize, MIGRATIONS.len());
    assert_eq!(migrate(&mut conn).unwrap() as usize, MIGRATIONS.len());
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn lookups_by_reference_use_the_index_of_reference_fields() {
    let (_dir, s) = store();
    for sql in [records::BY_REF_SQL, records::COUNT_BY_SQL] {
        let mut st = s.connection().prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let args: &[&dyn rusqlite::ToSql] = &[&"element", &"object_id", &"\"x\""];
        let plan: Vec<String> = st
            .query_map(&args[..st.parameter_count()], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(plan.iter().any(|p| p.contains("INDEX fields_lookup")), "{sql}\n{plan:#?}");
        assert!(!plan.iter().any(|p| p.starts_with("SCAN")), "no full scan: {plan:#?}");
        // Every search of `fields` by value goes through the index (the
        // primary key alone would read every record of the kind).
        assert!(!plan.iter().any(|p| p.contains("USING PRIMARY KEY (entity=?)")), "{sql}\n{plan:#?}");
    }
    let indexed: Vec<String> = s
        .connection()
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'fields'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        indexed.contains(&"fields_lookup".to_string())
            && !indexed.contains(&"fields_by_ref".to_string())
            && !indexed.contains(&"fields_by_value".to_string()),
        "{indexed:?}"
    );
    // No write to the field state opens a temporary table (an `IN` list in
    // the partial index's condition did, on every insert).
    let ops: Vec<String> = s
        .connection()
        .prepare(&format!("EXPLAIN {}", records::APPLY_LWW_SQL))
        .unwrap()
        .query_map(["a", "b", "c", "d", "e", "f"], |r| r.get::<_, String>(1))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(!ops.iter().any(|o| o == "OpenEphemeral"), "{ops:?}");
}

#[test]
fn every_edit_writes_change_records_in_the_same_transaction() {
    let (_d, mut s) = store();
    let c = with_demo(&mut s);
    assert_eq!(s.pending().unwrap().changes, 0, "pulled changes are not in the outbox");
    let id = s.create_object(new_object(c)).unwrap();
    let out = s.outbox(1000).unwrap();
    // 6 object fields + 5 fields of the draft audit.
    assert_eq!(out.len(), 11);
    assert!(out.iter().all(|c| c.device_id == s.device_id()));
    assert!(out.windows(2).all(|w| w[0].hlc < w[1].hlc), "HLC order");
    let d = s.object_detail(id).unwrap();
    assert_eq!(d.object.name, "Поликлиника №5");
    assert_eq!(d.audits.len(), 1);
    assert_eq!(d.audits[0].status, Some(AuditStatus::Draft));
}

#[test]
fn a_bad_field_writes_nothing() {
    let (_d, mut s) = store();
    let c = with_demo(&mut s);
    let id = s.create_object(new_object(c)).unwrap();
    let before = s.pending().unwrap().changes;
    let mut m = BTreeMap::new();
    m.insert("name".to_string(), json!("New name"));
    m.insert("colour".to_string(), json!("red"));
    let e = s.update(EntityKind::Object, id, m).unwrap_err();
    assert!(e.to_string().contains("colour"), "{e}");
    assert_eq!(s.pending().unwrap().changes, before);
    assert_eq!(s.object_detail(id).unwrap().object.name, "Поликлиника №5");

    let mut bad = new_object(c);
    bad.location = Some(GeoPoint { lat_deg: 95.0, lon_deg: 0.0 });
    assert!(s.create_object(bad).unwrap_err().to_string().contains("impossible GPS"));
    assert_eq!(s.pending().unwrap().changes, before);
}

#[test]
fn elements_and_photos_attach_and_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let (object, element);
    {
        let mut s = Store::open(dir.path()).unwrap();
        let c = with_demo(&mut s);
        object = s.create_object(new_object(c)).unwrap();
        let mut m = BTreeMap::new();
        m.insert("rise_mm".to_string(), MeasuredValue::Integer(120));
        m.insert("run_mm".to_string(), MeasuredValue::Integer(1800));
        element = s
            .add_element(NewElement {
                object_id: object,
                kind: ElementKind::RAMP,
                measurements: m,
                note: "west".into(),
                serves: None,
            })
            .unwrap();
        // Taken on its side (EXIF orientation 6) at 2400×1800: what the
        // device keeps, and will upload, is the upright 1600 px copy.
        let jpeg = demo::jpeg_with_exif(2400, 1800, 6, Some((43.25, 76.92)), "2025:06:01 12:00:00");
        let p = s.attach_photo(PhotoSubject::Element, element, &jpeg).unwrap();
        assert_eq!(p.object_id, Some(object));
        assert!(s.thumbnail(&p.sha256).unwrap().is_some());
        let kept = s.photo_bytes(&p.sha256).unwrap().expect("the copy is on the device");
        assert_eq!(crate::photo::sha256_hex(&kept), p.sha256);
        assert_eq!(
            (p.width_px, p.height_px, p.size_bytes, p.mime.as_str()),
            (1200, 1600, kept.len() as u64, "image/jpeg")
        );
        assert!(kept.len() < jpeg.len() / 2, "the copy is smaller: {} of {}", kept.len(), jpeg.len());
        let info = crate::photo::inspect(&kept, crate::photo::MAX_PHOTO_BYTES).unwrap();
        let at = Some(GeoPoint { lat_deg: 43.25, lon_deg: 76.92 });
        assert_eq!((info.orientation, info.gps, p.gps), (1, at, at));
        assert_eq!(info.taken_at_local, p.taken_at_local);
        assert!(p.taken_at_local.is_some());
        assert!(s.attach_photo(PhotoSubject::Object, object, b"not an image").is_err());
    }
    let s = Store::open(dir.path()).unwrap();
    let d = s.object_detail(object).unwrap();
    assert_eq!(d.elements.len(), 1);
    assert_eq!(d.elements[0].measurements["rise_mm"], MeasuredValue::Integer(120));
    assert_eq!(d.photos.len(), 1);
    assert_eq!(s.pending().unwrap().photos, 1);
    let summary = s.objects(Some(demo::demo_campaign_id()), None).unwrap();
    let mine = summary.iter().find(|o| o.object.id == object).unwrap();
    assert_eq!((mine.element_count, mine.photo_count), (1, 1));
    // The card's state is the newest audit's: the draft the element opened.
    let draft = d.audits.iter().max_by_key(|a| (a.started_at_ms, a.id)).cloned();
    assert_eq!(mine.audit, draft);
    assert_eq!(mine.audit.as_ref().and_then(|a| a.status), Some(AuditStatus::Draft));
    // Every other card too, against its object's audits read one by one.
    for o in summary.iter().filter(|o| o.object.id != object) {
        let audits = s.object_detail(o.object.id).unwrap().audits;
        assert_eq!(o.audit, audits.into_iter().max_by_key(|a| (a.started_at_ms, a.id)), "{}", o.object.name);
    }
}

#[test]
fn objects_sort_by_distance() {
    let (_d, mut s) = store();
    let c = with_demo(&mut s);
    let here = GeoPoint { lat_deg: 43.33, lon_deg: 76.96 };
    let list = s.objects(Some(c), Some(here)).unwrap();
    assert_eq!(list.len(), 16);
    assert!(list.windows(2).all(|w| w[0].distance_m <= w[1].distance_m));
}

#[test]
fn hlc_never_runs_backwards_across_restart() {
    let dir = tempfile::tempdir().unwrap();
    let last = {
        let mut s = Store::open(dir.path()).unwrap();
        let c = with_demo(&mut s);
        s.create_object(new_object(c)).unwrap();
        s.outbox(100).unwrap().last().unwrap().hlc
    };
    let mut s = Store::open(dir.path()).unwrap();
    let c = demo::demo_campaign_id();
    s.create_object(new_object(c)).unwrap();
    let all = s.outbox(100).unwrap();
    assert!(all.last().unwrap().hlc > last);
}

#[test]
fn pulled_pages_are_idempotent_and_lww() {
    let (_d, mut s) = store();
    let c = with_demo(&mut s);
    let id = s.create_object(new_object(c)).unwrap();
    // A remote write older than ours loses; a newer one wins.
    let mk = |hlc: Hlc, name: &str| ServerChange {
        seq: 1000,
        change: Change {
            op_id: Uuid::now_v7(),
            entity: EntityKind::Object,
            entity_id: id,
            field: "name".into(),
            value: json!(name),
            hlc,
            device_id: "other".into(),
            seen_cursor: 0,
        },
    };
    let old = mk(Hlc::new(1, 0), "old");
    let page = PullResponse { changes: vec![old.clone()], next_cursor: 1000, has_more: false };
    let pulled_in_log = |s: &Store| -> i64 {
        s.connection().query_row("SELECT count(*) FROM changes WHERE local = 0", [], |r| r.get(0)).unwrap()
    };
    assert_eq!(s.apply_pulled(&page).unwrap(), 0, "an older remote write changes nothing");
    assert_eq!(pulled_in_log(&s), 1, "the loser is kept in the log for a clock correction");
    assert_eq!(s.apply_pulled(&page).unwrap(), 0, "same page twice");
    assert_eq!(pulled_in_log(&s), 1, "same page twice, logged once");
    assert_eq!(s.object_detail(id).unwrap().object.name, "Поликлиника №5");
    let newer = mk(Hlc::new(crate::hlc::now_ms() + 365 * 24 * 3600 * 1000, 0), "newer");
    let page = PullResponse { changes: vec![newer], next_cursor: 1001, has_more: false };
    assert_eq!(s.apply_pulled(&page).unwrap(), 1);
    assert_eq!(s.apply_pulled(&page).unwrap(), 0, "same page twice");
    assert_eq!(pulled_in_log(&s), 1, "a pulled winner lives in the field state alone");
    assert_eq!(s.object_detail(id).unwrap().object.name, "newer");
    assert_eq!(s.pull_cursor().unwrap(), 1001);
    // Our next write still orders after what we saw; the pulled value it
    // displaces goes to the log.
    let mut m = BTreeMap::new();
    m.insert("name".to_string(), json!("mine again"));
    s.update(EntityKind::Object, id, m).unwrap();
    assert_eq!(s.object_detail(id).unwrap().object.name, "mine again");
    assert_eq!(pulled_in_log(&s), 2);
}

#[test]
fn verdicts_follow_the_campaigns_rule_set_and_preview_live_values() {
    let (_d, mut s) = store();
    let kz = with_demo(&mut s);
    let ada = ada_campaign(&mut s);
    let id = s.create_object(new_object(ada)).unwrap();
    let mut m = BTreeMap::new();
    m.insert("rise_mm".to_string(), MeasuredValue::Integer(450));
    m.insert("run_mm".to_string(), MeasuredValue::Integer(4500));
    m.insert("width_mm".to_string(), MeasuredValue::Integer(1000));
    let ramp = s
        .add_element(NewElement {
            object_id: id,
            kind: ElementKind::RAMP,
            measurements: m.clone(),
            note: String::new(),
            serves: None,
        })
        .unwrap();
    let v = s.verdict(id).unwrap();
    assert_eq!(v.rule_set, "us-ada-2010");
    assert_eq!(v.by_category[&crate::rules::DisabilityCategory::K], crate::rules::CategoryStatus::NotAccessible);
    // Typing a longer run turns the slope rule to a pass before saving.
    m.insert("run_mm".to_string(), MeasuredValue::Integer(5400));
    let preview = s.preview_element(id, ElementKind::RAMP, m).unwrap();
    let slope = preview.iter().find(|r| &*r.rule_id == "ada-405.2-ramp-running-slope").unwrap();
    assert_eq!(slope.outcome, crate::rules::Outcome::Pass);
    assert_eq!(&*slope.clause, "405.2");
    // Saving the fix removes the barrier; with only a ramp recorded, К is
    // not assessed (no approach path, nothing inside), never "accessible".
    let mut fix = BTreeMap::new();
    fix.insert("measurements.run_mm".to_string(), json!(5400));
    s.update(EntityKind::Element, ramp, fix).unwrap();
    let v = s.verdict(id).unwrap();
    let k = crate::rules::DisabilityCategory::K;
    assert_eq!(v.by_category[&k], crate::rules::CategoryStatus::NotAssessed);
    assert_eq!(v.evidence[&k].missing_zones, [crate::rules::Zone::Approach, crate::rules::Zone::PathsInside]);
    // The demo campaign judges by the Kazakh set; an object with nothing
    // recorded is not assessed for anyone.
    let demo_obj = s.create_object(new_object(kz)).unwrap();
    let v = s.verdict(demo_obj).unwrap();
    assert_eq!(v.rule_set, "kz-sp-3.06-101-2012");
    assert!(v.rule_count >= 60, "{}", v.rule_count);
    assert!(v.by_category.values().all(|s| *s == crate::rules::CategoryStatus::NotAssessed));
}

#[test]
fn a_fast_device_clock_is_corrected_and_its_unsent_edits_restamped() {
    let (_a, mut fast) = store();
    let (_b, mut normal) = store();
    let c = with_demo(&mut fast);
    with_demo(&mut normal);
    let day = 24 * 3600 * 1000;
    let now = crate::hlc::now_ms();
    // The fast device believes it is tomorrow.
    fast.adjust_clock(now + day, now).unwrap();
    let id = fast.create_object(new_object(c)).unwrap();
    let stamped = fast.outbox(100).unwrap();
    assert!(stamped.iter().all(|c| c.hlc.wall_ms > now + day / 2));
    // Its first contact with the server says what time it really is.
    let n = fast.adjust_clock(now, now).unwrap();
    assert_eq!(n as usize, stamped.len(), "every unsent change is stamped again");
    let restamped = fast.outbox(100).unwrap();
    assert!(restamped.iter().all(|c| c.hlc.wall_ms < now + 60_000), "{:?}", restamped[0].hlc);
    assert!(restamped.windows(2).all(|w| w[0].hlc < w[1].hlc), "order kept");
    assert_eq!(
        restamped.iter().map(|c| c.op_id).collect::<Vec<_>>(),
        stamped.iter().map(|c| c.op_id).collect::<Vec<_>>()
    );
    assert_eq!(fast.object_detail(id).unwrap().object.name, "Поликлиника №5");
    // A later edit on a device with a right clock now wins, as it should.
    let page = PullResponse {
        changes: restamped
            .iter()
            .enumerate()
            .map(|(i, c)| ServerChange { seq: 1000 + i as i64, change: c.clone() })
            .collect(),
        next_cursor: 2000,
        has_more: false,
    };
    normal.apply_pulled(&page).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(5));
    let mut m = BTreeMap::new();
    m.insert("name".to_string(), json!("Исправлено позже"));
    normal.update(EntityKind::Object, id, m).unwrap();
    let later = normal.outbox(100).unwrap().into_iter().find(|c| c.field == "name").unwrap();
    fast.apply_pulled(&PullResponse {
        changes: vec![ServerChange { seq: 2001, change: later }],
        next_cursor: 2001,
        has_more: false,
    })
    .unwrap();
    assert_eq!(fast.object_detail(id).unwrap().object.name, "Исправлено позже");
    // The offset is kept across restarts.
    assert_eq!(fast.clock_offset_ms(), 0);
}

#[test]
fn nearby_finds_objects_within_the_radius_and_sees_new_ones() {
    let (_d, mut s) = store();
    let campaign = with_demo(&mut s);
    let at = GeoPoint { lat_deg: 43.2, lon_deg: 76.85 };
    let before = s.nearby(at, 100.0).unwrap();
    let mut o = new_object(campaign);
    o.location = Some(GeoPoint { lat_deg: 43.2005, lon_deg: 76.85 }); // ~56 m north
    let id = s.create_object(o).unwrap();
    let after = s.nearby(at, 100.0).unwrap();
    assert_eq!(after.len(), before.len() + 1, "the index is rebuilt after a write");
    let (_, d) = after.iter().find(|(x, _)| *x == id).unwrap();
    assert!((d - 55.6).abs() < 1.0, "{d}");
    assert!(s.nearby(at, 50.0).unwrap().iter().all(|(x, _)| *x != id));
    let all = s.objects(None, Some(at)).unwrap();
    let scan: Vec<Uuid> =
        all.iter().filter(|o| o.distance_m.is_some_and(|d| d <= 100.0)).map(|o| o.object.id).collect();
    assert_eq!(after.iter().map(|a| a.0).collect::<Vec<_>>(), scan, "the same answer as the list sorted by distance");
}

#[test]
fn a_pulled_write_hidden_by_a_fast_clock_wins_again_when_the_clock_is_corrected() {
    // Another device's write stamped an hour ahead, and this device's local
    // write stamped a day ahead (its clock is fast). Once the clock is
    // corrected, the local write is stamped now, and the other device's write
    // is the newer one, here as on the server. Pulled before or after the
    // local write, it must not have been lost.
    let now = crate::hlc::now_ms();
    let day = 24 * 3600 * 1000;
    for pulled_first in [true, false] {
        let (_d, mut s) = store();
        let c = with_demo(&mut s);
        let id = s.create_object(new_object(c)).unwrap();
        let remote = PullResponse {
            changes: vec![ServerChange {
                seq: 1000,
                change: Change {
                    op_id: Uuid::now_v7(),
                    entity: EntityKind::Object,
                    entity_id: id,
                    field: "name".into(),
                    value: json!("from the other device"),
                    hlc: Hlc::new(now + 3600 * 1000, 0),
                    device_id: "other".into(),
                    seen_cursor: 0,
                },
            }],
            next_cursor: 1000,
            has_more: false,
        };
        s.adjust_clock(now + day, now).unwrap();
        if pulled_first {
            s.apply_pulled(&remote).unwrap();
            assert_eq!(s.object_detail(id).unwrap().object.name, "from the other device");
        }
        let mut m = BTreeMap::new();
        m.insert("name".to_string(), json!("written with a fast clock"));
        s.update(EntityKind::Object, id, m).unwrap();
        if !pulled_first {
            s.apply_pulled(&remote).unwrap();
        }
        assert_eq!(
            s.object_detail(id).unwrap().object.name,
            "written with a fast clock",
            "pulled first: {pulled_first}"
        );
        assert!(s.adjust_clock(now, now).unwrap() > 0);
        assert_eq!(s.object_detail(id).unwrap().object.name, "from the other device", "pulled first: {pulled_first}");
        // A second correction changes nothing more.
        s.adjust_clock(now + 10_000, now).unwrap();
        assert_eq!(s.object_detail(id).unwrap().object.name, "from the other device");
    }
}

/// Checklists are passed to a store, not installed for the process: the
/// store opened with an NGO's files takes that NGO's element kind and
/// measures it, while a store opened beside it in the same process, with
/// the built-in checklists, refuses the kind by name.
#[test]
fn a_store_validates_with_the_checklists_it_was_opened_with() {
    let ngo =
        Checklists::with_dir(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/checklists-ngo"))).unwrap();
    let lift = ElementKind::new("platform_lift").unwrap();
    assert!(ngo.is_known(&lift) && !Checklists::builtin().is_known(&lift));
    let (dir, mut builtin) = store();
    let with_ngo_dir = tempfile::tempdir().unwrap();
    let mut with_ngo = Store::open_with(with_ngo_dir.path(), Arc::new(ngo.into())).unwrap();
    for s in [&mut builtin, &mut with_ngo] {
        with_demo(s);
    }
    let element = |object_id| NewElement {
        object_id,
        kind: lift.clone(),
        measurements: BTreeMap::from([("platform_width_mm".to_string(), MeasuredValue::Integer(900))]),
        note: String::new(),
        serves: None,
    };
    let object = with_ngo.create_object(new_object(demo::demo_campaign_id())).unwrap();
    let id = with_ngo.add_element(element(object)).unwrap();
    let stored = with_ngo.object_detail(object).unwrap().elements.into_iter().find(|e| e.id == id).unwrap();
    assert_eq!(stored.measurements.get("platform_width_mm"), Some(&MeasuredValue::Integer(900)));
    let object = builtin.create_object(new_object(demo::demo_campaign_id())).unwrap();
    let e = builtin.add_element(element(object)).unwrap_err();
    assert!(e.to_string().contains("platform_lift"), "{e}");
    drop(dir);
}

#[test]
fn settings_keep_the_gps_accuracy_and_refuse_an_impossible_one() {
    let (_d, s) = store();
    // A store written before the setting existed reads the default.
    meta_set(&s.conn, "settings", r#"{"server_url":"http://x","auditor_name":"A"}"#).unwrap();
    let read = s.settings().unwrap();
    assert_eq!((read.server_url.as_str(), read.gps_accuracy_m), ("http://x", 20));
    for bad in [0, 501] {
        let err = s.set_settings(&Settings { gps_accuracy_m: bad, ..read.clone() }).unwrap_err();
        assert!(err.to_string().contains("gps_accuracy_m"), "{err}");
        assert_eq!(s.settings().unwrap(), read, "a refused setting changes nothing");
    }
    s.set_settings(&Settings { gps_accuracy_m: 50, ..read.clone() }).unwrap();
    assert_eq!(s.settings().unwrap().gps_accuracy_m, 50);
}

#[test]
fn an_audit_begun_before_enrollment_is_sent_under_the_enrolled_name() {
    let (_d, mut s) = store();
    let campaign = with_demo(&mut s);
    let object = s.create_object(new_object(campaign)).unwrap();
    // Recorded nameless (no account yet): the draft has no auditor.
    let audit = s.draft_audit(object).unwrap();
    let read = |s: &Store| -> Audit { records::load_one(&s.conn, EntityKind::Audit, audit).unwrap() };
    assert_eq!(read(&s).auditor, "");
    // Enrolled, the device knows the account's name; sending names the audit.
    let mut settings = s.settings().unwrap();
    settings.auditor_name = "Айгуль Сериккызы".into();
    s.set_settings(&settings).unwrap();
    assert_eq!(s.submit_audit(object).unwrap(), audit);
    assert_eq!(read(&s).auditor, "Айгуль Сериккызы");
}

#[test]
fn a_district_is_suggested_only_where_the_objects_around_agree() {
    let (_d, mut s) = store();
    let campaign = with_demo(&mut s);
    // Far from the demo's objects: a block of three Almaly objects 100 m apart.
    let at = |dlat: f64| GeoPoint { lat_deg: 43.1000 + dlat, lon_deg: 76.6000 };
    let add = |s: &mut Store, dlat: f64, district: District| {
        s.create_object(NewObject { district, location: Some(at(dlat)), ..new_object(campaign) }).unwrap()
    };
    assert_eq!(s.district_near(at(0.0)).unwrap(), None, "no objects around: no guess");
    add(&mut s, 0.0, District::ALMALY);
    add(&mut s, 0.0009, District::ALMALY);
    assert_eq!(s.district_near(at(0.0005)).unwrap(), None, "two are too few");
    add(&mut s, 0.0018, District::ALMALY);
    assert_eq!(s.district_near(at(0.0005)).unwrap(), Some(District::ALMALY));
    // 0.01° of latitude is 1.1 km: out of the 300 m around.
    assert_eq!(s.district_near(at(0.0118)).unwrap(), None);
    // A neighbour across a border: they disagree, so nothing is suggested.
    add(&mut s, 0.0027, District::BOSTANDYK);
    assert_eq!(s.district_near(at(0.0014)).unwrap(), None);
}

/// A re-audit starts a new visit pre-filled from the last approved one;
/// changing one value changes the object's verdict (that of the new visit
/// alone, not a mix of both), and the first visit's verdict stays.
#[test]
fn a_reaudit_is_prefilled_and_judged_on_its_own_elements() {
    let (_d, mut s) = store();
    let ada = ada_campaign(&mut s);
    let id = s.create_object(new_object(ada)).unwrap();
    let slope = |run_mm: u32| {
        BTreeMap::from([
            ("rise_mm".to_string(), MeasuredValue::Integer(450)),
            ("run_mm".to_string(), MeasuredValue::Integer(run_mm)),
            ("width_mm".to_string(), MeasuredValue::Integer(1000)),
        ])
    };
    // 450 over 5400 is 1:12, ADA 405.2's steepest: the ramp passes.
    let ramp = s
        .add_element(NewElement {
            object_id: id,
            kind: ElementKind::RAMP,
            measurements: slope(5400),
            note: "у входа".into(),
            serves: None,
        })
        .unwrap();
    // Refused while the first audit is still a draft.
    assert!(
        matches!(s.start_reaudit(id), Err(StoreError::Model(ModelError::Invalid { ref field, .. })) if field == "object_id")
    );
    let first = s.draft_audit(id).unwrap();
    s.update(EntityKind::Audit, first, BTreeMap::from([("status".to_string(), json!("approved"))])).unwrap();
    let before = s.verdict(id).unwrap();
    let k = crate::rules::DisabilityCategory::K;
    let rule = "ada-405.2-ramp-running-slope";
    let outcome = |v: &crate::rules::ObjectVerdict| {
        v.results.iter().filter(|r| &*r.rule_id == rule).map(|r| r.outcome).collect::<Vec<_>>()
    };
    assert_eq!(outcome(&before), [crate::rules::Outcome::Pass]);

    let second = s.start_reaudit(id).unwrap();
    assert_ne!(second, first);
    let d = s.object_detail(id).unwrap();
    let copy = d.elements.iter().find(|e| e.audit_id == Some(second)).expect("the ramp is pre-filled");
    let original = d.elements.iter().find(|e| e.id == ramp).unwrap();
    assert_eq!(
        (copy.kind.clone(), copy.measurements.clone(), copy.note.clone(), copy.copied_from),
        (original.kind.clone(), original.measurements.clone(), original.note.clone(), Some(ramp))
    );
    assert_eq!(d.elements.len(), 2);
    assert_eq!(outcome(&s.verdict(id).unwrap()), [crate::rules::Outcome::Pass], "the new visit alone, as copied");
    // The ramp was rebuilt steeper: 1:10 fails.
    s.update(EntityKind::Element, copy.id, BTreeMap::from([("measurements.run_mm".to_string(), json!(4500))])).unwrap();
    let now = s.verdict(id).unwrap();
    assert_eq!(outcome(&now), [crate::rules::Outcome::Fail], "judged on the new visit's ramp only");
    assert_eq!(now.by_category[&k], crate::rules::CategoryStatus::NotAccessible);
    let visits = s.visits(id).unwrap();
    assert_eq!(
        visits.iter().map(|v| (v.audit_id, v.status)).collect::<Vec<_>>(),
        [(first, Some(AuditStatus::Approved)), (second, Some(AuditStatus::Draft))]
    );
    assert_eq!(visits[0].by_category, before.by_category, "the first visit's verdict stays");
    assert!(!visits[0].failed_rules.contains(&rule.to_string()));
    assert!(visits[1].failed_rules.contains(&rule.to_string()));
    // A second re-audit waits until this one is approved.
    assert!(s.start_reaudit(id).is_err());
}

/// A sent audit says what it was judged by: the campaign's rule set with
/// its edition, and the version of the checklists its device had.
#[test]
fn a_sent_audit_records_the_rule_set_and_checklists_it_was_judged_by() {
    let (_dir, mut s) = store();
    let ada = ada_campaign(&mut s);
    let object = s.create_object(new_object(ada)).unwrap();
    let audit = s.submit_audit(object).unwrap();
    let a: Audit = records::load_one(&s.conn, EntityKind::Audit, audit).unwrap();
    // schemas/rules/us-ada-2010.json: "edition": "2010".
    assert_eq!(a.rule_set_version.as_deref(), Some("us-ada-2010@2010"));
    let v = a.checklists_version.expect("the checklists' version");
    assert!(v.len() == 12 && v.chars().all(|c| c.is_ascii_hexdigit()), "{v}");
    // An NGO's checklist files are other checklists: another version.
    let ngo =
        Checklists::with_dir(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/checklists-ngo"))
            .unwrap();
    assert_ne!(ngo.version(), v);
    assert_eq!(Checklists::builtin().version(), v, "the same files, the same version");
}

#[test]
fn a_held_back_change_leaves_the_outbox_keeps_its_value_and_goes_again_when_asked() {
    let (_d, mut s) = store();
    let campaign = with_demo(&mut s);
    let id = s.create_object(new_object(campaign)).unwrap();
    let outbox = s.outbox(100).unwrap();
    let name = outbox.iter().find(|c| c.field == "name").unwrap().clone();
    let reason = crate::change::ErrorDetail {
        code: crate::ErrorCode::Forbidden,
        message: "not a member".into(),
        field: Some("changes[0]".into()),
    };
    assert_eq!(s.hold_back(&[name.op_id], &reason).unwrap(), 1);
    let rest: Vec<Change> = outbox.iter().filter(|c| c.op_id != name.op_id).cloned().collect();
    assert_eq!(s.outbox(100).unwrap(), rest);
    assert_eq!(s.held_back(10).unwrap(), [HeldBack { change: name.clone(), reason: reason.clone() }]);
    assert_eq!(s.held_back(0).unwrap(), [], "as many as asked");
    let pending = s.pending().unwrap();
    assert_eq!((pending.changes, pending.held_back), (rest.len() as u32, 1));
    assert_eq!(s.object_detail(id).unwrap().object.name, "Поликлиника №5", "the value stays on the device");
    // Pushed changes are not held back.
    s.mark_pushed(&rest.iter().map(|c| c.op_id).collect::<Vec<_>>()).unwrap();
    assert_eq!(s.hold_back(&[rest[0].op_id], &reason).unwrap(), 0);
    assert_eq!(s.send_held_back_again().unwrap(), 1);
    assert_eq!(s.outbox(100).unwrap(), [name]);
    assert_eq!(s.held_back(10).unwrap(), []);
}
