//! Accepting connections with limits: at most [`Limits::max_connections`]
//! open at once (past it a new connection gets `503` and is closed), the
//! request head within [`Limits::header_timeout`] (hyper's header read
//! timer, which also closes a keep-alive connection that sits idle that
//! long), each piece of a request body within [`Limits::body_timeout`]
//! and a whole request within [`Limits::request_timeout`] (`tower-http`).
//! Slow-header, slow-body and idle connections are closed instead of held
//! forever.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_connections: usize,
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    pub request_timeout: Duration,
}

impl Default for Limits {
    /// 1,000 connections (200 phones syncing at once use a fifth); 10 s
    /// for a request head or between body chunks; 5 minutes for a whole
    /// request (a photo chunk of 512 KB over a slow 3G link).
    fn default() -> Self {
        Limits {
            max_connections: 1_000,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(300),
        }
    }
}

const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: 102\r\n\r\n{\"error\":{\"code\":\"busy\",\"message\":\"the server has too many open connections; try again\",\"field\":null}}";

/// Serves `app` on `listener` within `limits` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl std::future::Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let app = app
        .layer(RequestBodyTimeoutLayer::new(limits.body_timeout))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, limits.request_timeout));
    let open = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    // HTTP/1.1 (browsers speak HTTP/2 only over TLS, which a proxy in front
    // ends). Not hyper-util's automatic version detection: it waits for a
    // first byte with no timer, so a connection that never spoke stayed open.
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout).keep_alive(true);
    let builder = Arc::new(builder);
    tokio::pin!(shutdown);
    loop {
        let (mut stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                // Out of file descriptors and the like: wait, go on.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => {
                // Requests in flight finish (idle connections close within
                // the header timeout); then the server stops.
                let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
                let _ = tokio::time::timeout(limits.header_timeout, open.acquire_many(all)).await;
                return Ok(());
            }
        };
        let Ok(permit) = open.clone().try_acquire_owned() else {
            tokio::spawn(async move {
                let _ = tokio::time::timeout(Duration::from_secs(1), stream.write_all(BUSY)).await;
            });
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let builder = builder.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                let mut app = app.clone();
                async move {
                    use tower::Service;
                    app.call(req.map(axum::body::Body::new)).await
                }
            });
            let _ = builder.serve_connection(TokioIo::new(stream), service).await;
            drop(permit);
        });
    }
}
