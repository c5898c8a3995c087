//! The wire contract: tool parameters and results. Field names follow SPEC.md exactly; doc comments become the JSON
//! Schema descriptions an agent reads, so they say what a value means and what is allowed.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use orch_core::{Analysis, CommitLink, Execution, Status, Task, TaskId, TaskMetrics};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Task status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusDto {
    /// Not started.
    Pending,
    /// Being worked on.
    InProgress,
    /// Waiting on something outside the dependency graph.
    Blocked,
    /// Done.
    Completed,
}

impl From<Status> for StatusDto {
    fn from(s: Status) -> Self {
        match s {
            Status::Pending => StatusDto::Pending,
            Status::InProgress => StatusDto::InProgress,
            Status::Blocked => StatusDto::Blocked,
            Status::Completed => StatusDto::Completed,
        }
    }
}

impl From<StatusDto> for Status {
    fn from(s: StatusDto) -> Self {
        match s {
            StatusDto::Pending => Status::Pending,
            StatusDto::InProgress => Status::InProgress,
            StatusDto::Blocked => Status::Blocked,
            StatusDto::Completed => Status::Completed,
        }
    }
}

/// A task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TaskDto {
    /// Task id.
    pub id: i64,
    /// Project the task belongs to.
    pub project_id: String,
    /// Parent task id, for subtasks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<i64>,
    /// Title.
    pub title: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Implementation details and acceptance criteria (Markdown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    /// Status.
    pub status: StatusDto,
    /// Priority, 0 (lowest) to 4 (highest).
    pub priority: u8,
    /// Ids of the tasks that must be completed first.
    pub dependencies: Vec<i64>,
    /// Tags (lower case).
    pub tags: Vec<String>,
    /// Programming language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_language: Option<String>,
    /// Execution environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_environment: Option<String>,
    /// Kind of work (implementation, test, documentation, research…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_type: Option<String>,
    /// Who holds the task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    /// When it was claimed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claimed_at: Option<DateTime<Utc>>,
    /// Estimated effort in hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_hours: Option<f64>,
    /// Complexity score 1–10 from the last analysis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complexity_score: Option<f64>,
    /// Creation time (RFC 3339, UTC).
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// First time work started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<DateTime<Utc>>,
    /// Completion time; absent unless completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<DateTime<Utc>>,
    /// Stable key of the document item this task was generated from (e.g. a PRD feature).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_key: Option<String>,
}

impl From<Task> for TaskDto {
    fn from(t: Task) -> Self {
        TaskDto {
            id: t.id.0,
            project_id: t.project_id,
            parent_id: t.parent_id.map(|p| p.0),
            title: t.title,
            description: t.description,
            details: t.details,
            status: t.status.into(),
            priority: t.priority,
            dependencies: t.dependencies.into_iter().map(|d| d.0).collect(),
            tags: t.tags,
            code_language: t.code_language,
            execution_environment: t.execution_environment,
            task_type: t.task_type,
            assignee: t.assignee,
            claimed_at: t.claimed_at,
            estimated_hours: t.estimated_hours,
            complexity_score: t.complexity_score,
            created_at: t.created_at,
            updated_at: t.updated_at,
            started_at: t.started_at,
            completed_at: t.completed_at,
            external_key: t.external_key,
        }
    }
}

/// Ids on the wire are plain integers.
pub(crate) fn ids(ids: Vec<TaskId>) -> Vec<i64> {
    ids.into_iter().map(|i| i.0).collect()
}

// ---------------------------------------------------------------------------------------------------------------
// create_task

