//! Campaigns as the dashboard runs them, without a shell: a new campaign
//! (name, region, rule set), its members and their roles, the rule sets to
//! choose from, and the server's accounts (administrators add, disable and
//! enable them). The CLI's `campaign add` makes its campaign through
//! [`create_in`] too.

use std::sync::Arc;

use qadam_core::model::{Campaign, EntityKind};
use qadam_core::rules::RuleSetInfo;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{blocking, may_coordinate, require_admin, require_coordinator};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::accounts::{self, MemberRole, Principal, Role, User};
use crate::store::{self as stores, Access, SyncStore, COORDINATOR_DEVICE};

/// A campaign to create.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCampaign {
    pub name: String,
    /// A city or region, as the coordinator names it.
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub description: String,
    /// A rule set id of `GET /api/v1/rule-sets`.
    pub rule_set: String,
}

/// A member of a campaign, as its page lists them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema, ts_rs::TS)]
#[ts(export_to = "server/")]
pub struct Member {
    pub login: String,
    pub name: String,
    pub role: MemberRole,
}

/// A member's role in a campaign, as set.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberRequest {
    pub role: MemberRole,
}

/// An account to add.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub login: String,
    #[serde(default)]
    pub name: String,
    pub role: Role,
    /// At least 8 characters; the user changes nothing else with it here.
    pub password: String,
}

/// Creates a campaign in `store` as `device_id`: its fields checked as a
/// device's would be, the rule set one that ships, in one push.
pub fn create_in(store: &dyn SyncStore, c: NewCampaign, device_id: &str) -> Result<Campaign, AppError> {
    let name = c.name.trim();
    if name.is_empty() {
        return Err(qadam_core::ModelError::invalid("name", "a campaign needs a name").into());
    }
    known_rule_set(store, &c.rule_set)?;
    let campaign = Campaign {
        id: Uuid::now_v7(),
        name: name.to_string(),
        description: c.description.trim().to_string(),
        region: c.region.trim().to_string(),
        rule_set: c.rule_set,
        synthetic: false,
    };
    let fields = [
        ("name", campaign.name.clone()),
        ("region", campaign.region.clone()),
        ("description", campaign.description.clone()),
        ("rule_set", campaign.rule_set.clone()),
    ]
    .map(|(f, v)| (f, serde_json::Value::String(v)));
    let mut clock = qadam_core::HlcClock::default();
    let changes = qadam_core::change::Change::record(EntityKind::Campaign, campaign.id, fields, &mut clock, device_id);
    store.push(changes, &Access::All)?;
    Ok(campaign)
}

/// Creates a campaign (administrators and coordinators). A coordinator
/// who creates one becomes its coordinator.
pub async fn create(s: &Arc<AppState>, p: Principal, c: NewCampaign) -> Result<Campaign, AppError> {
    require_coordinator(&p)?;
    let s = s.clone();
    blocking(move || {
        let campaign = create_in(&*s.store, c, COORDINATOR_DEVICE)?;
        if !p.is_admin() {
            stores::accounts(&*s.store, |db| {
                accounts::set_member(db, campaign.id, &p.user.login, MemberRole::Coordinator)
            })?;
        }
        Ok(campaign)
    })
    .await
}

/// Refuses a rule set id the server's norms do not hold, naming those they do.
fn known_rule_set(store: &dyn SyncStore, id: &str) -> Result<(), AppError> {
    let norms = store.norms();
    if norms.rule_set(id).is_err() {
        let known: Vec<String> = norms.catalogue().into_iter().map(|r| r.id).collect();
        return Err(qadam_core::ModelError::invalid(
            "rule_set",
            format!("`{id}` is not a rule set of this server; known: {}", known.join(", ")),
        )
        .into());
    }
    Ok(())
}

/// The rule sets a campaign may audit against, by id.
pub fn rule_sets(s: &AppState) -> Vec<RuleSetInfo> {
    s.store.norms().catalogue()
}

/// A campaign's rule set, as its coordinator chooses it.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleSetChoice {
    /// A rule set id of `GET /api/v1/rule-sets`.
    pub rule_set: String,
}

/// Changes the rule set a campaign audits against (its coordinators and
/// administrators): one change of the campaign's `rule_set` field, so every
/// device re-judges the campaign's objects with it after its next sync.
/// Audits already sent keep the rule set version they record.
pub async fn set_rule_set(
    s: &Arc<AppState>,
    p: Principal,
    campaign: Uuid,
    choice: RuleSetChoice,
) -> Result<Campaign, AppError> {
    may_coordinate(&p, Some(campaign))?;
    let s = s.clone();
    blocking(move || {
        let store = &*s.store;
        let mut c = store
            .campaigns()?
            .into_iter()
            .find(|c| c.id == campaign)
            .ok_or_else(|| AppError::NotFound(format!("campaign {campaign}")))?;
        known_rule_set(store, &choice.rule_set)?;
        if c.rule_set != choice.rule_set {
            let mut clock = qadam_core::HlcClock::default();
            let changes = qadam_core::change::Change::record(
                EntityKind::Campaign,
                campaign,
                [("rule_set", serde_json::Value::String(choice.rule_set.clone()))],
                &mut clock,
                COORDINATOR_DEVICE,
            );
            store.push(changes, &Access::All)?;
            c.rule_set = choice.rule_set;
        }
        Ok(c)
    })
    .await
}

