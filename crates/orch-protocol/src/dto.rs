//! The wire contract: tool parameters and results. Field names follow SPEC.md exactly; doc comments become the JSON
//! Schema descriptions an agent reads, so they say what a value means and what is allowed.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use orch_core::{Analysis, CommitLink, Execution, Status, Task, TaskId, TaskMetrics};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

mod analysis;
mod defaults;
mod execution;
mod expansion;
mod interop;
mod nullable;
mod prd;
mod selection;
mod shapes;
pub use analysis::*;
pub use execution::*;
pub use expansion::*;
pub use interop::*;
pub use prd::*;
pub use selection::*;

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
pub fn ids(ids: Vec<TaskId>) -> Vec<i64> {
    ids.into_iter().map(|i| i.0).collect()
}

// ---------------------------------------------------------------------------------------------------------------
// create_task

/// Parameters of `create_task`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTaskParams {
    /// Title (at most 500 characters).
    #[schemars(description = "")]
    pub title: String,
    /// Description.
    #[serde(default)]
    #[schemars(description = "")]
    pub description: Option<String>,
    /// 4 is highest.
    #[serde(default)]
    #[schemars(range(max = 4))]
    pub priority: u8,
    /// Task ids to complete first.
    #[serde(default)]
    pub dependencies: Vec<i64>,
    /// Tags (stored lower case).
    #[serde(default)]
    #[schemars(description = "")]
    pub tags: Vec<String>,
    /// Programming language (python, typescript…).
    #[serde(default)]
    #[schemars(description = "")]
    pub code_language: Option<String>,
    /// Execution environment details.
    #[serde(default)]
    #[schemars(description = "")]
    pub execution_environment: Option<String>,
    /// Default: the parent's or default-project.
    #[serde(default)]
    pub project_id: Option<String>,
    /// Parent task id, to create a subtask.
    #[serde(default)]
    #[schemars(description = "")]
    pub parent_id: Option<i64>,
    /// Implementation details or acceptance criteria (Markdown).
    #[serde(default)]
    #[schemars(description = "")]
    pub details: Option<String>,
    /// E.g. implementation, test.
    #[serde(default)]
    pub task_type: Option<String>,
    /// Estimated effort in hours.
    #[serde(default)]
    #[schemars(description = "")]
    pub estimated_hours: Option<f64>,
}

/// Result of `create_task` and `update_task`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct TaskResult {
    /// The task as stored.
    #[schemars(schema_with = "shapes::task")]
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
    #[schemars(description = "")]
    pub task_id: i64,
    /// New title.
    #[serde(default)]
    #[schemars(description = "")]
    pub title: Option<String>,
    /// New description ("" clears it).
    #[serde(default)]
    #[schemars(description = "")]
    pub description: Option<String>,
    /// New details ("" clears them).
    #[serde(default)]
    #[schemars(description = "")]
    pub details: Option<String>,
    /// New priority, 0–4.
    #[serde(default)]
    #[schemars(range(max = 4))]
    #[schemars(description = "")]
    pub priority: Option<u8>,
    /// Replaces the tags.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// New language ("" clears it).
    #[serde(default)]
    #[schemars(description = "")]
    pub code_language: Option<String>,
    /// New execution environment ("" clears it).
    #[serde(default)]
    #[schemars(description = "")]
    pub execution_environment: Option<String>,
    /// New task type ("" clears it).
    #[serde(default)]
    #[schemars(description = "")]
    pub task_type: Option<String>,
    /// New effort estimate in hours.
    #[serde(default)]
    #[schemars(description = "")]
    pub estimated_hours: Option<f64>,
    /// Task ids to add as dependencies (a cycle is refused).
    #[serde(default)]
    #[schemars(description = "")]
    pub add_dependencies: Vec<i64>,
    /// Task ids to remove from the dependencies.
    #[serde(default)]
    #[schemars(description = "")]
    pub remove_dependencies: Vec<i64>,
}

// ---------------------------------------------------------------------------------------------------------------
// update_task_status

