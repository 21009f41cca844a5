//! The basemap kept on the device for offline maps: the server's PMTiles
//! archive, downloaded whole (an NGO's city extract is tens of megabytes)
//! into a temporary file and moved into place only when complete, so a cut
//! download never leaves half an archive. The map reads it back by byte
//! range, as it reads the server's.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use qadam_core::change::BasemapConfig;

use crate::transport::base_of;
use crate::ClientError;

/// The largest archive a device keeps.
pub const MAX_BASEMAP_BYTES: u64 = 1 << 30;
/// The most one read of the archive returns (a directory or a tile is far
/// less).
pub const MAX_READ_BYTES: u64 = 16 << 20;

/// The archive's file in the app's data directory.
pub fn basemap_path(data_dir: &Path) -> PathBuf {
    data_dir.join("basemap.pmtiles")
}

/// The archive kept on the device, if any: its size in bytes.
pub fn basemap_bytes(path: &Path) -> Option<u64> {
    std::fs::metadata(path).ok().filter(|m| m.is_file()).map(|m| m.len())
}

/// `length` bytes of the kept archive from `offset` (fewer at its end).
pub fn read_basemap(path: &Path, offset: u64, length: u64) -> Result<Vec<u8>, ClientError> {
    let mut f = std::fs::File::open(path).map_err(|_| ClientError::NoBasemap)?;
    f.seek(SeekFrom::Start(offset)).map_err(ClientError::Disk)?;
    let mut out = Vec::new();
    f.take(length.min(MAX_READ_BYTES)).read_to_end(&mut out).map_err(ClientError::Disk)?;
    Ok(out)
}

/// Downloads the server's archive to `path`, telling `progress` the bytes
/// received of the total. Answers the archive's size.
pub async fn download_basemap(
    server_url: &str,
    path: &Path,
    mut progress: impl FnMut(u64, u64),
) -> Result<u64, ClientError> {
    if server_url.trim().is_empty() {
        return Err(ClientError::NoServer);
    }
    let base = base_of(server_url);
    let http = reqwest::Client::builder().connect_timeout(std::time::Duration::from_secs(5)).build()?;
    let config: BasemapConfig =
        crate::transport::check(http.get(format!("{base}/api/v1/basemap")).send().await?).await?.json().await?;
    let (Some(archive), Some(total)) = (config.archive, config.archive_bytes) else {
        return Err(ClientError::NoBasemap);
    };
    if total > MAX_BASEMAP_BYTES {
        return Err(ClientError::BasemapTooLarge(total >> 20, MAX_BASEMAP_BYTES >> 20));
    }
    let mut resp = crate::transport::check(http.get(format!("{base}{archive}")).send().await?).await?;
    let partial = path.with_extension("pmtiles.part");
    let mut file = std::fs::File::create(&partial).map_err(ClientError::Disk)?;
    let mut received = 0u64;
    progress(0, total);
    while let Some(chunk) = resp.chunk().await? {
        received += chunk.len() as u64;
        if received > total {
            let _ = std::fs::remove_file(&partial);
            return Err(ClientError::BasemapTooLarge(received >> 20, total >> 20));
        }
        file.write_all(&chunk).map_err(ClientError::Disk)?;
        progress(received, total);
    }
    file.sync_all().map_err(ClientError::Disk)?;
    drop(file);
    if received != total {
        let _ = std::fs::remove_file(&partial);
        return Err(ClientError::Incomplete(received, total));
    }
    std::fs::rename(&partial, path).map_err(ClientError::Disk)?;
    Ok(total)
}
