//! The everyday views and verbs: `ready`, `blocked`, `start`, `done`, `tree`, `search`, and what `show` and
//! `list` add to their tools (related tasks' statuses, readiness filters, sorting).

use std::collections::{BTreeMap, HashMap};
use std::process::ExitCode;

use anyhow::{Result, anyhow};
use clap::{Args, ValueEnum};
use orch_core::select::Constraints;
use orch_mcp::dto::*;
use orch_mcp::tools;
use orch_service::{NextTaskRequest, Orchestrator};
use serde::Serialize;

use super::print_json;
use crate::human::{self, Related, priority_cell, status, status_cell};
use crate::outln;
use crate::output::{Grid, Tone, paint, priority_tone, status_tone, style};
use crate::words::cli_words;

/// Every task in scope, by id, from the graph tool (one read of the board).
pub struct Snapshot {
    /// The tasks, ascending id.
    pub tasks: Vec<TaskDto>,
    index: HashMap<i64, usize>,
}

impl Snapshot {
    /// Reads the tasks of a project (all projects when `None`): the whole graph, not the tool's bounded one.
    pub async fn load(orch: &Orchestrator, project: Option<String>) -> Result<Self> {
        let graph = orch
            .task_graph(project, orch_service::GraphFormat::Json)
            .await
            .map_err(|e| anyhow!(cli_words(&orch_mcp::ToolError::from(e).message)))?;
        let tasks: Vec<TaskDto> = graph.data.tasks.into_iter().map(TaskDto::from).collect();
        let index = tasks.iter().enumerate().map(|(i, t)| (t.id, i)).collect();
        Ok(Snapshot { tasks, index })
    }

    /// One task.
    pub fn get(&self, id: i64) -> Option<&TaskDto> {
        self.index.get(&id).map(|&i| &self.tasks[i])
    }

    /// A task's dependencies that are not completed.
    pub fn unfinished_dependencies(&self, t: &TaskDto) -> Vec<&TaskDto> {
        t.dependencies.iter().filter_map(|d| self.get(*d)).filter(|d| d.status != StatusDto::Completed).collect()
    }

    /// Pending with every dependency completed.
    pub fn is_ready(&self, t: &TaskDto) -> bool {
        t.status == StatusDto::Pending && self.unfinished_dependencies(t).is_empty()
    }

    /// Marked blocked, or not completed and waiting on unfinished dependencies.
    pub fn is_blocked(&self, t: &TaskDto) -> bool {
        t.status == StatusDto::Blocked
            || (t.status != StatusDto::Completed && !self.unfinished_dependencies(t).is_empty())
    }

    /// The tasks around one task.
    pub fn related(&self, id: i64) -> Related<'_> {
        let Some(task) = self.get(id) else {
            return Related { subtasks: Vec::new(), dependencies: Vec::new(), dependents: Vec::new() };
        };
        Related {
            subtasks: self.tasks.iter().filter(|t| t.parent_id == Some(id)).collect(),
            dependencies: task.dependencies.iter().filter_map(|d| self.get(*d)).collect(),
            dependents: self.tasks.iter().filter(|t| t.dependencies.contains(&id)).collect(),
        }
    }
}

/// Arguments of `ready`.
#[derive(Debug, Args)]
pub struct ReadyArgs {
    /// Only this project (default: every project on the board).
    #[arg(long)]
    pub project: Option<String>,
    /// At most this many tasks.
    #[arg(long)]
    pub limit: Option<usize>,
}

/// One ready task in `ready --json`.
#[derive(Debug, Serialize)]
struct ReadyTask {
    id: i64,
    title: String,
    project_id: String,
    priority: u8,
    /// The `get_next_task` score, 0-1.
    overall_score: f64,
    /// Hours expected (after calibration by history).
    expected_hours: f64,
    code_language: Option<String>,
}

