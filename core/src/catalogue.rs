//! Where objects are and what they are, as data rather than code: regions
//! (Kazakhstan's regions and cities of republican significance), the
//! districts or other areas inside them (optionally with a GeoJSON boundary
//! that fills in an object's district from its position), and object
//! categories (the survey's 12). The built-in catalogue is
//! `schemas/catalogue/kazakhstan.json`; an administrator adds regions,
//! districts and categories (never removes one, so a code once valid stays
//! valid on every device). The server keeps the additions and numbers the
//! catalogue by their count (`version`); a device fetches it when a pull
//! says the server's is newer.

use std::sync::OnceLock;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::change::Change;
use crate::error::ModelError;
use crate::model::{Category, District, EntityKind, GeoPoint, Localized, Region};

/// The most positions a boundary may have (a district drawn by hand or
/// exported from OSM has a few hundred to a few thousand).
pub const MAX_BOUNDARY_POSITIONS: usize = 20_000;
/// The most entries of each list an administrator may reach.
pub const MAX_ENTRIES: usize = 5_000;
/// The longest name, in characters, in each language.
pub const MAX_NAME_CHARS: usize = 200;

/// Whether a region is a region (облыс) or a city of republican
/// significance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
pub enum RegionKind {
    Region,
    City,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct RegionEntry {
    pub code: Region,
    pub kind: RegionKind,
    pub name: Localized,
}

/// A district, or any area an NGO surveys by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct DistrictEntry {
    pub code: District,
    /// The region or city it lies in.
    pub region: Region,
    pub name: Localized,
    /// Where a map of the district opens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub centre: Option<GeoPoint>,
    /// Its outline, which fills in the district of an object from its
    /// position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundary: Option<Boundary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct CategoryEntry {
    pub code: Category,
    pub name: Localized,
}

/// A GeoJSON Polygon or MultiPolygon geometry: positions are
/// `[longitude, latitude]` in degrees, the first ring of a polygon its
/// outline and any further ring a hole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(tag = "type", deny_unknown_fields)]
pub enum Boundary {
    Polygon { coordinates: Vec<Vec<[f64; 2]>> },
    MultiPolygon { coordinates: Vec<Vec<Vec<[f64; 2]>>> },
}

impl Boundary {
    fn polygons(&self) -> Vec<&Vec<Vec<[f64; 2]>>> {
        match self {
            Boundary::Polygon { coordinates } => vec![coordinates],
            Boundary::MultiPolygon { coordinates } => coordinates.iter().collect(),
        }
    }

    /// Whether `p` lies inside (a hole is outside; even-odd rule over a
    /// polygon's rings).
    pub fn contains(&self, p: GeoPoint) -> bool {
        let (x, y) = (p.lon_deg, p.lat_deg);
        self.polygons().into_iter().any(|rings| {
            let mut inside = false;
            for ring in rings {
                for (a, b) in ring.iter().zip(ring.iter().cycle().skip(1)) {
                    let ([xa, ya], [xb, yb]) = (*a, *b);
                    if (ya > y) != (yb > y) && x < xa + (y - ya) / (yb - ya) * (xb - xa) {
                        inside = !inside;
                    }
                }
            }
            inside
        })
    }

    pub fn validate(&self, field: &str) -> Result<(), ModelError> {
        let polygons = self.polygons();
        if polygons.is_empty() {
            return Err(ModelError::invalid(field, "the boundary has no polygon"));
        }
        let mut positions = 0;
        for rings in polygons {
            if rings.is_empty() {
                return Err(ModelError::invalid(field, "a polygon of the boundary has no ring"));
            }
            for ring in rings {
                positions += ring.len();
                if ring.len() < 4 || ring.first() != ring.last() {
                    return Err(ModelError::invalid(
                        field,
                        "every ring needs at least 4 positions, the last the same as the first (GeoJSON)",
                    ));
                }
                for &[lon, lat] in ring {
                    GeoPoint { lat_deg: lat, lon_deg: lon }.validate(field)?;
                }
            }
        }
        if positions > MAX_BOUNDARY_POSITIONS {
            return Err(ModelError::invalid(
                field,
                format!("the boundary has {positions} positions; at most {MAX_BOUNDARY_POSITIONS} are accepted (simplify it)"),
            ));
        }
        Ok(())
    }
}

/// What an administrator adds to the catalogue: `{"add": "region" |
/// "district" | "category", ...the entry}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(tag = "add", rename_all = "snake_case")]
pub enum Addition {
    Region(RegionEntry),
    District(DistrictEntry),
    Category(CategoryEntry),
}

impl Addition {
    /// Which list it adds to and the code it adds.
    pub fn key(&self) -> (&'static str, &str) {
        match self {
            Addition::Region(r) => ("region", r.code.as_str()),
            Addition::District(d) => ("district", d.code.as_str()),
            Addition::Category(c) => ("category", c.code.as_str()),
        }
    }

