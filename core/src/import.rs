//! Importing a list of objects to audit (CSV or GeoJSON): every row is
//! checked, and a report names each bad row and why. Nothing is imported
//! from a file with errors unless the caller asks to skip the bad rows.
//! Pure: the caller turns the accepted rows into records.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::catalogue::Catalogue;
use crate::model::{Category, District, GeoPoint};

/// One object to audit, as a list gives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct ImportRow {
    /// Its number in the file (1 = the first data row or feature).
    pub row: u32,
    pub name: String,
    pub category: Category,
    /// None only from an OSM extract whose place no district's name or
    /// boundary claims: the coordinator sets it.
    pub district: Option<District>,
    pub address: String,
    pub location: Option<GeoPoint>,
}

/// Why a row was refused: the dashboard says it in the coordinator's
/// language from this and `value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
pub enum RowProblem {
    /// No name, or more than 300 characters.
    NameLength,
    /// An address of more than 500 characters (what a record holds).
    AddressLength,
    UnknownCategory,
    UnknownDistrict,
    /// A latitude or longitude out of range.
    ImpossibleLocation,
    /// Only one of latitude and longitude.
    HalfLocation,
    NotANumber,
    /// A GeoJSON geometry that is not a Point.
    NotAPoint,
    /// A CSV line the reader could not split into fields.
    Unreadable,
}

/// A refused row: its number (1 = the first data row or feature), the line
/// of the file it starts on (a spreadsheet's row number: the header is line
/// 1; none for GeoJSON), and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct RowError {
    pub row: u32,
    pub line: Option<u32>,
    pub field: String,
    pub problem: RowProblem,
    /// What the row gave (the unknown category, the text that is not a number).
    pub value: String,
    /// The same in English, for logs and scripts.
    pub message: String,
}

/// What an import found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct ImportReport {
    pub rows: u32,
    /// Rows with at least one error (a row may have several).
    pub bad_rows: u32,
    pub errors: Vec<RowError>,
    /// How many objects were created (0 when the file had errors and
    /// skipping them was not asked for).
    pub imported: u32,
    /// Features of an OSM extract that are not places the survey covers.
    #[serde(default)]
    pub skipped: u32,
    /// Imported rows that are probably a place recorded already (an object
    /// of the campaign, or another row of the file): for the coordinator to
    /// merge on the Duplicates page.
    #[serde(default)]
    pub duplicates: Vec<ImportDuplicate>,
}

/// An imported row and the record it probably duplicates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct ImportDuplicate {
    pub row: u32,
    /// The campaign's object it is probably…
    pub object: Option<uuid::Uuid>,
    /// …or the other row of the file.
    pub other_row: Option<u32>,
    pub name: String,
    pub other_name: String,
    pub distance_m: Option<u32>,
    pub name_similarity_permille: u32,
}

/// The file as a whole could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct ImportError(pub String);

