//! The photo pipeline: check that bytes are an image, hash them (SHA-256 is
//! the content id), read EXIF orientation, GPS and time, and make a 256 px
//! thumbnail with the orientation applied (here); shrink a photo for travel
//! (`ingest`); keep blobs in a content-addressed directory (`blobs`).

mod blobs;
mod ingest;

pub use blobs::{Append, BlobDir, PartialUploads};
use ingest::{decode_for, fit, jpeg, upright};
pub use ingest::{ingest, Ingested, DISPLAY_PX};
// The EXIF writer, for the demo generator's photos.
pub(crate) use ingest::{app1_segment, gps_entries, ifd, Entry, ASCII, BYTE, LONG, SHORT};

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, ImageReader};
use sha2::{Digest, Sha256};

use crate::error::PhotoError;
use crate::model::GeoPoint;

/// Photos larger than this are refused (bytes).
pub const MAX_PHOTO_BYTES: u64 = 25 * 1024 * 1024;
/// Long side of thumbnails, in pixels.
pub const THUMB_PX: u32 = 256;

/// What the pipeline learned about a photo file.
#[derive(Debug, Clone, PartialEq)]
pub struct PhotoInfo {
    pub sha256: String,
    pub size_bytes: u64,
    pub mime: &'static str,
    /// Pixel size as stored (before EXIF orientation).
    pub width_px: u32,
    pub height_px: u32,
    /// EXIF orientation, 1..=8 (1 when absent).
    pub orientation: u16,
    pub taken_at_local: Option<String>,
    pub gps: Option<GeoPoint>,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The most pixels a photo may have: 50 megapixels, above a 48-megapixel
/// phone camera's full resolution. A small file can declare far more (a
/// 420 KB PNG of 12000×12000 cost 810 MiB and 30 s to thumbnail): it is
/// refused from its header, before any pixel is decoded.
pub const MAX_PHOTO_PIXELS: u64 = 50_000_000;

fn check_pixels(width_px: u32, height_px: u32) -> Result<(), PhotoError> {
    if u64::from(width_px) * u64::from(height_px) > MAX_PHOTO_PIXELS {
        return Err(PhotoError::TooManyPixels { width_px, height_px, limit_pixels: MAX_PHOTO_PIXELS });
    }
    Ok(())
}

/// The image crate's own limit for a decode: the memory a photo of
/// [`MAX_PHOTO_PIXELS`] needs decoded (RGBA, 8 bits a channel).
fn decode_limits() -> image::Limits {
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_PHOTO_PIXELS * 4);
    limits
}

fn format_of(bytes: &[u8]) -> Result<(ImageFormat, &'static str), PhotoError> {
    match image::guess_format(bytes) {
        Ok(ImageFormat::Jpeg) => Ok((ImageFormat::Jpeg, "image/jpeg")),
        Ok(ImageFormat::Png) => Ok((ImageFormat::Png, "image/png")),
        Ok(ImageFormat::WebP) => Ok((ImageFormat::WebP, "image/webp")),
        _ => Err(PhotoError::NotAnImage),
    }
}

/// Checks and describes a photo without decoding its pixels.
pub fn inspect(bytes: &[u8], limit_bytes: u64) -> Result<PhotoInfo, PhotoError> {
    let size_bytes = bytes.len() as u64;
    if size_bytes == 0 {
        return Err(PhotoError::Empty);
    }
    if size_bytes > limit_bytes {
        return Err(PhotoError::TooLarge { size_bytes, limit_bytes });
    }
    let (format, mime) = format_of(bytes)?;
    let (width_px, height_px) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|e| PhotoError::Undecodable(e.to_string()))?;
    check_pixels(width_px, height_px)?;
    let exif = read_exif(bytes);
    Ok(PhotoInfo {
        sha256: sha256_hex(bytes),
        size_bytes,
        mime,
        width_px,
        height_px,
        orientation: exif.orientation,
        taken_at_local: exif.taken_at_local,
        gps: exif.gps,
    })
}

#[derive(Default)]
struct ExifFacts {
    orientation: u16,
    taken_at_local: Option<String>,
    gps: Option<GeoPoint>,
}

