//! What `serve --http` is configured with: address, mode, bearer token, allow-list entries, limits and timeouts,
//! and the errors serving can fail with.

use std::net::SocketAddr;
use std::time::Duration;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::allow::AllowList;
use super::listener::{self, default_max_connections};

/// The address `serve --http` binds when none is given.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8000";
/// Default request body limit (4 MiB: a large PRD fits; a runaway upload does not); the same as a stdio line's.
pub const DEFAULT_MAX_BODY_BYTES: usize = crate::framing::DEFAULT_MAX_MESSAGE_BYTES;
/// Default time a client has to send a request's headers (a connection trickling them is closed).
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time a client has to send a request's body once its headers are in (slower: 408, connection closed).
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// Default cap on connections open at once from one client address.
pub const DEFAULT_MAX_CONNECTIONS_PER_CLIENT: usize = 256;
/// Default bound on a request and on each tool call (LLM expansions and analyses can take minutes).
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(300);
/// Default time in-flight requests get to finish after SIGTERM.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// How `/mcp` keeps client state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum HttpMode {
    /// One session per client (`Mcp-Session-Id`), SSE streams; for a single server.
    #[default]
    Session,
    /// No sessions, a JSON response per POST: any replica can answer any request.
    Stateless,
}

impl HttpMode {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            HttpMode::Session => "session",
            HttpMode::Stateless => "stateless",
        }
    }
}

/// A bearer token; its `Debug` never shows the secret.
#[derive(Clone)]
pub struct BearerToken {
    digest: [u8; 32],
}

impl std::fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BearerToken(***)")
    }
}

impl BearerToken {
    /// A token from its secret text (surrounding whitespace, e.g. a token file's newline, is ignored).
    pub fn new(secret: &str) -> Result<Self, HttpError> {
        let secret = secret.trim();
        if secret.is_empty() {
            return Err(HttpError::InvalidToken("the token is empty".into()));
        }
        // RFC 6750 token68 characters, so any HTTP client can send it unchanged.
        if let Some(c) = secret
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | '+' | '/' | '=')))
        {
            return Err(HttpError::InvalidToken(format!(
                "the token contains {c:?}; use letters, digits and -._~+/= (e.g. `openssl rand -hex 32`)"
            )));
        }
        if secret.len() < 16 {
            return Err(HttpError::InvalidToken(format!(
                "the token has {} characters; use at least 16 (e.g. `openssl rand -hex 32`)",
                secret.len()
            )));
        }
        Ok(BearerToken { digest: Sha256::digest(secret.as_bytes()).into() })
    }

    /// Whether `presented` is this token. Both sides are hashed first, so the comparison takes the same time
    /// whatever the presented length, and compared in constant time.
    pub fn matches(&self, presented: &str) -> bool {
        let presented: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        presented.ct_eq(&self.digest).into()
    }
}

/// Everything `serve --http` can configure.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Listen address.
    pub addr: SocketAddr,
    /// Session or stateless.
    pub mode: HttpMode,
    /// Accepted `Host` values: `name`, `name:port`, `[v6]`, or `*` for any. Empty: loopback names only.
    pub allowed_hosts: Vec<String>,
    /// Accepted `Origin` values: `scheme://host`, `scheme://host:port`, `scheme://host:*`, `null`, or `*` for any.
    /// Empty: loopback origins only. Requests without `Origin` (non-browser clients) always pass.
    pub allowed_origins: Vec<String>,
    /// The bearer token clients must present; required unless `addr` is loopback.
    pub token: Option<BearerToken>,
    /// Largest accepted request body; larger ones get 413.
    pub max_body_bytes: usize,
    /// Bound on each tool call and on producing each response's head.
    pub request_timeout: Duration,
    /// Time a client has to send a request's headers.
    pub header_timeout: Duration,
    /// Time a client has to send a request's body.
    pub body_timeout: Duration,
    /// Most connections open at once (keep it below the file-descriptor limit).
    pub max_connections: usize,
    /// Most connections open at once from one client address (a reverse proxy is one address).
    pub max_connections_per_client: usize,
    /// How long in-flight requests may run after shutdown starts.
    pub shutdown_grace: Duration,
}

impl HttpConfig {
    /// Defaults for `addr`: session mode, loopback allow-lists, no token, 4 MiB bodies, 300 s request timeout, 10 s
    /// header and 30 s body timeouts, connections capped at half the descriptor limit (256 per client), 30 s grace.
    pub fn new(addr: SocketAddr) -> Self {
        HttpConfig {
            addr,
            mode: HttpMode::Session,
            allowed_hosts: Vec::new(),
            allowed_origins: Vec::new(),
            token: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            max_connections: default_max_connections(),
            max_connections_per_client: DEFAULT_MAX_CONNECTIONS_PER_CLIENT,
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
        }
    }

