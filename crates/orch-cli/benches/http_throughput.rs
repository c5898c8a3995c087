//! Throughput and latency of `get_task` over Streamable HTTP with 32 concurrent clients, in session and stateless
//! modes, against the real binary on loopback.
//!
//! Run: `cargo bench -p orch-cli --bench http_throughput` (optionally `-- SECONDS CLIENTS`, default 10 and 32).
//! With two or more cores and `taskset` installed, the server is pinned to CPU 0 and this process (the load) to
//! CPU 1, so the clients do not take the server's core (`HTTP_BENCH_PIN=0` turns that off).
//! Session mode: each client is an rmcp Streamable HTTP client with its own connection and session. Stateless mode:
//! each client is a plain HTTP/1.1 connection posting the JSON-RPC `tools/call` (what a load balancer's clients
//! send; no handshake is needed), so the load generator costs little next to the server. Every answer is checked
//! (`isError` false). Clients call `get_task` on random ids among 1,000 tasks back to back; latency is
//! send-to-result at the client, HTTP round trip included.
#![allow(clippy::unwrap_used, missing_docs)]

use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rmcp::model::CallToolRequestParams;
use rmcp::service::RunningService;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{RoleClient, ServiceExt};
use serde_json::json;
use tokio::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_task-orchestrator");
const TASKS: i64 = 1_000;
const SERVER_CPU: &str = "0";
const LOAD_CPU: &str = "1";

struct Lcg(u64);
impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

async fn client(url: &str) -> RunningService<RoleClient, ()> {
    ().serve(StreamableHttpClientTransport::from_config(StreamableHttpClientTransportConfig::with_uri(url.to_string())))
        .await
        .unwrap()
}

async fn get_task(c: &RunningService<RoleClient, ()>, id: i64) {
    let args = json!({"task_id": id}).as_object().cloned().unwrap();
    let r = c.call_tool(CallToolRequestParams::new("get_task").with_arguments(args)).await.unwrap();
    assert_ne!(r.is_error, Some(true), "get_task {id} failed: {:?}", r.content);
}

/// One stateless `tools/call get_task` over a kept-alive connection, its answer checked.
async fn get_task_stateless(http: &reqwest::Client, url: &str, call: u64, id: i64) {
    let body = format!(
        r#"{{"jsonrpc":"2.0","id":{call},"method":"tools/call","params":{{"name":"get_task","arguments":{{"task_id":{id}}}}}}}"#
    );
    let response = http
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-06-18")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "get_task {id}");
    let answer: serde_json::Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert_eq!(answer["result"]["isError"], json!(false), "get_task {id} failed: {answer}");
    assert_eq!(answer["result"]["structuredContent"]["task"]["id"], json!(id));
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Pins this process (the load generator; threads started later inherit it) to `LOAD_CPU`, so the server gets
/// `SERVER_CPU` to itself. `false` when pinning is off or impossible.
fn pin_load() -> bool {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores < 2 || std::env::var("HTTP_BENCH_PIN").is_ok_and(|v| v == "0") {
        return false;
    }
    let pid = std::process::id().to_string();
    std::process::Command::new("taskset")
        .args(["-p", "-c", LOAD_CPU, &pid])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

async fn run(stateless: bool, seconds: u64, clients: usize, pinned: bool) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tasks.db");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let mut cmd = if pinned {
        let mut c = Command::new("taskset");
        c.args(["-c", SERVER_CPU, BIN]);
        c
    } else {
        Command::new(BIN)
    };
    // The server logs at its default level (info), as operators run it.
    cmd.args(["serve", "--http", &addr.to_string()])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    if stateless {
        cmd.arg("--stateless");
    }
    let mut child = cmd.spawn().unwrap();
    let http = reqwest::Client::builder().pool_max_idle_per_host(clients).build().unwrap();
    let health = format!("http://{addr}/healthz");
    while !http.get(&health).send().await.is_ok_and(|r| r.status().is_success()) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let url = format!("http://{addr}/mcp");
    let setup = client(&url).await;
    for i in 0..TASKS {
        let args =
            json!({"title": format!("bench task {i}"), "description": "a task with some text", "tags": ["bench"]});
        setup
            .call_tool(CallToolRequestParams::new("create_task").with_arguments(args.as_object().cloned().unwrap()))
            .await
            .unwrap();
    }
    setup.cancel().await.ok();

    let mut sessions = Vec::new();
    if !stateless {
        for _ in 0..clients {
            sessions.push(Arc::new(client(&url).await));
        }
    }
    // Warm-up: connections, SQLite page cache, allocator.
    let warm_until = Instant::now() + Duration::from_secs(2);
    let stop_at = warm_until + Duration::from_secs(seconds);
    let load_before = load_average();
    let mut handles = Vec::new();
    for i in 0..clients {
        let session = sessions.get(i).cloned();
        let (http, url) = (http.clone(), url.clone());
        handles.push(tokio::spawn(async move {
            let mut rng = Lcg(i as u64 + 1);
            let mut latencies = Vec::with_capacity(100_000);
            let mut call = 0;
            loop {
                let now = Instant::now();
                if now >= stop_at {
                    break;
                }
                let id = 1 + rng.below(TASKS as u64) as i64;
                call += 1;
                match &session {
                    Some(c) => get_task(c, id).await,
                    None => get_task_stateless(&http, &url, call, id).await,
                }
                if now >= warm_until {
                    latencies.push(now.elapsed());
                }
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.unwrap());
    }
    let load_after = load_average();
    all.sort();
    let rate = all.len() as f64 / seconds as f64;
    println!(
        "{:<9} {clients} clients, {seconds} s: {:>8.0} calls/s  p50 {:>6.2} ms  p90 {:>6.2} ms  p99 {:>6.2} ms  max {:>7.2} ms  ({} calls; load average before {load_before}, after {load_after})",
        if stateless { "stateless" } else { "session" },
        rate,
        percentile(&all, 0.50).as_secs_f64() * 1e3,
        percentile(&all, 0.90).as_secs_f64() * 1e3,
        percentile(&all, 0.99).as_secs_f64() * 1e3,
        all.last().unwrap().as_secs_f64() * 1e3,
        all.len(),
    );
    for c in sessions {
        if let Ok(c) = Arc::try_unwrap(c) {
            c.cancel().await.ok();
        }
    }
    child.start_kill().ok();
    child.wait().await.ok();
}

fn main() {
    // `cargo bench` passes `--bench`; positional numbers are ours.
    let numbers: Vec<u64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let seconds = numbers.first().copied().unwrap_or(10);
    let clients = numbers.get(1).copied().unwrap_or(32) as usize;
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    // Before the runtime starts, so its threads inherit the pinning.
    let pinned = pin_load();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let placement = if pinned {
        format!("server on CPU {SERVER_CPU}, load on CPU {LOAD_CPU}")
    } else {
        "server and load share the cores".to_string()
    };
    println!("get_task over Streamable HTTP, {cores} cores ({placement}), {TASKS} tasks");
    rt.block_on(run(false, seconds, clients, pinned));
    rt.block_on(run(true, seconds, clients, pinned));
}
