//! Unit conversions at the edge. Qadam stores lengths as whole millimetres
//! and slopes as whole per mille; auditors may type lengths in mm, cm or m
//! and slopes as per cent, a ratio 1:N or degrees. These functions turn what
//! was typed into stored units and back for display.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::ModelError;
use crate::model::{MAX_LENGTH_MM, MAX_SLOPE_PERMILLE};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
pub enum LengthUnit {
    Mm,
    Cm,
    M,
}

impl LengthUnit {
    fn mm_per_unit(self) -> f64 {
        match self {
            LengthUnit::Mm => 1.0,
            LengthUnit::Cm => 10.0,
            LengthUnit::M => 1000.0,
        }
    }
}

/// How a slope was given.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(tag = "as", content = "value", rename_all = "snake_case")]
pub enum SlopeInput {
    /// Per cent (8.33 for 1:12).
    Percent(f64),
    /// The N of a ratio 1:N (12 for 1:12).
    Ratio(f64),
    /// Degrees from the horizontal.
    Degrees(f64),
    /// Per mille.
    Permille(f64),
}

/// A typed length in whole millimetres (rounded), within the accepted range.
pub fn length_to_mm(value: f64, unit: LengthUnit, field: &str) -> Result<u32, ModelError> {
    let mm = (value * unit.mm_per_unit()).round();
    if !mm.is_finite() || mm < 0.0 || mm > f64::from(MAX_LENGTH_MM) {
        return Err(ModelError::invalid(field, format!("{value} {unit:?} is outside 0 to {MAX_LENGTH_MM} mm")));
    }
    Ok(mm as u32)
}

/// A stored length shown in another unit.
pub fn mm_to_length(mm: u32, unit: LengthUnit) -> f64 {
    f64::from(mm) / unit.mm_per_unit()
}

/// The exact slope of a slope input, in per mille (not rounded).
pub fn slope_permille_exact(input: SlopeInput) -> Option<f64> {
    let p = match input {
        SlopeInput::Percent(p) => p * 10.0,
        SlopeInput::Ratio(n) if n > 0.0 => 1000.0 / n,
        SlopeInput::Ratio(_) => return None,
        SlopeInput::Degrees(d) if (0.0..90.0).contains(&d) => d.to_radians().tan() * 1000.0,
        SlopeInput::Degrees(_) => return None,
        SlopeInput::Permille(p) => p,
    };
    p.is_finite().then_some(p)
}

/// A typed slope in whole per mille, rounded **up** so that a slope is never
/// reported gentler than measured, within the accepted range.
pub fn slope_to_permille(input: SlopeInput, field: &str) -> Result<u32, ModelError> {
    let p =
        slope_permille_exact(input).ok_or_else(|| ModelError::invalid(field, format!("{input:?} is not a slope")))?;
    let rounded = (p - 1e-9).ceil().max(0.0);
    if p < 0.0 || rounded > f64::from(MAX_SLOPE_PERMILLE) {
        return Err(ModelError::invalid(
            field,
            format!("{input:?} is {p:.1} ‰; slopes from 0 to {MAX_SLOPE_PERMILLE} ‰ (45°) are accepted"),
        ));
    }
    Ok(rounded as u32)
}

