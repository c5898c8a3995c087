//! The Orchestrator: the one API every interface (MCP tools, CLI) calls.
//!
//! Each method is one use case: it validates input with [`orch_core::validate`], applies the domain rules through the
//! store, and returns domain values. Adapters only translate to and from their wire format.

mod analysis;
mod board_import;
mod board_model;
mod claims;
mod error;
mod execution;
mod expansion;
mod git;
mod graph_scope;
mod health;
mod next;
mod prd_import;
mod prd_preview;
pub mod render;

use std::future::Future;
use std::sync::Arc;

use futures::FutureExt;
use futures::future::{BoxFuture, Shared};

// Adapters use the component types through the service, so they depend on one crate below them.
pub use orch_analyze as analyze;
pub use orch_exec as exec;
pub use orch_expand as expand;
pub use orch_interop as interop;
pub use orch_prd as prd;

pub use analysis::{AnalysisReport, AnalysisRequest, AnalysisSettings};
pub use board_import::{BoardExportRequest, BoardImport, BoardImportRequest, ImportAction, ImportedItem};
pub use execution::{CodeRun, ExecutionReport};
pub use expansion::{ExpansionReport, ExpansionRequest};
pub use git::{GitScanReport, GitScanRequest, GitSettings, ScannedLink};
pub use graph_scope::{
    BoundedGraph, DEFAULT_GRAPH_DEPTH, DEFAULT_GRAPH_LIMIT, GraphScope, MAX_GRAPH_DEPTH, MAX_GRAPH_LIMIT,
};
pub use next::{NextTaskReport, NextTaskRequest, SelectionSettings};
pub use prd_import::{PrdImport, PrdRequest, Progress};
pub use prd_preview::PrdPreview;

pub use error::{Error, ErrorKind, Result};
use orch_core::{
    CommitLink, Deletion, Execution, GraphData, NewTask, RecordsWanted, Status, StatusChange, Task, TaskFilter, TaskId,
    TaskMetrics, TaskPage, TaskPatch, TaskQuery, TaskRecords, TaskStore, validate,
};
pub use orch_protocol::health::{DatabaseCheck, Readiness, SandboxCheck, SchemaCheck};

/// What `get_task` should include besides the task and its commits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DetailOptions {
    /// Code execution history.
    pub executions: bool,
    /// Stored analysis results.
    pub analysis: bool,
}

/// A task with the records attached to it.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskDetails {
    /// The task.
    pub task: Task,
    /// Linked commits, oldest first.
    pub commits: Vec<CommitLink>,
    /// Executions, when requested.
    pub executions: Option<Vec<Execution>>,
    /// Analyses, when requested, oldest first.
    pub analyses: Option<Vec<StoredAnalysis>>,
}

/// A stored analysis and whether it still describes the task.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAnalysis {
    /// The analysis as stored.
    pub analysis: orch_core::Analysis,
    /// The task changed after the analysis was made.
    pub stale: bool,
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskListing {
    /// The page and the filtered total.
    pub page: TaskPage,
    /// Page size used.
    pub limit: u32,
    /// Offset used.
    pub offset: u64,
    /// Aggregates over the whole filtered set, when requested.
    pub metrics: Option<TaskMetrics>,
}

impl TaskListing {
    /// Offset of the next page, if there is one.
    pub fn next_offset(&self) -> Option<u64> {
        let next = self.offset + self.page.tasks.len() as u64;
        (next < self.page.total && !self.page.tasks.is_empty()).then_some(next)
    }
}

/// How a graph is rendered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum GraphFormat {
    /// Structured nodes and edges.
    #[default]
    Json,
    /// A Mermaid flowchart.
    Mermaid,
    /// Graphviz DOT.
    Dot,
}

/// A dependency graph and, for text formats, its rendering.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskGraph {
    /// Tasks and edges.
    pub data: GraphData,
    /// The requested format.
    pub format: GraphFormat,
    /// Mermaid or DOT text; `None` for JSON.
    pub rendered: Option<String>,
}

