//! The public face of the findings, pure (no I/O): what anyone may read
//! without signing in — the public map, a place's page, search and the open
//! datasets. Only approved audits are published, judged on the elements
//! those audits recorded (never on a draft's); nothing names a person or a
//! device (no auditor, reviewer, comment or device id); a photo is shown
//! only when a coordinator marked it public, and never with its position or
//! time.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::analytics::CATEGORY_ORDER;
pub use crate::export::Licence;
use crate::model::{AuditStatus, Category, District, ElementKind, Localized, Photo};
use crate::norms::Norms;
use crate::records::EvaluatedObject;
use crate::review::Review;
use crate::rules::{CategoryStatus, DisabilityCategory, Effect, MapStatus, Outcome, RuleResult};

/// The licence of the open data unless the administrator sets another.
pub const DEFAULT_LICENCE: &str = "CC-BY-4.0";

impl Licence {
    /// A licence by SPDX id, with the address of its text for the common
    /// open-data licences; another needs `url` (else `None`).
    pub fn new(id: &str, url: Option<&str>) -> Option<Licence> {
        let known = match id {
            "CC-BY-4.0" => Some("https://creativecommons.org/licenses/by/4.0/"),
            "CC-BY-SA-4.0" => Some("https://creativecommons.org/licenses/by-sa/4.0/"),
            "CC0-1.0" => Some("https://creativecommons.org/publicdomain/zero/1.0/"),
            "ODbL-1.0" => Some("https://opendatacommons.org/licenses/odbl/1-0/"),
            _ => None,
        };
        let url = url.filter(|u| !u.trim().is_empty()).or(known)?;
        (!id.trim().is_empty()).then(|| Licence { id: id.trim().to_string(), url: url.trim().to_string() })
    }
}

impl Default for Licence {
    fn default() -> Self {
        Licence::new(DEFAULT_LICENCE, None).expect("a known licence")
    }
}

/// The published objects: of `objects`, those with an approved audit, each
/// as [`public_view`] makes it. `public_photos` counts each object's public
/// photos and names the first (the only photos a public answer mentions).
pub fn publish(
    objects: &[EvaluatedObject],
    norms: &Norms,
    public_photos: &HashMap<Uuid, (u32, String)>,
) -> Vec<EvaluatedObject> {
    objects
        .iter()
        .filter_map(|e| {
            let mut v = public_view(e, norms)?;
            let (count, cover) = public_photos.get(&e.object.id).cloned().unwrap_or_default();
            v.photo_count = count;
            v.cover_sha256 = (count > 0).then_some(cover);
            Some(v)
        })
        .collect()
}

/// An object as the public may see it, or `None` when none of its audits is
/// approved: only its approved audits (with the auditor's name taken out),
/// only the elements they recorded, and the verdict of those elements under
/// the object's rule set. Photos are left for [`publish`] to count.
fn public_view(e: &EvaluatedObject, norms: &Norms) -> Option<EvaluatedObject> {
    let approved: BTreeSet<Uuid> =
        e.audits.iter().filter(|a| a.status == Some(AuditStatus::Approved)).map(|a| a.id).collect();
    // The newest approved visit that recorded elements is the one judged
    // (a re-audit's elements replace the earlier visit's once approved).
    let visit = crate::records::current_visit(e.audits.iter().filter(|a| approved.contains(&a.id)), &e.elements);
    if approved.is_empty() {
        return None;
    }
    let is_approved =
        |el: &crate::model::Element| el.audit_id.is_some_and(|a| approved.contains(&a) && visit.is_none_or(|v| v == a));
    let (elements, verdict) = if e.elements.iter().all(is_approved) {
        // The same elements: the same verdict, shared rather than copied.
        (e.elements.clone(), e.verdict.clone())
    } else {
        // A draft recorded more: judge the approved elements alone. A rule
        // set that cannot be built any more publishes nothing rather than
        // a verdict that mixes in the draft.
        let set = norms.rule_set(&e.verdict.rule_set).ok()?;
        let elements: Vec<_> = e.elements.iter().filter(|el| is_approved(el)).cloned().collect();
        let input = crate::rules::EvaluationInput { object: e.object.clone(), elements };
        let verdict = crate::rules::evaluate(set, norms.checklists(), &input);
        (input.elements.into(), verdict.into())
    };
    let audits = e
        .audits
        .iter()
        .filter(|a| approved.contains(&a.id))
        .map(|a| crate::model::Audit { auditor: String::new(), ..a.clone() })
        .collect();
    Some(EvaluatedObject { object: e.object.clone(), elements, audits, photo_count: 0, cover_sha256: None, verdict })
}

