//! The board's JSON API: reads for the views and the actions a person takes, each through the same
//! [`Orchestrator`](orch_service::Orchestrator) method the MCP tools call.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use orch_core::{DEFAULT_PROJECT, Status, TaskId, TaskPatch};
use orch_service::{DetailOptions, GraphFormat, PrdRequest};
use serde::{Deserialize, Serialize};

use crate::error::WebError;
use crate::{AppState, view};

type ApiResult<T> = Result<Json<T>, WebError>;

fn body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, WebError> {
    body.map(|Json(b)| b).map_err(|e| WebError::BadRequest(format!("malformed request body: {}", e.body_text())))
}

fn task_id(path: Result<Path<i64>, PathRejection>) -> Result<TaskId, WebError> {
    path.map(|Path(id)| TaskId(id))
        .map_err(|_| WebError::BadRequest("the task id in the URL must be a whole number, e.g. /api/tasks/7".into()))
}

/// `GET /api/board` query.
#[derive(Debug, Deserialize)]
pub(crate) struct BoardQuery {
    project: Option<String>,
    /// Search text narrowing the drawn graph.
    #[serde(default)]
    focus: String,
}

/// `GET /api/board`: the cards, the graph and the project list; without `project`, the first project with tasks.
pub(crate) async fn board(
    State(state): State<AppState>,
    query: Result<Query<BoardQuery>, QueryRejection>,
) -> ApiResult<view::Board> {
    let Query(query) = query.map_err(|e| WebError::BadRequest(e.body_text()))?;
    let projects = state.orch.store().projects().await?;
    let project = query
        .project
        .filter(|p| !p.trim().is_empty())
        .or_else(|| projects.first().map(|(p, _)| p.clone()))
        .unwrap_or_else(|| DEFAULT_PROJECT.to_string());
    let graph = state.orch.task_graph(Some(project.clone()), GraphFormat::Json).await?;
    Ok(Json(view::board(project, projects, &graph.data, &query.focus)))
}

/// `GET /api/tasks/{id}`: the detail panel.
pub(crate) async fn task(
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
) -> ApiResult<view::Detail> {
    let id = task_id(id)?;
    let details = state.orch.get_task(id, DetailOptions { executions: true, analysis: true }).await?;
    let project = state.orch.task_graph(Some(details.task.project_id.clone()), GraphFormat::Json).await?;
    Ok(Json(view::detail(
        details.task,
        &project.data,
        details.commits,
        details.executions.unwrap_or_default(),
        details.analyses.unwrap_or_default().into_iter().map(|a| a.analysis).collect(),
    )))
}

/// `PATCH /api/tasks/{id}` body: the fields the panel edits.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Edit {
    title: Option<String>,
    priority: Option<u8>,
    tags: Option<Vec<String>>,
}

/// `PATCH /api/tasks/{id}`: edits title, priority and tags (`update_task`).
pub(crate) async fn edit_task(
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
    edit: Result<Json<Edit>, JsonRejection>,
) -> ApiResult<orch_core::Task> {
    let (id, edit) = (task_id(id)?, body(edit)?);
    let patch = TaskPatch { title: edit.title, priority: edit.priority, tags: edit.tags, ..Default::default() };
    let task = state.orch.update_task(id, patch).await?;
    state.changes.bump();
    Ok(Json(task))
}

/// `POST /api/tasks/{id}/status` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StatusBody {
    status: String,
    #[serde(default)]
    force: bool,
}

/// The outcome of a status change.
#[derive(Debug, Serialize)]
pub(crate) struct StatusResult {
    task: orch_core::Task,
    previous_status: Status,
}

/// `POST /api/tasks/{id}/status`: Start, Complete, Block, Reopen (`update_task_status`).
pub(crate) async fn set_status(
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
    status: Result<Json<StatusBody>, JsonRejection>,
) -> ApiResult<StatusResult> {
    let (id, status) = (task_id(id)?, body(status)?);
    let target: Status = status.status.parse()?;
    let change = state.orch.update_task_status(id, target, status.force).await?;
    state.changes.bump();
    Ok(Json(StatusResult { task: change.task, previous_status: change.previous }))
}

/// `POST /api/tasks/{id}/dependencies` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DependencyEdit {
    #[serde(default)]
    add: Vec<i64>,
    #[serde(default)]
    remove: Vec<i64>,
}

