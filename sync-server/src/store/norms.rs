//! The rule sets administrators add (an NGO's variant of a norm, a new
//! edition), as their files' text: with the checklists the server starts
//! with and the rule sets that ship, they are the server's norms
//! ([`qadam_core::norms::Norms`]), which devices receive by sync. The SQL
//! is the same on both backends (see [`super::sql`]).

use qadam_core::checklist::Checklists;
use qadam_core::norms::Norms;
use qadam_core::StoreError;

use super::accounts::now_ms;
use super::sql::Db;

/// The added rule sets table; part of each backend's numbered migrations.
pub const DDL: &str = "
CREATE TABLE rule_sets (
    id        TEXT PRIMARY KEY,
    body      TEXT NOT NULL,
    added_ms  BIGINT NOT NULL,
    added_by  TEXT NOT NULL
);
";

/// Every added rule set, as `(file name, text)`, by id.
pub fn added(db: &mut dyn Db) -> Result<Vec<(String, String)>, StoreError> {
    Ok(db
        .query("SELECT id, body FROM rule_sets ORDER BY id", &[])?
        .into_iter()
        .map(|r| (format!("{}.json", r[0].text().unwrap_or_default()), r[1].text().unwrap_or_default().to_string()))
        .collect())
}

/// Keeps a checked rule set's text, in place of an earlier one of its id.
pub fn put(db: &mut dyn Db, id: &str, body: &str, by: &str) -> Result<(), StoreError> {
    db.execute("DELETE FROM rule_sets WHERE id = $1", &[id.to_string().into()])?;
    db.execute(
        "INSERT INTO rule_sets (id, body, added_ms, added_by) VALUES ($1, $2, $3, $4)",
        &[id.to_string().into(), body.to_string().into(), now_ms().into(), by.to_string().into()],
    )?;
    Ok(())
}

/// The server's norms: `checklists`, the rule sets that ship and every
/// added one that still checks against `checklists` (one that no longer
/// does, after an NGO changed a checklist file, is left out and logged).
pub fn load(db: &mut dyn Db, checklists: &Checklists) -> Result<Norms, StoreError> {
    let mut kept = Vec::new();
    for (file, text) in added(db)? {
        match qadam_core::rules::RuleSet::parse(&file, &text, checklists) {
            Ok(_) => kept.push((file, text)),
            Err(e) => tracing::warn!(%e, "an added rule set no longer checks against the checklists; left out"),
        }
    }
    Ok(Norms::new(checklists.clone(), &kept)?)
}
