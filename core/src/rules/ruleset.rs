//! Rule sets as data, and how one rule judges one element.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{inputs_of, quantity, DisabilityCategory, Outcome, RuleResult};
use crate::model::{Element, ElementKind};

pub use crate::model::Localized;

/// What a failure does to a category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// The category cannot use the element even with help.
    Blocks,
    /// The category can use it with a staff member's help.
    NeedsAssistance,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Critical,
    Major,
    Minor,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
pub enum Op {
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = "==")]
    Eq,
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = ">")]
    Gt,
}

/// Tolerance of comparisons, in the quantity's unit: keeps 1:12 exactly at
/// 1:12 despite floating point.
const EPS: f64 = 1e-9;

impl Op {
    pub fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Op::Lt => a < b - EPS,
            Op::Le => a <= b + EPS,
            Op::Eq => (a - b).abs() <= EPS,
            Op::Ge => a >= b - EPS,
            Op::Gt => a > b + EPS,
        }
    }
}

/// `quantity op value`; `value` may be written as a ratio `"1:12"`, which
/// means 1000/12 per mille.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub quantity: String,
    pub op: Op,
    #[ts(type = "number | string")]
    pub value: serde_json::Value,
}

impl Condition {
    pub fn threshold(&self) -> Result<f64, String> {
        match &self.value {
            serde_json::Value::Number(n) => n.as_f64().ok_or_else(|| "not a number".into()),
            serde_json::Value::String(s) => {
                let (a, b) = s.split_once(':').ok_or_else(|| format!("`{s}` is not a ratio like 1:12"))?;
                let (a, b): (f64, f64) = (
                    a.trim().parse().map_err(|_| format!("`{s}` is not a ratio"))?,
                    b.trim().parse().map_err(|_| format!("`{s}` is not a ratio"))?,
                );
                if b <= 0.0 {
                    return Err(format!("`{s}` divides by zero"));
                }
                Ok(a * 1000.0 / b)
            }
            _ => Err("expected a number or a ratio string".into()),
        }
    }
}

/// The check a rule makes, with how to show its required value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct Check {
    pub quantity: String,
    pub op: Op,
    /// A number, or a ratio `"1:12"` (= 1000/12 per mille).
    #[ts(type = "number | string")]
    pub value: serde_json::Value,
    /// Unit of the quantity: `mm`, `permille`, `flag`.
    pub unit: String,
    /// The requirement as printed in a passport, e.g. "≤ 1:12 (8.33 %)".
    pub required: String,
}

