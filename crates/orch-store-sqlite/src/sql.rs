//! The SQL behind each store operation. Every function runs inside the caller's transaction.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use orch_core::graph::cycle_if_added;
use orch_core::rows::{self, Columns};
use orch_core::rules::{self, ColumnValue};
use orch_core::{
    Analysis, CommitLink, Deletion, Document, Error, Execution, GraphData, NewCommitLink, NewDocument, NewExecution,
    NewTask, Result, Status, StatusChange, Task, TaskFilter, TaskId, TaskMetrics, TaskPage, TaskPatch, TaskQuery,
    TaskRef,
};
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, Row, Transaction, params, params_from_iter};

use crate::columns::Cols;

/// Maps a rusqlite error to a storage error saying what was being done.
pub(crate) fn db_err(action: &'static str) -> impl Fn(rusqlite::Error) -> Error {
    move |e| Error::storage(format!("{action} failed: {e}"), e)
}

/// Timestamps are stored as RFC 3339 UTC with milliseconds, which sort as text and parse in SQLite's date functions.
fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn now() -> DateTime<Utc> {
    let t = Utc::now();
    // Truncate to what is stored, so a value returned from memory equals the value read back.
    DateTime::parse_from_rfc3339(&ts(t)).map(|d| d.with_timezone(&Utc)).unwrap_or(t)
}

const TASK_COLUMNS: &str = "id, project_id, parent_id, title, description, details, status, priority, code_language, \
     execution_environment, task_type, assignee, claimed_at, estimated_hours, complexity_score, created_at, \
     updated_at, started_at, completed_at, external_key";

fn task_row(r: &Row<'_>) -> rusqlite::Result<Task> {
    rows::task(&Cols(r))
}

fn placeholders(n: usize) -> String {
    vec!["?"; n].join(",")
}

/// Fills in dependencies and tags of already-loaded tasks with two queries for the whole batch.
fn hydrate(tx: &Transaction<'_>, tasks: &mut [Task]) -> Result<()> {
    if tasks.is_empty() {
        return Ok(());
    }
    let index: BTreeMap<i64, usize> = tasks.iter().enumerate().map(|(i, t)| (t.id.0, i)).collect();
    // SQLite caps bound parameters; chunks keep large graph reads within it.
    for chunk in tasks.iter().map(|t| t.id.0).collect::<Vec<_>>().chunks(10_000) {
        let ph = placeholders(chunk.len());
        let mut deps = tx
            .prepare(&format!(
                "SELECT task_id, depends_on_id FROM task_dependencies WHERE task_id IN ({ph}) ORDER BY task_id, depends_on_id"
            ))
            .map_err(db_err("read dependencies"))?;
        let rows = deps
            .query_map(params_from_iter(chunk), |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))
            .map_err(db_err("read dependencies"))?;
        let mut pairs = Vec::new();
        for row in rows {
            pairs.push(row.map_err(db_err("read dependencies"))?);
        }
        let mut tags = tx
            .prepare(&format!("SELECT task_id, tag FROM task_tags WHERE task_id IN ({ph}) ORDER BY task_id, position"))
            .map_err(db_err("read tags"))?;
        let rows = tags
            .query_map(params_from_iter(chunk), |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
            .map_err(db_err("read tags"))?;
        let mut tag_pairs = Vec::new();
        for row in rows {
            tag_pairs.push(row.map_err(db_err("read tags"))?);
        }
        for (task, dep) in pairs {
            if let Some(&i) = index.get(&task) {
                tasks[i].dependencies.push(TaskId(dep));
            }
        }
        for (task, tag) in tag_pairs {
            if let Some(&i) = index.get(&task) {
                tasks[i].tags.push(tag);
            }
        }
    }
    Ok(())
}

fn query_tasks(tx: &Transaction<'_>, sql: &str, params: &[Value]) -> Result<Vec<Task>> {
    let mut stmt = tx.prepare_cached(sql).map_err(db_err("read tasks"))?;
    let rows = stmt.query_map(params_from_iter(params), task_row).map_err(db_err("read tasks"))?;
    let mut tasks = Vec::new();
    for row in rows {
        tasks.push(row.map_err(db_err("read tasks"))?);
    }
    hydrate(tx, &mut tasks)?;
    Ok(tasks)
}

pub(crate) fn load_task(tx: &Transaction<'_>, id: TaskId) -> Result<Task> {
    let sql = format!("SELECT {TASK_COLUMNS} FROM tasks WHERE id = ?");
    query_tasks(tx, &sql, &[Value::Integer(id.0)])?.pop().ok_or(Error::TaskNotFound(id))
}

