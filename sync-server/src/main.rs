//! `qadam-server`: command-line entry point of the sync server.

use qadam_core::checklist::Checklists;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use qadam_sync_server::{serve, ServeConfig};

#[derive(Parser)]
#[command(name = "qadam-server", version, about = "Qadam sync server and coordinator dashboard")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the sync API and the dashboard.
    Serve {
        /// The store: a SQLite database file (created if missing), or a
        /// PostgreSQL URL (`postgres://user@host/db`) for deployments with
        /// several server instances.
        #[arg(long, env = "QADAM_DB")]
        db: String,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8787")]
        listen: SocketAddr,
        /// Load the synthetic demo campaign (idempotent).
        #[arg(long)]
        demo: bool,
        /// The shared API token that guards the API.
        #[arg(long, env = "QADAM_TOKEN", hide_env_values = true)]
        token: String,
        /// Where photo blobs live: a directory, or `s3://bucket/prefix` (credentials and
        /// endpoint from the `AWS_*` variables). Default: next to a SQLite database;
        /// required with PostgreSQL.
        #[arg(long, env = "QADAM_PHOTOS")]
        photos: Option<String>,
        /// Built dashboard to serve at `/` (default: ui/dist-dashboard of this checkout).
        #[arg(long, env = "QADAM_DASHBOARD_DIR")]
        dashboard_dir: Option<PathBuf>,
        /// Password of the demo accounts (admin, coordinator, auditor) made by --demo.
        #[arg(long, env = "QADAM_DEMO_PASSWORD", default_value = qadam_sync_server::DEMO_PASSWORD, hide_env_values = true)]
        demo_password: String,
        /// The address devices and browsers reach this server at
        /// (`https://qadam.example.org`): put in enrollment links and the
        /// only other origin a browser's state-changing request may come
        /// from. Default: `http://` and the listen address.
        #[arg(long, env = "QADAM_PUBLIC_URL")]
        public_url: Option<String>,
        /// Photo megabytes one device (or dashboard account) may store.
        #[arg(long, env = "QADAM_PHOTO_QUOTA_MB", default_value_t = 2048)]
        photo_quota_mb: u64,
        /// Hours a photo no record uses (and, divided by 7, an unfinished
        /// upload) is kept before it is collected.
        #[arg(long, env = "QADAM_PHOTO_GRACE_HOURS", default_value_t = 168)]
        photo_grace_hours: u64,
        /// A PMTiles archive of vector tiles (Protomaps basemap schema) to draw
        /// under the maps, served by range requests and kept by the app for
        /// offline use; README, "The basemap", says how to cut a city's.
        #[arg(long, env = "QADAM_BASEMAP")]
        basemap: Option<PathBuf>,
        /// An online raster tile URL (`https://tile.example.org/{z}/{x}/{y}.png`),
        /// drawn when no archive is given.
        #[arg(long, env = "QADAM_TILE_URL")]
        tile_url: Option<String>,
        /// Who to credit for the basemap, shown on every map (default: the
        /// archive's own `attribution`; say it for a tile URL, e.g.
        /// "© OpenStreetMap contributors").
        #[arg(long, env = "QADAM_TILE_ATTRIBUTION", default_value = "")]
        tile_attribution: String,
        /// The licence of the open data (public map, API and datasets), as an
        /// SPDX id; CC-BY-4.0, CC-BY-SA-4.0, CC0-1.0 and ODbL-1.0 are known,
        /// another needs --data-licence-url.
        #[arg(long, env = "QADAM_DATA_LICENCE", default_value = qadam_core::public::DEFAULT_LICENCE)]
        data_licence: String,
        /// Where the licence's text is read (default: the known licence's).
        #[arg(long, env = "QADAM_DATA_LICENCE_URL")]
        data_licence_url: Option<String>,
    },
    /// Manage user accounts.
    User {
        /// The store (SQLite file or PostgreSQL URL).
        #[arg(long, env = "QADAM_DB", global = true)]
        db: Option<String>,
        #[command(subcommand)]
        action: UserAction,
    },
    /// Export a campaign: `csv` writes PREFIX-objects.csv and
    /// PREFIX-elements.csv (UTF-8 with BOM); `geojson` writes PREFIX.geojson
    /// (RFC 7946) and `osm` PREFIX.osm (OSM tags per object, for review in
    /// JOSM), or standard output with `--out -` (for csv: the objects file).
    Export {
        /// The store (SQLite file or PostgreSQL URL).
        #[arg(long, env = "QADAM_DB")]
        db: Option<String>,
        #[arg(long, value_parser = ["csv", "geojson", "a11yjson", "osm"])]
        format: String,
        #[arg(long)]
        campaign: uuid::Uuid,
        /// File name prefix (default `qadam-CAMPAIGN`).
        #[arg(long)]
        out: Option<String>,
        /// Include objects without an approved audit (drafts, audits under
        /// review); by default only approved findings are exported.
        #[arg(long)]
        drafts: bool,
    },
    /// Generate a synthetic city-scale campaign (deterministic: same seed,
    /// same data) under the us-ada-2010 rules, with wheelchair statuses in
    /// the proportions of Almaty's map: into a store through the push path
    /// (`--db`), or as push bodies, one JSON line each, to a file or `-`.
    Gen {
        /// Number of objects (Almaty's map: 24365).
        #[arg(long, default_value_t = 24_365)]
        objects: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The store to fill (SQLite file or PostgreSQL URL).
        #[arg(long, env = "QADAM_DB")]
        db: Option<String>,
        /// Write push bodies (JSON lines) here instead of into a store (`-`:
        /// standard output).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Changes per push.
        #[arg(long, default_value_t = 5_000)]
        batch: usize,
        /// Make these logins members of the campaign: `login:role`.
        #[arg(long = "member")]
        members: Vec<String>,
    },
    /// Import objects to audit into a campaign from a CSV or .xlsx (header:
    /// name, category, district, address, lat, lon), GeoJSON or OSM file;
    /// prints the report. With errors nothing is imported unless --skip-invalid.
    Import {
        /// The store (SQLite file or PostgreSQL URL).
        #[arg(long, env = "QADAM_DB")]
        db: Option<String>,
        #[arg(long)]
        campaign: uuid::Uuid,
        #[arg(long)]
        skip_invalid: bool,
        /// A `.csv`, `.geojson` or `.json` file.
        file: PathBuf,
    },
    /// Manage campaigns and their members.
    Campaign {
        /// The store (SQLite file or PostgreSQL URL).
        #[arg(long, env = "QADAM_DB", global = true)]
        db: Option<String>,
        #[command(subcommand)]
        action: CampaignAction,
    },
    /// Print the full verdict of one object (JSON, `schemas/evaluation-input.schema.json`)
    /// under a rule set, as JSON.
    Evaluate {
        /// Rule set id, e.g. `us-ada-2010` or `kz-sp-3.06-101-2012`.
        #[arg(long)]
        rules: String,
        /// The object with its elements.
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum UserAction {
    /// Add a user; the password is read from standard input (one line) or
    /// from QADAM_PASSWORD.
    Add {
        #[arg(long)]
        login: String,
        #[arg(long, default_value = "")]
        name: String,
        /// auditor, coordinator or admin.
        #[arg(long, value_parser = ["auditor", "coordinator", "admin"])]
        role: String,
    },
    /// List users.
    List,
    /// Disable a user: their sessions end and their devices are refused.
    Disable {
        #[arg(long)]
        login: String,
    },
}

#[derive(Subcommand)]
enum CampaignAction {
    /// Create a campaign (a record that syncs to its members' devices).
    Add {
        #[arg(long)]
        name: String,
        /// The city or region it covers.
        #[arg(long, default_value = "")]
        region: String,
        /// Rule set id, e.g. `kz-sp-3.06-101-2012` or `us-ada-2010`.
        #[arg(long, default_value = qadam_core::rules::DEFAULT_RULE_SET)]
        rule_set: String,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// List a campaign's members, or add one (`--add LOGIN --role auditor|coordinator`).
    Members {
        #[arg(long)]
        campaign: uuid::Uuid,
        #[arg(long)]
        add: Option<String>,
        #[arg(long, default_value = "auditor", value_parser = ["auditor", "coordinator"])]
        role: String,
    },
}

/// The store at `db`, with the checklists of this process (the built-in
/// ones and `QADAM_CHECKLISTS_DIR`'s files).
fn open_store(db: Option<String>) -> anyhow::Result<Box<dyn qadam_sync_server::SyncStore>> {
    let db = db.context("say which store: --db FILE|URL or QADAM_DB")?;
    Ok(qadam_sync_server::store::open_with(&db, std::sync::Arc::new(Checklists::from_env()?))?)
}

fn read_password() -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("QADAM_PASSWORD") {
        return Ok(p);
    }
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

fn user_command(db: Option<String>, action: UserAction) -> anyhow::Result<()> {
    use qadam_sync_server::store::accounts::{self, Role};
    let store = open_store(db)?;
    match action {
        UserAction::Add { login, name, role } => {
            let role = Role::parse(&role).context("role")?;
            let password = read_password()?;
            let name = if name.is_empty() { login.clone() } else { name };
            let u = qadam_sync_server::store::accounts(&*store, |db| {
                accounts::add_user(db, &login, &name, role, &password)
            })?;
            println!("added {} ({}) {}", u.login, u.role.as_str(), u.id);
        }
        UserAction::List => {
            for u in qadam_sync_server::store::read_accounts(&*store, |db| accounts::users(db))? {
                let state = if u.disabled { "disabled" } else { "active" };
                println!("{}\t{}\t{}\t{}", u.login, u.role.as_str(), state, u.name);
            }
        }
        UserAction::Disable { login } => {
            let u = qadam_sync_server::store::accounts(&*store, |db| accounts::disable_user(db, &login))?;
            println!("disabled {}", u.login);
        }
    }
    Ok(())
}

fn export_command(
    db: Option<String>,
    format: &str,
    campaign: uuid::Uuid,
    out: Option<String>,
    drafts: bool,
) -> anyhow::Result<()> {
    let store = open_store(db)?;
    let mut objects = store.export(Some(campaign), &|_| true)?;
    if !drafts {
        objects.retain(|o| qadam_core::export::approved_audit(o).is_some());
    }
    let prefix = out.unwrap_or_else(|| format!("qadam-{campaign}"));
    let write = |path: String, body: String| -> anyhow::Result<()> {
        std::fs::write(&path, body).with_context(|| format!("writing {path}"))?;
        eprintln!("wrote {path}");
        Ok(())
    };
    match format {
        "csv" if prefix == "-" => {
            // Two files do not fit one stream: the objects file alone.
            print!("{}", qadam_core::export::objects_csv(&objects, None));
        }
        "csv" => {
            write(format!("{prefix}-objects.csv"), qadam_core::export::objects_csv(&objects, None))?;
            write(format!("{prefix}-elements.csv"), qadam_core::export::elements_csv(&objects, None))?;
        }
        _ => {
            let (body, ext) = match format {
                "osm" => (qadam_core::export::osm_xml(&objects, None), "osm"),
                "a11yjson" => (serde_json::to_string_pretty(&qadam_core::export::a11yjson(&objects))?, "a11y.json"),
                _ => (serde_json::to_string_pretty(&qadam_core::export::geojson(&objects, None))?, "geojson"),
            };
            if prefix == "-" {
                println!("{body}");
            } else {
                write(format!("{prefix}.{ext}"), body)?;
            }
        }
    }
    eprintln!("{} objects", objects.len());
    Ok(())
}

fn campaign_command(db: Option<String>, action: CampaignAction) -> anyhow::Result<()> {
    use qadam_sync_server::store::accounts::{self, MemberRole};
    let store = open_store(db)?;
    match action {
        CampaignAction::Add { name, region, rule_set, description } => {
            let new = qadam_sync_server::service::campaigns::NewCampaign { name, region, description, rule_set };
            let c = qadam_sync_server::service::campaigns::create_in(&*store, new, "qadam-server-cli")?;
            println!("{}", c.id);
        }
        CampaignAction::Members { campaign, add, role } => {
            if let Some(login) = add {
                let role = MemberRole::parse(&role).context("role")?;
                qadam_sync_server::store::accounts(&*store, |db| accounts::set_member(db, campaign, &login, role))?;
            }
            for (login, name, role) in
                qadam_sync_server::store::read_accounts(&*store, |db| accounts::members(db, campaign))?
            {
                println!("{login}\t{}\t{name}", role.as_str());
            }
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .init();
    match Cli::parse().command {
        Command::User { db, action } => tokio::task::spawn_blocking(move || user_command(db, action)).await?,
        Command::Export { db, format, campaign, out, drafts } => {
            tokio::task::spawn_blocking(move || export_command(db, &format, campaign, out, drafts)).await?
        }
        Command::Import { db, campaign, skip_invalid, file } => {
            tokio::task::spawn_blocking(move || {
                let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
                use qadam_sync_server::service::import::{self, Format};
                let name = file.to_string_lossy();
                let format = if name.ends_with(".osm.pbf") || name.ends_with(".osm.geojson") {
                    Format::Osm
                } else if file.extension().is_some_and(|e| e == "geojson" || e == "json") {
                    Format::GeoJson
                } else {
                    Format::Csv
                };
                let store = open_store(db)?;
                let report = import::import_objects(&*store, campaign, &bytes, format, skip_invalid)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                println!("{}", serde_json::to_string_pretty(&report)?);
                anyhow::ensure!(
                    report.errors.is_empty() || skip_invalid,
                    "{} of {} rows have errors; nothing was imported (--skip-invalid imports the others)",
                    report.errors.len(),
                    report.rows
                );
                Ok(())
            })
            .await?
        }
        Command::Gen { objects, seed, db, out, batch, members } => {
            tokio::task::spawn_blocking(move || gen_command(objects, seed, db, out, batch, members)).await?
        }
        Command::Campaign { db, action } => tokio::task::spawn_blocking(move || campaign_command(db, action)).await?,
        Command::Serve {
            db,
            listen,
            demo,
            token,
            photos,
            dashboard_dir,
            demo_password,
            public_url,
            photo_quota_mb,
            photo_grace_hours,
            basemap,
            tile_url,
            tile_attribution,
            data_licence,
            data_licence_url,
        } => {
            let licence = qadam_core::public::Licence::new(&data_licence, data_licence_url.as_deref()).with_context(
                || format!("the data licence `{data_licence}` is not one Qadam knows: give its text's address with --data-licence-url"),
            )?;
            let retention = qadam_sync_server::space::Retention {
                quota_bytes: photo_quota_mb << 20,
                photo_grace: std::time::Duration::from_secs(photo_grace_hours * 3600),
                partial_grace: std::time::Duration::from_secs(photo_grace_hours * 3600 / 7),
                ..Default::default()
            };
            let dashboard_dir = dashboard_dir.or_else(|| {
                let d = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../ui/dist-dashboard"));
                d.is_dir().then_some(d)
            });
            if dashboard_dir.is_none() {
                tracing::warn!("no built dashboard found; run `make run` or pass --dashboard-dir");
            }
            let checklists = std::sync::Arc::new(Checklists::from_env()?);
            let cfg = ServeConfig {
                db,
                photos,
                token,
                demo,
                dashboard_dir,
                demo_password,
                public_url,
                retention,
                checklists,
                basemap: qadam_sync_server::basemap::Basemap {
                    archive: basemap,
                    tile_url,
                    attribution: tile_attribution,
                },
                licence,
            };
            serve(cfg, listen).await
        }
        Command::Evaluate { rules, file } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let verdict = qadam_sync_server::evaluate_json(&Checklists::from_env()?, &rules, &text)
                .with_context(|| file.display().to_string())?;
            println!("{}", serde_json::to_string_pretty(&verdict)?);
            Ok(())
        }
    }
}

fn gen_command(
    objects: usize,
    seed: u64,
    db: Option<String>,
    out: Option<PathBuf>,
    batch: usize,
    members: Vec<String>,
) -> anyhow::Result<()> {
    use qadam_sync_server::store::accounts::{self, MemberRole};
    use std::io::Write;
    anyhow::ensure!(
        batch > 0 && batch <= qadam_sync_server::service::sync::MAX_PUSH_CHANGES,
        "--batch must be 1..=5000"
    );
    let campaign = qadam_core::demo::city_campaign_id(seed);
    let started = std::time::Instant::now();
    let mut changes = 0usize;
    if let Some(out) = out {
        let mut w: Box<dyn Write> = if out.as_os_str() == "-" {
            Box::new(std::io::BufWriter::new(std::io::stdout().lock()))
        } else {
            Box::new(std::io::BufWriter::new(
                std::fs::File::create(&out).with_context(|| format!("creating {}", out.display()))?,
            ))
        };
        let mut result = Ok(());
        qadam_core::demo::city_campaign(objects, seed, batch, |b| {
            changes += b.len();
            let req = qadam_core::change::PushRequest { device_id: qadam_core::demo::DEMO_DEVICE.into(), changes: b };
            if result.is_ok() {
                result =
                    serde_json::to_writer(&mut w, &req).map_err(anyhow::Error::from).and_then(|_| Ok(writeln!(w)?));
            }
        });
        result?;
        w.flush()?;
    } else {
        let store = open_store(db)?;
        let mut result = Ok(());
        qadam_core::demo::city_campaign(objects, seed, batch, |b| {
            changes += b.len();
            if result.is_ok() {
                result = store.push(b, &qadam_sync_server::store::Access::All).map(|_| ());
            }
        });
        result.map_err(|e| anyhow::anyhow!("{e}"))?;
        for m in members {
            let (login, role) = m.split_once(':').context("--member takes login:role")?;
            let role = MemberRole::parse(role).context("role")?;
            qadam_sync_server::store::accounts(&*store, |db| accounts::set_member(db, campaign, login, role))?;
        }
    }
    eprintln!("campaign {campaign}: {objects} objects, {changes} changes in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
