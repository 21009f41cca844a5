//! Importing a list of objects to audit into a campaign: every row
//! checked first, and the accepted rows written as ordinary records, in one
//! batch by the coordinator, that sync to the auditors' devices.

use qadam_core::ErrorCode;
use std::sync::Arc;

use qadam_core::duplicates::Candidate;
use qadam_core::import::{ImportDuplicate, ImportReport};
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
    /// A table: CSV text, or an `.xlsx` spreadsheet (told by the bytes).
    #[default]
    Csv,
    GeoJson,
    /// An OpenStreetMap extract: `.osm.pbf`, or GeoJSON (osmtogeojson,
    /// Overpass turbo); which one is told by the bytes.
    Osm,
}

/// Imports `bytes` (UTF-8 text, or an `.osm.pbf` extract) into a campaign `p` coordinates; answers
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
    let s = s.clone();
    blocking(move || import_objects(&*s.store, campaign, &bytes, format, skip_invalid)).await
}

/// Imports a list of objects to audit into `campaign` (CSV, or GeoJSON when
/// `geojson`): every row is checked first; with errors, nothing is imported
/// unless `skip_invalid`. The accepted rows become ordinary records, made in
/// one batch by the coordinator, that sync to the auditors' devices.
pub fn import_objects(
    store: &dyn SyncStore,
    campaign: Uuid,
    bytes: &[u8],
    format: Format,
    skip_invalid: bool,
) -> Result<ImportReport, AppError> {
    use qadam_core::model::EntityKind;
    if !store.campaigns()?.iter().any(|c| c.id == campaign) {
        return Err(AppError::NotFound(format!("campaign {campaign}")));
    }
    let catalogue = crate::store::read_accounts(store, crate::store::catalogue::load)?;
    let bad_file = |e: qadam_core::import::ImportError| AppError::bad(ErrorCode::InvalidFile, e.0, None);
    let text = || {
        std::str::from_utf8(bytes)
            .map_err(|_| AppError::bad(ErrorCode::InvalidFile, "the file is not UTF-8 text", None))
    };
    let (rows, n, errors, skipped) = match format {
        Format::GeoJson => with_none_skipped(qadam_core::import::from_geojson(&catalogue, text()?).map_err(bad_file)?),
        Format::Csv if qadam_core::import::is_xlsx(bytes) => {
            with_none_skipped(qadam_core::import::from_xlsx(&catalogue, bytes).map_err(bad_file)?)
        }
        Format::Csv => with_none_skipped(qadam_core::import::from_csv(&catalogue, text()?).map_err(bad_file)?),
        Format::Osm => {
            let places = if qadam_core::osm::is_pbf(bytes) {
                qadam_core::osm::places_from_pbf(bytes)
            } else {
                qadam_core::osm::places_from_geojson(text()?)
            };
            let got = qadam_core::osm::rows(&catalogue, &places.map_err(bad_file)?);
            (got.rows, got.features, got.errors, got.skipped)
        }
    };
    let bad_rows = errors.iter().map(|e| e.row).collect::<std::collections::BTreeSet<_>>().len() as u32;
    let duplicates = duplicates_of(store, campaign, &rows)?;
    let mut report = ImportReport { rows: n, bad_rows, errors, imported: 0, skipped, duplicates };
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
            ("address", serde_json::json!(r.address)),
        ];
        if let Some(d) = &r.district {
            fields.push(("district", serde_json::json!(d)));
        }
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

type Parsed = (Vec<qadam_core::import::ImportRow>, u32, Vec<qadam_core::import::RowError>, u32);

fn with_none_skipped(
    (rows, n, errors): (Vec<qadam_core::import::ImportRow>, u32, Vec<qadam_core::import::RowError>),
) -> Parsed {
    (rows, n, errors, 0)
}

/// The rows that are probably a place the campaign has already, or another
/// row of the file (`core::duplicates` over both).
fn duplicates_of(
    store: &dyn SyncStore,
    campaign: Uuid,
    rows: &[qadam_core::import::ImportRow],
) -> Result<Vec<ImportDuplicate>, AppError> {
    let existing: Vec<qadam_core::model::Object> =
        store.objects(Some(campaign))?.into_iter().map(|o| o.object).collect();
    let candidates: Vec<Candidate<'_>> = existing
        .iter()
        .map(|o| Candidate { name: &o.name, address: &o.address, location: o.location })
        .chain(rows.iter().map(|r| Candidate { name: &r.name, address: &r.address, location: r.location }))
        .collect();
    let k = existing.len();
    let mut out = Vec::new();
    for p in qadam_core::duplicates::find(&candidates) {
        let (a, b) = (p.first as usize, p.second as usize);
        // A pair of existing objects is the Duplicates page's, not the import's.
        if b < k {
            continue;
        }
        let row = &rows[b - k];
        let (object, other_row, other_name) = if a < k {
            (Some(existing[a].id), None, existing[a].name.clone())
        } else {
            (None, Some(rows[a - k].row), rows[a - k].name.clone())
        };
        out.push(ImportDuplicate {
            row: row.row,
            object,
            other_row,
            name: row.name.clone(),
            other_name,
            distance_m: p.distance_m,
            name_similarity_permille: p.name_similarity_permille,
        });
    }
    out.sort_by_key(|d| (d.row, d.other_row));
    Ok(out)
}
