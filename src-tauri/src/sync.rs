//! The HTTP transport of sync. The steps and their effect on the store are
//! core's (`qadam_core::sync`, `Store`); this module only moves bytes.

use std::sync::Mutex;
use std::time::Duration;

use qadam_core::change::{ErrorBody, PullResponse, PushRequest, PushResponse};
use qadam_core::store::Store;
use qadam_core::sync::{SyncPhase, SyncProgress, PULL_PAGE, PUSH_BATCH};

use crate::error::{CmdResult, CommandError};

/// Photos go up in chunks of this many bytes, so a dropped connection costs
/// at most one chunk.
const PHOTO_CHUNK: usize = 512 * 1024;

fn upload_offset(r: &reqwest::Response) -> u64 {
    r.headers().get("upload-offset").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()).unwrap_or(0)
}

fn lock(store: &Mutex<Store>) -> std::sync::MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(|p| p.into_inner())
}

async fn check(resp: reqwest::Response) -> CmdResult<reqwest::Response> {
    if resp.status().is_success() {
        return Ok(resp);
    }
    let status = resp.status();
    match resp.json::<ErrorBody>().await {
        Ok(body) => Err(CommandError(body.error)),
        Err(_) => Err(CommandError::new("server", format!("the server answered {status}"), None)),
    }
}

/// Runs one sync: photos, then local changes, then pull. Each step is
/// idempotent, so an interrupted run is simply run again.
pub async fn run(store: &Mutex<Store>, progress: impl Fn(SyncProgress)) -> CmdResult<SyncProgress> {
    let (settings, pending, photos) = {
        let s = lock(store);
        (s.settings()?, s.pending()?, s.photos_to_upload()?)
    };
    if settings.server_url.trim().is_empty() {
        return Err(CommandError::new(
            "no_server",
            "set the sync server's address in Settings first",
            Some("server_url"),
        ));
    }
    let base = settings.server_url.trim_end_matches('/').to_string();
    let http =
        reqwest::Client::builder().connect_timeout(Duration::from_secs(5)).timeout(Duration::from_secs(120)).build()?;
    let auth = format!("Bearer {}", settings.token);
    let mut p = SyncProgress::start(pending.changes, pending.photo_bytes);
    progress(p);
    // The server's clock corrects a fast or slow device clock before anything is pushed.
    let health: serde_json::Value = check(http.get(format!("{base}/healthz")).send().await?).await?.json().await?;
    if let Some(server_ms) = health.get("time_ms").and_then(|v| v.as_u64()) {
        lock(store).adjust_clock(server_ms, qadam_core::hlc::now_ms())?;
    }

    p.phase = SyncPhase::Photos;
    progress(p);
    for (sha, size) in photos {
        let before = p.bytes_done;
        let url = format!("{base}/api/v1/photos/{sha}");
        // Resumable: ask what the server has, send only the rest, in chunks.
        let head = http.head(&url).header("authorization", &auth).send().await?;
        if !head.status().is_success() {
            let Some(bytes) = lock(store).photo_bytes(&sha)? else { continue };
            let mut offset = upload_offset(&head).min(bytes.len() as u64) as usize;
            let mut tries = 2 * bytes.len().div_ceil(PHOTO_CHUNK) + 4;
            while offset < bytes.len() {
                tries -= 1;
                if tries == 0 {
                    return Err(CommandError::new(
                        "upload_stuck",
                        "the server keeps refusing this photo's chunks; try again later",
                        None,
                    ));
                }
                let end = (offset + PHOTO_CHUNK).min(bytes.len());
                let r = http
                    .patch(&url)
                    .header("authorization", &auth)
                    .header("content-type", "application/octet-stream")
                    .header("upload-offset", offset.to_string())
                    .header("upload-length", bytes.len().to_string())
                    .body(bytes[offset..end].to_vec())
                    .send()
                    .await?;
                if r.status() == reqwest::StatusCode::CONFLICT {
                    // The server has a different amount: continue from there.
                    offset = (upload_offset(&r) as usize).min(bytes.len());
                    continue;
                }
                if r.status() == reqwest::StatusCode::OK {
                    break; // the server already had the whole photo
                }
                check(r).await?;
                offset = end;
                p.bytes_done = before + offset as u64;
                progress(p);
            }
        }
        lock(store).mark_photo_uploaded(&sha)?;
        p.bytes_done = before + size;
        progress(p);
    }

    p.phase = SyncPhase::Push;
    progress(p);
    loop {
        let (device_id, batch) = {
            let s = lock(store);
            (s.device_id().to_string(), s.outbox(PUSH_BATCH)?)
        };
        if batch.is_empty() {
            break;
        }
        let ops: Vec<_> = batch.iter().map(|c| c.op_id).collect();
        let n = batch.len() as u32;
        let body = PushRequest { device_id, changes: batch };
        let _: PushResponse = check(
            http.post(format!("{base}/api/v1/sync/push")).header("authorization", &auth).json(&body).send().await?,
        )
        .await?
        .json()
        .await?;
        lock(store).mark_pushed(&ops)?;
        p.records_done += n;
        p.records_total = p.records_total.max(p.records_done);
        progress(p);
    }

    p.phase = SyncPhase::Pull;
    progress(p);
    // The next page is fetched while this one is applied. Only the store's
    // cursor says what was applied: if applying fails, the fetch in flight
    // is dropped and the next run starts from the cursor again.
    let fetch = |since: i64| {
        let request =
            http.get(format!("{base}/api/v1/sync/pull?since={since}&limit={PULL_PAGE}")).header("authorization", &auth);
        tauri::async_runtime::spawn(async move {
            check(request.send().await?).await?.json::<PullResponse>().await.map_err(CommandError::from)
        })
    };
    let mut next = Some(fetch(lock(store).pull_cursor()?));
    while let Some(handle) = next.take() {
        let page = handle.await.map_err(|e| CommandError::new("internal", e.to_string(), None))??;
        if page.has_more {
            next = Some(fetch(page.next_cursor));
        }
        p.pulled += page.changes.len() as u32;
        lock(store).apply_pulled(&page)?;
        progress(p);
    }
    // The server's unresolved conflicts on this device's campaigns, to show
    // the auditor on the fields concerned.
    let conflicts: Vec<qadam_core::change::Conflict> =
        check(http.get(format!("{base}/api/v1/conflicts")).header("authorization", &auth).send().await?)
            .await?
            .json()
            .await?;
    lock(store).replace_conflicts(&conflicts)?;
    p.phase = SyncPhase::Done;
    progress(p);
    Ok(p)
}

