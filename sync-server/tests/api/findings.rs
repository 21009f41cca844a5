//! What coordinators take away: exports read by independent parsers, imports, the map and analytics.

use super::*;
use qadam_core::records::ObjectDetail;

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
            category: Category::HEALTH,
            district: District::ALMALY,
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
async fn one_place_recorded_twice_is_listed_once_and_its_neighbours_are_not() {
    let s = Server::start().await;
    assert_eq!(s.push(&demo::demo_campaign(1)).await.0, 200);
    // About 11 m apart, one school written two ways; the next school (its
    // own number) between them; a pharmacy in the same building.
    let csv = "name,category,district,address,lat,lon\n\
               Школа-гимназия № 5,education,almaly,,43.2500,76.9300\n\
               школа гимназия №5,education,almaly,,43.2501,76.9300\n\
               Школа-гимназия № 6,education,almaly,,43.25005,76.9300\n\
               Аптека,health,almaly,,43.25005,76.9300\n";
    let url = s.url(&format!("/api/v1/campaigns/{}/import", demo::demo_campaign_id()));
    let r: qadam_core::import::ImportReport =
        s.http.post(url).bearer_auth(TOKEN).body(csv).send().await.unwrap().json().await.unwrap();
    assert_eq!(r.imported, 4);
    let pairs: Vec<Value> = s.get_json(&format!("/api/v1/duplicates?campaign={}", demo::demo_campaign_id())).await;
    let got: Vec<(String, String, Value)> = pairs
        .iter()
        .map(|p| {
            let mut names =
                [p["first"]["object"]["name"].as_str().unwrap(), p["second"]["object"]["name"].as_str().unwrap()];
            names.sort();
            (names[0].to_string(), names[1].to_string(), p["distance_m"].clone())
        })
        .collect();
    assert_eq!(got, [("Школа-гимназия № 5".to_string(), "школа гимназия №5".to_string(), json!(11))]);
    // Narrowed to another district, nothing.
    let none: Vec<Value> =
        s.get_json(&format!("/api/v1/duplicates?campaign={}&district=medeu", demo::demo_campaign_id())).await;
    assert_eq!(none, Vec::<Value>::new());
}

