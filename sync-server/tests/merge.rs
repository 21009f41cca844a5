//! Merge and conflicts, as properties, against the real server store (a
//! SQLite file; the PostgreSQL backend runs the same SQL in the `api` suite)
//! and real device stores: 3–5 replicas whose clocks are up to a day fast or
//! slow edit the same object offline and sync in random order.
//!
//! - Nothing is lost: after a full sync every edit is the field's value, or
//!   was seen by the writer of a later edit (superseded knowingly), or is
//!   kept in a conflict record for the coordinator.
//! - Conflicts are exactly the concurrent writes: a conflict is recorded for
//!   a write iff another device's write to the same field had reached the
//!   server after the writer last pulled; sequential edits make none.
//! - A day of clock skew does not decide who wins: an edit made after
//!   seeing another always wins over it.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use qadam_core::change::Change;
use qadam_core::model::{Category, District, EntityKind};
use qadam_core::store::{NewObject, Store};
use qadam_sync_server::store::Access;
use qadam_sync_server::SyncStore;
use serde_json::json;
use uuid::Uuid;

const FIELDS: [&str; 2] = ["name", "address"];
const DAY_MS: i64 = 24 * 3600 * 1000;

#[derive(Debug, Clone)]
enum Step {
    Edit { replica: usize, field: usize },
    Sync { replica: usize },
}

fn step(n: usize) -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (0..n, 0..FIELDS.len()).prop_map(|(replica, field)| Step::Edit { replica, field }),
        2 => (0..n).prop_map(|replica| Step::Sync { replica }),
    ]
}

struct Edit {
    replica: usize,
    field: &'static str,
    value: String,
    /// Edits its writer knew of when making it.
    seen: BTreeSet<usize>,
}

struct World {
    _dirs: Vec<tempfile::TempDir>,
    replicas: Vec<Store>,
    known: Vec<BTreeSet<usize>>,
    server: Box<dyn SyncStore>,
    _server_dir: tempfile::TempDir,
    object: Uuid,
    /// How far each device's clock is off whenever it is offline.
    skews_ms: Vec<i64>,
    edits: Vec<Edit>,
    edit_of_op: BTreeMap<Uuid, usize>,
    /// What the model expects: op ids of writes that must make a conflict.
    expected_conflicts: BTreeSet<Uuid>,
    /// Per field, the (seq, device, op) of writes the server holds.
    server_writes: BTreeMap<String, Vec<(i64, String, Uuid)>>,
}

impl World {
    fn new(skews_ms: &[i64]) -> World {
        let server_dir = tempfile::tempdir().unwrap();
        let server = server_store(server_dir.path());
        let dirs: Vec<_> = skews_ms.iter().map(|_| tempfile::tempdir().unwrap()).collect();
        let mut replicas: Vec<Store> = dirs.iter().map(|d| Store::open(d.path()).unwrap()).collect();
        // Replica 0 creates the object everyone audits; all get it.
        let campaign = Uuid::now_v7();
        replicas[0].write(EntityKind::Campaign, campaign, vec![("name".into(), json!("C"))]).unwrap();
        let object = replicas[0]
            .create_object(NewObject {
                campaign_id: campaign,
                name: "start".into(),
                category: Category::CULTURE,
                district: District::MEDEU,
                address: String::new(),
                location: None,
            })
            .unwrap();
        let mut w = World {
            _dirs: dirs,
            known: vec![BTreeSet::new(); replicas.len()],
            replicas,
            server,
            _server_dir: server_dir,
            object,
            skews_ms: skews_ms.to_vec(),
            edits: Vec::new(),
            edit_of_op: BTreeMap::new(),
            expected_conflicts: BTreeSet::new(),
            server_writes: BTreeMap::new(),
        };
        for r in 0..skews_ms.len() {
            w.sync(r);
        }
        w
    }

    fn edit(&mut self, replica: usize, field: usize) {
        let idx = self.edits.len();
        let value = format!("edit {idx} by replica {replica}");
        let changes = self.replicas[replica]
            .write(EntityKind::Object, self.object, vec![(FIELDS[field].into(), json!(value))])
            .unwrap();
        self.edit_of_op.insert(changes[0].op_id, idx);
        self.edits.push(Edit { replica, field: FIELDS[field], value, seen: self.known[replica].clone() });
        self.known[replica].insert(idx);
    }

