//! Accounts: who a request comes from (the API token, a device token, a
//! dashboard session), signing in and out, enrolling devices and revoking
//! them. Passwords are checked on the bounded hashing pool with no store
//! lock held; reads take a read transaction, never the writer.

use qadam_core::ErrorCode;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{blocking, require_admin, require_coordinator, sync_lane};
use crate::error::AppError;
use crate::secrets::{constant_time_eq, verify_password, NO_SUCH_LOGIN_HASH};
use crate::state::AppState;
use crate::store::accounts::{self, AuthError, EnrolledDevice, Enrollment, MemberRole, Principal, Role};
use crate::store::{self as stores};

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
    principals: parking_lot::Mutex<HashMap<[u8; 32], (Principal, Instant)>>,
    authors: parking_lot::Mutex<HashMap<(String, String), Instant>>,
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
        map.insert(key, (p.clone(), Instant::now()));
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
        let now = Instant::now();
        for d in device_ids {
            map.insert((d.to_string(), login.to_string()), now);
        }
    }
}

/// What a request presents to say who it is.
pub enum Credentials {
    /// `Authorization: Bearer …`: the API token or a device's token.
    Bearer(String),
    /// The dashboard's session cookie.
    Session(String),
    None,
}

/// Who a request comes from: the shared API token (an administrator), a
/// device token, or a dashboard session.
pub async fn principal(s: &Arc<AppState>, credentials: Credentials) -> Result<Principal, AppError> {
    match credentials {
        Credentials::Bearer(token) => {
            if constant_time_eq(token.as_bytes(), s.token.as_bytes()) {
                return Ok(Principal::service());
            }
            let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
            if let Some(p) = s.devices.principal(&key) {
                return Ok(p);
            }
            let st = s.clone();
            sync_lane(s, move || {
                let (p, stale) = stores::read_accounts(&*st.store, |db| {
                    accounts::device_principal(db, &token).map_err(AppError::from)
                })?;
                if let (true, Some(device)) = (stale, p.device_id) {
                    stores::accounts(&*st.store, |db| accounts::touch_device(db, device).map_err(AppError::from))?;
                }
                st.devices.keep_principal(key, &p);
                Ok(p)
            })
            .await
        }
        Credentials::Session(session) => {
            let s = s.clone();
            blocking(move || {
                stores::read_accounts(&*s.store, |db| {
                    accounts::authenticate_session(db, &session).map_err(AppError::from)
                })
            })
            .await
        }
        Credentials::None => Err(AuthError::Missing.into()),
    }
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
    /// The teams the caller is in, as an object assigned to one names it
    /// (`team:<id>`): their objects are on the caller's list too.
    #[serde(default)]
    pub teams: Vec<String>,
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
            teams: Vec::new(),
        }
    }
}

/// The caller with the teams they are in.
pub async fn me(s: &Arc<AppState>, p: Principal) -> Result<Me, AppError> {
    let s = s.clone();
    blocking(move || {
        let mut me = Me::from(&p);
        me.teams = super::teams::assignees_of(&*s.store, &p.user.login)?;
        Ok(me)
    })
    .await
}

/// A dashboard sign-in: a login and password, or the API token.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    pub login: Option<String>,
    pub password: Option<String>,
    /// The shared API token, for the server's operators.
    pub token: Option<String>,
}

