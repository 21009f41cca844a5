//! Units at the edge. A measurement is stored as it was typed: its number
//! and its unit (`81.3 cm`, `1:12`, `8.33 %`, `4.76°`), or as a whole number
//! in the field's own unit (`width_mm`, `slope_permille`) when it was typed
//! in that unit. Nothing is rounded on the way in. Rules compare the exact
//! value in the field's base unit (mm, ‰) with a limit written in the unit
//! its norm prints (see [`Limit`]), with the one tolerance [`TOLERANCE`].

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::ModelError;
pub use crate::model::{InputUnit, Typed};
use crate::model::{MeasuredValue, MeasurementType, MAX_LENGTH_MM, MAX_SLOPE_PERMILLE};

/// The only slack of a comparison, in the base unit (mm or ‰): it absorbs
/// floating-point error (1:12 is 83.333… ‰ whichever way it was typed) and
/// nothing else, so a value one typed step past a limit fails.
pub const TOLERANCE: f64 = 1e-6;

/// Millimetres in an inch (exact, by definition).
pub const MM_PER_INCH: f64 = 25.4;

/// What a unit measures; a field's type says which it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    Length,
    Slope,
    Count,
}

impl InputUnit {
    pub const ALL: [InputUnit; 9] = [
        InputUnit::Mm,
        InputUnit::Cm,
        InputUnit::M,
        InputUnit::In,
        InputUnit::Percent,
        InputUnit::Ratio,
        InputUnit::Degrees,
        InputUnit::Permille,
        InputUnit::Count,
    ];

    pub fn dimension(self) -> Dimension {
        match self {
            InputUnit::Mm | InputUnit::Cm | InputUnit::M | InputUnit::In => Dimension::Length,
            InputUnit::Percent | InputUnit::Ratio | InputUnit::Degrees | InputUnit::Permille => Dimension::Slope,
            InputUnit::Count => Dimension::Count,
        }
    }

    /// The exact value in the base unit (mm, ‰ or a count); `None` when
    /// the number means nothing in this unit (1:0, 90°, not finite).
    pub fn to_base(self, v: f64) -> Option<f64> {
        let b = match self {
            InputUnit::Mm | InputUnit::Permille | InputUnit::Count => v,
            InputUnit::Cm => v * 10.0,
            InputUnit::M => v * 1000.0,
            InputUnit::In => v * MM_PER_INCH,
            InputUnit::Percent => v * 10.0,
            InputUnit::Ratio if v > 0.0 => 1000.0 / v,
            InputUnit::Ratio => return None,
            InputUnit::Degrees if (0.0..90.0).contains(&v) => v.to_radians().tan() * 1000.0,
            InputUnit::Degrees => return None,
        };
        b.is_finite().then_some(b)
    }

    /// A base value (mm, ‰) in this unit; `None` for a level slope as 1:N.
    pub fn from_base(self, b: f64) -> Option<f64> {
        let v = match self {
            InputUnit::Mm | InputUnit::Permille | InputUnit::Count => b,
            InputUnit::Cm => b / 10.0,
            InputUnit::M => b / 1000.0,
            InputUnit::In => b / MM_PER_INCH,
            InputUnit::Percent => b / 10.0,
            InputUnit::Ratio if b > 0.0 => 1000.0 / b,
            InputUnit::Ratio => return None,
            InputUnit::Degrees => (b / 1000.0).atan().to_degrees(),
        };
        v.is_finite().then_some(v)
    }

    /// The unit's symbol after a number (a ratio is written `1:N` instead).
    pub fn symbol(self) -> &'static str {
        match self {
            InputUnit::Mm => "mm",
            InputUnit::Cm => "cm",
            InputUnit::M => "m",
            InputUnit::In => "in",
            InputUnit::Percent => "%",
            InputUnit::Ratio => "",
            InputUnit::Degrees => "°",
            InputUnit::Permille => "‰",
            InputUnit::Count => "",
        }
    }

    fn from_symbol(s: &str) -> Option<InputUnit> {
        Some(match s {
            "mm" => InputUnit::Mm,
            "cm" => InputUnit::Cm,
            "m" => InputUnit::M,
            "in" => InputUnit::In,
            "%" => InputUnit::Percent,
            "°" => InputUnit::Degrees,
            "‰" => InputUnit::Permille,
            _ => return None,
        })
    }
}

