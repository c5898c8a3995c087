//! The `selection` of `get_next_task` (docs/selection.md, docs/context.md). One shape serves both forms: with
//! `explain: true` every field is there; the default compact form leaves out the detail (a scored task keeps its id,
//! title, score and hours, a factor its contribution and detail, zero counts go) and never a top-level key. A field
//! marked "full form only" is absent from the compact form; one that can be unknown is null in the full form.

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

use super::StatusDto;

/// The outcome of the selection policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(inline)]
#[schemars(transform = super::nullable::one_of_null)]
pub struct SelectionDto {
    /// The best task; null when no task is eligible.
    pub selected_task: Option<ScoredTaskDto>,
    /// The next best eligible tasks, best first (at most 5).
    pub alternatives: Vec<ScoredTaskDto>,
    /// Why the selected task (or why none).
    pub reasoning: ReasoningDto,
    /// One task per developer when `available_developers` > 1 and something is eligible; else null.
    pub team_plan: Option<TeamPlanDto>,
    /// What was left out and what the waiting work hangs on.
    pub excluded: ExclusionSummaryDto,
    /// The longest chain of unfinished work.
    pub critical_path: CriticalPathDto,
    /// Defaults assumed across the project (missing estimates, unknown dependencies…).
    pub assumptions: Vec<String>,
    /// One paragraph on the choice.
    pub message: String,
}

/// A scoring factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum FactorDto {
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

/// Where a task's planned hours come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum HoursSourceDto {
    /// The task's `estimated_hours`.
    Estimate,
    /// Derived from the complexity score.
    Complexity,
    /// Neither was known: the default.
    Default,
}

/// An eligible task with its score and the figures behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = super::nullable::one_of_null)]
pub struct ScoredTaskDto {
    /// Task id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Priority 0-4 (selected task and full form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u8>,
    /// Language (full form only).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub code_language: Option<Option<String>>,
    /// Kind of work (full form only).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub task_type: Option<Option<String>>,
    /// Complexity 1-10 if analysed (full form only).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub complexity_score: Option<Option<f64>>,
    /// 0..1, the sum of the factor contributions.
    pub overall_score: f64,
    /// 0..1: the chance the task goes through without being blocked or reopened (selected task and full form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_probability: Option<f64>,
    /// Hours planned with.
    pub estimated_hours: f64,
    /// Where `estimatedHours` comes from (full form only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours_source: Option<HoursSourceDto>,
    /// `estimatedHours` times the project's overrun ratio on similar tasks (full form only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_hours: Option<f64>,
    /// Hours of the longest chain of unfinished work this task starts (full form only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain_hours: Option<f64>,
    /// The chain it starts is a longest one (selected task and full form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_critical_path: Option<bool>,
    /// Tasks for which this is the last unfinished prerequisite (selected task and full form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unblocks: Option<u64>,
    /// Waiting tasks behind it, transitively (full form only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub downstream_tasks: Option<f64>,
    /// Other ready tasks sharing its language and type or a tag (full form only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub similar_ready_tasks: Option<u64>,
    /// 0..1 closeness to the last work, when that was known (full form only).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub context_similarity: Option<Option<f64>>,
    /// Each applied factor's part (full form only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factors: Option<Vec<FactorContributionDto>>,
}

/// One factor's part in a task's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(inline)]
pub struct FactorContributionDto {
    /// The factor.
    pub factor: FactorDto,
    /// Its weight, normalised over the applied factors.
    pub weight: f64,
    /// The task's value on it, 0..1.
    pub value: f64,
    /// `weight * value`.
    pub contribution: f64,
}

/// Why a task was chosen (or why none was).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(inline)]
pub struct ReasoningDto {
    /// One sentence a person can read.
    pub primary_reason: String,
    /// Applied factors, largest contribution first (the top 3 in the compact form).
    pub factors: Vec<ExplainedFactorDto>,
    /// Defaults the policy assumed for this task (full form only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assumptions: Option<Vec<String>>,
}

