//! Importing a list of objects to audit (CSV or GeoJSON): every row is
//! checked, and a report names each bad row and why. Nothing is imported
//! from a file with errors unless the caller asks to skip the bad rows.
//! Pure: the caller turns the accepted rows into records.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::model::{Category, District, GeoPoint};

/// One object to audit, as a list gives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct ImportRow {
    pub name: String,
    pub category: Category,
    pub district: District,
    pub address: String,
    pub location: Option<GeoPoint>,
}

/// A refused row: its number (1 = the first data row or feature) and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct RowError {
    pub row: u32,
    pub field: String,
    pub message: String,
}

/// What an import found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct ImportReport {
    pub rows: u32,
    pub errors: Vec<RowError>,
    /// How many objects were created (0 when the file had errors and
    /// skipping them was not asked for).
    pub imported: u32,
}

/// The file as a whole could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct ImportError(pub String);

fn parse_enum<T: serde::de::DeserializeOwned>(raw: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(raw.trim().to_lowercase())).ok()
}

fn check(row: u32, raw: RawRow, errors: &mut Vec<RowError>) -> Option<ImportRow> {
    let mut err = |field: &str, message: String| errors.push(RowError { row, field: field.into(), message });
    let name = raw.name.trim().to_string();
    let mut ok = true;
    if name.is_empty() || name.chars().count() > 300 {
        err("name", "a name of 1 to 300 characters is needed".into());
        ok = false;
    }
    let category = parse_enum::<Category>(&raw.category);
    if category.is_none() {
        err("category", format!("`{}` is not one of the 12 categories (government, health, culture, …)", raw.category));
        ok = false;
    }
    let district = parse_enum::<District>(&raw.district);
    if district.is_none() {
        err("district", format!("`{}` is not one of the 8 Almaty districts (alatau, almaly, …)", raw.district));
        ok = false;
    }
    let location = match (raw.lat, raw.lon) {
        (None, None) => None,
        (Some(lat_deg), Some(lon_deg)) => {
            let p = GeoPoint { lat_deg, lon_deg };
            if let Err(e) = p.validate("location") {
                err("location", e.to_string());
                ok = false;
            }
            Some(p)
        }
        _ => {
            err("location", "give both latitude and longitude, or neither".into());
            ok = false;
            None
        }
    };
    ok.then(|| ImportRow {
        name,
        category: category.expect("checked"),
        district: district.expect("checked"),
        address: raw.address.trim().to_string(),
        location,
    })
}

struct RawRow {
    name: String,
    category: String,
    district: String,
    address: String,
    lat: Option<f64>,
    lon: Option<f64>,
}

/// Reads a CSV with a header row naming `name`, `category`, `district`,
/// `address`, `lat`, `lon` (any order; a BOM is fine).
pub fn from_csv(text: &str) -> Result<(Vec<ImportRow>, u32, Vec<RowError>), ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rd = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = rd.headers().map_err(|e| ImportError(format!("the header row: {e}")))?.clone();
    let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (Some(name), Some(category), Some(district)) = (col("name"), col("category"), col("district")) else {
        return Err(ImportError(
            "the header row must name the columns name, category and district (and address, lat, lon)".into(),
        ));
    };
    let (address, lat, lon) = (col("address"), col("lat"), col("lon"));
    let (mut rows, mut errors, mut n) = (Vec::new(), Vec::new(), 0u32);
    for rec in rd.records() {
        n += 1;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                errors.push(RowError { row: n, field: "row".into(), message: e.to_string() });
                continue;
            }
        };
        let get = |i: Option<usize>| i.and_then(|i| rec.get(i)).unwrap_or("").to_string();
        let num = |i: Option<usize>, field: &str, errors: &mut Vec<RowError>| -> Option<f64> {
            let s = get(i).replace(',', ".");
            if s.is_empty() {
                return None;
            }
            match s.parse::<f64>() {
                Ok(v) => Some(v),
                Err(_) => {
                    errors.push(RowError { row: n, field: field.into(), message: format!("`{s}` is not a number") });
                    Some(f64::NAN)
                }
            }
        };
        let raw = RawRow {
            name: get(Some(name)),
            category: get(Some(category)),
            district: get(Some(district)),
            address: get(address),
            lat: num(lat, "lat", &mut errors),
            lon: num(lon, "lon", &mut errors),
        };
        if let Some(r) = check(n, raw, &mut errors) {
            rows.push(r);
        }
    }
    errors.dedup_by(|a, b| a.row == b.row && a.field == b.field);
    Ok((rows, n, errors))
}