/// An OpenStreetMap extract is imported with its duplicates found (against
/// the campaign's objects and within the file); merging one keeps every
/// audit, element and photo.
#[tokio::test]
async fn an_osm_extract_is_imported_with_its_duplicates_and_a_merge_keeps_everything() {
    let s = Server::start().await;
    assert_eq!(s.push(&demo::demo_campaign(4)).await.0, 200);
    let objects: Vec<qadam_core::records::ObjectSummary> = s.get_json("/api/v1/objects").await;
    let demo0 = objects.iter().find(|o| o.element_count > 0).expect("a demo object with elements").object.clone();
    let at = demo0.location.unwrap();
    let point = |lat: f64, lon: f64| json!({"type": "Point", "coordinates": [lon, lat]});
    let feature = |props: Value, geometry: Value| json!({"type": "Feature", "properties": props, "geometry": geometry});
    // 20 m north of the demo object, under its own name; one school as a
    // node and as a way 30 m apart; a bench; a shop.
    let north = 20.0 / 111_195.0;
    let extract = json!({"type": "FeatureCollection", "features": [
        feature(json!({"amenity": "townhall", "name": demo0.name}), point(at.lat_deg + north, at.lon_deg)),
        feature(json!({"amenity": "school", "name": "Школа-гимназия № 77", "addr:district": "Медеуский"}), point(43.2, 76.95)),
        feature(json!({"type": "way", "tags": {"amenity": "school", "name": "школа гимназия №77"}}),
            json!({"type": "Polygon", "coordinates": [[[76.9502, 43.2002], [76.9504, 43.2002], [76.9504, 43.2004], [76.9502, 43.2004], [76.9502, 43.2002]]]})),
        feature(json!({"amenity": "bench"}), point(43.2, 76.95)),
        feature(json!({"shop": "supermarket", "name": "Магнум"}), point(43.21, 76.96)),
    ]});
    let url = format!("/api/v1/campaigns/{}/import?format=osm", demo::demo_campaign_id());
    let (status, report) = s.post_raw(&url, serde_json::to_vec(&extract).unwrap()).await;
    assert_eq!(status, 200, "{report}");
    let report: qadam_core::import::ImportReport = serde_json::from_value(report).unwrap();
    assert_eq!((report.rows, report.imported, report.skipped, report.bad_rows), (5, 4, 1, 0));
    let pairs: Vec<(u32, Option<Uuid>, Option<u32>)> =
        report.duplicates.iter().map(|d| (d.row, d.object, d.other_row)).collect();
    assert_eq!(pairs, [(1, Some(demo0.id), None), (3, None, Some(2))]);

    // The Duplicates page lists both pairs among the campaign's objects.
    let all: Vec<qadam_core::records::ObjectSummary> = s.get_json("/api/v1/objects").await;
    let id_of =
        |name: &str, not: Uuid| all.iter().find(|o| o.object.name == name && o.object.id != not).unwrap().object.id;
    let copy = id_of(&demo0.name, demo0.id);
    let listed: Vec<Value> = s.get_json(&format!("/api/v1/duplicates?campaign={}", demo::demo_campaign_id())).await;
    let name = |v: &Value| v["object"]["name"].as_str().unwrap().to_string();
    let mut names: Vec<[String; 2]> = listed.iter().map(|d| [name(&d["first"]), name(&d["second"])]).collect();
    names.iter_mut().for_each(|n| n.sort());
    names.sort();
    let mut want =
        vec![[demo0.name.clone(), demo0.name.clone()], ["Школа-гимназия № 77".into(), "школа гимназия №77".into()]];
    want.iter_mut().for_each(|n| n.sort());
    want.sort();
    assert_eq!(names, want);

    // Merge the audited demo record into the imported copy: everything moves.
    let before: ObjectDetail = s.get_json(&format!("/api/v1/objects/{}", demo0.id)).await;
    assert!(!before.audits.is_empty() && !before.elements.is_empty());
    let body = serde_json::to_vec(&json!({"keep": copy, "merge": demo0.id})).unwrap();
    let (status, r) = s.call("POST", "/api/v1/duplicates/merge", Some(TOKEN), Some(body)).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        (r["audits"].as_u64(), r["elements"].as_u64(), r["photos"].as_u64()),
        (Some(before.audits.len() as u64), Some(before.elements.len() as u64), Some(before.photos.len() as u64))
    );
    let after: ObjectDetail = s.get_json(&format!("/api/v1/objects/{copy}")).await;
    let ids = |d: &ObjectDetail| {
        let mut v: Vec<Uuid> = d
            .audits
            .iter()
            .map(|a| a.id)
            .chain(d.elements.iter().map(|e| e.id))
            .chain(d.photos.iter().map(|p| p.id))
            .collect();
        v.sort();
        v
    };
    assert_eq!(ids(&after), ids(&before), "every audit, element and photo is on the kept object");
    assert_eq!(after.object.district, demo0.district, "the copy had no district: it takes the merged one's");
    assert_eq!(after.object.address, demo0.address);
    let (status, _) = s.call("GET", &format!("/api/v1/objects/{}", demo0.id), Some(TOKEN), None).await;
    assert_eq!(status, 404, "the merged record is gone");
    let listed: Vec<Value> = s.get_json(&format!("/api/v1/duplicates?campaign={}", demo::demo_campaign_id())).await;
    assert_eq!(listed.len(), 1, "only the school's pair is left");
    // Refusals: itself, an unknown object.
    let body = |v: Value| Some(serde_json::to_vec(&v).unwrap());
    let (status, e) =
        s.call("POST", "/api/v1/duplicates/merge", Some(TOKEN), body(json!({"keep": copy, "merge": copy}))).await;
    assert_eq!((status, e["error"]["field"].as_str()), (422, Some("merge")));
    let (status, _) = s
        .call("POST", "/api/v1/duplicates/merge", Some(TOKEN), body(json!({"keep": copy, "merge": Uuid::now_v7()})))
        .await;
    assert_eq!(status, 404);
}

/// An `.osm.pbf` extract imports as its GeoJSON twin does (the extract
/// script writes both): the same report, the same objects; a broken one
/// is refused, naming the format, and imports nothing.
#[tokio::test]
async fn an_osm_pbf_extract_imports_as_its_geojson_twin() {
    let (geojson, pbf) = qadam_testkit::osm_extract(("Акимат", 43.2567, 76.9286));
    let url = format!("/api/v1/campaigns/{}/import?format=osm", demo::demo_campaign_id());
    // What each server holds after importing one form into an empty demo campaign.
    let import = |body: Vec<u8>| {
        let url = url.clone();
        async move {
            let s = Server::start().await;
            assert_eq!(s.push(&demo::demo_campaign(0)).await.0, 200);
            let (status, report) = s.post_raw(&url, body).await;
            assert_eq!(status, 200, "{report}");
            let report: qadam_core::import::ImportReport = serde_json::from_value(report).unwrap();
            let objects: Vec<qadam_core::records::ObjectSummary> = s.get_json("/api/v1/objects").await;
            let mut held: Vec<String> = objects
                .iter()
                .map(|o| {
                    let l =
                        o.object.location.map(|l| ((l.lat_deg * 1e6).round() as i64, (l.lon_deg * 1e6).round() as i64));
                    format!("{:?}", (&o.object.name, &o.object.category, &o.object.district, &o.object.address, l))
                })
                .collect();
            held.sort();
            (s, report, held)
        }
    };
    let (_, from_json, json_objects) = import(geojson.into_bytes()).await;
    let (s, from_pbf, pbf_objects) = import(pbf.clone()).await;
    // The script's five places (the near one, a school twice, a shop, a
    // pharmacy); a bench and a nameless cafe skipped.
    assert_eq!((from_pbf.rows, from_pbf.imported, from_pbf.skipped), (7, 5, 2), "{from_pbf:?}");
    let rows = |r: &qadam_core::import::ImportReport| {
        (
            r.rows,
            r.imported,
            r.skipped,
            r.bad_rows,
            r.errors.len(),
            r.duplicates.iter().map(|d| d.other_row.is_some()).collect::<Vec<_>>(),
        )
    };
    assert_eq!(rows(&from_pbf), rows(&from_json));
    assert_eq!(pbf_objects, json_objects);
    let mut broken = pbf;
    broken.truncate(40);
    let (status, e) = s.post_raw(&url, broken).await;
    assert_eq!((status, e["error"]["code"].as_str()), (400, Some("invalid_file")), "{e}");
    assert!(e["error"]["message"].as_str().unwrap().contains(".osm.pbf"), "{e}");
    let after: Vec<qadam_core::records::ObjectSummary> = s.get_json("/api/v1/objects").await;
    assert_eq!(after.len(), 5, "nothing more was imported");
}

