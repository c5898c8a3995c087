//! One function per tool: parameters in, result out. The MCP server and the CLI both call these.

use std::sync::Arc;

use orch_core::{NewCommitLink, NewTask, TaskFilter, TaskId, TaskPatch};
use orch_service::expand::{ExpandOptions, LlmProvider, ProviderChoice};
use orch_service::prd::ParseOptions;
use orch_service::prd::assist::{AssistOptions, ParseMode};
use orch_service::{
    AnalysisRequest, CodeRun, DetailOptions, ErrorKind, ExpansionRequest, GraphFormat, GraphScope, MAX_GRAPH_LIMIT,
    Orchestrator, PrdRequest, Progress,
};

use crate::dto::*;

mod convert;
mod interop;
pub use interop::{import_tasks, scan_git_commits};

/// A tool failure with a message for the caller (reported as a tool result with `isError: true`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ToolError {
    /// What went wrong and how to fix it.
    pub message: String,
    /// True when the caller can fix it by changing the call.
    pub caller_error: bool,
}

impl ToolError {
    /// An error in the caller's arguments.
    pub fn invalid(message: impl Into<String>) -> Self {
        ToolError { message: message.into(), caller_error: true }
    }
}

impl From<orch_service::Error> for ToolError {
    fn from(e: orch_service::Error) -> Self {
        if e.kind() == ErrorKind::Internal {
            // Internal details (paths, SQL) stay in the server log.
            tracing::error!(error = %e, source = ?std::error::Error::source(&e), "tool failed on the server side");
            return ToolError {
                message: "internal error: the task store failed; the server log has the details. Retry, or check \
                          the database file and disk."
                    .into(),
                caller_error: false,
            };
        }
        ToolError { message: e.to_string(), caller_error: e.kind() != ErrorKind::Unavailable }
    }
}

impl From<ToolError> for String {
    fn from(e: ToolError) -> Self {
        e.message
    }
}

/// `task_id` as the caller sent it, refused unless positive (the same rule and message as every other id).
fn task_id(v: i64) -> Result<TaskId, ToolError> {
    orch_core::validate::task_id("task_id", TaskId(v)).map_err(|e| orch_service::Error::from(e).into())
}

fn task_ids(v: Vec<i64>) -> Vec<TaskId> {
    v.into_iter().map(TaskId).collect()
}

/// `create_task`.
pub async fn create_task(orch: &Orchestrator, p: CreateTaskParams) -> Result<TaskResult, ToolError> {
    let task = orch
        .create_task(NewTask {
            project_id: p.project_id,
            parent_id: p.parent_id.map(TaskId),
            title: p.title,
            description: p.description,
            details: p.details,
            priority: p.priority,
            dependencies: task_ids(p.dependencies),
            tags: p.tags,
            code_language: p.code_language,
            execution_environment: p.execution_environment,
            task_type: p.task_type,
            estimated_hours: p.estimated_hours,
            external_key: None,
        })
        .await?;
    let message = format!("Created task #{} \"{}\" in project '{}'.", task.id, task.title, task.project_id);
    Ok(TaskResult { task: task.into(), message })
}

/// `update_task`.
pub async fn update_task(orch: &Orchestrator, p: UpdateTaskParams) -> Result<TaskResult, ToolError> {
    let task = orch
        .update_task(
            task_id(p.task_id)?,
            TaskPatch {
                title: p.title,
                description: p.description,
                details: p.details,
                priority: p.priority,
                tags: p.tags,
                code_language: p.code_language,
                execution_environment: p.execution_environment,
                task_type: p.task_type,
                estimated_hours: p.estimated_hours,
                add_dependencies: task_ids(p.add_dependencies),
                remove_dependencies: task_ids(p.remove_dependencies),
            },
        )
        .await?;
    let message = format!("Updated task #{} \"{}\".", task.id, task.title);
    Ok(TaskResult { task: task.into(), message })
}

/// `update_task_status`.
pub async fn update_task_status(
    orch: &Orchestrator,
    p: UpdateTaskStatusParams,
) -> Result<UpdateTaskStatusResult, ToolError> {
    let change = orch.update_task_status(task_id(p.task_id)?, p.status.into(), p.force).await?;
    let t = &change.task;
    let message = if change.previous == t.status {
        format!("Task #{} \"{}\" was already {}; nothing changed.", t.id, t.title, t.status)
    } else {
        format!("Task #{} \"{}\" moved from {} to {}.", t.id, t.title, change.previous, t.status)
    };
    Ok(UpdateTaskStatusResult { previous_status: change.previous.into(), task: change.task.into(), message })
}

