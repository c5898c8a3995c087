//! Anthropic messages API.

use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::json;

use crate::config::{AnthropicConfig, ApiKey, HttpSettings};
use crate::error::ProviderError;
use crate::http::{self, post_json};
use crate::provider::{Completion, CompletionRequest, LlmProvider};
use crate::types::TokenUsage;

/// The API version sent in `anthropic-version`.
pub const ANTHROPIC_API_VERSION: &str = "2023-06-01";

/// Provider for `{base_url}/v1/messages` with `x-api-key` and `anthropic-version`.
#[derive(Debug, Clone)]
pub struct AnthropicProvider {
    config: AnthropicConfig,
    settings: HttpSettings,
    client: reqwest::Client,
}

impl AnthropicProvider {
    /// A provider over `client` (share one client between providers: it pools connections).
    pub fn new(config: AnthropicConfig, settings: HttpSettings, client: reqwest::Client) -> Self {
        Self { config, settings, client }
    }
}

#[async_trait::async_trait]
impl LlmProvider for AnthropicProvider {
    fn name(&self) -> &str {
        "anthropic"
    }

    async fn complete(&self, request: &CompletionRequest) -> Result<Completion, ProviderError> {
        let model = request.model.as_deref().unwrap_or(&self.config.model);
        let mut headers = HeaderMap::new();
        headers.insert("anthropic-version", HeaderValue::from_static(ANTHROPIC_API_VERSION));
        if let Some(key) = &self.config.api_key {
            let mut value = HeaderValue::from_str(key.expose()).map_err(|_| {
                ProviderError::NotConfigured(
                    "ANTHROPIC_API_KEY contains characters not allowed in an HTTP header".into(),
                )
            })?;
            value.set_sensitive(true);
            headers.insert("x-api-key", value);
        }
        // The messages API accepts temperatures from 0 to 1 only.
        let body = json!({
            "model": model,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature_f64().clamp(0.0, 1.0),
            "system": request.system,
            "messages": [{"role": "user", "content": request.prompt}],
        });
        let url = format!("{}/v1/messages", self.config.base_url);
        let response =
            post_json(&self.client, &self.settings, "anthropic", &url, headers, &body, self.config.api_key.as_ref())
                .await?;
        parse_response(&response.body, model, self.config.api_key.as_ref())
    }
}

fn parse_response(
    body: &serde_json::Value,
    requested_model: &str,
    key: Option<&ApiKey>,
) -> Result<Completion, ProviderError> {
    let blocks = body.get("content").and_then(|c| c.as_array()).ok_or_else(|| {
        ProviderError::InvalidResponse(format!("no content in the message: {}", http::excerpt(&body.to_string(), key)))
    })?;
    let text: String = blocks
        .iter()
        .filter(|b| b.get("type").and_then(|t| t.as_str()) == Some("text"))
        .filter_map(|b| b.get("text").and_then(|t| t.as_str()))
        .collect::<Vec<_>>()
        .join("");
    if text.trim().is_empty() {
        return Err(ProviderError::InvalidResponse("the message has no text content".into()));
    }
    let usage = TokenUsage::new(
        body.pointer("/usage/input_tokens").and_then(serde_json::Value::as_u64).unwrap_or(0),
        body.pointer("/usage/output_tokens").and_then(serde_json::Value::as_u64).unwrap_or(0),
    );
    Ok(Completion {
        text,
        model: body.get("model").and_then(|m| m.as_str()).unwrap_or(requested_model).to_owned(),
        usage,
        truncated: body.get("stop_reason").and_then(|r| r.as_str()) == Some("max_tokens"),
    })
}
