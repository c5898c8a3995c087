//! Store latency and claim throughput on PostgreSQL.
//!
//! `TEST_DATABASE_URL=postgres://… cargo bench -p orch-store-postgres --bench pg_store` (skipped with a note when the
//! variable is unset). Per board size (1,000 and 100,000 tasks) it prints the median and p95 of each operation, then
//! claims per second with 8 concurrent claimers spread over 3 separate pools (three replicas). Each run works in a
//! schema of its own, dropped at the end.
#![allow(clippy::unwrap_used, missing_docs)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use orch_core::{NewTask, Status, TaskFilter, TaskId, TaskQuery, TaskStore};
use orch_store_postgres::{PgConfig, PgStore};
use sqlx_core::connection::Connection;
use sqlx_core::executor::Executor;
use sqlx_core::sql_str::AssertSqlSafe;
use sqlx_postgres::PgConnection;

const SAMPLES: usize = 400;

fn stats(mut times: Vec<Duration>) -> (Duration, Duration) {
    times.sort();
    (times[times.len() / 2], times[times.len() * 95 / 100])
}

fn report(name: &str, times: Vec<Duration>) {
    let (median, p95) = stats(times);
    println!("  {name:<28} median {:>9.1} µs   p95 {:>9.1} µs", median.as_secs_f64() * 1e6, p95.as_secs_f64() * 1e6);
}

/// Fills the board through the bulk import: `n` tasks in 10 projects, every fifth depending on its predecessor.
async fn populate(store: &PgStore, n: usize) {
    let mut import = store.import_board(false).await.unwrap();
    let columns: Vec<String> =
        ["id", "project_id", "title", "status", "priority", "created_at", "updated_at"].map(String::from).to_vec();
    let at = "2025-01-01T00:00:00.000Z".to_string();
    let rows: Vec<Vec<Option<String>>> = (1..=n)
        .map(|i| {
            vec![
                Some(i.to_string()),
                Some(format!("p{}", i % 10)),
                Some(format!("task {i}: implement the thing number {i}")),
                Some("pending".into()),
                Some((i % 5).to_string()),
                Some(at.clone()),
                Some(at.clone()),
            ]
        })
        .collect();
    import.insert_rows("tasks", &columns, &rows).await.unwrap();
    let dep_cols: Vec<String> = vec!["task_id".into(), "depends_on_id".into()];
    let deps: Vec<Vec<Option<String>>> =
        (2..=n).filter(|i| i % 5 == 0).map(|i| vec![Some(i.to_string()), Some((i - 1).to_string())]).collect();
    import.insert_rows("task_dependencies", &dep_cols, &deps).await.unwrap();
    import.finish().await.unwrap();
}

