//! Three stateless HTTP replicas on one PostgreSQL database; 8 agents claim through different replicas at once.
//! Runs when `TEST_DATABASE_URL` is set (CI sets it); fails if it is set and unreachable.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::collections::BTreeSet;

use common::http::{Options, start};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_agents_on_three_replicas_never_share_a_task() {
    let Ok(base) = std::env::var("TEST_DATABASE_URL") else {
        eprintln!("skipped: TEST_DATABASE_URL is not set");
        return;
    };
    let schema = format!("replicas_{}_{}", std::process::id(), chrono_free_nanos());
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}schema={schema}");
    let options = || Options { stateless: true, env: vec![("DATABASE_URL".into(), url.clone())], ..Options::default() };
    let replicas = vec![start(options()).await, start(options()).await, start(options()).await];
    let clients = futures::future::join_all(replicas.iter().map(|r| r.client(None))).await;
    for i in 0..12 {
        clients[i % 3].call("create_task", json!({"title": format!("t{i}"), "project_id": "race"})).await;
    }
    for round in 0..3 {
        let claims = (0..8).map(|agent| {
            let client = &clients[agent % 3];
            async move {
                let r = client
                    .call(
                        "get_next_task",
                        json!({"project_id": "race", "claim": true, "assignee": format!("agent-{agent}")}),
                    )
                    .await;
                r["claimed_task"]["id"].as_i64()
            }
        });
        let claimed: Vec<i64> = futures::future::join_all(claims).await.into_iter().flatten().collect();
        let distinct: BTreeSet<i64> = claimed.iter().copied().collect();
        let expected = if round < 1 { 8 } else { 12usize.saturating_sub(8 * round).min(8) };
        assert_eq!(claimed.len(), expected, "round {round}: {claimed:?}");
        assert_eq!(distinct.len(), claimed.len(), "round {round}: a task was handed out twice: {claimed:?}");
        // Everything claimed is in progress, with the claimer recorded, whichever replica is asked.
        for id in &claimed {
            let t = clients[(*id as usize) % 3].call("get_task", json!({"task_id": id})).await;
            assert_eq!(t["task"]["status"], "in_progress");
            assert!(t["task"]["assignee"].as_str().unwrap().starts_with("agent-"));
        }
    }
    let listed = clients[1].call("list_tasks", json!({"project_id": "race", "status": "in_progress"})).await;
    assert_eq!(listed["count"], 12, "every task claimed exactly once across the rounds");
    for r in replicas {
        r.stop().await;
    }
}

fn chrono_free_nanos() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
}
