//! Starting sandbox helpers, and keeping a few prepared ahead of requests.
//!
//! A launched helper has its scratch directory and cgroup, has received the request-independent [`Setup`], and (in
//! namespace mode) has joined the cgroup, unshared its namespaces and built its root; it then blocks until the job
//! arrives. Keeping such helpers ready takes that work off the request's path. Each helper serves one job (it exits
//! after it), a helper leaves the pool only by being taken, under its lock, so two requests never share one, and a
//! helper whose server is gone reads end of file on its control socket and exits.

use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::cgroup::{CgroupParent, ExecCgroup};
use crate::config::ExecConfig;
use crate::error::ExecError;
use crate::spec::{HelperLimits, RequestedLayers, Setup, frame};

/// RLIMIT_NOFILE of executed code.
pub(crate) const OPEN_FILES: u64 = 1024;

/// A per-execution scratch directory on the host, removed when dropped.
pub(crate) struct Scratch {
    root: PathBuf,
}

impl Scratch {
    /// One of its subdirectories (`in`, `tmp`, `work`, `pkgs`, `root`).
    pub(crate) fn dir(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // Best effort also on cancellation; normal paths remove it off the runtime first.
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// A helper that has its setup and waits for its job.
pub(crate) struct Launched {
    /// The helper process (killed when dropped).
    pub child: tokio::process::Child,
    /// The server's end of the control socket (blocking until the job is sent).
    pub control: UnixStream,
    /// The cgroup the helper joined, if cgroups are in use.
    pub cgroup: Option<ExecCgroup>,
    /// Its scratch directory.
    pub scratch: Scratch,
}

/// What a helper is launched for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// The start-up trial run: every layer requested, best effort, with a canary that Landlock must hide.
    Probe,
    /// An execution; `network` when a step installs packages.
    Run {
        /// Whether a step needs the host network.
        network: bool,
    },
}

/// Starts helpers and keeps up to `wanted` of them prepared.
pub(crate) struct Launcher {
    /// The command that starts a helper.
    pub helper_command: Vec<std::ffi::OsString>,
    /// Where scratch directories go.
    pub scratch_root: PathBuf,
    /// Where per-execution cgroups go (`None`: no cgroups).
    pub cgroup: Option<CgroupParent>,
    /// Memory limit of one execution's cgroup.
    pub memory_bytes: u64,
    /// Process limit of one execution's cgroup.
    pub processes: u64,
    /// Paths bound read-only (the execution's own `in` directory is added per helper).
    pub read_paths: Vec<PathBuf>,
    /// Paths masked inside the sandbox.
    pub protected: Vec<PathBuf>,
    /// The layers found by the trial run.
    pub layers: RequestedLayers,
    /// Limits applied inside the helper.
    pub limits: HelperLimits,
    /// The user code runs as under namespaces when the server is root.
    pub sandbox_user: (u32, u32),
    /// How many prepared helpers to keep.
    pub wanted: usize,
    pool: Mutex<Vec<Launched>>,
    /// Helpers in the pool plus those being prepared for it.
    filling: AtomicUsize,
}

impl Launcher {
    /// A launcher with an empty pool; call [`Launcher::refill`] once the layers are known.
    pub(crate) fn new(
        config: &ExecConfig,
        cgroup: Option<CgroupParent>,
        read_paths: Vec<PathBuf>,
        protected: Vec<PathBuf>,
    ) -> Self {
        Self {
            helper_command: config.helper_command.clone(),
            scratch_root: config.scratch_root.clone(),
            cgroup,
            memory_bytes: config.max_memory_bytes,
            processes: config.max_processes,
            read_paths,
            protected,
            layers: RequestedLayers { namespaces: false, landlock: false, seccomp: false },
            limits: HelperLimits {
                file_size_bytes: config.max_file_size_bytes,
                open_files: OPEN_FILES,
                // RLIMIT_NPROC counts every process of the user, and concurrent executions share the sandbox user.
                processes: config.max_processes.saturating_mul(config.max_concurrent.max(1) as u64),
                // The scratch quota: configured, or half the memory limit (tmpfs pages count against the memory
                // cgroup, so memory and disk together never exceed the memory limit).
                disk_bytes: config.disk_bytes.unwrap_or(config.max_memory_bytes / 2).max(1024 * 1024),
            },
            sandbox_user: config.sandbox_user,
            // Two cover a caller running executions one after another, or two at once, at two idle processes each.
            wanted: config.max_concurrent.clamp(1, 2),
            pool: Mutex::default(),
            filling: AtomicUsize::new(0),
        }
    }

    /// The user executed code runs as: the unprivileged sandbox user when the server is root and has namespaces.
    pub(crate) fn run_as(&self, namespaces: bool) -> Option<(u32, u32)> {
        (namespaces && nix::unistd::geteuid().is_root()).then_some(self.sandbox_user)
    }

    /// A fresh scratch directory (mode 0700; its `in` directory, which holds the code, is readable by the sandbox
    /// user).
    pub(crate) fn scratch(&self, kind: &str) -> Result<Scratch, ExecError> {
        let root = self.scratch_root.join(unique_name(kind));
        for dir in ["", "in", "tmp", "work", "pkgs", "root"] {
            std::fs::create_dir_all(root.join(dir))
                .map_err(|e| ExecError::io(format!("creating {}", root.join(dir).display()), e))?;
        }
        let scratch = Scratch { root };
        set_mode(&scratch.root, 0o700)?;
        set_mode(&scratch.dir("in"), 0o755)?;
        Ok(scratch)
    }

