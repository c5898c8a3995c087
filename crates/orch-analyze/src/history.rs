//! Historical data: the project's completed tasks most similar to this one, and what they really took.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::text::{normalize_language, similarity_terms};

/// How many similar tasks calibrate an estimate.
pub const TOP_K: usize = 5;
/// Tasks less similar than this are ignored (and so are tasks sharing no term at all).
pub const MIN_SIMILARITY: f64 = 0.2;
/// Bias ratios (actual / estimated) are clamped to this range so one outlier cannot dominate.
pub const RATIO_RANGE: (f64, f64) = (0.25, 4.0);
/// History never gets more than this share of the final estimate.
pub const MAX_TRUST: f64 = 0.8;

/// A completed task of the same project with its real duration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoricalTask {
    /// Task id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// `code_language`.
    pub code_language: Option<String>,
    /// Hours from `started_at` to `completed_at`.
    pub actual_hours: f64,
    /// The estimate made before the work, if any.
    pub estimated_hours: Option<f64>,
}

/// A past task used for calibration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SimilarTask {
    /// Task id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// 0..1: 0.6 term Jaccard + 0.25 tag Jaccard + 0.15 same language (renormalised over what both have).
    pub similarity: f64,
    /// What it took.
    pub actual_hours: f64,
    /// What it was estimated at.
    pub estimated_hours: Option<f64>,
    /// Terms both tasks share (stemmed).
    pub shared_terms: Vec<String>,
}

/// The task as the similarity measure sees it.
pub struct Probe<'a> {
    /// Title, description.
    pub text: &'a str,
    /// Lower-cased tags.
    pub tags: &'a [String],
    /// Normalised language.
    pub language: Option<&'a str>,
}

/// What history says about the task.
#[derive(Debug, Clone, Default)]
pub struct HistoryOutcome {
    /// History entries given.
    pub considered: usize,
    /// Entries with a usable duration.
    pub usable: usize,
    /// The top-k similar tasks, most similar first.
    pub similar: Vec<SimilarTask>,
    /// Similarity-weighted geometric mean of their actual hours.
    pub hours: Option<f64>,
    /// Similarity-weighted geometric mean of actual/estimated, over those with estimates, each
    /// ratio clamped to [`RATIO_RANGE`].
    pub ratio: Option<f64>,
    /// The same mean without the clamp: what the similar tasks really took against their estimates.
    pub raw_ratio: Option<f64>,
    /// How many of the ratios were outside [`RATIO_RANGE`] and clamped.
    pub clamped: usize,
    /// Weight given to `hours` in the final estimate: Σsim / (Σsim + 1), at most [`MAX_TRUST`].
    pub trust: f64,
    /// Weight given to `ratio`, computed the same way over tasks with estimates.
    pub ratio_trust: f64,
    /// Languages of the usable history (for the unfamiliar-tech risk).
    pub languages: BTreeSet<String>,
}

fn valid_hours(h: f64) -> bool {
    h.is_finite() && h > 0.0
}

fn jaccard(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    let union = a.union(b).count();
    if union == 0 { 0.0 } else { a.intersection(b).count() as f64 / union as f64 }
}

