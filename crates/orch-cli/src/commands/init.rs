//! `init`: create the board for the repository here (or the database named by `--db`/the environment).

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use orch_store_postgres::PgStore;
use orch_store_sqlite::SqliteStore;
use serde::Serialize;

use super::print_json;
use crate::board;
use crate::config::{Board, Database, DatabaseEnv, Source};
use crate::outln;

/// Arguments of `init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The board's default project (default: the repository's directory name).
    #[arg(long)]
    pub project: Option<String>,
}

/// What `init --json` reports.
#[derive(Debug, Serialize)]
struct Initialized {
    database: String,
    /// The repository the board belongs to (absent for a database named by `--db` or the environment).
    #[serde(skip_serializing_if = "Option::is_none")]
    repository: Option<String>,
    default_project: String,
    /// False when the board existed already (its tasks are kept); absent when that cannot be told (PostgreSQL).
    #[serde(skip_serializing_if = "Option::is_none")]
    created: Option<bool>,
    /// Whether the repository's .gitignore already leaves the board out of git.
    #[serde(skip_serializing_if = "Option::is_none")]
    ignored_by_git: Option<bool>,
}

/// Creates the board: in the repository at or above `cwd` (the directory itself outside a repository), or the
/// database an explicit setting names.
pub async fn run(flag: Option<&str>, env: &DatabaseEnv, cwd: &Path, args: &InitArgs, json: bool) -> Result<ExitCode> {
    let explicit = crate::config::resolve(flag, env, cwd)?;
    if explicit.source.is_explicit() {
        return init_named(&explicit, json).await;
    }
    let root = board::find_repository(cwd).unwrap_or_else(|| cwd.to_path_buf());
    let (repo, existed) = board::create(&root, args.project.as_deref())?;
    SqliteStore::open(&repo.db).with_context(|| format!("cannot create the board {}", repo.db.display()))?;
    let ignored = board::ignored_by_git(&root);
    if json {
        print_json(&Initialized {
            database: Database::Sqlite(repo.db.clone()).to_string(),
            repository: Some(root.display().to_string()),
            default_project: repo.project.clone(),
            created: Some(!existed),
            ignored_by_git: Some(ignored),
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    let verb = if existed { "Reinitialised the existing" } else { "Initialised a new" };
    outln!("{verb} task board in {} (default project '{}').", repo.db.display(), repo.project);
    outln!(
        "Every command run under {} now uses it; `task-orchestrator where` says which board is in use.",
        root.display()
    );
    if !ignored && root.join(".git").exists() {
        outln!("The board is a local database; keep it out of git with:");
        outln!("    echo '{}/' >> {}", board::BOARD_DIR, root.join(".gitignore").display());
    }
    Ok(ExitCode::SUCCESS)
}

async fn init_named(board: &Board, json: bool) -> Result<ExitCode> {
    let created = match &board.db {
        Database::Sqlite(path) => Some(!path.exists()),
        Database::Postgres(_) => None,
    };
    match &board.db {
        Database::Sqlite(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
            }
            SqliteStore::open(path).with_context(|| format!("cannot create the database {}", board.db))?;
        }
        Database::Postgres(url) => {
            PgStore::connect_url(url).await.with_context(|| format!("cannot open the database {}", board.db))?;
        }
    }
    let source = match &board.source {
        Source::Flag => "--db",
        Source::DatabaseUrl => "DATABASE_URL",
        Source::TaskDbPath => "TASK_DB_PATH",
        _ => "MCP_HOME",
    };
    if json {
        print_json(&Initialized {
            database: board.db.to_string(),
            repository: None,
            default_project: orch_core::default_project().to_string(),
            ignored_by_git: None,
            created,
        })?;
    } else {
        outln!("Initialised the database {} (named by {source}); its schema is up to date.", board.db);
    }
    Ok(ExitCode::SUCCESS)
}
