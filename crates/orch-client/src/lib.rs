//! A Rust client of a task-orchestrator server over MCP Streamable HTTP: typed task tools (the wire DTOs of
//! [`orch_protocol::dto`]) and the HTTP health endpoints.
//!
//! ```no_run
//! # async fn demo() -> Result<(), orch_client::ClientError> {
//! use orch_client::TaskOrchestratorClient;
//! use orch_protocol::dto::CreateTaskParams;
//!
//! let client = TaskOrchestratorClient::new("http://localhost:8000", None)?;
//! let created = client.create_task(CreateTaskParams { title: "Write docs".into(), ..Default::default() }).await?;
//! println!("{}", created.message);
//! assert!(client.check_database_health().await?.ready);
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;

use orch_protocol::dto::*;
use orch_protocol::health::{Liveness, Readiness};
use reqwest::Url;
use rmcp::model::CallToolRequestParams;
use rmcp::service::RunningService;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{RoleClient, ServiceExt};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::OnceCell;

/// A client call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The base URL is not an http(s) URL.
    #[error("invalid server URL '{url}': {reason}; use e.g. http://localhost:8000")]
    InvalidUrl {
        /// What was given.
        url: String,
        /// Why it is unusable.
        reason: String,
    },
    /// The MCP handshake failed (server down, wrong URL, missing or wrong token).
    #[error("cannot open an MCP session at {url}: {reason}")]
    Connect {
        /// The MCP endpoint.
        url: String,
        /// Why.
        reason: String,
    },
    /// The server answered a tool call with a JSON-RPC error (unknown tool, malformed request).
    #[error("{tool}: protocol error: {source}")]
    Protocol {
        /// The tool called.
        tool: &'static str,
        /// The JSON-RPC failure.
        source: Box<rmcp::ServiceError>,
    },
    /// The tool refused the call (`isError: true`); the message says how to fix it.
    #[error("{tool}: {message}")]
    Tool {
        /// The tool called.
        tool: &'static str,
        /// The server's message.
        message: String,
    },
    /// The tool's result did not match the expected shape (client and server versions differ?).
    #[error("{tool}: unexpected result: {reason}")]
    Decode {
        /// The tool called.
        tool: &'static str,
        /// What did not match.
        reason: String,
    },
    /// An HTTP endpoint could not be reached or read.
    #[error("GET {url}: {source}")]
    Http {
        /// The URL requested.
        url: String,
        /// The transport failure.
        source: reqwest::Error,
    },
    /// An HTTP endpoint answered with an unexpected status.
    #[error("GET {url}: HTTP {status}: {body}")]
    Status {
        /// The URL requested.
        url: String,
        /// The status.
        status: u16,
        /// The start of the body.
        body: String,
    },
}

/// The server's metrics, parsed from `GET /metrics`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PerformanceMetrics {
    /// Every sample, keyed by name and labels exactly as exposed (e.g.
    /// `task_orchestrator_tool_calls_total{tool="get_task",outcome="ok"}`).
    pub samples: BTreeMap<String, f64>,
    /// The exposition text as received.
    #[serde(skip)]
    pub text: String,
}

impl PerformanceMetrics {
    /// Parses OpenMetrics / Prometheus text (comment lines skipped; a sample is `name{labels} value [timestamp]`).
    pub fn parse(text: &str) -> Self {
        let mut samples = BTreeMap::new();
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
            // Label values may contain spaces, so split after the closing brace when there is one.
            let (key, rest) = match line.rfind('}') {
                Some(i) => (&line[..=i], &line[i + 1..]),
                None => match line.split_once(' ') {
                    Some((k, r)) => (k, r),
                    None => continue,
                },
            };
            if let Some(value) = rest.split_whitespace().next().and_then(|v| v.parse::<f64>().ok()) {
                samples.insert(key.trim().to_string(), value);
            }
        }
        PerformanceMetrics { samples, text: text.to_string() }
    }

    /// One sample's value by its exact key.
    pub fn get(&self, key: &str) -> Option<f64> {
        self.samples.get(key).copied()
    }

    /// The sum of every sample of metric `name` whose labels include all of `labels` (`[("tool", "get_task")]`).
    pub fn sum(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.samples
            .iter()
            .filter(|(key, _)| {
                let (n, l) = key.split_once('{').unwrap_or((key.as_str(), ""));
                n == name && labels.iter().all(|(k, v)| l.contains(&format!("{k}=\"{v}\"")))
            })
            .map(|(_, v)| v)
            // From +0.0: `sum()` of no samples is -0.0, which prints as "-0".
            .fold(0.0, |a, b| a + b)
    }
}

