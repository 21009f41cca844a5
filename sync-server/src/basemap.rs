//! The basemap the dashboard and the app draw under their points: a
//! PMTiles archive the administrator supplies (`--basemap FILE.pmtiles`,
//! served by HTTP range requests, so a map reads only the tiles it shows),
//! and/or an online raster tile URL with its attribution. Both optional:
//! without either the maps draw their points on a plain background.

use std::path::PathBuf;

pub use qadam_core::change::BasemapConfig;

/// Where the served archive is, under the server's root.
pub const ARCHIVE_PATH: &str = "/basemap.pmtiles";

/// The basemap as configured at start.
#[derive(Debug, Clone, Default)]
pub struct Basemap {
    /// A PMTiles archive of vector tiles (Protomaps basemap schema).
    pub archive: Option<PathBuf>,
    /// An online raster tile URL with `{z}`, `{x}` and `{y}`
    /// (`https://tile.openstreetmap.org/{z}/{x}/{y}.png`).
    pub tile_url: Option<String>,
    /// Who to credit for the map, shown on it.
    pub attribution: String,
}

/// Why a basemap configuration is refused at start.
#[derive(Debug, thiserror::Error)]
pub enum BasemapError {
    #[error("--basemap {0}: {1}")]
    Archive(String, String),
    #[error("--tile-url must be an http(s) URL with {{z}}, {{x}} and {{y}}: {0}")]
    TileUrl(String),
}

impl Basemap {
    /// Checks the configuration: the archive is a PMTiles v3 file, the
    /// tile URL an http(s) template.
    pub fn check(&self) -> Result<(), BasemapError> {
        if let Some(path) = &self.archive {
            let shown = path.display().to_string();
            let mut magic = [0u8; 8];
            use std::io::Read;
            std::fs::File::open(path)
                .and_then(|mut f| f.read_exact(&mut magic))
                .map_err(|e| BasemapError::Archive(shown.clone(), e.to_string()))?;
            if &magic != b"PMTiles\x03" {
                return Err(BasemapError::Archive(shown, "not a PMTiles version 3 archive".into()));
            }
        }
        if let Some(url) = &self.tile_url {
            let ok = (url.starts_with("https://") || url.starts_with("http://"))
                && ["{z}", "{x}", "{y}"].iter().all(|p| url.contains(p))
                && !url.contains(['"', '\'', ' ', ';']);
            if !ok {
                return Err(BasemapError::TileUrl(url.clone()));
            }
        }
        Ok(())
    }

    /// The origin of the online tile URL (`https://tile.example.org`), which
    /// the dashboard's Content-Security-Policy lets images come from.
    pub fn tile_origin(&self) -> Option<String> {
        let url = self.tile_url.as_deref()?;
        let (scheme, rest) = url.split_once("://")?;
        let host = rest.split('/').next()?;
        Some(format!("{scheme}://{host}"))
    }

    /// What the maps are told.
    pub fn config(&self) -> BasemapConfig {
        let bytes = self.archive.as_ref().and_then(|p| std::fs::metadata(p).ok()).map(|m| m.len());
        BasemapConfig {
            archive: bytes.map(|_| ARCHIVE_PATH.to_string()),
            archive_bytes: bytes,
            tile_url: self.tile_url.clone(),
            attribution: self.attribution.clone(),
        }
    }
}
