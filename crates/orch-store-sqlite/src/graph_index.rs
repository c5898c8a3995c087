//! The graph's skeleton (ids, statuses, edges) for bounded graph reads: choosing which tasks a graph holds must not
//! load every task's text.

use orch_core::{Error, GraphIndex, Result, Status, TaskId};
use rusqlite::Transaction;

use crate::sql::db_err;

/// Every task's id and status in `project` (all projects when `None`), and the edges among them.
pub(crate) fn graph_index(tx: &Transaction<'_>, project: Option<&str>) -> Result<GraphIndex> {
    // Dependencies never cross projects, so an edge belongs to its dependent task's project.
    let (tasks_sql, edges_sql) = match project {
        Some(_) => (
            "SELECT id, status FROM tasks WHERE project_id = ?1 ORDER BY id",
            "SELECT d.task_id, d.depends_on_id FROM task_dependencies d JOIN tasks t ON t.id = d.task_id \
             WHERE t.project_id = ?1 ORDER BY d.task_id, d.depends_on_id",
        ),
        None => (
            "SELECT id, status FROM tasks ORDER BY id",
            "SELECT task_id, depends_on_id FROM task_dependencies ORDER BY task_id, depends_on_id",
        ),
    };
    let params: Vec<&str> = project.into_iter().collect();
    let mut stmt = tx.prepare_cached(tasks_sql).map_err(db_err("read the graph's tasks"))?;
    let tasks = stmt
        .query_map(rusqlite::params_from_iter(&params), |r| {
            let status: String = r.get(1)?;
            let status: Status = status.parse().map_err(|e: Error| {
                rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, e.into())
            })?;
            Ok((TaskId(r.get(0)?), status))
        })
        .map_err(db_err("read the graph's tasks"))?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(db_err("read the graph's tasks"))?;
    let mut stmt = tx.prepare_cached(edges_sql).map_err(db_err("read the graph's edges"))?;
    let edges = stmt
        .query_map(rusqlite::params_from_iter(&params), |r| Ok((TaskId(r.get(0)?), TaskId(r.get(1)?))))
        .map_err(db_err("read the graph's edges"))?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(db_err("read the graph's edges"))?;
    Ok(GraphIndex { tasks, edges })
}
