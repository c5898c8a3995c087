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
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use orch_core::TaskFilter;
use orch_service::Orchestrator;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tower_http::timeout::TimeoutLayer;

use crate::metrics::{self, Metrics};
use crate::server::OrchestratorServer;

mod guard;
mod listener;

pub use listener::default_max_connections;

/// The address `serve --http` binds when none is given.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8000";
/// Default request body limit (4 MiB: a large PRD fits; a runaway upload does not); the same as a stdio line's.
pub const DEFAULT_MAX_BODY_BYTES: usize = crate::framing::DEFAULT_MAX_MESSAGE_BYTES;
/// Default time a client has to send a request's headers (a connection trickling them is closed).
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time a client has to send a request's body once its headers are in (slower: 408, connection closed).
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// Default cap on connections open at once from one client address.
pub const DEFAULT_MAX_CONNECTIONS_PER_CLIENT: usize = 256;
/// Default bound on a request and on each tool call (LLM expansions and analyses can take minutes).
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(300);
/// Default time in-flight requests get to finish after SIGTERM.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// How `/mcp` keeps client state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum HttpMode {
    /// One session per client (`Mcp-Session-Id`), SSE streams; for a single server.
    #[default]
    Session,
    /// No sessions, a JSON response per POST: any replica can answer any request.
    Stateless,
}

impl HttpMode {
    fn as_str(self) -> &'static str {
        match self {
            HttpMode::Session => "session",
            HttpMode::Stateless => "stateless",
        }
    }
}

/// A bearer token; its `Debug` never shows the secret.
#[derive(Clone)]
pub struct BearerToken {
    digest: [u8; 32],
}

impl std::fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BearerToken(***)")
    }
}

impl BearerToken {
    /// A token from its secret text (surrounding whitespace, e.g. a token file's newline, is ignored).
    pub fn new(secret: &str) -> Result<Self, HttpError> {
        let secret = secret.trim();
        if secret.is_empty() {
            return Err(HttpError::InvalidToken("the token is empty".into()));
        }
        // RFC 6750 token68 characters, so any HTTP client can send it unchanged.
        if let Some(c) = secret
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | '+' | '/' | '=')))
        {
            return Err(HttpError::InvalidToken(format!(
                "the token contains {c:?}; use letters, digits and -._~+/= (e.g. `openssl rand -hex 32`)"
            )));
        }
        if secret.len() < 16 {
            return Err(HttpError::InvalidToken(format!(
                "the token has {} characters; use at least 16 (e.g. `openssl rand -hex 32`)",
                secret.len()
            )));
        }
        Ok(BearerToken { digest: Sha256::digest(secret.as_bytes()).into() })
    }

    /// Whether `presented` is this token. Both sides are hashed first, so the comparison takes the same time
    /// whatever the presented length, and compared in constant time.
    pub fn matches(&self, presented: &str) -> bool {
        let presented: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        presented.ct_eq(&self.digest).into()
    }
}

/// Everything `serve --http` can configure.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Listen address.
    pub addr: SocketAddr,
    /// Session or stateless.
    pub mode: HttpMode,
    /// Accepted `Host` values: `name`, `name:port`, `[v6]`, or `*` for any. Empty: loopback names only.
    pub allowed_hosts: Vec<String>,
    /// Accepted `Origin` values: `scheme://host`, `scheme://host:port`, `scheme://host:*`, `null`, or `*` for any.
    /// Empty: loopback origins only. Requests without `Origin` (non-browser clients) always pass.
    pub allowed_origins: Vec<String>,
    /// The bearer token clients must present; required unless `addr` is loopback.
    pub token: Option<BearerToken>,
    /// Largest accepted request body; larger ones get 413.
    pub max_body_bytes: usize,
    /// Bound on each tool call and on producing each response's head.
    pub request_timeout: Duration,
    /// Time a client has to send a request's headers.
    pub header_timeout: Duration,
    /// Time a client has to send a request's body.
    pub body_timeout: Duration,
    /// Most connections open at once (keep it below the file-descriptor limit).
    pub max_connections: usize,
    /// Most connections open at once from one client address (a reverse proxy is one address).
    pub max_connections_per_client: usize,
    /// How long in-flight requests may run after shutdown starts.
    pub shutdown_grace: Duration,
    /// The tools offered (`TASK_ORCHESTRATOR_TOOLS`).
    pub tools: crate::ToolProfile,
}

