//! Offline, deterministic, explained complexity analysis and effort estimation.
//!
//! [`analyze`] scores a task from 1 to 10 over four weighted factors — code volume, dependencies, technical risk and
//! historical data — and turns the score into hours, calibrated by the project's own completed tasks. Every number
//! carries the evidence behind it (which words, which files, which past tasks). The same input and the same tree give
//! the same JSON. The model is documented in `docs/complexity.md`.
//!
//! The crate does blocking file I/O when `project_root` is given; async callers run it on a blocking thread.

mod config;
mod error;
mod history;
mod imports;
mod risk;
mod scan;
mod text;
mod volume;

use std::collections::BTreeSet;
use std::time::Instant;

use serde::{Deserialize, Serialize};

pub use config::{
    AnalysisOptions, DEFAULT_MAX_FILES, DEFAULT_TIMEOUT, ENV_ANALYSIS_TIMEOUT, ENV_WEIGHT_CODE_VOLUME,
    ENV_WEIGHT_DEPENDENCIES, ENV_WEIGHT_HISTORICAL_DATA, ENV_WEIGHT_TECHNICAL_RISK, Weights,
};
pub use error::AnalyzeError;
pub use history::{HistoricalTask, SimilarTask};
pub use risk::{Risk, RiskAssessment, RiskCategory, Severity, TechnicalDebt};

/// Crate version, echoed in every result's metadata.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// Name of the method that produced a result (a later LLM refinement reports its own).
pub const METHOD: &str = "offline-heuristics";

/// What the service knows about the task being analysed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskProfile {
    /// Task id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Details / acceptance criteria.
    pub details: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// `code_language`.
    pub code_language: Option<String>,
    /// `task_type` (implementation, test, documentation, research…).
    pub task_type: Option<String>,
    /// Priority 0–4 (urgency, not size: echoed, not scored).
    pub priority: u8,
    /// Direct prerequisites (fan-out in the DAG).
    pub depends_on: usize,
    /// Tasks that depend on this one, transitively (fan-in).
    pub dependents: usize,
    /// Subtasks.
    pub subtasks: usize,
}

/// One factor's share of the score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FactorScore {
    /// 1..10, or null when the factor is disabled or had no data.
    pub score: Option<f64>,
    /// Weight actually used: the configured weight renormalised over the factors that produced a score.
    pub weight: f64,
    /// The configured weight (normalised to sum 1 over all four factors).
    pub configured_weight: f64,
    /// `weight * score`; the factors' contributions sum to the overall score.
    pub contribution: f64,
    /// False when switched off by its option.
    pub enabled: bool,
    /// Why the score is what it is.
    pub evidence: Vec<String>,
}

/// The spec's `ComplexityFactors`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ComplexityFactors {
    /// Lines to write or change.
    pub code_volume: FactorScore,
    /// DAG fan-in/fan-out and file import spread.
    pub dependencies: FactorScore,
    /// Security, data, concurrency, integrations, performance, unfamiliar tech, DAG position, debt.
    pub technical_risk: FactorScore,
    /// What similar completed tasks took.
    pub historical_data: FactorScore,
}

/// A file the task is about (the spec's `FileDependency`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileDependency {
    /// Path relative to `project_root`, `/`-separated.
    pub path: String,
    /// Which terms of the task matched it, `; `-separated.
    pub reason: String,
    /// Line count.
    pub lines: u64,
    /// Files that import it, sorted.
    pub imported_by: Vec<String>,
    /// Language from the extension.
    pub language: Option<String>,
}

/// Whether the project scan stopped early.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WalkCap {
    /// True when files were left out.
    pub capped: bool,
    /// Which limit was hit.
    pub reason: Option<String>,
}

/// Which past tasks calibrated the result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryUsed {
    /// Number of similar tasks used.
    pub count: usize,
    /// Their ids, most similar first.
    pub task_ids: Vec<i64>,
    /// History entries given (completed tasks of the project).
    pub considered: usize,
    /// The similar tasks with similarity, durations and shared terms.
    pub similar: Vec<SimilarTask>,
}

