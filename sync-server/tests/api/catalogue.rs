//! Regions, districts and object categories as data: read by anyone with
//! an ETag of the version, added to by administrators, and the only codes
//! a push or an import may use.

use qadam_core::catalogue::Catalogue;

use super::*;

fn body(v: &Value) -> Option<Vec<u8>> {
    Some(serde_json::to_vec(v).unwrap())
}

#[tokio::test]
async fn additions_are_versioned_and_only_catalogued_codes_are_accepted() {
    let s = Server::start().await;
    // Anyone reads the built-in catalogue, tagged with its version.
    let r = s.http.get(s.url("/api/v1/catalogue")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"], "\"0\"");
    let got: Catalogue = r.json().await.unwrap();
    assert_eq!(&got, Catalogue::builtin());
    let r = s.http.get(s.url("/api/v1/catalogue")).header("if-none-match", "\"0\"").send().await.unwrap();
    assert_eq!(r.status(), 304, "a device whose copy is current downloads nothing");

    // An auditor's device may not add; an administrator may.
    add_account(&s, "olzhas", "auditor", Some((demo::demo_campaign_id(), "auditor")));
    let (_, device_token) = s.enroll("olzhas").await;
    let region =
        json!({"add": "region", "code": "taraz", "kind": "city", "name": {"ru": "Тараз", "kk": "", "en": "Taraz"}});
    let (status, _) = s.call("POST", "/api/v1/catalogue", Some(&device_token), body(&region)).await;
    assert_eq!(status, 403);
    let (status, c) = s.call("POST", "/api/v1/catalogue", Some(TOKEN), body(&region)).await;
    assert_eq!(status, 201, "{c}");
    assert_eq!(c["version"], 1);
    // A district inside it, with a boundary (a square around Taraz's centre).
    let (lon, lat) = (71.35, 42.88);
    let square = json!({"type": "Polygon", "coordinates": [[[lon - 0.05, lat - 0.05], [lon + 0.05, lat - 0.05], [lon + 0.05, lat + 0.05], [lon - 0.05, lat + 0.05], [lon - 0.05, lat - 0.05]]]});
    let district = json!({"add": "district", "code": "taraz_centre", "region": "taraz", "name": {"ru": "Центр Тараза", "kk": "Тараз орталығы", "en": "Taraz centre"}, "boundary": square});
    let category =
        json!({"add": "category", "code": "bath_house", "name": {"ru": "Бани", "kk": "Моншалар", "en": "Bath houses"}});
    for a in [&district, &category] {
        let (status, c) = s.call("POST", "/api/v1/catalogue", Some(TOKEN), body(a)).await;
        assert_eq!(status, 201, "{c}");
    }
    // Each refusal is specific and changes nothing.
    for (bad, field) in [
        (district.clone(), "code"),
        (
            json!({"add": "district", "code": "nowhere", "region": "atlantis", "name": {"ru": "Нигде", "kk": "", "en": ""}}),
            "region",
        ),
        (
            json!({"add": "district", "code": "open", "region": "taraz", "name": {"ru": "Открытый", "kk": "", "en": ""},
                "boundary": {"type": "Polygon", "coordinates": [[[71.0, 42.0], [71.1, 42.0], [71.1, 42.1]]]}}),
            "boundary",
        ),
        (json!({"add": "category", "code": "spa", "name": {"ru": " ", "kk": "", "en": ""}}), "name.ru"),
    ] {
        let (status, e) = s.call("POST", "/api/v1/catalogue", Some(TOKEN), body(&bad)).await;
        assert_eq!((status, e["error"]["field"].as_str()), (422, Some(field)), "{bad}: {e}");
    }
    let (status, e) =
        s.call("POST", "/api/v1/catalogue", Some(TOKEN), body(&json!({"add": "planet", "code": "mars"}))).await;
    assert_eq!(status, 400, "{e}");
    let r = s.http.get(s.url("/api/v1/catalogue")).header("if-none-match", "\"0\"").send().await.unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["etag"].to_str().unwrap()), (200, "\"3\""));
    let mut expected = Catalogue::builtin().clone();
    for a in [region, district, category] {
        expected.add(serde_json::from_value(a).unwrap()).unwrap();
    }
    let got: Catalogue = r.json().await.unwrap();
    assert_eq!(got, expected);
    assert_eq!(got.regions.last().unwrap().name.kk, "Тараз", "a missing Kazakh name is the Russian one");

    // A device knows the built-in catalogue until it syncs; then it has the
    // server's, fills the district in from the boundary and records there.
    assert_eq!(s.push(&demo::demo_campaign(1)).await.0, 200);
    let d = s.device();
    let new = |category: &str| qadam_core::store::NewObject {
        campaign_id: demo::demo_campaign_id(),
        name: "Баня у рынка".into(),
        category: qadam_core::model::Category::new(category).unwrap(),
        district: qadam_core::model::District::new("taraz_centre").unwrap(),
        address: String::new(),
        location: Some(qadam_core::model::GeoPoint { lat_deg: lat, lon_deg: lon }),
    };
    let at = qadam_core::model::GeoPoint { lat_deg: lat + 0.01, lon_deg: lon };
    let before_sync =
        d.device.blocking(move |st| (st.district_at(at).unwrap(), st.create_object(new("bath_house")).is_err()));
    assert_eq!(before_sync, (None, true), "an unknown district is refused on the device");
    device_sync(&d).await;
    let after_sync = d
        .device
        .blocking(move |st| (st.catalogue().unwrap().version, st.district_at(at).unwrap().map(|d| d.to_string())));
    assert_eq!(after_sync, (3, Some("taraz_centre".to_string())));
    d.device.blocking(move |st| st.create_object(new("bath_house")).unwrap());
    device_sync(&d).await;
    let objects: Vec<qadam_core::records::ObjectSummary> = s.get_json("/api/v1/objects").await;
    assert!(objects.iter().any(|o| o.object.name == "Баня у рынка"), "the device's object reached the server");

    // A push may name the new district and category, not an unknown one.
    let mut clock = qadam_core::HlcClock::default();
    let object = Uuid::now_v7();
    let fields = |district: &str, category: &str| {
        [
            ("campaign_id", json!(demo::demo_campaign_id())),
            ("name", json!("Баня № 1")),
            ("district", json!(district)),
            ("category", json!(category)),
        ]
    };
    let before = s.counts();
    let bad = Change::record(EntityKind::Object, object, fields("taraz_centre", "sauna"), &mut clock, "phone");
    let (status, e) = s.push(&bad).await;
    assert_eq!((status, e["error"]["field"].as_str()), (422, Some("changes[3].category")), "{e}");
    let bad = Change::record(EntityKind::Object, object, fields("atlantis", "bath_house"), &mut clock, "phone");
    let (status, e) = s.push(&bad).await;
    assert_eq!((status, e["error"]["field"].as_str()), (422, Some("changes[2].district")), "{e}");
    assert_eq!(s.counts(), before, "a refused push writes nothing");
    let good = Change::record(EntityKind::Object, object, fields("taraz_centre", "bath_house"), &mut clock, "phone");
    assert_eq!(s.push(&good).await.0, 200);

    // An import row without a district takes the one whose boundary holds it.
    let csv = format!("name,category,district,lat,lon\nБаня № 2,Бани,,{lat},{lon}\nБаня № 3,bath_house,,43.25,76.9\n");
    let url = format!("/api/v1/campaigns/{}/import", demo::demo_campaign_id());
    let (status, report) = s.post_raw(&url, csv.clone()).await;
    assert_eq!(status, 200, "{report}");
    let report: qadam_core::import::ImportReport = serde_json::from_value(report).unwrap();
    assert_eq!(report.imported, 0);
    assert_eq!(
        report.errors.iter().map(|e| (e.row, e.field.as_str())).collect::<Vec<_>>(),
        [(2, "district")],
        "Almaty's districts have no boundary: row 2 names none"
    );
    let (status, report) = s.post_raw(&format!("{url}?skip_invalid=true"), csv).await;
    assert_eq!((status, report["imported"].as_u64()), (200, Some(1)), "{report}");
    let objects: Vec<qadam_core::records::ObjectSummary> = s.get_json("/api/v1/objects").await;
    let bath = objects.iter().find(|o| o.object.name == "Баня № 2").expect("imported");
    assert_eq!(bath.object.district.as_ref().map(|d| d.as_str()), Some("taraz_centre"));
    assert_eq!(bath.object.category.as_ref().map(|c| c.as_str()), Some("bath_house"), "found by its Russian name");
}
