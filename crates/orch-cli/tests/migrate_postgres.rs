//! `task-orchestrator migrate` end to end: an SQLite board with every kind of row, copied by the real binary into a
//! PostgreSQL schema, then read back through both stores. Runs when `TEST_DATABASE_URL` is set (failing if that
//! server is unreachable); skipped with a note otherwise.
#![allow(clippy::unwrap_used)]

use std::process::Command;
use std::sync::Arc;

use orch_core::{NewCommitLink, NewDocument, NewExecution, NewTask, Status, TaskId, TaskPatch, TaskStore};
use orch_store_postgres::{PgConfig, PgStore};
use orch_store_sqlite::SqliteStore;
use sqlx_core::connection::Connection;
use sqlx_core::executor::Executor;
use sqlx_core::sql_str::AssertSqlSafe;
use sqlx_postgres::PgConnection;

struct Schema {
    url: String,
    name: String,
}

impl Drop for Schema {
    fn drop(&mut self) {
        let (url, name) = (self.url.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                if let Ok(mut c) = PgConnection::connect(&url).await {
                    let _ = c.execute(AssertSqlSafe(format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE"))).await;
                }
            });
        })
        .join();
    }
}

async fn board(store: &dyn TaskStore) -> Vec<TaskId> {
    let new = |title: &str| NewTask { title: title.into(), ..Default::default() };
    let a = store.create_task(NewTask { tags: vec!["x".into(), "y".into()], priority: 3, ..new("a") }).await.unwrap();
    let b = store
        .create_task(NewTask {
            dependencies: vec![a.id],
            description: Some("deps on a".into()),
            estimated_hours: Some(2.25),
            ..new("b")
        })
        .await
        .unwrap();
    let sub = store.create_task(NewTask { parent_id: Some(b.id), ..new("b.1") }).await.unwrap();
    let other = store
        .create_task(NewTask {
            project_id: Some("web".into()),
            external_key: Some("prd/login".into()),
            code_language: Some("python".into()),
            ..new("login")
        })
        .await
        .unwrap();
    let gone = store.create_task(new("deleted later")).await.unwrap();
    store.delete_task(gone.id, false).await.unwrap(); // leaves a hole in the ids
    store.set_status(a.id, Status::InProgress, false).await.unwrap();
    store.set_status(a.id, Status::Completed, false).await.unwrap();
    store.claim_first(&[b.id], "agent-7").await.unwrap().unwrap();
    store.update_task(sub.id, TaskPatch { tags: Some(vec!["z".into()]), ..Default::default() }).await.unwrap();
    store
        .record_execution(NewExecution {
            task_id: a.id,
            language: "python".into(),
            code: "print(1)".into(),
            output: "1\n".into(),
            error: String::new(),
            exit_code: Some(0),
            execution_time: 0.125,
            timed_out: false,
            truncated: true,
            isolation: "namespaces".into(),
            limits: serde_json::json!({"timeout_secs": 30, "memory_mb": 512}),
        })
        .await
        .unwrap();
    let link = NewCommitLink {
        task_id: a.id,
        commit_hash: "abcdef1234567".into(),
        commit_message: Some("feat: a".into()),
        author: Some("dev".into()),
    };
    store.link_commit(link).await.unwrap();
    store
        .record_analysis(b.id, "complexity", serde_json::json!({"score": 4.5, "factors": ["x"]}), Some(4.5))
        .await
        .unwrap();
    store
        .save_document(NewDocument {
            project_id: "web".into(),
            kind: "prd".into(),
            content_hash: "h1".into(),
            title: Some("Login".into()),
            content: "# Login".into(),
            parsed: serde_json::json!({"features": [{"title": "Login"}]}),
        })
        .await
        .unwrap();
    vec![a.id, b.id, sub.id, other.id]
}

