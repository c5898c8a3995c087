//! `parse_prd`: parse a Markdown PRD, keep it, and turn its drafts into tasks without duplicating on re-import.

use std::collections::BTreeMap;
use std::sync::Arc;

use orch_core::{NewDocument, NewTask, Task, TaskId, TaskPatch, graph, validate};
use orch_expand::{LlmProvider, ProviderChoice};
use orch_prd::assist::{AssistOptions, ParseMode, ParserReport};
use orch_prd::{ParseOptions, ParsedPrd, TaskDraft};

use crate::{Error, Orchestrator, Result};

/// Progress reports: (steps done, total steps, what is happening).
pub type Progress = Arc<dyn Fn(u32, u32, &str) + Send + Sync>;

/// A PRD to import.
#[derive(Debug, Clone, Default)]
pub struct PrdRequest {
    /// Markdown content.
    pub content: String,
    /// Project for the generated tasks (default `default-project`).
    pub project_id: Option<String>,
    /// Parser switches and the confidence threshold.
    pub options: ParseOptions,
    /// Whether and how a model completes the parse (mode, model, token budgets).
    pub assist: AssistOptions,
    /// Which configured provider goes first (after it, the `auto` chain).
    pub provider: ProviderChoice,
}

/// The parsed PRD and what happened to its tasks.
#[derive(Debug, Clone)]
pub struct PrdImport {
    /// The parse result.
    pub parsed: ParsedPrd,
    /// Which parser or model produced it, tokens used, the cross-check.
    pub report: ParserReport,
    /// The project the tasks went into.
    pub project_id: String,
    /// Id of the stored document.
    pub document_id: i64,
    /// Tasks created by this import.
    pub created: Vec<Task>,
    /// Tasks from an earlier import of the same items that this import changed.
    pub updated: Vec<Task>,
    /// Tasks from an earlier import that already matched.
    pub unchanged: Vec<Task>,
    /// Things that could not be applied (e.g. a dependency an edit on the board now contradicts).
    pub warnings: Vec<String>,
}

impl PrdImport {
    /// Each draft's key and the task it is stored as (created, updated or unchanged by this import), so a caller
    /// can go straight from the PRD to the board.
    pub fn draft_task_ids(&self) -> BTreeMap<String, TaskId> {
        let by_key: BTreeMap<&str, TaskId> = self
            .created
            .iter()
            .chain(&self.updated)
            .chain(&self.unchanged)
            .filter_map(|t| Some((t.external_key.as_deref()?, t.id)))
            .collect();
        self.parsed.tasks.iter().filter_map(|d| Some((d.key.clone(), *by_key.get(external_key(d).as_str())?))).collect()
    }
}

/// External keys of PRD tasks are namespaced so they cannot collide with other importers.
pub(crate) fn external_key(draft: &TaskDraft) -> String {
    key_for(&draft.key)
}

/// The external key of the PRD item keyed `key` (a draft's own key or one it depends on).
fn key_for(key: &str) -> String {
    format!("prd:{key}")
}

fn draft_task(draft: &TaskDraft, project: &str) -> NewTask {
    let text = |s: &str| (!s.trim().is_empty()).then(|| s.to_string());
    NewTask {
        project_id: Some(project.to_string()),
        title: draft.title.chars().take(orch_core::limits::MAX_TITLE_CHARS).collect(),
        description: text(&draft.description),
        details: text(&draft.details),
        priority: draft.priority.min(4),
        tags: draft.tags.clone(),
        task_type: text(&draft.task_type),
        external_key: Some(external_key(draft)),
        ..Default::default()
    }
}

/// The patch that brings an earlier import up to date with the draft, or `None` when it already matches.
fn refresh(existing: &Task, wanted: &NewTask) -> Option<TaskPatch> {
    let mut patch = TaskPatch::default();
    if existing.title != wanted.title {
        patch.title = Some(wanted.title.clone());
    }
    if existing.description != wanted.description {
        patch.description = Some(wanted.description.clone().unwrap_or_default());
    }
    if existing.details != wanted.details {
        patch.details = Some(wanted.details.clone().unwrap_or_default());
    }
    if existing.priority != wanted.priority {
        patch.priority = Some(wanted.priority);
    }
    if existing.tags != wanted.tags {
        patch.tags = Some(wanted.tags.clone());
    }
    if existing.task_type != wanted.task_type {
        patch.task_type = Some(wanted.task_type.clone().unwrap_or_default());
    }
    (!patch.is_empty()).then_some(patch)
}

