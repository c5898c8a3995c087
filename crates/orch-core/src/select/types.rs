//! The policy's inputs and outputs: candidates, constraints, weights, and the ranked selection with its reasoning.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::model::{Status, Task, TaskId};

use super::DEFAULT_MAX_COMPLEXITY;
use super::explain::{self, ExplainContext};
use super::team::TeamPlan;

/// A task as the policy sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Id.
    pub id: TaskId,
    /// Title.
    pub title: String,
    /// Life-cycle status.
    pub status: Status,
    /// Someone holds the task (an assignee is set).
    pub claimed: bool,
    /// 0 (lowest) to 4 (highest).
    pub priority: u8,
    /// Prerequisites (unique, as the store keeps them).
    pub dependencies: Vec<TaskId>,
    /// Tags, lower case as the store keeps them.
    pub tags: Vec<String>,
    /// Language, lower case.
    pub code_language: Option<String>,
    /// Kind of work, lower case.
    pub task_type: Option<String>,
    /// Estimated effort in hours.
    pub estimated_hours: Option<f64>,
    /// Complexity 1–10 from the last analysis.
    pub complexity_score: Option<f64>,
    /// Risk 0..1 (see [`risk_from_level`]); `None` means [`DEFAULT_RISK`].
    pub risk: Option<f64>,
    /// Files the task is expected to touch (from the analysis), to keep a team's tasks apart.
    pub files: Vec<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

impl Candidate {
    /// The candidate for a stored task; `risk` and `files` are left for the caller to fill from an analysis.
    pub fn from_task(task: &Task) -> Candidate {
        Candidate {
            id: task.id,
            title: task.title.clone(),
            status: task.status,
            claimed: task.assignee.is_some(),
            priority: task.priority,
            dependencies: task.dependencies.clone(),
            tags: task.tags.clone(),
            code_language: task.code_language.clone(),
            task_type: task.task_type.clone(),
            estimated_hours: task.estimated_hours,
            complexity_score: task.complexity_score,
            risk: None,
            files: Vec::new(),
            created_at: task.created_at,
        }
    }
}

impl From<&Task> for Candidate {
    fn from(task: &Task) -> Self {
        Candidate::from_task(task)
    }
}

/// The caller's limits and preferences: the parameters of `get_next_task`.
#[derive(Debug, Clone, PartialEq)]
pub struct Constraints {
    /// Hard: tasks scored above this are left out (default 8). Tasks without a score are not.
    pub max_complexity: f64,
    /// Hard: a second complexity cap (default 8); the effective limit is the smaller of the two.
    pub max_complexity_limit: f64,
    /// Soft: these task types score higher.
    pub preferred_task_types: Vec<String>,
    /// Soft: these languages score higher.
    pub preferred_languages: Vec<String>,
    /// Hard: tasks carrying any of these tags are left out.
    pub excluded_tags: Vec<String>,
    /// Hard: only tasks carrying every one of these tags.
    pub required_tags: Vec<String>,
    /// Hard: tasks planned at more hours are left out.
    pub max_estimated_hours: Option<f64>,
    /// Hard: tasks planned at fewer hours are left out.
    pub min_estimated_hours: Option<f64>,
    /// Hard: only tasks of at least this priority.
    pub priority_threshold: Option<u8>,
    /// Soft: favour tasks with many similar ready tasks, so one context serves several tasks (default true).
    pub enable_grouping: bool,
    /// Soft: favour tasks close to the agent's last work (default true; needs [`RecentWork`]).
    pub minimize_context_switching: bool,
    /// Soft: favour tasks expected to finish within this many hours; also the horizon of the team plan.
    pub hours_available_today: Option<f64>,
    /// More than 1 asks for a team plan.
    pub available_developers: Option<u32>,
}

impl Default for Constraints {
    fn default() -> Self {
        Constraints {
            max_complexity: DEFAULT_MAX_COMPLEXITY,
            max_complexity_limit: DEFAULT_MAX_COMPLEXITY,
            preferred_task_types: Vec::new(),
            preferred_languages: Vec::new(),
            excluded_tags: Vec::new(),
            required_tags: Vec::new(),
            max_estimated_hours: None,
            min_estimated_hours: None,
            priority_threshold: None,
            enable_grouping: true,
            minimize_context_switching: true,
            hours_available_today: None,
            available_developers: None,
        }
    }
}

