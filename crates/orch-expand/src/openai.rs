//! OpenAI chat completions, also spoken by Ollama, vLLM, LM Studio and other OpenAI-compatible servers.

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use serde_json::json;

use crate::config::{HttpSettings, OpenAiConfig};
use crate::error::ProviderError;
use crate::http::{self, post_json};
use crate::provider::{Completion, CompletionRequest, LlmProvider};
use crate::types::TokenUsage;

/// Provider for `{base_url}/chat/completions` with `Authorization: Bearer <key>` (no header when
/// the server needs no key).
#[derive(Debug, Clone)]
pub struct OpenAiProvider {
    config: OpenAiConfig,
    settings: HttpSettings,
    client: reqwest::Client,
    name: &'static str,
}

impl OpenAiProvider {
    /// A provider over `client` (share one client between providers: it pools connections).
    pub fn new(config: OpenAiConfig, settings: HttpSettings, client: reqwest::Client) -> Self {
        let name = if config.is_compatible_server() { "openai-compatible" } else { "openai" };
        Self { config, settings, client, name }
    }

    fn body(&self, request: &CompletionRequest, model: &str) -> serde_json::Value {
        let mut body = json!({
            "model": model,
            "messages": [
                {"role": "system", "content": request.system},
                {"role": "user", "content": request.prompt},
            ],
            "temperature": request.temperature_f64(),
        });
        if self.config.is_compatible_server() {
            // Compatible servers know `max_tokens`; not all accept `response_format` (LM Studio
            // rejects `json_object`), so JSON is asked for in the prompt only.
            body["max_tokens"] = json!(request.max_tokens);
        } else {
            body["max_completion_tokens"] = json!(request.max_tokens);
            body["response_format"] = json!({"type": "json_object"});
        }
        body
    }
}

#[async_trait::async_trait]
impl LlmProvider for OpenAiProvider {
    fn name(&self) -> &str {
        self.name
    }

    async fn complete(&self, request: &CompletionRequest) -> Result<Completion, ProviderError> {
        let model = request.model.as_deref().unwrap_or(&self.config.model);
        let mut headers = HeaderMap::new();
        if let Some(key) = &self.config.api_key {
            let mut value = HeaderValue::from_str(&format!("Bearer {}", key.expose())).map_err(|_| {
                ProviderError::NotConfigured("OPENAI_API_KEY contains characters not allowed in an HTTP header".into())
            })?;
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }
        let url = format!("{}/chat/completions", self.config.base_url);
        let response = post_json(
            &self.client,
            &self.settings,
            self.name,
            &url,
            headers,
            &self.body(request, model),
            self.config.api_key.as_ref(),
        )
        .await?;
        parse_response(&response.body, model, self.config.api_key.as_ref())
    }
}

fn parse_response(
    body: &serde_json::Value,
    requested_model: &str,
    key: Option<&crate::config::ApiKey>,
) -> Result<Completion, ProviderError> {
    let choice = body.pointer("/choices/0").ok_or_else(|| {
        ProviderError::InvalidResponse(format!(
            "no choices in the chat completion: {}",
            http::excerpt(&body.to_string(), key)
        ))
    })?;
    let text = choice
        .pointer("/message/content")
        .and_then(|c| c.as_str())
        .ok_or_else(|| ProviderError::InvalidResponse("the first choice has no message content".into()))?
        .to_owned();
    let usage = TokenUsage::new(
        body.pointer("/usage/prompt_tokens").and_then(serde_json::Value::as_u64).unwrap_or(0),
        body.pointer("/usage/completion_tokens").and_then(serde_json::Value::as_u64).unwrap_or(0),
    );
    Ok(Completion {
        text,
        model: body.get("model").and_then(|m| m.as_str()).unwrap_or(requested_model).to_owned(),
        usage,
        truncated: choice.get("finish_reason").and_then(|r| r.as_str()) == Some("length"),
    })
}
