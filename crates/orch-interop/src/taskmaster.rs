//! Task Master's `tasks.json`: the tagged format `{ "<tag>": { "tasks": [...], "metadata": {...} } }` and the older
//! `{ "tasks": [...] }`. Subtask ids are dotted (`2.1`); a subtask's dependency written as a bare number names a
//! sibling, as Task Master itself reads it.

use std::collections::{BTreeMap, BTreeSet};

use orch_core::{Status, Task, TaskId};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::{Draft, Error, Exported, Format, NoteTally, Parsed, Result, STATUS_MARKERS, sections, text, title};

/// The tag (Task Master's name for a board context) used when the file has several and none is named, and for the
/// older untagged format.
pub const DEFAULT_TAG: &str = "master";
const TEST_STRATEGY: &str = "Test strategy";
/// Fields whose meaning the import keeps through the nesting itself.
const IMPLIED_FIELDS: [&str; 2] = ["parentTaskId", "parentId"];
const TASK_FIELDS: [&str; 9] =
    ["id", "title", "description", "details", "testStrategy", "status", "dependencies", "priority", "subtasks"];

fn format_error(message: impl Into<String>) -> Error {
    Error::Format { format: "Task Master tasks.json", message: message.into() }
}

/// The key prefix of a tag's tasks.
pub fn key_prefix(tag: &str) -> String {
    format!("taskmaster:{tag}:")
}

/// Reads a `tasks.json`. `tag` picks the board context of a tagged file; by default `master`, or the only tag.
pub fn parse(content: &str, tag: Option<&str>) -> Result<Parsed> {
    let root: Value = serde_json::from_str(content).map_err(|e| format_error(format!("invalid JSON: {e}")))?;
    let Value::Object(root) = root else { return Err(format_error("the document is not a JSON object")) };
    let mut notes = Vec::new();
    let (tag, tasks) = if let Some(tasks) = root.get("tasks") {
        if let Some(t) = tag.filter(|t| *t != DEFAULT_TAG) {
            return Err(format_error(format!(
                "this is the older untagged format, which has no tag '{t}'; leave the tag out"
            )));
        }
        (DEFAULT_TAG.to_string(), tasks)
    } else {
        let tags: Vec<&String> =
            root.iter().filter(|(_, v)| v.get("tasks").is_some_and(Value::is_array)).map(|(k, _)| k).collect();
        if tags.is_empty() {
            return Err(format_error(
                "no task list found: expected { \"tasks\": [...] } or { \"master\": { \"tasks\": [...] } }",
            ));
        }
        let chosen = match tag {
            Some(t) => tags.iter().find(|k| k.as_str() == t).map(|k| k.to_string()).ok_or_else(|| {
                format_error(format!(
                    "the file has no tag '{t}'; its tags are: {}",
                    tags.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                ))
            })?,
            None if tags.iter().any(|k| k.as_str() == DEFAULT_TAG) => DEFAULT_TAG.to_string(),
            None if tags.len() == 1 => tags[0].to_string(),
            None => {
                return Err(format_error(format!(
                    "the file has several tags and none is '{DEFAULT_TAG}'; choose one of: {} (--tag)",
                    tags.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                )));
            }
        };
        let others: Vec<&str> = tags.iter().map(|s| s.as_str()).filter(|t| *t != chosen).collect();
        if !others.is_empty() {
            notes.push(format!(
                "only tag '{chosen}' was imported; the file also has {} (import each with its own --tag)",
                others.iter().map(|t| format!("'{t}'")).collect::<Vec<_>>().join(", ")
            ));
        }
        (chosen.clone(), &root[&chosen]["tasks"])
    };
    let Value::Array(tasks) = tasks else { return Err(format_error("\"tasks\" is not an array")) };
    let mut reader =
        Reader { prefix: key_prefix(&tag), tally: NoteTally::default(), drafts: Vec::new(), pending: Vec::new() };
    for (i, task) in tasks.iter().enumerate() {
        reader.task(task, i)?;
    }
    reader.resolve_dependencies();
    notes.extend(reader.tally.lines("task"));
    Ok(Parsed {
        format: Format::TaskMaster,
        key_prefix: reader.prefix,
        carries_tags: false,
        drafts: reader.drafts,
        notes,
    })
}