/// `ready`: every task ready to start, ranked as `next` ranks them.
pub async fn ready(orch: &Orchestrator, args: ReadyArgs, json: bool) -> Result<ExitCode> {
    let projects: Vec<String> = match args.project {
        Some(p) => vec![p],
        None => {
            let snapshot = Snapshot::load(orch, None).await?;
            let mut ps: Vec<String> = snapshot.tasks.iter().map(|t| t.project_id.clone()).collect();
            ps.sort();
            ps.dedup();
            ps
        }
    };
    let mut ready = Vec::new();
    for project_id in projects {
        // Complexity does not make a task less ready: no cap beyond the scale's top.
        let constraints = Constraints { max_complexity: 10.0, max_complexity_limit: 10.0, ..Default::default() };
        let request = NextTaskRequest { project_id: project_id.clone(), constraints, claim: false, assignee: None };
        let report = orch.get_next_task(request).await.map_err(|e| anyhow!(cli_words(&e.to_string())))?;
        ready.extend(report.selection.ranked().map(|t| ReadyTask {
            id: t.id.0,
            title: t.title.clone(),
            project_id: project_id.clone(),
            priority: t.priority,
            overall_score: t.overall_score,
            expected_hours: t.expected_hours,
            code_language: t.code_language.clone(),
        }));
    }
    ready.sort_by(|a, b| b.overall_score.total_cmp(&a.overall_score).then(a.id.cmp(&b.id)));
    ready.truncate(args.limit.unwrap_or(usize::MAX));
    if json {
        print_json(&serde_json::json!({ "count": ready.len(), "tasks": ready }))?;
        return Ok(ExitCode::SUCCESS);
    }
    if ready.is_empty() {
        human::note("Nothing is ready to start: every pending task waits on unfinished work (see `blocked`).");
        return Ok(ExitCode::SUCCESS);
    }
    let mut g = Grid::new(&["id", "pri", "score", "hours", "title", "lang", "project"]);
    for t in &ready {
        g.toned(vec![
            (format!("#{}", t.id), Tone::Plain),
            priority_cell(t.priority),
            (format!("{:.2}", t.overall_score), Tone::Plain),
            (format!("{:.1}", t.expected_hours), Tone::Plain),
            (t.title.clone(), Tone::Plain),
            (t.code_language.clone().unwrap_or_default(), Tone::Plain),
            (t.project_id.clone(), Tone::Plain),
        ]);
    }
    g.print();
    human::note(&format!("{} task(s) ready; `task-orchestrator start ID` begins one.", ready.len()));
    Ok(ExitCode::SUCCESS)
}

/// A task waited on, in `blocked --json`.
#[derive(Debug, Serialize)]
struct Waited {
    id: i64,
    title: String,
    status: StatusDto,
}

/// A waiting task in `blocked --json`.
#[derive(Debug, Serialize)]
struct Waiting {
    id: i64,
    title: String,
    status: StatusDto,
    priority: u8,
    project_id: String,
    waiting_on: Vec<Waited>,
}

/// `blocked`: tasks waiting, with what they wait on and its status.
pub async fn blocked(orch: &Orchestrator, project: Option<String>, json: bool) -> Result<ExitCode> {
    let snapshot = Snapshot::load(orch, project).await?;
    let waiting: Vec<Waiting> = snapshot
        .tasks
        .iter()
        .filter(|t| snapshot.is_blocked(t))
        .map(|t| Waiting {
            id: t.id,
            title: t.title.clone(),
            status: t.status,
            priority: t.priority,
            project_id: t.project_id.clone(),
            waiting_on: snapshot
                .unfinished_dependencies(t)
                .into_iter()
                .map(|d| Waited { id: d.id, title: d.title.clone(), status: d.status })
                .collect(),
        })
        .collect();
    if json {
        print_json(&serde_json::json!({ "count": waiting.len(), "tasks": waiting }))?;
        return Ok(ExitCode::SUCCESS);
    }
    if waiting.is_empty() {
        human::note("Nothing is blocked.");
        return Ok(ExitCode::SUCCESS);
    }
    let mut g = Grid::new(&["id", "status", "pri", "title", "waits on"]);
    for w in &waiting {
        let on: Vec<String> = w.waiting_on.iter().map(|d| format!("#{} {}", d.id, status(d.status))).collect();
        let on = if on.is_empty() { "(marked blocked)".to_string() } else { on.join(", ") };
        g.toned(vec![
            (format!("#{}", w.id), Tone::Plain),
            status_cell(w.status),
            priority_cell(w.priority),
            (w.title.clone(), Tone::Plain),
            (on, Tone::Plain),
        ]);
    }
    g.print();
    Ok(ExitCode::SUCCESS)
}

