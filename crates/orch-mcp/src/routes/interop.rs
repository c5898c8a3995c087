//! Other tools and git: importing boards, scanning the repository's history.

use rmcp::{Json, tool, tool_router};

use crate::dto::*;
use crate::params::Parameters;
use crate::server::{OrchestratorServer, call};
use crate::tools;

#[tool_router(router = interop_router, vis = "pub(crate)")]
impl OrchestratorServer {
    #[tool(
        description = "Import a Task Master tasks.json or a beads issues.jsonl (the file content) into project_id: \
        ids, subtasks, dependencies, status, priority, details. Importing the same file again updates the tasks it \
        made instead of duplicating them. The result maps each item to its task and lists what had no counterpart."
    )]
    async fn import_tasks(
        &self,
        Parameters(p): Parameters<ImportTasksParams>,
    ) -> Result<Json<ImportTasksResult>, String> {
        call(p, |p| tools::import_tasks(&self.orch, p)).await
    }

    #[tool(
        description = "Read the server's git repository history and link each commit to the tasks its message names \
        (#12, task 12, refs #3, #4, closes #5), with the commit's real hash, author and message; each commit once per \
        task. close_tasks: true also completes tasks a commit closes.",
        annotations(idempotent_hint = true)
    )]
    async fn scan_git_commits(
        &self,
        Parameters(p): Parameters<ScanGitCommitsParams>,
    ) -> Result<Json<ScanGitCommitsResult>, String> {
        call(p, |p| tools::scan_git_commits(&self.orch, p)).await
    }
}
