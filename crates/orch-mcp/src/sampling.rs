//! MCP sampling as an expansion provider: the connected client's own model answers (`sampling/createMessage`), so
//! the user needs no API key.
//!
//! The MCP specification deprecates sampling (SEP-2577) in favour of newer mechanisms, but clients in use today still
//! offer it and it is the only way to use the client's model, so this module opts into the deprecated API.
#![allow(deprecated)]

use std::sync::Arc;

use async_trait::async_trait;
use orch_service::expand::{Completion, CompletionRequest, LlmProvider, ProviderError, TokenUsage};
use rmcp::model::{CreateMessageRequestParams, ModelHint, ModelPreferences, SamplingMessage};
use rmcp::{Peer, RoleServer};

/// Asks the MCP client's model through `sampling/createMessage`.
pub(crate) struct SamplingProvider {
    peer: Peer<RoleServer>,
}

/// A sampling provider when the connected client declared the sampling capability.
pub(crate) fn from_peer(peer: &Peer<RoleServer>) -> Option<Arc<dyn LlmProvider>> {
    let offers_sampling = peer.peer_info().is_some_and(|info| info.capabilities.sampling.is_some());
    offers_sampling.then(|| Arc::new(SamplingProvider { peer: peer.clone() }) as Arc<dyn LlmProvider>)
}

#[async_trait]
impl LlmProvider for SamplingProvider {
    fn name(&self) -> &str {
        "sampling"
    }

    async fn complete(&self, request: &CompletionRequest) -> Result<Completion, ProviderError> {
        let mut params = CreateMessageRequestParams::new(
            vec![SamplingMessage::user_text(request.prompt.clone())],
            request.max_tokens,
        )
        .with_system_prompt(request.system.clone())
        .with_temperature(request.temperature);
        if let Some(model) = &request.model {
            params = params.with_model_preferences(ModelPreferences::new().with_hints(vec![ModelHint::new(model)]));
        }
        let result = self
            .peer
            .create_message(params)
            .await
            .map_err(|e| ProviderError::Other(format!("the client's sampling request failed: {e}")))?;
        let text: String = result
            .message
            .content
            .into_vec()
            .into_iter()
            .filter_map(|block| serde_json::to_value(&block).ok()?.get("text")?.as_str().map(str::to_owned))
            .collect::<Vec<_>>()
            .join("\n");
        if text.trim().is_empty() {
            return Err(ProviderError::InvalidResponse("the client's model returned no text".into()));
        }
        Ok(Completion {
            text,
            model: result.model,
            // Sampling results carry no token counts.
            usage: TokenUsage::default(),
            truncated: result.stop_reason.as_deref() == Some("maxTokens"),
        })
    }
}
