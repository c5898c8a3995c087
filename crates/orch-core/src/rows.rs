//! Row decoding: how a stored row becomes a domain value, written once for every backend.
//!
//! A store implements [`Columns`] for its driver's row (reading a column as a given type, and the driver's own
//! encoding of timestamps and JSON) and selects the columns in the order each decoder documents; which column is which
//! field, and what makes a stored value invalid, is decided here.

use std::error::Error as StdError;

use chrono::{DateTime, Utc};

use crate::error::TaskRef;
use crate::model::{Analysis, CommitLink, Document, Execution, NewDocument, NewExecution, Status, Task, TaskId};

/// Column access on one row of a query result, by position. `Error` is the driver's own error, so a decoder runs
/// inside the driver's row callbacks and its failures carry the driver's context.
pub trait Columns {
    /// The driver's error.
    type Error;

    /// A 64-bit integer column (ids, `BIGINT`).
    fn int(&self, i: usize) -> Result<i64, Self::Error>;
    /// A nullable 64-bit integer column.
    fn opt_int(&self, i: usize) -> Result<Option<i64>, Self::Error>;
    /// A 32-bit integer column (`INTEGER`: priorities, exit codes).
    fn int32(&self, i: usize) -> Result<i32, Self::Error>;
    /// A nullable 32-bit integer column.
    fn opt_int32(&self, i: usize) -> Result<Option<i32>, Self::Error>;
    /// A nullable floating-point column.
    fn opt_real(&self, i: usize) -> Result<Option<f64>, Self::Error>;
    /// A boolean column.
    fn flag(&self, i: usize) -> Result<bool, Self::Error>;
    /// A text column.
    fn text(&self, i: usize) -> Result<String, Self::Error>;
    /// A nullable text column.
    fn opt_text(&self, i: usize) -> Result<Option<String>, Self::Error>;
    /// A timestamp column, in the store's encoding of time.
    fn time(&self, i: usize) -> Result<DateTime<Utc>, Self::Error>;
    /// A nullable timestamp column.
    fn opt_time(&self, i: usize) -> Result<Option<DateTime<Utc>>, Self::Error>;
    /// A JSON column, in the store's encoding of JSON.
    fn json(&self, i: usize) -> Result<serde_json::Value, Self::Error>;
    /// The driver's error for column `i` holding a value the domain does not accept.
    fn invalid(&self, i: usize, reason: Box<dyn StdError + Send + Sync>) -> Self::Error;

    /// A status column: one of the four status names.
    fn status(&self, i: usize) -> Result<Status, Self::Error> {
        let name = self.text(i)?;
        name.parse::<Status>().map_err(|e| self.invalid(i, Box::new(e)))
    }
}

/// A task from columns 0–19: `id, project_id, parent_id, title, description, details, status, priority,
/// code_language, execution_environment, task_type, assignee, claimed_at, estimated_hours, complexity_score,
/// created_at, updated_at, started_at, completed_at, external_key`. Dependencies and tags are left empty for the store
/// to fill (from the same row or a batched read).
pub fn task<R: Columns + ?Sized>(r: &R) -> Result<Task, R::Error> {
    let priority = r.int32(7)?;
    Ok(Task {
        id: TaskId(r.int(0)?),
        project_id: r.text(1)?,
        parent_id: r.opt_int(2)?.map(TaskId),
        title: r.text(3)?,
        description: r.opt_text(4)?,
        details: r.opt_text(5)?,
        status: r.status(6)?,
        priority: u8::try_from(priority).map_err(|e| r.invalid(7, Box::new(e)))?,
        dependencies: Vec::new(),
        tags: Vec::new(),
        code_language: r.opt_text(8)?,
        execution_environment: r.opt_text(9)?,
        task_type: r.opt_text(10)?,
        assignee: r.opt_text(11)?,
        claimed_at: r.opt_time(12)?,
        estimated_hours: r.opt_real(13)?,
        complexity_score: r.opt_real(14)?,
        created_at: r.time(15)?,
        updated_at: r.time(16)?,
        started_at: r.opt_time(17)?,
        completed_at: r.opt_time(18)?,
        external_key: r.opt_text(19)?,
    })
}

