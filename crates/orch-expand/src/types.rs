//! Inputs and outputs of an expansion: the task, the options and the `ExpandedTaskResult` contract.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::ExpandError;

/// The deepest nesting any expansion produces, whatever `max_depth` asks for: deeper trees are
/// unreadable and, for an LLM, no longer fit a useful answer.
pub const SUPPORTED_MAX_DEPTH: u32 = 5;
/// Longest model name a caller may ask for, in characters.
pub const MAX_MODEL_CHARS: usize = 256;

/// Which provider the caller prefers (`provider` parameter of `expand_task`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderChoice {
    /// MCP sampling, then configured API providers, then the offline planner.
    #[default]
    Auto,
    /// The OpenAI-protocol provider (api.openai.com or any OpenAI-compatible `OPENAI_BASE_URL`) first.
    OpenAi,
    /// The Anthropic messages API first.
    Anthropic,
}

impl ProviderChoice {
    /// The value as written in parameters and environment variables.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::OpenAi => "openai",
            Self::Anthropic => "anthropic",
        }
    }
}

impl fmt::Display for ProviderChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ProviderChoice {
    type Err = ExpandError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.trim().to_ascii_lowercase().as_str() {
            "auto" | "" => Ok(Self::Auto),
            "openai" => Ok(Self::OpenAi),
            "anthropic" => Ok(Self::Anthropic),
            _ => Err(ExpandError::InvalidOption(format!(
                "unknown provider {value:?}: valid values are \"auto\", \"openai\", \"anthropic\""
            ))),
        }
    }
}

/// Options of one expansion, with the spec's defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExpandOptions {
    /// Requested nesting depth of the subtask tree (1 = one level of subtasks).
    pub depth: u32,
    /// Upper bound on `depth`; the effective depth is `min(depth, max_depth)`.
    pub max_depth: u32,
    /// Generate test tasks.
    pub include_tests: bool,
    /// Generate documentation tasks.
    pub include_documentation: bool,
    /// Generate implementation guidance (`implementationSteps`).
    pub include_implementation: bool,
    /// Provider preference.
    pub provider: ProviderChoice,
    /// Model for the first provider tried; fallbacks use their configured model.
    pub model: Option<String>,
    /// Maximum tokens of one LLM answer.
    pub max_tokens: u32,
    /// LLM temperature, 0 to 2 (Anthropic accepts at most 1 and is sent `min(t, 1)`).
    pub temperature: f32,
}

impl Default for ExpandOptions {
    fn default() -> Self {
        Self {
            depth: 2,
            max_depth: 3,
            include_tests: true,
            include_documentation: true,
            include_implementation: true,
            provider: ProviderChoice::Auto,
            model: None,
            max_tokens: 2000,
            temperature: 0.7,
        }
    }
}

impl ExpandOptions {
    /// Checks the values a caller can get wrong; the message says which value and what is allowed.
    pub fn validate(&self) -> Result<(), ExpandError> {
        if self.depth == 0 {
            return Err(ExpandError::InvalidOption("depth must be at least 1 (1 = one level of subtasks)".into()));
        }
        if self.max_depth == 0 {
            return Err(ExpandError::InvalidOption("max_depth must be at least 1".into()));
        }
        if !self.temperature.is_finite() || !(0.0..=2.0).contains(&self.temperature) {
            return Err(ExpandError::InvalidOption(format!(
                "temperature {} is out of range: use a value from 0 to 2",
                self.temperature
            )));
        }
        if self.max_tokens == 0 {
            return Err(ExpandError::InvalidOption("max_tokens must be greater than 0 (default 2000)".into()));
        }
        if let Some(model) = &self.model {
            if model.trim().is_empty() {
                return Err(ExpandError::InvalidOption(
                    "model must not be blank: omit it to use the configured default".into(),
                ));
            }
            let chars = model.chars().count();
            if chars > MAX_MODEL_CHARS {
                return Err(ExpandError::InvalidOption(format!(
                    "model is {chars} characters long; the limit is {MAX_MODEL_CHARS} (model names are short, e.g. \
                     claude-sonnet-4-5)"
                )));
            }
            if model.chars().any(char::is_control) {
                return Err(ExpandError::InvalidOption("model must not contain control characters".into()));
            }
        }
        Ok(())
    }

