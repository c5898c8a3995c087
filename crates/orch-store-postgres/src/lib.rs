//! The PostgreSQL [`TaskStore`]: one board shared by any number of server replicas.
//!
//! Every trait method is one transaction (or one statement, which PostgreSQL runs as its own transaction) on a
//! connection from a sqlx pool. The rules are the ones every backend applies ([`orch_core::rules`],
//! [`orch_core::graph`]); what this crate adds is making them hold across processes:
//! - claims pick a row with `SELECT … FOR UPDATE SKIP LOCKED` and re-check eligibility under that lock, so N
//!   claimers on M replicas never get the same task;
//! - adding dependency edges takes a per-project transaction-level advisory lock, so two edits on different
//!   connections cannot each add one half of a cycle;
//! - a status change locks the task row `FOR UPDATE` and its prerequisites `FOR SHARE`, so a prerequisite cannot be
//!   reopened while a dependent is being started or completed.
//!
//! The schema is applied at connect time by sqlx's migrator, which holds a PostgreSQL advisory lock while it runs,
//! so replicas starting together do not race.

mod change_log;
mod changes;
mod columns;
mod config;
mod error;
mod graph_index;
mod import;
mod sql;

use std::borrow::Cow;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use orch_core::{
    Analysis, BoardChanges, CommitLink, Deletion, Document, Error, Execution, GraphData, GraphIndex, NewCommitLink,
    NewDocument, NewExecution, NewTask, RecordsWanted, Result, Status, StatusChange, Task, TaskFilter, TaskId,
    TaskMetrics, TaskPage, TaskPatch, TaskQuery, TaskRecords, TaskStore,
};
use sqlx_core::connection::Connection;
use sqlx_core::executor::Executor;
use sqlx_core::migrate::{Migration, MigrationType, Migrator};
use sqlx_core::sql_str::{AssertSqlSafe, SqlSafeStr};
use sqlx_postgres::{PgConnection, PgPool, PgPoolOptions, PgTransaction};

pub use crate::config::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_OPERATION_TIMEOUT, DEFAULT_POOL_SIZE, DEFAULT_STATEMENT_TIMEOUT,
    ENV_CONNECT_TIMEOUT_SECS, ENV_OPERATION_TIMEOUT_SECS, ENV_POOL_SIZE, ENV_SCHEMA, ENV_STATEMENT_TIMEOUT_MS,
    PgConfig, redact_url,
};
use crate::error::{db_err, is_retryable};
pub use crate::import::{BOARD_TABLES, BoardImport};

/// Runs `$body` with `$c: &mut PgConnection` inside a transaction started by `self.$begin()`, committing when it
/// succeeds, through [`PgStore::run`] (retries, timeout, error messages). Everything the body uses must be `Copy`
/// (references, ids), because a retry runs it again.
macro_rules! in_tx {
    ($store:ident, $what:expr, $begin:ident, |$c:ident| $body:expr) => {
        $store
            .run($what, move || async move {
                let mut tx = $store.$begin().await?;
                let value = {
                    let $c: &mut PgConnection = &mut tx;
                    $body
                };
                tx.commit().await.map_err(db_err("commit"))?;
                Ok(value)
            })
            .await
    };
}

/// Like [`in_tx!`] for one statement, which PostgreSQL runs atomically on its own: no BEGIN/COMMIT round trips.
macro_rules! on_conn {
    ($store:ident, $what:expr, |$c:ident| $body:expr) => {
        $store
            .run($what, move || async move {
                let mut conn = $store.pool.acquire().await.map_err(db_err("connect"))?;
                let $c: &mut PgConnection = &mut conn;
                Ok($body)
            })
            .await
    };
}

/// How often a transaction that lost a serialization or deadlock race is retried before the error is reported.
const MAX_RETRIES: u32 = 3;

