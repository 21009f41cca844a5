//! `/api/v1/norms`: the server's checklists and rule sets with an ETag of
//! their version (a device's copy is current: 304); `/api/v1/rule-sets`
//! takes an administrator's added rule set.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use qadam_core::rules::{RuleSet, RuleSetInfo};

use super::extract::{Caller, Json as Body};
use crate::error::AppError;
use crate::service::norms;
use crate::state::AppState;

pub async fn get(State(s): State<Arc<AppState>>, Caller(_): Caller, headers: HeaderMap) -> Result<Response, AppError> {
    let current = norms::get(&s).await?;
    let tag =
        HeaderValue::from_str(&format!("\"{}\"", current.version())).map_err(|e| AppError::Internal(e.to_string()))?;
    let common = [(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache")), (header::ETAG, tag.clone())];
    if super::public::fresh(&headers, &tag) {
        return Ok((StatusCode::NOT_MODIFIED, common).into_response());
    }
    Ok((common, Json(current.bundle())).into_response())
}

pub async fn add_checklist(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Body(c): Body<qadam_core::checklist::Checklist>,
) -> Result<(StatusCode, Json<Vec<qadam_core::checklist::Checklist>>), AppError> {
    Ok((StatusCode::CREATED, Json(norms::add_checklist(&s, p, c).await?)))
}

pub async fn add_rule_set(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Body(set): Body<RuleSet>,
) -> Result<(StatusCode, Json<Vec<RuleSetInfo>>), AppError> {
    Ok((StatusCode::CREATED, Json(norms::add_rule_set(&s, p, set).await?)))
}
