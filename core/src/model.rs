//! The domain model: campaigns, audited objects, audits (visits), elements with
//! typed measurements, and photos. Records are materialised from field-level
//! change records (see [`crate::change`]); this module says which fields each
//! record has and what values they accept.

use std::borrow::Cow;
use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::error::ModelError;

/// The kinds of record that change records address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    Campaign,
    Object,
    Audit,
    Element,
    Photo,
    /// A coordinator's decision on an audit (see [`crate::review`]).
    Review,
}

impl EntityKind {
    pub const ALL: [EntityKind; 6] = [
        EntityKind::Campaign,
        EntityKind::Object,
        EntityKind::Audit,
        EntityKind::Element,
        EntityKind::Photo,
        EntityKind::Review,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Campaign => "campaign",
            EntityKind::Object => "object",
            EntityKind::Audit => "audit",
            EntityKind::Element => "element",
            EntityKind::Photo => "photo",
            EntityKind::Review => "review",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Object categories of the "Доступный Казахстан" survey.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Government,
    Health,
    Culture,
    Leisure,
    Education,
    TradeServices,
    Catering,
    Transport,
    Sport,
    Religion,
    Finance,
    Lodging,
}

impl Category {
    pub const ALL: [Category; 12] = [
        Category::Government,
        Category::Health,
        Category::Culture,
        Category::Leisure,
        Category::Education,
        Category::TradeServices,
        Category::Catering,
        Category::Transport,
        Category::Sport,
        Category::Religion,
        Category::Finance,
        Category::Lodging,
    ];
}

/// The eight districts of Almaty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
pub enum District {
    Alatau,
    Almaly,
    Auezov,
    Bostandyk,
    Zhetysu,
    Medeu,
    Nauryzbay,
    Turksib,
}

impl District {
    pub const ALL: [District; 8] = [
        District::Alatau,
        District::Almaly,
        District::Auezov,
        District::Bostandyk,
        District::Zhetysu,
        District::Medeu,
        District::Nauryzbay,
        District::Turksib,
    ];

