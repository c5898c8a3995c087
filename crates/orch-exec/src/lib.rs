//! Sandboxed code execution for task-orchestrator: python, javascript, typescript, bash and sql.
//!
//! The server calls [`Executor::execute`]; each execution runs in a re-executed helper process
//! ([`sandbox_helper_main`]) that layers a cgroup, namespaces, Landlock, seccomp and rlimits around the interpreter.
//! The layers that work are found once by a trial run ([`Executor::new`]) and the resulting [`IsolationLevel`] is
//! recorded with every [`ExecOutcome`]. `docs/sandbox.md` explains what each level protects against.

// Unsafe is confined to `helper.rs`: fork, dup2/close_range, capset and a signal handler are the only way to build a
// sandbox between fork and execve. Every block carries a SAFETY comment.
#![allow(unsafe_code)]

mod cgroup;
mod config;
mod error;
mod executor;
mod helper;
mod packages;
mod seccomp;
mod spec;
mod typescript;

pub use config::{ExecConfig, ExecLanguage, IsolationLevel, parse_size};
pub use error::ExecError;
pub use executor::{AppliedLimits, ExecOutcome, ExecRequest, Executor, IsolationReport, LayerStatus};
pub use helper::sandbox_helper_main;

/// The argument after which the main binary hands over to [`sandbox_helper_main`].
pub const HELPER_ARG: &str = "__sandbox";
