//! `/objects/{id}/adaptations`, `/adaptations/{id}` and
//! `/analytics/adaptations`: the owners' tasks and how far they have got.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use qadam_core::adaptation::{Adaptation, AdaptationSummary, AdaptationUpdate, NewAdaptations};
use serde::Deserialize;
use uuid::Uuid;

use super::extract::{Caller, Json as Body, Param, Query};
use crate::error::AppError;
use crate::service::adaptations;
use crate::state::AppState;

pub async fn list(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Param(id): Param<Uuid>,
) -> Result<Json<Vec<Adaptation>>, AppError> {
    Ok(Json(adaptations::list(&s, p, id).await?))
}

pub async fn create(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Param(id): Param<Uuid>,
    Body(req): Body<NewAdaptations>,
) -> Result<(StatusCode, Json<Vec<Adaptation>>), AppError> {
    Ok((StatusCode::CREATED, Json(adaptations::create(&s, p, id, req).await?)))
}

pub async fn update(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Param(id): Param<Uuid>,
    Body(req): Body<AdaptationUpdate>,
) -> Result<Json<Adaptation>, AppError> {
    Ok(Json(adaptations::update(&s, p, id, req).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SummaryQuery {
    campaign: Option<Uuid>,
}

pub async fn summary(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Query(q): Query<SummaryQuery>,
) -> Result<Json<AdaptationSummary>, AppError> {
    Ok(Json(adaptations::summary(&s, p, q.campaign).await?))
}