/// How the hours were derived.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EffortBreakdown {
    /// Score of the factors other than history (what the base hours come from).
    pub model_score: f64,
    /// `0.5 * 24^((modelScore-1)/5)` hours: 0.5 h at 1, 3.4 h at 4, 12 h at 6, 43 h at 8, 152 h at 10.
    pub model_hours: f64,
    /// Estimation bias of similar tasks (actual / estimated), if any had estimates.
    pub history_ratio: Option<f64>,
    /// Similarity-weighted geometric mean of similar tasks' actual hours.
    pub history_hours: Option<f64>,
    /// Share of the final (log) estimate given to `historyHours`.
    pub history_weight: f64,
    /// The steps, in words.
    pub evidence: Vec<String>,
}

/// Everything about how a result was produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnalysisMetadata {
    /// Timestamp supplied by the caller (RFC 3339).
    pub analysis_time: String,
    /// Crate version.
    pub version: String,
    /// Method that produced the result.
    pub method: String,
    /// Options used.
    pub options: AnalysisOptions,
    /// Configured weights, normalised to sum 1.
    pub weights: Weights,
    /// Set when the configured weights had to be normalised.
    pub weights_note: Option<String>,
    /// Files walked under `project_root` (0 without one).
    pub files_scanned: usize,
    /// Files whose contents were read.
    pub files_read: usize,
    /// Import edges found across the scanned tree.
    pub import_edges: usize,
    /// Whether the walk was capped.
    pub walk_capped: WalkCap,
    /// Past tasks used.
    pub history_used: HistoryUsed,
    /// How `estimatedHours` was derived.
    pub effort: EffortBreakdown,
    /// What raised or lowered `confidence`.
    pub confidence_reasons: Vec<String>,
}

/// The spec's `ComplexityAnalysisResult`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ComplexityAnalysis {
    /// 1..10, one decimal.
    pub score: f64,
    /// Effort in hours, one decimal.
    pub estimated_hours: f64,
    /// The four factors.
    pub factors: ComplexityFactors,
    /// Risk level, findings and technical debt.
    pub risk_assessment: RiskAssessment,
    /// Files the task is about, named first, then by path.
    pub dependencies: Vec<FileDependency>,
    /// Lines to write or change (0 when `estimate_code_volume` is off).
    pub estimated_lines_of_code: u64,
    /// 0..1.
    pub confidence: f64,
    /// How the result was produced.
    pub metadata: AnalysisMetadata,
}

/// Hours for a model score: 0.5 h at 1, 12 h at 6, doubling about every 1.1 points (152 h at 10).
pub fn hours_from_score(score: f64) -> f64 {
    0.5 * (hours_slope() * (score - 1.0)).exp()
}

/// Inverse of [`hours_from_score`], clamped to 1..10.
pub fn score_from_hours(hours: f64) -> f64 {
    (1.0 + (hours / 0.5).ln() / hours_slope()).clamp(1.0, 10.0)
}

/// Slope of the hours curve: a score of 6 (a multi-part feature) is 24x a score of 1 (a one-line fix).
fn hours_slope() -> f64 {
    24f64.ln() / 5.0
}

fn round_to(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale
}

