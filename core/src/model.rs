//! The domain model's plain types, at the bottom of `qadam-core`:
//! campaigns, audited objects, audits (visits), elements with typed
//! measurements, photos and reviews. Records are materialised from
//! field-level change records (see [`crate::change`]); which fields each
//! record has and what values they accept is [`crate::validate`]'s.

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

/// A code naming something defined as data (an element kind, a district, an
/// object category, a region): lower-case ASCII letters, digits and `_`,
/// at most 64, starting with a letter. Only the spelling is checked here;
/// whether a code is known is decided against the data a store was opened
/// with (checklists, [`crate::catalogue::Catalogue`]).
macro_rules! code_type {
    ($(#[$meta:meta])* $name:ident, $what:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, JsonSchema, TS)]
        #[serde(transparent)]
        #[ts(type = "string")]
        pub struct $name(#[schemars(regex(pattern = r"^[a-z][a-z0-9_]{0,63}$"))] Cow<'static, str>);

        impl $name {
            #[allow(dead_code)]
            const fn builtin(code: &'static str) -> $name {
                $name(Cow::Borrowed(code))
            }

            /// A code from its text, checking only the spelling.
            pub fn new(code: &str) -> Result<$name, String> {
                if is_code(code) {
                    Ok($name(Cow::Owned(code.to_string())))
                } else {
                    Err(format!(
                        concat!("`{}` is not ", $what, " code (lower-case letters, digits and `_`, at most 64)"),
                        code
                    ))
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                $name::new(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

fn is_code(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

code_type!(
    /// An object category (`health`, `education`, ...). Categories are data
    /// ([`crate::catalogue`]): the survey's 12 ship, and an administrator
    /// adds more from the dashboard.
    Category,
    "an object category"
);

impl Category {
    pub const GOVERNMENT: Category = Category::builtin("government");
    pub const HEALTH: Category = Category::builtin("health");
    pub const CULTURE: Category = Category::builtin("culture");
    pub const LEISURE: Category = Category::builtin("leisure");
    pub const EDUCATION: Category = Category::builtin("education");
    pub const TRADE_SERVICES: Category = Category::builtin("trade_services");
    pub const CATERING: Category = Category::builtin("catering");
    pub const TRANSPORT: Category = Category::builtin("transport");
    pub const SPORT: Category = Category::builtin("sport");
    pub const RELIGION: Category = Category::builtin("religion");
    pub const FINANCE: Category = Category::builtin("finance");
    pub const LODGING: Category = Category::builtin("lodging");
}

code_type!(
    /// A district or any other area an object lies in (`almaly`). Areas are
    /// data ([`crate::catalogue`]): the districts of Kazakhstan's cities of
    /// republican significance ship, and an NGO adds its own.
    District,
    "a district"
);

impl District {
    pub const ALATAU: District = District::builtin("alatau");
    pub const ALMALY: District = District::builtin("almaly");
    pub const AUEZOV: District = District::builtin("auezov");
    pub const BOSTANDYK: District = District::builtin("bostandyk");
    pub const ZHETYSU: District = District::builtin("zhetysu");
    pub const MEDEU: District = District::builtin("medeu");
    pub const NAURYZBAY: District = District::builtin("nauryzbay");
    pub const TURKSIB: District = District::builtin("turksib");
}

code_type!(
    /// A region or a city of republican significance (`almaty`, `akmola`),
    /// the level above districts ([`crate::catalogue`]).
    Region,
    "a region"
);

code_type!(
    /// The kind of an element (`ramp`, `door`, ...). Kinds are data, not code:
    /// every kind is a checklist in `schemas/checklists/` (or in
    /// `QADAM_CHECKLISTS_DIR`), which gives its fields and functional zone, so an
    /// NGO adds a kind by adding a file. A kind name is lower-case ASCII letters,
    /// digits and underscores; whether a kind is known is decided against the
    /// checklists a store was opened with (`Checklists::is_known`).
    ElementKind,
    "a kind"
);

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

/// A language of the UI, of checklists and of rule texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// Русский: the default, the language most auditors share.
    #[default]
    Ru,
    /// Қазақша.
    Kk,
    En,
}

impl Language {
    pub const ALL: [Language; 3] = [Language::Ru, Language::Kk, Language::En];
}

/// Text in the three UI languages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
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

/// The unit an auditor typed a measurement in, or a norm prints a limit in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
pub enum InputUnit {
    Mm,
    Cm,
    M,
    /// Inches (the unit the ADA's limits govern in).
    In,
    Percent,
    /// The N of 1:N.
    Ratio,
    Degrees,
    Permille,
    /// A whole count, no unit.
    Count,
}

/// A number with the unit it was typed in.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct Typed {
    pub value: f64,
    pub unit: InputUnit,
}

/// Functional zones of an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
pub enum Zone {
    Approach,
    Entrance,
    PathsInside,
    Service,
    Sanitary,
    Information,
}

impl Zone {
    /// Zones a visitor passes through to be served; the others (sanitary
    /// rooms, information) make an object partially accessible when they fail.
    pub fn on_path(self) -> bool {
        matches!(self, Zone::Approach | Zone::Entrance | Zone::PathsInside | Zone::Service)
    }
}

/// What a coordinator does with a submitted audit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
pub enum ReviewAction {
    /// Take the audit into review (others see someone is on it).
    StartReview,
    Approve,
    /// Send the audit back to its auditor; a comment says what to change.
    RequestChanges,
    /// Refuse the audit; a comment gives the reason.
    Reject,
}

/// Longest review comment, characters.
pub const MAX_COMMENT_CHARS: usize = 5_000;

/// A measured value: a flag, a whole number in the unit its field's name
/// says (`width_mm`, `slope_permille`), or a number in the unit it was typed
/// in (`{"value": 81.3, "unit": "cm"}`, `{"value": 12, "unit": "ratio"}` for
/// 1:12), kept as typed and converted exactly when judged.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(untagged)]
pub enum MeasuredValue {
    Flag(bool),
    Integer(u32),
    Typed(Typed),
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
    /// Where the campaign works (a city, a region), as the coordinator
    /// names it.
    #[serde(default)]
    pub region: String,
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
    /// The login of the auditor a coordinator assigned the object to, or
    /// [`TEAM_PREFIX`] and the id of the team it is assigned to.
    #[serde(default)]
    pub assignee: Option<String>,
    /// When the assigned audit is due (`YYYY-MM-DD`).
    #[serde(default)]
    pub due_on: Option<String>,
    /// The object a coordinator merged this one into (this one is then
    /// deleted): records a device sends later for this one follow it.
    #[serde(default)]
    pub merged_into: Option<Uuid>,
}

/// How an object's `assignee` names a team (`team:<id>`) rather than one
/// auditor's login: it is on the list of every auditor of the team.
pub const TEAM_PREFIX: &str = "team:";

/// Whether `s` is a calendar date `YYYY-MM-DD` (years 2000 to 2199).
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' || !digits(0..4) || !digits(5..7) || !digits(8..10) {
        return false;
    }
    let (y, m, d): (u32, u32, u32) =
        (s[0..4].parse().unwrap_or(0), s[5..7].parse().unwrap_or(0), s[8..10].parse().unwrap_or(0));
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0,
    };
    (2000..2200).contains(&y) && (1..=days).contains(&d)
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
    /// What the audit was judged by when it was sent: its rule set
    /// (`id@edition`) and its checklists' version
    /// ([`crate::checklist::Checklists::version`]).
    #[serde(default)]
    pub rule_set_version: Option<String>,
    #[serde(default)]
    pub checklists_version: Option<String>,
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
    /// The element of an earlier visit this one was pre-filled from (a
    /// re-audit starts from the last approved values).
    #[serde(default)]
    pub copied_from: Option<Uuid>,
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
    /// What the photo shows, in the auditor's words.
    #[serde(default)]
    pub caption: String,
    /// A coordinator chose to show it on the public page of an approved
    /// object (served there without any metadata). Only coordinators may
    /// set it.
    #[serde(default)]
    pub public: bool,
}

/// The field every record has: a tombstone.
pub const DELETED: &str = "deleted";

/// Builds a record of type `T` from its current fields, each value as the
/// JSON text a store keeps (`measurements.x` fields nest into a
/// `measurements` map; a null measurement is none). The record's JSON is
/// written once and read by `T`'s deserializer, without a
/// `serde_json::Value` per field. Each value must be one JSON value: a
/// stored value that is not is corrupt, never spliced in. The record's id
/// is `id`, whatever its fields say.
pub fn materialise_json<'a, T: serde::de::DeserializeOwned>(
    id: Uuid,
    fields: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<T, serde_json::Error> {
    let mut obj = String::with_capacity(512);
    let mut measurements = String::new();
    obj.push_str("{\"id\":\"");
    obj.push_str(&id.to_string());
    obj.push('"');
    for (field, value) in fields {
        let value = serde_json::from_str::<&serde_json::value::RawValue>(value)?.get();
        let (out, name) = match field.strip_prefix("measurements.") {
            Some(_) if value == "null" => continue,
            Some(name) => (&mut measurements, name),
            None if field == "id" || field == "measurements" => continue,
            None => (&mut obj, field),
        };
        out.push(',');
        out.push_str(&serde_json::to_string(name)?);
        out.push(':');
        out.push_str(value);
    }
    obj.push_str(",\"measurements\":{");
    obj.push_str(measurements.strip_prefix(',').unwrap_or(""));
    obj.push_str("}}");
    serde_json::from_str(&obj)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn materialise_nests_measurements() {
        let id = Uuid::now_v7();
        let e: Element = materialise_json(
            id,
            [
                ("kind", "\"ramp\""),
                ("measurements.rise_mm", "120"),
                ("measurements.run_mm", "null"),
                ("note", "\"west \\\"side\\\"\""),
                ("id", &json!(Uuid::now_v7()).to_string()),
            ],
        )
        .unwrap();
        let mut measurements = BTreeMap::new();
        measurements.insert("rise_mm".to_string(), MeasuredValue::Integer(120));
        let want = Element {
            id,
            kind: Some(ElementKind::RAMP),
            note: "west \"side\"".into(),
            measurements,
            ..serde_json::from_value(json!({ "id": id, "object_id": null, "audit_id": null, "kind": null })).unwrap()
        };
        assert_eq!(e, want);
        // A stored value that is not one JSON value cannot add a field.
        let spliced: Result<Element, _> = materialise_json(id, [("note", "\"a\", \"kind\": \"ramp\"")]);
        assert!(spliced.is_err());
    }

    #[test]
    fn distance_is_plausible() {
        let a = GeoPoint { lat_deg: 43.25, lon_deg: 76.9 };
        let b = GeoPoint { lat_deg: 43.26, lon_deg: 76.9 };
        let d = a.distance_m(&b);
        assert!((d - 1112.0).abs() < 5.0, "{d}");
    }
}
