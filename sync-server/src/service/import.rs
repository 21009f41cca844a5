//! Importing a list of objects to audit into a campaign: every row
//! checked first, and the accepted rows written as ordinary records, in one
//! batch by the coordinator, that sync to the auditors' devices.

use qadam_core::ErrorCode;
use std::sync::Arc;

use qadam_core::import::ImportReport;
use uuid::Uuid;

use super::{blocking, may_coordinate};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::accounts::Principal;
use crate::store::{Access, SyncStore, COORDINATOR_DEVICE};

/// The file formats an import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    #[default]
    Csv,
    GeoJson,
}

/// Imports `bytes` (UTF-8 text) into a campaign `p` coordinates; answers
/// the report (every bad row named; nothing imported from a file with
/// errors unless `skip_invalid`).
pub async fn import(
    s: &Arc<AppState>,
    p: &Principal,
    campaign: Uuid,
    bytes: Vec<u8>,
    format: Format,
    skip_invalid: bool,
) -> Result<ImportReport, AppError> {
    may_coordinate(p, Some(campaign))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| AppError::bad(ErrorCode::InvalidFile, "the file is not UTF-8 text", None))?;
    let s = s.clone();
    blocking(move || import_objects(&*s.store, campaign, &text, format, skip_invalid)).await
}

/// Imports a list of objects to audit into `campaign` (CSV, or GeoJSON when
/// `geojson`): every row is checked first; with errors, nothing is imported
/// unless `skip_invalid`. The accepted rows become ordinary records, made in
/// one batch by the coordinator, that sync to the auditors' devices.
pub fn import_objects(
    store: &dyn SyncStore,
    campaign: Uuid,
    text: &str,
    format: Format,
    skip_invalid: bool,
) -> Result<ImportReport, AppError> {
    use qadam_core::model::EntityKind;
    if !store.campaigns()?.iter().any(|c| c.id == campaign) {
        return Err(AppError::NotFound(format!("campaign {campaign}")));
    }
    let catalogue = crate::store::read_accounts(store, crate::store::catalogue::load)?;
    let (rows, n, errors) = if format == Format::GeoJson {
        qadam_core::import::from_geojson(&catalogue, text)
    } else {
        qadam_core::import::from_csv(&catalogue, text)
    }
    .map_err(|e| AppError::bad(ErrorCode::InvalidFile, e.0, None))?;
    let bad_rows = errors.iter().map(|e| e.row).collect::<std::collections::BTreeSet<_>>().len() as u32;
    let mut report = ImportReport { rows: n, bad_rows, errors, imported: 0 };
    if !report.errors.is_empty() && !skip_invalid {
        return Ok(report);
    }
    let mut clock = qadam_core::HlcClock::default();
    let mut changes = Vec::new();
    for r in &rows {
        let id = Uuid::now_v7();
        let mut fields = vec![
            ("campaign_id", serde_json::json!(campaign)),
            ("name", serde_json::json!(r.name)),
            ("category", serde_json::json!(r.category)),
            ("district", serde_json::json!(r.district)),
            ("address", serde_json::json!(r.address)),
        ];
        if let Some(l) = r.location {
            fields.push(("location", serde_json::json!(l)));
        }
        changes.extend(qadam_core::change::Change::record(
            EntityKind::Object,
            id,
            fields,
            &mut clock,
            COORDINATOR_DEVICE,
        ));
    }
    store.push(changes, &Access::All)?;
    report.imported = rows.len() as u32;
    Ok(report)
}
