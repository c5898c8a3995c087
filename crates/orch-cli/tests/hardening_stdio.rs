//! Hostile input over stdio, as raw bytes on the real binary's stdin: every malformed line is answered, the answer
//! names the problem, and the session (and the board) are unchanged afterwards.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use common::raw_stdio::RawStdio;
use serde_json::{Value, json};

fn error_of(response: &Value) -> (i64, Value, String) {
    let e = &response["error"];
    (
        e["code"].as_i64().unwrap_or_else(|| panic!("not an error: {response}")),
        response["id"].clone(),
        e["message"].as_str().unwrap().to_string(),
    )
}

#[tokio::test]
async fn unparsable_lines_get_a_parse_error_with_a_null_id_and_the_session_continues() {
    let mut s = RawStdio::start(&[]).await;
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let cases: Vec<Vec<u8>> = vec![
        br#"{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":"\x"}}"#.to_vec(),
        b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"a\":\"\x01\"}}".to_vec(),
        br#"{"jsonrpc":"2.0","id":1,"method":"#.to_vec(),
        b"\xff\xfe not utf-8".to_vec(),
        deep.into_bytes(),
        b"nonsense".to_vec(),
    ];
    for line in cases {
        let (code, id, message) = error_of(&s.exchange(&line).await);
        assert_eq!((code, &id), (-32700, &Value::Null), "{:.60}: {message}", String::from_utf8_lossy(&line));
        assert!(message.starts_with("Parse error"), "{message}");
        s.assert_alive().await;
    }
    let deep_message = error_of(&s.exchange(&format!("{}1{}", "[".repeat(200), "]".repeat(200)).into_bytes()).await).2;
    assert!(deep_message.contains("recursion limit"), "{deep_message}");
    s.call_ok("list_tasks", json!({})).await;
}

#[tokio::test]
async fn oversize_lines_are_answered_with_the_limit_and_skipped() {
    let mut s = RawStdio::start(&["--max-body-bytes", "65536"]).await;
    let big = format!(
        r#"{{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{{"name":"create_task","arguments":{{"title":"{}"}}}}}}"#,
        "x".repeat(100_000)
    );
    let (code, id, message) = error_of(&s.exchange(big.as_bytes()).await);
    assert_eq!((code, id), (-32600, Value::Null));
    assert!(message.contains("65536") && message.contains("--max-body-bytes"), "{message}");
    // 20 MiB, larger than rmcp's own 16 MiB line limit, which dropped such lines silently.
    let huge = vec![b'a'; 20 * 1024 * 1024];
    let (code, _, message) = error_of(&s.exchange(&huge).await);
    assert_eq!(code, -32600);
    assert!(message.contains(&(20 * 1024 * 1024).to_string()), "{message}");
    s.assert_alive().await;
    // Nothing of the refused call reached the board.
    assert_eq!(s.call_ok("list_tasks", json!({})).await["tasks"], json!([]));
}

