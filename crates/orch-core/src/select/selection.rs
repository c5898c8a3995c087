//! Eligibility, ranking and the exclusion summary: [`select`] and the reusable [`Board`].

use std::borrow::Borrow;

use chrono::{DateTime, Utc};

use crate::model::{Status, TaskId};

use super::dag::{Dag, Node};
use super::explain::{self, ExplainContext};
use super::frontier::{Eligibility, Frontier, RootKey, Verdict};
use super::scoring::{context_similarity, group_sizes, has, normalised, planned_hours, success_probability};
use super::{
    Blocker, Candidate, Constraints, CriticalPathInfo, ExclusionSummary, Factor, FactorContribution, HistoryStats,
    HoursSource, Reasoning, RecentWork, ScoredTask, Selection, TOP_BLOCKERS, Weights, team,
};

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
    /// "Depends on" over every given task, for the team plan's independence test.
    links: team::Links,
}

impl Figures {
    /// `sorted` must be ordered by id without duplicates.
    fn compute<T: Borrow<Candidate>>(sorted: &[T]) -> Figures {
        let dag = Dag::build(sorted);
        let n = dag.len();
        let known = dag.known;

        let mut hours = vec![0.0; n];
        let mut sources = vec![HoursSource::Default; known];
        for (i, task) in sorted.iter().enumerate() {
            let (h, s) = planned_hours(task.borrow());
            hours[i] = h;
            sources[i] = s;
        }
        let (chain, next) = dag.chain_hours(&hours);
        let mut unblock_value = vec![0.0; n];
        let mut waiting_value = vec![0.0; n];
        for (i, task) in sorted.iter().enumerate() {
            if dag.unfinished[i] {
                unblock_value[i] = hours[i] * (0.5 + 0.25 * f64::from(task.borrow().priority.min(4)));
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
        let links = team::Links::new(&dag);
        Figures { dag, hours, sources, chain, unblock_share, waiting_share, critical, mean_value, links }
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
    let kept = Kept::compute(&sorted);
    rank(&sorted, &kept, constraints, recent, history, weights, now)
}

/// What a [`Board`] keeps between calls: the [`Figures`], recomputed when a change touches them, and the
/// [`Frontier`], updated task by task.
struct Kept {
    figures: Figures,
    frontier: Frontier,
}

impl Kept {
    /// `sorted` must be ordered by id without duplicates.
    fn compute<T: Borrow<Candidate>>(sorted: &[T]) -> Kept {
        let figures = Figures::compute(sorted);
        let frontier = Frontier::compute(sorted, &figures.dag, &figures.waiting_share);
        Kept { figures, frontier }
    }
}

/// A project's candidates with their [`Figures`] and [`Frontier`] kept between calls: [`Board::apply`] takes each
/// write's changed tasks, recomputes the figures only when a change touches what they depend on (completion,
/// dependencies, priority, hours, tasks added or removed) and otherwise moves the changed tasks between the settled
/// verdicts and the ready set, so a claim loop ranks in time proportional to the board's ready part.
/// [`Board::select`] gives exactly what [`select`] gives over the same tasks.
pub struct Board {
    /// Sorted by id, unique.
    tasks: Vec<Candidate>,
    kept: Kept,
}

impl Board {
    /// A board over these tasks (any order; a duplicated id keeps the first).
    pub fn new(mut tasks: Vec<Candidate>) -> Board {
        tasks.sort_by_key(|t| t.id);
        tasks.dedup_by_key(|t| t.id);
        let kept = Kept::compute(&tasks);
        Board { tasks, kept }
    }

    /// The tasks, ordered by id.
    pub fn tasks(&self) -> &[Candidate] {
        &self.tasks
    }

    /// How many tasks are ready (pending, unclaimed, no unfinished prerequisite): what a call's work grows with.
    pub fn ready_len(&self) -> usize {
        self.kept.frontier.ready.len()
    }

    /// Replaces or adds the `changed` tasks (a later copy of an id wins) and drops the `removed` ones; returns
    /// whether the figures had to be recomputed.
    pub fn apply(&mut self, changed: Vec<Candidate>, removed: &[TaskId]) -> bool {
        let mut stale = false;
        if !removed.is_empty() {
            let before = self.tasks.len();
            self.tasks.retain(|t| !removed.contains(&t.id));
            stale |= self.tasks.len() != before;
        }
        let mut added: Vec<Candidate> = Vec::new();
        for task in changed {
            match self.tasks.binary_search_by_key(&task.id, |t| t.id) {
                Ok(i) => {
                    if figure_inputs(&self.tasks[i]) != figure_inputs(&task) {
                        stale = true;
                    } else if !stale {
                        // Node indices and figures still hold: only this task's verdict can move.
                        let Figures { dag, waiting_share, .. } = &self.kept.figures;
                        self.kept.frontier.remove(i, &self.tasks[i], dag, waiting_share);
                        self.kept.frontier.add(i, &task, dag, waiting_share);
                    }
                    self.tasks[i] = task;
                }
                Err(_) => added.push(task),
            }
        }
        if !added.is_empty() {
            // Kept apart until now so the binary searches above ran over a sorted board.
            added.reverse();
            added.sort_by_key(|t| t.id);
            added.dedup_by_key(|t| t.id);
            self.tasks.extend(added);
            self.tasks.sort_by_key(|t| t.id);
            stale = true;
        }
        if stale {
            self.kept = Kept::compute(&self.tasks);
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
        rank(&self.tasks, &self.kept, constraints, recent, history, weights, now)
    }

    /// The kept frontier equals one computed from scratch over the board as it is now.
    #[cfg(test)]
    pub(super) fn frontier_is_fresh(&self) -> bool {
        self.kept.frontier == Frontier::compute(&self.tasks, &self.kept.figures.dag, &self.kept.figures.waiting_share)
    }
}

/// The per-call part of selection over kept figures and frontier: linear in the ready tasks.
fn rank<T: Borrow<Candidate>>(
    sorted: &[T],
    kept: &Kept,
    constraints: &Constraints,
    recent: Option<&RecentWork>,
    history: &HistoryStats,
    weights: &Weights,
    now: DateTime<Utc>,
) -> Selection {
    let Kept { figures, frontier } = kept;
    let Figures { dag, hours, sources, chain, unblock_share, waiting_share, critical, mean_value, links } = figures;
    let (critical, mean_value) = (critical.clone(), *mean_value);
    let at = |i: usize| -> &Candidate { sorted[i].borrow() };

    // Eligibility: the frontier settled every task but the ready ones; the call's constraints decide on those.
    let rules = Eligibility::new(constraints);
    let mut eligible: Vec<usize> = Vec::with_capacity(frontier.ready.len());
    let mut excluded_ready: Vec<(usize, Verdict)> = Vec::new();
    for &node in &frontier.ready {
        let i = node as usize;
        match rules.verdict(at(i), hours[i]) {
            Verdict::Eligible => eligible.push(i),
            verdict => excluded_ready.push((i, verdict)),
        }
    }

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
        eligible.iter().map(|&i| ((now - at(i).created_at).num_seconds().max(0) as f64) / 3600.0).collect();
    let max_age = ages.iter().copied().fold(0.0, f64::max);
    let group_sizes =
        if constraints.enable_grouping { group_sizes(sorted, &eligible) } else { vec![0; eligible.len()] };

    let mut scored: Vec<(ScoredTask, DateTime<Utc>)> = Vec::with_capacity(eligible.len());
    for (k, &i) in eligible.iter().enumerate() {
        let task = at(i);
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
    // Sorting positions rather than the scored tasks themselves moves a few bytes per swap instead of a whole task.
    let mut order: Vec<usize> = (0..scored.len()).collect();
    order.sort_by(|&x, &y| {
        let ((a, a_created), (b, b_created)) = (&scored[x], &scored[y]);
        b.overall_score.total_cmp(&a.overall_score).then(a_created.cmp(b_created)).then(a.id.cmp(&b.id))
    });
    let mut slots: Vec<Option<ScoredTask>> = scored.into_iter().map(|(t, _)| Some(t)).collect();
    let mut ranked: Vec<ScoredTask> = order.iter().filter_map(|&k| slots[k].take()).collect();

    let excluded = exclusion_summary(sorted, dag, frontier, eligible.len(), &excluded_ready, waiting_share);
    let context = ExplainContext {
        critical_hours: critical.hours,
        hours_available_today: constraints.hours_available_today,
        preferred_languages,
        preferred_types,
        recent: context_recent.cloned(),
    };
    let team_plan = match constraints.available_developers {
        Some(k) if k > 1 && !ranked.is_empty() => {
            Some(team::plan(&ranked, sorted, dag, links, k, constraints.hours_available_today))
        }
        _ => None,
    };
    let assumptions = explain::assumptions(sorted, &eligible, sources, &excluded, history);
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

/// The exclusion counts and top blockers: the frontier's settled counts and blockers, with the ready tasks this
/// call's constraints left out added.
fn exclusion_summary<T: Borrow<Candidate>>(
    sorted: &[T],
    dag: &Dag,
    frontier: &Frontier,
    eligible: usize,
    excluded_ready: &[(usize, Verdict)],
    waiting_share: &[f64],
) -> ExclusionSummary {
    let mut s = ExclusionSummary {
        total_tasks: sorted.len(),
        eligible,
        completed: frontier.settled_count(Verdict::Completed),
        in_progress: frontier.settled_count(Verdict::InProgress),
        blocked: frontier.settled_count(Verdict::Blocked),
        claimed: frontier.settled_count(Verdict::Claimed),
        waiting_on_dependencies: frontier.settled_count(Verdict::Waiting),
        ..ExclusionSummary::default()
    };
    for (_, verdict) in excluded_ready {
        let slot = match verdict {
            Verdict::BelowPriority => &mut s.below_priority_threshold,
            Verdict::OverComplexity => &mut s.over_complexity_limit,
            Verdict::ExcludedTag => &mut s.excluded_tag,
            Verdict::MissingTag => &mut s.missing_required_tag,
            Verdict::OverHours => &mut s.over_max_hours,
            Verdict::UnderHours => &mut s.under_min_hours,
            // A ready task is never settled and excluded ones are never eligible.
            Verdict::Eligible
            | Verdict::Completed
            | Verdict::InProgress
            | Verdict::Blocked
            | Verdict::Claimed
            | Verdict::Waiting => continue,
        };
        *slot += 1;
    }
    s.unknown_dependencies = dag.ids[dag.known..].to_vec();
    // The top blockers of the union are among the settled roots' first few and the ready tasks excluded here.
    let mut roots: Vec<(RootKey, Option<Verdict>)> = frontier
        .roots
        .iter()
        .take(TOP_BLOCKERS)
        .map(|key| {
            let i = key.node as usize;
            (*key, (i < dag.known).then(|| settled_verdict_of(sorted[i].borrow(), dag, i)))
        })
        .collect();
    roots.extend(
        excluded_ready
            .iter()
            .filter(|(i, _)| waiting_share[*i] > 0.0)
            .map(|&(i, verdict)| (RootKey::of(dag, waiting_share, i), Some(verdict))),
    );
    roots.sort_by_key(|r| r.0);
    roots.truncate(TOP_BLOCKERS);
    s.top_blockers = roots
        .into_iter()
        .map(|(key, verdict)| {
            let i = key.node as usize;
            let (title, status, why) = match verdict {
                Some(verdict) => {
                    let why = match verdict {
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
                    let task = sorted[i].borrow();
                    (Some(task.title.clone()), Some(task.status), why)
                }
                None => (None, None, "not a task of this project"),
            };
            Blocker {
                id: key.id,
                title,
                status,
                why: why.to_owned(),
                waiting_directly: key.direct,
                waiting_downstream: key.waiting,
            }
        })
        .collect();
    s
}

/// The settled verdict of a known node (a settled root has one; a ready task would be eligible).
fn settled_verdict_of(task: &Candidate, dag: &Dag, node: usize) -> Verdict {
    super::frontier::settled_verdict(task, dag.open_prereqs[node]).unwrap_or(Verdict::Eligible)
}
