//! The in-memory board of each project that `get_next_task` ranks: kept between calls and brought up to date from
//! the store's change log (the tasks any connection or process wrote since), so a call after a write re-reads only
//! what changed instead of the whole project.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use orch_core::select::{Board, Candidate, HistoryRecord, HistoryStats, RecentWork};
use orch_core::{BoardChanges, Status, Task, TaskId, TaskStore};

use crate::Result;

/// How many completed tasks feed the success-probability history.
pub(crate) const HISTORY_LIMIT: usize = 500;

/// Projects whose model is kept between calls.
const MODEL_CAPACITY: usize = 16;

/// What selection needs of a task beyond its [`Candidate`]: who holds it and when it moved.
#[derive(Debug, Clone, PartialEq)]
struct Timeline {
    assignee: Option<String>,
    claimed_at: Option<DateTime<Utc>>,
    started_at: Option<DateTime<Utc>>,
    completed_at: Option<DateTime<Utc>>,
}

impl Timeline {
    fn of(task: &Task) -> Timeline {
        Timeline {
            assignee: task.assignee.clone(),
            claimed_at: task.claimed_at,
            started_at: task.started_at,
            completed_at: task.completed_at,
        }
    }

    /// Counts in the history: completed with both timestamps (what `TaskStore::completed_history` returns).
    fn in_history(&self, status: Status) -> bool {
        status == Status::Completed && self.started_at.is_some() && self.completed_at.is_some()
    }
}

/// One project as selection sees it, with the positions in the store's change signals it reflects.
pub(crate) struct ProjectModel {
    /// [`TaskStore::board_version`] read before the data was last brought up to date.
    probe: Option<u64>,
    /// Position in the store's change log; `None` when the store keeps none (the model is then rebuilt on any
    /// change of `probe`, or on every call when that is `None` too).
    log_version: Option<u64>,
    board: Board,
    timelines: HashMap<TaskId, Timeline>,
    history: HistoryStats,
}

impl ProjectModel {
    /// The model of a project read whole: `log_version` and `probe` must have been read before `tasks`.
    fn load(tasks: Vec<Task>, probe: Option<u64>, log_version: Option<u64>) -> ProjectModel {
        let timelines = tasks.iter().map(|t| (t.id, Timeline::of(t))).collect();
        let board = Board::new(tasks.iter().map(Candidate::from_task).collect());
        let mut model = ProjectModel { probe, log_version, board, timelines, history: HistoryStats::default() };
        model.history = model.compute_history();
        model
    }

    /// Applies the tasks written since the model's log position.
    fn apply(&mut self, changes: BoardChanges, probe: Option<u64>) {
        // The history moves only when a task entering, leaving or inside it changed; a store may report a task
        // again unchanged (PostgreSQL's log is read by transaction horizon), which must not cost a recomputation.
        let touches_history = changes.removed.iter().any(|id| self.in_history(*id))
            || changes.changed.iter().any(|task| {
                let was = self.in_history(task.id);
                let is = Timeline::of(task).in_history(task.status);
                (was || is) && !self.holds(task)
            });
        for id in &changes.removed {
            self.timelines.remove(id);
        }
        for task in &changes.changed {
            self.timelines.insert(task.id, Timeline::of(task));
        }
        self.board.apply(changes.changed.iter().map(Candidate::from_task).collect(), &changes.removed);
        if touches_history {
            self.history = self.compute_history();
        }
        self.log_version = Some(changes.version);
        self.probe = probe;
    }

    fn candidate(&self, id: TaskId) -> Option<&Candidate> {
        let tasks = self.board.tasks();
        tasks.binary_search_by_key(&id, |t| t.id).ok().map(|i| &tasks[i])
    }

    fn in_history(&self, id: TaskId) -> bool {
        self.candidate(id).zip(self.timelines.get(&id)).is_some_and(|(c, tl)| tl.in_history(c.status))
    }

    /// The model already holds the task exactly as given.
    fn holds(&self, task: &Task) -> bool {
        self.candidate(task.id).is_some_and(|c| *c == Candidate::from_task(task))
            && self.timelines.get(&task.id).is_some_and(|tl| *tl == Timeline::of(task))
    }

