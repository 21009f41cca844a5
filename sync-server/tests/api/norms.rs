//! Norms travel: an administrator adds a rule set, a coordinator chooses it
//! for a campaign, devices receive the server's norms by sync (with a
//! version, 304 when theirs are current) and judge and record with them.

use super::*;
use qadam_core::checklist::Checklists;
use qadam_core::model::{Category, District, ElementKind, GeoPoint, MeasuredValue};
use qadam_core::norms::{Norms, NormsBundle};
use qadam_core::rules::{Outcome, RuleSetInfo};

const DOOR_RULE: &str = "kz-4.3.2.14-door-width";
const KZ: &str = include_str!("../../../schemas/rules/kz-sp-3.06-101-2012.json");

/// The Kazakh set as an NGO adapts it: its own id and edition, and the
/// door's clear width asked as `door` instead of СП РК's 0,9 m.
fn ngo_set(edition: &str, door: &str) -> Value {
    let mut set: Value = serde_json::from_str(KZ).unwrap();
    set["id"] = "ngo-strict-doors".into();
    set["title"] = "СП РК 3.06-101, двери 1 м (ОО «Шаг»)".into();
    set["edition"] = edition.into();
    let rules = set["rules"].as_array_mut().unwrap();
    rules.iter_mut().find(|r| r["id"] == DOOR_RULE).unwrap()["check"]["value"] = door.into();
    set
}

fn body(v: &Value) -> Option<Vec<u8>> {
    Some(serde_json::to_vec(v).unwrap())
}

/// Whether the object's one element, its door, fails in the campaign's
/// objects CSV (read through the server's evaluated cache).
async fn door_fails_in_export(s: &Server, object: Uuid) -> bool {
    let path = format!("/api/v1/exports/objects.csv?campaign={}&drafts=true", demo::demo_campaign_id());
    let r = s.http.get(s.url(&path)).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    let failed = rows.headers().unwrap().iter().position(|h| h == "failed_rules").unwrap();
    let row = rows.records().map(|r| r.unwrap()).find(|r| r.iter().any(|f| f == object.to_string())).unwrap();
    match &row[failed] {
        "0" => false,
        "1" => true,
        other => panic!("{other} failed checks"),
    }
}