fn check(
    catalogue: &Catalogue,
    row: u32,
    line: Option<u32>,
    raw: RawRow,
    errors: &mut Vec<RowError>,
) -> Option<ImportRow> {
    let mut err = |field: &str, problem: RowProblem, value: &str, message: String| {
        errors.push(RowError { row, line, field: field.into(), problem, value: value.into(), message })
    };
    let name = raw.name.trim().to_string();
    let mut ok = true;
    if name.is_empty() || name.chars().count() > 300 {
        err("name", RowProblem::NameLength, &name, "a name of 1 to 300 characters is needed".into());
        ok = false;
    }
    let address = raw.address.trim().to_string();
    if address.chars().count() > 500 {
        err("address", RowProblem::AddressLength, &address, "an address holds at most 500 characters".into());
        ok = false;
    }
    let category = catalogue.category_named(&raw.category);
    if category.is_none() {
        err(
            "category",
            RowProblem::UnknownCategory,
            &raw.category,
            format!("`{}` is not an object category of the catalogue (government, health, culture, …)", raw.category),
        );
        ok = false;
    }
    let location = match (raw.lat, raw.lon) {
        (None, None) => None,
        (Some(lat_deg), Some(lon_deg)) => {
            let p = GeoPoint { lat_deg, lon_deg };
            if let Err(e) = p.validate("location") {
                err("location", RowProblem::ImpossibleLocation, &format!("{lat_deg}, {lon_deg}"), e.to_string());
                ok = false;
            }
            Some(p)
        }
        _ => {
            err("location", RowProblem::HalfLocation, "", "give both latitude and longitude, or neither".into());
            ok = false;
            None
        }
    };
    // A row without a district takes the one whose boundary holds it.
    let district = if raw.district.trim().is_empty() {
        location.and_then(|p| catalogue.district_at(p)).map(|d| d.code.clone())
    } else {
        catalogue.district_named(&raw.district)
    };
    if district.is_none() {
        let message = if raw.district.trim().is_empty() {
            "no district is given, and no district's boundary holds the row's position".to_string()
        } else {
            format!("`{}` is not a district of the catalogue (alatau, almaly, …)", raw.district)
        };
        err("district", RowProblem::UnknownDistrict, &raw.district, message);
        ok = false;
    }
    ok.then(|| ImportRow { row, name, category: category.expect("checked"), district, address, location })
}

struct RawRow {
    name: String,
    category: String,
    district: String,
    address: String,
    lat: Option<f64>,
    lon: Option<f64>,
}

/// The columns a table (CSV, spreadsheet) must name in its header row.
const COLUMNS_NEEDED: &str = "the header row must name the columns name, category and district (and address, lat, lon)";

/// One record of a table: its line (CSV) or row (spreadsheet) number, and
/// its cells, or why it could not be read.
type TableRecord = (Option<u32>, Result<Vec<String>, String>);