/// The schema versions, applied in order by sqlx's migrator (table `_sqlx_migrations`).
fn migrator() -> Migrator {
    Migrator::with_migrations(vec![
        Migration::new(
            1,
            Cow::Borrowed("init"),
            MigrationType::Simple,
            include_str!("../migrations/0001_init.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            2,
            Cow::Borrowed("search"),
            MigrationType::Simple,
            include_str!("../migrations/0002_search.sql").into_sql_str(),
            false,
        ),
        Migration::new(
            3,
            Cow::Borrowed("changes"),
            MigrationType::Simple,
            include_str!("../migrations/0003_changes.sql").into_sql_str(),
            false,
        ),
    ])
}

/// The newest schema version this build knows.
pub fn latest_schema_version() -> i64 {
    migrator().iter().map(|m| m.version).max().unwrap_or(0)
}

/// A [`TaskStore`] in a PostgreSQL database.
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    config: Arc<PgConfig>,
    /// The NOTIFY channel every write signals on (see [`changes`]).
    channel: Arc<str>,
    changes: Arc<changes::ChangeFeed>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").field("config", &self.config).finish()
    }
}

/// Session settings every connection gets before its first use.
fn session_setup(config: &PgConfig) -> String {
    let mut sql = format!(
        "SET statement_timeout = {}; SET idle_in_transaction_session_timeout = {};",
        config.statement_timeout.as_millis(),
        // A transaction left open by a partitioned replica would hold its row and advisory locks; the server ends
        // it once it has been idle for as long as any operation may take.
        config.operation_timeout.as_millis()
    );
    if let Some(schema) = &config.schema {
        // `schema` is a checked plain identifier (config::check_schema), so quoting it is enough.
        sql.push_str(&format!(" SET search_path TO \"{schema}\";"));
    }
    sql
}

impl PgStore {
    /// Connects with `url` (`postgres://…`), reading the `TASK_ORCHESTRATOR_PG_*` variables, and migrates the schema.
    pub async fn connect_url(url: &str) -> Result<Self> {
        Self::connect(PgConfig::from_url(url)?.with_env()?).await
    }

    /// Connects, creating the schema if configured and applying migrations (under sqlx's advisory lock, so replicas
    /// starting together wait for each other instead of racing). Fails with [`Error::Storage`] when the database
    /// cannot be reached within the connect timeout.
    pub async fn connect(config: PgConfig) -> Result<Self> {
        let config = Arc::new(config);
        migrate(&config).await?;
        let setup = Arc::new(session_setup(&config));
        let pool = PgPoolOptions::new()
            .max_connections(config.pool_size)
            .min_connections(0)
            .acquire_timeout(config.connect_timeout)
            // A pooled connection killed by a server restart or pg_terminate_backend is found dead here and replaced,
            // so the store recovers by itself when the database comes back.
            .test_before_acquire(true)
            .idle_timeout(Duration::from_secs(300))
            .after_connect(move |conn, _meta| {
                let setup = Arc::clone(&setup);
                Box::pin(async move {
                    conn.execute(sqlx_core::raw_sql::raw_sql(AssertSqlSafe(setup.as_str().to_owned()))).await?;
                    Ok(())
                })
            })
            .connect_lazy_with(config.connect_options());
        tracing::info!(database = %config.redacted_url(), pool_size = config.pool_size, "PostgreSQL store ready");
        let channel = changes::channel(&config).into();
        Ok(Self { pool, config, channel, changes: Arc::default() })
    }

    /// The configuration in use.
    pub fn config(&self) -> &PgConfig {
        &self.config
    }

    /// The schema version the database is at.
    pub async fn schema_version(&self) -> Result<i64> {
        self.run("read the schema version", || async {
            let mut conn = self.pool.acquire().await.map_err(db_err("connect"))?;
            sqlx_core::query_scalar::query_scalar::<_, Option<i64>>("SELECT MAX(version) FROM _sqlx_migrations")
                .fetch_one(&mut *conn)
                .await
                .map(Option::unwrap_or_default)
                .map_err(db_err("read the schema version"))
        })
        .await
    }

