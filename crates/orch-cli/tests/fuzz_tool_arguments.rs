//! Fuzzing every tool's arguments over a real stdio session: each call gets an answer with its id (a result or a
//! JSON-RPC error), a refusal's message stays short, and the server lives through all of them. Bounded: 96 cases
//! (`FUZZ_TOOL_CASES` to change).
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::cell::RefCell;

use common::raw_stdio::RawStdio;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};

/// Tools left out of the fuzz, which takes every other tool `tools/list` names (so a new tool is fuzzed without an
/// edit here). These run code, read the file system or run git; their parameter checks are tested on their own.
const NOT_FUZZED: &[&str] =
    &["execute_code", "analyze_complexity", "estimate_effort", "import_tasks", "scan_git_commits"];

const FIELDS: &[&str] = &[
    "title",
    "task_id",
    "parent_id",
    "project_id",
    "status",
    "tags",
    "priority",
    "dependencies",
    "assignee",
    "claim",
    "model",
    "replace",
    "format",
    "commit_hash",
    "content",
    "limit",
    "offset",
    "code_language",
    "task_type",
    "estimated_hours",
    "depth",
    "force",
    "add_dependencies",
    "preferred_languages",
    "mode",
    "chunk_tokens",
    "max_tokens",
];

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-3i64..5).prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        // No '/': a path-like string must not send anything scanning the file system.
        "[a-zA-Z0-9 _.#\\-\u{0}-\u{1f}é]{0,16}".prop_map(Value::String),
        (1usize..20_000).prop_map(|n| Value::String("z".repeat(n))),
        Just(json!("pending")),
        Just(json!("default-project")),
    ];
    leaf.prop_recursive(2, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{0,6}", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn arguments() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => prop::collection::btree_map(prop::sample::select(FIELDS), value(), 0..6)
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        1 => value(),
    ]
}

#[test]
fn random_tool_arguments_are_always_answered() {
    let cases = std::env::var("FUZZ_TOOL_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(96);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let session = RefCell::new(runtime.block_on(RawStdio::start(&[])));
    let listed = runtime.block_on(session.borrow_mut().request("tools/list", json!({})));
    let tools: Vec<String> = listed["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .filter(|name| !NOT_FUZZED.contains(name))
        .map(str::to_string)
        .collect();
    // Today's task, planning and selection tools at the least; a listing that lost them would fuzz nothing useful.
    for expected in ["create_task", "update_task", "get_task", "list_tasks", "parse_prd", "get_next_task"] {
        assert!(tools.iter().any(|t| t == expected), "{expected} missing from {tools:?}");
    }
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    runner
        .run(&(prop::sample::select(tools), arguments()), |(tool, arguments)| {
            let mut s = session.borrow_mut();
            let response = runtime.block_on(s.request("tools/call", json!({"name": tool, "arguments": arguments})));
            if let Some(error) = response.get("error") {
                // Arguments that are not an object are invalid params; nothing else is a protocol error.
                prop_assert_eq!(error["code"].as_i64(), Some(-32602), "{} {}", tool, response);
            } else {
                let result = &response["result"];
                if result["isError"] == json!(true) {
                    let message = result["content"][0]["text"].as_str().unwrap_or_default();
                    prop_assert!(message.len() < 2_000, "{}: a {} byte message: {:.200}", tool, message.len(), message);
                }
            }
            Ok(())
        })
        .unwrap();
    let mut s = session.borrow_mut();
    runtime.block_on(s.assert_alive());
}
