//! Deterministic demo and test data: the synthetic demo campaign (a few
//! dozen Almaty objects across every district and category, marked
//! synthetic) and JPEG photos with EXIF GPS, time and orientation made by
//! code. Same seed, same bytes.

use std::io::Cursor;

use serde_json::{json, Value};
use uuid::Uuid;

use crate::change::Change;
use crate::hlc::Hlc;
use crate::model::{Category, District, ElementKind, EntityKind};

/// The demo generator's device id.
pub const DEMO_DEVICE: &str = "demo-generator";
/// 2025-06-01T00:00:00Z: the demo data's timestamps start here.
const DEMO_EPOCH_MS: u64 = 1_748_736_000_000;

/// A small deterministic PRNG (SplitMix64).
pub struct SplitMix(u64);

impl SplitMix {
    pub fn new(seed: u64) -> Self {
        SplitMix(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
    pub fn uuid_v7(&mut self, ms: u64) -> Uuid {
        let mut b = [0u8; 10];
        b[..8].copy_from_slice(&self.next_u64().to_le_bytes());
        b[8..].copy_from_slice(&self.next_u64().to_le_bytes()[..2]);
        uuid::Builder::from_unix_timestamp_millis(ms, &b).into_uuid()
    }
}

fn base_name(c: Category) -> &'static str {
    match c {
        Category::Government => "Акимат",
        Category::Health => "Городская поликлиника",
        Category::Culture => "Театр",
        Category::Leisure => "Парк отдыха",
        Category::Education => "Школа-гимназия",
        Category::TradeServices => "Торговый центр",
        Category::Catering => "Кафе",
        Category::Transport => "Автовокзал",
        Category::Sport => "Спорткомплекс",
        Category::Religion => "Мечеть",
        Category::Finance => "Отделение банка",
        Category::Lodging => "Гостиница",
    }
}

const STREETS: [&str; 8] = [
    "пр. Абая",
    "ул. Толе би",
    "пр. Достык",
    "ул. Жандосова",
    "пр. Райымбека",
    "ул. Сатпаева",
    "пр. Аль-Фараби",
    "ул. Шевченко",
];

/// The demo campaign's id.
pub fn demo_campaign_id() -> Uuid {
    SplitMix::new(2025).uuid_v7(DEMO_EPOCH_MS)
}

/// Change records that create the demo campaign with `n_objects` objects,
/// each with an entrance and, for some, a ramp and a door.
pub fn demo_campaign(n_objects: usize) -> Vec<Change> {
    let mut g = Gen { rng: SplitMix::new(2025), t: DEMO_EPOCH_MS, out: Vec::new() };
    let campaign = g.id();
    use EntityKind::*;
    g.set(Campaign, campaign, "name", json!("Демо: Алматы 2025 (синтетические данные)"));
    g.set(
        Campaign,
        campaign,
        "description",
        json!("Синтетическая демонстрационная кампания: объекты и замеры сгенерированы, не реальные."),
    );
    g.set(Campaign, campaign, "rule_set", json!("kz-sp-3.06-101-2012"));
    g.set(Campaign, campaign, "synthetic", json!(true));
    for i in 0..n_objects {
        let district = District::ALL[i % District::ALL.len()];
        let category = Category::ALL[i % Category::ALL.len()];
        let (clat, clon) = district.centre_deg();
        let id = g.id();
        let lat = clat + (g.rng.unit() - 0.5) * 0.02;
        let lon = clon + (g.rng.unit() - 0.5) * 0.03;
        g.set(Object, id, "campaign_id", json!(campaign));
        g.set(Object, id, "name", json!(format!("{} № {} (демо)", base_name(category), i + 1)));
        g.set(Object, id, "category", json!(category));
        g.set(Object, id, "district", json!(district));
        let street = STREETS[g.rng.below(STREETS.len() as u64) as usize];
        let house = 1 + g.rng.below(200);
        g.set(Object, id, "address", json!(format!("Алматы, {street}, {house}")));
        g.set(Object, id, "location", json!({"lat_deg": round6(lat), "lon_deg": round6(lon)}));
        g.set(Object, id, "synthetic", json!(true));

        let audit = g.id();
        let started = g.t;
        g.set(Audit, audit, "campaign_id", json!(campaign));
        g.set(Audit, audit, "object_id", json!(id));
        g.set(Audit, audit, "auditor", json!("Демо-аудитор"));
        g.set(Audit, audit, "started_at_ms", json!(started));
        g.set(Audit, audit, "finished_at_ms", json!(started + 40 * 60_000));
        g.set(Audit, audit, "status", json!("submitted"));

        let has_step = g.rng.below(3) > 0;
        let step = if has_step { 80 + 10 * g.rng.below(12) } else { 0 };
        g.element(
            id,
            audit,
            ElementKind::ENTRANCE,
            vec![("has_step", json!(has_step)), ("step_height_mm", json!(step))],
        );
        if has_step && g.rng.below(2) == 0 {
            let rise = step + 10 * g.rng.below(30);
            let run = rise * (10 + g.rng.below(15));
            let width = 800 + 50 * g.rng.below(8);
            g.element(
                id,
                audit,
                ElementKind::RAMP,
                vec![("rise_mm", json!(rise)), ("run_mm", json!(run)), ("width_mm", json!(width))],
            );
        }
        let clear = 700 + 25 * g.rng.below(14);
        let threshold = 5 * g.rng.below(8);
        g.element(
            id,
            audit,
            ElementKind::DOOR,
            vec![("clear_width_mm", json!(clear)), ("threshold_mm", json!(threshold))],
        );
    }
    g.out
}

struct Gen {
    rng: SplitMix,
    t: u64,
    out: Vec<Change>,
}

impl Gen {
    fn id(&mut self) -> Uuid {
        self.rng.uuid_v7(self.t)
    }

