//! The server side: trial run, request validation, spawning the helper, capped output, timeout and whole-tree kill.

use std::collections::BTreeMap;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt};
use tokio::sync::Semaphore;

use crate::cgroup::{CgroupParent, ExecCgroup};
use crate::config::{ExecConfig, ExecLanguage, IsolationLevel};
use crate::error::ExecError;
use crate::launcher::{Launched, Launcher, OPEN_FILES, Purpose, Scratch, set_mode};
use crate::spec::{HelperReport, Job, RequestedLayers, ScriptJob, Step, frame};
use crate::workspace::{AllowedRoots, OpenedDir};

/// One request to run code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecRequest {
    /// The language.
    pub language: ExecLanguage,
    /// The source code.
    pub code: String,
    /// Wall-clock limit; `None` uses `EXECUTION_TIMEOUT`.
    pub timeout: Option<Duration>,
    /// Directory to run in (kept afterwards), as the caller wrote it: under an allowed workspace root, relative paths
    /// taken (and created) under the first; `None` runs in a fresh directory removed afterwards.
    pub working_directory: Option<String>,
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
    /// Starts helpers, and keeps a few prepared so an execution's path skips the sandbox's set-up.
    launcher: Arc<Launcher>,
    runtimes: Runtimes,
    roots: AllowedRoots,
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
    "/etc/debian_version",
    "/etc/os-release",
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
/// Deepest bracket nesting accepted in JavaScript and TypeScript; far beyond hand-written code, far below what
/// overflows a parser's stack.
pub const MAX_NESTING: usize = 1000;
const SQL_DATABASE: &str = "scratch.sqlite3";

