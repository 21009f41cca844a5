//! The norms engine: pure functions from measurements to verdicts. A rule
//! set is data (`schemas/rules/*.json`): each rule names the element kind,
//! the fields it reads, when it applies, the check, the required value, the
//! disability categories a failure affects and how, and the clause it comes
//! from. [`evaluate`] gives one result per rule and element, then
//! aggregates them per functional zone and per category by the regional
//! passport method (see `schemas/rules/README.md`). No I/O.

mod aggregate;
mod ruleset;

use std::collections::BTreeMap;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

pub use aggregate::{aggregate, CategoryStatus, Evidence, MapStatus, ObjectVerdict, ZoneVerdict};
pub use ruleset::{
    builtin, builtin_ids, Check, Condition, Effect, Localized, Op, Rule, RuleSet, RuleSetError, RuleSetInfo, Severity,
    Source, ZoneRequirement,
};

use crate::checklist::{ChecklistField, Checklists};
use crate::model::{Element, ElementKind, MeasuredValue, Object};

/// The rule set of campaigns that name none: Kazakhstan's.
pub const DEFAULT_RULE_SET: &str = "kz-sp-3.06-101-2012";

/// Disability categories of the regional passport method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema, TS)]
pub enum DisabilityCategory {
    /// К: wheelchair users.
    K,
    /// О: other musculoskeletal impairments.
    O,
    /// С: vision.
    S,
    /// Г: hearing.
    G,
    /// У: intellectual impairments.
    U,
}

impl DisabilityCategory {
    pub const ALL: [DisabilityCategory; 5] = [
        DisabilityCategory::K,
        DisabilityCategory::O,
        DisabilityCategory::S,
        DisabilityCategory::G,
        DisabilityCategory::U,
    ];
}

pub use crate::model::Zone;

/// What one rule said about one element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    Fail,
    /// A field the rule reads has no value yet.
    NotMeasured,
    /// The rule's condition does not hold for this element.
    NotApplicable,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct RuleResult {
    pub rule_id: Arc<str>,
    /// What the rule checks, in the three UI languages.
    pub title: Arc<Localized>,
    pub element_id: Uuid,
    pub outcome: Outcome,
    /// The quantity the check compared, in the rule's unit.
    pub measured: Option<f64>,
    pub required: Arc<str>,
    pub unit: Arc<str>,
    /// Fields that would settle a `not_measured` result.
    pub missing: Vec<String>,
    pub clause: Arc<str>,
    pub document: Arc<str>,
    pub affects: Arc<BTreeMap<DisabilityCategory, Effect>>,
    pub severity: Severity,
    pub fix: Arc<Localized>,
    /// A recommendation: shown, never changes a status.
    pub advisory: bool,
    /// The clause number is inferred, not printed in the norm's text.
    pub clause_inferred: bool,
    /// The measured value as typed (`1:8 (12.5 %)`), for a single field.
    pub measured_as_typed: Option<String>,
}

/// An object with its elements, the input of `qadam-server evaluate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct EvaluationInput {
    pub object: Object,
    pub elements: Vec<Element>,
}

/// A measured field as an exact number in its base unit (flags are 1 or 0).
fn field_value(e: &Element, name: &str) -> Option<f64> {
    e.measurements.get(name).and_then(|v| match v {
        MeasuredValue::Flag(b) => Some(f64::from(u8::from(*b))),
        MeasuredValue::Integer(n) => Some(f64::from(*n)),
        MeasuredValue::Typed(t) => t.base(),
    })
}

/// A measured field as the auditor typed it (`1:8 (12.5 %)`, `81.3 cm`), a
/// slope from rise and run as `1:N (x %)`; `None` for a quantity that is no
/// field (a count rule) or an unmeasured field.
pub fn as_typed(e: &Element, fields: &[ChecklistField], name: &str) -> Option<String> {
    let spec = fields.iter().find(|f| f.name == name)?;
    let inputs = inputs_of(fields, name);
    if inputs.len() > 1 && inputs.iter().filter(|i| **i != name).all(|i| field_value(e, i).is_some()) {
        // Derived from rise and run: shown as 1:N and per cent.
        return quantity(e, fields, name).ok().map(crate::units::slope_text);
    }
    e.measurements.get(name).map(|v| crate::units::display(spec.kind, v))
}