    /// What the app does: learn the server's time (which corrects the
    /// clock), push the outbox, pull everything.
    fn sync(&mut self, replica: usize) {
        let now = qadam_core::hlc::now_ms();
        let s = &mut self.replicas[replica];
        s.adjust_clock(now, now).unwrap();
        let out: Vec<Change> = s.outbox(10_000).unwrap();
        // The model's conflict rule, applied in the order the server applies a batch.
        let mut sorted = out.clone();
        sorted.sort_by(|a, b| (a.hlc, &a.device_id).cmp(&(b.hlc, &b.device_id)));
        let before = self.server.cursor().unwrap();
        let r = self.server.push(out.clone(), &Access::All).unwrap();
        let mut seq = before;
        for c in &sorted {
            seq += 1;
            let writes = self.server_writes.entry(c.field.clone()).or_default();
            if c.entity == EntityKind::Object
                && writes.iter().any(|(sq, dev, _)| *sq > c.seen_cursor && *dev != c.device_id)
            {
                self.expected_conflicts.insert(c.op_id);
            }
            writes.push((seq, c.device_id.clone(), c.op_id));
        }
        assert_eq!(r.accepted as usize, out.len());
        s.mark_pushed(&out.iter().map(|c| c.op_id).collect::<Vec<_>>()).unwrap();
        loop {
            let page = self.server.pull(s.pull_cursor().unwrap(), 7, &Access::All).unwrap();
            s.apply_pulled(&page).unwrap();
            for c in &page.changes {
                if let Some(&e) = self.edit_of_op.get(&c.change.op_id) {
                    self.known[replica].insert(e);
                }
            }
            if !page.has_more {
                break;
            }
        }
        // Offline again, its clock goes wrong again by its skew (a wrong time
        // zone, a dead clock battery): the edits it makes until the next
        // sync are stamped with it. (A sync reads the server's time and
        // corrects the clock, re-stamping what a fast clock put ahead.)
        let now = qadam_core::hlc::now_ms();
        let skew = self.skews_ms[replica];
        s.adjust_clock((now as i64 + skew) as u64, now).unwrap();
    }

    fn value(&self, replica: usize, field: &str) -> String {
        let o: qadam_core::model::Object =
            qadam_core::records::load_one(self.replicas[replica].connection(), EntityKind::Object, self.object)
                .unwrap();
        match field {
            "name" => o.name,
            _ => o.address,
        }
    }
}

fn skews() -> impl Strategy<Value = Vec<i64>> {
    prop::collection::vec(-DAY_MS..=DAY_MS, 3..=5)
}

/// The server's store: a SQLite file in `dir`, or a fresh PostgreSQL
/// database when `QADAM_TEST_POSTGRES` names a server (`make test` runs
/// this suite on both).
fn server_store(dir: &std::path::Path) -> Box<dyn SyncStore> {
    qadam_sync_server::store::open(&qadam_testkit::fresh_database(dir, "qadam_merge")).unwrap()
}

