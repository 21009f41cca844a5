//! Exports of audited objects, pure (no I/O): CSV for spreadsheets (one file
//! of objects, one of measurements; UTF-8 with a BOM and CRLF, so Excel
//! opens Cyrillic correctly) and GeoJSON (RFC 7946: WGS 84, longitude
//! first). Each object travels with its verdict under its campaign's rule
//! set.

use serde_json::{json, Value};

use crate::model::{Element, MeasuredValue, Object};
use crate::rules::{CategoryStatus, DisabilityCategory, ObjectVerdict, Outcome};

/// One object with what an export needs of it.
#[derive(Debug, Clone)]
pub struct ExportObject {
    pub object: Object,
    pub elements: Vec<Element>,
    pub photo_count: u32,
    pub verdict: ObjectVerdict,
}

/// The byte-order mark that tells Excel the file is UTF-8.
pub const BOM: &str = "\u{feff}";

/// One CSV field, quoted when it must be (RFC 4180).
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn line(fields: &[String]) -> String {
    let mut l = fields.iter().map(|f| field(f)).collect::<Vec<_>>().join(",");
    l.push_str("\r\n");
    l
}

fn status_code(s: CategoryStatus) -> &'static str {
    match s {
        CategoryStatus::Full => "DP",
        CategoryStatus::Partial => "DCH",
        CategoryStatus::Conditional => "DU",
        CategoryStatus::NotAccessible => "VND",
    }
}

fn enum_text<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
}

const CATEGORIES: [(DisabilityCategory, &str); 5] = [
    (DisabilityCategory::K, "status_K"),
    (DisabilityCategory::O, "status_O"),
    (DisabilityCategory::S, "status_S"),
    (DisabilityCategory::G, "status_G"),
    (DisabilityCategory::U, "status_U"),
];

/// The objects file: one row per object, with its statuses (ДП = `DP`,
/// ДЧ = `DCH`, ДУ = `DU`, ВНД = `VND`) and the wheelchair map status.
pub fn objects_csv(objects: &[ExportObject]) -> String {
    let mut header: Vec<String> =
        ["id", "name", "category", "district", "address", "lat_deg", "lon_deg", "elements", "photos"]
            .iter()
            .map(|s| s.to_string())
            .collect();
    header.extend(CATEGORIES.iter().map(|(_, h)| h.to_string()));
    header.extend(["wheelchair_map", "rule_set", "failed_rules", "not_measured"].iter().map(|s| s.to_string()));
    let mut out = String::from(BOM);
    out.push_str(&line(&header));
    for e in objects {
        let o = &e.object;
        let mut row = vec![
            o.id.to_string(),
            o.name.clone(),
            o.category.as_ref().map(enum_text).unwrap_or_default(),
            o.district.as_ref().map(enum_text).unwrap_or_default(),
            o.address.clone(),
            o.location.map(|l| format!("{:.6}", l.lat_deg)).unwrap_or_default(),
            o.location.map(|l| format!("{:.6}", l.lon_deg)).unwrap_or_default(),
            e.elements.len().to_string(),
            e.photo_count.to_string(),
        ];
        row.extend(
            CATEGORIES
                .iter()
                .map(|(c, _)| e.verdict.by_category.get(c).map(|s| status_code(*s).to_string()).unwrap_or_default()),
        );
        row.push(enum_text(&e.verdict.wheelchair_map));
        row.push(e.verdict.rule_set.clone());
        row.push(e.verdict.results.iter().filter(|r| r.outcome == Outcome::Fail).count().to_string());
        row.push(e.verdict.not_measured.to_string());
        out.push_str(&line(&row));
    }
    out
}

/// The measurements file: one row per measured field of every element, with
/// its unit, so it pivots in any spreadsheet.
pub fn elements_csv(objects: &[ExportObject]) -> String {
    let header: Vec<String> = ["object_id", "object_name", "element_id", "kind", "field", "value", "unit", "note"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut out = String::from(BOM);
    out.push_str(&line(&header));
    for e in objects {
        for el in &e.elements {
            for (name, v) in &el.measurements {
                let unit = if name.ends_with("_mm") {
                    "mm"
                } else if name.ends_with("_permille") {
                    "permille"
                } else if matches!(v, MeasuredValue::Flag(_)) {
                    "flag"
                } else {
                    "count"
                };
                let value = match v {
                    MeasuredValue::Flag(b) => b.to_string(),
                    MeasuredValue::Integer(n) => n.to_string(),
                };
                out.push_str(&line(&[
                    e.object.id.to_string(),
                    e.object.name.clone(),
                    el.id.to_string(),
                    el.kind.as_ref().map(|k| k.to_string()).unwrap_or_default(),
                    name.clone(),
                    value,
                    unit.to_string(),
                    el.note.clone(),
                ]));
            }
        }
    }
    out
}

/// A GeoJSON FeatureCollection (RFC 7946): a Point per object at
/// `[lon, lat]`, or a null geometry for an object not yet placed.
pub fn geojson(objects: &[ExportObject]) -> Value {
    let features: Vec<Value> = objects
        .iter()
        .map(|e| {
            let o = &e.object;
            let statuses: serde_json::Map<String, Value> = CATEGORIES
                .iter()
                .filter_map(|(c, h)| e.verdict.by_category.get(c).map(|s| (h.to_string(), json!(status_code(*s)))))
                .collect();
            let mut props = json!({
                "id": o.id,
                "name": o.name,
                "category": o.category.as_ref().map(enum_text),
                "district": o.district.as_ref().map(enum_text),
                "address": o.address,
                "elements": e.elements.len(),
                "photos": e.photo_count,
                "wheelchair_map": enum_text(&e.verdict.wheelchair_map),
                "rule_set": e.verdict.rule_set,
            });
            if let Some(p) = props.as_object_mut() {
                p.extend(statuses);
            }
            json!({
                "type": "Feature",
                "id": o.id,
                "geometry": o.location.map(|l| json!({"type": "Point", "coordinates": [l.lon_deg, l.lat_deg]})),
                "properties": props,
            })
        })
        .collect();
    json!({"type": "FeatureCollection", "features": features})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::GeoPoint;

    fn sample() -> Vec<ExportObject> {
        let input: crate::rules::EvaluationInput =
            serde_json::from_str(include_str!("../../schemas/examples/evaluation-input.json")).unwrap();
        let set = crate::rules::builtin("us-ada-2010").unwrap();
        let verdict = crate::rules::evaluate(&set, &input);
        let mut object = input.object.clone();
        object.name = "Школа № 5, \"главный\" вход".into();
        object.location = Some(GeoPoint { lat_deg: 43.25, lon_deg: 76.95 });
        vec![ExportObject { object, elements: input.elements, photo_count: 2, verdict }]
    }

    #[test]
    fn csv_opens_in_excel_and_quotes_what_it_must() {
        let csv = objects_csv(&sample());
        assert!(csv.starts_with(BOM));
        assert!(csv.contains("\r\n"));
        assert!(csv.contains("\"Школа № 5, \"\"главный\"\" вход\""), "{csv}");
        assert!(csv.lines().next().unwrap().contains("status_K"));
        assert!(elements_csv(&sample()).lines().count() > 1);
    }

    #[test]
    fn geojson_puts_longitude_first() {
        let g = geojson(&sample());
        assert_eq!(g["type"], "FeatureCollection");
        assert_eq!(g["features"][0]["geometry"]["coordinates"], json!([76.95, 43.25]));
    }
}
