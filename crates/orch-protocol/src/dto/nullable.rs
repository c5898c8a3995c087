//! How a result field that can be null is written in JSON Schema: `oneOf: [T, {"type": "null"}]`. schemars writes
//! `type: [T, "null"]`, a union type strict validators refuse (Ajv's `strictTypes`), and orch-mcp's schema trimming
//! reads a union on an optional property as "absent when unknown" and drops the null, which is wrong for the keys
//! the full selection writes as null and the compact one leaves out.

use schemars::Schema;
use serde_json::{Map, Value};

/// Rewrites each property of `schema` that may be null as a `oneOf` of its own type and null.
pub(crate) fn one_of_null(schema: &mut Schema) {
    let Some(Value::Object(props)) = schema.get_mut("properties") else { return };
    for prop in props.values_mut() {
        let Value::Object(p) = prop else { continue };
        if let Some(Value::Array(types)) = p.get("type").cloned()
            && types.iter().any(|t| t == "null")
        {
            let rest: Vec<Value> = types.into_iter().filter(|t| t != "null").collect();
            let mut value = Map::new();
            value.insert("type".into(), if rest.len() == 1 { rest[0].clone() } else { Value::Array(rest) });
            p.remove("type");
            // What describes the value itself goes with the non-null alternative.
            for key in ["format", "minimum", "maximum", "items", "enum", "properties", "required"] {
                if let Some(v) = p.remove(key) {
                    value.insert(key.into(), v);
                }
            }
            p.insert("oneOf".into(), Value::Array(vec![Value::Object(value), null()]));
        } else if let Some(Value::Array(alternatives)) = p.get("anyOf")
            && alternatives.contains(&null())
        {
            let alternatives = alternatives.clone();
            p.remove("anyOf");
            p.insert("oneOf".into(), Value::Array(alternatives));
        }
    }
}

fn null() -> Value {
    let mut m = Map::new();
    m.insert("type".into(), "null".into());
    Value::Object(m)
}