impl HttpConfig {
    /// Defaults for `addr`: session mode, loopback allow-lists, no token, 4 MiB bodies, 300 s request timeout, 10 s
    /// header and 30 s body timeouts, connections capped at half the descriptor limit (256 per client), 30 s grace.
    pub fn new(addr: SocketAddr) -> Self {
        HttpConfig {
            addr,
            mode: HttpMode::Session,
            allowed_hosts: Vec::new(),
            allowed_origins: Vec::new(),
            token: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            max_connections: default_max_connections(),
            max_connections_per_client: DEFAULT_MAX_CONNECTIONS_PER_CLIENT,
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
            tools: crate::ToolProfile::All,
        }
    }

    /// The `Host` values accepted when none are configured.
    pub fn default_allowed_hosts() -> Vec<String> {
        ["localhost", "127.0.0.1", "[::1]"].map(String::from).to_vec()
    }

    /// The `Origin` values accepted when none are configured (loopback pages on any port, http or https).
    pub fn default_allowed_origins() -> Vec<String> {
        ["http", "https"]
            .iter()
            .flat_map(|scheme| ["localhost", "127.0.0.1", "[::1]"].map(|host| format!("{scheme}://{host}:*")))
            .collect()
    }

    fn effective_hosts(&self) -> Vec<String> {
        if self.allowed_hosts.is_empty() { Self::default_allowed_hosts() } else { self.allowed_hosts.clone() }
    }

    fn effective_origins(&self) -> Vec<String> {
        if self.allowed_origins.is_empty() { Self::default_allowed_origins() } else { self.allowed_origins.clone() }
    }

    /// Checks the configuration is safe to serve: a token when not on loopback, parseable allow-lists.
    pub fn validate(&self) -> Result<(), HttpError> {
        if !self.addr.ip().is_loopback() && self.token.is_none() {
            return Err(HttpError::TokenRequired { addr: self.addr });
        }
        if self.max_body_bytes == 0 {
            return Err(HttpError::InvalidConfig("the request body limit must be at least 1 byte".into()));
        }
        if self.request_timeout.is_zero() || self.header_timeout.is_zero() || self.body_timeout.is_zero() {
            return Err(HttpError::InvalidConfig("the request, header and body timeouts must be positive".into()));
        }
        if self.max_connections == 0 || self.max_connections_per_client == 0 {
            return Err(HttpError::InvalidConfig("the connection caps must be at least 1".into()));
        }
        if let Some(limit) = listener::descriptor_limit()
            && self.max_connections as u64 >= limit
        {
            return Err(HttpError::InvalidConfig(format!(
                "--max-connections {} is not below the process's file-descriptor limit of {limit}: the database and \
                 the sandbox would run out of descriptors; lower it or raise the limit (ulimit -n)",
                self.max_connections
            )));
        }
        AllowList::parse(&self.effective_hosts(), &self.effective_origins())?;
        Ok(())
    }
}

