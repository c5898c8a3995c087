//! Connection settings: the URL, the pool and the timeouts.

use std::str::FromStr;
use std::time::Duration;

use orch_core::{Error, Result};
use sqlx_core::Url;
use sqlx_postgres::PgConnectOptions;

/// Environment variable: most connections one process keeps open.
pub const ENV_POOL_SIZE: &str = "TASK_ORCHESTRATOR_PG_POOL_SIZE";
/// Environment variable: seconds to wait for a connection (TCP, TLS, authentication, or a free pool slot).
pub const ENV_CONNECT_TIMEOUT_SECS: &str = "TASK_ORCHESTRATOR_PG_CONNECT_TIMEOUT_SECS";
/// Environment variable: milliseconds one SQL statement may run before the server cancels it (0 = no limit).
pub const ENV_STATEMENT_TIMEOUT_MS: &str = "TASK_ORCHESTRATOR_PG_STATEMENT_TIMEOUT_MS";
/// Environment variable: seconds one store operation (a whole transaction) may take, end to end.
pub const ENV_OPERATION_TIMEOUT_SECS: &str = "TASK_ORCHESTRATOR_PG_OPERATION_TIMEOUT_SECS";
/// Environment variable: the schema holding the tables (default: the server's `search_path`, normally `public`).
pub const ENV_SCHEMA: &str = "TASK_ORCHESTRATOR_PG_SCHEMA";

/// Default pool size.
pub const DEFAULT_POOL_SIZE: u32 = 10;
/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default statement timeout.
pub const DEFAULT_STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default operation timeout.
pub const DEFAULT_OPERATION_TIMEOUT: Duration = Duration::from_secs(60);

/// URL query parameters this crate reads itself (sqlx would ignore them with a warning).
const URL_POOL_SIZE: &str = "pool_size";
const URL_CONNECT_TIMEOUT: &str = "connect_timeout";
const URL_STATEMENT_TIMEOUT: &str = "statement_timeout";
const URL_OPERATION_TIMEOUT: &str = "operation_timeout";
const URL_SCHEMA: &str = "schema";

/// How to reach PostgreSQL and how hard to try.
///
/// Built from a `postgres://` URL with [`PgConfig::from_url`]; query parameters `pool_size`, `connect_timeout`
/// (seconds, as in libpq), `statement_timeout` (milliseconds, as in PostgreSQL), `operation_timeout` (seconds) and
/// `schema` set the fields; [`PgConfig::with_env`] then lets the `TASK_ORCHESTRATOR_PG_*` variables override them.
#[derive(Clone)]
pub struct PgConfig {
    options: PgConnectOptions,
    redacted_url: String,
    password: Option<String>,
    /// The URL (or `PGAPPNAME`) named the application; otherwise connections say `task-orchestrator`.
    application_named: bool,
    /// Most connections this process keeps open.
    pub pool_size: u32,
    /// Longest wait for a connection, including connecting and waiting for a free pool slot.
    pub connect_timeout: Duration,
    /// Longest a single statement may run on the server (`statement_timeout`); zero disables it.
    pub statement_timeout: Duration,
    /// Longest a whole store operation may take, so a silent network partition cannot hang a caller.
    pub operation_timeout: Duration,
    /// Schema for the tables; `None` uses the server's `search_path`.
    pub schema: Option<String>,
}

impl std::fmt::Debug for PgConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the password: configs end up in logs.
        f.debug_struct("PgConfig")
            .field("url", &self.redacted_url)
            .field("pool_size", &self.pool_size)
            .field("connect_timeout", &self.connect_timeout)
            .field("statement_timeout", &self.statement_timeout)
            .field("operation_timeout", &self.operation_timeout)
            .field("schema", &self.schema)
            .finish()
    }
}

fn bad_url(message: impl Into<String>) -> Error {
    Error::invalid("database_url", message)
}

fn positive<T: FromStr + PartialOrd + Default>(name: &str, value: &str) -> Result<T> {
    match value.trim().parse::<T>() {
        Ok(v) if v > T::default() => Ok(v),
        _ => Err(bad_url(format!("{name} must be a positive whole number, got '{value}'"))),
    }
}

fn non_negative(name: &str, value: &str) -> Result<u64> {
    value.trim().parse::<u64>().map_err(|_| bad_url(format!("{name} must be a whole number >= 0, got '{value}'")))
}

fn check_schema(name: &str, schema: &str) -> Result<String> {
    let ok = !schema.is_empty()
        && schema.len() <= 63
        && schema.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !schema.starts_with(|c: char| c.is_ascii_digit());
    if ok {
        Ok(schema.to_string())
    } else {
        Err(bad_url(format!(
            "{name} '{schema}' is not a plain schema name; use letters, digits and '_' (at most 63, not starting \
             with a digit)"
        )))
    }
}

