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
use crate::photo::{gps_entries, ifd, Entry, ASCII, BYTE, LONG, SHORT};

/// The demo generator's device id.
pub const DEMO_DEVICE: &str = "demo-generator";
/// 2025-06-01T00:00:00Z: the demo data's timestamps start here.
/// Almaty's districts (with their centres) and the survey's categories,
/// from the built-in catalogue: the demo's city.
struct Almaty;
const ALMATY: Almaty = Almaty;

impl Almaty {
    fn districts(&self) -> &'static [(District, (f64, f64))] {
        static D: std::sync::OnceLock<Vec<(District, (f64, f64))>> = std::sync::OnceLock::new();
        D.get_or_init(|| {
            crate::catalogue::Catalogue::builtin()
                .districts_of("almaty")
                .map(|d| {
                    let c = d.centre.expect("the built-in districts of Almaty have centres");
                    (d.code.clone(), (c.lat_deg, c.lon_deg))
                })
                .collect()
        })
    }

    fn categories(&self) -> &'static [Category] {
        static C: std::sync::OnceLock<Vec<Category>> = std::sync::OnceLock::new();
        C.get_or_init(|| crate::catalogue::Catalogue::builtin().categories.iter().map(|c| c.code.clone()).collect())
    }
}

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

fn base_name(c: &Category) -> &'static str {
    match c.as_str() {
        "government" => "Акимат",
        "health" => "Городская поликлиника",
        "culture" => "Театр",
        "leisure" => "Парк отдыха",
        "education" => "Школа-гимназия",
        "trade_services" => "Торговый центр",
        "catering" => "Кафе",
        "transport" => "Автовокзал",
        "sport" => "Спорткомплекс",
        "religion" => "Мечеть",
        "finance" => "Отделение банка",
        "lodging" => "Гостиница",
        _ => "Объект",
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
        let (district, (clat, clon)) = ALMATY.districts()[i % 8].clone();
        let category = ALMATY.categories()[i % ALMATY.categories().len()].clone();
        let id = g.id();
        let lat = clat + (g.rng.unit() - 0.5) * 0.02;
        let lon = clon + (g.rng.unit() - 0.5) * 0.03;
        let name = format!("{} № {} (демо)", base_name(&category), i + 1);
        g.object(id, campaign, &name, category, district, (lat, lon), 200);

        let audit = g.id();
        let started = g.t;
        g.set(Audit, audit, "campaign_id", json!(campaign));
        g.set(Audit, audit, "object_id", json!(id));
        g.set(Audit, audit, "auditor", json!("Демо-аудитор"));
        g.set(Audit, audit, "started_at_ms", json!(started));
        g.set(Audit, audit, "finished_at_ms", json!(started + 40 * 60_000));
        g.set(Audit, audit, "status", json!("submitted"));

        match i % 3 {
            0 => demo_measured(&mut g, id, audit, None),
            1 => demo_measured(&mut g, id, audit, Some(i / 3 % 4)),
            _ => demo_in_progress(&mut g, id, audit),
        }
    }
    g.out
}

