//! Who may do what: users with a role, campaign members, enrolled devices
//! with their tokens, one-time enrollment codes, and dashboard sessions.
//! The SQL is the same on both backends (see [`super::sql`]); secrets are
//! kept only as the hashes [`crate::secrets`] makes.

use std::collections::BTreeMap;

use qadam_core::{ErrorCode, StoreError};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::sql::{Db, Row, Val};
use crate::secrets::{hash_password, new_enrollment_code, normalize_code, random_hex, token_hash};

/// Tables of the accounts; part of each backend's numbered migrations.
pub const DDL: &str = "
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    login         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled_ms   BIGINT,
    created_ms    BIGINT NOT NULL
);
CREATE TABLE members (
    campaign_id TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    role        TEXT NOT NULL,
    PRIMARY KEY (campaign_id, user_id)
);
CREATE TABLE devices (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    enrolled_ms  BIGINT NOT NULL,
    revoked_ms   BIGINT,
    revoked_by   TEXT,
    last_seen_ms BIGINT
);
CREATE TABLE enrollments (
    code_hash  TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL,
    used_ms    BIGINT,
    device_id  TEXT
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL
);
ALTER TABLE changes ADD COLUMN campaign_id TEXT;
CREATE INDEX changes_by_campaign ON changes(campaign_id, seq);
";

/// Who pushed each device's changes: the account behind a device id that
/// change records carry, so a conflict can name its authors.
pub const DDL_AUTHORS: &str = "
CREATE TABLE change_authors (
    device_id TEXT PRIMARY KEY,
    login     TEXT NOT NULL,
    seen_ms   BIGINT NOT NULL
);
";

/// The campaigns a device may reach when the coordinator who enrolled it
/// does not coordinate all of its user's campaigns: a JSON list of ids
/// (NULL: every campaign of the user, as an administrator's enrollment).
pub const DDL_SCOPE: &str = "
ALTER TABLE enrollments ADD COLUMN scope TEXT;
ALTER TABLE devices ADD COLUMN scope TEXT;
";

/// Of `device_ids`, those not yet noted as `login`'s within the last
/// [`LAST_SEEN_EVERY_MS`] (read only: most pushes need no write).
pub fn authors_to_note(
    db: &mut dyn Db,
    device_ids: &[&str],
    login: &str,
    now_ms: i64,
) -> Result<Vec<String>, StoreError> {
    let mut out = Vec::new();
    for d in device_ids {
        let fresh = db.query(
            "SELECT 1 FROM change_authors WHERE device_id = $1 AND login = $2 AND seen_ms > $3",
            &[(*d).into(), login.into(), (now_ms - LAST_SEEN_EVERY_MS).into()],
        )?;
        if fresh.is_empty() {
            out.push(d.to_string());
        }
    }
    Ok(out)
}

/// Records that `login` pushed changes stamped with these device ids.
pub fn note_authors(db: &mut dyn Db, device_ids: &[&str], login: &str, now_ms: i64) -> Result<(), StoreError> {
    for d in device_ids {
        db.execute(
            "INSERT INTO change_authors (device_id, login, seen_ms) VALUES ($1, $2, $3)
             ON CONFLICT (device_id) DO UPDATE SET login = excluded.login, seen_ms = excluded.seen_ms",
            &[(*d).into(), login.into(), now_ms.into()],
        )?;
    }
    Ok(())
}

/// The account behind each of `device_ids` that has pushed, as
/// `Name (login)`.
pub fn authors(db: &mut dyn Db, device_ids: &[&str]) -> Result<BTreeMap<String, String>, StoreError> {
    let mut out = BTreeMap::new();
    for d in device_ids {
        let rows = db.query(
            "SELECT u.name, u.login FROM change_authors a JOIN users u ON u.login = a.login WHERE a.device_id = $1",
            &[(*d).into()],
        )?;
        if let Some(r) = rows.first() {
            let (name, login) = (text(&r[0]), text(&r[1]));
            out.insert(
                d.to_string(),
                if name.is_empty() || name == login { login } else { format!("{name} ({login})") },
            );
        }
    }
    Ok(out)
}

