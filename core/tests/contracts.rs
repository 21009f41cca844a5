//! The three descriptions of Qadam's boundaries never drift: JSON Schemas in
//! `schemas/` and TypeScript types in `ui/src/bindings/` are generated from
//! the Rust types, and this test fails when the committed files differ.
//! Regenerate on purpose with `QADAM_BLESS=1 cargo test -p qadam-core --test contracts`
//! and review the diff. It also checks every example in `schemas/examples/`
//! against its schema.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use qadam_core::change::{
    Change, ErrorBody, PhotoUploadResponse, PullResponse, PushRequest, PushResponse, ServerChange,
};
use qadam_core::model::{Audit, Campaign, Element, Object, Photo};
use qadam_core::records::{ObjectDetail, ObjectSummary};
use qadam_core::store::{NewElement, NewObject, Pending, Settings};
use ts_rs::TS;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn bless() -> bool {
    std::env::var_os("QADAM_BLESS").is_some()
}

fn schemas() -> BTreeMap<&'static str, schemars::Schema> {
    let mut m = BTreeMap::new();
    macro_rules! add {
        ($($name:literal => $t:ty),* $(,)?) => { $( m.insert($name, schemars::schema_for!($t)); )* };
    }
    add! {
        "campaign" => Campaign,
        "object" => Object,
        "audit" => Audit,
        "element" => Element,
        "photo" => Photo,
        "change" => Change,
        "push" => PushRequest,
        "push-response" => PushResponse,
        "pull-response" => PullResponse,
        "photo-upload-response" => PhotoUploadResponse,
        "error" => ErrorBody,
        "enroll" => qadam_core::change::EnrollRequest,
        "enrolled-device" => qadam_core::change::EnrolledDevice,
        "new-object" => NewObject,
        "new-element" => NewElement,
        "settings" => Settings,
        "rule-set" => qadam_core::rules::RuleSet,
        "checklist" => qadam_core::checklist::Checklist,
        "evaluation-input" => qadam_core::rules::EvaluationInput,
        "verdict" => qadam_core::rules::ObjectVerdict,
        "review" => qadam_core::review::Review,
        "review-request" => qadam_core::review::ReviewRequest,
        "review-queue-item" => qadam_core::queue::QueueItem,
        "audit-event" => qadam_core::review::AuditEvent,
        "map-point" => qadam_core::analytics::MapPoint,
        "analytics" => qadam_core::analytics::Analytics,
        "catalogue" => qadam_core::catalogue::Catalogue,
        "catalogue-addition" => qadam_core::catalogue::Addition,
        "norms" => qadam_core::norms::NormsBundle,
    }
    m
}

/// Compares generated files with committed ones (or writes them when blessing).
fn check_dir(generated: &BTreeMap<String, String>, dir: &Path, what: &str) {
    if bless() {
        std::fs::create_dir_all(dir).unwrap();
        for (name, text) in generated {
            std::fs::write(dir.join(name), text).unwrap();
        }
        return;
    }
    let mut drift = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let ours = name.ends_with(".schema.json") || name.ends_with(".ts");
        if ours && !generated.contains_key(&name) {
            drift.push(format!("{name} is no longer generated"));
        }
    }
    for (name, text) in generated {
        match std::fs::read_to_string(dir.join(name)) {
            Ok(committed) if &committed == text => {}
            Ok(_) => drift.push(format!("{name} differs")),
            Err(_) => drift.push(format!("{name} is missing")),
        }
    }
    assert!(
        drift.is_empty(),
        "{what} in {} drifted from the Rust types: {drift:?}. Regenerate with QADAM_BLESS=1 cargo test -p qadam-core --test contracts",
        dir.display()
    );
}

include!("support/ts_export.rs");

#[test]
fn json_schemas_match_the_rust_types() {
    let generated = schemas()
        .into_iter()
        .map(|(n, s)| (format!("{n}.schema.json"), serde_json::to_string_pretty(&s).unwrap() + "\n"))
        .collect();
    check_dir(&generated, &root().join("schemas"), "JSON Schemas");
}

