//! One sync run, in the protocol's order. The server's clock first (it
//! corrects a wrong device clock before anything is stamped and sent),
//! then photos (so no pushed record names a photo the server lacks), then
//! the outbox in HLC order, then pull pages until the server has no more,
//! then the conflicts to show. Each step is idempotent and only the store
//! says what is done, so an interrupted run is simply run again.

use qadam_core::change::{Change, ErrorDetail, PullResponse, PushRequest};
use qadam_core::sync::{SyncPhase, SyncProgress, PULL_PAGE, PUSH_BATCH};
use qadam_core::StoreError;
use serde::Serialize;
use ts_rs::TS;

use crate::{ClientError, Device, Transport};

/// What the UI is told after each sync the app runs by itself.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export_to = "app/")]
pub struct AutoSyncOutcome {
    pub ok: bool,
    /// Why it failed (the same shape as a command's error).
    pub error: Option<ErrorDetail>,
    /// When the next try comes, if it failed.
    #[ts(type = "number | null")]
    pub retry_in_ms: Option<u64>,
}

/// Runs one sync of `device` with the server and token in its settings,
/// telling `progress` after every step.
pub async fn sync(device: &Device, progress: impl Fn(SyncProgress)) -> Result<SyncProgress, ClientError> {
    let (settings, pending, photos) =
        device.with(|s| Ok::<_, StoreError>((s.settings()?, s.pending()?, s.photos_to_upload()?))).await?;
    let t = Transport::new(&settings.server_url, &settings.token)?;
    let mut p = SyncProgress::start(pending.changes, pending.photo_bytes);
    progress(p);
    if let Some(server_ms) = t.server_time_ms().await? {
        device.with(move |s| s.adjust_clock(server_ms, qadam_core::hlc::now_ms())).await?;
    }

    p.phase = SyncPhase::Photos;
    progress(p);
    for (sha, size) in photos {
        let before = p.bytes_done;
        let (d, key) = (device.clone(), sha.clone());
        let read = || async move { Ok(d.with(move |s| s.photo_bytes(&key)).await?) };
        let on_server = t
            .upload_photo(&sha, read, |held| {
                p.bytes_done = before + held;
                progress(p);
            })
            .await?;
        if on_server {
            let key = sha.clone();
            device.with(move |s| s.mark_photo_uploaded(&key)).await?;
        }
        p.bytes_done = before + size;
        progress(p);
    }

    p.phase = SyncPhase::Push;
    progress(p);
    push_outbox(&t, device, PUSH_BATCH, |n| {
        p.records_done += n;
        p.records_total = p.records_total.max(p.records_done);
        progress(p);
    })
    .await?;

    p.phase = SyncPhase::Pull;
    progress(p);
    // The catalogue first, so that pulled objects in a new district or of a
    // new category are named on the device.
    let version = device.with(|s| s.catalogue().map(|c| c.version)).await?;
    if let Some(catalogue) = t.catalogue(version).await? {
        device.with(move |s| s.set_catalogue(&catalogue)).await?;
    }
    // The norms too, so that every pulled campaign's rule set is known.
    let version = device.with(|s| Ok::<_, StoreError>(s.norms().version().to_string())).await?;
    if let Some(norms) = t.norms(&version).await? {
        device.with(move |s| s.set_norms(&norms)).await?;
    }
    pull_all(&t, device, |page| {
        p.pulled += page.changes.len() as u32;
        progress(p);
    })
    .await?;

    // The server's unresolved conflicts on this device's campaigns, to show
    // the auditor on the fields concerned.
    let conflicts = t.conflicts().await?;
    device.with(move |s| s.replace_conflicts(&conflicts)).await?;
    // The teams the account is in: their objects are on "my list" too.
    let teams = t.my_teams().await?;
    device.with(move |s| s.set_auditor_teams(teams)).await?;
    p.phase = SyncPhase::Done;
    progress(p);
    Ok(p)
}

/// Pushes the outbox in batches of at most `batch`: a batch is marked
/// pushed only once the server has answered, so a batch cut off in flight
/// is sent again (the server keeps each op id once). `pushed` hears each
/// batch's size. A change the server refuses for itself is held back with
/// its reason (see [`refused_change`]) and the batch goes again without
/// it; any other failure stops the push.
pub async fn push_outbox(
    t: &Transport,
    device: &Device,
    batch: u32,
    mut pushed: impl FnMut(u32),
) -> Result<(), ClientError> {
    loop {
        let (device_id, changes) =
            device.with(move |s| Ok::<_, StoreError>((s.device_id().to_string(), s.outbox(batch)?))).await?;
        if changes.is_empty() {
            return Ok(());
        }
        let ops: Vec<_> = changes.iter().map(|c| c.op_id).collect();
        let n = changes.len() as u32;
        let req = PushRequest { device_id, changes };
        match t.push(&req).await {
            Ok(_) => {
                device.with(move |s| s.mark_pushed(&ops)).await?;
                pushed(n);
            }
            Err(ClientError::Refused { status, detail }) => {
                let Some(held) = refused_change(status, &detail, &req.changes) else {
                    return Err(ClientError::Refused { status, detail });
                };
                let reason = detail.clone();
                // Each round holds back at least one change, or stops.
                if device.with(move |s| s.hold_back(&held, &reason)).await? == 0 {
                    return Err(ClientError::Refused { status, detail });
                }
            }
            Err(e) => return Err(e),
        }
    }
}