/// A status as one letter: `F` accessible fully (ДП), `P` partially (ДЧ),
/// `C` with help (ДУ), `N` not accessible (ВНД), `X` not assessed.
pub fn status_letter(s: CategoryStatus) -> char {
    match s {
        CategoryStatus::Full => 'F',
        CategoryStatus::Partial => 'P',
        CategoryStatus::Conditional => 'C',
        CategoryStatus::NotAccessible => 'N',
        CategoryStatus::NotAssessed => 'X',
    }
}

/// The index of a status in [`MapCluster`]'s counts (the order of
/// [`status_letter`]'s letters).
fn status_index(s: CategoryStatus) -> usize {
    match s {
        CategoryStatus::Full => 0,
        CategoryStatus::Partial => 1,
        CategoryStatus::Conditional => 2,
        CategoryStatus::NotAccessible => 3,
        CategoryStatus::NotAssessed => 4,
    }
}

/// A published object's statuses, К О С Г У, as five letters.
pub fn status_letters(e: &EvaluatedObject) -> String {
    CATEGORY_ORDER
        .iter()
        .map(|c| status_letter(e.verdict.by_category.get(c).copied().unwrap_or(CategoryStatus::NotAssessed)))
        .collect()
}

/// One located published object, as the map and the search read it.
#[derive(Debug, Clone)]
pub struct Indexed {
    pub id: Uuid,
    pub campaign_id: Option<Uuid>,
    pub name: String,
    pub address: String,
    pub lat_deg: f64,
    pub lon_deg: f64,
    pub category: Option<Category>,
    pub district: Option<District>,
    pub statuses: [CategoryStatus; 5],
    /// Name and address in lower case, for search.
    haystack: String,
}

/// The located published objects, for [`map`] and [`search`].
pub fn index(published: &[EvaluatedObject]) -> Vec<Indexed> {
    published
        .iter()
        .filter_map(|e| {
            let loc = e.object.location?;
            Some(Indexed {
                id: e.object.id,
                campaign_id: e.object.campaign_id,
                name: e.object.name.clone(),
                address: e.object.address.clone(),
                lat_deg: loc.lat_deg,
                lon_deg: loc.lon_deg,
                category: e.object.category.clone(),
                district: e.object.district.clone(),
                statuses: CATEGORY_ORDER
                    .map(|c| e.verdict.by_category.get(&c).copied().unwrap_or(CategoryStatus::NotAssessed)),
                haystack: format!("{} {}", e.object.name, e.object.address).to_lowercase(),
            })
        })
        .collect()
}

/// Which published objects a public request asks for.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PublicFilter {
    pub campaign: Option<Uuid>,
    pub district: Option<District>,
    pub category: Option<Category>,
    /// `west,south,east,north` in degrees (WGS 84).
    pub bbox: Option<String>,
}

/// A box of longitudes and latitudes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BBox {
    pub west: f64,
    pub south: f64,
    pub east: f64,
    pub north: f64,
}

impl BBox {
    /// `west,south,east,north`, each a finite degree in range, west ≤ east,
    /// south ≤ north.
    pub fn parse(s: &str) -> Result<BBox, String> {
        let parts: Vec<f64> =
            s.split(',').map(|p| p.trim().parse::<f64>()).collect::<Result<_, _>>().map_err(|_| {
                format!("`{s}` is not a box: write west,south,east,north in degrees, e.g. 76.8,43.2,77.0,43.3")
            })?;
        let [west, south, east, north] = parts[..] else {
            return Err(format!("`{s}` is not a box: it needs four numbers, west,south,east,north"));
        };
        let lon = |v: f64| v.is_finite() && (-180.0..=180.0).contains(&v);
        let lat = |v: f64| v.is_finite() && (-90.0..=90.0).contains(&v);
        if !(lon(west) && lon(east) && lat(south) && lat(north)) {
            return Err(format!("`{s}`: longitudes are within ±180 and latitudes within ±90"));
        }
        if west > east || south > north {
            return Err(format!("`{s}`: west must not be east of east, nor south north of north"));
        }
        Ok(BBox { west, south, east, north })
    }

