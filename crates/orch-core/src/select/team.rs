//! A plan for a team: one task per developer that can run in parallel today.

use std::borrow::Borrow;
use std::collections::BTreeSet;

use crate::model::TaskId;

use super::dag::Dag;
use super::{Candidate, ScoredTask};

/// One developer's task.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// 1-based; developer 1 is the one asking and gets the selected task.
    pub developer: u32,
    /// The task.
    pub task_id: TaskId,
    /// Its title.
    pub title: String,
    /// Its score.
    pub overall_score: f64,
    /// Hours it is expected to take (after history calibration).
    pub expected_hours: f64,
    /// Whether it is expected to finish within `hours_available_today` (`None` without that limit).
    pub fits_today: Option<bool>,
    /// Earlier assignments sharing a tag or file with it (only when no independent alternative was ready).
    pub shares_area_with: Vec<TaskId>,
}

/// One task per developer, pairwise independent: no task is an ancestor of another (through any chain, completed
/// tasks included), and tasks sharing a tag or file are paired only when nothing else was ready.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamPlan {
    /// Developers planned for.
    pub developers: u32,
    /// The assignments, developer order.
    pub assignments: Vec<Assignment>,
    /// Developers left without a task because fewer independent tasks are ready.
    pub idle_developers: u32,
    /// When the last assignment is expected to finish, in hours from now.
    pub expected_finish_hours: f64,
    /// Sum of the assignments' expected hours.
    pub total_hours: f64,
    /// Whether every assignment fits `hours_available_today` (`None` without that limit).
    pub all_fit_today: Option<bool>,
    /// One sentence summing the plan up.
    pub note: String,
}

/// "Depends on" over all given tasks (completed ones included) in both directions, kept with the board's figures so
/// a team plan does not rebuild it per call.
pub(super) struct Links {
    prereqs_start: Vec<u32>,
    prereqs: Vec<u32>,
    dependents_start: Vec<u32>,
    dependents: Vec<u32>,
    /// Every completed task's prerequisites are completed (no unfinished task has a completed dependent). Then the
    /// ancestors of a ready task are all completed and the descendants of an unfinished one all unfinished and not
    /// ready, so no two ready tasks lie on one chain and a pick needs no walk.
    closed: bool,
}

impl Links {
    pub fn new(dag: &Dag) -> Links {
        let n = dag.known;
        let mut edges: Vec<(u32, u32)> = Vec::new();
        for d in 0..n {
            for &p in dag.prerequisites(d) {
                if (p as usize) < n {
                    edges.push((p, d as u32));
                }
            }
        }
        let csr = |key: fn(&(u32, u32)) -> (u32, u32)| {
            let mut start = vec![0u32; n + 1];
            for e in &edges {
                start[key(e).0 as usize + 1] += 1;
            }
            for i in 0..n {
                start[i + 1] += start[i];
            }
            let mut fill = start[..n].to_vec();
            let mut out = vec![0u32; edges.len()];
            for e in &edges {
                let (from, to) = key(e);
                out[fill[from as usize] as usize] = to;
                fill[from as usize] += 1;
            }
            (start, out)
        };
        let closed = !edges.iter().any(|&(p, d)| dag.unfinished[p as usize] && !dag.unfinished[d as usize]);
        let (prereqs_start, prereqs) = csr(|&(p, d)| (d, p));
        let (dependents_start, dependents) = csr(|&(p, d)| (p, d));
        Links { prereqs_start, prereqs, dependents_start, dependents, closed }
    }
}

/// The picked tasks' ancestors and descendants, to tell whether a task lies on one chain with a picked one.
struct Relations<'a> {
    links: &'a Links,
    above: Vec<bool>,
    below: Vec<bool>,
}

