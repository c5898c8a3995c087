//! Errors of the use cases.

/// Result with the service [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Broad classes of failure, for adapters choosing how to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The caller's input was wrong; the message says how to fix it.
    InvalidInput,
    /// A named thing does not exist.
    NotFound,
    /// The request conflicts with the current state (cycle, unfinished prerequisites, still referenced).
    Conflict,
    /// A capability is not available on this server (missing interpreter, sandbox layer, configuration); the message
    /// says how to enable it.
    Unavailable,
    /// Something on the server side failed.
    Internal,
}

/// A failed use case.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A domain or storage error.
    #[error(transparent)]
    Domain(#[from] orch_core::Error),
    /// Code execution failed to run (not: the code failed — that is an outcome).
    #[error(transparent)]
    Exec(#[from] orch_exec::ExecError),
    /// The PRD could not be parsed.
    #[error(transparent)]
    Prd(#[from] orch_prd::PrdError),
    /// The analysis could not run.
    #[error(transparent)]
    Analyze(#[from] orch_analyze::AnalyzeError),
    /// The expansion request was invalid or the providers misconfigured.
    #[error(transparent)]
    Expand(#[from] orch_expand::ExpandError),
    /// A board file or the git repository could not be read.
    #[error(transparent)]
    Interop(#[from] orch_interop::Error),
    /// A capability is switched off or failed to start; the message says why and how to enable it.
    #[error("{0}")]
    Unavailable(String),
    /// The request conflicts with the current state; the message says how to proceed.
    #[error("{0}")]
    Conflict(String),
    /// A background worker failed.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// The class of failure.
    pub fn kind(&self) -> ErrorKind {
        use orch_core::Error as E;
        match self {
            Error::Domain(E::Invalid { .. }) => ErrorKind::InvalidInput,
            Error::Domain(E::TaskNotFound(_) | E::MissingReferences { .. }) => ErrorKind::NotFound,
            Error::Domain(E::Cycle { .. } | E::Blocked { .. } | E::StillReferenced { .. }) => ErrorKind::Conflict,
            Error::Domain(E::Storage { .. }) => ErrorKind::Internal,
            Error::Exec(e) if e.is_caller_error() => ErrorKind::InvalidInput,
            Error::Exec(
                orch_exec::ExecError::InterpreterMissing { .. }
                | orch_exec::ExecError::IsolationBelowMinimum { .. }
                | orch_exec::ExecError::InvalidConfig { .. }
                | orch_exec::ExecError::SandboxSetup { .. },
            ) => ErrorKind::Unavailable,
            Error::Exec(_) => ErrorKind::Internal,
            Error::Prd(_) => ErrorKind::InvalidInput,
            Error::Analyze(
                orch_analyze::AnalyzeError::InvalidWeights(_) | orch_analyze::AnalyzeError::InvalidEnv { .. },
            ) => ErrorKind::Unavailable,
            Error::Analyze(_) => ErrorKind::InvalidInput,
            Error::Expand(orch_expand::ExpandError::Config(_)) => ErrorKind::Unavailable,
            Error::Expand(_) => ErrorKind::InvalidInput,
            Error::Interop(e) if e.is_caller_error() => ErrorKind::InvalidInput,
            // git's own words are the useful part of a failed git call, so it is reported, not hidden as internal.
            Error::Interop(_) => ErrorKind::Unavailable,
            Error::Unavailable(_) => ErrorKind::Unavailable,
            Error::Conflict(_) => ErrorKind::Conflict,
            Error::Internal(_) => ErrorKind::Internal,
        }
    }
}