#[tokio::test]
async fn invalid_requests_keep_their_id() {
    let mut s = RawStdio::start(&[]).await;
    for (line, id, needle) in [
        (r#"{"jsonrpc":"1.0","id":5,"method":"ping"}"#, json!(5), "jsonrpc"),
        (r#"{"id":"x","method":"ping"}"#, json!("x"), "jsonrpc"),
        (r#"{"jsonrpc":"2.0","id":6,"method":42}"#, json!(6), "method"),
        (r#"{"jsonrpc":"2.0","id":6}"#, json!(6), "method"),
        (r#"{"jsonrpc":"2.0","id":[1],"method":"ping"}"#, Value::Null, "id"),
        (r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#, Value::Null, "batch"),
        ("[]", Value::Null, "batch"),
        ("17", Value::Null, "object"),
    ] {
        let (code, got_id, message) = error_of(&s.exchange(line.as_bytes()).await);
        assert_eq!((code, &got_id), (-32600, &id), "{line}: {message}");
        assert!(message.contains(needle), "{line}: {message}");
    }
    s.assert_alive().await;
}

#[tokio::test]
async fn bad_tools_call_params_are_invalid_params_naming_the_field() {
    let mut s = RawStdio::start(&[]).await;
    for (params, field) in [
        (json!({"name": "list_tasks", "arguments": []}), "arguments must be an object"),
        (json!({"name": "list_tasks", "arguments": "all"}), "arguments must be an object"),
        (json!({"name": "list_tasks", "arguments": 3}), "arguments must be an object"),
        (json!({"name": null}), "name"),
        (json!({"name": 12, "arguments": {}}), "name"),
        (json!({"arguments": {}}), "name"),
        (json!([1, 2]), "params"),
    ] {
        let r = s.request("tools/call", params.clone()).await;
        let (code, _, message) = error_of(&r);
        assert_eq!(code, -32602, "{params}: {message}");
        assert!(message.contains(field), "{params}: {message}");
    }
    // An unknown tool is invalid params too (rmcp's "tool not found"), and a well-formed call works.
    let r = s.request("tools/call", json!({"name": "no_such_tool", "arguments": {}})).await;
    assert_eq!(error_of(&r).0, -32602, "{r}");
    s.call_ok("list_tasks", json!({})).await;
}

#[tokio::test]
async fn long_values_are_quoted_by_prefix_and_length() {
    let mut s = RawStdio::start(&[]).await;
    let long = "q".repeat(70_000);
    for (tool, args) in [
        ("create_task", json!({"title": "t", "tags": [long.clone()]})),
        ("create_task", json!({"title": "t", "task_type": format!("{long}!")})),
        ("create_task", json!({"title": "t", "priority": long.clone()})),
        ("update_task_status", json!({"task_id": 1, "status": long.clone()})),
        ("link_git_commit", json!({"task_id": 1, "commit_hash": long.clone()})),
        ("list_tasks", json!({"status": long.clone()})),
    ] {
        let message = s.call_err(tool, args).await;
        assert!(message.len() < 1_000, "{tool}: a {} byte message: {:.200}", message.len(), message);
    }
    let message = s.call_err("create_task", json!({"title": "t", "tags": [long.clone()]})).await;
    assert!(message.contains("70000 characters"), "{message}");
}

#[tokio::test]
async fn unbounded_fields_are_bounded_and_arguments_are_checked_before_state() {
    let mut s = RawStdio::start(&[]).await;
    let parent = s.call_ok("create_task", json!({"title": "parent"})).await["task"]["id"].as_i64().unwrap();
    s.call_ok("create_task", json!({"title": "child", "parent_id": parent})).await;

    let mib = "a".repeat(1024 * 1024);
    let message =
        s.call_err("get_next_task", json!({"project_id": "default-project", "claim": true, "assignee": mib})).await;
    assert!(message.contains("assignee") && message.contains("256"), "{message:.300}");
    let tasks = s.call_ok("list_tasks", json!({})).await;
    assert!(tasks["tasks"].as_array().unwrap().iter().all(|t| t["status"] == "pending"), "nothing was claimed");

    // The task has subtasks, so the state check would say "pass replace: true"; the bad argument is reported.
    let model = "m".repeat(100_000);
    let message = s.call_err("expand_task", json!({"task_id": parent, "model": model})).await;
    assert!(message.contains("model") && message.contains("256") && !message.contains("replace"), "{message:.300}");
}

#[tokio::test]
async fn ids_must_be_positive_everywhere_with_one_message() {
    let mut s = RawStdio::start(&[]).await;
    for (tool, args, field) in [
        ("list_tasks", json!({"parent_id": i64::MIN}), "parent_id"),
        ("list_tasks", json!({"parent_id": 0}), "parent_id"),
        ("get_task", json!({"task_id": -1}), "task_id"),
        ("get_task", json!({"task_id": 0}), "task_id"),
        ("update_task_status", json!({"task_id": -5, "status": "completed"}), "task_id"),
        ("delete_task", json!({"task_id": i64::MIN}), "task_id"),
        ("create_task", json!({"title": "t", "parent_id": -3}), "parent_id"),
        ("create_task", json!({"title": "t", "dependencies": [-3]}), "dependencies"),
        ("update_task", json!({"task_id": 0, "title": "x"}), "task_id"),
    ] {
        let message = s.call_err(tool, args.clone()).await;
        assert!(
            message.contains(&format!("invalid {field}")) && message.contains("ids are positive integers"),
            "{tool} {args}: {message}"
        );
    }
}

#[tokio::test]
async fn a_missing_parent_is_reported_as_a_parent_not_a_dependency() {
    let mut s = RawStdio::start(&[]).await;
    let gone = s.call_ok("create_task", json!({"title": "soon deleted"})).await["task"]["id"].as_i64().unwrap();
    s.call_ok("delete_task", json!({"task_id": gone})).await;
    let other = s.call_ok("create_task", json!({"title": "elsewhere", "project_id": "other"})).await["task"]["id"]
        .as_i64()
        .unwrap();
    for parent in [gone, other] {
        let args = json!({"title": "child", "parent_id": parent, "project_id": "default-project"});
        let message = s.call_err("create_task", args).await;
        assert!(message.contains("parent") && !message.contains("depend"), "{message}");
    }
}
