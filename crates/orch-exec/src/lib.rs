//! Sandboxed code execution for task-orchestrator: python, javascript, typescript, bash and sql.
//!
//! The server calls [`Executor::execute`]; each execution runs in a re-executed helper process
//! ([`sandbox_helper_main`]) that layers a cgroup, namespaces, Landlock, seccomp and rlimits around the interpreter.
//! The layers that work are found once by a trial run ([`Executor::new`]) and the resulting [`IsolationLevel`] is
//! recorded with every [`ExecOutcome`]. `docs/sandbox.md` explains what each level protects against.

mod cgroup;
mod config;
// Unsafe is confined to the helper's stages: fork, dup2/close_range, capset and a signal handler are the only way to
// build a sandbox between fork and execve. Every block carries a SAFETY comment.
#[allow(unsafe_code)]
mod confine;
mod error;
mod executor;
#[allow(unsafe_code)]
mod helper;
mod launcher;
mod packages;
mod root;
mod seccomp;
mod spec;
mod sweep;
mod typescript;
pub mod workspace;

pub use config::{ExecConfig, ExecLanguage, IsolationLevel, parse_size};
pub use error::ExecError;
pub use executor::{
    AppliedLimits, ExecOutcome, ExecRequest, Executor, IsolationReport, LayerStatus, MAX_NESTING, check_timeout,
    timeout_from_secs,
};
pub use helper::sandbox_helper_main;

/// The argument after which the main binary hands over to [`sandbox_helper_main`].
pub const HELPER_ARG: &str = "__sandbox";