/// A task named in a refusal, from columns `id, title, status`.
pub fn task_ref<R: Columns + ?Sized>(r: &R) -> Result<TaskRef, R::Error> {
    Ok(TaskRef { id: TaskId(r.int(0)?), title: r.text(1)?, status: r.status(2)? })
}

/// A commit link, from columns `id, task_id, commit_hash, commit_message, author, timestamp`.
pub fn commit<R: Columns + ?Sized>(r: &R) -> Result<CommitLink, R::Error> {
    Ok(CommitLink {
        id: r.int(0)?,
        task_id: TaskId(r.int(1)?),
        commit_hash: r.text(2)?,
        commit_message: r.opt_text(3)?,
        author: r.opt_text(4)?,
        timestamp: r.time(5)?,
    })
}

/// An execution record, from columns `id, task_id, language, code, output, error, exit_code, execution_time,
/// timed_out, truncated, isolation, limits, timestamp`. A NULL output, error or time reads as empty or zero.
pub fn execution<R: Columns + ?Sized>(r: &R) -> Result<Execution, R::Error> {
    Ok(Execution {
        id: r.int(0)?,
        record: NewExecution {
            task_id: TaskId(r.int(1)?),
            language: r.text(2)?,
            code: r.text(3)?,
            output: r.opt_text(4)?.unwrap_or_default(),
            error: r.opt_text(5)?.unwrap_or_default(),
            exit_code: r.opt_int32(6)?,
            execution_time: r.opt_real(7)?.unwrap_or_default(),
            timed_out: r.flag(8)?,
            truncated: r.flag(9)?,
            isolation: r.text(10)?,
            limits: r.json(11)?,
        },
        timestamp: r.time(12)?,
    })
}

/// A stored analysis, from columns `id, task_id, kind, result, task_updated_at, created_at`.
pub fn analysis<R: Columns + ?Sized>(r: &R) -> Result<Analysis, R::Error> {
    Ok(Analysis {
        id: r.int(0)?,
        task_id: TaskId(r.int(1)?),
        kind: r.text(2)?,
        result: r.json(3)?,
        task_updated_at: r.time(4)?,
        created_at: r.time(5)?,
    })
}

