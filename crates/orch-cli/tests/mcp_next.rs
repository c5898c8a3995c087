//! End-to-end: get_next_task selection, constraints, team plans and atomic claims across server processes.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::collections::BTreeSet;

use common::start;
use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use serde_json::{Value, json};

#[tokio::test]
async fn selection_explains_and_respects_constraints() {
    let s = start().await;
    let empty = s.call("get_next_task", json!({"project_id": "p"})).await;
    assert!(empty["selection"]["selectedTask"].is_null());
    assert!(empty["message"].as_str().unwrap().to_lowercase().contains("no task"), "{empty}");

    // 1 unblocks the priority-4 task 2; 3 is a low-priority loner; 4 is tagged "waiting".
    s.call("create_task", json!({"title": "schema", "project_id": "p", "priority": 1, "estimated_hours": 2})).await;
    s.call(
        "create_task",
        json!({"title": "api", "project_id": "p", "priority": 4, "dependencies": [1], "estimated_hours": 3}),
    )
    .await;
    s.call(
        "create_task",
        json!({"title": "readme", "project_id": "p", "priority": 1, "tags": ["docs"], "estimated_hours": 1}),
    )
    .await;
    s.call(
        "create_task",
        json!({"title": "vendor sync", "project_id": "p", "priority": 3, "tags": ["waiting"], "estimated_hours": 20}),
    )
    .await;
    let r = s.call("get_next_task", json!({"project_id": "p"})).await;
    let sel = &r["selection"];
    let selected = sel["selectedTask"]["id"].as_i64().unwrap();
    assert_ne!(selected, 2, "a task with unfinished dependencies is never selected");
    assert!(sel["selectedTask"]["overallScore"].is_number());
    let p = sel["selectedTask"]["successProbability"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&p));
    assert!(!sel["reasoning"]["primaryReason"].as_str().unwrap().is_empty());
    assert!(sel["alternatives"].as_array().unwrap().iter().all(|a| a["overallScore"].is_number() && a["id"] != 2));

    let ids = |r: &Value| -> BTreeSet<i64> {
        let sel = &r["selection"];
        sel["selectedTask"]["id"]
            .as_i64()
            .into_iter()
            .chain(sel["alternatives"].as_array().unwrap().iter().map(|a| a["id"].as_i64().unwrap()))
            .collect()
    };
    let no_waiting = s.call("get_next_task", json!({"project_id": "p", "excluded_tags": ["waiting"]})).await;
    assert!(!ids(&no_waiting).contains(&4));
    let docs_only = s.call("get_next_task", json!({"project_id": "p", "required_tags": ["docs"]})).await;
    assert_eq!(ids(&docs_only), BTreeSet::from([3]));
    let short = s.call("get_next_task", json!({"project_id": "p", "max_estimated_hours": 5})).await;
    assert!(!ids(&short).contains(&4));
    let big = s.call("get_next_task", json!({"project_id": "p", "min_estimated_hours": 10})).await;
    assert_eq!(ids(&big), BTreeSet::from([4]));
    let urgent = s.call("get_next_task", json!({"project_id": "p", "priority_threshold": 3})).await;
    assert_eq!(ids(&urgent), BTreeSet::from([4]));

    let team = s
        .call("get_next_task", json!({"project_id": "p", "available_developers": 3, "hours_available_today": 8}))
        .await;
    let plan = team["selection"]["teamPlan"].clone();
    assert!(plan.is_object(), "{team}");

    for (args, needle) in [
        (json!({}), "project_id"),
        (json!({"project_id": "p", "claim": true}), "assignee"),
        (json!({"project_id": "p", "max_complexity": -1}), "max_complexity"),
        (json!({"project_id": "p", "hours_available_today": 0}), "hours_available_today"),
        (json!({"project_id": "p", "priority_threshold": 9}), "priority_threshold"),
    ] {
        let e = s.call_err("get_next_task", args.clone()).await;
        assert!(e.contains(needle), "{args}: {e}");
    }

    let claimed = s.call("get_next_task", json!({"project_id": "p", "claim": true, "assignee": "agent-a"})).await;
    let task = &claimed["claimed_task"];
    assert_eq!(task["status"], "in_progress");
    assert_eq!(task["assignee"], "agent-a");
    let after = s.call("get_next_task", json!({"project_id": "p"})).await;
    assert!(!ids(&after).contains(&task["id"].as_i64().unwrap()), "a claimed task is not offered again");
    s.call("update_task_status", json!({"task_id": task["id"], "status": "pending"})).await;
    let released = s.call("get_task", json!({"task_id": task["id"]})).await;
    assert!(released["task"].get("assignee").is_none(), "back to pending releases the claim");
    s.stop().await;
}

/// 8 agents on two server processes sharing one SQLite file claim at once: every task goes to exactly one agent.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_claims_across_two_processes_never_collide() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shared.db");
    let spawn = || async {
        let mut cmd = common::command(&db);
        cmd.arg("serve");
        let (transport, _) =
            rmcp::transport::TokioChildProcess::builder(cmd).stderr(std::process::Stdio::null()).spawn().unwrap();
        ().serve(transport).await.unwrap()
    };
    let (a, b) = (spawn().await, spawn().await);
    for i in 0..6 {
        let args = json!({"title": format!("t{i}"), "project_id": "race"}).as_object().cloned().unwrap();
        a.call_tool(CallToolRequestParams::new("create_task").with_arguments(args)).await.unwrap();
    }
    async fn claim(client: &rmcp::service::RunningService<rmcp::RoleClient, ()>, agent: usize) -> Option<i64> {
        let args = json!({"project_id": "race", "claim": true, "assignee": format!("agent-{agent}")});
        let r = client
            .call_tool(CallToolRequestParams::new("get_next_task").with_arguments(args.as_object().cloned().unwrap()))
            .await
            .unwrap();
        assert_ne!(r.is_error, Some(true), "{:?}", r.content);
        r.structured_content.unwrap()["claimed_task"]["id"].as_i64()
    }
    let results =
        futures::future::join_all((0..8).map(|agent| claim(if agent % 2 == 0 { &a } else { &b }, agent))).await;
    let claimed: Vec<i64> = results.into_iter().flatten().collect();
    let distinct: BTreeSet<i64> = claimed.iter().copied().collect();
    assert_eq!(claimed.len(), 6, "6 tasks, 8 agents: 6 claims succeed ({claimed:?})");
    assert_eq!(distinct.len(), 6, "no task handed out twice ({claimed:?})");
    a.cancel().await.ok();
    b.cancel().await.ok();
}