fn existing(store: &dyn SyncStore, campaign: Uuid) -> Result<(), AppError> {
    if store.campaigns()?.iter().any(|c| c.id == campaign) {
        Ok(())
    } else {
        Err(AppError::NotFound(format!("campaign {campaign}")))
    }
}

fn members_of(store: &dyn SyncStore, campaign: Uuid) -> Result<Vec<Member>, AppError> {
    Ok(stores::read_accounts(store, |db| accounts::members(db, campaign))?
        .into_iter()
        .map(|(login, name, role)| Member { login, name, role })
        .collect())
}

/// A campaign's members (its coordinators and administrators).
pub async fn members(s: &Arc<AppState>, p: Principal, campaign: Uuid) -> Result<Vec<Member>, AppError> {
    may_coordinate(&p, Some(campaign))?;
    let s = s.clone();
    blocking(move || {
        existing(&*s.store, campaign)?;
        members_of(&*s.store, campaign)
    })
    .await
}

/// Adds `login` to a campaign, or changes their role there. Only a
/// coordinator's account may coordinate; a disabled account is refused.
/// Answers the members as they are now.
pub async fn set_member(
    s: &Arc<AppState>,
    p: Principal,
    campaign: Uuid,
    login: String,
    role: MemberRole,
) -> Result<Vec<Member>, AppError> {
    may_coordinate(&p, Some(campaign))?;
    let st = s.clone();
    let members = blocking(move || {
        existing(&*st.store, campaign)?;
        stores::accounts(&*st.store, |db| -> Result<(), AppError> {
            let user = accounts::user_by_login(db, &login)?;
            if user.disabled {
                return Err(qadam_core::ModelError::invalid(
                    "login",
                    format!("the account `{login}` is disabled: enable it first"),
                )
                .into());
            }
            if role == MemberRole::Coordinator && user.role == Role::Auditor {
                return Err(qadam_core::ModelError::invalid(
                    "role",
                    format!("`{login}` is an auditor's account: only a coordinator's account may coordinate"),
                )
                .into());
            }
            Ok(accounts::set_member(db, campaign, &login, role)?)
        })?;
        members_of(&*st.store, campaign)
    })
    .await?;
    s.devices.forget_principals();
    Ok(members)
}

/// Takes `login` out of a campaign: their devices stop syncing it. A
/// coordinator cannot take themselves out (another coordinator or an
/// administrator can).
pub async fn remove_member(s: &Arc<AppState>, p: Principal, campaign: Uuid, login: String) -> Result<(), AppError> {
    may_coordinate(&p, Some(campaign))?;
    if !p.is_admin() && p.user.login == login {
        return Err(AppError::forbidden(
            "you cannot take yourself out of a campaign you coordinate: ask another coordinator or an administrator",
        ));
    }
    let st = s.clone();
    blocking(move || {
        existing(&*st.store, campaign)?;
        Ok(stores::accounts(&*st.store, |db| accounts::remove_member(db, campaign, &login))?)
    })
    .await?;
    s.devices.forget_principals();
    Ok(())
}

/// Every account (coordinators choose members from it).
pub async fn users(s: &Arc<AppState>, p: Principal) -> Result<Vec<User>, AppError> {
    require_coordinator(&p)?;
    let s = s.clone();
    blocking(move || Ok(stores::read_accounts(&*s.store, |db| accounts::users(db))?)).await
}

/// Adds an account (administrators). The password is hashed on the
/// server's bounded pool before the store is written.
pub async fn add_user(s: &Arc<AppState>, p: Principal, u: NewUser) -> Result<User, AppError> {
    require_admin(&p)?;
    accounts::check_password(&u.password)?;
    let password = u.password;
    let hash = s.hashing.run(move || Ok(crate::secrets::hash_password(&password)?)).await?;
    let s = s.clone();
    blocking(move || {
        let name = if u.name.trim().is_empty() { u.login.trim().to_string() } else { u.name };
        Ok(stores::accounts(&*s.store, |db| accounts::add_user_hashed(db, &u.login, &name, u.role, &hash))?)
    })
    .await
}

/// Disables or enables an account (administrators, never their own).
/// A disabled account's sessions end and its devices are refused.
pub async fn set_disabled(s: &Arc<AppState>, p: Principal, login: String, disabled: bool) -> Result<User, AppError> {
    require_admin(&p)?;
    if disabled && p.user.login == login {
        return Err(AppError::forbidden("you cannot disable your own account"));
    }
    let st = s.clone();
    let user = blocking(move || {
        Ok(stores::accounts(&*st.store, |db| {
            if disabled {
                accounts::disable_user(db, &login)
            } else {
                accounts::enable_user(db, &login)
            }
        })?)
    })
    .await?;
    s.devices.forget_principals();
    Ok(user)
}