/// Parameters of `create_task`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTaskParams {
    /// Task title (required, non-blank, at most 500 characters).
    pub title: String,
    /// Task description.
    #[serde(default)]
    pub description: Option<String>,
    /// Priority from 0 (lowest) to 4 (highest).
    #[serde(default)]
    #[schemars(range(max = 4))]
    pub priority: u8,
    /// Ids of tasks in the same project that must be completed before this one.
    #[serde(default)]
    pub dependencies: Vec<i64>,
    /// Tags for categorisation (stored lower case, duplicates dropped).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Programming language for code tasks (e.g. python, typescript).
    #[serde(default)]
    pub code_language: Option<String>,
    /// Execution environment details.
    #[serde(default)]
    pub execution_environment: Option<String>,
    /// Project id. Default "default-project"; a subtask defaults to its parent's project.
    #[serde(default)]
    pub project_id: Option<String>,
    /// Parent task id, to create a subtask.
    #[serde(default)]
    pub parent_id: Option<i64>,
    /// Implementation details or acceptance criteria (Markdown).
    #[serde(default)]
    pub details: Option<String>,
    /// Kind of work: implementation, test, documentation, research…
    #[serde(default)]
    pub task_type: Option<String>,
    /// Estimated effort in hours.
    #[serde(default)]
    pub estimated_hours: Option<f64>,
}

/// Result of `create_task` and `update_task`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct TaskResult {
    /// The task as stored.
    pub task: TaskDto,
    /// What happened.
    pub message: String,
}

// ---------------------------------------------------------------------------------------------------------------
// update_task

/// Parameters of `update_task`. Only the fields given change; an empty string clears an optional text field.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTaskParams {
    /// Task to edit.
    pub task_id: i64,
    /// New title.
    #[serde(default)]
    pub title: Option<String>,
    /// New description ("" clears it).
    #[serde(default)]
    pub description: Option<String>,
    /// New details ("" clears them).
    #[serde(default)]
    pub details: Option<String>,
    /// New priority, 0–4.
    #[serde(default)]
    #[schemars(range(max = 4))]
    pub priority: Option<u8>,
    /// Replacement tag list.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// New language ("" clears it).
    #[serde(default)]
    pub code_language: Option<String>,
    /// New execution environment ("" clears it).
    #[serde(default)]
    pub execution_environment: Option<String>,
    /// New task type ("" clears it).
    #[serde(default)]
    pub task_type: Option<String>,
    /// New effort estimate in hours.
    #[serde(default)]
    pub estimated_hours: Option<f64>,
    /// Task ids to add as dependencies (refused if that would create a cycle; the error shows it).
    #[serde(default)]
    pub add_dependencies: Vec<i64>,
    /// Task ids to remove from the dependencies.
    #[serde(default)]
    pub remove_dependencies: Vec<i64>,
}

// ---------------------------------------------------------------------------------------------------------------
// update_task_status

/// Parameters of `update_task_status`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTaskStatusParams {
    /// Task to update.
    pub task_id: i64,
    /// New status. Starting (in_progress) or completing needs every dependency completed first.
    pub status: StatusDto,
    /// Start or complete even though dependencies are unfinished.
    #[serde(default)]
    pub force: bool,
}

/// Result of `update_task_status`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct UpdateTaskStatusResult {
    /// The task after the change.
    pub task: TaskDto,
    /// Status before the change.
    pub previous_status: StatusDto,
    /// What happened.
    pub message: String,
}

// ---------------------------------------------------------------------------------------------------------------
// get_task

/// Parameters of `get_task`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetTaskParams {
    /// Task to read.
    pub task_id: i64,
    /// Include the code execution history.
    #[serde(default)]
    pub include_executions: bool,
    /// Include stored analysis results (complexity, effort).
    #[serde(default)]
    pub include_analysis: bool,
}

/// A commit linked to a task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CommitDto {
    /// Commit hash (lower-case hex).
    pub commit_hash: String,
    /// Commit message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit_message: Option<String>,
    /// Commit author.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// When it was linked.
    pub timestamp: DateTime<Utc>,
}

impl From<CommitLink> for CommitDto {
    fn from(c: CommitLink) -> Self {
        CommitDto {
            commit_hash: c.commit_hash,
            commit_message: c.commit_message,
            author: c.author,
            timestamp: c.timestamp,
        }
    }
}

