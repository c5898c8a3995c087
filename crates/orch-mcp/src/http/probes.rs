//! The probe and scrape handlers: `/healthz` (liveness), `/readyz` (readiness) and `/metrics`.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use orch_protocol::health::Liveness;

use super::layers::AppState;
use crate::metrics;

pub(super) async fn healthz(State(state): State<AppState>) -> Response {
    axum::Json(Liveness {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        uptime_seconds: state.started.elapsed().as_secs_f64(),
    })
    .into_response()
}

pub(super) async fn readyz(State(state): State<AppState>) -> Response {
    let readiness = state.orch.readiness().await;
    let status = if readiness.ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    if !readiness.ready {
        tracing::warn!(failed = ?readiness.failures(), "not ready");
    }
    (status, axum::Json(readiness)).into_response()
}

pub(super) async fn metrics_handler(State(state): State<AppState>) -> Response {
    let tasks = match state.orch.board_metrics().await {
        Ok(m) => Some(m),
        Err(e) => {
            tracing::warn!(error = %e, "metrics scrape: cannot read task counts");
            None
        }
    };
    let body = state.metrics.render(tasks.as_ref());
    ([(header::CONTENT_TYPE, metrics::CONTENT_TYPE)], body).into_response()
}