/// Signs in to the dashboard: the new session's token and who it is.
/// Every attempt is counted first (per address and per login,
/// [`super::throttle`]); the account is read on a read transaction and its
/// password checked on the bounded hashing pool with no store lock held;
/// only then does a correct sign-in write its session.
pub async fn sign_in(s: &Arc<AppState>, req: SignIn, address: Option<IpAddr>) -> Result<(String, Me), AppError> {
    let user = match (req.login, req.password, req.token) {
        (None, None, Some(token)) => {
            s.throttle.sign_in("service", address)?;
            if !constant_time_eq(token.as_bytes(), s.token.as_bytes()) {
                return Err(AuthError::Invalid.into());
            }
            Principal::service().user
        }
        (Some(login), Some(password), None) => {
            s.throttle.sign_in(&login, address)?;
            let st = s.clone();
            let account =
                blocking(move || Ok(stores::read_accounts(&*st.store, |db| accounts::password_of(db, &login))?))
                    .await?;
            let hash = account.as_ref().map(|(_, h)| h.clone()).unwrap_or_else(|| NO_SUCH_LOGIN_HASH.into());
            let matches = s.hashing.run(move || Ok(verify_password(&password, &hash))).await?;
            let Some((user, _)) = account.filter(|_| matches) else {
                return Err(AuthError::BadPassword.into());
            };
            user
        }
        _ => {
            return Err(AppError::bad(
                ErrorCode::InvalidBody,
                "send {\"login\", \"password\"} (or the server's {\"token\"})",
                Some("login".into()),
            ))
        }
    };
    let st = s.clone();
    let (token, p) =
        blocking(move || stores::accounts(&*st.store, |db| accounts::open_session(db, &user).map_err(AppError::from)))
            .await?;
    Ok((token, Me::from(&p)))
}

/// Ends a dashboard session (nothing to do for an unknown one).
pub async fn sign_out(s: &Arc<AppState>, session: String) -> Result<(), AppError> {
    let s = s.clone();
    blocking(move || Ok(stores::accounts(&*s.store, |db| accounts::sign_out(db, &session))?)).await
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

/// Makes a one-time enrollment code for `login`'s device: administrators
/// for anyone, coordinators for auditors of the campaigns they coordinate.
/// A device a coordinator enrolls reaches only the campaigns that
/// coordinator coordinates (and its user belongs to), never the user's
/// other ones. The link names the server by its configured public URL,
/// never by the request's `Host`.
pub async fn create_enrollment(s: &Arc<AppState>, p: Principal, login: String) -> Result<EnrollmentResponse, AppError> {
    require_coordinator(&p)?;
    let server = s.public_url.clone().unwrap_or_else(|| "http://localhost".into());
    let s = s.clone();
    let enrollment = blocking(move || {
        stores::accounts(&*s.store, |db| -> Result<Enrollment, AppError> {
            let user = accounts::user_by_login(db, &login)?;
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
    Ok(EnrollmentResponse { enrollment, link })
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
pub async fn enroll(
    s: &Arc<AppState>,
    req: qadam_core::change::EnrollRequest,
    address: Option<IpAddr>,
) -> Result<EnrolledDevice, AppError> {
    s.throttle.enroll(address)?;
    let s = s.clone();
    blocking(move || {
        stores::accounts(&*s.store, |db| accounts::enroll(db, &req.code, &req.device_name).map_err(AppError::from))
    })
    .await
}

/// Every enrolled device (administrators).
pub async fn devices(s: &Arc<AppState>, p: Principal) -> Result<Vec<accounts::Device>, AppError> {
    require_admin(&p)?;
    let s = s.clone();
    blocking(move || Ok(stores::read_accounts(&*s.store, |db| accounts::devices(db))?)).await
}

/// Lifts the sign-in lockout of an account (administrators).
pub async fn unlock(s: &Arc<AppState>, p: Principal, login: String) -> Result<(), AppError> {
    require_admin(&p)?;
    let st = s.clone();
    let l = login.clone();
    blocking(move || Ok(stores::read_accounts(&*st.store, |db| accounts::user_by_login(db, &l))?)).await?;
    s.throttle.lift(&login);
    Ok(())
}

/// Revokes a device: refused from now on with a clear reason; what it has
/// not synced stays on it.
pub async fn revoke(s: &Arc<AppState>, p: Principal, device: Uuid) -> Result<accounts::Device, AppError> {
    require_admin(&p)?;
    let s = s.clone();
    blocking(move || {
        let device = stores::accounts(&*s.store, |db| accounts::revoke_device(db, device, &p.user.login))?;
        s.devices.forget_principals();
        Ok(device)
    })
    .await
}
