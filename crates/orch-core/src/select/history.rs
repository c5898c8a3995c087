//! What the project's finished work says about a task: how often similar tasks went through without a setback, and
//! how far their real durations ran over the estimates.

use std::collections::BTreeMap;

use super::Candidate;

/// Observations at which history gets half the say against the complexity/risk model.
pub const HISTORY_HALF_TRUST: f64 = 10.0;
/// Overrun ratios (actual / estimated hours) are clamped to this range so one outlier cannot dominate.
pub const OVERRUN_RANGE: (f64, f64) = (0.25, 4.0);

/// One completed task of the project, as the service reads it from the store and its status history.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRecord {
    /// Tags (store-normalised, lower case).
    pub tags: Vec<String>,
    /// Language, lower case.
    pub code_language: Option<String>,
    /// Kind of work.
    pub task_type: Option<String>,
    /// The task was blocked or reopened at least once before it was completed.
    pub had_setback: bool,
    /// Hours from `started_at` to `completed_at`.
    pub actual_hours: Option<f64>,
    /// The estimate it had.
    pub estimated_hours: Option<f64>,
}

/// Outcomes of one group of completed tasks (one language, one task type or one tag).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcomes {
    /// Completed tasks in the group.
    pub completed: u32,
    /// Of those, how many were blocked or reopened on the way.
    pub setbacks: u32,
    /// Sum of `ln(actual / estimated)` over tasks with both figures (ratios clamped to [`OVERRUN_RANGE`]).
    pub log_overrun_sum: f64,
    /// How many tasks `log_overrun_sum` covers.
    pub overrun_samples: u32,
}

impl Outcomes {
    fn add(&mut self, record: &HistoryRecord) {
        self.completed += 1;
        self.setbacks += u32::from(record.had_setback);
        if let (Some(actual), Some(estimated)) = (record.actual_hours, record.estimated_hours)
            && actual.is_finite()
            && estimated.is_finite()
            && actual > 0.0
            && estimated > 0.0
        {
            self.log_overrun_sum += (actual / estimated).clamp(OVERRUN_RANGE.0, OVERRUN_RANGE.1).ln();
            self.overrun_samples += 1;
        }
    }

    fn merge(&mut self, other: &Outcomes) {
        self.completed += other.completed;
        self.setbacks += other.setbacks;
        self.log_overrun_sum += other.log_overrun_sum;
        self.overrun_samples += other.overrun_samples;
    }
}

/// Per-project calibration from completed tasks, grouped by language, task type and tag.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HistoryStats {
    /// All completed tasks of the project.
    pub overall: Outcomes,
    /// By `code_language`.
    pub by_language: BTreeMap<String, Outcomes>,
    /// By `task_type`.
    pub by_task_type: BTreeMap<String, Outcomes>,
    /// By tag.
    pub by_tag: BTreeMap<String, Outcomes>,
}

/// What history says about one task.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Calibration {
    /// Share of similar completed tasks that had no setback, and how many tasks that is pooled over.
    pub smooth_rate: Option<(f64, u32)>,
    /// Geometric mean of actual/estimated over similar tasks, shrunk toward 1 by the number of samples.
    pub overrun: f64,
}

impl HistoryStats {
    /// Groups completed tasks into the statistics the policy reads.
    pub fn from_records(records: &[HistoryRecord]) -> HistoryStats {
        let mut stats = HistoryStats::default();
        for record in records {
            stats.overall.add(record);
            if let Some(lang) = &record.code_language {
                stats.by_language.entry(lang.to_lowercase()).or_default().add(record);
            }
            if let Some(kind) = &record.task_type {
                stats.by_task_type.entry(kind.to_lowercase()).or_default().add(record);
            }
            let mut tags: Vec<String> = record.tags.iter().map(|t| t.to_lowercase()).collect();
            tags.sort();
            tags.dedup();
            for tag in tags {
                stats.by_tag.entry(tag).or_default().add(record);
            }
        }
        stats
    }

    /// True when no completed task was recorded.
    pub fn is_empty(&self) -> bool {
        self.overall.completed == 0
    }

    /// Pools the groups the task belongs to (its language, type and tags); without any, the whole project.
    ///
    /// A task counted in several of the task's groups is counted several times: the pool measures how much evidence
    /// points at this kind of work, and the shrinkage in [`Calibration`] keeps that from running away.
    pub(super) fn calibrate(&self, task: &Candidate) -> Calibration {
        let mut pooled = Outcomes::default();
        let mut matched = false;
        let mut take = |group: Option<&Outcomes>| {
            if let Some(g) = group {
                pooled.merge(g);
                matched = true;
            }
        };
        if let Some(lang) = &task.code_language {
            take(self.by_language.get(lang.as_str()));
        }
        if let Some(kind) = &task.task_type {
            take(self.by_task_type.get(kind.as_str()));
        }
        for tag in &task.tags {
            take(self.by_tag.get(tag.as_str()));
        }
        if !matched {
            pooled = self.overall.clone();
        }
        let smooth_rate = (pooled.completed > 0).then(|| {
            (
                f64::from(pooled.completed - pooled.setbacks.min(pooled.completed)) / f64::from(pooled.completed),
                pooled.completed,
            )
        });
        let overrun = if pooled.overrun_samples > 0 {
            let samples = f64::from(pooled.overrun_samples);
            let trust = samples / (samples + HISTORY_HALF_TRUST);
            (trust * pooled.log_overrun_sum / samples).exp()
        } else {
            1.0
        };
        Calibration { smooth_rate, overrun }
    }
}
