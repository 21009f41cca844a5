//! What anyone may read and do without signing in: the public map, search,
//! a place's page, its public photos, the open datasets, and a resident's
//! report of a change. Everything is read from the published objects
//! (`qadam_core::public`: approved audits only, no person or device named);
//! and, for coordinators, the reports of their campaigns and which photos
//! are public.

use std::net::IpAddr;
use std::sync::Arc;

use qadam_core::model::{EntityKind, Photo};
use qadam_core::public::{self, BBox, PublicFilter, PublicMap, PublicPlace, SearchHit};
use qadam_core::{ErrorCode, ModelError};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::findings::ExportFile;
use super::{blocking, may_coordinate, require_coordinator};
use crate::error::AppError;
use crate::evaluated::Published;
use crate::state::AppState;
use crate::store::accounts::Principal;
use crate::store::reports::{self, Report};
use crate::store::{Access, COORDINATOR_DEVICE};

/// The published objects as of now.
pub fn published(s: &AppState) -> Result<Arc<Published>, AppError> {
    Ok(s.published.get(&*s.store, &s.evaluated)?)
}

fn bbox(filter: &PublicFilter) -> Result<Option<BBox>, AppError> {
    filter.bbox().map_err(|m| AppError::bad(ErrorCode::InvalidValue, m, Some("bbox".into())))
}

/// The deepest zoom the map answers for (a building's entrance).
pub const MAX_ZOOM: u8 = 22;

/// The public map of a box at a zoom.
pub async fn map(s: &Arc<AppState>, filter: PublicFilter, zoom: u8) -> Result<PublicMap, AppError> {
    if zoom > MAX_ZOOM {
        return Err(AppError::bad(ErrorCode::InvalidValue, format!("zoom is 0 to {MAX_ZOOM}"), Some("zoom".into())));
    }
    let b = bbox(&filter)?;
    let s = s.clone();
    blocking(move || Ok(public::map(&published(&s)?.index, &filter, b, zoom, &s.licence))).await
}

/// Longest search text taken.
pub const MAX_QUERY_CHARS: usize = 200;

/// Places by name or address.
pub async fn search(s: &Arc<AppState>, filter: PublicFilter, q: String) -> Result<Vec<SearchHit>, AppError> {
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(AppError::bad(
            ErrorCode::InvalidValue,
            format!("search for at most {MAX_QUERY_CHARS} characters"),
            Some("q".into()),
        ));
    }
    let s = s.clone();
    blocking(move || Ok(public::search(&published(&s)?.index, &filter, &q))).await
}

/// A published place's page (not found for an object with no approved
/// audit: to the public it does not exist yet).
pub async fn place(s: &Arc<AppState>, id: Uuid) -> Result<PublicPlace, AppError> {
    let s = s.clone();
    blocking(move || {
        let p = published(&s)?;
        let o = p.object(id).ok_or_else(|| AppError::NotFound(format!("place {id}")))?;
        let none = Vec::new();
        Ok(public::place(
            o,
            p.approvals.get(&id).unwrap_or(&none),
            p.photos.get(&id).map(Vec::as_slice).unwrap_or(&[]),
            &s.licence,
        ))
    })
    .await
}

/// A public photo (or its thumbnail) without any metadata; not found for a
/// photo no coordinator made public.
pub async fn photo(s: &Arc<AppState>, sha256: String, thumb: bool) -> Result<Vec<u8>, AppError> {
    if !qadam_core::photo::is_sha256_hex(&sha256) {
        return Err(qadam_core::PhotoError::BadHash(sha256).into());
    }
    let st = s.clone();
    let sha = sha256.clone();
    // A thumbnail asked for is the stored one when there is one, else made
    // from the original now; either way it leaves without metadata.
    let (bytes, make_thumb) = blocking(move || {
        if !published(&st)?.is_public_photo(&sha) {
            return Err(AppError::NotFound(format!("public photo {sha}")));
        }
        let stored = match st.thumbs.get(&sha)? {
            Some(small) if thumb => Some((small, false)),
            _ => st.photos.get(&sha)?.map(|original| (original, thumb)),
        };
        stored.ok_or_else(|| AppError::NotFound(format!("public photo {sha}")))
    })
    .await?;
    s.imaging
        .run(move || {
            Ok(if make_thumb { qadam_core::photo::thumbnail(&bytes)? } else { qadam_core::photo::public_copy(&bytes)? })
        })
        .await
}

/// The query of a public request: which places (campaign, district,
/// object type, box), and for the map its zoom, for search its text, for a
/// dataset its page. One type, so every parameter is read the same way
/// everywhere and an unknown one is refused by name.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicQuery {
    pub campaign: Option<Uuid>,
    pub district: Option<qadam_core::model::District>,
    pub category: Option<qadam_core::model::Category>,
    /// `west,south,east,north` in degrees.
    pub bbox: Option<String>,
    pub zoom: Option<u8>,
    pub q: Option<String>,
    /// 1-based.
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

