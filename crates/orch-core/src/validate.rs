//! Validation and normalisation of caller input. Stores assume their input went through here.

use crate::error::{Error, Result};
use crate::limits::*;
use crate::model::{NewCommitLink, NewTask, TaskFilter, TaskId, TaskPatch};

fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// An offending value for an error message: whole when short, else its first [`MAX_QUOTED_CHARS`] characters and
/// its length, so a caller's 1 MiB mistake does not come back as a 1 MiB message.
pub fn quote(value: &str) -> String {
    let len = char_len(value);
    if len <= MAX_QUOTED_CHARS {
        format!("'{}'", value.escape_debug())
    } else {
        let prefix: String = value.chars().take(MAX_QUOTED_CHARS).collect();
        format!("'{}…' ({len} characters)", prefix.escape_debug())
    }
}

/// Checks a task id is positive (ids are assigned from 1).
pub fn task_id(field: &'static str, id: TaskId) -> Result<TaskId> {
    if id.0 <= 0 {
        return Err(Error::invalid(field, format!("{id} is not a task id; ids are positive integers")));
    }
    Ok(id)
}

/// Normalises who claims a task: trimmed, blank is `None`, bounded, no control characters.
pub fn assignee(value: Option<String>) -> Result<Option<String>> {
    let a = optional_text("assignee", value, MAX_ASSIGNEE_CHARS)?;
    if a.as_deref().is_some_and(|a| a.chars().any(char::is_control)) {
        return Err(Error::invalid("assignee", "must not contain control characters"));
    }
    Ok(a)
}

/// Trims a required text field and enforces its length.
pub fn required_text(field: &'static str, value: &str, max: usize) -> Result<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Error::invalid(field, "must not be empty or blank"));
    }
    if char_len(trimmed) > max {
        return Err(Error::invalid(field, format!("is {} characters long; the limit is {max}", char_len(trimmed))));
    }
    Ok(trimmed.to_string())
}

/// Trims an optional text field; blank becomes `None`.
pub fn optional_text(field: &'static str, value: Option<String>, max: usize) -> Result<Option<String>> {
    match value {
        None => Ok(None),
        Some(v) => {
            let trimmed = v.trim();
            if trimmed.is_empty() {
                Ok(None)
            } else if char_len(trimmed) > max {
                Err(Error::invalid(field, format!("is {} characters long; the limit is {max}", char_len(trimmed))))
            } else {
                Ok(Some(trimmed.to_string()))
            }
        }
    }
}

/// Checks a priority is within 0–4.
pub fn priority(value: u8) -> Result<u8> {
    if value > 4 {
        return Err(Error::invalid("priority", format!("{value} is out of range; use 0 (lowest) to 4 (highest)")));
    }
    Ok(value)
}

/// Normalises a project id (trimmed, non-blank); `None` gives the default project.
pub fn project_id(value: Option<&str>) -> Result<String> {
    match value {
        None => Ok(crate::model::default_project().to_string()),
        Some(v) => {
            let p = required_text("project_id", v, MAX_PROJECT_ID_CHARS)?;
            if p.chars().any(char::is_control) {
                return Err(Error::invalid("project_id", "must not contain control characters"));
            }
            Ok(p)
        }
    }
}

/// Normalises tags: trimmed, lower case, blanks dropped, duplicates removed keeping the first occurrence.
pub fn tags(values: Vec<String>) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::with_capacity(values.len());
    for v in values {
        let tag = v.trim().to_lowercase();
        if tag.is_empty() {
            continue;
        }
        if char_len(&tag) > MAX_TAG_CHARS {
            return Err(Error::invalid(
                "tags",
                format!("tag {} is longer than {MAX_TAG_CHARS} characters", quote(&tag)),
            ));
        }
        if tag.chars().any(char::is_control) {
            return Err(Error::invalid("tags", "tags must not contain control characters"));
        }
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    if out.len() > MAX_TAGS {
        return Err(Error::invalid("tags", format!("{} tags given; the limit is {MAX_TAGS}", out.len())));
    }
    Ok(out)
}

