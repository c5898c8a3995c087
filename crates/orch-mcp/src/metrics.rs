//! Prometheus metrics: tool calls, code executions, LLM use, and the task board, rendered for `GET /metrics`.
//!
//! The recording API is cheap (atomic counters behind a read lock) so tools call it on every request. Task counts
//! are not kept here: they are read from the store at scrape time, so they are right even when several replicas or
//! the CLI write to the same database.

use std::sync::atomic::AtomicU64;
use std::time::Duration;

use orch_core::TaskMetrics;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::{Registry, Unit};

/// The `Content-Type` of [`Metrics::render`]'s output (OpenMetrics text, which Prometheus scrapes natively).
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// How a tool call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ToolOutcome {
    /// The tool returned a result.
    Ok,
    /// The tool returned `isError: true` (a domain error, invalid arguments, a timeout).
    ToolError,
    /// The call failed at the JSON-RPC level (unknown tool, internal failure).
    ProtocolError,
}

impl ToolOutcome {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            ToolOutcome::Ok => "ok",
            ToolOutcome::ToolError => "tool_error",
            ToolOutcome::ProtocolError => "protocol_error",
        }
    }
}

/// How a code execution ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExecutionOutcome {
    /// The program exited with status 0.
    Success,
    /// The program exited with a non-zero status or was killed by a signal.
    Failure,
    /// The program was killed at its time limit.
    Timeout,
    /// The program could not be run (unsupported language, sandbox set-up failed, rejected code).
    Error,
}