/// Analyses a task: score, hours, factors, risks, files, confidence, all with evidence.
///
/// `history` holds the project's completed tasks with real durations; `analysis_time` is echoed so the result
/// stays a pure function of its inputs and the tree.
pub fn analyze(
    task: &TaskProfile,
    history: &[HistoricalTask],
    options: &AnalysisOptions,
    weights: &Weights,
    analysis_time: &str,
) -> Result<ComplexityAnalysis, AnalyzeError> {
    let started = Instant::now();
    let (weights, weights_note) = weights.normalized()?;
    if !(options.analyze_dependencies
        || options.estimate_code_volume
        || options.assess_risk
        || options.use_historical_data)
    {
        return Err(AnalyzeError::NothingEnabled);
    }
    if options.max_files == 0 {
        return Err(AnalyzeError::InvalidOption("max_files must be at least 1".to_owned()));
    }
    let text = text::TaskText::new(&task.title, task.description.as_deref(), task.details.as_deref(), &task.tags);
    let language = task.code_language.as_deref().and_then(text::normalize_language);
    let task_type = task.task_type.as_deref().map(|t| t.trim().to_lowercase());
    let mut confidence = Confidence::new();

    // The tree is only worth walking for the factors that use it.
    let wants_tree = options.estimate_code_volume || options.analyze_dependencies || options.assess_risk;
    let scan = match (&options.project_root, wants_tree) {
        (Some(root), true) => {
            let mentions = text::Mentions::extract(&text);
            // A timeout too large to add to the clock means "no deadline".
            let deadline = started.checked_add(options.timeout);
            Some(scan::scan(root, &mentions, language, options.max_files, deadline)?)
        }
        _ => None,
    };
    let matched: &[scan::MatchedFile] = scan.as_ref().map_or(&[], |s| s.matched.as_slice());

    let history_outcome = options.use_historical_data.then(|| {
        let probe_text = [Some(task.title.as_str()), task.description.as_deref()].into_iter().flatten();
        let probe_text = probe_text.collect::<Vec<_>>().join("\n");
        history::calibrate(&history::Probe { text: &probe_text, tags: &text.tags, language }, history)
    });

    let volume = options
        .estimate_code_volume
        .then(|| volume::estimate(&text, task.subtasks, task_type.as_deref(), scan.as_ref().map(|_| matched)));
    let dependencies = options.analyze_dependencies.then(|| dependencies_factor(task, scan.as_ref(), matched));
    let known_languages = history_outcome.as_ref().filter(|h| h.usable >= 3).map(|h| &h.languages);
    let risk = options.assess_risk.then(|| {
        risk::assess(&risk::RiskInput {
            text: &text,
            depends_on: task.depends_on,
            dependents: task.dependents,
            language,
            task_type: task_type.as_deref(),
            known_languages,
            files: matched,
            trivial_scope: volume::scope_of(&text).0 == volume::Scope::Trivial,
        })
    });

    let history_score = history_outcome.as_ref().and_then(|h| h.hours).map(score_from_hours);
    let history_evidence = history_evidence(history_outcome.as_ref(), history.len());

    let raw = [
        (options.estimate_code_volume, weights.code_volume, volume.as_ref().map(|v| v.score), volume_evidence(&volume)),
        (
            options.analyze_dependencies,
            weights.dependencies,
            dependencies.as_ref().map(|d| d.0),
            dependencies.as_ref().map_or_else(|| disabled("analyze_dependencies"), |d| d.1.clone()),
        ),
        (
            options.assess_risk,
            weights.technical_risk,
            risk.as_ref().map(|r| r.score),
            risk.as_ref().map_or_else(|| disabled("assess_risk"), |r| r.evidence.clone()),
        ),
        (options.use_historical_data, weights.historical_data, history_score, history_evidence),
    ];
    let active_weight: f64 = raw.iter().filter(|(_, _, s, _)| s.is_some()).map(|(_, w, _, _)| w).sum();
    if active_weight <= 0.0 {
        return Err(AnalyzeError::InvalidWeights(
            "every factor that produced a score has weight 0 (or only historical data was enabled and no similar completed task exists); enable another factor or give it a positive weight".to_owned(),
        ));
    }
    let mut factors: Vec<FactorScore> = raw
        .into_iter()
        .map(|(enabled, configured, score, mut evidence)| {
            let weight = score.map_or(0.0, |_| configured / active_weight);
            if enabled && score.is_some() && (weight - configured).abs() > 1e-9 {
                evidence
                    .push(format!("weight {configured:.3} renormalised to {weight:.3} over the factors with a score"));
            }
            FactorScore {
                score: score.map(|s| round_to(s, 2)),
                weight: round_to(weight, 4),
                configured_weight: round_to(configured, 4),
                contribution: round_to(weight * score.unwrap_or(0.0), 3),
                enabled,
                evidence,
            }
        })
        .collect();
    let overall: f64 = factors.iter().map(|f| f.weight * f.score.unwrap_or(0.0)).sum::<f64>().clamp(1.0, 10.0);

    // Base hours come from the factors other than history, so history is not counted twice.
    let model_weight: f64 = factors[..3].iter().filter(|f| f.score.is_some()).map(|f| f.weight).sum();
    let model_score = if model_weight > 0.0 {
        factors[..3].iter().map(|f| f.weight * f.score.unwrap_or(0.0)).sum::<f64>() / model_weight
    } else {
        history_score.unwrap_or(overall)
    };
    let effort = effort(model_score, history_outcome.as_ref());

    // Confidence: what the analysis could see.
    confidence.text_richness(&text);
    confidence.tree(scan.as_ref(), options.project_root.is_some() && wants_tree);
    confidence.history(history_outcome.as_ref());
    let disabled_count = factors.iter().filter(|f| !f.enabled).count();
    if disabled_count > 0 {
        confidence.add(-0.05 * disabled_count as f64, format!("{disabled_count} factor(s) disabled"));
    }

    let dependencies_list = if options.analyze_dependencies {
        matched
            .iter()
            .map(|m| FileDependency {
                path: m.path.clone(),
                reason: m.reasons.iter().cloned().collect::<Vec<_>>().join("; "),
                lines: m.lines,
                imported_by: m.imported_by.iter().cloned().collect(),
                language: m.language.map(str::to_owned),
            })
            .collect()
    } else {
        Vec::new()
    };
    let similar = history_outcome.as_ref().map(|h| h.similar.clone()).unwrap_or_default();
    let [code_volume, deps_factor, technical_risk, historical_data] = take4(&mut factors);

    let analysis = ComplexityAnalysis {
        score: round_to(overall, 1),
        estimated_hours: round_to(effort.hours, 1).max(0.1),
        factors: ComplexityFactors { code_volume, dependencies: deps_factor, technical_risk, historical_data },
        risk_assessment: risk.map_or_else(RiskAssessment::not_assessed, |r| r.assessment),
        dependencies: dependencies_list,
        estimated_lines_of_code: volume.as_ref().map_or(0, |v| v.lines),
        confidence: confidence.value(),
        metadata: AnalysisMetadata {
            analysis_time: analysis_time.to_owned(),
            version: VERSION.to_owned(),
            method: METHOD.to_owned(),
            options: options.clone(),
            weights,
            weights_note,
            files_scanned: scan.as_ref().map_or(0, |s| s.files_scanned),
            files_read: scan.as_ref().map_or(0, |s| s.files_read),
            import_edges: scan.as_ref().map_or(0, |s| s.import_edges),
            walk_capped: WalkCap {
                capped: scan.as_ref().is_some_and(|s| s.capped.is_some()),
                reason: scan.as_ref().and_then(|s| s.capped.clone()),
            },
            history_used: HistoryUsed {
                count: similar.len(),
                task_ids: similar.iter().map(|s| s.id).collect(),
                considered: history.len(),
                similar,
            },
            effort: effort.breakdown,
            confidence_reasons: confidence.reasons,
        },
    };
    tracing::debug!(
        task_id = task.id,
        score = analysis.score,
        hours = analysis.estimated_hours,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "complexity analysis done"
    );
    Ok(analysis)
}