impl Orchestrator {
    /// Parses a PRD, stores it, and (with `generate_tasks`) creates its tasks with their dependencies in one
    /// transaction. Re-importing the same items into the same project updates the tasks made before instead of
    /// creating duplicates. Unless the mode is offline, a model completes the parse: `sampling` (the MCP client's
    /// model) first, then the configured providers, as for `expand_task`.
    pub async fn parse_prd(
        &self,
        request: PrdRequest,
        progress: Option<Progress>,
        sampling: Option<Arc<dyn LlmProvider>>,
    ) -> Result<PrdImport> {
        const STEPS: u32 = 4;
        let report = |done: u32, what: &str| {
            if let Some(p) = &progress {
                p(done, STEPS, what);
            }
        };
        let project = validate::project_id(request.project_id.as_deref())?;
        request.assist.validate()?;
        let options = request.options.clone();
        let content = request.content;
        let (offline, content) = tokio::task::spawn_blocking(move || {
            let parsed = orch_prd::parse_prd(&content, &options);
            (parsed, content)
        })
        .await
        .map_err(|e| Error::Internal(format!("the PRD parser failed: {e}")))?;
        let links = match request.assist.mode {
            ParseMode::Offline => Vec::new(),
            _ => self.expander.providers().links(request.provider, sampling),
        };
        let assisted = orch_prd::assist::assist(&content, offline?, &request.options, &request.assist, links).await?;
        let parsed = assisted.parsed;
        report(1, "parsed");

        let document = self
            .store
            .save_document(NewDocument {
                project_id: project.clone(),
                kind: "prd".into(),
                content_hash: parsed.content_hash.clone(),
                title: parsed.title.clone(),
                content,
                parsed: serde_json::to_value(&parsed).map_err(|e| Error::Internal(e.to_string()))?,
            })
            .await?;
        report(2, "stored the document");

        let mut import = PrdImport {
            parsed,
            report: assisted.report,
            project_id: project.clone(),
            document_id: document.id,
            created: Vec::new(),
            updated: Vec::new(),
            unchanged: Vec::new(),
            warnings: Vec::new(),
        };
        if !request.options.generate_tasks || import.parsed.tasks.is_empty() {
            report(STEPS, "done");
            return Ok(import);
        }
        let drafts = import.parsed.tasks.clone();
        let keys: Vec<String> = drafts.iter().map(external_key).collect();
        let mut by_key: BTreeMap<String, Task> = self
            .store
            .find_by_external_keys(&project, &keys)
            .await?
            .into_iter()
            .filter_map(|t| Some((t.external_key.clone()?, t)))
            .collect();

        // New drafts go in one batch, prerequisites first (the parser guarantees the draft graph is acyclic).
        let fresh: Vec<usize> = (0..drafts.len()).filter(|&i| !by_key.contains_key(&keys[i])).collect();
        let index_of: BTreeMap<&str, usize> = drafts.iter().enumerate().map(|(i, d)| (d.key.as_str(), i)).collect();
        let nodes: Vec<TaskId> = fresh.iter().map(|&i| TaskId(i as i64 + 1)).collect();
        let edges: Vec<(TaskId, TaskId)> = fresh
            .iter()
            .flat_map(|&i| {
                drafts[i]
                    .depends_on
                    .iter()
                    .filter_map(|k| index_of.get(k.as_str()))
                    .filter(|&&j| !by_key.contains_key(&keys[j]))
                    .map(move |&j| (TaskId(i as i64 + 1), TaskId(j as i64 + 1)))
            })
            .collect();
        let order: Vec<usize> = graph::topological_order(&nodes, &edges)
            .map_err(|cycle| Error::Internal(format!("the PRD parser produced a dependency cycle {cycle:?}")))?
            .into_iter()
            .map(|t| t.0 as usize - 1)
            .collect();
        let batch_position: BTreeMap<usize, usize> = order.iter().enumerate().map(|(pos, &i)| (i, pos)).collect();
        let batch: Vec<NewTask> = order
            .iter()
            .map(|&i| {
                let mut task = draft_task(&drafts[i], &project);
                task.dependencies = drafts[i]
                    .depends_on
                    .iter()
                    .filter_map(|k| index_of.get(k.as_str()).copied())
                    .filter_map(|j| match by_key.get(&keys[j]) {
                        Some(existing) => Some(existing.id),
                        None => batch_position.get(&j).map(|&pos| TaskId(-(pos as i64 + 1))),
                    })
                    .collect();
                task
            })
            .collect();
        if !batch.is_empty() {
            let created = self.store.create_tasks(validate::new_task_batch(batch)?).await?;
            for t in &created {
                if let Some(k) = &t.external_key {
                    by_key.insert(k.clone(), t.clone());
                }
            }
            import.created = created;
        }
        report(3, "created new tasks");

        // Earlier imports: refresh changed fields and add dependencies the PRD now states.
        for (i, draft) in drafts.iter().enumerate() {
            if fresh.contains(&i) {
                continue;
            }
            let Some(existing) = by_key.get(&keys[i]).cloned() else { continue };
            let mut patch = refresh(&existing, &draft_task(draft, &project)).unwrap_or_default();
            patch.add_dependencies = draft
                .depends_on
                .iter()
                .filter_map(|k| by_key.get(&key_for(k)).map(|t| t.id))
                .filter(|id| !existing.dependencies.contains(id))
                .collect();
            if patch.is_empty() {
                import.unchanged.push(existing);
                continue;
            }
            match self.store.update_task(existing.id, validate::task_patch(patch)?).await {
                Ok(t) => import.updated.push(t),
                Err(e) => {
                    import.warnings.push(format!("task #{} ({}) was not updated: {e}", existing.id, draft.key));
                    import.unchanged.push(existing);
                }
            }
        }
        report(STEPS, "done");
        Ok(import)
    }
}