    /// `min(depth, max_depth, SUPPORTED_MAX_DEPTH)`, at least 1.
    pub fn effective_depth(&self) -> u32 {
        self.depth.min(self.max_depth).clamp(1, SUPPORTED_MAX_DEPTH)
    }
}

/// What the expander knows about the task being expanded (filled by the service from the store and
/// from the complexity analysis when one exists).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TaskContext {
    /// The task's id (becomes `originalTaskId`).
    pub id: i64,
    /// The task's title.
    pub title: String,
    /// The task's description.
    pub description: Option<String>,
    /// Longer free-form details (may contain bullet lists).
    pub details: Option<String>,
    /// The task's tags.
    pub tags: Vec<String>,
    /// The task's code language (python, javascript, typescript, rust, …).
    pub code_language: Option<String>,
    /// The task's type (implementation, bug, research, documentation, …).
    pub task_type: Option<String>,
    /// Priority 0–4 (4 = most urgent).
    pub priority: u8,
    /// Acceptance criteria, one per entry.
    pub acceptance_criteria: Vec<String>,
    /// Estimated hours from the complexity analysis, when known.
    pub estimated_hours: Option<f64>,
    /// Complexity score 1–10 from the complexity analysis, when known.
    pub complexity_score: Option<f64>,
    /// Risks named by the complexity analysis.
    pub risks: Vec<String>,
}

/// One generated subtask; the service stores it as a task with `parent_id`.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpandedSubtask {
    /// Short imperative title.
    pub title: String,
    /// What to do and how to know it is done.
    pub description: String,
    /// Estimated effort in hours.
    pub estimated_effort: f64,
    /// Indices of earlier siblings this subtask depends on.
    pub dependencies: Vec<usize>,
    /// design, research, implementation, test, documentation, migration, deployment.
    pub task_type: String,
    /// Tags for filtering.
    pub tags: Vec<String>,
    /// Acceptance criteria of this subtask.
    pub acceptance_criteria: Vec<String>,
    /// Nested subtasks (present when the effective depth is greater than this subtask's level).
    pub subtasks: Vec<ExpandedSubtask>,
}

/// One ordered step of implementation guidance.
#[derive(Debug, Clone, PartialEq)]
pub struct ImplementationStep {
    /// 1-based position.
    pub order: u32,
    /// What the step does.
    pub title: String,
    /// How to do it.
    pub description: String,
    /// Index of the top-level subtask this step belongs to.
    pub subtask_index: Option<usize>,
}

/// One test to write.
#[derive(Debug, Clone, PartialEq)]
pub struct TestTask {
    /// What is tested.
    pub title: String,
    /// How to test it.
    pub description: String,
    /// unit, integration, e2e, regression, contract, migration or manual.
    pub test_type: String,
    /// Test framework for the task's language, when known.
    pub framework: Option<String>,
    /// The acceptance criterion this test proves, when it proves one.
    pub acceptance_criterion: Option<String>,
    /// Estimated effort in hours (a share of its test subtask).
    pub estimated_effort: Option<f64>,
    /// Index of the top-level subtask holding this test.
    pub subtask_index: Option<usize>,
}

/// One piece of documentation to write.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentationTask {
    /// What is documented.
    pub title: String,
    /// What the documentation must contain.
    pub description: String,
    /// api, user, developer, runbook, changelog or report.
    pub doc_type: String,
    /// Estimated effort in hours (a share of its documentation subtask).
    pub estimated_effort: Option<f64>,
    /// Index of the top-level subtask holding this documentation.
    pub subtask_index: Option<usize>,
}

