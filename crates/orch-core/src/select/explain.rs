//! Words for the numbers: the primary reason, each factor's detail, the assumptions, and why nothing was selected.

use super::{
    Candidate, DEFAULT_HOURS, DEFAULT_RISK, ExclusionSummary, ExplainedFactor, Factor, HistoryStats, HoursSource,
    Reasoning, RecentWork, ScoredTask, TeamPlan,
};

/// What the explanations need from the call besides the scored task.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct ExplainContext {
    pub critical_hours: f64,
    pub hours_available_today: Option<f64>,
    pub preferred_languages: Vec<String>,
    pub preferred_types: Vec<String>,
    pub recent: Option<RecentWork>,
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn priority_label(p: u8) -> &'static str {
    match p {
        0 => "lowest",
        1 => "low",
        2 => "medium",
        3 => "high",
        _ => "highest",
    }
}

/// A verb phrase completing "it …".
fn detail(factor: Factor, value: f64, task: &ScoredTask, ctx: &ExplainContext) -> String {
    match factor {
        Factor::Priority => format!("has priority {} ({})", task.priority, priority_label(task.priority)),
        Factor::Unblocks if task.unblocks == 0 && task.downstream_tasks == 0.0 => "releases no waiting task".to_owned(),
        Factor::Unblocks => format!(
            "releases {} directly and carries {:.1} waiting task(s) downstream",
            plural(task.unblocks, "waiting task", "waiting tasks"),
            task.downstream_tasks
        ),
        Factor::CriticalPath if task.on_critical_path => {
            format!("starts the critical path ({:.1} h of remaining work in sequence)", task.chain_hours)
        }
        Factor::CriticalPath => format!(
            "starts a {:.1} h chain of remaining work (the critical path is {:.1} h)",
            task.chain_hours, ctx.critical_hours
        ),
        Factor::TimeFit => match ctx.hours_available_today {
            Some(avail) if task.expected_hours <= avail => {
                format!("fits the {avail:.1} h available today (expected {:.1} h)", task.expected_hours)
            }
            Some(avail) => {
                format!("needs about {:.1} h, more than the {avail:.1} h available today", task.expected_hours)
            }
            None => "has no time limit to fit".to_owned(),
        },
        Factor::Preference => {
            let mut matched = Vec::new();
            if let Some(l) = task.code_language.as_deref().filter(|l| super::has(&ctx.preferred_languages, l)) {
                matched.push(format!("the preferred language {l}"));
            }
            if let Some(t) = task.task_type.as_deref().filter(|t| super::has(&ctx.preferred_types, t)) {
                matched.push(format!("the preferred task type {t}"));
            }
            if matched.is_empty() {
                "matches none of the preferred languages or task types".to_owned()
            } else {
                format!("matches {}", matched.join(" and "))
            }
        }
        Factor::Context => {
            let mut same = Vec::new();
            if let Some(recent) = &ctx.recent {
                if let (Some(a), Some(b)) = (&task.code_language, &recent.code_language)
                    && a.eq_ignore_ascii_case(b)
                {
                    same.push(format!("same language {a}"));
                }
                if let (Some(a), Some(b)) = (&task.task_type, &recent.task_type)
                    && a.eq_ignore_ascii_case(b)
                {
                    same.push(format!("same task type {a}"));
                }
            }
            if same.is_empty() {
                format!("is {:.0}% similar to the last work", value * 100.0)
            } else {
                format!("is {:.0}% similar to the last work ({})", value * 100.0, same.join(", "))
            }
        }
        Factor::Grouping if task.similar_ready_tasks == 0 => "has no similar ready task to batch with".to_owned(),
        Factor::Grouping => format!(
            "has {} to batch with",
            plural(task.similar_ready_tasks, "similar ready task", "similar ready tasks")
        ),
        Factor::Success => {
            format!("has a {:.0}% chance of going through without a setback", task.success_probability * 100.0)
        }
        Factor::Age if value >= 0.999 => "is the longest-waiting ready task".to_owned(),
        Factor::Age => format!("has waited {:.0}% as long as the longest-waiting ready task", value * 100.0),
    }
}

