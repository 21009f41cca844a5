//! Integration tests: a real server on a loopback port, real HTTP, and a
//! real temporary database of its own per test: a SQLite file, or — when
//! `QADAM_TEST_POSTGRES` names a PostgreSQL server (`make test` starts one)
//! — a fresh PostgreSQL database. The same suite runs against both backends.

use std::sync::Arc;

use qadam_core::change::{Change, PullResponse, PushRequest, PushResponse};
use qadam_core::demo;
use qadam_core::hlc::Hlc;
use qadam_core::model::EntityKind;
use qadam_sync_server::{AppState, ServeConfig};
use qadam_testkit::{Options, TestDevice, TestServer, TOKEN};
use serde_json::{json, Value};
use uuid::Uuid;

struct Server {
    base: String,
    state: Arc<AppState>,
    http: reqwest::Client,
    inner: TestServer,
}

impl Server {
    async fn start() -> Server {
        Server::start_with(|_| {}).await
    }

    /// A server whose configuration `tweak` changes first.
    async fn start_with(tweak: impl FnOnce(&mut ServeConfig) + Send + 'static) -> Server {
        Server::from(TestServer::start_with(Options { tweak: Box::new(tweak), ..Options::default() }).await)
    }

    fn from(inner: TestServer) -> Server {
        Server { base: inner.base.clone(), state: inner.state.clone(), http: reqwest::Client::new(), inner }
    }

    /// Another server instance on the store of `self` (as behind a load balancer).
    async fn another_instance(&self) -> Server {
        Server::from(self.inner.another_instance().await)
    }

    /// A device with its own store, syncing with this server as the app does.
    fn device(&self) -> TestDevice {
        self.inner.device()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    async fn post_raw(&self, path: &str, body: impl Into<reqwest::Body>) -> (u16, Value) {
        let r = self
            .http
            .post(self.url(path))
            .bearer_auth(TOKEN)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn push(&self, changes: &[Change]) -> (u16, Value) {
        let body = serde_json::to_vec(&PushRequest { device_id: "dev-1".into(), changes: changes.to_vec() }).unwrap();
        self.post_raw("/api/v1/sync/push", body).await
    }

    async fn pull(&self, since: i64, limit: u32) -> PullResponse {
        self.get_json(&format!("/api/v1/sync/pull?since={since}&limit={limit}")).await
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        let r = self.http.get(self.url(path)).bearer_auth(TOKEN).send().await.unwrap();
        assert!(r.status().is_success(), "GET {path}: {}", r.status());
        r.json().await.unwrap()
    }

    /// Counts read from the store directly, off the async runtime (the
    /// PostgreSQL client blocks).
    fn counts(&self) -> (i64, i64) {
        std::thread::scope(|s| s.spawn(|| self.state.store.counts().unwrap()).join().unwrap())
    }
}

fn example_push() -> PushRequest {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../schemas/examples/push.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A device's whole sync, through the app's client.
async fn device_sync(d: &TestDevice) {
    d.sync().await.unwrap();
}

async fn conflicts(s: &Server) -> Vec<qadam_sync_server::store::Conflict> {
    s.get_json("/api/v1/conflicts").await
}

/// Accounts for the authorization tests, made in the store directly.
fn add_account(s: &Server, login: &str, role: &str, member_of: Option<(Uuid, &str)>) {
    use qadam_sync_server::store::accounts::{self, MemberRole, Role};
    std::thread::scope(|t| {
        t.spawn(|| {
            qadam_sync_server::store::accounts(&*s.state.store, |db| {
                accounts::add_user(db, login, login, Role::parse(role).unwrap(), "correct horse battery")?;
                if let Some((campaign, r)) = member_of {
                    accounts::set_member(db, campaign, login, MemberRole::parse(r).unwrap())?;
                }
                Ok::<_, qadam_core::StoreError>(())
            })
            .unwrap()
        })
        .join()
        .unwrap()
    })
}

impl Server {
    /// Enrolls a device for `login` the way the app does: an administrator
    /// makes a code, the device redeems it. Returns (device id, token).
    async fn enroll(&self, login: &str) -> (String, String) {
        let r = self.http.post(self.url("/api/v1/enrollments")).bearer_auth(TOKEN).json(&json!({"login": login}));
        let e: Value = r.send().await.unwrap().json().await.unwrap();
        let code = e["code"].as_str().unwrap_or_else(|| panic!("{e}"));
        assert!(e["link"].as_str().unwrap().contains(code));
        let r = self.http.post(self.url("/api/v1/devices/enroll")).json(&json!({"code": code, "device_name": "phone"}));
        let d: Value = r.send().await.unwrap().json().await.unwrap();
        (d["device_id"].as_str().unwrap().to_string(), d["token"].as_str().unwrap().to_string())
    }

    async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Vec<u8>>) -> (u16, Value) {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self.http.request(m, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }
}

#[path = "api/access.rs"]
mod access;
#[path = "api/adaptations.rs"]
mod adaptations;
#[path = "api/basemap.rs"]
mod basemap;
#[path = "api/campaigns.rs"]
mod campaigns;
#[path = "api/catalogue.rs"]
mod catalogue;
#[path = "api/conflicts.rs"]
mod conflicts;
#[path = "api/contract.rs"]
mod contract;
#[path = "api/findings.rs"]
mod findings;
#[path = "api/norms.rs"]
mod norms;
#[path = "api/photos.rs"]
mod photos;
#[path = "api/public.rs"]
mod public;
#[path = "api/review.rs"]
mod review;
#[path = "api/security.rs"]
mod security;
#[path = "api/sync.rs"]
mod sync;
#[path = "api/teams.rs"]
mod teams;