impl Check {
    pub fn condition(&self) -> Condition {
        Condition { quantity: self.quantity.clone(), op: self.op, value: self.value.clone() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub document: String,
    pub edition: String,
    pub clause: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    pub element: ElementKind,
    /// The fields the rule reads (its conditions' quantities resolve to these).
    pub reads: Vec<String>,
    /// All must hold for the rule to apply.
    #[serde(default)]
    pub when: Vec<Condition>,
    /// The rule does not apply when the object has an element of one of
    /// these kinds (a step is no barrier where a ramp or lift serves it).
    #[serde(default)]
    pub unless_object_has: Vec<ElementKind>,
    pub check: Check,
    pub affects: BTreeMap<DisabilityCategory, Effect>,
    pub severity: Severity,
    pub source: Source,
    /// What to do about a failure, for the passport and the owner's letter.
    pub fix: Localized,
    pub title: Localized,
}

impl Rule {
    /// Judges one element; `kinds` are the kinds of all elements of its object.
    pub fn apply(&self, e: &Element, kinds: &[&ElementKind]) -> RuleResult {
        let mut result = RuleResult {
            rule_id: self.id.clone(),
            title: self.title.clone(),
            element_id: e.id,
            outcome: Outcome::NotApplicable,
            measured: None,
            required: self.check.required.clone(),
            unit: self.check.unit.clone(),
            missing: Vec::new(),
            clause: self.source.clause.clone(),
            document: self.source.document.clone(),
            affects: self.affects.clone(),
            severity: self.severity,
            fix: self.fix.clone(),
        };
        if self.unless_object_has.iter().any(|k| kinds.contains(&k)) {
            return result;
        }
        for c in &self.when {
            match quantity(e, &c.quantity) {
                Ok(v) if c.op.holds(v, c.threshold().unwrap_or(f64::NAN)) => {}
                Ok(_) => return result,
                Err(missing) => {
                    result.outcome = Outcome::NotMeasured;
                    result.missing = missing;
                    return result;
                }
            }
        }
        let c = &self.check.condition();
        match quantity(e, &c.quantity) {
            Ok(v) => {
                result.measured = Some(v);
                result.outcome =
                    if c.op.holds(v, c.threshold().unwrap_or(f64::NAN)) { Outcome::Pass } else { Outcome::Fail };
            }
            Err(missing) => {
                result.outcome = Outcome::NotMeasured;
                result.missing = missing;
            }
        }
        result
    }
}

/// A norm rule set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    pub id: String,
    pub title: String,
    pub document: String,
    pub edition: String,
    /// Where to read which rules are left out and why.
    pub notes: String,
    pub rules: Vec<Rule>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RuleSetError {
    #[error("{file}:{line}:{column}: {message}")]
    Parse { file: String, line: usize, column: usize, message: String },
    #[error("{file}: rule `{rule}`, field `{field}`: {message}")]
    Invalid { file: String, rule: String, field: String, message: String },
    #[error("no rule set `{0}`")]
    Unknown(String),
}

impl RuleSet {
    /// Parses and checks a rule set file. Errors name the file, the line
    /// and the field.
    pub fn parse(file: &str, text: &str) -> Result<RuleSet, RuleSetError> {
        let set: RuleSet = serde_json::from_str(text).map_err(|e| RuleSetError::Parse {
            file: file.to_string(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        set.check(file)?;
        Ok(set)
    }

    fn check(&self, file: &str) -> Result<(), RuleSetError> {
        let invalid = |rule: &Rule, field: &str, message: String| RuleSetError::Invalid {
            file: file.to_string(),
            rule: rule.id.clone(),
            field: field.to_string(),
            message,
        };
        let mut ids = std::collections::BTreeSet::new();
        for r in &self.rules {
            if !ids.insert(&r.id) {
                return Err(invalid(r, "id", "duplicate rule id".into()));
            }
            if r.source.clause.trim().is_empty() {
                return Err(invalid(r, "source.clause", "every rule cites a clause".into()));
            }
            for k in std::iter::once(&r.element).chain(&r.unless_object_has) {
                if !k.is_known() {
                    return Err(invalid(r, "element", format!("no checklist defines the element kind `{k}`")));
                }
            }
            let fields: Vec<&str> = r.element.measurements().iter().map(|m| m.name.as_str()).collect();
            for f in &r.reads {
                if !fields.contains(&f.as_str()) {
                    return Err(invalid(r, "reads", format!("`{f}` is not a field of {}", r.element)));
                }
            }
            for c in r.when.iter().cloned().chain(std::iter::once(r.check.condition())) {
                let needs = inputs_of(&r.element, &c.quantity);
                for n in needs {
                    if !r.reads.iter().any(|f| f == n) {
                        return Err(invalid(r, "reads", format!("the rule uses `{n}` but does not list it in reads")));
                    }
                }
                c.threshold().map_err(|m| invalid(r, "value", m))?;
            }
            if r.affects.is_empty() {
                return Err(invalid(r, "affects", "a rule affects at least one category".into()));
            }
        }
        Ok(())
    }
}

const BUILTIN: &[(&str, &str)] = &[
    ("us-ada-2010", include_str!("../../../schemas/rules/us-ada-2010.json")),
    ("kz-sp-3.06-101-2012", include_str!("../../../schemas/rules/kz-sp-3.06-101-2012.json")),
];

pub fn builtin_ids() -> Vec<&'static str> {
    BUILTIN.iter().map(|(id, _)| *id).collect()
}

/// A rule set shipped with Qadam, by id.
pub fn builtin(id: &str) -> Result<RuleSet, RuleSetError> {
    let (_, text) = BUILTIN.iter().find(|(i, _)| *i == id).ok_or_else(|| RuleSetError::Unknown(id.to_string()))?;
    RuleSet::parse(&format!("schemas/rules/{id}.json"), text)
}
