//! Eligibility, ranking and the exclusion summary: [`select`] and the reusable [`Board`].

use chrono::{DateTime, Utc};

use crate::model::{Status, TaskId};

use super::dag::{Dag, Node};
use super::explain::{self, ExplainContext};
use super::scoring::{context_similarity, group_sizes, has, normalised, planned_hours, success_probability};
use super::{
    Blocker, Candidate, Constraints, CriticalPathInfo, ExclusionSummary, Factor, FactorContribution, HistoryStats,
    HoursSource, Reasoning, RecentWork, ScoredTask, Selection, TOP_BLOCKERS, Weights, team,
};

/// How a task fared against eligibility, first failing rule wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    Eligible,
    Completed,
    InProgress,
    Blocked,
    Claimed,
    Waiting,
    BelowPriority,
    OverComplexity,
    ExcludedTag,
    MissingTag,
    OverHours,
    UnderHours,
}

/// The figures of a project that do not depend on the call: the graph of unfinished work, planned hours, chains,
/// downstream shares and the critical path. Computing them is the O(n + m) part of selection.
struct Figures {
    dag: Dag,
    hours: Vec<f64>,
    sources: Vec<HoursSource>,
    chain: Vec<f64>,
    unblock_share: Vec<f64>,
    waiting_share: Vec<f64>,
    critical: CriticalPathInfo,
    /// Mean unblock value of an unfinished task, the normaliser of the `unblocks` factor.
    mean_value: f64,
}

impl Figures {
    /// `sorted` must be ordered by id without duplicates.
    fn compute(sorted: &[&Candidate]) -> Figures {
        let dag = Dag::build(sorted);
        let n = dag.len();
        let known = dag.known;

        let mut hours = vec![0.0; n];
        let mut sources = vec![HoursSource::Default; known];
        for (i, task) in sorted.iter().enumerate() {
            let (h, s) = planned_hours(task);
            hours[i] = h;
            sources[i] = s;
        }
        let (chain, next) = dag.chain_hours(&hours);
        let mut unblock_value = vec![0.0; n];
        let mut waiting_value = vec![0.0; n];
        for (i, task) in sorted.iter().enumerate() {
            if dag.unfinished[i] {
                unblock_value[i] = hours[i] * (0.5 + 0.25 * f64::from(task.priority.min(4)));
                waiting_value[i] = 1.0;
            }
        }
        let unblock_share = dag.downstream(&unblock_value);
        let waiting_share = dag.downstream(&waiting_value);

        // Critical path over unfinished work.
        let mut critical = CriticalPathInfo::default();
        let mut start: Option<Node> = None;
        for &t in &dag.order {
            if start.is_none_or(|s| chain[t as usize] > chain[s as usize]) {
                start = Some(t);
            }
        }
        if let Some(s) = start {
            critical.hours = chain[s as usize];
            let mut at = Some(s);
            while let Some(node) = at {
                critical.tasks.push(dag.ids[node as usize]);
                at = next[node as usize];
            }
        }
        // "Carries about one average task's worth of waiting work" scores 0.5, whatever the project's unit of effort.
        let unfinished_count = (0..known).filter(|&i| dag.unfinished[i]).count();
        let mean_value = (0..known).map(|i| unblock_value[i]).sum::<f64>() / unfinished_count.max(1) as f64;
        Figures { dag, hours, sources, chain, unblock_share, waiting_share, critical, mean_value }
    }
}

/// What of a candidate the [`Figures`] depend on: a change elsewhere (status between unfinished ones, claim, title,
/// tags…) leaves them valid.
fn figure_inputs(task: &Candidate) -> (bool, &[TaskId], u8, Option<u64>, Option<u64>) {
    (
        task.status == Status::Completed,
        &task.dependencies,
        task.priority,
        task.estimated_hours.map(f64::to_bits),
        task.complexity_score.map(f64::to_bits),
    )
}

/// Ranks the eligible tasks and explains the choice. Pure and deterministic: the same tasks in any order give the
/// same result. Assumes [`Constraints::validate`] and [`Weights::validate`] passed; never panics on odd values.
pub fn select(
    tasks: &[Candidate],
    constraints: &Constraints,
    recent: Option<&RecentWork>,
    history: &HistoryStats,
    weights: &Weights,
    now: DateTime<Utc>,
) -> Selection {
    let mut sorted: Vec<&Candidate> = tasks.iter().collect();
    sorted.sort_by_key(|t| t.id);
    // Ids are unique in a store; a caller bug giving one twice keeps a single copy.
    sorted.dedup_by_key(|t| t.id);
    let figures = Figures::compute(&sorted);
    rank(&sorted, &figures, constraints, recent, history, weights, now)
}