/// Reads a table's records under its header row (columns in any order, any
/// case): what CSV files and spreadsheets share.
fn from_table(
    catalogue: &Catalogue,
    headers: &[String],
    records: impl IntoIterator<Item = TableRecord>,
) -> Result<(Vec<ImportRow>, u32, Vec<RowError>), ImportError> {
    let col = |name: &str| headers.iter().position(|h| h.trim().eq_ignore_ascii_case(name));
    let (Some(name), Some(category), Some(district)) = (col("name"), col("category"), col("district")) else {
        return Err(ImportError(COLUMNS_NEEDED.into()));
    };
    let (address, lat, lon) = (col("address"), col("lat"), col("lon"));
    let (mut rows, mut errors, mut n) = (Vec::new(), Vec::new(), 0u32);
    for (line, rec) in records {
        n += 1;
        let rec = match rec {
            Ok(r) => r,
            Err(message) => {
                errors.push(RowError {
                    row: n,
                    line,
                    field: "row".into(),
                    problem: RowProblem::Unreadable,
                    value: String::new(),
                    message,
                });
                continue;
            }
        };
        let get = |i: Option<usize>| i.and_then(|i| rec.get(i)).map(|s| s.trim()).unwrap_or("").to_string();
        let num = |i: Option<usize>, field: &str, errors: &mut Vec<RowError>| -> Option<f64> {
            let s = get(i).replace(',', ".");
            if s.is_empty() {
                return None;
            }
            match s.parse::<f64>() {
                Ok(v) => Some(v),
                Err(_) => {
                    errors.push(RowError {
                        row: n,
                        line,
                        field: field.into(),
                        problem: RowProblem::NotANumber,
                        value: s.clone(),
                        message: format!("`{s}` is not a number"),
                    });
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
        if let Some(r) = check(catalogue, n, line, raw, &mut errors) {
            rows.push(r);
        }
    }
    errors.dedup_by(|a, b| a.row == b.row && a.field == b.field);
    Ok((rows, n, errors))
}

/// Reads a CSV with a header row naming `name`, `category`, `district`,
/// `address`, `lat`, `lon` (any order; a BOM is fine).
pub fn from_csv(catalogue: &Catalogue, text: &str) -> Result<(Vec<ImportRow>, u32, Vec<RowError>), ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rd = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers: Vec<String> =
        rd.headers().map_err(|e| ImportError(format!("the header row: {e}")))?.iter().map(String::from).collect();
    let records = rd.records().map(|rec| match rec {
        Ok(r) => (r.position().map(|p| p.line() as u32), Ok(r.iter().map(String::from).collect())),
        Err(e) => (e.position().map(|p| p.line() as u32), Err(e.to_string())),
    });
    from_table(catalogue, &headers, records)
}

/// The most bytes a spreadsheet's parts may hold once unpacked: a
/// register's list of tens of thousands of places is a few megabytes; a
/// small file that unpacks to gigabytes is refused before it is read.
pub const MAX_XLSX_UNPACKED_BYTES: u64 = 64 * 1024 * 1024;

/// Whether `bytes` are an `.xlsx` spreadsheet (a ZIP archive), not text.
pub fn is_xlsx(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// Reads the first sheet of an `.xlsx` spreadsheet (a register's list, as
/// offices keep them) like a CSV: a header row naming the columns, then
/// one place per row; a row is named by its number in the sheet.
pub fn from_xlsx(catalogue: &Catalogue, bytes: &[u8]) -> Result<(Vec<ImportRow>, u32, Vec<RowError>), ImportError> {
    from_xlsx_within(catalogue, bytes, MAX_XLSX_UNPACKED_BYTES)
}

fn from_xlsx_within(
    catalogue: &Catalogue,
    bytes: &[u8],
    max_unpacked: u64,
) -> Result<(Vec<ImportRow>, u32, Vec<RowError>), ImportError> {
    use calamine::Reader;
    let bad = |e: &dyn std::fmt::Display| ImportError(format!("not a readable .xlsx spreadsheet: {e}"));
    let zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| bad(&e))?;
    let unpacked: u64 = zip.decompressed_size().map(|n| n as u64).unwrap_or(u64::MAX);
    if unpacked > max_unpacked {
        return Err(ImportError(format!(
            "the spreadsheet unpacks to {unpacked} bytes, more than the {max_unpacked} taken; split it, or save it as CSV"
        )));
    }
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).map_err(|e| bad(&e))?;
    let sheet = book.worksheet_range_at(0).ok_or_else(|| ImportError("the spreadsheet has no sheet".into()))?;
    let sheet = sheet.map_err(|e| bad(&e))?;
    let first = sheet.start().map(|(row, _)| row).unwrap_or(0);
    let mut rows = sheet.rows().enumerate();
    let Some((_, header)) = rows.next() else {
        return Err(ImportError(COLUMNS_NEEDED.into()));
    };
    let headers: Vec<String> = header.iter().map(|c| c.to_string()).collect();
    let records = rows
        .filter(|(_, cells)| cells.iter().any(|c| !matches!(c, calamine::Data::Empty)))
        .map(|(i, cells)| (Some(first + i as u32 + 1), Ok(cells.iter().map(|c| c.to_string()).collect())));
    from_table(catalogue, &headers, records)
}

/// Reads a GeoJSON FeatureCollection of Points whose properties carry
/// `name`, `category`, `district` and `address`.
pub fn from_geojson(catalogue: &Catalogue, text: &str) -> Result<(Vec<ImportRow>, u32, Vec<RowError>), ImportError> {
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
                line: None,
                field: "geometry".into(),
                problem: RowProblem::NotAPoint,
                value: f["geometry"]["type"].as_str().unwrap_or("").to_string(),
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
        if let Some(r) = check(catalogue, n, None, raw, &mut errors) {
            rows.push(r);
        }
    }
    Ok((rows, features.len() as u32, errors))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal `.xlsx` written by hand (its parts as Office writes them,
    /// stored uncompressed): `rows` from row `first`, text cells as inline
    /// strings and numbers as numbers.
    fn xlsx(first: u32, rows: &[Vec<Result<&str, f64>>]) -> Vec<u8> {
        use std::io::Write;
        const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
        const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
        const PKG: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
        let mut sheet = format!("<worksheet xmlns=\"{MAIN}\"><sheetData>");
        for (i, row) in rows.iter().enumerate() {
            let r = first + i as u32;
            sheet += &format!("<row r=\"{r}\">");
            for (j, cell) in row.iter().enumerate() {
                let at = format!("{}{r}", (b'A' + j as u8) as char);
                sheet += &match cell {
                    Ok(text) => format!("<c r=\"{at}\" t=\"inlineStr\"><is><t>{text}</t></is></c>"),
                    Err(n) => format!("<c r=\"{at}\"><v>{n}</v></c>"),
                };
            }
            sheet += "</row>";
        }
        sheet += "</sheetData></worksheet>";
        let parts = [
            ("[Content_Types].xml", "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/><Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/></Types>".to_string()),
            ("_rels/.rels", format!("<Relationships xmlns=\"{PKG}\"><Relationship Id=\"rId1\" Type=\"{REL}/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>")),
            ("xl/workbook.xml", format!("<workbook xmlns=\"{MAIN}\" xmlns:r=\"{REL}\"><sheets><sheet name=\"Реестр\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>")),
            ("xl/_rels/workbook.xml.rels", format!("<Relationships xmlns=\"{PKG}\"><Relationship Id=\"rId1\" Type=\"{REL}/worksheet\" Target=\"worksheets/sheet1.xml\"/></Relationships>")),
            ("xl/worksheets/sheet1.xml", sheet),
        ];
        let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        for (name, text) in parts {
            out.start_file(name, stored).unwrap();
            out.write_all(text.as_bytes()).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    #[test]
    fn a_register_spreadsheet_imports_like_its_csv() {
        // The register's sheet starts at row 2 (a title row above is empty),
        // with its columns in another order and numbers as numbers.
        let rows = vec![
            vec![Ok("Address"), Ok("NAME"), Ok("lat"), Ok("lon"), Ok("category"), Ok("district")],
            vec![Ok("ул. Абая 1"), Ok("Школа № 1"), Err(43.25), Err(76.93), Ok("Образование"), Ok("Алмалинский район")],
            vec![Ok(""), Ok("Музей"), Err(43.2), Err(76.9), Ok("museum"), Ok("almaly")],
            vec![],
            vec![Ok("пр. Достык 5"), Ok("Аптека"), Ok("43,21"), Ok("76,95"), Ok("health"), Ok("medeu")],
        ];
        let (got, n, errors) = from_xlsx(Catalogue::builtin(), &xlsx(2, &rows)).unwrap();
        let csv = "address,name,lat,lon,category,district\n\
                   ул. Абая 1,Школа № 1,43.25,76.93,Образование,Алмалинский район\n\
                   ,Музей,43.2,76.9,museum,almaly\n\
                   пр. Достык 5,Аптека,\"43,21\",\"76,95\",health,medeu\n";
        let (want, want_n, _) = from_csv(Catalogue::builtin(), csv).unwrap();
        assert_eq!((got, n), (want, want_n), "an empty row is no place");
        // A row is named by its number in the sheet.
        let named: Vec<(u32, Option<u32>, &str)> = errors.iter().map(|e| (e.row, e.line, e.field.as_str())).collect();
        assert_eq!(named, [(2, Some(4), "category")]);
        assert!(from_xlsx(Catalogue::builtin(), b"PK\x03\x04 not a zip").is_err());
        // A file that unpacks to more than is taken is refused unread.
        let file = xlsx(2, &rows);
        let size = zip::ZipArchive::new(std::io::Cursor::new(&file)).unwrap().decompressed_size().unwrap() as u64;
        assert!(from_xlsx_within(Catalogue::builtin(), &file, size).is_ok());
        let e = from_xlsx_within(Catalogue::builtin(), &file, size - 1).unwrap_err();
        assert!(e.0.starts_with(&format!("the spreadsheet unpacks to {size} bytes")), "{}", e.0);
        let headless = xlsx(1, &[vec![Ok("title"), Ok("city")]]);
        assert_eq!(from_xlsx(Catalogue::builtin(), &headless).unwrap_err().0, COLUMNS_NEEDED);
    }

    #[test]
    fn every_bad_row_is_named() {
        let csv = "\u{feff}name,category,district,address,lat,lon\n\
                   Школа № 1,education,almaly,ул. Абая 1,43.25,76.93\n\
                   ,health,medeu,,43.2,76.9\n\
                   Музей,museum,almaly,,43.2,76.9\n\
                   Аптека,health,bostandyk,,95,76.9\n\
                   Парк,leisure,medeu,,\"43,21\",\"76,95\"\n";
        // An address longer than a record holds: refused here, on its row,
        // rather than refusing the whole import's push.
        let long = "д".repeat(501);
        let csv = format!("{csv}Почта,government,almaly,{long},,\n");
        let (rows, n, errors) = from_csv(Catalogue::builtin(), &csv).unwrap();
        assert_eq!(n, 6);
        assert_eq!(rows.len(), 2, "{errors:?}");
        let named: Vec<(u32, Option<u32>, &str, RowProblem, &str)> =
            errors.iter().map(|e| (e.row, e.line, e.field.as_str(), e.problem, e.value.as_str())).collect();
        assert_eq!(
            named,
            [
                (2, Some(3), "name", RowProblem::NameLength, ""),
                (3, Some(4), "category", RowProblem::UnknownCategory, "museum"),
                (4, Some(5), "location", RowProblem::ImpossibleLocation, "95, 76.9"),
                (6, Some(7), "address", RowProblem::AddressLength, long.as_str()),
            ]
        );
        assert_eq!(rows[1].location, Some(GeoPoint { lat_deg: 43.21, lon_deg: 76.95 }), "decimal commas are read");
    }

    #[test]
    fn categories_and_districts_are_read_by_name_in_every_language() {
        // Names as the UI shows them (ui/src/locales), worked out here by
        // hand: Russian, Kazakh, English, any case, ё, a trailing "район".
        let csv = "name,category,district\n\
                   A,Здравоохранение,Алмалинский район\n\
                   B,денсаулық сақтау,Алмалы ауданы\n\
                   C,HEALTH,almaly district\n\
                   D,Торговля и услуги,Жетысуский\n\
                   E,Госучреждения,Медеуский\n\
                   F,Здоровье,Алмалинский\n\
                   G,health,Алма\n";
        let (rows, n, errors) = from_csv(Catalogue::builtin(), csv).unwrap();
        assert_eq!(n, 7);
        let got: Vec<(&str, Category, District)> =
            rows.iter().map(|r| (r.name.as_str(), r.category.clone(), r.district.clone().unwrap())).collect();
        assert_eq!(
            got,
            [
                ("A", Category::HEALTH, District::ALMALY),
                ("B", Category::HEALTH, District::ALMALY),
                ("C", Category::HEALTH, District::ALMALY),
                ("D", Category::TRADE_SERVICES, District::ZHETYSU),
                ("E", Category::GOVERNMENT, District::MEDEU),
            ]
        );
        let refused: Vec<(u32, Option<u32>, RowProblem, &str)> =
            errors.iter().map(|e| (e.row, e.line, e.problem, e.value.as_str())).collect();
        assert_eq!(
            refused,
            [(6, Some(7), RowProblem::UnknownCategory, "Здоровье"), (7, Some(8), RowProblem::UnknownDistrict, "Алма")]
        );
    }

    #[test]
    fn geojson_rows_are_checked_the_same_way() {
        let g = r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","geometry":{"type":"Point","coordinates":[76.95,43.25]},
             "properties":{"name":"ЦОН","category":"government","district":"medeu","address":"пр. Достык 1"}},
            {"type":"Feature","geometry":null,"properties":{"name":"Без места","category":"sport","district":"nowhere"}}]}"#;
        let (rows, n, errors) = from_geojson(Catalogue::builtin(), g).unwrap();
        assert_eq!((rows.len(), n), (1, 2));
        assert_eq!(errors[0].row, 2);
        assert_eq!(errors[0].field, "district");
        assert!(from_geojson(Catalogue::builtin(), "[]").is_err());
    }
}
