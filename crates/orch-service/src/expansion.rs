//! `expand_task`: decompose a task into stored subtasks with an LLM provider or the offline planner.

use std::sync::Arc;

use orch_core::{NewTask, Status, Task, TaskFilter, TaskId, TaskQuery, validate};
use orch_expand::{ExpandOptions, ExpandedSubtask, ExpandedTaskResult, LlmProvider, TaskContext};
use serde::Deserialize;

use crate::{Error, Orchestrator, Result};

/// Most existing subtasks looked at when checking for a previous expansion.
const SUBTASK_SCAN: u32 = 500;

/// How to expand.
#[derive(Debug, Clone, Default)]
pub struct ExpansionRequest {
    /// Depth, tests, docs, provider, model, tokens, temperature.
    pub options: ExpandOptions,
    /// Delete the task's existing subtasks (with their own subtasks) and expand again.
    pub replace: bool,
}

/// The expansion and the tasks it created.
#[derive(Debug, Clone)]
pub struct ExpansionReport {
    /// What the provider or planner produced.
    pub expansion: ExpandedTaskResult,
    /// The stored subtasks, depth first, in the order of the expansion.
    pub created: Vec<Task>,
    /// Subtasks deleted first because of `replace`.
    pub replaced: Vec<TaskId>,
}

