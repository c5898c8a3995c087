//! Bounded graph reads. A graph of a whole board grows with it (100,000 tasks were 99 MB of JSON), so a read names
//! its scope (project, status, a root task's neighbourhood) and holds at most `limit` tasks; past that it is
//! truncated, unfinished work first, and says so.

use std::collections::{BTreeSet, HashMap, VecDeque};

use orch_core::{GraphData, Status, TaskId, validate};

use crate::{GraphFormat, Orchestrator, Result, TaskGraph, render};

/// Tasks a graph holds unless the caller asks for more.
pub const DEFAULT_GRAPH_LIMIT: u32 = 100;
/// The most tasks one graph read returns.
pub const MAX_GRAPH_LIMIT: u32 = 10_000;
/// Dependency steps from the root task unless the caller asks for more.
pub const DEFAULT_GRAPH_DEPTH: u32 = 2;
/// The most dependency steps from a root task.
pub const MAX_GRAPH_DEPTH: u32 = 20;

/// Which part of the board a graph read covers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GraphScope {
    /// Only this project (all projects when `None`).
    pub project_id: Option<String>,
    /// Only tasks with this status.
    pub status: Option<Status>,
    /// Only this task and the tasks within `depth` dependency steps of it, either direction.
    pub root: Option<TaskId>,
    /// Steps from `root` (default [`DEFAULT_GRAPH_DEPTH`]).
    pub depth: Option<u32>,
    /// Most tasks (default [`DEFAULT_GRAPH_LIMIT`]).
    pub limit: Option<u32>,
}

/// A graph read within its scope and limit.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundedGraph {
    /// The graph: its tasks, and the edges between them.
    pub graph: TaskGraph,
    /// Tasks in scope before the limit.
    pub total: u64,
    /// True when the graph holds fewer tasks than `total`.
    pub truncated: bool,
}

impl Orchestrator {
    /// The dependency graph within `scope`, at most its limit of tasks, rendered in `format`.
    pub async fn task_graph_bounded(&self, scope: GraphScope, format: GraphFormat) -> Result<BoundedGraph> {
        let limit = scope.limit.unwrap_or(DEFAULT_GRAPH_LIMIT);
        if !(1..=MAX_GRAPH_LIMIT).contains(&limit) {
            return Err(orch_core::Error::invalid(
                "limit",
                format!("{limit} is out of range; use 1 to {MAX_GRAPH_LIMIT}"),
            )
            .into());
        }
        let depth = scope.depth.unwrap_or(DEFAULT_GRAPH_DEPTH);
        if depth > MAX_GRAPH_DEPTH {
            return Err(orch_core::Error::invalid(
                "depth",
                format!("{depth} is out of range; use 0 to {MAX_GRAPH_DEPTH}"),
            )
            .into());
        }
        let root = scope.root.map(|r| validate::task_id("root_task_id", r)).transpose()?;
        let project = scope.project_id.as_deref().map(|p| validate::project_id(Some(p))).transpose()?;
        // Choose from ids and statuses only, then load the chosen tasks: memory follows `limit`, not the board.
        let index = self.store.graph_index(project.as_deref()).await?;
        let (kept, total) = choose(index.tasks, &index.edges, root, depth, scope.status, limit as usize)?;
        let tasks = self.store.tasks_by_ids(&kept).await?;
        // A task deleted between the two reads is left out, and so are its edges.
        let loaded: BTreeSet<TaskId> = tasks.iter().map(|t| t.id).collect();
        let edges = index.edges.into_iter().filter(|(t, p)| loaded.contains(t) && loaded.contains(p)).collect();
        let data = GraphData { tasks, edges };
        let rendered = match format {
            GraphFormat::Json => None,
            GraphFormat::Mermaid => Some(render::mermaid(&data)),
            GraphFormat::Dot => Some(render::dot(&data)),
        };
        let truncated = (data.tasks.len() as u64) < total;
        Ok(BoundedGraph { graph: TaskGraph { data, format, rendered }, total, truncated })
    }
}

