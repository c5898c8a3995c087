//! Next-task selection and claims.

use rmcp::{Json, tool, tool_router};

use crate::dto::*;
use crate::params::Parameters;
use crate::server::{OrchestratorServer, call};
use crate::tools;

#[tool_router(router = next_router, vis = "pub(crate)")]
impl OrchestratorServer {
    #[tool(description = "Pick the best task to work on next in a project: ready (dependencies done, not claimed), \
        within the constraints, ranked by priority, what it unblocks, the critical path, time fit, preferences and \
        context. Explains why, lists alternatives, plans a team with available_developers > 1. claim: true takes it \
        atomically for assignee.")]
    async fn get_next_task(
        &self,
        Parameters(p): Parameters<GetNextTaskParams>,
    ) -> Result<Json<GetNextTaskResult>, String> {
        call(p, |p| tools::get_next_task(&self.orch, p)).await
    }
}