    /// Closes every pooled connection; later calls fail.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Starts a write transaction (READ COMMITTED; the writes take the locks they need explicitly).
    async fn begin(&self) -> Result<PgTransaction<'static>> {
        let mut tx = self.pool.begin().await.map_err(db_err("begin a transaction"))?;
        // Delivered when the transaction commits and dropped when it rolls back, so live views hear of exactly the
        // writes that happened.
        sqlx_core::query::query("SELECT pg_notify($1, '')")
            .bind(&*self.channel)
            .execute(&mut *tx)
            .await
            .map_err(db_err("signal the change"))?;
        Ok(tx)
    }

    /// Starts a read-only transaction that sees one snapshot, for reads made of several statements.
    async fn begin_read(&self) -> Result<PgTransaction<'static>> {
        self.pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await
            .map_err(db_err("begin a read transaction"))
    }

    /// Runs one store operation: retries it when PostgreSQL aborted it to resolve a serialization failure or a
    /// deadlock (nothing was applied), bounds it by the operation timeout, and makes its error message safe and
    /// actionable.
    async fn run<T, F, Fut>(&self, what: &'static str, mut op: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let attempts = async {
            let mut attempt = 0;
            loop {
                match op().await {
                    Err(e) if attempt < MAX_RETRIES && is_retryable(&e) => {
                        attempt += 1;
                        tracing::debug!(operation = what, attempt, error = %e, "retrying after a transaction conflict");
                    }
                    result => return result,
                }
            }
        };
        match tokio::time::timeout(self.config.operation_timeout, attempts).await {
            Ok(result) => result.map_err(|e| error::explain(e, what, &self.config)),
            Err(_) => Err(Error::Storage {
                message: format!(
                    "{what} did not finish within {}s talking to PostgreSQL at {}; the database is unreachable or \
                     overloaded (the limit is {ENV_OPERATION_TIMEOUT_SECS})",
                    self.config.operation_timeout.as_secs(),
                    self.config.target()
                ),
                source: None,
            }),
        }
    }

    /// Starts copying a whole board into this (normally empty) database; see [`BoardImport`].
    pub async fn import_board(&self, replace: bool) -> Result<BoardImport> {
        let tx = self.run("start the import", || self.begin()).await?;
        BoardImport::start(tx, replace, Arc::clone(&self.config)).await
    }

    /// Rows per board table ([`BOARD_TABLES`]), in that order.
    pub async fn table_counts(&self) -> Result<Vec<(String, u64)>> {
        in_tx!(self, "count rows", begin_read, |c| import::table_counts(c).await?)
    }
}

/// Applies the migrations on a dedicated connection: sqlx's migrator holds a session advisory lock while it works,
/// and a dedicated connection that is closed afterwards can never hand a still-locked session back to a pool.
async fn migrate(config: &PgConfig) -> Result<()> {
    let options = config.connect_options();
    let connect = PgConnection::connect_with(&options);
    let mut conn = match tokio::time::timeout(config.connect_timeout, connect).await {
        Ok(Ok(conn)) => conn,
        Ok(Err(e)) => return Err(error::explain(db_err("connect")(e), "connect", config)),
        Err(_) => {
            return Err(Error::Storage {
                message: format!(
                    "could not connect to PostgreSQL at {} within {}s; check that it is running and reachable \
                     (the limit is {ENV_CONNECT_TIMEOUT_SECS})",
                    config.target(),
                    config.connect_timeout.as_secs()
                ),
                source: None,
            });
        }
    };
    let result = async {
        conn.execute(sqlx_core::raw_sql::raw_sql(AssertSqlSafe(session_setup(config))))
            .await
            .map_err(db_err("configure the session"))?;
        let mut migrator = migrator();
        if let Some(schema) = &config.schema {
            migrator.create_schema(format!("\"{schema}\""));
        }
        migrator.run(&mut conn).await.map_err(|e| error::migration(e, config))
    };
    let timed = tokio::time::timeout(config.operation_timeout, result).await;
    // Closing ends the session, which releases the migration lock whatever happened.
    let _ = conn.close().await;
    match timed {
        Ok(result) => result,
        Err(_) => Err(Error::Storage {
            message: format!(
                "migrating the schema at {} did not finish within {}s; another replica may hold the migration lock \
                 (pg_locks shows advisory locks)",
                config.target(),
                config.operation_timeout.as_secs()
            ),
            source: None,
        }),
    }
}

