//! Numbered migrations of the device store. A migration is never edited
//! after it lands; a schema change is a new entry. `PRAGMA user_version`
//! holds the number applied.

use rusqlite::Connection;

use crate::error::StoreError;

/// Migration `i` (1-based) is `MIGRATIONS[i - 1]`.
pub const MIGRATIONS: &[&str] = &[
    // 1: field state, the local change log (outbox), settings and photo upload state.
    concat!(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
         CREATE TABLE changes (
             op_id      TEXT PRIMARY KEY,
             entity     TEXT NOT NULL,
             entity_id  TEXT NOT NULL,
             field      TEXT NOT NULL,
             value      TEXT NOT NULL,
             hlc        TEXT NOT NULL,
             device_id  TEXT NOT NULL,
             local      INTEGER NOT NULL,
             pushed     INTEGER NOT NULL DEFAULT 0
         );
         CREATE INDEX changes_outbox ON changes(pushed, hlc) WHERE local = 1;
         CREATE TABLE photo_blobs (
             sha256      TEXT PRIMARY KEY,
             size_bytes  INTEGER NOT NULL,
             uploaded    INTEGER NOT NULL DEFAULT 0
         ) WITHOUT ROWID;",
        include_str!("../fields.sql")
    ),
    // 2: each local change records the server cursor its writer had seen.
    "ALTER TABLE changes ADD COLUMN seen_cursor INTEGER NOT NULL DEFAULT 0;",
    // 3: the server's unresolved conflicts on records this device holds, as
    // of the last sync, to show the auditor on the fields concerned.
    "CREATE TABLE conflicts (
         id        INTEGER PRIMARY KEY,
         entity_id TEXT NOT NULL,
         field     TEXT NOT NULL,
         body      TEXT NOT NULL
     );
     CREATE INDEX conflicts_by_record ON conflicts(entity_id);",
    // 4: only reference fields are indexed by value (a fresh device applied
    // a city's pull twice as fast).
    crate::records::FIELDS_BY_REF_DDL,
    // 5: the index of values written as ORs and holding the deletion mark
    // (a fresh device applies a pull 1.6× as fast; lists count faster).
    crate::records::FIELDS_LOOKUP_DDL,
    // 6: a local change the server refused for itself (access lost, a value
    // it no longer takes) is held back with the server's reason, so the
    // rest of the outbox goes on; the auditor sees it and sends it again.
    "ALTER TABLE changes ADD COLUMN held_back TEXT;",
];

/// Brings the database to the newest schema, each migration in its own
/// transaction.
pub fn migrate(conn: &mut Connection) -> Result<u32, StoreError> {
    let current: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as u32)?;
        tx.commit()?;
    }
    Ok(MIGRATIONS.len() as u32)
}
