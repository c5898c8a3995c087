//! The provider chain against wiremock servers on loopback speaking the OpenAI and Anthropic APIs,
//! and a fake `LlmProvider` standing in for MCP sampling.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use orch_expand::{
    AnthropicConfig, ApiKey, Completion, CompletionRequest, ExpandOptions, ExpandedTaskResult, Expander, HttpSettings,
    LlmProvider, OpenAiConfig, ProviderChoice, ProviderError, ProvidersConfig, TaskContext, TokenUsage,
};
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const OPENAI_KEY: &str = "sk-test-openai-5ecret-0000";
const ANTHROPIC_KEY: &str = "sk-ant-test-5ecret-1111";

fn settings() -> HttpSettings {
    HttpSettings {
        request_timeout: Duration::from_millis(400),
        connect_timeout: Duration::from_secs(2),
        max_attempts: 3,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(2),
    }
}

fn openai_config(server: &MockServer, key: Option<&str>) -> OpenAiConfig {
    OpenAiConfig {
        api_key: key.and_then(ApiKey::new),
        base_url: format!("{}/v1", server.uri()),
        model: "gpt-test".into(),
    }
}

fn anthropic_config(server: &MockServer) -> AnthropicConfig {
    AnthropicConfig { api_key: ApiKey::new(ANTHROPIC_KEY), base_url: server.uri(), model: "claude-test".into() }
}

fn config(openai: Option<OpenAiConfig>, anthropic: Option<AnthropicConfig>) -> ProvidersConfig {
    ProvidersConfig { openai, anthropic, default_provider: ProviderChoice::Auto, http: settings() }
}

fn task() -> TaskContext {
    TaskContext {
        id: 9,
        title: "Add password reset".into(),
        description: Some("Users reset a forgotten password by email.".into()),
        code_language: Some("python".into()),
        acceptance_criteria: vec!["the reset link expires after an hour".into()],
        estimated_hours: Some(6.0),
        ..TaskContext::default()
    }
}

fn answer() -> Value {
    json!({
        "subtasks": [
            {"title": "Reset token model", "description": "Store hashed one-time tokens", "estimatedEffort": 1.5,
             "dependencies": [], "taskType": "implementation", "tags": ["auth"], "acceptanceCriteria": ["tokens are hashed"],
             "subtasks": [{"title": "Migration for reset_tokens", "description": "", "estimatedEffort": 0.5, "dependencies": [], "taskType": "migration", "tags": [], "acceptanceCriteria": [], "subtasks": []}]},
            {"title": "Reset endpoints", "description": "Request and confirm", "estimatedEffort": 2.5,
             "dependencies": [0], "taskType": "implementation", "tags": [], "acceptanceCriteria": [], "subtasks": []},
            {"title": "Tests for password reset", "description": "pytest", "estimatedEffort": 2,
             "dependencies": [1], "taskType": "test", "tags": [], "acceptanceCriteria": [], "subtasks": []}
        ],
        "implementationSteps": [{"title": "Add the model", "description": "…", "subtaskIndex": 0}],
        "testTasks": [{"title": "Link expires", "description": "freeze time", "testType": "unit", "framework": "pytest",
                       "acceptanceCriterion": "the reset link expires after an hour", "subtaskIndex": 2}],
        "documentationTasks": [{"title": "Document reset flow", "description": "user guide", "docType": "user", "subtaskIndex": null}],
        "confidence": 0.82
    })
}

fn openai_body(content: &str, prompt_tokens: u64, completion_tokens: u64) -> Value {
    json!({
        "id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-test-2025",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens, "total_tokens": prompt_tokens + completion_tokens}
    })
}

fn anthropic_body(content: &str) -> Value {
    json!({
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-test-2025",
        "content": [{"type": "text", "text": content}],
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 200, "output_tokens": 80}
    })
}

fn options() -> ExpandOptions {
    ExpandOptions::default()
}

fn assert_no_secrets(result: &ExpandedTaskResult, expander: &Expander) {
    // Debug prints every field of the result (what expand_task puts on the wire) and of the expander.
    let debug = format!("{expander:?} {result:?}");
    for key in [OPENAI_KEY, ANTHROPIC_KEY] {
        assert!(!debug.contains(key), "key in the result or the Debug output: {debug}");
    }
}