impl Dimension {
    /// The dimension a field of this type holds (flags hold none).
    pub fn of(t: MeasurementType) -> Option<Dimension> {
        match t {
            MeasurementType::LengthMm => Some(Dimension::Length),
            MeasurementType::Permille => Some(Dimension::Slope),
            MeasurementType::Count => Some(Dimension::Count),
            MeasurementType::Flag => None,
        }
    }
}

impl Typed {
    /// The exact value in the base unit (mm, ‰, count).
    pub fn base(&self) -> Option<f64> {
        self.unit.to_base(self.value)
    }

    /// As typed, e.g. `81.3 cm`, `1:12`, `4.76°`.
    pub fn as_typed(&self) -> String {
        let n = trim_number(self.value);
        match self.unit {
            InputUnit::Ratio => format!("1:{n}"),
            InputUnit::Count => n,
            InputUnit::Degrees | InputUnit::Percent | InputUnit::Permille => format!("{n}{}", space(self.unit)),
            u => format!("{n} {}", u.symbol()),
        }
    }
}

fn space(u: InputUnit) -> String {
    match u {
        InputUnit::Degrees => "°".into(),
        u => format!(" {}", u.symbol()),
    }
}

/// A slope in per mille as per cent, to 0.01 %: `12.5 %`.
pub fn percent_text(permille: f64) -> String {
    format!("{} %", trim_number((permille / 10.0 * 100.0).round() / 100.0))
}

/// A slope in per mille as `1:N (x %)`, N to 0.1 (a level slope is `0 %`).
pub fn slope_text(permille: f64) -> String {
    if permille > 0.0 {
        format!("1:{} ({})", trim_number((1000.0 / permille * 10.0).round() / 10.0), percent_text(permille))
    } else {
        percent_text(0.0)
    }
}

/// A number without trailing zeros (at most 4 decimals).
pub fn trim_number(v: f64) -> String {
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// A rule's limit as its norm prints it: `"0,9 m"`, `"32 in"`, `"1:12"`,
/// `"5 %"`, or a bare number in the quantity's base unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limit {
    /// Exact, in the base unit (mm, ‰, count).
    pub base: f64,
    /// `None` for a bare number (any dimension).
    pub dimension: Option<Dimension>,
    /// The unit it was written in, if any.
    pub unit: Option<InputUnit>,
    /// The number as written (for a ratio, its N).
    pub value: f64,
}

impl Limit {
    pub fn parse(s: &str) -> Result<Limit, String> {
        let t = s.trim();
        let num = |x: &str| -> Result<f64, String> {
            x.trim().replace(',', ".").parse::<f64>().map_err(|_| format!("`{s}` is not a number with a unit"))
        };
        if let Some((a, b)) = t.split_once(':') {
            let (a, b) = (num(a)?, num(b)?);
            if a <= 0.0 || b <= 0.0 {
                return Err(format!("`{s}` is not a ratio like 1:12"));
            }
            let n = b / a;
            return Ok(Limit {
                base: 1000.0 / n,
                dimension: Some(Dimension::Slope),
                unit: Some(InputUnit::Ratio),
                value: n,
            });
        }
        let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ',' || c == '-')).unwrap_or(t.len());
        let (n, u) = t.split_at(split);
        let value = num(n)?;
        let u = u.trim();
        if u.is_empty() {
            return Ok(Limit { base: value, dimension: None, unit: None, value });
        }
        let unit = InputUnit::from_symbol(u)
            .ok_or_else(|| format!("`{s}`: unknown unit `{u}` (mm, cm, m, in, %, °, ‰ or 1:N)"))?;
        let base = unit.to_base(value).ok_or_else(|| format!("`{s}` is not a possible value"))?;
        Ok(Limit { base, dimension: Some(unit.dimension()), unit: Some(unit), value })
    }
}

/// One typed measurement: a number and its unit, or a flag.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(untagged)]
pub enum TypedMeasurement {
    Flag(bool),
    Number { value: f64, unit: InputUnit },
}

