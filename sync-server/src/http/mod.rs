//! Routes and handlers. Handlers only translate between HTTP and the store
//! and core; routing reads top to bottom in [`router`].

pub mod auth;
pub mod encoding;
mod error;
pub mod openapi;
pub mod throttle;

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use qadam_core::change::{PhotoUploadResponse, PushRequest, PushResponse};
use qadam_core::photo::{self, MAX_PHOTO_BYTES};
use qadam_core::records::{ObjectDetail, ObjectSummary};
use serde::{Deserialize, Serialize};
use tower_http::services::{ServeDir, ServeFile};
use uuid::Uuid;

pub use error::AppError;

use crate::store::accounts::Principal;
use crate::store::{Access, SyncStore};

/// Most changes one push may carry.
pub const MAX_PUSH_CHANGES: usize = 5_000;
/// Largest push body, bytes.
pub const MAX_PUSH_BYTES: usize = 8 * 1024 * 1024;

pub struct AppState {
    pub store: Box<dyn SyncStore>,
    pub photos: Box<dyn crate::blobs::BlobStore>,
    /// Unfinished resumable uploads; the mutex keeps two chunks of one
    /// upload from interleaving.
    pub uploads: std::sync::Mutex<qadam_core::photo::PartialUploads>,
    pub thumbs: Box<dyn crate::blobs::BlobStore>,
    pub token: String,
    pub dashboard_dir: Option<PathBuf>,
    /// Objects with their verdicts, until the store changes.
    pub evaluated: crate::evaluated::Evaluated,
    /// Admission to the store for devices' sync requests (see [`sync_lane`]).
    pub sync_lane: tokio::sync::Semaphore,
    /// Devices' credentials and authors recently read from the store.
    pub devices: auth::DeviceCache,
    /// Where devices and browsers reach this server (`--public-url`).
    pub public_url: Option<String>,
    /// Photo quotas and collection.
    pub retention: crate::space::Retention,
    /// Attempts at signing in and enrolling, per address and login.
    pub throttle: throttle::Throttle,
    /// Password checks (argon2), a few at a time, never under a store lock.
    pub hashing: crate::workers::Pool,
    /// Photo decoding (checks and thumbnails), a few at a time.
    pub imaging: crate::workers::Pool,
}

/// Sync requests (authenticating a device, push, pull) that run on the
/// store at once; the rest wait their turn in arrival order. Under load a
/// few at a time finish sooner than hundreds sharing two cores, each with
/// its own thread and SQLite connection, and none waits much longer than
/// another (bench/RESULTS.md, row 5).
pub const SYNC_LANE_WIDTH: usize = 4;