#[tokio::test]
async fn openai_answer_becomes_the_result_and_the_key_goes_in_the_bearer_header() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", format!("Bearer {OPENAI_KEY}").as_str()))
        .and(body_partial_json(json!({"model": "gpt-test", "max_tokens": 2000, "temperature": 0.7})))
        .respond_with(ResponseTemplate::new(200).set_body_json(openai_body(&answer().to_string(), 300, 120)))
        .expect(1)
        .mount(&server)
        .await;
    let expander = Expander::new(config(Some(openai_config(&server, Some(OPENAI_KEY))), None)).unwrap();
    let result = expander.expand(&task(), &options(), None).await.unwrap();

    assert_eq!(result.metadata.provider, "openai-compatible");
    assert_eq!(result.metadata.model, "gpt-test-2025");
    assert_eq!(result.metadata.token_usage, TokenUsage::new(300, 120));
    assert_eq!(result.metadata.token_usage.total_tokens, 420);
    assert_eq!(result.metadata.confidence, 0.82);
    assert_eq!(result.metadata.expansion_depth, 2);
    assert!(!result.metadata.fell_back);
    assert!(result.metadata.warnings.is_empty(), "{:?}", result.metadata.warnings);
    assert_eq!(result.original_task_id, 9);
    assert_eq!(result.subtasks.len(), 3);
    assert_eq!(result.subtasks[1].dependencies, vec![0]);
    assert_eq!(result.subtasks[0].subtasks[0].title, "Migration for reset_tokens");
    assert_eq!(result.test_tasks[0].acceptance_criterion.as_deref(), Some("the reset link expires after an hour"));
    assert_eq!(result.implementation_steps[0].order, 1);
    assert_no_secrets(&result, &expander);

    // The prompt carried the task and the schema.
    let requests = server.received_requests().await.unwrap();
    let body: Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert!(body["messages"][0]["content"].as_str().unwrap().contains("\"estimatedEffort\""));
    assert!(body["messages"][1]["content"].as_str().unwrap().contains("Task #9: Add password reset"));
}

#[tokio::test]
async fn anthropic_answer_uses_x_api_key_and_version_and_clamps_temperature() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .and(header("x-api-key", ANTHROPIC_KEY))
        .and(header("anthropic-version", "2023-06-01"))
        .and(body_partial_json(json!({"model": "claude-test", "max_tokens": 900, "temperature": 1.0})))
        .respond_with(ResponseTemplate::new(200).set_body_json(anthropic_body(&format!("```json\n{}\n```", answer()))))
        .expect(1)
        .mount(&server)
        .await;
    let expander = Expander::new(config(None, Some(anthropic_config(&server)))).unwrap();
    let opts = ExpandOptions { provider: ProviderChoice::Anthropic, max_tokens: 900, temperature: 1.5, ..options() };
    let result = expander.expand(&task(), &opts, None).await.unwrap();
    assert_eq!(result.metadata.provider, "anthropic");
    assert_eq!(result.metadata.model, "claude-test-2025");
    assert_eq!(result.metadata.token_usage, TokenUsage::new(200, 80));
    assert_eq!(result.subtasks.len(), 3);
    let requests = server.received_requests().await.unwrap();
    assert!(requests[0].headers.get("authorization").is_none());
    assert_no_secrets(&result, &expander);
}

#[tokio::test]
async fn rate_limit_is_retried_honouring_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "0")
                .set_body_json(json!({"error": {"message": "Rate limit reached"}})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(openai_body(&answer().to_string(), 10, 5)))
        .expect(1)
        .mount(&server)
        .await;
    let expander = Expander::new(config(Some(openai_config(&server, Some(OPENAI_KEY))), None)).unwrap();
    let result = expander.expand(&task(), &options(), None).await.unwrap();
    assert_eq!(result.metadata.provider, "openai-compatible");
    assert!(!result.metadata.fell_back);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn retry_after_beyond_the_cap_gives_up_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "120"))
        .expect(1)
        .mount(&server)
        .await;
    let expander = Expander::new(config(Some(openai_config(&server, Some(OPENAI_KEY))), None)).unwrap();
    let result = expander.expand(&task(), &options(), None).await.unwrap();
    assert_eq!(result.metadata.provider, "offline");
    let warning = &result.metadata.warnings[0];
    assert!(warning.contains("retry after") && warning.contains("120s"), "{warning}");
}

