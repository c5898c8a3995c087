//! The board's rules, as pure functions over data. Every store reads what a rule needs, calls it inside its write
//! transaction and writes what it decides; no store decides on its own, so both backends behave alike by construction.

mod claim;
mod delete;
mod metrics;
mod patch;
mod references;
mod status;

pub use claim::open_for_claim;
pub use delete::ensure_deletable;
pub use metrics::board_metrics;
pub use patch::{ColumnValue, patch_assignments};
pub use references::{
    ensure_found, external_key_taken, new_task_dependencies, new_task_parent, new_task_project, resolve_batch_ref,
};
pub use status::{StatusEffects, status_change};
