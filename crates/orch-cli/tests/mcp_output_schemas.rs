//! Every tool's real result validates against the outputSchema it lists, over stdio, including the results whose
//! schema was cut to a summary (a task inside another result) or written in place (single-use definitions).
//!
//! The validator covers the JSON Schema keywords the lean output schemas use and refuses any other keyword, so a
//! schema change that needs more validation fails here instead of passing unchecked. (Third-party clients validate
//! with Ajv: the TypeScript SDK and the Inspector in `.ci/harness.sh`.)
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::path::Path;
use std::process::Command;

use serde_json::{Map, Value, json};

/// Errors of `value` against `schema` (whose `$defs` resolve against `root`), with JSON paths.
fn validate(root: &Value, schema: &Value, value: &Value, path: &str, errors: &mut Vec<String>) {
    let Value::Object(s) = schema else {
        if schema == &Value::Bool(false) {
            errors.push(format!("{path}: the schema is false"));
        }
        return;
    };
    for key in s.keys() {
        let known = [
            "type",
            "properties",
            "required",
            "items",
            "enum",
            "const",
            "anyOf",
            "oneOf",
            "$ref",
            "$defs",
            "additionalProperties",
        ];
        assert!(known.contains(&key.as_str()), "{path}: keyword {key} is not checked by this test; extend it");
    }
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        let name = r.strip_prefix("#/$defs/").unwrap_or_else(|| panic!("{path}: unsupported $ref {r}"));
        let target = root["$defs"].get(name).unwrap_or_else(|| panic!("{path}: $ref {r} has no definition"));
        validate(root, target, value, path, errors);
    }
    if let Some(t) = s.get("type") {
        let types: Vec<&str> = match t {
            Value::String(one) => vec![one.as_str()],
            Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
            _ => panic!("{path}: bad type {t}"),
        };
        let ok = types.iter().any(|t| match *t {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "boolean" => value.is_boolean(),
            "null" => value.is_null(),
            "number" => value.is_number(),
            "integer" => value.as_i64().is_some() || value.as_u64().is_some(),
            other => panic!("{path}: unknown type {other}"),
        });
        if !ok {
            errors.push(format!("{path}: {value} is not {t}"));
            return;
        }
    }
    if let Some(Value::Array(allowed)) = s.get("enum")
        && !allowed.contains(value)
    {
        errors.push(format!("{path}: {value} is not one of {allowed:?}"));
    }
    if let Some(c) = s.get("const")
        && c != value
    {
        errors.push(format!("{path}: {value} is not {c}"));
    }
    for (key, exactly_one) in [("anyOf", false), ("oneOf", true)] {
        if let Some(Value::Array(subs)) = s.get(key) {
            let passing = subs
                .iter()
                .filter(|sub| {
                    let mut e = Vec::new();
                    validate(root, sub, value, path, &mut e);
                    e.is_empty()
                })
                .count();
            if passing == 0 || (exactly_one && passing > 1) {
                errors.push(format!("{path}: {value} matches {passing} of the {key} schemas"));
            }
        }
    }
    if let Value::Object(o) = value {
        for r in s.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
            if !o.contains_key(r) {
                errors.push(format!("{path}: required key {r} missing"));
            }
        }
        let props = s.get("properties").and_then(Value::as_object).cloned().unwrap_or_else(Map::new);
        for (k, v) in o {
            let at = format!("{path}.{k}");
            match (props.get(k), s.get("additionalProperties")) {
                (Some(p), _) => validate(root, p, v, &at, errors),
                (None, Some(extra)) => validate(root, extra, v, &at, errors),
                (None, None) => {}
            }
        }
    }
    if let (Value::Array(items), Some(item_schema)) = (value, s.get("items")) {
        for (i, v) in items.iter().enumerate() {
            validate(root, item_schema, v, &format!("{path}[{i}]"), errors);
        }
    }
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Ada")
        .env("GIT_AUTHOR_EMAIL", "ada@example.com")
        .env("GIT_COMMITTER_NAME", "Ada")
        .env("GIT_COMMITTER_EMAIL", "ada@example.com")
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn the_validator_refuses_what_it_should() {
    let schema = json!({"type": "object", "properties": {
        "task": {"type": "object", "properties": {"id": {"type": "integer"}, "status": {"enum": ["a", "b"]}},
                 "required": ["id"]},
        "tags": {"type": "array", "items": {"type": "string"}}}, "required": ["task"]});
    let check = |v: Value| {
        let mut e = Vec::new();
        validate(&schema, &schema, &v, "$", &mut e);
        e
    };
    assert!(check(json!({"task": {"id": 1, "status": "a", "extra": true}, "tags": ["x"]})).is_empty());
    assert_eq!(check(json!({"task": {"status": "c"}, "tags": [1]})).len(), 3, "missing id, bad enum, bad item");
    assert_eq!(check(json!({})).len(), 1);
}