/// How long an enrollment code stays valid.
pub const ENROLLMENT_TTL_MS: i64 = 24 * 3600 * 1000;
/// How long a dashboard session lasts.
pub const SESSION_TTL_MS: i64 = 12 * 3600 * 1000;

/// A user's role on the server.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "server/")]
pub enum Role {
    /// Records audits in the campaigns they belong to.
    Auditor,
    /// Reviews and resolves the campaigns they coordinate.
    Coordinator,
    /// Manages users, devices and every campaign.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Auditor => "auditor",
            Role::Coordinator => "coordinator",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        [Role::Auditor, Role::Coordinator, Role::Admin].into_iter().find(|r| r.as_str() == s)
    }
}

/// A role in one campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export_to = "server/")]
pub enum MemberRole {
    Auditor,
    Coordinator,
}

impl MemberRole {
    pub fn as_str(self) -> &'static str {
        match self {
            MemberRole::Auditor => "auditor",
            MemberRole::Coordinator => "coordinator",
        }
    }

    pub fn parse(s: &str) -> Option<MemberRole> {
        [MemberRole::Auditor, MemberRole::Coordinator].into_iter().find(|r| r.as_str() == s)
    }
}

/// An account, as administrators list them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export_to = "server/")]
pub struct User {
    pub id: Uuid,
    pub login: String,
    pub name: String,
    pub role: Role,
    pub disabled: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export_to = "server/")]
pub struct Device {
    pub id: Uuid,
    pub user_login: String,
    pub name: String,
    #[ts(type = "number")]
    pub enrolled_ms: i64,
    #[ts(type = "number | null")]
    pub revoked_ms: Option<i64>,
    #[ts(type = "number | null")]
    pub last_seen_ms: Option<i64>,
}

/// Why a credential was refused; each says what to do.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AuthError {
    #[error("no credentials: send `Authorization: Bearer <device token>` or sign in")]
    Missing,
    #[error("the token or session is not valid: enroll the device again or sign in again")]
    Invalid,
    #[error("this device was revoked by an administrator; its unsynced data stays on it: ask your coordinator for a new enrollment code")]
    Revoked,
    #[error("the account `{0}` is disabled: ask an administrator")]
    Disabled(String),
    #[error("wrong login or password")]
    BadPassword,
    #[error("the enrollment code is unknown, used or expired: ask your coordinator for a new one")]
    BadEnrollment,
}

impl AuthError {
    pub fn code(&self) -> ErrorCode {
        match self {
            AuthError::Missing => ErrorCode::Unauthorized,
            AuthError::Invalid => ErrorCode::InvalidToken,
            AuthError::Revoked => ErrorCode::DeviceRevoked,
            AuthError::Disabled(_) => ErrorCode::AccountDisabled,
            AuthError::BadPassword => ErrorCode::BadPassword,
            AuthError::BadEnrollment => ErrorCode::BadEnrollmentCode,
        }
    }
}

/// Who is calling, and which campaigns they may touch.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    pub user: User,
    pub device_id: Option<Uuid>,
    pub campaigns: BTreeMap<Uuid, MemberRole>,
}

impl Principal {
    /// How the principal is named in records it writes: `Name (login)`.
    pub fn display_name(&self) -> String {
        if self.user.name.is_empty() || self.user.name == self.user.login {
            self.user.login.clone()
        } else {
            format!("{} ({})", self.user.name, self.user.login)
        }
    }

    /// The principal of the server's shared API token: an administrator.
    pub fn service() -> Principal {
        Principal {
            user: User {
                id: Uuid::nil(),
                login: "service".into(),
                name: "API token".into(),
                role: Role::Admin,
                disabled: false,
            },
            device_id: None,
            campaigns: BTreeMap::new(),
        }
    }

    pub fn is_admin(&self) -> bool {
        self.user.role == Role::Admin
    }

    pub fn can_read(&self, campaign: Uuid) -> bool {
        self.is_admin() || self.campaigns.contains_key(&campaign)
    }