fn read_exif(bytes: &[u8]) -> ExifFacts {
    let mut facts = ExifFacts { orientation: 1, ..Default::default() };
    let Ok(exif) = exif::Reader::new().read_from_container(&mut Cursor::new(bytes)) else {
        return facts;
    };
    use exif::{In, Tag, Value};
    if let Some(o) = exif.get_field(Tag::Orientation, In::PRIMARY).and_then(|f| f.value.get_uint(0)) {
        if (1..=8).contains(&o) {
            facts.orientation = o as u16;
        }
    }
    if let Some(f) = exif.get_field(Tag::DateTimeOriginal, In::PRIMARY) {
        if let Value::Ascii(ref v) = f.value {
            if let Some(dt) = v.first().and_then(|d| exif::DateTime::from_ascii(d).ok()) {
                facts.taken_at_local = Some(format!(
                    "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
                    dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second
                ));
            }
        }
    }
    let deg = |tag: Tag| -> Option<f64> {
        match exif.get_field(tag, In::PRIMARY)?.value {
            Value::Rational(ref v) if v.len() == 3 => {
                Some(v[0].to_f64() + v[1].to_f64() / 60.0 + v[2].to_f64() / 3600.0)
            }
            _ => None,
        }
    };
    let reference = |tag: Tag| -> Option<u8> {
        match exif.get_field(tag, In::PRIMARY)?.value {
            Value::Ascii(ref v) => v.first()?.first().copied(),
            _ => None,
        }
    };
    if let (Some(lat), Some(lon)) = (deg(Tag::GPSLatitude), deg(Tag::GPSLongitude)) {
        let lat = if reference(Tag::GPSLatitudeRef) == Some(b'S') { -lat } else { lat };
        let lon = if reference(Tag::GPSLongitudeRef) == Some(b'W') { -lon } else { lon };
        let p = GeoPoint { lat_deg: lat, lon_deg: lon };
        if p.validate("gps").is_ok() {
            facts.gps = Some(p);
        }
    }
    facts
}

/// Applies an EXIF orientation (1..=8) to decoded pixels.
pub fn apply_orientation(img: DynamicImage, orientation: u16) -> DynamicImage {
    match orientation {
        2 => img.fliph(),
        3 => img.rotate180(),
        4 => img.flipv(),
        5 => img.rotate90().fliph(),
        6 => img.rotate90(),
        7 => img.rotate270().fliph(),
        8 => img.rotate270(),
        _ => img,
    }
}

/// A JPEG thumbnail whose long side is `THUMB_PX`, upright (decoded with
/// shrink-on-load, resized with SIMD).
/// A photo as the public sees it: the same picture with no metadata at all
/// (no EXIF position, time or camera, no comment). An upright JPEG keeps
/// its compressed data, its metadata segments dropped; any other photo is
/// decoded, turned upright and encoded again as a JPEG.
pub fn public_copy(bytes: &[u8]) -> Result<Vec<u8>, PhotoError> {
    if ImageFormat::from_mime_type("image/jpeg") == image::guess_format(bytes).ok() && read_exif(bytes).orientation == 1
    {
        if let Some(stripped) = strip_jpeg_metadata(bytes) {
            return Ok(stripped);
        }
    }
    let (w, h, rgb) = decode_for(bytes, DISPLAY_PX)?;
    let (w, h, rgb) = fit(w, h, rgb, DISPLAY_PX)?;
    jpeg(&upright(w, h, rgb, read_exif(bytes).orientation), None)
}

/// A JPEG without its application segments other than JFIF's APP0 (EXIF,
/// XMP, ICC, maker notes: APP1–APP15) and without comments; `None` when the
/// file's segments cannot be followed to the image data.
fn strip_jpeg_metadata(bytes: &[u8]) -> Option<Vec<u8>> {
    if bytes.get(..2)? != [0xFF, 0xD8] {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..2]);
    let mut at = 2;
    loop {
        if *bytes.get(at)? != 0xFF {
            return None;
        }
        let marker = *bytes.get(at + 1)?;
        if marker == 0xFF {
            at += 1; // fill byte
            continue;
        }
        if marker == 0xDA {
            // Start of scan: the rest is the image data.
            out.extend_from_slice(&bytes[at..]);
            return Some(out);
        }
        let len = usize::from(u16::from_be_bytes([*bytes.get(at + 2)?, *bytes.get(at + 3)?]));
        let end = at.checked_add(2 + len).filter(|e| *e <= bytes.len() && len >= 2)?;
        if !matches!(marker, 0xE1..=0xEF | 0xFE) {
            out.extend_from_slice(&bytes[at..end]);
        }
        at = end;
    }
}

pub fn thumbnail(bytes: &[u8]) -> Result<Vec<u8>, PhotoError> {
    let (w, h, rgb) = decode_for(bytes, THUMB_PX)?;
    let (w, h, rgb) = fit(w, h, rgb, THUMB_PX)?;
    jpeg(&upright(w, h, rgb, read_exif(bytes).orientation), None)
}

#[cfg(test)]
mod tests {

