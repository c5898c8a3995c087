//! Lean tool schemas. Every tool definition is sent to the model on every turn, so the schemas rmcp derives are
//! trimmed to what a client needs to build a valid call and check a result:
//!
//! - no `$schema` line (MCP fixes the dialect to 2020-12) and no Rust `format`s (`uint8`, `int64`, `double`): JSON
//!   Schema validators do not know them and the TypeScript SDK warns about each one; `minimum: 0` still says unsigned;
//! - an optional value is its type, not `[type, "null"]`, with no `default: null` (absent means unset): union types
//!   trip strict validators (Ajv's `strictTypes`);
//! - enums whose variants carry descriptions become one `enum` list (the parameter's description names the values),
//!   written where they are used instead of referenced; defaults of null, false and [] (what absence means) go;
//! - no `additionalProperties: false`: the server refuses unknown arguments itself, naming them;
//! - no `title`s, no `type` beside an `enum` of strings (the values say it), no lone `minimum: 0` (serde refuses a
//!   negative value for an unsigned parameter, naming it); a bound with a maximum stays, as it is a range;
//! - a definition used once is written where it is used (a `$ref` and its `$defs` entry cost more than the shape);
//! - output schemas keep the shape (types, required keys, enums) and drop the prose, formats and bounds: the meaning
//!   of a result field is documented once, in the docs, not on every turn.

use serde_json::{Map, Value};

/// Where a schema is used: an input schema keeps its parameter descriptions, an output schema loses all prose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// A tool's `inputSchema`.
    Input,
    /// A tool's `outputSchema`.
    Output,
}

/// `schema` rewritten by the rules above.
pub fn lean(schema: &Map<String, Value>, usage: Use) -> Map<String, Value> {
    let mut out = schema.clone();
    out.remove("$schema");
    // Unknown arguments are refused by the server with a message naming them; the keyword repeats that per tool.
    out.remove("additionalProperties");
    // The tool's description says what the tool does; a title or description of the whole schema repeats it.
    out.remove("title");
    out.remove("description");
    walk(&mut out, usage);
    inline_enums(&mut out);
    inline_single_use(&mut out);
    out
}

/// Writes each definition that is referred to once where it is used, and drops definitions nothing refers to.
/// A definition referred to more than once (or by itself) stays.
fn inline_single_use(root: &mut Map<String, Value>) {
    loop {
        let Some(Value::Object(defs)) = root.get("$defs") else { return };
        let mut counts: std::collections::HashMap<String, usize> =
            defs.keys().map(|k| (format!("#/$defs/{k}"), 0)).collect();
        count_refs(&Value::Object(root.clone()), &mut counts);
        let pick = defs.iter().find_map(|(name, def)| {
            let target = format!("#/$defs/{name}");
            let mut own = std::collections::HashMap::from([(target.clone(), 0)]);
            count_refs(def, &mut own);
            (counts[&target] <= 1 && own[&target] == 0).then(|| (name.clone(), target, def.clone()))
        });
        let Some((name, target, def)) = pick else { return };
        if let Some(Value::Object(defs)) = root.get_mut("$defs") {
            defs.remove(&name);
            if defs.is_empty() {
                root.remove("$defs");
            }
        }
        replace_refs(root, &Map::from_iter([(target, def)]));
    }
}

fn count_refs(v: &Value, counts: &mut std::collections::HashMap<String, usize>) {
    match v {
        Value::Object(o) => {
            if let Some(n) = o.get("$ref").and_then(Value::as_str).and_then(|r| counts.get_mut(r)) {
                *n += 1;
            }
            o.values().for_each(|c| count_refs(c, counts));
        }
        Value::Array(a) => a.iter().for_each(|c| count_refs(c, counts)),
        _ => {}
    }
}

/// Replaces each `$ref` to an enum definition with the enum itself (an enum is shorter than a reference plus its
/// definition), and drops `$defs` that nothing refers to any more.
fn inline_enums(root: &mut Map<String, Value>) {
    let Some(Value::Object(defs)) = root.get("$defs") else { return };
    let enums: Map<String, Value> = defs
        .iter()
        .filter(|(_, d)| d.get("enum").is_some() && d.get("properties").is_none())
        .map(|(name, d)| {
            let mut d = d.as_object().cloned().unwrap_or_default();
            d.remove("description");
            (format!("#/$defs/{name}"), Value::Object(d))
        })
        .collect();
    if enums.is_empty() {
        return;
    }
    replace_refs(root, &enums);
    if let Some(Value::Object(defs)) = root.get_mut("$defs") {
        defs.retain(|name, _| !enums.contains_key(&format!("#/$defs/{name}")));
        if defs.is_empty() {
            root.remove("$defs");
        }
    }
}