/// The executor once its start-up probe has finished, or why execution is unavailable.
type ExecutorSetup = Shared<BoxFuture<'static, Result<Arc<orch_exec::Executor>, String>>>;

/// How long after a failed executor set-up the next `execute_code` tries again by default, so a passing cause (out
/// of file descriptors, a full disk) does not disable execution until restart.
pub const EXECUTOR_RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(10);

/// Starts one executor set-up attempt.
type ExecutorFactory = Arc<dyn Fn() -> BoxFuture<'static, Result<Arc<orch_exec::Executor>, String>> + Send + Sync>;

/// The current executor set-up, shared by every clone of the orchestrator, and how to start another one.
struct ExecutorSlot {
    current: std::sync::Mutex<(ExecutorSetup, std::time::Instant)>,
    retry: Option<ExecutorFactory>,
    retry_after: std::time::Duration,
}

impl ExecutorSlot {
    fn fixed(setup: ExecutorSetup) -> Arc<Self> {
        Arc::new(ExecutorSlot {
            current: std::sync::Mutex::new((setup, std::time::Instant::now())),
            retry: None,
            retry_after: EXECUTOR_RETRY_AFTER,
        })
    }

    /// The set-up to wait for: the current one, or a new attempt when the current one failed long enough ago.
    fn setup(&self) -> ExecutorSetup {
        let mut current = self.current.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(retry) = &self.retry
            && matches!(current.0.peek(), Some(Err(_)))
            && current.1.elapsed() >= self.retry_after
        {
            tracing::info!("code execution was unavailable; probing the sandbox again");
            *current = (retry().shared(), std::time::Instant::now());
        }
        current.0.clone()
    }

    fn peek(&self) -> Option<Result<Arc<orch_exec::Executor>, String>> {
        self.current.lock().unwrap_or_else(std::sync::PoisonError::into_inner).0.peek().cloned()
    }
}

/// The task-orchestrator use cases over one store and the components they use.
#[derive(Clone)]
pub struct Orchestrator {
    store: Arc<dyn TaskStore>,
    /// The code executor, or why code execution is unavailable; shared so it can start in the background.
    executor: Arc<ExecutorSlot>,
    expander: Arc<orch_expand::Expander>,
    analysis: Arc<analysis::Analyzer>,
    selection: SelectionSettings,
    /// Each project's board for `get_next_task`, kept up to date from the store's change log.
    board_models: Arc<board_model::BoardModels>,
    /// The repository commits are checked against, and how references are read.
    git: Arc<GitSettings>,
}

impl std::fmt::Debug for Orchestrator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Orchestrator").finish_non_exhaustive()
    }
}

impl Orchestrator {
    /// An orchestrator over `store` with offline components: no code executor (see [`Self::with_executor`]), the
    /// offline expansion planner only, and default analysis settings.
    pub fn new(store: Arc<dyn TaskStore>) -> Self {
        let expander = orch_expand::Expander::new(orch_expand::ProvidersConfig::offline())
            .unwrap_or_else(|e| unreachable!("the offline expander needs no configuration: {e}"));
        Self {
            store,
            executor: ExecutorSlot::fixed(
                futures::future::ready(Err("code execution is not configured on this server".to_string()))
                    .boxed()
                    .shared(),
            ),
            expander: Arc::new(expander),
            analysis: Arc::new(analysis::Analyzer::new(AnalysisSettings::default())),
            selection: SelectionSettings::default(),
            board_models: Arc::default(),
            git: Arc::default(),
        }
    }

    /// Uses `executor` for `execute_code`; an `Err` says why execution is unavailable (reported to callers).
    pub fn with_executor(mut self, executor: Result<Arc<orch_exec::Executor>, String>) -> Self {
        self.executor = ExecutorSlot::fixed(futures::future::ready(executor).boxed().shared());
        self
    }