fn take4(factors: &mut Vec<FactorScore>) -> [FactorScore; 4] {
    let mut drain = factors.drain(..);
    let mut next = || {
        drain.next().unwrap_or_else(|| FactorScore {
            score: None,
            weight: 0.0,
            configured_weight: 0.0,
            contribution: 0.0,
            enabled: false,
            evidence: Vec::new(),
        })
    };
    [next(), next(), next(), next()]
}

fn disabled(option: &str) -> Vec<String> {
    vec![format!("disabled ({option}=false); its weight was shared among the enabled factors")]
}

fn volume_evidence(volume: &Option<volume::VolumeOutcome>) -> Vec<String> {
    volume.as_ref().map_or_else(|| disabled("estimate_code_volume"), |v| v.evidence.clone())
}

fn history_evidence(outcome: Option<&history::HistoryOutcome>, given: usize) -> Vec<String> {
    let Some(h) = outcome else { return disabled("use_historical_data") };
    if given == 0 {
        return vec![
            "no completed tasks with real durations in this project yet; factor skipped, confidence lowered".to_owned(),
        ];
    }
    if h.similar.is_empty() {
        return vec![format!(
            "{} completed tasks ({} with a usable duration), none at least {:.0}% similar; factor skipped",
            given,
            h.usable,
            history::MIN_SIMILARITY * 100.0
        )];
    }
    let mut evidence: Vec<String> = h
        .similar
        .iter()
        .map(|s| {
            let estimate = s.estimated_hours.map_or_else(String::new, |e| format!(", estimated {e:.1} h"));
            format!(
                "task #{} \"{}\": similarity {:.2}, took {:.1} h{estimate}; shared: {}",
                s.id,
                s.title,
                s.similarity,
                s.actual_hours,
                s.shared_terms.join(", ")
            )
        })
        .collect();
    if let Some(hours) = h.hours {
        evidence.push(format!(
            "similarity-weighted geometric mean {hours:.1} h -> score {:.2} on the hours scale",
            score_from_hours(hours)
        ));
    }
    evidence
}

