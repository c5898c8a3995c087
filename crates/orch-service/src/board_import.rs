//! Import and export of other tools' boards (Task Master, beads): parse with `orch-interop`, then create or refresh
//! tasks by external key so a re-import updates instead of duplicating.

use std::collections::{BTreeMap, BTreeSet};

use orch_core::{NewTask, Task, TaskId, TaskPatch, graph, validate};
use orch_interop::{Draft, Exported, Format, Parsed, STATUS_MARKERS, beads, taskmaster};

use crate::{Error, Orchestrator, Result};

/// A board file to import.
#[derive(Debug, Clone)]
pub struct BoardImportRequest {
    /// Which tool wrote it.
    pub format: Format,
    /// The file content.
    pub content: String,
    /// Project for the tasks (default `default-project`).
    pub project_id: Option<String>,
    /// Task Master tag to read (default `master`, or the file's only tag).
    pub tag: Option<String>,
}

/// What an import did with one item of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportAction {
    /// A new task was created.
    Created,
    /// The task from an earlier import was changed to match the file.
    Updated,
    /// The task from an earlier import already matched.
    Unchanged,
}

/// One item of the file and the task it is stored as.
#[derive(Debug, Clone)]
pub struct ImportedItem {
    /// The id the other tool shows (`2.1`, `bd-7`).
    pub source_id: String,
    /// The external key matching it on later imports.
    pub external_key: String,
    /// The task, after the import.
    pub task: Task,
    /// What happened.
    pub action: ImportAction,
}

/// The outcome of an import.
#[derive(Debug, Clone)]
pub struct BoardImport {
    /// The format read.
    pub format: Format,
    /// The project the tasks are in.
    pub project_id: String,
    /// Every item of the file, in file order.
    pub items: Vec<ImportedItem>,
    /// What in the file has no counterpart on the board (not imported).
    pub unmapped: Vec<String>,
    /// What could not be applied on the board (a dependency the board refuses, a moved parent).
    pub warnings: Vec<String>,
}

/// A board file to write.
#[derive(Debug, Clone)]
pub struct BoardExportRequest {
    /// Which tool's format.
    pub format: Format,
    /// The project to export.
    pub project_id: Option<String>,
    /// Task Master tag to write the tasks under (default `master`).
    pub tag: Option<String>,
    /// beads id prefix for tasks that did not come from beads (default `bd`).
    pub id_prefix: Option<String>,
}

/// Largest file an import reads; a bigger board is split by tag or project first.
pub const MAX_IMPORT_BYTES: usize = 64 << 20;

/// Keys are looked up in chunks so one query never carries thousands of parameters.
const KEY_CHUNK: usize = 500;

fn parse(request: &BoardImportRequest) -> Result<Parsed> {
    Ok(match request.format {
        Format::TaskMaster => taskmaster::parse(&request.content, request.tag.as_deref())?,
        Format::Beads => {
            if request.tag.is_some() {
                return Err(
                    orch_core::Error::invalid("tag", "tags are a Task Master notion; beads files have none").into()
                );
            }
            beads::parse(&request.content)?
        }
    })
}

/// The draft as a task of `project`, normalised like any input, so it compares equal to what the store returns.
fn normalised(draft: &Draft, project: &str) -> Result<NewTask> {
    let task = NewTask {
        project_id: Some(project.to_string()),
        title: draft.title.clone(),
        description: draft.description.clone(),
        details: draft.details.clone(),
        priority: draft.priority,
        tags: draft.tags.clone(),
        task_type: draft.task_type.clone(),
        estimated_hours: draft.estimated_hours,
        external_key: Some(draft.key.clone()),
        ..Default::default()
    };
    validate::new_task(task).map_err(|e| {
        Error::Domain(orch_core::Error::invalid("content", format!("item {} of the file: {e}", draft.source_id)))
    })
}

/// The tags a re-import leaves on a task: the file's own tags for formats that have them; otherwise the task's tags
/// with the status markers brought in line with the file.
fn wanted_tags(existing: &[String], wanted: &[String], carries_tags: bool) -> Vec<String> {
    if carries_tags {
        return wanted.to_vec();
    }
    let mut tags: Vec<String> = existing.iter().filter(|t| !STATUS_MARKERS.contains(&t.as_str())).cloned().collect();
    for t in wanted {
        if !tags.contains(t) {
            tags.push(t.clone());
        }
    }
    tags
}

fn refresh(existing: &Task, wanted: &NewTask, carries_tags: bool) -> TaskPatch {
    let mut patch = TaskPatch::default();
    let clear = |v: &Option<String>| Some(v.clone().unwrap_or_default());
    if existing.title != wanted.title {
        patch.title = Some(wanted.title.clone());
    }
    if existing.description != wanted.description {
        patch.description = clear(&wanted.description);
    }
    if existing.details != wanted.details {
        patch.details = clear(&wanted.details);
    }
    if existing.priority != wanted.priority {
        patch.priority = Some(wanted.priority);
    }
    let tags = wanted_tags(&existing.tags, &wanted.tags, carries_tags);
    if existing.tags != tags {
        patch.tags = Some(tags);
    }
    if wanted.task_type.is_some() && existing.task_type != wanted.task_type {
        patch.task_type = clear(&wanted.task_type);
    }
    if wanted.estimated_hours.is_some() && existing.estimated_hours != wanted.estimated_hours {
        patch.estimated_hours = wanted.estimated_hours;
    }
    patch
}