/// One factor's part in the choice, in words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(inline)]
pub struct ExplainedFactorDto {
    /// The factor.
    pub factor: FactorDto,
    /// Normalised weight (full form only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
    /// The task's value, 0..1 (full form only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// What it added to the score.
    pub contribution: f64,
    /// What the value means for this task.
    pub detail: String,
}

/// One task per developer, pairwise independent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(inline)]
#[schemars(transform = super::nullable::one_of_null)]
pub struct TeamPlanDto {
    /// Developers planned for.
    pub developers: u32,
    /// The assignments, developer order.
    pub assignments: Vec<AssignmentDto>,
    /// Developers left without a task because fewer independent tasks are ready.
    pub idle_developers: u32,
    /// When the last assignment is expected to finish, in hours from now.
    pub expected_finish_hours: f64,
    /// Sum of the assignments' expected hours.
    pub total_hours: f64,
    /// Whether every assignment fits `hours_available_today` (null without that limit).
    pub all_fit_today: Option<bool>,
    /// One sentence summing the plan up.
    pub note: String,
}

/// One developer's task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(inline)]
#[schemars(transform = super::nullable::one_of_null)]
pub struct AssignmentDto {
    /// 1-based; developer 1 is the one asking and gets the selected task.
    pub developer: u32,
    /// The task.
    pub task_id: i64,
    /// Its title.
    pub title: String,
    /// Its score.
    pub overall_score: f64,
    /// Hours it is expected to take.
    pub expected_hours: f64,
    /// Whether it is expected to finish within `hours_available_today` (null without that limit).
    pub fits_today: Option<bool>,
    /// Earlier assignments sharing a tag or file with it.
    pub shares_area_with: Vec<i64>,
}

/// How many tasks were left out and why, each counted once under its first reason. The compact form leaves out the
/// counts that are zero.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(inline)]
pub struct ExclusionSummaryDto {
    /// Tasks considered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_tasks: Option<u64>,
    /// Tasks ranked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eligible: Option<u64>,
    /// Done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed: Option<u64>,
    /// Being worked on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_progress: Option<u64>,
    /// Status blocked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked: Option<u64>,
    /// Pending but held by an assignee.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claimed: Option<u64>,
    /// Pending with an unfinished prerequisite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_on_dependencies: Option<u64>,
    /// Below `priority_threshold`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub below_priority_threshold: Option<u64>,
    /// Complexity above the limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub over_complexity_limit: Option<u64>,
    /// Carrying an excluded tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excluded_tag: Option<u64>,
    /// Missing a required tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing_required_tag: Option<u64>,
    /// Planned above `max_estimated_hours`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub over_max_hours: Option<u64>,
    /// Planned below `min_estimated_hours`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub under_min_hours: Option<u64>,
    /// Dependencies that name no task of the project; they count as unfinished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unknown_dependencies: Option<Vec<i64>>,
    /// The blockers most waiting work hangs on, most first.
    pub top_blockers: Vec<BlockerDto>,
}

/// An unfinished task nobody can pick up now that waiting work hangs on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(inline)]
#[schemars(transform = super::nullable::one_of_null)]
pub struct BlockerDto {
    /// Task id.
    pub id: i64,
    /// Title; null for a dependency that is not among the project's tasks.
    pub title: Option<String>,
    /// Status; null for a dependency that is not among the project's tasks (full form only).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    pub status: Option<Option<StatusDto>>,
    /// Why it cannot be picked up.
    pub why: String,
    /// Tasks that depend on it directly.
    pub waiting_directly: u64,
    /// Waiting tasks behind it, transitively (full form only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_downstream: Option<f64>,
}

/// The longest chain of unfinished work.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(inline)]
pub struct CriticalPathDto {
    /// Its planned hours.
    pub hours: f64,
    /// Its length in tasks (compact form, which lists at most 10 of them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<u64>,
    /// Its tasks, first prerequisite first.
    pub tasks: Vec<i64>,
}

/// A key that is there, null or not: `Some(None)` for null (a missing key is `None` through `default`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}
