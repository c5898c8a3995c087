//! The SQL behind each store operation. Every function runs on the caller's connection, inside its transaction.
//!
//! Every decision comes from `orch_core::rules`, as in `orch-store-sqlite/src/sql.rs`; what differs is PostgreSQL's:
//! explicit row locks where SQLite's single writer made them unnecessary, arrays instead of `IN (?, ?, …)` lists, and
//! one statement where several round trips would be needed.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::convert::Infallible;

use chrono::{DateTime, SubsecRound, Utc};
use orch_core::graph::cycle_if_added;
use orch_core::rows;
use orch_core::rules::{self, ColumnValue};
use orch_core::{
    Analysis, CommitLink, Deletion, Document, Error, Execution, GraphData, NewCommitLink, NewDocument, NewExecution,
    NewTask, Result, Status, StatusChange, Task, TaskFilter, TaskId, TaskMetrics, TaskPage, TaskPatch, TaskQuery,
    TaskRef,
};
use sqlx_core::query::query;
use sqlx_core::query_as::query_as;
use sqlx_core::query_builder::QueryBuilder;
use sqlx_core::query_scalar::query_scalar;
use sqlx_core::row::Row;
use sqlx_core::types::Json;
use sqlx_postgres::{PgConnection, PgRow, Postgres};

use crate::columns::PgCols;
use crate::error::db_err;

/// Namespace (first key) of the per-project advisory locks taken by dependency edits: the two-key form keeps them
/// apart from single-key advisory locks such as sqlx's migration lock. ASCII "orch".
const DEPENDENCY_LOCK_CLASS: i32 = 0x6f72_6368;

/// Timestamps are kept at millisecond precision, as the SQLite store keeps them, so a board copied between the two
/// reads back equal and a value returned from memory equals the value read back.
fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(3)
}

/// PostgreSQL text cannot hold U+0000 (SQLite's can); it becomes U+FFFD, the replacement character.
fn txt(s: &str) -> Cow<'_, str> {
    if s.contains('\0') { Cow::Owned(s.replace('\0', "\u{FFFD}")) } else { Cow::Borrowed(s) }
}

fn otxt(s: Option<&str>) -> Option<Cow<'_, str>> {
    s.map(txt)
}

/// JSONB rejects `\u0000` in strings and keys; it becomes U+FFFD as in [`txt`].
pub(crate) fn pg_json(v: &serde_json::Value) -> Cow<'_, serde_json::Value> {
    fn has_nul(v: &serde_json::Value) -> bool {
        match v {
            serde_json::Value::String(s) => s.contains('\0'),
            serde_json::Value::Array(a) => a.iter().any(has_nul),
            serde_json::Value::Object(o) => o.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
            _ => false,
        }
    }
    fn clean(v: &serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::String(s) => serde_json::Value::String(txt(s).into_owned()),
            serde_json::Value::Array(a) => serde_json::Value::Array(a.iter().map(clean).collect()),
            serde_json::Value::Object(o) => {
                serde_json::Value::Object(o.iter().map(|(k, v)| (txt(k).into_owned(), clean(v))).collect())
            }
            other => other.clone(),
        }
    }
    if has_nul(v) { Cow::Owned(clean(v)) } else { Cow::Borrowed(v) }
}

fn decode_err(e: impl std::error::Error + Send + Sync + 'static) -> sqlx_core::Error {
    sqlx_core::Error::Decode(Box::new(e))
}

fn parse_status(s: &str) -> Result<Status, sqlx_core::Error> {
    s.parse::<Status>().map_err(decode_err)
}

/// The task columns plus its dependencies and tags, so one statement reads whole tasks; `t` must be a row of `tasks`.
macro_rules! task_columns {
    () => {
        "SELECT t.id, t.project_id, t.parent_id, t.title, t.description, t.details, t.status, t.priority, \
         t.code_language, t.execution_environment, t.task_type, t.assignee, t.claimed_at, t.estimated_hours, \
         t.complexity_score, t.created_at, t.updated_at, t.started_at, t.completed_at, t.external_key, \
         ARRAY(SELECT d.depends_on_id FROM task_dependencies d WHERE d.task_id = t.id ORDER BY d.depends_on_id) \
         AS dependencies, \
         ARRAY(SELECT g.tag FROM task_tags g WHERE g.task_id = t.id ORDER BY g.position) AS tags "
    };
}

/// Whole tasks read from `tasks t`.
macro_rules! task_select {
    () => {
        concat!(task_columns!(), "FROM tasks t ")
    };
}

/// A whole task from a row of [`task_columns!`]: the task's columns, then its dependencies and tags.
fn task_row(r: &PgRow) -> Result<Task, sqlx_core::Error> {
    let mut task = rows::task(&PgCols(r))?;
    task.dependencies = r.try_get::<Vec<i64>, _>(20)?.into_iter().map(TaskId).collect();
    task.tags = r.try_get(21)?;
    Ok(task)
}

fn task_rows(rows: Vec<PgRow>) -> Result<Vec<Task>> {
    rows.iter().map(task_row).collect::<Result<_, _>>().map_err(db_err("decode tasks"))
}

fn ids(ids: &[TaskId]) -> Vec<i64> {
    ids.iter().map(|t| t.0).collect()
}