/// `start ID…` and `done ID…`: one status change per id, in order; the exit status is 1 if any was refused.
pub async fn set_status(
    orch: &Orchestrator,
    ids: &[i64],
    target: StatusDto,
    force: bool,
    json: bool,
) -> Result<ExitCode> {
    let mut results = Vec::new();
    let mut errors = Vec::new();
    for &id in ids {
        let p = UpdateTaskStatusParams { task_id: id, status: target, force };
        match tools::update_task_status(orch, p).await {
            Ok(r) => {
                if !json {
                    outln!("{}", r.message);
                }
                results.push(r);
            }
            Err(e) => {
                let message = cli_words(&e.message);
                if !json {
                    eprintln!("error: {message}");
                }
                errors.push(serde_json::json!({ "task_id": id, "message": message }));
            }
        }
    }
    // Completing work releases its dependents: say which became ready, as the next thing to pick up.
    let mut now_ready: Vec<(i64, String)> = Vec::new();
    if target == StatusDto::Completed && !results.is_empty() {
        let done: Vec<i64> = results.iter().map(|r| r.task.id).collect();
        let snapshot = Snapshot::load(orch, None).await?;
        now_ready = snapshot
            .tasks
            .iter()
            .filter(|t| t.dependencies.iter().any(|d| done.contains(d)) && snapshot.is_ready(t))
            .map(|t| (t.id, t.title.clone()))
            .collect();
    }
    if json {
        let ready: Vec<i64> = now_ready.iter().map(|(id, _)| *id).collect();
        print_json(&serde_json::json!({ "results": results, "errors": errors, "now_ready": ready }))?;
    } else if !now_ready.is_empty() {
        let names: Vec<String> = now_ready.iter().map(|(id, title)| format!("#{id} \"{title}\"")).collect();
        outln!("Now ready: {}.", names.join(", "));
    }
    Ok(if errors.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// Arguments of `tree`.
#[derive(Debug, Args)]
pub struct TreeArgs {
    /// Only this task and its subtasks (default: every task).
    pub id: Option<i64>,
    /// Only this project.
    #[arg(long)]
    pub project: Option<String>,
}

/// One node of `tree --json`.
#[derive(Debug, Serialize)]
struct Node {
    id: i64,
    title: String,
    status: StatusDto,
    priority: u8,
    dependencies: Vec<Waited>,
    subtasks: Vec<Node>,
}

/// `tree`: parents, subtasks and dependencies as an indented tree with statuses.
pub async fn tree(orch: &Orchestrator, args: TreeArgs, json: bool) -> Result<ExitCode> {
    let project = match (args.id, args.project) {
        (_, Some(p)) => Some(p),
        (Some(id), None) => {
            let p = GetTaskParams { task_id: id, include_executions: false, include_analysis: false };
            let task = tools::get_task(orch, p).await.map_err(|e| anyhow!(cli_words(&e.message)))?;
            Some(task.task.project_id)
        }
        (None, None) => None,
    };
    let snapshot = Snapshot::load(orch, project).await?;
    let mut children: BTreeMap<Option<i64>, Vec<i64>> = BTreeMap::new();
    for t in &snapshot.tasks {
        // A subtask whose parent is out of scope is shown as a root.
        let parent = t.parent_id.filter(|p| snapshot.get(*p).is_some());
        children.entry(parent).or_default().push(t.id);
    }
    let roots: Vec<i64> = match args.id {
        Some(id) if snapshot.get(id).is_some() => vec![id],
        Some(id) => return Err(anyhow!("task #{id} does not exist; `task-orchestrator list` shows the ids that do")),
        None => children.get(&None).cloned().unwrap_or_default(),
    };
    if json {
        fn node(s: &Snapshot, children: &BTreeMap<Option<i64>, Vec<i64>>, id: i64) -> Option<Node> {
            let t = s.get(id)?;
            Some(Node {
                id,
                title: t.title.clone(),
                status: t.status,
                priority: t.priority,
                dependencies: t
                    .dependencies
                    .iter()
                    .filter_map(|d| s.get(*d))
                    .map(|d| Waited { id: d.id, title: d.title.clone(), status: d.status })
                    .collect(),
                subtasks: children.get(&Some(id)).into_iter().flatten().filter_map(|c| node(s, children, *c)).collect(),
            })
        }
        let nodes: Vec<Node> = roots.iter().filter_map(|r| node(&snapshot, &children, *r)).collect();
        print_json(&serde_json::json!({ "tasks": nodes }))?;
        return Ok(ExitCode::SUCCESS);
    }
    if roots.is_empty() {
        human::note("The board is empty; `task-orchestrator add TITLE` or `task-orchestrator prd FILE` fills it.");
    }
    let mut lines = Vec::new();
    for (i, root) in roots.iter().enumerate() {
        tree_lines(&snapshot, &children, *root, "", true, i + 1 == roots.len(), &mut lines);
    }
    for line in lines {
        outln!("{line}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Renders one task and its subtasks. `prefix` is the indentation of the parent's children, `is_root` a task drawn
/// without a branch, `last` whether it is its parent's last child.
fn tree_lines(
    s: &Snapshot,
    children: &BTreeMap<Option<i64>, Vec<i64>>,
    id: i64,
    prefix: &str,
    is_root: bool,
    last: bool,
    out: &mut Vec<String>,
) {
    let Some(t) = s.get(id) else { return };
    let boxes = style().tables;
    let branch = match (is_root, boxes, last) {
        (true, _, _) => "",
        (false, true, true) => "└── ",
        (false, true, false) => "├── ",
        (false, false, _) => "  ",
    };
    let deps: Vec<String> =
        t.dependencies.iter().filter_map(|d| s.get(*d)).map(|d| format!("#{} {}", d.id, status(d.status))).collect();
    let needs = if deps.is_empty() { String::new() } else { format!("  needs {}", deps.join(", ")) };
    let pri = if t.priority > 0 { format!(" P{}", t.priority) } else { String::new() };
    let head = format!("{prefix}{branch}#{} ", t.id);
    let st = status(t.status);
    // Cut the title, not the statuses, when the line is wider than the terminal.
    let fixed = head.chars().count() + st.len() + 1 + pri.len() + needs.chars().count();
    let room = usize::from(style().width).saturating_sub(fixed).max(12);
    let title = if boxes { cut(&t.title, room) } else { t.title.clone() };
    out.push(format!(
        "{head}{} {title}{}{}",
        paint(st, status_tone(st)),
        paint(&pri, priority_tone(t.priority)),
        paint(&needs, Tone::Dim)
    ));
    let kids = children.get(&Some(id)).cloned().unwrap_or_default();
    let child_prefix = match (is_root, boxes, last) {
        (true, _, _) => String::new(),
        (false, true, true) => format!("{prefix}    "),
        (false, true, false) => format!("{prefix}│   "),
        (false, false, _) => format!("{prefix}  "),
    };
    for (i, k) in kids.iter().enumerate() {
        tree_lines(s, children, *k, &child_prefix, false, i + 1 == kids.len(), out);
    }
}

/// At most `room` characters, the last one `…` when cut.
fn cut(text: &str, room: usize) -> String {
    if text.chars().count() <= room {
        return text.to_string();
    }
    let mut s: String = text.chars().take(room.saturating_sub(1)).collect();
    s.push('…');
    s
}

/// Arguments of `search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Words to find in titles, descriptions and details (all must occur; a word also matches as a prefix).
    #[arg(required = true, num_args = 1..)]
    pub text: Vec<String>,
    /// Only this project.
    #[arg(long)]
    pub project: Option<String>,
    /// At most this many tasks (1-500, default 50).
    #[arg(long)]
    pub limit: Option<u32>,
}

/// `search TEXT`: full-text search, best match first.
pub async fn search(orch: &Orchestrator, args: SearchArgs, json: bool) -> Result<ExitCode> {
    let query = args.text.join(" ");
    let found = match orch.search_tasks(args.project.as_deref(), &query, args.limit).await {
        Ok(found) => found,
        Err(e) => {
            eprintln!("error: {}", cli_words(&orch_mcp::ToolError::from(e).message));
            return Ok(ExitCode::from(1));
        }
    };
    let tasks: Vec<TaskDto> = found.into_iter().map(TaskDto::from).collect();
    if json {
        print_json(&serde_json::json!({ "query": query, "count": tasks.len(), "tasks": tasks }))?;
        return Ok(ExitCode::SUCCESS);
    }
    if tasks.is_empty() {
        human::note(&format!("No task mentions {query:?}."));
    } else {
        human::task_rows(&tasks.iter().collect::<Vec<_>>()).print();
    }
    Ok(ExitCode::SUCCESS)
}

/// `list --sort`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortKey {
    /// Ascending id (the default).
    Id,
    /// Highest priority first, then id.
    Priority,
    /// By status (in_progress, pending, blocked, completed), then id.
    Status,
}

/// `list` with `--ready`, `--blocked` or `--sort`: the whole filtered listing, narrowed and sorted here, then paged.
pub async fn list_narrowed(
    orch: &Orchestrator,
    mut p: ListTasksParams,
    ready: bool,
    blocked: bool,
    sort: SortKey,
) -> Result<Result<ListTasksResult, orch_mcp::ToolError>> {
    let (limit, offset) = (p.limit, p.offset.unwrap_or(0));
    let include_metrics = p.include_metrics;
    p.limit = Some(orch_core::limits::MAX_PAGE_SIZE);
    p.include_metrics = false;
    let mut all = Vec::new();
    let mut next = Some(0);
    while let Some(at) = next {
        p.offset = Some(at);
        let page = match tools::list_tasks(orch, p.clone()).await {
            Ok(page) => page,
            Err(e) => return Ok(Err(e)),
        };
        next = page.next_offset;
        all.extend(page.tasks);
    }
    if ready || blocked {
        let snapshot = Snapshot::load(orch, p.project_id.clone()).await?;
        all.retain(|t| {
            let Some(t) = snapshot.get(t.id) else { return false };
            (!ready || snapshot.is_ready(t)) && (!blocked || snapshot.is_blocked(t))
        });
    }
    let rank = |s: StatusDto| match s {
        StatusDto::InProgress => 0,
        StatusDto::Pending => 1,
        StatusDto::Blocked => 2,
        StatusDto::Completed => 3,
    };
    match sort {
        SortKey::Id => {}
        SortKey::Priority => all.sort_by(|a, b| b.priority.cmp(&a.priority).then(a.id.cmp(&b.id))),
        SortKey::Status => all.sort_by(|a, b| rank(a.status).cmp(&rank(b.status)).then(a.id.cmp(&b.id))),
    }
    let count = all.len() as u64;
    let limit = limit.unwrap_or(orch_core::limits::DEFAULT_PAGE_SIZE);
    if limit == 0 || limit > orch_core::limits::MAX_PAGE_SIZE {
        return Ok(Err(orch_mcp::ToolError::invalid(format!(
            "invalid --limit: {limit} is out of range; use 1 to {}",
            orch_core::limits::MAX_PAGE_SIZE
        ))));
    }
    let tasks: Vec<TaskDto> = all.into_iter().skip(offset as usize).take(limit as usize).collect();
    let end = offset + tasks.len() as u64;
    let metrics = if include_metrics {
        p.offset = None;
        p.limit = Some(1);
        p.include_metrics = true;
        match tools::list_tasks(orch, p).await {
            Ok(r) => r.metrics,
            Err(e) => return Ok(Err(e)),
        }
    } else {
        None
    };
    Ok(Ok(ListTasksResult { tasks, count, limit, offset, next_offset: (end < count).then_some(end), metrics }))
}

/// `show`: the task, then its dependencies, subtasks and dependents with their statuses.
pub async fn show(orch: &Orchestrator, r: &GetTaskResult) -> Result<()> {
    let snapshot = Snapshot::load(orch, Some(r.task.project_id.clone())).await?;
    human::show(r, &snapshot.related(r.task.id));
    Ok(())
}
