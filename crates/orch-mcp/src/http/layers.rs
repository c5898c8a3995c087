//! Middleware around the routes: `Host`/`Origin` checks, the bearer token, in-flight request tracking for graceful
//! shutdown, and plain-text error bodies.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use orch_service::Orchestrator;
use tokio::sync::watch;

use super::BearerToken;
use super::allow::AllowList;
use crate::metrics::Metrics;

#[derive(Clone)]
pub(super) struct AppState {
    pub(super) orch: Arc<Orchestrator>,
    pub(super) metrics: Arc<Metrics>,
    pub(super) allow: Arc<AllowList>,
    pub(super) token: Option<BearerToken>,
    pub(super) in_flight: InFlightRequests,
    pub(super) started: Instant,
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

pub(super) async fn check_host_and_origin(State(state): State<AppState>, request: Request, next: Next) -> Response {
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

pub(super) async fn check_token(State(state): State<AppState>, request: Request, next: Next) -> Response {
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
pub(super) struct InFlightRequests(Arc<watch::Sender<usize>>);

impl InFlightRequests {
    pub(super) fn new() -> Self {
        InFlightRequests(Arc::new(watch::channel(0).0))
    }

    fn enter(&self) -> InFlightGuard {
        self.0.send_modify(|n| *n += 1);
        InFlightGuard(self.0.clone())
    }

    pub(super) fn count(&self) -> usize {
        *self.0.borrow()
    }

    pub(super) async fn idle(&self) {
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

pub(super) async fn track_in_flight(State(state): State<AppState>, request: Request, next: Next) -> Response {
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
pub(super) async fn delete_answers_ok(request: Request, next: Next) -> Response {
    let is_delete = request.method() == axum::http::Method::DELETE;
    let mut response = next.run(request).await;
    if is_delete && response.status() == StatusCode::ACCEPTED {
        *response.status_mut() = StatusCode::OK;
    }
    response
}