/// Orders the new drafts so parents and prerequisites come first, dropping dependency edges that close a cycle
/// (other tools do not all forbid them; the board does). Returns the order and the dropped edges.
fn creation_order(
    fresh: &[usize],
    parents: &BTreeMap<usize, usize>,
    deps: &BTreeMap<usize, Vec<usize>>,
) -> (Vec<usize>, Vec<(usize, usize)>) {
    let node = |i: usize| TaskId(i as i64 + 1);
    let nodes: Vec<TaskId> = fresh.iter().map(|&i| node(i)).collect();
    let is_fresh: BTreeSet<usize> = fresh.iter().copied().collect();
    let mut dep_edges: BTreeSet<(TaskId, TaskId)> = fresh
        .iter()
        .flat_map(|&i| {
            deps.get(&i).into_iter().flatten().filter(|j| is_fresh.contains(j)).map(move |&j| (node(i), node(j)))
        })
        .collect();
    let parent_edges: Vec<(TaskId, TaskId)> = fresh
        .iter()
        .filter_map(|&i| parents.get(&i).filter(|p| is_fresh.contains(p)).map(|&p| (node(i), node(p))))
        .collect();
    let mut dropped = Vec::new();
    loop {
        let edges: Vec<(TaskId, TaskId)> = dep_edges.iter().copied().chain(parent_edges.iter().copied()).collect();
        match graph::topological_order(&nodes, &edges) {
            Ok(order) => return (order.into_iter().map(|t| t.0 as usize - 1).collect(), dropped),
            Err(cycle) => {
                // Drop the first dependency edge on the cycle; parent links come from nesting and cannot cycle.
                let edge = cycle.windows(2).map(|w| (w[0], w[1])).find(|e| dep_edges.contains(e));
                let Some(edge) =
                    edge.or_else(|| cycle.windows(2).map(|w| (w[1], w[0])).find(|e| dep_edges.contains(e)))
                else {
                    return (fresh.to_vec(), dropped);
                };
                dep_edges.remove(&edge);
                dropped.push((edge.0.0 as usize - 1, edge.1.0 as usize - 1));
            }
        }
    }
}

