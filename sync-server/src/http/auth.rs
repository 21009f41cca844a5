//! Authentication (who is calling) and the account endpoints: dashboard
//! sign-in, device enrollment and revocation. Authorization — what the
//! caller may touch — is decided per handler from the [`Principal`] this
//! middleware puts in the request.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{blocking, parse_json, sync_lane, AppError, AppState};
use crate::store::accounts::{
    self, constant_time_eq, AuthError, EnrolledDevice, Enrollment, MemberRole, Principal, Role,
};
use crate::store::{self as stores};

pub const SESSION_COOKIE: &str = "qadam_session";

fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    v.strip_prefix("Bearer ").map(|t| t.trim().to_string())
}

fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.to_string())
}

/// How long a device's credentials, once read from the store, are taken
/// without reading them again. A revocation through this server takes
/// effect at once (it clears the cache); one made elsewhere (the admin CLI,
/// another instance) within this time.
pub const DEVICE_CACHE_MS: u64 = 2_000;
/// Entries past which the caches start afresh.
const CACHE_MAX: usize = 100_000;

/// What this server recently learned of devices from the store: the
/// principal behind a device token (by its hash), and the device ids it
/// noted as pushed by an account. Under load a device's every request
/// otherwise read its token, user and campaigns (bench/RESULTS.md, row 5).
#[derive(Default)]
pub struct DeviceCache {
    principals: parking_lot::Mutex<std::collections::HashMap<[u8; 32], (Principal, std::time::Instant)>>,
    authors: parking_lot::Mutex<std::collections::HashMap<(String, String), std::time::Instant>>,
}

impl DeviceCache {
    fn principal(&self, key: &[u8; 32]) -> Option<Principal> {
        let map = self.principals.lock();
        let (p, at) = map.get(key)?;
        (at.elapsed().as_millis() < DEVICE_CACHE_MS as u128).then(|| p.clone())
    }

    fn keep_principal(&self, key: [u8; 32], p: &Principal) {
        let mut map = self.principals.lock();
        if map.len() >= CACHE_MAX {
            map.clear();
        }
        map.insert(key, (p.clone(), std::time::Instant::now()));
    }

    /// Forgets every device's credentials (a device was revoked).
    pub fn forget_principals(&self) {
        self.principals.lock().clear();
    }

    /// Of `device_ids`, those this server has not noted as `login`'s within
    /// [`accounts::LAST_SEEN_EVERY_MS`]; the store is asked about these.
    pub fn authors_unknown<'a>(&self, device_ids: &[&'a str], login: &str) -> Vec<&'a str> {
        let map = self.authors.lock();
        device_ids
            .iter()
            .copied()
            .filter(|d| {
                map.get(&(d.to_string(), login.to_string()))
                    .is_none_or(|at| at.elapsed().as_millis() >= accounts::LAST_SEEN_EVERY_MS as u128)
            })
            .collect()
    }

    /// Notes that the store holds these device ids as `login`'s, now.
    pub fn keep_authors(&self, device_ids: &[&str], login: &str) {
        let mut map = self.authors.lock();
        if map.len() >= CACHE_MAX {
            map.clear();
        }
        let now = std::time::Instant::now();
        for d in device_ids {
            map.insert((d.to_string(), login.to_string()), now);
        }
    }
}

/// Who a request comes from: the shared API token (an administrator), a
/// device token, or a dashboard session.
pub async fn principal(state: &Arc<AppState>, headers: &HeaderMap) -> Result<Principal, AppError> {
    if let Some(token) = bearer(headers) {
        if constant_time_eq(token.as_bytes(), state.token.as_bytes()) {
            return Ok(Principal::service());
        }
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        if let Some(p) = state.devices.principal(&key) {
            return Ok(p);
        }
        let s = state.clone();
        return sync_lane(state, move || {
            let (p, stale) =
                stores::read_accounts(&*s.store, |db| accounts::device_principal(db, &token).map_err(AppError::from))?;
            if let (true, Some(device)) = (stale, p.device_id) {
                stores::accounts(&*s.store, |db| accounts::touch_device(db, device).map_err(AppError::from))?;
            }
            s.devices.keep_principal(key, &p);
            Ok(p)
        })
        .await;
    }
    if let Some(session) = session_cookie(headers) {
        let s = state.clone();
        return blocking(move || {
            stores::read_accounts(&*s.store, |db| accounts::authenticate_session(db, &session).map_err(AppError::from))
        })
        .await;
    }
    Err(AuthError::Missing.into())
}