/// Dependencies factor: DAG fan-out and fan-in, import spread of the matched files, languages crossed.
fn dependencies_factor(
    task: &TaskProfile,
    scan: Option<&scan::ScanReport>,
    matched: &[scan::MatchedFile],
) -> (f64, Vec<String>) {
    let mut points = 0.0;
    let mut evidence = Vec::new();
    if task.depends_on > 0 {
        let p = (0.8 * task.depends_on as f64).min(3.0);
        points += p;
        evidence.push(format!("depends on {} task(s): +{p:.2} (0.8 each, max 3)", task.depends_on));
    }
    if task.dependents > 0 {
        let p = (1.2 * (1.0 + task.dependents as f64).ln()).min(3.0);
        points += p;
        evidence.push(format!("{} task(s) depend on it: +{p:.2} (1.2*ln(1+n), max 3)", task.dependents));
    }
    match scan {
        None => evidence.push("no project_root: file dependencies not analysed".to_owned()),
        Some(_) if matched.is_empty() => evidence.push("no file in project_root matched the task".to_owned()),
        Some(_) => {
            let importers: BTreeSet<&String> = matched.iter().flat_map(|m| m.imported_by.iter()).collect();
            if !importers.is_empty() {
                let p = (1.0 + importers.len() as f64).ln().min(3.0);
                points += p;
                let mut names: Vec<&str> = importers.iter().map(|s| s.as_str()).collect();
                names.truncate(8);
                evidence.push(format!(
                    "{} file(s) import the matched files ({}{}): +{p:.2} (ln(1+n), max 3)",
                    importers.len(),
                    names.join(", "),
                    if importers.len() > names.len() { ", …" } else { "" }
                ));
            } else {
                evidence.push(format!("{} matched file(s), none imported by other files", matched.len()));
            }
            let languages: BTreeSet<&str> = matched
                .iter()
                .filter(|m| m.relevance == scan::Relevance::Primary)
                .filter_map(|m| m.language)
                .filter(|l| *l != "markdown")
                .collect();
            if languages.len() > 1 {
                let p = (0.75 * (languages.len() - 1) as f64).min(1.5);
                points += p;
                let list: Vec<&str> = languages.into_iter().collect();
                evidence.push(format!("change spans {} languages ({}): +{p:.2}", list.len(), list.join(", ")));
            }
        }
    }
    if points == 0.0 {
        evidence.push("no prerequisites, no dependents, no importers".to_owned());
    }
    let score = (1.0 + points).clamp(1.0, 10.0);
    evidence.push(format!("score 1 + {points:.2} = {score:.2}"));
    (score, evidence)
}

struct Effort {
    hours: f64,
    breakdown: EffortBreakdown,
}