/// A task-orchestrator server reached over HTTP. The MCP session opens on the first tool call and is reused.
pub struct TaskOrchestratorClient {
    base: Url,
    token: Option<String>,
    http: reqwest::Client,
    mcp: OnceCell<RunningService<RoleClient, ()>>,
}

impl std::fmt::Debug for TaskOrchestratorClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskOrchestratorClient").field("base", &self.base.as_str()).finish_non_exhaustive()
    }
}

impl TaskOrchestratorClient {
    /// A client of the server at `base_url` (`http://host:port`, with or without the trailing `/mcp`), sending
    /// `token` as a bearer token when given. Does not connect yet.
    pub fn new(base_url: &str, token: Option<&str>) -> Result<Self, ClientError> {
        let invalid = |reason: &str| ClientError::InvalidUrl { url: base_url.to_string(), reason: reason.into() };
        let mut base = Url::parse(base_url.trim()).map_err(|e| invalid(&e.to_string()))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(invalid("the scheme must be http or https"));
        }
        if base.query().is_some() || base.fragment().is_some() {
            return Err(invalid("the URL must not have a query or fragment"));
        }
        let path = base.path().trim_end_matches('/').trim_end_matches("/mcp").trim_end_matches('/').to_string();
        base.set_path(&format!("{path}/"));
        Ok(TaskOrchestratorClient {
            base,
            token: token.map(str::to_string),
            http: reqwest::Client::new(),
            mcp: OnceCell::new(),
        })
    }

    /// The MCP endpoint (`…/mcp`).
    pub fn mcp_url(&self) -> String {
        self.endpoint("mcp")
    }

    fn endpoint(&self, path: &str) -> String {
        // `base` always ends with '/', so joining a relative path cannot fail or drop a segment.
        self.base.join(path).map(String::from).unwrap_or_else(|_| format!("{}{path}", self.base))
    }

    async fn session(&self) -> Result<&RunningService<RoleClient, ()>, ClientError> {
        self.mcp
            .get_or_try_init(|| async {
                let url = self.mcp_url();
                let mut config = StreamableHttpClientTransportConfig::with_uri(url.clone());
                if let Some(t) = &self.token {
                    config = config.auth_header(t.clone());
                }
                let transport = StreamableHttpClientTransport::from_config(config);
                ().serve(transport).await.map_err(|e| ClientError::Connect { url, reason: e.to_string() })
            })
            .await
    }

    /// Calls `tool` with `params` and decodes its structured result.
    async fn call<P: Serialize, R: DeserializeOwned>(&self, tool: &'static str, params: &P) -> Result<R, ClientError> {
        let decode = |reason: String| ClientError::Decode { tool, reason };
        let mut arguments = match serde_json::to_value(params).map_err(|e| decode(e.to_string()))? {
            serde_json::Value::Object(map) => map,
            other => return Err(decode(format!("parameters must be an object, got {other}"))),
        };
        // Absent and null mean the same to the server; absent keeps requests small and readable in logs.
        arguments.retain(|_, v| !v.is_null());
        let session = self.session().await?;
        let result = session
            .call_tool(CallToolRequestParams::new(tool).with_arguments(arguments))
            .await
            .map_err(|e| ClientError::Protocol { tool, source: Box::new(e) })?;
        if result.is_error == Some(true) {
            let message = result
                .content
                .iter()
                .filter_map(|c| c.as_text().map(|t| t.text.clone()))
                .collect::<Vec<_>>()
                .join("\n");
            return Err(ClientError::Tool { tool, message });
        }
        let value = result.structured_content.ok_or_else(|| decode("no structuredContent".into()))?;
        serde_json::from_value(value).map_err(|e| decode(e.to_string()))
    }

    /// `create_task`.
    pub async fn create_task(&self, params: CreateTaskParams) -> Result<TaskResult, ClientError> {
        self.call("create_task", &params).await
    }

    /// `update_task`.
    pub async fn update_task(&self, params: UpdateTaskParams) -> Result<TaskResult, ClientError> {
        self.call("update_task", &params).await
    }

    /// `update_task_status`.
    pub async fn update_task_status(
        &self,
        task_id: i64,
        status: StatusDto,
        force: bool,
    ) -> Result<UpdateTaskStatusResult, ClientError> {
        self.call("update_task_status", &UpdateTaskStatusParams { task_id, status, force }).await
    }

    /// `get_task`.
    pub async fn get_task(&self, params: GetTaskParams) -> Result<GetTaskResult, ClientError> {
        self.call("get_task", &params).await
    }

    /// `list_tasks`.
    pub async fn list_tasks(&self, params: ListTasksParams) -> Result<ListTasksResult, ClientError> {
        self.call("list_tasks", &params).await
    }

    /// `delete_task`.
    pub async fn delete_task(&self, task_id: i64, force: bool) -> Result<DeleteTaskResult, ClientError> {
        self.call("delete_task", &DeleteTaskParams { task_id, force }).await
    }

    /// `get_task_graph`.
    pub async fn get_task_graph(&self, params: GetTaskGraphParams) -> Result<GetTaskGraphResult, ClientError> {
        self.call("get_task_graph", &params).await
    }

    /// `link_git_commit`.
    pub async fn link_git_commit(&self, params: LinkGitCommitParams) -> Result<LinkGitCommitResult, ClientError> {
        self.call("link_git_commit", &params).await
    }

    async fn get(&self, path: &str, accept: &[u16]) -> Result<(u16, String), ClientError> {
        let url = self.endpoint(path);
        let mut request = self.http.get(&url);
        if let Some(t) = &self.token {
            request = request.bearer_auth(t);
        }
        let http = |source| ClientError::Http { url: url.clone(), source };
        let response = request.send().await.map_err(http)?;
        let status = response.status().as_u16();
        let body = response.text().await.map_err(http)?;
        if !accept.contains(&status) {
            let body = body.chars().take(500).collect();
            return Err(ClientError::Status { url, status, body });
        }
        Ok((status, body))
    }

    /// `GET /healthz`: the process is up.
    pub async fn health_check(&self) -> Result<Liveness, ClientError> {
        let (_, body) = self.get("healthz", &[200]).await?;
        serde_json::from_str(&body).map_err(|e| ClientError::Decode { tool: "healthz", reason: e.to_string() })
    }

    /// `GET /readyz`: database reachable and schema current. A not-ready server (503) is a result, not an error.
    pub async fn check_database_health(&self) -> Result<Readiness, ClientError> {
        let (_, body) = self.get("readyz", &[200, 503]).await?;
        serde_json::from_str(&body).map_err(|e| ClientError::Decode { tool: "readyz", reason: e.to_string() })
    }

    /// `GET /metrics`: tool calls, latencies, executions, tasks by status, LLM use.
    pub async fn get_performance_metrics(&self) -> Result<PerformanceMetrics, ClientError> {
        let (_, body) = self.get("metrics", &[200]).await?;
        Ok(PerformanceMetrics::parse(&body))
    }

    /// Closes the MCP session (ends it on the server) if one is open.
    pub async fn close(mut self) {
        if let Some(session) = self.mcp.take() {
            let _ = session.cancel().await;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_sum_over_no_samples_prints_as_zero() {
        let m = PerformanceMetrics::parse("# no samples yet\n");
        let calls = m.sum("task_orchestrator_tool_calls_total", &[]);
        assert_eq!(format!("{calls} tool calls"), "0 tool calls");
    }

    #[test]
    fn base_urls_normalize_to_the_server_root() {
        for given in [
            "http://localhost:8000",
            "http://localhost:8000/",
            "http://localhost:8000/mcp",
            "http://localhost:8000/mcp/",
        ] {
            let c = TaskOrchestratorClient::new(given, None).unwrap();
            assert_eq!(c.mcp_url(), "http://localhost:8000/mcp", "{given}");
            assert_eq!(c.endpoint("healthz"), "http://localhost:8000/healthz");
        }
        let behind_proxy = TaskOrchestratorClient::new("https://example.com/tasks/mcp", None).unwrap();
        assert_eq!(behind_proxy.mcp_url(), "https://example.com/tasks/mcp");
        assert_eq!(behind_proxy.endpoint("readyz"), "https://example.com/tasks/readyz");
        assert!(TaskOrchestratorClient::new("ftp://x", None).is_err());
        assert!(TaskOrchestratorClient::new("localhost:8000", None).is_err());
        assert!(TaskOrchestratorClient::new("http://x/?a=1", None).is_err());
    }

    #[test]
    fn metrics_text_parses_into_samples() {
        let text = "# HELP x help\n# TYPE x counter\nx_total{tool=\"get task\",outcome=\"ok\"} 3\n\
                    x_total{tool=\"b\",outcome=\"tool_error\"} 2 1700000000\nup 1\n# EOF\n";
        let m = PerformanceMetrics::parse(text);
        assert_eq!(m.get(r#"x_total{tool="get task",outcome="ok"}"#), Some(3.0));
        assert_eq!(m.get("up"), Some(1.0));
        assert_eq!(m.sum("x_total", &[]), 5.0);
        assert_eq!(m.sum("x_total", &[("outcome", "ok")]), 3.0);
        assert_eq!(m.sum("x", &[]), 0.0);
        assert_eq!(m.samples.len(), 3);
    }
}
