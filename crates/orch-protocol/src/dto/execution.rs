//! The limits an execution ran under, as `execute_code` reports them (docs/sandbox.md). Keys are snake_case like
//! the rest of the execution; a limit the machine could not enforce is null.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The limits an execution ran under.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(inline)]
#[schemars(transform = super::nullable::one_of_null)]
pub struct LimitsDto {
    /// Wall-clock timeout in seconds.
    pub timeout_secs: f64,
    /// Memory of all processes together (cgroup); null when not enforced.
    pub memory_bytes: Option<u64>,
    /// Processes and threads (pids cgroup); null when not enforced.
    pub max_processes: Option<u64>,
    /// Bytes kept per output stream.
    pub output_limit_bytes: u64,
    /// Largest file the code may write.
    pub max_file_size_bytes: u64,
    /// Open file descriptors.
    pub max_open_files: u64,
}