#[tokio::test]
async fn server_errors_fall_back_to_the_next_provider_with_a_warning() {
    let openai = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({"error": {"message": "internal"}})))
        .expect(3)
        .mount(&openai)
        .await;
    let anthropic = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(ResponseTemplate::new(200).set_body_json(anthropic_body(&answer().to_string())))
        .expect(1)
        .mount(&anthropic)
        .await;
    let expander =
        Expander::new(config(Some(openai_config(&openai, Some(OPENAI_KEY))), Some(anthropic_config(&anthropic))))
            .unwrap();
    let opts = ExpandOptions { provider: ProviderChoice::OpenAi, model: Some("gpt-named".into()), ..options() };
    let result = expander.expand(&task(), &opts, None).await.unwrap();
    assert_eq!(result.metadata.provider, "anthropic");
    assert!(result.metadata.fell_back);
    assert_eq!(result.metadata.warnings[0], "fell back from openai-compatible: HTTP 500 after 3 attempt(s): internal");
    let attempts = &result.metadata.attempts;
    assert_eq!((attempts[0].outcome.as_str(), attempts[0].requests), ("failed", Some(3)));
    assert_eq!(attempts[1].outcome, "succeeded");
    // The caller's model went to the named provider only; the fallback used its own.
    let sent: Value = serde_json::from_slice(&openai.received_requests().await.unwrap()[0].body).unwrap();
    assert_eq!(sent["model"], "gpt-named");
    let sent: Value = serde_json::from_slice(&anthropic.received_requests().await.unwrap()[0].body).unwrap();
    assert_eq!(sent["model"], "claude-test");
}

#[tokio::test]
async fn a_slow_provider_times_out_and_the_planner_answers() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(openai_body(&answer().to_string(), 1, 1))
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&server)
        .await;
    let mut cfg = config(Some(openai_config(&server, None)), None);
    cfg.http.max_attempts = 2;
    let expander = Expander::new(cfg).unwrap();
    let result = expander.expand(&task(), &options(), None).await.unwrap();
    assert_eq!(result.metadata.provider, "offline");
    assert!(result.metadata.fell_back);
    let warning = &result.metadata.warnings[0];
    assert!(warning.starts_with("fell back from openai-compatible: timed out"), "{warning}");
    assert!(warning.contains("2 attempt(s)"), "{warning}");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn malformed_answers_are_repaired_or_rejected_and_tokens_are_summed() {
    // Repairable: prose around the object, a trailing comma, a forward dependency.
    let repairable = "Sure! Here is the plan:\n{\"subtasks\": [{\"title\": \"One\", \"estimatedEffort\": 2, \"dependencies\": [1]}, {\"title\": \"Two\", \"estimatedEffort\": 1,},]}\nGood luck.";
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(openai_body(repairable, 50, 20)))
        .mount(&server)
        .await;
    let expander = Expander::new(config(Some(openai_config(&server, None)), None)).unwrap();
    let result = expander.expand(&task(), &options(), None).await.unwrap();
    assert_eq!(result.metadata.provider, "openai-compatible");
    assert!(result.subtasks[0].dependencies.is_empty());
    let warnings = result.metadata.warnings.join("\n");
    assert!(warnings.contains("repaired openai-compatible answer: ignored text around the JSON object"), "{warnings}");
    assert!(warnings.contains("trailing commas"), "{warnings}");
    assert!(warnings.contains("dropped dependency 1 of subtasks[0]"), "{warnings}");
    assert!(result.metadata.confidence < 0.7);

    // Unusable: no JSON at all, cut off at max_tokens -> next provider, tokens still counted.
    let openai = MockServer::start().await;
    let mut cut_off = openai_body("{\"subtasks\": [{\"title\": \"One\", \"estim", 100, 50);
    cut_off["choices"][0]["finish_reason"] = json!("length");
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(cut_off))
        .expect(1)
        .mount(&openai)
        .await;
    let anthropic = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(anthropic_body(&answer().to_string())))
        .mount(&anthropic)
        .await;
    let expander =
        Expander::new(config(Some(openai_config(&openai, None)), Some(anthropic_config(&anthropic)))).unwrap();
    let result = expander.expand(&task(), &options(), None).await.unwrap();
    assert_eq!(result.metadata.provider, "anthropic");
    let warning = &result.metadata.warnings[0];
    assert!(warning.starts_with("fell back from openai-compatible: answer rejected"), "{warning}");
    assert!(warning.contains("raise max_tokens"), "{warning}");
    assert_eq!(result.metadata.attempts[0].outcome, "rejected");
    assert_eq!(result.metadata.token_usage, TokenUsage::new(300, 130));
}

