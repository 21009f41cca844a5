//! Errors of the core library. Each names the field it is about when there is
//! one, so the server and the app can point the user at it.

use thiserror::Error;

/// A record or change that the model refuses.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum ModelError {
    #[error("unknown field `{field}` on {entity}")]
    UnknownField { entity: String, field: String },
    #[error("invalid value for `{field}`: {message}")]
    Invalid { field: String, message: String },
}

impl ModelError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        ModelError::Invalid { field: field.to_string(), message: message.into() }
    }

    pub fn field(&self) -> Option<&str> {
        match self {
            ModelError::UnknownField { field, .. } | ModelError::Invalid { field, .. } => Some(field),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ModelError::UnknownField { .. } => "unknown_field",
            ModelError::Invalid { .. } => "invalid_value",
        }
    }
}

/// Failures of the local store.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The caller may not touch what `field` names.
    #[error("{field}: {message}")]
    Forbidden { field: String, message: String },
    /// An error of a database other than SQLite (the server's PostgreSQL).
    #[error("database error: {0}")]
    Database(String),
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error("{entity} {id} was not found")]
    NotFound { entity: &'static str, id: String },
    /// The record is not in a state that allows the operation.
    #[error("{0}")]
    WrongState(String),
    /// A change arrived with the op id of a stored change but other content.
    #[error("{field}: op id {op_id} is already stored with other content; an op id names one change forever")]
    OpIdReused { field: String, op_id: String },
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
    #[error("photo: {0}")]
    Photo(#[from] PhotoError),
    #[error("file system: {0}")]
    Io(#[from] std::io::Error),
    #[error("rule set: {0}")]
    Rules(#[from] RuleSetError),
}

/// Why a rule set file was refused.
#[derive(Debug, Error, PartialEq)]
pub enum RuleSetError {
    #[error("{file}:{line}:{column}: {message}")]
    Parse { file: String, line: usize, column: usize, message: String },
    #[error("{file}: rule `{rule}`, field `{field}`: {message}")]
    Invalid { file: String, rule: String, field: String, message: String },
    #[error("no rule set `{0}`")]
    Unknown(String),
}

/// Why a photo was refused.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum PhotoError {
    #[error("the photo is {size_bytes} bytes; the limit is {limit_bytes} bytes")]
    TooLarge { size_bytes: u64, limit_bytes: u64 },
    #[error("the file is empty")]
    Empty,
    #[error("the file is not a JPEG, PNG or WebP image")]
    NotAnImage,
    #[error("the image is {width_px}×{height_px} pixels; at most {limit_pixels} pixels are taken (a phone's photo has fewer)")]
    TooManyPixels { width_px: u32, height_px: u32, limit_pixels: u64 },
    #[error("the file was sent as {declared} but its bytes are {actual}")]
    WrongType { declared: String, actual: String },
    #[error("the image could not be decoded: {0}")]
    Undecodable(String),
    #[error("the content's SHA-256 is {actual}, not {expected}")]
    HashMismatch { expected: String, actual: String },
    #[error("`{0}` is not a SHA-256 in lower-case hex")]
    BadHash(String),
    #[error("the upload continues at byte {expected}, not {got}")]
    OffsetMismatch { expected: u64, got: u64 },
    #[error("the chunk ends at byte {end}, past the announced length {total}")]
    PastLength { end: u64, total: u64 },
}

impl PhotoError {
    pub fn code(&self) -> &'static str {
        match self {
            PhotoError::TooLarge { .. } => "photo_too_large",
            PhotoError::Empty => "photo_empty",
            PhotoError::NotAnImage => "not_an_image",
            PhotoError::TooManyPixels { .. } => "photo_too_many_pixels",
            PhotoError::WrongType { .. } => "photo_wrong_type",
            PhotoError::Undecodable(_) => "image_undecodable",
            PhotoError::HashMismatch { .. } => "hash_mismatch",
            PhotoError::BadHash(_) => "bad_hash",
            PhotoError::OffsetMismatch { .. } => "offset_mismatch",
            PhotoError::PastLength { .. } => "past_length",
        }
    }
}
