//! The rmcp server: tool registrations and stdio serving.

use std::sync::Arc;
use std::time::Duration;

use orch_service::Orchestrator;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{CallToolRequestParams, CallToolResponse, Implementation, ServerCapabilities, ServerConfig};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, Json, RoleServer, ServerHandler, ServiceExt, tool_handler};

use crate::metrics::Metrics;
use crate::tools;

const INSTRUCTIONS: &str = "Task board with a dependency graph. Typical loop: list_tasks or get_task_graph to see the \
board; create_task / update_task to plan (dependencies must exist and may not form cycles); update_task_status to \
start (in_progress) and finish (completed) work; link_git_commit to record commits. Errors say how to fix the call.";

/// The MCP server: every tool over one [`Orchestrator`].
#[derive(Clone)]
pub struct OrchestratorServer {
    pub(crate) orch: Arc<Orchestrator>,
    pub(crate) tool_router: ToolRouter<Self>,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) call_timeout: Option<Duration>,
}

impl std::fmt::Debug for OrchestratorServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrchestratorServer").finish_non_exhaustive()
    }
}

// Return types are spelled `Result<Json<T>, String>` on each tool: rmcp's macro finds the output schema syntactically.
pub(crate) fn wire<T>(r: Result<T, tools::ToolError>) -> Result<Json<T>, String> {
    r.map(Json).map_err(String::from)
}

impl OrchestratorServer {
    /// A server over `orch`.
    pub fn new(orch: Arc<Orchestrator>) -> Self {
        // Each tool group registers its own router; together they are the server's tool list.
        Self {
            orch,
            tool_router: Self::task_router()
                + Self::exec_router()
                + Self::planning_router()
                + Self::next_router()
                + Self::interop_router(),
            metrics: Arc::new(Metrics::new()),
            call_timeout: None,
        }
    }

    /// Records into `metrics` (shared with the HTTP server's `/metrics`) instead of a private registry.
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = metrics;
        self
    }

    /// Bounds every tool call: one still running after `timeout` is abandoned and reported as a tool error.
    pub fn with_call_timeout(mut self, timeout: Duration) -> Self {
        self.call_timeout = Some(timeout);
        self
    }

    /// The metrics this server records into.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for OrchestratorServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("task-orchestrator", env!("CARGO_PKG_VERSION")))
            .with_instructions(INSTRUCTIONS)
    }

    // Written by hand (the macro then skips it) to time and count every call; see `instrument.rs`.
    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        self.instrumented_call(request, context).await
    }
}

/// Serving failed.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The client never completed the MCP handshake.
    #[error("MCP initialization failed: {0}")]
    Initialize(Box<rmcp::service::ServerInitializeError>),
    /// The session task ended abnormally.
    #[error("MCP session ended abnormally: {0}")]
    Session(#[from] tokio::task::JoinError),
}

/// Serves MCP over stdin/stdout until the client disconnects.
pub async fn serve_stdio(orch: Arc<Orchestrator>) -> Result<(), ServeError> {
    let service = match OrchestratorServer::new(orch).serve(rmcp::transport::stdio()).await {
        Ok(service) => service,
        // The client went away before initializing (or a person pressed Ctrl-D): a normal end, not a failure.
        Err(rmcp::service::ServerInitializeError::ConnectionClosed(_)) => {
            tracing::info!("stdin closed before the MCP handshake; exiting");
            return Ok(());
        }
        Err(e) => return Err(ServeError::Initialize(Box::new(e))),
    };
    service.waiting().await?;
    Ok(())
}
