//! Authentication (who is calling, put in the request for the handlers'
//! [`super::extract::Caller`]) and the account endpoints: dashboard
//! sign-in, device enrollment and revocation. What the caller may touch
//! is decided by the services.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde::Deserialize;
use uuid::Uuid;

use super::extract::{Caller, Json, Param};
use crate::error::AppError;
use crate::service::accounts::{self, Credentials, EnrollmentResponse, Me, SignIn};
use crate::state::AppState;
use crate::store::accounts::{Device, EnrolledDevice};

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

fn credentials(headers: &HeaderMap) -> Credentials {
    match (bearer(headers), session_cookie(headers)) {
        (Some(token), _) => Credentials::Bearer(token),
        (None, Some(session)) => Credentials::Session(session),
        (None, None) => Credentials::None,
    }
}

/// Middleware: refuses a request without valid credentials, and hands the
/// principal to the handler.
pub async fn authenticate(State(s): State<Arc<AppState>>, mut req: Request, next: Next) -> Response {
    match accounts::principal(&s, credentials(req.headers())).await {
        Ok(p) => {
            req.extensions_mut().insert(p);
            next.run(req).await
        }
        Err(e) => e.into_response(),
    }
}

fn cookie(value: &str, max_age_s: i64) -> String {
    format!("{SESSION_COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age_s}")
}

/// The address a request came from (the TCP peer), when the server was
/// started with connection info (it always is; tests may not).
pub type Peer = Option<Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>;

pub fn peer_ip(peer: &Peer) -> Option<std::net::IpAddr> {
    peer.as_ref().map(|Extension(c)| c.0.ip())
}

/// Signs in to the dashboard: an HttpOnly session cookie, so the
/// dashboard's `<img>` requests are authorised too.
pub async fn session_start(
    State(s): State<Arc<AppState>>,
    peer: Peer,
    Json(req): Json<SignIn>,
) -> Result<Response, AppError> {
    let (token, me) = accounts::sign_in(&s, req, peer_ip(&peer)).await?;
    let max_age = crate::store::accounts::SESSION_TTL_MS / 1000;
    Ok((StatusCode::OK, [(header::SET_COOKIE, cookie(&token, max_age))], axum::Json(me)).into_response())
}

pub async fn session_end(State(s): State<Arc<AppState>>, headers: HeaderMap) -> Result<Response, AppError> {
    if let Some(session) = session_cookie(&headers) {
        accounts::sign_out(&s, session).await?;
    }
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie("", 0))]).into_response())
}

pub async fn me(State(s): State<Arc<AppState>>, Caller(p): Caller) -> Result<axum::Json<Me>, AppError> {
    Ok(axum::Json(accounts::me(&s, p).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrollmentRequest {
    /// The user the device will act as.
    login: String,
}

pub async fn create_enrollment(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Json(req): Json<EnrollmentRequest>,
) -> Result<axum::Json<EnrollmentResponse>, AppError> {
    Ok(axum::Json(accounts::create_enrollment(&s, p, req.login).await?))
}

pub async fn enroll(
    State(s): State<Arc<AppState>>,
    peer: Peer,
    Json(req): Json<qadam_core::change::EnrollRequest>,
) -> Result<axum::Json<EnrolledDevice>, AppError> {
    Ok(axum::Json(accounts::enroll(&s, req, peer_ip(&peer)).await?))
}

pub async fn devices(State(s): State<Arc<AppState>>, Caller(p): Caller) -> Result<axum::Json<Vec<Device>>, AppError> {
    Ok(axum::Json(accounts::devices(&s, p).await?))
}

pub async fn unlock_user(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Param(login): Param<String>,
) -> Result<StatusCode, AppError> {
    accounts::unlock(&s, p, login).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn revoke_device(
    State(s): State<Arc<AppState>>,
    Caller(p): Caller,
    Param(device): Param<Uuid>,
) -> Result<axum::Json<Device>, AppError> {
    Ok(axum::Json(accounts::revoke(&s, p, device).await?))
}
