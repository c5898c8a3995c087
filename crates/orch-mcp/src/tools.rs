//! One function per tool: parameters in, result out. The MCP server and the CLI both call these.

use orch_core::{NewCommitLink, NewTask, TaskFilter, TaskId, TaskPatch};
use orch_service::{DetailOptions, ErrorKind, GraphFormat, Orchestrator};

use crate::dto::*;

/// A tool failure with a message for the caller (reported as a tool result with `isError: true`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ToolError {
    /// What went wrong and how to fix it.
    pub message: String,
    /// True when the caller can fix it by changing the call.
    pub caller_error: bool,
}

impl ToolError {
    /// An error in the caller's arguments.
    pub fn invalid(message: impl Into<String>) -> Self {
        ToolError { message: message.into(), caller_error: true }
    }
}

impl From<orch_service::Error> for ToolError {
    fn from(e: orch_service::Error) -> Self {
        if e.kind() == ErrorKind::Internal {
            // Internal details (paths, SQL) stay in the server log.
            tracing::error!(error = %e, source = ?std::error::Error::source(&e), "tool failed on the server side");
            return ToolError {
                message: "internal error: the task store failed; the server log has the details. Retry, or check \
                          the database file and disk."
                    .into(),
                caller_error: false,
            };
        }
        ToolError { message: e.to_string(), caller_error: true }
    }
}

impl From<ToolError> for String {
    fn from(e: ToolError) -> Self {
        e.message
    }
}

fn task_ids(v: Vec<i64>) -> Vec<TaskId> {
    v.into_iter().map(TaskId).collect()
}

/// `create_task`.
pub async fn create_task(orch: &Orchestrator, p: CreateTaskParams) -> Result<TaskResult, ToolError> {
    let task = orch
        .create_task(NewTask {
            project_id: p.project_id,
            parent_id: p.parent_id.map(TaskId),
            title: p.title,
            description: p.description,
            details: p.details,
            priority: p.priority,
            dependencies: task_ids(p.dependencies),
            tags: p.tags,
            code_language: p.code_language,
            execution_environment: p.execution_environment,
            task_type: p.task_type,
            estimated_hours: p.estimated_hours,
            external_key: None,
        })
        .await?;
    let message = format!("Created task #{} \"{}\" in project '{}'.", task.id, task.title, task.project_id);
    Ok(TaskResult { task: task.into(), message })
}

/// `update_task`.
pub async fn update_task(orch: &Orchestrator, p: UpdateTaskParams) -> Result<TaskResult, ToolError> {
    let task = orch
        .update_task(
            TaskId(p.task_id),
            TaskPatch {
                title: p.title,
                description: p.description,
                details: p.details,
                priority: p.priority,
                tags: p.tags,
                code_language: p.code_language,
                execution_environment: p.execution_environment,
                task_type: p.task_type,
                estimated_hours: p.estimated_hours,
                add_dependencies: task_ids(p.add_dependencies),
                remove_dependencies: task_ids(p.remove_dependencies),
            },
        )
        .await?;
    let message = format!("Updated task #{} \"{}\".", task.id, task.title);
    Ok(TaskResult { task: task.into(), message })
}

/// `update_task_status`.
pub async fn update_task_status(
    orch: &Orchestrator,
    p: UpdateTaskStatusParams,
) -> Result<UpdateTaskStatusResult, ToolError> {
    let change = orch.update_task_status(TaskId(p.task_id), p.status.into(), p.force).await?;
    let t = &change.task;
    let message = if change.previous == t.status {
        format!("Task #{} \"{}\" was already {}; nothing changed.", t.id, t.title, t.status)
    } else {
        format!("Task #{} \"{}\" moved from {} to {}.", t.id, t.title, change.previous, t.status)
    };
    Ok(UpdateTaskStatusResult { previous_status: change.previous.into(), task: change.task.into(), message })
}

