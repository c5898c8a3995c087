//! End-to-end over stdio: what an agent pays in context. Lean tool definitions, tool profiles, summary rows, the
//! compact selection and bounded graphs (docs/context.md).
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use common::{start, start_with};
use rmcp::model::CallToolRequestParams;
use serde_json::{Value, json};

fn walk(v: &Value, f: &mut impl FnMut(&serde_json::Map<String, Value>)) {
    match v {
        Value::Object(o) => {
            f(o);
            o.values().for_each(|c| walk(c, f));
        }
        Value::Array(a) => a.iter().for_each(|c| walk(c, f)),
        _ => {}
    }
}

#[tokio::test]
async fn tool_schemas_carry_no_rust_formats_unions_or_float_noise() {
    let s = start().await;
    let tools = s.client.list_all_tools().await.unwrap();
    let listed = serde_json::to_value(&tools).unwrap();
    walk(&listed, &mut |o| {
        if let Some(f) = o.get("format").and_then(Value::as_str) {
            assert!(!f.starts_with("int") && !f.starts_with("uint") && f != "double" && f != "float", "format {f}");
        }
        assert!(!o.get("type").is_some_and(Value::is_array), "union type in {o:?}");
        assert_ne!(o.get("default"), Some(&Value::Null));
        assert!(!o.get("title").is_some_and(Value::is_string), "a schema title in {o:?}");
    });
    for t in &tools {
        for (name, p) in t.input_schema["properties"].as_object().unwrap() {
            let prose = p.get("description").and_then(Value::as_str).unwrap_or_default().to_lowercase();
            assert!(
                p.get("default").is_none() || !prose.contains("default"),
                "{}.{name}: the default is in `default`, not in prose: {prose}",
                t.name
            );
        }
    }
    let expand = tools.iter().find(|t| t.name == "expand_task").unwrap();
    assert_eq!(expand.input_schema["properties"]["temperature"]["default"], json!(0.7));
    let out = serde_json::to_string(&tools.iter().map(|t| &t.output_schema).collect::<Vec<_>>()).unwrap();
    assert!(!out.contains("\"description\":\""), "output schemas carry no prose");
}

#[tokio::test]
async fn a_tool_profile_offers_only_its_tools() {
    let s = start_with((), &[("TASK_ORCHESTRATOR_TOOLS", "core,get_task_graph")]).await;
    let mut names: Vec<String> = s.client.list_all_tools().await.unwrap().iter().map(|t| t.name.to_string()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "create_task",
            "get_next_task",
            "get_task",
            "get_task_graph",
            "link_git_commit",
            "list_tasks",
            "update_task",
            "update_task_status"
        ]
    );
    let refused =
        s.client
            .call_tool(CallToolRequestParams::new("execute_code").with_arguments(
                json!({"task_id": 1, "language": "bash", "code": "echo"}).as_object().cloned().unwrap(),
            ))
            .await;
    assert!(refused.is_err(), "a tool outside the profile is unknown: {refused:?}");
}

#[test]
fn an_unknown_tool_in_the_profile_stops_start_up_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(common::BIN)
        .arg("serve")
        .env_clear()
        .env("TASK_DB_PATH", dir.path().join("t.db"))
        .env("TASK_ORCHESTRATOR_TOOLS", "core,run_code")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("run_code") && err.contains("execute_code"), "{err}");
}

#[tokio::test]
async fn listings_are_summary_rows_unless_fields_ask_for_more() {
    let s = start().await;
    let long = "word ".repeat(100);
    s.call("create_task", json!({"title": "a", "description": long, "details": "d", "code_language": "rust"})).await;
    let rows = s.call("list_tasks", json!({})).await;
    let row = rows["tasks"][0].as_object().unwrap();
    assert_eq!(row["title"], "a");
    let mut keys: Vec<&str> = row.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["id", "priority", "status", "title"], "no empty arrays, no prose");
    let described = s.call("list_tasks", json!({"fields": ["title", "description"]})).await;
    assert_eq!(described["tasks"][0]["description"], json!(long.trim_end()), "fields gives the description whole");
    let all = s.call("list_tasks", json!({"fields": ["all"]})).await;
    let task = s.call("get_task", json!({"task_id": 1})).await;
    assert_eq!(all["tasks"][0], task["task"], "all is the whole task");
    let chosen = s.call("list_tasks", json!({"fields": ["code_language"]})).await;
    assert_eq!(chosen["tasks"][0], json!({"id": 1, "code_language": "rust"}));
    let err = s.call_err("list_tasks", json!({"fields": ["colour"]})).await;
    assert!(err.contains("colour") && err.contains("code_language"), "{err}");
}

