//! What the page shows, assembled from the service's data: cards for the kanban board, the drawn graph with its
//! critical path, and a task's detail.

use std::collections::{BTreeMap, HashMap, HashSet};

use orch_core::{Analysis, CommitLink, Execution, GraphData, Status, Task, TaskId};
use serde::Serialize;

use crate::layout::{self, Layout};

/// Most tasks drawn in the graph; larger boards draw the unfinished ones first and say so.
pub const MAX_GRAPH_NODES: usize = 300;

/// A task as a kanban card.
#[derive(Debug, Clone, Serialize)]
pub struct Card {
    id: TaskId,
    title: String,
    status: Status,
    priority: u8,
    tags: Vec<String>,
    assignee: Option<String>,
    parent_id: Option<TaskId>,
    task_type: Option<String>,
    dependencies: Vec<TaskId>,
    /// Tasks that depend on this one.
    dependents: usize,
    /// Prerequisites not completed yet.
    unfinished_dependencies: usize,
    /// Pending, unclaimed, every prerequisite completed: an agent could start it now.
    ready: bool,
    estimated_hours: Option<f64>,
}

/// The drawn dependency graph.
#[derive(Debug, Clone, Serialize)]
pub struct GraphView {
    layout: Layout,
    /// Edges drawn, as (task, prerequisite).
    edges: Vec<(TaskId, TaskId)>,
    /// Edges on the critical path, as (task, prerequisite).
    critical_edges: Vec<(TaskId, TaskId)>,
    /// Tasks on the critical path, first prerequisite first.
    critical_path: Vec<TaskId>,
    /// Hours along the critical path.
    critical_hours: f64,
    /// Why some tasks are not drawn, when they are not.
    note: Option<String>,
}

/// The board of one project.
#[derive(Debug, Clone, Serialize)]
pub struct Board {
    project: String,
    projects: Vec<ProjectEntry>,
    cards: Vec<Card>,
    graph: GraphView,
}

/// A project in the switcher.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectEntry {
    id: String,
    tasks: u64,
}

fn cards(data: &GraphData) -> Vec<Card> {
    let status: HashMap<TaskId, Status> = data.tasks.iter().map(|t| (t.id, t.status)).collect();
    let mut dependents: HashMap<TaskId, usize> = HashMap::new();
    for (_, prereq) in &data.edges {
        *dependents.entry(*prereq).or_default() += 1;
    }
    data.tasks
        .iter()
        .map(|t| {
            // A prerequisite outside the project cannot exist (stores refuse it), so a missing one counts as open.
            let unfinished =
                t.dependencies.iter().filter(|d| status.get(d).is_none_or(|s| *s != Status::Completed)).count();
            Card {
                id: t.id,
                title: t.title.clone(),
                status: t.status,
                priority: t.priority,
                tags: t.tags.clone(),
                assignee: t.assignee.clone(),
                parent_id: t.parent_id,
                task_type: t.task_type.clone(),
                dependencies: t.dependencies.clone(),
                dependents: dependents.get(&t.id).copied().unwrap_or(0),
                unfinished_dependencies: unfinished,
                ready: t.status == Status::Pending && t.assignee.is_none() && unfinished == 0,
                estimated_hours: t.estimated_hours,
            }
        })
        .collect()
}

/// Whether `task` matches a search: its id (`7` or `#7`), or text in its title, tags or assignee.
pub fn matches(task: &Task, query: &str) -> bool {
    let q = query.trim().trim_start_matches('#').to_lowercase();
    if q.is_empty() {
        return true;
    }
    task.id.to_string() == q
        || task.title.to_lowercase().contains(&q)
        || task.tags.iter().any(|t| t.to_lowercase().contains(&q))
        || task.assignee.as_deref().is_some_and(|a| a.to_lowercase().contains(&q))
}

