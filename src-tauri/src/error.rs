//! The one error type that crosses IPC: the same `{code, message, field}`
//! shape as the server's HTTP errors (`ErrorDetail`), so the UI handles
//! both alike.

use qadam_core::change::ErrorDetail;
use qadam_core::{ErrorCode, StoreError};
use serde::Serialize;

#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct CommandError(pub ErrorDetail);

impl CommandError {
    pub fn new(code: ErrorCode, message: impl Into<String>, field: Option<&str>) -> Self {
        CommandError(ErrorDetail { code, message: message.into(), field: field.map(String::from) })
    }
}

impl From<StoreError> for CommandError {
    fn from(e: StoreError) -> Self {
        CommandError(qadam_client::store_detail(&e))
    }
}

impl From<qadam_client::ClientError> for CommandError {
    fn from(e: qadam_client::ClientError) -> Self {
        CommandError(e.detail())
    }
}

pub type CmdResult<T> = Result<T, CommandError>;
