//! Building the orchestrator's components from the environment (the spec's configuration variables).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use orch_core::select::{Factor, Weights as SelectionWeights};
use orch_service::analyze::{AnalysisOptions, Weights};
use orch_service::exec::workspace::AllowedRoots;
use orch_service::exec::{ExecConfig, Executor, HELPER_ARG};
use orch_service::expand::{Expander, ProvidersConfig};
use orch_service::{AnalysisSettings, Orchestrator, SelectionSettings};

/// `CACHE_TTL` in seconds; 0 disables the analysis cache.
fn cache_ttl() -> Result<Duration> {
    match std::env::var("CACHE_TTL").ok().filter(|v| !v.trim().is_empty()) {
        None => Ok(Duration::from_secs(3600)),
        Some(v) => match v.trim().parse::<u64>() {
            Ok(secs) => Ok(Duration::from_secs(secs)),
            Err(_) => bail!("CACHE_TTL={v:?} is not a whole number of seconds"),
        },
    }
}

/// Analysis settings from `COMPLEXITY_WEIGHTS_*`, `ANALYSIS_TIMEOUT` and `CACHE_TTL`.
pub fn analysis_settings(database: Option<&Path>) -> Result<AnalysisSettings> {
    let weights = Weights::from_env().context("invalid COMPLEXITY_WEIGHTS_* configuration")?;
    let options = AnalysisOptions::from_env().context("invalid ANALYSIS_TIMEOUT")?;
    let mut roots = workspace_roots(database)?;
    // A scan may also read the repository the board lives in, the usual project_root.
    if let Some(repository) = database.and_then(repository_of) {
        roots.push(repository);
    }
    Ok(AnalysisSettings {
        weights,
        max_files: options.max_files,
        timeout: options.timeout,
        cache_ttl: cache_ttl()?,
        project_roots: AllowedRoots::new(roots),
    })
}

/// The default workspace (a `workspace` directory beside the SQLite file, or in the data directory for PostgreSQL)
/// followed by `TASK_ORCHESTRATOR_WORKSPACE_ROOTS`.
pub fn workspace_roots(database: Option<&Path>) -> Result<Vec<PathBuf>> {
    let default =
        match database.and_then(|db| std::path::absolute(db).ok()).and_then(|db| db.parent().map(Path::to_path_buf)) {
            Some(dir) => dir.join("workspace"),
            None => dirs::data_dir()
                .map(|d| d.join("task-orchestrator").join("workspace"))
                .context("no data directory for the default workspace; set TASK_ORCHESTRATOR_WORKSPACE_ROOTS")?,
        };
    let mut roots = vec![default];
    if let Ok(configured) = std::env::var("TASK_ORCHESTRATOR_WORKSPACE_ROOTS") {
        for root in std::env::split_paths(&configured).filter(|p| !p.as_os_str().is_empty()) {
            anyhow::ensure!(
                root.is_absolute(),
                "TASK_ORCHESTRATOR_WORKSPACE_ROOTS: {} is not an absolute path",
                root.display()
            );
            roots.push(root);
        }
    }
    Ok(roots)
}

/// The git repository (the nearest ancestor holding `.git`) that contains the database file, if any.
fn repository_of(database: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(database).ok()?;
    absolute.ancestors().skip(1).find(|dir| dir.join(".git").exists()).map(Path::to_path_buf)
}

/// Selection weights from `TASK_ORCHESTRATOR_WEIGHT_<FACTOR>` and the claim timeout from
/// `TASK_ORCHESTRATOR_CLAIM_TIMEOUT_SECS` (unset: claims last until released).
pub fn selection_settings() -> Result<SelectionSettings> {
    let weights = selection_weights(|name| std::env::var(name).ok())?;
    let claim_timeout = match std::env::var("TASK_ORCHESTRATOR_CLAIM_TIMEOUT_SECS")
        .ok()
        .filter(|v| !v.trim().is_empty())
    {
        None => None,
        Some(raw) => match raw.trim().parse::<u64>() {
            Ok(0) | Err(_) => bail!("TASK_ORCHESTRATOR_CLAIM_TIMEOUT_SECS={raw:?} is not a positive number of seconds"),
            Ok(secs) => Some(Duration::from_secs(secs)),
        },
    };
    Ok(SelectionSettings { weights, claim_timeout })
}

