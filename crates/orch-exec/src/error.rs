//! Errors of the execution engine, split by who can fix them.

use crate::config::IsolationLevel;

/// Why an execution could not be started (a finished run, even a failing or timed-out one, is an `ExecOutcome`).
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    // ---- caller mistakes -------------------------------------------------------------------------------------------
    /// The language name is not one of the supported ones.
    #[error("unsupported language `{given}`: expected one of python, javascript, typescript, bash, sql")]
    UnknownLanguage {
        /// The name the caller sent.
        given: String,
    },
    /// The working directory does not exist, is not a directory, or overlaps a protected path.
    #[error("invalid working_directory {path}: {reason}")]
    InvalidWorkingDirectory {
        /// The path the caller sent, quoted and bounded.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A package name does not match the allowed pattern.
    #[error(
        "invalid package name `{name}`: use a registry package name such as `requests`, `numpy==1.26.4` or \
         `@types/node@20` (letters, digits, `._-`, optional scope and version; no URLs, paths or options)"
    )]
    InvalidPackageName {
        /// The rejected name.
        name: String,
    },
    /// The timeout is below one second or above the configured maximum.
    #[error(
        "invalid timeout {given_secs}: it must be a number of seconds from 1 to {max_secs} \
         (the server's maximum, TASK_ORCHESTRATOR_EXEC_MAX_TIMEOUT)"
    )]
    TimeoutOutOfRange {
        /// The requested timeout in seconds.
        given_secs: f64,
        /// The largest accepted timeout in seconds.
        max_secs: f64,
    },
    /// JavaScript or TypeScript nests brackets deeper than accepted.
    #[error(
        "code nests brackets {depth} levels deep; at most {max} are accepted (deeper nesting would overflow the \
         parser); flatten the nested literal or expression"
    )]
    NestingTooDeep {
        /// The nesting found.
        depth: usize,
        /// The accepted maximum.
        max: usize,
    },
    /// The code is larger than the accepted maximum.
    #[error("code is {size} bytes, more than the {max} bytes accepted")]
    CodeTooLarge {
        /// Size of the code sent.
        size: usize,
        /// Largest accepted size.
        max: usize,
    },
    /// Packages were requested but installs may not reach the network.
    #[error(
        "packages {packages:?} requested but package installation is disabled because it needs the network; \
         set TASK_ORCHESTRATOR_EXEC_PACKAGE_NETWORK=true to let installs (and only installs) reach the package index"
    )]
    PackageNetworkDisabled {
        /// The requested packages.
        packages: Vec<String>,
    },
    /// The language has no package manager support.
    #[error(
        "packages are not supported for {language}: only python (pip) and javascript/typescript (npm) install packages"
    )]
    PackagesUnsupported {
        /// The language of the request.
        language: String,
    },
    /// The package installer ran and failed.
    #[error("installing packages {packages:?} failed (exit {exit_code:?}): {stderr}")]
    PackageInstallFailed {
        /// The requested packages.
        packages: Vec<String>,
        /// Exit code of the installer, if it exited.
        exit_code: Option<i32>,
        /// The tail of the installer's error output.
        stderr: String,
    },

    // ---- environment problems --------------------------------------------------------------------------------------
    /// The interpreter for a language was not found or does not run.
    #[error("{program} for {language} is not usable ({reason}); install it or set {env_var} to its path")]
    InterpreterMissing {
        /// The language that needs it.
        language: String,
        /// The configured program.
        program: String,
        /// The variable that configures it.
        env_var: &'static str,
        /// Why it is unusable.
        reason: String,
    },
    /// The sandbox on this machine is weaker than the configured minimum.
    #[error(
        "refusing to execute code: the sandbox on this machine reaches isolation level `{detected}` but \
         TASK_ORCHESTRATOR_EXEC_MIN_ISOLATION requires `{required}`. {how_to_enable}"
    )]
    IsolationBelowMinimum {
        /// What the trial run achieved.
        detected: IsolationLevel,
        /// What the configuration requires.
        required: IsolationLevel,
        /// How to enable the missing layers.
        how_to_enable: String,
    },
    /// A configuration value could not be parsed.
    #[error("invalid configuration {var}={value:?}: {reason}")]
    InvalidConfig {
        /// The environment variable.
        var: &'static str,
        /// Its value.
        value: String,
        /// What was expected.
        reason: String,
    },

    // ---- internal failures -----------------------------------------------------------------------------------------
    /// An I/O operation of the engine itself failed.
    #[error("{context}: {source}")]
    Io {
        /// What the engine was doing.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The sandbox helper failed while setting up a layer it had reported working.
    #[error(
        "the sandbox could not be set up (stage {stage}: {message}); the code did not run. Check the server's \
         sandbox with `task-orchestrator health` or /readyz, and see docs/sandbox.md for what each layer needs"
    )]
    SandboxSetup {
        /// The stage that failed.
        stage: String,
        /// The helper's message.
        message: String,
    },
}

impl ExecError {
    /// Whether the caller can fix the request (as opposed to the server's environment or an internal failure).
    pub fn is_caller_error(&self) -> bool {
        matches!(
            self,
            Self::UnknownLanguage { .. }
                | Self::InvalidWorkingDirectory { .. }
                | Self::InvalidPackageName { .. }
                | Self::TimeoutOutOfRange { .. }
                | Self::NestingTooDeep { .. }
                | Self::CodeTooLarge { .. }
                | Self::PackageNetworkDisabled { .. }
                | Self::PackagesUnsupported { .. }
                | Self::PackageInstallFailed { .. }
        )
    }

    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io { context: context.into(), source }
    }
}
