//! Tasks and the records attached to them.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Error;

/// The project a task belongs to when the caller names none (the spec's default).
pub const DEFAULT_PROJECT: &str = "default-project";

static BOARD_PROJECT: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// The project used when a call names none: [`DEFAULT_PROJECT`], unless the process chose another at start-up with
/// [`set_default_project`] (a repository's board is named after the repository).
pub fn default_project() -> &'static str {
    BOARD_PROJECT.get().map_or(DEFAULT_PROJECT, String::as_str)
}

/// Sets [`default_project`] for the rest of the process; only the first call counts (returns whether it did).
pub fn set_default_project(name: impl Into<String>) -> bool {
    BOARD_PROJECT.set(name.into()).is_ok()
}

/// Identifier of a task, unique across all projects of one store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TaskId(pub i64);

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Where a task is in its life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Not started.
    Pending,
    /// Someone is working on it.
    InProgress,
    /// Cannot proceed for a reason outside the dependency graph.
    Blocked,
    /// Done.
    Completed,
}

impl Status {
    /// Every status, in life-cycle order.
    pub const ALL: [Status; 4] = [Status::Pending, Status::InProgress, Status::Blocked, Status::Completed];

    /// The wire and database spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::InProgress => "in_progress",
            Status::Blocked => "blocked",
            Status::Completed => "completed",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL.into_iter().find(|st| st.as_str() == s).ok_or_else(|| {
            Error::invalid(
                "status",
                format!(
                    "unknown status {}; use one of: pending, in_progress, blocked, completed",
                    crate::validate::quote(s)
                ),
            )
        })
    }
}

/// A task as stored, with its dependencies and tags.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    /// Generated identifier.
    pub id: TaskId,
    /// Project the task belongs to.
    pub project_id: String,
    /// Parent task, for subtasks.
    pub parent_id: Option<TaskId>,
    /// Short title.
    pub title: String,
    /// Longer description.
    pub description: Option<String>,
    /// Implementation details and acceptance criteria.
    pub details: Option<String>,
    /// Life-cycle status.
    pub status: Status,
    /// 0 (lowest) to 4 (highest).
    pub priority: u8,
    /// Tasks that must be completed before this one, ascending.
    pub dependencies: Vec<TaskId>,
    /// Tags, in the order given, without duplicates.
    pub tags: Vec<String>,
    /// Programming language, lower case.
    pub code_language: Option<String>,
    /// Free-form execution environment.
    pub execution_environment: Option<String>,
    /// Kind of work: implementation, test, documentation, research…
    pub task_type: Option<String>,
    /// Who holds the task.
    pub assignee: Option<String>,
    /// When the current assignee claimed it.
    pub claimed_at: Option<DateTime<Utc>>,
    /// Estimated effort in hours.
    pub estimated_hours: Option<f64>,
    /// Complexity score 1–10 from the last analysis.
    pub complexity_score: Option<f64>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// First time the task went in progress.
    pub started_at: Option<DateTime<Utc>>,
    /// Completion time; cleared when the task is reopened.
    pub completed_at: Option<DateTime<Utc>>,
    /// Stable key of a task generated from a document (e.g. a PRD feature), unique per project; lets a re-import
    /// find the task instead of duplicating it.
    pub external_key: Option<String>,
}

impl Task {
    /// A short reference to this task for error messages and summaries.
    pub fn to_ref(&self) -> crate::TaskRef {
        crate::TaskRef { id: self.id, title: self.title.clone(), status: self.status }
    }
}

/// Input for creating a task. Validate with [`crate::validate::new_task`] first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewTask {
    /// Project; `None` means [`DEFAULT_PROJECT`], or the parent's project for a subtask.
    pub project_id: Option<String>,
    /// Parent task, for subtasks.
    pub parent_id: Option<TaskId>,
    /// Short title, required.
    pub title: String,
    /// Longer description.
    pub description: Option<String>,
    /// Implementation details and acceptance criteria.
    pub details: Option<String>,
    /// 0–4.
    pub priority: u8,
    /// Prerequisite tasks; they must exist in the same project.
    pub dependencies: Vec<TaskId>,
    /// Tags.
    pub tags: Vec<String>,
    /// Programming language.
    pub code_language: Option<String>,
    /// Free-form execution environment.
    pub execution_environment: Option<String>,
    /// Kind of work.
    pub task_type: Option<String>,
    /// Estimated effort in hours.
    pub estimated_hours: Option<f64>,
    /// Stable key from the document the task was generated from; unique per project.
    pub external_key: Option<String>,
}

/// A change to a task's editable fields. `None` leaves a field unchanged; for optional text an empty string clears it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskPatch {
    /// New title.
    pub title: Option<String>,
    /// New description (empty clears).
    pub description: Option<String>,
    /// New details (empty clears).
    pub details: Option<String>,
    /// New priority.
    pub priority: Option<u8>,
    /// Replacement tag list.
    pub tags: Option<Vec<String>>,
    /// New language (empty clears).
    pub code_language: Option<String>,
    /// New execution environment (empty clears).
    pub execution_environment: Option<String>,
    /// New task type (empty clears).
    pub task_type: Option<String>,
    /// New effort estimate in hours.
    pub estimated_hours: Option<f64>,
    /// Prerequisites to add.
    pub add_dependencies: Vec<TaskId>,
    /// Prerequisites to remove.
    pub remove_dependencies: Vec<TaskId>,
}

impl TaskPatch {
    /// True when the patch would change nothing.
    pub fn is_empty(&self) -> bool {
        self == &TaskPatch::default()
    }
}