struct RawRun {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    truncated: bool,
    reports: Vec<HelperReport>,
    timed_out: bool,
    timed_out_installing: bool,
    elapsed: Duration,
    memory_limit_hit: bool,
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
        crate::sweep::stale_scratch(&config.scratch_root);
        let roots = AllowedRoots::new(config.workspace_roots.iter().cloned());
        roots.ensure_default_root(0o755).map_err(|e| ExecError::io("creating the default workspace root", e))?;
        let protected: Vec<PathBuf> =
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
        base_read_paths.extend(config.ca_bundle.iter().cloned());
        base_read_paths.sort();
        base_read_paths.dedup();
        let cgroup_parent = CgroupParent::detect(config.cgroup_parent.as_deref());
        if let Ok(parent) = &cgroup_parent {
            parent.sweep_stale();
        }
        let launcher = Launcher::new(&config, cgroup_parent.as_ref().ok().cloned(), base_read_paths, protected);
        let mut executor = Self {
            permits: Arc::new(Semaphore::new(config.max_concurrent.max(1))),
            config,
            report: IsolationReport {
                level: IsolationLevel::None,
                layers: BTreeMap::new(),
                interpreters: BTreeMap::new(),
            },
            launcher: Arc::new(launcher),
            runtimes,
            roots,
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
        executor.launcher.refill();
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

    /// The directories a `working_directory` may name.
    pub fn workspace_roots(&self) -> &AllowedRoots {
        &self.roots
    }

    async fn probe(&mut self, cgroup_error: Option<String>) -> Result<(), ExecError> {
        let true_program = ["/usr/bin/true", "/bin/true"].into_iter().map(PathBuf::from).find(|p| p.exists());
        let launched = self.launcher.launch(Purpose::Probe).await?;
        let work = launched.scratch.dir("work");
        let job = Job {
            steps: vec![Step {
                argv: vec![true_program.map_or_else(|| "/usr/bin/true".into(), |p| p.display().to_string())],
                env: vec![("PATH".into(), "/usr/bin:/bin".into())],
                cwd: None,
                stdin_file: None,
                network: false,
                log_file: None,
                script: None,
            }],
            write_paths: write_paths(&work, &launched.scratch, true, false),
            workdir: work,
            fresh_workdir: true,
        };
        let run = self.run_helper(launched, job, None, (None, Duration::from_secs(20)), 64 * 1024, None).await?;
        let mut layers: BTreeMap<String, LayerStatus> = BTreeMap::new();
        for report in &run.reports {
            if let HelperReport::Layer { name, ok, detail } = report {
                layers.insert(name.clone(), LayerStatus { ok: *ok, detail: detail.clone() });
            }
        }
        if let Some(error) = cgroup_error {
            layers.insert("cgroup".into(), LayerStatus { ok: false, detail: error });
        }
        let exec_status = match run.reports.iter().find(|r| r.is_terminal()) {
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
        let requested = RequestedLayers {
            namespaces: ok("namespaces") && ok("pid_namespace") && ok("mounts"),
            landlock: ok("landlock"),
            seccomp: ok("seccomp"),
        };
        let cgroup_ok = ok("cgroup");
        self.report.layers = layers;
        // Nothing else holds the launcher before the trial run ends.
        let launcher = Arc::get_mut(&mut self.launcher)
            .ok_or_else(|| ExecError::io("configuring the sandbox launcher", std::io::Error::other("shared early")))?;
        launcher.layers = requested;
        if !cgroup_ok {
            launcher.cgroup = None;
        }
        Ok(())
    }

    /// Empties and removes a used cgroup in the background.
    fn remove_cgroup(used: ExecCgroup) {
        tokio::task::spawn_blocking(move || {
            if let Err(message) = used.kill_and_remove() {
                tracing::error!(%message, "execution cgroup could not be removed");
            }
        });
    }

    fn limits(&self, timeout: Duration) -> AppliedLimits {
        AppliedLimits {
            timeout_secs: timeout.as_secs_f64(),
            memory_bytes: self.launcher.cgroup.as_ref().map(|_| self.config.max_memory_bytes),
            max_processes: self.launcher.cgroup.as_ref().map(|_| self.config.max_processes),
            output_limit_bytes: self.config.output_limit_bytes,
            max_file_size_bytes: self.config.max_file_size_bytes,
            max_open_files: OPEN_FILES,
        }
    }

    /// Opens the caller's working directory beneath an allowed root, by handle, and refuses one that holds or lies
    /// in the server's data or the scratch area. Messages never name the protected files.
    fn open_workdir(&self, requested: &str, namespaces: bool) -> Result<OpenedDir, ExecError> {
        let invalid =
            |reason: String| ExecError::InvalidWorkingDirectory { path: crate::workspace::bounded(requested), reason };
        let relative = !Path::new(requested).is_absolute();
        let opened = self.roots.open_dir(requested, relative).map_err(|e| invalid(e.reason))?;
        let dir = &opened.path;
        let scratch_root = std::fs::canonicalize(&self.config.scratch_root).unwrap_or(self.config.scratch_root.clone());
        let overlaps = |other: &Path| dir.starts_with(other) || other.starts_with(dir);
        if self.launcher.protected.iter().any(|p| overlaps(p)) {
            return Err(invalid(
                "it holds or lies inside the server's data directory; choose a directory without the task database"
                    .into(),
            ));
        }
        if overlaps(&scratch_root) || SYSTEM_DIRS.iter().any(|d| dir.starts_with(d)) {
            return Err(invalid("it overlaps a system or scratch directory; choose a project directory".into()));
        }
        if let (Some((uid, gid)), Some(default_root)) = (self.launcher.run_as(namespaces), self.roots.roots().first())
            && dir.starts_with(default_root)
            && dir != default_root
        {
            // The server's own workspace belongs to the sandbox user, who runs the code there.
            let _ = crate::workspace::chown_handle(&opened, uid, gid);
        }
        Ok(opened)
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
        check_timeout(timeout, self.config.max_timeout)?;
        if request.code.len() > self.config.max_code_bytes {
            return Err(ExecError::CodeTooLarge { size: request.code.len(), max: self.config.max_code_bytes });
        }
        if matches!(request.language, ExecLanguage::Javascript | ExecLanguage::Typescript) {
            let depth = crate::typescript::nesting_depth(&request.code);
            if depth > MAX_NESTING {
                return Err(ExecError::NestingTooDeep { depth, max: MAX_NESTING });
            }
        }
        crate::packages::validate(request.language, &request.packages)?;
        if !request.packages.is_empty() && !self.config.package_network {
            return Err(ExecError::PackageNetworkDisabled { packages: request.packages.clone() });
        }
        let runtime = self.runtime(request.language)?.clone();
        let namespaces = self.launcher.layers.namespaces;
        let caller_workdir =
            request.working_directory.as_deref().map(|d| self.open_workdir(d, namespaces)).transpose()?;
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
            working_directory: caller_workdir.as_ref().map(|d| d.path.display().to_string()),
            packages: request.packages.clone(),
        };
        let file_name = match request.language {
            ExecLanguage::Typescript => "main.ts",
            ExecLanguage::Javascript => "main.js",
            ExecLanguage::Python => "main.py",
            ExecLanguage::Bash => "main.sh",
            ExecLanguage::Sql => "main.sql",
        };

        let slot = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| ExecError::io("waiting for a slot", std::io::Error::other(e)))?;
        let network = !request.packages.is_empty();
        // A prepared helper has no network; an install needs one started for it.
        let prepared = if network { None } else { self.launcher.take() };
        let launched = match prepared {
            Some(launched) => launched,
            None => self.launcher.launch(Purpose::Run { network }).await?,
        };
        let scratch = &launched.scratch;
        let code_file = scratch.dir("in").join(file_name);
        std::fs::write(&code_file, request.code.as_bytes())
            .map_err(|e| ExecError::io(format!("writing {}", code_file.display()), e))?;
        set_mode(&code_file, 0o644)?;
        let fresh = caller_workdir.is_none();
        let workdir = caller_workdir.as_ref().map_or_else(|| scratch.dir("work"), |d| d.path.clone());
        let tmp = if namespaces { PathBuf::from("/tmp") } else { scratch.dir("tmp") };
        let pkgs = scratch.dir("pkgs");
        let base_env = |home: &Path| {
            vec![
                ("PATH".to_owned(), path_var(&runtime.program)),
                ("HOME".to_owned(), home.display().to_string()),
                ("LANG".to_owned(), "C.UTF-8".to_owned()),
                ("LC_ALL".to_owned(), "C.UTF-8".to_owned()),
                ("TMPDIR".to_owned(), tmp.display().to_string()),
                ("PYTHONUNBUFFERED".to_owned(), "1".to_owned()),
                ("PYTHONDONTWRITEBYTECODE".to_owned(), "1".to_owned()),
                ("NO_COLOR".to_owned(), "1".to_owned()),
            ]
        };
        let mut steps = Vec::new();
        let mut env = base_env(&workdir);
        if !request.packages.is_empty() {
            steps.push(self.install_step(&request, &runtime, &pkgs, &tmp, base_env(&tmp))?);
            match request.language {
                ExecLanguage::Python => env.push(("PYTHONPATH".into(), pkgs.display().to_string())),
                _ => env.push(("NODE_PATH".into(), pkgs.join("node_modules").display().to_string())),
            }
        }
        let program = runtime.program.display().to_string();
        let code_path = code_file.display().to_string();
        let script =
            matches!(request.language, ExecLanguage::Javascript | ExecLanguage::Typescript).then(|| ScriptJob {
                source: code_file.clone(),
                typescript: request.language == ExecLanguage::Typescript,
                out_dir: tmp.clone(),
            });
        let (argv, stdin_file) = match request.language {
            ExecLanguage::Python => (vec![program, "-s".into(), code_path], None),
            ExecLanguage::Javascript | ExecLanguage::Typescript => {
                (vec![program, crate::spec::SCRIPT_PLACEHOLDER.into()], None)
            }
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
        steps.push(Step { argv, env, cwd: None, stdin_file, network: false, log_file: None, script });
        let job = Job {
            steps,
            write_paths: write_paths(&workdir, scratch, namespaces, fresh),
            workdir,
            fresh_workdir: fresh,
        };
        let install_timeout = network.then_some(self.config.package_timeout);
        let handle = caller_workdir.as_ref().map(|d| &d.fd);
        let run = self
            .run_helper(launched, job, handle, (install_timeout, timeout), self.config.output_limit_bytes, Some(slot))
            .await?;
        if let Some((code, log)) = run.failed_install() {
            return Err(ExecError::PackageInstallFailed {
                packages: request.packages.clone(),
                exit_code: code,
                stderr: log,
            });
        }
        finish(&mut outcome, run, timeout, self.config.output_limit_bytes, self.config.max_memory_bytes)?;
        Ok(outcome)
    }

    /// The package install, run inside the same sandbox before the program: isolated from the working directory
    /// (its own cwd, `python -I`, `pip --isolated`, npm configs pointed at nothing) and the only step with network.
    fn install_step(
        &self,
        request: &ExecRequest,
        runtime: &Runtime,
        pkgs: &Path,
        tmp: &Path,
        mut env: Vec<(String, String)>,
    ) -> Result<Step, ExecError> {
        let mut argv: Vec<String> = match request.language {
            ExecLanguage::Python => {
                let mut argv: Vec<String> = [
                    runtime.program.display().to_string(),
                    "-I".into(),
                    "-m".into(),
                    "pip".into(),
                    "--isolated".into(),
                    "install".into(),
                    "--target".into(),
                    pkgs.display().to_string(),
                    "--only-binary=:all:".into(),
                    "--no-input".into(),
                    "--disable-pip-version-check".into(),
                    "--no-cache-dir".into(),
                    "--quiet".into(),
                ]
                .into();
                if let Some(index) = &self.config.pip_index_url {
                    argv.extend(["--index-url".into(), index.clone()]);
                }
                if let Some(ca) = &self.config.ca_bundle {
                    argv.extend(["--cert".into(), ca.display().to_string()]);
                }
                argv
            }
            _ => {
                let npm = runtime.program.parent().map(|d| d.join("npm")).filter(|p| p.exists()).ok_or_else(|| {
                    ExecError::InterpreterMissing {
                        language: request.language.to_string(),
                        program: "npm".into(),
                        env_var: "NODE_EXECUTABLE",
                        reason: "npm was not found next to node".into(),
                    }
                })?;
                env.extend([
                    ("npm_config_cache".into(), tmp.join("npm-cache").display().to_string()),
                    ("npm_config_userconfig".into(), "/dev/null".into()),
                    ("npm_config_globalconfig".into(), "/dev/null".into()),
                    ("npm_config_update_notifier".into(), "false".into()),
                ]);
                let mut argv: Vec<String> = [
                    npm.display().to_string(),
                    "install".into(),
                    "--ignore-scripts".into(),
                    "--no-audit".into(),
                    "--no-fund".into(),
                    "--no-save".into(),
                    "--no-package-lock".into(),
                    "--prefix".into(),
                    pkgs.display().to_string(),
                ]
                .into();
                if let Some(registry) = &self.config.npm_registry {
                    argv.extend(["--registry".into(), registry.clone()]);
                }
                if let Some(ca) = &self.config.ca_bundle {
                    argv.extend(["--cafile".into(), ca.display().to_string()]);
                }
                argv
            }
        };
        if let Some(ca) = &self.config.ca_bundle {
            let ca = ca.display().to_string();
            env.extend([("SSL_CERT_FILE".into(), ca.clone()), ("NODE_EXTRA_CA_CERTS".into(), ca)]);
        }
        argv.push("--".into());
        argv.extend(request.packages.iter().cloned());
        Ok(Step {
            argv,
            env,
            cwd: Some(pkgs.to_path_buf()),
            stdin_file: None,
            network: true,
            log_file: Some(tmp.join("install.log")),
            script: None,
        })
    }

    /// Sends a launched helper its job (and the working directory's handle), captures capped output, enforces the
    /// install's and the program's timeouts, kills the whole tree and removes the scratch directory.
    async fn run_helper(
        &self,
        launched: Launched,
        job: Job,
        handle: Option<&OwnedFd>,
        (install_timeout, timeout): (Option<Duration>, Duration),
        cap: usize,
        slot: Option<tokio::sync::OwnedSemaphorePermit>,
    ) -> Result<RawRun, ExecError> {
        let Launched { mut child, control, mut cgroup, scratch } = launched;
        let payload = frame(&job).map_err(|e| ExecError::io("encoding the job", std::io::Error::other(e)))?;
        let mut started = Instant::now();
        send_handle(&control, handle)?;
        // A few kilobytes into a socket buffer the helper has drained: this does not block.
        std::io::Write::write_all(&mut &control, &payload)
            .map_err(|e| ExecError::io("sending the job to the helper", e))?;
        control.set_nonblocking(true).map_err(|e| ExecError::io("control socket", e))?;
        let control = tokio::net::UnixStream::from_std(control).map_err(|e| ExecError::io("control socket", e))?;
        let stdout = tokio::spawn(read_capped(child.stdout.take(), cap));
        let stderr = tokio::spawn(read_capped(child.stderr.take(), cap));
        let (report_tx, mut report_rx) = tokio::sync::mpsc::unbounded_channel::<HelperReport>();
        let reader = tokio::spawn(async move {
            let mut lines = tokio::io::BufReader::new(control).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if let Ok(report) = serde_json::from_str::<HelperReport>(&line) {
                    let _ = report_tx.send(report);
                }
            }
        });
        let mut reports = Vec::new();
        let mut installing = install_timeout.is_some();
        let mut deadline = tokio::time::Instant::now() + install_timeout.unwrap_or(timeout);
        let mut timed_out = false;
        let mut exited = false;
        let mut reported = false;
        while !exited && !reported {
            tokio::select! {
                status = child.wait() => {
                    status.map_err(|e| ExecError::io("waiting for the sandbox helper", e))?;
                    exited = true;
                }
                Some(report) = report_rx.recv() => {
                    if installing && matches!(report, HelperReport::StepExited { .. }) {
                        // The install is done: the program's own timeout starts now.
                        installing = false;
                        started = Instant::now();
                        deadline = tokio::time::Instant::now() + timeout;
                    }
                    // A terminal report comes from init once every process of the execution is gone, or from a
                    // step that failed before the program started.
                    reported = report.is_terminal();
                    reports.push(report);
                }
                () = tokio::time::sleep_until(deadline) => {
                    timed_out = true;
                    // SIGTERM lets a namespace-less helper sweep its subtree; in namespace mode it dies and pid 1
                    // follows.
                    if let Some(pid) = child.id().and_then(|p| i32::try_from(p).ok()) {
                        let _ = nix::sys::signal::kill(
                            nix::unistd::Pid::from_raw(pid),
                            nix::sys::signal::Signal::SIGTERM,
                        );
                    }
                    if tokio::time::timeout(Duration::from_millis(500), child.wait()).await.is_err() {
                        let _ = child.start_kill();
                        let _ = child.wait().await;
                    }
                    exited = true;
                }
            }
        }
        let elapsed = started.elapsed();
        let grace = Duration::from_secs(2);
        let mut memory_limit_hit = false;
        if exited {
            // Killed on timeout, or gone without a report: whatever is left holds the output pipes open.
            if let Some(mut cgroup) = cgroup.take() {
                let (emptied, used) = tokio::task::spawn_blocking(move || {
                    let hit = cgroup.memory_limit_hit();
                    (cgroup.empty().map(|()| hit), cgroup)
                })
                .await
                .map_err(|e| ExecError::io("emptying the cgroup", std::io::Error::other(e)))?;
                match emptied {
                    Ok(hit) => memory_limit_hit = hit,
                    Err(message) => tracing::error!(%message, "execution cgroup could not be emptied"),
                }
                Self::remove_cgroup(used);
            }
        } else if let Some(cgroup) = &cgroup {
            memory_limit_hit = cgroup.memory_limit_hit();
        }
        let (stdout, stdout_cut) = join_within(stdout, grace).await;
        let (stderr, stderr_cut) = join_within(stderr, grace).await;
        if exited {
            let _ = tokio::time::timeout(grace, reader).await;
            while let Ok(report) = report_rx.try_recv() {
                reports.push(report);
            }
        }
        // The result is complete; the helper and its init exit on their own. Their teardown (namespaces, the
        // cgroup as a backstop, the scratch directory) happens off the caller's path, holding the execution's slot
        // so teardowns stay within the concurrency limit.
        tokio::spawn(async move {
            if !exited && tokio::time::timeout(Duration::from_secs(10), child.wait()).await.is_err() {
                let _ = child.start_kill();
                let _ = child.wait().await;
            }
            let _ = tokio::task::spawn_blocking(move || {
                if let Some(used) = cgroup
                    && let Err(message) = used.kill_and_remove()
                {
                    tracing::error!(%message, "execution cgroup could not be removed");
                }
                drop(scratch);
            })
            .await;
            drop(slot);
        });
        Ok(RawRun {
            stdout,
            stderr,
            truncated: stdout_cut || stderr_cut,
            reports,
            timed_out,
            timed_out_installing: timed_out && installing,
            elapsed,
            memory_limit_hit,
        })
    }
}