/// An auditor records a place offline while a coordinator merges it into
/// its twin: when the phone syncs, its audit, element and photo follow the
/// merge to the record kept, on the server and then on the phone.
#[tokio::test]
async fn records_sent_after_a_merge_follow_it_to_the_object_kept() {
    use qadam_core::model::{Category, District, ElementKind, MeasuredValue, PhotoSubject};
    let s = Server::start().await;
    assert_eq!(s.push(&demo::demo_campaign(1)).await.0, 200);
    let campaign = demo::demo_campaign_id();
    let phone = s.device();
    device_sync(&phone).await;
    let new = |name: &str| qadam_core::store::NewObject {
        campaign_id: campaign,
        name: name.into(),
        category: Category::HEALTH,
        district: District::ALMALY,
        address: String::new(),
        location: None,
    };
    let (kept, twin) = phone
        .device
        .blocking(move |p| (p.create_object(new("Аптека № 9")).unwrap(), p.create_object(new("Аптека №9")).unwrap()));
    device_sync(&phone).await;
    // Offline: an audit of the twin, with a door and a photo of the place.
    let jpeg = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/photos/entrance-gps.jpg")).unwrap();
    let (audit, element, photo) = phone.device.blocking(move |p| {
        let element = p
            .add_element(qadam_core::store::NewElement {
                object_id: twin,
                kind: ElementKind::DOOR,
                measurements: [("clear_width_mm".to_string(), MeasuredValue::Integer(850))].into(),
                note: String::new(),
                serves: None,
            })
            .unwrap();
        let photo = p.attach_photo(PhotoSubject::Object, twin, &jpeg).unwrap().id;
        (p.draft_audit(twin).unwrap(), element, photo)
    });
    // Meanwhile the coordinator merges the twin into the record kept.
    let before: ObjectDetail = s.get_json(&format!("/api/v1/objects/{kept}")).await;
    let mut audits: Vec<Uuid> = before.audits.iter().map(|a| a.id).chain([audit]).collect();
    audits.sort();
    let (st, r) = s
        .call(
            "POST",
            "/api/v1/duplicates/merge",
            Some(TOKEN),
            Some(serde_json::to_vec(&json!({"keep": kept, "merge": twin})).unwrap()),
        )
        .await;
    assert_eq!(st, 200, "{r}");
    device_sync(&phone).await;
    let on_server: ObjectDetail = s.get_json(&format!("/api/v1/objects/{kept}")).await;
    let mut got: Vec<Uuid> = on_server.audits.iter().map(|a| a.id).collect();
    got.sort();
    assert_eq!(got, audits, "the record kept's own audit and the phone's");
    assert_eq!(on_server.elements.iter().map(|e| e.id).collect::<Vec<_>>(), [element]);
    assert_eq!(on_server.photos.iter().map(|p| (p.id, p.subject_id)).collect::<Vec<_>>(), [(photo, Some(kept))]);
    // The phone's next pull brings the move: its draft is on the record kept.
    device_sync(&phone).await;
    let on_phone = phone.device.blocking(move |p| p.object_detail(kept).unwrap());
    let mut got: Vec<Uuid> = on_phone.audits.iter().map(|a| a.id).collect();
    got.sort();
    assert_eq!(
        (
            got,
            on_phone.elements.iter().map(|e| e.id).collect::<Vec<_>>(),
            on_phone.photos.iter().map(|p| p.id).collect::<Vec<_>>()
        ),
        (audits, vec![element], vec![photo])
    );
    assert!(phone.device.blocking(move |p| p.object_detail(twin).is_err()), "the twin is gone on the phone too");
}