/// A project's candidates with their [`Figures`] kept between calls: [`Board::apply`] takes each write's changed
/// tasks and recomputes the figures only when a change touches what they depend on (completion, dependencies,
/// priority, hours, tasks added or removed), so a claim loop ranks in time proportional to the board's ready part.
/// [`Board::select`] gives exactly what [`select`] gives over the same tasks.
pub struct Board {
    /// Sorted by id, unique.
    tasks: Vec<Candidate>,
    figures: Figures,
}

impl Board {
    /// A board over these tasks (any order; a duplicated id keeps the first).
    pub fn new(mut tasks: Vec<Candidate>) -> Board {
        tasks.sort_by_key(|t| t.id);
        tasks.dedup_by_key(|t| t.id);
        let figures = Figures::compute(&tasks.iter().collect::<Vec<_>>());
        Board { tasks, figures }
    }

    /// The tasks, ordered by id.
    pub fn tasks(&self) -> &[Candidate] {
        &self.tasks
    }

    /// Replaces or adds the `changed` tasks and drops the `removed` ones; returns whether the figures had to be
    /// recomputed.
    pub fn apply(&mut self, changed: Vec<Candidate>, removed: &[TaskId]) -> bool {
        let mut stale = false;
        let before = self.tasks.len();
        self.tasks.retain(|t| !removed.contains(&t.id));
        stale |= self.tasks.len() != before;
        let mut added = false;
        for task in changed {
            match self.tasks.binary_search_by_key(&task.id, |t| t.id) {
                Ok(i) => {
                    stale |= figure_inputs(&self.tasks[i]) != figure_inputs(&task);
                    self.tasks[i] = task;
                }
                Err(_) => {
                    self.tasks.push(task);
                    added = true;
                }
            }
        }
        if added {
            self.tasks.sort_by_key(|t| t.id);
            self.tasks.dedup_by_key(|t| t.id);
            stale = true;
        }
        if stale {
            self.figures = Figures::compute(&self.tasks.iter().collect::<Vec<_>>());
        }
        stale
    }

    /// [`select`] over the board's tasks.
    pub fn select(
        &self,
        constraints: &Constraints,
        recent: Option<&RecentWork>,
        history: &HistoryStats,
        weights: &Weights,
        now: DateTime<Utc>,
    ) -> Selection {
        let sorted: Vec<&Candidate> = self.tasks.iter().collect();
        rank(&sorted, &self.figures, constraints, recent, history, weights, now)
    }
}