    #[test]
    fn ingest_makes_an_upright_1600_px_copy_and_a_thumbnail_keeping_only_position_and_time() {
        // 4000 × 3000 stored sideways (orientation 6: shown 3000 × 4000).
        let big = crate::demo::jpeg_with_exif(4000, 3000, 6, Some((43.2389, 76.8897)), "2025:06:01 10:20:30");
        let done = ingest(&big).unwrap();
        assert_eq!((done.width_px, done.height_px), (1200, 1600));
        let info = inspect(&done.display, MAX_PHOTO_BYTES).unwrap();
        assert_eq!((info.width_px, info.height_px, info.orientation), (1200, 1600, 1), "upright, and says so");
        assert_eq!(info.taken_at_local.as_deref(), Some("2025-06-01T10:20:30"));
        let gps = info.gps.unwrap();
        assert!((gps.lat_deg - 43.2389).abs() < 1e-5 && (gps.lon_deg - 76.8897).abs() < 1e-5);
        assert_eq!(info.sha256, done.sha256);
        let thumb = inspect(&done.thumb, MAX_PHOTO_BYTES).unwrap();
        assert_eq!((thumb.width_px, thumb.height_px), (192, 256));
        assert!(thumb.gps.is_none() && thumb.taken_at_local.is_none(), "thumbnails carry no EXIF");
        // Nothing but orientation, time and position is left of the EXIF.
        let exif = exif::Reader::new().read_from_container(&mut Cursor::new(&done.display)).unwrap();
        let tags: std::collections::BTreeSet<String> = exif.fields().map(|f| f.tag.to_string()).collect();
        let allowed = [
            "Orientation",
            "ExifIFDPointer",
            "GPSInfoIFDPointer",
            "DateTimeOriginal",
            "GPSVersionID",
            "GPSLatitudeRef",
            "GPSLatitude",
            "GPSLongitudeRef",
            "GPSLongitude",
        ];
        assert!(tags.iter().all(|t| allowed.contains(&t.as_str())), "{tags:?}");
        // A small photo is not enlarged; one without EXIF gets none.
        let small = crate::demo::jpeg_with_exif(640, 480, 1, None, "2025:06:01 10:20:30");
        let s = ingest(&small).unwrap();
        assert_eq!((s.width_px, s.height_px), (640, 480));
        let png = {
            let mut v = Vec::new();
            image::RgbImage::new(300, 200).write_to(&mut Cursor::new(&mut v), ImageFormat::Png).unwrap();
            v
        };
        let p = ingest(&png).unwrap();
        assert_eq!((p.width_px, p.height_px), (300, 200));
        assert!(inspect(&p.display, MAX_PHOTO_BYTES).unwrap().gps.is_none());
        assert!(matches!(ingest(b"not an image"), Err(PhotoError::NotAnImage)));
    }
    use super::*;

    #[test]
    fn refuses_non_images_and_oversize() {
        assert_eq!(inspect(b"", 10), Err(PhotoError::Empty));
        assert_eq!(inspect(b"%PDF-1.4 hello", 1000), Err(PhotoError::NotAnImage));
        let big = vec![0xFFu8; 100];
        assert!(matches!(inspect(&big, 50), Err(PhotoError::TooLarge { .. })));
    }

    #[test]
    fn fixture_photo_has_gps_time_and_orientation() {
        let bytes = crate::demo::jpeg_with_exif(640, 480, 6, Some((43.2389, 76.8897)), "2025:05:14 10:32:07");
        let info = inspect(&bytes, MAX_PHOTO_BYTES).unwrap();
        assert_eq!((info.width_px, info.height_px), (640, 480));
        assert_eq!(info.orientation, 6);
        assert_eq!(info.taken_at_local.as_deref(), Some("2025-05-14T10:32:07"));
        let gps = info.gps.unwrap();
        assert!((gps.lat_deg - 43.2389).abs() < 1e-4 && (gps.lon_deg - 76.8897).abs() < 1e-4);
        // Orientation 6 (rotate 90° clockwise): the thumbnail is portrait.
        let thumb = image::load_from_memory(&thumbnail(&bytes).unwrap()).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (192, 256));
    }

    #[test]
    fn partial_uploads_resume_and_refuse_wrong_offsets() {
        let dir = tempfile::tempdir().unwrap();
        let up = PartialUploads::new(dir.path()).unwrap();
        let data = b"0123456789";
        let sha = sha256_hex(data);
        assert_eq!(up.append(&sha, 0, 10, &data[..4]).unwrap(), Append::Partial { offset: 4 });
        assert_eq!(up.offset(&sha).unwrap(), 4);
        assert!(up.append(&sha, 0, 10, &data[..4]).is_err(), "a repeated chunk is refused");
        assert!(up.append(&sha, 4, 10, &data[4..]).is_ok_and(|a| a == Append::Complete(data.to_vec())));
        assert_eq!(up.offset(&sha).unwrap(), 0);
        assert!(up.append(&sha, 0, 3, b"0123").is_err(), "past the announced length");
        assert_eq!(up.offset(&sha).unwrap(), 0);
    }

    #[test]
    fn blob_dir_is_content_addressed_and_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobDir::new(dir.path()).unwrap();
        let sha = sha256_hex(b"abc");
        assert!(blobs.put(&sha, b"abc").unwrap());
        assert!(!blobs.put(&sha, b"abc").unwrap());
        assert_eq!(blobs.get(&sha).unwrap().as_deref(), Some(&b"abc"[..]));
        assert!(blobs.path("../etc/passwd").is_err());
    }
}
