//! The server's one error: what a service refuses or fails at, with the
//! code and field the caller reads. `http::error` maps it, once, to a
//! status and `{"error": {"code", "message", "field"}}`.

use qadam_core::{ErrorCode, ModelError, PhotoError, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{message}")]
    BadRequest { code: ErrorCode, message: String, field: Option<String> },
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
    pub fn bad(code: ErrorCode, message: impl Into<String>, field: Option<String>) -> Self {
        AppError::BadRequest { code, message: message.into(), field }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        AppError::Forbidden { message: message.into(), field: None }
    }
}