    pub fn can_coordinate(&self, campaign: Uuid) -> bool {
        self.is_admin() || self.campaigns.get(&campaign) == Some(&MemberRole::Coordinator)
    }

    /// Whether the principal may use the coordinator dashboard at all.
    pub fn is_coordinator(&self) -> bool {
        self.is_admin() || self.user.role == Role::Coordinator
    }
}

pub fn now_ms() -> i64 {
    qadam_core::hlc::now_ms() as i64
}

fn uuid(v: &Val) -> Result<Uuid, StoreError> {
    let s = v.text().ok_or_else(|| StoreError::Corrupt("expected a uuid".into()))?;
    Uuid::parse_str(s).map_err(|e| StoreError::Corrupt(format!("uuid {s}: {e}")))
}

fn text(v: &Val) -> String {
    v.text().unwrap_or_default().to_string()
}

const USER_COLUMNS: &str = "id, login, name, role, disabled_ms";

fn user_from(r: &Row) -> Result<User, StoreError> {
    Ok(User {
        id: uuid(&r[0])?,
        login: text(&r[1]),
        name: text(&r[2]),
        role: Role::parse(r[3].text().unwrap_or_default())
            .ok_or_else(|| StoreError::Corrupt(format!("role {:?}", r[3])))?,
        disabled: r[4].int().is_some(),
    })
}

fn invalid(field: &str, message: impl Into<String>) -> StoreError {
    qadam_core::ModelError::invalid(field, message).into()
}

/// Refuses a password too short to keep an account.
pub fn check_password(password: &str) -> Result<(), StoreError> {
    if password.chars().count() < 8 {
        return Err(invalid("password", "at least 8 characters"));
    }
    Ok(())
}

pub fn add_user(db: &mut dyn Db, login: &str, name: &str, role: Role, password: &str) -> Result<User, StoreError> {
    check_password(password)?;
    add_user_hashed(db, login, name, role, &hash_password(password)?)
}

/// Adds an account whose password was hashed already (the server hashes
/// on its bounded pool, with no store lock held).
pub fn add_user_hashed(
    db: &mut dyn Db,
    login: &str,
    name: &str,
    role: Role,
    password_hash: &str,
) -> Result<User, StoreError> {
    let login = login.trim();
    if login.is_empty() || login.len() > 100 || login.chars().any(char::is_whitespace) {
        return Err(invalid("login", "1 to 100 characters, no spaces"));
    }
    if name.chars().count() > 200 {
        return Err(invalid("name", "at most 200 characters"));
    }
    if !db.query("SELECT id FROM users WHERE login = $1", &[login.into()])?.is_empty() {
        return Err(invalid("login", format!("`{login}` is taken")));
    }
    let user = User { id: Uuid::now_v7(), login: login.into(), name: name.trim().into(), role, disabled: false };
    db.execute(
        "INSERT INTO users (id, login, name, role, password_hash, created_ms) VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            user.id.to_string().into(),
            user.login.clone().into(),
            user.name.clone().into(),
            role.as_str().into(),
            password_hash.into(),
            now_ms().into(),
        ],
    )?;
    Ok(user)
}