    /// Starts setting up the executor in the background (its start-up probe runs sandboxed trial processes);
    /// `execute_code` waits for it, nothing else does. Call from within a tokio runtime.
    pub fn with_executor_starting(
        mut self,
        setup: impl Future<Output = Result<Arc<orch_exec::Executor>, String>> + Send + 'static,
    ) -> Self {
        let slot = setup.boxed().shared();
        tokio::spawn(slot.clone());
        self.executor = ExecutorSlot::fixed(slot);
        self
    }

    /// Like [`Self::with_executor_starting`], but a failed set-up is started again with `setup` by the first
    /// `execute_code` at least `retry_after` (e.g. [`EXECUTOR_RETRY_AFTER`]) after the failed attempt began.
    pub fn with_executor_retrying<F>(
        mut self,
        retry_after: std::time::Duration,
        setup: impl Fn() -> F + Send + Sync + 'static,
    ) -> Self
    where
        F: Future<Output = Result<Arc<orch_exec::Executor>, String>> + Send + 'static,
    {
        let first = setup().boxed().shared();
        tokio::spawn(first.clone());
        self.executor = Arc::new(ExecutorSlot {
            current: std::sync::Mutex::new((first, std::time::Instant::now())),
            retry: Some(Arc::new(move || setup().boxed())),
            retry_after,
        });
        self
    }

    /// Uses `expander` for `expand_task`.
    pub fn with_expander(mut self, expander: orch_expand::Expander) -> Self {
        self.expander = Arc::new(expander);
        self
    }

    /// Uses these weights, limits and cache lifetime for complexity analysis.
    pub fn with_analysis(mut self, settings: AnalysisSettings) -> Self {
        self.analysis = Arc::new(analysis::Analyzer::new(settings));
        self
    }

    /// Uses these weights and claim timeout for `get_next_task`.
    pub fn with_selection(mut self, settings: SelectionSettings) -> Self {
        self.selection = settings;
        self
    }

    /// The code executor once set up, or why execution is unavailable.
    pub async fn executor(&self) -> Result<Arc<orch_exec::Executor>, String> {
        self.executor.setup().await
    }

    /// The executor's state without waiting: `None` while its set-up is still running.
    pub fn executor_now(&self) -> Option<Result<Arc<orch_exec::Executor>, String>> {
        self.executor.peek()
    }

    /// The underlying store.
    pub fn store(&self) -> &Arc<dyn TaskStore> {
        &self.store
    }

    /// Creates a task.
    pub async fn create_task(&self, task: NewTask) -> Result<Task> {
        Ok(self.store.create_task(validate::new_task(task)?).await?)
    }

    /// Edits a task's fields and dependencies.
    pub async fn update_task(&self, id: TaskId, patch: TaskPatch) -> Result<Task> {
        Ok(self.store.update_task(id, validate::task_patch(patch)?).await?)
    }

    /// Moves a task to another status.
    pub async fn update_task_status(&self, id: TaskId, status: Status, force: bool) -> Result<StatusChange> {
        Ok(self.store.set_status(id, status, force).await?)
    }

    /// Counts over the whole board (every project), for the metrics scrape.
    pub async fn board_metrics(&self) -> Result<orch_core::TaskMetrics> {
        Ok(self.store.task_metrics(&orch_core::TaskFilter::default()).await?)
    }

    /// Reads a task with its commits and, on request, executions and analyses.
    pub async fn get_task(&self, id: TaskId, options: DetailOptions) -> Result<TaskDetails> {
        let wanted = RecordsWanted { executions: options.executions, analyses: options.analysis };
        let TaskRecords { task, commits, executions, analyses } = self.store.task_records(id, wanted).await?;
        let stale = |a: &orch_core::Analysis| a.task_updated_at < task.updated_at;
        let analyses = analyses.map(|stored| {
            stored.into_iter().map(|analysis| StoredAnalysis { stale: stale(&analysis), analysis }).collect()
        });
        Ok(TaskDetails { task, commits, executions, analyses })
    }

