//! The kept board model against a full reload: after any sequence of writes, from the server's store or from another
//! connection to the same database (another process, or another replica on PostgreSQL), `get_next_task`'s ranking
//! equals the policy run on the project read whole. SQLite always; PostgreSQL when `TEST_DATABASE_URL` is set.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use orch_core::select::{self, Candidate, Constraints, HistoryRecord, HistoryStats, RecentWork, Selection, Weights};
use orch_core::{NewTask, Status, TaskId, TaskPatch, TaskStore, validate};
use orch_service::Orchestrator;
use orch_store_postgres::{PgConfig, PgStore};
use orch_store_sqlite::SqliteStore;
use proptest::prelude::*;
use sqlx_core::connection::Connection;
use sqlx_core::executor::Executor;
use sqlx_core::sql_str::AssertSqlSafe;
use sqlx_postgres::PgConnection;

const PROJECT: &str = "p";
const AGENT: &str = "agent-1";

/// One write. Indices pick among the project's current tasks (modulo their number).
#[derive(Debug, Clone)]
enum Op {
    Create {
        deps: Vec<usize>,
        priority: u8,
        hours: Option<u8>,
        tag: usize,
        other_project: bool,
    },
    Status(usize, usize),
    AddDependency(usize, usize),
    RemoveDependency(usize),
    Delete(usize, bool),
    Claim(Vec<usize>, bool),
    Release,
    Analyse(usize, u8),
    Retag(usize, usize),
    /// Drops the change log but its newest row, as pruning does to a reader that fell far behind.
    PruneLog,
}

fn arb_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (proptest::collection::vec(0usize..50, 0..3), 0u8..=4, proptest::option::of(1u8..9), 0usize..3, proptest::bool::weighted(0.1))
            .prop_map(|(deps, priority, hours, tag, other_project)| Op::Create { deps, priority, hours, tag, other_project }),
        3 => (0usize..50, 0usize..4).prop_map(|(i, s)| Op::Status(i, s)),
        1 => (0usize..50, 0usize..50).prop_map(|(a, b)| Op::AddDependency(a, b)),
        1 => (0usize..50).prop_map(Op::RemoveDependency),
        1 => (0usize..50, any::<bool>()).prop_map(|(i, f)| Op::Delete(i, f)),
        2 => (proptest::collection::vec(0usize..50, 1..4), any::<bool>()).prop_map(|(c, other)| Op::Claim(c, other)),
        1 => Just(Op::Release),
        1 => (0usize..50, 1u8..=10).prop_map(|(i, c)| Op::Analyse(i, c)),
        1 => (0usize..50, 0usize..3).prop_map(|(i, t)| Op::Retag(i, t)),
        1 => Just(Op::PruneLog),
    ]
}

const TAGS: [&str; 3] = ["api", "db", "ui"];
const STATUSES: [Status; 4] = [Status::Pending, Status::InProgress, Status::Blocked, Status::Completed];

/// The server's store and a second handle on the same database, with its own connections.
enum Backend {
    Sqlite { _dir: tempfile::TempDir, path: std::path::PathBuf, server: SqliteStore, other: SqliteStore },
    Postgres { url: String, schema: String, server: PgStore, other: PgStore },
}