pub(crate) async fn load_task(c: &mut PgConnection, id: TaskId) -> Result<Task> {
    let row = query(concat!(task_select!(), "WHERE t.id = $1"))
        .bind(id.0)
        .fetch_optional(&mut *c)
        .await
        .map_err(db_err("read the task"))?;
    let row = row.ok_or(Error::TaskNotFound(id))?;
    task_row(&row).map_err(db_err("decode the task"))
}

/// The task, locked against concurrent writers until the transaction ends.
async fn load_task_for_update(c: &mut PgConnection, id: TaskId) -> Result<Task> {
    let row = query(concat!(task_select!(), "WHERE t.id = $1 FOR UPDATE OF t"))
        .bind(id.0)
        .fetch_optional(&mut *c)
        .await
        .map_err(db_err("lock the task"))?;
    let row = row.ok_or(Error::TaskNotFound(id))?;
    task_row(&row).map_err(db_err("decode the task"))
}

pub(crate) async fn load_tasks(c: &mut PgConnection, task_ids: &[TaskId]) -> Result<Vec<Task>> {
    let rows = query(concat!(task_select!(), "WHERE t.id = ANY($1) ORDER BY t.id"))
        .bind(ids(task_ids))
        .fetch_all(&mut *c)
        .await
        .map_err(db_err("read tasks"))?;
    task_rows(rows)
}

fn ref_row(r: &PgRow) -> Result<TaskRef, sqlx_core::Error> {
    rows::task_ref(&PgCols(r))
}

async fn refs(c: &mut PgConnection, sql: &'static str, id: TaskId) -> Result<Vec<TaskRef>> {
    let rows = query(sql).bind(id.0).fetch_all(&mut *c).await.map_err(db_err("read related tasks"))?;
    rows.iter().map(ref_row).collect::<Result<_, _>>().map_err(db_err("read related tasks"))
}

/// The task's project, or `None` when it does not exist. `lock` takes a KEY SHARE lock, which keeps the task from
/// being deleted (but not from being edited) until the transaction ends: a task being referenced stays referenceable.
async fn project_of(c: &mut PgConnection, id: TaskId, lock: bool) -> Result<Option<String>> {
    let sql = if lock {
        "SELECT project_id FROM tasks WHERE id = $1 FOR KEY SHARE"
    } else {
        "SELECT project_id FROM tasks WHERE id = $1"
    };
    query_scalar(sql).bind(id.0).fetch_optional(&mut *c).await.map_err(db_err("read the task's project"))
}

/// `TaskNotFound` unless the task exists; keeps it from being deleted until the transaction ends.
async fn exists(c: &mut PgConnection, id: TaskId) -> Result<()> {
    project_of(c, id, true).await?.map(|_| ()).ok_or(Error::TaskNotFound(id))
}

/// Ids among `wanted` that are not tasks of `project`, sorted (repeats kept, as the SQLite store reports them). The
/// found ones are locked against deletion until the transaction ends.
async fn missing_in_project(c: &mut PgConnection, project: &str, wanted: &[TaskId]) -> Result<Vec<TaskId>> {
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let found: BTreeSet<i64> =
        query_scalar::<_, i64>("SELECT id FROM tasks WHERE id = ANY($1) AND project_id = $2 FOR KEY SHARE")
            .bind(ids(wanted))
            .bind(project)
            .fetch_all(&mut *c)
            .await
            .map_err(db_err("check references"))?
            .into_iter()
            .collect();
    let mut missing: Vec<TaskId> = wanted.iter().copied().filter(|id| !found.contains(&id.0)).collect();
    missing.sort();
    Ok(missing)
}

async fn insert_dependencies(c: &mut PgConnection, task: TaskId, deps: &[TaskId]) -> Result<()> {
    if deps.is_empty() {
        return Ok(());
    }
    query(
        "INSERT INTO task_dependencies (task_id, depends_on_id) SELECT $1, d FROM unnest($2::bigint[]) AS d \
         ON CONFLICT DO NOTHING",
    )
    .bind(task.0)
    .bind(ids(deps))
    .execute(&mut *c)
    .await
    .map_err(db_err("write dependencies"))?;
    Ok(())
}

async fn insert_tags(c: &mut PgConnection, task: TaskId, tags: &[String]) -> Result<()> {
    if tags.is_empty() {
        return Ok(());
    }
    let tags: Vec<String> = tags.iter().map(|t| txt(t).into_owned()).collect();
    query(
        "INSERT INTO task_tags (task_id, tag, position) \
         SELECT $1, tag, (ord - 1)::integer FROM unnest($2::text[]) WITH ORDINALITY AS x(tag, ord)",
    )
    .bind(task.0)
    .bind(tags)
    .execute(&mut *c)
    .await
    .map_err(db_err("write tags"))?;
    Ok(())
}