/// `get_task`.
pub async fn get_task(orch: &Orchestrator, p: GetTaskParams) -> Result<GetTaskResult, ToolError> {
    let options = DetailOptions { executions: p.include_executions, analysis: p.include_analysis };
    Ok(task_details(orch.get_task(task_id(p.task_id)?, options).await?))
}

/// A task's details as `get_task` returns them (also the `task://` resource's content).
pub(crate) fn task_details(d: orch_service::TaskDetails) -> GetTaskResult {
    GetTaskResult {
        task: d.task.into(),
        commits: d.commits.into_iter().map(Into::into).collect(),
        executions: d.executions.map(|v| v.into_iter().map(Into::into).collect()),
        analysis: d.analyses.map(|v| v.into_iter().map(|a| AnalysisDto::new(a.analysis, a.stale)).collect()),
    }
}

/// `list_tasks`.
pub async fn list_tasks(orch: &Orchestrator, p: ListTasksParams) -> Result<ListTasksResult, ToolError> {
    let filter = TaskFilter {
        project_id: p.project_id,
        status: p.status.map(Into::into),
        code_language: p.code_language,
        tags: p.tags,
        parent_id: p.parent_id.map(TaskId),
    };
    let listing = orch.list_tasks(filter, p.limit, p.offset, p.include_metrics).await?;
    let next_offset = listing.next_offset();
    Ok(ListTasksResult {
        count: listing.page.total,
        limit: listing.limit,
        offset: listing.offset,
        next_offset,
        tasks: listing.page.tasks.into_iter().map(Into::into).collect(),
        metrics: listing.metrics.map(Into::into),
    })
}

/// `list_tasks` as the MCP tool answers: each task a row of the fields asked for (see `rows.rs`).
pub async fn list_task_rows(orch: &Orchestrator, p: ListTasksParams) -> Result<ListTasksPage, ToolError> {
    let fields = crate::rows::Fields::parse(&p.fields)?;
    let r = list_tasks(orch, p).await?;
    Ok(ListTasksPage {
        tasks: r.tasks.into_iter().map(|t| fields.row(t)).collect(),
        count: r.count,
        limit: r.limit,
        offset: r.offset,
        next_offset: r.next_offset,
        metrics: r.metrics,
    })
}

/// `delete_task`.
pub async fn delete_task(orch: &Orchestrator, p: DeleteTaskParams) -> Result<DeleteTaskResult, ToolError> {
    let d = orch.delete_task(task_id(p.task_id)?, p.force).await?;
    let mut message = match d.deleted.len() {
        1 => format!("Deleted task #{}.", p.task_id),
        n => format!("Deleted task #{} and {} subtask(s).", p.task_id, n - 1),
    };
    if !d.detached_dependents.is_empty() {
        message.push_str(&format!(" Removed the dependency from {} task(s).", d.detached_dependents.len()));
    }
    Ok(DeleteTaskResult { message, deleted: ids(d.deleted), detached_dependents: ids(d.detached_dependents) })
}

/// `get_task_graph`: at most `limit` tasks of the scope, each once.
pub async fn get_task_graph(orch: &Orchestrator, p: GetTaskGraphParams) -> Result<GetTaskGraphResult, ToolError> {
    let format = match p.format {
        GraphFormatDto::Json => GraphFormat::Json,
        GraphFormatDto::Mermaid => GraphFormat::Mermaid,
        GraphFormatDto::Dot => GraphFormat::Dot,
    };
    let scope = GraphScope {
        project_id: p.project_id,
        status: p.status.map(Into::into),
        root: p.root_task_id.map(TaskId),
        depth: p.depth,
        limit: p.limit,
    };
    let bounded = orch.task_graph_bounded(scope, format).await?;
    let g = bounded.graph;
    let edges: Vec<EdgeDto> =
        g.data.edges.iter().map(|(task, prerequisite)| EdgeDto { from: prerequisite.0, to: task.0 }).collect();
    let graph = match g.rendered {
        Some(text) => GraphDto::Text(text),
        None => GraphDto::Structured { nodes: g.data.tasks.iter().map(|t| t.id.0).collect() },
    };
    let shown = g.data.tasks.len();
    let message = if bounded.truncated {
        format!(
            "Showing {shown} of {} tasks (nearest the root and unfinished first). Narrow with project_id, status or \
             root_task_id (with depth), or raise limit (at most {MAX_GRAPH_LIMIT}).",
            bounded.total
        )
    } else {
        format!("{shown} task(s) and {} dependency edge(s).", edges.len())
    };
    let tasks = g.data.tasks.into_iter().map(|t| crate::rows::Fields::Node.row(t.into())).collect();
    Ok(GetTaskGraphResult {
        format: p.format,
        graph,
        tasks,
        edges,
        total: bounded.total,
        truncated: bounded.truncated,
        message,
    })
}

