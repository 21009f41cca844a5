//! What coordinators read of their campaigns: objects, one object with its
//! verdict, the map, the analytics and the exports. Everything is filtered
//! to the campaigns the caller coordinates.

use std::sync::Arc;

use qadam_core::export::Licence;
use qadam_core::model::{Category, District};
use qadam_core::records::{EvaluatedObject, ObjectDetail, ObjectSummary};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{blocking, coordinated, may_coordinate, require_coordinator};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::accounts::Principal;

/// A selection of a coordinator's objects.
#[derive(Debug, Default, Deserialize)]
pub struct Selection {
    pub campaign: Option<Uuid>,
    /// Exports of a selection: one district…
    pub district: Option<District>,
    /// …and/or one object type.
    pub category: Option<Category>,
    /// Exports publish approved audits only; `drafts=true` adds the rest.
    #[serde(default)]
    pub drafts: bool,
}

impl Selection {
    /// Whether `o` is in the selection's district and of its object type.
    fn holds(&self, o: &qadam_core::model::Object) -> bool {
        self.district.as_ref().is_none_or(|d| o.district.as_ref() == Some(d))
            && self.category.as_ref().is_none_or(|c| o.category.as_ref() == Some(c))
    }
}

/// The objects of the caller's campaigns (or of one).
pub async fn objects(s: &Arc<AppState>, p: Principal, q: Selection) -> Result<Vec<ObjectSummary>, AppError> {
    may_coordinate(&p, q.campaign)?;
    let s = s.clone();
    blocking(move || {
        Ok(s.store
            .objects(q.campaign)?
            .into_iter()
            .filter(|o| o.object.campaign_id.is_some_and(|c| p.can_coordinate(c)))
            .collect())
    })
    .await
}

/// Two objects of one campaign that are probably one place
/// (`qadam_core::duplicates`), for a coordinator to merge or keep apart.
#[derive(Serialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export_to = "server/")]
pub struct DuplicateView {
    pub first: ObjectSummary,
    pub second: ObjectSummary,
    /// Between their positions; none when either has none (then their
    /// names and addresses are the same).
    pub distance_m: Option<u32>,
    pub name_similarity_permille: u32,
}

/// The objects of the caller's campaigns (or of one, a district, an object
/// type) that are probably one place recorded twice, pairs within one
/// campaign only.
pub async fn duplicates(s: &Arc<AppState>, p: Principal, q: Selection) -> Result<Vec<DuplicateView>, AppError> {
    let within = Selection { campaign: None, district: q.district.clone(), category: q.category.clone(), drafts: true };
    let objects: Vec<ObjectSummary> = objects(s, p, q).await?.into_iter().filter(|o| within.holds(&o.object)).collect();
    let candidates: Vec<qadam_core::duplicates::Candidate<'_>> = objects
        .iter()
        .map(|o| qadam_core::duplicates::Candidate {
            name: &o.object.name,
            address: &o.object.address,
            location: o.object.location,
        })
        .collect();
    Ok(qadam_core::duplicates::find(&candidates)
        .into_iter()
        .map(|d| (&objects[d.first as usize], &objects[d.second as usize], d))
        .filter(|(a, b, _)| a.object.campaign_id == b.object.campaign_id)
        .map(|(a, b, d)| DuplicateView {
            first: a.clone(),
            second: b.clone(),
            distance_m: d.distance_m,
            name_similarity_permille: d.name_similarity_permille,
        })
        .collect())
}

/// An object as the dashboard shows it: the record, and which of its
/// photos the server does not have yet.
#[derive(Serialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export_to = "server/")]
pub struct DashboardObject {
    #[serde(flatten)]
    pub detail: ObjectDetail,
    pub photos_pending: Vec<String>,
    pub verdict: qadam_core::rules::ObjectVerdict,
    /// The verdict of each visit, oldest first (before and after).
    pub visits: Vec<qadam_core::records::VisitVerdict>,
}

