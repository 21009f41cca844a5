//! The HTTP face: the router built from the route table ([`routes`]), the
//! headers every answer carries, and one module of thin handlers per
//! resource. A handler reads the request through [`extract`] (which
//! refuses bad input with the one [`AppError`]), calls its service, and
//! writes the answer; it decides nothing.

pub mod accounts;
pub mod adaptations;
pub mod basemap;
pub mod campaigns;
pub mod catalogue;
pub mod conflicts;
pub mod encoding;
mod error;
pub mod extract;
pub mod findings;
pub mod norms;
pub mod openapi;
pub mod photos;
pub mod public;
pub mod reviews;
pub mod routes;
pub mod sync;

use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodFilter;
use axum::Router;
use tower_http::services::{ServeDir, ServeFile};

pub use sync::{decode_push, MAX_PUSH_BYTES};

use crate::error::AppError;
use crate::state::AppState;

/// The API's prefix; paths outside it (`/healthz`) are served at the root.
const API: &str = "/api/v1";

impl routes::Operation {
    /// The method as axum filters it.
    pub fn method_filter(&self) -> MethodFilter {
        match self.method {
            "get" => MethodFilter::GET,
            "head" => MethodFilter::HEAD,
            "post" => MethodFilter::POST,
            "put" => MethodFilter::PUT,
            "patch" => MethodFilter::PATCH,
            "delete" => MethodFilter::DELETE,
            other => panic!("the route table names an unknown method `{other}`"),
        }
    }
}

/// The router: every operation of [`routes::OPERATIONS`], those that need
/// a caller behind the authentication middleware; an unknown API path is
/// a JSON 404, any other path the dashboard (when it is served).
pub fn router(state: Arc<AppState>) -> Router {
    let (mut root, mut open, mut authed) = (Router::new(), Router::new(), Router::new());
    for op in routes::OPERATIONS {
        let handler = (op.handler)(op.method_filter());
        match op.path.strip_prefix(API) {
            Some(path) if op.auth => authed = authed.route(path, handler),
            Some(path) => open = open.route(path, handler),
            None => root = root.route(op.path, handler),
        }
    }
    let api = authed
        .route_layer(middleware::from_fn_with_state(state.clone(), accounts::authenticate))
        .merge(open)
        // An unknown API path is a JSON 404, never the dashboard's page.
        .fallback(|| async { AppError::NotFound("this API path".into()) });
    let mut app = root.nest(API, api).fallback(|| async { AppError::NotFound("this address".into()) });
    if let Some(dir) = &state.dashboard_dir {
        app = app.fallback_service(ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html"))));
    }
    // Bodies are compressed both ways, zstd or gzip, when the peer says it
    // can (`Accept-Encoding` / `Content-Encoding`) and the answer is big
    // enough to gain (`encoding::worth_compressing`): sync is mostly
    // repetitive JSON. Level 1: a fresh device's pull of a city is half a
    // gigabyte of JSON (bench/RESULTS.md). Pull pages come encoded already
    // (`encoding`), and the layer leaves them be.
    // Headers every answer carries unless its handler set its own.
    use tower_http::set_header::SetResponseHeaderLayer as Set;
    let v = header::HeaderValue::from_static;
    app.layer(middleware::from_fn_with_state(state.clone(), same_origin))
        .layer(Set::if_not_present(header::CONTENT_SECURITY_POLICY, csp(&state.basemap)))
        .layer(Set::if_not_present(header::X_CONTENT_TYPE_OPTIONS, v("nosniff")))
        .layer(Set::if_not_present(header::X_FRAME_OPTIONS, v("DENY")))
        .layer(Set::if_not_present(header::REFERRER_POLICY, v("no-referrer")))
        .layer(
            tower_http::compression::CompressionLayer::new()
                .gzip(true)
                .zstd(true)
                .quality(tower_http::compression::CompressionLevel::Fastest)
                .compress_when(encoding::worth_compressing()),
        )
        .layer(tower_http::decompression::RequestDecompressionLayer::new().gzip(true).zstd(true))
        .layer(middleware::from_fn(embeddable))
        .with_state(state)
}

/// The dashboard's Content-Security-Policy: scripts, styles, images and
/// calls from this server only (no inline script: a string that reached an
/// HTML sink still could not run), photos and the QR code as `data:`/`blob:`
/// images, never framed, no plugins, no `<base>`, forms only to itself.
/// Inline *styles* stay allowed: Leaflet and Svelte position elements with
/// `style` attributes.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
form-action 'self'; frame-ancestors 'none'";

/// [`CSP`] with the online tile server's origin allowed for images, when
/// one is configured.
fn csp(basemap: &crate::basemap::Basemap) -> header::HeaderValue {
    let policy = match basemap.tile_origin() {
        Some(origin) => CSP.replace("img-src 'self' data: blob:;", &format!("img-src 'self' data: blob: {origin};")),
        None => CSP.to_string(),
    };
    header::HeaderValue::from_str(&policy).expect("the tile URL was checked at start")
}

/// The public map's widget (`/embed`) may be framed by any site (an NGO's,
/// the city's): its answer says `frame-ancestors *` instead of `'none'`
/// and drops `X-Frame-Options`. Every other page stays unframeable.
async fn embeddable(req: axum::extract::Request, next: middleware::Next) -> Response {
    let embed = matches!(req.uri().path(), EMBED_PATH | "/embed/");
    let mut res = next.run(req).await;
    if embed {
        let h = res.headers_mut();
        h.remove(header::X_FRAME_OPTIONS);
        if let Some(policy) = h.get(header::CONTENT_SECURITY_POLICY).and_then(|v| v.to_str().ok()) {
            let framed = policy.replace("frame-ancestors 'none'", "frame-ancestors *");
            if let Ok(v) = header::HeaderValue::from_str(&framed) {
                h.insert(header::CONTENT_SECURITY_POLICY, v);
            }
        }
    }
    res
}

/// Where the embeddable public map is served.
pub const EMBED_PATH: &str = "/embed";

/// Refuses a state-changing request a browser sends from another origin
/// (a page elsewhere posting `text/plain` to the API with the coordinator's
/// cookie): its `Origin` must be this server as the request addressed it
/// (`Host`) or its configured public URL. Devices and scripts send no
/// `Origin` and are authorised by their token.
async fn same_origin(State(s): State<Arc<AppState>>, req: axum::extract::Request, next: middleware::Next) -> Response {
    use axum::http::Method;
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let Some(origin) = req.headers().get(header::ORIGIN) else { return next.run(req).await };
    let origin = origin.to_str().unwrap_or("null").trim_end_matches('/').to_ascii_lowercase();
    let host = req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    let own = origin
        .split_once("://")
        .is_some_and(|(scheme, authority)| matches!(scheme, "http" | "https") && !host.is_empty() && authority == host);
    let public = s.public_url.as_deref().is_some_and(|u| u.to_ascii_lowercase() == origin);
    if own || public {
        next.run(req).await
    } else {
        AppError::forbidden(format!(
            "a request from the page at {origin} may not change anything here (only this server's own pages may)"
        ))
        .into_response()
    }
}
