//! `/sync/push` and `/sync/pull`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use qadam_core::change::{PushRequest, PushResponse};
use serde::Deserialize;

use super::encoding::Coding;
use super::extract::{parse_json, Body, Caller, Query};
use crate::error::AppError;
use crate::service;
use crate::state::AppState;

/// Largest push body, bytes.
pub const MAX_PUSH_BYTES: usize = 8 * 1024 * 1024;

/// Decodes a push body: JSON of the right shape (unknown keys refused,
/// naming their path) and at most [`service::sync::MAX_PUSH_CHANGES`]
/// changes. Each change's field and value are checked once, by the store,
/// which also knows an element's kind and the campaign. Never panics,
/// whatever the bytes (`fuzz/` holds its fuzz target).
pub fn decode_push(body: &[u8]) -> Result<PushRequest, AppError> {
    let req: PushRequest = parse_json(body)?;
    service::sync::check_size(&req)?;
    Ok(req)
}

pub async fn push(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Body(body): Body,
) -> Result<axum::Json<PushResponse>, AppError> {
    Ok(axum::Json(service::sync::push(&s, p, decode_push(&body)?).await?))
}

#[derive(Deserialize)]
pub struct PullQuery {
    #[serde(default)]
    since: i64,
    #[serde(default = "default_limit")]
    limit: u32,
}

fn default_limit() -> u32 {
    1000
}

/// A `PullResponse`, written by the store (checked against the typed page
/// in the API tests), and compressed whole in the same turn.
pub async fn pull(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    headers: HeaderMap,
    Query(q): Query<PullQuery>,
) -> Result<Response, AppError> {
    let coding = Coding::negotiate(&headers);
    let (body, coding) = service::sync::pull(&s, p, q.since, q.limit, move |page| {
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