    /// A prepared helper for an execution without network, if one is ready; starts a replacement in the
    /// background either way.
    pub(crate) fn take(self: &Arc<Self>) -> Option<Launched> {
        let mut taken = None;
        let mut dead = Vec::new();
        if let Ok(mut pool) = self.pool.lock() {
            while let Some(mut launched) = pool.pop() {
                self.filling.fetch_sub(1, Ordering::SeqCst);
                // One that died while waiting (killed from outside, out of memory) is of no use.
                if matches!(launched.child.try_wait(), Ok(None)) {
                    taken = Some(launched);
                    break;
                }
                dead.push(launched);
            }
        }
        if !dead.is_empty() {
            tokio::task::spawn_blocking(move || drop(dead));
        }
        self.refill();
        taken
    }

    /// Starts preparing helpers in the background until `wanted` are in the pool or on their way.
    pub(crate) fn refill(self: &Arc<Self>) {
        while self
            .filling
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| (n < self.wanted).then_some(n + 1))
            .is_ok()
        {
            let launcher = self.clone();
            tokio::spawn(async move {
                match launcher.launch(Purpose::Run { network: false }).await {
                    Ok(launched) => match launcher.pool.lock() {
                        Ok(mut pool) => pool.push(launched),
                        Err(_) => {
                            launcher.filling.fetch_sub(1, Ordering::SeqCst);
                        }
                    },
                    Err(err) => {
                        // Executions fall back to starting their own helper, which reports the failure to them.
                        launcher.filling.fetch_sub(1, Ordering::SeqCst);
                        tracing::warn!(%err, "could not prepare a sandbox helper ahead of a request");
                    }
                }
            });
        }
    }

    /// Creates a scratch directory and a cgroup, starts a helper and sends it the setup.
    pub(crate) async fn launch(&self, purpose: Purpose) -> Result<Launched, ExecError> {
        let probe = purpose == Purpose::Probe;
        let scratch = self.scratch(if probe { "probe" } else { "exec" })?;
        let canary = if probe {
            let canary = scratch.dir("canary");
            std::fs::write(&canary, "landlock must hide this")
                .map_err(|e| ExecError::io("writing the probe canary", e))?;
            Some(canary)
        } else {
            None
        };
        let cgroup = self.cgroup(probe).await?;
        let layers =
            if probe { RequestedLayers { namespaces: true, landlock: true, seccomp: true } } else { self.layers };
        let mut read_paths = self.read_paths.clone();
        read_paths.push(scratch.dir("in"));
        let setup = Setup {
            probe,
            root_mount: scratch.dir("root"),
            read_paths,
            protected_paths: self.protected.clone(),
            probe_canary: canary,
            cgroup_procs: cgroup.as_ref().map(ExecCgroup::procs_files).unwrap_or_default(),
            layers,
            limits: self.limits,
            run_as: self.run_as(layers.namespaces),
            network: matches!(purpose, Purpose::Run { network: true }),
        };
        let payload = frame(&setup).map_err(|e| ExecError::io("encoding the setup", std::io::Error::other(e)))?;
        let (control, helper_end) = UnixStream::pair().map_err(|e| ExecError::io("creating the control socket", e))?;
        let mut command = tokio::process::Command::new(&self.helper_command[0]);
        command
            .args(&self.helper_command[1..])
            .env_clear()
            .stdin(Stdio::from(OwnedFd::from(helper_end)))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let child = command.spawn().map_err(|e| ExecError::SandboxSetup {
            stage: "helper".into(),
            message: format!(
                "starting the sandbox helper {:?}: {e}; check that the server binary is still in place and that \
                 the process may start programs (open-file and process limits)",
                self.helper_command
            ),
        })?;
        // The command still holds our copy of the helper's socket end; the helper's end of file needs it closed.
        drop(command);
        // A few kilobytes into an empty socket buffer: this does not block.
        std::io::Write::write_all(&mut &control, &payload)
            .map_err(|e| ExecError::io("sending the setup to the helper", e))?;
        Ok(Launched { child, control, cgroup, scratch })
    }

    async fn cgroup(&self, probe: bool) -> Result<Option<ExecCgroup>, ExecError> {
        let Some(parent) = self.cgroup.clone() else { return Ok(None) };
        let (memory, processes) = (self.memory_bytes, self.processes);
        let name = unique_name("task-orchestrator");
        let created = tokio::task::spawn_blocking(move || parent.create(&name, memory, processes))
            .await
            .map_err(|e| ExecError::io("creating the cgroup", std::io::Error::other(e)))?;
        match created {
            Ok(cgroup) => Ok(Some(cgroup)),
            Err(message) if probe => {
                tracing::warn!(%message, "cgroup unavailable in the trial run");
                Ok(None)
            }
            Err(message) => Err(ExecError::SandboxSetup { stage: "cgroup".into(), message }),
        }
    }
}

impl Drop for Launcher {
    fn drop(&mut self) {
        // Killing prepared helpers and emptying their cgroups blocks; keep it off an async worker when there is one.
        let pool = self.pool.get_mut().map(std::mem::take).unwrap_or_default();
        if pool.is_empty() {
            return;
        }
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn_blocking(move || drop(pool))),
            Err(_) => drop(pool),
        }
    }
}

/// A name unique across every executor of this process and across processes (`kind-PID-N`, which the start-up
/// sweep reads back).
pub(crate) fn unique_name(kind: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    format!("{kind}-{}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// Sets the permission bits of `path`.
pub(crate) fn set_mode(path: &Path, mode: u32) -> Result<(), ExecError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| ExecError::io(format!("restricting {}", path.display()), e))
}
