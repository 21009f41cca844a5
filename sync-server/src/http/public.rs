//! The public doors: `/api/v1/public/…`, read without signing in (and a
//! resident's report). Every answer says its licence (`Link: <…>;
//! rel="license"`), may be read from any site (`Access-Control-Allow-Origin:
//! *`, no credentials), and carries an ETag from the store's cursor: a
//! client that sends it back (`If-None-Match`) gets 304 and no body until
//! the data changes. Also the coordinators' side: the reports of their
//! campaigns, and which photos are public.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use qadam_core::public::{PublicMap, PublicPlace, SearchHit};
use uuid::Uuid;

use super::accounts::{peer_ip, Peer};
use super::extract::{Caller, Json, Param, Params, Query};
use crate::error::AppError;
use crate::service::findings::ExportFile;
use crate::service::public::{self, PhotoVisibility, PublicQuery, ReportFilter, ReportReceipt, ReportRequest};
use crate::state::AppState;
use crate::store::reports::Report;

/// The representation's tag: the store's cursor and the norms' version
/// (the published data change only with them) and the licence.
/// Read off the runtime's threads: a PostgreSQL store blocks.
async fn etag(s: &Arc<AppState>) -> Result<HeaderValue, AppError> {
    let st = s.clone();
    let (cursor, norms) = crate::service::blocking(move || Ok(crate::evaluated::state_key(&*st.store)?)).await?;
    HeaderValue::from_str(&format!("W/\"{cursor}-{norms}-{}\"", s.licence.id.replace('"', "")))
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// Whether the caller's `If-None-Match` holds `tag` (or `*`).
pub(super) fn fresh(headers: &HeaderMap, tag: &HeaderValue) -> bool {
    let tag = tag.to_str().unwrap_or_default();
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_string();
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').any(|t| t.trim() == "*" || bare(t) == bare(tag)))
}

/// The headers every public answer carries.
fn public_headers(s: &AppState, tag: Option<HeaderValue>) -> Vec<(header::HeaderName, HeaderValue)> {
    let mut h = vec![
        (header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*")),
        (header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static("ETag, Link, X-Total-Count")),
        // Revalidated every time: the ETag makes that a 304.
        (header::CACHE_CONTROL, HeaderValue::from_static("public, no-cache")),
    ];
    if let Ok(link) = HeaderValue::from_str(&format!("<{}>; rel=\"license\"", s.licence.url)) {
        h.push((header::LINK, link));
    }
    if let Some(t) = tag {
        h.push((header::ETAG, t));
    }
    h
}

/// A public JSON answer, or 304 when the caller's copy is current.
async fn cached<T: serde::Serialize, F: std::future::Future<Output = Result<T, AppError>>>(
    s: &Arc<AppState>,
    headers: &HeaderMap,
    answer: impl FnOnce() -> F,
) -> Result<Response, AppError> {
    let tag = etag(s).await?;
    let mut h = axum::http::HeaderMap::new();
    for (k, v) in public_headers(s, Some(tag.clone())) {
        h.append(k, v);
    }
    if fresh(headers, &tag) {
        return Ok((StatusCode::NOT_MODIFIED, h).into_response());
    }
    Ok((h, axum::Json(answer().await?)).into_response())
}

pub async fn map(
    State(s): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(q): Query<PublicQuery>,
) -> Result<Response, AppError> {
    let zoom = q.zoom.unwrap_or(12);
    cached(&s, &headers, || async { public::map(&s, q.filter(), zoom).await as Result<PublicMap, _> }).await
}

pub async fn search(
    State(s): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(q): Query<PublicQuery>,
) -> Result<Response, AppError> {
    let text = q.q.clone().unwrap_or_default();
    cached(&s, &headers, || async { public::search(&s, q.filter(), text).await as Result<Vec<SearchHit>, _> }).await
}

pub async fn place(
    State(s): State<Arc<AppState>>,
    headers: HeaderMap,
    Param(id): Param<Uuid>,
) -> Result<Response, AppError> {
    cached(&s, &headers, || async { public::place(&s, id).await as Result<PublicPlace, _> }).await
}

async fn photo_answer(s: Arc<AppState>, sha256: String, thumb: bool) -> Result<Response, AppError> {
    let bytes = public::photo(&s, sha256, thumb).await?;
    let mut h = axum::http::HeaderMap::new();
    for (k, v) in public_headers(&s, None) {
        h.insert(k, v);
    }
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg"));
    // The bytes of a hash never change; whether it is public may, so a
    // day, not a year.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    Ok((h, bytes).into_response())
}

pub async fn photo(State(s): State<Arc<AppState>>, Param(sha256): Param<String>) -> Result<Response, AppError> {
    photo_answer(s, sha256, false).await
}

pub async fn photo_thumb(State(s): State<Arc<AppState>>, Param(sha256): Param<String>) -> Result<Response, AppError> {
    photo_answer(s, sha256, true).await
}

/// A page of an open dataset, with `X-Total-Count` and `Link` to the next
/// and previous pages.
pub async fn dataset(
    State(s): State<Arc<AppState>>,
    headers: HeaderMap,
    Param(file): Param<String>,
    Query(q): Query<PublicQuery>,
    uri: axum::http::Uri,
) -> Result<Response, AppError> {
    let file = ExportFile::parse(&file)?;
    let tag = etag(&s).await?;
    let mut h = axum::http::HeaderMap::new();
    for (k, v) in public_headers(&s, Some(tag.clone())) {
        h.append(k, v);
    }
    if fresh(&headers, &tag) {
        return Ok((StatusCode::NOT_MODIFIED, h).into_response());
    }
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(file.media_type()));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"qadam-{}\"", file.name())) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if q.page.is_none() && q.per_page.is_none() {
        // The whole selection: streamed as it is written.
        let streamed = public::dataset_stream(&s, file, q).await?;
        h.insert("x-total-count", HeaderValue::from(streamed.total as u64));
        return Ok((h, axum::body::Body::new(Pieces(streamed.pieces))).into_response());
    }
    let d = public::dataset(&s, file, q).await?;
    let page_link = |page: u32, rel: &str| {
        let others: Vec<String> = form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
            .filter(|(k, _)| k != "page")
            .map(|(k, v)| format!("{}={}", k, form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()))
            .collect();
        let mut query = others.join("&");
        if !query.is_empty() {
            query.push('&');
        }
        format!("<{}?{query}page={page}>; rel=\"{rel}\"", uri.path())
    };
    let mut links = Vec::new();
    if d.page < d.pages {
        links.push(page_link(d.page + 1, "next"));
    }
    if d.page > 1 {
        links.push(page_link(d.page - 1, "prev"));
    }
    for l in links {
        if let Ok(v) = HeaderValue::from_str(&l) {
            h.append(header::LINK, v);
        }
    }
    h.insert("x-total-count", HeaderValue::from(d.total as u64));
    Ok((h, d.bytes).into_response())
}

