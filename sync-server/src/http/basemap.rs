//! The basemap: its configuration, and the archive served by byte ranges.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use tower::ServiceExt;
use tower_http::services::ServeFile;

use crate::basemap::BasemapConfig;
use crate::error::AppError;
use crate::state::AppState;

/// The archive's media type; the compression layer leaves it be (a byte
/// range of a compressed answer would be no range of the file).
pub const PMTILES_TYPE: &str = "application/vnd.pmtiles";

pub async fn config(State(s): State<Arc<AppState>>) -> Json<BasemapConfig> {
    Json(s.basemap.config())
}

/// The archive, whole or by `Range` (206), with `Last-Modified` and
/// `If-Modified-Since`; cached by browsers for an hour.
pub async fn archive(State(s): State<Arc<AppState>>, req: Request) -> Response {
    let Some(path) = s.basemap.archive.clone() else {
        return AppError::NotFound("a basemap (the server was started without --basemap)".into()).into_response();
    };
    let mut res = match ServeFile::new(path).oneshot(req).await {
        Ok(res) => res.into_response(),
        Err(never) => match never {},
    };
    if res.status().is_success() {
        let h = res.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(PMTILES_TYPE));
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    }
    res
}