    /// The `Host` values accepted when none are configured.
    pub fn default_allowed_hosts() -> Vec<String> {
        ["localhost", "127.0.0.1", "[::1]"].map(String::from).to_vec()
    }

    /// The `Origin` values accepted when none are configured (loopback pages on any port, http or https).
    pub fn default_allowed_origins() -> Vec<String> {
        ["http", "https"]
            .iter()
            .flat_map(|scheme| ["localhost", "127.0.0.1", "[::1]"].map(|host| format!("{scheme}://{host}:*")))
            .collect()
    }

    pub(super) fn effective_hosts(&self) -> Vec<String> {
        if self.allowed_hosts.is_empty() { Self::default_allowed_hosts() } else { self.allowed_hosts.clone() }
    }

    pub(super) fn effective_origins(&self) -> Vec<String> {
        if self.allowed_origins.is_empty() { Self::default_allowed_origins() } else { self.allowed_origins.clone() }
    }

    /// Checks the configuration is safe to serve: a token when not on loopback, parseable allow-lists.
    pub fn validate(&self) -> Result<(), HttpError> {
        if !self.addr.ip().is_loopback() && self.token.is_none() {
            return Err(HttpError::TokenRequired { addr: self.addr });
        }
        if self.max_body_bytes == 0 {
            return Err(HttpError::InvalidConfig("the request body limit must be at least 1 byte".into()));
        }
        if self.request_timeout.is_zero() || self.header_timeout.is_zero() || self.body_timeout.is_zero() {
            return Err(HttpError::InvalidConfig("the request, header and body timeouts must be positive".into()));
        }
        if self.max_connections == 0 || self.max_connections_per_client == 0 {
            return Err(HttpError::InvalidConfig("the connection caps must be at least 1".into()));
        }
        if let Some(limit) = listener::descriptor_limit()
            && self.max_connections as u64 >= limit
        {
            return Err(HttpError::InvalidConfig(format!(
                "--max-connections {} is not below the process's file-descriptor limit of {limit}: the database and \
                 the sandbox would run out of descriptors; lower it or raise the limit (ulimit -n)",
                self.max_connections
            )));
        }
        AllowList::parse(&self.effective_hosts(), &self.effective_origins())?;
        Ok(())
    }
}

/// Serving over HTTP failed.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// A non-loopback listener without a token.
    #[error(
        "refusing to listen on {addr} without a bearer token: anyone who can reach it could read and change the task \
         board. Set TASK_ORCHESTRATOR_TOKEN or --token-file PATH (e.g. from `openssl rand -hex 32`), or listen on \
         127.0.0.1 behind a reverse proxy"
    )]
    TokenRequired {
        /// The address asked for.
        addr: SocketAddr,
    },
    /// The token is unusable.
    #[error("invalid bearer token: {0}")]
    InvalidToken(String),
    /// An allow-list entry or limit is malformed.
    #[error("invalid HTTP configuration: {0}")]
    InvalidConfig(String),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}; is another server using the port? pick another with --http ADDR")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The server stopped on an I/O error.
    #[error("the HTTP server failed: {0}")]
    Serve(#[from] std::io::Error),
    /// The server task panicked.
    #[error("the HTTP server task ended abnormally: {0}")]
    Task(#[from] tokio::task::JoinError),
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn tokens_compare_exactly_and_never_print() {
        let t = BearerToken::new("  0123456789abcdef0123  \n").unwrap();
        assert!(t.matches("0123456789abcdef0123"));
        assert!(!t.matches("0123456789abcdef012"));
        assert!(!t.matches(""));
        assert_eq!(format!("{t:?}"), "BearerToken(***)");
        assert!(BearerToken::new("short").is_err());
        assert!(BearerToken::new("   ").is_err());
        assert!(BearerToken::new("0123456789abcdef 0123").is_err());
    }

    #[test]
    fn non_loopback_needs_a_token() {
        let c = HttpConfig::new("0.0.0.0:8000".parse().unwrap());
        let err = c.validate().unwrap_err();
        assert!(matches!(err, HttpError::TokenRequired { .. }));
        assert!(err.to_string().contains("TASK_ORCHESTRATOR_TOKEN"), "{err}");
        let mut c = c;
        c.token = Some(BearerToken::new("0123456789abcdef0123").unwrap());
        c.validate().unwrap();
        HttpConfig::new("127.0.0.1:0".parse().unwrap()).validate().unwrap();
        HttpConfig::new("[::1]:0".parse().unwrap()).validate().unwrap();
    }
}
