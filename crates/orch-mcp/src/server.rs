//! The rmcp server: tool registrations and stdio serving.

use std::sync::Arc;
use std::time::Duration;

use orch_service::Orchestrator;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, GetPromptRequestParams, GetPromptResponse, Implementation,
    ListPromptsResult, ListResourceTemplatesResult, ListResourcesResult, PaginatedRequestParams,
    ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, ServerCapabilities, ServerConfig,
    SubscribeRequestParams, UnsubscribeRequestParams,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, Json, RoleServer, ServerHandler, ServiceExt, tool_handler};

use crate::metrics::Metrics;
use crate::profile::ToolProfile;
use crate::resources::BoardUri;
use crate::subscriptions::Subscriptions;
use crate::{prompts, resources, schema, tools};

const INSTRUCTIONS: &str = "Task board with a dependency graph. Typical loop: list_tasks or get_task_graph to see the \
board; create_task / update_task to plan (dependencies must exist and may not form cycles); update_task_status to \
start (in_progress) and finish (completed) work; link_git_commit to record commits. Errors say how to fix the call. \
Resources: task://{task_id}, board://ready, board://graph, project://{project_id}/ready|graph (subscribable). \
Prompts: plan_prd, work_next_task, review_task.";

/// The MCP server: every tool over one [`Orchestrator`].
#[derive(Clone)]
pub struct OrchestratorServer {
    pub(crate) orch: Arc<Orchestrator>,
    /// Shared: rmcp clones the server for every stateless request, and the router is the big part of it.
    pub(crate) tool_router: Arc<ToolRouter<Self>>,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) call_timeout: Option<Duration>,
    pub(crate) subscriptions: Arc<Subscriptions>,
}

impl std::fmt::Debug for OrchestratorServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrchestratorServer").finish_non_exhaustive()
    }
}

// Return types are spelled `Result<Json<T>, String>` on each tool: rmcp's macro finds the output schema syntactically.
// A tool body is one `call`: arguments that failed to decode become the caller's error, the rest go to `run`.
pub(crate) async fn call<P, T, Fut>(p: Result<P, String>, run: impl FnOnce(P) -> Fut) -> Result<Json<T>, String>
where
    Fut: std::future::Future<Output = Result<T, tools::ToolError>>,
{
    wire(match p {
        Ok(p) => run(p).await,
        Err(message) => Err(tools::ToolError::invalid(message)),
    })
}

/// A tool's outcome as rmcp returns it, for the tools that look at the result before answering.
pub(crate) fn wire<T>(r: Result<T, tools::ToolError>) -> Result<Json<T>, String> {
    r.map(Json).map_err(String::from)
}

impl OrchestratorServer {
    /// A server over `orch`.
    pub fn new(orch: Arc<Orchestrator>) -> Self {
        // Each tool group registers its own router; together they are the server's tool list.
        Self {
            orch,
            tool_router: Arc::new(Self::router()),
            metrics: Arc::new(Metrics::new()),
            call_timeout: None,
            subscriptions: Arc::new(Subscriptions::default()),
        }
    }

    /// Every tool, with lean schemas (see `schema.rs`).
    fn router() -> ToolRouter<Self> {
        let mut router = Self::task_router()
            + Self::exec_router()
            + Self::planning_router()
            + Self::next_router()
            + Self::interop_router();
        for route in router.map.values_mut() {
            let tool = &mut route.attr;
            tool.input_schema = Arc::new(schema::lean(&tool.input_schema, schema::Use::Input));
            tool.output_schema = tool.output_schema.as_ref().map(|s| Arc::new(schema::lean(s, schema::Use::Output)));
        }
        router
    }

    /// The names of every tool, sorted.
    pub fn tool_names() -> Vec<String> {
        let mut names: Vec<String> = Self::router().map.keys().map(|k| k.to_string()).collect();
        names.sort();
        names
    }

    /// Offers only the tools of `profile`; the others are unknown to clients.
    pub fn with_tools(mut self, profile: &ToolProfile) -> Self {
        Arc::make_mut(&mut self.tool_router).map.retain(|name, _| profile.offers(name));
        self
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
        let capabilities = ServerCapabilities::builder()
            .enable_tools()
            .enable_resources()
            .enable_resources_subscribe()
            .enable_prompts()
            .build();
        ServerConfig::new(capabilities)
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

    // Resources and prompts: see `resources.rs`, `subscriptions.rs` and `prompts.rs`.
    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        Ok(resources::list())
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        Ok(resources::templates())
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let contents = BoardUri::parse(&request.uri)?.contents(&request.uri, &self.orch).await?;
        Ok(ReadResourceResult::new(vec![contents]).into())
    }

    async fn subscribe(
        &self,
        request: SubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.subscriptions.subscribe(request.uri, &context, &self.orch).await
    }

    async fn unsubscribe(
        &self,
        request: UnsubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.subscriptions.unsubscribe(&request.uri, &context.peer)
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        Ok(prompts::list())
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        Ok(prompts::get(&request.name, request.arguments, &self.orch).await?.into())
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

/// Serves MCP over stdin/stdout until the client disconnects, refusing messages over the default size limit.
pub async fn serve_stdio(orch: Arc<Orchestrator>) -> Result<(), ServeError> {
    serve_stdio_limited(orch, crate::framing::DEFAULT_MAX_MESSAGE_BYTES, &ToolProfile::All).await
}

/// Serves the tools of `tools` over stdin/stdout until the client disconnects; a line over `max_message_bytes` gets
/// an error answer.
pub async fn serve_stdio_limited(
    orch: Arc<Orchestrator>,
    max_message_bytes: usize,
    tools: &ToolProfile,
) -> Result<(), ServeError> {
    let (stdin, stdout) = rmcp::transport::stdio_pipes();
    let transport = crate::stdio::LineTransport::new(stdin, stdout, max_message_bytes);
    let service = match OrchestratorServer::new(orch).with_tools(tools).serve(transport).await {
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