/// A stored document, from columns `id, project_id, kind, content_hash, title, content, parsed, created_at,
/// updated_at`.
pub fn document<R: Columns + ?Sized>(r: &R) -> Result<Document, R::Error> {
    Ok(Document {
        id: r.int(0)?,
        document: NewDocument {
            project_id: r.text(1)?,
            kind: r.text(2)?,
            content_hash: r.text(3)?,
            title: r.opt_text(4)?,
            content: r.text(5)?,
            parsed: r.json(6)?,
        },
        created_at: r.time(7)?,
        updated_at: r.time(8)?,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A row held in memory, as a driver would hand it over.
    #[derive(Default)]
    struct Row(Vec<serde_json::Value>);

    #[derive(Debug, PartialEq)]
    enum RowError {
        Type(usize),
        Invalid(usize, String),
    }

    impl Row {
        fn get<T>(&self, i: usize, f: impl Fn(&serde_json::Value) -> Option<T>) -> Result<Option<T>, RowError> {
            match self.0.get(i) {
                None => Err(RowError::Type(i)),
                Some(serde_json::Value::Null) => Ok(None),
                Some(v) => f(v).map(Some).ok_or(RowError::Type(i)),
            }
        }

        fn some<T>(&self, i: usize, f: impl Fn(&serde_json::Value) -> Option<T>) -> Result<T, RowError> {
            self.get(i, f)?.ok_or(RowError::Type(i))
        }
    }

    fn time(v: &serde_json::Value) -> Option<DateTime<Utc>> {
        v.as_str()?.parse().ok()
    }

    impl Columns for Row {
        type Error = RowError;
        fn int(&self, i: usize) -> Result<i64, RowError> {
            self.some(i, serde_json::Value::as_i64)
        }
        fn opt_int(&self, i: usize) -> Result<Option<i64>, RowError> {
            self.get(i, serde_json::Value::as_i64)
        }
        fn int32(&self, i: usize) -> Result<i32, RowError> {
            self.some(i, |v| i32::try_from(v.as_i64()?).ok())
        }
        fn opt_int32(&self, i: usize) -> Result<Option<i32>, RowError> {
            self.get(i, |v| i32::try_from(v.as_i64()?).ok())
        }
        fn opt_real(&self, i: usize) -> Result<Option<f64>, RowError> {
            self.get(i, serde_json::Value::as_f64)
        }
        fn flag(&self, i: usize) -> Result<bool, RowError> {
            self.some(i, serde_json::Value::as_bool)
        }
        fn text(&self, i: usize) -> Result<String, RowError> {
            self.some(i, |v| v.as_str().map(str::to_owned))
        }
        fn opt_text(&self, i: usize) -> Result<Option<String>, RowError> {
            self.get(i, |v| v.as_str().map(str::to_owned))
        }
        fn time(&self, i: usize) -> Result<DateTime<Utc>, RowError> {
            self.some(i, time)
        }
        fn opt_time(&self, i: usize) -> Result<Option<DateTime<Utc>>, RowError> {
            self.get(i, time)
        }
        fn json(&self, i: usize) -> Result<serde_json::Value, RowError> {
            self.0.get(i).cloned().ok_or(RowError::Type(i))
        }
        fn invalid(&self, i: usize, reason: Box<dyn StdError + Send + Sync>) -> RowError {
            RowError::Invalid(i, reason.to_string())
        }
    }

    fn task_row(status: &str, priority: i64) -> Row {
        use serde_json::json;
        let at = "2026-01-02T03:04:05.678Z";
        Row(vec![
            json!(7),
            json!("p"),
            json!(null),
            json!("Title"),
            json!("desc"),
            json!(null),
            json!(status),
            json!(priority),
            json!("rust"),
            json!(null),
            json!("bug"),
            json!("agent"),
            json!(at),
            json!(1.5),
            json!(null),
            json!(at),
            json!(at),
            json!(null),
            json!(null),
            json!("K-1"),
        ])
    }

    #[test]
    fn a_task_row_decodes_field_by_position() {
        let t = task(&task_row("in_progress", 3)).unwrap();
        assert_eq!((t.id, t.project_id.as_str(), t.parent_id), (TaskId(7), "p", None));
        assert_eq!((t.status, t.priority, t.estimated_hours), (Status::InProgress, 3, Some(1.5)));
        assert_eq!(t.assignee.as_deref(), Some("agent"));
        assert_eq!(t.claimed_at, Some(t.created_at));
        assert_eq!(t.external_key.as_deref(), Some("K-1"));
        assert!(t.dependencies.is_empty() && t.tags.is_empty());
    }

    #[test]
    fn stored_values_the_domain_refuses_name_their_column() {
        assert!(matches!(task(&task_row("done", 1)), Err(RowError::Invalid(6, _))));
        assert!(matches!(task(&task_row("pending", 300)), Err(RowError::Invalid(7, _))));
        assert!(matches!(task(&task_row("pending", -1)), Err(RowError::Invalid(7, _))));
        assert_eq!(task_ref(&Row::default()).unwrap_err(), RowError::Type(0));
    }

    #[test]
    fn null_execution_output_reads_as_empty() {
        use serde_json::json;
        let at = json!("2026-01-02T03:04:05Z");
        let row = Row(vec![
            json!(1),
            json!(2),
            json!("python"),
            json!("print(1)"),
            json!(null),
            json!(null),
            json!(null),
            json!(null),
            json!(false),
            json!(true),
            json!("none"),
            json!({"timeout": 5}),
            at,
        ]);
        let e = execution(&row).unwrap();
        assert_eq!((e.record.output.as_str(), e.record.error.as_str(), e.record.exit_code), ("", "", None));
        assert_eq!((e.record.execution_time, e.record.timed_out, e.record.truncated), (0.0, false, true));
        assert_eq!(e.record.limits, json!({"timeout": 5}));
    }
}