/// Hides the password of a database URL (in the user info or a `password=` parameter) for messages and logs.
pub fn redact_url(url: &str) -> String {
    let Ok(mut parsed) = Url::parse(url) else {
        // Not a URL we can take apart: hide everything between the scheme and the host.
        return match (url.find("://"), url.rfind('@')) {
            (Some(s), Some(at)) if at > s => format!("{}://***@{}", &url[..s], &url[at + 1..]),
            _ => url.to_string(),
        };
    };
    if parsed.password().is_some() {
        let _ = parsed.set_password(Some("***"));
    }
    if parsed.query_pairs().any(|(k, _)| k == "password") {
        let pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(k, v)| {
                let v = if k == "password" { "***".to_string() } else { v.into_owned() };
                (k.into_owned(), v)
            })
            .collect();
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    parsed.to_string()
}

impl PgConfig {
    /// Parses a `postgres://` or `postgresql://` URL with the defaults for everything it does not set.
    pub fn from_url(url: &str) -> Result<Self> {
        let url = url.trim();
        let redacted_url = redact_url(url);
        let mut parsed = Url::parse(url).map_err(|e| bad_url(format!("'{redacted_url}' is not a valid URL: {e}")))?;
        if !matches!(parsed.scheme(), "postgres" | "postgresql") {
            return Err(bad_url(format!(
                "'{redacted_url}' is not a PostgreSQL URL; use postgres://USER:PASSWORD@HOST:PORT/DATABASE"
            )));
        }
        let mut config = PgConfig {
            options: PgConnectOptions::new_without_pgpass(),
            redacted_url: String::new(),
            password: None,
            application_named: std::env::var_os("PGAPPNAME").is_some(),
            pool_size: DEFAULT_POOL_SIZE,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            statement_timeout: DEFAULT_STATEMENT_TIMEOUT,
            operation_timeout: DEFAULT_OPERATION_TIMEOUT,
            schema: None,
        };
        let mut passed_on: Vec<(String, String)> = Vec::new();
        for (key, value) in parsed.query_pairs() {
            match key.as_ref() {
                "application_name" => {
                    config.application_named = true;
                    passed_on.push((key.into_owned(), value.into_owned()));
                }
                URL_POOL_SIZE => config.pool_size = positive(URL_POOL_SIZE, &value)?,
                URL_CONNECT_TIMEOUT => {
                    config.connect_timeout = Duration::from_secs(positive(URL_CONNECT_TIMEOUT, &value)?)
                }
                URL_STATEMENT_TIMEOUT => {
                    config.statement_timeout = Duration::from_millis(non_negative(URL_STATEMENT_TIMEOUT, &value)?)
                }
                URL_OPERATION_TIMEOUT => {
                    config.operation_timeout = Duration::from_secs(positive(URL_OPERATION_TIMEOUT, &value)?)
                }
                URL_SCHEMA => config.schema = Some(check_schema(URL_SCHEMA, &value)?),
                _ => passed_on.push((key.into_owned(), value.into_owned())),
            }
        }
        if passed_on.is_empty() {
            parsed.set_query(None);
        } else {
            parsed.query_pairs_mut().clear().extend_pairs(passed_on);
        }
        config.password = parsed
            .password()
            .map(|p| sqlx_core::percent_encoding::percent_decode_str(p).decode_utf8_lossy().into_owned())
            .or_else(|| parsed.query_pairs().find(|(k, _)| k == "password").map(|(_, v)| v.into_owned()));
        config.options = PgConnectOptions::from_str(parsed.as_str())
            .map_err(|e| bad_url(format!("'{redacted_url}' is not a usable PostgreSQL URL: {e}")))?;
        config.redacted_url = redacted_url;
        Ok(config)
    }

