//! MCP resources: the board as documents a client can list, read and subscribe to.
//!
//! | URI | content | MIME type |
//! | --- | --- | --- |
//! | `task://{task_id}` | the task with its commits, as `get_task` returns it | `application/json` |
//! | `board://ready` | pending tasks whose prerequisites are all completed, every project | `application/json` |
//! | `board://graph` | the dependency graph of every project | `text/vnd.mermaid` |
//! | `project://{project_id}/ready` | the ready tasks of one project | `application/json` |
//! | `project://{project_id}/graph` | one project's dependency graph | `text/vnd.mermaid` |
//!
//! Task resources are offered as a template, not listed one by one: a board may hold 100 000 tasks.

use std::collections::HashSet;

use orch_core::{Status, TaskId};
use orch_service::{DetailOptions, ErrorKind, GraphFormat, Orchestrator};
use rmcp::ErrorData;
use rmcp::model::{ListResourceTemplatesResult, ListResourcesResult, Resource, ResourceContents, ResourceTemplate};
use serde::Serialize;

use crate::dto::TaskDto;
use crate::tools;

/// The MIME type of JSON resources.
pub const JSON: &str = "application/json";
/// The MIME type of Mermaid diagrams (not IANA-registered; the name Mermaid's own tooling uses).
pub const MERMAID: &str = "text/vnd.mermaid";

/// Longest resource URI accepted (a project id is at most a few hundred characters).
const MAX_URI_CHARS: usize = 2048;

const URI_HELP: &str = "use task://{task_id} (a positive integer), board://ready, board://graph, \
project://{project_id}/ready or project://{project_id}/graph (the project id percent-encoded)";

/// A parsed board resource URI.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum BoardUri {
    /// `task://{id}`.
    Task(TaskId),
    /// `board://ready` (`None`) or `project://{id}/ready`.
    Ready(Option<String>),
    /// `board://graph` (`None`) or `project://{id}/graph`.
    Graph(Option<String>),
}

/// Why a resource could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ResourceError {
    /// The URI names no resource this server offers.
    #[error("{0}")]
    Invalid(String),
    /// The URI is well formed but what it names does not exist (a deleted task).
    #[error("{0}")]
    NotFound(String),
    /// The store failed; details are in the server log.
    #[error("internal error: the task store failed; the server log has the details")]
    Internal,
}

impl From<ResourceError> for ErrorData {
    fn from(e: ResourceError) -> Self {
        match e {
            ResourceError::Invalid(m) => ErrorData::invalid_params(m, None),
            ResourceError::NotFound(m) => ErrorData::resource_not_found(m, None),
            ResourceError::Internal => ErrorData::internal_error(e.to_string(), None),
        }
    }
}

impl From<orch_service::Error> for ResourceError {
    fn from(e: orch_service::Error) -> Self {
        match e.kind() {
            ErrorKind::NotFound => ResourceError::NotFound(e.to_string()),
            ErrorKind::InvalidInput => ResourceError::Invalid(e.to_string()),
            _ => {
                tracing::error!(error = %e, "reading a resource failed on the server side");
                ResourceError::Internal
            }
        }
    }
}

impl BoardUri {
    /// Parses `uri`, saying which URIs exist when it is none of them.
    pub(crate) fn parse(uri: &str) -> Result<Self, ResourceError> {
        let invalid = || ResourceError::Invalid(format!("unknown resource URI '{}': {URI_HELP}", shorten(uri)));
        if uri.chars().count() > MAX_URI_CHARS {
            return Err(invalid());
        }
        if let Some(id) = uri.strip_prefix("task://") {
            // Digits only: `+1`, ` 1` and `1/x` name nothing.
            if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid());
            }
            return match id.parse::<i64>() {
                Ok(n) if n > 0 => Ok(BoardUri::Task(TaskId(n))),
                _ => Err(invalid()),
            };
        }
        match uri {
            "board://ready" => return Ok(BoardUri::Ready(None)),
            "board://graph" => return Ok(BoardUri::Graph(None)),
            _ => {}
        }
        let Some((project, view)) = uri.strip_prefix("project://").and_then(|rest| rest.rsplit_once('/')) else {
            return Err(invalid());
        };
        let project = percent_decode(project).filter(|p| !p.trim().is_empty()).ok_or_else(invalid)?;
        match view {
            "ready" => Ok(BoardUri::Ready(Some(project))),
            "graph" => Ok(BoardUri::Graph(Some(project))),
            _ => Err(invalid()),
        }
    }

    /// The MIME type of this resource's content.
    pub(crate) fn mime_type(&self) -> &'static str {
        match self {
            BoardUri::Task(_) | BoardUri::Ready(_) => JSON,
            BoardUri::Graph(_) => MERMAID,
        }
    }

    /// Reads the resource's current content.
    pub(crate) async fn read(&self, orch: &Orchestrator) -> Result<String, ResourceError> {
        match self {
            BoardUri::Task(id) => {
                let details = tools::task_details(orch.get_task(*id, DetailOptions::default()).await?);
                Ok(to_json(&details))
            }
            BoardUri::Ready(project) => {
                let graph = orch.task_graph(project.clone(), GraphFormat::Json).await?;
                Ok(to_json(&ready(project.clone(), graph.data)))
            }
            BoardUri::Graph(project) => {
                let graph = orch.task_graph(project.clone(), GraphFormat::Mermaid).await?;
                Ok(graph.rendered.unwrap_or_default())
            }
        }
    }

    /// The resource's content as a `resources/read` result entry.
    pub(crate) async fn contents(&self, uri: &str, orch: &Orchestrator) -> Result<ResourceContents, ResourceError> {
        Ok(ResourceContents::text(self.read(orch).await?, uri).with_mime_type(self.mime_type()))
    }
}