/// Parameters of `update_task_status`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTaskStatusParams {
    /// Task to update.
    #[schemars(description = "")]
    pub task_id: i64,
    /// New status.
    #[schemars(description = "")]
    pub status: StatusDto,
    /// Ignore unfinished dependencies.
    #[serde(default)]
    pub force: bool,
}

/// Result of `update_task_status`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct UpdateTaskStatusResult {
    /// The task after the change.
    #[schemars(schema_with = "shapes::task")]
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
    #[schemars(description = "")]
    pub task_id: i64,
    /// Include the code execution history.
    #[serde(default)]
    #[schemars(description = "")]
    pub include_executions: bool,
    /// Include stored analysis results (complexity, effort).
    #[serde(default)]
    #[schemars(description = "")]
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
    /// Limits applied, as stored (execute_code's `limits` for runs of this version; older rows may differ).
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
    /// The result as stored (analyze_complexity's `complexity` for analyses of this version; older rows may differ).
    pub result: serde_json::Value,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// True when the task changed after the analysis.
    pub stale: bool,
}

impl AnalysisDto {
    /// Converts a stored analysis whose staleness the service decided.
    pub fn new(a: Analysis, stale: bool) -> Self {
        AnalysisDto { kind: a.kind, result: a.result, created_at: a.created_at, stale }
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
    #[schemars(description = "")]
    pub status: Option<StatusDto>,
    /// Only tasks in this language.
    #[serde(default)]
    #[schemars(description = "")]
    pub code_language: Option<String>,
    /// Add metrics over all matching tasks.
    #[serde(default)]
    #[schemars(description = "")]
    pub include_metrics: bool,
    /// Only tasks of this project.
    #[serde(default)]
    #[schemars(description = "")]
    pub project_id: Option<String>,
    /// All must match.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Only direct subtasks of this task.
    #[serde(default)]
    #[schemars(description = "")]
    pub parent_id: Option<i64>,
    /// Page size, 1–500 (default 50).
    #[serde(default)]
    #[schemars(range(min = 1, max = 500))]
    #[schemars(description = "")]
    #[schemars(extend("default" = 50))]
    pub limit: Option<u32>,
    /// Tasks to skip; use next_offset.
    #[serde(default)]
    #[schemars(description = "")]
    pub offset: Option<u64>,
    /// ["all"] or names; default a summary.
    #[serde(default)]
    pub fields: Vec<String>,
}

/// A task row of a listing: `id` and the fields asked for (see `fields`); get_task has the whole task.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TaskRow {
    /// Task id.
    pub id: i64,
    /// Project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    /// Parent task id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<i64>,
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Description (not in a summary row).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    /// Status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusDto>,
    /// Priority 0-4.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u8>,
    /// Prerequisite task ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dependencies: Option<Vec<i64>>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_language: Option<String>,
    /// Execution environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_environment: Option<String>,
    /// Kind of work.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_type: Option<String>,
    /// Claim holder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    /// Claim time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claimed_at: Option<DateTime<Utc>>,
    /// Estimate in hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_hours: Option<f64>,
    /// Complexity 1-10.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complexity_score: Option<f64>,
    /// Creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    /// Last change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
    /// Start time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<DateTime<Utc>>,
    /// Completion time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<DateTime<Utc>>,
    /// Source document key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_key: Option<String>,
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

/// Result of the `list_tasks` tool: [`ListTasksResult`] with each task as a row of the fields asked for.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ListTasksPage {
    /// This page of matching tasks, ordered by id.
    #[schemars(schema_with = "shapes::rows")]
    pub tasks: Vec<TaskRow>,
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
    /// Task to delete.
    #[schemars(description = "")]
    pub task_id: i64,
    /// Delete subtasks, drop dependents' edges.
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
    #[schemars(description = "")]
    pub format: GraphFormatDto,
    /// Only this project's tasks (default: all projects).
    #[serde(default)]
    #[schemars(description = "")]
    pub project_id: Option<String>,
    /// Only tasks with this status.
    #[serde(default)]
    #[schemars(description = "")]
    pub status: Option<StatusDto>,
    /// Its neighbourhood within depth.
    #[serde(default)]
    pub root_task_id: Option<i64>,
    /// Dependency steps from root_task_id, 0-20 (default 2).
    #[serde(default)]
    #[schemars(range(max = 20))]
    #[schemars(extend("default" = 2))]
    #[schemars(description = "")]
    pub depth: Option<u32>,
    /// Most tasks, 1-10000 (default 100).
    #[serde(default)]
    #[schemars(range(min = 1, max = 10000))]
    #[schemars(description = "")]
    #[schemars(extend("default" = 100))]
    pub limit: Option<u32>,
}

