//! Photos: whole and resumable uploads (checked, decoded into a thumbnail
//! on the bounded imaging pool, within the uploader's quota), and reading
//! them back, only for those who may.

use std::sync::Arc;

use qadam_core::change::PhotoUploadResponse;
use qadam_core::photo::{self, MAX_PHOTO_BYTES};

use super::blocking;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::accounts::Principal;
use crate::store::{self as stores};

/// A photo's content hash, checked to be 64 lowercase hex digits.
fn check_sha(sha256: &str) -> Result<(), AppError> {
    if photo::is_sha256_hex(sha256) {
        Ok(())
    } else {
        Err(AppError::Photo(qadam_core::PhotoError::BadHash(sha256.to_string())))
    }
}

/// Stores a whole photo (`declared`: the type its upload named, if any).
pub async fn put(
    s: &Arc<AppState>,
    p: &Principal,
    sha256: String,
    body: Vec<u8>,
    declared: Option<String>,
) -> Result<PhotoUploadResponse, AppError> {
    check_sha(&sha256)?;
    let who = crate::space::uploader(p);
    let (st, w, size) = (s.clone(), who.clone(), body.len() as u64);
    blocking(move || crate::space::check_room(&st, w.as_deref(), size, false)).await?;
    store_photo(s, sha256, body, declared, who).await
}

/// Checks a whole photo and stores it: hash, image type (the one declared,
/// if any, must be the one its bytes are), pixel count from the header,
/// then a full decode into its thumbnail on the bounded imaging pool, so
/// only a clean image is kept, and its thumbnail is ready.
async fn store_photo(
    s: &Arc<AppState>,
    sha256: String,
    body: Vec<u8>,
    declared: Option<String>,
    uploader: Option<String>,
) -> Result<PhotoUploadResponse, AppError> {
    let (info, thumb, body) = s
        .imaging
        .run(move || {
            let info = photo::inspect(&body, MAX_PHOTO_BYTES)?;
            if info.sha256 != sha256 {
                return Err(qadam_core::PhotoError::HashMismatch { expected: sha256, actual: info.sha256 }.into());
            }
            if let Some(declared) = declared.filter(|d| d != info.mime) {
                return Err(qadam_core::PhotoError::WrongType { declared, actual: info.mime.to_string() }.into());
            }
            let thumb = photo::thumbnail(&body)?;
            Ok((info, thumb, body))
        })
        .await?;
    let s = s.clone();
    blocking(move || {
        s.photos.put(&info.sha256, &body)?;
        s.thumbs.put(&info.sha256, &thumb)?;
        let created = s.store.add_photo(&info, uploader.as_deref())?;
        Ok(PhotoUploadResponse { sha256: info.sha256, size_bytes: info.size_bytes, created })
    })
    .await
}

/// Where a resumable upload stands after a chunk.
pub enum Chunk {
    /// The server has the photo already (from this upload or another).
    Stored(PhotoUploadResponse),
    /// More is expected, from `offset`.
    Partial { offset: u64 },
    /// This chunk completed the photo, now checked and stored.
    Complete(PhotoUploadResponse),
}

/// One chunk of a resumable upload of a photo of `total` bytes, starting
/// at `offset` (which must be where the server's copy ends).
pub async fn append(
    s: &Arc<AppState>,
    p: &Principal,
    sha256: String,
    offset: u64,
    total: u64,
    body: Vec<u8>,
    declared: Option<String>,
) -> Result<Chunk, AppError> {
    check_sha(&sha256)?;
    let who = crate::space::uploader(p);
    let (st, sha, w) = (s.clone(), sha256.clone(), who.clone());
    let appended = blocking(move || {
        if st.store.photo_mime(&sha)?.is_some() {
            return Ok(None);
        }
        if offset == 0 {
            crate::space::check_room(&st, w.as_deref(), total, true)?;
        }
        let uploads = st.uploads.lock().unwrap_or_else(|p| p.into_inner());
        Ok(Some(uploads.append(&sha, offset, total, &body)?))
    })
    .await?;
    Ok(match appended {
        None => Chunk::Stored(PhotoUploadResponse { sha256, size_bytes: total, created: false }),
        Some(photo::Append::Partial { offset }) => Chunk::Partial { offset },
        Some(photo::Append::Complete(bytes)) => Chunk::Complete(store_photo(s, sha256, bytes, declared, who).await?),
    })
}

/// Whether a photo is stored: its type if so, else how many bytes of an
/// unfinished upload the server has.
pub async fn status(s: &Arc<AppState>, sha256: String) -> Result<Result<String, u64>, AppError> {
    check_sha(&sha256)?;
    let st = s.clone();
    let sha = sha256.clone();
    let mime = blocking(move || Ok(st.store.photo_mime(&sha)?)).await?;
    match mime {
        Some(m) => Ok(Ok(m)),
        None => Ok(Err(s.uploads.lock().unwrap_or_else(|p| p.into_inner()).offset(&sha256)?)),
    }
}

/// Photos are served only to those who may read the campaign of the record
/// that first named them (naming a known hash in one's own campaign later
/// does not give its bytes away), and to whoever uploaded them.
fn check_readable(s: &AppState, p: &Principal, sha256: &str) -> Result<(), AppError> {
    if p.is_admin() {
        return Ok(());
    }
    let campaign = stores::read_accounts(&*s.store, |db| stores::photo_campaign(db, sha256))?;
    let mine = match crate::space::uploader(p) {
        Some(who) => stores::read_accounts(&*s.store, |db| stores::retention::uploaded(db, sha256, &who))?,
        None => false,
    };
    if mine || campaign.is_some_and(|c| p.can_read(c)) {
        Ok(())
    } else {
        Err(AppError::NotFound(format!("photo {sha256}")))
    }
}

/// A stored photo: its type and bytes.
pub async fn original(s: &Arc<AppState>, p: Principal, sha256: String) -> Result<(String, Vec<u8>), AppError> {
    check_sha(&sha256)?;
    let s = s.clone();
    blocking(move || {
        check_readable(&s, &p, &sha256)?;
        let mime = s.store.photo_mime(&sha256)?.ok_or_else(|| AppError::NotFound(format!("photo {sha256}")))?;
        let bytes = s.photos.get(&sha256)?.ok_or_else(|| AppError::NotFound(format!("photo {sha256}")))?;
        Ok((mime, bytes))
    })
    .await
}

/// A photo's JPEG thumbnail, made now (and kept) for a photo stored before
/// thumbnails were made at upload.
pub async fn thumbnail(s: &Arc<AppState>, p: Principal, sha256: String) -> Result<Vec<u8>, AppError> {
    check_sha(&sha256)?;
    let st = s.clone();
    let sha = sha256.clone();
    let stored = blocking(move || {
        check_readable(&st, &p, &sha)?;
        if let Some(t) = st.thumbs.get(&sha)? {
            return Ok(Ok(t));
        }
        Ok(Err(st.photos.get(&sha)?.ok_or_else(|| AppError::NotFound(format!("photo {sha}")))?))
    })
    .await?;
    match stored {
        Ok(thumb) => Ok(thumb),
        Err(orig) => {
            let t = s.imaging.run(move || Ok(photo::thumbnail(&orig)?)).await?;
            let (st, t2) = (s.clone(), t.clone());
            blocking(move || Ok(st.thumbs.put(&sha256, &t2)?)).await?;
            Ok(t)
        }
    }
}