/// Which tasks a listing or a metrics query covers. Every set field must match.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskFilter {
    /// Only this project.
    pub project_id: Option<String>,
    /// Only this status.
    pub status: Option<Status>,
    /// Only this language.
    pub code_language: Option<String>,
    /// Only tasks carrying every one of these tags.
    pub tags: Vec<String>,
    /// Only direct subtasks of this task.
    pub parent_id: Option<TaskId>,
}

/// A page of a filtered listing, ordered by id.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskQuery {
    /// Which tasks.
    pub filter: TaskFilter,
    /// Page size.
    pub limit: u32,
    /// Tasks to skip.
    pub offset: u64,
}

/// One page of tasks and the size of the whole filtered set.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskPage {
    /// The page.
    pub tasks: Vec<Task>,
    /// Tasks matching the filter, across all pages.
    pub total: u64,
}

/// Aggregate figures over a filtered set of tasks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskMetrics {
    /// Tasks in the set.
    pub total: u64,
    /// Count per status (every status present, zero included).
    pub by_status: Vec<(Status, u64)>,
    /// Count per priority 0–4 (every priority present).
    pub by_priority: Vec<(u8, u64)>,
    /// Count per language, `None` for tasks without one; sorted by language.
    pub by_language: Vec<(Option<String>, u64)>,
    /// Completed / total, 0 when the set is empty.
    pub completion_rate: f64,
    /// Median hours from `started_at` to `completed_at` over completed tasks that were started; `None` if there are none.
    pub median_cycle_time_hours: Option<f64>,
    /// How many completed tasks the median is taken over.
    pub cycle_time_samples: u64,
}

/// The outcome of a status change.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusChange {
    /// The task after the change.
    pub task: Task,
    /// Its status before.
    pub previous: Status,
}

/// The outcome of a deletion.
#[derive(Debug, Clone, PartialEq)]
pub struct Deletion {
    /// Every task removed: the task and, when forced, its subtasks.
    pub deleted: Vec<TaskId>,
    /// Dependency edges from other tasks onto the removed ones that were dropped.
    pub detached_dependents: Vec<TaskId>,
}

/// Every task of a scope and every dependency edge among them.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphData {
    /// Tasks, ordered by id.
    pub tasks: Vec<Task>,
    /// Edges as (task, prerequisite): the first depends on the second. Ordered.
    pub edges: Vec<(TaskId, TaskId)>,
}

/// A scope's graph without task content: each task's id and status, and the dependency edges. A bounded graph read
/// chooses its tasks from this (a few bytes a task, whatever the descriptions hold) and then loads only those.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GraphIndex {
    /// Each task's id and status, ordered by id.
    pub tasks: Vec<(TaskId, Status)>,
    /// Edges as (task, prerequisite): the first depends on the second. Ordered.
    pub edges: Vec<(TaskId, TaskId)>,
}

/// A request to link a commit to a task.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCommitLink {
    /// The task.
    pub task_id: TaskId,
    /// 7–64 hexadecimal characters, lower case.
    pub commit_hash: String,
    /// Commit message.
    pub commit_message: Option<String>,
    /// Commit author.
    pub author: Option<String>,
}

/// A commit linked to a task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommitLink {
    /// Row id.
    pub id: i64,
    /// The task.
    pub task_id: TaskId,
    /// Lower-case hexadecimal hash.
    pub commit_hash: String,
    /// Commit message.
    pub commit_message: Option<String>,
    /// Commit author.
    pub author: Option<String>,
    /// When the link was made.
    pub timestamp: DateTime<Utc>,
}

/// A finished code execution to record against a task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewExecution {
    /// The task.
    pub task_id: TaskId,
    /// Language name.
    pub language: String,
    /// The code that ran.
    pub code: String,
    /// Captured standard output.
    pub output: String,
    /// Captured standard error or a runner error.
    pub error: String,
    /// Exit code, `None` when killed or never started.
    pub exit_code: Option<i32>,
    /// Wall-clock seconds.
    pub execution_time: f64,
    /// Killed at the timeout.
    pub timed_out: bool,
    /// Output cut at the byte cap.
    pub truncated: bool,
    /// Isolation level the code ran under.
    pub isolation: String,
    /// Limits applied, as JSON.
    pub limits: serde_json::Value,
}

/// A recorded code execution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Execution {
    /// Row id.
    pub id: i64,
    /// What ran and how it ended.
    #[serde(flatten)]
    pub record: NewExecution,
    /// When it was recorded.
    pub timestamp: DateTime<Utc>,
}

/// A stored analysis result (complexity, effort…).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// Row id.
    pub id: i64,
    /// The task.
    pub task_id: TaskId,
    /// What kind of analysis.
    pub kind: String,
    /// The result as JSON.
    pub result: serde_json::Value,
    /// The task's `updated_at` when analysed, so a cached result can be recognised as stale.
    pub task_updated_at: DateTime<Utc>,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
}

/// A parsed document (a PRD) to keep with the tasks generated from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewDocument {
    /// Project the document was imported into.
    pub project_id: String,
    /// Kind of document, e.g. `prd`.
    pub kind: String,
    /// Hash of the normalised content; one document per project, kind and hash.
    pub content_hash: String,
    /// Title, if the document has one.
    pub title: Option<String>,
    /// The original text.
    pub content: String,
    /// The parsed structure.
    pub parsed: serde_json::Value,
}

/// A stored document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// Row id.
    pub id: i64,
    /// What was stored.
    #[serde(flatten)]
    pub document: NewDocument,
    /// First import.
    pub created_at: DateTime<Utc>,
    /// Last import.
    pub updated_at: DateTime<Utc>,
}
