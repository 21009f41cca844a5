//! Teams: a campaign's coordinator makes a team of its auditors and assigns
//! objects to it; they are on each member's list, whose phone learns its
//! teams at sync, and progress counts them under the team. Deleting a team
//! takes its objects off every list.

use super::*;
use qadam_sync_server::store::teams::Team;

fn body(v: &Value) -> Option<Vec<u8>> {
    Some(serde_json::to_vec(v).unwrap())
}

#[tokio::test]
async fn a_team_of_auditors_shares_the_objects_assigned_to_it() {
    let s = Server::start().await;
    assert_eq!(s.push(&demo::demo_campaign(40)).await.0, 200);
    let campaign = demo::demo_campaign_id();
    for login in ["aigul", "olzhas"] {
        add_account(&s, login, "auditor", Some((campaign, "auditor")));
    }
    add_account(&s, "erlan", "auditor", None);
    let (_, aigul) = s.enroll("aigul").await;
    let teams = format!("/api/v1/campaigns/{campaign}/teams");

    // Coordinators make teams, of the campaign's auditors, named once.
    let north = json!({"name": "Север", "members": ["olzhas", "aigul", "olzhas"]});
    assert_eq!(s.call("POST", &teams, Some(&aigul), body(&north)).await.0, 403);
    for (bad, status, field) in [
        (json!({"name": "Юг", "members": ["erlan"]}), 422, "members"),
        (json!({"name": "  ", "members": []}), 422, "name"),
        (json!({"name": "Юг", "members": [], "leader": "aigul"}), 400, "leader"),
    ] {
        let (st, e) = s.call("POST", &teams, Some(TOKEN), body(&bad)).await;
        assert_eq!((st, e["error"]["field"].as_str()), (status, Some(field)), "{bad}: {e}");
    }
    assert_eq!(s.get_json::<Vec<Team>>(&teams).await, [], "nothing was made");
    let (st, made) = s.call("POST", &teams, Some(TOKEN), body(&north)).await;
    assert_eq!(st, 201, "{made}");
    let team: Team = serde_json::from_value(made).unwrap();
    let expected = Team {
        id: team.id,
        campaign_id: campaign,
        name: "Север".into(),
        members: vec!["aigul".into(), "olzhas".into()],
    };
    assert_eq!(team, expected);
    let (st, e) = s.call("POST", &teams, Some(TOKEN), body(&north)).await;
    assert_eq!((st, e["error"]["field"].as_str()), (422, Some("name")), "one name per campaign: {e}");
    assert_eq!(s.get_json::<Vec<Team>>(&teams).await, std::slice::from_ref(&expected));

    // Aigul leaves the team.
    let path = format!("/api/v1/teams/{}", team.id);
    let (st, changed) = s.call("PUT", &path, Some(TOKEN), body(&json!({"name": "Север", "members": ["olzhas"]}))).await;
    assert_eq!(st, 200, "{changed}");
    let changed: Team = serde_json::from_value(changed).unwrap();
    assert_eq!(changed, Team { members: vec!["olzhas".into()], ..expected });

    // Medeu's objects go to the team; a team of no campaign is refused.
    let assign = format!("/api/v1/campaigns/{campaign}/assignments");
    let to = |who: &str| body(&json!({"assignee": who, "due_on": "2027-04-01", "district": "medeu"}));
    let (st, e) = s.call("POST", &assign, Some(TOKEN), to(&format!("team:{}", Uuid::now_v7()))).await;
    assert_eq!((st, e["error"]["field"].as_str()), (422, Some("assignee")), "{e}");
    let assignee = format!("team:{}", team.id);
    let (st, r) = s.call("POST", &assign, Some(TOKEN), to(&assignee)).await;
    assert_eq!(st, 200, "{r}");
    let objects: Vec<qadam_core::records::ObjectSummary> =
        s.get_json(&format!("/api/v1/objects?campaign={campaign}")).await;
    let medeu: Vec<Uuid> = objects
        .iter()
        .filter(|o| o.object.district.as_ref().is_some_and(|d| d.as_str() == "medeu"))
        .map(|o| o.object.id)
        .collect();
    assert!(!medeu.is_empty());
    assert_eq!(r["assigned"], medeu.len());
    let teamed: Vec<Uuid> =
        objects.iter().filter(|o| o.object.assignee.as_deref() == Some(&assignee)).map(|o| o.object.id).collect();
    assert_eq!(teamed, medeu);

    // Each member's phone learns its teams at sync; one who left, none.
    let (_, olzhas) = s.enroll("olzhas").await;
    for (token, want) in [(olzhas.clone(), vec![assignee.clone()]), (aigul.clone(), vec![])] {
        let (_, me) = s.call("GET", "/api/v1/me", Some(&token), None).await;
        assert_eq!(me["teams"], json!(want));
        let phone = qadam_testkit::TestDevice::new(&s.base, &token);
        phone.device.blocking(|p| p.set_auditor_teams(vec!["team:stale".into()]).unwrap());
        phone.sync().await.unwrap();
        assert_eq!(phone.device.blocking(|p| p.settings().unwrap().auditor_teams), want);
    }

    // Progress counts the team's objects under it.
    let progress: qadam_core::progress::PlanProgress =
        s.get_json(&format!("/api/v1/campaigns/{campaign}/progress")).await;
    let row = progress.by_auditor.iter().find(|a| a.auditor == assignee).expect("a row for the team");
    assert_eq!(row.assigned as usize, medeu.len());

    // The team is deleted: only by a coordinator, once; its objects are
    // then on no one's list, with no due date, and its member's phone
    // forgets it at its next sync.
    assert_eq!(s.call("DELETE", &path, Some(&aigul), None).await.0, 403);
    assert_eq!(s.call("DELETE", &format!("/api/v1/teams/{}", Uuid::now_v7()), Some(TOKEN), None).await.0, 404);
    let (st, r) = s.call("DELETE", &path, Some(TOKEN), None).await;
    assert_eq!((st, r), (200, json!({"unassigned": medeu.len()})));
    let after: Vec<qadam_core::records::ObjectSummary> =
        s.get_json(&format!("/api/v1/objects?campaign={campaign}")).await;
    let expected: Vec<(Uuid, Option<String>, Option<String>)> = objects
        .iter()
        .map(|o| match medeu.contains(&o.object.id) {
            true => (o.object.id, None, None),
            false => (o.object.id, o.object.assignee.clone(), o.object.due_on.clone()),
        })
        .collect();
    let got: Vec<_> = after.iter().map(|o| (o.object.id, o.object.assignee.clone(), o.object.due_on.clone())).collect();
    assert_eq!(got, expected);
    assert_eq!(s.get_json::<Vec<Team>>(&teams).await, []);
    assert_eq!(s.call("DELETE", &path, Some(TOKEN), None).await.0, 404, "a team is deleted once");
    let (st, e) = s.call("POST", &assign, Some(TOKEN), to(&assignee)).await;
    assert_eq!((st, e["error"]["field"].as_str()), (422, Some("assignee")), "a deleted team is no assignee: {e}");
    let phone = qadam_testkit::TestDevice::new(&s.base, &olzhas);
    phone.device.blocking(|p| p.set_auditor_teams(vec![format!("team:{}", team.id)]).unwrap());
    phone.sync().await.unwrap();
    assert_eq!(phone.device.blocking(|p| p.settings().unwrap().auditor_teams), Vec::<String>::new());
}
