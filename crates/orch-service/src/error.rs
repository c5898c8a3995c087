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
    /// Something on the server side failed.
    Internal,
}

/// A failed use case.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A domain or storage error.
    #[error(transparent)]
    Domain(#[from] orch_core::Error),
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
        }
    }
}
