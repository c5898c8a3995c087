//! The typed results of analyze_complexity, estimate_effort, expand_task, parse_prd, get_next_task and
//! execute_code, through the real binary over stdio with a real rmcp client (which answers MCP sampling):
//!
//! - each result equals the JSON the server wrote before these results were typed (`golden/typed_results.json`,
//!   captured from that binary with `UPDATE_GOLDEN=1`): the same keys at every level, the same kinds of number, the
//!   same values (times and durations only checked for their type, scores within a tolerance for the age factor);
//! - each result is valid against the tool's own `outputSchema` from tools/list, and that schema declares every key
//!   the result carries (a result key the schema does not name fails).
#![allow(clippy::unwrap_used, missing_docs, deprecated)]

mod common;

use common::start_with;
use rmcp::ClientHandler;
use rmcp::model::{
    ClientCapabilities, ClientConfig, CreateMessageRequestParams, CreateMessageResult, Implementation,
    InitializeRequestParams, SamplingMessage,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleClient};
use serde_json::{Map, Value, json};

const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/typed_results.json");

/// Keys whose values depend on the clock, the process or the machine: compared by type only.
const VOLATILE: &[&str] = &[
    "analysisTime",
    "processingTime",
    "durationMs",
    "projectRoot",
    "timestamp",
    "created_at",
    "updated_at",
    "claimed_at",
    "started_at",
    "execution_time",
];

/// Scores move a little with the clock (the age factor compares creation times); everything else is exact.
const FLOAT_TOLERANCE: f64 = 0.02;

const PRD: &str = "---
title: Checkout
owner: payments
---
# Checkout

## Overview
Customers pay for the basket in one step.

## Features
### Basket
- Priority: High
- Description: Keep the items a customer picked
- Acceptance Criteria:
  - [ ] Items survive a reload
  - [x] Quantities can be changed

As a shopper, I want my basket kept so that I can finish later.

### Payment
- Priority: Must have
- Description: Pay by card
- Depends on: Basket
- Acceptance Criteria:
  - Given a valid card, when the customer pays, then the order is confirmed

## Requirements
1. **FR-1 Receipts**: send a receipt by email
2. maybe something
";

/// The model's answer for [`PRD`]: both features, one more criterion, and a feature the document never names.
fn prd_answer() -> String {
    json!({"features": [
        {"key": "basket", "title": "Basket", "description": "Keep the items", "priority": "high",
         "acceptanceCriteria": ["Items survive a reload"], "userStories": [], "dependencies": []},
        {"key": "payment", "title": "Payment", "description": "Pay by card", "priority": "high",
         "acceptanceCriteria": ["Declined cards show why"], "userStories": [], "dependencies": ["Basket"]},
        {"key": null, "title": "Loyalty points", "description": "Points per order", "priority": "low",
         "acceptanceCriteria": [], "userStories": [], "dependencies": []}
    ]})
    .to_string()
}

/// The model's answer for an expansion.
fn expansion_answer() -> String {
    json!({
        "subtasks": [
            {"title": "Design the card form", "description": "Fields and errors", "estimatedEffort": 2,
             "dependencies": [], "taskType": "design", "tags": ["ui"], "acceptanceCriteria": ["form reviewed"],
             "subtasks": [{"title": "Sketch", "description": "A sketch", "estimatedEffort": 1, "dependencies": [],
                           "taskType": "design", "tags": [], "acceptanceCriteria": [], "subtasks": []}]},
            {"title": "Call the payment API", "description": "Charge the card", "estimatedEffort": 3,
             "dependencies": [0], "taskType": "implementation", "tags": ["api"], "acceptanceCriteria": [],
             "subtasks": []}
        ],
        "implementationSteps": [{"order": 1, "title": "Form", "description": "Build it", "subtaskIndex": 0}],
        "testTasks": [{"title": "Declined card test", "description": "declines are shown", "testType": "unit",
                       "framework": "pytest", "acceptanceCriterion": null, "subtaskIndex": 1}],
        "documentationTasks": [{"title": "API notes", "description": "Document the call", "docType": "api",
                                "subtaskIndex": 1}],
        "confidence": 0.8
    })
    .to_string()
}

/// A client that offers sampling and answers with the canned model answers above.
#[derive(Clone, Default)]
struct Model;

impl ClientHandler for Model {
    fn get_info(&self) -> ClientConfig {
        let caps = ClientCapabilities::builder().enable_sampling().build();
        InitializeRequestParams::new(caps, Implementation::new("golden-client", "1.0"))
    }