    /// Applies the `TASK_ORCHESTRATOR_PG_*` variables of this process over the URL's settings.
    pub fn with_env(self) -> Result<Self> {
        self.with_vars(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
    }

    /// Applies the `TASK_ORCHESTRATOR_PG_*` variables as `lookup` reports them (testable without touching the
    /// process environment).
    pub fn with_vars(mut self, lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        if let Some(v) = lookup(ENV_POOL_SIZE) {
            self.pool_size = positive(ENV_POOL_SIZE, &v)?;
        }
        if let Some(v) = lookup(ENV_CONNECT_TIMEOUT_SECS) {
            self.connect_timeout = Duration::from_secs(positive(ENV_CONNECT_TIMEOUT_SECS, &v)?);
        }
        if let Some(v) = lookup(ENV_STATEMENT_TIMEOUT_MS) {
            self.statement_timeout = Duration::from_millis(non_negative(ENV_STATEMENT_TIMEOUT_MS, &v)?);
        }
        if let Some(v) = lookup(ENV_OPERATION_TIMEOUT_SECS) {
            self.operation_timeout = Duration::from_secs(positive(ENV_OPERATION_TIMEOUT_SECS, &v)?);
        }
        if let Some(v) = lookup(ENV_SCHEMA) {
            self.schema = Some(check_schema(ENV_SCHEMA, v.trim())?);
        }
        Ok(self)
    }

    /// Uses this schema for the tables (created if missing).
    pub fn with_schema(mut self, schema: &str) -> Result<Self> {
        self.schema = Some(check_schema("schema", schema)?);
        Ok(self)
    }

    /// The URL with its password hidden.
    pub fn redacted_url(&self) -> &str {
        &self.redacted_url
    }

    /// The connect options for sqlx.
    pub(crate) fn connect_options(&self) -> PgConnectOptions {
        if self.application_named {
            self.options.clone()
        } else {
            // Names the sessions in pg_stat_activity, so operators can tell whose connections these are.
            self.options.clone().application_name("task-orchestrator")
        }
    }

    /// Removes the password from a message that may quote the URL or the server's answer.
    pub(crate) fn scrub(&self, message: String) -> String {
        match &self.password {
            Some(p) if !p.is_empty() && message.contains(p.as_str()) => message.replace(p.as_str(), "***"),
            _ => message,
        }
    }

    /// Where the database is, for messages: `host:port/database`.
    pub fn target(&self) -> String {
        format!(
            "{}:{}/{}",
            self.options.get_host(),
            self.options.get_port(),
            self.options.get_database().unwrap_or(self.options.get_username())
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn url_parameters_set_the_pool_and_timeouts_and_are_not_passed_to_the_driver() {
        let c = PgConfig::from_url(
            "postgres://app:s3cret@db.internal:6543/board?pool_size=3&connect_timeout=2&statement_timeout=1500\
             &operation_timeout=9&schema=team_a&sslmode=disable",
        )
        .unwrap();
        assert_eq!(c.pool_size, 3);
        assert_eq!(c.connect_timeout, Duration::from_secs(2));
        assert_eq!(c.statement_timeout, Duration::from_millis(1500));
        assert_eq!(c.operation_timeout, Duration::from_secs(9));
        assert_eq!(c.schema.as_deref(), Some("team_a"));
        assert_eq!(c.target(), "db.internal:6543/board");
        assert!(c.redacted_url().starts_with("postgres://app:***@db.internal:6543/board?"), "{}", c.redacted_url());
    }

    #[test]
    fn environment_overrides_the_url() {
        let c = PgConfig::from_url("postgresql://u@localhost/test?pool_size=3").unwrap();
        let vars = |name: &str| match name {
            ENV_POOL_SIZE => Some("7".to_string()),
            ENV_STATEMENT_TIMEOUT_MS => Some("0".to_string()),
            ENV_CONNECT_TIMEOUT_SECS => Some("11".to_string()),
            _ => None,
        };
        let c = c.with_vars(vars).unwrap();
        assert_eq!((c.pool_size, c.statement_timeout, c.connect_timeout.as_secs()), (7, Duration::ZERO, 11));
        assert_eq!(c.operation_timeout, DEFAULT_OPERATION_TIMEOUT);
        let bad = PgConfig::from_url("postgres://u@h/d")
            .unwrap()
            .with_vars(|n| (n == ENV_POOL_SIZE).then(|| "zero".to_string()));
        assert!(bad.unwrap_err().to_string().contains(ENV_POOL_SIZE));
    }

    #[test]
    fn passwords_never_appear_in_messages_or_debug_output() {
        let url = "postgres://app:hunter2@db/x?password=other";
        assert!(!redact_url(url).contains("hunter2"));
        assert!(!redact_url(url).contains("other"));
        let c = PgConfig::from_url("postgres://app:hunter2@db/x").unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
        assert_eq!(c.scrub("auth failed for hunter2".into()), "auth failed for ***");
        let err = PgConfig::from_url("postgres://app:hunter2@db/x?pool_size=-1").unwrap_err().to_string();
        assert!(!err.contains("hunter2"), "{err}");
        let err = PgConfig::from_url("mysql://app:hunter2@db/x").unwrap_err().to_string();
        assert!(!err.contains("hunter2") && err.contains("postgres://"), "{err}");
    }

    #[test]
    fn schema_names_are_plain_identifiers() {
        assert!(PgConfig::from_url("postgres://h/d?schema=a;drop").is_err());
        assert!(PgConfig::from_url("postgres://h/d?schema=1abc").is_err());
        assert!(PgConfig::from_url("postgres://h/d").unwrap().with_schema("ok_1").is_ok());
    }
}