impl PublicQuery {
    pub fn filter(&self) -> PublicFilter {
        PublicFilter {
            campaign: self.campaign,
            district: self.district.clone(),
            category: self.category.clone(),
            bbox: self.bbox.clone(),
        }
    }
}

/// Objects per page of a dataset unless asked otherwise, and at most.
pub const PER_PAGE: u32 = 1000;
pub const MAX_PER_PAGE: u32 = 10_000;

/// One page of a dataset: its bytes, and how many objects there are in all.
pub struct Dataset {
    pub bytes: Vec<u8>,
    pub total: usize,
    pub page: u32,
    pub pages: u32,
}

/// A whole open dataset, written as it is sent: the head, then the objects
/// in pieces of about [`STREAM_PIECE_BYTES`], then the tail. A city's file
/// is never whole in memory, and a client that goes away stops the writing.
pub struct Streamed {
    pub total: usize,
    pub pieces: tokio::sync::mpsc::Receiver<Vec<u8>>,
}

/// The size of the pieces a streamed dataset is sent in.
pub const STREAM_PIECE_BYTES: usize = 64 * 1024;

/// The published objects a filter selects (their indexes in `p.objects`).
fn selected(p: &Published, filter: &PublicFilter, b: Option<BBox>) -> Vec<usize> {
    p.objects
        .iter()
        .enumerate()
        .filter(|(_, o)| filter.selects(o))
        .filter(|(_, o)| b.is_none_or(|b| o.object.location.is_some_and(|l| b.contains(l.lat_deg, l.lon_deg))))
        .map(|(i, _)| i)
        .collect()
}

/// The whole dataset of the published objects a filter selects, streamed.
pub async fn dataset_stream(s: &Arc<AppState>, file: ExportFile, q: PublicQuery) -> Result<Streamed, AppError> {
    let filter = q.filter();
    let b = bbox(&filter)?;
    let st = s.clone();
    let (p, chosen) = blocking(move || {
        let p = published(&st)?;
        let chosen = selected(&p, &filter, b);
        Ok((p, chosen))
    })
    .await?;
    let total = chosen.len();
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let licence = s.licence.clone();
    tokio::task::spawn_blocking(move || {
        let mut w = qadam_core::export::Writer::new(file.format(), Some(&licence));
        let mut piece = w.head();
        for i in chosen {
            w.object(&p.objects[i], &mut piece);
            if piece.len() >= STREAM_PIECE_BYTES && tx.blocking_send(std::mem::take(&mut piece)).is_err() {
                return; // the client went away
            }
        }
        piece.extend(w.tail());
        let _ = tx.blocking_send(piece);
    });
    Ok(Streamed { total, pieces: rx })
}

/// A page of an open dataset of the published objects a filter selects.
pub async fn dataset(s: &Arc<AppState>, file: ExportFile, q: PublicQuery) -> Result<Dataset, AppError> {
    let filter = q.filter();
    let b = bbox(&filter)?;
    let per_page = q.per_page.unwrap_or(PER_PAGE);
    if !(1..=MAX_PER_PAGE).contains(&per_page) {
        return Err(AppError::bad(
            ErrorCode::InvalidValue,
            format!("per_page is 1 to {MAX_PER_PAGE}"),
            Some("per_page".into()),
        ));
    }
    let page = q.page.unwrap_or(1);
    if page == 0 {
        return Err(AppError::bad(ErrorCode::InvalidValue, "pages are counted from 1", Some("page".into())));
    }
    let s = s.clone();
    blocking(move || {
        let p = published(&s)?;
        let selected = selected(&p, &filter, b);
        let total = selected.len();
        let pages = total.div_ceil(per_page as usize).max(1) as u32;
        let start = (page as usize - 1).saturating_mul(per_page as usize).min(total);
        let end = (start + per_page as usize).min(total);
        let rows: Vec<_> = selected[start..end].iter().map(|i| p.objects[*i].clone()).collect();
        Ok(Dataset { bytes: file.render_licensed(&rows, &s.licence), total, page, pages })
    })
    .await
}

/// What a resident sends to report a change at a place.
#[derive(Debug, Deserialize, schemars::JsonSchema, ts_rs::TS)]
#[serde(deny_unknown_fields)]
#[ts(export_to = "server/")]
pub struct ReportRequest {
    /// What changed, in their words.
    pub text: String,
    /// How the coordinators may answer them, if they wish (kept as typed).
    #[serde(default)]
    pub contact: String,
}

/// The answer to a report: that it was received.
#[derive(Debug, Serialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export_to = "server/")]
pub struct ReportReceipt {
    pub id: Uuid,
}

