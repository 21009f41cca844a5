//! `/api/v1/catalogue`: read by anyone with an ETag of its version (a
//! device's copy is current: 304), added to by administrators.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use qadam_core::catalogue::{Addition, Catalogue};

use super::extract::{Caller, Json as Body};
use crate::error::AppError;
use crate::service::catalogue;
use crate::state::AppState;

pub async fn get(State(s): State<Arc<AppState>>, headers: HeaderMap) -> Result<Response, AppError> {
    let version = catalogue::version(&s).await?;
    let tag = HeaderValue::from_str(&format!("\"{version}\"")).map_err(|e| AppError::Internal(e.to_string()))?;
    let common = [
        (header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*")),
        (header::CACHE_CONTROL, HeaderValue::from_static("public, no-cache")),
        (header::ETAG, tag.clone()),
    ];
    if super::public::fresh(&headers, &tag) {
        return Ok((StatusCode::NOT_MODIFIED, common).into_response());
    }
    Ok((common, Json(catalogue::get(&s).await?)).into_response())
}

pub async fn add(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Body(a): Body<Addition>,
) -> Result<(StatusCode, Json<Catalogue>), AppError> {
    Ok((StatusCode::CREATED, Json(catalogue::add(&s, p, a).await?)))
}