/// Normalises a language name: lower case, common aliases resolved (`py`, `js`, `ts`, `sh`, `shell`).
pub fn code_language(value: Option<String>) -> Result<Option<String>> {
    let Some(raw) = optional_text("code_language", value, MAX_LANGUAGE_CHARS)? else {
        return Ok(None);
    };
    let lang = raw.to_lowercase();
    if !lang.chars().all(|c| c.is_ascii_alphanumeric() || "+#._-".contains(c)) {
        return Err(Error::invalid(
            "code_language",
            format!(
                "{} is not a language name; use letters, digits and + # . _ - only (e.g. python, typescript)",
                quote(&raw)
            ),
        ));
    }
    let canonical = match lang.as_str() {
        "py" | "python3" => "python",
        "js" | "node" | "nodejs" => "javascript",
        "ts" => "typescript",
        "sh" | "shell" => "bash",
        other => other,
    };
    Ok(Some(canonical.to_string()))
}

/// Normalises a task type: lower case letters, digits, `_` and `-`.
pub fn task_type(value: Option<String>) -> Result<Option<String>> {
    let Some(raw) = optional_text("task_type", value, MAX_TASK_TYPE_CHARS)? else {
        return Ok(None);
    };
    let t = raw.to_lowercase();
    if !t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        return Err(Error::invalid(
            "task_type",
            format!("{} is not a task type; use e.g. implementation, test, documentation, research", quote(&raw)),
        ));
    }
    Ok(Some(t))
}

/// Checks an effort estimate is a finite, non-negative number of hours.
pub fn estimated_hours(value: Option<f64>) -> Result<Option<f64>> {
    match value {
        Some(h) if !h.is_finite() || !(0.0..=100_000.0).contains(&h) => {
            Err(Error::invalid("estimated_hours", format!("{h} is not a number of hours between 0 and 100000")))
        }
        other => Ok(other),
    }
}

/// De-duplicates and bounds a list of task ids; rejects non-positive ids.
pub fn task_ids(field: &'static str, ids: Vec<TaskId>) -> Result<Vec<TaskId>> {
    let mut out: Vec<TaskId> = Vec::with_capacity(ids.len());
    for id in ids {
        let id = task_id(field, id)?;
        if !out.contains(&id) {
            out.push(id);
        }
    }
    if out.len() > MAX_DEPENDENCIES {
        return Err(Error::invalid(field, format!("{} ids given; the limit is {MAX_DEPENDENCIES}", out.len())));
    }
    out.sort();
    Ok(out)
}

/// Validates and normalises a task to create.
pub fn new_task(t: NewTask) -> Result<NewTask> {
    if let Some(parent) = t.parent_id {
        task_id("parent_id", parent)?;
    }
    new_task_unchecked_refs(t)
}

/// Validates a batch for [`crate::TaskStore::create_tasks`]: entry `i` may reference entries `0..i` of the batch by
/// the negative id `-(j + 1)` in `dependencies` and `parent_id`.
pub fn new_task_batch(tasks: Vec<NewTask>) -> Result<Vec<NewTask>> {
    tasks
        .into_iter()
        .enumerate()
        .map(|(i, mut t)| {
            let earlier = |id: TaskId| id.0 > 0 || (-id.0) as usize <= i;
            if let Some(bad) = t.dependencies.iter().chain(t.parent_id.iter()).find(|id| !earlier(**id)) {
                return Err(Error::invalid(
                    "dependencies",
                    format!("batch entry {i} refers to {bad}, which is neither a task id nor an earlier batch entry"),
                ));
            }
            let (refs, ids): (Vec<TaskId>, Vec<TaskId>) = t.dependencies.drain(..).partition(|id| id.0 < 0);
            let mut normalised = new_task_unchecked_refs(NewTask { dependencies: ids, ..t })?;
            normalised.dependencies.extend(refs);
            normalised.dependencies.dedup();
            Ok(normalised)
        })
        .collect()
}

fn new_task_unchecked_refs(t: NewTask) -> Result<NewTask> {
    Ok(NewTask {
        project_id: t.project_id.as_deref().map(|p| project_id(Some(p))).transpose()?,
        parent_id: t.parent_id,
        title: required_text("title", &t.title, MAX_TITLE_CHARS)?,
        description: optional_text("description", t.description, MAX_TEXT_CHARS)?,
        details: optional_text("details", t.details, MAX_TEXT_CHARS)?,
        priority: priority(t.priority)?,
        dependencies: task_ids("dependencies", t.dependencies)?,
        tags: tags(t.tags)?,
        code_language: code_language(t.code_language)?,
        execution_environment: optional_text("execution_environment", t.execution_environment, MAX_TEXT_CHARS)?,
        task_type: task_type(t.task_type)?,
        estimated_hours: estimated_hours(t.estimated_hours)?,
        external_key: optional_text("external_key", t.external_key, MAX_EXTERNAL_KEY_CHARS)?,
    })
}