/// The content of a `ready` resource.
#[derive(Debug, Serialize)]
struct ReadyTasks {
    /// The project, absent for every project.
    #[serde(skip_serializing_if = "Option::is_none")]
    project_id: Option<String>,
    /// How many tasks are ready.
    count: usize,
    /// Highest priority first, then oldest (lowest id) first.
    tasks: Vec<TaskDto>,
}

/// Pending tasks whose prerequisites are all completed: what an agent could start now.
fn ready(project_id: Option<String>, data: orch_core::GraphData) -> ReadyTasks {
    let completed: HashSet<TaskId> =
        data.tasks.iter().filter(|t| t.status == Status::Completed).map(|t| t.id).collect();
    let mut waiting: HashSet<TaskId> = HashSet::new();
    for (task, prerequisite) in &data.edges {
        if !completed.contains(prerequisite) {
            waiting.insert(*task);
        }
    }
    let mut tasks: Vec<_> =
        data.tasks.into_iter().filter(|t| t.status == Status::Pending && !waiting.contains(&t.id)).collect();
    tasks.sort_by_key(|t| (std::cmp::Reverse(t.priority), t.id));
    ReadyTasks { project_id, count: tasks.len(), tasks: tasks.into_iter().map(Into::into).collect() }
}

fn to_json<T: Serialize>(value: &T) -> String {
    // The DTOs are plain data (no maps with non-string keys), so serialization cannot fail.
    serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// `%XX` decoding of a URI component; `None` when malformed or not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// `%`-encodes everything but unreserved characters, so any project id makes a URI that parses back to it.
pub(crate) fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A URI cut for an error message (a client may send megabytes).
fn shorten(uri: &str) -> String {
    const SHOWN: usize = 120;
    if uri.chars().count() <= SHOWN {
        uri.to_owned()
    } else {
        format!("{}…", uri.chars().take(SHOWN).collect::<String>())
    }
}

/// `resources/list`: the board-wide resources (tasks and projects are templates).
pub(crate) fn list() -> ListResourcesResult {
    ListResourcesResult::with_all_items(vec![
        Resource::new("board://ready", "ready-tasks")
            .with_title("Tasks ready to start")
            .with_description(
                "Pending tasks of every project whose dependencies are all completed, highest priority first.",
            )
            .with_mime_type(JSON),
        Resource::new("board://graph", "task-graph")
            .with_title("Dependency graph")
            .with_description("The dependency graph of every project as a Mermaid flowchart.")
            .with_mime_type(MERMAID),
    ])
}

/// `resources/templates/list`.
pub(crate) fn templates() -> ListResourceTemplatesResult {
    ListResourceTemplatesResult::with_all_items(vec![
        ResourceTemplate::new("task://{task_id}", "task")
            .with_title("Task")
            .with_description(
                "One task with its dependencies, tags, status and linked commits (as get_task returns it).",
            )
            .with_mime_type(JSON),
        ResourceTemplate::new("project://{project_id}/ready", "project-ready-tasks")
            .with_title("Tasks ready to start in a project")
            .with_description("Pending tasks of one project whose dependencies are all completed.")
            .with_mime_type(JSON),
        ResourceTemplate::new("project://{project_id}/graph", "project-task-graph")
            .with_title("A project's dependency graph")
            .with_description("One project's dependency graph as a Mermaid flowchart.")
            .with_mime_type(MERMAID),
    ])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_offered_uri_parses_and_nothing_else_does() {
        assert_eq!(BoardUri::parse("task://12"), Ok(BoardUri::Task(TaskId(12))));
        assert_eq!(BoardUri::parse("board://ready"), Ok(BoardUri::Ready(None)));
        assert_eq!(BoardUri::parse("board://graph"), Ok(BoardUri::Graph(None)));
        assert_eq!(BoardUri::parse("project://auth-system/ready"), Ok(BoardUri::Ready(Some("auth-system".into()))));
        assert_eq!(BoardUri::parse("project://a%2Fb%20c/graph"), Ok(BoardUri::Graph(Some("a/b c".into()))));
        for bad in [
            "",
            "task://",
            "task://0",
            "task://-1",
            "task://+1",
            "task://1/x",
            "task:// 1",
            "task://99999999999999999999",
            "board://",
            "board://readyx",
            "project://x/other",
            "project:///ready",
            "project://%20/ready",
            "project://%zz/ready",
            "project://%ff/ready",
            "project://x",
            "file:///etc/passwd",
        ] {
            let e = BoardUri::parse(bad).unwrap_err();
            assert!(matches!(e, ResourceError::Invalid(ref m) if m.contains("task://{task_id}")), "{bad}: {e:?}");
        }
        let long = format!("project://{}/ready", "x".repeat(5000));
        assert!(BoardUri::parse(&long).unwrap_err().to_string().len() < 600, "the message is cut");
    }

    #[test]
    fn project_ids_round_trip_through_encoding() {
        for id in ["auth-system", "a/b", "über projekt", "100%", "x?y#z"] {
            let uri = format!("project://{}/ready", percent_encode(id));
            assert_eq!(BoardUri::parse(&uri), Ok(BoardUri::Ready(Some(id.into()))), "{uri}");
        }
    }
}
