//! What an agent pays in context: bytes of `tools/list` and of a typical call of every tool, through the real binary
//! over stdio with rmcp's client; and the size and server memory of `get_task_graph` on large boards.
//!
//! Run: `cargo bench -p orch-cli --bench context_cost` (bytes on a seeded board of 200 tasks, then the graph at
//! 1,000, 10,000 and 100,000 tasks); `-- bytes` or `-- graph` for one part, numbers choose the graph sizes. Byte
//! counts do not depend on the build profile, so `cargo test -p orch-cli --bench context_cost -- bytes` gives the same
//! figures from a debug build; `CONTEXT_COST_BIN=path` measures another binary. A result's size is its structured content as compact JSON (the text content repeats it
//! for clients without structured output).
#![allow(clippy::unwrap_used, missing_docs)]

use std::time::Duration;

use orch_core::{NewTask, TaskId, TaskStore, validate};
use orch_store_sqlite::SqliteStore;
use rmcp::model::CallToolRequestParams;
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Value, json};
use tokio::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_task-orchestrator");

/// How far the server's RSS may stay above its level before the default graph calls (100 tasks each). The `limit`
/// 10,000 call is reported beside it: it holds 10,000 whole tasks while it runs, bounded by the limit, not the board.
const GRAPH_RSS_GROWTH_MIB: f64 = 8.0;

/// Seeds `n` tasks in project `board`: chains of ten (each depends on the one before), realistic text, four tags.
async fn seed(path: &std::path::Path, n: usize) {
    let store = SqliteStore::open(path).unwrap();
    let mut created: Vec<TaskId> = Vec::with_capacity(n);
    for start in (0..n).step_by(1_000) {
        let tasks: Vec<NewTask> = (start..n.min(start + 1_000))
            .map(|i| NewTask {
                project_id: Some("board".into()),
                title: format!(
                    "Implement the {} endpoint for the {} service",
                    i % 97,
                    ["auth", "billing", "search"][i % 3]
                ),
                description: Some(
                    "Add the handler, validate the input, store the result and cover the error cases with tests so \
                     the endpoint behaves like the others in the service."
                        .into(),
                ),
                details: Some("- handler\n- validation\n- tests for every error case".into()),
                priority: (i % 5) as u8,
                dependencies: match i % 10 {
                    0 => Vec::new(),
                    _ if i > start => vec![TaskId(-((i - 1 - start) as i64) - 1)],
                    _ => vec![created[i - 1]],
                },
                tags: vec![["backend", "frontend", "infra", "docs"][i % 4].into(), format!("area-{}", i % 7)],
                code_language: Some(["python", "typescript", "rust"][i % 3].into()),
                task_type: Some("implementation".into()),
                estimated_hours: Some(1.0 + (i % 6) as f64),
                ..Default::default()
            })
            .collect();
        let made = store.create_tasks(validate::new_task_batch(tasks).unwrap()).await.unwrap();
        created.extend(made.iter().map(|t| t.id));
    }
    // A fifth done, so selection has history and a frontier.
    for id in created.iter().step_by(5) {
        store.set_status(*id, orch_core::Status::Completed, true).await.unwrap();
    }
}

async fn spawn(db: &std::path::Path) -> (RunningService<RoleClient, ()>, u32) {
    // CONTEXT_COST_BIN measures another build (e.g. the previous release) with the same calls.
    let mut cmd = Command::new(std::env::var("CONTEXT_COST_BIN").unwrap_or_else(|_| BIN.to_string()));
    cmd.arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("TASK_DB_PATH", db)
        .env("TASK_ORCHESTRATOR_GIT_REPO", "off")
        .env("TASK_ORCHESTRATOR_LOG_LEVEL", "warn");
    let (transport, _) = TokioChildProcess::builder(cmd).stderr(std::process::Stdio::null()).spawn().unwrap();
    let pid = transport.id().unwrap();
    (().serve(transport).await.unwrap(), pid)
}