pub(crate) fn load_tasks(tx: &Transaction<'_>, ids: &[TaskId]) -> Result<Vec<Task>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(10_000) {
        let sql = format!("SELECT {TASK_COLUMNS} FROM tasks WHERE id IN ({}) ORDER BY id", placeholders(chunk.len()));
        let params: Vec<Value> = chunk.iter().map(|id| Value::Integer(id.0)).collect();
        out.extend(query_tasks(tx, &sql, &params)?);
    }
    Ok(out)
}

fn refs(tx: &Transaction<'_>, sql: &str, id: TaskId) -> Result<Vec<TaskRef>> {
    let mut stmt = tx.prepare_cached(sql).map_err(db_err("read related tasks"))?;
    let rows = stmt.query_map([id.0], |r| rows::task_ref(&Cols(r))).map_err(db_err("read related tasks"))?;
    rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_err("read related tasks"))
}

fn project_of(tx: &Transaction<'_>, id: TaskId) -> Result<Option<String>> {
    tx.prepare_cached("SELECT project_id FROM tasks WHERE id = ?")
        .and_then(|mut s| s.query_row([id.0], |r| r.get(0)).optional())
        .map_err(db_err("read task project"))
}

fn exists(tx: &Transaction<'_>, id: TaskId) -> Result<()> {
    project_of(tx, id)?.map(|_| ()).ok_or(Error::TaskNotFound(id))
}

/// Ids among `ids` that are not tasks of `project`, sorted.
fn missing_in_project(tx: &Transaction<'_>, project: &str, ids: &[TaskId]) -> Result<Vec<TaskId>> {
    let mut missing = Vec::new();
    for &id in ids {
        if project_of(tx, id)?.as_deref() != Some(project) {
            missing.push(id);
        }
    }
    missing.sort();
    Ok(missing)
}

fn direct_prerequisites(tx: &Transaction<'_>, id: TaskId) -> Result<Vec<TaskId>> {
    let mut stmt = tx
        .prepare_cached("SELECT depends_on_id FROM task_dependencies WHERE task_id = ?")
        .map_err(db_err("read dependencies"))?;
    let rows = stmt.query_map([id.0], |r| Ok(TaskId(r.get(0)?))).map_err(db_err("read dependencies"))?;
    rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_err("read dependencies"))
}

fn insert_dependencies(tx: &Transaction<'_>, task: TaskId, deps: &[TaskId]) -> Result<()> {
    let mut stmt = tx
        .prepare_cached("INSERT OR IGNORE INTO task_dependencies (task_id, depends_on_id) VALUES (?, ?)")
        .map_err(db_err("write dependencies"))?;
    for d in deps {
        stmt.execute([task.0, d.0]).map_err(db_err("write dependencies"))?;
    }
    Ok(())
}

fn replace_tags(tx: &Transaction<'_>, task: TaskId, tags: &[String]) -> Result<()> {
    tx.prepare_cached("DELETE FROM task_tags WHERE task_id = ?")
        .and_then(|mut s| s.execute([task.0]))
        .map_err(db_err("write tags"))?;
    let mut stmt = tx
        .prepare_cached("INSERT INTO task_tags (task_id, tag, position) VALUES (?, ?, ?)")
        .map_err(db_err("write tags"))?;
    for (i, tag) in tags.iter().enumerate() {
        stmt.execute(params![task.0, tag, i as i64]).map_err(db_err("write tags"))?;
    }
    Ok(())
}

/// Inserts one task. Negative ids in `dependencies`/`parent_id` refer to `batch[-(id) - 1]`.
pub(crate) fn insert_task(tx: &Transaction<'_>, task: &NewTask, batch: &[TaskId]) -> Result<TaskId> {
    let parent = rules::new_task_parent(task, batch)?;
    let parent = match parent {
        Some(p) => Some((p, project_of(tx, p)?)),
        None => None,
    };
    let project = rules::new_task_project(task, parent.clone())?;
    let deps = rules::new_task_dependencies(task, batch)?;
    rules::ensure_found("dependencies", &project, missing_in_project(tx, &project, &deps)?)?;
    if let Some(key) = &task.external_key {
        let holder: Option<i64> = tx
            .prepare_cached("SELECT id FROM tasks WHERE project_id = ? AND external_key = ?")
            .and_then(|mut s| s.query_row(params![project, key], |r| r.get(0)).optional())
            .map_err(db_err("check external key"))?;
        if let Some(holder) = holder {
            return Err(rules::external_key_taken(key, &project, Some(TaskId(holder))));
        }
    }
    let at = ts(now());
    tx.prepare_cached(
        "INSERT INTO tasks (project_id, parent_id, title, description, details, priority, code_language, \
         execution_environment, task_type, estimated_hours, created_at, updated_at, external_key) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .and_then(|mut s| {
        s.execute(params![
            project,
            parent.map(|(p, _)| p.0),
            task.title,
            task.description,
            task.details,
            task.priority,
            task.code_language,
            task.execution_environment,
            task.task_type,
            task.estimated_hours,
            at,
            at,
            task.external_key
        ])
    })
    .map_err(db_err("insert task"))?;
    let id = TaskId(tx.last_insert_rowid());
    insert_dependencies(tx, id, &deps)?;
    replace_tags(tx, id, &task.tags)?;
    Ok(id)
}

