//! IPC commands: each translates arguments, calls the store, returns its
//! answer. No logic lives here. Every command that touches the store is
//! `async` and reaches it through [`qadam_client::Device::with`], on a
//! blocking thread: the window's thread never waits for SQLite or for a
//! sync applying a pull page.

use qadam_core::ErrorCode;
use std::collections::BTreeMap;

use qadam_core::model::{EntityKind, GeoPoint, Photo, PhotoSubject};
use qadam_core::records::{ObjectDetail, ObjectSummary};
use qadam_core::store::{NewElement, NewObject, Settings, Store};
use qadam_core::sync::SyncProgress;
use tauri::ipc::{Channel, InvokeBody, Request, Response};
use tauri::State;
use uuid::Uuid;

use crate::error::{CmdResult, CommandError};
use crate::AppState;

#[tauri::command]
pub async fn app_info(state: State<'_, AppState>) -> CmdResult<qadam_client::AppInfo> {
    Ok(state.device.info().await?)
}

#[tauri::command]
pub async fn save_settings(state: State<'_, AppState>, settings: Settings) -> CmdResult<()> {
    Ok(state.device.with(move |s| s.set_settings(&settings)).await?)
}

#[tauri::command]
pub async fn list_campaigns(state: State<'_, AppState>) -> CmdResult<Vec<qadam_core::model::Campaign>> {
    Ok(state.device.with(|s| s.campaigns()).await?)
}

#[tauri::command]
pub async fn list_objects(
    state: State<'_, AppState>,
    campaign_id: Uuid,
    near: Option<GeoPoint>,
) -> CmdResult<Vec<ObjectSummary>> {
    Ok(state.device.with(move |s| s.objects(Some(campaign_id), near)).await?)
}

/// Ids of the objects within `radius_m` of `at`, nearest first (an R-tree
/// kept until the next edit or pull).
#[tauri::command]
pub async fn objects_nearby(state: State<'_, AppState>, at: GeoPoint, radius_m: f64) -> CmdResult<Vec<Uuid>> {
    let near = state.device.with(move |s| s.nearby(at, radius_m)).await?;
    Ok(near.into_iter().map(|(id, _)| id).collect())
}

/// The district `at` is in: the one whose boundary holds it, or else the
/// one the recorded objects around it agree on; none when neither says.
#[tauri::command]
pub async fn district_near(state: State<'_, AppState>, at: GeoPoint) -> CmdResult<Option<qadam_core::model::District>> {
    Ok(state.device.with(move |s| s.district_at(at)).await?)
}

/// The regions, districts and object categories this device knows (the
/// server's as of the last sync).
#[tauri::command]
pub async fn catalogue(state: State<'_, AppState>) -> CmdResult<qadam_core::catalogue::Catalogue> {
    Ok(state.device.with(|s| s.catalogue().map(|c| (*c).clone())).await?)
}

/// Starts a re-audit of an approved object: a new visit pre-filled from
/// the last approved values.
#[tauri::command]
pub async fn start_reaudit(state: State<'_, AppState>, id: Uuid) -> CmdResult<Uuid> {
    let audit = state.device.with(move |s| s.start_reaudit(id)).await?;
    state.edited();
    Ok(audit)
}

/// The verdict of each visit of an object, oldest first.
#[tauri::command]
pub async fn object_visits(state: State<'_, AppState>, id: Uuid) -> CmdResult<Vec<qadam_core::records::VisitVerdict>> {
    Ok(state.device.with(move |s| s.visits(id)).await?)
}

#[tauri::command]
pub async fn get_object(state: State<'_, AppState>, id: Uuid) -> CmdResult<ObjectDetail> {
    Ok(state.device.with(move |s| s.object_detail(id)).await?)
}

#[tauri::command]
pub async fn create_object(state: State<'_, AppState>, object: NewObject) -> CmdResult<Uuid> {
    let id = state.device.with(move |s| s.create_object(object)).await?;
    state.edited();
    Ok(id)
}