/// The selection weights from `TASK_ORCHESTRATOR_WEIGHT_<FACTOR>` as `var` reads them; no other name counts (a bare
/// `PRIORITY` or `CONTEXT` in the environment belongs to something else).
fn selection_weights(var: impl Fn(&str) -> Option<String>) -> Result<SelectionWeights> {
    let mut weights = SelectionWeights::default();
    for factor in Factor::ALL {
        let name = format!("TASK_ORCHESTRATOR_WEIGHT_{}", factor.env_name());
        let Some(raw) = var(&name).filter(|v| !v.trim().is_empty()) else { continue };
        let value: f64 = match raw.trim().parse() {
            Ok(v) => v,
            Err(_) => bail!("{name}={raw:?} is not a number; give a weight such as 0.3 (0 switches {factor} off)"),
        };
        if weights.set(factor, value).is_err() {
            bail!("{name}={raw:?} is not a non-negative number; give a weight such as 0.3 (0 switches {factor} off)");
        }
    }
    Ok(weights)
}

/// The expansion providers from `OPENAI_*`, `ANTHROPIC_*` and `DEFAULT_LLM_*`.
pub fn expander() -> Result<Expander> {
    let config = ProvidersConfig::from_env().context("invalid LLM provider configuration")?;
    let expander = Expander::new(config).context("cannot set up the LLM providers")?;
    let providers = expander.configured_providers();
    if providers.is_empty() {
        tracing::info!("task expansion uses the offline planner (no OPENAI_API_KEY or ANTHROPIC_API_KEY set)");
    } else {
        tracing::info!("task expansion providers: {}", providers.join(", "));
    }
    Ok(expander)
}

/// The sandboxed executor, or why execution is unavailable. Protects the database files from executed code.
pub async fn executor(database: Option<&Path>) -> Result<Arc<Executor>, String> {
    let mut config = ExecConfig::from_env().map_err(|e| format!("code execution is misconfigured: {e}"))?;
    config.workspace_roots =
        workspace_roots(database).map_err(|e| format!("code execution is misconfigured: {e:#}"))?;
    let exe = std::env::current_exe().map_err(|e| format!("cannot locate this binary for the sandbox helper: {e}"))?;
    config.helper_command = vec![exe.into_os_string(), OsString::from(HELPER_ARG)];
    if let Some(db) = database {
        let db = std::path::absolute(db).unwrap_or_else(|_| db.to_path_buf());
        for suffix in ["", "-wal", "-shm"] {
            let mut p = db.clone().into_os_string();
            p.push(suffix);
            config.protected_paths.push(p.into());
        }
    }
    match Executor::new(config).await {
        Ok(executor) => {
            tracing::info!("code execution ready, isolation level {}", executor.isolation().level);
            Ok(Arc::new(executor))
        }
        Err(e) => {
            tracing::warn!("code execution is unavailable: {e}");
            Err(format!("code execution is unavailable on this server: {e}"))
        }
    }
}

/// An orchestrator with every component configured from the environment.
pub async fn configure(orch: Orchestrator, database: Option<&Path>, with_executor: bool) -> Result<Orchestrator> {
    let orch = orch
        .with_analysis(analysis_settings(database)?)
        .with_expander(expander()?)
        .with_selection(selection_settings()?)
        .with_git(crate::git::settings()?);
    if !with_executor {
        return Ok(orch);
    }
    let database = database.map(Path::to_path_buf);
    // The probe runs sandboxed trial processes; the server answers MCP meanwhile and only execute_code waits.
    // A failed probe (e.g. out of file descriptors under a connection flood) is retried by a later execute_code.
    Ok(orch.with_executor_retrying(orch_service::EXECUTOR_RETRY_AFTER, move || {
        let database = database.clone();
        async move { executor(database.as_deref()).await }
    }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn weights_come_only_from_prefixed_variables() {
        let w = selection_weights(env(&[("CONTEXT", "work"), ("PRIORITY", "0")])).unwrap();
        assert_eq!(w, SelectionWeights::default(), "bare names are someone else's");
        let w = selection_weights(env(&[("TASK_ORCHESTRATOR_WEIGHT_PRIORITY", " 0.9 ")])).unwrap();
        assert_eq!(w.get(Factor::Priority), 0.9);
        assert_eq!(w.get(Factor::CriticalPath), SelectionWeights::default().critical_path);
        let w = selection_weights(env(&[("TASK_ORCHESTRATOR_WEIGHT_CRITICAL_PATH", "0")])).unwrap();
        assert_eq!(w.get(Factor::CriticalPath), 0.0);
    }

    #[test]
    fn an_invalid_weight_names_its_variable() {
        let err = selection_weights(env(&[("TASK_ORCHESTRATOR_WEIGHT_CONTEXT", "work")])).unwrap_err().to_string();
        assert!(err.contains("TASK_ORCHESTRATOR_WEIGHT_CONTEXT=\"work\" is not a number"), "{err}");
        let err = selection_weights(env(&[("TASK_ORCHESTRATOR_WEIGHT_AGE", "-1")])).unwrap_err().to_string();
        assert!(err.contains("TASK_ORCHESTRATOR_WEIGHT_AGE"), "{err}");
    }
}