fn touch(tx: &Transaction<'_>, id: TaskId, at: &str) -> Result<()> {
    tx.prepare_cached("UPDATE tasks SET updated_at = ? WHERE id = ?")
        .and_then(|mut s| s.execute(params![at, id.0]))
        .map_err(db_err("update task"))?;
    Ok(())
}

pub(crate) fn update_task(tx: &Transaction<'_>, id: TaskId, patch: &TaskPatch) -> Result<()> {
    let project = project_of(tx, id)?.ok_or(Error::TaskNotFound(id))?;
    rules::ensure_found("add_dependencies", &project, missing_in_project(tx, &project, &patch.add_dependencies)?)?;
    if !patch.remove_dependencies.is_empty() {
        let mut stmt = tx
            .prepare_cached("DELETE FROM task_dependencies WHERE task_id = ? AND depends_on_id = ?")
            .map_err(db_err("remove dependencies"))?;
        for d in &patch.remove_dependencies {
            stmt.execute([id.0, d.0]).map_err(db_err("remove dependencies"))?;
        }
    }
    for &dep in &patch.add_dependencies {
        if let Some(path) = cycle_if_added(id, dep, |t| direct_prerequisites(tx, t))? {
            return Err(Error::Cycle { path });
        }
        insert_dependencies(tx, id, &[dep])?;
    }
    let mut sets: Vec<String> = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    for (column, value) in rules::patch_assignments(patch) {
        sets.push(format!("{column} = ?"));
        values.push(match value {
            ColumnValue::Text(t) => t.map_or(Value::Null, |s| Value::Text(s.into())),
            ColumnValue::Integer(i) => Value::Integer(i.into()),
            ColumnValue::Real(r) => Value::Real(r),
        });
    }
    sets.push("updated_at = ?".into());
    values.push(Value::Text(ts(now())));
    values.push(Value::Integer(id.0));
    tx.execute(&format!("UPDATE tasks SET {} WHERE id = ?", sets.join(", ")), params_from_iter(values))
        .map_err(db_err("update task"))?;
    if let Some(tags) = &patch.tags {
        replace_tags(tx, id, tags)?;
    }
    Ok(())
}

pub(crate) fn set_status(tx: &Transaction<'_>, id: TaskId, status: Status, force: bool) -> Result<StatusChange> {
    let task = load_task(tx, id)?;
    let unfinished = refs(tx, UNFINISHED_PREREQUISITES, id)?;
    let Some(effects) = rules::status_change(&task, status, unfinished, force, now())? else {
        return Ok(StatusChange { previous: status, task });
    };
    let (release, at) = (effects.release_claim, effects.changed_at);
    tx.prepare_cached(
        "UPDATE tasks SET status = ?, started_at = ?, completed_at = ?, updated_at = ?, \
         assignee = CASE WHEN ? THEN NULL ELSE assignee END, claimed_at = CASE WHEN ? THEN NULL ELSE claimed_at END \
         WHERE id = ?",
    )
    .and_then(|mut s| {
        s.execute(params![
            status.as_str(),
            effects.started_at.map(ts),
            effects.completed_at.map(ts),
            ts(at),
            release,
            release,
            id.0
        ])
    })
    .map_err(db_err("update status"))?;
    record_history(tx, id, task.status, status, &ts(at))?;
    Ok(StatusChange { previous: task.status, task: load_task(tx, id)? })
}

const UNFINISHED_PREREQUISITES: &str = "SELECT t.id, t.title, t.status FROM task_dependencies d \
     JOIN tasks t ON t.id = d.depends_on_id WHERE d.task_id = ? AND t.status <> 'completed' ORDER BY t.id";

fn record_history(tx: &Transaction<'_>, id: TaskId, from: Status, to: Status, at: &str) -> Result<()> {
    tx.prepare_cached("INSERT INTO status_history (task_id, from_status, to_status, changed_at) VALUES (?, ?, ?, ?)")
        .and_then(|mut s| s.execute(params![id.0, from.as_str(), to.as_str(), at]))
        .map_err(db_err("record status history"))?;
    Ok(())
}

