//! Turning a model's text into a validated expansion: tolerant extraction of the JSON object,
//! validation against the schema in [`crate::prompt`], repairs that are safe (each one reported as
//! a warning), and rejection of the rest.

use serde_json::{Map, Value};

use crate::prompt::{
    MAX_CHILDREN, MAX_DESCRIPTION_CHARS, MAX_SECTION_ITEMS, MAX_SUBTASK_EFFORT_HOURS, MAX_SUBTASKS, MAX_TITLE_CHARS,
};
use crate::types::{DocumentationTask, ExpandOptions, ExpandedSubtask, ImplementationStep, TestTask};

/// A validated answer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ParsedAnswer {
    pub subtasks: Vec<ExpandedSubtask>,
    pub implementation_steps: Vec<ImplementationStep>,
    pub test_tasks: Vec<TestTask>,
    pub documentation_tasks: Vec<DocumentationTask>,
    /// The model's own confidence, 0–1, when it gave one.
    pub confidence: Option<f64>,
    /// One entry per repair.
    pub repairs: Vec<String>,
}

/// Parses and validates `text`; `Err` says why the answer cannot be used.
pub(crate) fn parse_answer(text: &str, options: &ExpandOptions) -> Result<ParsedAnswer, String> {
    let mut repairs = Vec::new();
    let value = extract_json(text, &mut repairs)?;
    let root = normalise_root(value, &mut repairs)?;
    let depth = options.effective_depth();

    let subtasks_value = root.get("subtasks").cloned().unwrap_or(Value::Null);
    let mut subtasks = parse_subtask_list(&subtasks_value, "subtasks", 1, depth, options, &mut repairs)?;
    if subtasks.is_empty() {
        return Err("the answer has no usable subtasks".into());
    }
    subtasks.truncate(MAX_SUBTASKS);
    let count = subtasks.len();

    let implementation_steps = if options.include_implementation {
        parse_steps(root.get("implementationSteps"), count, &mut repairs)
    } else {
        drop_unrequested(&root, "implementationSteps", &mut repairs);
        Vec::new()
    };
    let test_tasks = if options.include_tests {
        parse_tests(root.get("testTasks"), count, &mut repairs)
    } else {
        drop_unrequested(&root, "testTasks", &mut repairs);
        Vec::new()
    };
    let documentation_tasks = if options.include_documentation {
        parse_docs(root.get("documentationTasks"), count, &mut repairs)
    } else {
        drop_unrequested(&root, "documentationTasks", &mut repairs);
        Vec::new()
    };
    let confidence = root.get("confidence").and_then(number).and_then(|c| {
        if (0.0..=1.0).contains(&c) {
            Some(c)
        } else if c > 1.0 && c <= 100.0 {
            repairs.push(format!("confidence {c} read as a percentage"));
            Some(c / 100.0)
        } else {
            repairs.push(format!("ignored confidence {c} (must be 0 to 1)"));
            None
        }
    });

    Ok(ParsedAnswer { subtasks, implementation_steps, test_tasks, documentation_tasks, confidence, repairs })
}

/// Finds the outermost JSON object in `text` (after Markdown fences or prose) and parses it,
/// removing trailing commas if that is what stops it from parsing. Each repair made is pushed to
/// `repairs`; `Err` says why no JSON could be read. Shared by every feature that reads model answers.
pub fn extract_json(text: &str, repairs: &mut Vec<String>) -> Result<Value, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err("the answer is empty".into());
    }
    if let Ok(value) = serde_json::from_str::<Value>(trimmed) {
        return Ok(value);
    }
    let candidate = outermost_object(trimmed)
        .ok_or_else(|| "the answer contains no complete JSON object (was it cut off by max_tokens?)".to_owned())?;
    if candidate.len() != trimmed.len() {
        repairs.push("ignored text around the JSON object".into());
    }
    match serde_json::from_str::<Value>(candidate) {
        Ok(value) => Ok(value),
        Err(first_error) => {
            let cleaned = remove_trailing_commas(candidate);
            match serde_json::from_str::<Value>(&cleaned) {
                Ok(value) => {
                    repairs.push("removed trailing commas from the JSON".into());
                    Ok(value)
                }
                Err(_) => Err(format!("the answer is not valid JSON: {first_error}")),
            }
        }
    }
}

