//! Rule sets as data, and how one rule judges one element.

use std::collections::BTreeMap;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{inputs_of, quantity, DisabilityCategory, Outcome, RuleResult};
use crate::checklist::{ChecklistField, Checklists};
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

use crate::units::{Dimension, Limit, TOLERANCE as EPS};

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

/// `quantity op value`; `value` is a number in the quantity's base unit (mm,
/// ‰, a count, 1/0 for a flag) or a limit as the norm prints it: `"0,9 m"`,
/// `"32 in"`, `"5 %"`, `"1:12"` (see [`Limit`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub quantity: String,
    pub op: Op,
    #[ts(type = "number | string")]
    pub value: serde_json::Value,
    /// Whether the condition holds while its quantity is not measured. An
    /// exception the auditor records only where it applies (a cramped
    /// site, a reconstruction) is `false`: not recorded, not claimed. By
    /// default an unmeasured condition leaves the rule not measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub otherwise: Option<bool>,
}

impl Condition {
    /// The limit, exactly, in the quantity's base unit.
    pub fn threshold(&self) -> Result<f64, String> {
        self.limit().map(|l| l.base)
    }

    pub fn limit(&self) -> Result<Limit, String> {
        match &self.value {
            serde_json::Value::Number(n) => {
                let v = n.as_f64().ok_or("not a number")?;
                Ok(Limit { base: v, dimension: None, unit: None, value: v })
            }
            serde_json::Value::String(s) => Limit::parse(s),
            _ => Err("expected a number or a limit such as \"0,9 m\", \"32 in\" or \"1:12\"".into()),
        }
    }
}

/// The check a rule makes, with how to show its required value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct Check {
    pub quantity: String,
    pub op: Op,
    /// A number in the quantity's unit, or the limit as the norm prints it
    /// (`"0,9 m"`, `"32 in"`, `"1:12"`).
    #[ts(type = "number | string")]
    pub value: serde_json::Value,
    /// Unit of the quantity: `mm`, `permille`, `count`, `flag`.
    pub unit: Arc<str>,
    /// The requirement as printed in a passport, e.g. "≤ 1:12 (8.33 %)".
    pub required: Arc<str>,
}

