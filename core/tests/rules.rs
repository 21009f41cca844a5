//! Golden verdicts (`fixtures/rules/*.json`, worked by hand in each file's
//! `working`) and properties of the norms engine.

use std::collections::BTreeMap;
use std::path::PathBuf;

use proptest::prelude::*;
use qadam_core::model::{Element, ElementKind, MeasuredValue, MeasurementType, Object};
use qadam_core::rules::{self, CategoryStatus, DisabilityCategory, EvaluationInput, MapStatus, Outcome};
use qadam_core::rules::{Op, Rule, RuleSet, Zone};
use qadam_core::units::{InputUnit, Limit, Typed};
use serde::Deserialize;
use uuid::Uuid;

/// The built-in checklists, which every built-in rule set is checked against.
fn lists() -> &'static qadam_core::checklist::Checklists {
    static LISTS: std::sync::OnceLock<qadam_core::checklist::Checklists> = std::sync::OnceLock::new();
    LISTS.get_or_init(qadam_core::checklist::Checklists::builtin)
}

#[derive(Deserialize)]
struct Fixture {
    rule_set: String,
    working: Vec<String>,
    input: EvaluationInput,
    expected: Expected,
    /// Only the listed results are asserted (a rule at its limit), not
    /// every rule of the element nor the statuses.
    #[serde(default)]
    partial: bool,
}

#[derive(Deserialize)]
struct Expected {
    results: Vec<ExpectedResult>,
    #[serde(default)]
    by_category: Option<BTreeMap<DisabilityCategory, CategoryStatus>>,
    #[serde(default)]
    wheelchair_map: Option<MapStatus>,
}

#[derive(Deserialize, PartialEq, Eq, PartialOrd, Ord, Debug)]
struct ExpectedResult {
    element_id: Uuid,
    rule_id: String,
    outcome: Outcome,
}

#[test]
fn golden_verdicts_match_the_hand_worked_fixtures() {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/rules"));
    let mut n = 0;
    let mut covered: BTreeMap<String, Vec<Outcome>> = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let f: Fixture = serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(!f.working.is_empty() || f.input.elements.is_empty(), "{}: no working", path.display());
        let set = rules::builtin(&f.rule_set, lists()).unwrap();
        let v = rules::evaluate(&set, lists(), &f.input);
        let mut got: Vec<ExpectedResult> = v
            .results
            .iter()
            .map(|r| ExpectedResult { element_id: r.element_id, rule_id: r.rule_id.to_string(), outcome: r.outcome })
            .collect();
        let mut want = f.expected.results;
        got.sort();
        want.sort();
        if f.partial {
            for w in &want {
                assert!(got.contains(w), "{}: {w:?} not in {got:#?}\nworking: {:#?}", path.display(), f.working);
                covered.entry(w.rule_id.clone()).or_default().push(w.outcome);
            }
        } else {
            assert_eq!(got, want, "{}: rule results\nworking: {:#?}", path.display(), f.working);
            for r in &v.results {
                covered.entry(r.rule_id.to_string()).or_default().push(r.outcome);
            }
        }
        if let Some(by) = &f.expected.by_category {
            assert_eq!(&v.by_category, by, "{}: categories\nworking: {:#?}", path.display(), f.working);
        }
        if let Some(map) = f.expected.wheelchair_map {
            assert_eq!(v.wheelchair_map, map, "{}: map status", path.display());
        }
        assert!(
            f.partial || f.expected.by_category.is_some(),
            "{}: a whole object states its statuses",
            path.display()
        );
        n += 1;
    }
    assert!(n >= 40, "at least 40 golden objects, found {n}");
    // Every rule of every set is seen passing, failing and unmeasured.
    for rule in rules::builtin_ids().into_iter().flat_map(|id| rules::builtin(id, lists()).unwrap().rules) {
        let seen = covered.get(&*rule.id).cloned().unwrap_or_default();
        for o in [Outcome::Pass, Outcome::Fail, Outcome::NotMeasured] {
            assert!(seen.contains(&o), "rule {} is never {o:?} in the golden files", rule.id);
        }
    }
}

