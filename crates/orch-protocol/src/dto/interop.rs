//! Wire types of `import_tasks` and `scan_git_commits`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{CommitDto, TaskDto, default_project};

/// A board format of another tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum BoardFormatDto {
    /// Task Master's tasks.json (tagged `{"master": {"tasks": [...]}}` or older `{"tasks": [...]}`).
    Taskmaster,
    /// beads' issues.jsonl (one issue per line, as `bd export` writes it).
    Beads,
}

/// Parameters of `import_tasks`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportTasksParams {
    /// taskmaster or beads.
    #[schemars(description = "")]
    pub format: BoardFormatDto,
    /// The file content: a Task Master tasks.json or a beads issues.jsonl (at most 64 MiB).
    #[schemars(description = "")]
    pub content: String,
    /// Project for the tasks (default "default-project").
    #[serde(default = "default_project")]
    #[schemars(description = "")]
    pub project_id: String,
    /// Task Master tag; default master or the only one.
    #[serde(default)]
    pub tag: Option<String>,
}

/// What the import did with one item of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ImportActionDto {
    /// A new task was created.
    Created,
    /// The task from an earlier import was changed to match the file.
    Updated,
    /// The task from an earlier import already matched.
    Unchanged,
}

/// One item of the imported file.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ImportedItemDto {
    /// Its id in the other tool ("2.1", "bd-7").
    pub source_id: String,
    /// The external key a later import matches it by.
    pub external_key: String,
    /// The task it is stored as.
    pub task_id: i64,
    /// created, updated or unchanged.
    pub action: ImportActionDto,
}

/// Result of `import_tasks`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ImportTasksResult {
    /// What happened.
    pub message: String,
    /// The project the tasks are in.
    pub project_id: String,
    /// Every item of the file and its task, in file order.
    pub items: Vec<ImportedItemDto>,
    /// Ids of the tasks created.
    pub created_task_ids: Vec<i64>,
    /// Ids of tasks from an earlier import that changed.
    pub updated_task_ids: Vec<i64>,
    /// Ids of tasks from an earlier import that already matched.
    pub unchanged_task_ids: Vec<i64>,
    /// What in the file has no counterpart on the board and was not imported.
    pub unmapped: Vec<String>,
    /// What could not be applied on the board.
    pub warnings: Vec<String>,
}

/// Parameters of `scan_git_commits`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScanGitCommitsParams {
    /// Start after this revision.
    #[serde(default)]
    pub since: Option<String>,
    /// Only this commit.
    #[serde(default)]
    pub commit: Option<String>,
    /// Task reference regex (group id).
    #[serde(default)]
    pub pattern: Option<String>,
    /// Complete tasks a commit closes.
    #[serde(default)]
    pub close_tasks: Option<bool>,
    /// Read at most this many commits, newest first.
    #[serde(default)]
    #[schemars(description = "")]
    pub max_commits: Option<u32>,
}

/// A commit linked by a scan.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ScannedLinkDto {
    /// The task.
    pub task_id: i64,
    /// The commit, with the repository's hash, author and message.
    pub commit: CommitDto,
    /// False when this commit was already linked to the task.
    pub created: bool,
    /// The message closes the task.
    pub closes: bool,
}

/// Result of `scan_git_commits`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ScanGitCommitsResult {
    /// What happened.
    pub message: String,
    /// The repository scanned.
    pub repository: String,
    /// Commits read.
    pub commits_scanned: usize,
    /// Commits naming at least one task.
    pub commits_with_references: usize,
    /// Links, oldest commit first.
    pub links: Vec<ScannedLinkDto>,
    /// Tasks completed by "closes" references.
    pub completed_task_ids: Vec<i64>,
    /// References that could not be applied (unknown task, unfinished prerequisites).
    pub warnings: Vec<String>,
    /// Tasks completed, after the change.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(schema_with = "super::shapes::tasks")]
    pub completed_tasks: Vec<TaskDto>,
}
