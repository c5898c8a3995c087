//! MCP over Streamable HTTP (`/mcp`, rmcp's `StreamableHttpService` in axum), with health, readiness and metrics.
//!
//! Routes:
//! - `/mcp`: the same tools as stdio. Session mode (default) keeps an `Mcp-Session-Id` per client; stateless mode
//!   answers every POST on its own with a JSON body, so replicas behind a load balancer need no affinity.
//! - `/healthz` (liveness) and `/readyz` (database reachable, schema current): open to probes, whatever their
//!   `Host`, and never behind the token (they reveal no data).
//! - `/metrics`: Prometheus (OpenMetrics text), behind the same `Host`/`Origin` checks and token as `/mcp`.
//!
//! Security: `Host` and `Origin` are checked against allow-lists (loopback by default) against DNS rebinding; a
//! bearer token is required whenever the listener is not on a loopback address and, when set, always enforced.
//! TLS is a reverse proxy's job (docs/http.md).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::StatusCode;
use axum::middleware;
use axum::routing::get;
use orch_service::Orchestrator;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio_util::sync::CancellationToken;
use tower_http::timeout::TimeoutLayer;

use crate::metrics::Metrics;
use crate::server::OrchestratorServer;

mod allow;
mod config;
mod guard;
mod layers;
mod listener;
mod probes;

pub use config::*;
pub use listener::default_max_connections;
pub use orch_protocol::health::Liveness;

use allow::AllowList;
pub(crate) use layers::plain;
use layers::{AppState, InFlightRequests, check_host_and_origin, check_token, delete_answers_ok, track_in_flight};
use probes::{healthz, metrics_handler, readyz};

/// A bound HTTP server, not yet serving (so callers can learn the port before clients connect).
pub struct HttpServer {
    listener: tokio::net::TcpListener,
    router: Router,
    sessions: CancellationToken,
    in_flight: InFlightRequests,
    grace: Duration,
    mode: HttpMode,
    limits: listener::ConnectionLimits,
}

impl std::fmt::Debug for HttpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpServer").field("addr", &self.listener.local_addr().ok()).finish_non_exhaustive()
    }
}

impl HttpServer {
    /// Validates `config` and binds its address. Tool calls record into `metrics`.
    pub async fn bind(orch: Arc<Orchestrator>, config: HttpConfig, metrics: Arc<Metrics>) -> Result<Self, HttpError> {
        Self::bind_with(orch, config, metrics, Router::new()).await
    }

