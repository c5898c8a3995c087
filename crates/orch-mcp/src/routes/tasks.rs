//! The task board tools: create, edit, status, read, list, delete, graph, commits.

use rmcp::{Json, tool, tool_router};

use crate::dto::*;
use crate::params::Parameters;
use crate::server::{OrchestratorServer, call};
use crate::tools;

#[tool_router(router = task_router, vis = "pub(crate)")]
impl OrchestratorServer {
    #[tool(description = "Create a task, optionally with dependencies (task ids in the same project), tags, \
        language, project and parent. Returns the stored task.")]
    async fn create_task(&self, Parameters(p): Parameters<CreateTaskParams>) -> Result<Json<TaskResult>, String> {
        call(p, |p| tools::create_task(&self.orch, p)).await
    }

    #[tool(description = "Edit a task: title, description, details, priority, tags, language, environment, type, \
        estimate, and add or remove dependencies. A dependency that would create a cycle is refused with the cycle.")]
    async fn update_task(&self, Parameters(p): Parameters<UpdateTaskParams>) -> Result<Json<TaskResult>, String> {
        call(p, |p| tools::update_task(&self.orch, p)).await
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
        call(p, |p| tools::update_task_status(&self.orch, p)).await
    }

    #[tool(
        description = "Get one task with its linked commits and, on request, its code executions and analyses.",
        annotations(read_only_hint = true)
    )]
    async fn get_task(&self, Parameters(p): Parameters<GetTaskParams>) -> Result<Json<GetTaskResult>, String> {
        call(p, |p| tools::get_task(&self.orch, p)).await
    }

    #[tool(
        description = "List tasks, filtered by status, language, project, tags and parent; paged (limit, offset; \
        count is the total). include_metrics adds counts, completion rate and median cycle time.",
        annotations(read_only_hint = true)
    )]
    async fn list_tasks(&self, Parameters(p): Parameters<ListTasksParams>) -> Result<Json<ListTasksResult>, String> {
        call(p, |p| tools::list_tasks(&self.orch, p)).await
    }

    #[tool(
        description = "Delete a task with its executions and commit links. Refused while other tasks depend on it \
        or it has subtasks, unless force is true (removes those edges, deletes the subtasks).",
        annotations(destructive_hint = true)
    )]
    async fn delete_task(&self, Parameters(p): Parameters<DeleteTaskParams>) -> Result<Json<DeleteTaskResult>, String> {
        call(p, |p| tools::delete_task(&self.orch, p)).await
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
        call(p, |p| tools::get_task_graph(&self.orch, p)).await
    }

    #[tool(
        description = "Link a git commit (7-64 hex characters) to a task for traceability. When the server has a git \
        repository the hash must be one of its commits, and the stored hash, author and message are the \
        repository's. Linking the same commit again changes nothing.",
        annotations(idempotent_hint = true)
    )]
    async fn link_git_commit(
        &self,
        Parameters(p): Parameters<LinkGitCommitParams>,
    ) -> Result<Json<LinkGitCommitResult>, String> {
        call(p, |p| tools::link_git_commit(&self.orch, p)).await
    }
}
