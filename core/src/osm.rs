//! Starting a survey from OpenStreetMap: the places of an extract (GeoJSON
//! as osmtogeojson or Overpass write it, or an `.osm.pbf` file) become
//! objects to audit. Which tags make which of the survey's categories is
//! data, `schemas/osm/tags.json`; a feature no rule matches, or without a
//! name, is not a place the survey covers and is skipped (counted). The
//! district comes from `addr:district` when the catalogue knows it, else
//! from the boundary holding the place, else is left for the coordinator.
//! Pure, but for reading the file's bytes.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::catalogue::Catalogue;
use crate::import::{ImportError, ImportRow, RowError, RowProblem};
use crate::model::{Category, GeoPoint};

#[derive(Debug, Clone, Deserialize)]
struct Rule {
    key: String,
    values: Vec<String>,
    category: Category,
}

#[derive(Debug, Clone, Deserialize)]
struct Rules {
    rules: Vec<Rule>,
}

fn rules() -> &'static [Rule] {
    static RULES: OnceLock<Rules> = OnceLock::new();
    &RULES
        .get_or_init(|| {
            serde_json::from_str(include_str!("../../schemas/osm/tags.json"))
                .expect("schemas/osm/tags.json is a rule list")
        })
        .rules
}

/// The survey category of a place with these tags: the first rule whose
/// key has one of its values.
pub fn category_of(tags: &BTreeMap<String, String>) -> Option<Category> {
    rules()
        .iter()
        .find(|r| tags.get(&r.key).is_some_and(|v| r.values.iter().any(|w| w == "*" || w == v)))
        .map(|r| r.category.clone())
}

/// One OSM feature: its tags and a position (a node's, or the middle of a
/// way's outline).
#[derive(Debug, Clone, PartialEq)]
pub struct OsmPlace {
    pub tags: BTreeMap<String, String>,
    pub location: Option<GeoPoint>,
}

/// What an extract gave.
#[derive(Debug, Clone, PartialEq)]
pub struct OsmRows {
    pub rows: Vec<ImportRow>,
    /// Features read.
    pub features: u32,
    /// Features that are not places the survey covers (no category, no name).
    pub skipped: u32,
    pub errors: Vec<RowError>,
}

/// The mean of a geometry's positions (a way's or a relation's outline;
/// near enough to its middle to find the building).
fn middle(geometry: &serde_json::Value) -> Option<GeoPoint> {
    fn walk(v: &serde_json::Value, out: &mut Vec<(f64, f64)>) {
        match v.as_array() {
            Some(a) if a.len() >= 2 && a[0].is_number() && a[1].is_number() => {
                out.push((a[0].as_f64().unwrap_or(f64::NAN), a[1].as_f64().unwrap_or(f64::NAN)))
            }
            Some(a) => a.iter().for_each(|x| walk(x, out)),
            None => {}
        }
    }
    let mut positions = Vec::new();
    walk(&geometry["coordinates"], &mut positions);
    if positions.is_empty() {
        return None;
    }
    let n = positions.len() as f64;
    let (lon, lat) = positions.iter().fold((0.0, 0.0), |(x, y), (a, b)| (x + a, y + b));
    Some(GeoPoint { lat_deg: lat / n, lon_deg: lon / n })
}

/// Reads a GeoJSON FeatureCollection of OSM features: tags are the
/// properties, or their `tags` member (Overpass turbo).
pub fn places_from_geojson(text: &str) -> Result<Vec<OsmPlace>, ImportError> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| ImportError(format!("not JSON: {e}")))?;
    if v["type"] != "FeatureCollection" {
        return Err(ImportError("expected a GeoJSON FeatureCollection".into()));
    }
    let features = v["features"].as_array().ok_or_else(|| ImportError("`features` must be an array".into()))?;
    Ok(features
        .iter()
        .map(|f| {
            let p = &f["properties"];
            let source = if p["tags"].is_object() { &p["tags"] } else { p };
            let tags = source
                .as_object()
                .map(|o| o.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect())
                .unwrap_or_default();
            OsmPlace { tags, location: middle(&f["geometry"]) }
        })
        .collect())
}

