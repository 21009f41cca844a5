//! The server's norms (checklists and rule sets, see
//! [`qadam_core::norms`]): devices read them when their version differs;
//! administrators add rule sets, without a developer, and campaigns may
//! choose them at once.

use std::sync::{Arc, Mutex};

use qadam_core::checklist::{Checklist, ChecklistError};
use qadam_core::norms::{Norms, NormsError};
use qadam_core::rules::{RuleSet, RuleSetError, RuleSetInfo};
use qadam_core::ModelError;

use super::{blocking, require_admin};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::accounts::Principal;
use crate::store::norms::{self, NormFile};
use crate::store::{self as stores};

/// The most rule sets administrators may add (each is checked and sent to
/// every device).
pub const MAX_ADDED_RULE_SETS: usize = 50;

/// The most checklists administrators may add or replace, and the most
/// fields one checklist has (each is a field of a form on every phone).
pub const MAX_ADDED_CHECKLISTS: usize = 50;
pub const MAX_CHECKLIST_FIELDS: usize = 100;

/// One addition at a time, so that the norms set last hold every addition.
static ADDING: Mutex<()> = Mutex::new(());

/// The norms, read again first when another instance on the same store
/// added to them (devices ask at every sync).
pub async fn get(s: &Arc<AppState>) -> Result<Arc<Norms>, AppError> {
    refresh(s).await?;
    Ok(s.store.norms())
}

/// Reads the norms again when the store's added files changed since they
/// were read (another instance added a rule set or a checklist); true when
/// it did. Cheap otherwise: one small query.
pub async fn refresh(s: &Arc<AppState>) -> Result<bool, AppError> {
    let s = s.clone();
    blocking(move || {
        let _one = ADDING.lock().unwrap_or_else(|p| p.into_inner());
        let store = &*s.store;
        let (stamp, norms) = stores::read_accounts(store, |db| {
            let stamp = norms::stamp(db)?;
            let current = s.norms_stamp.lock().unwrap_or_else(|p| p.into_inner()).clone();
            let norms = if stamp == current { None } else { Some(norms::load(db, &s.base_checklists)?) };
            Ok::<_, qadam_core::StoreError>((stamp, norms))
        })?;
        let Some(norms) = norms else { return Ok(false) };
        store.set_norms(Arc::new(norms));
        *s.norms_stamp.lock().unwrap_or_else(|p| p.into_inner()) = stamp;
        Ok(true)
    })
    .await
}

/// Keeps the stamp of the files just written by this instance.
fn restamp(s: &AppState, db: &mut dyn crate::store::sql::Db) -> Result<(), AppError> {
    *s.norms_stamp.lock().unwrap_or_else(|p| p.into_inner()) = norms::stamp(db)?;
    Ok(())
}

/// Why an id may not name an added rule set, if it may not.
fn id_problem(id: &str) -> Option<String> {
    let ok_chars = id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
    if id.is_empty() || id.len() > 64 || !ok_chars || !id.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Some(format!(
            "`{id}`: an id is 1 to 64 lowercase Latin letters, digits, `-` and `.`, starting with a letter or digit"
        ));
    }
    qadam_core::rules::builtin_ids()
        .contains(&id)
        .then(|| format!("`{id}` ships with Qadam and follows the norm's text; give your variant its own id"))
}

fn refused(e: RuleSetError) -> AppError {
    match e {
        RuleSetError::Invalid { rule, field, message, .. } => {
            ModelError::invalid(&format!("rules.{rule}.{field}"), format!("rule `{rule}`: {message}")).into()
        }
        other => ModelError::invalid("rules", other.to_string()).into(),
    }
}

