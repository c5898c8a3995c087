//! The storage contract every backend implements.

use async_trait::async_trait;

use crate::error::Result;
use crate::model::*;

/// Persistent storage of tasks, their dependency edges and the records attached to them.
///
/// Contract, checked for every backend by the conformance suite in `testkit`:
/// - Every method is atomic: it either applies completely or changes nothing, and a refused call (any `Err`) leaves
///   the store exactly as it was. Concurrent calls — from other tasks, other connections or other processes sharing
///   the database — are serialisable: a dependency check and the write it guards happen in one transaction, so two
///   concurrent edits can never close a cycle or start a blocked task.
/// - Inputs have been through [`crate::validate`]; stores enforce the rules that need the stored state (existence,
///   same project, cycles, prerequisites) using [`crate::graph`] and [`crate::rules`] so every backend applies the
///   same rules.
/// - Point operations use indexed lookups; nothing reads the whole table to answer about one task.
/// - Results are deterministic: lists ordered by id, dependencies and tags in their documented order.
#[async_trait]
pub trait TaskStore: Send + Sync + 'static {
    /// Creates a task. Dependencies and the parent must exist in the task's project (a subtask without a project
    /// takes its parent's). Returns the stored task.
    async fn create_task(&self, task: NewTask) -> Result<Task>;

    /// Creates several tasks in one transaction, all or none. `dependencies` of each may name tasks created earlier
    /// in the same batch by their index in `tasks`, as negative ids `-(index + 1)`.
    async fn create_tasks(&self, tasks: Vec<NewTask>) -> Result<Vec<Task>>;

    /// Reads one task.
    async fn get_task(&self, id: TaskId) -> Result<Task>;

    /// Reads one task with its commits and, as `wanted` says, its executions and analyses: one read, one snapshot
    /// (what `get_task` answers, without a round trip per part).
    async fn task_records(&self, id: TaskId, wanted: RecordsWanted) -> Result<TaskRecords>;

    /// Applies a validated patch. Added dependencies must exist in the same project and may not close a cycle
    /// ([`crate::Error::Cycle`] names it).
    async fn update_task(&self, id: TaskId, patch: TaskPatch) -> Result<Task>;

    /// Changes the status under [`crate::rules::status_change`] and records it in the status history.
    async fn set_status(&self, id: TaskId, status: Status, force: bool) -> Result<StatusChange>;

    /// Deletes a task with its executions, commits and analyses. Refused while other tasks depend on it or it has
    /// subtasks, unless `force`, which drops those edges and deletes the subtasks recursively.
    async fn delete_task(&self, id: TaskId, force: bool) -> Result<Deletion>;

    /// One page of the tasks matching a filter, ordered by id, with the total count.
    async fn list_tasks(&self, query: &TaskQuery) -> Result<TaskPage>;

    /// Aggregates over the tasks matching a filter.
    async fn task_metrics(&self, filter: &TaskFilter) -> Result<TaskMetrics>;

    /// Every project with tasks and how many it has, ordered by project id. The default reads the whole graph;
    /// backends answer from an index.
    async fn projects(&self) -> Result<Vec<(String, u64)>> {
        let mut counts = std::collections::BTreeMap::<String, u64>::new();
        for task in self.graph(None).await?.tasks {
            *counts.entry(task.project_id).or_default() += 1;
        }
        Ok(counts.into_iter().collect())
    }

    /// Every task of a project (all projects when `None`) and the edges among them.
    async fn graph(&self, project_id: Option<&str>) -> Result<GraphData>;

    /// Every task's id and status in a project (all projects when `None`) and the edges among them: what a bounded
    /// graph read needs to choose its tasks without loading every task's content.
    async fn graph_index(&self, project_id: Option<&str>) -> Result<GraphIndex>;

    /// The tasks with these ids, ordered by id; ids that do not exist are left out.
    async fn tasks_by_ids(&self, ids: &[TaskId]) -> Result<Vec<Task>>;

    /// Claims the first of `candidates` (tried in order) that is still pending, unclaimed and has every prerequisite
    /// completed: it becomes `in_progress` with `assignee` and `claimed_at` set, atomically, so concurrent callers —
    /// in this process or others sharing the database — never claim the same task. `None` when no candidate qualifies.
    async fn claim_first(&self, candidates: &[TaskId], assignee: &str) -> Result<Option<Task>>;

    /// Returns claimed `in_progress` tasks whose claim is older than `claimed_before` to `pending`, releasing the
    /// claim. Returns the released tasks' ids, ascending.
    async fn release_stale_claims(&self, claimed_before: chrono::DateTime<chrono::Utc>) -> Result<Vec<TaskId>>;

    /// Links a commit to a task; linking the same hash again returns the existing link and `false`.
    async fn link_commit(&self, link: NewCommitLink) -> Result<(CommitLink, bool)>;

    /// Commits linked to a task, oldest first.
    async fn commits(&self, task_id: TaskId) -> Result<Vec<CommitLink>>;

    /// Records a code execution against a task.
    async fn record_execution(&self, execution: NewExecution) -> Result<Execution>;

    /// Executions of a task, oldest first.
    async fn executions(&self, task_id: TaskId) -> Result<Vec<Execution>>;

    /// Stores an analysis result for a task. `complexity_score`, when given, becomes the task's `complexity_score`
    /// without changing `updated_at` (derived data is not an edit, so the analysis does not make itself stale).
    async fn record_analysis(
        &self,
        task_id: TaskId,
        kind: &str,
        result: serde_json::Value,
        complexity_score: Option<f64>,
    ) -> Result<Analysis>;

    /// Analyses of a task, oldest first.
    async fn analyses(&self, task_id: TaskId) -> Result<Vec<Analysis>>;

    /// Completed tasks of a project that have both `started_at` and `completed_at`, most recently completed first, at
    /// most `limit` (the history that calibrates estimates).
    async fn completed_history(&self, project_id: &str, limit: u32) -> Result<Vec<Task>>;

    /// Every task that depends on `id` directly or transitively, ascending. `TaskNotFound` for an unknown id.
    async fn transitive_dependents(&self, id: TaskId) -> Result<Vec<TaskId>>;

    /// Tasks of a project with any of these external keys, ordered by id.
    async fn find_by_external_keys(&self, project_id: &str, keys: &[String]) -> Result<Vec<Task>>;

    /// Full-text search over titles, descriptions and details: tasks containing every word of `query` (a word also
    /// matches as a prefix: `auth` finds "authentication"), best match first, then by id, at most `limit`. `query`
    /// has been through [`crate::validate::search_words`].
    async fn search_tasks(&self, project_id: Option<&str>, query: &[String], limit: u32) -> Result<Vec<Task>>;

    /// Stores a document, or refreshes the one with the same project, kind and content hash (keeping its id).
    async fn save_document(&self, document: NewDocument) -> Result<Document>;

    /// A value that changes whenever anything in the database changes (this process or another), or `None` when the
    /// backend cannot tell cheaply. Callers may reuse data read while the value stayed the same.
    async fn board_version(&self) -> Result<Option<u64>> {
        Ok(None)
    }

    /// A value that changes soon after anything on the board changes (this process or another), for live views
    /// that poll it; `None` when the backend has no cheap signal. Unlike [`Self::board_version`] it may lag a write
    /// by the notification delay, so it must not decide whether cached data is still valid. Defaults to
    /// [`Self::board_version`].
    async fn change_signal(&self) -> Result<Option<u64>> {
        self.board_version().await
    }

    /// The number of the newest entry in the board's change log, or `None` when the backend keeps no log. Read it
    /// before reading a project, then ask [`Self::changes_since`] with it to learn what changed after.
    async fn change_version(&self) -> Result<Option<u64>> {
        Ok(None)
    }

    /// The project's tasks written (by any connection or process) after change number `since`, read in one snapshot
    /// with the change number they bring the caller to. `None` when the backend keeps no log or its log no longer
    /// reaches back to `since`: the caller then reads the whole project again. A task may be reported although it
    /// did not change (writes are logged per row); applying it again is harmless.
    async fn changes_since(&self, project_id: &str, since: u64) -> Result<Option<BoardChanges>> {
        let _ = (project_id, since);
        Ok(None)
    }

    /// Checks the backend answers (for readiness probes).
    async fn ping(&self) -> Result<()>;

    /// The schema version the database is at and the newest this build knows, for backends with versioned
    /// migrations (readiness probes report a mismatch); `None` for backends without versioned schemas.
    async fn schema_version(&self) -> Result<Option<SchemaVersion>> {
        Ok(None)
    }
}

/// What changed on a project since a change number (see [`TaskStore::changes_since`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BoardChanges {
    /// The change number this brings the reader to.
    pub version: u64,
    /// Tasks of the project written since, as they are now, ordered by id.
    pub changed: Vec<Task>,
    /// Tasks deleted (or no longer in the project) since, ascending.
    pub removed: Vec<TaskId>,
}

/// A database's schema version against the one this build expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemaVersion {
    /// The version the database is at.
    pub current: u32,
    /// The newest version this build knows (what its migrations produce).
    pub expected: u32,
}

/// The records [`TaskStore::task_records`] reads besides the task and its commits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecordsWanted {
    /// The task's code executions.
    pub executions: bool,
    /// The task's stored analyses.
    pub analyses: bool,
}

/// A task with the records attached to it, as one snapshot saw them.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRecords {
    /// The task.
    pub task: Task,
    /// Linked commits, oldest first.
    pub commits: Vec<CommitLink>,
    /// Executions, oldest first, when wanted.
    pub executions: Option<Vec<Execution>>,
    /// Analyses, oldest first, when wanted.
    pub analyses: Option<Vec<Analysis>>,
}