pub fn router(state: Arc<AppState>) -> Router {
    let api = Router::new()
        .route("/sync/push", post(push).layer(DefaultBodyLimit::max(MAX_PUSH_BYTES)))
        .route("/sync/pull", get(pull))
        .route(
            "/photos/{sha256}",
            get(photo_get)
                .head(photo_head)
                .put(photo_put)
                .patch(photo_patch)
                .layer(DefaultBodyLimit::max(MAX_PHOTO_BYTES as usize)),
        )
        .route("/photos/{sha256}/thumb", get(photo_thumb))
        .route("/campaigns", get(campaigns))
        .route("/checklists", get(checklists))
        .route("/conflicts", get(conflicts))
        .route("/conflicts/{conflict}/resolve", post(resolve_conflict))
        .route("/objects", get(objects))
        .route("/objects/{id}", get(object))
        .route("/exports/{file}", get(export))
        .route("/reviews", get(review_queue))
        .route("/map", get(map))
        .route("/analytics", get(analytics))
        .route("/audits/{id}/history", get(audit_history))
        .route("/audits/{id}/review", post(review_audit))
        .route("/campaigns/{id}/import", post(import).layer(DefaultBodyLimit::max(MAX_PUSH_BYTES)))
        .route("/me", get(auth::me))
        .route("/enrollments", post(auth::create_enrollment))
        .route("/devices", get(auth::devices))
        .route("/devices/{device}/revoke", post(auth::revoke_device))
        .route("/users/{login}/unlock", post(auth::unlock_user))
        .route_layer(middleware::from_fn_with_state(state.clone(), auth::authenticate))
        .route("/devices/enroll", post(auth::enroll))
        .route("/session", post(auth::session_start).delete(auth::session_end))
        .route("/openapi.json", get(|| async { Json(openapi::document()) }))
        // An unknown API path is a JSON 404, never the dashboard's page.
        .fallback(|| async { AppError::NotFound("this API path".into()) });
    let mut app = Router::new()
        .route(
            "/healthz",
            get(|| async {
                Json(qadam_core::change::Health { status: "ok".into(), time_ms: qadam_core::hlc::now_ms() })
            }),
        )
        .nest("/api/v1", api)
        .fallback(|| async { AppError::NotFound("this address".into()) });
    if let Some(dir) = &state.dashboard_dir {
        app = app.fallback_service(ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html"))));
    }
    // Bodies are compressed both ways, zstd or gzip, when the peer says it
    // can (`Accept-Encoding` / `Content-Encoding`): sync is mostly
    // repetitive JSON. Level 1: a fresh device's pull of a city is half a
    // gigabyte of JSON (bench/RESULTS.md). Pull pages come encoded already
    // (`encoding`), and the layer leaves them be.
    // Headers every answer carries unless its handler set its own.
    use tower_http::set_header::SetResponseHeaderLayer as Set;
    let v = header::HeaderValue::from_static;
    app.layer(middleware::from_fn_with_state(state.clone(), same_origin))
        .layer(Set::if_not_present(header::CONTENT_SECURITY_POLICY, v(CSP)))
        .layer(Set::if_not_present(header::X_CONTENT_TYPE_OPTIONS, v("nosniff")))
        .layer(Set::if_not_present(header::X_FRAME_OPTIONS, v("DENY")))
        .layer(Set::if_not_present(header::REFERRER_POLICY, v("no-referrer")))
        .layer(
            tower_http::compression::CompressionLayer::new()
                .gzip(true)
                .zstd(true)
                .quality(tower_http::compression::CompressionLevel::Fastest),
        )
        .layer(tower_http::decompression::RequestDecompressionLayer::new().gzip(true).zstd(true))
        .with_state(state)
}

/// The dashboard's Content-Security-Policy: scripts, styles, images and
/// calls from this server only (no inline script: a string that reached an
/// HTML sink still could not run), photos and the QR code as `data:`/`blob:`
/// images, never framed, no plugins, no `<base>`, forms only to itself.
/// Inline *styles* stay allowed: Leaflet and Svelte position elements with
/// `style` attributes.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
form-action 'self'; frame-ancestors 'none'";

/// Refuses a state-changing request a browser sends from another origin
/// (a page elsewhere posting `text/plain` to the API with the coordinator's
/// cookie): its `Origin` must be this server as the request addressed it
/// (`Host`) or its configured public URL. Devices and scripts send no
/// `Origin` and are authorised by their token.
async fn same_origin(State(s): State<Arc<AppState>>, req: axum::extract::Request, next: middleware::Next) -> Response {
    use axum::http::Method;
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let Some(origin) = req.headers().get(header::ORIGIN) else { return next.run(req).await };
    let origin = origin.to_str().unwrap_or("null").trim_end_matches('/').to_ascii_lowercase();
    let host = req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    let own = origin
        .split_once("://")
        .is_some_and(|(scheme, authority)| matches!(scheme, "http" | "https") && !host.is_empty() && authority == host);
    let public = s.public_url.as_deref().is_some_and(|u| u.to_ascii_lowercase() == origin);
    if own || public {
        next.run(req).await
    } else {
        AppError::forbidden(format!(
            "a request from the page at {origin} may not change anything here (only this server's own pages may)"
        ))
        .into_response()
    }
}

/// Parses a JSON body, naming the path of the offending field on error.
fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let code = if inner.is_syntax() || inner.is_eof() { "malformed_json" } else { "invalid_body" };
        let field = (path != ".").then_some(path);
        AppError::bad(code, format!("request body: {inner}"), field)
    })
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, AppError> + Send + 'static) -> Result<T, AppError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| AppError::Internal(e.to_string()))?
}