pub(crate) fn claim_first(tx: &Transaction<'_>, candidates: &[TaskId], assignee: &str) -> Result<Option<Task>> {
    for &id in candidates {
        let row: Option<(Status, Option<String>)> = tx
            .prepare_cached("SELECT status, assignee FROM tasks WHERE id = ?")
            .and_then(|mut s| s.query_row([id.0], |r| Ok((Cols(r).status(0)?, r.get(1)?))).optional())
            .map_err(db_err("read task"))?;
        let open = row.is_some_and(|(status, assignee)| rules::open_for_claim(status, assignee.as_deref()));
        if !open || !refs(tx, UNFINISHED_PREREQUISITES, id)?.is_empty() {
            continue;
        }
        let at = ts(now());
        tx.prepare_cached(
            "UPDATE tasks SET status = 'in_progress', assignee = ?, claimed_at = ?, \
             started_at = COALESCE(started_at, ?), completed_at = NULL, updated_at = ? WHERE id = ?",
        )
        .and_then(|mut s| s.execute(params![assignee, at, at, at, id.0]))
        .map_err(db_err("claim task"))?;
        record_history(tx, id, Status::Pending, Status::InProgress, &at)?;
        return load_task(tx, id).map(Some);
    }
    Ok(None)
}

pub(crate) fn release_stale_claims(tx: &Transaction<'_>, claimed_before: DateTime<Utc>) -> Result<Vec<TaskId>> {
    let stale: Vec<i64> = {
        let mut stmt = tx
            .prepare_cached(
                "SELECT id FROM tasks WHERE status = 'in_progress' AND claimed_at IS NOT NULL AND claimed_at < ? \
                 ORDER BY id",
            )
            .map_err(db_err("read stale claims"))?;
        let rows = stmt.query_map([ts(claimed_before)], |r| r.get(0)).map_err(db_err("read stale claims"))?;
        rows.collect::<rusqlite::Result<_>>().map_err(db_err("read stale claims"))?
    };
    let at = ts(now());
    for &id in &stale {
        tx.prepare_cached(
            "UPDATE tasks SET status = 'pending', assignee = NULL, claimed_at = NULL, updated_at = ? WHERE id = ?",
        )
        .and_then(|mut s| s.execute(params![at, id]))
        .map_err(db_err("release claim"))?;
        record_history(tx, TaskId(id), Status::InProgress, Status::Pending, &at)?;
    }
    Ok(stale.into_iter().map(TaskId).collect())
}

pub(crate) fn delete_task(tx: &Transaction<'_>, id: TaskId, force: bool) -> Result<Deletion> {
    exists(tx, id)?;
    if !force {
        let dependents = refs(
            tx,
            "SELECT t.id, t.title, t.status FROM task_dependencies d JOIN tasks t ON t.id = d.task_id \
             WHERE d.depends_on_id = ? ORDER BY t.id",
            id,
        )?;
        let subtasks = refs(tx, "SELECT id, title, status FROM tasks WHERE parent_id = ? ORDER BY id", id)?;
        rules::ensure_deletable(id, dependents, subtasks)?;
    }
    let subtree: Vec<i64> = {
        let mut stmt = tx
            .prepare_cached(
                "WITH RECURSIVE sub(id) AS (SELECT ? UNION SELECT t.id FROM tasks t JOIN sub ON t.parent_id = sub.id) \
                 SELECT id FROM sub ORDER BY id",
            )
            .map_err(db_err("read subtasks"))?;
        let rows = stmt.query_map([id.0], |r| r.get(0)).map_err(db_err("read subtasks"))?;
        rows.collect::<rusqlite::Result<_>>().map_err(db_err("read subtasks"))?
    };
    let ph = placeholders(subtree.len());
    let detached: Vec<TaskId> = {
        let mut stmt = tx
            .prepare(&format!(
                "SELECT DISTINCT task_id FROM task_dependencies WHERE depends_on_id IN ({ph}) \
                 AND task_id NOT IN ({ph}) ORDER BY task_id"
            ))
            .map_err(db_err("read dependents"))?;
        let rows = stmt
            .query_map(params_from_iter(subtree.iter().chain(subtree.iter())), |r| Ok(TaskId(r.get(0)?)))
            .map_err(db_err("read dependents"))?;
        rows.collect::<rusqlite::Result<_>>().map_err(db_err("read dependents"))?
    };
    let at = ts(now());
    for &d in &detached {
        touch(tx, d, &at)?;
    }
    tx.execute(&format!("DELETE FROM tasks WHERE id IN ({ph})"), params_from_iter(&subtree))
        .map_err(db_err("delete tasks"))?;
    Ok(Deletion { deleted: subtree.into_iter().map(TaskId).collect(), detached_dependents: detached })
}