#[tokio::test]
async fn every_tool_result_validates_against_its_output_schema() {
    let repo_dir = tempfile::tempdir().unwrap();
    let repo = repo_dir.path();
    git(repo, &["init", "-q"]);
    std::fs::write(repo.join("a.txt"), "a").unwrap();
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "Build the first task\n\ncloses #1"]);
    let hash = git(repo, &["rev-parse", "HEAD"]);
    let s = common::start_with((), &[("TASK_ORCHESTRATOR_GIT_REPO", repo.to_str().unwrap())]).await;
    let tools = s.client.list_all_tools().await.unwrap();
    let schema_of = |name: &str| -> Value {
        let t = tools.iter().find(|t| t.name == name).unwrap_or_else(|| panic!("no tool {name}"));
        Value::Object(t.output_schema.as_deref().cloned().unwrap_or_else(|| panic!("{name} has no outputSchema")))
    };
    let prd = "# Shop\n\n## Features\n\n### Cart\nUsers add items to a cart.\n\n- [ ] items persist\n\n\
               ### Checkout\nDepends on Cart. Users pay by card.\n";
    let board = r#"{"tasks":[{"id":1,"title":"Set up","status":"done","dependencies":[]},{"id":2,"title":"Build","status":"pending","dependencies":[1]}]}"#;
    let calls: Vec<(&str, Value)> = vec![
        ("create_task", json!({"title": "first", "description": "d", "tags": ["a"], "estimated_hours": 2})),
        ("create_task", json!({"title": "second", "dependencies": [1], "code_language": "rust", "parent_id": 1})),
        ("create_task", json!({"title": "third", "project_id": "p"})),
        ("update_task", json!({"task_id": 2, "priority": 3, "details": "x", "task_type": "test"})),
        ("update_task_status", json!({"task_id": 3, "status": "in_progress"})),
        ("link_git_commit", json!({"task_id": 1, "commit_hash": hash})),
        ("execute_code", json!({"task_id": 1, "language": "bash", "code": "echo hi; exit 3"})),
        ("analyze_complexity", json!({"task_id": 1})),
        ("analyze_complexity", json!({"task_id": 1})),
        ("estimate_effort", json!({"task_id": 2})),
        ("expand_task", json!({"task_id": 3, "depth": 1})),
        ("get_task", json!({"task_id": 1, "include_executions": true, "include_analysis": true})),
        ("get_task", json!({"task_id": 2})),
        ("list_tasks", json!({})),
        ("list_tasks", json!({"fields": ["all"], "include_metrics": true, "limit": 2})),
        ("list_tasks", json!({"fields": ["code_language", "created_at"]})),
        ("get_task_graph", json!({})),
        ("get_task_graph", json!({"format": "mermaid", "root_task_id": 1, "depth": 1, "limit": 1})),
        ("get_task_graph", json!({"format": "dot", "status": "pending"})),
        ("get_next_task", json!({"project_id": "default-project"})),
        ("get_next_task", json!({"project_id": "default-project", "explain": true, "available_developers": 2})),
        ("get_next_task", json!({"project_id": "p", "claim": true, "assignee": "agent-1"})),
        ("parse_prd", json!({"content": prd, "project_id": "shop", "mode": "offline"})),
        ("import_tasks", json!({"format": "taskmaster", "content": board, "project_id": "tm"})),
        ("scan_git_commits", json!({"close_tasks": true})),
        ("delete_task", json!({"task_id": 2, "force": true})),
    ];
    let mut checked = std::collections::BTreeSet::new();
    for (name, args) in calls {
        let result = s.call(name, args.clone()).await;
        let schema = schema_of(name);
        let mut errors = Vec::new();
        validate(&schema, &schema, &result, "$", &mut errors);
        assert!(errors.is_empty(), "{name} {args}: the result does not match its outputSchema: {errors:#?}\n{result}");
        checked.insert(name);
    }
    let scan = s.call("scan_git_commits", json!({})).await;
    assert_eq!(scan["commits_scanned"], 1, "the scan read the commit: {scan}");
    let all: std::collections::BTreeSet<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    assert_eq!(checked, all, "every tool is checked");
    s.stop().await;
}