/// `link_git_commit`.
pub async fn link_git_commit(orch: &Orchestrator, p: LinkGitCommitParams) -> Result<LinkGitCommitResult, ToolError> {
    let (commit, created) = orch
        .link_git_commit(NewCommitLink {
            task_id: task_id(p.task_id)?,
            commit_hash: p.commit_hash,
            commit_message: p.commit_message,
            author: p.author,
        })
        .await?;
    let message = if created {
        format!("Linked commit {} to task #{}.", commit.commit_hash, commit.task_id)
    } else {
        format!("Commit {} was already linked to task #{}; nothing changed.", commit.commit_hash, commit.task_id)
    };
    Ok(LinkGitCommitResult { message, commit: commit.into(), created })
}

/// `execute_code`.
pub async fn execute_code(orch: &Orchestrator, p: ExecuteCodeParams) -> Result<ExecuteCodeResult, ToolError> {
    let run = CodeRun {
        language: p.language.as_str().into(),
        code: p.code,
        timeout_secs: p.timeout,
        working_directory: p.working_directory,
        packages: p.packages,
    };
    let report = orch.execute_code(task_id(p.task_id)?, run).await?;
    let (e, o) = (report.execution, report.outcome);
    let message = if o.timed_out {
        format!("Execution #{} timed out after {:.1}s and was killed.", e.id, o.execution_time)
    } else if o.memory_limit_hit {
        format!("Execution #{} was killed at the memory limit.", e.id)
    } else {
        match o.exit_code {
            Some(0) => format!("Execution #{} succeeded in {:.3}s.", e.id, o.execution_time),
            Some(code) => format!("Execution #{} exited with code {code} in {:.3}s.", e.id, o.execution_time),
            None => format!("Execution #{} did not run to completion; see error.", e.id),
        }
    };
    Ok(ExecuteCodeResult {
        execution: ExecutionResultDto {
            id: e.id,
            task_id: e.record.task_id.0,
            language: e.record.language,
            output: e.record.output,
            error: e.record.error,
            exit_code: e.record.exit_code,
            signal: o.signal,
            execution_time: e.record.execution_time,
            timed_out: e.record.timed_out,
            truncated: e.record.truncated,
            memory_limit_hit: o.memory_limit_hit,
            isolation: e.record.isolation,
            limits: convert::execution::limits(&o.limits),
            working_directory: o.working_directory,
            timestamp: e.timestamp,
        },
        message,
    })
}

fn analysis_request(p: &AnalyzeParams) -> AnalysisRequest {
    AnalysisRequest {
        analyze_dependencies: p.analyze_dependencies,
        estimate_code_volume: p.estimate_code_volume,
        assess_risk: p.assess_risk,
        use_historical_data: p.use_historical_data,
        project_root: p.project_root.as_deref().map(std::path::PathBuf::from),
    }
}

/// `analyze_complexity`.
pub async fn analyze_complexity(orch: &Orchestrator, p: AnalyzeParams) -> Result<AnalyzeComplexityResult, ToolError> {
    let report = orch.analyze_complexity(task_id(p.task_id)?, analysis_request(&p)).await?;
    let a = convert::analysis::complexity(report.analysis);
    let level = a.risk_assessment.level.map(|l| format!(", {} risk", l.as_str()));
    let message = format!(
        "Task #{} scores {:.1}/10 (about {:.1} h{}), confidence {:.0}%{}.",
        p.task_id,
        a.score,
        a.estimated_hours,
        level.unwrap_or_default(),
        a.confidence * 100.0,
        if report.cached { "; reused the cached analysis" } else { "" }
    );
    Ok(AnalyzeComplexityResult { complexity: a, cached: report.cached, message })
}