fn replace_refs(v: &mut Map<String, Value>, enums: &Map<String, Value>) {
    if let Some(target) = v.get("$ref").and_then(Value::as_str).and_then(|r| enums.get(r)).cloned() {
        v.remove("$ref");
        if let Value::Object(t) = target {
            for (k, val) in t {
                v.entry(k).or_insert(val);
            }
        }
    }
    for child in v.values_mut() {
        match child {
            Value::Object(o) => replace_refs(o, enums),
            Value::Array(items) => {
                items.iter_mut().filter_map(Value::as_object_mut).for_each(|o| replace_refs(o, enums))
            }
            _ => {}
        }
    }
}

/// Rewrites one schema object and every subschema under it.
fn walk(s: &mut Map<String, Value>, usage: Use) {
    s.remove("title");
    if usage == Use::Output {
        // A result is checked for its shape; bounds and formats of values the server wrote add nothing.
        for key in ["description", "format", "minimum", "maximum"] {
            s.remove(key);
        }
    }
    // `minimum: 0` alone only says "unsigned", which serde enforces with a message naming the parameter.
    if s.get("minimum") == Some(&Value::from(0)) && s.get("maximum").is_none() {
        s.remove("minimum");
    }
    if s.get("format").and_then(Value::as_str).is_some_and(is_rust_format) {
        s.remove("format");
    }
    // A default of null, false or [] is what leaving the argument out means anyway.
    if matches!(s.get("default"), Some(Value::Null | Value::Bool(false)))
        || s.get("default") == Some(&Value::Array(vec![]))
    {
        s.remove("default");
    }
    if let Some(Value::String(d)) = s.get_mut("description") {
        // Doc comments wrap lines; the model reads one line.
        *d = d.split_whitespace().collect::<Vec<_>>().join(" ");
    }
    collapse_const_variants(s);
    if s.get("enum").and_then(Value::as_array).is_some_and(|e| e.iter().all(Value::is_string))
        && s.get("type") == Some(&Value::from("string"))
    {
        s.remove("type");
    }
    let required: Vec<String> = s
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    if let Some(Value::Object(props)) = s.get_mut("properties") {
        for (name, prop) in props.iter_mut() {
            if let Value::Object(p) = prop {
                // An optional property is left out rather than sent as null (inputs may still send null: serde
                // reads it as absent), so its type is the non-null one.
                if !required.contains(name) {
                    drop_null(p);
                }
                walk(p, usage);
            }
        }
    }
    for key in ["$defs", "definitions"] {
        if let Some(Value::Object(defs)) = s.get_mut(key) {
            defs.values_mut().filter_map(Value::as_object_mut).for_each(|d| walk(d, usage));
        }
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(Value::Object(sub)) = s.get_mut(key) {
            walk(sub, usage);
        }
    }
    for key in ["oneOf", "anyOf", "allOf", "prefixItems"] {
        if let Some(Value::Array(subs)) = s.get_mut(key) {
            subs.iter_mut().filter_map(Value::as_object_mut).for_each(|d| walk(d, usage));
        }
    }
}

/// `["x", "null"]` → `"x"`, and `anyOf: [{$ref}, {type: null}]` (an `Option<Enum>`) → the reference.
fn drop_null(p: &mut Map<String, Value>) {
    if let Some(Value::Array(subs)) = p.get("anyOf")
        && subs.len() == 2
        && let Some(null_at) = subs.iter().position(|v| v.get("type") == Some(&Value::from("null")))
        && let Value::Object(keep) = subs[1 - null_at].clone()
    {
        p.remove("anyOf");
        p.extend(keep);
    }
    if let Some(Value::Array(types)) = p.get("type") {
        let rest: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
        if rest.len() == 1 {
            p.insert("type".into(), rest[0].clone());
        } else if rest.len() < types.len() {
            p.insert("type".into(), Value::Array(rest));
        }
    }
}

