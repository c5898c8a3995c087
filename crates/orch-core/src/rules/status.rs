//! Status changes: when a task may move, and which timestamps and claim move with it.

use chrono::{DateTime, Utc};

use crate::error::{Error, Result, TaskRef};
use crate::model::{Status, Task};

/// The timestamp and claim changes a status change implies.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusEffects {
    /// New `started_at`.
    pub started_at: Option<DateTime<Utc>>,
    /// New `completed_at`.
    pub completed_at: Option<DateTime<Utc>>,
    /// Clear `assignee` and `claimed_at` (the task went back to the pool).
    pub release_claim: bool,
    /// When the change happens: the new `updated_at` and the status history's time.
    pub changed_at: DateTime<Utc>,
}

/// Decides whether `task` may move to `target`, given its unfinished prerequisites, and what else changes.
///
/// Starting or completing a task whose prerequisites are not all completed is refused unless `force`.
/// `started_at` is set the first time work starts; `completed_at` is set on completion and cleared on reopening;
/// going back to `pending` releases any claim. `None` when the task already has `target`: nothing is written.
pub fn status_change(
    task: &Task,
    target: Status,
    unfinished_prerequisites: Vec<TaskRef>,
    force: bool,
    now: DateTime<Utc>,
) -> Result<Option<StatusEffects>> {
    if task.status == target {
        return Ok(None);
    }
    let needs_prerequisites = matches!(target, Status::InProgress | Status::Completed);
    if needs_prerequisites && !force && !unfinished_prerequisites.is_empty() {
        return Err(Error::Blocked { task: task.id, target, blockers: unfinished_prerequisites });
    }
    let started_at = match (task.started_at, target) {
        (None, Status::InProgress) => Some(now),
        (existing, _) => existing,
    };
    let completed_at = (target == Status::Completed).then_some(now);
    Ok(Some(StatusEffects { started_at, completed_at, release_claim: target == Status::Pending, changed_at: now }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::model::TaskId;

    fn task(status: Status) -> Task {
        Task { status, dependencies: vec![TaskId(2)], ..crate::testkit::task(1, "t") }
    }

    fn blocker() -> Vec<TaskRef> {
        vec![TaskRef { id: TaskId(2), title: "first".into(), status: Status::Pending }]
    }

    #[test]
    fn starting_with_unfinished_prerequisites_is_refused_unless_forced() {
        let now = Utc::now();
        let err = status_change(&task(Status::Pending), Status::InProgress, blocker(), false, now).unwrap_err();
        assert!(err.to_string().contains("#2 \"first\" (pending)"), "{err}");
        let ok = status_change(&task(Status::Pending), Status::InProgress, blocker(), true, now).unwrap().unwrap();
        assert_eq!(ok.started_at, Some(now));
    }

    #[test]
    fn blocking_and_reopening_need_no_prerequisites() {
        let now = Utc::now();
        assert!(status_change(&task(Status::Pending), Status::Blocked, blocker(), false, now).is_ok());
        let mut done = task(Status::Completed);
        done.completed_at = Some(now);
        let reopened = status_change(&done, Status::Pending, blocker(), false, now).unwrap().unwrap();
        assert_eq!(reopened.completed_at, None);
        assert!(reopened.release_claim);
    }

    #[test]
    fn started_at_is_set_once_and_a_repeated_status_changes_nothing() {
        let first = Utc::now();
        let mut t = task(Status::Blocked);
        t.started_at = Some(first);
        let later = first + chrono::Duration::hours(1);
        let eff = status_change(&t, Status::InProgress, vec![], false, later).unwrap().unwrap();
        assert_eq!(eff.started_at, Some(first));
        t.status = Status::Completed;
        t.completed_at = Some(first);
        // Even with unfinished prerequisites and no force: a repeat is not a move.
        assert_eq!(status_change(&t, Status::Completed, blocker(), false, later).unwrap(), None);
    }
}
