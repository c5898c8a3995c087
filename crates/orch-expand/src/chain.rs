//! The provider chain shared by every LLM-assisted feature (`expand_task`, `parse_prd`): which
//! providers exist and the order they are tried in.

use std::sync::Arc;

use crate::anthropic::AnthropicProvider;
use crate::config::ProvidersConfig;
use crate::error::ExpandError;
use crate::http::build_client;
use crate::openai::OpenAiProvider;
use crate::provider::LlmProvider;
use crate::types::ProviderChoice;

/// The configured HTTP providers, built once and shared (they pool connections).
pub struct ProviderChain {
    config: ProvidersConfig,
    openai: Option<Arc<dyn LlmProvider>>,
    anthropic: Option<Arc<dyn LlmProvider>>,
}

impl std::fmt::Debug for ProviderChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderChain").field("config", &self.config).finish_non_exhaustive()
    }
}

/// One link of the chain.
pub enum ChainLink {
    /// A provider to ask.
    Ready(Arc<dyn LlmProvider>),
    /// Named by the caller but not configured.
    Missing {
        /// The provider's name ("openai", "anthropic").
        name: &'static str,
        /// How to configure it.
        how: &'static str,
    },
}

impl ProviderChain {
    /// Builds the HTTP providers that `config` enables.
    pub fn new(config: ProvidersConfig) -> Result<Self, ExpandError> {
        let client = build_client(&config.http)
            .map_err(|e| ExpandError::Config(format!("cannot build the HTTP client: {}", e.without_url())))?;
        let openai = config
            .openai
            .clone()
            .map(|c| Arc::new(OpenAiProvider::new(c, config.http.clone(), client.clone())) as Arc<dyn LlmProvider>);
        let anthropic = config
            .anthropic
            .clone()
            .map(|c| Arc::new(AnthropicProvider::new(c, config.http.clone(), client.clone())) as Arc<dyn LlmProvider>);
        Ok(Self { config, openai, anthropic })
    }

    /// Names of the configured HTTP providers, in `auto` order (for status output).
    pub fn configured_providers(&self) -> Vec<String> {
        self.http_order()
            .into_iter()
            .filter_map(|choice| self.http_provider(choice))
            .map(|p| p.name().to_owned())
            .collect()
    }

    /// `auto`: sampling, then HTTP providers (`DEFAULT_LLM_PROVIDER` first). A named provider goes
    /// first and the rest of the `auto` chain follows it. Empty when nothing is available.
    pub fn links(&self, named: ProviderChoice, sampling: Option<Arc<dyn LlmProvider>>) -> Vec<ChainLink> {
        let mut chain = Vec::new();
        if named != ProviderChoice::Auto {
            match self.http_provider(named) {
                Some(provider) => chain.push(ChainLink::Ready(provider.clone())),
                None => chain.push(match named {
                    ProviderChoice::OpenAi => ChainLink::Missing {
                        name: "openai",
                        how: "set OPENAI_API_KEY, or OPENAI_BASE_URL for an OpenAI-compatible server",
                    },
                    _ => ChainLink::Missing { name: "anthropic", how: "set ANTHROPIC_API_KEY" },
                }),
            }
        }
        if let Some(sampling) = sampling {
            chain.push(ChainLink::Ready(sampling));
        }
        for choice in self.http_order() {
            if choice != named
                && let Some(provider) = self.http_provider(choice)
            {
                chain.push(ChainLink::Ready(provider.clone()));
            }
        }
        chain
    }

    fn http_order(&self) -> [ProviderChoice; 2] {
        match self.config.default_provider {
            ProviderChoice::Anthropic => [ProviderChoice::Anthropic, ProviderChoice::OpenAi],
            _ => [ProviderChoice::OpenAi, ProviderChoice::Anthropic],
        }
    }

    fn http_provider(&self, choice: ProviderChoice) -> Option<&Arc<dyn LlmProvider>> {
        match choice {
            ProviderChoice::OpenAi => self.openai.as_ref(),
            ProviderChoice::Anthropic => self.anthropic.as_ref(),
            ProviderChoice::Auto => None,
        }
    }
}