    /// An approximate centre of the district (degrees), used by the demo
    /// generator and as the map's default view.
    pub fn centre_deg(self) -> (f64, f64) {
        match self {
            District::Alatau => (43.300, 76.870),
            District::Almaly => (43.255, 76.915),
            District::Auezov => (43.225, 76.850),
            District::Bostandyk => (43.205, 76.900),
            District::Zhetysu => (43.285, 76.940),
            District::Medeu => (43.245, 76.980),
            District::Nauryzbay => (43.185, 76.800),
            District::Turksib => (43.330, 76.960),
        }
    }
}

/// The kind of an element (`ramp`, `door`, ...). Kinds are data, not code:
/// every kind is a checklist in `schemas/checklists/` (or in
/// `QADAM_CHECKLISTS_DIR`), which gives its fields and functional zone, so an
/// NGO adds a kind by adding a file. A kind name is lower-case ASCII letters,
/// digits and underscores; whether a kind is known is decided against the
/// checklists in use ([`ElementKind::is_known`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, JsonSchema, TS)]
#[serde(transparent)]
#[ts(type = "string")]
pub struct ElementKind(#[schemars(regex(pattern = r"^[a-z][a-z0-9_]{0,63}$"))] Cow<'static, str>);

impl ElementKind {
    pub const APPROACH_PATH: ElementKind = ElementKind::builtin("approach_path");
    pub const PARKING: ElementKind = ElementKind::builtin("parking");
    pub const ENTRANCE: ElementKind = ElementKind::builtin("entrance");
    pub const RAMP: ElementKind = ElementKind::builtin("ramp");
    pub const STAIRS: ElementKind = ElementKind::builtin("stairs");
    pub const DOOR: ElementKind = ElementKind::builtin("door");
    pub const TACTILE_NAVIGATION: ElementKind = ElementKind::builtin("tactile_navigation");
    pub const LIFT: ElementKind = ElementKind::builtin("lift");
    pub const CORRIDOR: ElementKind = ElementKind::builtin("corridor");
    pub const TOILET: ElementKind = ElementKind::builtin("toilet");
    pub const SIGNAGE: ElementKind = ElementKind::builtin("signage");
    pub const SERVICE_COUNTER: ElementKind = ElementKind::builtin("service_counter");
    pub const INFORMATION_COMMUNICATION: ElementKind = ElementKind::builtin("information_communication");

    /// The kinds Qadam ships checklists for (`schemas/checklists/`).
    pub const BUILTIN: [ElementKind; 13] = [
        ElementKind::APPROACH_PATH,
        ElementKind::PARKING,
        ElementKind::ENTRANCE,
        ElementKind::RAMP,
        ElementKind::STAIRS,
        ElementKind::DOOR,
        ElementKind::TACTILE_NAVIGATION,
        ElementKind::LIFT,
        ElementKind::CORRIDOR,
        ElementKind::TOILET,
        ElementKind::SIGNAGE,
        ElementKind::SERVICE_COUNTER,
        ElementKind::INFORMATION_COMMUNICATION,
    ];

    const fn builtin(name: &'static str) -> ElementKind {
        ElementKind(Cow::Borrowed(name))
    }

    /// A kind from its name, checking only the spelling.
    pub fn new(name: &str) -> Result<ElementKind, String> {
        let ok = (1..=64).contains(&name.len())
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if ok {
            Ok(ElementKind(Cow::Owned(name.to_string())))
        } else {
            Err(format!("`{name}` is not a kind name (lower-case letters, digits and `_`, at most 64)"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the checklists in use define this kind.
    pub fn is_known(&self) -> bool {
        crate::checklist::get().get(self).is_some()
    }

    /// The measured fields of this element kind, from its checklist (the
    /// unit is in each name); none for an unknown kind.
    pub fn measurements(&self) -> &'static [crate::checklist::ChecklistField] {
        crate::checklist::get().fields(self)
    }
}

impl std::fmt::Display for ElementKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ElementKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ElementKind::new(&s).map_err(serde::de::Error::custom)
    }
}

/// What a measured field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
pub enum MeasurementType {
    /// A length in whole millimetres, 0..=100 000.
    LengthMm,
    /// Yes or no.
    Flag,
    /// A whole count (steps, parking spaces).
    Count,
    /// A slope in whole per mille (‰), 0..=1000 (45°). Entered as rise and
    /// run, per cent, a ratio 1:N or degrees, and converted at the edge.
    Permille,
}

/// Text in the three UI languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct Localized {
    pub ru: String,
    pub kk: String,
    pub en: String,
}

/// The longest length the app accepts, in mm (100 m).
pub const MAX_LENGTH_MM: u32 = 100_000;
/// The steepest slope the app accepts, ‰ (45°).
pub const MAX_SLOPE_PERMILLE: u32 = 1000;

/// A measured value: a flag, a whole number in the unit its field's name
/// says (`width_mm`, `slope_permille`), or a number in the unit it was typed
/// in (`{"value": 81.3, "unit": "cm"}`, `{"value": 12, "unit": "ratio"}` for
/// 1:12), kept as typed and converted exactly when judged.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(untagged)]
pub enum MeasuredValue {
    Flag(bool),
    Integer(u32),
    Typed(crate::units::Typed),
}

/// A WGS 84 position in decimal degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct GeoPoint {
    pub lat_deg: f64,
    pub lon_deg: f64,
}

impl GeoPoint {
    pub fn validate(&self, field: &str) -> Result<(), ModelError> {
        let ok = self.lat_deg.is_finite()
            && self.lon_deg.is_finite()
            && (-90.0..=90.0).contains(&self.lat_deg)
            && (-180.0..=180.0).contains(&self.lon_deg);
        if ok {
            Ok(())
        } else {
            Err(ModelError::invalid(
                field,
                format!(
                    "impossible GPS position lat {} lon {}: latitude must be within ±90°, longitude within ±180°",
                    self.lat_deg, self.lon_deg
                ),
            ))
        }
    }

    /// Great-circle distance in metres (haversine).
    pub fn distance_m(&self, other: &GeoPoint) -> f64 {
        const R_M: f64 = 6_371_008.8;
        let (la1, la2) = (self.lat_deg.to_radians(), other.lat_deg.to_radians());
        let dla = la2 - la1;
        let dlo = (other.lon_deg - self.lon_deg).to_radians();
        let a = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
        2.0 * R_M * a.sqrt().asin()
    }
}

/// An audit campaign: a set of objects audited under one rule set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct Campaign {
    pub id: Uuid,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Id of the norm rule set the campaign audits against.
    #[serde(default)]
    pub rule_set: String,
    /// True for generated demo data.
    #[serde(default)]
    pub synthetic: bool,
}