pub fn users(db: &mut dyn Db) -> Result<Vec<User>, StoreError> {
    db.query(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY login"), &[])?.iter().map(user_from).collect()
}

pub fn user_by_login(db: &mut dyn Db, login: &str) -> Result<User, StoreError> {
    let rows = db.query(&format!("SELECT {USER_COLUMNS} FROM users WHERE login = $1"), &[login.into()])?;
    rows.first().map(user_from).transpose()?.ok_or_else(|| StoreError::NotFound { entity: "user", id: login.into() })
}

/// Disables an account: its sessions end and its devices are refused.
pub fn disable_user(db: &mut dyn Db, login: &str) -> Result<User, StoreError> {
    let user = user_by_login(db, login)?;
    db.execute(
        "UPDATE users SET disabled_ms = $1 WHERE id = $2 AND disabled_ms IS NULL",
        &[now_ms().into(), user.id.to_string().into()],
    )?;
    db.execute("DELETE FROM sessions WHERE user_id = $1", &[user.id.to_string().into()])?;
    user_by_login(db, login)
}

pub fn set_member(db: &mut dyn Db, campaign: Uuid, login: &str, role: MemberRole) -> Result<(), StoreError> {
    let user = user_by_login(db, login)?;
    db.execute(
        "DELETE FROM members WHERE campaign_id = $1 AND user_id = $2",
        &[campaign.to_string().into(), user.id.to_string().into()],
    )?;
    db.execute(
        "INSERT INTO members (campaign_id, user_id, role) VALUES ($1, $2, $3)",
        &[campaign.to_string().into(), user.id.to_string().into(), role.as_str().into()],
    )?;
    Ok(())
}

/// Enables a disabled account again.
pub fn enable_user(db: &mut dyn Db, login: &str) -> Result<User, StoreError> {
    let user = user_by_login(db, login)?;
    db.execute("UPDATE users SET disabled_ms = NULL WHERE id = $1", &[user.id.to_string().into()])?;
    user_by_login(db, login)
}

/// Takes `login` out of a campaign (nothing if they were not in it).
pub fn remove_member(db: &mut dyn Db, campaign: Uuid, login: &str) -> Result<(), StoreError> {
    let user = user_by_login(db, login)?;
    db.execute(
        "DELETE FROM members WHERE campaign_id = $1 AND user_id = $2",
        &[campaign.to_string().into(), user.id.to_string().into()],
    )?;
    Ok(())
}

/// Members of a campaign: (login, name, role in the campaign).
pub fn members(db: &mut dyn Db, campaign: Uuid) -> Result<Vec<(String, String, MemberRole)>, StoreError> {
    db.query(
        "SELECT u.login, u.name, m.role FROM members m JOIN users u ON u.id = m.user_id
         WHERE m.campaign_id = $1 ORDER BY u.login",
        &[campaign.to_string().into()],
    )?
    .iter()
    .map(|r| {
        let role = MemberRole::parse(r[2].text().unwrap_or_default())
            .ok_or_else(|| StoreError::Corrupt(format!("member role {:?}", r[2])))?;
        Ok((text(&r[0]), text(&r[1]), role))
    })
    .collect()
}

fn principal_of(db: &mut dyn Db, user: User, device_id: Option<Uuid>) -> Result<Principal, AuthError> {
    if user.disabled {
        return Err(AuthError::Disabled(user.login));
    }
    let rows = db
        .query("SELECT campaign_id, role FROM members WHERE user_id = $1", &[user.id.to_string().into()])
        .map_err(|_| AuthError::Invalid)?;
    let campaigns = rows
        .iter()
        .filter_map(|r| Some((Uuid::parse_str(r[0].text()?).ok()?, MemberRole::parse(r[1].text()?)?)))
        .collect();
    Ok(Principal { user, device_id, campaigns })
}

fn user_by_id(db: &mut dyn Db, id: &str) -> Result<Option<User>, StoreError> {
    db.query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"), &[id.into()])?
        .first()
        .map(user_from)
        .transpose()
}

/// How stale a device's "last seen" may get before a request refreshes it:
/// every request writing it made each sync request a write transaction.
pub const LAST_SEEN_EVERY_MS: i64 = 60_000;

/// The principal of a device token, read only; and whether the device's
/// "last seen" is older than [`LAST_SEEN_EVERY_MS`] (then [`touch_device`]).
pub fn device_principal(db: &mut dyn Db, token: &str) -> Result<(Principal, bool), AuthError> {
    let rows = db
        .query(
            "SELECT id, user_id, revoked_ms, last_seen_ms, scope FROM devices WHERE token_hash = $1",
            &[token_hash(token).into()],
        )
        .map_err(|_| AuthError::Invalid)?;
    let row = rows.first().ok_or(AuthError::Invalid)?;
    if row[2].int().is_some() {
        return Err(AuthError::Revoked);
    }
    let device = uuid(&row[0]).map_err(|_| AuthError::Invalid)?;
    let stale = row[3].int().is_none_or(|seen| now_ms() - seen >= LAST_SEEN_EVERY_MS);
    let user = user_by_id(db, row[1].text().unwrap_or_default()).ok().flatten().ok_or(AuthError::Invalid)?;
    let mut principal = principal_of(db, user, Some(device))?;
    if let Some(scope) = row[4].text() {
        let scope: Vec<Uuid> = serde_json::from_str(scope).map_err(|_| AuthError::Invalid)?;
        principal.campaigns.retain(|c, _| scope.contains(c));
    }
    Ok((principal, stale))
}

/// Notes that a device was seen now.
pub fn touch_device(db: &mut dyn Db, device: Uuid) -> Result<(), StoreError> {
    db.execute("UPDATE devices SET last_seen_ms = $1 WHERE id = $2", &[now_ms().into(), device.to_string().into()])?;
    Ok(())
}

/// What signing in checks, read on a read transaction: the account of
/// `login` and its password hash (`None`: no such login). The password is
/// then verified with no store lock held (`verify_password`, on the
/// server's bounded pool), and only a correct one opens a session.
pub fn password_of(db: &mut dyn Db, login: &str) -> Result<Option<(User, String)>, StoreError> {
    let rows =
        db.query(&format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE login = $1"), &[login.trim().into()])?;
    rows.first().map(|row| Ok((user_from(row)?, text(&row[5])))).transpose()
}

/// Opens a dashboard session for `user` (checked already): a random token,
/// stored only as its hash, expiring after [`SESSION_TTL_MS`], ended by
/// [`sign_out`]. The API token's own sessions are stored the same way, as
/// the nil user.
pub fn open_session(db: &mut dyn Db, user: &User) -> Result<(String, Principal), AuthError> {
    let principal = if user.id == Uuid::nil() { Principal::service() } else { principal_of(db, user.clone(), None)? };
    let token = random_hex(32);
    db.execute(
        "INSERT INTO sessions (token_hash, user_id, created_ms, expires_ms) VALUES ($1, $2, $3, $4)",
        &[token_hash(&token).into(), user.id.to_string().into(), now_ms().into(), (now_ms() + SESSION_TTL_MS).into()],
    )
    .map_err(|_| AuthError::Invalid)?;
    db.execute("DELETE FROM sessions WHERE expires_ms < $1", &[now_ms().into()]).map_err(|_| AuthError::Invalid)?;
    Ok((token, principal))
}

pub fn authenticate_session(db: &mut dyn Db, token: &str) -> Result<Principal, AuthError> {
    let rows = db
        .query("SELECT user_id, expires_ms FROM sessions WHERE token_hash = $1", &[token_hash(token).into()])
        .map_err(|_| AuthError::Invalid)?;
    let row = rows.first().ok_or(AuthError::Invalid)?;
    if row[1].int().unwrap_or(0) < now_ms() {
        return Err(AuthError::Invalid);
    }
    let user_id = row[0].text().unwrap_or_default();
    if user_id == Uuid::nil().to_string() {
        return Ok(Principal::service());
    }
    let user = user_by_id(db, user_id).ok().flatten().ok_or(AuthError::Invalid)?;
    principal_of(db, user, None)
}

pub fn sign_out(db: &mut dyn Db, token: &str) -> Result<(), StoreError> {
    db.execute("DELETE FROM sessions WHERE token_hash = $1", &[token_hash(token).into()])?;
    Ok(())
}

/// A one-time code that enrolls one device for `login`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export_to = "server/")]
pub struct Enrollment {
    pub code: String,
    pub user_login: String,
    #[ts(type = "number")]
    pub expires_ms: i64,
}

/// A one-time enrollment code for `login`, made by `created_by`. A device
/// enrolled with it reaches only the campaigns in `scope` (when given) of
/// those its user belongs to.
pub fn create_enrollment(
    db: &mut dyn Db,
    login: &str,
    created_by: &str,
    scope: Option<&[Uuid]>,
) -> Result<Enrollment, StoreError> {
    let user = user_by_login(db, login)?;
    if user.disabled {
        return Err(invalid("login", format!("the account `{login}` is disabled")));
    }
    let code = new_enrollment_code();
    let expires_ms = now_ms() + ENROLLMENT_TTL_MS;
    db.execute(
        "INSERT INTO enrollments (code_hash, user_id, created_by, created_ms, expires_ms, scope) VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            token_hash(&normalize_code(&code)).into(),
            user.id.to_string().into(),
            created_by.into(),
            now_ms().into(),
            expires_ms.into(),
            scope_text(scope),
        ],
    )?;
    Ok(Enrollment { code, user_login: user.login, expires_ms })
}

pub use qadam_core::change::EnrolledDevice;

/// A scope as stored: a JSON list of campaign ids, or NULL.
fn scope_text(scope: Option<&[Uuid]>) -> Val<'static> {
    match scope {
        Some(ids) => serde_json::to_string(ids).expect("ids serialise").into(),
        None => Val::Null,
    }
}