/// Where an enrollment code points: a `qadam://enroll?server=…&code=…` link
/// (the QR code) gives both; a bare code uses the server in Settings.
fn parse_enrollment(input: &str, server_url: &str) -> CmdResult<(String, String)> {
    let input = input.trim();
    if let Some(query) = input.strip_prefix("qadam://enroll?") {
        let mut server = None;
        let mut code = None;
        for pair in query.split('&') {
            if let Some((k, v)) = pair.split_once('=') {
                let v = percent_decode(v);
                match k {
                    "server" => server = Some(v),
                    "code" => code = Some(v),
                    _ => {}
                }
            }
        }
        return match (server, code) {
            (Some(s), Some(c)) => Ok((s, c)),
            _ => Err(CommandError::new("bad_link", "the enrollment link lacks the server or the code", Some("code"))),
        };
    }
    if input.is_empty() {
        return Err(CommandError::new("no_code", "type the enrollment code your coordinator gave you", Some("code")));
    }
    if server_url.trim().is_empty() {
        return Err(CommandError::new(
            "no_server",
            "set the sync server's address first, or paste the whole enrollment link",
            Some("server_url"),
        ));
    }
    Ok((server_url.trim().to_string(), input.to_string()))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 3 <= bytes.len() && s.is_char_boundary(i + 1) && s.is_char_boundary(i + 3) {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Enrolls this device with a one-time code (or the link of the QR code):
/// the server gives a device token bound to the auditor's account, which
/// replaces any token in Settings. Nothing else on the device changes.
pub async fn enroll(
    store: &Mutex<Store>,
    input: &str,
    device_name: &str,
) -> CmdResult<qadam_core::change::EnrolledDevice> {
    let settings = lock(store).settings()?;
    let (server, code) = parse_enrollment(input, &settings.server_url)?;
    let base = server.trim_end_matches('/').to_string();
    let http =
        reqwest::Client::builder().connect_timeout(Duration::from_secs(5)).timeout(Duration::from_secs(30)).build()?;
    let body = qadam_core::change::EnrollRequest { code, device_name: device_name.to_string() };
    let resp = check(http.post(format!("{base}/api/v1/devices/enroll")).json(&body).send().await?).await?;
    let enrolled: qadam_core::change::EnrolledDevice = resp.json().await?;
    let s = lock(store);
    let mut settings = s.settings()?;
    settings.server_url = base;
    settings.token = enrolled.token.clone();
    if settings.auditor_name.trim().is_empty() {
        settings.auditor_name = enrolled.user_name.clone();
    }
    s.set_settings(&settings)?;
    Ok(enrolled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enrollment_links_and_bare_codes_are_understood() {
        let (s, c) =
            parse_enrollment("qadam://enroll?server=http%3A%2F%2F10.0.0.2%3A8787&code=ABCD-EFGH-JK", "").unwrap();
        assert_eq!((s.as_str(), c.as_str()), ("http://10.0.0.2:8787", "ABCD-EFGH-JK"));
        let (s, c) = parse_enrollment(" abcd efgh jk ", "http://x:1").unwrap();
        assert_eq!((s.as_str(), c.as_str()), ("http://x:1", "abcd efgh jk"));
        assert_eq!(parse_enrollment("ABCD", "").unwrap_err().0.code, "no_server");
        assert_eq!(parse_enrollment("", "http://x").unwrap_err().0.code, "no_code");
        assert_eq!(parse_enrollment("qadam://enroll?code=X", "").unwrap_err().0.code, "bad_link");
    }
}