/// The exact value of a stored measurement in its field's base unit,
/// checked against the field's type and range. `field` names it in errors.
pub fn checked_base(
    spec: &crate::checklist::ChecklistField,
    v: &MeasuredValue,
    field: &str,
) -> Result<f64, ModelError> {
    let dim = Dimension::of(spec.kind);
    let base = match (v, dim) {
        (MeasuredValue::Flag(b), None) => return Ok(f64::from(u8::from(*b))),
        (MeasuredValue::Flag(_), Some(_)) => return Err(ModelError::invalid(field, "expected a number")),
        (_, None) => return Err(ModelError::invalid(field, "expected yes or no")),
        (MeasuredValue::Integer(n), Some(_)) => f64::from(*n),
        (MeasuredValue::Typed(t), Some(d)) => {
            if t.unit.dimension() != d {
                let what = match d {
                    Dimension::Length => "a length",
                    Dimension::Slope => "a slope",
                    Dimension::Count => "a count",
                };
                return Err(ModelError::invalid(field, format!("{what} cannot be given in {:?}", t.unit)));
            }
            t.base().ok_or_else(|| ModelError::invalid(field, format!("{} is not a possible value", t.as_typed())))?
        }
    };
    let (lo, hi, unit, cap) = match dim {
        Some(Dimension::Length) => (spec.min.unwrap_or(0), spec.max.unwrap_or(MAX_LENGTH_MM), "mm", MAX_LENGTH_MM),
        Some(Dimension::Slope) => {
            (spec.min.unwrap_or(0), spec.max.unwrap_or(MAX_SLOPE_PERMILLE), "‰", MAX_SLOPE_PERMILLE)
        }
        _ => (spec.min.unwrap_or(0), spec.max.unwrap_or(u32::MAX), "", u32::MAX),
    };
    if dim == Some(Dimension::Count) {
        if let MeasuredValue::Typed(t) = v {
            if t.value.fract() != 0.0 {
                return Err(ModelError::invalid(field, format!("{} is not a whole count", t.value)));
            }
        }
    }
    let hi = hi.min(cap);
    if base < f64::from(lo) - TOLERANCE || base > f64::from(hi) + TOLERANCE {
        let shown = match v {
            MeasuredValue::Typed(t) => format!("{} ({} {unit})", t.as_typed(), trim_number(base)),
            _ => format!("{} {unit}", trim_number(base)),
        };
        let why = if dim == Some(Dimension::Slope) && base > f64::from(MAX_SLOPE_PERMILLE) {
            format!("; slopes from 0 to {MAX_SLOPE_PERMILLE} ‰ (45°) are accepted")
        } else {
            String::new()
        };
        return Err(ModelError::invalid(
            field,
            format!("{} is outside the accepted {lo} to {hi} {unit}{why}", shown.trim_end()),
        ));
    }
    Ok(base)
}

/// Converts what was typed into the stored value of field `name` of an
/// element whose checklist has `fields`: kept as typed, checked against the field's range.
/// A whole number typed in the field's own unit is stored as that number.
pub fn normalize(
    fields: &[crate::checklist::ChecklistField],
    name: &str,
    typed: TypedMeasurement,
) -> Result<MeasuredValue, ModelError> {
    let field = format!("measurements.{name}");
    let spec = fields
        .iter()
        .find(|s| s.name == name)
        .ok_or_else(|| ModelError::UnknownField { entity: "element".into(), field: field.clone() })?;
    let value = match typed {
        TypedMeasurement::Flag(b) => MeasuredValue::Flag(b),
        TypedMeasurement::Number { value, unit } => {
            let own = matches!(
                (spec.kind, unit),
                (MeasurementType::LengthMm, InputUnit::Mm)
                    | (MeasurementType::Permille, InputUnit::Permille)
                    | (MeasurementType::Count, InputUnit::Count)
            );
            if own && value.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&value) {
                MeasuredValue::Integer(value as u32)
            } else if spec.kind == MeasurementType::Count {
                return Err(ModelError::invalid(&field, format!("{value} is not a whole count")));
            } else {
                MeasuredValue::Typed(Typed { value, unit })
            }
        }
    };
    checked_base(spec, &value, &field)?;
    Ok(value)
}