impl Constraints {
    /// The complexity limit applied: the smaller of `max_complexity` and `max_complexity_limit`.
    pub fn complexity_limit(&self) -> f64 {
        self.max_complexity.min(self.max_complexity_limit)
    }

    /// Checks the values make sense, naming the parameter and the allowed range when not.
    pub fn validate(&self) -> Result<()> {
        for (field, value) in
            [("max_complexity", self.max_complexity), ("max_complexity_limit", self.max_complexity_limit)]
        {
            if !value.is_finite() || value <= 0.0 {
                return Err(Error::invalid(
                    field,
                    format!("{value} is not a positive number; complexity scores run 1-10"),
                ));
            }
        }
        for (field, value) in [
            ("max_estimated_hours", self.max_estimated_hours),
            ("min_estimated_hours", self.min_estimated_hours),
            ("hours_available_today", self.hours_available_today),
        ] {
            if let Some(v) = value
                && (!v.is_finite() || v < 0.0)
            {
                return Err(Error::invalid(field, format!("{v} is not a non-negative number of hours")));
            }
        }
        if let Some(v) = self.hours_available_today
            && v == 0.0
        {
            return Err(Error::invalid(
                "hours_available_today",
                "0 hours leaves no time for any task; give more than 0",
            ));
        }
        if let (Some(min), Some(max)) = (self.min_estimated_hours, self.max_estimated_hours)
            && min > max
        {
            return Err(Error::invalid(
                "min_estimated_hours",
                format!("{min} is above max_estimated_hours {max}; no task could match"),
            ));
        }
        if let Some(p) = self.priority_threshold
            && p > 4
        {
            return Err(Error::invalid("priority_threshold", format!("{p} is above the highest priority 4; use 0-4")));
        }
        if self.available_developers == Some(0) {
            return Err(Error::invalid("available_developers", "0 developers cannot take a task; give at least 1"));
        }
        use crate::limits::{MAX_LANGUAGE_CHARS, MAX_TAG_CHARS, MAX_TAGS, MAX_TASK_TYPE_CHARS};
        for (field, values, max_chars) in [
            ("preferred_task_types", &self.preferred_task_types, MAX_TASK_TYPE_CHARS),
            ("preferred_languages", &self.preferred_languages, MAX_LANGUAGE_CHARS),
            ("excluded_tags", &self.excluded_tags, MAX_TAG_CHARS),
            ("required_tags", &self.required_tags, MAX_TAG_CHARS),
        ] {
            if values.len() > MAX_TAGS {
                return Err(Error::invalid(field, format!("{} values given; the limit is {MAX_TAGS}", values.len())));
            }
            if let Some(long) = values.iter().find(|v| v.trim().chars().count() > max_chars) {
                return Err(Error::invalid(
                    field,
                    format!("{} is longer than {max_chars} characters", crate::validate::quote(long.trim())),
                ));
            }
        }
        Ok(())
    }
}

/// What the agent worked on last, for staying in context.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecentWork {
    /// Tags of the last task(s).
    pub tags: Vec<String>,
    /// Language of the last task.
    pub code_language: Option<String>,
    /// Kind of the last task.
    pub task_type: Option<String>,
    /// Files touched.
    pub files: Vec<String>,
}

impl RecentWork {
    /// The context a task leaves the agent in.
    pub fn from_task(task: &Task) -> RecentWork {
        RecentWork {
            tags: task.tags.clone(),
            code_language: task.code_language.clone(),
            task_type: task.task_type.clone(),
            files: Vec::new(),
        }
    }
}

/// A scoring factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Factor {
    /// The task's own priority.
    Priority,
    /// How much waiting work finishing it releases.
    Unblocks,
    /// How long the chain of remaining work it starts is, against the critical path.
    CriticalPath,
    /// Whether it fits the hours available today.
    TimeFit,
    /// Preferred languages and task types.
    Preference,
    /// Closeness to the agent's last work.
    Context,
    /// How many similar tasks are ready alongside it.
    Grouping,
    /// Success probability.
    Success,
    /// How long it has waited.
    Age,
}

