//! The graph's skeleton (ids, statuses, edges) for bounded graph reads: choosing which tasks a graph holds must not
//! load every task's text.

use orch_core::{Error, GraphIndex, Result, Status, TaskId};
use sqlx_core::query_as::query_as;
use sqlx_postgres::PgConnection;

use crate::error::db_err;

/// Every task's id and status in `project` (all projects when `None`), and the edges among them.
pub(crate) async fn graph_index(c: &mut PgConnection, project: Option<&str>) -> Result<GraphIndex> {
    // Dependencies never cross projects, so an edge belongs to its dependent task's project. `$1 IS NULL` keeps one
    // statement for both scopes.
    let tasks: Vec<(i64, String)> =
        query_as("SELECT id, status FROM tasks WHERE $1::text IS NULL OR project_id = $1 ORDER BY id")
            .bind(project)
            .fetch_all(&mut *c)
            .await
            .map_err(db_err("read the graph's tasks"))?;
    let edges: Vec<(i64, i64)> = query_as(
        "SELECT d.task_id, d.depends_on_id FROM task_dependencies d JOIN tasks t ON t.id = d.task_id \
         WHERE $1::text IS NULL OR t.project_id = $1 ORDER BY d.task_id, d.depends_on_id",
    )
    .bind(project)
    .fetch_all(&mut *c)
    .await
    .map_err(db_err("read the graph's edges"))?;
    let tasks = tasks
        .into_iter()
        .map(|(id, status)| {
            let status: Status = status
                .parse()
                .map_err(|e: Error| Error::storage(format!("read the graph's tasks failed: task #{id}: {e}"), e))?;
            Ok((TaskId(id), status))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(GraphIndex { tasks, edges: edges.into_iter().map(|(a, b)| (TaskId(a), TaskId(b))).collect() })
}
