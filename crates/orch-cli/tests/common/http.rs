//! Starts the real binary with `serve --http` on a free loopback port and talks to it: rmcp's HTTP client, raw
//! HTTP/1.1 for the refusals an SDK client never produces.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::RunningService;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{RoleClient, ServiceExt};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::Child;

use super::{command, text};

/// A free loopback port (bound, then released for the server to take).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// How to start the server.
#[derive(Default, Clone)]
pub struct Options {
    pub stateless: bool,
    /// Extra `serve` arguments.
    pub args: Vec<String>,
    /// Extra environment variables.
    pub env: Vec<(String, String)>,
    /// Use this database instead of a fresh one in the server's own directory.
    pub db: Option<PathBuf>,
}

/// A running `serve --http` process.
pub struct HttpServer {
    pub child: Child,
    pub addr: SocketAddr,
    pub db: PathBuf,
    pub stderr: PathBuf,
    pub dir: tempfile::TempDir,
}

pub async fn start(options: Options) -> HttpServer {
    let dir = tempfile::tempdir().unwrap();
    let db = options.db.clone().unwrap_or_else(|| dir.path().join("tasks.db"));
    let stderr = dir.path().join("stderr.log");
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let mut cmd = command(&db);
    cmd.arg("serve").arg("--http").arg(addr.to_string());
    if options.stateless {
        cmd.arg("--stateless");
    }
    cmd.args(&options.args);
    for (k, v) in &options.env {
        cmd.env(k, v);
    }
    cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(std::fs::File::create(&stderr).unwrap()).kill_on_drop(true);
    let mut child = cmd.spawn().expect("spawn server");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        // An answer from /healthz, not a bare TCP connect: a connect can succeed before this server serves (a
        // loopback self-connect on a port nothing listens on yet, or another test's server on a reused port).
        if healthz_answers(addr).await {
            break;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("server exited with {status} before listening: {}", std::fs::read_to_string(&stderr).unwrap());
        }
        assert!(Instant::now() < deadline, "server did not listen on {addr} within 30 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    HttpServer { child, addr, db, stderr, dir }
}

/// Whether `GET /healthz` on `addr` answers 200 within two seconds; never panics.
async fn healthz_answers(addr: SocketAddr) -> bool {
    let Ok(mut stream) = tokio::net::TcpStream::connect(addr).await else { return false };
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).await.is_err() {
        return false;
    }
    let mut response = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(2), stream.read_to_end(&mut response)).await;
    matches!(read, Ok(Ok(_))) && response.starts_with(b"HTTP/1.1 200")
}

impl HttpServer {
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn url(&self) -> String {
        format!("http://{}/mcp", self.addr)
    }

    /// An MCP client over HTTP, with an optional bearer token.
    pub async fn client(&self, token: Option<&str>) -> Client {
        Client(connect(&self.url(), token).await.expect("MCP handshake over HTTP"))
    }

    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// Sends SIGTERM.
    pub fn sigterm(&self) {
        let pid = self.child.id().expect("server still running");
        let ok = std::process::Command::new("kill").arg("-TERM").arg(pid.to_string()).status().unwrap().success();
        assert!(ok, "kill -TERM {pid}");
    }

    /// Waits (at most `limit`) for the process to exit.
    pub async fn wait_exit(&mut self, limit: Duration) -> ExitStatus {
        match tokio::time::timeout(limit, self.child.wait()).await {
            Ok(status) => status.unwrap(),
            Err(_) => panic!("server still running after {limit:?}: {}", self.logs()),
        }
    }

    /// SIGTERM, then a clean exit.
    pub async fn stop(mut self) {
        self.sigterm();
        let status = self.wait_exit(Duration::from_secs(20)).await;
        assert!(status.success(), "exit status {status}: {}", self.logs());
    }
}

pub async fn connect(url: &str, token: Option<&str>) -> Result<RunningService<RoleClient, ()>, String> {
    let mut config = StreamableHttpClientTransportConfig::with_uri(url.to_string());
    if let Some(t) = token {
        config = config.auth_header(t.to_string());
    }
    ().serve(StreamableHttpClientTransport::from_config(config)).await.map_err(|e| e.to_string())
}

/// An MCP client session.
pub struct Client(pub RunningService<RoleClient, ()>);

impl Client {
    pub async fn call_raw(&self, name: &str, args: Value) -> CallToolResult {
        let args = args.as_object().cloned().unwrap_or_default();
        self.0
            .call_tool(CallToolRequestParams::new(name.to_string()).with_arguments(args))
            .await
            .unwrap_or_else(|e| panic!("{name}: JSON-RPC error {e}"))
    }

    pub async fn call(&self, name: &str, args: Value) -> Value {
        let r = self.call_raw(name, args.clone()).await;
        assert_ne!(r.is_error, Some(true), "{name} {args} failed: {:?}", text(&r));
        r.structured_content.unwrap_or_else(|| panic!("{name}: no structuredContent"))
    }

    pub async fn call_err(&self, name: &str, args: Value) -> String {
        let r = self.call_raw(name, args.clone()).await;
        assert_eq!(r.is_error, Some(true), "{name} {args} should have failed: {:?}", r.structured_content);
        text(&r)
    }

    pub async fn close(self) {
        self.0.cancel().await.ok();
    }
}

/// A raw HTTP response.
#[derive(Debug)]
pub struct Raw {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Raw {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Sends `head` (request line and headers, without the blank line) and `body` as-is over a new connection, with
/// `Connection: close`, and reads the whole response. Write errors are ignored: a server may answer and close
/// before reading an oversize body.
pub async fn raw(addr: SocketAddr, head: &str, body: &[u8]) -> Raw {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut request = format!("{head}\r\nConnection: close\r\n\r\n").into_bytes();
    request.extend_from_slice(body);
    let _ = stream.write_all(&request).await;
    let mut response = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response)).await;
    let response = String::from_utf8_lossy(&response).to_string();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP status in {response:?}"));
    let headers =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect();
    Raw { status, headers, body: body.to_string() }
}

/// A raw JSON-RPC POST to `/mcp` with the headers a Streamable HTTP client sends, plus `extra` header lines.
pub async fn post_mcp(addr: SocketAddr, host: &str, extra: &[&str], json: &str) -> Raw {
    let mut head = format!(
        "POST /mcp HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Accept: application/json, text/event-stream\r\nContent-Length: {}",
        json.len()
    );
    for h in extra {
        head.push_str("\r\n");
        head.push_str(h);
    }
    raw(addr, &head, json.as_bytes()).await
}

/// A raw GET.
pub async fn get(addr: SocketAddr, path: &str, extra: &[&str]) -> Raw {
    let mut head = format!("GET {path} HTTP/1.1\r\nHost: {addr}");
    for h in extra {
        head.push_str("\r\n");
        head.push_str(h);
    }
    raw(addr, &head, b"").await
}

/// The value of a metric sample (exact name and labels) in `/metrics`, if present.
pub async fn metric(addr: SocketAddr, sample: &str, extra: &[&str]) -> Option<f64> {
    let r = get(addr, "/metrics", extra).await;
    assert_eq!(r.status, 200, "{r:?}");
    r.body.lines().find_map(|l| l.strip_prefix(sample).and_then(|v| v.trim().parse().ok()))
}

pub const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}"#;