#[test]
fn every_builtin_rule_cites_a_clause_and_reads_existing_fields() {
    for id in rules::builtin_ids() {
        let set = rules::builtin(id, lists()).unwrap();
        for r in &set.rules {
            assert!(!r.source.clause.is_empty() && !r.source.document.is_empty(), "{}", r.id);
            let fields: Vec<&str> = lists().fields(&r.element).iter().map(|m| m.name.as_str()).collect();
            assert!(r.reads.iter().all(|f| fields.contains(&f.as_str())), "{} reads unknown fields", r.id);
            assert!(!r.fix.ru.is_empty() && !r.fix.kk.is_empty() && !r.fix.en.is_empty(), "{}", r.id);
        }
    }
}

#[test]
fn a_bad_rule_file_is_refused_with_file_line_and_field() {
    let e = rules::RuleSet::parse("x.json", "{\n  \"id\": \"x\",\n  \"oops\": 1\n}", lists()).unwrap_err();
    assert!(e.to_string().starts_with("x.json:3:"), "{e}");
    let mut set = rules::builtin("us-ada-2010", lists()).unwrap();
    set.rules[0].reads.push("colour_mm".into());
    let text = serde_json::to_string_pretty(&set).unwrap();
    let e = rules::RuleSet::parse("y.json", &text, lists()).unwrap_err();
    assert!(e.to_string().contains("colour_mm") && e.to_string().contains("reads"), "{e}");
}

fn element(kind: ElementKind, m: &[(&str, MeasuredValue)]) -> Element {
    Element {
        id: Uuid::now_v7(),
        object_id: None,
        audit_id: None,
        kind: Some(kind),
        note: String::new(),
        measurements: m.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        serves: None,
        copied_from: None,
    }
}

fn object() -> Object {
    Object {
        id: Uuid::nil(),
        campaign_id: None,
        name: "p".into(),
        category: None,
        district: None,
        address: String::new(),
        location: None,
        synthetic: true,
        assignee: None,
        due_on: None,
        merged_into: None,
    }
}

/// A random value for a field of this type, across the limits the rules use.
fn any_value(t: MeasurementType) -> BoxedStrategy<MeasuredValue> {
    use MeasuredValue::*;
    match t {
        MeasurementType::Flag => any::<bool>().prop_map(Flag).boxed(),
        MeasurementType::Count => (0u32..60).prop_map(Integer).boxed(),
        MeasurementType::Permille => prop_oneof![
            (0u32..200).prop_map(Integer),
            (1.0f64..30.0).prop_map(|n| Typed(qadam_core::units::Typed { value: n, unit: InputUnit::Ratio })),
        ]
        .boxed(),
        MeasurementType::LengthMm => prop_oneof![
            (0u32..3000).prop_map(Integer),
            (0.0f64..300.0).prop_map(|v| Typed(qadam_core::units::Typed { value: v, unit: InputUnit::Cm })),
        ]
        .boxed(),
    }
}

/// An element of any built-in kind with any subset of its fields measured
/// (the kinds and fields come from the checklists, not from this test).
fn any_element() -> impl Strategy<Value = Element> {
    prop::sample::select(ElementKind::BUILTIN.to_vec()).prop_flat_map(|kind| {
        let fields: Vec<_> = lists().fields(&kind).to_vec();
        let values: Vec<_> = fields.iter().map(|f| prop::option::of(any_value(f.kind))).collect();
        (Just(kind), Just(fields), values).prop_map(|(kind, fields, values)| {
            let m: Vec<(&str, MeasuredValue)> =
                fields.iter().zip(values).filter_map(|(f, v)| Some((f.name.as_str(), v?))).collect();
            element(kind, &m)
        })
    })
}

