//! Reading a model's answer for one part: the JSON object is extracted and repaired by the same
//! code as `expand_task`'s answers, then checked against [`super::prompt::ANSWER_SCHEMA`]. Safe
//! repairs are reported; an answer with no `features` list is rejected.

use serde_json::{Map, Value};

use super::prompt::MAX_ITEMS_PER_ANSWER;
use crate::text::{Priority, parse_priority};

/// Longest title kept, in characters.
const MAX_TITLE_CHARS: usize = 200;
/// Longest description, criterion or story kept, in characters.
const MAX_TEXT_CHARS: usize = 2000;
/// Most criteria, stories or dependencies kept per item.
const MAX_LIST_ITEMS: usize = 30;

/// One item as the model described it, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelItem {
    /// The key of a known item the model says this is.
    pub key: Option<String>,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Priority, when the model gave a recognisable one.
    pub priority: Option<Priority>,
    /// Acceptance criteria.
    pub criteria: Vec<String>,
    /// User stories.
    pub stories: Vec<String>,
    /// Keys or titles of prerequisites.
    pub dependencies: Vec<String>,
}

/// Validates `text`; `Ok` holds the items and the repairs made, `Err` why the answer is unusable.
pub fn parse_answer(text: &str) -> Result<(Vec<ModelItem>, Vec<String>), String> {
    let mut repairs = Vec::new();
    let value = orch_expand::extract_json(text, &mut repairs)?;
    let items = features_array(value, &mut repairs)?;
    if items.len() > MAX_ITEMS_PER_ANSWER {
        repairs.push(format!("kept the first {MAX_ITEMS_PER_ANSWER} of {} features", items.len()));
    }
    let mut out = Vec::new();
    for (index, item) in items.iter().take(MAX_ITEMS_PER_ANSWER).enumerate() {
        let path = format!("features[{index}]");
        let Some(object) = item.as_object() else {
            repairs.push(format!("dropped {path}: not an object"));
            continue;
        };
        let title = clip(&text_field(object, &["title", "name"]), MAX_TITLE_CHARS, &path, &mut repairs);
        if title.is_empty() {
            repairs.push(format!("dropped {path}: blank title"));
            continue;
        }
        let priority = match object.get("priority") {
            None | Some(Value::Null) => None,
            Some(value) => {
                let raw = match value {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let parsed = parse_priority(&raw);
                if parsed.is_none() {
                    repairs.push(format!("ignored {path}.priority {value}: not a known priority"));
                }
                parsed
            }
        };
        out.push(ModelItem {
            key: Some(text_field(object, &["key", "id"])).filter(|k| !k.is_empty()),
            title,
            description: clip(&text_field(object, &["description", "details"]), MAX_TEXT_CHARS, &path, &mut repairs),
            priority,
            criteria: string_list(object, &["acceptanceCriteria", "acceptance_criteria"], &path, &mut repairs),
            stories: string_list(object, &["userStories", "user_stories"], &path, &mut repairs),
            dependencies: string_list(object, &["dependencies", "dependsOn", "depends_on"], &path, &mut repairs),
        });
    }
    Ok((out, repairs))
}

/// `{"features": [...]}`, a wrapper holding one, another list name, or a bare array.
fn features_array(value: Value, repairs: &mut Vec<String>) -> Result<Vec<Value>, String> {
    match value {
        Value::Object(mut map) => {
            if let Some(features) = map.remove("features") {
                return match features {
                    Value::Array(items) => Ok(items),
                    Value::Null => {
                        repairs.push("read \"features\": null as no features".into());
                        Ok(Vec::new())
                    }
                    _ => Err("\"features\" is not an array".into()),
                };
            }
            for name in ["requirements", "items", "tasks"] {
                if let Some(Value::Array(items)) = map.remove(name) {
                    repairs.push(format!("read \"{name}\" as \"features\""));
                    return Ok(items);
                }
            }
            let inner = map.into_iter().find_map(|(_, v)| match v {
                Value::Object(inner) if inner.get("features").is_some_and(Value::is_array) => Some(inner),
                _ => None,
            });
            match inner {
                Some(mut inner) => {
                    repairs.push("unwrapped the object holding \"features\"".into());
                    match inner.remove("features") {
                        Some(Value::Array(items)) => Ok(items),
                        _ => Err("\"features\" is not an array".into()),
                    }
                }
                None => Err("the JSON object has no \"features\" array".into()),
            }
        }
        Value::Array(items) => {
            repairs.push("the answer was a bare array; read it as \"features\"".into());
            Ok(items)
        }
        _ => Err("the answer is not a JSON object".into()),
    }
}

fn text_field(object: &Map<String, Value>, names: &[&str]) -> String {
    names
        .iter()
        .find_map(|n| object.get(*n))
        .and_then(|v| match v {
            Value::String(s) => Some(s.trim().to_owned()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .unwrap_or_default()
}

fn clip(text: &str, max: usize, path: &str, repairs: &mut Vec<String>) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    repairs.push(format!("shortened a text of {path} to {max} characters"));
    text.chars().take(max).collect()
}

/// A list of non-blank strings; a lone string becomes a one-entry list.
fn string_list(object: &Map<String, Value>, names: &[&str], path: &str, repairs: &mut Vec<String>) -> Vec<String> {
    let Some((name, value)) = names.iter().find_map(|n| object.get(*n).map(|v| (*n, v))) else {
        return Vec::new();
    };
    let entries: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        Value::String(_) => {
            repairs.push(format!("read {path}.{name} given as a string as a one-entry list"));
            vec![value]
        }
        _ => {
            repairs.push(format!("ignored {path}.{name}: not a list"));
            Vec::new()
        }
    };
    let mut out: Vec<String> = Vec::new();
    for entry in entries {
        match entry {
            Value::String(s) if !s.trim().is_empty() => {
                let s = clip(s.trim(), MAX_TEXT_CHARS, path, repairs);
                if !out.contains(&s) {
                    out.push(s);
                }
            }
            Value::String(_) | Value::Null => {}
            other => repairs.push(format!("dropped {path}.{name} entry {other}: not a string")),
        }
    }
    if out.len() > MAX_LIST_ITEMS {
        repairs.push(format!("kept the first {MAX_LIST_ITEMS} of {} entries in {path}.{name}", out.len()));
        out.truncate(MAX_LIST_ITEMS);
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_schema_answer_is_read_as_is() {
        let text = r#"{"features": [{"key": "login", "title": "User Login", "description": "Authenticate",
            "priority": "High", "acceptanceCriteria": ["JWT tokens are generated"], "userStories": [],
            "dependencies": ["User Registration"]}]}"#;
        let (items, repairs) = parse_answer(text).unwrap();
        assert!(repairs.is_empty(), "{repairs:?}");
        assert_eq!(items[0].key.as_deref(), Some("login"));
        assert_eq!(items[0].priority.as_ref().map(|p| p.value), Some(3));
        assert_eq!(items[0].dependencies, vec!["User Registration"]);
    }

    #[test]
    fn repairs_are_reported() {
        let text = "Here you go:\n```json\n{\"result\": {\"features\": [{\"name\": \"Search\", \"priority\": \"soonish\",
            \"acceptanceCriteria\": \"finds by title\", \"dependencies\": [3, \"Index\"]}, {\"title\": \" \"}, 7,],}}\n```";
        let (items, repairs) = parse_answer(text).unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].title, "Search");
        assert_eq!(items[0].criteria, vec!["finds by title"]);
        assert_eq!(items[0].dependencies, vec!["Index"]);
        assert!(items[0].priority.is_none());
        let all = repairs.join("\n");
        for needle in
            ["trailing commas", "unwrapped", "soonish", "one-entry list", "entry 3", "blank title", "not an object"]
        {
            assert!(all.contains(needle), "{needle} missing from {all}");
        }
    }

    #[test]
    fn oversized_answers_are_capped() {
        let many: Vec<Value> = (0..1000)
            .map(|i| serde_json::json!({"title": format!("Item {i} {}", "x".repeat(5000)), "acceptanceCriteria": vec!["c"; 100]}))
            .collect();
        let (items, repairs) = parse_answer(&serde_json::json!({"features": many}).to_string()).unwrap();
        assert_eq!(items.len(), MAX_ITEMS_PER_ANSWER);
        assert!(items.iter().all(|i| i.title.chars().count() == MAX_TITLE_CHARS));
        assert!(items.iter().all(|i| i.criteria == vec!["c"]), "duplicates are folded");
        assert!(repairs.iter().any(|r| r.contains("kept the first 60 of 1000")), "{:?}", &repairs[..3]);
    }

    #[test]
    fn unusable_answers_are_rejected() {
        for text in ["", "no JSON here", "{\"features\": [", "{\"summary\": \"x\"}", "{\"features\": \"x\"}", "42"] {
            assert!(parse_answer(text).is_err(), "{text:?} accepted");
        }
        assert_eq!(parse_answer("{\"features\": []}").unwrap().0, vec![]);
    }
}
