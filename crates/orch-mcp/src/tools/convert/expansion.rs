//! `ExpandedTaskResult` → `ExpandedTaskResultDto` (expand_task), and the provider chain's usage and attempts that
//! parse_prd reports too.

use orch_service::expand::{
    DocumentationTask, ExpandedSubtask, ExpandedTaskResult, ExpansionMetadata, ImplementationStep, ProviderAttempt,
    TestTask, TokenUsage,
};

use super::count;
use crate::dto::*;

/// The whole expansion.
pub(crate) fn expansion(e: ExpandedTaskResult) -> ExpandedTaskResultDto {
    ExpandedTaskResultDto {
        original_task_id: e.original_task_id,
        subtasks: e.subtasks.into_iter().map(subtask).collect(),
        implementation_steps: e.implementation_steps.into_iter().map(step).collect(),
        test_tasks: e.test_tasks.into_iter().map(test).collect(),
        documentation_tasks: e.documentation_tasks.into_iter().map(documentation).collect(),
        metadata: metadata(e.metadata),
    }
}

/// Tokens used over every call.
pub(crate) fn usage(u: TokenUsage) -> TokenUsageDto {
    TokenUsageDto {
        prompt_tokens: u.prompt_tokens,
        completion_tokens: u.completion_tokens,
        total_tokens: u.total_tokens,
    }
}

/// How one provider of the chain fared.
pub(crate) fn attempt(a: ProviderAttempt) -> ProviderAttemptDto {
    ProviderAttemptDto {
        provider: a.provider,
        outcome: a.outcome,
        detail: a.detail,
        requests: a.requests,
        duration_ms: a.duration_ms,
    }
}

fn subtask(s: ExpandedSubtask) -> ExpandedSubtaskDto {
    ExpandedSubtaskDto {
        title: s.title,
        description: s.description,
        estimated_effort: s.estimated_effort,
        dependencies: s.dependencies.into_iter().map(count).collect(),
        task_type: s.task_type,
        tags: s.tags,
        acceptance_criteria: s.acceptance_criteria,
        subtasks: s.subtasks.into_iter().map(subtask).collect(),
    }
}

fn step(s: ImplementationStep) -> ImplementationStepDto {
    ImplementationStepDto {
        order: s.order,
        title: s.title,
        description: s.description,
        subtask_index: s.subtask_index.map(count),
    }
}

fn test(t: TestTask) -> TestTaskDto {
    TestTaskDto {
        title: t.title,
        description: t.description,
        test_type: t.test_type,
        framework: t.framework,
        acceptance_criterion: t.acceptance_criterion,
        estimated_effort: t.estimated_effort,
        subtask_index: t.subtask_index.map(count),
    }
}

fn documentation(d: DocumentationTask) -> DocumentationTaskDto {
    DocumentationTaskDto {
        title: d.title,
        description: d.description,
        doc_type: d.doc_type,
        estimated_effort: d.estimated_effort,
        subtask_index: d.subtask_index.map(count),
    }
}

fn metadata(m: ExpansionMetadata) -> ExpansionMetadataDto {
    ExpansionMetadataDto {
        expansion_depth: m.expansion_depth,
        provider: m.provider,
        model: m.model,
        token_usage: usage(m.token_usage),
        confidence: m.confidence,
        processing_time: m.processing_time,
        warnings: m.warnings,
        attempts: m.attempts.into_iter().map(attempt).collect(),
        fell_back: m.fell_back,
    }
}