/// A `WHERE` clause (always non-empty) and its parameters for a filter.
fn where_clause(f: &TaskFilter) -> (String, Vec<Value>) {
    let mut conds = vec!["1 = 1".to_string()];
    let mut params = Vec::new();
    if let Some(p) = &f.project_id {
        conds.push("project_id = ?".into());
        params.push(Value::Text(p.clone()));
    }
    if let Some(s) = f.status {
        conds.push("status = ?".into());
        params.push(Value::Text(s.as_str().into()));
    }
    if let Some(l) = &f.code_language {
        conds.push("code_language = ?".into());
        params.push(Value::Text(l.clone()));
    }
    if let Some(p) = f.parent_id {
        conds.push("parent_id = ?".into());
        params.push(Value::Integer(p.0));
    }
    if !f.tags.is_empty() {
        conds.push(format!(
            "id IN (SELECT task_id FROM task_tags WHERE tag IN ({}) GROUP BY task_id HAVING COUNT(*) = {})",
            placeholders(f.tags.len()),
            f.tags.len()
        ));
        params.extend(f.tags.iter().map(|t| Value::Text(t.clone())));
    }
    (conds.join(" AND "), params)
}

pub(crate) fn list_tasks(tx: &Transaction<'_>, q: &TaskQuery) -> Result<TaskPage> {
    let (cond, mut params) = where_clause(&q.filter);
    let total: i64 = tx
        .prepare_cached(&format!("SELECT COUNT(*) FROM tasks WHERE {cond}"))
        .and_then(|mut s| s.query_row(params_from_iter(&params), |r| r.get(0)))
        .map_err(db_err("count tasks"))?;
    params.push(Value::Integer(q.limit.into()));
    params.push(Value::Integer(i64::try_from(q.offset).unwrap_or(i64::MAX)));
    let tasks = query_tasks(
        tx,
        &format!("SELECT {TASK_COLUMNS} FROM tasks WHERE {cond} ORDER BY id LIMIT ? OFFSET ?"),
        &params,
    )?;
    Ok(TaskPage { tasks, total: total.max(0) as u64 })
}