/// Keeps an empty string (meaning "clear this field") and normalises anything else.
fn clearable(
    value: Option<String>,
    normalise: impl Fn(Option<String>) -> Result<Option<String>>,
) -> Result<Option<String>> {
    match value {
        None => Ok(None),
        Some(s) if s.trim().is_empty() => Ok(Some(String::new())),
        Some(s) => Ok(Some(normalise(Some(s))?.unwrap_or_default())),
    }
}

/// Validates and normalises a patch. Empty strings in optional text fields are kept (they mean "clear").
pub fn task_patch(p: TaskPatch) -> Result<TaskPatch> {
    if p.is_empty() {
        return Err(Error::invalid(
            "update",
            "nothing to change; pass at least one of title, description, details, priority, tags, code_language, \
             execution_environment, task_type, estimated_hours, add_dependencies, remove_dependencies",
        ));
    }
    let add = task_ids("add_dependencies", p.add_dependencies)?;
    let remove = task_ids("remove_dependencies", p.remove_dependencies)?;
    if let Some(both) = add.iter().find(|id| remove.contains(id)) {
        return Err(Error::invalid(
            "add_dependencies",
            format!("task #{both} is in both add_dependencies and remove_dependencies; name it in one only"),
        ));
    }
    Ok(TaskPatch {
        title: p.title.map(|t| required_text("title", &t, MAX_TITLE_CHARS)).transpose()?,
        description: clearable(p.description, |v| optional_text("description", v, MAX_TEXT_CHARS))?,
        details: clearable(p.details, |v| optional_text("details", v, MAX_TEXT_CHARS))?,
        priority: p.priority.map(priority).transpose()?,
        tags: p.tags.map(tags).transpose()?,
        code_language: clearable(p.code_language, code_language)?,
        execution_environment: clearable(p.execution_environment, |v| {
            optional_text("execution_environment", v, MAX_TEXT_CHARS)
        })?,
        task_type: clearable(p.task_type, task_type)?,
        estimated_hours: estimated_hours(p.estimated_hours)?,
        add_dependencies: add,
        remove_dependencies: remove,
    })
}

/// Validates a listing filter.
pub fn filter(f: TaskFilter) -> Result<TaskFilter> {
    Ok(TaskFilter {
        project_id: f.project_id.as_deref().map(|p| project_id(Some(p))).transpose()?,
        status: f.status,
        code_language: code_language(f.code_language)?,
        tags: tags(f.tags)?,
        parent_id: f.parent_id.map(|p| task_id("parent_id", p)).transpose()?,
    })
}

/// Validates a page request, applying the default page size.
pub fn page(limit: Option<u32>, offset: Option<u64>) -> Result<(u32, u64)> {
    let limit = limit.unwrap_or(DEFAULT_PAGE_SIZE);
    if limit == 0 || limit > MAX_PAGE_SIZE {
        return Err(Error::invalid("limit", format!("{limit} is out of range; use 1 to {MAX_PAGE_SIZE}")));
    }
    Ok((limit, offset.unwrap_or(0)))
}

/// The words of a search: letters and digits, lower-cased, at most 16 of them; refuses a query without any.
pub fn search_words(query: &str) -> Result<Vec<String>> {
    let words: Vec<String> =
        query.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).take(16).collect();
    if words.is_empty() {
        return Err(Error::invalid("query", format!("'{query}' has no words to search for; give letters or digits")));
    }
    Ok(words)
}

