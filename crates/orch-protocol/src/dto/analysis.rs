//! The results of `analyze_complexity` and `estimate_effort`: the spec's `ComplexityAnalysisResult` with the
//! evidence behind every figure (docs/complexity.md). Keys are camelCase as the spec writes them; a value that can be
//! unknown is written as null, never left out.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The spec's `ComplexityAnalysisResult`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(inline)]
pub struct ComplexityAnalysisDto {
    /// 1..10, one decimal.
    pub score: f64,
    /// Effort in hours, one decimal.
    pub estimated_hours: f64,
    /// The four factors.
    pub factors: ComplexityFactorsDto,
    /// Risk level, findings and technical debt.
    pub risk_assessment: RiskAssessmentDto,
    /// Files the task is about, named first, then by path.
    pub dependencies: Vec<FileDependencyDto>,
    /// Lines to write or change (0 when `estimate_code_volume` is off).
    pub estimated_lines_of_code: u64,
    /// 0..1.
    pub confidence: f64,
    /// How the result was produced.
    pub metadata: AnalysisMetadataDto,
}

/// The four factors of a complexity score (the spec's `ComplexityFactors`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(inline)]
pub struct ComplexityFactorsDto {
    /// Lines to write or change.
    pub code_volume: FactorScoreDto,
    /// DAG fan-in/fan-out and file import spread.
    pub dependencies: FactorScoreDto,
    /// Security, data, concurrency, integrations, performance, unfamiliar tech, DAG position, debt.
    pub technical_risk: FactorScoreDto,
    /// What similar completed tasks took.
    pub historical_data: FactorScoreDto,
}

/// One factor's share of the score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = super::nullable::one_of_null)]
pub struct FactorScoreDto {
    /// 1..10, or null when the factor is disabled or had no data.
    pub score: Option<f64>,
    /// Weight used: the configured weight renormalised over the factors that produced a score.
    pub weight: f64,
    /// The configured weight (normalised to sum 1 over the four factors).
    pub configured_weight: f64,
    /// `weight * score`; the contributions sum to the score.
    pub contribution: f64,
    /// False when switched off by its option.
    pub enabled: bool,
    /// Why the score is what it is.
    pub evidence: Vec<String>,
}

/// What kind of risk a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RiskCategoryDto {
    /// Authentication, secrets, permissions, injection.
    Security,
    /// Schema changes, data moves, backfills.
    DataMigration,
    /// Threads, locks, transactions, distributed state.
    Concurrency,
    /// Third-party APIs, webhooks, payment and messaging providers.
    ExternalIntegration,
    /// Latency, throughput, caching, scale.
    Performance,
    /// Research, prototypes, technology new to the project.
    UnfamiliarTech,
    /// Many tasks wait on this one.
    DagFanIn,
    /// This task waits on many others.
    DagFanOut,
}

/// How bad a finding (or the whole assessment) is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SeverityDto {
    /// Worth knowing.
    Low,
    /// Plan for it.
    Medium,
    /// Needs a design or review before starting.
    High,
    /// Likely to go wrong without dedicated attention.
    Critical,
}

impl SeverityDto {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SeverityDto::Low => "low",
            SeverityDto::Medium => "medium",
            SeverityDto::High => "high",
            SeverityDto::Critical => "critical",
        }
    }
}

/// The spec's `riskAssessment`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(inline)]
#[schemars(transform = super::nullable::one_of_null)]
pub struct RiskAssessmentDto {
    /// False when `assess_risk` was off; then `level` is null and `risks` empty.
    pub assessed: bool,
    /// Overall level.
    pub level: Option<SeverityDto>,
    /// Technical debt signals.
    pub technical_debt: TechnicalDebtDto,
    /// Findings, highest points first.
    pub risks: Vec<RiskDto>,
}

/// Technical debt signals around the task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(inline)]
pub struct TechnicalDebtDto {
    /// low, medium or high.
    pub level: SeverityDto,
    /// 1 (none) to 10.
    pub score: f64,
    /// Debt words in the task and TODO/FIXME counts in the matched files.
    pub evidence: Vec<String>,
}