impl Check {
    pub fn condition(&self) -> Condition {
        Condition { quantity: self.quantity.clone(), op: self.op, value: self.value.clone(), otherwise: None }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub document: Arc<str>,
    pub edition: String,
    pub clause: Arc<str>,
    /// The clause number is not printed in the text the rule was read from
    /// but inferred from its place (shown as such everywhere).
    #[serde(default)]
    pub clause_inferred: bool,
    /// The norm's sentence the rule implements, as printed.
    #[serde(default)]
    pub quote: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: Arc<str>,
    pub element: ElementKind,
    /// The fields the rule reads (its conditions' quantities resolve to these).
    pub reads: Vec<String>,
    /// All must hold for the rule to apply.
    #[serde(default)]
    pub when: Vec<Condition>,
    /// An exception that needs evidence: the rule does not apply only when
    /// all of these were measured and hold (a site recorded as cramped); an
    /// unmeasured exception leaves the rule applying.
    #[serde(default)]
    pub unless: Vec<Condition>,
    /// The rule does not apply to an element that an element of one of
    /// these kinds serves (its `serves` names it): a step is no barrier
    /// where a ramp or lift serves that entrance, and only there.
    #[serde(default)]
    pub unless_served_by: Vec<ElementKind>,
    pub check: Check,
    pub affects: Arc<BTreeMap<DisabilityCategory, Effect>>,
    pub severity: Severity,
    pub source: Source,
    /// What to do about a failure, for the passport and the owner's letter.
    pub fix: Arc<Localized>,
    pub title: Arc<Localized>,
    /// A recommendation ("рекомендуется"): listed in the verdict and the
    /// passport, never changes a status.
    #[serde(default)]
    pub advisory: bool,
    /// How the norm's text was read where it is ambiguous, and why.
    #[serde(default)]
    pub note: String,
    /// Why a failure affects the categories in `affects` as it does.
    #[serde(default)]
    pub why: String,
}

impl Rule {
    /// Judges one element; `served_by` are the kinds of the elements that
    /// serve it (whose `serves` is its id).
    /// Applies the rule to `e`, whose checklist has `fields`.
    pub fn apply(&self, e: &Element, fields: &[ChecklistField], served_by: &[&ElementKind]) -> RuleResult {
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
            advisory: self.advisory,
            clause_inferred: self.source.clause_inferred,
            measured_as_typed: None,
        };
        if self.unless_served_by.iter().any(|k| served_by.contains(&k)) {
            return result;
        }
        let excepted = !self.unless.is_empty()
            && self.unless.iter().all(|c| {
                quantity(e, fields, &c.quantity).is_ok_and(|v| c.op.holds(v, c.threshold().unwrap_or(f64::NAN)))
            });
        if excepted {
            return result;
        }
        for c in &self.when {
            match quantity(e, fields, &c.quantity) {
                Ok(v) if c.op.holds(v, c.threshold().unwrap_or(f64::NAN)) => {}
                Ok(_) => return result,
                Err(_) if c.otherwise == Some(true) => {}
                Err(_) if c.otherwise == Some(false) => return result,
                Err(missing) => {
                    result.outcome = Outcome::NotMeasured;
                    result.missing = missing;
                    return result;
                }
            }
        }
        let c = &self.check.condition();
        match quantity(e, fields, &c.quantity) {
            Ok(v) => {
                result.measured = Some(v);
                result.measured_as_typed = super::as_typed(e, fields, &c.quantity);
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
    /// The zones each category's path needs evidence from before the
    /// category can be "fully accessible" (see `schemas/rules/README.md`).
    /// A category no rule covers is never assessed and needs no entry.
    #[serde(default)]
    pub requires: BTreeMap<DisabilityCategory, Vec<ZoneRequirement>>,
    pub rules: Vec<Rule>,
}

/// A zone a category's verdict needs evidence from, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct ZoneRequirement {
    pub zone: super::Zone,
    pub reason: String,
}

pub use crate::error::RuleSetError;

impl RuleSet {
    /// Parses and checks a rule set file. Errors name the file, the line
    /// and the field.
    pub fn parse(file: &str, text: &str, lists: &Checklists) -> Result<RuleSet, RuleSetError> {
        let set: RuleSet = serde_json::from_str(text).map_err(|e| RuleSetError::Parse {
            file: file.to_string(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        set.check(file, lists)?;
        Ok(set)
    }

    /// Checks the set against the checklists it will be evaluated with:
    /// every kind it names is defined, every field it reads is one.
    fn check(&self, file: &str, lists: &Checklists) -> Result<(), RuleSetError> {
        let invalid = |rule: &Rule, field: &str, message: String| RuleSetError::Invalid {
            file: file.to_string(),
            rule: rule.id.to_string(),
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
            for k in std::iter::once(&r.element).chain(&r.unless_served_by) {
                if !lists.is_known(k) {
                    return Err(invalid(r, "element", format!("no checklist defines the element kind `{k}`")));
                }
            }
            let fields: Vec<&str> = lists.fields(&r.element).iter().map(|m| m.name.as_str()).collect();
            for f in &r.reads {
                if !fields.contains(&f.as_str()) {
                    return Err(invalid(r, "reads", format!("`{f}` is not a field of {}", r.element)));
                }
            }
            for c in r.when.iter().chain(&r.unless).cloned().chain(std::iter::once(r.check.condition())) {
                let needs = inputs_of(lists.fields(&r.element), &c.quantity);
                for n in needs {
                    if !r.reads.iter().any(|f| f == n) {
                        return Err(invalid(r, "reads", format!("the rule uses `{n}` but does not list it in reads")));
                    }
                }
                let limit = c.limit().map_err(|m| invalid(r, "value", m))?;
                let dim = if c.quantity.ends_with("_mm") {
                    Some(Dimension::Length)
                } else if c.quantity.ends_with("_permille") {
                    Some(Dimension::Slope)
                } else {
                    None
                };
                if limit.dimension.is_some() && limit.dimension != dim {
                    return Err(invalid(r, "value", format!("`{}` is not in a unit of `{}`", c.value, c.quantity)));
                }
            }
            if r.affects.is_empty() {
                return Err(invalid(r, "affects", "a rule affects at least one category".into()));
            }
            if r.source.clause_inferred && r.source.quote.trim().is_empty() {
                return Err(invalid(r, "source.quote", "an inferred clause number needs the quoted sentence".into()));
            }
            if !r.advisory {
                for c in r.affects.keys() {
                    if self.requires.get(c).is_none_or(|z| z.is_empty()) {
                        return Err(invalid(
                            r,
                            "affects",
                            format!("the set covers category {c:?} but `requires` names no zone for it"),
                        ));
                    }
                }
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

/// A rule set as a choice names it: its id, title and document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct RuleSetInfo {
    pub id: String,
    pub title: String,
    pub document: String,
    pub edition: String,
}

/// A rule set shipped with Qadam, by id, checked against `lists`.
pub fn builtin(id: &str, lists: &Checklists) -> Result<RuleSet, RuleSetError> {
    let (_, text) = BUILTIN.iter().find(|(i, _)| *i == id).ok_or_else(|| RuleSetError::Unknown(id.to_string()))?;
    RuleSet::parse(&format!("schemas/rules/{id}.json"), text, lists)
}
