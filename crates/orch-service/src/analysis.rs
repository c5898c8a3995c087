//! `analyze_complexity` and `estimate_effort`: the offline complexity model over a task, its place in the graph, the
//! project tree and the project's history; results stored and cached.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use orch_analyze::{AnalysisOptions, ComplexityAnalysis, HistoricalTask, TaskProfile, Weights};
use orch_core::{TaskFilter, TaskId, TaskQuery};

use crate::{Error, Orchestrator, Result};

/// How many completed tasks of the project calibrate an estimate.
const HISTORY_LIMIT: u32 = 500;
/// Cached results kept at most; the oldest go first.
const CACHE_CAPACITY: usize = 2_048;

/// Server-wide analysis settings.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisSettings {
    /// Factor weights (`COMPLEXITY_WEIGHTS_*`).
    pub weights: Weights,
    /// Most files a project scan reads.
    pub max_files: usize,
    /// Longest a project scan runs (`ANALYSIS_TIMEOUT`).
    pub timeout: Duration,
    /// How long a result is reused while the task is unchanged (`CACHE_TTL`); zero disables the cache.
    pub cache_ttl: Duration,
    /// Directories a `project_root` may name (the board's repository and the workspace roots by default); a scan
    /// reads file names and line counts, so over HTTP anything else would be remote file discovery.
    pub project_roots: orch_exec::workspace::AllowedRoots,
}

impl Default for AnalysisSettings {
    fn default() -> Self {
        let defaults = AnalysisOptions::default();
        Self {
            weights: Weights::default(),
            max_files: defaults.max_files,
            timeout: defaults.timeout,
            cache_ttl: Duration::from_secs(3600),
            project_roots: orch_exec::workspace::AllowedRoots::default(),
        }
    }
}

/// What to analyse (the tool's switches).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AnalysisRequest {
    /// DAG and file dependencies.
    pub analyze_dependencies: bool,
    /// Code volume.
    pub estimate_code_volume: bool,
    /// Technical risk.
    pub assess_risk: bool,
    /// Calibration by history.
    pub use_historical_data: bool,
    /// Project tree to scan.
    pub project_root: Option<PathBuf>,
}

impl Default for AnalysisRequest {
    fn default() -> Self {
        Self {
            analyze_dependencies: true,
            estimate_code_volume: true,
            assess_risk: true,
            use_historical_data: true,
            project_root: None,
        }
    }
}

/// An analysis and where it came from.
#[derive(Debug, Clone)]
pub struct AnalysisReport {
    /// The result.
    pub analysis: ComplexityAnalysis,
    /// True when reused from the cache (the task has not changed since).
    pub cached: bool,
}

struct CacheEntry {
    at: Instant,
    task_updated_at: DateTime<Utc>,
    analysis: ComplexityAnalysis,
}

/// Settings plus the result cache.
pub(crate) struct Analyzer {
    settings: AnalysisSettings,
    cache: Mutex<HashMap<(TaskId, AnalysisRequest), CacheEntry>>,
}

impl Analyzer {
    pub(crate) fn new(settings: AnalysisSettings) -> Self {
        Self { settings, cache: Mutex::new(HashMap::new()) }
    }

    fn cached(&self, key: &(TaskId, AnalysisRequest), task_updated_at: DateTime<Utc>) -> Option<ComplexityAnalysis> {
        let cache = self.cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        cache
            .get(key)
            .filter(|e| e.task_updated_at == task_updated_at && e.at.elapsed() < self.settings.cache_ttl)
            .map(|e| e.analysis.clone())
    }

    fn remember(&self, key: (TaskId, AnalysisRequest), task_updated_at: DateTime<Utc>, analysis: &ComplexityAnalysis) {
        if self.settings.cache_ttl.is_zero() {
            return;
        }
        let mut cache = self.cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if cache.len() >= CACHE_CAPACITY {
            let oldest = cache.iter().min_by_key(|(_, e)| e.at).map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                cache.remove(&k);
            }
        }
        cache.insert(key, CacheEntry { at: Instant::now(), task_updated_at, analysis: analysis.clone() });
    }
}

fn hours_between(start: DateTime<Utc>, end: DateTime<Utc>) -> f64 {
    (end - start).num_milliseconds().max(0) as f64 / 3_600_000.0
}

impl Orchestrator {
    /// Analyses a task's complexity (score 1–10, hours, factors with evidence), stores the result, and caches it
    /// for `CACHE_TTL` while the task is unchanged.
    pub async fn analyze_complexity(&self, id: TaskId, request: AnalysisRequest) -> Result<AnalysisReport> {
        let task = self.store.get_task(id).await?;
        let key = (id, request.clone());
        if let Some(analysis) = self.analysis.cached(&key, task.updated_at) {
            return Ok(AnalysisReport { analysis, cached: true });
        }
        let dependents = self.store.transitive_dependents(id).await?.len();
        let subtasks = self
            .store
            .list_tasks(&TaskQuery {
                filter: TaskFilter { parent_id: Some(id), ..Default::default() },
                limit: 1,
                offset: 0,
            })
            .await?
            .total as usize;
        let history: Vec<HistoricalTask> = if request.use_historical_data {
            self.store
                .completed_history(&task.project_id, HISTORY_LIMIT)
                .await?
                .into_iter()
                .filter(|t| t.id != id)
                .filter_map(|t| {
                    let actual_hours = hours_between(t.started_at?, t.completed_at?);
                    Some(HistoricalTask {
                        id: t.id.0,
                        title: t.title,
                        description: t.description,
                        tags: t.tags,
                        code_language: t.code_language,
                        actual_hours,
                        estimated_hours: t.estimated_hours,
                    })
                })
                .collect()
        } else {
            Vec::new()
        };
        let profile = TaskProfile {
            id: id.0,
            title: task.title.clone(),
            description: task.description.clone(),
            details: task.details.clone(),
            tags: task.tags.clone(),
            code_language: task.code_language.clone(),
            task_type: task.task_type.clone(),
            priority: task.priority,
            depends_on: task.dependencies.len(),
            dependents,
            subtasks,
        };
        let settings = &self.analysis.settings;
        // Opened by handle beneath an allowed root; the scan walks that very directory through /proc/self/fd.
        let scan_root = match &request.project_root {
            Some(path) => Some(
                settings
                    .project_roots
                    .open_dir(&path.to_string_lossy(), false)
                    .map_err(|refused| orch_core::Error::invalid("project_root", refused.reason))?,
            ),
            None => None,
        };
        let options = AnalysisOptions {
            analyze_dependencies: request.analyze_dependencies,
            estimate_code_volume: request.estimate_code_volume,
            assess_risk: request.assess_risk,
            use_historical_data: request.use_historical_data,
            project_root: scan_root.as_ref().map(orch_exec::workspace::OpenedDir::proc_path),
            max_files: settings.max_files,
            timeout: settings.timeout,
        };
        let weights = settings.weights;
        let now = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
        // The project scan reads files: keep it off the async workers.
        let analysis = tokio::task::spawn_blocking(move || {
            let analysis = orch_analyze::analyze(&profile, &history, &options, &weights, &now);
            drop(scan_root);
            analysis
        })
        .await
        .map_err(|e| Error::Internal(format!("the analysis worker failed: {e}")))??;
        let json = serde_json::to_value(&analysis).map_err(|e| Error::Internal(e.to_string()))?;
        self.store.record_analysis(id, "complexity", json, Some(analysis.score)).await?;
        self.analysis.remember(key, task.updated_at, &analysis);
        Ok(AnalysisReport { analysis, cached: false })
    }
}
