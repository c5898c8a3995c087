//! Task rows: a listing carries the fields an agent scans a board by, not whole tasks (every byte of a result lands
//! in the agent's context). `fields` asks for more; get_task always has the whole task.

use crate::dto::{TaskDto, TaskRow};
use crate::tools::ToolError;

/// Every task field a row can carry, in wire order.
pub const TASK_FIELDS: &[&str] = &[
    "id",
    "project_id",
    "parent_id",
    "title",
    "description",
    "details",
    "status",
    "priority",
    "dependencies",
    "tags",
    "code_language",
    "execution_environment",
    "task_type",
    "assignee",
    "claimed_at",
    "estimated_hours",
    "complexity_score",
    "created_at",
    "updated_at",
    "started_at",
    "completed_at",
    "external_key",
];

/// The fields of a summary row. No description (the title names the task; get_task or `fields` has the text) and
/// no project_id (a listing is most often of one project), so a default page of 50 rows stays under 8 KB.
const SUMMARY_FIELDS: &[&str] = &["id", "parent_id", "title", "status", "priority", "dependencies", "tags", "assignee"];

/// The fields of a graph node: a summary row with its project.
const NODE_FIELDS: &[&str] =
    &["id", "project_id", "parent_id", "title", "status", "priority", "dependencies", "tags", "assignee"];

/// Which fields the rows of a result carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fields {
    /// The summary fields; empty `dependencies` and `tags` are left out (an absent key reads as none).
    Summary,
    /// The graph-node fields, arrays always present.
    Node,
    /// These fields, whole (`id` always).
    Chosen(Vec<&'static str>),
}

impl Fields {
    /// The `fields` parameter: empty for the summary, `["all"]` for every field, or field names.
    pub fn parse(names: &[String]) -> Result<Fields, ToolError> {
        if names.is_empty() {
            return Ok(Fields::Summary);
        }
        if names.iter().any(|n| n == "all") {
            return Ok(Fields::Chosen(TASK_FIELDS.to_vec()));
        }
        let mut chosen = vec!["id"];
        for name in names {
            match TASK_FIELDS.iter().find(|f| **f == name.as_str()) {
                Some(f) => chosen.push(f),
                None => {
                    return Err(ToolError::invalid(format!(
                        "invalid fields: unknown task field {:?}; use [\"all\"] or names from: {}",
                        cut(name, 60),
                        TASK_FIELDS.join(", ")
                    )));
                }
            }
        }
        Ok(Fields::Chosen(chosen))
    }

    fn has(&self, field: &str) -> bool {
        match self {
            Fields::Summary => SUMMARY_FIELDS.contains(&field),
            Fields::Node => NODE_FIELDS.contains(&field),
            Fields::Chosen(chosen) => chosen.contains(&field),
        }
    }

    /// `t` as a row of these fields.
    pub fn row(&self, t: TaskDto) -> TaskRow {
        fn pick<T>(yes: bool, v: T) -> Option<T> {
            yes.then_some(v)
        }
        let h = |f: &str| self.has(f);
        let summary = *self == Fields::Summary;
        let list = |f: &str, empty: bool| h(f) && !(summary && empty);
        TaskRow {
            id: t.id,
            project_id: pick(h("project_id"), t.project_id),
            parent_id: t.parent_id.filter(|_| h("parent_id")),
            title: pick(h("title"), t.title),
            description: t.description.filter(|_| h("description")),
            details: t.details.filter(|_| h("details")),
            status: pick(h("status"), t.status),
            priority: pick(h("priority"), t.priority),
            dependencies: pick(list("dependencies", t.dependencies.is_empty()), t.dependencies),
            tags: pick(list("tags", t.tags.is_empty()), t.tags),
            code_language: t.code_language.filter(|_| h("code_language")),
            execution_environment: t.execution_environment.filter(|_| h("execution_environment")),
            task_type: t.task_type.filter(|_| h("task_type")),
            assignee: t.assignee.filter(|_| h("assignee")),
            claimed_at: t.claimed_at.filter(|_| h("claimed_at")),
            estimated_hours: t.estimated_hours.filter(|_| h("estimated_hours")),
            complexity_score: t.complexity_score.filter(|_| h("complexity_score")),
            created_at: pick(h("created_at"), t.created_at),
            updated_at: pick(h("updated_at"), t.updated_at),
            started_at: t.started_at.filter(|_| h("started_at")),
            completed_at: t.completed_at.filter(|_| h("completed_at")),
            external_key: t.external_key.filter(|_| h("external_key")),
        }
    }
}

/// `s` cut to at most `max` characters at a word boundary when there is one, ending in "…" when cut.
fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let head: String = s.chars().take(max - 1).collect();
    let head = match head.rfind(' ') {
        Some(at) if at > max / 2 => &head[..at],
        _ => &head,
    };
    format!("{}…", head.trim_end())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::dto::StatusDto;

    fn task() -> TaskDto {
        TaskDto {
            id: 7,
            project_id: "p".into(),
            parent_id: None,
            title: "Title".into(),
            description: Some("word ".repeat(40)),
            details: Some("details".into()),
            status: StatusDto::Pending,
            priority: 2,
            dependencies: vec![3],
            tags: vec!["a".into()],
            code_language: Some("rust".into()),
            execution_environment: None,
            task_type: None,
            assignee: None,
            claimed_at: None,
            estimated_hours: Some(2.0),
            complexity_score: None,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
            started_at: None,
            completed_at: None,
            external_key: None,
        }
    }

    #[test]
    fn summary_rows_keep_what_a_board_is_scanned_by() {
        let row = Fields::parse(&[]).unwrap().row(task());
        assert_eq!((row.title.as_deref(), row.dependencies.as_deref()), (Some("Title"), Some(&[3][..])));
        assert!(row.description.is_none() && row.project_id.is_none() && row.details.is_none());
        assert!(row.code_language.is_none() && row.created_at.is_none());
        let bare = TaskDto { dependencies: vec![], tags: vec![], ..task() };
        let json = serde_json::to_value(Fields::Summary.row(bare.clone())).unwrap();
        assert_eq!(json, serde_json::json!({"id": 7, "title": "Title", "status": "pending", "priority": 2}));
        let node = Fields::Node.row(bare);
        assert!(node.description.is_none() && node.project_id.is_some() && node.tags == Some(vec![]));
    }

    #[test]
    fn chosen_fields_are_whole_and_all_is_the_task() {
        let row = Fields::parse(&["description".into(), "estimated_hours".into()]).unwrap().row(task());
        assert_eq!(row.description, task().description);
        assert_eq!(row.estimated_hours, Some(2.0));
        assert!(row.title.is_none() && row.status.is_none());
        let t = task();
        let full = serde_json::to_value(&t).unwrap();
        let all = Fields::parse(&["all".into()]).unwrap().row(t);
        assert_eq!(serde_json::to_value(all).unwrap(), full, "every field of the task");
    }

    #[test]
    fn unknown_fields_are_refused_with_the_names() {
        let err = Fields::parse(&["titel".into()]).unwrap_err().message;
        assert!(err.contains("\"titel\"") && err.contains("title, description"), "{err}");
        let long = Fields::parse(&["x".repeat(10_000)]).unwrap_err().message;
        assert!(long.len() < 600, "a hostile name is not echoed whole");
    }

    #[test]
    fn cutting_respects_characters() {
        assert_eq!(cut("short", 80), "short");
        let s = "é".repeat(100);
        assert_eq!(cut(&s, 10).chars().count(), 10);
    }
}
