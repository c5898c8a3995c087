//! Turning sqlx errors into the domain's [`Error::Storage`] with messages that say what to do.

use orch_core::Error;
use sqlx_core::migrate::MigrateError;

use crate::config::{ENV_CONNECT_TIMEOUT_SECS, ENV_POOL_SIZE, ENV_STATEMENT_TIMEOUT_MS, PgConfig};

/// SQLSTATE of a transaction aborted to keep serializability.
const SERIALIZATION_FAILURE: &str = "40001";
/// SQLSTATE of a transaction aborted to break a deadlock.
const DEADLOCK_DETECTED: &str = "40P01";
/// SQLSTATE of a statement cancelled, here by `statement_timeout`.
const QUERY_CANCELED: &str = "57014";

/// Maps a sqlx error to a storage error saying what was being done.
pub(crate) fn db_err(action: &'static str) -> impl Fn(sqlx_core::Error) -> Error {
    move |e| Error::storage(format!("{action} failed: {e}"), e)
}

fn sqlx_source(e: &Error) -> Option<&sqlx_core::Error> {
    match e {
        Error::Storage { source: Some(source), .. } => source.downcast_ref::<sqlx_core::Error>(),
        _ => None,
    }
}

fn sqlstate(e: &sqlx_core::Error) -> Option<String> {
    e.as_database_error().and_then(|d| d.code()).map(|c| c.into_owned())
}

/// True when PostgreSQL rolled the transaction back only to resolve a conflict with another one, so running it
/// again is safe and will most likely succeed.
pub(crate) fn is_retryable(e: &Error) -> bool {
    sqlx_source(e).and_then(sqlstate).is_some_and(|code| code == SERIALIZATION_FAILURE || code == DEADLOCK_DETECTED)
}

/// Rewrites a storage error for the caller: connection trouble names the database and the setting to check, and
/// nothing in the message or its source may carry the URL's password.
pub(crate) fn explain(e: Error, what: &str, config: &PgConfig) -> Error {
    let Error::Storage { message, source } = e else {
        return e;
    };
    let hint = source.as_deref().and_then(|s| s.downcast_ref::<sqlx_core::Error>()).and_then(|s| match s {
        sqlx_core::Error::PoolTimedOut => Some(format!(
            "cannot {what}: no connection to PostgreSQL at {} within {}s; the database is down or unreachable, or \
             every pooled connection is busy (check the server, or raise {ENV_POOL_SIZE} / {ENV_CONNECT_TIMEOUT_SECS})",
            config.target(),
            config.connect_timeout.as_secs()
        )),
        sqlx_core::Error::Io(_) | sqlx_core::Error::Tls(_) | sqlx_core::Error::Protocol(_) => Some(format!(
            "cannot {what}: the connection to PostgreSQL at {} failed ({s}); the server is down, restarting or \
             unreachable (check it and sslmode); the next call reconnects",
            config.target()
        )),
        sqlx_core::Error::PoolClosed => Some(format!("cannot {what}: the PostgreSQL store was closed")),
        other if sqlstate(other).as_deref() == Some(QUERY_CANCELED) => Some(format!(
            "cannot {what}: a statement ran longer than the statement timeout ({} ms) and was cancelled; raise \
             {ENV_STATEMENT_TIMEOUT_MS} if the board is very large",
            config.statement_timeout.as_millis()
        )),
        other if sqlstate(other).is_some_and(|c| c.starts_with("08") || c.starts_with("57P")) => Some(format!(
            "cannot {what}: PostgreSQL at {} closed the connection ({other}); the next call reconnects",
            config.target()
        )),
        _ => None,
    });
    let message = config.scrub(hint.unwrap_or(message));
    // The source is printed in error chains; drop it rather than risk it quoting a password.
    let source = source.filter(|s| config.scrub(s.to_string()) == s.to_string());
    Error::Storage { message, source }
}

/// A migration failure as a storage error.
pub(crate) fn migration(e: MigrateError, config: &PgConfig) -> Error {
    let message = match &e {
        MigrateError::VersionMissing(v) => format!(
            "the database at {} has schema version {v}, which this build of task-orchestrator does not know; \
             upgrade task-orchestrator or point it at another database",
            config.target()
        ),
        MigrateError::VersionMismatch(v) => format!(
            "schema version {v} in the database at {} differs from this build's; the database was migrated by a \
             different build",
            config.target()
        ),
        MigrateError::Dirty(v) => format!(
            "schema migration {v} failed part-way in the database at {}; fix or restore the database, then delete the \
             failed row from _sqlx_migrations",
            config.target()
        ),
        MigrateError::Execute(inner) => {
            return explain(db_err("migrate the schema")(clone_sqlx(inner)), "migrate the schema", config);
        }
        other => format!("migrating the schema at {} failed: {other}", config.target()),
    };
    Error::Storage { message: config.scrub(message), source: None }
}

/// sqlx errors are not `Clone`; keep what [`explain`] looks at (the kind and the SQLSTATE text).
fn clone_sqlx(e: &sqlx_core::Error) -> sqlx_core::Error {
    match e {
        sqlx_core::Error::PoolTimedOut => sqlx_core::Error::PoolTimedOut,
        sqlx_core::Error::PoolClosed => sqlx_core::Error::PoolClosed,
        sqlx_core::Error::Io(io) => sqlx_core::Error::Io(std::io::Error::new(io.kind(), io.to_string())),
        other => sqlx_core::Error::Protocol(other.to_string()),
    }
}
