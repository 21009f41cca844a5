//! Checklists as data, passed to whatever validates or evaluates (no
//! process-wide registry): for every element kind, the fields an auditor
//! measures, each with its type (the unit is in the name), allowed range,
//! labels and measuring hints in ru/kk/en, whether a photo is expected, and
//! the functional zone of the kind. The built-in files are
//! `schemas/checklists/*.json`; an NGO can add or change fields by putting
//! its own files in a directory named by `QADAM_CHECKLISTS_DIR`, without
//! recompiling. Files are checked at load, with errors naming the file, the
//! line and the field.

use std::collections::BTreeMap;
use std::path::Path;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::model::{ElementKind, Localized, MeasurementType, Zone};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct ChecklistField {
    /// Field name; a length ends in `_mm`, a slope in `_permille`.
    pub name: String,
    #[serde(rename = "type")]
    pub kind: MeasurementType,
    /// Smallest and largest accepted value, in the field's unit.
    #[serde(default)]
    pub min: Option<u32>,
    #[serde(default)]
    pub max: Option<u32>,
    pub label: Localized,
    /// How to measure it.
    pub hint: Localized,
    #[serde(default)]
    pub photo_expected: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct Checklist {
    pub kind: ElementKind,
    pub zone: Zone,
    pub title: Localized,
    /// Whether a photo of the element as a whole is expected.
    #[serde(default)]
    pub photo_expected: bool,
    pub fields: Vec<ChecklistField>,
}

pub use crate::error::ChecklistError;

const BUILTIN: &[(&str, &str)] = &[
    ("approach_path", include_str!("../../schemas/checklists/approach_path.json")),
    ("parking", include_str!("../../schemas/checklists/parking.json")),
    ("entrance", include_str!("../../schemas/checklists/entrance.json")),
    ("ramp", include_str!("../../schemas/checklists/ramp.json")),
    ("stairs", include_str!("../../schemas/checklists/stairs.json")),
    ("door", include_str!("../../schemas/checklists/door.json")),
    ("tactile_navigation", include_str!("../../schemas/checklists/tactile_navigation.json")),
    ("lift", include_str!("../../schemas/checklists/lift.json")),
    ("corridor", include_str!("../../schemas/checklists/corridor.json")),
    ("toilet", include_str!("../../schemas/checklists/toilet.json")),
    ("signage", include_str!("../../schemas/checklists/signage.json")),
    ("service_counter", include_str!("../../schemas/checklists/service_counter.json")),
    ("information_communication", include_str!("../../schemas/checklists/information_communication.json")),
];

impl Checklist {
    /// Parses and checks one checklist file.
    pub fn parse(file: &str, text: &str) -> Result<Checklist, ChecklistError> {
        let c: Checklist = serde_json::from_str(text).map_err(|e| ChecklistError::Parse {
            file: file.to_string(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        let invalid = |field: &str, message: String| ChecklistError::Invalid {
            file: file.to_string(),
            field: field.into(),
            message,
        };
        if let Some(stem) = Path::new(file).file_stem().and_then(|s| s.to_str()) {
            if stem != c.kind.as_str() {
                return Err(invalid("kind", format!("a file named `{stem}.json` must define the kind `{stem}`")));
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for f in &c.fields {
            if !seen.insert(&f.name) {
                return Err(invalid(&f.name, "listed twice".into()));
            }
            let suffix_ok = match f.kind {
                MeasurementType::LengthMm => f.name.ends_with("_mm"),
                MeasurementType::Permille => f.name.ends_with("_permille"),
                MeasurementType::Flag | MeasurementType::Count => {
                    !f.name.ends_with("_mm") && !f.name.ends_with("_permille")
                }
            };
            if !suffix_ok {
                return Err(invalid(&f.name, format!("the name must say the unit of a {:?} field", f.kind)));
            }
            if !f.name.chars().all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_') {
                return Err(invalid(&f.name, "names are lower-case ASCII with underscores".into()));
            }
            if let (Some(lo), Some(hi)) = (f.min, f.max) {
                if lo > hi {
                    return Err(invalid(&f.name, format!("min {lo} is above max {hi}")));
                }
            }
        }
        Ok(c)
    }

    /// What `next`, a new edition of this checklist, would refuse of the
    /// values this one accepts: a field taken out, its type changed or its
    /// range narrowed. A phone that measured with this edition and has not
    /// synced yet holds such values, and a push the server refuses would
    /// keep the whole outbox back. Answers the field and why; `None` when
    /// `next` only adds fields, widens ranges or rewords.
    pub fn narrowed_by(&self, next: &Checklist) -> Option<(String, String)> {
        let keep = "phones may hold measurements of it taken with the current checklist; add a new field instead";
        for old in &self.fields {
            let Some(new) = next.fields.iter().find(|f| f.name == old.name) else {
                return Some((old.name.clone(), format!("`{}` is taken out, but {keep}", old.name)));
            };
            if new.kind != old.kind {
                let why = format!("`{}` changes from {:?} to {:?}, but {keep}", old.name, old.kind, new.kind);
                return Some((old.name.clone(), why));
            }
            let (lo, hi) = (|f: &ChecklistField| f.min.unwrap_or(0), |f: &ChecklistField| f.max.unwrap_or(u32::MAX));
            if lo(new) > lo(old) || hi(new) < hi(old) {
                let shown = |f: &ChecklistField| {
                    format!("{}..{}", lo(f), f.max.map_or_else(|| "no limit".to_string(), |m| m.to_string()))
                };
                let why = format!("`{}` narrows from {} to {}, but {keep}", old.name, shown(old), shown(new));
                return Some((old.name.clone(), why));
            }
        }
        None
    }
}

/// Every kind's checklist, in the order forms list them: the built-in kinds
/// first, then kinds added by files.
#[derive(Debug, Clone, PartialEq)]
pub struct Checklists {
    by_kind: BTreeMap<ElementKind, Checklist>,
    order: Vec<ElementKind>,
}

impl Checklists {
    pub fn builtin() -> Self {
        let by_kind: BTreeMap<_, _> = BUILTIN
            .iter()
            .map(|(kind, text)| {
                let c = Checklist::parse(&format!("schemas/checklists/{kind}.json"), text)
                    .unwrap_or_else(|e| panic!("built-in checklist: {e}"));
                (c.kind.clone(), c)
            })
            .collect();
        Checklists { order: ElementKind::BUILTIN.to_vec(), by_kind }
    }

    /// `lists`, in this order (each already parsed: see [`Checklist::parse`]);
    /// a kind listed twice is the later one, in the first one's place.
    pub fn from_list(lists: Vec<Checklist>) -> Self {
        let empty = Checklists { order: Vec::new(), by_kind: BTreeMap::new() };
        lists.into_iter().fold(empty, Checklists::with)
    }

    /// The built-in checklists, with every `*.json` in `dir` replacing the
    /// checklist of its kind.
    pub fn with_dir(dir: &Path) -> Result<Self, ChecklistError> {
        let mut all = Self::builtin();
        let io = |e: std::io::Error| ChecklistError::Io { file: dir.display().to_string(), message: e.to_string() };
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .map_err(io)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        paths.sort();
        for p in paths {
            let file = p.display().to_string();
            let text = std::fs::read_to_string(&p)
                .map_err(|e| ChecklistError::Io { file: file.clone(), message: e.to_string() })?;
            all = all.with(Checklist::parse(&file, &text)?);
        }
        Ok(all)
    }

    /// These checklists with `c` in place of its kind's, or after the
    /// others when its kind is new.
    pub fn with(mut self, c: Checklist) -> Self {
        if !self.order.contains(&c.kind) {
            self.order.push(c.kind.clone());
        }
        self.by_kind.insert(c.kind.clone(), c);
        self
    }

    /// The built-in checklists plus the files of the directory
    /// `QADAM_CHECKLISTS_DIR` names, if it is set: what the app and the
    /// server load at start.
    pub fn from_env() -> Result<Self, ChecklistError> {
        match std::env::var_os("QADAM_CHECKLISTS_DIR") {
            Some(dir) => Self::with_dir(Path::new(&dir)),
            None => Ok(Self::builtin()),
        }
    }

    /// Which checklists these are: the first 12 hex digits of the SHA-256
    /// of every checklist, in form order, as JSON. Two devices with the same
    /// files have the same version; an NGO's changed file changes it. Each
    /// submitted audit records it.
    pub fn version(&self) -> String {
        use sha2::{Digest, Sha256};
        let all = serde_json::to_vec(&self.all()).expect("checklists serialise");
        hex::encode(Sha256::digest(&all))[..12].to_string()
    }

    pub fn get(&self, kind: &ElementKind) -> Option<&Checklist> {
        self.by_kind.get(kind)
    }

    /// Whether these checklists define `kind` (elements of an unknown kind
    /// are refused, and never assessed).
    pub fn is_known(&self, kind: &ElementKind) -> bool {
        self.by_kind.contains_key(kind)
    }

    pub fn fields(&self, kind: &ElementKind) -> &[ChecklistField] {
        self.get(kind).map(|c| c.fields.as_slice()).unwrap_or(&[])
    }

    /// The functional zone of a kind; `None` for a kind no checklist defines.
    pub fn zone(&self, kind: &ElementKind) -> Option<Zone> {
        self.get(kind).map(|c| c.zone)
    }

    /// Every kind, in form order.
    pub fn kinds(&self) -> impl Iterator<Item = &ElementKind> {
        self.order.iter()
    }

    pub fn all(&self) -> Vec<&Checklist> {
        self.order.iter().filter_map(|k| self.get(k)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_valid_builtin_checklist() {
        let c = Checklists::builtin();
        assert_eq!(c.kinds().cloned().collect::<Vec<_>>(), ElementKind::BUILTIN.to_vec());
        for k in &ElementKind::BUILTIN {
            let list = c.get(k).unwrap_or_else(|| panic!("no checklist for {k:?}"));
            assert!(!list.fields.is_empty(), "{k:?}");
            for f in &list.fields {
                assert!(!f.hint.kk.is_empty() && !f.label.en.is_empty(), "{k:?}.{}", f.name);
            }
        }
    }

    #[test]
    fn errors_name_the_file_line_and_field() {
        let e = Checklist::parse("ramp.json", "{\n \"kind\": \"ramp\",\n \"colour\": 1\n}").unwrap_err();
        assert!(e.to_string().starts_with("ramp.json:3:"), "{e}");
        let mut ramp = Checklists::builtin().get(&ElementKind::RAMP).unwrap().clone();
        ramp.fields[0].name = "rise".into();
        let e = Checklist::parse("ramp.json", &serde_json::to_string_pretty(&ramp).unwrap()).unwrap_err();
        assert!(e.to_string().contains("`rise`") && e.to_string().contains("unit"), "{e}");
    }

    #[test]
    fn a_directory_adds_a_field_without_recompiling() {
        let dir = tempfile::tempdir().unwrap();
        let mut door = Checklists::builtin().get(&ElementKind::DOOR).unwrap().clone();
        let mut extra = door.fields[0].clone();
        extra.name = "kick_plate_height_mm".into();
        door.fields.push(extra);
        std::fs::write(dir.path().join("door.json"), serde_json::to_string(&door).unwrap()).unwrap();
        let c = Checklists::with_dir(dir.path()).unwrap();
        assert!(c.fields(&ElementKind::DOOR).iter().any(|f| f.name == "kick_plate_height_mm"));
        assert!(!Checklists::builtin().fields(&ElementKind::DOOR).iter().any(|f| f.name == "kick_plate_height_mm"));
    }

    #[test]
    fn a_directory_adds_a_whole_kind_without_recompiling() {
        let dir = tempfile::tempdir().unwrap();
        let text = r#"{
          "kind": "playground",
          "zone": "service",
          "title": {"ru": "Детская площадка", "kk": "Балалар алаңы", "en": "Playground"},
          "fields": [{
            "name": "surface_gap_mm", "type": "length_mm", "min": 0, "max": 500,
            "label": {"ru": "Зазор покрытия", "kk": "Жабын саңылауы", "en": "Surface gap"},
            "hint": {"ru": "Наибольший зазор", "kk": "Ең үлкен саңылау", "en": "Widest gap"}
          }]
        }"#;
        std::fs::write(dir.path().join("playground.json"), text).unwrap();
        let c = Checklists::with_dir(dir.path()).unwrap();
        let kind = ElementKind::new("playground").unwrap();
        assert_eq!(c.zone(&kind), Some(Zone::Service));
        assert_eq!(c.kinds().last(), Some(&kind));
        assert_eq!(c.all().len(), ElementKind::BUILTIN.len() + 1);
        assert_eq!(c.fields(&kind)[0].name, "surface_gap_mm");
    }

    #[test]
    fn a_file_must_define_the_kind_it_is_named_after() {
        let ramp = serde_json::to_string(Checklists::builtin().get(&ElementKind::RAMP).unwrap()).unwrap();
        let e = Checklist::parse("dir/door.json", &ramp).unwrap_err();
        assert!(e.to_string().contains("`kind`") && e.to_string().contains("door"), "{e}");
    }

    #[test]
    fn a_new_edition_may_add_and_widen_but_not_take_away() {
        let door = Checklists::builtin().get(&ElementKind::DOOR).unwrap().clone();
        let width = door.fields.iter().position(|f| f.name == "clear_width_mm").unwrap();
        let changed = |change: &dyn Fn(&mut Checklist)| {
            let mut next = door.clone();
            change(&mut next);
            door.narrowed_by(&next).map(|(field, _)| field)
        };
        assert_eq!(changed(&|_| {}), None);
        assert_eq!(changed(&|c| c.fields[width].hint.en = "Reworded".into()), None);
        assert_eq!(changed(&|c| c.fields[width].max = None), None, "widened");
        assert_eq!(
            changed(&|c| {
                let mut extra = c.fields[width].clone();
                extra.name = "kick_plate_height_mm".into();
                c.fields.push(extra);
            }),
            None
        );
        let taken = Some("clear_width_mm".to_string());
        assert_eq!(
            changed(&|c| {
                c.fields.remove(width);
            }),
            taken
        );
        assert_eq!(changed(&|c| c.fields[width].kind = MeasurementType::Count), taken);
        assert_eq!(changed(&|c| c.fields[width].min = Some(door.fields[width].min.unwrap_or(0) + 1)), taken);
        assert_eq!(changed(&|c| c.fields[width].max = Some(door.fields[width].max.unwrap_or(u32::MAX) - 1)), taken);
        let (_, why) = door.narrowed_by(&Checklist { fields: vec![], ..door.clone() }).unwrap();
        assert!(why.contains("taken out") && why.contains("new field"), "{why}");
    }
}
