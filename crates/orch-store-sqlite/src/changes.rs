//! Reading the board's change log (schema v3): what a reader holding a project in memory must re-read.

use orch_core::{BoardChanges, Result, TaskId};
use rusqlite::{OptionalExtension, Transaction, params};

use crate::sql::{db_err, load_tasks};

/// The newest change number (0 on a board nobody wrote to since the log exists).
pub(crate) fn version(tx: &Transaction<'_>) -> Result<u64> {
    // `sqlite_sequence` keeps the highest number ever handed out, even after the rows carrying it were pruned.
    let v: Option<i64> = tx
        .query_row("SELECT seq FROM sqlite_sequence WHERE name = 'board_changes'", [], |r| r.get(0))
        .optional()
        .map_err(db_err("read the change log"))?;
    Ok(v.unwrap_or(0).max(0) as u64)
}

/// The project's tasks written after `since`, or `None` when the log was pruned past it.
pub(crate) fn since(tx: &Transaction<'_>, project: &str, since: u64) -> Result<Option<BoardChanges>> {
    let version = version(tx)?;
    let since_i = i64::try_from(since).unwrap_or(i64::MAX);
    let oldest: Option<i64> =
        tx.query_row("SELECT MIN(seq) FROM board_changes", [], |r| r.get(0)).map_err(db_err("read the change log"))?;
    // Pruning removes the oldest rows: the log still reaches back to `since` when its oldest row is right after it
    // (or it is empty and nothing was written since).
    let reaches = match oldest {
        Some(o) => o <= since_i.saturating_add(1),
        None => since == version,
    };
    if since > version || !reaches {
        return Ok(None);
    }
    let mut stmt = tx
        .prepare_cached(
            "SELECT DISTINCT task_id FROM board_changes WHERE project_id = ?1 AND seq > ?2 ORDER BY task_id",
        )
        .map_err(db_err("read the change log"))?;
    let ids = stmt
        .query_map(params![project, since_i], |r| r.get::<_, i64>(0).map(TaskId))
        .map_err(db_err("read the change log"))?
        .collect::<rusqlite::Result<Vec<TaskId>>>()
        .map_err(db_err("read the change log"))?;
    let mut changed = load_tasks(tx, &ids)?;
    changed.retain(|t| t.project_id == project);
    let removed = ids.into_iter().filter(|id| changed.binary_search_by_key(id, |t| t.id).is_err()).collect();
    Ok(Some(BoardChanges { version, changed, removed }))
}