impl Factor {
    /// Every factor, in the order reports list them.
    pub const ALL: [Factor; 9] = [
        Factor::Priority,
        Factor::Unblocks,
        Factor::CriticalPath,
        Factor::TimeFit,
        Factor::Preference,
        Factor::Context,
        Factor::Grouping,
        Factor::Success,
        Factor::Age,
    ];

    /// The wire spelling (camelCase).
    pub fn as_str(self) -> &'static str {
        match self {
            Factor::Priority => "priority",
            Factor::Unblocks => "unblocks",
            Factor::CriticalPath => "criticalPath",
            Factor::TimeFit => "timeFit",
            Factor::Preference => "preference",
            Factor::Context => "context",
            Factor::Grouping => "grouping",
            Factor::Success => "success",
            Factor::Age => "age",
        }
    }

    /// The spelling for environment variables, e.g. `CRITICAL_PATH`.
    pub fn env_name(self) -> &'static str {
        match self {
            Factor::Priority => "PRIORITY",
            Factor::Unblocks => "UNBLOCKS",
            Factor::CriticalPath => "CRITICAL_PATH",
            Factor::TimeFit => "TIME_FIT",
            Factor::Preference => "PREFERENCE",
            Factor::Context => "CONTEXT",
            Factor::Grouping => "GROUPING",
            Factor::Success => "SUCCESS",
            Factor::Age => "AGE",
        }
    }
}

impl fmt::Display for Factor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Factor {
    type Err = Error;

    /// Accepts the wire, snake_case and environment spellings, in any case.
    fn from_str(s: &str) -> Result<Self> {
        let folded: String = s.chars().filter(|c| *c != '_' && *c != '-').collect::<String>().to_ascii_lowercase();
        Factor::ALL.into_iter().find(|f| f.as_str().to_ascii_lowercase() == folded).ok_or_else(|| {
            let names: Vec<&str> = Factor::ALL.iter().map(|f| f.as_str()).collect();
            Error::invalid("factor", format!("unknown selection factor '{s}'; use one of: {}", names.join(", ")))
        })
    }
}

/// The weight of every factor. Scores are `Σ weight·value / Σ weight` over the factors that apply to a call, so
/// only the ratios matter; a weight of 0 switches a factor off.
#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    /// Priority 0–4 as 0..1. Default 0.20.
    pub priority: f64,
    /// Waiting work carried, `U / (U + mean task value)`. Default 0.15.
    pub unblocks: f64,
    /// Chain of remaining work started, as a share of the critical path. Default 0.40.
    pub critical_path: f64,
    /// Fits `hours_available_today`. Default 0.10.
    pub time_fit: f64,
    /// Matches preferred languages / types. Default 0.10.
    pub preference: f64,
    /// Close to the last work (when `minimize_context_switching`). Default 0.10.
    pub context: f64,
    /// Similar ready tasks `g`, as `g / (g + 2)` (when `enable_grouping`). Default 0.05.
    pub grouping: f64,
    /// Success probability. Default 0.05.
    pub success: f64,
    /// Waiting time, against the oldest ready task; a tie-breaker. Default 0.01.
    pub age: f64,
}

impl Default for Weights {
    fn default() -> Self {
        // The critical path outweighs priority: with priority at 0.30 and the critical path at 0.25, a busy team
        // (8 developers) took high-priority tasks with slack before the critical chain, started it late and idled at
        // the end: 1.7% over the makespan bound on average where plain critical-path order is 0.4% over (now 0.8%;
        // `cargo bench -p orch-core --bench simulate`, docs/selection.md). The three weights keep their sum, so the
        // other factors weigh what they did.
        Weights {
            priority: 0.20,
            unblocks: 0.15,
            critical_path: 0.40,
            time_fit: 0.10,
            preference: 0.10,
            context: 0.10,
            grouping: 0.05,
            success: 0.05,
            age: 0.01,
        }
    }
}

impl Weights {
    /// The weight of one factor.
    pub fn get(&self, factor: Factor) -> f64 {
        match factor {
            Factor::Priority => self.priority,
            Factor::Unblocks => self.unblocks,
            Factor::CriticalPath => self.critical_path,
            Factor::TimeFit => self.time_fit,
            Factor::Preference => self.preference,
            Factor::Context => self.context,
            Factor::Grouping => self.grouping,
            Factor::Success => self.success,
            Factor::Age => self.age,
        }
    }

