//! Every tool call goes through here: timed, counted by outcome, bounded by the call timeout.

use std::time::Instant;

use rmcp::handler::server::tool::ToolCallContext;
use rmcp::model::{CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer};

use crate::metrics::ToolOutcome;
use crate::server::OrchestratorServer;

/// The label for calls naming no registered tool (so a client cannot grow the label set without bound).
const UNKNOWN_TOOL: &str = "unknown";

impl OrchestratorServer {
    pub(crate) async fn instrumented_call(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let label =
            if self.tool_router.has_route(&request.name) { request.name.to_string() } else { UNKNOWN_TOOL.into() };
        let request_name = request.name.clone();
        let _in_flight = self.metrics.tool_call_started();
        let started = Instant::now();
        let call = self.tool_router.call(ToolCallContext::new(self, request, context));
        let result = match self.call_timeout {
            None => call.await,
            Some(limit) => match tokio::time::timeout(limit, call).await {
                Ok(result) => result,
                Err(_) => {
                    tracing::warn!(tool = %label, timeout_s = limit.as_secs_f64(), "tool call timed out");
                    Ok(CallToolResult::error(vec![ContentBlock::text(format!(
                        "{label} did not finish within the server's request timeout of {} s and was abandoned; \
                         retry, narrow the request, or ask the operator to raise --request-timeout",
                        limit.as_secs_f64()
                    ))])
                    .into())
                }
            },
        };
        let outcome = match &result {
            Ok(CallToolResponse::Complete(r)) if r.is_error == Some(true) => ToolOutcome::ToolError,
            Ok(_) => ToolOutcome::Ok,
            Err(_) => ToolOutcome::ProtocolError,
        };
        // Any call that may have written (refused ones too: cheap, and a pass sends only real changes).
        let read_only = self.tool_router.get(&request_name).and_then(|t| t.annotations.as_ref()?.read_only_hint);
        if read_only != Some(true) {
            self.subscriptions.board_changed();
        }
        let elapsed = started.elapsed();
        self.metrics.record_tool_call(&label, outcome, elapsed);
        tracing::debug!(tool = %label, outcome = outcome.as_str(), elapsed_ms = elapsed.as_secs_f64() * 1000.0, "tool call");
        result
    }
}