/// [`blocking`] for a device's sync request: it waits, in arrival order, for
/// one of the [`SYNC_LANE_WIDTH`] places on the store.
async fn sync_lane<T: Send + 'static>(
    s: &AppState,
    f: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    let _place = s.sync_lane.acquire().await.map_err(|e| AppError::Internal(e.to_string()))?;
    blocking(f).await
}

/// Decodes a push body: JSON of the right shape (unknown keys refused,
/// naming their path) and at most [`MAX_PUSH_CHANGES`] changes. Each
/// change's field and value are checked once, by the store, which also knows
/// an element's kind and the campaign. Never panics, whatever the bytes
/// (`fuzz/` holds its fuzz target).
pub fn decode_push(body: &[u8]) -> Result<PushRequest, AppError> {
    let req: PushRequest = parse_json(body)?;
    if req.changes.len() > MAX_PUSH_CHANGES {
        return Err(AppError::TooLarge(format!(
            "a push may carry at most {MAX_PUSH_CHANGES} changes; this one has {}",
            req.changes.len()
        )));
    }
    Ok(req)
}

async fn push(
    State(s): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
    body: Bytes,
) -> Result<Json<PushResponse>, AppError> {
    let req = decode_push(&body)?;
    // Review decisions come from a coordinator's review, never from a
    // phone; only an administrator (the server's own tooling: generators,
    // migrations of already reviewed data) may push them as records.
    if !p.is_admin() || p.device_id.is_some() {
        qadam_core::review::check_device_push(&req.changes)?;
    }
    let lane = s.clone();
    Ok(Json(
        sync_lane(&lane, move || {
            let mut devices: Vec<String> = req.changes.iter().map(|c| c.device_id.clone()).collect();
            devices.sort();
            devices.dedup();
            let answer = s.store.push(req.changes, &Access::of(&p))?;
            if p.user.id != Uuid::nil() {
                let ids: Vec<&str> = devices.iter().map(String::as_str).collect();
                let login = &p.user.login;
                let ids = s.devices.authors_unknown(&ids, login);
                if !ids.is_empty() {
                    let now = qadam_core::hlc::now_ms() as i64;
                    let new = crate::store::read_accounts(&*s.store, |db| {
                        crate::store::accounts::authors_to_note(db, &ids, login, now)
                    })?;
                    if !new.is_empty() {
                        let new: Vec<&str> = new.iter().map(String::as_str).collect();
                        crate::store::accounts(&*s.store, |db| {
                            crate::store::accounts::note_authors(db, &new, login, now)
                        })?;
                    }
                    s.devices.keep_authors(&ids, login);
                }
            }
            Ok(answer)
        })
        .await?,
    ))
}

#[derive(Deserialize)]
struct PullQuery {
    #[serde(default)]
    since: i64,
    #[serde(default = "default_limit")]
    limit: u32,
}

fn default_limit() -> u32 {
    1000
}

async fn pull(
    State(s): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
    headers: HeaderMap,
    q: Result<Query<PullQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let Query(q) = q.map_err(|e| AppError::bad("invalid_query", e.body_text(), None))?;
    if q.since < 0 {
        return Err(AppError::bad(
            "invalid_query",
            "`since` must be 0 or a cursor the server gave",
            Some("since".into()),
        ));
    }
    // A `PullResponse`, written by the store (checked against the typed
    // page in tests/api.rs), and encoded whole in the same turn.
    let coding = encoding::Coding::negotiate(&headers);
    let lane = s.clone();
    let (body, coding) = sync_lane(&lane, move || {
        let page = s.store.pull_json(q.since, q.limit, &Access::of(&p))?;
        coding.encode(page).map_err(|e| AppError::Internal(format!("encoding a pull page: {e}")))
    })
    .await?;
    let mut r = ([(header::CONTENT_TYPE, "application/json")], body).into_response();
    r.headers_mut().insert(header::VARY, header::HeaderValue::from_static("accept-encoding"));
    if let Some(v) = coding.header() {
        r.headers_mut().insert(header::CONTENT_ENCODING, v);
    }
    Ok(r)
}

