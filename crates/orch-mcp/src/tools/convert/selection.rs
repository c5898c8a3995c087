//! `Selection` → `SelectionDto` in its full form (get_next_task with `explain: true`); `selection_view` cuts it to
//! the compact form.

use orch_core::select::{
    Assignment, Blocker, CriticalPathInfo, ExclusionSummary, ExplainedFactor, Factor, FactorContribution, HoursSource,
    Reasoning, ScoredTask, Selection, TeamPlan,
};

use super::count;
use crate::dto::*;

/// The whole selection.
pub(crate) fn selection(s: Selection) -> SelectionDto {
    SelectionDto {
        selected_task: s.selected_task.map(scored),
        alternatives: s.alternatives.into_iter().map(scored).collect(),
        reasoning: reasoning(s.reasoning),
        team_plan: s.team_plan.map(team),
        excluded: excluded(s.excluded),
        critical_path: critical_path(s.critical_path),
        assumptions: s.assumptions,
        message: s.message,
    }
}

fn factor(f: Factor) -> FactorDto {
    match f {
        Factor::Priority => FactorDto::Priority,
        Factor::Unblocks => FactorDto::Unblocks,
        Factor::CriticalPath => FactorDto::CriticalPath,
        Factor::TimeFit => FactorDto::TimeFit,
        Factor::Preference => FactorDto::Preference,
        Factor::Context => FactorDto::Context,
        Factor::Grouping => FactorDto::Grouping,
        Factor::Success => FactorDto::Success,
        Factor::Age => FactorDto::Age,
    }
}

fn scored(t: ScoredTask) -> ScoredTaskDto {
    ScoredTaskDto {
        id: t.id.0,
        title: t.title,
        priority: Some(t.priority),
        code_language: Some(t.code_language),
        task_type: Some(t.task_type),
        complexity_score: Some(t.complexity_score),
        overall_score: t.overall_score,
        success_probability: Some(t.success_probability),
        estimated_hours: t.estimated_hours,
        hours_source: Some(match t.hours_source {
            HoursSource::Estimate => HoursSourceDto::Estimate,
            HoursSource::Complexity => HoursSourceDto::Complexity,
            HoursSource::Default => HoursSourceDto::Default,
        }),
        expected_hours: Some(t.expected_hours),
        chain_hours: Some(t.chain_hours),
        on_critical_path: Some(t.on_critical_path),
        unblocks: Some(count(t.unblocks)),
        downstream_tasks: Some(t.downstream_tasks),
        similar_ready_tasks: Some(count(t.similar_ready_tasks)),
        context_similarity: Some(t.context_similarity),
        factors: Some(t.factors.into_iter().map(contribution).collect()),
    }
}

fn contribution(c: FactorContribution) -> FactorContributionDto {
    FactorContributionDto { factor: factor(c.factor), weight: c.weight, value: c.value, contribution: c.contribution }
}

fn reasoning(r: Reasoning) -> ReasoningDto {
    ReasoningDto {
        primary_reason: r.primary_reason,
        factors: r.factors.into_iter().map(explained).collect(),
        assumptions: Some(r.assumptions),
    }
}

fn explained(f: ExplainedFactor) -> ExplainedFactorDto {
    ExplainedFactorDto {
        factor: factor(f.factor),
        weight: Some(f.weight),
        value: Some(f.value),
        contribution: f.contribution,
        detail: f.detail,
    }
}

fn team(p: TeamPlan) -> TeamPlanDto {
    TeamPlanDto {
        developers: p.developers,
        assignments: p.assignments.into_iter().map(assignment).collect(),
        idle_developers: p.idle_developers,
        expected_finish_hours: p.expected_finish_hours,
        total_hours: p.total_hours,
        all_fit_today: p.all_fit_today,
        note: p.note,
    }
}

fn assignment(a: Assignment) -> AssignmentDto {
    AssignmentDto {
        developer: a.developer,
        task_id: a.task_id.0,
        title: a.title,
        overall_score: a.overall_score,
        expected_hours: a.expected_hours,
        fits_today: a.fits_today,
        shares_area_with: ids(a.shares_area_with),
    }
}

fn excluded(e: ExclusionSummary) -> ExclusionSummaryDto {
    ExclusionSummaryDto {
        total_tasks: Some(count(e.total_tasks)),
        eligible: Some(count(e.eligible)),
        completed: Some(count(e.completed)),
        in_progress: Some(count(e.in_progress)),
        blocked: Some(count(e.blocked)),
        claimed: Some(count(e.claimed)),
        waiting_on_dependencies: Some(count(e.waiting_on_dependencies)),
        below_priority_threshold: Some(count(e.below_priority_threshold)),
        over_complexity_limit: Some(count(e.over_complexity_limit)),
        excluded_tag: Some(count(e.excluded_tag)),
        missing_required_tag: Some(count(e.missing_required_tag)),
        over_max_hours: Some(count(e.over_max_hours)),
        under_min_hours: Some(count(e.under_min_hours)),
        unknown_dependencies: Some(ids(e.unknown_dependencies)),
        top_blockers: e.top_blockers.into_iter().map(blocker).collect(),
    }
}

fn blocker(b: Blocker) -> BlockerDto {
    BlockerDto {
        id: b.id.0,
        title: b.title,
        status: Some(b.status.map(Into::into)),
        why: b.why,
        waiting_directly: count(b.waiting_directly),
        waiting_downstream: Some(b.waiting_downstream),
    }
}

fn critical_path(c: CriticalPathInfo) -> CriticalPathDto {
    CriticalPathDto { hours: c.hours, length: None, tasks: ids(c.tasks) }
}
