//! The server side: trial run, request validation, spawning the helper, capped output, timeout and whole-tree kill.

use std::collections::BTreeMap;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::sync::Semaphore;

use crate::cgroup::CgroupParent;
use crate::config::{ExecConfig, ExecLanguage, IsolationLevel};
use crate::error::ExecError;
use crate::spec::{HelperLimits, HelperReport, RequestedLayers, SandboxSpec};

/// One request to run code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecRequest {
    /// The language.
    pub language: ExecLanguage,
    /// The source code.
    pub code: String,
    /// Wall-clock limit; `None` uses `EXECUTION_TIMEOUT`.
    pub timeout: Option<Duration>,
    /// Existing directory to run in (kept afterwards); `None` runs in a fresh directory removed afterwards.
    pub working_directory: Option<PathBuf>,
    /// Packages installed for this execution only.
    pub packages: Vec<String>,
}

/// The limits an execution ran under.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppliedLimits {
    /// Wall-clock timeout in seconds.
    pub timeout_secs: f64,
    /// Memory of all processes together (cgroup), when enforced.
    pub memory_bytes: Option<u64>,
    /// Processes and threads (pids cgroup), when enforced.
    pub max_processes: Option<u64>,
    /// Bytes kept per output stream.
    pub output_limit_bytes: usize,
    /// Largest file the code may write.
    pub max_file_size_bytes: u64,
    /// Open file descriptors.
    pub max_open_files: u64,
}

/// What happened when code ran; keys follow the spec's `code_executions` table plus sandbox details.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecOutcome {
    /// The language.
    pub language: ExecLanguage,
    /// Standard output (lossy UTF-8, capped).
    pub output: String,
    /// Standard error (lossy UTF-8, capped) followed by notes on timeouts, truncation and limits; for TypeScript
    /// the syntax error with its line and column.
    pub error: String,
    /// Exit code; `None` when killed by a signal, timed out, or TypeScript did not compile.
    pub exit_code: Option<i32>,
    /// Signal that killed the program, if any.
    pub signal: Option<i32>,
    /// Wall-clock seconds the program ran.
    pub execution_time: f64,
    /// Whether the timeout killed it.
    pub timed_out: bool,
    /// Whether output or error was cut at the byte cap.
    pub truncated: bool,
    /// Whether the memory limit was reached.
    pub memory_limit_hit: bool,
    /// The sandbox level it ran under.
    pub isolation: IsolationLevel,
    /// The limits it ran under.
    pub limits: AppliedLimits,
    /// The working directory the caller named (`None` for a fresh, removed one).
    pub working_directory: Option<String>,
    /// Packages installed for it.
    pub packages: Vec<String>,
}

/// Status of one sandbox layer as found by the trial run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerStatus {
    /// Whether it holds.
    pub ok: bool,
    /// Details, or why it does not hold.
    pub detail: String,
}

/// The result of the start-up trial run, for readiness endpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IsolationReport {
    /// The level every execution runs at.
    pub level: IsolationLevel,
    /// Each layer by name.
    pub layers: BTreeMap<String, LayerStatus>,
    /// Each interpreter by language: its resolved path, or why it is unusable.
    pub interpreters: BTreeMap<String, Result<String, String>>,
}

#[derive(Debug, Clone)]
struct Runtime {
    program: PathBuf,
    read_paths: Vec<PathBuf>,
}

#[derive(Debug, Clone)]
struct Runtimes {
    python: Result<Runtime, String>,
    node: Result<Runtime, String>,
    bash: Result<Runtime, String>,
    sqlite: Result<Runtime, String>,
}

/// The execution engine: detects the sandbox once, then runs requests concurrently up to `max_concurrent`.
pub struct Executor {
    config: ExecConfig,
    report: IsolationReport,
    layers: RequestedLayers,
    cgroup: Option<CgroupParent>,
    runtimes: Runtimes,
    base_read_paths: Vec<PathBuf>,
    protected: Vec<PathBuf>,
    permits: Arc<Semaphore>,
}

impl std::fmt::Debug for Executor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor").field("report", &self.report).finish_non_exhaustive()
    }
}

