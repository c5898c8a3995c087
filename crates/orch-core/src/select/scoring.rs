//! Per-task scoring figures: planned hours, success probability, similarity to recent work, similar ready tasks.

use std::borrow::Borrow;
use std::collections::BTreeMap;

use super::{Candidate, HISTORY_HALF_TRUST, HoursSource, RecentWork};

/// The spec's default for `max_complexity` and `max_complexity_limit`.
pub const DEFAULT_MAX_COMPLEXITY: f64 = 8.0;
/// Hours assumed for a task with neither an estimate nor a complexity score.
pub const DEFAULT_HOURS: f64 = 4.0;
/// Risk (0..1) assumed for a task without a risk assessment.
pub const DEFAULT_RISK: f64 = 0.25;
/// Complexity assumed for the success probability of a task with neither a score nor an estimate.
pub const DEFAULT_COMPLEXITY: f64 = 5.0;

/// Hours for a complexity score: `0.5 · 24^((score − 1) / 5)`, the curve `orch-analyze` estimates effort with
/// (score 1 is half an hour, score 6 twelve hours), so a derived estimate matches what `estimate_effort` would say.
pub fn hours_from_complexity(score: f64) -> f64 {
    0.5 * 24f64.powf((score.clamp(1.0, 10.0) - 1.0) / 5.0)
}

/// Inverse of [`hours_from_complexity`], clamped to 1..10.
pub fn complexity_from_hours(hours: f64) -> f64 {
    if hours <= 0.0 || !hours.is_finite() {
        return 1.0;
    }
    (1.0 + 5.0 * (hours / 0.5).ln() / 24f64.ln()).clamp(1.0, 10.0)
}

/// Risk on the 0..1 scale the policy uses, from the `riskAssessment.level` spelling of `analyze_complexity`.
pub fn risk_from_level(level: &str) -> Option<f64> {
    match level.trim().to_ascii_lowercase().as_str() {
        "low" => Some(0.15),
        "medium" => Some(0.4),
        "high" => Some(0.7),
        "critical" => Some(0.9),
        _ => None,
    }
}

pub(super) fn normalised(values: &[String]) -> Vec<String> {
    let mut out: Vec<String> = values.iter().map(|v| v.trim().to_lowercase()).filter(|v| !v.is_empty()).collect();
    out.sort();
    out.dedup();
    out
}

pub(super) fn has(list: &[String], value: &str) -> bool {
    list.iter().any(|v| v.eq_ignore_ascii_case(value))
}

/// Planned hours and their source: the estimate if usable, else from complexity, else [`DEFAULT_HOURS`].
pub(super) fn planned_hours(task: &Candidate) -> (f64, HoursSource) {
    match (task.estimated_hours, task.complexity_score) {
        (Some(h), _) if h.is_finite() && h >= 0.0 => (h, HoursSource::Estimate),
        (_, Some(c)) if c.is_finite() => (hours_from_complexity(c), HoursSource::Complexity),
        _ => (DEFAULT_HOURS, HoursSource::Default),
    }
}

/// The success probability (docs/selection.md):
/// `model = (0.97 − 0.05·(c − 1)) · (1 − 0.5·r)`, then with `n` similar completed tasks of which a share `s` had no
/// setback, `p = (1 − t)·model + t·s` with `t = n / (n + HISTORY_HALF_TRUST)`.
pub(super) fn success_probability(
    task: &Candidate,
    hours: f64,
    source: HoursSource,
    smooth_rate: Option<(f64, u32)>,
) -> f64 {
    let complexity = match (task.complexity_score, source) {
        (Some(c), _) if c.is_finite() => c.clamp(1.0, 10.0),
        (_, HoursSource::Estimate) => complexity_from_hours(hours),
        _ => DEFAULT_COMPLEXITY,
    };
    let risk = task.risk.filter(|r| r.is_finite()).unwrap_or(DEFAULT_RISK).clamp(0.0, 1.0);
    let model = (0.97 - 0.05 * (complexity - 1.0)) * (1.0 - 0.5 * risk);
    let p = match smooth_rate {
        Some((rate, n)) => {
            let trust = f64::from(n) / (f64::from(n) + HISTORY_HALF_TRUST);
            (1.0 - trust) * model + trust * rate
        }
        None => model,
    };
    p.clamp(0.0, 1.0)
}

/// Similarity of a task to the last work: 0.4 tag Jaccard, 0.3 same language, 0.15 same type, 0.15 file Jaccard,
/// renormalised over the parts the last work has.
pub(super) fn context_similarity(task: &Candidate, recent: &RecentWork) -> f64 {
    fn jaccard(a: &[String], b: &[String]) -> f64 {
        let shared = a.iter().filter(|x| has(b, x)).count();
        let union = a.len() + b.len() - shared;
        if union == 0 { 0.0 } else { shared as f64 / union as f64 }
    }
    let mut parts: Vec<(f64, f64)> = Vec::with_capacity(4);
    if !recent.tags.is_empty() {
        parts.push((0.4, jaccard(&task.tags, &recent.tags)));
    }
    if let Some(lang) = &recent.code_language {
        parts.push((
            0.3,
            f64::from(u8::from(task.code_language.as_deref().is_some_and(|l| l.eq_ignore_ascii_case(lang)))),
        ));
    }
    if let Some(kind) = &recent.task_type {
        parts
            .push((0.15, f64::from(u8::from(task.task_type.as_deref().is_some_and(|t| t.eq_ignore_ascii_case(kind))))));
    }
    if !recent.files.is_empty() {
        parts.push((0.15, jaccard(&task.files, &recent.files)));
    }
    let total: f64 = parts.iter().map(|(w, _)| w).sum();
    if total == 0.0 { 0.0 } else { parts.iter().map(|(w, v)| w * v).sum::<f64>() / total }
}

/// For each eligible task, how many other eligible tasks share its (language, type) or one of its tags, whichever
/// group is largest.
pub(super) fn group_sizes<T: Borrow<Candidate>>(sorted: &[T], eligible: &[usize]) -> Vec<usize> {
    let mut by_kind: BTreeMap<(Option<&str>, Option<&str>), usize> = BTreeMap::new();
    let mut by_tag: BTreeMap<&str, usize> = BTreeMap::new();
    for &i in eligible {
        let t = sorted[i].borrow();
        if t.code_language.is_some() || t.task_type.is_some() {
            *by_kind.entry((t.code_language.as_deref(), t.task_type.as_deref())).or_default() += 1;
        }
        for tag in &t.tags {
            *by_tag.entry(tag.as_str()).or_default() += 1;
        }
    }
    eligible
        .iter()
        .map(|&i| {
            let t = sorted[i].borrow();
            let kind = by_kind.get(&(t.code_language.as_deref(), t.task_type.as_deref())).copied().unwrap_or(1);
            let tag = t.tags.iter().filter_map(|g| by_tag.get(g.as_str()).copied()).max().unwrap_or(1);
            kind.max(tag).saturating_sub(1)
        })
        .collect()
}
