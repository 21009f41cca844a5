//! The administrators' additions to the catalogue (regions, districts,
//! object categories; see [`qadam_core::catalogue`]), in the order they
//! were made. Nothing is ever removed, so the count of additions is the
//! catalogue's version. The SQL is the same on both backends (see
//! [`super::sql`]).

use qadam_core::catalogue::{Addition, Catalogue};
use qadam_core::change::Change;
use qadam_core::model::{Category, District, EntityKind};
use qadam_core::{ModelError, StoreError};

use super::accounts::now_ms;
use super::sql::Db;

/// The additions table; part of each backend's numbered migrations.
pub const DDL: &str = "
CREATE TABLE catalogue (
    seq       BIGINT PRIMARY KEY,
    kind      TEXT NOT NULL,
    code      TEXT NOT NULL,
    body      TEXT NOT NULL,
    added_ms  BIGINT NOT NULL,
    added_by  TEXT NOT NULL,
    UNIQUE (kind, code)
);
";

/// How many additions there are: the catalogue's version.
pub fn version(db: &mut dyn Db) -> Result<i64, StoreError> {
    Ok(db.query("SELECT count(*) FROM catalogue", &[])?[0][0].int().unwrap_or(0))
}

/// The built-in catalogue with every addition.
pub fn load(db: &mut dyn Db) -> Result<Catalogue, StoreError> {
    let mut additions = Vec::new();
    for r in db.query("SELECT body FROM catalogue ORDER BY seq", &[])? {
        let text = r[0].text().unwrap_or_default();
        additions
            .push(serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("a catalogue addition: {e}")))?);
    }
    Ok(Catalogue::with_additions(additions))
}

/// Checks `a` against the catalogue as it stands and keeps it; answers
/// the new catalogue. Run it in a transaction.
pub fn add(db: &mut dyn Db, mut a: Addition, by: &str) -> Result<Catalogue, StoreError> {
    let mut catalogue = load(db)?;
    catalogue.check(&mut a)?;
    let (kind, code) = a.key();
    db.execute(
        "INSERT INTO catalogue (seq, kind, code, body, added_ms, added_by) VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            (catalogue.version + 1).into(),
            kind.into(),
            code.to_string().into(),
            serde_json::to_string(&a).expect("an addition serialises").into(),
            now_ms().into(),
            by.to_string().into(),
        ],
    )?;
    catalogue.add(a)?;
    Ok(catalogue)
}

/// Checks that a batch of changes names only districts and categories the
/// catalogue defines, looking up in the table only codes that are not
/// built in.
pub fn check_codes(db: &mut dyn Db, changes: &[Change]) -> Result<(), StoreError> {
    let builtin = Catalogue::builtin();
    for (i, c) in changes.iter().enumerate() {
        if c.entity != EntityKind::Object || !matches!(c.field.as_str(), "district" | "category") {
            continue;
        }
        if builtin.check_change(c).is_ok() {
            continue;
        }
        // Spelling was checked with the batch; the value is a code here.
        let code = match c.field.as_str() {
            "district" => serde_json::from_value::<District>(c.value.clone()).map(|d| d.to_string()),
            _ => serde_json::from_value::<Category>(c.value.clone()).map(|k| k.to_string()),
        }
        .map_err(|e| ModelError::invalid(&c.field, e.to_string()));
        let known = match code {
            Ok(code) => !db
                .query(
                    "SELECT 1 FROM catalogue WHERE kind = $1 AND code = $2",
                    &[c.field.as_str().into(), code.into()],
                )?
                .is_empty(),
            Err(_) => false,
        };
        if !known {
            let e = builtin.check_change(c).expect_err("not built in");
            return Err(super::at_index(e, i).into());
        }
    }
    Ok(())
}
