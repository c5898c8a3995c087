//! Provider configuration, read from the environment (`ProvidersConfig::from_env`).

use std::fmt;
use std::time::Duration;

use crate::error::ExpandError;
use crate::types::ProviderChoice;

/// The public OpenAI endpoint (the OpenAI SDKs' default `OPENAI_BASE_URL`, `/v1` included).
pub const OPENAI_DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
/// The public Anthropic endpoint (the Anthropic SDKs' default `ANTHROPIC_BASE_URL`, without `/v1`).
pub const ANTHROPIC_DEFAULT_BASE_URL: &str = "https://api.anthropic.com";
/// Model used for OpenAI when none is configured (the spec's example).
pub const OPENAI_DEFAULT_MODEL: &str = "gpt-4o";
/// Model used for Anthropic when none is configured (the spec's example).
pub const ANTHROPIC_DEFAULT_MODEL: &str = "claude-3-5-sonnet-20241022";

/// An API key. Its `Debug` and `Display` never show the value.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key; `None` when blank.
    pub fn new(value: impl Into<String>) -> Option<Self> {
        let value = value.into().trim().to_owned();
        (!value.is_empty()).then_some(Self(value))
    }

    /// The secret itself: only for building the request header.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Replaces every occurrence of the key in `text` (servers sometimes echo what they were sent).
    pub fn redact(&self, text: &str) -> String {
        text.replace(&self.0, "[REDACTED]")
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey([REDACTED])")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// Timeouts and retry policy shared by the HTTP providers.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpSettings {
    /// Timeout of one request, answer included (`LLM_TIMEOUT_SECS`, default 60).
    pub request_timeout: Duration,
    /// Timeout to establish a connection (default 10 s).
    pub connect_timeout: Duration,
    /// Requests per provider call, first one included (`LLM_MAX_ATTEMPTS`, default 3).
    pub max_attempts: u32,
    /// Backoff before the first retry; doubles per retry (default 500 ms).
    pub initial_backoff: Duration,
    /// Upper bound of one backoff (default 8 s).
    pub max_backoff: Duration,
    /// Longest `Retry-After` honoured; a longer one ends the provider's turn (`LLM_MAX_RETRY_AFTER_SECS`, default 30).
    pub max_retry_after: Duration,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            max_attempts: 3,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

/// The OpenAI-protocol provider: api.openai.com or any OpenAI-compatible server.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenAiConfig {
    /// Bearer key; optional for local OpenAI-compatible servers (Ollama, vLLM, LM Studio).
    pub api_key: Option<ApiKey>,
    /// Base URL with the version segment, e.g. `http://localhost:11434/v1` (requests go to `{base}/chat/completions`).
    pub base_url: String,
    /// Model used when the request names none.
    pub model: String,
}

impl OpenAiConfig {
    /// True when this is not the public OpenAI endpoint (named `openai-compatible` in results).
    pub fn is_compatible_server(&self) -> bool {
        self.base_url.trim_end_matches('/') != OPENAI_DEFAULT_BASE_URL
    }
}

/// The Anthropic messages API.
#[derive(Debug, Clone, PartialEq)]
pub struct AnthropicConfig {
    /// `x-api-key` value; optional only for a custom base URL (a proxy that adds it).
    pub api_key: Option<ApiKey>,
    /// Base URL without `/v1` (requests go to `{base}/v1/messages`).
    pub base_url: String,
    /// Model used when the request names none.
    pub model: String,
}

/// Which HTTP providers exist and how to reach them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProvidersConfig {
    /// OpenAI or an OpenAI-compatible server; `None` when neither a key nor a base URL is set.
    pub openai: Option<OpenAiConfig>,
    /// Anthropic; `None` when neither a key nor a base URL is set.
    pub anthropic: Option<AnthropicConfig>,
    /// Which configured provider `auto` tries first after sampling (`DEFAULT_LLM_PROVIDER`).
    pub default_provider: ProviderChoice,
    /// Timeouts and retries.
    pub http: HttpSettings,
}

