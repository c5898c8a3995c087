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
