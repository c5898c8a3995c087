//! The one error type of the domain and of every store.

use serde::{Deserialize, Serialize};

use crate::model::{Status, TaskId};

/// Result with the domain [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A task named in an error or a summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskRef {
    /// Id.
    pub id: TaskId,
    /// Title.
    pub title: String,
    /// Status.
    pub status: Status,
}

impl std::fmt::Display for TaskRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{} \"{}\" ({})", self.id, self.title, self.status)
    }
}

fn list(refs: &[TaskRef]) -> String {
    refs.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

fn ids(ids: &[TaskId]) -> String {
    ids.iter().map(|id| format!("#{id}")).collect::<Vec<_>>().join(", ")
}

fn missing_references(field: &str, project_id: &str, missing: &[TaskId]) -> String {
    if field == "parent_id" {
        format!(
            "parent_id: task {} does not exist in project '{project_id}'; a subtask's parent must be an existing task \
             of the same project (list_tasks shows them)",
            ids(missing)
        )
    } else {
        format!(
            "{field}: task(s) {} do not exist in project '{project_id}'; a task may only depend on tasks of its own \
             project",
            ids(missing)
        )
    }
}

fn cycle(path: &[TaskId]) -> String {
    path.iter().map(|id| format!("#{id}")).collect::<Vec<_>>().join(" -> ")
}

/// Everything that can go wrong in the domain. Every message says what was wrong and how to fix it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A parameter has a bad value.
    #[error("invalid {field}: {message}")]
    Invalid {
        /// The parameter.
        field: &'static str,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// No task has this id.
    #[error("task #{0} does not exist; list_tasks shows the ids that do")]
    TaskNotFound(TaskId),
    /// Named dependencies or parents do not exist in the project.
    #[error("{}", missing_references(.field, .project_id, .missing))]
    MissingReferences {
        /// The parameter.
        field: &'static str,
        /// The project looked in.
        project_id: String,
        /// The ids not found there.
        missing: Vec<TaskId>,
    },
    /// The change would close a dependency cycle.
    #[error("adding this dependency would create a cycle: {}; remove one of these dependencies first", cycle(.path))]
    Cycle {
        /// The cycle, starting and ending at the same task, each task depending on the next.
        path: Vec<TaskId>,
    },
    /// Starting or completing a task whose prerequisites are not done.
    #[error("task #{task} cannot become {target}: unfinished dependencies {}; complete them first or pass force: true", list(.blockers))]
    Blocked {
        /// The task.
        task: TaskId,
        /// The requested status.
        target: Status,
        /// The unfinished prerequisites.
        blockers: Vec<TaskRef>,
    },
    /// Deleting a task other tasks still need.
    #[error("task #{task} is still needed: {}; pass force: true to delete it anyway (this removes those dependency edges and deletes the subtasks)", needed_by(.dependents, .subtasks))]
    StillReferenced {
        /// The task.
        task: TaskId,
        /// Tasks that depend on it.
        dependents: Vec<TaskRef>,
        /// Its subtasks.
        subtasks: Vec<TaskRef>,
    },
    /// The backend failed: I/O, connection, corruption. Not the caller's fault.
    #[error("storage error: {message}")]
    Storage {
        /// What failed.
        message: String,
        /// The backend's error.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

fn needed_by(dependents: &[TaskRef], subtasks: &[TaskRef]) -> String {
    let mut parts = Vec::new();
    if !dependents.is_empty() {
        parts.push(format!("tasks {} depend on it", list(dependents)));
    }
    if !subtasks.is_empty() {
        parts.push(format!("it has subtasks {}", list(subtasks)));
    }
    parts.join(" and ")
}

impl Error {
    /// An invalid-parameter error.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Error::Invalid { field, message: message.into() }
    }

    /// A storage error wrapping a backend error.
    pub fn storage(message: impl Into<String>, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        Error::Storage { message: message.into(), source: Some(Box::new(source)) }
    }

    /// True when the caller can fix the call (as opposed to a backend failure).
    pub fn is_caller_error(&self) -> bool {
        !matches!(self, Error::Storage { .. })
    }
}