/// Serving over HTTP failed.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// A non-loopback listener without a token.
    #[error(
        "refusing to listen on {addr} without a bearer token: anyone who can reach it could read and change the task \
         board. Set TASK_ORCHESTRATOR_TOKEN or --token-file PATH (e.g. from `openssl rand -hex 32`), or listen on \
         127.0.0.1 behind a reverse proxy"
    )]
    TokenRequired {
        /// The address asked for.
        addr: SocketAddr,
    },
    /// The token is unusable.
    #[error("invalid bearer token: {0}")]
    InvalidToken(String),
    /// An allow-list entry or limit is malformed.
    #[error("invalid HTTP configuration: {0}")]
    InvalidConfig(String),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}; is another server using the port? pick another with --http ADDR")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The server stopped on an I/O error.
    #[error("the HTTP server failed: {0}")]
    Serve(#[from] std::io::Error),
    /// The server task panicked.
    #[error("the HTTP server task ended abnormally: {0}")]
    Task(#[from] tokio::task::JoinError),
}

// ---------------------------------------------------------------------------------------------------------------
// Host and Origin allow-lists

#[derive(Debug, Clone, PartialEq, Eq)]
enum PortRule {
    Any,
    Exact(u16),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum OriginRule {
    Null,
    Tuple { scheme: String, host: String, port: PortRule },
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct AllowList {
    /// `None`: any host.
    hosts: Option<Vec<(String, Option<u16>)>>,
    /// `None`: any origin.
    origins: Option<Vec<OriginRule>>,
}

fn normalize_host(host: &str) -> String {
    host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase()
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

impl AllowList {
    fn parse(hosts: &[String], origins: &[String]) -> Result<Self, HttpError> {
        let hosts = if hosts.iter().any(|h| h.trim() == "*") {
            None
        } else {
            Some(hosts.iter().map(|h| parse_host_rule(h)).collect::<Result<Vec<_>, _>>()?)
        };
        let origins = if origins.iter().any(|o| o.trim() == "*") {
            None
        } else {
            Some(origins.iter().map(|o| parse_origin_rule(o)).collect::<Result<Vec<_>, _>>()?)
        };
        Ok(AllowList { hosts, origins })
    }

    fn host_allowed(&self, host: &str, port: Option<u16>) -> bool {
        let Some(rules) = &self.hosts else { return true };
        let host = normalize_host(host);
        rules.iter().any(|(h, p)| *h == host && p.is_none_or(|p| Some(p) == port))
    }

    fn origin_allowed(&self, origin: &str) -> bool {
        let Some(rules) = &self.origins else { return true };
        let origin = origin.trim();
        if origin.eq_ignore_ascii_case("null") {
            return rules.contains(&OriginRule::Null);
        }
        let Ok(uri) = origin.parse::<Uri>() else { return false };
        let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else { return false };
        let scheme = scheme.to_ascii_lowercase();
        let host = normalize_host(authority.host());
        let port = authority.port_u16().or_else(|| default_port(&scheme));
        rules.iter().any(|rule| match rule {
            OriginRule::Null => false,
            OriginRule::Tuple { scheme: s, host: h, port: p } => {
                *s == scheme
                    && *h == host
                    && match p {
                        PortRule::Any => true,
                        PortRule::Exact(n) => port == Some(*n),
                    }
            }
        })
    }

    /// The origin list in rmcp's syntax (explicit ports, so rmcp's deprecated port-less matching never applies).
    fn rmcp_origins(&self) -> Option<Vec<String>> {
        self.origins.as_ref().map(|rules| {
            rules
                .iter()
                .map(|r| match r {
                    OriginRule::Null => "null".to_string(),
                    OriginRule::Tuple { scheme, host, port } => {
                        let host = if host.contains(':') { format!("[{host}]") } else { host.clone() };
                        match port {
                            PortRule::Any => format!("{scheme}://{host}:*"),
                            PortRule::Exact(p) => format!("{scheme}://{host}:{p}"),
                        }
                    }
                })
                .collect()
        })
    }

    /// The host list in rmcp's syntax.
    fn rmcp_hosts(&self) -> Option<Vec<String>> {
        self.hosts.as_ref().map(|rules| {
            rules
                .iter()
                .map(|(h, p)| {
                    let h = if h.contains(':') { format!("[{h}]") } else { h.clone() };
                    match p {
                        Some(p) => format!("{h}:{p}"),
                        None => h,
                    }
                })
                .collect()
        })
    }
}

fn parse_host_rule(entry: &str) -> Result<(String, Option<u16>), HttpError> {
    let entry = entry.trim();
    let bad = || {
        HttpError::InvalidConfig(format!(
            "allowed host '{entry}' is not a host name or host:port (e.g. tasks.example.com, 10.0.0.5:8000, [::1])"
        ))
    };
    if entry.is_empty() || entry.contains('/') {
        return Err(bad());
    }
    // A bare IPv6 address (`::1`) is not an authority; accept it as the bracketed form.
    if entry.parse::<std::net::Ipv6Addr>().is_ok() {
        return Ok((entry.to_ascii_lowercase(), None));
    }
    let authority = entry.parse::<axum::http::uri::Authority>().map_err(|_| bad())?;
    if authority.as_str().contains('@') {
        return Err(bad());
    }
    Ok((normalize_host(authority.host()), authority.port_u16()))
}

fn parse_origin_rule(entry: &str) -> Result<OriginRule, HttpError> {
    let entry = entry.trim();
    if entry.eq_ignore_ascii_case("null") {
        return Ok(OriginRule::Null);
    }
    let bad = || {
        HttpError::InvalidConfig(format!(
            "allowed origin '{entry}' is not scheme://host[:port|:*] (e.g. https://app.example.com, \
             http://localhost:*)"
        ))
    };
    let (base, any_port) = match entry.strip_suffix(":*") {
        Some(base) => (base, true),
        None => (entry, false),
    };
    let uri = base.parse::<Uri>().map_err(|_| bad())?;
    let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else { return Err(bad()) };
    if uri.path_and_query().is_some_and(|p| p.as_str() != "/" && !p.as_str().is_empty()) {
        return Err(bad());
    }
    let scheme = scheme.to_ascii_lowercase();
    let port = match (any_port, authority.port_u16()) {
        (true, None) => PortRule::Any,
        (true, Some(_)) => return Err(bad()),
        (false, Some(p)) => PortRule::Exact(p),
        // RFC 6454: an origin without a port means the scheme's default port.
        (false, None) => PortRule::Exact(default_port(&scheme).ok_or_else(bad)?),
    };
    Ok(OriginRule::Tuple { scheme, host: normalize_host(authority.host()), port })
}

// ---------------------------------------------------------------------------------------------------------------
// Middleware

#[derive(Clone)]
struct AppState {
    orch: Arc<Orchestrator>,
    metrics: Arc<Metrics>,
    allow: Arc<AllowList>,
    token: Option<BearerToken>,
    in_flight: InFlightRequests,
    started: Instant,
}

pub(crate) fn plain(status: StatusCode, message: &str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("{message}\n")).into_response()
}

/// The hosts a request names: its `Host` header and, for an absolute-form request target (or HTTP/2), the URI's
/// authority. Both must be allowed: RFC 9112 makes the URI's authority win over `Host`, so checking only one of
/// them would let `POST http://evil.example/mcp` with an allowed `Host` through.
fn request_hosts(uri: &Uri, headers: &HeaderMap) -> Result<Vec<(String, Option<u16>)>, &'static str> {
    let mut values = headers.get_all(header::HOST).iter();
    let host = values.next();
    if values.next().is_some() {
        return Err("Bad Request: more than one Host header");
    }
    let mut hosts = Vec::with_capacity(2);
    if let Some(value) = host {
        let authority = value
            .to_str()
            .ok()
            .and_then(|v| v.parse::<axum::http::uri::Authority>().ok())
            .filter(|a| !a.as_str().contains('@'))
            .ok_or("Bad Request: malformed Host header")?;
        hosts.push((authority.host().to_string(), authority.port_u16()));
    }
    if let Some(authority) = uri.authority() {
        if authority.as_str().contains('@') {
            return Err("Bad Request: the request target must not carry user information");
        }
        hosts.push((authority.host().to_string(), authority.port_u16()));
    }
    if hosts.is_empty() {
        return Err("Bad Request: missing Host header");
    }
    Ok(hosts)
}

async fn check_host_and_origin(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let hosts = match request_hosts(request.uri(), request.headers()) {
        Ok(hosts) => hosts,
        Err(message) => return plain(StatusCode::BAD_REQUEST, message),
    };
    if let Some((host, _)) = hosts.iter().find(|(host, port)| !state.allow.host_allowed(host, *port)) {
        tracing::warn!(%host, "refused a request with a Host that is not allowed (possible DNS rebinding)");
        return plain(
            StatusCode::FORBIDDEN,
            "Forbidden: Host header is not allowed; the operator can allow it with --allowed-host",
        );
    }
    if let Some(origin) = request.headers().get(header::ORIGIN) {
        let allowed = origin.to_str().is_ok_and(|o| state.allow.origin_allowed(o));
        if !allowed {
            tracing::warn!(?origin, "refused a request with an Origin that is not allowed");
            return plain(
                StatusCode::FORBIDDEN,
                "Forbidden: Origin header is not allowed; the operator can allow it with --allowed-origin",
            );
        }
    }
    next.run(request).await
}

fn unauthorized(error: Option<&str>) -> Response {
    let challenge = match error {
        Some(e) => format!(r#"Bearer realm="task-orchestrator", error="{e}""#),
        None => r#"Bearer realm="task-orchestrator""#.to_string(),
    };
    let mut response =
        plain(StatusCode::UNAUTHORIZED, "Unauthorized: send the server's token as `Authorization: Bearer <token>`");
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

async fn check_token(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(token) = &state.token else { return next.run(request).await };
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim());
    match presented {
        None => unauthorized(None),
        Some(t) if token.matches(t) => next.run(request).await,
        Some(_) => {
            tracing::warn!("refused a request with a wrong bearer token");
            unauthorized(Some("invalid_token"))
        }
    }
}

/// Counts requests whose response is still being produced or sent, so shutdown can wait for them.
#[derive(Clone)]
struct InFlightRequests(Arc<watch::Sender<usize>>);

impl InFlightRequests {
    fn new() -> Self {
        InFlightRequests(Arc::new(watch::channel(0).0))
    }

    fn enter(&self) -> InFlightGuard {
        self.0.send_modify(|n| *n += 1);
        InFlightGuard(self.0.clone())
    }

    fn count(&self) -> usize {
        *self.0.borrow()
    }

    async fn idle(&self) {
        let mut rx = self.0.subscribe();
        // The sender lives in `self`, so the channel cannot close while waiting.
        let _ = rx.wait_for(|n| *n == 0).await;
    }
}

struct InFlightGuard(Arc<watch::Sender<usize>>);

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n = n.saturating_sub(1));
    }
}

