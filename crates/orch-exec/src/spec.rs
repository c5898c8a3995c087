//! The protocol between the server and the sandbox helper: a JSON spec in, JSON-line reports out, both over the
//! helper's stdin, which is one end of a Unix socket pair.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// What the helper is asked to do.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SandboxSpec {
    /// Probe applies every layer best-effort and reports which ones hold; run requires every requested layer.
    pub probe: bool,
    /// Program (absolute path) and arguments.
    pub argv: Vec<String>,
    /// The whole environment of the program.
    pub env: Vec<(String, String)>,
    /// Working directory of the program.
    pub workdir: PathBuf,
    /// Mount a size-limited tmpfs on the working directory (fresh directories, namespaces only).
    pub workdir_tmpfs: bool,
    /// File given to the program as stdin instead of /dev/null.
    pub stdin_file: Option<PathBuf>,
    /// Paths readable (and executable) by the program under Landlock.
    pub read_paths: Vec<PathBuf>,
    /// Paths readable and writable by the program under Landlock.
    pub write_paths: Vec<PathBuf>,
    /// Paths hidden from the program by mounts.
    pub protected_paths: Vec<PathBuf>,
    /// `cgroup.procs` files the helper joins before anything else.
    pub cgroup_procs: Vec<PathBuf>,
    /// Which layers to apply.
    pub layers: RequestedLayers,
    /// Resource limits applied with setrlimit and tmpfs sizes.
    pub limits: HelperLimits,
    /// In probe mode: a file outside the allowed paths that Landlock must hide.
    pub probe_canary: Option<PathBuf>,
}

/// Layers the helper applies.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(crate) struct RequestedLayers {
    /// pid, mount, net, ipc and uts namespaces (plus a user namespace when not root), private /tmp and /proc.
    pub namespaces: bool,
    /// Keep the host network (package installs): no net namespace and no inet deny in seccomp or Landlock.
    pub allow_network: bool,
    /// Landlock filesystem, TCP and scope rules.
    pub landlock: bool,
    /// The seccomp deny-list.
    pub seccomp: bool,
}

/// Limits applied inside the helper.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(crate) struct HelperLimits {
    /// RLIMIT_FSIZE.
    pub file_size_bytes: u64,
    /// RLIMIT_NOFILE.
    pub open_files: u64,
    /// RLIMIT_NPROC (binds only non-root users; the pids cgroup binds everyone).
    pub processes: u64,
    /// Size of the private /tmp and of a tmpfs working directory.
    pub tmpfs_bytes: u64,
}

/// One line the helper reports.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "event", rename_all = "snake_case")]
pub(crate) enum HelperReport {
    /// A layer was applied (or not) in probe mode.
    Layer {
        /// Layer name.
        name: String,
        /// Whether it holds.
        ok: bool,
        /// Details or the reason it does not.
        detail: String,
    },
    /// The program exited.
    Exited {
        /// Exit code.
        code: i32,
    },
    /// The program was killed by a signal.
    Signaled {
        /// Signal number.
        signal: i32,
    },
    /// A stage could not be set up; the program did not run.
    SetupFailed {
        /// Stage name.
        stage: String,
        /// What failed.
        message: String,
    },
}