#[tokio::test]
async fn keys_never_reach_errors_warnings_debug_or_logs() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"error": {"message": format!("Incorrect API key provided: {OPENAI_KEY}")}})),
        )
        .expect(2) // 401 is not retried: one request per call
        .mount(&server)
        .await;
    let logs = Arc::new(Mutex::new(Vec::<u8>::new()));
    let writer = {
        let logs = logs.clone();
        move || LogWriter(logs.clone())
    };
    let subscriber =
        tracing_subscriber::fmt().with_max_level(tracing::Level::TRACE).with_writer(writer).with_ansi(false).finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let cfg = config(Some(openai_config(&server, Some(OPENAI_KEY))), None);
    assert!(!format!("{cfg:?}").contains(OPENAI_KEY));
    let expander = Expander::new(cfg).unwrap();
    let result = expander.expand(&task(), &options(), None).await.unwrap();
    assert_eq!(result.metadata.provider, "offline");
    let warning = &result.metadata.warnings[0];
    assert!(warning.contains("HTTP 401 after 1 attempt(s)"), "{warning}");
    assert!(warning.contains("[REDACTED]"), "{warning}");
    assert_no_secrets(&result, &expander);
    let logs = String::from_utf8(logs.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("falling back"), "nothing logged: {logs}");
    assert!(!logs.contains(OPENAI_KEY), "key in logs: {logs}");

    // The provider's own error type is redacted too.
    let provider =
        orch_expand::OpenAiProvider::new(openai_config(&server, Some(OPENAI_KEY)), settings(), reqwest_client());
    let request =
        CompletionRequest { system: "s".into(), prompt: "p".into(), model: None, max_tokens: 10, temperature: 0.0 };
    let error = provider.complete(&request).await.unwrap_err();
    assert!(matches!(error, ProviderError::Http { status: 401, .. }));
    assert!(!format!("{error} {error:?} {provider:?}").contains(OPENAI_KEY));
}

fn reqwest_client() -> reqwest::Client {
    reqwest::Client::new()
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn compatible_server_without_a_key_gets_no_authorization_header() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(|request: &Request| !request.headers.contains_key("authorization"))
        .and(body_partial_json(json!({"model": "llama3.1"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(openai_body(&answer().to_string(), 7, 3)))
        .expect(1)
        .mount(&server)
        .await;
    let base = format!("{}/v1/", server.uri());
    let cfg = ProvidersConfig::from_lookup(|name| match name {
        "OPENAI_BASE_URL" => Some(base.clone()),
        "DEFAULT_LLM_MODEL" => Some("llama3.1".into()),
        _ => None,
    })
    .unwrap();
    let mut cfg = cfg;
    cfg.http = settings();
    let expander = Expander::new(cfg).unwrap();
    assert_eq!(expander.configured_providers(), vec!["openai-compatible".to_owned()]);
    let opts = ExpandOptions { include_tests: false, ..options() };
    let result = expander.expand(&task(), &opts, None).await.unwrap();
    assert_eq!(result.metadata.provider, "openai-compatible");
    // Not requested: the test subtask and the test tasks of the answer are dropped, with a warning.
    assert!(result.test_tasks.is_empty());
    assert!(result.subtasks.iter().all(|s| s.task_type != "test"));
    assert!(result.metadata.warnings.iter().any(|w| w.contains("not requested")));
    let requests = server.received_requests().await.unwrap();
    let body: Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert!(body.get("response_format").is_none());
    assert!(body["messages"][1]["content"].as_str().unwrap().contains("testTasks: []  (not requested"));
}

/// Stands in for MCP sampling: answers from a script and counts calls.
struct FakeSampling {
    answer: Result<String, ProviderError>,
    calls: AtomicUsize,
    last_model: Mutex<Option<String>>,
}

impl FakeSampling {
    fn new(answer: Result<String, ProviderError>) -> Arc<Self> {
        Arc::new(Self { answer, calls: AtomicUsize::new(0), last_model: Mutex::new(None) })
    }
}

#[async_trait::async_trait]
impl LlmProvider for FakeSampling {
    fn name(&self) -> &str {
        "sampling"
    }

    async fn complete(&self, request: &CompletionRequest) -> Result<Completion, ProviderError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        *self.last_model.lock().unwrap() = request.model.clone();
        self.answer.clone().map(|text| Completion {
            text,
            model: "client-model".into(),
            usage: TokenUsage::new(11, 22),
            truncated: false,
        })
    }
}

#[tokio::test]
async fn sampling_comes_first_under_auto() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(openai_body(&answer().to_string(), 1, 1)))
        .expect(0)
        .mount(&server)
        .await;
    let expander = Expander::new(config(Some(openai_config(&server, Some(OPENAI_KEY))), None)).unwrap();
    let sampling = FakeSampling::new(Ok(answer().to_string()));
    let opts = ExpandOptions { model: Some("claude-hint".into()), ..options() };
    let result = expander.expand(&task(), &opts, Some(sampling.clone())).await.unwrap();
    assert_eq!(result.metadata.provider, "sampling");
    assert_eq!(result.metadata.model, "client-model");
    assert_eq!(result.metadata.token_usage, TokenUsage::new(11, 22));
    assert_eq!(sampling.calls.load(Ordering::SeqCst), 1);
    assert_eq!(sampling.last_model.lock().unwrap().as_deref(), Some("claude-hint"));
}