/// A dependency edge: `from` must be completed before `to` can start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct EdgeDto {
    /// The prerequisite task.
    pub from: i64,
    /// The task that depends on it.
    pub to: i64,
}

/// The graph: node ids for json (`tasks` and `edges` hold the rest), text for mermaid and dot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum GraphDto {
    /// json format.
    Structured {
        /// Node ids, ascending.
        nodes: Vec<i64>,
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
    /// The tasks in the graph as summary rows (without description), with their dependencies.
    #[schemars(schema_with = "shapes::rows")]
    pub tasks: Vec<TaskRow>,
    /// Dependency edges between them, prerequisite (`from`) to dependent (`to`).
    pub edges: Vec<EdgeDto>,
    /// Tasks in scope before the limit.
    pub total: u64,
    /// True when the graph holds fewer than `total` tasks.
    pub truncated: bool,
    /// What the graph holds and, when truncated, how to narrow it.
    pub message: String,
}

// ---------------------------------------------------------------------------------------------------------------
// link_git_commit

/// Parameters of `link_git_commit`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkGitCommitParams {
    /// Task to link the commit to.
    #[schemars(description = "")]
    pub task_id: i64,
    /// Commit hash: 7–64 hex characters (short, SHA-1 or SHA-256).
    #[schemars(description = "")]
    pub commit_hash: String,
    /// Commit message.
    #[serde(default)]
    #[schemars(description = "")]
    pub commit_message: Option<String>,
    /// Commit author.
    #[serde(default)]
    #[schemars(description = "")]
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

// ---------------------------------------------------------------------------------------------------------------
// execute_code

/// Language of code to execute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum LanguageDto {
    /// Python 3.
    Python,
    /// JavaScript (Node.js).
    Javascript,
    /// TypeScript (transpiled, run by Node.js).
    Typescript,
    /// Bash.
    Bash,
    /// SQL (SQLite, on a scratch database).
    Sql,
}

impl LanguageDto {
    /// The language name.
    pub fn as_str(self) -> &'static str {
        match self {
            LanguageDto::Python => "python",
            LanguageDto::Javascript => "javascript",
            LanguageDto::Typescript => "typescript",
            LanguageDto::Bash => "bash",
            LanguageDto::Sql => "sql",
        }
    }
}

/// Parameters of `execute_code`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExecuteCodeParams {
    /// Task the execution is recorded against.
    #[schemars(description = "")]
    pub task_id: i64,
    /// python, javascript, typescript, bash or sql.
    #[schemars(description = "")]
    pub language: LanguageDto,
    /// The code to run.
    #[schemars(description = "")]
    pub code: String,
    /// Seconds, 1-3600; default EXECUTION_TIMEOUT (30).
    #[serde(default)]
    pub timeout: Option<f64>,
    /// Under a workspace root; default a fresh one.
    #[serde(default)]
    pub working_directory: Option<String>,
    /// Installed for this run (pip, npm).
    #[serde(default)]
    pub packages: Vec<String>,
}