/// Inserts one task. Negative ids in `dependencies`/`parent_id` refer to `batch[-(id) - 1]`.
pub(crate) async fn insert_task(c: &mut PgConnection, task: &NewTask, batch: &[TaskId]) -> Result<TaskId> {
    let parent = match rules::new_task_parent(task, batch)? {
        Some(p) => Some((p, project_of(c, p, true).await?)),
        None => None,
    };
    let project = rules::new_task_project(task, parent.clone())?;
    let deps = rules::new_task_dependencies(task, batch)?;
    rules::ensure_found("dependencies", &project, missing_in_project(c, &project, &deps).await?)?;
    let at = now();
    // ON CONFLICT instead of a check first: two concurrent imports of the same key cannot both pass a check.
    let inserted: Option<i64> = query_scalar(
        "INSERT INTO tasks (project_id, parent_id, title, description, details, priority, code_language, \
         execution_environment, task_type, estimated_hours, created_at, updated_at, external_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12) \
         ON CONFLICT (project_id, external_key) WHERE external_key IS NOT NULL DO NOTHING RETURNING id",
    )
    .bind(txt(&project))
    .bind(parent.map(|(p, _)| p.0))
    .bind(txt(&task.title))
    .bind(otxt(task.description.as_deref()))
    .bind(otxt(task.details.as_deref()))
    .bind(i32::from(task.priority))
    .bind(otxt(task.code_language.as_deref()))
    .bind(otxt(task.execution_environment.as_deref()))
    .bind(otxt(task.task_type.as_deref()))
    .bind(task.estimated_hours)
    .bind(at)
    .bind(otxt(task.external_key.as_deref()))
    .fetch_optional(&mut *c)
    .await
    .map_err(db_err("insert the task"))?;
    let Some(id) = inserted else {
        let key = task.external_key.clone().unwrap_or_default();
        let holder: Option<i64> = query_scalar("SELECT id FROM tasks WHERE project_id = $1 AND external_key = $2")
            .bind(&project)
            .bind(txt(&key))
            .fetch_optional(&mut *c)
            .await
            .map_err(db_err("check the external key"))?;
        return Err(rules::external_key_taken(&key, &project, holder.map(TaskId)));
    };
    let id = TaskId(id);
    insert_dependencies(c, id, &deps).await?;
    insert_tags(c, id, &task.tags).await?;
    Ok(id)
}

/// Every dependency edge reachable from `from` by following "depends on", as an adjacency map.
async fn reachable_prerequisites(c: &mut PgConnection, from: TaskId) -> Result<BTreeMap<TaskId, Vec<TaskId>>> {
    let edges: Vec<(i64, i64)> = query_as(
        "WITH RECURSIVE reach(id) AS (SELECT $1::bigint \
           UNION SELECT d.depends_on_id FROM task_dependencies d JOIN reach ON d.task_id = reach.id) \
         SELECT d.task_id, d.depends_on_id FROM task_dependencies d JOIN reach ON d.task_id = reach.id",
    )
    .bind(from.0)
    .fetch_all(&mut *c)
    .await
    .map_err(db_err("read dependencies"))?;
    let mut map: BTreeMap<TaskId, Vec<TaskId>> = BTreeMap::new();
    for (task, pre) in edges {
        map.entry(TaskId(task)).or_default().push(TaskId(pre));
    }
    Ok(map)
}

pub(crate) async fn update_task(c: &mut PgConnection, id: TaskId, patch: &TaskPatch) -> Result<()> {
    let project = project_of(c, id, false).await?.ok_or(Error::TaskNotFound(id))?;
    if !patch.add_dependencies.is_empty() {
        // Serialises every edge addition in this project (edges never cross projects): the cycle check below then
        // sees every edge committed before, and no other transaction can add an edge until this one ends. Taken
        // before the row lock, in the same order everywhere, so the two cannot deadlock.
        query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
            .bind(DEPENDENCY_LOCK_CLASS)
            .bind(&project)
            .execute(&mut *c)
            .await
            .map_err(db_err("lock the project's dependency graph"))?;
    }
    // The row lock orders this edit with status changes of the same task (which check its prerequisites).
    let locked: Option<i32> = query_scalar("SELECT 1 FROM tasks WHERE id = $1 FOR UPDATE")
        .bind(id.0)
        .fetch_optional(&mut *c)
        .await
        .map_err(db_err("lock the task"))?;
    locked.ok_or(Error::TaskNotFound(id))?;
    rules::ensure_found("add_dependencies", &project, missing_in_project(c, &project, &patch.add_dependencies).await?)?;
    if !patch.remove_dependencies.is_empty() {
        query("DELETE FROM task_dependencies WHERE task_id = $1 AND depends_on_id = ANY($2)")
            .bind(id.0)
            .bind(ids(&patch.remove_dependencies))
            .execute(&mut *c)
            .await
            .map_err(db_err("remove dependencies"))?;
    }
    for &dep in &patch.add_dependencies {
        let graph = if dep == id { BTreeMap::new() } else { reachable_prerequisites(c, dep).await? };
        let lookup = |t: TaskId| Ok::<_, Infallible>(graph.get(&t).cloned().unwrap_or_default());
        if let Ok(Some(path)) = cycle_if_added(id, dep, lookup) {
            return Err(Error::Cycle { path });
        }
        insert_dependencies(c, id, &[dep]).await?;
    }
    let mut b: QueryBuilder<Postgres> = QueryBuilder::new("UPDATE tasks SET ");
    for (column, value) in rules::patch_assignments(patch) {
        b.push(column).push(" = ");
        match value {
            ColumnValue::Text(t) => b.push_bind(otxt(t).map(Cow::into_owned)),
            ColumnValue::Integer(i) => b.push_bind(i),
            ColumnValue::Real(r) => b.push_bind(r),
        };
        b.push(", ");
    }
    b.push("updated_at = ").push_bind(now()).push(" WHERE id = ").push_bind(id.0);
    b.build().execute(&mut *c).await.map_err(db_err("update the task"))?;
    if let Some(tags) = &patch.tags {
        query("DELETE FROM task_tags WHERE task_id = $1")
            .bind(id.0)
            .execute(&mut *c)
            .await
            .map_err(db_err("write tags"))?;
        insert_tags(c, id, tags).await?;
    }
    Ok(())
}

