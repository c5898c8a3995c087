//! LLM-assisted parsing against wiremock servers on loopback speaking the OpenAI and Anthropic
//! APIs: answers merged and cross-checked, repairs, fallbacks, chunking and token sums.
#![allow(clippy::unwrap_used, missing_docs)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use orch_expand::{
    AnthropicConfig, ApiKey, HttpSettings, OpenAiConfig, ProviderChain, ProviderChoice, ProvidersConfig,
};
use orch_prd::assist::{AssistOptions, AssistedPrd, ParseMode, assist};
use orch_prd::{ParseOptions, PrdError, parse_prd};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const KEY: &str = "sk-test-prd-5ecret";

const PRD: &str = "# User Authentication System

## Overview
Password reset by email is handled by the support team today and must become self-service.
Every new account gets a verification email.

## Features
### User Registration
- Priority: High
- Description: Allow new users to register with email and password
- Acceptance Criteria:
  - User can register with valid email
  - Password validation is implemented

### User Login
- Priority: High
- Description: Authenticate existing users
- Acceptance Criteria:
  - Users can login with valid credentials
";

fn settings() -> HttpSettings {
    HttpSettings {
        request_timeout: Duration::from_secs(2),
        connect_timeout: Duration::from_secs(2),
        max_attempts: 2,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(10),
        max_retry_after: Duration::from_secs(1),
    }
}

fn chain(openai: Option<&MockServer>, anthropic: Option<&MockServer>) -> ProviderChain {
    ProviderChain::new(ProvidersConfig {
        openai: openai.map(|s| OpenAiConfig {
            api_key: ApiKey::new(KEY),
            base_url: format!("{}/v1", s.uri()),
            model: "gpt-test".into(),
        }),
        anthropic: anthropic.map(|s| AnthropicConfig {
            api_key: ApiKey::new(KEY),
            base_url: s.uri(),
            model: "claude-test".into(),
        }),
        default_provider: ProviderChoice::Auto,
        http: settings(),
    })
    .unwrap()
}

fn openai_body(content: &str, prompt_tokens: u64, completion_tokens: u64) -> Value {
    json!({
        "id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-test-2025",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens}
    })
}

/// A model answer: the two features, one item named in the overview, one paraphrase and one invention.
fn good_answer() -> String {
    json!({"features": [
        {"key": "user-registration", "title": "User Registration", "description": "Register with email",
         "priority": "high", "acceptanceCriteria": ["User can register with valid email", "Email verification is sent to the new user"],
         "userStories": [], "dependencies": []},
        {"key": "user-login", "title": "User Login", "description": "Authenticate existing users", "priority": "high",
         "acceptanceCriteria": ["Users can login with valid credentials", "Failed logins are rate limited by IP"],
         "userStories": [], "dependencies": ["User Registration", "Single sign-on"]},
        {"key": null, "title": "Password reset by email", "description": "Self-service password reset",
         "priority": "medium", "acceptanceCriteria": [], "userStories": [], "dependencies": ["user-login"]},
        {"key": null, "title": "Email password validation", "description": "", "priority": null,
         "acceptanceCriteria": [], "userStories": [], "dependencies": []},
        {"key": null, "title": "Billing dashboard", "description": "Invoices and plans", "priority": "low",
         "acceptanceCriteria": [], "userStories": [], "dependencies": []}
    ]})
    .to_string()
}

async fn run(content: &str, options: &AssistOptions, chain: &ProviderChain) -> Result<AssistedPrd, PrdError> {
    let parse_options = ParseOptions::default();
    let offline = parse_prd(content, &parse_options).unwrap();
    assist(content, offline, &parse_options, options, chain.links(ProviderChoice::Auto, None)).await
}