/// Finds the similar tasks and the calibration they imply.
pub fn calibrate(probe: &Probe<'_>, history: &[HistoricalTask]) -> HistoryOutcome {
    let mut outcome = HistoryOutcome { considered: history.len(), ..HistoryOutcome::default() };
    let terms = similarity_terms(probe.text);
    let tags: BTreeSet<String> = probe.tags.iter().cloned().collect();
    let mut scored = Vec::new();
    for past in history.iter().filter(|h| valid_hours(h.actual_hours)) {
        outcome.usable += 1;
        let past_language = past.code_language.as_deref().and_then(normalize_language);
        if let Some(lang) = past_language {
            outcome.languages.insert(lang.to_owned());
        }
        let past_text = [Some(past.title.as_str()), past.description.as_deref()].into_iter().flatten();
        let past_terms = similarity_terms(&past_text.collect::<Vec<_>>().join("\n"));
        let past_tags: BTreeSet<String> = past.tags.iter().map(|t| t.trim().to_lowercase()).collect();

        let term_similarity = jaccard(&terms, &past_terms);
        // Same tags and language alone mean "same area", not "same kind of work": require a shared term.
        if term_similarity == 0.0 {
            continue;
        }
        let mut parts = vec![(0.6, term_similarity)];
        if !tags.is_empty() || !past_tags.is_empty() {
            parts.push((0.25, jaccard(&tags, &past_tags)));
        }
        if let (Some(a), Some(b)) = (probe.language, past_language) {
            parts.push((0.15, if a == b { 1.0 } else { 0.0 }));
        }
        let weight: f64 = parts.iter().map(|(w, _)| w).sum();
        let similarity = parts.iter().map(|(w, s)| w * s).sum::<f64>() / weight;
        if similarity >= MIN_SIMILARITY {
            scored.push(SimilarTask {
                id: past.id,
                title: past.title.clone(),
                similarity: (similarity * 1000.0).round() / 1000.0,
                actual_hours: past.actual_hours,
                estimated_hours: past.estimated_hours.filter(|e| valid_hours(*e)),
                shared_terms: terms.intersection(&past_terms).cloned().collect(),
            });
        }
    }
    scored.sort_by(|a, b| b.similarity.total_cmp(&a.similarity).then_with(|| a.id.cmp(&b.id)));
    scored.truncate(TOP_K);

    let total: f64 = scored.iter().map(|s| s.similarity).sum();
    if total > 0.0 {
        let log_mean = scored.iter().map(|s| s.similarity * s.actual_hours.ln()).sum::<f64>() / total;
        outcome.hours = Some(log_mean.exp());
        outcome.trust = (total / (total + 1.0)).min(MAX_TRUST);
    }
    let with_estimates: Vec<(f64, f64)> =
        scored.iter().filter_map(|s| s.estimated_hours.map(|e| (s.similarity, s.actual_hours / e))).collect();
    let ratio_total: f64 = with_estimates.iter().map(|(w, _)| w).sum();
    if ratio_total > 0.0 {
        let weighted_log_mean = |clamp: bool| {
            let logs = with_estimates.iter().map(|(w, r)| {
                let r = if clamp { r.clamp(RATIO_RANGE.0, RATIO_RANGE.1) } else { *r };
                w * r.ln()
            });
            (logs.sum::<f64>() / ratio_total).exp()
        };
        outcome.ratio = Some(weighted_log_mean(true));
        outcome.raw_ratio = Some(weighted_log_mean(false));
        outcome.clamped = with_estimates.iter().filter(|(_, r)| *r < RATIO_RANGE.0 || *r > RATIO_RANGE.1).count();
        outcome.ratio_trust = (ratio_total / (ratio_total + 1.0)).min(MAX_TRUST);
    }
    outcome.similar = scored;
    outcome
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn past(id: i64, title: &str, tags: &[&str], actual: f64, estimated: Option<f64>) -> HistoricalTask {
        HistoricalTask {
            id,
            title: title.to_owned(),
            description: None,
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            code_language: Some("python".to_owned()),
            actual_hours: actual,
            estimated_hours: estimated,
        }
    }

    #[test]
    fn picks_similar_tasks_and_ignores_unrelated_or_invalid_ones() {
        let tags = vec!["auth".to_owned()];
        let probe =
            Probe { text: "Add OAuth2 login to the user session service", tags: &tags, language: Some("python") };
        let history = vec![
            past(1, "OAuth2 login for admin users", &["auth"], 6.0, Some(3.0)),
            past(2, "Session service refactor for users", &["auth"], 4.0, None),
            past(3, "Update the color palette of the marketing page", &["ui"], 1.0, Some(1.0)),
            past(4, "OAuth2 login for admin users", &["auth"], f64::NAN, None),
        ];
        let out = calibrate(&probe, &history);
        assert_eq!(out.considered, 4);
        assert_eq!(out.usable, 3);
        let ids: Vec<i64> = out.similar.iter().map(|s| s.id).collect();
        assert_eq!(ids, vec![1, 2]);
        assert!(out.similar[0].shared_terms.contains(&"oauth2".to_owned()), "{:?}", out.similar[0]);
        let hours = out.hours.unwrap();
        assert!(hours > 4.0 && hours < 6.0, "{hours}");
        assert_eq!(out.ratio, Some(2.0));
        assert!(out.trust > 0.0 && out.trust <= MAX_TRUST);
    }

    #[test]
    fn no_history_gives_no_calibration() {
        let probe = Probe { text: "Anything", tags: &[], language: None };
        let out = calibrate(&probe, &[]);
        assert!(out.hours.is_none() && out.ratio.is_none() && out.similar.is_empty());
        assert_eq!(out.trust, 0.0);
    }

    #[test]
    fn ratio_is_clamped() {
        let probe = Probe { text: "Export invoices as CSV", tags: &[], language: None };
        let out = calibrate(&probe, &[past(1, "Export invoices as CSV", &[], 100.0, Some(1.0))]);
        assert_eq!(out.ratio, Some(RATIO_RANGE.1));
        assert!((out.raw_ratio.unwrap() - 100.0).abs() < 1e-9, "{:?}", out.raw_ratio);
        assert_eq!(out.clamped, 1);
    }
}