/// System files the runtimes need; everything else on the machine stays invisible under Landlock.
const SYSTEM_READ_PATHS: &[&str] = &[
    "/usr",
    "/lib",
    "/lib64",
    "/lib32",
    "/libx32",
    "/bin",
    "/sbin",
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/localtime",
    "/etc/passwd",
    "/etc/group",
    "/etc/nsswitch.conf",
    "/etc/hosts",
    "/etc/resolv.conf",
    "/etc/gai.conf",
    "/etc/host.conf",
    "/etc/ssl",
    "/etc/ca-certificates",
    "/etc/alternatives",
    "/etc/mime.types",
    "/dev/random",
    "/dev/urandom",
    "/proc",
];
/// Device files that must also be writable.
const SYSTEM_WRITE_PATHS: &[&str] = &["/dev/null", "/dev/zero", "/dev/full"];
/// Directories that may never be, contain or hold a working directory.
const SYSTEM_DIRS: &[&str] =
    &["/usr", "/etc", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32", "/proc", "/sys", "/dev", "/boot", "/run"];
const OPEN_FILES: u64 = 1024;
const SQL_DATABASE: &str = "scratch.sqlite3";

struct RawRun {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    truncated: bool,
    reports: Vec<HelperReport>,
    timed_out: bool,
    elapsed: Duration,
    memory_limit_hit: bool,
}

struct Scratch {
    root: PathBuf,
}

impl Scratch {
    fn dir(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // Best effort also on cancellation; normal paths remove it off the runtime first.
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

impl Executor {
    /// Resolves the interpreters, detects the sandbox with a trial run of the helper, and refuses to start below
    /// `config.min_isolation`.
    pub async fn new(config: ExecConfig) -> Result<Self, ExecError> {
        if config.helper_command.is_empty() {
            return Err(ExecError::InvalidConfig {
                var: "helper_command",
                value: String::new(),
                reason: "the sandbox helper command is empty".into(),
            });
        }
        std::fs::create_dir_all(&config.scratch_root)
            .map_err(|e| ExecError::io(format!("creating {}", config.scratch_root.display()), e))?;
        set_mode(&config.scratch_root, 0o700)?;
        let protected =
            config.protected_paths.iter().map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone())).collect();
        let runtimes = Runtimes {
            python: resolve_python(&config.python_executable).await,
            node: resolve_node(&config.node_executable).await,
            bash: resolve_plain(&config.bash_executable),
            sqlite: resolve_plain(&config.sqlite_executable),
        };
        let mut base_read_paths: Vec<PathBuf> = SYSTEM_READ_PATHS.iter().map(PathBuf::from).collect();
        base_read_paths.extend(config.extra_read_paths.iter().cloned());
        for runtime in [&runtimes.python, &runtimes.node, &runtimes.bash, &runtimes.sqlite].into_iter().flatten() {
            base_read_paths.extend(runtime.read_paths.iter().cloned());
        }
        base_read_paths.sort();
        base_read_paths.dedup();
        let cgroup_parent = CgroupParent::detect(config.cgroup_parent.as_deref());
        let mut executor = Self {
            permits: Arc::new(Semaphore::new(config.max_concurrent.max(1))),
            config,
            report: IsolationReport {
                level: IsolationLevel::None,
                layers: BTreeMap::new(),
                interpreters: BTreeMap::new(),
            },
            layers: RequestedLayers { namespaces: false, allow_network: false, landlock: false, seccomp: false },
            cgroup: cgroup_parent.as_ref().ok().cloned(),
            runtimes,
            base_read_paths,
            protected,
        };
        executor.report.interpreters = [
            ("bash", &executor.runtimes.bash),
            ("javascript", &executor.runtimes.node),
            ("python", &executor.runtimes.python),
            ("sql", &executor.runtimes.sqlite),
            ("typescript", &executor.runtimes.node),
        ]
        .into_iter()
        .map(|(name, runtime)| {
            (name.to_owned(), runtime.as_ref().map(|r| r.program.display().to_string()).map_err(Clone::clone))
        })
        .collect();
        executor.probe(cgroup_parent.err()).await?;
        let layers: Vec<String> = executor
            .report
            .layers
            .iter()
            .map(|(name, l)| if l.ok { format!("{name} on") } else { format!("{name} off ({})", l.detail) })
            .collect();
        tracing::info!("sandbox detected: isolation level {}; {}", executor.report.level, layers.join(", "));
        if executor.report.level < executor.config.min_isolation {
            return Err(ExecError::IsolationBelowMinimum {
                detected: executor.report.level,
                required: executor.config.min_isolation,
                how_to_enable: how_to_enable(&executor.report, executor.config.min_isolation),
            });
        }
        Ok(executor)
    }

    /// The sandbox level and per-layer status found at start-up.
    pub fn isolation(&self) -> &IsolationReport {
        &self.report
    }

    /// The configuration in use.
    pub fn config(&self) -> &ExecConfig {
        &self.config
    }

    async fn probe(&mut self, cgroup_error: Option<String>) -> Result<(), ExecError> {
        let true_program = ["/usr/bin/true", "/bin/true"].into_iter().map(PathBuf::from).find(|p| p.exists());
        let scratch = self.scratch("probe")?;
        let canary = scratch.dir("canary");
        std::fs::write(&canary, "landlock must hide this").map_err(|e| ExecError::io("writing the probe canary", e))?;
        let spec = SandboxSpec {
            probe: true,
            argv: vec![true_program.map_or_else(|| "/usr/bin/true".into(), |p| p.display().to_string())],
            env: vec![("PATH".into(), "/usr/bin:/bin".into())],
            workdir: scratch.dir("work"),
            workdir_tmpfs: false,
            stdin_file: None,
            read_paths: self.base_read_paths.clone(),
            write_paths: self.write_paths(&scratch.dir("work"), None, true),
            protected_paths: self.protected.clone(),
            cgroup_procs: Vec::new(),
            layers: RequestedLayers { namespaces: true, allow_network: false, landlock: true, seccomp: true },
            limits: self.helper_limits(),
            probe_canary: Some(canary),
        };
        let run = self.run_helper(spec, Duration::from_secs(20), 64 * 1024, true).await?;
        let mut layers: BTreeMap<String, LayerStatus> = BTreeMap::new();
        for report in &run.reports {
            if let HelperReport::Layer { name, ok, detail } = report {
                layers.insert(name.clone(), LayerStatus { ok: *ok, detail: detail.clone() });
            }
        }
        if let Some(error) = cgroup_error {
            layers.insert("cgroup".into(), LayerStatus { ok: false, detail: error });
        }
        let exec_status = match run.reports.iter().find(|r| !matches!(r, HelperReport::Layer { .. })) {
            Some(HelperReport::Exited { code: 0 }) => LayerStatus { ok: true, detail: "trial program ran".into() },
            other => LayerStatus {
                ok: false,
                detail: format!(
                    "trial program did not run: {other:?}; stderr: {}",
                    String::from_utf8_lossy(&run.stderr)
                ),
            },
        };
        layers.insert("exec".into(), exec_status);
        for name in
            ["cgroup", "namespaces", "pid_namespace", "mounts", "capabilities", "no_new_privs", "landlock", "seccomp"]
        {
            layers
                .entry(name.into())
                .or_insert_with(|| LayerStatus { ok: false, detail: "not reached in the trial run".into() });
        }
        let ok = |name: &str| layers.get(name).is_some_and(|l| l.ok);
        let process = ok("exec") && ok("no_new_privs") && ok("seccomp");
        let landlock = process && ok("landlock");
        let namespaces =
            landlock && ok("namespaces") && ok("pid_namespace") && ok("mounts") && ok("cgroup") && ok("capabilities");
        self.report.level = if namespaces {
            IsolationLevel::Namespaces
        } else if landlock {
            IsolationLevel::Landlock
        } else if process {
            IsolationLevel::Process
        } else {
            IsolationLevel::None
        };
        self.layers = RequestedLayers {
            namespaces: ok("namespaces") && ok("pid_namespace") && ok("mounts"),
            allow_network: false,
            landlock: ok("landlock"),
            seccomp: ok("seccomp"),
        };
        if !ok("cgroup") {
            self.cgroup = None;
        }
        self.report.layers = layers;
        self.remove_scratch(scratch).await;
        Ok(())
    }

    fn helper_limits(&self) -> HelperLimits {
        HelperLimits {
            file_size_bytes: self.config.max_file_size_bytes,
            open_files: OPEN_FILES,
            processes: self.config.max_processes,
            // tmpfs pages are charged to the memory cgroup; a quarter each for /tmp and a fresh working directory
            // leaves the program room to run and makes a full disk an ENOSPC instead of an out-of-memory kill.
            tmpfs_bytes: (self.config.max_memory_bytes / 4).max(1024 * 1024),
        }
    }

    fn limits(&self, timeout: Duration) -> AppliedLimits {
        AppliedLimits {
            timeout_secs: timeout.as_secs_f64(),
            memory_bytes: self.cgroup.as_ref().map(|_| self.config.max_memory_bytes),
            max_processes: self.cgroup.as_ref().map(|_| self.config.max_processes),
            output_limit_bytes: self.config.output_limit_bytes,
            max_file_size_bytes: self.config.max_file_size_bytes,
            max_open_files: OPEN_FILES,
        }
    }

    fn scratch(&self, kind: &str) -> Result<Scratch, ExecError> {
        let root = self.config.scratch_root.join(unique_name(kind));
        for dir in ["", "in", "tmp", "work", "pkgs"] {
            std::fs::create_dir_all(root.join(dir))
                .map_err(|e| ExecError::io(format!("creating {}", root.join(dir).display()), e))?;
        }
        set_mode(&root, 0o700)?;
        Ok(Scratch { root })
    }

    async fn remove_scratch(&self, scratch: Scratch) {
        let _ = tokio::task::spawn_blocking(move || drop(scratch)).await;
    }

    fn write_paths(&self, workdir: &Path, scratch: Option<&Scratch>, private_tmp: bool) -> Vec<PathBuf> {
        let mut paths: Vec<PathBuf> = SYSTEM_WRITE_PATHS.iter().map(PathBuf::from).collect();
        paths.push(workdir.to_path_buf());
        if let Some(scratch) = scratch {
            paths.push(scratch.dir("tmp"));
            paths.push(scratch.dir("pkgs"));
        }
        if private_tmp {
            paths.push("/tmp".into());
            paths.push("/dev/shm".into());
        }
        paths
    }

    fn validate_workdir(&self, requested: &Path) -> Result<PathBuf, ExecError> {
        let invalid = |reason: String| ExecError::InvalidWorkingDirectory { path: requested.to_path_buf(), reason };
        let dir = std::fs::canonicalize(requested).map_err(|e| invalid(format!("cannot be resolved: {e}")))?;
        if !dir.is_dir() {
            return Err(invalid("is not a directory".into()));
        }
        if dir == Path::new("/") {
            return Err(invalid("the root directory would expose the whole machine".into()));
        }
        let scratch_root = std::fs::canonicalize(&self.config.scratch_root).unwrap_or(self.config.scratch_root.clone());
        let mut forbidden: Vec<(PathBuf, &str)> =
            self.protected.iter().map(|p| (p.clone(), "the server's data")).collect();
        forbidden.push((scratch_root, "the execution scratch area"));
        forbidden.extend(SYSTEM_DIRS.iter().map(|d| (PathBuf::from(d), "a system directory")));
        for runtime in [&self.runtimes.python, &self.runtimes.node].into_iter().flatten() {
            forbidden.extend(runtime.read_paths.iter().map(|p| (p.clone(), "a language runtime")));
        }
        for (path, what) in forbidden {
            if dir.starts_with(&path) || path.starts_with(&dir) {
                return Err(invalid(format!("it overlaps {} ({}); choose a project directory", path.display(), what)));
            }
        }
        Ok(dir)
    }

    fn runtime(&self, language: ExecLanguage) -> Result<&Runtime, ExecError> {
        let (runtime, program, env_var) = match language {
            ExecLanguage::Python => (&self.runtimes.python, &self.config.python_executable, "PYTHON_EXECUTABLE"),
            ExecLanguage::Javascript | ExecLanguage::Typescript => {
                (&self.runtimes.node, &self.config.node_executable, "NODE_EXECUTABLE")
            }
            ExecLanguage::Bash => (&self.runtimes.bash, &self.config.bash_executable, "BASH_EXECUTABLE"),
            ExecLanguage::Sql => {
                (&self.runtimes.sqlite, &self.config.sqlite_executable, "TASK_ORCHESTRATOR_SQLITE_EXECUTABLE")
            }
        };
        runtime.as_ref().map_err(|reason| ExecError::InterpreterMissing {
            language: language.to_string(),
            program: program.clone(),
            env_var,
            reason: reason.clone(),
        })
    }

    /// Runs one request in the sandbox. Waits for a free slot when `max_concurrent` executions are running.
    pub async fn execute(&self, request: ExecRequest) -> Result<ExecOutcome, ExecError> {
        let timeout = request.timeout.unwrap_or(self.config.default_timeout);
        if timeout.is_zero() || timeout > self.config.max_timeout {
            return Err(ExecError::TimeoutOutOfRange {
                given_secs: timeout.as_secs_f64(),
                max_secs: self.config.max_timeout.as_secs_f64(),
            });
        }
        if request.code.len() > self.config.max_code_bytes {
            return Err(ExecError::CodeTooLarge { size: request.code.len(), max: self.config.max_code_bytes });
        }
        crate::packages::validate(request.language, &request.packages)?;
        if !request.packages.is_empty() && !self.config.package_network {
            return Err(ExecError::PackageNetworkDisabled { packages: request.packages.clone() });
        }
        let runtime = self.runtime(request.language)?.clone();
        let caller_workdir = request.working_directory.as_deref().map(|d| self.validate_workdir(d)).transpose()?;
        let limits = self.limits(timeout);
        let mut outcome = ExecOutcome {
            language: request.language,
            output: String::new(),
            error: String::new(),
            exit_code: None,
            signal: None,
            execution_time: 0.0,
            timed_out: false,
            truncated: false,
            memory_limit_hit: false,
            isolation: self.report.level,
            limits,
            working_directory: caller_workdir.as_ref().map(|d| d.display().to_string()),
            packages: request.packages.clone(),
        };
        let (source, file_name) = match request.language {
            ExecLanguage::Typescript => {
                let code = request.code.clone();
                match tokio::task::spawn_blocking(move || crate::typescript::transpile(&code))
                    .await
                    .map_err(|e| ExecError::io("transpiling TypeScript", std::io::Error::other(e)))?
                {
                    Ok(js) => {
                        let name = if js.is_module { "main.mjs" } else { "main.cjs" };
                        (js.code, name)
                    }
                    Err(syntax) => {
                        outcome.error = syntax.to_string();
                        return Ok(outcome);
                    }
                }
            }
            ExecLanguage::Javascript => {
                let name = if crate::typescript::javascript_is_module(&request.code) { "main.mjs" } else { "main.cjs" };
                (request.code.clone(), name)
            }
            ExecLanguage::Python => (request.code.clone(), "main.py"),
            ExecLanguage::Bash => (request.code.clone(), "main.sh"),
            ExecLanguage::Sql => (request.code.clone(), "main.sql"),
        };

        let _permit =
            self.permits.acquire().await.map_err(|e| ExecError::io("waiting for a slot", std::io::Error::other(e)))?;
        let scratch = self.scratch("exec")?;
        let code_file = scratch.dir("in").join(file_name);
        std::fs::write(&code_file, source.as_bytes())
            .map_err(|e| ExecError::io(format!("writing {}", code_file.display()), e))?;
        let fresh = caller_workdir.is_none();
        let workdir = caller_workdir.unwrap_or_else(|| scratch.dir("work"));
        let private_tmp = self.layers.namespaces;
        let mut env = vec![
            ("PATH".to_owned(), path_var(&runtime.program)),
            ("HOME".to_owned(), workdir.display().to_string()),
            ("LANG".to_owned(), "C.UTF-8".to_owned()),
            ("LC_ALL".to_owned(), "C.UTF-8".to_owned()),
            (
                "TMPDIR".to_owned(),
                if private_tmp { "/tmp".to_owned() } else { scratch.dir("tmp").display().to_string() },
            ),
            ("PYTHONUNBUFFERED".to_owned(), "1".to_owned()),
            ("PYTHONDONTWRITEBYTECODE".to_owned(), "1".to_owned()),
            ("NO_COLOR".to_owned(), "1".to_owned()),
        ];
        let mut read_paths = self.base_read_paths.clone();
        read_paths.push(scratch.dir("in"));
        if !request.packages.is_empty() {
            self.install_packages(&request, &runtime, &scratch, &workdir, &env).await?;
            match request.language {
                ExecLanguage::Python => env.push(("PYTHONPATH".into(), scratch.dir("pkgs").display().to_string())),
                _ => env.push(("NODE_PATH".into(), workdir.join("node_modules").display().to_string())),
            }
        }
        let program = runtime.program.display().to_string();
        let code_path = code_file.display().to_string();
        let (argv, stdin_file) = match request.language {
            ExecLanguage::Python => (vec![program, "-s".into(), code_path], None),
            ExecLanguage::Javascript | ExecLanguage::Typescript => (vec![program, code_path], None),
            ExecLanguage::Bash => (vec![program, "--noprofile".into(), "--norc".into(), code_path], None),
            ExecLanguage::Sql => (
                vec![
                    program,
                    "-safe".into(),
                    "-bail".into(),
                    "-batch".into(),
                    "-init".into(),
                    "/dev/null".into(),
                    "-table".into(),
                    workdir.join(SQL_DATABASE).display().to_string(),
                ],
                Some(code_file.clone()),
            ),
        };
        let spec = SandboxSpec {
            probe: false,
            argv,
            env,
            // A fresh directory is a size-limited tmpfs inside the namespace, so filling it cannot fill the disk.
            workdir_tmpfs: fresh && private_tmp && request.packages.is_empty(),
            write_paths: self.write_paths(&workdir, Some(&scratch), private_tmp),
            workdir,
            stdin_file,
            read_paths,
            protected_paths: self.protected.clone(),
            cgroup_procs: Vec::new(),
            layers: self.layers,
            limits: self.helper_limits(),
            probe_canary: None,
        };
        let run = self.run_helper(spec, timeout, self.config.output_limit_bytes, false).await?;
        self.remove_scratch(scratch).await;
        finish(&mut outcome, run, timeout, self.config.output_limit_bytes, self.config.max_memory_bytes)?;
        Ok(outcome)
    }

    async fn install_packages(
        &self,
        request: &ExecRequest,
        runtime: &Runtime,
        scratch: &Scratch,
        workdir: &Path,
        env: &[(String, String)],
    ) -> Result<(), ExecError> {
        let mut argv: Vec<String> = match request.language {
            ExecLanguage::Python => vec![
                runtime.program.display().to_string(),
                "-m".into(),
                "pip".into(),
                "install".into(),
                "--target".into(),
                scratch.dir("pkgs").display().to_string(),
                "--only-binary=:all:".into(),
                "--no-input".into(),
                "--disable-pip-version-check".into(),
                "--no-cache-dir".into(),
                "--quiet".into(),
            ],
            _ => {
                let npm = runtime.program.parent().map(|d| d.join("npm")).filter(|p| p.exists()).ok_or_else(|| {
                    ExecError::InterpreterMissing {
                        language: request.language.to_string(),
                        program: "npm".into(),
                        env_var: "NODE_EXECUTABLE",
                        reason: "npm was not found next to node".into(),
                    }
                })?;
                vec![
                    npm.display().to_string(),
                    "install".into(),
                    "--ignore-scripts".into(),
                    "--no-audit".into(),
                    "--no-fund".into(),
                    "--no-save".into(),
                    "--prefix".into(),
                    workdir.display().to_string(),
                ]
            }
        };
        argv.push("--".into());
        argv.extend(request.packages.iter().cloned());
        let mut env = env.to_vec();
        env.push(("npm_config_cache".into(), scratch.dir("tmp").join("npm-cache").display().to_string()));
        let mut read_paths = self.base_read_paths.clone();
        read_paths.push(scratch.dir("in"));
        let spec = SandboxSpec {
            probe: false,
            argv,
            env,
            workdir: workdir.to_path_buf(),
            workdir_tmpfs: false,
            stdin_file: None,
            read_paths,
            write_paths: self.write_paths(workdir, Some(scratch), self.layers.namespaces),
            protected_paths: self.protected.clone(),
            cgroup_procs: Vec::new(),
            layers: RequestedLayers { allow_network: true, ..self.layers },
            limits: self.helper_limits(),
            probe_canary: None,
        };
        let run = self.run_helper(spec, self.config.package_timeout, 64 * 1024, false).await?;
        let exit = run.reports.iter().find_map(|r| match r {
            HelperReport::Exited { code } => Some(*code),
            _ => None,
        });
        if exit != Some(0) {
            let stderr = String::from_utf8_lossy(&run.stderr);
            let tail: String = stderr.chars().rev().take(2000).collect::<Vec<_>>().into_iter().rev().collect();
            return Err(ExecError::PackageInstallFailed {
                packages: request.packages.clone(),
                exit_code: exit,
                stderr: if run.timed_out { format!("timed out; {tail}") } else { tail },
            });
        }
        Ok(())
    }

    /// Spawns the helper with `spec`, captures capped output, enforces `timeout` and kills the whole tree.
    async fn run_helper(
        &self,
        mut spec: SandboxSpec,
        timeout: Duration,
        cap: usize,
        probe: bool,
    ) -> Result<RawRun, ExecError> {
        let cgroup_name = unique_name("task-orchestrator");
        let cgroup = match &self.cgroup {
            Some(parent) => {
                let parent = parent.clone();
                let (memory, processes) = (self.config.max_memory_bytes, self.config.max_processes);
                let created = tokio::task::spawn_blocking(move || parent.create(&cgroup_name, memory, processes))
                    .await
                    .map_err(|e| ExecError::io("creating the cgroup", std::io::Error::other(e)))?;
                match created {
                    Ok(cgroup) => Some(cgroup),
                    Err(message) if probe => {
                        tracing::warn!(%message, "cgroup unavailable in the trial run");
                        None
                    }
                    Err(message) => return Err(ExecError::SandboxSetup { stage: "cgroup".into(), message }),
                }
            }
            None => None,
        };
        if let Some(cgroup) = &cgroup {
            spec.cgroup_procs = cgroup.procs_files();
        }
        let payload =
            serde_json::to_vec(&spec).map_err(|e| ExecError::io("encoding the spec", std::io::Error::other(e)))?;
        let (server_end, helper_end) =
            std::os::unix::net::UnixStream::pair().map_err(|e| ExecError::io("creating the control socket", e))?;
        let mut command = tokio::process::Command::new(&self.config.helper_command[0]);
        command
            .args(&self.config.helper_command[1..])
            .env_clear()
            .stdin(Stdio::from(OwnedFd::from(helper_end)))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let started = Instant::now();
        let mut child = command
            .spawn()
            .map_err(|e| ExecError::io(format!("starting the sandbox helper {:?}", self.config.helper_command), e))?;
        // The command still holds our copy of the helper's socket end; EOF on the reports needs it closed.
        drop(command);
        server_end.set_nonblocking(true).map_err(|e| ExecError::io("control socket", e))?;
        let mut control =
            tokio::net::UnixStream::from_std(server_end).map_err(|e| ExecError::io("control socket", e))?;
        let stdout = tokio::spawn(read_capped(child.stdout.take(), cap));
        let stderr = tokio::spawn(read_capped(child.stderr.take(), cap));
        control.write_all(&payload).await.map_err(|e| ExecError::io("sending the spec to the helper", e))?;
        control.shutdown().await.map_err(|e| ExecError::io("sending the spec to the helper", e))?;
        let reports = tokio::spawn(async move {
            let mut raw = Vec::new();
            let _ = control.read_to_end(&mut raw).await;
            raw
        });
        let mut timed_out = false;
        match tokio::time::timeout(timeout, child.wait()).await {
            Ok(status) => {
                status.map_err(|e| ExecError::io("waiting for the sandbox helper", e))?;
            }
            Err(_) => {
                timed_out = true;
                // SIGTERM lets a namespace-less helper sweep its subtree; in namespace mode it dies and pid 1 follows.
                if let Some(pid) = child.id().and_then(|p| i32::try_from(p).ok()) {
                    let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGTERM);
                }
                if tokio::time::timeout(Duration::from_millis(500), child.wait()).await.is_err() {
                    let _ = child.start_kill();
                    let _ = child.wait().await;
                }
            }
        }
        let elapsed = started.elapsed();
        let mut memory_limit_hit = false;
        if let Some(cgroup) = cgroup {
            let swept = tokio::task::spawn_blocking(move || {
                let hit = cgroup.memory_limit_hit();
                cgroup.kill_and_remove().map(|()| hit)
            })
            .await
            .map_err(|e| ExecError::io("removing the cgroup", std::io::Error::other(e)))?;
            match swept {
                Ok(hit) => memory_limit_hit = hit,
                Err(message) => tracing::error!(%message, "execution cgroup could not be emptied"),
            }
        }
        let grace = Duration::from_secs(2);
        let (stdout, stdout_cut) = join_within(stdout, grace).await;
        let (stderr, stderr_cut) = join_within(stderr, grace).await;
        let raw_reports = match tokio::time::timeout(grace, reports).await {
            Ok(Ok(raw)) => raw,
            _ => Vec::new(),
        };
        let reports = raw_reports
            .split(|b| *b == b'\n')
            .filter(|line| !line.is_empty())
            .filter_map(|line| serde_json::from_slice::<HelperReport>(line).ok())
            .collect();
        Ok(RawRun {
            stdout,
            stderr,
            truncated: stdout_cut || stderr_cut,
            reports,
            timed_out,
            elapsed,
            memory_limit_hit,
        })
    }
}