/// A recorded code execution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ExecutionDto {
    /// Execution id.
    pub id: i64,
    /// Language.
    pub language: String,
    /// The code that ran.
    pub code: String,
    /// Standard output.
    pub output: String,
    /// Standard error or runner error.
    pub error: String,
    /// Exit code; absent when the process was killed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// Wall-clock seconds.
    pub execution_time: f64,
    /// Killed at the timeout.
    pub timed_out: bool,
    /// Output cut at the size cap.
    pub truncated: bool,
    /// Isolation level the code ran under.
    pub isolation: String,
    /// Limits applied.
    pub limits: serde_json::Value,
    /// When it ran.
    pub timestamp: DateTime<Utc>,
}

impl From<Execution> for ExecutionDto {
    fn from(e: Execution) -> Self {
        let r = e.record;
        ExecutionDto {
            id: e.id,
            language: r.language,
            code: r.code,
            output: r.output,
            error: r.error,
            exit_code: r.exit_code,
            execution_time: r.execution_time,
            timed_out: r.timed_out,
            truncated: r.truncated,
            isolation: r.isolation,
            limits: r.limits,
            timestamp: e.timestamp,
        }
    }
}

/// A stored analysis result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AnalysisDto {
    /// What kind of analysis (e.g. complexity).
    pub kind: String,
    /// The result.
    pub result: serde_json::Value,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// True when the task changed after the analysis.
    pub stale: bool,
}

impl AnalysisDto {
    /// Converts, marking the analysis stale when the task changed since.
    pub fn new(a: Analysis, task_updated_at: DateTime<Utc>) -> Self {
        AnalysisDto {
            kind: a.kind,
            result: a.result,
            created_at: a.created_at,
            stale: a.task_updated_at < task_updated_at,
        }
    }
}

/// Result of `get_task`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct GetTaskResult {
    /// The task.
    pub task: TaskDto,
    /// Linked git commits, oldest first.
    pub commits: Vec<CommitDto>,
    /// Code executions, oldest first (when include_executions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executions: Option<Vec<ExecutionDto>>,
    /// Analysis results, oldest first (when include_analysis).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysis: Option<Vec<AnalysisDto>>,
}

// ---------------------------------------------------------------------------------------------------------------
// list_tasks

/// Parameters of `list_tasks`. Filters combine with AND.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListTasksParams {
    /// Only tasks with this status.
    #[serde(default)]
    pub status: Option<StatusDto>,
    /// Only tasks in this language.
    #[serde(default)]
    pub code_language: Option<String>,
    /// Include task metrics over all matching tasks (not just this page).
    #[serde(default)]
    pub include_metrics: bool,
    /// Only tasks of this project.
    #[serde(default)]
    pub project_id: Option<String>,
    /// Only tasks carrying all of these tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Only direct subtasks of this task.
    #[serde(default)]
    pub parent_id: Option<i64>,
    /// Page size, 1–500 (default 50).
    #[serde(default)]
    #[schemars(range(min = 1, max = 500))]
    pub limit: Option<u32>,
    /// Matching tasks to skip (default 0); use next_offset from the previous page.
    #[serde(default)]
    pub offset: Option<u64>,
}

/// Aggregates over the matching tasks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MetricsDto {
    /// Matching tasks.
    pub total: u64,
    /// Count per status.
    pub by_status: BTreeMap<String, u64>,
    /// Count per priority ("0"–"4").
    pub by_priority: BTreeMap<String, u64>,
    /// Count per language ("none" for tasks without one).
    pub by_language: BTreeMap<String, u64>,
    /// Completed / total.
    pub completion_rate: f64,
    /// Median hours from start to completion over completed tasks that were started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median_cycle_time_hours: Option<f64>,
    /// Tasks the median is taken over.
    pub cycle_time_samples: u64,
}

