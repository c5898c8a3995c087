//! beads' `issues.jsonl` (what `bd export` writes and `bd import` reads): one issue per line with `blocks` and
//! `parent-child` dependency records. Priorities run the other way (0 is the most urgent).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, SecondsFormat, Utc};
use orch_core::{Status, Task, TaskId};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{Draft, Error, Exported, Format, NoteTally, Parsed, Result, sections, text, title};

/// Key prefix of imported beads issues.
pub const KEY_PREFIX: &str = "beads:";
const DESIGN: &str = "Design";
const ACCEPTANCE: &str = "Acceptance criteria";
const NOTES: &str = "Notes";
const HEADINGS: [&str; 3] = [DESIGN, ACCEPTANCE, NOTES];
/// beads' issue types; other task types export as `task`.
const ISSUE_TYPES: [&str; 5] = ["bug", "feature", "task", "epic", "chore"];
/// Fields read, and fields that are beads' own bookkeeping (timestamps, compaction, content hash).
const KNOWN_FIELDS: [&str; 13] = [
    "id",
    "title",
    "description",
    "design",
    "acceptance_criteria",
    "notes",
    "status",
    "priority",
    "issue_type",
    "estimated_minutes",
    "labels",
    "dependencies",
    "closed_at",
];
const BOOKKEEPING: [&str; 6] =
    ["created_at", "updated_at", "compaction_level", "compacted_at", "compacted_at_commit", "original_size"];

fn format_error(message: impl Into<String>) -> Error {
    Error::Format { format: "beads issues.jsonl", message: message.into() }
}

#[derive(Deserialize)]
struct Dependency {
    #[serde(default)]
    issue_id: Option<String>,
    depends_on_id: String,
    #[serde(default, rename = "type")]
    kind: Option<String>,
}