/// Redeems an enrollment code (inside the caller's transaction): the code is
/// used up and a device token bound to its user is made.
pub fn enroll(db: &mut dyn Db, code: &str, device_name: &str) -> Result<EnrolledDevice, AuthError> {
    let hash = token_hash(&normalize_code(code));
    let rows = db
        .query(
            "SELECT user_id, expires_ms, used_ms, scope FROM enrollments WHERE code_hash = $1",
            &[hash.clone().into()],
        )
        .map_err(|_| AuthError::BadEnrollment)?;
    let row = rows.first().ok_or(AuthError::BadEnrollment)?;
    if row[2].int().is_some() || row[1].int().unwrap_or(0) < now_ms() {
        return Err(AuthError::BadEnrollment);
    }
    let user = user_by_id(db, row[0].text().unwrap_or_default()).ok().flatten().ok_or(AuthError::BadEnrollment)?;
    if user.disabled {
        return Err(AuthError::Disabled(user.login));
    }
    let scope = row[3].clone();
    let device_id = Uuid::now_v7();
    let token = format!("qd_{}", random_hex(32));
    let name: String = device_name.trim().chars().take(100).collect();
    let used = db
        .execute(
            "UPDATE enrollments SET used_ms = $1, device_id = $2 WHERE code_hash = $3 AND used_ms IS NULL",
            &[now_ms().into(), device_id.to_string().into(), hash.into()],
        )
        .map_err(|_| AuthError::BadEnrollment)?;
    if used != 1 {
        return Err(AuthError::BadEnrollment);
    }
    db.execute(
        "INSERT INTO devices (id, user_id, name, token_hash, enrolled_ms, scope) VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            device_id.to_string().into(),
            user.id.to_string().into(),
            if name.is_empty() { "device".to_string() } else { name }.into(),
            token_hash(&token).into(),
            now_ms().into(),
            scope,
        ],
    )
    .map_err(|_| AuthError::BadEnrollment)?;
    Ok(EnrolledDevice { device_id, token, user_login: user.login, user_name: user.name })
}