async fn bench_size(url: &str, n: usize) {
    let schema = format!("orch_bench_{}_{n}", std::process::id());
    let config = PgConfig::from_url(url).unwrap().with_schema(&schema).unwrap();
    let store = PgStore::connect(config.clone()).await.unwrap();
    let started = Instant::now();
    populate(&store, n).await;
    {
        let mut c = PgConnection::connect(url).await.unwrap();
        c.execute(AssertSqlSafe(format!("ANALYZE \"{schema}\".tasks; ANALYZE \"{schema}\".task_dependencies")))
            .await
            .unwrap();
    }
    println!("{n} tasks (populated in {:.1} s):", started.elapsed().as_secs_f64());
    let mut rng = fastrand::Rng::with_seed(7);
    let id = |rng: &mut fastrand::Rng| TaskId(rng.i64(1..=n as i64));

    let mut t = Vec::new();
    for _ in 0..SAMPLES {
        let target = id(&mut rng);
        let s = Instant::now();
        store.get_task(target).await.unwrap();
        t.push(s.elapsed());
    }
    report("get_task", t);

    let mut t = Vec::new();
    for _ in 0..SAMPLES {
        let q = TaskQuery {
            filter: TaskFilter { project_id: Some(format!("p{}", rng.usize(0..10))), ..Default::default() },
            limit: 50,
            offset: rng.u64(0..(n as u64 / 10).saturating_sub(50).max(1)),
        };
        let s = Instant::now();
        store.list_tasks(&q).await.unwrap();
        t.push(s.elapsed());
    }
    report("list_tasks (50, by project)", t);

    let mut t = Vec::new();
    for i in 0..SAMPLES {
        let new = NewTask {
            title: format!("new {i}"),
            project_id: Some("p1".into()),
            dependencies: vec![id(&mut rng)].into_iter().filter(|d| d.0 % 10 == 1).collect(),
            tags: vec!["bench".into()],
            ..Default::default()
        };
        let s = Instant::now();
        store.create_task(new).await.unwrap();
        t.push(s.elapsed());
    }
    report("create_task", t);

    let mut t = Vec::new();
    for i in 0..SAMPLES {
        let target = id(&mut rng);
        let status = if i % 2 == 0 { Status::Blocked } else { Status::Pending };
        let s = Instant::now();
        store.set_status(target, status, false).await.unwrap();
        t.push(s.elapsed());
    }
    report("set_status", t);

    let mut t = Vec::new();
    let mut next = 1i64;
    for i in 0..SAMPLES {
        let candidates: Vec<TaskId> = (next..next + 20).map(TaskId).collect();
        next = if next + 40 > n as i64 { 1 } else { next + 20 };
        let s = Instant::now();
        store.claim_first(&candidates, &format!("agent-{i}")).await.unwrap();
        t.push(s.elapsed());
    }
    report("claim_first (20 candidates)", t);

    // Throughput: 8 claimers on 3 replicas, all drawing from one ranked window of pending tasks that moves on as it
    // empties (what get_next_task hands out), until 2,000 claims.
    let replicas: Vec<Arc<PgStore>> = vec![
        Arc::new(store.clone()),
        Arc::new(PgStore::connect(config.clone()).await.unwrap()),
        Arc::new(PgStore::connect(config.clone()).await.unwrap()),
    ];
    {
        let mut c = PgConnection::connect(url).await.unwrap();
        c.execute(AssertSqlSafe(format!(
            "UPDATE \"{schema}\".tasks SET status = 'pending', assignee = NULL, claimed_at = NULL"
        )))
        .await
        .unwrap();
    }
    let window_start = Arc::new(AtomicUsize::new(1));
    let claimed = Arc::new(AtomicUsize::new(0));
    // Four in five tasks are claimable (every fifth waits on its predecessor, which nobody completes here).
    let target = 2_000.min(n * 7 / 10);
    let s = Instant::now();
    let workers = (0..8).map(|agent| {
        let store = Arc::clone(&replicas[agent % 3]);
        let (window_start, claimed) = (Arc::clone(&window_start), Arc::clone(&claimed));
        tokio::spawn(async move {
            let name = format!("agent-{agent}");
            while claimed.load(Ordering::Relaxed) < target {
                let start = window_start.load(Ordering::Relaxed) as i64;
                if start > n as i64 {
                    break;
                }
                let window: Vec<TaskId> = (start..start + 32).map(TaskId).collect();
                match store.claim_first(&window, &name).await.unwrap() {
                    Some(_) => {
                        claimed.fetch_add(1, Ordering::Relaxed);
                    }
                    None => {
                        let _ = window_start.compare_exchange(
                            start as usize,
                            start as usize + 32,
                            Ordering::Relaxed,
                            Ordering::Relaxed,
                        );
                    }
                }
            }
        })
    });
    futures::future::join_all(workers).await.into_iter().for_each(|r| r.unwrap());
    let secs = s.elapsed().as_secs_f64();
    println!(
        "  claims/s, 8 claimers on 3 pools   {:>9.0}   ({} claims in {secs:.2} s)",
        claimed.load(Ordering::Relaxed) as f64 / secs,
        claimed.load(Ordering::Relaxed)
    );
    for r in &replicas {
        r.close().await;
    }
    let mut c = PgConnection::connect(url).await.unwrap();
    c.execute(AssertSqlSafe(format!("DROP SCHEMA \"{schema}\" CASCADE"))).await.unwrap();
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let Ok(url) = std::env::var("TEST_DATABASE_URL") else {
        eprintln!("note: set TEST_DATABASE_URL=postgres://… to run the PostgreSQL store benchmark");
        return;
    };
    // `cargo bench` passes --bench; `cargo test --benches` runs it with no arguments: keep that quick.
    let sizes: &[usize] = if std::env::args().any(|a| a == "--bench") { &[1_000, 100_000] } else { &[1_000] };
    for &n in sizes {
        bench_size(&url, n).await;
    }
}
