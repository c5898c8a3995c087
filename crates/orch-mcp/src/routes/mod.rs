//! Tool registrations, one router per tool group (combined in [`crate::OrchestratorServer::new`]).

mod exec;
mod planning;
mod tasks;
