//! The one place where errors become HTTP answers:
//! `{"error": {"code", "message", "field"}}` with a fitting status.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use qadam_core::change::{ErrorBody, ErrorDetail};
use qadam_core::{ErrorCode, PhotoError};

use crate::error::AppError;

/// The status, code and field an error answers with.
fn parts(e: &AppError) -> (StatusCode, ErrorCode, Option<String>) {
    match e {
        AppError::BadRequest { code, field, .. } => (StatusCode::BAD_REQUEST, *code, field.clone()),
        AppError::Unauthorized(e) => (StatusCode::UNAUTHORIZED, e.code(), None),
        AppError::Forbidden { field, .. } => (StatusCode::FORBIDDEN, ErrorCode::Forbidden, field.clone()),
        AppError::NotFound(_) => (StatusCode::NOT_FOUND, ErrorCode::NotFound, None),
        AppError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::PayloadTooLarge, None),
        AppError::WrongState(_) => (StatusCode::CONFLICT, ErrorCode::WrongState, None),
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
        AppError::OpIdReused { field, .. } => (StatusCode::CONFLICT, ErrorCode::OpIdReused, Some(field.clone())),
        AppError::TooManyRequests { .. } => (StatusCode::TOO_MANY_REQUESTS, ErrorCode::TooManyRequests, None),
        AppError::Busy(_) => (StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Busy, None),
        AppError::QuotaExceeded(_) => (StatusCode::INSUFFICIENT_STORAGE, ErrorCode::QuotaExceeded, None),
        AppError::Store(_) | AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal, None),
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code, field) = parts(&self);
        if status.is_server_error() {
            tracing::error!("{self}");
        }
        let body = ErrorBody { error: ErrorDetail { code, message: self.to_string(), field } };
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
