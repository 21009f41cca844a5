//! What photos take on disk: who uploaded each blob (for the per-device
//! quota), and which blobs no live record uses any more (collected after a
//! grace period). The SQL is the same on both backends (see [`super::sql`]).

use std::collections::HashSet;

use qadam_core::photo::PhotoInfo;
use qadam_core::StoreError;

use super::sql::{Db, Val};

/// Who uploaded each photo blob: a device id, `user:LOGIN` for a dashboard
/// upload, NULL for the server's own tooling.
pub const DDL_UPLOADER: &str = "ALTER TABLE photos ADD COLUMN uploaded_by TEXT;";

/// Records a photo blob the blob store now holds, with who sent it. False
/// if it was known already (then its first uploader stays).
pub fn add_photo(db: &mut dyn Db, info: &PhotoInfo, uploaded_by: Option<&str>) -> Result<bool, StoreError> {
    let n = db.execute(
        "INSERT INTO photos (sha256, size_bytes, mime, width_px, height_px, received_ms, uploaded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        &[
            info.sha256.clone().into(),
            (info.size_bytes as i64).into(),
            info.mime.into(),
            i64::from(info.width_px).into(),
            i64::from(info.height_px).into(),
            (qadam_core::hlc::now_ms() as i64).into(),
            uploaded_by.map_or(Val::Null, Val::from),
        ],
    )?;
    Ok(n > 0)
}

/// Bytes of photos `uploader` has stored on the server.
pub fn uploaded_bytes(db: &mut dyn Db, uploader: &str) -> Result<u64, StoreError> {
    let rows = db.query(
        "SELECT CAST(coalesce(sum(size_bytes), 0) AS BIGINT) FROM photos WHERE uploaded_by = $1",
        &[uploader.into()],
    )?;
    Ok(rows.first().and_then(|r| r[0].int()).unwrap_or(0).max(0) as u64)
}

/// Whether `uploader` sent the blob `sha256`.
pub fn uploaded(db: &mut dyn Db, sha256: &str, uploader: &str) -> Result<bool, StoreError> {
    Ok(!db
        .query("SELECT sha256 FROM photos WHERE sha256 = $1 AND uploaded_by = $2", &[sha256.into(), uploader.into()])?
        .is_empty())
}

/// Photo blobs received before `before_ms` that no live photo record
/// (one without a deletion mark) names.
pub fn unreferenced(db: &mut dyn Db, before_ms: i64) -> Result<Vec<String>, StoreError> {
    let used: HashSet<String> = db
        .query(
            "SELECT f.value FROM fields f WHERE f.entity = 'photo' AND f.field = 'sha256' AND NOT EXISTS (
                 SELECT 1 FROM fields d WHERE d.entity = 'photo' AND d.entity_id = f.entity_id
                 AND d.field = 'deleted' AND d.value = 'true')",
            &[],
        )?
        .iter()
        .filter_map(|r| serde_json::from_str::<String>(r[0].text()?).ok())
        .collect();
    Ok(db
        .query("SELECT sha256 FROM photos WHERE received_ms < $1 ORDER BY sha256", &[before_ms.into()])?
        .iter()
        .filter_map(|r| r[0].text().map(String::from))
        .filter(|sha| !used.contains(sha))
        .collect())
}

/// Forgets a photo blob (its row; the caller deletes the bytes after).
pub fn forget(db: &mut dyn Db, sha256: &str) -> Result<(), StoreError> {
    db.execute("DELETE FROM photos WHERE sha256 = $1", &[sha256.into()])?;
    Ok(())
}
