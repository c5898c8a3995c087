//! Languages, isolation levels and the engine's configuration.

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::ExecError;

/// A language `execute_code` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExecLanguage {
    /// Python 3, run by `PYTHON_EXECUTABLE`.
    Python,
    /// JavaScript, run by `NODE_EXECUTABLE`.
    Javascript,
    /// TypeScript, transpiled in-process and run by `NODE_EXECUTABLE`.
    Typescript,
    /// Bash, run by `BASH_EXECUTABLE`.
    Bash,
    /// SQL, run by sqlite3 against a scratch database in the working directory.
    Sql,
}

impl ExecLanguage {
    /// Every language, in a stable order.
    pub const ALL: [Self; 5] = [Self::Python, Self::Javascript, Self::Typescript, Self::Bash, Self::Sql];

    /// The lowercase name used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Python => "python",
            Self::Javascript => "javascript",
            Self::Typescript => "typescript",
            Self::Bash => "bash",
            Self::Sql => "sql",
        }
    }
}

impl fmt::Display for ExecLanguage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ExecLanguage {
    type Err = ExecError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|language| language.as_str() == s)
            .ok_or_else(|| ExecError::UnknownLanguage { given: s.to_owned() })
    }
}

/// How strongly executed code is confined; each level includes everything below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IsolationLevel {
    /// Separate process with a scrubbed environment, rlimits and a timeout; no kernel confinement.
    None,
    /// Adds `NO_NEW_PRIVS` and the seccomp deny-list: no inet sockets, ptrace, namespaces, mounts, bpf, keyrings.
    Process,
    /// Adds Landlock: only the runtimes (read-only) and the working directory (read-write) are visible; no TCP.
    Landlock,
    /// Adds namespaces (pid, mount, net, ipc, uts), a private /tmp and /proc, masked protected paths, cgroup memory
    /// and process limits, and whole-tree kill: every threat of the sandbox issue is contained.
    Namespaces,
}

impl IsolationLevel {
    /// The lowercase name used on the wire and in configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Process => "process",
            Self::Landlock => "landlock",
            Self::Namespaces => "namespaces",
        }
    }
}

impl fmt::Display for IsolationLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for IsolationLevel {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Self::None, Self::Process, Self::Landlock, Self::Namespaces]
            .into_iter()
            .find(|level| level.as_str() == s)
            .ok_or_else(|| {
                format!("unknown isolation level `{s}`: expected one of none, process, landlock, namespaces")
            })
    }
}

/// Configuration of the execution engine.
#[derive(Debug, Clone)]
pub struct ExecConfig {
    /// Python interpreter (`PYTHON_EXECUTABLE`, default `python3`).
    pub python_executable: String,
    /// Node.js (`NODE_EXECUTABLE`, default `node`); also runs TypeScript.
    pub node_executable: String,
    /// Bash (`BASH_EXECUTABLE`, default `bash`).
    pub bash_executable: String,
    /// sqlite3 shell (`TASK_ORCHESTRATOR_SQLITE_EXECUTABLE`, default `sqlite3`).
    pub sqlite_executable: String,
    /// Timeout when the request gives none (`EXECUTION_TIMEOUT` seconds, default 30).
    pub default_timeout: Duration,
    /// Largest timeout a request may ask for (`TASK_ORCHESTRATOR_EXEC_MAX_TIMEOUT` seconds, default 3600).
    pub max_timeout: Duration,
    /// Memory limit of one execution, all its processes together (`MAX_EXECUTION_MEMORY`, default 512 MiB).
    pub max_memory_bytes: u64,
    /// Executions running at once (`MAX_CONCURRENT_TASKS`, default 10); further requests wait.
    pub max_concurrent: usize,
    /// Byte cap per output stream (`TASK_ORCHESTRATOR_EXEC_OUTPUT_LIMIT`, default 1 MiB).
    pub output_limit_bytes: usize,
    /// Processes and threads of one execution (`TASK_ORCHESTRATOR_EXEC_MAX_PROCESSES`, default 256).
    pub max_processes: u64,
    /// Largest file an execution may write (`TASK_ORCHESTRATOR_EXEC_MAX_FILE_SIZE`, default 64 MiB).
    pub max_file_size_bytes: u64,
    /// Largest accepted code (`TASK_ORCHESTRATOR_EXEC_MAX_CODE_SIZE`, default 1 MiB).
    pub max_code_bytes: usize,
    /// Weakest sandbox the engine accepts (`TASK_ORCHESTRATOR_EXEC_MIN_ISOLATION`, default `namespaces`).
    pub min_isolation: IsolationLevel,
    /// Whether package installs may reach the network (`TASK_ORCHESTRATOR_EXEC_PACKAGE_NETWORK`, default false).
    pub package_network: bool,
    /// Timeout of a package install (`TASK_ORCHESTRATOR_EXEC_PACKAGE_TIMEOUT` seconds, default 180).
    pub package_timeout: Duration,
    /// Extra read-only paths executed code may read, e.g. a shared library prefix
    /// (`TASK_ORCHESTRATOR_EXEC_READ_PATHS`, colon-separated).
    pub extra_read_paths: Vec<PathBuf>,
    /// A writable cgroup directory under which per-execution cgroups are created (cgroup v2, or the memory
    /// controller's directory on v1); default: the server's own cgroup (`TASK_ORCHESTRATOR_EXEC_CGROUP_PARENT`).
    pub cgroup_parent: Option<PathBuf>,
    /// argv prefix that re-executes the sandbox helper; production: `[current_exe, "__sandbox"]`.
    pub helper_command: Vec<OsString>,
    /// Server data directory and database file: never visible to executed code, never a working directory.
    pub protected_paths: Vec<PathBuf>,
    /// Where per-execution directories are created.
    pub scratch_root: PathBuf,
    /// Directories a `working_directory` may name, the first being where relative paths go (the server sets its
    /// default workspace beside the database, then `TASK_ORCHESTRATOR_WORKSPACE_ROOTS`).
    pub workspace_roots: Vec<PathBuf>,
    /// Scratch space of one execution: its private root holding /tmp, a fresh working directory and installed
    /// packages (`TASK_ORCHESTRATOR_EXEC_DISK_LIMIT`, default half the memory limit; tmpfs pages count against the
    /// memory limit too).
    pub disk_bytes: Option<u64>,
    /// The unprivileged user and group executed code runs as when the server is root
    /// (`TASK_ORCHESTRATOR_EXEC_UID` / `_GID`, default 65534, `nobody`).
    pub sandbox_user: (u32, u32),
    /// Package index for pip installs (`TASK_ORCHESTRATOR_EXEC_PIP_INDEX_URL`).
    pub pip_index_url: Option<String>,
    /// Registry for npm installs (`TASK_ORCHESTRATOR_EXEC_NPM_REGISTRY`).
    pub npm_registry: Option<String>,
    /// CA bundle (PEM) trusted by package installs, e.g. behind a TLS-intercepting proxy
    /// (`TASK_ORCHESTRATOR_EXEC_CA_BUNDLE`).
    pub ca_bundle: Option<PathBuf>,
}