/// The changes of `batch` to hold back when the server refused it naming
/// one change (`changes[i]…`) for a reason of that change's own: a record
/// the device may no longer write (403: every change of that record in the
/// batch, as each would be refused alike), a value or field the server
/// does not take (422), an op id it holds with other content (409). A fast
/// clock (`….hlc`) is not one: the next sync corrects it.
pub fn refused_change(status: u16, detail: &ErrorDetail, batch: &[Change]) -> Option<Vec<uuid::Uuid>> {
    if ![403, 409, 422].contains(&status) {
        return None;
    }
    let field = detail.field.as_deref()?;
    let rest = field.strip_prefix("changes[")?;
    let (index, after) = rest.split_once(']')?;
    if after.ends_with(".hlc") {
        return None;
    }
    let refused = batch.get(index.parse::<usize>().ok()?)?;
    Some(match status {
        403 => batch
            .iter()
            .filter(|c| c.entity == refused.entity && c.entity_id == refused.entity_id)
            .map(|c| c.op_id)
            .collect(),
        _ => vec![refused.op_id],
    })
}

/// Pulls every page after the device's cursor. The next page is fetched
/// while this one is applied; only the store's cursor says what was
/// applied, so if applying fails the fetch in flight is dropped and the
/// next run starts from the cursor again. `applied` sees each page once it
/// is in the store. Returns the number of changes pulled.
pub async fn pull_all(
    t: &Transport,
    device: &Device,
    mut applied: impl FnMut(&PullResponse),
) -> Result<u64, ClientError> {
    let fetch = |since: i64| {
        let t = t.clone();
        tokio::spawn(async move { t.pull(since, PULL_PAGE).await })
    };
    let mut next = Some(fetch(device.with(|s| s.pull_cursor()).await?));
    let mut pulled = 0;
    while let Some(handle) = next.take() {
        let page = match handle.await {
            Ok(page) => page?,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        };
        if page.has_more {
            next = Some(fetch(page.next_cursor));
        }
        pulled += page.changes.len() as u64;
        let page = device.with(move |s| s.apply_pulled(&page).map(|_| page)).await?;
        applied(&page);
    }
    Ok(pulled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use qadam_core::model::EntityKind;
    use qadam_core::ErrorCode;
    use serde_json::json;

    #[test]
    fn only_a_refusal_of_one_change_for_itself_holds_back() {
        let mut clock = qadam_core::HlcClock::default();
        let (a, b) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
        let mut batch =
            Change::record(EntityKind::Object, a, [("name", json!("A")), ("address", json!("x"))], &mut clock, "d");
        batch.extend(Change::record(EntityKind::Object, b, [("name", json!("B"))], &mut clock, "d"));
        let ops: Vec<_> = batch.iter().map(|c| c.op_id).collect();
        let detail = |code, field: &str| ErrorDetail { code, message: "m".into(), field: Some(field.into()) };
        let refused = |status, field: &str| refused_change(status, &detail(ErrorCode::InvalidValue, field), &batch);
        // A record the device may not write: all of that record's changes.
        assert_eq!(refused(403, "changes[1]"), Some(vec![ops[0], ops[1]]));
        // A value or an op id: that change alone.
        assert_eq!(refused(422, "changes[2].value"), Some(vec![ops[2]]));
        assert_eq!(refused(409, "changes[0].op_id"), Some(vec![ops[0]]));
        // Not for the change itself: the push stops, nothing is held back.
        assert_eq!(refused(422, "changes[1].hlc"), None, "a fast clock is corrected by the next sync");
        assert_eq!(refused(503, "changes[1]"), None);
        assert_eq!(refused(401, "changes[1]"), None);
        assert_eq!(refused(422, "changes"), None);
        assert_eq!(refused(422, "changes[9]"), None, "no such change");
        assert_eq!(
            refused_change(
                422,
                &ErrorDetail { code: ErrorCode::InvalidValue, message: "m".into(), field: None },
                &batch
            ),
            None
        );
    }
}
