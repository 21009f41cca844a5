//! Making a photo ready to travel: decoded no larger than needed, turned
//! upright, shrunk to a display copy and a thumbnail, and written as JPEG
//! with only its position and time kept from the original's EXIF.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, ImageReader};

use super::{
    apply_orientation, check_pixels, decode_limits, format_of, inspect, sha256_hex, MAX_PHOTO_BYTES, THUMB_PX,
};
use crate::error::PhotoError;
use crate::model::GeoPoint;

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
    /// What the original was (its size, format, position and time).
    pub original: super::PhotoInfo,
}

/// Decodes a photo no larger than needed for a `long_px` result: JPEGs are
/// decoded at 1/2, 1/4 or 1/8 scale in the DCT (shrink-on-load), so a
/// 12-megapixel photo never exists at full size in memory. Returns RGB8
/// pixels as stored (before EXIF orientation).
pub(super) fn decode_for(bytes: &[u8], long_px: u32) -> Result<(u32, u32, Vec<u8>), PhotoError> {
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
pub(super) fn fit(w: u32, h: u32, rgb: Vec<u8>, long_px: u32) -> Result<(u32, u32, Vec<u8>), PhotoError> {
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

pub(super) fn upright(w: u32, h: u32, rgb: Vec<u8>, orientation: u16) -> image::RgbImage {
    let img = image::RgbImage::from_raw(w, h, rgb).expect("the buffer holds w × h RGB pixels");
    if orientation == 1 {
        return img;
    }
    apply_orientation(DynamicImage::ImageRgb8(img), orientation).to_rgb8()
}

pub(super) fn jpeg(img: &image::RgbImage, exif: Option<Vec<u8>>) -> Result<Vec<u8>, PhotoError> {
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
    Some(app1_segment(&[&ifd(&entries, 8), &exif_ifd, &gps_ifd]))
}

/// A JPEG APP1 (EXIF) segment holding a little-endian TIFF whose first IFD
/// starts at byte 8, followed by `ifds` laid out at the offsets their
/// entries name.
pub(crate) fn app1_segment(ifds: &[&[u8]]) -> Vec<u8> {
    let mut tiff = b"II*\0".to_vec();
    tiff.extend_from_slice(&8u32.to_le_bytes());
    for part in ifds {
        tiff.extend_from_slice(part);
    }
    let mut seg = vec![0xFF, 0xE1];
    seg.extend_from_slice(&((tiff.len() + 2 + 6) as u16).to_be_bytes());
    seg.extend_from_slice(b"Exif\0\0");
    seg.extend_from_slice(&tiff);
    seg
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
        original: info,
    })
}