/// An audited place: a building, a station, a street crossing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct Object {
    pub id: Uuid,
    pub campaign_id: Option<Uuid>,
    #[serde(default)]
    pub name: String,
    pub category: Option<Category>,
    pub district: Option<District>,
    #[serde(default)]
    pub address: String,
    pub location: Option<GeoPoint>,
    #[serde(default)]
    pub synthetic: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
pub enum AuditStatus {
    /// Being recorded on the phone.
    Draft,
    /// Sent for review by the auditor.
    Submitted,
    /// A coordinator is reviewing it.
    InReview,
    Approved,
    /// Sent back to the auditor; editable again, then resubmitted.
    ChangesRequested,
    Rejected,
}

impl AuditStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditStatus::Draft => "draft",
            AuditStatus::Submitted => "submitted",
            AuditStatus::InReview => "in_review",
            AuditStatus::Approved => "approved",
            AuditStatus::ChangesRequested => "changes_requested",
            AuditStatus::Rejected => "rejected",
        }
    }

    /// States an auditor's device may set; the others are a coordinator's
    /// review decisions.
    pub fn set_by_auditor(self) -> bool {
        matches!(self, AuditStatus::Draft | AuditStatus::Submitted)
    }
}

/// One visit of an auditor to an object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct Audit {
    pub id: Uuid,
    pub campaign_id: Option<Uuid>,
    pub object_id: Option<Uuid>,
    #[serde(default)]
    pub auditor: String,
    /// Unix time in milliseconds.
    #[ts(type = "number | null")]
    pub started_at_ms: Option<i64>,
    #[ts(type = "number | null")]
    pub finished_at_ms: Option<i64>,
    pub status: Option<AuditStatus>,
}

/// A part of an object: a ramp, a door, an entrance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct Element {
    pub id: Uuid,
    pub object_id: Option<Uuid>,
    pub audit_id: Option<Uuid>,
    pub kind: Option<ElementKind>,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub measurements: BTreeMap<String, MeasuredValue>,
    /// The element whose barrier this one removes (a ramp or lift serving
    /// an entrance or a level change); rules that a serving element waives
    /// are waived for that element only.
    #[serde(default)]
    pub serves: Option<Uuid>,
}

/// What a photo shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
pub enum PhotoSubject {
    Object,
    Element,
}

/// A photo's record. The bytes live in a content-addressed blob store under
/// `sha256`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct Photo {
    pub id: Uuid,
    /// Lower-case hex SHA-256 of the original file: the content id.
    #[serde(default)]
    pub sha256: String,
    pub subject: Option<PhotoSubject>,
    pub subject_id: Option<Uuid>,
    /// The object the photo belongs to (directly or through an element).
    pub object_id: Option<Uuid>,
    #[serde(default)]
    pub size_bytes: u64,
    #[serde(default)]
    pub width_px: u32,
    #[serde(default)]
    pub height_px: u32,
    #[serde(default)]
    pub mime: String,
    /// EXIF DateTimeOriginal as written by the camera (local time, no zone).
    pub taken_at_local: Option<String>,
    /// Position from the file's EXIF GPS tags, if any.
    pub gps: Option<GeoPoint>,
}

fn parse<T: serde::de::DeserializeOwned>(field: &str, value: &serde_json::Value, what: &str) -> Result<T, ModelError> {
    serde_json::from_value(value.clone()).map_err(|e| ModelError::invalid(field, format!("expected {what}: {e}")))
}

fn text(field: &str, value: &serde_json::Value, max_chars: usize) -> Result<(), ModelError> {
    let s: String = parse(field, value, "a string")?;
    if s.chars().count() > max_chars {
        return Err(ModelError::invalid(field, format!("text is longer than {max_chars} characters")));
    }
    Ok(())
}

/// The field every record has: a tombstone.
pub const DELETED: &str = "deleted";

