use super::*;
use crate::model::ElementKind;

const KZ: &str = include_str!("../../../schemas/rules/kz-sp-3.06-101-2012.json");

/// The Kazakh set as an NGO would adapt it: its own id, and doors of 1 m.
fn strict_doors() -> (String, String) {
    let mut set: serde_json::Value = serde_json::from_str(KZ).unwrap();
    set["id"] = "ngo-strict-doors".into();
    set["edition"] = "2027-01".into();
    let rules = set["rules"].as_array_mut().unwrap();
    let door = rules.iter_mut().find(|r| r["id"] == "kz-4.3.2.14-door-width").unwrap();
    door["check"]["value"] = "1 m".into();
    ("ngo-strict-doors.json".into(), set.to_string())
}

#[test]
fn the_builtin_norms_travel_and_arrive_the_same() {
    let norms = Norms::builtin();
    let ids: Vec<String> = norms.catalogue().into_iter().map(|r| r.id).collect();
    assert_eq!(ids, ["kz-sp-3.06-101-2012", "us-ada-2010"]);
    let bundle = norms.bundle();
    assert_eq!(bundle.version, norms.version());
    let back = Norms::from_bundle(&serde_json::from_str(&serde_json::to_string(&bundle).unwrap()).unwrap()).unwrap();
    assert_eq!(back, norms);
}

#[test]
fn an_added_rule_set_is_judged_with_and_changes_the_version() {
    let builtin = Norms::builtin();
    let norms = Norms::new(Checklists::builtin(), &[strict_doors()]).unwrap();
    assert_ne!(norms.version(), builtin.version());
    let ids: Vec<String> = norms.catalogue().into_iter().map(|r| r.id).collect();
    assert_eq!(ids, ["kz-sp-3.06-101-2012", "ngo-strict-doors", "us-ada-2010"]);
    let door = |n: &Norms, id: &str| {
        let set = n.rule_set(id).unwrap();
        set.rules.iter().find(|r| &*r.id == "kz-4.3.2.14-door-width").unwrap().check.condition().threshold().unwrap()
    };
    assert_eq!(door(&norms, "ngo-strict-doors"), 1000.0);
    assert_eq!(door(&norms, "kz-sp-3.06-101-2012"), 900.0);
    assert_eq!(Norms::from_bundle(&norms.bundle()).unwrap(), norms);
    assert_eq!(norms.rule_set("nope"), Err(RuleSetError::Unknown("nope".into())));
}

#[test]
fn a_bundle_changed_on_the_way_is_refused() {
    let mut bundle = Norms::new(Checklists::builtin(), &[strict_doors()]).unwrap().bundle();
    let stated = bundle.version.clone();
    let set = bundle.rule_sets.iter_mut().find(|s| s.id == "ngo-strict-doors").unwrap();
    set.title = "Changed".into();
    assert!(matches!(Norms::from_bundle(&bundle), Err(NormsError::Version { stated: s, .. }) if s == stated));

    let mut twice = Norms::builtin().bundle();
    twice.rule_sets.push(twice.rule_sets[0].clone());
    assert_eq!(Norms::from_bundle(&twice), Err(NormsError::Duplicate("kz-sp-3.06-101-2012".into())));
}

#[test]
fn a_rule_set_that_reads_a_field_the_checklists_lack_is_refused() {
    let mut bundle = Norms::builtin().bundle();
    let door = bundle.checklists.iter_mut().find(|c| c.kind == ElementKind::DOOR).unwrap();
    door.fields.retain(|f| f.name != "clear_width_mm");
    match Norms::from_bundle(&bundle) {
        Err(NormsError::RuleSet(RuleSetError::Invalid { field, rule, .. })) => {
            assert_eq!(field, "reads");
            assert!(rule.contains("door"), "{rule}");
        }
        other => panic!("{other:?}"),
    }
    // Norms made from such checklists leave the built-in sets out instead.
    let lists = Checklists::from_list(bundle.checklists);
    assert!(Norms::from(lists).catalogue().is_empty());
}

#[test]
fn a_checklist_is_added_or_changed_only_while_every_rule_set_still_checks() {
    let norms = Norms::new(Checklists::builtin(), &[strict_doors()]).unwrap();
    let mut door = norms.checklists().get(&ElementKind::DOOR).unwrap().clone();
    // A new field: the forms show it, every set still checks.
    let mut closer = door.fields[0].clone();
    closer.name = "closer_force_n".into();
    closer.kind = crate::model::MeasurementType::Count;
    door.fields.push(closer);
    let more = norms.with_checklist(door.clone()).unwrap();
    assert_ne!(more.version(), norms.version());
    assert_eq!(more.checklists().fields(&ElementKind::DOOR).last().unwrap().name, "closer_force_n");
    assert_eq!(more.catalogue(), norms.catalogue(), "no set dropped");
    // Taking out the width every set's door rule reads is refused, naming the first such set.
    door.fields.retain(|f| f.name != "clear_width_mm");
    match norms.with_checklist(door) {
        Err(NormsError::RuleSet(RuleSetError::Invalid { file, field, .. })) => {
            assert_eq!((file.as_str(), field.as_str()), ("kz-sp-3.06-101-2012.json", "reads"));
        }
        other => panic!("{other:?}"),
    }
    // A new kind comes after the others.
    let mut lift = norms.checklists().get(&ElementKind::LIFT).unwrap().clone();
    lift.kind = ElementKind::new("platform_lift").unwrap();
    let with_kind = norms.with_checklist(lift).unwrap();
    assert_eq!(with_kind.checklists().kinds().last().map(|k| k.as_str()), Some("platform_lift"));
}

#[test]
fn checklists_listed_twice_keep_one_place_in_the_forms() {
    let all: Vec<_> = Checklists::builtin().all().into_iter().cloned().collect();
    let mut twice = all.clone();
    twice.push(all[0].clone());
    let lists = Checklists::from_list(twice);
    assert_eq!(lists.kinds().collect::<Vec<_>>(), Checklists::builtin().kinds().collect::<Vec<_>>());
}