async fn join_within(task: tokio::task::JoinHandle<(Vec<u8>, bool)>, grace: Duration) -> (Vec<u8>, bool) {
    let abort = task.abort_handle();
    match tokio::time::timeout(grace, task).await {
        Ok(Ok(result)) => result,
        _ => {
            abort.abort();
            (Vec::new(), false)
        }
    }
}

/// Reads a stream to its end, keeping the first `cap` bytes and discarding the rest so the writer never blocks.
async fn read_capped<R: AsyncRead + Unpin>(stream: Option<R>, cap: usize) -> (Vec<u8>, bool) {
    let Some(mut stream) = stream else { return (Vec::new(), false) };
    let mut kept = Vec::new();
    let mut truncated = false;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let room = cap.saturating_sub(kept.len());
                if n > room {
                    truncated = true;
                }
                kept.extend_from_slice(&buf[..n.min(room)]);
            }
        }
    }
    (kept, truncated)
}

fn finish(outcome: &mut ExecOutcome, run: RawRun, timeout: Duration, cap: usize, memory: u64) -> Result<(), ExecError> {
    outcome.output = String::from_utf8_lossy(&run.stdout).into_owned();
    outcome.error = String::from_utf8_lossy(&run.stderr).into_owned();
    outcome.execution_time = run.elapsed.as_secs_f64();
    outcome.timed_out = run.timed_out;
    outcome.truncated = run.truncated;
    outcome.memory_limit_hit = run.memory_limit_hit;
    let terminal = run.reports.iter().find(|r| !matches!(r, HelperReport::Layer { .. }));
    let mut notes = Vec::new();
    match terminal {
        Some(HelperReport::Exited { code }) => outcome.exit_code = Some(*code),
        Some(HelperReport::Signaled { signal }) => {
            outcome.signal = Some(*signal);
            if !run.timed_out {
                notes.push(format!("killed by signal {signal}"));
            }
        }
        Some(HelperReport::SetupFailed { stage, message }) if !run.timed_out => {
            return Err(ExecError::SandboxSetup { stage: stage.clone(), message: message.clone() });
        }
        _ if !run.timed_out => notes.push("the sandbox was killed before the program reported its exit".into()),
        _ => {}
    }
    if run.timed_out {
        notes.push(format!("execution timed out after {:.1}s and was killed", timeout.as_secs_f64()));
    }
    if run.memory_limit_hit {
        notes.push(format!("memory limit of {memory} bytes reached"));
    }
    if run.truncated {
        notes.push(format!("output truncated to {cap} bytes per stream"));
    }
    for note in notes {
        if !outcome.error.is_empty() && !outcome.error.ends_with('\n') {
            outcome.error.push('\n');
        }
        outcome.error.push_str(&format!("[sandbox] {note}\n"));
    }
    Ok(())
}