/// One object of a campaign the caller coordinates (else not found).
pub async fn object(s: &Arc<AppState>, p: Principal, id: Uuid) -> Result<DashboardObject, AppError> {
    require_coordinator(&p)?;
    let s = s.clone();
    blocking(move || {
        let mut detail = s.store.object_detail(id)?;
        if !detail.object.campaign_id.is_some_and(|c| p.can_coordinate(c)) {
            return Err(AppError::NotFound(format!("object {id}")));
        }
        super::name_blank_auditors(&s, detail.audits.iter_mut())?;
        let photos_pending = detail
            .photos
            .iter()
            .filter(|p| !s.photos.has(&p.sha256).unwrap_or(false))
            .map(|p| p.sha256.clone())
            .collect();
        let verdict = s.store.verdict(id)?;
        let mut visits = Vec::new();
        s.store.read(&mut |src| {
            visits = qadam_core::records::visits(src, &s.store.norms(), id)?;
            Ok(())
        })?;
        Ok(DashboardObject { detail, photos_pending, verdict, visits })
    })
    .await
}

/// Every located object of the caller's campaigns (or of one) with its
/// statuses, for the map.
pub async fn map(
    s: &Arc<AppState>,
    p: Principal,
    q: Selection,
) -> Result<Vec<qadam_core::analytics::MapPoint>, AppError> {
    may_coordinate(&p, q.campaign)?;
    let s = s.clone();
    blocking(move || Ok(qadam_core::analytics::map_points(&coordinated(&s, &p, q.campaign)?))).await
}

/// The analytics page's figures for the caller's campaigns (or one).
pub async fn analytics(
    s: &Arc<AppState>,
    p: Principal,
    q: Selection,
) -> Result<qadam_core::analytics::Analytics, AppError> {
    may_coordinate(&p, q.campaign)?;
    let s = s.clone();
    blocking(move || {
        let objects = coordinated(&s, &p, q.campaign)?;
        let reviews = s.store.reviews()?;
        Ok(qadam_core::analytics::summarise(&objects, &reviews))
    })
    .await
}

/// The export files, by the name they are asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFile {
    ObjectsCsv,
    ElementsCsv,
    GeoJson,
    A11yJson,
    Osm,
}

impl ExportFile {
    pub const ALL: [ExportFile; 5] =
        [ExportFile::ObjectsCsv, ExportFile::ElementsCsv, ExportFile::GeoJson, ExportFile::A11yJson, ExportFile::Osm];

    /// The file's name, as asked for and as downloaded (with `qadam-`).
    pub fn name(self) -> &'static str {
        match self {
            ExportFile::ObjectsCsv => "objects.csv",
            ExportFile::ElementsCsv => "elements.csv",
            ExportFile::GeoJson => "objects.geojson",
            ExportFile::A11yJson => "objects.a11yjson",
            ExportFile::Osm => "objects.osm",
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            ExportFile::ObjectsCsv | ExportFile::ElementsCsv => "text/csv; charset=utf-8",
            ExportFile::GeoJson => "application/geo+json",
            ExportFile::A11yJson => "application/json",
            ExportFile::Osm => "application/x-osm+xml",
        }
    }

    pub fn parse(name: &str) -> Result<ExportFile, AppError> {
        Self::ALL.into_iter().find(|f| f.name() == name).ok_or_else(|| {
            let known: Vec<&str> = Self::ALL.iter().map(|f| f.name()).collect();
            AppError::NotFound(format!("the export `{name}` ({})", known.join(", ")))
        })
    }

    /// The core format this file is written in.
    pub fn format(self) -> qadam_core::export::Format {
        use qadam_core::export::Format;
        match self {
            ExportFile::ObjectsCsv => Format::ObjectsCsv,
            ExportFile::ElementsCsv => Format::ElementsCsv,
            ExportFile::GeoJson => Format::GeoJson,
            ExportFile::A11yJson => Format::A11yJson,
            ExportFile::Osm => Format::Osm,
        }
    }

    fn render(self, objects: &[EvaluatedObject]) -> Vec<u8> {
        qadam_core::export::render(self.format(), objects, None)
    }

    /// The file of open data: it says its licence (CSV in a column, GeoJSON
    /// in a member, OSM XML in `license`; an A11yJSON file is a bare array
    /// of places, and its answer's `Link` header says it).
    pub fn render_licensed(self, objects: &[EvaluatedObject], licence: &Licence) -> Vec<u8> {
        qadam_core::export::render(self.format(), objects, Some(licence))
    }
}