/// The call's structured result (or its error text) and its size as compact JSON.
async fn call(c: &RunningService<RoleClient, ()>, name: &str, args: Value) -> (Value, usize) {
    let r = c
        .call_tool(CallToolRequestParams::new(name.to_string()).with_arguments(args.as_object().cloned().unwrap()))
        .await
        .unwrap();
    if r.is_error == Some(true) {
        eprintln!("{name} {args}: error {:?}", r.content);
    }
    let value = r.structured_content.clone().unwrap_or_else(|| serde_json::to_value(&r.content).unwrap());
    let size = serde_json::to_string(&value).unwrap().len();
    (value, size)
}

fn kb(bytes: usize) -> String {
    format!("{:.1} KB", bytes as f64 / 1000.0)
}

fn compact_len(v: &Value) -> usize {
    serde_json::to_string(v).unwrap().len()
}

async fn bytes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("board.db");
    seed(&db, 200).await;
    let (c, _) = spawn(&db).await;
    let tools = c.list_all_tools().await.unwrap();
    let tools: Vec<Value> = tools.iter().map(|t| serde_json::to_value(t).unwrap()).collect();
    let visible: usize = tools
        .iter()
        .map(|t| {
            compact_len(&json!({"name": t["name"], "description": t["description"], "inputSchema": t["inputSchema"]}))
        })
        .sum();
    let output: usize = tools.iter().map(|t| compact_len(&t["outputSchema"])).sum();
    let all = compact_len(&Value::Array(tools.clone()));
    println!("| tool | all | name, description, inputSchema | outputSchema |\n|---|---:|---:|---:|");
    let mut per_tool: Vec<(usize, String)> = tools
        .iter()
        .map(|t| {
            let vis = compact_len(
                &json!({"name": t["name"], "description": t["description"], "inputSchema": t["inputSchema"]}),
            );
            let line = format!(
                "| {} | {} | {} | {} |",
                t["name"].as_str().unwrap_or("?"),
                compact_len(t),
                vis,
                compact_len(&t["outputSchema"])
            );
            (compact_len(t), line)
        })
        .collect();
    per_tool.sort_by_key(|(size, _)| std::cmp::Reverse(*size));
    per_tool.iter().for_each(|(_, line)| println!("{line}"));
    println!("\n| call | bytes |\n|---|---:|");
    println!("| tools/list, all {} tools | {} |", tools.len(), kb(all));
    println!("| – name, description, inputSchema | {} |", kb(visible));
    println!("| – outputSchema | {} |", kb(output));
    let mut sizes = vec![("tools/list", all), ("tools/list model-visible", visible)];

    let prd = "# Shop\n\n## Features\n\n### Cart\nUsers add items to a cart.\n\n- [ ] items persist across \
               sessions\n\n### Checkout\nDepends on Cart. Users pay by card.\n\n- [ ] card declined shows an error\n";
    let board = r#"{"tasks":[{"id":1,"title":"Set up","status":"done","dependencies":[]},{"id":2,"title":"Build","status":"pending","dependencies":[1]}]}"#;
    let calls: Vec<(&str, &str, Value)> = vec![
        (
            "create_task",
            "title, description, 1 dependency, tags",
            json!({"title": "Add rate limiting", "description": "Limit each client to 100 requests a minute.", "project_id": "board", "dependencies": [2], "tags": ["backend"]}),
        ),
        ("update_task", "priority and tags", json!({"task_id": 3, "priority": 4, "tags": ["backend", "urgent"]})),
        ("update_task_status", "start a ready task", json!({"task_id": 11, "status": "in_progress"})),
        ("get_task", "one task", json!({"task_id": 3})),
        ("list_tasks", "default page (50)", json!({})),
        ("list_tasks", "limit 500", json!({"limit": 500})),
        ("list_tasks", "with metrics, 10 rows", json!({"limit": 10, "include_metrics": true})),
        ("get_next_task", "default arguments", json!({"project_id": "board"})),
        (
            "get_next_task",
            "team of 3, 6 h today",
            json!({"project_id": "board", "available_developers": 3, "hours_available_today": 6}),
        ),
        ("get_task_graph", "json, default", json!({})),
        ("get_task_graph", "mermaid", json!({"format": "mermaid"})),
        ("link_git_commit", "a hash", json!({"task_id": 3, "commit_hash": "abc1234def"})),
        ("analyze_complexity", "one task", json!({"task_id": 3})),
        ("estimate_effort", "one task", json!({"task_id": 3})),
        ("expand_task", "offline planner", json!({"task_id": 4})),
        ("parse_prd", "two features", json!({"content": prd, "project_id": "shop"})),
        (
            "import_tasks",
            "two Task Master tasks",
            json!({"format": "taskmaster", "content": board, "project_id": "imported"}),
        ),
        ("execute_code", "bash echo", json!({"task_id": 3, "language": "bash", "code": "echo hello"})),
        ("delete_task", "a leaf", json!({"task_id": 200, "force": true})),
    ];
    for (name, what, args) in calls {
        let (_, size) = call(&c, name, args).await;
        println!("| {name} ({what}) | {} |", kb(size));
        if what.starts_with("default") {
            sizes.push((name, size));
        }
    }
    c.cancel().await.ok();
    let size_of = |key: &str| sizes.iter().find(|(k, _)| *k == key).map_or(usize::MAX, |(_, v)| *v);
    println!("\n| target (issue #13) | figure | holds |\n|---|---:|---|");
    for (what, key, limit) in [
        ("tools/list, all tools ≤ 24 KB", "tools/list", 24_000),
        ("model-visible part ≤ 10 KB", "tools/list model-visible", 10_000),
        ("list_tasks default page ≤ 8 KB", "list_tasks", 8_000),
        ("get_next_task default ≤ 3 KB", "get_next_task", 3_000),
    ] {
        let figure = size_of(key);
        println!("| {what} | {} | {} |", kb(figure), if figure <= limit { "yes" } else { "NO" });
    }
}