/// Objects of 0 to 8 elements; a ramp or lift may serve another element.
fn any_object() -> impl Strategy<Value = EvaluationInput> {
    (prop::collection::vec(any_element(), 0..8), prop::collection::vec(any::<prop::sample::Index>(), 8)).prop_map(
        |(mut elements, links)| {
            let ids: Vec<Uuid> = elements.iter().map(|e| e.id).collect();
            for (e, l) in elements.iter_mut().zip(links) {
                if matches!(e.kind.as_ref().map(|k| k.as_str()), Some("ramp" | "lift")) && !ids.is_empty() {
                    e.serves = Some(ids[l.index(ids.len())]);
                }
            }
            EvaluationInput { object: object(), elements }
        },
    )
}

/// Every built-in rule set, parsed once.
fn sets() -> Vec<RuleSet> {
    static SETS: std::sync::OnceLock<Vec<RuleSet>> = std::sync::OnceLock::new();
    SETS.get_or_init(|| rules::builtin_ids().into_iter().map(|id| rules::builtin(id, lists()).unwrap()).collect())
        .clone()
}

/// The invariants of `schemas/rules/README.md`, checked against the rule
/// results themselves (not against the verdict's own evidence summary).
fn check_invariants(set: &RuleSet, input: &EvaluationInput) -> Result<(), TestCaseError> {
    let v = rules::evaluate(set, lists(), input);
    let zone_of: BTreeMap<Uuid, Zone> =
        input.elements.iter().filter_map(|e| Some((e.id, lists().zone(e.kind.as_ref()?)?))).collect();
    for c in DisabilityCategory::ALL {
        let status = v.by_category[&c];
        let rel: Vec<_> = v.results.iter().filter(|r| !r.advisory && r.affects.contains_key(&c)).collect();
        let covered = set.rules.iter().any(|r| !r.advisory && r.affects.contains_key(&c));
        if !covered || input.elements.is_empty() {
            prop_assert_eq!(status, CategoryStatus::NotAssessed, "{:?}: nothing covers it or no element", c);
        }
        let blocked_on_path = rel.iter().any(|r| {
            r.outcome == Outcome::Fail
                && r.affects[&c] == rules::Effect::Blocks
                && zone_of.get(&r.element_id).is_some_and(|z| z.on_path())
        });
        if blocked_on_path {
            prop_assert_eq!(status, CategoryStatus::NotAccessible, "{:?}: a barrier is a barrier", c);
        }
        if status == CategoryStatus::Full {
            prop_assert!(
                rel.iter().all(|r| matches!(r.outcome, Outcome::Pass | Outcome::NotApplicable)),
                "{:?} is DP with an unjudged or failed check",
                c
            );
            for req in &set.requires[&c] {
                prop_assert!(
                    rel.iter()
                        .any(|r| zone_of.get(&r.element_id) == Some(&req.zone) && r.outcome != Outcome::NotMeasured),
                    "{:?} is DP with no judged check in the required zone {:?}",
                    c,
                    req.zone
                );
            }
        }
        if rel.iter().any(|r| r.outcome == Outcome::Fail) {
            prop_assert_ne!(status, CategoryStatus::Full);
            prop_assert_ne!(status, CategoryStatus::NotAssessed, "{:?}: a judged failure is a status", c);
        }
    }
    prop_assert_eq!(v.wheelchair_map, MapStatus::from(v.by_category[&DisabilityCategory::K]));
    Ok(())
}

/// `after` is no worse than `before` (not assessed is no judgement).
fn no_worse(before: CategoryStatus, after: CategoryStatus) -> bool {
    match (before.rank(), after.rank()) {
        (Some(b), Some(a)) => a <= b,
        (None, Some(a)) => a == 0,
        (_, None) => true,
    }
}

