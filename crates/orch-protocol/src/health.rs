//! The bodies of the HTTP probes: `GET /healthz` (liveness) and `GET /readyz` (readiness).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The body of `GET /healthz`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Liveness {
    /// Always "ok": a process that answers is alive.
    pub status: String,
    /// The server's version.
    pub version: String,
    /// Seconds since the server started listening.
    pub uptime_seconds: f64,
}

/// The outcome of every readiness check; `ready` is true only when all passed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Readiness {
    /// Every check passed.
    pub ready: bool,
    /// Whether the database answers a trivial query.
    pub database: DatabaseCheck,
    /// Whether the database schema is the one this build's migrations produce; absent for backends without
    /// versioned schemas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<SchemaCheck>,
    /// Code execution: the sandbox's isolation level, or why execution is unavailable. Informational: the other
    /// tools work without it, so it does not make the server unready.
    pub sandbox: SandboxCheck,
}

/// The state of code execution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SandboxCheck {
    /// `ready`, `starting` (the start-up probe is still running) or `unavailable`.
    pub state: String,
    /// The isolation level executions run under (none, process, landlock, namespaces), when ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isolation: Option<String>,
    /// Why execution is unavailable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The database round trip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DatabaseCheck {
    /// The database answered.
    pub ok: bool,
    /// How long the round trip took, in milliseconds.
    pub latency_ms: f64,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The schema version against the expected one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SchemaCheck {
    /// The database is at the expected version.
    pub ok: bool,
    /// The version the database is at (absent when it could not be read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<u32>,
    /// The version this build expects (absent when it could not be read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<u32>,
    /// Why it failed and what to do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Readiness {
    /// The names of the failed checks, for a one-line summary (`database`, `schema`).
    pub fn failures(&self) -> Vec<&'static str> {
        let mut failed = Vec::new();
        if !self.database.ok {
            failed.push("database");
        }
        if self.schema.as_ref().is_some_and(|s| !s.ok) {
            failed.push("schema");
        }
        failed
    }
}
