//! The provider abstraction: one prompt in, one text completion out.

use crate::error::ProviderError;
use crate::types::TokenUsage;

/// One completion request: a system prompt and a user prompt.
#[derive(Debug, Clone, PartialEq)]
pub struct CompletionRequest {
    /// Instructions (role, output format).
    pub system: String,
    /// The task to expand.
    pub prompt: String,
    /// Model to use; `None` = the provider's configured model (sampling: the client's choice).
    pub model: Option<String>,
    /// Maximum tokens of the answer.
    pub max_tokens: u32,
    /// Sampling temperature, 0–2.
    pub temperature: f32,
}

impl CompletionRequest {
    /// The temperature as the decimal the caller wrote (an `f32` widened directly would be sent
    /// as 0.699999988… for 0.7).
    pub fn temperature_f64(&self) -> f64 {
        self.temperature.to_string().parse().unwrap_or(f64::from(self.temperature))
    }
}

/// A provider's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    /// The answer's text.
    pub text: String,
    /// The model that answered, as the provider reports it.
    pub model: String,
    /// Tokens used by this call (zeros when the provider does not report them).
    pub usage: TokenUsage,
    /// True when the answer stopped at `max_tokens` (the JSON is then probably cut off).
    pub truncated: bool,
}

/// Something that turns a prompt into text: an HTTP API, or the MCP client's own model via
/// `sampling/createMessage` (implemented by the MCP adapter).
#[async_trait::async_trait]
pub trait LlmProvider: Send + Sync {
    /// "sampling", "openai", "openai-compatible" or "anthropic"; shown in results and warnings.
    fn name(&self) -> &str;

    /// Sends the request; retries (when the transport has any) happen inside.
    async fn complete(&self, request: &CompletionRequest) -> Result<Completion, ProviderError>;
}