/// Validates a commit link: the hash is 7–64 hexadecimal characters (short, SHA-1 or SHA-256) and is lower-cased.
pub fn commit_link(link: NewCommitLink) -> Result<NewCommitLink> {
    let hash = link.commit_hash.trim().to_ascii_lowercase();
    if !(7..=64).contains(&hash.len()) || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(Error::invalid(
            "commit_hash",
            format!(
                "{} is not a commit hash; give 7 to 64 hexadecimal characters (e.g. the output of git rev-parse HEAD)",
                quote(&link.commit_hash)
            ),
        ));
    }
    Ok(NewCommitLink {
        task_id: link.task_id,
        commit_hash: hash,
        commit_message: optional_text("commit_message", link.commit_message, MAX_COMMIT_MESSAGE_CHARS)?,
        author: optional_text("author", link.author, MAX_AUTHOR_CHARS)?,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn blank_title_is_refused() {
        let err = new_task(NewTask { title: "   ".into(), ..Default::default() }).unwrap_err();
        assert!(err.to_string().contains("title"), "{err}");
    }

    #[test]
    fn title_is_trimmed_and_bounded() {
        let t = new_task(NewTask { title: "  Ship it  ".into(), ..Default::default() }).unwrap();
        assert_eq!(t.title, "Ship it");
        let long = "x".repeat(MAX_TITLE_CHARS + 1);
        assert!(new_task(NewTask { title: long, ..Default::default() }).is_err());
    }

    #[test]
    fn priority_above_four_is_refused() {
        assert!(priority(4).is_ok());
        let err = priority(5).unwrap_err().to_string();
        assert!(err.contains("0 (lowest) to 4 (highest)"), "{err}");
    }

    #[test]
    fn tags_are_normalised_and_deduplicated() {
        let t = tags(vec!["API".into(), " api ".into(), "".into(), "Backend".into()]).unwrap();
        assert_eq!(t, vec!["api", "backend"]);
        assert!(tags((0..=MAX_TAGS).map(|i| format!("t{i}")).collect()).is_err());
    }

    #[test]
    fn language_aliases_resolve() {
        assert_eq!(code_language(Some("TS".into())).unwrap().as_deref(), Some("typescript"));
        assert_eq!(code_language(Some("py".into())).unwrap().as_deref(), Some("python"));
        assert_eq!(code_language(Some("rust".into())).unwrap().as_deref(), Some("rust"));
        assert!(code_language(Some("rm -rf /".into())).is_err());
        assert_eq!(code_language(Some("  ".into())).unwrap(), None);
    }

    #[test]
    fn dependency_ids_are_positive_and_unique() {
        assert_eq!(
            task_ids("dependencies", vec![TaskId(3), TaskId(1), TaskId(3)]).unwrap(),
            vec![TaskId(1), TaskId(3)]
        );
        assert!(task_ids("dependencies", vec![TaskId(0)]).is_err());
    }

    #[test]
    fn empty_patch_is_refused_and_clear_is_kept() {
        assert!(task_patch(TaskPatch::default()).is_err());
        let p = task_patch(TaskPatch { description: Some("  ".into()), ..Default::default() }).unwrap();
        assert_eq!(p.description.as_deref(), Some(""));
        let both =
            TaskPatch { add_dependencies: vec![TaskId(2)], remove_dependencies: vec![TaskId(2)], ..Default::default() };
        assert!(task_patch(both).is_err());
    }

    #[test]
    fn commit_hashes() {
        let ok = |h: &str| {
            commit_link(NewCommitLink { task_id: TaskId(1), commit_hash: h.into(), commit_message: None, author: None })
        };
        assert_eq!(ok("ABCDEF1").unwrap().commit_hash, "abcdef1");
        assert!(ok(&"a".repeat(40)).is_ok());
        assert!(ok(&"b".repeat(64)).is_ok());
        assert!(ok("abc12").is_err());
        assert!(ok(&"c".repeat(65)).is_err());
        assert!(ok("xyz1234").is_err());
    }

    #[test]
    fn page_bounds() {
        assert_eq!(page(None, None).unwrap(), (DEFAULT_PAGE_SIZE, 0));
        assert!(page(Some(0), None).is_err());
        assert!(page(Some(MAX_PAGE_SIZE + 1), None).is_err());
    }

    #[test]
    fn estimated_hours_must_be_finite() {
        assert!(estimated_hours(Some(f64::NAN)).is_err());
        assert!(estimated_hours(Some(-1.0)).is_err());
        assert_eq!(estimated_hours(Some(2.5)).unwrap(), Some(2.5));
    }
}