impl ProvidersConfig {
    /// No HTTP provider: sampling (when given) and the offline planner only.
    pub fn offline() -> Self {
        Self::default()
    }

    /// Reads `OPENAI_API_KEY`, `OPENAI_BASE_URL`, `OPENAI_MODEL`, `ANTHROPIC_API_KEY`,
    /// `ANTHROPIC_BASE_URL`, `ANTHROPIC_MODEL`, `DEFAULT_LLM_PROVIDER`, `DEFAULT_LLM_MODEL`,
    /// `LLM_TIMEOUT_SECS`, `LLM_MAX_ATTEMPTS`, `LLM_MAX_RETRY_AFTER_SECS`.
    pub fn from_env() -> Result<Self, ExpandError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`Self::from_env`], reading variables through `lookup` (tests pass a map).
    ///
    /// `DEFAULT_LLM_MODEL` is the model of the provider named by `DEFAULT_LLM_PROVIDER`; when that
    /// is `auto` or unset it goes to the OpenAI-protocol provider if configured (a local server
    /// needs a model name such as `llama3.1`), else to Anthropic. `OPENAI_MODEL` / `ANTHROPIC_MODEL`
    /// override it per provider.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ExpandError> {
        let get = |name: &str| lookup(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());

        let default_provider = match get("DEFAULT_LLM_PROVIDER") {
            Some(value) => value.parse::<ProviderChoice>().map_err(|_| {
                ExpandError::Config(format!(
                    "DEFAULT_LLM_PROVIDER={value:?} is not valid: use \"auto\", \"openai\" or \"anthropic\""
                ))
            })?,
            None => ProviderChoice::Auto,
        };
        let default_model = get("DEFAULT_LLM_MODEL");

        let openai_key = get("OPENAI_API_KEY").and_then(ApiKey::new);
        let openai_base = get("OPENAI_BASE_URL");
        let mut openai = (openai_key.is_some() || openai_base.is_some()).then(|| OpenAiConfig {
            api_key: openai_key,
            base_url: normalize_base_url(openai_base.as_deref().unwrap_or(OPENAI_DEFAULT_BASE_URL)),
            model: OPENAI_DEFAULT_MODEL.to_owned(),
        });
        let anthropic_key = get("ANTHROPIC_API_KEY").and_then(ApiKey::new);
        let anthropic_base = get("ANTHROPIC_BASE_URL");
        let mut anthropic = (anthropic_key.is_some() || anthropic_base.is_some()).then(|| AnthropicConfig {
            api_key: anthropic_key,
            base_url: normalize_base_url(anthropic_base.as_deref().unwrap_or(ANTHROPIC_DEFAULT_BASE_URL)),
            model: ANTHROPIC_DEFAULT_MODEL.to_owned(),
        });
        for (name, base) in [
            ("OPENAI_BASE_URL", openai.as_ref().map(|c| c.base_url.as_str())),
            ("ANTHROPIC_BASE_URL", anthropic.as_ref().map(|c| c.base_url.as_str())),
        ] {
            if let Some(base) = base {
                check_base_url(name, base)?;
            }
        }

        if let Some(model) = default_model {
            let to_openai = match default_provider {
                ProviderChoice::OpenAi => true,
                ProviderChoice::Anthropic => false,
                ProviderChoice::Auto => openai.is_some(),
            };
            match (to_openai, openai.as_mut(), anthropic.as_mut()) {
                (true, Some(config), _) => config.model = model,
                (false, _, Some(config)) => config.model = model,
                _ => {}
            }
        }
        if let (Some(model), Some(config)) = (get("OPENAI_MODEL"), openai.as_mut()) {
            config.model = model;
        }
        if let (Some(model), Some(config)) = (get("ANTHROPIC_MODEL"), anthropic.as_mut()) {
            config.model = model;
        }

        let mut http = HttpSettings::default();
        if let Some(secs) = get("LLM_TIMEOUT_SECS") {
            http.request_timeout = Duration::from_secs(parse_positive("LLM_TIMEOUT_SECS", &secs)?);
        }
        if let Some(n) = get("LLM_MAX_ATTEMPTS") {
            http.max_attempts = u32::try_from(parse_positive("LLM_MAX_ATTEMPTS", &n)?)
                .map_err(|_| ExpandError::Config("LLM_MAX_ATTEMPTS is too large".into()))?;
        }
        if let Some(secs) = get("LLM_MAX_RETRY_AFTER_SECS") {
            http.max_retry_after = Duration::from_secs(parse_positive("LLM_MAX_RETRY_AFTER_SECS", &secs)?);
        }

        Ok(Self { openai, anthropic, default_provider, http })
    }
}

