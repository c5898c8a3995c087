//! Spawns the real `task-orchestrator` binary and talks MCP to it with rmcp's client.
#![allow(dead_code, clippy::unwrap_used, missing_docs)]

pub mod http;
pub mod raw_stdio;

use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{ClientHandler, RoleClient, ServiceExt};
use serde_json::Value;
use tokio::process::Command;

pub const BIN: &str = env!("CARGO_BIN_EXE_task-orchestrator");

/// A server process on its own database, with a connected client.
pub struct Server<H: ClientHandler = ()> {
    pub client: RunningService<RoleClient, H>,
    pub dir: tempfile::TempDir,
}

/// The PostgreSQL server the end-to-end tests use instead of SQLite when `E2E_BACKEND=postgres` (its URL comes from
/// `TEST_DATABASE_URL`, which must then be set).
pub fn postgres() -> Option<String> {
    if std::env::var("E2E_BACKEND").is_ok_and(|b| b == "postgres") {
        Some(std::env::var("TEST_DATABASE_URL").expect("E2E_BACKEND=postgres needs TEST_DATABASE_URL"))
    } else {
        None
    }
}

/// The database URL for a test database "at" `db`: the SQLite file itself, or on PostgreSQL a schema named after
/// the path, so servers given the same path share a board and every test has its own.
pub fn database_url(db: &std::path::Path) -> String {
    match postgres() {
        None => format!("sqlite://{}", db.display()),
        Some(base) => {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            db.hash(&mut h);
            let sep = if base.contains('?') { '&' } else { '?' };
            format!("{base}{sep}schema=e2e_{:016x}", h.finish())
        }
    }
}

/// A command for the binary with an isolated environment pointing at the test database `db`.
pub fn command(db: &std::path::Path) -> Command {
    let mut cmd = Command::new(BIN);
    // Outside any git repository, so link_git_commit accepts the made-up hashes tests use.
    cmd.env_clear()
        .current_dir(std::env::temp_dir())
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", db.parent().unwrap())
        .env("DATABASE_URL", database_url(db))
        .env("TASK_ORCHESTRATOR_LOG_LEVEL", "warn");
    cmd
}

pub async fn start() -> Server {
    start_with((), &[]).await
}

/// Starts a server with extra environment variables, connected through `handler` (a custom client, e.g. one that
/// answers sampling requests).
pub async fn start_with<H: ClientHandler>(handler: H, env: &[(&str, &str)]) -> Server<H> {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = command(&dir.path().join("tasks.db"));
    cmd.arg("serve");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let (transport, _stderr) =
        TokioChildProcess::builder(cmd).stderr(std::process::Stdio::null()).spawn().expect("spawn server");
    let client = handler.serve(transport).await.expect("MCP handshake");
    Server { client, dir }
}

impl<H: ClientHandler> Server<H> {
    /// Calls a tool; returns the raw result (which may be `isError`).
    pub async fn call_raw(&self, name: &str, args: Value) -> CallToolResult {
        let args = args.as_object().cloned().unwrap_or_default();
        self.client
            .call_tool(CallToolRequestParams::new(name.to_string()).with_arguments(args))
            .await
            .unwrap_or_else(|e| panic!("{name}: JSON-RPC error {e}"))
    }

    /// Calls a tool that must succeed; returns its structured content.
    pub async fn call(&self, name: &str, args: Value) -> Value {
        let r = self.call_raw(name, args.clone()).await;
        assert_ne!(r.is_error, Some(true), "{name} {args} failed: {:?}", text(&r));
        r.structured_content.unwrap_or_else(|| panic!("{name}: no structuredContent"))
    }

    /// Calls a tool that must fail with `isError: true`; returns the message.
    pub async fn call_err(&self, name: &str, args: Value) -> String {
        let r = self.call_raw(name, args.clone()).await;
        assert_eq!(r.is_error, Some(true), "{name} {args} should have failed: {:?}", r.structured_content);
        text(&r)
    }

    pub async fn stop(self) {
        self.client.cancel().await.ok();
    }
}

/// The text content of a result.
pub fn text(r: &CallToolResult) -> String {
    r.content.iter().filter_map(|c| c.as_text().map(|t| t.text.clone())).collect::<Vec<_>>().join("\n")
}