#[async_trait]
impl TaskStore for PgStore {
    async fn create_task(&self, task: NewTask) -> Result<Task> {
        let task = &task;
        in_tx!(self, "create the task", begin, |c| {
            let id = sql::insert_task(c, task, &[]).await?;
            sql::load_task(c, id).await?
        })
    }

    async fn create_tasks(&self, tasks: Vec<NewTask>) -> Result<Vec<Task>> {
        let tasks = &tasks;
        in_tx!(self, "create the tasks", begin, |c| {
            let mut ids: Vec<TaskId> = Vec::with_capacity(tasks.len());
            for task in tasks {
                let id = sql::insert_task(c, task, &ids).await?;
                ids.push(id);
            }
            sql::load_tasks(c, &ids).await?
        })
    }

    async fn get_task(&self, id: TaskId) -> Result<Task> {
        on_conn!(self, "read the task", |c| sql::load_task(c, id).await?)
    }

    async fn task_records(&self, id: TaskId, wanted: RecordsWanted) -> Result<TaskRecords> {
        in_tx!(self, "read the task and its records", begin_read, |c| {
            let task = sql::load_task(c, id).await?;
            let commits = sql::commits(c, id).await?;
            let executions = if wanted.executions { Some(sql::executions(c, id).await?) } else { None };
            let analyses = if wanted.analyses { Some(sql::analyses(c, id).await?) } else { None };
            TaskRecords { task, commits, executions, analyses }
        })
    }

    async fn update_task(&self, id: TaskId, patch: TaskPatch) -> Result<Task> {
        let patch = &patch;
        in_tx!(self, "update the task", begin, |c| {
            sql::update_task(c, id, patch).await?;
            sql::load_task(c, id).await?
        })
    }

    async fn set_status(&self, id: TaskId, status: Status, force: bool) -> Result<StatusChange> {
        in_tx!(self, "change the status", begin, |c| sql::set_status(c, id, status, force).await?)
    }

    async fn delete_task(&self, id: TaskId, force: bool) -> Result<Deletion> {
        in_tx!(self, "delete the task", begin, |c| sql::delete_task(c, id, force).await?)
    }

    async fn list_tasks(&self, query: &TaskQuery) -> Result<TaskPage> {
        in_tx!(self, "list tasks", begin_read, |c| sql::list_tasks(c, query).await?)
    }

    async fn projects(&self) -> Result<Vec<(String, u64)>> {
        on_conn!(self, "list projects", |c| {
            let rows: Vec<(String, i64)> = sqlx_core::query_as::query_as(
                "SELECT project_id, COUNT(*) FROM tasks GROUP BY project_id ORDER BY project_id",
            )
            .fetch_all(&mut *c)
            .await
            .map_err(db_err("list projects"))?;
            rows.into_iter().map(|(p, n)| (p, u64::try_from(n).unwrap_or(0))).collect()
        })
    }

    async fn task_metrics(&self, filter: &TaskFilter) -> Result<TaskMetrics> {
        in_tx!(self, "compute metrics", begin_read, |c| sql::metrics(c, filter).await?)
    }

    async fn graph(&self, project_id: Option<&str>) -> Result<GraphData> {
        in_tx!(self, "read the graph", begin_read, |c| sql::graph(c, project_id).await?)
    }

    async fn graph_index(&self, project_id: Option<&str>) -> Result<GraphIndex> {
        in_tx!(self, "read the graph", begin_read, |c| graph_index::graph_index(c, project_id).await?)
    }

    async fn tasks_by_ids(&self, ids: &[TaskId]) -> Result<Vec<Task>> {
        on_conn!(self, "read tasks", |c| sql::load_tasks(c, ids).await?)
    }