/// The outcome of a code execution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ExecutionResultDto {
    /// Execution id (listed by get_task with include_executions).
    pub id: i64,
    /// Task id.
    pub task_id: i64,
    /// Language.
    pub language: String,
    /// Standard output (lossy UTF-8, capped).
    pub output: String,
    /// Standard error, or why the code could not run (e.g. a TypeScript syntax error with line and column).
    pub error: String,
    /// Exit code; absent when the process was killed or never started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// Signal that ended the process, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<i32>,
    /// Wall-clock seconds.
    pub execution_time: f64,
    /// Killed at the timeout.
    pub timed_out: bool,
    /// Output cut at the size cap.
    pub truncated: bool,
    /// Killed for exceeding the memory limit.
    pub memory_limit_hit: bool,
    /// Isolation level the code ran under: none, process, landlock or namespaces.
    pub isolation: String,
    /// Limits applied (timeout, memory, processes, output, file size, open files).
    pub limits: LimitsDto,
    /// The working directory, when the caller named one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_directory: Option<String>,
    /// When it ran.
    pub timestamp: DateTime<Utc>,
}

/// Result of `execute_code`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ExecuteCodeResult {
    /// The execution: output, error, exit code, timing, limits.
    pub execution: ExecutionResultDto,
    /// Summary.
    pub message: String,
}

// ---------------------------------------------------------------------------------------------------------------
// analyze_complexity / estimate_effort

/// Parameters of `analyze_complexity` and `estimate_effort`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AnalyzeParams {
    /// Task to analyse.
    #[schemars(description = "")]
    pub task_id: i64,
    /// Use the dependency graph and the files' import graph.
    #[serde(default = "AnalyzeParams::analyze_dependencies")]
    #[schemars(description = "")]
    pub analyze_dependencies: bool,
    /// Estimate the code volume.
    #[serde(default = "AnalyzeParams::estimate_code_volume")]
    #[schemars(description = "")]
    pub estimate_code_volume: bool,
    /// Assess technical risk.
    #[serde(default = "AnalyzeParams::assess_risk")]
    #[schemars(description = "")]
    pub assess_risk: bool,
    /// Calibrate with completed tasks of the project.
    #[serde(default = "AnalyzeParams::use_historical_data")]
    #[schemars(description = "")]
    pub use_historical_data: bool,
    /// Scanned for the task's files.
    #[serde(default)]
    pub project_root: Option<String>,
}

/// Result of `analyze_complexity`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct AnalyzeComplexityResult {
    /// The spec's ComplexityAnalysisResult: score (1-10), hours, the four factors with evidence, risks, files.
    pub complexity: ComplexityAnalysisDto,
    /// True when reused from the cache (the task is unchanged since the last analysis).
    pub cached: bool,
    /// Summary.
    pub message: String,
}

/// Result of `estimate_effort`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EstimateEffortResult {
    /// Estimated effort in hours.
    pub estimated_hours: f64,
    /// The complexity score (1-10) the estimate comes from.
    pub complexity_score: f64,
    /// Confidence 0-1.
    pub confidence: f64,
    /// How the hours were reached (model, history calibration) with evidence.
    pub effort: EffortBreakdownDto,
    /// Summary.
    pub message: String,
}

// ---------------------------------------------------------------------------------------------------------------
// expand_task

/// LLM provider preference.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ProviderDto {
    /// MCP sampling (the client's model), then a configured API key, then the offline planner.
    #[default]
    Auto,
    /// OpenAI or an OpenAI-compatible server first.
    Openai,
    /// Anthropic first.
    Anthropic,
}

