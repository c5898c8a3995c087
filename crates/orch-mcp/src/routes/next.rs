//! Next-task selection and claims.

use rmcp::{Json, tool, tool_router};

use crate::dto::*;
use crate::params::Parameters;
use crate::server::{OrchestratorServer, call};
use crate::tools;

#[tool_router(router = next_router, vis = "pub(crate)")]
impl OrchestratorServer {
    #[tool(
        description = "Pick the best ready task of a project, with why and alternatives; claim takes it for assignee."
    )]
    async fn get_next_task(
        &self,
        Parameters(p): Parameters<GetNextTaskParams>,
    ) -> Result<Json<GetNextTaskResult>, String> {
        call(p, |p| tools::get_next_task(&self.orch, p)).await
    }
}