/// Whether `bytes` look like an `.osm.pbf` extract: it opens with the
/// length of a blob header, then the header's `OSMHeader` type.
pub fn is_pbf(bytes: &[u8]) -> bool {
    bytes.len() > 14 && &bytes[6..15] == b"OSMHeader"
}

/// Reads an `.osm.pbf` extract: every tagged node at its position, and
/// every tagged way at the mean of its nodes' positions (as
/// [`places_from_geojson`] takes a way's outline). Relations are not read:
/// a multipolygon's place is usually tagged on a node or a way too.
pub fn places_from_pbf(bytes: &[u8]) -> Result<Vec<OsmPlace>, ImportError> {
    use osmpbf::{Element, ElementReader};
    let mut nodes: std::collections::HashMap<i64, (f64, f64)> = std::collections::HashMap::new();
    let mut tagged_nodes = Vec::new();
    let mut ways: Vec<(BTreeMap<String, String>, Vec<i64>)> = Vec::new();
    let tags_of = |it: &mut dyn Iterator<Item = (&str, &str)>| -> BTreeMap<String, String> {
        it.map(|(k, v)| (k.to_string(), v.to_string())).collect()
    };
    ElementReader::new(std::io::Cursor::new(bytes))
        .for_each(|e| {
            // A node, plain or dense: its position kept, a place if tagged.
            let (id, lat_deg, lon_deg, tags) = match e {
                Element::Node(n) => (n.id(), n.lat(), n.lon(), tags_of(&mut n.tags())),
                Element::DenseNode(n) => (n.id(), n.lat(), n.lon(), tags_of(&mut n.tags())),
                Element::Way(w) => {
                    let tags = tags_of(&mut w.tags());
                    if !tags.is_empty() {
                        ways.push((tags, w.refs().collect()));
                    }
                    return;
                }
                Element::Relation(_) => return,
            };
            nodes.insert(id, (lat_deg, lon_deg));
            if !tags.is_empty() {
                tagged_nodes.push(OsmPlace { tags, location: Some(GeoPoint { lat_deg, lon_deg }) });
            }
        })
        .map_err(|e| ImportError(format!("not a readable .osm.pbf extract: {e}")))?;
    for (tags, refs) in ways {
        let at: Vec<(f64, f64)> = refs.iter().filter_map(|r| nodes.get(r).copied()).collect();
        let location = (!at.is_empty()).then(|| {
            let n = at.len() as f64;
            let (lat, lon) = at.iter().fold((0.0, 0.0), |(x, y), (a, b)| (x + a, y + b));
            GeoPoint { lat_deg: lat / n, lon_deg: lon / n }
        });
        tagged_nodes.push(OsmPlace { tags, location });
    }
    Ok(tagged_nodes)
}

