//! `get_next_task`: rank the project's ready tasks, optionally claim the best one atomically.

use std::time::Duration;

use chrono::{DateTime, Utc};
use orch_core::select::{Constraints, Selection, Weights};
use orch_core::{Error as CoreError, Status, Task, TaskId, validate};

use crate::{Orchestrator, Result};

/// Server-wide selection settings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SelectionSettings {
    /// Factor weights (`TASK_ORCHESTRATOR_WEIGHT_*`).
    pub weights: Weights,
    /// Claims older than this go back to `pending` before each selection; `None` keeps claims until released.
    pub claim_timeout: Option<Duration>,
}

/// A `get_next_task` request.
#[derive(Debug, Clone, Default)]
pub struct NextTaskRequest {
    /// Project to select from.
    pub project_id: String,
    /// Hard and soft constraints.
    pub constraints: Constraints,
    /// Claim the best task for `assignee` (atomically: concurrent callers get different tasks).
    pub claim: bool,
    /// Who is asking; their latest task is the context to stay near, and the claim is theirs.
    pub assignee: Option<String>,
}

/// Another agent may claim the top task between ranking and claiming: the task actually claimed becomes the
/// selected one, with its own reasoning, and the task it displaced leads the alternatives.
fn select_claimed(selection: &mut Selection, claimed: TaskId) {
    if selection.selected_task.as_ref().is_none_or(|s| s.id == claimed) {
        return;
    }
    let Some(pos) = selection.alternatives.iter().position(|a| a.id == claimed) else { return };
    let reasoning = selection.reasoning_for(claimed);
    let got = selection.alternatives.remove(pos);
    if let Some(previous) = selection.selected_task.replace(got) {
        selection.alternatives.insert(0, previous);
    }
    if let Some(r) = reasoning {
        selection.reasoning = r;
    }
}

/// The selection and, when claiming, the task claimed.
#[derive(Debug, Clone)]
pub struct NextTaskReport {
    /// Ranked eligible tasks with reasoning, team plan and exclusions.
    pub selection: Selection,
    /// The task claimed (when `claim` was set and one was available).
    pub claimed: Option<Task>,
    /// Stale claims released before selecting.
    pub released: Vec<TaskId>,
}

impl Orchestrator {
    /// Ranks the project's eligible tasks under the constraints and, with `claim`, claims the best one that is still
    /// eligible at commit time.
    pub async fn get_next_task(&self, request: NextTaskRequest) -> Result<NextTaskReport> {
        let project = validate::project_id(Some(&request.project_id))?;
        request.constraints.validate()?;
        let assignee = validate::assignee(request.assignee.clone())?;
        let assignee = assignee.as_deref();
        if request.claim && assignee.is_none() {
            return Err(CoreError::invalid("assignee", "claim: true needs an assignee (who takes the task)").into());
        }
        let released = match self.selection.claim_timeout {
            Some(timeout) => {
                let cutoff = Utc::now() - chrono::Duration::from_std(timeout).unwrap_or(chrono::Duration::MAX);
                self.store.release_stale_claims(cutoff).await?
            }
            None => Vec::new(),
        };
        let selection = self.rank(&project, &request.constraints, assignee, Utc::now()).await?;
        let claimed = match (request.claim, assignee) {
            (true, Some(who)) if selection.selected_task.is_some() => {
                self.store.claim_first(&selection.ranked_ids(), who).await?
            }
            _ => None,
        };
        debug_assert!(claimed.as_ref().is_none_or(|t| t.status == Status::InProgress));
        let mut selection = selection;
        if let Some(t) = &claimed {
            select_claimed(&mut selection, t.id);
        }
        Ok(NextTaskReport { selection, claimed, released })
    }

    /// The ranking `get_next_task` would give at `now`, without claiming or releasing anything. `assignee` must
    /// have been through `validate::assignee`.
    pub async fn rank_next_task(
        &self,
        project: &str,
        constraints: &Constraints,
        assignee: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Selection> {
        let project = validate::project_id(Some(project))?;
        constraints.validate()?;
        self.rank(&project, constraints, assignee, now).await
    }

    async fn rank(
        &self,
        project: &str,
        constraints: &Constraints,
        assignee: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Selection> {
        let weights: &Weights = &self.selection.weights;
        self.board_models
            .with_current(self.store.as_ref(), project, |model| {
                let recent = assignee.and_then(|who| model.recent_work(who));
                model.board().select(constraints, recent.as_ref(), model.history(), weights, now)
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::sync::Arc;

    use orch_core::NewTask;
    use orch_store_sqlite::SqliteStore;

    use super::*;

    fn board() -> (tempfile::TempDir, Orchestrator) {
        let dir = tempfile::tempdir().unwrap();
        let orch = Orchestrator::new(Arc::new(SqliteStore::open(dir.path().join("tasks.db")).unwrap()));
        (dir, orch)
    }

    fn new_task(title: &str, priority: u8) -> NewTask {
        NewTask { title: title.into(), priority, project_id: Some("p".into()), ..Default::default() }
    }

    #[tokio::test]
    async fn a_claim_that_got_a_lower_ranked_task_reports_that_task_as_selected() {
        let (_dir, orch) = board();
        let top = orch.create_task(new_task("urgent", 4)).await.unwrap();
        let second = orch.create_task(new_task("normal", 2)).await.unwrap();
        let third = orch.create_task(new_task("someday", 0)).await.unwrap();
        let request = NextTaskRequest { project_id: "p".into(), ..Default::default() };
        let mut selection = orch.get_next_task(request).await.unwrap().selection;
        assert_eq!(selection.ranked_ids(), vec![top.id, second.id, third.id]);
        let before = selection.reasoning.clone();
        // The claimed task's reasoning as ranked: compared with the task right after it.
        let expected = selection.reasoning_for(second.id).unwrap();

        // What the race leaves: `top` was taken by another agent, the claim got `second`.
        select_claimed(&mut selection, second.id);
        assert_eq!(selection.selected_task.as_ref().map(|t| t.id), Some(second.id));
        assert_eq!(selection.alternatives.iter().map(|t| t.id).collect::<Vec<_>>(), vec![top.id, third.id]);
        assert_eq!(selection.reasoning, expected);
        assert!(expected.primary_reason.starts_with(&format!("#{}", second.id)), "{}", expected.primary_reason);
        assert_ne!(selection.reasoning, before);

        // Claiming the selected task, or one not ranked, leaves the selection as it is.
        let unchanged = selection.ranked_ids();
        select_claimed(&mut selection, second.id);
        select_claimed(&mut selection, TaskId(999));
        assert_eq!(selection.ranked_ids(), unchanged);
    }

    #[tokio::test]
    async fn claiming_returns_the_claimed_task_as_the_selected_one() {
        let (_dir, orch) = board();
        orch.create_task(new_task("urgent", 4)).await.unwrap();
        orch.create_task(new_task("normal", 2)).await.unwrap();
        let claim = |who: &str| NextTaskRequest {
            project_id: "p".into(),
            claim: true,
            assignee: Some(who.into()),
            ..Default::default()
        };
        for who in ["a", "b"] {
            let report = orch.get_next_task(claim(who)).await.unwrap();
            let claimed = report.claimed.unwrap();
            assert_eq!(claimed.assignee.as_deref(), Some(who));
            assert_eq!(report.selection.selected_task.map(|t| t.id), Some(claimed.id));
        }
    }
}
