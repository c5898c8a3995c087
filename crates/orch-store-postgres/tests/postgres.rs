//! What only a shared PostgreSQL board can get wrong: replicas racing each other, and the database going away.
//!
//! "Replicas" are separate `PgStore`s, each with its own connection pool, on one schema. Runs when
//! `TEST_DATABASE_URL` is set (failing if it is unreachable); skipped with a note otherwise.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use common::{Proxy, TestDb, upstream, via};
use orch_core::graph::find_cycle;
use orch_core::{Error, NewTask, Status, TaskId, TaskPatch, TaskStore};
use orch_store_postgres::{PgConfig, PgStore, latest_schema_version};
use sqlx_core::executor::Executor;
use sqlx_core::query_as::query_as;
use sqlx_core::query_scalar::query_scalar;
use sqlx_core::sql_str::AssertSqlSafe;

fn task(title: &str, deps: Vec<TaskId>) -> NewTask {
    NewTask { title: title.into(), dependencies: deps, ..Default::default() }
}

fn add_dep(dep: TaskId) -> TaskPatch {
    TaskPatch { add_dependencies: vec![dep], ..Default::default() }
}

/// Two replicas each add one edge at the same moment; together the edges would close a cycle. Exactly one must be
/// refused with `Cycle`, and the stored graph must stay acyclic.
async fn race_edges(one: &Arc<PgStore>, two: &Arc<PgStore>, first: (TaskId, TaskId), second: (TaskId, TaskId)) {
    let barrier = Arc::new(tokio::sync::Barrier::new(2));
    let edit = |store: Arc<PgStore>, (id, dep): (TaskId, TaskId)| {
        let barrier = Arc::clone(&barrier);
        tokio::spawn(async move {
            barrier.wait().await;
            store.update_task(id, add_dep(dep)).await
        })
    };
    let (x, y) = tokio::join!(edit(Arc::clone(one), first), edit(Arc::clone(two), second));
    let (x, y) = (x.unwrap(), y.unwrap());
    let refused: Vec<&Error> = [&x, &y].into_iter().filter_map(|r| r.as_ref().err()).collect();
    assert_eq!(refused.len(), 1, "exactly one edit must be refused: {x:?} / {y:?}");
    assert!(matches!(refused[0], Error::Cycle { .. }), "{}", refused[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_cannot_close_a_cycle_with_concurrent_edits() {
    let Some(db) = TestDb::new("two_replicas_cannot_close_a_cycle_with_concurrent_edits") else { return };
    let (one, two) = (Arc::new(db.store().await), Arc::new(db.store().await));
    for round in 0..15 {
        // A 2-cycle: a -> b and b -> a. (The row locks alone already order these two edits.)
        let a = one.create_task(task(&format!("a{round}"), vec![])).await.unwrap().id;
        let b = one.create_task(task(&format!("b{round}"), vec![])).await.unwrap().id;
        race_edges(&one, &two, (a, b), (b, a)).await;
        // A 4-cycle through existing edges b -> c and d -> a: the edits a -> b and c -> d lock disjoint rows, so
        // only the per-project dependency lock keeps each from missing the other's uncommitted edge.
        let c = one.create_task(task(&format!("c{round}"), vec![])).await.unwrap().id;
        let a = one.create_task(task(&format!("a'{round}"), vec![])).await.unwrap().id;
        let b = one.create_task(task(&format!("b'{round}"), vec![c])).await.unwrap().id;
        let d = one.create_task(task(&format!("d{round}"), vec![a])).await.unwrap().id;
        race_edges(&one, &two, (a, b), (c, d)).await;
    }
    let graph = one.graph(None).await.unwrap();
    assert_eq!(graph.edges.len(), 15 * 4);
    assert_eq!(find_cycle(&graph.edges), None, "the stored graph is acyclic");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_claimers_on_three_replicas_never_share_a_task() {
    let Some(db) = TestDb::new("eight_claimers_on_three_replicas_never_share_a_task") else { return };
    let replicas: Vec<Arc<PgStore>> =
        vec![Arc::new(db.store().await), Arc::new(db.store().await), Arc::new(db.store().await)];
    // 30 independent tasks and 20 that wait on earlier ones, so claims also race with completions.
    let mut ids = Vec::new();
    for i in 0..50 {
        let deps = if i >= 30 { vec![ids[i - 30], ids[i - 29]] } else { vec![] };
        ids.push(replicas[0].create_task(task(&format!("t{i}"), deps)).await.unwrap().id);
    }
    let total = ids.len();
    let ids = Arc::new(ids);
    let claimers = (0..8).map(|agent| {
        let store = Arc::clone(&replicas[agent % 3]);
        let ids = Arc::clone(&ids);
        tokio::spawn(async move {
            let name = format!("agent-{agent}");
            let mut mine = Vec::new();
            let mut idle_rounds = 0;
            while idle_rounds < 50 {
                match store.claim_first(&ids, &name).await.unwrap() {
                    Some(t) => {
                        assert_eq!(t.assignee.as_deref(), Some(name.as_str()));
                        assert_eq!(t.status, Status::InProgress);
                        store.set_status(t.id, Status::Completed, false).await.unwrap();
                        mine.push(t.id);
                        idle_rounds = 0;
                    }
                    None => {
                        idle_rounds += 1;
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                }
            }
            (name, mine)
        })
    });
    let results = futures::future::join_all(claimers).await;
    let mut owner: BTreeMap<TaskId, String> = BTreeMap::new();
    for r in results {
        let (name, mine) = r.unwrap();
        for id in mine {
            if let Some(other) = owner.insert(id, name.clone()) {
                panic!("task {id} was claimed by both {other} and {name}");
            }
        }
    }
    assert_eq!(owner.len(), total, "every task was claimed exactly once");
    // No lost update: the stored assignee is the claimer, every task is completed, and the history shows exactly one
    // claim per task.
    for (id, name) in &owner {
        let t = replicas[1].get_task(*id).await.unwrap();
        assert_eq!((t.status, t.assignee.as_deref()), (Status::Completed, Some(name.as_str())), "task {id}");
    }
    let mut raw = db.raw().await;
    let claims: Vec<(i64, i64)> = query_as(
        "SELECT task_id, COUNT(*) FROM status_history WHERE from_status = 'pending' AND to_status = 'in_progress' \
         GROUP BY task_id",
    )
    .fetch_all(&mut raw)
    .await
    .unwrap();
    assert_eq!(claims.len(), total);
    assert!(claims.iter().all(|(_, n)| *n == 1), "{claims:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replicas_starting_together_on_an_empty_database_all_come_up() {
    let Some(db) = TestDb::new("replicas_starting_together_on_an_empty_database_all_come_up") else { return };
    // The schema does not exist yet: every replica would create it and the tables.
    let starts = (0..4).map(|_| PgStore::connect(db.config()));
    let stores: Vec<PgStore> = futures::future::join_all(starts).await.into_iter().map(Result::unwrap).collect();
    for store in &stores {
        assert_eq!(store.schema_version().await.unwrap(), latest_schema_version());
    }
    let mut raw = db.raw().await;
    let applied: i64 = query_scalar("SELECT COUNT(*) FROM _sqlx_migrations").fetch_one(&mut raw).await.unwrap();
    assert_eq!(applied, latest_schema_version(), "each migration applied once");
    let t = stores[0].create_task(task("works", vec![])).await.unwrap();
    assert_eq!(stores[3].get_task(t.id).await.unwrap(), t);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminated_backends_are_replaced_on_the_next_call() {
    let Some(db) = TestDb::new("terminated_backends_are_replaced_on_the_next_call") else { return };
    let app = db.schema.clone();
    let url = format!("{}{}application_name={app}", db.url, if db.url.contains('?') { '&' } else { '?' });
    let config = PgConfig::from_url(&url).unwrap().with_schema(&db.schema).unwrap();
    let store = PgStore::connect(config).await.unwrap();
    let t = store.create_task(task("survives", vec![])).await.unwrap();
    // Open a few pooled connections, then have the server kill them all (what a restart or failover does).
    let reads = (0..3).map(|_| store.get_task(t.id));
    futures::future::join_all(reads).await.into_iter().for_each(|r| assert!(r.is_ok()));
    let mut raw = db.raw().await;
    let killed: Vec<bool> =
        query_scalar("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1")
            .bind(&app)
            .fetch_all(&mut raw)
            .await
            .unwrap();
    assert!(!killed.is_empty() && killed.iter().all(|k| *k), "{killed:?}");
    assert_eq!(store.get_task(t.id).await.unwrap(), t, "the next call reconnects");
    store.ping().await.unwrap();
    store.set_status(t.id, Status::Completed, false).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_fails_fast_with_a_clear_error_and_the_store_recovers() {
    let Some(db) = TestDb::new("an_outage_fails_fast_with_a_clear_error_and_the_store_recovers") else { return };
    let proxy = Proxy::start(upstream(&db.url)).await;
    let mut url = sqlx_core::Url::parse(&via(&db.url, proxy.addr)).unwrap();
    url.set_password(Some("canary-pw-4711")).unwrap(); // trust auth ignores it; it must never be printed
    let mut config = PgConfig::from_url(url.as_str()).unwrap().with_schema(&db.schema).unwrap();
    config.connect_timeout = Duration::from_secs(1);
    let store = PgStore::connect(config).await.unwrap();
    let t = store.create_task(task("before", vec![])).await.unwrap();

    proxy.cut();
    let started = std::time::Instant::now();
    let err = store.ping().await.unwrap_err();
    assert!(matches!(err, Error::Storage { .. }), "{err}");
    let chain = format!("{err} / {:?}", std::error::Error::source(&err).map(ToString::to_string));
    assert!(chain.contains("PostgreSQL at 127.0.0.1:"), "{chain}");
    assert!(!chain.contains("canary-pw-4711"), "{chain}");
    let err = store.get_task(t.id).await.unwrap_err();
    assert!(matches!(err, Error::Storage { .. }), "{err}");
    assert!(started.elapsed() < Duration::from_secs(10), "failed within the timeouts: {:?}", started.elapsed());

    proxy.restore().await;
    store.ping().await.unwrap();
    assert_eq!(store.get_task(t.id).await.unwrap(), t);
    store.create_task(task("after", vec![])).await.unwrap();
}

#[tokio::test]
async fn an_unreachable_database_is_a_storage_error_without_the_password() {
    // No server needed: nothing listens on port 1.
    let mut config = PgConfig::from_url("postgres://app:canary-pw-4711@127.0.0.1:1/test").unwrap();
    config.connect_timeout = Duration::from_secs(1);
    let err = PgStore::connect(config).await.unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(matches!(err, Error::Storage { .. }), "{text}");
    assert!(text.contains("127.0.0.1:1/test"), "{text}");
    assert!(!text.contains("canary-pw-4711"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_stuck_on_a_lock_is_cancelled_by_the_statement_timeout() {
    let Some(db) = TestDb::new("a_statement_stuck_on_a_lock_is_cancelled_by_the_statement_timeout") else { return };
    let mut config = db.config();
    config.statement_timeout = Duration::from_millis(300);
    let store = PgStore::connect(config).await.unwrap();
    let t = store.create_task(task("locked", vec![])).await.unwrap();
    let mut raw = db.raw().await;
    raw.execute("BEGIN").await.unwrap();
    raw.execute(AssertSqlSafe(format!("SELECT 1 FROM tasks WHERE id = {} FOR UPDATE", t.id))).await.unwrap();
    let err = store.set_status(t.id, Status::InProgress, false).await.unwrap_err();
    assert!(err.to_string().contains("statement timeout (300 ms)"), "{err}");
    raw.execute("ROLLBACK").await.unwrap();
    assert_eq!(store.get_task(t.id).await.unwrap().status, Status::Pending, "the refused change left nothing behind");
    assert_eq!(store.set_status(t.id, Status::InProgress, false).await.unwrap().task.status, Status::InProgress);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_with_nul_characters_is_stored_with_replacement_characters() {
    let Some(db) = TestDb::new("text_with_nul_characters_is_stored_with_replacement_characters") else { return };
    let store = db.store().await;
    let t = store.create_task(task("a\0b", vec![])).await.unwrap();
    assert_eq!(t.title, "a\u{FFFD}b");
    let a = store.record_analysis(t.id, "k", serde_json::json!({"x\0": "y\0"}), None).await.unwrap();
    assert_eq!(a.result, serde_json::json!({"x\u{FFFD}": "y\u{FFFD}"}));
}
