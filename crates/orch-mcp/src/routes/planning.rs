//! Planning: PRD parsing, complexity and effort, expansion into subtasks.

use std::sync::Arc;

use rmcp::model::{ProgressNotificationParam, RequestMetaObject};
use rmcp::{Json, Peer, RoleServer, tool, tool_router};

use crate::dto::*;
use crate::params::Parameters;
use crate::server::{OrchestratorServer, call, wire};
use crate::{sampling, tools};

/// Progress notifications for the request, when the client sent a progress token.
fn progress_reporter(meta: &RequestMetaObject, peer: &Peer<RoleServer>) -> Option<orch_service::Progress> {
    let token = meta.get_progress_token()?;
    let peer = peer.clone();
    // Notifications are fire-and-forget (a slow client must not stall the work) but must arrive in order: one task
    // sends them one after another from a queue, instead of one task per notification racing the others.
    let (queue, mut pending) = tokio::sync::mpsc::unbounded_channel::<ProgressNotificationParam>();
    tokio::spawn(async move {
        while let Some(param) = pending.recv().await {
            if let Err(e) = peer.notify_progress(param).await {
                tracing::debug!(error = %e, "progress notification not delivered");
            }
        }
    });
    Some(Arc::new(move |done: u32, total: u32, what: &str| {
        let param =
            ProgressNotificationParam::new(token.clone(), done.into()).with_total(total.into()).with_message(what);
        // The sender task ends once the request's reporter is dropped; a send after that has no one to tell.
        let _ = queue.send(param);
    }))
}

/// Counts a model's answer in the metrics from a result's `provider` and `tokenUsage`.
fn record_llm_usage(server: &OrchestratorServer, provider: &str, usage: &TokenUsageDto) {
    // The offline planner and parser are not LLM calls.
    if provider != "offline" {
        server.metrics.record_llm(provider, usage.prompt_tokens, usage.completion_tokens);
    }
}

#[tool_router(router = planning_router, vis = "pub(crate)")]
impl OrchestratorServer {
    #[tool(
        description = "Turn a Markdown PRD into features, stories, criteria and tasks with dependencies, cross-checked by a \
        model when available. Importing it again updates its tasks.",
        annotations(open_world_hint = true)
    )]
    async fn parse_prd(
        &self,
        Parameters(p): Parameters<ParsePrdParams>,
        meta: RequestMetaObject,
        peer: Peer<RoleServer>,
    ) -> Result<Json<ParsePrdResult>, String> {
        let result = match p {
            Ok(p) => tools::parse_prd(&self.orch, p, progress_reporter(&meta, &peer), sampling::from_peer(&peer)).await,
            Err(message) => Err(tools::ToolError::invalid(message)),
        };
        if let Ok(r) = &result {
            record_llm_usage(self, &r.parser.provider, &r.parser.token_usage);
        }
        wire(result)
    }

    #[tool(description = "Score a task's complexity 1-10 with hours and evidence; stored on the task.")]
    async fn analyze_complexity(
        &self,
        Parameters(p): Parameters<AnalyzeParams>,
    ) -> Result<Json<AnalyzeComplexityResult>, String> {
        call(p, |p| tools::analyze_complexity(&self.orch, p)).await
    }

    #[tool(description = "Estimate a task's hours from its complexity and the project's history.")]
    async fn estimate_effort(
        &self,
        Parameters(p): Parameters<AnalyzeParams>,
    ) -> Result<Json<EstimateEffortResult>, String> {
        call(p, |p| tools::estimate_effort(&self.orch, p)).await
    }

    #[tool(
        description = "Break a task into stored subtasks, steps, test and documentation tasks (client's model, API key or \
        offline planner).",
        annotations(open_world_hint = true)
    )]
    async fn expand_task(
        &self,
        Parameters(p): Parameters<ExpandTaskParams>,
        peer: Peer<RoleServer>,
    ) -> Result<Json<ExpandTaskResult>, String> {
        let result = match p {
            Ok(p) => tools::expand_task(&self.orch, p, sampling::from_peer(&peer)).await,
            Err(message) => Err(tools::ToolError::invalid(message)),
        };
        if let Ok(r) = &result {
            let meta = &r.expansion.metadata;
            record_llm_usage(self, &meta.provider, &meta.token_usage);
        }
        wire(result)
    }
}
