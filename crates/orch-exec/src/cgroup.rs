//! Per-execution cgroups (v1 memory + pids controllers, or v2), created by the server and joined by the helper.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Where per-execution cgroups are created.
#[derive(Debug, Clone)]
pub(crate) enum CgroupParent {
    /// cgroup v1: one directory per controller.
    V1 {
        /// Directory in the memory hierarchy.
        memory: PathBuf,
        /// Directory in the pids hierarchy.
        pids: PathBuf,
    },
    /// cgroup v2: one directory with both controllers enabled for its children.
    V2 {
        /// The parent directory.
        dir: PathBuf,
    },
}

impl CgroupParent {
    /// Finds the server's own cgroup (or uses `configured`), preferring v1 controllers when they are mounted.
    pub(crate) fn detect(configured: Option<&Path>) -> Result<Self, String> {
        let own =
            std::fs::read_to_string("/proc/self/cgroup").map_err(|e| format!("reading /proc/self/cgroup: {e}"))?;
        let controller_path = |name: &str| {
            own.lines().find_map(|line| {
                let mut parts = line.splitn(3, ':');
                let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
                controllers.split(',').any(|c| c == name).then(|| path.trim_start_matches('/').to_owned())
            })
        };
        let v1_root = Path::new("/sys/fs/cgroup");
        if let (Some(memory), Some(pids)) = (controller_path("memory"), controller_path("pids"))
            && v1_root.join("memory/memory.limit_in_bytes").exists()
        {
            let memory = match configured {
                Some(dir) => dir.to_path_buf(),
                None => v1_root.join("memory").join(memory),
            };
            return Ok(Self::V1 { memory, pids: v1_root.join("pids").join(pids) });
        }
        if v1_root.join("cgroup.controllers").exists() {
            let dir = match configured {
                Some(dir) => dir.to_path_buf(),
                None => {
                    let path = own
                        .lines()
                        .find_map(|line| line.strip_prefix("0::"))
                        .ok_or("no cgroup v2 entry in /proc/self/cgroup")?;
                    v1_root.join(path.trim_start_matches('/'))
                }
            };
            // Children only get controllers the parent delegates; a parent holding processes cannot delegate, hence
            // TASK_ORCHESTRATOR_EXEC_CGROUP_PARENT for a dedicated (e.g. systemd Delegate=yes) subtree.
            let _ = std::fs::write(dir.join("cgroup.subtree_control"), "+memory +pids");
            return Ok(Self::V2 { dir });
        }
        Err("neither cgroup v1 memory+pids controllers nor cgroup v2 is mounted at /sys/fs/cgroup".into())
    }

    /// Creates a cgroup named `name` with the given limits.
    pub(crate) fn create(&self, name: &str, memory_bytes: u64, processes: u64) -> Result<ExecCgroup, String> {
        let write = |dir: &Path, file: &str, value: String| {
            std::fs::write(dir.join(file), &value)
                .map_err(|e| format!("writing {value} to {}/{file}: {e}", dir.display()))
        };
        let mut cgroup = ExecCgroup { dirs: Vec::new(), v2: matches!(self, Self::V2 { .. }) };
        let mkdir =
            |dir: &Path| std::fs::create_dir(dir).map_err(|e| format!("creating cgroup {}: {e}", dir.display()));
        match self {
            Self::V1 { memory, pids } => {
                let memory_dir = memory.join(name);
                mkdir(&memory_dir)?;
                cgroup.dirs.push(memory_dir.clone());
                write(&memory_dir, "memory.limit_in_bytes", memory_bytes.to_string())?;
                // Without this, swap would let a memory bomb outgrow the limit where swap is enabled.
                if memory_dir.join("memory.memsw.limit_in_bytes").exists() {
                    write(&memory_dir, "memory.memsw.limit_in_bytes", memory_bytes.to_string())?;
                }
                let pids_dir = pids.join(name);
                mkdir(&pids_dir)?;
                cgroup.dirs.push(pids_dir.clone());
                write(&pids_dir, "pids.max", processes.to_string())?;
            }
            Self::V2 { dir } => {
                let dir = dir.join(name);
                mkdir(&dir)?;
                cgroup.dirs.push(dir.clone());
                write(&dir, "memory.max", memory_bytes.to_string())?;
                if dir.join("memory.swap.max").exists() {
                    write(&dir, "memory.swap.max", "0".into())?;
                }
                write(&dir, "pids.max", processes.to_string())?;
            }
        }
        Ok(cgroup)
    }
}

