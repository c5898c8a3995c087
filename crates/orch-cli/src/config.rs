//! Where the database lives, from flags and the environment.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::board::{RepoBoard, find_board};

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

/// Where the database setting came from, for `where`, `health` and the server's start-up line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `--db`.
    Flag,
    /// `DATABASE_URL`.
    DatabaseUrl,
    /// `TASK_DB_PATH`.
    TaskDbPath,
    /// `MCP_HOME`.
    McpHome,
    /// A repository's `.task-orchestrator/tasks.db`, found walking up from the current directory.
    Repository(RepoBoard),
    /// The platform data directory (the global board).
    DataDir,
}

impl Source {
    /// True when a person named the location (a missing directory there is a typo, not something to create).
    pub fn is_explicit(&self) -> bool {
        matches!(self, Source::Flag | Source::DatabaseUrl | Source::TaskDbPath | Source::McpHome)
    }

    /// The board's default project when it has its own.
    pub fn project(&self) -> Option<&str> {
        match self {
            Source::Repository(b) => Some(&b.project),
            _ => None,
        }
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Flag => f.write_str("from --db"),
            Source::DatabaseUrl => f.write_str("from DATABASE_URL"),
            Source::TaskDbPath => f.write_str("from TASK_DB_PATH"),
            Source::McpHome => f.write_str("from MCP_HOME"),
            Source::Repository(b) => write!(f, "the board of the repository {}", b.root.display()),
            Source::DataDir => {
                f.write_str("the global board (no repository board found; `task-orchestrator init` creates one)")
            }
        }
    }
}

/// A resolved database and why it is the one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Board {
    /// The database.
    pub db: Database,
    /// Where the setting came from.
    pub source: Source,
}

impl Board {
    /// "SQLite" or "PostgreSQL".
    pub fn backend(&self) -> &'static str {
        match self.db {
            Database::Sqlite(_) => "SQLite",
            Database::Postgres(_) => "PostgreSQL",
        }
    }
}

/// Resolves the database: `--db`, else `DATABASE_URL`, else `TASK_DB_PATH`, else `$MCP_HOME/tasks.db`, else the
/// nearest repository board at or above `cwd`, else the platform data directory
/// (`~/.local/share/task-orchestrator/tasks.db` on Linux). `~` is expanded in every path.
pub fn resolve(flag: Option<&str>, env: &DatabaseEnv, cwd: &Path) -> Result<Board> {
    if let Some(url) = flag {
        return Ok(Board { db: parse_url(url).context("in --db")?, source: Source::Flag });
    }
    if let Some(url) = &env.database_url {
        return Ok(Board { db: parse_url(url).context("in DATABASE_URL")?, source: Source::DatabaseUrl });
    }
    if let Some(path) = &env.task_db_path {
        return Ok(Board { db: Database::Sqlite(expand_tilde(path)), source: Source::TaskDbPath });
    }
    if let Some(home) = &env.mcp_home {
        return Ok(Board { db: Database::Sqlite(expand_tilde(home).join("tasks.db")), source: Source::McpHome });
    }
    if let Some(board) = find_board(cwd) {
        return Ok(Board { db: Database::Sqlite(board.db.clone()), source: Source::Repository(board) });
    }
    Ok(Board { db: Database::Sqlite(global_board()?), source: Source::DataDir })
}

/// The global board's file in the platform data directory.
pub fn global_board() -> Result<PathBuf> {
    let dir = dirs::data_dir().context(
        "cannot find a data directory for the database (no HOME?); set DATABASE_URL=sqlite://PATH or TASK_DB_PATH",
    )?;
    Ok(dir.join("task-orchestrator").join("tasks.db"))
}

/// `~` and `~/…` as the home directory; other paths unchanged.
pub fn expand_tilde(path: &str) -> PathBuf {
    let path = path.trim();
    let rest = if path == "~" { Some("") } else { path.strip_prefix("~/") };
    match (rest, dirs::home_dir()) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(path),
    }
}

/// Refuses an explicitly named SQLite file whose directory does not exist (a typo would otherwise create
/// directories anywhere); `init` creates it instead.
pub fn check_parent(board: &Board) -> Result<()> {
    let Database::Sqlite(path) = &board.db else { return Ok(()) };
    if !board.source.is_explicit() {
        return Ok(());
    }
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() && !dir.is_dir() => bail!(
            "the directory {} of the database {} ({}) does not exist; check the path, create the directory, or \
             run `task-orchestrator init` with the same setting to create it",
            dir.display(),
            path.display(),
            board.source
        ),
        _ => Ok(()),
    }
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
        return Ok(Database::Sqlite(expand_tilde(rest)));
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
    Ok(Database::Sqlite(expand_tilde(url)))
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
    fn precedence_is_flag_url_path_home_repository_global() {
        let tmp = tempfile::tempdir().unwrap();
        let cwd = tmp.path().join("repo/src");
        std::fs::create_dir_all(&cwd).unwrap();
        let db = |flag: Option<&str>, env: &DatabaseEnv| resolve(flag, env, &cwd).unwrap().db;
        let env = DatabaseEnv {
            database_url: Some("sqlite://from-url.db".into()),
            task_db_path: Some("/from/path.db".into()),
            mcp_home: Some("/home/mcp".into()),
        };
        assert_eq!(db(Some("sqlite:///flag.db"), &env), sqlite("/flag.db"));
        assert_eq!(db(None, &env), sqlite("from-url.db"));
        let env = DatabaseEnv { database_url: None, ..env };
        assert_eq!(db(None, &env), sqlite("/from/path.db"));
        let env = DatabaseEnv { task_db_path: None, ..env };
        assert_eq!(db(None, &env), sqlite("/home/mcp/tasks.db"));
        let env = DatabaseEnv::default();
        assert_eq!(resolve(None, &env, &cwd).unwrap().source, Source::DataDir);
        let repo = tmp.path().join("repo");
        crate::board::create(&repo, None).unwrap();
        std::fs::write(repo.join(".task-orchestrator/tasks.db"), b"").unwrap();
        let board = resolve(None, &env, &cwd).unwrap();
        assert_eq!(board.db, Database::Sqlite(repo.join(".task-orchestrator/tasks.db")));
        assert_eq!(board.source.project(), Some("repo"));
    }

    #[test]
    fn tilde_is_the_home_directory() {
        let home = dirs::home_dir().unwrap();
        assert_eq!(expand_tilde("~/proj/tasks.db"), home.join("proj/tasks.db"));
        assert_eq!(expand_tilde("~"), home);
        assert_eq!(expand_tilde("a/~/b"), PathBuf::from("a/~/b"));
        assert_eq!(parse_url("sqlite://~/t.db").unwrap(), Database::Sqlite(home.join("t.db")));
    }

    #[test]
    fn a_typo_in_an_explicit_path_is_an_error() {
        let board = Board { db: sqlite("/no/such/dir/t.db"), source: Source::Flag };
        let err = check_parent(&board).unwrap_err().to_string();
        assert!(err.contains("/no/such/dir") && err.contains("--db"), "{err}");
        assert!(check_parent(&Board { db: sqlite("/no/such/dir/t.db"), source: Source::DataDir }).is_ok());
        assert!(check_parent(&Board { db: sqlite("t.db"), source: Source::Flag }).is_ok());
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
