//! `serve`: MCP over stdio, or over Streamable HTTP with `--http`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Args;
use orch_mcp::Metrics;
use orch_mcp::http::{self, BearerToken, HttpConfig, HttpMode, HttpServer};
use orch_service::Orchestrator;
use tokio_util::sync::CancellationToken;

/// Where and how to serve.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Serve MCP Streamable HTTP at http://ADDR/mcp instead of stdio (ADDR defaults to 127.0.0.1:8000).
    #[arg(long, value_name = "ADDR", num_args = 0..=1, default_missing_value = http::DEFAULT_ADDR)]
    pub http: Option<SocketAddr>,
    /// No sessions: every POST answered on its own with JSON, so replicas behind a load balancer can share the
    /// traffic (HTTP only).
    #[arg(long, requires = "http")]
    pub stateless: bool,
    /// Tools to offer: all, core (the everyday seven), or a comma-separated list of tool names and profiles
    /// (core,execute_code). Fewer tools cost an agent less context on every turn.
    #[arg(long, value_name = "PROFILE", env = "TASK_ORCHESTRATOR_TOOLS", default_value = "all")]
    pub tools: orch_mcp::ToolProfile,
    /// A Host header value to accept (name, name:port, [v6] or * for any; repeatable). Default: loopback names.
    #[arg(long = "allowed-host", value_name = "HOST", env = "TASK_ORCHESTRATOR_ALLOWED_HOSTS", value_delimiter = ',')]
    pub allowed_hosts: Vec<String>,
    /// An Origin to accept (scheme://host[:port|:*], null, or * for any; repeatable). Default: loopback origins.
    #[arg(
        long = "allowed-origin",
        value_name = "ORIGIN",
        env = "TASK_ORCHESTRATOR_ALLOWED_ORIGINS",
        value_delimiter = ','
    )]
    pub allowed_origins: Vec<String>,
    /// A file holding the bearer token clients must send (instead of TASK_ORCHESTRATOR_TOKEN).
    #[arg(long, value_name = "PATH")]
    pub token_file: Option<PathBuf>,
    /// Largest accepted message in bytes: an HTTP request body (larger: 413) or a stdio line (larger: an error
    /// answer naming the limit).
    #[arg(long, value_name = "BYTES", default_value_t = http::DEFAULT_MAX_BODY_BYTES)]
    pub max_body_bytes: usize,
    /// Seconds a tool call (and a response head) may take before it is abandoned.
    #[arg(long, value_name = "SECONDS", default_value_t = http::DEFAULT_REQUEST_TIMEOUT.as_secs_f64())]
    pub request_timeout: f64,
    /// Seconds a client has to send a request's headers; a connection trickling them is closed (HTTP only).
    #[arg(long, value_name = "SECONDS", default_value_t = http::DEFAULT_HEADER_TIMEOUT.as_secs_f64())]
    pub header_timeout: f64,
    /// Seconds a client has to send a request's body (slower: 408 and the connection is closed; HTTP only).
    #[arg(long, value_name = "SECONDS", default_value_t = http::DEFAULT_BODY_TIMEOUT.as_secs_f64())]
    pub body_timeout: f64,
    /// Most HTTP connections open at once; more are closed at once. Default: half the file-descriptor limit
    /// (ulimit -n), between 16 and 4096; it must stay below the limit.
    #[arg(long, value_name = "N")]
    pub max_connections: Option<usize>,
    /// Most HTTP connections open at once from one client address (a reverse proxy counts as one client).
    #[arg(long, value_name = "N", default_value_t = http::DEFAULT_MAX_CONNECTIONS_PER_CLIENT)]
    pub max_connections_per_client: usize,
    /// Seconds in-flight requests get to finish after SIGTERM/SIGINT.
    #[arg(long, value_name = "SECONDS", default_value_t = http::DEFAULT_SHUTDOWN_GRACE.as_secs_f64())]
    pub shutdown_grace: f64,
}

