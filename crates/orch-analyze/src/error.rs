//! The one error type of the crate.

use std::path::PathBuf;

/// Why an analysis could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum AnalyzeError {
    /// `project_root` does not exist.
    #[error(
        "project_root `{}` does not exist; pass an existing directory or omit project_root to analyse the task text only",
        .0.display()
    )]
    RootMissing(PathBuf),
    /// `project_root` exists but is not a directory.
    #[error("project_root `{}` is not a directory; pass the project's top-level folder", .0.display())]
    RootNotDirectory(PathBuf),
    /// `project_root` cannot be read (permissions, I/O).
    #[error("project_root `{}` cannot be read: {source}; check the directory's permissions", path.display())]
    RootUnreadable {
        /// The root that was asked for.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// A weight is negative, NaN or infinite, or all weights are zero.
    #[error("invalid complexity weights: {0}")]
    InvalidWeights(String),
    /// An environment variable holds something that is not a number.
    #[error("environment variable {name}={value:?} is not a valid number: {why}")]
    InvalidEnv {
        /// The variable's name.
        name: &'static str,
        /// The value found.
        value: String,
        /// What was wrong with it.
        why: String,
    },
    /// All four factors are switched off, so there is nothing to score.
    #[error(
        "all four factors are disabled; enable at least one of analyze_dependencies, estimate_code_volume, assess_risk, use_historical_data"
    )]
    NothingEnabled,
    /// The caller supplied an options value that cannot work (e.g. `max_files` of zero).
    #[error("invalid analysis option: {0}")]
    InvalidOption(String),
}