/// The default memory limit: 512 MiB.
const DEFAULT_MEMORY: u64 = 512 * 1024 * 1024;

impl Default for ExecConfig {
    fn default() -> Self {
        Self {
            python_executable: "python3".into(),
            node_executable: "node".into(),
            bash_executable: "bash".into(),
            sqlite_executable: "sqlite3".into(),
            default_timeout: Duration::from_secs(30),
            max_timeout: Duration::from_secs(3600),
            max_memory_bytes: DEFAULT_MEMORY,
            max_concurrent: 10,
            output_limit_bytes: 1024 * 1024,
            max_processes: 256,
            max_file_size_bytes: 64 * 1024 * 1024,
            max_code_bytes: 1024 * 1024,
            min_isolation: IsolationLevel::Namespaces,
            package_network: false,
            package_timeout: Duration::from_secs(180),
            extra_read_paths: Vec::new(),
            cgroup_parent: None,
            helper_command: match std::env::current_exe() {
                Ok(exe) => vec![exe.into_os_string(), OsString::from(crate::HELPER_ARG)],
                Err(_) => Vec::new(),
            },
            protected_paths: Vec::new(),
            scratch_root: std::env::temp_dir().join("task-orchestrator-exec"),
            workspace_roots: Vec::new(),
            disk_bytes: None,
            sandbox_user: (65534, 65534),
            pip_index_url: None,
            npm_registry: None,
            ca_bundle: None,
        }
    }
}

