//! Every prompt sent to a model, and the JSON schema its answer must follow. Change the wording
//! here only; `docs/expansion.md` quotes the schema.

use std::fmt::Write as _;

use crate::types::{ExpandOptions, TaskContext};

/// Most top-level subtasks accepted from a model (extra ones are dropped with a warning).
pub const MAX_SUBTASKS: usize = 12;
/// Most children of one nested subtask.
pub const MAX_CHILDREN: usize = 8;
/// Most entries in `implementationSteps`, `testTasks` and `documentationTasks` each.
pub const MAX_SECTION_ITEMS: usize = 30;
/// Largest effort of one subtask in hours (larger values are clamped with a warning).
pub const MAX_SUBTASK_EFFORT_HOURS: f64 = 200.0;
/// Longest title kept, in characters.
pub const MAX_TITLE_CHARS: usize = 160;
/// Longest description kept, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 2000;

/// The answer format, as shown to the model. `docs/expansion.md` documents the same schema.
pub const ANSWER_SCHEMA: &str = r#"{
  "subtasks": [
    {
      "title": "string, imperative, under 100 characters",
      "description": "string: what to do and how to know it is done",
      "estimatedEffort": "number: hours, greater than 0",
      "dependencies": "array of integers: 0-based indices of EARLIER subtasks in the same list",
      "taskType": "one of design | research | implementation | migration | test | documentation | deployment",
      "tags": ["string"],
      "acceptanceCriteria": ["string"],
      "subtasks": "array of the same shape (only when more levels are requested), else []"
    }
  ],
  "implementationSteps": [
    {"title": "string", "description": "string", "subtaskIndex": "integer: index of the top-level subtask"}
  ],
  "testTasks": [
    {"title": "string", "description": "string", "testType": "unit | integration | e2e | regression | contract | migration | manual",
     "framework": "string or null", "acceptanceCriterion": "string or null", "subtaskIndex": "integer or null"}
  ],
  "documentationTasks": [
    {"title": "string", "description": "string", "docType": "api | user | developer | runbook | changelog | report", "subtaskIndex": "integer or null"}
  ],
  "confidence": "number from 0 to 1: how sure you are this breakdown is right"
}"#;

/// The system prompt: role and output rules.
pub fn system_prompt() -> String {
    format!(
        "You are a senior engineer breaking a software task into subtasks that a developer or an AI \
coding agent can pick up one at a time. Answer with ONE JSON object and nothing else: no prose, no \
Markdown fences. The object must follow this schema:\n{ANSWER_SCHEMA}\n\
Rules: at most {MAX_SUBTASKS} subtasks per level and {MAX_CHILDREN} children per subtask; each \
subtask is concrete work named after what it changes, not a restatement of the task; dependencies \
only point to earlier siblings; efforts are realistic hours and the top-level efforts add up to the \
whole task; omit sections you are told not to produce (give them as empty arrays)."
    )
}

/// The user prompt for one task.
pub fn user_prompt(task: &TaskContext, options: &ExpandOptions) -> String {
    let depth = options.effective_depth();
    let mut prompt = String::new();
    let _ = writeln!(prompt, "Task #{}: {}", task.id, task.title.trim());
    push_field(&mut prompt, "Description", task.description.as_deref());
    push_field(&mut prompt, "Details", task.details.as_deref());
    push_field(&mut prompt, "Task type", task.task_type.as_deref());
    push_field(&mut prompt, "Language", task.code_language.as_deref());
    if !task.tags.is_empty() {
        let _ = writeln!(prompt, "Tags: {}", task.tags.join(", "));
    }
    let _ = writeln!(prompt, "Priority: {} (0 lowest, 4 highest)", task.priority);
    if let Some(hours) = task.estimated_hours.filter(|h| h.is_finite() && *h > 0.0) {
        let _ = writeln!(
            prompt,
            "Estimated effort of the whole task: {hours:.1} hours (top-level efforts should add up to it)"
        );
    }
    if let Some(score) = task.complexity_score.filter(|s| s.is_finite()) {
        let _ = writeln!(prompt, "Complexity score: {score:.1} of 10");
    }
    push_list(&mut prompt, "Acceptance criteria", &task.acceptance_criteria);
    push_list(&mut prompt, "Known risks", &task.risks);
    let _ = writeln!(prompt);
    if depth == 1 {
        let _ = writeln!(prompt, "Produce one level of subtasks: every subtask has \"subtasks\": [].");
    } else {
        let _ = writeln!(
            prompt,
            "Produce {depth} levels: top-level subtasks, and nested \"subtasks\" inside them down to \
level {depth}; leave \"subtasks\" empty for work that is already small (under 2 hours)."
        );
    }
    let mut sections = Vec::new();
    sections.push(if options.include_implementation {
        "implementationSteps: the ordered implementation guidance"
    } else {
        "implementationSteps: []  (not requested)"
    });
    sections.push(if options.include_tests {
        "testTasks: one per acceptance criterion plus the tests the work needs; also include test subtasks"
    } else {
        "testTasks: []  (not requested; do not create test subtasks)"
    });
    sections.push(if options.include_documentation {
        "documentationTasks: the documentation the change needs; also include a documentation subtask"
    } else {
        "documentationTasks: []  (not requested; do not create documentation subtasks)"
    });
    for section in sections {
        let _ = writeln!(prompt, "- {section}");
    }
    prompt
}

fn push_field(prompt: &mut String, label: &str, value: Option<&str>) {
    if let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) {
        let _ = writeln!(prompt, "{label}: {value}");
    }
}

fn push_list(prompt: &mut String, label: &str, items: &[String]) {
    let items: Vec<&str> = items.iter().map(|s| s.trim()).filter(|s| !s.is_empty()).collect();
    if !items.is_empty() {
        let _ = writeln!(prompt, "{label}:");
        for item in items {
            let _ = writeln!(prompt, "- {item}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompt_carries_the_task_and_omits_unrequested_sections() {
        let task = TaskContext {
            id: 7,
            title: "Add login endpoint".into(),
            acceptance_criteria: vec!["returns 401 on a wrong password".into()],
            code_language: Some("python".into()),
            estimated_hours: Some(6.0),
            ..TaskContext::default()
        };
        let options = ExpandOptions { include_tests: false, depth: 1, ..ExpandOptions::default() };
        let prompt = user_prompt(&task, &options);
        assert!(prompt.contains("Task #7: Add login endpoint"));
        assert!(prompt.contains("- returns 401 on a wrong password"));
        assert!(prompt.contains("Language: python"));
        assert!(prompt.contains("6.0 hours"));
        assert!(prompt.contains("testTasks: []  (not requested"));
        assert!(prompt.contains("one level of subtasks"));
        assert!(system_prompt().contains("\"estimatedEffort\""));
    }
}
