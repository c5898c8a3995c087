//! The web board: a kanban board, a dependency graph and a task detail panel, live, served next to `/mcp`.
//!
//! Routes (all under the host's Host/Origin allow-lists, which the embedding HTTP server applies):
//! - `GET /`, `GET /assets/*`: the page and its embedded script and style; open (they hold no board data).
//! - `GET|POST|DELETE /api/session`: whether a token is needed, and trading the token for a session cookie.
//! - `/api/*`: the board's JSON API and its live change stream (`/api/events`, server-sent events), behind the token
//!   when one is configured (session cookie or `Authorization: Bearer`). Writes need the board's CSRF header and a
//!   same-origin `Origin` (see [`auth`]).
//!
//! Every action calls the same [`orch_service::Orchestrator`] methods as the MCP tools, so the rules are identical.

mod api;
mod assets;
pub mod auth;
mod error;
pub mod layout;
mod live;
mod view;

use std::sync::Arc;

use axum::Router;
use axum::middleware;
use axum::routing::{get, post};
use orch_service::Orchestrator;
use tokio_util::sync::CancellationToken;

pub use error::WebError;

/// Decides whether a presented secret is the server's token (the embedding server owns the token itself).
pub type TokenCheck = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// How the board is served.
#[derive(Clone, Default)]
pub struct BoardConfig {
    /// The token check when the server has a token; `None` serves the board without one (loopback only).
    pub token: Option<TokenCheck>,
    /// Cancelled when the server starts shutting down: open pages' event streams end, so they do not hold the
    /// graceful shutdown back.
    pub shutdown: CancellationToken,
}

impl std::fmt::Debug for BoardConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BoardConfig").field("token", &self.token.as_ref().map(|_| "***")).finish_non_exhaustive()
    }
}

/// What every handler shares.
#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) orch: Arc<Orchestrator>,
    pub(crate) token: Option<TokenCheck>,
    pub(crate) changes: live::Changes,
}

/// The board's routes, ready to merge into the server's router.
pub fn router(orch: Arc<Orchestrator>, config: BoardConfig) -> Router {
    let state = AppState { changes: live::Changes::new(orch.clone(), config.shutdown), orch, token: config.token };
    let api = Router::new()
        .route("/api/board", get(api::board))
        .route("/api/tasks/{id}", get(api::task).patch(api::edit_task))
        .route("/api/tasks/{id}/status", post(api::set_status))
        .route("/api/tasks/{id}/dependencies", post(api::dependencies))
        .route("/api/tasks/{id}/claim", post(api::claim))
        .route("/api/tasks/{id}/release", post(api::release))
        .route("/api/prd/preview", post(api::prd_preview))
        .route("/api/prd/import", post(api::prd_import))
        .route("/api/events", get(live::events))
        .layer(middleware::from_fn_with_state(state.clone(), auth::require_token));
    Router::new()
        .route("/", get(assets::index))
        .route("/assets/{name}", get(assets::asset))
        .route("/api/session", get(auth::session_state).post(auth::open_session).delete(auth::close_session))
        .merge(api)
        .layer(middleware::from_fn(auth::guard_writes))
        .with_state(state)
}
