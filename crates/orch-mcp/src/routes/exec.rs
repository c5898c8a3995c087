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
        description = "Run python, javascript, typescript, bash or sql code for a task in a sandbox (no network, no \
        access outside its working directory, memory/process/time limits) and record the execution on the task. A \
        failing program is a result with its exit code and stderr, not an error.",
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