/// A demo object measured in full under СП РК 3.06-101: the approach,
/// the entrance, its door, a corridor, tactile guidance, a sign and the
/// information for hearing, every value within the norm — unless `barrier`
/// picks one that is not (0 a step with no ramp, 1 a narrow door, 2 a high
/// threshold, 3 a ramp of 8 % on a site not recorded as cramped).
fn demo_measured(g: &mut Gen, object: Uuid, audit: Uuid, barrier: Option<usize>) {
    let mm = |g: &mut Gen, lo: u64, hi: u64| json!(lo + 10 * g.rng.below((hi - lo) / 10 + 1));
    let m = vec![
        ("width_mm", mm(g, 2000, 3000)),
        ("slope_permille", mm(g, 0, 50)),
        ("cross_slope_permille", mm(g, 0, 20)),
        ("joint_width_mm", mm(g, 0, 10)),
        ("surface_even", json!(true)),
        ("existing_development", json!(false)),
        ("has_kerb_ramp", json!(false)),
    ];
    g.element(object, audit, ElementKind::APPROACH_PATH, m);
    let step = matches!(barrier, Some(0) | Some(3));
    let m = vec![
        ("has_step", json!(step)),
        ("step_height_mm", if step { mm(g, 120, 300) } else { json!(0) }),
        ("platform_width_mm", mm(g, 2200, 3000)),
        ("platform_depth_mm", mm(g, 2200, 3000)),
        ("platform_cross_slope_permille", mm(g, 10, 20)),
        ("has_tambour", json!(false)),
        ("has_grating", json!(false)),
        ("has_turnstile", json!(false)),
    ];
    let entrance = g.element(object, audit, ElementKind::ENTRANCE, m);
    if barrier == Some(3) {
        // 8 % (a rise of 400 mm over 5 m): over the 5 % of 4.3.2.30.
        let m = vec![
            ("rise_mm", json!(400)),
            ("run_mm", json!(5000)),
            ("width_mm", mm(g, 1200, 1500)),
            ("upstand_height_mm", json!(50)),
            ("handrails_both_sides", json!(true)),
            ("handrail_height_mm", mm(g, 800, 900)),
            ("handrail_extension_mm", mm(g, 300, 400)),
            ("handrail_wall_gap_mm", mm(g, 40, 60)),
            ("end_landing_depth_mm", mm(g, 1500, 2000)),
        ];
        let ramp = g.element(object, audit, ElementKind::RAMP, m);
        g.serves(ramp, entrance);
    }
    let m = vec![
        ("clear_width_mm", if barrier == Some(1) { mm(g, 750, 850) } else { mm(g, 900, 1200) }),
        ("threshold_mm", if barrier == Some(2) { mm(g, 20, 40) } else { mm(g, 0, 10) }),
        ("glazed", json!(false)),
        ("automatic", json!(false)),
        ("handle_height_mm", mm(g, 800, 1000)),
        ("space_depth_mm", mm(g, 1500, 2000)),
        ("space_width_mm", mm(g, 1500, 2000)),
        ("opens_towards_user", json!(true)),
    ];
    g.element(object, audit, ElementKind::DOOR, m);
    let m = vec![
        ("width_mm", mm(g, 1500, 2400)),
        ("turning_diameter_mm", mm(g, 1500, 2000)),
        ("protruding_objects", json!(false)),
    ];
    g.element(object, audit, ElementKind::CORRIDOR, m);
    let m = vec![
        ("present", json!(true)),
        ("distance_to_stairs_mm", mm(g, 600, 800)),
        ("strip_depth_mm", mm(g, 300, 500)),
        ("contrasting", json!(true)),
    ];
    g.element(object, audit, ElementKind::TACTILE_NAVIGATION, m);
    let m = vec![
        ("mount_height_mm", mm(g, 1400, 1500)),
        ("letter_height_mm", mm(g, 50, 100)),
        ("contrast_text", json!(true)),
        ("tactile_braille", json!(true)),
    ];
    g.element(object, audit, ElementKind::SIGNAGE, m);
    let m = vec![
        ("hearing_place_distance_mm", mm(g, 1000, 3000)),
        ("visual_alarm", json!(true)),
        ("hall_seats", json!(80)),
        ("listening_seats", json!(4)),
    ];
    g.element(object, audit, ElementKind::INFORMATION_COMMUNICATION, m);
}