/// Quantities derived from several fields, on kinds that have those fields
/// (a ramp's slope from its rise and run; a path's slope is only measured).
pub const DERIVED: &[(&str, &[&str])] = &[
    ("slope_permille", &["rise_mm", "run_mm", "slope_permille"]),
    ("accessible_spaces_shortfall", &["accessible_spaces", "total_spaces"]),
    ("listening_seat_share", &["listening_seats", "hall_seats"]),
];

/// Accessible parking spaces a car park of `total` needs under СП РК
/// 3.06-101 4.3.1.6: one up to 10 spaces, else 10 %, a fraction of 0.5 or
/// more rounded up.
pub fn required_accessible_spaces(total: f64) -> f64 {
    if total <= 0.0 {
        0.0
    } else if total <= 10.0 {
        1.0
    } else {
        (total / 10.0 + 0.5).floor().max(1.0)
    }
}

/// The fields a quantity is computed from on elements whose checklist has
/// `fields`: the inputs of a derived quantity when the kind has them all,
/// else the field itself.
pub fn inputs_of<'a>(fields: &[ChecklistField], quantity: &'a str) -> Vec<&'a str> {
    match DERIVED.iter().find(|(n, _)| *n == quantity) {
        Some((_, inputs)) if inputs.iter().all(|i| fields.iter().any(|f| f.name == *i)) => inputs.to_vec(),
        _ => vec![quantity],
    }
}

/// Two measured fields, or the names of those that are missing.
fn both(e: &Element, a: &str, b: &str) -> Result<(f64, f64), Vec<String>> {
    match (field_value(e, a), field_value(e, b)) {
        (Some(x), Some(y)) => Ok((x, y)),
        (x, y) => Err([(a, x), (b, y)].into_iter().filter(|(_, v)| v.is_none()).map(|(n, _)| n.to_string()).collect()),
    }
}

/// The value of a quantity on an element: a field, or a derived quantity.
/// `Err` lists the fields that are missing.
pub fn quantity(e: &Element, fields: &[ChecklistField], name: &str) -> Result<f64, Vec<String>> {
    let derived = inputs_of(fields, name).len() > 1;
    match name {
        _ if !derived => field_value(e, name).ok_or_else(|| vec![name.to_string()]),
        // From rise and run when both are measured (exact), else from a
        // slope measured directly (a level, an inclinometer).
        "slope_permille" => match both(e, "rise_mm", "run_mm") {
            Ok((rise, run)) if run > 0.0 => Ok(rise * 1000.0 / run),
            _ if field_value(e, "slope_permille").is_some() => Ok(field_value(e, "slope_permille").unwrap_or_default()),
            Ok(_) => Err(vec!["run_mm".into()]),
            Err(missing) => Err(missing),
        },
        // Spaces missing against the count rule (≤ 0 meets it).
        "accessible_spaces_shortfall" => {
            both(e, "accessible_spaces", "total_spaces").map(|(a, t)| required_accessible_spaces(t) - a)
        }
        // Seats with assistive listening, in per cent of the hall's seats.
        "listening_seat_share" => {
            both(e, "listening_seats", "hall_seats").map(|(l, h)| if h > 0.0 { l * 100.0 / h } else { 0.0 })
        }
        field => field_value(e, field).ok_or_else(|| vec![field.to_string()]),
    }
}

/// Applies every rule of `set` to every element of the object, each
/// element read with its kind's checklist in `lists`.
pub fn evaluate_elements(set: &RuleSet, lists: &Checklists, input: &EvaluationInput) -> Vec<RuleResult> {
    let mut out = Vec::new();
    for e in &input.elements {
        let Some(kind) = &e.kind else { continue };
        let fields = lists.fields(kind);
        let served_by: Vec<&ElementKind> =
            input.elements.iter().filter(|s| s.serves == Some(e.id)).filter_map(|s| s.kind.as_ref()).collect();
        for rule in set.rules.iter().filter(|r| &r.element == kind) {
            out.push(rule.apply(e, fields, &served_by));
        }
    }
    // Kept for as long as the verdict is (a city's are cached): no spare room.
    out.shrink_to_fit();
    out
}

/// The full verdict of an object under a rule set, its elements read with
/// the checklists the set was checked against.
pub fn evaluate(set: &RuleSet, lists: &Checklists, input: &EvaluationInput) -> ObjectVerdict {
    let results = evaluate_elements(set, lists, input);
    aggregate(set, lists, input, results)
}