/// Turns places into rows to import: the category from the tags, the name
/// (`name`, else `name:ru`, `name:kk`, `name:en`), the address from
/// `addr:street` and `addr:housenumber`, the district (see the module).
pub fn rows(catalogue: &Catalogue, places: &[OsmPlace]) -> OsmRows {
    let mut out = OsmRows { rows: Vec::new(), features: places.len() as u32, skipped: 0, errors: Vec::new() };
    for (i, p) in places.iter().enumerate() {
        let row = i as u32 + 1;
        let tag = |k: &str| p.tags.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());
        let name = ["name", "name:ru", "name:kk", "name:en"].into_iter().find_map(tag);
        let (Some(category), Some(name)) = (category_of(&p.tags), name) else {
            out.skipped += 1;
            continue;
        };
        if let Some(l) = p.location {
            if let Err(e) = l.validate("location") {
                out.errors.push(RowError {
                    row,
                    line: None,
                    field: "location".into(),
                    problem: RowProblem::ImpossibleLocation,
                    value: format!("{}, {}", l.lat_deg, l.lon_deg),
                    message: e.to_string(),
                });
                continue;
            }
        }
        let district = tag("addr:district")
            .and_then(|d| catalogue.district_named(d))
            .or_else(|| p.location.and_then(|l| catalogue.district_at(l)).map(|d| d.code.clone()));
        let address =
            [tag("addr:street"), tag("addr:housenumber")].into_iter().flatten().collect::<Vec<_>>().join(", ");
        out.rows.push(ImportRow {
            row,
            name: name.chars().take(300).collect(),
            category,
            district,
            address,
            location: p.location,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn tags_map_to_the_survey_categories_by_the_first_rule() {
        // Worked by hand from schemas/osm/tags.json.
        for (t, want) in [
            (vec![("amenity", "school")], Some("education")),
            (vec![("amenity", "pharmacy")], Some("health")),
            (vec![("healthcare", "laboratory")], Some("health")),
            (vec![("shop", "bakery")], Some("trade_services")),
            (vec![("tourism", "museum")], Some("culture")),
            (vec![("railway", "station")], Some("transport")),
            (vec![("amenity", "bench")], None),
            (vec![("highway", "crossing")], None),
            // A café in a hotel: amenity rules come before tourism ones.
            (vec![("tourism", "hotel"), ("amenity", "cafe")], Some("catering")),
        ] {
            assert_eq!(category_of(&tags(&t)).as_ref().map(|c| c.as_str()), want, "{t:?}");
        }
    }

    #[test]
    fn an_extract_becomes_rows_with_names_addresses_and_positions() {
        let text = r#"{"type": "FeatureCollection", "features": [
            {"type": "Feature", "id": "node/1", "properties": {"amenity": "school", "name": "Школа № 5",
              "addr:street": "ул. Абая", "addr:housenumber": "10", "addr:district": "Алмалинский район"},
             "geometry": {"type": "Point", "coordinates": [76.9, 43.25]}},
            {"type": "Feature", "properties": {"type": "way", "tags": {"shop": "bakery", "name:kk": "Нан"}},
             "geometry": {"type": "Polygon", "coordinates": [[[76.0, 43.0], [76.2, 43.0], [76.2, 43.2], [76.0, 43.2]]]}},
            {"type": "Feature", "properties": {"amenity": "bench"}, "geometry": {"type": "Point", "coordinates": [76.9, 43.25]}},
            {"type": "Feature", "properties": {"amenity": "cafe"}, "geometry": {"type": "Point", "coordinates": [76.9, 43.25]}},
            {"type": "Feature", "properties": {"amenity": "cafe", "name": "Луна"}, "geometry": {"type": "Point", "coordinates": [76.9, 95.0]}}
        ]}"#;
        let got = rows(Catalogue::builtin(), &places_from_geojson(text).unwrap());
        assert_eq!((got.features, got.skipped), (5, 2), "a bench and a nameless café are skipped");
        assert_eq!(
            got.errors.iter().map(|e| (e.row, e.problem)).collect::<Vec<_>>(),
            [(5, RowProblem::ImpossibleLocation)]
        );
        let school = &got.rows[0];
        assert_eq!(
            (school.row, school.name.as_str(), school.category.as_str(), school.address.as_str()),
            (1, "Школа № 5", "education", "ул. Абая, 10")
        );
        assert_eq!(school.district.as_ref().map(|d| d.as_str()), Some("almaly"));
        let bakery = &got.rows[1];
        assert_eq!((bakery.row, bakery.name.as_str(), bakery.district.clone()), (2, "Нан", None));
        // The mean of the outline's four corners.
        let l = bakery.location.unwrap();
        assert!((l.lat_deg - 43.1).abs() < 1e-9 && (l.lon_deg - 76.1).abs() < 1e-9, "{l:?}");
    }
}
