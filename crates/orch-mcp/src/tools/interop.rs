//! `import_tasks` and `scan_git_commits`.

use orch_service::{BoardImportRequest, GitScanRequest, ImportAction, Orchestrator};

use crate::dto::*;
use crate::tools::ToolError;

/// `import_tasks`.
pub async fn import_tasks(orch: &Orchestrator, p: ImportTasksParams) -> Result<ImportTasksResult, ToolError> {
    let format = match p.format {
        BoardFormatDto::Taskmaster => orch_service::interop::Format::TaskMaster,
        BoardFormatDto::Beads => orch_service::interop::Format::Beads,
    };
    let import = orch
        .import_board(BoardImportRequest { format, content: p.content, project_id: Some(p.project_id), tag: p.tag })
        .await?;
    let pick =
        |a: ImportAction| -> Vec<i64> { import.items.iter().filter(|i| i.action == a).map(|i| i.task.id.0).collect() };
    let (created, updated, unchanged) =
        (pick(ImportAction::Created), pick(ImportAction::Updated), pick(ImportAction::Unchanged));
    let mut message = format!(
        "Imported {} item(s) from {} into project '{}': {} created, {} updated, {} unchanged.",
        import.items.len(),
        format.as_str(),
        import.project_id,
        created.len(),
        updated.len(),
        unchanged.len()
    );
    if !import.unmapped.is_empty() {
        message.push_str(&format!(" {} kind(s) of content had no counterpart (see unmapped).", import.unmapped.len()));
    }
    if !import.warnings.is_empty() {
        message.push_str(&format!(" {} warning(s).", import.warnings.len()));
    }
    let items = import
        .items
        .iter()
        .map(|i| ImportedItemDto {
            source_id: i.source_id.clone(),
            external_key: i.external_key.clone(),
            task_id: i.task.id.0,
            action: match i.action {
                ImportAction::Created => ImportActionDto::Created,
                ImportAction::Updated => ImportActionDto::Updated,
                ImportAction::Unchanged => ImportActionDto::Unchanged,
            },
        })
        .collect();
    Ok(ImportTasksResult {
        message,
        project_id: import.project_id,
        items,
        created_task_ids: created,
        updated_task_ids: updated,
        unchanged_task_ids: unchanged,
        unmapped: import.unmapped,
        warnings: import.warnings,
    })
}

/// `scan_git_commits`.
pub async fn scan_git_commits(orch: &Orchestrator, p: ScanGitCommitsParams) -> Result<ScanGitCommitsResult, ToolError> {
    let report = orch
        .scan_git(GitScanRequest {
            since: p.since,
            only: p.commit,
            pattern: p.pattern,
            close_tasks: p.close_tasks,
            max_commits: p.max_commits.map(|n| n as usize),
        })
        .await?;
    let new = report.links.iter().filter(|l| l.created).count();
    let mut message = format!(
        "Scanned {} commit(s) in {}: {} name tasks; {} new link(s), {} already linked.",
        report.commits_scanned,
        report.repository.display(),
        report.commits_with_references,
        new,
        report.links.len() - new
    );
    if !report.completed.is_empty() {
        let ids: Vec<String> = report.completed.iter().map(|id| format!("#{id}")).collect();
        message.push_str(&format!(" Completed {}.", ids.join(", ")));
    }
    if !report.warnings.is_empty() {
        message.push_str(&format!(" {} warning(s).", report.warnings.len()));
    }
    let mut completed_tasks = Vec::new();
    for id in &report.completed {
        completed_tasks.push(orch.store().get_task(*id).await.map_err(orch_service::Error::from)?.into());
    }
    Ok(ScanGitCommitsResult {
        message,
        repository: report.repository.display().to_string(),
        commits_scanned: report.commits_scanned,
        commits_with_references: report.commits_with_references,
        links: report
            .links
            .into_iter()
            .map(|l| ScannedLinkDto {
                task_id: l.commit.task_id.0,
                commit: l.commit.into(),
                created: l.created,
                closes: l.closes,
            })
            .collect(),
        completed_task_ids: report.completed.iter().map(|id| id.0).collect(),
        warnings: report.warnings,
        completed_tasks,
    })
}
