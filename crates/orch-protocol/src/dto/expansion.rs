//! The result of `expand_task`: the spec's `ExpandedTaskResult` (docs/expansion.md). Keys are camelCase as the
//! spec writes them; a value that can be unknown is written as null, never left out.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The spec's `ExpandedTaskResult`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(inline)]
pub struct ExpandedTaskResultDto {
    /// Id of the expanded task.
    pub original_task_id: i64,
    /// The subtask tree.
    pub subtasks: Vec<ExpandedSubtaskDto>,
    /// Ordered implementation guidance (empty when `include_implementation` is false).
    pub implementation_steps: Vec<ImplementationStepDto>,
    /// Tests to write (empty when `include_tests` is false).
    pub test_tasks: Vec<TestTaskDto>,
    /// Documentation to write (empty when `include_documentation` is false).
    pub documentation_tasks: Vec<DocumentationTaskDto>,
    /// How the result was produced.
    pub metadata: ExpansionMetadataDto,
}

/// One generated subtask, stored as a task with `parent_id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExpandedSubtaskDto {
    /// Short imperative title.
    pub title: String,
    /// What to do and how to know it is done.
    pub description: String,
    /// Estimated effort in hours.
    pub estimated_effort: f64,
    /// Indices of earlier siblings this subtask depends on.
    pub dependencies: Vec<u64>,
    /// design, research, implementation, test, documentation, migration, deployment.
    pub task_type: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Acceptance criteria of this subtask.
    pub acceptance_criteria: Vec<String>,
    /// Nested subtasks.
    pub subtasks: Vec<ExpandedSubtaskDto>,
}

/// One ordered step of implementation guidance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(inline)]
#[schemars(transform = super::nullable::one_of_null)]
pub struct ImplementationStepDto {
    /// 1-based position.
    pub order: u32,
    /// What the step does.
    pub title: String,
    /// How to do it.
    pub description: String,
    /// Index of the top-level subtask this step belongs to.
    pub subtask_index: Option<u64>,
}

/// One test to write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(inline)]
#[schemars(transform = super::nullable::one_of_null)]
pub struct TestTaskDto {
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
    /// Estimated effort in hours.
    pub estimated_effort: Option<f64>,
    /// Index of the top-level subtask holding this test.
    pub subtask_index: Option<u64>,
}

/// One piece of documentation to write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(inline)]
#[schemars(transform = super::nullable::one_of_null)]
pub struct DocumentationTaskDto {
    /// What is documented.
    pub title: String,
    /// What the documentation must contain.
    pub description: String,
    /// api, user, developer, runbook, changelog or report.
    pub doc_type: String,
    /// Estimated effort in hours.
    pub estimated_effort: Option<f64>,
    /// Index of the top-level subtask holding this documentation.
    pub subtask_index: Option<u64>,
}

/// Metadata of an expansion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(inline)]
pub struct ExpansionMetadataDto {
    /// Depth of the returned subtask tree.
    pub expansion_depth: u32,
    /// The provider that produced the result.
    pub provider: String,
    /// The model (or planner version) that produced the result.
    pub model: String,
    /// Tokens consumed over every call, rejected answers included.
    pub token_usage: TokenUsageDto,
    /// 0-1: how much to trust the decomposition.
    pub confidence: f64,
    /// Wall-clock milliseconds spent.
    pub processing_time: u64,
    /// Fallbacks and why, repairs made to the answer.
    pub warnings: Vec<String>,
    /// Every provider tried, in order.
    pub attempts: Vec<ProviderAttemptDto>,
    /// True when the result comes from a provider other than the first one tried.
    pub fell_back: bool,
}

/// Tokens consumed, summed over every model call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(inline)]
pub struct TokenUsageDto {
    /// Tokens in the prompts.
    pub prompt_tokens: u64,
    /// Tokens in the answers.
    pub completion_tokens: u64,
    /// Sum of both.
    pub total_tokens: u64,
}

/// How one provider of the chain fared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(inline)]
#[schemars(transform = super::nullable::one_of_null)]
pub struct ProviderAttemptDto {
    /// sampling, openai, openai-compatible, anthropic or offline.
    pub provider: String,
    /// succeeded, failed, rejected (answer unusable) or skipped (not configured).
    pub outcome: String,
    /// Why it failed or was skipped; empty on success.
    pub detail: String,
    /// HTTP requests sent, retries included, when known.
    pub requests: Option<u32>,
    /// Time spent on this provider in milliseconds.
    pub duration_ms: u64,
}
