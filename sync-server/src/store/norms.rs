//! The rule sets and checklists administrators add (an NGO's variant of a
//! norm, a new edition, a new element kind or field), as their files'
//! text: with the checklists the server starts with and the rule sets that
//! ship, they are the server's norms ([`qadam_core::norms::Norms`]), which
//! devices receive by sync. The SQL is the same on both backends (see
//! [`super::sql`]).

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

/// The added checklists table; part of each backend's numbered migrations.
pub const DDL_CHECKLISTS: &str = "
CREATE TABLE checklists (
    kind      TEXT PRIMARY KEY,
    body      TEXT NOT NULL,
    added_ms  BIGINT NOT NULL,
    added_by  TEXT NOT NULL
);
";

/// The two kinds of norms files kept: each table with the column that
/// names a file (`<name>.json`), in the order they were kept.
#[derive(Debug, Clone, Copy)]
pub enum NormFile {
    RuleSet,
    Checklist,
}

impl NormFile {
    /// (table, key column); fixed names, never from a request.
    fn table(self) -> (&'static str, &'static str) {
        match self {
            NormFile::RuleSet => ("rule_sets", "id"),
            NormFile::Checklist => ("checklists", "kind"),
        }
    }
}

/// Every added file of a kind, as `(file name, text)`, oldest first.
pub fn added(db: &mut dyn Db, kind: NormFile) -> Result<Vec<(String, String)>, StoreError> {
    let (table, key) = kind.table();
    Ok(db
        .query(&format!("SELECT {key}, body FROM {table} ORDER BY added_ms, {key}"), &[])?
        .into_iter()
        .map(|r| (format!("{}.json", r[0].text().unwrap_or_default()), r[1].text().unwrap_or_default().to_string()))
        .collect())
}

/// Keeps a checked file's text, in place of an earlier one of its name.
pub fn put(db: &mut dyn Db, kind: NormFile, name: &str, body: &str, by: &str) -> Result<(), StoreError> {
    let (table, key) = kind.table();
    db.execute(&format!("DELETE FROM {table} WHERE {key} = $1"), &[name.to_string().into()])?;
    db.execute(
        &format!("INSERT INTO {table} ({key}, body, added_ms, added_by) VALUES ($1, $2, $3, $4)"),
        &[name.to_string().into(), body.to_string().into(), now_ms().into(), by.to_string().into()],
    )?;
    Ok(())
}

/// What the added files are as of now, cheaply: another instance on the
/// same store that sees a different stamp reads the norms again.
pub fn stamp(db: &mut dyn Db) -> Result<String, StoreError> {
    let mut out = String::new();
    for kind in [NormFile::RuleSet, NormFile::Checklist] {
        let (table, _) = kind.table();
        let r = db.query(&format!("SELECT count(*), coalesce(max(added_ms), 0) FROM {table}"), &[])?;
        let cell = |i: usize| r.first().and_then(|row| row[i].int()).unwrap_or(0);
        out += &format!("{}:{};", cell(0), cell(1));
    }
    Ok(out)
}

/// The server's norms: `checklists` with every added checklist, the rule
/// sets that ship and every added one that still checks against them (one
/// that no longer does, after an NGO changed a checklist file, is left out
/// and logged).
pub fn load(db: &mut dyn Db, checklists: &Checklists) -> Result<Norms, StoreError> {
    let mut checklists = checklists.clone();
    for (file, text) in added(db, NormFile::Checklist)? {
        match qadam_core::checklist::Checklist::parse(&file, &text) {
            Ok(c) => checklists = checklists.with(c),
            Err(e) => tracing::warn!(%e, "an added checklist does not parse; left out"),
        }
    }
    let checklists = &checklists;
    let mut kept = Vec::new();
    for (file, text) in added(db, NormFile::RuleSet)? {
        match qadam_core::rules::RuleSet::parse(&file, &text, checklists) {
            Ok(_) => kept.push((file, text)),
            Err(e) => tracing::warn!(%e, "an added rule set no longer checks against the checklists; left out"),
        }
    }
    Ok(Norms::new(checklists.clone(), &kept)?)
}
