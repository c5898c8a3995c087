//! Eligibility split in two: what a task's status, claim and prerequisites settle whatever the call asks (kept with
//! a [`super::Board`] and updated per changed task), and what the call's constraints decide, which only the ready
//! frontier needs. A call then costs time in the ready tasks, not in the board.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::collections::BTreeSet;

use crate::model::{Status, TaskId};

use super::dag::{Dag, Node};
use super::scoring::{has, normalised};
use super::{Candidate, Constraints};

/// How a task fared against eligibility, first failing rule wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    Eligible,
    Completed,
    InProgress,
    Blocked,
    Claimed,
    Waiting,
    BelowPriority,
    OverComplexity,
    ExcludedTag,
    MissingTag,
    OverHours,
    UnderHours,
}

/// The verdicts settled without the constraints, in [`Frontier::settled`] order.
const SETTLED: [Verdict; 5] =
    [Verdict::Completed, Verdict::InProgress, Verdict::Blocked, Verdict::Claimed, Verdict::Waiting];

/// The verdict a task's status, claim and unfinished prerequisites give; `None` for a ready task, which the call's
/// constraints decide on with [`Eligibility::verdict`].
pub(super) fn settled_verdict(task: &Candidate, open_prereqs: u32) -> Option<Verdict> {
    match task.status {
        Status::Completed => Some(Verdict::Completed),
        Status::InProgress => Some(Verdict::InProgress),
        Status::Blocked => Some(Verdict::Blocked),
        Status::Pending if task.claimed => Some(Verdict::Claimed),
        Status::Pending if open_prereqs > 0 => Some(Verdict::Waiting),
        Status::Pending => None,
    }
}

/// A call's hard constraints, normalised once per call.
pub(super) struct Eligibility<'c> {
    constraints: &'c Constraints,
    limit: f64,
    excluded_tags: Vec<String>,
    required_tags: Vec<String>,
}

impl<'c> Eligibility<'c> {
    pub fn new(constraints: &'c Constraints) -> Eligibility<'c> {
        Eligibility {
            constraints,
            limit: constraints.complexity_limit(),
            excluded_tags: normalised(&constraints.excluded_tags),
            required_tags: normalised(&constraints.required_tags),
        }
    }

    /// The verdict on a ready task planned at `hours`.
    pub fn verdict(&self, task: &Candidate, hours: f64) -> Verdict {
        let c = self.constraints;
        if c.priority_threshold.is_some_and(|p| task.priority < p) {
            Verdict::BelowPriority
        } else if task.complexity_score.is_some_and(|s| s > self.limit || s.is_nan()) {
            Verdict::OverComplexity
        } else if task.tags.iter().any(|t| has(&self.excluded_tags, t)) {
            Verdict::ExcludedTag
        } else if !self.required_tags.iter().all(|r| has(&task.tags, r)) {
            Verdict::MissingTag
        } else if c.max_estimated_hours.is_some_and(|m| hours > m) {
            Verdict::OverHours
        } else if c.min_estimated_hours.is_some_and(|m| hours < m) {
            Verdict::UnderHours
        } else {
            Verdict::Eligible
        }
    }
}

/// A blocker candidate in the order the exclusion summary names them: most waiting work first, then most direct
/// dependents, then the lower id.
#[derive(Debug, Clone, Copy)]
pub(super) struct RootKey {
    pub waiting: f64,
    pub direct: usize,
    pub id: TaskId,
    pub node: Node,
}

impl RootKey {
    pub fn of(dag: &Dag, waiting_share: &[f64], node: usize) -> RootKey {
        RootKey {
            waiting: waiting_share[node],
            direct: dag.dependents(node as Node).len(),
            id: dag.ids[node],
            node: node as Node,
        }
    }
}

impl Ord for RootKey {
    fn cmp(&self, other: &Self) -> Ordering {
        other.waiting.total_cmp(&self.waiting).then(other.direct.cmp(&self.direct)).then(self.id.cmp(&other.id))
    }
}

impl PartialOrd for RootKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for RootKey {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal && self.node == other.node
    }
}

impl Eq for RootKey {}

/// The constraint-independent part of eligibility over a board.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Frontier {
    /// Pending, unclaimed tasks with no unfinished prerequisite, ascending: the only ones a call's constraints decide.
    pub ready: BTreeSet<Node>,
    /// How many tasks each of [`SETTLED`] verdicts got.
    pub settled: [usize; 5],
    /// Unfinished nodes with no unfinished prerequisite that waiting work hangs on and that are not ready: in
    /// progress, blocked, claimed, or a dependency naming no task of the board. Ready tasks a call's constraints
    /// exclude join them per call.
    pub roots: BTreeSet<RootKey>,
}

impl Frontier {
    /// The frontier of a board from scratch; `tasks` are the board's tasks in node order.
    pub fn compute<T: Borrow<Candidate>>(tasks: &[T], dag: &Dag, waiting_share: &[f64]) -> Frontier {
        let mut frontier = Frontier::default();
        for (i, task) in tasks.iter().enumerate() {
            frontier.add(i, task.borrow(), dag, waiting_share);
        }
        for node in dag.known..dag.len() {
            if Self::is_root(dag, waiting_share, node) {
                frontier.roots.insert(RootKey::of(dag, waiting_share, node));
            }
        }
        frontier
    }

    fn is_root(dag: &Dag, waiting_share: &[f64], node: usize) -> bool {
        dag.unfinished[node] && dag.open_prereqs[node] == 0 && waiting_share[node] > 0.0
    }

    /// Counts task `node` in (as it is now).
    pub fn add(&mut self, node: usize, task: &Candidate, dag: &Dag, waiting_share: &[f64]) {
        self.update(node, task, dag, waiting_share, true);
    }

    /// Counts task `node` out (as it was when counted in).
    pub fn remove(&mut self, node: usize, task: &Candidate, dag: &Dag, waiting_share: &[f64]) {
        self.update(node, task, dag, waiting_share, false);
    }

    fn update(&mut self, node: usize, task: &Candidate, dag: &Dag, waiting_share: &[f64], add: bool) {
        match settled_verdict(task, dag.open_prereqs[node]) {
            None if add => {
                self.ready.insert(node as Node);
            }
            None => {
                self.ready.remove(&(node as Node));
            }
            Some(verdict) => {
                let slot = SETTLED.iter().position(|v| *v == verdict).unwrap_or_default();
                if add {
                    self.settled[slot] += 1;
                } else {
                    self.settled[slot] = self.settled[slot].saturating_sub(1);
                }
                if Self::is_root(dag, waiting_share, node) {
                    let key = RootKey::of(dag, waiting_share, node);
                    if add {
                        self.roots.insert(key);
                    } else {
                        self.roots.remove(&key);
                    }
                }
            }
        }
    }

    /// How many tasks got `verdict` among the settled ones.
    pub fn settled_count(&self, verdict: Verdict) -> usize {
        SETTLED.iter().position(|v| *v == verdict).map_or(0, |slot| self.settled[slot])
    }
}
