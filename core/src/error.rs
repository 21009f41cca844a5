//! Errors of the core library. Each names the field it is about when there is
//! one, so the server and the app can point the user at it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use thiserror::Error;
use ts_rs::TS;

/// Every stable, machine-readable error code the server and the app
/// answer with (`ErrorDetail::code`): what the UI keys its translated
/// sentences on. A code this build does not know (a newer server's) reads
/// as `unknown`, and the UI shows the message that came with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    // A request the server cannot read.
    /// The body is not JSON.
    MalformedJson,
    /// The body is JSON of the wrong shape.
    InvalidBody,
    /// A query parameter of the wrong type or value.
    InvalidQuery,
    /// A path parameter (an id) that is not one.
    InvalidId,
    /// A path the route does not take.
    InvalidPath,
    /// A header the operation needs is missing or wrong.
    BadHeader,
    /// A conflict's resolution that keeps neither write nor gives a value.
    InvalidResolution,
    /// An import file that is not UTF-8 text or not a list of objects.
    InvalidFile,
    /// A command's arguments the app's window sent wrong.
    BadRequest,
    // The model.
    UnknownField,
    InvalidValue,
    // Photos.
    PhotoTooLarge,
    PhotoEmpty,
    NotAnImage,
    PhotoTooManyPixels,
    PhotoWrongType,
    ImageUndecodable,
    HashMismatch,
    BadHash,
    OffsetMismatch,
    PastLength,
    /// The photo was taken on another device; only its thumbnail syncs.
    PhotoNotOnDevice,
    // Who is calling.
    Unauthorized,
    InvalidToken,
    DeviceRevoked,
    AccountDisabled,
    BadPassword,
    BadEnrollmentCode,
    Forbidden,
    // The server's state and limits.
    NotFound,
    PayloadTooLarge,
    WrongState,
    OpIdReused,
    TooManyRequests,
    Busy,
    QuotaExceeded,
    Internal,
    // The app's side of sync.
    NoServer,
    NoCode,
    BadLink,
    Offline,
    Network,
    /// The server answered with an error the app could not read.
    Server,
    UploadStuck,
    /// The server keeps no basemap for devices to download.
    NoBasemap,
    /// The device's own store failed.
    Store,
    /// The app's window could not reach its command (the app is closing,
    /// or a bug).
    Ipc,
    /// A code this build does not know.
    #[serde(other)]
    Unknown,
}

impl std::fmt::Display for ErrorCode {
    /// The code as it is written on the wire.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::String(code)) => f.write_str(&code),
            _ => f.write_str("unknown"),
        }
    }
}

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

    pub fn code(&self) -> ErrorCode {
        match self {
            ModelError::UnknownField { .. } => ErrorCode::UnknownField,
            ModelError::Invalid { .. } => ErrorCode::InvalidValue,
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
    #[error("norms: {0}")]
    Norms(#[from] NormsError),
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

/// Why a checklist file was refused.
#[derive(Debug, Error, PartialEq)]
pub enum ChecklistError {
    #[error("{file}:{line}:{column}: {message}")]
    Parse { file: String, line: usize, column: usize, message: String },
    #[error("{file}: field `{field}`: {message}")]
    Invalid { file: String, field: String, message: String },
    #[error("{file}: {message}")]
    Io { file: String, message: String },
}

/// Why norms were refused.
#[derive(Debug, Error, PartialEq)]
pub enum NormsError {
    #[error(transparent)]
    Checklist(#[from] ChecklistError),
    #[error(transparent)]
    RuleSet(#[from] RuleSetError),
    #[error("the norms' version is {actual}, not the {stated} they state")]
    Version { stated: String, actual: String },
    #[error("the norms name the rule set `{0}` twice")]
    Duplicate(String),
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
    pub fn code(&self) -> ErrorCode {
        match self {
            PhotoError::TooLarge { .. } => ErrorCode::PhotoTooLarge,
            PhotoError::Empty => ErrorCode::PhotoEmpty,
            PhotoError::NotAnImage => ErrorCode::NotAnImage,
            PhotoError::TooManyPixels { .. } => ErrorCode::PhotoTooManyPixels,
            PhotoError::WrongType { .. } => ErrorCode::PhotoWrongType,
            PhotoError::Undecodable(_) => ErrorCode::ImageUndecodable,
            PhotoError::HashMismatch { .. } => ErrorCode::HashMismatch,
            PhotoError::BadHash(_) => ErrorCode::BadHash,
            PhotoError::OffsetMismatch { .. } => ErrorCode::OffsetMismatch,
            PhotoError::PastLength { .. } => ErrorCode::PastLength,
        }
    }
}