/// The span from the first `{` to its matching `}`, strings and escapes respected.
fn outermost_object(text: &str) -> Option<&str> {
    let start = text.find('{')?;
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (offset, ch) in text[start..].char_indices() {
        if in_string {
            match ch {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match ch {
            '"' => in_string = true,
            '{' => depth += 1,
            '}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(&text[start..=start + offset]);
                }
            }
            _ => {}
        }
    }
    None
}

fn remove_trailing_commas(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    for (i, &ch) in chars.iter().enumerate() {
        if in_string {
            match ch {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            out.push(ch);
            continue;
        }
        if ch == '"' {
            in_string = true;
        }
        if ch == ',' {
            let next = chars[i + 1..].iter().find(|c| !c.is_whitespace());
            if matches!(next, Some('}') | Some(']')) {
                continue;
            }
        }
        out.push(ch);
    }
    out
}

/// Accepts `{"subtasks": …}`, a wrapper object holding one such object, or a bare array of subtasks.
fn normalise_root(value: Value, repairs: &mut Vec<String>) -> Result<Map<String, Value>, String> {
    match value {
        Value::Object(map) if map.contains_key("subtasks") => Ok(map),
        Value::Object(map) => {
            let inner = map.values().find_map(|v| v.as_object().filter(|o| o.contains_key("subtasks")));
            match inner {
                Some(inner) => {
                    repairs.push("unwrapped the object holding \"subtasks\"".into());
                    Ok(inner.clone())
                }
                None => Err("the JSON object has no \"subtasks\" array".into()),
            }
        }
        Value::Array(items) => {
            repairs.push("the answer was a bare array; read it as \"subtasks\"".into());
            let mut map = Map::new();
            map.insert("subtasks".into(), Value::Array(items));
            Ok(map)
        }
        _ => Err("the answer is not a JSON object".into()),
    }
}

fn parse_subtask_list(
    value: &Value,
    path: &str,
    level: u32,
    depth: u32,
    options: &ExpandOptions,
    repairs: &mut Vec<String>,
) -> Result<Vec<ExpandedSubtask>, String> {
    let items = match value {
        Value::Array(items) => items.as_slice(),
        Value::Null => return Ok(Vec::new()),
        _ => return Err(format!("{path} is not an array")),
    };
    let cap = if level == 1 { MAX_SUBTASKS } else { MAX_CHILDREN };
    if items.len() > cap {
        repairs.push(format!("kept the first {cap} of {} entries in {path}", items.len()));
    }
    // Items are parsed first, then dropped ones are removed and the survivors' dependency
    // indices remapped, so that dropping never makes a dependency point at the wrong sibling.
    let mut parsed: Vec<Option<(ExpandedSubtask, Option<f64>)>> = Vec::new();
    for (index, item) in items.iter().take(cap).enumerate() {
        let item_path = format!("{path}[{index}]");
        let Some(object) = item.as_object() else {
            repairs.push(format!("dropped {item_path}: not an object"));
            parsed.push(None);
            continue;
        };
        let title = text_field(object, &["title", "name"]);
        if title.is_empty() {
            repairs.push(format!("dropped {item_path}: blank title"));
            parsed.push(None);
            continue;
        }
        let task_type = normalise_task_type(&text_field(object, &["taskType", "type"]));
        if (task_type == "test" && !options.include_tests)
            || (task_type == "documentation" && !options.include_documentation)
        {
            repairs.push(format!("dropped {item_path} ({task_type}): that kind of task was not requested"));
            parsed.push(None);
            continue;
        }
        let title = truncate_chars(&title, MAX_TITLE_CHARS, &item_path, "title", repairs);
        let description = truncate_chars(
            &text_field(object, &["description", "details"]),
            MAX_DESCRIPTION_CHARS,
            &item_path,
            "description",
            repairs,
        );
        let effort = ["estimatedEffort", "estimated_effort", "effort", "estimatedHours", "hours"]
            .iter()
            .find_map(|k| object.get(*k))
            .and_then(number);
        let effort = match effort {
            Some(e) if e > MAX_SUBTASK_EFFORT_HOURS => {
                repairs.push(format!("clamped {item_path}.estimatedEffort {e} to {MAX_SUBTASK_EFFORT_HOURS} hours"));
                Some(MAX_SUBTASK_EFFORT_HOURS)
            }
            Some(e) if e > 0.0 => Some(e),
            _ => None,
        };
        let dependencies = parse_dependencies(object.get("dependencies"), index, &item_path, repairs);
        let children_value = object.get("subtasks").cloned().unwrap_or(Value::Null);
        let children = if level < depth {
            parse_subtask_list(&children_value, &format!("{item_path}.subtasks"), level + 1, depth, options, repairs)?
        } else {
            if children_value.as_array().is_some_and(|a| !a.is_empty()) {
                repairs.push(format!("dropped {item_path}.subtasks: deeper than the effective depth {depth}"));
            }
            Vec::new()
        };
        parsed.push(Some((
            ExpandedSubtask {
                title,
                description,
                estimated_effort: 0.0,
                dependencies,
                task_type,
                tags: string_list(object.get("tags")),
                acceptance_criteria: string_list(object.get("acceptanceCriteria")),
                subtasks: children,
            },
            effort,
        )));
    }

    let mut new_index = Vec::with_capacity(parsed.len());
    let mut next = 0usize;
    for item in &parsed {
        new_index.push(item.as_ref().map(|_| {
            next += 1;
            next - 1
        }));
    }
    let valid_efforts: Vec<f64> = parsed.iter().flatten().filter_map(|(_, effort)| *effort).collect();
    let fallback_effort = median(&valid_efforts).unwrap_or(1.0);
    let mut out = Vec::with_capacity(next);
    for (old_index, item) in parsed.into_iter().enumerate() {
        let Some((mut subtask, effort)) = item else {
            continue;
        };
        let before = subtask.dependencies.len();
        subtask.dependencies =
            subtask.dependencies.iter().filter_map(|d| new_index.get(*d).copied().flatten()).collect();
        if subtask.dependencies.len() != before {
            repairs.push(format!("removed dependencies of {path}[{old_index}] on dropped subtasks"));
        }
        subtask.estimated_effort = match effort {
            Some(e) => round_quarter(e),
            None => {
                repairs.push(format!(
                    "{path}[{old_index}] had no valid estimatedEffort; used {fallback_effort} hours (median of its siblings)"
                ));
                round_quarter(fallback_effort)
            }
        };
        out.push(subtask);
    }
    Ok(out)
}

fn parse_dependencies(value: Option<&Value>, own_index: usize, path: &str, repairs: &mut Vec<String>) -> Vec<usize> {
    let Some(items) = value.and_then(Value::as_array) else {
        return Vec::new();
    };
    let mut deps = Vec::new();
    for item in items {
        let index = number(item).filter(|n| n.fract() == 0.0 && *n >= 0.0);
        match index {
            Some(n) if (n as usize) < own_index => {
                let n = n as usize;
                if !deps.contains(&n) {
                    deps.push(n);
                }
            }
            _ => repairs.push(format!(
                "dropped dependency {item} of {path}: dependencies must be indices of earlier siblings (0..{own_index})"
            )),
        }
    }
    deps.sort_unstable();
    deps
}

fn parse_steps(value: Option<&Value>, subtasks: usize, repairs: &mut Vec<String>) -> Vec<ImplementationStep> {
    section_items(value, "implementationSteps", repairs)
        .into_iter()
        .enumerate()
        .map(|(i, (object, title, path))| ImplementationStep {
            order: u32::try_from(i + 1).unwrap_or(u32::MAX),
            title,
            description: text_field(object, &["description", "details"]),
            subtask_index: subtask_index(object, subtasks, &path, repairs),
        })
        .collect()
}

/// An optional positive effort in hours, capped and rounded to a quarter hour like subtask efforts.
fn optional_effort(object: &serde_json::Map<String, Value>) -> Option<f64> {
    object
        .get("estimatedEffort")
        .and_then(number)
        .filter(|e| *e > 0.0)
        .map(|e| round_quarter(e.min(MAX_SUBTASK_EFFORT_HOURS)))
}

fn parse_tests(value: Option<&Value>, subtasks: usize, repairs: &mut Vec<String>) -> Vec<TestTask> {
    section_items(value, "testTasks", repairs)
        .into_iter()
        .map(|(object, title, path)| {
            let test_type = text_field(object, &["testType", "type"]).to_ascii_lowercase();
            TestTask {
                title,
                description: text_field(object, &["description", "details"]),
                test_type: if test_type.is_empty() { "unit".into() } else { test_type },
                framework: optional_text(object, "framework"),
                acceptance_criterion: optional_text(object, "acceptanceCriterion"),
                estimated_effort: optional_effort(object),
                subtask_index: subtask_index(object, subtasks, &path, repairs),
            }
        })
        .collect()
}

fn parse_docs(value: Option<&Value>, subtasks: usize, repairs: &mut Vec<String>) -> Vec<DocumentationTask> {
    section_items(value, "documentationTasks", repairs)
        .into_iter()
        .map(|(object, title, path)| {
            let doc_type = text_field(object, &["docType", "type"]).to_ascii_lowercase();
            DocumentationTask {
                title,
                description: text_field(object, &["description", "details"]),
                doc_type: if doc_type.is_empty() { "developer".into() } else { doc_type },
                estimated_effort: optional_effort(object),
                subtask_index: subtask_index(object, subtasks, &path, repairs),
            }
        })
        .collect()
}

/// The objects of a section that have a title, with their title and path.
fn section_items<'a>(
    value: Option<&'a Value>,
    name: &str,
    repairs: &mut Vec<String>,
) -> Vec<(&'a Map<String, Value>, String, String)> {
    let Some(items) = value.and_then(Value::as_array) else {
        if value.is_some_and(|v| !v.is_null()) {
            repairs.push(format!("ignored {name}: not an array"));
        }
        return Vec::new();
    };
    if items.len() > MAX_SECTION_ITEMS {
        repairs.push(format!("kept the first {MAX_SECTION_ITEMS} of {} entries in {name}", items.len()));
    }
    let mut out = Vec::new();
    for (index, item) in items.iter().take(MAX_SECTION_ITEMS).enumerate() {
        let path = format!("{name}[{index}]");
        match item.as_object() {
            Some(object) => {
                let title = text_field(object, &["title", "name"]);
                if title.is_empty() {
                    repairs.push(format!("dropped {path}: blank title"));
                } else {
                    let title = truncate_chars(&title, MAX_TITLE_CHARS, &path, "title", repairs);
                    out.push((object, title, path));
                }
            }
            None => repairs.push(format!("dropped {path}: not an object")),
        }
    }
    out
}

