//! The wire contract of task-orchestrator: the parameters and results of every tool and the bodies of the HTTP
//! health endpoints, with the JSON Schema an agent reads.
//!
//! Servers (orch-mcp) and clients (orch-client) both depend on this crate, so a client build never compiles the
//! server. It depends only on orch-core, serde and schemars.

pub mod dto;
pub mod health;