static NEXT_SCHEMA: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl Backend {
    fn sqlite() -> Backend {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("board.db");
        let server = SqliteStore::open(&path).unwrap();
        let other = SqliteStore::open(&path).unwrap();
        Backend::Sqlite { _dir: dir, path, server, other }
    }

    async fn postgres(url: &str) -> Backend {
        let n = NEXT_SCHEMA.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let schema = format!("orch_board_model_{}_{n}", std::process::id());
        let config = || PgConfig::from_url(url).unwrap().with_schema(&schema).unwrap();
        let server = PgStore::connect(config()).await.unwrap();
        let other = PgStore::connect(config()).await.unwrap();
        Backend::Postgres { url: url.to_owned(), schema, server, other }
    }

    fn server(&self) -> Arc<dyn TaskStore> {
        match self {
            Backend::Sqlite { server, .. } => Arc::new(server.clone()),
            Backend::Postgres { server, .. } => Arc::new(server.clone()),
        }
    }

    fn store(&self, other: bool) -> &dyn TaskStore {
        match (self, other) {
            (Backend::Sqlite { server, .. }, false) => server,
            (Backend::Sqlite { other, .. }, true) => other,
            (Backend::Postgres { server, .. }, false) => server,
            (Backend::Postgres { other, .. }, true) => other,
        }
    }

    /// Drops the change log but its newest entries, as pruning does to a reader that fell far behind.
    async fn prune(&self) {
        match self {
            Backend::Sqlite { path, .. } => {
                let conn = rusqlite::Connection::open(path).unwrap();
                conn.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
                conn.execute("DELETE FROM board_changes WHERE seq < (SELECT MAX(seq) FROM board_changes)", []).unwrap();
            }
            Backend::Postgres { url, schema, .. } => {
                let mut conn = PgConnection::connect(url).await.unwrap();
                conn.execute(AssertSqlSafe(format!(
                    "SET search_path TO \"{schema}\"; \
                     UPDATE board_changes_horizon SET txid = pg_snapshot_xmin(pg_current_snapshot()); \
                     DELETE FROM board_changes WHERE txid < (SELECT txid FROM board_changes_horizon);"
                )))
                .await
                .unwrap();
            }
        }
    }

    async fn drop_schema(&self) {
        if let Backend::Postgres { url, schema, server, other } = self {
            server.close().await;
            other.close().await;
            let mut conn = PgConnection::connect(url).await.unwrap();
            conn.execute(AssertSqlSafe(format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))).await.unwrap();
        }
    }
}

async fn ids(store: &dyn TaskStore) -> Vec<TaskId> {
    store.graph(Some(PROJECT)).await.unwrap().tasks.iter().map(|t| t.id).collect()
}

/// Applies one write; refused writes (cycles, unmet prerequisites…) change nothing, which is part of the check.
async fn apply(backend: &Backend, other: bool, op: Op) {
    let store = backend.store(other);
    let ids = ids(store).await;
    let pick = |i: usize| ids.get(i % ids.len().max(1)).copied();
    match op {
        Op::Create { deps, priority, hours, tag, other_project } => {
            let mut deps: Vec<TaskId> =
                if other_project { Vec::new() } else { deps.into_iter().filter_map(pick).collect() };
            deps.sort();
            deps.dedup();
            let task = NewTask {
                project_id: Some(if other_project { "other" } else { PROJECT }.into()),
                title: format!("task {}", ids.len()),
                priority,
                dependencies: deps,
                tags: vec![TAGS[tag].into()],
                code_language: Some("rust".into()),
                estimated_hours: hours.map(f64::from),
                ..Default::default()
            };
            let _ = store.create_task(validate::new_task(task).unwrap()).await;
        }
        Op::Status(i, s) => {
            if let Some(id) = pick(i) {
                let _ = store.set_status(id, STATUSES[s], s != 1).await;
            }
        }
        Op::AddDependency(a, b) => {
            if let (Some(a), Some(b)) = (pick(a), pick(b))
                && a != b
            {
                let _ = store.update_task(a, TaskPatch { add_dependencies: vec![b], ..Default::default() }).await;
            }
        }
        Op::RemoveDependency(i) => {
            if let Some(id) = pick(i) {
                let task = store.get_task(id).await.unwrap();
                if let Some(dep) = task.dependencies.first() {
                    let patch = TaskPatch { remove_dependencies: vec![*dep], ..Default::default() };
                    store.update_task(id, patch).await.unwrap();
                }
            }
        }
        Op::Delete(i, force) => {
            if let Some(id) = pick(i) {
                let _ = store.delete_task(id, force).await;
            }
        }
        Op::Claim(candidates, other) => {
            let candidates: Vec<TaskId> = candidates.into_iter().filter_map(pick).collect();
            store.claim_first(&candidates, if other { "agent-2" } else { AGENT }).await.unwrap();
        }
        Op::Release => {
            store.release_stale_claims(Utc::now() + Duration::days(1)).await.unwrap();
        }
        Op::Analyse(i, score) => {
            if let Some(id) = pick(i) {
                store.record_analysis(id, "complexity", serde_json::json!({}), Some(f64::from(score))).await.unwrap();
            }
        }
        Op::Retag(i, t) => {
            if let Some(id) = pick(i) {
                let patch = TaskPatch {
                    tags: Some(vec![TAGS[t].into()]),
                    title: Some(format!("retagged {t}")),
                    ..Default::default()
                };
                store.update_task(id, validate::task_patch(patch).unwrap()).await.unwrap();
            }
        }
        Op::PruneLog => backend.prune().await,
    }
}