/// Acceptance criteria written as list items in the task's details.
fn acceptance_criteria(details: Option<&str>) -> Vec<String> {
    details
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter_map(|l| l.strip_prefix("- ").or_else(|| l.strip_prefix("* ")))
        .map(|l| l.trim_start_matches("[ ] ").trim_start_matches("[x] ").trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

/// Details for a stored subtask: its acceptance criteria and the test and documentation tasks aimed at it.
fn subtask_details(subtask: &ExpandedSubtask, tests: &[String], docs: &[String]) -> Option<String> {
    let mut sections = Vec::new();
    let list = |title: &str, items: &[String]| {
        (!items.is_empty())
            .then(|| format!("{title}\n{}", items.iter().map(|i| format!("- [ ] {i}")).collect::<Vec<_>>().join("\n")))
    };
    sections.extend(list("Acceptance criteria:", &subtask.acceptance_criteria));
    sections.extend(list("Tests:", tests));
    sections.extend(list("Documentation:", docs));
    (!sections.is_empty()).then(|| sections.join("\n\n"))
}

/// What an expansion reads from the task's latest stored complexity analysis (a serialised `ComplexityAnalysis`).
/// Every field is optional so results stored by older versions still read.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct StoredComplexity {
    estimated_hours: Option<f64>,
    risk_assessment: StoredRiskAssessment,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct StoredRiskAssessment {
    risks: Vec<StoredRisk>,
}

#[derive(Debug, Deserialize)]
struct StoredRisk {
    /// The `RiskCategory` in its snake_case name, as the expansion prompt shows it.
    category: String,
}

impl StoredComplexity {
    fn read(result: serde_json::Value) -> Option<Self> {
        serde_json::from_value(result).ok()
    }
}

impl Orchestrator {
    /// Expands a task into subtasks (recursively up to the effective depth) and stores them as tasks with
    /// `parent_id`, in the task's project, with their sibling dependencies, in one transaction.
    ///
    /// A task that already has subtasks is refused unless `replace` is set. `sampling` is the MCP client's own model,
    /// tried first when the provider is `auto`.
    pub async fn expand_task(
        &self,
        id: TaskId,
        request: ExpansionRequest,
        sampling: Option<Arc<dyn LlmProvider>>,
    ) -> Result<ExpansionReport> {
        request.options.validate()?;
        let task = self.store.get_task(id).await?;
        let existing = self
            .store
            .list_tasks(&TaskQuery {
                filter: TaskFilter { parent_id: Some(id), ..Default::default() },
                limit: SUBTASK_SCAN,
                offset: 0,
            })
            .await?;
        if existing.total > 0 && !request.replace {
            let ids: Vec<String> = existing.tasks.iter().map(|t| format!("#{}", t.id)).collect();
            return Err(Error::Conflict(format!(
                "task #{id} already has {} subtask(s) ({}); pass replace: true to delete them and expand again, or \
                 expand one of the subtasks",
                existing.total,
                ids.join(", ")
            )));
        }
        let latest_analysis = self.store.analyses(id).await?.into_iter().rev().find(|a| a.kind == "complexity");
        let latest_analysis = latest_analysis.and_then(|a| StoredComplexity::read(a.result));
        let analysed_hours = latest_analysis.as_ref().and_then(|a| a.estimated_hours);
        let risks = latest_analysis.map(|a| a.risk_assessment.risks.into_iter().map(|r| r.category).collect());
        let risks = risks.unwrap_or_default();
        let context = TaskContext {
            id: id.0,
            title: task.title.clone(),
            description: task.description.clone(),
            details: task.details.clone(),
            tags: task.tags.clone(),
            code_language: task.code_language.clone(),
            task_type: task.task_type.clone(),
            priority: task.priority,
            acceptance_criteria: acceptance_criteria(task.details.as_deref()),
            estimated_hours: task.estimated_hours.or(analysed_hours),
            complexity_score: task.complexity_score,
            risks,
        };
        let expansion = self.expander.expand(&context, &request.options, sampling).await?;

        let mut replaced = Vec::new();
        if request.replace {
            for sub in &existing.tasks {
                replaced.extend(self.store.delete_task(sub.id, true).await?.deleted);
            }
        }
        let batch = validate::new_task_batch(flatten(&task, &expansion))?;
        let created = if batch.is_empty() { Vec::new() } else { self.store.create_tasks(batch).await? };
        if task.status == Status::Completed && !created.is_empty() {
            tracing::info!(task = %id, "expanded a completed task; its new subtasks are pending");
        }
        Ok(ExpansionReport { expansion, created, replaced })
    }
}

/// The expansion tree as one batch: depth first, parents before children, sibling dependencies as batch references.
fn flatten(parent: &Task, expansion: &ExpandedTaskResult) -> Vec<NewTask> {
    let tests_for = |i: usize| -> Vec<String> {
        expansion.test_tasks.iter().filter(|t| t.subtask_index == Some(i)).map(|t| t.title.clone()).collect()
    };
    let docs_for = |i: usize| -> Vec<String> {
        expansion.documentation_tasks.iter().filter(|d| d.subtask_index == Some(i)).map(|d| d.title.clone()).collect()
    };
    let mut out = Vec::new();
    push_level(&mut out, parent, None, &expansion.subtasks, &tests_for, &docs_for, true);
    out
}

fn push_level(
    out: &mut Vec<NewTask>,
    root: &Task,
    parent_ref: Option<TaskId>,
    level: &[ExpandedSubtask],
    tests_for: &dyn Fn(usize) -> Vec<String>,
    docs_for: &dyn Fn(usize) -> Vec<String>,
    top: bool,
) {
    let mut refs: Vec<TaskId> = Vec::with_capacity(level.len());
    for (i, sub) in level.iter().enumerate() {
        // Test and documentation tasks point at top-level subtasks only.
        let (tests, docs) = if top { (tests_for(i), docs_for(i)) } else { (Vec::new(), Vec::new()) };
        let me = TaskId(-(out.len() as i64 + 1));
        out.push(NewTask {
            project_id: Some(root.project_id.clone()),
            parent_id: Some(parent_ref.unwrap_or(root.id)),
            title: sub.title.chars().take(orch_core::limits::MAX_TITLE_CHARS).collect(),
            description: Some(sub.description.clone()),
            details: subtask_details(sub, &tests, &docs),
            priority: root.priority,
            dependencies: sub.dependencies.iter().filter_map(|&d| refs.get(d).copied()).collect(),
            tags: sub.tags.clone(),
            code_language: root.code_language.clone(),
            execution_environment: root.execution_environment.clone(),
            task_type: Some(task_type_slug(&sub.task_type)),
            estimated_hours: Some(sub.estimated_effort),
            external_key: None,
        });
        refs.push(me);
        push_level(out, root, Some(me), &sub.subtasks, tests_for, docs_for, false);
    }
}

/// A model may answer "unit test"; task types are slugs.
fn task_type_slug(raw: &str) -> String {
    let slug: String = raw
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '-' })
        .take(orch_core::limits::MAX_TASK_TYPE_CHARS)
        .collect();
    if slug.trim_matches('-').is_empty() { "implementation".into() } else { slug }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn criteria_are_read_from_list_items() {
        let details = "Acceptance criteria:\n- [ ] user can log in\n* token expires\n\nnot a criterion";
        assert_eq!(acceptance_criteria(Some(details)), vec!["user can log in", "token expires"]);
    }

    #[test]
    fn task_types_become_slugs() {
        assert_eq!(task_type_slug("Unit Test"), "unit-test");
        assert_eq!(task_type_slug("  "), "implementation");
    }
}