/// Writable paths under Landlock. Inside namespaces every writable place is on the sandbox's own root; below, the
/// scratch directories on the host (a caller's working directory is granted through its handle instead).
fn write_paths(workdir: &Path, scratch: &Scratch, namespaces: bool, fresh: bool) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = SYSTEM_WRITE_PATHS.iter().map(PathBuf::from).collect();
    if namespaces {
        paths.extend([workdir.to_path_buf(), "/tmp".into(), "/dev/shm".into(), scratch.dir("pkgs")]);
    } else {
        if fresh {
            paths.push(workdir.to_path_buf());
        }
        paths.extend([scratch.dir("tmp"), scratch.dir("pkgs")]);
    }
    paths
}

/// Sends the first byte of the protocol, with the working directory's handle attached when there is one.
fn send_handle(socket: &std::os::unix::net::UnixStream, handle: Option<&OwnedFd>) -> Result<(), ExecError> {
    use nix::sys::socket::{ControlMessage, MsgFlags, sendmsg};
    use std::os::fd::AsRawFd;
    let fds: Vec<i32> = handle.iter().map(|fd| fd.as_raw_fd()).collect();
    let byte = [if fds.is_empty() { crate::spec::WITHOUT_HANDLE } else { crate::spec::WITH_HANDLE }];
    let iov = [std::io::IoSlice::new(&byte)];
    let cmsgs: Vec<ControlMessage<'_>> =
        if fds.is_empty() { Vec::new() } else { vec![ControlMessage::ScmRights(&fds)] };
    sendmsg::<()>(socket.as_raw_fd(), &iov, &cmsgs, MsgFlags::empty(), None)
        .map_err(|e| ExecError::io("passing the working directory to the helper", std::io::Error::from(e)))?;
    Ok(())
}