/// The prerequisites of a task, locked FOR SHARE so none can change status (be reopened) until this transaction
/// ends; returns those not completed, ordered by id.
async fn unfinished_prerequisites(c: &mut PgConnection, id: TaskId) -> Result<Vec<TaskRef>> {
    let all = refs(
        c,
        "SELECT t.id, t.title, t.status FROM tasks t \
         WHERE t.id IN (SELECT depends_on_id FROM task_dependencies WHERE task_id = $1) ORDER BY t.id FOR SHARE",
        id,
    )
    .await?;
    Ok(all.into_iter().filter(|r| r.status != Status::Completed).collect())
}

async fn record_history(c: &mut PgConnection, id: TaskId, from: Status, to: Status, at: DateTime<Utc>) -> Result<()> {
    query("INSERT INTO status_history (task_id, from_status, to_status, changed_at) VALUES ($1, $2, $3, $4)")
        .bind(id.0)
        .bind(from.as_str())
        .bind(to.as_str())
        .bind(at)
        .execute(&mut *c)
        .await
        .map_err(db_err("record the status history"))?;
    Ok(())
}

pub(crate) async fn set_status(c: &mut PgConnection, id: TaskId, status: Status, force: bool) -> Result<StatusChange> {
    let task = load_task_for_update(c, id).await?;
    let unfinished = unfinished_prerequisites(c, id).await?;
    let Some(effects) = rules::status_change(&task, status, unfinished, force, now())? else {
        return Ok(StatusChange { previous: status, task });
    };
    query(
        "UPDATE tasks SET status = $1, started_at = $2, completed_at = $3, updated_at = $4, \
         assignee = CASE WHEN $5 THEN NULL ELSE assignee END, claimed_at = CASE WHEN $5 THEN NULL ELSE claimed_at END \
         WHERE id = $6",
    )
    .bind(status.as_str())
    .bind(effects.started_at)
    .bind(effects.completed_at)
    .bind(effects.changed_at)
    .bind(effects.release_claim)
    .bind(id.0)
    .execute(&mut *c)
    .await
    .map_err(db_err("update the status"))?;
    record_history(c, id, task.status, status, effects.changed_at).await?;
    Ok(StatusChange { previous: task.status, task: load_task(c, id).await? })
}

/// Picks the first candidate (in the caller's order) that looks claimable and locks it; rows another claimer holds
/// are skipped rather than waited for, so concurrent claimers spread over the candidates instead of queueing.
const CLAIM_PICK: &str = "SELECT t.id FROM tasks t JOIN unnest($1::bigint[]) WITH ORDINALITY AS c(id, ord) ON c.id = t.id \
     WHERE t.status = 'pending' AND t.assignee IS NULL \
       AND NOT EXISTS (SELECT 1 FROM task_dependencies d JOIN tasks p ON p.id = d.depends_on_id \
                       WHERE d.task_id = t.id AND p.status <> 'completed') \
     ORDER BY c.ord LIMIT 1 FOR UPDATE OF t SKIP LOCKED";