impl ExecConfig {
    /// Reads the configuration from the process environment (see each field for its variable).
    pub fn from_env() -> Result<Self, ExecError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (the environment in production, a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ExecError> {
        let mut config = Self::default();
        let get = |name: &str| lookup(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        if let Some(v) = get("PYTHON_EXECUTABLE") {
            config.python_executable = v;
        }
        if let Some(v) = get("NODE_EXECUTABLE") {
            config.node_executable = v;
        }
        if let Some(v) = get("BASH_EXECUTABLE") {
            config.bash_executable = v;
        }
        if let Some(v) = get("TASK_ORCHESTRATOR_SQLITE_EXECUTABLE") {
            config.sqlite_executable = v;
        }
        if let Some(v) = get("EXECUTION_TIMEOUT") {
            config.default_timeout = parse_seconds("EXECUTION_TIMEOUT", &v)?;
        }
        if let Some(v) = get("TASK_ORCHESTRATOR_EXEC_MAX_TIMEOUT") {
            config.max_timeout = parse_seconds("TASK_ORCHESTRATOR_EXEC_MAX_TIMEOUT", &v)?;
        }
        if let Some(v) = get("MAX_EXECUTION_MEMORY") {
            config.max_memory_bytes = parse_size("MAX_EXECUTION_MEMORY", &v)?;
        }
        if let Some(v) = get("MAX_CONCURRENT_TASKS") {
            config.max_concurrent = parse_positive("MAX_CONCURRENT_TASKS", &v)?;
        }
        if let Some(v) = get("TASK_ORCHESTRATOR_EXEC_OUTPUT_LIMIT") {
            config.output_limit_bytes =
                usize::try_from(parse_size("TASK_ORCHESTRATOR_EXEC_OUTPUT_LIMIT", &v)?).unwrap_or(usize::MAX);
        }
        if let Some(v) = get("TASK_ORCHESTRATOR_EXEC_MAX_PROCESSES") {
            config.max_processes = parse_positive("TASK_ORCHESTRATOR_EXEC_MAX_PROCESSES", &v)?;
        }
        if let Some(v) = get("TASK_ORCHESTRATOR_EXEC_MAX_FILE_SIZE") {
            config.max_file_size_bytes = parse_size("TASK_ORCHESTRATOR_EXEC_MAX_FILE_SIZE", &v)?;
        }
        if let Some(v) = get("TASK_ORCHESTRATOR_EXEC_MAX_CODE_SIZE") {
            config.max_code_bytes =
                usize::try_from(parse_size("TASK_ORCHESTRATOR_EXEC_MAX_CODE_SIZE", &v)?).unwrap_or(usize::MAX);
        }
        if let Some(v) = get("TASK_ORCHESTRATOR_EXEC_MIN_ISOLATION") {
            config.min_isolation = v.parse().map_err(|reason| ExecError::InvalidConfig {
                var: "TASK_ORCHESTRATOR_EXEC_MIN_ISOLATION",
                value: v.clone(),
                reason,
            })?;
        }
        if let Some(v) = get("TASK_ORCHESTRATOR_EXEC_PACKAGE_NETWORK") {
            config.package_network = parse_bool("TASK_ORCHESTRATOR_EXEC_PACKAGE_NETWORK", &v)?;
        }
        if let Some(v) = get("TASK_ORCHESTRATOR_EXEC_PACKAGE_TIMEOUT") {
            config.package_timeout = parse_seconds("TASK_ORCHESTRATOR_EXEC_PACKAGE_TIMEOUT", &v)?;
        }
        if let Some(v) = get("TASK_ORCHESTRATOR_EXEC_READ_PATHS") {
            config.extra_read_paths = std::env::split_paths(&v).filter(|p| p.is_absolute()).collect();
        }
        if let Some(v) = get("TASK_ORCHESTRATOR_EXEC_CGROUP_PARENT") {
            config.cgroup_parent = Some(PathBuf::from(v));
        }
        if let Some(v) = get("TASK_ORCHESTRATOR_EXEC_SCRATCH_DIR") {
            config.scratch_root = PathBuf::from(v);
        }
        if let Some(v) = get("TASK_ORCHESTRATOR_EXEC_DISK_LIMIT") {
            config.disk_bytes = Some(parse_size("TASK_ORCHESTRATOR_EXEC_DISK_LIMIT", &v)?);
        }
        if let Some(v) = get("TASK_ORCHESTRATOR_EXEC_UID") {
            config.sandbox_user.0 = parse_positive("TASK_ORCHESTRATOR_EXEC_UID", &v)?;
        }
        if let Some(v) = get("TASK_ORCHESTRATOR_EXEC_GID") {
            config.sandbox_user.1 = parse_positive("TASK_ORCHESTRATOR_EXEC_GID", &v)?;
        }
        config.pip_index_url = get("TASK_ORCHESTRATOR_EXEC_PIP_INDEX_URL");
        config.npm_registry = get("TASK_ORCHESTRATOR_EXEC_NPM_REGISTRY");
        if let Some(v) = get("TASK_ORCHESTRATOR_EXEC_CA_BUNDLE") {
            let path = PathBuf::from(&v);
            if !path.is_absolute() || !path.is_file() {
                return Err(ExecError::InvalidConfig {
                    var: "TASK_ORCHESTRATOR_EXEC_CA_BUNDLE",
                    value: v,
                    reason: "expected the absolute path of an existing PEM file".into(),
                });
            }
            config.ca_bundle = Some(path);
        }
        Ok(config)
    }
}

fn parse_seconds(var: &'static str, value: &str) -> Result<Duration, ExecError> {
    value
        .parse::<f64>()
        .ok()
        .filter(|secs| secs.is_finite() && *secs > 0.0 && *secs <= 86_400.0)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| ExecError::InvalidConfig {
            var,
            value: value.to_owned(),
            reason: "expected a number of seconds between 0 and 86400".into(),
        })
}

fn parse_positive<T: FromStr + PartialOrd + Default>(var: &'static str, value: &str) -> Result<T, ExecError> {
    value.parse::<T>().ok().filter(|n| *n > T::default()).ok_or_else(|| ExecError::InvalidConfig {
        var,
        value: value.to_owned(),
        reason: "expected a positive integer".into(),
    })
}

fn parse_bool(var: &'static str, value: &str) -> Result<bool, ExecError> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(ExecError::InvalidConfig { var, value: value.to_owned(), reason: "expected true or false".into() }),
    }
}