/// An export of the caller's campaigns (or a selection): approved audits
/// only unless `drafts`.
pub async fn export(s: &Arc<AppState>, p: Principal, file: ExportFile, q: Selection) -> Result<Vec<u8>, AppError> {
    may_coordinate(&p, q.campaign)?;
    let s = s.clone();
    blocking(move || {
        let objects = coordinated(&s, &p, q.campaign)?;
        if q.district.is_none() && q.category.is_none() && q.drafts {
            return Ok(file.render(&objects));
        }
        let selected: Vec<_> = objects
            .iter()
            .filter(|o| q.drafts || qadam_core::export::approved_audit(o).is_some())
            .filter(|o| q.holds(&o.object))
            .cloned()
            .collect();
        Ok(file.render(&selected))
    })
    .await
}

/// Records a device sent for an object merged away since (an audit begun
/// offline before the merge, its elements and photos): re-pointed, by the
/// coordinator's change records, to the object it was merged into —
/// following later merges —, so that nothing a phone sends is left on a
/// deleted object. `sent` names each record whose `object_id` a push set,
/// with the object it named; each object named is looked up once.
pub fn follow_merges(
    store: &dyn crate::store::SyncStore,
    sent: &[(qadam_core::model::EntityKind, Uuid, Uuid)],
) -> Result<u32, AppError> {
    use qadam_core::model::{EntityKind, PhotoSubject};
    if sent.is_empty() {
        return Ok(0);
    }
    let mut changes = Vec::new();
    let mut clock = qadam_core::HlcClock::default();
    store.read(&mut |src| {
        let field = |entity: EntityKind, id: Uuid, name: &str| -> Result<Option<String>, qadam_core::StoreError> {
            Ok(src.record_fields(entity, id)?.into_iter().find(|(f, _)| f == name).map(|(_, v)| v))
        };
        let merged_into = |id: Uuid| -> Result<Option<Uuid>, qadam_core::StoreError> {
            Ok(field(EntityKind::Object, id, "merged_into")?
                .and_then(|v| serde_json::from_str::<Option<Uuid>>(&v).ok().flatten()))
        };
        // Where each object named now lives: the end of its chain of merges.
        let mut lives: std::collections::HashMap<Uuid, Option<Uuid>> = std::collections::HashMap::new();
        for (_, _, object) in sent {
            if lives.contains_key(object) {
                continue;
            }
            let (mut at, mut target) = (*object, None);
            for _ in 0..16 {
                let Some(next) = merged_into(at)? else { break };
                target = Some(next);
                at = next;
            }
            lives.insert(*object, target);
        }
        for (entity, id, object) in sent {
            let Some(to) = lives[object] else { continue };
            let mut fields = vec![("object_id", serde_json::json!(to))];
            let subject = field(*entity, *id, "subject")?.and_then(|v| serde_json::from_str::<PhotoSubject>(&v).ok());
            if *entity == EntityKind::Photo && subject == Some(PhotoSubject::Object) {
                fields.push(("subject_id", serde_json::json!(to)));
            }
            changes.extend(qadam_core::change::Change::record(
                *entity,
                *id,
                fields,
                &mut clock,
                crate::store::COORDINATOR_DEVICE,
            ));
        }
        Ok(())
    })?;
    let n = changes.iter().filter(|c| c.field == "object_id").count() as u32;
    if n > 0 {
        store.push(changes, &crate::store::Access::All)?;
    }
    Ok(n)
}