/// Reads `issues.jsonl`: one JSON object per line; blank lines are skipped.
pub fn parse(content: &str) -> Result<Parsed> {
    let mut tally = NoteTally::default();
    let mut drafts: Vec<Draft> = Vec::new();
    let mut links: Vec<(usize, Dependency)> = Vec::new();
    let mut seen = BTreeSet::new();
    for (n, line) in content.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let lineno = n + 1;
        let v: Value = serde_json::from_str(line).map_err(|e| format_error(format!("line {lineno}: {e}")))?;
        let Value::Object(obj) = v else { return Err(format_error(format!("line {lineno} is not a JSON object"))) };
        let id = obj.get("id").and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
        let id = id.ok_or_else(|| format_error(format!("line {lineno} has no \"id\"")))?.to_string();
        if !seen.insert(id.clone()) {
            return Err(format_error(format!("issue {id} appears twice (line {lineno})")));
        }
        let s = |f: &str| obj.get(f).and_then(Value::as_str);
        let raw_status = s("status").unwrap_or("open").trim();
        if raw_status == "tombstone" {
            tally.add("deleted issues (tombstones) were skipped", &id);
            continue;
        }
        let raw_title = s("title").unwrap_or_default();
        if raw_title.trim().is_empty() {
            return Err(format_error(format!("issue {id} (line {lineno}) has no title")));
        }
        let (status, marker) = match raw_status {
            "open" | "" => (Status::Pending, None),
            "in_progress" => (Status::InProgress, None),
            "blocked" => (Status::Blocked, None),
            "closed" => (Status::Completed, None),
            "deferred" => (Status::Blocked, Some("deferred".to_string())),
            other => {
                tally.add(format!("status '{other}' has no counterpart; became pending"), &id);
                (Status::Pending, None)
            }
        };
        let priority = match obj.get("priority").and_then(Value::as_i64) {
            None => 2,
            Some(p @ 0..=4) => 4 - p as u8,
            Some(p) => {
                tally.add(format!("priority {p} is outside beads' 0-4; clamped"), &id);
                4 - p.clamp(0, 4) as u8
            }
        };
        let task_type = s("issue_type").map(|t| t.trim().to_ascii_lowercase()).filter(|t| {
            !t.is_empty() && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') && t.len() <= 32
        });
        let estimated_hours =
            obj.get("estimated_minutes").and_then(Value::as_f64).filter(|m| *m >= 0.0).map(|m| m / 60.0);
        let mut tags: Vec<String> = match obj.get("labels") {
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_string).collect(),
            _ => Vec::new(),
        };
        tags.extend(marker);
        for field in obj.keys() {
            if KNOWN_FIELDS.contains(&field.as_str()) || BOOKKEEPING.contains(&field.as_str()) {
                continue;
            }
            let present = match &obj[field] {
                Value::Null => false,
                Value::String(s) => !s.is_empty(),
                Value::Array(a) => !a.is_empty(),
                _ => true,
            };
            if present {
                tally.add(format!("field '{field}' has no counterpart on the board and was not imported"), &id);
            }
        }
        if let Some(Value::Array(deps)) = obj.get("dependencies") {
            for d in deps {
                let dep: Dependency = serde_json::from_value(d.clone())
                    .map_err(|e| format_error(format!("issue {id}: a dependency record is malformed: {e}")))?;
                links.push((drafts.len(), dep));
            }
        }
        drafts.push(Draft {
            key: format!("{KEY_PREFIX}{id}"),
            source_id: id,
            parent: None,
            title: title(raw_title, &mut tally, s("id").unwrap_or_default()),
            description: text(s("description")),
            details: sections::compose(
                None,
                &[(DESIGN, s("design")), (ACCEPTANCE, s("acceptance_criteria")), (NOTES, s("notes"))],
            ),
            status,
            priority,
            tags,
            task_type,
            estimated_hours,
            depends_on: Vec::new(),
        });
    }
    let index: BTreeMap<String, usize> = drafts.iter().enumerate().map(|(i, d)| (d.source_id.clone(), i)).collect();
    for (at, dep) in links {
        let me = drafts[at].source_id.clone();
        if dep.issue_id.as_deref().is_some_and(|i| i != me) {
            tally.add("a dependency record listed under another issue was ignored", &me);
            continue;
        }
        let Some(&target) = index.get(dep.depends_on_id.as_str()) else {
            tally.add("a dependency on an issue not in the file was dropped", &me);
            continue;
        };
        if target == at {
            tally.add("an issue listed itself as a dependency; dropped", &me);
            continue;
        }
        let target_key = drafts[target].key.clone();
        match dep.kind.as_deref().unwrap_or("blocks") {
            "blocks" => {
                if !drafts[at].depends_on.contains(&target_key) {
                    drafts[at].depends_on.push(target_key);
                }
            }
            "parent-child" => match &drafts[at].parent {
                Some(p) if *p != target_key => {
                    tally.add("an issue with two parents kept the first", &me);
                }
                _ => drafts[at].parent = Some(target_key),
            },
            other => tally.add(
                format!("'{other}' dependencies have no counterpart (only blocks and parent-child); dropped"),
                &me,
            ),
        }
    }
    // Parents first, so a batch can refer to them.
    let drafts = parents_first(drafts, &mut tally);
    Ok(Parsed {
        format: Format::Beads,
        key_prefix: KEY_PREFIX.to_string(),
        carries_tags: true,
        drafts,
        notes: tally.lines("issue"),
    })
}

/// Orders drafts so every parent precedes its children, breaking parent cycles (which beads does not forbid).
fn parents_first(drafts: Vec<Draft>, tally: &mut NoteTally) -> Vec<Draft> {
    let index: BTreeMap<String, usize> = drafts.iter().enumerate().map(|(i, d)| (d.key.clone(), i)).collect();
    let mut drafts: Vec<Option<Draft>> = drafts.into_iter().map(Some).collect();
    let mut out = Vec::with_capacity(drafts.len());
    let mut placed: BTreeSet<String> = BTreeSet::new();
    for start in 0..drafts.len() {
        // Walk up to the first unplaced ancestor, then place the chain from the top.
        let mut chain = Vec::new();
        let mut cur = Some(start);
        let mut on_chain = BTreeSet::new();
        while let Some(i) = cur {
            let Some(d) = drafts[i].as_ref() else { break };
            if !on_chain.insert(i) {
                break;
            }
            chain.push(i);
            cur = d.parent.as_ref().filter(|p| !placed.contains(*p)).and_then(|p| index.get(p).copied());
        }
        for i in chain.into_iter().rev() {
            let Some(mut d) = drafts[i].take() else { continue };
            if let Some(p) = &d.parent
                && !placed.contains(p)
            {
                tally.add("parent-child links formed a cycle; one link was dropped", &d.source_id);
                d.parent = None;
            }
            placed.insert(d.key.clone());
            out.push(d);
        }
    }
    out
}

#[derive(Serialize)]
struct BdDependency {
    issue_id: String,
    depends_on_id: String,
    #[serde(rename = "type")]
    kind: &'static str,
    created_at: String,
    created_by: &'static str,
}