/// A demo object still being measured: an entrance, perhaps a ramp, and a
/// door with its width and threshold (not assessed, with what to measure).
fn demo_in_progress(g: &mut Gen, object: Uuid, audit: Uuid) {
    let has_step = g.rng.below(3) > 0;
    let step = if has_step { 80 + 10 * g.rng.below(12) } else { 0 };
    let entrance = g.element(
        object,
        audit,
        ElementKind::ENTRANCE,
        vec![("has_step", json!(has_step)), ("step_height_mm", json!(step))],
    );
    if has_step && g.rng.below(2) == 0 {
        let rise = step + 10 * g.rng.below(30);
        let run = rise * (10 + g.rng.below(15));
        let width = 800 + 50 * g.rng.below(8);
        let ramp = g.element(
            object,
            audit,
            ElementKind::RAMP,
            vec![("rise_mm", json!(rise)), ("run_mm", json!(run)), ("width_mm", json!(width))],
        );
        g.serves(ramp, entrance);
    }
    let clear = 700 + 25 * g.rng.below(14);
    let threshold = 5 * g.rng.below(8);
    g.element(
        object,
        audit,
        ElementKind::DOOR,
        vec![("clear_width_mm", json!(clear)), ("threshold_mm", json!(threshold))],
    );
}

/// Wheelchair statuses of the "Доступный Казахстан" map of Almaty (24,365
/// objects): fully, partially, not accessible. The city generator draws each
/// object's status in these proportions.
pub const ALMATY_STATUS_COUNTS: [u32; 3] = [148, 7_118, 17_099];
/// Most change records the city generator writes for one object (with its
/// audit and elements).
const OBJECT_CHANGES_MAX: usize = 120;

/// Objects on that map: the "city scale" of tests and benchmarks.
pub const ALMATY_OBJECTS: usize = 24_365;

/// The city-scale campaign's id for `seed`.
pub fn city_campaign_id(seed: u64) -> Uuid {
    SplitMix::new(seed ^ 0xC17E).uuid_v7(DEMO_EPOCH_MS)
}

/// A synthetic city-scale campaign under the `us-ada-2010` rule set (the
/// one with confirmed values): `n_objects` objects over the 8 districts and
/// 12 categories, about 10 elements each with realistic measurements, each
/// object's wheelchair status drawn in the proportions of
/// [`ALMATY_STATUS_COUNTS`] and its measurements made to give exactly that
/// status. Change records go to `sink` in batches of whole objects, at most
/// `batch` changes each (at least one object's); same seed, same changes.
pub fn city_campaign(n_objects: usize, seed: u64, batch: usize, mut sink: impl FnMut(Vec<Change>)) {
    let mut g = Gen { rng: SplitMix::new(seed), t: DEMO_EPOCH_MS, out: Vec::new() };
    let campaign = city_campaign_id(seed);
    use EntityKind::*;
    g.set(
        Campaign,
        campaign,
        "name",
        json!(format!("Город: {n_objects} объектов (синтетические данные, seed {seed})")),
    );
    g.set(
        Campaign,
        campaign,
        "description",
        json!("Синтетическая кампания городского масштаба для нагрузочных проверок."),
    );
    g.set(Campaign, campaign, "rule_set", json!("us-ada-2010"));
    g.set(Campaign, campaign, "synthetic", json!(true));
    let total: u32 = ALMATY_STATUS_COUNTS.iter().sum();
    for i in 0..n_objects {
        let (district, (clat, clon)) = ALMATY.districts()[g.rng.below(8) as usize].clone();
        let category = ALMATY.categories()[g.rng.below(ALMATY.categories().len() as u64) as usize].clone();
        let draw = g.rng.below(u64::from(total)) as u32;
        let target = if draw < ALMATY_STATUS_COUNTS[0] {
            0
        } else if draw < ALMATY_STATUS_COUNTS[0] + ALMATY_STATUS_COUNTS[1] {
            1
        } else {
            2
        };
        let id = g.id();
        // Roughly normal around the district's centre (sum of uniforms).
        let spread = |g: &mut Gen| (g.rng.unit() + g.rng.unit() + g.rng.unit() - 1.5) / 1.5;
        let lat = clat + spread(&mut g) * 0.025;
        let lon = clon + spread(&mut g) * 0.035;
        let name = format!("{} № {}", base_name(&category), i + 1);
        g.object(id, campaign, &name, category, district, (lat, lon), 300);
        let audit = g.id();
        let started = DEMO_EPOCH_MS as i64 + (i as i64 * 7_919_000) % (300 * 86_400_000);
        g.set(Audit, audit, "campaign_id", json!(campaign));
        g.set(Audit, audit, "object_id", json!(id));
        let auditor = 1 + g.rng.below(200);
        g.set(Audit, audit, "auditor", json!(format!("Аудитор {auditor}")));
        g.set(Audit, audit, "started_at_ms", json!(started));
        g.set(Audit, audit, "finished_at_ms", json!(started + 50 * 60_000));
        let status = if g.rng.below(20) == 0 { "submitted" } else { "approved" };
        g.set(Audit, audit, "status", json!(status));
        city_elements(&mut g, id, audit, target);
        // The next object writes fewer than OBJECT_CHANGES_MAX changes.
        if g.out.len() + OBJECT_CHANGES_MAX > batch.max(OBJECT_CHANGES_MAX) {
            sink(std::mem::take(&mut g.out));
        }
    }
    if !g.out.is_empty() {
        sink(g.out);
    }
}

