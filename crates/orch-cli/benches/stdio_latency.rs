//! Latency of each task tool through the real binary over stdio, at 1,000 and 100,000 tasks, plus spawn-to-initialize
//! time and idle memory. Run: `cargo bench -p orch-cli --bench stdio_latency` (optionally `-- 1000` for one size;
//! `-- next-only 10000 100000` for `get_next_task` alone on dense projects of those sizes).
//!
//! Each figure is the time from sending `tools/call` to receiving its result with rmcp's client, so it includes the
//! JSON-RPC round trip over pipes; the server runs in a release build on a fresh SQLite file, or, with
//! `BENCH_DATABASE_URL=postgres://…`, in a fresh schema of that PostgreSQL database.
#![allow(clippy::unwrap_used, missing_docs)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use orch_core::{NewTask, TaskId, TaskStore, validate};
use orch_store_sqlite::SqliteStore;
use rmcp::model::CallToolRequestParams;
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Value, json};
use tokio::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_task-orchestrator");
const PROJECTS: i64 = 10;

/// Deterministic pseudo-random numbers (no extra dependency, same sequence every run).
struct Lcg(u64);
impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

async fn populate(path: &std::path::Path, n: usize) {
    let store = open_store(path).await;
    let mut rng = Lcg(7);
    let batch = 1_000;
    for start in (0..n).step_by(batch) {
        let project = format!("project-{}", (start / batch) as i64 % PROJECTS);
        let tasks: Vec<NewTask> = (0..batch.min(n - start))
            .map(|i| NewTask {
                project_id: Some(project.clone()),
                title: format!("Task {} implement the {} endpoint", start + i, i % 97),
                description: Some("Benchmark task with a realistic amount of descriptive text.".into()),
                priority: (i % 5) as u8,
                // Chains inside each batch: up to two prerequisites among the previous 20 tasks.
                dependencies: (0..2)
                    .filter(|_| i > 0)
                    .map(|_| TaskId(-(1 + rng.below(i.min(20) as u64) as i64 + (i as i64 - i.min(20) as i64))))
                    .collect(),
                tags: vec![["backend", "frontend", "infra", "docs"][i % 4].into(), format!("t{}", i % 13)],
                code_language: Some(["python", "typescript", "rust"][i % 3].into()),
                ..Default::default()
            })
            .collect();
        store.create_tasks(validate::new_task_batch(tasks).unwrap()).await.unwrap();
    }
}

/// The database URL for a bench database "at" `path`: the SQLite file, or a PostgreSQL schema named after it.
fn database_url(path: &std::path::Path) -> String {
    match std::env::var("BENCH_DATABASE_URL") {
        Ok(base) if base.starts_with("postgres") => {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            path.hash(&mut h);
            let sep = if base.contains('?') { '&' } else { '?' };
            format!("{base}{sep}schema=bench_{:016x}", h.finish())
        }
        _ => format!("sqlite://{}", path.display()),
    }
}

async fn open_store(path: &std::path::Path) -> Arc<dyn TaskStore> {
    let url = database_url(path);
    if url.starts_with("postgres") {
        Arc::new(orch_store_postgres::PgStore::connect_url(&url).await.unwrap())
    } else {
        Arc::new(SqliteStore::open(path).unwrap())
    }
}

fn command(db: &std::path::Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", database_url(db))
        // The figures are for the board alone; the bench links made-up hashes no repository has.
        .env("TASK_ORCHESTRATOR_GIT_REPO", "off")
        .env("TASK_ORCHESTRATOR_LOG_LEVEL", "warn");
    cmd
}

async fn spawn(db: &std::path::Path) -> (RunningService<RoleClient, ()>, u32) {
    let (transport, _) = TokioChildProcess::builder(command(db)).stderr(std::process::Stdio::null()).spawn().unwrap();
    let pid = transport.id().unwrap();
    (().serve(transport).await.unwrap(), pid)
}

async fn call(c: &RunningService<RoleClient, ()>, name: &'static str, args: Value) -> Value {
    let r =
        c.call_tool(CallToolRequestParams::new(name).with_arguments(args.as_object().cloned().unwrap())).await.unwrap();
    assert_ne!(r.is_error, Some(true), "{name} failed: {:?}", r.content);
    r.structured_content.unwrap_or(Value::Null)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1000.0)
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