/// Tokens consumed, summed over every LLM call of one expansion.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenUsage {
    /// Tokens in the prompts.
    pub prompt_tokens: u64,
    /// Tokens in the answers.
    pub completion_tokens: u64,
    /// Sum of both.
    pub total_tokens: u64,
}

impl TokenUsage {
    /// Usage from prompt and completion counts.
    pub fn new(prompt_tokens: u64, completion_tokens: u64) -> Self {
        Self { prompt_tokens, completion_tokens, total_tokens: prompt_tokens.saturating_add(completion_tokens) }
    }

    /// Adds another call's usage.
    pub fn add(&mut self, other: TokenUsage) {
        self.prompt_tokens = self.prompt_tokens.saturating_add(other.prompt_tokens);
        self.completion_tokens = self.completion_tokens.saturating_add(other.completion_tokens);
        self.total_tokens = self.total_tokens.saturating_add(other.total_tokens);
    }
}

/// How one provider of the chain fared.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderAttempt {
    /// Provider name (sampling, openai, openai-compatible, anthropic, offline).
    pub provider: String,
    /// succeeded, failed, rejected (answer unusable) or skipped (not configured).
    pub outcome: String,
    /// Why it failed or was skipped; empty on success.
    pub detail: String,
    /// HTTP requests sent, retries included, when known (reported for failed HTTP providers; retries
    /// before a success are logged, not counted here).
    pub requests: Option<u32>,
    /// Time spent on this provider in milliseconds.
    pub duration_ms: u64,
}

impl ProviderAttempt {
    /// An attempt that started at `started` and ends now.
    pub fn timed(
        provider: &str,
        outcome: &str,
        detail: String,
        requests: Option<u32>,
        started: std::time::Instant,
    ) -> Self {
        Self {
            provider: provider.to_owned(),
            outcome: outcome.to_owned(),
            detail,
            requests,
            duration_ms: elapsed_ms(started),
        }
    }
}

/// Milliseconds since `started`, saturating.
pub(crate) fn elapsed_ms(started: std::time::Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Metadata of an expansion.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpansionMetadata {
    /// Depth of the returned subtask tree (at most `min(depth, max_depth)`).
    pub expansion_depth: u32,
    /// The provider that produced the result.
    pub provider: String,
    /// The model (or planner version) that produced the result.
    pub model: String,
    /// Tokens consumed over every call, including rejected answers.
    pub token_usage: TokenUsage,
    /// 0–1: how much to trust the decomposition.
    pub confidence: f64,
    /// Wall-clock milliseconds spent.
    pub processing_time: u64,
    /// Everything the caller should know: fallbacks and why, repairs made to the answer.
    pub warnings: Vec<String>,
    /// Every provider tried, in order.
    pub attempts: Vec<ProviderAttempt>,
    /// True when the result comes from a provider other than the first one tried.
    pub fell_back: bool,
}

/// Result of an expansion (the spec's `ExpandedTaskResult`).
#[derive(Debug, Clone, PartialEq)]
pub struct ExpandedTaskResult {
    /// Id of the expanded task.
    pub original_task_id: i64,
    /// The subtask tree.
    pub subtasks: Vec<ExpandedSubtask>,
    /// Ordered implementation guidance (empty when `include_implementation` is false).
    pub implementation_steps: Vec<ImplementationStep>,
    /// Tests to write (empty when `include_tests` is false).
    pub test_tasks: Vec<TestTask>,
    /// Documentation to write (empty when `include_documentation` is false).
    pub documentation_tasks: Vec<DocumentationTask>,
    /// How the result was produced.
    pub metadata: ExpansionMetadata,
}

/// Depth of a subtask forest (0 when empty).
pub fn tree_depth(subtasks: &[ExpandedSubtask]) -> u32 {
    subtasks.iter().map(|s| 1 + tree_depth(&s.subtasks)).max().unwrap_or(0)
}
