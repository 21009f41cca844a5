//! The disk photos take: a quota per uploader (a device, or a dashboard
//! account), a cap on unfinished uploads, and the collection of blobs no
//! record uses any more and of uploads never finished, after a grace
//! period. `serve` collects once an hour; `qadam-server gc` on demand.

use std::time::{Duration, SystemTime};

use crate::error::AppError;
use crate::state::AppState;
use crate::store::{self as stores, accounts::Principal, retention};

#[derive(Debug, Clone, Copy)]
pub struct Retention {
    /// Photo bytes one device (or account) may have stored.
    pub quota_bytes: u64,
    /// Unfinished uploads the server holds in all.
    pub partial_bytes: u64,
    /// How long a blob no live record names is kept (a phone uploads a
    /// photo before it pushes the record, maybe days later after failures).
    pub photo_grace: Duration,
    /// How long an unfinished upload is kept after its last chunk.
    pub partial_grace: Duration,
}

impl Default for Retention {
    /// 2 GiB per device (about 5,000 phone photos); 4 GiB of unfinished
    /// uploads; unused blobs kept 7 days, unfinished uploads a day.
    fn default() -> Self {
        Retention {
            quota_bytes: 2 << 30,
            partial_bytes: 4 << 30,
            photo_grace: Duration::from_secs(7 * 24 * 3600),
            partial_grace: Duration::from_secs(24 * 3600),
        }
    }
}

/// Who a photo upload counts against: the device, the account for a
/// dashboard upload, nobody for the server's own token.
pub fn uploader(p: &Principal) -> Option<String> {
    match p.device_id {
        Some(d) => Some(d.to_string()),
        None if p.user.id.is_nil() => None,
        None => Some(format!("user:{}", p.user.login)),
    }
}

/// Refuses an upload of `size_bytes` that would take `uploader` past its
/// quota, or the server past its room for unfinished uploads (507).
pub fn check_room(s: &AppState, uploader: Option<&str>, size_bytes: u64, partial: bool) -> Result<(), AppError> {
    let mb = |b: u64| b.div_ceil(1 << 20);
    if let Some(who) = uploader {
        let used = stores::read_accounts(&*s.store, |db| retention::uploaded_bytes(db, who))?;
        if used + size_bytes > s.retention.quota_bytes {
            return Err(AppError::QuotaExceeded(format!(
                "this device has stored {} MB of photos and this one is {} MB: the limit is {} MB per device; \
                 ask an administrator to raise it (--photo-quota-mb)",
                mb(used),
                mb(size_bytes),
                mb(s.retention.quota_bytes)
            )));
        }
    }
    if partial {
        let held = s.uploads.lock().unwrap_or_else(|p| p.into_inner()).held_bytes()?;
        if held + size_bytes > s.retention.partial_bytes {
            return Err(AppError::QuotaExceeded(format!(
                "the server holds {} MB of unfinished uploads, its limit: try again later",
                mb(held)
            )));
        }
    }
    Ok(())
}

/// What one collection removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Collected {
    pub photos: Vec<String>,
    pub partial_uploads: usize,
}

/// Removes photo blobs (and thumbnails) that no live record names and that
/// arrived more than the grace period before `now`, and unfinished uploads
/// idle longer than theirs. A blob's row goes first: a failure in between
/// leaves bytes no row names (collected by hand), never a row without bytes.
pub fn collect(s: &AppState, now: SystemTime) -> Result<Collected, AppError> {
    let before_ms = now
        .checked_sub(s.retention.photo_grace)
        .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_millis() as i64);
    let unused = stores::read_accounts(&*s.store, |db| retention::unreferenced(db, before_ms))?;
    for sha in &unused {
        stores::accounts(&*s.store, |db| retention::forget(db, sha))?;
        s.photos.delete(sha)?;
        s.thumbs.delete(sha)?;
    }
    let partial_uploads = {
        let uploads = s.uploads.lock().unwrap_or_else(|p| p.into_inner());
        uploads.collect(now.checked_sub(s.retention.partial_grace).unwrap_or(SystemTime::UNIX_EPOCH))?
    };
    if !unused.is_empty() || partial_uploads > 0 {
        tracing::info!(photos = unused.len(), partial_uploads, "collected unused photos and stale uploads");
    }
    Ok(Collected { photos: unused, partial_uploads })
}