    /// Like [`Self::bind`], also serving `extra`'s routes (e.g. the web board) behind the same `Host`/`Origin`
    /// allow-lists. They are not behind the bearer-token check: they authenticate on their own (the board accepts
    /// the same token as a bearer header or as its session cookie), because a browser must load the page before it
    /// can present the token.
    pub async fn bind_with(
        orch: Arc<Orchestrator>,
        config: HttpConfig,
        metrics: Arc<Metrics>,
        extra: Router,
    ) -> Result<Self, HttpError> {
        config.validate()?;
        let allow = AllowList::parse(&config.effective_hosts(), &config.effective_origins())?;
        let sessions = CancellationToken::new();
        let server = OrchestratorServer::new(orch.clone())
            .with_metrics(metrics.clone())
            .with_call_timeout(config.request_timeout);

        let mut rmcp_config = StreamableHttpServerConfig::default()
            .with_cancellation_token(sessions.clone())
            .with_max_request_body_bytes(config.max_body_bytes);
        rmcp_config = match allow.rmcp_hosts() {
            Some(hosts) => rmcp_config.with_allowed_hosts(hosts),
            None => rmcp_config.disable_allowed_hosts(),
        };
        rmcp_config = match allow.rmcp_origins() {
            Some(origins) => rmcp_config.with_allowed_origins(origins).enforce_origin_validation(),
            None => rmcp_config.disable_allowed_origins(),
        };
        let factory = move || Ok(server.clone());
        let session_manager = Arc::new(LocalSessionManager::default());
        let body_guard = guard::BodyGuard {
            max_body_bytes: config.max_body_bytes,
            body_timeout: config.body_timeout,
            sessions: (config.mode == HttpMode::Session).then(|| session_manager.clone()),
        };
        let mcp = match config.mode {
            HttpMode::Session => {
                Router::new().route_service("/mcp", StreamableHttpService::new(factory, session_manager, rmcp_config))
            }
            HttpMode::Stateless => Router::new().route_service(
                "/mcp",
                StreamableHttpService::new(
                    factory,
                    Arc::new(NeverSessionManager::default()),
                    rmcp_config.with_legacy_session_mode(false).with_json_response(true).with_sse_keep_alive(None),
                ),
            ),
        };

        let in_flight = InFlightRequests::new();
        let state = AppState {
            orch,
            metrics,
            allow: Arc::new(allow),
            token: config.token.clone(),
            in_flight: in_flight.clone(),
            started: Instant::now(),
        };
        // The call timeout inside the server answers first with a tool error; this one catches whatever else
        // hangs before a response head (a client trickling its body).
        let head_timeout = config.request_timeout + Duration::from_secs(5);
        let mcp = mcp.layer(middleware::from_fn_with_state(body_guard, guard::guard_mcp_body));
        // Every route merged into `protected` (the web board's included) is behind the Host/Origin checks and the
        // token; only the probes below are outside.
        let protected = mcp
            .layer(middleware::from_fn(delete_answers_ok))
            .layer(middleware::from_fn_with_state(state.clone(), track_in_flight))
            .route("/metrics", get(metrics_handler))
            .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, head_timeout))
            .layer(middleware::from_fn_with_state(state.clone(), check_token))
            .layer(middleware::from_fn_with_state(state.clone(), check_host_and_origin));
        let extra = extra.layer(middleware::from_fn_with_state(state.clone(), check_host_and_origin));
        let router = Router::new()
            .route("/healthz", get(healthz))
            .route("/readyz", get(readyz))
            .merge(protected)
            .with_state(state)
            .merge(extra);

        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .map_err(|source| HttpError::Bind { addr: config.addr, source })?;
        if !config.addr.ip().is_loopback() && config.allowed_hosts.is_empty() {
            tracing::warn!(
                "listening on {} but only loopback Host names are allowed: remote clients get 403 until you pass \
                 --allowed-host NAME (the name or IP they connect to)",
                config.addr
            );
        }
        let limits = listener::ConnectionLimits {
            max_connections: config.max_connections,
            max_per_client: config.max_connections_per_client,
            header_timeout: config.header_timeout,
        };
        Ok(HttpServer {
            listener,
            router,
            sessions,
            in_flight,
            grace: config.shutdown_grace,
            mode: config.mode,
            limits,
        })
    }

    /// The bound address (the real port when 0 was asked for).
    pub fn local_addr(&self) -> Result<SocketAddr, HttpError> {
        Ok(self.listener.local_addr()?)
    }

    /// Serves until `shutdown` completes, then stops accepting connections, lets in-flight requests finish (up to
    /// the grace period), closes the MCP sessions and returns.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<(), HttpError> {
        let addr = self.local_addr()?;
        tracing::info!(
            version = env!("CARGO_PKG_VERSION"),
            mode = self.mode.as_str(),
            "serving MCP Streamable HTTP on http://{addr}/mcp (health: /healthz, /readyz; metrics: /metrics)"
        );
        let stop_accepting = CancellationToken::new();
        let serve = listener::serve(self.listener, self.router, self.limits, stop_accepting.clone());
        let mut serving = tokio::spawn(serve);
        tokio::select! {
            ended = &mut serving => {
                // The server stopped by itself: an accept-loop I/O error.
                ended??;
                return Ok(());
            }
            () = shutdown => {}
        }
        let deadline = tokio::time::Instant::now() + self.grace;
        tracing::info!(
            in_flight = self.in_flight.count(),
            grace_s = self.grace.as_secs_f64(),
            "shutting down: no new connections; letting in-flight requests finish"
        );
        stop_accepting.cancel();
        if tokio::time::timeout_at(deadline, self.in_flight.idle()).await.is_err() {
            tracing::warn!(in_flight = self.in_flight.count(), "grace period over; abandoning in-flight requests");
        }
        // Ends the sessions' standing SSE streams, which would otherwise keep their connections open.
        self.sessions.cancel();
        let close_by = deadline.max(tokio::time::Instant::now() + Duration::from_secs(1));
        match tokio::time::timeout_at(close_by, &mut serving).await {
            Ok(ended) => ended??,
            Err(_) => {
                tracing::warn!("connections still open after the grace period; closing them");
                serving.abort();
            }
        }
        tracing::info!("HTTP server stopped");
        Ok(())
    }
}

/// Serves MCP over Streamable HTTP with `config` until `shutdown` completes (see [`HttpServer::run`]).
pub async fn serve_http(
    orch: Arc<Orchestrator>,
    config: HttpConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), HttpError> {
    HttpServer::bind(orch, config, Arc::new(Metrics::new())).await?.run(shutdown).await
}
