//! A layered drawing of the dependency DAG: prerequisites left of their dependents.
//!
//! Longest-path layering (each task one layer right of its furthest prerequisite), then barycentric ordering within
//! layers (alternating sweeps that move each node towards the mean position of its neighbours in the layer before),
//! which removes most edge crossings on task graphs.

use std::collections::{BTreeMap, HashMap};

use orch_core::TaskId;
use serde::Serialize;

/// A node's box size and the gaps between boxes, in SVG units.
pub const NODE_WIDTH: f64 = 180.0;
/// Box height.
pub const NODE_HEIGHT: f64 = 44.0;
const LAYER_GAP: f64 = 70.0;
const ROW_GAP: f64 = 16.0;
const MARGIN: f64 = 20.0;
const SWEEPS: usize = 8;

/// Where one task's box goes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Placed {
    /// The task.
    pub id: TaskId,
    /// Its layer (0: no prerequisites in the drawing).
    pub layer: usize,
    /// Top-left corner.
    pub x: f64,
    /// Top-left corner.
    pub y: f64,
}

/// A drawing of the graph.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Layout {
    /// Every node, in input order.
    pub nodes: Vec<Placed>,
    /// Size of the drawing.
    pub width: f64,
    /// Size of the drawing.
    pub height: f64,
    /// Every box's width.
    pub node_width: f64,
    /// Every box's height.
    pub node_height: f64,
}