impl CgroupParent {
    /// Empties and removes per-execution cgroups left by processes that no longer exist.
    pub(crate) fn sweep_stale(&self) {
        let parents: Vec<&Path> = match self {
            Self::V1 { memory, pids } => vec![memory, pids],
            Self::V2 { dir } => vec![dir],
        };
        for parent in parents {
            let Ok(entries) = std::fs::read_dir(parent) else { continue };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let stale = name.starts_with("task-orchestrator-")
                    && crate::sweep::owner_pid(&name).is_some_and(|pid| !crate::sweep::alive(pid));
                if stale && entry.path().is_dir() {
                    let mut leftover = ExecCgroup { dirs: vec![entry.path()], v2: matches!(self, Self::V2 { .. }) };
                    match leftover.sweep() {
                        Ok(()) => tracing::info!(cgroup = %name, "removed a dead server's execution cgroup"),
                        Err(message) => tracing::warn!(cgroup = %name, %message, "stale execution cgroup remains"),
                    }
                }
            }
        }
    }
}

/// One execution's cgroup(s); removed by [`ExecCgroup::kill_and_remove`].
#[derive(Debug)]
pub(crate) struct ExecCgroup {
    dirs: Vec<PathBuf>,
    v2: bool,
}

impl ExecCgroup {
    /// The `cgroup.procs` files the helper writes its pid into.
    pub(crate) fn procs_files(&self) -> Vec<PathBuf> {
        self.dirs.iter().map(|d| d.join("cgroup.procs")).collect()
    }

    /// Whether the memory limit was hit (an out-of-memory kill happened).
    pub(crate) fn memory_limit_hit(&self) -> bool {
        let read = |dir: &Path, file: &str| std::fs::read_to_string(dir.join(file)).unwrap_or_default();
        self.dirs.iter().any(|dir| {
            let counters = ["memory.failcnt", "memory.memsw.failcnt"]
                .iter()
                .any(|file| read(dir, file).trim().parse::<u64>().is_ok_and(|n| n > 0));
            // v1 reports kills in memory.oom_control, v2 in memory.events.
            let kills = ["memory.oom_control", "memory.events"].iter().any(|file| {
                read(dir, file).lines().any(|line| {
                    line.strip_prefix("oom_kill ").and_then(|n| n.trim().parse::<u64>().ok()).is_some_and(|n| n > 0)
                })
            });
            counters || kills
        })
    }

    /// Kills every process in the cgroup, waits until it is empty and removes it. Blocking (at most a few seconds).
    pub(crate) fn kill_and_remove(mut self) -> Result<(), String> {
        self.sweep()
    }

    /// Kills every process in the cgroup and waits until it is empty, keeping the cgroup. Blocking.
    pub(crate) fn empty(&mut self) -> Result<(), String> {
        self.kill_all()
    }

    fn sweep(&mut self) -> Result<(), String> {
        if self.dirs.is_empty() {
            return Ok(());
        }
        self.kill_all()?;
        self.remove_dirs()
    }

    fn kill_all(&mut self) -> Result<(), String> {
        if self.dirs.is_empty() {
            return Ok(());
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        if self.v2 {
            for dir in &self.dirs {
                let _ = std::fs::write(dir.join("cgroup.kill"), "1");
            }
        } else {
            // No new processes while we sweep: a fork bomb cannot outrun the loop below.
            for dir in &self.dirs {
                if dir.join("pids.max").exists() {
                    let _ = std::fs::write(dir.join("pids.max"), "0");
                }
            }
        }
        loop {
            let mut alive = 0;
            for dir in &self.dirs {
                let procs = std::fs::read_to_string(dir.join("cgroup.procs")).unwrap_or_default();
                for pid in procs.lines().filter_map(|l| l.trim().parse::<i32>().ok()) {
                    alive += 1;
                    let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL);
                }
            }
            if alive == 0 {
                break;
            }
            if Instant::now() > deadline {
                return Err(format!("{alive} process(es) still in {:?} after SIGKILL", self.dirs));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        Ok(())
    }

    fn remove_dirs(&mut self) -> Result<(), String> {
        let mut last_error = None;
        for dir in &self.dirs {
            // rmdir can race with the kernel finishing exit bookkeeping of the last process; retry briefly.
            let mut removed = false;
            for _ in 0..200 {
                match std::fs::remove_dir(dir) {
                    Ok(()) => {
                        removed = true;
                        break;
                    }
                    Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                        removed = true;
                        break;
                    }
                    Err(err) => last_error = Some(format!("removing {}: {err}", dir.display())),
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            if !removed && let Some(err) = &last_error {
                return Err(err.clone());
            }
        }
        self.dirs.clear();
        Ok(())
    }
}

impl Drop for ExecCgroup {
    /// An execution future dropped mid-run (the caller gave up) must still not leave processes or cgroups behind.
    fn drop(&mut self) {
        if let Err(message) = self.sweep() {
            tracing::error!(%message, "execution cgroup could not be emptied");
        }
    }
}
