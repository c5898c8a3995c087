//! Domain model of task-orchestrator.
//!
//! Pure: no I/O, no async runtime, no SQL. Everything here is shared by the storage backends, the service layer and
//! the adapters, so a rule written here holds on every backend and through every interface.

pub mod error;
pub mod graph;
pub mod limits;
pub mod model;
pub mod rows;
pub mod rules;
pub mod select;
pub mod store;
#[cfg(any(test, feature = "testkit"))]
pub mod testkit;
pub mod validate;

pub use error::{Error, Result, TaskRef};
pub use model::*;
pub use store::{BoardChanges, RecordsWanted, SchemaVersion, TaskRecords, TaskStore};
