//! Where the database lives, from flags and the environment.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};

/// The database a command should use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// An SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL database (`postgres://` or `postgresql://` URL, password included: never print it raw).
    Postgres(String),
}

impl std::fmt::Display for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Database::Sqlite(p) => write!(f, "sqlite://{}", p.display()),
            Database::Postgres(url) => f.write_str(&orch_store_postgres::redact_url(url)),
        }
    }
}

/// The environment variables that locate the database.
#[derive(Debug, Clone, Default)]
pub struct DatabaseEnv {
    /// `DATABASE_URL`.
    pub database_url: Option<String>,
    /// `TASK_DB_PATH`.
    pub task_db_path: Option<String>,
    /// `MCP_HOME`.
    pub mcp_home: Option<String>,
}

impl DatabaseEnv {
    /// Reads the variables, ignoring empty ones.
    pub fn from_process() -> Self {
        let var = |k| std::env::var(k).ok().filter(|v: &String| !v.trim().is_empty());
        DatabaseEnv { database_url: var("DATABASE_URL"), task_db_path: var("TASK_DB_PATH"), mcp_home: var("MCP_HOME") }
    }
}

/// Resolves the database: `--db`, else `DATABASE_URL`, else `TASK_DB_PATH`, else `$MCP_HOME/tasks.db`, else the
/// platform data directory (`~/.local/share/task-orchestrator/tasks.db` on Linux).
pub fn resolve(flag: Option<&str>, env: &DatabaseEnv) -> Result<Database> {
    if let Some(url) = flag.or(env.database_url.as_deref()) {
        return parse_url(url);
    }
    if let Some(path) = &env.task_db_path {
        return Ok(Database::Sqlite(PathBuf::from(path)));
    }
    if let Some(home) = &env.mcp_home {
        return Ok(Database::Sqlite(PathBuf::from(home).join("tasks.db")));
    }
    let dir = dirs::data_dir().context(
        "cannot find a data directory for the database (no HOME?); set DATABASE_URL=sqlite://PATH or TASK_DB_PATH",
    )?;
    Ok(Database::Sqlite(dir.join("task-orchestrator").join("tasks.db")))
}

/// Parses `sqlite://PATH` (`sqlite:///abs/path` for absolute paths), `sqlite:PATH`, `postgres://…`/`postgresql://…`,
/// or a bare path.
pub fn parse_url(url: &str) -> Result<Database> {
    let url = url.trim();
    let without_query = url.split_once('?').map_or(url, |(p, _)| p);
    if let Some(rest) = without_query.strip_prefix("sqlite://").or_else(|| without_query.strip_prefix("sqlite:")) {
        if rest.is_empty() || rest == ":memory:" {
            bail!(
                "'{url}' names no database file; use sqlite://PATH, e.g. sqlite://./tasks.db or sqlite:///var/lib/tasks.db"
            );
        }
        return Ok(Database::Sqlite(PathBuf::from(rest)));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Database::Postgres(url.to_string()));
    }
    if url.contains("://") {
        bail!(
            "unsupported database URL '{}'; use sqlite://PATH or postgres://USER:PASSWORD@HOST/DATABASE",
            redact(url)
        );
    }
    Ok(Database::Sqlite(PathBuf::from(url)))
}

/// Hides a password in a URL before it goes into a message.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***@{}", &url[..s], &url[at + 1..]),
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn sqlite(p: &str) -> Database {
        Database::Sqlite(PathBuf::from(p))
    }

    #[test]
    fn precedence_is_flag_url_path_home() {
        let env = DatabaseEnv {
            database_url: Some("sqlite://from-url.db".into()),
            task_db_path: Some("/from/path.db".into()),
            mcp_home: Some("/home/mcp".into()),
        };
        assert_eq!(resolve(Some("sqlite:///flag.db"), &env).unwrap(), sqlite("/flag.db"));
        assert_eq!(resolve(None, &env).unwrap(), sqlite("from-url.db"));
        let env = DatabaseEnv { database_url: None, ..env };
        assert_eq!(resolve(None, &env).unwrap(), sqlite("/from/path.db"));
        let env = DatabaseEnv { task_db_path: None, ..env };
        assert_eq!(resolve(None, &env).unwrap(), sqlite("/home/mcp/tasks.db"));
    }

    #[test]
    fn url_forms() {
        assert_eq!(parse_url("sqlite:///var/lib/t.db?mode=rwc").unwrap(), sqlite("/var/lib/t.db"));
        assert_eq!(parse_url("sqlite:t.db").unwrap(), sqlite("t.db"));
        assert_eq!(parse_url("./t.db").unwrap(), sqlite("./t.db"));
        assert!(parse_url("sqlite://").is_err());
        let pg = parse_url("postgres://u:secret@db/x").unwrap();
        assert_eq!(pg, Database::Postgres("postgres://u:secret@db/x".into()));
        assert!(!pg.to_string().contains("secret"), "{pg}");
        assert!(matches!(parse_url("postgresql://db/x?sslmode=require").unwrap(), Database::Postgres(_)));
        let err = parse_url("mysql://u:secret@db/x").unwrap_err().to_string();
        assert!(!err.contains("secret"), "{err}");
        assert!(parse_url("mysql://x").is_err());
    }
}
