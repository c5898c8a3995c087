//! Code execution.

use rmcp::{Json, tool, tool_router};

use crate::dto::*;
use crate::metrics::ExecutionOutcome;
use crate::params::Parameters;
use crate::server::{OrchestratorServer, wire};
use crate::tools;

#[tool_router(router = exec_router, vis = "pub(crate)")]
impl OrchestratorServer {
    #[tool(
        description = "Run code for a task in a sandbox (no network, time and memory limits) and record it. A failing \
        program is a result, not an error.",
        annotations(open_world_hint = true)
    )]
    async fn execute_code(
        &self,
        Parameters(p): Parameters<ExecuteCodeParams>,
    ) -> Result<Json<ExecuteCodeResult>, String> {
        let language = p.as_ref().map_or("unknown", |p| p.language.as_str());
        let result = match p {
            Ok(p) => tools::execute_code(&self.orch, p).await,
            Err(message) => Err(tools::ToolError::invalid(message)),
        };
        let outcome = match &result {
            Ok(r) if r.execution.timed_out => ExecutionOutcome::Timeout,
            Ok(r) if r.execution.exit_code == Some(0) => ExecutionOutcome::Success,
            Ok(_) => ExecutionOutcome::Failure,
            Err(_) => ExecutionOutcome::Error,
        };
        self.metrics.record_execution(language, outcome);
        wire(result)
    }
}
