//! The embedded SQLite [`TaskStore`]: one file, zero set-up.
//!
//! One writer connection and a small pool of readers, all in WAL mode, so reads never wait for a write. Every write
//! is one `BEGIN IMMEDIATE` transaction: the rule checks (existence, cycles, prerequisites) and the write they guard
//! see the same state, also against other processes sharing the file (they wait on `busy_timeout`). SQLite calls
//! are blocking, so they run on tokio's blocking pool and never stall the async runtime.

mod changes;
mod columns;
mod graph_index;
mod schema;
mod sql;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use orch_core::{
    Analysis, BoardChanges, CommitLink, Deletion, Document, Error, Execution, GraphData, GraphIndex, NewCommitLink,
    NewDocument, NewExecution, NewTask, RecordsWanted, Result, SchemaVersion, Status, StatusChange, Task, TaskFilter,
    TaskId, TaskMetrics, TaskPage, TaskPatch, TaskQuery, TaskRecords, TaskStore,
};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::sql::db_err;

/// Read connections kept open; WAL lets them all read while the writer writes.
const READERS: usize = 4;

/// How long a write waits for another process holding the write lock.
const BUSY_TIMEOUT_MS: u64 = 10_000;

/// A [`TaskStore`] in one SQLite file.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    /// Only ever asked `PRAGMA data_version`, which changes when any other connection (our writer, or another
    /// process) commits; being used for nothing else, it sees every write.
    version_probe: Mutex<Connection>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").field("path", &self.inner.path).finish()
    }
}

fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(std::time::Duration::from_millis(BUSY_TIMEOUT_MS)).map_err(db_err("set busy_timeout"))?;
    conn.execute_batch(
        "PRAGMA foreign_keys = ON;
         PRAGMA synchronous = NORMAL;
         PRAGMA temp_store = MEMORY;",
    )
    .map_err(db_err("configure connection"))
}

fn lock(m: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    // A panic while holding the lock cannot leave a half-applied transaction behind (rusqlite rolls back on drop),
    // so the connection is still usable.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`, creating parent directories and applying migrations.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::storage(format!("cannot create the database directory {}", dir.display()), e))?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let mut writer = Connection::open_with_flags(&path, flags)
            .map_err(|e| Error::storage(format!("cannot open the database {}", path.display()), e))?;
        configure(&writer)?;
        writer.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0)).map_err(db_err("enable WAL"))?;
        migrate(&mut writer)?;
        let readers = (0..READERS)
            .map(|_| {
                let conn = Connection::open_with_flags(&path, flags)
                    .map_err(|e| Error::storage(format!("cannot open the database {}", path.display()), e))?;
                configure(&conn)?;
                Ok(Mutex::new(conn))
            })
            .collect::<Result<Vec<_>>>()?;
        let version_probe = Connection::open_with_flags(&path, flags)
            .map_err(|e| Error::storage(format!("cannot open the database {}", path.display()), e))?;
        configure(&version_probe)?;
        Ok(Self {
            inner: Arc::new(Inner {
                path,
                writer: Mutex::new(writer),
                readers,
                next_reader: AtomicUsize::new(0),
                version_probe: Mutex::new(version_probe),
            }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The schema version the database is at.
    pub fn schema_version(&self) -> Result<u32> {
        let conn = lock(&self.inner.writer);
        conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(db_err("read schema version"))
    }

    async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> Result<T> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        run_blocking(move || {
            let mut conn = lock(&inner.writer);
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db_err("begin write"))?;
            let value = f(&tx)?;
            tx.commit().map_err(db_err("commit"))?;
            Ok(value)
        })
        .await
    }

    async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> Result<T> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        run_blocking(move || {
            let start = inner.next_reader.fetch_add(1, Ordering::Relaxed);
            let n = inner.readers.len();
            let mut conn = (0..n)
                .find_map(|i| inner.readers[(start + i) % n].try_lock().ok())
                .unwrap_or_else(|| lock(&inner.readers[start % n]));
            // A read transaction gives multi-query reads (a page and its total) one consistent snapshot.
            let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred).map_err(db_err("begin read"))?;
            f(&tx)
        })
        .await
    }
}

async fn run_blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| Error::storage("a database worker thread failed", e))?
}