fn migrate(from: &str, to: &str, force: bool) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_task-orchestrator"));
    cmd.args(["migrate", "--from", from, "--to", to]);
    if force {
        cmd.args(["--force", "--json"]);
    }
    cmd.env_remove("DATABASE_URL").output().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_copies_a_sqlite_board_into_postgres() {
    let Ok(url) = std::env::var("TEST_DATABASE_URL") else {
        eprintln!("note: migrate test skipped: set TEST_DATABASE_URL=postgres://… to run it");
        return;
    };
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    let schema = Schema { url: url.clone(), name: format!("orch_migrate_{}_{nanos}", std::process::id()) };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("board.db");
    let sqlite = Arc::new(SqliteStore::open(&file).unwrap());
    let ids = board(&*sqlite).await;
    let from = format!("sqlite://{}", file.display());
    let to = format!("{url}{}schema={}", if url.contains('?') { '&' } else { '?' }, schema.name);

    let out = migrate(&from, &to, false);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "stdout: {stdout}\nstderr: {}", String::from_utf8_lossy(&out.stderr));
    // Piped, the table is tab-separated rows: table, SQLite rows, PostgreSQL rows.
    for line in [
        "tasks\t4\t4",
        "task_dependencies\t1\t1",
        "task_tags\t3\t3",
        "code_executions\t1\t1",
        "git_commits\t1\t1",
        "task_analyses\t1\t1",
        "status_history\t3\t3",
        "documents\t1\t1",
    ] {
        assert!(stdout.contains(line), "missing '{line}' in:\n{stdout}");
    }

    // The copy ends with ANALYZE, so the planner has statistics (reltuples is -1 for a never-analysed table).
    let mut conn = PgConnection::connect(&url).await.unwrap();
    let reltuples: f32 = sqlx_core::query_scalar::query_scalar(AssertSqlSafe(format!(
        "SELECT reltuples FROM pg_class WHERE oid = '\"{}\".tasks'::regclass",
        schema.name
    )))
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(reltuples, 4.0, "planner statistics after the import");
    let pg = PgStore::connect(PgConfig::from_url(&url).unwrap().with_schema(&schema.name).unwrap()).await.unwrap();
    for id in &ids {
        assert_eq!(pg.get_task(*id).await.unwrap(), sqlite.get_task(*id).await.unwrap(), "task {id}");
        assert_eq!(pg.executions(*id).await.unwrap(), sqlite.executions(*id).await.unwrap());
        assert_eq!(pg.commits(*id).await.unwrap(), sqlite.commits(*id).await.unwrap());
        assert_eq!(pg.analyses(*id).await.unwrap(), sqlite.analyses(*id).await.unwrap());
    }
    assert_eq!(pg.graph(None).await.unwrap(), sqlite.graph(None).await.unwrap());
    // The search index covers copied rows (an expression index, so nothing extra to copy).
    let found = pg.search_tasks(None, &["deps".to_string()], 10).await.unwrap();
    assert_eq!(found.iter().map(|t| t.id).collect::<Vec<_>>(), vec![ids[1]]);
    assert_eq!(
        pg.task_metrics(&Default::default()).await.unwrap().by_status,
        sqlite.task_metrics(&Default::default()).await.unwrap().by_status
    );
    // Sequences continue after the copied ids (including the deleted one's hole).
    let next = pg.create_task(NewTask { title: "new".into(), ..Default::default() }).await.unwrap();
    assert_eq!(next.id, TaskId(ids.iter().map(|t| t.0).max().unwrap() + 2));

    let again = migrate(&from, &to, false);
    assert!(!again.status.success());
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("already holds a board") && stderr.contains("--force"), "{stderr}");
    let forced = migrate(&from, &to, true);
    assert!(forced.status.success(), "{}", String::from_utf8_lossy(&forced.stderr));
    let report: serde_json::Value = serde_json::from_slice(&forced.stdout).expect("migrate --json prints JSON");
    assert_eq!(report["copied_rows"], 15, "{report}");
    assert_eq!(report["tables"][0], serde_json::json!({"table": "tasks", "source": 4, "target": 4}));
    assert!(matches!(pg.get_task(next.id).await, Err(orch_core::Error::TaskNotFound(_))), "--force replaced the board");
}