/// One risk found, with the words or facts behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(inline)]
pub struct RiskDto {
    /// Kind of risk.
    pub category: RiskCategoryDto,
    /// Severity from the points.
    pub severity: SeverityDto,
    /// Points added to the risk sum (docs/complexity.md).
    pub points: f64,
    /// The words found, or the DAG facts.
    pub evidence: Vec<String>,
}

/// A file the task is about (the spec's `FileDependency`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(inline)]
#[schemars(transform = super::nullable::one_of_null)]
pub struct FileDependencyDto {
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

/// Everything about how an analysis was produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(inline)]
#[schemars(transform = super::nullable::one_of_null)]
pub struct AnalysisMetadataDto {
    /// When it was made (RFC 3339).
    pub analysis_time: String,
    /// Analyser version.
    pub version: String,
    /// Method that produced the result.
    pub method: String,
    /// Options used.
    pub options: AnalysisOptionsDto,
    /// Configured weights, normalised to sum 1.
    pub weights: ComplexityWeightsDto,
    /// Set when the configured weights had to be normalised.
    pub weights_note: Option<String>,
    /// Files walked under `project_root` (0 without one).
    pub files_scanned: u64,
    /// Files whose contents were read.
    pub files_read: u64,
    /// Import edges found across the scanned tree.
    pub import_edges: u64,
    /// Whether the walk was capped.
    pub walk_capped: WalkCapDto,
    /// Past tasks used.
    pub history_used: HistoryUsedDto,
    /// How `estimatedHours` was derived.
    pub effort: EffortBreakdownDto,
    /// What raised or lowered `confidence`.
    pub confidence_reasons: Vec<String>,
}

/// The switches and scan limits an analysis ran with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(inline)]
#[schemars(transform = super::nullable::one_of_null)]
pub struct AnalysisOptionsDto {
    /// `analyze_dependencies`.
    pub analyze_dependencies: bool,
    /// `estimate_code_volume`.
    pub estimate_code_volume: bool,
    /// `assess_risk`.
    pub assess_risk: bool,
    /// `use_historical_data`.
    pub use_historical_data: bool,
    /// The directory scanned, as the server opened it; null without `project_root`.
    pub project_root: Option<String>,
    /// The walk stops after this many files.
    pub max_files: u64,
    /// The scan stops after this many seconds.
    pub timeout_seconds: f64,
}

/// Relative weights of the four complexity factors.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(inline)]
pub struct ComplexityWeightsDto {
    /// Code volume.
    pub code_volume: f64,
    /// Dependencies.
    pub dependencies: f64,
    /// Technical risk.
    pub technical_risk: f64,
    /// Historical data.
    pub historical_data: f64,
}

/// Whether the project scan stopped early.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(inline)]
#[schemars(transform = super::nullable::one_of_null)]
pub struct WalkCapDto {
    /// True when files were left out.
    pub capped: bool,
    /// Which limit was hit.
    pub reason: Option<String>,
}

/// Which past tasks calibrated the result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(inline)]
pub struct HistoryUsedDto {
    /// Number of similar tasks used.
    pub count: u64,
    /// Their ids, most similar first.
    pub task_ids: Vec<i64>,
    /// Completed tasks of the project looked at.
    pub considered: u64,
    /// The similar tasks with similarity, durations and shared terms.
    pub similar: Vec<SimilarTaskDto>,
}

/// A past task used for calibration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(inline)]
#[schemars(transform = super::nullable::one_of_null)]
pub struct SimilarTaskDto {
    /// Task id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// 0..1.
    pub similarity: f64,
    /// What it took.
    pub actual_hours: f64,
    /// What it was estimated at.
    pub estimated_hours: Option<f64>,
    /// Terms both tasks share (stemmed).
    pub shared_terms: Vec<String>,
}

/// How the hours were derived (`effort` of `estimate_effort`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(inline)]
#[schemars(transform = super::nullable::one_of_null)]
pub struct EffortBreakdownDto {
    /// Score of the factors other than history (what the base hours come from).
    pub model_score: f64,
    /// Hours for `modelScore`.
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
