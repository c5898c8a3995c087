//! `execute_code`: run code for a task in the sandbox and record the execution.

use orch_core::{Execution, NewExecution, TaskId};
use orch_exec::{ExecLanguage, ExecOutcome, ExecRequest};

use crate::{Error, Orchestrator, Result};

/// A request to run code.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CodeRun {
    /// python, javascript, typescript, bash or sql.
    pub language: String,
    /// The code.
    pub code: String,
    /// Wall-clock limit in seconds; `None` uses the server default (`EXECUTION_TIMEOUT`, 30 s).
    pub timeout_secs: Option<f64>,
    /// Directory to run in; `None` gives a fresh directory removed afterwards.
    pub working_directory: Option<String>,
    /// Packages to install for this execution only.
    pub packages: Vec<String>,
}

/// A finished execution: what was stored and the executor's full outcome.
#[derive(Debug, Clone)]
pub struct ExecutionReport {
    /// The stored record.
    pub execution: Execution,
    /// Everything the executor reported (signal, memory limit hit, packages…).
    pub outcome: ExecOutcome,
}

fn isolation_name(outcome: &ExecOutcome) -> String {
    serde_json::to_value(outcome.isolation).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

impl Orchestrator {
    /// Runs code for a task in the sandbox and records the execution against the task.
    ///
    /// A non-zero exit, a timeout or a syntax error is a successful call with that outcome; errors are for requests
    /// that cannot run at all (unknown task or language, bad working directory, execution unavailable).
    pub async fn execute_code(&self, task_id: TaskId, run: CodeRun) -> Result<ExecutionReport> {
        let executor = self.executor().await.map_err(Error::Unavailable)?;
        self.store.get_task(task_id).await?;
        let language: ExecLanguage = run.language.trim().to_lowercase().parse()?;
        let timeout = run
            .timeout_secs
            .map(|secs| orch_exec::timeout_from_secs(secs, executor.config().max_timeout))
            .transpose()?;
        let request = ExecRequest {
            language,
            code: run.code.clone(),
            timeout,
            working_directory: run.working_directory,
            packages: run.packages,
        };
        let outcome = executor.execute(request).await?;
        let execution = self
            .store
            .record_execution(NewExecution {
                task_id,
                language: language.to_string(),
                code: run.code,
                output: outcome.output.clone(),
                error: outcome.error.clone(),
                exit_code: outcome.exit_code,
                execution_time: outcome.execution_time,
                timed_out: outcome.timed_out,
                truncated: outcome.truncated,
                isolation: isolation_name(&outcome),
                limits: serde_json::to_value(&outcome.limits).unwrap_or_default(),
            })
            .await?;
        Ok(ExecutionReport { execution, outcome })
    }
}
