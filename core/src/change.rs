//! Field-level change records and the sync messages that carry them.
//! A change sets one field of one record; sync ships changes, not snapshots.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::checklist::Checklists;
use crate::error::{ErrorCode, ModelError};
use crate::hlc::Hlc;
use crate::model::{ElementKind, EntityKind};
use crate::validate::validate_field;

/// One write of one field: `{op_id, entity, entity_id, field, value, hlc, device_id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// Unique id of this write (UUIDv7); pushing it twice has no effect.
    pub op_id: Uuid,
    pub entity: EntityKind,
    pub entity_id: Uuid,
    /// Field name; element measurements are `measurements.<name>`.
    pub field: String,
    /// The new value (`null` clears the field).
    #[ts(type = "unknown")]
    pub value: serde_json::Value,
    #[ts(type = "string")]
    pub hlc: Hlc,
    pub device_id: String,
    /// The server cursor the writer had pulled up to when it wrote: a write
    /// the server received after that cursor, from another device, was not
    /// seen by this writer, and the two are concurrent (a conflict).
    #[serde(default)]
    #[ts(type = "number")]
    pub seen_cursor: i64,
}

impl Change {
    /// The changes that write a record's `fields` from a tool that is not
    /// a synced device (the server's dashboard, its CLI, an import): one
    /// change per field, stamped in order by `clock`, seen at cursor 0.
    pub fn record<'a>(
        entity: EntityKind,
        entity_id: Uuid,
        fields: impl IntoIterator<Item = (&'a str, serde_json::Value)>,
        clock: &mut crate::HlcClock,
        device_id: &str,
    ) -> Vec<Change> {
        fields
            .into_iter()
            .map(|(field, value)| Change {
                op_id: Uuid::now_v7(),
                entity,
                entity_id,
                field: field.into(),
                value,
                hlc: clock.tick(crate::hlc::now_ms()),
                device_id: device_id.into(),
                seen_cursor: 0,
            })
            .collect()
    }

    /// Validates the change on its own against `lists`. Measurement names
    /// are checked against every element kind, since a change does not
    /// carry its element's kind.
    pub fn validate(&self, lists: &Checklists) -> Result<(), ModelError> {
        self.validate_with_kind(lists, None)
    }

    pub fn validate_with_kind(&self, lists: &Checklists, element_kind: Option<&ElementKind>) -> Result<(), ModelError> {
        if self.device_id.is_empty() || self.device_id.len() > 100 {
            return Err(ModelError::invalid("device_id", "must be 1 to 100 characters"));
        }
        validate_field(lists, self.entity, &self.field, &self.value, element_kind)
    }

    /// The total order of writes to one field: last writer wins by
    /// (HLC, device id).
    pub fn wins_over(&self, hlc: Hlc, device_id: &str) -> bool {
        (self.hlc, self.device_id.as_str()) > (hlc, device_id)
    }
}

/// `POST /api/v1/sync/push` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    pub device_id: String,
    pub changes: Vec<Change>,
}

/// `POST /api/v1/sync/push` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct PushResponse {
    /// Changes stored by this request.
    pub accepted: u32,
    /// Changes the server already had (same `op_id`).
    pub duplicates: u32,
    /// The server's cursor after this push.
    #[ts(type = "number")]
    pub cursor: i64,
}

/// A change as the server stores it, with its position in the server's log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct ServerChange {
    #[ts(type = "number")]
    pub seq: i64,
    pub change: Change,
}

/// `GET /api/v1/sync/pull?since=CURSOR&limit=N` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct PullResponse {
    pub changes: Vec<ServerChange>,
    /// Pass this as `since` to get the next page.
    #[ts(type = "number")]
    pub next_cursor: i64,
    pub has_more: bool,
}

/// The basemap the maps draw (`GET /api/v1/basemap`): the server's archive
/// (read by range, or kept on a device for offline use), an online tile
/// URL, and who to credit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct BasemapConfig {
    /// The archive's path on the server (`/basemap.pmtiles`), read with range requests.
    pub archive: Option<String>,
    /// The archive's size: what a device downloads to keep it offline.
    #[ts(type = "number | null")]
    pub archive_bytes: Option<u64>,
    /// An online raster tile URL template (`{z}`, `{x}`, `{y}`).
    pub tile_url: Option<String>,
    /// Who to credit, shown on the map.
    pub attribution: String,
}

/// `GET /healthz` answer: the server is up, and its clock (which corrects a
/// device's before it pushes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct Health {
    /// Always `ok`.
    pub status: String,
    /// The server's time, Unix ms.
    #[ts(type = "number")]
    pub time_ms: u64,
}

/// `PUT /api/v1/photos/{sha256}` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct PhotoUploadResponse {
    pub sha256: String,
    #[ts(type = "number")]
    pub size_bytes: u64,
    /// False when the server already had this photo.
    pub created: bool,
}

/// The error body every HTTP error answers with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `unknown_field`.
    pub code: ErrorCode,
    /// A sentence for a person.
    pub message: String,
    /// The field at fault, when there is one.
    pub field: Option<String>,
}

/// Redeems a one-time enrollment code (`POST /api/v1/devices/enroll`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
#[serde(deny_unknown_fields)]
pub struct EnrollRequest {
    /// The code the dashboard shows (`ABCD-EFGH-JK`; case and separators do not matter).
    pub code: String,
    /// A name for the device, shown to administrators.
    pub device_name: String,
}

/// What an enrolled device receives, once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct EnrolledDevice {
    pub device_id: Uuid,
    /// The device's secret; sent as `Authorization: Bearer <token>`.
    pub token: String,
    pub user_login: String,
    pub user_name: String,
}

/// Two writes to one field where neither writer had seen the other's: the
/// server keeps both for the coordinator; last-writer-wins already chose
/// `winner_op`'s value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, TS)]
pub struct Conflict {
    #[ts(type = "number")]
    pub id: i64,
    /// The write that last-writer-wins keeps (its value is the field's now).
    pub winner_op: Uuid,
    /// The write the server received first.
    pub earlier: Change,
    /// The write that arrived later without having seen `earlier`.
    pub later: Change,
}
