//! `/photos/{sha256}`: whole and resumable uploads, the original and its
//! thumbnail.

use qadam_core::ErrorCode;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::extract::{Body, Caller, Param};
use crate::error::AppError;
use crate::service::photos::{self, Chunk};
use crate::state::AppState;

/// The type an upload declares in `Content-Type`, unless it says nothing
/// about the bytes (absent, `application/octet-stream`, or the form type
/// HTTP tools send by default).
fn declared_type(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let mime = v.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    let silent = ["", "application/octet-stream", "application/x-www-form-urlencoded"];
    (!silent.contains(&mime.as_str())).then_some(mime)
}

fn header_u64(headers: &HeaderMap, name: &'static str) -> Result<u64, AppError> {
    headers.get(name).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok()).ok_or_else(|| {
        AppError::bad(ErrorCode::BadHeader, format!("`{name}` must be a byte count"), Some(name.to_string()))
    })
}

/// A whole photo: 201 when new, 200 when the server had it.
pub async fn put(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Param(sha256): Param<String>,
    headers: HeaderMap,
    Body(body): Body,
) -> Result<Response, AppError> {
    let res = photos::put(&s, &p, sha256, body, declared_type(&headers)).await?;
    let status = if res.created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(res)).into_response())
}

/// One chunk of a resumable upload: `Upload-Offset` (where it starts) and
/// `Upload-Length` (the whole photo's size). Answers 204 with the new
/// `Upload-Offset` while incomplete, 201 when the photo is whole and stored,
/// 409 with the server's `Upload-Offset` when the chunk does not start there.
pub async fn patch(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Param(sha256): Param<String>,
    headers: HeaderMap,
    Body(body): Body,
) -> Result<Response, AppError> {
    let offset = header_u64(&headers, "upload-offset")?;
    let total = header_u64(&headers, "upload-length")?;
    Ok(match photos::append(&s, &p, sha256, offset, total, body, declared_type(&headers)).await? {
        Chunk::Stored(res) => (StatusCode::OK, Json(res)).into_response(),
        Chunk::Partial { offset } => (StatusCode::NO_CONTENT, [("upload-offset", offset.to_string())]).into_response(),
        Chunk::Complete(res) => (StatusCode::CREATED, Json(res)).into_response(),
    })
}

/// Whether the photo is stored; if not, how much of an upload the server has.
pub async fn head(State(s): State<Arc<AppState>>, Param(sha256): Param<String>) -> Result<Response, AppError> {
    Ok(match photos::status(&s, sha256).await? {
        Ok(mime) => ([(header::CONTENT_TYPE, mime)], ()).into_response(),
        Err(offset) => (StatusCode::NOT_FOUND, [("upload-offset", offset.to_string())], ()).into_response(),
    })
}

pub async fn get(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Param(sha256): Param<String>,
) -> Result<Response, AppError> {
    let (mime, bytes) = photos::original(&s, p, sha256.clone()).await?;
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

pub async fn thumb(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Param(sha256): Param<String>,
) -> Result<Response, AppError> {
    let bytes = photos::thumbnail(&s, p, sha256).await?;
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
