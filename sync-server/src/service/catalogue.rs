//! The catalogue of regions, districts and object categories: anyone reads
//! it (devices fetch it when theirs is older, the public map names places
//! with it); administrators add to it.

use std::sync::Arc;

use qadam_core::catalogue::{Addition, Catalogue};

use super::{blocking, require_admin};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::accounts::Principal;
use crate::store::catalogue;

/// The catalogue's version alone (cheap: a device asks it every sync).
pub async fn version(s: &Arc<AppState>) -> Result<i64, AppError> {
    let s = s.clone();
    blocking(move || Ok(crate::store::read_accounts(&*s.store, catalogue::version)?)).await
}

pub async fn get(s: &Arc<AppState>) -> Result<Catalogue, AppError> {
    let s = s.clone();
    blocking(move || Ok(crate::store::read_accounts(&*s.store, catalogue::load)?)).await
}

/// Adds a region, a district or a category (administrators); answers the
/// catalogue with it.
pub async fn add(s: &Arc<AppState>, p: Principal, a: Addition) -> Result<Catalogue, AppError> {
    require_admin(&p)?;
    let by = p.display_name();
    let s = s.clone();
    blocking(move || Ok(crate::store::accounts(&*s.store, |db| catalogue::add(db, a, &by))?)).await
}