/// Middleware: refuses a request without valid credentials, and hands the
/// [`Principal`] to the handler.
pub async fn authenticate(State(state): State<Arc<AppState>>, mut req: Request, next: Next) -> Response {
    match principal(&state, req.headers()).await {
        Ok(p) => {
            req.extensions_mut().insert(p);
            next.run(req).await
        }
        Err(e) => e.into_response(),
    }
}

/// Refuses anyone who is not a coordinator or administrator.
pub fn require_coordinator(p: &Principal) -> Result<(), AppError> {
    if p.is_coordinator() {
        Ok(())
    } else {
        Err(AppError::forbidden("the dashboard is for coordinators and administrators; auditors use the field app"))
    }
}

pub fn require_admin(p: &Principal) -> Result<(), AppError> {
    if p.is_admin() {
        Ok(())
    } else {
        Err(AppError::forbidden("only an administrator may do this"))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionRequest {
    login: Option<String>,
    password: Option<String>,
    /// The shared API token, for the server's operators.
    token: Option<String>,
}

/// The signed-in caller, as the dashboard and the app show it.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export_to = "server/")]
pub struct Me {
    pub login: String,
    pub name: String,
    pub role: Role,
    pub device_id: Option<Uuid>,
    /// Campaigns the caller belongs to, with their role there (all, for
    /// administrators, are implied).
    pub campaigns: Vec<MemberOf>,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export_to = "server/")]
pub struct MemberOf {
    pub campaign_id: Uuid,
    pub role: MemberRole,
}

impl From<&Principal> for Me {
    fn from(p: &Principal) -> Me {
        Me {
            login: p.user.login.clone(),
            name: p.user.name.clone(),
            role: p.user.role,
            device_id: p.device_id,
            campaigns: p.campaigns.iter().map(|(c, r)| MemberOf { campaign_id: *c, role: *r }).collect(),
        }
    }
}

fn cookie(value: &str, max_age_s: i64) -> String {
    format!("{SESSION_COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age_s}")
}

/// The address a request came from (the TCP peer), when the server was
/// started with connection info (it always is; tests may not).
pub type Peer = Option<Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>;

fn peer_ip(peer: &Peer) -> Option<std::net::IpAddr> {
    peer.as_ref().map(|Extension(c)| c.0.ip())
}

/// Signs in to the dashboard with a login and password (or the API token):
/// an HttpOnly session cookie, so the dashboard's `<img>` requests are
/// authorised too. Every attempt is counted first (per address and per
/// login, [`super::throttle`]); the account is read on a read transaction
/// and its password checked on the bounded hashing pool with no store lock
/// held; only then does a correct sign-in write its session.
pub async fn session_start(State(s): State<Arc<AppState>>, peer: Peer, body: Bytes) -> Result<Response, AppError> {
    let req: SessionRequest = parse_json(&body)?;
    let ip = peer_ip(&peer);
    let (value, me) = match (req.login, req.password, req.token) {
        (None, None, Some(token)) => {
            s.throttle.sign_in("service", ip)?;
            if !constant_time_eq(token.as_bytes(), s.token.as_bytes()) {
                return Err(AuthError::Invalid.into());
            }
            let st = s.clone();
            let (token, p) = blocking(move || {
                stores::accounts(&*st.store, |db| {
                    accounts::open_session(db, &Principal::service().user).map_err(AppError::from)
                })
            })
            .await?;
            (token, Me::from(&p))
        }
        (Some(login), Some(password), None) => {
            s.throttle.sign_in(&login, ip)?;
            let st = s.clone();
            let l = login.clone();
            let account =
                blocking(move || Ok(stores::read_accounts(&*st.store, |db| accounts::password_of(db, &l))?)).await?;
            let hash = account.as_ref().map(|(_, h)| h.clone()).unwrap_or_else(|| accounts::NO_SUCH_LOGIN_HASH.into());
            let matches = s.hashing.run(move || Ok(accounts::verify_password(&password, &hash))).await?;
            let Some((user, _)) = account.filter(|_| matches) else {
                return Err(AuthError::BadPassword.into());
            };
            let st = s.clone();
            let (token, p) = blocking(move || {
                stores::accounts(&*st.store, |db| accounts::open_session(db, &user).map_err(AppError::from))
            })
            .await?;
            (token, Me::from(&p))
        }
        _ => {
            return Err(AppError::bad(
                "invalid_body",
                "send {\"login\", \"password\"} (or the server's {\"token\"})",
                Some("login".into()),
            ))
        }
    };
    let max_age = accounts::SESSION_TTL_MS / 1000;
    Ok((StatusCode::OK, [(header::SET_COOKIE, cookie(&value, max_age))], Json(me)).into_response())
}

pub async fn session_end(State(s): State<Arc<AppState>>, headers: HeaderMap) -> Result<Response, AppError> {
    if let Some(session) = session_cookie(&headers) {
        blocking(move || Ok(stores::accounts(&*s.store, |db| accounts::sign_out(db, &session))?)).await?;
    }
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie("", 0))]).into_response())
}