#[tauri::command]
pub async fn update_record(
    state: State<'_, AppState>,
    entity: EntityKind,
    id: Uuid,
    fields: BTreeMap<String, serde_json::Value>,
) -> CmdResult<()> {
    state.device.with(move |s| s.update(entity, id, fields)).await?;
    state.edited();
    Ok(())
}

#[tauri::command]
pub async fn delete_record(state: State<'_, AppState>, entity: EntityKind, id: Uuid) -> CmdResult<()> {
    state.device.with(move |s| s.delete(entity, id)).await?;
    state.edited();
    Ok(())
}

/// Undoes a deletion (the app's "Undo" after deleting).
#[tauri::command]
pub async fn restore_record(state: State<'_, AppState>, entity: EntityKind, id: Uuid) -> CmdResult<()> {
    state.device.with(move |s| s.restore(entity, id)).await?;
    state.edited();
    Ok(())
}

#[tauri::command]
pub async fn add_element(state: State<'_, AppState>, element: NewElement) -> CmdResult<Uuid> {
    let id = state.device.with(move |s| s.add_element(element)).await?;
    state.edited();
    Ok(id)
}

/// Raw body: the photo's bytes. Headers `x-subject` (`object`|`element`)
/// and `x-subject-id` say what it shows.
#[tauri::command]
pub async fn attach_photo(state: State<'_, AppState>, request: Request<'_>) -> CmdResult<Photo> {
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(CommandError::new(ErrorCode::BadRequest, "send the photo's bytes as the raw body", None));
    };
    let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let subject = match header("x-subject").as_str() {
        "object" => PhotoSubject::Object,
        "element" => PhotoSubject::Element,
        other => {
            return Err(CommandError::new(
                ErrorCode::BadRequest,
                format!("unknown photo subject `{other}`"),
                Some("subject"),
            ))
        }
    };
    let subject_id = Uuid::parse_str(&header("x-subject-id"))
        .map_err(|_| CommandError::new(ErrorCode::BadRequest, "x-subject-id is not a UUID", Some("subject_id")))?;
    let photo = state.device.attach_photo(subject, subject_id, bytes.clone()).await?;
    state.edited();
    Ok(photo)
}

/// The photo as stored and uploaded (the 1600 px copy), raw JPEG bytes,
/// for the full-size view.
#[tauri::command]
pub async fn photo_image(state: State<'_, AppState>, sha256: String) -> CmdResult<Response> {
    match state.device.with(move |s| s.photo_bytes(&sha256)).await? {
        Some(bytes) => Ok(Response::new(bytes)),
        None => Err(CommandError::new(ErrorCode::PhotoNotOnDevice, "this photo was taken on another device", None)),
    }
}

/// The thumbnail as raw JPEG bytes (an `ArrayBuffer` in JS).
#[tauri::command]
pub async fn photo_thumbnail(state: State<'_, AppState>, sha256: String) -> CmdResult<Response> {
    match state.device.with(move |s| s.thumbnail(&sha256)).await? {
        Some(bytes) => Ok(Response::new(bytes)),
        None => Err(CommandError::new(ErrorCode::PhotoNotOnDevice, "this photo was taken on another device", None)),
    }
}

#[tauri::command]
pub async fn submit_audit(state: State<'_, AppState>, object_id: Uuid) -> CmdResult<Uuid> {
    let id = state.device.with(move |s| s.submit_audit(object_id)).await?;
    state.edited();
    Ok(id)
}

#[tauri::command]
pub async fn sync_now(state: State<'_, AppState>, on_progress: Channel<SyncProgress>) -> CmdResult<SyncProgress> {
    let _one_at_a_time = state.syncing.lock().await;
    let done = state
        .sync(|p| {
            let _ = on_progress.send(p);
        })
        .await?;
    Ok(done)
}

/// The webview says the network is back: sync soon.
#[tauri::command]
pub fn network_online(state: State<'_, AppState>) {
    state.edited();
}

/// Unresolved conflicts on an object and its elements (as of the last sync).
#[tauri::command]
pub async fn object_conflicts(state: State<'_, AppState>, id: Uuid) -> CmdResult<Vec<qadam_core::change::Conflict>> {
    Ok(state.device.with(move |s| s.conflicts_for_object(id)).await?)
}

