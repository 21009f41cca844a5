//! Extractors that read a request's parts into typed values and refuse
//! bad ones with the one [`AppError`] (code, message and the field at
//! fault), never axum's plain-text rejections.

use qadam_core::ErrorCode;
use std::str::FromStr;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::AppError;
use crate::store::accounts::{AuthError, Principal};

/// Parses a JSON body, naming the path of the offending field on error.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let code = if inner.is_syntax() || inner.is_eof() { ErrorCode::MalformedJson } else { ErrorCode::InvalidBody };
        let field = (path != ".").then_some(path);
        AppError::bad(code, format!("request body: {inner}"), field)
    })
}

/// The raw body, within the route's limit.
pub struct Body(pub Vec<u8>);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::TooLarge(format!("the request body is larger than this address accepts ({})", e.body_text()))
            } else {
                AppError::bad(
                    ErrorCode::InvalidBody,
                    format!("the request body could not be read: {}", e.body_text()),
                    None,
                )
            }
        })?;
        Ok(Body(bytes.into()))
    }
}

/// A JSON body of type `T` (unknown keys refused where `T` says so).
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let Body(bytes) = Body::from_request(req, state).await?;
        Ok(Json(parse_json(&bytes)?))
    }
}

/// The query string as `T`, naming the parameter at fault.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        let q = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(q.as_bytes()));
        serde_path_to_error::deserialize(de).map(Query).map_err(|e| {
            let path = e.path().to_string();
            let field = (path != ".").then_some(path);
            AppError::bad(ErrorCode::InvalidQuery, format!("query: {}", e.into_inner()), field)
        })
    }
}

/// The route's `N` path parameters as (name, value), refusing a path
/// axum cannot read.
async fn path_params<const N: usize, S: Send + Sync>(
    parts: &mut Parts,
    state: &S,
) -> Result<[(String, String); N], AppError> {
    let Path(params) = Path::<Vec<(String, String)>>::from_request_parts(parts, state)
        .await
        .map_err(|e| AppError::bad(ErrorCode::InvalidPath, e.body_text(), None))?;
    <[(String, String); N]>::try_from(params)
        .map_err(|_| AppError::Internal(format!("a route with {N} path parameter(s) was expected")))
}

/// A path parameter parsed as `T` (a UUID, a number, a hash), naming the
/// parameter when it is not one.
fn parse_param<T: FromStr>((name, value): (String, String)) -> Result<T, AppError> {
    value
        .parse()
        .map_err(|_| AppError::bad(ErrorCode::InvalidId, format!("`{value}` is not a valid {name}"), Some(name)))
}

/// The route's one path parameter, parsed as `T`.
pub struct Param<T>(pub T);

impl<T: FromStr, S: Send + Sync> FromRequestParts<S> for Param<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let [param] = path_params(parts, state).await?;
        parse_param(param).map(Param)
    }
}

/// The route's two path parameters (a campaign and a login), each parsed
/// as [`Param`] parses one.
pub struct Params<A, B>(pub A, pub B);

impl<A: FromStr, B: FromStr, S: Send + Sync> FromRequestParts<S> for Params<A, B> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let [a, b] = path_params(parts, state).await?;
        Ok(Params(parse_param(a)?, parse_param(b)?))
    }
}

/// Who is calling, as the authentication middleware found.
pub struct Caller(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        parts.extensions.get::<Principal>().cloned().map(Caller).ok_or_else(|| AuthError::Missing.into())
    }
}