#[tokio::test]
async fn failed_sampling_falls_back_to_http_and_a_named_provider_goes_before_sampling() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(openai_body(&answer().to_string(), 1, 1)))
        .mount(&server)
        .await;
    let expander = Expander::new(config(Some(openai_config(&server, Some(OPENAI_KEY))), None)).unwrap();

    let sampling = FakeSampling::new(Err(ProviderError::Other("client declined the sampling request".into())));
    let result = expander.expand(&task(), &options(), Some(sampling.clone())).await.unwrap();
    assert_eq!(result.metadata.provider, "openai-compatible");
    assert_eq!(result.metadata.warnings[0], "fell back from sampling: client declined the sampling request");
    assert_eq!(result.metadata.token_usage, TokenUsage::new(1, 1));

    let sampling = FakeSampling::new(Ok(answer().to_string()));
    let named = ExpandOptions { provider: ProviderChoice::OpenAi, ..options() };
    let result = expander.expand(&task(), &named, Some(sampling.clone())).await.unwrap();
    assert_eq!(result.metadata.provider, "openai-compatible");
    assert_eq!(sampling.calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_named_provider_that_is_not_configured_falls_back_with_a_warning() {
    let expander = Expander::new(ProvidersConfig::offline()).unwrap();
    let opts = ExpandOptions { provider: ProviderChoice::Anthropic, ..options() };
    let sampling = FakeSampling::new(Ok(answer().to_string()));
    let result = expander.expand(&task(), &opts, Some(sampling)).await.unwrap();
    assert_eq!(result.metadata.provider, "sampling");
    assert!(result.metadata.fell_back);
    assert_eq!(
        result.metadata.warnings[0],
        "fell back from anthropic: requested but not configured: set ANTHROPIC_API_KEY"
    );
    assert_eq!(result.metadata.attempts[0].outcome, "skipped");

    let result = expander.expand(&task(), &opts, None).await.unwrap();
    assert_eq!(result.metadata.provider, "offline");
    assert!(result.metadata.warnings[0].contains("anthropic: requested but not configured"));
}

#[tokio::test]
async fn default_provider_orders_the_http_providers() {
    let openai = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(openai_body(&answer().to_string(), 1, 1)))
        .expect(0)
        .mount(&openai)
        .await;
    let anthropic = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(anthropic_body(&answer().to_string())))
        .expect(1)
        .mount(&anthropic)
        .await;
    let mut cfg = config(Some(openai_config(&openai, Some(OPENAI_KEY))), Some(anthropic_config(&anthropic)));
    cfg.default_provider = ProviderChoice::Anthropic;
    let expander = Expander::new(cfg).unwrap();
    assert_eq!(expander.configured_providers(), vec!["anthropic".to_owned(), "openai-compatible".to_owned()]);
    let result = expander.expand(&task(), &options(), None).await.unwrap();
    assert_eq!(result.metadata.provider, "anthropic");
}