fn check_sha(sha256: &str) -> Result<(), AppError> {
    if photo::is_sha256_hex(sha256) {
        Ok(())
    } else {
        Err(AppError::Photo(qadam_core::PhotoError::BadHash(sha256.to_string())))
    }
}

async fn photo_put(
    State(s): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
    Path(sha256): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    check_sha(&sha256)?;
    let who = crate::space::uploader(&p);
    let (st, w, size) = (s.clone(), who.clone(), body.len() as u64);
    blocking(move || crate::space::check_room(&st, w.as_deref(), size, false)).await?;
    let res = store_photo(&s, sha256, body.to_vec(), declared_type(&headers), who).await?;
    let status = if res.created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(res)).into_response())
}

/// The type an upload declares in `Content-Type`, unless it says nothing
/// about the bytes (absent, `application/octet-stream`, or the form type
/// HTTP tools send by default).
fn declared_type(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let mime = v.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    let silent = ["", "application/octet-stream", "application/x-www-form-urlencoded"];
    (!silent.contains(&mime.as_str())).then_some(mime)
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

fn header_u64(headers: &HeaderMap, name: &'static str) -> Result<u64, AppError> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| AppError::bad("bad_header", format!("`{name}` must be a byte count"), Some(name.to_string())))
}

/// One chunk of a resumable upload: `Upload-Offset` (where it starts) and
/// `Upload-Length` (the whole photo's size). Answers 204 with the new
/// `Upload-Offset` while incomplete, 201 when the photo is whole and stored,
/// 409 with the server's `Upload-Offset` when the chunk does not start there.
async fn photo_patch(
    State(s): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
    Path(sha256): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    check_sha(&sha256)?;
    let offset = header_u64(&headers, "upload-offset")?;
    let total = header_u64(&headers, "upload-length")?;
    let who = crate::space::uploader(&p);
    let st = s.clone();
    let sha = sha256.clone();
    let w = who.clone();
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
    match appended {
        None => {
            let res = PhotoUploadResponse { sha256, size_bytes: total, created: false };
            Ok((StatusCode::OK, Json(res)).into_response())
        }
        Some(photo::Append::Partial { offset }) => {
            Ok((StatusCode::NO_CONTENT, [("upload-offset", offset.to_string())]).into_response())
        }
        Some(photo::Append::Complete(bytes)) => {
            let res = store_photo(&s, sha256, bytes, declared_type(&headers), who).await?;
            Ok((StatusCode::CREATED, Json(res)).into_response())
        }
    }
}

async fn photo_head(State(s): State<Arc<AppState>>, Path(sha256): Path<String>) -> Result<Response, AppError> {
    check_sha(&sha256)?;
    let mime = blocking({
        let s = s.clone();
        let sha256 = sha256.clone();
        move || Ok(s.store.photo_mime(&sha256)?)
    })
    .await?;
    match mime {
        Some(m) => Ok(([(header::CONTENT_TYPE, m)], ()).into_response()),
        // Not here yet: say how much of an unfinished upload the server has.
        None => {
            let offset = s.uploads.lock().unwrap_or_else(|p| p.into_inner()).offset(&sha256)?;
            Ok((StatusCode::NOT_FOUND, [("upload-offset", offset.to_string())], ()).into_response())
        }
    }
}

/// Photos are served only to those who may read the campaign of the record
/// that first named them (naming a known hash in one's own campaign later
/// does not give its bytes away), and to whoever uploaded them.
fn check_photo_readable(s: &AppState, p: &Principal, sha256: &str) -> Result<(), AppError> {
    if p.is_admin() {
        return Ok(());
    }
    let campaign = crate::store::read_accounts(&*s.store, |db| crate::store::photo_campaign(db, sha256))?;
    let mine = match crate::space::uploader(p) {
        Some(who) => crate::store::read_accounts(&*s.store, |db| crate::store::retention::uploaded(db, sha256, &who))?,
        None => false,
    };
    if mine || campaign.is_some_and(|c| p.can_read(c)) {
        Ok(())
    } else {
        Err(AppError::NotFound(format!("photo {sha256}")))
    }
}

async fn photo_get(
    State(s): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
    Path(sha256): Path<String>,
) -> Result<Response, AppError> {
    check_sha(&sha256)?;
    let (mime, bytes) = blocking({
        let sha256 = sha256.clone();
        move || {
            check_photo_readable(&s, &p, &sha256)?;
            let mime = s.store.photo_mime(&sha256)?.ok_or_else(|| AppError::NotFound(format!("photo {sha256}")))?;
            let bytes = s.photos.get(&sha256)?.ok_or_else(|| AppError::NotFound(format!("photo {sha256}")))?;
            Ok((mime, bytes))
        }
    })
    .await?;
    let ext = match mime.as_str() {
        "image/png" => "png",
        "image/webp" => "webp",
        _ => "jpg",
    };
    let disposition = format!("inline; filename=\"{sha256}.{ext}\"");
    Ok((
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "private, max-age=31536000, immutable".into()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CONTENT_SECURITY_POLICY, "default-src 'none'; sandbox".into()),
        ],
        bytes,
    )
        .into_response())
}