/// Checks a timeout against the accepted range: at least one second, at most `max`.
pub fn check_timeout(timeout: Duration, max: Duration) -> Result<(), ExecError> {
    if timeout < Duration::from_secs(1) || timeout > max {
        return Err(ExecError::TimeoutOutOfRange { given_secs: timeout.as_secs_f64(), max_secs: max.as_secs_f64() });
    }
    Ok(())
}

/// A timeout in seconds as sent by a caller (any JSON number), checked against the accepted range before it becomes
/// a `Duration` (which panics on values it cannot hold).
pub fn timeout_from_secs(secs: f64, max: Duration) -> Result<Duration, ExecError> {
    let out_of_range = || ExecError::TimeoutOutOfRange { given_secs: secs, max_secs: max.as_secs_f64() };
    if !secs.is_finite() || secs < 1.0 || secs > max.as_secs_f64() {
        return Err(out_of_range());
    }
    let timeout = Duration::try_from_secs_f64(secs).map_err(|_| out_of_range())?;
    check_timeout(timeout, max)?;
    Ok(timeout)
}

impl RawRun {
    /// The install step's exit code and log when it failed or timed out.
    fn failed_install(&self) -> Option<(Option<i32>, String)> {
        if self.timed_out_installing {
            let log = self.reports.iter().find_map(|r| match r {
                HelperReport::StepExited { log_tail, .. } => Some(log_tail.clone()),
                _ => None,
            });
            return Some((None, format!("the install timed out; {}", log.unwrap_or_default())));
        }
        self.reports.iter().find_map(|r| match r {
            HelperReport::StepExited { code, log_tail, .. } if *code != 0 => Some((Some(*code), log_tail.clone())),
            _ => None,
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
    let terminal = run.reports.iter().find(|r| r.is_terminal());
    let mut notes = Vec::new();
    if let Some(HelperReport::SyntaxError { message }) = terminal {
        outcome.error = message.clone();
        return Ok(());
    }
    let preparing = run.reports.contains(&HelperReport::Preparing);
    let prepared = run.reports.contains(&HelperReport::Prepared);
    if preparing && !prepared && !run.timed_out && !run.memory_limit_hit {
        outcome.error = format!(
            "the code could not be parsed: the parser stopped ({}); it is nested too deeply or is too large — \
             flatten deeply nested literals or expressions",
            match terminal {
                Some(HelperReport::Signaled { signal }) => format!("killed by signal {signal}"),
                Some(HelperReport::Exited { code }) => format!("exit {code}"),
                _ => "no report".into(),
            }
        );
        return Ok(());
    }
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

fn path_var(program: &Path) -> String {
    let mut dirs: Vec<String> = program.parent().map(|d| d.display().to_string()).into_iter().collect();
    dirs.extend(["/usr/local/bin", "/usr/bin", "/bin"].map(String::from));
    dirs.dedup();
    dirs.join(":")
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