/// Checks that `field` exists on `entity` and that `value` is acceptable for
/// it. `null` clears an optional field or a measurement.
pub fn validate_field(
    entity: EntityKind,
    field: &str,
    value: &serde_json::Value,
    element_kind: Option<&ElementKind>,
) -> Result<(), ModelError> {
    use EntityKind::*;
    if field == DELETED {
        return parse::<bool>(field, value, "true or false").map(|_| ());
    }
    match (entity, field) {
        (Campaign, "name") | (Object, "name") => text(field, value, 300),
        (Campaign, "description") | (Element, "note") => text(field, value, 10_000),
        (Campaign, "rule_set") => text(field, value, 100),
        (Campaign, "synthetic") | (Object, "synthetic") => parse::<bool>(field, value, "true or false").map(|_| ()),
        (Object, "campaign_id")
        | (Audit, "campaign_id")
        | (Audit, "object_id")
        | (Element, "object_id")
        | (Element, "audit_id")
        | (Photo, "subject_id")
        | (Photo, "object_id") => parse::<Uuid>(field, value, "a UUID").map(|_| ()),
        (Object, "category") => parse::<Category>(field, value, "one of the 12 object categories").map(|_| ()),
        (Object, "district") => parse::<District>(field, value, "one of the 8 Almaty districts").map(|_| ()),
        (Object, "address") | (Audit, "auditor") => text(field, value, 500),
        (Object, "location") | (Photo, "gps") => {
            if value.is_null() {
                return Ok(());
            }
            parse::<GeoPoint>(field, value, "{lat_deg, lon_deg}")?.validate(field)
        }
        (Audit, "started_at_ms") | (Audit, "finished_at_ms") => {
            parse::<Option<i64>>(field, value, "unix milliseconds").map(|_| ())
        }
        (Audit, "status") => {
            parse::<AuditStatus>(field, value, "draft, submitted, in_review, approved, changes_requested or rejected")
                .map(|_| ())
        }
        (Review, "audit_id") => parse::<Uuid>(field, value, "a UUID").map(|_| ()),
        (Review, "element_id") | (Element, "serves") => {
            parse::<Option<Uuid>>(field, value, "a UUID or null").map(|_| ())
        }
        (Review, "action") => {
            parse::<crate::review::ReviewAction>(field, value, "start_review, approve, request_changes or reject")
                .map(|_| ())
        }
        (Review, "from_status") | (Review, "to_status") => {
            parse::<AuditStatus>(field, value, "an audit status").map(|_| ())
        }
        (Review, "comment") => text(field, value, crate::review::MAX_COMMENT_CHARS),
        (Review, "reviewer") => text(field, value, 300),
        (Review, "statuses") => {
            parse::<Option<BTreeMap<crate::rules::DisabilityCategory, crate::rules::CategoryStatus>>>(
                field,
                value,
                "statuses by disability category",
            )
            .map(|_| ())
        }
        (Review, "at_ms") => parse::<i64>(field, value, "unix milliseconds").map(|_| ()),
        (Element, "kind") => {
            let kind = parse::<ElementKind>(field, value, "an element kind")?;
            if kind.is_known() {
                Ok(())
            } else {
                let known: Vec<String> = crate::checklist::get().kinds().map(|k| k.to_string()).collect();
                Err(ModelError::invalid(
                    field,
                    format!("no checklist defines the element kind `{kind}`; known kinds: {}", known.join(", ")),
                ))
            }
        }
        (Element, m) if m.starts_with("measurements.") => {
            let name = &m["measurements.".len()..];
            validate_measurement(field, name, value, element_kind)
        }
        (Photo, "sha256") => {
            let s: String = parse(field, value, "a hex SHA-256")?;
            if crate::photo::is_sha256_hex(&s) {
                Ok(())
            } else {
                Err(ModelError::invalid(field, "expected 64 lower-case hex digits"))
            }
        }
        (Photo, "subject") => parse::<PhotoSubject>(field, value, "object or element").map(|_| ()),
        (Photo, "size_bytes") => parse::<u64>(field, value, "a byte count").map(|_| ()),
        (Photo, "width_px") | (Photo, "height_px") => parse::<u32>(field, value, "a pixel count").map(|_| ()),
        (Photo, "mime") => text(field, value, 100),
        (Photo, "taken_at_local") => parse::<Option<String>>(field, value, "a date-time").map(|_| ()),
        _ => Err(ModelError::UnknownField { entity: entity.as_str().to_string(), field: field.to_string() }),
    }
}

fn validate_measurement(
    field: &str,
    name: &str,
    value: &serde_json::Value,
    element_kind: Option<&ElementKind>,
) -> Result<(), ModelError> {
    let lists = crate::checklist::get();
    let known = lists
        .kinds()
        .filter(|k| element_kind.is_none_or(|ek| ek == *k))
        .flat_map(|k| k.measurements())
        .find(|s| s.name == name);
    let Some(spec) = known else {
        return Err(ModelError::UnknownField { entity: "element".into(), field: field.to_string() });
    };
    if value.is_null() {
        return Ok(());
    }
    let v: MeasuredValue = parse(field, value, "a number in the field's unit, {\"value\", \"unit\"} or true/false")?;
    crate::units::checked_base(spec, &v, field).map(|_| ())
}