async fn photo_thumb(
    State(s): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
    Path(sha256): Path<String>,
) -> Result<Response, AppError> {
    check_sha(&sha256)?;
    let st = s.clone();
    let sha = sha256.clone();
    let stored = blocking(move || {
        check_photo_readable(&st, &p, &sha)?;
        if let Some(t) = st.thumbs.get(&sha)? {
            return Ok(Ok(t));
        }
        Ok(Err(st.photos.get(&sha)?.ok_or_else(|| AppError::NotFound(format!("photo {sha}")))?))
    })
    .await?;
    let bytes = match stored {
        Ok(thumb) => thumb,
        // A photo stored before thumbnails were made at upload.
        Err(orig) => {
            let t = s.imaging.run(move || Ok(photo::thumbnail(&orig)?)).await?;
            let (st, t2) = (s.clone(), t.clone());
            blocking(move || Ok(st.thumbs.put(&sha256, &t2)?)).await?;
            t
        }
    };
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, "private, max-age=31536000, immutable"),
            (header::CONTENT_SECURITY_POLICY, "default-src 'none'; sandbox"),
        ],
        bytes,
    )
        .into_response())
}

async fn campaigns(
    State(s): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
) -> Result<Json<Vec<qadam_core::model::Campaign>>, AppError> {
    Ok(Json(blocking(move || Ok(s.store.campaigns()?.into_iter().filter(|c| p.can_read(c.id)).collect())).await?))
}

/// The campaign a conflict's record belongs to.
fn conflict_campaign(s: &AppState, c: &crate::store::Conflict) -> Result<Option<Uuid>, AppError> {
    let op = c.later.op_id.to_string();
    Ok(crate::store::read_accounts(&*s.store, |db| crate::store::change_campaign(db, &op))?)
}

/// A conflict with the accounts behind its two writes' device ids.
#[derive(Serialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export_to = "server/")]
pub struct ConflictView {
    #[serde(flatten)]
    pub conflict: crate::store::Conflict,
    /// `device_id` → `Name (login)` of the account that pushed it, when known.
    pub authors: std::collections::BTreeMap<String, String>,
}