    pub fn contains(&self, lat_deg: f64, lon_deg: f64) -> bool {
        (self.south..=self.north).contains(&lat_deg) && (self.west..=self.east).contains(&lon_deg)
    }
}

impl PublicFilter {
    /// The filter's box, checked.
    pub fn bbox(&self) -> Result<Option<BBox>, String> {
        self.bbox.as_deref().map(BBox::parse).transpose()
    }

    /// Whether a published object is selected (its box not considered).
    pub fn selects(&self, e: &EvaluatedObject) -> bool {
        self.campaign.is_none_or(|c| e.object.campaign_id == Some(c))
            && self.district.as_ref().is_none_or(|d| e.object.district.as_ref() == Some(d))
            && self.category.as_ref().is_none_or(|c| e.object.category.as_ref() == Some(c))
    }

    fn selects_indexed(&self, p: &Indexed, bbox: Option<BBox>) -> bool {
        self.campaign.is_none_or(|c| p.campaign_id == Some(c))
            && self.district.as_ref().is_none_or(|d| p.district.as_ref() == Some(d))
            && self.category.as_ref().is_none_or(|c| p.category.as_ref() == Some(c))
            && bbox.is_none_or(|b| b.contains(p.lat_deg, p.lon_deg))
    }
}

/// One place on the public map: id, latitude, longitude, name, statuses
/// (К О С Г У as [`status_letter`]s) and object type — an array, not an
/// object, so a city's answer does not repeat the keys per place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[ts(export_to = "server/")]
pub struct MapPlace(pub Uuid, pub f64, pub f64, pub String, pub String, pub Option<Category>);

/// Places near each other on the map at this zoom, as one mark: its
/// position (their mean) and, per need (К О С Г У), how many are
/// accessible fully, partially, with help, not accessible, not assessed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[ts(export_to = "server/")]
pub struct MapCluster(pub f64, pub f64, pub [[u32; 5]; 5]);

/// The public map of a box at a zoom: the places themselves when there are
/// at most [`MAX_MAP_PLACES`] (or the zoom is close), else clusters on a
/// grid of about 64 screen pixels. Its size depends on the screen, not on
/// the size of the city.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[ts(export_to = "server/")]
pub struct PublicMap {
    pub licence: Licence,
    /// Published places that match, in the box.
    pub total: u32,
    pub places: Vec<MapPlace>,
    pub clusters: Vec<MapCluster>,
}

/// The most places a map answer lists one by one.
pub const MAX_MAP_PLACES: usize = 1500;
/// From this zoom on, places are listed one by one whatever their number.
pub const PLACES_ZOOM: u8 = 17;

fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

/// The public map of the places `filter` selects in `bbox`, at `zoom`.
pub fn map(index: &[Indexed], filter: &PublicFilter, bbox: Option<BBox>, zoom: u8, licence: &Licence) -> PublicMap {
    let chosen: Vec<&Indexed> = index.iter().filter(|p| filter.selects_indexed(p, bbox)).collect();
    let total = chosen.len() as u32;
    if chosen.len() <= MAX_MAP_PLACES || zoom >= PLACES_ZOOM {
        let mut places: Vec<MapPlace> = chosen
            .iter()
            .take(if zoom >= PLACES_ZOOM { MAX_MAP_PLACES * 4 } else { MAX_MAP_PLACES })
            .map(|p| {
                MapPlace(
                    p.id,
                    round6(p.lat_deg),
                    round6(p.lon_deg),
                    p.name.clone(),
                    p.statuses.iter().map(|s| status_letter(*s)).collect(),
                    p.category.clone(),
                )
            })
            .collect();
        places.sort_by_key(|p| p.0);
        return PublicMap { licence: licence.clone(), total, places, clusters: Vec::new() };
    }
    // A cell of 64 px of a 256 px tile at this zoom.
    let cell_deg = 360.0 / f64::from(1u32 << zoom.min(24)) / 4.0;
    // Per grid cell: the sums of latitudes and longitudes, and the counts.
    type Cell = (f64, f64, [[u32; 5]; 5]);
    let mut cells: BTreeMap<(i64, i64), Cell> = BTreeMap::new();
    for p in chosen {
        let key = ((p.lat_deg / cell_deg).floor() as i64, (p.lon_deg / cell_deg).floor() as i64);
        let cell = cells.entry(key).or_insert((0.0, 0.0, [[0; 5]; 5]));
        cell.0 += p.lat_deg;
        cell.1 += p.lon_deg;
        for (need, s) in p.statuses.iter().enumerate() {
            cell.2[need][status_index(*s)] += 1;
        }
    }
    let clusters = cells
        .into_values()
        .map(|(lat, lon, counts)| {
            let n = f64::from(counts[0].iter().sum::<u32>());
            MapCluster(round6(lat / n), round6(lon / n), counts)
        })
        .collect();
    PublicMap { licence: licence.clone(), total, places: Vec::new(), clusters }
}