fn subtask_index(object: &Map<String, Value>, subtasks: usize, path: &str, repairs: &mut Vec<String>) -> Option<usize> {
    let value = object.get("subtaskIndex").filter(|v| !v.is_null())?;
    match number(value) {
        Some(n) if n.fract() == 0.0 && n >= 0.0 && (n as usize) < subtasks => Some(n as usize),
        _ => {
            repairs.push(format!("cleared {path}.subtaskIndex {value}: no such top-level subtask"));
            None
        }
    }
}

fn drop_unrequested(root: &Map<String, Value>, name: &str, repairs: &mut Vec<String>) {
    if root.get(name).and_then(Value::as_array).is_some_and(|a| !a.is_empty()) {
        repairs.push(format!("dropped {name}: not requested"));
    }
}

/// A number, or a string starting with one ("3", "2.5h", "4 hours").
fn number(value: &Value) -> Option<f64> {
    let n = match value {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => {
            let s = s.trim();
            let end = s.char_indices().find(|(_, c)| !(c.is_ascii_digit() || *c == '.')).map_or(s.len(), |(i, _)| i);
            s[..end].parse::<f64>().ok()?
        }
        _ => return None,
    };
    n.is_finite().then_some(n)
}

fn text_field(object: &Map<String, Value>, keys: &[&str]) -> String {
    keys.iter().find_map(|k| object.get(*k).and_then(Value::as_str)).map(|s| s.trim().to_owned()).unwrap_or_default()
}

