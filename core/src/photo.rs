//! The photo pipeline: check that bytes are an image, hash them (SHA-256 is
//! the content id), read EXIF orientation, GPS and time, make a 256 px
//! thumbnail with the orientation applied, and keep blobs in a
//! content-addressed directory.

use std::io::Cursor;
use std::path::{Path, PathBuf};

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
pub fn thumbnail(bytes: &[u8]) -> Result<Vec<u8>, PhotoError> {
    let (w, h, rgb) = decode_for(bytes, THUMB_PX)?;
    let (w, h, rgb) = fit(w, h, rgb, THUMB_PX)?;
    jpeg(&upright(w, h, rgb, read_exif(bytes).orientation), None)
}

/// A content-addressed directory of blobs: `<root>/ab/abcdef…`.
#[derive(Debug, Clone)]
pub struct BlobDir {
    root: PathBuf,
}

impl BlobDir {
    pub fn new(root: impl Into<PathBuf>) -> std::io::Result<Self> {
        let root = root.into();
        std::fs::create_dir_all(&root)?;
        Ok(BlobDir { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn path(&self, sha256: &str) -> Result<PathBuf, PhotoError> {
        if !is_sha256_hex(sha256) {
            return Err(PhotoError::BadHash(sha256.to_string()));
        }
        Ok(self.root.join(&sha256[..2]).join(sha256))
    }

    pub fn has(&self, sha256: &str) -> bool {
        self.path(sha256).map(|p| p.is_file()).unwrap_or(false)
    }

    /// Stores `bytes` under its hash. Writes to a temporary file and renames,
    /// so a crash never leaves a partial blob under a real name. Returns
    /// false when the blob was already there.
    pub fn put(&self, sha256: &str, bytes: &[u8]) -> Result<bool, crate::error::StoreError> {
        let path = self.path(sha256)?;
        if path.is_file() {
            return Ok(false);
        }
        let dir = path.parent().expect("blob paths have a parent");
        std::fs::create_dir_all(dir)?;
        let tmp = dir.join(format!(".{sha256}.{}.tmp", std::process::id()));
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, &path)?;
        Ok(true)
    }

    pub fn get(&self, sha256: &str) -> Result<Option<Vec<u8>>, crate::error::StoreError> {
        let path = self.path(sha256)?;
        match std::fs::read(path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

/// Unfinished uploads, resumable from the byte the server has:
/// `<dir>/<sha256>.part` grows chunk by chunk; when it reaches the announced
/// length its bytes are handed back and the file is removed.
#[derive(Debug, Clone)]
pub struct PartialUploads {
    dir: PathBuf,
}

/// What one appended chunk led to.
#[derive(Debug, PartialEq)]
pub enum Append {
    /// More is expected from this offset.
    Partial { offset: u64 },
    /// The upload is whole: its bytes (not yet checked).
    Complete(Vec<u8>),
}

impl PartialUploads {
    pub fn new(dir: impl Into<PathBuf>) -> std::io::Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        Ok(PartialUploads { dir })
    }

    fn path(&self, sha256: &str) -> Result<PathBuf, PhotoError> {
        if !is_sha256_hex(sha256) {
            return Err(PhotoError::BadHash(sha256.to_string()));
        }
        Ok(self.dir.join(format!("{sha256}.part")))
    }

    /// Each unfinished upload's file with its metadata.
    fn parts(&self) -> Result<Vec<(PathBuf, std::fs::Metadata)>, crate::error::StoreError> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&self.dir)? {
            let entry = entry?;
            if entry.path().extension().is_some_and(|e| e == "part") {
                out.push((entry.path(), entry.metadata()?));
            }
        }
        Ok(out)
    }

    /// Bytes all unfinished uploads hold.
    pub fn held_bytes(&self) -> Result<u64, crate::error::StoreError> {
        Ok(self.parts()?.iter().map(|(_, m)| m.len()).sum())
    }

    /// Removes unfinished uploads last written before `before`; answers how many.
    pub fn collect(&self, before: std::time::SystemTime) -> Result<usize, crate::error::StoreError> {
        let mut removed = 0;
        for (path, meta) in self.parts()? {
            if meta.modified()? < before {
                std::fs::remove_file(path)?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Bytes received so far of an unfinished upload (0 if none).
    pub fn offset(&self, sha256: &str) -> Result<u64, crate::error::StoreError> {
        match std::fs::metadata(self.path(sha256)?) {
            Ok(m) => Ok(m.len()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(e.into()),
        }
    }

    /// Appends `chunk` at `offset` of an upload of `total` bytes. A chunk at
    /// the wrong offset is refused and changes nothing; a repeated chunk the
    /// server already has is therefore refused too, and the client resumes
    /// from the offset it is told.
    pub fn append(
        &self,
        sha256: &str,
        offset: u64,
        total: u64,
        chunk: &[u8],
    ) -> Result<Append, crate::error::StoreError> {
        use std::io::Write;
        if total == 0 {
            return Err(PhotoError::Empty.into());
        }
        if total > MAX_PHOTO_BYTES {
            return Err(PhotoError::TooLarge { size_bytes: total, limit_bytes: MAX_PHOTO_BYTES }.into());
        }
        let path = self.path(sha256)?;
        let have = self.offset(sha256)?;
        if offset != have {
            return Err(PhotoError::OffsetMismatch { expected: have, got: offset }.into());
        }
        let end = offset + chunk.len() as u64;
        if end > total {
            return Err(PhotoError::PastLength { end, total }.into());
        }
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&path)?;
        f.write_all(chunk)?;
        f.sync_data()?;
        if end < total {
            return Ok(Append::Partial { offset: end });
        }
        let bytes = std::fs::read(&path)?;
        std::fs::remove_file(&path)?;
        Ok(Append::Complete(bytes))
    }

    /// Forgets an unfinished upload.
    pub fn discard(&self, sha256: &str) -> Result<(), crate::error::StoreError> {
        match std::fs::remove_file(self.path(sha256)?) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
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

/// Long side of the copy of a photo that travels and is shown, px.
pub const DISPLAY_PX: u32 = 1600;

/// A photo made ready to travel: a `DISPLAY_PX` copy and a `THUMB_PX`
/// thumbnail, both upright JPEGs; the copy keeps only the position and the
/// time of the original's EXIF (no camera serials, no owner names).
#[derive(Debug, Clone)]
pub struct Ingested {
    pub display: Vec<u8>,
    pub thumb: Vec<u8>,
    pub width_px: u32,
    pub height_px: u32,
    /// SHA-256 of `display`.
    pub sha256: String,
}

/// Decodes a photo no larger than needed for a `long_px` result: JPEGs are
/// decoded at 1/2, 1/4 or 1/8 scale in the DCT (shrink-on-load), so a
/// 12-megapixel photo never exists at full size in memory. Returns RGB8
/// pixels as stored (before EXIF orientation).
fn decode_for(bytes: &[u8], long_px: u32) -> Result<(u32, u32, Vec<u8>), PhotoError> {
    let undecodable = |e: String| PhotoError::Undecodable(e);
    let (format, _) = format_of(bytes)?;
    if format == ImageFormat::Jpeg {
        let mut d = jpeg_decoder::Decoder::new(Cursor::new(bytes));
        d.read_info().map_err(|e| undecodable(e.to_string()))?;
        let info = d.info().ok_or_else(|| undecodable("no JPEG header".into()))?;
        let (w, h) = (u32::from(info.width), u32::from(info.height));
        check_pixels(w, h)?;
        let long = w.max(h).max(1);
        let (rw, rh) = ((w * long_px).div_ceil(long).max(1), (h * long_px).div_ceil(long).max(1));
        let (sw, sh) = d.scale(rw.min(65535) as u16, rh.min(65535) as u16).map_err(|e| undecodable(e.to_string()))?;
        let pixels = d.decode().map_err(|e| undecodable(e.to_string()))?;
        let info = d.info().ok_or_else(|| undecodable("no JPEG header".into()))?;
        let rgb = match info.pixel_format {
            jpeg_decoder::PixelFormat::RGB24 => pixels,
            jpeg_decoder::PixelFormat::L8 => pixels.iter().flat_map(|&l| [l, l, l]).collect(),
            jpeg_decoder::PixelFormat::L16 => pixels.chunks_exact(2).flat_map(|c| [c[0], c[0], c[0]]).collect(),
            jpeg_decoder::PixelFormat::CMYK32 => pixels
                .chunks_exact(4)
                .flat_map(|c| {
                    let k = u16::from(c[3]);
                    [c[0], c[1], c[2]].map(|v| ((u16::from(v) * k) / 255) as u8)
                })
                .collect(),
        };
        return Ok((u32::from(sw), u32::from(sh), rgb));
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(decode_limits());
    let (w, h) = reader.into_dimensions().map_err(|e| undecodable(e.to_string()))?;
    check_pixels(w, h)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(decode_limits());
    let img = reader.decode().map_err(|e| undecodable(e.to_string()))?;
    let rgb = img.to_rgb8();
    Ok((rgb.width(), rgb.height(), rgb.into_raw()))
}

/// Resizes RGB8 pixels so the long side is at most `long_px` (SIMD
/// convolution, `fast_image_resize`).
fn fit(w: u32, h: u32, rgb: Vec<u8>, long_px: u32) -> Result<(u32, u32, Vec<u8>), PhotoError> {
    use fast_image_resize as fr;
    let long = w.max(h);
    if long <= long_px {
        return Ok((w, h, rgb));
    }
    let (dw, dh) = (((w * long_px) / long).max(1), ((h * long_px) / long).max(1));
    let src = fr::images::Image::from_vec_u8(w, h, rgb, fr::PixelType::U8x3)
        .map_err(|e| PhotoError::Undecodable(e.to_string()))?;
    let mut dst = fr::images::Image::new(dw, dh, fr::PixelType::U8x3);
    let options = fr::ResizeOptions::new().resize_alg(fr::ResizeAlg::Convolution(fr::FilterType::CatmullRom));
    fr::Resizer::new().resize(&src, &mut dst, &options).map_err(|e| PhotoError::Undecodable(e.to_string()))?;
    Ok((dw, dh, dst.into_vec()))
}

fn upright(w: u32, h: u32, rgb: Vec<u8>, orientation: u16) -> image::RgbImage {
    let img = image::RgbImage::from_raw(w, h, rgb).expect("the buffer holds w × h RGB pixels");
    if orientation == 1 {
        return img;
    }
    apply_orientation(DynamicImage::ImageRgb8(img), orientation).to_rgb8()
}

fn jpeg(img: &image::RgbImage, exif: Option<Vec<u8>>) -> Result<Vec<u8>, PhotoError> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut Cursor::new(&mut out), 85)
        .encode_image(img)
        .map_err(|e| PhotoError::Undecodable(e.to_string()))?;
    if let Some(app1) = exif {
        let mut with = Vec::with_capacity(out.len() + app1.len());
        with.extend_from_slice(&out[..2]); // SOI
        with.extend_from_slice(&app1);
        with.extend_from_slice(&out[2..]);
        out = with;
    }
    Ok(out)
}

// ---- writing EXIF (little-endian TIFF) -----------------------------------

pub(crate) const ASCII: u16 = 2;
pub(crate) const SHORT: u16 = 3;
pub(crate) const LONG: u16 = 4;
pub(crate) const RATIONAL: u16 = 5;
pub(crate) const BYTE: u16 = 1;

pub(crate) struct Entry {
    pub(crate) tag: u16,
    pub(crate) typ: u16,
    pub(crate) count: u32,
    pub(crate) data: Vec<u8>,
}

/// Writes one little-endian IFD starting at `offset` (from the TIFF header),
/// with its out-of-line values right after it.
pub(crate) fn ifd(entries: &[Entry], offset: u32) -> Vec<u8> {
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

pub(crate) fn rationals(values: &[(u32, u32)]) -> Vec<u8> {
    values.iter().flat_map(|(n, d)| n.to_le_bytes().into_iter().chain(d.to_le_bytes())).collect()
}

/// The entries of an EXIF GPS IFD for a position.
pub(crate) fn gps_entries(lat: f64, lon: f64) -> [Entry; 5] {
    [
        Entry { tag: 0x0000, typ: BYTE, count: 4, data: vec![2, 3, 0, 0] },
        Entry { tag: 0x0001, typ: ASCII, count: 2, data: vec![if lat < 0.0 { b'S' } else { b'N' }, 0] },
        Entry { tag: 0x0002, typ: RATIONAL, count: 3, data: dms(lat) },
        Entry { tag: 0x0003, typ: ASCII, count: 2, data: vec![if lon < 0.0 { b'W' } else { b'E' }, 0] },
        Entry { tag: 0x0004, typ: RATIONAL, count: 3, data: dms(lon) },
    ]
}

pub(crate) fn dms(deg: f64) -> Vec<u8> {
    let d = deg.abs();
    let whole = d.trunc() as u32;
    let minutes = ((d - whole as f64) * 60.0).trunc() as u32;
    let seconds = ((d - whole as f64) * 3600.0 - minutes as f64 * 60.0) * 10_000.0;
    rationals(&[(whole, 1), (minutes, 1), (seconds.round() as u32, 10_000)])
}

/// An EXIF segment holding only the position and the time the photo was
/// taken (orientation 1: the pixels are upright already).
fn private_exif(gps: Option<GeoPoint>, taken_at_local: Option<&str>) -> Option<Vec<u8>> {
    if gps.is_none() && taken_at_local.is_none() {
        return None;
    }
    let n = 1 + usize::from(taken_at_local.is_some()) + usize::from(gps.is_some());
    let exif_off = 8 + (2 + 12 * n as u32 + 4);
    let exif_ifd = match taken_at_local {
        Some(t) => {
            // "YYYY-MM-DDTHH:MM:SS" back to EXIF's "YYYY:MM:DD HH:MM:SS".
            let mut dt = t.replacen('-', ":", 2).replace('T', " ").into_bytes();
            dt.push(0);
            ifd(&[Entry { tag: 0x9003, typ: ASCII, count: dt.len() as u32, data: dt }], exif_off)
        }
        None => Vec::new(),
    };
    let gps_off = exif_off + exif_ifd.len() as u32;
    let mut entries = vec![Entry { tag: 0x0112, typ: SHORT, count: 1, data: 1u16.to_le_bytes().to_vec() }];
    if taken_at_local.is_some() {
        entries.push(Entry { tag: 0x8769, typ: LONG, count: 1, data: exif_off.to_le_bytes().to_vec() });
    }
    if gps.is_some() {
        entries.push(Entry { tag: 0x8825, typ: LONG, count: 1, data: gps_off.to_le_bytes().to_vec() });
    }
    let gps_ifd = match gps {
        Some(p) => ifd(&gps_entries(p.lat_deg, p.lon_deg), gps_off),
        None => Vec::new(),
    };
    let mut tiff = b"II*\0".to_vec();
    tiff.extend_from_slice(&8u32.to_le_bytes());
    tiff.extend_from_slice(&ifd(&entries, 8));
    tiff.extend_from_slice(&exif_ifd);
    tiff.extend_from_slice(&gps_ifd);
    let mut seg = vec![0xFF, 0xE1];
    seg.extend_from_slice(&((tiff.len() + 2 + 6) as u16).to_be_bytes());
    seg.extend_from_slice(b"Exif\0\0");
    seg.extend_from_slice(&tiff);
    Some(seg)
}

/// The photo pipeline: decode with shrink-on-load, apply the EXIF
/// orientation, resize to `DISPLAY_PX` and `THUMB_PX` (the thumbnail from
/// the display copy), encode, keep only position and time, hash.
pub fn ingest(bytes: &[u8]) -> Result<Ingested, PhotoError> {
    let info = inspect(bytes, MAX_PHOTO_BYTES)?;
    let (w, h, rgb) = decode_for(bytes, DISPLAY_PX)?;
    let (w, h, rgb) = fit(w, h, rgb, DISPLAY_PX)?;
    let display = upright(w, h, rgb, info.orientation);
    let (tw, th, trgb) = fit(display.width(), display.height(), display.as_raw().clone(), THUMB_PX)?;
    let thumb = jpeg(&image::RgbImage::from_raw(tw, th, trgb).expect("w × h RGB"), None)?;
    let display_jpeg = jpeg(&display, private_exif(info.gps, info.taken_at_local.as_deref()))?;
    Ok(Ingested {
        sha256: sha256_hex(&display_jpeg),
        width_px: display.width(),
        height_px: display.height(),
        display: display_jpeg,
        thumb,
    })
}
