//! Golden verdicts (`fixtures/rules/*.json`, worked by hand in each file's
//! `working`) and properties of the norms engine.

use std::collections::BTreeMap;
use std::path::PathBuf;

use proptest::prelude::*;
use qadam_core::model::{Element, ElementKind, MeasuredValue, Object};
use qadam_core::rules::{self, CategoryStatus, DisabilityCategory, EvaluationInput, MapStatus, Outcome};
use serde::Deserialize;
use uuid::Uuid;

#[derive(Deserialize)]
struct Fixture {
    rule_set: String,
    working: Vec<String>,
    input: EvaluationInput,
    expected: Expected,
}

#[derive(Deserialize)]
struct Expected {
    results: Vec<ExpectedResult>,
    by_category: BTreeMap<DisabilityCategory, CategoryStatus>,
    wheelchair_map: MapStatus,
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
        let set = rules::builtin(&f.rule_set).unwrap();
        let v = rules::evaluate(&set, &f.input);
        let mut got: Vec<ExpectedResult> = v
            .results
            .iter()
            .map(|r| ExpectedResult { element_id: r.element_id, rule_id: r.rule_id.clone(), outcome: r.outcome })
            .collect();
        let mut want = f.expected.results;
        got.sort();
        want.sort();
        assert_eq!(got, want, "{}: rule results\nworking: {:#?}", path.display(), f.working);
        assert_eq!(v.by_category, f.expected.by_category, "{}: categories", path.display());
        assert_eq!(v.wheelchair_map, f.expected.wheelchair_map, "{}: map status", path.display());
        for r in &v.results {
            covered.entry(r.rule_id.clone()).or_default().push(r.outcome);
        }
        n += 1;
    }
    assert!(n >= 40, "at least 40 golden objects, found {n}");
    // Every rule of the set is seen passing, failing and unmeasured.
    for rule in rules::builtin("us-ada-2010").unwrap().rules {
        let seen = covered.get(&rule.id).cloned().unwrap_or_default();
        for o in [Outcome::Pass, Outcome::Fail, Outcome::NotMeasured] {
            assert!(seen.contains(&o), "rule {} is never {o:?} in the golden files", rule.id);
        }
    }
}

#[test]
fn every_builtin_rule_cites_a_clause_and_reads_existing_fields() {
    for id in rules::builtin_ids() {
        let set = rules::builtin(id).unwrap();
        for r in &set.rules {
            assert!(!r.source.clause.is_empty() && !r.source.document.is_empty(), "{}", r.id);
            let fields: Vec<&str> = r.element.measurements().iter().map(|m| m.name.as_str()).collect();
            assert!(r.reads.iter().all(|f| fields.contains(&f.as_str())), "{} reads unknown fields", r.id);
            assert!(!r.fix.ru.is_empty() && !r.fix.kk.is_empty() && !r.fix.en.is_empty(), "{}", r.id);
        }
    }
}

#[test]
fn a_bad_rule_file_is_refused_with_file_line_and_field() {
    let e = rules::RuleSet::parse("x.json", "{\n  \"id\": \"x\",\n  \"oops\": 1\n}").unwrap_err();
    assert!(e.to_string().starts_with("x.json:3:"), "{e}");
    let mut set = rules::builtin("us-ada-2010").unwrap();
    set.rules[0].reads.push("colour_mm".into());
    let text = serde_json::to_string_pretty(&set).unwrap();
    let e = rules::RuleSet::parse("y.json", &text).unwrap_err();
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
    }
}

prop_compose! {
    fn any_object()(rise in 0u32..1200, run in 0u32..15000, width in 500u32..1500,
                    clear in 600u32..1000, threshold in 0u32..60,
                    has_step in any::<bool>(), step in 0u32..300, with_ramp in any::<bool>()) -> EvaluationInput {
        use MeasuredValue::*;
        let mut elements = vec![
            element(ElementKind::DOOR, &[("clear_width_mm", Integer(clear)), ("threshold_mm", Integer(threshold))]),
            element(ElementKind::ENTRANCE, &[("has_step", Flag(has_step)), ("step_height_mm", Integer(step))]),
        ];
        if with_ramp {
            elements.push(element(ElementKind::RAMP, &[("rise_mm", Integer(rise)), ("run_mm", Integer(run)), ("width_mm", Integer(width))]));
        }
        EvaluationInput { object: object(), elements }
    }
}

/// Sets a failing rule's field(s) to a value that meets it.
fn fix(input: &mut EvaluationInput, rule_id: &str, element_id: Uuid) {
    use MeasuredValue::*;
    let e = input.elements.iter_mut().find(|e| e.id == element_id).unwrap();
    let m = &mut e.measurements;
    match rule_id {
        "ada-405.2-ramp-running-slope" => {
            let rise = match m["rise_mm"] {
                Integer(r) => r,
                _ => unreachable!(),
            };
            m.insert("run_mm".into(), Integer(rise * 12));
        }
        "ada-405.6-ramp-rise" => {
            m.insert("rise_mm".into(), Integer(760));
        }
        "ada-405.5-ramp-clear-width" => {
            m.insert("width_mm".into(), Integer(915));
        }
        "ada-404.2.3-door-clear-width" => {
            m.insert("clear_width_mm".into(), Integer(815));
        }
        "ada-404.2.5-door-threshold" => {
            m.insert("threshold_mm".into(), Integer(13));
        }
        "ada-303.2-entrance-step" => {
            m.insert("step_height_mm".into(), Integer(6));
        }
        other => panic!("no fix for {other}"),
    }
}

proptest! {
    #[test]
    fn fixing_a_failing_measurement_never_makes_a_status_worse(input in any_object(), pick in any::<prop::sample::Index>()) {
        let set = rules::builtin("us-ada-2010").unwrap();
        let before = rules::evaluate(&set, &input);
        let fails: Vec<_> = before.results.iter().filter(|r| r.outcome == Outcome::Fail).collect();
        prop_assume!(!fails.is_empty());
        let f = fails[pick.index(fails.len())];
        let mut fixed = input.clone();
        fix(&mut fixed, &f.rule_id, f.element_id);
        let after = rules::evaluate(&set, &fixed);
        let still = after.results.iter().find(|r| r.rule_id == f.rule_id && r.element_id == f.element_id).unwrap();
        prop_assert_ne!(still.outcome, Outcome::Fail, "the fix fixes the rule");
        for c in DisabilityCategory::ALL {
            prop_assert!(after.by_category[&c] <= before.by_category[&c], "{c:?} got worse: {:?} -> {:?}", before.by_category[&c], after.by_category[&c]);
        }
    }

    #[test]
    fn removing_a_measurement_never_makes_a_status_worse(input in any_object(), pick in any::<prop::sample::Index>()) {
        let set = rules::builtin("us-ada-2010").unwrap();
        let before = rules::evaluate(&set, &input);
        let mut less = input.clone();
        let e = &mut less.elements[pick.index(input.elements.len())];
        let key = e.measurements.keys().next().cloned().unwrap();
        e.measurements.remove(&key);
        let after = rules::evaluate(&set, &less);
        for c in DisabilityCategory::ALL {
            prop_assert!(after.by_category[&c] <= before.by_category[&c]);
        }
    }
}