/// The bearer token: `--token-file` if given, else `TASK_ORCHESTRATOR_TOKEN`, else none.
pub fn token(file: Option<&std::path::Path>) -> Result<Option<BearerToken>> {
    if let Some(path) = file {
        let secret =
            std::fs::read_to_string(path).with_context(|| format!("cannot read the token file {}", path.display()))?;
        return Ok(Some(BearerToken::new(&secret).with_context(|| format!("in {}", path.display()))?));
    }
    match std::env::var("TASK_ORCHESTRATOR_TOKEN") {
        Ok(secret) if !secret.trim().is_empty() => {
            Ok(Some(BearerToken::new(&secret).context("in TASK_ORCHESTRATOR_TOKEN")?))
        }
        _ => Ok(None),
    }
}

fn seconds(name: &str, value: f64) -> Result<Duration> {
    if !value.is_finite() || value <= 0.0 {
        bail!("--{name} must be a positive number of seconds, got {value}");
    }
    Duration::try_from_secs_f64(value).with_context(|| format!("--{name} {value} is out of range"))
}

/// Serves over stdio, or over HTTP until SIGTERM/SIGINT.
pub async fn run(orch: Arc<Orchestrator>, args: ServeArgs, board: &crate::config::Board) -> Result<()> {
    tracing::info!(
        "task-orchestrator {} using the {} board {} ({}; default project '{}')",
        env!("CARGO_PKG_VERSION"),
        board.backend(),
        board.db,
        board.source,
        orch_core::default_project()
    );
    let Some(addr) = args.http else {
        tracing::info!("serving MCP on stdio");
        orch_mcp::serve_stdio_limited(orch, args.max_body_bytes, &args.tools).await?;
        return Ok(());
    };
    let mut config = HttpConfig::new(addr);
    config.mode = if args.stateless { HttpMode::Stateless } else { HttpMode::Session };
    config.allowed_hosts = args.allowed_hosts.into_iter().filter(|h| !h.trim().is_empty()).collect();
    config.allowed_origins = args.allowed_origins.into_iter().filter(|o| !o.trim().is_empty()).collect();
    config.token = token(args.token_file.as_deref())?;
    config.max_body_bytes = args.max_body_bytes;
    config.tools = args.tools;
    config.request_timeout = seconds("request-timeout", args.request_timeout)?;
    config.shutdown_grace = seconds("shutdown-grace", args.shutdown_grace)?;
    config.header_timeout = seconds("header-timeout", args.header_timeout)?;
    config.body_timeout = seconds("body-timeout", args.body_timeout)?;
    if let Some(n) = args.max_connections {
        config.max_connections = n;
    }
    config.max_connections_per_client = args.max_connections_per_client;
    let signal = shutdown_signal()?;
    let (web, board_stop) = web_board(orch.clone(), config.token.clone());
    let shutdown = async move {
        signal.await;
        board_stop.cancel();
    };
    let server = HttpServer::bind_with(orch, config, Arc::new(Metrics::new()), web).await?;
    tracing::info!("web board on http://{}/", server.local_addr()?);
    server.run(shutdown).await?;
    Ok(())
}

/// The web board's routes, taking the server's token, and what stops its live streams at shutdown.
fn web_board(orch: Arc<Orchestrator>, token: Option<BearerToken>) -> (axum::Router, CancellationToken) {
    let stop = CancellationToken::new();
    let token = token.map(|t| Arc::new(move |presented: &str| t.matches(presented)) as orch_web::TokenCheck);
    (orch_web::router(orch, orch_web::BoardConfig { token, shutdown: stop.clone() }), stop)
}

/// A future completing on SIGTERM (orchestrators, `docker stop`) or SIGINT (Ctrl-C). The handlers are installed
/// now, before the port opens, so a signal sent as soon as the server listens is never the default (fatal) one.
#[cfg(unix)]
fn shutdown_signal() -> Result<impl std::future::Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot listen for SIGINT")?;
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => tracing::info!("SIGTERM received"),
            _ = interrupt.recv() => tracing::info!("SIGINT received"),
        }
    })
}

/// A future completing on Ctrl-C.
#[cfg(not(unix))]
fn shutdown_signal() -> Result<impl std::future::Future<Output = ()> + Send + 'static> {
    Ok(async {
        if tokio::signal::ctrl_c().await.is_ok() {
            tracing::info!("Ctrl-C received");
        }
    })
}