impl ExecutionOutcome {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            ExecutionOutcome::Success => "success",
            ExecutionOutcome::Failure => "failure",
            ExecutionOutcome::Timeout => "timeout",
            ExecutionOutcome::Error => "error",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ToolCallLabels {
    tool: String,
    outcome: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ToolLabels {
    tool: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ExecutionLabels {
    language: String,
    outcome: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ProviderLabels {
    provider: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct TokenLabels {
    provider: String,
    kind: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct StatusLabels {
    status: &'static str,
}

fn latency_histogram() -> Histogram {
    // 0.25 ms to about 8 s: store reads sit at the bottom, LLM expansions and executions at the top.
    Histogram::new(exponential_buckets(0.000_25, 2.0, 16))
}

/// The process's metrics registry. One per process, shared (`Arc`) by every MCP session.
pub struct Metrics {
    registry: Registry,
    tool_calls: Family<ToolCallLabels, Counter>,
    tool_latency: Family<ToolLabels, Histogram, fn() -> Histogram>,
    tool_calls_in_flight: Gauge,
    executions: Family<ExecutionLabels, Counter>,
    llm_calls: Family<ProviderLabels, Counter>,
    llm_tokens: Family<TokenLabels, Counter>,
    tasks: Family<StatusLabels, Gauge<i64, std::sync::atomic::AtomicI64>>,
    task_scrape_errors: Counter<u64, AtomicU64>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// An empty registry with every metric family registered (under the `task_orchestrator_` prefix).
    pub fn new() -> Self {
        let mut root = Registry::with_prefix("task_orchestrator");
        let tool_calls = Family::<ToolCallLabels, Counter>::default();
        let tool_latency = Family::<ToolLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        let tool_calls_in_flight = Gauge::default();
        let executions = Family::<ExecutionLabels, Counter>::default();
        let llm_calls = Family::<ProviderLabels, Counter>::default();
        let llm_tokens = Family::<TokenLabels, Counter>::default();
        let tasks = Family::<StatusLabels, Gauge>::default();
        let task_scrape_errors = Counter::default();
        let r = &mut root;
        r.register("build", "Version of this build", Info::new(vec![("version", env!("CARGO_PKG_VERSION"))]));
        r.register(
            "tool_calls",
            "MCP tool calls by tool and outcome (ok, tool_error, protocol_error)",
            tool_calls.clone(),
        );
        r.register_with_unit(
            "tool_call_duration",
            "Time from receiving a tool call to its result, by tool",
            Unit::Seconds,
            tool_latency.clone(),
        );
        r.register("tool_calls_in_flight", "Tool calls being handled now", tool_calls_in_flight.clone());
        r.register(
            "code_executions",
            "Code executions by language and outcome (success, failure, timeout, error)",
            executions.clone(),
        );
        r.register("llm_calls", "Calls to LLM providers, by provider", llm_calls.clone());
        r.register("llm_tokens", "LLM tokens by provider and kind (prompt, completion)", llm_tokens.clone());
        r.register("tasks", "Tasks by status, read from the database at scrape time", tasks.clone());
        r.register(
            "task_scrape_errors",
            "Scrapes where the task counts could not be read from the database",
            task_scrape_errors.clone(),
        );
        Metrics {
            registry: root,
            tool_calls,
            tool_latency,
            tool_calls_in_flight,
            executions,
            llm_calls,
            llm_tokens,
            tasks,
            task_scrape_errors,
        }
    }

    /// Records a finished tool call. `tool` must be a registered tool name (callers map unknown names to one
    /// label, so a client cannot grow the label set without bound).
    pub fn record_tool_call(&self, tool: &str, outcome: ToolOutcome, duration: Duration) {
        self.tool_calls.get_or_create(&ToolCallLabels { tool: tool.to_string(), outcome: outcome.as_str() }).inc();
        self.tool_latency.get_or_create(&ToolLabels { tool: tool.to_string() }).observe(duration.as_secs_f64());
    }

    /// Marks a tool call as started; the gauge of calls in flight goes down when the guard drops.
    pub fn tool_call_started(&self) -> InFlight {
        self.tool_calls_in_flight.inc();
        InFlight(self.tool_calls_in_flight.clone())
    }

    /// Records a finished code execution.
    pub fn record_execution(&self, language: &str, outcome: ExecutionOutcome) {
        self.executions
            .get_or_create(&ExecutionLabels { language: language.to_string(), outcome: outcome.as_str() })
            .inc();
    }

    /// Records one LLM call and the tokens it used.
    pub fn record_llm(&self, provider: &str, prompt_tokens: u64, completion_tokens: u64) {
        self.llm_calls.get_or_create(&ProviderLabels { provider: provider.to_string() }).inc();
        for (kind, n) in [("prompt", prompt_tokens), ("completion", completion_tokens)] {
            self.llm_tokens.get_or_create(&TokenLabels { provider: provider.to_string(), kind }).inc_by(n);
        }
    }

    /// The metrics in OpenMetrics text format, with the task counts from `tasks` (read by the caller at scrape
    /// time; `None` when the database could not be read, which drops the task series and counts a scrape error).
    pub fn render(&self, tasks: Option<&TaskMetrics>) -> String {
        match tasks {
            Some(m) => {
                for (status, n) in &m.by_status {
                    self.tasks.get_or_create(&StatusLabels { status: status.as_str() }).set(saturating_i64(*n));
                }
            }
            None => {
                // Stale counts would look current; no series says "unknown" honestly.
                self.tasks.clear();
                self.task_scrape_errors.inc();
            }
        }
        let mut out = String::with_capacity(4096);
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

fn saturating_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A tool call in flight; dropping it lowers the in-flight gauge.
#[derive(Debug)]
pub struct InFlight(Gauge);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.dec();
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use orch_core::Status;

    use super::*;

    /// The value of the sample line starting with `prefix` (name and labels).
    fn sample(text: &str, prefix: &str) -> Option<f64> {
        text.lines().find_map(|l| l.strip_prefix(prefix).and_then(|rest| rest.trim().parse().ok()))
    }

    #[test]
    fn tool_calls_count_by_tool_and_outcome_with_latency() {
        let m = Metrics::new();
        m.record_tool_call("get_task", ToolOutcome::Ok, Duration::from_millis(2));
        m.record_tool_call("get_task", ToolOutcome::Ok, Duration::from_millis(3));
        m.record_tool_call("get_task", ToolOutcome::ToolError, Duration::from_millis(1));
        m.record_tool_call("unknown", ToolOutcome::ProtocolError, Duration::from_micros(10));
        let text = m.render(None);
        assert_eq!(sample(&text, r#"task_orchestrator_tool_calls_total{tool="get_task",outcome="ok"}"#), Some(2.0));
        assert_eq!(
            sample(&text, r#"task_orchestrator_tool_calls_total{tool="get_task",outcome="tool_error"}"#),
            Some(1.0)
        );
        assert_eq!(
            sample(&text, r#"task_orchestrator_tool_calls_total{tool="unknown",outcome="protocol_error"}"#),
            Some(1.0)
        );
        assert_eq!(sample(&text, r#"task_orchestrator_tool_call_duration_seconds_count{tool="get_task"}"#), Some(3.0));
        let sum = sample(&text, r#"task_orchestrator_tool_call_duration_seconds_sum{tool="get_task"}"#).unwrap();
        assert!((sum - 0.006).abs() < 1e-9, "{sum}");
        // 2 ms and 3 ms fall above the 2 ms bucket's bound only for 3 ms.
        assert_eq!(
            sample(&text, r#"task_orchestrator_tool_call_duration_seconds_bucket{le="0.002",tool="get_task"}"#),
            Some(2.0)
        );
        assert!(text.contains("# TYPE task_orchestrator_tool_call_duration_seconds histogram"));
        assert!(
            text.contains(&format!(r#"task_orchestrator_build_info{{version="{}"}} 1"#, env!("CARGO_PKG_VERSION")))
        );
        assert!(text.ends_with("# EOF\n"));
    }

    #[test]
    fn in_flight_gauge_follows_guards() {
        let m = Metrics::new();
        let a = m.tool_call_started();
        let b = m.tool_call_started();
        assert_eq!(sample(&m.render(None), "task_orchestrator_tool_calls_in_flight "), Some(2.0));
        drop(a);
        assert_eq!(sample(&m.render(None), "task_orchestrator_tool_calls_in_flight "), Some(1.0));
        drop(b);
        assert_eq!(sample(&m.render(None), "task_orchestrator_tool_calls_in_flight "), Some(0.0));
    }

    #[test]
    fn executions_and_llm_use() {
        let m = Metrics::new();
        m.record_execution("python", ExecutionOutcome::Success);
        m.record_execution("python", ExecutionOutcome::Success);
        m.record_execution("python", ExecutionOutcome::Timeout);
        m.record_execution("javascript", ExecutionOutcome::Failure);
        m.record_llm("openai", 120, 30);
        m.record_llm("openai", 80, 20);
        m.record_llm("ollama", 5, 0);
        let text = m.render(None);
        let exec = |lang: &str, outcome: &str| {
            sample(
                &text,
                &format!(r#"task_orchestrator_code_executions_total{{language="{lang}",outcome="{outcome}"}}"#),
            )
        };
        assert_eq!(exec("python", "success"), Some(2.0));
        assert_eq!(exec("python", "timeout"), Some(1.0));
        assert_eq!(exec("javascript", "failure"), Some(1.0));
        assert_eq!(exec("javascript", "success"), None);
        assert_eq!(sample(&text, r#"task_orchestrator_llm_calls_total{provider="openai"}"#), Some(2.0));
        let tokens = |p: &str, k: &str| {
            sample(&text, &format!(r#"task_orchestrator_llm_tokens_total{{provider="{p}",kind="{k}"}}"#))
        };
        assert_eq!(tokens("openai", "prompt"), Some(200.0));
        assert_eq!(tokens("openai", "completion"), Some(50.0));
        assert_eq!(tokens("ollama", "prompt"), Some(5.0));
        assert_eq!(tokens("ollama", "completion"), Some(0.0));
    }

    #[test]
    fn task_counts_come_from_the_scrape_and_vanish_when_unreadable() {
        let m = Metrics::new();
        let counts = TaskMetrics {
            total: 6,
            by_status: vec![
                (Status::Pending, 3),
                (Status::InProgress, 2),
                (Status::Blocked, 0),
                (Status::Completed, 1),
            ],
            by_priority: vec![],
            by_language: vec![],
            completion_rate: 1.0 / 6.0,
            median_cycle_time_hours: None,
            cycle_time_samples: 0,
        };
        let text = m.render(Some(&counts));
        assert_eq!(sample(&text, r#"task_orchestrator_tasks{status="pending"}"#), Some(3.0));
        assert_eq!(sample(&text, r#"task_orchestrator_tasks{status="in_progress"}"#), Some(2.0));
        assert_eq!(sample(&text, r#"task_orchestrator_tasks{status="blocked"}"#), Some(0.0));
        assert_eq!(sample(&text, r#"task_orchestrator_tasks{status="completed"}"#), Some(1.0));
        assert_eq!(sample(&text, "task_orchestrator_task_scrape_errors_total "), Some(0.0));
        let text = m.render(None);
        assert_eq!(sample(&text, r#"task_orchestrator_tasks{status="pending"}"#), None);
        assert_eq!(sample(&text, "task_orchestrator_task_scrape_errors_total "), Some(1.0));
    }
}