/// About ten elements passing every wheelchair rule, then one or two
/// broken: needing assistance (partially accessible) or blocking (not
/// accessible), as `target` (0, 1, 2) asks.
fn city_elements(g: &mut Gen, object: Uuid, audit: Uuid, target: u8) {
    let mm = |g: &mut Gen, lo: u64, hi: u64, step: u64| json!(lo + step * g.rng.below((hi - lo) / step + 1));
    let has_ramp = g.rng.below(2) == 0;
    // How the object fails, if it does.
    let fault = match target {
        0 => 0,
        1 => 1 + g.rng.below(3) as u8, // threshold, parking, toilet
        _ => 4 + g.rng.below(3) as u8, // door, step without ramp, corridor
    };
    let path_w = mm(g, 1200, 2400, 50);
    let slope = mm(g, 0, 45, 5);
    let cross = mm(g, 0, 18, 2);
    let m = vec![
        ("width_mm", path_w),
        ("slope_permille", slope),
        ("cross_slope_permille", cross),
        ("surface_even", json!(true)),
    ];
    g.element(object, audit, ElementKind::APPROACH_PATH, m);
    let space = if fault == 2 { mm(g, 2000, 2300, 50) } else { mm(g, 2450, 3600, 50) };
    let total = mm(g, 10, 200, 10);
    let m = vec![
        ("accessible_spaces", json!(1 + g.rng.below(4))),
        ("total_spaces", total),
        ("space_width_mm", space),
        ("signed", json!(g.rng.below(2) == 0)),
    ];
    g.element(object, audit, ElementKind::PARKING, m);
    let step = if has_ramp || fault == 5 { mm(g, 120, 450, 10) } else { json!(0) };
    let m = vec![
        ("has_step", json!(has_ramp || fault == 5)),
        ("step_height_mm", step.clone()),
        ("platform_width_mm", mm(g, 1500, 3000, 100)),
        ("platform_depth_mm", mm(g, 1500, 3000, 100)),
    ];
    let entrance = g.element(object, audit, ElementKind::ENTRANCE, m);
    if has_ramp && fault != 5 {
        let rise = step.as_u64().unwrap_or(150).min(700);
        let run = rise * (13 + g.rng.below(6));
        let m = vec![
            ("rise_mm", json!(rise)),
            ("run_mm", json!(run)),
            ("width_mm", mm(g, 950, 1500, 50)),
            ("cross_slope_permille", mm(g, 0, 18, 2)),
            ("landing_length_mm", mm(g, 1550, 2000, 50)),
            ("handrails_both_sides", json!(true)),
            ("handrail_height_mm", mm(g, 870, 960, 10)),
        ];
        let ramp = g.element(object, audit, ElementKind::RAMP, m);
        g.serves(ramp, entrance);
    }
    let clear = if fault == 4 { mm(g, 600, 790, 10) } else { mm(g, 820, 1100, 10) };
    let threshold = if fault == 1 { mm(g, 20, 60, 5) } else { mm(g, 0, 10, 5) };
    let m = vec![
        ("clear_width_mm", clear),
        ("threshold_mm", threshold),
        ("glass_marked", json!(g.rng.below(3) > 0)),
        ("automatic", json!(g.rng.below(4) == 0)),
    ];
    g.element(object, audit, ElementKind::DOOR, m);
    let corridor = if fault == 6 { mm(g, 700, 900, 10) } else { mm(g, 1000, 2400, 50) };
    let m = vec![
        ("width_mm", corridor),
        ("turning_diameter_mm", mm(g, 1400, 2000, 50)),
        ("protruding_objects", json!(false)),
    ];
    g.element(object, audit, ElementKind::CORRIDOR, m);
    let m = vec![
        ("riser_height_mm", mm(g, 110, 170, 5)),
        ("tread_depth_mm", mm(g, 280, 350, 5)),
        ("step_count", mm(g, 3, 30, 1)),
        ("handrails_both_sides", json!(g.rng.below(2) == 0)),
        ("contrast_edges", json!(g.rng.below(2) == 0)),
    ];
    g.element(object, audit, ElementKind::STAIRS, m);
    // A lift is another way past a step: none where the step is the fault.
    if g.rng.below(3) == 0 && fault != 5 {
        let m = vec![
            ("cabin_width_mm", mm(g, 1100, 2000, 50)),
            ("cabin_depth_mm", mm(g, 1400, 2100, 50)),
            ("door_clear_width_mm", mm(g, 920, 1100, 10)),
            ("braille_buttons", json!(g.rng.below(2) == 0)),
            ("voice_announcement", json!(g.rng.below(2) == 0)),
        ];
        g.element(object, audit, ElementKind::LIFT, m);
    }
    let cubicle = if fault == 3 { mm(g, 1100, 1400, 50) } else { mm(g, 1550, 2200, 50) };
    let m = vec![
        ("cubicle_width_mm", cubicle),
        ("cubicle_depth_mm", mm(g, 1450, 2000, 50)),
        ("door_clear_width_mm", mm(g, 820, 1000, 10)),
        ("grab_bars_both_sides", json!(g.rng.below(2) == 0)),
        ("door_opens_outward", json!(true)),
    ];
    g.element(object, audit, ElementKind::TOILET, m);
    let m = vec![
        ("contrast_text", json!(g.rng.below(2) == 0)),
        ("tactile_braille", json!(g.rng.below(4) == 0)),
        ("mount_height_mm", mm(g, 1200, 1600, 50)),
    ];
    g.element(object, audit, ElementKind::SIGNAGE, m);
    let m = vec![("present", json!(g.rng.below(3) == 0)), ("contrasting", json!(g.rng.below(2) == 0))];
    g.element(object, audit, ElementKind::TACTILE_NAVIGATION, m);
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

    /// A synthetic object's fields, on a street of Almaty with a house
    /// number up to `houses`.
    #[allow(clippy::too_many_arguments)]
    fn object(
        &mut self,
        id: Uuid,
        campaign: Uuid,
        name: &str,
        category: Category,
        district: District,
        (lat, lon): (f64, f64),
        houses: u64,
    ) {
        use EntityKind::Object;
        self.set(Object, id, "campaign_id", json!(campaign));
        self.set(Object, id, "name", json!(name));
        self.set(Object, id, "category", json!(category));
        self.set(Object, id, "district", json!(district));
        let street = STREETS[self.rng.below(STREETS.len() as u64) as usize];
        let house = 1 + self.rng.below(houses);
        self.set(Object, id, "address", json!(format!("Алматы, {street}, {house}")));
        self.set(Object, id, "location", json!({"lat_deg": round6(lat), "lon_deg": round6(lon)}));
        self.set(Object, id, "synthetic", json!(true));
    }

    fn element(&mut self, object: Uuid, audit: Uuid, kind: ElementKind, m: Vec<(&str, Value)>) -> Uuid {
        let e = self.id();
        self.set(EntityKind::Element, e, "object_id", json!(object));
        self.set(EntityKind::Element, e, "audit_id", json!(audit));
        self.set(EntityKind::Element, e, "kind", json!(kind));
        for (name, v) in m {
            self.set(EntityKind::Element, e, &format!("measurements.{name}"), v);
        }
        e
    }

    /// Records that element `by` (a ramp, a lift) serves element `e`.
    fn serves(&mut self, by: Uuid, e: Uuid) {
        self.set(EntityKind::Element, by, "serves", json!(e));
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
    jpeg_of(&img, orientation, gps, taken)
}

/// A JPEG of gravel (`seed` makes one differ from another): fine detail
/// that survives shrinking, so even the 1600 px copy the photo pipeline
/// makes of it is large (over a megabyte at 1600×1200), as a sharp phone
/// photo of a textured surface can be. Uploads of it take several chunks.
pub fn gravel_jpeg(width: u32, height: u32, seed: u64, taken: &str) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        // SplitMix64 of the pixel's index: noise without a generator's state.
        let mut z =
            seed.wrapping_add((u64::from(y) * u64::from(width) + u64::from(x)).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        let grey = (z & 0xFF) as u8;
        image::Rgb([grey, grey.wrapping_add((z >> 8) as u8 & 0x1F), grey / 2 + ((z >> 16) as u8 >> 1)])
    });
    jpeg_of(&img, 1, Some((43.25, 76.9)), taken)
}