/// `oneOf: [{const: "a", type: "string", description}, …]` → `type: "string", enum: ["a", …]`.
fn collapse_const_variants(s: &mut Map<String, Value>) {
    let Some(Value::Array(variants)) = s.get("oneOf") else { return };
    let values: Option<Vec<Value>> = variants
        .iter()
        .map(|v| match v.get("const") {
            Some(c @ Value::String(_)) => Some(c.clone()),
            _ => None,
        })
        .collect();
    if let Some(values) = values {
        s.remove("oneOf");
        s.insert("type".into(), "string".into());
        s.insert("enum".into(), Value::Array(values));
    }
}

fn is_rust_format(f: &str) -> bool {
    matches!(
        f,
        "int8" | "int16" | "int32" | "int64" | "uint" | "uint8" | "uint16" | "uint32" | "uint64" | "float" | "double"
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn formats_nulls_and_prose_go() {
        let input = obj(json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {
                "priority": {"type": "integer", "format": "uint8", "minimum": 0, "maximum": 4, "description": "P."},
                "model": {"type": ["string", "null"], "default": null, "description": "Model."},
                "status": {"$ref": "#/$defs/S"},
                "description": {"type": "string", "description": "A property named description stays."},
                "when": {"type": "string", "format": "date-time"},
                "flags": {"type": "array", "items": {"type": "string"}, "default": [], "description": "Two\n   lines."}
            },
            "required": ["status"],
            "additionalProperties": false,
            "$defs": {"S": {"description": "Status.", "oneOf": [
                {"const": "a", "type": "string", "description": "A."}, {"const": "b", "type": "string"}]}}
        }));
        let lean_in = lean(&input, Use::Input);
        assert_eq!(
            Value::Object(lean_in.clone()),
            json!({
                "type": "object",
                "properties": {
                    "priority": {"type": "integer", "minimum": 0, "maximum": 4, "description": "P."},
                    "model": {"type": "string", "description": "Model."},
                    "status": {"enum": ["a", "b"]},
                    "description": {"type": "string", "description": "A property named description stays."},
                    "when": {"type": "string", "format": "date-time"},
                    "flags": {"type": "array", "items": {"type": "string"}, "description": "Two lines."}
                },
                "required": ["status"]
            })
        );
        let lean_out = lean(&input, Use::Output);
        assert!(lean_out["properties"].get("description").is_some(), "a property is not prose");
        assert!(!serde_json::to_string(&lean_out).unwrap().contains("\"description\":\""), "{lean_out:?}");
    }

    #[test]
    fn titles_lone_minimums_and_single_use_definitions_go() {
        let s = obj(json!({
            "title": "P",
            "type": "object",
            "properties": {
                "n": {"type": "integer", "minimum": 0, "title": "N"},
                "a": {"$ref": "#/$defs/A"},
                "b1": {"$ref": "#/$defs/B"},
                "b2": {"type": "array", "items": {"$ref": "#/$defs/B"}},
                "title": {"type": "string"}
            },
            "$defs": {
                "A": {"type": "object", "properties": {"x": {"$ref": "#/$defs/C"}}},
                "B": {"type": "object", "properties": {"y": {"type": "integer"}}},
                "C": {"type": "object", "properties": {"z": {"type": "string"}}},
                "Unused": {"type": "object"}
            }
        }));
        assert_eq!(
            Value::Object(lean(&s, Use::Input)),
            json!({
                "type": "object",
                "properties": {
                    "n": {"type": "integer"},
                    "a": {"type": "object", "properties": {"x": {"type": "object", "properties": {"z": {"type": "string"}}}}},
                    "b1": {"$ref": "#/$defs/B"},
                    "b2": {"type": "array", "items": {"$ref": "#/$defs/B"}},
                    "title": {"type": "string"}
                },
                "$defs": {"B": {"type": "object", "properties": {"y": {"type": "integer"}}}}
            }),
            "a property named title stays; B is used twice"
        );
    }

    #[test]
    fn a_required_nullable_keeps_null() {
        let s = obj(json!({"type": "object", "properties": {"x": {"type": ["number", "null"]}}, "required": ["x"]}));
        assert_eq!(lean(&s, Use::Output)["properties"]["x"]["type"], json!(["number", "null"]));
    }

    #[test]
    fn an_optional_reference_is_the_reference() {
        let s = obj(json!({"type": "object", "properties": {
            "s": {"anyOf": [{"$ref": "#/$defs/S"}, {"type": "null"}], "description": "d"}}}));
        assert_eq!(lean(&s, Use::Input)["properties"]["s"], json!({"$ref": "#/$defs/S", "description": "d"}));
    }
}
