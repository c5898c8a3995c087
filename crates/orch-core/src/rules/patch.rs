//! Edits: which columns a patch writes and with what.

use crate::model::TaskPatch;

/// A value a patch writes into one column of `tasks`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ColumnValue<'a> {
    /// Text; `None` stores NULL.
    Text(Option<&'a str>),
    /// A whole number.
    Integer(i32),
    /// A real number.
    Real(f64),
}

/// The columns `patch` changes and their new values, in a fixed order. An empty string clears an optional text field
/// (stores NULL); the title is written as given. `updated_at`, tags and dependencies are the store's to write.
pub fn patch_assignments(patch: &TaskPatch) -> Vec<(&'static str, ColumnValue<'_>)> {
    let mut out = Vec::new();
    if let Some(title) = &patch.title {
        out.push(("title", ColumnValue::Text(Some(title))));
    }
    for (column, value) in [
        ("description", &patch.description),
        ("details", &patch.details),
        ("code_language", &patch.code_language),
        ("execution_environment", &patch.execution_environment),
        ("task_type", &patch.task_type),
    ] {
        if let Some(v) = value {
            out.push((column, ColumnValue::Text((!v.is_empty()).then_some(v.as_str()))));
        }
    }
    if let Some(p) = patch.priority {
        out.push(("priority", ColumnValue::Integer(p.into())));
    }
    if let Some(h) = patch.estimated_hours {
        out.push(("estimated_hours", ColumnValue::Real(h)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_given_fields_are_written_and_empty_text_clears() {
        assert!(patch_assignments(&TaskPatch::default()).is_empty());
        let patch = TaskPatch {
            title: Some("New".into()),
            details: Some(String::new()),
            task_type: Some("bug".into()),
            priority: Some(3),
            estimated_hours: Some(1.5),
            ..Default::default()
        };
        assert_eq!(
            patch_assignments(&patch),
            vec![
                ("title", ColumnValue::Text(Some("New"))),
                ("details", ColumnValue::Text(None)),
                ("task_type", ColumnValue::Text(Some("bug"))),
                ("priority", ColumnValue::Integer(3)),
                ("estimated_hours", ColumnValue::Real(1.5)),
            ]
        );
    }
}