    fn name_mut(&mut self) -> &mut Localized {
        match self {
            Addition::Region(r) => &mut r.name,
            Addition::District(d) => &mut d.name,
            Addition::Category(c) => &mut c.name,
        }
    }
}

/// Regions, districts and object categories, with the version a device
/// compares to the server's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    /// How many additions it holds over the built-in one.
    #[ts(type = "number")]
    pub version: i64,
    pub regions: Vec<RegionEntry>,
    pub districts: Vec<DistrictEntry>,
    pub categories: Vec<CategoryEntry>,
}

/// A name as compared: without case, `ё`, punctuation, runs of spaces or
/// the word "район" / "ауданы" / "district" before or after it.
fn normalised(name: &str) -> String {
    let s = crate::duplicates::normalise(name);
    let words: Vec<&str> = s.split(' ').collect();
    let generic = |w: &&str| ["район", "ауданы", "district"].contains(w);
    let words = match words.as_slice() {
        [first, rest @ ..] if !rest.is_empty() && generic(first) => rest,
        [rest @ .., last] if !rest.is_empty() && generic(last) => rest,
        all => all,
    };
    words.join(" ")
}

impl Catalogue {
    /// The catalogue Qadam ships.
    pub fn builtin() -> &'static Catalogue {
        static BUILTIN: OnceLock<Catalogue> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            serde_json::from_str(include_str!("../../schemas/catalogue/kazakhstan.json"))
                .expect("schemas/catalogue/kazakhstan.json is a catalogue")
        })
    }

    /// The built-in catalogue with `additions` made in order (each checked
    /// when it was made; one that no longer fits is skipped).
    pub fn with_additions(additions: impl IntoIterator<Item = Addition>) -> Catalogue {
        let mut c = Catalogue::builtin().clone();
        for a in additions {
            let _ = c.add(a);
        }
        c
    }

    pub fn has_region(&self, code: &Region) -> bool {
        self.regions.iter().any(|r| &r.code == code)
    }

    pub fn has_district(&self, code: &District) -> bool {
        self.districts.iter().any(|d| &d.code == code)
    }

    pub fn has_category(&self, code: &Category) -> bool {
        self.categories.iter().any(|c| &c.code == code)
    }

    pub fn district(&self, code: &District) -> Option<&DistrictEntry> {
        self.districts.iter().find(|d| &d.code == code)
    }

    /// The districts of a region, in catalogue order.
    pub fn districts_of<'a>(&'a self, region: &'a str) -> impl Iterator<Item = &'a DistrictEntry> + 'a {
        self.districts.iter().filter(move |d| d.region.as_str() == region)
    }

    /// The district whose boundary holds `p`; where boundaries overlap, the
    /// one added last (an NGO's own, finer area).
    pub fn district_at(&self, p: GeoPoint) -> Option<&DistrictEntry> {
        self.districts.iter().rev().find(|d| d.boundary.as_ref().is_some_and(|b| b.contains(p)))
    }

    /// A district by its code or its name in Russian, Kazakh or English,
    /// in any case.
    pub fn district_named(&self, raw: &str) -> Option<District> {
        named(&self.districts, raw, |d| (d.code.as_str(), &d.name)).map(|d| d.code.clone())
    }

    /// A category by its code or its name in any of the three languages.
    pub fn category_named(&self, raw: &str) -> Option<Category> {
        named(&self.categories, raw, |c| (c.code.as_str(), &c.name)).map(|c| c.code.clone())
    }

    /// Checks an addition against this catalogue: a new code, a known
    /// region, names, a valid boundary, room left. A missing Kazakh or
    /// English name is the Russian one.
    pub fn check(&self, a: &mut Addition) -> Result<(), ModelError> {
        let name = a.name_mut();
        for (lang, text) in [("ru", &name.ru), ("kk", &name.kk), ("en", &name.en)] {
            if text.chars().count() > MAX_NAME_CHARS {
                return Err(ModelError::invalid(
                    &format!("name.{lang}"),
                    format!("a name is at most {MAX_NAME_CHARS} characters"),
                ));
            }
        }
        name.ru = name.ru.trim().to_string();
        if name.ru.is_empty() {
            return Err(ModelError::invalid("name.ru", "a name in Russian is needed"));
        }
        for text in [&mut name.kk, &mut name.en] {
            *text = text.trim().to_string();
            if text.is_empty() {
                text.clone_from(&name.ru);
            }
        }
        let (list, len, taken) = match &*a {
            Addition::Region(r) => ("region", self.regions.len(), self.has_region(&r.code)),
            Addition::District(d) => ("district", self.districts.len(), self.has_district(&d.code)),
            Addition::Category(c) => ("category", self.categories.len(), self.has_category(&c.code)),
        };
        if taken {
            return Err(ModelError::invalid("code", format!("a {list} with the code `{}` exists already", a.key().1)));
        }
        if len >= MAX_ENTRIES {
            return Err(ModelError::invalid("code", format!("the catalogue holds {MAX_ENTRIES} of each list at most")));
        }
        if let Addition::District(d) = &*a {
            if !self.has_region(&d.region) {
                return Err(ModelError::invalid("region", format!("no region has the code `{}`", d.region)));
            }
            if let Some(c) = &d.centre {
                c.validate("centre")?;
            }
            if let Some(b) = &d.boundary {
                b.validate("boundary")?;
            }
        }
        Ok(())
    }

    /// Checks and makes an addition; the version counts it.
    pub fn add(&mut self, mut a: Addition) -> Result<(), ModelError> {
        self.check(&mut a)?;
        match a {
            Addition::Region(r) => self.regions.push(r),
            Addition::District(d) => self.districts.push(d),
            Addition::Category(c) => self.categories.push(c),
        }
        self.version += 1;
        Ok(())
    }

    /// Checks that a change names only districts and categories this
    /// catalogue defines (a device or a server accepting a write; what a
    /// pull brings is checked only for spelling, as the server's catalogue
    /// may be newer).
    pub fn check_change(&self, c: &Change) -> Result<(), ModelError> {
        if c.entity != EntityKind::Object || c.value.is_null() {
            return Ok(());
        }
        match c.field.as_str() {
            "district" => match serde_json::from_value::<District>(c.value.clone()) {
                Ok(d) if !self.has_district(&d) => Err(ModelError::invalid(
                    "district",
                    format!("no district has the code `{d}`: an administrator adds districts on the dashboard's Places page"),
                )),
                _ => Ok(()),
            },
            "category" => match serde_json::from_value::<Category>(c.value.clone()) {
                Ok(k) if !self.has_category(&k) => Err(ModelError::invalid(
                    "category",
                    format!("no object category has the code `{k}`: an administrator adds categories on the dashboard's Places page"),
                )),
                _ => Ok(()),
            },
            _ => Ok(()),
        }
    }
}