fn optional_text(object: &Map<String, Value>, key: &str) -> Option<String> {
    object.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

fn string_list(value: Option<&Value>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in value.and_then(Value::as_array).into_iter().flatten() {
        if let Some(s) = item.as_str().map(str::trim).filter(|s| !s.is_empty())
            && !out.iter().any(|o| o == s)
        {
            out.push(s.to_owned());
        }
    }
    out
}

fn truncate_chars(text: &str, max: usize, path: &str, field: &str, repairs: &mut Vec<String>) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    repairs.push(format!("shortened {path}.{field} to {max} characters"));
    let mut out: String = text.chars().take(max - 1).collect();
    out.push('…');
    out
}

fn normalise_task_type(raw: &str) -> String {
    let lower = raw.trim().to_ascii_lowercase();
    match lower.as_str() {
        "" | "impl" | "feature" | "coding" | "development" | "code" => "implementation".into(),
        "tests" | "testing" | "qa" => "test".into(),
        "docs" | "doc" => "documentation".into(),
        "deploy" | "rollout" | "release" | "deployment" => "deployment".into(),
        "spike" | "investigation" => "research".into(),
        "architecture" => "design".into(),
        _ => lower,
    }
}

fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    Some(sorted[sorted.len() / 2])
}

/// Rounds hours to the nearest quarter hour, never below a quarter.
pub(crate) fn round_quarter(hours: f64) -> f64 {
    ((hours * 4.0).round() / 4.0).max(0.25)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn options() -> ExpandOptions {
        ExpandOptions { depth: 1, ..ExpandOptions::default() }
    }

    #[test]
    fn fenced_json_with_prose_and_trailing_commas_is_read() {
        let text = "Here you go:\n```json\n{\"subtasks\": [{\"title\": \"A {b}\", \"estimatedEffort\": \"2h\",},],}\n```\nThanks";
        let parsed = parse_answer(text, &options()).unwrap();
        assert_eq!(parsed.subtasks.len(), 1);
        assert_eq!(parsed.subtasks[0].title, "A {b}");
        assert_eq!(parsed.subtasks[0].estimated_effort, 2.0);
        assert!(parsed.repairs.iter().any(|r| r.contains("trailing commas")));
    }

    #[test]
    fn bad_dependencies_and_blank_titles_are_repaired_with_remapping() {
        let text = r#"{"subtasks": [
            {"title": "first", "estimatedEffort": 2},
            {"title": "  ", "estimatedEffort": 1},
            {"title": "third", "estimatedEffort": 500, "dependencies": [0, 1, 2, 7, "x"]},
            {"title": "fourth", "dependencies": [2]}
        ]}"#;
        let parsed = parse_answer(text, &options()).unwrap();
        let titles: Vec<&str> = parsed.subtasks.iter().map(|s| s.title.as_str()).collect();
        assert_eq!(titles, ["first", "third", "fourth"]);
        assert_eq!(parsed.subtasks[1].dependencies, vec![0]);
        assert_eq!(parsed.subtasks[1].estimated_effort, MAX_SUBTASK_EFFORT_HOURS);
        // "fourth" depended on "third" (old index 2), now index 1.
        assert_eq!(parsed.subtasks[2].dependencies, vec![1]);
        // Missing effort: median of valid siblings (2, 200) -> 200.
        assert!(parsed.subtasks[2].estimated_effort > 0.0);
        let repairs = parsed.repairs.join("\n");
        assert!(repairs.contains("blank title"), "{repairs}");
        assert!(repairs.contains("clamped"), "{repairs}");
        assert!(repairs.contains("dropped dependency 2"), "{repairs}");
        assert!(repairs.contains("dropped dependency 7"), "{repairs}");
        assert!(repairs.contains("on dropped subtasks"), "{repairs}");
    }

    #[test]
    fn unusable_answers_are_rejected() {
        for text in [
            "",
            "I cannot help with that.",
            "{\"subtasks\": [",
            "{\"tasks\": []}",
            "{\"subtasks\": [{\"title\": \"\"}]}",
            "{\"subtasks\": \"none\"}",
        ] {
            assert!(parse_answer(text, &options()).is_err(), "{text:?} accepted");
        }
    }

    #[test]
    fn depth_and_unrequested_sections_are_enforced() {
        let text = r#"{"subtasks": [{"title": "a", "estimatedEffort": 1,
              "subtasks": [{"title": "a.1", "estimatedEffort": 1,
                  "subtasks": [{"title": "a.1.1", "estimatedEffort": 1}]}]},
              {"title": "tests", "taskType": "testing", "estimatedEffort": 1}],
            "testTasks": [{"title": "t"}], "implementationSteps": [{"title": "s", "subtaskIndex": 9}]}"#;
        let opts = ExpandOptions { depth: 2, include_tests: false, ..ExpandOptions::default() };
        let parsed = parse_answer(text, &opts).unwrap();
        assert_eq!(parsed.subtasks.len(), 1);
        assert_eq!(parsed.subtasks[0].subtasks.len(), 1);
        assert!(parsed.subtasks[0].subtasks[0].subtasks.is_empty());
        assert!(parsed.test_tasks.is_empty());
        assert_eq!(parsed.implementation_steps[0].subtask_index, None);
        let repairs = parsed.repairs.join("\n");
        assert!(repairs.contains("deeper than the effective depth 2"), "{repairs}");
        assert!(repairs.contains("dropped testTasks: not requested"), "{repairs}");
        assert!(repairs.contains("not requested"), "{repairs}");
    }
}
