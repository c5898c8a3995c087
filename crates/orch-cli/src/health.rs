//! `health`: readiness of the local database, or liveness, readiness and metrics of a running server.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Result;
use clap::Args;
use orch_client::{PerformanceMetrics, TaskOrchestratorClient};
use orch_mcp::http::Liveness;
use orch_service::{Orchestrator, Readiness};
use serde::Serialize;

use crate::outln;

/// Which server to check.
#[derive(Debug, Args)]
pub struct HealthArgs {
    /// A running server (http://HOST:PORT): GET /healthz, /readyz and /metrics. Without it, checks the local
    /// database directly.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// A file holding the server's bearer token (instead of TASK_ORCHESTRATOR_TOKEN); needed for /metrics when the
    /// server has one.
    #[arg(long, value_name = "PATH", requires = "url")]
    pub token_file: Option<std::path::PathBuf>,
}

#[derive(Debug, Serialize)]
struct Report {
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    /// The local board checked (absent for --url).
    #[serde(skip_serializing_if = "Option::is_none")]
    board: Option<crate::commands::Location>,
    #[serde(skip_serializing_if = "Option::is_none")]
    liveness: Option<Liveness>,
    readiness: Readiness,
    #[serde(skip_serializing_if = "Option::is_none")]
    metrics: Option<PerformanceMetrics>,
    /// Failures reaching the endpoints.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<String>,
}

/// Checks the local database.
pub async fn local(orch: Arc<Orchestrator>, board: &crate::config::Board, json: bool) -> Result<ExitCode> {
    let readiness = orch.readiness().await;
    let board = Some(crate::commands::Location::of(board));
    finish(Report { url: None, board, liveness: None, readiness, metrics: None, errors: Vec::new() }, json)
}

/// Checks a running server.
pub async fn remote(url: &str, token_file: Option<&std::path::Path>, json: bool) -> Result<ExitCode> {
    let token = match token_file {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("cannot read the token file {}: {e}", path.display()))?
                .trim()
                .to_string(),
        ),
        None => std::env::var("TASK_ORCHESTRATOR_TOKEN").ok().map(|t| t.trim().to_string()).filter(|t| !t.is_empty()),
    };
    let client = TaskOrchestratorClient::new(url, token.as_deref())?;
    let mut errors = Vec::new();
    let liveness = client.health_check().await.map_err(|e| errors.push(e.to_string())).ok();
    let readiness = match client.check_database_health().await {
        Ok(r) => r,
        Err(e) => {
            errors.push(e.to_string());
            if json {
                outln!("{}", serde_json::to_string_pretty(&serde_json::json!({"url": url, "errors": errors}))?);
            } else {
                for e in &errors {
                    eprintln!("error: {e}");
                }
            }
            return Ok(ExitCode::from(1));
        }
    };
    let metrics = client.get_performance_metrics().await.map_err(|e| errors.push(e.to_string())).ok();
    finish(Report { url: Some(url.to_string()), board: None, liveness, readiness, metrics, errors }, json)
}

fn finish(report: Report, json: bool) -> Result<ExitCode> {
    let healthy = report.readiness.ready && report.errors.is_empty();
    if json {
        outln!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_human(&report);
    }
    Ok(if healthy { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn print_human(r: &Report) {
    if let Some(url) = &r.url {
        outln!("server:    {url}");
    }
    if let Some(b) = &r.board {
        outln!("board:     {} ({}, {})", b.database, b.backend, b.source);
    }
    if let Some(l) = &r.liveness {
        outln!("liveness:  {} (version {}, up {:.0} s)", l.status, l.version, l.uptime_seconds);
    }
    let failed = r.readiness.failures();
    if failed.is_empty() {
        outln!("readiness: ready");
    } else {
        outln!("readiness: NOT READY ({})", failed.join(", "));
    }
    let d = &r.readiness.database;
    match &d.error {
        None => outln!("  database: ok ({:.1} ms)", d.latency_ms),
        Some(e) => outln!("  database: FAILED: {e}"),
    }
    if let Some(s) = &r.readiness.schema {
        match (&s.error, s.current) {
            (None, Some(v)) => outln!("  schema:   ok (version {v})"),
            (None, None) => outln!("  schema:   ok"),
            (Some(e), _) => outln!("  schema:   FAILED: {e}"),
        }
    }
    if let Some(m) = &r.metrics {
        let calls = m.sum("task_orchestrator_tool_calls_total", &[]);
        let errors = m.sum("task_orchestrator_tool_calls_total", &[("outcome", "tool_error")])
            + m.sum("task_orchestrator_tool_calls_total", &[("outcome", "protocol_error")]);
        outln!("metrics:   {} samples; {calls} tool calls ({errors} failed)", m.samples.len());
        let mut statuses: Vec<String> = ["pending", "in_progress", "blocked", "completed"]
            .iter()
            .filter_map(|s| m.get(&format!(r#"task_orchestrator_tasks{{status="{s}"}}"#)).map(|n| format!("{s} {n}")))
            .collect();
        if !statuses.is_empty() {
            statuses.insert(0, "tasks:".into());
            outln!("  {}", statuses.join(" "));
        }
    }
    for e in &r.errors {
        outln!("error:     {e}");
    }
}