/// The oldest `limit` local changes the server refused, each with its reason.
#[tauri::command]
pub async fn held_back_changes(state: State<'_, AppState>, limit: u32) -> CmdResult<Vec<qadam_core::store::HeldBack>> {
    Ok(state.device.with(move |s| s.held_back(limit)).await?)
}

/// Puts the held-back changes back in the outbox; the next sync sends them.
#[tauri::command]
pub async fn send_held_back_again(state: State<'_, AppState>) -> CmdResult<u32> {
    Ok(state.device.with(|s| s.send_held_back_again()).await?)
}

/// Enrolls this device with a code or enrollment link from the coordinator.
#[tauri::command]
pub async fn enroll_device(
    state: State<'_, AppState>,
    code: String,
    device_name: String,
) -> CmdResult<qadam_core::change::EnrolledDevice> {
    Ok(qadam_client::enroll(&state.device, &code, &device_name).await?)
}

/// The wheelchair status of each shown object card (a list evaluates the
/// cards it shows, never the whole campaign).
#[tauri::command]
pub async fn object_statuses(
    state: State<'_, AppState>,
    ids: Vec<Uuid>,
) -> CmdResult<BTreeMap<Uuid, qadam_core::rules::MapStatus>> {
    Ok(state.device.with(move |s| s.wheelchair_statuses(&ids)).await?)
}

#[tauri::command]
pub async fn object_verdict(state: State<'_, AppState>, id: Uuid) -> CmdResult<qadam_core::rules::ObjectVerdict> {
    Ok(state.device.with(move |s| s.verdict(id)).await?)
}

#[tauri::command]
pub async fn preview_element(
    state: State<'_, AppState>,
    object_id: Uuid,
    kind: qadam_core::model::ElementKind,
    measurements: BTreeMap<String, qadam_core::model::MeasuredValue>,
) -> CmdResult<Vec<qadam_core::rules::RuleResult>> {
    Ok(state.device.with(move |s| s.preview_element(object_id, kind, measurements)).await?)
}

/// Typed measurements (mm/cm/m, %/1:N/°/‰) to stored ones.
#[tauri::command]
pub fn normalize_measurements(
    state: State<'_, AppState>,
    kind: qadam_core::model::ElementKind,
    typed: BTreeMap<String, qadam_core::units::TypedMeasurement>,
) -> CmdResult<BTreeMap<String, qadam_core::model::MeasuredValue>> {
    Ok(Store::normalize_measurements(state.norms().checklists(), kind, typed)?)
}

/// Every element kind's checklist (fields, units, ranges, hints).
#[tauri::command]
pub fn checklists(state: State<'_, AppState>) -> Vec<qadam_core::checklist::Checklist> {
    state.norms().checklists().all().into_iter().cloned().collect()
}

/// The size of the basemap kept on this device, if one is.
#[tauri::command]
pub fn basemap_kept(state: State<'_, AppState>) -> Option<u64> {
    qadam_client::basemap_bytes(&state.basemap)
}

/// Downloads the server's basemap for offline maps; `on_progress` hears
/// `[received, total]` bytes. Answers its size.
#[tauri::command]
pub async fn basemap_download(state: State<'_, AppState>, on_progress: Channel<[u64; 2]>) -> CmdResult<u64> {
    let server = state.device.with(|s| s.settings()).await?.server_url;
    Ok(qadam_client::download_basemap(&server, &state.basemap, |got, total| {
        let _ = on_progress.send([got, total]);
    })
    .await?)
}

/// Bytes of the kept basemap, raw (an `ArrayBuffer` in JS), as the map
/// reads an archive by range.
#[tauri::command]
pub async fn basemap_read(state: State<'_, AppState>, offset: u64, length: u64) -> CmdResult<Response> {
    let path = state.basemap.clone();
    let bytes = tauri::async_runtime::spawn_blocking(move || qadam_client::read_basemap(&path, offset, length))
        .await
        .map_err(|e| CommandError::new(ErrorCode::Store, e.to_string(), None))??;
    Ok(Response::new(bytes))
}
