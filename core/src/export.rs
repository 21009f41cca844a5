//! Exports of audited objects, pure (no I/O): CSV for spreadsheets (one file
//! of objects, one of measurements; UTF-8 with a BOM and CRLF, so Excel
//! opens Cyrillic correctly) and GeoJSON (RFC 7946: WGS 84, longitude
//! first). Each object travels with its verdict under its campaign's rule
//! set.

use serde_json::{json, Value};

use crate::model::{Element, MeasuredValue};
use crate::records::EvaluatedObject;
use crate::rules::{CategoryStatus, DisabilityCategory, Outcome};

/// The licence an open-data file carries: an SPDX id and the address of
/// its text (`qadam_core::public` makes it; the server's administrator sets
/// it).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export_to = "server/")]
pub struct Licence {
    pub id: String,
    pub url: String,
}

impl Licence {
    fn text(&self) -> String {
        format!("{} {}", self.id, self.url)
    }
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

/// A cell of free text someone typed (a name, an address, a note), made
/// safe for spreadsheets as OWASP recommends against formula injection: a
/// value starting with `=`, `+`, `-`, `@`, a tab or a carriage return is
/// prefixed with `'`, so Excel, LibreOffice and Sheets show it as text
/// instead of running it. Numbers are written by their own columns, never
/// through this, so they stay numbers.
fn text_cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
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
        CategoryStatus::NotAssessed => "NA",
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

/// The object's latest approved audit, if any: the findings an export
/// publishes, and the date they were checked on site.
pub fn approved_audit(e: &EvaluatedObject) -> Option<&crate::model::Audit> {
    e.audits
        .iter()
        .filter(|a| a.status == Some(crate::model::AuditStatus::Approved))
        .max_by_key(|a| (a.finished_at_ms.or(a.started_at_ms), a.id))
}

/// `YYYY-MM-DD` of the latest approved audit (when it was done on site).
pub fn check_date(e: &EvaluatedObject) -> Option<String> {
    approved_audit(e).and_then(|a| a.finished_at_ms.or(a.started_at_ms)).map(|ms| date_utc(ms.max(0) as u64))
}

/// How complete the evidence is, per category: `K:12/14` (checks judged
/// out of those that apply), `+zones` when a required zone has no record.
fn evidence_text(e: &EvaluatedObject) -> String {
    CATEGORIES
        .iter()
        .filter_map(|(c, _)| {
            let ev = e.verdict.evidence.get(c)?;
            let zones =
                if ev.missing_zones.is_empty() { String::new() } else { format!("+{}zones", ev.missing_zones.len()) };
            Some(format!("{c:?}:{}/{}{zones}", ev.judged, ev.judged + ev.not_measured))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The objects file: one row per object, with its statuses (ДП = `DP`,
/// ДЧ = `DCH`, ДУ = `DU`, ВНД = `VND`, not assessed = `NA`), how complete
/// their evidence is, the wheelchair map status and the check date.
/// With a `licence`, a last column `licence` says it on every row.
pub fn objects_csv(objects: &[EvaluatedObject], licence: Option<&Licence>) -> String {
    render_text(Format::ObjectsCsv, objects, licence)
}

fn objects_csv_head(licence: Option<&Licence>) -> String {
    let mut header: Vec<String> =
        ["id", "name", "category", "district", "address", "lat_deg", "lon_deg", "elements", "photos"]
            .iter()
            .map(|s| s.to_string())
            .collect();
    header.extend(CATEGORIES.iter().map(|(_, h)| h.to_string()));
    header.extend(
        ["wheelchair_map", "rule_set", "failed_rules", "not_measured", "evidence", "check_date"]
            .iter()
            .map(|s| s.to_string()),
    );
    header.extend(licence.map(|_| "licence".to_string()));
    let mut out = String::from(BOM);
    out.push_str(&line(&header));
    out
}

fn objects_csv_row(e: &EvaluatedObject, licence: Option<&Licence>, out: &mut String) {
    let o = &e.object;
    let mut row = vec![
        o.id.to_string(),
        text_cell(&o.name),
        o.category.as_ref().map(enum_text).unwrap_or_default(),
        o.district.as_ref().map(enum_text).unwrap_or_default(),
        text_cell(&o.address),
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
    row.push(evidence_text(e));
    row.push(check_date(e).unwrap_or_default());
    row.extend(licence.map(Licence::text));
    out.push_str(&line(&row));
}

/// The measurements file: one row per measured field of every element, with
/// its unit, so it pivots in any spreadsheet.
/// With a `licence`, a last column `licence` says it on every row.
pub fn elements_csv(objects: &[EvaluatedObject], licence: Option<&Licence>) -> String {
    render_text(Format::ElementsCsv, objects, licence)
}

fn elements_csv_head(licence: Option<&Licence>) -> String {
    let mut header: Vec<String> = ["object_id", "object_name", "element_id", "kind", "field", "value", "unit", "note"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    header.extend(licence.map(|_| "licence".to_string()));
    let mut out = String::from(BOM);
    out.push_str(&line(&header));
    out
}

fn elements_csv_rows(e: &EvaluatedObject, licence: Option<&Licence>, out: &mut String) {
    for el in e.elements.iter() {
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
            // The exact value in the column's unit; a value typed in
            // another unit (81.3 cm, 1:12) keeps its full precision.
            let value = match v {
                MeasuredValue::Flag(b) => b.to_string(),
                MeasuredValue::Integer(n) => n.to_string(),
                MeasuredValue::Typed(t) => t.base().map(crate::units::trim_number).unwrap_or_default(),
            };
            let mut row = vec![
                e.object.id.to_string(),
                text_cell(&e.object.name),
                el.id.to_string(),
                el.kind.as_ref().map(|k| text_cell(k.as_str())).unwrap_or_default(),
                name.clone(),
                value,
                unit.to_string(),
                text_cell(&el.note),
            ];
            row.extend(licence.map(Licence::text));
            out.push_str(&line(&row));
        }
    }
}

/// A GeoJSON FeatureCollection (RFC 7946): a Point per object at
/// `[lon, lat]`, or a null geometry for an object not yet placed. With a
/// `licence`, the collection says it in a foreign member `licence`.
pub fn geojson(objects: &[EvaluatedObject], licence: Option<&Licence>) -> Value {
    serde_json::from_slice(&render(Format::GeoJson, objects, licence)).expect("the GeoJSON written is JSON")
}

/// One object as a GeoJSON Feature.
fn geojson_feature(e: &EvaluatedObject) -> Value {
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
        "evidence": e.verdict.evidence.iter().map(|(c, ev)| (format!("{c:?}"), json!({
            "judged": ev.judged,
            "not_measured": ev.not_measured,
            "missing_zones": ev.missing_zones,
            "complete": ev.complete,
        }))).collect::<serde_json::Map<_, _>>(),
        "check_date": check_date(e),
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
}

/// The elements of one kind of an exported object.
fn elements_of(e: &EvaluatedObject, kind: crate::model::ElementKind) -> impl Iterator<Item = &Element> + '_ {
    e.elements.iter().filter(move |el| el.kind.as_ref() == Some(&kind))
}

fn flag(el: &Element, name: &str) -> Option<bool> {
    match el.measurements.get(name) {
        Some(MeasuredValue::Flag(b)) => Some(*b),
        _ => None,
    }
}

/// A measured number, exactly, in its field's unit (mm, ‰, a count).
fn number(el: &Element, name: &str) -> Option<f64> {
    match el.measurements.get(name) {
        Some(MeasuredValue::Integer(n)) => Some(f64::from(*n)),
        Some(MeasuredValue::Typed(t)) => t.base(),
        _ => None,
    }
}

/// What the element's measurements say for wheelchair users: `Some(false)`
/// when a failed rule keeps them out, `Some(true)` when every check for
/// them was measured and passed, `None` when that is not known.
fn wheelchair_ok(e: &EvaluatedObject, el: &Element) -> Option<bool> {
    let rel: Vec<_> = e
        .verdict
        .results
        .iter()
        .filter(|r| r.element_id == el.id && !r.advisory && r.affects.contains_key(&DisabilityCategory::K))
        .collect();
    if rel
        .iter()
        .any(|r| r.outcome == Outcome::Fail && r.affects[&DisabilityCategory::K] == crate::rules::Effect::Blocks)
    {
        return Some(false);
    }
    let judged = !rel.is_empty() && rel.iter().all(|r| matches!(r.outcome, Outcome::Pass | Outcome::NotApplicable));
    judged.then_some(true)
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.into()
}

/// OSM tags for one object, from its elements and verdict, as a mapper
/// would set them: `wheelchair=yes|limited|no` from the wheelchair map
/// status, then what the elements say (`entrance`, `door`, `width` in
/// metres, `ramp:wheelchair`, `tactile_paving`, `step_count`, `handrail`,
/// `toilets:wheelchair`). Tags nothing was measured for are left out.
pub fn osm_tags(e: &EvaluatedObject) -> Vec<(String, String)> {
    use crate::model::ElementKind;
    let mut tags: Vec<(String, String)> = Vec::new();
    let mut tag = |k: &str, v: String| {
        if !tags.iter().any(|(key, _)| key == k) {
            tags.push((k.to_string(), v));
        }
    };
    if !e.object.name.is_empty() {
        tag("name", e.object.name.clone());
    }
    // Only an assessed status becomes a tag: no evidence, no tag.
    let wheelchair = match e.verdict.wheelchair_map {
        crate::rules::MapStatus::FullyAccessible => Some("yes"),
        crate::rules::MapStatus::PartiallyAccessible => Some("limited"),
        crate::rules::MapStatus::NotAccessible => Some("no"),
        crate::rules::MapStatus::NotAssessed => None,
    };
    if let Some(w) = wheelchair {
        tag("wheelchair", w.into());
    }
    let of = |kind: ElementKind| elements_of(e, kind);
    if of(ElementKind::ENTRANCE).next().is_some() {
        tag("entrance", "main".into());
    }
    if let Some(door) = of(ElementKind::DOOR).next() {
        tag("door", "yes".into());
        if let Some(w) = number(door, "clear_width_mm") {
            tag("width", format!("{:.2}", w / 1000.0));
        }
        if let Some(a) = flag(door, "automatic") {
            tag("automatic_door", if a { "yes" } else { "no" }.into());
        }
    }
    if let Some(ramp) = of(ElementKind::RAMP).next() {
        if let Some(ok) = wheelchair_ok(e, ramp) {
            tag("ramp:wheelchair", yes_no(ok));
        }
        if let Some(h) = flag(ramp, "handrails_both_sides") {
            tag("handrail", if h { "yes" } else { "no" }.into());
        }
    }
    if let Some(t) = of(ElementKind::TACTILE_NAVIGATION).next() {
        if let Some(p) = flag(t, "present") {
            tag("tactile_paving", if p { "yes" } else { "no" }.into());
        }
    }
    if let Some(st) = of(ElementKind::STAIRS).next() {
        if let Some(n) = number(st, "step_count") {
            tag("step_count", crate::units::trim_number(n));
        }
        if let Some(h) = flag(st, "handrails_both_sides") {
            tag("handrail", if h { "yes" } else { "no" }.into());
        }
    }
    if let Some(toilet) = of(ElementKind::TOILET).next() {
        if let Some(ok) = wheelchair_ok(e, toilet) {
            tag("toilets:wheelchair", yes_no(ok));
        }
    }
    tags
}

/// A11yJSON (the open standard of accessibility.cloud and Wheelmap): one
/// `PlaceInfo` per placed object. Statuses become `accessibleWith` (ДП →
/// true, ВНД → false, otherwise not stated) and the wheelchair grade; the
/// elements become entrances with their door and steps, restrooms and
/// pathways, lengths as `{value, unit: "mm"}`.
pub fn a11yjson(objects: &[EvaluatedObject]) -> Value {
    serde_json::from_slice(&render(Format::A11yJson, objects, None)).expect("the A11yJSON written is JSON")
}

/// One placed object as an A11yJSON `PlaceInfo` (`None` without a location).
fn a11yjson_place(e: &EvaluatedObject) -> Option<Value> {
    use crate::model::ElementKind;
    let loc = e.object.location?;
    let o = &e.object;
    let of = |kind: ElementKind| elements_of(e, kind);
    let mm = |el: &Element, name: &str| number(el, name).map(|n| json!({"value": n, "unit": "mm"}));
    let mut with = serde_json::Map::new();
    for (c, key) in [
        (DisabilityCategory::K, "wheelchair"),
        (DisabilityCategory::O, "mobilityImpairment"),
        (DisabilityCategory::S, "visualImpairment"),
        (DisabilityCategory::G, "hearingImpairment"),
        (DisabilityCategory::U, "learningImpairment"),
    ] {
        match e.verdict.by_category.get(&c) {
            Some(CategoryStatus::Full) => {
                with.insert(key.into(), json!(true));
            }
            Some(CategoryStatus::NotAccessible) => {
                with.insert(key.into(), json!(false));
            }
            _ => {}
        }
    }
    let grade = match e.verdict.wheelchair_map {
        crate::rules::MapStatus::FullyAccessible => Some("fully"),
        crate::rules::MapStatus::PartiallyAccessible => Some("partially"),
        crate::rules::MapStatus::NotAccessible => Some("not"),
        crate::rules::MapStatus::NotAssessed => None,
    };
    let door = of(ElementKind::DOOR).next().map(|d| {
        let mut door = serde_json::Map::new();
        for (key, v) in [("width", mm(d, "clear_width_mm")), ("thresholdHeight", mm(d, "threshold_mm"))] {
            if let Some(v) = v {
                door.insert(key.into(), v);
            }
        }
        for (key, v) in [("isAutomatic", flag(d, "automatic")), ("hasClearMarkingOnGlassDoor", flag(d, "glass_marked"))]
        {
            if let Some(v) = v {
                door.insert(key.into(), json!(v));
            }
        }
        Value::Object(door)
    });
    let entrances: Vec<Value> = of(ElementKind::ENTRANCE)
        .enumerate()
        .map(|(i, en)| {
            let mut p = json!({"isMainEntrance": i == 0});
            // A ramp recorded as serving this entrance; no ramp
            // recorded is no evidence of none, so nothing is said.
            if e.elements.iter().any(|r| r.kind.as_ref() == Some(&ElementKind::RAMP) && r.serves == Some(en.id)) {
                p["hasFixedRamp"] = json!(true);
            }
            if let Some(step) = flag(en, "has_step") {
                p["isLevel"] = json!(!step);
            }
            if let Some(d) = &door {
                p["door"] = d.clone();
            }
            json!({"properties": p})
        })
        .collect();
    let restrooms: Vec<Value> = of(ElementKind::TOILET)
        .map(|t| {
            let mut r = json!({});
            if let Some(ok) = wheelchair_ok(e, t) {
                r["isAccessibleWithWheelchair"] = json!(ok);
            }
            if let Some(g) = flag(t, "grab_bars_both_sides") {
                r["hasSupportRails"] = json!(g);
            }
            r
        })
        .collect();
    let mut accessibility = json!({"accessibleWith": with});
    if let Some(grade) = grade {
        accessibility["wheelchairAccessibilityGrade"] = json!(grade);
    }
    if !entrances.is_empty() {
        accessibility["entrances"] = json!(entrances);
    }
    if !restrooms.is_empty() {
        accessibility["restrooms"] = json!(restrooms);
    }
    if let Some(w) = of(ElementKind::APPROACH_PATH).find_map(|p| mm(p, "width_mm")) {
        accessibility["pathways"] = json!({"width": w});
    }
    if let Some(w) = of(ElementKind::CORRIDOR).find_map(|c| mm(c, "width_mm")) {
        accessibility["pathwaysInside"] = json!({"width": w});
    }
    let mut address = json!({"countryCode": "KAZ", "city": {"ru": "Алматы", "kk": "Алматы", "en": "Almaty"}});
    if !o.address.is_empty() {
        address["text"] = json!({"ru": o.address});
    }
    if let Some(d) = &o.district {
        address["district"] = json!({"en": enum_text(d)});
    }
    Some(json!({
        "geometry": {"type": "Point", "coordinates": [loc.lon_deg, loc.lat_deg]},
        "properties": {
            "name": {"ru": o.name},
            "category": o.category.as_ref().map(enum_text).unwrap_or_else(|| "undefined".into()),
            "address": address,
            "originalId": o.id.to_string(),
            "sourceId": "qadam",
            "accessibility": accessibility,
        }
    }))
}

/// `YYYY-MM-DD` of a unix time in milliseconds, in UTC.
pub fn date_utc(ms: u64) -> String {
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = (ms / 86_400_000) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Text as an XML 1.0 attribute value: markup escaped; tab, newline and
/// carriage return as character references (an attribute would otherwise
/// fold them into spaces); every other character XML 1.0 forbids (C0
/// controls, U+FFFE, U+FFFF) replaced by U+FFFD, so a name typed with a
/// control character cannot make the file unreadable.
fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// An OSM XML file (API 0.6) a mapper opens in JOSM to review: one new node
/// (negative id) per placed object with its tags, `source` and `check_date`
/// (the date of its approved audit; none for an unapproved one). Nothing is
/// uploaded; objects without a location are left out. With a `licence`,
/// the `<osm>` element says it as the OSM API does (`license`).
pub fn osm_xml(objects: &[EvaluatedObject], licence: Option<&Licence>) -> String {
    render_text(Format::Osm, objects, licence)
}

fn osm_head(licence: Option<&Licence>) -> String {
    let license = licence.map(|l| format!(" license=\"{}\"", xml_escape(&l.url))).unwrap_or_default();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<osm version=\"0.6\" generator=\"Qadam\" upload=\"never\"{license}>\n"
    )
}

/// The `i`-th object as a node (node ids count down from -1).
fn osm_node(i: usize, e: &EvaluatedObject, out: &mut String) {
    let Some(loc) = e.object.location else { return };
    out.push_str(&format!(
        "  <node id=\"-{}\" visible=\"true\" lat=\"{:.7}\" lon=\"{:.7}\">\n",
        i + 1,
        loc.lat_deg,
        loc.lon_deg
    ));
    let mut tags = osm_tags(e);
    tags.push(("source".into(), "survey;Qadam accessibility audit".into()));
    if let Some(d) = check_date(e) {
        tags.push(("check_date".into(), d));
    }
    for (k, v) in tags {
        out.push_str(&format!("    <tag k=\"{}\" v=\"{}\"/>\n", xml_escape(&k), xml_escape(&v)));
    }
    out.push_str("  </node>\n");
}

/// The export formats, written object by object so that a city's file
/// streams: [`Writer::head`], then [`Writer::object`] for each, then
/// [`Writer::tail`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    ObjectsCsv,
    ElementsCsv,
    GeoJson,
    A11yJson,
    Osm,
}

/// Writes one export file in pieces.
pub struct Writer<'a> {
    format: Format,
    licence: Option<&'a Licence>,
    /// Objects written so far (separators, OSM node ids).
    written: usize,
}

impl<'a> Writer<'a> {
    pub fn new(format: Format, licence: Option<&'a Licence>) -> Writer<'a> {
        Writer { format, licence, written: 0 }
    }

    pub fn head(&self) -> Vec<u8> {
        match self.format {
            Format::ObjectsCsv => objects_csv_head(self.licence).into_bytes(),
            Format::ElementsCsv => elements_csv_head(self.licence).into_bytes(),
            Format::GeoJson => match self.licence {
                Some(l) => {
                    format!("{{\"type\":\"FeatureCollection\",\"licence\":{},\"features\":[", json!(l)).into_bytes()
                }
                None => b"{\"type\":\"FeatureCollection\",\"features\":[".to_vec(),
            },
            Format::A11yJson => b"[".to_vec(),
            Format::Osm => osm_head(self.licence).into_bytes(),
        }
    }

    /// Appends one object's part of the file to `out`.
    pub fn object(&mut self, e: &EvaluatedObject, out: &mut Vec<u8>) {
        let mut json_item = |v: Option<Value>, out: &mut Vec<u8>| {
            if let Some(v) = v {
                if self.written > 0 {
                    out.push(b',');
                }
                serde_json::to_writer(&mut *out, &v).expect("a Value serialises");
                self.written += 1;
            }
        };
        match self.format {
            Format::GeoJson => json_item(Some(geojson_feature(e)), out),
            Format::A11yJson => json_item(a11yjson_place(e), out),
            Format::ObjectsCsv | Format::ElementsCsv | Format::Osm => {
                let mut text = String::new();
                match self.format {
                    Format::ObjectsCsv => objects_csv_row(e, self.licence, &mut text),
                    Format::ElementsCsv => elements_csv_rows(e, self.licence, &mut text),
                    _ => osm_node(self.written, e, &mut text),
                }
                self.written += 1;
                out.extend_from_slice(text.as_bytes());
            }
        }
    }

    pub fn tail(&self) -> Vec<u8> {
        match self.format {
            Format::ObjectsCsv | Format::ElementsCsv => Vec::new(),
            Format::GeoJson => b"]}".to_vec(),
            Format::A11yJson => b"]".to_vec(),
            Format::Osm => b"</osm>\n".to_vec(),
        }
    }
}

/// A whole export file of `objects`.
pub fn render(format: Format, objects: &[EvaluatedObject], licence: Option<&Licence>) -> Vec<u8> {
    let mut w = Writer::new(format, licence);
    let mut out = w.head();
    for e in objects {
        w.object(e, &mut out);
    }
    out.extend(w.tail());
    out
}

fn render_text(format: Format, objects: &[EvaluatedObject], licence: Option<&Licence>) -> String {
    String::from_utf8(render(format, objects, licence)).expect("exports are UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::GeoPoint;

    fn sample() -> Vec<EvaluatedObject> {
        let input: crate::rules::EvaluationInput =
            serde_json::from_str(include_str!("../../schemas/examples/evaluation-input.json")).unwrap();
        let lists = crate::checklist::Checklists::builtin();
        let set = crate::rules::builtin("us-ada-2010", &lists).unwrap();
        let verdict = crate::rules::evaluate(&set, &lists, &input);
        let mut object = input.object.clone();
        object.name = "Школа № 5, \"главный\" вход".into();
        object.location = Some(GeoPoint { lat_deg: 43.25, lon_deg: 76.95 });
        vec![EvaluatedObject {
            object,
            elements: input.elements.into(),
            audits: vec![],
            photo_count: 2,
            cover_sha256: None,
            verdict: verdict.into(),
        }]
    }

    #[test]
    fn csv_opens_in_excel_and_quotes_what_it_must() {
        let csv = objects_csv(&sample(), None);
        assert!(csv.starts_with(BOM));
        assert!(csv.contains("\r\n"));
        assert!(csv.contains("\"Школа № 5, \"\"главный\"\" вход\""), "{csv}");
        assert!(csv.lines().next().unwrap().contains("status_K"));
        assert!(elements_csv(&sample(), None).lines().count() > 1);
    }

    #[test]
    fn osm_tags_follow_the_verdict_and_the_elements() {
        let objects = sample();
        let tags = osm_tags(&objects[0]);
        let get = |k: &str| tags.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
        assert!(matches!(get("wheelchair"), Some("yes" | "limited" | "no")));
        let xml = osm_xml(&objects, None);
        assert!(xml.contains("<osm version=\"0.6\"") && xml.contains("lon=\"76.9500000\""));
        assert!(xml.contains("&quot;главный&quot;"), "names are escaped: {xml}");
    }

    fn object_with(elements: Vec<Element>) -> EvaluatedObject {
        let input = crate::rules::EvaluationInput { object: sample()[0].object.clone(), elements };
        let lists = crate::checklist::Checklists::builtin();
        let verdict = crate::rules::evaluate(&crate::rules::builtin("us-ada-2010", &lists).unwrap(), &lists, &input);
        EvaluatedObject {
            object: input.object,
            elements: input.elements.into(),
            audits: vec![],
            photo_count: 0,
            cover_sha256: None,
            verdict: verdict.into(),
        }
    }

    fn el(kind: crate::model::ElementKind, m: &[(&str, MeasuredValue)]) -> Element {
        Element {
            id: uuid::Uuid::now_v7(),
            object_id: None,
            audit_id: None,
            kind: Some(kind),
            note: String::new(),
            measurements: m.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            serves: None,
            copied_from: None,
        }
    }

    #[test]
    fn nobody_measured_means_no_wheelchair_tag_and_no_grade() {
        use crate::model::ElementKind;
        use MeasuredValue::*;
        for o in [object_with(vec![]), object_with(vec![el(ElementKind::DOOR, &[]), el(ElementKind::RAMP, &[])])] {
            let tags = osm_tags(&o);
            assert!(tags.iter().all(|(k, _)| k != "wheelchair" && k != "ramp:wheelchair"), "{tags:?}");
            let a = &a11yjson(std::slice::from_ref(&o))[0]["properties"]["accessibility"];
            assert!(a.get("wheelchairAccessibilityGrade").is_none(), "{a}");
            assert_eq!(a["accessibleWith"], json!({}), "no category is claimed either way");
        }
        // A fully measured, accessible object says so.
        let o = object_with(vec![
            el(
                ElementKind::APPROACH_PATH,
                &[("width_mm", Integer(1500)), ("slope_permille", Integer(30)), ("cross_slope_permille", Integer(15))],
            ),
            el(ElementKind::ENTRANCE, &[("has_step", Flag(false))]),
            el(ElementKind::DOOR, &[("clear_width_mm", Integer(900)), ("threshold_mm", Integer(0))]),
            el(ElementKind::CORRIDOR, &[("width_mm", Integer(1500))]),
        ]);
        assert_eq!(o.verdict.wheelchair_map, crate::rules::MapStatus::FullyAccessible, "{:?}", o.verdict.evidence);
        assert!(osm_tags(&o).contains(&("wheelchair".into(), "yes".into())));
        let a = &a11yjson(std::slice::from_ref(&o))[0]["properties"]["accessibility"];
        assert_eq!(a["wheelchairAccessibilityGrade"], "fully");
        assert_eq!(a["accessibleWith"]["wheelchair"], true);
        assert!(a["accessibleWith"].get("visualImpairment").is_none(), "vision was not assessed: {a}");
        let entrance = &a["entrances"][0]["properties"];
        assert_eq!(entrance["isLevel"], true);
        assert!(entrance.get("hasFixedRamp").is_none(), "no ramp recorded is no evidence of none: {entrance}");
        // Its CSV row says what was assessed and how completely.
        let csv = objects_csv(std::slice::from_ref(&o), None);
        let row = csv.lines().nth(1).unwrap();
        assert!(row.contains(",DP,DP,NA,NA,NA,fully_accessible,") && row.contains("K:7/7 O:3/3 S:0/0+2zones"), "{row}");
    }

    #[test]
    fn check_date_is_the_approved_audits_date() {
        let mut o = sample().remove(0);
        assert_eq!(check_date(&o), None);
        assert!(!osm_xml(std::slice::from_ref(&o), None).contains("check_date"));
        o.audits.push(crate::model::Audit {
            id: uuid::Uuid::now_v7(),
            campaign_id: None,
            object_id: Some(o.object.id),
            auditor: "a".into(),
            started_at_ms: Some(1_795_413_377_897),
            finished_at_ms: Some(1_795_513_377_897),
            status: Some(crate::model::AuditStatus::Approved),
            rule_set_version: None,
            checklists_version: None,
        });
        assert_eq!(check_date(&o).as_deref(), Some("2026-11-24"));
        assert!(osm_xml(std::slice::from_ref(&o), None).contains("<tag k=\"check_date\" v=\"2026-11-24\"/>"));
    }

    #[test]
    fn dates_are_civil_utc() {
        assert_eq!(date_utc(0), "1970-01-01");
        assert_eq!(date_utc(1_795_513_377_897), "2026-11-24");
        assert_eq!(date_utc(951_782_400_000), "2000-02-29");
    }

    #[test]
    fn geojson_puts_longitude_first() {
        let g = geojson(&sample(), None);
        assert_eq!(g["type"], "FeatureCollection");
        assert_eq!(g["features"][0]["geometry"]["coordinates"], json!([76.95, 43.25]));
    }
}