/// Reads a GeoJSON FeatureCollection of Points whose properties carry
/// `name`, `category`, `district` and `address`.
pub fn from_geojson(text: &str) -> Result<(Vec<ImportRow>, u32, Vec<RowError>), ImportError> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| ImportError(format!("not JSON: {e}")))?;
    if v["type"] != "FeatureCollection" {
        return Err(ImportError("expected a GeoJSON FeatureCollection".into()));
    }
    let features = v["features"].as_array().ok_or_else(|| ImportError("`features` must be an array".into()))?;
    let (mut rows, mut errors) = (Vec::new(), Vec::new());
    for (i, f) in features.iter().enumerate() {
        let n = i as u32 + 1;
        let p = &f["properties"];
        let text = |k: &str| p[k].as_str().unwrap_or("").to_string();
        let (mut lat, mut lon) = (None, None);
        match (&f["geometry"]["type"], f["geometry"]["coordinates"].as_array()) {
            (serde_json::Value::Null, _) => {}
            (t, Some(c)) if t == "Point" && c.len() >= 2 => {
                lon = c[0].as_f64();
                lat = c[1].as_f64();
            }
            _ => errors.push(RowError {
                row: n,
                field: "geometry".into(),
                message: "expected a Point [lon, lat] or null".into(),
            }),
        }
        let raw = RawRow {
            name: text("name"),
            category: text("category"),
            district: text("district"),
            address: text("address"),
            lat,
            lon,
        };
        if let Some(r) = check(n, raw, &mut errors) {
            rows.push(r);
        }
    }
    Ok((rows, features.len() as u32, errors))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_row_is_named() {
        let csv = "\u{feff}name,category,district,address,lat,lon\n\
                   Школа № 1,education,almaly,ул. Абая 1,43.25,76.93\n\
                   ,health,medeu,,43.2,76.9\n\
                   Музей,museum,almaly,,43.2,76.9\n\
                   Аптека,health,bostandyk,,95,76.9\n\
                   Парк,leisure,medeu,,\"43,21\",\"76,95\"\n";
        let (rows, n, errors) = from_csv(csv).unwrap();
        assert_eq!(n, 5);
        assert_eq!(rows.len(), 2, "{errors:?}");
        let named: Vec<(u32, &str)> = errors.iter().map(|e| (e.row, e.field.as_str())).collect();
        assert_eq!(named, [(2, "name"), (3, "category"), (4, "location")]);
        assert_eq!(rows[1].location, Some(GeoPoint { lat_deg: 43.21, lon_deg: 76.95 }), "decimal commas are read");
    }

    #[test]
    fn geojson_rows_are_checked_the_same_way() {
        let g = r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","geometry":{"type":"Point","coordinates":[76.95,43.25]},
             "properties":{"name":"ЦОН","category":"government","district":"medeu","address":"пр. Достык 1"}},
            {"type":"Feature","geometry":null,"properties":{"name":"Без места","category":"sport","district":"nowhere"}}]}"#;
        let (rows, n, errors) = from_geojson(g).unwrap();
        assert_eq!((rows.len(), n), (1, 2));
        assert_eq!(errors[0].row, 2);
        assert_eq!(errors[0].field, "district");
        assert!(from_geojson("[]").is_err());
    }
}