/// The policy on the project read whole, as `get_next_task` computed it before the model existed.
async fn full_reload(store: &dyn TaskStore, constraints: &Constraints, now: DateTime<Utc>) -> Selection {
    let graph = store.graph(Some(PROJECT)).await.unwrap();
    let history: Vec<HistoryRecord> = store
        .completed_history(PROJECT, 500)
        .await
        .unwrap()
        .iter()
        .map(|t| HistoryRecord {
            tags: t.tags.clone(),
            code_language: t.code_language.clone(),
            task_type: t.task_type.clone(),
            had_setback: false,
            actual_hours: Some(
                (t.completed_at.unwrap() - t.started_at.unwrap()).num_milliseconds().max(0) as f64 / 3_600_000.0,
            ),
            estimated_hours: t.estimated_hours,
        })
        .collect();
    let recent = graph
        .tasks
        .iter()
        .filter(|t| t.assignee.as_deref() == Some(AGENT))
        .max_by_key(|t| (t.claimed_at.or(t.completed_at).or(t.started_at), t.id))
        .map(RecentWork::from_task);
    let candidates: Vec<Candidate> = graph.tasks.iter().map(Candidate::from_task).collect();
    select::select(
        &candidates,
        constraints,
        recent.as_ref(),
        &HistoryStats::from_records(&history),
        &Weights::default(),
        now,
    )
}

fn run(ops: Vec<(Op, bool)>, team: bool, postgres: Option<&str>) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let backend = match postgres {
            Some(url) => Backend::postgres(url).await,
            None => Backend::sqlite(),
        };
        let orchestrator = Orchestrator::new(backend.server());
        let constraints = Constraints {
            available_developers: team.then_some(3),
            hours_available_today: team.then_some(6.0),
            ..Constraints::default()
        };
        let now = Utc::now() + Duration::hours(1);
        let outcome = async {
            for (op, from_other) in ops {
                apply(&backend, from_other, op.clone()).await;
                let kept = orchestrator.rank_next_task(PROJECT, &constraints, Some(AGENT), now).await.unwrap();
                let fresh = full_reload(backend.store(false), &constraints, now).await;
                if kept != fresh {
                    return Err(format!("after {op:?}:\nkept  {kept:?}\nfresh {fresh:?}"));
                }
            }
            Ok(())
        }
        .await;
        backend.drop_schema().await;
        if let Err(e) = outcome {
            panic!("{e}");
        }
    });
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn the_kept_model_ranks_as_a_full_reload(
        ops in proptest::collection::vec((arb_op(), proptest::bool::weighted(0.3)), 1..40),
        team in any::<bool>(),
    ) {
        run(ops, team, None);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn the_kept_model_ranks_as_a_full_reload_on_postgres(
        ops in proptest::collection::vec((arb_op(), proptest::bool::weighted(0.3)), 1..30),
        team in any::<bool>(),
    ) {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(url) if !url.trim().is_empty() => run(ops, team, Some(&url)),
            _ => eprintln!("note: skipped: set TEST_DATABASE_URL=postgres://… to run the PostgreSQL variant"),
        }
    }
}
