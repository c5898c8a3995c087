//! The task board tools: create, edit, status, read, list, delete, graph, commits.

use rmcp::{Json, tool, tool_router};

use crate::dto::*;
use crate::params::Parameters;
use crate::server::{OrchestratorServer, call};
use crate::tools;

#[tool_router(router = task_router, vis = "pub(crate)")]
impl OrchestratorServer {
    #[tool(description = "Create a task; dependencies must be in the same project.")]
    async fn create_task(&self, Parameters(p): Parameters<CreateTaskParams>) -> Result<Json<TaskResult>, String> {
        call(p, |p| tools::create_task(&self.orch, p)).await
    }

    #[tool(
        description = "Edit a task: only the fields given change; \"\" clears a text field. A dependency cycle is refused."
    )]
    async fn update_task(&self, Parameters(p): Parameters<UpdateTaskParams>) -> Result<Json<TaskResult>, String> {
        call(p, |p| tools::update_task(&self.orch, p)).await
    }

    #[tool(
        description = "Set a task's status. Starting or completing it before its dependencies is refused unless force.",
        annotations(idempotent_hint = true)
    )]
    async fn update_task_status(
        &self,
        Parameters(p): Parameters<UpdateTaskStatusParams>,
    ) -> Result<Json<UpdateTaskStatusResult>, String> {
        call(p, |p| tools::update_task_status(&self.orch, p)).await
    }

    #[tool(
        description = "A task with its commits, and on request its executions and analyses.",
        annotations(read_only_hint = true)
    )]
    async fn get_task(&self, Parameters(p): Parameters<GetTaskParams>) -> Result<Json<GetTaskResult>, String> {
        call(p, |p| tools::get_task(&self.orch, p)).await
    }

    #[tool(
        description = "List tasks as summary rows (fields for more), filtered and paged; count is the total.",
        annotations(read_only_hint = true)
    )]
    async fn list_tasks(&self, Parameters(p): Parameters<ListTasksParams>) -> Result<Json<ListTasksPage>, String> {
        call(p, |p| tools::list_task_rows(&self.orch, p)).await
    }

    #[tool(
        description = "Delete a task. Refused while tasks depend on it or it has subtasks, unless force.",
        annotations(destructive_hint = true)
    )]
    async fn delete_task(&self, Parameters(p): Parameters<DeleteTaskParams>) -> Result<Json<DeleteTaskResult>, String> {
        call(p, |p| tools::delete_task(&self.orch, p)).await
    }

    #[tool(
        description = "Dependency graph (edges: prerequisite to dependent) as json, mermaid or dot, at most limit tasks.",
        annotations(read_only_hint = true)
    )]
    async fn get_task_graph(
        &self,
        Parameters(p): Parameters<GetTaskGraphParams>,
    ) -> Result<Json<GetTaskGraphResult>, String> {
        call(p, |p| tools::get_task_graph(&self.orch, p)).await
    }

    #[tool(
        description = "Link a git commit to a task; with a server repository it must be one of its commits.",
        annotations(idempotent_hint = true)
    )]
    async fn link_git_commit(
        &self,
        Parameters(p): Parameters<LinkGitCommitParams>,
    ) -> Result<Json<LinkGitCommitResult>, String> {
        call(p, |p| tools::link_git_commit(&self.orch, p)).await
    }
}