/// Sets every field a failing rule checks to the value its limit names
/// exactly (kept as typed), so the rule passes.
fn meet(rule: &Rule, e: &mut Element) {
    let c = rule.check.condition();
    let limit = c.limit().unwrap();
    let kind = e.kind.clone().unwrap();
    let fields = rules::inputs_of(lists().fields(&kind), &c.quantity);
    let m = &mut e.measurements;
    if c.quantity == "accessible_spaces_shortfall" {
        // The count rule: as many accessible spaces as the total needs.
        let total = m.get("total_spaces").and_then(number).unwrap_or(10.0);
        m.insert("total_spaces".into(), MeasuredValue::Integer(total as u32));
        let need = rules::required_accessible_spaces(total) - limit.base;
        m.insert("accessible_spaces".into(), MeasuredValue::Integer(need.max(0.0) as u32));
        return;
    }
    if c.quantity == "listening_seat_share" {
        // Enough seats with assistive listening for the hall's size.
        let hall = m.get("hall_seats").and_then(number).unwrap_or(60.0).max(1.0);
        m.insert("hall_seats".into(), MeasuredValue::Integer(hall as u32));
        m.insert("listening_seats".into(), MeasuredValue::Integer((hall * limit.base / 100.0).ceil() as u32));
        return;
    }
    if fields.len() > 1 {
        // A slope from rise and run: keep the rise, set the run for the limit.
        let rise = m.get("rise_mm").and_then(number).unwrap_or(0.0);
        if rise > 0.0 && limit.base > 0.0 {
            m.insert(
                "run_mm".into(),
                MeasuredValue::Typed(Typed { value: rise * 1000.0 / limit.base, unit: InputUnit::Mm }),
            );
        } else {
            m.remove("rise_mm");
            m.remove("run_mm");
            m.insert(c.quantity.clone(), exactly(&kind, &c.quantity, limit, c.op));
        }
        return;
    }
    m.insert(c.quantity.clone(), exactly(&kind, &c.quantity, limit, c.op));
}

fn number(v: &MeasuredValue) -> Option<f64> {
    match v {
        MeasuredValue::Integer(n) => Some(f64::from(*n)),
        MeasuredValue::Typed(t) => t.base(),
        MeasuredValue::Flag(b) => Some(f64::from(u8::from(*b))),
    }
}

/// A value at `limit` exactly, typed in the unit the norm prints it in.
fn exactly(kind: &ElementKind, field: &str, limit: Limit, op: Op) -> MeasuredValue {
    let t = lists().fields(kind).iter().find(|f| f.name == field).unwrap().kind;
    match t {
        MeasurementType::Flag => MeasuredValue::Flag(limit.base != 0.0),
        MeasurementType::Count => MeasuredValue::Integer(match op {
            Op::Gt => limit.base.floor() as u32 + 1,
            Op::Lt => limit.base.ceil() as u32 - 1,
            _ => limit.base as u32,
        }),
        _ => {
            let unit =
                limit.unit.unwrap_or(if t == MeasurementType::LengthMm { InputUnit::Mm } else { InputUnit::Permille });
            let at = Limit { unit: Some(unit), ..limit };
            match op {
                // A strict limit is met one typed step inside it.
                Op::Lt => MeasuredValue::Typed(beyond(at, Op::Ge).unwrap()),
                Op::Gt => MeasuredValue::Typed(beyond(at, Op::Le).unwrap()),
                _ => MeasuredValue::Typed(Typed { value: limit.value, unit }),
            }
        }
    }
}