/// `key` (VmRSS: now, VmHWM: the peak so far) of process `pid`, in MiB.
fn mem_mib(pid: u32, key: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(key)).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse::<f64>().ok()))
        .unwrap_or(0.0)
        / 1024.0
}

async fn graph(n: usize) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("graph.db");
    seed(&db, n).await;
    let (c, pid) = spawn(&db).await;
    call(&c, "get_task", json!({"task_id": 1})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = mem_mib(pid, "VmRSS:");
    let mut sizes = Vec::new();
    // The default calls (100 tasks) first: what stays after them must not depend on the board's size.
    for args in [json!({}), json!({"format": "mermaid"})] {
        let (_, size) = call(&c, "get_task_graph", args).await;
        sizes.push(kb(size));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after_default = mem_mib(pid, "VmRSS:");
    let (_, size) = call(&c, "get_task_graph", json!({"limit": 10_000})).await;
    sizes.push(kb(size));
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (peak, after) = (mem_mib(pid, "VmHWM:"), mem_mib(pid, "VmRSS:"));
    // "Close to where it was": the reads are bounded by `limit`, so what stays must not grow with the board.
    let holds = if after_default - before <= GRAPH_RSS_GROWTH_MIB { "yes" } else { "NO" };
    println!(
        "| {n} | {} | {} | {} | {before:.0} MiB | {after_default:.0} MiB | {peak:.0} MiB | {after:.0} MiB | {holds} |",
        sizes[0], sizes[1], sizes[2]
    );
    c.cancel().await.ok();
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let only_bytes = args.iter().any(|a| a == "bytes");
    let only_graph = args.iter().any(|a| a == "graph");
    let mut sizes: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    if sizes.is_empty() {
        sizes = vec![1_000, 10_000, 100_000];
    }
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async {
        if !only_graph {
            bytes().await;
        }
        if !only_bytes {
            println!(
                "\n| tasks | graph json (default) | mermaid (default) | json, limit 10,000 | RSS before | RSS 2 s after the \
                 default calls | RSS peak | RSS 2 s after the limit 10,000 call | default calls: after ≤ before + \
                 {GRAPH_RSS_GROWTH_MIB} MiB |\n|---:|---:|---:|---:|---:|---:|---:|---:|---|"
            );
            for n in sizes {
                graph(n).await;
            }
        }
    });
}