/// Adds a rule set (administrators), or replaces an added one of its id
/// (a new edition): checked against the server's checklists as a file
/// would be, kept, and part of the norms every device receives on its next
/// sync. Answers the rule sets a campaign may now choose.
pub async fn add_rule_set(s: &Arc<AppState>, p: Principal, set: RuleSet) -> Result<Vec<RuleSetInfo>, AppError> {
    require_admin(&p)?;
    if let Some(problem) = id_problem(&set.id) {
        return Err(ModelError::invalid("id", problem).into());
    }
    let by = p.display_name();
    let s = s.clone();
    blocking(move || {
        let _one = ADDING.lock().unwrap_or_else(|p| p.into_inner());
        let store = &*s.store;
        let checklists = store.norms().checklists().clone();
        let text = serde_json::to_string_pretty(&set).expect("a rule set serialises");
        RuleSet::parse(&format!("{}.json", set.id), &text, &checklists).map_err(refused)?;
        let norms = stores::accounts(store, |db| -> Result<_, AppError> {
            let added = norms::added(db, NormFile::RuleSet)?;
            if added.len() >= MAX_ADDED_RULE_SETS && !added.iter().any(|(f, _)| *f == format!("{}.json", set.id)) {
                return Err(ModelError::invalid(
                    "id",
                    format!("the server holds {MAX_ADDED_RULE_SETS} added rule sets, the most it takes; replace one by its id"),
                )
                .into());
            }
            norms::put(db, NormFile::RuleSet, &set.id, &text, &by)?;
            restamp(&s, db)?;
            Ok(norms::load(db, &s.base_checklists)?)
        })?;
        store.set_norms(Arc::new(norms));
        Ok(store.norms().catalogue())
    })
    .await
}

/// Adds a checklist (administrators): a new element kind, or a kind's
/// checklist changed (a field added, a range widened, a hint reworded).
/// Checked as a file would be, and refused when a rule set would no longer
/// check against the checklists (a field it reads taken out), naming the
/// set and the rule, or when it would refuse a value the current edition
/// accepts (a field taken out, retyped or narrowed), naming the field: a
/// phone not yet synced may hold such a value, and its push must not be
/// refused for it.
/// Devices receive it with the norms on their next sync. Answers the
/// checklists.
pub async fn add_checklist(s: &Arc<AppState>, p: Principal, c: Checklist) -> Result<Vec<Checklist>, AppError> {
    require_admin(&p)?;
    if c.fields.len() > MAX_CHECKLIST_FIELDS {
        return Err(
            ModelError::invalid("fields", format!("a checklist has at most {MAX_CHECKLIST_FIELDS} fields")).into()
        );
    }
    let by = p.display_name();
    let s = s.clone();
    blocking(move || {
        let _one = ADDING.lock().unwrap_or_else(|p| p.into_inner());
        let store = &*s.store;
        let kind = c.kind.to_string();
        let text = serde_json::to_string_pretty(&c).expect("a checklist serialises");
        let parsed = Checklist::parse(&format!("{kind}.json"), &text).map_err(|e| match e {
            ChecklistError::Invalid { field, message, .. } => ModelError::invalid(&format!("fields.{field}"), message),
            other => ModelError::invalid("fields", other.to_string()),
        })?;
        let norms = store.norms().with_checklist(parsed).map_err(|e| match e {
            NormsError::RuleSet(RuleSetError::Invalid { file, rule, field, message }) => ModelError::invalid(
                "fields",
                format!("rule set `{}`, rule `{rule}`, `{field}`: {message}", file.trim_end_matches(".json")),
            ),
            other => ModelError::invalid("fields", other.to_string()),
        })?;
        if let Some((field, why)) = store.norms().checklists().get(&c.kind).and_then(|old| old.narrowed_by(&c)) {
            return Err(ModelError::invalid(&format!("fields.{field}"), why).into());
        }
        stores::accounts(store, |db| -> Result<_, AppError> {
            let added = norms::added(db, NormFile::Checklist)?;
            if added.len() >= MAX_ADDED_CHECKLISTS && !added.iter().any(|(f, _)| *f == format!("{kind}.json")) {
                return Err(ModelError::invalid(
                    "kind",
                    format!("the server holds {MAX_ADDED_CHECKLISTS} added checklists, the most it takes; replace one by its kind"),
                )
                .into());
            }
            norms::put(db, NormFile::Checklist, &kind, &text, &by)?;
            restamp(&s, db)
        })?;
        store.set_norms(Arc::new(norms));
        Ok(store.norms().checklists().all().into_iter().cloned().collect())
    })
    .await
}