/// A response body of the pieces a dataset's writer sends.
struct Pieces(tokio::sync::mpsc::Receiver<Vec<u8>>);

impl http_body::Body for Pieces {
    type Data = bytes::Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<bytes::Bytes>, Self::Error>>> {
        self.0.poll_recv(cx).map(|piece| piece.map(|p| Ok(http_body::Frame::data(bytes::Bytes::from(p)))))
    }
}

pub async fn report(
    State(s): State<Arc<AppState>>,
    peer: Peer,
    Param(id): Param<Uuid>,
    Json(req): Json<ReportRequest>,
) -> Result<(StatusCode, axum::Json<ReportReceipt>), AppError> {
    Ok((StatusCode::CREATED, axum::Json(public::report(&s, id, req, peer_ip(&peer)).await?)))
}

pub async fn reports(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Query(q): Query<ReportFilter>,
) -> Result<axum::Json<Vec<Report>>, AppError> {
    Ok(axum::Json(public::reports(&s, p, q).await?))
}

pub async fn close_report(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Param(id): Param<Uuid>,
) -> Result<axum::Json<Report>, AppError> {
    Ok(axum::Json(public::close_report(&s, p, id).await?))
}

pub async fn set_photo_public(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Params(object, photo): Params<Uuid, Uuid>,
    Json(req): Json<PhotoVisibility>,
) -> Result<axum::Json<qadam_core::model::Photo>, AppError> {
    Ok(axum::Json(public::set_photo_public(&s, p, object, photo, req).await?))
}
