//! The board API's errors: an HTTP status and a JSON `{"error": message}` the page shows as written.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use orch_service::ErrorKind;

/// A refused or failed board API call.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// A service call failed; its message is the one the MCP tools report.
    #[error(transparent)]
    Service(#[from] orch_service::Error),
    /// The request body or query is malformed.
    #[error("{0}")]
    BadRequest(String),
    /// No or a wrong token on an API call.
    #[error("this board needs the server's access token; enter it on the page (or send Authorization: Bearer)")]
    Unauthorized,
    /// The token given to sign in is not the server's.
    #[error("that is not the server's access token (it is the TASK_ORCHESTRATOR_TOKEN or --token-file value)")]
    WrongToken,
    /// A write that looks cross-site.
    #[error("forbidden: {0}")]
    Forbidden(String),
}

impl WebError {
    fn status(&self) -> StatusCode {
        match self {
            WebError::Service(e) => match e.kind() {
                ErrorKind::InvalidInput => StatusCode::BAD_REQUEST,
                ErrorKind::NotFound => StatusCode::NOT_FOUND,
                ErrorKind::Conflict => StatusCode::CONFLICT,
                ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
                ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            },
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Unauthorized | WebError::WrongToken => StatusCode::UNAUTHORIZED,
            WebError::Forbidden(_) => StatusCode::FORBIDDEN,
        }
    }
}

impl From<orch_core::Error> for WebError {
    fn from(e: orch_core::Error) -> Self {
        WebError::Service(e.into())
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::warn!(error = %self, "board API call failed");
        }
        (status, Json(serde_json::json!({ "error": self.to_string() }))).into_response()
    }
}