    /// Lists one page of tasks matching a filter.
    pub async fn list_tasks(
        &self,
        filter: TaskFilter,
        limit: Option<u32>,
        offset: Option<u64>,
        include_metrics: bool,
    ) -> Result<TaskListing> {
        let filter = validate::filter(filter)?;
        let (limit, offset) = validate::page(limit, offset)?;
        let page = self.store.list_tasks(&TaskQuery { filter: filter.clone(), limit, offset }).await?;
        let metrics = if include_metrics { Some(self.store.task_metrics(&filter).await?) } else { None };
        Ok(TaskListing { page, limit, offset, metrics })
    }

    /// Full-text search over titles, descriptions and details, best match first (page size rules as `list_tasks`).
    pub async fn search_tasks(&self, project_id: Option<&str>, query: &str, limit: Option<u32>) -> Result<Vec<Task>> {
        let project = project_id.map(|p| validate::project_id(Some(p))).transpose()?;
        let words = validate::search_words(query)?;
        let (limit, _) = validate::page(limit, None)?;
        Ok(self.store.search_tasks(project.as_deref(), &words, limit).await?)
    }

    /// Deletes a task (and, when forced, its subtasks and the edges onto it).
    pub async fn delete_task(&self, id: TaskId, force: bool) -> Result<Deletion> {
        Ok(self.store.delete_task(id, force).await?)
    }

    /// The dependency graph of a project (all projects when `None`), rendered in `format`.
    pub async fn task_graph(&self, project_id: Option<String>, format: GraphFormat) -> Result<TaskGraph> {
        let project = project_id.as_deref().map(|p| validate::project_id(Some(p))).transpose()?;
        let data = self.store.graph(project.as_deref()).await?;
        let rendered = match format {
            GraphFormat::Json => None,
            GraphFormat::Mermaid => Some(render::mermaid(&data)),
            GraphFormat::Dot => Some(render::dot(&data)),
        };
        Ok(TaskGraph { data, format, rendered })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use orch_store_sqlite::SqliteStore;

    fn orchestrator() -> (Orchestrator, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("t.db")).unwrap();
        (Orchestrator::new(Arc::new(store)), dir)
    }

    #[tokio::test]
    async fn validation_happens_before_the_store() {
        let (o, _d) = orchestrator();
        let err = o.create_task(NewTask { title: " ".into(), ..Default::default() }).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        let err = o.list_tasks(TaskFilter::default(), Some(0), None, false).await.unwrap_err();
        assert!(err.to_string().contains("limit"), "{err}");
    }

    #[tokio::test]
    async fn a_failed_executor_setup_is_retried() {
        let attempts = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = attempts.clone();
        let (o, _d) = orchestrator();
        let o = o.with_executor_retrying(std::time::Duration::from_millis(300), move || {
            let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            async move { Err(format!("attempt {n}: Too many open files")) }
        });
        assert_eq!(o.executor().await.unwrap_err(), "attempt 1: Too many open files");
        tokio::time::sleep(std::time::Duration::from_millis(350)).await;
        assert_eq!(o.executor().await.unwrap_err(), "attempt 2: Too many open files");
        assert_eq!(o.executor_now().unwrap().unwrap_err(), "attempt 2: Too many open files");
        assert_eq!(attempts.load(std::sync::atomic::Ordering::SeqCst), 2);

        let once = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = once.clone();
        let (o, _d) = orchestrator();
        let o = o.with_executor_retrying(std::time::Duration::from_secs(3600), move || {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async { Err("down".to_string()) }
        });
        o.executor().await.unwrap_err();
        o.executor().await.unwrap_err();
        assert_eq!(once.load(std::sync::atomic::Ordering::SeqCst), 1, "no retry before retry_after");
    }