fn migrate(conn: &mut Connection) -> Result<()> {
    // IMMEDIATE: two processes starting together on a fresh file must not both migrate.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(db_err("begin migration"))?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(db_err("read schema version"))?;
    let version = usize::try_from(version).unwrap_or(usize::MAX);
    let known = schema::MIGRATIONS.len();
    if version > known {
        return Err(Error::Storage {
            message: format!(
                "the database is at schema version {version} but this build knows only up to {known}; \
                 upgrade task-orchestrator or point it at another database"
            ),
            source: None,
        });
    }
    for (i, migration) in schema::MIGRATIONS.iter().enumerate().skip(version) {
        tracing::info!(from = i, to = i + 1, "migrating database schema");
        tx.execute_batch(migration).map_err(db_err("apply migration"))?;
        tx.pragma_update(None, "user_version", (i + 1) as i64).map_err(db_err("record schema version"))?;
    }
    tx.commit().map_err(db_err("commit migration"))
}

#[async_trait]
impl TaskStore for SqliteStore {
    async fn create_task(&self, task: NewTask) -> Result<Task> {
        self.write(move |tx| {
            let id = sql::insert_task(tx, &task, &[])?;
            sql::load_task(tx, id)
        })
        .await
    }

    async fn create_tasks(&self, tasks: Vec<NewTask>) -> Result<Vec<Task>> {
        self.write(move |tx| {
            let mut ids: Vec<TaskId> = Vec::with_capacity(tasks.len());
            for task in &tasks {
                let id = sql::insert_task(tx, task, &ids)?;
                ids.push(id);
            }
            sql::load_tasks(tx, &ids)
        })
        .await
    }

    async fn get_task(&self, id: TaskId) -> Result<Task> {
        self.read(move |tx| sql::load_task(tx, id)).await
    }

    async fn task_records(&self, id: TaskId, wanted: RecordsWanted) -> Result<TaskRecords> {
        self.read(move |tx| {
            let task = sql::load_task(tx, id)?;
            let commits = sql::commits(tx, id)?;
            let executions = if wanted.executions { Some(sql::executions(tx, id)?) } else { None };
            let analyses = if wanted.analyses { Some(sql::analyses(tx, id)?) } else { None };
            Ok(TaskRecords { task, commits, executions, analyses })
        })
        .await
    }

    async fn update_task(&self, id: TaskId, patch: TaskPatch) -> Result<Task> {
        self.write(move |tx| {
            sql::update_task(tx, id, &patch)?;
            sql::load_task(tx, id)
        })
        .await
    }

    async fn set_status(&self, id: TaskId, status: Status, force: bool) -> Result<StatusChange> {
        self.write(move |tx| sql::set_status(tx, id, status, force)).await
    }

    async fn delete_task(&self, id: TaskId, force: bool) -> Result<Deletion> {
        self.write(move |tx| sql::delete_task(tx, id, force)).await
    }

    async fn list_tasks(&self, query: &TaskQuery) -> Result<TaskPage> {
        let query = query.clone();
        self.read(move |tx| sql::list_tasks(tx, &query)).await
    }