/// A per-mille slope shown as per cent, 1:N and degrees.
pub fn permille_as(permille: f64) -> (f64, Option<f64>, f64) {
    let percent = permille / 10.0;
    let ratio = (permille > 0.0).then(|| 1000.0 / permille);
    let degrees = (permille / 1000.0).atan().to_degrees();
    (percent, ratio, degrees)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn common_values() {
        assert_eq!(length_to_mm(1.2, LengthUnit::M, "w").unwrap(), 1200);
        assert_eq!(length_to_mm(91.5, LengthUnit::Cm, "w").unwrap(), 915);
        assert!(length_to_mm(-1.0, LengthUnit::Mm, "w").is_err());
        assert!(length_to_mm(101.0, LengthUnit::M, "w").is_err());
        assert_eq!(slope_to_permille(SlopeInput::Ratio(12.0), "s").unwrap(), 84);
        assert_eq!(slope_to_permille(SlopeInput::Ratio(20.0), "s").unwrap(), 50);
        assert_eq!(slope_to_permille(SlopeInput::Percent(5.0), "s").unwrap(), 50);
        assert_eq!(slope_to_permille(SlopeInput::Degrees(45.0), "s").unwrap(), 1000);
        // A ramp's slope cannot be 300 %.
        assert!(slope_to_permille(SlopeInput::Percent(300.0), "s").unwrap_err().to_string().contains("45°"));
        assert!(slope_to_permille(SlopeInput::Ratio(0.0), "s").is_err());
    }

    proptest! {
        #[test]
        fn lengths_round_trip_through_every_unit(mm in 0u32..=MAX_LENGTH_MM) {
            for unit in [LengthUnit::Mm, LengthUnit::Cm, LengthUnit::M] {
                prop_assert_eq!(length_to_mm(mm_to_length(mm, unit), unit, "x").unwrap(), mm);
            }
        }

        #[test]
        fn slopes_round_trip_through_percent_ratio_and_degrees(p in 1u32..=MAX_SLOPE_PERMILLE) {
            let (percent, ratio, degrees) = permille_as(f64::from(p));
            prop_assert_eq!(slope_to_permille(SlopeInput::Percent(percent), "s").unwrap(), p);
            prop_assert_eq!(slope_to_permille(SlopeInput::Ratio(ratio.unwrap()), "s").unwrap(), p);
            prop_assert_eq!(slope_to_permille(SlopeInput::Degrees(degrees), "s").unwrap(), p);
        }

        #[test]
        fn rounding_never_makes_a_slope_gentler(n in 1.0f64..100.0) {
            let exact = slope_permille_exact(SlopeInput::Ratio(n)).unwrap();
            let stored = slope_to_permille(SlopeInput::Ratio(n), "s");
            if let Ok(stored) = stored {
                prop_assert!(f64::from(stored) >= exact - 1e-6);
            }
        }
    }
}

/// The unit an auditor typed a measurement in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
pub enum InputUnit {
    Mm,
    Cm,
    M,
    Percent,
    /// The N of 1:N.
    Ratio,
    Degrees,
    Permille,
    /// A whole count, no unit.
    Count,
}

/// One typed measurement: a number and its unit, or a flag.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(untagged)]
pub enum TypedMeasurement {
    Flag(bool),
    Number { value: f64, unit: InputUnit },
}

/// Converts what was typed into the stored value of field `name` of an
/// element of `kind`: lengths to whole mm, slopes to whole ‰.
pub fn normalize(
    kind: &crate::model::ElementKind,
    name: &str,
    typed: TypedMeasurement,
) -> Result<crate::model::MeasuredValue, ModelError> {
    use crate::model::{MeasuredValue, MeasurementType};
    let field = format!("measurements.{name}");
    let spec = kind
        .measurements()
        .iter()
        .find(|s| s.name == name)
        .ok_or_else(|| ModelError::UnknownField { entity: "element".into(), field: field.clone() })?;
    match (spec.kind, typed) {
        (MeasurementType::Flag, TypedMeasurement::Flag(b)) => Ok(MeasuredValue::Flag(b)),
        (MeasurementType::LengthMm, TypedMeasurement::Number { value, unit }) => {
            let unit = match unit {
                InputUnit::Mm => LengthUnit::Mm,
                InputUnit::Cm => LengthUnit::Cm,
                InputUnit::M => LengthUnit::M,
                other => return Err(ModelError::invalid(&field, format!("a length cannot be given in {other:?}"))),
            };
            length_to_mm(value, unit, &field).map(MeasuredValue::Integer)
        }
        (MeasurementType::Permille, TypedMeasurement::Number { value, unit }) => {
            let input = match unit {
                InputUnit::Percent => SlopeInput::Percent(value),
                InputUnit::Ratio => SlopeInput::Ratio(value),
                InputUnit::Degrees => SlopeInput::Degrees(value),
                InputUnit::Permille => SlopeInput::Permille(value),
                other => return Err(ModelError::invalid(&field, format!("a slope cannot be given in {other:?}"))),
            };
            slope_to_permille(input, &field).map(MeasuredValue::Integer)
        }
        (MeasurementType::Count, TypedMeasurement::Number { value, .. }) => {
            if value.fract() != 0.0 || !(0.0..=f64::from(u32::MAX)).contains(&value) {
                return Err(ModelError::invalid(&field, format!("{value} is not a whole count")));
            }
            Ok(MeasuredValue::Integer(value as u32))
        }
        (MeasurementType::Flag, _) => Err(ModelError::invalid(&field, "expected yes or no")),
        (_, TypedMeasurement::Flag(_)) => Err(ModelError::invalid(&field, "expected a number")),
    }
}
