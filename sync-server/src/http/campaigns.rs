//! `/campaigns`, `/checklists` and a campaign's import.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use qadam_core::import::ImportReport;
use qadam_core::model::Campaign;
use serde::Deserialize;
use uuid::Uuid;

use super::extract::{Body, Caller, Param, Query};
use crate::error::AppError;
use crate::service::{self, import::Format};
use crate::state::AppState;

/// The campaigns the caller may read.
pub async fn list(State(s): State<Arc<AppState>>, Caller(p): Caller) -> Result<Json<Vec<Campaign>>, AppError> {
    let all = service::blocking(move || Ok(s.store.campaigns()?)).await?;
    Ok(Json(all.into_iter().filter(|c| p.can_read(c.id)).collect()))
}

/// The checklists of every element kind, as the server validates with.
pub async fn checklists(State(s): State<Arc<AppState>>) -> Json<Vec<qadam_core::checklist::Checklist>> {
    Json(s.store.checklists().all().into_iter().cloned().collect())
}

#[derive(Deserialize)]
pub struct ImportQuery {
    #[serde(default)]
    format: Format,
    #[serde(default)]
    skip_invalid: bool,
}

/// Imports a list of objects to audit into a campaign the caller
/// coordinates; answers the report.
pub async fn import(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Param(campaign): Param<Uuid>,
    Query(q): Query<ImportQuery>,
    Body(body): Body,
) -> Result<Json<ImportReport>, AppError> {
    Ok(Json(service::import::import(&s, &p, campaign, body, q.format, q.skip_invalid).await?))
}
