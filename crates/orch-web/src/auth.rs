//! Who may use the board's API, and the page's defences against cross-site requests.
//!
//! - With a token configured, every `/api/*` call except `/api/session` must present it: as the `orch_board`
//!   session cookie (set by `POST /api/session` after the page asked for the token once; `HttpOnly`, so scripts
//!   cannot read it, and `SameSite=Strict`, so other sites' requests do not carry it; it also authenticates the
//!   `EventSource` stream, which cannot send headers) or as `Authorization: Bearer` for scripts.
//! - Every write (any method but GET/HEAD) must carry the [`CSRF_HEADER`], which a cross-site form or image cannot
//!   send and a cross-site script cannot send without a CORS preflight this server never grants, and an `Origin`
//!   (when sent) of the page's own origin; `Sec-Fetch-Site: cross-site`/`same-site` is refused too. Refusals are
//!   403. The embedding server checks `Host` and `Origin` against its allow-lists before any of this.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::error::WebError;

/// The session cookie's name.
pub const COOKIE: &str = "orch_board";
/// The header every write must carry (any value but empty); the page sends `1`.
pub const CSRF_HEADER: &str = "x-orch-board";

/// The secret a request presents: its bearer token, else its session cookie.
fn presented(headers: &HeaderMap) -> Option<String> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim().to_string());
    bearer.or_else(|| cookie(headers, COOKIE))
}

/// The value of cookie `name`, from any `Cookie` header.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_string())
}

fn authenticated(state: &AppState, headers: &HeaderMap) -> bool {
    match &state.token {
        None => true,
        Some(check) => presented(headers).is_some_and(|p| check(&p)),
    }
}

/// Refuses API calls without the token when one is configured (401, which makes the page ask for it).
pub(crate) async fn require_token(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if authenticated(&state, request.headers()) {
        return next.run(request).await;
    }
    WebError::Unauthorized.into_response()
}

/// Why a write looks cross-site, if it does.
fn cross_site(headers: &HeaderMap) -> Option<&'static str> {
    if headers.get(CSRF_HEADER).is_none_or(|v| v.is_empty()) {
        return Some("the request lacks the board's X-Orch-Board header (writes come from the board page only)");
    }
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && matches!(site, "cross-site" | "same-site")
    {
        return Some("the request comes from another site");
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
        let origin_authority = origin
            .to_str()
            .ok()
            .and_then(|o| o.parse::<axum::http::Uri>().ok())
            .and_then(|u| u.authority().map(|a| a.as_str().to_ascii_lowercase()));
        if host.is_none() || origin_authority != host.map(str::to_ascii_lowercase) {
            return Some("the request's Origin is not this board's");
        }
    }
    None
}

/// Refuses cross-site writes with 403 (see the module documentation).
pub(crate) async fn guard_writes(request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    if let Some(why) = cross_site(request.headers()) {
        tracing::warn!(path = %request.uri().path(), "refused a board write: {why}");
        return WebError::Forbidden(why.to_string()).into_response();
    }
    next.run(request).await
}

/// The page's view of its session.
#[derive(Debug, Serialize)]
pub(crate) struct SessionState {
    token_required: bool,
    authenticated: bool,
}

/// `GET /api/session`.
pub(crate) async fn session_state(State(state): State<AppState>, headers: HeaderMap) -> Json<SessionState> {
    Json(SessionState { token_required: state.token.is_some(), authenticated: authenticated(&state, &headers) })
}

/// The body of `POST /api/session`.
#[derive(Debug, Deserialize)]
pub(crate) struct OpenSession {
    token: String,
}

fn session_cookie(value: &str, max_age: Option<u64>, secure: bool) -> Option<HeaderValue> {
    let mut cookie = format!("{COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict");
    if let Some(age) = max_age {
        cookie.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        cookie.push_str("; Secure");
    }
    HeaderValue::from_str(&cookie).ok()
}

/// Whether the page was loaded over HTTPS (directly or through a TLS-terminating proxy).
fn over_https(headers: &HeaderMap) -> bool {
    let origin_https =
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()).is_some_and(|o| o.starts_with("https:"));
    let proxied_https =
        headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|p| p.eq_ignore_ascii_case("https"));
    origin_https || proxied_https
}

/// `POST /api/session`: checks the token and sets the session cookie (for the browser session only).
pub(crate) async fn open_session(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<OpenSession>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Json(body) = match body {
        Ok(b) => b,
        Err(e) => {
            return WebError::BadRequest(format!("send {{\"token\": \"...\"}} as JSON: {}", e.body_text()))
                .into_response();
        }
    };
    let Some(check) = &state.token else {
        return Json(SessionState { token_required: false, authenticated: true }).into_response();
    };
    let token = body.token.trim();
    // Only token68 characters can be the token, and only they are safe in a cookie value.
    let plausible = !token.is_empty()
        && token.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | '+' | '/' | '='));
    if !plausible || !check(token) {
        tracing::warn!("refused a board sign-in with a wrong token");
        return WebError::WrongToken.into_response();
    }
    let mut response = Json(SessionState { token_required: true, authenticated: true }).into_response();
    if let Some(cookie) = session_cookie(token, None, over_https(&headers)) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

/// `DELETE /api/session`: forgets the session cookie.
pub(crate) async fn close_session(headers: HeaderMap) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    if let Some(cookie) = session_cookie("", Some(0), over_https(&headers)) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn cookie_and_bearer_are_read() {
        let h = headers(&[("cookie", "a=1; orch_board=secret-token ; b=2")]);
        assert_eq!(presented(&h).as_deref(), Some("secret-token"));
        let h = headers(&[("authorization", "Bearer tok"), ("cookie", "orch_board=other")]);
        assert_eq!(presented(&h).as_deref(), Some("tok"));
        assert_eq!(presented(&headers(&[("cookie", "orch_boardx=1")])), None);
    }

    #[test]
    fn writes_need_the_header_and_the_same_origin() {
        let ok = [("host", "127.0.0.1:8000"), ("x-orch-board", "1"), ("origin", "http://127.0.0.1:8000")];
        assert_eq!(cross_site(&headers(&ok)), None);
        assert_eq!(cross_site(&headers(&[("host", "h"), ("x-orch-board", "1")])), None, "no Origin: not a browser");
        assert!(cross_site(&headers(&ok[..1])).unwrap().contains("X-Orch-Board"));
        let foreign = [("host", "127.0.0.1:8000"), ("x-orch-board", "1"), ("origin", "http://127.0.0.1:9000")];
        assert!(cross_site(&headers(&foreign)).unwrap().contains("Origin"));
        let evil = [("host", "127.0.0.1:8000"), ("x-orch-board", "1"), ("origin", "null")];
        assert!(cross_site(&headers(&evil)).is_some());
        let site = [("host", "h"), ("x-orch-board", "1"), ("sec-fetch-site", "cross-site")];
        assert!(cross_site(&headers(&site)).is_some());
    }
}
