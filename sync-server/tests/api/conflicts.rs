//! Concurrent writes kept as conflicts, resolved by a coordinator, named by their authors.

use super::*;

#[tokio::test]
async fn concurrent_writes_to_a_field_are_kept_as_a_conflict_and_sequential_ones_are_not() {
    let s = Server::start().await;
    s.push(&demo::demo_campaign(1)).await;
    let (a, b) = (s.device(), s.device());
    device_sync(&a).await;
    device_sync(&b).await;
    let object = a.device.blocking(|d| d.objects(None, None).unwrap()[0].object.id);
    let set = |d: &TestDevice, field: &str, v: &str| {
        let mut m = std::collections::BTreeMap::new();
        m.insert(field.to_string(), json!(v));
        d.device.blocking(|d| d.update(EntityKind::Object, object, m).unwrap());
    };
    let name = |d: &TestDevice| d.device.blocking(|d| d.object_detail(object).unwrap().object.name);
    let id = |d: &TestDevice| d.device.blocking(|d| d.device_id().to_string());
    // Both edit the name offline, neither having seen the other's edit.
    set(&a, "name", "Name from A");
    std::thread::sleep(std::time::Duration::from_millis(3));
    set(&b, "name", "Name from B");
    // Different fields never conflict.
    set(&b, "address", "Address from B");
    device_sync(&a).await;
    device_sync(&b).await;
    device_sync(&a).await;
    let c = conflicts(&s).await;
    assert_eq!(c.len(), 1, "{c:#?}");
    assert_eq!((c[0].earlier.value.clone(), c[0].later.value.clone()), (json!("Name from A"), json!("Name from B")));
    assert_eq!(c[0].earlier.device_id, id(&a));
    assert_eq!(c[0].later.device_id, id(&b));
    assert_eq!(c[0].winner_op, c[0].later.op_id, "the later write wins");
    // Both replicas agree on the winner; A's value is kept in the conflict.
    assert_eq!(name(&a), "Name from B");
    assert_eq!(name(&b), "Name from B");
    // A has now seen B's edit: editing again is sequential, not a conflict.
    set(&a, "name", "A, after seeing B");
    device_sync(&a).await;
    device_sync(&b).await;
    set(&b, "name", "B, after seeing A");
    device_sync(&b).await;
    assert_eq!(conflicts(&s).await.len(), 1, "sequential edits make no conflict");
    // Pushing the same batch again records nothing new.
    let again: Vec<Change> = s.pull(0, 5000).await.changes.into_iter().map(|c| c.change).collect();
    s.push(&again).await;
    let open = conflicts(&s).await;
    assert_eq!(open.len(), 1);
    // The coordinator keeps A's value: a change that wins and syncs back.
    let url = s.url(&format!("/api/v1/conflicts/{}/resolve", open[0].id));
    let bad = s.http.post(&url).bearer_auth(TOKEN).json(&json!({"keep": "both"})).send().await.unwrap();
    assert_eq!(bad.status().as_u16(), 400);
    let r: Change = s
        .http
        .post(&url)
        .bearer_auth(TOKEN)
        .json(&json!({"keep": "earlier"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r.value, json!("Name from A"));
    assert!(conflicts(&s).await.is_empty());
    let again: Change = s
        .http
        .post(&url)
        .bearer_auth(TOKEN)
        .json(&json!({"keep": "later"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again.op_id, r.op_id, "resolving twice changes nothing");
    device_sync(&a).await;
    device_sync(&b).await;
    assert_eq!(name(&a), "Name from A");
    assert_eq!(name(&b), "Name from A");
}

#[tokio::test]
async fn a_conflict_names_the_accounts_behind_both_writes() {
    let s = Server::start().await;
    let batch = demo::demo_campaign(1);
    assert_eq!(s.push(&batch).await.0, 200);
    add_account(&s, "aigul", "auditor", Some((demo::demo_campaign_id(), "auditor")));
    add_account(&s, "dana", "auditor", Some((demo::demo_campaign_id(), "auditor")));
    let (_, aigul) = s.enroll("aigul").await;
    let (_, dana) = s.enroll("dana").await;
    let seen = s.pull(0, 5000).await.next_cursor;
    let name = batch.iter().find(|c| c.entity == EntityKind::Object && c.field == "name").unwrap();
    let write = |device: &str, value: &str, ms: u64| Change {
        op_id: Uuid::now_v7(),
        value: json!(value),
        device_id: device.into(),
        hlc: Hlc::new(ms, 0),
        seen_cursor: seen,
        ..name.clone()
    };
    let now = qadam_core::hlc::now_ms();
    let body =
        |c: Change| serde_json::to_vec(&PushRequest { device_id: c.device_id.clone(), changes: vec![c] }).unwrap();
    let (st, _) = s.call("POST", "/api/v1/sync/push", Some(&aigul), Some(body(write("phone-a", "А", now)))).await;
    assert_eq!(st, 200);
    let (st, _) = s.call("POST", "/api/v1/sync/push", Some(&dana), Some(body(write("phone-d", "Д", now + 1)))).await;
    assert_eq!(st, 200);
    let conflicts: Vec<Value> = s.get_json("/api/v1/conflicts").await;
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0]["authors"]["phone-a"], "aigul");
    assert_eq!(conflicts[0]["authors"]["phone-d"], "dana");
}