    async fn projects(&self) -> Result<Vec<(String, u64)>> {
        self.read(|tx| {
            let mut stmt = tx
                .prepare_cached("SELECT project_id, COUNT(*) FROM tasks GROUP BY project_id ORDER BY project_id")
                .map_err(db_err("list projects"))?;
            let rows = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?.max(0) as u64)))
                .map_err(db_err("list projects"))?;
            rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_err("list projects"))
        })
        .await
    }

    async fn task_metrics(&self, filter: &TaskFilter) -> Result<TaskMetrics> {
        let filter = filter.clone();
        self.read(move |tx| sql::metrics(tx, &filter)).await
    }

    async fn graph(&self, project_id: Option<&str>) -> Result<GraphData> {
        let project_id = project_id.map(str::to_owned);
        self.read(move |tx| sql::graph(tx, project_id.as_deref())).await
    }

    async fn graph_index(&self, project_id: Option<&str>) -> Result<GraphIndex> {
        let project_id = project_id.map(str::to_owned);
        self.read(move |tx| graph_index::graph_index(tx, project_id.as_deref())).await
    }

    async fn tasks_by_ids(&self, ids: &[TaskId]) -> Result<Vec<Task>> {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        self.read(move |tx| sql::load_tasks(tx, &ids)).await
    }

    async fn claim_first(&self, candidates: &[TaskId], assignee: &str) -> Result<Option<Task>> {
        let (candidates, assignee) = (candidates.to_vec(), assignee.to_owned());
        self.write(move |tx| sql::claim_first(tx, &candidates, &assignee)).await
    }

    async fn release_stale_claims(&self, claimed_before: chrono::DateTime<chrono::Utc>) -> Result<Vec<TaskId>> {
        self.write(move |tx| sql::release_stale_claims(tx, claimed_before)).await
    }

    async fn link_commit(&self, link: NewCommitLink) -> Result<(CommitLink, bool)> {
        self.write(move |tx| sql::link_commit(tx, &link)).await
    }

    async fn commits(&self, task_id: TaskId) -> Result<Vec<CommitLink>> {
        self.read(move |tx| sql::commits(tx, task_id)).await
    }

    async fn record_execution(&self, execution: NewExecution) -> Result<Execution> {
        self.write(move |tx| sql::record_execution(tx, execution)).await
    }

    async fn executions(&self, task_id: TaskId) -> Result<Vec<Execution>> {
        self.read(move |tx| sql::executions(tx, task_id)).await
    }

    async fn record_analysis(
        &self,
        task_id: TaskId,
        kind: &str,
        result: serde_json::Value,
        complexity_score: Option<f64>,
    ) -> Result<Analysis> {
        let kind = kind.to_owned();
        self.write(move |tx| sql::record_analysis(tx, task_id, &kind, &result, complexity_score)).await
    }

    async fn completed_history(&self, project_id: &str, limit: u32) -> Result<Vec<Task>> {
        let project_id = project_id.to_owned();
        self.read(move |tx| sql::completed_history(tx, &project_id, limit)).await
    }

    async fn transitive_dependents(&self, id: TaskId) -> Result<Vec<TaskId>> {
        self.read(move |tx| sql::transitive_dependents(tx, id)).await
    }

    async fn find_by_external_keys(&self, project_id: &str, keys: &[String]) -> Result<Vec<Task>> {
        let (project_id, keys) = (project_id.to_owned(), keys.to_vec());
        self.read(move |tx| sql::find_by_external_keys(tx, &project_id, &keys)).await
    }

    async fn search_tasks(&self, project_id: Option<&str>, query: &[String], limit: u32) -> Result<Vec<Task>> {
        let (project_id, query) = (project_id.map(str::to_owned), query.to_vec());
        self.read(move |tx| sql::search_tasks(tx, project_id.as_deref(), &query, limit)).await
    }

    async fn save_document(&self, document: NewDocument) -> Result<Document> {
        self.write(move |tx| sql::save_document(tx, &document)).await
    }

    async fn analyses(&self, task_id: TaskId) -> Result<Vec<Analysis>> {
        self.read(move |tx| sql::analyses(tx, task_id)).await
    }

    async fn board_version(&self) -> Result<Option<u64>> {
        // A pragma on an idle connection takes microseconds: no need for the blocking pool.
        let conn = lock(&self.inner.version_probe);
        let v: i64 = conn.query_row("PRAGMA data_version", [], |r| r.get(0)).map_err(db_err("read data_version"))?;
        Ok(Some(v as u64))
    }

    async fn change_version(&self) -> Result<Option<u64>> {
        self.read(|tx| changes::version(tx).map(Some)).await
    }

    async fn changes_since(&self, project_id: &str, since: u64) -> Result<Option<BoardChanges>> {
        let project = project_id.to_owned();
        self.read(move |tx| changes::since(tx, &project, since)).await
    }

    async fn ping(&self) -> Result<()> {
        self.read(|tx| tx.query_row("SELECT 1", [], |_| Ok(())).map_err(db_err("ping"))).await
    }

    async fn schema_version(&self) -> Result<Option<SchemaVersion>> {
        let current: u32 = self
            .read(|tx| tx.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(db_err("read schema version")))
            .await?;
        Ok(Some(SchemaVersion { current, expected: schema::MIGRATIONS.len() as u32 }))
    }
}