fn effort(model_score: f64, history: Option<&history::HistoryOutcome>) -> Effort {
    let model_hours = hours_from_score(model_score);
    let mut evidence = vec![format!("model score {model_score:.2} -> {model_hours:.1} h (0.5 * 24^((score-1)/5))")];
    let mut hours = model_hours;
    let (mut ratio, mut history_hours, mut history_weight) = (None, None, 0.0);
    if let Some(h) = history {
        if let Some(r) = h.ratio {
            let adjusted = hours * r.powf(h.ratio_trust);
            evidence.push(ratio_evidence(r, h, hours, adjusted));
            hours = adjusted;
            ratio = Some(round_to(r, 3));
        }
        if let Some(actual) = h.hours {
            let blended = ((1.0 - h.trust) * hours.ln() + h.trust * actual.ln()).exp();
            evidence.push(format!(
                "moved toward similar tasks' {actual:.1} h with weight {:.2} (geometric): {hours:.1} h -> {blended:.1} h",
                h.trust
            ));
            hours = blended;
            history_hours = Some(round_to(actual, 2));
            history_weight = round_to(h.trust, 3);
        } else {
            evidence.push("no similar completed task: hours from the model alone".to_owned());
        }
    }
    Effort {
        hours,
        breakdown: EffortBreakdown {
            model_score: round_to(model_score, 2),
            model_hours: round_to(model_hours, 2),
            history_ratio: ratio,
            history_hours,
            history_weight,
            evidence,
        },
    }
}

/// States the calibration factor exactly: the real ratio, and the clamp when it changed anything.
fn ratio_evidence(ratio: f64, h: &history::HistoryOutcome, hours: f64, adjusted: f64) -> String {
    let exact = |x: f64| if x < 0.1 { format!("{x:.3}") } else { format!("{x:.2}") };
    let (lo, hi) = history::RATIO_RANGE;
    let raw = h.raw_ratio.unwrap_or(ratio);
    let measured = if h.clamped > 0 {
        format!(
            "similar tasks took {}x their estimates; {} of their ratios clamped to {lo}x..{hi}x, giving {}x",
            exact(raw),
            h.clamped,
            exact(ratio)
        )
    } else {
        format!("similar tasks took {}x their estimates", exact(ratio))
    };
    format!("{measured}; applied with weight {:.2}: {hours:.1} h -> {adjusted:.1} h", h.ratio_trust)
}

struct Confidence {
    value: f64,
    reasons: Vec<String>,
}

impl Confidence {
    fn new() -> Self {
        Self { value: 0.5, reasons: vec!["base 0.50".to_owned()] }
    }

    fn add(&mut self, delta: f64, why: String) {
        self.value += delta;
        self.reasons.push(format!("{delta:+.2}: {why}"));
    }

    fn text_richness(&mut self, text: &text::TaskText) {
        let words = text::word_count(&text.body);
        if words >= 20 {
            self.add(0.1, format!("description has {words} words"));
        } else if words == 0 {
            self.add(-0.1, "title only, no description".to_owned());
        }
    }

    fn tree(&mut self, scan: Option<&scan::ScanReport>, root_given: bool) {
        match scan {
            Some(s) if !s.matched.is_empty() => {
                self.add(0.15, format!("{} file(s) in the tree matched", s.matched.len()))
            }
            Some(_) => self.add(0.05, "tree scanned but no file matched the task".to_owned()),
            None if root_given => {}
            None => self.add(-0.05, "no project_root: volume and files from text only".to_owned()),
        }
        if let Some(reason) = scan.and_then(|s| s.capped.as_ref()) {
            self.add(-0.1, format!("scan capped: {reason}"));
        }
    }

    fn history(&mut self, outcome: Option<&history::HistoryOutcome>) {
        match outcome {
            Some(h) if h.hours.is_some() => {
                self.add(0.25 * h.trust, format!("{} similar completed task(s)", h.similar.len()))
            }
            Some(h) if h.considered == 0 => self.add(-0.1, "no project history".to_owned()),
            Some(_) => self.add(-0.05, "no similar completed task".to_owned()),
            // Disabled: counted with the other disabled factors.
            None => {}
        }
    }

