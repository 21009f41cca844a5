//! The newest changes of the log, kept in memory as the JSON a pull page
//! carries them in: every change of the log between the first cursor kept
//! and the last. Devices that sync often ask for the last few hundred
//! changes again and again; this serves those pulls without reading and
//! writing out the same rows for each device (bench/RESULTS.md, row 5).
//!
//! The log itself stays the truth. Entries are appended by the one writer
//! of this instance, after its commit, in cursor order; when the log's head
//! at the start of the writer's transaction is not the window's last cursor
//! (another instance on the same store wrote in between), the window starts
//! afresh. Cursors need not be consecutive (a duplicate push uses some up). A pull is served from the window only when the window holds
//! every change after its cursor up to the head of the log it read, so it
//! answers exactly what the log would; otherwise it reads the log.

use std::collections::VecDeque;
use std::io::Write;

use parking_lot::RwLock;
use qadam_core::StoreError;
use uuid::Uuid;

/// Most changes kept, and most bytes of their JSON.
const MAX_ENTRIES: usize = 50_000;
const MAX_BYTES: usize = 32 * 1024 * 1024;

struct Entry {
    seq: i64,
    campaign: Option<Uuid>,
    /// `{"seq":…,"change":{…}}`, as [`write_change`] wrote it.
    json: Box<[u8]>,
}

#[derive(Default)]
struct Window {
    entries: VecDeque<Entry>,
    bytes: usize,
}

#[derive(Default)]
pub struct RecentLog {
    window: RwLock<Window>,
}

/// One change of a pull page, as JSON: the stored value is JSON text
/// already (push validated and wrote it), the rest are strings and numbers.
#[allow(clippy::too_many_arguments)]
pub fn write_change(
    out: &mut Vec<u8>,
    seq: i64,
    op_id: &str,
    entity: &str,
    entity_id: &str,
    field: &str,
    value_json: &str,
    hlc: &str,
    device_id: &str,
    seen_cursor: i64,
) -> Result<(), StoreError> {
    let io = StoreError::Io;
    let json = |e: serde_json::Error| StoreError::Corrupt(e.to_string());
    write!(out, r#"{{"seq":{seq},"change":{{"op_id":"#).map_err(io)?;
    serde_json::to_writer(&mut *out, op_id).map_err(json)?;
    for (name, text) in [("entity", entity), ("entity_id", entity_id), ("field", field)] {
        write!(out, r#","{name}":"#).map_err(io)?;
        serde_json::to_writer(&mut *out, text).map_err(json)?;
    }
    out.extend_from_slice(br#","value":"#);
    out.extend_from_slice(value_json.as_bytes());
    for (name, text) in [("hlc", hlc), ("device_id", device_id)] {
        write!(out, r#","{name}":"#).map_err(io)?;
        serde_json::to_writer(&mut *out, text).map_err(json)?;
    }
    write!(out, r#","seen_cursor":{seen_cursor}}}}}"#).map_err(io)?;
    Ok(())
}

/// The end of a pull page after its changes.
pub fn write_page_end(out: &mut Vec<u8>, next_cursor: i64, has_more: bool) {
    out.extend_from_slice(format!(r#"],"next_cursor":{next_cursor},"has_more":{has_more}}}"#).as_bytes());
}

pub const PAGE_START: &[u8] = br#"{"changes":["#;

impl RecentLog {
    /// Appends the changes a writer just committed (cursor and campaign of
    /// each, in cursor order), `base` being the head of the log when its
    /// transaction began. When the window does not end at `base`, someone
    /// else wrote in between, and the window starts afresh.
    pub fn append(&self, base: i64, written: Vec<(i64, Option<Uuid>, Vec<u8>)>) {
        if written.is_empty() {
            return;
        }
        let mut w = self.window.write();
        if w.entries.back().is_some_and(|last| last.seq != base) {
            w.entries.clear();
            w.bytes = 0;
        }
        for (seq, campaign, json) in written {
            w.bytes += json.len();
            w.entries.push_back(Entry { seq, campaign, json: json.into_boxed_slice() });
        }
        while w.entries.len() > MAX_ENTRIES || w.bytes > MAX_BYTES {
            let Some(e) = w.entries.pop_front() else { break };
            w.bytes -= e.json.len();
        }
    }

    /// The pull page after `since`, `limit` changes at most, of the
    /// campaigns `readable` names (all if `None`), when the window holds
    /// every change from `since` to `head`; `None` otherwise.
    pub fn page(&self, since: i64, head: i64, limit: usize, readable: Option<&[Uuid]>) -> Option<Vec<u8>> {
        let w = self.window.read();
        let first = w.entries.front()?.seq;
        let last = w.entries.back()?.seq;
        // `since < first - 1` rather than `since + 1 < first`: a cursor
        // near i64::MAX must not overflow (it panicked, answering 500).
        if since < first - 1 || last < head {
            return None;
        }
        let start = w.entries.partition_point(|e| e.seq <= since);
        let mut out = Vec::with_capacity(16 * 1024);
        out.extend_from_slice(PAGE_START);
        let (mut n, mut next_cursor, mut has_more) = (0, since, false);
        for e in w.entries.range(start..) {
            if let Some(ids) = readable {
                if !e.campaign.is_some_and(|c| ids.contains(&c)) {
                    continue;
                }
            }
            if n == limit {
                has_more = true;
                break;
            }
            if n > 0 {
                out.push(b',');
            }
            out.extend_from_slice(&e.json);
            n += 1;
            next_cursor = e.seq;
        }
        write_page_end(&mut out, next_cursor, has_more);
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: i64) -> Vec<u8> {
        let mut out = Vec::new();
        write_change(&mut out, seq, "op", "object", "id", "name", "\"x\"", "h", "d", 0).unwrap();
        out
    }

    #[test]
    fn a_write_elsewhere_starts_the_window_afresh() {
        let log = RecentLog::default();
        log.append(0, (1..=3).map(|s| (s, None, entry(s))).collect());
        // 4 and 5 were used up by a duplicate push: the head was 3.
        log.append(3, vec![(6, None, entry(6))]);
        assert!(log.page(0, 6, 100, None).is_some());
        assert!(log.page(2, 7, 100, None).is_none(), "the head is past the window");
        // 7 was written by another instance: the head was 7, not 6.
        log.append(7, vec![(8, None, entry(8))]);
        assert!(log.page(6, 8, 100, None).is_none(), "7 is not in the window");
        assert!(log.page(7, 8, 100, None).is_some());
    }

    #[test]
    fn pages_are_limited_and_filtered_by_campaign() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let log = RecentLog::default();
        log.append(0, (1..=6).map(|s| (s, Some(if s % 2 == 0 { a } else { b }), entry(s))).collect());
        let page: serde_json::Value = serde_json::from_slice(&log.page(0, 6, 2, Some(&[a])).unwrap()).unwrap();
        let seqs: Vec<i64> = page["changes"].as_array().unwrap().iter().map(|c| c["seq"].as_i64().unwrap()).collect();
        assert_eq!(seqs, [2, 4]);
        assert_eq!(page["next_cursor"], 4);
        assert_eq!(page["has_more"], true);
        let page: serde_json::Value = serde_json::from_slice(&log.page(4, 6, 2, Some(&[a])).unwrap()).unwrap();
        assert_eq!(page["changes"].as_array().unwrap().len(), 1);
        assert_eq!(page["has_more"], false);
        let none: serde_json::Value = serde_json::from_slice(&log.page(6, 6, 2, None).unwrap()).unwrap();
        assert_eq!(none["next_cursor"], 6);
    }
}