/// `estimate_effort`.
pub async fn estimate_effort(orch: &Orchestrator, p: AnalyzeParams) -> Result<EstimateEffortResult, ToolError> {
    let report = orch.analyze_complexity(task_id(p.task_id)?, analysis_request(&p)).await?;
    let a = report.analysis;
    let message = format!(
        "Task #{} is estimated at {:.1} h (complexity {:.1}/10, confidence {:.0}%).",
        p.task_id,
        a.estimated_hours,
        a.score,
        a.confidence * 100.0
    );
    Ok(EstimateEffortResult {
        estimated_hours: a.estimated_hours,
        complexity_score: a.score,
        confidence: a.confidence,
        effort: convert::analysis::effort(a.metadata.effort),
        message,
    })
}

fn provider_choice(provider: ProviderDto) -> ProviderChoice {
    match provider {
        ProviderDto::Auto => ProviderChoice::Auto,
        ProviderDto::Openai => ProviderChoice::OpenAi,
        ProviderDto::Anthropic => ProviderChoice::Anthropic,
    }
}

/// `expand_task`; `sampling` is the MCP client's model when it offers one.
pub async fn expand_task(
    orch: &Orchestrator,
    p: ExpandTaskParams,
    sampling: Option<Arc<dyn LlmProvider>>,
) -> Result<ExpandTaskResult, ToolError> {
    let options = ExpandOptions {
        depth: p.depth,
        max_depth: p.max_depth,
        include_tests: p.include_tests,
        include_documentation: p.include_documentation,
        include_implementation: p.include_implementation,
        provider: provider_choice(p.provider),
        model: p.model,
        max_tokens: p.max_tokens,
        // The wire carries f64 so the schema's default reads 0.7, not f32's 0.699999988079071.
        temperature: p.temperature as f32,
    };
    let report =
        orch.expand_task(task_id(p.task_id)?, ExpansionRequest { options, replace: p.replace }, sampling).await?;
    let meta = &report.expansion.metadata;
    let mut message = format!(
        "Expanded task #{} into {} subtask(s) with {} ({}).",
        p.task_id,
        report.created.len(),
        meta.provider,
        meta.model
    );
    if meta.fell_back {
        message.push_str(&format!(" Fell back: {}.", meta.warnings.join("; ")));
    }
    if !report.replaced.is_empty() {
        message.push_str(&format!(" Replaced {} earlier subtask(s).", report.replaced.len()));
    }
    Ok(ExpandTaskResult {
        expansion: convert::expansion::expansion(report.expansion),
        subtask_ids: report.created.iter().map(|t| t.id.0).collect(),
        replaced_task_ids: ids(report.replaced),
        message,
    })
}

/// `parse_prd`; `progress` receives (done, total, what) as the import proceeds; `sampling` is the MCP client's model
/// when it offers one.
pub async fn parse_prd(
    orch: &Orchestrator,
    p: ParsePrdParams,
    progress: Option<Progress>,
    sampling: Option<Arc<dyn LlmProvider>>,
) -> Result<ParsePrdResult, ToolError> {
    let request = PrdRequest {
        content: p.content,
        project_id: Some(p.project_id),
        options: ParseOptions {
            generate_tasks: p.generate_tasks,
            analyze_dependencies: p.analyze_dependencies,
            extract_user_stories: p.extract_user_stories,
            parse_acceptance_criteria: p.parse_acceptance_criteria,
            confidence_threshold: p.confidence_threshold,
        },
        assist: AssistOptions {
            mode: match p.mode {
                PrdModeDto::Auto => ParseMode::Auto,
                PrdModeDto::Offline => ParseMode::Offline,
                PrdModeDto::Llm => ParseMode::Llm,
            },
            model: p.model,
            chunk_tokens: p.chunk_tokens,
            max_tokens: p.max_tokens,
        },
        provider: provider_choice(p.provider),
    };
    let import = orch.parse_prd(request, progress, sampling).await?;
    let parsed = &import.parsed;
    let mut message = format!(
        "Parsed {} feature(s), {} requirement(s), {} user stor(ies); {} task(s) created, {} updated, {} unchanged in \
         project '{}'.",
        parsed.features.len(),
        parsed.requirements.len(),
        parsed.user_stories.len(),
        import.created.len(),
        import.updated.len(),
        import.unchanged.len(),
        import.project_id
    );
    // An item is skipped for its confidence or for being out of scope (MoSCoW "Won't have"); say which.
    let low = parsed.skipped.iter().filter(|s| s.confidence < p.confidence_threshold).count();
    let out_of_scope = parsed.skipped.len() - low;
    if low > 0 {
        message.push_str(&format!(" {low} item(s) below the confidence threshold were skipped."));
    }
    if out_of_scope > 0 {
        message.push_str(&format!(" {out_of_scope} item(s) marked Won't have were left out of scope."));
    }
    for w in &import.warnings {
        message.push_str(&format!(" Warning: {w}"));
    }
    message.push_str(&parser_summary(&import.report));
    // Each draft says which task it is stored as, so an agent can go straight from the PRD to the board.
    let stored = import.draft_task_ids();
    Ok(ParsePrdResult {
        prd: convert::prd::parsed(import.parsed, &stored),
        document_id: import.document_id,
        created_task_ids: import.created.iter().map(|t| t.id.0).collect(),
        updated_task_ids: import.updated.iter().map(|t| t.id.0).collect(),
        unchanged_task_ids: import.unchanged.iter().map(|t| t.id.0).collect(),
        parser: convert::prd::report(import.report),
        message,
    })
}