fn task_assumptions(task: &ScoredTask) -> Vec<String> {
    let mut out = Vec::new();
    match task.hours_source {
        HoursSource::Estimate => {}
        HoursSource::Complexity => out.push(format!(
            "no estimate: {:.1} h derived from complexity score {:.1}",
            task.estimated_hours,
            task.complexity_score.unwrap_or_default()
        )),
        HoursSource::Default => out.push(format!("no estimate and no complexity score: {DEFAULT_HOURS} h assumed")),
    }
    if task.complexity_score.is_none() {
        out.push("no complexity score: the complexity limit could not be checked".to_owned());
    }
    if (task.expected_hours - task.estimated_hours).abs() > 1e-9 {
        out.push(format!(
            "calibration from similar completed tasks: {:.2}x the estimate (their actual/estimated ratios clamped to {}x..{}x and shrunk toward 1 by how many there are): {:.1} h expected",
            task.expected_hours / task.estimated_hours.max(f64::MIN_POSITIVE),
            super::history::OVERRUN_RANGE.0,
            super::history::OVERRUN_RANGE.1,
            task.expected_hours
        ));
    }
    out
}

/// The reasoning for `task`, against the task ranked right after it.
pub(super) fn reasoning(task: &ScoredTask, runner_up: Option<&ScoredTask>, ctx: &ExplainContext) -> Reasoning {
    let mut factors: Vec<ExplainedFactor> = task
        .factors
        .iter()
        .map(|f| ExplainedFactor {
            factor: f.factor,
            weight: f.weight,
            value: f.value,
            contribution: f.contribution,
            detail: detail(f.factor, f.value, task, ctx),
        })
        .collect();
    // Stable sort: equal contributions keep Factor::ALL order.
    factors.sort_by(|a, b| b.contribution.total_cmp(&a.contribution));

    let name = format!("#{} \"{}\"", task.id, task.title);
    let largest = factors.first().map(|f| f.detail.clone()).unwrap_or_else(|| "scores on no factor".to_owned());
    let primary_reason = match runner_up {
        None => format!("{name} is the only task ready within the constraints; it {largest}."),
        Some(other) => {
            let other_name = format!("#{} \"{}\"", other.id, other.title);
            // The factors where this task gains most over the runner-up; a second one is named when it gains at
            // least half as much as the first.
            let mut edges: Vec<(Factor, f64, f64)> = task
                .factors
                .iter()
                .filter_map(|f| {
                    let theirs = other.factors.iter().find(|o| o.factor == f.factor).map_or(0.0, |o| o.contribution);
                    let gain = f.contribution - theirs;
                    (gain > 1e-12).then_some((f.factor, f.value, gain))
                })
                .collect();
            edges.sort_by(|a, b| b.2.total_cmp(&a.2));
            let edge: Option<String> = match edges.as_slice() {
                [] => None,
                [(f, v, _)] => Some(detail(*f, *v, task, ctx)),
                [(f1, v1, g1), (f2, v2, g2), ..] if *g2 >= 0.5 * g1 => {
                    Some(format!("{} and {}", detail(*f1, *v1, task, ctx), detail(*f2, *v2, task, ctx)))
                }
                [(f, v, _), ..] => Some(detail(*f, *v, task, ctx)),
            };
            if (task.overall_score - other.overall_score).abs() <= 1e-12 {
                format!(
                    "{name} ties with {other_name} at score {:.2} and goes first as the older task (or lower id); it {largest}.",
                    task.overall_score
                )
            } else {
                let why = edge.unwrap_or(largest);
                format!(
                    "{name} is the best next task mainly because it {why}; it scores {:.2} against {:.2} for {other_name}.",
                    task.overall_score, other.overall_score
                )
            }
        }
    };
    Reasoning { primary_reason, factors, assumptions: task_assumptions(task) }
}