/// A stored value as it was typed, and in the field's base unit when that
/// differs: `1:8 (12.5 %)`, `81.3 cm`, `900 mm`.
pub fn display(kind: MeasurementType, v: &MeasuredValue) -> String {
    match (kind, v) {
        (_, MeasuredValue::Flag(b)) => {
            if *b {
                "yes".into()
            } else {
                "no".into()
            }
        }
        (MeasurementType::LengthMm, MeasuredValue::Integer(n)) => format!("{n} mm"),
        (MeasurementType::Permille, MeasuredValue::Integer(n)) => {
            format!("{} % ({n} ‰)", trim_number(f64::from(*n) / 10.0))
        }
        (_, MeasuredValue::Integer(n)) => n.to_string(),
        (MeasurementType::Permille, MeasuredValue::Typed(t)) if t.unit != InputUnit::Percent => {
            let pct = t.base().map(percent_text).unwrap_or_default();
            format!("{} ({pct})", t.as_typed())
        }
        (MeasurementType::LengthMm, MeasuredValue::Typed(t)) if t.unit != InputUnit::Mm => {
            let mm = t.base().map(trim_number).unwrap_or_default();
            format!("{} ({mm} mm)", t.as_typed())
        }
        (_, MeasuredValue::Typed(t)) => t.as_typed(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn typed_values_convert_exactly() {
        let t = |value, unit| Typed { value, unit }.base().unwrap();
        assert_eq!(t(81.3, InputUnit::Cm), 813.0);
        assert_eq!(t(1.2, InputUnit::M), 1200.0);
        assert_eq!(t(32.0, InputUnit::In), 812.8);
        assert!((t(12.0, InputUnit::Ratio) - 1000.0 / 12.0).abs() < 1e-12);
        assert!((t(45.0, InputUnit::Degrees) - 1000.0).abs() < 1e-9);
        assert_eq!(Typed { value: 0.0, unit: InputUnit::Ratio }.base(), None);
        assert_eq!(Typed { value: 90.0, unit: InputUnit::Degrees }.base(), None);
        assert_eq!(Typed { value: 8.0, unit: InputUnit::Ratio }.as_typed(), "1:8");
        assert_eq!(Typed { value: 81.3, unit: InputUnit::Cm }.as_typed(), "81.3 cm");
        assert_eq!(Typed { value: 4.76, unit: InputUnit::Degrees }.as_typed(), "4.76°");
        assert_eq!(
            display(MeasurementType::Permille, &MeasuredValue::Typed(Typed { value: 8.0, unit: InputUnit::Ratio })),
            "1:8 (12.5 %)"
        );
    }

    #[test]
    fn limits_parse_as_the_norm_prints_them() {
        let l = |s| Limit::parse(s).unwrap();
        assert_eq!(l("0,9 m").base, 900.0);
        assert_eq!(l("32 in").base, 812.8);
        assert_eq!(l("5 %").base, 50.0);
        assert_eq!(l("1:12").value, 12.0);
        assert!((l("1:12").base - 83.333_333_333).abs() < 1e-6);
        assert_eq!(l("14").dimension, None);
        assert!(Limit::parse("3 ft").unwrap_err().contains("unknown unit"));
        assert!(Limit::parse("1:0").is_err());
    }

    proptest! {
        #[test]
        fn every_unit_round_trips(unit in prop::sample::select(InputUnit::ALL.to_vec()), base in 0.001f64..1000.0) {
            let v = unit.from_base(base).unwrap();
            let back = unit.to_base(v).unwrap();
            prop_assert!((back - base).abs() <= base * 1e-12 + 1e-12, "{unit:?}: {base} -> {v} -> {back}");
        }

        #[test]
        fn a_typed_value_is_never_rounded(unit in prop::sample::select(vec![InputUnit::Percent, InputUnit::Ratio, InputUnit::Degrees, InputUnit::Cm, InputUnit::M, InputUnit::In]), v in 0.01f64..40.0) {
            let kind = match unit.dimension() { Dimension::Slope => crate::model::ElementKind::RAMP, _ => crate::model::ElementKind::DOOR };
            let field = match unit.dimension() { Dimension::Slope => "cross_slope_permille", _ => "clear_width_mm" };
            let stored = normalize(crate::checklist::Checklists::builtin().fields(&kind), field, TypedMeasurement::Number { value: v, unit });
            // Refused only outside the field's range, never rounded.
            match stored {
                Ok(MeasuredValue::Typed(t)) => prop_assert_eq!(t, Typed { value: v, unit }),
                Ok(other) => prop_assert!(false, "stored as {other:?}"),
                Err(e) => {
                    let max = if unit.dimension() == Dimension::Slope { 1000.0 } else { 5000.0 };
                    prop_assert!(unit.to_base(v).is_none_or(|b| b > max), "{e}");
                }
            }
        }
    }
}
