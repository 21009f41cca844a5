//! `/objects`, `/duplicates`, `/map`, `/analytics` and `/exports/{file}`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use qadam_core::analytics::{Analytics, MapPoint};
use qadam_core::records::ObjectSummary;
use uuid::Uuid;

use super::extract::{Caller, Param, Query};
use crate::error::AppError;
use crate::service::findings::{self, DashboardObject, DuplicateView, ExportFile, Selection};
use crate::state::AppState;

pub async fn objects(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Query(q): Query<Selection>,
) -> Result<Json<Vec<ObjectSummary>>, AppError> {
    Ok(Json(findings::objects(&s, p, q).await?))
}

pub async fn duplicates(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Query(q): Query<Selection>,
) -> Result<Json<Vec<DuplicateView>>, AppError> {
    Ok(Json(findings::duplicates(&s, p, q).await?))
}

pub async fn merge(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    super::extract::Json(req): super::extract::Json<findings::MergeRequest>,
) -> Result<Json<findings::MergeReport>, AppError> {
    Ok(Json(findings::merge(&s, p, req).await?))
}

pub async fn object(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Param(id): Param<Uuid>,
) -> Result<Json<DashboardObject>, AppError> {
    Ok(Json(findings::object(&s, p, id).await?))
}

pub async fn map(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Query(q): Query<Selection>,
) -> Result<Json<Vec<MapPoint>>, AppError> {
    Ok(Json(findings::map(&s, p, q).await?))
}

pub async fn analytics(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Query(q): Query<Selection>,
) -> Result<Json<Analytics>, AppError> {
    Ok(Json(findings::analytics(&s, p, q).await?))
}

/// An export file, as an attachment named `qadam-{file}`.
pub async fn export(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Param(file): Param<String>,
    Query(q): Query<Selection>,
) -> Result<Response, AppError> {
    let file = ExportFile::parse(&file)?;
    let body = findings::export(&s, p, file, q).await?;
    let disposition = format!("attachment; filename=\"qadam-{}\"", file.name());
    Ok(([(header::CONTENT_TYPE, file.media_type().to_string()), (header::CONTENT_DISPOSITION, disposition)], body)
        .into_response())
}