pub(crate) async fn claim_first(c: &mut PgConnection, candidates: &[TaskId], assignee: &str) -> Result<Option<Task>> {
    let mut remaining = ids(candidates);
    while !remaining.is_empty() {
        let picked: Option<i64> = query_scalar(CLAIM_PICK)
            .bind(&remaining)
            .fetch_optional(&mut *c)
            .await
            .map_err(db_err("pick a task to claim"))?;
        let Some(picked) = picked else {
            return Ok(None);
        };
        let id = TaskId(picked);
        // The pick's snapshot may predate a concurrent commit; under the row lock, read the row and the
        // prerequisites again (locking those FOR SHARE) before deciding.
        let row: Option<(String, Option<String>)> = query_as("SELECT status, assignee FROM tasks WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&mut *c)
            .await
            .map_err(db_err("read the task"))?;
        let still_open = row.is_some_and(|(status, assignee)| {
            parse_status(&status).is_ok_and(|status| rules::open_for_claim(status, assignee.as_deref()))
        });
        if !still_open || !unfinished_prerequisites(c, id).await?.is_empty() {
            remaining.retain(|&x| x != picked);
            continue;
        }
        let at = now();
        query(
            "UPDATE tasks SET status = 'in_progress', assignee = $1, claimed_at = $2, \
             started_at = COALESCE(started_at, $2), completed_at = NULL, updated_at = $2 WHERE id = $3",
        )
        .bind(txt(assignee))
        .bind(at)
        .bind(id.0)
        .execute(&mut *c)
        .await
        .map_err(db_err("claim the task"))?;
        record_history(c, id, Status::Pending, Status::InProgress, at).await?;
        return load_task(c, id).await.map(Some);
    }
    Ok(None)
}

pub(crate) async fn release_stale_claims(c: &mut PgConnection, claimed_before: DateTime<Utc>) -> Result<Vec<TaskId>> {
    // One statement: the release and its history rows are one atomic change.
    let released: Vec<i64> = query_scalar(
        "WITH released AS ( \
           UPDATE tasks SET status = 'pending', assignee = NULL, claimed_at = NULL, updated_at = $2 \
           WHERE status = 'in_progress' AND claimed_at IS NOT NULL AND claimed_at < $1 RETURNING id), \
         history AS ( \
           INSERT INTO status_history (task_id, from_status, to_status, changed_at) \
           SELECT id, 'in_progress', 'pending', $2 FROM released) \
         SELECT id FROM released ORDER BY id",
    )
    .bind(claimed_before)
    .bind(now())
    .fetch_all(&mut *c)
    .await
    .map_err(db_err("release stale claims"))?;
    Ok(released.into_iter().map(TaskId).collect())
}

pub(crate) async fn delete_task(c: &mut PgConnection, id: TaskId, force: bool) -> Result<Deletion> {
    // FOR UPDATE conflicts with the KEY SHARE locks that creates and edits take on the tasks they reference, so no
    // new dependent or subtask can appear between the check and the delete.
    let locked: Option<i32> = query_scalar("SELECT 1 FROM tasks WHERE id = $1 FOR UPDATE")
        .bind(id.0)
        .fetch_optional(&mut *c)
        .await
        .map_err(db_err("lock the task"))?;
    locked.ok_or(Error::TaskNotFound(id))?;
    if !force {
        let dependents = refs(
            c,
            "SELECT t.id, t.title, t.status FROM task_dependencies d JOIN tasks t ON t.id = d.task_id \
             WHERE d.depends_on_id = $1 ORDER BY t.id",
            id,
        )
        .await?;
        let subtasks = refs(c, "SELECT id, title, status FROM tasks WHERE parent_id = $1 ORDER BY id", id).await?;
        rules::ensure_deletable(id, dependents, subtasks)?;
    }
    let subtree: Vec<i64> = query_scalar(
        "WITH RECURSIVE sub(id) AS (SELECT $1::bigint UNION SELECT t.id FROM tasks t JOIN sub ON t.parent_id = sub.id) \
         SELECT id FROM sub ORDER BY id",
    )
    .bind(id.0)
    .fetch_all(&mut *c)
    .await
    .map_err(db_err("read subtasks"))?;
    let detached: Vec<i64> = query_scalar(
        "SELECT DISTINCT task_id FROM task_dependencies WHERE depends_on_id = ANY($1) AND NOT (task_id = ANY($1)) \
         ORDER BY task_id",
    )
    .bind(&subtree)
    .fetch_all(&mut *c)
    .await
    .map_err(db_err("read dependents"))?;
    if !detached.is_empty() {
        query("UPDATE tasks SET updated_at = $1 WHERE id = ANY($2)")
            .bind(now())
            .bind(&detached)
            .execute(&mut *c)
            .await
            .map_err(db_err("update dependents"))?;
    }
    query("DELETE FROM tasks WHERE id = ANY($1)")
        .bind(&subtree)
        .execute(&mut *c)
        .await
        .map_err(db_err("delete tasks"))?;
    Ok(Deletion {
        deleted: subtree.into_iter().map(TaskId).collect(),
        detached_dependents: detached.into_iter().map(TaskId).collect(),
    })
}

/// Appends ` WHERE …` for a filter (always present, `TRUE` when the filter is empty).
fn push_filter(b: &mut QueryBuilder<Postgres>, f: &TaskFilter) {
    b.push(" WHERE TRUE");
    if let Some(p) = &f.project_id {
        b.push(" AND t.project_id = ").push_bind(p.clone());
    }
    if let Some(s) = f.status {
        b.push(" AND t.status = ").push_bind(s.as_str());
    }
    if let Some(l) = &f.code_language {
        b.push(" AND t.code_language = ").push_bind(l.clone());
    }
    if let Some(p) = f.parent_id {
        b.push(" AND t.parent_id = ").push_bind(p.0);
    }
    if !f.tags.is_empty() {
        b.push(" AND t.id IN (SELECT task_id FROM task_tags WHERE tag = ANY(")
            .push_bind(f.tags.clone())
            .push(") GROUP BY task_id HAVING COUNT(*) = ")
            .push_bind(i64::try_from(f.tags.len()).unwrap_or(i64::MAX))
            .push(")");
    }
}

async fn count(c: &mut PgConnection, f: &TaskFilter) -> Result<u64> {
    let mut b = QueryBuilder::new("SELECT COUNT(*) FROM tasks t");
    push_filter(&mut b, f);
    let n: i64 = b.build_query_scalar().fetch_one(&mut *c).await.map_err(db_err("count tasks"))?;
    Ok(n.max(0).unsigned_abs())
}

pub(crate) async fn list_tasks(c: &mut PgConnection, q: &TaskQuery) -> Result<TaskPage> {
    let total = count(c, &q.filter).await?;
    // The page is cut first and only its rows get their dependencies and tags: PostgreSQL would otherwise compute the
    // select list for every row OFFSET skips.
    let mut b = QueryBuilder::new(concat!(task_columns!(), "FROM (SELECT * FROM tasks t"));
    push_filter(&mut b, &q.filter);
    b.push(" ORDER BY t.id LIMIT ")
        .push_bind(i64::from(q.limit))
        .push(" OFFSET ")
        .push_bind(i64::try_from(q.offset).unwrap_or(i64::MAX))
        .push(") t ORDER BY t.id");
    let rows = b.build().fetch_all(&mut *c).await.map_err(db_err("read tasks"))?;
    Ok(TaskPage { tasks: task_rows(rows)?, total })
}

fn as_count(n: i64) -> u64 {
    n.max(0).unsigned_abs()
}

pub(crate) async fn metrics(c: &mut PgConnection, f: &TaskFilter) -> Result<TaskMetrics> {
    let mut b = QueryBuilder::new("SELECT t.status, COUNT(*) FROM tasks t");
    push_filter(&mut b, f);
    b.push(" GROUP BY t.status");
    let rows: Vec<(String, i64)> = b.build_query_as().fetch_all(&mut *c).await.map_err(db_err("compute metrics"))?;
    let mut status_counts: BTreeMap<Status, u64> = BTreeMap::new();
    for (s, n) in rows {
        status_counts.insert(parse_status(&s).map_err(db_err("compute metrics"))?, as_count(n));
    }

    let mut b = QueryBuilder::new("SELECT t.priority, COUNT(*) FROM tasks t");
    push_filter(&mut b, f);
    b.push(" GROUP BY t.priority");
    let rows: Vec<(i32, i64)> = b.build_query_as().fetch_all(&mut *c).await.map_err(db_err("compute metrics"))?;
    // Priorities outside 0..=4 (the schema forbids them) would have no bucket to count in.
    let priority_counts: BTreeMap<u8, u64> =
        rows.into_iter().filter_map(|(p, n)| Some((u8::try_from(p).ok()?, as_count(n)))).collect();

    // Byte order with NULL first, the order SQLite gives, whatever the database's collation.
    let mut b = QueryBuilder::new("SELECT t.code_language, COUNT(*) FROM tasks t");
    push_filter(&mut b, f);
    b.push(" GROUP BY t.code_language ORDER BY t.code_language COLLATE \"C\" NULLS FIRST");
    let rows: Vec<(Option<String>, i64)> =
        b.build_query_as().fetch_all(&mut *c).await.map_err(db_err("compute metrics"))?;
    let by_language = rows.into_iter().map(|(l, n)| (l, as_count(n))).collect();

    // percentile_cont(0.5) is the middle value, or the mean of the two middle values: the same median the SQLite
    // store computes.
    let mut b = QueryBuilder::new(
        "SELECT COUNT(*), percentile_cont(0.5) WITHIN GROUP \
         (ORDER BY (EXTRACT(EPOCH FROM (t.completed_at - t.started_at)) / 3600.0)::double precision) FROM tasks t",
    );
    push_filter(&mut b, f);
    b.push(" AND t.status = 'completed' AND t.started_at IS NOT NULL AND t.completed_at IS NOT NULL");
    let (samples, median): (i64, Option<f64>) =
        b.build_query_as().fetch_one(&mut *c).await.map_err(db_err("compute the cycle time"))?;

    Ok(rules::board_metrics(&status_counts, &priority_counts, by_language, median, as_count(samples)))
}

pub(crate) async fn graph(c: &mut PgConnection, project: Option<&str>) -> Result<GraphData> {
    let (rows, edges) = match project {
        Some(p) => {
            let rows = query(concat!(task_select!(), "WHERE t.project_id = $1 ORDER BY t.id"))
                .bind(p)
                .fetch_all(&mut *c)
                .await
                .map_err(db_err("read tasks"))?;
            let edges: Vec<(i64, i64)> = query_as(
                "SELECT d.task_id, d.depends_on_id FROM task_dependencies d JOIN tasks t ON t.id = d.task_id \
                 WHERE t.project_id = $1 ORDER BY d.task_id, d.depends_on_id",
            )
            .bind(p)
            .fetch_all(&mut *c)
            .await
            .map_err(db_err("read edges"))?;
            (rows, edges)
        }
        None => {
            let rows = query(concat!(task_select!(), "ORDER BY t.id"))
                .fetch_all(&mut *c)
                .await
                .map_err(db_err("read tasks"))?;
            let edges: Vec<(i64, i64)> =
                query_as("SELECT task_id, depends_on_id FROM task_dependencies ORDER BY task_id, depends_on_id")
                    .fetch_all(&mut *c)
                    .await
                    .map_err(db_err("read edges"))?;
            (rows, edges)
        }
    };
    Ok(GraphData { tasks: task_rows(rows)?, edges: edges.into_iter().map(|(a, b)| (TaskId(a), TaskId(b))).collect() })
}

fn commit_row(r: &PgRow) -> Result<CommitLink, sqlx_core::Error> {
    rows::commit(&PgCols(r))
}

pub(crate) async fn link_commit(c: &mut PgConnection, link: &NewCommitLink) -> Result<(CommitLink, bool)> {
    exists(c, link.task_id).await?;
    let inserted = query(
        "INSERT INTO git_commits (task_id, commit_hash, commit_message, author, timestamp) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (task_id, commit_hash) DO NOTHING \
         RETURNING id, task_id, commit_hash, commit_message, author, timestamp",
    )
    .bind(link.task_id.0)
    .bind(txt(&link.commit_hash))
    .bind(otxt(link.commit_message.as_deref()))
    .bind(otxt(link.author.as_deref()))
    .bind(now())
    .fetch_optional(&mut *c)
    .await
    .map_err(db_err("link the commit"))?;
    if let Some(row) = inserted {
        return Ok((commit_row(&row).map_err(db_err("read the commit link"))?, true));
    }
    let row = query(
        "SELECT id, task_id, commit_hash, commit_message, author, timestamp FROM git_commits \
         WHERE task_id = $1 AND commit_hash = $2",
    )
    .bind(link.task_id.0)
    .bind(txt(&link.commit_hash))
    .fetch_one(&mut *c)
    .await
    .map_err(db_err("read the commit link"))?;
    Ok((commit_row(&row).map_err(db_err("read the commit link"))?, false))
}

pub(crate) async fn commits(c: &mut PgConnection, task: TaskId) -> Result<Vec<CommitLink>> {
    rows_of_task(
        c,
        task,
        "SELECT id, task_id, commit_hash, commit_message, author, timestamp FROM git_commits WHERE task_id = $1 \
         ORDER BY id",
        commit_row,
        "read commits",
    )
    .await
}

/// The rows a task owns (commits, executions, analyses), oldest first; `TaskNotFound` for an unknown task.
async fn rows_of_task<T>(
    c: &mut PgConnection,
    task: TaskId,
    sql: &'static str,
    row: fn(&PgRow) -> Result<T, sqlx_core::Error>,
    action: &'static str,
) -> Result<Vec<T>> {
    project_of(c, task, false).await?.ok_or(Error::TaskNotFound(task))?;
    let rows = query(sql).bind(task.0).fetch_all(&mut *c).await.map_err(db_err(action))?;
    rows.iter().map(row).collect::<Result<_, _>>().map_err(db_err(action))
}

fn execution_row(r: &PgRow) -> Result<Execution, sqlx_core::Error> {
    rows::execution(&PgCols(r))
}

macro_rules! execution_columns {
    () => {
        "id, task_id, language, code, output, error, exit_code, execution_time, timed_out, truncated, isolation, \
         limits, timestamp"
    };
}

pub(crate) async fn record_execution(c: &mut PgConnection, e: &NewExecution) -> Result<Execution> {
    exists(c, e.task_id).await?;
    let row = query(concat!(
        "INSERT INTO code_executions (task_id, language, code, output, error, exit_code, execution_time, timed_out, \
         truncated, isolation, limits, timestamp) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         RETURNING ",
        execution_columns!()
    ))
    .bind(e.task_id.0)
    .bind(txt(&e.language))
    .bind(txt(&e.code))
    .bind(txt(&e.output))
    .bind(txt(&e.error))
    .bind(e.exit_code)
    .bind(e.execution_time)
    .bind(e.timed_out)
    .bind(e.truncated)
    .bind(txt(&e.isolation))
    .bind(Json(pg_json(&e.limits)))
    .bind(now())
    .fetch_one(&mut *c)
    .await
    .map_err(db_err("record the execution"))?;
    execution_row(&row).map_err(db_err("read the execution"))
}

pub(crate) async fn executions(c: &mut PgConnection, task: TaskId) -> Result<Vec<Execution>> {
    let sql = concat!("SELECT ", execution_columns!(), " FROM code_executions WHERE task_id = $1 ORDER BY id");
    rows_of_task(c, task, sql, execution_row, "read executions").await
}

fn analysis_row(r: &PgRow) -> Result<Analysis, sqlx_core::Error> {
    rows::analysis(&PgCols(r))
}

pub(crate) async fn record_analysis(
    c: &mut PgConnection,
    task: TaskId,
    kind: &str,
    result: &serde_json::Value,
    complexity_score: Option<f64>,
) -> Result<Analysis> {
    let updated_at: Option<DateTime<Utc>> = query_scalar("SELECT updated_at FROM tasks WHERE id = $1 FOR UPDATE")
        .bind(task.0)
        .fetch_optional(&mut *c)
        .await
        .map_err(db_err("read the task"))?;
    let updated_at = updated_at.ok_or(Error::TaskNotFound(task))?;
    let row = query(
        "INSERT INTO task_analyses (task_id, kind, result, task_updated_at, created_at) VALUES ($1, $2, $3, $4, $5) \
         RETURNING id, task_id, kind, result, task_updated_at, created_at",
    )
    .bind(task.0)
    .bind(txt(kind))
    .bind(Json(pg_json(result)))
    .bind(updated_at)
    .bind(now())
    .fetch_one(&mut *c)
    .await
    .map_err(db_err("record the analysis"))?;
    if let Some(score) = complexity_score {
        query("UPDATE tasks SET complexity_score = $1 WHERE id = $2")
            .bind(score)
            .bind(task.0)
            .execute(&mut *c)
            .await
            .map_err(db_err("record the complexity score"))?;
    }
    analysis_row(&row).map_err(db_err("read the analysis"))
}

pub(crate) async fn analyses(c: &mut PgConnection, task: TaskId) -> Result<Vec<Analysis>> {
    let sql = "SELECT id, task_id, kind, result, task_updated_at, created_at FROM task_analyses WHERE task_id = $1 \
               ORDER BY id";
    rows_of_task(c, task, sql, analysis_row, "read analyses").await
}

pub(crate) async fn completed_history(c: &mut PgConnection, project: &str, limit: u32) -> Result<Vec<Task>> {
    let rows = query(concat!(
        task_select!(),
        "WHERE t.project_id = $1 AND t.status = 'completed' AND t.started_at IS NOT NULL \
         AND t.completed_at IS NOT NULL ORDER BY t.completed_at DESC, t.id DESC LIMIT $2"
    ))
    .bind(project)
    .bind(i64::from(limit))
    .fetch_all(&mut *c)
    .await
    .map_err(db_err("read the completed history"))?;
    task_rows(rows)
}

pub(crate) async fn transitive_dependents(c: &mut PgConnection, id: TaskId) -> Result<Vec<TaskId>> {
    // One statement, so the existence check and the walk see the same snapshot.
    let (found, dependents): (bool, Vec<i64>) = query_as(
        "SELECT EXISTS (SELECT 1 FROM tasks WHERE id = $1), ARRAY( \
           WITH RECURSIVE dep(id) AS (SELECT task_id FROM task_dependencies WHERE depends_on_id = $1 \
             UNION SELECT d.task_id FROM task_dependencies d JOIN dep ON d.depends_on_id = dep.id) \
           SELECT id FROM dep ORDER BY id)",
    )
    .bind(id.0)
    .fetch_one(&mut *c)
    .await
    .map_err(db_err("read dependents"))?;
    if !found {
        return Err(Error::TaskNotFound(id));
    }
    Ok(dependents.into_iter().map(TaskId).collect())
}

pub(crate) async fn find_by_external_keys(c: &mut PgConnection, project: &str, keys: &[String]) -> Result<Vec<Task>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<String> = keys.iter().map(|k| txt(k).into_owned()).collect();
    let rows = query(concat!(task_select!(), "WHERE t.project_id = $1 AND t.external_key = ANY($2) ORDER BY t.id"))
        .bind(project)
        .bind(keys)
        .fetch_all(&mut *c)
        .await
        .map_err(db_err("find tasks by external key"))?;
    task_rows(rows)
}