fn grouped<K>(
    tx: &Transaction<'_>,
    sql: &str,
    params: &[Value],
    key: impl Fn(&Row<'_>) -> rusqlite::Result<K>,
) -> Result<Vec<(K, u64)>> {
    let mut stmt = tx.prepare_cached(sql).map_err(db_err("compute metrics"))?;
    let rows = stmt
        .query_map(params_from_iter(params), |r| Ok((key(r)?, r.get::<_, i64>(1)?.max(0) as u64)))
        .map_err(db_err("compute metrics"))?;
    rows.collect::<rusqlite::Result<_>>().map_err(db_err("compute metrics"))
}

pub(crate) fn metrics(tx: &Transaction<'_>, f: &TaskFilter) -> Result<TaskMetrics> {
    let (cond, params) = where_clause(f);
    let status_counts: BTreeMap<Status, u64> =
        grouped(tx, &format!("SELECT status, COUNT(*) FROM tasks WHERE {cond} GROUP BY status"), &params, |r| {
            Cols(r).status(0)
        })?
        .into_iter()
        .collect();
    let priority_counts: BTreeMap<u8, u64> =
        grouped(tx, &format!("SELECT priority, COUNT(*) FROM tasks WHERE {cond} GROUP BY priority"), &params, |r| {
            r.get(0)
        })?
        .into_iter()
        .collect();
    let by_language = grouped(
        tx,
        &format!(
            "SELECT code_language, COUNT(*) FROM tasks WHERE {cond} GROUP BY code_language ORDER BY code_language"
        ),
        &params,
        |r| r.get(0),
    )?;
    // Cycle times sorted in SQL; the median needs only the middle one or two rows.
    let cycle = format!(
        "SELECT (julianday(completed_at) - julianday(started_at)) * 24.0 AS h FROM tasks \
         WHERE {cond} AND status = 'completed' AND started_at IS NOT NULL AND completed_at IS NOT NULL"
    );
    let samples: i64 = tx
        .prepare_cached(&format!("SELECT COUNT(*) FROM ({cycle})"))
        .and_then(|mut s| s.query_row(params_from_iter(&params), |r| r.get(0)))
        .map_err(db_err("compute cycle time"))?;
    let median = if samples == 0 {
        None
    } else {
        let mut p = params.clone();
        p.push(Value::Integer(2 - samples % 2));
        p.push(Value::Integer((samples - 1) / 2));
        let mids: Vec<f64> = {
            let mut stmt = tx
                .prepare_cached(&format!("{cycle} ORDER BY h LIMIT ? OFFSET ?"))
                .map_err(db_err("compute cycle time"))?;
            let rows = stmt.query_map(params_from_iter(&p), |r| r.get(0)).map_err(db_err("compute cycle time"))?;
            rows.collect::<rusqlite::Result<_>>().map_err(db_err("compute cycle time"))?
        };
        Some(mids.iter().sum::<f64>() / mids.len().max(1) as f64)
    };
    Ok(rules::board_metrics(&status_counts, &priority_counts, by_language, median, samples.max(0) as u64))
}

/// Fills in dependencies and tags for every task of a project with two joined scans, which beats binding every id
/// when the whole project is read.
fn hydrate_project(tx: &Transaction<'_>, project: &str, tasks: &mut [Task]) -> Result<Vec<(TaskId, TaskId)>> {
    let index: std::collections::HashMap<i64, usize> = tasks.iter().enumerate().map(|(i, t)| (t.id.0, i)).collect();
    let mut edges = Vec::new();
    {
        let mut stmt = tx
            .prepare_cached(
                "SELECT d.task_id, d.depends_on_id FROM tasks t JOIN task_dependencies d ON d.task_id = t.id \
                 WHERE t.project_id = ? ORDER BY d.task_id, d.depends_on_id",
            )
            .map_err(db_err("read edges"))?;
        let mut rows = stmt.query([project]).map_err(db_err("read edges"))?;
        while let Some(r) = rows.next().map_err(db_err("read edges"))? {
            let (task, dep): (i64, i64) =
                (r.get(0).map_err(db_err("read edges"))?, r.get(1).map_err(db_err("read edges"))?);
            if let Some(&i) = index.get(&task) {
                tasks[i].dependencies.push(TaskId(dep));
            }
            edges.push((TaskId(task), TaskId(dep)));
        }
    }
    let mut stmt = tx
        .prepare_cached(
            "SELECT g.task_id, g.tag FROM tasks t JOIN task_tags g ON g.task_id = t.id WHERE t.project_id = ? \
             ORDER BY g.task_id, g.position",
        )
        .map_err(db_err("read tags"))?;
    let mut rows = stmt.query([project]).map_err(db_err("read tags"))?;
    while let Some(r) = rows.next().map_err(db_err("read tags"))? {
        let task: i64 = r.get(0).map_err(db_err("read tags"))?;
        if let Some(&i) = index.get(&task) {
            tasks[i].tags.push(r.get(1).map_err(db_err("read tags"))?);
        }
    }
    Ok(edges)
}

pub(crate) fn graph(tx: &Transaction<'_>, project: Option<&str>) -> Result<GraphData> {
    let Some(project) = project else {
        let tasks = query_tasks(tx, &format!("SELECT {TASK_COLUMNS} FROM tasks ORDER BY id"), &[])?;
        let mut stmt = tx
            .prepare_cached("SELECT task_id, depends_on_id FROM task_dependencies ORDER BY task_id, depends_on_id")
            .map_err(db_err("read edges"))?;
        let rows = stmt.query_map([], |r| Ok((TaskId(r.get(0)?), TaskId(r.get(1)?)))).map_err(db_err("read edges"))?;
        let edges = rows.collect::<rusqlite::Result<_>>().map_err(db_err("read edges"))?;
        return Ok(GraphData { tasks, edges });
    };
    let mut tasks = {
        let mut stmt = tx
            .prepare_cached(&format!("SELECT {TASK_COLUMNS} FROM tasks WHERE project_id = ? ORDER BY id"))
            .map_err(db_err("read tasks"))?;
        let rows = stmt.query_map([project], task_row).map_err(db_err("read tasks"))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_err("read tasks"))?
    };
    let edges = hydrate_project(tx, project, &mut tasks)?;
    Ok(GraphData { tasks, edges })
}

fn commit_row(r: &Row<'_>) -> rusqlite::Result<CommitLink> {
    rows::commit(&Cols(r))
}

const COMMIT_COLUMNS: &str = "id, task_id, commit_hash, commit_message, author, timestamp";

