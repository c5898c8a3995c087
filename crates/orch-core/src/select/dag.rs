//! The unfinished part of the dependency graph in index form, and the linear-time dynamic programmes over it.
//!
//! Selection runs on every `get_next_task` call over whole projects (10,000 tasks, 30,000 edges), so this works on
//! dense indices and compressed adjacency instead of the map-based helpers in [`crate::graph`]; the tests check the
//! results against [`crate::graph::critical_path`] and [`crate::graph::topological_order`].

use std::borrow::Borrow;

use crate::model::{Status, TaskId};

use super::Candidate;

/// Node index into [`Dag`] arrays.
pub(super) type Node = u32;

/// The graph over unfinished tasks: nodes `0..known` are the given tasks (ascending id), the rest are dependencies
/// that name no given task (ascending id), which count as unfinished.
pub(super) struct Dag {
    /// Id of every node.
    pub ids: Vec<TaskId>,
    /// How many nodes are given tasks.
    pub known: usize,
    /// Not completed (unknown dependencies are unfinished).
    pub unfinished: Vec<bool>,
    /// CSR offsets into `prereqs`: every prerequisite of each given task, completed ones included.
    prereq_start: Vec<u32>,
    prereqs: Vec<Node>,
    /// CSR offsets into `succ`: the unfinished dependents of each unfinished node.
    succ_start: Vec<u32>,
    succ: Vec<Node>,
    /// Unfinished prerequisites of each node (of a completed task: 0).
    pub open_prereqs: Vec<u32>,
    /// Unfinished nodes, every prerequisite before its dependents. Nodes on a dependency cycle (which the stores
    /// refuse to create) are missing; the DPs then treat them as having no dependents.
    pub order: Vec<Node>,
}

impl Dag {
    /// Builds the graph. `tasks` must be sorted by id without duplicates.
    pub fn build<T: Borrow<Candidate>>(tasks: &[T]) -> Dag {
        const UNRESOLVED: Node = Node::MAX;
        let known = tasks.len();
        // Searching a dense id array keeps the lookups in cache; searching through the task references would not.
        let mut ids: Vec<TaskId> = tasks.iter().map(|t| t.borrow().id).collect();
        let mut prereq_start: Vec<u32> = Vec::with_capacity(known + 1);
        prereq_start.push(0);
        let mut prereqs: Vec<Node> = Vec::new();
        let mut unknown: Vec<TaskId> = Vec::new();
        for task in tasks {
            for dep in &task.borrow().dependencies {
                match ids.binary_search(dep) {
                    Ok(p) => prereqs.push(p as Node),
                    Err(_) => {
                        unknown.push(*dep);
                        prereqs.push(UNRESOLVED);
                    }
                }
            }
            prereq_start.push(prereqs.len() as u32);
        }
        if !unknown.is_empty() {
            unknown.sort_unstable();
            unknown.dedup();
            for (d, task) in tasks.iter().enumerate() {
                let range = prereq_start[d] as usize..prereq_start[d + 1] as usize;
                for (slot, dep) in prereqs[range].iter_mut().zip(&task.borrow().dependencies) {
                    if *slot == UNRESOLVED {
                        *slot = unknown.binary_search(dep).map_or(UNRESOLVED, |u| (known + u) as Node);
                    }
                }
            }
        }
        let n = known + unknown.len();
        ids.extend_from_slice(&unknown);
        let mut unfinished: Vec<bool> = tasks.iter().map(|t| t.borrow().status != Status::Completed).collect();
        unfinished.resize(n, true);
        let mut edges: Vec<(Node, Node)> = Vec::new();
        for d in (0..known).filter(|&d| unfinished[d]) {
            for &p in &prereqs[prereq_start[d] as usize..prereq_start[d + 1] as usize] {
                if p != UNRESOLVED && unfinished[p as usize] {
                    edges.push((p, d as Node));
                }
            }
        }

        // Counting sort by prerequisite. Edges were pushed in ascending dependent order, so a stable fill keeps every
        // dependent list ascending, whatever order the caller gave the tasks or their dependencies in.
        let mut succ_start = vec![0u32; n + 1];
        let mut open_prereqs = vec![0u32; n];
        for &(p, d) in &edges {
            succ_start[p as usize + 1] += 1;
            open_prereqs[d as usize] += 1;
        }
        for i in 0..n {
            succ_start[i + 1] += succ_start[i];
        }
        let mut fill: Vec<u32> = succ_start[..n].to_vec();
        let mut succ: Vec<Node> = vec![0; edges.len()];
        for &(p, d) in &edges {
            succ[fill[p as usize] as usize] = d;
            fill[p as usize] += 1;
        }

        let mut indegree = open_prereqs.clone();
        let mut order: Vec<Node> =
            (0..n as Node).filter(|&i| unfinished[i as usize] && indegree[i as usize] == 0).collect();
        let mut head = 0;
        while head < order.len() {
            let p = order[head];
            head += 1;
            for &d in &succ[succ_start[p as usize] as usize..succ_start[p as usize + 1] as usize] {
                indegree[d as usize] -= 1;
                if indegree[d as usize] == 0 {
                    order.push(d);
                }
            }
        }
        Dag { ids, known, unfinished, prereq_start, prereqs, succ_start, succ, open_prereqs, order }
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Every prerequisite of the given task `node` (completed and unknown ones included), in the caller's order.
    pub fn prerequisites(&self, node: usize) -> &[Node] {
        &self.prereqs[self.prereq_start[node] as usize..self.prereq_start[node + 1] as usize]
    }

    /// Unfinished dependents of `node`, ascending.
    pub fn dependents(&self, node: Node) -> &[Node] {
        &self.succ[self.succ_start[node as usize] as usize..self.succ_start[node as usize + 1] as usize]
    }

    /// Longest chain of unfinished work starting at each node, by `hours` (the node's own hours included), and the
    /// next node of that chain (lowest index among equals).
    pub fn chain_hours(&self, hours: &[f64]) -> (Vec<f64>, Vec<Option<Node>>) {
        let mut best: Vec<f64> = hours.to_vec();
        let mut next: Vec<Option<Node>> = vec![None; self.len()];
        for &t in self.order.iter().rev() {
            let mut tail = 0.0;
            for &d in self.dependents(t) {
                if best[d as usize] > tail {
                    tail = best[d as usize];
                    next[t as usize] = Some(d);
                }
            }
            best[t as usize] = hours[t as usize] + tail;
        }
        (best, next)
    }

    /// The share of downstream value that waits on each node: `U(t) = Σ (value(d) + U(d)) / open_prereqs(d)` over
    /// the unfinished dependents `d` of `t`.
    ///
    /// Each waiting task's value is split evenly between the prerequisites it still needs, so diamonds are not
    /// counted twice: summed over the prerequisites, a task's value is counted exactly once, and under a single
    /// source the figure is the exact transitive sum. Exact per-task transitive sets would cost O(n·m).
    pub fn downstream(&self, value: &[f64]) -> Vec<f64> {
        let mut share = vec![0.0; self.len()];
        for &t in self.order.iter().rev() {
            let mut sum = 0.0;
            for &d in self.dependents(t) {
                sum += (value[d as usize] + share[d as usize]) / f64::from(self.open_prereqs[d as usize].max(1));
            }
            share[t as usize] = sum;
        }
        share
    }

    /// Dependents of `node` for which it is the last unfinished prerequisite.
    pub fn released_by(&self, node: Node) -> usize {
        self.dependents(node).iter().filter(|&&d| self.open_prereqs[d as usize] == 1).count()
    }
}