/// A place a search found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[ts(export_to = "server/")]
pub struct SearchHit {
    pub id: Uuid,
    pub name: String,
    pub address: String,
    pub lat_deg: f64,
    pub lon_deg: f64,
    pub category: Option<Category>,
    /// К О С Г У as [`status_letter`]s.
    pub statuses: String,
}

/// The most places a search answers.
pub const MAX_SEARCH_HITS: usize = 20;

/// Places whose name or address holds every word of `q` (any case), by
/// name; at most [`MAX_SEARCH_HITS`].
pub fn search(index: &[Indexed], filter: &PublicFilter, q: &str) -> Vec<SearchHit> {
    let words: Vec<String> = q.to_lowercase().split_whitespace().map(String::from).collect();
    if words.is_empty() {
        return Vec::new();
    }
    let mut hits: Vec<&Indexed> = index
        .iter()
        .filter(|p| filter.selects_indexed(p, None) && words.iter().all(|w| p.haystack.contains(w.as_str())))
        .collect();
    hits.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    hits.into_iter()
        .take(MAX_SEARCH_HITS)
        .map(|p| SearchHit {
            id: p.id,
            name: p.name.clone(),
            address: p.address.clone(),
            lat_deg: round6(p.lat_deg),
            lon_deg: round6(p.lon_deg),
            category: p.category.clone(),
            statuses: p.statuses.iter().map(|s| status_letter(*s)).collect(),
        })
        .collect()
}

/// One check of a public place in plain words: what the norm asks, where
/// (its clause), what was measured, how to fix it and whom it stops.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[ts(export_to = "server/")]
pub struct Finding {
    pub rule_id: Arc<str>,
    pub title: Arc<Localized>,
    pub fix: Arc<Localized>,
    pub document: Arc<str>,
    pub clause: Arc<str>,
    pub element_kind: Option<ElementKind>,
    /// What was measured, as typed (`1:8 (12.5 %)`), when one value was.
    pub measured: Option<String>,
    pub required: Arc<str>,
    pub affects: Arc<BTreeMap<DisabilityCategory, Effect>>,
}

/// A photo a coordinator made public: served without metadata at
/// `/api/v1/public/photos/{sha256}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[ts(export_to = "server/")]
pub struct PublicPhoto {
    pub sha256: String,
    pub caption: String,
    pub width_px: u32,
    pub height_px: u32,
}

/// A place's public page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[ts(export_to = "server/")]
pub struct PublicPlace {
    pub id: Uuid,
    pub name: String,
    pub category: Option<Category>,
    pub district: Option<District>,
    pub address: String,
    pub lat_deg: Option<f64>,
    pub lon_deg: Option<f64>,
    /// `YYYY-MM-DD` of the last approved audit (when it was done on site).
    pub check_date: Option<String>,
    pub rule_set_title: String,
    /// К О С Г У, in this order.
    pub statuses: [CategoryStatus; 5],
    pub wheelchair: MapStatus,
    /// Per need: checks judged, and checks still waiting for a measurement.
    pub evidence: BTreeMap<DisabilityCategory, [u32; 2]>,
    /// What the last approved audit found failing.
    pub failing: Vec<Finding>,
    /// What failed at an earlier approved audit and passes now.
    pub fixed: Vec<Finding>,
    /// The approval before the last one, if the place was audited again:
    /// its statuses, to show before and after.
    pub before: Option<PublicVisit>,
    pub photos: Vec<PublicPhoto>,
    pub licence: Licence,
}

/// An earlier approved visit as the public sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[ts(export_to = "server/")]
pub struct PublicVisit {
    /// `YYYY-MM-DD` (UTC) of its approval.
    pub approved_on: String,
    /// К О С Г У, in this order.
    pub statuses: [CategoryStatus; 5],
}