#[tokio::test]
async fn an_openai_answer_is_merged_and_cross_checked_against_the_document() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(openai_body(&good_answer(), 900, 300)))
        .expect(1)
        .mount(&server)
        .await;
    let result = run(PRD, &AssistOptions::default(), &chain(Some(&server), None)).await.unwrap();
    let report = &result.report;
    assert_eq!(report.provider, "openai-compatible");
    assert_eq!(report.model, "gpt-test-2025");
    assert_eq!((report.chunks, report.calls), (1, 1));
    assert_eq!(report.token_usage.total_tokens, 1200);
    assert!(!report.fell_back);
    assert_eq!(report.confirmed, vec!["user-registration", "user-login"]);
    assert_eq!(report.added, vec!["password-reset-by-email"]);
    assert_eq!(report.flagged.len(), 1, "{report:?}");
    assert_eq!(report.flagged[0].title, "Email password validation");
    assert_eq!(report.dropped.len(), 1);
    assert_eq!(report.dropped[0].title, "Billing dashboard");
    assert!(report.dropped[0].reason.contains("not in the document"), "{:?}", report.dropped);
    let warnings = report.warnings.join("\n");
    assert!(warnings.contains("'Single sign-on': no item has that key or title"), "{warnings}");
    assert!(warnings.contains("left out 1 acceptance criteria"), "the invented rate-limit criterion: {warnings}");

    let parsed = &result.parsed;
    let login = parsed.tasks.iter().find(|t| t.key == "user-login").unwrap();
    assert_eq!(login.depends_on, vec!["user-registration"]);
    let registration = parsed.tasks.iter().find(|t| t.key == "user-registration").unwrap();
    assert!(registration.acceptance_criteria.iter().any(|c| c == "Email verification is sent to the new user"));
    assert!(registration.details.contains("found by openai-compatible"), "{}", registration.details);
    let reset = parsed.tasks.iter().find(|t| t.key == "password-reset-by-email").unwrap();
    assert_eq!(reset.depends_on, vec!["user-login"]);
    assert_eq!(reset.source_line, 4, "the line that names it");
    assert!(parsed.tasks.iter().all(|t| t.title != "Billing dashboard" && t.title != "Email password validation"));
    let flagged = parsed.skipped.iter().find(|s| s.title == "Email password validation").unwrap();
    assert!(flagged.reason.contains("not written in the document"), "{}", flagged.reason);
    assert!(!format!("{result:?}").contains(KEY));
}

#[tokio::test]
async fn an_invalid_answer_falls_back_to_anthropic_and_tokens_add_up() {
    let openai = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(openai_body(
            "Sure! The features are login and signup.",
            500,
            20,
        )))
        .expect(1)
        .mount(&openai)
        .await;
    let anthropic = MockServer::start().await;
    let fenced = format!("```json\n{}\n```", good_answer().replace("]}", "],}"));
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .and(header("x-api-key", KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-test-2025",
            "content": [{"type": "text", "text": fenced}], "stop_reason": "end_turn",
            "usage": {"input_tokens": 700, "output_tokens": 250}
        })))
        .expect(1)
        .mount(&anthropic)
        .await;
    let result = run(PRD, &AssistOptions::default(), &chain(Some(&openai), Some(&anthropic))).await.unwrap();
    let report = &result.report;
    assert_eq!(report.provider, "anthropic");
    assert!(report.fell_back);
    assert_eq!(report.calls, 2);
    assert_eq!(report.token_usage.prompt_tokens, 1200);
    assert_eq!(report.token_usage.completion_tokens, 270);
    let outcomes: Vec<&str> = report.attempts.iter().map(|a| a.outcome.as_str()).collect();
    assert_eq!(outcomes, vec!["rejected", "succeeded"]);
    let warnings = report.warnings.join("\n");
    assert!(warnings.contains("fell back from openai-compatible: part 1 of 1: answer rejected"), "{warnings}");
    assert!(warnings.contains("repaired anthropic answer: part 1: ignored text around the JSON object"), "{warnings}");
    assert!(warnings.contains("trailing commas"), "{warnings}");
    assert_eq!(report.added, vec!["password-reset-by-email"]);
}

#[tokio::test]
async fn server_errors_fall_back_to_the_offline_result() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({"error": {"message": "overloaded"}})))
        .expect(2)
        .mount(&server)
        .await;
    let offline = parse_prd(PRD, &ParseOptions::default()).unwrap();
    let result = run(PRD, &AssistOptions::default(), &chain(Some(&server), None)).await.unwrap();
    assert_eq!(result.parsed, offline, "the offline parse, unchanged");
    let report = &result.report;
    assert_eq!(report.provider, "offline");
    assert!(report.fell_back);
    assert_eq!(
        report.attempts.iter().map(|a| a.provider.as_str()).collect::<Vec<_>>(),
        vec!["openai-compatible", "offline"]
    );
    assert_eq!(report.attempts[0].requests, Some(2));
    assert!(report.warnings[0].contains("HTTP 500 after 2 attempt(s): overloaded"), "{:?}", report.warnings);
}