    /// The history from the model, the same tasks in the same order as `TaskStore::completed_history` gives.
    fn compute_history(&self) -> HistoryStats {
        let mut done: Vec<(&Candidate, &Timeline)> = self
            .board
            .tasks()
            .iter()
            .filter_map(|c| self.timelines.get(&c.id).filter(|tl| tl.in_history(c.status)).map(|tl| (c, tl)))
            .collect();
        done.sort_by(|(a, at), (b, bt)| bt.completed_at.cmp(&at.completed_at).then(b.id.cmp(&a.id)));
        done.truncate(HISTORY_LIMIT);
        let records: Vec<HistoryRecord> = done.iter().map(|(c, tl)| history_record(c, tl)).collect();
        HistoryStats::from_records(&records)
    }

    /// The ranked board.
    pub(crate) fn board(&self) -> &Board {
        &self.board
    }

    /// The project's history of completed work.
    pub(crate) fn history(&self) -> &HistoryStats {
        &self.history
    }

    /// What `assignee` worked on last (latest claim, completion or start), to stay near.
    pub(crate) fn recent_work(&self, assignee: &str) -> Option<RecentWork> {
        let (id, _) = self
            .timelines
            .iter()
            .filter(|(_, tl)| tl.assignee.as_deref() == Some(assignee))
            .max_by_key(|(id, tl)| (tl.claimed_at.or(tl.completed_at).or(tl.started_at), **id))?;
        let task = self.candidate(*id)?;
        Some(RecentWork {
            tags: task.tags.clone(),
            code_language: task.code_language.clone(),
            task_type: task.task_type.clone(),
            files: Vec::new(),
        })
    }
}

/// The history record of a completed task.
fn history_record(task: &Candidate, timeline: &Timeline) -> HistoryRecord {
    HistoryRecord {
        tags: task.tags.clone(),
        code_language: task.code_language.clone(),
        task_type: task.task_type.clone(),
        // Setbacks (reopened or blocked tasks) are not read from the status history yet.
        had_setback: false,
        actual_hours: match (timeline.started_at, timeline.completed_at) {
            (Some(start), Some(end)) => Some((end - start).num_milliseconds().max(0) as f64 / 3_600_000.0),
            _ => None,
        },
        estimated_hours: task.estimated_hours,
    }
}

type Slot = Arc<tokio::sync::Mutex<Option<ProjectModel>>>;

/// Per-project models; each behind its own lock so projects refresh independently.
#[derive(Default)]
pub(crate) struct BoardModels(Mutex<HashMap<String, Slot>>);

impl BoardModels {
    fn slot(&self, project: &str) -> Slot {
        let mut models = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if !models.contains_key(project) && models.len() >= MODEL_CAPACITY {
            // Bounded memory over many projects: the least recently added do not matter more than the others.
            models.clear();
        }
        Arc::clone(models.entry(project.to_string()).or_default())
    }

    /// Runs `f` on the project's model brought up to date with the store: unchanged when the store's board version
    /// is, else the changes since the model's log position applied, else the project read whole.
    ///
    /// Signals are read before the data, so a write racing with the read is seen again by the next call; data is
    /// never reused past a change. Claims do not depend on it: `claim_first` re-checks eligibility when it writes.
    pub(crate) async fn with_current<T>(
        &self,
        store: &dyn TaskStore,
        project: &str,
        f: impl FnOnce(&ProjectModel) -> T,
    ) -> Result<T> {
        let slot = self.slot(project);
        let mut guard = slot.lock().await;
        let probe = store.board_version().await?;
        if let Some(model) = guard.as_mut() {
            if probe.is_some() && model.probe == probe {
                return Ok(f(model));
            }
            if let Some(since) = model.log_version
                && let Some(changes) = store.changes_since(project, since).await?
            {
                model.apply(changes, probe);
                return Ok(f(model));
            }
        }
        let log_version = store.change_version().await?;
        let graph = store.graph(Some(project)).await?;
        let model = ProjectModel::load(graph.tasks, probe, log_version);
        let out = f(&model);
        // Without either signal nothing tells when the model goes stale: it serves this call only.
        *guard = (probe.is_some() || log_version.is_some()).then_some(model);
        Ok(out)
    }
}
