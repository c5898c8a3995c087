//! The rmcp server: tool registrations and stdio serving.

use std::sync::Arc;

use orch_service::Orchestrator;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{Implementation, ServerCapabilities, ServerConfig};
use rmcp::{Json, ServerHandler, ServiceExt, tool, tool_handler, tool_router};

use crate::dto::*;
use crate::params::Parameters;
use crate::tools;

const INSTRUCTIONS: &str = "Task board with a dependency graph. Typical loop: list_tasks or get_task_graph to see the \
board; create_task / update_task to plan (dependencies must exist and may not form cycles); update_task_status to \
start (in_progress) and finish (completed) work; link_git_commit to record commits. Errors say how to fix the call.";

/// The MCP server: every tool over one [`Orchestrator`].
#[derive(Clone)]
pub struct OrchestratorServer {
    orch: Arc<Orchestrator>,
    tool_router: ToolRouter<Self>,
}

impl std::fmt::Debug for OrchestratorServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrchestratorServer").finish_non_exhaustive()
    }
}

// Return types are spelled `Result<Json<T>, String>` on each tool: rmcp's macro finds the output schema syntactically.
fn wire<T>(r: Result<T, tools::ToolError>) -> Result<Json<T>, String> {
    r.map(Json).map_err(String::from)
}

#[tool_router]
impl OrchestratorServer {
    /// A server over `orch`.
    pub fn new(orch: Arc<Orchestrator>) -> Self {
        Self { orch, tool_router: Self::tool_router() }
    }

    #[tool(description = "Create a task, optionally with dependencies (task ids in the same project), tags, \
        language, project and parent. Returns the stored task.")]
    async fn create_task(&self, Parameters(p): Parameters<CreateTaskParams>) -> Result<Json<TaskResult>, String> {
        wire(match p {
            Ok(p) => tools::create_task(&self.orch, p).await,
            Err(message) => Err(tools::ToolError::invalid(message)),
        })
    }

    #[tool(description = "Edit a task: title, description, details, priority, tags, language, environment, type, \
        estimate, and add or remove dependencies. A dependency that would create a cycle is refused with the cycle.")]
    async fn update_task(&self, Parameters(p): Parameters<UpdateTaskParams>) -> Result<Json<TaskResult>, String> {
        wire(match p {
            Ok(p) => tools::update_task(&self.orch, p).await,
            Err(message) => Err(tools::ToolError::invalid(message)),
        })
    }

    #[tool(
        description = "Set a task's status: pending, in_progress, blocked or completed. Starting or completing a \
        task whose dependencies are unfinished is refused (listing them) unless force is true.",
        annotations(idempotent_hint = true)
    )]
    async fn update_task_status(
        &self,
        Parameters(p): Parameters<UpdateTaskStatusParams>,
    ) -> Result<Json<UpdateTaskStatusResult>, String> {
        wire(match p {
            Ok(p) => tools::update_task_status(&self.orch, p).await,
            Err(message) => Err(tools::ToolError::invalid(message)),
        })
    }

    #[tool(
        description = "Get one task with its linked commits and, on request, its code executions and analyses.",
        annotations(read_only_hint = true)
    )]
    async fn get_task(&self, Parameters(p): Parameters<GetTaskParams>) -> Result<Json<GetTaskResult>, String> {
        wire(match p {
            Ok(p) => tools::get_task(&self.orch, p).await,
            Err(message) => Err(tools::ToolError::invalid(message)),
        })
    }

    #[tool(
        description = "List tasks, filtered by status, language, project, tags and parent; paged (limit, offset; \
        count is the total). include_metrics adds counts, completion rate and median cycle time.",
        annotations(read_only_hint = true)
    )]
    async fn list_tasks(&self, Parameters(p): Parameters<ListTasksParams>) -> Result<Json<ListTasksResult>, String> {
        wire(match p {
            Ok(p) => tools::list_tasks(&self.orch, p).await,
            Err(message) => Err(tools::ToolError::invalid(message)),
        })
    }

    #[tool(
        description = "Delete a task with its executions and commit links. Refused while other tasks depend on it \
        or it has subtasks, unless force is true (removes those edges, deletes the subtasks).",
        annotations(destructive_hint = true)
    )]
    async fn delete_task(&self, Parameters(p): Parameters<DeleteTaskParams>) -> Result<Json<DeleteTaskResult>, String> {
        wire(match p {
            Ok(p) => tools::delete_task(&self.orch, p).await,
            Err(message) => Err(tools::ToolError::invalid(message)),
        })
    }

    #[tool(
        description = "Dependency graph as json (nodes and edges), mermaid or dot text, for one project or all. \
        Edges point from a prerequisite to the task that depends on it.",
        annotations(read_only_hint = true)
    )]
    async fn get_task_graph(
        &self,
        Parameters(p): Parameters<GetTaskGraphParams>,
    ) -> Result<Json<GetTaskGraphResult>, String> {
        wire(match p {
            Ok(p) => tools::get_task_graph(&self.orch, p).await,
            Err(message) => Err(tools::ToolError::invalid(message)),
        })
    }

    #[tool(
        description = "Link a git commit (7-64 hex characters) to a task for traceability. Linking the same commit \
        again changes nothing.",
        annotations(idempotent_hint = true)
    )]
    async fn link_git_commit(
        &self,
        Parameters(p): Parameters<LinkGitCommitParams>,
    ) -> Result<Json<LinkGitCommitResult>, String> {
        wire(match p {
            Ok(p) => tools::link_git_commit(&self.orch, p).await,
            Err(message) => Err(tools::ToolError::invalid(message)),
        })
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for OrchestratorServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("task-orchestrator", env!("CARGO_PKG_VERSION")))
            .with_instructions(INSTRUCTIONS)
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
    let service = OrchestratorServer::new(orch)
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| ServeError::Initialize(Box::new(e)))?;
    service.waiting().await?;
    Ok(())
}