/// A dependency as written: a task id, or a dotted subtask id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum DepRef {
    Task(u64),
    Subtask(u64, u64),
}

fn id_of(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn dep_ref(v: &Value) -> Option<DepRef> {
    if let Value::String(s) = v
        && let Some((a, b)) = s.trim().split_once('.')
    {
        return Some(DepRef::Subtask(a.parse().ok()?, b.parse().ok()?));
    }
    id_of(v).map(DepRef::Task)
}

struct Reader {
    prefix: String,
    tally: NoteTally,
    drafts: Vec<Draft>,
    /// Dependencies before they are checked against the whole file: (draft index, as written, how it reads).
    pending: Vec<(usize, String, DepRef)>,
}

impl Reader {
    fn key(&self, r: &DepRef) -> String {
        match r {
            DepRef::Task(t) => format!("{}{t}", self.prefix),
            DepRef::Subtask(t, s) => format!("{}{t}.{s}", self.prefix),
        }
    }

    fn task(&mut self, v: &Value, index: usize) -> Result<()> {
        let Value::Object(obj) = v else { return Err(format_error(format!("task #{} is not an object", index + 1))) };
        let id = obj
            .get("id")
            .and_then(id_of)
            .ok_or_else(|| format_error(format!("task #{} (in file order) has no numeric \"id\"", index + 1)))?;
        let source_id = id.to_string();
        let priority = self.priority(obj, None, &source_id);
        self.push(obj, source_id.clone(), None, priority)?;
        let parent_index = self.drafts.len() - 1;
        let deps = obj.get("dependencies").cloned().unwrap_or(Value::Null);
        self.queue_dependencies(parent_index, &deps, None);
        if let Some(subs) = obj.get("subtasks") {
            let Value::Array(subs) = subs else {
                return Err(format_error(format!("task {id}: \"subtasks\" is not an array")));
            };
            for (j, sub) in subs.iter().enumerate() {
                let Value::Object(s) = sub else {
                    return Err(format_error(format!("task {id}: subtask #{} is not an object", j + 1)));
                };
                let sid = s
                    .get("id")
                    .and_then(id_of)
                    .ok_or_else(|| format_error(format!("task {id}: subtask #{} has no numeric \"id\"", j + 1)))?;
                let source = format!("{id}.{sid}");
                let priority = self.priority(s, Some(priority), &source);
                self.push(s, source, Some(format!("{}{id}", self.prefix)), priority)?;
                let at = self.drafts.len() - 1;
                let deps = s.get("dependencies").cloned().unwrap_or(Value::Null);
                self.queue_dependencies(at, &deps, Some(id));
            }
        }
        Ok(())
    }

    fn priority(&mut self, obj: &Map<String, Value>, inherited: Option<u8>, id: &str) -> u8 {
        match obj.get("priority").and_then(Value::as_str).map(|p| p.trim().to_ascii_lowercase()) {
            None => inherited.unwrap_or(2),
            Some(p) => match p.as_str() {
                "critical" => 4,
                "high" => 3,
                "medium" => 2,
                "low" => 1,
                other => {
                    self.tally.add(format!("unknown priority '{other}' became medium"), id);
                    2
                }
            },
        }
    }

    fn push(
        &mut self,
        obj: &Map<String, Value>,
        source_id: String,
        parent: Option<String>,
        priority: u8,
    ) -> Result<()> {
        let key = format!("{}{source_id}", self.prefix);
        if self.drafts.iter().any(|d| d.key == key) {
            return Err(format_error(format!("id {source_id} appears twice; Task Master ids are unique")));
        }
        let raw_title = obj.get("title").and_then(Value::as_str).unwrap_or_default();
        if raw_title.trim().is_empty() {
            return Err(format_error(format!("task {source_id} has no title")));
        }
        let title = title(raw_title, &mut self.tally, &source_id);
        let (status, marker) = match obj.get("status").and_then(Value::as_str).map(str::trim) {
            None | Some("pending") | Some("") => (Status::Pending, None),
            Some("in-progress") => (Status::InProgress, None),
            Some("review") => (Status::InProgress, Some("review")),
            Some("done") | Some("completed") => (Status::Completed, None),
            Some("blocked") => (Status::Blocked, None),
            Some("deferred") => (Status::Blocked, Some("deferred")),
            Some("cancelled") => (Status::Completed, Some("cancelled")),
            Some(other) => {
                self.tally.add(format!("unknown status '{other}' became pending"), &source_id);
                (Status::Pending, None)
            }
        };
        for field in obj.keys() {
            if !TASK_FIELDS.contains(&field.as_str()) && !IMPLIED_FIELDS.contains(&field.as_str()) {
                self.tally
                    .add(format!("field '{field}' has no counterpart on the board and was not imported"), &source_id);
            }
        }
        let str_field = |f: &str| obj.get(f).and_then(Value::as_str);
        self.drafts.push(Draft {
            key,
            source_id,
            parent,
            title,
            description: text(str_field("description")),
            details: sections::compose(str_field("details"), &[(TEST_STRATEGY, str_field("testStrategy"))]),
            status,
            priority,
            tags: marker.map(|m| vec![m.to_string()]).unwrap_or_default(),
            task_type: None,
            estimated_hours: None,
            depends_on: Vec::new(),
        });
        Ok(())
    }

    fn queue_dependencies(&mut self, at: usize, deps: &Value, parent: Option<u64>) {
        let list = match deps {
            Value::Null => return,
            Value::Array(a) => a.as_slice(),
            _ => {
                self.tally.add("a \"dependencies\" value that is not a list was ignored", &self.drafts[at].source_id);
                return;
            }
        };
        for d in list {
            let written = match d {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let resolved = match (dep_ref(d), parent) {
                // A subtask's bare number is a sibling, as Task Master reads it.
                (Some(DepRef::Task(n)), Some(p)) => Some(DepRef::Subtask(p, n)),
                (r, _) => r,
            };
            match resolved {
                Some(r) => self.pending.push((at, written, r)),
                None => self.tally.add(
                    format!("dependency '{written}' is not a task id and was dropped"),
                    &self.drafts[at].source_id,
                ),
            }
        }
    }

    fn resolve_dependencies(&mut self) {
        let keys: BTreeSet<String> = self.drafts.iter().map(|d| d.key.clone()).collect();
        let pending = std::mem::take(&mut self.pending);
        for (at, written, r) in pending {
            let key = self.key(&r);
            let source = self.drafts[at].source_id.clone();
            if key == self.drafts[at].key {
                self.tally.add("a task listed itself as a dependency; dropped", &source);
            } else if !keys.contains(&key) {
                self.tally.add(format!("dependency '{written}' names no task in the file; dropped"), &source);
            } else if !self.drafts[at].depends_on.contains(&key) {
                self.drafts[at].depends_on.push(key);
            }
        }
    }
}

/// Options of [`export`].
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// The tag to write the tasks under.
    pub tag: String,
    /// Description in the tag's metadata.
    pub description: String,
}

#[derive(Serialize)]
struct TmTask {
    id: u64,
    title: String,
    description: String,
    details: String,
    #[serde(rename = "testStrategy")]
    test_strategy: String,
    status: &'static str,
    dependencies: Vec<Value>,
    priority: &'static str,
    subtasks: Vec<TmSubtask>,
}

#[derive(Serialize)]
struct TmSubtask {
    id: u64,
    title: String,
    description: String,
    details: String,
    status: &'static str,
    dependencies: Vec<Value>,
    #[serde(rename = "testStrategy", skip_serializing_if = "String::is_empty")]
    test_strategy: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    priority: Option<&'static str>,
    #[serde(rename = "parentTaskId")]
    parent_task_id: u64,
}

#[derive(Serialize)]
struct TmMetadata {
    created: String,
    updated: String,
    description: String,
}

#[derive(Serialize)]
struct TmTag {
    tasks: Vec<TmTask>,
    metadata: TmMetadata,
}

fn tm_status(t: &Task) -> &'static str {
    let has = |m: &str| t.tags.iter().any(|x| x == m);
    match t.status {
        Status::Pending => "pending",
        Status::InProgress if has("review") => "review",
        Status::InProgress => "in-progress",
        Status::Blocked if has("deferred") => "deferred",
        Status::Blocked => "blocked",
        Status::Completed if has("cancelled") => "cancelled",
        Status::Completed => "done",
    }
}

