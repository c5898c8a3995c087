//! Next-task selection and claims.

use rmcp::{Json, tool, tool_router};

use crate::dto::*;
use crate::params::Parameters;
use crate::server::{OrchestratorServer, call};
use crate::tools;

#[tool_router(router = next_router, vis = "pub(crate)")]
impl OrchestratorServer {
    #[tool(description = "Pick the best ready task of a project (dependencies done, unclaimed, within the \
        constraints), ranked by priority, what it unblocks, critical path, time fit and context. Returns why and \
        alternatives (explain: the full factor table). claim: true takes it atomically for assignee.")]
    async fn get_next_task(
        &self,
        Parameters(p): Parameters<GetNextTaskParams>,
    ) -> Result<Json<GetNextTaskResult>, String> {
        call(p, |p| tools::get_next_task(&self.orch, p)).await
    }
}