async fn measure<F, Fut>(rows: &mut Vec<String>, n: usize, name: &str, iterations: usize, mut f: F)
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for i in 0..iterations / 10 {
        f(i).await;
    }
    let mut samples = Vec::with_capacity(iterations);
    for i in 0..iterations {
        let t = Instant::now();
        f(iterations + i).await;
        samples.push(t.elapsed());
    }
    samples.sort();
    rows.push(format!(
        "| {n} | {name} | {} | {} | {} | {iterations} |",
        ms(percentile(&samples, 0.5)),
        ms(percentile(&samples, 0.99)),
        ms(*samples.last().unwrap())
    ));
}

async fn bench_size(n: usize, rows: &mut Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bench.db");
    let t = Instant::now();
    populate(&db, n).await;
    eprintln!("populated {n} tasks in {:.1}s", t.elapsed().as_secs_f64());
    let (client, pid) = spawn(&db).await;
    let ids = n as u64;
    let mut rng = Lcg(42);
    let mut pick = move || 1 + rng.below(ids) as i64;
    let picks: Vec<i64> = (0..4000).map(|_| pick()).collect();
    let c = &client;
    let picks = &picks;
    measure(rows, n, "get_task", 2000, |i| async move {
        call(c, "get_task", json!({"task_id": picks[i % picks.len()]})).await;
    })
    .await;
    measure(rows, n, "list_tasks (one page of 50, project filter)", 500, |i| async move {
        call(c, "list_tasks", json!({"project_id": format!("project-{}", i as i64 % PROJECTS)})).await;
    })
    .await;
    measure(rows, n, "list_tasks (status + tag filter)", 500, |i| async move {
        call(c, "list_tasks", json!({"status": "pending", "tags": [format!("t{}", i % 13)], "limit": 20})).await;
    })
    .await;
    measure(rows, n, "create_task (2 dependencies)", 1000, |i| async move {
        let deps = [picks[i % picks.len()], picks[(i + 1) % picks.len()]];
        let project = format!("project-{}", ((deps[0] - 1) / 1000) % PROJECTS);
        let other = format!("project-{}", ((deps[1] - 1) / 1000) % PROJECTS);
        let deps: Vec<i64> = if project == other { deps.to_vec() } else { vec![deps[0]] };
        call(c, "create_task", json!({"title": format!("new {i}"), "project_id": project, "dependencies": deps})).await;
    })
    .await;
    measure(rows, n, "update_task_status (pending <-> blocked)", 1000, |i| async move {
        let status = if (i / picks.len()).is_multiple_of(2) { "blocked" } else { "pending" };
        call(c, "update_task_status", json!({"task_id": picks[i % picks.len()], "status": status})).await;
    })
    .await;
    measure(rows, n, "update_task (priority, tags)", 1000, |i| async move {
        call(c, "update_task", json!({"task_id": picks[i % picks.len()], "priority": i % 5, "tags": ["bench"]})).await;
    })
    .await;
    measure(rows, n, "link_git_commit", 1000, |i| async move {
        call(c, "link_git_commit", json!({"task_id": picks[i % picks.len()], "commit_hash": format!("{i:012x}")}))
            .await;
    })
    .await;
    measure(rows, n, "get_task_graph (json, one project)", 50, |i| async move {
        call(c, "get_task_graph", json!({"project_id": format!("project-{}", i as i64 % PROJECTS)})).await;
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    rows.push(format!("| {n} | idle RSS after the run | {} MiB | | | |", rss_kib(pid) / 1024));
    client.cancel().await.ok();
}

/// One project of `n` tasks with `3n` dependency edges (each task depends on three earlier ones), a quarter done.
async fn populate_dense(path: &std::path::Path, n: usize) {
    let store = open_store(path).await;
    let mut rng = Lcg(11);
    let batch = 1_000;
    let mut created: Vec<TaskId> = Vec::new();
    for start in (0..n).step_by(batch) {
        let tasks: Vec<NewTask> = (0..batch.min(n - start))
            .map(|i| {
                let index = start + i;
                let mut deps: Vec<TaskId> = if index < 3 {
                    Vec::new()
                } else {
                    (0..3)
                        .map(|_| rng.below(index as u64) as usize)
                        .map(|j| if j >= start { TaskId(-((j - start) as i64) - 1) } else { created[j] })
                        .collect()
                };
                deps.sort();
                deps.dedup();
                NewTask {
                    project_id: Some("dense".into()),
                    title: format!("Task {index}"),
                    priority: (index % 5) as u8,
                    dependencies: deps,
                    tags: vec![["backend", "frontend", "infra", "docs"][index % 4].into()],
                    code_language: Some(["python", "typescript", "rust"][index % 3].into()),
                    estimated_hours: Some(1.0 + (index % 7) as f64),
                    ..Default::default()
                }
            })
            .collect();
        let made = store.create_tasks(validate::new_task_batch(tasks).unwrap()).await.unwrap();
        created.extend(made.iter().map(|t| t.id));
    }
    // Complete the first quarter so there is a frontier of ready tasks.
    for id in created.iter().take(n / 4) {
        store.set_status(*id, orch_core::Status::Completed, true).await.unwrap();
    }
}

async fn bench_next_task(n: usize, rows: &mut Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("dense.db");
    let t = Instant::now();
    populate_dense(&db, n).await;
    eprintln!("populated the dense project of {n} tasks in {:.1}s", t.elapsed().as_secs_f64());
    let (client, pid) = spawn(&db).await;
    let c = &client;
    let t = Instant::now();
    call(c, "get_next_task", json!({"project_id": "dense"})).await;
    rows.push(format!("| {n} | get_next_task, first call (reads the project) | {} | | | 1 |", ms(t.elapsed())));
    measure(rows, n, "get_next_task (one project, 3 edges per task)", 100, |_| async move {
        call(c, "get_next_task", json!({"project_id": "dense"})).await;
    })
    .await;
    measure(rows, n, "get_next_task (team of 4, 6 h today)", 100, |_| async move {
        call(c, "get_next_task", json!({"project_id": "dense", "available_developers": 4, "hours_available_today": 6}))
            .await;
    })
    .await;
    // Every claim writes, so each call follows a write: the cost of an agent claim loop.
    measure(rows, n, "get_next_task with claim (each call after a write)", 100, |i| async move {
        call(c, "get_next_task", json!({"project_id": "dense", "claim": true, "assignee": format!("agent-{i}")})).await;
    })
    .await;
    // A completion changes the graph figures (chains, critical path), unlike a claim: time the call after one.
    let mut samples = Vec::new();
    for i in 0..60 {
        let r = call(c, "get_next_task", json!({"project_id": "dense", "claim": true, "assignee": "finisher"})).await;
        let Some(id) = r.pointer("/claimedTask/id").and_then(Value::as_i64) else { break };
        call(c, "update_task_status", json!({"task_id": id, "status": "completed"})).await;
        let t = Instant::now();
        call(c, "get_next_task", json!({"project_id": "dense", "assignee": "finisher"})).await;
        if i >= 10 {
            samples.push(t.elapsed());
        }
    }
    samples.sort();
    if !samples.is_empty() {
        rows.push(format!(
            "| {n} | get_next_task right after a completion | {} | {} | {} | {} |",
            ms(percentile(&samples, 0.5)),
            ms(percentile(&samples, 0.99)),
            ms(*samples.last().unwrap()),
            samples.len()
        ));
    }
    rows.push(format!("| {n} | server RSS after these calls | {:.1} MiB | | | |", rss_kib(pid) as f64 / 1024.0));
    client.cancel().await.ok();
}

async fn startup(rows: &mut Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("startup.db");
    populate(&db, 10).await;
    let mut samples = Vec::new();
    let mut rss = Vec::new();
    for _ in 0..30 {
        let t = Instant::now();
        let (c, pid) = spawn(&db).await;
        samples.push(t.elapsed());
        tokio::time::sleep(Duration::from_millis(100)).await;
        rss.push(rss_kib(pid));
        c.cancel().await.ok();
    }
    samples.sort();
    rss.sort();
    rows.push(format!(
        "| - | spawn to initialize answered | {} | {} | {} | 30 |",
        ms(percentile(&samples, 0.5)),
        ms(percentile(&samples, 0.99)),
        ms(*samples.last().unwrap())
    ));
    rows.push(format!("| - | idle RSS after initialize | {:.1} MiB | | | 30 |", rss[rss.len() / 2] as f64 / 1024.0));
}

fn main() {
    // `cargo bench` passes `--bench`; numeric arguments choose the sizes.
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let next_only = std::env::args().any(|a| a == "next-only");
    // `next-only` takes the dense project's sizes (default 10,000); otherwise the sizes are the board's.
    let (next_sizes, sizes) = match (next_only, sizes.is_empty()) {
        (true, true) => (vec![10_000], Vec::new()),
        (true, false) => (sizes, Vec::new()),
        (false, true) => (vec![10_000], vec![1_000, 100_000]),
        (false, false) => (vec![10_000], sizes),
    };
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let mut rows = vec![
        "| tasks | operation | median ms | p99 ms | max ms | calls |".to_string(),
        "|---:|---|---:|---:|---:|---:|".to_string(),
    ];
    rt.block_on(async {
        startup(&mut rows).await;
        for n in next_sizes {
            bench_next_task(n, &mut rows).await;
        }
        for n in sizes {
            bench_size(n, &mut rows).await;
        }
    });
    println!("{}", rows.join("\n"));
}
