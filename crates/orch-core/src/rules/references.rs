//! References: where a new task goes, what its batch references name, and whether what it references exists.

use crate::error::{Error, Result};
use crate::model::{NewTask, TaskId, default_project};

/// Resolves a batch reference: a negative id `-n` names `batch[n - 1]`, the n-th task created earlier in the same
/// batch; other ids pass through unchanged.
pub fn resolve_batch_ref(id: TaskId, batch: &[TaskId]) -> Result<TaskId> {
    if id.0 >= 0 {
        return Ok(id);
    }
    // -(id + 1) cannot overflow, where -id - 1 would for i64::MIN.
    usize::try_from(-(id.0 + 1))
        .ok()
        .and_then(|i| batch.get(i))
        .copied()
        .ok_or_else(|| Error::invalid("dependencies", format!("{id} does not refer to an earlier task of the batch")))
}

/// The new task's parent, its batch reference resolved.
pub fn new_task_parent(task: &NewTask, batch: &[TaskId]) -> Result<Option<TaskId>> {
    task.parent_id.map(|p| resolve_batch_ref(p, batch)).transpose()
}

/// The new task's dependencies, batch references resolved, sorted and without repeats.
pub fn new_task_dependencies(task: &NewTask, batch: &[TaskId]) -> Result<Vec<TaskId>> {
    let mut deps = task.dependencies.iter().map(|&d| resolve_batch_ref(d, batch)).collect::<Result<Vec<_>>>()?;
    deps.sort();
    deps.dedup();
    Ok(deps)
}

/// The project a new task goes to: its own, else its parent's, else the default project. `parent` is the resolved
/// parent with its project as stored (`None` when no such task exists); a parent that does not exist or lies in
/// another project is refused.
pub fn new_task_project(task: &NewTask, parent: Option<(TaskId, Option<String>)>) -> Result<String> {
    let Some((parent, parent_project)) = parent else {
        return Ok(task.project_id.clone().unwrap_or_else(|| default_project().to_string()));
    };
    let project = task.project_id.clone();
    match (project, parent_project) {
        (Some(p), Some(pp)) if p == pp => Ok(p),
        (None, Some(pp)) => Ok(pp),
        (p, _) => Err(Error::MissingReferences {
            field: "parent_id",
            project_id: p.unwrap_or_else(|| default_project().to_string()),
            missing: vec![parent],
        }),
    }
}

/// Refuses references (`field` names the parameter) that are not tasks of `project`; `missing` lists them, sorted.
pub fn ensure_found(field: &'static str, project: &str, missing: Vec<TaskId>) -> Result<()> {
    if missing.is_empty() {
        return Ok(());
    }
    Err(Error::MissingReferences { field, project_id: project.to_string(), missing })
}

/// The refusal of a new task whose `external_key` another task of `project` holds; `holder` is that task when the
/// store could read it (a concurrent writer may hide it).
pub fn external_key_taken(key: &str, project: &str, holder: Option<TaskId>) -> Error {
    let holder = holder.map_or_else(|| "another task".to_string(), |h| format!("task #{h}"));
    Error::invalid("external_key", format!("'{key}' is already the key of {holder} in project '{project}'"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn new(project: Option<&str>, parent: Option<i64>, deps: &[i64]) -> NewTask {
        NewTask {
            title: "t".into(),
            project_id: project.map(Into::into),
            parent_id: parent.map(TaskId),
            dependencies: deps.iter().copied().map(TaskId).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn negative_ids_name_earlier_tasks_of_the_batch() {
        let batch = [TaskId(10), TaskId(11)];
        assert_eq!(resolve_batch_ref(TaskId(-1), &batch).unwrap(), TaskId(10));
        assert_eq!(resolve_batch_ref(TaskId(-2), &batch).unwrap(), TaskId(11));
        assert_eq!(resolve_batch_ref(TaskId(7), &batch).unwrap(), TaskId(7));
        for bad in [-3, i64::MIN] {
            let err = resolve_batch_ref(TaskId(bad), &batch).unwrap_err().to_string();
            assert!(err.contains("does not refer to an earlier task of the batch"), "{err}");
        }
        let deps = new_task_dependencies(&new(None, None, &[-2, 5, -1, 5, -2]), &batch).unwrap();
        assert_eq!(deps, vec![TaskId(5), TaskId(10), TaskId(11)]);
        assert_eq!(new_task_parent(&new(None, Some(-1), &[]), &batch).unwrap(), Some(TaskId(10)));
    }

    #[test]
    fn the_project_comes_from_the_task_then_the_parent_then_the_default() {
        assert_eq!(new_task_project(&new(Some("a"), None, &[]), None).unwrap(), "a");
        assert_eq!(new_task_project(&new(None, None, &[]), None).unwrap(), default_project());
        let parent = Some((TaskId(3), Some("b".to_string())));
        assert_eq!(new_task_project(&new(None, Some(3), &[]), parent.clone()).unwrap(), "b");
        assert_eq!(new_task_project(&new(Some("b"), Some(3), &[]), parent.clone()).unwrap(), "b");
        let other = new_task_project(&new(Some("a"), Some(3), &[]), parent).unwrap_err();
        assert!(
            matches!(&other, Error::MissingReferences { field: "parent_id", project_id, missing }
                if project_id == "a" && missing == &vec![TaskId(3)]),
            "{other:?}"
        );
        let gone = new_task_project(&new(None, Some(3), &[]), Some((TaskId(3), None))).unwrap_err();
        assert!(
            matches!(&gone, Error::MissingReferences { project_id, .. } if project_id == default_project()),
            "{gone:?}"
        );
    }

    #[test]
    fn missing_references_and_taken_keys_are_refused_in_the_callers_words() {
        assert!(ensure_found("dependencies", "p", vec![]).is_ok());
        let err = ensure_found("add_dependencies", "p", vec![TaskId(9)]).unwrap_err();
        assert!(matches!(err, Error::MissingReferences { field: "add_dependencies", .. }));
        let known = external_key_taken("K-1", "p", Some(TaskId(4))).to_string();
        assert!(known.contains("'K-1' is already the key of task #4 in project 'p'"), "{known}");
        assert!(external_key_taken("K-1", "p", None).to_string().contains("key of another task"));
    }
}