/// The document a task is searched by; the same expression as the `tasks_search` index (migration 2).
macro_rules! search_document {
    () => {
        "to_tsvector('simple'::regconfig, t.title || ' ' || coalesce(t.description, '') || ' ' || \
         coalesce(t.details, ''))"
    };
}

/// Full-text search through the `tasks_search` GIN index, best `ts_rank` first.
pub(crate) async fn search_tasks(
    c: &mut PgConnection,
    project: Option<&str>,
    words: &[String],
    limit: u32,
) -> Result<Vec<Task>> {
    // Words are letters and digits only (validate::search_words), so no tsquery syntax reaches the parser.
    let tsquery: Vec<String> = words.iter().map(|w| format!("{}:*", txt(w))).collect();
    let rows = query(concat!(
        task_select!(),
        "WHERE ",
        search_document!(),
        " @@ to_tsquery('simple'::regconfig, $1) AND ($2::text IS NULL OR t.project_id = $2) ORDER BY ts_rank(",
        search_document!(),
        ", to_tsquery('simple'::regconfig, $1)) DESC, t.id LIMIT $3"
    ))
    .bind(tsquery.join(" & "))
    .bind(project)
    .bind(i64::from(limit))
    .fetch_all(&mut *c)
    .await
    .map_err(db_err("search tasks"))?;
    task_rows(rows)
}

pub(crate) async fn save_document(c: &mut PgConnection, d: &NewDocument) -> Result<Document> {
    let row = query(
        "INSERT INTO documents (project_id, kind, content_hash, title, content, parsed, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (project_id, kind, content_hash) DO UPDATE SET \
         title = EXCLUDED.title, content = EXCLUDED.content, parsed = EXCLUDED.parsed, updated_at = EXCLUDED.updated_at \
         RETURNING id, project_id, kind, content_hash, title, content, parsed, created_at, updated_at",
    )
    .bind(txt(&d.project_id))
    .bind(txt(&d.kind))
    .bind(txt(&d.content_hash))
    .bind(otxt(d.title.as_deref()))
    .bind(txt(&d.content))
    .bind(Json(pg_json(&d.parsed)))
    .bind(now())
    .fetch_one(&mut *c)
    .await
    .map_err(db_err("save the document"))?;
    rows::document(&PgCols(&row)).map_err(db_err("read the document"))
}