    fn set(&mut self, entity: EntityKind, id: Uuid, field: &str, value: Value) {
        self.t += 1;
        let op_id = self.rng.uuid_v7(self.t);
        self.out.push(Change {
            op_id,
            entity,
            entity_id: id,
            field: field.to_string(),
            value,
            hlc: Hlc::new(self.t, 0),
            device_id: DEMO_DEVICE.to_string(),
            seen_cursor: 0,
        });
    }

    fn element(&mut self, object: Uuid, audit: Uuid, kind: ElementKind, m: Vec<(&str, Value)>) {
        let e = self.id();
        self.set(EntityKind::Element, e, "object_id", json!(object));
        self.set(EntityKind::Element, e, "audit_id", json!(audit));
        self.set(EntityKind::Element, e, "kind", json!(kind));
        for (name, v) in m {
            self.set(EntityKind::Element, e, &format!("measurements.{name}"), v);
        }
    }
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// A JPEG of a plausible scene (sky, wall, door, ramp) with EXIF
/// orientation, DateTimeOriginal (`"YYYY:MM:DD HH:MM:SS"`) and GPS.
pub fn jpeg_with_exif(width: u32, height: u32, orientation: u16, gps: Option<(f64, f64)>, taken: &str) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        let (fx, fy) = (x as f32 / width as f32, y as f32 / height as f32);
        let ramp_top = 0.85 - 0.25 * fx.clamp(0.0, 0.6);
        if fy < 0.3 {
            image::Rgb([(120.0 + 80.0 * fy) as u8, (170.0 + 60.0 * fy) as u8, 235])
        } else if fx > 0.62 && fx < 0.8 && fy > 0.4 && fy < 0.85 {
            image::Rgb([110, 70, 40]) // door
        } else if fx < 0.6 && fy > ramp_top && fy < 0.85 {
            image::Rgb([150, 150, 150]) // ramp
        } else if fy >= 0.85 {
            image::Rgb([90, 95, 90]) // pavement
        } else {
            let brick = ((x / 24 + (y / 12) % 2) % 2) as u8;
            image::Rgb([190 - 20 * brick, 120 - 10 * brick, 90])
        }
    });
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut Cursor::new(&mut jpeg), 85)
        .encode_image(&img)
        .expect("encoding an RGB image to memory cannot fail");
    let app1 = exif_app1(orientation, gps, taken);
    let mut out = Vec::with_capacity(jpeg.len() + app1.len());
    out.extend_from_slice(&jpeg[..2]); // SOI
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// TIFF field types.
const ASCII: u16 = 2;
const SHORT: u16 = 3;
const LONG: u16 = 4;
const RATIONAL: u16 = 5;
const BYTE: u16 = 1;

struct Entry {
    tag: u16,
    typ: u16,
    count: u32,
    data: Vec<u8>,
}