/// `POST /api/tasks/{id}/dependencies`: adds or removes prerequisites (`update_task`; a cycle is refused with the
/// path it would close).
pub(crate) async fn dependencies(
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
    edit: Result<Json<DependencyEdit>, JsonRejection>,
) -> ApiResult<orch_core::Task> {
    let (id, edit) = (task_id(id)?, body(edit)?);
    let patch = TaskPatch {
        add_dependencies: edit.add.into_iter().map(TaskId).collect(),
        remove_dependencies: edit.remove.into_iter().map(TaskId).collect(),
        ..Default::default()
    };
    if patch.is_empty() {
        return Err(WebError::BadRequest("name a task id to add or remove, e.g. {\"add\": [3]}".into()));
    }
    let task = state.orch.update_task(id, patch).await?;
    state.changes.bump();
    Ok(Json(task))
}

/// `POST /api/tasks/{id}/claim` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ClaimBody {
    assignee: String,
}

/// `POST /api/tasks/{id}/claim`: claims the task for a person or agent.
pub(crate) async fn claim(
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
    claim: Result<Json<ClaimBody>, JsonRejection>,
) -> ApiResult<orch_core::Task> {
    let (id, claim) = (task_id(id)?, body(claim)?);
    let task = state.orch.claim_task(id, &claim.assignee).await?;
    state.changes.bump();
    Ok(Json(task))
}

/// `POST /api/tasks/{id}/release`: hands a claimed task back to the pool.
pub(crate) async fn release(
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
) -> ApiResult<orch_core::Task> {
    let task = state.orch.release_task(task_id(id)?).await?;
    state.changes.bump();
    Ok(Json(task))
}

/// `POST /api/prd/preview` and `/api/prd/import` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PrdBody {
    content: String,
    project_id: Option<String>,
}

impl PrdBody {
    fn request(self) -> PrdRequest {
        PrdRequest {
            content: self.content,
            project_id: self.project_id.filter(|p| !p.trim().is_empty()),
            ..Default::default()
        }
    }
}

/// One draft of the preview.
#[derive(Debug, Serialize)]
pub(crate) struct DraftRow {
    key: String,
    title: String,
    priority: u8,
    tags: Vec<String>,
    depends_on: Vec<String>,
    confidence: f64,
    /// An earlier import created it: importing refreshes it instead of adding a task.
    exists: bool,
}

/// `POST /api/prd/preview` result.
#[derive(Debug, Serialize)]
pub(crate) struct Preview {
    project_id: String,
    title: Option<String>,
    confidence: f64,
    tasks: Vec<DraftRow>,
    skipped: usize,
    warnings: Vec<String>,
}

/// `POST /api/prd/preview`: what an import would create, changing nothing.
pub(crate) async fn prd_preview(
    State(state): State<AppState>,
    prd: Result<Json<PrdBody>, JsonRejection>,
) -> ApiResult<Preview> {
    let preview = state.orch.preview_prd(body(prd)?.request()).await?;
    let tasks = preview
        .parsed
        .tasks
        .iter()
        .map(|d| DraftRow {
            key: d.key.clone(),
            title: d.title.clone(),
            priority: d.priority,
            tags: d.tags.clone(),
            depends_on: d.depends_on.clone(),
            confidence: d.confidence,
            exists: preview.existing.contains(&d.key),
        })
        .collect();
    Ok(Json(Preview {
        project_id: preview.project_id,
        title: preview.parsed.title,
        confidence: preview.parsed.confidence,
        tasks,
        skipped: preview.parsed.skipped.len(),
        warnings: preview.parsed.warnings,
    }))
}

/// `POST /api/prd/import` result.
#[derive(Debug, Serialize)]
pub(crate) struct Imported {
    project_id: String,
    created: Vec<TaskId>,
    updated: Vec<TaskId>,
    unchanged: Vec<TaskId>,
    warnings: Vec<String>,
}

/// `POST /api/prd/import`: imports as `parse_prd` does (re-imports refresh instead of duplicating).
pub(crate) async fn prd_import(
    State(state): State<AppState>,
    prd: Result<Json<PrdBody>, JsonRejection>,
) -> ApiResult<Imported> {
    let import = state.orch.parse_prd(body(prd)?.request(), None).await?;
    state.changes.bump();
    let ids = |tasks: &[orch_core::Task]| tasks.iter().map(|t| t.id).collect();
    let mut warnings = import.parsed.warnings.clone();
    warnings.extend(import.warnings.iter().cloned());
    Ok(Json(Imported {
        project_id: import.project_id.clone(),
        created: ids(&import.created),
        updated: ids(&import.updated),
        unchanged: ids(&import.unchanged),
        warnings,
    }))
}