/// The per-call part of selection over precomputed figures.
fn rank(
    sorted: &[&Candidate],
    figures: &Figures,
    constraints: &Constraints,
    recent: Option<&RecentWork>,
    history: &HistoryStats,
    weights: &Weights,
    now: DateTime<Utc>,
) -> Selection {
    let Figures { dag, hours, sources, chain, unblock_share, waiting_share, critical, mean_value } = figures;
    let (critical, mean_value) = (critical.clone(), *mean_value);
    let known = dag.known;

    // Eligibility.
    let limit = constraints.complexity_limit();
    let excluded_tags = normalised(&constraints.excluded_tags);
    let required_tags = normalised(&constraints.required_tags);
    let verdicts: Vec<Verdict> = sorted
        .iter()
        .enumerate()
        .map(|(i, task)| match task.status {
            Status::Completed => Verdict::Completed,
            Status::InProgress => Verdict::InProgress,
            Status::Blocked => Verdict::Blocked,
            Status::Pending if task.claimed => Verdict::Claimed,
            Status::Pending if dag.open_prereqs[i] > 0 => Verdict::Waiting,
            Status::Pending if constraints.priority_threshold.is_some_and(|p| task.priority < p) => {
                Verdict::BelowPriority
            }
            Status::Pending if task.complexity_score.is_some_and(|c| c > limit || c.is_nan()) => {
                Verdict::OverComplexity
            }
            Status::Pending if task.tags.iter().any(|t| has(&excluded_tags, t)) => Verdict::ExcludedTag,
            Status::Pending if !required_tags.iter().all(|r| has(&task.tags, r)) => Verdict::MissingTag,
            Status::Pending if constraints.max_estimated_hours.is_some_and(|m| hours[i] > m) => Verdict::OverHours,
            Status::Pending if constraints.min_estimated_hours.is_some_and(|m| hours[i] < m) => Verdict::UnderHours,
            Status::Pending => Verdict::Eligible,
        })
        .collect();
    let eligible: Vec<usize> = (0..known).filter(|&i| verdicts[i] == Verdict::Eligible).collect();

    // Which factors apply to this call.
    let preferred_languages = normalised(&constraints.preferred_languages);
    let preferred_types = normalised(&constraints.preferred_task_types);
    let context_recent = recent.filter(|_| constraints.minimize_context_switching);
    let applied: Vec<Factor> = Factor::ALL
        .into_iter()
        .filter(|f| match f {
            Factor::TimeFit => constraints.hours_available_today.is_some(),
            Factor::Preference => !preferred_languages.is_empty() || !preferred_types.is_empty(),
            Factor::Context => context_recent.is_some(),
            Factor::Grouping => constraints.enable_grouping,
            _ => true,
        })
        .filter(|f| weights.get(*f) > 0.0)
        .collect();
    let weight_sum: f64 = applied.iter().map(|f| weights.get(*f)).sum();

    // Per-call normalisers over the eligible tasks.
    let ages: Vec<f64> =
        eligible.iter().map(|&i| ((now - sorted[i].created_at).num_seconds().max(0) as f64) / 3600.0).collect();
    let max_age = ages.iter().copied().fold(0.0, f64::max);
    let group_sizes =
        if constraints.enable_grouping { group_sizes(sorted, &eligible) } else { vec![0; eligible.len()] };

    let mut scored: Vec<(ScoredTask, DateTime<Utc>)> = Vec::with_capacity(eligible.len());
    for (k, &i) in eligible.iter().enumerate() {
        let task = sorted[i];
        let calibration = if history.is_empty() { None } else { Some(history.calibrate(task)) };
        let overrun = calibration.map_or(1.0, |c| c.overrun);
        let expected = hours[i] * overrun;
        let success = success_probability(task, hours[i], sources[i], calibration.and_then(|c| c.smooth_rate));
        let similarity = context_recent.map(|r| context_similarity(task, r));
        let mut factors = Vec::with_capacity(applied.len());
        let mut total = 0.0;
        for &factor in &applied {
            let value = match factor {
                Factor::Priority => f64::from(task.priority.min(4)) / 4.0,
                Factor::Unblocks if unblock_share[i] > 0.0 => unblock_share[i] / (unblock_share[i] + mean_value),
                Factor::Unblocks => 0.0,
                Factor::CriticalPath if critical.hours > 0.0 => (chain[i] / critical.hours).min(1.0),
                Factor::CriticalPath => 0.0,
                Factor::TimeFit => match constraints.hours_available_today {
                    Some(avail) if expected > avail => avail / expected,
                    _ => 1.0,
                },
                Factor::Preference => {
                    let mut parts = Vec::with_capacity(2);
                    if !preferred_languages.is_empty() {
                        parts.push(task.code_language.as_deref().is_some_and(|l| has(&preferred_languages, l)));
                    }
                    if !preferred_types.is_empty() {
                        parts.push(task.task_type.as_deref().is_some_and(|t| has(&preferred_types, t)));
                    }
                    parts.iter().filter(|m| **m).count() as f64 / parts.len().max(1) as f64
                }
                Factor::Context => similarity.unwrap_or(0.0),
                Factor::Grouping => group_sizes[k] as f64 / (group_sizes[k] as f64 + 2.0),
                Factor::Success => success,
                Factor::Age if max_age > 0.0 => ages[k] / max_age,
                Factor::Age => 0.0,
            };
            let weight = weights.get(factor) / weight_sum;
            total += weight * value;
            factors.push(FactorContribution { factor, weight, value, contribution: weight * value });
        }
        scored.push((
            ScoredTask {
                id: task.id,
                title: task.title.clone(),
                priority: task.priority,
                code_language: task.code_language.clone(),
                task_type: task.task_type.clone(),
                complexity_score: task.complexity_score,
                overall_score: total,
                success_probability: success,
                estimated_hours: hours[i],
                hours_source: sources[i],
                expected_hours: expected,
                chain_hours: chain[i],
                on_critical_path: critical.hours > 0.0 && chain[i] >= critical.hours * (1.0 - 1e-9),
                unblocks: dag.released_by(i as Node),
                downstream_tasks: waiting_share[i],
                similar_ready_tasks: group_sizes[k],
                context_similarity: similarity,
                factors,
            },
            task.created_at,
        ));
    }
    scored.sort_by(|(a, a_created), (b, b_created)| {
        b.overall_score.total_cmp(&a.overall_score).then(a_created.cmp(b_created)).then(a.id.cmp(&b.id))
    });
    let mut ranked: Vec<ScoredTask> = scored.into_iter().map(|(t, _)| t).collect();

    let excluded = exclusion_summary(sorted, dag, &verdicts, waiting_share);
    let context = ExplainContext {
        critical_hours: critical.hours,
        hours_available_today: constraints.hours_available_today,
        preferred_languages,
        preferred_types,
        recent: context_recent.cloned(),
    };
    let team_plan = match constraints.available_developers {
        Some(k) if k > 1 && !ranked.is_empty() => {
            Some(team::plan(&ranked, sorted, dag, k, constraints.hours_available_today))
        }
        _ => None,
    };
    let assumptions = explain::assumptions(sorted, &verdicts, sources, &excluded, history);
    let (selected_task, alternatives) = if ranked.is_empty() {
        (None, Vec::new())
    } else {
        let rest = ranked.split_off(1);
        (ranked.pop(), rest)
    };
    let reasoning = match &selected_task {
        Some(best) => explain::reasoning(best, alternatives.first(), &context),
        None => {
            Reasoning { primary_reason: explain::why_nothing(&excluded), factors: Vec::new(), assumptions: Vec::new() }
        }
    };
    let message = explain::message(selected_task.as_ref(), alternatives.len(), &reasoning, team_plan.as_ref());
    Selection {
        selected_task,
        alternatives,
        reasoning,
        team_plan,
        excluded,
        critical_path: critical,
        assumptions,
        message,
        context,
    }
}