/// `img` as a JPEG (quality 85) with an EXIF segment.
fn jpeg_of(img: &image::RgbImage, orientation: u16, gps: Option<(f64, f64)>, taken: &str) -> Vec<u8> {
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut Cursor::new(&mut jpeg), 85)
        .encode_image(img)
        .expect("encoding an RGB image to memory cannot fail");
    let app1 = exif_app1(orientation, gps, taken);
    let mut out = Vec::with_capacity(jpeg.len() + app1.len());
    out.extend_from_slice(&jpeg[..2]); // SOI
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// TIFF field types.
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
        Some((lat, lon)) => ifd(&gps_entries(lat, lon), gps_off),
        None => ifd(&[Entry { tag: 0x0000, typ: BYTE, count: 4, data: vec![2, 3, 0, 0] }], gps_off),
    };
    crate::photo::app1_segment(&[&ifd0, &exif_ifd, &gps_ifd])
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_city_generator_gives_each_object_the_status_it_drew_in_the_maps_proportions() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(crate::records::FIELDS_DDL).unwrap();
        let lists = crate::checklist::Checklists::builtin();
        let mut batches = 0;
        let mut first: Vec<Change> = Vec::new();
        city_campaign(3_000, 7, 5_000, |b| {
            batches += 1;
            assert!(
                b.len() <= 5_000 && b.len() > 3_500,
                "batches hold whole objects, at most the size asked: {}",
                b.len()
            );
            if first.is_empty() {
                first = b.clone();
            }
            for c in &b {
                c.validate_with_kind(&lists, None)
                    .or_else(|e| if c.field.starts_with("measurements.") { Ok(()) } else { Err(e) })
                    .unwrap();
                crate::records::apply_lww(&conn, c).unwrap();
            }
        });
        assert!(batches > 5);
        let mut again = Vec::new();
        city_campaign(3_000, 7, 5_000, |b| {
            if again.is_empty() {
                again = b;
            }
        });
        assert_eq!(first, again, "same seed, same changes");
        let objects =
            crate::records::evaluate_all(&conn, &crate::norms::Norms::from(lists.clone()), Some(city_campaign_id(7)))
                .unwrap();
        assert_eq!(objects.len(), 3_000);
        let mut counts = [0u32; 4];
        for o in &objects {
            assert!((8..=11).contains(&o.elements.len()), "{}", o.elements.len());
            assert_eq!(o.verdict.not_measured, 0, "{:?}", o.verdict.fields_to_measure);
            counts[match o.verdict.wheelchair_map {
                crate::rules::MapStatus::FullyAccessible => 0,
                crate::rules::MapStatus::PartiallyAccessible => 1,
                crate::rules::MapStatus::NotAccessible => 2,
                crate::rules::MapStatus::NotAssessed => 3,
            }] += 1;
        }
        // 24,365 objects: 0.6 % fully, 29.2 % partially, 70.2 % not accessible.
        let share = |i: usize| f64::from(counts[i]) / 3_000.0;
        assert!(counts[0] >= 5 && share(0) < 0.02, "{counts:?}");
        assert!((0.26..0.33).contains(&share(1)), "{counts:?}");
        assert!((0.66..0.74).contains(&share(2)), "{counts:?}");
    }
    use super::*;

    #[test]
    fn demo_is_deterministic_valid_and_covers_everything() {
        let a = demo_campaign(36);
        assert_eq!(a, demo_campaign(36));
        let lists = crate::checklist::Checklists::builtin();
        for c in &a {
            c.validate(&lists).unwrap_or_else(|e| panic!("{c:?}: {e}"));
        }
        for (d, _) in ALMATY.districts() {
            assert!(a.iter().any(|c| c.field == "district" && c.value == json!(d)));
        }
        let catalogue = crate::catalogue::Catalogue::builtin();
        for c in &a {
            catalogue.check_change(c).unwrap_or_else(|e| panic!("{c:?}: {e}"));
        }
        for k in ALMATY.categories() {
            assert!(a.iter().any(|c| c.field == "category" && c.value == json!(k)));
        }
        let mut ops: Vec<_> = a.iter().map(|c| c.op_id).collect();
        ops.sort();
        ops.dedup();
        assert_eq!(ops.len(), a.len());
    }

    /// `make run` shows real verdicts under the Kazakh set at once: objects
    /// measured in full are judged for every category, barriers show, and
    /// objects still being measured are "not assessed".
    #[test]
    fn the_demo_campaign_shows_every_kind_of_verdict() {
        use crate::rules::{CategoryStatus::*, DisabilityCategory::*};
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(crate::records::FIELDS_DDL).unwrap();
        for c in demo_campaign(36) {
            crate::records::apply_lww(&conn, &c).unwrap();
        }
        let objects =
            crate::records::evaluate_all(&conn, &crate::norms::Norms::builtin(), Some(demo_campaign_id())).unwrap();
        let status = |i: usize| {
            let o = objects.iter().find(|o| o.object.name.contains(&format!("№ {} (", i + 1))).unwrap();
            assert_eq!(o.verdict.rule_set, "kz-sp-3.06-101-2012");
            o.verdict.by_category.clone()
        };
        // Measured in full, within the norm: judged for every category.
        assert_eq!(status(0).into_values().collect::<Vec<_>>(), [Full; 5], "{:?}", status(0));
        // Each barrier: a step with no ramp, a narrow door (both block К),
        // a high threshold (К with help), an 8 % ramp (blocks К).
        assert_eq!(status(1)[&K], NotAccessible);
        assert_eq!(status(4)[&K], NotAccessible);
        assert_eq!(status(7)[&K], Conditional);
        assert_eq!(status(10)[&K], NotAccessible);
        assert_eq!(status(4)[&S], Full, "a narrow door is no barrier for vision");
        // Still being measured: never "accessible".
        assert!(status(2).values().all(|s| *s != Full), "{:?}", status(2));
    }
}
