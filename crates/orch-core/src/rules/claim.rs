//! Claims: which task an agent may take.

use crate::model::Status;

/// Whether a task's row allows a claim: pending and not assigned to anyone. The store also requires every
/// prerequisite to be completed; it reads those only for a row that passes this.
pub fn open_for_claim(status: Status, assignee: Option<&str>) -> bool {
    status == Status::Pending && assignee.is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_pending_unassigned_tasks_are_open() {
        assert!(open_for_claim(Status::Pending, None));
        assert!(!open_for_claim(Status::Pending, Some("agent-1")));
        for s in [Status::InProgress, Status::Blocked, Status::Completed] {
            assert!(!open_for_claim(s, None), "{s:?}");
        }
    }
}
