//! Claiming and releasing one named task (a person on the board taking or handing back a task), with the same
//! atomic eligibility check `get_next_task` uses when it claims.

use orch_core::{Status, Task, TaskId};

use crate::{Error, Orchestrator, Result};

impl Orchestrator {
    /// Claims `id` for `assignee`: it must be pending, unclaimed and have every prerequisite completed; it becomes
    /// `in_progress` with the claim recorded, atomically.
    pub async fn claim_task(&self, id: TaskId, assignee: &str) -> Result<Task> {
        let assignee = assignee.trim();
        if assignee.is_empty() {
            return Err(orch_core::Error::invalid("assignee", "say who claims the task (a name or agent id)").into());
        }
        if assignee.chars().count() > orch_core::limits::MAX_AUTHOR_CHARS {
            return Err(orch_core::Error::invalid(
                "assignee",
                format!("use at most {} characters", orch_core::limits::MAX_AUTHOR_CHARS),
            )
            .into());
        }
        if let Some(task) = self.store.claim_first(&[id], assignee).await? {
            return Ok(task);
        }
        let task = self.store.get_task(id).await?;
        let why = match (&task.assignee, task.status) {
            (Some(holder), _) => format!("it is already claimed by {holder}; release it first"),
            (None, Status::Pending) => "a prerequisite is not completed yet".to_string(),
            (None, status) => format!("it is {status}; only pending tasks can be claimed (reopen it first)"),
        };
        Err(Error::Conflict(format!("task {id} cannot be claimed: {why}")))
    }

    /// Releases the claim on `id`: it goes back to `pending` without an assignee.
    pub async fn release_task(&self, id: TaskId) -> Result<Task> {
        let task = self.store.get_task(id).await?;
        if task.assignee.is_none() {
            return Err(Error::Conflict(format!("task {id} is not claimed; there is nothing to release")));
        }
        Ok(self.store.set_status(id, Status::Pending, false).await?.task)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::sync::Arc;

    use orch_core::NewTask;
    use orch_store_sqlite::SqliteStore;

    use super::*;
    use crate::ErrorKind;

    #[tokio::test]
    async fn claim_checks_eligibility_and_release_returns_the_task() {
        let dir = tempfile::tempdir().unwrap();
        let o = Orchestrator::new(Arc::new(SqliteStore::open(dir.path().join("t.db")).unwrap()));
        let a = o.create_task(NewTask { title: "a".into(), ..Default::default() }).await.unwrap();
        let b = o.create_task(NewTask { title: "b".into(), dependencies: vec![a.id], ..Default::default() }).await;
        let b = b.unwrap();
        let err = o.claim_task(b.id, "ann").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Conflict);
        assert!(err.to_string().contains("prerequisite"), "{err}");
        assert_eq!(o.claim_task(a.id, " ").await.unwrap_err().kind(), ErrorKind::InvalidInput);
        let claimed = o.claim_task(a.id, "ann").await.unwrap();
        assert_eq!((claimed.status, claimed.assignee.as_deref()), (Status::InProgress, Some("ann")));
        assert!(o.claim_task(a.id, "bob").await.unwrap_err().to_string().contains("claimed by ann"));
        let released = o.release_task(a.id).await.unwrap();
        assert_eq!((released.status, released.assignee), (Status::Pending, None));
        assert_eq!(o.release_task(a.id).await.unwrap_err().kind(), ErrorKind::Conflict);
        assert_eq!(o.claim_task(TaskId(99), "ann").await.unwrap_err().kind(), ErrorKind::NotFound);
    }
}
