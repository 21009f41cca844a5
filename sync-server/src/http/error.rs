//! The one place where errors become HTTP answers:
//! `{"error": {"code", "message", "field"}}` with a fitting status.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use qadam_core::change::{ErrorBody, ErrorDetail};
use qadam_core::{ModelError, PhotoError, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{message}")]
    BadRequest { code: &'static str, message: String, field: Option<String> },
    #[error(transparent)]
    Unauthorized(#[from] crate::store::accounts::AuthError),
    #[error("{message}")]
    Forbidden { message: String, field: Option<String> },
    #[error("{0} was not found")]
    NotFound(String),
    #[error("{0}")]
    TooLarge(String),
    /// The record is not in a state that allows this.
    #[error("{0}")]
    WrongState(String),
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Photo(#[from] PhotoError),
    #[error(transparent)]
    Store(StoreError),
    /// Too many attempts from this address or at this account: try again
    /// after `retry_after_s` seconds.
    #[error("{message}")]
    TooManyRequests { message: String, retry_after_s: u64 },
    /// The server is at a limit it sets itself (a worker pool's queue, the
    /// number of connections): try again shortly.
    #[error("{0}")]
    Busy(String),
    /// The caller's storage quota would be exceeded.
    #[error("{0}")]
    QuotaExceeded(String),
    /// The same op id with different content.
    #[error("{message}")]
    OpIdReused { message: String, field: String },
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Model(m) => AppError::Model(m),
            StoreError::Photo(p) => AppError::Photo(p),
            StoreError::NotFound { entity, id } => AppError::NotFound(format!("{entity} {id}")),
            StoreError::WrongState(m) => AppError::WrongState(m),
            e @ StoreError::OpIdReused { .. } => {
                let StoreError::OpIdReused { field, .. } = &e else { unreachable!() };
                AppError::OpIdReused { field: field.clone(), message: e.to_string() }
            }
            StoreError::Forbidden { field, message } => {
                AppError::Forbidden { message: format!("{field}: {message}"), field: Some(field) }
            }
            other => AppError::Store(other),
        }
    }
}

impl AppError {
    pub fn bad(code: &'static str, message: impl Into<String>, field: Option<String>) -> Self {
        AppError::BadRequest { code, message: message.into(), field }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        AppError::Forbidden { message: message.into(), field: None }
    }

    fn parts(&self) -> (StatusCode, &'static str, Option<String>) {
        match self {
            AppError::BadRequest { code, field, .. } => (StatusCode::BAD_REQUEST, code, field.clone()),
            AppError::Unauthorized(e) => (StatusCode::UNAUTHORIZED, e.code(), None),
            AppError::Forbidden { field, .. } => (StatusCode::FORBIDDEN, "forbidden", field.clone()),
            AppError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found", None),
            AppError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", None),
            AppError::WrongState(_) => (StatusCode::CONFLICT, "wrong_state", None),
            AppError::Model(m) => (StatusCode::UNPROCESSABLE_ENTITY, m.code(), m.field().map(String::from)),
            AppError::Photo(p) => {
                let status = match p {
                    PhotoError::TooLarge { .. } | PhotoError::TooManyPixels { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                    PhotoError::WrongType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    PhotoError::NotAnImage => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    PhotoError::OffsetMismatch { .. } => StatusCode::CONFLICT,
                    _ => StatusCode::UNPROCESSABLE_ENTITY,
                };
                (status, p.code(), None)
            }
            AppError::OpIdReused { field, .. } => (StatusCode::CONFLICT, "op_id_reused", Some(field.clone())),
            AppError::TooManyRequests { .. } => (StatusCode::TOO_MANY_REQUESTS, "too_many_requests", None),
            AppError::Busy(_) => (StatusCode::SERVICE_UNAVAILABLE, "busy", None),
            AppError::QuotaExceeded(_) => (StatusCode::INSUFFICIENT_STORAGE, "quota_exceeded", None),
            AppError::Store(_) | AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal", None),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code, field) = self.parts();
        if status.is_server_error() {
            tracing::error!("{self}");
        }
        let body = ErrorBody { error: ErrorDetail { code: code.to_string(), message: self.to_string(), field } };
        let mut res = (status, Json(body)).into_response();
        if let AppError::Photo(PhotoError::OffsetMismatch { expected, .. }) = &self {
            res.headers_mut().insert("upload-offset", (*expected).into());
        }
        match &self {
            AppError::TooManyRequests { retry_after_s, .. } => {
                res.headers_mut().insert("retry-after", (*retry_after_s).into());
            }
            AppError::Busy(_) => {
                res.headers_mut().insert("retry-after", 1u64.into());
            }
            _ => {}
        }
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert("www-authenticate", "Bearer".parse().expect("static header"));
        }
        res
    }
}