pub const MAX_REPORT_CHARS: usize = 2000;
pub const MAX_CONTACT_CHARS: usize = 200;

/// Keeps a resident's report of a change at a published place for its
/// campaign's coordinators. Counted per address and in all before
/// anything else; refused while too many wait.
pub async fn report(
    s: &Arc<AppState>,
    id: Uuid,
    req: ReportRequest,
    address: Option<IpAddr>,
) -> Result<ReportReceipt, AppError> {
    s.throttle.report(address)?;
    let text = req.text.trim().to_string();
    let contact = req.contact.trim().to_string();
    let field_error = |field: &str, m: String| AppError::from(ModelError::invalid(field, m));
    if text.is_empty() {
        return Err(field_error("text", "say what changed".into()));
    }
    if text.chars().count() > MAX_REPORT_CHARS {
        return Err(field_error("text", format!("at most {MAX_REPORT_CHARS} characters")));
    }
    if contact.chars().count() > MAX_CONTACT_CHARS {
        return Err(field_error("contact", format!("at most {MAX_CONTACT_CHARS} characters")));
    }
    let s = s.clone();
    blocking(move || {
        let campaign = published(&s)?
            .object(id)
            .and_then(|o| o.object.campaign_id)
            .ok_or_else(|| AppError::NotFound(format!("place {id}")))?;
        let r = crate::store::accounts(&*s.store, |db| {
            if reports::open_count(db)? >= reports::MAX_OPEN {
                return Err(AppError::Busy(
                    "too many reports are waiting for the coordinators; please try again in a few days".into(),
                ));
            }
            Ok(reports::add(db, id, campaign, &text, &contact)?)
        })?;
        Ok(ReportReceipt { id: r.id })
    })
    .await
}

/// Which reports a coordinator asks for.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportFilter {
    pub campaign: Option<Uuid>,
}

/// The reports of the campaigns `p` coordinates (or of one), open first.
pub async fn reports(s: &Arc<AppState>, p: Principal, q: ReportFilter) -> Result<Vec<Report>, AppError> {
    may_coordinate(&p, q.campaign)?;
    let s = s.clone();
    blocking(move || {
        let campaigns: Vec<Uuid> = match q.campaign {
            Some(c) => vec![c],
            None => s.store.campaigns()?.into_iter().map(|c| c.id).filter(|c| p.can_coordinate(*c)).collect(),
        };
        Ok(crate::store::read_accounts(&*s.store, |db| reports::list(db, &campaigns))?)
    })
    .await
}

/// Marks a report of a campaign `p` coordinates dealt with.
pub async fn close_report(s: &Arc<AppState>, p: Principal, id: Uuid) -> Result<Report, AppError> {
    require_coordinator(&p)?;
    let by = p.display_name();
    let s = s.clone();
    blocking(move || {
        crate::store::accounts(&*s.store, |db| {
            let r = reports::get(db, id)?;
            if !p.can_coordinate(r.campaign_id) {
                return Err(AppError::NotFound(format!("report {id}")));
            }
            Ok(reports::close(db, id, &by)?)
        })
    })
    .await
}

/// Whether a photo is shown on its place's public page.
#[derive(Debug, Deserialize, schemars::JsonSchema, ts_rs::TS)]
#[serde(deny_unknown_fields)]
#[ts(export_to = "server/")]
pub struct PhotoVisibility {
    pub public: bool,
}

/// Makes a photo of an object `p` coordinates public or not: a change
/// record, so it syncs like any other.
pub async fn set_photo_public(
    s: &Arc<AppState>,
    p: Principal,
    object: Uuid,
    photo: Uuid,
    req: PhotoVisibility,
) -> Result<Photo, AppError> {
    require_coordinator(&p)?;
    let s = s.clone();
    blocking(move || {
        let detail = s.store.object_detail(object)?;
        if !detail.object.campaign_id.is_some_and(|c| p.can_coordinate(c)) {
            return Err(AppError::NotFound(format!("object {object}")));
        }
        let found = detail.photos.iter().find(|ph| ph.id == photo);
        let current = found.ok_or_else(|| AppError::NotFound(format!("photo {photo} of object {object}")))?;
        if current.public != req.public {
            let last = s.store.field_history(EntityKind::Photo, photo, "public")?.into_iter().map(|c| c.hlc).max();
            let mut clock = qadam_core::HlcClock::resume(last.unwrap_or(qadam_core::Hlc::new(0, 0)));
            let changes = qadam_core::Change::record(
                EntityKind::Photo,
                photo,
                [("public", serde_json::json!(req.public))],
                &mut clock,
                COORDINATOR_DEVICE,
            );
            s.store.push(changes, &Access::All)?;
        }
        let detail = s.store.object_detail(object)?;
        Ok(detail.photos.into_iter().find(|ph| ph.id == photo).expect("the photo was there"))
    })
    .await
}