/// Why no task could be selected, naming the blockers.
pub(super) fn why_nothing(s: &ExclusionSummary) -> String {
    if s.total_tasks == 0 {
        return "The project has no tasks; create some with create_task or parse_prd.".to_owned();
    }
    if s.completed == s.total_tasks {
        return format!("All {} are completed; nothing is left to do.", plural(s.total_tasks, "task", "tasks"));
    }
    let constrained = s.below_priority_threshold
        + s.over_complexity_limit
        + s.excluded_tag
        + s.missing_required_tag
        + s.over_max_hours
        + s.under_min_hours;
    let pending = s.claimed + s.waiting_on_dependencies + constrained;
    if pending == 0 {
        return format!(
            "No pending task is left: {} in progress, {} blocked, {} completed.",
            s.in_progress, s.blocked, s.completed
        );
    }
    let mut parts = Vec::new();
    if s.waiting_on_dependencies > 0 {
        parts.push(format!("{} wait on unfinished prerequisites", s.waiting_on_dependencies));
    }
    if s.claimed > 0 {
        parts.push(format!("{} already claimed", s.claimed));
    }
    if constrained > 0 {
        let mut why = Vec::new();
        for (n, what) in [
            (s.below_priority_threshold, "below the priority threshold"),
            (s.over_complexity_limit, "above the complexity limit"),
            (s.excluded_tag, "carry an excluded tag"),
            (s.missing_required_tag, "lack a required tag"),
            (s.over_max_hours, "above max_estimated_hours"),
            (s.under_min_hours, "below min_estimated_hours"),
        ] {
            if n > 0 {
                why.push(format!("{n} {what}"));
            }
        }
        parts.push(format!("{constrained} excluded by the constraints ({})", why.join(", ")));
    }
    let mut text =
        format!("No task is ready: of {}, {}.", plural(pending, "pending task", "pending tasks"), parts.join("; "));
    if !s.top_blockers.is_empty() {
        let names: Vec<String> = s
            .top_blockers
            .iter()
            .map(|b| match &b.title {
                Some(title) => format!("#{} \"{title}\" ({}, {:.1} waiting)", b.id, b.why, b.waiting_downstream),
                None => format!("#{} ({}, {:.1} waiting)", b.id, b.why, b.waiting_downstream),
            })
            .collect();
        text.push_str(&format!(" The waiting work hangs mostly on {}.", names.join(", ")));
    }
    if constrained > 0 {
        text.push_str(" Relax the constraints to widen the choice.");
    }
    text
}

/// Project-wide defaults the policy assumed.
pub(super) fn assumptions<T: std::borrow::Borrow<Candidate>>(
    sorted: &[T],
    eligible: &[usize],
    sources: &[HoursSource],
    excluded: &ExclusionSummary,
    history: &HistoryStats,
) -> Vec<String> {
    let eligible = || eligible.iter().copied();
    let from_complexity = eligible().filter(|&i| sources[i] == HoursSource::Complexity).count();
    let defaulted = eligible().filter(|&i| sources[i] == HoursSource::Default).count();
    let unscored = eligible().filter(|&i| sorted[i].borrow().complexity_score.is_none()).count();
    let no_risk = eligible().filter(|&i| sorted[i].borrow().risk.is_none()).count();
    let mut out = Vec::new();
    if from_complexity > 0 {
        out.push(format!(
            "{} without an estimate: hours derived from the complexity score (0.5·24^((score−1)/5) h)",
            plural(from_complexity, "ready task", "ready tasks")
        ));
    }
    if defaulted > 0 {
        out.push(format!(
            "{} without an estimate or complexity score: {DEFAULT_HOURS} h assumed",
            plural(defaulted, "ready task", "ready tasks")
        ));
    }
    if unscored > 0 {
        out.push(format!(
            "{} without a complexity score passed the complexity limit unchecked; analyze_complexity scores them",
            plural(unscored, "ready task", "ready tasks")
        ));
    }
    if no_risk > 0 {
        out.push(format!(
            "{} without a risk assessment: risk {DEFAULT_RISK} assumed",
            plural(no_risk, "ready task", "ready tasks")
        ));
    }
    if !excluded.unknown_dependencies.is_empty() {
        let ids: Vec<String> = excluded.unknown_dependencies.iter().map(|id| format!("#{id}")).collect();
        out.push(format!("dependencies {} are not tasks of this project and count as unfinished", ids.join(", ")));
    }
    if history.is_empty() {
        out.push(
            "no completed tasks to learn from: success probabilities come from complexity and risk only".to_owned(),
        );
    }
    out
}

/// The tool's `message`.
pub(super) fn message(
    selected: Option<&ScoredTask>,
    alternatives: usize,
    reasoning: &Reasoning,
    team: Option<&TeamPlan>,
) -> String {
    let Some(task) = selected else {
        return reasoning.primary_reason.clone();
    };
    let mut text = format!(
        "Selected task #{} \"{}\" (score {:.2}, success probability {:.0}%) out of {}.",
        task.id,
        task.title,
        task.overall_score,
        task.success_probability * 100.0,
        plural(alternatives + 1, "ready task", "ready tasks")
    );
    if let Some(plan) = team {
        text.push(' ');
        text.push_str(&plan.note);
    }
    text
}
