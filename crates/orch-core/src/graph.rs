//! Algorithms on the dependency graph.
//!
//! Edges are `(task, prerequisite)`: the task depends on the prerequisite, so the prerequisite must finish first.
//! Every function is deterministic: ties are broken by ascending task id.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, VecDeque};

use crate::model::TaskId;

/// Finds a shortest chain `from -> … -> to` following "depends on" edges, asking `prerequisites` for each task's
/// direct prerequisites (so a store can answer with indexed point queries instead of loading the whole graph).
pub fn find_dependency_path<E>(
    from: TaskId,
    to: TaskId,
    mut prerequisites: impl FnMut(TaskId) -> Result<Vec<TaskId>, E>,
) -> Result<Option<Vec<TaskId>>, E> {
    if from == to {
        return Ok(Some(vec![from]));
    }
    let mut came_from: BTreeMap<TaskId, TaskId> = BTreeMap::new();
    let mut queue = VecDeque::from([from]);
    while let Some(current) = queue.pop_front() {
        let mut next = prerequisites(current)?;
        next.sort();
        for n in next {
            if n == from || came_from.contains_key(&n) {
                continue;
            }
            came_from.insert(n, current);
            if n == to {
                let mut path = vec![to];
                let mut at = to;
                while let Some(&prev) = came_from.get(&at) {
                    path.push(prev);
                    at = prev;
                }
                path.reverse();
                return Ok(Some(path));
            }
            queue.push_back(n);
        }
    }
    Ok(None)
}

/// The cycle that adding "`task` depends on `prerequisite`" would close, or `None` when the edge is safe.
///
/// The returned path starts and ends at `task`, each element depending on the next.
pub fn cycle_if_added<E>(
    task: TaskId,
    prerequisite: TaskId,
    prerequisites: impl FnMut(TaskId) -> Result<Vec<TaskId>, E>,
) -> Result<Option<Vec<TaskId>>, E> {
    if task == prerequisite {
        return Ok(Some(vec![task, task]));
    }
    Ok(find_dependency_path(prerequisite, task, prerequisites)?.map(|path| {
        let mut cycle = Vec::with_capacity(path.len() + 1);
        cycle.push(task);
        cycle.extend(path);
        cycle
    }))
}

fn adjacency(nodes: &[TaskId], edges: &[(TaskId, TaskId)]) -> BTreeMap<TaskId, BTreeSet<TaskId>> {
    let mut prereqs: BTreeMap<TaskId, BTreeSet<TaskId>> = nodes.iter().map(|&n| (n, BTreeSet::new())).collect();
    for &(task, pre) in edges {
        prereqs.entry(pre).or_default();
        prereqs.entry(task).or_default().insert(pre);
    }
    prereqs
}

/// Orders tasks so that every prerequisite comes before the tasks that depend on it.
///
/// On a cyclic graph returns `Err` with one cycle (first element repeated at the end).
pub fn topological_order(nodes: &[TaskId], edges: &[(TaskId, TaskId)]) -> Result<Vec<TaskId>, Vec<TaskId>> {
    let prereqs = adjacency(nodes, edges);
    let mut dependents: BTreeMap<TaskId, Vec<TaskId>> = BTreeMap::new();
    let mut pending: BTreeMap<TaskId, usize> = BTreeMap::new();
    for (&task, pres) in &prereqs {
        pending.insert(task, pres.len());
        for &p in pres {
            dependents.entry(p).or_default().push(task);
        }
    }
    let mut ready: BinaryHeap<Reverse<TaskId>> =
        pending.iter().filter(|&(_, &n)| n == 0).map(|(&t, _)| Reverse(t)).collect();
    let mut order = Vec::with_capacity(prereqs.len());
    while let Some(Reverse(t)) = ready.pop() {
        order.push(t);
        for &d in dependents.get(&t).map(Vec::as_slice).unwrap_or_default() {
            if let Some(n) = pending.get_mut(&d) {
                *n -= 1;
                if *n == 0 {
                    ready.push(Reverse(d));
                }
            }
        }
    }
    if order.len() == prereqs.len() {
        return Ok(order);
    }
    let done: BTreeSet<TaskId> = order.into_iter().collect();
    let remaining: Vec<(TaskId, TaskId)> =
        edges.iter().copied().filter(|(a, b)| !done.contains(a) && !done.contains(b)).collect();
    Err(find_cycle(&remaining).unwrap_or_default())
}