fn graph_view(data: &GraphData, focus: &str) -> GraphView {
    // The critical path runs through unfinished work, weighted by estimate (an hour when there is none).
    let open: BTreeMap<TaskId, f64> = data
        .tasks
        .iter()
        .filter(|t| t.status != Status::Completed)
        .map(|t| (t.id, t.estimated_hours.unwrap_or(1.0)))
        .collect();
    let open_edges: Vec<(TaskId, TaskId)> =
        data.edges.iter().filter(|(t, p)| open.contains_key(t) && open.contains_key(p)).copied().collect();
    let critical = orch_core::graph::critical_path(&open, &open_edges)
        .unwrap_or(orch_core::graph::CriticalPath { path: Vec::new(), length: 0.0 });

    let candidates: Vec<&Task> = data.tasks.iter().filter(|t| matches(t, focus)).collect();
    let mut note = None;
    let shown: Vec<&Task> = if candidates.len() > MAX_GRAPH_NODES {
        let on_path: HashSet<TaskId> = critical.path.iter().copied().collect();
        let mut ranked = candidates.clone();
        // Critical path first, then unfinished work, then the rest; by id within each.
        ranked.sort_by_key(|t| (!on_path.contains(&t.id), t.status == Status::Completed, t.id));
        ranked.truncate(MAX_GRAPH_NODES);
        ranked.sort_by_key(|t| t.id);
        note = Some(format!(
            "Showing {MAX_GRAPH_NODES} of {} tasks (critical path and unfinished work first). Search to narrow the \
             graph.",
            candidates.len()
        ));
        ranked
    } else {
        candidates
    };
    let ids: Vec<TaskId> = shown.iter().map(|t| t.id).collect();
    let drawn: HashSet<TaskId> = ids.iter().copied().collect();
    let edges: Vec<(TaskId, TaskId)> =
        data.edges.iter().filter(|(t, p)| drawn.contains(t) && drawn.contains(p)).copied().collect();
    let critical_edges = critical.path.windows(2).map(|w| (w[1], w[0])).filter(|e| edges.contains(e)).collect();
    GraphView {
        layout: layout::layered(&ids, &edges),
        edges,
        critical_edges,
        critical_path: critical.path,
        critical_hours: critical.length,
        note,
    }
}

/// The board of `project` out of its graph; `focus` narrows the drawn graph like the search box.
pub fn board(project: String, projects: Vec<(String, u64)>, data: &GraphData, focus: &str) -> Board {
    Board {
        project,
        projects: projects.into_iter().map(|(id, tasks)| ProjectEntry { id, tasks }).collect(),
        cards: cards(data),
        graph: graph_view(data, focus),
    }
}

/// Another task as the detail panel lists it.
#[derive(Debug, Clone, Serialize)]
pub struct TaskLink {
    id: TaskId,
    title: String,
    status: Status,
}

impl From<&Task> for TaskLink {
    fn from(t: &Task) -> Self {
        TaskLink { id: t.id, title: t.title.clone(), status: t.status }
    }
}

/// Everything the detail panel shows about a task.
#[derive(Debug, Clone, Serialize)]
pub struct Detail {
    task: Task,
    dependencies: Vec<TaskLink>,
    dependents: Vec<TaskLink>,
    subtasks: Vec<TaskLink>,
    commits: Vec<CommitLink>,
    executions: Vec<Execution>,
    /// The most recent complexity analysis.
    complexity: Option<Analysis>,
    ready: bool,
}