/// Lays out `nodes` with `edges` as (task, prerequisite); edges naming unknown nodes are ignored. A cycle (which
/// stores prevent) cannot break it: the nodes on it go one layer right of the rest.
pub fn layered(nodes: &[TaskId], edges: &[(TaskId, TaskId)]) -> Layout {
    let index: HashMap<TaskId, usize> = nodes.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let n = nodes.len();
    let mut prereqs: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (task, prereq) in edges {
        if let (Some(&t), Some(&p)) = (index.get(task), index.get(prereq))
            && t != p
        {
            prereqs[t].push(p);
            dependents[p].push(t);
        }
    }

    // Kahn's algorithm, assigning each node one layer past its furthest prerequisite.
    let mut layer = vec![0usize; n];
    let mut waiting: Vec<usize> = prereqs.iter().map(Vec::len).collect();
    let mut ready: Vec<usize> = (0..n).filter(|&i| waiting[i] == 0).collect();
    let mut done = vec![false; n];
    while let Some(i) = ready.pop() {
        done[i] = true;
        for &d in &dependents[i] {
            layer[d] = layer[d].max(layer[i] + 1);
            waiting[d] -= 1;
            if waiting[d] == 0 {
                ready.push(d);
            }
        }
    }
    let deepest = layer.iter().copied().max().unwrap_or(0);
    for i in (0..n).filter(|&i| !done[i]) {
        layer[i] = deepest + 1;
    }

    let layers = layer.iter().copied().max().map_or(0, |m| m + 1);
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); layers];
    for i in 0..n {
        rows[layer[i]].push(i);
    }
    let mut position = vec![0f64; n];
    let set_positions = |rows: &Vec<Vec<usize>>, position: &mut Vec<f64>| {
        for row in rows {
            for (k, &i) in row.iter().enumerate() {
                position[i] = k as f64;
            }
        }
    };
    set_positions(&rows, &mut position);
    for sweep in 0..SWEEPS {
        let forward = sweep % 2 == 0;
        let order: Vec<usize> =
            if forward { (1..layers).collect() } else { (0..layers.saturating_sub(1)).rev().collect() };
        for l in order {
            let neighbours = if forward { &prereqs } else { &dependents };
            let mut keyed: Vec<(f64, usize)> = rows[l]
                .iter()
                .map(|&i| {
                    let adj = &neighbours[i];
                    let key = if adj.is_empty() {
                        position[i]
                    } else {
                        adj.iter().map(|&a| position[a]).sum::<f64>() / adj.len() as f64
                    };
                    (key, i)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            rows[l] = keyed.into_iter().map(|(_, i)| i).collect();
            for (k, &i) in rows[l].iter().enumerate() {
                position[i] = k as f64;
            }
        }
    }

    let tallest = rows.iter().map(Vec::len).max().unwrap_or(0);
    let column_height = |count: usize| count as f64 * (NODE_HEIGHT + ROW_GAP) - ROW_GAP;
    let total_height = column_height(tallest).max(0.0);
    let mut placed: BTreeMap<usize, Placed> = BTreeMap::new();
    for (l, row) in rows.iter().enumerate() {
        // Shorter layers are centred against the tallest, which keeps edges short.
        let offset = (total_height - column_height(row.len())) / 2.0;
        for (k, &i) in row.iter().enumerate() {
            placed.insert(
                i,
                Placed {
                    id: nodes[i],
                    layer: l,
                    x: MARGIN + l as f64 * (NODE_WIDTH + LAYER_GAP),
                    y: MARGIN + offset + k as f64 * (NODE_HEIGHT + ROW_GAP),
                },
            );
        }
    }
    Layout {
        nodes: placed.into_values().collect(),
        width: 2.0 * MARGIN + (layers as f64 * (NODE_WIDTH + LAYER_GAP) - LAYER_GAP).max(0.0),
        height: 2.0 * MARGIN + total_height,
        node_width: NODE_WIDTH,
        node_height: NODE_HEIGHT,
    }
}

/// How many edges of the drawing cross (for tests and for judging the ordering).
pub fn crossings(layout: &Layout, edges: &[(TaskId, TaskId)]) -> usize {
    let at: HashMap<TaskId, &Placed> = layout.nodes.iter().map(|p| (p.id, p)).collect();
    let segments: Vec<(usize, f64, f64)> = edges
        .iter()
        .filter_map(|(t, p)| {
            let (t, p) = (at.get(t)?, at.get(p)?);
            // Only edges between adjacent layers can be compared this simply; longer ones are skipped.
            (t.layer == p.layer + 1).then_some((p.layer, p.y, t.y))
        })
        .collect();
    let mut count = 0;
    for (i, a) in segments.iter().enumerate() {
        for b in &segments[i + 1..] {
            if a.0 == b.0 && (a.1 - b.1) * (a.2 - b.2) < 0.0 {
                count += 1;
            }
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: i64) -> Vec<TaskId> {
        (1..=n).map(TaskId).collect()
    }

    fn e(t: i64, p: i64) -> (TaskId, TaskId) {
        (TaskId(t), TaskId(p))
    }

    fn layer_of(layout: &Layout, id: i64) -> usize {
        layout.nodes.iter().find(|p| p.id == TaskId(id)).map(|p| p.layer).unwrap_or(usize::MAX)
    }

    #[test]
    fn prerequisites_go_left_at_the_longest_path() {
        // 4 depends on 1 directly and through 2 -> 3.
        let edges = [e(2, 1), e(3, 2), e(4, 3), e(4, 1)];
        let l = layered(&ids(4), &edges);
        assert_eq!((1..=4).map(|i| layer_of(&l, i)).collect::<Vec<_>>(), vec![0, 1, 2, 3]);
        assert!(l.nodes.windows(2).all(|w| w[0].x < w[1].x));
        assert!(l.width > 3.0 * NODE_WIDTH && l.height >= NODE_HEIGHT);
    }

    #[test]
    fn barycentric_ordering_removes_crossings() {
        // Two chains drawn crossed by id order: 1->4 and 2->3 (3 depends on 2, 4 on 1).
        let edges = [e(4, 1), e(3, 2), e(6, 3), e(5, 4)];
        let l = layered(&ids(6), &edges);
        assert_eq!(crossings(&l, &edges), 0, "{l:?}");
    }

    #[test]
    fn cycles_unknown_nodes_and_empty_graphs_do_not_break_it() {
        let l = layered(&ids(3), &[e(1, 2), e(2, 1), e(3, 99), e(3, 3)]);
        assert_eq!(l.nodes.len(), 3);
        assert_eq!(layer_of(&l, 3), 0);
        assert_eq!(layer_of(&l, 1), 1);
        let empty = layered(&[], &[]);
        assert!(empty.nodes.is_empty());
        assert!(empty.width >= 0.0 && empty.height >= 0.0);
    }

    #[test]
    fn a_wide_graph_stays_in_bounds() {
        let nodes = ids(300);
        let edges: Vec<_> = (2..=300).map(|i| e(i, (i / 2).max(1))).collect();
        let l = layered(&nodes, &edges);
        for p in &l.nodes {
            assert!(p.x >= 0.0 && p.x + NODE_WIDTH <= l.width + 1e-9 && p.y + NODE_HEIGHT <= l.height + 1e-9);
        }
    }
}
