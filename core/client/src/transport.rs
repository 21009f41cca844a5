//! The protocol's HTTP calls. Each answer is checked: a refusal becomes
//! the server's own `{code, message, field}` ([`ClientError::Refused`]).

use std::time::Duration;

use qadam_core::catalogue::Catalogue;
use qadam_core::change::{
    Conflict, EnrollRequest, EnrolledDevice, ErrorBody, Health, PullResponse, PushRequest, PushResponse,
};
use qadam_core::norms::NormsBundle;
use reqwest::StatusCode;

use crate::ClientError;

/// Photos go up in chunks of this many bytes, so a dropped connection costs
/// at most one chunk.
pub const PHOTO_CHUNK: usize = 512 * 1024;

/// One server, one device token.
#[derive(Clone)]
pub struct Transport {
    http: reqwest::Client,
    base: String,
    auth: String,
}

pub(crate) async fn check(resp: reqwest::Response) -> Result<reqwest::Response, ClientError> {
    let status = resp.status();
    if status.is_success() {
        return Ok(resp);
    }
    match resp.json::<ErrorBody>().await {
        Ok(body) => Err(ClientError::Refused { status: status.as_u16(), detail: body.error }),
        Err(_) => Err(ClientError::Status(status.as_u16())),
    }
}

fn upload_offset(r: &reqwest::Response) -> u64 {
    r.headers().get("upload-offset").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()).unwrap_or(0)
}

impl Transport {
    /// A transport to `server_url` (trailing `/` ignored) with `token`.
    pub fn new(server_url: &str, token: &str) -> Result<Self, ClientError> {
        if server_url.trim().is_empty() {
            return Err(ClientError::NoServer);
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(120))
            .build()?;
        Ok(Transport { http, base: base_of(server_url), auth: format!("Bearer {token}") })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The server's clock (`/healthz`), in ms since the epoch, if it says.
    pub async fn server_time_ms(&self) -> Result<Option<u64>, ClientError> {
        let health: Health = check(self.http.get(self.url("/healthz")).send().await?).await?.json().await?;
        Ok(Some(health.time_ms))
    }

    /// Uploads a photo resumably: asks what the server holds, sends only
    /// the rest in chunks, and goes on from wherever the server says it is.
    /// `bytes` is read only when the server lacks the photo; it returns
    /// `None` when the device no longer has it (then nothing is sent).
    /// `sent` hears the bytes the server holds after each chunk. Returns
    /// whether the server now holds the whole photo.
    pub async fn upload_photo<B, F>(
        &self,
        sha256: &str,
        bytes: B,
        mut sent: impl FnMut(u64),
    ) -> Result<bool, ClientError>
    where
        B: FnOnce() -> F,
        F: std::future::Future<Output = Result<Option<Vec<u8>>, ClientError>>,
    {
        let url = self.url(&format!("/api/v1/photos/{sha256}"));
        let head = self.http.head(&url).header("authorization", &self.auth).send().await?;
        if head.status().is_success() {
            return Ok(true);
        }
        let Some(bytes) = bytes().await? else { return Ok(false) };
        let mut offset = upload_offset(&head).min(bytes.len() as u64) as usize;
        let mut tries = 2 * bytes.len().div_ceil(PHOTO_CHUNK) + 4;
        while offset < bytes.len() {
            tries -= 1;
            if tries == 0 {
                return Err(ClientError::UploadStuck);
            }
            let end = (offset + PHOTO_CHUNK).min(bytes.len());
            let r = self
                .http
                .patch(&url)
                .header("authorization", &self.auth)
                .header("content-type", "application/octet-stream")
                .header("upload-offset", offset.to_string())
                .header("upload-length", bytes.len().to_string())
                .body(bytes[offset..end].to_vec())
                .send()
                .await?;
            if r.status() == StatusCode::CONFLICT {
                // The server has a different amount: continue from there.
                offset = (upload_offset(&r) as usize).min(bytes.len());
                continue;
            }
            if r.status() == StatusCode::OK {
                break; // the server already had the whole photo
            }
            check(r).await?;
            offset = end;
            sent(offset as u64);
        }
        Ok(true)
    }

    pub async fn push(&self, body: &PushRequest) -> Result<PushResponse, ClientError> {
        let r = self.http.post(self.url("/api/v1/sync/push")).header("authorization", &self.auth).json(body);
        Ok(check(r.send().await?).await?.json().await?)
    }

    pub async fn pull(&self, since: i64, limit: u32) -> Result<PullResponse, ClientError> {
        let r = self
            .http
            .get(self.url(&format!("/api/v1/sync/pull?since={since}&limit={limit}")))
            .header("authorization", &self.auth);
        Ok(check(r.send().await?).await?.json().await?)
    }

    /// The server's norms, or `None` when they are of `version` (the
    /// device's).
    pub async fn norms(&self, version: &str) -> Result<Option<NormsBundle>, ClientError> {
        let resp = self
            .http
            .get(self.url("/api/v1/norms"))
            .header("authorization", &self.auth)
            .header("if-none-match", format!("\"{version}\""))
            .send()
            .await?;
        if resp.status() == StatusCode::NOT_MODIFIED {
            return Ok(None);
        }
        Ok(Some(check(resp).await?.json().await?))
    }

    /// The server's catalogue of regions, districts and categories when it
    /// is newer than `version` (the device's); `None` when the device's is
    /// current.
    pub async fn catalogue(&self, version: i64) -> Result<Option<Catalogue>, ClientError> {
        let r = self
            .http
            .get(self.url("/api/v1/catalogue"))
            .header("authorization", &self.auth)
            .header("if-none-match", format!("\"{version}\""));
        let resp = r.send().await?;
        if resp.status() == StatusCode::NOT_MODIFIED {
            return Ok(None);
        }
        Ok(Some(check(resp).await?.json().await?))
    }

    /// The unresolved conflicts on the device's campaigns.
    /// The teams the device's account is in (`team:<id>`), from `/api/v1/me`.
    pub async fn my_teams(&self) -> Result<Vec<String>, ClientError> {
        #[derive(serde::Deserialize)]
        struct Me {
            #[serde(default)]
            teams: Vec<String>,
        }
        let r = self.http.get(self.url("/api/v1/me")).header("authorization", &self.auth);
        Ok(check(r.send().await?).await?.json::<Me>().await?.teams)
    }

    pub async fn conflicts(&self) -> Result<Vec<Conflict>, ClientError> {
        let r = self.http.get(self.url("/api/v1/conflicts")).header("authorization", &self.auth);
        Ok(check(r.send().await?).await?.json().await?)
    }

    /// Redeems an enrollment code at `server_url` (no token needed).
    pub async fn enroll(server_url: &str, body: &EnrollRequest) -> Result<EnrolledDevice, ClientError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .build()?;
        let url = format!("{}/api/v1/devices/enroll", base_of(server_url));
        Ok(check(http.post(url).json(body).send().await?).await?.json().await?)
    }
}

/// A server address as stored: trimmed, without a trailing `/`.
pub fn base_of(server_url: &str) -> String {
    server_url.trim().trim_end_matches('/').to_string()
}