pub async fn me(Extension(p): Extension<Principal>) -> Json<Me> {
    Json(Me::from(&p))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EnrollmentRequest {
    /// The user the device will act as.
    login: String,
}

/// An enrollment code, with the link the dashboard shows as a QR code.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export_to = "server/")]
pub struct EnrollmentResponse {
    #[serde(flatten)]
    pub enrollment: Enrollment,
    /// `qadam://enroll?server=…&code=…`: what the QR code holds.
    pub link: String,
}

/// Makes a one-time enrollment code for a user: administrators for anyone,
/// coordinators for auditors of the campaigns they coordinate. A device a
/// coordinator enrolls reaches only the campaigns that coordinator
/// coordinates (and its user belongs to), never the user's other ones. The
/// link names the server by its configured public URL, never by the
/// request's `Host`.
pub async fn create_enrollment(
    State(s): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
    body: Bytes,
) -> Result<Json<EnrollmentResponse>, AppError> {
    require_coordinator(&p)?;
    let req: EnrollmentRequest = parse_json(&body)?;
    let server = s.public_url.clone().unwrap_or_else(|| "http://localhost".into());
    let enrollment = blocking(move || {
        stores::accounts(&*s.store, |db| -> Result<Enrollment, AppError> {
            let user = accounts::user_by_login(db, &req.login)?;
            if p.is_admin() {
                return Ok(accounts::create_enrollment(db, &user.login, &p.user.login, None)?);
            }
            let mut scope = Vec::new();
            for c in p.campaigns.keys().copied().filter(|c| p.can_coordinate(*c)) {
                if accounts::members(db, c)?.iter().any(|(login, _, _)| *login == user.login) {
                    scope.push(c);
                }
            }
            if scope.is_empty() || user.role != Role::Auditor {
                return Err(AppError::forbidden(format!(
                    "`{}` is not an auditor in a campaign you coordinate; ask an administrator",
                    user.login
                )));
            }
            Ok(accounts::create_enrollment(db, &user.login, &p.user.login, Some(&scope))?)
        })
    })
    .await?;
    let link = format!("qadam://enroll?server={}&code={}", urlencode(&server), enrollment.code);
    Ok(Json(EnrollmentResponse { enrollment, link }))
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Redeems an enrollment code: the device receives its token, once.
pub async fn enroll(State(s): State<Arc<AppState>>, peer: Peer, body: Bytes) -> Result<Json<EnrolledDevice>, AppError> {
    let req: qadam_core::change::EnrollRequest = parse_json(&body)?;
    s.throttle.enroll(peer_ip(&peer))?;
    Ok(Json(
        blocking(move || {
            stores::accounts(&*s.store, |db| accounts::enroll(db, &req.code, &req.device_name).map_err(AppError::from))
        })
        .await?,
    ))
}

pub async fn devices(
    State(s): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
) -> Result<Json<Vec<accounts::Device>>, AppError> {
    require_admin(&p)?;
    Ok(Json(blocking(move || Ok(stores::read_accounts(&*s.store, |db| accounts::devices(db))?)).await?))
}

/// Lifts the sign-in lockout of an account (administrators).
pub async fn unlock_user(
    State(s): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
    Path(login): Path<String>,
) -> Result<StatusCode, AppError> {
    require_admin(&p)?;
    let st = s.clone();
    let l = login.clone();
    blocking(move || Ok(stores::read_accounts(&*st.store, |db| accounts::user_by_login(db, &l))?)).await?;
    s.throttle.lift(&login);
    Ok(StatusCode::NO_CONTENT)
}

/// Revokes a device: refused from now on with a clear reason; what it has
/// not synced stays on it.
pub async fn revoke_device(
    State(s): State<Arc<AppState>>,
    Extension(p): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Json<accounts::Device>, AppError> {
    require_admin(&p)?;
    let id = Uuid::parse_str(&id)
        .map_err(|_| AppError::bad("invalid_id", format!("`{id}` is not a device id"), Some("id".into())))?;
    Ok(Json(
        blocking(move || {
            let device = stores::accounts(&*s.store, |db| accounts::revoke_device(db, id, &p.user.login))?;
            s.devices.forget_principals();
            Ok(device)
        })
        .await?,
    ))
}
