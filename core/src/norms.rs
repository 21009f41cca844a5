//! The norms a store judges with: the checklists its forms show and
//! measurements are checked against, and the rule sets checked against
//! those checklists. The server's norms are the built-in ones, an NGO's
//! checklist files and the rule sets its administrators add; a device
//! receives them by sync ([`NormsBundle`], with a version) and judges its
//! audits with them, offline, until the server's version changes.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::checklist::{Checklist, Checklists};
pub use crate::error::NormsError;
use crate::error::RuleSetError;
use crate::rules::{RuleSet, RuleSetInfo};

/// Checklists and the rule sets that check against them.
#[derive(Debug, Clone, PartialEq)]
pub struct Norms {
    checklists: Checklists,
    rule_sets: BTreeMap<String, RuleSet>,
    version: String,
}

/// Norms as they travel from the server to a device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct NormsBundle {
    /// The first 12 hex digits of the SHA-256 of the checklists and rule
    /// sets as JSON: a device asks for the norms only when it differs.
    pub version: String,
    /// Every element kind's checklist, in form order.
    pub checklists: Vec<Checklist>,
    /// Every rule set, by id.
    pub rule_sets: Vec<RuleSet>,
}

impl Norms {
    /// The checklists and rule sets that ship with Qadam.
    pub fn builtin() -> Norms {
        Norms::new(Checklists::builtin(), &[]).expect("the built-in rule sets check")
    }

    /// `checklists`, the built-in rule sets that check against them (an
    /// NGO's checklist may drop a field a built-in rule reads), and `added`
    /// rule set files (name, text), each replacing a set of its id.
    pub fn new(checklists: Checklists, added: &[(String, String)]) -> Result<Norms, RuleSetError> {
        let mut rule_sets = BTreeMap::new();
        for id in crate::rules::builtin_ids() {
            if let Ok(set) = crate::rules::builtin(id, &checklists) {
                rule_sets.insert(set.id.clone(), set);
            }
        }
        for (file, text) in added {
            let set = RuleSet::parse(file, text, &checklists)?;
            rule_sets.insert(set.id.clone(), set);
        }
        Ok(Norms::assemble(checklists, rule_sets))
    }

    fn assemble(checklists: Checklists, rule_sets: BTreeMap<String, RuleSet>) -> Norms {
        let version = version_of(&checklists.all(), &rule_sets.values().collect::<Vec<_>>());
        Norms { checklists, rule_sets, version }
    }

    /// Norms received from a server: every checklist and rule set checked
    /// as if read from its file, and the version recomputed.
    pub fn from_bundle(b: &NormsBundle) -> Result<Norms, NormsError> {
        let mut lists = Vec::with_capacity(b.checklists.len());
        for c in &b.checklists {
            let text = serde_json::to_string(c).expect("a checklist serialises");
            lists.push(Checklist::parse(&format!("norms {}/{}.json", b.version, c.kind), &text)?);
        }
        let checklists = Checklists::from_list(lists);
        let mut rule_sets = BTreeMap::new();
        for s in &b.rule_sets {
            let text = serde_json::to_string(s).expect("a rule set serialises");
            let set = RuleSet::parse(&format!("norms {}/{}.json", b.version, s.id), &text, &checklists)?;
            if rule_sets.insert(set.id.clone(), set).is_some() {
                return Err(NormsError::Duplicate(s.id.clone()));
            }
        }
        let norms = Norms::assemble(checklists, rule_sets);
        if norms.version != b.version {
            return Err(NormsError::Version { stated: b.version.clone(), actual: norms.version });
        }
        Ok(norms)
    }

    /// These norms with `c` in place of its kind's checklist (or a new
    /// kind's): refused when a rule set would no longer check against the
    /// checklists (a field it reads taken out), so no set is dropped.
    pub fn with_checklist(&self, c: Checklist) -> Result<Norms, NormsError> {
        let checklists = self.checklists.clone().with(c);
        for set in self.rule_sets.values() {
            let text = serde_json::to_string(set).expect("a rule set serialises");
            RuleSet::parse(&format!("{}.json", set.id), &text, &checklists)?;
        }
        Ok(Norms::assemble(checklists, self.rule_sets.clone()))
    }

    pub fn bundle(&self) -> NormsBundle {
        NormsBundle {
            version: self.version.clone(),
            checklists: self.checklists.all().into_iter().cloned().collect(),
            rule_sets: self.rule_sets.values().cloned().collect(),
        }
    }

    pub fn checklists(&self) -> &Checklists {
        &self.checklists
    }

    /// Which norms these are (see [`NormsBundle::version`]).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The rule set `id`.
    pub fn rule_set(&self, id: &str) -> Result<&RuleSet, RuleSetError> {
        self.rule_sets.get(id).ok_or_else(|| RuleSetError::Unknown(id.to_string()))
    }

    /// Every rule set, named, by id.
    pub fn catalogue(&self) -> Vec<RuleSetInfo> {
        self.rule_sets
            .values()
            .map(|r| RuleSetInfo {
                id: r.id.clone(),
                title: r.title.clone(),
                document: r.document.clone(),
                edition: r.edition.clone(),
            })
            .collect()
    }
}

impl Default for Norms {
    fn default() -> Norms {
        Norms::builtin()
    }
}

impl From<Checklists> for Norms {
    /// `checklists` with the built-in rule sets that check against them.
    fn from(checklists: Checklists) -> Norms {
        Norms::new(checklists, &[]).expect("no added rule set to refuse")
    }
}

fn version_of(checklists: &[&Checklist], rule_sets: &[&RuleSet]) -> String {
    use sha2::{Digest, Sha256};
    let all = serde_json::to_vec(&(checklists, rule_sets)).expect("norms serialise");
    hex::encode(Sha256::digest(&all))[..12].to_string()
}

#[cfg(test)]
mod tests;