impl<'a> Relations<'a> {
    fn new(links: &'a Links) -> Relations<'a> {
        let n = links.prereqs_start.len().saturating_sub(1);
        Relations { links, above: vec![false; n], below: vec![false; n] }
    }

    /// True when `node` is neither an ancestor nor a descendant of (nor one of) the picked tasks.
    fn independent(&self, node: usize) -> bool {
        !self.above[node] && !self.below[node]
    }

    /// Marks the ancestors and descendants of a newly picked task. Both marked sets stay closed (upward and
    /// downward), so a walk stops at a marked node and the total work over all picks is linear.
    fn pick(&mut self, node: usize) {
        let links = self.links;
        if links.closed {
            // Picks are ready tasks: the walks could only mark tasks that are never candidates (see `Links::closed`).
            self.above[node] = true;
            self.below[node] = true;
            return;
        }
        Self::mark(node, &mut self.above, &links.prereqs_start, &links.prereqs);
        Self::mark(node, &mut self.below, &links.dependents_start, &links.dependents);
    }

    fn mark(node: usize, marks: &mut [bool], start: &[u32], next: &[u32]) {
        let mut stack = vec![node];
        marks[node] = true;
        while let Some(at) = stack.pop() {
            for &n in &next[start[at] as usize..start[at + 1] as usize] {
                if !marks[n as usize] {
                    marks[n as usize] = true;
                    stack.push(n as usize);
                }
            }
        }
    }
}

/// Plans `developers` tasks from the ranked list. `ranked` must not be empty.
pub(super) fn plan<T: Borrow<Candidate>>(
    ranked: &[ScoredTask],
    sorted: &[T],
    dag: &Dag,
    links: &Links,
    developers: u32,
    avail: Option<f64>,
) -> TeamPlan {
    let mut relations = Relations::new(links);
    let index = |id: TaskId| dag.ids[..dag.known].binary_search(&id).ok();
    let areas = |i: usize| {
        let task = sorted[i].borrow();
        task.tags.iter().chain(task.files.iter()).map(String::as_str)
    };
    let fits = |t: &ScoredTask| avail.is_none_or(|a| t.expected_hours <= a);

    let mut chosen: Vec<(usize, usize)> = Vec::new(); // (rank, task index)
    let mut taken_areas: BTreeSet<&str> = BTreeSet::new();
    let want = developers as usize;
    // Developer 1 is the one asking: the best task. Then, in rank order: independent, no shared area and fitting
    // today; then independent and no shared area; then merely independent.
    for pass in 0..4 {
        for (rank, task) in ranked.iter().enumerate() {
            if chosen.len() >= want {
                break;
            }
            let Some(i) = index(task.id) else { continue };
            if !relations.independent(i) {
                continue;
            }
            let clash = areas(i).any(|a| taken_areas.contains(a));
            let ok = match pass {
                0 => rank == 0,
                1 => !clash && fits(task),
                2 => !clash,
                _ => true,
            };
            if ok {
                relations.pick(i);
                taken_areas.extend(areas(i));
                chosen.push((rank, i));
            }
        }
    }

    let mut assignments: Vec<Assignment> = Vec::with_capacity(chosen.len());
    for (slot, &(rank, i)) in chosen.iter().enumerate() {
        let task = &ranked[rank];
        let mine: BTreeSet<&str> = areas(i).collect();
        let shares_area_with = chosen[..slot]
            .iter()
            .filter(|&&(_, j)| areas(j).any(|a| mine.contains(a)))
            .map(|&(_, j)| sorted[j].borrow().id)
            .collect();
        assignments.push(Assignment {
            developer: slot as u32 + 1,
            task_id: task.id,
            title: task.title.clone(),
            overall_score: task.overall_score,
            expected_hours: task.expected_hours,
            fits_today: avail.map(|a| task.expected_hours <= a),
            shares_area_with,
        });
    }
    let expected_finish_hours = assignments.iter().map(|a| a.expected_hours).fold(0.0, f64::max);
    let total_hours = assignments.iter().map(|a| a.expected_hours).sum();
    let all_fit_today = avail.map(|_| assignments.iter().all(|a| a.fits_today == Some(true)));
    let idle_developers = developers.saturating_sub(assignments.len() as u32);
    let note = note(&assignments, developers, idle_developers, expected_finish_hours, avail);
    TeamPlan { developers, assignments, idle_developers, expected_finish_hours, total_hours, all_fit_today, note }
}

fn note(assignments: &[Assignment], developers: u32, idle: u32, finish: f64, avail: Option<f64>) -> String {
    let mut text = format!(
        "Team plan: {} independent task(s) for {developers} developers, the last expected to finish in {finish:.1} h",
        assignments.len()
    );
    if let Some(a) = avail {
        let late: Vec<String> =
            assignments.iter().filter(|x| x.fits_today == Some(false)).map(|x| format!("#{}", x.task_id)).collect();
        if late.is_empty() {
            text.push_str(&format!(", within the {a:.1} h available today"));
        } else {
            text.push_str(&format!("; {} will run past the {a:.1} h available today", late.join(", ")));
        }
    }
    text.push('.');
    if idle > 0 {
        text.push_str(&format!(" {idle} developer(s) stay idle: no further independent task is ready."));
    }
    let shared: Vec<String> =
        assignments.iter().filter(|a| !a.shares_area_with.is_empty()).map(|a| format!("#{}", a.task_id)).collect();
    if !shared.is_empty() {
        text.push_str(&format!(
            " {} share tags or files with an earlier assignment because nothing independent was left; coordinate them.",
            shared.join(", ")
        ));
    }
    text
}
