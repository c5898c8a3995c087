//! Other tools and git: importing boards, scanning the repository's history.

use rmcp::{Json, tool, tool_router};

use crate::dto::*;
use crate::params::Parameters;
use crate::server::{OrchestratorServer, call};
use crate::tools;

#[tool_router(router = interop_router, vis = "pub(crate)")]
impl OrchestratorServer {
    #[tool(
        description = "Import a Task Master tasks.json or beads issues.jsonl; importing it again updates its tasks."
    )]
    async fn import_tasks(
        &self,
        Parameters(p): Parameters<ImportTasksParams>,
    ) -> Result<Json<ImportTasksResult>, String> {
        call(p, |p| tools::import_tasks(&self.orch, p)).await
    }

    #[tool(
        description = "Link the server repository's commits to the tasks their messages name (#12, refs #3, closes #5).",
        annotations(idempotent_hint = true)
    )]
    async fn scan_git_commits(
        &self,
        Parameters(p): Parameters<ScanGitCommitsParams>,
    ) -> Result<Json<ScanGitCommitsResult>, String> {
        call(p, |p| tools::scan_git_commits(&self.orch, p)).await
    }
}