#[tokio::test]
async fn graphs_are_bounded_and_narrowed() {
    let s = start().await;
    // A chain 1 <- 2 <- … <- 8, the first three completed.
    for i in 1..=8 {
        let deps: Vec<i64> = if i > 1 { vec![i - 1] } else { vec![] };
        s.call("create_task", json!({"title": format!("t{i}"), "dependencies": deps})).await;
    }
    for i in 1..=3 {
        s.call("update_task_status", json!({"task_id": i, "status": "completed"})).await;
    }
    let g = s.call("get_task_graph", json!({"limit": 3})).await;
    assert_eq!((g["total"].as_u64(), g["truncated"].as_bool()), (Some(8), Some(true)));
    assert_eq!(g["graph"]["nodes"], json!([4, 5, 6]), "unfinished work first");
    assert_eq!(g["edges"], json!([{"from": 4, "to": 5}, {"from": 5, "to": 6}]));
    assert!(g["message"].as_str().unwrap().contains("root_task_id"), "{g}");
    let near = s.call("get_task_graph", json!({"root_task_id": 2, "depth": 1})).await;
    assert_eq!(near["graph"]["nodes"], json!([1, 2, 3]));
    assert_eq!(near["truncated"], false);
    let done = s.call("get_task_graph", json!({"status": "completed", "format": "mermaid"})).await;
    assert_eq!(done["total"], 3);
    assert!(!done["graph"].as_str().unwrap().contains("t4"));
    for (args, word) in [
        (json!({"limit": 0}), "limit"),
        (json!({"limit": 10001}), "limit"),
        (json!({"depth": 21}), "depth"),
        (json!({"root_task_id": 99}), "root_task_id"),
        (json!({"root_task_id": -1}), "root_task_id"),
    ] {
        let err = s.call_err("get_task_graph", args.clone()).await;
        assert!(err.contains(word), "{args}: {err}");
    }
}

#[tokio::test]
async fn mermaid_titles_keep_their_characters() {
    let s = start().await;
    s.call("create_task", json!({"title": "Close issue #42; before release"})).await;
    s.call("create_task", json!({"title": "Tom &amp; Jerry <b>"})).await;
    let g = s.call("get_task_graph", json!({"format": "mermaid"})).await;
    let text = g["graph"].as_str().unwrap();
    assert!(text.contains("Close issue #35;42; before release"), "{text}");
    assert!(text.contains("Tom #amp;amp; Jerry #lt;b#gt;"), "{text}");
}

#[tokio::test]
async fn the_selection_is_compact_unless_explained() {
    let s = start().await;
    for i in 0..8 {
        s.call("create_task", json!({"title": format!("task {i}"), "project_id": "p", "priority": i % 5})).await;
    }
    let compact = s.call("get_next_task", json!({"project_id": "p"})).await;
    let full = s.call("get_next_task", json!({"project_id": "p", "explain": true})).await;
    let (c, f) = (&compact["selection"], &full["selection"]);
    assert_eq!(c["selectedTask"]["id"], f["selectedTask"]["id"]);
    for key in f.as_object().unwrap().keys() {
        assert!(c.get(key).is_some(), "compact selection lacks {key}");
    }
    assert!(c["selectedTask"]["title"].is_string() && c["selectedTask"]["successProbability"].is_number());
    assert!(c["reasoning"]["primaryReason"].is_string());
    assert!(
        c["alternatives"].as_array().unwrap().iter().all(|a| a["title"].is_string() && a["overallScore"].is_number())
    );
    assert!(f["selectedTask"]["factors"].is_array() && c["selectedTask"].get("factors").is_none());
    assert!(compact.to_string().len() * 2 < full.to_string().len(), "{} vs {}", compact, full);
}
