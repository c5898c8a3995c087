//! Tool registrations, one router per tool group (combined in [`crate::OrchestratorServer::new`]).

mod exec;
mod interop;
mod next;
mod planning;
mod tasks;