    async fn create_message(
        &self,
        params: CreateMessageRequestParams,
        _context: RequestContext<RoleClient>,
    ) -> Result<CreateMessageResult, ErrorData> {
        let system = params.system_prompt.unwrap_or_default();
        let answer = if system.contains("Product Requirements Documents") { prd_answer() } else { expansion_answer() };
        Ok(CreateMessageResult::new(SamplingMessage::assistant_text(answer), "client-model".into()))
    }
}

/// Every result of the scenario, by name, with the tool that produced it.
async fn scenario() -> (Vec<(String, &'static str, Value)>, Map<String, Value>) {
    let s = start_with(Model, &[]).await;
    let mut out: Vec<(String, &'static str, Value)> = Vec::new();
    let prd = s.call("parse_prd", json!({"content": PRD, "project_id": "golden"})).await;
    out.push(("parse_prd".into(), "parse_prd", prd));
    let offline = s.call("parse_prd", json!({"content": PRD, "project_id": "golden-offline", "mode": "offline"})).await;
    out.push(("parse_prd_offline".into(), "parse_prd", offline));

    let root = match common::postgres() {
        None => s.dir.path().join("workspace"),
        Some(_) => s.dir.path().join(".local/share/task-orchestrator/workspace"),
    }
    .join("svc");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("payment.py"), "import basket\n# TODO retry\n\ndef pay():\n    pass\n").unwrap();
    std::fs::write(root.join("basket.py"), "def add():\n    pass\n").unwrap();
    let create = |title: &str, extra: Value| {
        let mut args = json!({"title": title, "project_id": "work"});
        args.as_object_mut().unwrap().extend(extra.as_object().cloned().unwrap());
        args
    };
    for (title, extra) in [
        ("Set up the database schema migration", json!({"priority": 4, "estimated_hours": 3, "tags": ["db"]})),
        (
            "Write the payment webhook with retries",
            json!({"priority": 3, "dependencies": [], "tags": ["api"],
                                                          "code_language": "python"}),
        ),
        (
            "Charge cards in payment.py",
            json!({"priority": 2, "code_language": "python", "task_type": "implementation"}),
        ),
        ("Document the API", json!({"priority": 1, "task_type": "documentation", "estimated_hours": 1})),
        ("Load test checkout", json!({"priority": 2, "tags": ["perf"]})),
    ] {
        s.call("create_task", create(title, extra)).await;
    }
    let base = prd_ids(&out);
    let id = |n: i64| base + n;
    s.call("update_task", json!({"task_id": id(2), "add_dependencies": [id(1)]})).await;
    s.call("update_task", json!({"task_id": id(3), "add_dependencies": [id(2)]})).await;
    s.call("update_task_status", json!({"task_id": id(5), "status": "blocked"})).await;
    s.call("update_task", json!({"task_id": id(4), "add_dependencies": [id(5)]})).await;

    let analysis = s.call("analyze_complexity", json!({"task_id": id(2)})).await;
    out.push(("analyze_complexity".into(), "analyze_complexity", analysis));
    let cached = s.call("analyze_complexity", json!({"task_id": id(2)})).await;
    out.push(("analyze_complexity_cached".into(), "analyze_complexity", cached));
    let scanned = s.call("analyze_complexity", json!({"task_id": id(3), "project_root": root})).await;
    out.push(("analyze_complexity_scanned".into(), "analyze_complexity", scanned));
    let bare = s
        .call(
            "analyze_complexity",
            json!({"task_id": id(4), "assess_risk": false, "use_historical_data": false,
                   "analyze_dependencies": false}),
        )
        .await;
    out.push(("analyze_complexity_switched_off".into(), "analyze_complexity", bare));
    let effort = s.call("estimate_effort", json!({"task_id": id(1)})).await;
    out.push(("estimate_effort".into(), "estimate_effort", effort));

    let expanded = s.call("expand_task", json!({"task_id": id(1)})).await;
    out.push(("expand_task_sampling".into(), "expand_task", expanded));
    let offline = s.call("expand_task", json!({"task_id": id(4), "provider": "openai", "max_depth": 1})).await;
    out.push(("expand_task_fallback".into(), "expand_task", offline));

    let next = |extra: Value| {
        let mut args = json!({"project_id": "work", "available_developers": 2, "hours_available_today": 6});
        args.as_object_mut().unwrap().extend(extra.as_object().cloned().unwrap());
        args
    };
    out.push(("get_next_task".into(), "get_next_task", s.call("get_next_task", next(json!({}))).await));
    let explained = s.call("get_next_task", next(json!({"explain": true}))).await;
    out.push(("get_next_task_explain".into(), "get_next_task", explained));
    let claimed = s.call("get_next_task", next(json!({"claim": true, "assignee": "agent-1"}))).await;
    out.push(("get_next_task_claim".into(), "get_next_task", claimed));
    let none = s.call("get_next_task", json!({"project_id": "empty", "explain": true})).await;
    out.push(("get_next_task_nothing".into(), "get_next_task", none));
    let none = s.call("get_next_task", json!({"project_id": "empty"})).await;
    out.push(("get_next_task_nothing_compact".into(), "get_next_task", none));

    let run = s.call("execute_code", json!({"task_id": id(1), "language": "bash", "code": "echo hi"})).await;
    out.push(("execute_code".into(), "execute_code", run));
    let detail =
        s.call("get_task", json!({"task_id": id(2), "include_analysis": true, "include_executions": true})).await;
    out.push(("get_task".into(), "get_task", detail));
    let detail = s.call("get_task", json!({"task_id": id(1), "include_executions": true})).await;
    out.push(("get_task_executions".into(), "get_task", detail));

    let tools = s.client.list_all_tools().await.unwrap();
    let schemas = tools
        .into_iter()
        .filter_map(|t| Some((t.name.to_string(), Value::Object(t.output_schema?.as_ref().clone()))))
        .collect();
    s.stop().await;
    (out, schemas)
}

/// How many tasks the two PRD imports created (the scenario's own tasks come after them).
fn prd_ids(out: &[(String, &'static str, Value)]) -> i64 {
    out.iter()
        .filter(|(_, tool, _)| *tool == "parse_prd")
        .map(|(_, _, r)| r["created_task_ids"].as_array().unwrap().len() as i64)
        .sum()
}

/// The differences between `old` and `new` at `path`.
fn diff(path: &str, key: Option<&str>, old: &Value, new: &Value, out: &mut Vec<String>) {
    if key.is_some_and(|k| VOLATILE.contains(&k)) || path.ends_with("execute_code.message") {
        if std::mem::discriminant(old) != std::mem::discriminant(new) {
            out.push(format!("{path}: {old} became {new}"));
        }
        return;
    }
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            for k in a.keys().filter(|k| !b.contains_key(*k)) {
                out.push(format!("{path}.{k}: missing"));
            }
            for k in b.keys().filter(|k| !a.contains_key(*k)) {
                out.push(format!("{path}.{k}: added"));
            }
            for (k, v) in a {
                if let Some(w) = b.get(k) {
                    diff(&format!("{path}.{k}"), Some(k), v, w, out);
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            // Factors that add next to nothing change places with the clock's resolution (the age factor compares
            // creation times, which PostgreSQL keeps to the microsecond): compare them by name, age by shape only.
            let by_factor = |v: &Vec<Value>| {
                let mut v = v.clone();
                if key == Some("factors") {
                    v.sort_by(|x, y| x["factor"].as_str().cmp(&y["factor"].as_str()));
                }
                v
            };
            for (i, (v, w)) in by_factor(a).iter().zip(&by_factor(b)).enumerate() {
                if key == Some("factors") && v["factor"] == "age" && w["factor"] == "age" {
                    let shape = |x: &Value| x.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>());
                    if shape(v) != shape(w) {
                        out.push(format!("{path}[{i}]: {v} became {w}"));
                    }
                    continue;
                }
                diff(&format!("{path}[{i}]"), key, v, w, out);
            }
        }
        (Value::Number(a), Value::Number(b)) => {
            let same_kind = a.is_f64() == b.is_f64();
            let close = match (a.as_f64(), b.as_f64()) {
                (Some(x), Some(y)) if a.is_f64() => (x - y).abs() <= FLOAT_TOLERANCE,
                _ => a == b,
            };
            if !same_kind || !close {
                out.push(format!("{path}: {a} became {b}"));
            }
        }
        (a, b) if a != b => {
            // Sentences name scores; their words are checked exactly, their figures are not.
            let words = |s: &str| s.chars().filter(|c| !c.is_ascii_digit()).collect::<String>();
            let prose = matches!(key, Some("message" | "detail" | "primaryReason" | "note"));
            match (a.as_str(), b.as_str()) {
                (Some(x), Some(y)) if prose && words(x) == words(y) => {}
                _ => out.push(format!("{path}: {a} became {b}")),
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn typed_results_equal_the_previous_json_and_match_their_output_schemas() {
    let (results, schemas) = scenario().await;
    let actual: Map<String, Value> = results.iter().map(|(name, _, v)| (name.clone(), v.clone())).collect();
    if std::env::var("UPDATE_GOLDEN").is_ok() {
        std::fs::create_dir_all(std::path::Path::new(GOLDEN).parent().unwrap()).unwrap();
        std::fs::write(GOLDEN, serde_json::to_string_pretty(&actual).unwrap() + "\n").unwrap();
        return;
    }
    let golden: Value = serde_json::from_str(&std::fs::read_to_string(GOLDEN).unwrap()).unwrap();
    let mut differences = Vec::new();
    diff("", None, &golden, &Value::Object(actual), &mut differences);
    assert!(differences.is_empty(), "the wire changed:\n{}", differences.join("\n"));

    // The fields that were JSON values are described key by key, not by an open schema.
    for (tool, path) in [
        ("analyze_complexity", &["complexity"][..]),
        ("estimate_effort", &["effort"]),
        ("expand_task", &["expansion"]),
        ("parse_prd", &["prd"]),
        ("parse_prd", &["parser"]),
        ("get_next_task", &["selection"]),
        ("execute_code", &["execution", "limits"]),
    ] {
        let root = &schemas[tool];
        let mut s = root;
        for key in path {
            s = resolve(root, &s["properties"][key]);
        }
        assert!(s["properties"].as_object().is_some_and(|p| p.len() > 1), "{tool}.{path:?} is typed: {s}");
    }
    for (name, tool, result) in &results {
        let schema = schemas.get(*tool).unwrap_or_else(|| panic!("{tool} has an outputSchema"));
        let mut errors = Vec::new();
        validate(schema, schema, result, name, &mut errors);
        assert!(errors.is_empty(), "{name} does not match {tool}'s outputSchema:\n{}", errors.join("\n"));
    }
}

/// `s`, or the definition it refers to.
fn resolve<'a>(root: &'a Value, s: &'a Value) -> &'a Value {
    match s.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/$defs/")) {
        Some(name) => &root["$defs"][name],
        None => s,
    }
}

/// A small JSON Schema check of what the output schemas use (type, properties, required, items, additional
/// properties, enum, anyOf/oneOf, `$ref` into `$defs`), stricter than the schema on one point: an object whose
/// schema lists properties may carry no other key, so the schema cannot leave part of a result undescribed.
fn validate(root: &Value, schema: &Value, v: &Value, path: &str, errors: &mut Vec<String>) {
    let Some(s) = schema.as_object() else { return };
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        let name = r.strip_prefix("#/$defs/").unwrap_or_else(|| panic!("unexpected $ref {r}"));
        let def = root.get("$defs").and_then(|d| d.get(name)).unwrap_or_else(|| panic!("no $defs/{name}"));
        validate(root, def, v, path, errors);
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(alternatives) = s.get(key).and_then(Value::as_array) {
            let fits = alternatives.iter().any(|alt| {
                let mut e = Vec::new();
                validate(root, alt, v, path, &mut e);
                e.is_empty()
            });
            if !fits {
                errors.push(format!("{path}: {v} matches no alternative of {key}"));
            }
        }
    }
    if let Some(t) = s.get("type") {
        let types: Vec<&str> = match t {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let ok = types.iter().any(|t| match *t {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "boolean" => v.is_boolean(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            "null" => v.is_null(),
            _ => false,
        });
        if !ok {
            errors.push(format!("{path}: {v} is not {t}"));
            return;
        }
    }
    if let Some(values) = s.get("enum").and_then(Value::as_array)
        && !values.contains(v)
    {
        errors.push(format!("{path}: {v} is not one of {values:?}"));
    }
    if let Value::Object(o) = v {
        let props = s.get("properties").and_then(Value::as_object);
        for r in s.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
            if !o.contains_key(r) {
                errors.push(format!("{path}.{r}: required, missing"));
            }
        }
        for (k, val) in o {
            match props.and_then(|p| p.get(k)) {
                Some(p) => validate(root, p, val, &format!("{path}.{k}"), errors),
                None => match s.get("additionalProperties") {
                    Some(extra @ Value::Object(_)) => validate(root, extra, val, &format!("{path}.{k}"), errors),
                    // A task inside another tool's result is described by its summary keys only (dto/shapes.rs:
                    // the whole task shape is in get_task's schema), so its other keys are expected.
                    _ if props.is_some() && !path.ends_with(".claimed_task") => {
                        errors.push(format!("{path}.{k}: not in the schema"))
                    }
                    _ => {}
                },
            }
        }
    }
    if let (Value::Array(items), Some(item)) = (v, s.get("items")) {
        for (i, x) in items.iter().enumerate() {
            validate(root, item, x, &format!("{path}[{i}]"), errors);
        }
    }
}