#[test]
fn typescript_bindings_match_the_rust_types() {
    let tmp = tempfile::tempdir().unwrap();
    export_each!(tmp.path();
        Campaign,
        Object,
        Audit,
        Element,
        Photo,
        Change,
        ServerChange,
        PushRequest,
        PushResponse,
        PullResponse,
        PhotoUploadResponse,
        ErrorBody,
        qadam_core::change::EnrollRequest,
        qadam_core::change::EnrolledDevice,
        qadam_core::change::Conflict,
        NewObject,
        NewElement,
        Settings,
        Pending,
        qadam_core::store::HeldBack,
        ObjectSummary,
        ObjectDetail,
        qadam_core::model::ElementKind,
        qadam_core::model::Category,
        qadam_core::model::District,
        qadam_core::checklist::Checklist,
        qadam_core::rules::RuleSetInfo,
        qadam_core::change::BasemapConfig,
        qadam_core::sync::SyncProgress,
        qadam_core::rules::ObjectVerdict,
        qadam_core::rules::RuleSet,
        qadam_core::rules::EvaluationInput,
        qadam_core::units::TypedMeasurement,
        qadam_core::review::Review,
        qadam_core::review::ReviewRequest,
        qadam_core::queue::QueueItem,
        qadam_core::review::AuditEvent,
        qadam_core::analytics::MapPoint,
        qadam_core::analytics::Analytics,
        qadam_core::import::ImportReport,
        qadam_core::catalogue::Catalogue,
        qadam_core::catalogue::Addition,
        qadam_core::records::VisitVerdict,
        qadam_core::adaptation::Adaptation,
        qadam_core::adaptation::NewAdaptations,
        qadam_core::adaptation::AdaptationUpdate,
        qadam_core::adaptation::AdaptationSummary,
        qadam_core::progress::Plan,
        qadam_core::progress::PlanProgress,
        qadam_core::norms::NormsBundle,
    );
    let generated = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    check_dir(&generated, &root().join("ui/src/bindings"), "TypeScript bindings");
}

/// The catalogue Qadam ships is valid against the catalogue's schema (the
/// file an NGO copies to start its own).
#[test]
fn the_builtin_catalogue_is_valid_against_its_schema() {
    let all = schemas();
    let path = root().join("schemas/catalogue/kazakhstan.json");
    let instance: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(all["catalogue"].as_value()).unwrap();
    let errors: Vec<String> = validator.iter_errors(&instance).map(|e| format!("{e} at {}", e.instance_path)).collect();
    assert!(errors.is_empty(), "{}: {errors:?}", path.display());
}

#[test]
fn examples_are_valid_against_their_schemas() {
    let dir = root().join("schemas/examples");
    let all = schemas();
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let schema = all.get(stem.as_str()).unwrap_or_else(|| panic!("no schema named {stem} for {}", path.display()));
        let instance: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let validator = jsonschema::validator_for(schema.as_value()).unwrap();
        let errors: Vec<String> =
            validator.iter_errors(&instance).map(|e| format!("{} at {}", e, e.instance_path)).collect();
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
        checked += 1;
    }
    assert!(dir.join("push.json").is_file());
    assert!(checked >= 4, "expected examples of push, pull-response, error and change");
}

#[test]
fn rule_set_files_are_valid_against_the_rule_set_schema() {
    let schema = schemars::schema_for!(qadam_core::rules::RuleSet);
    let validator = jsonschema::validator_for(schema.as_value()).unwrap();
    for id in qadam_core::rules::builtin_ids() {
        let path = root().join(format!("schemas/rules/{id}.json"));
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let errors: Vec<String> = validator.iter_errors(&v).map(|e| format!("{e} at {}", e.instance_path)).collect();
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
    }
}

#[test]
fn checklist_files_are_valid_against_the_checklist_schema() {
    let schema = schemars::schema_for!(qadam_core::checklist::Checklist);
    let validator = jsonschema::validator_for(schema.as_value()).unwrap();
    let mut n = 0;
    for entry in std::fs::read_dir(root().join("schemas/checklists")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let errors: Vec<String> =
                validator.iter_errors(&v).map(|e| format!("{e} at {}", e.instance_path)).collect();
            assert!(errors.is_empty(), "{}: {errors:?}", path.display());
            n += 1;
        }
    }
    assert_eq!(n, qadam_core::model::ElementKind::BUILTIN.len());
    // The example NGO directory validates too, and loads as one more kind.
    let ngo = root().join("fixtures/checklists-ngo");
    let text = std::fs::read_to_string(ngo.join("platform_lift.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(validator.is_valid(&v));
    let lists = qadam_core::checklist::Checklists::with_dir(&ngo).unwrap();
    assert_eq!(lists.all().len(), n + 1);
}

#[test]
fn the_push_example_is_accepted_by_the_model() {
    let text = std::fs::read_to_string(root().join("schemas/examples/push.json")).unwrap();
    let push: PushRequest = serde_json::from_str(&text).unwrap();
    let objects: std::collections::BTreeSet<_> = push
        .changes
        .iter()
        .filter(|c| c.entity == qadam_core::model::EntityKind::Object)
        .map(|c| c.entity_id)
        .collect();
    let elements: std::collections::BTreeSet<_> = push
        .changes
        .iter()
        .filter(|c| c.entity == qadam_core::model::EntityKind::Element)
        .map(|c| c.entity_id)
        .collect();
    assert_eq!((objects.len(), elements.len()), (1, 2));
    let lists = qadam_core::checklist::Checklists::builtin();
    for c in &push.changes {
        c.validate(&lists).unwrap();
    }
}