fn exclusion_summary(
    sorted: &[&Candidate],
    dag: &Dag,
    verdicts: &[Verdict],
    waiting_share: &[f64],
) -> ExclusionSummary {
    let mut s = ExclusionSummary { total_tasks: sorted.len(), ..ExclusionSummary::default() };
    for v in verdicts {
        let slot = match v {
            Verdict::Eligible => &mut s.eligible,
            Verdict::Completed => &mut s.completed,
            Verdict::InProgress => &mut s.in_progress,
            Verdict::Blocked => &mut s.blocked,
            Verdict::Claimed => &mut s.claimed,
            Verdict::Waiting => &mut s.waiting_on_dependencies,
            Verdict::BelowPriority => &mut s.below_priority_threshold,
            Verdict::OverComplexity => &mut s.over_complexity_limit,
            Verdict::ExcludedTag => &mut s.excluded_tag,
            Verdict::MissingTag => &mut s.missing_required_tag,
            Verdict::OverHours => &mut s.over_max_hours,
            Verdict::UnderHours => &mut s.under_min_hours,
        };
        *slot += 1;
    }
    s.unknown_dependencies = dag.ids[dag.known..].to_vec();
    let mut roots: Vec<usize> = (0..dag.len())
        .filter(|&i| dag.unfinished[i] && dag.open_prereqs[i] == 0 && waiting_share[i] > 0.0)
        .filter(|&i| i >= dag.known || verdicts[i] != Verdict::Eligible)
        .collect();
    let direct = |i: usize| dag.dependents(i as Node).len();
    roots.sort_by(|&a, &b| {
        waiting_share[b].total_cmp(&waiting_share[a]).then(direct(b).cmp(&direct(a))).then(dag.ids[a].cmp(&dag.ids[b]))
    });
    roots.truncate(TOP_BLOCKERS);
    let roots: Vec<Blocker> = roots
        .into_iter()
        .map(|i| {
            let (title, status, why) = if i < dag.known {
                let why = match verdicts[i] {
                    Verdict::InProgress => "in progress",
                    Verdict::Blocked => "blocked",
                    Verdict::Claimed => "claimed",
                    Verdict::BelowPriority => "below the priority threshold",
                    Verdict::OverComplexity => "above the complexity limit",
                    Verdict::ExcludedTag => "carries an excluded tag",
                    Verdict::MissingTag => "lacks a required tag",
                    Verdict::OverHours => "above max_estimated_hours",
                    Verdict::UnderHours => "below min_estimated_hours",
                    Verdict::Eligible | Verdict::Completed | Verdict::Waiting => "waiting",
                };
                (Some(sorted[i].title.clone()), Some(sorted[i].status), why)
            } else {
                (None, None, "not a task of this project")
            };
            Blocker {
                id: dag.ids[i],
                title,
                status,
                why: why.to_owned(),
                waiting_directly: direct(i),
                waiting_downstream: waiting_share[i],
            }
        })
        .collect();
    s.top_blockers = roots;
    s
}
