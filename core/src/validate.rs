//! Which fields each record has and what values they accept: the one table
//! every change record passes before it is stored, on the device and on the
//! server. It sits above the plain types, the checklists (which measured
//! fields an element kind has) and units (their ranges).

use std::collections::BTreeMap;

use uuid::Uuid;

use crate::checklist::Checklists;
use crate::error::ModelError;
use crate::model::*;

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

/// Checks that `field` exists on `entity` and that `value` is acceptable for
/// it, measurements against `lists`. `null` clears an optional field or a
/// measurement.
pub fn validate_field(
    lists: &Checklists,
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
        (Campaign, "region") => text(field, value, 300),
        (Photo, "caption") => text(field, value, 500),
        (Campaign, "synthetic") | (Object, "synthetic") | (Photo, "public") => {
            parse::<bool>(field, value, "true or false").map(|_| ())
        }
        (Object, "campaign_id")
        | (Audit, "campaign_id")
        | (Audit, "object_id")
        | (Element, "object_id")
        | (Element, "audit_id")
        | (Photo, "subject_id")
        | (Photo, "object_id") => parse::<Uuid>(field, value, "a UUID").map(|_| ()),
        // Which codes are defined is the catalogue's (`Catalogue::check_change`).
        (Object, "category") => parse::<Option<Category>>(field, value, "an object category's code").map(|_| ()),
        (Object, "district") => parse::<Option<District>>(field, value, "a district's code").map(|_| ()),
        (Object, "address") | (Audit, "auditor") => text(field, value, 500),
        (Audit, "rule_set_version") | (Audit, "checklists_version") => text(field, value, 200),
        (Object, "assignee") => match parse::<Option<String>>(field, value, "an account's login or null")? {
            Some(login) if login.trim().is_empty() || login.chars().count() > 100 => {
                Err(ModelError::invalid(field, "a login is 1 to 100 characters"))
            }
            _ => Ok(()),
        },
        (Object, "merged_into") => parse::<Option<Uuid>>(field, value, "an object's id or null").map(|_| ()),
        (Object, "due_on") => match parse::<Option<String>>(field, value, "a date YYYY-MM-DD or null")? {
            Some(d) if !is_date(&d) => Err(ModelError::invalid(field, format!("`{d}` is not a date YYYY-MM-DD"))),
            _ => Ok(()),
        },
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
        (Review, "element_id") | (Element, "serves") | (Element, "copied_from") => {
            parse::<Option<Uuid>>(field, value, "a UUID or null").map(|_| ())
        }
        (Review, "action") => {
            parse::<ReviewAction>(field, value, "start_review, approve, request_changes or reject").map(|_| ())
        }
        (Review, "from_status") | (Review, "to_status") => {
            parse::<AuditStatus>(field, value, "an audit status").map(|_| ())
        }
        (Review, "comment") => text(field, value, MAX_COMMENT_CHARS),
        (Review, "reviewer") => text(field, value, 300),
        (Review, "statuses") => {
            parse::<Option<BTreeMap<crate::rules::DisabilityCategory, crate::rules::CategoryStatus>>>(
                field,
                value,
                "statuses by disability category",
            )
            .map(|_| ())
        }
        (Review, "failed_rules") => parse::<Option<Vec<String>>>(field, value, "a list of rule ids").map(|_| ()),
        (Review, "at_ms") => parse::<i64>(field, value, "unix milliseconds").map(|_| ()),
        (Element, "kind") => {
            let kind = parse::<ElementKind>(field, value, "an element kind")?;
            if lists.is_known(&kind) {
                Ok(())
            } else {
                let known: Vec<String> = lists.kinds().map(|k| k.to_string()).collect();
                Err(ModelError::invalid(
                    field,
                    format!("no checklist defines the element kind `{kind}`; known kinds: {}", known.join(", ")),
                ))
            }
        }
        (Element, m) if m.starts_with("measurements.") => {
            let name = &m["measurements.".len()..];
            validate_measurement(lists, field, name, value, element_kind)
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
    lists: &Checklists,
    field: &str,
    name: &str,
    value: &serde_json::Value,
    element_kind: Option<&ElementKind>,
) -> Result<(), ModelError> {
    let known = lists
        .kinds()
        .filter(|k| element_kind.is_none_or(|ek| ek == *k))
        .flat_map(|k| lists.fields(k))
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lists() -> Checklists {
        Checklists::builtin()
    }

    #[test]
    fn unknown_field_is_refused_by_name() {
        let e = validate_field(&lists(), EntityKind::Object, "colour", &json!("red"), None).unwrap_err();
        assert_eq!(e.field(), Some("colour"));
        assert!(e.to_string().contains("colour"));
    }

    #[test]
    fn impossible_gps_is_refused() {
        let bad = json!({"lat_deg": 123.0, "lon_deg": 76.9});
        let e = validate_field(&lists(), EntityKind::Object, "location", &bad, None).unwrap_err();
        assert!(e.to_string().contains("impossible GPS"), "{e}");
        let good = json!({"lat_deg": 43.25, "lon_deg": 76.9});
        validate_field(&lists(), EntityKind::Object, "location", &good, None).unwrap();
    }

    #[test]
    fn measurements_are_typed_and_bounded() {
        let k = Some(&ElementKind::RAMP);
        validate_field(&lists(), EntityKind::Element, "measurements.rise_mm", &json!(150), k).unwrap();
        assert!(validate_field(&lists(), EntityKind::Element, "measurements.rise_mm", &json!(-1), k).is_err());
        assert!(validate_field(&lists(), EntityKind::Element, "measurements.rise_mm", &json!(100_001), k).is_err());
        assert!(validate_field(&lists(), EntityKind::Element, "measurements.rise_mm", &json!("1m"), k).is_err());
        // Kept as typed: a length in cm, a slope as 1:N; never a slope as a length.
        validate_field(&lists(), EntityKind::Element, "measurements.rise_mm", &json!({"value": 81.3, "unit": "cm"}), k)
            .unwrap();
        validate_field(
            &lists(),
            EntityKind::Element,
            "measurements.cross_slope_permille",
            &json!({"value": 48, "unit": "ratio"}),
            k,
        )
        .unwrap();
        let e = validate_field(
            &lists(),
            EntityKind::Element,
            "measurements.rise_mm",
            &json!({"value": 12, "unit": "ratio"}),
            k,
        )
        .unwrap_err();
        assert!(e.to_string().contains("a length cannot be given in Ratio"), "{e}");
        assert!(validate_field(
            &lists(),
            EntityKind::Element,
            "measurements.rise_mm",
            &json!({"value": 1, "unit": "cm", "x": 1}),
            k
        )
        .is_err());
        assert!(validate_field(
            &lists(),
            EntityKind::Element,
            "measurements.rise_mm",
            &json!({"value": 101, "unit": "m"}),
            k
        )
        .is_err());
        // A door field is not a ramp field.
        assert!(validate_field(&lists(), EntityKind::Element, "measurements.threshold_mm", &json!(10), k).is_err());
        validate_field(
            &lists(),
            EntityKind::Element,
            "measurements.has_step",
            &json!(true),
            Some(&ElementKind::ENTRANCE),
        )
        .unwrap();
    }
}