    /// Sets one factor's weight (e.g. from `TASK_ORCHESTRATOR_WEIGHT_<env_name>`); refuses negative or non-finite values.
    pub fn set(&mut self, factor: Factor, weight: f64) -> Result<()> {
        if !weight.is_finite() || weight < 0.0 {
            return Err(Error::invalid(
                "weights",
                format!("weight {weight} for factor {factor} is not a non-negative number; use 0 to switch it off"),
            ));
        }
        let slot = match factor {
            Factor::Priority => &mut self.priority,
            Factor::Unblocks => &mut self.unblocks,
            Factor::CriticalPath => &mut self.critical_path,
            Factor::TimeFit => &mut self.time_fit,
            Factor::Preference => &mut self.preference,
            Factor::Context => &mut self.context,
            Factor::Grouping => &mut self.grouping,
            Factor::Success => &mut self.success,
            Factor::Age => &mut self.age,
        };
        *slot = weight;
        Ok(())
    }

    /// Checks every weight is a non-negative number.
    pub fn validate(&self) -> Result<()> {
        let mut copy = self.clone();
        Factor::ALL.into_iter().try_for_each(|f| copy.set(f, self.get(f)))
    }
}

/// Where a task's planned hours come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoursSource {
    /// The task's `estimated_hours`.
    Estimate,
    /// Derived from the complexity score with [`hours_from_complexity`].
    Complexity,
    /// Neither was known: [`DEFAULT_HOURS`].
    Default,
}

/// One factor's part in a task's score.
#[derive(Debug, Clone, PartialEq)]
pub struct FactorContribution {
    /// The factor.
    pub factor: Factor,
    /// Its weight, normalised so the weights of the applied factors sum to 1.
    pub weight: f64,
    /// The task's value on it, 0..1.
    pub value: f64,
    /// `weight · value`: what it adds to `overallScore`.
    pub contribution: f64,
}

/// An eligible task with its score and the figures behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredTask {
    /// Id.
    pub id: TaskId,
    /// Title.
    pub title: String,
    /// Priority 0–4.
    pub priority: u8,
    /// Language.
    pub code_language: Option<String>,
    /// Kind of work.
    pub task_type: Option<String>,
    /// Complexity 1–10, if analysed.
    pub complexity_score: Option<f64>,
    /// 0..1, the sum of the factor contributions.
    pub overall_score: f64,
    /// 0..1: the chance the task goes through without being blocked or reopened (docs/selection.md).
    pub success_probability: f64,
    /// Hours planned with (the estimate, or derived, see `hoursSource`).
    pub estimated_hours: f64,
    /// Where `estimatedHours` comes from.
    pub hours_source: HoursSource,
    /// `estimatedHours` times the project's overrun ratio on similar tasks.
    pub expected_hours: f64,
    /// Hours of the longest chain of unfinished work this task starts (itself included).
    pub chain_hours: f64,
    /// The chain it starts is a longest one: finishing it late delays the project.
    pub on_critical_path: bool,
    /// Tasks for which this is the last unfinished prerequisite.
    pub unblocks: usize,
    /// Waiting tasks behind it, transitively (shared ones split between their prerequisites).
    pub downstream_tasks: f64,
    /// Other ready tasks sharing its language and type or a tag.
    pub similar_ready_tasks: usize,
    /// 0..1 closeness to the last work, when that was given.
    pub context_similarity: Option<f64>,
    /// Each applied factor's part, in [`Factor::ALL`] order.
    pub factors: Vec<FactorContribution>,
}

/// One factor's part in the choice, in words.
#[derive(Debug, Clone, PartialEq)]
pub struct ExplainedFactor {
    /// The factor.
    pub factor: Factor,
    /// Normalised weight.
    pub weight: f64,
    /// The task's value, 0..1.
    pub value: f64,
    /// What it added to the score.
    pub contribution: f64,
    /// What the value means for this task.
    pub detail: String,
}

/// Why a task was chosen (or why none was).
#[derive(Debug, Clone, PartialEq)]
pub struct Reasoning {
    /// One sentence a person can read.
    pub primary_reason: String,
    /// Every applied factor, largest contribution first.
    pub factors: Vec<ExplainedFactor>,
    /// Defaults the policy had to assume for this task.
    pub assumptions: Vec<String>,
}

