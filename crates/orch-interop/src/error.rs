//! Errors of reading other tools' files and the git repository.

use std::path::PathBuf;

/// Result with the interop [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong; every message says what was wrong and how to fix it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file is not in the format it was given as.
    #[error("this is not a {format} file: {message}")]
    Format {
        /// The format expected.
        format: &'static str,
        /// What is wrong, where.
        message: String,
    },
    /// The directory is not inside a git repository.
    #[error("{} is not inside a git repository; run inside one or name it (TASK_ORCHESTRATOR_GIT_REPO)", .0.display())]
    NotARepository(PathBuf),
    /// The `git` program could not be started.
    #[error("the git program could not be run ({0}); install git or put it on PATH")]
    GitMissing(String),
    /// A revision the caller named does not exist in the repository.
    #[error("'{rev}' is not a commit in the repository at {}{hint}", .repository.display())]
    UnknownRevision {
        /// The revision as given.
        rev: String,
        /// The repository looked in.
        repository: PathBuf,
        /// How to proceed.
        hint: &'static str,
    },
    /// git ran but failed.
    #[error("git {command} failed in {}: {stderr}", .repository.display())]
    Git {
        /// The subcommand.
        command: String,
        /// The repository.
        repository: PathBuf,
        /// What git said.
        stderr: String,
    },
    /// The task reference pattern is unusable.
    #[error("invalid task reference pattern: {0}")]
    Pattern(String),
}

impl Error {
    /// True when the caller can fix it by changing the input (file, revision, pattern).
    pub fn is_caller_error(&self) -> bool {
        matches!(
            self,
            Error::Format { .. } | Error::NotARepository(_) | Error::UnknownRevision { .. } | Error::Pattern(_)
        )
    }
}