/// Parameters of `expand_task`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpandTaskParams {
    /// Task to expand into subtasks.
    #[schemars(description = "")]
    pub task_id: i64,
    /// Expansion depth (default 2, at most max_depth).
    #[serde(default = "ExpandTaskParams::depth")]
    #[schemars(description = "")]
    pub depth: u32,
    /// Maximum expansion depth (default 3).
    #[serde(default = "ExpandTaskParams::max_depth")]
    #[schemars(description = "")]
    pub max_depth: u32,
    /// Generate test tasks.
    #[serde(default = "ExpandTaskParams::include_tests")]
    #[schemars(description = "")]
    pub include_tests: bool,
    /// Generate documentation tasks.
    #[serde(default = "ExpandTaskParams::include_documentation")]
    #[schemars(description = "")]
    pub include_documentation: bool,
    /// Include implementation steps.
    #[serde(default = "ExpandTaskParams::include_implementation")]
    #[schemars(description = "")]
    pub include_implementation: bool,
    /// openai, anthropic or auto (default).
    #[serde(default)]
    #[schemars(description = "")]
    pub provider: ProviderDto,
    /// Model to ask for.
    #[serde(default)]
    #[schemars(description = "")]
    pub model: Option<String>,
    /// Maximum tokens for the LLM response (default 2000).
    #[serde(default = "ExpandTaskParams::max_tokens")]
    #[schemars(description = "")]
    pub max_tokens: u32,
    /// Temperature 0-2 (default 0.7).
    #[serde(default = "ExpandTaskParams::temperature")]
    #[schemars(description = "")]
    pub temperature: f64,
    /// Replace existing subtasks.
    #[serde(default)]
    pub replace: bool,
}

/// Result of `expand_task`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ExpandTaskResult {
    /// The spec's ExpandedTaskResult: the subtask tree, implementation steps, test and documentation tasks, metadata.
    pub expansion: ExpandedTaskResultDto,
    /// Ids of the stored subtasks, depth first.
    pub subtask_ids: Vec<i64>,
    /// Subtasks deleted first (replace: true).
    pub replaced_task_ids: Vec<i64>,
    /// Summary, naming the provider used.
    pub message: String,
}

// ---------------------------------------------------------------------------------------------------------------
// parse_prd

pub(crate) fn default_project() -> String {
    orch_core::default_project().to_string()
}

/// Parameters of `parse_prd`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ParsePrdParams {
    /// PRD Markdown content (at most 1 MiB).
    #[schemars(description = "")]
    pub content: String,
    /// Project for the generated tasks (default "default-project").
    #[serde(default = "ParsePrdParams::project_id")]
    #[schemars(description = "")]
    pub project_id: String,
    /// Create tasks from the features and requirements found.
    #[serde(default = "ParsePrdParams::generate_tasks")]
    #[schemars(description = "")]
    pub generate_tasks: bool,
    /// Turn "Depends on", "requires", "after" into task dependencies.
    #[serde(default = "ParsePrdParams::analyze_dependencies")]
    #[schemars(description = "")]
    pub analyze_dependencies: bool,
    /// Extract "As a ..., I want ... so that ..." user stories.
    #[serde(default = "ParsePrdParams::extract_user_stories")]
    #[schemars(description = "")]
    pub extract_user_stories: bool,
    /// Parse acceptance criteria (bullets, checkboxes, Given/When/Then).
    #[serde(default = "ParsePrdParams::parse_acceptance_criteria")]
    #[schemars(description = "")]
    pub parse_acceptance_criteria: bool,
    /// Below it: reported, not a task.
    #[serde(default = "ParsePrdParams::confidence_threshold")]
    pub confidence_threshold: f64,
    /// offline: rules only; llm: a model or an error.
    #[serde(default = "ParsePrdParams::mode")]
    pub mode: PrdModeDto,
    /// openai, anthropic or auto (default): which configured provider goes first.
    #[serde(default = "ParsePrdParams::provider")]
    #[schemars(description = "")]
    pub provider: ProviderDto,
    /// Model to ask for.
    #[serde(default = "ParsePrdParams::model")]
    #[schemars(description = "")]
    pub model: Option<String>,
    /// Maximum tokens of each model answer (default 4000).
    #[serde(default = "ParsePrdParams::max_tokens")]
    #[schemars(description = "")]
    pub max_tokens: u32,
    /// Document tokens sent per model call (default 6000); a longer PRD is sent in parts split at headings.
    #[serde(default = "ParsePrdParams::chunk_tokens")]
    #[schemars(description = "")]
    #[schemars(range(min = 200, max = 200000))]
    pub chunk_tokens: u32,
}