/// A name unique across every executor of this process and across processes.
fn unique_name(kind: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    format!("{kind}-{}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

fn path_var(program: &Path) -> String {
    let mut dirs: Vec<String> = program.parent().map(|d| d.display().to_string()).into_iter().collect();
    dirs.extend(["/usr/local/bin", "/usr/bin", "/bin"].map(String::from));
    dirs.dedup();
    dirs.join(":")
}

fn set_mode(path: &Path, mode: u32) -> Result<(), ExecError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| ExecError::io(format!("restricting {}", path.display()), e))
}

fn which(program: &str) -> Result<PathBuf, String> {
    let candidate = if program.contains('/') {
        PathBuf::from(program)
    } else {
        let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
        std::env::split_paths(&path)
            .map(|dir| dir.join(program))
            .find(|p| p.is_file())
            .ok_or_else(|| format!("`{program}` not found on PATH"))?
    };
    std::fs::canonicalize(&candidate).map_err(|e| format!("{}: {e}", candidate.display()))
}

fn resolve_plain(program: &str) -> Result<Runtime, String> {
    let program = which(program)?;
    let read_paths = program.parent().map(Path::to_path_buf).into_iter().collect();
    Ok(Runtime { program, read_paths })
}

/// Asks the interpreter itself where it lives, which sees through wrappers such as pyenv shims.
async fn ask(program: &Path, args: &[&str]) -> Result<Vec<String>, String> {
    let output = tokio::time::timeout(
        Duration::from_secs(20),
        tokio::process::Command::new(program).args(args).stdin(Stdio::null()).kill_on_drop(true).output(),
    )
    .await
    .map_err(|_| format!("{} did not answer within 20s", program.display()))?
    .map_err(|e| format!("{}: {e}", program.display()))?;
    if !output.status.success() {
        return Err(format!("{} failed: {}", program.display(), String::from_utf8_lossy(&output.stderr).trim()));
    }
    Ok(String::from_utf8_lossy(&output.stdout).lines().map(str::to_owned).collect())
}

