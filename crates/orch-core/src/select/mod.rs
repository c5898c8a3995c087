//! Next-task selection: which ready task an agent (or a team) should take now, and why.
//!
//! [`select`] is a pure, deterministic function of its inputs: the project's tasks as [`Candidate`]s, the caller's
//! [`Constraints`], what the agent did last ([`RecentWork`]), the project's history ([`HistoryStats`]), the factor
//! [`Weights`] and the current time. It returns every eligible task ranked best first (so a store can atomically
//! claim the first one still free with `TaskStore::claim_first`), the reasoning for the choice, an optional plan
//! for a team, and why the other tasks were left out. See `docs/selection.md` for the formulas and the simulation.

mod dag;
mod explain;
mod frontier;
mod history;
mod scoring;
mod selection;
mod team;
#[cfg(test)]
mod tests;
mod types;

pub use history::{HISTORY_HALF_TRUST, HistoryRecord, HistoryStats, OVERRUN_RANGE, Outcomes};
pub use scoring::{
    DEFAULT_COMPLEXITY, DEFAULT_HOURS, DEFAULT_MAX_COMPLEXITY, DEFAULT_RISK, complexity_from_hours,
    hours_from_complexity, risk_from_level,
};
pub use selection::{Board, select};
pub use team::{Assignment, TeamPlan};
pub use types::*;

use scoring::has;