/// One cycle in the graph, if there is any (first element repeated at the end).
pub fn find_cycle(edges: &[(TaskId, TaskId)]) -> Option<Vec<TaskId>> {
    let prereqs = adjacency(&[], edges);
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    let mut marks: BTreeMap<TaskId, Mark> = BTreeMap::new();
    for &start in prereqs.keys() {
        if marks.contains_key(&start) {
            continue;
        }
        // Iterative DFS so a long chain cannot overflow the stack.
        let mut stack: Vec<(TaskId, Vec<TaskId>)> = vec![(start, prereqs[&start].iter().rev().copied().collect())];
        marks.insert(start, Mark::Open);
        while let Some((node, children)) = stack.last_mut() {
            let node = *node;
            match children.pop() {
                Some(child) => match marks.get(&child) {
                    Some(Mark::Open) => {
                        let pos = stack.iter().position(|(n, _)| *n == child).unwrap_or(0);
                        let mut cycle: Vec<TaskId> = stack[pos..].iter().map(|(n, _)| *n).collect();
                        cycle.push(child);
                        return Some(cycle);
                    }
                    Some(Mark::Done) => {}
                    None => {
                        marks.insert(child, Mark::Open);
                        let grandchildren = prereqs.get(&child).map(|s| s.iter().rev().copied().collect());
                        stack.push((child, grandchildren.unwrap_or_default()));
                    }
                },
                None => {
                    marks.insert(node, Mark::Done);
                    stack.pop();
                }
            }
        }
    }
    None
}

/// The heaviest chain of dependent tasks.
#[derive(Debug, Clone, PartialEq)]
pub struct CriticalPath {
    /// Tasks from the first prerequisite to the last dependent.
    pub path: Vec<TaskId>,
    /// Sum of the weights along the path.
    pub length: f64,
}