/// The ids (ascending) of at most `limit` tasks of the scope, and how many tasks were in scope: the nearest the root
/// first, then unfinished before completed, then by id.
fn choose(
    tasks: Vec<(TaskId, Status)>,
    edges: &[(TaskId, TaskId)],
    root: Option<TaskId>,
    depth: u32,
    status: Option<Status>,
    limit: usize,
) -> Result<(Vec<TaskId>, u64)> {
    // Distance from the root; without one every task is at 0.
    let distance: Option<HashMap<TaskId, u32>> = match root {
        Some(root) => {
            if !tasks.iter().any(|(id, _)| *id == root) {
                return Err(orch_core::Error::invalid(
                    "root_task_id",
                    format!("task #{} is not in this graph's scope; check the id and project_id", root.0),
                )
                .into());
            }
            Some(neighbourhood(edges, root, depth))
        }
        None => None,
    };
    let mut in_scope: Vec<(u32, bool, TaskId)> = tasks
        .into_iter()
        .filter(|(_, s)| status.is_none_or(|wanted| *s == wanted))
        .filter_map(|(id, s)| {
            let d = match &distance {
                Some(distance) => *distance.get(&id)?,
                None => 0,
            };
            Some((d, s == Status::Completed, id))
        })
        .collect();
    let total = in_scope.len() as u64;
    if in_scope.len() > limit {
        in_scope.select_nth_unstable(limit);
        in_scope.truncate(limit);
    }
    let mut kept: Vec<TaskId> = in_scope.into_iter().map(|(_, _, id)| id).collect();
    kept.sort_unstable();
    Ok((kept, total))
}

/// Each task within `depth` dependency steps of `root` (either direction), with its distance.
fn neighbourhood(edges: &[(TaskId, TaskId)], root: TaskId, depth: u32) -> HashMap<TaskId, u32> {
    let mut adjacent: HashMap<TaskId, Vec<TaskId>> = HashMap::new();
    for &(task, prerequisite) in edges {
        adjacent.entry(task).or_default().push(prerequisite);
        adjacent.entry(prerequisite).or_default().push(task);
    }
    let mut distance = HashMap::from([(root, 0)]);
    let mut queue = VecDeque::from([root]);
    while let Some(at) = queue.pop_front() {
        let d = distance[&at];
        if d == depth {
            continue;
        }
        for next in adjacent.get(&at).into_iter().flatten() {
            if !distance.contains_key(next) {
                distance.insert(*next, d + 1);
                queue.push_back(*next);
            }
        }
    }
    distance
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use orch_core::GraphIndex;

    /// A chain 1 <- 2 <- … <- n (each depends on the one before); the first `done` completed.
    fn chain(n: i64, done: i64) -> GraphIndex {
        GraphIndex {
            tasks: (1..=n).map(|i| (TaskId(i), if i <= done { Status::Completed } else { Status::Pending })).collect(),
            edges: (2..=n).map(|i| (TaskId(i), TaskId(i - 1))).collect(),
        }
    }

    fn pick(
        GraphIndex { tasks, edges }: GraphIndex,
        root: Option<i64>,
        depth: u32,
        status: Option<Status>,
        limit: usize,
    ) -> Result<(Vec<i64>, u64)> {
        let (kept, total) = choose(tasks, &edges, root.map(TaskId), depth, status, limit)?;
        Ok((kept.into_iter().map(|t| t.0).collect(), total))
    }

    #[test]
    fn the_limit_keeps_unfinished_work_first() {
        assert_eq!(pick(chain(10, 6), None, 0, None, 3).unwrap(), (vec![7, 8, 9], 10));
        assert_eq!(pick(chain(10, 6), None, 0, None, 100).unwrap(), ((1..=10).collect(), 10));
    }

    #[test]
    fn a_root_keeps_its_neighbourhood_closest_first() {
        assert_eq!(pick(chain(10, 0), Some(5), 2, None, 100).unwrap(), (vec![3, 4, 5, 6, 7], 5));
        assert_eq!(pick(chain(10, 0), Some(5), 2, None, 3).unwrap().0, vec![4, 5, 6]);
        assert_eq!(pick(chain(10, 0), Some(5), 0, None, 100).unwrap().0, vec![5]);
        let err = pick(chain(3, 0), Some(99), 2, None, 100).unwrap_err().to_string();
        assert!(err.contains("root_task_id") && err.contains("#99"), "{err}");
    }

    #[test]
    fn status_narrows() {
        let (kept, total) = pick(chain(10, 6), None, 0, Some(Status::Completed), 100).unwrap();
        assert_eq!((kept.len(), total), (6, 6));
    }
}