/// A response body that holds its request's in-flight guard until it has been sent (or dropped).
struct TrackedBody {
    inner: Body,
    _guard: InFlightGuard,
}

impl http_body::Body for TrackedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

async fn track_in_flight(State(state): State<AppState>, request: Request, next: Next) -> Response {
    // A GET on /mcp is a session's standing notification stream, open for the session's life; it carries no call
    // to finish, so it does not hold shutdown back (it is closed when the sessions are).
    if request.method() == axum::http::Method::GET {
        return next.run(request).await;
    }
    let guard = state.in_flight.enter();
    let response = next.run(request).await;
    response.map(|inner| Body::new(TrackedBody { inner, _guard: guard }))
}

/// rmcp answers a successful session `DELETE` with 202, which the Python SDK logs as a failed termination (it
/// expects 200 or 204); the session is gone either way, so say 200.
async fn delete_answers_ok(request: Request, next: Next) -> Response {
    let is_delete = request.method() == axum::http::Method::DELETE;
    let mut response = next.run(request).await;
    if is_delete && response.status() == StatusCode::ACCEPTED {
        *response.status_mut() = StatusCode::OK;
    }
    response
}

// ---------------------------------------------------------------------------------------------------------------
// Handlers

/// The body of `GET /healthz`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Liveness {
    /// Always "ok": a process that answers is alive.
    pub status: String,
    /// The server's version.
    pub version: String,
    /// Seconds since the server started listening.
    pub uptime_seconds: f64,
}