impl Orchestrator {
    /// Imports a Task Master or beads file into a project. Items imported before (same external key) are updated to
    /// match the file — fields, status, and dependencies among the file's tasks — and never duplicated; new items
    /// are created in one transaction.
    pub async fn import_board(&self, request: BoardImportRequest) -> Result<BoardImport> {
        let project = validate::project_id(request.project_id.as_deref())?;
        if request.content.len() > MAX_IMPORT_BYTES {
            return Err(orch_core::Error::invalid(
                "content",
                format!("the file is {} bytes; the limit is {MAX_IMPORT_BYTES}", request.content.len()),
            )
            .into());
        }
        let parsed = {
            let request = request.clone();
            tokio::task::spawn_blocking(move || parse(&request))
                .await
                .map_err(|e| Error::Internal(format!("the import parser failed: {e}")))??
        };
        let drafts = &parsed.drafts;
        let wanted: Vec<NewTask> = drafts.iter().map(|d| normalised(d, &project)).collect::<Result<_>>()?;
        let index: BTreeMap<&str, usize> = drafts.iter().enumerate().map(|(i, d)| (d.key.as_str(), i)).collect();
        let parents: BTreeMap<usize, usize> =
            drafts.iter().enumerate().filter_map(|(i, d)| Some((i, *index.get(d.parent.as_deref()?)?))).collect();
        let deps: BTreeMap<usize, Vec<usize>> = drafts
            .iter()
            .enumerate()
            .map(|(i, d)| (i, d.depends_on.iter().filter_map(|k| index.get(k.as_str()).copied()).collect()))
            .collect();

        let keys: Vec<String> = drafts.iter().map(|d| d.key.clone()).collect();
        let mut found: BTreeMap<String, Task> = BTreeMap::new();
        for chunk in keys.chunks(KEY_CHUNK) {
            for t in self.store.find_by_external_keys(&project, chunk).await? {
                if let Some(k) = t.external_key.clone() {
                    found.insert(k, t);
                }
            }
        }
        let mut warnings = Vec::new();
        let mut stored: Vec<Option<(Task, ImportAction)>> = vec![None; drafts.len()];
        for (i, d) in drafts.iter().enumerate() {
            if let Some(t) = found.get(&d.key) {
                stored[i] = Some((t.clone(), ImportAction::Unchanged));
            }
        }

        // New items: one batch, parents and prerequisites first.
        let fresh: Vec<usize> = (0..drafts.len()).filter(|&i| stored[i].is_none()).collect();
        let (order, dropped) = creation_order(&fresh, &parents, &deps);
        for (from, to) in &dropped {
            warnings.push(format!(
                "{} depends on {} in a cycle; that dependency was not created (the board forbids cycles)",
                drafts[*from].source_id, drafts[*to].source_id
            ));
        }
        let position: BTreeMap<usize, usize> = order.iter().enumerate().map(|(p, &i)| (i, p)).collect();
        let reference = |j: usize, stored: &[Option<(Task, ImportAction)>]| match &stored[j] {
            Some((t, _)) => Some(t.id),
            None => position.get(&j).map(|&p| TaskId(-(p as i64 + 1))),
        };
        let batch: Vec<NewTask> = order
            .iter()
            .map(|&i| {
                let mut t = wanted[i].clone();
                t.parent_id = parents.get(&i).and_then(|&p| reference(p, &stored));
                t.dependencies = deps[&i]
                    .iter()
                    .filter(|&&j| !dropped.contains(&(i, j)))
                    .filter_map(|&j| reference(j, &stored))
                    .collect();
                t
            })
            .collect();
        if !batch.is_empty() {
            let created = self.store.create_tasks(validate::new_task_batch(batch)?).await?;
            for (&i, t) in order.iter().zip(created) {
                stored[i] = Some((t, ImportAction::Created));
            }
        }
        let id_of = |j: usize, stored: &[Option<(Task, ImportAction)>]| stored[j].as_ref().map(|(t, _)| t.id);

        // Earlier imports: bring fields and the file's dependencies up to date.
        for i in 0..drafts.len() {
            let Some((existing, ImportAction::Unchanged)) = stored[i].clone() else { continue };
            let mut patch = refresh(&existing, &wanted[i], parsed.carries_tags);
            let file_deps: BTreeSet<TaskId> = deps[&i].iter().filter_map(|&j| id_of(j, &stored)).collect();
            patch.add_dependencies = file_deps.iter().filter(|d| !existing.dependencies.contains(d)).copied().collect();
            // Edges to other tasks of this file that the file no longer lists go; edges people added to other
            // tasks stay.
            let from_file: BTreeSet<TaskId> = stored.iter().flatten().map(|(t, _)| t.id).collect();
            patch.remove_dependencies = existing
                .dependencies
                .iter()
                .filter(|d| from_file.contains(d) && !file_deps.contains(d))
                .copied()
                .collect();
            let wanted_parent = parents.get(&i).and_then(|&p| id_of(p, &stored));
            if wanted_parent != existing.parent_id {
                warnings.push(format!(
                    "{} has a different parent in the file; the board keeps task #{}'s parent (move it by hand)",
                    drafts[i].source_id, existing.id
                ));
            }
            if patch.is_empty() {
                continue;
            }
            match self.store.update_task(existing.id, validate::task_patch(patch)?).await {
                Ok(t) => stored[i] = Some((t, ImportAction::Updated)),
                Err(e) => {
                    warnings.push(format!("task #{} ({}) was not updated: {e}", existing.id, drafts[i].source_id))
                }
            }
        }

        // Statuses last, forced: the file's state is what is being imported, prerequisites included.
        for (i, d) in drafts.iter().enumerate() {
            let Some((task, action)) = stored[i].clone() else { continue };
            if task.status == d.status {
                continue;
            }
            match self.store.set_status(task.id, d.status, true).await {
                Ok(change) => {
                    let action = if action == ImportAction::Unchanged { ImportAction::Updated } else { action };
                    stored[i] = Some((change.task, action));
                }
                Err(e) => {
                    warnings.push(format!("task #{} ({}) kept status {}: {e}", task.id, d.source_id, task.status))
                }
            }
        }
        let items = drafts
            .iter()
            .zip(stored)
            .filter_map(|(d, s)| {
                let (task, action) = s?;
                Some(ImportedItem { source_id: d.source_id.clone(), external_key: d.key.clone(), task, action })
            })
            .collect();
        Ok(BoardImport { format: parsed.format, project_id: project, items, unmapped: parsed.notes, warnings })
    }

    /// Writes a project's tasks in another tool's format.
    pub async fn export_board(&self, request: BoardExportRequest) -> Result<Exported> {
        let project = validate::project_id(request.project_id.as_deref())?;
        let tasks = self.store.graph(Some(&project)).await?.tasks;
        Ok(match request.format {
            Format::TaskMaster => {
                let tag = request.tag.unwrap_or_else(|| taskmaster::DEFAULT_TAG.to_string());
                if tag.is_empty() || !tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                    return Err(orch_core::Error::invalid(
                        "tag",
                        format!("'{tag}' is not a Task Master tag; use letters, digits, '-' and '_'"),
                    )
                    .into());
                }
                let description = format!("Exported from task-orchestrator project '{project}'");
                taskmaster::export(&tasks, &taskmaster::ExportOptions { tag, description })
            }
            Format::Beads => {
                let prefix = request.id_prefix.unwrap_or_else(|| "bd".to_string());
                if prefix.is_empty() || !prefix.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                    return Err(orch_core::Error::invalid(
                        "prefix",
                        format!("'{prefix}' is not a beads id prefix; use letters, digits, '-' and '_'"),
                    )
                    .into());
                }
                beads::export(&tasks, &prefix)
            }
        })
    }
}