pub(crate) fn link_commit(tx: &Transaction<'_>, link: &NewCommitLink) -> Result<(CommitLink, bool)> {
    exists(tx, link.task_id)?;
    let inserted = tx
        .prepare_cached(
            "INSERT INTO git_commits (task_id, commit_hash, commit_message, author, timestamp) VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT (task_id, commit_hash) DO NOTHING",
        )
        .and_then(|mut s| {
            s.execute(params![link.task_id.0, link.commit_hash, link.commit_message, link.author, ts(now())])
        })
        .map_err(db_err("link commit"))?;
    let stored = tx
        .prepare_cached(&format!("SELECT {COMMIT_COLUMNS} FROM git_commits WHERE task_id = ? AND commit_hash = ?"))
        .and_then(|mut s| s.query_row(params![link.task_id.0, link.commit_hash], commit_row))
        .map_err(db_err("read commit link"))?;
    Ok((stored, inserted == 1))
}

pub(crate) fn commits(tx: &Transaction<'_>, task: TaskId) -> Result<Vec<CommitLink>> {
    rows_of_task(
        tx,
        task,
        &format!("SELECT {COMMIT_COLUMNS} FROM git_commits WHERE task_id = ? ORDER BY id"),
        commit_row,
        "read commits",
    )
}

/// The rows a task owns (commits, executions, analyses), oldest first; `TaskNotFound` for an unknown task.
fn rows_of_task<T>(
    tx: &Transaction<'_>,
    task: TaskId,
    sql: &str,
    row: fn(&Row<'_>) -> rusqlite::Result<T>,
    action: &'static str,
) -> Result<Vec<T>> {
    exists(tx, task)?;
    let mut stmt = tx.prepare_cached(sql).map_err(db_err(action))?;
    let rows = stmt.query_map([task.0], row).map_err(db_err(action))?;
    rows.collect::<rusqlite::Result<_>>().map_err(db_err(action))
}

const EXECUTION_COLUMNS: &str = "id, task_id, language, code, output, error, exit_code, execution_time, timed_out, \
     truncated, isolation, limits, timestamp";

fn execution_row(r: &Row<'_>) -> rusqlite::Result<Execution> {
    rows::execution(&Cols(r))
}

pub(crate) fn record_execution(tx: &Transaction<'_>, e: NewExecution) -> Result<Execution> {
    exists(tx, e.task_id)?;
    tx.prepare_cached(
        "INSERT INTO code_executions (task_id, language, code, output, error, exit_code, execution_time, timed_out, \
         truncated, isolation, limits, timestamp) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .and_then(|mut s| {
        s.execute(params![
            e.task_id.0,
            e.language,
            e.code,
            e.output,
            e.error,
            e.exit_code,
            e.execution_time,
            e.timed_out,
            e.truncated,
            e.isolation,
            e.limits.to_string(),
            ts(now())
        ])
    })
    .map_err(db_err("record execution"))?;
    let id = tx.last_insert_rowid();
    tx.prepare_cached(&format!("SELECT {EXECUTION_COLUMNS} FROM code_executions WHERE id = ?"))
        .and_then(|mut s| s.query_row([id], execution_row))
        .map_err(db_err("read execution"))
}

pub(crate) fn executions(tx: &Transaction<'_>, task: TaskId) -> Result<Vec<Execution>> {
    let sql = format!("SELECT {EXECUTION_COLUMNS} FROM code_executions WHERE task_id = ? ORDER BY id");
    rows_of_task(tx, task, &sql, execution_row, "read executions")
}

fn analysis_row(r: &Row<'_>) -> rusqlite::Result<Analysis> {
    rows::analysis(&Cols(r))
}

const ANALYSIS_COLUMNS: &str = "id, task_id, kind, result, task_updated_at, created_at";

pub(crate) fn record_analysis(
    tx: &Transaction<'_>,
    task: TaskId,
    kind: &str,
    result: &serde_json::Value,
    complexity_score: Option<f64>,
) -> Result<Analysis> {
    let updated_at: String = tx
        .prepare_cached("SELECT updated_at FROM tasks WHERE id = ?")
        .and_then(|mut s| s.query_row([task.0], |r| r.get(0)).optional())
        .map_err(db_err("read task"))?
        .ok_or(Error::TaskNotFound(task))?;
    tx.prepare_cached(
        "INSERT INTO task_analyses (task_id, kind, result, task_updated_at, created_at) VALUES (?, ?, ?, ?, ?)",
    )
    .and_then(|mut s| s.execute(params![task.0, kind, result.to_string(), updated_at, ts(now())]))
    .map_err(db_err("record analysis"))?;
    if let Some(score) = complexity_score {
        tx.prepare_cached("UPDATE tasks SET complexity_score = ? WHERE id = ?")
            .and_then(|mut s| s.execute(params![score, task.0]))
            .map_err(db_err("record complexity score"))?;
    }
    let id = tx.last_insert_rowid();
    tx.prepare_cached(&format!("SELECT {ANALYSIS_COLUMNS} FROM task_analyses WHERE id = ?"))
        .and_then(|mut s| s.query_row([id], analysis_row))
        .map_err(db_err("read analysis"))
}