    fn value(&self) -> f64 {
        round_to(self.value.clamp(0.05, 0.95), 2)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn hours_curve_anchors_and_inverse() {
        assert!((hours_from_score(1.0) - 0.5).abs() < 1e-9);
        assert!((hours_from_score(6.0) - 12.0).abs() < 1e-9);
        for score in [1.0, 2.5, 4.0, 7.3, 10.0] {
            assert!((score_from_hours(hours_from_score(score)) - score).abs() < 1e-9);
        }
        assert_eq!(score_from_hours(0.01), 1.0);
        assert_eq!(score_from_hours(10_000.0), 10.0);
    }

    #[test]
    fn dependencies_factor_grows_with_fan_in_and_fan_out() {
        let lonely = TaskProfile::default();
        let (base, evidence) = dependencies_factor(&lonely, None, &[]);
        assert_eq!(base, 1.0);
        assert!(evidence.iter().any(|e| e.contains("no project_root")));
        let busy = TaskProfile { depends_on: 2, dependents: 5, ..TaskProfile::default() };
        let (score, evidence) = dependencies_factor(&busy, None, &[]);
        let expected = 1.0 + 1.6 + 1.2 * 6f64.ln();
        assert!((score - expected).abs() < 1e-9, "{score} vs {expected}");
        assert!(evidence[0].contains("depends on 2") && evidence[1].contains("5 task(s) depend on it"));
        let capped = TaskProfile { depends_on: 50, dependents: 5000, ..TaskProfile::default() };
        assert_eq!(dependencies_factor(&capped, None, &[]).0, 7.0);
    }

    #[test]
    fn effort_moves_toward_history_by_trust_and_ratio() {
        let outcome = history::HistoryOutcome {
            hours: Some(12.0),
            trust: 0.5,
            ratio: Some(2.0),
            ratio_trust: 0.5,
            ..history::HistoryOutcome::default()
        };
        let e = effort(score_from_hours(3.0), Some(&outcome));
        // 3 h * 2^0.5 = 4.243 h, then the geometric midpoint with 12 h.
        let expected = ((3.0 * 2f64.sqrt()).ln() * 0.5 + 12f64.ln() * 0.5).exp();
        assert!((e.hours - expected).abs() < 1e-9, "{} vs {expected}", e.hours);
        assert_eq!(e.breakdown.history_ratio, Some(2.0));
        assert_eq!(e.breakdown.evidence.len(), 3);
        let alone = effort(score_from_hours(3.0), None);
        assert!((alone.hours - 3.0).abs() < 1e-9);
    }

    #[test]
    fn calibration_evidence_states_the_real_ratio_and_the_clamp() {
        let clamped = history::HistoryOutcome {
            ratio: Some(0.25),
            raw_ratio: Some(0.056),
            clamped: 3,
            ratio_trust: 0.5,
            ..history::HistoryOutcome::default()
        };
        let e = effort(score_from_hours(4.0), Some(&clamped));
        let text = &e.breakdown.evidence[1];
        assert!(text.contains("took 0.056x their estimates"), "{text}");
        assert!(text.contains("3 of their ratios clamped to 0.25x..4x, giving 0.25x"), "{text}");
        let plain = history::HistoryOutcome {
            ratio: Some(2.0),
            raw_ratio: Some(2.0),
            ratio_trust: 0.5,
            ..history::HistoryOutcome::default()
        };
        let text = &effort(score_from_hours(4.0), Some(&plain)).breakdown.evidence[1];
        assert!(text.starts_with("similar tasks took 2.00x their estimates; applied"), "{text}");
    }

    #[test]
    fn confidence_rises_with_evidence_and_stays_in_range() {
        let mut c = Confidence::new();
        c.text_richness(&text::TaskText::new("t", Some(&"word ".repeat(30)), None, &[]));
        assert_eq!(c.value(), 0.6);
        c.add(5.0, "test".to_owned());
        assert_eq!(c.value(), 0.95);
        assert_eq!(c.reasons.len(), 3);
    }
}