async fn conflicts(
    State(s): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
) -> Result<Json<Vec<ConflictView>>, AppError> {
    // Auditors see their campaigns' conflicts too (the app shows them on the
    // fields concerned); only coordinators resolve them.
    Ok(Json(
        blocking(move || {
            let mut out = Vec::new();
            for c in s.store.conflicts()? {
                if conflict_campaign(&s, &c)?.is_some_and(|id| p.can_read(id)) {
                    let ids = [c.earlier.device_id.as_str(), c.later.device_id.as_str()];
                    let authors =
                        crate::store::read_accounts(&*s.store, |db| crate::store::accounts::authors(db, &ids))?;
                    out.push(ConflictView { conflict: c, authors });
                }
            }
            Ok(out)
        })
        .await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Resolution {
    /// Keep the `earlier` or the `later` write's value…
    keep: Option<String>,
    /// …or enter a new value.
    value: Option<serde_json::Value>,
}

/// Resolves a conflict: keep one write, keep the other, or a new value,
/// which becomes an ordinary change that syncs back to the devices.
async fn resolve_conflict(
    State(s): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Json<qadam_core::change::Change>, AppError> {
    auth::require_coordinator(&p)?;
    let r: Resolution = parse_json(&body)?;
    Ok(Json(
        blocking(move || {
            let found = s.store.conflict(id)?;
            if let Some((c, _)) = &found {
                if !conflict_campaign(&s, c)?.is_some_and(|id| p.can_coordinate(id)) {
                    return Err(AppError::forbidden("this conflict is in a campaign you do not coordinate"));
                }
            }
            // Only an unresolved conflict offers its two writes to keep.
            let c = found.and_then(|(c, resolved)| resolved.is_none().then_some(c));
            let value = match (r.keep.as_deref(), r.value, c) {
                (Some("earlier"), None, Some(c)) => c.earlier.value,
                (Some("later"), None, Some(c)) => c.later.value,
                (None, Some(v), _) => v,
                (Some(_), None, None) => {
                    // Already resolved (or unknown): answer as before.
                    return Ok(s.store.resolve_conflict(id, serde_json::Value::Null)?);
                }
                _ => {
                    return Err(AppError::bad(
                        "invalid_resolution",
                        "send {\"keep\": \"earlier\"|\"later\"} or {\"value\": …}",
                        Some("keep".into()),
                    ))
                }
            };
            Ok(s.store.resolve_conflict(id, value)?)
        })
        .await?,
    ))
}

async fn checklists() -> Json<Vec<qadam_core::checklist::Checklist>> {
    Json(qadam_core::checklist::get().all().into_iter().cloned().collect())
}

/// Refuses a campaign the caller does not coordinate.
fn may_coordinate(p: &Principal, campaign: Option<Uuid>) -> Result<(), AppError> {
    match campaign.filter(|c| !p.can_coordinate(*c)) {
        Some(c) => Err(AppError::forbidden(format!("campaign {c}: you do not coordinate this campaign"))),
        None => Ok(()),
    }
}

/// A dashboard read's query: a coordinator's, of a campaign they coordinate.
fn coordinator_query(
    p: &Principal,
    q: Result<Query<ObjectsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<ObjectsQuery, AppError> {
    auth::require_coordinator(p)?;
    let Query(q) = q.map_err(|e| AppError::bad("invalid_query", e.body_text(), Some("campaign".into())))?;
    may_coordinate(p, q.campaign)?;
    Ok(q)
}

#[derive(Deserialize)]
struct ObjectsQuery {
    campaign: Option<Uuid>,
    /// Exports of a selection: one district…
    district: Option<qadam_core::model::District>,
    /// …and/or one object type.
    category: Option<qadam_core::model::Category>,
    /// Exports publish approved audits only; `drafts=true` adds the rest.
    #[serde(default)]
    drafts: bool,
}

async fn objects(
    State(s): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
    q: Result<Query<ObjectsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<ObjectSummary>>, AppError> {
    let q = coordinator_query(&p, q)?;
    Ok(Json(
        blocking(move || {
            Ok(s.store
                .objects(q.campaign)?
                .into_iter()
                .filter(|o| o.object.campaign_id.is_some_and(|c| p.can_coordinate(c)))
                .collect())
        })
        .await?,
    ))
}

/// An object as the dashboard shows it: the record, and which of its
/// photos the server does not have yet.
#[derive(Serialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export_to = "server/")]
pub struct DashboardObject {
    #[serde(flatten)]
    pub detail: ObjectDetail,
    pub photos_pending: Vec<String>,
    pub verdict: qadam_core::rules::ObjectVerdict,
}

async fn object(
    State(s): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Json<DashboardObject>, AppError> {
    auth::require_coordinator(&p)?;
    let id = Uuid::parse_str(&id)
        .map_err(|_| AppError::bad("invalid_id", format!("`{id}` is not a UUID"), Some("id".into())))?;
    Ok(Json(
        blocking(move || {
            let detail = s.store.object_detail(id)?;
            if !detail.object.campaign_id.is_some_and(|c| p.can_coordinate(c)) {
                return Err(AppError::NotFound(format!("object {id}")));
            }
            let photos_pending = detail
                .photos
                .iter()
                .filter(|p| !s.photos.has(&p.sha256).unwrap_or(false))
                .map(|p| p.sha256.clone())
                .collect();
            let verdict = s.store.verdict(id)?;
            Ok(DashboardObject { detail, photos_pending, verdict })
        })
        .await?,
    ))
}

/// `?campaign=&district=&auditor=&status=submitted,in_review`
#[derive(Deserialize)]
struct QueueQuery {
    campaign: Option<Uuid>,
    district: Option<qadam_core::model::District>,
    auditor: Option<String>,
    status: Option<String>,
}

/// The review queue of the campaigns the caller coordinates, oldest
/// submission first.
async fn review_queue(
    State(s): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
    q: Result<Query<QueueQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<qadam_core::queue::QueueItem>>, AppError> {
    auth::require_coordinator(&p)?;
    let Query(q) = q.map_err(|e| AppError::bad("invalid_query", e.body_text(), None))?;
    may_coordinate(&p, q.campaign)?;
    let mut status = Vec::new();
    for s in q.status.as_deref().unwrap_or("").split(',').filter(|s| !s.is_empty()) {
        status.push(serde_json::from_value(serde_json::Value::String(s.to_string())).map_err(|_| {
            AppError::bad(
                "invalid_query",
                format!(
                    "`{s}` is not an audit status (draft, submitted, in_review, approved, changes_requested, rejected)"
                ),
                Some("status".into()),
            )
        })?);
    }
    let filter =
        qadam_core::queue::QueueFilter { campaign: q.campaign, district: q.district, auditor: q.auditor, status };
    Ok(Json(blocking(move || Ok(qadam_core::queue::queue(&coordinated(&s, &p, filter.campaign)?, &filter))).await?))
}

fn audit_id(id: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(id).map_err(|_| AppError::bad("invalid_id", format!("`{id}` is not a UUID"), Some("id".into())))
}

/// Every status change of an audit, with who and when.
async fn audit_history(
    State(s): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Json<Vec<qadam_core::review::AuditEvent>>, AppError> {
    auth::require_coordinator(&p)?;
    let id = audit_id(&id)?;
    Ok(Json(
        blocking(move || {
            let audit = s.store.audit(id, &|c| p.can_coordinate(c))?;
            Ok(s.store.audit_history(&audit)?)
        })
        .await?,
    ))
}

/// A coordinator's decision on an audit, answered with the review (the
/// stored one when the request repeats a `review_id`).
async fn review_audit(
    State(s): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<qadam_core::review::Review>, AppError> {
    auth::require_coordinator(&p)?;
    let id = audit_id(&id)?;
    let req: qadam_core::review::ReviewRequest = parse_json(&body)?;
    let reviewer = p.display_name();
    let (review, _) = blocking(move || Ok(s.store.review(id, &req, &reviewer, &|c| p.can_coordinate(c))?)).await?;
    Ok(Json(review))
}

/// The evaluated objects of the campaigns `p` coordinates (or of one).
fn coordinated(
    s: &AppState,
    p: &Principal,
    campaign: Option<Uuid>,
) -> Result<Arc<Vec<qadam_core::records::EvaluatedObject>>, AppError> {
    let all = s.evaluated.get(&*s.store, campaign)?;
    let mine = |o: &qadam_core::records::EvaluatedObject| o.object.campaign_id.is_some_and(|c| p.can_coordinate(c));
    Ok(if all.iter().all(mine) { all } else { Arc::new(all.iter().filter(|o| mine(o)).cloned().collect()) })
}

/// Every located object of the caller's campaigns (or of one) with its
/// statuses, for the map.
async fn map(
    State(s): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
    q: Result<Query<ObjectsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<qadam_core::analytics::MapPoint>>, AppError> {
    let q = coordinator_query(&p, q)?;
    Ok(Json(blocking(move || Ok(qadam_core::analytics::map_points(&coordinated(&s, &p, q.campaign)?))).await?))
}

/// The analytics page's figures for the caller's campaigns (or one).
async fn analytics(
    State(s): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
    q: Result<Query<ObjectsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<qadam_core::analytics::Analytics>, AppError> {
    let q = coordinator_query(&p, q)?;
    Ok(Json(
        blocking(move || {
            let objects = coordinated(&s, &p, q.campaign)?;
            let reviews = s.store.reviews()?;
            Ok(qadam_core::analytics::summarise(&objects, &reviews))
        })
        .await?,
    ))
}

/// Renders an export from the objects.
type Render = fn(&[qadam_core::records::EvaluatedObject]) -> Vec<u8>;

/// Exports of the campaigns the caller coordinates (or of one, with
/// `?campaign=ID`): `objects.csv`, `elements.csv` (UTF-8 with BOM, for
/// Excel) and `objects.geojson` (RFC 7946).
async fn export(
    State(s): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
    Path(file): Path<String>,
    q: Result<Query<ObjectsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let q = coordinator_query(&p, q)?;
    let (mime, render): (&str, Render) = match file.as_str() {
        "objects.csv" => ("text/csv; charset=utf-8", |o| qadam_core::export::objects_csv(o).into_bytes()),
        "elements.csv" => ("text/csv; charset=utf-8", |o| qadam_core::export::elements_csv(o).into_bytes()),
        "objects.geojson" => ("application/geo+json", |o| qadam_core::export::geojson(o).to_string().into_bytes()),
        "objects.a11yjson" => ("application/json", |o| qadam_core::export::a11yjson(o).to_string().into_bytes()),
        "objects.osm" => ("application/x-osm+xml", |o| qadam_core::export::osm_xml(o).into_bytes()),
        other => {
            return Err(AppError::NotFound(format!(
                "the export `{other}` (objects.csv, elements.csv, objects.geojson, objects.a11yjson, objects.osm)"
            )))
        }
    };
    let body = blocking(move || {
        let objects = coordinated(&s, &p, q.campaign)?;
        if q.district.is_none() && q.category.is_none() && q.drafts {
            return Ok(render(&objects));
        }
        let selected: Vec<_> = objects
            .iter()
            .filter(|o| q.drafts || qadam_core::export::approved_audit(o).is_some())
            .filter(|o| q.district.is_none_or(|d| o.object.district == Some(d)))
            .filter(|o| q.category.is_none_or(|c| o.object.category == Some(c)))
            .cloned()
            .collect();
        Ok(render(&selected))
    })
    .await?;
    let disposition = format!("attachment; filename=\"qadam-{file}\"");
    Ok(([(header::CONTENT_TYPE, mime.to_string()), (header::CONTENT_DISPOSITION, disposition)], body).into_response())
}

#[derive(Deserialize)]
struct ImportQuery {
    /// `csv` (default) or `geojson`.
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    skip_invalid: bool,
}

/// Imports a list of objects to audit into a campaign the caller
/// coordinates; answers the report (every bad row named; nothing imported
/// from a file with errors unless `skip_invalid=true`).
async fn import(
    State(s): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
    Path(id): Path<String>,
    q: Result<Query<ImportQuery>, axum::extract::rejection::QueryRejection>,
    body: Bytes,
) -> Result<Json<qadam_core::import::ImportReport>, AppError> {
    let Query(q) = q.map_err(|e| AppError::bad("invalid_query", e.body_text(), None))?;
    let campaign = Uuid::parse_str(&id)
        .map_err(|_| AppError::bad("invalid_id", format!("`{id}` is not a campaign id"), Some("id".into())))?;
    may_coordinate(&p, Some(campaign))?;
    let geojson = match q.format.as_deref() {
        None | Some("csv") => false,
        Some("geojson") => true,
        Some(other) => {
            return Err(AppError::bad(
                "invalid_query",
                format!("format `{other}`: csv or geojson"),
                Some("format".into()),
            ))
        }
    };
    let text = String::from_utf8(body.to_vec())
        .map_err(|_| AppError::bad("invalid_file", "the file is not UTF-8 text", None))?;
    Ok(Json(blocking(move || crate::import_objects(&*s.store, campaign, &text, geojson, q.skip_invalid)).await?))
}
