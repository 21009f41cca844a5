//! The hybrid logical clock under adversarial remote stamps: the largest
//! counter, the largest skew the server allows, the same stamp again and
//! again. Every stamp a clock issues stays in the fixed-width text form
//! (stores compare stamps as text), orders after everything it saw, and
//! text order is time order — on a bare clock and on a device store that
//! pulls such stamps and then writes.

use proptest::prelude::*;
use qadam_core::change::{Change, PullResponse, ServerChange};
use qadam_core::hlc::{Hlc, HlcClock, MAX_CLOCK_AHEAD_MS, MAX_COUNTER};
use qadam_core::model::EntityKind;
use qadam_core::store::Store;
use serde_json::json;
use uuid::Uuid;

/// A wall clock near today's.
const NOW_MS: u64 = 1_780_000_000_000;

#[derive(Debug, Clone)]
enum Step {
    /// The local wall clock moves by this many ms (may go back) and a local write is stamped.
    Tick(i64),
    /// A remote stamp, `ahead_ms` ahead of the local wall clock, with this counter.
    Observe { ahead_ms: u64, counter: u32 },
    /// The previous remote stamp arrives again.
    Repeat,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (-5_000i64..5_000).prop_map(Step::Tick),
        (
            prop_oneof![Just(0u64), Just(1), Just(MAX_CLOCK_AHEAD_MS), 0..=MAX_CLOCK_AHEAD_MS],
            prop_oneof![Just(MAX_COUNTER), Just(MAX_COUNTER - 1), Just(0u32), 0..=MAX_COUNTER],
        )
            .prop_map(|(ahead_ms, counter)| Step::Observe { ahead_ms, counter }),
        Just(Step::Repeat),
    ]
}

/// Every stamp is fixed-width text, reads back as itself, and compares as
/// text exactly as it compares as a value.
fn assert_text_form(stamps: &[Hlc]) {
    for h in stamps {
        let s = h.to_string();
        assert_eq!(s.len(), 22, "{s} has the fixed width");
        assert_eq!(s.parse::<Hlc>().unwrap(), *h, "{s} reads back");
    }
    for w in stamps.windows(2) {
        assert_eq!(w[0].cmp(&w[1]), w[0].to_string().cmp(&w[1].to_string()), "{} vs {}", w[0], w[1]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_clock_never_overflows_or_runs_back_whatever_it_observes(steps in prop::collection::vec(step(), 1..200)) {
        let mut clock = HlcClock::default();
        let mut wall = NOW_MS;
        let mut last_remote = Hlc::new(NOW_MS, MAX_COUNTER);
        let mut issued = vec![];
        for s in &steps {
            let before = clock.last();
            let stamp = match s {
                Step::Tick(d) => {
                    wall = wall.saturating_add_signed(*d);
                    clock.tick(wall)
                }
                Step::Observe { ahead_ms, counter } => {
                    last_remote = Hlc::new(wall + ahead_ms, *counter);
                    let h = clock.observe(last_remote, wall);
                    prop_assert!(h > last_remote, "{h} after the remote {last_remote}");
                    h
                }
                Step::Repeat => {
                    let h = clock.observe(last_remote, wall);
                    prop_assert!(h > last_remote);
                    h
                }
            };
            prop_assert!(stamp > before, "{stamp} after {before}");
            prop_assert!(stamp.counter <= MAX_COUNTER);
            issued.push(stamp);
        }
        assert_text_form(&issued);
    }

    /// A device pulls adversarial stamps for a field, then writes the same
    /// field: its write is stamped after every pulled one and wins, and
    /// every stamp it stores is fixed-width.
    #[test]
    fn a_device_that_pulls_adversarial_stamps_still_wins_with_its_next_write(
        remotes in prop::collection::vec((0..=MAX_CLOCK_AHEAD_MS, prop_oneof![Just(MAX_COUNTER), 0..=MAX_COUNTER]), 1..6),
        repeats in 1usize..4,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let campaign = Uuid::now_v7();
        let now = qadam_core::hlc::now_ms();
        let mut seq = 0;
        let mut newest = Hlc::default();
        for (ahead, counter) in &remotes {
            let hlc = Hlc::new(now + ahead, *counter);
            newest = newest.max(hlc);
            let change = Change {
                op_id: Uuid::now_v7(),
                entity: EntityKind::Campaign,
                entity_id: campaign,
                field: "name".into(),
                value: json!(format!("remote {hlc}")),
                hlc,
                device_id: "another-device".into(),
                seen_cursor: 0,
            };
            for _ in 0..repeats {
                seq += 1;
                let page = PullResponse { changes: vec![ServerChange { seq, change: change.clone() }], next_cursor: seq, has_more: false };
                store.apply_pulled(&page).unwrap();
            }
        }
        let mine = store.write(EntityKind::Campaign, campaign, vec![("name".into(), json!("mine"))]).unwrap();
        let stamp = mine[0].hlc;
        prop_assert!(stamp > newest, "{stamp} after the newest pulled {newest}");
        assert_text_form(&[newest, stamp]);
        let names: Vec<String> = store.campaigns().unwrap().into_iter().map(|c| c.name).collect();
        prop_assert_eq!(names, vec!["mine".to_string()]);
        let outbox = store.outbox(100).unwrap();
        assert_text_form(&outbox.iter().map(|c| c.hlc).collect::<Vec<_>>());
    }
}
