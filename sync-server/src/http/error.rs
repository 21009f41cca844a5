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
                    PhotoError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                    PhotoError::NotAnImage => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    PhotoError::OffsetMismatch { .. } => StatusCode::CONFLICT,
                    _ => StatusCode::UNPROCESSABLE_ENTITY,
                };
                (status, p.code(), None)
            }
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
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert("www-authenticate", "Bearer".parse().expect("static header"));
        }
        res
    }
}