/// Answers each part with the `### ` headings it holds, and counts the calls.
struct PerPart {
    calls: Arc<AtomicUsize>,
}

impl Respond for PerPart {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let prompt = body["messages"][1]["content"].as_str().unwrap();
        let part = prompt.split("<<<PRD\n").nth(1).unwrap();
        let features: Vec<Value> = part
            .lines()
            .filter_map(|l| l.strip_prefix("### "))
            .map(|title| {
                json!({"key": null, "title": title, "description": "", "priority": null,
                                "acceptanceCriteria": [], "userStories": [], "dependencies": ["Feature 1"]})
            })
            .collect();
        ResponseTemplate::new(200).set_body_json(openai_body(&json!({"features": features}).to_string(), 100, 20))
    }
}

#[tokio::test]
async fn a_long_document_is_sent_in_parts_and_the_tokens_are_summed() {
    let mut doc = String::from("# Big PRD\n\n## Features\n");
    for n in 1..=8 {
        doc.push_str(&format!(
            "### Feature {n}\n- Priority: Medium\n- Description: {}\n\n",
            "lorem ipsum dolor ".repeat(30)
        ));
    }
    let server = MockServer::start().await;
    let calls = Arc::new(AtomicUsize::new(0));
    Mock::given(method("POST")).respond_with(PerPart { calls: calls.clone() }).mount(&server).await;
    let options = AssistOptions { chunk_tokens: 200, ..AssistOptions::default() };
    let result = run(&doc, &options, &chain(Some(&server), None)).await.unwrap();
    let report = &result.report;
    let sent = calls.load(Ordering::SeqCst);
    assert!(sent >= 4, "{sent} calls for {} characters", doc.len());
    assert_eq!(report.chunks, sent);
    assert_eq!(report.calls as usize, sent);
    assert_eq!(report.token_usage.total_tokens, 120 * sent as u64);
    assert_eq!(report.confirmed.len(), 8, "every part's features were confirmed: {report:?}");
    for n in 2..=8 {
        let task = result.parsed.tasks.iter().find(|t| t.title == format!("Feature {n}")).unwrap();
        assert_eq!(task.depends_on, vec!["feature-1"], "dependencies across parts resolve");
    }

    // Past the per-provider call limit, auto parses offline and llm refuses.
    let tiny = AssistOptions { chunk_tokens: 200, ..AssistOptions::default() };
    let huge = doc.repeat(20);
    let before = calls.load(Ordering::SeqCst);
    let offline = run(&huge, &tiny, &chain(Some(&server), None)).await.unwrap();
    assert_eq!(offline.report.provider, "offline");
    assert!(offline.report.warnings[0].contains("raise chunk_tokens"), "{:?}", offline.report.warnings);
    let refused = run(&huge, &AssistOptions { mode: ParseMode::Llm, ..tiny }, &chain(Some(&server), None)).await;
    assert!(matches!(refused, Err(PrdError::InvalidOption(m)) if m.contains("model calls")));
    assert_eq!(calls.load(Ordering::SeqCst), before, "no call is made for a document over the limit");
}

#[tokio::test]
async fn modes_offline_and_llm_without_a_model() {
    let none = chain(None, None);
    let offline = run(PRD, &AssistOptions::default(), &none).await.unwrap();
    assert_eq!(offline.report.provider, "offline");
    assert!(!offline.report.fell_back && offline.report.attempts.is_empty());
    let err = run(PRD, &AssistOptions { mode: ParseMode::Llm, ..AssistOptions::default() }, &none).await.unwrap_err();
    assert_eq!(err, PrdError::NoModel);
    assert!(err.to_string().contains("OPENAI_API_KEY"));

    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(500)).expect(0).mount(&server).await;
    let forced = AssistOptions { mode: ParseMode::Offline, ..AssistOptions::default() };
    assert_eq!(run(PRD, &forced, &chain(Some(&server), None)).await.unwrap().report.calls, 0);
    for bad in [
        AssistOptions { chunk_tokens: 10, ..AssistOptions::default() },
        AssistOptions { max_tokens: 0, ..AssistOptions::default() },
        AssistOptions { model: Some(" ".into()), ..AssistOptions::default() },
    ] {
        assert!(matches!(run(PRD, &bad, &none).await, Err(PrdError::InvalidOption(_))), "{bad:?}");
    }
    assert!("LLM".parse::<ParseMode>().is_ok() && "gpt".parse::<ParseMode>().is_err());
}