pub fn devices(db: &mut dyn Db) -> Result<Vec<Device>, StoreError> {
    db.query(
        "SELECT d.id, u.login, d.name, d.enrolled_ms, d.revoked_ms, d.last_seen_ms
         FROM devices d JOIN users u ON u.id = d.user_id ORDER BY d.enrolled_ms",
        &[],
    )?
    .iter()
    .map(|r| {
        Ok(Device {
            id: uuid(&r[0])?,
            user_login: text(&r[1]),
            name: text(&r[2]),
            enrolled_ms: r[3].int().unwrap_or(0),
            revoked_ms: r[4].int(),
            last_seen_ms: r[5].int(),
        })
    })
    .collect()
}

/// Revokes a device: its token is refused from now on. Idempotent.
pub fn revoke_device(db: &mut dyn Db, id: Uuid, by: &str) -> Result<Device, StoreError> {
    db.execute(
        "UPDATE devices SET revoked_ms = $1, revoked_by = $2 WHERE id = $3 AND revoked_ms IS NULL",
        &[now_ms().into(), by.into(), id.to_string().into()],
    )?;
    devices(db)?
        .into_iter()
        .find(|d| d.id == id)
        .ok_or_else(|| StoreError::NotFound { entity: "device", id: id.to_string() })
}
