//! Where photo blobs live: one interface, two places — a local directory
//! (the default; core's content-addressed [`BlobDir`]) or S3-compatible
//! object storage (`s3://bucket/prefix`, through the `object_store` crate),
//! so that several server instances share one set of photos.
//!
//! Blobs are content-addressed by SHA-256, so writing one twice is harmless
//! and a blob is either whole or absent (S3 puts are atomic; the directory
//! writes a temporary file and renames it).

use std::sync::Arc;

use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, PutPayload};
use qadam_core::photo::BlobDir;
use qadam_core::{PhotoError, StoreError};

/// A content-addressed store of blobs. Calls block: run them off the async
/// runtime's worker threads (`spawn_blocking`).
pub trait BlobStore: Send + Sync {
    /// Stores `bytes` under `sha256`; false when it was there already.
    fn put(&self, sha256: &str, bytes: &[u8]) -> Result<bool, StoreError>;
    fn get(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError>;
    fn has(&self, sha256: &str) -> Result<bool, StoreError>;
    /// Removes a blob (nothing if it is absent).
    fn delete(&self, sha256: &str) -> Result<(), StoreError>;
    /// Where the blobs are, for the log.
    fn describe(&self) -> String;
}

impl BlobStore for BlobDir {
    fn put(&self, sha256: &str, bytes: &[u8]) -> Result<bool, StoreError> {
        BlobDir::put(self, sha256, bytes)
    }

    fn get(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        BlobDir::get(self, sha256)
    }

    fn has(&self, sha256: &str) -> Result<bool, StoreError> {
        Ok(BlobDir::has(self, sha256))
    }

    fn delete(&self, sha256: &str) -> Result<(), StoreError> {
        match std::fs::remove_file(self.path(sha256)?) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }

    fn describe(&self) -> String {
        self.root().display().to_string()
    }
}

/// Blobs in an S3-compatible bucket, under `prefix/ab/abcdef…`.
pub struct S3Blobs {
    store: Arc<dyn ObjectStore>,
    prefix: String,
    url: String,
}

impl S3Blobs {
    /// `s3://bucket/prefix`; credentials, region and endpoint come from the
    /// usual `AWS_*` environment variables (`AWS_ENDPOINT` for MinIO, Ceph,
    /// a cloud provider's S3 API…).
    pub fn open(url: &str, sub: &str) -> Result<S3Blobs, StoreError> {
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| StoreError::Database(format!("`{url}` is not an s3:// address")))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let endpoint_is_http = std::env::var("AWS_ENDPOINT").is_ok_and(|e| e.starts_with("http://"));
        let store = object_store::aws::AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_allow_http(endpoint_is_http)
            .build()
            .map_err(|e| StoreError::Database(format!("S3 {url}: {e}")))?;
        let prefix =
            [prefix.trim_matches('/'), sub].iter().filter(|s| !s.is_empty()).cloned().collect::<Vec<_>>().join("/");
        Ok(S3Blobs { store: Arc::new(store), prefix, url: url.to_string() })
    }

    fn key(&self, sha256: &str) -> Result<ObjectPath, StoreError> {
        if !qadam_core::photo::is_sha256_hex(sha256) {
            return Err(PhotoError::BadHash(sha256.to_string()).into());
        }
        Ok(ObjectPath::from(format!("{}/{}/{sha256}", self.prefix, &sha256[..2])))
    }

    /// Runs an S3 request to completion from a blocking thread.
    fn block<T>(&self, f: impl std::future::Future<Output = object_store::Result<T>>) -> object_store::Result<T> {
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => handle.block_on(f),
            Err(_) => tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for one request")
                .block_on(f),
        }
    }
}

fn s3_error(e: object_store::Error) -> StoreError {
    StoreError::Database(format!("object storage: {e}"))
}

impl BlobStore for S3Blobs {
    fn put(&self, sha256: &str, bytes: &[u8]) -> Result<bool, StoreError> {
        if self.has(sha256)? {
            return Ok(false);
        }
        let key = self.key(sha256)?;
        self.block(self.store.put(&key, PutPayload::from(bytes.to_vec()))).map_err(s3_error)?;
        Ok(true)
    }

    fn get(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let key = self.key(sha256)?;
        let store = self.store.clone();
        match self.block(async move { store.get(&key).await?.bytes().await }) {
            Ok(b) => Ok(Some(b.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(s3_error(e)),
        }
    }

    fn has(&self, sha256: &str) -> Result<bool, StoreError> {
        let key = self.key(sha256)?;
        match self.block(self.store.head(&key)) {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(s3_error(e)),
        }
    }

    fn delete(&self, sha256: &str) -> Result<(), StoreError> {
        let key = self.key(sha256)?;
        match self.block(self.store.delete(&key)) {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(s3_error(e)),
        }
    }

    fn describe(&self) -> String {
        format!("{}/{}", self.url.trim_end_matches('/'), self.prefix)
    }
}

/// Opens the blob store `spec` names — a directory, or `s3://bucket/prefix`
/// — for the kind of blob `sub` (`originals`, `thumbs`).
pub fn open(spec: &str, sub: &str) -> Result<Box<dyn BlobStore>, StoreError> {
    if spec.starts_with("s3://") {
        Ok(Box::new(S3Blobs::open(spec, sub)?))
    } else {
        Ok(Box::new(BlobDir::new(std::path::Path::new(spec).join(sub))?))
    }
}
