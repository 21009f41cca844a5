//! Replicas converge: several device stores edit the same records offline,
//! sync through a server log in random order with duplicated pushes and
//! dropped pulls, and after a full sync every replica holds the same state,
//! which is the last-writer-wins value of every field by (HLC, device id).

use std::collections::BTreeMap;

use proptest::prelude::*;
use qadam_core::change::{Change, PullResponse, ServerChange};
use qadam_core::model::{Category, District, EntityKind};
use qadam_core::store::{NewObject, Store};
use rusqlite::Connection;
use serde_json::json;
use uuid::Uuid;

/// The server's behaviour as far as convergence goes: an append-only log,
/// idempotent by op_id, read by cursor.
#[derive(Default)]
struct Log {
    changes: Vec<Change>,
}

impl Log {
    fn push(&mut self, batch: &[Change]) {
        for c in batch {
            if !self.changes.iter().any(|x| x.op_id == c.op_id) {
                self.changes.push(c.clone());
            }
        }
    }

    fn pull(&self, since: i64, limit: usize) -> PullResponse {
        let changes: Vec<ServerChange> = self
            .changes
            .iter()
            .enumerate()
            .skip(since as usize)
            .take(limit)
            .map(|(i, c)| ServerChange { seq: i as i64 + 1, change: c.clone() })
            .collect();
        let next_cursor = changes.last().map(|c| c.seq).unwrap_or(since);
        PullResponse { has_more: (next_cursor as usize) < self.changes.len(), changes, next_cursor }
    }
}

#[derive(Debug, Clone)]
enum Step {
    /// Replica edits a field of the shared object.
    Edit { replica: usize, field: usize, value: u8 },
    /// Replica pushes its outbox; `lost_ack` means the server stored it but
    /// the answer never arrived, so the same changes are pushed again later.
    Push { replica: usize, lost_ack: bool },
    /// Replica pulls one page of `page` changes; `dropped` loses the answer.
    Pull { replica: usize, page: usize, dropped: bool },
    /// Replica closes and reopens its store.
    Restart { replica: usize },
}

const FIELDS: [&str; 3] = ["name", "address", "deleted"];
const DAY_MS: i64 = 24 * 3600 * 1000;

fn step(n: usize) -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0..n, 0..FIELDS.len(), any::<u8>()).prop_map(|(replica, field, value)| Step::Edit { replica, field, value }),
        2 => (0..n, any::<bool>()).prop_map(|(replica, lost_ack)| Step::Push { replica, lost_ack }),
        2 => (0..n, 1usize..6, any::<bool>()).prop_map(|(replica, page, dropped)| Step::Pull { replica, page, dropped }),
        1 => (0..n).prop_map(|replica| Step::Restart { replica }),
    ]
}

fn state(conn: &Connection) -> BTreeMap<(String, String, String), String> {
    let mut st = conn.prepare("SELECT entity, entity_id, field, value FROM fields").unwrap();
    st.query_map([], |r| Ok(((r.get(0)?, r.get(1)?, r.get(2)?), r.get(3)?))).unwrap().collect::<Result<_, _>>().unwrap()
}

fn push(store: &mut Store, log: &mut Log, ack: bool) {
    let out = store.outbox(10_000).unwrap();
    log.push(&out);
    if ack {
        store.mark_pushed(&out.iter().map(|c| c.op_id).collect::<Vec<_>>()).unwrap();
    }
}

fn pull_all(store: &mut Store, log: &Log) {
    loop {
        let page = log.pull(store.pull_cursor().unwrap(), 7);
        store.apply_pulled(&page).unwrap();
        if !page.has_more {
            break;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Each step names a replica that exists (none is skipped), and every
    /// replica's clock is off by up to a day while it edits.
    #[test]
    fn replicas_converge_to_last_writer_wins(
        (n, steps, skews) in (3usize..=5).prop_flat_map(|n| {
            (Just(n), prop::collection::vec(step(n), 10..60), prop::collection::vec(-DAY_MS..=DAY_MS, n))
        }),
    ) {
        let dirs: Vec<_> = (0..n).map(|_| tempfile::tempdir().unwrap()).collect();
        let mut stores: Vec<Store> = dirs.iter().map(|d| Store::open(d.path()).unwrap()).collect();
        let mut log = Log::default();
        // Replica 0 creates the campaign and the object everyone edits; all get it.
        let campaign = Uuid::now_v7();
        stores[0].write(EntityKind::Campaign, campaign, vec![("name".into(), json!("C"))]).unwrap();
        let object = stores[0]
            .create_object(NewObject {
                campaign_id: campaign,
                name: "start".into(),
                category: Category::CULTURE,
                district: District::MEDEU,
                address: String::new(),
                location: None,
            })
            .unwrap();
        push(&mut stores[0], &mut log, true);
        for s in stores.iter_mut() {
            pull_all(s, &log);
        }
        let now = qadam_core::hlc::now_ms();
        for (s, skew) in stores.iter_mut().zip(&skews) {
            s.adjust_clock((now as i64 + skew) as u64, now).unwrap();
        }

        let mut taken = 0;
        let total = steps.len();
        for st in steps {
            taken += 1;
            match st {
                Step::Edit { replica, field, value } if replica < n => {
                    let v = if FIELDS[field] == "deleted" { json!(value % 2 == 0) } else { json!(format!("v{value}-r{replica}")) };
                    stores[replica].write(EntityKind::Object, object, vec![(FIELDS[field].into(), v)]).unwrap();
                }
                Step::Push { replica, lost_ack } if replica < n => push(&mut stores[replica], &mut log, !lost_ack),
                Step::Pull { replica, page, dropped } if replica < n => {
                    let p = log.pull(stores[replica].pull_cursor().unwrap(), page);
                    if !dropped {
                        stores[replica].apply_pulled(&p).unwrap();
                    }
                }
                Step::Restart { replica } if replica < n => {
                    stores[replica] = Store::open(dirs[replica].path()).unwrap();
                }
                other => panic!("a step for a replica that does not exist: {other:?}"),
            }
        }
        prop_assert_eq!(taken, total, "every step was taken");
        // Full sync: everyone pushes (twice, as after a lost answer), then pulls everything.
        for s in stores.iter_mut() {
            push(s, &mut log, false);
            push(s, &mut log, true);
        }
        for s in stores.iter_mut() {
            pull_all(s, &log);
            prop_assert_eq!(s.pending().unwrap().changes, 0);
        }
        // Every replica holds the same state…
        let first = state(stores[0].connection());
        for s in &stores[1..] {
            prop_assert_eq!(&state(s.connection()), &first);
        }
        // …which is the last writer's value of each field by (HLC, device id).
        let mut expected: BTreeMap<(String, String, String), &Change> = BTreeMap::new();
        for c in &log.changes {
            let key = (c.entity.as_str().to_string(), c.entity_id.to_string(), c.field.clone());
            let wins = expected.get(&key).is_none_or(|old| (c.hlc, &c.device_id) > (old.hlc, &old.device_id));
            if wins {
                expected.insert(key, c);
            }
        }
        let expected: BTreeMap<_, _> = expected.into_iter().map(|(k, c)| (k, c.value.to_string())).collect();
        prop_assert_eq!(first, expected);
    }
}