impl From<TaskMetrics> for MetricsDto {
    fn from(m: TaskMetrics) -> Self {
        MetricsDto {
            total: m.total,
            by_status: m.by_status.into_iter().map(|(s, n)| (s.as_str().to_string(), n)).collect(),
            by_priority: m.by_priority.into_iter().map(|(p, n)| (p.to_string(), n)).collect(),
            by_language: m.by_language.into_iter().map(|(l, n)| (l.unwrap_or_else(|| "none".into()), n)).collect(),
            completion_rate: m.completion_rate,
            median_cycle_time_hours: m.median_cycle_time_hours,
            cycle_time_samples: m.cycle_time_samples,
        }
    }
}

/// Result of `list_tasks`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ListTasksResult {
    /// This page of matching tasks, ordered by id.
    pub tasks: Vec<TaskDto>,
    /// Total number of matching tasks across all pages.
    pub count: u64,
    /// Page size used.
    pub limit: u32,
    /// Offset used.
    pub offset: u64,
    /// Offset of the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_offset: Option<u64>,
    /// Task metrics (when include_metrics).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics: Option<MetricsDto>,
}

// ---------------------------------------------------------------------------------------------------------------
// delete_task

/// Parameters of `delete_task`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteTaskParams {
    /// Task to delete, with its executions and commit links.
    pub task_id: i64,
    /// Delete even if other tasks depend on it (their edges are removed) or it has subtasks (deleted too).
    #[serde(default)]
    pub force: bool,
}

/// Result of `delete_task`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct DeleteTaskResult {
    /// What happened.
    pub message: String,
    /// Every task deleted (the task and its subtasks).
    pub deleted: Vec<i64>,
    /// Tasks that lost a dependency on a deleted task.
    pub detached_dependents: Vec<i64>,
}

// ---------------------------------------------------------------------------------------------------------------
// get_task_graph

/// Graph output format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum GraphFormatDto {
    /// Structured nodes and edges.
    #[default]
    Json,
    /// Mermaid flowchart text.
    Mermaid,
    /// Graphviz DOT text.
    Dot,
}

/// Parameters of `get_task_graph`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetTaskGraphParams {
    /// Output format: json (default), mermaid or dot.
    #[serde(default)]
    pub format: GraphFormatDto,
    /// Only this project's tasks (default: all projects).
    #[serde(default)]
    pub project_id: Option<String>,
}

/// A dependency edge: `from` must be completed before `to` can start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct EdgeDto {
    /// The prerequisite task.
    pub from: i64,
    /// The task that depends on it.
    pub to: i64,
}

/// A graph node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NodeDto {
    /// Task id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Status.
    pub status: StatusDto,
    /// Priority.
    pub priority: u8,
}

/// The graph: a structured object for json, text for mermaid and dot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum GraphDto {
    /// json format.
    Structured {
        /// Nodes, by id.
        nodes: Vec<NodeDto>,
        /// Edges, prerequisite to dependent.
        edges: Vec<EdgeDto>,
    },
    /// mermaid or dot text.
    Text(String),
}

/// Result of `get_task_graph`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct GetTaskGraphResult {
    /// The format of `graph`.
    pub format: GraphFormatDto,
    /// The graph in the requested format.
    pub graph: GraphDto,
    /// All tasks in scope, with their dependencies.
    pub tasks: Vec<TaskDto>,
    /// Dependency edges, prerequisite (`from`) to dependent (`to`).
    pub edges: Vec<EdgeDto>,
}

// ---------------------------------------------------------------------------------------------------------------
// link_git_commit

/// Parameters of `link_git_commit`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkGitCommitParams {
    /// Task to link the commit to.
    pub task_id: i64,
    /// Commit hash: 7–64 hex characters (short, SHA-1 or SHA-256).
    pub commit_hash: String,
    /// Commit message.
    #[serde(default)]
    pub commit_message: Option<String>,
    /// Commit author.
    #[serde(default)]
    pub author: Option<String>,
}

/// Result of `link_git_commit`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct LinkGitCommitResult {
    /// What happened.
    pub message: String,
    /// The stored link.
    pub commit: CommitDto,
    /// False when this commit was already linked to the task (nothing changed).
    pub created: bool,
}
