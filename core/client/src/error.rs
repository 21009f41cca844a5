//! What can go wrong in a sync or an enrollment, each mapped once to the
//! `{code, message, field}` shape the server and the app share.

use qadam_core::change::ErrorDetail;
use qadam_core::{ErrorCode, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Settings hold no server address.
    #[error("set the sync server's address in Settings first")]
    NoServer,
    /// A bare enrollment code, and no server to send it to.
    #[error("set the sync server's address first, or paste the whole enrollment link")]
    NoServerForCode,
    #[error("type the enrollment code your coordinator gave you")]
    NoCode,
    #[error("the enrollment link lacks the server or the code")]
    BadLink,
    /// The server could not be reached, or did not answer in time.
    #[error("the sync server cannot be reached; your work is kept on this device")]
    Offline(#[source] reqwest::Error),
    /// The connection broke in another way (cut answer, bad body).
    #[error("network: {0}")]
    Network(#[source] reqwest::Error),
    /// The server refused, saying why.
    #[error("{}", .detail.message)]
    Refused { status: u16, detail: ErrorDetail },
    /// The server refused without a readable reason.
    #[error("the server answered {0}")]
    Status(u16),
    #[error("the server keeps refusing this photo's chunks; try again later")]
    UploadStuck,
    /// A download ended before all its bytes came.
    #[error("the download stopped after {0} of {1} bytes; try again")]
    Incomplete(u64, u64),
    #[error("the server has no basemap to keep on this device; maps draw without one")]
    NoBasemap,
    /// The basemap is larger than a device keeps.
    #[error("the server's basemap is {0} MB, more than the {1} MB a device keeps")]
    BasemapTooLarge(u64, u64),
    /// Writing the basemap on the device failed (full disk, no permission).
    #[error("the basemap could not be saved on this device: {0}")]
    Disk(#[source] std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<reqwest::Error> for ClientError {
    fn from(e: reqwest::Error) -> Self {
        if e.is_connect() || e.is_timeout() {
            ClientError::Offline(e)
        } else {
            ClientError::Network(e)
        }
    }
}

impl ClientError {
    /// The error as the UI shows it.
    pub fn detail(&self) -> ErrorDetail {
        let (code, field) = match self {
            ClientError::NoServer | ClientError::NoServerForCode => (ErrorCode::NoServer, Some("server_url")),
            ClientError::NoCode => (ErrorCode::NoCode, Some("code")),
            ClientError::BadLink => (ErrorCode::BadLink, Some("code")),
            ClientError::Offline(_) => (ErrorCode::Offline, None),
            ClientError::Network(_) => (ErrorCode::Network, None),
            ClientError::Refused { detail, .. } => return detail.clone(),
            ClientError::Status(_) => (ErrorCode::Server, None),
            ClientError::UploadStuck => (ErrorCode::UploadStuck, None),
            ClientError::NoBasemap => (ErrorCode::NoBasemap, None),
            ClientError::Incomplete(..) => (ErrorCode::Network, None),
            ClientError::BasemapTooLarge(..) => (ErrorCode::PayloadTooLarge, None),
            ClientError::Disk(_) => (ErrorCode::Store, None),
            ClientError::Store(e) => return store_detail(e),
        };
        ErrorDetail { code, message: self.to_string(), field: field.map(String::from) }
    }
}

/// A store error as the UI shows it: the model's and the photo pipeline's
/// own codes and fields, else `not_found` or `store`.
pub fn store_detail(e: &StoreError) -> ErrorDetail {
    let (code, field) = match e {
        StoreError::Model(m) => (m.code(), m.field()),
        StoreError::Photo(p) => (p.code(), None),
        StoreError::NotFound { .. } => (ErrorCode::NotFound, None),
        _ => (ErrorCode::Store, None),
    };
    let message = match e {
        StoreError::Model(m) => m.to_string(),
        StoreError::Photo(p) => p.to_string(),
        _ => e.to_string(),
    };
    ErrorDetail { code, message, field: field.map(String::from) }
}