/// The detail of `task` given its project's graph and its records.
pub fn detail(
    task: Task,
    project: &GraphData,
    commits: Vec<CommitLink>,
    executions: Vec<Execution>,
    analyses: Vec<Analysis>,
) -> Detail {
    let by_id: HashMap<TaskId, &Task> = project.tasks.iter().map(|t| (t.id, t)).collect();
    let dependencies: Vec<TaskLink> =
        task.dependencies.iter().filter_map(|d| by_id.get(d)).map(|t| TaskLink::from(*t)).collect();
    let dependents = project
        .edges
        .iter()
        .filter(|(_, p)| *p == task.id)
        .filter_map(|(t, _)| by_id.get(t))
        .map(|t| TaskLink::from(*t))
        .collect();
    let subtasks = project.tasks.iter().filter(|t| t.parent_id == Some(task.id)).map(TaskLink::from).collect();
    let complexity = analyses.into_iter().rev().find(|a| a.kind == "complexity");
    let ready = task.status == Status::Pending
        && task.assignee.is_none()
        && dependencies.iter().all(|d| d.status == Status::Completed);
    Detail { task, dependencies, dependents, subtasks, commits, executions, complexity, ready }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn task(id: i64, status: Status, deps: &[i64]) -> Task {
        Task {
            status,
            dependencies: deps.iter().map(|d| TaskId(*d)).collect(),
            tags: vec!["web".into()],
            ..orch_core::testkit::task(id, &format!("task {id}"))
        }
    }

    fn graph(tasks: Vec<Task>) -> GraphData {
        let mut edges: Vec<(TaskId, TaskId)> =
            tasks.iter().flat_map(|t| t.dependencies.iter().map(move |d| (t.id, *d))).collect();
        edges.sort();
        GraphData { tasks, edges }
    }

    #[test]
    fn cards_mark_ready_tasks_and_count_edges() {
        let g = graph(vec![
            task(1, Status::Completed, &[]),
            task(2, Status::Pending, &[1]),
            task(3, Status::Pending, &[2]),
        ]);
        let b = board("p".into(), vec![("p".into(), 3)], &g, "");
        let json = serde_json::to_value(&b).unwrap();
        let cards = json["cards"].as_array().unwrap();
        assert_eq!(cards[1]["ready"], true);
        assert_eq!(cards[2]["ready"], false);
        assert_eq!(cards[2]["unfinished_dependencies"], 1);
        assert_eq!(cards[0]["dependents"], 1);
        assert_eq!(json["graph"]["critical_path"], serde_json::json!([2, 3]));
        assert_eq!(json["graph"]["critical_edges"], serde_json::json!([[3, 2]]));
        assert_eq!(json["graph"]["edges"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn big_graphs_are_capped_with_a_note_and_search_narrows_them() {
        let tasks: Vec<Task> = (1..=400).map(|i| task(i, Status::Pending, if i > 1 { &[1] } else { &[] })).collect();
        let g = graph(tasks);
        let b = serde_json::to_value(board("p".into(), vec![], &g, "")).unwrap();
        assert_eq!(b["graph"]["layout"]["nodes"].as_array().unwrap().len(), MAX_GRAPH_NODES);
        assert!(b["graph"]["note"].as_str().unwrap().contains("of 400"));
        let narrowed = serde_json::to_value(board("p".into(), vec![], &g, "task 39")).unwrap();
        assert_eq!(narrowed["graph"]["layout"]["nodes"].as_array().unwrap().len(), 11, "39 and 390-399");
        assert!(narrowed["graph"]["note"].is_null());
        assert_eq!(b["cards"].as_array().unwrap().len(), 400, "the board itself is not capped");
    }

    #[test]
    fn search_matches_ids_titles_tags_and_assignees() {
        let mut t = task(12, Status::Pending, &[]);
        t.assignee = Some("Agent-7".into());
        assert!(matches(&t, "#12") && matches(&t, "12") && matches(&t, "TASK") && matches(&t, "agent-7"));
        assert!(matches(&t, "we") && matches(&t, "  "));
        assert!(!matches(&t, "3") && !matches(&t, "nothing"), "a number is an id or part of a title");
    }

    #[test]
    fn detail_lists_neighbours_with_their_status() {
        let mut sub = task(3, Status::Pending, &[]);
        sub.parent_id = Some(TaskId(2));
        let g = graph(vec![
            task(1, Status::Completed, &[]),
            task(2, Status::Pending, &[1]),
            sub,
            task(4, Status::Blocked, &[2]),
        ]);
        let d = serde_json::to_value(detail(g.tasks[1].clone(), &g, vec![], vec![], vec![])).unwrap();
        assert_eq!(d["dependencies"][0]["status"], "completed");
        assert_eq!(d["dependents"][0]["id"], 4);
        assert_eq!(d["subtasks"][0]["id"], 3);
        assert_eq!(d["ready"], true);
    }
}