    #[tokio::test]
    async fn listing_reports_the_next_page() {
        let (o, _d) = orchestrator();
        for i in 0..3 {
            o.create_task(NewTask { title: format!("t{i}"), ..Default::default() }).await.unwrap();
        }
        let first = o.list_tasks(TaskFilter::default(), Some(2), None, true).await.unwrap();
        assert_eq!(first.next_offset(), Some(2));
        assert_eq!(first.metrics.unwrap().total, 3);
        let last = o.list_tasks(TaskFilter::default(), Some(2), Some(2), false).await.unwrap();
        assert_eq!(last.next_offset(), None);
    }

    #[tokio::test]
    async fn stale_claims_are_released_before_selecting() {
        let (o, _d) = orchestrator();
        let o = o.with_selection(SelectionSettings {
            claim_timeout: Some(std::time::Duration::from_millis(5)),
            ..Default::default()
        });
        o.create_task(NewTask { title: "only".into(), ..Default::default() }).await.unwrap();
        let request = |who: &str| NextTaskRequest {
            project_id: orch_core::DEFAULT_PROJECT.into(),
            claim: true,
            assignee: Some(who.into()),
            ..Default::default()
        };
        let first = o.get_next_task(request("a")).await.unwrap();
        assert_eq!(first.claimed.unwrap().assignee.as_deref(), Some("a"));
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let second = o.get_next_task(request("b")).await.unwrap();
        assert_eq!(second.released, vec![TaskId(1)], "the abandoned claim went back to the pool");
        assert_eq!(second.claimed.unwrap().assignee.as_deref(), Some("b"));
    }

    #[tokio::test]
    async fn selection_never_reuses_a_snapshot_after_a_write_anywhere() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let o = Orchestrator::new(Arc::new(SqliteStore::open(&path).unwrap()));
        // A second store on the same file stands in for another server process.
        let other = SqliteStore::open(&path).unwrap();
        let ask = || NextTaskRequest { project_id: orch_core::DEFAULT_PROJECT.into(), ..Default::default() };
        let ids = |r: &NextTaskReport| r.selection.ranked_ids();
        o.create_task(NewTask { title: "a".into(), ..Default::default() }).await.unwrap();
        assert_eq!(ids(&o.get_next_task(ask()).await.unwrap()), vec![TaskId(1)]);
        assert_eq!(ids(&o.get_next_task(ask()).await.unwrap()), vec![TaskId(1)], "served from the snapshot");
        let b = other.create_task(
            orch_core::validate::new_task(NewTask { title: "b".into(), priority: 4, ..Default::default() }).unwrap(),
        );
        b.await.unwrap();
        let after = ids(&o.get_next_task(ask()).await.unwrap());
        assert_eq!(after, vec![TaskId(2), TaskId(1)], "another process's write is seen at once");
        other.set_status(TaskId(2), orch_core::Status::Blocked, false).await.unwrap();
        assert_eq!(ids(&o.get_next_task(ask()).await.unwrap()), vec![TaskId(1)]);
    }

    #[tokio::test]
    async fn execution_is_reported_unavailable_without_an_executor() {
        let (o, _d) = orchestrator();
        o.create_task(NewTask { title: "t".into(), ..Default::default() }).await.unwrap();
        let run = CodeRun { language: "python".into(), code: "print(1)".into(), ..Default::default() };
        let err = o.execute_code(TaskId(1), run).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unavailable);
        assert!(err.to_string().contains("not configured"), "{err}");
    }

    #[tokio::test]
    async fn graph_renders_each_format() {
        let (o, _d) = orchestrator();
        let a = o.create_task(NewTask { title: "a".into(), ..Default::default() }).await.unwrap();
        o.create_task(NewTask { title: "b".into(), dependencies: vec![a.id], ..Default::default() }).await.unwrap();
        assert!(o.task_graph(None, GraphFormat::Json).await.unwrap().rendered.is_none());
        let m = o.task_graph(None, GraphFormat::Mermaid).await.unwrap().rendered.unwrap();
        assert!(m.contains("t1 --> t2"), "{m}");
        let d = o.task_graph(None, GraphFormat::Dot).await.unwrap().rendered.unwrap();
        assert!(d.contains("t1 -> t2;"), "{d}");
    }
}
