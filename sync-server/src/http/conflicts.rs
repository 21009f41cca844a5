//! `/conflicts`: listing and resolving.

use std::sync::Arc;

use axum::extract::State;
use qadam_core::change::Change;

use super::extract::{Caller, Json, Param};
use crate::error::AppError;
use crate::service::conflicts::{self, ConflictView, Resolution};
use crate::state::AppState;

pub async fn list(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
) -> Result<axum::Json<Vec<ConflictView>>, AppError> {
    Ok(axum::Json(conflicts::list(&s, p).await?))
}

pub async fn resolve(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Param(id): Param<i64>,
    Json(r): Json<Resolution>,
) -> Result<axum::Json<Change>, AppError> {
    Ok(axum::Json(conflicts::resolve(&s, p, id, r).await?))
}