/// Which of two records of one place to keep, and which to merge into it.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export_to = "server/")]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    pub keep: Uuid,
    pub merge: Uuid,
}

/// What a merge moved onto the object kept.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export_to = "server/")]
pub struct MergeReport {
    pub audits: u32,
    pub elements: u32,
    pub photos: u32,
    /// Fields of the kept object that were empty and now hold the merged
    /// one's value (address, position, district, category).
    pub filled: Vec<String>,
}

/// Merges one object into another of the same campaign: every audit,
/// element and photo of the merged one moves to the kept one (nothing is
/// lost: each keeps its history), the kept object's empty fields take the
/// merged one's values, and the merged object is deleted. One batch of the
/// coordinator's change records, so devices follow at their next sync.
pub async fn merge(s: &Arc<AppState>, p: Principal, req: MergeRequest) -> Result<MergeReport, AppError> {
    require_coordinator(&p)?;
    if req.keep == req.merge {
        return Err(AppError::from(qadam_core::ModelError::invalid("merge", "an object is not merged into itself")));
    }
    let s = s.clone();
    blocking(move || {
        let keep = s.store.object_detail(req.keep)?;
        let merged = s.store.object_detail(req.merge)?;
        let campaign = keep.object.campaign_id;
        if campaign != merged.object.campaign_id {
            return Err(AppError::from(qadam_core::ModelError::invalid(
                "merge",
                "the two objects are in different campaigns: only records of one campaign are merged",
            )));
        }
        if !campaign.is_some_and(|c| p.can_coordinate(c)) {
            return Err(AppError::forbidden("only a coordinator of the objects' campaign merges them"));
        }
        use qadam_core::model::EntityKind;
        let mut clock = qadam_core::HlcClock::default();
        let mut changes = Vec::new();
        let mut record = |entity, id, fields: Vec<(&str, serde_json::Value)>| {
            changes.extend(qadam_core::change::Change::record(
                entity,
                id,
                fields,
                &mut clock,
                crate::store::COORDINATOR_DEVICE,
            ));
        };
        let to = serde_json::json!(req.keep);
        for a in &merged.audits {
            record(EntityKind::Audit, a.id, vec![("object_id", to.clone())]);
        }
        for e in &merged.elements {
            record(EntityKind::Element, e.id, vec![("object_id", to.clone())]);
        }
        for ph in &merged.photos {
            let mut fields = vec![("object_id", to.clone())];
            if ph.subject == Some(qadam_core::model::PhotoSubject::Object) {
                fields.push(("subject_id", to.clone()));
            }
            record(EntityKind::Photo, ph.id, fields);
        }
        let (k, m) = (&keep.object, &merged.object);
        let mut filled = Vec::new();
        let mut fill = Vec::new();
        if k.address.trim().is_empty() && !m.address.trim().is_empty() {
            fill.push(("address", serde_json::json!(m.address)));
        }
        if k.location.is_none() && m.location.is_some() {
            fill.push(("location", serde_json::json!(m.location)));
        }
        if k.district.is_none() && m.district.is_some() {
            fill.push(("district", serde_json::json!(m.district)));
        }
        if k.category.is_none() && m.category.is_some() {
            fill.push(("category", serde_json::json!(m.category)));
        }
        filled.extend(fill.iter().map(|(f, _)| f.to_string()));
        if !fill.is_empty() {
            record(EntityKind::Object, req.keep, fill);
        }
        record(
            EntityKind::Object,
            req.merge,
            vec![("merged_into", to.clone()), (qadam_core::model::DELETED, serde_json::json!(true))],
        );
        s.store.push(changes, &crate::store::Access::All)?;
        // The owner's tasks follow the audits they came from.
        crate::store::accounts(&*s.store, |db| crate::store::adaptations::move_to(db, req.merge, req.keep))?;
        Ok(MergeReport {
            audits: merged.audits.len() as u32,
            elements: merged.elements.len() as u32,
            photos: merged.photos.len() as u32,
            filled,
        })
    })
    .await
}