/// The entry whose code is `raw` or whose name in any language is `raw`
/// (compared [`normalised`]).
fn named<'a, T>(entries: &'a [T], raw: &str, key: impl Fn(&T) -> (&str, &Localized)) -> Option<&'a T> {
    let wanted = normalised(raw);
    entries.iter().find(|e| {
        let (code, name) = key(e);
        code == raw.trim() || [&name.ru, &name.kk, &name.en].into_iter().any(|n| normalised(n) == wanted)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(s: &str) -> Localized {
        Localized { ru: s.into(), kk: String::new(), en: String::new() }
    }

    #[test]
    fn the_builtin_catalogue_holds_kazakhstans_regions_and_the_survey_lists() {
        let c = Catalogue::builtin();
        assert_eq!(c.version, 0);
        // 17 regions and 3 cities of republican significance (2022 on).
        assert_eq!(c.regions.iter().filter(|r| r.kind == RegionKind::Region).count(), 17);
        let cities: Vec<&str> =
            c.regions.iter().filter(|r| r.kind == RegionKind::City).map(|r| r.code.as_str()).collect();
        assert_eq!(cities, ["astana", "almaty", "shymkent"]);
        let almaty: Vec<District> = c.districts_of("almaty").map(|d| d.code.clone()).collect();
        assert_eq!(
            almaty,
            [
                District::ALATAU,
                District::ALMALY,
                District::AUEZOV,
                District::BOSTANDYK,
                District::ZHETYSU,
                District::MEDEU,
                District::NAURYZBAY,
                District::TURKSIB
            ]
        );
        assert_eq!(c.categories.len(), 12);
        assert!(c.districts.iter().all(|d| c.has_region(&d.region)), "every district lies in a known region");
        for list in [
            c.regions.iter().map(|r| r.code.to_string()).collect::<Vec<_>>(),
            c.districts.iter().map(|r| r.code.to_string()).collect(),
            c.categories.iter().map(|r| r.code.to_string()).collect(),
        ] {
            let mut unique = list.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), list.len(), "codes are unique: {list:?}");
        }
    }

    #[test]
    fn names_are_found_in_any_language_and_case() {
        let c = Catalogue::builtin();
        assert_eq!(c.district_named("АЛМАЛИНСКИЙ"), Some(District::ALMALY));
        assert_eq!(c.district_named("Әуезов"), Some(District::AUEZOV));
        assert_eq!(c.district_named("medeu"), Some(District::MEDEU));
        assert_eq!(c.category_named("Денсаулық сақтау"), Some(Category::HEALTH));
        assert_eq!(c.category_named("Trade and services"), Some(Category::TRADE_SERVICES));
        assert_eq!(c.district_named("Алма"), None);
        assert_eq!(c.district_named("Медеуский район"), Some(District::MEDEU));
        assert_eq!(c.district_named("Есиль"), Some(District::new("astana_yesil").unwrap()));
    }

    fn square(lon: f64, lat: f64, side: f64) -> Vec<[f64; 2]> {
        vec![[lon, lat], [lon + side, lat], [lon + side, lat + side], [lon, lat + side], [lon, lat]]
    }

    #[test]
    fn a_boundary_holds_what_is_inside_and_not_its_hole() {
        let b = Boundary::Polygon { coordinates: vec![square(0.0, 0.0, 10.0), square(4.0, 4.0, 2.0)] };
        let at = |lon, lat| GeoPoint { lat_deg: lat, lon_deg: lon };
        assert!(b.contains(at(1.0, 1.0)));
        assert!(b.contains(at(9.0, 5.0)));
        assert!(!b.contains(at(5.0, 5.0)), "in the hole");
        assert!(!b.contains(at(11.0, 5.0)));
        assert!(!b.contains(at(5.0, -1.0)));
        let m = Boundary::MultiPolygon { coordinates: vec![vec![square(0.0, 0.0, 1.0)], vec![square(5.0, 5.0, 1.0)]] };
        assert!(m.contains(at(5.5, 5.5)) && m.contains(at(0.5, 0.5)) && !m.contains(at(3.0, 3.0)));
    }

    #[test]
    fn additions_are_checked_and_counted() {
        let mut c = Catalogue::builtin().clone();
        let region = Addition::Region(RegionEntry {
            code: Region::new("zhambyl_ngo").unwrap(),
            kind: RegionKind::Region,
            name: loc("Округ НКО"),
        });
        let area = |code: &str, region: &str| {
            Addition::District(DistrictEntry {
                code: District::new(code).unwrap(),
                region: Region::new(region).unwrap(),
                name: loc("Тараз-Центр"),
                centre: None,
                boundary: Some(Boundary::Polygon { coordinates: vec![square(71.3, 42.8, 0.1)] }),
            })
        };
        assert_eq!(c.add(area("taraz_centre", "zhambyl_ngo")).unwrap_err().field(), Some("region"));
        c.add(region).unwrap();
        c.add(area("taraz_centre", "zhambyl_ngo")).unwrap();
        assert_eq!(c.version, 2);
        let added = c.district(&District::new("taraz_centre").unwrap()).unwrap();
        assert_eq!(added.name.kk, "Тараз-Центр", "a missing Kazakh name is the Russian one");
        assert_eq!(c.add(area("taraz_centre", "zhambyl_ngo")).unwrap_err().field(), Some("code"));
        assert_eq!(c.add(area("almaly", "almaty")).unwrap_err().field(), Some("code"));
        assert_eq!(
            c.district_at(GeoPoint { lat_deg: 42.85, lon_deg: 71.35 }).map(|d| d.code.as_str()),
            Some("taraz_centre")
        );
        assert_eq!(c.district_at(GeoPoint { lat_deg: 43.25, lon_deg: 76.9 }), None);
        let open_ring = Addition::District(DistrictEntry {
            code: District::new("open").unwrap(),
            region: Region::new("almaty").unwrap(),
            name: loc("x"),
            centre: None,
            boundary: Some(Boundary::Polygon { coordinates: vec![vec![[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]]] }),
        });
        assert_eq!(c.add(open_ring).unwrap_err().field(), Some("boundary"));
        let nameless = Addition::Category(CategoryEntry { code: Category::new("bath").unwrap(), name: loc("  ") });
        assert_eq!(c.add(nameless).unwrap_err().field(), Some("name.ru"));
        assert_eq!(c.version, 2, "refused additions are not counted");
    }

    #[test]
    fn a_change_may_name_only_known_districts_and_categories() {
        let c = Catalogue::builtin();
        let change = |field: &str, value: serde_json::Value| Change {
            op_id: uuid::Uuid::nil(),
            entity: EntityKind::Object,
            entity_id: uuid::Uuid::nil(),
            field: field.into(),
            value,
            hlc: crate::hlc::Hlc { wall_ms: 0, counter: 0 },
            device_id: "d".into(),
            seen_cursor: 0,
        };
        assert!(c.check_change(&change("district", serde_json::json!("almaly"))).is_ok());
        assert!(c.check_change(&change("district", serde_json::Value::Null)).is_ok());
        assert_eq!(
            c.check_change(&change("district", serde_json::json!("atlantis"))).unwrap_err().field(),
            Some("district")
        );
        assert_eq!(
            c.check_change(&change("category", serde_json::json!("bath"))).unwrap_err().field(),
            Some("category")
        );
        assert!(c.check_change(&change("category", serde_json::json!("health"))).is_ok());
    }
}
