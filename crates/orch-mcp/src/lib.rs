//! The MCP adapter: the wire contract (DTOs with JSON Schema), the tool functions, and serving over stdio.
//!
//! This is the only crate that knows MCP or JSON Schema. A tool is: decode parameters, one [`Orchestrator`] call,
//! encode the result. The CLI calls the same [`tools`] functions, so `--json` output is the tool result.
//!
//! [`Orchestrator`]: orch_service::Orchestrator

pub mod framing;
pub mod http;
mod instrument;
pub mod metrics;
mod params;
mod prompts;
pub mod resources;
mod routes;
mod sampling;
mod server;
mod stdio;
mod subscriptions;
pub mod tools;

pub use orch_protocol::dto;

pub use http::{HttpConfig, HttpError, HttpMode, serve_http};
pub use metrics::Metrics;
pub use server::{OrchestratorServer, ServeError, serve_stdio, serve_stdio_limited};
pub use tools::ToolError;
