//! The commands beyond the tools' one-to-one wrappers: the repository board and the everyday views.

pub mod completions;
pub mod everyday;
pub mod init;

use std::process::ExitCode;

use anyhow::Result;
use serde::Serialize;

use crate::config::Board;
use crate::outln;

/// Prints a value as pretty JSON.
pub fn print_json<T: Serialize>(value: &T) -> Result<()> {
    outln!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// What `where` reports.
#[derive(Debug, Serialize)]
pub struct Location {
    /// The database (a PostgreSQL password is hidden).
    pub database: String,
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    /// Where the setting came from, in words.
    pub source: String,
    /// The repository whose board this is, if it is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// The project commands use when none is named.
    pub default_project: String,
}

impl Location {
    /// The location of a resolved board.
    pub fn of(board: &Board) -> Self {
        Location {
            database: board.db.to_string(),
            backend: match board.db {
                crate::config::Database::Sqlite(_) => "sqlite",
                crate::config::Database::Postgres(_) => "postgres",
            },
            source: board.source.to_string(),
            repository: match &board.source {
                crate::config::Source::Repository(r) => Some(r.root.display().to_string()),
                _ => None,
            },
            default_project: orch_core::default_project().to_string(),
        }
    }
}

/// `where`: which board commands here use, and why.
pub fn where_(board: &Board, json: bool) -> Result<ExitCode> {
    let location = Location::of(board);
    if json {
        print_json(&location)?;
    } else {
        outln!("{}", location.database);
        outln!("{} board, {}; default project '{}'", board.backend(), location.source, location.default_project);
    }
    Ok(ExitCode::SUCCESS)
}
