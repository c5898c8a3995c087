//! The protocol between the server and the sandbox helper, over the helper's stdin, one end of a Unix socket pair:
//! a framed [`Setup`] in; later one byte carrying the working directory's handle (or none) and a framed [`Job`];
//! JSON-line reports out. A prepared helper builds its sandbox from the setup and blocks until the job arrives.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// The byte sent with the working directory's handle attached.
pub(crate) const WITH_HANDLE: u8 = b'F';
/// The byte sent when there is no handle.
pub(crate) const WITHOUT_HANDLE: u8 = b'N';

/// The first message: everything about the sandbox that does not depend on the request, so a helper can build it
/// before a request arrives (a prepared helper) and then wait for its [`Job`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Setup {
    /// Probe applies every layer best-effort and reports which ones hold; run requires every requested layer.
    pub probe: bool,
    /// An empty host directory on which the helper mounts the sandbox's root filesystem (namespaces only).
    pub root_mount: PathBuf,
    /// Paths bound read-only into the sandbox's root and readable (and executable) under Landlock.
    pub read_paths: Vec<PathBuf>,
    /// Paths hidden from the program by mounts even when they lie under a bound path.
    pub protected_paths: Vec<PathBuf>,
    /// Host files bound into the root but not readable under Landlock: the probe's proof that Landlock holds.
    pub probe_canary: Option<PathBuf>,
    /// `cgroup.procs` files the helper joins before anything else.
    pub cgroup_procs: Vec<PathBuf>,
    /// Which layers to apply.
    pub layers: RequestedLayers,
    /// Resource limits applied with setrlimit and tmpfs sizes.
    pub limits: HelperLimits,
    /// The unprivileged user and group the program runs as when the helper starts as root (`None`: keep the
    /// server's own user, as an unprivileged server is already).
    pub run_as: Option<(u32, u32)>,
    /// Whether a step will need the host network (a package install): the sandbox then keeps it, and the steps
    /// without network enter a net namespace of their own.
    pub network: bool,
}

/// The second message: what one request runs. It follows the byte that carries the working directory's handle.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Job {
    /// Steps run one after another in the same sandbox (a package install, then the program); the helper stops at
    /// the first step that does not exit 0. The last step is the program whose outcome is reported.
    pub steps: Vec<Step>,
    /// Working directory of the program (its path as the program sees it, which is the host path).
    pub workdir: PathBuf,
    /// The working directory is a fresh directory on the sandbox's own root (namespaces) instead of the handle the
    /// server sent.
    pub fresh_workdir: bool,
    /// Paths readable and writable under Landlock (levels below namespaces; inside namespaces writable places are
    /// on the sandbox's own root).
    pub write_paths: Vec<PathBuf>,
}

/// Largest message the helper accepts; a job is a few kilobytes (the code travels as a file).
pub(crate) const MAX_MESSAGE_BYTES: u32 = 16 * 1024 * 1024;

/// Writes one message: a big-endian `u32` length, then the JSON. Exact lengths let the helper read the setup without
/// reading into the handle byte that follows it.
pub(crate) fn frame(message: &impl Serialize) -> Result<Vec<u8>, String> {
    let json = serde_json::to_vec(message).map_err(|e| format!("encoding a message: {e}"))?;
    let length = u32::try_from(json.len())
        .ok()
        .filter(|length| *length <= MAX_MESSAGE_BYTES)
        .ok_or_else(|| format!("a message of {} bytes exceeds {MAX_MESSAGE_BYTES}", json.len()))?;
    let mut framed = length.to_be_bytes().to_vec();
    framed.extend_from_slice(&json);
    Ok(framed)
}

/// Reads one message written by [`frame`].
pub(crate) fn read_frame<T: serde::de::DeserializeOwned>(mut from: impl std::io::Read) -> Result<T, String> {
    let mut length = [0u8; 4];
    from.read_exact(&mut length).map_err(|e| format!("reading a message length: {e}"))?;
    let length = u32::from_be_bytes(length);
    if length > MAX_MESSAGE_BYTES {
        return Err(format!("a message of {length} bytes exceeds {MAX_MESSAGE_BYTES}"));
    }
    let mut json = vec![0u8; length as usize];
    from.read_exact(&mut json).map_err(|e| format!("reading a message: {e}"))?;
    serde_json::from_slice(&json).map_err(|e| format!("parsing a message: {e}"))
}

/// One program run inside the sandbox.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Step {
    /// Program (absolute path) and arguments; an argument equal to [`SCRIPT_PLACEHOLDER`] is replaced by the path
    /// of the transpiled script.
    pub argv: Vec<String>,
    /// The whole environment of the program.
    pub env: Vec<(String, String)>,
    /// Directory the step runs in (a package install runs outside the working directory).
    pub cwd: Option<PathBuf>,
    /// File given to the program as stdin instead of /dev/null.
    pub stdin_file: Option<PathBuf>,
    /// Whether this step may reach the network (package installs with installs enabled).
    pub network: bool,
    /// Where the step's stdout and stderr go instead of the execution's output (a package install's log).
    pub log_file: Option<PathBuf>,
    /// JavaScript or TypeScript to prepare inside the sandbox before `execve` (parsing untrusted code never happens
    /// in the server).
    pub script: Option<ScriptJob>,
}

/// The argument replaced by the path of the prepared script.
pub(crate) const SCRIPT_PLACEHOLDER: &str = "{script}";

/// Source to turn into a runnable node script inside the sandbox.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ScriptJob {
    /// The source file.
    pub source: PathBuf,
    /// Whether it is TypeScript (transpiled) or JavaScript (only checked for module syntax).
    pub typescript: bool,
    /// A writable directory for the emitted `main.mjs` / `main.cjs`.
    pub out_dir: PathBuf,
}

/// Layers the helper applies.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(crate) struct RequestedLayers {
    /// pid, mount, net, ipc and uts namespaces (plus a user namespace when not root), a root of its own.
    pub namespaces: bool,
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
    /// RLIMIT_NPROC (counts every process of the user; the pids cgroup is the per-execution bound).
    pub processes: u64,
    /// Size of the sandbox's root filesystem, which holds /tmp, a fresh working directory and installed packages:
    /// the execution's whole scratch quota.
    pub disk_bytes: u64,
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
    /// A step before the last one finished.
    StepExited {
        /// Index of the step.
        step: usize,
        /// Exit code (128 + signal when killed).
        code: i32,
        /// The end of its log.
        log_tail: String,
    },
    /// The script is being prepared (a crash now is the parser's, not the program's).
    Preparing,
    /// The script is ready; what follows is the program's.
    Prepared,
    /// The script could not be parsed; the program did not run.
    SyntaxError {
        /// The parser's message with line and column.
        message: String,
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

impl HelperReport {
    /// Whether this report ends the run (the program's outcome or a failure), as opposed to progress.
    pub(crate) fn is_terminal(&self) -> bool {
        matches!(
            self,
            Self::SyntaxError { .. } | Self::Exited { .. } | Self::Signaled { .. } | Self::SetupFailed { .. }
        )
    }
}