/// An unfinished task that nobody can pick up now and that waiting work hangs on.
#[derive(Debug, Clone, PartialEq)]
pub struct Blocker {
    /// Id.
    pub id: TaskId,
    /// Title; `None` for a dependency that is not among the project's tasks.
    pub title: Option<String>,
    /// Status; `None` for a dependency that is not among the project's tasks.
    pub status: Option<Status>,
    /// Why it cannot be picked up: in progress, blocked, claimed, excluded by a constraint, unknown.
    pub why: String,
    /// Tasks that depend on it directly.
    pub waiting_directly: usize,
    /// Waiting tasks behind it, transitively (shared ones split between their prerequisites).
    pub waiting_downstream: f64,
}

/// How many tasks were left out and why. Each task is counted once, under the first reason in field order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExclusionSummary {
    /// Tasks considered.
    pub total_tasks: usize,
    /// Tasks ranked.
    pub eligible: usize,
    /// Done.
    pub completed: usize,
    /// Being worked on.
    pub in_progress: usize,
    /// Status `blocked`.
    pub blocked: usize,
    /// Pending but held by an assignee.
    pub claimed: usize,
    /// Pending with an unfinished prerequisite.
    pub waiting_on_dependencies: usize,
    /// Below `priority_threshold`.
    pub below_priority_threshold: usize,
    /// Complexity above the limit.
    pub over_complexity_limit: usize,
    /// Carrying an excluded tag.
    pub excluded_tag: usize,
    /// Missing a required tag.
    pub missing_required_tag: usize,
    /// Planned above `max_estimated_hours`.
    pub over_max_hours: usize,
    /// Planned below `min_estimated_hours`.
    pub under_min_hours: usize,
    /// Dependencies that name no task of the given set; they count as unfinished.
    pub unknown_dependencies: Vec<TaskId>,
    /// The blockers most waiting work hangs on, most first (at most [`TOP_BLOCKERS`]).
    pub top_blockers: Vec<Blocker>,
}

/// How many blockers [`ExclusionSummary::top_blockers`] names.
pub const TOP_BLOCKERS: usize = 5;

/// The longest chain of unfinished work.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CriticalPathInfo {
    /// Its planned hours.
    pub hours: f64,
    /// Its tasks, first prerequisite first.
    pub tasks: Vec<TaskId>,
}

/// The outcome of [`select`].
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    /// The best task, `None` when no task is eligible.
    pub selected_task: Option<ScoredTask>,
    /// Every other eligible task, best first (truncate for display; claim in this order).
    pub alternatives: Vec<ScoredTask>,
    /// Why the selected task (or why none).
    pub reasoning: Reasoning,
    /// One task per developer when `available_developers` > 1 and something is eligible.
    pub team_plan: Option<TeamPlan>,
    /// What was left out and on what the waiting work hangs.
    pub excluded: ExclusionSummary,
    /// The longest chain of unfinished work.
    pub critical_path: CriticalPathInfo,
    /// Defaults assumed across the project (missing estimates, unknown dependencies…).
    pub assumptions: Vec<String>,
    /// One paragraph for the tool's `message`.
    pub message: String,
    pub(super) context: ExplainContext,
}

impl Selection {
    /// Every eligible task id, best first: the order to pass to `TaskStore::claim_first`.
    pub fn ranked_ids(&self) -> Vec<TaskId> {
        self.ranked().map(|t| t.id).collect()
    }

    /// Every eligible task, best first.
    pub fn ranked(&self) -> impl Iterator<Item = &ScoredTask> {
        self.selected_task.iter().chain(self.alternatives.iter())
    }

    /// The reasoning for any ranked task, e.g. the one a claim actually got when the best was taken meanwhile,
    /// compared with the task ranked right after it.
    pub fn reasoning_for(&self, id: TaskId) -> Option<Reasoning> {
        let ranked: Vec<&ScoredTask> = self.ranked().collect();
        let pos = ranked.iter().position(|t| t.id == id)?;
        Some(explain::reasoning(ranked[pos], ranked.get(pos + 1).copied(), &self.context))
    }
}