#[tokio::test]
async fn an_added_rule_set_reaches_devices_by_sync_and_judges_the_campaign_chosen_for_it() {
    let s = Server::start().await;
    assert_eq!(s.push(&demo::demo_campaign(1)).await.0, 200);
    let campaign = demo::demo_campaign_id();
    // Another instance on the same store, as behind a load balancer.
    let other = s.another_instance().await;

    // The norms, tagged with their version; a current copy downloads nothing.
    let builtin = Norms::builtin();
    let r = s.http.get(s.url("/api/v1/norms")).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(r.headers()["etag"].to_str().unwrap(), format!("\"{}\"", builtin.version()));
    assert_eq!(r.json::<NormsBundle>().await.unwrap(), builtin.bundle());
    let tag = format!("\"{}\"", builtin.version());
    let r = s.http.get(s.url("/api/v1/norms")).bearer_auth(TOKEN).header("if-none-match", &tag).send().await;
    assert_eq!(r.unwrap().status(), 304);
    assert_eq!(s.call("GET", "/api/v1/norms", None, None).await.0, 401);

    // A device records a 950 mm door: it passes СП РК's 0,9 m.
    add_account(&s, "olzhas", "auditor", Some((campaign, "auditor")));
    let device = s.device();
    let phone = &device.device;
    device_sync(&device).await;
    let object = phone.blocking(move |p| {
        let object = p
            .create_object(qadam_core::store::NewObject {
                campaign_id: campaign,
                name: "Библиотека № 2".into(),
                category: Category::CULTURE,
                district: District::ALMALY,
                address: "ул. Абая, 20".into(),
                location: Some(GeoPoint { lat_deg: 43.24, lon_deg: 76.91 }),
            })
            .unwrap();
        p.add_element(qadam_core::store::NewElement {
            object_id: object,
            kind: ElementKind::DOOR,
            measurements: [("clear_width_mm".to_string(), MeasuredValue::Integer(950))].into(),
            note: String::new(),
            serves: None,
        })
        .unwrap();
        object
    });
    let door_on_phone = move |p: &mut qadam_core::store::Store| {
        let v = p.verdict(object).unwrap();
        (v.rule_set.clone(), v.results.iter().find(|r| &*r.rule_id == DOOR_RULE).unwrap().outcome)
    };
    assert_eq!(phone.blocking(door_on_phone), ("kz-sp-3.06-101-2012".into(), Outcome::Pass));
    device_sync(&device).await;
    assert!(!door_fails_in_export(&s, object).await);

    // Only an administrator adds a rule set; each refusal names its field
    // and changes nothing.
    let (_, auditor) = s.enroll("olzhas").await;
    let ngo = ngo_set("2027-01", "1 m");
    assert_eq!(s.call("POST", "/api/v1/rule-sets", Some(&auditor), body(&ngo)).await.0, 403);
    let mut reads_nothing_known = ngo.clone();
    reads_nothing_known["rules"][0]["reads"] = json!(["colour"]);
    let first_rule = ngo["rules"][0]["id"].as_str().unwrap().to_string();
    let mut builtin_id = ngo.clone();
    builtin_id["id"] = "kz-sp-3.06-101-2012".into();
    let mut spaced_id = ngo.clone();
    spaced_id["id"] = "NGO set".into();
    let mut unknown_field = ngo.clone();
    unknown_field["colour"] = "red".into();
    for (bad, status, field) in [
        (reads_nothing_known, 422, format!("rules.{first_rule}.reads")),
        (builtin_id, 422, "id".to_string()),
        (spaced_id, 422, "id".to_string()),
        (unknown_field, 400, "colour".to_string()),
    ] {
        let (st, e) = s.call("POST", "/api/v1/rule-sets", Some(TOKEN), body(&bad)).await;
        assert_eq!((st, e["error"]["field"].as_str()), (status, Some(field.as_str())), "{e}");
    }
    assert_eq!(s.get_json::<NormsBundle>("/api/v1/norms").await, builtin.bundle(), "nothing was added");

    let (st, sets) = s.call("POST", "/api/v1/rule-sets", Some(TOKEN), body(&ngo)).await;
    assert_eq!(st, 201, "{sets}");
    let sets: Vec<RuleSetInfo> = serde_json::from_value(sets).unwrap();
    assert_eq!(
        sets.iter().map(|r| (r.id.as_str(), r.edition.as_str())).collect::<Vec<_>>(),
        [("kz-sp-3.06-101-2012", "27.11.2019"), ("ngo-strict-doors", "2027-01"), ("us-ada-2010", "2010")]
    );
    let expected = Norms::new(Checklists::builtin(), &[("ngo.json".into(), ngo.to_string())]).unwrap();
    assert_eq!(s.get_json::<NormsBundle>("/api/v1/norms").await, expected.bundle());
    assert_eq!(s.get_json::<Vec<RuleSetInfo>>("/api/v1/rule-sets").await, sets);
    assert_eq!(other.get_json::<NormsBundle>("/api/v1/norms").await, expected.bundle(), "the other instance reads it");
    assert!(!door_fails_in_export(&s, object).await, "the campaign still audits against СП РК");

    // The campaign's coordinator chooses it; an unknown set is refused.
    let choose = |id: &str| body(&json!({ "rule_set": id }));
    let path = format!("/api/v1/campaigns/{campaign}/rule-set");
    let (st, e) = s.call("PUT", &path, Some(TOKEN), choose("ngo-lenient")).await;
    assert_eq!((st, e["error"]["field"].as_str()), (422, Some("rule_set")), "{e}");
    assert_eq!(s.call("PUT", &path, Some(&auditor), choose("ngo-strict-doors")).await.0, 403);
    let (st, c) = s.call("PUT", &path, Some(TOKEN), choose("ngo-strict-doors")).await;
    assert_eq!((st, c["rule_set"].as_str()), (200, Some("ngo-strict-doors")), "{c}");
    assert!(door_fails_in_export(&s, object).await, "950 mm fails the NGO's 1 m");

    // The device judged with its own norms until it synced; then with the
    // server's, offline, and its submitted audit records the set's edition.
    assert_eq!(phone.blocking(door_on_phone).1, Outcome::Pass);
    device_sync(&device).await;
    assert_eq!(phone.blocking(|p| p.norms().version().to_string()), expected.version());
    assert_eq!(phone.blocking(door_on_phone), ("ngo-strict-doors".into(), Outcome::Fail));
    let audit = phone.blocking(move |p| p.submit_audit(object).unwrap());
    device_sync(&device).await;
    let detail: Value = s.get_json(&format!("/api/v1/objects/{object}")).await;
    let sent = detail["audits"].as_array().unwrap().iter().find(|a| a["id"] == json!(audit)).unwrap().clone();
    assert_eq!(sent["rule_set_version"], "ngo-strict-doors@2027-01");
    assert_eq!(sent["checklists_version"], Checklists::builtin().version());

    // A new edition of the added set replaces it: the server's verdicts
    // change with no new change in the store, and so does the device's.
    assert!(door_fails_in_export(&s, object).await);
    let (st, _) = s.call("POST", "/api/v1/rule-sets", Some(TOKEN), body(&ngo_set("2027-02", "0,9 m"))).await;
    assert_eq!(st, 201);
    assert!(!door_fails_in_export(&s, object).await, "verdicts cached under the former edition are not served");
    device_sync(&device).await;
    assert_eq!(phone.blocking(door_on_phone), ("ngo-strict-doors".into(), Outcome::Pass));

    // A checklist too: the door gains a field, and phones show it after a
    // sync; taking out a field a rule set reads is refused, naming the set.
    let builtin_door = Checklists::builtin().get(&ElementKind::DOOR).unwrap().clone();
    let mut door = serde_json::to_value(&builtin_door).unwrap();
    let closer = json!({"name": "closer_force_n", "type": "count", "min": 0, "max": 500,
        "label": {"ru": "Усилие открывания, Н", "kk": "Ашу күші, Н", "en": "Opening force, N"},
        "hint": {"ru": "Динамометром у ручки", "kk": "Тұтқа жанында динамометрмен", "en": "With a force gauge at the handle"}});
    door["fields"].as_array_mut().unwrap().push(closer);
    let mut narrowless = serde_json::to_value(&builtin_door).unwrap();
    narrowless["fields"].as_array_mut().unwrap().retain(|f| f["name"] != "clear_width_mm");
    let mut misnamed = door.clone();
    misnamed["fields"][0]["name"] = "Width".into();
    assert_eq!(s.call("POST", "/api/v1/checklists", Some(&auditor), body(&door)).await.0, 403);
    for (bad, field, says) in [(&narrowless, "fields", "kz-sp-3.06-101-2012"), (&misnamed, "fields.Width", "")] {
        let (st, e) = s.call("POST", "/api/v1/checklists", Some(TOKEN), body(bad)).await;
        assert_eq!((st, e["error"]["field"].as_str()), (422, Some(field)), "{e}");
        assert!(e["error"]["message"].as_str().unwrap().contains(says), "{e}");
    }
    let before: NormsBundle = s.get_json("/api/v1/norms").await;
    let (st, lists) = s.call("POST", "/api/v1/checklists", Some(TOKEN), body(&door)).await;
    assert_eq!(st, 201, "{lists}");
    let norms: NormsBundle = s.get_json("/api/v1/norms").await;
    assert_ne!(norms.version, before.version);
    let door_with_closer = door.clone();
    let expected = Norms::from_bundle(&before).unwrap().with_checklist(serde_json::from_value(door).unwrap()).unwrap();
    assert_eq!(norms, expected.bundle());
    device_sync(&device).await;
    let fields = phone.blocking(|p| {
        p.norms().checklists().fields(&ElementKind::DOOR).iter().map(|f| f.name.clone()).collect::<Vec<_>>()
    });
    assert_eq!(fields.last().map(String::as_str), Some("closer_force_n"));
    // No rule reads the new field, yet it cannot be taken out or narrowed
    // again: the phone may hold a measurement of it not yet pushed.
    let mut without = serde_json::to_value(&builtin_door).unwrap();
    let mut narrowed = door_with_closer.clone();
    narrowed["fields"].as_array_mut().unwrap().last_mut().unwrap()["max"] = 400.into();
    without["title"]["en"] = "Door (reworded)".into();
    for bad in [&without, &narrowed] {
        let (st, e) = s.call("POST", "/api/v1/checklists", Some(TOKEN), body(bad)).await;
        assert_eq!((st, e["error"]["field"].as_str()), (422, Some("fields.closer_force_n")), "{e}");
    }
    assert_eq!(s.get_json::<NormsBundle>("/api/v1/norms").await, expected.bundle(), "nothing changed");

    // The other instance has the new edition and checklist too, and one
    // started now begins with them.
    assert_eq!(other.get_json::<NormsBundle>("/api/v1/norms").await, expected.bundle());
    let third = s.another_instance().await;
    let norms: NormsBundle = third.get_json("/api/v1/norms").await;
    let edition = norms.rule_sets.iter().find(|r| r.id == "ngo-strict-doors").map(|r| r.edition.clone());
    assert_eq!(edition.as_deref(), Some("2027-02"));
    assert_eq!(norms, expected.bundle(), "the same norms, the same version");
}