fn finding(e: &EvaluatedObject, r: &RuleResult) -> Finding {
    Finding {
        rule_id: r.rule_id.clone(),
        title: r.title.clone(),
        fix: r.fix.clone(),
        document: r.document.clone(),
        clause: r.clause.clone(),
        element_kind: e.elements.iter().find(|el| el.id == r.element_id).and_then(|el| el.kind.clone()),
        measured: r.measured_as_typed.clone(),
        required: r.required.clone(),
        affects: r.affects.clone(),
    }
}

/// The public page of a published object (see [`publish`]): `reviews` are
/// its audits' reviews (only approvals are read: what failed then), and
/// `photos` its photo records (only the public ones are shown).
pub fn place(e: &EvaluatedObject, reviews: &[Review], photos: &[Photo], licence: &Licence) -> PublicPlace {
    let failing_ids: BTreeSet<&str> =
        e.verdict.results.iter().filter(|r| r.outcome == Outcome::Fail && !r.advisory).map(|r| &*r.rule_id).collect();
    let failing: Vec<Finding> =
        e.verdict.results.iter().filter(|r| r.outcome == Outcome::Fail && !r.advisory).map(|r| finding(e, r)).collect();
    // The latest approval of each published audit, oldest first; what all
    // but the last found failing and now passes was fixed.
    let published: BTreeSet<Uuid> = e.audits.iter().map(|a| a.id).collect();
    let mut approvals: BTreeMap<Uuid, (i64, &Review)> = BTreeMap::new();
    for r in reviews {
        let (Some(audit), Some(AuditStatus::Approved), Some(at)) = (r.audit_id, r.to_status, r.at_ms) else {
            continue;
        };
        if published.contains(&audit) && approvals.get(&audit).is_none_or(|(t, _)| *t <= at) {
            approvals.insert(audit, (at, r));
        }
    }
    let mut by_time: Vec<(i64, &Review)> = approvals.into_values().collect();
    by_time.sort_by_key(|(at, _)| *at);
    by_time.pop();
    let before = by_time.last().and_then(|(at, r)| {
        let statuses = r.statuses.as_ref()?;
        Some(PublicVisit {
            approved_on: crate::export::date_utc(u64::try_from(*at).unwrap_or(0)),
            statuses: CATEGORY_ORDER.map(|c| statuses.get(&c).copied().unwrap_or(CategoryStatus::NotAssessed)),
        })
    });
    let failed_before: BTreeSet<&str> =
        by_time.iter().flat_map(|(_, r)| r.failed_rules.iter().flatten().map(String::as_str)).collect();
    let mut fixed: Vec<Finding> = Vec::new();
    for id in failed_before.difference(&failing_ids) {
        if let Some(r) = e.verdict.results.iter().find(|r| &*r.rule_id == *id && r.outcome == Outcome::Pass) {
            fixed.push(finding(e, r));
        }
    }
    let o = &e.object;
    PublicPlace {
        id: o.id,
        name: o.name.clone(),
        category: o.category.clone(),
        district: o.district.clone(),
        address: o.address.clone(),
        lat_deg: o.location.map(|l| l.lat_deg),
        lon_deg: o.location.map(|l| l.lon_deg),
        check_date: crate::export::check_date(e),
        rule_set_title: e.verdict.rule_set_title.clone(),
        statuses: CATEGORY_ORDER.map(|c| e.verdict.by_category.get(&c).copied().unwrap_or(CategoryStatus::NotAssessed)),
        wheelchair: e.verdict.wheelchair_map,
        evidence: e.verdict.evidence.iter().map(|(c, ev)| (*c, [ev.judged, ev.not_measured])).collect(),
        failing,
        fixed,
        before,
        photos: photos
            .iter()
            .filter(|p| p.public && p.object_id == Some(o.id) && crate::photo::is_sha256_hex(&p.sha256))
            .map(|p| PublicPhoto {
                sha256: p.sha256.clone(),
                caption: p.caption.clone(),
                width_px: p.width_px,
                height_px: p.height_px,
            })
            .collect(),
        licence: licence.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(i: u32, lat: f64, lon: f64, name: &str, k: CategoryStatus) -> Indexed {
        Indexed {
            id: Uuid::from_u128(u128::from(i)),
            campaign_id: None,
            name: name.into(),
            address: format!("ул. Абая, {i}"),
            lat_deg: lat,
            lon_deg: lon,
            category: None,
            district: None,
            statuses: [
                k,
                CategoryStatus::NotAssessed,
                CategoryStatus::Full,
                CategoryStatus::Full,
                CategoryStatus::Full,
            ],
            haystack: format!("{name} ул. Абая, {i}").to_lowercase(),
        }
    }

    #[test]
    fn a_box_is_four_degrees_in_range_and_in_order() {
        assert_eq!(BBox::parse("76.8, 43.2,77,43.3"), Ok(BBox { west: 76.8, south: 43.2, east: 77.0, north: 43.3 }));
        for bad in ["", "1,2,3", "1,2,3,4,5", "x,1,2,3", "181,0,182,1", "0,-91,1,0", "2,0,1,1", "0,2,1,1", "NaN,0,1,1"]
        {
            assert!(BBox::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn few_places_come_one_by_one_and_many_as_clusters_that_count_each_need() {
        let licence = Licence::default();
        let few: Vec<Indexed> = (0..3).map(|i| point(i, 43.2, 76.9, "Школа", CategoryStatus::Full)).collect();
        let m = map(&few, &PublicFilter::default(), None, 10, &licence);
        assert_eq!((m.total, m.places.len(), m.clusters.len()), (3, 3, 0));
        assert_eq!(m.places[0].4, "FXFFF", "К О С Г У as letters");
        // Two far-apart groups, more than a map lists one by one.
        let n = MAX_MAP_PLACES as u32 + 1;
        let many: Vec<Indexed> = (0..n)
            .map(|i| {
                let (lat, lon, k) = if i % 2 == 0 {
                    (43.20, 76.90, CategoryStatus::NotAccessible)
                } else {
                    (43.30, 77.10, CategoryStatus::Partial)
                };
                point(i, lat, lon, "Аптека", k)
            })
            .collect();
        let m = map(&many, &PublicFilter::default(), None, 12, &licence);
        assert_eq!((m.total, m.places.len()), (n, 0));
        assert_eq!(m.clusters.len(), 2);
        let west = m.clusters.iter().find(|c| c.1 < 77.0).unwrap();
        assert_eq!((west.0, west.1), (43.2, 76.9), "the mean of its places");
        let evens = n.div_ceil(2);
        assert_eq!(west.2[0], [0, 0, 0, evens, 0], "К: not accessible");
        assert_eq!(west.2[1], [0, 0, 0, 0, evens], "О: not assessed");
        // Close in, the places again, whatever their number.
        let m = map(&many, &PublicFilter::default(), None, PLACES_ZOOM, &licence);
        assert_eq!(m.places.len(), n as usize);
        // A box keeps only what is in it.
        let b = BBox::parse("76.8,43.1,77.0,43.25").unwrap();
        assert_eq!(map(&many, &PublicFilter::default(), Some(b), 12, &licence).total, evens);
    }

    #[test]
    fn search_finds_every_word_in_name_or_address_in_any_case() {
        let idx = vec![
            point(1, 43.2, 76.9, "Аптека «Здоровье»", CategoryStatus::Full),
            point(2, 43.2, 76.9, "Школа № 5", CategoryStatus::Full),
        ];
        let names = |q: &str| search(&idx, &PublicFilter::default(), q).into_iter().map(|h| h.name).collect::<Vec<_>>();
        assert_eq!(names("АПТЕКА абая"), vec!["Аптека «Здоровье»"]);
        assert_eq!(names("абая"), vec!["Аптека «Здоровье»", "Школа № 5"]);
        assert_eq!(names("школа аптека"), Vec::<String>::new());
        assert_eq!(names("   "), Vec::<String>::new());
    }

    #[test]
    fn a_licence_is_known_or_given_with_its_address() {
        assert_eq!(Licence::default().url, "https://creativecommons.org/licenses/by/4.0/");
        assert_eq!(Licence::new("ODbL-1.0", None).unwrap().url, "https://opendatacommons.org/licenses/odbl/1-0/");
        assert_eq!(Licence::new("City-Open-1", None), None, "an unknown licence needs its address");
        assert_eq!(Licence::new("City-Open-1", Some("https://city.kz/l")).unwrap().url, "https://city.kz/l");
    }
}
