//! `qadam-server`: command-line entry point of the sync server.

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
        /// Where photo blobs live (default: next to a SQLite database; required with PostgreSQL).
        #[arg(long)]
        photos: Option<PathBuf>,
        /// Built dashboard to serve at `/` (default: ui/dist-dashboard of this checkout).
        #[arg(long, env = "QADAM_DASHBOARD_DIR")]
        dashboard_dir: Option<PathBuf>,
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

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .init();
    qadam_core::checklist::install_from_env()?;
    match Cli::parse().command {
        Command::Serve { db, listen, demo, token, photos, dashboard_dir } => {
            let dashboard_dir = dashboard_dir.or_else(|| {
                let d = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../ui/dist-dashboard"));
                d.is_dir().then_some(d)
            });
            if dashboard_dir.is_none() {
                tracing::warn!("no built dashboard found; run `make run` or pass --dashboard-dir");
            }
            serve(ServeConfig { db, photos_dir: photos, token, demo, dashboard_dir }, listen).await
        }
        Command::Evaluate { rules, file } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
            let verdict =
                qadam_sync_server::evaluate_json(&rules, &text).with_context(|| file.display().to_string())?;
            println!("{}", serde_json::to_string_pretty(&verdict)?);
            Ok(())
        }
    }
}
