//! Where photo bytes are kept on a disk: a content-addressed directory of
//! blobs, and the unfinished resumable uploads beside it.

use std::path::{Path, PathBuf};

use super::{is_sha256_hex, MAX_PHOTO_BYTES};
use crate::error::PhotoError;

/// A content-addressed directory of blobs: `<root>/ab/abcdef…`.
#[derive(Debug, Clone)]
pub struct BlobDir {
    root: PathBuf,
}

impl BlobDir {
    pub fn new(root: impl Into<PathBuf>) -> std::io::Result<Self> {
        let root = root.into();
        std::fs::create_dir_all(&root)?;
        Ok(BlobDir { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn path(&self, sha256: &str) -> Result<PathBuf, PhotoError> {
        if !is_sha256_hex(sha256) {
            return Err(PhotoError::BadHash(sha256.to_string()));
        }
        Ok(self.root.join(&sha256[..2]).join(sha256))
    }

    pub fn has(&self, sha256: &str) -> bool {
        self.path(sha256).map(|p| p.is_file()).unwrap_or(false)
    }

    /// Stores `bytes` under its hash. Writes to a temporary file and renames,
    /// so a crash never leaves a partial blob under a real name. Returns
    /// false when the blob was already there.
    pub fn put(&self, sha256: &str, bytes: &[u8]) -> Result<bool, crate::error::StoreError> {
        let path = self.path(sha256)?;
        if path.is_file() {
            return Ok(false);
        }
        let dir = path.parent().expect("blob paths have a parent");
        std::fs::create_dir_all(dir)?;
        let tmp = dir.join(format!(".{sha256}.{}.tmp", std::process::id()));
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, &path)?;
        Ok(true)
    }

    pub fn get(&self, sha256: &str) -> Result<Option<Vec<u8>>, crate::error::StoreError> {
        let path = self.path(sha256)?;
        match std::fs::read(path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

/// Unfinished uploads, resumable from the byte the server has:
/// `<dir>/<sha256>.part` grows chunk by chunk; when it reaches the announced
/// length its bytes are handed back and the file is removed.
#[derive(Debug, Clone)]
pub struct PartialUploads {
    dir: PathBuf,
}

/// What one appended chunk led to.
#[derive(Debug, PartialEq)]
pub enum Append {
    /// More is expected from this offset.
    Partial { offset: u64 },
    /// The upload is whole: its bytes (not yet checked).
    Complete(Vec<u8>),
}

impl PartialUploads {
    pub fn new(dir: impl Into<PathBuf>) -> std::io::Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        Ok(PartialUploads { dir })
    }

    fn path(&self, sha256: &str) -> Result<PathBuf, PhotoError> {
        if !is_sha256_hex(sha256) {
            return Err(PhotoError::BadHash(sha256.to_string()));
        }
        Ok(self.dir.join(format!("{sha256}.part")))
    }

    /// Each unfinished upload's file with its metadata.
    fn parts(&self) -> Result<Vec<(PathBuf, std::fs::Metadata)>, crate::error::StoreError> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&self.dir)? {
            let entry = entry?;
            if entry.path().extension().is_some_and(|e| e == "part") {
                out.push((entry.path(), entry.metadata()?));
            }
        }
        Ok(out)
    }

    /// Bytes all unfinished uploads hold.
    pub fn held_bytes(&self) -> Result<u64, crate::error::StoreError> {
        Ok(self.parts()?.iter().map(|(_, m)| m.len()).sum())
    }

    /// Removes unfinished uploads last written before `before`; answers how many.
    pub fn collect(&self, before: std::time::SystemTime) -> Result<usize, crate::error::StoreError> {
        let mut removed = 0;
        for (path, meta) in self.parts()? {
            if meta.modified()? < before {
                std::fs::remove_file(path)?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Bytes received so far of an unfinished upload (0 if none).
    pub fn offset(&self, sha256: &str) -> Result<u64, crate::error::StoreError> {
        match std::fs::metadata(self.path(sha256)?) {
            Ok(m) => Ok(m.len()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(e.into()),
        }
    }

    /// Appends `chunk` at `offset` of an upload of `total` bytes. A chunk at
    /// the wrong offset is refused and changes nothing; a repeated chunk the
    /// server already has is therefore refused too, and the client resumes
    /// from the offset it is told.
    pub fn append(
        &self,
        sha256: &str,
        offset: u64,
        total: u64,
        chunk: &[u8],
    ) -> Result<Append, crate::error::StoreError> {
        use std::io::Write;
        if total == 0 {
            return Err(PhotoError::Empty.into());
        }
        if total > MAX_PHOTO_BYTES {
            return Err(PhotoError::TooLarge { size_bytes: total, limit_bytes: MAX_PHOTO_BYTES }.into());
        }
        let path = self.path(sha256)?;
        let have = self.offset(sha256)?;
        if offset != have {
            return Err(PhotoError::OffsetMismatch { expected: have, got: offset }.into());
        }
        let end = offset + chunk.len() as u64;
        if end > total {
            return Err(PhotoError::PastLength { end, total }.into());
        }
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&path)?;
        f.write_all(chunk)?;
        f.sync_data()?;
        if end < total {
            return Ok(Append::Partial { offset: end });
        }
        let bytes = std::fs::read(&path)?;
        std::fs::remove_file(&path)?;
        Ok(Append::Complete(bytes))
    }

    /// Forgets an unfinished upload.
    pub fn discard(&self, sha256: &str) -> Result<(), crate::error::StoreError> {
        match std::fs::remove_file(self.path(sha256)?) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}
