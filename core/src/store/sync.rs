//! The device store's side of sync: the outbox and what was sent, the pull
//! cursor and applying pulled pages (last-writer-wins, keeping a local
//! write a remote one displaced), and the conflicts the server reported.

use super::*;

impl Store {
    /// Local changes not yet acknowledged by the server, oldest first,
    /// except those held back (see [`Store::hold_back`]).
    pub fn outbox(&self, limit: u32) -> Result<Vec<Change>, StoreError> {
        let mut st = self.conn.prepare_cached(
            "SELECT op_id, entity, entity_id, field, value, hlc, device_id, seen_cursor FROM changes
             WHERE local = 1 AND pushed = 0 AND held_back IS NULL ORDER BY hlc, op_id LIMIT ?1",
        )?;
        let mut rows = st.query([limit])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(records::change_from_row(r, 0)?);
        }
        Ok(out)
    }

    pub fn mark_pushed(&mut self, op_ids: &[Uuid]) -> Result<(), StoreError> {
        self.generation.set(self.generation.get() + 1);
        let tx = self.conn.transaction()?;
        for op in op_ids {
            tx.execute("UPDATE changes SET pushed = 1 WHERE op_id = ?1", [op.to_string()])?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn pending(&self) -> Result<Pending, StoreError> {
        let (changes, held_back): (u32, u32) = self.conn.query_row(
            "SELECT count(*) - count(held_back), count(held_back) FROM changes WHERE local = 1 AND pushed = 0",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let (photos, bytes): (u32, i64) = self.conn.query_row(
            "SELECT count(*), coalesce(sum(size_bytes), 0) FROM photo_blobs WHERE uploaded = 0",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(Pending { changes, held_back, photos, photo_bytes: bytes as u64 })
    }

    /// Holds back local changes the server refused for themselves, with its
    /// reason: the next pushes leave them out, so the rest of the outbox is
    /// not kept back by them. They stay in the log and in the field state
    /// until sent again ([`Store::send_held_back_again`]).
    /// Answers how many it held back.
    pub fn hold_back(&mut self, op_ids: &[Uuid], reason: &crate::change::ErrorDetail) -> Result<u32, StoreError> {
        let reason = serde_json::to_string(reason).expect("a reason serialises");
        let tx = self.conn.transaction()?;
        let mut n = 0;
        for op in op_ids {
            n += tx.execute(
                "UPDATE changes SET held_back = ?1 WHERE op_id = ?2 AND local = 1 AND pushed = 0",
                params![reason, op.to_string()],
            )?;
        }
        tx.commit()?;
        Ok(n as u32)
    }

    /// The oldest `limit` local changes held back, each with the server's
    /// reason ([`Pending::held_back`] counts them all).
    pub fn held_back(&self, limit: u32) -> Result<Vec<HeldBack>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT op_id, entity, entity_id, field, value, hlc, device_id, seen_cursor, held_back FROM changes
             WHERE local = 1 AND pushed = 0 AND held_back IS NOT NULL ORDER BY hlc, op_id LIMIT ?1",
        )?;
        let mut rows = st.query([limit])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let change = records::change_from_row(r, 0)?;
            let reason: String = r.get(8)?;
            let reason = serde_json::from_str(&reason)
                .map_err(|e| StoreError::Corrupt(format!("a held-back change's reason: {e}")))?;
            out.push(HeldBack { change, reason });
        }
        Ok(out)
    }

    /// Puts every held-back change back in the outbox (the auditor asks,
    /// e.g. once a coordinator gave back access); the next sync sends them.
    /// Answers how many.
    pub fn send_held_back_again(&mut self) -> Result<u32, StoreError> {
        let n = self.conn.execute("UPDATE changes SET held_back = NULL WHERE held_back IS NOT NULL", [])?;
        Ok(n as u32)
    }

    /// Replaces the conflicts known from the server (its unresolved ones, as
    /// of this sync) in one transaction.
    pub fn replace_conflicts(&mut self, conflicts: &[crate::change::Conflict]) -> Result<(), StoreError> {
        self.generation.set(self.generation.get() + 1);
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM conflicts", [])?;
        for c in conflicts {
            let body = serde_json::to_string(c).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            tx.execute(
                "INSERT INTO conflicts (id, entity_id, field, body) VALUES (?1, ?2, ?3, ?4)",
                params![c.id, c.later.entity_id.to_string(), c.later.field, body],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Unresolved conflicts on an object or its elements, oldest first.
    pub fn conflicts_for_object(&self, object_id: Uuid) -> Result<Vec<crate::change::Conflict>, StoreError> {
        let mut ids = vec![object_id.to_string()];
        let elements: Vec<crate::model::Element> =
            records::load_where(&self.conn, EntityKind::Element, "object_id", object_id)?;
        ids.extend(elements.iter().map(|e| e.id.to_string()));
        let mut st = self.conn.prepare_cached(
            "SELECT body FROM conflicts WHERE entity_id IN (SELECT value FROM json_each(?1)) ORDER BY id",
        )?;
        let ids = serde_json::to_string(&ids).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let rows = st.query_map([ids], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
        rows.iter().map(|b| serde_json::from_str(b).map_err(|e| StoreError::Corrupt(e.to_string()))).collect()
    }

    pub fn pull_cursor(&self) -> Result<i64, StoreError> {
        Ok(meta_get(&self.conn, "pull_cursor")?.and_then(|s| s.parse().ok()).unwrap_or(0))
    }

    /// Applies one page of pulled changes and advances the cursor, in one
    /// transaction: a page is applied whole or not at all, and applying it
    /// twice changes nothing.
    pub fn apply_pulled(&mut self, page: &PullResponse) -> Result<u32, StoreError> {
        let mut clock = self.clock;
        let now = self.now();
        let norms = self.norms();
        self.generation.set(self.generation.get() + 1);
        let tx = self.conn.transaction()?;
        let mut applied = 0;
        for sc in &page.changes {
            let c = &sc.change;
            c.validate(norms.checklists())?;
            // A pulled change that wins lives in the field state alone; one
            // that loses is kept in the log, since correcting this device's
            // clock may stamp the local change it lost to earlier (see
            // `adjust_clock`). Applying a page twice changes nothing.
            if records::apply_lww(&tx, c)? {
                applied += 1;
            } else if !is_current(&tx, c)? {
                insert_change(&tx, c, false)?;
            }
            clock.observe(c.hlc, now);
        }
        meta_set(&tx, "pull_cursor", &page.next_cursor.to_string())?;
        meta_set(&tx, "hlc", &clock.last().to_string())?;
        tx.commit()?;
        self.clock = clock;
        Ok(applied)
    }
}

/// Whether the field state holds exactly this change's stamp (it was applied
/// before).
fn is_current(conn: &Connection, c: &Change) -> Result<bool, StoreError> {
    let held: Option<(String, String)> = conn
        .prepare_cached("SELECT hlc, device_id FROM fields WHERE entity = ?1 AND entity_id = ?2 AND field = ?3")?
        .query_row(params![c.entity.as_str(), c.entity_id.to_string(), c.field], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(held.is_some_and(|(hlc, device)| hlc == c.hlc.to_string() && device == c.device_id))
}

/// Before local change `c` is applied: if it displaces a pulled change from
/// the field state, that change goes to the log (pulled winners are kept in
/// the field state alone, and a clock correction may need it back).
pub(super) fn keep_displaced_remote(conn: &Connection, c: &Change) -> Result<(), StoreError> {
    let held: Option<(String, String, String)> = conn
        .prepare_cached("SELECT value, hlc, device_id FROM fields WHERE entity = ?1 AND entity_id = ?2 AND field = ?3")?
        .query_row(params![c.entity.as_str(), c.entity_id.to_string(), c.field], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    if let Some((value, hlc, device_id)) = held {
        if device_id != c.device_id {
            let h = held_change(c, &value, &hlc, device_id)?;
            if (h.hlc, &h.device_id) < (c.hlc, &c.device_id) {
                insert_change(conn, &h, false)?;
            }
        }
    }
    Ok(())
}

/// The pulled change a field state row holds, as a log entry. Its op id is
/// not kept in the field state: the entry gets a new one, used only on
/// this device (it is never pushed).
pub(super) fn held_change(of: &Change, value: &str, hlc: &str, device_id: String) -> Result<Change, StoreError> {
    Ok(Change {
        op_id: Uuid::now_v7(),
        entity: of.entity,
        entity_id: of.entity_id,
        field: of.field.clone(),
        value: serde_json::from_str(value).map_err(|e| StoreError::Corrupt(format!("{}: {e}", of.field)))?,
        hlc: hlc.parse().map_err(|e: crate::hlc::HlcParseError| StoreError::Corrupt(format!("hlc: {e}")))?,
        device_id,
        seen_cursor: 0,
    })
}