/// The longest weighted path through a DAG (weights per task, e.g. estimated hours; missing weights count 0).
///
/// On a cyclic graph returns `Err` with one cycle.
pub fn critical_path(weights: &BTreeMap<TaskId, f64>, edges: &[(TaskId, TaskId)]) -> Result<CriticalPath, Vec<TaskId>> {
    let nodes: Vec<TaskId> = weights.keys().copied().collect();
    let order = topological_order(&nodes, edges)?;
    let prereqs = adjacency(&nodes, edges);
    let weight = |t: &TaskId| weights.get(t).copied().unwrap_or(0.0);
    let mut best: BTreeMap<TaskId, (f64, Option<TaskId>)> = BTreeMap::new();
    for t in &order {
        let via =
            prereqs[t].iter().map(|p| (best[p].0, *p)).fold(None, |acc: Option<(f64, TaskId)>, (len, p)| match acc {
                Some((l, _)) if l >= len => acc,
                _ => Some((len, p)),
            });
        let (len, prev) = via.map_or((0.0, None), |(l, p)| (l, Some(p)));
        best.insert(*t, (len + weight(t), prev));
    }
    let Some((&end, &(length, _))) =
        best.iter().fold(None, |acc: Option<(&TaskId, &(f64, Option<TaskId>))>, item| match acc {
            Some(a) if a.1.0 >= item.1.0 => Some(a),
            _ => Some(item),
        })
    else {
        return Ok(CriticalPath { path: Vec::new(), length: 0.0 });
    };
    let mut path = vec![end];
    let mut at = end;
    while let Some(prev) = best[&at].1 {
        path.push(prev);
        at = prev;
    }
    path.reverse();
    Ok(CriticalPath { path, length })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;
    use std::convert::Infallible;

    fn t(i: i64) -> TaskId {
        TaskId(i)
    }

    fn lookup(edges: &[(TaskId, TaskId)]) -> impl FnMut(TaskId) -> Result<Vec<TaskId>, Infallible> + '_ {
        move |id| Ok(edges.iter().filter(|(a, _)| *a == id).map(|(_, b)| *b).collect())
    }

    #[test]
    fn self_dependency_is_a_cycle() {
        assert_eq!(cycle_if_added(t(1), t(1), lookup(&[])).unwrap(), Some(vec![t(1), t(1)]));
    }

    #[test]
    fn cycle_path_is_reported_in_dependency_order() {
        // 3 depends on 2, 2 depends on 1. Adding "1 depends on 3" closes 1 -> 3 -> 2 -> 1.
        let edges = [(t(3), t(2)), (t(2), t(1))];
        assert_eq!(cycle_if_added(t(1), t(3), lookup(&edges)).unwrap(), Some(vec![t(1), t(3), t(2), t(1)]));
        assert_eq!(cycle_if_added(t(3), t(1), lookup(&edges)).unwrap(), None);
    }

    #[test]
    fn topological_order_puts_prerequisites_first() {
        let edges = [(t(3), t(1)), (t(2), t(1)), (t(4), t(3)), (t(4), t(2))];
        assert_eq!(topological_order(&[t(1), t(2), t(3), t(4)], &edges).unwrap(), vec![t(1), t(2), t(3), t(4)]);
    }

    #[test]
    fn topological_order_reports_a_cycle() {
        let edges = [(t(1), t(2)), (t(2), t(3)), (t(3), t(1)), (t(4), t(1))];
        let cycle = topological_order(&[t(1), t(2), t(3), t(4)], &edges).unwrap_err();
        assert_eq!(cycle.first(), cycle.last());
        assert_eq!(cycle.len(), 4);
    }

    #[test]
    fn critical_path_follows_the_heaviest_chain() {
        let weights: BTreeMap<_, _> = [(t(1), 1.0), (t(2), 5.0), (t(3), 1.0), (t(4), 1.0)].into();
        let edges = [(t(2), t(1)), (t(3), t(1)), (t(4), t(2)), (t(4), t(3))];
        let cp = critical_path(&weights, &edges).unwrap();
        assert_eq!(cp.path, vec![t(1), t(2), t(4)]);
        assert!((cp.length - 7.0).abs() < 1e-9);
    }

    /// Random DAGs: edges only from higher to lower ids, so they are acyclic by construction.
    fn dag() -> impl Strategy<Value = (Vec<TaskId>, Vec<(TaskId, TaskId)>)> {
        (1usize..40).prop_flat_map(|n| {
            let nodes: Vec<TaskId> = (1..=n as i64).map(TaskId).collect();
            let edge = (1..=n as i64, 1..=n as i64).prop_map(|(a, b)| (TaskId(a.max(b)), TaskId(a.min(b))));
            let edges = proptest::collection::vec(edge, 0..120)
                .prop_map(|es| es.into_iter().filter(|(a, b)| a != b).collect::<Vec<_>>());
            (Just(nodes), edges)
        })
    }

    proptest! {
        #[test]
        fn order_respects_every_edge((nodes, edges) in dag()) {
            let order = topological_order(&nodes, &edges).unwrap();
            prop_assert_eq!(order.len(), nodes.len());
            let pos: BTreeMap<_, _> = order.iter().enumerate().map(|(i, t)| (*t, i)).collect();
            for (task, pre) in &edges {
                prop_assert!(pos[pre] < pos[task]);
            }
        }

        #[test]
        fn adding_an_edge_is_refused_exactly_when_it_closes_a_cycle((nodes, edges) in dag(), a in 1i64..40, b in 1i64..40) {
            let n = nodes.len() as i64;
            let (a, b) = (TaskId(1 + a % n), TaskId(1 + b % n));
            let verdict = cycle_if_added(a, b, lookup(&edges)).unwrap();
            let mut with = edges.clone();
            with.push((a, b));
            prop_assert_eq!(verdict.is_some(), find_cycle(&with).is_some());
            if let Some(cycle) = verdict {
                prop_assert_eq!(cycle.first(), Some(&a));
                prop_assert_eq!(cycle.last(), Some(&a));
                // Every step of the reported cycle is a real edge.
                for w in cycle.windows(2) {
                    prop_assert!(with.contains(&(w[0], w[1])));
                }
            }
        }

        #[test]
        fn critical_path_is_a_real_chain((nodes, edges) in dag()) {
            let weights: BTreeMap<_, _> = nodes.iter().map(|t| (*t, (t.0 % 5) as f64 + 1.0)).collect();
            let cp = critical_path(&weights, &edges).unwrap();
            for w in cp.path.windows(2) {
                prop_assert!(edges.contains(&(w[1], w[0])));
            }
            let sum: f64 = cp.path.iter().map(|t| weights[t]).sum();
            prop_assert!((sum - cp.length).abs() < 1e-9);
            // No single task outweighs the path.
            prop_assert!(weights.values().all(|w| *w <= cp.length + 1e-9));
        }
    }
}