#[derive(Serialize)]
struct BdIssue {
    id: String,
    title: String,
    description: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    design: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    acceptance_criteria: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    notes: String,
    status: &'static str,
    priority: u8,
    issue_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    estimated_minutes: Option<i64>,
    created_at: String,
    updated_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    closed_at: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    labels: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    dependencies: Vec<BdDependency>,
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// Writes a project's tasks as `issues.jsonl`. Issues imported from beads keep their ids; the others are named
/// `<prefix>-<task id>` (beads requires one prefix per database).
pub fn export(tasks: &[Task], prefix: &str) -> Exported {
    let mut tally = NoteTally::default();
    let mut ids: BTreeMap<TaskId, String> = BTreeMap::new();
    let mut used: BTreeSet<String> = BTreeSet::new();
    for t in tasks {
        if let Some(k) = t.external_key.as_deref().and_then(|k| k.strip_prefix(KEY_PREFIX))
            && used.insert(k.to_string())
        {
            ids.insert(t.id, k.to_string());
        }
    }
    for t in tasks {
        if ids.contains_key(&t.id) {
            continue;
        }
        let mut id = format!("{prefix}-{}", t.id);
        let mut n = 1;
        while used.contains(&id) {
            n += 1;
            id = format!("{prefix}-{}-{n}", t.id);
        }
        used.insert(id.clone());
        ids.insert(t.id, id);
    }
    let mut lines = String::new();
    for t in tasks {
        let id = ids[&t.id].clone();
        let (body, fields) = sections::split(t.details.as_deref(), &HEADINGS);
        let mut description = t.description.clone().unwrap_or_default();
        if let Some(body) = body {
            // beads has no details field; the board's details follow the description.
            description = if description.is_empty() { body } else { format!("{description}\n\n{body}") };
        }
        let mut fields = fields.into_iter().map(Option::unwrap_or_default);
        let created = time(t.created_at);
        let mut deps: Vec<BdDependency> = Vec::new();
        if let Some(p) = t.parent_id {
            match ids.get(&p) {
                Some(pid) => deps.push(BdDependency {
                    issue_id: id.clone(),
                    depends_on_id: pid.clone(),
                    kind: "parent-child",
                    created_at: created.clone(),
                    created_by: "task-orchestrator",
                }),
                None => tally.add("a parent outside the project was left out", &id),
            }
        }
        for d in &t.dependencies {
            match ids.get(d) {
                Some(did) => deps.push(BdDependency {
                    issue_id: id.clone(),
                    depends_on_id: did.clone(),
                    kind: "blocks",
                    created_at: created.clone(),
                    created_by: "task-orchestrator",
                }),
                None => tally.add("a dependency outside the project was left out", &id),
            }
        }
        let issue_type = match t.task_type.as_deref() {
            Some(k) if ISSUE_TYPES.contains(&k) => k.to_string(),
            Some(_) => {
                tally.add("task types beads does not know were written as 'task'", &id);
                "task".to_string()
            }
            None => "task".to_string(),
        };
        if t.code_language.is_some() || t.execution_environment.is_some() {
            tally.add("beads has no field for the language or execution environment; left out", &id);
        }
        let issue = BdIssue {
            id: id.clone(),
            title: t.title.clone(),
            description,
            design: fields.next().unwrap_or_default(),
            acceptance_criteria: fields.next().unwrap_or_default(),
            notes: fields.next().unwrap_or_default(),
            status: match t.status {
                Status::Pending => "open",
                Status::InProgress => "in_progress",
                Status::Blocked => "blocked",
                Status::Completed => "closed",
            },
            priority: 4 - t.priority.min(4),
            issue_type,
            estimated_minutes: t.estimated_hours.map(|h| (h * 60.0).round() as i64),
            created_at: created,
            updated_at: time(t.updated_at),
            // beads requires closed_at exactly when the issue is closed.
            closed_at: (t.status == Status::Completed).then(|| time(t.completed_at.unwrap_or(t.updated_at))),
            labels: t.tags.clone(),
            dependencies: deps,
        };
        let line = serde_json::to_string(&issue).unwrap_or_else(|e| unreachable!("plain data serialises: {e}"));
        lines.push_str(&line);
        lines.push('\n');
    }
    Exported { content: lines, tasks: tasks.len(), notes: tally.lines("issue") }
}
