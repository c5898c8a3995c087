//! End-to-end: the real binary over stdio, driven by rmcp's client.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use common::start;
use serde_json::{Value, json};

#[tokio::test]
async fn server_identifies_itself_and_lists_the_tools() {
    let s = start().await;
    let info = s.client.peer_info().expect("server info");
    let server = info.server_info.clone().expect("serverInfo");
    assert_eq!(server.name, "task-orchestrator");
    assert_eq!(server.version, env!("CARGO_PKG_VERSION"));
    let tools = s.client.list_all_tools().await.unwrap();
    let mut listed = serde_json::to_value(&tools).unwrap();
    // The contract snapshot: any change to a tool's name, parameters, schema or annotations shows as a diff.
    insta::assert_json_snapshot!("tools_list", listed.take());
    for t in &tools {
        assert!(t.output_schema.is_some(), "{} has an outputSchema", t.name);
        assert!(t.description.as_deref().is_some_and(|d| !d.is_empty()), "{} has a description", t.name);
    }
    s.stop().await;
}

#[tokio::test]
async fn task_lifecycle_through_mcp() {
    let s = start().await;
    let a =
        s.call("create_task", json!({"title": "Design schema", "priority": 3, "tags": ["DB", "db", "backend"]})).await;
    assert_eq!(a["task"]["id"], 1);
    assert_eq!(a["task"]["project_id"], "default-project");
    assert_eq!(a["task"]["tags"], json!(["db", "backend"]));
    assert!(a["message"].as_str().unwrap().contains("Created task #1"));
    let b = s.call("create_task", json!({"title": "Build API", "dependencies": [1], "code_language": "ts"})).await;
    assert_eq!(b["task"]["dependencies"], json!([1]));
    assert_eq!(b["task"]["code_language"], "typescript");

    let blocked = s.call_err("update_task_status", json!({"task_id": 2, "status": "in_progress"})).await;
    assert!(blocked.contains("#1 \"Design schema\" (pending)") && blocked.contains("force"), "{blocked}");
    let forced = s.call("update_task_status", json!({"task_id": 2, "status": "in_progress", "force": true})).await;
    assert_eq!(forced["previous_status"], "pending");
    assert!(forced["task"]["started_at"].is_string());

    s.call("update_task_status", json!({"task_id": 1, "status": "in_progress"})).await;
    let done = s.call("update_task_status", json!({"task_id": 1, "status": "completed"})).await;
    assert!(done["task"]["completed_at"].is_string());
    let reopened = s.call("update_task_status", json!({"task_id": 1, "status": "pending"})).await;
    assert!(reopened["task"].get("completed_at").is_none(), "completed_at cleared on reopening");

    let cycle = s.call_err("update_task", json!({"task_id": 1, "add_dependencies": [2]})).await;
    assert!(cycle.contains("#1 -> #2 -> #1"), "{cycle}");
    let edited = s
        .call(
            "update_task",
            json!({"task_id": 2, "title": "Build REST API", "remove_dependencies": [1], "priority": 4}),
        )
        .await;
    assert_eq!(edited["task"]["dependencies"], json!([]));
    assert_eq!(edited["task"]["priority"], 4);

    let link = json!({"task_id": 2, "commit_hash": "ABCDEF0123456", "commit_message": "feat: api", "author": "dev"});
    let first = s.call("link_git_commit", link.clone()).await;
    assert_eq!(first["created"], true);
    let again = s.call("link_git_commit", link).await;
    assert_eq!(again["created"], false);
    let got = s.call("get_task", json!({"task_id": 2, "include_executions": true, "include_analysis": true})).await;
    assert_eq!(got["commits"][0]["commit_hash"], "abcdef0123456");
    assert_eq!(got["executions"], json!([]));
    assert_eq!(got["analysis"], json!([]));
    let plain = s.call("get_task", json!({"task_id": 2})).await;
    assert!(plain.get("executions").is_none());

    let listed = s.call("list_tasks", json!({"include_metrics": true, "limit": 1})).await;
    assert_eq!(listed["count"], 2);
    assert_eq!(listed["tasks"].as_array().unwrap().len(), 1);
    assert_eq!(listed["next_offset"], 1);
    assert_eq!(listed["metrics"]["by_status"]["in_progress"], 1);
    let ts = s.call("list_tasks", json!({"code_language": "typescript"})).await;
    assert_eq!(ts["count"], 1);

    s.call("update_task", json!({"task_id": 2, "add_dependencies": [1]})).await;
    let g = s.call("get_task_graph", json!({})).await;
    assert_eq!(g["edges"], json!([{"from": 1, "to": 2}]));
    assert_eq!(g["graph"]["nodes"].as_array().unwrap().len(), 2);
    let m = s.call("get_task_graph", json!({"format": "mermaid"})).await;
    assert!(m["graph"].as_str().unwrap().contains("t1 --> t2"));
    let d = s.call("get_task_graph", json!({"format": "dot", "project_id": "default-project"})).await;
    assert!(d["graph"].as_str().unwrap().starts_with("digraph"));

    let refused = s.call_err("delete_task", json!({"task_id": 1})).await;
    assert!(refused.contains("#2") && refused.contains("force"), "{refused}");
    let deleted = s.call("delete_task", json!({"task_id": 1, "force": true})).await;
    assert_eq!(deleted["deleted"], json!([1]));
    assert_eq!(deleted["detached_dependents"], json!([2]));
    let after = s.call("get_task", json!({"task_id": 2})).await;
    assert_eq!(after["task"]["dependencies"], json!([]));
    s.stop().await;
}