/// How `parse_prd` may use a model.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PrdModeDto {
    /// A model when one is available, else the rule-based parser.
    #[default]
    Auto,
    /// The rule-based parser only.
    Offline,
    /// A model is required.
    Llm,
}

/// Result of `parse_prd`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ParsePrdResult {
    /// The parsed PRD; each draft in `tasks` names the taskId it is stored as.
    pub prd: ParsedPrdDto,
    /// Id of the stored PRD document.
    pub document_id: i64,
    /// Tasks created by this call.
    pub created_task_ids: Vec<i64>,
    /// Tasks from an earlier import of the same PRD items that this call updated.
    pub updated_task_ids: Vec<i64>,
    /// Tasks from an earlier import that already matched.
    pub unchanged_task_ids: Vec<i64>,
    /// How the result was produced: mode, provider, model, token usage, and the model cross-check.
    pub parser: ParserReportDto,
    /// Summary.
    pub message: String,
}

// ---------------------------------------------------------------------------------------------------------------
// get_next_task

/// Parameters of `get_next_task`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetNextTaskParams {
    /// Project to select a task from.
    #[schemars(description = "")]
    pub project_id: String,
    /// Unanalysed tasks pass.
    #[serde(default = "GetNextTaskParams::max_complexity")]
    pub max_complexity: f64,
    /// The lower of the two applies.
    #[serde(default = "GetNextTaskParams::max_complexity_limit")]
    pub max_complexity_limit: f64,
    /// Preferred task types (soft).
    #[serde(default)]
    #[schemars(description = "")]
    pub preferred_task_types: Vec<String>,
    /// Preferred programming languages (soft).
    #[serde(default)]
    #[schemars(description = "")]
    pub preferred_languages: Vec<String>,
    /// Tasks with any of these tags are never selected.
    #[serde(default)]
    #[schemars(description = "")]
    pub excluded_tags: Vec<String>,
    /// Only tasks carrying all of these tags.
    #[serde(default)]
    #[schemars(description = "")]
    pub required_tags: Vec<String>,
    /// Only tasks estimated at most this many hours.
    #[serde(default)]
    #[schemars(description = "")]
    pub max_estimated_hours: Option<f64>,
    /// Only tasks estimated at least this many hours.
    #[serde(default)]
    #[schemars(description = "")]
    pub min_estimated_hours: Option<f64>,
    /// Only tasks with at least this priority (0-4).
    #[serde(default)]
    #[schemars(range(max = 4))]
    #[schemars(description = "")]
    pub priority_threshold: Option<u8>,
    /// Favour tasks similar to other ready tasks.
    #[serde(default = "GetNextTaskParams::enable_grouping")]
    #[schemars(description = "")]
    pub enable_grouping: bool,
    /// Favour tasks close to the assignee's latest task.
    #[serde(default = "GetNextTaskParams::minimize_context_switching")]
    #[schemars(description = "")]
    pub minimize_context_switching: bool,
    /// Working hours left today; tasks that fit score higher.
    #[serde(default)]
    #[schemars(description = "")]
    pub hours_available_today: Option<f64>,
    /// Above 1 adds a team plan.
    #[serde(default)]
    pub available_developers: Option<u32>,
    /// Take it for assignee.
    #[serde(default)]
    pub claim: bool,
    /// Required with claim.
    #[serde(default)]
    pub assignee: Option<String>,
    /// Full factor table.
    #[serde(default)]
    pub explain: bool,
}

/// Result of `get_next_task`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct GetNextTaskResult {
    /// The selected task (null when nothing is eligible), why, alternatives, team plan, exclusions, critical
    /// path; compact unless explain (docs/context.md).
    pub selection: SelectionDto,
    /// The task claimed for the assignee (claim: true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "shapes::task")]
    pub claimed_task: Option<TaskDto>,
    /// Stale claims released before selecting.
    pub released_task_ids: Vec<i64>,
    /// Summary: what to work on and why, or why nothing is eligible.
    pub message: String,
}
