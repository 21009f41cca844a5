//! `/reviews` (the queue) and an audit's `/history` and `/review`.

use qadam_core::ErrorCode;
use std::sync::Arc;

use axum::extract::State;
use qadam_core::model::{AuditStatus, District};
use qadam_core::queue::{QueueFilter, QueueItem};
use qadam_core::review::{AuditEvent, Review, ReviewRequest};
use serde::Deserialize;
use uuid::Uuid;

use super::extract::{Caller, Json, Param, Query};
use crate::error::AppError;
use crate::service::review;
use crate::state::AppState;

/// `?campaign=&district=&auditor=&status=submitted,in_review`
#[derive(Deserialize)]
pub struct QueueQuery {
    campaign: Option<Uuid>,
    district: Option<District>,
    auditor: Option<String>,
    status: Option<String>,
}

/// The statuses of a comma-separated list.
fn statuses(list: &str) -> Result<Vec<AuditStatus>, AppError> {
    list.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| {
            serde_json::from_value(serde_json::Value::String(s.to_string())).map_err(|_| {
                AppError::bad(
                    ErrorCode::InvalidQuery,
                    format!(
                        "`{s}` is not an audit status (draft, submitted, in_review, approved, changes_requested, rejected)"
                    ),
                    Some("status".into()),
                )
            })
        })
        .collect()
}

pub async fn queue(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Query(q): Query<QueueQuery>,
) -> Result<axum::Json<Vec<QueueItem>>, AppError> {
    let status = statuses(q.status.as_deref().unwrap_or(""))?;
    let filter = QueueFilter { campaign: q.campaign, district: q.district, auditor: q.auditor, status };
    Ok(axum::Json(review::queue(&s, p, filter).await?))
}

pub async fn history(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Param(audit): Param<Uuid>,
) -> Result<axum::Json<Vec<AuditEvent>>, AppError> {
    Ok(axum::Json(review::history(&s, p, audit).await?))
}

pub async fn decide(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Param(audit): Param<Uuid>,
    Json(req): Json<ReviewRequest>,
) -> Result<axum::Json<Review>, AppError> {
    Ok(axum::Json(review::decide(&s, p, audit, req).await?))
}
