//! Request checks in front of rmcp's `/mcp` service: body size and read time, JSON-RPC framing, unknown sessions.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;
use rmcp::transport::streamable_http_server::SessionManager;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;

use super::plain;
use crate::framing;

/// What a client is told to do about an oversized body.
const RAISE_LIMIT: &str = "split the content, or ask the operator to raise --max-body-bytes";

/// Limits applied to `/mcp` request bodies.
#[derive(Clone)]
pub(super) struct BodyGuard {
    pub(super) max_body_bytes: usize,
    pub(super) body_timeout: Duration,
    /// Session mode's sessions, to answer 404 for a `DELETE` naming none of them.
    pub(super) sessions: Option<Arc<LocalSessionManager>>,
}

fn too_large(len: Option<usize>, limit: usize) -> Response {
    let rejection = framing::oversize(len, limit, RAISE_LIMIT);
    (StatusCode::PAYLOAD_TOO_LARGE, axum::Json(rejection.response)).into_response()
}

/// Refuses an announced-too-large body at once (before reading it), reads the rest within the body timeout and the
/// size limit, and answers a malformed JSON-RPC message itself (400 with a JSON-RPC error).
pub(super) async fn guard_mcp_body(State(guard): State<BodyGuard>, request: Request, next: Next) -> Response {
    if request.method() == Method::DELETE
        && let Some(sessions) = &guard.sessions
        && let Some(id) = request.headers().get("mcp-session-id").and_then(|v| v.to_str().ok())
        && !sessions.has_session(&Arc::from(id)).await.unwrap_or(true)
    {
        return plain(StatusCode::NOT_FOUND, "Not Found: Session not found");
    }
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let announced = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if let Some(n) = announced
        && n > guard.max_body_bytes as u64
    {
        tracing::warn!(announced = n, limit = guard.max_body_bytes, "refused a body announced over the size limit");
        return too_large(usize::try_from(n).ok(), guard.max_body_bytes);
    }
    let is_json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("application/json"));
    let (parts, body) = request.into_parts();
    let limited = http_body_util::Limited::new(body, guard.max_body_bytes);
    let bytes: Bytes = match tokio::time::timeout(guard.body_timeout, limited.collect()).await {
        Err(_) => {
            tracing::warn!(timeout_s = guard.body_timeout.as_secs_f64(), "a client sent its body too slowly; cut off");
            let mut response = plain(
                StatusCode::REQUEST_TIMEOUT,
                &format!(
                    "Request Timeout: the body did not arrive within {} s (the operator can raise --body-timeout)",
                    guard.body_timeout.as_secs_f64()
                ),
            );
            response.headers_mut().insert(header::CONNECTION, header::HeaderValue::from_static("close"));
            return response;
        }
        Ok(Err(e)) => {
            if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() {
                return too_large(None, guard.max_body_bytes);
            }
            return plain(StatusCode::BAD_REQUEST, "Bad Request: the request body could not be read");
        }
        Ok(Ok(collected)) => collected.to_bytes(),
    };
    if is_json && let Err(rejection) = framing::check(&bytes) {
        tracing::debug!(code = rejection.code, "refused a malformed message");
        return (StatusCode::BAD_REQUEST, axum::Json(rejection.response)).into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}
