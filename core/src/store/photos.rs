//! The device store's photos: attaching one (shrunk and stripped by the
//! photo pipeline, hashed, thumbnailed, recorded), its copies, and which
//! bytes the server still lacks.

use super::*;

impl Store {
    /// Makes a photo ready to travel ([`photo::ingest`]: a 1600 px upright
    /// copy keeping only position and time of the original's EXIF, and a
    /// thumbnail) and attaches it: what is stored and uploaded is that copy,
    /// never the original. The pipeline runs before the store is touched.
    pub fn attach_photo(&mut self, subject: PhotoSubject, subject_id: Uuid, bytes: &[u8]) -> Result<Photo, StoreError> {
        let ingested = photo::ingest(bytes)?;
        self.attach_ingested(subject, subject_id, &ingested)
    }

    /// Attaches a photo [`photo::ingest`] made ready (the app runs the
    /// pipeline outside the store's lock): its copy and thumbnail stored by
    /// content, its record written in one transaction.
    pub fn attach_ingested(
        &mut self,
        subject: PhotoSubject,
        subject_id: Uuid,
        photo: &photo::Ingested,
    ) -> Result<Photo, StoreError> {
        let object_id = match subject {
            PhotoSubject::Object => {
                records::load_one::<crate::model::Object, _>(&self.conn, EntityKind::Object, subject_id)?.id
            }
            PhotoSubject::Element => {
                records::load_one::<crate::model::Element, _>(&self.conn, EntityKind::Element, subject_id)?
                    .object_id
                    .ok_or_else(|| StoreError::Corrupt("element without object".into()))?
            }
        };
        let size_bytes = photo.display.len() as u64;
        self.photos.put(&photo.sha256, &photo.display)?;
        self.thumbs.put(&photo.sha256, &photo.thumb)?;
        self.conn.execute(
            "INSERT INTO photo_blobs (sha256, size_bytes) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            params![photo.sha256, size_bytes as i64],
        )?;
        let id = Uuid::now_v7();
        self.write(
            EntityKind::Photo,
            id,
            vec![
                ("sha256".into(), json!(photo.sha256)),
                ("subject".into(), json!(subject)),
                ("subject_id".into(), json!(subject_id)),
                ("object_id".into(), json!(object_id)),
                ("size_bytes".into(), json!(size_bytes)),
                ("width_px".into(), json!(photo.width_px)),
                ("height_px".into(), json!(photo.height_px)),
                ("mime".into(), json!("image/jpeg")),
                ("taken_at_local".into(), json!(photo.original.taken_at_local)),
                ("gps".into(), json!(photo.original.gps)),
            ],
        )?;
        records::load_one(&self.conn, EntityKind::Photo, id)
    }

    /// The thumbnail of a photo, made on demand for photos that arrived by
    /// sync without one.
    pub fn thumbnail(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        if let Some(t) = self.thumbs.get(sha256)? {
            return Ok(Some(t));
        }
        match self.photos.get(sha256)? {
            Some(bytes) => {
                let t = photo::thumbnail(&bytes)?;
                self.thumbs.put(sha256, &t)?;
                Ok(Some(t))
            }
            None => Ok(None),
        }
    }

    /// Photos whose bytes the server does not have yet: (sha256, size).
    pub fn photos_to_upload(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT sha256, size_bytes FROM photo_blobs WHERE uploaded = 0 ORDER BY sha256")?;
        let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn photo_bytes(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.photos.get(sha256)
    }

    pub fn mark_photo_uploaded(&self, sha256: &str) -> Result<(), StoreError> {
        self.conn.execute("UPDATE photo_blobs SET uploaded = 1 WHERE sha256 = ?1", [sha256])?;
        Ok(())
    }

    /// Stores a photo that came from the server (e.g. for another device's
    /// record), checking its hash.
    pub fn store_remote_photo(&self, sha256: &str, bytes: &[u8]) -> Result<(), StoreError> {
        let actual = photo::sha256_hex(bytes);
        if actual != sha256 {
            return Err(crate::error::PhotoError::HashMismatch { expected: sha256.into(), actual }.into());
        }
        self.photos.put(sha256, bytes)?;
        Ok(())
    }
}