/// Parses a byte size: a plain number of bytes or a number with a unit; K/M/G/T (with or without `B` or `iB`) are
/// binary multiples, so `512MB` and `512MiB` both mean 512 × 2^20 bytes, as container runtimes read them.
pub fn parse_size(var: &'static str, value: &str) -> Result<u64, ExecError> {
    let invalid = || ExecError::InvalidConfig {
        var,
        value: value.to_owned(),
        reason: "expected a size such as 536870912, 512MB, 512MiB or 1GiB".into(),
    };
    let trimmed = value.trim();
    let split = trimmed.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let number: f64 = number.parse().map_err(|_| invalid())?;
    let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        _ => return Err(invalid()),
    };
    let bytes = number * multiplier as f64;
    if !bytes.is_finite() || bytes < 1.0 || bytes > u64::MAX as f64 {
        return Err(invalid());
    }
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn sizes_parse_with_binary_units() {
        assert_eq!(parse_size("X", "512MB").unwrap(), 512 << 20);
        assert_eq!(parse_size("X", "1GiB").unwrap(), 1 << 30);
        assert_eq!(parse_size("X", "4096").unwrap(), 4096);
        assert_eq!(parse_size("X", "1.5k").unwrap(), 1536);
        assert!(parse_size("X", "12 parsecs").is_err());
        assert!(parse_size("X", "0").is_err());
        assert!(parse_size("X", "").is_err());
    }

    #[test]
    fn languages_round_trip_and_errors_list_valid_names() {
        for language in ExecLanguage::ALL {
            assert_eq!(language.to_string().parse::<ExecLanguage>().unwrap(), language);
            assert_eq!(serde_json::to_string(&language).unwrap(), format!("\"{language}\""));
        }
        let message = "ruby".parse::<ExecLanguage>().unwrap_err().to_string();
        assert!(message.contains("python, javascript, typescript, bash, sql"), "{message}");
    }

    #[test]
    fn isolation_levels_are_ordered() {
        assert!(IsolationLevel::None < IsolationLevel::Process);
        assert!(IsolationLevel::Process < IsolationLevel::Landlock);
        assert!(IsolationLevel::Landlock < IsolationLevel::Namespaces);
        assert_eq!(serde_json::to_string(&IsolationLevel::Namespaces).unwrap(), "\"namespaces\"");
    }

    #[test]
    fn config_reads_spec_and_own_variables() {
        let vars: BTreeMap<&str, &str> = [
            ("PYTHON_EXECUTABLE", "/opt/py/bin/python3"),
            ("EXECUTION_TIMEOUT", "12"),
            ("MAX_EXECUTION_MEMORY", "1GiB"),
            ("MAX_CONCURRENT_TASKS", "3"),
            ("TASK_ORCHESTRATOR_EXEC_MIN_ISOLATION", "landlock"),
            ("TASK_ORCHESTRATOR_EXEC_PACKAGE_NETWORK", "true"),
            ("TASK_ORCHESTRATOR_EXEC_OUTPUT_LIMIT", "64KiB"),
        ]
        .into_iter()
        .collect();
        let config = ExecConfig::from_lookup(|k| vars.get(k).map(|v| (*v).to_owned())).unwrap();
        assert_eq!(config.python_executable, "/opt/py/bin/python3");
        assert_eq!(config.default_timeout, Duration::from_secs(12));
        assert_eq!(config.max_memory_bytes, 1 << 30);
        assert_eq!(config.max_concurrent, 3);
        assert_eq!(config.min_isolation, IsolationLevel::Landlock);
        assert!(config.package_network);
        assert_eq!(config.output_limit_bytes, 64 << 10);
        let defaults = ExecConfig::from_lookup(|_| None).unwrap();
        assert_eq!(defaults.default_timeout, Duration::from_secs(30));
        assert_eq!(defaults.max_memory_bytes, 512 << 20);
        assert_eq!(defaults.max_concurrent, 10);
        assert!(!defaults.package_network);
        let bad = ExecConfig::from_lookup(|k| (k == "MAX_CONCURRENT_TASKS").then(|| "zero".to_owned()));
        assert!(bad.unwrap_err().to_string().contains("MAX_CONCURRENT_TASKS"));
    }
}