/// `get_task`.
pub async fn get_task(orch: &Orchestrator, p: GetTaskParams) -> Result<GetTaskResult, ToolError> {
    let options = DetailOptions { executions: p.include_executions, analysis: p.include_analysis };
    let d = orch.get_task(TaskId(p.task_id), options).await?;
    let updated_at = d.task.updated_at;
    Ok(GetTaskResult {
        task: d.task.into(),
        commits: d.commits.into_iter().map(Into::into).collect(),
        executions: d.executions.map(|v| v.into_iter().map(Into::into).collect()),
        analysis: d.analyses.map(|v| v.into_iter().map(|a| AnalysisDto::new(a, updated_at)).collect()),
    })
}

/// `list_tasks`.
pub async fn list_tasks(orch: &Orchestrator, p: ListTasksParams) -> Result<ListTasksResult, ToolError> {
    let filter = TaskFilter {
        project_id: p.project_id,
        status: p.status.map(Into::into),
        code_language: p.code_language,
        tags: p.tags,
        parent_id: p.parent_id.map(TaskId),
    };
    let listing = orch.list_tasks(filter, p.limit, p.offset, p.include_metrics).await?;
    let next_offset = listing.next_offset();
    Ok(ListTasksResult {
        count: listing.page.total,
        limit: listing.limit,
        offset: listing.offset,
        next_offset,
        tasks: listing.page.tasks.into_iter().map(Into::into).collect(),
        metrics: listing.metrics.map(Into::into),
    })
}

/// `delete_task`.
pub async fn delete_task(orch: &Orchestrator, p: DeleteTaskParams) -> Result<DeleteTaskResult, ToolError> {
    let d = orch.delete_task(TaskId(p.task_id), p.force).await?;
    let mut message = match d.deleted.len() {
        1 => format!("Deleted task #{}.", p.task_id),
        n => format!("Deleted task #{} and {} subtask(s).", p.task_id, n - 1),
    };
    if !d.detached_dependents.is_empty() {
        message.push_str(&format!(" Removed the dependency from {} task(s).", d.detached_dependents.len()));
    }
    Ok(DeleteTaskResult { message, deleted: ids(d.deleted), detached_dependents: ids(d.detached_dependents) })
}

/// `get_task_graph`.
pub async fn get_task_graph(orch: &Orchestrator, p: GetTaskGraphParams) -> Result<GetTaskGraphResult, ToolError> {
    let format = match p.format {
        GraphFormatDto::Json => GraphFormat::Json,
        GraphFormatDto::Mermaid => GraphFormat::Mermaid,
        GraphFormatDto::Dot => GraphFormat::Dot,
    };
    let g = orch.task_graph(p.project_id, format).await?;
    let edges: Vec<EdgeDto> =
        g.data.edges.iter().map(|(task, prerequisite)| EdgeDto { from: prerequisite.0, to: task.0 }).collect();
    let graph = match g.rendered {
        Some(text) => GraphDto::Text(text),
        None => GraphDto::Structured {
            nodes: g
                .data
                .tasks
                .iter()
                .map(|t| NodeDto { id: t.id.0, title: t.title.clone(), status: t.status.into(), priority: t.priority })
                .collect(),
            edges: edges.clone(),
        },
    };
    Ok(GetTaskGraphResult { format: p.format, graph, tasks: g.data.tasks.into_iter().map(Into::into).collect(), edges })
}

/// `link_git_commit`.
pub async fn link_git_commit(orch: &Orchestrator, p: LinkGitCommitParams) -> Result<LinkGitCommitResult, ToolError> {
    let (commit, created) = orch
        .link_git_commit(NewCommitLink {
            task_id: TaskId(p.task_id),
            commit_hash: p.commit_hash,
            commit_message: p.commit_message,
            author: p.author,
        })
        .await?;
    let message = if created {
        format!("Linked commit {} to task #{}.", commit.commit_hash, commit.task_id)
    } else {
        format!("Commit {} was already linked to task #{}; nothing changed.", commit.commit_hash, commit.task_id)
    };
    Ok(LinkGitCommitResult { message, commit: commit.into(), created })
}