fn normalize_base_url(url: &str) -> String {
    url.trim().trim_end_matches('/').to_owned()
}

fn check_base_url(name: &str, url: &str) -> Result<(), ExpandError> {
    if url.starts_with("http://") || url.starts_with("https://") {
        Ok(())
    } else {
        Err(ExpandError::Config(format!(
            "{name}={url:?} must start with http:// or https:// (e.g. http://localhost:11434/v1 for Ollama)"
        )))
    }
}

fn parse_positive(name: &str, value: &str) -> Result<u64, ExpandError> {
    match value.parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(ExpandError::Config(format!("{name}={value:?} must be a positive whole number"))),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::collections::BTreeMap;

    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<ProvidersConfig, ExpandError> {
        let map: BTreeMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        ProvidersConfig::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn nothing_set_means_no_http_provider() {
        let c = config(&[]).unwrap();
        assert!(c.openai.is_none() && c.anthropic.is_none());
        assert_eq!(c.default_provider, ProviderChoice::Auto);
    }

    #[test]
    fn base_url_without_key_is_a_compatible_server() {
        let c =
            config(&[("OPENAI_BASE_URL", "http://localhost:11434/v1/"), ("DEFAULT_LLM_MODEL", "llama3.1")]).unwrap();
        let openai = c.openai.unwrap();
        assert!(openai.api_key.is_none());
        assert_eq!(openai.base_url, "http://localhost:11434/v1");
        assert!(openai.is_compatible_server());
        assert_eq!(openai.model, "llama3.1");
    }

    #[test]
    fn default_model_follows_default_provider() {
        let c = config(&[
            ("OPENAI_API_KEY", "sk-a"),
            ("ANTHROPIC_API_KEY", "sk-ant-b"),
            ("DEFAULT_LLM_PROVIDER", "anthropic"),
            ("DEFAULT_LLM_MODEL", "claude-sonnet-4-5"),
        ])
        .unwrap();
        assert_eq!(c.default_provider, ProviderChoice::Anthropic);
        assert_eq!(c.anthropic.unwrap().model, "claude-sonnet-4-5");
        let openai = c.openai.unwrap();
        assert_eq!(openai.model, OPENAI_DEFAULT_MODEL);
        assert!(!openai.is_compatible_server());
    }

    #[test]
    fn invalid_values_are_explained() {
        let err = config(&[("DEFAULT_LLM_PROVIDER", "gemini")]).unwrap_err().to_string();
        assert!(err.contains("\"auto\", \"openai\" or \"anthropic\""), "{err}");
        let err = config(&[("OPENAI_BASE_URL", "localhost:11434")]).unwrap_err().to_string();
        assert!(err.contains("http://"), "{err}");
        let err = config(&[("LLM_TIMEOUT_SECS", "0")]).unwrap_err().to_string();
        assert!(err.contains("LLM_TIMEOUT_SECS"), "{err}");
    }

    #[test]
    fn debug_never_shows_keys() {
        let c =
            config(&[("OPENAI_API_KEY", "sk-secret-openai-123"), ("ANTHROPIC_API_KEY", "sk-ant-secret-456")]).unwrap();
        let debug = format!("{c:?}");
        assert!(!debug.contains("sk-secret-openai-123"), "{debug}");
        assert!(!debug.contains("sk-ant-secret-456"), "{debug}");
        assert!(debug.contains("[REDACTED]"));
    }
}