async fn healthz(State(state): State<AppState>) -> Response {
    axum::Json(Liveness {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        uptime_seconds: state.started.elapsed().as_secs_f64(),
    })
    .into_response()
}

async fn readyz(State(state): State<AppState>) -> Response {
    let readiness = state.orch.readiness().await;
    let status = if readiness.ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    if !readiness.ready {
        tracing::warn!(failed = ?readiness.failures(), "not ready");
    }
    (status, axum::Json(readiness)).into_response()
}

async fn metrics_handler(State(state): State<AppState>) -> Response {
    let tasks = match state.orch.store().task_metrics(&TaskFilter::default()).await {
        Ok(m) => Some(m),
        Err(e) => {
            tracing::warn!(error = %e, "metrics scrape: cannot read task counts");
            None
        }
    };
    let body = state.metrics.render(tasks.as_ref());
    ([(header::CONTENT_TYPE, metrics::CONTENT_TYPE)], body).into_response()
}

// ---------------------------------------------------------------------------------------------------------------
// Server

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
            .with_tools(&config.tools)
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn list(hosts: &[&str], origins: &[&str]) -> AllowList {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        AllowList::parse(&s(hosts), &s(origins)).unwrap()
    }

    #[test]
    fn default_hosts_are_loopback_with_any_port() {
        let a = AllowList::parse(&HttpConfig::default_allowed_hosts(), &HttpConfig::default_allowed_origins()).unwrap();
        for (h, p) in [("localhost", None), ("LOCALHOST", Some(8000)), ("127.0.0.1", Some(1)), ("[::1]", Some(8000))] {
            assert!(a.host_allowed(h, p), "{h} {p:?}");
        }
        for (h, p) in [("evil.example.com", None), ("127.0.0.2", Some(8000)), ("localhost.evil.com", None)] {
            assert!(!a.host_allowed(h, p), "{h} {p:?}");
        }
    }

    #[test]
    fn host_rules_with_ports_and_wildcard() {
        let a = list(&["tasks.example.com:8443", "10.0.0.5", "::1"], &[]);
        assert!(a.host_allowed("tasks.example.com", Some(8443)));
        assert!(!a.host_allowed("tasks.example.com", Some(8000)));
        assert!(!a.host_allowed("tasks.example.com", None));
        assert!(a.host_allowed("10.0.0.5", Some(1234)));
        assert!(a.host_allowed("[::1]", Some(80)));
        assert!(list(&["*"], &[]).host_allowed("anything", None));
        for bad in ["", "http://x", "a b", "user@host"] {
            assert!(AllowList::parse(&[bad.to_string()], &[]).is_err(), "{bad}");
        }
    }

    #[test]
    fn origin_rules_follow_rfc_6454() {
        let a = AllowList::parse(&[], &HttpConfig::default_allowed_origins()).unwrap();
        assert!(a.origin_allowed("http://localhost:5173"));
        assert!(a.origin_allowed("https://127.0.0.1"));
        assert!(a.origin_allowed("http://[::1]:3000"));
        assert!(!a.origin_allowed("http://evil.example.com"));
        assert!(!a.origin_allowed("http://localhost.evil.example.com:80"));
        assert!(!a.origin_allowed("null"));
        assert!(!a.origin_allowed("not a uri"));

        let b = list(&[], &["https://app.example.com", "http://dev.example.com:8080", "null"]);
        assert!(b.origin_allowed("https://app.example.com"));
        assert!(b.origin_allowed("https://app.example.com:443"));
        assert!(!b.origin_allowed("https://app.example.com:8443"));
        assert!(!b.origin_allowed("http://app.example.com"));
        assert!(b.origin_allowed("http://dev.example.com:8080"));
        assert!(b.origin_allowed("null"));
        assert!(list(&[], &["*"]).origin_allowed("https://anywhere.example"));
        for bad in ["app.example.com", "https://a.example.com/path", "https://a:1:*", "ftp://x"] {
            assert!(AllowList::parse(&[], &[bad.to_string()]).is_err(), "{bad}");
        }
    }

    #[test]
    fn rmcp_gets_explicit_ports() {
        let b = list(&["::1", "h:1"], &["https://app.example.com", "http://[::1]:*", "null"]);
        assert_eq!(b.rmcp_origins().unwrap(), vec!["https://app.example.com:443", "http://[::1]:*", "null"]);
        assert_eq!(b.rmcp_hosts().unwrap(), vec!["[::1]", "h:1"]);
        assert_eq!(list(&["*"], &["*"]).rmcp_hosts(), None);
    }

    #[test]
    fn tokens_compare_exactly_and_never_print() {
        let t = BearerToken::new("  0123456789abcdef0123  \n").unwrap();
        assert!(t.matches("0123456789abcdef0123"));
        assert!(!t.matches("0123456789abcdef012"));
        assert!(!t.matches(""));
        assert_eq!(format!("{t:?}"), "BearerToken(***)");
        assert!(BearerToken::new("short").is_err());
        assert!(BearerToken::new("   ").is_err());
        assert!(BearerToken::new("0123456789abcdef 0123").is_err());
    }

    #[test]
    fn non_loopback_needs_a_token() {
        let c = HttpConfig::new("0.0.0.0:8000".parse().unwrap());
        let err = c.validate().unwrap_err();
        assert!(matches!(err, HttpError::TokenRequired { .. }));
        assert!(err.to_string().contains("TASK_ORCHESTRATOR_TOKEN"), "{err}");
        let mut c = c;
        c.token = Some(BearerToken::new("0123456789abcdef0123").unwrap());
        c.validate().unwrap();
        HttpConfig::new("127.0.0.1:0".parse().unwrap()).validate().unwrap();
        HttpConfig::new("[::1]:0".parse().unwrap()).validate().unwrap();
    }
}