    async fn claim_first(&self, candidates: &[TaskId], assignee: &str) -> Result<Option<Task>> {
        in_tx!(self, "claim a task", begin, |c| sql::claim_first(c, candidates, assignee).await?)
    }

    async fn release_stale_claims(&self, claimed_before: chrono::DateTime<chrono::Utc>) -> Result<Vec<TaskId>> {
        on_conn!(self, "release stale claims", |c| sql::release_stale_claims(c, claimed_before).await?)
    }

    async fn link_commit(&self, link: NewCommitLink) -> Result<(CommitLink, bool)> {
        let link = &link;
        in_tx!(self, "link the commit", begin, |c| sql::link_commit(c, link).await?)
    }

    async fn commits(&self, task_id: TaskId) -> Result<Vec<CommitLink>> {
        in_tx!(self, "read commits", begin_read, |c| sql::commits(c, task_id).await?)
    }

    async fn record_execution(&self, execution: NewExecution) -> Result<Execution> {
        let execution = &execution;
        in_tx!(self, "record the execution", begin, |c| sql::record_execution(c, execution).await?)
    }

    async fn executions(&self, task_id: TaskId) -> Result<Vec<Execution>> {
        in_tx!(self, "read executions", begin_read, |c| sql::executions(c, task_id).await?)
    }

    async fn record_analysis(
        &self,
        task_id: TaskId,
        kind: &str,
        result: serde_json::Value,
        complexity_score: Option<f64>,
    ) -> Result<Analysis> {
        let result = &result;
        in_tx!(self, "record the analysis", begin, |c| {
            sql::record_analysis(c, task_id, kind, result, complexity_score).await?
        })
    }

    async fn analyses(&self, task_id: TaskId) -> Result<Vec<Analysis>> {
        in_tx!(self, "read analyses", begin_read, |c| sql::analyses(c, task_id).await?)
    }

    async fn completed_history(&self, project_id: &str, limit: u32) -> Result<Vec<Task>> {
        on_conn!(self, "read the completed history", |c| sql::completed_history(c, project_id, limit).await?)
    }

    async fn transitive_dependents(&self, id: TaskId) -> Result<Vec<TaskId>> {
        on_conn!(self, "read dependents", |c| sql::transitive_dependents(c, id).await?)
    }

    async fn find_by_external_keys(&self, project_id: &str, keys: &[String]) -> Result<Vec<Task>> {
        on_conn!(self, "find tasks by external key", |c| sql::find_by_external_keys(c, project_id, keys).await?)
    }

    async fn search_tasks(&self, project_id: Option<&str>, query: &[String], limit: u32) -> Result<Vec<Task>> {
        on_conn!(self, "search tasks", |c| sql::search_tasks(c, project_id, query, limit).await?)
    }

    async fn save_document(&self, document: NewDocument) -> Result<Document> {
        let document = &document;
        on_conn!(self, "save the document", |c| sql::save_document(c, document).await?)
    }

    async fn schema_version(&self) -> Result<Option<orch_core::SchemaVersion>> {
        let current = PgStore::schema_version(self).await?;
        let as_u32 = |v: i64| u32::try_from(v).unwrap_or(u32::MAX);
        Ok(Some(orch_core::SchemaVersion { current: as_u32(current), expected: as_u32(latest_schema_version()) }))
    }

    async fn change_version(&self) -> Result<Option<u64>> {
        on_conn!(self, "read the change log position", |c| Some(change_log::version(c).await?))
    }

    async fn changes_since(&self, project_id: &str, since: u64) -> Result<Option<BoardChanges>> {
        in_tx!(self, "read the change log", begin_read, |c| change_log::since(c, project_id, since).await?)
    }

    async fn change_signal(&self) -> Result<Option<u64>> {
        Ok(Some(self.changes.value(&self.pool, &self.channel).await?))
    }

    async fn ping(&self) -> Result<()> {
        on_conn!(self, "ping", |c| {
            sqlx_core::query::query("SELECT 1").execute(&mut *c).await.map_err(db_err("ping"))?;
        })
    }
}
