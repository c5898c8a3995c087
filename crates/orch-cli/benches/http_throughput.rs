//! Throughput and latency of `get_task` over Streamable HTTP with 32 concurrent clients, in session and stateless
//! modes, against the real binary on loopback.
//!
//! Run: `cargo bench -p orch-cli --bench http_throughput` (optionally `-- SECONDS CLIENTS`, default 10 and 32).
//! Each client is an rmcp Streamable HTTP client with its own connection (and, in session mode, its own session),
//! calling `get_task` on random ids among 1,000 tasks back to back. Latency is send-to-result at the client, so it
//! includes the HTTP round trip; the clients run on the same machine as the server and share its cores.
#![allow(clippy::unwrap_used, missing_docs)]

use std::net::SocketAddr;
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

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn run(stateless: bool, seconds: u64, clients: usize) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tasks.db");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let mut cmd = Command::new(BIN);
    cmd.args(["serve", "--http", &addr.to_string()])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("TASK_ORCHESTRATOR_LOG_LEVEL", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true);
    if stateless {
        cmd.arg("--stateless");
    }
    let mut child = cmd.spawn().unwrap();
    while tokio::net::TcpStream::connect(addr).await.is_err() {
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
    for _ in 0..clients {
        sessions.push(Arc::new(client(&url).await));
    }
    // Warm-up: connections, SQLite page cache, allocator.
    let warm_until = Instant::now() + Duration::from_secs(2);
    let stop_at = warm_until + Duration::from_secs(seconds);
    let load_before = load_average();
    let mut handles = Vec::new();
    for (i, c) in sessions.iter().enumerate() {
        let c = c.clone();
        handles.push(tokio::spawn(async move {
            let mut rng = Lcg(i as u64 + 1);
            let mut latencies = Vec::with_capacity(100_000);
            loop {
                let now = Instant::now();
                if now >= stop_at {
                    break;
                }
                let id = 1 + rng.below(TASKS as u64) as i64;
                get_task(&c, id).await;
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
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    println!(
        "get_task over Streamable HTTP, {} cores, {TASKS} tasks",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    rt.block_on(run(false, seconds, clients));
    rt.block_on(run(true, seconds, clients));
}
