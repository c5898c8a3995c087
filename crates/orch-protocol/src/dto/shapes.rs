//! Output-schema shapes of tasks inside results. Every tool definition is sent on every turn and MCP has no
//! definitions shared between tools, so the whole task shape is described once, in `get_task`'s output schema; a
//! task inside another result is described by its summary keys (the values it holds are still whole tasks: a
//! schema that lists some properties accepts the others).

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde_json::{Map, Value};

use super::TaskDto;

/// The keys a task summary describes: what names a task and says where it stands. Every task has them.
const SUMMARY_KEYS: [&str; 3] = ["id", "title", "status"];

/// `TaskDto`'s schema cut to [`SUMMARY_KEYS`], with `required` keys.
fn summary(generator: &mut SchemaGenerator, required: &[&str]) -> Map<String, Value> {
    // Generated from TaskDto, so a field's type is written in one place; its enums land in the generator's $defs.
    let full: Value = <TaskDto as JsonSchema>::json_schema(generator).into();
    let properties: Map<String, Value> = SUMMARY_KEYS
        .iter()
        .filter_map(|k| full.get("properties").and_then(|p| p.get(*k)).map(|v| ((*k).to_string(), v.clone())))
        .collect();
    Map::from_iter([
        ("type".to_string(), Value::from("object")),
        ("properties".to_string(), Value::Object(properties)),
        ("required".to_string(), Value::from(required.to_vec())),
    ])
}

/// A task inside a result (`create_task`, `update_task`, `update_task_status`, a claimed task).
pub(crate) fn task(generator: &mut SchemaGenerator) -> Schema {
    Schema::from(summary(generator, &SUMMARY_KEYS))
}

/// Tasks inside a result (`scan_git_commits`' completed tasks).
pub(crate) fn tasks(generator: &mut SchemaGenerator) -> Schema {
    let items = summary(generator, &SUMMARY_KEYS);
    json_schema!({"type": "array", "items": items})
}

/// Task rows (`list_tasks`, `get_task_graph`): `id` and the fields asked for (a default row also has the others).
pub(crate) fn rows(generator: &mut SchemaGenerator) -> Schema {
    let items = summary(generator, &["id"]);
    json_schema!({"type": "array", "items": items})
}
