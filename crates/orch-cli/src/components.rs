//! Building the orchestrator's components from the environment (the spec's configuration variables).

use std::ffi::OsString;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use orch_core::select::{Factor, Weights as SelectionWeights};
use orch_service::analyze::{AnalysisOptions, Weights};
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
pub fn analysis_settings() -> Result<AnalysisSettings> {
    let weights = Weights::from_env().context("invalid COMPLEXITY_WEIGHTS_* configuration")?;
    let options = AnalysisOptions::from_env().context("invalid ANALYSIS_TIMEOUT")?;
    Ok(AnalysisSettings { weights, max_files: options.max_files, timeout: options.timeout, cache_ttl: cache_ttl()? })
}

/// Selection weights from `TASK_ORCHESTRATOR_WEIGHT_<FACTOR>` and the claim timeout from
/// `TASK_ORCHESTRATOR_CLAIM_TIMEOUT_SECS` (unset: claims last until released).
pub fn selection_settings() -> Result<SelectionSettings> {
    let mut weights = SelectionWeights::default();
    for factor in Factor::ALL {
        if let Some(raw) = std::env::var(factor.env_name()).ok().filter(|v| !v.trim().is_empty()) {
            let value: f64 =
                raw.trim().parse().with_context(|| format!("{}={raw:?} is not a number", factor.env_name()))?;
            weights.set(factor, value).with_context(|| format!("invalid {}", factor.env_name()))?;
        }
    }
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

/// The expansion providers from `OPENAI_*`, `ANTHROPIC_*` and `DEFAULT_LLM_*`.
pub fn expander() -> Result<Expander> {
    let config = ProvidersConfig::from_env().context("invalid LLM provider configuration")?;
    let expander = Expander::new(config).context("cannot set up the LLM providers")?;
    tracing::info!(providers = ?expander.configured_providers(), "expansion providers");
    Ok(expander)
}

/// The sandboxed executor, or why execution is unavailable. Protects the database files from executed code.
pub async fn executor(database: Option<&Path>) -> Result<Arc<Executor>, String> {
    let mut config = ExecConfig::from_env().map_err(|e| format!("code execution is misconfigured: {e}"))?;
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
            tracing::info!(isolation = ?executor.isolation().level, "code execution ready");
            Ok(Arc::new(executor))
        }
        Err(e) => {
            tracing::warn!(error = %e, "code execution is unavailable");
            Err(format!("code execution is unavailable on this server: {e}"))
        }
    }
}

/// An orchestrator with every component configured from the environment.
pub async fn configure(orch: Orchestrator, database: Option<&Path>, with_executor: bool) -> Result<Orchestrator> {
    let orch = orch
        .with_analysis(analysis_settings()?)
        .with_expander(expander()?)
        .with_selection(selection_settings()?)
        .with_git(crate::git::settings()?);
    if !with_executor {
        return Ok(orch);
    }
    let database = database.map(Path::to_path_buf);
    // The probe runs sandboxed trial processes; the server answers MCP meanwhile and only execute_code waits.
    Ok(orch.with_executor_starting(async move { executor(database.as_deref()).await }))
}