/// Builds a record of type `T` from its current field values
/// (`measurements.x` fields nest into a `measurements` map).
pub fn materialise<T: serde::de::DeserializeOwned>(
    id: Uuid,
    fields: impl IntoIterator<Item = (String, serde_json::Value)>,
) -> Result<T, serde_json::Error> {
    let mut obj = serde_json::Map::new();
    let mut measurements = serde_json::Map::new();
    obj.insert("id".into(), serde_json::Value::String(id.to_string()));
    for (field, value) in fields {
        if let Some(name) = field.strip_prefix("measurements.") {
            if !value.is_null() {
                measurements.insert(name.to_string(), value);
            }
        } else {
            obj.insert(field, value);
        }
    }
    obj.insert("measurements".into(), serde_json::Value::Object(measurements));
    serde_json::from_value(serde_json::Value::Object(obj))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_field_is_refused_by_name() {
        let e = validate_field(EntityKind::Object, "colour", &json!("red"), None).unwrap_err();
        assert_eq!(e.field(), Some("colour"));
        assert!(e.to_string().contains("colour"));
    }

    #[test]
    fn impossible_gps_is_refused() {
        let bad = json!({"lat_deg": 123.0, "lon_deg": 76.9});
        let e = validate_field(EntityKind::Object, "location", &bad, None).unwrap_err();
        assert!(e.to_string().contains("impossible GPS"), "{e}");
        let good = json!({"lat_deg": 43.25, "lon_deg": 76.9});
        validate_field(EntityKind::Object, "location", &good, None).unwrap();
    }

    #[test]
    fn measurements_are_typed_and_bounded() {
        let k = Some(&ElementKind::RAMP);
        validate_field(EntityKind::Element, "measurements.rise_mm", &json!(150), k).unwrap();
        assert!(validate_field(EntityKind::Element, "measurements.rise_mm", &json!(-1), k).is_err());
        assert!(validate_field(EntityKind::Element, "measurements.rise_mm", &json!(100_001), k).is_err());
        assert!(validate_field(EntityKind::Element, "measurements.rise_mm", &json!("1m"), k).is_err());
        // Kept as typed: a length in cm, a slope as 1:N; never a slope as a length.
        validate_field(EntityKind::Element, "measurements.rise_mm", &json!({"value": 81.3, "unit": "cm"}), k).unwrap();
        validate_field(
            EntityKind::Element,
            "measurements.cross_slope_permille",
            &json!({"value": 48, "unit": "ratio"}),
            k,
        )
        .unwrap();
        let e = validate_field(EntityKind::Element, "measurements.rise_mm", &json!({"value": 12, "unit": "ratio"}), k)
            .unwrap_err();
        assert!(e.to_string().contains("a length cannot be given in Ratio"), "{e}");
        assert!(validate_field(
            EntityKind::Element,
            "measurements.rise_mm",
            &json!({"value": 1, "unit": "cm", "x": 1}),
            k
        )
        .is_err());
        assert!(validate_field(EntityKind::Element, "measurements.rise_mm", &json!({"value": 101, "unit": "m"}), k)
            .is_err());
        // A door field is not a ramp field.
        assert!(validate_field(EntityKind::Element, "measurements.threshold_mm", &json!(10), k).is_err());
        validate_field(EntityKind::Element, "measurements.has_step", &json!(true), Some(&ElementKind::ENTRANCE))
            .unwrap();
    }

    #[test]
    fn materialise_nests_measurements() {
        let id = Uuid::now_v7();
        let e: Element = materialise(
            id,
            vec![
                ("kind".to_string(), json!("ramp")),
                ("measurements.rise_mm".to_string(), json!(120)),
                ("measurements.run_mm".to_string(), serde_json::Value::Null),
                ("note".to_string(), json!("west side")),
            ],
        )
        .unwrap();
        assert_eq!(e.kind, Some(ElementKind::RAMP));
        assert_eq!(e.measurements.get("rise_mm"), Some(&MeasuredValue::Integer(120)));
        assert!(!e.measurements.contains_key("run_mm"));
    }

    #[test]
    fn distance_is_plausible() {
        let a = GeoPoint { lat_deg: 43.25, lon_deg: 76.9 };
        let b = GeoPoint { lat_deg: 43.26, lon_deg: 76.9 };
        let d = a.distance_m(&b);
        assert!((d - 1112.0).abs() < 5.0, "{d}");
    }
}