/// One typed step past a limit: the last digit of the value as printed.
fn beyond(limit: Limit, op: Op) -> Option<Typed> {
    let unit = limit.unit?;
    let step = match unit {
        InputUnit::Mm => 1.0,
        InputUnit::Cm => 0.1,
        InputUnit::M => 0.001,
        InputUnit::In => 0.01,
        InputUnit::Percent | InputUnit::Degrees => 0.01,
        InputUnit::Ratio => 0.1,
        _ => 1.0,
    };
    // A ratio's N grows as the slope gets gentler.
    let towards_more = matches!(op, Op::Le | Op::Lt);
    let sign = if unit == InputUnit::Ratio { -1.0 } else { 1.0 };
    let value = if towards_more { limit.value + sign * step } else { limit.value - sign * step };
    Some(Typed { value, unit })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn verdicts_keep_the_invariants_on_every_set(input in any_object()) {
        for set in sets() {
            check_invariants(&set, &input)?;
        }
    }

    #[test]
    fn fixing_a_failing_measurement_never_makes_a_status_worse(input in any_object(), pick in any::<prop::sample::Index>()) {
        for set in sets() {
            let before = rules::evaluate(&set, lists(), &input);
            let fails: Vec<_> = before.results.iter().filter(|r| r.outcome == Outcome::Fail).collect();
            if fails.is_empty() {
                continue;
            }
            let f = fails[pick.index(fails.len())];
            let rule = set.rules.iter().find(|r| r.id == f.rule_id).unwrap();
            let mut fixed = input.clone();
            meet(rule, fixed.elements.iter_mut().find(|e| e.id == f.element_id).unwrap());
            let after = rules::evaluate(&set, lists(), &fixed);
            let still = after.results.iter().find(|r| r.rule_id == f.rule_id && r.element_id == f.element_id).unwrap();
            prop_assert_eq!(still.outcome, Outcome::Pass, "{} at its limit exactly passes", f.rule_id);
            for c in DisabilityCategory::ALL {
                prop_assert!(no_worse(before.by_category[&c], after.by_category[&c]), "{c:?}: {:?} -> {:?}", before.by_category[&c], after.by_category[&c]);
            }
            check_invariants(&set, &fixed)?;
        }
    }

    #[test]
    fn removing_any_measurement_never_makes_a_status_fully_accessible(input in any_object()) {
        for set in sets() {
            let before = rules::evaluate(&set, lists(), &input);
            for (i, e) in input.elements.iter().enumerate() {
                for key in e.measurements.keys() {
                    let mut less = input.clone();
                    less.elements[i].measurements.remove(key);
                    let after = rules::evaluate(&set, lists(), &less);
                    for c in DisabilityCategory::ALL {
                        if after.by_category[&c] == CategoryStatus::Full {
                            prop_assert_eq!(before.by_category[&c], CategoryStatus::Full, "{:?} after removing {}", c, key);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn adding_a_passing_measurement_never_makes_a_status_worse(input in any_object(), pick in any::<prop::sample::Index>(), value in any::<prop::sample::Index>()) {
        for set in sets() {
            let before = rules::evaluate(&set, lists(), &input);
            let slots: Vec<(usize, String, MeasurementType)> = input.elements.iter().enumerate().flat_map(|(i, e)| {
                lists().fields(e.kind.as_ref().unwrap()).iter().filter(|f| !e.measurements.contains_key(&f.name)).map(move |f| (i, f.name.clone(), f.kind))
            }).collect();
            if slots.is_empty() {
                continue;
            }
            let (i, name, t) = &slots[pick.index(slots.len())];
            let candidates: Vec<MeasuredValue> = match t {
                MeasurementType::Flag => vec![MeasuredValue::Flag(true), MeasuredValue::Flag(false)],
                _ => (0..40).map(|n| MeasuredValue::Integer(n * 50)).collect(),
            };
            let mut more = input.clone();
            more.elements[*i].measurements.insert(name.clone(), candidates[value.index(candidates.len())]);
            let after = rules::evaluate(&set, lists(), &more);
            let failed = |v: &rules::ObjectVerdict| v.results.iter().filter(|r| r.outcome == Outcome::Fail).map(|r| (r.rule_id.clone(), r.element_id)).collect::<std::collections::BTreeSet<_>>();
            if !failed(&after).is_subset(&failed(&before)) {
                continue; // the new value fails a rule: not a passing measurement
            }
            for c in DisabilityCategory::ALL {
                prop_assert!(no_worse(before.by_category[&c], after.by_category[&c]), "{c:?}: {:?} -> {:?} adding {}", before.by_category[&c], after.by_category[&c], name);
            }
        }
    }
}

/// Every rule of every set: a value typed exactly at its limit, as the norm
/// prints it, passes; one typed step beyond fails.
#[test]
fn every_limit_typed_as_printed_passes_and_one_step_beyond_fails() {
    let mut checked = 0;
    for set in sets() {
        for rule in &set.rules {
            let c = rule.check.condition();
            let limit = c.limit().unwrap();
            let strict = matches!(c.op, Op::Lt | Op::Gt);
            let mut e = element(rule.element.clone(), &[]);
            for w in &rule.when {
                let wl = w.limit().unwrap();
                e.measurements.insert(w.quantity.clone(), exactly(&rule.element, &w.quantity, wl, w.op));
            }
            let base = e.clone();
            meet(rule, &mut e);
            let input = EvaluationInput { object: object(), elements: vec![e.clone()] };
            let r = rules::evaluate_elements(&set, lists(), &input).into_iter().find(|r| r.rule_id == rule.id).unwrap();
            assert_eq!(
                r.outcome,
                Outcome::Pass,
                "{}: {} typed exactly (or one step inside a strict limit)",
                rule.id,
                c.value
            );
            if let Some(step) = beyond(limit, c.op).filter(|_| !strict) {
                let mut past = base.clone();
                let field = c.quantity.clone();
                past.measurements.insert(field, MeasuredValue::Typed(step));
                let input = EvaluationInput { object: object(), elements: vec![past] };
                let r =
                    rules::evaluate_elements(&set, lists(), &input).into_iter().find(|r| r.rule_id == rule.id).unwrap();
                assert_eq!(r.outcome, Outcome::Fail, "{}: {} is one step past {}", rule.id, step.as_typed(), c.value);
            }
            checked += 1;
        }
    }
    assert!(checked >= 20, "{checked}");
}

/// An element of the rule's kind whose `when` conditions hold.
fn in_context(rule: &Rule) -> Element {
    let mut e = element(rule.element.clone(), &[]);
    for w in &rule.when {
        e.measurements.insert(w.quantity.clone(), exactly(&rule.element, &w.quantity, w.limit().unwrap(), w.op));
    }
    e
}

fn outcome_of(set: &RuleSet, rule: &Rule, e: Element) -> Outcome {
    let input = EvaluationInput { object: object(), elements: vec![e] };
    rules::evaluate_elements(set, lists(), &input).into_iter().find(|r| r.rule_id == rule.id).unwrap().outcome
}

proptest! {
    /// Any rule, its limit typed in any unit of its kind (a length in mm,
    /// cm, m or inches; a slope in %, 1:N, degrees or ‰): exactly at the
    /// limit passes, one typed step beyond fails.
    #[test]
    fn a_limit_typed_in_any_unit_passes_and_one_step_beyond_fails(
        pick in any::<prop::sample::Index>(),
        unit_pick in any::<prop::sample::Index>(),
    ) {
        let sets = sets();
        let all: Vec<(&RuleSet, &Rule)> = sets.iter().flat_map(|s| s.rules.iter().map(move |r| (s, r))).collect();
        let (set, rule) = all[pick.index(all.len())];
        let c = rule.check.condition();
        let limit = c.limit().unwrap();
        prop_assume!(limit.dimension.is_some() && matches!(c.op, Op::Le | Op::Ge) && limit.base > 0.0);
        let units: Vec<InputUnit> = InputUnit::ALL
            .into_iter()
            .filter(|u| Some(u.dimension()) == limit.dimension)
            .collect();
        let unit = units[unit_pick.index(units.len())];
        let value = unit.from_base(limit.base).unwrap();
        let mut at = in_context(rule);
        at.measurements.insert(c.quantity.clone(), MeasuredValue::Typed(Typed { value, unit }));
        prop_assert_eq!(outcome_of(set, rule, at), Outcome::Pass, "{} typed as {} {:?}", rule.id, value, unit);
        let step = beyond(Limit { unit: Some(unit), value, ..limit }, c.op).unwrap();
        let mut past = in_context(rule);
        past.measurements.insert(c.quantity.clone(), MeasuredValue::Typed(step));
        prop_assert_eq!(outcome_of(set, rule, past), Outcome::Fail, "{}: {} is one step past", rule.id, step.as_typed());
    }
}
