//! Reading the board's change log (migration 3): what a server holding a project in memory must re-read.
//!
//! Positions are transaction ids: the oldest transaction still running in the reader's snapshot. Every transaction
//! that commits later has an id at least that large, so reading the rows from there on never misses one; rows seen
//! before are read again, which is harmless.

use orch_core::{BoardChanges, Result, TaskId};
use sqlx_core::query_as::query_as;
use sqlx_core::query_scalar::query_scalar;
use sqlx_postgres::PgConnection;

use crate::error::db_err;
use crate::sql::load_tasks;

/// The position of the current snapshot.
pub(crate) async fn version(c: &mut PgConnection) -> Result<u64> {
    let v: i64 = query_scalar("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        .fetch_one(&mut *c)
        .await
        .map_err(db_err("read the change log position"))?;
    Ok(u64::try_from(v).unwrap_or(0))
}

/// The project's tasks written at or after position `since`, or `None` when the log was pruned past it. Must run
/// in a REPEATABLE READ transaction, so the position and the tasks come from one snapshot.
pub(crate) async fn since(c: &mut PgConnection, project: &str, since: u64) -> Result<Option<BoardChanges>> {
    let (now, horizon): (i64, i64) = query_as(
        "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint, \
                (SELECT txid::text::bigint FROM board_changes_horizon)",
    )
    .fetch_one(&mut *c)
    .await
    .map_err(db_err("read the change log position"))?;
    let Ok(since_i) = i64::try_from(since) else { return Ok(None) };
    if since_i < horizon || since_i > now {
        return Ok(None);
    }
    let ids: Vec<i64> = query_scalar(
        "SELECT DISTINCT task_id FROM board_changes WHERE project_id = $1 AND txid >= $2::text::xid8 ORDER BY task_id",
    )
    .bind(project)
    .bind(since_i.to_string())
    .fetch_all(&mut *c)
    .await
    .map_err(db_err("read the change log"))?;
    let ids: Vec<TaskId> = ids.into_iter().map(TaskId).collect();
    let mut changed = if ids.is_empty() { Vec::new() } else { load_tasks(c, &ids).await? };
    changed.retain(|t| t.project_id == project);
    let removed = ids.into_iter().filter(|id| changed.binary_search_by_key(id, |t| t.id).is_err()).collect();
    Ok(Some(BoardChanges { version: u64::try_from(now).unwrap_or(0), changed, removed }))
}