/// One sentence on the model's part in a PRD parse: who answered, at what cost, what the cross-check did.
fn parser_summary(report: &orch_service::prd::assist::ParserReport) -> String {
    if report.calls == 0 {
        // No call was made: say why when the caller asked for one (a provider not configured, a document over the
        // call limit).
        if report.warnings.is_empty() {
            return String::new();
        }
        return format!(" Parsed offline: {}.", report.warnings.join("; "));
    }
    let mut out = if report.provider == orch_service::prd::assist::OFFLINE_PARSER {
        format!(" No model answered usably ({}); parsed offline.", report.warnings.join("; "))
    } else {
        format!(
            " Cross-checked with {} ({}): {} item(s) confirmed, {} added, {} flagged, {} dropped as not in the document.",
            report.provider,
            report.model,
            report.confirmed.len(),
            report.added.len(),
            report.flagged.len(),
            report.dropped.len()
        )
    };
    out.push_str(&format!(" {} model call(s), {} tokens.", report.calls, report.token_usage.total_tokens));
    out
}

/// How many alternatives a result lists; the full ranking is an agent's context budget wasted.
const MAX_ALTERNATIVES: usize = 5;

/// `get_next_task`.
pub async fn get_next_task(orch: &Orchestrator, p: GetNextTaskParams) -> Result<GetNextTaskResult, ToolError> {
    use orch_core::select::Constraints;
    let request = orch_service::NextTaskRequest {
        project_id: p.project_id,
        constraints: Constraints {
            max_complexity: p.max_complexity,
            max_complexity_limit: p.max_complexity_limit,
            preferred_task_types: p.preferred_task_types,
            preferred_languages: p.preferred_languages,
            excluded_tags: p.excluded_tags,
            required_tags: p.required_tags,
            max_estimated_hours: p.max_estimated_hours,
            min_estimated_hours: p.min_estimated_hours,
            priority_threshold: p.priority_threshold,
            enable_grouping: p.enable_grouping,
            minimize_context_switching: p.minimize_context_switching,
            hours_available_today: p.hours_available_today,
            available_developers: p.available_developers,
        },
        claim: p.claim,
        assignee: p.assignee,
    };
    let report = orch.get_next_task(request).await?;
    let mut selection = report.selection;
    selection.alternatives.truncate(MAX_ALTERNATIVES);
    let message = match (&report.claimed, &selection.selected_task) {
        (Some(t), _) => format!("Claimed task #{} \"{}\": {}", t.id, t.title, selection.reasoning.primary_reason),
        (None, Some(t)) if p.claim => format!(
            "Task #{} \"{}\" was selected but taken by someone else first, and no other eligible task remained; ask again.",
            t.id, t.title
        ),
        (None, Some(t)) => format!("Next: task #{} \"{}\": {}", t.id, t.title, selection.reasoning.primary_reason),
        (None, None) => selection.message.clone(),
    };
    let full = convert::selection::selection(selection);
    Ok(GetNextTaskResult {
        selection: if p.explain { full } else { crate::selection_view::compact(full) },
        claimed_task: report.claimed.map(Into::into),
        released_task_ids: ids(report.released),
        message,
    })
}
