//! Errors of the expander and of its providers. No message ever contains an API key: providers
//! build their messages from status codes and redacted response excerpts only.

use std::time::Duration;

/// An error the caller of [`crate::Expander`] must act on. Provider failures are not errors: they
/// fall back to the next provider and end up as warnings.
#[derive(Debug, thiserror::Error)]
pub enum ExpandError {
    /// An option is out of range.
    #[error("invalid expand option: {0}")]
    InvalidOption(String),
    /// The provider configuration cannot be used.
    #[error("invalid LLM provider configuration: {0}")]
    Config(String),
}

/// Why one provider gave no usable completion.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProviderError {
    /// The provider has no configuration (no key and no base URL).
    #[error("not configured: {0}")]
    NotConfigured(String),
    /// The server answered with an error status after all retries.
    #[error("HTTP {status} after {attempts} attempt(s): {message}")]
    Http {
        /// HTTP status code.
        status: u16,
        /// Requests sent.
        attempts: u32,
        /// Excerpt of the server's message, keys redacted.
        message: String,
    },
    /// No answer within the timeout, after all retries.
    #[error("timed out after {timeout:?} per request, {attempts} attempt(s)")]
    Timeout {
        /// Per-request timeout.
        timeout: Duration,
        /// Requests sent.
        attempts: u32,
    },
    /// The connection failed (refused, DNS, TLS), after all retries.
    #[error("connection failed after {attempts} attempt(s): {message}")]
    Connection {
        /// Requests sent.
        attempts: u32,
        /// What failed.
        message: String,
    },
    /// The server asked to wait longer than the configured cap.
    #[error(
        "rate limited (HTTP {status}) after {attempts} attempt(s): server asked to retry after {retry_after:?}, above the {cap:?} limit"
    )]
    RetryAfterTooLong {
        /// HTTP status code (429 or 503).
        status: u16,
        /// Requests sent.
        attempts: u32,
        /// What the server asked for.
        retry_after: Duration,
        /// The configured cap (`LLM_MAX_RETRY_AFTER_SECS`).
        cap: Duration,
    },
    /// The answer is not the provider's documented response shape.
    #[error("unexpected response: {0}")]
    InvalidResponse(String),
    /// Any other failure (used by MCP sampling adapters).
    #[error("{0}")]
    Other(String),
}

impl ProviderError {
    /// Requests sent before giving up (0 when none was sent).
    pub fn attempts(&self) -> u32 {
        match self {
            Self::Http { attempts, .. }
            | Self::Timeout { attempts, .. }
            | Self::Connection { attempts, .. }
            | Self::RetryAfterTooLong { attempts, .. } => *attempts,
            _ => 0,
        }
    }
}