/// Writes one little-endian IFD starting at `offset` (from the TIFF header),
/// with its out-of-line values right after it.
fn ifd(entries: &[Entry], offset: u32) -> Vec<u8> {
    let mut head = Vec::new();
    let mut tail = Vec::new();
    let data_start = offset + 2 + 12 * entries.len() as u32 + 4;
    head.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for e in entries {
        head.extend_from_slice(&e.tag.to_le_bytes());
        head.extend_from_slice(&e.typ.to_le_bytes());
        head.extend_from_slice(&e.count.to_le_bytes());
        if e.data.len() <= 4 {
            let mut v = e.data.clone();
            v.resize(4, 0);
            head.extend_from_slice(&v);
        } else {
            head.extend_from_slice(&(data_start + tail.len() as u32).to_le_bytes());
            tail.extend_from_slice(&e.data);
            if tail.len() % 2 == 1 {
                tail.push(0);
            }
        }
    }
    head.extend_from_slice(&0u32.to_le_bytes());
    head.extend_from_slice(&tail);
    head
}

fn rationals(values: &[(u32, u32)]) -> Vec<u8> {
    values.iter().flat_map(|(n, d)| n.to_le_bytes().into_iter().chain(d.to_le_bytes())).collect()
}

fn dms(deg: f64) -> Vec<u8> {
    let d = deg.abs();
    let whole = d.trunc() as u32;
    let minutes = ((d - whole as f64) * 60.0).trunc() as u32;
    let seconds = ((d - whole as f64) * 3600.0 - minutes as f64 * 60.0) * 10_000.0;
    rationals(&[(whole, 1), (minutes, 1), (seconds.round() as u32, 10_000)])
}

fn exif_app1(orientation: u16, gps: Option<(f64, f64)>, taken: &str) -> Vec<u8> {
    let mut dt = taken.as_bytes().to_vec();
    dt.push(0);
    let ifd0_len = 2 + 12 * 3 + 4;
    let exif_off = 8 + ifd0_len;
    let exif_ifd = ifd(&[Entry { tag: 0x9003, typ: ASCII, count: dt.len() as u32, data: dt.clone() }], exif_off);
    let gps_off = exif_off + exif_ifd.len() as u32;
    let ifd0 = ifd(
        &[
            Entry { tag: 0x0112, typ: SHORT, count: 1, data: orientation.to_le_bytes().to_vec() },
            Entry { tag: 0x8769, typ: LONG, count: 1, data: exif_off.to_le_bytes().to_vec() },
            Entry { tag: 0x8825, typ: LONG, count: 1, data: gps_off.to_le_bytes().to_vec() },
        ],
        8,
    );
    let gps_ifd = match gps {
        Some((lat, lon)) => ifd(
            &[
                Entry { tag: 0x0000, typ: BYTE, count: 4, data: vec![2, 3, 0, 0] },
                Entry { tag: 0x0001, typ: ASCII, count: 2, data: vec![if lat < 0.0 { b'S' } else { b'N' }, 0] },
                Entry { tag: 0x0002, typ: RATIONAL, count: 3, data: dms(lat) },
                Entry { tag: 0x0003, typ: ASCII, count: 2, data: vec![if lon < 0.0 { b'W' } else { b'E' }, 0] },
                Entry { tag: 0x0004, typ: RATIONAL, count: 3, data: dms(lon) },
            ],
            gps_off,
        ),
        None => ifd(&[Entry { tag: 0x0000, typ: BYTE, count: 4, data: vec![2, 3, 0, 0] }], gps_off),
    };
    let mut tiff = b"II*\0".to_vec();
    tiff.extend_from_slice(&8u32.to_le_bytes());
    tiff.extend_from_slice(&ifd0);
    tiff.extend_from_slice(&exif_ifd);
    tiff.extend_from_slice(&gps_ifd);
    let mut seg = vec![0xFF, 0xE1];
    seg.extend_from_slice(&((tiff.len() + 2 + 6) as u16).to_be_bytes());
    seg.extend_from_slice(b"Exif\0\0");
    seg.extend_from_slice(&tiff);
    seg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_is_deterministic_valid_and_covers_everything() {
        let a = demo_campaign(36);
        assert_eq!(a, demo_campaign(36));
        for c in &a {
            c.validate().unwrap_or_else(|e| panic!("{c:?}: {e}"));
        }
        for d in District::ALL {
            assert!(a.iter().any(|c| c.field == "district" && c.value == json!(d)));
        }
        for k in Category::ALL {
            assert!(a.iter().any(|c| c.field == "category" && c.value == json!(k)));
        }
        let mut ops: Vec<_> = a.iter().map(|c| c.op_id).collect();
        ops.sort();
        ops.dedup();
        assert_eq!(ops.len(), a.len());
    }
}
