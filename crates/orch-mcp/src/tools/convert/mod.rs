//! Domain values of the crates above orch-core (analyses, expansions, PRDs, selections, sandbox limits) into their
//! wire types in orch-protocol, which cannot depend on those crates. Field by field, no decision: what a result
//! holds is decided by the service and the domain crates.

pub(crate) mod analysis;
pub(crate) mod execution;
pub(crate) mod expansion;
pub(crate) mod prd;
pub(crate) mod selection;

/// A count or index on the wire (a `usize` always fits).
fn count(n: usize) -> u64 {
    n as u64
}