/// The reads that answer coordinators and devices (an audit's history,
/// the conflicts, the devices and who pushed what) never wait for the one
/// writer: they answer while a write transaction is held open.
#[test]
fn reads_answer_while_the_writer_is_held() {
    use std::sync::mpsc::channel;
    use std::time::Duration;
    let dir = tempfile::tempdir().unwrap();
    let server = server_store(dir.path());
    let demo = qadam_core::demo::demo_campaign(1);
    server.push(demo.clone(), &Access::All).unwrap();
    let audit = demo.iter().find(|c| c.entity == EntityKind::Audit).unwrap().entity_id;
    let server = &server;
    let (held, writer_held) = channel();
    let (release, released) = channel::<()>();
    let (answer, answered) = channel();
    std::thread::scope(|s| {
        s.spawn(move || {
            server
                .in_transaction(&mut |_| {
                    held.send(()).unwrap();
                    released.recv().unwrap();
                    Ok(false)
                })
                .unwrap();
        });
        writer_held.recv().unwrap();
        s.spawn(move || {
            let history = server.field_history(EntityKind::Audit, audit, "status").unwrap();
            let conflicts = server.conflicts().unwrap();
            let devices = qadam_sync_server::store::read_accounts(&**server, |db| {
                qadam_sync_server::store::accounts::devices(db)
            })
            .unwrap();
            answer.send((history.len(), conflicts.len(), devices.len())).unwrap();
        });
        let got = answered.recv_timeout(Duration::from_secs(10));
        release.send(()).unwrap();
        assert_eq!(got, Ok((1, 0, 0)), "the reads answered while the writer was held");
    });
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    /// Every step names a replica that exists (none is skipped).
    #[test]
    fn no_edit_is_lost_and_conflicts_are_exactly_the_concurrent_writes(
        (skews, steps) in skews().prop_flat_map(|skews| {
            let n = skews.len();
            (Just(skews), prop::collection::vec(step(n), 5..40))
        }),
    ) {
        let n = skews.len();
        let mut w = World::new(&skews);
        for st in steps {
            match st {
                Step::Edit { replica, field } => w.edit(replica, field),
                Step::Sync { replica } => w.sync(replica),
            }
        }
        prop_assert!(w.edits.iter().all(|e| e.replica < n));
        for r in 0..n {
            w.sync(r);
        }
        for r in 0..n {
            w.sync(r); // the first ones pull what the later ones pushed
        }
        let conflicts = w.server.conflicts().unwrap();
        let recorded: BTreeSet<Uuid> = conflicts.iter().map(|c| c.later.op_id).collect();
        prop_assert_eq!(&recorded, &w.expected_conflicts, "conflicts are exactly the concurrent writes");
        let in_conflict: BTreeSet<usize> = conflicts
            .iter()
            .flat_map(|c| [c.earlier.op_id, c.later.op_id])
            .filter_map(|op| w.edit_of_op.get(&op).copied())
            .collect();
        for field in FIELDS {
            let value = w.value(0, field);
            for r in 1..n {
                prop_assert_eq!(&w.value(r, field), &value, "replicas converge");
            }
            for (i, e) in w.edits.iter().enumerate().filter(|(_, e)| e.field == field) {
                let superseded = w.edits.iter().any(|later| later.field == field && later.seen.contains(&i));
                prop_assert!(
                    e.value == value || superseded || in_conflict.contains(&i),
                    "edit {} by replica {} (skew {} ms) was lost: the field holds {:?}",
                    i, e.replica, skews[e.replica], value
                );
                // An edit made after seeing another always wins over it.
                if e.value == value {
                    for j in &e.seen {
                        prop_assert!(w.edits[*j].field != field || w.edits[*j].value != value);
                    }
                }
            }
        }
    }

    #[test]
    fn sequential_edits_make_no_conflict_and_the_last_one_wins_whatever_the_clocks(
        skews in skews(),
        order in prop::collection::vec((0usize..5, 0..FIELDS.len()), 1..25),
    ) {
        let n = skews.len();
        let mut w = World::new(&skews);
        let mut last: BTreeMap<&str, String> = BTreeMap::new();
        for (replica, field) in order {
            let replica = replica % n;
            w.sync(replica);
            w.edit(replica, field);
            last.insert(FIELDS[field], w.edits.last().unwrap().value.clone());
            w.sync(replica);
        }
        for r in 0..n {
            w.sync(r);
        }
        prop_assert!(w.server.conflicts().unwrap().is_empty(), "sequential edits make no conflict");
        for (field, value) in last {
            for r in 0..n {
                prop_assert_eq!(&w.value(r, field), &value, "the last edit wins");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// The server's own clock under adversarial device stamps (issue #13.3):
    /// devices stamp an audit's status up to the most the server allows
    /// ahead, with the largest counter, again and again; the coordinator's
    /// review is still stamped after all of them and wins, and every stamp
    /// the server holds has the fixed width it compares by.
    #[test]
    fn the_servers_stamps_win_over_adversarial_device_stamps(
        stamps in prop::collection::vec(
            (
                prop_oneof![Just(0u64), Just(qadam_core::hlc::MAX_CLOCK_AHEAD_MS - 5_000), 0..qadam_core::hlc::MAX_CLOCK_AHEAD_MS - 5_000],
                prop_oneof![Just(qadam_core::hlc::MAX_COUNTER), 0..=qadam_core::hlc::MAX_COUNTER],
                1usize..4,
            ),
            1..5,
        ),
    ) {
        use qadam_core::review::{ReviewAction, ReviewRequest};
        let dir = tempfile::tempdir().unwrap();
        let server = server_store(dir.path());
        let demo = qadam_core::demo::demo_campaign(1);
        server.push(demo.clone(), &Access::All).unwrap();
        let audit = demo.iter().find(|c| c.entity == EntityKind::Audit).unwrap().entity_id;
        let now = qadam_core::hlc::now_ms();
        for (i, (ahead, counter, repeats)) in stamps.iter().enumerate() {
            let c = Change {
                op_id: Uuid::now_v7(),
                entity: EntityKind::Audit,
                entity_id: audit,
                field: "status".into(),
                value: json!("submitted"),
                hlc: qadam_core::Hlc::new(now + ahead, *counter),
                device_id: format!("fast-phone-{i}"),
                seen_cursor: 0,
            };
            for _ in 0..*repeats {
                server.push(vec![c.clone()], &Access::All).unwrap();
            }
        }
        for action in [ReviewAction::StartReview, ReviewAction::Approve] {
            let req = ReviewRequest { review_id: None, action, comment: String::new(), element_id: None };
            qadam_sync_server::service::review::record(&*server, audit, &req, "coordinator", &|_| true).unwrap();
        }
        let status = server.object_detail(demo.iter().find(|c| c.entity == EntityKind::Object).unwrap().entity_id)
            .unwrap().audits[0].status;
        prop_assert_eq!(status, Some(qadam_core::model::AuditStatus::Approved), "the coordinator's decision wins");
        let page = server.pull(0, 5_000, &Access::All).unwrap();
        let mut stamps: Vec<String> = page.changes.iter().map(|c| c.change.hlc.to_string()).collect();
        prop_assert!(stamps.iter().all(|s| s.len() == 22 && s.parse::<qadam_core::Hlc>().is_ok()));
        // Text order is value order for every stamp held.
        let mut by_value: Vec<qadam_core::Hlc> = page.changes.iter().map(|c| c.change.hlc).collect();
        by_value.sort();
        stamps.sort();
        prop_assert_eq!(stamps, by_value.iter().map(|h| h.to_string()).collect::<Vec<_>>());
    }
}