/// Every invalid input is a tool result with `isError: true`, a message naming the problem, and no change.
#[tokio::test]
async fn bad_input_matrix() {
    let s = start().await;
    s.call("create_task", json!({"title": "exists", "project_id": "p1"})).await;
    s.call("create_task", json!({"title": "other project", "project_id": "p2"})).await;
    let long_title = "x".repeat(501);
    let huge = "y".repeat(70_000);
    let cases: Vec<(&str, Value, &str)> = vec![
        ("create_task", json!({}), "title"),
        ("create_task", json!({"title": "   "}), "title"),
        ("create_task", json!({"title": 42}), "invalid type"),
        ("create_task", json!({"title": long_title}), "limit is 500"),
        ("create_task", json!({"title": "t", "description": huge}), "description"),
        ("create_task", json!({"title": "t", "priority": 5}), "0 (lowest) to 4 (highest)"),
        ("create_task", json!({"title": "t", "priority": -1}), "priority"),
        ("create_task", json!({"title": "t", "priority": "high"}), "invalid type"),
        ("create_task", json!({"title": "t", "dependencies": [999]}), "#999"),
        ("create_task", json!({"title": "t", "project_id": "p1", "dependencies": [2]}), "do not exist in project 'p1'"),
        ("create_task", json!({"title": "t", "dependencies": [0]}), "positive"),
        ("create_task", json!({"title": "t", "dependencies": "1"}), "invalid type"),
        ("create_task", json!({"title": "t", "parent_id": 999}), "#999"),
        ("create_task", json!({"title": "t", "code_language": "rm -rf"}), "language"),
        ("create_task", json!({"title": "t", "project_id": " "}), "project_id"),
        ("create_task", json!({"title": "t", "estimated_hours": -3}), "estimated_hours"),
        ("create_task", json!({"title": "t", "bogus": 1}), "unknown field"),
        ("update_task_status", json!({"task_id": 1, "status": "done"}), "unknown variant"),
        ("update_task_status", json!({"task_id": 999, "status": "completed"}), "#999 does not exist"),
        ("update_task_status", json!({"status": "completed"}), "task_id"),
        ("update_task", json!({"task_id": 1}), "nothing to change"),
        ("update_task", json!({"task_id": 1, "title": ""}), "title"),
        ("update_task", json!({"task_id": 1, "add_dependencies": [1]}), "cycle"),
        ("update_task", json!({"task_id": 1, "add_dependencies": [2]}), "do not exist in project 'p1'"),
        ("update_task", json!({"task_id": 999, "title": "x"}), "#999 does not exist"),
        ("get_task", json!({"task_id": 999}), "#999 does not exist"),
        ("get_task", json!({"task_id": "one"}), "invalid type"),
        ("list_tasks", json!({"limit": 0}), "limit"),
        ("list_tasks", json!({"limit": 501}), "limit"),
        ("list_tasks", json!({"status": "finished"}), "unknown variant"),
        ("delete_task", json!({"task_id": 999}), "#999 does not exist"),
        ("get_task_graph", json!({"format": "svg"}), "unknown variant"),
        ("link_git_commit", json!({"task_id": 1, "commit_hash": "xyz"}), "7 to 64 hexadecimal"),
        ("link_git_commit", json!({"task_id": 1, "commit_hash": "abc12"}), "7 to 64 hexadecimal"),
        ("link_git_commit", json!({"task_id": 999, "commit_hash": "abcdef1"}), "#999 does not exist"),
    ];
    let before = s.call("list_tasks", json!({"include_metrics": true})).await;
    for (tool, args, needle) in cases {
        let message = s.call_err(tool, args.clone()).await;
        assert!(message.contains(needle), "{tool} {args}: message {message:?} should mention {needle:?}");
    }
    let after = s.call("list_tasks", json!({"include_metrics": true})).await;
    assert_eq!(before, after, "refused calls changed nothing");
    let commits = s.call("get_task", json!({"task_id": 1})).await;
    assert_eq!(commits["commits"], json!([]));
    s.stop().await;
}

#[tokio::test]
async fn unknown_tool_is_a_protocol_error() {
    let s = start().await;
    let err = s
        .client
        .call_tool(rmcp::model::CallToolRequestParams::new("no_such_tool"))
        .await
        .expect_err("unknown tool must be a JSON-RPC error");
    assert!(err.to_string().contains("tool not found"), "{err}");
    s.stop().await;
}

#[tokio::test]
async fn data_survives_a_restart() {
    let s = start().await;
    s.call("create_task", json!({"title": "persist me"})).await;
    let dir = s.dir.path().to_path_buf();
    s.client.cancel().await.ok();
    let mut cmd = common::command(&dir.join("tasks.db"));
    cmd.arg("serve");
    let (transport, _) =
        rmcp::transport::TokioChildProcess::builder(cmd).stderr(std::process::Stdio::null()).spawn().unwrap();
    let client = rmcp::ServiceExt::serve((), transport).await.unwrap();
    let r = client
        .call_tool(
            rmcp::model::CallToolRequestParams::new("get_task")
                .with_arguments(json!({"task_id": 1}).as_object().cloned().unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(r.structured_content.unwrap()["task"]["title"], "persist me");
    client.cancel().await.ok();
}