fn tm_priority(p: u8) -> &'static str {
    match p {
        4.. => "critical",
        3 => "high",
        2 => "medium",
        _ => "low",
    }
}

/// The id a task had in a Task Master file of this tag, from its external key: (task, subtask).
fn kept_id(t: &Task, prefix: &str) -> Option<(u64, Option<u64>)> {
    let rest = t.external_key.as_deref()?.strip_prefix(prefix)?;
    match rest.split_once('.') {
        Some((a, b)) => Some((a.parse().ok()?, Some(b.parse().ok()?))),
        None => Some((rest.parse().ok()?, None)),
    }
}

/// Writes a project's tasks (ordered by id) as a tagged `tasks.json`. Tasks that came from Task Master with this
/// tag keep their ids; the others get the next free ones. Task Master has one level of subtasks, so deeper
/// descendants become subtasks of their top-level ancestor.
pub fn export(tasks: &[Task], options: &ExportOptions) -> Exported {
    let prefix = key_prefix(&options.tag);
    let mut tally = NoteTally::default();
    let by_id: BTreeMap<TaskId, &Task> = tasks.iter().map(|t| (t.id, t)).collect();
    let top_of = |t: &Task| {
        let mut id = t.id;
        while let Some(p) = by_id.get(&id).and_then(|t| t.parent_id).filter(|p| by_id.contains_key(p)) {
            id = p;
        }
        id
    };
    // Top-level ids: kept where free, then fresh ones above the highest in use.
    let tops: Vec<&Task> = tasks.iter().filter(|t| t.parent_id.is_none_or(|p| !by_id.contains_key(&p))).collect();
    let mut top_ids: BTreeMap<TaskId, u64> = BTreeMap::new();
    let mut used: BTreeSet<u64> = BTreeSet::new();
    for t in &tops {
        if let Some((n, None)) = kept_id(t, &prefix)
            && n > 0
            && used.insert(n)
        {
            top_ids.insert(t.id, n);
        }
    }
    let mut next = used.iter().max().copied().unwrap_or(0) + 1;
    for t in &tops {
        top_ids.entry(t.id).or_insert_with(|| {
            next += 1;
            next - 1
        });
    }
    // Subtask numbers, per top-level task.
    let mut children: BTreeMap<TaskId, Vec<&Task>> = BTreeMap::new();
    for t in tasks {
        if t.parent_id.is_some_and(|p| by_id.contains_key(&p)) {
            let top = top_of(t);
            if t.parent_id != Some(top) {
                tally.add(
                    "Task Master has one level of subtasks; a deeper subtask was attached to its top-level task",
                    &format!("#{}", t.id),
                );
            }
            children.entry(top).or_default().push(t);
        }
    }
    let mut sub_ids: BTreeMap<TaskId, (u64, u64)> = BTreeMap::new();
    for (top, subs) in &children {
        let parent_no = top_ids[top];
        let mut used = BTreeSet::new();
        for s in subs {
            if let Some((p, Some(n))) = kept_id(s, &prefix)
                && p == parent_no
                && n > 0
                && used.insert(n)
            {
                sub_ids.insert(s.id, (parent_no, n));
            }
        }
        let mut next = used.iter().max().copied().unwrap_or(0) + 1;
        for s in subs {
            sub_ids.entry(s.id).or_insert_with(|| {
                next += 1;
                (parent_no, next - 1)
            });
        }
    }
    let describe = |t: &Task| match sub_ids.get(&t.id) {
        Some((p, n)) => format!("{p}.{n}"),
        None => top_ids.get(&t.id).map(u64::to_string).unwrap_or_default(),
    };
    for t in tasks {
        let own: Vec<&String> = t.tags.iter().filter(|x| !STATUS_MARKERS.contains(&x.as_str())).collect();
        if !own.is_empty() {
            tally.add("Task Master tasks have no tags; tags were left out", &describe(t));
        }
        for (what, present) in [
            ("task types", t.task_type.is_some()),
            ("estimates", t.estimated_hours.is_some()),
            ("languages", t.code_language.is_some()),
            ("assignees", t.assignee.is_some()),
        ] {
            if present {
                tally.add(format!("Task Master has no field for {what}; left out"), &describe(t));
            }
        }
    }
    let mut extra_top_deps: BTreeMap<TaskId, Vec<TaskId>> = BTreeMap::new();
    let dep_value = |dep: TaskId| -> Option<Value> {
        if let Some((p, n)) = sub_ids.get(&dep) {
            return Some(Value::String(format!("{p}.{n}")));
        }
        top_ids.get(&dep).map(|n| Value::from(*n))
    };
    let mut out_subs: BTreeMap<TaskId, Vec<TmSubtask>> = BTreeMap::new();
    for (top, subs) in &children {
        let top_task = by_id[top];
        for s in subs {
            let (parent_no, n) = sub_ids[&s.id];
            let mut deps = Vec::new();
            for d in &s.dependencies {
                match (sub_ids.get(d), top_ids.get(d)) {
                    (Some((p, m)), _) if *p == parent_no => deps.push(Value::from(*m)),
                    (Some((p, m)), _) => deps.push(Value::String(format!("{p}.{m}"))),
                    (None, Some(_)) => {
                        // A subtask's bare number means a sibling in Task Master, so a top-level prerequisite is
                        // carried by the parent instead.
                        tally.add(
                            "Task Master cannot make a subtask depend on a top-level task; the dependency was moved to its parent",
                            &format!("{parent_no}.{n}"),
                        );
                        extra_top_deps.entry(*top).or_default().push(*d);
                    }
                    (None, None) => {
                        tally.add("a dependency outside the project was left out", &format!("{parent_no}.{n}"))
                    }
                }
            }
            let (details, fields) = sections::split(s.details.as_deref(), &[TEST_STRATEGY]);
            out_subs.entry(*top).or_default().push(TmSubtask {
                id: n,
                title: s.title.clone(),
                description: s.description.clone().unwrap_or_default(),
                details: details.unwrap_or_default(),
                status: tm_status(s),
                dependencies: deps,
                test_strategy: fields.into_iter().next().flatten().unwrap_or_default(),
                priority: (s.priority != top_task.priority).then(|| tm_priority(s.priority)),
                parent_task_id: parent_no,
            });
        }
    }
    let mut out = Vec::new();
    for t in &tops {
        let mut dep_ids: Vec<TaskId> = t.dependencies.clone();
        for d in extra_top_deps.get(&t.id).into_iter().flatten() {
            if !dep_ids.contains(d) && *d != t.id {
                dep_ids.push(*d);
            }
        }
        let mut deps = Vec::new();
        for d in dep_ids {
            match dep_value(d) {
                Some(v) => deps.push(v),
                None => tally.add("a dependency outside the project was left out", &describe(t)),
            }
        }
        let (details, fields) = sections::split(t.details.as_deref(), &[TEST_STRATEGY]);
        out.push(TmTask {
            id: top_ids[&t.id],
            title: t.title.clone(),
            description: t.description.clone().unwrap_or_default(),
            details: details.unwrap_or_default(),
            test_strategy: fields.into_iter().next().flatten().unwrap_or_default(),
            status: tm_status(t),
            dependencies: deps,
            priority: tm_priority(t.priority),
            subtasks: out_subs.remove(&t.id).unwrap_or_default(),
        });
    }
    out.sort_by_key(|t| t.id);
    let created = tasks.iter().map(|t| t.created_at).min().unwrap_or_else(chrono::Utc::now);
    let updated = tasks.iter().map(|t| t.updated_at).max().unwrap_or(created);
    let doc = BTreeMap::from([(
        options.tag.clone(),
        TmTag {
            tasks: out,
            metadata: TmMetadata {
                created: created.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                updated: updated.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                description: options.description.clone(),
            },
        },
    )]);
    let content = serde_json::to_string_pretty(&doc).unwrap_or_else(|e| unreachable!("plain data serialises: {e}"));
    Exported { content: content + "\n", tasks: tasks.len(), notes: tally.lines("task") }
}
