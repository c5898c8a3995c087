//! Deletion: when a task may go.

use crate::error::{Error, Result, TaskRef};
use crate::model::TaskId;

/// Refuses to delete a task that other tasks still need, as a prerequisite or as their parent. The store skips this
/// (and the reads it needs) when the caller forces the delete.
pub fn ensure_deletable(task: TaskId, dependents: Vec<TaskRef>, subtasks: Vec<TaskRef>) -> Result<()> {
    if dependents.is_empty() && subtasks.is_empty() {
        return Ok(());
    }
    Err(Error::StillReferenced { task, dependents, subtasks })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::model::Status;

    #[test]
    fn a_task_still_needed_is_refused_with_who_needs_it() {
        assert!(ensure_deletable(TaskId(1), vec![], vec![]).is_ok());
        let needer = TaskRef { id: TaskId(2), title: "later".into(), status: Status::Pending };
        let err = ensure_deletable(TaskId(1), vec![needer.clone()], vec![]).unwrap_err();
        assert!(matches!(&err, Error::StillReferenced { dependents, .. } if dependents == &vec![needer.clone()]));
        let err = ensure_deletable(TaskId(1), vec![], vec![needer]).unwrap_err();
        assert!(matches!(&err, Error::StillReferenced { subtasks, .. } if subtasks.len() == 1));
    }
}