pub(crate) fn analyses(tx: &Transaction<'_>, task: TaskId) -> Result<Vec<Analysis>> {
    let sql = format!("SELECT {ANALYSIS_COLUMNS} FROM task_analyses WHERE task_id = ? ORDER BY id");
    rows_of_task(tx, task, &sql, analysis_row, "read analyses")
}

pub(crate) fn completed_history(tx: &Transaction<'_>, project: &str, limit: u32) -> Result<Vec<Task>> {
    query_tasks(
        tx,
        &format!(
            "SELECT {TASK_COLUMNS} FROM tasks WHERE project_id = ? AND status = 'completed' \
             AND started_at IS NOT NULL AND completed_at IS NOT NULL ORDER BY completed_at DESC, id DESC LIMIT ?"
        ),
        &[Value::Text(project.into()), Value::Integer(limit.into())],
    )
}

pub(crate) fn transitive_dependents(tx: &Transaction<'_>, id: TaskId) -> Result<Vec<TaskId>> {
    exists(tx, id)?;
    let mut stmt = tx
        .prepare_cached(
            "WITH RECURSIVE dep(id) AS (SELECT task_id FROM task_dependencies WHERE depends_on_id = ? \
             UNION SELECT d.task_id FROM task_dependencies d JOIN dep ON d.depends_on_id = dep.id) \
             SELECT id FROM dep ORDER BY id",
        )
        .map_err(db_err("read dependents"))?;
    let rows = stmt.query_map([id.0], |r| Ok(TaskId(r.get(0)?))).map_err(db_err("read dependents"))?;
    rows.collect::<rusqlite::Result<_>>().map_err(db_err("read dependents"))
}

pub(crate) fn find_by_external_keys(tx: &Transaction<'_>, project: &str, keys: &[String]) -> Result<Vec<Task>> {
    let mut out = Vec::new();
    for chunk in keys.chunks(500) {
        let mut params = vec![Value::Text(project.into())];
        params.extend(chunk.iter().map(|k| Value::Text(k.clone())));
        out.extend(query_tasks(
            tx,
            &format!(
                "SELECT {TASK_COLUMNS} FROM tasks WHERE project_id = ? AND external_key IN ({}) ORDER BY id",
                placeholders(chunk.len())
            ),
            &params,
        )?);
    }
    out.sort_by_key(|t| t.id);
    Ok(out)
}

/// Full-text search through the FTS5 index `tasks_fts` (schema v2), best bm25 rank first.
pub(crate) fn search_tasks(
    tx: &Transaction<'_>,
    project: Option<&str>,
    words: &[String],
    limit: u32,
) -> Result<Vec<Task>> {
    // Each word quoted (FTS5 syntax in the text is never interpreted) and matched as a prefix; all must occur.
    let query: Vec<String> = words.iter().map(|w| format!("\"{}\"*", w.replace('"', ""))).collect();
    let sql = format!(
        "SELECT {TASK_COLUMNS} FROM tasks JOIN (SELECT rowid AS hit, bm25(tasks_fts) AS score FROM tasks_fts \
         WHERE tasks_fts MATCH ?1) ON hit = tasks.id WHERE ?2 IS NULL OR project_id = ?2 ORDER BY score, id LIMIT ?3"
    );
    let project = project.map_or(Value::Null, |p| Value::Text(p.into()));
    query_tasks(tx, &sql, &[Value::Text(query.join(" ")), project, Value::Integer(i64::from(limit))])
}

pub(crate) fn save_document(tx: &Transaction<'_>, d: &NewDocument) -> Result<Document> {
    let at = ts(now());
    tx.prepare_cached(
        "INSERT INTO documents (project_id, kind, content_hash, title, content, parsed, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (project_id, kind, content_hash) DO UPDATE SET \
         title = excluded.title, content = excluded.content, parsed = excluded.parsed, updated_at = excluded.updated_at",
    )
    .and_then(|mut s| {
        s.execute(params![d.project_id, d.kind, d.content_hash, d.title, d.content, d.parsed.to_string(), at, at])
    })
    .map_err(db_err("save document"))?;
    tx.prepare_cached(
        "SELECT id, project_id, kind, content_hash, title, content, parsed, created_at, updated_at FROM documents \
         WHERE project_id = ? AND kind = ? AND content_hash = ?",
    )
    .and_then(|mut s| s.query_row(params![d.project_id, d.kind, d.content_hash], |r| rows::document(&Cols(r))))
    .map_err(db_err("read document"))
}