async fn resolve_python(program: &str) -> Result<Runtime, String> {
    let found = which(program)?;
    let lines =
        ask(&found, &["-c", "import sys; print(sys.executable); print(sys.prefix); print(sys.base_prefix)"]).await?;
    let executable = lines.first().filter(|l| !l.is_empty()).ok_or("python did not report sys.executable")?;
    let program = std::fs::canonicalize(executable).map_err(|e| format!("{executable}: {e}"))?;
    let mut read_paths: Vec<PathBuf> = lines.iter().skip(1).filter(|l| !l.is_empty()).map(PathBuf::from).collect();
    read_paths.extend(program.parent().map(Path::to_path_buf));
    Ok(Runtime { program, read_paths })
}

async fn resolve_node(program: &str) -> Result<Runtime, String> {
    let found = which(program)?;
    let lines = ask(&found, &["-e", "console.log(process.execPath)"]).await?;
    let executable = lines.first().filter(|l| !l.is_empty()).ok_or("node did not report process.execPath")?;
    let program = std::fs::canonicalize(executable).map_err(|e| format!("{executable}: {e}"))?;
    let read_paths = program.parent().and_then(Path::parent).map(Path::to_path_buf).into_iter().collect();
    Ok(Runtime { program, read_paths })
}

fn how_to_enable(report: &IsolationReport, required: IsolationLevel) -> String {
    let hint = |layer: &str| -> &'static str {
        match layer {
            "seccomp" | "no_new_privs" | "exec" => {
                "seccomp: use a kernel with CONFIG_SECCOMP_FILTER=y; inside a container do not run with seccomp disabled for nested filters"
            }
            "landlock" => {
                "landlock: boot Linux >= 5.13 (>= 6.7 for the TCP rules) with CONFIG_SECURITY_LANDLOCK=y and `landlock` in the `lsm=` kernel parameter"
            }
            "cgroup" => {
                "cgroup: run as root, or delegate a writable cgroup (cgroup v2: `systemd-run --user -p Delegate=yes --scope task-orchestrator ...`) and set TASK_ORCHESTRATOR_EXEC_CGROUP_PARENT to it"
            }
            "namespaces" | "pid_namespace" | "mounts" | "capabilities" => {
                "namespaces: run as root, or allow unprivileged user namespaces (`sysctl kernel.unprivileged_userns_clone=1`; on Ubuntu `sysctl kernel.apparmor_restrict_unprivileged_userns=0`); in Docker add `--cap-add SYS_ADMIN --security-opt seccomp=unconfined`"
            }
            _ => "",
        }
    };
    let needed: &[&str] = match required {
        IsolationLevel::None => &[],
        IsolationLevel::Process => &["exec", "no_new_privs", "seccomp"],
        IsolationLevel::Landlock => &["exec", "no_new_privs", "seccomp", "landlock"],
        IsolationLevel::Namespaces => &[
            "exec",
            "no_new_privs",
            "seccomp",
            "landlock",
            "namespaces",
            "pid_namespace",
            "mounts",
            "cgroup",
            "capabilities",
        ],
    };
    let mut hints: Vec<String> = Vec::new();
    for layer in needed {
        if let Some(status) = report.layers.get(*layer).filter(|s| !s.ok) {
            let line = format!("Missing layer `{layer}` ({}). To enable: {}", status.detail, hint(layer));
            if !hints.contains(&line) {
                hints.push(line);
            }
        }
    }
    hints.push(format!(
        "Or accept a weaker sandbox with TASK_ORCHESTRATOR_EXEC_MIN_ISOLATION={} (see docs/sandbox.md).",
        report.level
    ));
    hints.join(" ")
}
