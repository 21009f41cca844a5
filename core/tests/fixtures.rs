//! The committed fixtures in `fixtures/` are exactly what the generators in
//! `qadam_core::demo` make (deterministic, no downloads). Regenerate with
//! `QADAM_BLESS=1 cargo test -p qadam-core --test fixtures`.

use std::path::PathBuf;

use qadam_core::change::PushRequest;
use qadam_core::demo;
use qadam_core::photo;

fn fixtures() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures"))
}

fn check(name: &str, bytes: &[u8]) {
    let path = fixtures().join(name);
    if std::env::var_os("QADAM_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        return;
    }
    let committed = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(committed == bytes, "{} differs from its generator; regenerate with QADAM_BLESS=1", path.display());
}

/// (file, width, height, EXIF orientation, GPS, DateTimeOriginal)
type PhotoSpec = (&'static str, u32, u32, u16, Option<(f64, f64)>, &'static str);

const PHOTOS: [PhotoSpec; 3] = [
    ("photos/ramp-rotated-gps.jpg", 1600, 1200, 6, Some((43.238_949, 76.889_709)), "2025:06:14 10:32:07"),
    ("photos/entrance-gps.jpg", 1200, 900, 1, Some((43.256_541, 76.928_611)), "2025:06:14 10:40:51"),
    ("photos/door-upside-down-no-gps.jpg", 800, 600, 3, None, "2025:06:15 16:05:00"),
];

#[test]
fn photo_fixtures_are_generated_and_carry_their_exif() {
    for (name, w, h, orientation, gps, taken) in PHOTOS {
        let bytes = demo::jpeg_with_exif(w, h, orientation, gps, taken);
        check(name, &bytes);
        let info = photo::inspect(&bytes, photo::MAX_PHOTO_BYTES).unwrap();
        assert_eq!((info.width_px, info.height_px, info.orientation), (w, h, orientation));
        assert_eq!(info.gps.is_some(), gps.is_some());
        assert!(info.taken_at_local.is_some());
    }
}

#[test]
fn demo_campaign_fixture_is_the_generator_output() {
    let push = PushRequest { device_id: demo::DEMO_DEVICE.into(), changes: demo::demo_campaign(36) };
    let text = serde_json::to_string_pretty(&push).unwrap() + "\n";
    check("demo-campaign.push.json", text.as_bytes());
}
