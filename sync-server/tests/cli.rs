//! The admin command line, as an operator uses it: the real `qadam-server`
//! binary on a temporary store.

use std::io::Write;
use std::process::{Command, Stdio};

fn server(db: &str, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_qadam-server"));
    cmd.args(args).env("QADAM_DB", db).env_remove("QADAM_PASSWORD").env("RUST_LOG", "warn");
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn users_and_campaigns_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db").display().to_string();
    let (ok, out, err) = server(
        &db,
        &["user", "add", "--login", "aigerim", "--role", "coordinator", "--name", "Айгерим"],
        Some("a long password\n"),
    );
    assert!(ok, "{err}");
    assert!(out.contains("added aigerim (coordinator)"), "{out}");
    // A short password, a taken login and an unknown role are refused, clearly.
    let (ok, _, err) = server(&db, &["user", "add", "--login", "bolat", "--role", "auditor"], Some("short\n"));
    assert!(!ok && err.contains("at least 8 characters"), "{err}");
    let (ok, _, err) =
        server(&db, &["user", "add", "--login", "aigerim", "--role", "auditor"], Some("another password\n"));
    assert!(!ok && err.contains("taken"), "{err}");
    let (ok, _, err) = server(&db, &["user", "add", "--login", "x", "--role", "boss"], Some("a long password\n"));
    assert!(!ok && err.contains("boss"), "{err}");
    let (ok, _, _) = server(&db, &["user", "add", "--login", "bolat", "--role", "auditor"], Some("bolat's password\n"));
    assert!(ok);

    let (ok, out, err) = server(&db, &["campaign", "add", "--name", "Алматы 2026", "--rule-set", "us-ada-2010"], None);
    assert!(ok, "{err}");
    let campaign = out.trim().to_string();
    uuid::Uuid::parse_str(&campaign).expect("prints the new campaign's id");
    let (ok, _, err) = server(&db, &["campaign", "add", "--name", "X", "--rule-set", "no-such-norm"], None);
    assert!(!ok && err.contains("us-ada-2010"), "names the known rule sets: {err}");
    let (ok, _, _) = server(
        &db,
        &["campaign", "members", "--campaign", &campaign, "--add", "aigerim", "--role", "coordinator"],
        None,
    );
    assert!(ok);
    let (ok, out, _) = server(&db, &["campaign", "members", "--campaign", &campaign, "--add", "bolat"], None);
    assert!(ok);
    assert_eq!(out.lines().collect::<Vec<_>>(), ["aigerim\tcoordinator\tАйгерим", "bolat\tauditor\tbolat"]);

    let (ok, _, _) = server(&db, &["user", "disable", "--login", "bolat"], None);
    assert!(ok);
    let (_, out, _) = server(&db, &["user", "list"], None);
    assert!(out.contains("aigerim\tcoordinator\tactive"), "{out}");
    assert!(out.contains("bolat\tauditor\tdisabled"), "{out}");
    let (ok, _, err) = server(&db, &["user", "disable", "--login", "nobody"], None);
    assert!(!ok && err.contains("nobody"), "{err}");

    // Importing a list: refused whole with a bad row, then with --skip-invalid.
    let list = dir.path().join("list.csv");
    std::fs::write(&list, "name,category,district,lat,lon\nШкола,education,almaly,43.25,76.93\nX,museum,almaly,,\n")
        .unwrap();
    let (ok, out, err) = server(&db, &["import", "--campaign", &campaign, list.to_str().unwrap()], None);
    assert!(!ok && err.contains("nothing was imported") && out.contains("museum"), "{out} {err}");
    let (ok, out, _) =
        server(&db, &["import", "--campaign", &campaign, "--skip-invalid", list.to_str().unwrap()], None);
    assert!(ok && out.contains("\"imported\": 1"), "{out}");

    // Exports of the campaign: CSV files with their headers, GeoJSON.
    let prefix = dir.path().join("out").display().to_string();
    let (ok, _, err) =
        server(&db, &["export", "--format", "csv", "--campaign", &campaign, "--out", &prefix, "--drafts"], None);
    assert!(ok, "{err}");
    let objects = std::fs::read_to_string(format!("{prefix}-objects.csv")).unwrap();
    assert!(objects.starts_with('\u{feff}') && objects.contains("status_K") && objects.contains("Школа"), "{objects}");
    assert!(std::fs::read_to_string(format!("{prefix}-elements.csv")).unwrap().contains("object_id"));
    let (ok, out, _) = server(&db, &["export", "--format", "geojson", "--campaign", &campaign, "--out", "-"], None);
    assert!(ok);
    let g: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(g["type"], "FeatureCollection");
    let (ok, out, _) = server(&db, &["export", "--format", "osm", "--campaign", &campaign, "--out", "-"], None);
    assert!(ok && out.contains("<osm version=\"0.6\""), "{out}");
}

#[test]
fn gen_fills_a_store_or_writes_push_bodies_and_the_same_seed_gives_the_same_data() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("city.db").display().to_string();
    let (ok, _, err) =
        server(&db, &["user", "add", "--login", "coord", "--role", "coordinator"], Some("a long password\n"));
    assert!(ok, "{err}");
    let (ok, _, err) = server(
        &db,
        &["gen", "--objects", "30", "--seed", "5", "--batch", "500", "--member", "coord:coordinator"],
        None,
    );
    assert!(ok, "{err}");
    assert!(err.contains("30 objects"), "{err}");
    let campaign = qadam_core::demo::city_campaign_id(5).to_string();
    let (ok, out, _) = server(&db, &["campaign", "members", "--campaign", &campaign], None);
    assert!(ok && out.contains("coord\tcoordinator"), "{out}");
    let (ok, geojson, err) =
        server(&db, &["export", "--format", "geojson", "--campaign", &campaign, "--out", "-", "--drafts"], None);
    assert!(ok, "{err}");
    let geojson: serde_json::Value = serde_json::from_str(&geojson).unwrap();
    assert_eq!(geojson["features"].as_array().unwrap().len(), 30, "with --drafts: every object");
    // As push bodies: one JSON line per batch, identical for the same seed.
    let lines = |path: &std::path::Path| {
        let (ok, _, err) = server(
            &db,
            &["gen", "--objects", "30", "--seed", "5", "--batch", "500", "--out", &path.display().to_string()],
            None,
        );
        assert!(ok, "{err}");
        std::fs::read_to_string(path).unwrap()
    };
    let a = lines(&dir.path().join("a.jsonl"));
    assert_eq!(a, lines(&dir.path().join("b.jsonl")));
    for l in a.lines() {
        let req: qadam_core::change::PushRequest = serde_json::from_str(l).unwrap();
        assert!(!req.changes.is_empty() && req.changes.len() < 700);
    }
    let (ok, _, err) = server(&db, &["gen", "--objects", "3", "--batch", "0"], None);
    assert!(!ok && err.contains("--batch"), "{err}");
}
