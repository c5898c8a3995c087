//! A PRD import's preview: what `parse_prd` would create or refresh, without storing anything.

use orch_prd::ParsedPrd;

use crate::prd_import::external_key;
use crate::{Error, Orchestrator, PrdRequest, Result};

/// The parse result and which of its drafts already exist on the board (a re-import would refresh them).
#[derive(Debug, Clone)]
pub struct PrdPreview {
    /// The parse result, as `parse_prd` would store it.
    pub parsed: ParsedPrd,
    /// The project the tasks would go into.
    pub project_id: String,
    /// Keys of the drafts (`TaskDraft::key`) that an earlier import already created.
    pub existing: Vec<String>,
}

impl Orchestrator {
    /// Parses a PRD as `parse_prd` would and reports what an import would do, changing nothing.
    pub async fn preview_prd(&self, request: PrdRequest) -> Result<PrdPreview> {
        let project = orch_core::validate::project_id(request.project_id.as_deref())?;
        let options = request.options;
        let content = request.content;
        let parsed = tokio::task::spawn_blocking(move || orch_prd::parse_prd(&content, &options))
            .await
            .map_err(|e| Error::Internal(format!("the PRD parser failed: {e}")))??;
        let keys: Vec<String> = parsed.tasks.iter().map(external_key).collect();
        let stored: std::collections::BTreeSet<String> = self
            .store
            .find_by_external_keys(&project, &keys)
            .await?
            .into_iter()
            .filter_map(|t| t.external_key)
            .collect();
        let existing =
            parsed.tasks.iter().filter(|d| stored.contains(&external_key(d))).map(|d| d.key.clone()).collect();
        Ok(PrdPreview { parsed, project_id: project, existing })
    }
}
